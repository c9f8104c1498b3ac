package machine_test

// Guest-speed benchmarks on three named workloads (issue 2, "Benchmarks"):
//
//   - hashsort: integer code written in Go (testdata/bench/hashsort.go),
//     compiled by the Go toolchain for riscv64, its kernel function lifted
//     out of the linked binary and run bare metal;
//   - matmul: double-precision matrix multiply in C (testdata/bench/matmul.c);
//   - memchase: random pointer chasing over 64 MiB of 4 KiB pages under Sv39
//     (testdata/bench/memchase.c), which loads the software TLB.
//
// Each program checks its own result against a value the host computed, so a
// benchmark run is also a correctness test. The figure is guest MIPS: retired
// instructions per second of Run. When qemu-system-riscv64 is installed the
// same ELF is timed under QEMU's TCG once, for comparison (qemu-MIPS counts
// QEMU's process start-up too, so it understates QEMU on short runs).
//
// testdata/bench/README.md says how the programs are built.

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"flag"
	"fmt"
	"maps"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/reprovm/reprovm/internal/rvtest"
	"github.com/reprovm/reprovm/machine"
)

var benchQEMU = flag.Bool("bench.qemu", true, "also time each benchmark program once under qemu-system-riscv64")

// benchDir holds the benchmark programs' sources.
const benchDir = "testdata/bench"

// benchProgram is a built benchmark: a bare-metal ELF whose `result` word
// must end up holding want, and which then writes 1 to tohost.
type benchProgram struct {
	elf       []byte
	want      uint64
	reference bool // run with machine.Config.Reference
}

// benchWorkload builds one program at a full (benchmark) or small (test) size.
type benchWorkload struct {
	name  string
	build func(tb testing.TB, dir string, small bool) benchProgram
}

var benchWorkloads = []benchWorkload{
	{"hashsort", buildHashSort},
	{"matmul", buildMatmul},
	{"memchase", buildMemchase},
}

// benchMaxInsns bounds one run; the full-size programs retire 50-200 million.
const benchMaxInsns = 2_000_000_000

// BenchmarkGuest reports guest MIPS per workload: instructions retired by
// Run over the time Run took (building the machine and loading the ELF are
// not timed), the instructions per run, and QEMU's time on the same ELF.
func BenchmarkGuest(b *testing.B) {
	for _, w := range benchWorkloads {
		b.Run(w.name, func(b *testing.B) {
			prog := w.build(b, b.TempDir(), false)
			var qemuTime time.Duration
			if *benchQEMU {
				qemuTime = benchTimeQEMU(b, b.TempDir(), prog)
			}
			var insns, runs uint64
			var elapsed, cpu time.Duration
			for b.Loop() {
				n, d, c := benchRun(b, prog)
				insns += n
				elapsed += d
				cpu += c
				runs++
			}
			b.ReportMetric(float64(insns)/elapsed.Seconds()/1e6, "MIPS")
			if cpu > 0 {
				b.ReportMetric(float64(insns)/cpu.Seconds()/1e6, "cpu-MIPS")
			}
			b.ReportMetric(float64(insns/runs)/1e6, "Minsns/op")
			if qemuTime > 0 {
				b.ReportMetric(float64(qemuTime)/1e6, "qemu-ms/op")
				b.ReportMetric(float64(insns/runs)/qemuTime.Seconds()/1e6, "qemu-MIPS")
			}
		})
		b.Run(w.name+"-translated", func(b *testing.B) { benchTranslated(b, w) })
	}
}

// TestBenchProgramsDeterministic runs each benchmark program, at a small
// size, three times on fresh machines, the last with the interpreter's fast
// paths off (machine.Config.Reference): every run must pass its
// self-check, leave the host-computed result in memory, and retire the same
// instructions.
func TestBenchProgramsDeterministic(t *testing.T) {
	for _, w := range benchWorkloads {
		t.Run(w.name, func(t *testing.T) {
			prog := w.build(t, t.TempDir(), true)
			first, _, _ := benchRun(t, prog)
			second, _, _ := benchRun(t, prog)
			prog.reference = true
			third, _, _ := benchRun(t, prog)
			if first != second || first != third {
				t.Fatalf("instret differs between runs: %d, %d, then %d with the fast paths off", first, second, third)
			}
			t.Logf("%d instructions", first)
		})
	}
}

