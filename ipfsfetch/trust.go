package ipfsfetch

import (
	"errors"
	"fmt"

	"github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"
)

// ErrUntrustedHash is wrapped by errors about a CID whose multihash reprovm
// does not accept.
var ErrUntrustedHash = errors.New("untrusted hash function")

// CheckCID accepts a CID only if its multihash is sha2-256 with the full
// 32-byte digest: the one hash function reprovm computes its own CIDs with
// (UnixFS DAGs, raw blocks, stamps' CIDs). A CID is a promise that the bytes
// behind it are those that hash to it; with SHA-1 (collisions are practical)
// or a truncated digest (a 1-byte digest matches one block in 256) that
// promise is worthless, and a CAR or a gateway could substitute a block. The
// identity hash is refused too: nothing reprovm writes uses it.
func CheckCID(c cid.Cid) error {
	if !c.Defined() {
		return fmt.Errorf("%w: the CID is empty", ErrUntrustedHash)
	}
	d, err := mh.Decode(c.Hash())
	if err != nil {
		return fmt.Errorf("CID %s: %w", c, err)
	}
	if d.Code != mh.SHA2_256 {
		name := mh.Codes[d.Code]
		if name == "" {
			name = "unknown"
		}
		return fmt.Errorf("CID %s uses hash function %s (multihash code 0x%x): %w; reprovm accepts only sha2-256 (re-add the data with a sha2-256 CID, as `reprovm add` and Kubo do by default)", c, name, d.Code, ErrUntrustedHash)
	}
	if d.Length != 32 || len(d.Digest) != 32 {
		return fmt.Errorf("CID %s has a %d-byte sha2-256 digest: %w; reprovm accepts only the full 32-byte digest", c, d.Length, ErrUntrustedHash)
	}
	return nil
}
