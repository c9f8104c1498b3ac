package softfloat

import "math"

// The fast path: host floating point where its result and its flags are
// provably those of the integer implementation (issue 14, "Floating point
// at hardware speed, bit-identical"; the idea is QEMU's hardfloat,
// fpu/softfloat.c, can_use_fpu, taken further by computing inexact
// exactly).
//
// What the host guarantees. IEEE 754 requires +, −, ×, ÷ and √ to be
// correctly rounded, and every host Go runs on does so in
// round-to-nearest-even with subnormals (amd64 uses SSE2, never x87; arm64
// and the others have IEEE units; Go never sets flush-to-zero). math.FMA is
// correctly rounded on every host: in hardware where there is an FMA
// instruction, in software elsewhere. Go may fuse x*y+z into one FMA
// unless the product is converted explicitly (Go spec, "Floating-point
// operators"), so every product below that must be rounded on its own is
// written float64(x*y). Conversions float64 → float32 round to nearest
// even (Go spec, "Conversions").
//
// When the fast path answers. Only for round-to-nearest-even, and only when
// every operand is zero or a normal number of moderate magnitude and the
// result is a normal number of moderate magnitude: for binary64 a biased
// exponent in [fastMinExp64, fastMaxExp64], i.e. magnitudes in about
// [2^-960, 2^960]; for binary32 anything normal but the lowest and highest
// binade. Then no operation overflows or underflows (so OF, UF are never
// due and the result is not a NaN or an infinity, so NV and DZ are not
// either), and the only flag left is NX, which is found exactly:
//
//   - a + b (binary64): TwoSum gives err with a + b = s + err exactly, for
//     any finite a, b without overflow (Knuth, TAOCP 4.2.2, Theorem B);
//     inexact iff err ≠ 0.
//   - a × b (binary64): err = FMA(a, b, −p) is exactly a×b − p when the
//     exponents of a and b sum to at least −970 (the error is a multiple of
//     2^(ea+eb−104) and must not fall below 2^−1074), which |p| ≥ 2^−960
//     ensures; inexact iff err ≠ 0.
//   - a ÷ b (binary64): for the correctly rounded quotient q, the remainder
//     a − q×b is exactly representable (Boldo and Daumas, "Representable
//     correcting terms for possibly underflowing floating point operations",
//     needs a's exponent at least emin + 53, ensured by the range), so
//     FMA(−q, b, a) computes it exactly; inexact iff it is not 0.
//   - √a (binary64): likewise a − s×s is representable for the correctly
//     rounded root s, and FMA(−s, s, a) computes it; inexact iff not 0.
//   - binary32 +, −, ×, ÷, √ are computed in binary64 and rounded to
//     binary32: double rounding is harmless for these operations because
//     53 ≥ 2·24 + 2 (Figueroa, "When is double rounding innocuous?", 1995).
//     The product of two binary32 is exact in binary64, as are the checks
//     r×b = a for ÷ and r×r = a for √; + takes TwoSum in binary64.
//   - binary32 a×b+c: the product is exact in binary64 and TwoSum(p, c)
//     gives the exact value as s + t. If t = 0, s is exact and rounding it
//     is the single rounding FMA needs. Otherwise rounding s to binary32
//     can differ from rounding the exact value only if a binary32 midpoint
//     lies between the two or equals s; one strictly between would be a
//     binary64 number nearer the exact value than s, so only s being a
//     midpoint remains, and that case falls back. Then it is inexact.
//   - binary64 a×b+c: inexact is not cheap to find exactly, so the fast path
//     answers only when NX is already accrued (the caller passes fflags):
//     then reporting NX or not changes nothing. This is QEMU's condition.
//
// Everything else (other rounding modes, NaN, infinite, subnormal or
// extreme operands, zero, tiny, huge or infinite results) returns ok =
// false and the caller takes the integer implementation. The fast path
// never produces a NaN, so NaN canonicalisation cannot be missed. The
// tests compare the two paths on many operands of every kind (fast_test.go).

// Biased binary64 exponents the fast path accepts (1023 ± 960).
const (
	fastMinExp64 = 1023 - 960
	fastMaxExp64 = 1023 + 960
)

