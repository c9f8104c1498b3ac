package images

import (
	"archive/tar"
	"bufio"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/reprovm/reprovm/images/erofs"
)

// maxMember bounds one file of a package held in memory while an image is
// built (the largest file of the Go toolchain is about 20 MB).
const maxMember = 1 << 30

// RootTree fetches every package of the lock by hash and returns the files
// of the root filesystem: the data archives of the packages in dependency
// order (a package after those it needs, ties by name; a later package's
// file replaces an earlier one's), without running maintainer scripts,
// then the fix-ups a build environment needs (see fixups). Entries come
// out sorted by path.
func (f *Fetcher) RootTree(ctx context.Context, l *Lock) ([]erofs.Entry, error) {
	order, err := installOrder(l.Packages)
	if err != nil {
		return nil, err
	}
	tree := map[string]erofs.Entry{}
	for _, p := range order {
		deb, err := f.Fetch(ctx, p.Package())
		if err != nil {
			return nil, err
		}
		if err := addDeb(ctx, tree, deb); err != nil {
			return nil, fmt.Errorf("unpack %s %s: %w", p.Name, p.Version, err)
		}
	}
	fixups(tree)
	entries := make([]erofs.Entry, 0, len(tree))
	for _, e := range tree {
		entries = append(entries, e)
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Path < entries[j].Path })
	return entries, nil
}

// installOrder sorts packages so that each comes after the ones it needs
// (Kahn's algorithm, taking the smallest name among the ready ones).
// Dependency cycles, which Debian allows, are broken by name order.
func installOrder(pkgs []LockedPackage) ([]LockedPackage, error) {
	byName := map[string]LockedPackage{}
	for _, p := range pkgs {
		byName[p.Name] = p
	}
	waiting := map[string]int{}
	users := map[string][]string{}
	for _, p := range pkgs {
		for _, n := range p.Needs {
			if _, ok := byName[n]; ok && n != p.Name {
				waiting[p.Name]++
				users[n] = append(users[n], p.Name)
			}
		}
	}
	done := map[string]bool{}
	var out []LockedPackage
	for len(out) < len(pkgs) {
		var ready []string
		for _, p := range pkgs {
			if !done[p.Name] && waiting[p.Name] == 0 {
				ready = append(ready, p.Name)
			}
		}
		if len(ready) == 0 { // a cycle: take the smallest name left
			for _, p := range pkgs {
				if !done[p.Name] {
					ready = append(ready, p.Name)
				}
			}
		}
		slices.Sort(ready)
		n := ready[0]
		done[n] = true
		out = append(out, byName[n])
		for _, u := range users[n] {
			waiting[u]--
		}
	}
	return out, nil
}

// addDeb adds the data archive of the .deb at debPath to tree.
func addDeb(ctx context.Context, tree map[string]erofs.Entry, debPath string) error {
	file, err := os.Open(debPath)
	if err != nil {
		return err
	}
	defer file.Close()
	name, data, closeData, err := debData(ctxReader{ctx, bufio.NewReaderSize(file, 1<<16)})
	if err != nil {
		return err
	}
	defer closeData()
	if err := addTar(tree, data); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// addTar adds the members of a package's data archive to tree, with the
// owners and modes the package gives them.
func addTar(tree map[string]erofs.Entry, r io.Reader) error {
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		name, err := sanitizeTarPath(hdr.Name)
		if err != nil {
			return err
		}
		if name == "" {
			continue
		}
		e := erofs.Entry{Path: name, Mode: tarMode(hdr), UID: uint32(hdr.Uid), GID: uint32(hdr.Gid)}
		switch hdr.Typeflag {
		case tar.TypeDir:
			e.Mode |= fs.ModeDir
		case tar.TypeReg:
			if hdr.Size > maxMember {
				return fmt.Errorf("%s: %d bytes is more than the %d a member may have", name, hdr.Size, maxMember)
			}
			if e.Data, err = io.ReadAll(io.LimitReader(tr, hdr.Size)); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
		case tar.TypeSymlink:
			e.Mode |= fs.ModeSymlink
			e.Link = hdr.Linkname
		case tar.TypeLink: // a hard link: the image gets a copy
			target, err := sanitizeTarPath(hdr.Linkname)
			if err != nil {
				return err
			}
			t, ok := tree[target]
			if !ok || !t.Mode.IsRegular() {
				return fmt.Errorf("%s: hard link to %q, which is not a file before it", name, hdr.Linkname)
			}
			e.Data = t.Data
		default:
			return fmt.Errorf("%s: unsupported member type %q", name, hdr.Typeflag)
		}
		if old, ok := tree[name]; ok && old.Mode.IsDir() && e.Mode.IsDir() {
			continue // a directory shipped by several packages keeps its first owner and mode
		}
		tree[name] = e
	}
}

