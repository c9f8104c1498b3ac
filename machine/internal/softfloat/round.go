package softfloat

// roundPack rounds the non-zero value sig × 2^(exp−62), whose leading one
// is at bit 62 of sig, to the format of T under rm and encodes it with sign neg.
//
// Bits of sig below the target precision are the round bits; callers fold
// anything lost further down into bit 0 ("sticky"), which is all correct
// rounding needs as long as it stays below the round-half position.
//
// Flags follow IEEE 754-2008 section 7 with the RISC-V choice of detecting
// tininess after rounding (unprivileged ISA, F extension, "Floating-Point
// Control and Status Register"): the result is tiny when rounding it to the
// target precision with an unbounded exponent range gives a magnitude below
// 2^emin, and UF is raised when the result is tiny and inexact. Overflow
// (rounded result beyond the largest finite number) raises OF|NX and yields
// infinity or the largest finite number according to rm (IEEE 754-2008
// section 7.4).
func roundPack[T encoding](neg bool, exp int32, sig uint64, rm RoundingMode) (uint64, Flags) {
	f := formatOf[T]()
	frac := f.fracBits()
	shift := 62 - frac // round bits below the p-bit significand
	be := exp + f.bias()
	if be >= f.expMax() {
		return overflow[T](neg, rm)
	}
	var fl Flags
	tiny := false
	if be < 1 {
		// Below the normal range. With be == 0 the value is in
		// [2^(emin−1), 2^emin) and escapes tininess only if rounding at full
		// precision carries it up to 2^emin.
		tiny = be < 0 || !carriesOut(rm, neg, sig, shift, frac+1)
		sig = shiftRightJam(sig, uint(1-be))
		be = 1
	}
	q := sig >> shift
	if r := sig & (1<<shift - 1); r != 0 {
		fl = NX
		if tiny {
			fl |= UF
		}
		if roundUp(rm, neg, q, r, shift) {
			q++
		}
	}
	// Adding q, which has its leading one at bit frac for normal results,
	// to the exponent field minus one lets a rounding carry bump the
	// exponent and lets a subnormal that rounds up become the smallest
	// normal number.
	x := uint64(be-1)<<frac + q
	if x>>frac >= uint64(f.expMax()) {
		return overflow[T](neg, rm)
	}
	return f.signIf(neg) | x, fl
}

// carriesOut reports whether rounding sig, a value with round bits below
// bit shift and a p-bit significand above them, increments the all-ones
// significand into the next binade.
func carriesOut(rm RoundingMode, neg bool, sig uint64, shift, p uint) bool {
	q := sig >> shift
	r := sig & (1<<shift - 1)
	return q == 1<<p-1 && r != 0 && roundUp(rm, neg, q, r, shift)
}

// roundUp reports whether the truncated magnitude q, with non-zero
// remainder r of shift bits, must be incremented under rm
// (IEEE 754-2008 section 4.3).
func roundUp(rm RoundingMode, neg bool, q, r uint64, shift uint) bool {
	half := uint64(1) << (shift - 1)
	switch rm {
	case RTZ:
		return false
	case RDN:
		return neg
	case RUP:
		return !neg
	case RMM:
		return r >= half
	default: // RNE
		return r > half || r == half && q&1 != 0
	}
}

// overflow returns the result of an overflowing operation
// (IEEE 754-2008 section 7.4): infinity when rm rounds away from zero in
// the result's direction, otherwise the largest finite number.
func overflow[T encoding](neg bool, rm RoundingMode) (uint64, Flags) {
	f := formatOf[T]()
	toMax := rm == RTZ || rm == RDN && !neg || rm == RUP && neg
	if toMax {
		return f.maxFinite(neg), OF | NX
	}
	return f.inf(neg), OF | NX
}

// shiftRightJam shifts x right by n, ORing every bit shifted out into
// bit 0 so that inexactness is not lost.
func shiftRightJam(x uint64, n uint) uint64 {
	if n >= 64 {
		if x != 0 {
			return 1
		}
		return 0
	}
	if x<<(64-n) != 0 {
		return x>>n | 1
	}
	return x >> n
}

// shiftRightJam128 is shiftRightJam for the 128-bit value hi:lo.
func shiftRightJam128(hi, lo uint64, n uint) (uint64, uint64) {
	switch {
	case n == 0:
		return hi, lo
	case n < 64:
		sticky := lo<<(64-n) != 0
		lo = hi<<(64-n) | lo>>n
		if sticky {
			lo |= 1
		}
		return hi >> n, lo
	case n < 128:
		sticky := lo != 0 || hi<<(128-n) != 0
		lo = hi >> (n - 64)
		if sticky {
			lo |= 1
		}
		return 0, lo
	default:
		if hi|lo != 0 {
			return 0, 1
		}
		return 0, 0
	}
}

// shiftLeft128 shifts hi:lo left by n < 128.
func shiftLeft128(hi, lo uint64, n uint) (uint64, uint64) {
	if n >= 64 {
		return lo << (n - 64), 0
	}
	return hi<<n | lo>>(64-n), lo << n
}
