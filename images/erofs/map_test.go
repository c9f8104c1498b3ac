package erofs

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// readMap maps an image held in memory.
func readMapBytes(t testing.TB, img []byte) *Map {
	t.Helper()
	m, err := ReadMap(bytes.NewReader(img), int64(len(img)))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// edgeTree has regular files of every size that matters around the block
// size bs, nested directories, symbolic links and a directory of several
// blocks.
func edgeTree(bs int) []Entry {
	es := []Entry{{Path: "nested/a/b/c/deep", Mode: 0o644, Data: pattern(99, 3)}}
	for i, size := range []int{0, 1, 2, bs - 64, bs - 33, bs - 32, bs - 31, bs - 1, bs, bs + 1,
		2*bs - 1, 2 * bs, 2*bs + 1, 5*bs + 77, 17 * bs} {
		es = append(es, Entry{Path: fmt.Sprintf("sizes/f%02d-%d", i, size), Mode: 0o644, Data: pattern(uint64(i), size)})
	}
	es = append(es,
		Entry{Path: "sizes/big-uid", Mode: 0o644, UID: 1 << 20, Data: pattern(50, bs-64)},
		Entry{Path: "links/short", Mode: fs.ModeSymlink | 0o777, Link: "../sizes/f01-1"},
		Entry{Path: "links/long", Mode: fs.ModeSymlink | 0o777, Link: strings.Repeat("y", min(bs, 4096)-1)},
		Entry{Path: "links/mid", Mode: fs.ModeSymlink | 0o777, Link: strings.Repeat("z", min(bs/2, 3000))},
		Entry{Path: "dev/null", Mode: fs.ModeDevice | fs.ModeCharDevice | 0o666, Rdev: 1<<8 | 3},
		Entry{Path: "empty-dir", Mode: fs.ModeDir | 0o755},
	)
	for i := range 300 {
		es = append(es, Entry{Path: fmt.Sprintf("many/%03d-%s", i, strings.Repeat("m", i%50)), Mode: 0o644, Data: pattern(uint64(1000+i), i*37%(bs+5))})
	}
	return es
}

// allExtents returns every extent of m and checks that they are in image
// order, disjoint and inside the image.
func allExtents(t testing.TB, m *Map, size int64) []Extent {
	t.Helper()
	all := m.Lookup(0, size)
	var end int64
	for i, e := range all {
		if e.Len <= 0 || e.Off < end || e.Off+e.Len > size {
			t.Fatalf("extent %d %+v: after byte %d or outside the %d-byte image", i, e, end, size)
		}
		end = e.Off + e.Len
	}
	return all
}

// checkMap checks the map of img against what the strict test reader
// finds in it: the same paths and modes, and for every file, Data and
// Tail extents that together hold exactly its contents at the right file
// offsets, and one inode.
func checkMap(t testing.TB, img []byte, m *Map, files map[string]*file) {
	t.Helper()
	size := int64(len(img))
	all := allExtents(t, m, size)
	contents := map[string][]byte{}
	covered := map[string]int64{}
	inodes := map[string]int{}
	modes := map[string]fs.FileMode{}
	supers := 0
	for _, e := range all {
		if e.Kind == ExtentSuperblock {
			supers++
			if e.Paths != nil || e.Off != superOffset {
				t.Errorf("superblock extent %+v", e)
			}
			continue
		}
		if len(e.Paths) == 0 {
			t.Fatalf("extent %+v without a path", e)
		}
		for _, p := range e.Paths {
			modes[p] = e.Mode
			switch e.Kind {
			case ExtentInode:
				inodes[p]++
			case ExtentData, ExtentTail:
				if e.FileOff < 0 || e.FileOff+e.Len > e.Size {
					t.Fatalf("%s: extent %+v outside the file", p, e)
				}
				if contents[p] == nil {
					contents[p] = make([]byte, e.Size)
				}
				copy(contents[p][e.FileOff:], img[e.Off:e.Off+e.Len])
				covered[p] += e.Len
			default:
				t.Fatalf("%s: extent kind %v", p, e.Kind)
			}
		}
	}
	if supers != 1 {
		t.Errorf("%d superblock extents", supers)
	}
	for p, f := range files {
		if inodes[p] != 1 {
			t.Errorf("%s: %d inode extents", p, inodes[p])
		}
		if modes[p] != goMode(f.mode) {
			t.Errorf("%s: mode %v, want %v", p, modes[p], goMode(f.mode))
		}
		if covered[p] != int64(len(f.data)) || !bytes.Equal(contents[p], f.data) && len(f.data) > 0 {
			t.Errorf("%s: extents cover %d bytes, file has %d, equal %v", p, covered[p], len(f.data), bytes.Equal(contents[p], f.data))
		}
	}
	for p := range inodes {
		if files[p] == nil {
			t.Errorf("%s: in the map, not in the image", p)
		}
	}
	if m.Len() != len(files) {
		t.Errorf("Len %d, %d files", m.Len(), len(files))
	}

	// Looked up a block at a time, or a byte at a time, the pieces join
	// up into the same extents.
	bs := m.BlockSize()
	var pieces []Extent
	for off := int64(0); off < size; off += bs {
		for _, e := range m.Lookup(off, bs) {
			if e.Off < off || e.Off+e.Len > off+bs {
				t.Fatalf("Lookup(%d, %d) gave %+v", off, bs, e)
			}
			pieces = append(pieces, e)
		}
	}
	if joined := joinExtents(pieces); !equalExtents(joined, all) {
		t.Errorf("block lookups give %d extents, whole lookup %d", len(joined), len(all))
	}
	rng := rand.New(rand.NewPCG(uint64(size), 1))
	for range 200 {
		off := rng.Int64N(size)
		got := m.Lookup(off, 1)
		i, found := slices.BinarySearchFunc(all, off, func(e Extent, off int64) int {
			switch {
			case e.Off+e.Len <= off:
				return -1
			case e.Off > off:
				return 1
			}
			return 0
		})
		if !found {
			if len(got) != 0 {
				t.Errorf("byte %d: Lookup gives %+v, whole lookup nothing", off, got)
			}
			continue
		}
		w := all[i]
		if len(got) != 1 || got[0].Off != off || got[0].Len != 1 || !slices.Equal(got[0].Paths, w.Paths) ||
			got[0].Kind != w.Kind || (w.Kind == ExtentData || w.Kind == ExtentTail) && got[0].FileOff != w.FileOff+off-w.Off {
			t.Errorf("byte %d: Lookup gives %+v, in %+v", off, got, w)
		}
	}
}

// joinExtents joins adjacent pieces of one extent.
func joinExtents(es []Extent) []Extent {
	var out []Extent
	for _, e := range es {
		if k := len(out); k > 0 {
			last := &out[k-1]
			if last.Off+last.Len == e.Off && last.Kind == e.Kind && last.Nid == e.Nid &&
				slices.Equal(last.Paths, e.Paths) && last.FileOff+last.Len == e.FileOff {
				last.Len += e.Len
				continue
			}
		}
		out = append(out, e)
	}
	return out
}

func equalExtents(a, b []Extent) bool {
	return slices.EqualFunc(a, b, func(x, y Extent) bool {
		return x.Off == y.Off && x.Len == y.Len && x.Kind == y.Kind && x.FileOff == y.FileOff &&
			slices.Equal(x.Paths, y.Paths) && x.Nid == y.Nid && x.Mode == y.Mode && x.Size == y.Size
	})
}

func TestMapContents(t *testing.T) {
	tests := []struct {
		name    string
		entries []Entry
		bs      int
	}{
		{"empty", nil, 4096},
		{"sample", sampleTree(), 4096},
		{"sample 2048", sampleTree(), 2048},
		{"edges 2048", edgeTree(2048), 2048},
		{"edges 4096", edgeTree(4096), 4096},
		{"edges 8192", edgeTree(8192), 8192},
		{"edges 65536", edgeTree(65536), 65536},
		{"content", []Entry{
			{Path: "a", Mode: 0o644, Content: bytes.NewReader(pattern(9, 100000)), Size: 100000},
			{Path: "b", Mode: 0o644, Content: bytes.NewReader(nil), Size: 0},
		}, 4096},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := testOpts
			opts.BlockSize = tt.bs
			img := writeImage(t, tt.entries, opts)
			files, err := readImage(img)
			if err != nil {
				t.Fatal(err)
			}
			checkMap(t, img, readMapBytes(t, img), files)
		})
	}
}

