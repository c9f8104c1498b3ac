package images

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/reprovm/reprovm/internal/scratch"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// DefaultMirror is the Debian archive Fetch uses when Fetcher.Mirror is empty.
const DefaultMirror = "http://deb.debian.org/debian"

// Fetcher downloads pinned .deb files into a cache and assembles boot files.
// The zero value is ready to use. Plain HTTP is enough: every file is
// checked against its pinned SHA-256 before it is used.
type Fetcher struct {
	// Mirror is the archive root, such as DefaultMirror (used when empty).
	Mirror string
	// CacheDir is the cache root; when empty it is os.UserCacheDir()/reprovm.
	CacheDir string
	// HTTP is the client for downloads; when nil, http.DefaultClient.
	HTTP *http.Client
	// Progress, if not nil, receives a line every few seconds during a
	// download that takes longer than that.
	Progress io.Writer
}

// HashMismatchError reports a downloaded or cached .deb whose contents do not
// match the pinned hash or size.
type HashMismatchError struct {
	File           string // pool path of the .deb
	Want, Got      string // hex SHA-256 values
	WantSize, Size int64  // Size is WantSize+1 for "more than WantSize"
}

func (e *HashMismatchError) Error() string {
	if e.Size > e.WantSize {
		// The download stops one byte past the pinned size.
		return fmt.Sprintf("%s: size mismatch: expected %d bytes (sha256 %s), got more",
			e.File, e.WantSize, e.Want)
	}
	if e.Size != e.WantSize {
		return fmt.Sprintf("%s: size mismatch: expected %d bytes (sha256 %s), got %d bytes (sha256 %s)",
			e.File, e.WantSize, e.Want, e.Size, e.Got)
	}
	return fmt.Sprintf("%s: sha256 mismatch: expected %s, got %s", e.File, e.Want, e.Got)
}

// CacheRoot returns the cache directory, resolving the default.
func (f *Fetcher) CacheRoot() (string, error) {
	if f.CacheDir != "" {
		return f.CacheDir, nil
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("locating the user cache directory: %w", err)
	}
	return filepath.Join(dir, "reprovm"), nil
}

// Fetch returns the path of the verified .deb for p, downloading it from
// the mirror if it is not cached yet.
//
// The cache file is <cache>/debs/<sha256>.deb. A download is streamed into
// a temporary file in the same directory, hashed and counted as it is
// written, and renamed into place only when its size and SHA-256 match, so
// the cache never holds a partial or wrong file under a final name and
// concurrent fetches of the same package are harmless.
//
// A cached file is re-verified (size and full SHA-256) on every call rather
// than trusted by name: hashing the largest package, the 112 MB kernel,
// takes well under a second, and the cache is outside reprovm's control. A
// cached file that fails is an error (a *HashMismatchError naming the file,
// the expected and the actual hash), not a cue to download it again: see
// RATIONALE.md. Callers that need the files often, such as Boot, cache
// their extracted result instead.
func (f *Fetcher) Fetch(ctx context.Context, p Package) (string, error) {
	if err := p.validate(); err != nil {
		return "", fmt.Errorf("fetch: %w", err)
	}
	root, err := f.CacheRoot()
	if err != nil {
		return "", fmt.Errorf("fetch %s: %w", p.Pool, err)
	}
	dir := filepath.Join(root, "debs")
	final := filepath.Join(dir, p.SHA256+".deb")

	switch err := verifyFile(final, p); {
	case err == nil:
		return final, nil
	case errors.Is(err, fs.ErrNotExist):
	default:
		// Fetch only ever renames a verified file to this name, so a
		// mismatch means the cache was changed from outside: tampering
		// or a failing disk. Say so and keep the file as evidence rather
		// than quietly replacing it.
		return "", fmt.Errorf("fetch %s: cached file %s: %w; it matched when it was stored, so something changed it since; delete it to download it again", p.Pool, final, err)
	}

	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("fetch %s: %w", p.Pool, err)
	}
	tmp, err := f.download(ctx, p, dir)
	if err != nil {
		return "", fmt.Errorf("fetch %s: %w", p.Pool, err)
	}
	if err := os.Rename(tmp, final); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("fetch %s: %w", p.Pool, err)
	}
	return final, nil
}

// verifyFile checks the size and SHA-256 of an existing file against p.
func verifyFile(name string, p Package) error {
	file, err := os.Open(name)
	if err != nil {
		return err
	}
	defer file.Close()
	fi, err := file.Stat()
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", name)
	}
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(file, p.Size+1))
	if err != nil {
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); n != p.Size || got != p.SHA256 {
		return &HashMismatchError{File: p.Pool, Want: p.SHA256, Got: got, WantSize: p.Size, Size: n}
	}
	return nil
}

// download streams p into a new temporary file in dir and returns its name
// once size and hash are verified; on any error it leaves nothing behind.
func (f *Fetcher) download(ctx context.Context, p Package, dir string) (name string, err error) {
	mirror := strings.TrimRight(f.Mirror, "/")
	if mirror == "" {
		mirror = DefaultMirror
	}
	url := mirror + "/" + p.Pool
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	client := f.HTTP
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: %s", url, resp.Status)
	}

	// Downloads that a killed process left half done.
	if _, err := scratch.RemoveStale(dir, "."); err != nil {
		return "", err
	}
	tmp, err := scratch.CreateTemp(dir, "."+p.SHA256+"-")
	if err != nil {
		return "", err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()

	h := sha256.New()
	prog := newProgress(f.Progress, p.Name+"_"+p.Version, p.Size, time.Now)
	// Read one byte more than pinned so that an oversized body is noticed
	// without reading all of it.
	n, err := io.Copy(io.MultiWriter(tmp, h, prog), io.LimitReader(resp.Body, p.Size+1))
	if err != nil {
		return "", fmt.Errorf("GET %s: %w", url, err)
	}
	prog.finish()
	if got := hex.EncodeToString(h.Sum(nil)); n != p.Size || got != p.SHA256 {
		return "", &HashMismatchError{File: p.Pool, Want: p.SHA256, Got: got, WantSize: p.Size, Size: n}
	}
	// CreateTemp makes the file private; the cache is as readable as the
	// packages themselves.
	if err := tmp.Chmod(0o644); err != nil {
		return "", err
	}
	if err := tmp.Sync(); err != nil {
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	return tmp.Name(), nil
}
