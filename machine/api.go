package machine

import (
	"errors"
)

// RAMBase is the guest-physical address of the first byte of RAM, as on
// QEMU's virt board and in the riscv-tests environment.
const RAMBase = 0x8000_0000

// DefaultRAMSize is the RAM size used when Config.RAMSize is zero.
const DefaultRAMSize = 256 << 20

// Config describes the machine to build.
type Config struct {
	// RAMSize is the number of bytes of RAM at RAMBase. It must be a
	// multiple of 4 KiB. Zero means DefaultRAMSize.
	RAMSize uint64
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
)

// Stop is the result of Run.
type Stop struct {
	Reason StopReason
	// ToHost is the value stored to tohost when Reason is StopToHost.
	ToHost uint64
	// Cause and TVal are the last trap's mcause/scause and mtval/stval
	// when Reason is StopTrapLoop.
	Cause, TVal uint64
}

// ErrNotRAM reports a physical access outside RAM.
var ErrNotRAM = errors.New("address range is not in RAM")

// ELFImage describes a loaded ELF file.
type ELFImage struct {
	Entry   uint64
	Symbols map[string]uint64 // symbol name -> value, from .symtab
}
