package softfloat

import (
	"math/big"
)

// This file is the reference model the tests compare against. It is
// written independently of the implementation: values are decoded to
// math/big.Float, computed exactly (or to a truncated result plus a
// sticky indication), and rounded to the target format by rounding the
// scaled value to an integer with big arithmetic, which gives the
// subnormal range, tininess after rounding and all flags directly from
// the IEEE 754-2008 definitions.

// spec describes a binary interchange format for the oracle.
type spec struct {
	name  string
	p     int // precision in bits
	ebits uint
}

var (
	spec32 = spec{name: "f32", p: 24, ebits: 8}
	spec64 = spec{name: "f64", p: 53, ebits: 11}
)

func (s spec) frac() uint      { return uint(s.p - 1) }
func (s spec) bias() int       { return 1<<(s.ebits-1) - 1 }
func (s spec) emin() int       { return 1 - s.bias() }
func (s spec) emax() int       { return s.bias() }
func (s spec) expAll() uint64  { return 1<<s.ebits - 1 }
func (s spec) sign() uint64    { return 1 << (s.ebits + s.frac()) }
func (s spec) qnan() uint64    { return s.expAll()<<s.frac() | 1<<(s.frac()-1) }
func (s spec) infBits() uint64 { return s.expAll() << s.frac() }
func (s spec) maxBits() uint64 { return (s.expAll()-1)<<s.frac() | (1<<s.frac() - 1) }
func (s spec) mask() uint64    { return s.sign()<<1 - 1 }

func (s spec) expOf(x uint64) uint64  { return x >> s.frac() & s.expAll() }
func (s spec) fracOf(x uint64) uint64 { return x & (1<<s.frac() - 1) }
func (s spec) neg(x uint64) bool      { return x&s.sign() != 0 }
func (s spec) nan(x uint64) bool      { return s.expOf(x) == s.expAll() && s.fracOf(x) != 0 }
func (s spec) snan(x uint64) bool     { return s.nan(x) && x&(1<<(s.frac()-1)) == 0 }
func (s spec) inf(x uint64) bool      { return s.expOf(x) == s.expAll() && s.fracOf(x) == 0 }
func (s spec) zero(x uint64) bool     { return x&^s.sign() == 0 }

func (s spec) signed(neg bool, mag uint64) uint64 {
	if neg {
		return mag | s.sign()
	}
	return mag
}

const exactPrec = 1 << 13 // enough for any exact sum or product here

// value returns the exact value of the finite encoding x.
func (s spec) value(x uint64) *big.Float {
	e := int(s.expOf(x))
	m := s.fracOf(x)
	if e == 0 {
		e = 1
	} else {
		m |= 1 << s.frac()
	}
	v := new(big.Float).SetPrec(exactPrec).SetUint64(m)
	v.SetMantExp(v, e-s.bias()-int(s.frac()))
	if s.neg(x) {
		v.Neg(v)
	}
	return v
}

var half = big.NewFloat(0.5)

// roundScaled rounds |v| × 2^−q (+ an infinitesimal when sticky) to an
// integer under rm for a result of sign neg, reporting inexactness.
func roundScaled(v *big.Float, sticky bool, q int, rm RoundingMode, neg bool) (*big.Int, bool) {
	t := new(big.Float).SetPrec(exactPrec).Abs(v)
	t.SetMantExp(t, -q)
	n, _ := t.Int(nil)
	fr := new(big.Float).SetPrec(exactPrec).Sub(t, new(big.Float).SetPrec(exactPrec).SetInt(n))
	if fr.Sign() == 0 && !sticky {
		return n, false
	}
	c := fr.Cmp(half)
	if c == 0 && sticky {
		c = 1
	}
	var up bool
	switch rm {
	case RNE:
		up = c > 0 || c == 0 && n.Bit(0) == 1
	case RTZ:
	case RDN:
		up = neg
	case RUP:
		up = !neg
	case RMM:
		up = c >= 0
	default:
		panic("bad rounding mode")
	}
	if up {
		n.Add(n, big.NewInt(1))
	}
	return n, true
}

