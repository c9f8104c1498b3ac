package rvgen

import "fmt"

// A extension (Volume I, chapter 14). AMOs and LR/SC need naturally aligned
// addresses (misaligned ones raise an exception, which the harness does not
// handle), so each item first computes an aligned buffer address into a
// scratch register.

var amoOps = []string{"amoswap", "amoadd", "amoxor", "amoand", "amoor", "amomin", "amomax", "amominu", "amomaxu"}

// ordering returns a random acquire/release suffix.
func (g *gen) ordering() string { return oneOf(g.r, "", ".aq", ".rl", ".aqrl") }

// addrReg computes an aligned buffer address for a size-byte access into a
// fresh scratch register and returns the register and the setup statement.
func (g *gen) addrReg(size int) (reg, setup string) {
	base, off := g.mem(size, size)
	reg = g.xdNZ()
	return reg, fmt.Sprintf("addi %s, %s, %d", reg, base, off)
}

func (g *gen) atomic() Item {
	w := oneOf(g.r, ".w", ".d")
	size := 4
	if w == ".d" {
		size = 8
	}
	a, setup := g.addrReg(size)
	switch g.r.IntN(4) {
	case 0, 1:
		op := oneOf(g.r, amoOps...)
		return g.lines("%s\n%s%s%s %s, %s, (%s)", setup, op, w, g.ordering(), g.xd(), g.xs(), a)
	case 2:
		// An SC with no reservation outstanding (every LR in a body is
		// followed by its SC, which ends the reservation) must fail.
		return g.lines("%s\nsc%s%s %s, %s, (%s)", setup, w, g.ordering(), g.xd(), g.xs(), a)
	}
	// LR, up to two register-only instructions, SC to the same address:
	// nothing can break the reservation, so the SC must succeed.
	rd := g.xdNZ()
	for rd == a {
		rd = g.xdNZ()
	}
	s := fmt.Sprintf("%s\nlr%s%s %s, (%s)", setup, w, g.ordering(), rd, a)
	for range g.r.IntN(3) {
		d := g.xd()
		for d == a {
			d = g.xd()
		}
		s += fmt.Sprintf("\n%s %s, %s, %s", oneOf(g.r, aluRR...), d, g.xs(), g.xs())
	}
	s += fmt.Sprintf("\nsc%s%s %s, %s, (%s)", w, g.ordering(), g.xd(), g.xs(), a)
	return g.lines("%s", s)
}