// TestBenchProgramsOnQEMU checks the programs and the host's expected values
// against the reference emulator, independently of the hart.
func TestBenchProgramsOnQEMU(t *testing.T) {
	for _, w := range benchWorkloads {
		t.Run(w.name, func(t *testing.T) {
			dir := t.TempDir()
			benchTimeQEMU(t, dir, w.build(t, dir, true))
		})
	}
}

// benchRun runs prog on a fresh machine until it writes tohost, checks that
// it passed with the expected result, and returns the retired instructions
// and the wall and thread CPU time Run took. Machine set-up is outside a
// benchmark's timer.
func benchRun(tb testing.TB, prog benchProgram) (uint64, time.Duration, time.Duration) {
	tb.Helper()
	return benchRunConfig(tb, prog, machine.Config{})
}

// benchRunConfig is benchRun on a machine built from cfg.
func benchRunConfig(tb testing.TB, prog benchProgram, cfg machine.Config) (uint64, time.Duration, time.Duration) {
	tb.Helper()
	b, _ := tb.(*testing.B)
	if b != nil {
		b.StopTimer()
	}
	cfg.Reference = cfg.Reference || prog.reference
	m, err := machine.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	img, err := m.LoadELF(prog.elf)
	if err != nil {
		tb.Fatal(err)
	}
	m.WatchToHost(benchSymbol(tb, img, "tohost"))
	if b != nil {
		b.StartTimer()
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start, startCPU := time.Now(), threadCPU()
	stop, err := m.Run(tb.Context(), benchMaxInsns)
	elapsed, cpu := time.Since(start), threadCPU()-startCPU
	if err != nil {
		tb.Fatalf("run: %v (pc %#x, %d instructions)", err, m.PC(), m.Instret())
	}
	var word [8]byte
	if err := m.ReadPhys(benchSymbol(tb, img, "result"), word[:]); err != nil {
		tb.Fatal(err)
	}
	got := binary.LittleEndian.Uint64(word[:])
	switch {
	case stop.Reason != machine.StopToHost:
		tb.Fatalf("stopped with reason %d after %d instructions at pc %#x, want a tohost write", stop.Reason, m.Instret(), m.PC())
	case got != prog.want:
		tb.Fatalf("result %#x, want %#x (tohost %#x)", got, prog.want, stop.ToHost)
	case stop.ToHost != 1:
		tb.Fatalf("tohost %#x, want 1 (pass); code %#x", stop.ToHost, stop.ToHost>>1)
	}
	return m.Instret(), elapsed, cpu
}

func benchSymbol(tb testing.TB, img *machine.ELFImage, name string) uint64 {
	tb.Helper()
	addr, ok := img.Symbols[name]
	if !ok {
		tb.Fatalf("ELF has no symbol %q", name)
	}
	return addr
}

// benchTimeQEMU runs prog under qemu-system-riscv64 (spike board, whose HTIF
// ends QEMU with status 0 on a tohost write of 1) and returns the wall time.
// Without QEMU it returns 0 from a benchmark and skips a test.
func benchTimeQEMU(tb testing.TB, dir string, prog benchProgram) time.Duration {
	tb.Helper()
	if _, ok := tb.(*testing.B); ok {
		if _, err := exec.LookPath("qemu-system-riscv64"); err != nil {
			return 0
		}
	}
	qemu := rvtest.Tool(tb, "qemu-system-riscv64")
	path := filepath.Join(dir, "qemu.elf")
	if err := os.WriteFile(path, prog.elf, 0o644); err != nil {
		tb.Fatal(err)
	}
	cmd := exec.CommandContext(tb.Context(), qemu, "-M", "spike", "-m", "256M", "-bios", "none",
		"-nographic", "-monitor", "none", "-serial", "none", "-kernel", path)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	elapsed := time.Since(start)
	if err != nil {
		tb.Fatalf("qemu: %v (the program failed its self-check under QEMU)\n%s", err, out)
	}
	return elapsed
}

// benchGCC builds a bare-metal program from crt.S and srcs (paths relative
// to testdata/bench) with the given -D defines.
func benchGCC(tb testing.TB, dir string, defines map[string]string, args []string, srcs ...string) []byte {
	tb.Helper()
	abs := func(p string) string {
		a, err := filepath.Abs(filepath.Join(benchDir, p))
		if err != nil {
			tb.Fatal(err)
		}
		return a
	}
	cmd := slices.Concat(rvtest.BareMetal, []string{
		"-O2", "-ffreestanding", "-ffp-contract=off", "-fno-math-errno", "-Wall", "-Werror",
		"-T", abs("bench.ld"),
	})
	for _, k := range slices.Sorted(maps.Keys(defines)) {
		cmd = append(cmd, "-D"+k+"="+defines[k])
	}
	cmd = append(cmd, args...)
	cmd = append(cmd, abs("crt.S"))
	for _, s := range srcs {
		cmd = append(cmd, abs(s))
	}
	return rvtest.GCC(tb, dir, "prog.elf", cmd...)
}

// buildHashSort builds hashsort.go twice with the Go toolchain: natively,
// to run it and learn the expected hash, and for linux/riscv64, to lift the
// machine code of main.hashSort out of the ELF and link it into gostart.S.
func buildHashSort(tb testing.TB, dir string, small bool) benchProgram {
	tb.Helper()
	n, rounds, seed := "16384", "16", "1"
	if small {
		n, rounds, seed = "1000", "2", "7"
	}
	src, err := filepath.Abs(filepath.Join(benchDir, "hashsort.go"))
	if err != nil {
		tb.Fatal(err)
	}
	native := filepath.Join(dir, "hashsort-native")
	benchGo(tb, nil, "build", "-o", native, src)
	out, err := exec.Command(native, n, rounds, seed).Output()
	if err != nil {
		tb.Fatalf("hashsort %s %s %s: %v", n, rounds, seed, err)
	}
	want, err := strconv.ParseUint(strings.TrimSpace(string(out)), 0, 64)
	if err != nil {
		tb.Fatalf("hashsort printed %q: %v", out, err)
	}

	goELF := filepath.Join(dir, "hashsort-riscv64")
	// rva20u64 is RV64GC: no Zba/Zbb, which the hart does not implement.
	benchGo(tb, []string{"GOOS=linux", "GOARCH=riscv64", "GORISCV64=rva20u64", "CGO_ENABLED=0"},
		"build", "-o", goELF, src)
	code := liftFunc(tb, goELF, "main.hashSort")
	if err := os.WriteFile(filepath.Join(dir, "hashsort.bin"), code, 0o644); err != nil {
		tb.Fatal(err)
	}
	elf := benchGCC(tb, dir,
		map[string]string{"N": n, "ROUNDS": rounds, "SEED": seed, "EXPECTED": fmt.Sprintf("%#x", want)},
		[]string{"-Wa,-I," + dir}, "gostart.S")
	return benchProgram{elf: elf, want: want}
}

// benchGo runs the go command with extra environment variables.
func benchGo(tb testing.TB, env []string, args ...string) {
	tb.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		tb.Fatalf("the go command is not on PATH: %v", err)
	}
	cmd := exec.Command(goTool, args...)
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// forbiddenInsn matches, in objdump's output, instructions that would tie a
// lifted function to its place in the Go binary or to the runtime: calls
// (jal with a link register, jalr other than ret), pc-relative addressing
// of data (auipc) and environment calls.
var forbiddenInsn = regexp.MustCompile(`\t(jal|jalr|call|tail|auipc|ecall|ebreak)\s`)

// liftFunc returns the machine code of the function sym in the ELF at path,
// after checking with objdump that it is a position-independent leaf.
func liftFunc(tb testing.TB, path, sym string) []byte {
	tb.Helper()
	f, err := elf.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	for _, s := range syms {
		if s.Name != sym {
			continue
		}
		if elf.ST_TYPE(s.Info) != elf.STT_FUNC || s.Size == 0 || int(s.Section) >= len(f.Sections) {
			tb.Fatalf("%s: %s is not a sized function symbol", path, sym)
		}
		sec := f.Sections[s.Section]
		code := make([]byte, s.Size)
		if _, err := sec.ReadAt(code, int64(s.Value-sec.Addr)); err != nil {
			tb.Fatalf("%s: reading %s: %v", path, sym, err)
		}
		dis := rvtest.Run(tb, "riscv64-linux-gnu-objdump", "-d", "--disassemble="+sym, path)
		if bad := forbiddenInsn.FindAll(dis, -1); len(bad) > 0 || !bytes.Contains(dis, []byte("\tret")) {
			tb.Fatalf("%s is not a self-contained leaf (found %q):\n%s", sym, bad, dis)
		}
		return code
	}
	tb.Fatalf("%s: no symbol %s", path, sym)
	return nil
}

// buildMatmul builds matmul.c with the checksum computed here.
func buildMatmul(tb testing.TB, dir string, small bool) benchProgram {
	tb.Helper()
	n, reps, seed := 200, 2, uint64(1)
	if small {
		n, reps, seed = 24, 2, 3
	}
	want := matmulChecksum(n, reps, seed)
	elf := benchGCC(tb, dir, map[string]string{
		"N": strconv.Itoa(n), "REPS": strconv.Itoa(reps),
		"SEED": strconv.FormatUint(seed, 10), "EXPECTED": fmt.Sprintf("%#x", want),
	}, nil, "matmul.c")
	return benchProgram{elf: elf, want: want}
}

// matmulChecksum is matmul.c's computation in the same operation order.
// Every product is converted to float64 explicitly so that the compiler may
// not fuse it with the following addition (Go spec, "Floating-point
// operators"): the guest's gcc was told -ffp-contract=off for the same
// reason.
func matmulChecksum(n, reps int, seed uint64) uint64 {
	s := seed
	uniform := func() float64 {
		s ^= s << 13
		s ^= s >> 7
		s ^= s << 17
		return float64(float64(s>>11) * 0x1p-53)
	}
	a := make([]float64, n*n)
	b := make([]float64, n*n)
	c := make([]float64, n*n)
	for i := range a {
		a[i] = uniform()
	}
	for i := range b {
		b[i] = uniform() - 0.5
	}
	for range reps {
		for i := range n {
			for j := range n {
				var sum float64
				for k := range n {
					sum += float64(a[i*n+k] * b[k*n+j])
				}
				c[i*n+j] = sum
			}
		}
		for i := range n {
			a[i*n+i] = a[i*n+i] / (1 + math.Abs(c[i*n+i]))
		}
	}
	var sum float64
	for i := range n {
		sum += math.Sqrt(math.Abs(c[i*n+n-1-i])) / (2 + c[i*n+i])
	}
	for _, v := range c {
		sum += v
	}
	return math.Float64bits(sum)
}

// buildMemchase builds memchase.c with the hash computed here.
func buildMemchase(tb testing.TB, dir string, small bool) benchProgram {
	tb.Helper()
	nodes, steps, seed := uint64(1<<20), uint64(8<<20), uint64(1)
	if small {
		nodes, steps, seed = 1<<14, 1<<16, 5
	}
	want := memchaseHash(nodes, steps, seed)
	elf := benchGCC(tb, dir, map[string]string{
		"NODES": strconv.FormatUint(nodes, 10), "STEPS": strconv.FormatUint(steps, 10),
		"SEED": strconv.FormatUint(seed, 10), "EXPECTED": fmt.Sprintf("%#x", want),
	}, nil, "memchase.c")
	return benchProgram{elf: elf, want: want}
}

// memchaseHash is memchase.c's smain on plain slices: what the guest must
// compute when every virtual page maps where the page tables say.
func memchaseHash(nodes, steps, seed uint64) uint64 {
	s := seed
	below := func(n uint64) uint64 {
		s ^= s << 13
		s ^= s >> 7
		s ^= s << 17
		return (s >> 32 * n) >> 32
	}
	next := make([]uint32, nodes)
	count := make([]uint32, nodes)
	for i := range next {
		next[i] = uint32(i)
	}
	for i := nodes - 1; i > 0; i-- {
		j := below(i)
		next[i], next[j] = next[j], next[i]
	}
	var h, p uint64
	for range steps {
		p = uint64(next[p])
		count[p]++
		h = h*31 + p
	}
	for i := range nodes {
		h = h*31 + uint64(count[(i*40503)&(nodes-1)])
	}
	return h
}
