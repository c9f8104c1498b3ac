package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"

	"github.com/spf13/cobra"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"
)

func newWasmCmd() *cobra.Command {
	var call string
	cmd := &cobra.Command{
		Use:   "wasm [flags] FILE [-- ARGS...]",
		Short: "Run a wasm module under wazero, deterministically",
		Long: `Run FILE under wazero, reprovm's wasm runtime, with nothing of the host
visible: no environment, no files, fake clocks that start at 2022-01-01 and
advance 1 ms per read, and a fixed random source. Two runs print the same.

Without --call, FILE is a WASI (wasip1) command, such as a GOOS=wasip1 Go
program: its _start runs with ARGS, stdout and stderr go to stdout and
stderr, and its exit code becomes reprovm's.

With --call NAME, FILE is a library module (such as a wasm32-unknown-unknown
cdylib): its export NAME is called with ARGS as integers and the results are
printed, one per line.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			wasm, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			r := wazero.NewRuntime(ctx)
			defer r.Close(ctx)
			wasi_snapshot_preview1.MustInstantiate(ctx, r)
			compiled, err := r.CompileModule(ctx, wasm)
			if err != nil {
				return fmt.Errorf("wasm %s: %w", args[0], err)
			}
			cfg := wazero.NewModuleConfig().WithArgs(append([]string{args[0]}, args[1:]...)...).
				WithStdout(cmd.OutOrStdout()).WithStderr(cmd.ErrOrStderr())
			if call != "" {
				cfg = cfg.WithStartFunctions() // a library has no _start to run
			}
			mod, err := r.InstantiateModule(ctx, compiled, cfg)
			var exit *sys.ExitError
			if errors.As(err, &exit) {
				if exit.ExitCode() != 0 {
					return &statusError{code: int(exit.ExitCode())}
				}
				return nil
			}
			if err != nil {
				return fmt.Errorf("wasm %s: %w", args[0], err)
			}
			if call == "" {
				return nil
			}
			fn := mod.ExportedFunction(call)
			if fn == nil {
				return fmt.Errorf("wasm %s: no exported function %q", args[0], call)
			}
			var params []uint64
			for _, a := range args[1:] {
				n, err := strconv.ParseInt(a, 0, 64)
				if err != nil {
					return fmt.Errorf("--call %s: argument %q is not an integer", call, a)
				}
				params = append(params, uint64(n))
			}
			if want := len(fn.Definition().ParamTypes()); want != len(params) {
				return fmt.Errorf("--call %s: takes %d arguments, got %d", call, want, len(params))
			}
			res, err := fn.Call(ctx, params...)
			if err != nil {
				return fmt.Errorf("--call %s: %w", call, err)
			}
			for i, v := range res {
				switch fn.Definition().ResultTypes()[i] {
				case api.ValueTypeI32:
					fmt.Fprintln(cmd.OutOrStdout(), int32(v))
				default:
					fmt.Fprintln(cmd.OutOrStdout(), int64(v))
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&call, "call", "", "call the exported function `NAME` of a library module with ARGS")
	return cmd
}