// round rounds the non-zero v (or, when sticky, a value just beyond v
// in magnitude) to format s.
func (s spec) round(v *big.Float, sticky bool, rm RoundingMode) (uint64, Flags) {
	if v.Sign() == 0 {
		panic("round of zero")
	}
	neg := v.Signbit()
	e := v.MantExp(nil) - 1 // |v| in [2^e, 2^(e+1))
	p := s.p

	// Unbounded exponent range: decides overflow and tininess.
	n, _ := roundScaled(v, sticky, e-(p-1), rm, neg)
	eu := e
	if n.BitLen() > p {
		eu++
	}
	if eu > s.emax() {
		var fl Flags = OF | NX
		toInf := rm == RNE || rm == RMM || rm == RDN && neg || rm == RUP && !neg
		if toInf {
			return s.signed(neg, s.infBits()), fl
		}
		return s.signed(neg, s.maxBits()), fl
	}
	tiny := eu < s.emin()

	q := e
	if q < s.emin() {
		q = s.emin()
	}
	q -= p - 1
	n, inexact := roundScaled(v, sticky, q, rm, neg)
	var fl Flags
	if inexact {
		fl |= NX
		if tiny {
			fl |= UF
		}
	}
	if n.Sign() == 0 {
		return s.signed(neg, 0), fl
	}
	if n.BitLen() > p {
		n.Rsh(n, 1)
		q++
	}
	m := n.Uint64()
	if n.BitLen() < p { // subnormal
		if q != s.emin()-(p-1) {
			panic("oracle: unnormalised result")
		}
		return s.signed(neg, m), fl
	}
	be := uint64(q + p - 1 + s.bias())
	return s.signed(neg, be<<s.frac()|m&(1<<s.frac()-1)), fl
}

func exactZero(rm RoundingMode) bool { return rm == RDN }

func (s spec) nanResult(ops ...uint64) (uint64, Flags) {
	for _, x := range ops {
		if s.snan(x) {
			return s.qnan(), NV
		}
	}
	return s.qnan(), 0
}

func anyNaN(s spec, ops ...uint64) bool {
	for _, x := range ops {
		if s.nan(x) {
			return true
		}
	}
	return false
}

func (s spec) refAdd(a, b uint64, rm RoundingMode) (uint64, Flags) {
	switch {
	case anyNaN(s, a, b):
		return s.nanResult(a, b)
	case s.inf(a) && s.inf(b):
		if s.neg(a) != s.neg(b) {
			return s.qnan(), NV
		}
		return a, 0
	case s.inf(a):
		return a, 0
	case s.inf(b):
		return b, 0
	}
	sum := new(big.Float).SetPrec(exactPrec).Add(s.value(a), s.value(b))
	if sum.Sign() == 0 {
		if s.zero(a) && s.zero(b) && s.neg(a) == s.neg(b) {
			return a, 0
		}
		return s.signed(exactZero(rm), 0), 0
	}
	return s.round(sum, false, rm)
}

func (s spec) refMul(a, b uint64, rm RoundingMode) (uint64, Flags) {
	neg := s.neg(a) != s.neg(b)
	switch {
	case anyNaN(s, a, b):
		return s.nanResult(a, b)
	case s.inf(a) && s.zero(b) || s.zero(a) && s.inf(b):
		return s.qnan(), NV
	case s.inf(a) || s.inf(b):
		return s.signed(neg, s.infBits()), 0
	case s.zero(a) || s.zero(b):
		return s.signed(neg, 0), 0
	}
	return s.round(new(big.Float).SetPrec(exactPrec).Mul(s.value(a), s.value(b)), false, rm)
}

func (s spec) refDiv(a, b uint64, rm RoundingMode) (uint64, Flags) {
	neg := s.neg(a) != s.neg(b)
	switch {
	case anyNaN(s, a, b):
		return s.nanResult(a, b)
	case s.inf(a) && s.inf(b), s.zero(a) && s.zero(b):
		return s.qnan(), NV
	case s.inf(a):
		return s.signed(neg, s.infBits()), 0
	case s.inf(b), s.zero(a):
		return s.signed(neg, 0), 0
	case s.zero(b):
		return s.signed(neg, s.infBits()), DZ
	}
	q := new(big.Float).SetPrec(256).SetMode(big.ToZero)
	q.Quo(s.value(a), s.value(b))
	return s.round(q, q.Acc() != big.Exact, rm)
}

