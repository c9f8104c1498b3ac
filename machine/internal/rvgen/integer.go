package rvgen

// RV64I and M instructions (Volume I, chapters 2, 4 and 13).

var (
	aluRR  = []string{"add", "sub", "sll", "slt", "sltu", "xor", "srl", "sra", "or", "and", "addw", "subw", "sllw", "srlw", "sraw"}
	aluRI  = []string{"addi", "slti", "sltiu", "xori", "ori", "andi", "addiw"}
	shiftI = []string{"slli", "srli", "srai"}
	shiftW = []string{"slliw", "srliw", "sraiw"}
	mulOps = []string{"mul", "mulh", "mulhsu", "mulhu", "div", "divu", "rem", "remu", "mulw", "divw", "divuw", "remw", "remuw"}
	loads  = []struct {
		op   string
		size int
	}{{"lb", 1}, {"lh", 2}, {"lw", 4}, {"ld", 8}, {"lbu", 1}, {"lhu", 2}, {"lwu", 4}}
	stores = []struct {
		op   string
		size int
	}{{"sb", 1}, {"sh", 2}, {"sw", 4}, {"sd", 8}}
)

// divEdges are operand values for the special cases of division: by zero,
// and the most negative value divided by -1 (Volume I, 13.2, Table 11).
var divEdges = []uint64{
	0, 0xffff_ffff_ffff_ffff, 0x8000_0000_0000_0000, 0xffff_ffff_8000_0000,
	0x0000_0000_8000_0000, 1, 0x7fff_ffff_ffff_ffff, 0x0000_0000_ffff_ffff,
}

func (g *gen) intALU() Item {
	switch g.r.IntN(10) {
	case 0, 1, 2, 3:
		return g.lines("%s %s, %s, %s", oneOf(g.r, aluRR...), g.xd(), g.xs(), g.xs())
	case 4, 5:
		return g.lines("%s %s, %s, %d", oneOf(g.r, aluRI...), g.xd(), g.xs(), g.simm(12))
	case 6:
		return g.lines("%s %s, %s, %d", oneOf(g.r, shiftI...), g.xd(), g.xs(), g.r.IntN(64))
	case 7:
		return g.lines("%s %s, %s, %d", oneOf(g.r, shiftW...), g.xd(), g.xs(), g.r.IntN(32))
	case 8:
		return g.lines("%s %s, %d", oneOf(g.r, "lui", "auipc"), g.xd(), g.r.IntN(1<<20))
	}
	return g.lines("li %s, %d", g.xd(), int64(randInt(g.r)))
}

func (g *gen) intMul() Item {
	op := oneOf(g.r, mulOps...)
	if g.r.IntN(3) != 0 {
		return g.lines("%s %s, %s, %s", op, g.xd(), g.xs(), g.xs())
	}
	// Force the special cases: set up both operands from divEdges first.
	a, b := g.xdNZ(), g.xdNZ()
	return g.lines("li %s, %d\nli %s, %d\n%s %s, %s, %s",
		a, int64(oneOf(g.r, divEdges...)), b, int64(oneOf(g.r, divEdges...)),
		op, g.xd(), a, b)
}

func (g *gen) intMem() Item {
	if g.r.IntN(2) == 0 {
		l := oneOf(g.r, loads...)
		base, off := g.mem(l.size, g.anyAlign(l.size))
		return g.lines("%s %s, %d(%s)", l.op, g.xd(), off, base)
	}
	s := oneOf(g.r, stores...)
	src := g.xs()
	base, off := g.mem(s.size, g.anyAlign(s.size))
	return g.lines("%s %s, %d(%s)", s.op, src, off, base)
}
