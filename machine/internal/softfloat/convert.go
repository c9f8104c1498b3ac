package softfloat

import "math/bits"

// Conversions between the floating-point formats and integers
// (unprivileged ISA, F extension, section "Single-Precision Floating-Point
// Conversion and Move Instructions", and the D extension's counterpart).

// roundToInt rounds the non-NaN a to an integer under rm and returns its
// sign and magnitude. huge reports a magnitude of at least 2^64
// (infinities included); inexact reports that rounding changed the value.
func roundToInt[T encoding](a uint64, rm RoundingMode) (neg bool, mag uint64, huge, inexact bool) {
	f := formatOf[T]()
	neg = f.isNeg(a)
	if f.isInf(a) {
		return neg, 0, true, false
	}
	if f.isZero(a) {
		return neg, 0, false, false
	}
	_, exp, sig := unpack[T](a)
	frac := int32(f.fracBits())
	if exp >= 64 {
		return neg, 0, true, false
	}
	if exp >= frac {
		return neg, sig << uint(exp-frac), false, false
	}
	shift := uint(frac - exp)
	if shift > 63 {
		// Far below one half: only the stickiness matters.
		sig, shift = 1, 63
	}
	q := sig >> shift
	r := sig & (1<<shift - 1)
	if r == 0 {
		return neg, q, false, false
	}
	if roundUp(rm, neg, q, r, shift) {
		q++
	}
	return neg, q, false, true
}

// toSigned implements fcvt.w and fcvt.l (width 32 or 64). Out-of-range
// results, judged after rounding, saturate and raise NV alone; a NaN gives
// the largest positive value (table "Domains of float-to-integer
// conversions and behavior for invalid inputs").
func toSigned[T encoding](a uint64, rm RoundingMode, width uint) (int64, Flags) {
	f := formatOf[T]()
	limit := int64(1)<<(width-1) - 1
	if f.isNaN(a) {
		return limit, NV
	}
	neg, mag, huge, inexact := roundToInt[T](a, rm)
	var v int64
	if neg {
		if huge || mag > uint64(limit)+1 {
			return -limit - 1, NV
		}
		v = int64(-mag) // two's complement; −2^63 wraps correctly
	} else {
		if huge || mag > uint64(limit) {
			return limit, NV
		}
		v = int64(mag)
	}
	if inexact {
		return v, NX
	}
	return v, 0
}

// toUnsigned implements fcvt.wu and fcvt.lu (width 32 or 64). A negative
// input that rounds to zero gives 0 (NX if inexact); one that rounds to −1
// or below gives 0 with NV. NaN and too-large inputs give the all-ones
// value with NV.
func toUnsigned[T encoding](a uint64, rm RoundingMode, width uint) (uint64, Flags) {
	f := formatOf[T]()
	limit := uint64(1)<<width - 1 // all ones even for width 64
	if f.isNaN(a) {
		return limit, NV
	}
	neg, mag, huge, inexact := roundToInt[T](a, rm)
	if neg && (huge || mag != 0) {
		return 0, NV
	}
	if !neg && (huge || mag > limit) {
		return limit, NV
	}
	if inexact {
		return mag, NX
	}
	return mag, 0
}

// fromInt implements fcvt.s/fcvt.d from an integer with sign neg and
// magnitude mag. Zero converts to +0.
func fromInt[T encoding](neg bool, mag uint64, rm RoundingMode) (uint64, Flags) {
	if mag == 0 {
		return 0, 0
	}
	lz := bits.LeadingZeros64(mag)
	if lz == 0 {
		return roundPack[T](neg, 63, shiftRightJam(mag, 1), rm)
	}
	return roundPack[T](neg, int32(63-lz), mag<<uint(lz-1), rm)
}

// fromSigned converts a two's complement integer.
func fromSigned[T encoding](v int64, rm RoundingMode) (uint64, Flags) {
	if v < 0 {
		return fromInt[T](true, uint64(-v), rm) // −(−2^63) wraps to 2^63 as uint64
	}
	return fromInt[T](false, uint64(v), rm)
}

// F32ToF64 implements fcvt.d.s: exact, except that NaNs become the
// canonical NaN (NV for a signalling one).
func F32ToF64(a uint32) (uint64, Flags) {
	x := uint64(a)
	switch {
	case binary32.isNaN(x):
		_, fl := invalidNaN[uint32](x, x)
		return CanonicalNaN64, fl
	case binary32.isInf(x):
		return binary64.inf(binary32.isNeg(x)), 0
	case binary32.isZero(x):
		return binary64.zero(binary32.isNeg(x)), 0
	}
	neg, exp, sig := unpack[uint32](x)
	return binary64.signIf(neg) | uint64(exp+binary64.bias())<<52 | (sig<<29)&binary64.fracMask(), 0
}

// F64ToF32 implements fcvt.s.d: rounds under rm and can raise OF, UF and
// NX; NaNs become the canonical NaN (NV for a signalling one).
func F64ToF32(a uint64, rm RoundingMode) (uint32, Flags) {
	switch {
	case binary64.isNaN(a):
		_, fl := invalidNaN[uint64](a, a)
		return CanonicalNaN32, fl
	case binary64.isInf(a):
		return uint32(binary32.inf(binary64.isNeg(a))), 0
	case binary64.isZero(a):
		return uint32(binary32.zero(binary64.isNeg(a))), 0
	}
	neg, exp, sig := unpack[uint64](a)
	r, fl := roundPack[uint32](neg, exp, sig<<(62-52), rm)
	return uint32(r), fl
}