func (s spec) refSqrt(a uint64, rm RoundingMode) (uint64, Flags) {
	switch {
	case s.nan(a):
		return s.nanResult(a)
	case s.zero(a):
		return a, 0
	case s.neg(a):
		return s.qnan(), NV
	case s.inf(a):
		return a, 0
	}
	x := s.value(a)
	r := new(big.Float).SetPrec(256).SetMode(big.ToZero).Sqrt(x)
	// Sqrt does not report accuracy: establish r ≤ √x and exactness by
	// squaring.
	sq := new(big.Float).SetPrec(exactPrec)
	for sq.Mul(r, r).Cmp(x) > 0 {
		ulp := new(big.Float).SetMantExp(big.NewFloat(1), r.MantExp(nil)-256)
		r.Sub(r, ulp)
	}
	return s.round(r, sq.Cmp(x) != 0, rm)
}

func (s spec) refMulAdd(a, b, c uint64, rm RoundingMode) (uint64, Flags) {
	negP := s.neg(a) != s.neg(b)
	infZero := s.inf(a) && s.zero(b) || s.zero(a) && s.inf(b)
	switch {
	case anyNaN(s, a, b, c):
		if infZero {
			return s.qnan(), NV
		}
		return s.nanResult(a, b, c)
	case infZero:
		return s.qnan(), NV
	case s.inf(a) || s.inf(b):
		if s.inf(c) && s.neg(c) != negP {
			return s.qnan(), NV
		}
		return s.signed(negP, s.infBits()), 0
	case s.inf(c):
		return c, 0
	}
	p := new(big.Float).SetPrec(exactPrec).Mul(s.value(a), s.value(b))
	sum := new(big.Float).SetPrec(exactPrec).Add(p, s.value(c))
	if sum.Sign() == 0 {
		if p.Sign() == 0 && s.zero(c) && negP == s.neg(c) {
			return s.signed(negP, 0), 0
		}
		return s.signed(exactZero(rm), 0), 0
	}
	return s.round(sum, false, rm)
}

// refToInt converts to a width-bit integer, returning the result as a
// two's complement bit pattern in the low width bits.
func (s spec) refToInt(a uint64, rm RoundingMode, signed bool, width uint) (uint64, Flags) {
	var lo, hi *big.Int // representable range
	if signed {
		hi = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), width-1), big.NewInt(1))
		lo = new(big.Int).Neg(new(big.Int).Lsh(big.NewInt(1), width-1))
	} else {
		hi = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), width), big.NewInt(1))
		lo = big.NewInt(0)
	}
	mask := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), width), big.NewInt(1))
	bitsOf := func(v *big.Int) uint64 { return new(big.Int).And(v, mask).Uint64() }
	switch {
	case s.nan(a):
		return bitsOf(hi), NV
	case s.inf(a) && s.neg(a):
		return bitsOf(lo), NV
	case s.inf(a):
		return bitsOf(hi), NV
	case s.zero(a):
		return 0, 0
	}
	neg := s.neg(a)
	n, inexact := roundScaled(s.value(a), false, 0, rm, neg)
	if neg {
		n.Neg(n)
	}
	if n.Cmp(lo) < 0 {
		return bitsOf(lo), NV
	}
	if n.Cmp(hi) > 0 {
		return bitsOf(hi), NV
	}
	if inexact {
		return bitsOf(n), NX
	}
	return bitsOf(n), 0
}

// refFromInt converts the integer v.
func (s spec) refFromInt(v *big.Int, rm RoundingMode) (uint64, Flags) {
	if v.Sign() == 0 {
		return 0, 0
	}
	return s.round(new(big.Float).SetPrec(exactPrec).SetInt(v), false, rm)
}

// refConvert converts the encoding a of format from to format to.
func refConvert(from, to spec, a uint64, rm RoundingMode) (uint64, Flags) {
	switch {
	case from.nan(a):
		return to.nanResult(from.nanToOther(to, a))
	case from.inf(a):
		return to.signed(from.neg(a), to.infBits()), 0
	case from.zero(a):
		return to.signed(from.neg(a), 0), 0
	}
	return to.round(from.value(a), false, rm)
}

// nanToOther maps a NaN's signalling-ness into format to, so that
// nanResult raises NV for exactly the signalling inputs.
func (s spec) nanToOther(to spec, a uint64) uint64 {
	if s.snan(a) {
		return to.infBits() | 1
	}
	return to.qnan()
}
