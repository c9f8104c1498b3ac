package hart

import (
	"encoding/binary"
	"math/bits"

	"github.com/reprovm/reprovm/machine/internal/rv"
)

// The loads and stores below repeat the fast paths of mem.go (load64 etc.)
// by hand: the compiler will not inline those into this loop, and the call
// costs a fifth of the loop's time on integer code.

// Run executes instructions until the retired-instruction count reaches
// limit or a stop condition occurs, and says which.
//
// Interrupts are looked at only when instret reaches nextEvent: the
// instruction count at which the timer fires, or at once after anything that
// can change what is pending or enabled (CSR writes, xRET, traps, device
// stores). So an interrupt is taken at the same instruction on every run.
func (h *Hart) Run(limit uint64) StopReason {
	h.limit = limit
	h.recheck()
	x := &h.X
	for {
		if h.instret >= h.nextEvent {
			if r := h.event(); r != StopNone {
				return r
			}
			continue
		}
		pc := h.PC
		if pc&^pageMask != h.curVPage {
			if !h.fetchPage(pc) {
				h.takeTrap()
				continue
			}
		}
		in := &h.cur.insts[pc&pageMask>>1]
		if in.Op == rv.OpUndecoded {
			var ok bool
			if in, ok = h.decode(pc, in); !ok {
				h.takeTrap()
				continue
			}
		}
		npc := pc + uint64(in.Len)
		imm := uint64(int64(in.Imm))
		switch in.Op {
		case rv.OpLUI:
			x[in.Rd] = imm
		case rv.OpAUIPC:
			x[in.Rd] = pc + imm
		case rv.OpJAL:
			x[in.Rd] = npc
			npc = pc + imm
		case rv.OpJALR:
			t := (x[in.Rs1] + imm) &^ 1
			x[in.Rd] = npc
			npc = t
		case rv.OpBEQ:
			if x[in.Rs1] == x[in.Rs2] {
				npc = pc + imm
			}
		case rv.OpBNE:
			if x[in.Rs1] != x[in.Rs2] {
				npc = pc + imm
			}
		case rv.OpBLT:
			if int64(x[in.Rs1]) < int64(x[in.Rs2]) {
				npc = pc + imm
			}
		case rv.OpBGE:
			if int64(x[in.Rs1]) >= int64(x[in.Rs2]) {
				npc = pc + imm
			}
		case rv.OpBLTU:
			if x[in.Rs1] < x[in.Rs2] {
				npc = pc + imm
			}
		case rv.OpBGEU:
			if x[in.Rs1] >= x[in.Rs2] {
				npc = pc + imm
			}
		case rv.OpLB:
			va := x[in.Rs1] + imm
			if e := &h.tlb[accLoad][va>>pageShift%tlbSize]; e.tag == va&^pageMask|h.key[accLoad] {
				x[in.Rd] = uint64(int8(ld8(e.page, va&pageMask)))
			} else if !h.loadSlowTo(in.Rd, va, 1, true) {
				h.takeTrap()
				continue
			}
		case rv.OpLH:
			va := x[in.Rs1] + imm
			if e := &h.tlb[accLoad][va>>pageShift%tlbSize]; e.tag == va&^pageMask|h.key[accLoad] && va&pageMask <= pageSize-2 {
				x[in.Rd] = uint64(int16(ld16(e.page, va&pageMask)))
			} else if !h.loadSlowTo(in.Rd, va, 2, true) {
				h.takeTrap()
				continue
			}
		case rv.OpLW:
			va := x[in.Rs1] + imm
			if e := &h.tlb[accLoad][va>>pageShift%tlbSize]; e.tag == va&^pageMask|h.key[accLoad] && va&pageMask <= pageSize-4 {
				x[in.Rd] = uint64(int32(ld32(e.page, va&pageMask)))
			} else if !h.loadSlowTo(in.Rd, va, 4, true) {
				h.takeTrap()
				continue
			}
		case rv.OpLD:
			va := x[in.Rs1] + imm
			if e := &h.tlb[accLoad][va>>pageShift%tlbSize]; e.tag == va&^pageMask|h.key[accLoad] && va&pageMask <= pageSize-8 {
				x[in.Rd] = ld64(e.page, va&pageMask)
			} else if !h.loadSlowTo(in.Rd, va, 8, false) {
				h.takeTrap()
				continue
			}
		case rv.OpLBU:
			va := x[in.Rs1] + imm
			if e := &h.tlb[accLoad][va>>pageShift%tlbSize]; e.tag == va&^pageMask|h.key[accLoad] {
				x[in.Rd] = ld8(e.page, va&pageMask)
			} else if !h.loadSlowTo(in.Rd, va, 1, false) {
				h.takeTrap()
				continue
			}
		case rv.OpLHU:
			va := x[in.Rs1] + imm
			if e := &h.tlb[accLoad][va>>pageShift%tlbSize]; e.tag == va&^pageMask|h.key[accLoad] && va&pageMask <= pageSize-2 {
				x[in.Rd] = ld16(e.page, va&pageMask)
			} else if !h.loadSlowTo(in.Rd, va, 2, false) {
				h.takeTrap()
				continue
			}
		case rv.OpLWU:
			va := x[in.Rs1] + imm
			if e := &h.tlb[accLoad][va>>pageShift%tlbSize]; e.tag == va&^pageMask|h.key[accLoad] && va&pageMask <= pageSize-4 {
				x[in.Rd] = ld32(e.page, va&pageMask)
			} else if !h.loadSlowTo(in.Rd, va, 4, false) {
				h.takeTrap()
				continue
			}
		case rv.OpSB:
			va := x[in.Rs1] + imm
			if e := &h.tlb[accStore][va>>pageShift%tlbSize]; e.tag == va&^pageMask|h.key[accStore] {
				st8(e.page, va&pageMask, x[in.Rs2])
			} else if !h.storeSlow(va, 1, x[in.Rs2]) {
				h.takeTrap()
				continue
			}
		case rv.OpSH:
			va := x[in.Rs1] + imm
			if e := &h.tlb[accStore][va>>pageShift%tlbSize]; e.tag == va&^pageMask|h.key[accStore] && va&pageMask <= pageSize-2 {
				st16(e.page, va&pageMask, x[in.Rs2])
			} else if !h.storeSlow(va, 2, x[in.Rs2]) {
				h.takeTrap()
				continue
			}
		case rv.OpSW:
			va := x[in.Rs1] + imm
			if e := &h.tlb[accStore][va>>pageShift%tlbSize]; e.tag == va&^pageMask|h.key[accStore] && va&pageMask <= pageSize-4 {
				st32(e.page, va&pageMask, x[in.Rs2])
			} else if !h.storeSlow(va, 4, x[in.Rs2]) {
				h.takeTrap()
				continue
			}
		case rv.OpSD:
			va := x[in.Rs1] + imm
			if e := &h.tlb[accStore][va>>pageShift%tlbSize]; e.tag == va&^pageMask|h.key[accStore] && va&pageMask <= pageSize-8 {
				st64(e.page, va&pageMask, x[in.Rs2])
			} else if !h.storeSlow(va, 8, x[in.Rs2]) {
				h.takeTrap()
				continue
			}
		case rv.OpADDI:
			x[in.Rd] = x[in.Rs1] + imm
		case rv.OpSLTI:
			x[in.Rd] = b2u(int64(x[in.Rs1]) < int64(imm))
		case rv.OpSLTIU:
			x[in.Rd] = b2u(x[in.Rs1] < imm)
		case rv.OpXORI:
			x[in.Rd] = x[in.Rs1] ^ imm
		case rv.OpORI:
			x[in.Rd] = x[in.Rs1] | imm
		case rv.OpANDI:
			x[in.Rd] = x[in.Rs1] & imm
		case rv.OpSLLI:
			x[in.Rd] = x[in.Rs1] << (imm & 63)
		case rv.OpSRLI:
			x[in.Rd] = x[in.Rs1] >> (imm & 63)
		case rv.OpSRAI:
			x[in.Rd] = uint64(int64(x[in.Rs1]) >> (imm & 63))
		case rv.OpADD:
			x[in.Rd] = x[in.Rs1] + x[in.Rs2]
		case rv.OpSUB:
			x[in.Rd] = x[in.Rs1] - x[in.Rs2]
		case rv.OpSLL:
			x[in.Rd] = x[in.Rs1] << (x[in.Rs2] & 63)
		case rv.OpSLT:
			x[in.Rd] = b2u(int64(x[in.Rs1]) < int64(x[in.Rs2]))
		case rv.OpSLTU:
			x[in.Rd] = b2u(x[in.Rs1] < x[in.Rs2])
		case rv.OpXOR:
			x[in.Rd] = x[in.Rs1] ^ x[in.Rs2]
		case rv.OpSRL:
			x[in.Rd] = x[in.Rs1] >> (x[in.Rs2] & 63)
		case rv.OpSRA:
			x[in.Rd] = uint64(int64(x[in.Rs1]) >> (x[in.Rs2] & 63))
		case rv.OpOR:
			x[in.Rd] = x[in.Rs1] | x[in.Rs2]
		case rv.OpAND:
			x[in.Rd] = x[in.Rs1] & x[in.Rs2]
		case rv.OpADDIW:
			x[in.Rd] = sext32(x[in.Rs1] + imm)
		case rv.OpSLLIW:
			x[in.Rd] = sext32(x[in.Rs1] << (imm & 31))
		case rv.OpSRLIW:
			x[in.Rd] = sext32(uint64(uint32(x[in.Rs1]) >> (imm & 31)))
		case rv.OpSRAIW:
			x[in.Rd] = uint64(int64(int32(x[in.Rs1]) >> (imm & 31)))
		case rv.OpADDW:
			x[in.Rd] = sext32(x[in.Rs1] + x[in.Rs2])
		case rv.OpSUBW:
			x[in.Rd] = sext32(x[in.Rs1] - x[in.Rs2])
		case rv.OpSLLW:
			x[in.Rd] = sext32(x[in.Rs1] << (x[in.Rs2] & 31))
		case rv.OpSRLW:
			x[in.Rd] = sext32(uint64(uint32(x[in.Rs1]) >> (x[in.Rs2] & 31)))
		case rv.OpSRAW:
			x[in.Rd] = uint64(int64(int32(x[in.Rs1]) >> (x[in.Rs2] & 31)))
		case rv.OpFENCE, rv.OpFENCEI:
			// One in-order hart: memory is always coherent, and stores drop
			// stale decoded code themselves (see codePageFor).
		case rv.OpMUL:
			x[in.Rd] = x[in.Rs1] * x[in.Rs2]
		case rv.OpMULH:
			x[in.Rd] = mulh(x[in.Rs1], x[in.Rs2])
		case rv.OpMULHSU:
			x[in.Rd] = mulhsu(x[in.Rs1], x[in.Rs2])
		case rv.OpMULHU:
			x[in.Rd], _ = bits.Mul64(x[in.Rs1], x[in.Rs2])
		case rv.OpDIV:
			x[in.Rd] = div(x[in.Rs1], x[in.Rs2])
		case rv.OpDIVU:
			x[in.Rd] = divu(x[in.Rs1], x[in.Rs2])
		case rv.OpREM:
			x[in.Rd] = rem(x[in.Rs1], x[in.Rs2])
		case rv.OpREMU:
			x[in.Rd] = remu(x[in.Rs1], x[in.Rs2])
		case rv.OpMULW:
			x[in.Rd] = sext32(x[in.Rs1] * x[in.Rs2])
		case rv.OpDIVW:
			x[in.Rd] = sext32(div(uint64(int32(x[in.Rs1])), uint64(int32(x[in.Rs2]))))
		case rv.OpDIVUW:
			x[in.Rd] = sext32(divu(uint64(uint32(x[in.Rs1])), uint64(uint32(x[in.Rs2]))))
		case rv.OpREMW:
			x[in.Rd] = sext32(rem(uint64(int32(x[in.Rs1])), uint64(int32(x[in.Rs2]))))
		case rv.OpREMUW:
			x[in.Rd] = sext32(remu(uint64(uint32(x[in.Rs1])), uint64(uint32(x[in.Rs2]))))
		case rv.OpECALL:
			if h.Priv == PrivU && h.UserECallStops {
				h.stop = StopECall
				h.recheck()
				continue
			}
			h.raise(excECallU+uint64(h.Priv), 0)
			h.takeTrap()
			continue
		case rv.OpEBREAK:
			h.raise(excBreakpoint, pc)
			h.takeTrap()
			continue
		case rv.OpMRET:
			if !h.mret() {
				h.takeTrap()
				continue
			}
			npc = h.PC
		case rv.OpSRET:
			if !h.sret() {
				h.takeTrap()
				continue
			}
			npc = h.PC
		case rv.OpWFI:
			if !h.wfi(in) {
				h.takeTrap()
				continue
			}
		case rv.OpSFENCEVMA:
			if !h.sfenceVMA(in) {
				h.takeTrap()
				continue
			}
		case rv.OpCSRRW, rv.OpCSRRS, rv.OpCSRRC, rv.OpCSRRWI, rv.OpCSRRSI, rv.OpCSRRCI:
			if !h.csrOp(in) {
				h.takeTrap()
				continue
			}
		case rv.OpIllegal:
			h.raise(excIllegal, uint64(in.Raw))
			h.takeTrap()
			continue
		default:
			var ok bool
			if in.Op.IsFP() {
				ok = h.execFP(in)
			} else {
				ok = h.execAtomic(in)
			}
			if !ok {
				h.takeTrap()
				continue
			}
		}
		h.PC = npc
		h.instret++
		x[0] = 0
	}
}

