package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/reprovm/reprovm/machine"
)

func TestTestOutcome(t *testing.T) {
	tests := []struct {
		name     string
		res      machine.TestResult
		wantCode int
		wantMsg  string
	}{
		{"pass", machine.TestResult{Passed: true, Instret: 10}, exitOK, "PASS"},
		{"fail 1", machine.TestResult{FailedTest: 1, Instret: 10}, exitTestFailed, "FAIL test 1"},
		{"fail 42", machine.TestResult{FailedTest: 42}, exitTestFailed, "FAIL test 42"},
		{"limit", machine.TestResult{HitLimit: true, Instret: 1000}, exitLimit,
			"stopped: 1000 instructions retired (--max-insns 1000) and the program never wrote tohost"},
		{"no outcome", machine.TestResult{Instret: 5}, exitError,
			"the emulator stopped without a pass, a failure or the instruction limit"},
	}
	for _, tt := range tests {
		code, msg := testOutcome(tt.res, 1000)
		if code != tt.wantCode || msg != tt.wantMsg {
			t.Errorf("%s: testOutcome(%+v) = %d, %q; want %d, %q", tt.name, tt.res, code, msg, tt.wantCode, tt.wantMsg)
		}
	}
}

func TestExitCode(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, exitOK},
		{"plain error", errors.New("no such file"), exitError},
		{"test failed", &statusError{code: exitTestFailed}, exitTestFailed},
		{"limit", &statusError{code: exitLimit, msg: "stopped"}, exitLimit},
		{"wrapped status", fmt.Errorf("x: %w", &statusError{code: exitLimit}), exitLimit},
		{"canceled", fmt.Errorf("run: %w", context.Canceled), exitInterrupted},
		{"deadline is not an interrupt", context.DeadlineExceeded, exitError},
	}
	for _, tt := range tests {
		if got := exitCode(tt.err); got != tt.want {
			t.Errorf("%s: exitCode(%v) = %d, want %d", tt.name, tt.err, got, tt.want)
		}
	}
}

// TestExitStatusesOfBadUsage runs each command with a bad flag or bad
// arguments: the machine-running commands exit 125, as their --help and
// the README say, the others (and run --elf) 3, and each prints one
// "reprovm: " line.
func TestExitStatusesOfBadUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want int
	}{
		{[]string{"run", "--bogus", "--", "true"}, exitVMFailed},
		{[]string{"run", "--ram", "lots", "--", "true"}, exitVMFailed},
		{[]string{"run", "--ram", "129G", "--", "true"}, exitVMFailed}, // the board boots at most 128G
		{[]string{"run", "--bogus", "--", "ld", "--elf"}, exitVMFailed},
		{[]string{"run", "--elf", "x.elf", "--bogus"}, exitError},
		{[]string{"run", "--elf=x.elf", "--ram", "lots"}, exitError},
		{[]string{"build", "--bogus"}, exitVMFailed},
		{[]string{"build", "a", "b"}, exitVMFailed},
		{[]string{"verify"}, exitVMFailed},
		{[]string{"verify", "--bogus", "x.wasm"}, exitVMFailed},
		{[]string{"bisect", "a"}, exitVMFailed},
		{[]string{"archive", "export", "--bogus"}, exitVMFailed},
		{[]string{"archive", "import"}, exitVMFailed},
		{[]string{"add", "--bogus"}, exitError},
		{[]string{"inspect"}, exitError},
		{[]string{"car", "export"}, exitError},
		{[]string{"store", "verify", "extra"}, exitError},
		{[]string{"serve", "--bogus"}, exitError},
		{[]string{"get"}, exitError},
		{[]string{"no-such-command"}, exitError},
	} {
		r := runCLI(t.Context(), tc.args...)
		if r.code != tc.want || !strings.HasPrefix(r.stderr, "reprovm: ") {
			t.Errorf("reprovm %s: exit %d, stderr %q; want exit %d and a reprovm: line", strings.Join(tc.args, " "), r.code, r.stderr, tc.want)
		}
	}
}
