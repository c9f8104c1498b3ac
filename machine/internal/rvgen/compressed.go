package rvgen

// Explicit RV64C instructions (Volume I, chapter 16 "C" extension). The
// assembler also compresses eligible ordinary instructions on its own; these
// items make sure every compressed form appears, with operands inside its
// constraints (x8-x15 for the three-bit register fields, non-zero
// immediates and registers where the encoding reserves zero).

// cimm returns a non-zero 6-bit signed immediate.
func (g *gen) cimm() int {
	for {
		if v := g.r.IntN(64) - 32; v != 0 {
			return v
		}
	}
}

func (g *gen) compressed() Item {
	switch g.r.IntN(26) {
	case 0:
		return g.lines("c.addi4spn %s, %s, %d", g.xcd(), g.useX(BaseReg), 4*(1+g.r.IntN(255)))
	case 1:
		return g.lines("c.lw %s, %d(%s)", g.xcd(), 4*g.r.IntN(32), g.useX(Base2Reg))
	case 2:
		return g.lines("c.ld %s, %d(%s)", g.xcd(), 8*g.r.IntN(32), g.useX(Base2Reg))
	case 3:
		return g.lines("c.fld %s, %d(%s)", g.fcd(), 8*g.r.IntN(32), g.useX(Base2Reg))
	case 4:
		return g.lines("c.sw %s, %d(%s)", g.xcs(), 4*g.r.IntN(32), g.useX(Base2Reg))
	case 5:
		return g.lines("c.sd %s, %d(%s)", g.xcs(), 8*g.r.IntN(32), g.useX(Base2Reg))
	case 6:
		return g.lines("c.fsd %s, %d(%s)", g.fcs(), 8*g.r.IntN(32), g.useX(Base2Reg))
	case 7:
		return g.lines("c.nop")
	case 8:
		rd := g.xrw()
		return g.lines("c.addi %s, %d", rd, g.cimm())
	case 9:
		rd := g.xrw()
		return g.lines("c.addiw %s, %d", rd, g.r.IntN(64)-32)
	case 10:
		return g.lines("c.li %s, %d", g.xdNZ(), g.r.IntN(64)-32)
	case 11:
		imm := 1 + g.r.IntN(31)
		if g.r.IntN(2) == 0 {
			imm = 0xfffe0 + g.r.IntN(32)
		}
		return g.lines("c.lui %s, %d", g.xdNZ(), imm)
	case 12:
		return g.addi16sp()
	case 13:
		rd := g.xcrw()
		return g.lines("%s %s, %d", oneOf(g.r, "c.srli", "c.srai"), rd, 1+g.r.IntN(63))
	case 14:
		rd := g.xcrw()
		return g.lines("c.andi %s, %d", rd, g.r.IntN(64)-32)
	case 15, 16:
		rd := g.xcrw()
		return g.lines("%s %s, %s", oneOf(g.r, "c.sub", "c.xor", "c.or", "c.and", "c.subw", "c.addw"), rd, g.xcs())
	case 17:
		rd := g.xrw()
		return g.lines("c.slli %s, %d", rd, 1+g.r.IntN(63))
	case 18:
		return g.lines("c.fldsp %s, %d(%s)", g.fd(), 8*g.r.IntN(64), g.useX(BaseReg))
	case 19:
		return g.lines("c.lwsp %s, %d(%s)", g.xdNZ(), 4*g.r.IntN(64), g.useX(BaseReg))
	case 20:
		return g.lines("c.ldsp %s, %d(%s)", g.xdNZ(), 8*g.r.IntN(64), g.useX(BaseReg))
	case 21:
		return g.lines("c.fsdsp %s, %d(%s)", g.fs(), 8*g.r.IntN(64), g.useX(BaseReg))
	case 22:
		return g.lines("c.swsp %s, %d(%s)", g.xs(), 4*g.r.IntN(64), g.useX(BaseReg))
	case 23:
		return g.lines("c.sdsp %s, %d(%s)", g.xs(), 8*g.r.IntN(64), g.useX(BaseReg))
	case 24:
		return g.lines("c.mv %s, %s", g.xdNZ(), g.xsNZ())
	}
	rd := g.xrw()
	return g.lines("c.add %s, %s", rd, g.xsNZ())
}

// addi16sp moves sp by a multiple of 16, loads relative to the moved sp and
// moves it back, so the harness's base register is unchanged afterwards.
// The load stays within the program's table and buffer.
func (g *gen) addi16sp() Item {
	n := 16 * (g.r.IntN(32) - 16)
	if n == 0 {
		n = 16
	}
	// sp+n+off must lie in [-TableSize, BufSize-8] relative to the buffer.
	lo, hi := max(0, -TableSize-n), min(504, BufSize-8-n)
	off := lo + 8*g.r.IntN((hi-lo)/8+1)
	sp := g.useX(BaseReg)
	return g.lines("c.addi16sp %s, %d\nc.ldsp %s, %d(%s)\nc.addi16sp %s, %d", sp, n, g.xdNZ(), off, sp, sp, -n)
}
