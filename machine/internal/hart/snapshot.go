package hart

import (
	"errors"
	"fmt"
	"unsafe"

	"github.com/reprovm/reprovm/machine/internal/snap"
)

// Snapshots. SaveState writes everything that decides what the hart does
// next; LoadState puts it back into a fresh hart. Besides the architectural
// state (registers, CSRs, counters, the LR reservation, the device-driven
// interrupt lines) that includes two pieces of the caches, because the
// guest can observe them:
//
//   - The TLB's translations. The privileged spec (§4.2.1, SFENCE.VMA) lets
//     a hart keep using a translation after the PTE changed until an
//     sfence.vma, and Linux relies on it: ptep_clear_flush_young clears a
//     PTE's A bit without a flush. A TLB hit leaves A clear; a miss walks
//     the table and sets it again, which the kernel's page aging sees. So
//     which pages are cached, under which key, is state, and is restored
//     entry by entry (tag and RAM page; host pointers are rebuilt).
//   - Which RAM pages hold decoded code, and how many writes each has
//     taken: they decide whether a store may fill the store TLB
//     (storeCacheable), hence whether a later store walks the page table.
//     The decoded instructions themselves are not saved: decoding is a pure
//     function of RAM, and stores keep the cache coherent, so a restored
//     page starts empty and decodes again on first execution.
//
// What is not saved is rebuilt: host pointers into RAM, the current
// code-page shortcut (cur, curVPage), the TLB access keys (a function of
// the privilege, mstatus and storeEpoch), and Run's scheduling state
// (limit and nextEvent, which every Run recomputes before its first
// instruction; taking interrupts only at recomputed points is what makes
// a run split at any instruction count behave like an unsplit one).

// stateVersion changes whenever SaveState's layout does. Version 2 added
// the PMP entries and the trigger module after the store epoch; a version
// 1 state (from a hart without them) is refused rather than restored with
// them reset, since a guest booted on this hart would have programmed them.
const stateVersion = 2

// SaveState appends the hart's state to w. The hart must not be running.
func (h *Hart) SaveState(w *snap.Writer) {
	w.U32(stateVersion)
	for _, v := range h.X {
		w.U64(v)
	}
	for _, v := range h.F {
		w.U64(v)
	}
	w.U64(h.PC)
	w.U8(uint8(h.Priv))
	for _, v := range []uint64{h.instret, h.idle, h.instretOff, h.cycleOff, h.mtimeOff, h.mtimecmp} {
		w.U64(v)
	}
	c := &h.csr
	for _, v := range []uint64{
		c.mstatus, c.medeleg, c.mideleg, c.mie, c.mip,
		c.mtvec, c.mscratch, c.mepc, c.mcause, c.mtval,
		c.mcounteren, c.scounteren,
		c.stvec, c.sscratch, c.sepc, c.scause, c.stval,
		c.satp, c.menvcfg, c.stimecmp,
	} {
		w.U64(v)
	}
	w.U8(c.fflags)
	w.U8(c.frm)
	w.U64(h.lines)
	w.Bool(h.resValid)
	w.U64(h.resAddr)
	for _, v := range []uint64{h.trapCause, h.trapVal, h.trapInstret, h.trapStreak} {
		w.U64(v)
	}
	w.Bool(h.userSeen)
	w.U64(h.FirstUserInstret)
	w.U64(h.watch)
	w.U64(h.ToHost)
	w.Bool(h.UserECallStops)
	w.U8(uint8(h.stop))
	w.U64(h.storeEpoch)
	for i := range pmpEntries {
		w.U8(h.pmp.cfg[i])
		w.U64(h.pmp.addr[i])
	}
	w.U64(h.trig.sel)
	for i := range numTriggers {
		w.U64(h.trig.tdata1[i])
		w.U64(h.trig.tdata2[i])
	}

	var pages []uint64
	for n, cp := range h.code {
		if cp != nil {
			pages = append(pages, uint64(n))
		}
	}
	w.U32(uint32(len(pages)))
	for _, n := range pages {
		w.U64(n)
		w.U32(uint32(h.code[n].writes))
	}
	for k := range h.tlb {
		var idx []int
		for i, e := range h.tlb[k] {
			if e.tag != noPage {
				idx = append(idx, i)
			}
		}
		w.U32(uint32(len(idx)))
		for _, i := range idx {
			e := &h.tlb[k][i]
			w.U16(uint16(i))
			w.U64(e.tag)
			w.U64(h.ramOff(e.page))
		}
	}
}

