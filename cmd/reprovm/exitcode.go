package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/reprovm/reprovm/machine"
)

// Exit statuses of reprovm. They are part of the command's interface (scripts
// and CI check them), so they are listed in `reprovm run --help` too.
const (
	exitOK          = 0   // the test program passed (tohost = 1), or the command succeeded
	exitTestFailed  = 1   // the test program reported a failure (tohost = N<<1|1)
	exitLimit       = 2   // --max-insns instructions retired without a tohost write
	exitError       = 3   // anything else: bad flags, unreadable or unsuitable ELF, emulator error
	exitInterrupted = 130 // SIGINT or SIGTERM; 128+SIGINT, as shells report it
)

// statusError is an error that carries the exit status the process should
// end with. An empty message means the outcome was already printed.
type statusError struct {
	code int
	msg  string
}

func (e *statusError) Error() string { return e.msg }

// exitCode maps an error returned by a command to the process exit status.
func exitCode(err error) int {
	var se *statusError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &se):
		return se.code
	case errors.Is(err, context.Canceled):
		return exitInterrupted
	default:
		return exitError
	}
}

// testOutcome maps the result of a test program to its exit status and the
// line reprovm prints for it. maxInsns is the limit the run had, for the
// message when it was hit.
func testOutcome(res machine.TestResult, maxInsns uint64) (code int, msg string) {
	switch {
	case res.Passed:
		return exitOK, "PASS"
	case res.FailedTest != 0:
		return exitTestFailed, fmt.Sprintf("FAIL test %d", res.FailedTest)
	case res.HitLimit:
		return exitLimit, fmt.Sprintf("stopped: %d instructions retired (--max-insns %d) and the program never wrote tohost", res.Instret, maxInsns)
	default:
		return exitError, "the emulator stopped without a pass, a failure or the instruction limit"
	}
}

// failureAnnotation names the cobra annotation that gives a command's exit
// status for a failure it did not classify itself: a bad flag or argument,
// which cobra reports before the command runs. Commands that run the
// machine document 125 for that (as docker run and timeout(1) do); the
// others, and run --elf, document exitError.
const failureAnnotation = "reprovm-failure-exit"

// withFailureStatus sets cmd's failure status (see failureAnnotation).
func withFailureStatus(cmd *cobra.Command, code int) *cobra.Command {
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	cmd.Annotations[failureAnnotation] = strconv.Itoa(code)
	return cmd
}

// failureStatus is the exit status of an unclassified error from cmd, run
// with args: its annotation, except for run, which runs the machine only
// with a command after "--" and no --elf (the test-program runner, whose
// failures are exitError).
func failureStatus(cmd *cobra.Command, args []string) int {
	if cmd == nil {
		return exitError
	}
	if cmd.Name() == "run" {
		dash := slices.Index(args, "--")
		if dash < 0 || slices.ContainsFunc(args[:dash], func(a string) bool {
			return a == "--elf" || strings.HasPrefix(a, "--elf=")
		}) {
			return exitError
		}
	}
	if v, ok := cmd.Annotations[failureAnnotation]; ok {
		if n, err := strconv.Atoi(v); err == nil {
			return n
		}
	}
	return exitError
}
