package machine_test

import (
	"syscall"
	"testing"
	"time"

	"github.com/reprovm/reprovm/machine"
)

func cpuNow() time.Duration {
	var r syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &r)
	return time.Duration(r.Utime.Nano() + r.Stime.Nano())
}

func TestTmpCPU(t *testing.T) {
	for _, w := range benchWorkloads {
		prog := w.build(t, t.TempDir(), false)
		for _, tr := range []bool{false, true, false, true} {
			c0 := cpuNow()
			n, d := benchRunConfig(t, prog, machine.Config{Translate: tr})
			c := cpuNow() - c0
			t.Logf("%s translate=%v: %d insns wall %v (%.0f MIPS) cpu %v (%.0f MIPS/cpu-s)", w.name, tr, n, d, float64(n)/d.Seconds()/1e6, c, float64(n)/c.Seconds()/1e6)
		}
	}
}

func TestTmpMemchase(t *testing.T) {
	prog := benchWorkloads[2].build(t, t.TempDir(), false)
	m, err := machine.New(machine.Config{Translate: true})
	if err != nil {
		t.Fatal(err)
	}
	img, _ := m.LoadELF(prog.elf)
	m.WatchToHost(img.Symbols["tohost"])
	for i := 0; i < 8; i++ {
		c0 := cpuNow()
		m.Run(t.Context(), 20_000_000)
		t.Logf("%d %v %+v", m.Instret(), cpuNow()-c0, m.TranslateStats())
	}
}
