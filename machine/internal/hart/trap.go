package hart

// Exception codes (privileged spec §3.1.15, Table 3.6).
const (
	excInsnMisaligned  = 0
	excInsnAccess      = 1
	excIllegal         = 2
	excBreakpoint      = 3
	excLoadMisaligned  = 4
	excLoadAccess      = 5
	excStoreMisaligned = 6
	excStoreAccess     = 7
	excECallU          = 8
	excECallS          = 9
	excECallM          = 11
	excInsnPage        = 12
	excLoadPage        = 13
	excStorePage       = 15

	interruptBit = 1 << 63
)

// Per access kind: the access-fault and page-fault codes.
var (
	accessFault = [3]uint64{excInsnAccess, excLoadAccess, excStoreAccess}
	pageFault   = [3]uint64{excInsnPage, excLoadPage, excStorePage}
)

// raise records an exception for the instruction being executed and returns
// false, so that callers can write `return h.raise(...)`.
func (h *Hart) raise(cause, tval uint64) bool {
	h.trapCause = cause
	h.trapVal = tval
	return false
}

// takeTrap enters the trap handler for the pending trap at h.PC (the pc of
// the faulting instruction, or of the next instruction for an interrupt),
// delegating to S-mode where medeleg/mideleg say so (privileged spec §3.1.8,
// §3.3.1). Any trap breaks an LR reservation.
func (h *Hart) takeTrap() {
	cause, tval := h.trapCause, h.trapVal
	c := &h.csr
	h.resValid = false
	if h.instret == h.trapInstret {
		if h.trapStreak++; h.trapStreak >= trapLoopLimit {
			h.stop = StopTrapLoop
		}
	} else {
		h.trapInstret, h.trapStreak = h.instret, 0
	}
	code := cause &^ interruptBit
	deleg := c.medeleg
	if cause&interruptBit != 0 {
		deleg = c.mideleg
	}
	st := c.mstatus
	if h.Priv <= PrivS && deleg>>code&1 != 0 {
		c.scause, c.sepc, c.stval = cause, h.PC, tval
		st &^= mstatusSPP | mstatusSPIE
		if h.Priv == PrivS {
			st |= mstatusSPP
		}
		if st&mstatusSIE != 0 {
			st |= mstatusSPIE
		}
		st &^= mstatusSIE
		h.Priv = PrivS
		h.PC = trapVector(c.stvec, cause)
	} else {
		c.mcause, c.mepc, c.mtval = cause, h.PC, tval
		st = st&^(mstatusMPP|mstatusMPIE) | uint64(h.Priv)<<11
		if st&mstatusMIE != 0 {
			st |= mstatusMPIE
		}
		st &^= mstatusMIE
		h.Priv = PrivM
		h.PC = trapVector(c.mtvec, cause)
	}
	c.mstatus = st
	h.privChanged()
}

// trapVector applies the Direct or Vectored mode of xtvec: in Vectored mode
// interrupts go to BASE + 4*cause.
func trapVector(tvec, cause uint64) uint64 {
	base := tvec &^ 3
	if tvec&1 != 0 && cause&interruptBit != 0 {
		return base + 4*(cause&^interruptBit)
	}
	return base
}

// interruptOrder is the priority of simultaneous interrupts (privileged
// spec §3.1.9): MEI, MSI, MTI, SEI, SSI, STI.
var interruptOrder = [...]uint64{11, 3, 7, 9, 1, 5}

// pendingInterrupt returns the cause of the interrupt to take now, if any.
func (h *Hart) pendingInterrupt() (uint64, bool) {
	c := &h.csr
	pend := h.mipValue() & c.mie
	if pend == 0 {
		return 0, false
	}
	var enabled uint64
	// M-level interrupts: taken below M always, in M when MIE is set.
	if h.Priv < PrivM || c.mstatus&mstatusMIE != 0 {
		enabled |= pend &^ c.mideleg
	}
	// S-level (delegated) interrupts: never taken in M.
	if h.Priv < PrivS || h.Priv == PrivS && c.mstatus&mstatusSIE != 0 {
		enabled |= pend & c.mideleg
	}
	if enabled == 0 {
		return 0, false
	}
	for _, code := range interruptOrder {
		if enabled>>code&1 != 0 {
			return interruptBit | code, true
		}
	}
	return 0, false
}

// mret returns from an M-mode trap (privileged spec §3.3.2).
func (h *Hart) mret() bool {
	if h.Priv < PrivM {
		return h.raise(excIllegal, 0x30200073)
	}
	st := h.csr.mstatus
	prev := Priv(st >> 11 & 3)
	st &^= mstatusMIE
	if st&mstatusMPIE != 0 {
		st |= mstatusMIE
	}
	st |= mstatusMPIE
	st &^= mstatusMPP
	if prev != PrivM {
		st &^= mstatusMPRV
	}
	h.csr.mstatus = st
	h.Priv = prev
	h.PC = h.csr.mepc
	h.noteUser()
	h.privChanged()
	return true
}

// sret returns from an S-mode trap; TSR makes it illegal in S-mode.
func (h *Hart) sret() bool {
	if h.Priv < PrivS || h.Priv == PrivS && h.csr.mstatus&mstatusTSR != 0 {
		return h.raise(excIllegal, 0x10200073)
	}
	st := h.csr.mstatus
	prev := PrivU
	if st&mstatusSPP != 0 {
		prev = PrivS
	}
	st &^= mstatusSIE
	if st&mstatusSPIE != 0 {
		st |= mstatusSIE
	}
	st |= mstatusSPIE
	st &^= mstatusSPP | mstatusMPRV
	h.csr.mstatus = st
	h.Priv = prev
	h.PC = h.csr.sepc
	h.noteUser()
	h.privChanged()
	return true
}

// noteUser records the instret at which U-mode is entered for the first
// time: in a Linux guest, the first instruction of /init.
func (h *Hart) noteUser() {
	if h.Priv == PrivU && !h.userSeen {
		h.userSeen, h.FirstUserInstret = true, h.instret
	}
}

// privChanged refreshes what depends on the privilege mode or mstatus.
func (h *Hart) privChanged() {
	h.updateKeys()
	h.recheck()
}
