// Package rvgen generates random straight-line RV64GC programs for
// differential testing of the hart against a reference (QEMU user mode).
//
// A Program is a body of Items (one instruction, or a few that only make
// sense together, such as an LR/SC pair) plus the initial contents of the
// integer and floating-point registers and of a data buffer. Source renders
// programs as GNU assembly for a static Linux ELF: each program sets up its
// state, runs its body, then stores every register, fcsr and the data buffer
// and writes them to stdout with the Linux write system call, so the outputs
// of two implementations can be compared byte for byte (see State).
//
// Generation is deterministic: the same seed and Config give the same
// program on every host, because it draws only from a PCG generator (whose
// algorithm math/rand/v2 specifies) seeded with the seed. A failing seed
// therefore names its program.
package rvgen

import (
	"math/rand/v2"
)

// DefaultLen is the number of body items when Config.Len is zero.
const DefaultLen = 200

// Config controls program generation.
type Config struct {
	// Len is the number of body items. Zero means DefaultLen.
	Len int
}

// Item is one unit of a program body: usually one instruction. Branch items
// jump forward over Skip following items; truncating a body never cuts an
// item in half.
type Item struct {
	// Lines are assembly statements. A branch's target appears as "{L}".
	Lines []string
	// Skip is the number of following items a branch jumps over; it is
	// meaningful only if the lines contain "{L}".
	Skip int
	// Uses names the registers the item reads (e.g. "x5", "f3", "fcsr"),
	// to show the inputs of a failing item.
	Uses []string
}

// Program is a generated test program.
type Program struct {
	Seed uint64
	// X and F are the initial register values. X[0] is ignored, and so are
	// the harness registers (BaseReg, Base2Reg), which point into the buffer.
	X, F [32]uint64
	// Mem is the initial content of the data buffer, BufSize bytes.
	Mem []byte
	// PageOff is the offset in the buffer of a 4 KiB page boundary, so that
	// misaligned accesses near it straddle two pages. It is a multiple of 8,
	// keeping the buffer aligned for AMOs.
	PageOff int
	Body    []Item
}

// pcgStream fixes the PCG stream so that seeds alone select programs.
const pcgStream = 0x7276_6765_6e00_0001 // "rvgen\0\0\1"

// Generate returns the program for seed.
func Generate(seed uint64, cfg Config) *Program {
	n := cfg.Len
	if n <= 0 {
		n = DefaultLen
	}
	g := &gen{r: rand.New(rand.NewPCG(seed, pcgStream))}
	p := &Program{Seed: seed, Mem: make([]byte, BufSize), PageOff: 8 * (1 + g.r.IntN(BufSize/8-1))}
	for i := 1; i < 32; i++ {
		if i != BaseReg && i != Base2Reg {
			p.X[i] = randInt(g.r)
		}
		p.F[i] = randFReg(g.r)
	}
	p.F[0] = randFReg(g.r)
	for off := 0; off < BufSize; off += 8 {
		var v uint64
		switch g.r.IntN(4) {
		case 0:
			v = randInt(g.r)
		case 1:
			v = randDouble(g.r)
		case 2:
			v = uint64(randSingle(g.r)) | uint64(randSingle(g.r))<<32
		default:
			v = g.r.Uint64()
		}
		for b := range 8 {
			p.Mem[off+b] = byte(v >> (8 * b))
		}
	}
	for range n {
		p.Body = append(p.Body, g.item())
	}
	return p
}