// ok64 reports whether the binary64 encoding x is a normal number with a
// biased exponent in [fastMinExp64, fastMaxExp64].
func ok64(x uint64) bool {
	return (x>>52&0x7ff)-fastMinExp64 <= fastMaxExp64-fastMinExp64
}

// okOrZero64 is ok64 or ±0.
func okOrZero64(x uint64) bool { return ok64(x) || x<<1 == 0 }

// ok32 reports whether the binary32 encoding x is normal and neither in
// the lowest nor the highest binade (biased exponent in [2, 253]).
func ok32(x uint32) bool { return (x>>23&0xff)-2 <= 251 }

// okOrZero32 is ok32 or ±0.
func okOrZero32(x uint32) bool { return ok32(x) || x<<1 == 0 }

func inexact(b bool) Flags {
	if b {
		return NX
	}
	return 0
}

// twoSum returns s = a + b rounded and the exact error a + b − s.
func twoSum(a, b float64) (s, err float64) {
	s = a + b
	bb := s - a
	err = (a - (s - bb)) + (b - bb)
	return s, err
}

// InRange64 reports whether the binary64 encoding x is a normal number of
// the magnitude the fast path needs (a biased exponent in [fastMinExp64,
// fastMaxExp64]). With InRangeOrZero64, AddExact64 and MulExact64 it lets
// the hart compose FastAdd64 and FastMul64 inline, where the compiler
// will not inline those.
func InRange64(x uint64) bool { return ok64(x) }

// InRangeOrZero64 is InRange64 or ±0.
func InRangeOrZero64(x uint64) bool { return okOrZero64(x) }

// AddExact64 returns x + y rounded to nearest even and whether it is exact,
// by TwoSum; the caller must ensure that x and y are finite and that the
// sum does not overflow (FastAdd64: both InRangeOrZero64, the sum
// InRange64).
func AddExact64(x, y float64) (float64, bool) {
	s, err := twoSum(x, y)
	return s, err == 0
}

// MulExact64 returns x × y rounded to nearest even and whether it is
// exact, by the FMA residual; the caller must ensure that x and y are
// finite and the product is at least 2^-960 in magnitude and does not
// overflow (FastMul64: x, y and the product InRange64).
func MulExact64(x, y float64) (float64, bool) {
	p := float64(x * y) // rounded on its own, never fused (Go spec, "Floating-point operators")
	return p, math.FMA(x, y, -p) == 0
}

// FastAdd64 is F64Add(a, b, RNE) when ok; ok false means take F64Add. The
// hart writes the same composition out in its interpreter loop.
func FastAdd64(a, b uint64) (uint64, Flags, bool) {
	if !okOrZero64(a) || !okOrZero64(b) {
		return 0, 0, false
	}
	s, exact := AddExact64(math.Float64frombits(a), math.Float64frombits(b))
	r := math.Float64bits(s)
	if !ok64(r) {
		return 0, 0, false
	}
	return r, inexact(!exact), true
}

// FastMul64 is F64Mul(a, b, RNE) when ok; ok false means take F64Mul. The
// hart writes the same composition out in its interpreter loop.
func FastMul64(a, b uint64) (uint64, Flags, bool) {
	if !ok64(a) || !ok64(b) {
		return 0, 0, false
	}
	p, exact := MulExact64(math.Float64frombits(a), math.Float64frombits(b))
	r := math.Float64bits(p)
	if !ok64(r) {
		return 0, 0, false
	}
	return r, inexact(!exact), true
}

// FastDiv64 is F64Div(a, b, RNE) when ok; ok false means take F64Div.
func FastDiv64(a, b uint64) (uint64, Flags, bool) {
	if !ok64(a) || !ok64(b) {
		return 0, 0, false
	}
	x, y := math.Float64frombits(a), math.Float64frombits(b)
	q := x / y
	r := math.Float64bits(q)
	if !ok64(r) {
		return 0, 0, false
	}
	return r, inexact(math.FMA(-q, y, x) != 0), true
}

// FastSqrt64 is F64Sqrt(a, RNE) when ok; ok false means take F64Sqrt.
func FastSqrt64(a uint64) (uint64, Flags, bool) {
	if !ok64(a) || a>>63 != 0 {
		return 0, 0, false
	}
	x := math.Float64frombits(a)
	s := math.Sqrt(x)
	return math.Float64bits(s), inexact(math.FMA(-s, s, x) != 0), true
}

