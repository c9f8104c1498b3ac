// Command reprovm builds software inside a deterministic RISC-V machine.
//
// It builds projects from content-addressed inputs and stamps the results
// (reprovm build), rebuilds stamped files to check them (reprovm verify),
// and runs commands or bare-metal test programs in the machine (reprovm
// run). See README.md at the repository root.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes the command line args and returns the process exit status.
// It never calls os.Exit, so tests can run the whole command in-process.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmd := newRootCmd(stdout, stderr)
	cmd.SetArgs(args)
	ran, err := cmd.ExecuteContextC(ctx)
	if err == nil {
		return exitOK
	}
	code := exitCode(err)
	var se *statusError
	if code == exitError && !errors.As(err, &se) {
		// Not classified by the command: a flag or argument error from
		// cobra, or a plain error; use the status the command documents.
		code = failureStatus(ran, args)
	}
	if msg := err.Error(); msg != "" {
		fmt.Fprintf(stderr, "reprovm: %s\n", msg)
	}
	return code
}
