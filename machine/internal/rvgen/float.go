package rvgen

import "fmt"

// F and D extensions (Volume I, chapters 11, 12 and 13 of the 2019 manual;
// "F" and "D" chapters in later editions).

// rm returns a rounding-mode operand: a static mode, an explicit dyn, or
// nothing (the assembler then encodes dyn). The dynamic mode is whatever the
// last fcsr item left in frm, always 0-4, so dyn never raises an exception.
func (g *gen) rm() string {
	if g.staticRM {
		return ", " + oneOf(g.r, "rne", "rtz", "rdn", "rup", "rmm")
	}
	switch g.r.IntN(8) {
	case 0, 1, 2:
		return ""
	case 3:
		return ", dyn"
	}
	return ", " + oneOf(g.r, "rne", "rtz", "rdn", "rup", "rmm")
}

// pair returns two source registers, the same one a fifth of the time
// (fsgnj rs,rs is fmv/fneg/fabs; fmin x,x and feq x,x have their own rules
// for NaNs).
func (g *gen) pair() (string, string) {
	a := g.fs()
	if g.r.IntN(5) == 0 {
		return a, a
	}
	return a, g.fs()
}

func (g *gen) float() Item {
	f := oneOf(g.r, "s", "d")
	size := 4
	if f == "d" {
		size = 8
	}
	ints := oneOf(g.r, "w", "wu", "l", "lu")
	memSuffix := map[string]string{"s": "w", "d": "d"}[f] // flw/fld, fsw/fsd
	switch g.r.IntN(23) {
	case 0, 1, 2, 3:
		a, b := g.pair()
		return g.lines("%s.%s %s, %s, %s%s", oneOf(g.r, "fadd", "fsub", "fmul", "fdiv"), f, g.fd(), a, b, g.rm())
	case 4:
		return g.lines("fsqrt.%s %s, %s%s", f, g.fd(), g.fs(), g.rm())
	case 5, 6:
		a, b := g.pair()
		return g.lines("%s.%s %s, %s, %s", oneOf(g.r, "fmin", "fmax"), f, g.fd(), a, b)
	case 7, 8:
		a, b := g.pair()
		return g.lines("%s.%s %s, %s, %s", oneOf(g.r, "fsgnj", "fsgnjn", "fsgnjx"), f, g.fd(), a, b)
	case 9, 10, 11:
		a, b := g.pair()
		return g.lines("%s.%s %s, %s, %s, %s%s", oneOf(g.r, "fmadd", "fmsub", "fnmsub", "fnmadd"), f, g.fd(), a, b, g.fs(), g.rm())
	case 12:
		a, b := g.pair()
		return g.lines("%s.%s %s, %s, %s", oneOf(g.r, "feq", "flt", "fle"), f, g.xd(), a, b)
	case 13:
		return g.lines("fclass.%s %s, %s", f, g.xd(), g.fs())
	case 14, 15:
		return g.lines("fcvt.%s.%s %s, %s%s", ints, f, g.xd(), g.fs(), g.rm())
	case 16:
		rm := g.rm()
		if f == "d" && (ints == "w" || ints == "wu") {
			rm = "" // exact; binutils 2.40 rejects a rounding mode here
		}
		return g.lines("fcvt.%s.%s %s, %s%s", f, ints, g.fd(), g.xs(), rm)
	case 17:
		if f == "s" {
			return g.lines("fcvt.s.d %s, %s%s", g.fd(), g.fs(), g.rm())
		}
		return g.lines("fcvt.d.s %s, %s", g.fd(), g.fs())
	case 18:
		if f == "s" {
			return g.lines("fmv.x.w %s, %s", g.xd(), g.fs())
		}
		return g.lines("fmv.x.d %s, %s", g.xd(), g.fs())
	case 19:
		if f == "s" {
			return g.lines("fmv.w.x %s, %s", g.fd(), g.xs())
		}
		return g.lines("fmv.d.x %s, %s", g.fd(), g.xs())
	case 21:
		// The rounding error of a product, computed with one fused
		// operation: exact only if the fused multiply-add rounds once.
		a, b := g.fs(), g.fs()
		p := g.fd()
		return g.lines("fmul.%s %s, %s, %s%s\n%s.%s %s, %s, %s, %s%s",
			f, p, a, b, g.rm(), oneOf(g.r, "fmsub", "fnmsub", "fmadd", "fnmadd"), f, g.fd(), a, b, p, g.rm())
	case 20:
		rd := g.fd()
		base, off := g.mem(size, g.anyAlign(size))
		return g.lines("fl%s %s, %d(%s)", memSuffix, rd, off, base)
	}
	src := g.fs()
	base, off := g.mem(size, g.anyAlign(size))
	return g.lines("fs%s %s, %d(%s)", memSuffix, src, off, base)
}

// fcsr returns an access to fflags, frm or fcsr (Volume I, 11.2). Between
// items frm always holds a valid mode (0-4), so dyn never traps.
func (g *gen) fcsr() Item {
	switch g.r.IntN(13) {
	case 0:
		return g.lines("fsrmi %s, %d", g.xd(), g.r.IntN(5))
	case 1:
		return g.lines("csrrwi %s, frm, %d", g.xd(), g.r.IntN(5))
	case 2:
		return g.lines("csrrci %s, frm, %d", g.xd(), g.r.IntN(8))
	case 3:
		return g.lines("fsflagsi %s, %d", g.xd(), g.r.IntN(32))
	case 4:
		return g.lines("%s %s, fflags, %d", oneOf(g.r, "csrrsi", "csrrci"), g.xd(), g.r.IntN(32))
	case 5:
		return g.lines("%s %s, fflags, %s", oneOf(g.r, "csrrw", "csrrs", "csrrc"), g.xd(), g.xs())
	case 6:
		return g.lines("%s %s, fcsr, %d", oneOf(g.r, "csrrsi", "csrrci"), g.xd(), g.r.IntN(32))
	case 7:
		return g.lines("%s %s", oneOf(g.r, "frflags", "frrm", "frcsr"), g.xd())
	case 8, 9:
		// A full fcsr write; bits above 7 are reserved and must read as 0.
		t := g.xdNZ()
		v := uint64(g.r.IntN(5))<<5 | uint64(g.r.IntN(32))
		if g.r.IntN(2) == 0 {
			v |= g.r.Uint64() &^ 0xff
		}
		return g.lines("li %s, %d\nfscsr %s, %s", t, int64(v), g.xd(), t)
	case 10:
		return g.badFRM()
	}
	// Rounding-mode changes are the point of these items: make them common.
	return g.lines("fsrmi %d", g.r.IntN(5))
}

// badFRM leaves frm holding a reserved value (5-7) or whatever the low
// three bits of a random register give, runs a floating-point instruction
// with a static rounding mode, which must not trap, reads frm back, and
// restores a valid mode. Only the dynamic mode is illegal with frm 5-7
// (Volume I, 11.2).
func (g *gen) badFRM() Item {
	set := fmt.Sprintf("fsrmi %s, %d", g.xd(), 5+g.r.IntN(3))
	if g.r.IntN(2) == 0 {
		set = fmt.Sprintf("fsrm %s, %s", g.xd(), g.xs())
	}
	g.staticRM = true
	op := g.float()
	g.staticRM = false
	lines := append([]string{set}, op.Lines...)
	lines = append(lines, fmt.Sprintf("frrm %s", g.xd()), fmt.Sprintf("fsrmi %d", g.r.IntN(5)))
	return Item{Lines: lines}
}
