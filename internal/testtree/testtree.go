// Package testtree holds what tests across packages need to say about a
// directory tree, so that a test comparing two trees is one line.
package testtree

import (
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Digest describes the tree at dir: every entry's path, type, permission
// class (executable or not), symlink target and content hash, in walk
// (lexical) order. Two trees with equal digests hold the same files as
// reprovm's formats see them: they keep only the executable bit of a mode.
func Digest(t testing.TB, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
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
