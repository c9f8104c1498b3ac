package softfloat

import "math/bits"

// format selects one of the two IEEE 754 binary interchange formats the
// F and D extensions use. Encodings of both are held in the low bits of a
// uint64, so a single implementation of each operation serves both; the
// operations take the format as a type parameter (see encoding) so that
// each is compiled once per format with its parameters as constants.
type format uint8

const (
	binary32 format = iota // F extension: 1 sign, 8 exponent, 23 fraction bits
	binary64               // D extension: 1 sign, 11 exponent, 52 fraction bits
)

// The format parameters below are computed arithmetically from f (0 or
// 1) rather than by branching, which keeps them cheap to inline and lets
// them fold to constants once f is known.

// fracBits is the number of stored fraction bits (23 or 52); the
// precision p is one more.
func (f format) fracBits() uint { return 23 + 29*uint(f) }

// expMax is the all-ones biased exponent (0xff or 0x7ff) that encodes
// infinities and NaNs.
func (f format) expMax() int32 { return 0xff | 0x700*int32(f) }

// bias is the exponent bias (127 or 1023); emin = 1 − bias and
// emax = bias.
func (f format) bias() int32 { return 127 + 896*int32(f) }

// signBit is the mask of the sign bit (bit 31 or 63).
func (f format) signBit() uint64 { return 1 << (31 + 32*uint(f)) }

// canonicalNaN is the RISC-V canonical NaN: positive, quiet, zero payload.
func (f format) canonicalNaN() uint64 {
	if f == binary32 {
		return uint64(CanonicalNaN32)
	}
	return CanonicalNaN64
}

func (f format) fracMask() uint64 { return 1<<f.fracBits() - 1 }

// expField is the biased exponent of x.
func (f format) expField(x uint64) int32 { return int32(x>>f.fracBits()) & f.expMax() }

func (f format) isNaN(x uint64) bool {
	return f.expField(x) == f.expMax() && x&f.fracMask() != 0
}

// isSNaN reports a signalling NaN: a NaN whose most significant fraction
// bit (the IEEE 754-2008 quiet bit) is clear.
func (f format) isSNaN(x uint64) bool {
	return f.isNaN(x) && x&(1<<(f.fracBits()-1)) == 0
}

func (f format) isInf(x uint64) bool { return x&^f.signBit() == uint64(f.expMax())<<f.fracBits() }

func (f format) isZero(x uint64) bool { return x&^f.signBit() == 0 }

func (f format) isNeg(x uint64) bool { return x&f.signBit() != 0 }

func (f format) signIf(neg bool) uint64 {
	if neg {
		return f.signBit()
	}
	return 0
}

func (f format) zero(neg bool) uint64 { return f.signIf(neg) }

func (f format) inf(neg bool) uint64 { return f.signIf(neg) | uint64(f.expMax())<<f.fracBits() }

// maxFinite is the largest-magnitude finite number with the given sign.
func (f format) maxFinite(neg bool) uint64 {
	return f.signIf(neg) | uint64(f.expMax()-1)<<f.fracBits() | f.fracMask()
}

// unpack splits a finite non-zero x into its sign, the unbiased exponent
// of its leading one bit, and its significand with that leading one at
// bit fracBits. Subnormals are normalised, so exp may be below emin.
func unpack[T encoding](x uint64) (neg bool, exp int32, sig uint64) {
	f := formatOf[T]()
	e := f.expField(x)
	if e == 0 {
		return unpackSubnormal[T](x)
	}
	return f.isNeg(x), e - f.bias(), x&f.fracMask() | 1<<f.fracBits()
}

// unpackSubnormal is unpack for a non-zero x with a zero exponent field,
// kept out of line so that the common case inlines.
func unpackSubnormal[T encoding](x uint64) (neg bool, exp int32, sig uint64) {
	f := formatOf[T]()
	sig = x & f.fracMask()
	shift := bits.LeadingZeros64(sig) - (63 - int(f.fracBits()))
	return f.isNeg(x), 1 - f.bias() - int32(shift), sig << uint(shift)
}

// invalidNaN returns the canonical NaN for an operation with a NaN operand:
// NV is raised when any operand is a signalling NaN (unprivileged ISA,
// section "NaN Generation and Propagation").
func invalidNaN[T encoding](a, b uint64) (uint64, Flags) {
	f := formatOf[T]()
	if f.isSNaN(a) || f.isSNaN(b) {
		return f.canonicalNaN(), NV
	}
	return f.canonicalNaN(), 0
}

// encoding is the Go type that holds a format's encodings: uint32 for
// binary32 and uint64 for binary64. The operations are generic over it
// only so that the compiler instantiates them once per format, with the
// format's parameters folded to constants; values are handled as uint64
// inside.
type encoding interface{ uint32 | uint64 }

// formatOf returns the format whose encodings T holds.
func formatOf[T encoding]() format {
	if uint64(^T(0)) == 1<<32-1 {
		return binary32
	}
	return binary64
}
