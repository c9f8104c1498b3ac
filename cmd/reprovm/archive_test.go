package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestArchiveVerifyOffline builds the tiny project on the real machine and
// image, exports its archive (twice: the same bytes), and verifies the
// stamped module from the archive alone: with an empty store and an empty
// image cache, a gateway in $REPROVM_GATEWAYS that must be ignored, and
// then again in a network namespace with no network at all. A copy of
// the archive with one byte flipped is refused, naming the archive.
func TestArchiveVerifyOffline(t *testing.T) {
	if testing.Short() {
		t.Skip("builds on the machine and verifies twice")
	}
	ctx := context.Background()
	dir := tinyProject(t)
	store := filepath.Join(t.TempDir(), "store")
	out := filepath.Join(t.TempDir(), "out")
	r := runCLI(ctx, "build", "--quiet", "--store", store, "--out", out, dir)
	if r.code != 0 {
		t.Fatalf("build: exit %d\n%s", r.code, r.stderr)
	}
	wasm := filepath.Join(out, "m.wasm")
	bundle := filepath.Join(t.TempDir(), "bundle.car.zst")
	r = runCLI(ctx, "archive", "export", "--store", store, "-o", bundle, wasm)
	if r.code != 0 {
		t.Fatalf("archive export: exit %d\n%s", r.code, r.stderr)
	}
	t.Logf("archive export:\n%s", r.stderr)
	for _, want := range []string{"wrote " + bundle, "  manifest ", "  image ", "  source ", "  ready snapshot ", "  total: "} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("archive export's report lacks %q", want)
		}
	}
	again := filepath.Join(t.TempDir(), "again.car.zst")
	if r := runCLI(ctx, "archive", "export", "--store", store, "-o", again, wasm); r.code != 0 {
		t.Fatalf("archive export again: exit %d\n%s", r.code, r.stderr)
	}
	a, err := os.ReadFile(bundle)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(again); err != nil || !bytes.Equal(a, b) {
		t.Fatalf("two exports of the same file differ (%d and %d bytes): %v", len(a), len(b), err)
	}

	// From here on the image cache is empty, and a gateway is configured
	// that must not be used (nothing listens on port 1).
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	t.Setenv(gatewaysEnv, "http://127.0.0.1:1")
	fresh := filepath.Join(t.TempDir(), "fresh")
	r = runCLI(ctx, "verify", "--quiet", "--store", fresh, "--archive", bundle, "--trust-archive-snapshot", wasm)
	if r.code != 0 || !strings.HasPrefix(r.stdout, "OK "+wasm+": the rebuild is byte-identical") {
		t.Fatalf("verify --archive: exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	t.Logf("verify --archive: %s", lastLine(r.stderr))
	if _, err := os.Stat(filepath.Join(cache, "reprovm", "debs")); err == nil {
		t.Errorf("verify --archive fetched Debian packages into %s", cache)
	}
	if m, _ := filepath.Glob(filepath.Join(cache, "reprovm", "images", "*.ready")); len(m) != 0 {
		t.Errorf("verify --archive put the archive's ready snapshot into the cache: %v", m)
	}

	// The listing of what an archive holds.
	r = runCLI(ctx, "archive", "import", "--store", fresh, bundle)
	if r.code != 0 || !strings.Contains(r.stdout, "  ready snapshot ") || !strings.Contains(r.stdout, "  image ") {
		t.Errorf("archive import: exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}

	t.Run("no network", func(t *testing.T) {
		if out, err := exec.Command("unshare", "--net", "true").CombinedOutput(); err != nil {
			t.Skipf("cannot make a network namespace here (unshare --net needs root or user namespaces): %v %s", err, out)
		}
		bin := filepath.Join(t.TempDir(), "reprovm")
		if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
		cmd := exec.Command("unshare", "--net", "--", bin, "verify", "--quiet", "--store", filepath.Join(t.TempDir(), "store"),
			"--archive", bundle, "--trust-archive-snapshot", wasm)
		cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+t.TempDir())
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil || !strings.HasPrefix(stdout.String(), "OK "+wasm+": the rebuild is byte-identical") {
			t.Fatalf("verify --archive in a namespace with no network: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
		}
	})

	t.Run("flipped byte", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "bad.car.zst")
		b := bytes.Clone(a)
		b[len(b)/3] ^= 0x04
		if err := os.WriteFile(bad, b, 0o644); err != nil {
			t.Fatal(err)
		}
		r := runCLI(ctx, "verify", "--quiet", "--store", filepath.Join(t.TempDir(), "store"), "--archive", bad, wasm)
		if r.code != exitVMFailed || !strings.Contains(r.stderr, "archive "+bad+": not a complete, intact archive") || r.stdout != "" {
			t.Errorf("verify --archive of a damaged archive: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, exitVMFailed, r.stdout, r.stderr)
		}
		t.Logf("damaged archive: %s", lastLine(r.stderr))
	})

	t.Run("gateway refused", func(t *testing.T) {
		r := runCLI(ctx, "verify", "--archive", bundle, "--gateway", "http://127.0.0.1:1", wasm)
		if r.code != exitVMFailed || !strings.Contains(r.stderr, "--archive verifies with no network; drop --gateway") {
			t.Errorf("verify --archive --gateway: exit %d\n%s", r.code, r.stderr)
		}
	})
}

// TestArchiveVerifyBoots verifies from an archive without trusting its
// ready snapshot, in an empty image cache: the rebuild boots the image and
// runs its warm-up (for the go image, about forty billion instructions),
// with no network, and matches.
func TestArchiveVerifyBoots(t *testing.T) {
	if testing.Short() {
		t.Skip("boots the go image and runs its warm-up")
	}
	ctx := context.Background()
	dir := tinyProject(t)
	store := filepath.Join(t.TempDir(), "store")
	out := filepath.Join(t.TempDir(), "out")
	if r := runCLI(ctx, "build", "--quiet", "--store", store, "--out", out, dir); r.code != 0 {
		t.Fatalf("build: exit %d\n%s", r.code, r.stderr)
	}
	wasm := filepath.Join(out, "m.wasm")
	bundle := filepath.Join(t.TempDir(), "bundle.car.zst")
	r := runCLI(ctx, "archive", "export", "--no-snapshot", "--store", store, "-o", bundle, wasm)
	if r.code != 0 || strings.Contains(r.stderr, "ready snapshot ") {
		t.Fatalf("archive export --no-snapshot: exit %d\n%s", r.code, r.stderr)
	}
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	r = runCLI(ctx, "verify", "--quiet", "--store", filepath.Join(t.TempDir(), "fresh"), "--archive", bundle, wasm)
	if r.code != 0 || !strings.HasPrefix(r.stdout, "OK "+wasm+": the rebuild is byte-identical") {
		t.Fatalf("verify --archive: exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	t.Logf("verify --archive (booted): %s", lastLine(r.stderr))
}
