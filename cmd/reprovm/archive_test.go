package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reprovm/reprovm/images"
)

// archiveProject writes the tiny project (see tinyProject) on an image of
// its own, the built-in go image with a one-line warm-up instead of
// compiling the standard library, so that booting it costs about half a
// billion instructions instead of forty billion: the test can then verify
// by booting too. It returns the project and the image directory, whose
// blocks it adds to store (a recipe naming an image directory only
// computes its CID). Call it before pointing XDG_CACHE_HOME elsewhere:
// the go image comes from the user's cache.
func archiveProject(t *testing.T, store string) string {
	t.Helper()
	goDir, err := (&images.Fetcher{}).BuiltinImage(context.Background(), "go")
	if err != nil {
		t.Fatal(err)
	}
	m, err := images.ReadManifest(goDir)
	if err != nil {
		t.Fatal(err)
	}
	img := filepath.Join(t.TempDir(), "image")
	if err := os.MkdirAll(img, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, b := range []images.ManifestBlob{m.Kernel, m.Firmware, m.Initramfs, m.Root} {
		if err := os.Link(filepath.Join(goDir, b.Name), filepath.Join(img, b.Name)); err != nil {
			data, err := os.ReadFile(filepath.Join(goDir, b.Name))
			if err == nil {
				err = os.WriteFile(filepath.Join(img, b.Name), data, 0o644)
			}
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	m.Warmup = &images.Warmup{Command: []string{"sh", "-c", "echo warm > /tmp/warm"}}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(img, images.ManifestName), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if r := runCLI(context.Background(), "add", "--store", store, img); r.code != 0 {
		t.Fatalf("add the image: exit %d\n%s", r.code, r.stderr)
	}
	dir := tinyProject(t)
	recipe := `image = "` + img + `"
command = ["cp", "m.wasm", "/out/m.wasm"]
outputs = ["/out/m.wasm"]
`
	if err := os.WriteFile(filepath.Join(dir, "reprovm.toml"), []byte(recipe), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestArchiveVerifyOffline builds the tiny project on the real machine and
// a real image (archiveProject), exports its archive (twice: the same
// bytes), and verifies the stamped module from the archive alone, with an
// empty store and an empty image cache and a gateway in $REPROVM_GATEWAYS
// that must be ignored: starting from the archive's ready snapshot, then
// by booting (the default), then in a network namespace with no network at
// all. A copy of the archive with one byte flipped is refused, naming the
// archive.
func TestArchiveVerifyOffline(t *testing.T) {
	if testing.Short() {
		t.Skip("boots the machine three times")
	}
	ctx := context.Background()
	store := filepath.Join(t.TempDir(), "store")
	dir := archiveProject(t, store)
	// The build's own cache: where it saves the image's ready snapshot.
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
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
	if !strings.Contains(r.stderr, "starting from the archive's ready snapshot") {
		t.Errorf("verify --archive --trust-archive-snapshot did not start from the archive's snapshot:\n%s", r.stderr)
	}

	// Without --trust-archive-snapshot, the rebuild boots (in another
	// empty cache: it saves a ready snapshot of its own).
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	r = runCLI(ctx, "verify", "--quiet", "--store", filepath.Join(t.TempDir(), "fresh"), "--archive", bundle, wasm)
	if r.code != 0 || !strings.HasPrefix(r.stdout, "OK "+wasm+": the rebuild is byte-identical") || !strings.Contains(r.stderr, "booting it once") {
		t.Fatalf("verify --archive (booting): exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	t.Logf("verify --archive, booting: %s", lastLine(r.stderr))

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
		t.Logf("verify --archive with no network: %s", lastLine(stderr.String()))
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

func TestHumanBytes(t *testing.T) {
	for _, tt := range []struct {
		n    int64
		want string
	}{
		{0, "0 bytes"},
		{999, "999 bytes"},
		{1925, "1925 bytes (1.9 kB)"},
		{999_949, "999949 bytes (999.9 kB)"},
		{999_999, "999999 bytes (1.0 MB)"},
		{97_191_491, "97191491 bytes (97.2 MB)"},
	} {
		if got := humanBytes(tt.n); got != tt.want {
			t.Errorf("humanBytes(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}
