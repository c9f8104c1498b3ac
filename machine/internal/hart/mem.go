package hart

import "encoding/binary"

// Loads and stores. Each size has a small fast path (a TLB hit on a RAM page,
// not crossing the page) meant to be inlined into the interpreter loop, and
// a shared slow path. Misaligned accesses are done in hardware, never
// trapped; one that crosses a page boundary translates both pages.

func (h *Hart) tlbHit(kind accessKind, va uint64) (*tlbEntry, bool) {
	e := &h.tlb[kind][va>>pageShift%tlbSize]
	return e, e.tag == va&^pageMask|h.key[kind]
}

func (h *Hart) load8(va uint64) (uint64, bool) {
	if e, ok := h.tlbHit(accLoad, va); ok {
		return uint64(h.ram[e.off|va&pageMask]), true
	}
	return h.loadSlow(va, 1)
}

func (h *Hart) load16(va uint64) (uint64, bool) {
	if e, ok := h.tlbHit(accLoad, va); ok && va&pageMask <= pageSize-2 {
		return uint64(binary.LittleEndian.Uint16(h.ram[e.off|va&pageMask:])), true
	}
	return h.loadSlow(va, 2)
}

func (h *Hart) load32(va uint64) (uint64, bool) {
	if e, ok := h.tlbHit(accLoad, va); ok && va&pageMask <= pageSize-4 {
		return uint64(binary.LittleEndian.Uint32(h.ram[e.off|va&pageMask:])), true
	}
	return h.loadSlow(va, 4)
}

func (h *Hart) load64(va uint64) (uint64, bool) {
	if e, ok := h.tlbHit(accLoad, va); ok && va&pageMask <= pageSize-8 {
		return binary.LittleEndian.Uint64(h.ram[e.off|va&pageMask:]), true
	}
	return h.loadSlow(va, 8)
}

func (h *Hart) store8(va, v uint64) bool {
	if e, ok := h.tlbHit(accStore, va); ok {
		h.ram[e.off|va&pageMask] = byte(v)
		return true
	}
	return h.storeSlow(va, 1, v)
}

func (h *Hart) store16(va, v uint64) bool {
	if e, ok := h.tlbHit(accStore, va); ok && va&pageMask <= pageSize-2 {
		binary.LittleEndian.PutUint16(h.ram[e.off|va&pageMask:], uint16(v))
		return true
	}
	return h.storeSlow(va, 2, v)
}

func (h *Hart) store32(va, v uint64) bool {
	if e, ok := h.tlbHit(accStore, va); ok && va&pageMask <= pageSize-4 {
		binary.LittleEndian.PutUint32(h.ram[e.off|va&pageMask:], uint32(v))
		return true
	}
	return h.storeSlow(va, 4, v)
}

func (h *Hart) store64(va, v uint64) bool {
	if e, ok := h.tlbHit(accStore, va); ok && va&pageMask <= pageSize-8 {
		binary.LittleEndian.PutUint64(h.ram[e.off|va&pageMask:], v)
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
		h.tlb[kind][va>>pageShift%tlbSize] = tlbEntry{tag: va&^pageMask | h.key[kind], off: off &^ pageMask}
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
		var v uint64
		for i := size - 1; i >= 0; i-- {
			v = v<<8 | uint64(h.ram[addr+uint64(i)])
		}
		return v, true
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
		for i := 0; i < size; i++ {
			h.ram[addr+uint64(i)] = byte(v >> (8 * i))
		}
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
	if e, ok := h.tlbHit(accFetch, pc); ok {
		h.cur, h.curVPage = e.code, pc&^pageMask
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
	h.tlb[accFetch][pc>>pageShift%tlbSize] = tlbEntry{tag: pc&^pageMask | h.key[accFetch], off: cp.off, code: cp}
	h.cur, h.curVPage = cp, pc&^pageMask
	return true
}
