package machine_test

import (
	"fmt"
	"testing"

	"github.com/reprovm/reprovm/internal/rvtest"
	"github.com/reprovm/reprovm/machine"
	"github.com/reprovm/reprovm/machine/internal/rvgen"
)

// TestTranslateRandomLockstep runs rvgen's random programs (the corpus of
// TestDiffQEMU, the first translateDiffCount seeds) in the translator's
// lockstep mode, in U-mode with the same system-call emulation on both
// machines: every block exit compares the translated machine with the
// interpreter.
func TestTranslateRandomLockstep(t *testing.T) {
	rvtest.Tool(t, "riscv64-linux-gnu-gcc")
	const translateDiffCount, batch = 200, 25
	cfg := rvgen.Config{Len: rvgen.DefaultLen}
	for lo := 0; lo < translateDiffCount; lo += batch {
		first := uint64(1 + lo)
		t.Run(fmt.Sprintf("seeds_%d-%d", first, first+batch-1), func(t *testing.T) {
			t.Parallel()
			var progs []*rvgen.Program
			for s := first; s < first+batch; s++ {
				progs = append(progs, rvgen.Generate(s, cfg))
			}
			elf := buildELF(t, t.TempDir(), "p", progs)
			l, err := machine.NewLockstep(machine.Config{RAMSize: diffRAM}, machine.LockstepOptions{Eager: true})
			if err != nil {
				t.Fatal(err)
			}
			ms := []*machine.Machine{l.Ref(), l.Translated()}
			for _, m := range ms {
				img, err := m.LoadELF(elf)
				if err != nil {
					t.Fatal(err)
				}
				m.EnterUserMode(img.Entry)
			}
			budget := maxInsns(progs)
			for {
				stop, err := l.Run(t.Context(), budget)
				if err != nil {
					t.Fatal(err)
				}
				if stop.Reason != machine.StopECall {
					t.Fatalf("stop %+v at pc %#x", stop, l.Translated().PC())
				}
				a7 := l.Translated().Reg(17)
				if a7 == rvgen.SysExit || a7 == rvgen.SysExitGroup {
					break
				}
				for _, m := range ms {
					if a7 == rvgen.SysWrite {
						m.SetReg(10, m.Reg(12))
					}
					m.SetPC(m.PC() + 4)
				}
			}
			st := l.Translated().TranslateStats()
			t.Logf("%d instructions, %d translated, %d block exits compared, %+v", l.Translated().Instret(), st.Retired, l.Exits(), st)
		})
	}
}
