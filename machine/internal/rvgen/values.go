package rvgen

import "math/rand/v2"

// Edge values for operands. Random bit patterns almost never hit the cases
// where implementations disagree (division overflow, saturating conversions,
// NaN handling, rounding ties), so most operands are drawn from these lists.

// intEdges are integer register values at the boundaries of RV64I, M and the
// 32-bit W instructions (The RISC-V Instruction Set Manual, Volume I, ch. 2,
// 4 and 13: division by zero and signed overflow have defined results).
var intEdges = []uint64{
	0, 1, 2, 3, 7, 31, 32, 33, 63, 64,
	0xffff_ffff_ffff_ffff, // -1
	0xffff_ffff_ffff_fffe, // -2
	0x8000_0000_0000_0000, // INT64_MIN
	0x7fff_ffff_ffff_ffff, // INT64_MAX
	0x8000_0000_0000_0001,
	0xffff_ffff_8000_0000, // INT32_MIN, sign-extended
	0x0000_0000_8000_0000, // INT32_MIN, zero-extended
	0x0000_0000_7fff_ffff, // INT32_MAX
	0x0000_0000_ffff_ffff, // UINT32_MAX
	0xffff_ffff_7fff_ffff,
	0x0000_0001_0000_0000,
	0x0000_0001_ffff_ffff,
	0x0000_0000_0000_ff80,
	0xffff_ffff_ffff_ff80,
	0x0000_0000_0000_8000,
	0x0020_0000_0000_0001, 0x0020_0000_0000_0003, // 2^53+1, +3: ties for fcvt.d.l
	0xffdf_ffff_ffff_ffff,                        // -(2^53+1)
	0x0000_0000_0100_0001, 0x0000_0000_0100_0003, // 2^24+1, +3: ties for fcvt.s.w
	0x7fff_ffff_ffff_fdff, 0xffff_ffff_ffff_fc00,
	0x5555_5555_5555_5555,
	0xaaaa_aaaa_aaaa_aaaa,
	0x3ff0_0000_0000_0000, // 1.0 as a double
	0xffff_ffff_3f80_0000, // 1.0 as a NaN-boxed single
	0x7ff8_0000_0000_0000, // canonical NaN (double)
	0x0000_0000_7fc0_0000, // canonical NaN (single)
}

// singleEdges are IEEE 754 binary32 encodings at the boundaries that matter to
// the F extension: signed zeros, infinities, quiet and signalling NaNs,
// subnormals, the normal range limits, halfway cases for rounding to integer
// and the limits of the fcvt.w/wu/l/lu saturation rules (Volume I, ch. 11).
var singleEdges = []uint32{
	0x0000_0000, 0x8000_0000, // ±0
	0x7f80_0000, 0xff80_0000, // ±inf
	0x7fc0_0000, 0xffc0_0000, 0x7fc0_0001, 0x7fff_ffff, // quiet NaNs
	0x7f80_0001, 0xff80_0001, 0x7fa0_0000, 0x7fbf_ffff, // signalling NaNs
	0x0000_0001, 0x8000_0001, 0x0040_0000, 0x007f_ffff, 0x807f_ffff, // subnormals
	0x0080_0000, 0x8080_0000, // min normal
	0x7f7f_ffff, 0xff7f_ffff, // max finite
	0x3f80_0000, 0xbf80_0000, 0x4000_0000, 0x3f00_0000, 0xbf00_0000, // 1 -1 2 .5 -.5
	0x3fc0_0000, 0xbfc0_0000, 0x4020_0000, 0xc020_0000, // ±1.5 ±2.5
	0x3f80_0001, 0x3f7f_ffff, 0x3380_0000, 0x3400_0000, // 1±ulp, 2^-24, 2^-23
	0x4f00_0000, 0xcf00_0000, 0x4eff_ffff, 0xcf00_0001, // ±2^31 and neighbours
	0x4f80_0000, 0x4f7f_ffff, // 2^32
	0x5f00_0000, 0xdf00_0000, 0x5eff_ffff, 0xdf00_0001, // ±2^63 and neighbours
	0x5f80_0000, 0x5f7f_ffff, // 2^64
	0x4b00_0000, 0x4b00_0001, 0x4affffff, // 2^23: integers begin
	0x7f00_0000, 0x0100_0000, // huge and tiny: products overflow or underflow
}

