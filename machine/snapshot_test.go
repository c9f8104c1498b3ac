package machine_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/reprovm/reprovm/machine"
)

// program builds a fresh machine with a bare-metal program loaded, ready to
// Run; resumeCheck snapshots copies of it at several instruction counts.
type program func(t testing.TB) *machine.Machine

// snapshotBytes saves m's state.
func snapshotBytes(t testing.TB, m *machine.Machine, note string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := m.SaveSnapshot(&buf, []byte(note)); err != nil {
		t.Fatalf("SaveSnapshot at %d instructions: %v", m.Instret(), err)
	}
	return buf.Bytes()
}

// resumeCheck runs prog straight to its stop and records the stop, the
// instruction count and the final snapshot. Then, for each count in at
// (below the total), it runs a fresh copy to that count, snapshots it
// twice (the bytes must be equal), restores the snapshot into a new
// machine, runs that to its stop, and requires the same stop, count and
// final snapshot bytes: the final snapshot holds the complete state, RAM
// included, so equal bytes mean an identical machine.
func resumeCheck(t *testing.T, cfg machine.Config, prog program, at func(total uint64) []uint64) {
	t.Helper()
	ctx := context.Background()
	const budget = 2_000_000_000
	straight := prog(t)
	want, err := straight.Run(ctx, budget)
	if err != nil {
		t.Fatal(err)
	}
	total := straight.Instret()
	if want.Reason == machine.StopLimit {
		t.Fatalf("the program did not stop within %d instructions", budget)
	}
	final := snapshotBytes(t, straight, "end")
	points := at(total)
	for _, n := range points {
		if n >= total {
			continue
		}
		m := prog(t)
		if stop, err := m.Run(ctx, n); err != nil || m.Instret() != n && stop.Reason == machine.StopLimit {
			t.Fatalf("run to %d: %+v at %d, %v", n, stop, m.Instret(), err)
		} else if stop.Reason != machine.StopLimit {
			continue // stopped early (a tohost write before n)
		}
		snap := snapshotBytes(t, m, "mid")
		if again := snapshotBytes(t, m, "mid"); !bytes.Equal(snap, again) {
			t.Fatalf("two snapshots at %d instructions differ", n)
		}
		r, err := machine.RestoreSnapshot(bytes.NewReader(snap), cfg)
		if err != nil {
			t.Fatalf("restore at %d: %v", n, err)
		}
		if r.Instret() != n {
			t.Fatalf("restored machine at %d instructions, want %d", r.Instret(), n)
		}
		if !bytes.Equal(snapshotBytes(t, r, "mid"), snap) {
			t.Fatalf("the restored machine's snapshot at %d differs from the one it was restored from", n)
		}
		got, err := r.Run(ctx, budget)
		if err != nil {
			t.Fatal(err)
		}
		if got != want || r.Instret() != total {
			t.Fatalf("resumed at %d: stop %+v after %d instructions; straight: %+v after %d", n, got, r.Instret(), want, total)
		}
		if !bytes.Equal(snapshotBytes(t, r, "end"), final) {
			t.Fatalf("resumed at %d: the final state differs from the straight run's", n)
		}
	}
	t.Logf("%d instructions, resumed from %d points, final snapshot %d bytes", total, len(points), len(final))
}

// spread returns fixed early counts, fractions of total and a few
// pseudo-random counts (fixed seed), so that snapshots fall inside trap
// handlers, page walks and timer waits as well as at the edges.
func spread(randoms int) func(total uint64) []uint64 {
	return func(total uint64) []uint64 {
		pts := []uint64{0, 1, 2, 3, 10, 100, total / 7, total / 3, total / 2, total * 2 / 3, total - 2, total - 1}
		rng := rand.New(rand.NewPCG(1, 2))
		for range randoms {
			pts = append(pts, rng.Uint64N(total))
		}
		slices.Sort(pts)
		return slices.Compact(pts)
	}
}

