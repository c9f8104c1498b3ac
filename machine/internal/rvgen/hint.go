package rvgen

// Fences and HINTs: instructions that change no architectural state a
// user-mode program can see, but that a decoder must accept rather than
// trap on (Volume I, 2.7 "Memory Ordering Instructions", 2.9 "HINT
// Instructions", 16.7 "RVC HINT Instructions", and Zifencei).

var hints = []string{
	"fence",
	"fence rw, w",
	"fence r, rw",
	"fence w, r",
	"fence.tso",
	"fence.i",
	".insn i 0x0f, 0, x0, x0, 0x010", // pause (Zihintpause): fence w, 0
	"c.nop 5",
	"c.li x0, 3",
	"c.lui x0, 1",
	"c.mv x0, x5",
	"c.add x0, x9",
	"c.slli x0, 7",
	"addi x0, x5, 7",
	"lui x0, 12345",
	"slti x0, x9, -1",
	"add x0, x1, x3",
}

func (g *gen) hint() Item {
	if g.r.IntN(3) == 0 {
		// c.addi rd, 0 is a HINT too.
		return g.lines("c.addi %s, 0", g.xdNZ())
	}
	return g.lines("%s", oneOf(g.r, hints...))
}
