package hart

import (
	"encoding/binary"
	"testing"

	"github.com/reprovm/reprovm/machine/internal/bus"
)

// TestCrossPageInstruction runs 32-bit instructions whose halves lie on two
// pages (they are decoded on every execution, never cached), and checks
// that a store rewriting the second half takes effect.
func TestCrossPageInstruction(t *testing.T) {
	const base = 0x8000_0000
	b, err := bus.New(base, 2*pageSize)
	if err != nil {
		t.Fatal(err)
	}
	h := New(b, base+pageSize-6)
	put := func(off int, w uint32) { binary.LittleEndian.PutUint32(b.RAM[off:], w) }
	put(pageSize-6, 0x00000013) // nop at 0xffa
	put(pageSize-2, 0x00550513) // addi a0, a0, 5 at 0xffe, spanning the pages
	put(pageSize+2, 0xff9ff06f) // j -8: back to 0xffa
	for round, want := range []uint64{5, 10, 15} {
		h.Run(h.Instret() + 3)
		if h.X[10] != want {
			t.Fatalf("round %d: a0 = %d, want %d", round, h.X[10], want)
		}
	}
	// Rewrite the upper half: addi a0, a0, 5 -> addi a0, a0, 0x105.
	h.WrittenByDevice(base+pageSize, 2)
	binary.LittleEndian.PutUint16(b.RAM[pageSize:], 0x1055)
	h.Run(h.Instret() + 3)
	if h.X[10] != 15+0x105 {
		t.Fatalf("after rewrite: a0 = %#x, want %#x", h.X[10], 15+0x105)
	}
	if h.PC != base+pageSize-6 {
		t.Fatalf("pc = %#x, want %#x", h.PC, base+pageSize-6)
	}
}

// TestSEIPSoftwareAndLine checks that mip.SEIP reads as the OR of the bit
// M-mode software writes and the line the PLIC drives, and that neither
// clears the other (privileged spec §3.1.9).
func TestSEIPSoftwareAndLine(t *testing.T) {
	b, err := bus.New(0x8000_0000, pageSize)
	if err != nil {
		t.Fatal(err)
	}
	h := New(b, 0x8000_0000)
	seip := func() bool { return h.mipValue()&ipSEI != 0 }
	steps := []struct {
		what string
		do   func()
		want bool
	}{
		{"line up", func() { h.SetPending(MIPSEIP, true) }, true},
		{"software sets", func() { h.writeCSR(csrMIP, ipSEI) }, true},
		{"line down", func() { h.SetPending(MIPSEIP, false) }, true},
		{"software clears", func() { h.writeCSR(csrMIP, 0) }, false},
		{"line up again", func() { h.SetPending(MIPSEIP, true) }, true},
		{"software clear does not lower the line", func() { h.writeCSR(csrMIP, 0) }, true},
	}
	for _, s := range steps {
		s.do()
		if got := seip(); got != s.want {
			t.Fatalf("after %s: SEIP = %v, want %v", s.what, got, s.want)
		}
	}
}

// TestBlockSpareUop checks that every decoded block of 1 to maxBlockLen
// uops has room for one more: Run's walk by pointer ends one uop past the
// last, which must still point into the block's allocation (a block filling
// its size class exactly once made the garbage collector abort).
func TestBlockSpareUop(t *testing.T) {
	const base = 0x8000_0000
	for n := 1; n <= maxBlockLen; n++ {
		b, err := bus.New(base, pageSize)
		if err != nil {
			t.Fatal(err)
		}
		for i := range n - 1 {
			binary.LittleEndian.PutUint32(b.RAM[4*i:], 0x00150513) // addi a0, a0, 1
		}
		binary.LittleEndian.PutUint32(b.RAM[4*(n-1):], 0x0000006f) // j . (ends the block)
		h := New(b, base)
		h.Run(uint64(n))
		blk := h.cur.blocks[0]
		if blk == nil || len(blk.uops) != n || cap(blk.uops) <= len(blk.uops) {
			t.Fatalf("block of %d instructions: %v", n, blk)
		}
		if h.X[10] != uint64(n-1) {
			t.Fatalf("block of %d instructions: a0 = %d", n, h.X[10])
		}
	}
}
