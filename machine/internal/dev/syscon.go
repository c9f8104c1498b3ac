package dev

// The SiFive test finisher ("sifive,test1", "sifive,test0", "syscon") as on
// QEMU virt: one 32-bit register at offset 0. The low 16 bits of a write
// select the action and the high 16 bits carry an exit code. Linux reaches
// it through "syscon-poweroff" (value 0x5555) and "syscon-reboot" (0x7777)
// with 32-bit writes; OpenSBI's sifive_test driver uses 16-bit writes.
const (
	SysconBase = 0x10_0000
	SysconSize = 0x1000

	finisherFail  = 0x3333
	finisherPass  = 0x5555
	finisherReset = 0x7777
)

// PowerSink is told when the guest powers off or resets the machine.
// code is 0 for a power-off that reports success and the exit code for
// one that reports failure (never 0, see Syscon). The machine stops running
// the guest when it is told.
type PowerSink interface {
	PowerOff(code int, reset bool)
}

// Syscon is the test finisher. Reads return 0; writes of values other than
// the three commands are ignored, as on QEMU.
type Syscon struct {
	Power PowerSink
}

// Load reads the finisher register, which always reads 0.
func (s *Syscon) Load(off uint64, size int) (uint64, bool) {
	if off != 0 || (size != 2 && size != 4) {
		return 0, false
	}
	return 0, true
}

// Store performs a finisher command. A failure with code 0 is reported as
// code 1, so that a failing guest never looks like a successful one (QEMU
// exits with status code<<1|1 for the same reason).
func (s *Syscon) Store(off uint64, size int, v uint64) bool {
	if off != 0 || (size != 2 && size != 4) {
		return false
	}
	if size == 2 {
		v &= 0xffff
	}
	code := int(v >> 16 & 0xffff)
	switch v & 0xffff {
	case finisherPass:
		s.Power.PowerOff(0, false)
	case finisherFail:
		if code == 0 {
			code = 1
		}
		s.Power.PowerOff(code, false)
	case finisherReset:
		s.Power.PowerOff(0, true)
	}
	return true
}
