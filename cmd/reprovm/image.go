package main

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/reprovm/reprovm/images"
)

// newImageCmd groups the commands that turn an image spec into an image.
func newImageCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "image",
		Short: "Lock and build machine images from Debian's riscv64 archive",
	}
	cmd.AddCommand(newImageLockCmd(), newImageBuildCmd())
	return cmd
}

func newImageLockCmd() *cobra.Command {
	var mirror string
	cmd := &cobra.Command{
		Use:   "lock SPEC",
		Short: "Resolve an image spec against Debian's signed archive into a lock file",
		Long: `Resolve an image spec (TOML: suite, arch, kernel, packages, env) into a lock
file next to it: SPEC without .toml, plus .lock.json.

reprovm downloads the suite's InRelease, verifies its OpenPGP signature
against the Debian archive keys built into reprovm, downloads the
Packages.xz index it lists and checks its size and SHA-256, then resolves
the packages and their Pre-Depends and Depends. The lock names every
package's version, pool path, size and SHA-256, and the InRelease it was
checked against. Index files are cached under the user cache directory.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f := &images.Fetcher{Mirror: mirror, Progress: cmd.ErrOrStderr()}
			name, l, err := f.LockSpec(cmd.Context(), args[0], time.Now())
			if err != nil {
				return err
			}
			var total int64
			for _, p := range l.Packages {
				total += p.Size
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "%s: %d packages, %.1f MB, kernel %s, from %s of %s\n",
				name, len(l.Packages), float64(total)/1e6, l.Kernel.Version, l.Release.Path, l.Release.Date)
			return err
		},
	}
	cmd.Flags().StringVar(&mirror, "mirror", images.DefaultMirror, "Debian archive `URL`")
	return cmd
}

func newImageBuildCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "build LOCK -o DIR",
		Short: "Build the image of a lock file: a read-only EROFS root filesystem and its manifest",
		Long: `Build an image from a lock file (reprovm image lock writes one).

reprovm fetches every .deb the lock names by its SHA-256 (cached under the
user cache directory), unpacks their data archives in dependency order
without running maintainer scripts, applies the documented fix-ups (merged
/usr links, root in /etc/passwd and /etc/group, /tmp, busybox links, the CA
bundle) and writes DIR/root.erofs and DIR/manifest.json. Every timestamp is
the lock's InRelease date and every owner and mode comes from the packages,
so the same lock gives the same bytes on every host. DIR must not exist.

Run a command in the image with: reprovm run --image DIR -- COMMAND`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return fmt.Errorf("image build: give the output directory with -o DIR")
			}
			lock, err := os.ReadFile(args[0])
			if err != nil {
				return fmt.Errorf("image build: %w", err)
			}
			start := time.Now()
			f := &images.Fetcher{Progress: cmd.ErrOrStderr()}
			m, err := f.BuildImage(cmd.Context(), lock, out)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %d files, %s %d bytes sha256 %s (%.1fs)\n",
				out, len(m.Files), m.Root.Name, m.Root.Size, m.Root.SHA256, time.Since(start).Seconds())
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "out", "o", "", "write the image to `DIR` (must not exist)")
	return cmd
}
