package meta

import (
	"strings"
	"testing"
)

func root(c byte) string { return strings.Repeat(string(c), 64) }

func TestTranscriptRoundTrip(t *testing.T) {
	tr := &Transcript{Format: TranscriptFormat, Every: 1 << 28, Checkpoints: []Checkpoint{
		{Instret: 500, Root: root('a')}, {Instret: 500 + 1<<28, Root: root('b')}, {Instret: 900 + 1<<28, Root: root('c')},
	}}
	b, err := tr.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"checkpoints":[{"instret":500,"root":"` + root('a') + `"},{"instret":268435956,"root":"` + root('b') +
		`"},{"instret":268436356,"root":"` + root('c') + `"}],"every":268435456,"format":1}`
	if string(b) != want {
		t.Fatalf("encoding\n%s\nwant\n%s", b, want)
	}
	back, err := ParseTranscript(b)
	if err != nil {
		t.Fatal(err)
	}
	if h1, _ := tr.SHA256(); func() string { h, _ := back.SHA256(); return h }() != h1 || back.Final().Root != root('c') {
		t.Fatal("the parsed transcript differs")
	}
}

func TestParseTranscriptErrors(t *testing.T) {
	for _, tt := range []struct{ name, in, want string }{
		{"empty", ``, "EOF"},
		{"format", `{"format":2,"every":1,"checkpoints":[{"instret":1,"root":"` + root('a') + `"}]}`, "format 2"},
		{"no checkpoints", `{"format":1,"every":1,"checkpoints":[]}`, "0 checkpoints"},
		{"every 0", `{"format":1,"every":0,"checkpoints":[{"instret":1,"root":"` + root('a') + `"}]}`, "interval 0"},
		{"bad root", `{"format":1,"every":1,"checkpoints":[{"instret":1,"root":"xyz"}]}`, "hex"},
		{"order", `{"format":1,"every":1,"checkpoints":[{"instret":2,"root":"` + root('a') + `"},{"instret":2,"root":"` + root('b') + `"}]}`, "not after"},
		{"unknown field", `{"format":1,"every":1,"extra":1,"checkpoints":[{"instret":1,"root":"` + root('a') + `"}]}`, "unknown field"},
		{"trailing", `{"format":1,"every":1,"checkpoints":[{"instret":1,"root":"` + root('a') + `"}]} {}`, "after the JSON"},
	} {
		_, err := ParseTranscript([]byte(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err %v, want one containing %q", tt.name, err, tt.want)
		}
	}
}

func TestFirstDifference(t *testing.T) {
	mk := func(roots ...byte) *Transcript {
		tr := &Transcript{Format: 1, Every: 10}
		for i, r := range roots {
			tr.Checkpoints = append(tr.Checkpoints, Checkpoint{Instret: uint64(5 + 10*i), Root: root(r)})
		}
		return tr
	}
	for _, tt := range []struct {
		a, b *Transcript
		want int
	}{
		{mk('a', 'b', 'c'), mk('a', 'b', 'c'), -1},
		{mk('a', 'b', 'c'), mk('a', 'x', 'c'), 1},
		{mk('a', 'b', 'c'), mk('a', 'b'), 2},
		{mk('x'), mk('a', 'b'), 0},
	} {
		if got, err := FirstDifference(tt.a, tt.b); err != nil || got != tt.want {
			t.Errorf("FirstDifference = %d, %v; want %d", got, err, tt.want)
		}
	}
	other := mk('a')
	other.Every = 20
	if _, err := FirstDifference(mk('a'), other); err == nil {
		t.Error("transcripts with different intervals compared without an error")
	}
}

func FuzzParseTranscript(f *testing.F) {
	f.Add([]byte(`{"format":1,"every":1,"checkpoints":[{"instret":1,"root":"` + root('a') + `"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		tr, err := ParseTranscript(b)
		if err != nil {
			return
		}
		enc, err := tr.Marshal()
		if err != nil {
			t.Fatalf("parsed transcript does not marshal: %v", err)
		}
		if _, err := ParseTranscript(enc); err != nil {
			t.Fatalf("marshalled transcript does not parse: %v", err)
		}
	})
}
