package softfloat

import (
	"math/rand/v2"
)

// gen produces edge-biased operands: exponents at the extremes of the
// range, around one and near the subnormal boundary; fractions that are
// zero, all ones, sparse or dense at one end, so that results land on or
// next to rounding boundaries, overflow and underflow thresholds far more
// often than uniformly random encodings would.
type gen struct {
	r *rand.Rand
	s spec
}

func newGen(s spec, seed uint64) *gen {
	return &gen{r: rand.New(rand.NewPCG(seed, 0x5f3759df)), s: s}
}

func (g *gen) bool() bool { return g.r.Uint64()&1 != 0 }

// fraction returns a fraction field.
func (g *gen) fraction() uint64 {
	fb := g.s.frac()
	all := uint64(1)<<fb - 1
	switch g.r.IntN(10) {
	case 0:
		return 0
	case 1:
		return all
	case 2: // one to three bits set
		var x uint64
		for range 1 + g.r.IntN(3) {
			x |= 1 << g.r.UintN(fb)
		}
		return x
	case 3: // a run of ones from the top
		return all &^ (all >> (1 + g.r.UintN(fb)))
	case 4: // a run of ones from the bottom
		return all >> g.r.UintN(fb)
	case 5: // random with the low bits clear, so sums are exact or ties
		return g.r.Uint64() & all &^ (1<<g.r.UintN(fb) - 1)
	case 6: // all ones except one bit
		return all &^ (1 << g.r.UintN(fb))
	default:
		return g.r.Uint64() & all
	}
}

// exponent returns a biased exponent field (which may be the all-ones
// field of infinities and NaNs).
func (g *gen) exponent() uint64 {
	max := g.s.expAll()
	bias := uint64(g.s.bias())
	switch g.r.IntN(12) {
	case 0:
		return 0
	case 1:
		return max
	case 2:
		return 1 + g.r.Uint64N(3)
	case 3:
		return max - 1 - g.r.Uint64N(3)
	case 4, 5:
		return bias - 4 + g.r.Uint64N(9)
	default:
		return g.r.Uint64N(max + 1)
	}
}

func (g *gen) withExp(neg bool, e int64) uint64 {
	if e < 0 {
		e = 0
	}
	if e > int64(g.s.expAll()) {
		e = int64(g.s.expAll())
	}
	return g.s.signed(neg, uint64(e)<<g.s.frac()|g.fraction())
}

// operand returns an edge-biased encoding.
func (g *gen) operand() uint64 {
	return g.withExp(g.bool(), int64(g.exponent()))
}

// near returns an operand whose exponent is within ±(p+3) of a's, so
// that sums cancel or round on a boundary.
func (g *gen) near(a uint64) uint64 {
	d := int64(g.r.IntN(2*g.s.p+7)) - int64(g.s.p+3)
	if g.r.IntN(4) == 0 {
		d = int64(g.r.IntN(5)) - 2
	}
	return g.withExp(g.bool(), int64(g.s.expOf(a))+d)
}

// mulPartner returns b such that a × b lands near the overflow or
// underflow threshold or near one.
func (g *gen) mulPartner(a uint64) uint64 {
	bias := int64(g.s.bias())
	targets := []int64{1, 0, -int64(g.s.p), int64(g.s.expAll()) - 1, bias}
	t := targets[g.r.IntN(len(targets))] + int64(g.r.IntN(5)) - 2
	return g.withExp(g.bool(), t-int64(g.s.expOf(a))+bias)
}

// divPartner returns b such that a ÷ b lands near a threshold.
func (g *gen) divPartner(a uint64) uint64 {
	bias := int64(g.s.bias())
	targets := []int64{1, 0, -int64(g.s.p), int64(g.s.expAll()) - 1, bias}
	t := targets[g.r.IntN(len(targets))] + int64(g.r.IntN(5)) - 2
	return g.withExp(g.bool(), int64(g.s.expOf(a))-t+bias)
}

// pair returns two operands for a binary operation.
func (g *gen) pair(kind string) (uint64, uint64) {
	a := g.operand()
	switch g.r.IntN(3) {
	case 0:
		return a, g.operand()
	case 1:
		switch kind {
		case "mul":
			return a, g.mulPartner(a)
		case "div":
			return a, g.divPartner(a)
		}
	}
	return a, g.near(a)
}

// triple returns operands for a fused multiply-add, with the addend often
// close to (or exactly cancelling) the product.
func (g *gen) triple() (uint64, uint64, uint64) {
	a, b := g.pair("mul")
	switch g.r.IntN(4) {
	case 0:
		return a, b, g.operand()
	case 1:
		// c = −round(a × b), possibly nudged by an ulp: heavy cancellation.
		p, _ := g.s.refMul(a, b, RoundingMode(g.r.IntN(5)))
		if g.s.nan(p) {
			return a, b, g.operand()
		}
		c := p ^ g.s.sign()
		if g.s.expOf(c) != g.s.expAll() {
			c = uint64(int64(c) + int64(g.r.IntN(3)) - 1)
		}
		return a, b, c
	default:
		// Addend exponent near the product's.
		e := int64(g.s.expOf(a)) + int64(g.s.expOf(b)) - int64(g.s.bias())
		e += int64(g.r.IntN(2*g.s.p+7)) - int64(g.s.p+3)
		return a, b, g.withExp(g.bool(), e)
	}
}

// integer returns an edge-biased integer of the given width as a bit
// pattern: small values, values near powers of two, near the format's
// precision and the extremes.
func (g *gen) integer(width uint) uint64 {
	mask := uint64(1)<<width - 1
	if width == 64 {
		mask = ^uint64(0)
	}
	var x uint64
	switch g.r.IntN(6) {
	case 0:
		x = g.r.Uint64N(17)
	case 1: // around a power of two
		x = uint64(1)<<g.r.UintN(width) + uint64(g.r.IntN(9)) - 4
	case 2: // p+1 significant bits: the rounding boundary
		x = (g.r.Uint64() | 1) >> g.r.UintN(64)
	case 3:
		x = mask - g.r.Uint64N(5)
	case 4:
		x = uint64(g.r.IntN(9)) - 4
	default:
		x = g.r.Uint64() >> g.r.UintN(64)
	}
	return x & mask
}
