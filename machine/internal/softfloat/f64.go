package softfloat

// The binary64 operations of the D extension. Operands and results are
// IEEE 754 binary64 encodings held in a uint64; see the package documentation
// for the rules they follow.

// F64Add returns a + b (fadd.d).
func F64Add(a, b uint64, rm RoundingMode) (uint64, Flags) {
	if rm == RNE {
		if r, fl, ok := FastAdd64(a, b); ok {
			return r, fl
		}
	}
	return add[uint64](a, b, rm)
}

// F64Sub returns a − b (fsub.d).
func F64Sub(a, b uint64, rm RoundingMode) (uint64, Flags) {
	return F64Add(a, b^binary64.signBit(), rm)
}

// F64Mul returns a × b (fmul.d).
func F64Mul(a, b uint64, rm RoundingMode) (uint64, Flags) {
	if rm == RNE {
		if r, fl, ok := FastMul64(a, b); ok {
			return r, fl
		}
	}
	return mul[uint64](a, b, rm)
}

// F64Div returns a ÷ b (fdiv.d).
func F64Div(a, b uint64, rm RoundingMode) (uint64, Flags) {
	if rm == RNE {
		if r, fl, ok := FastDiv64(a, b); ok {
			return r, fl
		}
	}
	return div[uint64](a, b, rm)
}

// F64Sqrt returns √a (fsqrt.d).
func F64Sqrt(a uint64, rm RoundingMode) (uint64, Flags) {
	if rm == RNE {
		if r, fl, ok := FastSqrt64(a); ok {
			return r, fl
		}
	}
	return sqrt[uint64](a, rm)
}

// F64MulAdd returns a × b + c with a single rounding (fmadd.d). The
// hart derives fmsub, fnmsub and fnmadd by flipping the sign bits of the
// operands: of c for fmsub, of a for fnmsub, of a and c for fnmadd.
func F64MulAdd(a, b, c uint64, rm RoundingMode) (uint64, Flags) {
	return mulAdd[uint64](a, b, c, rm)
}

// F64MulAddAccrued is F64MulAdd for a caller that ORs the flags into
// accrued (the hart's fflags): it may leave out flags accrued already
// holds, which lets it use the host's FMA once NX is set (fast.go).
func F64MulAddAccrued(a, b, c uint64, rm RoundingMode, accrued Flags) (uint64, Flags) {
	if rm == RNE {
		if r, fl, ok := FastMulAdd64(a, b, c, accrued); ok {
			return r, fl
		}
	}
	return mulAdd[uint64](a, b, c, rm)
}

// F64Min returns the lesser of a and b (fmin.d).
func F64Min(a, b uint64) (uint64, Flags) {
	return minMax[uint64](a, b, false)
}

// F64Max returns the greater of a and b (fmax.d).
func F64Max(a, b uint64) (uint64, Flags) {
	return minMax[uint64](a, b, true)
}

// F64Eq reports a = b (feq.d, quiet).
func F64Eq(a, b uint64) (bool, Flags) { return eq[uint64](a, b) }

// F64Lt reports a < b (flt.d, signalling).
func F64Lt(a, b uint64) (bool, Flags) { return lt[uint64](a, b) }

// F64Le reports a ≤ b (fle.d, signalling).
func F64Le(a, b uint64) (bool, Flags) { return le[uint64](a, b) }

// F64Class returns the fclass.d mask of a.
func F64Class(a uint64) uint64 { return class[uint64](a) }

// F64ToI32 converts a to a signed 32-bit integer (fcvt.w.d).
func F64ToI32(a uint64, rm RoundingMode) (int32, Flags) {
	v, fl := toSigned[uint64](a, rm, 32)
	return int32(v), fl
}

// F64ToU32 converts a to an unsigned 32-bit integer (fcvt.wu.d). On
// RV64 the hart sign-extends the result into the destination register.
func F64ToU32(a uint64, rm RoundingMode) (uint32, Flags) {
	v, fl := toUnsigned[uint64](a, rm, 32)
	return uint32(v), fl
}

// F64ToI64 converts a to a signed 64-bit integer (fcvt.l.d).
func F64ToI64(a uint64, rm RoundingMode) (int64, Flags) {
	return toSigned[uint64](a, rm, 64)
}

// F64ToU64 converts a to an unsigned 64-bit integer (fcvt.lu.d).
func F64ToU64(a uint64, rm RoundingMode) (uint64, Flags) {
	return toUnsigned[uint64](a, rm, 64)
}

// I32ToF64 converts a signed 32-bit integer (fcvt.d.w).
func I32ToF64(v int32, rm RoundingMode) (uint64, Flags) {
	return fromSigned[uint64](int64(v), rm)
}

// U32ToF64 converts an unsigned 32-bit integer (fcvt.d.wu).
func U32ToF64(v uint32, rm RoundingMode) (uint64, Flags) {
	return fromInt[uint64](false, uint64(v), rm)
}

// I64ToF64 converts a signed 64-bit integer (fcvt.d.l).
func I64ToF64(v int64, rm RoundingMode) (uint64, Flags) {
	return fromSigned[uint64](v, rm)
}

// U64ToF64 converts an unsigned 64-bit integer (fcvt.d.lu).
func U64ToF64(v uint64, rm RoundingMode) (uint64, Flags) {
	return fromInt[uint64](false, v, rm)
}
