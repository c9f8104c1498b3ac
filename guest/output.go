package guest

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"math"
	"os"
	"path"
	"strings"

	"github.com/reprovm/reprovm/guest/proto"
)

// File is one member of the output archive.
type File struct {
	// Name is the slash-separated path relative to the guest's /out.
	Name string
	// Mode is fs.ModeDir|0755 for a directory, 0644 or 0755 for a regular
	// file, and fs.ModeSymlink|0777 for a symbolic link.
	Mode fs.FileMode
	// Data is a regular file's contents.
	Data []byte
	// Link is a symbolic link's target, as the guest wrote it.
	Link string
}

// InitError reports that the guest init failed before the command's
// status could be known; the console holds its message too.
type InitError struct {
	Stage   proto.Stage
	Message string
}

func (e *InitError) Error() string {
	return fmt.Sprintf("guest init failed (%v): %s", e.Stage, e.Message)
}

// ReadOutput reads the output drive the guest init wrote (format in
// package proto). status is the command's exit status, or 128+N if a
// signal N killed it, as a shell reports it. If the init itself failed the
// error is an *InitError. The drive's bytes are untrusted: every member
// name, type and mode is checked, and the archive must match the length
// in the header (and, in format 1, its SHA-256).
func ReadOutput(drive io.ReaderAt) (status int, files []File, err error) {
	hb := make([]byte, proto.HeaderSize)
	if n, err := drive.ReadAt(hb, 0); n < len(hb) {
		return 0, nil, fmt.Errorf("read output header: %w", noEOF(err))
	}
	h, err := proto.ParseHeader(hb)
	if err != nil {
		return 0, nil, err
	}
	switch h.State {
	case proto.InitFailed:
		return -1, nil, &InitError{Stage: proto.Stage(h.Code), Message: h.Message}
	case proto.Signaled:
		status = 128 + int(h.Code)
	default:
		status = int(h.Code)
	}
	if h.ArchiveLen > math.MaxInt64-proto.HeaderSize {
		return 0, nil, fmt.Errorf("output archive: length %d is out of range", h.ArchiveLen)
	}
	// Format 1 carries the archive's SHA-256; format 2 carries zeros there
	// (see proto.Header).
	var sum hash.Hash
	counted := &countReader{r: io.NewSectionReader(drive, proto.HeaderSize, int64(h.ArchiveLen))}
	var r io.Reader = counted
	if h.Version == 1 {
		sum = sha256.New()
		r = io.TeeReader(counted, sum)
	} else if h.ArchiveSHA256 != [32]byte{} {
		return 0, nil, fmt.Errorf("output archive: a format %d header with a hash", h.Version)
	}
	files, err = readArchive(r)
	if err != nil {
		return 0, nil, fmt.Errorf("output archive: %w", err)
	}
	// The length (and the hash) cover the whole archive, including the
	// end-of-archive blocks the tar reader leaves unread.
	if _, err := io.Copy(io.Discard, r); err != nil {
		return 0, nil, fmt.Errorf("output archive: %w", err)
	}
	if uint64(counted.n) != h.ArchiveLen {
		return 0, nil, fmt.Errorf("output archive: the drive holds %d of its %d bytes", counted.n, h.ArchiveLen)
	}
	if sum != nil && !bytes.Equal(sum.Sum(nil), h.ArchiveSHA256[:]) {
		return 0, nil, fmt.Errorf("output archive: SHA-256 mismatch")
	}
	return status, files, nil
}

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// readArchive parses the tar stream, allowing only what the format allows.
func readArchive(r io.Reader) ([]File, error) {
	tr := tar.NewReader(r)
	var files []File
	dirs := map[string]bool{".": true}
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return files, nil
		}
		if err != nil {
			return nil, err
		}
		f := File{Name: hdr.Name}
		switch hdr.Typeflag {
		case tar.TypeDir:
			f.Name = strings.TrimSuffix(hdr.Name, "/")
			f.Mode = fs.ModeDir | 0o755
		case tar.TypeReg:
			f.Mode = fs.FileMode(hdr.Mode)
			if f.Mode != 0o644 && f.Mode != 0o755 {
				return nil, fmt.Errorf("%q: mode %#o is neither 0644 nor 0755", hdr.Name, hdr.Mode)
			}
		case tar.TypeSymlink:
			f.Mode = fs.ModeSymlink | 0o777
			f.Link = hdr.Linkname
		default:
			return nil, fmt.Errorf("%q: unsupported member type %q", hdr.Name, hdr.Typeflag)
		}
		if hdr.Typeflag != tar.TypeReg && hdr.Mode != int64(f.Mode.Perm()) {
			return nil, fmt.Errorf("%q: mode %#o, want %#o", hdr.Name, hdr.Mode, f.Mode.Perm())
		}
		if err := checkName(f.Name); err != nil {
			return nil, err
		}
		if n := len(files); n > 0 && f.Name <= files[n-1].Name {
			return nil, fmt.Errorf("%q: members out of order or repeated (after %q)", f.Name, files[n-1].Name)
		}
		if !dirs[path.Dir(f.Name)] {
			return nil, fmt.Errorf("%q: parent directory is not in the archive", f.Name)
		}
		if f.Mode.IsDir() {
			dirs[f.Name] = true
		}
		if f.Mode.Type() == fs.ModeSymlink && (f.Link == "" || strings.IndexByte(f.Link, 0) >= 0) {
			return nil, fmt.Errorf("%q: bad symlink target %q", f.Name, f.Link)
		}
		if f.Mode.IsRegular() {
			// ReadAll grows with the data actually present, whatever
			// size the header claims.
			if f.Data, err = io.ReadAll(tr); err != nil {
				return nil, fmt.Errorf("%q: %w", f.Name, err)
			}
			if int64(len(f.Data)) != hdr.Size {
				return nil, fmt.Errorf("%q: %d of %d bytes", f.Name, len(f.Data), hdr.Size)
			}
		}
		files = append(files, f)
	}
}