// TestMapFiles asks for the files under ranges that cover exactly some
// files' contents, byte for byte and rounded out to whole blocks.
func TestMapFiles(t *testing.T) {
	img := writeImage(t, edgeTree(4096), testOpts)
	m := readMapBytes(t, img)
	all := allExtents(t, m, int64(len(img)))
	rng := rand.New(rand.NewPCG(3, 4))
	for round := range 20 {
		var exact, blocks []Range
		want := map[string]int64{}
		for _, e := range all {
			// Files with data blocks and no inline tail: their blocks
			// hold nothing else.
			if e.Kind != ExtentData || e.Mode.Type() != 0 || e.Size != e.Len || rng.IntN(3) != 0 {
				continue
			}
			want[e.Paths[0]] = e.Size
			// Split the range in two overlapping pieces, listed backwards.
			cut := rng.Int64N(e.Len)
			exact = append(exact, Range{e.Off + cut, e.Len - cut}, Range{e.Off, cut + 1})
			blocks = append(blocks, Range{e.Off, (e.Len + 4095) / 4096 * 4096})
		}
		slices.Reverse(exact)
		for _, rs := range [][]Range{exact, blocks} {
			got := m.Files(rs)
			if len(got) != len(want) {
				t.Errorf("round %d: %d files, want %d", round, len(got), len(want))
			}
			for i, u := range got {
				if i > 0 && got[i-1].Paths[0] >= u.Paths[0] {
					t.Errorf("round %d: %q before %q", round, got[i-1].Paths[0], u.Paths[0])
				}
				if len(u.Paths) != 1 || want[u.Paths[0]] != u.Size || u.Data != u.Size || u.Tail != 0 || u.Inode {
					t.Errorf("round %d: %+v, want %d bytes read of %d", round, u, want[u.Paths[0]], u.Size)
				}
			}
		}
	}

	// Block 0 holds the superblock, the root's inode and more: the
	// files there are listed, each with its inode.
	for _, u := range m.Files([]Range{{0, 4096}, {-5, 10}, {100, 0}}) {
		if !u.Inode || u.Read() > u.Size || u.Data != 0 {
			t.Errorf("block 0: %+v", u)
		}
	}
	if got := m.Files([]Range{{0, 1024}}); len(got) != 0 {
		t.Errorf("boot sector: %+v", got)
	}
	if got := m.Files(nil); len(got) != 0 {
		t.Errorf("no ranges: %+v", got)
	}
	// The whole image: every file, with all of its contents.
	whole := m.Files([]Range{{0, int64(len(img))}, {100, 1 << 62}, {-1 << 62, 1<<63 - 1}, {1 << 62, 1<<63 - 1}})
	if len(whole) != m.Len() {
		t.Errorf("whole image: %d files of %d", len(whole), m.Len())
	}
	for _, u := range whole {
		if !u.Inode || u.Read() != u.Size {
			t.Errorf("whole image: %+v", u)
		}
	}
}

