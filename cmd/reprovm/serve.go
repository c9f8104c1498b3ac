package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"

	"github.com/spf13/cobra"

	"github.com/reprovm/reprovm/ipfsfetch"
)

func newServeCmd() *cobra.Command {
	var (
		store  storeFlag
		listen string
	)
	cmd := &cobra.Command{
		Use:   "serve [flags]",
		Short: "Serve the local store as a read-only trustless gateway",
		Long: `Serve the local block store over HTTP as a trustless gateway (boxo's
gateway handler): /ipfs/CID?format=raw gives a block, ?format=car a CAR of
the DAG. Read-only, nothing deserialized, no requests to anyone else.
Listens on loopback (127.0.0.1:8080) unless --listen says otherwise; with
port 0 a free port is chosen. The first line on stdout is the base URL to
give to reprovm get --gateway. Stops on SIGINT or SIGTERM.

Limits: request headers within 10 s, an idle kept-alive connection is closed
after 60 s, a response must be delivered within 30 minutes, and a request URI
over 2048 bytes gets 414 without being echoed.

Example:
  reprovm serve --listen 127.0.0.1:0 &
  reprovm get --gateway http://127.0.0.1:PORT bafy... -o tree`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := store.open()
			if err != nil {
				return err
			}
			h, err := s.GatewayHandler()
			if err != nil {
				return err
			}
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return fmt.Errorf("serve: %w", err)
			}
			srv := ipfsfetch.NewGatewayServer(h)
			fmt.Fprintf(cmd.OutOrStdout(), "http://%s\n", ln.Addr())
			ctx := cmd.Context()
			stop := context.AfterFunc(ctx, func() {
				sctx, cancel := context.WithTimeout(context.Background(), ipfsfetch.GatewayShutdownTime)
				defer cancel()
				srv.Shutdown(sctx)
			})
			defer stop()
			if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
				return fmt.Errorf("serve: %w", err)
			}
			return nil
		},
	}
	store.register(cmd)
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:8080", "`ADDRESS` to listen on")
	return cmd
}
