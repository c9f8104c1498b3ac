package hart

import (
	"encoding/binary"

	"github.com/reprovm/reprovm/machine/internal/rv"
)

// PeekInst decodes the instruction at virtual address pc as the hart would
// fetch it now, without changing anything: no TLB fill, no A bit, no trap.
// It is for reports (where two runs diverged), not for execution, and
// returns false where a fetch would fault.
func (h *Hart) PeekInst(pc uint64) (rv.Inst, bool) {
	lo, ok := h.peekHalf(pc)
	if !ok {
		return rv.Inst{}, false
	}
	if lo&3 != 3 {
		return rv.DecodeCompressed(lo), true
	}
	hi, ok := h.peekHalf(pc + 2)
	if !ok {
		return rv.Inst{}, false
	}
	return rv.Decode(uint32(lo) | uint32(hi)<<16), true
}

// peekHalf reads the 16 bits of instruction memory at va.
func (h *Hart) peekHalf(va uint64) (uint16, bool) {
	pa, ok := h.peekTranslate(va, h.Priv, true)
	if !ok {
		return 0, false
	}
	off, ok := h.bus.InRAM(pa, 2)
	if !ok {
		return 0, false
	}
	return binary.LittleEndian.Uint16(h.ram[off:]), true
}

// PeekData copies guest memory at virtual address va into p, translated
// as an S-mode load would be under the current satp, without changing
// anything. It is for reports (reading the kernel's current task, say)
// and returns false if any byte is unmapped or not RAM.
func (h *Hart) PeekData(va uint64, p []byte) bool {
	for len(p) > 0 {
		pa, ok := h.peekTranslate(va, PrivS, false)
		if !ok {
			return false
		}
		n := min(uint64(len(p)), pageSize-va&pageMask)
		off, ok := h.bus.InRAM(pa, n)
		if !ok {
			return false
		}
		copy(p, h.ram[off:off+n])
		p, va = p[n:], va+n
	}
	return true
}

// TaskPointer returns what Linux keeps as the current task_struct's
// address: tp in S-mode, sscratch in U-mode (the kernel saves its tp there
// on the way out; arch/riscv/kernel/entry.S). False in M-mode.
func (h *Hart) TaskPointer() (uint64, bool) {
	switch h.Priv {
	case PrivS:
		return h.X[4], true
	case PrivU:
		return h.csr.sscratch, true
	}
	return 0, false
}

// peekTranslate is translate reading the page table only: a fetch (fetch
// true) or a load at privilege priv, with SUM treated as set.
func (h *Hart) peekTranslate(va uint64, priv Priv, fetch bool) (uint64, bool) {
	if priv == PrivM || h.csr.satp>>60 == satpBare {
		return va, true
	}
	pte, _, level, res := h.walk(va)
	if res != walkLeaf || fetch && pte&pteX == 0 || !fetch && pte&pteR == 0 {
		return 0, false
	}
	return leafAddr(va, pte, level)
}
