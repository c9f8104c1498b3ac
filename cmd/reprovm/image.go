package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/spf13/cobra"

	"github.com/reprovm/reprovm/builder"
	"github.com/reprovm/reprovm/images"
	"github.com/reprovm/reprovm/ipfsfetch"
)

// newImageCmd groups the commands that turn an image spec into an image.
func newImageCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "image",
		Short: "Lock and build machine images from Debian's riscv64 archive",
	}
	cmd.AddCommand(newImageLockCmd(), newImageBuildCmd(), newImageAddCmd(), newImageListCmd())
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
	var out, mirror string
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
so the same lock gives the same bytes on every host. DIR must not exist;
the image is written beside it and renamed into place, so an interrupted
build leaves no half-written DIR (and the next build removes what it left).

Run a command in the image with: reprovm run --image DIR -- COMMAND`,
		Example: `  reprovm image build images/specs/go.lock.json -o go-image
  reprovm image build --mirror http://mirror.example/debian my.lock.json -o my-image`,
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
			f := &images.Fetcher{Mirror: mirror, Progress: cmd.ErrOrStderr()}
			m, err := f.BuildImage(cmd.Context(), lock, out)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "%s: root filesystem of %d files (%.1fs)\n", out, len(m.Files), time.Since(start).Seconds())
			for _, b := range []images.ManifestBlob{m.Kernel, m.Firmware, m.Initramfs, m.Root} {
				fmt.Fprintf(w, "  %-15s %11d bytes  sha256 %s  %s\n", b.Name, b.Size, b.SHA256, b.CID)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "out", "o", "", "write the image to `DIR` (must not exist)")
	cmd.Flags().StringVar(&mirror, "mirror", images.DefaultMirror, "Debian archive `URL` the .deb files are fetched from (each is checked against the lock's SHA-256)")
	return cmd
}

func newImageAddCmd() *cobra.Command {
	var store storeFlag
	cmd := &cobra.Command{
		Use:   "add DIR",
		Short: "Put a built image into the local block store and print its CID",
		Long: `Import an image directory written by reprovm image build (root.erofs and
manifest.json) into the local block store and print its CID. Later commands
name the image by this CID (reprovm run --image CID); reprovm car export
CID packs it for another machine.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := images.ReadManifest(args[0]); err != nil {
				return err
			}
			s, err := store.open()
			if err != nil {
				return err
			}
			c, err := s.Import(cmd.Context(), args[0], ipfsfetch.ImportOptions{})
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), c)
			return nil
		},
	}
	store.register(cmd)
	return cmd
}

func newImageListCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the built-in images",
		Long: `List the built-in images (their locks are part of reprovm): name, package
count, total .deb size, and, once built (reprovm run --image NAME builds it on
first use), the image directory and its CID.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			w := cmd.OutOrStdout()
			for _, name := range images.Builtin() {
				lock, err := images.BuiltinLock(name)
				if err != nil {
					return err
				}
				l, err := images.ParseLock(name, lock)
				if err != nil {
					return err
				}
				var size int64
				for _, p := range l.Packages {
					size += p.Size
				}
				fmt.Fprintf(w, "%-10s %3d packages  %6.1f MB  %s\n", name, len(l.Packages), float64(size)/1e6, builtinCID(cmd, name))
			}
			return nil
		},
	}
	return cmd
}

// builtinCID is the CID of a built-in image if it is built, computed by
// importing its directory into the default store (idempotent).
func builtinCID(cmd *cobra.Command, name string) string {
	dir, err := builtinDir(name)
	if err != nil {
		return "(not built)"
	}
	var store storeFlag
	s, err := store.open()
	if err != nil {
		return "(" + err.Error() + ")"
	}
	c, err := s.Import(cmd.Context(), dir, ipfsfetch.ImportOptions{})
	if err != nil {
		return "(" + err.Error() + ")"
	}
	return c.String()
}

// builtinDir is where a built-in image is built, if it is.
func builtinDir(name string) (string, error) {
	dir, err := (&images.Fetcher{}).BuiltinImageDir(name)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(dir, images.ManifestName)); err != nil {
		return "", err
	}
	return dir, nil
}

// resolveImage turns --image into an image directory and its CID
// (builder.ResolveImage), offline: a CID must be in the local store or be a
// built-in image's.
func resolveImage(cmd *cobra.Command, arg string) (string, cid.Cid, error) {
	var store storeFlag
	s, err := store.open()
	if err != nil {
		return "", cid.Undef, err
	}
	return builder.ResolveImage(cmd.Context(), arg, builder.Sources{Store: s}, &images.Fetcher{Progress: cmd.ErrOrStderr()})
}
