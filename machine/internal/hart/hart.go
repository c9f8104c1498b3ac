// Package hart interprets one RV64GC hart: the integer, M, A, F, D and C
// extensions, Zicsr, Zifencei and Zicntr, machine, supervisor and user
// modes, and Sv39/Sv48 paging (RISC-V unprivileged ISA 20191213 and
// privileged architecture 20211203).
//
// Every guest-visible result is a pure function of the initial state and the
// instructions executed: floating point goes through the integer-only
// softfloat package, time is derived from the retired-instruction count, and
// interrupts are taken only at instruction boundaries computed from that
// count. The hart never panics on guest input: anything the guest does wrong
// becomes a guest-visible trap.
package hart

import (
	"unsafe"

	"github.com/reprovm/reprovm/machine/internal/bus"
	"github.com/reprovm/reprovm/machine/internal/rv"
)

// Priv is a privilege mode, encoded as in mstatus.MPP.
type Priv uint8

const (
	PrivU Priv = 0
	PrivS Priv = 1
	PrivM Priv = 3
)

// InsnsPerTick is how many cycles make one tick of mtime. The hart counts one
// cycle per retired instruction, plus the cycles WFI skips, so the guest sees
// a 1 GHz single-issue hart with a 10 MHz timebase. The FDT's
// timebase-frequency must say TimebaseHz.
const (
	InsnsPerTick = 100
	TimebaseHz   = 10_000_000
)

// StopReason says why Run returned.
type StopReason uint8

const (
	StopNone      StopReason = iota
	StopLimit                // the instruction limit was reached
	StopToHost               // the watched tohost word became non-zero
	StopECall                // ecall from U-mode with UserECallStops set
	StopTrapLoop             // trapLoopLimit traps in a row without a retired instruction
	StopRequested            // RequestStop was called (by a device)
)

// trapLoopLimit is how many traps in a row, with no instruction retiring in
// between, make Run give up: the guest is wedged (say, a fault in its own
// trap handler) and would otherwise never reach an instruction limit.
const trapLoopLimit = 1000

// accessKind indexes the three software TLBs.
type accessKind uint8

const (
	accFetch accessKind = iota
	accLoad
	accStore
)

const (
	pageShift = 12
	pageSize  = 1 << pageShift
	pageMask  = pageSize - 1
	tlbSize   = 1024
	noPage    = ^uint64(0) // a virtual page tag that never matches
)

// tlbEntry caches one 4 KiB virtual page. tag is the page's virtual address
// with the access key of accessKey in its low 12 bits, so entries made for
// another privilege or another SUM/MXR setting never hit. page points at the
// page in RAM (ramOff gives its offset). Only RAM pages are cached; device
// pages always take the slow path. The entry is 16 bytes, two to a cache
// line, because the TLB's host cache misses are a good part of a large
// guest program's time (the in-guest Go build).
type tlbEntry struct {
	tag  uint64
	page unsafe.Pointer // &ram[off], for the fast paths
}

// codePage is the decode cache of one physical RAM page: the block that
// starts at each 2-byte position, decoded on first execution (see
// block.go). Stores to the page drop the blocks they touch (see
// codeWritten).
type codePage struct {
	blocks [pageSize / 2]*block
	off    uint64 // RAM offset of the page
	writes int    // stores seen since the page was decoded (see codeDropWrites)
}

// Hart is the architectural state of one hart plus the caches that speed it
// up. The caches never change a guest-visible result.
type Hart struct {
	X    [32]uint64
	F    [32]uint64
	PC   uint64
	Priv Priv

	bus *bus.Bus
	ram []byte

	// Counters. instret counts retired instructions since New and is never
	// written by the guest; idle counts the cycles WFI skipped.
	instret, idle uint64
	// Offsets that guest writes to minstret, mcycle and mtime introduce.
	instretOff, cycleOff, mtimeOff uint64
	mtimecmp                       uint64

	csr   csrFile
	lines uint64 // mip bits driven by devices (see SetPending)

	// LR/SC reservation (physical address).
	resValid bool
	resAddr  uint64

	tlb        [3][tlbSize]tlbEntry
	key        [3]uint64
	storeEpoch uint64      // see bumpStoreEpoch
	code       []*codePage // by RAM page number
	cur        *codePage   // decode cache of the page at curVPage
	curVPage   uint64
	crossBlock block   // an instruction that spans two pages, decoded per use
	crossUop   [1]uop  // crossBlock's storage; not the last field (see buildBlock's spare uop)
	slowInst   rv.Inst // a load or store handed to execSlow

	// Pending trap, set by the function that detected it.
	trapCause, trapVal uint64
	// Trap-loop detection: the instret of the last trap and how many traps
	// were taken at that same count.
	trapInstret, trapStreak uint64

	// FirstUserInstret is the instret at the first entry to U-mode (by
	// mret or sret), for boot measurements; userSeen says it is set.
	FirstUserInstret uint64
	userSeen         bool

	// watch is the physical address of a 64-bit tohost word, or 0.
	watch  uint64
	ToHost uint64

	// Reference turns the fast paths off: every block holds one
	// instruction and every load and store goes through execSlow. Results
	// must not change; tests compare the two modes. Set it before Run.
	Reference bool

	// UserECallStops makes an ecall from U-mode stop Run (StopECall) instead
	// of trapping, for harnesses that emulate system calls.
	UserECallStops bool

	// dirty has a bit per RAM page that may have been written (dirty.go);
	// nil unless TrackDirty was called.
	dirty []uint64

	stop      StopReason
	limit     uint64 // Run returns when instret reaches it
	nextEvent uint64 // instret at which Run must look at interrupts and stops

	jit jitState // jit hook: see translate.go

	// Physical memory protection and the trigger module, consulted only on
	// the slow paths (pmp.go, trigger.go).
	pmp  pmpState
	trig trigState
}

