package rvgen

// Control transfers (Volume I, 2.5 and 16.4). Every jump goes forward, over
// at most a few items, so every program terminates. A branch's target label
// is placed by Source before item i+1+Skip (or at the end of the body).

// maxSkip is the largest number of items a branch jumps over.
const maxSkip = 3

func (g *gen) control() Item {
	skip := g.r.IntN(maxSkip + 1)
	switch g.r.IntN(9) {
	case 0, 1, 2:
		op := oneOf(g.r, "beq", "bne", "blt", "bge", "bltu", "bgeu")
		it := g.lines("%s %s, %s, {L}", op, g.xs(), g.xs())
		it.Skip = skip
		return it
	case 3:
		it := g.lines("%s %s, {L}", oneOf(g.r, "c.beqz", "c.bnez"), g.xcs())
		it.Skip = skip
		return it
	case 4:
		it := g.lines("jal %s, {L}", g.xd())
		it.Skip = skip
		return it
	case 5:
		it := g.lines("c.j {L}")
		it.Skip = skip
		return it
	case 6:
		// jalr to auipc+12 (or +13: jalr clears bit 0 of the target),
		// skipping a 4-byte instruction that has no compressed form.
		a := g.xdNZ()
		return g.lines("auipc %s, 0\njalr %s, %d(%s)\nxori %s, %s, 1",
			a, g.xd(), oneOf(g.r, 12, 13), a, a, a)
	}
	// c.jr / c.jalr to auipc+10, skipping the 2-byte c.li.
	a := g.xdNZ()
	return g.lines("auipc %s, 0\nc.addi %s, 10\n%s %s\nc.li %s, 1",
		a, a, oneOf(g.r, "c.jr", "c.jalr"), a, a)
}
