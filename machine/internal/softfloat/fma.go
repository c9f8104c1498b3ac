package softfloat

import "math/bits"

// mulAdd returns a × b + c with a single rounding under rm
// (IEEE 754-2008 section 5.4.1 fusedMultiplyAdd).
//
// RISC-V requires NV for ∞ × 0 even when c is a quiet NaN (unprivileged
// ISA, F extension, "Single-Precision Floating-Point Computational
// Instructions"). An exact zero sum is +0 unless rounding down, and a
// zero product plus a zero addend follows the usual signed-zero rules.
func mulAdd[T encoding](a, b, c uint64, rm RoundingMode) (uint64, Flags) {
	f := formatOf[T]()
	negP := f.isNeg(a) != f.isNeg(b)
	top := f.expMax()
	if f.expField(a) == top || f.expField(b) == top || f.expField(c) == top {
		infTimesZero := f.isInf(a) && f.isZero(b) || f.isZero(a) && f.isInf(b)
		switch {
		case f.isNaN(a) || f.isNaN(b) || f.isNaN(c):
			if infTimesZero || f.isSNaN(a) || f.isSNaN(b) || f.isSNaN(c) {
				return f.canonicalNaN(), NV
			}
			return f.canonicalNaN(), 0
		case infTimesZero:
			return f.canonicalNaN(), NV
		case f.isInf(a) || f.isInf(b):
			if f.isInf(c) && f.isNeg(c) != negP {
				return f.canonicalNaN(), NV // ∞ − ∞
			}
			return f.inf(negP), 0
		default:
			return c, 0 // c is infinite, the product finite
		}
	}
	if f.isZero(a) || f.isZero(b) {
		if f.isZero(c) && f.isNeg(c) != negP {
			return f.zero(rm == RDN), 0
		}
		if f.isZero(c) {
			return f.zero(negP), 0
		}
		return c, 0
	}
	if f.isZero(c) {
		// The exact result is the non-zero product.
		return mul[T](a, b, rm)
	}

	_, expA, sigA := unpack[T](a)
	_, expB, sigB := unpack[T](b)
	negC, expC, sigC := unpack[T](c)
	frac := f.fracBits()

	// Exact product with its leading one at bit 125 of pHi:pLo.
	pHi, pLo := bits.Mul64(sigA<<(62-frac), sigB<<(62-frac))
	expP := expA + expB
	if pHi < 1<<61 {
		pHi, pLo = pHi<<1|pLo>>63, pLo<<1
	} else {
		expP++
	}
	// Addend aligned the same way.
	cHi, cLo := sigC<<(61-frac), uint64(0)

	// Order by magnitude so the difference below is non-negative.
	negX, expX, xHi, xLo := negP, expP, pHi, pLo
	negY, expY, yHi, yLo := negC, expC, cHi, cLo
	if expX < expY || expX == expY && (xHi < yHi || xHi == yHi && xLo < yLo) {
		negX, expX, xHi, xLo, negY, expY, yHi, yLo = negY, expY, yHi, yLo, negX, expX, xHi, xLo
	}
	yHi, yLo = shiftRightJam128(yHi, yLo, uint(expX-expY))

	var hi, lo uint64
	if negX == negY {
		var carry uint64
		lo, carry = bits.Add64(xLo, yLo, 0)
		hi, _ = bits.Add64(xHi, yHi, carry)
	} else {
		var borrow uint64
		lo, borrow = bits.Sub64(xLo, yLo, 0)
		hi, _ = bits.Sub64(xHi, yHi, borrow)
		if hi|lo == 0 {
			return f.zero(rm == RDN), 0
		}
	}
	// Normalise to the leading one at bit 126 and fold the low word into
	// a sticky bit. As in add, a long left shift only follows an exact
	// subtraction.
	var lz int
	if hi != 0 {
		lz = bits.LeadingZeros64(hi)
	} else {
		lz = 64 + bits.LeadingZeros64(lo)
	}
	k := lz - 1
	hi, lo = shiftLeft128(hi, lo, uint(k))
	if lo != 0 {
		hi |= 1
	}
	return roundPack[T](negX, expX+1-int32(k), hi, rm)
}
