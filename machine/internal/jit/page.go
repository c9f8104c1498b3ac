package jit

import (
	"encoding/binary"
	"slices"

	"github.com/reprovm/reprovm/machine/internal/rv"
)

// A page function runs the translated blocks of one 4 KiB physical page.
// It is keyed by the physical page but computes every pc from the virtual
// page base it is entered at (stPC &^ 0xfff), so one translation serves
// every virtual mapping of the page.
//
// Shape, with N blocks (basic blocks starting at the leaders, in address
// order):
//
//	prologue: load the used x registers, vbase, t = the argument
//	block $exit
//	  loop $top
//	    block $miss
//	      block $b(N-1) ... block $b0
//	        br_table t -> $b_t, else $miss
//	      end  code of block 0
//	      end  code of block 1 ...
//	    end  (miss: exitMiss at pc)
//	  end
//	end
//	epilogue: store the written x registers, stPC, stInstret; return code
//
// A jump forward to a leader of the same page is a br to its label; a jump
// backward sets t and goes round $top. Everything else leaves through
// $exit with a code for the dispatcher or for Go.

const pageSize = 4096

// maxBlocks bounds the blocks of one page function: wazero's compile time
// grows faster than linearly with a function's blocks, and a page of
// two-byte branches could otherwise have 2048. A jump to a block left out
// leaves through the dispatcher.
const maxBlocks = 128

// maxInsns bounds the instructions of one page function, for the same
// reason: a page of 1024 stores makes a function of 1024 branches.
const maxInsns = 384

// regsInLocals: see emitter.regsInLocals.
var regsInLocals = true

// Local variables of a page function: the argument, the index of the
// block to start at, in 0 (x0 is never read from a local), x1..x31 in
// 1..31, then these.
const (
	lVBase  = 32 + iota // i64: virtual address of the page
	lCount              // i64: instret
	lBudget             // i64: instret no block may pass
	lKeyL               // i64: load-TLB key
	lKeyS               // i64: store-TLB key
	lVA                 // i64: address of the current access
	lNPC                // i64: pc at exit
	lTmp                // i64
	lTmp2               // i64
	lT                  // i32: halfword index to dispatch on at $top
	lE                  // i32: TLB entry offset
	lCode               // i32: exit code
)

// fixed labels, as absolute nesting levels
const (
	labExit = 0
	labTop  = 1
	labMiss = 2
)

// translatable reports whether the page function can run op itself.
// Everything else (FP, atomics, CSRs, system instructions, fence.i) ends
// the block, and the interpreter executes it.
func translatable(op rv.Op) bool {
	switch op {
	case rv.OpLUI, rv.OpAUIPC, rv.OpJAL, rv.OpJALR,
		rv.OpBEQ, rv.OpBNE, rv.OpBLT, rv.OpBGE, rv.OpBLTU, rv.OpBGEU,
		rv.OpLB, rv.OpLH, rv.OpLW, rv.OpLD, rv.OpLBU, rv.OpLHU, rv.OpLWU,
		rv.OpSB, rv.OpSH, rv.OpSW, rv.OpSD,
		rv.OpADDI, rv.OpSLTI, rv.OpSLTIU, rv.OpXORI, rv.OpORI, rv.OpANDI,
		rv.OpSLLI, rv.OpSRLI, rv.OpSRAI,
		rv.OpADD, rv.OpSUB, rv.OpSLL, rv.OpSLT, rv.OpSLTU, rv.OpXOR,
		rv.OpSRL, rv.OpSRA, rv.OpOR, rv.OpAND,
		rv.OpADDIW, rv.OpSLLIW, rv.OpSRLIW, rv.OpSRAIW,
		rv.OpADDW, rv.OpSUBW, rv.OpSLLW, rv.OpSRLW, rv.OpSRAW,
		rv.OpFENCE,
		rv.OpMUL, rv.OpMULH, rv.OpMULHSU, rv.OpMULHU,
		rv.OpDIV, rv.OpDIVU, rv.OpREM, rv.OpREMU,
		rv.OpMULW, rv.OpDIVW, rv.OpDIVUW, rv.OpREMW, rv.OpREMUW:
		return true
	}
	return false
}

func isBranch(op rv.Op) bool { return op >= rv.OpBEQ && op <= rv.OpBGEU }

// decodeAt decodes the instruction at offset off of the page, or reports
// false if it runs past the end of the page.
func decodeAt(pg []byte, off int) (rv.Inst, bool) {
	if off+2 > pageSize {
		return rv.Inst{}, false
	}
	lo := uint32(binary.LittleEndian.Uint16(pg[off:]))
	if lo&3 != 3 {
		return rv.DecodeCompressed(uint16(lo)), true
	}
	if off+4 > pageSize {
		return rv.Inst{}, false
	}
	return rv.Decode(lo | uint32(binary.LittleEndian.Uint16(pg[off+2:]))<<16), true
}

