//go:build linux

package erofs

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

// mkfsSource writes edgeTree(4096) to a directory for mkfs.erofs, with two
// hard links and a compressible file, and returns the contents of each
// regular file and the target of each symbolic link.
func mkfsSource(t *testing.T, src string) map[string][]byte {
	t.Helper()
	want := map[string][]byte{}
	for _, e := range edgeTree(4096) {
		p := filepath.Join(src, e.Path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		switch e.Mode.Type() {
		case 0:
			if err := os.WriteFile(p, e.Data, 0o644); err != nil {
				t.Fatal(err)
			}
			want[e.Path] = e.Data
		case fs.ModeSymlink:
			if err := os.Symlink(e.Link, p); err != nil {
				t.Fatal(err)
			}
			want[e.Path] = []byte(e.Link)
		case fs.ModeDir:
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, l := range []string{"sizes/f05-4063", "many/hardlink"} {
		if err := os.Link(filepath.Join(src, "sizes/f08-4096"), filepath.Join(src, l)); err != nil {
			t.Fatal(err)
		}
		want[l] = want["sizes/f08-4096"]
	}
	text := bytes.Repeat([]byte("compressible text\n"), 10000)
	if err := os.WriteFile(filepath.Join(src, "text"), text, 0o644); err != nil {
		t.Fatal(err)
	}
	want["text"] = text
	return want
}

// mkfsImage runs mkfs.erofs with args on src and returns the image.
func mkfsImage(t *testing.T, src string, args ...string) []byte {
	t.Helper()
	mkfs := erofsTool(t, "mkfs.erofs")
	img := filepath.Join(t.TempDir(), "img")
	cmd := exec.Command(mkfs, append(args, "--quiet", img, src)...)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("mkfs.erofs: %v\n%s", err, msg)
	}
	data, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestMapMkfs maps an image of erofs-utils' mkfs.erofs, which makes hard
// links, and checks each file's contents against the tree it came from;
// and it checks that a compressed image is refused.
func TestMapMkfs(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	want := mkfsSource(t, src)

	data := mkfsImage(t, src, "-T0", "--all-root", "-zlz4")
	if _, err := ReadMap(bytes.NewReader(data), int64(len(data))); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("compressed image: error %v, want errors.ErrUnsupported", err)
	}

	data = mkfsImage(t, src, "-T0", "--all-root")
	m := readMapBytes(t, data)
	got := map[string][]byte{}
	for _, e := range allExtents(t, m, int64(len(data))) {
		if e.Kind != ExtentData && e.Kind != ExtentTail || e.Mode.IsDir() {
			continue
		}
		for _, p := range e.Paths {
			if got[p] == nil {
				got[p] = make([]byte, e.Size)
			}
			copy(got[p][e.FileOff:], data[e.Off:e.Off+e.Len])
		}
	}
	for p, w := range want {
		if len(w) > 0 && !bytes.Equal(got[p], w) {
			t.Errorf("%s: %d bytes mapped, differ from the %d of the file", p, len(got[p]), len(w))
		}
	}
	linked := false
	for _, u := range m.Files([]Range{{0, int64(len(data))}}) {
		if slices.Contains(u.Paths, "many/hardlink") {
			linked = true
			if !slices.Equal(u.Paths, []string{"many/hardlink", "sizes/f05-4063", "sizes/f08-4096"}) {
				t.Errorf("hard links: %q", u.Paths)
			}
		}
	}
	if !linked {
		t.Error("many/hardlink not found")
	}
}

// TestMapFsckFlips checks the map against another reader of the format,
// erofs-utils' fsck.erofs: it flips the bytes that the map says hold the
// first, middle and last byte of every regular file and symbolic link
// target, extracts the image with fsck.erofs and expects exactly those
// bytes of the files to have changed. It does so for an image of Write
// and one of mkfs.erofs.
func TestMapFsckFlips(t *testing.T) {
	fsck := erofsTool(t, "fsck.erofs")
	src := filepath.Join(t.TempDir(), "src")
	fromMkfs := mkfsSource(t, src)
	var es []Entry
	fromWrite := map[string][]byte{}
	for _, e := range edgeTree(4096) {
		switch e.Mode.Type() {
		case 0:
			fromWrite[e.Path] = e.Data
		case fs.ModeSymlink:
			fromWrite[e.Path] = []byte(e.Link)
		case fs.ModeDir:
		default:
			continue // device nodes need root to extract
		}
		es = append(es, e)
	}
	for _, tt := range []struct {
		name  string
		img   []byte
		files map[string][]byte
	}{
		{"Write", writeImage(t, es, testOpts), fromWrite},
		{"mkfs.erofs", mkfsImage(t, src, "-T0", "--all-root"), fromMkfs},
	} {
		t.Run(tt.name, func(t *testing.T) {
			img := tt.img
			m := readMapBytes(t, img)
			want := map[string][]byte{}
			for p, b := range tt.files {
				want[p] = bytes.Clone(b)
			}
			// One extent for each range, shared by the names of a
			// hard-linked file.
			for _, e := range allExtents(t, m, int64(len(img))) {
				if e.Kind != ExtentData && e.Kind != ExtentTail || e.Mode.IsDir() {
					continue
				}
				for _, k := range slices.Compact([]int64{0, e.Size / 2, e.Size - 1}) {
					if k < e.FileOff || k >= e.FileOff+e.Len {
						continue
					}
					img[e.Off+k-e.FileOff] ^= 0x20
					for _, p := range e.Paths {
						want[p][k] ^= 0x20
					}
				}
			}
			sumSuperblock(img[:m.BlockSize()]) // tails in block 0
			dir := t.TempDir()
			path := filepath.Join(dir, "img")
			if err := os.WriteFile(path, img, 0o644); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "out")
			if msg, err := exec.Command(fsck, "--extract="+out, path).CombinedOutput(); err != nil {
				t.Fatalf("fsck.erofs: %v\n%s", err, msg)
			}
			for p, w := range want {
				full := filepath.Join(out, p)
				var got []byte
				var err error
				if st, lerr := os.Lstat(full); lerr == nil && st.Mode().Type() == fs.ModeSymlink {
					var target string
					target, err = os.Readlink(full)
					got = []byte(target)
				} else {
					got, err = os.ReadFile(full)
				}
				if err != nil {
					t.Error(err)
					continue
				}
				if !bytes.Equal(got, w) {
					t.Errorf("%s: extracted %d bytes differ from the %d expected (flips at the mapped bytes)", p, len(got), len(w))
				}
			}
		})
	}
}
