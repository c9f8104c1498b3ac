package ipfsfetch

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	car "github.com/ipld/go-car/v2"
	"github.com/ipld/go-car/v2/storage"
	"github.com/klauspost/compress/zstd"

	"github.com/reprovm/reprovm/internal/scratch"
)

// maxCARHeader bounds a CAR header (its list of roots) read from a file.
const maxCARHeader = 1 << 20

// ExportCAR writes a CARv1 (https://ipld.io/specs/transport/car/carv1/)
// with the given roots and every block of their DAGs, each once, in
// depth-first link order: the order a trustless gateway streams with
// order=dfs, so the archive of one DAG is the same bytes on every host. It
// returns the number of blocks written.
func (s *Store) ExportCAR(ctx context.Context, w io.Writer, roots []cid.Cid) (int, error) {
	if len(roots) == 0 {
		return 0, errors.New("export CAR: no roots")
	}
	for _, r := range roots {
		if err := s.Complete(ctx, r); err != nil {
			return 0, fmt.Errorf("export CAR: %w", err)
		}
	}
	cw, err := storage.NewWritable(onlyWriter{w}, roots, car.WriteAsCarV1(true), car.AllowDuplicatePuts(false))
	if err != nil {
		return 0, fmt.Errorf("export CAR: %w", err)
	}
	seen := map[cid.Cid]bool{}
	n := 0
	for _, r := range roots {
		err := s.walkBlocks(ctx, r, true, func(c cid.Cid, b blocks.Block) error {
			if seen[c] {
				return nil
			}
			seen[c] = true
			n++
			return cw.Put(ctx, c.KeyString(), b.RawData())
		})
		if err != nil {
			return n, fmt.Errorf("export CAR: %w", err)
		}
	}
	return n, nil
}

// onlyWriter hides io.WriterAt, so the CAR writer streams in order.
type onlyWriter struct{ io.Writer }

// ImportCAR stores every block of a CARv1 or CARv2 stream, checking each
// block's bytes against its CID first, and then checks that the DAG of every
// root is complete in the store. It returns the roots and the number of
// blocks read. Blocks stored before an error are correct and stay stored.
func (s *Store) ImportCAR(ctx context.Context, r io.Reader) ([]cid.Cid, int, error) {
	br, err := car.NewBlockReader(r,
		car.WithTrustedCAR(false),
		car.MaxAllowedHeaderSize(maxCARHeader),
		car.MaxAllowedSectionSize(MaxBlockSize+128))
	if err != nil {
		return nil, 0, fmt.Errorf("read CAR header: %w", err)
	}
	if len(br.Roots) == 0 {
		return nil, 0, errors.New("read CAR: no roots")
	}
	for _, root := range br.Roots {
		if err := CheckCID(root); err != nil {
			return nil, 0, fmt.Errorf("read CAR: root: %w", err)
		}
	}
	n := 0
	for {
		if err := ctx.Err(); err != nil {
			return nil, n, err
		}
		b, err := br.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, n, fmt.Errorf("read CAR block %d: %w", n+1, err)
		}
		if err := s.Put(ctx, b); err != nil {
			return nil, n, fmt.Errorf("read CAR block %d: %w", n+1, err)
		}
		n++
	}
	for _, root := range br.Roots {
		if err := s.Complete(ctx, root); err != nil {
			return br.Roots, n, fmt.Errorf("read CAR: root %s: %w", root, err)
		}
	}
	return br.Roots, n, nil
}

// carPrefix starts the names of CAR files being written.
const carPrefix = ".reprovm-car-"

// zstdMagic starts every zstd frame (RFC 8878 section 3.1.1).
var zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}

// ExportCARFile writes the CAR of roots to path, compressed with zstd when
// path ends in ".zst". The file appears complete or not at all.
func (s *Store) ExportCARFile(ctx context.Context, path string, roots []cid.Cid) (n int, err error) {
	if _, err := scratch.RemoveStale(filepath.Dir(path), carPrefix); err != nil {
		return 0, fmt.Errorf("export CAR: %w", err)
	}
	tmp, err := scratch.CreateTemp(filepath.Dir(path), carPrefix)
	if err != nil {
		return 0, fmt.Errorf("export CAR: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	bw := bufio.NewWriterSize(tmp, 1<<20)
	var w io.Writer = bw
	var zw *zstd.Encoder
	if strings.HasSuffix(path, ".zst") {
		// Fixed options: zstd output depends on them (and on the library
		// version), not on concurrency.
		zw, err = zstd.NewWriter(bw, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderCRC(true))
		if err != nil {
			return 0, fmt.Errorf("export CAR: %w", err)
		}
		w = zw
	}
	n, err = s.ExportCAR(ctx, w, roots)
	if err == nil && zw != nil {
		err = zw.Close()
	}
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = tmp.Chmod(0o644)
	}
	if err == nil {
		err = tmp.Close()
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return n, fmt.Errorf("export CAR to %s: %w", path, err)
	}
	return n, nil
}

// ImportCARFile imports the CAR in path, decompressing it first if it is
// zstd (recognised by its magic number, not its name).
func (s *Store) ImportCARFile(ctx context.Context, path string) ([]cid.Cid, int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, fmt.Errorf("import CAR: %w", err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<20)
	var r io.Reader = br
	if head, _ := br.Peek(4); bytes.Equal(head, zstdMagic) {
		zr, err := zstd.NewReader(br, zstd.WithDecoderMaxMemory(256<<20), zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, 0, fmt.Errorf("import CAR %s: %w", path, err)
		}
		defer zr.Close()
		r = zr
	}
	roots, n, err := s.ImportCAR(ctx, r)
	if err != nil {
		return roots, n, fmt.Errorf("import CAR %s: %w", path, err)
	}
	return roots, n, nil
}
