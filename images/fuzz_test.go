package images

import (
	"archive/tar"
	"bytes"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzArReader checks that the ar reader never panics and that what it
// returns is consistent: each member yields exactly its declared size.
func FuzzArReader(f *testing.F) {
	f.Add(writeAr(arMember{"debian-binary", []byte("2.0\n")}, arMember{"data.tar.xz", []byte("abc")}))
	f.Add([]byte(arMagic))
	f.Add([]byte(arMagic + "a/              0           0     0     644     3         `\nabc"))
	f.Add([]byte("!<arch>\nshort"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ar := newArReader(bytes.NewReader(data))
		total := int64(len(arMagic))
		for {
			h, err := ar.Next()
			if err != nil {
				return
			}
			if h.Name == "" || h.Size < 0 {
				t.Fatalf("bad header %+v", h)
			}
			n, err := io.Copy(io.Discard, ar)
			if err == nil && n != h.Size {
				t.Fatalf("member %q: read %d bytes, header says %d", h.Name, n, h.Size)
			}
			total += arHeaderSize + n
			if total > int64(len(data)) {
				t.Fatalf("consumed %d bytes of %d", total, len(data))
			}
			if err != nil {
				return
			}
		}
	})
}

// FuzzSanitizeTarPath checks that every accepted name is a clean relative
// path with no ".." element, which is what keeps writes inside the target.
func FuzzSanitizeTarPath(f *testing.F) {
	for _, s := range []string{"./usr/bin/busybox", "../x", "/abs", "a/../b", ".", "./", "a//b/", "....", "a\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		got, err := sanitizeTarPath(name)
		if err != nil || got == "" {
			return
		}
		if !fs.ValidPath(got) || got == "." || path.Clean(got) != got || path.IsAbs(got) {
			t.Fatalf("sanitizeTarPath(%q) = %q: not a clean relative path", name, got)
		}
		for _, e := range strings.Split(got, "/") {
			if e == ".." {
				t.Fatalf("sanitizeTarPath(%q) = %q contains ..", name, got)
			}
		}
		if !filepath.IsLocal(filepath.FromSlash(got)) {
			t.Fatalf("sanitizeTarPath(%q) = %q is not local", name, got)
		}
		if !symlinkTargetOK(got, "x") {
			t.Fatalf("symlink %q -> x refused", got)
		}
	})
}

// FuzzExtractTar extracts fuzzed tar streams (the seeds are hostile
// archives) and checks that nothing ever appears outside the target.
func FuzzExtractTar(f *testing.F) {
	seeds := [][]tarEntry{
		{{name: "./usr/bin/busybox", body: "x"}, {name: "./usr/bin/sh", typ: tar.TypeSymlink, linkname: "busybox"}},
		{{name: "l", typ: tar.TypeSymlink, linkname: "/tmp"}, {name: "l/x", body: "x"}},
		{{name: "l", typ: tar.TypeSymlink, linkname: "."}, {name: "l/y", typ: tar.TypeSymlink, linkname: "../z"}},
		{{name: "../up", body: "x"}},
		{{name: "d/", typ: tar.TypeDir}, {name: "d/l", typ: tar.TypeSymlink, linkname: "../d"}, {name: "d/l/f", body: "x"}},
	}
	for _, s := range seeds {
		// Small seeds keep minimisation short: drop the end-of-archive
		// blocks, which archive/tar does not need.
		f.Add(bytes.TrimRight(writeTar(f, s...), "\x00"))
	}
	tmp := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		base, err := os.MkdirTemp(tmp, "")
		if err != nil {
			t.Fatal(err)
		}
		defer os.RemoveAll(base)
		dir := filepath.Join(base, "x")
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		root, err := os.OpenRoot(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer root.Close()
		_ = extractTar(bytes.NewReader(data), root, nil, nil)
		ents, err := os.ReadDir(base)
		if err != nil {
			t.Fatal(err)
		}
		if len(ents) != 1 || ents[0].Name() != "x" {
			t.Fatalf("wrote outside the target: %v", ents)
		}
		// Every relative symlink left behind must resolve inside.
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.Type()&fs.ModeSymlink == 0 {
				return nil
			}
			target, _ := os.Readlink(p)
			if filepath.IsAbs(target) {
				return nil
			}
			rel, _ := filepath.Rel(dir, filepath.Join(filepath.Dir(p), target))
			if !filepath.IsLocal(rel) && rel != "." {
				t.Fatalf("symlink %s -> %s leaves the target", p, target)
			}
			return nil
		})
	})
}
