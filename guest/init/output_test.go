//go:build linux

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reprovm/reprovm/guest"
	"github.com/reprovm/reprovm/guest/proto"
)

// outputDrive makes a file of size bytes to stand for the output drive
// (on the test's temporary directory, which must take O_DIRECT).
func outputDrive(t *testing.T, size int64) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "out.img")
	if err := os.WriteFile(p, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(p, size); err != nil {
		t.Fatal(err)
	}
	return p
}

// tree writes files of the given sizes under a new /out stand-in.
func tree(t *testing.T, sizes ...int) string {
	t.Helper()
	root := t.TempDir()
	for i, n := range sizes {
		data := bytes.Repeat([]byte{byte('a' + i)}, n)
		if err := os.WriteFile(filepath.Join(root, string(rune('a'+i))), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// TestWriteArchiveDirect writes trees that fill the chunk buffer several
// times, exactly, and not at all, through O_DIRECT, and reads them back
// as the host does.
func TestWriteArchiveDirect(t *testing.T) {
	for _, sizes := range [][]int{nil, {1}, {directChunk - 1024}, {directChunk, 3*directChunk + 7, 100}} {
		root := tree(t, sizes...)
		dev := outputDrive(t, 16<<20)
		d, err := openDirect(dev)
		if err != nil {
			t.Skipf("O_DIRECT on the temporary directory: %v", err)
		}
		n, err := d.writeArchive(root)
		if err == nil {
			err = d.writeHeader(&proto.Header{State: proto.Exited, Code: 4, ArchiveLen: uint64(n)})
		}
		d.close()
		if err != nil {
			t.Fatalf("%v: %v", sizes, err)
		}
		f, err := os.Open(dev)
		if err != nil {
			t.Fatal(err)
		}
		status, files, err := guest.ReadOutput(f)
		f.Close()
		if err != nil || status != 4 || len(files) != len(sizes) {
			t.Fatalf("%v: read back status %d, %d files, %v", sizes, status, len(files), err)
		}
		for i, file := range files {
			if len(file.Data) != sizes[i] {
				t.Errorf("%v: %s has %d bytes, want %d", sizes, file.Name, len(file.Data), sizes[i])
			}
		}
		if got := treeBytes(root); got != uint64(sum(sizes)) {
			t.Errorf("treeBytes = %d, want %d", got, sum(sizes))
		}
	}
}

// TestWriteArchiveFull: an archive larger than the drive fails with a
// message that says so, both within one chunk and across chunks.
func TestWriteArchiveFull(t *testing.T) {
	for _, size := range []int64{8 << 10, 2*directChunk + 4096} {
		d, err := openDirect(outputDrive(t, size))
		if err != nil {
			t.Skipf("O_DIRECT on the temporary directory: %v", err)
		}
		_, err = d.writeArchive(tree(t, int(size)))
		d.close()
		if err == nil || !strings.Contains(err.Error(), "is full") {
			t.Errorf("drive of %d bytes: err = %v, want it full", size, err)
		}
	}
}

func sum(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}
