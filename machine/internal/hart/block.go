package hart

import (
	"encoding/binary"

	"github.com/reprovm/reprovm/machine/internal/rv"
)

// Decoded code is cached as blocks: runs of instructions that start at one
// pc and stop at the first branch or jump, at the first instruction the
// inline executor does not handle, at the end of the page, or after
// maxBlockLen instructions. Run looks at interrupts, the instruction limit
// and the fetch page once per block instead of once per instruction, and
// retires a block's instructions with one addition (issue 7, part 1).
//
// Precision does not suffer: Run executes only as many of a block's
// instructions as fit before nextEvent, so an interrupt is still taken at
// the instret at which the per-instruction loop took it, and every
// instruction that can change what is pending or enabled, or that takes a
// slow path, ends the block (see Run).

// maxBlockLen bounds a block, and so how far back a store must look for
// blocks it overwrites (codeWritten).
const maxBlockLen = 64

// maxBlockBytes is the most bytes a block spans.
const maxBlockBytes = maxBlockLen * 4

// uop is one instruction of a block, in the compact form Run executes:
// 12 bytes instead of rv.Inst's 16, because the decoded code of a large
// program (the Go compiler) does not fit the host's caches, and the pc is
// derived from the page offset rather than carried from one instruction to
// the next.
type uop struct {
	Op           rv.Op
	Rd, Rs1, Rs2 uint8
	Imm          int32
	Off          uint16 // page offset of the instruction
	Len          uint8  // 2 or 4
	_            uint8
}

// Internal operations that rv.Decode never returns.
const (
	// opNop: an instruction with no effect (a fence, or an integer
	// operation that writes x0), so that no inline case ever writes x0.
	opNop = rv.NumOps + iota
	// opSlow: the block's last instruction, executed in full by execSlow
	// from block.term (system, CSR, FP and atomic instructions, and
	// every load and store in reference mode).
	opSlow
)

// block is a run of decoded instructions; see the comment above.
type block struct {
	uops []uop
	term rv.Inst // the whole decode of an opSlow last instruction
	ctl  bool    // the last instruction is a branch or jump
	dead bool    // dropped from its page by a store (see codeWritten)
	end  uint16  // page offset just past the last instruction
	// link caches the blocks that ran after this one on the same page:
	// [0] after falling through or not taking the branch, [1] after
	// taking it (or a JAL). Both targets are fixed page offsets, so a
	// link holds whatever the virtual address of the page; Run checks
	// dead before use.
	link [2]*block
}

// inst rebuilds the rv.Inst of a uop, for execSlow. Only loads and stores
// are rebuilt this way (they need nothing uop drops).
func (u *uop) inst() rv.Inst {
	return rv.Inst{Op: u.Op, Rd: u.Rd, Rs1: u.Rs1, Rs2: u.Rs2, Len: u.Len, Imm: u.Imm}
}

// uopKind says how an instruction sits in a block.
type uopKind uint8

const (
	kindInline uopKind = iota // executed inline, the block goes on
	kindCtl                   // a branch or jump: executed inline, ends the block
	kindEnd                   // executed inline, ends the block
	kindSlow                  // ends the block, executed by execSlow
)

// lower turns a decoded instruction into its uop and says where it may sit.
func (h *Hart) lower(in *rv.Inst, off uint64) (uop, uopKind) {
	u := uop{Op: in.Op, Rd: in.Rd, Rs1: in.Rs1, Rs2: in.Rs2, Imm: in.Imm, Off: uint16(off), Len: in.Len}
	switch op := in.Op; {
	case op == rv.OpJAL || op == rv.OpJALR || op >= rv.OpBEQ && op <= rv.OpBGEU:
		return u, kindCtl
	case op >= rv.OpLB && op <= rv.OpLWU:
		if h.Reference {
			break
		}
		if in.Rd == 0 {
			// It writes x0, which Run clears only after a block.
			return u, kindEnd
		}
		return u, kindInline
	case op >= rv.OpSB && op <= rv.OpSD:
		if h.Reference {
			break
		}
		return u, kindInline
	case op == rv.OpFLW || op == rv.OpFLD || op == rv.OpFSW || op == rv.OpFSD:
		if h.Reference {
			break
		}
		return u, kindInline // see fp_inline.go
	case fpInlineOp(op):
		if h.Reference {
			break
		}
		u.Imm = fpUopImm(in)
		return u, kindInline
	case op == rv.OpFENCE || op == rv.OpFENCEI:
		// One in-order hart: memory is always coherent, and stores drop
		// stale decoded code themselves (see codeWritten).
		u.Op = opNop
		return u, kindInline
	case op == rv.OpLUI || op == rv.OpAUIPC || op >= rv.OpADDI && op <= rv.OpSRAW || op >= rv.OpMUL && op <= rv.OpREMUW:
		if in.Rd == 0 {
			u.Op = opNop
		}
		return u, kindInline
	}
	u.Op = opSlow
	return u, kindSlow
}

