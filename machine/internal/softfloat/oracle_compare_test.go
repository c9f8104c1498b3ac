package softfloat

import (
	"flag"
	"fmt"
	"math/big"
	"testing"
)

var randomCases = flag.Int("softfloat.n", 0,
	"random oracle cases per operation, format and rounding mode (0 = the quick default)")

// casesPerMode is the number of random cases per rounding mode for one
// operation and format. The default keeps the whole package test in a
// few seconds; -softfloat.n=1000000 is the long run.
func casesPerMode() int {
	switch {
	case *randomCases > 0:
		return *randomCases
	case testing.Short():
		return 1000
	default:
		return 12000
	}
}

var allModes = []RoundingMode{RNE, RTZ, RDN, RUP, RMM}

// check reports a mismatch; the caller stops its loop on false so that
// one bug does not flood the log.
func check(t *testing.T, desc string, got uint64, gotFl Flags, want uint64, wantFl Flags) bool {
	t.Helper()
	if got == want && gotFl == wantFl {
		return true
	}
	t.Errorf("%s = %#x flags %s, want %#x flags %s", desc, got, gotFl, want, wantFl)
	return false
}

func (fl Flags) String() string {
	if fl == 0 {
		return "-"
	}
	s := ""
	for i, n := range []string{"NX", "UF", "OF", "DZ", "NV"} {
		if fl&(1<<i) != 0 {
			s += n
		}
	}
	return s
}

type binImpl func(a, b uint64, rm RoundingMode) (uint64, Flags)

func wrap32(f func(a, b uint32, rm RoundingMode) (uint32, Flags)) binImpl {
	return func(a, b uint64, rm RoundingMode) (uint64, Flags) {
		r, fl := f(uint32(a), uint32(b), rm)
		return uint64(r), fl
	}
}

// binaryOps lists the two-operand arithmetic operations with their
// implementation (through the exported API) and reference.
func binaryOps(s spec) []struct {
	name, kind string
	impl, ref  binImpl
} {
	sub := func(a, b uint64, rm RoundingMode) (uint64, Flags) { return s.refAdd(a, b^s.sign(), rm) }
	type op = struct {
		name, kind string
		impl, ref  binImpl
	}
	if s.p == 24 {
		return []op{
			{"add", "add", wrap32(F32Add), s.refAdd},
			{"sub", "add", wrap32(F32Sub), sub},
			{"mul", "mul", wrap32(F32Mul), s.refMul},
			{"div", "div", wrap32(F32Div), s.refDiv},
		}
	}
	return []op{
		{"add", "add", F64Add, s.refAdd},
		{"sub", "add", F64Sub, sub},
		{"mul", "mul", F64Mul, s.refMul},
		{"div", "div", F64Div, s.refDiv},
	}
}

var specs = []spec{spec32, spec64}

func TestOracleBinary(t *testing.T) {
	n := casesPerMode()
	for _, s := range specs {
		for _, op := range binaryOps(s) {
			t.Run(s.name+"/"+op.name, func(t *testing.T) {
				t.Parallel()
				g := newGen(s, uint64(len(op.name))<<8|uint64(s.p))
				for _, rm := range allModes {
					for range n {
						a, b := g.pair(op.kind)
						got, gotFl := op.impl(a, b, rm)
						want, wantFl := op.ref(a, b, rm)
						if !check(t, fmt.Sprintf("%s(%#x, %#x, rm=%d)", op.name, a, b, rm), got, gotFl, want, wantFl) {
							return
						}
					}
				}
			})
		}
	}
}

func TestOracleSqrt(t *testing.T) {
	n := casesPerMode()
	for _, s := range specs {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			g := newGen(s, 7)
			for _, rm := range allModes {
				for range n {
					a := g.operand()
					if g.r.IntN(4) != 0 {
						a &^= s.sign() // mostly the interesting half
					}
					got, gotFl := implSqrt(s, a, rm)
					want, wantFl := s.refSqrt(a, rm)
					if !check(t, fmt.Sprintf("sqrt(%#x, rm=%d)", a, rm), got, gotFl, want, wantFl) {
						return
					}
				}
			}
		})
	}
}

