package hart

import (
	"math"
	"math/bits"
	"unsafe"

	"github.com/reprovm/reprovm/machine/internal/rv"
	sf "github.com/reprovm/reprovm/machine/internal/softfloat"
)

// Run executes instructions until the retired-instruction count reaches
// limit or a stop condition occurs, and says which.
//
// Interrupts are looked at only when instret reaches nextEvent: the
// instruction count at which the timer fires, or at once after anything that
// can change what is pending or enabled (CSR writes, xRET, traps, device
// stores). So an interrupt is taken at the same instruction on every run.
//
// The loop executes one block (block.go) at a time: as many of its
// instructions as fit before nextEvent, the hot integer subset inline. A
// block's last instruction may be a branch or jump (inline) or anything
// else (execSlow). A load or store whose TLB fast path misses also goes to
// execSlow, and then the block ends there: execSlow may trap, change
// privilege or translation, or store to code, so the next block is looked
// up afresh. Only execSlow stores to pages with decoded code
// (storeCacheable), so a block never runs stale code. The fast paths repeat
// those of mem.go (load64 etc.) by hand, because the compiler will not
// inline them here.
func (h *Hart) Run(limit uint64) StopReason {
	h.limit = limit
	h.recheck()
	x := &h.X
	// next, if not nil, is the block at h.PC, found through the last
	// block's links without looking at the page.
	var next *block
	for {
		if h.instret >= h.nextEvent {
			next = nil
			if r := h.event(); r != StopNone {
				return r
			}
			continue
		}
		pc := h.PC
		b := next
		next = nil
		if b == nil && pc&^pageMask != h.curVPage {
			// b is set for a page fetchPage does not cache.
			var ok bool
			if b, ok = h.fetchPage(pc); !ok {
				h.takeTrap()
				continue
			}
		}
		if b == nil {
			if b = h.cur.blocks[pc&pageMask>>1]; b == nil {
				var ok bool
				if b, ok = h.buildBlock(pc); !ok {
					h.takeTrap()
					continue
				}
			}
		}
		uops := b.uops
		if left := h.nextEvent - h.instret; uint64(len(uops)) > left {
			uops = uops[:left]
		}
		base := pc &^ pageMask
		npc := base + uint64(b.end)
		// taken says which of b.link leads on: 0 after falling through,
		// 1 after a taken branch or a jump to a fixed target, 2 after a
		// jump through a register (not linked).
		taken := 0
		// Walk the uops by pointer: indexing costs two address
		// computations per instruction that the compiler does not keep
		// across the jump table.
		first := unsafe.Pointer(unsafe.SliceData(uops))
		end := unsafe.Add(first, uintptr(len(uops))*unsafe.Sizeof(uop{}))
		for p := first; p != end; p = unsafe.Add(p, unsafe.Sizeof(uop{})) {
			in := (*uop)(p)
			imm := uint64(int64(in.Imm))
			switch in.Op {
			case opNop:
			case rv.OpLUI:
				x[in.Rd&31] = imm
			case rv.OpAUIPC:
				x[in.Rd&31] = base + uint64(in.Off) + imm
			case rv.OpJAL:
				pc := base + uint64(in.Off)
				x[in.Rd&31] = pc + uint64(in.Len)
				npc = pc + imm
				taken = 1
			case rv.OpJALR:
				t := (x[in.Rs1&31] + imm) &^ 1
				x[in.Rd&31] = npc
				npc = t
				taken = 2
			case rv.OpBEQ:
				if x[in.Rs1&31] == x[in.Rs2&31] {
					npc = base + uint64(in.Off) + imm
					taken = 1
				}
			case rv.OpBNE:
				if x[in.Rs1&31] != x[in.Rs2&31] {
					npc = base + uint64(in.Off) + imm
					taken = 1
				}
			case rv.OpBLT:
				if int64(x[in.Rs1&31]) < int64(x[in.Rs2&31]) {
					npc = base + uint64(in.Off) + imm
					taken = 1
				}
			case rv.OpBGE:
				if int64(x[in.Rs1&31]) >= int64(x[in.Rs2&31]) {
					npc = base + uint64(in.Off) + imm
					taken = 1
				}
			case rv.OpBLTU:
				if x[in.Rs1&31] < x[in.Rs2&31] {
					npc = base + uint64(in.Off) + imm
					taken = 1
				}
			case rv.OpBGEU:
				if x[in.Rs1&31] >= x[in.Rs2&31] {
					npc = base + uint64(in.Off) + imm
					taken = 1
				}
			case rv.OpLB:
				va := x[in.Rs1&31] + imm
				if e := &h.tlb[accLoad][va>>pageShift%tlbSize]; e.tag == va&^pageMask|h.key[accLoad] {
					x[in.Rd&31] = uint64(int8(ld8(e.page, va&pageMask)))
				} else {
					h.slowAt(base, in, uint64((uintptr(p)-uintptr(first))/unsafe.Sizeof(uop{})))
					goto slow
				}
			case rv.OpLH:
				va := x[in.Rs1&31] + imm
				if e := &h.tlb[accLoad][va>>pageShift%tlbSize]; e.tag == va&^pageMask|h.key[accLoad] && va&pageMask <= pageSize-2 {
					x[in.Rd&31] = uint64(int16(ld16(e.page, va&pageMask)))
				} else {
					h.slowAt(base, in, uint64((uintptr(p)-uintptr(first))/unsafe.Sizeof(uop{})))
					goto slow
				}
			case rv.OpLW:
				va := x[in.Rs1&31] + imm
				if e := &h.tlb[accLoad][va>>pageShift%tlbSize]; e.tag == va&^pageMask|h.key[accLoad] && va&pageMask <= pageSize-4 {
					x[in.Rd&31] = uint64(int32(ld32(e.page, va&pageMask)))
				} else {
					h.slowAt(base, in, uint64((uintptr(p)-uintptr(first))/unsafe.Sizeof(uop{})))
					goto slow
				}
			case rv.OpLD:
				va := x[in.Rs1&31] + imm
				if e := &h.tlb[accLoad][va>>pageShift%tlbSize]; e.tag == va&^pageMask|h.key[accLoad] && va&pageMask <= pageSize-8 {
					x[in.Rd&31] = ld64(e.page, va&pageMask)
				} else {
					h.slowAt(base, in, uint64((uintptr(p)-uintptr(first))/unsafe.Sizeof(uop{})))
					goto slow
				}
			case rv.OpLBU:
				va := x[in.Rs1&31] + imm
				if e := &h.tlb[accLoad][va>>pageShift%tlbSize]; e.tag == va&^pageMask|h.key[accLoad] {
					x[in.Rd&31] = ld8(e.page, va&pageMask)
				} else {
					h.slowAt(base, in, uint64((uintptr(p)-uintptr(first))/unsafe.Sizeof(uop{})))
					goto slow
				}
			case rv.OpLHU:
				va := x[in.Rs1&31] + imm
				if e := &h.tlb[accLoad][va>>pageShift%tlbSize]; e.tag == va&^pageMask|h.key[accLoad] && va&pageMask <= pageSize-2 {
					x[in.Rd&31] = ld16(e.page, va&pageMask)
				} else {
					h.slowAt(base, in, uint64((uintptr(p)-uintptr(first))/unsafe.Sizeof(uop{})))
					goto slow
				}
			case rv.OpLWU:
				va := x[in.Rs1&31] + imm
				if e := &h.tlb[accLoad][va>>pageShift%tlbSize]; e.tag == va&^pageMask|h.key[accLoad] && va&pageMask <= pageSize-4 {
					x[in.Rd&31] = ld32(e.page, va&pageMask)
				} else {
					h.slowAt(base, in, uint64((uintptr(p)-uintptr(first))/unsafe.Sizeof(uop{})))
					goto slow
				}
			case rv.OpSB:
				va := x[in.Rs1&31] + imm
				if e := &h.tlb[accStore][va>>pageShift%tlbSize]; e.tag == va&^pageMask|h.key[accStore] {
					st8(e.page, va&pageMask, x[in.Rs2&31])
				} else {
					h.slowAt(base, in, uint64((uintptr(p)-uintptr(first))/unsafe.Sizeof(uop{})))
					goto slow
				}
			case rv.OpSH:
				va := x[in.Rs1&31] + imm
				if e := &h.tlb[accStore][va>>pageShift%tlbSize]; e.tag == va&^pageMask|h.key[accStore] && va&pageMask <= pageSize-2 {
					st16(e.page, va&pageMask, x[in.Rs2&31])
				} else {
					h.slowAt(base, in, uint64((uintptr(p)-uintptr(first))/unsafe.Sizeof(uop{})))
					goto slow
				}
			case rv.OpSW:
				va := x[in.Rs1&31] + imm
				if e := &h.tlb[accStore][va>>pageShift%tlbSize]; e.tag == va&^pageMask|h.key[accStore] && va&pageMask <= pageSize-4 {
					st32(e.page, va&pageMask, x[in.Rs2&31])
				} else {
					h.slowAt(base, in, uint64((uintptr(p)-uintptr(first))/unsafe.Sizeof(uop{})))
					goto slow
				}
			case rv.OpSD:
				va := x[in.Rs1&31] + imm
				if e := &h.tlb[accStore][va>>pageShift%tlbSize]; e.tag == va&^pageMask|h.key[accStore] && va&pageMask <= pageSize-8 {
					st64(e.page, va&pageMask, x[in.Rs2&31])
				} else {
					h.slowAt(base, in, uint64((uintptr(p)-uintptr(first))/unsafe.Sizeof(uop{})))
					goto slow
				}
			case rv.OpFLD:
				va := x[in.Rs1&31] + imm
				if e := &h.tlb[accLoad][va>>pageShift%tlbSize]; e.tag == va&^pageMask|h.key[accLoad] && va&pageMask <= pageSize-8 && h.csr.mstatus&mstatusFS == fsDirty {
					h.F[in.Rd&31] = ld64(e.page, va&pageMask)
				} else {
					h.slowFPAt(base, in, uint64((uintptr(p)-uintptr(first))/unsafe.Sizeof(uop{})))
					goto slow
				}
			case rv.OpFLW:
				va := x[in.Rs1&31] + imm
				if e := &h.tlb[accLoad][va>>pageShift%tlbSize]; e.tag == va&^pageMask|h.key[accLoad] && va&pageMask <= pageSize-4 && h.csr.mstatus&mstatusFS == fsDirty {
					h.F[in.Rd&31] = box(uint32(ld32(e.page, va&pageMask)))
				} else {
					h.slowFPAt(base, in, uint64((uintptr(p)-uintptr(first))/unsafe.Sizeof(uop{})))
					goto slow
				}
			case rv.OpFSD:
				va := x[in.Rs1&31] + imm
				if e := &h.tlb[accStore][va>>pageShift%tlbSize]; e.tag == va&^pageMask|h.key[accStore] && va&pageMask <= pageSize-8 && h.csr.mstatus&mstatusFS != fsOff {
					st64(e.page, va&pageMask, h.F[in.Rs2&31])
				} else {
					h.slowFPAt(base, in, uint64((uintptr(p)-uintptr(first))/unsafe.Sizeof(uop{})))
					goto slow
				}
			case rv.OpFSW:
				va := x[in.Rs1&31] + imm
				if e := &h.tlb[accStore][va>>pageShift%tlbSize]; e.tag == va&^pageMask|h.key[accStore] && va&pageMask <= pageSize-4 && h.csr.mstatus&mstatusFS != fsOff {
					st32(e.page, va&pageMask, h.F[in.Rs2&31])
				} else {
					h.slowFPAt(base, in, uint64((uintptr(p)-uintptr(first))/unsafe.Sizeof(uop{})))
					goto slow
				}
			// The hottest FP operations first take softfloat's fast path
			// here (fp_inline.go): when FS is already Dirty (so FP is on
			// and nothing needs marking) and the rounding mode is
			// nearest-even (fpRNE). fadd.d, fsub.d and fmul.d
			// compose FastAdd64 and FastMul64 from their inlinable parts,
			// the same tests in the same order, since the compiler will
			// not inline those here. Otherwise, or when the fast path
			// declines, fpInline does the whole job.
			case rv.OpFADDD, rv.OpFSUBD:
				a, b := h.F[in.Rs1&31], h.F[in.Rs2&31]
				if in.Op == rv.OpFSUBD {
					b ^= sign64
				}
				if h.csr.mstatus&mstatusFS == fsDirty && fpRNE(in.Imm, h.csr.frm) &&
					sf.InRangeOrZero64(a) && sf.InRangeOrZero64(b) {
					s, exact := sf.AddExact64(math.Float64frombits(a), math.Float64frombits(b))
					if r := math.Float64bits(s); sf.InRange64(r) {
						h.F[in.Rd&31] = r
						if !exact {
							h.csr.fflags |= uint8(sf.NX)
						}
						break
					}
				}
				if !h.fpInline(in) {
					h.slowFPAt(base, in, uint64((uintptr(p)-uintptr(first))/unsafe.Sizeof(uop{})))
					goto slow
				}
			case rv.OpFMULD:
				a, b := h.F[in.Rs1&31], h.F[in.Rs2&31]
				if h.csr.mstatus&mstatusFS == fsDirty && fpRNE(in.Imm, h.csr.frm) &&
					sf.InRange64(a) && sf.InRange64(b) {
					m, exact := sf.MulExact64(math.Float64frombits(a), math.Float64frombits(b))
					if r := math.Float64bits(m); sf.InRange64(r) {
						h.F[in.Rd&31] = r
						if !exact {
							h.csr.fflags |= uint8(sf.NX)
						}
						break
					}
				}
				if !h.fpInline(in) {
					h.slowFPAt(base, in, uint64((uintptr(p)-uintptr(first))/unsafe.Sizeof(uop{})))
					goto slow
				}
			case rv.OpFMADDD:
				if h.csr.mstatus&mstatusFS == fsDirty && fpRNE(in.Imm, h.csr.frm) {
					if r, fl, ok := sf.FastMulAdd64(h.F[in.Rs1&31], h.F[in.Rs2&31], h.F[in.Imm>>3&31], sf.Flags(h.csr.fflags)); ok {
						h.F[in.Rd&31] = r
						h.csr.fflags |= uint8(fl)
						break
					}
				}
				if !h.fpInline(in) {
					h.slowFPAt(base, in, uint64((uintptr(p)-uintptr(first))/unsafe.Sizeof(uop{})))
					goto slow
				}
			case rv.OpFDIVD, rv.OpFSQRTD,
				rv.OpFMSUBD, rv.OpFNMSUBD, rv.OpFNMADDD,
				rv.OpFSGNJD, rv.OpFSGNJND, rv.OpFSGNJXD,
				rv.OpFADDS, rv.OpFSUBS, rv.OpFMULS, rv.OpFDIVS, rv.OpFSQRTS,
				rv.OpFMADDS, rv.OpFMSUBS, rv.OpFNMSUBS, rv.OpFNMADDS:
				if !h.fpInline(in) {
					h.slowFPAt(base, in, uint64((uintptr(p)-uintptr(first))/unsafe.Sizeof(uop{})))
					goto slow
				}
			case rv.OpADDI:
				x[in.Rd&31] = x[in.Rs1&31] + imm
			case rv.OpSLTI:
				x[in.Rd&31] = b2u(int64(x[in.Rs1&31]) < int64(imm))
			case rv.OpSLTIU:
				x[in.Rd&31] = b2u(x[in.Rs1&31] < imm)
			case rv.OpXORI:
				x[in.Rd&31] = x[in.Rs1&31] ^ imm
			case rv.OpORI:
				x[in.Rd&31] = x[in.Rs1&31] | imm
			case rv.OpANDI:
				x[in.Rd&31] = x[in.Rs1&31] & imm
			case rv.OpSLLI:
				x[in.Rd&31] = x[in.Rs1&31] << (imm & 63)
			case rv.OpSRLI:
				x[in.Rd&31] = x[in.Rs1&31] >> (imm & 63)
			case rv.OpSRAI:
				x[in.Rd&31] = uint64(int64(x[in.Rs1&31]) >> (imm & 63))
			case rv.OpADD:
				x[in.Rd&31] = x[in.Rs1&31] + x[in.Rs2&31]
			case rv.OpSUB:
				x[in.Rd&31] = x[in.Rs1&31] - x[in.Rs2&31]
			case rv.OpSLL:
				x[in.Rd&31] = x[in.Rs1&31] << (x[in.Rs2&31] & 63)
			case rv.OpSLT:
				x[in.Rd&31] = b2u(int64(x[in.Rs1&31]) < int64(x[in.Rs2&31]))
			case rv.OpSLTU:
				x[in.Rd&31] = b2u(x[in.Rs1&31] < x[in.Rs2&31])
			case rv.OpXOR:
				x[in.Rd&31] = x[in.Rs1&31] ^ x[in.Rs2&31]
			case rv.OpSRL:
				x[in.Rd&31] = x[in.Rs1&31] >> (x[in.Rs2&31] & 63)
			case rv.OpSRA:
				x[in.Rd&31] = uint64(int64(x[in.Rs1&31]) >> (x[in.Rs2&31] & 63))
			case rv.OpOR:
				x[in.Rd&31] = x[in.Rs1&31] | x[in.Rs2&31]
			case rv.OpAND:
				x[in.Rd&31] = x[in.Rs1&31] & x[in.Rs2&31]
			case rv.OpADDIW:
				x[in.Rd&31] = sext32(x[in.Rs1&31] + imm)
			case rv.OpSLLIW:
				x[in.Rd&31] = sext32(x[in.Rs1&31] << (imm & 31))
			case rv.OpSRLIW:
				x[in.Rd&31] = sext32(uint64(uint32(x[in.Rs1&31]) >> (imm & 31)))
			case rv.OpSRAIW:
				x[in.Rd&31] = uint64(int64(int32(x[in.Rs1&31]) >> (imm & 31)))
			case rv.OpADDW:
				x[in.Rd&31] = sext32(x[in.Rs1&31] + x[in.Rs2&31])
			case rv.OpSUBW:
				x[in.Rd&31] = sext32(x[in.Rs1&31] - x[in.Rs2&31])
			case rv.OpSLLW:
				x[in.Rd&31] = sext32(x[in.Rs1&31] << (x[in.Rs2&31] & 31))
			case rv.OpSRLW:
				x[in.Rd&31] = sext32(uint64(uint32(x[in.Rs1&31]) >> (x[in.Rs2&31] & 31)))
			case rv.OpSRAW:
				x[in.Rd&31] = uint64(int64(int32(x[in.Rs1&31]) >> (x[in.Rs2&31] & 31)))
			case rv.OpMUL:
				x[in.Rd&31] = x[in.Rs1&31] * x[in.Rs2&31]
			case rv.OpMULH:
				x[in.Rd&31] = mulh(x[in.Rs1&31], x[in.Rs2&31])
			case rv.OpMULHSU:
				x[in.Rd&31] = mulhsu(x[in.Rs1&31], x[in.Rs2&31])
			case rv.OpMULHU:
				x[in.Rd&31], _ = bits.Mul64(x[in.Rs1&31], x[in.Rs2&31])
			case rv.OpDIV:
				x[in.Rd&31] = div(x[in.Rs1&31], x[in.Rs2&31])
			case rv.OpDIVU:
				x[in.Rd&31] = divu(x[in.Rs1&31], x[in.Rs2&31])
			case rv.OpREM:
				x[in.Rd&31] = rem(x[in.Rs1&31], x[in.Rs2&31])
			case rv.OpREMU:
				x[in.Rd&31] = remu(x[in.Rs1&31], x[in.Rs2&31])
			case rv.OpMULW:
				x[in.Rd&31] = sext32(x[in.Rs1&31] * x[in.Rs2&31])
			case rv.OpDIVW:
				x[in.Rd&31] = sext32(div(uint64(int32(x[in.Rs1&31])), uint64(int32(x[in.Rs2&31]))))
			case rv.OpDIVUW:
				x[in.Rd&31] = sext32(divu(uint64(uint32(x[in.Rs1&31])), uint64(uint32(x[in.Rs2&31]))))
			case rv.OpREMW:
				x[in.Rd&31] = sext32(rem(uint64(int32(x[in.Rs1&31])), uint64(int32(x[in.Rs2&31]))))
			case rv.OpREMUW:
				x[in.Rd&31] = sext32(remu(uint64(uint32(x[in.Rs1&31])), uint64(uint32(x[in.Rs2&31]))))
			default: // opSlow
				h.PC = base + uint64(in.Off)
				h.instret += uint64(len(uops) - 1) // the last of its block
				h.execSlow(&b.term)
				goto slow
			}
		}
		// The whole of uops retired. A branch or jump, the last of a
		// block, has set npc; a block cut short by nextEvent goes on
		// after its last executed instruction.
		h.instret += uint64(len(uops))
		x[0] = 0
		if len(uops) < len(b.uops) {
			last := &uops[len(uops)-1]
			h.PC = base + uint64(last.Off) + uint64(last.Len)
			continue
		}
		h.PC = npc
		if taken < 2 {
			// Chain to the next block: a fixed target on this page, so
			// the page's decode cache and translation are still current
			// (nothing that could change them ran inline).
			if l := b.link[taken]; l != nil && !l.dead {
				next = l
			} else if npc&^pageMask == base {
				next = h.cur.blocks[npc&pageMask>>1]
				b.link[taken] = next
			}
		}
	slow:
	}
}

