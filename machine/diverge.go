package machine

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/reprovm/reprovm/machine/internal/hart"
	"github.com/reprovm/reprovm/machine/internal/rv"
)

// Divergence says where two runs that were in the same state first came
// apart: after Instret instructions both machines were in the same state,
// and the next step (the instruction at PC, with any interrupt taken before
// it) left them in different ones. Since the emulator is deterministic, two
// runs can only come apart where something outside the machine state
// reaches the guest: here, in practice, a read from an input drive whose
// contents differ.
type Divergence struct {
	Instret uint64
	PC      uint64
	Priv    string // "M", "S" or "U"
	Inst    string // the instruction at PC (rv.Format), "" if it could not be read
	Task    string // the Linux task running (DivergeSide.CommOffset), "" if unknown
	// Regs lists the integer and FP registers and the pc whose values
	// differ after the step, A's then B's.
	Regs []RegDiff
	// Pages lists the RAM pages whose contents differ after the step.
	Pages []PageDiff
	// Which parts of the state root differ after the step.
	Hart, Devices, RAM, Drives bool
}

// RegDiff is a register whose value differs between the two runs.
type RegDiff struct {
	Name string
	A, B uint64
}

// PageDiff is a RAM page whose contents differ between the two runs, and
// which drive data each last received by DMA (Config.RecordReads), if any.
type PageDiff struct {
	Addr   uint64 // guest-physical
	Offset int    // of the first differing byte in the page
	Source [2]*PageSource
}

// DivergeSide is one side of a divergence search: a machine, and the Config
// to restore it with (called for every restore, so that writable drives
// can start empty each time; see RestoreSnapshot).
type DivergeSide struct {
	M      *Machine
	Config func() Config
	// CommOffset, if not 0, is where task_struct.comm is
	// (FindCommOffset), so that the report can name the running task.
	CommOffset int
}

// ErrAlreadyDiffer reports that the two machines given to FindDivergence
// are not in the same state to begin with.
var ErrAlreadyDiffer = errors.New("the two machines are not in the same state at the start")

// divergeFan is how many pieces each round of FindDivergence cuts its
// span into.
const divergeFan = 16

// FindDivergence runs a and b, which must be in the same state (same
// state root) at the same instret, forward in lockstep and narrows down the
// first instruction after which their states differ. It compares state
// roots (cheap: only written pages are hashed again) after every chunk of
// instructions, rewinds both machines to the start of the chunk in which
// they came apart (from in-memory snapshots), and repeats with chunks
// divergeFan times smaller until a chunk is one instruction. The search
// costs about (1 + 1/divergeFan + ...) times the instructions up to the
// divergence, for each machine, plus two snapshots per round.
//
// It returns nil if the machines reach instret limit, or both stop (power
// off), without differing. a.M and b.M are replaced by the machines the
// search ends with. progress, if not nil, is told each round's span.
func FindDivergence(ctx context.Context, a, b *DivergeSide, limit uint64, progress func(from, to, chunk uint64)) (*Divergence, error) {
	start := a.M.Instret()
	if b.M.Instret() != start {
		return nil, fmt.Errorf("find divergence: the machines are at %d and %d instructions", start, b.M.Instret())
	}
	if equal, _, err := sameState(a.M, b.M); err != nil {
		return nil, err
	} else if !equal {
		return nil, ErrAlreadyDiffer
	}
	if limit <= start {
		return nil, nil
	}
	chunk := uint64(1)
	for chunk*divergeFan < limit-start {
		chunk *= divergeFan
	}
	for {
		from := a.M.Instret()
		if progress != nil {
			progress(from, min(limit, from+chunk*divergeFan), chunk)
		}
		var snapA, snapB bytes.Buffer
		if chunk > 1 {
			if err := a.M.SaveSnapshot(&snapA, nil); err != nil {
				return nil, err
			}
			if err := b.M.SaveSnapshot(&snapB, nil); err != nil {
				return nil, err
			}
		}
		var pc uint64
		var priv, inst, task string
		for {
			at := a.M.Instret()
			if at >= limit {
				return nil, nil
			}
			n := min(chunk, limit-at)
			if chunk == 1 {
				pc, priv, inst = a.M.PC(), privName(a.M.hart.Priv), ""
				if in, ok := a.M.hart.PeekInst(pc); ok {
					inst = rv.Format(in, pc)
				}
				task = ""
				if a.CommOffset != 0 {
					task, _ = a.M.TaskName(a.CommOffset)
				}
			}
			_, err := a.M.Run(ctx, n)
			if err != nil {
				return nil, err
			}
			_, err = b.M.Run(ctx, n)
			if err != nil {
				return nil, err
			}
			equal, d, err := sameState(a.M, b.M)
			if err != nil {
				return nil, err
			}
			if !equal {
				if chunk == 1 {
					d.Instret, d.PC, d.Priv, d.Inst, d.Task = at, pc, priv, inst, task
					return d, nil
				}
				// Rewind both to the start of this chunk and look closer.
				if a.M, err = rewind(ctx, snapA.Bytes(), a.Config, at-from); err != nil {
					return nil, err
				}
				if b.M, err = rewind(ctx, snapB.Bytes(), b.Config, at-from); err != nil {
					return nil, err
				}
				chunk /= divergeFan
				break
			}
			if a.M.Instret() == at && b.M.Instret() == at {
				return nil, nil // both stopped (powered off) in the same state
			}
		}
	}
}

