package builder

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"math"
	"time"

	"github.com/reprovm/reprovm/guest"
	"github.com/reprovm/reprovm/machine"
	"github.com/reprovm/reprovm/meta"
)

// runLoop drives one run of the machine from where it starts to where it
// stops, and owns what happens on the way: the ready point (the job's
// drives attached, the console switched to the command's part, the ready
// snapshot saved), the transcript's checkpoints, the run snapshot and the
// verdict on how the machine stopped. Its life cycle is four calls, in
// order, each once:
//
//	l := newRunLoop(spec, cfg, …)  nothing runs yet
//	l.start(ctx)                   the machine: booted, or restored from the
//	                               ready snapshot or a run snapshot
//	l.loop(ctx)                    runs it to the end, the snapshot point or
//	                               a stop, through the ready point
//	l.finish(ctx)                  saves the run snapshot, judges the stop,
//	                               takes the last root, reads /out
//
// Checkpoint roots are begun at their instruction counts and hashed beside
// the guest (machine.BeginStateRoot); the transcript waits for them, in
// order, only when the result is made.
type runLoop struct {
	spec    *RunSpec
	cfg     machine.Config
	boot    *machine.BootConfig
	drives  *runDrives
	console *phaseConsole
	// readyNote names the ready snapshot of this boot, note a run
	// snapshot of this run (snapshot.go).
	readyNote, note []byte
	maxInsns        uint64
	progress        *progress // nil: none

	m        *machine.Machine
	res      *Result
	readyAt  uint64 // the ready point's instruction count, once attached
	attached bool   // the job's drives are attached (at or after the ready point)
	// copyAt is where the command ended and the init began to copy /out
	// (its copying header, proto.Copying; 0 before, and with an init that
	// sends none), copyBytes what it said it would copy.
	copyAt, copyBytes uint64
	readyHit          bool // the guest just reached the ready point
	roots             []checkpoint
	stop              machine.Stop
}

// checkpoint is a transcript entry whose root may still be being hashed
// (pending), or is known (root).
type checkpoint struct {
	instret uint64
	pending *machine.PendingRoot
	root    machine.StateRoots
}

func newRunLoop(spec *RunSpec, cfg machine.Config, boot *machine.BootConfig, drives *runDrives, console *phaseConsole, rootID string, job []byte) *runLoop {
	return &runLoop{
		spec: spec, cfg: cfg, boot: boot, drives: drives, console: console,
		readyNote: readyNote(boot, rootID),
		note:      runNote(boot, job),
		maxInsns:  cmp0(spec.MaxInsns, DefaultMaxInsns),
		res:       &Result{},
	}
}

// cmp0 returns v, or def if v is 0.
func cmp0(v, def uint64) uint64 {
	if v == 0 {
		return def
	}
	return v
}

// attach attaches the job's drives: at the ready point, or before a run
// snapshot taken after it is restored.
func (l *runLoop) attach() {
	l.drives.attach(l.spec.Inputs)
	l.attached = true
	if l.m != nil {
		l.m.ClearReads() // what the boot read of the empty slots was not the inputs
	}
}

