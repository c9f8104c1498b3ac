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
	"github.com/reprovm/reprovm/internal/scratch"
	"github.com/reprovm/reprovm/ipfsfetch"
)

// Files of a built image directory. The directory holds everything a run
// boots, so its CID (reprovm image add) names the whole machine image.
const (
	KernelName    = "kernel"         // flat RISC-V Image from the lock's kernel package
	FirmwareName  = "fw_dynamic.bin" // OpenSBI's generic fw_dynamic
	InitramfsName = "initramfs.cpio" // guest init, busybox, kernel modules
	RootImageName = "root.erofs"     // the root filesystem
	ManifestName  = "manifest.json"
)

// ManifestVersion is the version of the image directory layout and of
// manifest.json that this reprovm writes and reads. Version 1 held only
// root.erofs; version 2 adds the boot files.
const ManifestVersion = 2

// Manifest describes a built image: what it was built from, its boot files,
// its root filesystem image, and every file in that.
type Manifest struct {
	Version    int               `json:"manifest_version"`
	LockSHA256 string            `json:"lock_sha256"`
	Env        map[string]string `json:"env"`
	Warmup     *Warmup           `json:"warmup,omitempty"`
	Kernel     ManifestBlob      `json:"kernel"`
	Firmware   ManifestBlob      `json:"firmware"`
	Initramfs  ManifestBlob      `json:"initramfs"`
	Root       ManifestBlob      `json:"root"`
	Files      []ManifestFile    `json:"files"`
}

// ManifestBlob is one file of the image directory. CID is the file's CID
// as reprovm add gives it, so that a reader of the manifest can fetch or
// check one file alone.
type ManifestBlob struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	CID    string `json:"cid"`
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
// the kernel of the lock's kernel package, the pinned OpenSBI firmware, the
// initramfs (see [BootFiles.WriteInitramfs]), root.erofs (every inode
// timestamped with the lock's InRelease date, the filesystem UUID taken
// from the lock's hash) and manifest.json. It builds
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
	parent := filepath.Dir(filepath.Clean(dir))
	if _, err := scratch.RemoveStale(parent, ".reprovm-image-"); err != nil {
		return nil, fmt.Errorf("build image: %w", err)
	}
	td, err := scratch.MkdirTemp(parent, ".reprovm-image-")
	if err != nil {
		return nil, fmt.Errorf("build image: %w", err)
	}
	defer td.RemoveAll()
	tmp := td.Path
	m := &Manifest{Version: ManifestVersion, LockSHA256: hex.EncodeToString(lockSum[:]), Env: l.Env, Warmup: l.Warmup}
	boot, err := f.BootKernel(ctx, l.Kernel.Package())
	if err != nil {
		return nil, fmt.Errorf("build image: %w", err)
	}
	blobs := []struct {
		dst   *ManifestBlob
		name  string
		write func(io.Writer) error
	}{
		{&m.Kernel, KernelName, copyFile(boot.Kernel)},
		{&m.Firmware, FirmwareName, copyFile(boot.Firmware)},
		{&m.Initramfs, InitramfsName, boot.WriteInitramfs},
		{&m.Root, RootImageName, func(w io.Writer) error {
			return erofs.Write(w, entries, erofs.Options{
				MTime: mtime.Unix(), BlockSize: 4096, UUID: uuid, VolumeName: "reprovm",
			})
		}},
	}
	for _, b := range blobs {
		if *b.dst, err = writeBlob(ctx, filepath.Join(tmp, b.name), b.write); err != nil {
			return nil, fmt.Errorf("build image: %w", err)
		}
	}
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

// writeBlob writes a file of the image with write and returns its size,
// hash and CID.
func writeBlob(ctx context.Context, path string, write func(io.Writer) error) (ManifestBlob, error) {
	out, err := os.Create(path)
	if err != nil {
		return ManifestBlob{}, err
	}
	h := sha256.New()
	cw := &countWriter{w: io.MultiWriter(out, h)}
	werr := write(cw)
	cerr := out.Close()
	if werr != nil {
		return ManifestBlob{}, fmt.Errorf("write %s: %w", path, werr)
	}
	if cerr != nil {
		return ManifestBlob{}, fmt.Errorf("write %s: %w", path, cerr)
	}
	c, err := ipfsfetch.ComputeCID(ctx, path, ipfsfetch.ImportOptions{})
	if err != nil {
		return ManifestBlob{}, err
	}
	return ManifestBlob{Name: filepath.Base(path), Size: cw.n, SHA256: hex.EncodeToString(h.Sum(nil)), CID: c.String()}, nil
}

// copyFile returns a writer function that copies the file src.
func copyFile(src string) func(io.Writer) error {
	return func(w io.Writer) error {
		f, err := os.Open(src)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(w, f)
		return err
	}
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
	if m.Version != ManifestVersion {
		return nil, fmt.Errorf("image %s: manifest version %d, this reprovm reads version %d; rebuild the image with reprovm image build", dir, m.Version, ManifestVersion)
	}
	return &m, nil
}

// EnvList returns the image's environment as KEY=VALUE entries sorted by
// key, the form a job's environment takes.
func (m *Manifest) EnvList() []string { return EnvPairs(m.Env) }

// EnvPairs returns env as KEY=VALUE entries sorted by key, the form a
// job's environment takes, in an order that does not depend on map
// iteration. Recipes use it too.
func EnvPairs(env map[string]string) []string {
	l := make([]string, 0, len(env))
	for k, v := range env {
		l = append(l, k+"="+v)
	}
	sort.Strings(l)
	return l
}
