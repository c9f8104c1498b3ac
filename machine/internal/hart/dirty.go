package hart

import "math/bits"

// Dirty-page tracking for state roots (issue 8). A root after N more
// instructions must cost time in proportion to the pages written, so the
// hart records which RAM pages may have changed. Writes reach RAM two
// ways: through the store TLB's fast paths, which must stay free of any
// bookkeeping, and through everything else, which calls ramWritten. So a
// page is marked when ramWritten sees a write to it, and when a store-TLB
// entry for it is filled (from then on the fast path may write it
// unnoticed). TakeDirty reports those pages and every page that still has
// a store-TLB entry, and starts the next interval with the latter marked.
//
// Flushing the store TLB at each root instead would be simpler, but the
// TLB's contents are guest-visible (see snapshot.go): a store that misses
// walks the page table and may set a PTE's A bit that the kernel cleared,
// so taking a root would change the run.

// TrackDirty starts recording written pages. Until TakeDirty is first
// called the caller must treat every page as written.
func (h *Hart) TrackDirty() {
	if h.dirty == nil {
		h.dirty = make([]uint64, (len(h.ram)/pageSize+63)/64)
	}
}

// markDirty records that RAM bytes [off, off+n) may have changed.
func (h *Hart) markDirty(off, n uint64) {
	if h.dirty == nil || n == 0 {
		return
	}
	for p := off >> pageShift; p <= (off+n-1)>>pageShift && p < uint64(len(h.ram)/pageSize); p++ {
		h.dirty[p/64] |= 1 << (p % 64)
	}
}

// TakeDirty calls fn for every RAM page (by number) that may have been
// written since the last TakeDirty (or TrackDirty), in increasing order,
// and starts a new interval. It does nothing unless TrackDirty was called.
func (h *Hart) TakeDirty(fn func(page uint64)) {
	if h.dirty == nil {
		return
	}
	h.markStorePages()
	for w, word := range h.dirty {
		for word != 0 {
			fn(uint64(w)*64 + uint64(bits.TrailingZeros64(word)))
			word &= word - 1
		}
		h.dirty[w] = 0
	}
	h.markStorePages()
}

// markStorePages marks every page that has a store-TLB entry, live or from
// an old epoch (an extra page costs a hash, a missed one a wrong root).
func (h *Hart) markStorePages() {
	for i := range h.tlb[accStore] {
		if e := &h.tlb[accStore][i]; e.tag != noPage {
			p := h.ramOff(e.page) >> pageShift
			h.dirty[p/64] |= 1 << (p % 64)
		}
	}
}
