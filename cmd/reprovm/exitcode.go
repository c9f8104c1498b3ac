package main

import (
	"context"
	"errors"
	"fmt"

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