// block is one basic block: insts starting at off, ended by end.
type block struct {
	off   int
	insts []rv.Inst
	// term is true when the last inst is a branch or jump that ends the
	// block; otherwise the block continues at next (a leader, the page
	// end, or an instruction left to the interpreter, see stop).
	term bool
	stop bool // next is an instruction the interpreter must execute
	next int
}

// pageFunc is the translation of one page.
type pageFunc struct {
	body    code
	leaders []int // offsets of block starts, sorted
	insns   int   // instructions translated
}

// findLeaders walks the page from the entry offsets along direct control
// flow and returns every block start reached, sorted.
//
// With every set, each instruction starts a block of its own (a test mode:
// code that runs once then runs translated from any pc).
func findLeaders(pg []byte, entries []int, every bool) []int {
	var lead [pageSize / 2]bool
	var out []int
	work := slices.Clone(entries)
	for len(work) > 0 {
		off := work[len(work)-1]
		work = work[:len(work)-1]
		if off < 0 || off >= pageSize || off&1 != 0 || lead[off/2] || len(out) == maxBlocks {
			continue
		}
		lead[off/2] = true
		out = append(out, off)
		for cur := off; ; {
			in, ok := decodeAt(pg, cur)
			if !ok || !translatable(in.Op) {
				break
			}
			next := cur + int(in.Len)
			if isBranch(in.Op) {
				work = append(work, cur+int(in.Imm), next)
				break
			}
			if in.Op == rv.OpJAL {
				work = append(work, cur+int(in.Imm))
				break
			}
			if in.Op == rv.OpJALR || next >= pageSize || lead[next/2] {
				break
			}
			if every {
				work = append(work, next)
				break
			}
			cur = next
		}
	}
	slices.Sort(out)
	return out
}

// buildBlocks cuts the page into basic blocks at the leaders.
func buildBlocks(pg []byte, leaders []int) []block {
	isLead := make(map[int]bool, len(leaders))
	for _, l := range leaders {
		isLead[l] = true
	}
	blocks := make([]block, 0, len(leaders))
	total := 0
	for _, l := range leaders {
		b := block{off: l}
		cur := l
		for {
			if total == maxInsns {
				b.next = cur // the rest runs through the dispatcher
				break
			}
			in, ok := decodeAt(pg, cur)
			if !ok {
				b.next = cur
				break
			}
			if !translatable(in.Op) {
				b.next, b.stop = cur, true
				break
			}
			b.insts = append(b.insts, in)
			total++
			next := cur + int(in.Len)
			if isBranch(in.Op) || in.Op == rv.OpJAL || in.Op == rv.OpJALR {
				b.term, b.next = true, next
				break
			}
			cur = next
			if cur >= pageSize || isLead[cur] {
				b.next = cur
				break
			}
		}
		blocks = append(blocks, b)
	}
	return blocks
}

// emitter writes one page function.
type emitter struct {
	c        code
	depth    int // labels open at the current point
	blocks   []block
	index    map[int]int // leader offset -> block index
	minHW    int
	cur      int  // block being emitted
	lockstep bool // every block transfer leaves the function
	// regsInLocals keeps x registers in wasm locals for the whole
	// function; otherwise every access goes to the state area. Locals
	// make faster code, but every merge point of the function then
	// carries all of them, and wazero's register allocator takes several
	// times longer (RATIONALE.md).
	regsInLocals bool
}

// lScratch is an i64 local for one instruction's result when registers
// live in memory (local 1 is then free).
const lScratch = 1

