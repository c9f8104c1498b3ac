package rvgen

import "fmt"

// selfModify runs an instruction, overwrites it with another one, executes
// fence.i and runs the slot again, in a two-pass loop (Volume I, chapter 3
// "Zifencei"). A hart that caches decoded instructions must drop the stale
// decoding. The new encoding is assembled into .data and copied with lw/sw;
// both instructions are 4 bytes wide (norvc), and the slot may be only
// 2-byte aligned, so the sw can be misaligned. Source puts code in a
// writable and executable section for this.
func (g *gen) selfModify() Item {
	tmp, r1 := g.scratch()
	defer r1()
	word, r2 := g.scratch()
	defer r2()
	cnt, r3 := g.scratch()
	defer r3()
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
li %s, 2
1: %s
lla %s, 1b
sw %s, 0(%s)
fence.i
addi %s, %s, -1
bnez %s, 1b
.pushsection .data
2: %s
.popsection
.option pop`, tmp, word, tmp, cnt, old, tmp, word, tmp, cnt, cnt, cnt, insn())
}
