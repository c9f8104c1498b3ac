package softfloat

// The binary32 operations of the F extension. Operands and results are
// IEEE 754 binary32 encodings held in a uint32; see the package documentation
// for the rules they follow.

// F32Add returns a + b (fadd.s).
func F32Add(a, b uint32, rm RoundingMode) (uint32, Flags) {
	if rm == RNE {
		if r, fl, ok := FastAdd32(a, b); ok {
			return r, fl
		}
	}
	r, fl := add[uint32](uint64(a), uint64(b), rm)
	return uint32(r), fl
}

// F32Sub returns a − b (fsub.s).
func F32Sub(a, b uint32, rm RoundingMode) (uint32, Flags) {
	return F32Add(a, b^uint32(binary32.signBit()), rm)
}

// F32Mul returns a × b (fmul.s).
func F32Mul(a, b uint32, rm RoundingMode) (uint32, Flags) {
	if rm == RNE {
		if r, fl, ok := FastMul32(a, b); ok {
			return r, fl
		}
	}
	r, fl := mul[uint32](uint64(a), uint64(b), rm)
	return uint32(r), fl
}

// F32Div returns a ÷ b (fdiv.s).
func F32Div(a, b uint32, rm RoundingMode) (uint32, Flags) {
	if rm == RNE {
		if r, fl, ok := FastDiv32(a, b); ok {
			return r, fl
		}
	}
	r, fl := div[uint32](uint64(a), uint64(b), rm)
	return uint32(r), fl
}

// F32Sqrt returns √a (fsqrt.s).
func F32Sqrt(a uint32, rm RoundingMode) (uint32, Flags) {
	if rm == RNE {
		if r, fl, ok := FastSqrt32(a); ok {
			return r, fl
		}
	}
	r, fl := sqrt[uint32](uint64(a), rm)
	return uint32(r), fl
}

// F32MulAdd returns a × b + c with a single rounding (fmadd.s). The
// hart derives fmsub, fnmsub and fnmadd by flipping the sign bits of the
// operands: of c for fmsub, of a for fnmsub, of a and c for fnmadd.
func F32MulAdd(a, b, c uint32, rm RoundingMode) (uint32, Flags) {
	if rm == RNE {
		if r, fl, ok := FastMulAdd32(a, b, c); ok {
			return r, fl
		}
	}
	r, fl := mulAdd[uint32](uint64(a), uint64(b), uint64(c), rm)
	return uint32(r), fl
}

// F32Min returns the lesser of a and b (fmin.s).
func F32Min(a, b uint32) (uint32, Flags) {
	r, fl := minMax[uint32](uint64(a), uint64(b), false)
	return uint32(r), fl
}

// F32Max returns the greater of a and b (fmax.s).
func F32Max(a, b uint32) (uint32, Flags) {
	r, fl := minMax[uint32](uint64(a), uint64(b), true)
	return uint32(r), fl
}

// F32Eq reports a = b (feq.s, quiet).
func F32Eq(a, b uint32) (bool, Flags) { return eq[uint32](uint64(a), uint64(b)) }

// F32Lt reports a < b (flt.s, signalling).
func F32Lt(a, b uint32) (bool, Flags) { return lt[uint32](uint64(a), uint64(b)) }

// F32Le reports a ≤ b (fle.s, signalling).
func F32Le(a, b uint32) (bool, Flags) { return le[uint32](uint64(a), uint64(b)) }

// F32Class returns the fclass.s mask of a.
func F32Class(a uint32) uint64 { return class[uint32](uint64(a)) }

// F32ToI32 converts a to a signed 32-bit integer (fcvt.w.s).
func F32ToI32(a uint32, rm RoundingMode) (int32, Flags) {
	v, fl := toSigned[uint32](uint64(a), rm, 32)
	return int32(v), fl
}

// F32ToU32 converts a to an unsigned 32-bit integer (fcvt.wu.s). On
// RV64 the hart sign-extends the result into the destination register.
func F32ToU32(a uint32, rm RoundingMode) (uint32, Flags) {
	v, fl := toUnsigned[uint32](uint64(a), rm, 32)
	return uint32(v), fl
}

// F32ToI64 converts a to a signed 64-bit integer (fcvt.l.s).
func F32ToI64(a uint32, rm RoundingMode) (int64, Flags) {
	return toSigned[uint32](uint64(a), rm, 64)
}

// F32ToU64 converts a to an unsigned 64-bit integer (fcvt.lu.s).
func F32ToU64(a uint32, rm RoundingMode) (uint64, Flags) {
	return toUnsigned[uint32](uint64(a), rm, 64)
}

// I32ToF32 converts a signed 32-bit integer (fcvt.s.w).
func I32ToF32(v int32, rm RoundingMode) (uint32, Flags) {
	r, fl := fromSigned[uint32](int64(v), rm)
	return uint32(r), fl
}

// U32ToF32 converts an unsigned 32-bit integer (fcvt.s.wu).
func U32ToF32(v uint32, rm RoundingMode) (uint32, Flags) {
	r, fl := fromInt[uint32](false, uint64(v), rm)
	return uint32(r), fl
}

// I64ToF32 converts a signed 64-bit integer (fcvt.s.l).
func I64ToF32(v int64, rm RoundingMode) (uint32, Flags) {
	r, fl := fromSigned[uint32](v, rm)
	return uint32(r), fl
}

// U64ToF32 converts an unsigned 64-bit integer (fcvt.s.lu).
func U64ToF32(v uint64, rm RoundingMode) (uint32, Flags) {
	r, fl := fromInt[uint32](false, v, rm)
	return uint32(r), fl
}