// checkName accepts a clean relative slash path that names the same file
// on every host: no "..", no backslash, no NUL.
func checkName(name string) error {
	if !fs.ValidPath(name) || name == "." || strings.ContainsAny(name, "\\\x00") {
		return fmt.Errorf("%q: bad member name", name)
	}
	return nil
}

// ExtractOutput writes files under dir, creating dir if needed. It never
// writes outside dir: all access goes through an os.Root, names are
// checked again, and an existing non-directory at a member's name is
// replaced rather than written through. Modes are set exactly, whatever
// the host's umask.
func ExtractOutput(dir string, files []File) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("extract output: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return fmt.Errorf("extract output: %w", err)
	}
	defer root.Close()
	for _, f := range files {
		if err := extractOne(root, f); err != nil {
			return fmt.Errorf("extract output %s: %w", path.Join(dir, f.Name), err)
		}
	}
	return nil
}

func extractOne(root *os.Root, f File) error {
	if err := checkName(f.Name); err != nil {
		return err
	}
	name := f.Name
	if fi, err := root.Lstat(name); err == nil {
		if fi.IsDir() && f.Mode.IsDir() {
			return root.Chmod(name, f.Mode.Perm())
		}
		if err := root.RemoveAll(name); err != nil {
			return err
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	switch f.Mode.Type() {
	case fs.ModeDir:
		if err := root.Mkdir(name, 0o700); err != nil {
			return err
		}
		return root.Chmod(name, f.Mode.Perm())
	case fs.ModeSymlink:
		return root.Symlink(f.Link, name)
	case 0:
		w, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return err
		}
		if _, err := w.Write(f.Data); err != nil {
			w.Close()
			return err
		}
		if err := w.Close(); err != nil {
			return err
		}
		return root.Chmod(name, f.Mode.Perm())
	}
	return fmt.Errorf("unsupported mode %v", f.Mode)
}

func noEOF(err error) error {
	if err == nil || errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
