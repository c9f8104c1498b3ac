package hart

import (
	"encoding/binary"
	"unsafe"

	"github.com/reprovm/reprovm/machine/internal/rv"
)

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

// access translates va for one access that does not cross a page and
// checks it against PMP. For RAM it fills the TLB, if PMP gives the whole
// page one verdict, no armed trigger is on it and (for stores)
// storeCacheable allows, and returns the RAM offset; for anything else it
// returns the physical address and ram = false.
func (h *Hart) access(va uint64, size int, kind accessKind) (addr uint64, ram, ok bool) {
	pa, ok := h.translate(va, kind)
	if !ok {
		return 0, false, false
	}
	allowed, page := h.pmp.access(pa, uint64(size), kind, h.effectivePriv())
	if !allowed {
		return 0, false, h.raise(accessFault[kind], va)
	}
	off, inRAM := h.bus.InRAM(pa, uint64(size))
	if !inRAM {
		return pa, false, true
	}
	if page && !h.trigPage(kind, va) && (kind != accStore || h.storeCacheable(off>>pageShift)) {
		h.tlb[kind][va>>pageShift%tlbSize] = h.tlbEntryFor(va, kind, off)
		if kind == accStore {
			h.markDirty(off&^pageMask, pageSize)
		}
	}
	return off, true, true
}

// translateChecked translates va for a load or store of n bytes (not
// crossing a page) and checks PMP, without touching the TLB.
func (h *Hart) translateChecked(va uint64, n int, kind accessKind) (uint64, bool) {
	pa, ok := h.translate(va, kind)
	if !ok {
		return 0, false
	}
	if !h.pmpCheck(pa, uint64(n), kind, h.effectivePriv()) {
		return 0, h.raise(accessFault[kind], va)
	}
	return pa, true
}

// loadSlow is the general load: TLB miss, page crossing, or a device.
// Triggers are looked at first: an address breakpoint comes before any
// fault of the access.
func (h *Hart) loadSlow(va uint64, size int) (uint64, bool) {
	if h.trigFires(accLoad, va, uint64(size)) {
		return 0, false
	}
	return h.loadPart(va, size)
}

// loadPart is loadSlow after the triggers.
func (h *Hart) loadPart(va uint64, size int) (uint64, bool) {
	if n := pageSize - int(va&pageMask); n < size { // crosses a page
		lo, ok := h.loadPart(va, n)
		if !ok {
			return 0, false
		}
		hi, ok := h.loadPart(va+uint64(n), size-n)
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

// storeSlow is the general store; see loadSlow.
func (h *Hart) storeSlow(va uint64, size int, v uint64) bool {
	if h.trigFires(accStore, va, uint64(size)) {
		return false
	}
	return h.storePart(va, size, v)
}

// storePart is storeSlow after the triggers.
func (h *Hart) storePart(va uint64, size int, v uint64) bool {
	if n := pageSize - int(va&pageMask); n < size {
		// Translate and check both halves before writing either, so a
		// fault on the second page leaves memory unchanged.
		if _, ok := h.translateChecked(va, n, accStore); !ok {
			return false
		}
		if _, ok := h.translateChecked(va+uint64(n), size-n, accStore); !ok {
			return false
		}
		return h.storePart(va, n, v) && h.storePart(va+uint64(n), size-n, v>>(8*n))
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
// naturally aligned, allowed by PMP and in RAM. It returns the RAM offset.
// kind is accLoad for LR, accStore for SC and AMOs (PMP's W implies R);
// triggers of that kind come first (an AMO's caller checks load triggers
// too).
func (h *Hart) amoAddr(va uint64, size int, kind accessKind) (uint64, bool) {
	if h.trigFires(kind, va, uint64(size)) {
		return 0, false
	}
	if va&uint64(size-1) != 0 {
		if kind == accLoad {
			return 0, h.raise(excLoadMisaligned, va)
		}
		return 0, h.raise(excStoreMisaligned, va)
	}
	pa, ok := h.translateChecked(va, size, kind)
	if !ok {
		return 0, false
	}
	off, ok := h.bus.InRAM(pa, uint64(size))
	if !ok {
		return 0, h.raise(accessFault[kind], va)
	}
	return off, true
}

// fetchPage makes h.cur the decode cache for the page of pc and fills the
// fetch TLB. A page that PMP splits, or that holds the address of an armed
// execute trigger, is never cached: fetchPage then returns the block of
// the one instruction at pc (fetchOne), and Run comes back for the next.
// Triggers come first: an instruction address breakpoint has priority over
// the fetch's page and access faults.
func (h *Hart) fetchPage(pc uint64) (*block, bool) {
	if e := &h.tlb[accFetch][pc>>pageShift%tlbSize]; e.tag == pc&^pageMask|h.key[accFetch] {
		// A fetch entry always maps a page with a decode cache: dropping
		// the cache drops its fetch entries (codeWritten).
		h.cur, h.curVPage = h.code[h.ramOff(e.page)>>pageShift], pc&^pageMask
		return nil, true
	}
	if h.trigFires(accFetch, pc, 1) {
		return nil, false
	}
	pa, ok := h.translate(pc, accFetch)
	if !ok {
		return nil, false
	}
	off, ok := h.bus.InRAM(pa, 2)
	if !ok {
		return nil, h.raise(excInsnAccess, pc)
	}
	allowed, page := h.pmp.access(pa, 2, accFetch, h.Priv)
	if !allowed {
		return nil, h.raise(excInsnAccess, pc)
	}
	if !page || h.trigPage(accFetch, pc) {
		return h.fetchOne(pc, pa, off)
	}
	cp := h.codePageFor(off)
	h.tlb[accFetch][pc>>pageShift%tlbSize] = h.tlbEntryFor(pc, accFetch, cp.off)
	h.cur, h.curVPage = cp, pc&^pageMask
	return nil, true
}

// noCode is the empty decode cache h.cur points at while fetchOne's blocks
// run, so that Run neither chains from them nor finds blocks there. Nothing
// writes it.
var noCode codePage

// fetchOne decodes the instruction at pc, whose first half (at physical
// address pa, RAM offset off) PMP allows, into a block of its own that is
// not cached, checking PMP for its second half.
func (h *Hart) fetchOne(pc, pa, off uint64) (*block, bool) {
	h.cur, h.curVPage = &noCode, noPage
	lo := uint32(binary.LittleEndian.Uint16(h.ram[off:]))
	if lo&3 != 3 {
		in := rv.DecodeCompressed(uint16(lo))
		return h.oneBlock(&in, pc), true
	}
	if pc&pageMask == pageSize-2 {
		return h.crossPageBlock(pc, lo)
	}
	if !h.pmpCheck(pa+2, 2, accFetch, h.Priv) {
		return nil, h.raise(excInsnAccess, pc+2)
	}
	in := rv.Decode(lo | uint32(binary.LittleEndian.Uint16(h.ram[off+2:]))<<16)
	return h.oneBlock(&in, pc), true
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
