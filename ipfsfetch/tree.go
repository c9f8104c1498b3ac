package ipfsfetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/ipfs/boxo/ipld/merkledag"
	ft "github.com/ipfs/boxo/ipld/unixfs"
	uio "github.com/ipfs/boxo/ipld/unixfs/io"
	"github.com/ipfs/go-cid"
	ipld "github.com/ipfs/go-ipld-format"
)

// Kind is the type of a tree entry.
type Kind int

// The kinds of entries a tree holds.
const (
	KindFile Kind = iota
	KindDir
	KindSymlink
)

// Entry is one file, directory or symlink of a tree in the store.
type Entry struct {
	// Path is the slash-separated path below the root; "" for the root.
	Path string
	Kind Kind
	// Mode is 0o755 for directories and executables, 0o644 for other
	// files, 0o777 for symlinks.
	Mode fs.FileMode
	// Size is the file's length in bytes (0 for directories and symlinks).
	Size int64
	// Target is a symlink's target, verbatim.
	Target string
	CID    cid.Cid

	nd  ipld.Node
	dag ipld.DAGService
}

// Open returns a reader of the file's contents, reading blocks from the
// store as it goes (each checked against its CID).
func (e *Entry) Open(ctx context.Context) (io.ReadSeekCloser, error) {
	if e.Kind != KindFile {
		return nil, fmt.Errorf("open %q: not a regular file", e.Path)
	}
	return uio.NewDagReader(ctx, e.nd, e.dag)
}

// ErrSkipDir, returned by a Walk callback for a directory, skips its
// contents.
var ErrSkipDir = fs.SkipDir

// Walk calls fn for root and every entry below it, parents before children
// and siblings in byte order of name, reading the tree straight from the
// store without materialising it. Names that could not come from a real
// directory ("", ".", "..", or containing '/' or NUL) and duplicate names
// are errors: the DAG may come from anyone.
func (s *Store) Walk(ctx context.Context, root cid.Cid, fn func(*Entry) error) error {
	dag := s.dagService()
	nd, err := dag.Get(ctx, root)
	if err != nil {
		return fmt.Errorf("read %s: %w", root, err)
	}
	err = walk(ctx, dag, nd, "", fn)
	if errors.Is(err, fs.SkipDir) {
		return nil
	}
	return err
}

func walk(ctx context.Context, dag ipld.DAGService, nd ipld.Node, p string, fn func(*Entry) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	e, err := entryOf(dag, nd, p)
	if err != nil {
		return err
	}
	if err := fn(e); err != nil || e.Kind != KindDir {
		return err
	}
	dir, err := uio.NewDirectoryFromNode(dag, nd)
	if err != nil {
		return fmt.Errorf("read directory %q (%s): %w", p, nd.Cid(), err)
	}
	links, err := dir.Links(ctx)
	if err != nil {
		return fmt.Errorf("read directory %q (%s): %w", p, nd.Cid(), err)
	}
	sort.Slice(links, func(i, j int) bool { return links[i].Name < links[j].Name })
	for i, l := range links {
		if !validName(l.Name) {
			return fmt.Errorf("directory %q (%s) has an entry named %q", p, nd.Cid(), l.Name)
		}
		if i > 0 && links[i-1].Name == l.Name {
			return fmt.Errorf("directory %q (%s) has two entries named %q", p, nd.Cid(), l.Name)
		}
		child, err := dag.Get(ctx, l.Cid)
		if err != nil {
			return fmt.Errorf("read %q: %w", path.Join(p, l.Name), err)
		}
		err = walk(ctx, dag, child, path.Join(p, l.Name), fn)
		if err != nil && !errors.Is(err, fs.SkipDir) {
			return err
		}
	}
	return nil
}

func validName(n string) bool {
	return n != "" && n != "." && n != ".." && !strings.ContainsAny(n, "/\x00")
}

// entryOf describes the UnixFS node nd found at path p.
func entryOf(dag ipld.DAGService, nd ipld.Node, p string) (*Entry, error) {
	e := &Entry{Path: p, CID: nd.Cid(), nd: nd, dag: dag}
	switch n := nd.(type) {
	case *merkledag.RawNode:
		e.Kind, e.Mode, e.Size = KindFile, 0o644, int64(len(n.RawData()))
		return e, nil
	case *merkledag.ProtoNode:
		fsn, err := ft.FSNodeFromBytes(n.Data())
		if err != nil {
			return nil, fmt.Errorf("%q (%s) is not UnixFS: %w", p, nd.Cid(), err)
		}
		switch fsn.Type() {
		case ft.TFile, ft.TRaw:
			e.Kind, e.Mode, e.Size = KindFile, 0o644, int64(fsn.FileSize())
			if fsn.Mode()&0o100 != 0 {
				e.Mode = 0o755
			}
		case ft.TDirectory, ft.THAMTShard:
			e.Kind, e.Mode = KindDir, 0o755
		case ft.TSymlink:
			e.Kind, e.Mode, e.Target = KindSymlink, 0o777, string(fsn.Data())
		default:
			return nil, fmt.Errorf("%q (%s) is a UnixFS %s node, which reprovm does not use", p, nd.Cid(), fsn.Type())
		}
		return e, nil
	default:
		return nil, fmt.Errorf("%q (%s) has codec %#x, not dag-pb or raw", p, nd.Cid(), nd.Cid().Prefix().Codec)
	}
}
