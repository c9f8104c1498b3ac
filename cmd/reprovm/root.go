package main

import (
	"io"

	"github.com/spf13/cobra"
)

// newRootCmd builds the reprovm command tree writing to stdout and stderr.
// Each call returns a fresh tree, so flag values never leak between runs.
func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "reprovm",
		Short: "Build software reproducibly inside a deterministic RISC-V machine",
		Long: `reprovm builds software inside a deterministic, single-hart RISC-V machine
with no network, so that anyone can rebuild an artifact and get the same bytes.

This version runs bare-metal test programs (reprovm run --elf FILE); booting
Linux and running builds are not implemented yet.`,
		// run prints errors itself, once, with the exit status it chose.
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(newVersionCmd(), newRunCmd())
	root.AddCommand(newAddCmd())
	root.AddCommand(newCARCmd())
	root.AddCommand(newGetCmd())
	root.AddCommand(newServeCmd())
	root.AddCommand(newImageCmd())
	return root
}
