package images

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Hashes of the extracted boot files, computed with sha256sum from the
// packages unpacked by dpkg-deb (independently of this package).
const (
	kernelImageSHA256 = "8898c27a38f0bfcc3d9a4b0687ee752c4a2b3028576f919ba8955d2cbd6d4722"
	busyboxSHA256     = "659d3048d0849dcd03308ece5214c896f657dde1c76ab7a30e9727e3ed8d309b"
)

// TestBoot assembles the real boot chain in the real user cache. The kernel
// package is 112 MB, so under -short it runs only when already cached.
func TestBoot(t *testing.T) {
	f := &Fetcher{Progress: tWriter{t}}
	root, err := f.CacheRoot()
	if err != nil {
		t.Fatal(err)
	}
	if testing.Short() {
		_, debErr := os.Stat(filepath.Join(root, "debs", Kernel.SHA256+".deb"))
		_, bootErr := os.Stat(filepath.Join(root, "boot", bootKey(bootParts(Kernel, KernelRelease))))
		if debErr != nil && bootErr != nil {
			t.Skip("-short and the kernel package is not cached")
		}
	}
	ctx := context.Background()
	start := time.Now()
	files, err := f.Boot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("first Boot call: %v", time.Since(start))

	for _, c := range []struct{ name, path, sha string }{
		{"kernel", files.Kernel, kernelImageSHA256},
		{"firmware", files.Firmware, fwDynamicSHA256},
		{"busybox", files.Busybox, busyboxSHA256},
	} {
		if got := sha256File(t, c.path); got != c.sha {
			t.Errorf("%s %s: sha256 %s, want %s", c.name, c.path, got, c.sha)
		}
	}
	if !strings.HasSuffix(files.ModulesDir, filepath.FromSlash("/usr/lib/modules/"+KernelRelease)) {
		t.Errorf("ModulesDir %s", files.ModulesDir)
	}
	for _, m := range BootModules {
		data, err := os.ReadFile(filepath.Join(files.ModulesDir, filepath.FromSlash(m.Path)))
		if err != nil {
			t.Errorf("module %s: %v", m.Name, err)
			continue
		}
		if !strings.HasPrefix(string(data), "\xfd7zXZ\x00") {
			t.Errorf("module %s: not xz-compressed", m.Name)
		}
		if base := filepath.Base(m.Path); base != m.Name+".ko.xz" {
			t.Errorf("module %s: file %s", m.Name, base)
		}
	}

	// The second call must not touch the packages.
	start = time.Now()
	again, err := f.Boot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Errorf("second Boot call took %v", d)
	}
	if *again != *files {
		t.Errorf("second call returned %+v, first %+v", again, files)
	}
	for _, name := range listDir(t, filepath.Join(root, "boot")) {
		if strings.HasPrefix(name, ".tmp-") {
			t.Errorf("temporary directory %s left in the cache", name)
		}
	}
}

// TestBootKey checks that the extraction directory changes with what is
// extracted, so a changed module list never reuses an old directory.
func TestBootKey(t *testing.T) {
	parts := bootParts(Kernel, KernelRelease)
	k := bootKey(parts)
	if len(k) != 16 || k != bootKey(bootParts(Kernel, KernelRelease)) {
		t.Fatalf("bootKey %q is not stable", k)
	}
	parts[2].files = parts[2].files[:len(parts[2].files)-1]
	if bootKey(parts) == k {
		t.Fatal("bootKey ignores the file list")
	}
	parts = bootParts(Kernel, KernelRelease)
	parts[0].pkg.SHA256 = strings.Repeat("0", 64)
	if bootKey(parts) == k {
		t.Fatal("bootKey ignores the package hash")
	}
}

// TestBootMissingFile checks that Boot's extraction fails when a wanted
// file is not in the package, rather than returning a path to nothing.
func TestBootMissingFile(t *testing.T) {
	f := &Fetcher{}
	deb, err := f.Fetch(context.Background(), OpenSBI)
	if err != nil {
		t.Fatal(err)
	}
	err = extractFiles(context.Background(), deb, t.TempDir(), []string{firmwarePath, "usr/lib/riscv64-linux-gnu/opensbi/generic/fw_payload.bin"})
	if err == nil || !strings.Contains(err.Error(), "fw_payload.bin: not in the package") {
		t.Fatalf("error %v, want fw_payload.bin not in the package", err)
	}
}
