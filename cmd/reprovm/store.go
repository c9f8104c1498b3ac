package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"
)

func newStoreCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "store",
		Short: "Look after the local block store",
	}
	cmd.AddCommand(newStoreVerifyCmd())
	return cmd
}

func newStoreVerifyCmd() *cobra.Command {
	var (
		store  storeFlag
		repair bool
	)
	cmd := &cobra.Command{
		Use:   "verify [flags]",
		Short: "Rehash every block in the store and report the damaged ones",
		Long: `Read every block file of the local store, hash it and compare the hash with
the file's name (the block's sha2-256 multihash). Damaged files, files that
are not blocks and blocks in the wrong directory are listed, one per line,
on stdout. With --repair they are moved to the store's quarantine directory
(kept as evidence), so that the next get, build or fetch through a gateway
stores a good copy.

Reading a damaged block also moves it to the quarantine, and adding or
fetching a block replaces a damaged copy, so a store mends itself as it is
used; verify finds damage before it is needed.

Example:
  reprovm store verify --repair

Exit status: 0 every block is good (or, with --repair, every bad one was
moved aside), 1 damaged blocks were found and left in place, 3 the store
could not be read.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := store.open()
			if err != nil {
				return err
			}
			stderr := cmd.ErrOrStderr()
			last := time.Now()
			progress := func(n int) {
				if time.Since(last) >= 2*time.Second {
					last = time.Now()
					fmt.Fprintf(stderr, "reprovm: %d blocks checked\n", n)
				}
			}
			n, bad, err := s.Verify(cmd.Context(), repair, progress)
			for _, b := range bad {
				fmt.Fprintf(cmd.OutOrStdout(), "%s: %v\n", b.Path, b.Err)
			}
			if err != nil {
				return err
			}
			switch {
			case len(bad) == 0:
				fmt.Fprintf(stderr, "reprovm: %d blocks in %s, all good\n", n, s.Dir())
			case repair:
				fmt.Fprintf(stderr, "reprovm: %d blocks in %s, %d bad, moved to %s\n", n, s.Dir(), len(bad), s.QuarantineDir())
			default:
				return &statusError{code: 1, msg: fmt.Sprintf("%d blocks in %s, %d bad (reprovm store verify --repair moves them aside)", n, s.Dir(), len(bad))}
			}
			return nil
		},
	}
	store.register(cmd)
	cmd.Flags().BoolVar(&repair, "repair", false, "move bad block files to the store's quarantine directory")
	return cmd
}
