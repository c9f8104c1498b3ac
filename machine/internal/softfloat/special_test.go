package softfloat

import (
	"fmt"
	"testing"
)

// Hand-checked cases for each rule of the package documentation. Every
// expected value here was derived by hand from the spec, not by running
// the code.

const (
	qNaN32    = 0x7fc00000
	qNaN32p   = 0x7fc12345 // quiet NaN with a payload
	qNaN32n   = 0xffc00000 // negative quiet NaN
	sNaN32    = 0x7f800001
	inf32     = 0x7f800000
	ninf32    = 0xff800000
	max32     = 0x7f7fffff
	nmax32    = 0xff7fffff
	minNorm32 = 0x00800000
	minSub32  = 0x00000001
	zero32    = 0x00000000
	nzero32   = 0x80000000
	one32     = 0x3f800000
	none32    = 0xbf800000
	two32     = 0x40000000
	half32    = 0x3f000000

	qNaN64p = 0x7ff8000000012345
	sNaN64  = 0x7ff0000000000001
	inf64   = 0x7ff0000000000000
	ninf64  = 0xfff0000000000000
	max64   = 0x7fefffffffffffff
	zero64  = 0
	nzero64 = 0x8000000000000000
	one64   = 0x3ff0000000000000
	none64  = 0xbff0000000000000
	two64   = 0x4000000000000000
)

// result32 is an expected binary32 result with its flags.
type result32 struct {
	r  uint32
	fl Flags
}

// perMode lists expected results in the order RNE, RTZ, RDN, RUP, RMM.
type perMode32 [5]result32

func same32(r uint32, fl Flags) perMode32 {
	return perMode32{{r, fl}, {r, fl}, {r, fl}, {r, fl}, {r, fl}}
}