// event handles stops, the instruction limit and interrupts, and sets the
// next instret at which to look again.
func (h *Hart) event() StopReason {
	if h.stop != StopNone {
		r := h.stop
		h.stop = StopNone
		h.nextEvent = 0
		return r
	}
	if h.instret >= h.limit {
		return StopLimit
	}
	if cause, ok := h.pendingInterrupt(); ok {
		h.raise(cause, 0)
		h.takeTrap() // leaves nextEvent at 0: look again before executing
		return StopNone
	}
	h.nextEvent = min(h.limit, h.timerDeadline())
	return StopNone
}

// timerDeadline returns the instret at which mtime reaches mtimecmp, or
// the maximum if that is now or never.
func (h *Hart) timerDeadline() uint64 {
	now := h.MTime()
	if now >= h.mtimecmp {
		return ^uint64(0)
	}
	ticks := h.mtimecmp - now
	cyc := h.Cycles()
	base := cyc / InsnsPerTick
	if ticks > (^uint64(0)/InsnsPerTick)-base {
		return ^uint64(0)
	}
	return (base+ticks)*InsnsPerTick - h.idle
}

// wfi waits for an interrupt (privileged spec §3.3.3). Nothing else runs on
// this machine, so waiting means jumping time forward to the timer deadline;
// with nothing that could ever wake the hart, WFI is a no-op, which the spec
// allows. TW makes WFI illegal below M-mode, and it is always illegal in U.
func (h *Hart) wfi(in *rv.Inst) bool {
	if h.Priv == PrivU || h.Priv == PrivS && h.csr.mstatus&mstatusTW != 0 {
		return h.raise(excIllegal, uint64(in.Raw))
	}
	if h.mipValue()&h.csr.mie != 0 || h.csr.mie&ipMTI == 0 {
		return true
	}
	if d := h.timerDeadline(); d != ^uint64(0) && d > h.instret {
		h.idle += d - h.instret
		h.recheck()
	}
	return true
}

