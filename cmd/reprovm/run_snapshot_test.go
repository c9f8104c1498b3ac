package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var vmRetiredRE = regexp.MustCompile(`reprovm: exit status (\d+); retired (\d+) instructions`)

// TestRunSnapshotFlags saves a snapshot part way through the kernel's boot
// with --save-snapshot and --snapshot-at, resumes it with --from-snapshot,
// and requires the command's output, its /out file, its exit status and
// the instruction count of a run that was never stopped. A resume of a
// different command is refused.
func TestRunSnapshotFlags(t *testing.T) {
	dir := t.TempDir()
	script := "echo from-the-command; echo out > /out/o.txt; exit 5"
	straightOut := filepath.Join(dir, "straight")
	straightT, resumedT := filepath.Join(dir, "straight.json"), filepath.Join(dir, "resumed.json")
	straight := runCLI(t.Context(), "run", "--out", straightOut, "--checkpoint-every", "1000000", "--transcript", straightT, "--", "sh", "-c", script)
	straight.check(t, 5, "")
	wantLine := vmRetiredRE.FindString(straight.stderr)
	if wantLine == "" {
		t.Fatalf("no report line:\n%s", straight.stderr)
	}

	snap := filepath.Join(dir, "boot.snap")
	paused := runCLI(t.Context(), "run", "--save-snapshot", snap, "--snapshot-at", "200000000", "--", "sh", "-c", script)
	paused.check(t, 0, "")
	if !strings.Contains(paused.stderr, "reprovm: snapshot at 200000000 instructions written to "+snap) ||
		strings.Contains(paused.stderr, "from-the-command") {
		t.Fatalf("paused run's stderr:\n%s", paused.stderr)
	}

	resumedOut := filepath.Join(dir, "resumed")
	resumed := runCLI(t.Context(), "run", "--from-snapshot", snap, "--out", resumedOut, "--checkpoint-every", "1000000", "--transcript", resumedT, "--", "sh", "-c", script)
	resumed.check(t, 5, "")
	if !strings.Contains(resumed.stderr, "from-the-command\n") || !strings.Contains(resumed.stderr, "after the snapshot") {
		t.Errorf("resumed run's stderr:\n%s", resumed.stderr)
	}
	if got := vmRetiredRE.FindString(resumed.stderr); got != wantLine {
		t.Errorf("resumed run reports %q, the straight run %q", got, wantLine)
	}
	// The snapshot was taken in the middle of the boot, so both runs reach
	// the ready point themselves: their transcripts of state roots, from
	// there on every million instructions, must be the same.
	ta, errA := os.ReadFile(straightT)
	tb, errB := os.ReadFile(resumedT)
	if errA != nil || errB != nil || !bytes.Equal(ta, tb) || bytes.Count(ta, []byte(`"root"`)) < 3 {
		t.Errorf("transcripts (%v, %v):\n%s\n%s", errA, errB, ta, tb)
	}
	a, errA := os.ReadFile(filepath.Join(straightOut, "o.txt"))
	b, errB := os.ReadFile(filepath.Join(resumedOut, "o.txt"))
	if errA != nil || errB != nil || string(a) != "out\n" || string(a) != string(b) {
		t.Errorf("/out/o.txt: straight %q (%v), resumed %q (%v)", a, errA, b, errB)
	}

	other := runCLI(t.Context(), "run", "--from-snapshot", snap, "--", "sh", "-c", "echo other")
	other.check(t, exitVMFailed, "")
	if !strings.Contains(other.stderr, "different run") {
		t.Errorf("resuming another command: %s", other.stderr)
	}
}

func TestRunSnapshotFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"run", "--snapshot-at", "5", "--", "true"}, exitVMFailed, "--snapshot-at needs --save-snapshot"},
		{[]string{"run", "--from-snapshot", "testdata/link.ld", "--", "true"}, exitVMFailed, "not a reprovm machine snapshot"},
		{[]string{"run", "--elf", "testdata/link.ld", "--save-snapshot", "x"}, exitError, "not with --elf"},
	} {
		r := runCLI(t.Context(), tc.args...)
		r.check(t, tc.code, "")
		if !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%q: stderr does not contain %q:\n%s", tc.args, tc.want, r.stderr)
		}
	}
}