// TestSnapshotResumeISA resumes every program of the ISA suite (traps,
// interrupts, timers, Sstc, paging with A/D updates, LR/SC, FP state) from
// snapshots at many instruction counts.
func TestSnapshotResumeISA(t *testing.T) {
	cfg := machine.Config{RAMSize: 16 << 20}
	for _, tc := range isaTests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, elf := buildISA(t, tc)
			resumeCheck(t, cfg, func(t testing.TB) *machine.Machine {
				return loadTest(t, cfg, elf)
			}, spread(12))
		})
	}
}

// TestSnapshotResumeBench resumes the benchmark programs at a small size:
// memchase walks 16384 Sv39 pages through the TLB, matmul is FP-heavy.
func TestSnapshotResumeBench(t *testing.T) {
	cfg := machine.Config{}
	for _, w := range benchWorkloads {
		if w.name == "hashsort" {
			continue // integer code like the ISA suite, but a Go build to make
		}
		t.Run(w.name, func(t *testing.T) {
			prog := w.build(t, t.TempDir(), true)
			resumeCheck(t, cfg, func(t testing.TB) *machine.Machine {
				return loadTest(t, cfg, prog.elf)
			}, spread(3))
		})
	}
}

// loadTest makes a machine with the ELF loaded and tohost watched.
func loadTest(t testing.TB, cfg machine.Config, elf []byte) *machine.Machine {
	t.Helper()
	m, err := machine.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	img, err := m.LoadELF(elf)
	if err != nil {
		t.Fatal(err)
	}
	m.WatchToHost(img.Symbols["tohost"])
	return m
}

// TestSnapshotPowerOff: a machine the guest powered off stays off after a
// restore, and Run returns the same stop again.
func TestSnapshotPowerOff(t *testing.T) {
	cfg := machine.Config{RAMSize: 1 << 20}
	m, err := machine.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// li t0, 0x100000 (the test finisher); li t1, 0x2a3333 (fail, code 42);
	// sw t1, 0(t0); j .
	prog := []byte{
		0xb7, 0x02, 0x10, 0x00, // lui  t0, 0x100
		0x37, 0x33, 0x2a, 0x00, // lui  t1, 0x2a3
		0x1b, 0x03, 0x33, 0x33, // addiw t1, t1, 0x333
		0x23, 0xa0, 0x62, 0x00, // sw   t1, 0(t0)
		0x6f, 0x00, 0x00, 0x00, // j .
	}
	if err := m.WritePhys(machine.RAMBase, prog); err != nil {
		t.Fatal(err)
	}
	m.Reset(machine.RAMBase)
	stop, err := m.Run(context.Background(), 100)
	if err != nil || stop.Reason != machine.StopPowerOff || stop.ExitCode != 42 {
		t.Fatalf("stop %+v, %v; want a power-off with code 42", stop, err)
	}
	snap := snapshotBytes(t, m, "")
	info, err := machine.ReadSnapshotInfo(bytes.NewReader(snap))
	if err != nil || !info.PoweredOff || info.Instret != 4 {
		t.Fatalf("info %+v, %v", info, err)
	}
	r, err := machine.RestoreSnapshot(bytes.NewReader(snap), cfg)
	if err != nil {
		t.Fatal(err)
	}
	again, err := r.Run(context.Background(), 100)
	if err != nil || again != stop || r.Instret() != 4 {
		t.Fatalf("restored machine: stop %+v after %d, %v; want %+v after 4", again, r.Instret(), err, stop)
	}
}

