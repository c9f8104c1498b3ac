package rvgen

import "fmt"

// loop runs a few items two to four times with a backward branch. In a
// straight-line body every instruction executes once, so this is what makes
// the hart run instructions out of its decoded-instruction cache. The
// counter is a scratch register that the items inside do not write.
func (g *gen) loop() Item {
	cnt, release := g.scratch()
	defer release()
	lines := []string{fmt.Sprintf("li %s, %d", cnt, 2+g.r.IntN(3)), "9:"}
	for range 1 + g.r.IntN(4) {
		lines = append(lines, g.pick(loopable).Lines...)
	}
	lines = append(lines, fmt.Sprintf("addi %s, %s, -1", cnt, cnt), fmt.Sprintf("bnez %s, 9b", cnt))
	return Item{Lines: lines}
}
