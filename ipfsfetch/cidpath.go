package ipfsfetch

import (
	"fmt"
	"strings"

	"github.com/ipfs/go-cid"
)

// ParseCID parses a CID as users write it: bare ("bafy..."), as a content
// path ("/ipfs/bafy...") or as a URI ("ipfs://bafy..."). Sub-paths are not
// accepted: reprovm names every input by the CID of its root.
func ParseCID(s string) (cid.Cid, error) {
	in := s
	switch {
	case strings.HasPrefix(s, "/ipfs/"):
		s = strings.TrimPrefix(s, "/ipfs/")
	case strings.HasPrefix(s, "ipfs://"):
		s = strings.TrimPrefix(s, "ipfs://")
	}
	s = strings.TrimSuffix(s, "/")
	if strings.Contains(s, "/") {
		return cid.Undef, fmt.Errorf("parse CID %q: paths below a CID are not supported", in)
	}
	c, err := cid.Decode(s)
	if err != nil {
		return cid.Undef, fmt.Errorf("parse CID %q: %w", in, err)
	}
	if err := CheckCID(c); err != nil {
		return cid.Undef, fmt.Errorf("parse CID %q: %w", in, err)
	}
	return c, nil
}
