package softfloat

import "math/bits"

// add returns a + b rounded under rm (IEEE 754-2008 section 6 for the
// special operands, section 6.3 for the sign of an exact zero sum).
func add[T encoding](a, b uint64, rm RoundingMode) (uint64, Flags) {
	f := formatOf[T]()
	top := f.expMax()
	if f.expField(a) == top || f.expField(b) == top {
		switch {
		case f.isNaN(a) || f.isNaN(b):
			return invalidNaN[T](a, b)
		case f.isInf(a) && f.isInf(b) && f.isNeg(a) != f.isNeg(b):
			return f.canonicalNaN(), NV // ∞ − ∞
		case f.isInf(a):
			return a, 0
		default:
			return b, 0
		}
	}
	if f.isZero(a) {
		if f.isZero(b) && a != b {
			// +0 + −0 is +0 except when rounding down.
			return f.zero(rm == RDN), 0
		}
		return b, 0
	}
	if f.isZero(b) {
		return a, 0
	}

	negA, expA, sigA := unpack[T](a)
	negB, expB, sigB := unpack[T](b)
	// Leading ones at bit 61, leaving bit 62 for a carry and at least
	// nine guard bits below the significand.
	sigA <<= 61 - f.fracBits()
	sigB <<= 61 - f.fracBits()
	if expA < expB || expA == expB && sigA < sigB {
		negA, negB = negB, negA
		expA, expB = expB, expA
		sigA, sigB = sigB, sigA
	}
	sigB = shiftRightJam(sigB, uint(expA-expB))
	var sum uint64
	if negA == negB {
		sum = sigA + sigB
	} else {
		sum = sigA - sigB
		if sum == 0 {
			// x − x is +0 except when rounding down (IEEE 754-2008 6.3).
			return f.zero(rm == RDN), 0
		}
	}
	// Cancellation of more than two bits only happens when the exponents
	// differ by at most one, in which case nothing was jammed.
	k := bits.LeadingZeros64(sum) - 1
	return roundPack[T](negA, expA+1-int32(k), sum<<uint(k), rm)
}
