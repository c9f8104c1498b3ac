package builder

import (
	"bytes"
	"context"
	"testing"

	"github.com/reprovm/reprovm/guest/proto"
	"github.com/reprovm/reprovm/machine"
)

// TestTranslateBoot boots the pinned kernel and runs a command to power-off
// twice, interpreted and translated (RunSpec.Translate), and requires the
// same console bytes, instruction counts and exit status.
func TestTranslateBoot(t *testing.T) {
	if testing.Short() {
		t.Skip("boots Linux twice")
	}
	spec := RunSpec{Argv: []string{"sh", "-c", "echo hello; cat /proc/cpuinfo | head -3; exit 3"}}
	var cons [2]bytes.Buffer
	var res [2]*Result
	for i, tr := range []bool{false, true} {
		spec.Translate = tr
		spec.Console = &cons[i]
		r, err := Run(context.Background(), spec)
		if err != nil {
			t.Fatalf("translate=%v: %v", tr, err)
		}
		res[i] = r
		t.Logf("translate=%v: %d instructions (%d to /init), %v, %.0f MIPS", tr, r.Instret, r.InitInstret, r.Wall,
			float64(r.Instret)/r.Wall.Seconds()/1e6)
	}
	a, b := res[0], res[1]
	if a.Instret != b.Instret || a.InitInstret != b.InitInstret || a.ExitStatus != b.ExitStatus {
		t.Errorf("interpreted %d instructions (%d to /init), status %d; translated %d (%d), status %d",
			a.Instret, a.InitInstret, a.ExitStatus, b.Instret, b.InitInstret, b.ExitStatus)
	}
	if !bytes.Equal(cons[0].Bytes(), cons[1].Bytes()) {
		t.Errorf("consoles differ:\n--- interpreted\n%s\n--- translated\n%s", cons[0].String(), cons[1].String())
	}
	if a.ExitStatus != 3 {
		t.Errorf("exit status %d, want 3", a.ExitStatus)
	}
}

// TestTranslateBootLockstep runs the first lockstepBootInsns instructions
// of the boot (firmware and most of the kernel's start-up) in the
// translator's differential mode (machine.Lockstep), comparing the state
// at every translated-block exit and RAM every lockstepChunk instructions.
func TestTranslateBootLockstep(t *testing.T) {
	if testing.Short() {
		t.Skip("boots Linux in lockstep")
	}
	const lockstepBootInsns = 60_000_000
	const lockstepChunk = 10_000_000
	ctx := context.Background()
	spec := RunSpec{Argv: []string{"true"}}
	job, err := (&proto.Job{Argv: spec.Argv}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	boot, err := bootImages(ctx, spec, nil, job)
	if err != nil {
		t.Fatal(err)
	}
	l, err := machine.NewLockstep(machine.Config{RAMSize: DefaultRAMSize}, machine.LockstepOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []*machine.Machine{l.Ref(), l.Translated()} {
		if err := m.Boot(*boot); err != nil {
			t.Fatal(err)
		}
	}
	for l.Translated().Instret() < lockstepBootInsns {
		stop, err := l.Run(ctx, lockstepChunk)
		if err != nil {
			t.Fatal(err)
		}
		if stop.Reason != machine.StopLimit {
			t.Fatalf("stopped early: %+v at %d", stop, l.Translated().Instret())
		}
	}
	st := l.Translated().TranslateStats()
	t.Logf("%d instructions, %d translated, %d block exits compared, %d pages in %d modules",
		l.Translated().Instret(), st.Retired, l.Exits(), st.Pages, st.Modules)
	if st.Retired == 0 {
		t.Error("nothing ran translated")
	}
}

// BenchmarkBootTranslated boots the pinned kernel and runs `true` to
// power-off, interpreted and translated side by side in the same run, and
// reports guest MIPS for both (compilation included in the translated
// figure) and the translated/interpreted time ratio.
//
// The translated boot compiles from nothing (no translation cache); a
// third boot, translated-cached, uses a cache an untimed boot filled.
func BenchmarkBootTranslated(b *testing.B) {
	ctx := context.Background()
	cache := b.TempDir()
	if _, err := Run(ctx, RunSpec{Argv: []string{"true"}, Translate: true, TranslateCache: cache}); err != nil {
		b.Fatal(err)
	}
	var wall, compile [3]float64
	var insns uint64
	for b.Loop() {
		for i, spec := range []RunSpec{{}, {Translate: true}, {Translate: true, TranslateCache: cache}} {
			spec.Argv = []string{"true"}
			res, err := Run(ctx, spec)
			if err != nil {
				b.Fatal(err)
			}
			wall[i] += res.Wall.Seconds()
			compile[i] += res.CompileTime.Seconds()
			insns = res.Instret
		}
	}
	n := float64(b.N)
	b.ReportMetric(float64(insns)*n/wall[0]/1e6, "interp-MIPS")
	b.ReportMetric(float64(insns)*n/wall[1]/1e6, "translated-MIPS")
	b.ReportMetric(wall[1]/wall[0], "translated/interp")
	b.ReportMetric(float64(insns)*n/wall[2]/1e6, "cached-MIPS")
	b.ReportMetric(wall[2]/wall[0], "cached/interp")
	b.ReportMetric(compile[1]/n*1e3, "compile-ms")
	b.ReportMetric(compile[2]/n*1e3, "cached-compile-ms")
	b.ReportMetric(float64(insns)/1e6, "Minsns-to-poweroff")
}
