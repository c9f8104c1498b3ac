package softfloat

// The comparison, min/max and classify operations of the F and D
// extensions (unprivileged ISA, F extension, sections "Single-Precision
// Floating-Point Compare Instructions", "... Computational Instructions"
// and "... Classify Instruction").

// totalLess reports a < b for non-NaN a and b, ordering −0 below +0 as
// fmin and fmax require.
func totalLess[T encoding](a, b uint64) bool {
	f := formatOf[T]()
	negA, negB := f.isNeg(a), f.isNeg(b)
	switch {
	case negA != negB:
		return negA
	case negA:
		return a > b
	default:
		return a < b
	}
}

// minMax implements fmin (wantMax false) and fmax (wantMax true): IEEE 754-2019
// minimumNumber/maximumNumber as adopted by RISC-V from version 2.2 of the
// F extension. When exactly one operand is a NaN the other is returned;
// two NaNs give the canonical NaN; any signalling NaN raises NV.
func minMax[T encoding](a, b uint64, wantMax bool) (uint64, Flags) {
	f := formatOf[T]()
	var fl Flags
	if f.isSNaN(a) || f.isSNaN(b) {
		fl = NV
	}
	switch nanA, nanB := f.isNaN(a), f.isNaN(b); {
	case nanA && nanB:
		return f.canonicalNaN(), fl
	case nanA:
		return b, fl
	case nanB:
		return a, fl
	}
	if totalLess[T](a, b) != wantMax {
		return a, fl
	}
	return b, fl
}

// eq is the quiet comparison of feq: NaNs compare unequal and raise NV
// only when signalling; +0 equals −0.
func eq[T encoding](a, b uint64) (bool, Flags) {
	f := formatOf[T]()
	if f.isNaN(a) || f.isNaN(b) {
		_, fl := invalidNaN[T](a, b)
		return false, fl
	}
	return a == b || f.isZero(a) && f.isZero(b), 0
}

// lt is the signalling comparison of flt: any NaN operand raises NV.
func lt[T encoding](a, b uint64) (bool, Flags) {
	f := formatOf[T]()
	if f.isNaN(a) || f.isNaN(b) {
		return false, NV
	}
	if f.isZero(a) && f.isZero(b) {
		return false, 0
	}
	return totalLess[T](a, b), 0
}

// le is the signalling comparison of fle: any NaN operand raises NV.
func le[T encoding](a, b uint64) (bool, Flags) {
	f := formatOf[T]()
	if f.isNaN(a) || f.isNaN(b) {
		return false, NV
	}
	if f.isZero(a) && f.isZero(b) {
		return true, 0
	}
	return a == b || totalLess[T](a, b), 0
}

// Bits of the fclass result (unprivileged ISA, table "Format of result of
// FCLASS instruction").
const (
	classNegInf       = 1 << 0
	classNegNormal    = 1 << 1
	classNegSubnormal = 1 << 2
	classNegZero      = 1 << 3
	classPosZero      = 1 << 4
	classPosSubnormal = 1 << 5
	classPosNormal    = 1 << 6
	classPosInf       = 1 << 7
	classSNaN         = 1 << 8
	classQNaN         = 1 << 9
)

// class returns the fclass mask of a: exactly one bit is set.
func class[T encoding](a uint64) uint64 {
	f := formatOf[T]()
	neg := f.isNeg(a)
	e := f.expField(a)
	switch {
	case f.isSNaN(a):
		return classSNaN
	case f.isNaN(a):
		return classQNaN
	case e == f.expMax() && neg:
		return classNegInf
	case e == f.expMax():
		return classPosInf
	case e != 0 && neg:
		return classNegNormal
	case e != 0:
		return classPosNormal
	case a&f.fracMask() != 0 && neg:
		return classNegSubnormal
	case a&f.fracMask() != 0:
		return classPosSubnormal
	case neg:
		return classNegZero
	default:
		return classPosZero
	}
}