// direntAt finds the dirent called name in directory dir of img and
// returns the offsets in the image of the dirent and of its name.
func direntAt(t testing.TB, img []byte, dir, name string) (de, nameAt int64) {
	t.Helper()
	m := readMapBytes(t, img)
	for _, e := range allExtents(t, m, int64(len(img))) {
		if len(e.Paths) == 0 || e.Paths[0] != dir || e.Kind != ExtentData && e.Kind != ExtentTail {
			continue
		}
		for pos := e.Off; pos < e.Off+e.Len; pos += m.BlockSize() {
			blk := img[pos:min(pos+m.BlockSize(), e.Off+e.Len)]
			n := int(le.Uint16(blk[8:])) / direntSize
			for i := range n {
				off := int(le.Uint16(blk[i*direntSize+8:]))
				if bytes.HasPrefix(blk[off:], []byte(name)) && (i+1 == n || int(le.Uint16(blk[(i+1)*direntSize+8:])) == off+len(name)) {
					return pos + int64(i*direntSize), pos + int64(off)
				}
			}
		}
	}
	t.Fatalf("no dirent %q in %q", name, dir)
	return 0, 0
}

// nidOf returns the nid of path in img.
func nidOf(t testing.TB, img []byte, path string) uint64 {
	t.Helper()
	m := readMapBytes(t, img)
	for _, e := range m.Lookup(0, int64(len(img))) {
		if e.Kind == ExtentInode && slices.Contains(e.Paths, path) {
			return e.Nid
		}
	}
	t.Fatalf("no inode for %q", path)
	return 0
}

