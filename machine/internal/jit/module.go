package jit

// Module assembly: the core module, which owns the linear memory (the state
// area and guest RAM), the function table and the dispatcher, and the batch
// modules, which import both and put their page functions into the table.

// Linear-memory layout. The state area is at 0 and guest RAM at ramBase, so
// a RAM offset becomes a wasm address by adding ramBase.
const (
	stX       = 0   // x0..x31, 8 bytes each
	stPC      = 256 // pc to run next / pc at exit
	stInstret = 264 // instret at entry / at exit
	stBudget  = 272 // instret that no block may pass
	stKeyL    = 280 // the hart's load-TLB key
	stKeyS    = 288 // the hart's store-TLB key
	stFKey    = 296 // the hart's fetch-TLB key
	stVA      = 304 // address of the access that left translated code

	// Dispatcher hash table: htSize entries {pc u64, slot | block<<16 u32,
	// ppage u32}: the page function in the table slot is called with the
	// index of pc's block.
	// An entry is used only while the fetch mirror at pc's TLB index holds
	// pc's page under the current fetch key and the same ppage (RAM page
	// number + 1), that is, while the interpreter would fetch pc from the
	// page the slot's function was translated from without walking the
	// page table.
	htBase = 0x1000
	htSize = 4096
	// Copies of hart TLB entries, tlbSize each {tag u64, wasm address of
	// the page u32 (ppage u32 in the fetch mirror), pad}: load, store, fetch.
	tlbLBase  = htBase + htSize*16
	tlbSBase  = tlbLBase + tlbSize*16
	tlbFBase  = tlbSBase + tlbSize*16
	tlbSize   = 1024
	ramBase   = 0x20000
	wasmPage  = 65536
	tableSize = 1 << 16 // function-table slots; slot 0 stays empty
)

// Exit codes returned by translated code. exitNext is internal: a page
// function returns it to the dispatcher to continue at stPC.
const (
	exitNext   = 0
	exitMiss   = 1 // no translation for stPC under the current tag
	exitBudget = 2 // the next block would pass stBudget
	exitMem    = 3 // a load or store the translated TLB could not do (stVA)
	exitInterp = 4 // an instruction the translator leaves to the interpreter
)

// htIndex is the dispatcher's hash of a pc, the same as coreModule's.
func htIndex(pc uint64) uint64 { return (pc>>1 ^ pc>>13) & (htSize - 1) }

// limits appends wasm limits with a maximum.
func limits(b []byte, min, max uint32) []byte {
	b = append(b, 1)
	b = appendU(b, uint64(min))
	return appendU(b, uint64(max))
}

// coreModule returns the core module: memory of pages 64 KiB pages, the
// table, and run, the dispatcher (and step, see dispatcher). run looks stPC up in the hash table and
// calls the page function found there until one returns non-zero, or
// returns exitMiss.
func coreModule(pages uint32) []byte {
	b := append([]byte{}, wasmHeader...)
	// type 0: (i32) -> i32, page functions; type 1: () -> i32
	b = section(b, 1, []byte{2, 0x60, 1, tI32, 1, tI32, 0x60, 0, 1, tI32})
	b = section(b, 3, []byte{2, 1, 1}) // run and step, of type 1
	tab := []byte{1, 0x70}
	tab = limits(tab, tableSize, tableSize)
	b = section(b, 4, tab)
	mem := []byte{1}
	mem = limits(mem, pages, pages)
	b = section(b, 5, mem)
	var ex []byte
	ex = append(ex, 4)
	ex = name(ex, "run")
	ex = append(ex, 0, 0)
	ex = name(ex, "step")
	ex = append(ex, 0, 1)
	ex = name(ex, "mem")
	ex = append(ex, 2, 0)
	ex = name(ex, "tab")
	ex = append(ex, 1, 0)
	b = section(b, 7, ex)

	body := dispatcher(false)
	body = append(appendU(nil, uint64(len(body))), body...)
	step := dispatcher(true)
	step = append(appendU(nil, uint64(len(step))), step...)
	b = section(b, 10, append(append([]byte{2}, body...), step...))
	return b
}

