package erofs

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkWrite writes a toolchain-like tree of about 200 MB (20,000
// files of 0-20 KiB in 400 directories, and five 20 MiB files) to a file,
// streaming contents from io.ReaderAt sources.
func BenchmarkWrite(b *testing.B) {
	src := pattern(1, 20<<20)
	var es []Entry
	var total int64
	for i := range 20000 {
		size := (i * 7919) % (20 << 10)
		off := (i * 104729) % (len(src) - size)
		es = append(es, Entry{Path: fmt.Sprintf("usr/lib/d%03d/f%05d.so", i%400, i), Mode: 0o644,
			Content: bytes.NewReader(src[off : off+size]), Size: int64(size)})
		total += int64(size)
	}
	for i := range 5 {
		es = append(es, Entry{Path: fmt.Sprintf("usr/bin/tool%d", i), Mode: 0o755, Content: bytes.NewReader(src), Size: int64(len(src))})
		total += int64(len(src))
	}
	path := filepath.Join(b.TempDir(), "img")
	b.SetBytes(total)
	for b.Loop() {
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		if err := Write(f, es, testOpts); err != nil {
			b.Fatal(err)
		}
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
	}
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(st.Size())/float64(total), "image/data")
}