// FastMulAdd64 is F64MulAddAccrued(a, b, c, RNE, accrued) when ok; ok
// false means take that. It answers only when NX is already in accrued
// (see above).
func FastMulAdd64(a, b, c uint64, accrued Flags) (uint64, Flags, bool) {
	if accrued&NX == 0 || !ok64(a) || !ok64(b) || !okOrZero64(c) {
		return 0, 0, false
	}
	// One rounding, so the flags depend on the result alone: a result in
	// range is neither tiny nor overflowed, whatever the product was.
	s := math.FMA(math.Float64frombits(a), math.Float64frombits(b), math.Float64frombits(c))
	r := math.Float64bits(s)
	if !ok64(r) {
		return 0, 0, false
	}
	return r, NX, true
}

// fastResult32 rounds the binary64 value v to binary32 and checks its range.
func fastResult32(v float64) (float32, uint32, bool) {
	f := float32(v)
	r := math.Float32bits(f)
	return f, r, ok32(r)
}

// FastAdd32 is F32Add(a, b, RNE) when ok; ok false means take F32Add.
func FastAdd32(a, b uint32) (uint32, Flags, bool) {
	if !okOrZero32(a) || !okOrZero32(b) {
		return 0, 0, false
	}
	s, err := twoSum(float64(math.Float32frombits(a)), float64(math.Float32frombits(b)))
	f, r, ok := fastResult32(s)
	if !ok {
		return 0, 0, false
	}
	return r, inexact(err != 0 || float64(f) != s), true
}

// FastMul32 is F32Mul(a, b, RNE) when ok; ok false means take F32Mul.
func FastMul32(a, b uint32) (uint32, Flags, bool) {
	if !ok32(a) || !ok32(b) {
		return 0, 0, false
	}
	p := float64(float64(math.Float32frombits(a)) * float64(math.Float32frombits(b))) // exact
	f, r, ok := fastResult32(p)
	if !ok {
		return 0, 0, false
	}
	return r, inexact(float64(f) != p), true
}

// FastDiv32 is F32Div(a, b, RNE) when ok; ok false means take F32Div.
func FastDiv32(a, b uint32) (uint32, Flags, bool) {
	if !ok32(a) || !ok32(b) {
		return 0, 0, false
	}
	x, y := float64(math.Float32frombits(a)), float64(math.Float32frombits(b))
	f, r, ok := fastResult32(x / y)
	if !ok {
		return 0, 0, false
	}
	return r, inexact(float64(float64(f)*y) != x), true // the product is exact
}

// FastSqrt32 is F32Sqrt(a, RNE) when ok; ok false means take F32Sqrt.
func FastSqrt32(a uint32) (uint32, Flags, bool) {
	if !ok32(a) || a>>31 != 0 {
		return 0, 0, false
	}
	x := float64(math.Float32frombits(a))
	f, r, _ := fastResult32(math.Sqrt(x))                        // a root of a normal binary32 is normal
	return r, inexact(float64(float64(f)*float64(f)) != x), true // exact product
}

// binary32 midpoints, seen in a binary64 encoding of a normal binary32
// range value: the 29 low significand bits are exactly 1 followed by 28
// zeros.
const (
	low29    = 1<<29 - 1
	midpoint = 1 << 28
)

// FastMulAdd32 is F32MulAdd(a, b, c, RNE) when ok; ok false means take
// F32MulAdd.
func FastMulAdd32(a, b, c uint32) (uint32, Flags, bool) {
	if !ok32(a) || !ok32(b) || !okOrZero32(c) {
		return 0, 0, false
	}
	p := float64(float64(math.Float32frombits(a)) * float64(math.Float32frombits(b))) // exact
	if !ok32(math.Float32bits(float32(p))) {
		return 0, 0, false // the product alone is out of range
	}
	s, t := twoSum(p, float64(math.Float32frombits(c)))
	if t != 0 && math.Float64bits(s)&low29 == midpoint {
		return 0, 0, false // rounding s could differ from rounding s + t
	}
	f, r, ok := fastResult32(s)
	if !ok {
		return 0, 0, false
	}
	return r, inexact(t != 0 || float64(f) != s), true
}