// dispatcher returns the body of run, or with once of step, which calls
// at most one page function and returns its code (lockstep mode).
func dispatcher(once bool) code {
	// locals: 0 pc i64, 1 e i32, 2 r i32, 3 f i32
	var c code
	c.op(2, 1, tI64, 3, tI32)
	const pc, e, r, f = 0, 1, 2, 3
	c.op(opLoop, 0x40)
	c.i32(0)
	c.mem(opI64Load, stPC)
	c.tee(pc)
	c.i64(1)
	c.op(opI64ShrU)
	c.get(pc)
	c.i64(13)
	c.op(opI64ShrU)
	c.op(opI64Xor)
	c.op(opI32WrapI64)
	c.i32(htSize - 1)
	c.op(opI32And)
	c.i32(4)
	c.op(opI32Shl)
	c.tee(e)
	c.mem(opI64Load, htBase)
	c.get(pc)
	c.op(opI64Eq)
	c.get(pc)
	c.tlbSlot()
	c.tee(f)
	c.mem(opI64Load, tlbFBase)
	c.get(pc)
	c.i64(^int64(4095))
	c.op(opI64And)
	c.i32(0)
	c.mem(opI64Load, stFKey)
	c.op(opI64Or, opI64Eq, opI32And)
	c.get(f)
	c.mem(opI32Load, tlbFBase+8)
	c.get(e)
	c.mem(opI32Load, htBase+12)
	c.op(opI32Eq, opI32And)
	c.op(opIf, 0x40)
	c.get(e)
	c.mem(opI32Load, htBase+8)
	c.tee(r)
	c.i32(16)
	c.op(opI32ShrU) // the block index, the page function's argument
	c.get(r)
	c.i32(0xffff)
	c.op(opI32And) // the table slot
	c.op(opCallIndirect, 0, 0)
	c.tee(r)
	if !once {
		c.op(opI32Eqz)
		c.op(opBrIf, 1)
		c.get(r)
	}
	c.op(opReturn)
	c.op(opEnd) // if
	c.op(opEnd) // loop
	c.i32(exitMiss)
	c.op(opEnd)
	return c
}

// batchModule assembles a module of page functions (bodies, each of type
// (block index i32) -> i32, with their locals already encoded) that imports the core's
// memory and table and places its functions at table slots first,
// first+1, .... Function 0 is mulhu, which the bodies call.
func batchModule(pages uint32, first uint32, bodies []code) []byte {
	b := append([]byte{}, wasmHeader...)
	// type 0: (i32) -> i32; type 1: (i64, i64) -> i64
	b = section(b, 1, []byte{2, 0x60, 1, tI32, 1, tI32, 0x60, 2, tI64, tI64, 1, tI64})
	var im []byte
	im = append(im, 2)
	im = name(im, "core")
	im = name(im, "mem")
	im = append(im, 2)
	im = limits(im, pages, pages)
	im = name(im, "core")
	im = name(im, "tab")
	im = append(im, 1, 0x70)
	im = limits(im, tableSize, tableSize)
	b = section(b, 2, im)
	fs := appendU(nil, uint64(len(bodies)+1))
	fs = append(fs, 1)
	for range bodies {
		fs = append(fs, 0)
	}
	b = section(b, 3, fs)
	el := []byte{1, 0}
	el = append(el, opI32Const)
	el = appendS(el, int64(first))
	el = append(el, opEnd)
	el = appendU(el, uint64(len(bodies)))
	for i := range bodies {
		el = appendU(el, uint64(i+1))
	}
	b = section(b, 9, el)
	cs := appendU(nil, uint64(len(bodies)+1))
	m := mulhuBody()
	cs = appendU(cs, uint64(len(m)))
	cs = append(cs, m...)
	for _, f := range bodies {
		cs = appendU(cs, uint64(len(f)))
		cs = append(cs, f...)
	}
	return section(b, 10, cs)
}

// mulhuBody is the high 64 bits of the unsigned 128-bit product of its two
// arguments, from four 32x32 partial products: wasm has no wide multiply.
func mulhuBody() code {
	var c code
	// params 0 a, 1 b; locals 2 ll, 3 lh, 4 hl, 5 mid
	c.op(1, 4, tI64)
	const a, bb, ll, lh, hl, mid = 0, 1, 2, 3, 4, 5
	lo := func(l uint32) { c.get(l); c.i64(0xffffffff); c.op(opI64And) }
	hi := func(l uint32) { c.get(l); c.i64(32); c.op(opI64ShrU) }
	lo(a)
	lo(bb)
	c.op(opI64Mul)
	c.set(ll)
	lo(a)
	hi(bb)
	c.op(opI64Mul)
	c.set(lh)
	hi(a)
	lo(bb)
	c.op(opI64Mul)
	c.set(hl)
	hi(ll)
	lo(lh)
	c.op(opI64Add)
	lo(hl)
	c.op(opI64Add)
	c.set(mid)
	hi(a)
	hi(bb)
	c.op(opI64Mul)
	hi(lh)
	c.op(opI64Add)
	hi(hl)
	c.op(opI64Add)
	hi(mid)
	c.op(opI64Add)
	c.op(opEnd)
	return c
}

// tlbSlot turns the virtual address on the stack into the byte offset of
// its entry in a TLB copy: 16-byte entries indexed by page number modulo
// tlbSize, as in the hart.
func (c *code) tlbSlot() {
	c.i64(12)
	c.op(opI64ShrU, opI32WrapI64)
	c.i32(tlbSize - 1)
	c.op(opI32And)
	c.i32(4)
	c.op(opI32Shl)
}
