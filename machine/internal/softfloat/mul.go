package softfloat

import "math/bits"

// mul returns a × b rounded under rm. ∞ × 0 is invalid
// (IEEE 754-2008 section 7.2).
func mul[T encoding](a, b uint64, rm RoundingMode) (uint64, Flags) {
	f := formatOf[T]()
	neg := f.isNeg(a) != f.isNeg(b)
	top := f.expMax()
	if f.expField(a) == top || f.expField(b) == top {
		switch {
		case f.isNaN(a) || f.isNaN(b):
			return invalidNaN[T](a, b)
		case f.isZero(a) || f.isZero(b):
			return f.canonicalNaN(), NV
		default:
			return f.inf(neg), 0
		}
	}
	if f.isZero(a) || f.isZero(b) {
		return f.zero(neg), 0
	}
	_, expA, sigA := unpack[T](a)
	_, expB, sigB := unpack[T](b)
	// With the leading ones at bits 62 and 63 the 128-bit product has its
	// leading one at bit 125 or 126, so hi holds it at bit 61 or 62.
	hi, lo := bits.Mul64(sigA<<(62-f.fracBits()), sigB<<(63-f.fracBits()))
	exp := expA + expB
	if hi < 1<<62 {
		hi, lo = hi<<1|lo>>63, lo<<1
	} else {
		exp++
	}
	if lo != 0 {
		hi |= 1
	}
	return roundPack[T](neg, exp, hi, rm)
}
