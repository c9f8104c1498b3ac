package main

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/reprovm/reprovm/internal/version"
	"github.com/reprovm/reprovm/machine"
)

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the reprovm and emulator versions",
		Long: `Print the version of the reprovm tool and the semantic version of the
emulator. Runs on emulators with the same emulator version give the same
results, instruction counts and state; build stamps record it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "reprovm %s\nemulator %s\nbuilt with %s %s/%s\n",
				version.Version, machine.EmulatorVersion, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return err
		},
	}
}
