// Package machine is reprovm's deterministic RISC-V computer: one RV64GC
// hart, RAM at RAMBase and a CLINT, run by a single goroutine. The same
// program and inputs give the same results and the same retired-instruction
// count on every host.
package machine

import (
	"context"
	"errors"
	"fmt"

	"github.com/reprovm/reprovm/machine/internal/bus"
	"github.com/reprovm/reprovm/machine/internal/dev"
	"github.com/reprovm/reprovm/machine/internal/hart"
	"github.com/reprovm/reprovm/machine/internal/jit"
)

// EmulatorVersion is the semantic version of the machine's guest-visible
// behaviour: two builds with the same EmulatorVersion give the same output
// bytes, retired-instruction count and state for the same inputs
// (DESIGN.md, "Determinism rules"). Bump the major version for any change
// that can alter an instruction's result, a trap, a device response or the
// retired-instruction count of an existing program; bump the minor version
// for additions that existing programs cannot observe. While the major
// version is 0, the minor version takes its part (semantic versioning's
// initial development): 0.2.0 added PMP and the trigger module, which
// OpenSBI programs at boot, so every Linux boot retires a different count.
const EmulatorVersion = "0.2.0"

// TimebaseHz is the frequency of mtime and the time CSR. Time advances by
// one tick per InsnsPerTick retired instructions (and by the cycles WFI
// skips); no host clock is involved.
const (
	TimebaseHz   = hart.TimebaseHz
	InsnsPerTick = hart.InsnsPerTick
)

// Machine is one RISC-V hart with RAM. Not safe for concurrent use.
type Machine struct {
	bus   *bus.Bus
	hart  *hart.Hart
	plic  *dev.PLIC
	uart  *dev.UART
	power *power
	dtb   []byte // the device tree of the last Boot

	drives []Drive           // as configured, for snapshots
	virtio []*dev.VirtioMMIO // the transport slots, in order

	ram   *ramTree // StateRoot's tree, made by its first call
	reads *readLog // with Config.RecordReads

	tr *jit.Translator // nil: interpret only (see translate.go)
}

// runChunk is how many instructions run between checks of the context.
const runChunk = 1 << 22

// New builds a machine with zeroed RAM and the hart reset to M-mode at RAMBase.
func New(cfg Config) (*Machine, error) {
	size := cfg.RAMSize
	if size == 0 {
		size = DefaultRAMSize
	}
	if size%4096 != 0 || size > MaxRAMSize {
		return nil, fmt.Errorf("new machine: RAM size %d is not a multiple of 4 KiB up to %d (128 GiB)", size, uint64(MaxRAMSize))
	}
	return newMachine(cfg, size, jit.Options{})
}

// newMachine is New with a RAM size and the translator's options.
func newMachine(cfg Config, size uint64, opts jit.Options) (*Machine, error) {
	b, mem, err := newBus(cfg, size)
	if err != nil {
		return nil, fmt.Errorf("new machine: %w", err)
	}
	m := &Machine{bus: b, hart: hart.New(b, RAMBase)}
	m.hart.Reference = cfg.Reference
	if cfg.RecordReads {
		m.reads = &readLog{drives: make([][]Range, len(cfg.Drives)), pages: map[uint64]PageSource{}}
	}
	if mem != nil {
		if opts.CacheDir == "" && opts.Cache == nil {
			opts.CacheDir = cfg.TranslateCache
		}
		if m.tr, err = jit.New(mem, m.hart, opts); err != nil {
			return nil, fmt.Errorf("new machine: %w", err)
		}
	}
	if err := m.attachDevices(cfg); err != nil {
		return nil, fmt.Errorf("new machine: %w", err)
	}
	return m, nil
}

// Reset puts the hart in M-mode at pc with all registers and CSRs at reset values.
func (m *Machine) Reset(pc uint64) { m.hart.Reset(pc) }

// EnterUserMode puts the hart in U-mode at pc with bare addressing and the
// FPU enabled (mstatus.FS = Initial). From then on an ecall in U-mode stops
// Run with StopECall instead of trapping, so a harness can emulate system calls;
// it resumes with SetPC(PC()+4) and Run.
func (m *Machine) EnterUserMode(pc uint64) {
	m.hart.EnterUserMode(pc)
}

// WatchToHost makes a store of a non-zero value to the 64-bit word at
// physical address addr stop Run with StopToHost (riscv-tests convention).
func (m *Machine) WatchToHost(addr uint64) { m.hart.SetWatch(addr) }

// Run executes until a stop condition or until maxInsns more instructions
// have retired (maxInsns = 0: no limit). It checks ctx between chunks of
// instructions; cancellation does not change what the guest computes. Nor
// does the budget: running n instructions and then m gives the same state
// as running n+m at once. A machine the guest has powered off or reset
// stays stopped: Run returns that stop again without running anything.
func (m *Machine) Run(ctx context.Context, maxInsns uint64) (Stop, error) {
	if m.power.off {
		return m.power.state, nil
	}
	end := m.hart.Instret() + maxInsns
	if maxInsns == 0 || end < maxInsns {
		end = ^uint64(0)
	}
	for {
		if err := ctx.Err(); err != nil {
			return Stop{}, err
		}
		limit := min(end, m.hart.Instret()+runChunk)
		switch m.runHart(limit) {
		case hart.StopToHost:
			return Stop{Reason: StopToHost, ToHost: m.hart.ToHost}, nil
		case hart.StopECall:
			return Stop{Reason: StopECall}, nil
		case hart.StopRequested:
			if !m.power.off {
				return Stop{Reason: StopRequested}, nil
			}
			return m.power.state, nil
		case hart.StopTrapLoop:
			cause, tval := m.hart.LastTrap()
			return Stop{Reason: StopTrapLoop, Cause: cause, TVal: tval}, nil
		case hart.StopLimit:
			if err := m.translateErr(); err != nil {
				return Stop{}, err
			}
			if m.hart.Instret() >= end {
				return Stop{Reason: StopLimit}, nil
			}
		}
	}
}

