// Package jit translates hot RISC-V guest code to WebAssembly and runs it
// as native code compiled by wazero, next to the hart's interpreter, with
// exactly the interpreter's results: the same registers, memory, traps
// and retired-instruction count at every point where Go can look.
//
// The translated subset is RV64IM (with the C forms, which decode to the
// same operations): everything else, and every load or store the
// translated TLB cannot do, is left to the interpreter one instruction at a
// time. Guest RAM lives in the wasm linear memory, after a small state area
// holding the registers while translated code runs, copies of hart TLB
// entries and the dispatcher's table (module.go). RATIONALE.md ("Translation
// to WebAssembly") explains the design.
package jit

import (
	"context"
	"encoding/binary"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"

	"github.com/reprovm/reprovm/machine/internal/hart"
)

// Supported reports whether wazero compiles to native code on this host.
// Elsewhere wazero would interpret the wasm, which is slower than the hart.
func Supported() bool {
	switch runtime.GOARCH {
	case "amd64", "arm64":
	default:
		return false
	}
	switch runtime.GOOS {
	case "linux", "darwin", "freebsd", "windows":
		return true
	}
	return false
}

// Options tune the translator. The zero value is the default.
type Options struct {
	// Lockstep makes translated code return to Go after every block, and
	// OnExit is then called with the hart up to date; a differential test
	// compares the hart with an interpreter's at each call.
	Lockstep bool
	OnExit   func()
	// Cache, if set, keeps compiled modules across translators (wazero
	// keys it by the module's content).
	Cache wazero.CompilationCache
	// CacheDir, if set (and Cache is not), is the persistent translation
	// cache's directory (see Cache): compiled modules are kept there
	// across runs and processes.
	CacheDir string
	// Tuning; zero means the default (see the constants below).
	Chunk       uint64 // instructions interpreted before looking again
	Hot         int    // misses that make a page hot
	BatchPages  int    // hot pages that make a batch
	BatchWindow uint64 // instructions a hot page waits for its batch at most
	KeepAll     bool   // never leave a page to the interpreter (see page.interp)
	SyncCompile bool   // compile on the hart's goroutine (see compile)
	EveryLeader bool   // a block per instruction (tests: see findLeaders)
}

// Tuning. Heat is counted per physical page: every time Go looks for a
// translation at a pc of the page and finds none (after each interpreted
// chunk, and when translated code leaves for an untranslated pc).
const (
	// Every chunk returns from the interpreter's loop and looks the pc up,
	// which cost the Debian boot 17% at 256 instructions a chunk; at 4096
	// it is 1/16 of that, and the entry points seen are still enough
	// for hashsort's translation (649 MIPS at 4096, 557 at 65536).
	interpChunk  = 4096    // instructions interpreted before looking again
	hotThreshold = 1024    // misses that make a page hot (about 4M instructions on it)
	batchPages   = 8       // hot pages that make a batch
	batchWindow  = 1 << 22 // instructions a hot page waits for its batch at most
	maxEntries   = 128     // entry points remembered per page
	maxVersions  = 8       // translations of one page before it is left alone
	judgeRuns    = 64      // entries ending in an interpreter exit before judging a page
	minRun       = 48      // instructions such an entry must retire on average
	// A batch is installed at the first lookup at least installDelay
	// instructions after it was handed to wazero, waiting for the
	// compilation if it is not done by then, never earlier, whether the
	// persistent cache has it or not: so which code runs translated from
	// when is a function of the guest's execution alone, a repeated run
	// translates the same pages with the same entry points into
	// byte-identical modules, and the persistent cache serves it all of
	// them. About 0.1 s of guest time at interpreted speed, about what a
	// batch takes to compile on a free core.
	installDelay = 1 << 25
)

