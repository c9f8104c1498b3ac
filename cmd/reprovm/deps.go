package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/reprovm/reprovm/builder"
	"github.com/reprovm/reprovm/builder/deps"
	"github.com/reprovm/reprovm/internal/scratch"
	"github.com/reprovm/reprovm/ipfsfetch"
)

func newDepsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "deps",
		Short: "Prepare a project's dependencies on the host and record them by CID",
		Long: `Download a project's dependencies on the host with its ordinary tooling (the
network is allowed here, and only here), import the result into the local
store, and record it in the project's ` + builder.RecipeFile + ` as [deps] NAME = CID.
A build then sees the tree read-only at /deps/NAME, with no network.`,
	}
	cmd.AddCommand(newDepsGoCmd(), newDepsCargoCmd())
	return cmd
}

func newDepsGoCmd() *cobra.Command {
	var (
		store storeFlag
		name  string
	)
	cmd := &cobra.Command{
		Use:   "go [flags] [DIR]",
		Short: "Record a Go module's dependencies (a module proxy tree) by CID",
		Long: `Run the host's go command to download every module the Go module in DIR
(default .) needs, into a fresh module cache, and keep its proxy files (the
.info, .mod and .zip of each module version) as a tree. Import the tree,
set [deps] NAME (default gomod) to its CID in DIR/` + builder.RecipeFile + `, and set
the environment under which the guest's go command builds from it:

  GOPROXY=file:///deps/NAME GOSUMDB=off GOFLAGS="-mod=mod -trimpath"
  GOMODCACHE=/tmp/gomodcache GOWORK=off GOTOOLCHAIN=local

The go command in the guest checks every module against go.sum, and a module
missing from the tree is an error, never a download. The same go.mod and
go.sum give the same CID on every host.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := dirArg(args)
			env, err := deps.GoEnv(name)
			if err != nil {
				return err
			}
			return recordDeps(cmd, store, dir, name, env, "", func(ctx context.Context, out string, log io.Writer) error {
				return deps.Go(ctx, dir, out, log)
			})
		},
	}
	store.register(cmd)
	cmd.Flags().StringVar(&name, "name", "gomod", "the dependency's `NAME` (/deps/NAME in the guest)")
	return cmd
}

func newDepsCargoCmd() *cobra.Command {
	var (
		store storeFlag
		name  string
	)
	cmd := &cobra.Command{
		Use:   "cargo [flags] [DIR]",
		Short: "Record a cargo package's dependencies (cargo vendor) by CID",
		Long: `Run the host's cargo vendor --locked for the package or workspace in DIR
(default .), import the vendored tree, set [deps] NAME (default cargo) to its
CID in DIR/` + builder.RecipeFile + `, and write DIR/.cargo/config.toml, which replaces
crates.io with /deps/NAME and turns cargo offline in the guest. Cargo.lock
must be committed: it fixes every vendored byte by checksum.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := dirArg(args)
			config, err := deps.CargoConfig(name)
			if err != nil {
				return err
			}
			return recordDeps(cmd, store, dir, name, nil, config, func(ctx context.Context, out string, log io.Writer) error {
				return deps.Cargo(ctx, dir, out, log)
			})
		},
	}
	store.register(cmd)
	cmd.Flags().StringVar(&name, "name", "cargo", "the dependency's `NAME` (/deps/NAME in the guest)")
	return cmd
}

func dirArg(args []string) string {
	if len(args) == 1 {
		return args[0]
	}
	return "."
}

// recordDeps prepares a dependency tree with prepare, imports it, and
// records it in DIR's recipe (and cargoConfig in DIR/.cargo/config.toml).
func recordDeps(cmd *cobra.Command, store storeFlag, dir, name string, env []string, cargoConfig string,
	prepare func(context.Context, string, io.Writer) error) error {
	recipePath := filepath.Join(dir, builder.RecipeFile)
	text, err := os.ReadFile(recipePath)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	s, err := store.open()
	if err != nil {
		return err
	}
	td, err := scratch.MkdirCacheTemp("deps-")
	if err != nil {
		return err
	}
	defer td.RemoveAll()
	tree := filepath.Join(td.Path, "tree")
	stderr := cmd.ErrOrStderr()
	if err := prepare(cmd.Context(), tree, stderr); err != nil {
		return err
	}
	c, err := s.Import(cmd.Context(), tree, ipfsfetch.ImportOptions{})
	if err != nil {
		return err
	}
	out := builder.SetTOMLKey(string(text), "deps", name, c.String())
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		out = builder.SetTOMLKey(out, "env", k, v)
	}
	if _, err := builder.ParseRecipe(recipePath, []byte(out)); err != nil && len(text) > 0 {
		return fmt.Errorf("%s after the update: %w", recipePath, err)
	}
	if cargoConfig != "" {
		cfg := filepath.Join(dir, ".cargo", "config.toml")
		if err := os.MkdirAll(filepath.Dir(cfg), 0o755); err != nil {
			return err
		}
		if err := builder.WriteFileAtomic(cfg, []byte(cargoConfig)); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "reprovm: wrote %s\n", cfg)
	}
	if err := builder.WriteFileAtomic(recipePath, []byte(out)); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "reprovm: %s: deps.%s = %s\n", recipePath, name, c)
	fmt.Fprintln(cmd.OutOrStdout(), c)
	return nil
}
