package erofs

import (
	"bytes"
	"io/fs"
	"slices"
	"testing"
)

// fuzzEntries decodes a tree from fuzz input: per entry a kind byte, a name
// length, a size byte, then the name. Names are drawn from a small alphabet
// with '/' and '.' so that nesting, conflicts and invalid paths are common.
func fuzzEntries(data []byte) ([]Entry, Options) {
	opts := testOpts
	if len(data) > 0 {
		opts.BlockSize = []int{2048, 4096, 8192, 4096}[data[0]%4]
		data = data[1:]
	}
	var es []Entry
	for len(data) >= 3 && len(es) < 100 {
		kind, nlen, size := data[0], int(data[1]), int(data[2])*41
		data = data[3:]
		raw := nlen&0x80 != 0
		nlen = min(nlen&0x7f, len(data))
		name := slices.Clone(data[:nlen])
		data = data[nlen:]
		if !raw {
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
			e.Data = pattern(uint64(kind), size)
		case 2:
			e.Mode |= fs.ModeDir
		case 3:
			e.Mode |= fs.ModeSymlink
			e.Link = string(bytes.Repeat([]byte("l"), 1+size/10))
		case 4:
			e.Mode |= fs.ModeDevice | fs.ModeCharDevice
			e.Rdev = uint32(size)
		case 5:
			e.Mode |= fs.ModeNamedPipe
		case 6:
			e.Content, e.Size = bytes.NewReader(pattern(uint64(kind), size)), int64(size)
		case 7:
			e.Mode |= fs.ModeSetuid | fs.ModeSticky
		}
		es = append(es, e)
	}
	return es, opts
}

// FuzzWrite writes random trees: Write must not panic; when it accepts the
// entries, the strict reader must find exactly them, and the reversed
// order must give the same bytes.
func FuzzWrite(f *testing.F) {
	f.Add([]byte{2, 0, 3, 10, 'a', 'b', 'c', 0o20, 1, 0, 'b'})
	f.Add([]byte{0, 0o31, 5, 200, 'x', '/', 'y', '/', 'z', 0o40, 2, 1, 'x', '/', 'w'})
	f.Add([]byte{1, 0o200, 0x83, 0, 0xff, 0, '.'})
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
// survives damaged images.
func FuzzReadImage(f *testing.F) {
	f.Add(writeImage(f, sampleTree()[:11], Options{BlockSize: 2048}))
	f.Fuzz(func(t *testing.T, img []byte) {
		readImage(img) //nolint:errcheck // only panics matter
	})
}
