package builder

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"

	"github.com/reprovm/reprovm/images"
	"github.com/reprovm/reprovm/ipfsfetch"
)

// refuseAll is an HTTP transport that fails every request: a fetcher with it
// cannot download (and so cannot build) any image.
type refuseAll struct{}

func (refuseAll) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("no network in this test")
}

// TestResolveImageUnknownCIDFailsFast: an image CID that is in no cache,
// no store and no built-in image's pin fails at once with the CID and what
// to do, without building or downloading anything (it once built every
// built-in image, about 460 MB of downloads, before failing).
func TestResolveImageUnknownCIDFailsFast(t *testing.T) {
	sum, err := mh.Sum([]byte("no such image"), mh.SHA2_256, -1)
	if err != nil {
		t.Fatal(err)
	}
	c := cid.NewCidV1(cid.DagProtobuf, sum)
	store, err := ipfsfetch.OpenStore(filepath.Join(t.TempDir(), "blocks"))
	if err != nil {
		t.Fatal(err)
	}
	f := &images.Fetcher{CacheDir: t.TempDir(), HTTP: &http.Client{Transport: refuseAll{}}}
	start := time.Now()
	_, _, err = ResolveImage(context.Background(), c.String(), Sources{Store: store}, f)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("ResolveImage took %v", d)
	}
	if err == nil || !strings.Contains(err.Error(), c.String()) || !strings.Contains(err.Error(), "--gateway") || strings.Contains(err.Error(), "no network") {
		t.Fatalf("ResolveImage of an unknown CID: %v; want a not-found error naming it and --gateway, with no download tried", err)
	}
}

// TestBuiltinCIDs builds (or reuses) every built-in image and checks the
// CID pinned for it, which ResolveImage relies on.
func TestBuiltinCIDs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds every built-in image")
	}
	f := &images.Fetcher{}
	for _, name := range images.Builtin() {
		want, ok := images.BuiltinCID(name)
		if !ok {
			t.Errorf("built-in image %s has no pinned CID", name)
			continue
		}
		_, c, err := builtinImage(context.Background(), name, f)
		if err != nil {
			t.Fatal(err)
		}
		if c.String() != want {
			t.Errorf("built-in image %s has CID %s; pinned %s (update images.builtinCIDs deliberately)", name, c, want)
		}
		if got, ok := images.BuiltinByCID(want); !ok || got != name {
			t.Errorf("BuiltinByCID(%s) = %q, %v", want, got, ok)
		}
	}
}
