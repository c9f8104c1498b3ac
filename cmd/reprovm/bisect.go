package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/reprovm/reprovm/builder"
	"github.com/reprovm/reprovm/images"
	"github.com/reprovm/reprovm/meta"
)

func newBisectCmd() *cobra.Command {
	var in inputFlags
	cmd := &cobra.Command{
		Use:   "bisect A B",
		Short: "Find the first instruction at which two builds diverge",
		Long: `Find where two builds come apart.

A and B are either two project directories (each with its ` + builder.RecipeFile + `),
or two transcripts (the ` + transcriptName + ` a build writes beside its outputs).

With two projects, bisect builds both side by side from their common ready
point (same image, RAM size and kernel command line) and compares their
machine states by state root, rewinding and narrowing until one instruction
separates the last equal state from the first different one. It reports that
instruction (count, pc, privilege mode, disassembly), the Linux task that was
running, the registers and memory pages that differ, and for differing bytes
that arrived from an input drive, the file of the source or dependency tree
they came from. A one-byte change in a source file typically shows up where
the guest reads that file.

With two transcripts, bisect only compares them and says between which
checkpoints the runs came apart.

Exit status: 0 the report was printed (whether or not the builds differ);
125 bisect could not run (bad arguments, missing input, boot failure);
130 interrupted.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			fail := func(err error) error { return &statusError{code: exitVMFailed, msg: err.Error()} }
			out := cmd.OutOrStdout()
			if strings.HasSuffix(args[0], ".json") && strings.HasSuffix(args[1], ".json") {
				var ts [2]*meta.Transcript
				for i, p := range args {
					b, err := os.ReadFile(p)
					if err != nil {
						return fail(err)
					}
					if ts[i], err = meta.ParseTranscript(b); err != nil {
						return fail(fmt.Errorf("%s: %w", p, err))
					}
				}
				s, err := builder.TranscriptDifference(ts[0], ts[1])
				if err != nil {
					return fail(err)
				}
				fmt.Fprintln(out, s)
				return nil
			}
			src, err := in.sources(cmd)
			if err != nil {
				return fail(err)
			}
			stderr := cmd.ErrOrStderr()
			var specs [2]builder.BuildSpec
			for i, dir := range args {
				r, err := builder.LoadRecipe(filepath.Join(dir, builder.RecipeFile))
				if err != nil {
					return fail(err)
				}
				specs[i] = builder.BuildSpec{Recipe: r, SourceDir: dir, Inputs: src, Fetcher: &images.Fetcher{Progress: stderr}, Progress: stderr}
			}
			rep, err := builder.Bisect(cmd.Context(), specs[0], specs[1], stderr)
			if err != nil {
				return buildError(cmd, err)
			}
			fmt.Fprintln(out, rep.Summary())
			if d := rep.Divergence; d != nil {
				for _, r := range d.Regs {
					fmt.Fprintf(out, "  register %-5s A %#x  B %#x\n", r.Name, r.A, r.B)
				}
				for _, p := range d.Pages {
					fmt.Fprintf(out, "  page     %#x differs from byte %d\n", p.Addr, p.Offset)
				}
				for _, dd := range rep.Data {
					fmt.Fprintf(out, "  data     %s: byte %d of %s's image = %s %q offset %d\n", dd.Side, dd.DriveOff, dd.Input, dd.Kind, dd.Path, dd.FileOff)
				}
				var parts []string
				for _, p := range []struct {
					name string
					on   bool
				}{{"hart", d.Hart}, {"devices", d.Devices}, {"RAM", d.RAM}, {"drives", d.Drives}} {
					if p.on {
						parts = append(parts, p.name)
					}
				}
				fmt.Fprintf(out, "  differs  %s\n", strings.Join(parts, ", "))
			}
			fmt.Fprintf(stderr, "reprovm: bisect searched %d instructions after the ready point in %.1fs\n", rep.Searched, rep.Wall.Seconds())
			return nil
		},
	}
	in.register(cmd)
	return cmd
}
