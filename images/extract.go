package images

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// ExtractDeb extracts the files of the Debian package at debPath into dir,
// which must exist. keep, if not nil, is called with each member's clean
// slash-separated path relative to the package root (for example
// "usr/bin/busybox") and selects the members to extract; parent
// directories of a kept member are created as needed.
//
// The .deb is read as deb(5) describes: an ar archive whose first member
// is "debian-binary" (format "2.x") and whose data member is data.tar,
// data.tar.gz, data.tar.xz or data.tar.zst.
//
// Only regular files, directories and symbolic links are extracted; any
// other kept member type is an error. The archive is treated as hostile and
// nothing is ever written outside dir:
//   - names that are absolute or contain ".." are refused;
//   - a member below a symbolic link is refused, so no path is resolved
//     through a link the archive planted;
//   - a relative symlink target must stay inside dir (absolute targets are
//     kept verbatim as paths in the guest's root);
//   - an existing file or link is removed before it is replaced, and a
//     directory is never replaced;
//   - every file operation goes through an [os.Root] opened on dir.
//
// Permission bits are kept except setuid, setgid, sticky and group/other
// write; owners and times are not restored. ExtractDeb is not atomic: on
// error dir holds a partial tree. Extract into a fresh temporary directory
// and rename it, as [Fetcher.Boot] does, where that matters.
func ExtractDeb(debPath, dir string, keep func(name string) bool) error {
	return extractDeb(context.Background(), debPath, dir, keep, nil)
}

// extractDeb is ExtractDeb with an early stop: after each extracted member
// it calls done, if not nil, and returns as soon as done reports true. This
// spares decompressing the rest of a large package once every wanted file
// is out. It stops with ctx's error once ctx is done.
func extractDeb(ctx context.Context, debPath, dir string, keep func(string) bool, done func() bool) error {
	f, err := os.Open(debPath)
	if err != nil {
		return fmt.Errorf("extract %s: %w", debPath, err)
	}
	defer f.Close()
	root, err := os.OpenRoot(dir)
	if err != nil {
		return fmt.Errorf("extract %s: %w", debPath, err)
	}
	defer root.Close()
	if err := extractDebFrom(ctxReader{ctx, bufio.NewReaderSize(f, 1<<16)}, root, keep, done); err != nil {
		return fmt.Errorf("extract %s: %w", debPath, err)
	}
	return nil
}

// extractDebFrom finds the data member of the .deb read from r and extracts
// it into root.
func extractDebFrom(r io.Reader, root *os.Root, keep func(string) bool, done func() bool) error {
	name, data, closeData, err := debData(r)
	if err != nil {
		return err
	}
	defer closeData()
	if err := extractTar(data, root, keep, done); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// debData checks that r holds a .deb (an ar archive starting with a
// debian-binary member of version 2.x) and returns the name of its data
// member, a reader of that member's tar stream, and a function that
// releases the decompressor.
func debData(r io.Reader) (string, io.Reader, func(), error) {
	ar := newArReader(r)
	h, err := ar.Next()
	if err == io.EOF {
		return "", nil, nil, errors.New("not a .deb: empty ar archive")
	}
	if err != nil {
		return "", nil, nil, err
	}
	if h.Name != "debian-binary" {
		return "", nil, nil, fmt.Errorf("not a .deb: first member is %q, not debian-binary", h.Name)
	}
	var version [16]byte
	n, err := io.ReadFull(ar, version[:])
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return "", nil, nil, fmt.Errorf("reading debian-binary: %w", err)
	}
	if !strings.HasPrefix(string(version[:n]), "2.") {
		return "", nil, nil, fmt.Errorf("unsupported .deb format %q", version[:n])
	}
	for {
		h, err := ar.Next()
		if err == io.EOF {
			return "", nil, nil, errors.New("no data.tar member")
		}
		if err != nil {
			return "", nil, nil, err
		}
		if !strings.HasPrefix(h.Name, "data.tar") {
			continue
		}
		data, closeData, err := decompressor(h.Name, ar)
		if err != nil {
			return "", nil, nil, err
		}
		return h.Name, data, closeData, nil
	}
}

