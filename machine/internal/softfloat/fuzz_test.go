package softfloat

import (
	"fmt"
	"testing"
)

// Fuzz targets compare the implementation with the big.Float oracle on
// arbitrary encodings; rm is reduced to the five static modes. Run one
// with, for example:
//
//	go test -run '^$' -fuzz FuzzF64MulAdd ./machine/internal/softfloat

func fuzzMode(rm uint8) RoundingMode { return RoundingMode(rm % 5) }

func fuzzCheck(t *testing.T, desc string, got uint64, gotFl Flags, want uint64, wantFl Flags) {
	t.Helper()
	if got != want || gotFl != wantFl {
		t.Fatalf("%s = %#x flags %s, want %#x flags %s", desc, got, gotFl, want, wantFl)
	}
}

func FuzzF64MulAdd(f *testing.F) {
	f.Add(uint64(inf64), uint64(zero64), uint64(CanonicalNaN64), uint8(0))
	f.Add(uint64(0x3ff0000002000000), uint64(0x3ff0000002000000), uint64(none64), uint8(0))
	f.Add(uint64(0x3fefffffffffffff), uint64(0x0010000000000000), uint64(nzero64), uint8(2))
	f.Add(uint64(max64), uint64(two64), uint64(max64|nzero64), uint8(1))
	f.Fuzz(func(t *testing.T, a, b, c uint64, rm uint8) {
		m := fuzzMode(rm)
		got, gotFl := F64MulAdd(a, b, c, m)
		want, wantFl := spec64.refMulAdd(a, b, c, m)
		fuzzCheck(t, fmt.Sprintf("F64MulAdd(%#x, %#x, %#x, rm=%d)", a, b, c, m), got, gotFl, want, wantFl)
	})
}

func FuzzF32MulAdd(f *testing.F) {
	f.Add(uint32(inf32), uint32(zero32), uint32(qNaN32), uint8(0))
	f.Add(uint32(one32), uint32(one32), uint32(none32), uint8(2))
	f.Add(uint32(minNorm32), uint32(0x33800000), uint32(nzero32), uint8(3))
	f.Fuzz(func(t *testing.T, a, b, c uint32, rm uint8) {
		m := fuzzMode(rm)
		got, gotFl := F32MulAdd(a, b, c, m)
		want, wantFl := spec32.refMulAdd(uint64(a), uint64(b), uint64(c), m)
		fuzzCheck(t, fmt.Sprintf("F32MulAdd(%#x, %#x, %#x, rm=%d)", a, b, c, m), uint64(got), gotFl, want, wantFl)
	})
}

// arith runs operation op (add, sub, mul, div, sqrt) of format s on the
// implementation and the oracle.
func arith(s spec, op uint8, a, b uint64, rm RoundingMode) (name string, got uint64, gotFl Flags, want uint64, wantFl Flags) {
	ops := binaryOps(s)
	if i := int(op % 5); i < len(ops) {
		got, gotFl = ops[i].impl(a, b, rm)
		want, wantFl = ops[i].ref(a, b, rm)
		return ops[i].name, got, gotFl, want, wantFl
	}
	got, gotFl = implSqrt(s, a, rm)
	want, wantFl = s.refSqrt(a, rm)
	return "sqrt", got, gotFl, want, wantFl
}

func FuzzF64Arith(f *testing.F) {
	f.Add(uint64(one64), uint64(none64), uint8(0), uint8(2))
	f.Add(uint64(max64), uint64(two64), uint8(2), uint8(4))
	f.Add(uint64(one64), uint64(zero64), uint8(3), uint8(0))
	f.Add(uint64(two64), uint64(0), uint8(4), uint8(0))
	f.Fuzz(func(t *testing.T, a, b uint64, op, rm uint8) {
		name, got, gotFl, want, wantFl := arith(spec64, op, a, b, fuzzMode(rm))
		fuzzCheck(t, fmt.Sprintf("f64 %s(%#x, %#x, rm=%d)", name, a, b, fuzzMode(rm)), got, gotFl, want, wantFl)
	})
}

func FuzzF32Arith(f *testing.F) {
	f.Add(uint32(one32), uint32(0x33800000), uint8(0), uint8(0))
	f.Add(uint32(max32), uint32(two32), uint8(2), uint8(1))
	f.Add(uint32(one32), uint32(0x40400000), uint8(3), uint8(3))
	f.Add(uint32(two32), uint32(0), uint8(4), uint8(0))
	f.Fuzz(func(t *testing.T, a, b uint32, op, rm uint8) {
		name, got, gotFl, want, wantFl := arith(spec32, op, uint64(a), uint64(b), fuzzMode(rm))
		fuzzCheck(t, fmt.Sprintf("f32 %s(%#x, %#x, rm=%d)", name, a, b, fuzzMode(rm)), got, gotFl, want, wantFl)
	})
}

// FuzzConvert covers every float-to-integer, integer-to-float and
// format conversion with the same input bits.
func FuzzConvert(f *testing.F) {
	f.Add(uint64(0xc1e0000000100000), uint8(0))
	f.Add(uint64(0xbfd3333333333333), uint8(2))
	f.Add(uint64(0x380ffffff0000000), uint8(1))
	f.Add(uint64(0xffffffffffffffff), uint8(4))
	f.Fuzz(func(t *testing.T, x uint64, rm uint8) {
		m := fuzzMode(rm)
		for _, s := range specs {
			a := x & s.mask()
			for _, op := range toIntOps(s) {
				got, gotFl := op.impl(a, m)
				want, wantFl := s.refToInt(a, m, op.signed, op.width)
				fuzzCheck(t, fmt.Sprintf("%s %s(%#x, rm=%d)", s.name, op.name, a, m), got, gotFl, want, wantFl)
			}
			for _, op := range fromIntOps(s) {
				v := x
				if op.width == 32 {
					v = x & 0xffffffff
				}
				got, gotFl := op.impl(v, m)
				want, wantFl := s.refFromInt(intValue(v, op.signed, op.width), m)
				fuzzCheck(t, fmt.Sprintf("%s %s(%#x, rm=%d)", s.name, op.name, v, m), got, gotFl, want, wantFl)
			}
		}
		got, gotFl := F64ToF32(x, m)
		want, wantFl := refConvert(spec64, spec32, x, m)
		fuzzCheck(t, fmt.Sprintf("F64ToF32(%#x, rm=%d)", x, m), uint64(got), gotFl, want, wantFl)
		wide, wideFl := F32ToF64(uint32(x))
		want, wantFl = refConvert(spec32, spec64, x&0xffffffff, RNE)
		fuzzCheck(t, fmt.Sprintf("F32ToF64(%#x)", uint32(x)), wide, wideFl, want, wantFl)
	})
}
