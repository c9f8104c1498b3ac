package hart

import (
	"encoding/binary"
)

// PTE bits (privileged spec §4.3.1).
const (
	pteV = 1 << 0
	pteR = 1 << 1
	pteW = 1 << 2
	pteX = 1 << 3
	pteU = 1 << 4
	pteA = 1 << 6
	pteD = 1 << 7
	// Bits 63:54 are reserved (Svnapot, Svpbmt are not implemented) and
	// must be zero, else the walk raises a page fault.
	pteReserved = 0x3ff << 54
	ptePPNMask  = (1<<44 - 1) << 10
)

// effectivePriv returns the privilege used for loads and stores: MPP when
// MPRV is set in M-mode (privileged spec §3.1.6.3).
func (h *Hart) effectivePriv() Priv {
	if h.Priv == PrivM && h.csr.mstatus&mstatusMPRV != 0 {
		return Priv(h.csr.mstatus >> 11 & 3)
	}
	return h.Priv
}

// updateKeys recomputes the TLB access keys after a change of privilege or
// of mstatus. An entry is only used under the key it was filled with, so
// such changes need no flush.
func (h *Hart) updateKeys() {
	st := h.csr.mstatus
	ep := uint64(h.effectivePriv())
	sum := st >> 18 & 1
	mxr := st >> 19 & 1
	h.key[accFetch] = 1 | uint64(h.Priv)<<1
	h.key[accLoad] = 1 | ep<<1 | sum<<3 | mxr<<4
	h.key[accStore] = 1 | ep<<1 | sum<<3 | h.storeEpoch<<storeEpochShift
	h.curVPage = noPage
}

// The store TLB's key also holds an epoch. Bumping it makes every store
// entry miss at once, which is how a page leaves the store fast path when
// it gets a reservation (LR) or decoded code: storeCacheable then keeps it
// out on refill. Scanning the TLB for the page's entries instead costs a
// thousand compares per LR. Epochs wrap after storeEpochs bumps, so the
// store TLB is really flushed then, lest an entry from the same epoch one
// wrap ago match again.
const (
	storeEpochShift = 5
	storeEpochs     = 1 << (pageShift - storeEpochShift)
)

// bumpStoreEpoch invalidates every store-TLB entry in O(1).
func (h *Hart) bumpStoreEpoch() {
	h.storeEpoch = (h.storeEpoch + 1) % storeEpochs
	if h.storeEpoch == 0 {
		h.jit.gen++ // jit hook
		for i := range h.tlb[accStore] {
			h.tlb[accStore][i] = tlbEntry{tag: noPage}
		}
	}
	h.key[accStore] = h.key[accStore]&^((storeEpochs-1)<<storeEpochShift) | h.storeEpoch<<storeEpochShift
}

// flushTLB empties all three TLBs (sfence.vma, satp writes).
func (h *Hart) flushTLB() {
	h.jit.gen++ // jit hook
	for k := range h.tlb {
		for i := range h.tlb[k] {
			h.tlb[k][i] = tlbEntry{tag: noPage}
		}
	}
	h.curVPage = noPage
}

// flushTLBPage drops the entries for the virtual page of va.
func (h *Hart) flushTLBPage(va uint64) {
	h.jitFlushedPage(va) // jit hook
	i := va >> pageShift % tlbSize
	for k := range h.tlb {
		if h.tlb[k][i].tag&^pageMask == va&^pageMask {
			h.tlb[k][i] = tlbEntry{tag: noPage}
		}
	}
	h.curVPage = noPage
}

// translate maps va to a physical address for an access of the given kind,
// walking the page table and setting A and D (privileged spec §4.3.2 with
// hardware A/D updating). On failure it records the page or access fault.
func (h *Hart) translate(va uint64, kind accessKind) (uint64, bool) {
	priv := h.Priv
	if kind != accFetch {
		priv = h.effectivePriv()
	}
	if priv == PrivM || h.csr.satp>>60 == satpBare {
		return va, true
	}
	pte, off, level, res := h.walk(va)
	switch res {
	case walkAccessFault:
		return 0, h.raise(accessFault[kind], va)
	case walkPageFault:
		return 0, h.raise(pageFault[kind], va)
	}
	// Leaf: check permissions.
	st := h.csr.mstatus
	if pte&pteU != 0 {
		if priv == PrivS && (kind == accFetch || st&mstatusSUM == 0) {
			return 0, h.raise(pageFault[kind], va)
		}
	} else if priv == PrivU {
		return 0, h.raise(pageFault[kind], va)
	}
	var ok bool
	switch kind {
	case accFetch:
		ok = pte&pteX != 0
	case accLoad:
		ok = pte&pteR != 0 || st&mstatusMXR != 0 && pte&pteX != 0
	default:
		ok = pte&pteW != 0
	}
	if !ok {
		return 0, h.raise(pageFault[kind], va)
	}
	pa, ok := leafAddr(va, pte, level)
	if !ok {
		return 0, h.raise(pageFault[kind], va)
	}
	want := uint64(pteA)
	if kind == accStore {
		want |= pteD
	}
	if pte&want != want {
		// The A/D update is an S-mode store to the PTE (privileged spec
		// §4.3.2 step 9, §3.7.1).
		if !h.pmpCheck(h.bus.RAMBase+off, 8, accStore, PrivS) {
			return 0, h.raise(accessFault[kind], va)
		}
		binary.LittleEndian.PutUint64(h.ram[off:], pte|want)
		h.ramWritten(off, 8)
	}
	return pa, true
}

