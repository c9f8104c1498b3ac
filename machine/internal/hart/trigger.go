package hart

// The trigger module (RISC-V Debug Specification 1.0, chapter 5, Sdtrig):
// two triggers, each an address-match trigger of type 2 (mcontrol) or 6
// (mcontrol6), or disabled (type 15), as QEMU has. A trigger matches an
// instruction executed at tdata2 (execute), or a load or store any of
// whose bytes is at tdata2 (load, store), in the modes its m, s and u bits
// name, and raises a breakpoint exception before the instruction has any
// effect (action 0, timing before), with tval = tdata2. Everything else is
// hard-wired: dmode, hit, select (address only), timing, size (any),
// action (breakpoint), chain and match (equal) are 0, maskmax is 0, and
// mcontrol6's vs and vu are 0 (no H extension). tdata3 is an all-zero
// textra (no extra conditions), tinfo lists types 2, 6 and 15 with version
// 1, and tcontrol and the context CSRs do not exist.
//
// Without tcontrol the hart prevents reentrancy the spec's other way
// (Sdtrig §5.4, "Native Triggers"): a trigger does not match in M-mode
// while mstatus.MIE is 0, nor in S-mode while sstatus.SIE is 0 if
// breakpoints are delegated (medeleg bit 3).
//
// Like PMP, triggers stay off the fast paths: the TLBs never cache a
// virtual page that holds an armed trigger's address for that kind of
// access (see trigPage), so every access to it takes the slow path, where
// trigFires looks; an execute trigger's page is fetched one instruction at
// a time. A tdata1 or tdata2 write that changes a trigger flushes the TLBs.

const (
	numTriggers = 2

	csrTSelect = 0x7a0
	csrTData1  = 0x7a1
	csrTData2  = 0x7a2
	csrTData3  = 0x7a3
	csrTInfo   = 0x7a4

	trigTypeShift    = 60
	trigMControl     = 2
	trigMControl6    = 6
	trigDisabled     = 15
	trigLoad         = 1 << 0
	trigStore        = 1 << 1
	trigExecute      = 1 << 2
	trigU            = 1 << 3
	trigS            = 1 << 4
	trigM            = 1 << 6
	trigWritable     = trigLoad | trigStore | trigExecute | trigU | trigS | trigM
	trigDisabledWord = trigDisabled << trigTypeShift

	// tinfo: version 1 (Sdtrig 1.0) and the supported types.
	tinfoValue = 1<<24 | 1<<trigDisabled | 1<<trigMControl6 | 1<<trigMControl
)

// trigState is the trigger module's state and what is derived from it.
type trigState struct {
	sel    uint64
	tdata1 [numTriggers]uint64
	tdata2 [numTriggers]uint64

	// armed[kind] says some trigger matches that kind of access in some
	// mode; page[kind][i] is trigger i's virtual page if it does, else
	// noPage.
	armed [3]bool
	page  [3][numTriggers]uint64
}

// trigKindBit is the tdata1 bit of each access kind.
var trigKindBit = [3]uint64{trigExecute, trigLoad, trigStore}

// reset disables every trigger.
func (t *trigState) reset() {
	*t = trigState{}
	for i := range t.tdata1 {
		t.tdata1[i] = trigDisabledWord
	}
	t.update()
}

// update recomputes armed and page.
func (t *trigState) update() {
	for k := range t.page {
		t.armed[k] = false
		for i := range t.tdata1 {
			t.page[k][i] = noPage
			if t.tdata1[i]&trigKindBit[k] != 0 && t.tdata1[i]&(trigM|trigS|trigU) != 0 {
				t.armed[k] = true
				t.page[k][i] = t.tdata2[i] &^ pageMask
			}
		}
	}
}

// legalTData1 applies tdata1's WARL rules: the type stays 2 or 6 with
// only the writable bits, and anything else (0 included) disables the
// trigger.
func legalTData1(v uint64) uint64 {
	switch typ := v >> trigTypeShift; typ {
	case trigMControl, trigMControl6:
		return typ<<trigTypeShift | v&trigWritable
	}
	return trigDisabledWord
}

// readTrigger reads tselect, tdata1-3 or tinfo.
func (h *Hart) readTrigger(n uint16) uint64 {
	t := &h.trig
	switch n {
	case csrTSelect:
		return t.sel
	case csrTData1:
		return t.tdata1[t.sel]
	case csrTData2:
		return t.tdata2[t.sel]
	case csrTInfo:
		return tinfoValue
	}
	return 0 // tdata3
}

// writeTrigger writes tselect (values beyond the last trigger leave it
// unchanged), tdata1 or tdata2 (tdata3 and tinfo ignore writes), and
// flushes the TLBs when a trigger changed.
func (h *Hart) writeTrigger(n uint16, v uint64) {
	t := &h.trig
	switch n {
	case csrTSelect:
		if v < numTriggers {
			t.sel = v
		}
		return
	case csrTData1:
		v = legalTData1(v)
		if v == t.tdata1[t.sel] {
			return
		}
		t.tdata1[t.sel] = v
	case csrTData2:
		if v == t.tdata2[t.sel] {
			return
		}
		t.tdata2[t.sel] = v
	default:
		return
	}
	t.update()
	h.flushTLB()
}

// trigPage reports whether the virtual page of va holds the address of a
// trigger armed for kind, so that no TLB entry may cache it.
func (h *Hart) trigPage(kind accessKind, va uint64) bool {
	t := &h.trig
	if !t.armed[kind] {
		return false
	}
	for _, p := range t.page[kind] {
		if p == va&^pageMask {
			return true
		}
	}
	return false
}

// trigFires checks the triggers for an access of kind covering the n bytes
// at virtual address va (for a fetch, n is 1: only the pc is compared).
// When one fires it records the breakpoint exception and returns true.
func (h *Hart) trigFires(kind accessKind, va, n uint64) bool {
	t := &h.trig
	if !t.armed[kind] {
		return false
	}
	var mode uint64
	switch h.Priv {
	case PrivM:
		if h.csr.mstatus&mstatusMIE == 0 {
			return false
		}
		mode = trigM
	case PrivS:
		if h.csr.medeleg&(1<<excBreakpoint) != 0 && h.csr.mstatus&mstatusSIE == 0 {
			return false
		}
		mode = trigS
	default:
		mode = trigU
	}
	for i, d := range t.tdata1 {
		if d&trigKindBit[kind] != 0 && d&mode != 0 && t.tdata2[i]-va < n {
			h.raise(excBreakpoint, t.tdata2[i])
			return true
		}
	}
	return false
}

// valid reports whether the trigger state is one writeTrigger could
// have left.
func (t *trigState) valid() bool {
	if t.sel >= numTriggers {
		return false
	}
	for _, d := range t.tdata1 {
		if legalTData1(d) != d {
			return false
		}
	}
	return true
}
