package hart

// Hooks and accessors for machine/internal/jit, the translator to
// WebAssembly. The translator runs guest code outside Run, so it must see
// exactly the caches the interpreter would use: its own TLB copies and its
// dispatch entries are valid only while the hart's TLB still holds the
// entries they were copied from, and its translations only while the code
// bytes are unchanged. The hart reports both kinds of change here; the few
// lines elsewhere that call into this file are marked "jit hook".

// jitState is what the hart records for a translator.
type jitState struct {
	// gen changes whenever many TLB entries may have changed at once
	// (flushes, a store-epoch wrap, a fill log overflow).
	gen uint64
	// fills lists the TLB slots filled since the translator last looked,
	// as kind<<10 | index.
	fills  [32]uint16
	nfills int
	// codeHook, if set, is called with the RAM page number of every write
	// to a page that has decoded code (see codeWritten).
	codeHook func(ramPage uint64)
}

// jitFilled notes that TLB slot va's index of the given kind was refilled.
func (h *Hart) jitFilled(kind accessKind, va uint64) {
	if h.jit.nfills == len(h.jit.fills) {
		h.jit.gen++
		return
	}
	h.jit.fills[h.jit.nfills] = uint16(kind)<<10 | uint16(va>>pageShift%tlbSize)
	h.jit.nfills++
}

// jitFlushedPage notes that the three slots of va's page were dropped.
func (h *Hart) jitFlushedPage(va uint64) {
	for k := accFetch; k <= accStore; k++ {
		h.jitFilled(k, va)
	}
}

// jitCodeWritten reports a write to RAM page n, which has decoded code.
func (h *Hart) jitCodeWritten(n uint64) {
	if h.jit.codeHook != nil {
		h.jit.codeHook(n)
	}
}

// TLB kinds, as reported by TakeFills.
const (
	TLBFetch = int(accFetch)
	TLBLoad  = int(accLoad)
	TLBStore = int(accStore)
	TLBSize  = tlbSize
)

// SetCodeHook makes the hart call f with the RAM page number (offset >>
// 12) of every write that touches a page with decoded instructions, before
// the write's effect on the decode cache. Nil removes the hook.
func (h *Hart) SetCodeHook(f func(ramPage uint64)) { h.jit.codeHook = f }

// TLBGen returns a counter that changes whenever TLB entries may have been
// dropped or replaced in bulk.
func (h *Hart) TLBGen() uint64 { return h.jit.gen }

// TakeFills calls f for each TLB slot (kind, index) refilled since the last
// call, and forgets them. If more were refilled than the log holds, TLBGen
// has changed instead.
func (h *Hart) TakeFills(f func(kind, index int)) {
	for _, v := range h.jit.fills[:h.jit.nfills] {
		f(int(v>>10), int(v&(tlbSize-1)))
	}
	h.jit.nfills = 0
}

// TLBKeys returns the current access keys of the fetch, load and store TLBs
// (the low 12 bits of a matching entry's tag).
func (h *Hart) TLBKeys() (fetch, load, store uint64) {
	return h.key[accFetch], h.key[accLoad], h.key[accStore]
}

// TLBEntry returns the tag and RAM page offset of slot index of the given
// kind, and whether it holds a RAM page under the current key. A fetch
// entry also needs its page's decode cache to exist.
func (h *Hart) TLBEntry(kind, index int) (tag, off uint64, ok bool) {
	e := &h.tlb[kind][index&(tlbSize-1)]
	if e.tag == noPage || e.tag&pageMask != h.key[kind] {
		return 0, 0, false
	}
	off = h.ramOff(e.page)
	if kind == TLBFetch && h.code[off>>pageShift] == nil {
		return 0, 0, false
	}
	return e.tag, off, true
}

// HasCode reports whether RAM page n has a decode cache, so that every
// store to it reaches the code hook.
func (h *Hart) HasCode(n uint64) bool { return n < uint64(len(h.code)) && h.code[n] != nil }

// NextEvent returns the instret at which Run would next look at interrupts
// and stops. Translated code must not run an instruction at or past it.
func (h *Hart) NextEvent() uint64 { return h.nextEvent }

// Retired records that translated code retired instructions up to count
// instret and left the hart at pc, with X already updated.
func (h *Hart) Retired(pc, instret uint64) {
	h.PC = pc
	h.instret = instret
	h.X[0] = 0
}

// TranslateBudget returns the instret that translated code may run up to,
// not included: where the interpreter would next look at interrupts and
// stops if it ran on without a limit, or 0 if it must look now. A Run that
// ended at its limit leaves nextEvent at that limit, so the timer deadline
// is recomputed then (event does the same when Run resumes).
func (h *Hart) TranslateBudget() uint64 {
	if h.nextEvent == 0 || h.stop != StopNone {
		return 0
	}
	if h.nextEvent < h.limit {
		return h.nextEvent
	}
	// The deadline may have been the limit itself, so the timer may be
	// pending now.
	if _, ok := h.pendingInterrupt(); ok {
		return 0
	}
	return h.timerDeadline()
}