// rewind restores a snapshot and runs it n instructions on.
func rewind(ctx context.Context, snapshot []byte, cfg func() Config, n uint64) (*Machine, error) {
	m, err := RestoreSnapshot(bytes.NewReader(snapshot), cfg())
	if err != nil {
		return nil, fmt.Errorf("find divergence: rewind: %w", err)
	}
	if n > 0 {
		if _, err := m.Run(ctx, n); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// sameState compares two machines by state root and, when they differ,
// says how.
func sameState(a, b *Machine) (bool, *Divergence, error) {
	ra, err := a.StateRoot()
	if err != nil {
		return false, nil, err
	}
	rb, err := b.StateRoot()
	if err != nil {
		return false, nil, err
	}
	if ra.Root == rb.Root {
		return true, nil, nil
	}
	d := &Divergence{Hart: ra.Hart != rb.Hart, Devices: ra.Devices != rb.Devices, RAM: ra.RAM != rb.RAM, Drives: ra.Drives != rb.Drives}
	if a.hart.PC != b.hart.PC {
		d.Regs = append(d.Regs, RegDiff{"pc", a.hart.PC, b.hart.PC})
	}
	for i := range 32 {
		if a.hart.X[i] != b.hart.X[i] {
			d.Regs = append(d.Regs, RegDiff{rv.RegName(i), a.hart.X[i], b.hart.X[i]})
		}
	}
	for i := range 32 {
		if a.hart.F[i] != b.hart.F[i] {
			d.Regs = append(d.Regs, RegDiff{rv.FRegName(i), a.hart.F[i], b.hart.F[i]})
		}
	}
	if d.RAM && a.ram != nil && b.ram != nil {
		for p := range len(a.bus.RAM) / pageSize {
			if p < len(b.bus.RAM)/pageSize && a.ram.tree.Leaf(p) != b.ram.tree.Leaf(p) {
				pd := PageDiff{Addr: RAMBase + uint64(p)*pageSize}
				pa, pb := a.bus.RAM[p*pageSize:(p+1)*pageSize], b.bus.RAM[p*pageSize:(p+1)*pageSize]
				for pd.Offset < pageSize-1 && pa[pd.Offset] == pb[pd.Offset] {
					pd.Offset++
				}
				for i, m := range []*Machine{a, b} {
					if s, ok := m.PageSource(pd.Addr); ok {
						pd.Source[i] = &s
					}
				}
				d.Pages = append(d.Pages, pd)
			}
		}
	}
	return false, d, nil
}

// privName is the letter the privileged spec uses for p.
func privName(p hart.Priv) string {
	switch p {
	case hart.PrivM:
		return "M"
	case hart.PrivS:
		return "S"
	case hart.PrivU:
		return "U"
	}
	return fmt.Sprint(p)
}

// commLen is the size of task_struct.comm (TASK_COMM_LEN, include/linux/sched.h).
const commLen = 16

// FindCommOffset finds where the kernel keeps a task's name in its
// task_struct: it scans the first 16 KiB of the current task for name,
// NUL-padded as the kernel stores it. The caller knows what is running
// (the guest init, when it says it is ready) and keeps the offset to name
// other tasks later (TaskName). The offset depends on the kernel build,
// which is why it is found rather than known.
func (m *Machine) FindCommOffset(name string) (int, bool) {
	task, ok := m.hart.TaskPointer()
	if !ok || len(name) == 0 || len(name) >= commLen {
		return 0, false
	}
	const span = 16 << 10
	buf := make([]byte, span)
	if !m.hart.PeekData(task, buf) {
		return 0, false
	}
	want := make([]byte, commLen)
	copy(want, name)
	// comm is 8-byte aligned in every layout of task_struct.
	for off := 0; off+commLen <= span; off += 8 {
		if bytes.Equal(buf[off:off+len(name)+1], want[:len(name)+1]) {
			return off, true
		}
	}
	return 0, false
}

// TaskName returns the name of the Linux task the hart is running (see
// FindCommOffset), or false in M-mode or if it cannot be read.
func (m *Machine) TaskName(commOffset int) (string, bool) {
	task, ok := m.hart.TaskPointer()
	if !ok {
		return "", false
	}
	var buf [commLen]byte
	if !m.hart.PeekData(task+uint64(commOffset), buf[:]) {
		return "", false
	}
	name, _, _ := bytes.Cut(buf[:], []byte{0})
	for _, c := range name {
		if c < ' ' || c >= 0x7f {
			return "", false
		}
	}
	return string(name), len(name) > 0
}
