package machine_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/reprovm/reprovm/machine"
)

// loadBench returns a machine with the benchmark program prog loaded and
// its tohost word watched, ready to run.
func loadBench(t *testing.T, prog benchProgram) *machine.Machine { return loadBenchB(t, prog) }

func loadBenchB(t testing.TB, prog benchProgram) *machine.Machine {
	t.Helper()
	m, err := machine.New(machine.Config{Reference: prog.reference})
	if err != nil {
		t.Fatal(err)
	}
	img, err := m.LoadELF(prog.elf)
	if err != nil {
		t.Fatal(err)
	}
	m.WatchToHost(benchSymbol(t, img, "tohost"))
	return m
}

// runTo runs m until instret n, which must come before the program ends.
func runTo(t *testing.T, m *machine.Machine, n uint64) {
	t.Helper()
	stop, err := m.Run(context.Background(), n-m.Instret())
	if err != nil || stop.Reason != machine.StopLimit || m.Instret() != n {
		t.Fatalf("run to %d: stop %+v, err %v, at %d", n, stop, err, m.Instret())
	}
}

func root(t *testing.T, m *machine.Machine) machine.StateRoots {
	t.Helper()
	r, err := m.StateRoot()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestStateRootResume checks the state root against the properties issue
// 8 asks for, on the memory benchmark (which writes many pages) and the
// integer one: taking roots changes nothing (a run with a root every 50,000
// instructions ends in the same state as a run with one root at the end);
// a machine restored from a snapshot taken at a checkpoint has that
// checkpoint's root, and after running on reaches the straight run's
// roots; the incremental roots equal a root computed from scratch by a
// fresh machine restored at the same point; and the root changes when the
// state does.
func TestStateRootResume(t *testing.T) {
	for _, name := range []string{"memchase", "hashsort"} {
		t.Run(name, func(t *testing.T) {
			var prog benchProgram
			for _, w := range benchWorkloads {
				if w.name == name {
					prog = w.build(t, t.TempDir(), true)
				}
			}
			const step, steps = 50_000, 6
			straight := loadBench(t, prog)
			var roots []machine.StateRoots
			var snapAt bytes.Buffer
			for i := 1; i <= steps; i++ {
				runTo(t, straight, uint64(i*step))
				roots = append(roots, root(t, straight))
				if i == 2 {
					if err := straight.SaveSnapshot(&snapAt, nil); err != nil {
						t.Fatal(err)
					}
				}
				if i > 1 && roots[i-1].Root == roots[i-2].Root {
					t.Fatalf("root at %d equals the root at %d", i*step, (i-1)*step)
				}
				if i > 1 && roots[i-1].RAM == roots[i-2].RAM && name == "memchase" {
					t.Fatalf("RAM root unchanged between %d and %d", (i-1)*step, i*step)
				}
			}

			// Roots begun beside the guest, waited for only at the end,
			// are the same roots.
			async := loadBench(t, prog)
			var pending []*machine.PendingRoot
			for i := 1; i <= steps; i++ {
				runTo(t, async, uint64(i*step))
				p, err := async.BeginStateRoot()
				if err != nil {
					t.Fatal(err)
				}
				pending = append(pending, p)
			}
			for i, p := range pending {
				if got := p.Wait(); got != roots[i] {
					t.Fatalf("root begun at %d: %x, StateRoot %x", (i+1)*step, got.Root, roots[i].Root)
				}
			}

			once := loadBench(t, prog)
			runTo(t, once, steps*step)
			if got := root(t, once); got != roots[steps-1] {
				t.Fatalf("one root at the end %x, with a root every %d instructions %x", got.Root, step, roots[steps-1].Root)
			}

			resumed, err := machine.RestoreSnapshot(bytes.NewReader(snapAt.Bytes()), machine.Config{})
			if err != nil {
				t.Fatal(err)
			}
			if got := root(t, resumed); got != roots[1] {
				t.Fatalf("restored root %+v, want the checkpoint's %+v", got, roots[1])
			}
			for i := 3; i <= steps; i++ {
				runTo(t, resumed, uint64(i*step))
				if got := root(t, resumed); got != roots[i-1] {
					t.Fatalf("resumed root at %d: %+v, straight run %+v", i*step, got, roots[i-1])
				}
			}
		})
	}
}

// TestStateRootLeaves: a machine restored from a snapshot with leaf
// hashes has its RAM tree at once, and its roots, at the restore and after
// running on (roots begun beside the guest included), are those of a
// machine restored from the plain snapshot, which hashes all its RAM.
func TestStateRootLeaves(t *testing.T) {
	var prog benchProgram
	for _, w := range benchWorkloads {
		if w.name == "memchase" {
			prog = w.build(t, t.TempDir(), true)
		}
	}
	m := loadBench(t, prog)
	runTo(t, m, 200_000)
	var plain, leaves bytes.Buffer
	if err := m.SaveSnapshot(&plain, nil); err != nil {
		t.Fatal(err)
	}
	if err := m.SaveSnapshotWithLeaves(&leaves, nil); err != nil {
		t.Fatal(err)
	}
	want := root(t, m)
	a, err := machine.RestoreSnapshot(bytes.NewReader(plain.Bytes()), machine.Config{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := machine.RestoreSnapshot(bytes.NewReader(leaves.Bytes()), machine.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if a.HasRAMTree() || !b.HasRAMTree() {
		t.Fatalf("RAM trees after restore: plain %v, with leaves %v; want false, true", a.HasRAMTree(), b.HasRAMTree())
	}
	var again bytes.Buffer
	if err := b.SaveSnapshot(&again, nil); err != nil || !bytes.Equal(again.Bytes(), plain.Bytes()) {
		t.Fatalf("the plain snapshot of the machine restored with leaves differs from the original's (%v)", err)
	}
	if ra, rb := root(t, a), root(t, b); ra != want || rb != want {
		t.Fatalf("roots after restore: from scratch %x, with leaves %x; the saved machine's %x", ra.Root, rb.Root, want.Root)
	}
	for _, n := range []uint64{250_000, 300_000} {
		runTo(t, a, n)
		runTo(t, b, n)
		p, err := b.BeginStateRoot()
		if err != nil {
			t.Fatal(err)
		}
		if ra, rb := root(t, a), p.Wait(); ra != rb {
			t.Fatalf("at %d: root %x, restored with leaves %x", n, ra.Root, rb.Root)
		}
	}
}

// BenchmarkCheckpointOverhead runs each benchmark program to the end with
// and without a state root every 2^22 instructions (the programs retire
// 110-150 million, so a build's 2^28 would give them no checkpoint at all)
// and reports the overhead of the roots, the roots taken and the time of
// the first (full) root.
func BenchmarkCheckpointOverhead(b *testing.B) {
	const every = 1 << 22
	for _, w := range benchWorkloads {
		b.Run(w.name, func(b *testing.B) {
			prog := w.build(b, b.TempDir(), false)
			var plain, withRoots, first time.Duration
			var roots int
			for b.Loop() {
				b.StopTimer()
				_, d, _ := benchRun(b, prog)
				plain += d
				m := loadBenchB(b, prog)
				b.StartTimer()
				start := time.Now()
				for i := 0; ; i++ {
					stop, err := m.Run(context.Background(), every)
					if err != nil {
						b.Fatal(err)
					}
					t := time.Now()
					if _, err := m.StateRoot(); err != nil {
						b.Fatal(err)
					}
					if i == 0 {
						first += time.Since(t)
					}
					roots++
					if stop.Reason != machine.StopLimit {
						break
					}
				}
				withRoots += time.Since(start)
			}
			b.ReportMetric(100*(withRoots.Seconds()-plain.Seconds())/plain.Seconds(), "%overhead")
			b.ReportMetric(float64(roots)/float64(b.N), "roots/op")
			b.ReportMetric(first.Seconds()*1e3/float64(b.N), "first-root-ms")
		})
	}
}

// TestFindDivergenceNone runs FindDivergence on two copies of the same
// program, which never differ, and on two machines that differ from the
// start, which it must refuse.
func TestFindDivergenceNone(t *testing.T) {
	var prog benchProgram
	for _, w := range benchWorkloads {
		if w.name == "hashsort" {
			prog = w.build(t, t.TempDir(), true)
		}
	}
	cfg := func() machine.Config { return machine.Config{} }
	a := &machine.DivergeSide{M: loadBench(t, prog), Config: cfg}
	b := &machine.DivergeSide{M: loadBench(t, prog), Config: cfg}
	var rounds int
	d, err := machine.FindDivergence(context.Background(), a, b, 300_000, func(from, to, chunk uint64) { rounds++ })
	if err != nil || d != nil {
		t.Fatalf("identical runs: divergence %+v, err %v", d, err)
	}
	if a.M.Instret() != 300_000 || b.M.Instret() != 300_000 || rounds != 1 {
		t.Fatalf("stopped at %d/%d after %d rounds, want 300000 and one round", a.M.Instret(), b.M.Instret(), rounds)
	}

	c := loadBench(t, prog)
	if err := c.WritePhys(machine.RAMBase+1<<20, []byte{1}); err != nil {
		t.Fatal(err)
	}
	_, err = machine.FindDivergence(context.Background(), &machine.DivergeSide{M: loadBench(t, prog), Config: cfg}, &machine.DivergeSide{M: c, Config: cfg}, 1000, nil)
	if err != machine.ErrAlreadyDiffer {
		t.Fatalf("machines that differ from the start: err %v, want ErrAlreadyDiffer", err)
	}
}
