package rvgen

import (
	"encoding/binary"
	"slices"
	"testing"
)

func TestParseStateAndDiff(t *testing.T) {
	out := make([]byte, OutSize)
	for i := range 65 {
		binary.LittleEndian.PutUint64(out[BufSize+8*i:], uint64(i)*0x0101)
	}
	out[17] = 0xaa
	a, err := ParseState(out)
	if err != nil {
		t.Fatal(err)
	}
	if a.X[5] != 5*0x0101 || a.F[3] != 35*0x0101 || a.FCSR != 64*0x0101 || a.Mem[17] != 0xaa {
		t.Fatalf("ParseState: x5=%#x f3=%#x fcsr=%#x mem[17]=%#x", a.X[5], a.F[3], a.FCSR, a.Mem[17])
	}
	if _, err := ParseState(out[1:]); err == nil {
		t.Error("ParseState accepted a short state")
	}

	b := a
	b.Mem = slices.Clone(a.Mem)
	b.X[31]++
	b.F[0]++
	b.FCSR = 0x21
	b.Mem[BufSize-1] = 1
	want := []string{
		"x31: 0x0000000000001f1f != 0x0000000000001f20",
		"f0: 0x0000000000002020 != 0x0000000000002021",
		"fcsr: 0x4040 (frm=2 flags= reserved=0x40) != 0x21 (frm=1 flags=NX)",
		"mem[0x1f8]: 0x0000000000000000 != 0x0100000000000000",
	}
	if got := Diff(a, b); !slices.Equal(got, want) {
		t.Errorf("Diff:\n got %q\nwant %q", got, want)
	}
	if d := Diff(a, a); len(d) != 0 {
		t.Errorf("Diff of equal states: %q", d)
	}
}

func TestFCSRString(t *testing.T) {
	for _, tc := range []struct {
		v    uint64
		want string
	}{
		{0, "frm=0 flags="},
		{0x1f, "frm=0 flags=NV|DZ|OF|UF|NX"},
		{0x90, "frm=4 flags=NV"},
		{0xe3, "frm=7 flags=UF|NX"},
		{0x105, "frm=0 flags=OF|NX reserved=0x1"},
	} {
		if got := FCSRString(tc.v); got != tc.want {
			t.Errorf("FCSRString(%#x) = %q, want %q", tc.v, got, tc.want)
		}
	}
}

func TestStateValue(t *testing.T) {
	s := State{FCSR: 7}
	s.X[31], s.F[0] = 1, 2
	for _, tc := range []struct {
		name string
		v    uint64
		ok   bool
	}{
		{"x31", 1, true}, {"f0", 2, true}, {"fcsr", 7, true},
		{"x32", 0, false}, {"f", 0, false}, {"x05", 0, false}, {"sp", 0, false},
	} {
		v, ok := s.Value(tc.name)
		if v != tc.v || ok != tc.ok {
			t.Errorf("Value(%q) = %d, %v; want %d, %v", tc.name, v, ok, tc.v, tc.ok)
		}
	}
}
