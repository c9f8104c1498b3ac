package ipfsfetch

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"

	"github.com/reprovm/reprovm/internal/testtree"
)

// fixedTree is the tree whose CID TestImportGolden pins.
var fixedTree = spec{
	"README":          "hello, reprovm\n",
	"*bin/build.sh":   "#!/bin/sh\necho build\n",
	"src/main.go":     "package main\n\nfunc main() {}\n",
	"src/empty":       "",
	"src/link":        "->main.go",
	"src/abs":         "->/usr/bin/env",
	"emptydir/":       "",
	"deep/a/b/c/file": strings.Repeat("x", 3000),
}

// TestImportGolden pins the CID of a fixed tree, so that any change of
// format, settings or library that changes CIDs fails here.
func TestImportGolden(t *testing.T) {
	dir := t.TempDir()
	fixedTree.write(t, dir, fixedTree.paths())
	got := mustImport(t, tmpStore(t), dir, ImportOptions{})
	const want = "bafybeie4hltbjy3qfzj73qqhnkntsidwwgzzdnxli7wexsppww3teby4ha"
	if got.String() != want {
		t.Errorf("CID of the fixed tree = %s, want %s", got, want)
	}
}

// TestImportDeterministic imports two copies of a tree created in opposite
// orders, with different mtimes and permission bits other than the owner's
// executable bit, into different stores.
func TestImportDeterministic(t *testing.T) {
	order := fixedTree.paths()
	a, b := t.TempDir(), t.TempDir()
	fixedTree.write(t, a, order)
	slices.Reverse(order)
	fixedTree.write(t, b, order)
	stamp := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	err := filepath.Walk(b, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if fi.Mode()&os.ModeSymlink != 0 {
			return nil
		}
		if fi.Mode().IsRegular() {
			if err := os.Chmod(p, fi.Mode().Perm()|0o044); err != nil {
				return err
			}
		}
		return os.Chtimes(p, stamp, stamp)
	})
	if err != nil {
		t.Fatal(err)
	}
	ca := mustImport(t, tmpStore(t), a, ImportOptions{})
	cb := mustImport(t, tmpStore(t), b, ImportOptions{})
	if ca != cb {
		t.Errorf("two copies of one tree: %s and %s", ca, cb)
	}
}

// TestImportWellKnownCIDs checks CIDs any IPFS implementation gives.
func TestImportWellKnownCIDs(t *testing.T) {
	dir := t.TempDir()
	hello := filepath.Join(dir, "hello.txt")
	if err := os.WriteFile(hello, []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	s := tmpStore(t)
	sum, err := mh.Sum([]byte("hello\n"), mh.SHA2_256, -1)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path string
		want cid.Cid
	}{
		{hello, cid.NewCidV1(cid.Raw, sum)}, // a one-chunk file is its raw leaf
		{empty, cid.MustParse("bafybeiczsscdsbs7ffqz55asqdf3smv6klcw3gofszvwlyarci47bgf354")},
	} {
		if got := mustImport(t, s, tc.path, ImportOptions{}); got != tc.want {
			t.Errorf("%s: CID %s, want %s", filepath.Base(tc.path), got, tc.want)
		}
	}
}