// New returns a hart on b, reset to M-mode at pc.
func New(b *bus.Bus, pc uint64) *Hart {
	h := &Hart{bus: b, ram: b.RAM}
	h.code = make([]*codePage, len(b.RAM)/pageSize)
	h.Reset(pc)
	return h
}

// ramOff returns the RAM offset of p, a pointer into h.ram.
func (h *Hart) ramOff(p unsafe.Pointer) uint64 {
	return uint64(uintptr(p) - uintptr(unsafe.Pointer(unsafe.SliceData(h.ram))))
}

// Reset puts the hart in M-mode at pc, with every register and CSR at its
// reset value and all caches empty. Counters keep counting.
func (h *Hart) Reset(pc uint64) {
	h.X = [32]uint64{}
	h.F = [32]uint64{}
	h.PC = pc
	h.Priv = PrivM
	h.csr = csrFile{stimecmp: ^uint64(0)}
	h.pmp = pmpState{}
	h.trig.reset()
	h.mtimecmp = ^uint64(0)
	h.resValid = false
	h.stop = StopNone
	h.trapStreak = 0
	h.flushTLB()
	h.updateKeys()
}

// Instret returns the number of instructions retired since New.
func (h *Hart) Instret() uint64 { return h.instret }

// Cycles returns the cycle count: retired instructions plus skipped idle cycles.
func (h *Hart) Cycles() uint64 { return h.instret + h.idle }

// FCSR returns fcsr (frm<<5 | fflags).
func (h *Hart) FCSR() uint32 { return uint32(h.csr.frm)<<5 | uint32(h.csr.fflags) }

// SetWatch makes a store that leaves the 64-bit word at physical address pa
// non-zero stop Run with StopToHost. Zero turns watching off.
func (h *Hart) SetWatch(pa uint64) {
	h.watch = pa
	h.flushTLB()
}

// MTime returns the current value of the machine timer.
func (h *Hart) MTime() uint64 { return h.Cycles()/InsnsPerTick + h.mtimeOff }

// SetMTime sets the machine timer.
func (h *Hart) SetMTime(v uint64) {
	h.mtimeOff = v - h.Cycles()/InsnsPerTick
	h.recheck()
}

// MTimeCmp returns mtimecmp.
func (h *Hart) MTimeCmp() uint64 { return h.mtimecmp }

// SetMTimeCmp sets mtimecmp.
func (h *Hart) SetMTimeCmp(v uint64) {
	h.mtimecmp = v
	h.recheck()
}

// SetPending raises or lowers interrupt lines driven by devices (MSIP from
// the CLINT, MEIP and SEIP from the PLIC). They are kept apart from the
// bits software writes to mip: a read of mip.SEIP sees the OR of the two
// (privileged spec §3.1.9), and a device update never clears what M-mode
// software set.
func (h *Hart) SetPending(mask uint64, on bool) {
	if on {
		h.lines |= mask
	} else {
		h.lines &^= mask
	}
	h.recheck()
}

// Pending returns the interrupt lines devices drive.
func (h *Hart) Pending() uint64 { return h.lines }

// recheck makes Run look at interrupts and stops before the next instruction.
func (h *Hart) recheck() { h.nextEvent = 0 }

// EnterUserMode puts the hart in U-mode at pc with bare addressing and the
// FPU on (mstatus.FS = Initial), and makes a U-mode ecall stop Run. Like
// firmware, it first lets U-mode reach all memory through PMP entry 0
// (with no matching entry an S or U access fails).
func (h *Hart) EnterUserMode(pc uint64) {
	h.pmpAllowAll()
	h.PC = pc
	h.Priv = PrivU
	h.csr.satp = 0
	h.csr.mstatus = h.csr.mstatus&^mstatusFS | 1<<13
	h.UserECallStops = true
	h.flushTLB()
	h.privChanged()
}

// LastTrap returns the cause and tval of the most recent trap.
func (h *Hart) LastTrap() (cause, tval uint64) { return h.trapCause, h.trapVal }

// RequestStop makes Run return StopRequested after the current instruction;
// devices call it (a power-off, say) from inside a guest store.
func (h *Hart) RequestStop() {
	h.stop = StopRequested
	h.recheck()
}
