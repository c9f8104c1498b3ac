package machine

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/reprovm/reprovm/machine/internal/fdt"
	"github.com/reprovm/reprovm/machine/internal/hart"
)

// Boot memory layout, a pure function of the RAM size and the images:
//
//	RAMBase                  OpenSBI fw_dynamic (at most KernelOffset bytes)
//	RAMBase + KernelOffset   the kernel Image (text_offset in its header)
//	...                      free
//	below the FDT            the initrd, 4 KiB aligned
//	RAM end - 2 MiB          the FDT (with room for OpenSBI's fix-ups)
//	RAM end - 4 KiB          fw_dynamic_info for OpenSBI
const (
	KernelOffset = 0x20_0000
	fdtFromEnd   = 0x20_0000
	infoFromEnd  = 0x1000
)

// extensions are the hart's ISA extensions as the FDT lists them to
// OpenSBI and Linux: exactly what the hart implements, RV64GC with the
// counters, plus Sstc.
func extensions() []string { return append(fdt.DefaultExtensions(), "sstc") }

// BootConfig is the software for a Linux boot through OpenSBI's fw_dynamic.
type BootConfig struct {
	Firmware []byte // OpenSBI generic fw_dynamic.bin, entered in M-mode at RAMBase
	Kernel   []byte // a flat RISC-V Linux Image (not compressed, not EFI zboot)
	Initrd   []byte // optional
	Bootargs string // the kernel command line
	RNGSeed  []byte // /chosen/rng-seed: fixed bytes, so guest entropy is deterministic
	// NoBanner hides OpenSBI's boot banner (SBI_SCRATCH_NO_BOOT_PRINTS).
	NoBanner bool
}

// fw_dynamic_info (OpenSBI include/sbi/fw_dynamic.h), version 2.
const (
	fwDynamicMagic   = 0x4942534f // "OSBI"
	fwDynamicVersion = 2
	nextModeS        = 1
	noBootPrints     = 1 // options bit 0: SBI_SCRATCH_NO_BOOT_PRINTS
)

// Boot lays out firmware, kernel, initrd and a device tree in RAM and
// resets the hart to enter OpenSBI as QEMU's reset vector would: M-mode at
// RAMBase with a0 = hart ID, a1 = FDT address and a2 = fw_dynamic_info.
func (m *Machine) Boot(b BootConfig) error {
	ramSize := uint64(len(m.bus.RAM))
	end := RAMBase + ramSize
	if ramSize < 64<<20 {
		return fmt.Errorf("boot: RAM of %d MiB is too small; give at least 64 MiB", ramSize>>20)
	}
	if len(b.Firmware) == 0 || len(b.Firmware) > KernelOffset {
		return fmt.Errorf("boot: firmware is %d bytes; want a fw_dynamic.bin of at most %d", len(b.Firmware), KernelOffset)
	}
	kernelEnd, err := kernelExtent(b.Kernel)
	if err != nil {
		return fmt.Errorf("boot: kernel: %w", err)
	}
	kernelEnd += RAMBase + KernelOffset
	fdtAddr := end - fdtFromEnd
	infoAddr := end - infoFromEnd
	var initrdStart, initrdEnd uint64
	if len(b.Initrd) > 0 {
		initrdStart = (fdtAddr - uint64(len(b.Initrd))) &^ 0xfff
		initrdEnd = initrdStart + uint64(len(b.Initrd))
		if initrdStart < kernelEnd || initrdStart > fdtAddr {
			return fmt.Errorf("boot: kernel (%d bytes) and initrd (%d bytes) do not fit in %d MiB of RAM; raise the RAM size",
				kernelEnd-RAMBase-KernelOffset, len(b.Initrd), ramSize>>20)
		}
	} else if kernelEnd > fdtAddr {
		return fmt.Errorf("boot: kernel does not fit in %d MiB of RAM", ramSize>>20)
	}
	tree, err := fdt.Board(fdt.BoardConfig{
		RAMBase:     RAMBase,
		RAMSize:     ramSize,
		TimebaseHz:  TimebaseHz,
		Extensions:  extensions(),
		MMU:         "riscv,sv48",
		Bootargs:    b.Bootargs,
		RNGSeed:     b.RNGSeed,
		InitrdStart: initrdStart,
		InitrdEnd:   initrdEnd,
		VirtioSlots: VirtioSlots,
	})
	if err != nil {
		return fmt.Errorf("boot: device tree: %w", err)
	}
	if uint64(len(tree))+fdt.Headroom > fdtFromEnd-infoFromEnd {
		return fmt.Errorf("boot: device tree is %d bytes, more than the %d reserved for it", len(tree), fdtFromEnd-infoFromEnd)
	}
	opts := uint64(0)
	if b.NoBanner {
		opts = noBootPrints
	}
	info := binary.LittleEndian.AppendUint64(nil, fwDynamicMagic)
	for _, v := range []uint64{fwDynamicVersion, RAMBase + KernelOffset, nextModeS, opts, 0} {
		info = binary.LittleEndian.AppendUint64(info, v)
	}
	for _, w := range []struct {
		what string
		addr uint64
		data []byte
	}{
		{"firmware", RAMBase, b.Firmware},
		{"kernel", RAMBase + KernelOffset, b.Kernel},
		{"initrd", initrdStart, b.Initrd},
		{"device tree", fdtAddr, tree},
		{"fw_dynamic_info", infoAddr, info},
	} {
		if len(w.data) == 0 {
			continue
		}
		if err := m.WritePhys(w.addr, w.data); err != nil {
			return fmt.Errorf("boot: load %s: %w", w.what, err)
		}
	}
	m.dtb = tree
	m.hart.Reset(RAMBase)
	m.hart.X[10] = 0 // hart ID
	m.hart.X[11] = fdtAddr
	m.hart.X[12] = infoAddr
	m.hart.Priv = hart.PrivM
	return nil
}

// kernelExtent checks the RISC-V Linux Image header
// (Documentation/arch/riscv/boot-image-header.rst) and returns the bytes
// the image occupies from its load address, BSS included.
func kernelExtent(img []byte) (uint64, error) {
	if len(img) < 64 {
		return 0, errors.New("too short for a RISC-V Image header")
	}
	if !bytes.Equal(img[48:56], []byte("RISCV\x00\x00\x00")) || !bytes.Equal(img[56:60], []byte("RSC\x05")) {
		return 0, errors.New("no RISC-V Image magic (want the flat Image, /boot/vmlinux-* in Debian's package)")
	}
	textOffset := binary.LittleEndian.Uint64(img[8:])
	size := binary.LittleEndian.Uint64(img[16:])
	if textOffset != KernelOffset {
		return 0, fmt.Errorf("text_offset is %#x; reprovm loads kernels at %#x", textOffset, KernelOffset)
	}
	if size < uint64(len(img)) {
		size = uint64(len(img))
	}
	return size, nil
}

// DeviceTree returns the device tree blob Boot gave the firmware (nil
// before Boot), as written, before OpenSBI's own fix-ups.
func (m *Machine) DeviceTree() []byte { return m.dtb }
