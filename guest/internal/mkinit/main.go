// Command mkinit rebuilds guest/init.riscv64 and records the Go version in
// guest/init.version. Run it as "go generate ./guest" (from the module);
// it runs in the guest directory.
package main

import (
	"fmt"
	"os"

	"github.com/reprovm/reprovm/guest/internal/initbuild"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "mkinit:", err)
		os.Exit(1)
	}
}

func run() error {
	v, err := initbuild.GoVersion("go")
	if err != nil {
		return err
	}
	if err := initbuild.Build("go", ".", "init.riscv64"); err != nil {
		return err
	}
	return os.WriteFile("init.version", []byte(v+"\n"), 0o644)
}
