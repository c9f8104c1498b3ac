package machine_test

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/reprovm/reprovm/machine"
)

// runCached runs prog in lockstep (the translating machine compiles on
// the hart's goroutine, so every run compiles the same modules) with the
// translation cache at dir, and returns the instret, the result word, the
// stop and the translator's cache counters.
func runCached(t *testing.T, prog benchProgram, dir string) (uint64, uint64, machine.Stop, int, int, int) {
	t.Helper()
	l, err := machine.NewLockstep(machine.Config{TranslateCache: dir}, machine.LockstepOptions{})
	if errors.Is(err, machine.ErrNoTranslator) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	var img *machine.ELFImage
	for _, m := range []*machine.Machine{l.Ref(), l.Translated()} {
		if img, err = m.LoadELF(prog.elf); err != nil {
			t.Fatal(err)
		}
		m.WatchToHost(benchSymbol(t, img, "tohost"))
	}
	stop, err := l.Run(t.Context(), benchMaxInsns)
	if err != nil {
		t.Fatal(err)
	}
	m := l.Translated()
	var word [8]byte
	if err := m.ReadPhys(benchSymbol(t, img, "result"), word[:]); err != nil {
		t.Fatal(err)
	}
	st := m.TranslateStats()
	if st.CacheErr != nil {
		t.Fatal(st.CacheErr)
	}
	t.Logf("%d instructions, %d modules (%d written to the cache), compile %v; cache: %d kept, %d dropped",
		m.Instret(), st.Modules, st.CacheWrites, st.CompileTime, st.CacheKept, st.CacheDropped)
	return m.Instret(), binary.LittleEndian.Uint64(word[:]), stop, st.CacheKept, st.CacheDropped, st.CacheWrites
}

// TestTranslateCache runs a benchmark program three times on one
// translation cache: the second run finds the first's entries; then a
// byte of every entry is flipped, and the third run must drop them all
// (their sha256 no longer matches) and still give the same result.
func TestTranslateCache(t *testing.T) {
	w := benchWorkloads[0]
	prog := w.build(t, t.TempDir(), true)
	dir := t.TempDir()
	n1, r1, s1, kept, dropped, wrote := runCached(t, prog, dir)
	if kept != 0 || dropped != 0 || wrote == 0 {
		t.Fatalf("first run: %d kept, %d dropped, %d written; want 0, 0, > 0", kept, dropped, wrote)
	}
	n2, r2, s2, kept, dropped, _ := runCached(t, prog, dir)
	if kept < wrote || dropped != 0 {
		t.Fatalf("second run: %d kept, %d dropped; want >= %d, 0", kept, dropped, wrote)
	}
	var entries []string
	err := filepath.WalkDir(filepath.Join(dir, "w"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasSuffix(p, ".tmp") {
			entries = append(entries, p)
		}
		return err
	})
	if err != nil || len(entries) == 0 {
		t.Fatalf("cache entries %v: %v", entries, err)
	}
	for _, p := range entries {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		b[len(b)/2] ^= 0x40
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A stale temp file from a killed writer is removed too (an old one:
	// a young one may be another process's write in progress).
	stale := filepath.Join(dir, "sum", "x.123.tmp")
	if err := os.WriteFile(stale, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	n3, r3, s3, kept, dropped, _ := runCached(t, prog, dir)
	if kept != 0 || dropped != len(entries) {
		t.Fatalf("after damage: %d kept, %d dropped; want 0, %d", kept, dropped, len(entries))
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Fatalf("stale temp file still there: %v", err)
	}
	if n1 != n2 || n2 != n3 || r1 != r2 || r2 != r3 || s1 != s2 || s2 != s3 {
		t.Fatalf("runs differ: instret %d %d %d, result %#x %#x %#x, stop %+v %+v %+v", n1, n2, n3, r1, r2, r3, s1, s2, s3)
	}
	ref, _, _ := benchRun(t, prog)
	if ref != n1 {
		t.Fatalf("interpreted %d instructions, translated %d", ref, n1)
	}
}

// TestTranslateCacheRepeat runs the full-size hashsort translated
// (compiling on another goroutine) twice on one cache: the second run
// compiles nothing, because the translation schedule is a function of
// the guest's execution alone (jit's installDelay), not of when wazero
// finishes. Both runs retire the same count and result.
func TestTranslateCacheRepeat(t *testing.T) {
	if testing.Short() {
		t.Skip("full-size program")
	}
	prog := benchWorkloads[0].build(t, t.TempDir(), false)
	dir := t.TempDir()
	var first [2]uint64
	for run := range 2 {
		m, err := machine.New(machine.Config{Translate: true, TranslateCache: dir})
		if err != nil {
			t.Fatal(err)
		}
		if !m.Translating() {
			t.Skip("no wazero compiler on this host")
		}
		img, err := m.LoadELF(prog.elf)
		if err != nil {
			t.Fatal(err)
		}
		m.WatchToHost(benchSymbol(t, img, "tohost"))
		if _, err := m.Run(t.Context(), benchMaxInsns); err != nil {
			t.Fatal(err)
		}
		var word [8]byte
		if err := m.ReadPhys(benchSymbol(t, img, "result"), word[:]); err != nil {
			t.Fatal(err)
		}
		got := [2]uint64{m.Instret(), binary.LittleEndian.Uint64(word[:])}
		st := m.TranslateStats()
		t.Logf("run %d: %d instructions (%d translated), %d modules, %d written, compile %v", run, got[0], st.Retired, st.Modules, st.CacheWrites, st.CompileTime)
		if run == 0 {
			first = got
		} else if got != first {
			t.Fatalf("run %d: instret and result %v, first run %v", run, got, first)
		}
		if run == 1 && (st.CacheWrites != 0 || st.Modules == 0) {
			t.Fatalf("second run: %d modules, %d compiled into the cache; want > 0, 0", st.Modules, st.CacheWrites)
		}
	}
}
