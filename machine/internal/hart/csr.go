package hart

// CSR numbers (privileged spec, chapter 2 "Control and Status Registers").
const (
	csrFFlags        = 0x001
	csrFRM           = 0x002
	csrFCSR          = 0x003
	csrSStatus       = 0x100
	csrSIE           = 0x104
	csrSTVec         = 0x105
	csrSCounter      = 0x106
	csrSEnvCfg       = 0x10a
	csrSScratch      = 0x140
	csrSEPC          = 0x141
	csrSCause        = 0x142
	csrSTVal         = 0x143
	csrSIP           = 0x144
	csrSATP          = 0x180
	csrSTimeCmp      = 0x14d
	csrMStatus       = 0x300
	csrMISA          = 0x301
	csrMEDeleg       = 0x302
	csrMIDeleg       = 0x303
	csrMIE           = 0x304
	csrMTVec         = 0x305
	csrMCounter      = 0x306
	csrMEnvCfg       = 0x30a
	csrMCountInhibit = 0x320
	csrMScratch      = 0x340
	csrMEPC          = 0x341
	csrMCause        = 0x342
	csrMTVal         = 0x343
	csrMIP           = 0x344
	csrMCycle        = 0xb00
	csrMInstret      = 0xb02
	csrCycle         = 0xc00
	csrTime          = 0xc01
	csrInstret       = 0xc02
	csrMVendorID     = 0xf11
	csrMArchID       = 0xf12
	csrMImpID        = 0xf13
	csrMHartID       = 0xf14
	csrMConfigPtr    = 0xf15
)

// mstatus fields (privileged spec §3.1.6).
const (
	mstatusSIE  = 1 << 1
	mstatusMIE  = 1 << 3
	mstatusSPIE = 1 << 5
	mstatusMPIE = 1 << 7
	mstatusSPP  = 1 << 8
	mstatusMPP  = 3 << 11
	mstatusFS   = 3 << 13
	mstatusMPRV = 1 << 17
	mstatusSUM  = 1 << 18
	mstatusMXR  = 1 << 19
	mstatusTVM  = 1 << 20
	mstatusTW   = 1 << 21
	mstatusTSR  = 1 << 22
	mstatusUXL  = 3 << 32
	mstatusSXL  = 3 << 34
	mstatusSD   = 1 << 63

	mstatusWritable = mstatusSIE | mstatusMIE | mstatusSPIE | mstatusMPIE | mstatusSPP |
		mstatusMPP | mstatusFS | mstatusMPRV | mstatusSUM | mstatusMXR | mstatusTVM |
		mstatusTW | mstatusTSR
	sstatusMask = mstatusSIE | mstatusSPIE | mstatusSPP | mstatusFS | mstatusSUM |
		mstatusMXR | mstatusUXL | mstatusSD
	// UXL and SXL are read-only 2 (XLEN 64).
	mstatusFixed = 2<<32 | 2<<34
)

// FS values.
const (
	fsOff   = 0
	fsDirty = 3 << 13
)

// Interrupt bits of mip/mie (privileged spec §3.1.9).
const (
	ipSSI = 1 << 1
	ipMSI = 1 << 3
	ipSTI = 1 << 5
	ipMTI = 1 << 7
	ipSEI = 1 << 9
	ipMEI = 1 << 11

	// MSIP, MTIP and MEIP are driven by devices and read-only in mip.
	mipWritable = ipSSI | ipSTI | ipSEI
	sipWritable = ipSSI
	allInts     = ipSSI | ipMSI | ipSTI | ipMTI | ipSEI | ipMEI
	delegable   = ipSSI | ipSTI | ipSEI

	// Exceptions that medeleg can delegate: all but ecall from M-mode (11)
	// and the reserved codes 10 and 14.
	medelegWritable = 0xb3ff
)

// MIPs bits for devices.
const (
	MIPMSIP = ipMSI
	MIPMEIP = ipMEI
	MIPSEIP = ipSEI
)

// misa: RV64 (MXL = 2) with A, C, D, F, I, M, S and U.
const misaValue = 2<<62 | 1<<0 | 1<<2 | 1<<3 | 1<<5 | 1<<8 | 1<<12 | 1<<18 | 1<<20

// satp modes (privileged spec §4.1.11).
const (
	satpBare = 0
	satpSv39 = 8
	satpSv48 = 9
)

type csrFile struct {
	mstatus, medeleg, mideleg, mie, mip  uint64
	mtvec, mscratch, mepc, mcause, mtval uint64
	mcounteren, scounteren               uint64
	stvec, sscratch, sepc, scause, stval uint64
	satp                                 uint64
	menvcfg                              uint64
	stimecmp                             uint64
	fflags, frm                          uint8
}

// menvcfg.STCE (Sstc extension §1): enables stimecmp and makes STIP follow
// it. The other menvcfg fields belong to extensions the hart lacks and
// read as zero.
const menvcfgSTCE = 1 << 63

