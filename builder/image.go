package builder

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ipfs/go-cid"

	"github.com/reprovm/reprovm/images"
	"github.com/reprovm/reprovm/ipfsfetch"
)

// ResolveImage turns an image reference into an image directory and its
// CID. ref is one of:
//
//   - a directory written by reprovm image build (its CID is computed);
//   - the name of a built-in image (built into the cache on first use);
//   - an image CID: taken from the image cache, else from the store, else
//     from a built-in image that has this CID (rebuilt from its committed
//     lock if need be: a built-in image can always be rebuilt offline from
//     Debian's .debs), else fetched from the gateways.
//
// A CID image is materialised under <cache>/images/<cid>.
func ResolveImage(ctx context.Context, ref string, src Sources, f *images.Fetcher) (string, cid.Cid, error) {
	if _, err := os.Stat(filepath.Join(ref, images.ManifestName)); err == nil {
		c, err := ipfsfetch.ComputeCID(ctx, ref, ipfsfetch.ImportOptions{})
		return ref, c, err
	}
	if slices.Contains(images.Builtin(), ref) {
		return builtinImage(ctx, ref, f)
	}
	c, err := ipfsfetch.ParseCID(ref)
	if err != nil {
		return "", cid.Undef, fmt.Errorf("image %q: not an image directory, a built-in image (%s) or a CID", ref, strings.Join(images.Builtin(), ", "))
	}
	cache, err := f.CacheRoot()
	if err != nil {
		return "", cid.Undef, err
	}
	dir := filepath.Join(cache, "images", c.String())
	if _, err := os.Stat(filepath.Join(dir, images.ManifestName)); err == nil {
		return dir, c, nil
	}
	// Built-in images already built are checked before any network use.
	for _, name := range images.Builtin() {
		if bc, err := readCIDFile(builtinCIDFile(f, name)); err == nil && bc == c {
			d, _, err := builtinImage(ctx, name, f)
			return d, c, err
		}
	}
	var tried []string
	if err := src.Obtain(ctx, "image", c); err == nil {
		if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
			return "", cid.Undef, err
		}
		if err := src.Store.Materialise(ctx, c, dir); err != nil {
			return "", cid.Undef, fmt.Errorf("image %s: %w", c, err)
		}
		return dir, c, nil
	}
	tried = append(tried, "the image cache ("+filepath.Dir(dir)+")", "the local store ("+src.Store.Dir()+")")
	if len(src.Gateways) > 0 {
		tried = append(tried, "the gateways "+strings.Join(src.Gateways, ", "))
	}
	// A built-in image not built yet: the pinned table says which one, so
	// nothing is built (or downloaded) for a CID that is none of them.
	if name, ok := images.BuiltinByCID(c.String()); ok {
		d, bc, err := builtinImage(ctx, name, f)
		if err != nil {
			return "", cid.Undef, err
		}
		if bc != c {
			return "", cid.Undef, fmt.Errorf("image %s: the built-in image %s built to %s, not the CID this reprovm pins for it; the image cache (%s) may be damaged: remove it and try again", c, name, bc, filepath.Dir(dir))
		}
		return d, c, nil
	}
	tried = append(tried, "the built-in images ("+strings.Join(images.Builtin(), ", ")+")")
	return "", cid.Undef, fmt.Errorf("image %s: not found; looked in %s (fetch it with reprovm get %s --gateway URL, import the build's archive with reprovm archive import, or import a CAR with reprovm car import)", c, strings.Join(tried, ", "), c)
}

// builtinImage builds (once) the built-in image name and returns its
// directory and CID. The CID is computed once and kept beside the
// directory, in <dir>.cid, since the directory never changes.
func builtinImage(ctx context.Context, name string, f *images.Fetcher) (string, cid.Cid, error) {
	dir, err := f.BuiltinImage(ctx, name)
	if err != nil {
		return "", cid.Undef, err
	}
	file := builtinCIDFile(f, name)
	if c, err := readCIDFile(file); err == nil {
		return dir, c, nil
	}
	c, err := ipfsfetch.ComputeCID(ctx, dir, ipfsfetch.ImportOptions{})
	if err != nil {
		return "", cid.Undef, fmt.Errorf("image %s: %w", name, err)
	}
	if err := WriteFileAtomic(file, []byte(c.String()+"\n")); err != nil {
		return "", cid.Undef, err
	}
	return dir, c, nil
}

// builtinCIDFile is where the CID of the built-in image name is kept.
func builtinCIDFile(f *images.Fetcher, name string) string {
	dir, err := f.BuiltinImageDir(name)
	if err != nil {
		return ""
	}
	return dir + ".cid"
}

func readCIDFile(path string) (cid.Cid, error) {
	if path == "" {
		return cid.Undef, fs.ErrNotExist
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return cid.Undef, err
	}
	c, err := ipfsfetch.ParseCID(strings.TrimSpace(string(b)))
	if err != nil {
		return cid.Undef, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}