// start makes the machine: from the run snapshot to resume, from the ready
// snapshot if there is one, or by booting.
func (l *runLoop) start(ctx context.Context) error {
	spec := l.spec
	var err error
	switch {
	case spec.FromSnapshot != "":
		var p runPhase
		if l.m, p, err = restoreSnapshot(spec.FromSnapshot, l.cfg, l.note, l.attach); err != nil {
			return err
		}
		l.readyAt, l.copyAt, l.copyBytes = p.readyAt, p.copyAt, p.copyBytes
		if l.attached {
			l.console.ready = true
		}
	case spec.ReadySnapshot != "" && fileExists(spec.ReadySnapshot):
		if l.m, err = restoreReady(spec.ReadySnapshot, l.cfg, l.readyNote); err != nil {
			return err
		}
		// A process that stopped between the snapshot's rename and its
		// CID's leaves no CID file; make it now.
		if !fileExists(spec.ReadySnapshot + ".cid") {
			if err := writeReadyCID(ctx, spec.ReadySnapshot); err != nil {
				return err
			}
		}
		l.res.FromReady, l.res.ReadyInstret = true, l.m.Instret()
		l.readyAt = l.m.Instret()
		l.console.ready = true
		l.attach()
	default:
		if l.m, err = machine.New(l.cfg); err != nil {
			return err
		}
		if err := l.m.Boot(*l.boot); err != nil {
			return err
		}
	}
	if !l.attached {
		l.drives.out.armed = true
		l.drives.out.onReady = func() { l.readyHit = true; l.m.RequestStop() }
	}
	l.drives.out.onCopying = func(n uint64) {
		if l.attached && l.copyAt == 0 {
			l.copyAt, l.copyBytes = l.m.Instret(), n
		}
	}
	if spec.DTBOut != "" {
		if err := WriteFileAtomic(spec.DTBOut, l.m.DeviceTree()); err != nil {
			return err
		}
	}
	if at := l.m.Instret(); spec.SnapshotAt != 0 && spec.SnapshotAt <= at {
		return fmt.Errorf("run: asked to snapshot at %d instructions, but the machine is already at %d", spec.SnapshotAt, at)
	}
	if l.attached && spec.CheckpointEvery != 0 {
		if err := l.checkpoint(); err != nil { // resumed at or after the ready point
			return err
		}
	}
	if l.attached && spec.onReady != nil && l.m.Instret() == l.readyAt {
		if err := spec.onReady(l.m, l.cfg); err != nil {
			return err
		}
	}
	l.res.StartInstret = l.m.Instret()
	return nil
}

// end is where the run stops: the boot's bound before the ready point, the
// command's after it, the copy's once the command has ended, or the
// snapshot point.
func (l *runLoop) end() uint64 {
	e := uint64(MaxBootInsns)
	switch {
	case l.copyAt != 0:
		e = l.copyAt + min(copyBudget(l.copyBytes), math.MaxUint64-l.copyAt)
	case l.attached:
		e = l.readyAt + min(l.maxInsns, math.MaxUint64-l.readyAt)
	}
	if l.spec.SnapshotAt != 0 {
		e = min(e, l.spec.SnapshotAt)
	}
	return e
}

// nextCheckpoint is where the transcript wants its next root: the next
// multiple of CheckpointEvery after the ready point, so that a run resumed
// from a snapshot checkpoints where the whole run did.
func (l *runLoop) nextCheckpoint() uint64 {
	if len(l.roots) == 0 {
		return math.MaxUint64
	}
	every := l.spec.CheckpointEvery
	k := (l.roots[len(l.roots)-1].instret-l.readyAt)/every + 1
	if k > (math.MaxUint64-l.readyAt)/every {
		return math.MaxUint64
	}
	return l.readyAt + k*every
}

// checkpoint begins the state root at the current count, unless the
// transcript already has one there: beside the guest, which runs on.
func (l *runLoop) checkpoint() error {
	at := l.m.Instret()
	if n := len(l.roots); n > 0 && l.roots[n-1].instret == at {
		return nil
	}
	r, err := l.m.BeginStateRoot()
	if err != nil {
		return fmt.Errorf("run: checkpoint: %w", err)
	}
	l.roots = append(l.roots, checkpoint{instret: at, pending: r})
	return nil
}

// lastCheckpoint takes the root at the end of the run, where nothing runs
// on: in place, on every CPU (machine.StateRoot).
func (l *runLoop) lastCheckpoint() error {
	at := l.m.Instret()
	if n := len(l.roots); n > 0 && l.roots[n-1].instret == at {
		return nil
	}
	r, err := l.m.StateRoot()
	if err != nil {
		return fmt.Errorf("run: checkpoint: %w", err)
	}
	l.roots = append(l.roots, checkpoint{instret: at, root: r})
	return nil
}