// Stats counts what the translator did.
type Stats struct {
	Modules, Pages, Insns int           // compiled: modules, page functions, guest instructions
	CompileTime           time.Duration // host time wazero spent compiling (not guest-visible)
	Entries               uint64        // calls into translated code
	Exits                 [5]uint64     // returns to Go by exit code
	Retired               uint64        // instructions retired by translated code
	Invalidations         int           // page translations dropped by code writes
	Abandoned             int           // pages left to the interpreter (see page.interp)
	Waited                time.Duration // host time the guest waited for a compilation (installDelay)
	WasmBytes             int           // size of the modules compiled
	// The persistent cache (Options.CacheDir): entries found intact and
	// dropped as damaged when it was opened, and modules compiled and
	// written to it (the other Modules came from it).
	CacheKept, CacheDropped, CacheWrites int
	CacheErr                             error // a failure to seal an entry (the run goes on)
}

// page is the translator's record of one physical RAM page.
type page struct {
	heat     int
	entries  []int // page offsets seen as entry points
	slot     uint32
	leaders  []int // the current function's block starts, sorted
	queued   bool
	versions int
	dead     bool // written too often while translated
	// Entries into translated code at this page and the instructions
	// they retired before an exit to the interpreter, and whether the
	// page is left to the interpreter because those exits come too soon
	// (FP code, or loads that keep missing the TLB): each costs a round
	// trip between Go and wasm that the interpreter does not pay.
	runs, runRetired uint64
	interp           bool
	writes           uint64 // code-hook calls: writes to the page
}

// Memory is the wasm linear memory: the state area and guest RAM.
type Memory struct {
	buf   []byte
	pages uint32
	ram   []byte
}

// NewMemory allocates a linear memory for ramSize bytes of guest RAM.
func NewMemory(ramSize uint64) (*Memory, error) {
	total := (ramBase + ramSize + wasmPage - 1) / wasmPage * wasmPage
	if total > 1<<32 {
		return nil, fmt.Errorf("translator: %d bytes of RAM do not fit a 4 GiB wasm memory", ramSize)
	}
	buf, err := allocate(total)
	if err != nil {
		return nil, fmt.Errorf("translator: %w", err)
	}
	return &Memory{buf: buf, pages: uint32(total / wasmPage), ram: buf[ramBase : ramBase+ramSize : ramBase+ramSize]}, nil
}

// RAM returns the part of the memory that holds guest RAM.
func (m *Memory) RAM() []byte { return m.ram }

// linearMemory hands wazero the fixed buffer; it never grows.
type linearMemory struct{ buf []byte }

func (l linearMemory) Reallocate(size uint64) []byte {
	if size > uint64(len(l.buf)) {
		return nil
	}
	return l.buf[:size]
}

func (l linearMemory) Free() {}

// Translator runs a hart with translated code.
type Translator struct {
	h     *hart.Hart
	mem   []byte
	ram   []byte
	pages []*page
	opts  Options
	ctx   context.Context
	rt    wazero.Runtime
	run   api.Function
	stack [1]uint64
	err   error

	pagesN   uint32 // wasm pages of memory
	nextSlot uint32
	queue    []uint64 // RAM page numbers of hot pages
	queuedAt uint64   // instret when the queue became non-empty
	modules  int
	gen      uint64
	genValid bool
	stats    Stats
	inflight *batch // being compiled
	owner    *rtOwner
	// TLB copies written since the last bulk clear (offsets), or all.
	copied    []uint64
	copiedAll bool
	entered   *page  // the page lookup found translated code on
	cache     *Cache // the persistent cache, or nil
}

