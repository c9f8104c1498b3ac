// Package bus is the hart's view of guest-physical memory: one RAM range,
// which the hart reads and writes directly, and memory-mapped devices, which
// it reaches through the Device interface.
package bus

import (
	"fmt"
	"sort"
)

// Device is a memory-mapped device. Offsets are relative to the device's
// base address. size is 1, 2, 4 or 8. A false return makes the access an
// access fault in the guest, never a host error: every value a device sees
// comes from the guest and must be treated as hostile.
type Device interface {
	Load(off uint64, size int) (uint64, bool)
	Store(off uint64, size int, v uint64) bool
}

type region struct {
	base, size uint64
	dev        Device
	name       string
}

// Bus maps guest-physical addresses to RAM or devices.
type Bus struct {
	RAM     []byte // guest RAM; RAM[0] is at RAMBase
	RAMBase uint64
	regions []region // sorted by base, non-overlapping
	mapped  bool     // RAM is a private anonymous mapping (see newRAM)
}

// New returns a bus with size bytes of zeroed RAM at base. Untouched RAM
// costs no host memory (see newRAM).
func New(base, size uint64) (*Bus, error) {
	b := &Bus{RAMBase: base}
	if err := newRAM(b, size); err != nil {
		return nil, err
	}
	return b, nil
}

// Map attaches dev at [base, base+size). It fails if the range overlaps RAM
// or another device.
func (b *Bus) Map(name string, base, size uint64, dev Device) error {
	if size == 0 || base+size < base {
		return fmt.Errorf("map %s at %#x: bad size %#x", name, base, size)
	}
	if base < b.RAMBase+uint64(len(b.RAM)) && b.RAMBase < base+size {
		return fmt.Errorf("map %s at %#x: overlaps RAM", name, base)
	}
	for _, r := range b.regions {
		if base < r.base+r.size && r.base < base+size {
			return fmt.Errorf("map %s at %#x: overlaps %s", name, base, r.name)
		}
	}
	b.regions = append(b.regions, region{base, size, dev, name})
	sort.Slice(b.regions, func(i, j int) bool { return b.regions[i].base < b.regions[j].base })
	return nil
}

// InRAM reports whether [pa, pa+n) lies wholly in RAM, and its offset.
func (b *Bus) InRAM(pa, n uint64) (uint64, bool) {
	off := pa - b.RAMBase
	return off, pa >= b.RAMBase && off < uint64(len(b.RAM)) && n <= uint64(len(b.RAM))-off
}

// device finds the device covering [pa, pa+size).
func (b *Bus) device(pa uint64, size int) (Device, uint64, bool) {
	for _, r := range b.regions {
		if pa >= r.base && pa-r.base < r.size {
			off := pa - r.base
			if off+uint64(size) > r.size {
				return nil, 0, false
			}
			return r.dev, off, true
		}
	}
	return nil, 0, false
}

// LoadIO performs a device load. Accesses that do not hit a device, or
// that are misaligned, fail.
func (b *Bus) LoadIO(pa uint64, size int) (uint64, bool) {
	if pa&uint64(size-1) != 0 {
		return 0, false
	}
	d, off, ok := b.device(pa, size)
	if !ok {
		return 0, false
	}
	return d.Load(off, size)
}

// StoreIO performs a device store.
func (b *Bus) StoreIO(pa uint64, size int, v uint64) bool {
	if pa&uint64(size-1) != 0 {
		return false
	}
	d, off, ok := b.device(pa, size)
	if !ok {
		return false
	}
	return d.Store(off, size, v)
}
