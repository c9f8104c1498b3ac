package hart

import "unsafe"

// Loads and stores. Each size has a small fast path (a TLB hit on a RAM page,
// not crossing the page) meant to be inlined into the interpreter loop, and
// a shared slow path. Misaligned accesses are done in hardware, never
// trapped; one that crosses a page boundary translates both pages.

func (h *Hart) load8(va uint64) (uint64, bool) {
	if e := &h.tlb[accLoad][va>>pageShift%tlbSize]; e.tag == va&^pageMask|h.key[accLoad] {
		return ld8(e.page, va&pageMask), true
	}
	return h.loadSlow(va, 1)
}

func (h *Hart) load16(va uint64) (uint64, bool) {
	if e := &h.tlb[accLoad][va>>pageShift%tlbSize]; e.tag == va&^pageMask|h.key[accLoad] && va&pageMask <= pageSize-2 {
		return ld16(e.page, va&pageMask), true
	}
	return h.loadSlow(va, 2)
}

func (h *Hart) load32(va uint64) (uint64, bool) {
	if e := &h.tlb[accLoad][va>>pageShift%tlbSize]; e.tag == va&^pageMask|h.key[accLoad] && va&pageMask <= pageSize-4 {
		return ld32(e.page, va&pageMask), true
	}
	return h.loadSlow(va, 4)
}

func (h *Hart) load64(va uint64) (uint64, bool) {
	if e := &h.tlb[accLoad][va>>pageShift%tlbSize]; e.tag == va&^pageMask|h.key[accLoad] && va&pageMask <= pageSize-8 {
		return ld64(e.page, va&pageMask), true
	}
	return h.loadSlow(va, 8)
}

func (h *Hart) store8(va, v uint64) bool {
	if e := &h.tlb[accStore][va>>pageShift%tlbSize]; e.tag == va&^pageMask|h.key[accStore] {
		st8(e.page, va&pageMask, v)
		return true
	}
	return h.storeSlow(va, 1, v)
}

func (h *Hart) store16(va, v uint64) bool {
	if e := &h.tlb[accStore][va>>pageShift%tlbSize]; e.tag == va&^pageMask|h.key[accStore] && va&pageMask <= pageSize-2 {
		st16(e.page, va&pageMask, v)
		return true
	}
	return h.storeSlow(va, 2, v)
}

func (h *Hart) store32(va, v uint64) bool {
	if e := &h.tlb[accStore][va>>pageShift%tlbSize]; e.tag == va&^pageMask|h.key[accStore] && va&pageMask <= pageSize-4 {
		st32(e.page, va&pageMask, v)
		return true
	}
	return h.storeSlow(va, 4, v)
}

func (h *Hart) store64(va, v uint64) bool {
	if e := &h.tlb[accStore][va>>pageShift%tlbSize]; e.tag == va&^pageMask|h.key[accStore] && va&pageMask <= pageSize-8 {
		st64(e.page, va&pageMask, v)
		return true
	}
	return h.storeSlow(va, 8, v)
}

// access translates va for one access that does not cross a page. For RAM
// it fills the TLB (stores only where storeCacheable allows) and returns the
// RAM offset; for anything else it returns the physical address and ram =
// false.
func (h *Hart) access(va uint64, size int, kind accessKind) (addr uint64, ram, ok bool) {
	pa, ok := h.translate(va, kind)
	if !ok {
		return 0, false, false
	}
	off, inRAM := h.bus.InRAM(pa, uint64(size))
	if !inRAM {
		return pa, false, true
	}
	if kind != accStore || h.storeCacheable(off>>pageShift) {
		h.tlb[kind][va>>pageShift%tlbSize] = h.tlbEntryFor(va, kind, off)
		if kind == accStore {
			h.markDirty(off&^pageMask, pageSize)
		}
	}
	return off, true, true
}

// loadSlow is the general load: TLB miss, page crossing, or a device.
func (h *Hart) loadSlow(va uint64, size int) (uint64, bool) {
	if n := pageSize - int(va&pageMask); n < size { // crosses a page
		lo, ok := h.loadSlow(va, n)
		if !ok {
			return 0, false
		}
		hi, ok := h.loadSlow(va+uint64(n), size-n)
		if !ok {
			return 0, false
		}
		return lo | hi<<(8*n), true
	}
	addr, ram, ok := h.access(va, size, accLoad)
	if !ok {
		return 0, false
	}
	if ram {
		return h.ramLoad(addr, size), true
	}
	if v, ok := h.bus.LoadIO(addr, size); ok {
		return v, true
	}
	return 0, h.raise(excLoadAccess, va)
}

