package dev

// The platform-level interrupt controller, laid out as SiFive's PLIC
// ("sifive,plic-1.0.0", "riscv,plic0") and QEMU virt's: RISC-V PLIC
// specification 1.0.0, chapters 3-9. It serves one hart with two contexts,
// 0 for M-mode (driving mip.MEIP) and 1 for S-mode (driving mip.SEIP), the
// order the FDT's interrupts-extended lists them in (<&cpu0_intc 11>,
// <&cpu0_intc 9>).
const (
	PLICBase = 0x0c00_0000
	PLICSize = 0x60_0000

	// PLICSources is the number of interrupt sources, 1..PLICSources; the
	// FDT's riscv,ndev. QEMU virt has 95 for its PCIe lines (32..35) and
	// more; this board's devices use 1..10, and 31 keeps every source's
	// pending and enable bit in one 32-bit word per context.
	PLICSources = 31
	// PLICContexts is the number of hart contexts (M and S of hart 0).
	PLICContexts = 2
	// PLICPriorityMask is the writable part of a priority or threshold:
	// 7 levels, as on QEMU virt. 0 means "never interrupt".
	PLICPriorityMask = 7

	plicPending   = 0x1000    // pending bits, read-only
	plicEnable    = 0x2000    // per-context enable bits, 0x80 per context
	plicEnableLen = 0x80      // bytes of enable bits per context
	plicContext   = 0x20_0000 // per-context threshold and claim, 0x1000 per context
	plicCtxLen    = 0x1000
)

// PLIC is the interrupt controller. Every source is level-triggered (the
// gateway forwards a new request only after the previous one completes):
// a source is pending while its line is high and it is not claimed, and a
// completion of a source whose line is still high makes it pending again.
// A line that drops before the claim withdraws the request, as on QEMU, so
// that a driver that has already serviced the device is not interrupted for
// nothing.
type PLIC struct {
	Hart ExternalInterrupts
	// EIPBits are the mip bits the contexts drive: hart.MIPMEIP for
	// context 0 and hart.MIPSEIP for context 1.
	EIPBits [PLICContexts]uint64

	priority  [PLICSources + 1]uint32
	level     uint32 // line state per source
	pending   uint32
	claimed   uint32 // claimed and not yet completed
	enable    [PLICContexts]uint32
	threshold [PLICContexts]uint32
}

// SetIRQ sets the level of source n's line. Sources outside 1..PLICSources
// are ignored.
func (p *PLIC) SetIRQ(n int, level bool) {
	if n < 1 || n > PLICSources {
		return
	}
	bit := uint32(1) << n
	if level {
		p.level |= bit
		if p.claimed&bit == 0 {
			p.pending |= bit
		}
	} else {
		p.level &^= bit
		p.pending &^= bit
	}
	p.update()
}

// best returns the highest-priority source that is pending, enabled for
// context c and above its threshold (ties go to the lowest ID, spec §5),
// or 0.
func (p *PLIC) best(c int) uint32 {
	cand := p.pending & p.enable[c]
	var id, prio uint32
	for n := uint32(1); cand>>n != 0; n++ {
		if cand>>n&1 != 0 && p.priority[n] > prio {
			id, prio = n, p.priority[n]
		}
	}
	if prio <= p.threshold[c] {
		return 0
	}
	return id
}

// update drives each context's interrupt line into the hart.
func (p *PLIC) update() {
	if p.Hart == nil {
		return
	}
	for c := range PLICContexts {
		p.Hart.SetPending(p.EIPBits[c], p.best(c) != 0)
	}
}

// Load reads a PLIC register. Only aligned 32-bit accesses are allowed, as
// in the spec's memory map; the reserved parts of the map read as 0.
func (p *PLIC) Load(off uint64, size int) (uint64, bool) {
	if size != 4 || off&3 != 0 {
		return 0, false
	}
	switch {
	case off < plicPending:
		if n := off / 4; n <= PLICSources {
			return uint64(p.priority[n]), true
		}
	case off == plicPending:
		return uint64(p.pending), true
	case off >= plicEnable && off < plicEnable+PLICContexts*plicEnableLen:
		if (off-plicEnable)%plicEnableLen == 0 {
			return uint64(p.enable[(off-plicEnable)/plicEnableLen]), true
		}
	case off >= plicContext && off < plicContext+PLICContexts*plicCtxLen:
		c := int((off - plicContext) / plicCtxLen)
		switch (off - plicContext) % plicCtxLen {
		case 0:
			return uint64(p.threshold[c]), true
		case 4:
			return uint64(p.claim(c)), true
		}
	}
	return 0, true
}

// claim implements a read of context c's claim register (spec §8): the
// best source's pending bit clears and the source stays claimed until the
// matching completion.
func (p *PLIC) claim(c int) uint32 {
	id := p.best(c)
	if id != 0 {
		p.pending &^= 1 << id
		p.claimed |= 1 << id
		p.update()
	}
	return id
}

// Store writes a PLIC register. Writes to read-only and reserved parts of
// the map are ignored.
func (p *PLIC) Store(off uint64, size int, v uint64) bool {
	if size != 4 || off&3 != 0 {
		return false
	}
	switch {
	case off < plicPending:
		if n := off / 4; n >= 1 && n <= PLICSources {
			p.priority[n] = uint32(v) & PLICPriorityMask
		}
	case off >= plicEnable && off < plicEnable+PLICContexts*plicEnableLen:
		if (off-plicEnable)%plicEnableLen == 0 {
			// Source 0 does not exist: its enable bit is hardwired to 0.
			p.enable[(off-plicEnable)/plicEnableLen] = uint32(v) &^ 1
		}
	case off >= plicContext && off < plicContext+PLICContexts*plicCtxLen:
		c := int((off - plicContext) / plicCtxLen)
		switch (off - plicContext) % plicCtxLen {
		case 0:
			p.threshold[c] = uint32(v) & PLICPriorityMask
		case 4:
			p.complete(c, v)
		}
	}
	p.update()
	return true
}

// complete implements a write of context c's claim/complete register (spec
// §9): a completion for a source that is not enabled for the context is
// silently ignored. Linux's plic_irq_eoi enables a disabled source around
// its completion for this reason. If the line is still high the source
// becomes pending again.
func (p *PLIC) complete(c int, v uint64) {
	if v < 1 || v > PLICSources || p.enable[c]>>v&1 == 0 {
		return
	}
	bit := uint32(1) << v
	p.claimed &^= bit
	if p.level&bit != 0 {
		p.pending |= bit
	}
}
