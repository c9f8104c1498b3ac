package ipfsfetch

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/ipfs/go-cid"
)

// tmpStore returns an empty store in a fresh temporary directory.
func tmpStore(t testing.TB) *Store {
	t.Helper()
	s, err := OpenStore(filepath.Join(t.TempDir(), "blocks"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// spec describes a file tree: path -> content. A content starting with "->"
// is a symlink target, a path ending in "/" is a directory, a path starting
// with "*" is an executable file.
type spec map[string]string

// write creates the tree under dir, in the given order of paths.
func (sp spec) write(t testing.TB, dir string, order []string) {
	t.Helper()
	for _, p := range order {
		content := sp[p]
		exec := strings.HasPrefix(p, "*")
		name := filepath.Join(dir, filepath.FromSlash(strings.TrimPrefix(p, "*")))
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		var err error
		switch {
		case strings.HasSuffix(p, "/"):
			err = os.MkdirAll(name, 0o700)
		case strings.HasPrefix(content, "->"):
			err = os.Symlink(strings.TrimPrefix(content, "->"), name)
		case exec:
			err = os.WriteFile(name, []byte(content), 0o700)
		default:
			err = os.WriteFile(name, []byte(content), 0o600)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

func (sp spec) paths() []string {
	var ps []string
	for p := range sp {
		ps = append(ps, p)
	}
	sort.Strings(ps)
	return ps
}

// digest describes the tree at dir: every entry's path, type, permission
// class (executable or not), symlink target and content hash, in order.
func digest(t testing.TB, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		switch {
		case fi.Mode()&os.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			fmt.Fprintf(&b, "%s link %s\n", rel, target)
		case fi.IsDir():
			fmt.Fprintf(&b, "%s dir\n", rel)
		default:
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			h := sha256.New()
			_, err = io.Copy(h, f)
			f.Close()
			if err != nil {
				return err
			}
			fmt.Fprintf(&b, "%s file %v %x\n", rel, fi.Mode()&0o100 != 0, h.Sum(nil))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func mustImport(t testing.TB, s *Store, p string, opts ImportOptions) cid.Cid {
	t.Helper()
	c, err := s.Import(context.Background(), p, opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