// sstcEnabled reports whether stimecmp drives STIP.
func (h *Hart) sstcEnabled() bool { return h.csr.menvcfg&menvcfgSTCE != 0 }

// stimecmpAllowed applies the Sstc access rules: below M-mode stimecmp
// needs menvcfg.STCE and mcounteren.TM.
func (h *Hart) stimecmpAllowed() bool {
	return h.Priv == PrivM || h.sstcEnabled() && h.csr.mcounteren&(1<<1) != 0
}

// csrAllowed checks the privilege rules common to every CSR: the address
// encodes the lowest privilege that may access it (bits 9:8) and whether
// it is read-only (bits 11:10 = 3), privileged spec §2.1.
func (h *Hart) csrAllowed(n uint16, write bool) bool {
	if Priv(n>>8&3) > h.Priv {
		return false
	}
	if write && n>>10 == 3 {
		return false
	}
	return true
}

// counterAllowed applies mcounteren and scounteren to the user-level
// counters cycle, time, instret and hpmcounterN (privileged spec §3.1.11).
func (h *Hart) counterAllowed(n uint16) bool {
	bit := uint64(1) << (n & 31)
	if h.Priv < PrivM && h.csr.mcounteren&bit == 0 {
		return false
	}
	if h.Priv == PrivU && h.csr.scounteren&bit == 0 {
		return false
	}
	return true
}

func (h *Hart) fpEnabled() bool { return h.csr.mstatus&mstatusFS != fsOff }

// readCSR returns the value of CSR n, or false if the access is illegal.
func (h *Hart) readCSR(n uint16) (uint64, bool) {
	c := &h.csr
	switch {
	case n >= 0xc00 && n <= 0xc1f: // cycle, time, instret, hpmcounter3..31
		if !h.counterAllowed(n) {
			return 0, false
		}
		switch n {
		case csrCycle:
			return h.Cycles() + h.cycleOff, true
		case csrTime:
			return h.MTime(), true
		case csrInstret:
			return h.instret + h.instretOff, true
		}
		return 0, true
	case n >= 0xb03 && n <= 0xb1f, n >= 0x323 && n <= 0x33f: // mhpmcounterN, mhpmeventN
		return 0, h.Priv == PrivM
	case n >= 0x3a0 && n <= 0x3ef: // pmpcfgN, pmpaddrN (pmp.go)
		if n <= 0x3af && n&1 != 0 { // odd pmpcfg do not exist on RV64
			return 0, false
		}
		return h.readPMP(n), h.Priv == PrivM
	case n >= csrTSelect && n <= csrTInfo: // the trigger module (trigger.go)
		return h.readTrigger(n), h.Priv == PrivM
	}
	switch n {
	case csrFFlags, csrFRM, csrFCSR:
		if !h.fpEnabled() {
			return 0, false
		}
		switch n {
		case csrFFlags:
			return uint64(c.fflags), true
		case csrFRM:
			return uint64(c.frm), true
		}
		return uint64(h.FCSR()), true
	case csrSStatus:
		return h.mstatus() & sstatusMask, true
	case csrSIE:
		return c.mie & c.mideleg, true
	case csrSTVec:
		return c.stvec, true
	case csrSCounter:
		return c.scounteren, true
	case csrSEnvCfg:
		return 0, true
	case csrSScratch:
		return c.sscratch, true
	case csrSEPC:
		return c.sepc, true
	case csrSCause:
		return c.scause, true
	case csrSTVal:
		return c.stval, true
	case csrSIP:
		return h.mipValue() & c.mideleg, true
	case csrSATP:
		if h.Priv == PrivS && c.mstatus&mstatusTVM != 0 {
			return 0, false
		}
		return c.satp, true
	case csrSTimeCmp:
		return c.stimecmp, h.stimecmpAllowed()
	case csrMEnvCfg:
		return c.menvcfg, true
	case csrMStatus:
		return h.mstatus(), true
	case csrMISA:
		return misaValue, true
	case csrMEDeleg:
		return c.medeleg, true
	case csrMIDeleg:
		return c.mideleg, true
	case csrMIE:
		return c.mie, true
	case csrMTVec:
		return c.mtvec, true
	case csrMCounter:
		return c.mcounteren, true
	case csrMCountInhibit:
		return 0, true
	case csrMScratch:
		return c.mscratch, true
	case csrMEPC:
		return c.mepc, true
	case csrMCause:
		return c.mcause, true
	case csrMTVal:
		return c.mtval, true
	case csrMIP:
		return h.mipValue(), true
	case csrMCycle:
		return h.Cycles() + h.cycleOff, true
	case csrMInstret:
		return h.instret + h.instretOff, true
	case csrMVendorID, csrMArchID, csrMImpID, csrMHartID, csrMConfigPtr:
		return 0, true
	}
	return 0, false
}

