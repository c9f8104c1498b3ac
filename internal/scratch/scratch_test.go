package scratch

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestMain doubles as the helper process of TestRemoveStaleAfterKill: with
// SCRATCH_HOLD=DIR it makes a temporary file and a temporary directory in
// DIR, prints their paths and waits to be killed.
func TestMain(m *testing.M) {
	if dir := os.Getenv("SCRATCH_HOLD"); dir != "" {
		f, err := CreateTemp(dir, ".held-")
		if err != nil {
			panic(err)
		}
		f.WriteString("half-written")
		d, err := MkdirTemp(dir, ".held-")
		if err != nil {
			panic(err)
		}
		os.WriteFile(filepath.Join(d.Path, "part"), make([]byte, 1000), 0o644)
		os.Stdout.WriteString(f.Name() + "\n" + d.Path + "\n")
		select {}
	}
	os.Exit(m.Run())
}

// TestRemoveStaleAfterKill: entries of a process killed with SIGKILL are
// removed by the next RemoveStale, with their sizes; entries of a live
// holder (this process) and foreign files are kept.
func TestRemoveStaleAfterKill(t *testing.T) {
	minAge = 0
	t.Cleanup(func() { minAge = MinAge })
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "SCRATCH_HOLD="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(out)
	var held []string
	for range 2 {
		line, err := r.ReadString('\n')
		if err != nil {
			cmd.Process.Kill()
			t.Fatal(err)
		}
		held = append(held, strings.TrimSpace(line))
	}
	// While the holder lives, nothing is stale.
	if st, err := RemoveStale(dir, ".held-"); err != nil || len(st) != 0 {
		t.Fatalf("RemoveStale with a live holder: %v, %v", st, err)
	}
	mine, err := CreateTemp(dir, ".held-")
	if err != nil {
		t.Fatal(err)
	}
	defer mine.Close()
	foreign := filepath.Join(dir, ".held-not-ours")
	os.WriteFile(foreign, nil, 0o644)

	cmd.Process.Kill()
	cmd.Wait()
	st, err := RemoveStale(dir, ".held-")
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, s := range st {
		total += s.Bytes
	}
	if len(st) != 2 || total != int64(len("half-written")+1000) {
		t.Fatalf("RemoveStale after the kill: %+v, want the two entries (%d bytes)", st, len("half-written")+1000)
	}
	for _, p := range held {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("%s survived", p)
		}
	}
	for _, p := range []string{mine.Name(), foreign} {
		if _, err := os.Lstat(p); err != nil {
			t.Errorf("%s was removed: %v", p, err)
		}
	}
}

// TestRemoveStaleYoung: an unlocked entry younger than MinAge is kept (it
// may be between its creation and its lock).
func TestRemoveStaleYoung(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, ".x-123"+Suffix)
	os.WriteFile(p, nil, 0o644)
	if st, err := RemoveStale(dir, ".x-"); err != nil || len(st) != 0 {
		t.Fatalf("RemoveStale of a young entry: %v, %v", st, err)
	}
	if st, err := RemoveStale(filepath.Join(dir, "missing"), ".x-"); err != nil || st != nil {
		t.Fatalf("RemoveStale of a missing directory: %v, %v", st, err)
	}
}