// transcript waits for the roots begun so far and returns the transcript
// (nil without checkpoints).
func (l *runLoop) transcript() *meta.Transcript {
	if len(l.roots) == 0 {
		return nil
	}
	t := &meta.Transcript{Format: meta.TranscriptFormat, Every: l.spec.CheckpointEvery}
	for _, c := range l.roots {
		r := c.root
		if c.pending != nil {
			r = c.pending.Wait()
		}
		t.Checkpoints = append(t.Checkpoints, meta.Checkpoint{Instret: c.instret, Root: hex.EncodeToString(r.Root[:])})
	}
	return t
}

// loop runs the machine until it stops for good: at the end, at the
// snapshot point, or by the guest's doing; it takes the checkpoints and
// the ready point on the way.
func (l *runLoop) loop(ctx context.Context) error {
	start := time.Now()
	defer func() { l.res.Wall = time.Since(start) }()
	for {
		target := min(l.end(), l.nextCheckpoint())
		stop, err := l.runTo(ctx, target)
		if err != nil {
			return fmt.Errorf("run: %w", err)
		}
		l.stop = stop
		if stop.Reason == machine.StopLimit {
			if l.m.Instret() == l.nextCheckpoint() {
				if err := l.checkpoint(); err != nil {
					return err
				}
			}
			// A checkpoint, or the end of the command: the copy's budget
			// has moved the end on.
			if l.m.Instret() < l.end() {
				continue
			}
			return nil
		}
		if stop.Reason != machine.StopRequested || !l.readyHit || l.attached {
			return nil
		}
		if err := l.atReady(ctx); err != nil {
			return err
		}
	}
}

// runTo runs the machine to target (see runTo), in slices when progress is
// shown, so that the meter is told between them: a run split into pieces
// ends in the same state as one run (machine.Run).
func (l *runLoop) runTo(ctx context.Context, target uint64) (machine.Stop, error) {
	if l.progress == nil {
		return runTo(ctx, l.m, target)
	}
	for {
		t := min(target, l.m.Instret()+progressSlice)
		stop, err := runTo(ctx, l.m, t)
		l.progress.update(l.m.Instret(), l.attached)
		if err != nil || stop.Reason != machine.StopLimit || t == target {
			return stop, err
		}
	}
}

// atReady is the ready point of a run that booted: the console's
// command part begins, the ready snapshot is saved, the job's drives are
// attached and the transcript starts.
func (l *runLoop) atReady(ctx context.Context) error {
	spec, m := l.spec, l.m
	l.res.ReadyInstret, l.readyAt = m.Instret(), m.Instret()
	l.console.switchToPost()
	if spec.ReadySnapshot != "" {
		if err := saveReady(ctx, spec.ReadySnapshot, m, l.readyNote); err != nil {
			return err
		}
		l.res.SavedReady = true
		if err := saveBootInsns(spec.ReadySnapshot, m.Instret()); err != nil {
			return err
		}
	}
	l.attach()
	if spec.CheckpointEvery != 0 {
		if err := l.checkpoint(); err != nil {
			return err
		}
	}
	if spec.onReady != nil {
		if err := spec.onReady(m, l.cfg); err != nil {
			return err
		}
	}
	return nil
}