// doubleEdges are the binary64 counterparts of singleEdges, plus values at
// the boundaries of fcvt.s.d (overflow to infinity, underflow to subnormal,
// exact halfway points between neighbouring singles).
var doubleEdges = []uint64{
	0x0000_0000_0000_0000, 0x8000_0000_0000_0000,
	0x7ff0_0000_0000_0000, 0xfff0_0000_0000_0000,
	0x7ff8_0000_0000_0000, 0xfff8_0000_0000_0000, 0x7ff8_0000_0000_0001, 0x7fff_ffff_ffff_ffff,
	0x7ff0_0000_0000_0001, 0xfff0_0000_0000_0001, 0x7ff4_0000_0000_0000, 0x7ff7_ffff_ffff_ffff,
	0x0000_0000_0000_0001, 0x8000_0000_0000_0001, 0x0008_0000_0000_0000, 0x000f_ffff_ffff_ffff,
	0x0010_0000_0000_0000, 0x8010_0000_0000_0000,
	0x7fef_ffff_ffff_ffff, 0xffef_ffff_ffff_ffff,
	0x3ff0_0000_0000_0000, 0xbff0_0000_0000_0000, 0x4000_0000_0000_0000,
	0x3fe0_0000_0000_0000, 0xbfe0_0000_0000_0000,
	0x3ff8_0000_0000_0000, 0xbff8_0000_0000_0000, 0x4004_0000_0000_0000, 0xc004_0000_0000_0000,
	0x3ff0_0000_0000_0001, 0x3fef_ffff_ffff_ffff,
	0x41e0_0000_0000_0000, 0xc1e0_0000_0000_0000, // ±2^31
	0x41df_ffff_ffc0_0000, 0x41df_ffff_ffe0_0000, 0xc1e0_0000_0010_0000, // 2^31-1, 2^31-0.5, -2^31-0.5
	0x41f0_0000_0000_0000, 0x41ef_ffff_ffe0_0000, 0x41ef_ffff_fff0_0000, // 2^32, 2^32-1, 2^32-0.5
	0x43e0_0000_0000_0000, 0xc3e0_0000_0000_0000, 0x43df_ffff_ffff_ffff, 0xc3e0_0000_0000_0001,
	0x43f0_0000_0000_0000, 0x43ef_ffff_ffff_ffff, // 2^64
	0x4330_0000_0000_0000, 0x4330_0000_0000_0001, // 2^52
	0x47ef_ffff_e000_0000, 0x47ef_ffff_f000_0000, 0x47ef_ffff_efff_ffff, // max single, its rounding boundary
	0x36a0_0000_0000_0000, 0x3690_0000_0000_0000, 0x3698_0000_0000_0000, // single min subnormal, half, 3/4
	0x3810_0000_0000_0000, 0x380f_ffff_ffff_ffff, // single min normal and below
	0x3ff0_0000_1000_0000, 0x3ff0_0000_3000_0000, 0x3ff0_0000_1000_0001, 0xbff0_0000_1000_0000, // single ties
	0x7fe0_0000_0000_0000, 0x0020_0000_0000_0000,
}

// randInt returns a random integer register value, mostly from intEdges or
// small, with some full-width random patterns.
func randInt(r *rand.Rand) uint64 {
	switch r.IntN(8) {
	case 0, 1, 2:
		return intEdges[r.IntN(len(intEdges))]
	case 3:
		return uint64(int64(r.IntN(33) - 16))
	case 4:
		return uint64(int64(int32(r.Uint32())))
	case 5:
		return randDouble(r)
	case 6:
		return uint64(randSingle(r))
	}
	return r.Uint64()
}

// randSingle returns a binary32 encoding: an edge value or a random value
// whose exponent is biased towards interesting ranges.
func randSingle(r *rand.Rand) uint32 {
	if r.IntN(2) == 0 {
		return singleEdges[r.IntN(len(singleEdges))]
	}
	sign := uint32(r.IntN(2)) << 31
	var exp uint32
	switch r.IntN(6) {
	case 0:
		exp = uint32(r.IntN(256))
	case 1:
		exp = uint32(127 - 8 + r.IntN(40)) // around 1.0 up to 2^31
	case 2:
		exp = uint32(r.IntN(4)) // subnormal and the smallest normals
	case 3:
		exp = uint32(250 + r.IntN(6)) // near overflow
	case 4:
		exp = uint32(157 + r.IntN(35)) // 2^30 .. 2^64: integer conversion limits
	default:
		exp = uint32(127 - 1 + r.IntN(3))
	}
	return sign | exp<<23 | randMantissa(r, 23)
}

// randDouble returns a binary64 encoding, biased like randSingle, including
// values at the edges of the single-precision range for fcvt.s.d.
func randDouble(r *rand.Rand) uint64 {
	if r.IntN(2) == 0 {
		return doubleEdges[r.IntN(len(doubleEdges))]
	}
	sign := uint64(r.IntN(2)) << 63
	var exp uint64
	switch r.IntN(7) {
	case 0:
		exp = uint64(r.IntN(2048))
	case 1:
		exp = uint64(1023 - 8 + r.IntN(72)) // around 1.0 up to 2^64
	case 2:
		exp = uint64(r.IntN(4)) // subnormal
	case 3:
		exp = uint64(2040 + r.IntN(8)) // near overflow and inf/NaN
	case 4:
		exp = uint64(1023 - 152 + r.IntN(30)) // single subnormal range
	case 5:
		exp = uint64(1023 + 120 + r.IntN(10)) // single overflow range
	default:
		exp = uint64(1023 - 1 + r.IntN(3))
	}
	return sign | exp<<52 | uint64(randMantissa(r, 29))<<23 | uint64(randMantissa(r, 23))&(1<<23-1)
}

// randMantissa returns n random bits shaped to produce rounding ties and
// exact results: fully random, low bits cleared, or a single bit set.
func randMantissa(r *rand.Rand, n uint) uint32 {
	mask := uint32(1)<<n - 1
	switch r.IntN(5) {
	case 0:
		return 0
	case 1:
		return r.Uint32() & mask &^ (1<<(n/2) - 1)
	case 2:
		return 1 << r.IntN(int(n))
	case 3:
		return mask
	}
	return r.Uint32() & mask
}

// randFReg returns an initial f-register value: a double, a properly
// NaN-boxed single, or an improperly boxed single, which single-precision
// instructions must read as the canonical NaN (Volume I, 12.2).
func randFReg(r *rand.Rand) uint64 {
	switch r.IntN(10) {
	case 0, 1, 2, 3:
		return randDouble(r)
	case 4, 5, 6, 7, 8:
		return 0xffff_ffff_0000_0000 | uint64(randSingle(r))
	}
	bad := []uint64{0, 0xffff_fffe_0000_0000, 0x7fff_ffff_0000_0000, 0x0000_ffff_0000_0000}
	if r.IntN(2) == 0 {
		return bad[r.IntN(len(bad))] | uint64(randSingle(r))
	}
	return r.Uint64()
}
