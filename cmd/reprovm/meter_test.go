package main

import (
	"regexp"
	"strings"
	"testing"
)

// meterLine is a plain line of the progress meter (stderr is not a
// terminal here).
var meterLine = regexp.MustCompile(`(?m)^reprovm: (boot|run): [0-9]+\.[0-9]{2} G instructions, [0-9]+ MIPS(, [0-9]+% of ~[0-9]+\.[0-9]{2} G, ETA \S+)?$`)

// TestRunMeter boots Linux and runs a command twice with the meter writing
// at every look at the clock: without --quiet, stderr has the meter's plain
// lines (no carriage return, no escape) beside whole console lines; with
// --quiet, neither.
func TestRunMeter(t *testing.T) {
	r := runCLI(t.Context(), "run", "--meter-every", "1ns", "--", "sh", "-c", "echo hello from the guest")
	r.check(t, 0, "")
	if n := len(meterLine.FindAllString(r.stderr, -1)); n < 3 {
		t.Errorf("%d meter lines on stderr, want some:\n%s", n, r.stderr)
	}
	for _, l := range strings.SplitAfter(r.stderr, "\n") {
		if strings.HasPrefix(l, "reprovm: boot") || strings.HasPrefix(l, "reprovm: run") {
			if strings.ContainsAny(l, "\r\033") || !meterLine.MatchString(strings.TrimSuffix(l, "\n")) {
				t.Errorf("stderr is not a terminal, but the meter wrote %q", l)
			}
		}
	}
	if strings.Contains(r.stderr, "\r\033[K") {
		t.Errorf("the meter cleared a terminal line on stderr, which is not a terminal:\n%q", r.stderr)
	}
	if !strings.Contains(r.stderr, "\nhello from the guest\n") {
		t.Errorf("the console line is not whole on stderr:\n%s", r.stderr)
	}

	q := runCLI(t.Context(), "run", "--quiet", "--meter-every", "1ns", "--", "sh", "-c", "echo hello from the guest")
	q.check(t, 0, "")
	if meterLine.MatchString(q.stderr) || strings.Contains(q.stderr, "hello from the guest") {
		t.Errorf("--quiet: the meter or the console on stderr:\n%s", q.stderr)
	}
}
