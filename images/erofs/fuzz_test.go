package erofs

import (
	"bytes"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"testing"
)

// fuzzEntries decodes a tree from fuzz input: per entry a kind byte, a
// name byte, a size byte, then the name. The name byte gives the name's
// length (bits 0-4), whether the name is raw bytes (bit 7) and how many
// copies of the entry to make (bits 5-6: 1, 4, 16 or 64, their names
// suffixed with their number), so that a few bytes make a directory of
// several blocks. Names are drawn from a small alphabet with '/' and '.'
// so that nesting, conflicts and invalid paths are common. Only the first
// maxWriteInput bytes count: Go's minimizer, which runs on every new
// interesting input, costs the square of the input's length.
func fuzzEntries(data []byte) ([]Entry, Options) {
	data = data[:min(len(data), maxWriteInput)]
	opts := testOpts
	if len(data) > 0 {
		opts.BlockSize = []int{2048, 4096, 8192, 4096}[data[0]%4]
		data = data[1:]
	}
	var es []Entry
	for len(data) >= 3 && len(es) < 100 {
		kind, nb, size := data[0], data[1], int(data[2])*41
		data = data[3:]
		nlen := min(int(nb&0x1f), len(data))
		name := slices.Clone(data[:nlen])
		data = data[nlen:]
		if nb&0x80 == 0 {
			for i, c := range name {
				name[i] = "ab/c.-!~xyz"[int(c)%11]
			}
		}
		e := Entry{Path: string(name), Mode: fs.FileMode(kind&0o7) * 0o111}
		if kind&0x80 != 0 {
			e.UID, e.GID = 70000+uint32(kind), uint32(kind)
		}
		switch kind >> 3 & 7 {
		case 0, 1:
			e.Data = fuzzData[kind:][:size]
		case 2:
			e.Mode |= fs.ModeDir
		case 3:
			e.Mode |= fs.ModeSymlink
			e.Link = strings.Repeat("l", 1+size/10)
		case 4:
			e.Mode |= fs.ModeDevice | fs.ModeCharDevice
			e.Rdev = uint32(size)
		case 5:
			e.Mode |= fs.ModeNamedPipe
		case 6:
			e.Content, e.Size = bytes.NewReader(fuzzData[kind:][:size]), int64(size)
		case 7:
			e.Mode |= fs.ModeSetuid | fs.ModeSticky
		}
		es = append(es, e)
		for i := 1; i < 1<<(2*(nb>>5&3)) && len(es) < 100; i++ {
			c := e
			c.Path = fmt.Sprintf("%s%d", e.Path, i)
			if e.Content != nil {
				c.Content = bytes.NewReader(fuzzData[kind:][:size])
			}
			es = append(es, c)
		}
	}
	return es, opts
}

// maxWriteInput bounds the bytes of a FuzzWrite input that count.
const maxWriteInput = 256

// fuzzData holds the contents of FuzzWrite's files: a file of kind k and
// size n holds fuzzData[k:][:n], made once rather than for every file.
var fuzzData = pattern(7, 256+255*41)

// FuzzWrite writes random trees: Write must not panic; when it accepts the
// entries, the strict reader must find exactly them, and the reversed
// order must give the same bytes.
func FuzzWrite(f *testing.F) {
	f.Add([]byte{2, 0, 3, 10, 'a', 'b', 'c', 0o20, 1, 0, 'b'})
	f.Add([]byte{0, 0o31, 5, 200, 'x', '/', 'y', '/', 'z', 0o40, 2, 1, 'x', '/', 'w'})
	f.Add([]byte{1, 0o200, 0x83, 0, 0xff, 0, '.'})
	// 64 directories of 20-byte names: a root directory of two blocks.
	f.Add(append([]byte{0, 0o20, 0x60 | 20, 0}, "abcxyzabcxyzabcxyzab"...))
	f.Fuzz(func(t *testing.T, data []byte) {
		es, opts := fuzzEntries(data)
		var a bytes.Buffer
		errA := Write(&a, es, opts)
		slices.Reverse(es)
		var b bytes.Buffer
		errB := Write(&b, es, opts)
		if (errA == nil) != (errB == nil) {
			t.Fatalf("order changes the outcome: %v, then %v", errA, errB)
		}
		if errA != nil {
			return
		}
		if !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Fatal("order changes the image")
		}
		got, err := readImage(a.Bytes())
		if err != nil {
			t.Fatalf("read back: %v", err)
		}
		compare(t, got, expect(t, es, opts))
	})
}

