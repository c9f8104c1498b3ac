// Package initbuild builds the guest init reproducibly. Both the generator
// (go generate ./guest) and the test that checks the committed binary use
// it, so the flags live in one place.
package initbuild

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// Package is the import path of the init program.
const Package = "github.com/reprovm/reprovm/guest/init"

// Flags are the go build flags: no paths of the build machine (-trimpath),
// no VCS stamp (-buildvcs=false), no symbol tables (-s -w) and an empty
// build ID, so that the binary depends only on the source and the Go
// version.
var Flags = []string{"-trimpath", "-buildvcs=false", "-ldflags=-s -w -buildid="}

// Env is the build environment on top of the caller's, pinning every
// setting that changes the output. GORISCV64=rva20u64 is Go's default
// profile (plain rv64gc), written out so a host setting cannot change it.
var Env = []string{
	"GOOS=linux", "GOARCH=riscv64", "GORISCV64=rva20u64", "CGO_ENABLED=0",
	"GOFLAGS=", "GOEXPERIMENT=", "GOTOOLCHAIN=local", "GOAMD64=", "GOARM64=",
}

// Build builds the init into out with the go command goCmd, run in the
// module directory dir.
func Build(goCmd, dir, out string) error {
	args := append(append([]string{"build"}, Flags...), "-o", out, Package)
	cmd := exec.Command(goCmd, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), Env...)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s %s: %v\n%s", goCmd, strings.Join(args, " "), err, b)
	}
	return nil
}

// GoVersion returns what "go env GOVERSION" prints, such as "go1.26.8".
func GoVersion(goCmd string) (string, error) {
	cmd := exec.Command(goCmd, "env", "GOVERSION")
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local")
	b, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s env GOVERSION: %w", goCmd, err)
	}
	return strings.TrimSpace(string(b)), nil
}
