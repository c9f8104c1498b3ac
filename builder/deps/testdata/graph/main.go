// Command graph is a test fixture for deps.Go: its one dependency,
// cobra, has a go.mod at go 1.15 (so its requirements are not pruned)
// that requires modules no package of this build imports. Their .mod
// files must be in the tree for the module graph to load; their zips
// need not be.
package main

import "github.com/spf13/cobra"

func main() {
	cmd := &cobra.Command{
		Use: "graph",
		Run: func(cmd *cobra.Command, args []string) { cmd.Println("graph ok") },
	}
	cmd.SetArgs(nil)
	if err := cmd.Execute(); err != nil {
		panic(err)
	}
}
