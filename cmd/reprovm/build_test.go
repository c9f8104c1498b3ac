package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/reprovm/reprovm/builder"
	"github.com/reprovm/reprovm/meta"
)

// tinyWasm is (module (func (export "f") (result i32) i32.const 42)).
var tinyWasm = []byte{
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
	0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, // type: () -> i32
	0x03, 0x02, 0x01, 0x00, // function 0 has type 0
	0x07, 0x05, 0x01, 0x01, 'f', 0x00, 0x00, // export "f" = func 0
	0x0a, 0x06, 0x01, 0x04, 0x00, 0x41, 0x2a, 0x0b, // code: i32.const 42
}

// tinyProject writes a project whose build copies a wasm module from its
// source to /out: a build that costs one boot and the go image's warm-up
// the first time, when it makes the image's ready snapshot (with the
// default RAM size, so that the demo's builds share it), and then a few
// million guest instructions after the ready point, for testing build,
// stamp and verify on the real machine.
func tinyProject(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	recipe := `image = "go"
command = ["cp", "m.wasm", "/out/m.wasm"]
outputs = ["/out/m.wasm"]
max_insns = 5000000000
`
	if err := os.WriteFile(filepath.Join(dir, "reprovm.toml"), []byte(recipe), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "m.wasm"), tinyWasm, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestBuildVerify builds a tiny project on the real machine and image,
// then checks verify on the stamped module (a match), on the module with
// one byte of its code section flipped (a mismatch naming the code
// section and the offset, exit 1), and on the module without its stamp
// ("not stamped by reprovm", exit 2); and --expect with each rule.
func TestBuildVerify(t *testing.T) {
	if testing.Short() {
		t.Skip("boots the machine four times")
	}
	ctx := context.Background()
	dir := tinyProject(t)
	store := filepath.Join(t.TempDir(), "store")
	out := filepath.Join(t.TempDir(), "out")
	r := runCLI(ctx, "build", "--quiet", "--store", store, "--out", out, dir)
	if r.code != 0 {
		t.Fatalf("build: exit %d\n%s", r.code, r.stderr)
	}
	stamped, err := os.ReadFile(filepath.Join(out, "m.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(stamped)
	if want := hex.EncodeToString(sum[:]) + "  " + filepath.Join(out, "m.wasm") + "\n"; r.stdout != want {
		t.Errorf("build stdout %q, want %q", r.stdout, want)
	}
	if !bytes.HasPrefix(stamped, tinyWasm) || len(stamped) == len(tinyWasm) {
		t.Fatalf("the output is not the module with a stamp appended")
	}
	st, err := meta.ReadStamp(ctx, stamped)
	if err != nil {
		t.Fatal(err)
	}
	core := sha256.Sum256(tinyWasm)
	if len(st.Outputs) != 1 || st.Outputs[0].SHA256 != hex.EncodeToString(core[:]) || st.Workdir != "/src" || st.Instret == 0 {
		t.Errorf("stamp: %+v", st)
	}
	for _, name := range []string{provenanceName, logName, transcriptName} {
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Error(err)
		}
	}
	// The transcript: the ready point and the end, whose root and hash the
	// stamp records.
	tb, err := os.ReadFile(filepath.Join(out, transcriptName))
	if err != nil {
		t.Fatal(err)
	}
	tr, err := meta.ParseTranscript(tb)
	if err != nil {
		t.Fatal(err)
	}
	if h, _ := tr.SHA256(); len(tr.Checkpoints) != 2 || tr.Final().Root != st.StateRoot || h != st.TranscriptSHA256 ||
		st.Machine.CheckpointEvery != builder.DefaultCheckpointEvery || tr.Final().Instret != st.Instret {
		t.Errorf("transcript %+v does not match the stamp %+v", tr, st)
	}
	// The provenance lists the one source file the command read, whole.
	prov, err := os.ReadFile(filepath.Join(out, provenanceName))
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf(`"annotations":{"bytesRead":%d,"size":%d},"name":"source/m.wasm"`, len(tinyWasm), len(tinyWasm)); !strings.Contains(string(prov), want) {
		t.Errorf("provenance lacks %s:\n%s", want, prov)
	}
	// inspect, both ways.
	if r := runCLI(ctx, "inspect", filepath.Join(out, "m.wasm")); r.code != 0 || !strings.Contains(r.stdout, "core sha256   "+hex.EncodeToString(core[:])) {
		t.Errorf("inspect: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := runCLI(ctx, "inspect", "--json", filepath.Join(out, "m.wasm")); r.code != 0 || !strings.HasPrefix(r.stdout, `{"argv":["cp","m.wasm","/out/m.wasm"]`) {
		t.Errorf("inspect --json: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	// A match, with each --expect rule of the published bytes, and
	// --expect of the core.
	r = runCLI(ctx, "verify", "--quiet", "--store", store, filepath.Join(out, "m.wasm"),
		"--expect-sha256", hex.EncodeToString(sum[:]),
		"--expect", "icp:0x"+hex.EncodeToString(sum[:]),
		"--expect", builder.Expectation{Rule: "near"}.Format(stamped),
		"--expect", "sha256:"+hex.EncodeToString(core[:]))
	if r.code != 0 || !strings.HasPrefix(r.stdout, "OK "+filepath.Join(out, "m.wasm")+": the rebuild is byte-identical, sha256 "+hex.EncodeToString(sum[:])) ||
		strings.Count(r.stdout, "OK --expect") != 4 || !strings.Contains(r.stdout, "matches the rebuilt module without reprovm's stamp") {
		t.Fatalf("verify: exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	// A file built by another reprovm version verifies: the rebuild's
	// stamp records the original builder's version, with a note.
	other := *st
	other.Reprovm = "0.0.9"
	older, err := meta.StampWasm(tinyWasm, &other)
	if err != nil {
		t.Fatal(err)
	}
	olderPath := filepath.Join(t.TempDir(), "older.wasm")
	if err := os.WriteFile(olderPath, older, 0o644); err != nil {
		t.Fatal(err)
	}
	r = runCLI(ctx, "verify", "--quiet", "--store", store, olderPath)
	if r.code != 0 || !strings.Contains(r.stderr, "the file was built by reprovm 0.0.9") {
		t.Errorf("verify of another version's file: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	// A wrong --expect is a mismatch.
	r = runCLI(ctx, "verify", "--quiet", "--store", store, filepath.Join(out, "m.wasm"), "--expect", "sha256:"+strings.Repeat("0", 64))
	if r.code != exitBuildFailed || !strings.Contains(r.stdout, "MISMATCH --expect sha256:000") {
		t.Errorf("verify with a wrong --expect: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	// One byte of the code section flipped: i32.const 42 becomes 43.
	flipped := bytes.Clone(stamped)
	at := bytes.Index(flipped, []byte{0x41, 0x2a, 0x0b})
	flipped[at+1] ^= 1
	bad := filepath.Join(t.TempDir(), "flipped.wasm")
	if err := os.WriteFile(bad, flipped, 0o644); err != nil {
		t.Fatal(err)
	}
	keep := filepath.Join(t.TempDir(), "keep")
	r = runCLI(ctx, "verify", "--quiet", "--store", store, "--keep", keep, bad)
	if r.code != exitBuildFailed {
		t.Fatalf("verify of a flipped byte: exit %d, want %d\n%s%s", r.code, exitBuildFailed, r.stdout, r.stderr)
	}
	for _, want := range []string{"MISMATCH " + bad, "first difference at byte " + strconv.Itoa(at+1) + " ", "in the code section", "  code (section 3): ", "the cores are equal"} {
		if want == "the cores are equal" {
			if strings.Contains(r.stdout, want) {
				t.Errorf("mismatch report says %q:\n%s", want, r.stdout)
			}
			continue
		}
		if !strings.Contains(r.stdout, want) {
			t.Errorf("mismatch report lacks %q:\n%s", want, r.stdout)
		}
	}
	if kept, err := os.ReadFile(filepath.Join(keep, "m.wasm")); err != nil || !bytes.Equal(kept, stamped) {
		t.Errorf("--keep: %v (the kept file should be the rebuild, equal to the original)", err)
	}

	// Without the stamp.
	plain := filepath.Join(t.TempDir(), "plain.wasm")
	if err := os.WriteFile(plain, tinyWasm, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"verify", "inspect"} {
		r = runCLI(ctx, cmd, plain)
		if r.code != exitNotStamped || !strings.Contains(r.stderr, "not stamped by reprovm") {
			t.Errorf("%s of an unstamped module: exit %d, stderr %q", cmd, r.code, r.stderr)
		}
	}
}

// TestBuildErrors checks build's refusals before any boot.
func TestBuildErrors(t *testing.T) {
	ctx := context.Background()
	dir := tinyProject(t)
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no recipe", []string{"build", t.TempDir()}, exitVMFailed, "a project declares its build in reprovm.toml"},
		{"bad env", []string{"build", "--env", "NOEQUALS", dir}, exitVMFailed, `--env "NOEQUALS": want KEY=VALUE`},
		{"bad output", []string{"build", "--output", "/etc/passwd", dir}, exitVMFailed, "want a clean path below /out"},
		{"bad format", []string{"build", "--stamp-format", "zip", dir}, exitVMFailed, "--stamp-format"},
		{"bad image", []string{"build", "--image", "nosuch", "--store", filepath.Join(t.TempDir(), "s"), dir}, exitVMFailed, `image "nosuch": not an image directory, a built-in image`},
		{"missing dep", []string{"build", "--dep", "x=bafybeibn3ykinie6ww55wdmrrsijgj4rzwq3q6w4bo6rh5gf2jutmipvca", "--store", filepath.Join(t.TempDir(), "s"), dir}, exitVMFailed, "dependency x bafybeibn3ykinie6ww55wdmrrsijgj4rzwq3q6w4bo6rh5gf2jutmipvca: not (completely) in the local store"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "missing dep" && testing.Short() {
				t.Skip("resolves the built-in go image")
			}
			r := runCLI(ctx, tt.args...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", r.code, r.stderr, tt.code, tt.want)
			}
		})
	}
}

// TestDemo runs make demo's script: hello-go built in the machine from its
// dependency tree, run under wazero, and verified by an independent rebuild
// from an empty store through a gateway. It takes two full in-guest Go
// builds (about 45 billion instructions each).
func TestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("two in-guest Go builds")
	}
	bin := filepath.Join(t.TempDir(), "reprovm")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out := filepath.Join(t.TempDir(), "demo")
	cmd := exec.Command("bash", "../../scripts/demo.sh", bin, out)
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Run(); err != nil {
		t.Fatalf("demo: %v\n%s", err, log.String())
	}
	t.Logf("demo output:\n%s", log.String())
	verify, err := os.ReadFile(filepath.Join(out, "verify.txt"))
	if err != nil {
		t.Fatal(err)
	}
	wasm := filepath.Join(out, "build", "hello.wasm")
	if !strings.HasPrefix(string(verify), "OK "+wasm+": the rebuild is byte-identical") {
		t.Errorf("verify did not report a match: %s", verify)
	}
	run, err := os.ReadFile(filepath.Join(out, "run.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "hello from reprovm\nxxh64(\"hello from reprovm\") = 81a96444dc33658e\n"; string(run) != want {
		t.Errorf("the module printed %q, want %q", run, want)
	}
}

// TestRustExample builds testdata/examples/contract-rust with the
// rust-wasm image (cargo, wasm32-unknown-unknown), calls its exports under
// wazero, and verifies it by a rebuild from an empty store through a
// gateway serving the builder's store.
func TestRustExample(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the 1.4 GB rust-wasm image and runs cargo in the machine twice")
	}
	ctx := context.Background()
	store := filepath.Join(t.TempDir(), "store")
	out := filepath.Join(t.TempDir(), "out")
	proj := "../../testdata/examples/contract-rust"
	r := runCLI(ctx, "build", "--quiet", "--store", store, "--out", out, "--stamp-format", "contractmetav0", proj)
	if r.code != 0 {
		t.Fatalf("build: exit %d\n%s", r.code, r.stderr)
	}
	t.Logf("build: %s", lastLine(r.stderr))
	wasm := filepath.Join(out, "contract.wasm")
	for _, tt := range []struct{ args, want string }{
		{"add 2 40", "42\n"},
		{"fib 90", "2880067194370816120\n"},
		{"table_len", "43\n"},
	} {
		args := strings.Fields(tt.args)
		r := runCLI(ctx, append([]string{"wasm", "--call", args[0], wasm}, args[1:]...)...)
		if r.code != 0 || r.stdout != tt.want {
			t.Errorf("wasm --call %s: exit %d, stdout %q, want %q\n%s", tt.args, r.code, r.stdout, tt.want, r.stderr)
		}
	}
	data, err := os.ReadFile(wasm)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := meta.ReadPublished(data)
	if err != nil || len(pub.Formats) != 1 || pub.Formats[0] != meta.FormatContractMetaV0 {
		t.Fatalf("stamp formats: %+v, %v", pub, err)
	}

	srv := serveStore(t, store)
	r = runCLI(ctx, "verify", "--quiet", "--store", filepath.Join(t.TempDir(), "fresh"), "--gateway", srv, wasm)
	if r.code != 0 || !strings.HasPrefix(r.stdout, "OK "+wasm+": the rebuild is byte-identical") {
		t.Fatalf("verify: exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	t.Logf("verify: %s", lastLine(r.stderr))
}

// serveStore serves a store as a trustless gateway on 127.0.0.1 for the
// test's duration and returns its base URL.
func serveStore(t *testing.T, store string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan int)
	go func() {
		done <- run(ctx, []string{"serve", "--store", store, "--listen", "127.0.0.1:0"}, pw, io.Discard)
	}()
	t.Cleanup(func() { cancel(); <-done; pw.Close(); pr.Close() })
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(line)
}

func lastLine(s string) string {
	s = strings.TrimRight(s, "\n")
	return s[strings.LastIndex(s, "\n")+1:]
}

// TestDepsCargo records the (empty) vendored dependencies of a copy of
// contract-rust: deps.cargo in reprovm.toml, with the recipe's other lines
// and comments kept, and .cargo/config.toml pointing at /deps/cargo.
func TestDepsCargo(t *testing.T) {
	if _, err := exec.LookPath("cargo"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("cargo is not installed")
		}
		t.Skip("cargo is not installed")
	}
	dir := filepath.Join(t.TempDir(), "contract-rust")
	if out, err := exec.Command("cp", "-r", "../../testdata/examples/contract-rust", dir).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v\n%s", err, out)
	}
	before, err := os.ReadFile(filepath.Join(dir, "reprovm.toml"))
	if err != nil {
		t.Fatal(err)
	}
	r := runCLI(context.Background(), "deps", "cargo", "--store", filepath.Join(t.TempDir(), "store"), dir)
	if r.code != 0 {
		t.Fatalf("deps cargo: exit %d\n%s", r.code, r.stderr)
	}
	c := strings.TrimSpace(r.stdout)
	after, err := os.ReadFile(filepath.Join(dir, "reprovm.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if want := string(before) + "\n[deps]\ncargo = \"" + c + "\"\n"; string(after) != want {
		t.Errorf("reprovm.toml after deps cargo:\n%s\nwant:\n%s", after, want)
	}
	rec, err := builder.LoadRecipe(filepath.Join(dir, "reprovm.toml"))
	if err != nil || rec.Deps["cargo"] != c {
		t.Errorf("recipe after deps cargo: %+v, %v", rec, err)
	}
	cfg, err := os.ReadFile(filepath.Join(dir, ".cargo", "config.toml"))
	if err != nil || !strings.Contains(string(cfg), `directory = "/deps/cargo"`) {
		t.Errorf(".cargo/config.toml: %v\n%s", err, cfg)
	}
}
