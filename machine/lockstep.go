package machine

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/reprovm/reprovm/machine/internal/hart"
	"github.com/reprovm/reprovm/machine/internal/jit"
	"github.com/reprovm/reprovm/machine/internal/snap"
)

// Lockstep is the translator's differential mode: a translating machine
// and an interpreting one, built from the same Config, run side by side.
// The translated code returns to Go after every block; the interpreter is
// then brought to the same instruction count and the two harts' registers,
// pc, privilege and count are compared, and their whole architectural
// state (CSRs, TLBs, decode-cache pages) every fullEvery exits, and that
// with RAM and the console at the end of every Run (so run long programs
// in several Runs).
//
// The translator is tuned to translate early (small interpreted chunks,
// few misses make a page hot, small batches, no page left to the
// interpreter), so that short programs run mostly translated.
//
// Load the same program into both (Ref and Translated) before Run.
type Lockstep struct {
	ref, tr *Machine
	exits   uint64
	err     error
}

// fullEvery is how many block exits pass between full-state comparisons.
const fullEvery = 1 << 12

// ErrNoTranslator reports a host where the translator does not run.
var ErrNoTranslator = errors.New("the translator does not run on this host")

// LockstepOptions are NewLockstep's options.
type LockstepOptions struct {
	// RefDrives and Drives replace cfg.Drives in the interpreting and the
	// translating machine: drives must not be shared, and must hold the
	// same contents.
	RefDrives, Drives []Drive
	// Eager translates a page at its first miss, every instruction a
	// block of its own, and compiles each page on its own, so that code
	// that runs only once (random test programs) runs translated too.
	// Compiling then costs far more than it saves.
	Eager bool
}

// NewLockstep builds the pair. cfg.Translate and cfg.Drives are ignored.
func NewLockstep(cfg Config, opts LockstepOptions) (*Lockstep, error) {
	if !jit.Supported() {
		return nil, ErrNoTranslator
	}
	size := cfg.RAMSize
	if size == 0 {
		size = DefaultRAMSize
	}
	l := &Lockstep{}
	rc := cfg
	rc.Translate = false
	rc.Drives = opts.RefDrives
	var err error
	if l.ref, err = newMachine(rc, size, jit.Options{}); err != nil {
		return nil, err
	}
	tc := cfg
	tc.Translate = true
	tc.Drives = opts.Drives
	tc.Console = nil
	jo := jit.Options{Lockstep: true, OnExit: l.check, Chunk: 16, Hot: 2, BatchPages: 4, BatchWindow: 4096, KeepAll: true, SyncCompile: true}
	if opts.Eager {
		jo.Chunk, jo.Hot, jo.BatchPages, jo.EveryLeader = 1, 1, 1, true
	}
	if l.tr, err = newMachine(tc, size, jo); err != nil {
		return nil, err
	}
	return l, nil
}

// Ref returns the interpreting machine; Translated the translating one.
func (l *Lockstep) Ref() *Machine        { return l.ref }
func (l *Lockstep) Translated() *Machine { return l.tr }

// Exits returns how many block exits were compared.
func (l *Lockstep) Exits() uint64 { return l.exits }

// check is called at every exit from translated code.
func (l *Lockstep) check() {
	if l.err != nil {
		return
	}
	l.exits++
	a, b := l.ref.hart, l.tr.hart
	for a.Instret() < b.Instret() {
		if r := a.Run(b.Instret()); r != hart.StopLimit {
			l.err = fmt.Errorf("lockstep: the interpreter stopped (%d) at instret %d before the translator's %d", r, a.Instret(), b.Instret())
			return
		}
	}
	if err := compareQuick(a, b); err != nil {
		l.err = err
		return
	}
	if l.exits%fullEvery == 0 {
		l.err = compareHarts(l.ref, l.tr)
	}
}

// compareQuick compares the registers, pc, privilege and count.
func compareQuick(a, b *hart.Hart) error {
	if a.Instret() != b.Instret() || a.PC != b.PC || a.Priv != b.Priv || a.X != b.X || a.F != b.F {
		return fmt.Errorf("lockstep: diverged at instret %d/%d: pc %#x/%#x priv %d/%d\n%s",
			a.Instret(), b.Instret(), a.PC, b.PC, a.Priv, b.Priv, regDiff(a, b))
	}
	return nil
}

func regDiff(a, b *hart.Hart) string {
	var s string
	for i := range a.X {
		if a.X[i] != b.X[i] {
			s += fmt.Sprintf("x%d: %#x (interpreter) vs %#x (translator)\n", i, a.X[i], b.X[i])
		}
	}
	for i := range a.F {
		if a.F[i] != b.F[i] {
			s += fmt.Sprintf("f%d: %#x vs %#x\n", i, a.F[i], b.F[i])
		}
	}
	return s
}

// compareFull compares the whole hart state, RAM and console.
func compareFull(ra, rb *Machine) error {
	if err := compareHarts(ra, rb); err != nil {
		return err
	}
	if !bytes.Equal(ra.bus.RAM, rb.bus.RAM) {
		return fmt.Errorf("lockstep: RAM differs at instret %d (pc %#x)", ra.hart.Instret(), ra.hart.PC)
	}
	if !bytes.Equal(ra.ConsoleTail(), rb.ConsoleTail()) {
		return fmt.Errorf("lockstep: console differs at instret %d", ra.hart.Instret())
	}
	return nil
}

// compareHarts compares the whole architectural state of the harts,
// including their TLBs and which pages have decode caches.
func compareHarts(ra, rb *Machine) error {
	var wa, wb snap.Writer
	ra.hart.SaveState(&wa)
	rb.hart.SaveState(&wb)
	if !bytes.Equal(wa.Bytes(), wb.Bytes()) {
		return fmt.Errorf("lockstep: hart state differs at instret %d (pc %#x)", ra.hart.Instret(), ra.hart.PC)
	}
	return nil
}

// Run runs the translating machine as Machine.Run does, brings the
// interpreter to the same count, and fails on any difference.
func (l *Lockstep) Run(ctx context.Context, maxInsns uint64) (Stop, error) {
	stop, err := l.tr.Run(ctx, maxInsns)
	if l.err != nil {
		return stop, l.err
	}
	if err != nil {
		return stop, err
	}
	if n := l.tr.Instret() - l.ref.Instret(); n > 0 || stop.Reason != StopLimit {
		// An ecall stop retires nothing, so n may be 0, which Run would
		// take as no limit, or the interpreter may reach the count and
		// stop at its limit just before the ecall.
		rs, err := l.ref.Run(ctx, max(n, 1))
		if err == nil && rs.Reason == StopLimit && stop.Reason != StopLimit && l.ref.Instret() == l.tr.Instret() {
			rs, err = l.ref.Run(ctx, 1) // the stop comes after the limit was checked
		}
		if err != nil {
			return stop, err
		}
		if rs != stop {
			return stop, fmt.Errorf("lockstep: stops differ: interpreter %+v at %d, translator %+v at %d", rs, l.ref.Instret(), stop, l.tr.Instret())
		}
	}
	if err := compareQuick(l.ref.hart, l.tr.hart); err != nil {
		return stop, err
	}
	return stop, compareFull(l.ref, l.tr)
}