func TestSpecialF32Binary(t *testing.T) {
	ovf := OF | NX
	cases := []struct {
		name string
		op   func(a, b uint32, rm RoundingMode) (uint32, Flags)
		a, b uint32
		want perMode32
	}{
		{"qNaN payload is not propagated", F32Add, qNaN32p, one32, same32(CanonicalNaN32, 0)},
		{"negative qNaN becomes canonical", F32Mul, qNaN32n, one32, same32(CanonicalNaN32, 0)},
		{"sNaN raises NV", F32Add, sNaN32, one32, same32(CanonicalNaN32, NV)},
		{"sNaN with qNaN raises NV", F32Mul, qNaN32, sNaN32, same32(CanonicalNaN32, NV)},
		{"inf - inf", F32Add, inf32, ninf32, same32(CanonicalNaN32, NV)},
		{"inf - inf via sub", F32Sub, inf32, inf32, same32(CanonicalNaN32, NV)},
		{"inf + inf", F32Add, inf32, inf32, same32(inf32, 0)},
		{"x + -x", F32Add, one32, none32, perMode32{{zero32, 0}, {zero32, 0}, {nzero32, 0}, {zero32, 0}, {zero32, 0}}},
		{"x - x", F32Sub, two32, two32, perMode32{{zero32, 0}, {zero32, 0}, {nzero32, 0}, {zero32, 0}, {zero32, 0}}},
		{"+0 + -0", F32Add, zero32, nzero32, perMode32{{zero32, 0}, {zero32, 0}, {nzero32, 0}, {zero32, 0}, {zero32, 0}}},
		{"-0 + -0", F32Add, nzero32, nzero32, same32(nzero32, 0)},
		{"-0 - +0", F32Sub, nzero32, zero32, same32(nzero32, 0)},
		{"x + 0 is exact", F32Add, minSub32, nzero32, same32(minSub32, 0)},
		{"subnormal difference is exact", F32Sub, minNorm32, minSub32, same32(0x007fffff, 0)},
		{"1 + 2^-24 ties", F32Add, one32, 0x33800000, perMode32{{one32, NX}, {one32, NX}, {one32, NX}, {0x3f800001, NX}, {0x3f800001, NX}}},
		{"-1 - 2^-24 ties", F32Add, none32, 0xb3800000, perMode32{{none32, NX}, {none32, NX}, {0xbf800001, NX}, {none32, NX}, {0xbf800001, NX}}},
		{"overflow", F32Mul, max32, two32, perMode32{{inf32, ovf}, {max32, ovf}, {max32, ovf}, {inf32, ovf}, {inf32, ovf}}},
		{"negative overflow", F32Mul, nmax32, two32, perMode32{{ninf32, ovf}, {nmax32, ovf}, {ninf32, ovf}, {nmax32, ovf}, {ninf32, ovf}}},
		{"add overflow", F32Add, max32, max32, perMode32{{inf32, ovf}, {max32, ovf}, {max32, ovf}, {inf32, ovf}, {inf32, ovf}}},
		// 2^-126 × 2^-24 = 2^-150: half the smallest subnormal.
		{"underflow to zero", F32Mul, minNorm32, 0x33800000, perMode32{{zero32, NX | UF}, {zero32, NX | UF}, {zero32, NX | UF}, {minSub32, NX | UF}, {minSub32, NX | UF}}},
		{"exact subnormal product", F32Mul, minNorm32, half32, same32(0x00400000, 0)},
		{"inf * 0", F32Mul, inf32, nzero32, same32(CanonicalNaN32, NV)},
		{"0 * -inf", F32Mul, zero32, ninf32, same32(CanonicalNaN32, NV)},
		{"-0 * 1", F32Mul, nzero32, one32, same32(nzero32, 0)},
		{"1 / 0", F32Div, one32, zero32, same32(inf32, DZ)},
		{"1 / -0", F32Div, one32, nzero32, same32(ninf32, DZ)},
		{"-min subnormal / +0", F32Div, 0x80000001, zero32, same32(ninf32, DZ)},
		{"0 / 0", F32Div, nzero32, zero32, same32(CanonicalNaN32, NV)},
		{"inf / inf", F32Div, inf32, ninf32, same32(CanonicalNaN32, NV)},
		{"inf / 0 is exact", F32Div, inf32, zero32, same32(inf32, 0)},
		{"1 / inf", F32Div, one32, ninf32, same32(nzero32, 0)},
		{"qNaN / 0", F32Div, qNaN32, zero32, same32(CanonicalNaN32, 0)},
		// 1/3 = 0x3eaaaaaa + 2/3 ulp.
		{"1 / 3", F32Div, one32, 0x40400000, perMode32{{0x3eaaaaab, NX}, {0x3eaaaaaa, NX}, {0x3eaaaaaa, NX}, {0x3eaaaaab, NX}, {0x3eaaaaab, NX}}},
		{"max / 0.5 overflows", F32Div, max32, half32, perMode32{{inf32, ovf}, {max32, ovf}, {max32, ovf}, {inf32, ovf}, {inf32, ovf}}},
	}
	for _, c := range cases {
		for i, rm := range allModes {
			r, fl := c.op(c.a, c.b, rm)
			if w := c.want[i]; r != w.r || fl != w.fl {
				t.Errorf("%s (%#08x, %#08x, rm=%d) = %#08x %s, want %#08x %s", c.name, c.a, c.b, rm, r, fl, w.r, w.fl)
			}
		}
	}
}

