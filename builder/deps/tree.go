package deps

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/reprovm/reprovm/internal/scratch"
)

// epoch is the modification time of every file and directory of a
// published tree: the importer ignores times, but other consumers of the
// directory (an EROFS or tar image of it) would record them.
var epoch = time.Unix(0, 0)

// staging is the private directory a tree is built in before it is
// published. It sits beside the destination, so publishing is a rename
// within one filesystem, and the destination either does not exist or
// holds a complete tree.
type staging struct {
	dir  string // the private directory
	out  string // where the tree is published
	held *scratch.Dir
}

// newStaging checks that out does not exist yet and creates the private
// directory beside it.
func newStaging(out string) (*staging, error) {
	if out == "" {
		return nil, errors.New("deps: empty output directory")
	}
	// Absolute, because the commands that build the tree run in the
	// project's directory and the go command wants absolute cache paths.
	out, err := filepath.Abs(out)
	if err != nil {
		return nil, fmt.Errorf("deps: output directory: %w", err)
	}
	if _, err := os.Lstat(out); err == nil {
		return nil, fmt.Errorf("deps: %s already exists", out)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("deps: check output directory: %w", err)
	}
	// What a killed run left (read-only module directories included:
	// scratch makes them writable to remove them).
	prefix := "." + filepath.Base(out) + ".tmp-"
	if _, err := scratch.RemoveStale(filepath.Dir(out), prefix); err != nil {
		return nil, fmt.Errorf("deps: remove stale staging directories: %w", err)
	}
	held, err := scratch.MkdirTemp(filepath.Dir(out), prefix)
	if err != nil {
		return nil, fmt.Errorf("deps: create staging directory: %w", err)
	}
	return &staging{dir: held.Path, out: out, held: held}, nil
}

// path returns a path inside the staging directory.
func (s *staging) path(elem ...string) string {
	return filepath.Join(append([]string{s.dir}, elem...)...)
}

// publish normalises tree (a directory inside the staging directory) and
// renames it to the destination.
func (s *staging) publish(tree string) error {
	if err := normalize(tree); err != nil {
		return err
	}
	if _, err := os.Lstat(s.out); err == nil {
		return fmt.Errorf("deps: %s appeared while the tree was being built", s.out)
	}
	if err := os.Rename(tree, s.out); err != nil {
		return fmt.Errorf("deps: publish tree: %w", err)
	}
	return nil
}

// cleanup removes the staging directory and everything left in it.
func (s *staging) cleanup() {
	defer s.held.Release()
	if err := os.RemoveAll(s.dir); err == nil {
		return
	}
	// Read-only directories (a module cache extracted without
	// -modcacherw, say) stop RemoveAll; make them writable and retry.
	_ = filepath.WalkDir(s.dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			_ = os.Chmod(p, 0o755)
		}
		return nil
	})
	_ = os.RemoveAll(s.dir)
}

// normalize gives every entry under root its published form: directories
// 0755, files 0755 if any executable bit is set and 0644 otherwise, and
// every time the epoch. Anything but a regular file or a directory is an
// error: the tree must mean the same thing on every host.
func normalize(root string) error {
	var dirs []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		var mode fs.FileMode
		switch {
		case info.Mode().IsDir():
			dirs = append(dirs, p)
			return os.Chmod(p, 0o755)
		case !info.Mode().IsRegular():
			rel, _ := filepath.Rel(root, p)
			return fmt.Errorf("%s is a %v, not a regular file or directory", rel, info.Mode().Type())
		case info.Mode()&0o111 != 0:
			mode = 0o755
		default:
			mode = 0o644
		}
		if err := os.Chmod(p, mode); err != nil {
			return err
		}
		return os.Chtimes(p, epoch, epoch)
	})
	if err != nil {
		return fmt.Errorf("deps: normalise tree: %w", err)
	}
	// Children before parents, though setting a child's time leaves its
	// parent's alone.
	for _, d := range slices.Backward(dirs) {
		if err := os.Chtimes(d, epoch, epoch); err != nil {
			return fmt.Errorf("deps: normalise tree: %w", err)
		}
	}
	return nil
}

// maxErrOutput bounds how much of a failed command's standard error an
// error carries; all of it went to the log.
const maxErrOutput = 4 << 10

// run runs name with args in dir with exactly env, copying its standard
// error to log, and returns its standard output. A failure's error says
// what ran (a short form of the command line; the full one names
// temporary paths) and carries the end of its standard error.
func run(ctx context.Context, log io.Writer, what, dir string, env []string, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = io.MultiWriter(log, &stderr)
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > maxErrOutput {
			msg = "..." + msg[len(msg)-maxErrOutput:]
		}
		if msg != "" {
			msg = ":\n" + msg
		}
		return nil, fmt.Errorf("%s: %w%s", what, err, msg)
	}
	return stdout.Bytes(), nil
}