// translatePage translates the blocks of page pg reachable from entries.
// With lockstep set, every block ends by returning to the dispatcher, so
// that a differential test sees the state at each block boundary.
func translatePage(pg []byte, entries []int, lockstep, every bool) *pageFunc {
	leaders := findLeaders(pg, entries, every)
	if len(leaders) == 0 {
		return nil
	}
	blocks := buildBlocks(pg, leaders)
	e := &emitter{blocks: blocks, index: make(map[int]int, len(blocks)), minHW: leaders[0] / 2, lockstep: lockstep, regsInLocals: regsInLocals}
	for i, b := range blocks {
		e.index[b.off] = i
	}
	pf := &pageFunc{leaders: leaders}
	var used, written [32]bool
	for _, b := range blocks {
		pf.insns += len(b.insts)
		for _, in := range b.insts {
			r1, r2, wr := regsOf(in)
			used[in.Rs1&31] = used[in.Rs1&31] || r1
			used[in.Rs2&31] = used[in.Rs2&31] || r2
			if wr && in.Rd != 0 {
				used[in.Rd&31] = true
				written[in.Rd&31] = true
			}
		}
	}
	c := &e.c
	c.op(2, 40, tI64, 3, tI32)
	for r := 1; r < 32; r++ {
		if used[r] && e.regsInLocals {
			c.i32(0)
			c.mem(opI64Load, stX+8*uint32(r))
			c.set(uint32(r))
		}
	}
	c.i32(0)
	c.mem(opI64Load, stPC)
	c.tee(lNPC)
	c.i64(^int64(pageSize - 1))
	c.op(opI64And)
	c.set(lVBase)
	c.get(0)
	c.set(lT)
	for _, f := range []struct {
		l   uint32
		off uint32
	}{{lCount, stInstret}, {lBudget, stBudget}, {lKeyL, stKeyL}, {lKeyS, stKeyS}} {
		c.i32(0)
		c.mem(opI64Load, f.off)
		c.set(f.l)
	}
	n := len(blocks)
	c.op(opBlock, 0x40, opLoop, 0x40, opBlock, 0x40)
	for range n {
		c.op(opBlock, 0x40)
	}
	e.depth = 3 + n
	c.get(lT)
	c.op(opBrTable)
	c.u32(uint32(n))
	for j := range n {
		c.u32(uint32(j))
	}
	c.u32(uint32(n))
	for j := range blocks {
		c.op(opEnd)
		e.depth--
		e.cur = j
		e.block(&blocks[j])
	}
	c.op(opEnd) // $miss: only a bad argument leads here; lNPC is the entry pc
	e.depth--
	c.i32(exitMiss)
	c.set(lCode)
	e.br(labExit)
	c.op(opEnd, opEnd) // $top, $exit
	e.depth -= 2
	for r := 1; r < 32; r++ {
		if written[r] && e.regsInLocals {
			c.i32(0)
			c.get(uint32(r))
			c.mem(opI64Store, stX+8*uint32(r))
		}
	}
	c.i32(0)
	c.get(lNPC)
	c.mem(opI64Store, stPC)
	c.i32(0)
	c.get(lCount)
	c.mem(opI64Store, stInstret)
	c.get(lCode)
	c.op(opEnd)
	pf.body = e.c
	return pf
}

// regsOf says which of rs1, rs2 and rd an instruction of the translated
// subset reads and writes.
func regsOf(in rv.Inst) (rs1, rs2, rd bool) {
	switch in.Op {
	case rv.OpLUI, rv.OpAUIPC, rv.OpJAL:
		return false, false, true
	case rv.OpFENCE:
		return false, false, false
	case rv.OpBEQ, rv.OpBNE, rv.OpBLT, rv.OpBGE, rv.OpBLTU, rv.OpBGEU,
		rv.OpSB, rv.OpSH, rv.OpSW, rv.OpSD:
		return true, true, false
	case rv.OpJALR, rv.OpLB, rv.OpLH, rv.OpLW, rv.OpLD, rv.OpLBU, rv.OpLHU, rv.OpLWU,
		rv.OpADDI, rv.OpSLTI, rv.OpSLTIU, rv.OpXORI, rv.OpORI, rv.OpANDI,
		rv.OpSLLI, rv.OpSRLI, rv.OpSRAI, rv.OpADDIW, rv.OpSLLIW, rv.OpSRLIW, rv.OpSRAIW:
		return true, false, true
	}
	return true, true, true
}

// br branches to the label at absolute nesting level lab.
func (e *emitter) br(lab int) {
	e.c.op(opBr)
	e.c.u32(uint32(e.depth - 1 - lab))
}

func (e *emitter) ifVoid() { e.c.op(opIf, 0x40); e.depth++ }
func (e *emitter) ifI64()  { e.c.op(opIf, tI64); e.depth++ }
func (e *emitter) els()    { e.c.op(opElse) }
func (e *emitter) end()    { e.c.op(opEnd); e.depth-- }

// blockLabel is the absolute nesting level of block j's label.
func (e *emitter) blockLabel(j int) int { return 3 + len(e.blocks) - 1 - j }

// exit leaves the function with code, at page offset off (possibly outside
// the page), after k more instructions of the current block.
func (e *emitter) exit(code int32, off int, k int) {
	c := &e.c
	c.get(lVBase)
	if off != 0 {
		c.i64(int64(off))
		c.op(opI64Add)
	}
	c.set(lNPC)
	e.count(k)
	c.i32(code)
	c.set(lCode)
	e.br(labExit)
}

