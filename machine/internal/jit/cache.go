package jit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/tetratelabs/wazero"

	"github.com/reprovm/reprovm/internal/scratch"
)

// Cache is the persistent translation cache: wazero's on-disk compilation
// cache (entries named by the sha256 of the wasm bytes, wazero's version
// and the host CPU features, written by temp file and rename), with a
// sha256 of every entry's content beside it.
//
// A cache entry is native code that will run, so it is local state that
// decides what runs: wazero's own check is a CRC, which catches truncation
// but not a changed byte with a fixed-up CRC, nor every damage. OpenCache
// therefore hashes every entry and deletes those whose hash is missing or
// wrong, so that wazero finds no entry and compiles again; the entries
// written during a run get their hash when the compilation that wrote
// them ends (Seal), by temp file and rename too. An entry damaged between
// OpenCache and its use is not caught (the threat is damage on disk, not
// a concurrent writer with the user's rights).
//
// Layout under dir: w/ is wazero's directory, sum/<entry name> holds the
// hex sha256 of the entry w/<wazero version>/<entry name>.
type Cache struct {
	dir  string
	wz   wazero.CompilationCache
	mu   sync.Mutex
	seen map[string]bool // entries verified or sealed (by relative path)

	// Stats of OpenCache: entries kept, entries deleted as damaged or
	// unsealed, stale temp files removed, and the time verification took.
	Kept, Dropped, Stale int
	VerifyTime           time.Duration
}

// staleAge is how old a temp file must be before OpenCache removes it: a
// younger one may be another process's write in progress.
const staleAge = time.Hour

// OpenCache opens (making it if need be) the translation cache at dir and
// verifies it.
func OpenCache(dir string) (*Cache, error) {
	c := &Cache{dir: dir, seen: map[string]bool{}}
	for _, d := range []string{c.wdir(), c.sdir()} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("translation cache: %w", err)
		}
	}
	start := time.Now()
	if err := c.verify(); err != nil {
		return nil, fmt.Errorf("translation cache %s: %w", dir, err)
	}
	c.VerifyTime = time.Since(start)

	wz, err := wazero.NewCompilationCacheWithDir(c.wdir())
	if err != nil {
		return nil, fmt.Errorf("translation cache %s: %w", dir, err)
	}
	c.wz = wz
	return c, nil
}

func (c *Cache) wdir() string { return filepath.Join(c.dir, "w") }
func (c *Cache) sdir() string { return filepath.Join(c.dir, "sum") }

// sumPath is where the hash of entry rel (relative to wdir) lives.
func (c *Cache) sumPath(rel string) string {
	return filepath.Join(c.sdir(), strings.ReplaceAll(rel, string(filepath.Separator), "_"))
}

// entries lists wazero's entries (relative paths) and temp files.
func (c *Cache) entries() (ents, temps []string, err error) {
	err = filepath.WalkDir(c.wdir(), func(p string, d os.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(c.wdir(), p)
		if err != nil {
			return err
		}
		if strings.HasSuffix(p, ".tmp") {
			temps = append(temps, p)
		} else {
			ents = append(ents, rel)
		}
		return nil
	})
	return ents, temps, err
}

// verify deletes every entry whose hash is missing or wrong, and temp
// files older than staleAge (wazero's and Seal's).
func (c *Cache) verify() error {
	ents, temps, err := c.entries()
	if err != nil {
		return err
	}
	for _, t := range temps {
		if fi, err := os.Stat(t); err == nil && time.Since(fi.ModTime()) > staleAge {
			if os.Remove(t) == nil {
				c.Stale++
			}
		}
	}
	sums, err := os.ReadDir(c.sdir())
	if err != nil {
		return err
	}
	for _, s := range sums {
		if strings.HasSuffix(s.Name(), ".tmp") {
			p := filepath.Join(c.sdir(), s.Name())
			if fi, err := os.Stat(p); err == nil && time.Since(fi.ModTime()) > staleAge && os.Remove(p) == nil {
				c.Stale++
			}
		}
	}
	for _, rel := range ents {
		want, err := os.ReadFile(c.sumPath(rel))
		got, herr := hashFile(filepath.Join(c.wdir(), rel))
		if err == nil && herr == nil && strings.TrimSpace(string(want)) == got {
			c.seen[rel] = true
			c.Kept++
			continue
		}
		// Missing, unreadable or wrong: never let wazero load it.
		if err := os.Remove(filepath.Join(c.wdir(), rel)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("removing damaged entry: %w", err)
		}
		_ = os.Remove(c.sumPath(rel))
		c.Dropped++
	}
	return nil
}

func hashFile(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Seal writes the hash of every entry that has none yet: those wazero
// wrote since the last Seal, whose number it returns. It runs after each compilation, on the
// compiling goroutine.
func (c *Cache) Seal() (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ents, _, err := c.entries()
	if err != nil {
		return 0, fmt.Errorf("translation cache: %w", err)
	}
	n := 0
	for _, rel := range ents {
		if c.seen[rel] {
			continue
		}
		if _, err := os.Stat(c.sumPath(rel)); err == nil {
			// Another process sealed it; the next OpenCache checks it.
			c.seen[rel] = true
			continue
		}
		sum, err := hashFile(filepath.Join(c.wdir(), rel))
		if err != nil {
			continue // renamed away or removed meanwhile
		}
		if err := writeAtomic(c.sumPath(rel), []byte(sum+"\n")); err != nil {
			return n, fmt.Errorf("translation cache: %w", err)
		}
		c.seen[rel] = true
		n++
	}
	return n, nil
}

// writeAtomic writes data to p by a temp file in the same directory and a
// rename, so that a reader sees the old file, the new one, or none.
func writeAtomic(p string, data []byte) error {
	prefix := filepath.Base(p) + "."
	if _, err := scratch.RemoveStale(filepath.Dir(p), prefix); err != nil {
		return err
	}
	f, err := scratch.CreateTemp(filepath.Dir(p), prefix)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), p)
	}
	if err != nil {
		_ = os.Remove(f.Name())
	}
	return err
}

// Close releases wazero's in-memory part of the cache.
func (c *Cache) Close() error {
	return c.wz.Close(context.Background())
}
