package softfloat

import (
	"flag"
	"fmt"
	"math"
	"testing"
)

// The fast path (fast.go) against the integer implementation: whenever the
// fast path answers, its result and flags must be the integer path's; and
// the exported operations, which try the fast path first, must equal the
// integer path in every rounding mode on every operand.

var fastCases = flag.Int("softfloat.fast", 0, "operations per kind in TestFastPathDifferential (0: 10^6, 10^5 with -short; make fuzz: 10^8)")

func fastN() int {
	switch {
	case *fastCases > 0:
		return *fastCases
	case testing.Short():
		return 100_000
	default:
		return 1_000_000
	}
}

// fastOperand returns an operand for the fast path's differential test:
// an edge-biased one of any kind (NaNs, infinities, subnormals, extremes)
// a quarter of the time, else a number whose exponent lies inside the
// fast path's range or just across one of its edges, with the gen's
// rounding-boundary fractions.
func fastOperand(g *gen) uint64 {
	lo, hi := int64(fastMinExp64), int64(fastMaxExp64)
	if g.s.p == 24 {
		lo, hi = 2, 253
	}
	var e int64
	switch g.r.IntN(8) {
	case 0, 1:
		return g.operand()
	case 2:
		e = lo - 3 + int64(g.r.IntN(7))
	case 3:
		e = hi - 3 + int64(g.r.IntN(7))
	case 4:
		e = int64(g.s.bias()) - 30 + int64(g.r.IntN(61))
	default:
		e = lo + int64(g.r.Int64N(hi-lo+1))
	}
	return g.withExp(g.bool(), e)
}

// fastPartner returns a second operand for a: near it in exponent (sums that
// cancel or tie) or anywhere in range.
func fastPartner(g *gen, a uint64) uint64 {
	switch g.r.IntN(3) {
	case 0:
		return g.near(a)
	case 1: // the same fraction, so sums and quotients are often exact
		return g.s.signed(g.bool(), g.s.expOf(fastOperand(g))<<g.s.frac()|g.s.fracOf(a))
	}
	return fastOperand(g)
}

// square returns x·x for a random x with at most half the precision, so
// that √ of it is exact (and often one ulp off it, by the caller's nudge).
func square(g *gen) uint64 {
	if g.s.p == 24 {
		x := float32(g.r.IntN(1<<12)+1) * float32(math.Ldexp(1, g.r.IntN(60)-30))
		return uint64(math.Float32bits(x * x))
	}
	x := float64(g.r.Int64N(1<<26)+1) * math.Ldexp(1, g.r.IntN(800)-400)
	return math.Float64bits(x * x)
}

type fastCase struct {
	name  string
	spec  spec
	arity int
	// fast is the fast path (ok false: it declines); slow the integer
	// path; pub the exported operation.
	fast func(a, b, c uint64, acc Flags) (uint64, Flags, bool)
	slow func(a, b, c uint64, rm RoundingMode) (uint64, Flags)
	pub  func(a, b, c uint64, rm RoundingMode, acc Flags) (uint64, Flags)
}

func w32(f func(a, b, c uint32) (uint32, Flags, bool)) func(a, b, c uint64, _ Flags) (uint64, Flags, bool) {
	return func(a, b, c uint64, _ Flags) (uint64, Flags, bool) {
		r, fl, ok := f(uint32(a), uint32(b), uint32(c))
		return uint64(r), fl, ok
	}
}

func p32(f func(a, b, c uint32, rm RoundingMode) (uint32, Flags)) func(a, b, c uint64, rm RoundingMode, _ Flags) (uint64, Flags) {
	return func(a, b, c uint64, rm RoundingMode, _ Flags) (uint64, Flags) {
		r, fl := f(uint32(a), uint32(b), uint32(c), rm)
		return uint64(r), fl
	}
}