// sfenceVMA flushes address translations; with rs1 = x0 all of them, else
// those of one page. ASIDs are not tracked, so rs2 is ignored: flushing more
// than asked is always correct.
func (h *Hart) sfenceVMA(in *rv.Inst) bool {
	if h.Priv == PrivU || h.Priv == PrivS && h.csr.mstatus&mstatusTVM != 0 {
		return h.raise(excIllegal, uint64(in.Raw))
	}
	if in.Rs1 == 0 {
		h.flushTLB()
	} else {
		h.flushTLBPage(h.X[in.Rs1])
	}
	return true
}

// csrOp executes the Zicsr instructions. CSRRS/CSRRC (and the immediate
// forms) with a zero source do not write, so they may read read-only CSRs.
func (h *Hart) csrOp(in *rv.Inst) bool {
	n := uint16(in.Imm) & 0xfff
	src := h.X[in.Rs1]
	if in.Op >= rv.OpCSRRWI {
		src = uint64(in.Rs1)
	}
	write := true
	if (in.Op == rv.OpCSRRS || in.Op == rv.OpCSRRC || in.Op == rv.OpCSRRSI || in.Op == rv.OpCSRRCI) && in.Rs1 == 0 {
		write = false
	}
	if !h.csrAllowed(n, write) {
		return h.raise(excIllegal, uint64(in.Raw))
	}
	old, ok := h.readCSR(n)
	if !ok {
		return h.raise(excIllegal, uint64(in.Raw))
	}
	if write {
		v := src
		switch in.Op {
		case rv.OpCSRRS, rv.OpCSRRSI:
			v = old | src
		case rv.OpCSRRC, rv.OpCSRRCI:
			v = old &^ src
		}
		if !h.writeCSR(n, v) {
			return h.raise(excIllegal, uint64(in.Raw))
		}
	}
	h.X[in.Rd] = old
	return true
}