// count adds k to the local instret.
func (e *emitter) count(k int) {
	if k == 0 {
		return
	}
	e.c.get(lCount)
	e.c.i64(int64(k))
	e.c.op(opI64Add)
	e.c.set(lCount)
}

// jump continues at page offset off after the block's instructions were
// counted.
func (e *emitter) jump(off int) {
	if j, ok := e.index[off]; ok && off >= 0 && off < pageSize && !e.lockstep {
		if j > e.cur {
			e.br(e.blockLabel(j))
			return
		}
		e.c.i32(int32(j))
		e.c.set(lT)
		e.br(labTop)
		return
	}
	e.exit(exitNext, off, 0)
}

func (e *emitter) block(b *block) {
	c := &e.c
	n := len(b.insts)
	if n == 0 {
		e.exit(exitInterp, b.off, 0)
		return
	}
	c.get(lCount)
	c.i64(int64(n))
	c.op(opI64Add)
	c.get(lBudget)
	c.op(opI64GtU)
	e.ifVoid()
	e.exit(exitBudget, b.off, 0)
	e.end()
	off := b.off
	last := n - 1
	if !b.term {
		last = n
	}
	for k := 0; k < last; k++ {
		e.inst(&b.insts[k], off, k)
		off += int(b.insts[k].Len)
	}
	e.count(n)
	if b.term {
		in := &b.insts[n-1]
		next := off + int(in.Len)
		switch {
		case isBranch(in.Op):
			e.cond(in)
			e.ifVoid()
			e.jump(off + int(in.Imm))
			e.end()
			e.fallthrough_(next)
		case in.Op == rv.OpJAL:
			e.setRdFn(in.Rd, func() { e.pcValue(next) })
			e.jump(off + int(in.Imm))
		default: // JALR: the target first, since rd may be rs1
			e.rs(in.Rs1)
			c.i64(int64(in.Imm))
			c.op(opI64Add)
			c.i64(^int64(1))
			c.op(opI64And)
			c.set(lNPC)
			e.setRdFn(in.Rd, func() { e.pcValue(next) })
			c.i32(exitNext)
			c.set(lCode)
			e.br(labExit)
		}
		return
	}
	if b.stop {
		e.exit(exitInterp, b.next, 0)
		return
	}
	e.fallthrough_(b.next)
}

// fallthrough_ continues at the sequentially next offset.
func (e *emitter) fallthrough_(next int) {
	if j, ok := e.index[next]; ok && j == e.cur+1 && !e.lockstep {
		return // the next block's code follows
	}
	e.jump(next)
}

// pcValue pushes the virtual address of page offset off.
func (e *emitter) pcValue(off int) {
	e.c.get(lVBase)
	e.c.i64(int64(off))
	e.c.op(opI64Add)
}

// setRdFn pushes a value with f and writes it to rd (or drops it for x0).
func (e *emitter) setRdFn(rd uint8, f func()) {
	if rd == 0 {
		return
	}
	if !e.regsInLocals {
		e.c.i32(0)
		f()
		e.c.mem(opI64Store, stX+8*uint32(rd&31))
		return
	}
	f()
	e.c.set(uint32(rd & 31))
}

// setRd pops a value into rd, or drops it for x0.
func (e *emitter) setRd(rd uint8) {
	if rd == 0 {
		e.c.op(0x1a) // drop
		return
	}
	if !e.regsInLocals {
		e.c.set(lScratch)
		e.c.i32(0)
		e.c.get(lScratch)
		e.c.mem(opI64Store, stX+8*uint32(rd&31))
		return
	}
	e.c.set(uint32(rd & 31))
}

// rs pushes register r.
func (e *emitter) rs(r uint8) {
	if r&31 == 0 {
		e.c.i64(0)
		return
	}
	if !e.regsInLocals {
		e.c.i32(0)
		e.c.mem(opI64Load, stX+8*uint32(r&31))
		return
	}
	e.c.get(uint32(r & 31))
}

// cond pushes the i32 condition of a branch.
func (e *emitter) cond(in *rv.Inst) {
	e.rs(in.Rs1)
	e.rs(in.Rs2)
	e.c.op(map[rv.Op]byte{
		rv.OpBEQ: opI64Eq, rv.OpBNE: opI64Ne, rv.OpBLT: opI64LtS,
		rv.OpBGE: opI64GeS, rv.OpBLTU: opI64LtU, rv.OpBGEU: opI64GeU,
	}[in.Op])
}