// New makes a translator for h, whose bus RAM must be mem.RAM().
func New(mem *Memory, h *hart.Hart, opts Options) (*Translator, error) {
	ctx := context.Background()
	cfg := wazero.NewRuntimeConfigCompiler().WithCloseOnContextDone(false)
	var pc *Cache
	if opts.Cache != nil {
		cfg = cfg.WithCompilationCache(opts.Cache)
	} else if opts.CacheDir != "" {
		var err error
		if pc, err = OpenCache(opts.CacheDir); err != nil {
			return nil, fmt.Errorf("translator: %w", err)
		}
		cfg = cfg.WithCompilationCache(pc.wz)
	}
	rt := wazero.NewRuntimeWithConfig(ctx, cfg)
	if opts.Chunk == 0 {
		opts.Chunk = interpChunk
	}
	if opts.Hot == 0 {
		opts.Hot = hotThreshold
	}
	if opts.BatchPages == 0 {
		opts.BatchPages = batchPages
	}
	if opts.BatchWindow == 0 {
		opts.BatchWindow = batchWindow
	}
	t := &Translator{
		h: h, mem: mem.buf, ram: mem.ram, opts: opts, ctx: ctx, rt: rt,
		pages: make([]*page, len(mem.ram)/pageSize), nextSlot: 1, pagesN: mem.pages,
		copied: make([]uint64, 0, 256), cache: pc,
	}
	if pc != nil {
		t.stats.CacheKept, t.stats.CacheDropped = pc.Kept, pc.Dropped
	}
	actx := experimental.WithMemoryAllocator(ctx, experimental.MemoryAllocatorFunc(
		func(_, _ uint64) experimental.LinearMemory { return linearMemory{mem.buf} }))
	core, err := rt.InstantiateWithConfig(actx, coreModule(mem.pages), wazero.NewModuleConfig().WithName("core"))
	if err != nil {
		_ = rt.Close(ctx)
		if pc != nil {
			_ = pc.Close()
		}
		return nil, fmt.Errorf("translator: core module: %w", err)
	}
	name := "run"
	if opts.Lockstep {
		name = "step"
	}
	t.run = core.ExportedFunction(name)
	h.SetCodeHook(t.codeWritten)
	t.owner = &rtOwner{rt: rt, buf: mem.buf, cache: pc}
	runtime.AddCleanup(t, (*rtOwner).close, t.owner)
	return t, nil
}

// Err returns the error that stopped translation, if any: a wasm trap,
// which would be a translator bug, or a failed compilation. The hart then
// runs on in the interpreter, but the state at the failure may be lost, so
// the caller must report it.
func (t *Translator) Err() error { return t.err }

// Stats returns the counters.
func (t *Translator) Stats() Stats { return t.stats }

// Run is hart.Run with translated code: it executes until instret reaches
// limit or a stop condition occurs, with the same result.
func (t *Translator) Run(limit uint64) hart.StopReason {
	h := t.h
	for {
		n := h.Instret()
		if n >= limit {
			return h.Run(limit)
		}
		var stepTo uint64
		if budget := min(limit, h.TranslateBudget()); t.err == nil && n < budget && t.lookup(h.PC) {
			p := t.entered
			code := t.enter(budget)
			if code == exitInterp || code == exitMem {
				t.judge(p, h.Instret()-n)
			}
			if t.err != nil {
				return h.Run(h.Instret()) // report a pending stop, if any; the caller checks Err
			}
			switch code {
			case exitNext, exitMiss:
				if t.opts.OnExit != nil {
					t.opts.OnExit()
				}
				continue
			case exitBudget:
				stepTo = max(budget, h.Instret()) + 1
			default:
				stepTo = h.Instret() + 1
			}
			if t.opts.OnExit != nil {
				t.opts.OnExit()
			}
			va := binary.LittleEndian.Uint64(t.mem[stVA:])
			r := h.Run(min(limit, stepTo))
			if code == exitMem {
				t.sync()
				t.copyTLB(va)
			}
			if r != hart.StopLimit || h.Instret() >= limit {
				return r
			}
			continue
		}
		r := h.Run(min(limit, n+t.opts.Chunk))
		if r != hart.StopLimit || h.Instret() >= limit {
			return r
		}
	}
}

