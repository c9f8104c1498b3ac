package rvgen

import "fmt"

// selfModify overwrites the instruction that follows it with another one,
// executes fence.i and runs the new instruction (Volume I, chapter 3
// "Zifencei"). A hart that caches decoded instructions must notice the
// store. The new encoding is assembled into .data and copied with lw/sw;
// both instructions are 4 bytes wide (norvc), and the slot may be only
// 2-byte aligned, so the sw can be misaligned. Source puts code in a
// writable and executable section for this.
func (g *gen) selfModify() Item {
	tmp, word := g.xdNZ(), g.xdNZ()
	for word == tmp {
		word = g.xdNZ()
	}
	insn := func() string {
		if g.r.IntN(2) == 0 {
			return fmt.Sprintf("%s %s, %s, %s", oneOf(g.r, aluRR...), g.xd(), g.xs(), g.xs())
		}
		return fmt.Sprintf("%s %s, %s, %d", oneOf(g.r, aluRI...), g.xd(), g.xs(), g.simm(12))
	}
	old := insn()
	return g.lines(`.option push
.option norvc
lla %s, 2f
lw %s, 0(%s)
lla %s, 1f
sw %s, 0(%s)
fence.i
1: %s
.pushsection .data
2: %s
.popsection
.option pop`, tmp, word, tmp, tmp, word, tmp, old, insn())
}