// finish ends the run: the run snapshot, the verdict on the stop, the last
// checkpoint, and what the command left on the output drive.
func (l *runLoop) finish() (*Result, error) {
	spec, m, res, stop := l.spec, l.m, l.res, l.stop
	res.Instret, res.InitInstret = m.Instret(), m.FirstUserInstret()
	res.CompileTime, res.CompileModules = m.TranslateStats().CompileTime, m.TranslateStats().Modules
	phase := runPhase{copyAt: l.copyAt, copyBytes: l.copyBytes}
	if l.attached {
		phase.readyAt = l.readyAt
	}
	snapNote := runNoteWithPhase(l.note, phase)
	if l.copyAt != 0 {
		res.CommandInstret, res.CopyInstret = l.copyAt-l.readyAt, m.Instret()-l.copyAt
	}
	if stop.Reason == machine.StopLimit && spec.SnapshotAt != 0 && m.Instret() == spec.SnapshotAt {
		l.console.Flush()
		if err := saveSnapshot(spec.SaveSnapshot, m, snapNote); err != nil {
			return nil, err
		}
		res.Paused = true
		res.Transcript = l.transcript()
		return res, nil
	}
	if spec.SaveSnapshot != "" && (stop.Reason == machine.StopPowerOff || stop.Reason == machine.StopReset) {
		if err := saveSnapshot(spec.SaveSnapshot, m, snapNote); err != nil {
			return nil, err
		}
	}
	if err := l.verdict(); err != nil {
		return nil, err
	}
	if len(l.roots) > 0 {
		if err := l.lastCheckpoint(); err != nil {
			return nil, err
		}
	}
	res.Transcript = l.transcript()
	if spec.RecordReads {
		for i := range spec.Inputs {
			res.InputReads = append(res.InputReads, m.DriveReads(i))
		}
	}
	status, files, err := guest.ReadOutput(l.drives.out)
	if err != nil {
		return nil, l.fail(fmt.Sprintf("read the output drive: %v", err))
	}
	res.ExitStatus, res.Files = status, files
	return res, nil
}

// verdict returns nil if the guest powered off, and the error that says
// what went wrong otherwise.
func (l *runLoop) verdict() error {
	switch stop := l.stop; stop.Reason {
	case machine.StopPowerOff:
		return nil
	case machine.StopReset:
		if bytes.Contains(l.m.ConsoleTail(), []byte("Kernel panic")) {
			return l.fail("the guest kernel panicked")
		}
		return l.fail("the guest rebooted instead of powering off")
	case machine.StopLimit:
		if !l.attached {
			return l.fail(fmt.Sprintf("the guest did not reach the ready point within %d instructions of boot and the image's warm-up", uint64(MaxBootInsns)))
		}
		if l.copyAt != 0 {
			return l.fail(fmt.Sprintf("the command ended after %d instructions, but the guest init did not finish copying /out (%d bytes of files) within %d instructions",
				l.copyAt-l.readyAt, l.copyBytes, copyBudget(l.copyBytes)))
		}
		return l.fail(fmt.Sprintf("the guest did not power off within %d instructions after the ready point (raise --max-insns if the command needs more)", l.maxInsns))
	default:
		return l.fail(fmt.Sprintf("the machine stopped unexpectedly (reason %d, cause %#x, tval %#x, pc %#x)", stop.Reason, stop.Cause, stop.TVal, l.m.PC()))
	}
}

// fail is the Error of a run that did not end with the command's status.
func (l *runLoop) fail(reason string) error {
	limit := l.stop.Reason == machine.StopLimit && l.copyAt == 0 // the copy's budget is not --max-insns
	return &Error{Reason: reason, Console: lastLines(l.m.ConsoleTail(), 20), Instret: l.m.Instret(), Limit: limit}
}

// The copy of /out has its own budget, apart from the command's
// (--max-insns): copyBase instructions plus copyPerByte for each byte of
// files the init said it would copy, at most copyMax. The init copies at
// about 2 instructions a byte (guest/init/output.go); the margin covers a
// slow guest file system, and only an init that never finishes reaches it.
const (
	copyBase    = 1 << 32
	copyPerByte = 64
	copyMax     = 1 << 44
)

// copyBudget is the copy's budget for n bytes of files.
func copyBudget(n uint64) uint64 {
	if n > (copyMax-copyBase)/copyPerByte {
		return copyMax
	}
	return copyBase + n*copyPerByte
}