// lookup reports whether translated code can start at pc: it finds the
// dispatcher entry, makes it from a translated page, or counts the miss
// towards translating the page.
func (t *Translator) lookup(pc uint64) bool {
	m := t.mem
	t.sync()
	fkey, _, _ := t.h.TLBKeys()
	e := htBase + htIndex(pc)*16
	fi := pc >> 12 % tlbSize
	f := tlbFBase + fi*16
	if binary.LittleEndian.Uint64(m[e:]) == pc && binary.LittleEndian.Uint64(m[f:]) == pc&^(pageSize-1)|fkey &&
		binary.LittleEndian.Uint32(m[f+8:]) == binary.LittleEndian.Uint32(m[e+12:]) {
		t.entered = t.pages[binary.LittleEndian.Uint32(m[e+12:])-1]
		return true
	}
	tag, off, ok := t.h.TLBEntry(hart.TLBFetch, int(fi))
	if !ok || tag != pc&^(pageSize-1)|fkey {
		return false // the interpreter has not fetched from this page yet
	}
	pn := off >> 12
	p := t.pages[pn]
	if p == nil {
		p = &page{}
		t.pages[pn] = p
	}
	po := pc & (pageSize - 1)
	if p.interp {
		return false
	}
	if j, ok := slices.BinarySearch(p.leaders, int(po)); ok && p.slot != 0 {
		t.entered = p
		binary.LittleEndian.PutUint64(m[e:], pc)
		binary.LittleEndian.PutUint32(m[e+8:], p.slot|uint32(j)<<16)
		binary.LittleEndian.PutUint32(m[e+12:], uint32(pn+1))
		t.noteCopy(f)
		binary.LittleEndian.PutUint64(m[f:], tag)
		binary.LittleEndian.PutUint32(m[f+8:], uint32(pn+1))
		return true
	}
	t.install()
	t.heat(p, pn, int(po))
	return false
}

// judge records an entry at page p that retired n instructions before
// leaving for the interpreter, and leaves the page to the interpreter if
// such entries retire too few on average.
func (t *Translator) judge(p *page, n uint64) {
	p.runs++
	p.runRetired += n
	if p.runs >= judgeRuns && p.runRetired < p.runs*minRun && !t.opts.KeepAll {
		p.interp = true
		t.stats.Abandoned++
		clear(t.mem[htBase : htBase+htSize*16])
	}
}

// heat counts a miss at page offset off of page pn, and compiles the queue
// when it is due.
func (t *Translator) heat(p *page, pn uint64, off int) {
	if p.dead || p.interp || p.versions >= maxVersions {
		return
	}
	known := false
	for _, o := range p.entries {
		if o == off {
			known = true
			break
		}
	}
	if !known && len(p.entries) < maxEntries {
		p.entries = append(p.entries, off)
	}
	p.heat++
	if p.heat >= t.opts.Hot && !p.queued {
		p.queued = true
		if len(t.queue) == 0 {
			t.queuedAt = t.h.Instret()
		}
		t.queue = append(t.queue, pn)
	}
	if len(t.queue) >= t.opts.BatchPages || len(t.queue) > 0 && t.h.Instret()-t.queuedAt >= t.opts.BatchWindow {
		t.compile()
	}
}

// rtOwner closes the wazero runtime and unmaps the memory once the
// translator is garbage, but not while a compilation on another goroutine
// still uses the runtime: then the compilation's end does it.
type rtOwner struct {
	mu       sync.Mutex
	rt       wazero.Runtime
	buf      []byte
	cache    *Cache
	compiles int
	dead     bool
}

func (o *rtOwner) busy(on bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if on {
		o.compiles++
		return
	}
	o.compiles--
	if o.dead && o.compiles == 0 {
		o.free()
	}
}

func (o *rtOwner) close() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.dead = true
	if o.compiles == 0 {
		o.free()
	}
}

func (o *rtOwner) free() {
	_ = o.rt.Close(context.Background())
	if o.cache != nil {
		_ = o.cache.Close() // after the runtime: it frees the compiled code
	}
	release(o.buf)
	o.buf = nil
}