// TestTininessAfterRounding pins the RISC-V choice: a value below 2^emin
// that rounds up to 2^emin at full precision is not tiny, so UF is not
// raised even though the exact value is below the normal range.
func TestTininessAfterRounding(t *testing.T) {
	// (1 − 2^-25) × 2^-126 in binary64: 24 ones after the point, 2^-127.
	const x = 0x380ffffff0000000
	want := perMode32{
		{minNorm32, NX},       // ties to even: rounds to 2^-126 even unbounded
		{0x007fffff, NX | UF}, // stays below 2^-126
		{0x007fffff, NX | UF},
		{minNorm32, NX},
		{minNorm32, NX},
	}
	for i, rm := range allModes {
		if r, fl := F64ToF32(x, rm); r != want[i].r || fl != want[i].fl {
			t.Errorf("F64ToF32(%#x, rm=%d) = %#x %s, want %#x %s", uint64(x), rm, r, fl, want[i].r, want[i].fl)
		}
	}
	// (1 − 2^-53) × 2^-1022 is exact at 53 bits with an unbounded
	// exponent, hence tiny, yet rounds (ties to even) to 2^-1022 in the
	// subnormal grid: UF with a normal result.
	if r, fl := F64Mul(0x3fefffffffffffff, 0x0010000000000000, RNE); r != 0x0010000000000000 || fl != NX|UF {
		t.Errorf("F64Mul tiny-to-normal = %#x %s, want 0x10000000000000 NXUF", r, fl)
	}
	// Exact subnormal results are tiny but not inexact: no UF.
	if r, fl := F64ToF32(0x36a0000000000000, RNE); r != minSub32 || fl != 0 {
		t.Errorf("F64ToF32(2^-149) = %#x %s, want 0x1 -", r, fl)
	}
}

func TestSpecialMulAdd(t *testing.T) {
	rdnZero := perMode32{{zero32, 0}, {zero32, 0}, {nzero32, 0}, {zero32, 0}, {zero32, 0}}
	cases := []struct {
		name    string
		a, b, c uint32
		want    perMode32
	}{
		{"inf*0 + qNaN raises NV", inf32, zero32, qNaN32, same32(CanonicalNaN32, NV)},
		{"0*inf + qNaN raises NV", nzero32, inf32, qNaN32p, same32(CanonicalNaN32, NV)},
		{"inf*0 + 1", inf32, zero32, one32, same32(CanonicalNaN32, NV)},
		{"qNaN*1 + 1", qNaN32, one32, one32, same32(CanonicalNaN32, 0)},
		{"1*1 + sNaN", one32, one32, sNaN32, same32(CanonicalNaN32, NV)},
		{"inf*2 - inf", inf32, two32, ninf32, same32(CanonicalNaN32, NV)},
		{"inf*2 + inf", inf32, two32, inf32, same32(inf32, 0)},
		{"1*1 + inf", one32, one32, ninf32, same32(ninf32, 0)},
		{"1*1 - 1", one32, one32, none32, rdnZero},
		{"-0*1 + -0", nzero32, one32, nzero32, same32(nzero32, 0)},
		{"+0*1 + -0", zero32, one32, nzero32, rdnZero},
		{"-0*-1 + -0", nzero32, none32, nzero32, rdnZero},
		{"0*1 + x", zero32, one32, minSub32, same32(minSub32, 0)},
		{"x*y + 0 rounds the product", minNorm32, 0x33800000, nzero32, perMode32{{zero32, NX | UF}, {zero32, NX | UF}, {zero32, NX | UF}, {minSub32, NX | UF}, {minSub32, NX | UF}}},
		{"overflowing product, finite sum", max32, two32, nmax32, same32(max32, 0)},
	}
	for _, c := range cases {
		for i, rm := range allModes {
			r, fl := F32MulAdd(c.a, c.b, c.c, rm)
			if w := c.want[i]; r != w.r || fl != w.fl {
				t.Errorf("%s: F32MulAdd(%#08x, %#08x, %#08x, rm=%d) = %#08x %s, want %#08x %s", c.name, c.a, c.b, c.c, rm, r, fl, w.r, w.fl)
			}
		}
	}
	// One rounding: (1+2^-27)² − 1 = 2^-26 + 2^-54 exactly, where a
	// separate multiply would have dropped the 2^-54.
	if r, fl := F64MulAdd(0x3ff0000002000000, 0x3ff0000002000000, none64, RNE); r != 0x3e50000001000000 || fl != 0 {
		t.Errorf("F64MulAdd single rounding = %#x %s, want 0x3e50000001000000 -", r, fl)
	}
	if r, fl := F64MulAdd(inf64, zero64, 0x7ff8000000000000, RNE); r != CanonicalNaN64 || fl != NV {
		t.Errorf("F64MulAdd(inf, 0, qNaN) = %#x %s, want canonical NaN NV", r, fl)
	}
}

