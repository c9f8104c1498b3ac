package builder

import (
	"bytes"
	"strings"
	"testing"
)

type countingWriter struct {
	bytes.Buffer
	writes int
}

func (c *countingWriter) Write(p []byte) (int, error) { c.writes++; return c.Buffer.Write(p) }

func TestLineWriter(t *testing.T) {
	var out countingWriter
	l := &lineWriter{w: &out}
	for _, b := range []byte("one\ntwo\nthree") {
		l.Write([]byte{b})
	}
	if out.String() != "one\ntwo\n" || out.writes != 2 {
		t.Fatalf("before flush: %q in %d writes", out.String(), out.writes)
	}
	l.Flush()
	if out.String() != "one\ntwo\nthree" {
		t.Fatalf("after flush: %q", out.String())
	}
	l.Write([]byte(strings.Repeat("x", maxLine+1)))
	if out.Len() != len("one\ntwo\nthree")+maxLine+1 {
		t.Fatalf("a line longer than maxLine was held back: %d bytes out", out.Len())
	}
}
