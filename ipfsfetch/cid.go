package ipfsfetch

import (
	"context"
	"fmt"

	"github.com/ipfs/go-cid"
	ipld "github.com/ipfs/go-ipld-format"
)

// ComputeCID returns the CID that [Store.Import] would give p, without
// storing any block: the importer runs over a DAG service that keeps
// nothing. It lets a producer name a file by CID (in a manifest, say)
// before, or without, adding it to a store.
func ComputeCID(ctx context.Context, p string, opts ImportOptions) (cid.Cid, error) {
	im, err := newImporter(discardDAG{}, p, opts)
	if err != nil {
		return cid.Undef, err
	}
	nd, err := im.node(ctx, p, "")
	if err != nil {
		return cid.Undef, fmt.Errorf("compute CID of %s: %w", p, err)
	}
	return nd.Cid(), nil
}

// discardDAG is a DAG service that drops every node it is given. The
// importer only adds nodes; a Get would mean it needs one back, which it
// cannot have, so Get reports not found.
type discardDAG struct{}

func (discardDAG) Add(context.Context, ipld.Node) error        { return nil }
func (discardDAG) AddMany(context.Context, []ipld.Node) error  { return nil }
func (discardDAG) Remove(context.Context, cid.Cid) error       { return nil }
func (discardDAG) RemoveMany(context.Context, []cid.Cid) error { return nil }

func (discardDAG) Get(_ context.Context, c cid.Cid) (ipld.Node, error) {
	return nil, ipld.ErrNotFound{Cid: c}
}

func (discardDAG) GetMany(_ context.Context, cs []cid.Cid) <-chan *ipld.NodeOption {
	ch := make(chan *ipld.NodeOption, len(cs))
	for _, c := range cs {
		ch <- &ipld.NodeOption{Err: ipld.ErrNotFound{Cid: c}}
	}
	close(ch)
	return ch
}
