package ipfsfetch

import (
	"context"
	"fmt"

	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
)

// DAGSize returns the number of distinct blocks of the DAG under root and
// the sum of their sizes, as stored: what the DAG adds to a CAR file before
// framing. Leaves are sized without reading them. Every block must be in
// the store.
func (s *Store) DAGSize(ctx context.Context, root cid.Cid) (n int, size int64, err error) {
	err = s.walkBlocks(ctx, root, false, func(c cid.Cid, b blocks.Block) error {
		n++
		if b != nil {
			size += int64(len(b.RawData()))
			return nil
		}
		sz, err := s.GetSize(ctx, c)
		if err != nil {
			return err
		}
		size += int64(sz)
		return nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("size of DAG %s: %w", root, err)
	}
	return n, size, nil
}
