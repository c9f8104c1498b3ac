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

  reprovm build [DIR]      build a project as its reprovm.toml says, stamp the wasm
  reprovm verify FILE      rebuild a stamped file from its recorded CIDs and compare
  reprovm inspect FILE     print a file's stamp
  reprovm archive export   write every block needed to verify a file offline
  reprovm deps go|cargo    record a project's dependencies by CID
  reprovm run -- COMMAND   run a command in the machine (--image go|rust-wasm|CID)
  reprovm image ...        lock, build, add and list machine images`,
		// run prints errors itself, once, with the exit status it chose.
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	// Commands that run the machine end a failure they did not classify
	// (a bad flag) with 125, as their --help says; the rest with 3.
	vm := func(c *cobra.Command) *cobra.Command { return withFailureStatus(c, exitVMFailed) }
	root.AddCommand(newVersionCmd(), vm(newRunCmd()))
	root.AddCommand(newAddCmd())
	root.AddCommand(newCARCmd())
	root.AddCommand(newStoreCmd())
	root.AddCommand(newArchiveCmd())
	root.AddCommand(newGetCmd())
	root.AddCommand(newServeCmd())
	root.AddCommand(newImageCmd())
	root.AddCommand(vm(newBuildCmd()), vm(newVerifyCmd()), newInspectCmd(), newDepsCmd(), newWasmCmd(), vm(newBisectCmd()))
	return root
}
