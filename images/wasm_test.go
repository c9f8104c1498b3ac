package images_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/reprovm/reprovm/builder"
	"github.com/reprovm/reprovm/images"
)

// TestGoImageBuildsWasm is the go image's end-to-end check: Go 1.24,
// inside the machine, builds a GOOS=wasip1 program into /out, and the
// module it returns runs under wazero and prints what the program says.
// A cold standard-library build: about 24 billion guest instructions.
func TestGoImageBuildsWasm(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a Go build of about 24 billion instructions in the machine")
	}
	ctx := context.Background()
	res := runInImage(t, "go", `cd /tmp && printf 'package main\nfunc main(){println("hello from wasip1")}\n' > m.go &&
		GOOS=wasip1 GOARCH=wasm go build -o /out/m.wasm m.go`, "m.wasm")

	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	wasi_snapshot_preview1.MustInstantiate(ctx, r)
	var stderr bytes.Buffer
	if _, err := r.InstantiateWithConfig(ctx, res.Files[0].Data,
		wazero.NewModuleConfig().WithArgs("m").WithStderr(&stderr)); err != nil {
		t.Fatalf("run m.wasm under wazero: %v", err)
	}
	if got := stderr.String(); !strings.Contains(got, "hello from wasip1\n") {
		t.Errorf("m.wasm printed %q", got)
	}
}

// TestRustImageBuildsWasm: rustc 1.85 in the rust-wasm image builds a
// wasm32-unknown-unknown cdylib into /out, and wazero calls its export.
func TestRustImageBuildsWasm(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 1.4 GB image and runs rustc in the machine")
	}
	ctx := context.Background()
	res := runInImage(t, "rust-wasm", `cd /tmp && printf '#[no_mangle]\npub extern "C" fn add(a: i32, b: i32) -> i32 { a + b }\n' > lib.rs &&
		rustc --target wasm32-unknown-unknown --crate-type cdylib -O -o /out/lib.wasm lib.rs`, "lib.wasm")
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	mod, err := r.Instantiate(ctx, res.Files[0].Data)
	if err != nil {
		t.Fatalf("instantiate lib.wasm: %v", err)
	}
	add := mod.ExportedFunction("add")
	if add == nil {
		t.Fatal("lib.wasm exports no add")
	}
	out, err := add.Call(ctx, 2, 3)
	if err != nil || len(out) != 1 || int32(out[0]) != 5 {
		t.Fatalf("add(2, 3) = %v, %v; want 5", out, err)
	}
}

// runInImage builds (or reuses) the built-in image name and runs the shell
// script in it, returning the run's result after checking that the script
// exited 0 and left exactly the file want in /out.
func runInImage(t *testing.T, name, script, want string) *builder.Result {
	t.Helper()
	ctx := context.Background()
	dir, err := (&images.Fetcher{}).BuiltinImage(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	res, err := builder.Run(ctx, builder.RunSpec{
		Argv:     []string{"sh", "-c", script},
		Image:    dir,
		MaxInsns: 100_000_000_000,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s image: %d instructions, %v", name, res.Instret, res.Wall)
	if res.ExitStatus != 0 || len(res.Files) != 1 || res.Files[0].Name != want {
		t.Fatalf("build: status %d, files %v", res.ExitStatus, res.Files)
	}
	return res
}