func TestSpecialSqrt(t *testing.T) {
	cases := []struct {
		a    uint32
		want result32
	}{
		{nzero32, result32{nzero32, 0}},
		{zero32, result32{zero32, 0}},
		{none32, result32{CanonicalNaN32, NV}},
		{0x80000001, result32{CanonicalNaN32, NV}},
		{ninf32, result32{CanonicalNaN32, NV}},
		{inf32, result32{inf32, 0}},
		{qNaN32n, result32{CanonicalNaN32, 0}},
		{sNaN32, result32{CanonicalNaN32, NV}},
		{0x40800000, result32{two32, 0}},      // √4
		{two32, result32{0x3fb504f3, NX}},     // √2 = 1.41421354
		{minSub32, result32{0x1a3504f3, NX}},  // √2^-149 = 2^-74.5
		{0x00200000, result32{0x1f800000, 0}}, // √2^-128 = 2^-64, from a subnormal
		{max32, result32{0x5f7fffff, NX}},     // just below 2^64
	}
	for _, c := range cases {
		if r, fl := F32Sqrt(c.a, RNE); r != c.want.r || fl != c.want.fl {
			t.Errorf("F32Sqrt(%#08x) = %#08x %s, want %#08x %s", c.a, r, fl, c.want.r, c.want.fl)
		}
	}
	if r, fl := F64Sqrt(nzero64, RNE); r != nzero64 || fl != 0 {
		t.Errorf("F64Sqrt(-0) = %#x %s", r, fl)
	}
	if r, fl := F64Sqrt(ninf64, RNE); r != CanonicalNaN64 || fl != NV {
		t.Errorf("F64Sqrt(-inf) = %#x %s", r, fl)
	}
}

func TestSpecialMinMax(t *testing.T) {
	cases := []struct {
		a, b     uint32
		min, max uint32
		fl       Flags
	}{
		{nzero32, zero32, nzero32, zero32, 0},
		{zero32, nzero32, nzero32, zero32, 0},
		{qNaN32, one32, one32, one32, 0},
		{none32, qNaN32p, none32, none32, 0},
		{sNaN32, one32, one32, one32, NV},
		{one32, sNaN32, one32, one32, NV},
		{qNaN32, qNaN32n, CanonicalNaN32, CanonicalNaN32, 0},
		{sNaN32, qNaN32, CanonicalNaN32, CanonicalNaN32, NV},
		{one32, two32, one32, two32, 0},
		{ninf32, none32, ninf32, none32, 0},
		{none32, 0xc0000000, 0xc0000000, none32, 0},
		{inf32, max32, max32, inf32, 0},
	}
	for _, c := range cases {
		if r, fl := F32Min(c.a, c.b); r != c.min || fl != c.fl {
			t.Errorf("F32Min(%#08x, %#08x) = %#08x %s, want %#08x %s", c.a, c.b, r, fl, c.min, c.fl)
		}
		if r, fl := F32Max(c.a, c.b); r != c.max || fl != c.fl {
			t.Errorf("F32Max(%#08x, %#08x) = %#08x %s, want %#08x %s", c.a, c.b, r, fl, c.max, c.fl)
		}
	}
	if r, fl := F64Min(nzero64, zero64); r != nzero64 || fl != 0 {
		t.Errorf("F64Min(-0, +0) = %#x %s", r, fl)
	}
	if r, fl := F64Max(sNaN64, one64); r != one64 || fl != NV {
		t.Errorf("F64Max(sNaN, 1) = %#x %s", r, fl)
	}
	if r, fl := F64Max(qNaN64p, qNaN64p); r != CanonicalNaN64 || fl != 0 {
		t.Errorf("F64Max(qNaN, qNaN) = %#x %s", r, fl)
	}
}

