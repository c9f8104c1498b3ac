package hart

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"github.com/reprovm/reprovm/machine/internal/bus"
	"github.com/reprovm/reprovm/machine/internal/rv"
	sf "github.com/reprovm/reprovm/machine/internal/softfloat"
)

// TestFPRNE checks Run's rounding-mode test against the resolution
// execFP makes (roundingMode): for every rm field and every frm value,
// fpRNE must hold exactly when the instruction rounds to nearest, ties
// to even, and never for a reserved mode.
func TestFPRNE(t *testing.T) {
	for rm := uint8(0); rm < 8; rm++ {
		in := rv.Inst{Op: rv.OpFADDD, RM: rm, Rs3: 31}
		imm := fpUopImm(&in)
		if imm&7 != int32(rm) || imm>>3&31 != 31 {
			t.Errorf("fpUopImm(rm %d, rs3 31) = %#x: rm or rs3 lost", rm, imm)
		}
		for frm := uint8(0); frm < 8; frm++ {
			mode := rm
			if rm == rv.DynamicRM {
				mode = frm
			}
			if got, want := fpRNE(imm, frm), mode == 0; got != want {
				t.Errorf("fpRNE(rm %d, frm %d) = %v, want %v", rm, frm, got, want)
			}
		}
	}
}

// fpOperand returns a binary64 operand for TestFPInlineFastPath: mostly
// around the fast path's exponent limits (softfloat's InRange64: biased
// 63 and 1983) and the middle, with rounding-boundary significands; now and
// then a zero, subnormal, infinity or NaN.
func fpOperand(r *rand.Rand) uint64 {
	var e uint64
	switch r.IntN(8) {
	case 0:
		return []uint64{0, 1, 0x000fffffffffffff, 0x0010000000000000, 0x7fefffffffffffff,
			0x7ff0000000000000, 0x7ff8000000000000, 0x7ff0000000000001, 0x3ff0000000000000}[r.IntN(9)] | uint64(r.IntN(2))<<63
	case 1:
		e = 60 + r.Uint64N(8)
	case 2:
		e = 1979 + r.Uint64N(8)
	default:
		e = 1000 + r.Uint64N(48)
	}
	m := r.Uint64() & (1<<52 - 1)
	switch r.IntN(4) {
	case 0:
		m &^= 1<<30 - 1 // short significands: exact products and sums
	case 1:
		m |= 1<<26 - 1 // long runs of ones: carries and ties
	}
	return uint64(r.IntN(2))<<63 | e<<52 | m
}

// TestFPInlineFastPath runs fadd.d, fsub.d, fmul.d and fmadd.d through
// Run's inline fast cases (they compose softfloat's fast path by hand) on
// edge operands in every rounding mode, with FS Initial, Clean or Dirty
// and random accrued flags, and checks results, fflags and FS against
// softfloat's operations.
func TestFPInlineFastPath(t *testing.T) {
	const base = 0x8000_0000
	b, err := bus.New(base, pageSize)
	if err != nil {
		t.Fatal(err)
	}
	h := New(b, base)
	fp := func(f7, rs2, rs1, rd uint32) uint32 { return f7<<25 | rs2<<20 | rs1<<15 | 7<<12 | rd<<7 | 0x53 }
	for i, w := range []uint32{
		fp(0x01, 2, 1, 3), // fadd.d f3, f1, f2 (dynamic rm)
		fp(0x05, 2, 1, 4), // fsub.d f4, f1, f2
		fp(0x09, 2, 1, 5), // fmul.d f5, f1, f2
		7<<27 | 1<<25 | 2<<20 | 1<<15 | 7<<12 | 6<<7 | 0x43, // fmadd.d f6, f1, f2, f7
		0xff1ff06f, // j -16
	} {
		binary.LittleEndian.PutUint32(b.RAM[4*i:], w)
	}
	r := rand.New(rand.NewPCG(14, 2))
	n := 200_000
	if testing.Short() {
		n = 20_000
	}
	for k := range n {
		a, c, d := fpOperand(r), fpOperand(r), fpOperand(r)
		if r.IntN(2) == 0 { // the second operand near the first
			c = a&^(1<<63) + uint64(r.IntN(5)) - 2 | uint64(r.IntN(2))<<63
		}
		mode := sf.RoundingMode(r.IntN(5))
		acc := uint8(r.IntN(32))
		fs := uint64(r.IntN(3)+1) << 13 // Initial, Clean or Dirty
		h.F[1], h.F[2], h.F[7] = a, c, d
		h.csr.frm, h.csr.fflags = uint8(mode), acc
		h.csr.mstatus = h.csr.mstatus&^mstatusFS | fs
		h.PC = base
		h.Run(h.Instret() + 5)
		add, f1 := sf.F64Add(a, c, mode)
		sub, f2 := sf.F64Sub(a, c, mode)
		mul, f3 := sf.F64Mul(a, c, mode)
		fma, f4 := sf.F64MulAdd(a, c, d, mode)
		wantFl := acc | uint8(f1|f2|f3|f4)
		if h.F[3] != add || h.F[4] != sub || h.F[5] != mul || h.F[6] != fma || h.csr.fflags != wantFl ||
			h.csr.mstatus&mstatusFS != fsDirty || h.PC != base {
			t.Fatalf("case %d: a %#x b %#x c %#x rm %d fflags %05b: add %#x sub %#x mul %#x fma %#x fflags %05b fs %#x pc %#x; want %#x %#x %#x %#x fflags %05b, FS dirty, pc %#x",
				k, a, c, d, mode, acc, h.F[3], h.F[4], h.F[5], h.F[6], h.csr.fflags, h.csr.mstatus&mstatusFS, h.PC, add, sub, mul, fma, wantFl, uint64(base))
		}
	}
}