func implSqrt(s spec, a uint64, rm RoundingMode) (uint64, Flags) {
	if s.p == 24 {
		r, fl := F32Sqrt(uint32(a), rm)
		return uint64(r), fl
	}
	return F64Sqrt(a, rm)
}

func implMulAdd(s spec, a, b, c uint64, rm RoundingMode) (uint64, Flags) {
	if s.p == 24 {
		r, fl := F32MulAdd(uint32(a), uint32(b), uint32(c), rm)
		return uint64(r), fl
	}
	return F64MulAdd(a, b, c, rm)
}

func TestOracleMulAdd(t *testing.T) {
	n := casesPerMode()
	for _, s := range specs {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			g := newGen(s, 11)
			for _, rm := range allModes {
				for range n {
					a, b, c := g.triple()
					got, gotFl := implMulAdd(s, a, b, c, rm)
					want, wantFl := s.refMulAdd(a, b, c, rm)
					if !check(t, fmt.Sprintf("mulAdd(%#x, %#x, %#x, rm=%d)", a, b, c, rm), got, gotFl, want, wantFl) {
						return
					}
				}
			}
		})
	}
}

// toIntOps lists the float-to-integer conversions of a format; results
// are compared as width-bit patterns.
func toIntOps(s spec) []struct {
	name   string
	signed bool
	width  uint
	impl   func(a uint64, rm RoundingMode) (uint64, Flags)
} {
	type op = struct {
		name   string
		signed bool
		width  uint
		impl   func(a uint64, rm RoundingMode) (uint64, Flags)
	}
	if s.p == 24 {
		return []op{
			{"toI32", true, 32, func(a uint64, rm RoundingMode) (uint64, Flags) {
				v, fl := F32ToI32(uint32(a), rm)
				return uint64(uint32(v)), fl
			}},
			{"toU32", false, 32, func(a uint64, rm RoundingMode) (uint64, Flags) {
				v, fl := F32ToU32(uint32(a), rm)
				return uint64(v), fl
			}},
			{"toI64", true, 64, func(a uint64, rm RoundingMode) (uint64, Flags) {
				v, fl := F32ToI64(uint32(a), rm)
				return uint64(v), fl
			}},
			{"toU64", false, 64, func(a uint64, rm RoundingMode) (uint64, Flags) { return F32ToU64(uint32(a), rm) }},
		}
	}
	return []op{
		{"toI32", true, 32, func(a uint64, rm RoundingMode) (uint64, Flags) {
			v, fl := F64ToI32(a, rm)
			return uint64(uint32(v)), fl
		}},
		{"toU32", false, 32, func(a uint64, rm RoundingMode) (uint64, Flags) {
			v, fl := F64ToU32(a, rm)
			return uint64(v), fl
		}},
		{"toI64", true, 64, func(a uint64, rm RoundingMode) (uint64, Flags) {
			v, fl := F64ToI64(a, rm)
			return uint64(v), fl
		}},
		{"toU64", false, 64, F64ToU64},
	}
}

func TestOracleToInt(t *testing.T) {
	n := casesPerMode()
	for _, s := range specs {
		for _, op := range toIntOps(s) {
			t.Run(s.name+"/"+op.name, func(t *testing.T) {
				t.Parallel()
				g := newGen(s, uint64(op.width)<<1|uint64(s.p))
				for _, rm := range allModes {
					for range n {
						a := g.operand()
						if g.bool() {
							// Around the integer range: exponents −3 … 66.
							a = g.withExp(g.bool(), int64(s.bias())+int64(g.r.IntN(70))-3)
						}
						got, gotFl := op.impl(a, rm)
						want, wantFl := s.refToInt(a, rm, op.signed, op.width)
						if !check(t, fmt.Sprintf("%s(%#x, rm=%d)", op.name, a, rm), got, gotFl, want, wantFl) {
							return
						}
					}
				}
			})
		}
	}
}