// tarMode converts a tar header's permission and special bits.
func tarMode(hdr *tar.Header) fs.FileMode {
	m := fs.FileMode(hdr.Mode) & fs.ModePerm
	if hdr.Mode&0o4000 != 0 {
		m |= fs.ModeSetuid
	}
	if hdr.Mode&0o2000 != 0 {
		m |= fs.ModeSetgid
	}
	if hdr.Mode&0o1000 != 0 {
		m |= fs.ModeSticky
	}
	return m
}

// busyboxApplets are linked to busybox in /usr/bin when no package ships
// them, so that a build's shell scripts find the usual tools.
var busyboxApplets = []string{
	"[", "awk", "basename", "cat", "chmod", "cmp", "cp", "cut", "date", "diff", "dirname",
	"echo", "env", "expr", "false", "find", "grep", "gunzip", "gzip", "head", "id", "ln", "ls",
	"mkdir", "mktemp", "mv", "od", "printf", "pwd", "readlink", "realpath", "rm", "rmdir",
	"sed", "sh", "sha256sum", "sleep", "sort", "stat", "tail", "tar", "tee", "test", "touch",
	"tr", "true", "uname", "uniq", "unzip", "wc", "which", "xargs",
}

// fixups applies what maintainer scripts and an installer would otherwise
// do, to the extent a build needs it; each is a pure function of the tree:
//   - the merged-/usr links /bin, /sbin and /lib (Debian's ELF interpreter
//     is /lib/ld-linux-riscv64-lp64d.so.1);
//   - /etc/passwd and /etc/group with root only;
//   - /tmp (1777), /root (0700) and the mount points the guest init binds
//     (/proc, /sys, /dev, /out, /mnt);
//   - links to busybox for common tools no package provides;
//   - /etc/ssl/certs/ca-certificates.crt, the bundle update-ca-certificates
//     would write: every certificate under /usr/share/ca-certificates, in
//     path order.
func fixups(tree map[string]erofs.Entry) {
	add := func(e erofs.Entry) {
		if _, ok := tree[e.Path]; !ok {
			tree[e.Path] = e
		}
	}
	for _, d := range []string{"bin", "sbin", "lib"} {
		add(erofs.Entry{Path: d, Mode: fs.ModeSymlink | 0o777, Link: "usr/" + d})
	}
	add(erofs.Entry{Path: "etc/passwd", Mode: 0o644, Data: []byte("root:x:0:0:root:/root:/bin/sh\n")})
	add(erofs.Entry{Path: "etc/group", Mode: 0o644, Data: []byte("root:x:0:\n")})
	add(erofs.Entry{Path: "tmp", Mode: fs.ModeDir | fs.ModeSticky | 0o777})
	add(erofs.Entry{Path: "root", Mode: fs.ModeDir | 0o700})
	for _, d := range []string{"proc", "sys", "dev", "out", "mnt"} {
		add(erofs.Entry{Path: d, Mode: fs.ModeDir | 0o755})
	}
	if _, ok := tree["usr/bin/busybox"]; ok {
		for _, a := range busyboxApplets {
			add(erofs.Entry{Path: "usr/bin/" + a, Mode: fs.ModeSymlink | 0o777, Link: "busybox"})
		}
	}
	var certs []string
	for p, e := range tree {
		if strings.HasPrefix(p, "usr/share/ca-certificates/") && strings.HasSuffix(p, ".crt") && e.Mode.IsRegular() {
			certs = append(certs, p)
		}
	}
	if len(certs) > 0 {
		slices.Sort(certs)
		var bundle []byte
		for _, c := range certs {
			bundle = append(bundle, tree[c].Data...)
			if n := len(bundle); n > 0 && bundle[n-1] != '\n' {
				bundle = append(bundle, '\n')
			}
		}
		tree[path.Join("etc/ssl/certs", "ca-certificates.crt")] = erofs.Entry{Path: "etc/ssl/certs/ca-certificates.crt", Mode: 0o644, Data: bundle}
	}
}