// decompressor returns a reader of the tar stream inside the member called
// name, and a function that releases the decoder.
func decompressor(name string, r io.Reader) (io.Reader, func(), error) {
	switch name {
	case "data.tar":
		return r, func() {}, nil
	case "data.tar.gz":
		z, err := gzip.NewReader(r)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", name, err)
		}
		return z, func() { z.Close() }, nil
	case "data.tar.xz":
		z, err := xz.NewReader(r)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", name, err)
		}
		return z, func() {}, nil
	case "data.tar.zst":
		z, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", name, err)
		}
		return z, z.Close, nil
	}
	return nil, nil, fmt.Errorf("unsupported data member %q", name)
}

// extractTar writes the kept members of the tar stream r into root,
// enforcing the rules documented on ExtractDeb.
func extractTar(r io.Reader, root *os.Root, keep func(string) bool, done func() bool) error {
	x := &extractor{root: root, dirs: map[string]bool{".": true}}
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if hdr.Typeflag == tar.TypeXGlobalHeader {
			continue
		}
		name, err := sanitizeTarPath(hdr.Name)
		if err != nil {
			return fmt.Errorf("member %q: %w", hdr.Name, err)
		}
		if name == "" || (keep != nil && !keep(name)) {
			continue
		}
		if err := x.member(hdr, name, tr); err != nil {
			return fmt.Errorf("member %q: %w", hdr.Name, err)
		}
		if done != nil && done() {
			return nil
		}
	}
}

// extractor holds the state of one extraction.
type extractor struct {
	root *os.Root
	// dirs holds the paths known to be real directories (not symlinks).
	// Nothing replaces a directory during extraction, so an entry stays true.
	dirs map[string]bool
}

func (x *extractor) member(hdr *tar.Header, name string, data io.Reader) error {
	switch hdr.Typeflag {
	case tar.TypeDir:
		return x.mkdirAll(name)
	case tar.TypeReg:
		if isSparse(hdr) {
			// archive/tar reads a PAX sparse file's holes back as zeros,
			// so a small archive could fill the disk; packages never
			// hold sparse files.
			return errors.New("sparse files are not supported")
		}
		if err := x.prepare(name); err != nil {
			return err
		}
		perm := fs.FileMode(hdr.Mode).Perm() &^ 0o022
		f, err := x.root.OpenFile(local(name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
		if err != nil {
			return err
		}
		_, err = io.Copy(f, data)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	case tar.TypeSymlink:
		if !symlinkTargetOK(name, hdr.Linkname) {
			return fmt.Errorf("symlink target %q leaves the extraction directory", hdr.Linkname)
		}
		if err := x.prepare(name); err != nil {
			return err
		}
		return x.root.Symlink(hdr.Linkname, local(name))
	}
	return fmt.Errorf("unsupported member type %q", hdr.Typeflag)
}

// prepare makes the parent directories of name and removes an existing
// non-directory at name, so that creating name cannot follow a link.
func (x *extractor) prepare(name string) error {
	if err := x.mkdirAll(path.Dir(name)); err != nil {
		return err
	}
	fi, err := x.root.Lstat(local(name))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case fi.IsDir():
		return errors.New("would replace a directory")
	}
	return x.root.Remove(local(name))
}

// mkdirAll makes dir and its parents, refusing to pass through a symlink.
func (x *extractor) mkdirAll(dir string) error {
	if x.dirs[dir] {
		return nil
	}
	if err := x.mkdirAll(path.Dir(dir)); err != nil {
		return err
	}
	fi, err := x.root.Lstat(local(dir))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := x.root.Mkdir(local(dir), 0o755); err != nil {
			return err
		}
	case err != nil:
		return err
	case !fi.IsDir():
		return fmt.Errorf("%s is not a directory (%s)", dir, fi.Mode().Type())
	}
	x.dirs[dir] = true
	return nil
}

// isSparse reports whether hdr describes a GNU sparse file in PAX form
// (GNU.sparse.* records). archive/tar keeps the old GNU form as
// TypeGNUSparse, which member refuses as an unsupported type.
func isSparse(hdr *tar.Header) bool {
	for k := range hdr.PAXRecords {
		if strings.HasPrefix(k, "GNU.sparse.") {
			return true
		}
	}
	return false
}

// local converts a sanitized slash path to the host's separator.
func local(name string) string { return filepath.FromSlash(name) }

// ctxReader fails reads once ctx is done, so that a long decompression can
// be cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