// setDirent points dirent name of dir at nid and fixes the superblock
// checksum, which covers a root directory inlined in block 0.
func setDirent(t testing.TB, img []byte, dir, name string, nid uint64) {
	t.Helper()
	bs := readMapBytes(t, img).BlockSize()
	de, _ := direntAt(t, img, dir, name)
	le.PutUint64(img[de:], nid)
	sumSuperblock(img[:bs])
}

// TestMapHardLinks makes hard links by pointing dirents at another file's
// inode, as mkfs.erofs does (Write makes none): the file is listed once,
// with all its paths.
func TestMapHardLinks(t *testing.T) {
	es := []Entry{
		{Path: "a", Mode: 0o644, Data: pattern(1, 10000)},
		{Path: "b", Mode: 0o644, Data: pattern(2, 10000)},
		{Path: "d/c", Mode: 0o644, Data: pattern(3, 10000)},
		{Path: "d/e", Mode: 0o644, Data: pattern(4, 10)},
		{Path: "z", Mode: 0o644, Data: pattern(5, 10)},
	}
	img := writeImage(t, es, testOpts)
	setDirent(t, img, ".", "b", nidOf(t, img, "d/c"))
	setDirent(t, img, "d", "e", nidOf(t, img, "d/c"))
	setDirent(t, img, ".", "z", nidOf(t, img, "a"))
	m := readMapBytes(t, img)
	if m.Len() != 4 { // ".", "a", "d", "d/c"
		t.Errorf("Len %d, want 4 inodes", m.Len())
	}
	var got []string
	for _, u := range m.Files([]Range{{0, int64(len(img))}}) {
		got = append(got, strings.Join(u.Paths, "="))
		if u.Read() != u.Size {
			t.Errorf("%v: read %d of %d", u.Paths, u.Read(), u.Size)
		}
	}
	if want := []string{".", "a=z", "b=d/c=d/e", "d"}; !slices.Equal(got, want) {
		t.Errorf("files %q, want %q", got, want)
	}
	for _, e := range m.Lookup(0, int64(len(img))) {
		if e.Kind == ExtentData && e.Size == 10000 && !slices.Equal(e.Paths, []string{"b", "d/c", "d/e"}) && !slices.Equal(e.Paths, []string{"a", "z"}) {
			t.Errorf("data extent %+v", e)
		}
	}
}

