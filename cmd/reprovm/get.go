package main

import (
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/reprovm/reprovm/ipfsfetch"
)

// gatewaysEnv lists gateway URLs, separated by commas or spaces, for get
// when no --gateway flag is given.
const gatewaysEnv = "REPROVM_GATEWAYS"

func newGetCmd() *cobra.Command {
	var (
		store    storeFlag
		out      string
		gateways []string
		timeout  time.Duration
		retries  int
		parallel int
	)
	cmd := &cobra.Command{
		Use:   "get [flags] CID [-o PATH]",
		Short: "Write a file or tree from the store, fetching missing blocks from gateways",
		Long: `Write the file, directory or symlink named by CID to PATH (default: the CID
in the current directory). Blocks missing from the local store are fetched
from trustless HTTP gateways (GET /ipfs/CID?format=raw) and each is hashed
and compared with its CID before it is used or stored.

Offline by default: gateways come from --gateway URL (repeatable, tried in
order) or else from $` + gatewaysEnv + ` (URLs separated by commas or
spaces). A rerun after an interruption fetches only the missing blocks.
The output is written to a temporary directory next to PATH and renamed at
the end; a failure leaves nothing at PATH. Progress goes to stderr.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			root, err := ipfsfetch.ParseCID(args[0])
			if err != nil {
				return err
			}
			if out == "" {
				out = root.String()
			}
			if len(gateways) == 0 {
				gateways = strings.FieldsFunc(os.Getenv(gatewaysEnv), func(r rune) bool { return r == ',' || r == ' ' })
			}
			s, err := store.open()
			if err != nil {
				return err
			}
			f := &ipfsfetch.Fetcher{Store: s, Gateways: gateways, Timeout: timeout, Retries: retries,
				Parallel: parallel, Progress: cmd.ErrOrStderr()}
			if _, err := f.Fetch(cmd.Context(), root); err != nil {
				return err
			}
			return s.Materialise(cmd.Context(), root, out)
		},
	}
	store.register(cmd)
	cmd.Flags().StringVarP(&out, "output", "o", "", "where to write the file or tree (must not exist)")
	cmd.Flags().StringArrayVar(&gateways, "gateway", nil, "trustless gateway base `URL` (repeatable)")
	cmd.Flags().DurationVar(&timeout, "timeout", 30*time.Second, "time limit of one request")
	cmd.Flags().IntVar(&retries, "retries", 2, "retries of a request that timed out or got a server error, per gateway")
	cmd.Flags().IntVar(&parallel, "parallel", 8, "blocks fetched at once")
	return cmd
}
