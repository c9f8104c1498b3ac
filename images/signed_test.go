package images

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// realInRelease downloads trixie's current InRelease.
func realInRelease(t *testing.T) []byte {
	t.Helper()
	data, err := (&Fetcher{}).get(context.Background(), "dists/trixie/InRelease", maxInRelease)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestVerifyInReleaseReal(t *testing.T) {
	keyring, err := ArchiveKeyring()
	if err != nil {
		t.Fatal(err)
	}
	data := realInRelease(t)
	rel, err := VerifyInRelease("InRelease", data, keyring, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if rel.Codename != "trixie" || !rel.AcquireByHash || rel.SignedBy == "" {
		t.Errorf("release %+v", rel)
	}
	if f, ok := rel.Files["main/binary-riscv64/Packages.xz"]; !ok || f.Size <= 0 {
		t.Errorf("main/binary-riscv64/Packages.xz: %+v, %v", f, ok)
	}

	// Each tampering must be refused with a message naming the file and
	// what was expected.
	flip := func(old, new string) []byte {
		if !bytes.Contains(data, []byte(old)) {
			t.Fatalf("%q not in InRelease", old)
		}
		return bytes.Replace(data, []byte(old), []byte(new), 1)
	}
	pkgLine := "main/binary-riscv64/Packages.xz"
	i := bytes.LastIndex(data, []byte(pkgLine))
	hashLine := string(data[bytes.LastIndexByte(data[:i], '\n')+1 : i]) // " <sha256>  <size> "
	tampered := []byte(strings.Replace(hashLine, hashLine[1:2], map[bool]string{true: "1", false: "0"}[hashLine[1] == '0'], 1))
	for name, tt := range map[string]struct {
		data []byte
		now  time.Time
		want string
	}{
		"codename":       {flip("Codename: trixie", "Codename: trixiE"), time.Now(), "InRelease: expected a valid signature by one of the Debian archive keys"},
		"index hash":     {bytes.Replace(data, []byte(hashLine), tampered, 1), time.Now(), "InRelease: expected a valid signature"},
		"prefix":         {append([]byte("Origin: Evil\n\n"), data...), time.Now(), "InRelease: expected a clear-signed file"},
		"suffix":         {append(bytes.Clone(data), "Origin: Evil\n"...), time.Now(), "InRelease: 13 unexpected bytes after the signature"},
		"keys expired":   {data, time.Date(2070, 1, 1, 0, 0, 0, 0, time.UTC), "InRelease: expected a valid signature"},
		"no signature":   {[]byte(clearsignHeader), time.Now(), "InRelease: malformed clear-signed message"},
		"unsigned plain": {[]byte("Origin: Debian\n"), time.Now(), "expected a clear-signed file"},
	} {
		_, err := VerifyInRelease("InRelease", tt.data, keyring, tt.now)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want it to contain %q", name, err, tt.want)
		}
	}
}

// TestSignedIndexRealArchive verifies trixie's real InRelease and Packages
// index (about 9 MB, cached by hash) and resolves the go image's packages.
func TestSignedIndexRealArchive(t *testing.T) {
	f := &Fetcher{}
	start := time.Now()
	si, err := f.SignedIndex(context.Background(), "trixie", "riscv64", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d packages, signed by %s on %s, in %v", si.Index.Len(), si.Release.SignedBy, si.Release.Date, time.Since(start))
	if p := si.Index.Lookup("golang-1.24-go", "1.24.4-1"); p == nil || p.Pool != "pool/main/g/golang-1.24/golang-1.24-go_1.24.4-1_riscv64.deb" {
		t.Errorf("golang-1.24-go 1.24.4-1: %+v", p)
	}
	// The boot chain's pinned packages are in the signed index exactly.
	for _, want := range []Package{Kernel, OpenSBI, BusyboxStatic, ArchiveKeyringPackage} {
		if got := si.Index.Lookup(want.Name, want.Version); got == nil || got.Package != want {
			t.Errorf("%s: index has %+v", want, got)
		}
	}

	// A decompressed Packages file that does not match the signed list
	// is refused, naming the file and both hashes.
	plain := si.Release.Files["main/binary-riscv64/Packages"]
	wrong := plain
	wrong.SHA256 = strings.Repeat("0", 64)
	_, err = f.packagesText(context.Background(), "dists/trixie/", si.Path, si.File, wrong, true)
	var hm *HashMismatchError
	if !errors.As(err, &hm) || hm.File != "dists/trixie/main/binary-riscv64/Packages" ||
		hm.Want != wrong.SHA256 || hm.Got != plain.SHA256 {
		t.Errorf("wrong Packages hash: err = %v", err)
	}
}

// TestSignedIndexCorruptCache checks that corrupt cached index files are
// not trusted: they are rebuilt from a verified download.
func TestSignedIndexCorruptCache(t *testing.T) {
	cache := t.TempDir()
	f := &Fetcher{CacheDir: cache}
	ctx := context.Background()
	si, err := f.SignedIndex(ctx, "trixie", "riscv64", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	plain := filepath.Join(cache, "index", si.Release.Files["main/binary-riscv64/Packages"].SHA256+".Packages")
	xzFile := filepath.Join(cache, "index", si.File.SHA256+".xz")
	for _, name := range []string{plain, xzFile} {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		data[len(data)/2] ^= 1
		if err := os.WriteFile(name, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	again, err := f.SignedIndex(ctx, "trixie", "riscv64", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if again.Index.Len() != si.Index.Len() {
		t.Errorf("index after repair has %d packages, want %d", again.Index.Len(), si.Index.Len())
	}
}