func TestMapErrors(t *testing.T) {
	base := []Entry{
		{Path: "a", Mode: 0o644, Data: pattern(1, 10000)},
		{Path: "b", Mode: 0o644, Data: pattern(2, 100)},
		{Path: "d/c", Mode: 0o644, Data: pattern(3, 10000)},
		{Path: "d/e", Mode: fs.ModeDir | 0o755},
	}
	inodeAt := func(t *testing.T, img []byte, path string) []byte {
		return img[nidOf(t, img, path)*slotSize:]
	}
	tests := []struct {
		name  string
		patch func(t *testing.T, img []byte) []byte
		want  string
	}{
		{"short", func(t *testing.T, img []byte) []byte { return img[:1100] }, "shorter than a superblock"},
		{"truncated", func(t *testing.T, img []byte) []byte { return img[:4096+100] }, "exceeds the image"},
		{"magic", func(t *testing.T, img []byte) []byte { img[1024] ^= 1; return img }, "magic"},
		{"checksum", func(t *testing.T, img []byte) []byte { img[1024+64] ^= 1; return img }, "checksum"},
		{"block size", func(t *testing.T, img []byte) []byte { img[1024+12] = 20; return img }, "block size"},
		{"incompat", func(t *testing.T, img []byte) []byte { img[1024+80] = 2; return img }, "incompatible features"},
		{"dirblkbits", func(t *testing.T, img []byte) []byte { img[1024+90] = 1; return img }, "directory block size"},
		{"compressed", func(t *testing.T, img []byte) []byte { inodeAt(t, img, "a")[0] = 1 << 1; return img }, "compressed"},
		{"compact compressed", func(t *testing.T, img []byte) []byte { inodeAt(t, img, "a")[0] = 3 << 1; return img }, "compressed"},
		{"chunked", func(t *testing.T, img []byte) []byte { inodeAt(t, img, "a")[0] = 4 << 1; return img }, "chunk-based"},
		{"layout 7", func(t *testing.T, img []byte) []byte { inodeAt(t, img, "a")[0] = 7 << 1; return img }, "unknown data layout"},
		{"format bits", func(t *testing.T, img []byte) []byte { inodeAt(t, img, "a")[0] = 1 << 5; return img }, "inode format"},
		{"mode", func(t *testing.T, img []byte) []byte { le.PutUint16(inodeAt(t, img, "a")[4:], 0o644); return img }, "mode"},
		{"huge size", func(t *testing.T, img []byte) []byte { le.PutUint32(inodeAt(t, img, "a")[8:], 1<<31); return img }, "exceeds the image"},
		{"data outside", func(t *testing.T, img []byte) []byte { le.PutUint32(inodeAt(t, img, "a")[16:], 1000); return img }, "outside the image"},
		{"tail crosses", func(t *testing.T, img []byte) []byte { le.PutUint32(inodeAt(t, img, "b")[8:], 4000); return img }, "crosses a block boundary"},
		{"xattrs past end", func(t *testing.T, img []byte) []byte {
			le.PutUint16(inodeAt(t, img, "b")[2:], 0xffff)
			return img
		}, "inline xattrs past the end"},
		{"xattrs overlap", func(t *testing.T, img []byte) []byte {
			le.PutUint16(inodeAt(t, img, "b")[2:], 20) // 88 bytes: b's tail moves onto d's inode
			return img
		}, "overlaps"},
		{"overlap", func(t *testing.T, img []byte) []byte {
			copy(inodeAt(t, img, "d/c")[16:20], inodeAt(t, img, "a")[16:20])
			return img
		}, "overlaps"},
		{"cycle", func(t *testing.T, img []byte) []byte {
			setDirent(t, img, "d", "e", nidOf(t, img, "."))
			return img
		}, "reached a second time"},
		{"directory hard link", func(t *testing.T, img []byte) []byte {
			setDirent(t, img, ".", "b", nidOf(t, img, "d/e"))
			return img
		}, "dirent type"},
		{"nid outside", func(t *testing.T, img []byte) []byte { setDirent(t, img, "d", "c", 1<<60); return img }, "outside the image"},
		{"nid near the end", func(t *testing.T, img []byte) []byte {
			setDirent(t, img, "d", "c", uint64(len(img))/slotSize)
			return img
		}, "outside the image"},
		{"root not a directory", func(t *testing.T, img []byte) []byte {
			le.PutUint16(img[1024+14:], uint16(nidOf(t, img, "b")))
			sumSuperblock(img[:4096])
			return img
		}, "not a directory"},
		{"names out of order", func(t *testing.T, img []byte) []byte {
			_, name := direntAt(t, img, ".", "b")
			img[name] = 'a' // "a", "a"
			sumSuperblock(img[:4096])
			return img
		}, "out of order"},
		{"nameoff", func(t *testing.T, img []byte) []byte {
			de, _ := direntAt(t, img, "d", "c")
			le.PutUint16(img[de+8:], 5000)
			return img
		}, "name at"},
		{"first nameoff", func(t *testing.T, img []byte) []byte {
			de, _ := direntAt(t, img, "d", ".")
			le.PutUint16(img[de+8:], 13)
			return img
		}, "first nameoff 13"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img := tt.patch(t, writeImage(t, base, testOpts))
			if tt.name != "checksum" && len(img) >= 4096 {
				sumSuperblock(img[:4096])
			}
			_, err := ReadMap(bytes.NewReader(img), int64(len(img)))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one mentioning %q", err, tt.want)
			}
			if strings.Contains(tt.want, "compress") || strings.Contains(tt.want, "chunk") || strings.Contains(tt.want, "layout") || strings.Contains(tt.want, "incompatible") {
				if !errors.Is(err, errors.ErrUnsupported) {
					t.Errorf("%v does not wrap errors.ErrUnsupported", err)
				}
			}
		})
	}

	// Directories that all share one directory's blocks: rejected before
	// the walk reads them all.
	var shared []Entry
	for i := range 2000 {
		shared = append(shared, Entry{Path: fmt.Sprintf("big/%05d", i), Mode: 0o644})
	}
	for i := range 50 {
		shared = append(shared, Entry{Path: fmt.Sprintf("x%02d", i), Mode: fs.ModeDir | 0o755})
	}
	img := writeImage(t, shared, testOpts)
	big := img[nidOf(t, img, "big")*slotSize:]
	var xs [][]byte
	for i := range 50 {
		xs = append(xs, img[nidOf(t, img, fmt.Sprintf("x%02d", i))*slotSize:])
	}
	for _, x := range xs {
		// The whole blocks of big, in the FLAT_PLAIN layout.
		le.PutUint16(x[0:], layoutPlain<<layoutShift)
		le.PutUint32(x[8:], le.Uint32(big[8:])/4096*4096)
		copy(x[16:20], big[16:20])
	}
	sumSuperblock(img[:4096])
	if _, err := ReadMap(bytes.NewReader(img), int64(len(img))); err == nil || !strings.Contains(err.Error(), "more than the image") {
		t.Errorf("shared directory blocks: error %v", err)
	}

	// Paths longer than PATH_MAX.
	deep := strings.Repeat(strings.Repeat("d", 250)+"/", 17) + "f"
	img = writeImage(t, []Entry{{Path: deep, Mode: 0o644}}, testOpts)
	if _, err := ReadMap(bytes.NewReader(img), int64(len(img))); err == nil || !strings.Contains(err.Error(), "path longer") {
		t.Errorf("path of %d bytes: error %v", len(deep), err)
	}
}

