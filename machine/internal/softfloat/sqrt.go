package softfloat

import "math/bits"

// sqrt returns √a rounded under rm. The square root of a value below zero
// (including −∞) is invalid; √−0 is −0 (IEEE 754-2008 sections 5.4.1, 7.2).
func sqrt[T encoding](a uint64, rm RoundingMode) (uint64, Flags) {
	f := formatOf[T]()
	switch {
	case f.isNaN(a):
		return invalidNaN[T](a, a)
	case f.isZero(a):
		return a, 0
	case f.isNeg(a):
		return f.canonicalNaN(), NV
	case f.isInf(a):
		return a, 0
	}
	_, exp, sig := unpack[T](a)
	// a = m × 2^exp with m in [1, 2). Scale the significand to
	// n = m × 2^124 (even exp) or 2m × 2^124 (odd exp), a 128-bit number
	// whose low word is zero; its square root has its leading one at bit 62
	// and exponent ⌊exp/2⌋.
	shift := 124 - 64 - f.fracBits()
	if exp&1 != 0 {
		shift++
	}
	root, exact := sqrtHi(sig << shift)
	if !exact {
		root |= 1
	}
	return roundPack[T](false, exp>>1, root, rm)
}

// sqrtHi returns ⌊√(hi × 2^64)⌋ for hi in [2^60, 2^62) and whether it is
// exact, by Newton's iteration on integers from an upper bound.
//
// With y = hi / 2^60 in [1, 4), the tangent lines √y ≤ (y+c)/(2√c) for
// c = 1 (y < 2) and c = 4 (y ≥ 2) start within a relative error of
// e0 = 3/(2√2) − 1 < 0.061. Each step maps e to e²/(2(1+e)), so four steps
// leave e < 7e-25, less than one unit of a root below 2^63; the integer
// steps never go below the floor of the root (the AM–GM inequality), so
// the result is the floor or one more, which the final check corrects.
func sqrtHi(hi uint64) (root uint64, exact bool) {
	var x uint64
	if hi < 1<<61 {
		x = hi<<1 + 1<<61 // (y+1)/2 × 2^62
	} else {
		x = hi + 1<<62 // (y+4)/4 × 2^62
	}
	for range 4 {
		q, _ := bits.Div64(hi, 0, x) // hi < 2^62 ≤ x
		s, c := bits.Add64(x, q, 0)
		x = s>>1 | c<<63
	}
	h, l := bits.Mul64(x, x)
	if h > hi || h == hi && l != 0 {
		x--
		h, l = bits.Mul64(x, x)
	}
	return x, h == hi && l == 0
}
