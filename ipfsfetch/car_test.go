package ipfsfetch

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	blocks "github.com/ipfs/go-block-format"

	"github.com/reprovm/reprovm/internal/testtree"

	"github.com/ipfs/go-cid"
	car "github.com/ipld/go-car/v2"
	"github.com/ipld/go-car/v2/storage"
)

// carTree is a tree with several chunks, a directory and a symlink.
func carTree(t testing.TB) (*Store, cid.Cid, string) {
	t.Helper()
	tree := spec{
		"*run":     "#!/bin/sh\n",
		"data":     strings.Repeat("reprovm", ChunkSize/7*2+5),
		"sub/link": "->../data",
		"sub/a":    "a",
	}
	dir := t.TempDir()
	tree.write(t, dir, tree.paths())
	s := tmpStore(t)
	return s, mustImport(t, s, dir, ImportOptions{}), dir
}

func TestCARRoundTrip(t *testing.T) {
	ctx := context.Background()
	src, root, dir := carTree(t)
	for _, name := range []string{"x.car", "x.car.zst"} {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), name)
			n, err := src.ExportCARFile(ctx, p, []cid.Cid{root})
			if err != nil {
				t.Fatal(err)
			}
			dst := tmpStore(t)
			roots, m, err := dst.ImportCARFile(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			if len(roots) != 1 || roots[0] != root || m != n {
				t.Fatalf("imported roots %v, %d blocks; want [%s], %d blocks", roots, m, root, n)
			}
			out := filepath.Join(t.TempDir(), "out")
			if err := dst.Materialise(ctx, root, out); err != nil {
				t.Fatal(err)
			}
			if got, want := testtree.Digest(t, out), testtree.Digest(t, dir); got != want {
				t.Errorf("tree after CAR round trip:\n%s\nwant:\n%s", got, want)
			}
			// The archive of one DAG is the same bytes every time.
			again := filepath.Join(t.TempDir(), name)
			if _, err := dst.ExportCARFile(ctx, again, roots); err != nil {
				t.Fatal(err)
			}
			a, _ := os.ReadFile(p)
			b, _ := os.ReadFile(again)
			if !bytes.Equal(a, b) {
				t.Errorf("two exports of %s differ (%d and %d bytes)", root, len(a), len(b))
			}
		})
	}
}

func exportBytes(t testing.TB, s *Store, roots ...cid.Cid) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := s.ExportCAR(context.Background(), &buf, roots); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestCARBad feeds damaged archives to ImportCAR: each must fail with an
// error, and no block whose bytes do not match its CID may be stored.
func TestCARBad(t *testing.T) {
	ctx := context.Background()
	src, root, _ := carTree(t)
	good := exportBytes(t, src, root)

	// A CAR that names a root it does not contain.
	var partial bytes.Buffer
	leaf, err := cid.Prefix{Version: 1, Codec: cid.Raw, MhType: cidPrefix.MhType, MhLength: -1}.Sum([]byte("hello world"))
	if err != nil {
		t.Fatal(err)
	}
	w, err := storage.NewWritable(onlyWriter{&partial}, []cid.Cid{root}, car.WriteAsCarV1(true))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Put(ctx, leaf.KeyString(), []byte("hello world")); err != nil {
		t.Fatal(err)
	}

	// Flip a byte in the middle of the big file's data.
	corrupt := bytes.Clone(good)
	corrupt[len(corrupt)/2] ^= 1

	for _, tc := range []struct {
		name, data, want string
	}{
		{"empty", "", "header"},
		{"garbage", "not a car at all", "header"},
		{"truncated header", string(good[:20]), "header"},
		{"truncated block", string(good[:len(good)-100]), "block"},
		{"truncated after a block", string(good[:len(good)/3]), ""},
		{"corrupt block", string(corrupt), "mismatch"},
		{"missing root", partial.String(), root.String()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dst := tmpStore(t)
			_, _, err := dst.ImportCAR(ctx, strings.NewReader(tc.data))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("ImportCAR: %v, want an error containing %q", err, tc.want)
			}
			checkStoreValid(t, dst)
		})
	}
}

// checkStoreValid fails if any stored block's bytes do not match its name.
func checkStoreValid(t testing.TB, s *Store) {
	t.Helper()
	ch, err := s.AllKeysChan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for c := range ch {
		if _, err := s.Get(context.Background(), c); err != nil {
			t.Errorf("stored block: %v", err)
		}
	}
}

func TestExportCARIncomplete(t *testing.T) {
	ctx := context.Background()
	src, root, _ := carTree(t)
	// Remove one leaf: the export must refuse instead of writing a CAR that
	// cannot be imported.
	var leaf cid.Cid
	if err := src.walkBlocks(ctx, root, false, func(c cid.Cid, _ blocks.Block) error {
		if c.Prefix().Codec == cid.Raw {
			leaf = c
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := src.DeleteBlock(ctx, leaf); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	_, err := src.ExportCAR(ctx, &buf, []cid.Cid{root})
	if err == nil || !strings.Contains(err.Error(), leaf.String()) {
		t.Errorf("export with a missing block: %v, want an error naming %s", err, leaf)
	}
	if _, err := src.ExportCAR(ctx, &buf, nil); err == nil {
		t.Error("export with no roots succeeded")
	}

}

// FuzzCARReader: ImportCAR must never panic, and must never store a block
// whose bytes do not match its CID.
func FuzzCARReader(f *testing.F) {
	src, root, _ := func() (*Store, cid.Cid, string) {
		s := tmpStore(f)
		dir := f.TempDir()
		spec{"a": "hello", "b/c": "world", "l": "->a"}.write(f, dir, []string{"a", "b/c", "l"})
		return s, mustImport(f, s, dir, ImportOptions{}), dir
	}()
	good := exportBytes(f, src, root)
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add([]byte{})
	dst := tmpStore(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		dst.ImportCAR(context.Background(), bytes.NewReader(data))
		checkStoreValid(t, dst)
	})
}
