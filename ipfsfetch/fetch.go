package ipfsfetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
)

// ErrNotFound is wrapped by fetch errors for a block that no gateway has.
var ErrNotFound = errors.New("not found")

// Fetcher completes DAGs in a store from trustless HTTP gateways, one block
// per request (GET /ipfs/CID?format=raw, Accept: application/vnd.ipld.raw),
// hashing every block and comparing it with its CID before it is used or
// stored. Blocks already in the store are not fetched again, so rerunning an
// interrupted fetch transfers only what is missing.
type Fetcher struct {
	Store    *Store
	Gateways []string // base URLs, e.g. http://127.0.0.1:8080; tried in order
	// Client makes the requests; nil means a client of its own.
	Client *http.Client
	// Timeout bounds one request, body included (default 30s).
	Timeout time.Duration
	// Retries is how many more times a request that timed out or failed
	// with a server error is sent to the same gateway (default 2).
	Retries int
	// Parallel bounds the number of blocks fetched at once (default 8).
	Parallel int
	// Progress, when set, receives a line about every second and at the end:
	// blocks and bytes fetched, rate, blocks already stored.
	Progress io.Writer
}

// FetchStats counts what a Fetch did.
type FetchStats struct {
	Blocks  int   // blocks in the DAG
	Fetched int   // blocks fetched from gateways
	Bytes   int64 // bytes fetched
}

