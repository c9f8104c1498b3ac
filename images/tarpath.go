package images

import (
	"errors"
	"io/fs"
	"path"
	"strings"
)

// sanitizeTarPath turns a tar member name into a clean slash-separated path
// relative to the extraction directory, or refuses it.
//
// dpkg-deb writes names like "./usr/bin/busybox" and "./boot/"; the leading
// "./" and a trailing "/" are dropped. A name that is absolute, contains a
// ".." element or a NUL byte is refused even where cleaning would make it
// harmless: no honest package needs one. The archive's root entry ("./")
// yields "" and no error; callers skip it.
func sanitizeTarPath(name string) (string, error) {
	if strings.IndexByte(name, 0) >= 0 {
		return "", errors.New("name contains a NUL byte")
	}
	if strings.HasPrefix(name, "/") {
		return "", errors.New("absolute path")
	}
	for _, elem := range strings.Split(name, "/") {
		if elem == ".." {
			return "", errors.New(`path contains ".."`)
		}
	}
	clean := path.Clean(name)
	if clean == "." {
		return "", nil
	}
	if !fs.ValidPath(clean) {
		// Unreachable after the checks above; kept so that a future change
		// to them cannot let an escaping path through.
		return "", errors.New("not a valid relative path")
	}
	return clean, nil
}

// symlinkTargetOK reports whether a symlink at name (a sanitized path) with
// the given target may be created. A relative target must resolve, read
// lexically from the link's directory, to a path inside the extraction
// directory; this is exact because extraction refuses any entry below a
// symlink, so the link's directory is a real directory. An absolute target
// is kept: inside a package it names a path in the guest's root, and
// [os.Root], through which every write goes, never follows it.
func symlinkTargetOK(name, target string) bool {
	if target == "" || strings.IndexByte(target, 0) >= 0 {
		return false
	}
	if path.IsAbs(target) {
		return true
	}
	resolved := path.Join(path.Dir(name), target)
	return resolved != ".." && !strings.HasPrefix(resolved, "../")
}