var fastOps = []fastCase{
	{"add64", spec64, 2,
		func(a, b, _ uint64, _ Flags) (uint64, Flags, bool) { return FastAdd64(a, b) },
		func(a, b, _ uint64, rm RoundingMode) (uint64, Flags) { return add[uint64](a, b, rm) },
		func(a, b, _ uint64, rm RoundingMode, _ Flags) (uint64, Flags) { return F64Add(a, b, rm) }},
	{"sub64", spec64, 2,
		func(a, b, _ uint64, _ Flags) (uint64, Flags, bool) { return FastAdd64(a, b^1<<63) },
		func(a, b, _ uint64, rm RoundingMode) (uint64, Flags) { return add[uint64](a, b^1<<63, rm) },
		func(a, b, _ uint64, rm RoundingMode, _ Flags) (uint64, Flags) { return F64Sub(a, b, rm) }},
	{"mul64", spec64, 2,
		func(a, b, _ uint64, _ Flags) (uint64, Flags, bool) { return FastMul64(a, b) },
		func(a, b, _ uint64, rm RoundingMode) (uint64, Flags) { return mul[uint64](a, b, rm) },
		func(a, b, _ uint64, rm RoundingMode, _ Flags) (uint64, Flags) { return F64Mul(a, b, rm) }},
	{"div64", spec64, 2,
		func(a, b, _ uint64, _ Flags) (uint64, Flags, bool) { return FastDiv64(a, b) },
		func(a, b, _ uint64, rm RoundingMode) (uint64, Flags) { return div[uint64](a, b, rm) },
		func(a, b, _ uint64, rm RoundingMode, _ Flags) (uint64, Flags) { return F64Div(a, b, rm) }},
	{"sqrt64", spec64, 1,
		func(a, _, _ uint64, _ Flags) (uint64, Flags, bool) { return FastSqrt64(a) },
		func(a, _, _ uint64, rm RoundingMode) (uint64, Flags) { return sqrt[uint64](a, rm) },
		func(a, _, _ uint64, rm RoundingMode, _ Flags) (uint64, Flags) { return F64Sqrt(a, rm) }},
	{"fma64", spec64, 3,
		FastMulAdd64,
		func(a, b, c uint64, rm RoundingMode) (uint64, Flags) { return mulAdd[uint64](a, b, c, rm) },
		F64MulAddAccrued},
	{"add32", spec32, 2, w32(func(a, b, _ uint32) (uint32, Flags, bool) { return FastAdd32(a, b) }),
		func(a, b, _ uint64, rm RoundingMode) (uint64, Flags) { return add[uint32](a, b, rm) },
		p32(func(a, b, _ uint32, rm RoundingMode) (uint32, Flags) { return F32Add(a, b, rm) })},
	{"sub32", spec32, 2, w32(func(a, b, _ uint32) (uint32, Flags, bool) { return FastAdd32(a, b^1<<31) }),
		func(a, b, _ uint64, rm RoundingMode) (uint64, Flags) { return add[uint32](a, b^1<<31, rm) },
		p32(func(a, b, _ uint32, rm RoundingMode) (uint32, Flags) { return F32Sub(a, b, rm) })},
	{"mul32", spec32, 2, w32(func(a, b, _ uint32) (uint32, Flags, bool) { return FastMul32(a, b) }),
		func(a, b, _ uint64, rm RoundingMode) (uint64, Flags) { return mul[uint32](a, b, rm) },
		p32(func(a, b, _ uint32, rm RoundingMode) (uint32, Flags) { return F32Mul(a, b, rm) })},
	{"div32", spec32, 2, w32(func(a, b, _ uint32) (uint32, Flags, bool) { return FastDiv32(a, b) }),
		func(a, b, _ uint64, rm RoundingMode) (uint64, Flags) { return div[uint32](a, b, rm) },
		p32(func(a, b, _ uint32, rm RoundingMode) (uint32, Flags) { return F32Div(a, b, rm) })},
	{"sqrt32", spec32, 1, w32(func(a, _, _ uint32) (uint32, Flags, bool) { return FastSqrt32(a) }),
		func(a, _, _ uint64, rm RoundingMode) (uint64, Flags) { return sqrt[uint32](a, rm) },
		p32(func(a, _, _ uint32, rm RoundingMode) (uint32, Flags) { return F32Sqrt(a, rm) })},
	{"fma32", spec32, 3, w32(FastMulAdd32),
		func(a, b, c uint64, rm RoundingMode) (uint64, Flags) { return mulAdd[uint32](a, b, c, rm) },
		p32(F32MulAdd)},
}

// operands draws the operands of one case.
func (fc *fastCase) operands(g *gen) (a, b, c uint64) {
	a = fastOperand(g)
	switch fc.arity {
	case 1:
		if g.r.IntN(3) == 0 {
			a = square(g)
			if g.r.IntN(2) == 0 {
				a += uint64(g.r.IntN(3)) - 1 // one ulp either way
			}
		}
		if g.r.IntN(4) != 0 {
			a &^= g.s.sign() // mostly positive
		}
	case 2:
		b = fastPartner(g, a)
	case 3:
		if g.r.IntN(3) == 0 {
			a, b, c = g.triple()
		} else {
			b = fastPartner(g, a)
			// The addend near the product's exponent, or anywhere.
			e := int64(g.s.expOf(a)) + int64(g.s.expOf(b)) - int64(g.s.bias())
			if g.r.IntN(2) == 0 {
				c = g.withExp(g.bool(), e+int64(g.r.IntN(2*g.s.p+7))-int64(g.s.p+3))
			} else {
				c = fastOperand(g)
			}
		}
	}
	return a, b, c
}

