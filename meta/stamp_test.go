package meta

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
)

// minimalStamp has only the required fields.
func minimalStamp() *Stamp {
	return &Stamp{
		Argv:      []string{"true"},
		Emulator:  "1.0.0",
		Format:    FormatVersion,
		Image:     "bafkqaaa",
		Instret:   7,
		LogSHA256: strings.Repeat("0", 64),
		Machine:   Machine{Bootargs: "", MaxInsns: 10, RAMSize: 1 << 20},
		Outputs:   []Output{{Path: "/out/a", SHA256: strings.Repeat("a", 64), Size: 0}},
		Reprovm:   "0.1.0",
		Source:    Source{CID: "bafkqaaa"},
		Workdir:   "/",
	}
}

func TestMarshalGolden(t *testing.T) {
	tests := []struct {
		name string
		s    *Stamp
		want string
	}{
		{"minimal", minimalStamp(),
			`{"argv":["true"],"emulator":"1.0.0","format":1,"image":"bafkqaaa","instret":7,` +
				`"log_sha256":"0000000000000000000000000000000000000000000000000000000000000000",` +
				`"machine":{"bootargs":"","max_insns":10,"ram_size":1048576},` +
				`"outputs":[{"path":"/out/a","sha256":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","size":0}],` +
				`"reprovm":"0.1.0","source":{"cid":"bafkqaaa"},"workdir":"/"}`},
		{"full", func() *Stamp {
			s := minimalStamp()
			s.Argv = []string{"sh", "-c", "a && b < c > d", "é\u2028"}
			s.Deps = map[string]string{"z": "bafkqaaa", "a": "Qm1"}
			s.Env = []string{"B=1", "A=2"}
			s.Instret = 1<<64 - 1
			s.Source.GitCommit = strings.Repeat("f", 40)
			s.Source.GitURL = "https://example.org/r"
			s.StateRoot = "root"
			return s
		}(),
			`{"argv":["sh","-c","a && b < c > d","é\u2028"],"deps":{"a":"Qm1","z":"bafkqaaa"},"emulator":"1.0.0",` +
				`"env":["B=1","A=2"],"format":1,"image":"bafkqaaa","instret":18446744073709551615,` +
				`"log_sha256":"0000000000000000000000000000000000000000000000000000000000000000",` +
				`"machine":{"bootargs":"","max_insns":10,"ram_size":1048576},` +
				`"outputs":[{"path":"/out/a","sha256":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","size":0}],` +
				`"reprovm":"0.1.0","source":{"cid":"bafkqaaa","git_commit":"ffffffffffffffffffffffffffffffffffffffff","git_url":"https://example.org/r"},` +
				`"state_root":"root","workdir":"/"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.s.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Errorf("Marshal:\n got %s\nwant %s", b, tt.want)
			}
			s, err := ParseStamp(b)
			if err != nil {
				t.Fatalf("ParseStamp(Marshal): %v", err)
			}
			again, err := s.Marshal()
			if err != nil || !bytes.Equal(again, b) {
				t.Errorf("Marshal(ParseStamp(x)) = %s, %v; want x", again, err)
			}
		})
	}
}

// TestMarshalKeysSorted walks the encoding of a stamp with every field set
// and checks that each object's keys are in sorted order: the struct
// declarations and the canonicaliser must agree with the documented form.
func TestMarshalKeysSorted(t *testing.T) {
	s := testStamp(tinyModule)
	s.StateRoot = "x"
	b, err := s.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	checkSortedKeys(t, b)
	// Every field of Stamp appears, so the check covered them all.
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"argv", "deps", "emulator", "env", "format", "image", "instret", "log_sha256",
		"machine", "outputs", "reprovm", "source", "state_root", "workdir"} {
		if _, ok := m[k]; !ok {
			t.Errorf("key %q missing from %s", k, b)
		}
	}
	if len(m) != 14 {
		t.Errorf("stamp has %d keys, want 14", len(m))
	}
}

// checkSortedKeys fails t unless every JSON object in b has its keys in
// strictly increasing byte order.
func checkSortedKeys(t *testing.T, b []byte) {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(b))
	type frame struct {
		object  bool
		lastKey string
		isKey   bool
	}
	var stack []frame
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if k, ok := tok.(string); ok && len(stack) > 0 && stack[len(stack)-1].object && stack[len(stack)-1].isKey {
			top := &stack[len(stack)-1]
			if top.lastKey != "" && k <= top.lastKey {
				t.Errorf("key %q after %q: not sorted", k, top.lastKey)
			}
			top.lastKey, top.isKey = k, false
			continue
		}
		if len(stack) > 0 && stack[len(stack)-1].object {
			stack[len(stack)-1].isKey = true // the value was read; next is a key
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, frame{object: true, isKey: true})
		case json.Delim('['):
			stack = append(stack, frame{})
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			if len(stack) > 0 && stack[len(stack)-1].object {
				stack[len(stack)-1].isKey = true
			}
		}
	}
}

func TestParseStampErrors(t *testing.T) {
	good, err := minimalStamp().Marshal()
	if err != nil {
		t.Fatal(err)
	}
	g := string(good)
	tests := []struct {
		name, in, want string
	}{
		{"empty", ``, "unexpected end of JSON"},
		{"not an object", `[1]`, "cannot unmarshal"},
		{"no format", `{"argv":["x"]}`, "no format version"},
		{"newer format", strings.Replace(g, `"format":1`, `"format":2`, 1), "unsupported stamp format 2"},
		{"format as string", strings.Replace(g, `"format":1`, `"format":"1"`, 1), `unsupported stamp format "1"`},
		{"unknown field", strings.Replace(g, `{"argv"`, `{"arch":"x","argv"`, 1), `unknown field "arch"`},
		{"trailing data", g + `{}`, "after top-level value"},
		{"trailing newline", g + "\n", "canonical"},
		{"whitespace", strings.Replace(g, `"argv":`, `"argv": `, 1), "canonical"},
		{"unsorted keys", strings.Replace(g, `"emulator":"1.0.0","format":1`, `"format":1,"emulator":"1.0.0"`, 1), "canonical"},
		{"upper-case key", strings.Replace(g, `"argv"`, `"ARGV"`, 1), "canonical"},
		{"duplicate key", strings.Replace(g, `"argv":["true"]`, `"argv":["x"],"argv":["true"]`, 1), "canonical"},
		{"escaped letter", strings.Replace(g, `"true"`, `"tru\u0065"`, 1), "canonical"},
		{"html escape", strings.Replace(g, `"true"`, `"\u0026"`, 1), "canonical"},
		{"empty argv", strings.Replace(g, `"argv":["true"]`, `"argv":[]`, 1), "argv is empty"},
		{"null argv", strings.Replace(g, `"argv":["true"]`, `"argv":null`, 1), "argv is empty"},
		{"empty argv0", strings.Replace(g, `"argv":["true"]`, `"argv":[""]`, 1), "argv[0] is empty"},
		{"empty image", strings.Replace(g, `"image":"bafkqaaa"`, `"image":""`, 1), "image CID is empty"},
		{"bad image", strings.Replace(g, `"image":"bafkqaaa"`, `"image":"ipfs://x"`, 1), "not a letter or digit"},
		{"empty source", strings.Replace(g, `"source":{"cid":"bafkqaaa"}`, `"source":{"cid":""}`, 1), "source CID is empty"},
		{"short log hash", strings.Replace(g, `"log_sha256":"00`, `"log_sha256":"`, 1), "64 lower-case hex"},
		{"upper-case hash", strings.Replace(g, strings.Repeat("a", 64), strings.Repeat("A", 64), 1), "64 lower-case hex"},
		{"no outputs", strings.Replace(g, `"outputs":[{"path":"/out/a","sha256":"`+strings.Repeat("a", 64)+`","size":0}]`, `"outputs":[]`, 1), "no outputs"},
		{"relative output", strings.Replace(g, `"path":"/out/a"`, `"path":"out/a"`, 1), "absolute clean path"},
		{"unclean output", strings.Replace(g, `"path":"/out/a"`, `"path":"/out/../a"`, 1), "absolute clean path"},
		{"negative size", strings.Replace(g, `"size":0`, `"size":-1`, 1), "cannot unmarshal"},
		{"relative workdir", strings.Replace(g, `"workdir":"/"`, `"workdir":"src"`, 1), "absolute clean path"},
		{"empty workdir", strings.Replace(g, `"workdir":"/"`, `"workdir":""`, 1), "workdir is empty"},
		{"no RAM", strings.Replace(g, `"ram_size":1048576`, `"ram_size":0`, 1), "RAM size is 0"},
		{"odd RAM", strings.Replace(g, `"ram_size":1048576`, `"ram_size":1048577`, 1), "RAM size 1048577"},
		{"RAM beyond the board", strings.Replace(g, `"ram_size":1048576`, `"ram_size":137438957568`, 1), "at most 137438953472"},
		{"no limit", strings.Replace(g, `"max_insns":10`, `"max_insns":0`, 1), "instruction limit is 0"},
		{"empty emulator", strings.Replace(g, `"emulator":"1.0.0"`, `"emulator":""`, 1), "emulator version is empty"},
		{"NUL in argv", strings.Replace(g, `"true"`, `"a\u0000b"`, 1), "NUL"},
		{"invalid UTF-8", strings.Replace(g, `"true"`, "\"a\xffb\"", 1), "canonical"},
		{"env without =", strings.Replace(g, `"emulator":"1.0.0"`, `"emulator":"1.0.0","env":["A"]`, 1), "not KEY=VALUE"},
		{"env empty key", strings.Replace(g, `"emulator":"1.0.0"`, `"emulator":"1.0.0","env":["=1"]`, 1), "not KEY=VALUE"},
		{"dep with slash", strings.Replace(g, `"emulator"`, `"deps":{"a/b":"bafkqaaa"},"emulator"`, 1), "single path element"},
		{"dep dot-dot", strings.Replace(g, `"emulator"`, `"deps":{"..":"bafkqaaa"},"emulator"`, 1), "single path element"},
		{"dep empty CID", strings.Replace(g, `"emulator"`, `"deps":{"a":""},"emulator"`, 1), "dependency a CID is empty"},
		{"short commit", strings.Replace(g, `"cid":"bafkqaaa"}`, `"cid":"bafkqaaa","git_commit":"abc"}`, 1), "40 or 64"},
		{"url without commit", strings.Replace(g, `"cid":"bafkqaaa"}`, `"cid":"bafkqaaa","git_url":"https://a.org/b"}`, 1), "without a git commit"},
		{"unnormalized url", strings.Replace(g, `"cid":"bafkqaaa"}`, `"cid":"bafkqaaa","git_commit":"`+strings.Repeat("0", 40)+`","git_url":"https://a.org/b.git"}`, 1), "not normalized"},
		{"credentials in url", strings.Replace(g, `"cid":"bafkqaaa"}`, `"cid":"bafkqaaa","git_commit":"`+strings.Repeat("0", 40)+`","git_url":"https://tok@a.org/b"}`, 1), "not normalized"},
		{"empty state root", strings.Replace(g, `"workdir"`, `"state_root":" ","workdir"`, 1), "state root"},
		{"too big", g + strings.Repeat(" ", MaxStampSize), "over the"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ParseStamp([]byte(tt.in))
			if err == nil {
				t.Fatalf("ParseStamp(%s) = %+v, want an error", tt.in, s)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseStamp(%s): %v; want an error containing %q", tt.in, err, tt.want)
			}
		})
	}
}

func TestMarshalRefusesInvalid(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Stamp)
		want   string
	}{
		{"invalid UTF-8", func(s *Stamp) { s.Argv = []string{"a\xff"} }, "not valid UTF-8"},
		{"format 0", func(s *Stamp) { s.Format = 0 }, "unsupported stamp format 0"},
		{"unsorted outputs", func(s *Stamp) {
			s.Outputs = append(s.Outputs, Output{Path: "/a", SHA256: strings.Repeat("b", 64)})
		}, "not sorted"},
		{"duplicate outputs", func(s *Stamp) { s.Outputs = append(s.Outputs, s.Outputs[0]) }, "not sorted"},
		{"long CID", func(s *Stamp) { s.Image = strings.Repeat("b", 257) }, "over 256"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := minimalStamp()
			tt.change(s)
			_, err := s.Marshal()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Marshal: %v; want an error containing %q", err, tt.want)
			}
		})
	}
	var nilStamp *Stamp
	if _, err := nilStamp.Marshal(); err == nil {
		t.Error("Marshal of a nil stamp succeeded")
	}
}

func TestStampOutput(t *testing.T) {
	s := testStamp(tinyModule)
	o, ok := s.Output("/out/z.txt")
	if !ok || o.Size != 3 {
		t.Errorf("Output(/out/z.txt) = %+v, %v", o, ok)
	}
	if _, ok := s.Output("/out/missing"); ok {
		t.Error("Output(/out/missing) found something")
	}
}

func TestParseStampErrorIsNotSentinel(t *testing.T) {
	_, err := ParseStamp([]byte(`{}`))
	if errors.Is(err, ErrNotStamped) {
		t.Errorf("a malformed stamp reported as not stamped: %v", err)
	}
}
