package softfloat

import "math/bits"

// div returns a ÷ b rounded under rm. 0/0 and ∞/∞ are invalid
// (IEEE 754-2008 section 7.2); a finite non-zero dividend over zero
// raises DZ and gives a correctly signed infinity (section 7.3).
func div[T encoding](a, b uint64, rm RoundingMode) (uint64, Flags) {
	f := formatOf[T]()
	neg := f.isNeg(a) != f.isNeg(b)
	top := f.expMax()
	if f.expField(a) == top || f.expField(b) == top {
		switch {
		case f.isNaN(a) || f.isNaN(b):
			return invalidNaN[T](a, b)
		case f.isInf(a) && f.isInf(b):
			return f.canonicalNaN(), NV
		case f.isInf(a):
			return f.inf(neg), 0
		default:
			return f.zero(neg), 0
		}
	}
	if f.isZero(b) {
		if f.isZero(a) {
			return f.canonicalNaN(), NV
		}
		return f.inf(neg), DZ
	}
	if f.isZero(a) {
		return f.zero(neg), 0
	}
	_, expA, sigA := unpack[T](a)
	_, expB, sigB := unpack[T](b)
	sigA <<= 63 - f.fracBits()
	sigB <<= 63 - f.fracBits()
	exp := expA - expB
	// The 64-bit quotient has its leading one at bit 63 either way; the
	// dividend's high word stays below the divisor as Div64 requires.
	var q, r uint64
	if sigA < sigB {
		q, r = bits.Div64(sigA, 0, sigB)
		exp--
	} else {
		q, r = bits.Div64(sigA>>1, sigA<<63, sigB)
	}
	sticky := q & 1
	if r != 0 {
		sticky = 1
	}
	return roundPack[T](neg, exp, q>>1|sticky, rm)
}
