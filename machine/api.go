package machine

import (
	"errors"
	"io"
)

// RAMBase is the guest-physical address of the first byte of RAM, as on
// QEMU's virt board and in the riscv-tests environment.
const RAMBase = 0x8000_0000

// DefaultRAMSize is the RAM size used when Config.RAMSize is zero.
const DefaultRAMSize = 256 << 20

// MaxRAMSize is the most RAM the board has. Debian's kernel boots with at
// most 128 GiB here: with more, the initrd (placed below the device tree at
// the top of RAM, see Boot) lies above the memory the kernel maps and it
// panics with "INITRD not in memory region" after a long boot. The host also
// pays per page of RAM for the hart's decode-cache index (8 bytes per 4 KiB
// page), so a size that cannot boot is refused before anything is allocated.
const MaxRAMSize = 128 << 30

// Config describes the machine to build: its hardware, not the software
// it runs (see Boot and LoadELF).
type Config struct {
	// RAMSize is the number of bytes of RAM at RAMBase. It must be a
	// multiple of 4 KiB. Zero means DefaultRAMSize.
	RAMSize uint64
	// Console receives every byte the guest writes to its serial port. Nil
	// discards them (ConsoleTail still has the last ones).
	Console io.Writer
	// Drives are the virtio block devices, at most VirtioSlots.
	Drives []Drive
	// Reference turns the interpreter's fast paths off: one instruction per
	// decoded block and every load and store through the fully checked
	// path. It is slow, and changes no result (the retired-instruction
	// count, console, memory and interrupts are the same); tests use it to
	// show that.
	Reference bool
	// RecordReads makes the machine note which byte ranges of each drive
	// the guest reads and where the data went (DriveReads, PageSource).
	RecordReads bool
	// Translate runs hot guest code translated to WebAssembly and compiled
	// to native code by wazero, with the same results, instruction counts
	// and state as the interpreter. On hosts where wazero has no compiler
	// (other than amd64 and arm64) the interpreter runs instead.
	Translate bool
	// TranslateCache, with Translate, is the directory of the persistent
	// translation cache: native code compiled in one run is kept there and
	// reused by the next, keyed by the content of the generated wasm.
	// Every entry carries a sha256 checked before use; a damaged one is
	// compiled again (RATIONALE.md, "Translation to WebAssembly"). Empty:
	// no cache. What is cached never changes a result, only the speed.
	TranslateCache string
}

// StopReason says why Run returned.
type StopReason int

const (
	// StopToHost: the guest stored a non-zero value to the watched tohost word.
	StopToHost StopReason = iota + 1
	// StopLimit: the instruction budget given to Run was used up.
	StopLimit
	// StopECall: the hart executed ecall in U-mode while user-call mode is on
	// (see EnterUserMode). PC still points at the ecall.
	StopECall
	// StopTrapLoop: the hart took a thousand traps in a row without
	// retiring an instruction (for example a fault inside the trap handler
	// itself); it would never make progress.
	StopTrapLoop
	// StopPowerOff: the guest powered the machine off through the test
	// finisher (Linux: SBI system reset, which OpenSBI turns into a write
	// of 0x5555, or 0x3333 with a failure code). ExitCode holds the code.
	StopPowerOff
	// StopReset: the guest asked for a reset (Linux reboot, or a kernel
	// panic with panic=-1). The machine does not restart.
	StopReset
	// StopRequested: the host called RequestStop from a device or console
	// callback; the machine can keep running.
	StopRequested
)

// Stop is the result of Run.
type Stop struct {
	Reason StopReason
	// ToHost is the value stored to tohost when Reason is StopToHost.
	ToHost uint64
	// Cause and TVal are the last trap's mcause/scause and mtval/stval
	// when Reason is StopTrapLoop.
	Cause, TVal uint64
	// ExitCode is the failure code of a StopPowerOff (0 for success).
	ExitCode int
}

// ErrNotRAM reports a physical access outside RAM.
var ErrNotRAM = errors.New("address range is not in RAM")

// ELFImage describes a loaded ELF file.
type ELFImage struct {
	Entry   uint64
	Symbols map[string]uint64 // symbol name -> value, from .symtab
}
