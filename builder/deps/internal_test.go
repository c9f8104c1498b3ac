package deps

import (
	"strings"
	"testing"
)

func TestParseGoSum(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []string // keys
		wantErr string
	}{
		{name: "empty", in: ""},
		{
			name: "zip and mod",
			in: "github.com/cespare/xxhash/v2 v2.3.0 h1:UL815xU9SqsFlibzuggzjXhog7bL6oX9BbNZnL2UFvs=\n" +
				"github.com/cespare/xxhash/v2 v2.3.0/go.mod h1:VGX0DQ3Q6kWi7AoAeZDth3/j3BFtOZR5XLFGgcrjCOs=\n",
			want: []string{"github.com/cespare/xxhash/v2/@v/v2.3.0.mod", "github.com/cespare/xxhash/v2/@v/v2.3.0.zip"},
		},
		{
			name: "upper case is escaped, blank lines and CRLF are ignored",
			in:   "\r\ngithub.com/BurntSushi/toml v1.0.0-RC1/go.mod h1:x=\r\n\n",
			want: []string{"github.com/!burnt!sushi/toml/@v/v1.0.0-!r!c1.mod"},
		},
		{name: "two fields", in: "a v1.0.0\n", wantErr: "go.sum:1: want 3 fields, have 2"},
		{name: "four fields", in: "a v1.0.0 h1:x= extra\n", wantErr: "go.sum:1: want 3 fields, have 4"},
		{name: "later line", in: "a v1.0.0 h1:x=\nb\n", wantErr: "go.sum:2:"},
		{name: "empty version", in: "a /go.mod h1:x=\n", wantErr: "empty module path or version"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sums, err := parseGoSum([]byte(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseGoSum = %v, %v; want error %q", sums, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(sums) != len(tt.want) {
				t.Errorf("parseGoSum = %v, want %v", sums, tt.want)
			}
			for _, k := range tt.want {
				if !sums[k] {
					t.Errorf("parseGoSum = %v, lacks %q", sums, k)
				}
			}
		})
	}
}

func TestEscapeModule(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"github.com/spf13/cobra", "github.com/spf13/cobra"},
		{"github.com/BurntSushi/toml", "github.com/!burnt!sushi/toml"},
		{"v1.0.0-RC1", "v1.0.0-!r!c1"},
		{"ABCXYZ", "!a!b!c!x!y!z"},
	}
	for _, tt := range tests {
		if got := escapeModule(tt.in); got != tt.want {
			t.Errorf("escapeModule(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := unescapeModule(tt.want); got != tt.in {
			t.Errorf("unescapeModule(%q) = %q, want %q", tt.want, got, tt.in)
		}
	}
}

func TestCanonicalInfo(t *testing.T) {
	tests := []struct {
		name, in, version, want, wantErr string
	}{
		{
			name:    "proxy.golang.org form",
			in:      `{"Version":"v2.3.0","Time":"2024-04-04T20:00:10Z"}`,
			version: "v2.3.0",
			want:    `{"Version":"v2.3.0","Time":"2024-04-04T20:00:10Z"}`,
		},
		{
			name:    "origin and unknown fields dropped, time to UTC",
			in:      `{"Time":"2024-04-04T22:00:10+02:00","Origin":{"VCS":"git","URL":"https://github.com/cespare/xxhash","Hash":"998dce232f17418a7a5721ecf87ca714025a3243","Ref":"refs/tags/v2.3.0"},"Version":"v2.3.0","Extra":1}`,
			version: "v2.3.0",
			want:    `{"Version":"v2.3.0","Time":"2024-04-04T20:00:10Z"}`,
		},
		{
			name:    "escaped file name",
			in:      `{"Version":"v1.0.0-RC1","Time":"2020-01-01T00:00:00Z"}`,
			version: "v1.0.0-!r!c1",
			want:    `{"Version":"v1.0.0-RC1","Time":"2020-01-01T00:00:00Z"}`,
		},
		{name: "other version", in: `{"Version":"v2.2.0","Time":"2024-04-04T20:00:10Z"}`, version: "v2.3.0", wantErr: "not"},
		{name: "no version", in: `{"Time":"2024-04-04T20:00:10Z"}`, version: "", wantErr: "version"},
		{name: "not JSON", in: `v2.3.0`, version: "v2.3.0", wantErr: "decode"},
		{name: "bad time", in: `{"Version":"v2.3.0","Time":"yesterday"}`, version: "v2.3.0", wantErr: "decode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := canonicalInfo([]byte(tt.in), tt.version)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("canonicalInfo = %s, %v; want error %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || string(got) != tt.want {
				t.Errorf("canonicalInfo = %s, %v; want %s", got, err, tt.want)
			}
		})
	}
}

func FuzzParseGoSum(f *testing.F) {
	f.Add([]byte("github.com/cespare/xxhash/v2 v2.3.0 h1:UL815xU9SqsFlibzuggzjXhog7bL6oX9BbNZnL2UFvs=\n"))
	f.Add([]byte("a v1/go.mod h1:x=\n\n b  c d \r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		sums, err := parseGoSum(data)
		if err != nil {
			return
		}
		for k := range sums {
			if !strings.Contains(k, "/@v/") || !(strings.HasSuffix(k, ".zip") || strings.HasSuffix(k, ".mod")) {
				t.Errorf("key %q is not a proxy file name", k)
			}
		}
	})
}

func FuzzCanonicalInfo(f *testing.F) {
	f.Add([]byte(`{"Version":"v2.3.0","Time":"2024-04-04T20:00:10Z"}`), "v2.3.0")
	f.Add([]byte(`{"Version":"v1.0.0-RC1","Time":"2020-01-01T00:00:00+01:00","Origin":{}}`), "v1.0.0-!r!c1")
	f.Fuzz(func(t *testing.T, data []byte, version string) {
		out, err := canonicalInfo(data, version)
		if err != nil {
			return
		}
		// Canonical means idempotent.
		again, err := canonicalInfo(out, version)
		if err != nil || string(again) != string(out) {
			t.Errorf("canonicalInfo(%s) = %s, %v; not a fixed point", out, again, err)
		}
	})
}

func FuzzEscapeModule(f *testing.F) {
	f.Add("github.com/BurntSushi/toml")
	f.Fuzz(func(t *testing.T, s string) {
		e := escapeModule(s)
		for i := 0; i < len(e); i++ {
			if 'A' <= e[i] && e[i] <= 'Z' {
				t.Fatalf("escapeModule(%q) = %q has upper case", s, e)
			}
		}
		if !strings.Contains(s, "!") && unescapeModule(e) != s {
			t.Errorf("unescapeModule(escapeModule(%q)) = %q", s, unescapeModule(e))
		}
	})
}