// decode fills the decode-cache slot for pc. An instruction whose second
// half lies on the next page is decoded into h.crossPage on every
// execution instead, since that page may be remapped independently.
func (h *Hart) decode(pc uint64, slot *rv.Inst) (*rv.Inst, bool) {
	off := h.cur.off | pc&pageMask
	lo := uint32(binary.LittleEndian.Uint16(h.ram[off:]))
	if lo&3 != 3 {
		*slot = rv.DecodeCompressed(uint16(lo))
		return slot, true
	}
	if pc&pageMask != pageSize-2 {
		*slot = rv.Decode(lo | uint32(binary.LittleEndian.Uint16(h.ram[off+2:]))<<16)
		return slot, true
	}
	pa, ok := h.translate(pc+2, accFetch)
	if !ok {
		return nil, false
	}
	off2, ok := h.bus.InRAM(pa, 2)
	if !ok {
		return nil, h.raise(excInsnAccess, pc+2)
	}
	h.crossPage = rv.Decode(lo | uint32(binary.LittleEndian.Uint16(h.ram[off2:]))<<16)
	return &h.crossPage, true
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

func sext32(v uint64) uint64 { return uint64(int64(int32(v))) }

// mulh returns the high 64 bits of the signed 128-bit product.
func mulh(a, b uint64) uint64 {
	hi, _ := bits.Mul64(a, b)
	if int64(a) < 0 {
		hi -= b
	}
	if int64(b) < 0 {
		hi -= a
	}
	return hi
}

// mulhsu returns the high 64 bits of signed a times unsigned b.
func mulhsu(a, b uint64) uint64 {
	hi, _ := bits.Mul64(a, b)
	if int64(a) < 0 {
		hi -= b
	}
	return hi
}

// Division by zero and signed overflow do not trap (M extension §7.2).
func div(a, b uint64) uint64 {
	switch {
	case b == 0:
		return ^uint64(0)
	case int64(a) == -1<<63 && int64(b) == -1:
		return a
	}
	return uint64(int64(a) / int64(b))
}

func divu(a, b uint64) uint64 {
	if b == 0 {
		return ^uint64(0)
	}
	return a / b
}

func rem(a, b uint64) uint64 {
	switch {
	case b == 0:
		return a
	case int64(a) == -1<<63 && int64(b) == -1:
		return 0
	}
	return uint64(int64(a) % int64(b))
}

func remu(a, b uint64) uint64 {
	if b == 0 {
		return a
	}
	return a % b
}

// loadSlowTo completes a load whose fast path missed: it loads size bytes
// at va and writes x[rd], sign-extended if signed.
func (h *Hart) loadSlowTo(rd uint8, va uint64, size int, signed bool) bool {
	v, ok := h.loadSlow(va, size)
	if !ok {
		return false
	}
	if signed {
		sh := 64 - 8*uint(size)
		v = uint64(int64(v<<sh) >> sh)
	}
	h.X[rd] = v
	return true
}