// FuzzReadMap maps damaged images: ReadMap must not panic or hang, its
// extents must be ordered, disjoint and inside the image, and when the
// strict test reader accepts the image too, the two must agree.
func FuzzReadMap(f *testing.F) {
	// Edits of small images (fuzzImage), so that the fuzzer's mutations
	// hit metadata and minimizing an input is quick.
	seeds := fuzzImageSeeds(f)
	addImageSeeds(f, seeds)
	f.Fuzz(func(t *testing.T, data []byte) {
		img := fuzzImage(seeds, data)
		m, err := ReadMap(bytes.NewReader(img), int64(len(img)))
		if err != nil {
			return
		}
		allExtents(t, m, int64(len(img)))
		m.Files([]Range{{0, int64(len(img))}, {100, 5000}})
		if files, err := readImage(img); err == nil {
			checkMap(t, img, m, files)
		}
	})
}

// bigImage writes a toolchain-like image of about 300 MB (20,000 files of
// 0-20 KiB in 400 directories, and five 20 MiB files) to a file.
func bigImage(b *testing.B) (*os.File, int64) {
	src := pattern(1, 20<<20)
	var es []Entry
	for i := range 20000 {
		size := (i * 7919) % (20 << 10)
		off := (i * 104729) % (len(src) - size)
		es = append(es, Entry{Path: fmt.Sprintf("usr/lib/d%03d/f%05d.so", i%400, i), Mode: 0o644,
			Content: bytes.NewReader(src[off : off+size]), Size: int64(size)})
	}
	for i := range 5 {
		es = append(es, Entry{Path: fmt.Sprintf("usr/bin/tool%d", i), Mode: 0o755, Content: bytes.NewReader(src), Size: int64(len(src))})
	}
	f, err := os.Create(filepath.Join(b.TempDir(), "img"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.Close() })
	if err := Write(f, es, testOpts); err != nil {
		b.Fatal(err)
	}
	st, err := f.Stat()
	if err != nil {
		b.Fatal(err)
	}
	return f, st.Size()
}