// walkResult is how a page-table walk ended.
type walkResult uint8

const (
	walkLeaf        walkResult = iota // found a leaf PTE
	walkPageFault                     // an invalid PTE or address
	walkAccessFault                   // a PTE outside RAM or denied by PMP
)

// walk finds the leaf PTE of va under satp's Sv39 or Sv48 table
// (privileged spec §4.3.2, steps 1 to 4), reading memory only: the PTE,
// its RAM offset and its level (0 for a 4 KiB page). satp must not be Bare.
// Each PTE read is checked by PMP as an S-mode load (§3.7.1).
func (h *Hart) walk(va uint64) (pte, off uint64, level int, res walkResult) {
	satp := h.csr.satp
	levels, vaBits := 3, uint(39)
	if satp>>60 == satpSv48 {
		levels, vaBits = 4, 48
	}
	// The address must be the sign extension of its top translated bit.
	if uint64(int64(va<<(64-vaBits))>>(64-vaBits)) != va {
		return 0, 0, 0, walkPageFault
	}
	table := (satp & (1<<44 - 1)) << pageShift
	for i := levels - 1; i >= 0; i-- {
		vpn := va >> (pageShift + 9*uint(i)) & 511
		off, ok := h.bus.InRAM(table+vpn*8, 8)
		if !ok || !h.pmpCheck(table+vpn*8, 8, accLoad, PrivS) {
			return 0, 0, 0, walkAccessFault
		}
		pte := binary.LittleEndian.Uint64(h.ram[off:])
		if pte&pteV == 0 || pte&(pteR|pteW) == pteW || pte&pteReserved != 0 {
			return 0, 0, 0, walkPageFault
		}
		if pte&(pteR|pteX) == 0 { // pointer to the next level
			table = (pte & ptePPNMask) >> 10 << pageShift
			continue
		}
		return pte, off, i, walkLeaf
	}
	return 0, 0, 0, walkPageFault
}

// leafAddr returns the physical address of va under the leaf pte found at
// level; false if a superpage's PPN is not aligned to its size.
func leafAddr(va, pte uint64, level int) (uint64, bool) {
	ppn := (pte & ptePPNMask) >> 10
	low := uint64(1)<<(9*uint(level)) - 1
	if ppn&low != 0 {
		return 0, false
	}
	return (ppn|va>>pageShift&low)<<pageShift | va&pageMask, true
}

// codePageFor returns the decode cache of the RAM page at offset off,

// and fence.i has nothing left to do.
func (h *Hart) codePageFor(off uint64) *codePage {
	n := off >> pageShift
	if cp := h.code[n]; cp != nil {
		return cp
	}
	cp := &codePage{off: off &^ pageMask}
	h.code[n] = cp
	h.bumpStoreEpoch()
	return cp
}

// ramWritten must follow every write to RAM that bypasses the store TLB
// (slow-path stores, AMOs, page-table A/D updates, device DMA). It forgets
// decoded instructions that the write touched, breaks an LR reservation on
// the written granule, and notices writes to the watched tohost word.
func (h *Hart) ramWritten(off, n uint64) {
	h.markDirty(off, n)
	for p := off >> pageShift; p <= (off+n-1)>>pageShift && p < uint64(len(h.code)); p++ {
		if cp := h.code[p]; cp != nil {
			h.codeWritten(cp, off, n)
		}
	}
	pa := h.bus.RAMBase + off
	if h.resValid && pa < h.resAddr&^7+8 && h.resAddr&^7 < pa+n {
		h.resValid = false
	}
	if h.watch != 0 && pa < h.watch+8 && h.watch < pa+n {
		if woff, ok := h.bus.InRAM(h.watch, 8); ok {
			if v := binary.LittleEndian.Uint64(h.ram[woff:]); v != 0 {
				h.ToHost = v
				h.stop = StopToHost
				h.recheck()
			}
		}
	}
}

// codeDropWrites is how many writes a page with decoded code takes before
// its decode cache is dropped: a page that was code and became data (a
// reused physical page) must not keep every store on the slow path.
const codeDropWrites = 256

// WrittenByDevice tells the hart that a device wrote guest RAM at physical
// address pa, so caches of that memory are dropped.
func (h *Hart) WrittenByDevice(pa, n uint64) {
	if off, ok := h.bus.InRAM(pa, n); ok && n > 0 {
		h.ramWritten(off, n)
	}
}

// storeCacheable reports whether stores to RAM page n may use the store TLB.
func (h *Hart) storeCacheable(n uint64) bool {
	if h.code[n] != nil {
		return false
	}
	if h.watch != 0 && (h.watch-h.bus.RAMBase)>>pageShift == n {
		return false
	}
	if h.resValid && (h.resAddr-h.bus.RAMBase)>>pageShift == n {
		return false
	}
	return true
}
