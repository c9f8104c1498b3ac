package erofs

import (
	"bytes"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"path"
	"strings"
	"testing"
)

var testOpts = Options{MTime: 1700000000, BlockSize: 4096, VolumeName: "reprovm-test",
	UUID: [16]byte{0x52, 0x50, 0x56, 0x4d, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}}

// pattern returns n deterministic, non-repeating-looking bytes.
func pattern(seed uint64, n int) []byte {
	b := make([]byte, n)
	rng := rand.New(rand.NewPCG(seed, 0x65726f6673))
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

// sampleTree covers every file type, the inline and plain layouts at their
// edges, compact and extended inodes, and a directory of several blocks
// whose names sort around "." and "..".
func sampleTree() []Entry {
	es := []Entry{
		{Path: ".", Mode: fs.ModeDir | 0o755},
		{Path: "bin/sh", Mode: 0o755, Data: []byte("#!/bin/busybox\n")},
		{Path: "bin/su", Mode: fs.ModeSetuid | 0o755, Data: pattern(1, 5000)},
		{Path: "tmp", Mode: fs.ModeDir | fs.ModeSticky | 0o777},
		{Path: "usr/lib/empty", Mode: 0o644},
		{Path: "usr/lib/block", Mode: 0o644, Data: pattern(2, 4096)},
		{Path: "usr/lib/fits", Mode: 0o644, Data: pattern(3, 4096-32)},     // inode+tail fill a block
		{Path: "usr/lib/nofit", Mode: 0o644, Data: pattern(4, 4096-31)},    // too big a tail: plain
		{Path: "usr/lib/multi", Mode: 0o640, Data: pattern(5, 3*4096+100)}, // blocks and a tail
		{Path: "usr/lib/bigid", Mode: 0o600, UID: 70000, GID: 1 << 31, Data: pattern(6, 10)},
		{Path: "usr/lib/libc.so.6", Mode: fs.ModeSymlink | 0o777, Link: "libc-2.41.so"},
		{Path: "usr/share/longlink", Mode: fs.ModeSymlink | 0o777, Link: strings.Repeat("x/", 1000)},
		{Path: "usr/games", Mode: fs.ModeDir | fs.ModeSetgid | 0o775, GID: 60},
		{Path: "dev/null", Mode: fs.ModeDevice | fs.ModeCharDevice | 0o666, Rdev: 1<<8 | 3},
		{Path: "dev/sda", Mode: fs.ModeDevice | 0o660, Rdev: 8 << 8, GID: 6},
		{Path: "run/initctl", Mode: fs.ModeNamedPipe | 0o600},
		{Path: "run/sock", Mode: fs.ModeSocket | 0o755},
		{Path: strings.Repeat("n", 255), Mode: 0o644, Data: []byte("long name\n")},
		{Path: "etc/ro", Mode: 0o444, Data: []byte("read only")},
		{Path: "etc/dir-no-x", Mode: fs.ModeDir | 0o700, UID: 1000, GID: 1000},
		{Path: "etc/dir-no-x/file", Mode: 0o600, UID: 1000, GID: 1000, Data: []byte("x")},
	}
	// Names that sort before "." ('!', '+', '-') and after it, and enough
	// of them to fill several directory blocks.
	for i := range 400 {
		prefix := []string{"!", "+", "-", "0", "A", "_", "a", "~"}[i%8]
		es = append(es, Entry{Path: fmt.Sprintf("many/%s%03d-%s", prefix, i, strings.Repeat("z", i%40)), Mode: 0o644, Data: pattern(uint64(i), i%97)})
	}
	return es
}

// expect lists the files an image of entries must hold, implied
// directories included.
func expect(t testing.TB, entries []Entry, opts Options) map[string]*file {
	t.Helper()
	want := map[string]*file{".": {mode: sIFDIR | 0o755, mtime: opts.MTime}}
	for _, e := range entries {
		for d := path.Dir(e.Path); d != "."; d = path.Dir(d) {
			if want[d] == nil {
				want[d] = &file{mode: sIFDIR | 0o755, mtime: opts.MTime}
			}
		}
		mode, err := linuxMode(e.Mode)
		if err != nil {
			t.Fatal(err)
		}
		f := &file{mode: mode, uid: e.UID, gid: e.GID, rdev: e.Rdev, mtime: opts.MTime, data: e.Data}
		if e.Link != "" {
			f.data = []byte(e.Link)
		}
		if e.Content != nil {
			f.data = make([]byte, e.Size)
			if n, err := e.Content.ReadAt(f.data, 0); n != len(f.data) {
				t.Fatal(err)
			}
		}
		want[e.Path] = f
	}
	return want
}

// compare reports differences between the files read back and those
// expected (link counts and inode numbers are the reader's to check).
func compare(t testing.TB, got, want map[string]*file) {
	t.Helper()
	for p, w := range want {
		g := got[p]
		if g == nil {
			t.Errorf("%s: missing", p)
			continue
		}
		if g.mode != w.mode || g.uid != w.uid || g.gid != w.gid || g.rdev != w.rdev || g.mtime != w.mtime {
			t.Errorf("%s: mode %#o uid %d gid %d rdev %#x mtime %d, want %#o %d %d %#x %d",
				p, g.mode, g.uid, g.gid, g.rdev, g.mtime, w.mode, w.uid, w.gid, w.rdev, w.mtime)
		}
		if w.mode&sIFMT != sIFDIR && !bytes.Equal(g.data, w.data) {
			t.Errorf("%s: %d bytes of contents differ from the %d written", p, len(g.data), len(w.data))
		}
	}
	for p := range got {
		if want[p] == nil {
			t.Errorf("%s: not in the entries", p)
		}
	}
}

func writeImage(t testing.TB, entries []Entry, opts Options) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, entries, opts); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
