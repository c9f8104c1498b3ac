package ipfsfetch

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	blocks "github.com/ipfs/go-block-format"

	"github.com/reprovm/reprovm/internal/testtree"

	"github.com/ipfs/go-cid"
)

// serve serves s with boxo's gateway handler on 127.0.0.1, counting the
// requests per path.
type testGateway struct {
	*httptest.Server
	mu       sync.Mutex
	requests map[string]int
	// before, when set, runs before each request is served.
	before func(r *http.Request)
}

func serve(t testing.TB, s *Store) *testGateway {
	t.Helper()
	h, err := s.GatewayHandler()
	if err != nil {
		t.Fatal(err)
	}
	g := &testGateway{requests: map[string]int{}}
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.mu.Lock()
		g.requests[r.URL.Path]++
		before := g.before
		g.mu.Unlock()
		if before != nil {
			before(r)
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(g.Close)
	return g
}

func (g *testGateway) count() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := 0
	for _, v := range g.requests {
		n += v
	}
	return n
}

func TestFetchFromGateway(t *testing.T) {
	ctx := context.Background()
	src, root, dir := carTree(t)
	g := serve(t, src)
	dst := tmpStore(t)
	var progress strings.Builder
	f := &Fetcher{Store: dst, Gateways: []string{g.URL}, Progress: &progress}
	st, err := f.Fetch(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	if st.Fetched != st.Blocks || st.Blocks != g.count() {
		t.Errorf("stats %+v after %d requests; want every block fetched once", st, g.count())
	}
	if !strings.Contains(progress.String(), "MB/s") {
		t.Errorf("no progress line: %q", progress.String())
	}
	out := filepath.Join(t.TempDir(), "out")
	if err := dst.Materialise(ctx, root, out); err != nil {
		t.Fatal(err)
	}
	if got, want := testtree.Digest(t, out), testtree.Digest(t, dir); got != want {
		t.Errorf("fetched tree:\n%s\nwant:\n%s", got, want)
	}
	// Everything is stored now: a second fetch asks nothing.
	before := g.count()
	if st, err := f.Fetch(ctx, root); err != nil || st.Fetched != 0 || g.count() != before {
		t.Errorf("second fetch: %+v, %v, %d more requests", st, err, g.count()-before)
	}
}

// TestFetchTampered: a gateway serving wrong bytes for a CID is caught, the
// error names the CID and the gateway, the bad bytes are not stored, and a
// second, honest gateway is used instead.
func TestFetchTampered(t *testing.T) {
	ctx := context.Background()
	src, root, _ := carTree(t)
	honest := serve(t, src)
	var victim cid.Cid
	if err := src.walkBlocks(ctx, root, false, func(c cid.Cid, _ blocks.Block) error {
		if c.Prefix().Codec == cid.Raw {
			victim = c
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	h, err := src.GatewayHandler()
	if err != nil {
		t.Fatal(err)
	}
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, victim.String()) {
			w.Header().Set("Content-Type", "application/vnd.ipld.raw")
			w.Write([]byte("definitely not the block you asked for"))
			return
		}
		h.ServeHTTP(w, r)
	}))
	defer evil.Close()

	dst := tmpStore(t)
	_, err = (&Fetcher{Store: dst, Gateways: []string{evil.URL}}).Fetch(ctx, root)
	if err == nil || !strings.Contains(err.Error(), victim.String()) || !strings.Contains(err.Error(), evil.URL) || !errors.Is(err, ErrHashMismatch) {
		t.Fatalf("fetch from a tampering gateway: %v; want a hash mismatch naming %s and %s", err, victim, evil.URL)
	}
	if ok, _ := dst.Has(ctx, victim); ok {
		t.Errorf("tampered block %s was stored", victim)
	}
	checkStoreValid(t, dst)

	if _, err := (&Fetcher{Store: dst, Gateways: []string{evil.URL, honest.URL}}).Fetch(ctx, root); err != nil {
		t.Errorf("fetch with an honest second gateway: %v", err)
	}
	if err := dst.Complete(ctx, root); err != nil {
		t.Error(err)
	}
}