// slowAt hands the load or store in, the i'th instruction of the block
// on the page at base, to execSlow after its TLB fast path missed.
func (h *Hart) slowAt(base uint64, in *uop, i uint64) {
	h.PC = base + uint64(in.Off)
	h.instret += i
	h.slowInst = in.inst()
	h.execSlow(&h.slowInst)
}

// execSlow executes the instruction in at h.PC with every case handled:
// it retires it (advancing h.PC and instret) or takes its trap.
func (h *Hart) execSlow(in *rv.Inst) {
	x := &h.X
	pc := h.PC
	npc := pc + uint64(in.Len)
	imm := uint64(int64(in.Imm))
	var ok bool
	switch in.Op {
	case rv.OpLB, rv.OpLBU:
		var v uint64
		if v, ok = h.load8(x[in.Rs1] + imm); ok {
			x[in.Rd] = extend(v, 8, in.Op == rv.OpLB)
		}
	case rv.OpLH, rv.OpLHU:
		var v uint64
		if v, ok = h.load16(x[in.Rs1] + imm); ok {
			x[in.Rd] = extend(v, 16, in.Op == rv.OpLH)
		}
	case rv.OpLW, rv.OpLWU:
		var v uint64
		if v, ok = h.load32(x[in.Rs1] + imm); ok {
			x[in.Rd] = extend(v, 32, in.Op == rv.OpLW)
		}
	case rv.OpLD:
		var v uint64
		if v, ok = h.load64(x[in.Rs1] + imm); ok {
			x[in.Rd] = v
		}
	case rv.OpSB:
		ok = h.store8(x[in.Rs1]+imm, x[in.Rs2])
	case rv.OpSH:
		ok = h.store16(x[in.Rs1]+imm, x[in.Rs2])
	case rv.OpSW:
		ok = h.store32(x[in.Rs1]+imm, x[in.Rs2])
	case rv.OpSD:
		ok = h.store64(x[in.Rs1]+imm, x[in.Rs2])
	case rv.OpECALL:
		if h.Priv == PrivU && h.UserECallStops {
			h.stop = StopECall
			h.recheck()
			return
		}
		ok = h.raise(excECallU+uint64(h.Priv), 0)
	case rv.OpEBREAK:
		ok = h.raise(excBreakpoint, pc)
	case rv.OpMRET:
		if ok = h.mret(); ok {
			npc = h.PC
		}
	case rv.OpSRET:
		if ok = h.sret(); ok {
			npc = h.PC
		}
	case rv.OpWFI:
		ok = h.wfi(in)
	case rv.OpSFENCEVMA:
		ok = h.sfenceVMA(in)
	case rv.OpCSRRW, rv.OpCSRRS, rv.OpCSRRC, rv.OpCSRRWI, rv.OpCSRRSI, rv.OpCSRRCI:
		ok = h.csrOp(in)
	case rv.OpIllegal:
		ok = h.raise(excIllegal, uint64(in.Raw))
	default:
		if in.Op.IsFP() {
			ok = h.execFP(in)
		} else {
			ok = h.execAtomic(in)
		}
	}
	if !ok {
		h.takeTrap()
		return
	}
	h.PC = npc
	h.instret++
	x[0] = 0
}

