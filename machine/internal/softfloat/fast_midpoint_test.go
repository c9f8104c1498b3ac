package softfloat

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The one case where binary32 a×b+c through binary64 goes wrong (fast.go):
// the binary64 sum s = RN64(a×b + c) lands exactly on a binary32 midpoint
// while the exact value does not (TwoSum's t ≠ 0). Rounding s then breaks
// the tie by evenness where the exact value lies to one side, so the fast
// path must decline. Random operands almost never hit a midpoint, so this
// test builds them: products that are binary32 midpoints, with an addend
// far below binary64's ulp of the product (s = the midpoint, t = c), and
// addends that make the exact sum a midpoint (t = 0, a true tie). It
// fails if fastMulAdd32's midpoint test is removed.

// midpointProduct returns binary32 a, b whose exact product is a binary32
// midpoint: significands in [2^12, 2^13) whose product is odd and below
// 2^25, so it has exactly 25 significant bits and its last one is half an
// ulp of binary32; scaled by a random power of two within range.
func midpointProduct(r *rand.Rand) (a, b float32) {
	for {
		u := uint32(r.IntN(1<<12)) | 1<<12 | 1
		v := uint32(r.IntN(1<<12)) | 1<<12 | 1
		if p := uint64(u) * uint64(v); p >= 1<<25 {
			continue
		}
		ea, eb := r.IntN(80)-40, r.IntN(80)-40
		a = float32(math.Ldexp(float64(u), ea-12))
		b = float32(math.Ldexp(float64(v), eb-12))
		if r.IntN(2) == 0 {
			a = -a
		}
		if r.IntN(2) == 0 {
			b = -b
		}
		return a, b
	}
}

// checkFMA32 compares F32MulAdd and, where it answers, fastMulAdd32 with
// the integer mulAdd in every rounding mode.
func checkFMA32(t *testing.T, a, b, c float32) (fast bool) {
	t.Helper()
	x, y, z := math.Float32bits(a), math.Float32bits(b), math.Float32bits(c)
	if r, fl, ok := FastMulAdd32(x, y, z); ok {
		w, wfl := mulAdd[uint32](uint64(x), uint64(y), uint64(z), RNE)
		if uint64(r) != w || fl != wfl {
			t.Errorf("FastMulAdd32(%#x, %#x, %#x) = %#x %v, integer path %#x %v", x, y, z, r, fl, w, wfl)
		}
		fast = true
	}
	for _, rm := range allModes {
		r, fl := F32MulAdd(x, y, z, rm)
		w, wfl := mulAdd[uint32](uint64(x), uint64(y), uint64(z), rm)
		if uint64(r) != w || fl != wfl {
			t.Errorf("F32MulAdd(%#x, %#x, %#x, %v) = %#x %v, integer path %#x %v", x, y, z, rm, r, fl, w, wfl)
		}
	}
	return fast
}

func TestFastMulAdd32Midpoints(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 2))
	n := 200_000
	if testing.Short() {
		n = 20_000
	}
	var fastTie, fastOther int
	for i := 0; i < n && !t.Failed(); i++ {
		a, b := midpointProduct(r)
		p := float64(a) * float64(b) // exact: 25 bits
		var c float32
		switch i % 4 {
		case 0, 1: // far below binary64's ulp of p: s = p, t = c ≠ 0
			c = float32(math.Ldexp(p, -54-r.IntN(60)))
			if r.IntN(2) == 0 {
				c = -c
			}
		case 2: // anywhere from well below to about binary32's ulp of p
			c = float32(math.Ldexp(p, -20-r.IntN(60)) * (1 + r.Float64()))
			if r.IntN(2) == 0 {
				c = -c
			}
		case 3: // the exact sum is another midpoint: a true tie
			k := int64(r.IntN(9)) - 4
			_, e := math.Frexp(p)
			half := math.Ldexp(1, e-25) // half an ulp of binary32 at p
			c = float32(float64(2*k) * half)
		}
		if checkFMA32(t, a, b, c) {
			if i%4 == 3 {
				fastTie++
			} else {
				fastOther++
			}
		}
	}
	// The fast path must still answer the true ties and the addends that
	// move s off the midpoint; if it declined everything the test would
	// prove nothing about its answers.
	if fastTie == 0 || fastOther == 0 {
		t.Errorf("fast path answered %d ties and %d others: the cases do not reach it", fastTie, fastOther)
	}
	t.Logf("%d cases, fast path answered %d ties, %d others", n, fastTie, fastOther)
}

// The hand-made case, for the record: (1+2^-12)² = 1 + 2^-11 + 2^-24 is
// a binary32 midpoint; adding ±2^-80 must round up or down, not to even.
func TestFastMulAdd32MidpointExample(t *testing.T) {
	a := float32(1 + 1.0/4096)
	for _, c := range []float32{0, 0x1p-80, -0x1p-80, 0x1p-60, -0x1p-60} {
		checkFMA32(t, a, a, c)
		checkFMA32(t, -a, a, -c)
	}
}
