package hart

// Physical memory protection (privileged spec §3.7): 16 entries, pmpcfg0
// and pmpcfg2 (RV64 packs eight entries into each even pmpcfg),
// pmpaddr0..15, granularity G = 0 (4 bytes, as QEMU's), OFF, TOR, NA4 and
// NAPOT matching, and the L bit. pmpcfg4..14 and pmpaddr16..63 exist and
// are read-only zero (entries 16-63 are not implemented), pmpcfg1, 3, ...
// do not exist on RV64.
//
// Checks stay off the fast paths. Every access that misses the software
// TLB is checked here (a load, store, AMO or fetch after translation, and
// each page-table read and A/D update as an S-mode access); a TLB entry is
// filled only when the whole 4 KiB page has one verdict for that access
// kind and privilege (see pmpAccess), so a hit never needs a check. Pages
// that a rule splits are never cached: their loads and stores always take
// the slow path, and their instructions are fetched one at a time (see
// fetchPage). Any write that changes a pmpcfg or pmpaddr flushes every
// TLB, which also drops the translator's copies (jit.gen). The rules are
// precomputed on each write, so a check walks at most the active entries
// (OpenSBI's boot leaves three to five).

const (
	pmpEntries = 16

	pmpR = 1 << 0
	pmpW = 1 << 1
	pmpX = 1 << 2
	pmpA = 3 << 3
	pmpL = 1 << 7

	pmpOff   = 0 << 3
	pmpTOR   = 1 << 3
	pmpNA4   = 2 << 3
	pmpNAPOT = 3 << 3

	// pmpCfgMask: bits 6:5 of each pmpcfg byte are reserved, WARL 0.
	pmpCfgMask = pmpR | pmpW | pmpX | pmpA | pmpL
	// pmpAddrMask: on RV64 pmpaddr holds bits 55:2 of a 56-bit physical
	// address; bits 63:54 are WARL 0.
	pmpAddrMask = 1<<54 - 1

	csrPMPCfg0  = 0x3a0
	csrPMPAddr0 = 0x3b0
)

// pmpRule is an active entry, as the byte range [lo, last] it matches and
// its permission bits (R, W, X, L of its pmpcfg).
type pmpRule struct {
	lo, last uint64
	perm     uint8
}

// pmpState is the PMP's architectural state (cfg, addr) and the rules
// derived from it.
type pmpState struct {
	cfg  [pmpEntries]uint8
	addr [pmpEntries]uint64

	rules  [pmpEntries]pmpRule // the active entries in priority order
	n      int                 // len of rules in use
	locked bool                // some active entry is locked: M-mode is checked
}

// legalPMPCfg applies pmpcfg's WARL rules to one entry's byte: the reserved
// bits read as zero, and the reserved combination R=0 W=1 loses W (what
// Spike, the reference simulator, does).
func legalPMPCfg(v uint8) uint8 {
	v &= pmpCfgMask
	if v&pmpR == 0 {
		v &^= pmpW
	}
	return v
}

// update recomputes the rules from cfg and addr.
func (p *pmpState) update() {
	p.n, p.locked = 0, false
	for i := range pmpEntries {
		c := p.cfg[i]
		var lo, last uint64
		switch c & pmpA {
		case pmpOff:
			continue
		case pmpTOR:
			if i > 0 {
				lo = p.addr[i-1] << 2
			}
			hi := p.addr[i] << 2
			if lo >= hi {
				continue // matches nothing
			}
			last = hi - 1
		case pmpNA4:
			lo = p.addr[i] << 2
			last = lo + 3
		case pmpNAPOT:
			// k trailing ones encode a region of 2^(k+3) bytes; all 54
			// bits set is 2^57 bytes from 0 (the whole address space).
			a := p.addr[i]
			mask := a ^ (a + 1) // the trailing ones and the zero above them
			lo = (a &^ mask) << 2
			last = lo | (mask<<2 | 3)
		}
		p.rules[p.n] = pmpRule{lo: lo, last: last, perm: c & (pmpR | pmpW | pmpX | pmpL)}
		p.n++
		if c&pmpL != 0 {
			p.locked = true
		}
	}
}

