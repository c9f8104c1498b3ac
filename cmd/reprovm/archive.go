package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/reprovm/reprovm/builder"
	"github.com/reprovm/reprovm/images"
	"github.com/reprovm/reprovm/meta"
)

func newArchiveCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "archive",
		Short: "Export and import offline archives: every block needed to verify a file",
	}
	cmd.AddCommand(withFailureStatus(newArchiveExportCmd(), exitVMFailed), withFailureStatus(newArchiveImportCmd(), exitVMFailed))
	return cmd
}

func newArchiveExportCmd() *cobra.Command {
	var (
		in         inputFlags
		out        string
		noSnapshot bool
	)
	cmd := &cobra.Command{
		Use:   "export [flags] FILE -o BUNDLE.car.zst",
		Short: "Write every block needed to verify a stamped file into one archive",
		Long: `Read the reprovm stamp of FILE and write one CAR archive holding every block
needed to verify it with no network: the image (kernel, firmware, initramfs,
root filesystem and manifest, all under the image CID), the source, every
dependency and, if this host's cache has one, the image's ready snapshot for
the stamp's boot (which lets a verifier that chooses to trust it skip the
boot). A first root, a small manifest, says which CID is which.

Inputs come from the local store, the image cache (a built-in image is
imported into the store) or the gateways (--gateway URL or $` + gatewaysEnv + `).
A name ending in .zst compresses the archive with zstd. The same file and
inputs give the same archive bytes. What went in is listed on stderr.

Verify from it with: reprovm verify --archive BUNDLE.car.zst FILE

Exit status: 0 written; 2 FILE is not stamped by reprovm or unreadable;
125 an input could not be found or the archive could not be written;
130 interrupted.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return &statusError{code: exitVMFailed, msg: "archive export: -o BUNDLE.car.zst is required"}
			}
			file, err := readStamped(cmd, "archive export", args[0])
			if err != nil {
				return err
			}
			srcs, err := in.sources(cmd)
			if err != nil {
				return &statusError{code: exitVMFailed, msg: err.Error()}
			}
			stderr := cmd.ErrOrStderr()
			a, err := builder.ExportArchive(cmd.Context(), builder.ArchiveSpec{
				File: file, Out: out, Inputs: srcs, NoSnapshot: noSnapshot,
				Fetcher: &images.Fetcher{Progress: stderr}, Progress: stderr,
			})
			if err != nil {
				return buildError(cmd, err)
			}
			for _, n := range a.Notes {
				fmt.Fprintf(stderr, "reprovm: note: %s\n", n)
			}
			fmt.Fprintf(stderr, "reprovm: wrote %s for %s:\n", out, args[0])
			printArchive(stderr, a)
			return nil
		},
	}
	in.register(cmd)
	fl := cmd.Flags()
	fl.StringVarP(&out, "output", "o", "", "archive `FILE` to write (.car.zst: zstd-compressed; .car: plain)")
	fl.BoolVar(&noSnapshot, "no-snapshot", false, "leave the image's ready snapshot out (smaller; a verification then boots)")
	return cmd
}

func newArchiveImportCmd() *cobra.Command {
	var store storeFlag
	cmd := &cobra.Command{
		Use:   "import [flags] BUNDLE",
		Short: "Store the blocks of an archive, checking every hash, and list what it holds",
		Long: `Read an archive written by reprovm archive export, check every block's bytes
against its CID before storing it, check that every input it lists is
complete, and print the list on stdout. reprovm verify --archive does this
itself; import is for looking inside, or for filling a store once.

Exit status: 0; 125 the archive is damaged, incomplete or not an archive.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := store.open()
			if err != nil {
				return &statusError{code: exitVMFailed, msg: err.Error()}
			}
			a, err := builder.ImportArchive(cmd.Context(), s, args[0])
			if err != nil {
				return buildError(cmd, err)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "reprovm: stored %d blocks from %s in %s\n", a.Blocks, args[0], s.Dir())
			printArchive(cmd.OutOrStdout(), a)
			return nil
		},
	}
	store.register(cmd)
	return cmd
}

// printArchive lists an archive's parts, one a line, and the totals.
func printArchive(w io.Writer, a *builder.Archive) {
	var total int64
	for _, p := range a.Parts {
		fmt.Fprintf(w, "  %-18s %s  %6d blocks  %s\n", p.Role, p.CID, p.Blocks, humanBytes(p.Bytes))
		total += p.Bytes
	}
	fmt.Fprintf(w, "  total: %d blocks, %s of blocks", a.Blocks, humanBytes(total))
	if a.FileSize > 0 {
		fmt.Fprintf(w, ", archive file %s", humanBytes(a.FileSize))
	}
	fmt.Fprintln(w)
}

// humanBytes writes a byte count exactly and, from a kilobyte on, also in
// kB or MB (decimal, as file managers and zstd -l show them).
func humanBytes(n int64) string {
	switch {
	case n < 1000:
		return fmt.Sprintf("%d bytes", n)
	case n < 999_950: // what rounds to 1000.0 kB is 1.0 MB
		return fmt.Sprintf("%d bytes (%.1f kB)", n, float64(n)/1e3)
	default:
		return fmt.Sprintf("%d bytes (%.1f MB)", n, float64(n)/1e6)
	}
}

// readStamped reads a file that must carry a reprovm stamp; anything else
// is exit status 2, as for verify.
func readStamped(cmd *cobra.Command, what, path string) ([]byte, error) {
	file, err := os.ReadFile(path)
	if err != nil {
		return nil, &statusError{code: exitNotStamped, msg: fmt.Sprintf("%s: %v", what, err)}
	}
	if _, err := meta.ReadPublished(file); err != nil {
		if errors.Is(err, meta.ErrNotStamped) {
			return nil, &statusError{code: exitNotStamped, msg: fmt.Sprintf("%s %s: not stamped by reprovm: it has no %s custom section", what, path, meta.SectionName)}
		}
		return nil, &statusError{code: exitNotStamped, msg: fmt.Sprintf("%s %s: %v", what, path, err)}
	}
	return file, nil
}

// archiveFlags are verify's --archive flags.
type archiveFlags struct {
	path  string
	trust bool
}

func (f *archiveFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.path, "archive", "", "verify offline from the archive `BUNDLE` (reprovm archive export): import its blocks, use no gateway and download nothing")
	fl.BoolVar(&f.trust, "trust-archive-snapshot", false, "with --archive, start from the archive's ready snapshot instead of booting (fast, but the stamp does not cover the snapshot: only as trustworthy as the archive's maker)")
}

// apply makes spec use the archive, if one was given. The returned cleanup
// removes what it materialised.
func (f *archiveFlags) apply(cmd *cobra.Command, spec *builder.VerifySpec, in *inputFlags) (func(), error) {
	if f.path == "" {
		if f.trust {
			return func() {}, &statusError{code: exitVMFailed, msg: "verify: --trust-archive-snapshot needs --archive"}
		}
		return func() {}, nil
	}
	if len(in.gateways) > 0 {
		return func() {}, &statusError{code: exitVMFailed, msg: "verify: --archive verifies with no network; drop --gateway"}
	}
	_, cleanup, err := spec.UseArchive(cmd.Context(), f.path, f.trust)
	if err != nil {
		return cleanup, buildError(cmd, fmt.Errorf("verify: %w", err))
	}
	return cleanup, nil
}