// batch is one module of page functions on its way through wazero.
type batch struct {
	first  uint32
	pns    []uint64
	fns    []*pageFunc
	writes []uint64 // each page's write count when it was translated
	wasm   []byte
	cm     wazero.CompiledModule
	err    error
	took   time.Duration
	due    uint64 // instret from which it is installed (installDelay)
	sealed int    // entries written to the persistent cache
	serr   error  // from sealing them
	done   chan struct{}
}

// compile translates the queued pages into one module and has wazero
// compile it: on another goroutine unless Options.SyncCompile is set, so
// that the guest runs on in the interpreter meanwhile. Where translated
// code starts to run never changes a result, only the speed.
func (t *Translator) compile() {
	if t.inflight != nil {
		return // the queue waits for the batch being compiled
	}
	queue := t.queue
	t.queue = nil
	b := &batch{first: t.nextSlot, done: make(chan struct{}), due: t.h.Instret() + installDelay}
	var bodies []code
	for _, pn := range queue {
		p := t.pages[pn]
		p.queued = false
		p.heat = 0
		if p.dead || !t.h.HasCode(pn) {
			continue
		}
		pf := translatePage(t.ram[pn*pageSize:(pn+1)*pageSize], p.entries, t.opts.Lockstep, t.opts.EveryLeader)
		if pf == nil {
			continue
		}
		bodies = append(bodies, pf.body)
		b.pns = append(b.pns, pn)
		b.fns = append(b.fns, pf)
		b.writes = append(b.writes, p.writes)
	}
	if len(bodies) == 0 || t.nextSlot+uint32(len(bodies)) > tableSize {
		return
	}
	t.nextSlot += uint32(len(bodies))
	b.wasm = batchModule(t.pagesN, b.first, bodies)

	t.inflight = b
	rt, ctx, owner, pc := t.rt, t.ctx, t.owner, t.cache
	owner.busy(true)
	work := func() {
		start := time.Now()
		b.cm, b.err = rt.CompileModule(ctx, b.wasm)
		b.took = time.Since(start)
		if pc != nil && b.err == nil {
			b.sealed, b.serr = pc.Seal()
		}
		close(b.done)
		owner.busy(false)
	}
	if t.opts.SyncCompile {
		work()
		t.install()
		return
	}
	go work()
}

// install instantiates the compiled batch, once it is due (waiting for
// wazero if need be, see installDelay), and makes its page functions
// current unless their page was written since.
func (t *Translator) install() {
	b := t.inflight
	if b == nil {
		return
	}
	if !t.opts.SyncCompile {
		if t.h.Instret() < b.due {
			return
		}
		select {
		case <-b.done:
		default:
			start := time.Now()
			<-b.done
			t.stats.Waited += time.Since(start)
		}
	}
	t.inflight = nil
	err := b.err
	if err == nil {
		_, err = t.rt.InstantiateModule(t.ctx, b.cm, wazero.NewModuleConfig().WithName(fmt.Sprintf("b%d", t.modules)))
	}
	if err != nil {
		t.err = fmt.Errorf("translator: batch module %d: %w", t.modules, err)
		return
	}
	t.modules++
	for i, pn := range b.pns {
		p := t.pages[pn]
		if p.writes != b.writes[i] || !t.h.HasCode(pn) || p.dead {
			continue // stale: the bytes it was translated from changed
		}
		p.slot = b.first + uint32(i)
		p.versions++
		p.leaders = b.fns[i].leaders
		t.stats.Insns += b.fns[i].insns
		t.stats.Pages++
	}
	t.stats.Modules++
	t.stats.CompileTime += b.took
	t.stats.WasmBytes += len(b.wasm)
	t.stats.CacheWrites += b.sealed
	if b.serr != nil && t.stats.CacheErr == nil {
		t.stats.CacheErr = b.serr
	}
}