func TestFetchNotFound(t *testing.T) {
	ctx := context.Background()
	_, root, _ := carTree(t)
	a, b := serve(t, tmpStore(t)), serve(t, tmpStore(t))
	_, err := (&Fetcher{Store: tmpStore(t), Gateways: []string{a.URL, b.URL}}).Fetch(ctx, root)
	if err == nil || !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), a.URL) || !strings.Contains(err.Error(), b.URL) || !strings.Contains(err.Error(), root.String()) {
		t.Errorf("fetch of a CID no gateway has: %v; want not found naming %s, %s and %s", err, root, a.URL, b.URL)
	}
	// Offline (no gateway): not found, with a hint.
	_, err = (&Fetcher{Store: tmpStore(t)}).Fetch(ctx, root)
	if err == nil || !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "--gateway") {
		t.Errorf("offline fetch of a missing CID: %v", err)
	}
}

// TestFetchHangingGateway: a gateway that never answers costs the timeout
// per attempt, then the next gateway is used.
func TestFetchHangingGateway(t *testing.T) {
	ctx := context.Background()
	src, root, _ := carTree(t)
	honest := serve(t, src)
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer hang.Close()
	defer close(release)

	const timeout = 200 * time.Millisecond
	start := time.Now()
	_, err := (&Fetcher{Store: tmpStore(t), Gateways: []string{hang.URL}, Timeout: timeout, Retries: 1}).Fetch(ctx, root)
	if err == nil || !strings.Contains(err.Error(), hang.URL) || !strings.Contains(err.Error(), "within 200ms") {
		t.Errorf("fetch from a hanging gateway: %v", err)
	}
	if d := time.Since(start); d > 10*timeout {
		t.Errorf("fetch from a hanging gateway took %v with a %v timeout and one retry", d, timeout)
	}
	if _, err := (&Fetcher{Store: tmpStore(t), Gateways: []string{hang.URL, honest.URL}, Timeout: timeout, Retries: 1}).Fetch(ctx, root); err != nil {
		t.Errorf("fetch failing over from a hanging gateway: %v", err)
	}
}

// TestFetchResume interrupts a fetch after a few blocks, then reruns it: the
// rerun completes the DAG and asks only for the blocks the first run did
// not store.
func TestFetchResume(t *testing.T) {
	ctx := context.Background()
	src, root, _ := carTree(t)
	total := 0
	if err := src.walkBlocks(ctx, root, false, func(cid.Cid, blocks.Block) error { total++; return nil }); err != nil {
		t.Fatal(err)
	}
	g := serve(t, src)
	dst := tmpStore(t)
	ctx1, cancel := context.WithCancel(ctx)
	var mu sync.Mutex
	served := 0
	g.before = func(*http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if served++; served == 3 {
			cancel()
		}
	}
	_, err := (&Fetcher{Store: dst, Gateways: []string{g.URL}, Parallel: 1}).Fetch(ctx1, root)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted fetch: %v", err)
	}
	stored := 0
	if err := src.walkBlocks(ctx, root, false, func(c cid.Cid, _ blocks.Block) error {
		if ok, _ := dst.Has(ctx, c); ok {
			stored++
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if stored == 0 || stored == total {
		t.Fatalf("after the interruption %d of %d blocks are stored; the test needs a partial fetch", stored, total)
	}
	g.before = nil
	before := g.count()
	st, err := (&Fetcher{Store: dst, Gateways: []string{g.URL}}).Fetch(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	if n := g.count() - before; n != total-stored || st.Fetched != n {
		t.Errorf("rerun made %d requests (stats %+v); %d of %d blocks were missing", n, st, total-stored, total)
	}
}