// storeSlow is the general store.
func (h *Hart) storeSlow(va uint64, size int, v uint64) bool {
	if n := pageSize - int(va&pageMask); n < size {
		// Translate both halves before writing either, so a fault on the
		// second page leaves memory unchanged.
		if _, ok := h.translate(va, accStore); !ok {
			return false
		}
		if _, ok := h.translate(va+uint64(n), accStore); !ok {
			return false
		}
		return h.storeSlow(va, n, v) && h.storeSlow(va+uint64(n), size-n, v>>(8*n))
	}
	addr, ram, ok := h.access(va, size, accStore)
	if !ok {
		return false
	}
	if ram {
		h.ramStore(addr, size, v)
		h.ramWritten(addr, uint64(size))
		return true
	}
	if h.bus.StoreIO(addr, size, v) {
		h.recheck() // a device may have raised an interrupt or stopped the machine
		return true
	}
	return h.raise(excStoreAccess, va)
}

// amoAddr translates the address of an LR, SC or AMO, which must be
// naturally aligned and in RAM. It returns the RAM offset.
func (h *Hart) amoAddr(va uint64, size int, kind accessKind) (uint64, bool) {
	if va&uint64(size-1) != 0 {
		if kind == accLoad {
			return 0, h.raise(excLoadMisaligned, va)
		}
		return 0, h.raise(excStoreMisaligned, va)
	}
	pa, ok := h.translate(va, kind)
	if !ok {
		return 0, false
	}
	off, ok := h.bus.InRAM(pa, uint64(size))
	if !ok {
		return 0, h.raise(accessFault[kind], va)
	}
	return off, true
}

// fetchPage makes h.cur the decode cache for the page of pc.
func (h *Hart) fetchPage(pc uint64) bool {
	if e := &h.tlb[accFetch][pc>>pageShift%tlbSize]; e.tag == pc&^pageMask|h.key[accFetch] {
		// A fetch entry always maps a page with a decode cache: dropping
		// the cache drops its fetch entries (codeWritten).
		h.cur, h.curVPage = h.code[h.ramOff(e.page)>>pageShift], pc&^pageMask
		return true
	}
	pa, ok := h.translate(pc, accFetch)
	if !ok {
		return false
	}
	off, ok := h.bus.InRAM(pa, 2)
	if !ok {
		return h.raise(excInsnAccess, pc)
	}
	cp := h.codePageFor(off)
	h.tlb[accFetch][pc>>pageShift%tlbSize] = h.tlbEntryFor(pc, accFetch, cp.off)
	h.cur, h.curVPage = cp, pc&^pageMask
	return true
}

// tlbEntryFor makes the TLB entry for the virtual page of va, backed by
// the RAM page at offset off.
func (h *Hart) tlbEntryFor(va uint64, kind accessKind, off uint64) tlbEntry {
	h.jitFilled(kind, va) // jit hook
	return tlbEntry{tag: va&^pageMask | h.key[kind], page: unsafe.Pointer(&h.ram[off&^pageMask])}
}

// ramLoad reads size bytes (1 to 8; the part of a page-crossing access
// on one page can be any of them) at RAM offset off, which the caller has
// checked to be in RAM.
func (h *Hart) ramLoad(off uint64, size int) uint64 {
	p := unsafe.Pointer(&h.ram[off&^pageMask])
	switch size {
	case 1:
		return ld8(p, off&pageMask)
	case 2:
		return ld16(p, off&pageMask)
	case 4:
		return ld32(p, off&pageMask)
	case 8:
		return ld64(p, off&pageMask)
	}
	var v uint64
	for i := size - 1; i >= 0; i-- {
		v = v<<8 | uint64(h.ram[off+uint64(i)])
	}
	return v
}

// ramStore writes size bytes at RAM offset off; see ramLoad.
func (h *Hart) ramStore(off uint64, size int, v uint64) {
	p := unsafe.Pointer(&h.ram[off&^pageMask])
	switch size {
	case 1:
		st8(p, off&pageMask, v)
	case 2:
		st16(p, off&pageMask, v)
	case 4:
		st32(p, off&pageMask, v)
	case 8:
		st64(p, off&pageMask, v)
	default:
		for i := 0; i < size; i++ {
			h.ram[off+uint64(i)] = byte(v >> (8 * i))
		}
	}
}