// BenchmarkReadMap maps a generated 300 MB image from its file, then
// looks up files under 1000 scattered 128 KiB reads. Set
// EROFS_MAP_IMAGE to the path of another image to map that instead.
func BenchmarkReadMap(b *testing.B) {
	var f *os.File
	var size int64
	if p := os.Getenv("EROFS_MAP_IMAGE"); p != "" {
		var err error
		if f, err = os.Open(p); err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			b.Fatal(err)
		}
		size = st.Size()
	} else {
		f, size = bigImage(b)
	}
	m, err := ReadMap(f, size)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("ReadMap", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var err error
			if m, err = ReadMap(f, size); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(m.Len()), "inodes")
	})
	rng := rand.New(rand.NewPCG(1, 2))
	var rs []Range
	for range 1000 {
		rs = append(rs, Range{rng.Int64N(size) &^ 4095, 128 << 10})
	}
	b.Run("Files", func(b *testing.B) {
		b.ReportAllocs()
		var n int
		for b.Loop() {
			n = len(m.Files(rs))
		}
		b.ReportMetric(float64(n), "files")
	})
}

// handImage makes an image by hand with what Write never writes: a
// metadata area that starts at block 1 (meta_blkaddr) and inline xattrs
// between an inode and its inline tail.
func handImage() []byte {
	img := make([]byte, 2*4096)
	sb := img[superOffset:]
	le.PutUint32(sb[0:], superMagic)
	le.PutUint32(sb[8:], featureCompatSBChecksum)
	sb[12] = 12              // 4096-byte blocks
	le.PutUint16(sb[14:], 0) // root_nid
	le.PutUint64(sb[16:], 2) // inos
	le.PutUint32(sb[36:], 2) // blocks
	le.PutUint32(sb[40:], 1) // meta_blkaddr
	sumSuperblock(img[:4096])

	// The root directory at nid 0, its dirents inline.
	root := img[4096:]
	le.PutUint16(root[0:], layoutInline<<layoutShift)
	le.PutUint16(root[4:], sIFDIR|0o755)
	le.PutUint16(root[6:], 2)
	le.PutUint32(root[8:], 40)
	for i, d := range []struct {
		nid     uint64
		nameoff uint16
		ft      uint8
		name    string
	}{{0, 36, ftDir, "."}, {0, 37, ftDir, ".."}, {3, 39, ftRegular, "f"}} {
		de := root[32+12*i:]
		le.PutUint64(de[0:], d.nid)
		le.PutUint16(de[8:], d.nameoff)
		de[10] = d.ft
		copy(root[32+int(d.nameoff):], d.name)
	}
	// The file at nid 3 (byte 96 of the metadata area), two xattr slots
	// (a 12-byte header and one 4-byte entry) before its tail.
	f := img[4096+96:]
	le.PutUint16(f[0:], layoutInline<<layoutShift)
	le.PutUint16(f[2:], 2)
	le.PutUint16(f[4:], sIFREG|0o644)
	le.PutUint16(f[6:], 1)
	le.PutUint32(f[8:], 5)
	copy(f[32+16:], "hello")
	return img
}

func TestMapHandmade(t *testing.T) {
	img := handImage()
	m := readMapBytes(t, img)
	var got []string
	for _, e := range m.Lookup(0, int64(len(img))) {
		got = append(got, fmt.Sprintf("%d+%d %v %q %d", e.Off, e.Len, e.Kind, e.Paths, e.FileOff))
	}
	want := []string{
		`1024+128 superblock [] 0`,
		`4096+32 inode ["."] 0`,
		`4128+40 tail ["."] 0`,
		`4192+48 inode ["f"] 0`,
		`4240+5 tail ["f"] 0`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("extents:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if string(img[4240:4245]) != "hello" {
		t.Fatal("test image is wrong")
	}
}
