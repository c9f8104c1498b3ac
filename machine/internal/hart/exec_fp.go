package hart

import (
	"github.com/reprovm/reprovm/machine/internal/rv"
	sf "github.com/reprovm/reprovm/machine/internal/softfloat"
)

// NaN-boxing (unprivileged ISA §12.2, "NaN Boxing of Narrower Values"): a
// single in a 64-bit f register has its upper 32 bits all ones; any other
// pattern reads as the canonical NaN.
const boxMask = 0xffffffff_00000000

func box(v uint32) uint64 { return boxMask | uint64(v) }

func unbox(v uint64) uint32 {
	if v&boxMask != boxMask {
		return sf.CanonicalNaN32
	}
	return uint32(v)
}

const (
	sign32 = 1 << 31
	sign64 = 1 << 63
)

// roundingMode resolves an instruction's rm field; the dynamic mode takes
// frm, and a reserved frm value (5-7) makes the instruction illegal.
func (h *Hart) roundingMode(in *rv.Inst) (sf.RoundingMode, bool) {
	rm := in.RM
	if rm == rv.DynamicRM {
		rm = h.csr.frm
	}
	if rm > 4 {
		return 0, h.raise(excIllegal, uint64(in.Raw))
	}
	return sf.RoundingMode(rm), true
}

// setF writes an f register and marks the FP state dirty.
func (h *Hart) setF(r uint8, v uint64) {
	h.F[r] = v
	h.csr.mstatus |= fsDirty
}

func (h *Hart) accrue(fl sf.Flags) {
	if fl != 0 {
		h.csr.fflags |= uint8(fl)
		h.csr.mstatus |= fsDirty
	}
}

