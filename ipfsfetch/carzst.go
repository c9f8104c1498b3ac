package ipfsfetch

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/ipfs/go-cid"
	"github.com/klauspost/compress/zstd"
)

// maxZstdWindow bounds the memory the zstd decoder may use for one frame of
// an untrusted stream. reprovm's own writer (SpeedDefault) uses an 8 MiB
// window; the bound leaves room for other encoders without letting a
// hostile frame header ask for gigabytes.
const maxZstdWindow = 64 << 20

// ImportCARStream is ImportCAR for a stream that may be zstd-compressed:
// zstd is recognised by its magic number, not by a name, and decompressed
// with a bounded window, so a hostile stream costs at most that memory and
// the disk its (hash-checked) blocks take.
func (s *Store) ImportCARStream(ctx context.Context, r io.Reader) ([]cid.Cid, int, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	var in io.Reader = br
	if head, _ := br.Peek(len(zstdMagic)); bytes.Equal(head, zstdMagic) {
		zr, err := zstd.NewReader(br,
			zstd.WithDecoderConcurrency(1),
			zstd.WithDecoderMaxWindow(maxZstdWindow),
			zstd.WithDecoderMaxMemory(256<<20))
		if err != nil {
			return nil, 0, fmt.Errorf("read zstd stream: %w", err)
		}
		defer zr.Close()
		in = zr
	}
	return s.ImportCAR(ctx, in)
}