// TestImportRoundTrip materialises imported trees and compares them with the
// originals: contents, executable bits and symlink targets, for files of
// zero, one and several chunks.
func TestImportRoundTrip(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcdef"), (2*ChunkSize+100)/16)
	tree := spec{
		"*exec-empty":   "",
		"*exec-small":   "#!/bin/sh\n",
		"*exec-big":     string(big),
		"big":           string(big),
		"link-rel":      "->big",
		"link-abs":      "->/etc/passwd",
		"link-dangling": "->no/such/file",
		"sub/empty/":    "",
		"sub/star*name": "x",
	}
	ctx := context.Background()
	for _, name := range []string{"tree", "exec-small", "link-rel", "big"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			tree.write(t, dir, tree.paths())
			src := dir
			if name != "tree" {
				src = filepath.Join(dir, name)
			}
			s := tmpStore(t)
			c := mustImport(t, s, src, ImportOptions{})
			out := filepath.Join(t.TempDir(), "out")
			if err := s.Materialise(ctx, c, out); err != nil {
				t.Fatal(err)
			}
			if name == "tree" {
				if got, want := testtree.Digest(t, out), testtree.Digest(t, src); got != want {
					t.Errorf("materialised tree differs:\n%s\nwant:\n%s", got, want)
				}
				return
			}
			if got, want := testtree.Digest(t, out), testtree.Digest(t, src); got != want {
				t.Errorf("materialised %s differs:\n%s\nwant:\n%s", name, got, want)
			}
		})
	}
}

// TestImportExecChangesCID: the executable bit is content.
func TestImportExecChangesCID(t *testing.T) {
	s := tmpStore(t)
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	plain := mustImport(t, s, p, ImportOptions{})
	if err := os.Chmod(p, 0o755); err != nil {
		t.Fatal(err)
	}
	if exec := mustImport(t, s, p, ImportOptions{}); exec == plain {
		t.Errorf("executable and plain file share CID %s", exec)
	}
}

func TestImportExcludes(t *testing.T) {
	tree := spec{
		"a.go":        "a",
		"a.o":         "obj",
		".git/HEAD":   "ref: refs/heads/main\n",
		"sub/.git":    "gitdir: elsewhere\n",
		"sub/b.o":     "obj",
		"sub/keep.go": "b",
	}
	dir := t.TempDir()
	tree.write(t, dir, tree.paths())
	s := tmpStore(t)
	list := func(opts ImportOptions) []string {
		c := mustImport(t, s, dir, opts)
		var got []string
		err := s.Walk(context.Background(), c, func(e *Entry) error {
			if e.Kind == KindFile {
				got = append(got, e.Path)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	for _, tc := range []struct {
		opts ImportOptions
		want []string
	}{
		{ImportOptions{}, []string{"a.go", "a.o", "sub/b.o", "sub/keep.go"}},
		{ImportOptions{Exclude: []string{"*.o"}}, []string{"a.go", "sub/keep.go"}},
		{ImportOptions{Exclude: []string{"sub/*.o"}}, []string{"a.go", "a.o", "sub/keep.go"}},
		{ImportOptions{NoDefaultExcludes: true}, []string{".git/HEAD", "a.go", "a.o", "sub/.git", "sub/b.o", "sub/keep.go"}},
	} {
		if got := list(tc.opts); !slices.Equal(got, tc.want) {
			t.Errorf("%+v: imported %q, want %q", tc.opts, got, tc.want)
		}
	}
	if _, err := s.Import(context.Background(), dir, ImportOptions{Exclude: []string{"["}}); err == nil {
		t.Error("malformed exclude pattern accepted")
	}
}

// TestComputeCID checks that ComputeCID gives Import's CID, for a tree and
// for a file larger than one chunk, and stores nothing.
func TestComputeCID(t *testing.T) {
	dir := t.TempDir()
	fixedTree.write(t, dir, fixedTree.paths())
	big := filepath.Join(t.TempDir(), "big")
	if err := os.WriteFile(big, bytes.Repeat([]byte("reprovm "), 3*ChunkSize/8+5), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{dir, big} {
		got, err := ComputeCID(context.Background(), p, ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		s := tmpStore(t)
		if want := mustImport(t, s, p, ImportOptions{}); got != want {
			t.Errorf("ComputeCID(%s) = %s, Import gives %s", filepath.Base(p), got, want)
		}
	}
	if _, err := ComputeCID(context.Background(), dir, ImportOptions{Exclude: []string{"["}}); err == nil {
		t.Error("ComputeCID accepted a bad exclude pattern")
	}
}