// execFP executes the F and D extensions. All arithmetic goes through
// softfloat, never host floating point.
func (h *Hart) execFP(in *rv.Inst) bool {
	if !h.fpEnabled() {
		return h.raise(excIllegal, uint64(in.Raw))
	}
	x, f := &h.X, &h.F
	imm := uint64(int64(in.Imm))
	switch in.Op {
	case rv.OpFLW:
		v, ok := h.load32(x[in.Rs1] + imm)
		if !ok {
			return false
		}
		h.setF(in.Rd, box(uint32(v)))
		return true
	case rv.OpFLD:
		v, ok := h.load64(x[in.Rs1] + imm)
		if !ok {
			return false
		}
		h.setF(in.Rd, v)
		return true
	case rv.OpFSW:
		return h.store32(x[in.Rs1]+imm, f[in.Rs2])
	case rv.OpFSD:
		return h.store64(x[in.Rs1]+imm, f[in.Rs2])

	// Operations without rounding.
	case rv.OpFSGNJS, rv.OpFSGNJNS, rv.OpFSGNJXS:
		a, b := unbox(f[in.Rs1]), unbox(f[in.Rs2])
		s := b & sign32
		switch in.Op {
		case rv.OpFSGNJNS:
			s ^= sign32
		case rv.OpFSGNJXS:
			s = (a ^ b) & sign32
		}
		h.setF(in.Rd, box(a&^sign32|s))
		return true
	case rv.OpFSGNJD, rv.OpFSGNJND, rv.OpFSGNJXD:
		a, b := f[in.Rs1], f[in.Rs2]
		s := b & sign64
		switch in.Op {
		case rv.OpFSGNJND:
			s ^= sign64
		case rv.OpFSGNJXD:
			s = (a ^ b) & sign64
		}
		h.setF(in.Rd, a&^sign64|s)
		return true
	case rv.OpFMINS, rv.OpFMAXS:
		a, b := unbox(f[in.Rs1]), unbox(f[in.Rs2])
		var r uint32
		var fl sf.Flags
		if in.Op == rv.OpFMINS {
			r, fl = sf.F32Min(a, b)
		} else {
			r, fl = sf.F32Max(a, b)
		}
		h.accrue(fl)
		h.setF(in.Rd, box(r))
		return true
	case rv.OpFMIND, rv.OpFMAXD:
		var r uint64
		var fl sf.Flags
		if in.Op == rv.OpFMIND {
			r, fl = sf.F64Min(f[in.Rs1], f[in.Rs2])
		} else {
			r, fl = sf.F64Max(f[in.Rs1], f[in.Rs2])
		}
		h.accrue(fl)
		h.setF(in.Rd, r)
		return true
	case rv.OpFEQS, rv.OpFLTS, rv.OpFLES:
		a, b := unbox(f[in.Rs1]), unbox(f[in.Rs2])
		cmp := [...]func(a, b uint32) (bool, sf.Flags){sf.F32Eq, sf.F32Lt, sf.F32Le}[in.Op-rv.OpFEQS]
		r, fl := cmp(a, b)
		h.accrue(fl)
		x[in.Rd] = b2u(r)
		return true
	case rv.OpFEQD, rv.OpFLTD, rv.OpFLED:
		cmp := [...]func(a, b uint64) (bool, sf.Flags){sf.F64Eq, sf.F64Lt, sf.F64Le}[in.Op-rv.OpFEQD]
		r, fl := cmp(f[in.Rs1], f[in.Rs2])
		h.accrue(fl)
		x[in.Rd] = b2u(r)
		return true
	case rv.OpFCLASSS:
		x[in.Rd] = sf.F32Class(unbox(f[in.Rs1]))
		return true
	case rv.OpFCLASSD:
		x[in.Rd] = sf.F64Class(f[in.Rs1])
		return true
	case rv.OpFMVXW: // raw bits, no unboxing
		x[in.Rd] = sext32(f[in.Rs1])
		return true
	case rv.OpFMVXD:
		x[in.Rd] = f[in.Rs1]
		return true
	case rv.OpFMVWX:
		h.setF(in.Rd, box(uint32(x[in.Rs1])))
		return true
	case rv.OpFMVDX:
		h.setF(in.Rd, x[in.Rs1])
		return true
	}

	rm, ok := h.roundingMode(in)
	if !ok {
		return false
	}
	if in.Op >= rv.OpFMADDD {
		return h.execFPDouble(in, rm)
	}
	var r uint32
	var fl sf.Flags
	a, b := unbox(f[in.Rs1]), unbox(f[in.Rs2])
	switch in.Op {
	case rv.OpFMADDS:
		r, fl = sf.F32MulAdd(a, b, unbox(f[in.Rs3]), rm)
	case rv.OpFMSUBS:
		r, fl = sf.F32MulAdd(a, b, unbox(f[in.Rs3])^sign32, rm)
	case rv.OpFNMSUBS:
		r, fl = sf.F32MulAdd(a^sign32, b, unbox(f[in.Rs3]), rm)
	case rv.OpFNMADDS:
		r, fl = sf.F32MulAdd(a^sign32, b, unbox(f[in.Rs3])^sign32, rm)
	case rv.OpFADDS:
		r, fl = sf.F32Add(a, b, rm)
	case rv.OpFSUBS:
		r, fl = sf.F32Sub(a, b, rm)
	case rv.OpFMULS:
		r, fl = sf.F32Mul(a, b, rm)
	case rv.OpFDIVS:
		r, fl = sf.F32Div(a, b, rm)
	case rv.OpFSQRTS:
		r, fl = sf.F32Sqrt(a, rm)
	case rv.OpFCVTSW:
		r, fl = sf.I32ToF32(int32(x[in.Rs1]), rm)
	case rv.OpFCVTSWU:
		r, fl = sf.U32ToF32(uint32(x[in.Rs1]), rm)
	case rv.OpFCVTSL:
		r, fl = sf.I64ToF32(int64(x[in.Rs1]), rm)
	case rv.OpFCVTSLU:
		r, fl = sf.U64ToF32(x[in.Rs1], rm)
	case rv.OpFCVTWS:
		v, fl := sf.F32ToI32(a, rm)
		h.accrue(fl)
		x[in.Rd] = uint64(int64(v))
		return true
	case rv.OpFCVTWUS:
		v, fl := sf.F32ToU32(a, rm)
		h.accrue(fl)
		x[in.Rd] = sext32(uint64(v))
		return true
	case rv.OpFCVTLS:
		v, fl := sf.F32ToI64(a, rm)
		h.accrue(fl)
		x[in.Rd] = uint64(v)
		return true
	case rv.OpFCVTLUS:
		v, fl := sf.F32ToU64(a, rm)
		h.accrue(fl)
		x[in.Rd] = v
		return true
	default:
		return h.raise(excIllegal, uint64(in.Raw))
	}
	h.accrue(fl)
	h.setF(in.Rd, box(r))
	return true
}