// extend sign-extends the low n bits of v if signed, else returns v.
func extend(v uint64, n uint, signed bool) uint64 {
	if signed {
		return uint64(int64(v<<(64-n)) >> (64 - n))
	}
	return v
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

// timerDeadline returns the instret at which the next timer interrupt
// becomes pending (mtimecmp, or stimecmp under Sstc), or the maximum if
// none will.
func (h *Hart) timerDeadline() uint64 {
	d := h.deadline(h.mtimecmp)
	if h.sstcEnabled() {
		d = min(d, h.deadline(h.csr.stimecmp))
	}
	return d
}

// deadline returns the instret at which mtime reaches cmp, or the maximum
// if that is now or never.
func (h *Hart) deadline(cmp uint64) uint64 {
	now := h.MTime()
	if now >= cmp {
		return ^uint64(0)
	}
	ticks := cmp - now
	base := h.Cycles() / InsnsPerTick
	if ticks > (^uint64(0)/InsnsPerTick)-base {
		return ^uint64(0)
	}
	return (base+ticks)*InsnsPerTick - h.idle
}

// wfi waits for an interrupt (privileged spec §3.3.3). Nothing else runs on
// this machine, so waiting means jumping time forward to the deadline of an
// enabled timer interrupt (mtimecmp, or stimecmp under Sstc); with nothing
// that could ever wake the hart, WFI is a no-op, which the spec allows. TW makes WFI illegal below M-mode, and it is always illegal in U.
func (h *Hart) wfi(in *rv.Inst) bool {
	if h.Priv == PrivU || h.Priv == PrivS && h.csr.mstatus&mstatusTW != 0 {
		return h.raise(excIllegal, uint64(in.Raw))
	}
	if h.mipValue()&h.csr.mie != 0 {
		return true
	}
	d := ^uint64(0)
	if h.csr.mie&ipMTI != 0 {
		d = h.deadline(h.mtimecmp)
	}
	if h.csr.mie&ipSTI != 0 && h.sstcEnabled() {
		d = min(d, h.deadline(h.csr.stimecmp))
	}
	if d != ^uint64(0) && d > h.instret {
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