// LoadState reads a state that SaveState wrote into h, which must be fresh
// from New on a bus whose RAM already holds the snapshot's contents. It
// checks every field against what the hart itself could have produced, so a
// corrupt or hostile state is an error, never a crash or a wild pointer;
// on error h must be discarded.
func (h *Hart) LoadState(r *snap.Reader) error {
	if v := r.U32(); r.Err() == nil && v != stateVersion {
		if v == 1 {
			return r.Failf("hart state version 1, from a reprovm whose hart had no PMP entries or triggers; this one reads version %d: make the snapshot again", stateVersion)
		}
		return r.Failf("hart state version %d, want %d", v, stateVersion)
	}
	for i := range h.X {
		h.X[i] = r.U64()
	}
	for i := range h.F {
		h.F[i] = r.U64()
	}
	h.PC = r.U64()
	h.Priv = Priv(r.U8())
	for _, p := range []*uint64{&h.instret, &h.idle, &h.instretOff, &h.cycleOff, &h.mtimeOff, &h.mtimecmp} {
		*p = r.U64()
	}
	c := &h.csr
	for _, p := range []*uint64{
		&c.mstatus, &c.medeleg, &c.mideleg, &c.mie, &c.mip,
		&c.mtvec, &c.mscratch, &c.mepc, &c.mcause, &c.mtval,
		&c.mcounteren, &c.scounteren,
		&c.stvec, &c.sscratch, &c.sepc, &c.scause, &c.stval,
		&c.satp, &c.menvcfg, &c.stimecmp,
	} {
		*p = r.U64()
	}
	c.fflags = r.U8()
	c.frm = r.U8()
	h.lines = r.U64()
	h.resValid = r.Bool()
	h.resAddr = r.U64()
	for _, p := range []*uint64{&h.trapCause, &h.trapVal, &h.trapInstret, &h.trapStreak} {
		*p = r.U64()
	}
	h.userSeen = r.Bool()
	h.FirstUserInstret = r.U64()
	h.watch = r.U64()
	h.ToHost = r.U64()
	h.UserECallStops = r.Bool()
	h.stop = StopReason(r.U8())
	h.storeEpoch = r.U64()
	for i := range pmpEntries {
		h.pmp.cfg[i] = r.U8()
		h.pmp.addr[i] = r.U64()
	}
	h.trig.sel = r.U64()
	for i := range numTriggers {
		h.trig.tdata1[i] = r.U64()
		h.trig.tdata2[i] = r.U64()
	}
	if r.Err() != nil {
		return r.Err()
	}
	if err := h.checkState(); err != nil {
		return r.Failf("hart state: %v", err)
	}
	h.pmp.update()
	h.trig.update()

	n := r.Count("code pages", len(h.code), 12)
	prev := -1
	for range n {
		p, writes := r.U64(), r.U32()
		if r.Err() != nil {
			return r.Err()
		}
		if p >= uint64(len(h.code)) || int(p) <= prev {
			return r.Failf("hart state: code page %d out of order or beyond the %d pages of RAM", p, len(h.code))
		}
		if writes > codeDropWrites {
			return r.Failf("hart state: code page %d has %d writes, more than the %d that drop it", p, writes, codeDropWrites)
		}
		prev = int(p)
		h.code[p] = &codePage{off: p << pageShift, writes: int(writes)}
	}
	for k := range h.tlb {
		n := r.Count("TLB entries", tlbSize, 18)
		prev := -1
		for range n {
			i, tag, off := int(r.U16()), r.U64(), r.U64()
			if r.Err() != nil {
				return r.Err()
			}
			if i >= tlbSize || i <= prev {
				return r.Failf("hart state: TLB %d entry %d out of order or beyond %d", k, i, tlbSize)
			}
			prev = i
			if tag == noPage || off&pageMask != 0 || off >= uint64(len(h.ram)) {
				return r.Failf("hart state: TLB %d entry %d maps to RAM offset %#x, not a page of the %d bytes of RAM", k, i, off, len(h.ram))
			}
			if accessKind(k) == accFetch && h.code[off>>pageShift] == nil {
				return r.Failf("hart state: fetch TLB entry %d maps RAM page %#x, which holds no code", i, off)
			}
			h.tlb[k][i] = tlbEntry{tag: tag, page: unsafe.Pointer(&h.ram[off])}
		}
	}
	if r.Err() != nil {
		return r.Err()
	}
	h.updateKeys()
	h.recheck()
	return nil
}

