package erofs

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestReadBack(t *testing.T) {
	tests := []struct {
		name    string
		entries []Entry
	}{
		{"empty", nil},
		{"root only", []Entry{{Path: ".", Mode: fs.ModeDir | 0o700, UID: 5, GID: 6}}},
		{"sample", sampleTree()},
		{"content", []Entry{
			{Path: "a", Mode: 0o644, Content: bytes.NewReader(pattern(9, 100000)), Size: 100000},
			{Path: "b", Mode: 0o644, Content: bytes.NewReader(pattern(10, 3)), Size: 3},
			{Path: "c", Mode: 0o644, Content: bytes.NewReader(nil), Size: 0},
		}},
		{"huge directory", func() []Entry {
			var es []Entry
			for i := range 5000 {
				es = append(es, Entry{Path: "d/" + strings.Repeat("q", i%200) + string(rune('a'+i%26)) + hex.EncodeToString([]byte{byte(i), byte(i >> 8)}), Mode: fs.ModeDir | 0o755})
			}
			return es
		}()},
		{"deep", []Entry{{Path: strings.TrimSuffix(strings.Repeat("d/", 300), "/") + "/f", Mode: 0o644, Data: []byte("deep")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img := writeImage(t, tt.entries, testOpts)
			got, err := readImage(img)
			if err != nil {
				t.Fatal(err)
			}
			compare(t, got, expect(t, tt.entries, testOpts))
		})
	}
}

// TestLayouts checks which inode format and data layout each file gets.
func TestLayouts(t *testing.T) {
	tests := []struct {
		size     int
		uid      uint32
		inline   bool
		extended bool
	}{
		{0, 0, false, false},
		{1, 0, true, false},
		{4096 - 32, 0, true, false},
		{4096 - 31, 0, false, false},
		{4096, 0, false, false},
		{4097, 0, true, false},
		{10, 65535, true, false},
		{10, 65536, true, true},
		{4096 - 64, 1 << 20, true, true},
		{4096 - 63, 1 << 20, false, true},
	}
	for _, tt := range tests {
		root, err := buildTree([]Entry{{Path: "f", Mode: 0o644, UID: tt.uid, Data: make([]byte, tt.size)}}, 4096)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := plan(root, 4096); err != nil {
			t.Fatal(err)
		}
		f := root.children[0]
		if f.inline != tt.inline || f.extended != tt.extended {
			t.Errorf("size %d uid %d: inline %v extended %v, want %v %v", tt.size, tt.uid, f.inline, f.extended, tt.inline, tt.extended)
		}
	}

	// A file of 4 GiB or more needs the extended inode's 64-bit size;
	// plan does not read the contents.
	root, err := buildTree([]Entry{{Path: "f", Mode: 0o644, Content: bytes.NewReader(nil), Size: 5<<30 + 1}}, 4096)
	if err != nil {
		t.Fatal(err)
	}
	l, err := plan(root, 4096)
	if err != nil {
		t.Fatal(err)
	}
	if f := root.children[0]; !f.extended || !f.inline || f.nblocks != 5<<30/4096 || l.blocks != l.dataStart+f.nblocks {
		t.Errorf("5 GiB file: extended %v inline %v, %d blocks of %d", f.extended, f.inline, f.nblocks, l.blocks)
	}
}

// TestDeterministic writes the same tree in several orders and pins the
// image's SHA-256, so that any change of layout is deliberate.
func TestDeterministic(t *testing.T) {
	es := sampleTree()
	first := writeImage(t, es, testOpts)
	rng := rand.New(rand.NewPCG(1, 2))
	for range 3 {
		shuffled := slices.Clone(es)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		if !bytes.Equal(writeImage(t, shuffled, testOpts), first) {
			t.Fatal("a different order of the same entries gave a different image")
		}
	}
	sum := sha256.Sum256(first)
	const want = "20d2814277122c58b020f52648a8fa7bde72c1ed8f442049f387c9e5807b81ff"
	if got := hex.EncodeToString(sum[:]); got != want {
		t.Errorf("image sha256 %s (%d bytes), pinned %s", got, len(first), want)
	}
}

func TestErrors(t *testing.T) {
	big := strings.Repeat("n", 256)
	tests := []struct {
		name    string
		entries []Entry
		opts    Options
		want    string
	}{
		{"block size", nil, Options{BlockSize: 1000}, "block size"},
		{"zero block size", nil, Options{}, "block size"},
		{"mtime", nil, Options{BlockSize: 4096, MTime: -1}, "mtime"},
		{"volume", nil, Options{BlockSize: 4096, VolumeName: strings.Repeat("v", 17)}, "volume name"},
		{"absolute", []Entry{{Path: "/a", Mode: 0o644}}, testOpts, "path"},
		{"dotdot", []Entry{{Path: "a/../b", Mode: 0o644}}, testOpts, "path"},
		{"trailing slash", []Entry{{Path: "a/", Mode: 0o644}}, testOpts, "path"},
		{"empty path", []Entry{{Path: "", Mode: 0o644}}, testOpts, "path"},
		{"long name", []Entry{{Path: big, Mode: 0o644}}, testOpts, "longer than"},
		{"long dir name", []Entry{{Path: big + "/f", Mode: 0o644}}, testOpts, "longer than"},
		{"nul", []Entry{{Path: "a\x00b", Mode: 0o644}}, testOpts, "NUL"},
		{"twice", []Entry{{Path: "a", Mode: 0o644}, {Path: "a", Mode: 0o644}}, testOpts, "twice"},
		{"dir twice", []Entry{{Path: "a", Mode: fs.ModeDir}, {Path: "a", Mode: fs.ModeDir}}, testOpts, "twice"},
		{"file under file", []Entry{{Path: "a", Mode: 0o644}, {Path: "a/b", Mode: 0o644}}, testOpts, "not a directory"},
		{"file over dir", []Entry{{Path: "a/b", Mode: 0o644}, {Path: "a", Mode: 0o644}}, testOpts, "not a directory"},
		{"root file", []Entry{{Path: ".", Mode: 0o644}}, testOpts, "root"},
		{"irregular", []Entry{{Path: "a", Mode: fs.ModeIrregular}}, testOpts, "file type"},
		{"append", []Entry{{Path: "a", Mode: fs.ModeAppend | 0o644}}, testOpts, "mode bits"},
		{"dir data", []Entry{{Path: "a", Mode: fs.ModeDir, Data: []byte("x")}}, testOpts, "not regular"},
		{"both", []Entry{{Path: "a", Data: []byte("x"), Content: bytes.NewReader(nil)}}, testOpts, "both"},
		{"size mismatch", []Entry{{Path: "a", Data: []byte("x"), Size: 2}}, testOpts, "size"},
		{"negative", []Entry{{Path: "a", Content: bytes.NewReader(nil), Size: -1}}, testOpts, "negative"},
		{"short content", []Entry{{Path: "a", Content: bytes.NewReader([]byte("abc")), Size: 5000}}, testOpts, "unexpected EOF"},
		{"empty link", []Entry{{Path: "a", Mode: fs.ModeSymlink}}, testOpts, "symlink"},
		{"huge link", []Entry{{Path: "a", Mode: fs.ModeSymlink, Link: strings.Repeat("l", 4096)}}, testOpts, "symlink"},
		{"link on file", []Entry{{Path: "a", Link: "b"}}, testOpts, "link target"},
		{"rdev on file", []Entry{{Path: "a", Rdev: 1}}, testOpts, "device number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Write(&bytes.Buffer{}, tt.entries, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}
