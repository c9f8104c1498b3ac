package ipfsfetch

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"

	chunker "github.com/ipfs/boxo/chunker"
	"github.com/ipfs/boxo/ipld/merkledag"
	ft "github.com/ipfs/boxo/ipld/unixfs"
	"github.com/ipfs/boxo/ipld/unixfs/importer/balanced"
	"github.com/ipfs/boxo/ipld/unixfs/importer/helpers"
	"github.com/ipfs/go-cid"
	ipld "github.com/ipfs/go-ipld-format"
)

// DefaultExcludes are the patterns ImportOptions leaves out unless
// IncludeDefaults is set: version-control metadata is not part of a source
// tree's content and changes on every fetch or commit.
var DefaultExcludes = []string{".git"}

// ImportOptions says what Import leaves out.
type ImportOptions struct {
	// Exclude holds path.Match patterns. An entry is left out if a pattern
	// matches its name or its slash-separated path relative to the imported
	// directory. The imported path itself is never excluded.
	Exclude []string
	// NoDefaultExcludes imports entries DefaultExcludes would leave out.
	NoDefaultExcludes bool
}

// Import adds the file, directory or symlink at p to the store and returns
// its CID. Files are streamed a chunk at a time, so memory does not grow with
// their size. See the package documentation for the format.
func (s *Store) Import(ctx context.Context, p string, opts ImportOptions) (cid.Cid, error) {
	im, err := newImporter(s.importDAGService(), p, opts)
	if err != nil {
		return cid.Undef, err
	}
	nd, err := im.node(ctx, p, "")
	if err != nil {
		return cid.Undef, fmt.Errorf("import %s: %w", p, err)
	}
	return nd.Cid(), nil
}

type importer struct {
	dag     ipld.DAGService
	exclude []string
}

// newImporter checks opts and returns an importer of p into dag.
func newImporter(dag ipld.DAGService, p string, opts ImportOptions) (*importer, error) {
	patterns := opts.Exclude
	if !opts.NoDefaultExcludes {
		patterns = append(append([]string(nil), DefaultExcludes...), patterns...)
	}
	for _, pat := range patterns {
		if _, err := path.Match(pat, ""); err != nil {
			return nil, fmt.Errorf("import %s: exclude pattern %q: %w", p, pat, err)
		}
	}
	return &importer{dag: dag, exclude: patterns}, nil
}

func (im *importer) excluded(name, rel string) bool {
	for _, pat := range im.exclude {
		if ok, _ := path.Match(pat, name); ok {
			return true
		}
		if ok, _ := path.Match(pat, rel); ok {
			return true
		}
	}
	return false
}

// node imports the entry at p, whose path relative to the import root is rel.
func (im *importer) node(ctx context.Context, p, rel string) (ipld.Node, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	fi, err := os.Lstat(p)
	if err != nil {
		return nil, err
	}
	switch mode := fi.Mode(); {
	case mode.IsRegular():
		return im.file(ctx, p, mode&0o100 != 0)
	case mode.IsDir():
		return im.dir(ctx, p, rel)
	case mode&fs.ModeSymlink != 0:
		return im.symlink(ctx, p)
	default:
		return nil, fmt.Errorf("%s is a %s: only regular files, directories and symlinks can be imported", p, fileKind(mode))
	}
}

func fileKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeCharDevice != 0:
		return "character device"
	case m&fs.ModeDevice != 0:
		return "block device"
	default:
		return "special file (" + m.String() + ")"
	}
}

func (im *importer) dir(ctx context.Context, p, rel string) (ipld.Node, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	names, err := f.Readdirnames(-1)
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", p, err)
	}
	sort.Strings(names) // the host's listing order must not matter
	d, err := newDirectory(im.dag)
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		crel := path.Join(rel, name)
		if im.excluded(name, crel) {
			continue
		}
		child, err := im.node(ctx, filepath.Join(p, name), crel)
		if err != nil {
			return nil, err
		}
		if err := d.AddChild(ctx, name, child); err != nil {
			return nil, fmt.Errorf("add %s to its directory: %w", crel, err)
		}
	}
	nd, err := d.GetNode()
	if err != nil {
		return nil, err
	}
	return nd, im.dag.Add(ctx, nd)
}

func (im *importer) symlink(ctx context.Context, p string) (ipld.Node, error) {
	target, err := os.Readlink(p)
	if err != nil {
		return nil, err
	}
	data, err := ft.SymlinkData(target)
	if err != nil {
		return nil, err
	}
	nd := merkledag.NodeWithData(data)
	if err := nd.SetCidBuilder(cidPrefix); err != nil {
		return nil, err
	}
	return nd, im.dag.Add(ctx, nd)
}

func (im *importer) file(ctx context.Context, p string, exec bool) (ipld.Node, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	params := helpers.DagBuilderParams{
		Dagserv:    im.dag,
		Maxlinks:   MaxLinks,
		RawLeaves:  true,
		CidBuilder: cidPrefix,
	}
	if exec {
		params.FileMode = execMode
	}
	db, err := params.New(chunker.NewSizeSplitter(ctxReader{ctx, f}, ChunkSize))
	if err != nil {
		return nil, err
	}
	nd, err := balanced.Layout(db)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	if raw, ok := nd.(*merkledag.RawNode); ok && exec {
		// boxo drops the mode of a file that fits in one raw leaf.
		return im.execRoot(ctx, raw)
	}
	return nd, nil
}

// execRoot wraps a single raw leaf in a dag-pb file root carrying execMode.
func (im *importer) execRoot(ctx context.Context, leaf *merkledag.RawNode) (ipld.Node, error) {
	fsn := ft.NewFSNode(ft.TFile)
	fsn.SetMode(execMode)
	size := uint64(len(leaf.RawData()))
	nd := merkledag.NodeWithData(nil)
	if err := nd.SetCidBuilder(cidPrefix); err != nil {
		return nil, err
	}
	if size > 0 {
		fsn.AddBlockSize(size)
		if err := nd.AddNodeLink("", leaf); err != nil {
			return nil, err
		}
	}
	data, err := fsn.GetBytes()
	if err != nil {
		return nil, err
	}
	nd.SetData(data)
	return nd, im.dag.Add(ctx, nd)
}

// ctxReader stops a long import when its context is cancelled.
type ctxReader struct {
	ctx context.Context
	f   *os.File
}

func (r ctxReader) Read(b []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	return r.f.Read(b)
}