// Fetch makes the DAG under root complete in the store.
func (f *Fetcher) Fetch(ctx context.Context, root cid.Cid) (FetchStats, error) {
	parallel := f.Parallel
	if parallel <= 0 {
		parallel = 8
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	w := &fetchWalk{f: f, seen: map[cid.Cid]bool{root: true}, queue: []cid.Cid{root}, pending: 1, start: time.Now()}
	w.cond = sync.NewCond(&w.mu)
	stopProgress := w.progress(ctx)
	var wg sync.WaitGroup
	for range parallel {
		wg.Go(func() { w.work(ctx, cancel) })
	}
	// Wake the workers if the caller cancels while they wait for work.
	stop := context.AfterFunc(ctx, func() {
		w.mu.Lock()
		w.cond.Broadcast()
		w.mu.Unlock()
	})
	wg.Wait()
	stop()
	stopProgress()
	st := w.stats
	if err := context.Cause(ctx); err != nil && w.pending > 0 {
		return st, fmt.Errorf("fetch %s: %w", root, err)
	}
	return st, nil
}

// fetchWalk is the state of one Fetch: a queue of blocks to visit, shared by
// the workers.
type fetchWalk struct {
	f       *Fetcher
	mu      sync.Mutex
	cond    *sync.Cond
	seen    map[cid.Cid]bool
	queue   []cid.Cid
	pending int // queued or being visited
	stats   FetchStats
	start   time.Time
}

func (w *fetchWalk) work(ctx context.Context, fail context.CancelCauseFunc) {
	for {
		w.mu.Lock()
		for len(w.queue) == 0 && w.pending > 0 && ctx.Err() == nil {
			w.cond.Wait()
		}
		if w.pending == 0 || ctx.Err() != nil {
			w.mu.Unlock()
			return
		}
		c := w.queue[len(w.queue)-1] // depth first: finishes files early
		w.queue = w.queue[:len(w.queue)-1]
		w.mu.Unlock()

		links, n, err := w.visit(ctx, c)
		if err != nil {
			fail(err)
			w.mu.Lock()
			w.cond.Broadcast()
			w.mu.Unlock()
			return
		}
		w.mu.Lock()
		w.stats.Blocks++
		if n >= 0 {
			w.stats.Fetched++
			w.stats.Bytes += int64(n)
		}
		for i := len(links) - 1; i >= 0; i-- {
			if l := links[i]; !w.seen[l] {
				w.seen[l] = true
				w.queue = append(w.queue, l)
				w.pending++
			}
		}
		w.pending--
		w.cond.Broadcast()
		w.mu.Unlock()
	}
}

// visit makes block c present and returns its links and the number of bytes
// fetched (-1 if it was already stored).
func (w *fetchWalk) visit(ctx context.Context, c cid.Cid) ([]cid.Cid, int, error) {
	s := w.f.Store
	if ok, err := s.Has(ctx, c); err != nil {
		return nil, 0, err
	} else if ok {
		// Get checks the stored bytes, so a damaged block (moved aside
		// by Get) is fetched again below instead of staying forever.
		b, err := s.Get(ctx, c)
		if err == nil {
			links, err := blockLinks(b)
			return links, -1, err
		}
		if !errors.Is(err, ErrHashMismatch) {
			return nil, 0, err
		}
		// Damaged on disk: fetch it again.
	}
	b, err := w.f.block(ctx, c)
	if err != nil {
		return nil, 0, err
	}
	links, err := blockLinks(b)
	if err != nil {
		return nil, 0, err
	}
	// fromGateway has just checked the bytes against c.
	if err := s.write(c, b.RawData()); err != nil {
		return nil, 0, err
	}
	return links, len(b.RawData()), nil
}

// block fetches c from the first gateway that serves bytes matching it.
func (f *Fetcher) block(ctx context.Context, c cid.Cid) (blocks.Block, error) {
	if len(f.Gateways) == 0 {
		return nil, fmt.Errorf("block %s is not in the store %s and no gateway is set (offline; use --gateway or REPROVM_GATEWAYS): %w", c, f.Store.Dir(), ErrNotFound)
	}
	var errs []error
	notFound := 0
	for _, gw := range f.Gateways {
		b, err := f.fromGateway(ctx, gw, c)
		if err == nil {
			return b, nil
		}
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		if errors.Is(err, ErrNotFound) {
			notFound++
		}
		errs = append(errs, err)
	}
	if notFound == len(f.Gateways) {
		return nil, fmt.Errorf("block %s not found on any gateway (tried %s): %w", c, strings.Join(f.Gateways, ", "), ErrNotFound)
	}
	return nil, fmt.Errorf("fetch block %s: %w", c, errors.Join(errs...))
}

// fromGateway asks one gateway for c, retrying timeouts and server errors.
func (f *Fetcher) fromGateway(ctx context.Context, gw string, c cid.Cid) (blocks.Block, error) {
	retries := f.Retries
	if retries <= 0 {
		retries = 2
	}
	var err error
	for attempt := 0; attempt <= retries; attempt++ {
		if attempt > 0 {
			select {
			case <-time.After(time.Duration(attempt) * 100 * time.Millisecond):
			case <-ctx.Done():
				return nil, context.Cause(ctx)
			}
		}
		var data []byte
		var retry bool
		data, retry, err = f.get(ctx, gw, c)
		if err == nil {
			if herr := checkBlock(c, data); herr != nil {
				return nil, fmt.Errorf("gateway %s served bad bytes for %s: %w", gw, c, herr)
			}
			return blocks.NewBlockWithCid(data, c)
		}
		if !retry || ctx.Err() != nil {
			break
		}
	}
	return nil, err
}

// get makes one request; retry says whether trying again may help.
func (f *Fetcher) get(ctx context.Context, gw string, c cid.Cid) (data []byte, retry bool, err error) {
	timeout := f.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	client := f.Client
	if client == nil {
		client = http.DefaultClient
	}
	rctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	url := strings.TrimSuffix(gw, "/") + "/ipfs/" + c.String() + "?format=raw"
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, false, fmt.Errorf("gateway %s: %w", gw, err)
	}
	req.Header.Set("Accept", "application/vnd.ipld.raw")
	resp, err := client.Do(req)
	if err != nil {
		if rctx.Err() != nil && ctx.Err() == nil {
			return nil, true, fmt.Errorf("gateway %s: block %s: no answer within %v", gw, c, timeout)
		}
		return nil, true, fmt.Errorf("gateway %s: block %s: %w", gw, c, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusOK:
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		return nil, false, fmt.Errorf("gateway %s: block %s: %w (%s)", gw, c, ErrNotFound, resp.Status)
	default:
		retry := resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests
		return nil, retry, fmt.Errorf("gateway %s: block %s: %s", gw, c, resp.Status)
	}
	data, err = readLimited(resp.Body, MaxBlockSize)
	if err != nil {
		if rctx.Err() != nil && ctx.Err() == nil {
			return nil, true, fmt.Errorf("gateway %s: block %s: body not received within %v", gw, c, timeout)
		}
		return nil, true, fmt.Errorf("gateway %s: block %s: %w", gw, c, err)
	}
	return data, false, nil
}

// progress prints a status line to f.Progress every second until the
// returned function is called, which prints the last one.
func (w *fetchWalk) progress(ctx context.Context) func() {
	if w.f.Progress == nil {
		return func() {}
	}
	line := func() {
		w.mu.Lock()
		st := w.stats
		w.mu.Unlock()
		secs := time.Since(w.start).Seconds()
		fmt.Fprintf(w.f.Progress, "reprovm: %d blocks: fetched %d (%.1f MB, %.1f MB/s), %d already stored\n",
			st.Blocks, st.Fetched, float64(st.Bytes)/1e6, float64(st.Bytes)/1e6/max(secs, 1e-3), st.Blocks-st.Fetched)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				line()
			case <-done:
				return
			case <-ctx.Done():
				return
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
		line()
	}
}