// check runs one case: the fast path, if it answers, equals the integer
// path; the exported operation equals the integer path under rm (for
// fma64 with the flags accrued as acc, compared as they end up in fflags).
func (fc *fastCase) check(a, b, c uint64, rm RoundingMode, acc Flags) (fast bool, err error) {
	want, wantFl := fc.slow(a, b, c, RNE)
	if r, fl, ok := fc.fast(a, b, c, acc); ok {
		if r != want || fl|acc != wantFl|acc {
			return true, fmt.Errorf("%s fast(%#x, %#x, %#x) = %#x flags %05b; integer path %#x flags %05b (accrued %05b)", fc.name, a, b, c, r, fl, want, wantFl, acc)
		}
		fast = true
	}
	if rm != RNE {
		want, wantFl = fc.slow(a, b, c, rm)
	}
	if r, fl := fc.pub(a, b, c, rm, acc); r != want || fl|acc != wantFl|acc {
		return fast, fmt.Errorf("%s(%#x, %#x, %#x, rm %d) = %#x flags %05b; integer path %#x flags %05b (accrued %05b)", fc.name, a, b, c, rm, r, fl, want, wantFl, acc)
	}
	return fast, nil
}

// TestFastPathDifferential is the differential test of issue 14: for every
// accelerated operation, fastN() operand sets (edge-biased and in-range,
// ties, exact cases, cancellations, perfect squares), every rounding mode
// and both accrued-NX states. It also requires the fast path to answer
// for a good share of them, so that the comparison is not vacuous.
func TestFastPathDifferential(t *testing.T) {
	n := fastN()
	for i := range fastOps {
		fc := &fastOps[i]
		t.Run(fc.name, func(t *testing.T) {
			t.Parallel()
			g := newGen(fc.spec, uint64(0xfa57+i))
			fast, fails := 0, 0
			for k := range n {
				a, b, c := fc.operands(g)
				rm := RoundingMode(k % 5)
				acc := Flags(g.r.IntN(32))
				f, err := fc.check(a, b, c, rm, acc)
				if f {
					fast++
				}
				if err != nil {
					t.Error(err)
					if fails++; fails > 10 {
						t.FailNow()
					}
				}
			}
			if fast < n/10 {
				t.Errorf("the fast path answered %d of %d cases; the test needs more in-range operands", fast, n)
			}
			t.Logf("%d cases, %d through the fast path", n, fast)
		})
	}
}

// fuzzFast is the fuzz target of one accelerated operation (fastOps[op]):
// the fast path against the integer path on fuzzed encodings, rm the
// rounding mode, acc the accrued flags. Each operation has a target of its
// own (below) so that make fuzz spends its time on each of them.
func fuzzFast(f *testing.F, name string) {
	var fc *fastCase
	for i := range fastOps {
		if fastOps[i].name == name {
			fc = &fastOps[i]
		}
	}
	if fc == nil {
		f.Fatalf("no fast-path operation %q", name)
	}
	one := uint64(0x3ff0000000000000)
	if fc.spec.p == 24 {
		one = 0x3f800000
	}
	f.Add(uint8(0), uint8(1), one, one+1, one)
	f.Add(uint8(0), uint8(0), one|3, one+5, one-7)
	f.Add(uint8(0), uint8(1), one, one, uint64(0))
	f.Fuzz(func(t *testing.T, rm, acc uint8, a, b, c uint64) {
		if fc.spec.p == 24 {
			a, b, c = a&0xffffffff, b&0xffffffff, c&0xffffffff
		}
		if _, err := fc.check(a, b, c, RoundingMode(rm%5), Flags(acc&31)); err != nil {
			t.Fatal(err)
		}
	})
}

func FuzzFastAdd64(f *testing.F)    { fuzzFast(f, "add64") }
func FuzzFastSub64(f *testing.F)    { fuzzFast(f, "sub64") }
func FuzzFastMul64(f *testing.F)    { fuzzFast(f, "mul64") }
func FuzzFastDiv64(f *testing.F)    { fuzzFast(f, "div64") }
func FuzzFastSqrt64(f *testing.F)   { fuzzFast(f, "sqrt64") }
func FuzzFastMulAdd64(f *testing.F) { fuzzFast(f, "fma64") }
func FuzzFastAdd32(f *testing.F)    { fuzzFast(f, "add32") }
func FuzzFastSub32(f *testing.F)    { fuzzFast(f, "sub32") }
func FuzzFastMul32(f *testing.F)    { fuzzFast(f, "mul32") }
func FuzzFastDiv32(f *testing.F)    { fuzzFast(f, "div32") }
func FuzzFastSqrt32(f *testing.F)   { fuzzFast(f, "sqrt32") }
func FuzzFastMulAdd32(f *testing.F) { fuzzFast(f, "fma32") }

// TestFuzzFastTargets keeps a fuzz target for every accelerated operation.
func TestFuzzFastTargets(t *testing.T) {
	targets := map[string]bool{"add64": true, "sub64": true, "mul64": true, "div64": true, "sqrt64": true, "fma64": true,
		"add32": true, "sub32": true, "mul32": true, "div32": true, "sqrt32": true, "fma32": true}
	for _, fc := range fastOps {
		if !targets[fc.name] {
			t.Errorf("fast-path operation %s has no fuzz target", fc.name)
		}
	}
}
