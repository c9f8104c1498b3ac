package ipfsfetch

import (
	"context"
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

func mustImport(t testing.TB, s *Store, p string, opts ImportOptions) cid.Cid {
	t.Helper()
	c, err := s.Import(context.Background(), p, opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
