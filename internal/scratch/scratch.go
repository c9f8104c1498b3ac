// Package scratch makes the temporary files and directories reprovm writes
// before renaming a result into place, so that the debris of a process that
// was killed (SIGKILL, a power cut) is recognised and removed by the next
// run instead of piling up: 309 MB of half-fetched trees and 1 GiB output
// images were seen after kill -9.
//
// Each temporary entry is held under an exclusive flock(2) for as long as
// its owner has it open. The kernel drops a lock when its holder dies, so
// an entry whose lock can be taken has no live owner: [RemoveStale] takes
// the lock and removes the entry. Locks work across processes and PID
// namespaces (unlike a pid in the name), and need no clock. An entry younger
// than [MinAge] is never removed, which covers the instant between creating
// an entry and locking it.
//
// Names are prefix + random + [Suffix], so that RemoveStale touches only
// entries this package made.
package scratch

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Suffix ends the name of every entry this package creates.
const Suffix = ".reprovm-tmp"

// MinAge is how old an unlocked entry must be before RemoveStale removes it.
const MinAge = 3 * time.Second

// minAge is MinAge; tests shorten it.
var minAge = MinAge

// File is a temporary file held by this process.
type File struct {
	*os.File
}

// CreateTemp creates a new file in dir named prefix + random + Suffix,
// opened for reading and writing and locked. Close releases the lock; the
// caller renames or removes the file.
func CreateTemp(dir, prefix string) (*File, error) {
	f, err := os.CreateTemp(dir, prefix+"*"+Suffix)
	if err != nil {
		return nil, err
	}
	if err := lock(f); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, fmt.Errorf("lock %s: %w", f.Name(), err)
	}
	return &File{f}, nil
}

// Dir is a temporary directory held by this process.
type Dir struct {
	Path string
	f    *os.File // the directory, open and locked
}

// MkdirTemp creates a new directory in dir named prefix + random + Suffix
// and locks it. Release (or RemoveAll) ends the hold.
func MkdirTemp(dir, prefix string) (*Dir, error) {
	p, err := os.MkdirTemp(dir, prefix+"*"+Suffix)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if err == nil {
		if err = lock(f); err != nil {
			f.Close()
		}
	}
	if err != nil {
		os.RemoveAll(p)
		return nil, fmt.Errorf("lock %s: %w", p, err)
	}
	return &Dir{Path: p, f: f}, nil
}

// Release drops the lock (after the directory was renamed into place, say).
func (d *Dir) Release() error { return d.f.Close() }

// RemoveAll removes the directory and everything in it and drops the lock.
func (d *Dir) RemoveAll() error {
	err := os.RemoveAll(d.Path)
	return errors.Join(err, d.f.Close())
}

// Stale is an entry RemoveStale removed.
type Stale struct {
	Path  string
	Bytes int64 // the bytes it held (files' sizes)
}

// RemoveStale removes the entries of dir that this package made (their
// names start with prefix and end in Suffix) whose owner is gone: older
// than MinAge and not locked. A directory that does not exist has none.
// Entries that cannot be removed are left alone (and not reported).
func RemoveStale(dir, prefix string) ([]Stale, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("look for stale temporary files in %s: %w", dir, err)
	}
	var out []Stale
	for _, e := range ents {
		name := e.Name()
		if !strings.HasPrefix(name, prefix) || !strings.HasSuffix(name, Suffix) {
			continue
		}
		p := filepath.Join(dir, name)
		if s, ok := removeIfStale(p); ok {
			out = append(out, s)
		}
	}
	return out, nil
}

// removeIfStale removes p if its owner is gone.
func removeIfStale(p string) (Stale, bool) {
	fi, err := os.Lstat(p)
	if err != nil || !fi.Mode().IsRegular() && !fi.IsDir() || time.Since(fi.ModTime()) < minAge {
		return Stale{}, false
	}
	f, err := os.Open(p)
	if err != nil {
		return Stale{}, false
	}
	defer f.Close()
	if !tryLock(f) {
		return Stale{}, false // its owner is alive
	}
	size := treeSize(p)
	if err := removeTree(p); err != nil {
		return Stale{}, false
	}
	return Stale{Path: p, Bytes: size}, true
}

// removeTree removes p and everything below it, making read-only
// directories (a Go module cache extracted into a staging directory, say)
// writable first if they stop it.
func removeTree(p string) error {
	if err := os.RemoveAll(p); err == nil {
		return nil
	}
	filepath.WalkDir(p, func(q string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			os.Chmod(q, 0o755)
		}
		return nil
	})
	return os.RemoveAll(p)
}

// treeSize adds up the sizes of the regular files at or below p.
func treeSize(p string) int64 {
	var n int64
	filepath.WalkDir(p, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

// CacheDir is where reprovm keeps large temporary files that have no
// natural place beside their result (output drives, build scratch): under
// the user cache dir, where a user looking for lost space finds them, and
// not in /tmp, which may be a small tmpfs.
func CacheDir() (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("locate the cache directory: %w", err)
	}
	d := filepath.Join(cache, "reprovm", "tmp")
	if err := os.MkdirAll(d, 0o755); err != nil {
		return "", fmt.Errorf("create %s: %w", d, err)
	}
	return d, nil
}

// MkdirCacheTemp makes a temporary directory under CacheDir, after removing
// stale ones of the same prefix there.
func MkdirCacheTemp(prefix string) (*Dir, error) {
	dir, err := CacheDir()
	if err != nil {
		return nil, err
	}
	if _, err := RemoveStale(dir, prefix); err != nil {
		return nil, err
	}
	return MkdirTemp(dir, prefix)
}