func TestSpecialCompare(t *testing.T) {
	cases := []struct {
		a, b        uint32
		eq, lt, le  bool
		eqFl, ordFl Flags // flags of feq, and of flt/fle
	}{
		{zero32, nzero32, true, false, true, 0, 0},
		{nzero32, zero32, true, false, true, 0, 0},
		{none32, one32, false, true, true, 0, 0},
		{0xc0000000, none32, false, true, true, 0, 0},
		{one32, one32, true, false, true, 0, 0},
		{ninf32, nmax32, false, true, true, 0, 0},
		{inf32, inf32, true, false, true, 0, 0},
		{qNaN32, one32, false, false, false, 0, NV},
		{one32, qNaN32p, false, false, false, 0, NV},
		{qNaN32, qNaN32, false, false, false, 0, NV},
		{sNaN32, one32, false, false, false, NV, NV},
		{one32, sNaN32, false, false, false, NV, NV},
	}
	for _, c := range cases {
		if r, fl := F32Eq(c.a, c.b); r != c.eq || fl != c.eqFl {
			t.Errorf("F32Eq(%#08x, %#08x) = %v %s, want %v %s", c.a, c.b, r, fl, c.eq, c.eqFl)
		}
		if r, fl := F32Lt(c.a, c.b); r != c.lt || fl != c.ordFl {
			t.Errorf("F32Lt(%#08x, %#08x) = %v %s, want %v %s", c.a, c.b, r, fl, c.lt, c.ordFl)
		}
		if r, fl := F32Le(c.a, c.b); r != c.le || fl != c.ordFl {
			t.Errorf("F32Le(%#08x, %#08x) = %v %s, want %v %s", c.a, c.b, r, fl, c.le, c.ordFl)
		}
		a, b := widenKeepingNaN(c.a), widenKeepingNaN(c.b)
		if r, fl := F64Eq(a, b); r != c.eq || fl != c.eqFl {
			t.Errorf("F64Eq(%#x, %#x) = %v %s, want %v %s", a, b, r, fl, c.eq, c.eqFl)
		}
		if r, fl := F64Lt(a, b); r != c.lt || fl != c.ordFl {
			t.Errorf("F64Lt(%#x, %#x) = %v %s, want %v %s", a, b, r, fl, c.lt, c.ordFl)
		}
		if r, fl := F64Le(a, b); r != c.le || fl != c.ordFl {
			t.Errorf("F64Le(%#x, %#x) = %v %s, want %v %s", a, b, r, fl, c.le, c.ordFl)
		}
	}
}

// widenKeepingNaN is F32ToF64 except that NaNs keep their quiet bit,
// sign and payload position, for reusing binary32 tables in binary64.
func widenKeepingNaN(x uint32) uint64 {
	if x&0x7f800000 == 0x7f800000 && x&0x007fffff != 0 {
		return uint64(x>>31)<<63 | 0x7ff<<52 | uint64(x&0x007fffff)<<29
	}
	r, _ := F32ToF64(x)
	return r
}

