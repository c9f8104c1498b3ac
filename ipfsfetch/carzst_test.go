package ipfsfetch

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
)

// TestImportCARStream reads the same CAR plain and zstd-compressed from a
// stream: the same roots and blocks either way; a zstd stream cut short or
// asking for a window over the bound is an error.
func TestImportCARStream(t *testing.T) {
	ctx := context.Background()
	src, root, _ := carTree(t)
	for _, name := range []string{"x.car", "x.car.zst"} {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), name)
			n, err := src.ExportCARFile(ctx, p, []cid.Cid{root})
			if err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(p)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			roots, m, err := tmpStore(t).ImportCARStream(ctx, f)
			if err != nil || len(roots) != 1 || roots[0] != root || m != n {
				t.Fatalf("ImportCARStream: roots %v, %d blocks, %v; want [%s], %d blocks", roots, m, err, root, n)
			}
		})
	}
	p := filepath.Join(t.TempDir(), "x.car.zst")
	if _, err := src.ExportCARFile(ctx, p, []cid.Cid{root}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := tmpStore(t).ImportCARStream(ctx, bytes.NewReader(data[:len(data)*2/3])); err == nil {
		t.Errorf("a zstd stream cut short was accepted")
	}
	// A frame header whose window descriptor asks for 2 GiB (exponent 21):
	// refused before any allocation.
	huge := append([]byte{0x28, 0xb5, 0x2f, 0xfd, 0x00, 21 << 3}, make([]byte, 16)...)
	if _, _, err := tmpStore(t).ImportCARStream(ctx, bytes.NewReader(huge)); err == nil || !strings.Contains(strings.ToLower(err.Error()), "window") {
		t.Errorf("a 2 GiB window was not refused: %v", err)
	}
}

// TestDAGSize checks DAGSize against the CAR export of the same DAG: the
// same number of blocks, and sizes that add up to the CAR's block bytes.
func TestDAGSize(t *testing.T) {
	ctx := context.Background()
	s, root, _ := carTree(t)
	n, size, err := s.DAGSize(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	count := 0
	err = s.walkBlocks(ctx, root, true, func(_ cid.Cid, b blocks.Block) error {
		count++
		total += int64(len(b.RawData()))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != count || size != total || n < 4 {
		t.Errorf("DAGSize: %d blocks, %d bytes; the walk: %d blocks, %d bytes", n, size, count, total)
	}
	if _, _, err := tmpStore(t).DAGSize(ctx, root); err == nil || !strings.Contains(err.Error(), root.String()) {
		t.Errorf("DAGSize in an empty store: %v", err)
	}
}
