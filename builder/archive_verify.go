package builder

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"

	"github.com/reprovm/reprovm/images"
	"github.com/reprovm/reprovm/internal/scratch"
	"github.com/reprovm/reprovm/ipfsfetch"
	"github.com/reprovm/reprovm/meta"
)

// UseArchive prepares spec for a verification with no network: it imports
// the archive at path into spec.Inputs.Store, checks that it holds every
// input the stamp of spec.File names, drops the gateways and gives the
// image fetcher an HTTP client that refuses every request, so that nothing
// (not a block, not a Debian package) can come from anywhere but the
// archive and the local store and cache.
//
// The archive's ready snapshot is used only if trustSnapshot is set. The
// stamp names the image, not a snapshot, and nothing short of booting can
// check that a snapshot is what booting the image would give; a snapshot
// can hold any machine state, so starting from one makes the verification
// only as trustworthy as whoever made the archive. Without trustSnapshot
// the rebuild boots the image (or uses a ready snapshot this host made),
// which is slower and independent. A trusted snapshot is materialised in a
// temporary directory, never in the cache, so that later builds do not
// start from it; cleanup removes it.
func (spec *VerifySpec) UseArchive(ctx context.Context, path string, trustSnapshot bool) (a *Archive, cleanup func(), err error) {
	cleanup = func() {}
	pub, err := meta.ReadPublished(spec.File)
	if err != nil {
		return nil, cleanup, err
	}
	progress := archiveProgress(spec.Progress)
	progress("importing %s into the store %s (every block hash-checked)", path, spec.Inputs.Store.Dir())
	if a, err = ImportArchive(ctx, spec.Inputs.Store, path); err != nil {
		return nil, cleanup, err
	}
	if err := a.Covers(pub.Stamp); err != nil {
		return nil, cleanup, fmt.Errorf("archive %s: %w", path, err)
	}
	spec.Inputs.Gateways = nil
	f := images.Fetcher{Progress: spec.Progress}
	if spec.Fetcher != nil {
		f = *spec.Fetcher
	}
	f.HTTP = offlineClient()
	spec.Fetcher = &f
	if !trustSnapshot || spec.NoSnapshot {
		return a, cleanup, nil
	}
	if a.Manifest.ReadySnapshot == nil {
		progress("the archive holds no ready snapshot: booting the image")
		return a, cleanup, nil
	}
	sc, err := ipfsfetch.ParseCID(a.Manifest.ReadySnapshot.CID)
	if err != nil {
		return nil, cleanup, fmt.Errorf("archive %s: ready snapshot: %w", path, err)
	}
	td, err := scratch.MkdirCacheTemp("archive-")
	if err != nil {
		return nil, cleanup, fmt.Errorf("archive %s: ready snapshot: %w", path, err)
	}
	cleanup = func() { td.RemoveAll() }
	p := filepath.Join(td.Path, a.Manifest.ReadySnapshot.Key+".snap")
	if err := spec.Inputs.Store.Materialise(ctx, sc, p); err != nil {
		cleanup()
		return nil, func() {}, fmt.Errorf("archive %s: ready snapshot: %w", path, err)
	}
	progress("starting from the archive's ready snapshot %s (trusted on request: the stamp does not cover it)", sc)
	spec.ReadySnapshot = p
	return a, cleanup, nil
}

// offlineClient returns an HTTP client that refuses every request.
func offlineClient() *http.Client { return &http.Client{Transport: offlineTransport{}} }

// offlineTransport refuses every HTTP request: an offline verification
// must fail, naming what it wanted, rather than reach the network.
type offlineTransport struct{}

func (offlineTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return nil, fmt.Errorf("offline: a verification from an archive downloads nothing (it wanted %s); the archive or the local cache should have held it", r.URL.Redacted())
}