func TestSpecialClass(t *testing.T) {
	cases := []struct {
		a   uint32
		bit uint
	}{
		{ninf32, 0}, {none32, 1}, {0x807fffff, 2}, {nzero32, 3},
		{zero32, 4}, {minSub32, 5}, {minNorm32, 6}, {max32, 6}, {inf32, 7},
		{sNaN32, 8}, {0xffbfffff, 8}, {qNaN32, 9}, {qNaN32n, 9},
	}
	for _, c := range cases {
		if got := F32Class(c.a); got != 1<<c.bit {
			t.Errorf("F32Class(%#08x) = %#x, want bit %d", c.a, got, c.bit)
		}
		if c.bit == 2 || c.bit == 5 {
			continue // binary32 subnormals are normal in binary64
		}
		a := widenKeepingNaN(c.a)
		if got := F64Class(a); got != 1<<c.bit {
			t.Errorf("F64Class(%#x) = %#x, want bit %d", a, got, c.bit)
		}
	}
	for _, c := range []struct {
		a   uint64
		bit uint
	}{{0x800fffffffffffff, 2}, {0x8000000000000001, 2}, {1, 5}, {0x000fffffffffffff, 5}, {0x0010000000000000, 6}} {
		if got := F64Class(c.a); got != 1<<c.bit {
			t.Errorf("F64Class(%#x) = %#x, want bit %d", c.a, got, c.bit)
		}
	}
}

func TestSpecialToInt(t *testing.T) {
	const (
		minI32 = 0x80000000
		maxI32 = 0x7fffffff
		maxU32 = 0xffffffff
	)
	cases := []struct {
		a    uint64 // binary64
		rm   RoundingMode
		i32  uint32 // F64ToI32 as a bit pattern
		i32F Flags
		u32  uint32
		u32F Flags
	}{
		{CanonicalNaN64, RNE, maxI32, NV, maxU32, NV},
		{0xfff8000000000000, RNE, maxI32, NV, maxU32, NV}, // negative NaN is still "NaN"
		{sNaN64, RNE, maxI32, NV, maxU32, NV},
		{inf64, RNE, maxI32, NV, maxU32, NV},
		{ninf64, RNE, minI32, NV, 0, NV},
		{nzero64, RNE, 0, 0, 0, 0},
		{0x400c000000000000, RNE, 4, NX, 4, NX},              // 3.5 ties to even
		{0x4004000000000000, RNE, 2, NX, 2, NX},              // 2.5 ties to even
		{0x4004000000000000, RMM, 3, NX, 3, NX},              // 2.5 ties away
		{0xbfd3333333333333, RTZ, 0, NX, 0, NX},              // -0.3 truncates to 0
		{0xbfd3333333333333, RNE, 0, NX, 0, NX},              // -0.3 rounds to -0
		{0xbfd3333333333333, RDN, 0xffffffff, NX, 0, NV},     // -0.3 rounds to -1
		{0xbfe6666666666666, RNE, 0xffffffff, NX, 0, NV},     // -0.7 rounds to -1
		{none64, RTZ, 0xffffffff, 0, 0, NV},                  // -1
		{0x41e0000000000000, RNE, maxI32, NV, 0x80000000, 0}, // 2^31
		{0xc1e0000000000000, RNE, minI32, 0, 0, NV},          // -2^31
		{0xc1e0000000100000, RNE, minI32, NX, 0, NV},         // -2^31 - 0.5 ties to even
		{0xc1e0000000100000, RDN, minI32, NV, 0, NV},         // -2^31 - 0.5 rounds to -2^31 - 1
		{0x41efffffffe00000, RTZ, maxI32, NV, maxU32, 0},     // 2^32 - 1
		{0x41effffffff00000, RTZ, maxI32, NV, maxU32, NX},    // 2^32 - 0.5
		{0x41effffffff00000, RNE, maxI32, NV, maxU32, NV},    // ties to 2^32
		{0x0000000000000001, RUP, 1, NX, 1, NX},              // min subnormal rounds up
		{0x8000000000000001, RDN, 0xffffffff, NX, 0, NV},
	}
	for _, c := range cases {
		if r, fl := F64ToI32(c.a, c.rm); uint32(r) != c.i32 || fl != c.i32F {
			t.Errorf("F64ToI32(%#x, rm=%d) = %#x %s, want %#x %s", c.a, c.rm, uint32(r), fl, c.i32, c.i32F)
		}
		if r, fl := F64ToU32(c.a, c.rm); r != c.u32 || fl != c.u32F {
			t.Errorf("F64ToU32(%#x, rm=%d) = %#x %s, want %#x %s", c.a, c.rm, r, fl, c.u32, c.u32F)
		}
	}
	wide := []struct {
		name      string
		got, want res
	}{
		{"F64ToI64(NaN)", u64(F64ToI64(CanonicalNaN64, RNE)), res{0x7fffffffffffffff, NV}},
		{"F64ToU64(NaN)", u64(F64ToU64(CanonicalNaN64, RNE)), res{0xffffffffffffffff, NV}},
		{"F64ToI64(2^63)", u64(F64ToI64(0x43e0000000000000, RNE)), res{0x7fffffffffffffff, NV}},
		{"F64ToI64(-2^63)", u64(F64ToI64(0xc3e0000000000000, RNE)), res{0x8000000000000000, 0}},
		{"F64ToU64(2^63)", u64(F64ToU64(0x43e0000000000000, RNE)), res{0x8000000000000000, 0}},
		{"F64ToU64(2^64-2048)", u64(F64ToU64(0x43efffffffffffff, RNE)), res{0xfffffffffffff800, 0}},
		{"F64ToU64(2^64)", u64(F64ToU64(0x43f0000000000000, RNE)), res{0xffffffffffffffff, NV}},
		{"F64ToU64(-inf)", u64(F64ToU64(ninf64, RNE)), res{0, NV}},
		{"F32ToI64(-inf)", u64(F32ToI64(ninf32, RNE)), res{0x8000000000000000, NV}},
		{"F32ToU64(-0.5 RNE)", u64(F32ToU64(0xbf000000, RNE)), res{0, NX}},
		{"F32ToU64(-0.5 RMM)", u64(F32ToU64(0xbf000000, RMM)), res{0, NV}},
		{"F32ToI32(2^31)", u64(F32ToI32(0x4f000000, RTZ)), res{0x7fffffff, NV}},
		{"F32ToU32(1.5 RUP)", u64(F32ToU32(0x3fc00000, RUP)), res{2, NX}},
		{"F32ToU32(NaN)", u64(F32ToU32(qNaN32n, RUP)), res{0xffffffff, NV}},
	}
	for _, c := range wide {
		if c.got != c.want {
			t.Errorf("%s = %#x %s, want %#x %s", c.name, c.got.v, c.got.fl, c.want.v, c.want.fl)
		}
	}
}