// buildBlock decodes the block that starts at pc, on the page h.cur
// caches, and caches it there. An instruction whose second half lies on the
// next page gets a block of its own that is never cached, since that page
// may be remapped independently; it is decoded on every execution. False
// means fetching that second half trapped (the trap is pending).
func (h *Hart) buildBlock(pc uint64) (*block, bool) {
	cp := h.cur
	slot := pc & pageMask >> 1
	maxLen := maxBlockLen
	if h.Reference {
		maxLen = 1
	}
	var buf [maxBlockLen]uop
	b := &block{}
	n := 0
	off := pc & pageMask
	for n < maxLen && off < pageSize {
		lo := uint32(binary.LittleEndian.Uint16(h.ram[cp.off|off:]))
		var in rv.Inst
		switch {
		case lo&3 != 3:
			in = rv.DecodeCompressed(uint16(lo))
		case off == pageSize-2:
			if n > 0 {
				goto done
			}
			return h.crossPageBlock(pc, lo)
		default:
			in = rv.Decode(lo | uint32(binary.LittleEndian.Uint16(h.ram[cp.off|off+2:]))<<16)
		}
		u, kind := h.lower(&in, off)
		buf[n] = u
		n++
		off += uint64(in.Len)
		if kind == kindSlow {
			b.term = in
			break
		}
		if kind == kindCtl {
			b.ctl = true
			break
		}
		if kind == kindEnd {
			break
		}
	}
done:
	// One spare uop at the end: Run walks the uops by pointer up to one
	// past the last, and that pointer must stay inside the allocation.
	// Without the spare, a block whose uops fill their size class exactly
	// (8 uops, 96 bytes) leaves Run holding a pointer to the next object,
	// and the garbage collector, finding it pointing at a free slot, stops
	// the process ("found pointer to free object").
	b.uops = append(make([]uop, 0, n+1), buf[:n]...)
	b.end = uint16(off)
	cp.blocks[slot] = b
	return b, true
}

// crossPageBlock decodes the instruction at pc whose low half lo is the
// last two bytes of its page into h.crossBlock.
func (h *Hart) crossPageBlock(pc uint64, lo uint32) (*block, bool) {
	pa, ok := h.translate(pc+2, accFetch)
	if !ok {
		return nil, false
	}
	off2, ok := h.bus.InRAM(pa, 2)
	if !ok || !h.pmpCheck(pa, 2, accFetch, h.Priv) {
		return nil, h.raise(excInsnAccess, pc+2)
	}
	in := rv.Decode(lo | uint32(binary.LittleEndian.Uint16(h.ram[off2:]))<<16)
	return h.oneBlock(&in, pc), true
}

// oneBlock makes h.crossBlock the block of the one instruction in at pc,
// for an instruction that is decoded on every execution (one that crosses
// a page, or one on a page fetchPage does not cache).
func (h *Hart) oneBlock(in *rv.Inst, pc uint64) *block {
	u, kind := h.lower(in, pc&pageMask)
	if in.Op.IsFP() {
		// FP uops are decoded again from h.cur when they leave for
		// execSlow (slowFPAt), which holds another page here.
		u.Op, kind = opSlow, kindSlow
	}
	b := &h.crossBlock
	h.crossUop[0] = u
	*b = block{uops: h.crossUop[:], ctl: kind == kindCtl, end: uint16(pc&pageMask + uint64(in.Len))}
	if kind == kindSlow {
		b.term = *in
	}
	return b
}

// codeWritten forgets the blocks of cp that overlap the written bytes
// [off, off+n): those that start up to maxBlockBytes before them and end
// after their start. A block being executed is never among them: only
// execSlow stores to a page with decoded code, and Run leaves the block
// after every execSlow.
func (h *Hart) codeWritten(cp *codePage, off, n uint64) {
	h.jitCodeWritten(cp.off >> pageShift) // jit hook
	cp.writes++
	if cp.writes > codeDropWrites {
		h.code[cp.off>>pageShift] = nil
		for i := range h.tlb[accFetch] {
			if e := &h.tlb[accFetch][i]; e.tag != noPage && h.ramOff(e.page) == cp.off {
				*e = tlbEntry{tag: noPage}
			}
		}
		if h.cur == cp {
			h.curVPage = noPage
		}
		return
	}
	lo := max(off, cp.off+maxBlockBytes) - maxBlockBytes
	hi := min(off+n, cp.off+pageSize)
	for a := lo &^ 1; a < hi; a += 2 {
		s := (a - cp.off) >> 1
		if b := cp.blocks[s]; b != nil && cp.off+uint64(b.end) > off {
			b.dead = true
			cp.blocks[s] = nil
		}
	}
}