// writeCSR writes v to CSR n, applying each register's WARL rules, or
// returns false if the CSR does not exist.
func (h *Hart) writeCSR(n uint16, v uint64) bool {
	c := &h.csr
	switch {
	case n >= 0xb03 && n <= 0xb1f, n >= 0x323 && n <= 0x33f:
		return true // hardwired zero
	case n >= 0x3a0 && n <= 0x3ef:
		if n <= 0x3af && n&1 != 0 {
			return false
		}
		h.writePMP(n, v)
		return true
	case n >= csrTSelect && n <= csrTInfo:
		h.writeTrigger(n, v)
		return true
	}
	switch n {
	case csrFFlags, csrFRM, csrFCSR:
		if !h.fpEnabled() {
			return false
		}
		switch n {
		case csrFFlags:
			c.fflags = uint8(v & 0x1f)
		case csrFRM:
			c.frm = uint8(v & 7)
		default:
			c.fflags = uint8(v & 0x1f)
			c.frm = uint8(v >> 5 & 7)
		}
		c.mstatus |= fsDirty
	case csrSStatus:
		h.setMStatus(c.mstatus&^sstatusMask | v&sstatusMask)
	case csrSIE:
		c.mie = c.mie&^c.mideleg | v&c.mideleg
	case csrSTVec:
		c.stvec = legalTVec(v)
	case csrSCounter:
		c.scounteren = v & 0xffffffff
	case csrSEnvCfg, csrMCountInhibit:
		// No optional features behind them: read-only zero.
	case csrMEnvCfg:
		c.menvcfg = v & menvcfgSTCE
	case csrSTimeCmp:
		if !h.stimecmpAllowed() {
			return false
		}
		c.stimecmp = v
	case csrSScratch:
		c.sscratch = v
	case csrSEPC:
		c.sepc = v &^ 1
	case csrSCause:
		c.scause = v
	case csrSTVal:
		c.stval = v
	case csrSIP:
		m := c.mideleg & sipWritable
		c.mip = c.mip&^m | v&m
	case csrSATP:
		if h.Priv == PrivS && c.mstatus&mstatusTVM != 0 {
			return false
		}
		h.setSATP(v)
	case csrMStatus:
		h.setMStatus(v)
	case csrMISA:
		// WARL: the extensions cannot be turned off.
	case csrMEDeleg:
		c.medeleg = v & medelegWritable
	case csrMIDeleg:
		c.mideleg = v & delegable
	case csrMIE:
		c.mie = v & allInts
	case csrMTVec:
		c.mtvec = legalTVec(v)
	case csrMCounter:
		c.mcounteren = v & 0xffffffff
	case csrMScratch:
		c.mscratch = v
	case csrMEPC:
		c.mepc = v &^ 1
	case csrMCause:
		c.mcause = v
	case csrMTVal:
		c.mtval = v
	case csrMIP:
		m := uint64(mipWritable)
		if h.sstcEnabled() { // STIP follows stimecmp and is read-only
			m &^= ipSTI
		}
		c.mip = c.mip&^m | v&m
	case csrMCycle:
		// The new value is what the next instruction reads.
		h.cycleOff = v - (h.Cycles() + 1)
	case csrMInstret:
		h.instretOff = v - (h.instret + 1)
	default:
		return false
	}
	h.recheck()
	return true
}

// legalTVec keeps mtvec/stvec MODE at Direct (0) or Vectored (1); the
// reserved modes 2 and 3 are mapped to their low bit.
func legalTVec(v uint64) uint64 { return v &^ 2 }

// mstatus returns mstatus with its read-only and summary fields.
func (h *Hart) mstatus() uint64 {
	v := h.csr.mstatus | mstatusFixed
	if v&mstatusFS == fsDirty {
		v |= mstatusSD
	}
	return v
}

func (h *Hart) setMStatus(v uint64) {
	old := h.csr.mstatus
	nv := old&^mstatusWritable | v&mstatusWritable
	if nv&mstatusMPP == 2<<11 { // MPP is WARL: H-mode does not exist
		nv = nv&^mstatusMPP | old&mstatusMPP
	}
	h.csr.mstatus = nv
	h.updateKeys()
}

// setSATP writes satp unless MODE is unsupported, in which case the whole
// write has no effect (privileged spec §4.1.11); Linux probes Sv57, Sv48 and
// Sv39 in turn this way. ASIDLEN is 16.
func (h *Hart) setSATP(v uint64) {
	switch v >> 60 {
	case satpBare:
		v = 0 // ASID and PPN are ignored in Bare mode; keep them zero
	case satpSv39, satpSv48:
		v &= 0xf<<60 | 0xffff<<44 | (1<<44 - 1)
	default:
		return
	}
	h.csr.satp = v
	h.flushTLB()
}

// mipValue returns mip with MTIP computed from mtimecmp and, under Sstc,
// STIP from stimecmp.
func (h *Hart) mipValue() uint64 {
	now := h.MTime()
	v := (h.csr.mip | h.lines) &^ ipMTI
	if now >= h.mtimecmp {
		v |= ipMTI
	}
	if h.sstcEnabled() {
		v &^= ipSTI
		if now >= h.csr.stimecmp {
			v |= ipSTI
		}
	}
	return v
}
