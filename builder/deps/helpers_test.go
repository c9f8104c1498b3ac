package deps_test

import (
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// listing describes the tree at dir one line per entry, in lexical order:
// "path mode sha256" for files, "path/ mode" for directories. Two trees
// with the same listing have the same names, contents and modes. It also
// checks that every time in the tree is the epoch, as in a published tree.
func listing(t *testing.T, dir string) string {
	t.Helper()

	var b strings.Builder
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if !info.ModTime().Equal(time.Unix(0, 0)) {
			return fmt.Errorf("%s: modification time %v, not the epoch", rel, info.ModTime())
		}
		if d.IsDir() {
			fmt.Fprintf(&b, "%s/ %v\n", filepath.ToSlash(rel), info.Mode())
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%s %v %x\n", filepath.ToSlash(rel), info.Mode(), sha256.Sum256(data))
		return nil
	})
	if err != nil {
		t.Fatalf("list %s: %v", dir, err)
	}
	return b.String()
}

// command runs name in dir with env (nil: this process's) and returns its
// standard output, failing the test if it fails.
func command(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	out, err := tryCommand(dir, env, name, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// tryCommand is command that returns the error.
func tryCommand(dir string, env []string, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = env
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return string(out), fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return string(out), nil
}

// copyDir copies the regular files and directories of src to a new
// directory dst, so that a test can build a project without writing to
// testdata.
func copyDir(t *testing.T, dst, src string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			if d.Name() == "target" && rel != "." {
				return fs.SkipDir // a cargo build directory
			}
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatalf("copy %s: %v", src, err)
	}
}

// noLeftovers checks that the directory out would have been published in
// holds nothing: no out, no staging directory.
func noLeftovers(t *testing.T, out string) {
	t.Helper()
	entries, err := os.ReadDir(filepath.Dir(out))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), filepath.Base(out)) || strings.HasPrefix(e.Name(), "."+filepath.Base(out)) {
			t.Errorf("left behind after a failure: %s", e.Name())
		}
	}
}

// lockFiles describes the named files of a project (its lock files), one
// "name sha256" line each, so that a test can check nobody wrote them.
func lockFiles(t *testing.T, dir string, names ...string) string {
	t.Helper()
	var b strings.Builder
	for _, name := range names {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s %x\n", name, sha256.Sum256(data))
	}
	return b.String()
}
