package images

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// sha256File returns the hex SHA-256 of a file.
func sha256File(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// listDir returns the names in dir, or nil if it does not exist.
func listDir(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// fwDynamicSHA256 is the SHA-256 of opensbi 1.6-1's generic fw_dynamic.bin
// (273,472 bytes), computed with sha256sum from the .deb unpacked by dpkg-deb.
const fwDynamicSHA256 = "8f34d231fde9554e1a3c511bb1efac489da310ab0462504c512994601e12d213"

// TestFetchOpenSBI fetches the real opensbi .deb into the real user cache
// and extracts the firmware from it.
func TestFetchOpenSBI(t *testing.T) {
	f := &Fetcher{Progress: tWriter{t}}
	deb, err := f.Fetch(context.Background(), OpenSBI)
	if err != nil {
		t.Fatal(err)
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(cache, "reprovm", "debs", OpenSBI.SHA256+".deb"); deb != want {
		t.Errorf("cached at %s, want %s", deb, want)
	}
	dir := t.TempDir()
	if err := ExtractDeb(deb, dir, func(name string) bool { return name == firmwarePath }); err != nil {
		t.Fatal(err)
	}
	if got := sha256File(t, filepath.Join(dir, filepath.FromSlash(firmwarePath))); got != fwDynamicSHA256 {
		t.Fatalf("fw_dynamic.bin sha256 %s, want %s", got, fwDynamicSHA256)
	}
}

// TestFetchDownload always downloads (into a fresh cache), then checks that
// a tampered cache file is refused with a clear error.
func TestFetchDownload(t *testing.T) {
	ctx := context.Background()
	f := &Fetcher{CacheDir: t.TempDir(), Progress: tWriter{t}}
	deb, err := f.Fetch(ctx, BusyboxStatic)
	if err != nil {
		t.Fatal(err)
	}
	if got := sha256File(t, deb); got != BusyboxStatic.SHA256 {
		t.Fatalf("downloaded sha256 %s, want %s", got, BusyboxStatic.SHA256)
	}
	data, err := os.ReadFile(deb)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 1
	if err := os.WriteFile(deb, data, 0o644); err != nil {
		t.Fatal(err)
	}
	// The tampered file is refused with the file, both hashes and the
	// way out, and kept as evidence.
	_, err = f.Fetch(ctx, BusyboxStatic)
	var mismatch *HashMismatchError
	if !errors.As(err, &mismatch) {
		t.Fatalf("tampered cache file: error %v, want a HashMismatchError", err)
	}
	tampered := sha256.Sum256(data)
	for _, w := range []string{deb, BusyboxStatic.Pool, "expected " + BusyboxStatic.SHA256, "got " + hex.EncodeToString(tampered[:]), "delete it"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
	if got := sha256File(t, deb); got != hex.EncodeToString(tampered[:]) {
		t.Fatalf("the tampered file was changed (sha256 %s)", got)
	}
	// Once deleted, the file is downloaded again.
	if err := os.Remove(deb); err != nil {
		t.Fatal(err)
	}
	again, err := f.Fetch(ctx, BusyboxStatic)
	if err != nil {
		t.Fatal(err)
	}
	if again != deb || sha256File(t, again) != BusyboxStatic.SHA256 {
		t.Fatalf("deleted cache file not downloaded again")
	}
	if got := listDir(t, filepath.Join(f.CacheDir, "debs")); len(got) != 1 {
		t.Fatalf("cache holds %v, want only the .deb", got)
	}
}

// TestFetchMismatch downloads real packages against wrong pins: the error
// names the file and both hashes, and nothing is left in the cache.
func TestFetchMismatch(t *testing.T) {
	wrongHash := OpenSBI
	wrongHash.SHA256 = strings.Repeat("0", 64)
	wrongSize := OpenSBI
	wrongSize.Size--
	tests := []struct {
		name string
		pkg  Package
		want []string
	}{
		{"hash", wrongHash, []string{OpenSBI.Pool, "sha256 mismatch", "expected " + wrongHash.SHA256, "got " + OpenSBI.SHA256}},
		{"size", wrongSize, []string{OpenSBI.Pool, "size mismatch", "expected 204071 bytes", "got more"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &Fetcher{CacheDir: t.TempDir()}
			_, err := f.Fetch(context.Background(), tt.pkg)
			var mismatch *HashMismatchError
			if !errors.As(err, &mismatch) {
				t.Fatalf("error %v, want a HashMismatchError", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if got := listDir(t, filepath.Join(f.CacheDir, "debs")); len(got) != 0 {
				t.Fatalf("cache holds %v after a mismatch", got)
			}
		})
	}
}

func TestFetchNotFound(t *testing.T) {
	p := OpenSBI
	p.Pool = "pool/main/o/opensbi/opensbi_0.0-0_all.deb"
	f := &Fetcher{CacheDir: t.TempDir()}
	_, err := f.Fetch(context.Background(), p)
	if err == nil || !strings.Contains(err.Error(), p.Pool) || !strings.Contains(err.Error(), "404") {
		t.Fatalf("error %v, want a 404 naming %s", err, p.Pool)
	}
	if got := listDir(t, filepath.Join(f.CacheDir, "debs")); len(got) != 0 {
		t.Fatalf("cache holds %v after a failed download", got)
	}
}

func TestPackageValidate(t *testing.T) {
	for _, p := range []Package{Kernel, OpenSBI, BusyboxStatic} {
		if err := p.validate(); err != nil {
			t.Errorf("pinned %s: %v", p, err)
		}
	}
	bad := map[string]func(*Package){
		"short hash":     func(p *Package) { p.SHA256 = p.SHA256[:63] },
		"uppercase hash": func(p *Package) { p.SHA256 = strings.ToUpper(p.SHA256) },
		"path in hash":   func(p *Package) { p.SHA256 = "../" + p.SHA256[3:] },
		"zero size":      func(p *Package) { p.Size = 0 },
		"not pool":       func(p *Package) { p.Pool = "dists/trixie/Release.deb" },
		"dotdot":         func(p *Package) { p.Pool = "pool/../x.deb" },
		"query":          func(p *Package) { p.Pool = "pool/x.deb?y=.deb" },
		"not deb":        func(p *Package) { p.Pool = "pool/main/x.tar" },
		"unclean":        func(p *Package) { p.Pool = "pool//x.deb" },
	}
	for name, edit := range bad {
		p := OpenSBI
		edit(&p)
		if err := p.validate(); err == nil {
			t.Errorf("%s: %+v accepted", name, p)
		}
		f := &Fetcher{CacheDir: t.TempDir()}
		if _, err := f.Fetch(context.Background(), p); err == nil {
			t.Errorf("%s: Fetch accepted %+v", name, p)
		}
	}
}

func TestProgress(t *testing.T) {
	var out bytes.Buffer
	clock := time.Unix(0, 0)
	p := newProgress(&out, "pkg_1", 10e6, func() time.Time { return clock })
	p.Write(make([]byte, 1e6))
	clock = clock.Add(progressEvery - time.Millisecond)
	p.Write(make([]byte, 1e6))
	if out.Len() != 0 {
		t.Fatalf("printed before %v: %q", progressEvery, out.String())
	}
	clock = clock.Add(time.Millisecond)
	p.Write(make([]byte, 1e6))
	clock = clock.Add(progressEvery)
	p.Write(make([]byte, 3e6))
	p.finish()
	want := "fetch pkg_1: 3.0/10.0 MB (1.0 MB/s)\n" +
		"fetch pkg_1: 6.0/10.0 MB (1.0 MB/s)\n" +
		"fetch pkg_1: 6.0/10.0 MB (1.0 MB/s) done\n"
	if out.String() != want {
		t.Fatalf("progress output:\n%s\nwant:\n%s", out.String(), want)
	}

	// A fast download prints nothing, and a nil writer is allowed.
	out.Reset()
	q := newProgress(&out, "pkg_1", 1, func() time.Time { return clock })
	q.Write([]byte{1})
	q.finish()
	newProgress(nil, "pkg_1", 1, nil).Write([]byte{1})
	if out.Len() != 0 {
		t.Fatalf("fast download printed %q", out.String())
	}
}

// tWriter sends progress lines to the test log.
type tWriter struct{ t *testing.T }

func (w tWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(b), "\n"))
	return len(b), nil
}
