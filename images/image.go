package images

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
)

// Image is a built image directory (see [Fetcher.BuildImage]) opened for a
// run.
type Image struct {
	Dir      string
	Manifest *Manifest
}

// OpenImage reads the manifest of the image directory dir and checks that
// every file it names is there with its recorded size.
func OpenImage(dir string) (*Image, error) {
	m, err := ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	im := &Image{Dir: dir, Manifest: m}
	for _, b := range []ManifestBlob{m.Kernel, m.Firmware, m.Initramfs, m.Root} {
		if b.Name == "" || b.Name != filepath.Base(b.Name) || b.Name == ".." {
			return nil, fmt.Errorf("image %s: %s names file %q; want a plain file name", dir, ManifestName, b.Name)
		}
		fi, err := os.Stat(im.Path(b))
		if err != nil {
			return nil, fmt.Errorf("image %s: %w", dir, err)
		}
		if fi.Size() != b.Size {
			return nil, fmt.Errorf("image %s: %s is %d bytes, the manifest says %d; the image is damaged, rebuild or fetch it again", dir, b.Name, fi.Size(), b.Size)
		}
	}
	return im, nil
}

// Path returns the host path of the image file b.
func (im *Image) Path(b ManifestBlob) string { return filepath.Join(im.Dir, b.Name) }

// ReadBlob reads the image file b and checks its SHA-256 against the
// manifest. Runs read the boot files this way, which costs little (they
// are a few tens of MB); the root image is read by the guest block by block
// and is checked when the image is built or fetched by CID.
func (im *Image) ReadBlob(b ManifestBlob) ([]byte, error) {
	data, err := os.ReadFile(im.Path(b))
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", im.Dir, err)
	}
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); got != b.SHA256 {
		return nil, fmt.Errorf("image %s: %s: sha256 mismatch: expected %s (manifest), got %s; the image is damaged, rebuild or fetch it again", im.Dir, b.Name, b.SHA256, got)
	}
	return data, nil
}