// RequestStop makes Run return StopRequested after the instruction being
// executed. It is for the host's callbacks that run inside a guest access
// (a Disk's ReadAt or WriteAt, the Console's Write), so that the host can
// stop the machine at a point the guest chose, such as the guest init's
// "ready for the job" write, at an instruction count that does not depend
// on the host. Call it only from such callbacks.
func (m *Machine) RequestStop() { m.hart.RequestStop() }

// PoweredOff reports whether the guest has powered the machine off or
// asked for a reset, and the stop Run returned then.
func (m *Machine) PoweredOff() (Stop, bool) { return m.power.state, m.power.off }

// Instret is the number of instructions retired since New.
func (m *Machine) Instret() uint64 { return m.hart.Instret() }

// FirstUserInstret is the instruction count at which the hart first entered
// U-mode (in a Linux guest: the first instruction of /init), or 0.
func (m *Machine) FirstUserInstret() uint64 { return m.hart.FirstUserInstret }

// PC returns the program counter.
func (m *Machine) PC() uint64 { return m.hart.PC }

// SetPC sets the program counter.
func (m *Machine) SetPC(pc uint64) { m.hart.PC = pc }

// Reg returns integer register x<i>.
func (m *Machine) Reg(i int) uint64 { return m.hart.X[i&31] }

// SetReg sets integer register x<i>; writes to x0 are ignored.
func (m *Machine) SetReg(i int, v uint64) {
	if i&31 != 0 {
		m.hart.X[i&31] = v
	}
}

// FReg returns floating-point register f<i> (64 bits, NaN-boxed singles).
func (m *Machine) FReg(i int) uint64 { return m.hart.F[i&31] }

// SetFReg sets floating-point register f<i>.
func (m *Machine) SetFReg(i int, v uint64) { m.hart.F[i&31] = v }

// FCSR returns fcsr: frm<<5 | fflags.
func (m *Machine) FCSR() uint32 { return m.hart.FCSR() }

// ReadPhys copies RAM at physical address addr into p.
func (m *Machine) ReadPhys(addr uint64, p []byte) error {
	off, ok := m.bus.InRAM(addr, uint64(len(p)))
	if !ok {
		return fmt.Errorf("read %d bytes at %#x: %w", len(p), addr, ErrNotRAM)
	}
	copy(p, m.bus.RAM[off:])
	return nil
}

// WritePhys copies p into RAM at physical address addr.
func (m *Machine) WritePhys(addr uint64, p []byte) error {
	off, ok := m.bus.InRAM(addr, uint64(len(p)))
	if !ok {
		return fmt.Errorf("write %d bytes at %#x: %w", len(p), addr, ErrNotRAM)
	}
	copy(m.bus.RAM[off:], p)
	m.hart.WrittenByDevice(addr, uint64(len(p)))
	return nil
}

// TestResult is the outcome of RunTest.
type TestResult struct {
	Passed     bool
	FailedTest uint64 // N from a tohost write of N<<1|1
	ToHost     uint64 // the raw value written to tohost
	Instret    uint64
	HitLimit   bool // maxInsns retired without a tohost write
}

// ErrNoToHost reports a test ELF without a tohost symbol.
var ErrNoToHost = errors.New("ELF has no tohost symbol")

// RunTest loads a riscv-tests style ELF (symbol "tohost" required), runs it
// in M-mode from its entry point, and reports the tohost outcome: 1 is a
// pass, N<<1|1 is a failure of test N (maxInsns = 0: no limit).
func RunTest(ctx context.Context, elf []byte, cfg Config, maxInsns uint64) (TestResult, error) {
	m, err := New(cfg)
	if err != nil {
		return TestResult{}, err
	}
	img, err := m.LoadELF(elf)
	if err != nil {
		return TestResult{}, err
	}
	tohost, ok := img.Symbols["tohost"]
	if !ok {
		return TestResult{}, ErrNoToHost
	}
	m.WatchToHost(tohost)
	stop, err := m.Run(ctx, maxInsns)
	res := TestResult{Instret: m.Instret()}
	if err != nil {
		return res, err
	}
	switch stop.Reason {
	case StopLimit:
		res.HitLimit = true
	case StopToHost:
		res.ToHost = stop.ToHost
		res.Passed = stop.ToHost == 1
		if !res.Passed {
			res.FailedTest = stop.ToHost >> 1
		}
	case StopTrapLoop:
		return res, fmt.Errorf("run test: the guest is stuck: traps keep recurring without an instruction retiring (cause %#x, tval %#x, pc %#x)",
			stop.Cause, stop.TVal, m.PC())
	default:
		return res, fmt.Errorf("run test: unexpected stop %d", stop.Reason)
	}
	return res, nil
}
