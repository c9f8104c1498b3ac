package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/ipfs/go-cid"
	"github.com/spf13/cobra"

	"github.com/reprovm/reprovm/ipfsfetch"
)

func newCARCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "car",
		Short: "Export and import CAR archives of the local store",
	}
	cmd.AddCommand(newCARExportCmd(), newCARImportCmd())
	return cmd
}

func newCARExportCmd() *cobra.Command {
	var (
		store storeFlag
		out   string
		force bool
	)
	cmd := &cobra.Command{
		Use:   "export [flags] CID... -o FILE.car[.zst]",
		Short: "Write the DAGs of CIDs from the store to a CAR file",
		Long: `Write a CARv1 archive holding the given roots and every block of their
DAGs, once each, in depth-first order. A name ending in .zst compresses it
with zstd. The same CIDs give the same file bytes. An existing FILE is
replaced only with --force.

Example:
  reprovm car export bafybeibn3yk... -o deps.car.zst`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return errors.New("car export: -o FILE is required")
			}
			if _, err := os.Lstat(out); err == nil && !force {
				return fmt.Errorf("car export: %s exists; give --force to replace it", out)
			}
			roots := make([]cid.Cid, len(args))
			for i, a := range args {
				c, err := ipfsfetch.ParseCID(a)
				if err != nil {
					return err
				}
				roots[i] = c
			}
			s, err := store.open()
			if err != nil {
				return err
			}
			n, err := s.ExportCARFile(cmd.Context(), out, roots)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "reprovm: wrote %d blocks to %s\n", n, out)
			return nil
		},
	}
	store.register(cmd)
	cmd.Flags().StringVarP(&out, "output", "o", "", "CAR file to write (.zst: zstd-compressed)")
	cmd.Flags().BoolVar(&force, "force", false, "replace FILE if it exists")
	return cmd
}

func newCARImportCmd() *cobra.Command {
	var store storeFlag
	cmd := &cobra.Command{
		Use:   "import [flags] FILE",
		Short: "Store the blocks of a CAR file (plain or zstd), checking every hash",
		Long: `Read a CARv1 or CARv2 archive, plain or zstd-compressed, check every block's
bytes against its CID before storing it, check that the DAG of every root
is complete, and print the roots.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := store.open()
			if err != nil {
				return err
			}
			roots, n, err := s.ImportCARFile(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "reprovm: stored %d blocks from %s\n", n, args[0])
			for _, r := range roots {
				fmt.Fprintln(cmd.OutOrStdout(), r)
			}
			return nil
		},
	}
	store.register(cmd)
	return cmd
}
