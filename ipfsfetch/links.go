package ipfsfetch

import (
	"context"
	"fmt"

	"github.com/ipfs/boxo/ipld/merkledag"
	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
)

// blockLinks returns the CIDs a block links to: none for a raw block, the
// links of a dag-pb node. Other codecs are not part of UnixFS and are
// refused, so a walk never ends early on a block it cannot read.
func blockLinks(b blocks.Block) ([]cid.Cid, error) {
	switch b.Cid().Prefix().Codec {
	case cid.Raw:
		return nil, nil
	case cid.DagProtobuf:
		nd, err := merkledag.DecodeProtobufBlock(b)
		if err != nil {
			return nil, fmt.Errorf("decode dag-pb block %s: %w", b.Cid(), err)
		}
		ls := nd.Links()
		cs := make([]cid.Cid, len(ls))
		for i, l := range ls {
			cs[i] = l.Cid
		}
		return cs, nil
	default:
		return nil, fmt.Errorf("block %s has codec %#x; reprovm handles only dag-pb and raw", b.Cid(), b.Cid().Prefix().Codec)
	}
}

// walkBlocks calls fn for every block of the DAG under root, depth-first in
// link order, each once. Raw leaves are only checked for presence (Has)
// unless withLeaves is set, so checking a large tree does not read every
// byte; fn gets nil for them.
func (s *Store) walkBlocks(ctx context.Context, root cid.Cid, withLeaves bool, fn func(cid.Cid, blocks.Block) error) error {
	seen := map[cid.Cid]bool{}
	var visit func(c cid.Cid) error
	visit = func(c cid.Cid) error {
		if seen[c] {
			return nil
		}
		seen[c] = true
		if err := ctx.Err(); err != nil {
			return err
		}
		if c.Prefix().Codec == cid.Raw && !withLeaves {
			ok, err := s.Has(ctx, c)
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("block %s is missing", c)
			}
			return fn(c, nil)
		}
		b, err := s.Get(ctx, c)
		if err != nil {
			return err
		}
		if err := fn(c, b); err != nil {
			return err
		}
		ls, err := blockLinks(b)
		if err != nil {
			return err
		}
		for _, l := range ls {
			if err := visit(l); err != nil {
				return err
			}
		}
		return nil
	}
	return visit(root)
}

// Complete reports an error unless every block of the DAG under root is in
// the store.
func (s *Store) Complete(ctx context.Context, root cid.Cid) error {
	if err := s.walkBlocks(ctx, root, false, func(cid.Cid, blocks.Block) error { return nil }); err != nil {
		return fmt.Errorf("DAG %s is not complete in the store: %w", root, err)
	}
	return nil
}
