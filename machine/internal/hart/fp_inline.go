package hart

import (
	"encoding/binary"

	"github.com/reprovm/reprovm/machine/internal/rv"
	sf "github.com/reprovm/reprovm/machine/internal/softfloat"
)

// The block interpreter runs the common F and D instructions inline (issue
// 14, "Floating point at hardware speed"): FP loads and stores on the TLB
// fast path (in Run's switch, next to the integer ones) and the arithmetic
// that writes an f register, here. Semantics are execFP's exactly; what the
// inline path cannot decide cheaply goes to execSlow, which then raises the
// trap or computes the result in full:
//
//   - mstatus.FS off makes every FP instruction illegal (unprivileged ISA
//     §13.1, privileged §3.1.6.6). FS can only change in execSlow (a CSR
//     write, a trap return), which ends the block, but a block may be
//     built while FS is on and run after it was turned off, so each inline
//     FP instruction looks at FS itself;
//   - a reserved rounding mode (rm 5 or 6, or frm 5-7 with rm dynamic) is
//     illegal too.
//
// An FP write always sets mstatus.FS to Dirty, as setF does. The FP loads
// and Run's own fast cases for fadd.d, fsub.d, fmul.d and fmadd.d run only
// when FS is Dirty already: one test then covers "FP is on" and "nothing to
// mark", and the first FP write after the kernel cleans FS (a context
// switch) takes the slow path once, which marks it.

// fpInlineOp reports whether op is an FP instruction that fpInline runs:
// those that read f (and at most rs3) registers and write an f register,
// with no integer register written (so an x0 destination cannot arise).
func fpInlineOp(op rv.Op) bool {
	switch op {
	case rv.OpFADDD, rv.OpFSUBD, rv.OpFMULD, rv.OpFDIVD, rv.OpFSQRTD,
		rv.OpFMADDD, rv.OpFMSUBD, rv.OpFNMSUBD, rv.OpFNMADDD,
		rv.OpFSGNJD, rv.OpFSGNJND, rv.OpFSGNJXD,
		rv.OpFADDS, rv.OpFSUBS, rv.OpFMULS, rv.OpFDIVS, rv.OpFSQRTS,
		rv.OpFMADDS, rv.OpFMSUBS, rv.OpFNMSUBS, rv.OpFNMADDS:
		return true
	}
	return false
}

// fpUopImm packs what fpInline needs beyond the uop's registers into its
// immediate, which these instructions do not have: the rm field (bits 0-2)
// and rs3 (bits 3-7). For Run's test of round-to-nearest-even (fpRNE) it
// adds a mask of the frm bits that decide the mode (bits 8-10: all three
// for the dynamic mode, none for a static one) and the static mode itself
// (bits 16-18: rm, or 0 for the dynamic mode).
func fpUopImm(in *rv.Inst) int32 {
	imm := int32(in.RM) | int32(in.Rs3)<<3
	if in.RM == rv.DynamicRM {
		return imm | 7<<8
	}
	return imm | int32(in.RM)<<16
}

// fpRNE reports whether an FP uop with immediate imm (fpUopImm) rounds to
// nearest, ties to even, when frm holds frm: for the dynamic mode frm must
// be 0, for a static mode rm must be. Cheap enough to inline into Run.
func fpRNE(imm int32, frm uint8) bool {
	return uint32(frm)&(uint32(imm)>>8&7)|uint32(imm)>>16 == 0
}

// fpInline executes the FP uop in (fpInlineOp) and reports true, or
// reports false, having changed nothing, when execSlow must run it
// (FS off, a reserved rounding mode).
func (h *Hart) fpInline(in *uop) bool {
	if h.csr.mstatus&mstatusFS == fsOff {
		return false
	}
	rm := uint8(in.Imm & 7)
	if rm == rv.DynamicRM {
		rm = h.csr.frm
	}
	if rm > 4 {
		return false
	}
	mode := sf.RoundingMode(rm)
	f := &h.F
	a, b := f[in.Rs1&31], f[in.Rs2&31]
	var r uint64
	var fl sf.Flags
	switch in.Op {
	case rv.OpFADDD:
		r, fl = sf.F64Add(a, b, mode)
	case rv.OpFSUBD:
		r, fl = sf.F64Sub(a, b, mode)
	case rv.OpFMULD:
		r, fl = sf.F64Mul(a, b, mode)
	case rv.OpFDIVD:
		r, fl = sf.F64Div(a, b, mode)
	case rv.OpFSQRTD:
		r, fl = sf.F64Sqrt(a, mode)
	case rv.OpFMADDD, rv.OpFMSUBD, rv.OpFNMSUBD, rv.OpFNMADDD:
		c := f[in.Imm>>3&31]
		if in.Op == rv.OpFNMSUBD || in.Op == rv.OpFNMADDD {
			a ^= sign64
		}
		if in.Op == rv.OpFMSUBD || in.Op == rv.OpFNMADDD {
			c ^= sign64
		}
		r, fl = sf.F64MulAddAccrued(a, b, c, mode, sf.Flags(h.csr.fflags))
	case rv.OpFSGNJD:
		r = a&^sign64 | b&sign64
	case rv.OpFSGNJND:
		r = a&^sign64 | ^b&sign64
	case rv.OpFSGNJXD:
		r = a ^ b&sign64
	default:
		var r32 uint32
		a, b := unbox(a), unbox(b)
		switch in.Op {
		case rv.OpFADDS:
			r32, fl = sf.F32Add(a, b, mode)
		case rv.OpFSUBS:
			r32, fl = sf.F32Sub(a, b, mode)
		case rv.OpFMULS:
			r32, fl = sf.F32Mul(a, b, mode)
		case rv.OpFDIVS:
			r32, fl = sf.F32Div(a, b, mode)
		case rv.OpFSQRTS:
			r32, fl = sf.F32Sqrt(a, mode)
		case rv.OpFMADDS, rv.OpFMSUBS, rv.OpFNMSUBS, rv.OpFNMADDS:
			c := unbox(f[in.Imm>>3&31])
			if in.Op == rv.OpFNMSUBS || in.Op == rv.OpFNMADDS {
				a ^= sign32
			}
			if in.Op == rv.OpFMSUBS || in.Op == rv.OpFNMADDS {
				c ^= sign32
			}
			r32, fl = sf.F32MulAdd(a, b, c, mode)
		default:
			return false
		}
		r = box(r32)
	}
	h.csr.fflags |= uint8(fl)
	f[in.Rd&31] = r
	h.csr.mstatus |= fsDirty
	return true
}

// slowFPAt is slowAt for an FP uop: it decodes the instruction again from
// RAM, because a uop keeps neither the raw bits a trap reports nor (for
// loads and stores) the rm field. The block's page is h.cur: FP uops are
// never in crossBlock (see crossPageBlock), and stores to a page drop its
// blocks, so the bytes are those the block was decoded from.
func (h *Hart) slowFPAt(base uint64, in *uop, i uint64) {
	off := h.cur.off | uint64(in.Off)
	lo := uint32(binary.LittleEndian.Uint16(h.ram[off:]))
	if in.Len == 2 {
		h.slowInst = rv.DecodeCompressed(uint16(lo))
	} else {
		h.slowInst = rv.Decode(lo | uint32(binary.LittleEndian.Uint16(h.ram[off+2:]))<<16)
	}
	h.PC = base + uint64(in.Off)
	h.instret += i
	h.execSlow(&h.slowInst)
}
