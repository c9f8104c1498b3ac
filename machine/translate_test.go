package machine_test

import (
	"context"
	"testing"
	"time"

	"github.com/reprovm/reprovm/machine"
)

// TestTranslateISALockstep runs every conformance program on the
// translator in lockstep with the interpreter (machine.Lockstep), which
// compares the state at every translated-block exit.
func TestTranslateISALockstep(t *testing.T) {
	for _, tc := range isaTests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, elf := buildISA(t, tc)
			l, err := machine.NewLockstep(machine.Config{}, machine.LockstepOptions{})
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range []*machine.Machine{l.Ref(), l.Translated()} {
				img, err := m.LoadELF(elf)
				if err != nil {
					t.Fatal(err)
				}
				m.WatchToHost(img.Symbols["tohost"])
			}
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			stop, err := l.Run(ctx, isaMaxInsns)
			if err != nil {
				t.Fatal(err)
			}
			st := l.Translated().TranslateStats()
			t.Logf("%d instructions, %d block exits compared, %d translated (%d pages, %d modules)",
				l.Translated().Instret(), l.Exits(), st.Retired, st.Pages, st.Modules)
			if stop.Reason != machine.StopToHost || stop.ToHost != 1 {
				t.Fatalf("stop %+v, want a pass", stop)
			}
		})
	}
}

// TestTranslateISA runs the conformance programs on a translating machine
// alone (no lockstep: blocks chain inside wasm).
func TestTranslateISA(t *testing.T) {
	for _, tc := range isaTests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, elf := buildISA(t, tc)
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			res, err := machine.RunTest(ctx, elf, machine.Config{Translate: true}, isaMaxInsns)
			if err != nil {
				t.Fatal(err)
			}
			ref, err := machine.RunTest(ctx, elf, machine.Config{}, isaMaxInsns)
			if err != nil {
				t.Fatal(err)
			}
			if res != ref {
				t.Fatalf("translated %+v, interpreted %+v", res, ref)
			}
			if !res.Passed {
				t.Fatalf("failed: %+v", res)
			}
		})
	}
}
