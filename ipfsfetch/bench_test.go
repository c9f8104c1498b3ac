//go:build unix

package ipfsfetch

import (
	"context"
	"crypto/sha256"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

var benchFileSize = flag.Int64("ipfsfetch.benchsize", 1<<30, "size of the large file in the add/get benchmarks")

// benchInputs builds the two inputs the issue names once per process: one
// large file, and a tree of 20,000 small files shaped like a Go module
// cache (400 directories of 50 files of 0-8 KiB). Contents come from a
// fixed-seed generator.
func benchInputs(b *testing.B) map[string]string {
	b.Helper()
	dir := b.TempDir()
	src := rand.NewChaCha8([32]byte{1}) // an io.Reader
	rng := rand.New(src)
	file := filepath.Join(dir, "large.bin")
	f, err := os.Create(file)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.CopyN(f, src, *benchFileSize); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	tree := filepath.Join(dir, "modcache")
	buf := make([]byte, 8192)
	for d := range 400 {
		sub := filepath.Join(tree, fmt.Sprintf("example.com/mod%03d@v1.0.%d", d, d%7))
		if err := os.MkdirAll(sub, 0o755); err != nil {
			b.Fatal(err)
		}
		for i := range 50 {
			src.Read(buf)
			if err := os.WriteFile(filepath.Join(sub, fmt.Sprintf("file%02d.go", i)), buf[:rng.IntN(len(buf))], 0o644); err != nil {
				b.Fatal(err)
			}
		}
	}
	return map[string]string{"file": file, "tree20000": tree}
}

// sha256Tree hashes every file under p and returns the number of bytes:
// the floor that add and get are compared with.
func sha256Tree(b *testing.B, p string) (n int64) {
	b.Helper()
	err := filepath.WalkDir(p, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		m, err := io.Copy(sha256.New(), f)
		n += m
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return n
}

// maxRSS is the process's peak resident set so far, in MiB.
func maxRSS() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Maxrss) / 1024 // Linux reports KiB
}

// BenchmarkAddGet imports each input into a fresh store (add), serves that
// store as a trustless gateway on 127.0.0.1 and fetches and materialises
// it into another (get), and hashes the same bytes with sha256 in the same
// run. It reports MB/s for each and the process's peak RSS.
func BenchmarkAddGet(b *testing.B) {
	inputs := benchInputs(b)
	ctx := context.Background()
	for _, name := range []string{"file", "tree20000"} {
		src := inputs[name]
		b.Run(name, func(b *testing.B) {
			var addT, getT, hashT time.Duration
			var size int64
			for b.Loop() {
				t0 := time.Now()
				size = sha256Tree(b, src)
				hashT += time.Since(t0)

				store, err := OpenStore(filepath.Join(b.TempDir(), "src"))
				if err != nil {
					b.Fatal(err)
				}
				t0 = time.Now()
				root, err := store.Import(ctx, src, ImportOptions{})
				if err != nil {
					b.Fatal(err)
				}
				addT += time.Since(t0)

				h, err := store.GatewayHandler()
				if err != nil {
					b.Fatal(err)
				}
				srv := httptest.NewServer(h)
				dst, err := OpenStore(filepath.Join(b.TempDir(), "dst"))
				if err != nil {
					b.Fatal(err)
				}
				t0 = time.Now()
				if _, err := (&Fetcher{Store: dst, Gateways: []string{srv.URL}}).Fetch(ctx, root); err != nil {
					b.Fatal(err)
				}
				if err := dst.Materialise(ctx, root, filepath.Join(b.TempDir(), "out")); err != nil {
					b.Fatal(err)
				}
				getT += time.Since(t0)
				srv.Close()
			}
			mb := float64(size) * float64(b.N) / 1e6
			b.ReportMetric(mb/addT.Seconds(), "add-MB/s")
			b.ReportMetric(mb/getT.Seconds(), "get-MB/s")
			b.ReportMetric(mb/hashT.Seconds(), "sha256-MB/s")
			b.ReportMetric(maxRSS(), "peak-RSS-MiB")
		})
	}
}
