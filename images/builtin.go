package images

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/reprovm/reprovm/guest"
)

// builtinLocks are the committed locks of the built-in images, embedded so
// that `--image go` works from a plain go install.
//
//go:embed specs/*.lock.json
var builtinLocks embed.FS

// builtinCIDs are the CIDs the built-in images build to with this version
// of reprovm: a function of each committed lock, the unpacking and fix-ups,
// the EROFS writer, the guest init and the pinned firmware. A stamp names
// its image by CID only, so a verifier that has not built the image yet
// finds out which built-in image (if any) to build from this table instead
// of building every one (hundreds of MB of downloads) to compare. Change an
// entry deliberately, with whatever changed the image; TestBuiltinCIDs
// builds each image and fails on a stale entry.
var builtinCIDs = map[string]string{
	"go":        "bafybeihcbadkluh7p7p7nhlngwlnskjtjgy5fiplj4ox24io2gr2xlzqt4",
	"rust-wasm": "bafybeibnmeyyo4oq2jagxyi44r77ljunh6edlbaafsjosxyjj6secgd3hm",
}

// BuiltinCID returns the CID the built-in image name builds to, and false
// for a name that is not a built-in image.
func BuiltinCID(name string) (string, bool) {
	c, ok := builtinCIDs[name]
	return c, ok
}

// BuiltinByCID returns the name of the built-in image whose CID is c.
func BuiltinByCID(c string) (string, bool) {
	for _, name := range Builtin() {
		if builtinCIDs[name] == c {
			return name, true
		}
	}
	return "", false
}

// Builtin returns the names of the built-in images, sorted.
func Builtin() []string {
	ents, _ := fs.ReadDir(builtinLocks, "specs")
	var names []string
	for _, e := range ents {
		names = append(names, strings.TrimSuffix(e.Name(), ".lock.json"))
	}
	slices.Sort(names)
	return names
}

// BuiltinLock returns the lock file of the built-in image name.
func BuiltinLock(name string) ([]byte, error) {
	b, err := builtinLocks.ReadFile("specs/" + name + ".lock.json")
	if err != nil {
		return nil, fmt.Errorf("no built-in image %q (built-in: %s)", name, strings.Join(Builtin(), ", "))
	}
	return b, nil
}

// BuiltinImage returns the directory of the built-in image name, building
// it on first use into the cache (see [Fetcher.BuiltinImageDir]).
func (f *Fetcher) BuiltinImage(ctx context.Context, name string) (string, error) {
	dir, err := f.BuiltinImageDir(name)
	if err != nil {
		return "", err
	}
	lock, err := BuiltinLock(name)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(dir, ManifestName)); err == nil {
		return dir, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return "", fmt.Errorf("image %s: %w", name, err)
	}
	if f.Progress != nil {
		fmt.Fprintf(f.Progress, "reprovm: building image %s into %s (once)\n", name, dir)
	}
	if _, err := f.BuildImage(ctx, lock, dir); err != nil {
		// Another process building the same image at the same time may
		// have won the rename: its result is byte-identical to ours.
		if _, serr := os.Stat(filepath.Join(dir, ManifestName)); serr == nil {
			return dir, nil
		}
		return "", err
	}
	return dir, nil
}

// BuiltinImageDir returns where the built-in image name is (or would be)
// built: <cache>/images/<name>-<key>, where key is the first 8 bytes, in
// hex, of the SHA-256 of the image layout version, the lock, the guest init
// and the pinned firmware and busybox, so that a change to any of them
// never reuses an old build.
func (f *Fetcher) BuiltinImageDir(name string) (string, error) {
	lock, err := BuiltinLock(name)
	if err != nil {
		return "", err
	}
	cache, err := f.CacheRoot()
	if err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "reprovm image v%d\n", ManifestVersion)
	h.Write(lock)
	// Not in the lock, but in the image: the initramfs's guest init and
	// busybox, and the firmware.
	initSum := sha256.Sum256(guest.Init())
	fmt.Fprintf(h, "\ninit %x\nopensbi %s\nbusybox %s\n", initSum, OpenSBI.SHA256, BusyboxStatic.SHA256)
	sum := h.Sum(nil)
	return filepath.Join(cache, "images", name+"-"+hex.EncodeToString(sum[:8])), nil
}