// TestSnapshotCorrupt: damage anywhere in a snapshot gives an error, not a
// panic or a machine.
func TestSnapshotCorrupt(t *testing.T) {
	cfg := machine.Config{RAMSize: 1 << 20}
	snap := fuzzSeed(t)
	if _, err := machine.RestoreSnapshot(bytes.NewReader(snap), cfg); err != nil {
		t.Fatalf("the intact snapshot: %v", err)
	}
	for _, n := range []int{0, 7, 16, 40, len(snap) / 2, len(snap) - 1} {
		if _, err := machine.RestoreSnapshot(bytes.NewReader(snap[:n]), cfg); err == nil {
			t.Errorf("a snapshot cut at %d of %d bytes restored", n, len(snap))
		}
	}
	if _, err := machine.RestoreSnapshot(strings.NewReader("hello, world, not a snapshot"), cfg); !errors.Is(err, machine.ErrNotSnapshot) {
		t.Errorf("text: %v, want ErrNotSnapshot", err)
	}
	for i := 8; i < len(snap); i += max(1, len(snap)/300) {
		b := bytes.Clone(snap)
		b[i] ^= 0x41
		if _, err := machine.RestoreSnapshot(bytes.NewReader(b), cfg); err == nil {
			// Only the header's note can change without detection: the
			// body carries zstd's content checksum.
			info, ierr := machine.ReadSnapshotInfo(bytes.NewReader(b))
			if ierr != nil || bytes.Equal(info.Note, []byte("seed")) {
				t.Errorf("a flip of byte %d of %d restored", i, len(snap))
			}
		}
	}
	// The zstd checksum is the frame's last 4 bytes: the message names the
	// compressed body and the checksum, not the section being read when
	// the mismatch surfaced (it once said "section drive 4").
	badSum := bytes.Clone(snap)
	badSum[len(badSum)-2] ^= 1
	if _, err := machine.RestoreSnapshot(bytes.NewReader(badSum), cfg); err == nil || !strings.Contains(err.Error(), "zstd checksum") || strings.Contains(err.Error(), "section") && !strings.Contains(err.Error(), "every section") {
		t.Errorf("a damaged zstd checksum: %v", err)
	}
	withTrailer := append(bytes.Clone(snap), 0)
	if _, err := machine.RestoreSnapshot(bytes.NewReader(withTrailer), cfg); err == nil {
		t.Errorf("a snapshot with a trailing byte restored")
	}
}

// fuzzSeed is a small real snapshot: a 1 MiB machine part way through a
// loop that stores to RAM, with pages of code and data and TLB entries.
func fuzzSeed(t testing.TB) []byte {
	t.Helper()
	m, err := machine.New(machine.Config{RAMSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	prog := []byte{
		0x97, 0x12, 0x00, 0x00, // auipc t0, 1
		0x23, 0xb0, 0x62, 0x00, // sd t1, 0(t0)
		0x05, 0x03, //             c.addi t1, 1
		0xa1, 0x02, //             c.addi t0, 8
		0xe5, 0xbf, //             c.j -8 (back to the sd)
	}
	if err := m.WritePhys(machine.RAMBase, prog); err != nil {
		t.Fatal(err)
	}
	m.Reset(machine.RAMBase)
	if _, err := m.Run(context.Background(), 1000); err != nil {
		t.Fatal(err)
	}
	return snapshotBytes(t, m, "seed")
}

// FuzzRestoreSnapshot feeds arbitrary bytes to RestoreSnapshot: it must
// return a machine or an error, never panic, and a machine it returns must
// snapshot and run.
func FuzzRestoreSnapshot(f *testing.F) {
	f.Add(fuzzSeed(f))
	f.Add([]byte("RPVMSNAP\x01\x00\x00\x00\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := machine.RestoreSnapshot(bytes.NewReader(data), machine.Config{RAMSize: 1 << 20})
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := m.SaveSnapshot(&buf, nil); err != nil {
			t.Fatalf("a restored machine does not snapshot: %v", err)
		}
		if _, err := m.Run(context.Background(), 1000); err != nil {
			t.Fatal(err)
		}
	})
}

// Example: snapshot a running machine and continue in another one.
func ExampleMachine_SaveSnapshot() {
	cfg := machine.Config{RAMSize: 1 << 20}
	m, _ := machine.New(cfg)
	_ = m.WritePhys(machine.RAMBase, []byte{0x05, 0x03, 0xfd, 0xbf}) // c.addi t1, 1; c.j -2
	m.Reset(machine.RAMBase)
	_, _ = m.Run(context.Background(), 1000)

	var buf bytes.Buffer
	if err := m.SaveSnapshot(&buf, []byte("counting loop")); err != nil {
		panic(err)
	}
	r, err := machine.RestoreSnapshot(&buf, cfg)
	if err != nil {
		panic(err)
	}
	_, _ = r.Run(context.Background(), 1000)
	fmt.Println(r.Instret(), r.Reg(6))
	// Output: 2000 1000
}
