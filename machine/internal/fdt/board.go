package fdt

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// The reprovm board's memory map and interrupt lines: the subset of QEMU's
// virt machine (hw/riscv/virt.c) that reprovm implements, at the same
// addresses, so that OpenSBI's generic platform and Linux drive it unchanged.
// The device models must agree with these values.
const (
	TestBase  = 0x10_0000 // sifive,test0 syscon: 0x5555 powers off, 0x7777 resets
	TestSize  = 0x1000
	CLINTBase = 0x200_0000 // msip, mtimecmp, mtime
	CLINTSize = 0x1_0000
	PLICBase  = 0xc00_0000
	PLICSize  = 0x60_0000 // QEMU virt's window; contexts 0 (M) and 1 (S) are used
	UARTBase  = 0x1000_0000
	UARTSize  = 0x100
	UARTIRQ   = 10

	// VirtioBase is slot 0 of the virtio-mmio transports; slot i is at
	// VirtioBase + i*VirtioStride with PLIC source VirtioIRQ + i.
	VirtioBase   = 0x1000_1000
	VirtioStride = 0x1000
	VirtioIRQ    = 1
	VirtioSlots  = 8

	// PLICSources is the PLIC's riscv,ndev: sources 1..31. QEMU declares 95
	// for its PCIe lines, which reprovm does not have.
	PLICSources = 31

	// UARTClock is the ns16550a input clock QEMU declares (3.6864 MHz). No
	// time passes on the wire, but Linux computes divisors from it.
	UARTClock = 3_686_400
)

// Phandles of the nodes that others refer to. Fixed, so that the blob is a
// function of the configuration alone.
const (
	phandleCPUIntc = 1
	phandlePLIC    = 2
	phandleTest    = 3
)

// RISC-V local interrupt numbers, the cells of interrupts-extended
// (privileged spec, mip/mie bits).
const (
	irqMSoft  = 3
	irqMTimer = 7
	irqSExt   = 9
	irqMExt   = 11
)

// StdoutPath is the console /chosen/stdout-path names: OpenSBI's console and
// the kernel's earlycon both follow it.
const StdoutPath = "/soc/serial@10000000"

// MinRNGSeed is the shortest rng-seed accepted: 32 bytes are 256 bits, the
// amount Linux needs to mark its CRNG ready at boot, so that getrandom()
// never blocks in the guest.
const MinRNGSeed = 32

// BoardConfig is what varies between reprovm machines.
type BoardConfig struct {
	RAMBase, RAMSize uint64

	// TimebaseHz is the frequency of mtime and the time CSR, which the
	// emulator derives from retired instructions (10_000_000, as QEMU).
	TimebaseHz uint32

	// Extensions lists the hart's ISA extensions in lower case: single
	// letters ("i", "m", ...) and multi-letter names ("zicsr", "sstc").
	// It must contain i, m and a (Linux refuses to boot otherwise). The
	// order given does not matter: the FDT lists them in canonical order.
	// See DefaultExtensions.
	Extensions []string

	// MMU is the cpu node's mmu-type: "riscv,sv39", "riscv,sv48" or
	// "riscv,sv57". It is required: OpenSBI's fdt_cpu_fixup disables a
	// hart whose node has no mmu-type.
	MMU string

	Bootargs string

	// RNGSeed becomes /chosen/rng-seed; at least MinRNGSeed bytes.
	RNGSeed []byte

	// InitrdStart and InitrdEnd delimit the initramfs in RAM, end
	// exclusive; both zero means none.
	InitrdStart, InitrdEnd uint64

	// VirtioSlots is how many virtio-mmio transports the tree declares,
	// 1..8; zero means all 8. Declare every slot the bus decodes, even an
	// empty one: Linux's virtio_mmio_probe reads MagicValue and Version,
	// then silently skips a slot whose DeviceID is 0 ("a (dummy)
	// placeholder"). An empty slot must therefore answer the magic
	// 0x74726976 and version 2, or Linux logs "Wrong magic value".
	VirtioSlots int
}

// DefaultExtensions returns the extensions of reprovm's hart: RV64GC with the
// counters (Zicntr: the time CSR) written out, since Zicsr, Zifencei and
// Zicntr are no longer implied by "i" in riscv,isa-extensions.
func DefaultExtensions() []string {
	return []string{"i", "m", "a", "f", "d", "c", "zicntr", "zicsr", "zifencei"}
}