// permits applies a matching rule's permissions to an access.
func (r *pmpRule) permits(kind accessKind, priv Priv) bool {
	if priv == PrivM && r.perm&pmpL == 0 {
		return true
	}
	return r.perm&(pmpR<<pmpKindShift[kind]) != 0
}

// pmpKindShift maps an access kind to its permission bit: X, R, W.
var pmpKindShift = [3]uint8{2, 0, 1}

// check reports whether the n bytes at physical address pa (not crossing a
// page) may be accessed: the lowest-numbered entry that matches any of
// them decides, and it must match all of them; with none, M-mode may and
// S and U may not (16 entries are implemented).
func (p *pmpState) check(pa, n uint64, kind accessKind, priv Priv) bool {
	if priv == PrivM && !p.locked {
		return true
	}
	end := pa + n - 1
	for i := range p.n {
		r := &p.rules[i]
		if pa <= r.last && r.lo <= end {
			return r.lo <= pa && end <= r.last && r.permits(kind, priv)
		}
	}
	return priv == PrivM
}

// access is check, and also says whether the whole page of pa has the same
// verdict, allowed, so that a TLB entry may cache it.
func (p *pmpState) access(pa, n uint64, kind accessKind, priv Priv) (ok, page bool) {
	if priv == PrivM && !p.locked {
		return true, true
	}
	lo := pa &^ pageMask
	last := lo | pageMask
	for i := range p.n {
		r := &p.rules[i]
		if lo <= r.last && r.lo <= last { // the first rule that touches the page
			if r.lo <= lo && last <= r.last {
				ok := r.permits(kind, priv)
				return ok, ok
			}
			return p.check(pa, n, kind, priv), false
		}
	}
	return priv == PrivM, priv == PrivM
}

// pmpCheck checks an access of n bytes at physical address pa by priv.
func (h *Hart) pmpCheck(pa, n uint64, kind accessKind, priv Priv) bool {
	return h.pmp.check(pa, n, kind, priv)
}

// readPMP reads pmpcfgN (n in 0x3a0-0x3af, even) or pmpaddrN.
func (h *Hart) readPMP(n uint16) uint64 {
	p := &h.pmp
	if n < csrPMPAddr0 {
		i := int(n-csrPMPCfg0) * 4 // pmpcfg2 holds entries 8-15
		if i >= pmpEntries {
			return 0
		}
		var v uint64
		for j := range 8 {
			v |= uint64(p.cfg[i+j]) << (8 * j)
		}
		return v
	}
	i := int(n - csrPMPAddr0)
	if i >= pmpEntries {
		return 0
	}
	return p.addr[i]
}

// writePMP writes pmpcfgN or pmpaddrN, leaving locked entries (and the
// address below a locked TOR entry) unchanged, and flushes the TLBs if
// anything changed.
func (h *Hart) writePMP(n uint16, v uint64) {
	p := &h.pmp
	old := *p
	if n < csrPMPAddr0 {
		i := int(n-csrPMPCfg0) * 4
		if i >= pmpEntries {
			return
		}
		for j := range 8 {
			if p.cfg[i+j]&pmpL == 0 {
				p.cfg[i+j] = legalPMPCfg(uint8(v >> (8 * j)))
			}
		}
	} else {
		i := int(n - csrPMPAddr0)
		if i >= pmpEntries || p.cfg[i]&pmpL != 0 ||
			i+1 < pmpEntries && p.cfg[i+1]&(pmpL|pmpA) == pmpL|pmpTOR {
			return
		}
		p.addr[i] = v & pmpAddrMask
	}
	if p.cfg == old.cfg && p.addr == old.addr {
		return
	}
	p.update()
	h.flushTLB()
}

// pmpAllowAll sets entry 0 to a NAPOT region over the whole address space
// with R, W and X, as firmware does before it enters S or U, unless it is
// locked.
func (h *Hart) pmpAllowAll() {
	h.writePMP(csrPMPAddr0, ^uint64(0))
	h.writePMP(csrPMPCfg0, h.readPMP(csrPMPCfg0)&^0xff|pmpNAPOT|pmpR|pmpW|pmpX)
}