// codeWritten is the hart's code hook: RAM page n, which has decoded code,
// was written. Its translation is dropped, and with it every dispatcher
// entry (the table is small and this is rare).
func (t *Translator) codeWritten(n uint64) {
	p := t.pages[n]
	if p == nil {
		return
	}
	p.writes++
	if p.slot == 0 {
		return
	}
	p.slot = 0
	p.leaders = nil
	t.stats.Invalidations++
	if p.versions >= maxVersions {
		p.dead = true
	}
	clear(t.mem[htBase : htBase+htSize*16])
}

// sync brings the TLB copies in line with the hart's TLB: a slot the hart
// refilled loses its copy, and after a bulk change all copies go.
func (t *Translator) sync() {
	h := t.h
	if g := h.TLBGen(); !t.genValid || g != t.gen {
		if !t.genValid || t.copiedAll {
			clear(t.mem[tlbLBase : tlbFBase+tlbSize*16])
		} else {
			for _, e := range t.copied {
				clear(t.mem[e : e+16])
			}
		}
		t.copied, t.copiedAll = t.copied[:0], false
		t.gen, t.genValid = g, true
		h.TakeFills(func(int, int) {})
		return
	}
	h.TakeFills(func(kind, i int) {
		base := [3]int{tlbFBase, tlbLBase, tlbSBase}[kind]
		clear(t.mem[base+16*i : base+16*i+16])
	})
}

// noteCopy remembers that the TLB copy at memory offset e was written, so
// that a bulk flush clears only what was copied since the last one.
func (t *Translator) noteCopy(e uint64) {
	if len(t.copied) == cap(t.copied) {
		t.copiedAll = true
		return
	}
	t.copied = append(t.copied, e)
}

// copyTLB copies the hart's load and store TLB entries for va's page.
func (t *Translator) copyTLB(va uint64) {
	i := int(va >> 12 % tlbSize)
	for _, k := range [2]int{hart.TLBLoad, hart.TLBStore} {
		tag, off, ok := t.h.TLBEntry(k, i)
		if !ok || tag&^(pageSize-1) != va&^(pageSize-1) {
			continue
		}
		base := tlbLBase
		if k == hart.TLBStore {
			base = tlbSBase
		}
		e := base + 16*i
		t.noteCopy(uint64(e))
		binary.LittleEndian.PutUint64(t.mem[e:], tag)
		binary.LittleEndian.PutUint32(t.mem[e+8:], uint32(ramBase+off))
	}
}

// enter runs translated code from h.PC with the given instret budget and
// returns the exit code, with the hart updated.
func (t *Translator) enter(budget uint64) uint32 {
	h := t.h
	m := t.mem
	for i := 1; i < 32; i++ {
		binary.LittleEndian.PutUint64(m[8*i:], h.X[i])
	}
	fkey, lkey, skey := h.TLBKeys()
	binary.LittleEndian.PutUint64(m[stPC:], h.PC)
	binary.LittleEndian.PutUint64(m[stInstret:], h.Instret())
	binary.LittleEndian.PutUint64(m[stBudget:], budget)
	binary.LittleEndian.PutUint64(m[stKeyL:], lkey)
	binary.LittleEndian.PutUint64(m[stKeyS:], skey)
	binary.LittleEndian.PutUint64(m[stFKey:], fkey)
	t.stack[0] = 0
	before := h.Instret()
	if err := t.run.CallWithStack(t.ctx, t.stack[:]); err != nil {
		t.err = fmt.Errorf("translator: translated code at pc %#x: %w", h.PC, err)
		return exitMiss
	}
	for i := 1; i < 32; i++ {
		h.X[i] = binary.LittleEndian.Uint64(m[8*i:])
	}
	h.Retired(binary.LittleEndian.Uint64(m[stPC:]), binary.LittleEndian.Uint64(m[stInstret:]))
	code := uint32(t.stack[0])
	t.stats.Entries++
	if code < uint32(len(t.stats.Exits)) {
		t.stats.Exits[code]++
	}
	t.stats.Retired += h.Instret() - before
	return code
}
