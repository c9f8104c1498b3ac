package ipfsfetch

import (
	"context"
	"os"

	"github.com/ipfs/boxo/blockservice"
	"github.com/ipfs/boxo/exchange/offline"
	"github.com/ipfs/boxo/ipld/merkledag"
	uio "github.com/ipfs/boxo/ipld/unixfs/io"
	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	ipld "github.com/ipfs/go-ipld-format"
	mh "github.com/multiformats/go-multihash"
)

// The import settings, those of IPIP-499's unixfs-v1-2025 profile (see the
// package documentation). They are passed to boxo per call rather than with
// uio.UnixFSProfile.ApplyGlobals, which would change process-wide variables.
const (
	ChunkSize        = 1 << 20   // bytes of file data per leaf block
	MaxLinks         = 1024      // links per file DAG node
	hamtShardingSize = 256 << 10 // estimated directory block size that turns it into a HAMT
	hamtFanout       = 256
)

// execMode is the UnixFS mode recorded for executable files; others carry none.
const execMode os.FileMode = 0o755

// cidPrefix builds the CIDs of dag-pb nodes; raw leaves use the same prefix
// with the raw codec.
var cidPrefix = cid.Prefix{Version: 1, Codec: cid.DagProtobuf, MhType: mh.SHA2_256, MhLength: -1}

// dagService returns an offline DAG service over the store: it never asks
// anyone else for a block.
func (s *Store) dagService() ipld.DAGService {
	return merkledag.NewDAGService(blockservice.New(s, offline.Exchange(s)))
}

// importDAGService is dagService for the importer, whose blocks were hashed
// by the DAG builder a moment earlier: hashing them again on Put would add
// a third of the import's time and check nothing.
func (s *Store) importDAGService() ipld.DAGService {
	bs := builtStore{s}
	return merkledag.NewDAGService(blockservice.New(bs, offline.Exchange(bs)))
}

// builtStore is a Store whose Put trusts the CID of the block it is given.
type builtStore struct{ *Store }

func (b builtStore) Put(_ context.Context, blk blocks.Block) error {
	return b.write(blk.Cid(), blk.RawData())
}

func (b builtStore) PutMany(ctx context.Context, bs []blocks.Block) error {
	for _, blk := range bs {
		if err := b.Put(ctx, blk); err != nil {
			return err
		}
	}
	return nil
}

// newDirectory returns an empty UnixFS directory with the profile's settings.
func newDirectory(dag ipld.DAGService) (uio.Directory, error) {
	d, err := uio.NewDirectory(dag,
		uio.WithCidBuilder(cidPrefix),
		uio.WithMaxHAMTFanout(hamtFanout),
		uio.WithSizeEstimationMode(uio.SizeEstimationBlock))
	if err != nil {
		return nil, err
	}
	d.SetHAMTShardingSize(hamtShardingSize)
	return d, nil
}
