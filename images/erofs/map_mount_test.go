package erofs_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/reprovm/reprovm/builder"
	"github.com/reprovm/reprovm/images/erofs"
)

// TestKernelMapFlips checks the map against the reader that matters, the
// Linux kernel's: it flips the bytes that the map says hold the first,
// middle and last byte of every regular file and symbolic link, boots
// the kernel with the image as a drive and compares the checksums the
// guest computes with those of the expected, flipped, contents. One boot.
func TestKernelMapFlips(t *testing.T) {
	if testing.Short() {
		t.Skip("boots a kernel")
	}
	want := map[string][]byte{}
	var entries []erofs.Entry
	for i, size := range []int{1, 2, 100, 4096 - 64, 4096 - 32, 4096 - 31, 4095, 4096, 4097, 8191, 8192, 8193, 5*4096 + 77, 300000} {
		p := fmt.Sprintf("sizes/f%02d", i)
		data := bytes.Repeat([]byte{byte('a' + i)}, size)
		entries = append(entries, erofs.Entry{Path: p, Mode: 0o644, Data: data})
		want[p] = data
	}
	for i := range 100 {
		p := fmt.Sprintf("many/%03d", i)
		data := bytes.Repeat([]byte(p), i*13)
		entries = append(entries, erofs.Entry{Path: p, Mode: 0o644, Data: data})
		want[p] = data
	}
	for i, n := range []int{1, 50, 3000} {
		p := fmt.Sprintf("links/l%d", i)
		target := strings.Repeat("t", n)
		entries = append(entries, erofs.Entry{Path: p, Mode: fs.ModeSymlink | 0o777, Link: target})
		want[p] = []byte(target)
	}
	var buf bytes.Buffer
	if err := erofs.Write(&buf, entries, erofs.Options{BlockSize: 4096}); err != nil {
		t.Fatal(err)
	}
	img := buf.Bytes()
	m, err := erofs.ReadMap(bytes.NewReader(img), int64(len(img)))
	if err != nil {
		t.Fatal(err)
	}
	flips := 0
	for _, e := range m.Lookup(0, int64(len(img))) {
		if e.Kind != erofs.ExtentData && e.Kind != erofs.ExtentTail || e.Mode.IsDir() {
			continue
		}
		for _, k := range slices.Compact([]int64{0, e.Size / 2, e.Size - 1}) {
			if k >= e.FileOff && k < e.FileOff+e.Len {
				img[e.Off+k-e.FileOff] ^= 0x20 // 'a' <-> 'A'
				want[e.Paths[0]][k] ^= 0x20
				flips++
			}
		}
	}
	// Tails in block 0 change the superblock's checksum (CRC-32C of the
	// rest of the block, the checksum field zero, without the final
	// inversion).
	sb := img[1024:4096]
	sb[4], sb[5], sb[6], sb[7] = 0, 0, 0, 0
	sum := ^crc32.Checksum(sb, crc32.MakeTable(crc32.Castagnoli))
	sb[4], sb[5], sb[6], sb[7] = byte(sum), byte(sum>>8), byte(sum>>16), byte(sum>>24)

	path := filepath.Join(t.TempDir(), "img.erofs")
	if err := os.WriteFile(path, img, 0o644); err != nil {
		t.Fatal(err)
	}
	script := `cd /mnt/0 && echo BEGIN && find . -type f | sort | xargs sha256sum &&
		for l in links/*; do printf '%s ' "$l"; readlink "$l" | sha256sum; done && echo END`
	var console bytes.Buffer
	res, err := builder.Run(context.Background(), builder.RunSpec{
		Argv:    []string{"sh", "-c", script},
		Inputs:  []builder.InputDrive{{Path: path}},
		Console: &console,
	})
	if err != nil {
		t.Fatalf("run: %v\n%s", err, console.String())
	}
	out := console.String()
	begin, end := strings.Index(out, "BEGIN\n"), strings.LastIndex(out, "END\n")
	if res.ExitStatus != 0 || begin < 0 || end < begin {
		t.Fatalf("exit status %d; console:\n%s", res.ExitStatus, out)
	}
	got := strings.ReplaceAll(out[begin+len("BEGIN\n"):end], "\r", "")

	var lines []string
	var paths []string
	for p := range want {
		if !strings.HasPrefix(p, "links/") {
			paths = append(paths, p)
		}
	}
	slices.Sort(paths)
	for _, p := range paths {
		lines = append(lines, fmt.Sprintf("%x  ./%s", sha256.Sum256(want[p]), p))
	}
	for i := range 3 {
		p := fmt.Sprintf("links/l%d", i)
		lines = append(lines, fmt.Sprintf("%s %x  -", p, sha256.Sum256(append(want[p], '\n'))))
	}
	if w := strings.Join(lines, "\n") + "\n"; got != w {
		t.Errorf("the guest read (%d flips):\n%s\nwant:\n%s", flips, got, w)
	}
	t.Logf("%d flipped bytes, all where the map put them; %d instructions", flips, res.Instret)
}
