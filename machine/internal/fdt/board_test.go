package fdt

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/reprovm/reprovm/internal/rvtest"
)

var update = flag.Bool("update", false, "rewrite testdata/board.dts from the current Board output")

func testConfig() BoardConfig {
	seed := make([]byte, 32)
	for i := range seed {
		seed[i] = byte(i)
	}
	return BoardConfig{
		RAMBase:     0x8000_0000,
		RAMSize:     1 << 30,
		TimebaseHz:  10_000_000,
		Extensions:  DefaultExtensions(),
		MMU:         "riscv,sv48",
		Bootargs:    "console=ttyS0 quiet",
		RNGSeed:     seed,
		InitrdStart: 0x8820_0000,
		InitrdEnd:   0x8840_0000,
	}
}

func board(t *testing.T, c BoardConfig) ([]byte, *Node) {
	t.Helper()
	b, err := Board(c)
	if err != nil {
		t.Fatal(err)
	}
	root, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	return b, root
}

// dtc decompiles the board without a single warning (it runs all its checks:
// unit addresses against reg, simple-bus reg, interrupt providers, phandle
// references, #address-cells/#size-cells of every bus), and the source is the
// reviewed one in testdata/board.dts. Run with -update after a deliberate
// change and review the diff.
func TestBoardDTC(t *testing.T) {
	b, _ := board(t, testConfig())
	path := filepath.Join(t.TempDir(), "board.dtb")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(rvtest.Tool(t, "dtc"), "-I", "dtb", "-O", "dts", path)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("dtc: %v\n%s", err, stderr.Bytes())
	}
	// The one expected warning: dtc 1.6.1 wants #address-cells in every
	// interrupt provider, but Linux's riscv,cpu-intc binding forbids it
	// (additionalProperties: false) and no interrupt-map refers to the
	// hart's controller. Later dtc releases warn only when an interrupt-map
	// exists.
	const intcWarning = "Warning (interrupt_provider): /cpus/cpu@0/interrupt-controller: Missing #address-cells in interrupt provider"
	for _, line := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
		if line != "" && !strings.HasSuffix(line, intcWarning) {
			t.Errorf("dtc warning: %s", line)
		}
	}
	golden := filepath.Join("testdata", "board.dts")
	if *update {
		if err := os.WriteFile(golden, stdout.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(stdout.Bytes(), want) {
		t.Errorf("dtc -O dts differs from %s (rerun with -update and review):\n%s", golden, stdout.Bytes())
	}
	// dtc recompiles its own output to the same blob: nothing was lost.
	src := filepath.Join(t.TempDir(), "board.dts")
	if err := os.WriteFile(src, stdout.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	again := filepath.Join(t.TempDir(), "again.dtb")
	rvtest.Run(t, "dtc", "-I", "dts", "-O", "dtb", "-o", again, src)
	if got, _ := os.ReadFile(again); !bytes.Equal(got, b) {
		t.Error("dtc recompiles the decompiled board to a different blob")
	}
}

func TestBoardDeterministic(t *testing.T) {
	a, _ := board(t, testConfig())
	b, _ := board(t, testConfig())
	if !bytes.Equal(a, b) {
		t.Fatal("same configuration, different blobs")
	}
	c := testConfig()
	c.RNGSeed = bytes.Repeat([]byte{7}, 32)
	d, _ := board(t, c)
	if bytes.Equal(a, d) {
		t.Fatal("different rng-seed, same blob")
	}
	if len(a) > 4096 {
		t.Errorf("board blob is %d bytes; expected well under 4 KiB", len(a))
	}
	t.Logf("board blob: %d bytes", len(a))
}

// The reads OpenSBI 1.6's generic platform and Linux make, done the way they
// do them: by path, by compatible string and by phandle.
func TestBoardFirmwareReads(t *testing.T) {
	c := testConfig()
	_, root := board(t, c)

	str := func(n *Node, prop string) string {
		t.Helper()
		if n == nil {
			t.Fatalf("node for %q missing", prop)
		}
		v, ok := n.Prop(prop)
		if !ok {
			t.Fatalf("%s: no %q", n.Name, prop)
		}
		s, err := String(v)
		if err != nil {
			t.Fatalf("%s/%s: %v", n.Name, prop, err)
		}
		return s
	}
	u32 := func(n *Node, prop string) uint32 {
		t.Helper()
		v, _ := n.Prop(prop)
		x, err := Uint32(v)
		if err != nil {
			t.Fatalf("%s/%s: %v", n.Name, prop, err)
		}
		return x
	}
	reg := func(n *Node) MemRange {
		t.Helper()
		v, _ := n.Prop("reg")
		cells, err := Cells(v)
		if err != nil || len(cells) != 4 {
			t.Fatalf("%s/reg = %x", n.Name, v)
		}
		return MemRange{uint64(cells[0])<<32 | uint64(cells[1]), uint64(cells[2])<<32 | uint64(cells[3])}
	}

	chosen := root.Lookup("/chosen")
	if got := str(chosen, "bootargs"); got != c.Bootargs {
		t.Errorf("bootargs %q", got)
	}
	stdout := root.Lookup(str(chosen, "stdout-path"))
	if stdout == nil || str(stdout, "compatible") != "ns16550a" || reg(stdout).Addr != UARTBase {
		t.Errorf("stdout-path does not lead to the ns16550a at %#x", UARTBase)
	}
	if v, _ := chosen.Prop("rng-seed"); !bytes.Equal(v, c.RNGSeed) {
		t.Errorf("rng-seed %x", v)
	}
	for prop, want := range map[string]uint64{"linux,initrd-start": c.InitrdStart, "linux,initrd-end": c.InitrdEnd} {
		v, _ := chosen.Prop(prop)
		if got, err := Uint64(v); err != nil || got != want {
			t.Errorf("%s = %#x (%v), want %#x", prop, got, err, want)
		}
	}
	if m := root.Lookup("/memory"); m == nil || reg(m) != (MemRange{c.RAMBase, c.RAMSize}) || str(m, "device_type") != "memory" {
		t.Error("/memory does not describe the RAM")
	}

	cpus := root.Lookup("/cpus")
	if u32(cpus, "timebase-frequency") != c.TimebaseHz {
		t.Error("timebase-frequency")
	}
	cpu := cpus.Child("cpu@0")
	if u32(cpu, "reg") != 0 || str(cpu, "device_type") != "cpu" || str(cpu, "status") != "okay" || str(cpu, "mmu-type") != c.MMU {
		t.Error("cpu@0: reg, device_type, status or mmu-type")
	}
	intc := cpu.Child("interrupt-controller")
	if str(intc, "compatible") != "riscv,cpu-intc" || u32(intc, "#interrupt-cells") != 1 {
		t.Error("cpu interrupt controller")
	}

	// interrupts-extended names the hart's local interrupt lines through
	// the cpu-intc phandle, whose parent cpu node's reg is the hart id.
	checkExt := func(compat string, base uint64, want ...uint32) {
		t.Helper()
		nodes := root.Compatible(compat)
		if len(nodes) != 1 {
			t.Fatalf("%d nodes compatible with %q", len(nodes), compat)
		}
		n := nodes[0]
		if reg(n).Addr != base {
			t.Errorf("%s at %#x, want %#x", compat, reg(n).Addr, base)
		}
		v, _ := n.Prop("interrupts-extended")
		cells, _ := Cells(v)
		var lines []uint32
		for i := 0; i+1 < len(cells); i += 2 {
			if root.ByPhandle(cells[i]) != intc {
				t.Errorf("%s: phandle %d is not the cpu-intc", compat, cells[i])
			}
			lines = append(lines, cells[i+1])
		}
		if !slices.Equal(lines, want) {
			t.Errorf("%s: interrupts-extended lines %v, want %v", compat, lines, want)
		}
	}
	checkExt("riscv,clint0", CLINTBase, 3, 7)
	checkExt("sifive,plic-1.0.0", PLICBase, 11, 9)
	plic := root.Compatible("riscv,plic0")[0]
	if u32(plic, "riscv,ndev") != PLICSources || u32(plic, "#address-cells") != 0 {
		t.Error("plic riscv,ndev or #address-cells")
	}
	if _, ok := plic.Prop("interrupt-controller"); !ok {
		t.Error("plic is not an interrupt-controller")
	}

	// Power-off and reboot as OpenSBI's fdt_reset_syscon reads them: the
	// regmap phandle leads to a "syscon" node whose reg is the test device.
	for compat, value := range map[string]uint32{"syscon-poweroff": 0x5555, "syscon-reboot": 0x7777} {
		n := root.Compatible(compat)
		if len(n) != 1 || u32(n[0], "value") != value || u32(n[0], "offset") != 0 {
			t.Fatalf("%s node", compat)
		}
		sys := root.ByPhandle(u32(n[0], "regmap"))
		if sys == nil || len(root.Compatible("syscon")) != 1 || root.Compatible("syscon")[0] != sys || reg(sys).Addr != TestBase {
			t.Errorf("%s: regmap does not lead to the syscon at %#x", compat, TestBase)
		}
	}

	// Every virtio-mmio slot, in address order, on its own PLIC source.
	virtio := root.Compatible("virtio,mmio")
	if len(virtio) != VirtioSlots {
		t.Fatalf("%d virtio,mmio nodes, want %d", len(virtio), VirtioSlots)
	}
	for i, n := range virtio {
		if reg(n) != (MemRange{uint64(VirtioBase + i*VirtioStride), VirtioStride}) || u32(n, "interrupts") != uint32(VirtioIRQ+i) ||
			root.ByPhandle(u32(n, "interrupt-parent")) != plic {
			t.Errorf("virtio slot %d: %s", i, n.Name)
		}
	}
	if u32(stdout, "interrupts") != UARTIRQ || root.ByPhandle(u32(stdout, "interrupt-parent")) != plic {
		t.Error("serial interrupt")
	}
}

// Linux's binding schemas (Documentation/devicetree/bindings/riscv/cpus.yaml,
// extensions.yaml, interrupt-controller/sifive,plic-1.0.0.yaml,
// timer/sifive,clint.yaml), checked by hand for the properties the board
// uses; dt-schema itself needs the kernel tree.
func TestBoardBindings(t *testing.T) {
	c := testConfig()
	c.Extensions = append(c.Extensions, "sstc")
	_, root := board(t, c)
	cpu := root.Lookup("/cpus/cpu@0")
	isa, _ := cpu.Prop("riscv,isa")
	// extensions.yaml: riscv,isa pattern.
	isaRE := regexp.MustCompile(`^rv(?:64|32)imaf?d?q?c?b?k?j?p?v?h?(?:[hsxz](?:[0-9a-z])+)?(?:_[hsxz](?:[0-9a-z])+)*$`)
	if s, _ := String(isa); !isaRE.MatchString(s) || s != "rv64imafdc_zicntr_zicsr_zifencei_sstc" {
		t.Errorf("riscv,isa %q", s)
	}
	base, _ := cpu.Prop("riscv,isa-base")
	if s, _ := String(base); s != "rv64i" {
		t.Errorf("riscv,isa-base %q", s)
	}
	v, _ := cpu.Prop("riscv,isa-extensions")
	exts, _ := Strings(v)
	if want := []string{"i", "m", "a", "f", "d", "c", "sstc", "zicntr", "zicsr", "zifencei"}; !slices.Equal(exts, want) {
		t.Errorf("riscv,isa-extensions %q, want %q", exts, want)
	}
	// cpus.yaml: timebase-frequency belongs to /cpus, not to a cpu node.
	if _, ok := cpu.Prop("timebase-frequency"); ok {
		t.Error("timebase-frequency in the cpu node")
	}
	required := map[string][]string{
		"/cpus/cpu@0/interrupt-controller": {"#interrupt-cells", "compatible", "interrupt-controller"},
		"/soc/plic@c000000":                {"compatible", "reg", "interrupts-extended", "interrupt-controller", "#address-cells", "#interrupt-cells", "riscv,ndev"},
		"/soc/clint@2000000":               {"compatible", "reg", "interrupts-extended"},
		"/soc/serial@10000000":             {"compatible", "reg", "interrupts"},
		"/soc/virtio_mmio@10001000":        {"compatible", "reg", "interrupts"},
		"/poweroff":                        {"compatible", "regmap", "value"},
		"/reboot":                          {"compatible", "regmap", "value"},
	}
	for path, props := range required {
		n := root.Lookup(path)
		if n == nil {
			t.Errorf("%s missing", path)
			continue
		}
		for _, p := range props {
			if _, ok := n.Prop(p); !ok {
				t.Errorf("%s: %s missing", path, p)
			}
		}
	}
}

func TestISAStrings(t *testing.T) {
	tests := []struct {
		in       []string
		isa      string
		exts     string
		errMatch string
	}{
		{in: DefaultExtensions(), isa: "rv64imafdc_zicntr_zicsr_zifencei", exts: "i m a f d c zicntr zicsr zifencei"},
		{in: []string{"c", "a", "sstc", "zifencei", "m", "i", "zba"}, isa: "rv64imac_zifencei_zba_sstc", exts: "i m a c sstc zba zifencei"},
		{in: []string{"i", "m"}, errMatch: `lack "a"`},
		{in: []string{"i", "m", "a", "a"}, errMatch: "twice"},
		{in: []string{"i", "m", "a", "Zicsr"}, errMatch: "lower-case"},
		{in: []string{"i", "m", "a", "y"}, errMatch: "lower-case"},
		{in: []string{"i", "m", "a", "z"}, errMatch: "lower-case"},
	}
	for _, tc := range tests {
		isa, exts, err := isaStrings(tc.in)
		if tc.errMatch != "" {
			if err == nil || !strings.Contains(err.Error(), tc.errMatch) {
				t.Errorf("%v: err %v, want %q", tc.in, err, tc.errMatch)
			}
			continue
		}
		if err != nil || isa != tc.isa || strings.Join(exts, " ") != tc.exts {
			t.Errorf("%v: %q %q %v, want %q %q", tc.in, isa, exts, err, tc.isa, tc.exts)
		}
	}
}

func TestBoardRejects(t *testing.T) {
	tests := []struct {
		name string
		edit func(*BoardConfig)
		want string
	}{
		{"no RAM", func(c *BoardConfig) { c.RAMSize = 0 }, "RAM"},
		{"RAM wraps", func(c *BoardConfig) { c.RAMBase = ^uint64(0) }, "RAM"},
		{"no timebase", func(c *BoardConfig) { c.TimebaseHz = 0 }, "timebase"},
		{"no mmu", func(c *BoardConfig) { c.MMU = "" }, "mmu-type"},
		{"short seed", func(c *BoardConfig) { c.RNGSeed = c.RNGSeed[:31] }, "rng-seed"},
		{"NUL in bootargs", func(c *BoardConfig) { c.Bootargs = "a\x00b" }, "NUL"},
		{"initrd reversed", func(c *BoardConfig) { c.InitrdStart, c.InitrdEnd = c.InitrdEnd, c.InitrdStart }, "initrd"},
		{"initrd outside RAM", func(c *BoardConfig) { c.InitrdEnd = c.RAMBase + c.RAMSize + 1 }, "initrd"},
		{"initrd start only", func(c *BoardConfig) { c.InitrdEnd = 0 }, "initrd"},
		{"9 virtio slots", func(c *BoardConfig) { c.VirtioSlots = 9 }, "virtio"},
		{"negative slots", func(c *BoardConfig) { c.VirtioSlots = -1 }, "virtio"},
		{"no extensions", func(c *BoardConfig) { c.Extensions = nil }, "rv64ima"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := testConfig()
			tc.edit(&c)
			_, err := Board(c)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// Without an initrd there are no initrd properties; fewer slots, fewer nodes.
func TestBoardOptional(t *testing.T) {
	c := testConfig()
	c.InitrdStart, c.InitrdEnd, c.VirtioSlots = 0, 0, 2
	_, root := board(t, c)
	if _, ok := root.Lookup("/chosen").Prop("linux,initrd-start"); ok {
		t.Error("initrd properties without an initrd")
	}
	if n := len(root.Compatible("virtio,mmio")); n != 2 {
		t.Errorf("%d virtio nodes, want 2", n)
	}
}