// checkState rejects register values that no sequence of instructions and
// device accesses could have produced (each mask is the one its write path
// applies), so a restored hart only ever holds states the interpreter's
// invariants allow.
func (h *Hart) checkState() error {
	c := &h.csr
	checks := []struct {
		what string
		bad  bool
	}{
		{"instret", h.instret >= 1<<63}, // centuries at any speed; keeps instret+budget from wrapping
		{"x0", h.X[0] != 0},
		{"pc", h.PC&1 != 0},
		{"privilege", h.Priv != PrivU && h.Priv != PrivS && h.Priv != PrivM},
		{"mstatus", c.mstatus&^mstatusWritable != 0 || c.mstatus&mstatusMPP == 2<<11},
		{"medeleg", c.medeleg&^medelegWritable != 0},
		{"mideleg", c.mideleg&^delegable != 0},
		{"mie", c.mie&^allInts != 0},
		{"mip", c.mip&^mipWritable != 0},
		{"mtvec", c.mtvec&2 != 0},
		{"stvec", c.stvec&2 != 0},
		{"mepc", c.mepc&1 != 0},
		{"sepc", c.sepc&1 != 0},
		{"mcounteren", c.mcounteren > 0xffffffff},
		{"scounteren", c.scounteren > 0xffffffff},
		{"satp", !validSATP(c.satp)},
		{"menvcfg", c.menvcfg&^menvcfgSTCE != 0},
		{"fflags", c.fflags > 0x1f},
		{"frm", c.frm > 7},
		{"device interrupt lines", h.lines&^(MIPMSIP|MIPMEIP|MIPSEIP) != 0},
		{"stop reason", h.stop > StopRequested},
		{"store epoch", h.storeEpoch >= storeEpochs},
	}
	for _, c := range checks {
		if c.bad {
			return fmt.Errorf("%s has a value the hart cannot hold", c.what)
		}
	}
	for i := range pmpEntries {
		if legalPMPCfg(h.pmp.cfg[i]) != h.pmp.cfg[i] || h.pmp.addr[i] > pmpAddrMask {
			return fmt.Errorf("PMP entry %d has a value the hart cannot hold", i)
		}
	}
	if !h.trig.valid() {
		return errors.New("the trigger module has a value the hart cannot hold")
	}
	if h.resValid {
		if _, ok := h.bus.InRAM(h.resAddr, 4); !ok || h.resAddr&3 != 0 {
			return fmt.Errorf("LR reservation at %#x is not an aligned RAM address", h.resAddr)
		}
	}
	return nil
}

// validSATP reports whether setSATP could have left v in satp.
func validSATP(v uint64) bool {
	switch v >> 60 {
	case satpBare:
		return v == 0
	case satpSv39, satpSv48:
		return v&^(0xf<<60|0xffff<<44|(1<<44-1)) == 0
	}
	return false
}
