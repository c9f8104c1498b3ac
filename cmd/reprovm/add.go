package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/reprovm/reprovm/ipfsfetch"
)

// storeFlag is the --store flag every content-addressing command shares.
type storeFlag struct{ dir string }

func (f *storeFlag) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.dir, "store", "", "block store directory (default: the user cache dir's reprovm/blocks)")
}

func (f *storeFlag) open() (*ipfsfetch.Store, error) {
	dir := f.dir
	if dir == "" {
		var err error
		if dir, err = ipfsfetch.DefaultStoreDir(); err != nil {
			return nil, err
		}
	}
	return ipfsfetch.OpenStore(dir)
}

func newAddCmd() *cobra.Command {
	var (
		store   storeFlag
		exclude []string
		withGit bool
	)
	cmd := &cobra.Command{
		Use:   "add [flags] PATH",
		Short: "Import a file or directory into the local store and print its CID",
		Long: fmt.Sprintf(`Import a file, directory or symlink into the local block store and print its
CID. The same tree gives the same CID on every host and every run.

Format: UnixFS, CIDv1, sha2-256, raw leaves, fixed %d-byte (1 MiB) chunks,
balanced layout with at most %d links per node, HAMT directories past
256 KiB: the settings of
  ipfs add -r --cid-version=1 --raw-leaves --chunker=size-1048576 --hidden
with 1024 links per node (IPIP-499's unixfs-v1-2025 profile).

Not recorded: mtimes, owners, permission bits other than the owner's
executable bit, directory read order. Executable files carry UnixFS mode
0755; other files carry no mode (0644). Symlinks are stored with their
target verbatim. Devices, sockets and FIFOs are refused.

Excluded by default: %s (version-control metadata, at any depth); use
--include-git to keep it. --exclude PATTERN (repeatable) leaves out every
entry whose name or slash-separated path below PATH matches the pattern
(Go path.Match syntax, e.g. '*.o' or 'build/*').`,
			ipfsfetch.ChunkSize, ipfsfetch.MaxLinks, strings.Join(ipfsfetch.DefaultExcludes, ", ")),
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := store.open()
			if err != nil {
				return err
			}
			c, err := s.Import(cmd.Context(), args[0], ipfsfetch.ImportOptions{Exclude: exclude, NoDefaultExcludes: withGit})
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), c)
			return err
		},
	}
	store.register(cmd)
	cmd.Flags().StringArrayVar(&exclude, "exclude", nil, "leave out entries matching `PATTERN` (repeatable)")
	cmd.Flags().BoolVar(&withGit, "include-git", false, "import .git directories too")
	return cmd
}
