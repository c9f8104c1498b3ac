package machine

import (
	"fmt"
	"io"

	"github.com/reprovm/reprovm/machine/internal/dev"
	"github.com/reprovm/reprovm/machine/internal/hart"
)

// The board: a subset of QEMU's virt machine with one hart, at the same
// addresses, so that OpenSBI's generic platform and Debian's kernel find
// what they expect (see the FDT written by Boot).
const (
	CLINTBase  = dev.CLINTBase
	PLICBase   = dev.PLICBase
	UARTBase   = dev.UARTBase
	SysconBase = dev.SysconBase
)

// power receives the guest's power-off and reset requests from the test
// finisher and stops the hart.
type power struct {
	h     *hart.Hart
	state Stop
}

func (p *power) PowerOff(code int, reset bool) {
	if reset {
		p.state = Stop{Reason: StopReset}
	} else {
		p.state = Stop{Reason: StopPowerOff, ExitCode: code}
	}
	p.h.RequestStop()
}

// attachDevices maps the board's devices: CLINT, PLIC, UART and test
// finisher. Everything a device does happens synchronously inside the
// guest's load or store, so interrupts arrive at fixed instruction counts.
func (m *Machine) attachDevices(cfg Config) error {
	h := m.hart
	m.plic = &dev.PLIC{Hart: h, EIPBits: [dev.PLICContexts]uint64{hart.MIPMEIP, hart.MIPSEIP}}
	console := cfg.Console
	if console == nil {
		console = io.Discard
	}
	m.uart = dev.NewUART(console, m.plic)
	m.power = &power{h: h}
	maps := []struct {
		name       string
		base, size uint64
		d          interface {
			Load(off uint64, size int) (uint64, bool)
			Store(off uint64, size int, v uint64) bool
		}
	}{
		{"clint", dev.CLINTBase, dev.CLINTSize, &dev.CLINT{Hart: h, MSIPBit: hart.MIPMSIP}},
		{"plic", dev.PLICBase, dev.PLICSize, m.plic},
		{"uart", dev.UARTBase, dev.UARTSize, m.uart},
		{"syscon", dev.SysconBase, dev.SysconSize, &dev.Syscon{Power: m.power}},
	}
	for _, d := range maps {
		if err := m.bus.Map(d.name, d.base, d.size, d.d); err != nil {
			return fmt.Errorf("attach %s: %w", d.name, err)
		}
	}
	return nil
}

// ConsoleTail returns the last bytes the guest wrote to its console (up to
// 64 KiB), for reporting a kernel panic or a hang.
func (m *Machine) ConsoleTail() []byte { return m.uart.Tail() }