func (h *Hart) execFPDouble(in *rv.Inst, rm sf.RoundingMode) bool {
	x, f := &h.X, &h.F
	var r uint64
	var fl sf.Flags
	a, b := f[in.Rs1], f[in.Rs2]
	switch in.Op {
	case rv.OpFMADDD:
		r, fl = sf.F64MulAddAccrued(a, b, f[in.Rs3], rm, sf.Flags(h.csr.fflags))
	case rv.OpFMSUBD:
		r, fl = sf.F64MulAddAccrued(a, b, f[in.Rs3]^sign64, rm, sf.Flags(h.csr.fflags))
	case rv.OpFNMSUBD:
		r, fl = sf.F64MulAddAccrued(a^sign64, b, f[in.Rs3], rm, sf.Flags(h.csr.fflags))
	case rv.OpFNMADDD:
		r, fl = sf.F64MulAddAccrued(a^sign64, b, f[in.Rs3]^sign64, rm, sf.Flags(h.csr.fflags))
	case rv.OpFADDD:
		r, fl = sf.F64Add(a, b, rm)
	case rv.OpFSUBD:
		r, fl = sf.F64Sub(a, b, rm)
	case rv.OpFMULD:
		r, fl = sf.F64Mul(a, b, rm)
	case rv.OpFDIVD:
		r, fl = sf.F64Div(a, b, rm)
	case rv.OpFSQRTD:
		r, fl = sf.F64Sqrt(a, rm)
	case rv.OpFCVTSD:
		v, fl := sf.F64ToF32(a, rm)
		h.accrue(fl)
		h.setF(in.Rd, box(v))
		return true
	case rv.OpFCVTDS:
		r, fl = sf.F32ToF64(unbox(a))
	case rv.OpFCVTDW:
		r, fl = sf.I32ToF64(int32(x[in.Rs1]), rm)
	case rv.OpFCVTDWU:
		r, fl = sf.U32ToF64(uint32(x[in.Rs1]), rm)
	case rv.OpFCVTDL:
		r, fl = sf.I64ToF64(int64(x[in.Rs1]), rm)
	case rv.OpFCVTDLU:
		r, fl = sf.U64ToF64(x[in.Rs1], rm)
	case rv.OpFCVTWD:
		v, fl := sf.F64ToI32(a, rm)
		h.accrue(fl)
		x[in.Rd] = uint64(int64(v))
		return true
	case rv.OpFCVTWUD:
		v, fl := sf.F64ToU32(a, rm)
		h.accrue(fl)
		x[in.Rd] = sext32(uint64(v))
		return true
	case rv.OpFCVTLD:
		v, fl := sf.F64ToI64(a, rm)
		h.accrue(fl)
		x[in.Rd] = uint64(v)
		return true
	case rv.OpFCVTLUD:
		v, fl := sf.F64ToU64(a, rm)
		h.accrue(fl)
		x[in.Rd] = v
		return true
	default:
		return h.raise(excIllegal, uint64(in.Raw))
	}
	h.accrue(fl)
	h.setF(in.Rd, r)
	return true
}
