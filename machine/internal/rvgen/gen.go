package rvgen

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// BaseReg (sp) and Base2Reg (s0) are reserved for the harness: they hold
// the address of the data buffer and of its middle, so that loads, stores,
// AMOs and the sp- and s0-based compressed forms stay inside the buffer.
// The body reads them but never writes them.
const (
	BaseReg  = 2
	Base2Reg = 8
	// base2Off is Base2Reg's offset into the buffer.
	base2Off = BufSize / 2
)

// gen holds the state of one program's generation.
type gen struct {
	r *rand.Rand
	// recentX and recentF are recently written registers; sources are often
	// drawn from them so that results flow into later instructions.
	recentX, recentF []int
	uses             []string
	// staticRM makes rm choose only static rounding modes, for items that
	// run with an invalid frm.
	staticRM bool
	// avoid marks registers that destinations must not be, besides the
	// harness's: loop counters and the scratch registers of multi-line items.
	avoid [32]bool
}

// reserved reports whether register i must not be written.
func (g *gen) reserved(i int) bool {
	return i == BaseReg || i == Base2Reg || g.avoid[i]
}

// item returns a random body item.
func (g *gen) item() Item {
	g.uses = nil
	it := g.pick(100)
	it.Uses = g.uses
	return it
}

// pick returns a random item from the first w percent of the categories:
// pick(100) may return anything; loops use pick(loopable) for their bodies,
// which excludes forward branches (their targets must be outside loops) and
// nested loops.
func (g *gen) pick(w int) Item {
	switch w = g.r.IntN(w); {
	case w < 16:
		return g.intALU()
	case w < 26:
		return g.intMul()
	case w < 36:
		return g.intMem()
	case w < 42:
		return g.atomic()
	case w < 75:
		return g.float()
	case w < 87:
		return g.compressed()
	case w < 92:
		return g.fcsr()
	case w < 93:
		return g.hint()
	case w < loopable:
		return g.selfModify()
	case w < 96:
		return g.loop()
	}
	return g.control()
}

// loopable is the pick weight that covers the categories allowed in loops.
const loopable = 94

func (g *gen) lines(format string, args ...any) Item {
	return Item{Lines: strings.Split(fmt.Sprintf(format, args...), "\n")}
}

// oneOf returns a random element of s.
func oneOf[T any](r *rand.Rand, s ...T) T { return s[r.IntN(len(s))] }

// xs picks an integer source register, recording it as used.
func (g *gen) xs() string {
	var i int
	if len(g.recentX) > 0 && g.r.IntN(2) == 0 {
		i = oneOf(g.r, g.recentX...)
	} else {
		i = g.r.IntN(32)
	}
	return g.useX(i)
}

func (g *gen) useX(i int) string {
	s := fmt.Sprintf("x%d", i)
	g.uses = append(g.uses, s)
	return s
}

// xd picks an integer destination: any register but the harness's, and
// rarely x0.
func (g *gen) xd() string {
	var i int
	for {
		i = g.r.IntN(32)
		if g.reserved(i) || (i == 0 && g.r.IntN(4) != 0) {
			continue
		}
		break
	}
	g.wroteX(i)
	return fmt.Sprintf("x%d", i)
}

func (g *gen) wroteX(i int) {
	if i == 0 {
		return
	}
	g.recentX = append(g.recentX, i)
	if len(g.recentX) > 6 {
		g.recentX = g.recentX[1:]
	}
}

// xcs picks a compressed-form source register (x8..x15).
func (g *gen) xcs() string { return g.useX(8 + g.r.IntN(8)) }

// xcd picks a compressed-form destination (x8..x15 without Base2Reg).
// Callers keep at least one of x9..x15 writable.
func (g *gen) xcd() string {
	for {
		if i := 8 + g.r.IntN(8); !g.reserved(i) {
			g.wroteX(i)
			return fmt.Sprintf("x%d", i)
		}
	}
}

// xdNZ picks a destination that is neither x0 nor a harness register, as
// several compressed forms require.
func (g *gen) xdNZ() string {
	for {
		i := 1 + g.r.IntN(31)
		if !g.reserved(i) {
			g.wroteX(i)
			return fmt.Sprintf("x%d", i)
		}
	}
}

// scratch picks a register for an item's own use, which no destination
// chosen before release may be.
func (g *gen) scratch() (name string, release func()) {
	for {
		i := 1 + g.r.IntN(31)
		if !g.reserved(i) && (i < 9 || i > 15) {
			g.avoid[i] = true
			g.wroteX(i)
			return fmt.Sprintf("x%d", i), func() { g.avoid[i] = false }
		}
	}
}

// xrw picks a register that an instruction both reads and writes (rd=rs1
// forms): neither x0 nor a harness register.
func (g *gen) xrw() string {
	s := g.xdNZ()
	g.uses = append(g.uses, s)
	return s
}

// xcrw is xrw for the three-bit register fields of compressed forms.
func (g *gen) xcrw() string {
	s := g.xcd()
	g.uses = append(g.uses, s)
	return s
}

// xsNZ picks a source register other than x0.
func (g *gen) xsNZ() string {
	for {
		s := g.xs()
		if s != "x0" {
			return s
		}
		g.uses = g.uses[:len(g.uses)-1]
	}
}

// fs picks a floating-point source register.
func (g *gen) fs() string {
	var i int
	if len(g.recentF) > 0 && g.r.IntN(2) == 0 {
		i = oneOf(g.r, g.recentF...)
	} else {
		i = g.r.IntN(32)
	}
	s := fmt.Sprintf("f%d", i)
	g.uses = append(g.uses, s)
	return s
}

// fd picks a floating-point destination.
func (g *gen) fd() string {
	return g.wroteF(g.r.IntN(32))
}

func (g *gen) wroteF(i int) string {
	g.recentF = append(g.recentF, i)
	if len(g.recentF) > 6 {
		g.recentF = g.recentF[1:]
	}
	return fmt.Sprintf("f%d", i)
}

// fcd and fcs pick compressed-form f registers (f8..f15).
func (g *gen) fcd() string {
	return g.wroteF(8 + g.r.IntN(8))
}

func (g *gen) fcs() string {
	s := fmt.Sprintf("f%d", 8+g.r.IntN(8))
	g.uses = append(g.uses, s)
	return s
}

// mem picks a base register and an offset such that size bytes at the
// address lie in the buffer; the address is a multiple of align.
// align 1 allows misaligned addresses, which ordinary loads and stores
// must handle (the hart does them in hardware, never trapping).
func (g *gen) mem(size, align int) (base string, off int) {
	a := g.r.IntN((BufSize-size)/align+1) * align
	if g.r.IntN(2) == 0 {
		g.uses = append(g.uses, fmt.Sprintf("x%d", BaseReg))
		return fmt.Sprintf("x%d", BaseReg), a
	}
	g.uses = append(g.uses, fmt.Sprintf("x%d", Base2Reg))
	return fmt.Sprintf("x%d", Base2Reg), a - base2Off
}

// anyAlign returns 1 (any address) half of the time, else the natural alignment.
func (g *gen) anyAlign(size int) int {
	if g.r.IntN(2) == 0 {
		return 1
	}
	return size
}

// simm returns a random 12-bit signed immediate, biased to the edges.
func (g *gen) simm(bits uint) int {
	lo, hi := -(1 << (bits - 1)), 1<<(bits-1)-1
	switch g.r.IntN(6) {
	case 0:
		return oneOf(g.r, lo, hi, 0, -1, 1)
	case 1:
		return g.r.IntN(33) - 16
	}
	return lo + g.r.IntN(hi-lo+1)
}