// Board returns the device tree blob of the reprovm machine.
//
// It follows QEMU 7.2's virt tree without what reprovm lacks (flash, fw-cfg,
// PCIe, RTC, PMU, platform bus, cpu-map). The cpu node carries
// riscv,isa-base with riscv,isa-extensions, which OpenSBI 1.6
// (fdt_parse_isa_all_harts) and Linux read first (Linux otherwise logs
// "Falling back to deprecated riscv,isa"), and the deprecated riscv,isa
// string for older readers, as QEMU 8.2 and later do.
//
// The blob has no free space. OpenSBI does not need any: before each of its
// fixups (fdt_cpu_fixup, fdt_reserved_memory_fixup, ...) it calls
// fdt_open_into(fdt, fdt, fdt_totalsize(fdt) + N), which grows the blob in
// place past its end whatever free space it already holds. The caller must
// therefore leave at least Headroom bytes of unused RAM after the blob.
func Board(c BoardConfig) ([]byte, error) {
	root, err := boardTree(c)
	if err != nil {
		return nil, fmt.Errorf("fdt: board: %w", err)
	}
	return Encode(root, 0, nil)
}

// Headroom is the RAM the caller must keep free after the blob. OpenSBI 1.6
// grows it by 32 + 1024 bytes on this board (fdt_cpu_fixup and
// fdt_reserved_memory_fixup in lib/utils/fdt/fdt_fixup.c), more with
// domains; 64 KiB leaves a wide margin. QEMU keeps the rest of a 2 MiB
// aligned window after its tree.
const Headroom = 64 << 10

func boardTree(c BoardConfig) (*Node, error) {
	if c.RAMSize == 0 || c.RAMBase+c.RAMSize < c.RAMBase {
		return nil, fmt.Errorf("RAM [%#x, +%#x) is empty or wraps", c.RAMBase, c.RAMSize)
	}
	if c.TimebaseHz == 0 {
		return nil, fmt.Errorf("timebase frequency is zero")
	}
	switch c.MMU {
	case "riscv,sv39", "riscv,sv48", "riscv,sv57":
	default:
		return nil, fmt.Errorf("mmu-type %q: want riscv,sv39, riscv,sv48 or riscv,sv57", c.MMU)
	}
	if len(c.RNGSeed) < MinRNGSeed {
		return nil, fmt.Errorf("rng-seed of %d bytes: want at least %d", len(c.RNGSeed), MinRNGSeed)
	}
	if strings.IndexByte(c.Bootargs, 0) >= 0 {
		return nil, fmt.Errorf("bootargs contain a NUL byte")
	}
	if c.InitrdStart != 0 || c.InitrdEnd != 0 {
		if c.InitrdStart >= c.InitrdEnd || c.InitrdStart < c.RAMBase || c.InitrdEnd > c.RAMBase+c.RAMSize {
			return nil, fmt.Errorf("initrd [%#x, %#x) is empty or outside RAM", c.InitrdStart, c.InitrdEnd)
		}
	}
	slots := c.VirtioSlots
	if slots == 0 {
		slots = VirtioSlots
	}
	if slots < 0 || slots > VirtioSlots {
		return nil, fmt.Errorf("%d virtio slots: want 1..%d", c.VirtioSlots, VirtioSlots)
	}
	isa, exts, err := isaStrings(c.Extensions)
	if err != nil {
		return nil, err
	}

	chosen := NewNode("chosen",
		P("bootargs", Str(c.Bootargs)),
		P("stdout-path", Str(StdoutPath)),
		P("rng-seed", c.RNGSeed),
	)
	if c.InitrdEnd != 0 {
		chosen.Add(
			P("linux,initrd-start", U64(c.InitrdStart)),
			P("linux,initrd-end", U64(c.InitrdEnd)),
		)
	}

	cpu := NewNode("cpu@0",
		P("device_type", Str("cpu")),
		P("reg", U32(0)),
		P("status", Str("okay")),
		P("compatible", Str("riscv")),
		P("riscv,isa", Str(isa)),
		P("riscv,isa-base", Str("rv64i")),
		P("riscv,isa-extensions", Str(exts...)),
		P("mmu-type", Str(c.MMU)),
	).AddChild(NewNode("interrupt-controller",
		// No #address-cells, though dtc 1.6.1 warns (interrupt_provider):
		// Linux's riscv,cpu-intc binding has additionalProperties: false
		// and no interrupt-map on this board points at the hart.
		P("#interrupt-cells", U32(1)),
		P("interrupt-controller", nil),
		P("compatible", Str("riscv,cpu-intc")),
		P("phandle", U32(phandleCPUIntc)),
	))

	soc := NewNode("soc",
		P("#address-cells", U32(2)),
		P("#size-cells", U32(2)),
		P("compatible", Str("simple-bus")),
		P("ranges", nil),
	).AddChild(
		NewNode(unit("clint", CLINTBase),
			P("compatible", Str("sifive,clint0", "riscv,clint0")),
			P("reg", Reg(MemRange{CLINTBase, CLINTSize})),
			P("interrupts-extended", U32(phandleCPUIntc, irqMSoft, phandleCPUIntc, irqMTimer)),
		),
		NewNode(unit("plic", PLICBase),
			P("#interrupt-cells", U32(1)),
			P("#address-cells", U32(0)),
			P("compatible", Str("sifive,plic-1.0.0", "riscv,plic0")),
			P("reg", Reg(MemRange{PLICBase, PLICSize})),
			P("interrupts-extended", U32(phandleCPUIntc, irqMExt, phandleCPUIntc, irqSExt)),
			P("interrupt-controller", nil),
			P("riscv,ndev", U32(PLICSources)),
			P("phandle", U32(phandlePLIC)),
		),
		NewNode(unit("serial", UARTBase),
			P("compatible", Str("ns16550a")),
			P("reg", Reg(MemRange{UARTBase, UARTSize})),
			P("clock-frequency", U32(UARTClock)),
			P("interrupts", U32(UARTIRQ)),
			P("interrupt-parent", U32(phandlePLIC)),
		),
		NewNode(unit("test", TestBase),
			P("compatible", Str("sifive,test1", "sifive,test0", "syscon")),
			P("reg", Reg(MemRange{TestBase, TestSize})),
			P("phandle", U32(phandleTest)),
		),
	)
	for i := range slots {
		base := uint64(VirtioBase + i*VirtioStride)
		soc.AddChild(NewNode(unit("virtio_mmio", base),
			P("compatible", Str("virtio,mmio")),
			P("reg", Reg(MemRange{base, VirtioStride})),
			P("interrupts", U32(uint32(VirtioIRQ+i))),
			P("interrupt-parent", U32(phandlePLIC)),
		))
	}

	root := NewNode("",
		P("#address-cells", U32(2)),
		P("#size-cells", U32(2)),
		P("compatible", Str("riscv-virtio")),
		P("model", Str("reprovm")),
	).AddChild(
		chosen,
		NewNode(unit("memory", c.RAMBase),
			P("device_type", Str("memory")),
			P("reg", Reg(MemRange{c.RAMBase, c.RAMSize})),
		),
		NewNode("cpus",
			P("#address-cells", U32(1)),
			P("#size-cells", U32(0)),
			P("timebase-frequency", U32(c.TimebaseHz)),
		).AddChild(cpu),
		soc,
		NewNode("poweroff",
			P("compatible", Str("syscon-poweroff")),
			P("regmap", U32(phandleTest)),
			P("offset", U32(0)),
			P("value", U32(0x5555)),
		),
		NewNode("reboot",
			P("compatible", Str("syscon-reboot")),
			P("regmap", U32(phandleTest)),
			P("offset", U32(0)),
			P("value", U32(0x7777)),
		),
	)
	return root, nil
}