// fromIntOps lists the integer-to-float conversions of a format; the
// operand is a width-bit pattern.
func fromIntOps(s spec) []struct {
	name   string
	signed bool
	width  uint
	impl   func(v uint64, rm RoundingMode) (uint64, Flags)
} {
	type op = struct {
		name   string
		signed bool
		width  uint
		impl   func(v uint64, rm RoundingMode) (uint64, Flags)
	}
	if s.p == 24 {
		return []op{
			{"fromI32", true, 32, func(v uint64, rm RoundingMode) (uint64, Flags) {
				r, fl := I32ToF32(int32(v), rm)
				return uint64(r), fl
			}},
			{"fromU32", false, 32, func(v uint64, rm RoundingMode) (uint64, Flags) {
				r, fl := U32ToF32(uint32(v), rm)
				return uint64(r), fl
			}},
			{"fromI64", true, 64, func(v uint64, rm RoundingMode) (uint64, Flags) {
				r, fl := I64ToF32(int64(v), rm)
				return uint64(r), fl
			}},
			{"fromU64", false, 64, func(v uint64, rm RoundingMode) (uint64, Flags) {
				r, fl := U64ToF32(v, rm)
				return uint64(r), fl
			}},
		}
	}
	return []op{
		{"fromI32", true, 32, func(v uint64, rm RoundingMode) (uint64, Flags) { return I32ToF64(int32(v), rm) }},
		{"fromU32", false, 32, func(v uint64, rm RoundingMode) (uint64, Flags) { return U32ToF64(uint32(v), rm) }},
		{"fromI64", true, 64, func(v uint64, rm RoundingMode) (uint64, Flags) { return I64ToF64(int64(v), rm) }},
		{"fromU64", false, 64, U64ToF64},
	}
}

func TestOracleFromInt(t *testing.T) {
	n := casesPerMode()
	for _, s := range specs {
		for _, op := range fromIntOps(s) {
			t.Run(s.name+"/"+op.name, func(t *testing.T) {
				t.Parallel()
				g := newGen(s, uint64(op.width)<<2|uint64(s.p))
				for _, rm := range allModes {
					for range n {
						v := g.integer(op.width)
						got, gotFl := op.impl(v, rm)
						want, wantFl := s.refFromInt(intValue(v, op.signed, op.width), rm)
						if !check(t, fmt.Sprintf("%s(%#x, rm=%d)", op.name, v, rm), got, gotFl, want, wantFl) {
							return
						}
					}
				}
			})
		}
	}
}

// intValue interprets the width-bit pattern v.
func intValue(v uint64, signed bool, width uint) *big.Int {
	x := new(big.Int).SetUint64(v)
	if signed && v>>(width-1)&1 != 0 {
		x.Sub(x, new(big.Int).Lsh(big.NewInt(1), width))
	}
	return x
}

func TestOracleConvertFormats(t *testing.T) {
	n := casesPerMode()
	t.Run("f64ToF32", func(t *testing.T) {
		t.Parallel()
		g := newGen(spec64, 3)
		for _, rm := range allModes {
			for range n {
				a := g.operand()
				if g.bool() {
					// Exponents that land around binary32's range.
					a = g.withExp(g.bool(), int64(spec64.bias())+int64(g.r.IntN(320))-170)
				}
				got, gotFl := F64ToF32(a, rm)
				want, wantFl := refConvert(spec64, spec32, a, rm)
				if !check(t, fmt.Sprintf("F64ToF32(%#x, rm=%d)", a, rm), uint64(got), gotFl, want, wantFl) {
					return
				}
			}
		}
	})
	t.Run("f32ToF64", func(t *testing.T) {
		t.Parallel()
		g := newGen(spec32, 5)
		for range 5 * n {
			a := g.operand()
			got, gotFl := F32ToF64(uint32(a))
			want, wantFl := refConvert(spec32, spec64, a, RNE)
			if !check(t, fmt.Sprintf("F32ToF64(%#x)", a), got, gotFl, want, wantFl) {
				return
			}
		}
	})
}