// res is a result widened to a zero-extended bit pattern, with flags.
type res struct {
	v  uint64
	fl Flags
}

// u64 widens any operation result to a res.
func u64[T int32 | uint32 | int64 | uint64](v T, fl Flags) res {
	switch x := any(v).(type) {
	case int32:
		return res{uint64(uint32(x)), fl}
	case uint32:
		return res{uint64(x), fl}
	case int64:
		return res{uint64(x), fl}
	default:
		return res{x.(uint64), fl}
	}
}

func TestSpecialFromIntAndFormats(t *testing.T) {
	cases := []struct {
		name      string
		got, want res
	}{
		{"I32ToF32(0)", u64(I32ToF32(0, RDN)), res{zero32, 0}},
		{"I32ToF32(-1)", u64(I32ToF32(-1, RNE)), res{none32, 0}},
		{"I32ToF32(2^24+1) RNE", u64(I32ToF32(1<<24+1, RNE)), res{0x4b800000, NX}},
		{"I32ToF32(2^24+1) RUP", u64(I32ToF32(1<<24+1, RUP)), res{0x4b800001, NX}},
		{"I32ToF32(-2^24-1) RDN", u64(I32ToF32(-1<<24-1, RDN)), res{0xcb800001, NX}},
		{"I32ToF32(min)", u64(I32ToF32(-1<<31, RNE)), res{0xcf000000, 0}},
		{"U32ToF32(max) RTZ", u64(U32ToF32(0xffffffff, RTZ)), res{0x4f7fffff, NX}},
		{"U32ToF64(max)", u64(U32ToF64(0xffffffff, RTZ)), res{0x41efffffffe00000, 0}},
		{"I64ToF64(min)", u64(I64ToF64(-1<<63, RNE)), res{0xc3e0000000000000, 0}},
		{"U64ToF64(max) RNE", u64(U64ToF64(0xffffffffffffffff, RNE)), res{0x43f0000000000000, NX}},
		{"U64ToF64(max) RTZ", u64(U64ToF64(0xffffffffffffffff, RTZ)), res{0x43efffffffffffff, NX}},
		{"I64ToF32(-1)", u64(I64ToF32(-1, RNE)), res{none32, 0}},
		{"U64ToF32(max) RMM", u64(U64ToF32(0xffffffffffffffff, RMM)), res{0x5f800000, NX}},
		{"F32ToF64(sNaN)", u64(F32ToF64(sNaN32)), res{CanonicalNaN64, NV}},
		{"F32ToF64(-qNaN payload)", u64(F32ToF64(0xffc12345)), res{CanonicalNaN64, 0}},
		{"F32ToF64(min subnormal)", u64(F32ToF64(minSub32)), res{0x36a0000000000000, 0}},
		{"F32ToF64(-max)", u64(F32ToF64(nmax32)), res{0xc7efffffe0000000, 0}},
		{"F32ToF64(-0)", u64(F32ToF64(nzero32)), res{nzero64, 0}},
		{"F64ToF32(sNaN)", u64(F64ToF32(sNaN64, RNE)), res{uint64(CanonicalNaN32), NV}},
		{"F64ToF32(qNaN payload)", u64(F64ToF32(qNaN64p, RNE)), res{uint64(CanonicalNaN32), 0}},
		{"F64ToF32(2^128) RNE", u64(F64ToF32(0x47f0000000000000, RNE)), res{inf32, OF | NX}},
		{"F64ToF32(2^128) RTZ", u64(F64ToF32(0x47f0000000000000, RTZ)), res{max32, OF | NX}},
		{"F64ToF32(-max64) RUP", u64(F64ToF32(max64|nzero64, RUP)), res{nmax32, OF | NX}},
		{"F64ToF32(min subnormal64) RUP", u64(F64ToF32(1, RUP)), res{minSub32, NX | UF}},
		{"F64ToF32(min subnormal64) RNE", u64(F64ToF32(1, RNE)), res{zero32, NX | UF}},
		{"F64ToF32(-inf)", u64(F64ToF32(ninf64, RTZ)), res{ninf32, 0}},
		{"F64ToF32(1/3)", u64(F64ToF32(0x3fd5555555555555, RNE)), res{0x3eaaaaab, NX}},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%s = %#x %s, want %#x %s", c.name, c.got.v, c.got.fl, c.want.v, c.want.fl)
		}
	}
}

func ExampleF64Add() {
	r, fl := F64Add(0x3ff0000000000000, 0x3ca0000000000000, RUP) // 1 + 2^-53
	fmt.Printf("%#x %s\n", r, fl)
	// Output: 0x3ff0000000000001 NX
}

// TestOtherModesActAsRNE pins the documented behaviour for frm encodings
// the hart should never pass (5, 6 reserved; 7 dynamic): they round like
// RNE instead of producing garbage.
func TestOtherModesActAsRNE(t *testing.T) {
	for rm := RoundingMode(5); rm <= 7; rm++ {
		for _, c := range []struct{ a, b uint32 }{{one32, 0x33800000}, {0x3f800001, 0x33800000}, {max32, max32}, {minNorm32, 0xb3000000}} {
			got, gotFl := F32Add(c.a, c.b, rm)
			want, wantFl := F32Add(c.a, c.b, RNE)
			if got != want || gotFl != wantFl {
				t.Errorf("F32Add(%#x, %#x, rm=%d) = %#x %s, RNE gives %#x %s", c.a, c.b, rm, got, gotFl, want, wantFl)
			}
		}
	}
}
