package meta

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"
)

// tinyModule is a hand-written module with a type, function, memory,
// export, code and data section: one exported function f that does
// nothing, and "hi" at address 0.
var tinyModule = []byte{
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // header
	0x01, 0x04, 0x01, 0x60, 0x00, 0x00, // type: [] -> []
	0x03, 0x02, 0x01, 0x00, // function: 1 function of type 0
	0x05, 0x03, 0x01, 0x00, 0x01, // memory: min 1 page
	0x07, 0x05, 0x01, 0x01, 'f', 0x00, 0x00, // export "f" = func 0
	0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b, // code: no locals, end
	0x0b, 0x08, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x02, 'h', 'i', // data: "hi" at 0
}

// tinyModule's section offsets, for tests that poke at them.
const (
	tinyCodeOffset = 30
	tinyDataOffset = 36
)

// goProgram is what the real test module runs: it prints to stdout, so a
// test can check that stamping does not change what the module does.
const goProgram = `package main

import "fmt"

func main() { fmt.Println("hello from a stamped module") }
`

var goModuleOnce = sync.OnceValues(buildGoModule)

// goModule returns a real wasm module: goProgram built by the host's Go
// toolchain for wasip1. The test is skipped if go is not on PATH, unless
// CI=true, where a missing toolchain is a failure.
func goModule(t testing.TB) []byte {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("go is not on PATH (CI=true): %v", err)
		}
		t.Skipf("go is not on PATH: %v", err)
	}
	b, err := goModuleOnce()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func buildGoModule() ([]byte, error) {
	dir, err := os.MkdirTemp("", "meta-test-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	src := filepath.Join(dir, "main.go")
	if err := os.WriteFile(src, []byte(goProgram), 0o644); err != nil {
		return nil, err
	}
	out := filepath.Join(dir, "app.wasm")
	cmd := exec.Command("go", "build", "-o", out, src)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0", "GOFLAGS=-trimpath", "GO111MODULE=on")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, errors.New("go build for wasip1: " + err.Error() + "\n" + string(msg))
	}
	return os.ReadFile(out)
}

// runWasm runs a wasip1 module under wazero and returns its stdout.
func runWasm(t *testing.T, wasm []byte) string {
	t.Helper()
	ctx := context.Background()
	r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
	defer r.Close(ctx)
	wasi_snapshot_preview1.MustInstantiate(ctx, r)
	var stdout bytes.Buffer
	_, err := r.InstantiateWithConfig(ctx, wasm, wazero.NewModuleConfig().WithArgs("app").WithStdout(&stdout))
	var ee *sys.ExitError
	if err != nil && !(errors.As(err, &ee) && ee.ExitCode() == 0) {
		t.Fatalf("run module: %v", err)
	}
	return stdout.String()
}

// testStamp returns a complete stamp whose output /out/app.wasm is wasm.
func testStamp(wasm []byte) *Stamp {
	return &Stamp{
		Argv:      []string{"sh", "-c", "cd /src && go build -o /out/app.wasm . && echo <done>"},
		Deps:      map[string]string{"zlib": "bafybeiczsscdsbs7ffqz55asqdf3smv6klcw3gofszvwlyarci47bgf354", "abc": "bafkqaaa"},
		Emulator:  "1.0.0",
		Env:       []string{"GOOS=wasip1", "GOARCH=wasm", "EMPTY="},
		Format:    FormatVersion,
		Image:     "bafybeidozhaq46cd5qypnz4t54yef2mr6t6c2vj6puqdvczr6k3bn5di3m",
		Instret:   24_000_000_123,
		LogSHA256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		Machine:   Machine{Bootargs: "console=ttyS0 quiet", MaxInsns: 100_000_000_000, RAMSize: 2 << 30},
		Outputs: []Output{
			{Path: "/out/app.wasm", SHA256: hexSHA256(sha256.Sum256(wasm)), Size: uint64(len(wasm))},
			{Path: "/out/z.txt", SHA256: "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae", Size: 3},
		},
		Reprovm: "0.1.0-dev",
		Source: Source{
			CID:       "bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4",
			GitCommit: "0123456789abcdef0123456789abcdef01234567",
			GitURL:    "https://github.com/reprovm/example",
		},
		Workdir: "/src",
	}
}

// mustStamp stamps wasm with testStamp.
func mustStamp(t testing.TB, wasm []byte, formats ...Format) ([]byte, *Stamp) {
	t.Helper()
	s := testStamp(wasm)
	out, err := StampWasm(wasm, s, formats...)
	if err != nil {
		t.Fatal(err)
	}
	return out, s
}
