package deps_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"

	"github.com/reprovm/reprovm/builder/deps"
)

const contractRust = "../../testdata/examples/contract-rust"

// needCargo skips the test when the host has no cargo, unless CI is set:
// CI must have it (Debian: apt-get install -y cargo).
func needCargo(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("cargo"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("cargo is not installed (apt-get install -y cargo): %v", err)
		}
		t.Skipf("cargo is not installed (apt-get install -y cargo), and CI is not set: %v", err)
	}
}

// cargoTree runs deps.Cargo on crateDir into a new directory and returns it.
func cargoTree(t *testing.T, crateDir string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "crates")
	var log bytes.Buffer
	if err := deps.Cargo(context.Background(), crateDir, out, &log); err != nil {
		t.Fatalf("deps.Cargo(%s): %v\nlog:\n%s", crateDir, err, log.String())
	}
	return out
}

// useTree copies the crate at src to a new directory and points its
// crates.io at tree with deps.CargoConfig, moved from /deps/<name> to the
// host path of the tree, and returns the copy.
func useTree(t *testing.T, src, tree string) string {
	t.Helper()
	dir := t.TempDir()
	copyDir(t, dir, src)
	cfg, err := deps.CargoConfig("crates")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(cfg, `directory = "/deps/crates"`) {
		t.Fatalf("CargoConfig does not point at /deps/crates:\n%s", cfg)
	}
	cfg = strings.ReplaceAll(cfg, "/deps/crates", filepath.ToSlash(tree))
	if err := os.MkdirAll(filepath.Join(dir, ".cargo"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".cargo", "config.toml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// offlineCargoEnv is this process's environment with cargo kept off the
// network and its build directory inside the test's.
func offlineCargoEnv(t *testing.T) []string {
	return append(os.Environ(), "CARGO_NET_OFFLINE=true", "CARGO_TARGET_DIR="+t.TempDir())
}

// TestCargoContractRust: contract-rust has no crates.io dependencies, so
// its tree is empty, and the crate resolves and builds against that tree
// with cargo offline. If the host's rustc has the wasm32-unknown-unknown
// standard library, the test builds the contract and calls its exports
// under wazero; otherwise that build is the guest's (the rust-wasm image
// has the target), and the test builds the crate for the host instead.
func TestCargoContractRust(t *testing.T) {
	needCargo(t)
	before := lockFiles(t, contractRust, "Cargo.toml", "Cargo.lock")
	tree := cargoTree(t, contractRust)
	if got := listing(t, tree); got != "./ drwxr-xr-x\n" {
		t.Errorf("tree of a crate with no dependencies:\n%s", got)
	}
	if after := lockFiles(t, contractRust, "Cargo.toml", "Cargo.lock"); after != before {
		t.Errorf("deps.Cargo changed the crate:\n%s\nwas\n%s", after, before)
	}
	dir := useTree(t, contractRust, tree)
	env := offlineCargoEnv(t)
	command(t, dir, env, "cargo", "metadata", "--offline", "--locked", "--format-version", "1")

	if wasmRustc("rustc") == "" {
		t.Logf("cargo's rustc has no wasm32-unknown-unknown standard library; building for the host (TestContractRustWasm and the rust-wasm image build the wasm)")
		command(t, dir, env, "cargo", "build", "--release", "--offline", "--locked")
		return
	}
	command(t, dir, env, "cargo", "build", "--release", "--offline", "--locked", "--target", "wasm32-unknown-unknown")
	target := env[len(env)-1][len("CARGO_TARGET_DIR="):]
	wasm, err := os.ReadFile(filepath.Join(target, "wasm32-unknown-unknown", "release", "contract_rust.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	checkContract(t, wasm)
}

// wasmRustc returns the first of the given rustc commands that has the
// wasm32-unknown-unknown standard library, or "".
func wasmRustc(candidates ...string) string {
	for _, rustc := range candidates {
		libdir, err := tryCommand("", nil, rustc, "--print", "target-libdir", "--target", "wasm32-unknown-unknown")
		if err != nil {
			continue
		}
		if m, _ := filepath.Glob(filepath.Join(strings.TrimSpace(libdir), "libcore-*.rlib")); len(m) > 0 {
			return rustc
		}
	}
	return ""
}

// TestContractRustWasm compiles contract-rust's lib.rs for
// wasm32-unknown-unknown with rustc alone, the release profile's settings
// given as flags, and calls its exports under wazero. It needs a rustc with
// the wasm32 standard library: rustup's with that target, or Debian's
// (apt-get install rustc libstd-rust-dev-wasm32 lld; bookworm's 1.63 is
// older than Cargo.lock version 4, hence rustc without cargo).
func TestContractRustWasm(t *testing.T) {
	rustc := wasmRustc("rustc", "/usr/bin/rustc")
	if rustc == "" {
		t.Skip("no rustc with the wasm32-unknown-unknown standard library (apt-get install rustc libstd-rust-dev-wasm32 lld)")
	}
	wasm := filepath.Join(t.TempDir(), "contract_rust.wasm")
	command(t, "", nil, rustc, "--edition", "2021", "--target", "wasm32-unknown-unknown",
		"--crate-type", "cdylib", "--crate-name", "contract_rust",
		"-C", "opt-level=s", "-C", "lto", "-C", "codegen-units=1", "-C", "panic=abort", "-C", "strip=symbols",
		"-o", wasm, filepath.Join(contractRust, "src", "lib.rs"))
	data, err := os.ReadFile(wasm)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: contract_rust.wasm is %d bytes", rustc, len(data))
	checkContract(t, data)
}

// checkContract calls contract-rust's exports under wazero.
func checkContract(t *testing.T, wasm []byte) {
	t.Helper()
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	mod, err := r.Instantiate(ctx, wasm)
	if err != nil {
		t.Fatalf("instantiate contract: %v", err)
	}
	// The FNV-1a 32 of the table, computed here independently.
	h := uint32(0x811c9dc5)
	for _, b := range []byte("reprovm builds the same bytes on every host") {
		h = (h ^ uint32(b)) * 0x01000193
	}
	for _, c := range []struct {
		fn   string
		args []uint64
		want uint64
	}{
		{"add", []uint64{2, 3}, 5},
		{"add", []uint64{0x7fffffff, 1}, 0x80000000}, // wraps to math.MinInt32
		{"fib", []uint64{0}, 0},
		{"fib", []uint64{10}, 55},
		{"fib", []uint64{93}, 12200160415121876738},
		{"checksum", nil, uint64(h)},
		{"table_len", nil, 43},
	} {
		fn := mod.ExportedFunction(c.fn)
		if fn == nil {
			t.Errorf("contract exports no %s", c.fn)
			continue
		}
		got, err := fn.Call(ctx, c.args...)
		if err != nil || len(got) != 1 || got[0]&0xffffffff != c.want&0xffffffff || (c.fn == "fib" && got[0] != c.want) {
			t.Errorf("%s(%v) = %v, %v; want %d", c.fn, c.args, got, err, c.want)
		}
	}
}

// TestCargoPathOnly: a path dependency is part of the source, not the
// tree: the tree is empty and the crate builds and runs offline.
func TestCargoPathOnly(t *testing.T) {
	needCargo(t)
	tree := cargoTree(t, "testdata/cargo-path")
	if got := listing(t, tree); got != "./ drwxr-xr-x\n" {
		t.Errorf("tree of a crate with only a path dependency:\n%s", got)
	}
	dir := useTree(t, "testdata/cargo-path", tree)
	if out := command(t, dir, offlineCargoEnv(t), "cargo", "run", "--offline", "--locked", "--quiet"); out != "42\n" {
		t.Errorf("cargo-path printed %q", out)
	}
}

// registryCrate writes a crates.io package as a cargo directory source
// could hold it, the way a host that reaches crates.io (or a mirror)
// provides it: <name>-<version>/ with its files and .cargo-checksum.json.
// It returns the package checksum that Cargo.lock must record.
func registryCrate(t *testing.T, source, name, version string, files map[string]string) string {
	t.Helper()
	dir := filepath.Join(source, name+"-"+version)
	var sums []string
	for path, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		sums = append(sums, fmt.Sprintf("%q:%q", path, fmt.Sprintf("%x", sha256.Sum256([]byte(content)))))
	}
	pkg := sha256.Sum256([]byte(name + " " + version))
	checksum := hex.EncodeToString(pkg[:])
	js := `{"files":{` + strings.Join(sums, ",") + `},"package":"` + checksum + `"}`
	if err := os.WriteFile(filepath.Join(dir, ".cargo-checksum.json"), []byte(js), 0o644); err != nil {
		t.Fatal(err)
	}
	return checksum
}

// TestCargoRegistryDependency is the case crates.io would serve, with a
// local mirror instead (crates.io is out of reach here): the crate depends
// on tinydep from crates.io, and its cargo configuration replaces
// crates.io with a directory source holding tinydep. Cargo vendors tinydep
// from it (vendoring respects source replacement), twice to the same
// bytes; the crate, with CargoConfig pointing crates.io at the tree and
// cargo offline, builds and runs; and a tree missing tinydep fails the
// build.
func TestCargoRegistryDependency(t *testing.T) {
	needCargo(t)
	mirror := t.TempDir()
	checksum := registryCrate(t, mirror, "tinydep", "0.1.0", map[string]string{
		"Cargo.toml": "[package]\nname = \"tinydep\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
		"src/lib.rs": "pub fn seven() -> u32 {\n    7\n}\n",
	})
	app := t.TempDir()
	for path, content := range map[string]string{
		"Cargo.toml":         "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\ntinydep = \"0.1\"\n",
		"src/main.rs":        "fn main() {\n    println!(\"{}\", tinydep::seven());\n}\n",
		".cargo/config.toml": "[source.crates-io]\nreplace-with = \"mirror\"\n\n[source.mirror]\ndirectory = \"" + filepath.ToSlash(mirror) + "\"\n",
		"Cargo.lock": "version = 3\n\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\ndependencies = [\n \"tinydep\",\n]\n\n" +
			"[[package]]\nname = \"tinydep\"\nversion = \"0.1.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"" + checksum + "\"\n",
	} {
		p := filepath.Join(app, filepath.FromSlash(path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	tree := cargoTree(t, app)
	got := listing(t, tree)
	if again := listing(t, cargoTree(t, app)); again != got {
		t.Errorf("two runs differ:\n%s\n%s", got, again)
	}
	for _, want := range []string{"tinydep-0.1.0/.cargo-checksum.json ", "tinydep-0.1.0/Cargo.toml ", "tinydep-0.1.0/src/lib.rs "} {
		if !strings.Contains(got, "\n"+want) {
			t.Errorf("tree lacks %s:\n%s", want, got)
		}
	}

	if err := os.Remove(filepath.Join(app, ".cargo", "config.toml")); err != nil {
		t.Fatal(err)
	}
	dir := useTree(t, app, tree)
	if out := command(t, dir, offlineCargoEnv(t), "cargo", "run", "--offline", "--locked", "--quiet"); out != "7\n" {
		t.Errorf("app printed %q", out)
	}

	empty := t.TempDir()
	dir = useTree(t, app, empty)
	if out, err := tryCommand(dir, offlineCargoEnv(t), "cargo", "build", "--offline", "--locked"); err == nil {
		t.Errorf("cargo build against an empty tree succeeded:\n%s", out)
	} else if !strings.Contains(err.Error(), "tinydep") {
		t.Errorf("cargo build against an empty tree: %v", err)
	}
}

// TestCargoErrors: failures name what failed and leave nothing behind.
func TestCargoErrors(t *testing.T) {
	needCargo(t)
	noLock := t.TempDir()
	copyDir(t, noLock, "testdata/cargo-path")
	if err := os.Remove(filepath.Join(noLock, "Cargo.lock")); err != nil {
		t.Fatal(err)
	}
	stale := t.TempDir()
	copyDir(t, stale, "testdata/cargo-path")
	if err := os.WriteFile(filepath.Join(stale, "helper", "Cargo.toml"), []byte("[package]\nname = \"helper\"\nversion = \"0.2.0\"\nedition = \"2021\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	existing := t.TempDir()
	for _, tt := range []struct {
		name, crateDir, out string
		want                []string
	}{
		{"no Cargo.toml", t.TempDir(), "", []string{"Cargo.toml"}},
		{"no Cargo.lock", noLock, "", []string{"Cargo.lock", "generate-lockfile"}},
		{"Cargo.lock out of date", stale, "", []string{"cargo vendor", "lock file"}},
		{"out exists", "testdata/cargo-path", existing, []string{existing, "already exists"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out := tt.out
			if out == "" {
				out = filepath.Join(t.TempDir(), "crates")
			}
			err := deps.Cargo(context.Background(), tt.crateDir, out, nil)
			if err == nil {
				t.Fatal("no error")
			}
			t.Logf("error: %v", err)
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if tt.out == "" {
				noLeftovers(t, out)
			}
		})
	}
}
