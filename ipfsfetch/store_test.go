package ipfsfetch

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	car "github.com/ipld/go-car/v2"
	"github.com/ipld/go-car/v2/storage"
	mh "github.com/multiformats/go-multihash"

	"github.com/reprovm/reprovm/internal/scratch"
)

// damage overwrites the stored file of block c with other bytes.
func damage(t testing.TB, s *Store, c cid.Cid) {
	t.Helper()
	p := s.path(c.Hash())
	if err := os.Chmod(p, 0o644); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 0x40
	if err := os.WriteFile(p, data, 0o444); err != nil {
		t.Fatal(err)
	}
}

// aLeaf returns one raw leaf block of the DAG under root.
func aLeaf(t testing.TB, s *Store, root cid.Cid) cid.Cid {
	t.Helper()
	var leaf cid.Cid
	if err := s.walkBlocks(context.Background(), root, false, func(c cid.Cid, _ blocks.Block) error {
		if c.Prefix().Codec == cid.Raw {
			leaf = c
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return leaf
}

// quarantined lists the files in the store's quarantine directory.
func quarantined(t testing.TB, s *Store) []string {
	t.Helper()
	ents, err := os.ReadDir(s.QuarantineDir())
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// TestStoreRepairsDamagedBlock: a damaged block file is moved aside when it
// is read, and a put of the right bytes over a damaged file replaces it
// (before, put skipped every block whose file existed).
func TestStoreRepairsDamagedBlock(t *testing.T) {
	ctx := context.Background()
	data := []byte("the bytes of a block that the disk will damage")
	c, err := cid.Prefix{Version: 1, Codec: cid.Raw, MhType: mh.SHA2_256, MhLength: -1}.Sum(data)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := blocks.NewBlockWithCid(data, c)

	t.Run("put over a damaged file", func(t *testing.T) {
		s := tmpStore(t)
		if err := s.Put(ctx, b); err != nil {
			t.Fatal(err)
		}
		damage(t, s, c)
		if err := s.Put(ctx, b); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get(ctx, c); err != nil {
			t.Fatalf("get after the repairing put: %v", err)
		}
		if q := quarantined(t, s); len(q) != 1 {
			t.Errorf("quarantine holds %v, want the damaged file", q)
		}
	})
	t.Run("get of a damaged file", func(t *testing.T) {
		s := tmpStore(t)
		if err := s.Put(ctx, b); err != nil {
			t.Fatal(err)
		}
		damage(t, s, c)
		_, err := s.Get(ctx, c)
		if !errors.Is(err, ErrHashMismatch) || !strings.Contains(err.Error(), s.QuarantineDir()) {
			t.Fatalf("get of a damaged block: %v; want a hash mismatch naming the quarantine", err)
		}
		if ok, _ := s.Has(ctx, c); ok {
			t.Error("the damaged block is still in place after a failed get")
		}
		if err := s.Put(ctx, b); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get(ctx, c); err != nil {
			t.Fatalf("get after the put: %v", err)
		}
		checkStoreValid(t, s)
	})
}

// TestFetchRepairsDamagedBlock: fetching a DAG again through a gateway
// repairs a block damaged in the store.
func TestFetchRepairsDamagedBlock(t *testing.T) {
	ctx := context.Background()
	src, root, _ := carTree(t)
	gw := serve(t, src)
	dst := tmpStore(t)
	f := &Fetcher{Store: dst, Gateways: []string{gw.URL}}
	if _, err := f.Fetch(ctx, root); err != nil {
		t.Fatal(err)
	}
	leaf := aLeaf(t, dst, root)
	damage(t, dst, leaf)
	if _, err := f.Fetch(ctx, root); err != nil {
		t.Fatalf("fetch over a damaged block: %v", err)
	}
	if err := dst.Complete(ctx, root); err != nil {
		t.Fatal(err)
	}
	if _, err := dst.Get(ctx, leaf); err != nil {
		t.Fatalf("the damaged block was not repaired: %v", err)
	}
	checkStoreValid(t, dst)
}

// TestStoreVerify: Verify finds damaged and misplaced block files, and
// with repair moves them aside so that the store verifies clean.
func TestStoreVerify(t *testing.T) {
	ctx := context.Background()
	s, root, _ := carTree(t)
	n0, bad, err := s.Verify(ctx, false, nil)
	if err != nil || len(bad) != 0 || n0 == 0 {
		t.Fatalf("Verify of a good store: %d checked, bad %v, %v", n0, bad, err)
	}
	damage(t, s, aLeaf(t, s, root))
	damage(t, s, root)
	// A file that is not a block at all, in a shard directory.
	if err := os.WriteFile(filepath.Join(filepath.Dir(s.path(root.Hash())), "not-a-block"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	n, bad, err := s.Verify(ctx, false, nil)
	if err != nil || len(bad) != 3 || n != n0+1 {
		t.Fatalf("Verify: %d checked, bad %v, %v; want 3 bad of %d", n, bad, err, n0+1)
	}
	if _, bad, err = s.Verify(ctx, true, nil); err != nil || len(bad) != 3 {
		t.Fatalf("Verify --repair: bad %v, %v", bad, err)
	}
	if n, bad, err = s.Verify(ctx, false, nil); err != nil || len(bad) != 0 || n != n0-2 {
		t.Fatalf("Verify after repair: %d checked, bad %v, %v; want %d good", n, bad, err, n0-2)
	}
	if q := quarantined(t, s); len(q) != 3 {
		t.Errorf("quarantine holds %v, want 3 files", q)
	}
}

// untrustedCIDs are CIDs of data whose multihash reprovm must refuse.
func untrustedCIDs(t testing.TB, data []byte) map[string]cid.Cid {
	t.Helper()
	out := map[string]cid.Cid{}
	for name, p := range map[string]cid.Prefix{
		"sha1":     {Version: 1, Codec: cid.Raw, MhType: mh.SHA1, MhLength: -1},
		"sha2-512": {Version: 1, Codec: cid.Raw, MhType: mh.SHA2_512, MhLength: -1},
		"1-byte":   {Version: 1, Codec: cid.Raw, MhType: mh.SHA2_256, MhLength: 1},
		"identity": {Version: 1, Codec: cid.Raw, MhType: mh.IDENTITY, MhLength: -1},
	} {
		c, err := p.Sum(data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[name] = c
	}
	return out
}

// TestUntrustedHashes: CIDs with SHA-1, other hash functions, truncated
// digests or the identity hash are refused by put, by CAR import, by a
// gateway fetch and when parsed from user input, naming the hash.
func TestUntrustedHashes(t *testing.T) {
	ctx := context.Background()
	data := []byte("hello")
	for name, c := range untrustedCIDs(t, data) {
		t.Run(name, func(t *testing.T) {
			s := tmpStore(t)
			b, err := blocks.NewBlockWithCid(data, c)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Put(ctx, b); !errors.Is(err, ErrUntrustedHash) {
				t.Errorf("Put: %v, want ErrUntrustedHash", err)
			}
			if _, err := ParseCID(c.String()); !errors.Is(err, ErrUntrustedHash) {
				t.Errorf("ParseCID: %v, want ErrUntrustedHash", err)
			}

			var buf bytes.Buffer
			w, err := storage.NewWritable(onlyWriter{&buf}, []cid.Cid{c}, car.WriteAsCarV1(true))
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Put(ctx, c.KeyString(), data); err != nil {
				t.Fatal(err)
			}
			if _, _, err := s.ImportCAR(ctx, &buf); !errors.Is(err, ErrUntrustedHash) {
				t.Errorf("ImportCAR: %v, want ErrUntrustedHash", err)
			}

			gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/vnd.ipld.raw")
				w.Write(data)
			}))
			defer gw.Close()
			if _, err := (&Fetcher{Store: s, Gateways: []string{gw.URL}}).Fetch(ctx, c); !errors.Is(err, ErrUntrustedHash) {
				t.Errorf("Fetch: %v, want ErrUntrustedHash", err)
			}
			if ok, _ := s.Has(ctx, c); ok {
				t.Error("the block was stored")
			}
		})
	}
}

// debris leaves an entry as a killed writer would: named by the scratch
// package, unlocked and older than scratch.MinAge.
func debris(t testing.TB, dir, prefix string, isDir bool) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, prefix+"12345"+scratch.Suffix)
	var err error
	if isDir {
		err = os.MkdirAll(filepath.Join(p, "t"), 0o755)
		if err == nil {
			err = os.WriteFile(filepath.Join(p, "t", "half"), make([]byte, 4096), 0o644)
		}
	} else {
		err = os.WriteFile(p, []byte("half a block"), 0o644)
	}
	if err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(p, old, old); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestDebrisRemoved: what a killed put, get or car export leaves behind is
// removed by the next store open, materialise or export in that place.
func TestDebrisRemoved(t *testing.T) {
	ctx := context.Background()
	src, root, _ := carTree(t)
	store := src.Dir()
	blockTmp := debris(t, filepath.Join(store, ".tmp"), tmpPrefix, false)
	if _, err := OpenStore(store); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	getTmp := debris(t, out, getPrefix, true)
	if err := src.Materialise(ctx, root, filepath.Join(out, "tree")); err != nil {
		t.Fatal(err)
	}
	carTmp := debris(t, out, carPrefix, false)
	if _, err := src.ExportCARFile(ctx, filepath.Join(out, "x.car"), []cid.Cid{root}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{blockTmp, getTmp, carTmp} {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("%s survived", p)
		}
	}
	ents, _ := os.ReadDir(out)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != "tree x.car" {
		t.Errorf("%s holds %v, want only tree and x.car", out, names)
	}
	checkStoreValid(t, src)
}