// FuzzReadImage checks that the test reader, which the other tests trust,
// survives damaged images and extracts only what it can stand behind: a
// tree it accepts, written again by Write, reads back the same. Inputs are
// edits of small seed images (fuzzImage), so that every mutation lands in
// metadata and an execution takes microseconds.
func FuzzReadImage(f *testing.F) {
	seeds := fuzzImageSeeds(f)
	addImageSeeds(f, seeds)
	f.Fuzz(func(t *testing.T, data []byte) {
		checkReadImage(t, fuzzImage(seeds, data))
	})
}

// fuzzImageSeeds returns the images that FuzzReadImage and FuzzReadMap
// edit: small valid images (one to four blocks) covering the readers'
// paths: inline and plain layouts, compact and extended inodes, every file
// type, a directory of several blocks, a hard link, xattrs, a metadata
// area after block 0 and the block sizes 2048 and 4096.
func fuzzImageSeeds(tb testing.TB) [][]byte {
	opts := Options{BlockSize: 2048, MTime: 1700000000}
	var many []Entry
	for i := range 80 {
		many = append(many, Entry{Path: fmt.Sprintf("m/%c%02d-%s", "!+-0Aa_~"[i%8], i, strings.Repeat("z", i%20)), Mode: 0o644})
	}
	small := []Entry{
		{Path: "a", Data: []byte("x")},
		{Path: "b/c", Data: pattern(1, 2049)},
		{Path: "b/d", Mode: fs.ModeSymlink | 0o777, Link: "../a"},
		{Path: "b/e", Mode: fs.ModeDir | 0o755},
		{Path: "f", Mode: fs.ModeDevice, Rdev: 1},
	}
	linked := writeImage(tb, small, Options{BlockSize: 2048})
	setDirent(tb, linked, ".", "a", nidOf(tb, linked, "b/c"))
	return [][]byte{
		writeImage(tb, []Entry{{Path: "a", Mode: 0o644, Data: []byte("x")}}, opts),
		writeImage(tb, []Entry{
			{Path: ".", Mode: fs.ModeDir | fs.ModeSticky | 0o777, UID: 3, GID: 4},
			{Path: "bin/sh", Mode: fs.ModeSetuid | 0o755, Data: []byte("#!/bin/busybox\n")},
			{Path: "big", Mode: 0o640, Data: pattern(1, 2048+100)},  // a block and a tail
			{Path: "plain", Mode: 0o644, Data: pattern(2, 2048-31)}, // too big a tail: plain
			{Path: "id", Mode: 0o600, UID: 70000, GID: 1 << 31, Data: []byte("extended")},
			{Path: "lib/libc.so.6", Mode: fs.ModeSymlink | 0o777, Link: "libc-2.41.so"},
			{Path: "dev/null", Mode: fs.ModeDevice | fs.ModeCharDevice | 0o666, Rdev: 1<<8 | 3},
			{Path: "dev/sda", Mode: fs.ModeDevice | 0o660, Rdev: 8 << 8},
			{Path: "run/fifo", Mode: fs.ModeNamedPipe | 0o600},
			{Path: "run/sock", Mode: fs.ModeSocket | 0o755},
			{Path: "empty", Mode: fs.ModeDir | fs.ModeSetgid | 0o700},
		}, opts),
		writeImage(tb, many, opts),
		writeImage(tb, []Entry{{Path: "d/f", Mode: 0o644, Data: pattern(3, 300)}, {Path: "l", Mode: fs.ModeSymlink | 0o777, Link: "d/f"}},
			Options{BlockSize: 4096, MTime: 1}),
		writeImage(tb, small, Options{BlockSize: 2048}),
		linked,
		writeImage(tb, small[:2], Options{BlockSize: 4096}),
		handImage(),
	}
}

// addImageSeeds adds each seed image unedited, sealed or not, and a few
// edits.
func addImageSeeds(f *testing.F, seeds [][]byte) {
	for i := range seeds {
		f.Add([]byte{byte(i)})
	}
	f.Add([]byte{0x40})                                  // seed 0, its superblock left unsealed
	f.Add([]byte{0x11})                                  // seed 1 and a zero block
	f.Add([]byte{0x00, 0x04, 0x0c, 10})                  // seed 0 in 1024-byte blocks
	f.Add([]byte{0x02, 0x04, 0x0e, 0x30, 0x04, 0x10, 1}) // seed 2 with another root nid and inode count
}

