package images

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/ulikunitz/xz"

	"github.com/reprovm/reprovm/internal/scratch"
)

// maxInRelease bounds the InRelease download; trixie's is about 150 kB.
const maxInRelease = 16 << 20

// A SignedIndex is a Packages index together with the verified release
// it was checked against.
type SignedIndex struct {
	Release *Release
	// InRelease is the size and SHA-256 of the InRelease file itself.
	InRelease IndexFile
	// Path is the index file that was downloaded, relative to the suite
	// directory, such as "main/binary-riscv64/Packages.xz", with its
	// size and SHA-256 from the release.
	Path string
	File IndexFile
	// Index is the parsed index.
	Index *Index
}

// SignedIndex downloads dists/SUITE/InRelease, verifies its signature
// against the embedded Debian archive keys at time now, then fetches
// main/binary-ARCH/Packages.xz, checks its size and SHA-256 against the
// release, decompresses it, checks the uncompressed Packages file against
// the release too, and parses it.
//
// The InRelease is always downloaded, since it is what says which index is
// current. Index files are cached under <cache>/index/ by their SHA-256:
// the compressed file as <sha256>.xz and the decompressed one as
// <sha256>.Packages, so a second call with an unchanged archive reads the
// 54 MB index from disk without decompressing. Cached files are re-hashed
// on every use, like the .deb cache in Fetch. With Acquire-By-Hash the
// index is fetched from its by-hash path, which stays valid even if the
// suite is updated between the two downloads.
func (f *Fetcher) SignedIndex(ctx context.Context, suite, arch string, now time.Time) (*SignedIndex, error) {
	if !validPackageName(suite) || !validPackageName(arch) {
		return nil, fmt.Errorf("signed index: invalid suite %q or architecture %q", suite, arch)
	}
	keyring, err := ArchiveKeyring()
	if err != nil {
		return nil, err
	}
	relPath := "dists/" + suite + "/InRelease"
	data, err := f.get(ctx, relPath, maxInRelease)
	if err != nil {
		return nil, err
	}
	rel, err := VerifyInRelease(relPath, data, keyring, now)
	if err != nil {
		return nil, err
	}
	if rel.Codename != suite && rel.Suite != suite {
		return nil, fmt.Errorf("%s: expected suite or codename %q, got suite %q codename %q",
			relPath, suite, rel.Suite, rel.Codename)
	}
	sum := sha256.Sum256(data)
	si := &SignedIndex{
		Release:   rel,
		InRelease: IndexFile{SHA256: hex.EncodeToString(sum[:]), Size: int64(len(data))},
		Path:      "main/binary-" + arch + "/Packages.xz",
	}
	var ok bool
	if si.File, ok = rel.Files[si.Path]; !ok {
		return nil, fmt.Errorf("%s: expected %s in the SHA256 list, got no such entry", relPath, si.Path)
	}
	plainPath := strings.TrimSuffix(si.Path, ".xz")
	plain, ok := rel.Files[plainPath]
	if !ok {
		return nil, fmt.Errorf("%s: expected %s in the SHA256 list, got no such entry", relPath, plainPath)
	}
	text, err := f.packagesText(ctx, "dists/"+suite+"/", si.Path, si.File, plain, rel.AcquireByHash)
	if err != nil {
		return nil, err
	}
	if si.Index, err = ParsePackages(text, arch); err != nil {
		return nil, fmt.Errorf("dists/%s/%s: %w", suite, plainPath, err)
	}
	return si, nil
}

// packagesText returns the verified, decompressed Packages file.
func (f *Fetcher) packagesText(ctx context.Context, dist, xzPath string, xzFile, plain IndexFile, byHash bool) ([]byte, error) {
	root, err := f.CacheRoot()
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(root, "index")
	plainName := dist + strings.TrimSuffix(xzPath, ".xz")
	plainCache := filepath.Join(dir, plain.SHA256+".Packages")
	if data, err := readVerified(plainCache, plainName, plain); err == nil {
		return data, nil
	}

	pool := dist + xzPath
	if byHash {
		pool = dist + path.Dir(xzPath) + "/by-hash/SHA256/" + xzFile.SHA256
	}
	want := Package{Name: path.Base(xzPath), Pool: pool, Size: xzFile.Size, SHA256: xzFile.SHA256}
	xzCache := filepath.Join(dir, xzFile.SHA256+".xz")
	if err := verifyFile(xzCache, want); err != nil {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("fetch %s: %w", pool, err)
		}
		tmp, err := f.download(ctx, want, dir)
		if err != nil {
			return nil, fmt.Errorf("fetch %s: %w", pool, err)
		}
		if err := os.Rename(tmp, xzCache); err != nil {
			os.Remove(tmp)
			return nil, fmt.Errorf("fetch %s: %w", pool, err)
		}
	}
	data, err := decompressXZ(xzCache, plain.Size)
	if err != nil {
		return nil, fmt.Errorf("decompress %s: %w", pool, err)
	}
	if err := checkBytes(plainName, data, plain); err != nil {
		return nil, err
	}
	if err := writeFileAtomic(plainCache, data); err != nil {
		return nil, fmt.Errorf("caching %s: %w", plainName, err)
	}
	return data, nil
}

// decompressXZ reads an xz file, refusing output beyond limit bytes so a
// hostile file cannot fill memory.
func decompressXZ(name string, limit int64) ([]byte, error) {
	file, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	r, err := xz.NewReader(file)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.Grow(int(min(limit, 1<<30)))
	if _, err := io.Copy(&b, io.LimitReader(r, limit+1)); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// checkBytes compares data with the size and SHA-256 a release lists.
func checkBytes(name string, data []byte, want IndexFile) error {
	sum := sha256.Sum256(data)
	got := hex.EncodeToString(sum[:])
	if int64(len(data)) != want.Size || got != want.SHA256 {
		return &HashMismatchError{File: name, Want: want.SHA256, Got: got,
			WantSize: want.Size, Size: int64(len(data))}
	}
	return nil
}

// readVerified reads a cached index file and checks it.
func readVerified(cache, name string, want IndexFile) ([]byte, error) {
	data, err := os.ReadFile(cache)
	if err != nil {
		return nil, err
	}
	if err := checkBytes(name, data, want); err != nil {
		return nil, err
	}
	return data, nil
}

// get downloads mirror/rel, at most limit bytes, into memory.
func (f *Fetcher) get(ctx context.Context, rel string, limit int64) ([]byte, error) {
	mirror := strings.TrimRight(f.Mirror, "/")
	if mirror == "" {
		mirror = DefaultMirror
	}
	url := mirror + "/" + rel
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", url, err)
	}
	client := f.HTTP
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", url, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("GET %s: expected at most %d bytes, got more", url, limit)
	}
	return data, nil
}

// writeFileAtomic writes data to a temporary file next to name and renames
// it into place, so readers never see a partial file.
func writeFileAtomic(name string, data []byte) (err error) {
	dir := filepath.Dir(name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if _, err := scratch.RemoveStale(dir, "."+filepath.Base(name)+"-"); err != nil {
		return err
	}
	tmp, err := scratch.CreateTemp(dir, "."+filepath.Base(name)+"-")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), name); err != nil {
		return err
	}
	return nil
}
