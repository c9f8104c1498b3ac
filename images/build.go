package images

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/reprovm/reprovm/images/erofs"
)

// Image files inside a built image directory.
const (
	RootImageName = "root.erofs"
	ManifestName  = "manifest.json"
)

// Manifest describes a built image: what it was built from, its root
// filesystem image, and every file in it.
type Manifest struct {
	Version    int               `json:"manifest_version"`
	LockSHA256 string            `json:"lock_sha256"`
	Env        map[string]string `json:"env"`
	Root       ManifestBlob      `json:"root"`
	Files      []ManifestFile    `json:"files"`
}

// ManifestBlob is one file of the image directory.
type ManifestBlob struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// ManifestFile is one file of the root filesystem.
type ManifestFile struct {
	Path   string `json:"path"`
	Mode   string `json:"mode"`
	UID    uint32 `json:"uid,omitempty"`
	GID    uint32 `json:"gid,omitempty"`
	Size   int    `json:"size,omitempty"`
	SHA256 string `json:"sha256,omitempty"`
	Link   string `json:"link,omitempty"`
}

// BuildImage builds the image of a lock into dir, which must not exist:
// root.erofs (every inode timestamped with the lock's InRelease date, the
// filesystem UUID taken from the lock's hash) and manifest.json. It builds
// in a temporary directory beside dir and renames it, so a failure leaves
// nothing behind. The result is a pure function of the lock.
func (f *Fetcher) BuildImage(ctx context.Context, lockJSON []byte, dir string) (*Manifest, error) {
	l, err := ParseLock(dir, lockJSON)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(dir); err == nil {
		return nil, fmt.Errorf("build image: %s exists; give a new directory", dir)
	}
	mtime, err := time.Parse(time.RFC1123, l.Release.Date)
	if err != nil {
		return nil, fmt.Errorf("build image: lock release date %q: %w", l.Release.Date, err)
	}
	entries, err := f.RootTree(ctx, l)
	if err != nil {
		return nil, fmt.Errorf("build image: %w", err)
	}
	lockSum := sha256.Sum256(lockJSON)
	var uuid [16]byte
	copy(uuid[:], lockSum[:])
	tmp, err := os.MkdirTemp(filepath.Dir(filepath.Clean(dir)), ".reprovm-image-*")
	if err != nil {
		return nil, fmt.Errorf("build image: %w", err)
	}
	defer os.RemoveAll(tmp)
	root, err := writeRoot(filepath.Join(tmp, RootImageName), entries, erofs.Options{
		MTime: mtime.Unix(), BlockSize: 4096, UUID: uuid, VolumeName: "reprovm",
	})
	if err != nil {
		return nil, fmt.Errorf("build image: %w", err)
	}
	m := &Manifest{Version: 1, LockSHA256: hex.EncodeToString(lockSum[:]), Env: l.Env, Root: root}
	for _, e := range entries {
		mf := ManifestFile{Path: e.Path, Mode: e.Mode.String(), UID: e.UID, GID: e.GID, Link: e.Link}
		if e.Mode.IsRegular() {
			sum := sha256.Sum256(e.Data)
			mf.Size, mf.SHA256 = len(e.Data), hex.EncodeToString(sum[:])
		}
		m.Files = append(m.Files, mf)
	}
	sort.Slice(m.Files, func(i, j int) bool { return m.Files[i].Path < m.Files[j].Path })
	js, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(tmp, ManifestName), append(js, '\n'), 0o644); err != nil {
		return nil, fmt.Errorf("build image: %w", err)
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return nil, fmt.Errorf("build image: %w", err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return nil, fmt.Errorf("build image: %w", err)
	}
	return m, nil
}

// writeRoot writes the EROFS image and returns its size and hash.
func writeRoot(path string, entries []erofs.Entry, opts erofs.Options) (ManifestBlob, error) {
	out, err := os.Create(path)
	if err != nil {
		return ManifestBlob{}, err
	}
	h := sha256.New()
	cw := &countWriter{w: io.MultiWriter(out, h)}
	werr := erofs.Write(cw, entries, opts)
	cerr := out.Close()
	if werr != nil {
		return ManifestBlob{}, fmt.Errorf("write %s: %w", path, werr)
	}
	if cerr != nil {
		return ManifestBlob{}, fmt.Errorf("write %s: %w", path, cerr)
	}
	return ManifestBlob{Name: filepath.Base(path), Size: cw.n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// ReadManifest reads the manifest of the image directory dir.
func ReadManifest(dir string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if err != nil {
		return nil, fmt.Errorf("image %s: %w (want a directory written by reprovm image build)", dir, err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("image %s: %s: %w", dir, ManifestName, err)
	}
	return &m, nil
}

// EnvList returns the image's environment as KEY=VALUE entries sorted by
// key, the form a job's environment takes.
func (m *Manifest) EnvList() []string {
	l := make([]string, 0, len(m.Env))
	for k, v := range m.Env {
		l = append(l, k+"="+v)
	}
	sort.Strings(l)
	return l
}
