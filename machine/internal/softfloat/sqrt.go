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
// exact.
//
// Divisions are slow, so an estimate comes first from the reciprocal
// square root, refined by Newton's iteration r ← r(3 − y r²)/2, which
// needs only multiplications: with y = hi/2^60 in [1, 4) and r held as
// r × 2^31, a chord of 1/√y on [1, 2) or [2, 4) starts within 5 % and three
// steps reach the 2^-29 or so that this fixed point allows. Then x0 = y r
// is within about 2^33 of √N for N = hi × 2^64, and one integer Newton step
// x ← ⌊(x + ⌊N/x⌋)/2⌋ lands on or above ⌊√N⌋ whatever x0 is (the AM–GM
// inequality) and within (2^33)²/2^63 = 8 of it. The final loop steps down
// to ⌊√N⌋; it is correct however poor the estimate, only slower.
func sqrtHi(hi uint64) (root uint64, exact bool) {
	y := hi >> 30 // y × 2^30, in [2^30, 2^32)
	var r uint64  // r × 2^31
	if y < 1<<31 {
		r = 1<<31 - (y-1<<30)*(2*19195)>>16 // 1 − (1 − 1/√2)(y − 1)
	} else {
		r = 1518500250 - (y-1<<31)*(2*6786)>>16 // 1/√2 − (1/√2 − 1/2)(y − 2)/2
	}
	for range 3 {
		t := y * (r * r >> 31) // y r² × 2^61
		h, l := bits.Mul64(r, 3<<61-t)
		r = h<<2 | l>>62
	}
	h, l := bits.Mul64(hi, r) // √y × 2^91, approximately
	x := h<<35 | l>>29
	if x < 1<<62 {
		x = 1 << 62 // ⌊√N⌋ ≥ 2^62 > hi, as Div64 requires of x
	}
	q, _ := bits.Div64(hi, 0, x)
	s, c := bits.Add64(x, q, 0)
	x = s>>1 | c<<63
	for {
		h, l = bits.Mul64(x, x)
		if h < hi || h == hi && l == 0 {
			return x, h == hi
		}
		x--
	}
}
