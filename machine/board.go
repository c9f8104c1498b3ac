package machine

import (
	"fmt"
	"io"
	"slices"

	"github.com/reprovm/reprovm/machine/internal/bus"
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
	// VirtioBase is the first of VirtioSlots virtio-mmio transports, one
	// per 4 KiB, with PLIC sources 1..VirtioSlots. Drive i of Config.Drives
	// sits in slot i and is /dev/vd{a+i} in Linux.
	VirtioBase  = dev.VirtioBase
	VirtioSlots = dev.VirtioSlots
)

// Disk is the storage behind a drive: a fixed-size byte array that the
// guest reads and, for a read-write drive, writes in 512-byte sectors.
type Disk = dev.Disk

// MemDisk is a Disk held in memory.
type MemDisk = dev.MemDisk

// FileDisk is a Disk backed by an open file.
type FileDisk = dev.FileDisk

// NewFileDisk returns a Disk backed by f, whose size must not change while
// the machine runs.
var NewFileDisk = dev.NewFileDisk

// Drive is a virtio block device.
type Drive struct {
	Disk     Disk
	ReadOnly bool
	Serial   string // what the guest reads as the drive's ID; at most 20 bytes
}

// power receives the guest's power-off and reset requests from the test
// finisher and stops the hart.
type power struct {
	h     *hart.Hart
	off   bool // the guest has powered off or reset the machine
	state Stop
}

func (p *power) PowerOff(code int, reset bool) {
	p.off = true
	if reset {
		p.state = Stop{Reason: StopReset}
	} else {
		p.state = Stop{Reason: StopPowerOff, ExitCode: code}
	}
	p.h.RequestStop()
}

// mapping places one device on the bus.
type mapping struct {
	name       string
	base, size uint64
	d          bus.Device
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
	maps := []mapping{
		{"clint", dev.CLINTBase, dev.CLINTSize, &dev.CLINT{Hart: h, MSIPBit: hart.MIPMSIP}},
		{"plic", dev.PLICBase, dev.PLICSize, m.plic},
		{"uart", dev.UARTBase, dev.UARTSize, m.uart},
		{"syscon", dev.SysconBase, dev.SysconSize, &dev.Syscon{Power: m.power}},
	}
	if len(cfg.Drives) > VirtioSlots {
		return fmt.Errorf("%d drives given; the board has %d virtio slots", len(cfg.Drives), VirtioSlots)
	}
	for i := range VirtioSlots {
		slot := dev.NewVirtioEmpty()
		if i < len(cfg.Drives) {
			d := cfg.Drives[i]
			var err error
			bc := dev.BlockConfig{Disk: d.Disk, ReadOnly: d.ReadOnly, Serial: d.Serial}
			if m.reads != nil {
				bc.OnRead = func(off int64, pa, n uint64) {
					if pa >= RAMBase {
						m.reads.note(i, off, pa-RAMBase, n)
					}
				}
			}
			slot, err = dev.NewVirtioBlock(bc, m, m.plic, dev.VirtioIRQ(i))
			if err != nil {
				return fmt.Errorf("drive %d: %w", i, err)
			}
		}
		maps = append(maps, mapping{fmt.Sprintf("virtio%d", i), dev.VirtioSlotBase(i), dev.VirtioStride, slot})
		m.virtio = append(m.virtio, slot)
	}
	m.drives = slices.Clone(cfg.Drives)
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
