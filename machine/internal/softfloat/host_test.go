//go:build amd64

package softfloat

import (
	"math"
	"testing"
)

// The host's SSE2 arithmetic is a second, independent oracle for results
// under round-to-nearest-even. It has no flags and its NaN payloads are
// its own, so only result encodings are compared, and a host NaN only
// requires the canonical NaN from this package. Each host operation is
// a single operation whose result is converted explicitly, so the
// compiler cannot fuse it with anything.

// hostCases is the number of random cases per format.
func hostCases() int {
	switch {
	case *randomCases > 0:
		return *randomCases
	case testing.Short():
		return 100_000
	default:
		return 1_000_000
	}
}

// hostCheck is one comparison of a result with the host's.
type hostCheck struct {
	name string
	got  uint64
	host uint64 // host result encoding, or the canonical NaN for any host NaN
}

func host64(x float64) uint64 {
	if math.IsNaN(x) {
		return CanonicalNaN64
	}
	return math.Float64bits(x)
}

func host32(x float32) uint64 {
	if x != x {
		return uint64(CanonicalNaN32)
	}
	return uint64(math.Float32bits(x))
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// hostOperand mixes edge-biased operands with uniformly random encodings.
func hostOperand(g *gen) uint64 {
	if g.bool() {
		return g.r.Uint64() & g.s.mask()
	}
	return g.operand()
}

func runHost(t *testing.T, g *gen, cases func(a, b, c uint64, checks []hostCheck) []hostCheck) {
	checks := make([]hostCheck, 0, 32)
	for i := range hostCases() {
		a, b := g.pair([]string{"add", "mul", "div"}[i%3])
		if i%4 == 0 {
			a, b = hostOperand(g), hostOperand(g)
		}
		c := hostOperand(g)
		checks = cases(a, b, c, checks[:0])
		for _, ch := range checks {
			if ch.got != ch.host {
				t.Fatalf("%s %s with a=%#x b=%#x c=%#x: got %#x, host gives %#x",
					g.s.name, ch.name, a, b, c, ch.got, ch.host)
			}
		}
	}
}

func TestHostF64(t *testing.T) {
	t.Parallel()
	f := math.Float64frombits
	runHost(t, newGen(spec64, 101), func(a, b, c uint64, checks []hostCheck) []hostCheck {
		x, y, z := f(a), f(b), f(c)
		add, _ := F64Add(a, b, RNE)
		sub, _ := F64Sub(a, b, RNE)
		mul, _ := F64Mul(a, b, RNE)
		div, _ := F64Div(a, b, RNE)
		sqrt, _ := F64Sqrt(a, RNE)
		fma, _ := F64MulAdd(a, b, c, RNE)
		narrow, _ := F64ToF32(a, RNE)
		fromI, _ := I64ToF64(int64(a), RNE)
		fromU, _ := U64ToF64(a, RNE)
		eq, _ := F64Eq(a, b)
		lt, _ := F64Lt(a, b)
		le, _ := F64Le(a, b)
		checks = append(checks,
			hostCheck{"add(a,b)", add, host64(float64(x + y))},
			hostCheck{"sub(a,b)", sub, host64(float64(x - y))},
			hostCheck{"mul(a,b)", mul, host64(float64(x * y))},
			hostCheck{"div(a,b)", div, host64(float64(x / y))},
			hostCheck{"sqrt(a)", sqrt, host64(math.Sqrt(x))},
			hostCheck{"mulAdd(a,b,c)", fma, host64(math.FMA(x, y, z))},
			hostCheck{"toF32(a)", uint64(narrow), host32(float32(x))},
			hostCheck{"fromI64(a)", fromI, host64(float64(int64(a)))},
			hostCheck{"fromU64(a)", fromU, host64(float64(a))},
			hostCheck{"eq(a,b)", b2u(eq), b2u(x == y)},
			hostCheck{"lt(a,b)", b2u(lt), b2u(x < y)},
			hostCheck{"le(a,b)", b2u(le), b2u(x <= y)},
		)
		if !math.IsNaN(x) && math.Abs(x) < 1<<63 {
			n, _ := F64ToI64(a, RTZ)
			checks = append(checks, hostCheck{"toI64(a, RTZ)", uint64(n), uint64(int64(x))})
		}
		return checks
	})
}

func TestHostF32(t *testing.T) {
	t.Parallel()
	f := math.Float32frombits
	runHost(t, newGen(spec32, 102), func(a64, b64, c64 uint64, checks []hostCheck) []hostCheck {
		a, b := uint32(a64), uint32(b64)
		x, y := f(a), f(b)
		w := int64(c64<<32 | a64)
		add, _ := F32Add(a, b, RNE)
		sub, _ := F32Sub(a, b, RNE)
		mul, _ := F32Mul(a, b, RNE)
		div, _ := F32Div(a, b, RNE)
		sqrt, _ := F32Sqrt(a, RNE)
		fromI32, _ := I32ToF32(int32(a), RNE)
		fromU32, _ := U32ToF32(a, RNE)
		fromI64, _ := I64ToF32(w, RNE)
		fromU64, _ := U64ToF32(uint64(w), RNE)
		eq, _ := F32Eq(a, b)
		lt, _ := F32Lt(a, b)
		le, _ := F32Le(a, b)
		checks = append(checks,
			hostCheck{"add(a,b)", uint64(add), host32(float32(x + y))},
			hostCheck{"sub(a,b)", uint64(sub), host32(float32(x - y))},
			hostCheck{"mul(a,b)", uint64(mul), host32(float32(x * y))},
			hostCheck{"div(a,b)", uint64(div), host32(float32(x / y))},
			// The binary64 root rounded to binary32 is correctly rounded:
			// 53 ≥ 2×24+2 rules out double-rounding errors for square roots.
			hostCheck{"sqrt(a)", uint64(sqrt), host32(float32(math.Sqrt(float64(x))))},
			hostCheck{"fromI32(a)", uint64(fromI32), host32(float32(int32(a)))},
			hostCheck{"fromU32(a)", uint64(fromU32), host32(float32(a))},
			hostCheck{"fromI64(c:a)", uint64(fromI64), host32(float32(w))},
			hostCheck{"fromU64(c:a)", uint64(fromU64), host32(float32(uint64(w)))},
			hostCheck{"eq(a,b)", b2u(eq), b2u(x == y)},
			hostCheck{"lt(a,b)", b2u(lt), b2u(x < y)},
			hostCheck{"le(a,b)", b2u(le), b2u(x <= y)},
		)
		if x == x {
			wide, _ := F32ToF64(a)
			checks = append(checks, hostCheck{"toF64(a)", wide, host64(float64(x))})
			if math.Abs(float64(x)) < 1<<31 {
				n, _ := F32ToI32(a, RTZ)
				checks = append(checks, hostCheck{"toI32(a, RTZ)", uint64(uint32(n)), uint64(uint32(int32(x)))})
			}
		}
		return checks
	})
}
