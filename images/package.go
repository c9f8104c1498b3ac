package images

import (
	"fmt"
	"io/fs"
	"path"
	"strings"
)

// Package describes one .deb file exactly, as a stanza of Debian's Packages
// index does: Name (Package:), Version, Arch (Architecture:), Pool
// (Filename:, relative to the mirror root, such as
// "pool/main/l/linux/linux-image-...deb"), Size in bytes and SHA256 as 64
// lowercase hex digits.
type Package struct {
	Name, Version, Arch, Pool string
	Size                      int64
	SHA256                    string
}

// String names the package the way apt does: name_version_arch.
func (p Package) String() string {
	return p.Name + "_" + p.Version + "_" + p.Arch
}

// validate checks the fields that Fetch turns into a URL and a cache file
// name, so that neither can be steered somewhere else.
func (p Package) validate() error {
	if !isSHA256Hex(p.SHA256) {
		return fmt.Errorf("package %s: SHA256 %q is not 64 lowercase hex digits", p, p.SHA256)
	}
	if p.Size <= 0 {
		return fmt.Errorf("package %s: size %d is not positive", p, p.Size)
	}
	if !strings.HasPrefix(p.Pool, "pool/") || !strings.HasSuffix(p.Pool, ".deb") ||
		!fs.ValidPath(p.Pool) || path.Clean(p.Pool) != p.Pool ||
		strings.ContainsAny(p.Pool, "?#%\\") {
		return fmt.Errorf("package %s: pool path %q is not a clean pool/... .deb path", p, p.Pool)
	}
	return nil
}

func isSHA256Hex(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
