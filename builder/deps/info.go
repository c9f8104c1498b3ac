package deps

import (
	"encoding/json"
	"fmt"
	"time"
)

// revInfo is the part of a module proxy's .info file that the tree keeps
// (https://go.dev/ref/mod#goproxy-protocol: "$base/$module/@v/$version.info
// returns JSON-formatted metadata about a version": Version and Time).
type revInfo struct {
	Version string
	Time    time.Time
}

// canonicalInfo rewrites a .info file to the canonical form the tree
// publishes: {"Version":...,"Time":...} in that order, Time in UTC RFC
// 3339. Everything else is dropped, above all Origin, which records where
// and how this host fetched the module (a VCS URL and hash under
// GOPROXY=direct, whatever a proxy chose to say otherwise) and would make
// the tree depend on the host's GOPROXY. The version must be the one the
// file is named after, given in its escaped form (escapeModule).
func canonicalInfo(data []byte, escapedVersion string) ([]byte, error) {
	var info revInfo
	if err := json.Unmarshal(data, &info); err != nil {
		return nil, fmt.Errorf("decode .info: %w", err)
	}
	if info.Version == "" || escapeModule(info.Version) != escapedVersion {
		return nil, fmt.Errorf(".info is for version %q, not %q", info.Version, escapedVersion)
	}
	info.Time = info.Time.UTC()
	out, err := json.Marshal(info)
	if err != nil {
		return nil, fmt.Errorf("encode .info: %w", err)
	}
	return out, nil
}
