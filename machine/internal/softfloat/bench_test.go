package softfloat

import "testing"

// Benchmarks cycle through a fixed set of ordinary operands (normal
// numbers with full significands), the common case for FP workloads.
var benchOperands64 = [8]uint64{
	0x3ff3c0ca428c59fb, 0x400921fb54442d18, 0xc0590ccccccccccd, 0x3fe6a09e667f3bcd,
	0x40c81cd6e631f8a1, 0xbfc999999999999a, 0x4123d5a1f212d773, 0x3f50624dd2f1a9fc,
}

var benchOperands32 = [8]uint32{
	0x3f9e0652, 0x40490fdb, 0xc2c86666, 0x3f3504f3, 0x4640e6b7, 0xbe4ccccd, 0x491ead0f, 0x3a83126f,
}

var sink64 uint64
var sink32 uint32
var sinkFl Flags

func benchBinary64(b *testing.B, op func(a, b uint64, rm RoundingMode) (uint64, Flags)) {
	b.ReportAllocs()
	var acc uint64
	var fl Flags
	for i := range b.N {
		r, f := op(benchOperands64[i&7], benchOperands64[(i+3)&7], RNE)
		acc ^= r
		fl |= f
	}
	sink64, sinkFl = acc, fl
}

func benchBinary32(b *testing.B, op func(a, b uint32, rm RoundingMode) (uint32, Flags)) {
	b.ReportAllocs()
	var acc uint32
	var fl Flags
	for i := range b.N {
		r, f := op(benchOperands32[i&7], benchOperands32[(i+3)&7], RNE)
		acc ^= r
		fl |= f
	}
	sink32, sinkFl = acc, fl
}

func BenchmarkF64Add(b *testing.B) { benchBinary64(b, F64Add) }
func BenchmarkF64Mul(b *testing.B) { benchBinary64(b, F64Mul) }
func BenchmarkF64Div(b *testing.B) { benchBinary64(b, F64Div) }
func BenchmarkF32Add(b *testing.B) { benchBinary32(b, F32Add) }
func BenchmarkF32Mul(b *testing.B) { benchBinary32(b, F32Mul) }
func BenchmarkF32Div(b *testing.B) { benchBinary32(b, F32Div) }

func BenchmarkF64Sqrt(b *testing.B) {
	benchBinary64(b, func(a, _ uint64, rm RoundingMode) (uint64, Flags) { return F64Sqrt(a&^(1<<63), rm) })
}

func BenchmarkF32Sqrt(b *testing.B) {
	benchBinary32(b, func(a, _ uint32, rm RoundingMode) (uint32, Flags) { return F32Sqrt(a&^(1<<31), rm) })
}

func BenchmarkF64MulAdd(b *testing.B) {
	benchBinary64(b, func(a, c uint64, rm RoundingMode) (uint64, Flags) { return F64MulAdd(a, c, a^c, rm) })
}

func BenchmarkF32MulAdd(b *testing.B) {
	benchBinary32(b, func(a, c uint32, rm RoundingMode) (uint32, Flags) { return F32MulAdd(a, c, a^c, rm) })
}

func BenchmarkF64ToI64(b *testing.B) {
	benchBinary64(b, func(a, _ uint64, rm RoundingMode) (uint64, Flags) {
		v, fl := F64ToI64(a, rm)
		return uint64(v), fl
	})
}

func BenchmarkI64ToF64(b *testing.B) {
	benchBinary64(b, func(a, _ uint64, rm RoundingMode) (uint64, Flags) { return I64ToF64(int64(a>>12), rm) })
}

func BenchmarkF64Lt(b *testing.B) {
	benchBinary64(b, func(a, c uint64, _ RoundingMode) (uint64, Flags) {
		lt, fl := F64Lt(a, c)
		return b2u64(lt), fl
	})
}

func b2u64(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}
