package machine_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/reprovm/reprovm/machine"
)

// benchTranslated is BenchmarkGuest's side-by-side variant on a translating
// machine (Config.Translate): guest MIPS including the time spent
// compiling, which is also reported on its own.
func benchTranslated(b *testing.B, w benchWorkload) {
	prog := w.build(b, b.TempDir(), false)
	var insns, runs uint64
	var elapsed time.Duration
	for b.Loop() {
		n, d, _ := benchRunConfig(b, prog, machine.Config{Translate: true})
		insns += n
		elapsed += d
		runs++
	}
	b.ReportMetric(float64(insns)/elapsed.Seconds()/1e6, "MIPS")
	b.ReportMetric(float64(insns/runs)/1e6, "Minsns/op")
}

// TestTranslateBenchPrograms runs each benchmark program, at a small size,
// interpreted and translated: both must pass their self-check and retire
// the same number of instructions.
func TestTranslateBenchPrograms(t *testing.T) {
	for _, w := range benchWorkloads {
		t.Run(w.name, func(t *testing.T) {
			prog := w.build(t, t.TempDir(), true)
			ref, _, _ := benchRun(t, prog)
			got, _, _ := benchRunConfig(t, prog, machine.Config{Translate: true})
			if got != ref {
				t.Fatalf("translated run retired %d instructions, interpreted %d", got, ref)
			}
			t.Logf("%d instructions", got)
		})
	}
}

// TestTranslateBenchLockstep runs the small benchmark programs in lockstep
// (machine.Lockstep) and checks that most of their instructions ran
// translated.
func TestTranslateBenchLockstep(t *testing.T) {
	for _, w := range benchWorkloads {
		t.Run(w.name, func(t *testing.T) {
			prog := w.build(t, t.TempDir(), true)
			l := benchLockstep(t, prog)
			stop, err := l.Run(t.Context(), benchMaxInsns)
			if err != nil {
				t.Fatal(err)
			}
			if stop.Reason != machine.StopToHost || stop.ToHost != 1 {
				t.Fatalf("stop %+v, want a pass", stop)
			}
			n := l.Translated().Instret()
			st := l.Translated().TranslateStats()
			t.Logf("%d instructions, %d translated, %d block exits compared", n, st.Retired, l.Exits())
			if st.Retired < n/4 {
				t.Errorf("only %d of %d instructions ran translated", st.Retired, n)
			}
		})
	}
}

// TestTranslateSnapshotSame stops the hashsort program at the same
// instruction count on an interpreting and a translating machine (the
// lockstep pair, whose translator translates early) and requires
// byte-identical snapshots: translated code leaves no trace in the machine
// state, TLBs and decode caches included.
func TestTranslateSnapshotSame(t *testing.T) {
	prog := benchWorkloads[0].build(t, t.TempDir(), true)
	l := benchLockstep(t, prog)
	if _, err := l.Run(t.Context(), 700_000); err != nil {
		t.Fatal(err)
	}
	var snaps [2]bytes.Buffer
	for i, m := range []*machine.Machine{l.Ref(), l.Translated()} {
		if err := m.SaveSnapshot(&snaps[i], nil); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(snaps[0].Bytes(), snaps[1].Bytes()) {
		t.Fatalf("snapshots differ (%d and %d bytes)", snaps[0].Len(), snaps[1].Len())
	}
	n := l.Translated().TranslateStats().Retired
	t.Logf("%d instructions translated", n)
	if n == 0 {
		t.Fatal("nothing ran translated")
	}
}

// benchLockstep returns a lockstep pair with prog loaded in both machines
// and its tohost word watched.
func benchLockstep(t *testing.T, prog benchProgram) *machine.Lockstep {
	t.Helper()
	l, err := machine.NewLockstep(machine.Config{}, machine.LockstepOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []*machine.Machine{l.Ref(), l.Translated()} {
		img, err := m.LoadELF(prog.elf)
		if err != nil {
			t.Fatal(err)
		}
		m.WatchToHost(benchSymbol(t, img, "tohost"))
	}
	return l
}
