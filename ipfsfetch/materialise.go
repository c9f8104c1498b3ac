package ipfsfetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/ipfs/go-cid"

	"github.com/reprovm/reprovm/internal/scratch"
)

// Materialise writes the tree (or file, or symlink) root from the store to
// out, which must not exist. Everything is written below a temporary
// directory next to out and renamed into place at the end, so a failure
// leaves nothing at out. Every block needed must already be in the store
// (see Fetcher.Fetch).
func (s *Store) Materialise(ctx context.Context, root cid.Cid, out string) (err error) {
	if _, err := os.Lstat(out); err == nil {
		return fmt.Errorf("materialise %s: %s already exists", root, out)
	}
	parent := filepath.Dir(out)
	// Half-written trees of earlier runs that were killed.
	if _, err := scratch.RemoveStale(parent, getPrefix); err != nil {
		return fmt.Errorf("materialise %s: %w", root, err)
	}
	td, err := scratch.MkdirTemp(parent, getPrefix)
	if err != nil {
		return fmt.Errorf("materialise %s: %w", root, err)
	}
	defer func() {
		if err != nil {
			td.RemoveAll()
		}
	}()
	tmp := td.Path
	top := filepath.Join(tmp, "t")
	err = s.Walk(ctx, root, func(e *Entry) error {
		dst := filepath.Join(top, filepath.FromSlash(e.Path))
		switch e.Kind {
		case KindDir:
			return os.Mkdir(dst, 0o755)
		case KindSymlink:
			return os.Symlink(e.Target, dst)
		default:
			return writeEntry(ctx, e, dst)
		}
	})
	if err == nil {
		err = os.Rename(top, out)
	}
	if err != nil {
		return fmt.Errorf("materialise %s at %s: %w", root, out, err)
	}
	return td.RemoveAll()
}

// getPrefix starts the names of trees being materialised.
const getPrefix = ".reprovm-get-"

func writeEntry(ctx context.Context, e *Entry, dst string) (err error) {
	r, err := e.Open(ctx)
	if err != nil {
		return err
	}
	defer r.Close()
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL|noFollow, e.Mode)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	n, err := io.Copy(f, r)
	if err != nil {
		return fmt.Errorf("write %q: %w", e.Path, err)
	}
	if n != e.Size {
		return fmt.Errorf("write %q: %d bytes, but its UnixFS node says %d: %w", e.Path, n, e.Size, errBadSize)
	}
	// The umask may have cleared bits of e.Mode.
	return f.Chmod(e.Mode)
}

var errBadSize = errors.New("inconsistent file size")