// fuzzImage turns a fuzz input into an image: it edits a copy of one of
// the seeds. The input's first byte picks the seed (bits 0-3, modulo their
// number), a number of zero blocks to append (bits 4-5) and whether to
// leave the superblock's block count and checksum as they are (bit 6)
// rather than make them fit (sealed), so that the edits get past the
// checksum; the rest are up to maxImageEdits edits of three bytes, a
// big-endian offset into the image (modulo its size) and the byte to
// store there.
//
// Every input is an edit, whatever its length, and bytes past the last
// edit are ignored: Go's minimizer, which runs on every new interesting
// input for up to a minute and whose cost grows with the square of the
// input's length, must be able to cut an input down to a few bytes. (An
// input taken as a whole image when it is long enough to hold a
// superblock made that length a coverage edge, and the fuzzer spent its
// time minimizing 1152-byte inputs.) An image the seeds cannot reach
// belongs in fuzzImageSeeds.
func fuzzImage(seeds [][]byte, data []byte) []byte {
	var op byte
	if len(data) > 0 {
		op, data = data[0], data[1:]
	}
	seed := seeds[int(op&0xf)%len(seeds)]
	bs := 1 << seed[superOffset+12]
	img := make([]byte, len(seed)+int(op>>4&3)*bs)
	copy(img, seed)
	for i := 0; i < maxImageEdits && len(data) >= 3; i, data = i+1, data[3:] {
		img[(int(data[0])<<8|int(data[1]))%len(img)] = data[2]
	}
	if op&0x40 == 0 {
		if s := sealed(img); s != nil {
			img = s
		}
	}
	return img
}

// maxImageEdits bounds the edits of a seed image in one input.
const maxImageEdits = 8

// checkReadImage reads img and, if the reader accepts it, writes the tree
// it found again (when Write can express it: one mtime, names and link
// targets Write takes, a block size from 2048) and requires the same tree
// back. It reports whether it got as far as the comparison.
func checkReadImage(t *testing.T, img []byte) bool {
	files, err := readImage(img)
	if err != nil {
		return false
	}
	sb := img[superOffset:]
	opts := Options{BlockSize: 1 << sb[12], MTime: int64(le.Uint64(sb[24:]))}
	var es []Entry
	for p, f := range files {
		if f.mtime != opts.MTime {
			return false
		}
		e := Entry{Path: p, Mode: goMode(f.mode), UID: f.uid, GID: f.gid, Rdev: f.rdev}
		switch f.mode & sIFMT {
		case sIFREG:
			e.Data = f.data
		case sIFLNK:
			e.Link = string(f.data)
		}
		es = append(es, e)
	}
	var b bytes.Buffer
	if err := Write(&b, es, opts); err != nil {
		return false
	}
	again, err := readImage(b.Bytes())
	if err != nil {
		t.Fatalf("the tree read from the image, written again, does not read back: %v", err)
	}
	compare(t, again, files)
	return true
}

// TestFuzzImageSeeds checks that the image fuzz targets' seeds are valid,
// small and, but for the two that the strict reader refuses (a hard link,
// xattrs and a metadata area past block 0), go all the way through
// FuzzReadImage's check.
func TestFuzzImageSeeds(t *testing.T) {
	seeds := fuzzImageSeeds(t)
	for i, img := range seeds {
		if !bytes.Equal(fuzzImage(seeds, []byte{byte(i)}), img) {
			t.Errorf("seed %d: input %d is not the seed", i, i)
		}
		readMapBytes(t, img)
		t.Logf("seed %d: %d bytes", i, len(img))
		if len(img) > 16<<10 {
			t.Errorf("seed %d: %d bytes; keep seeds small", i, len(img))
		}
		if checked := checkReadImage(t, img); checked != (i != 5 && i != 7) {
			t.Errorf("seed %d: read back and compared: %v", i, checked)
		}
		if s := sealed(img); !bytes.Equal(s, img) {
			t.Errorf("seed %d: sealing a valid image changes it", i)
		}
	}
}

// sealed returns a copy of img cut to whole blocks, with the superblock's
// block count and checksum set to fit it, or nil if img has no superblock
// with a block size to seal.
func sealed(img []byte) []byte {
	if len(img) < superOffset+superSize || le.Uint32(img[superOffset:]) != superMagic {
		return nil
	}
	bits := img[superOffset+12]
	if bits < 9 || bits > 16 {
		return nil
	}
	bs := 1 << bits
	// The checksum covers block 0 from the superblock on, or one block
	// from the superblock when blocks are smaller than its offset.
	end := bs
	if bs <= superOffset {
		end = superOffset + bs
	}
	n := len(img) / bs * bs
	if n < end {
		return nil
	}
	s := bytes.Clone(img[:n])
	sb := s[superOffset:]
	le.PutUint32(sb[8:], le.Uint32(sb[8:])|featureCompatSBChecksum)
	le.PutUint32(sb[36:], uint32(n/bs))
	sumSuperblock(s[:end])
	return s
}