// unit names a node "name@addr" with the address in lower-case hex and no
// leading zeros, as the specification's unit-address convention asks.
func unit(name string, addr uint64) string {
	return name + "@" + strconv.FormatUint(addr, 16)
}

// singleOrder is the canonical order of single-letter extensions in an ISA
// string (unprivileged spec, "ISA Extension Naming Conventions").
const singleOrder = "imafdqlcbkjtpvh"

// isaStrings builds the riscv,isa string and the riscv,isa-extensions list.
//
// riscv,isa is "rv64" + the single letters in canonical order, then the
// multi-letter extensions joined by "_": Z extensions first, ordered by the
// category their second letter names and then alphabetically, then S, then
// X extensions alphabetically. riscv,isa-extensions lists the single letters
// in canonical order and then the multi-letter names alphabetically, the
// order of Linux's Documentation/devicetree/bindings/riscv/extensions.yaml.
func isaStrings(list []string) (isa string, exts []string, err error) {
	var singles, multi []string
	seen := map[string]bool{} // lookups only
	for _, e := range list {
		if seen[e] {
			return "", nil, fmt.Errorf("extension %q listed twice", e)
		}
		seen[e] = true
		switch {
		case len(e) == 1 && strings.Contains(singleOrder, e):
			singles = append(singles, e)
		case len(e) > 1 && strings.ContainsRune("zsx", rune(e[0])) && isLowerAlnum(e):
			multi = append(multi, e)
		default:
			return "", nil, fmt.Errorf("extension %q: want a lower-case single letter of %q or a z/s/x name", e, singleOrder)
		}
	}
	for _, need := range []string{"i", "m", "a"} {
		if !seen[need] {
			return "", nil, fmt.Errorf("extensions %v lack %q: Linux needs rv64ima", list, need)
		}
	}
	slices.SortFunc(singles, func(a, b string) int {
		return strings.Index(singleOrder, a) - strings.Index(singleOrder, b)
	})
	slices.Sort(multi)
	exts = append(slices.Clone(singles), multi...)

	rank := func(e string) int {
		switch e[0] {
		case 'z':
			if i := strings.IndexByte(singleOrder, e[1]); i >= 0 {
				return i
			}
			return len(singleOrder)
		case 's':
			return len(singleOrder) + 1
		default: // 'x'
			return len(singleOrder) + 2
		}
	}
	ordered := slices.Clone(multi)
	slices.SortStableFunc(ordered, func(a, b string) int { return rank(a) - rank(b) })
	isa = "rv64" + strings.Join(singles, "")
	for _, e := range ordered {
		isa += "_" + e
	}
	return isa, exts, nil
}

func isLowerAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
