package builder

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/ipfs/go-cid"

	"github.com/reprovm/reprovm/images/erofs"
	"github.com/reprovm/reprovm/internal/scratch"
	"github.com/reprovm/reprovm/ipfsfetch"
)

// maxTreeBytes bounds the file data of one input tree, which is held in
// memory while its filesystem image is written.
const maxTreeBytes = 4 << 30

// Sources says where Obtain looks for a CID that is not in the store.
type Sources struct {
	Store    *ipfsfetch.Store
	Gateways []string  // trustless gateways, tried in order
	Progress io.Writer // fetch progress; nil for none
}

// Obtain makes the DAG under c complete in the store, fetching what is
// missing from the gateways (every block hash-checked). what names the
// input in errors ("source", "dependency gomod").
func (s Sources) Obtain(ctx context.Context, what string, c cid.Cid) error {
	if err := s.Store.Complete(ctx, c); err == nil {
		return nil
	}
	if len(s.Gateways) == 0 {
		return fmt.Errorf("%s %s: not (completely) in the local store %s, and no gateway was given (use --gateway URL, or import a CAR with reprovm car import)", what, c, s.Store.Dir())
	}
	f := &ipfsfetch.Fetcher{Store: s.Store, Gateways: s.Gateways, Progress: s.Progress}
	if _, err := f.Fetch(ctx, c); err != nil {
		return fmt.Errorf("%s %s: not in the local store %s, and fetching from %s failed: %w", what, c, s.Store.Dir(), strings.Join(s.Gateways, ", "), err)
	}
	return nil
}

// TreeImage writes an EROFS image of the tree c, which must be complete in
// store, to the new file path: every file owned by root with the tree's
// modes (0755 or 0644), every timestamp 0 and one fixed UUID, so that the
// image is a function of the CID alone and the guest sees the same bytes in
// a build and in its verification. The UUID is the same for every tree
// (rather than taken from the CID) so that two trees that differ in one
// file give images that differ only in that file's bytes: the guest's
// first read of the difference is then where `reprovm bisect` finds two
// such builds diverge, not the mount's read of the superblock.
func TreeImage(ctx context.Context, store *ipfsfetch.Store, c cid.Cid, path string) error {
	var entries []erofs.Entry
	var total int64
	err := store.Walk(ctx, c, func(e *ipfsfetch.Entry) error {
		p := e.Path
		if p == "" {
			p = "."
		}
		switch e.Kind {
		case ipfsfetch.KindDir:
			entries = append(entries, erofs.Entry{Path: p, Mode: fs.ModeDir | 0o755})
		case ipfsfetch.KindSymlink:
			entries = append(entries, erofs.Entry{Path: p, Mode: fs.ModeSymlink | 0o777, Link: e.Target})
		default:
			if p == "." {
				return fmt.Errorf("the CID is a single file; an input must be a directory")
			}
			if total += e.Size; total > maxTreeBytes {
				return fmt.Errorf("more than %d bytes of files", int64(maxTreeBytes))
			}
			r, err := e.Open(ctx)
			if err != nil {
				return err
			}
			data, err := io.ReadAll(r)
			r.Close()
			if err != nil {
				return fmt.Errorf("read %s: %w", e.Path, err)
			}
			entries = append(entries, erofs.Entry{Path: p, Mode: e.Mode.Perm(), Data: data})
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("filesystem image of %s: %w", c, err)
	}
	var uuid [16]byte
	sum := sha256.Sum256([]byte("reprovm input tree"))
	copy(uuid[:], sum[:])
	return writeFileWith(path, func(w io.Writer) error {
		return erofs.Write(w, entries, erofs.Options{BlockSize: 4096, UUID: uuid, VolumeName: "reprovm-input"})
	})
}

// writeFileWith writes a file through write, via a temporary file beside
// it, so that a failure leaves nothing at path (nor anything half-written
// in place of an old file). The file gets mode 0644.
func writeFileWith(path string, write func(io.Writer) error) error {
	if _, err := scratch.RemoveStale(filepath.Dir(path), ".reprovm-"); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp, err := scratch.CreateTemp(filepath.Dir(path), ".reprovm-")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	werr := write(tmp)
	merr := tmp.Chmod(0o644) // CreateTemp makes it private
	cerr := tmp.Close()
	if err := errors.Join(werr, merr, cerr); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
