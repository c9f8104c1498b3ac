package rvgen

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// State is the architectural state one program writes at its end.
type State struct {
	X, F [32]uint64
	FCSR uint64
	Mem  []byte // the data buffer, BufSize bytes
}

// ParseState decodes one program's OutSize-byte output.
func ParseState(out []byte) (State, error) {
	if len(out) != OutSize {
		return State{}, fmt.Errorf("rvgen: state is %d bytes, want %d", len(out), OutSize)
	}
	s := State{Mem: out[:BufSize]}
	d := out[BufSize:]
	for i := range 32 {
		s.X[i] = binary.LittleEndian.Uint64(d[8*i:])
		s.F[i] = binary.LittleEndian.Uint64(d[8*(32+i):])
	}
	s.FCSR = binary.LittleEndian.Uint64(d[8*64:])
	return s, nil
}

// Value returns the value of a register named as in Item.Uses.
func (s State) Value(name string) (uint64, bool) {
	var n int
	switch {
	case name == "fcsr":
		return s.FCSR, true
	case scan(name, "x%d", &n) && n < 32:
		return s.X[n], true
	case scan(name, "f%d", &n) && n < 32:
		return s.F[n], true
	}
	return 0, false
}

func scan(s, format string, n *int) bool {
	k, err := fmt.Sscanf(s, format, n)
	return err == nil && k == 1 && fmt.Sprintf(format, *n) == s
}

// Diff lists the differences between two states, registers first (x, f,
// fcsr) and then the buffer by 8-byte word, each as "name: a != b".
func Diff(a, b State) []string {
	var d []string
	for i := range 32 {
		if a.X[i] != b.X[i] {
			d = append(d, fmt.Sprintf("x%d: %#016x != %#016x", i, a.X[i], b.X[i]))
		}
	}
	for i := range 32 {
		if a.F[i] != b.F[i] {
			d = append(d, fmt.Sprintf("f%d: %#016x != %#016x", i, a.F[i], b.F[i]))
		}
	}
	if a.FCSR != b.FCSR {
		d = append(d, fmt.Sprintf("fcsr: %#x (%s) != %#x (%s)", a.FCSR, FCSRString(a.FCSR), b.FCSR, FCSRString(b.FCSR)))
	}
	for off := 0; off+8 <= min(len(a.Mem), len(b.Mem)); off += 8 {
		x, y := binary.LittleEndian.Uint64(a.Mem[off:]), binary.LittleEndian.Uint64(b.Mem[off:])
		if x != y {
			d = append(d, fmt.Sprintf("mem[%#x]: %#016x != %#016x", off, x, y))
		}
	}
	return d
}

// FCSRString decodes fcsr as "frm=N flags=NV|DZ|OF|UF|NX" (Volume I, 11.2).
func FCSRString(v uint64) string {
	names := []string{"NX", "UF", "OF", "DZ", "NV"}
	var f []string
	for i := 4; i >= 0; i-- {
		if v>>i&1 != 0 {
			f = append(f, names[i])
		}
	}
	s := fmt.Sprintf("frm=%d flags=%s", v>>5&7, strings.Join(f, "|"))
	if v>>8 != 0 {
		s += fmt.Sprintf(" reserved=%#x", v>>8)
	}
	return s
}
