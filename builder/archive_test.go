package builder

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	car "github.com/ipld/go-car/v2"
	"github.com/ipld/go-car/v2/storage"
	"github.com/klauspost/compress/zstd"
	mh "github.com/multiformats/go-multihash"

	"github.com/reprovm/reprovm/images"
	"github.com/reprovm/reprovm/internal/scratch"
	"github.com/reprovm/reprovm/ipfsfetch"
	"github.com/reprovm/reprovm/meta"
)

// archiveWasm is (module (func (export "f") (result i32) i32.const 42)).
var archiveWasm = []byte{
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
	0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f,
	0x03, 0x02, 0x01, 0x00,
	0x07, 0x05, 0x01, 0x01, 'f', 0x00, 0x00,
	0x0a, 0x06, 0x01, 0x04, 0x00, 0x41, 0x2a, 0x0b,
}

// archiveFixture is a store holding an "image", a source and a
// dependency, and a module stamped with their CIDs. The image is not a
// bootable one: archives move blocks, whatever they hold.
type archiveFixture struct {
	store   *ipfsfetch.Store
	fetcher *images.Fetcher
	file    []byte
	stamp   *meta.Stamp
	dep     cid.Cid
}

// newArchiveFixture makes the fixture; big adds a 3 MiB file to the image
// so that it spans several blocks.
func newArchiveFixture(tb testing.TB, big bool) *archiveFixture {
	tb.Helper()
	ctx := context.Background()
	root := tb.TempDir()
	write := func(p string, data []byte) {
		p = filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	write("image/kernel", []byte("not a kernel"))
	write("image/manifest.json", []byte("{}\n"))
	if big {
		data := make([]byte, 3<<20+12345)
		rand.NewChaCha8([32]byte{1}).Read(data)
		write("image/root.erofs", data)
	}
	write("src/main.go", []byte("package main\n"))
	write("src/sub/m.wasm", archiveWasm)
	write("dep/mod/a.txt", []byte("dependency"))
	store, err := ipfsfetch.OpenStore(filepath.Join(root, "store"))
	if err != nil {
		tb.Fatal(err)
	}
	imp := func(name string) cid.Cid {
		c, err := store.Import(ctx, filepath.Join(root, name), ipfsfetch.ImportOptions{})
		if err != nil {
			tb.Fatal(err)
		}
		return c
	}
	img, src, dep := imp("image"), imp("src"), imp("dep")
	sum := sha256.Sum256(archiveWasm)
	st := &meta.Stamp{
		Format: meta.FormatVersion, Reprovm: "0.1.0", Emulator: "1.0.0",
		Image: img.String(), Source: meta.Source{CID: src.String()},
		Deps: map[string]string{"gomod": dep.String()},
		Argv: []string{"cp", "sub/m.wasm", "/out/m.wasm"}, Workdir: "/src",
		Machine:   meta.Machine{Bootargs: DefaultBootargs, MaxInsns: 1e9, RAMSize: DefaultRAMSize},
		Instret:   1,
		LogSHA256: hex.EncodeToString(sum[:]),
		Outputs:   []meta.Output{{Path: "/out/m.wasm", SHA256: hex.EncodeToString(sum[:]), Size: uint64(len(archiveWasm))}},
	}
	file, err := meta.StampWasm(archiveWasm, st)
	if err != nil {
		tb.Fatal(err)
	}
	return &archiveFixture{
		store:   store,
		fetcher: &images.Fetcher{CacheDir: filepath.Join(root, "cache"), HTTP: offlineClient()},
		file:    file, stamp: st, dep: dep,
	}
}

// export writes the fixture's archive to name in a new directory.
func (fx *archiveFixture) export(tb testing.TB, name string) (string, *Archive) {
	tb.Helper()
	out := filepath.Join(tb.TempDir(), name)
	a, err := ExportArchive(context.Background(), ArchiveSpec{
		File: fx.file, Out: out, Inputs: Sources{Store: fx.store}, Fetcher: fx.fetcher, NoSnapshot: true,
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out, a
}

func emptyStore(tb testing.TB) *ipfsfetch.Store {
	tb.Helper()
	s, err := ipfsfetch.OpenStore(filepath.Join(tb.TempDir(), "store"))
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// TestArchiveRoundTrip exports an archive, checks that a second export,
// and an export from a store filled only from the archive, give the same
// bytes, and imports it into an empty store: the manifest names the
// stamp's inputs, each complete, and UseArchive leaves no way to the
// network.
func TestArchiveRoundTrip(t *testing.T) {
	ctx := context.Background()
	fx := newArchiveFixture(t, true)
	p1, a := fx.export(t, "a.car.zst")
	p2, _ := fx.export(t, "b.car.zst")
	b1, err := os.ReadFile(p1)
	if err != nil {
		t.Fatal(err)
	}
	if b2, _ := os.ReadFile(p2); !bytes.Equal(b1, b2) {
		t.Fatalf("two exports differ: %d and %d bytes", len(b1), len(b2))
	}
	if !bytes.HasPrefix(b1, []byte{0x28, 0xb5, 0x2f, 0xfd}) {
		t.Errorf("a .zst archive does not start with the zstd magic")
	}
	var roles []string
	for _, p := range a.Parts {
		roles = append(roles, p.Role)
	}
	if got, want := strings.Join(roles, ","), "manifest,image,source,dependency gomod"; got != want {
		t.Errorf("parts %s, want %s", got, want)
	}
	if a.Blocks < 5 || a.FileSize != int64(len(b1)) || a.Parts[1].Bytes < 3<<20 {
		t.Errorf("archive: %d blocks, file %d bytes (have %d), image %d bytes", a.Blocks, a.FileSize, len(b1), a.Parts[1].Bytes)
	}

	s := emptyStore(t)
	got, err := ImportArchive(ctx, s, p1)
	if err != nil {
		t.Fatal(err)
	}
	if got.ManifestCID != a.ManifestCID || got.Blocks != a.Blocks || got.Manifest.Image != fx.stamp.Image ||
		got.Manifest.Source != fx.stamp.Source.CID || got.Manifest.Deps["gomod"] != fx.dep.String() || got.Manifest.ReadySnapshot != nil {
		t.Errorf("imported %+v, exported %+v", got, a)
	}
	for i, p := range got.Parts {
		if p != a.Parts[i] {
			t.Errorf("part %d: imported %+v, exported %+v", i, p, a.Parts[i])
		}
		if err := s.Complete(ctx, p.CID); err != nil {
			t.Error(err)
		}
	}
	if err := got.Covers(fx.stamp); err != nil {
		t.Error(err)
	}
	// Exported again from the store the archive filled (its image cache
	// empty): the same bytes.
	fx2 := *fx
	fx2.store = s
	fx2.fetcher = &images.Fetcher{CacheDir: filepath.Join(t.TempDir(), "cache"), HTTP: offlineClient()}
	p3, _ := fx2.export(t, "c.car.zst")
	if b3, _ := os.ReadFile(p3); !bytes.Equal(b1, b3) {
		t.Errorf("the export from the imported store differs")
	}

	spec := VerifySpec{File: fx.file, Inputs: Sources{Store: emptyStore(t), Gateways: []string{"http://127.0.0.1:1"}}}
	_, cleanup, err := spec.UseArchive(ctx, p1, true)
	defer cleanup()
	if err != nil {
		t.Fatal(err)
	}
	if spec.Inputs.Gateways != nil || spec.ReadySnapshot != "" {
		t.Errorf("after UseArchive: gateways %v, ready snapshot %q", spec.Inputs.Gateways, spec.ReadySnapshot)
	}
	if _, err := spec.Fetcher.HTTP.Get("http://deb.debian.org/debian/"); err == nil || !strings.Contains(err.Error(), "offline: a verification from an archive downloads nothing") {
		t.Errorf("the fetcher's HTTP client reached out: %v", err)
	}
}

// TestArchivePlain checks that a name without .zst gives a plain CAR that
// imports the same.
func TestArchivePlain(t *testing.T) {
	fx := newArchiveFixture(t, false)
	p, a := fx.export(t, "a.car")
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := car.ReadVersion(bytes.NewReader(data)); err != nil {
		t.Fatalf("not a CAR: %v", err)
	}
	got, err := ImportArchive(context.Background(), emptyStore(t), p)
	if err != nil || got.ManifestCID != a.ManifestCID {
		t.Fatalf("import: %v", err)
	}
}

// TestArchiveCovers checks that an archive for other inputs is refused,
// naming what it lacks.
func TestArchiveCovers(t *testing.T) {
	fx := newArchiveFixture(t, false)
	_, a := fx.export(t, "a.car.zst")
	other := *fx.stamp
	other.Deps = map[string]string{"gomod": fx.dep.String(), "cargo": fx.stamp.Source.CID}
	other.Image = fx.stamp.Source.CID
	err := a.Covers(&other)
	if err == nil || !strings.Contains(err.Error(), "lacks the image "+fx.stamp.Source.CID) || !strings.Contains(err.Error(), "the dependency cargo") {
		t.Errorf("Covers: %v", err)
	}
}

// TestArchiveDamaged checks that a damaged, cut or foreign archive is a
// clear error and never a crash, and that a missing block is named.
func TestArchiveDamaged(t *testing.T) {
	ctx := context.Background()
	fx := newArchiveFixture(t, true)
	p, _ := fx.export(t, "a.car.zst")
	good, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := fx.export(t, "a.car")
	plainData, err := os.ReadFile(plain)
	if err != nil {
		t.Fatal(err)
	}
	flip := func(at int) []byte {
		b := bytes.Clone(good)
		b[at] ^= 0x10
		return b
	}
	missing, leaf := withoutBlock(t, plainData, fx.dep)
	// A CAR of the source alone: its first root is not a manifest.
	foreign := filepath.Join(t.TempDir(), "src.car")
	src, _ := ipfsfetch.ParseCID(fx.stamp.Source.CID)
	if _, err := fx.store.ExportCARFile(ctx, foreign, []cid.Cid{src}); err != nil {
		t.Fatal(err)
	}
	foreignData, _ := os.ReadFile(foreign)
	// A manifest naming a CID that is not a root.
	mc, err := putManifest(ctx, fx.store, &ArchiveManifest{Format: ArchiveFormat, Image: fx.stamp.Image, Source: fx.stamp.Source.CID})
	if err != nil {
		t.Fatal(err)
	}
	img, _ := ipfsfetch.ParseCID(fx.stamp.Image)
	short := filepath.Join(t.TempDir(), "short.car")
	if _, err := fx.store.ExportCARFile(ctx, short, []cid.Cid{mc, img}); err != nil {
		t.Fatal(err)
	}
	shortData, _ := os.ReadFile(short)

	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "not a complete, intact archive"},
		{"flipped byte in the zstd magic", flip(1), "not a complete, intact archive"},
		{"flipped byte in the middle", flip(len(good) / 2), "not a complete, intact archive"},
		{"flipped byte in the checksum", flip(len(good) - 2), "not a complete, intact archive"},
		{"cut in half", good[:len(good)/2], "not a complete, intact archive"},
		{"flipped byte in a plain block", func() []byte { b := bytes.Clone(plainData); b[len(b)-100] ^= 1; return b }(), "mismatch in content integrity"},
		{"missing block", missing, leaf.String()},
		{"not an archive", foreignData, "is not a reprovm archive manifest"},
		{"manifest names a non-root", shortData, "which is not a root of the archive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := filepath.Join(t.TempDir(), "bad.car.zst")
			if err := os.WriteFile(f, tt.data, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := ImportArchive(ctx, emptyStore(t), f)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "archive "+f+": ") {
				t.Errorf("ImportArchive: %v; want an error naming %s and saying %q", err, f, tt.want)
			}
			t.Log(err)
		})
	}
}

// TestArchiveEveryFlip flips one byte at a time at positions spread over a
// compressed archive: each import must fail, or, where the byte does not
// reach the content (a zstd window size that is merely larger), give
// exactly the archive that was exported. An archive never yields other
// blocks than the ones it was made of.
func TestArchiveEveryFlip(t *testing.T) {
	ctx := context.Background()
	fx := newArchiveFixture(t, false)
	p, a := fx.export(t, "a.car.zst")
	good, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	rejected := 0
	const n = 48
	for i := range n {
		at := i * (len(good) - 1) / (n - 1)
		b := bytes.Clone(good)
		b[at] ^= 0x01
		f := filepath.Join(t.TempDir(), "flip.car.zst")
		if err := os.WriteFile(f, b, 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := ImportArchive(ctx, emptyStore(t), f)
		if err != nil {
			rejected++
			continue
		}
		if got.ManifestCID != a.ManifestCID || got.Blocks != a.Blocks {
			t.Errorf("byte %d flipped: imported %d blocks under manifest %s, exported %d under %s", at, got.Blocks, got.ManifestCID, a.Blocks, a.ManifestCID)
		}
	}
	t.Logf("%d of %d flipped archives rejected, the others imported intact", rejected, n)
	if rejected < n-2 {
		t.Errorf("only %d of %d flipped archives were rejected", rejected, n)
	}
}

// withoutBlock rewrites a plain CAR without the first raw block of the
// DAG under below (which it must have), and returns the CAR and that
// block's CID.
func withoutBlock(t *testing.T, plain []byte, below cid.Cid) ([]byte, cid.Cid) {
	t.Helper()
	br, err := car.NewBlockReader(bytes.NewReader(plain))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	w, err := storage.NewWritable(struct{ io.Writer }{&out}, br.Roots, car.WriteAsCarV1(true))
	if err != nil {
		t.Fatal(err)
	}
	var skipped cid.Cid
	inDep := false
	for {
		b, err := br.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if b.Cid() == below {
			inDep = true
		}
		if inDep && !skipped.Defined() && b.Cid().Prefix().Codec == cid.Raw {
			skipped = b.Cid()
			continue
		}
		if err := w.Put(context.Background(), b.Cid().KeyString(), b.RawData()); err != nil {
			t.Fatal(err)
		}
	}
	if !skipped.Defined() {
		t.Fatal("no raw block below the dependency")
	}
	return out.Bytes(), skipped
}

// FuzzReadArchive builds archives from fuzz input (fuzzArchives.build):
// small CARs of a manifest made from the input and up to three tiny DAGs,
// compressed or not, some with a block left out or a first root that is
// not the manifest, and a few byte edits of the stream. ReadArchive must
// not panic, and whatever it accepts must be complete in the store; for
// an unedited, complete CAR it must succeed exactly when the manifest is
// valid, comes first and names only roots of the archive, and then return
// that manifest, its parts in order and the number of blocks written.
//
// Inputs are at most 26 bytes, not whole archive files: Go's minimizer
// runs on every new interesting input for up to a minute at a cost that
// grows with the square of its length, and with the exported archives (1
// to 1.4 KB) as seeds it took the whole run (5 executions in 10 s). The
// store is on tmpfs when there is one (each new manifest is a block
// written and synced), in a scratch directory that the next run removes
// if this one is killed, and starts again every 4096 executions.
func FuzzReadArchive(f *testing.F) {
	fa := newFuzzArchives(f)
	for _, seed := range fuzzArchiveSeeds(f) {
		f.Add(seed.in)
	}
	var s *ipfsfetch.Store
	execs := 0
	f.Fuzz(func(t *testing.T, data []byte) {
		if execs%4096 == 0 {
			s = fa.freshStore(t)
		}
		execs++
		ctx := context.Background()
		in := fa.build(t, data)
		a, err := ReadArchive(ctx, s, fa.reader(in.stream))
		if err == nil {
			for _, p := range a.Parts {
				if err := s.Complete(ctx, p.CID); err != nil {
					t.Errorf("read an archive whose %s is incomplete: %v", p.Role, err)
				}
			}
		}
		if !in.exact {
			return
		}
		want := in.wantErr()
		if (err != nil) != (want != "") {
			t.Fatalf("archive of roots %v, manifest %q: error %v, want %s", in.roots, in.manifest, err, cmp.Or(want, "none"))
		}
		if err != nil {
			return
		}
		m, _ := parseManifest(in.manifest)
		if a.ManifestCID != in.manifestCID || !reflect.DeepEqual(a.Manifest, *m) || a.Blocks != in.blocks {
			t.Fatalf("read manifest %s %+v and %d blocks, wrote %s %+v and %d", a.ManifestCID, a.Manifest, a.Blocks, in.manifestCID, *m, in.blocks)
		}
		roles := []string{"manifest", "image", "source"}
		for _, name := range slices.Sorted(maps.Keys(m.Deps)) {
			roles = append(roles, "dependency "+name)
		}
		if m.ReadySnapshot != nil {
			roles = append(roles, "ready snapshot")
		}
		var got []string
		for _, p := range a.Parts {
			got = append(got, p.Role)
		}
		if !slices.Equal(got, roles) {
			t.Fatalf("parts %q, want %q", got, roles)
		}
	})
}

// fuzzArchiveSeed is a FuzzReadArchive input and whether ReadArchive must
// accept it into an empty store.
type fuzzArchiveSeed struct {
	in []byte
	ok bool
}

// fuzzArchiveSeeds returns FuzzReadArchive's seeds: valid archives and
// archives with each defect fuzzArchive can make.
func fuzzArchiveSeeds(tb testing.TB) []fuzzArchiveSeed {
	var out []fuzzArchiveSeed
	seed := func(ok bool, op, image, source, deps, more byte, edits ...byte) {
		in := []byte{op, byte(len(edits) / 3), image | source<<3, deps, more}
		out = append(out, fuzzArchiveSeed{append(in, edits...), ok})
	}
	const (
		all                       = fuzzImageRoot | fuzzSourceRoot | fuzzDepRoot
		none, i, s, d, l, x, junk = 0, 1, 2, 3, 4, 5, 6
	)
	seed(true, all, i, s, d, 0)
	seed(true, all|fuzzZstd, i, s, d, 0)
	seed(true, all, i, s, d|d<<3|2<<6, 0)                   // two dependencies, a ready snapshot
	seed(true, fuzzImageRoot|fuzzSourceRoot, i, s, none, 0) // no dependency
	seed(true, all, i, i, none, fuzzNoArtifact)             // one root named twice
	seed(false, all, i, l, d, 0)                            // a block that is no root
	seed(false, all, i, s, x, 0)                            // a CID not in the archive
	seed(false, all, i, s, junk<<3, 0)                      // not a CID
	seed(false, fuzzImageRoot|fuzzSourceRoot, i, s, d, 0)   // no dependency root
	seed(false, all, none, s, d, 0)                         // no image
	seed(false, all, i, s, d, fuzzWrongFormat)
	seed(false, all, i, s, d, fuzzUnknownField)
	seed(false, all, i, s, d, fuzzTrailing)
	seed(false, all|fuzzSourceFirst, i, s, d, 0)
	seed(false, all|fuzzDropLeaf, i, s, d, 0)
	seed(false, all, i, s, d, 0, 0, 3, 0xff)                     // a root's CID damaged
	seed(false, all|fuzzZstd, i, s, d, 0, 0, 20, 0x55, 0, 40, 0) // the zstd frame damaged
	seed(false, 0, 0, 0, 0, 0)
	return out
}

// TestFuzzArchiveSeeds checks that FuzzReadArchive's seeds read, or fail
// to, as they are meant to, into an empty store each.
func TestFuzzArchiveSeeds(t *testing.T) {
	fa := newFuzzArchives(t)
	for i, seed := range fuzzArchiveSeeds(t) {
		in := fa.build(t, seed.in)
		_, err := ReadArchive(context.Background(), fa.freshStore(t), fa.reader(in.stream))
		if (err == nil) != seed.ok {
			t.Errorf("seed %d (%d bytes, an archive of %d): error %v", i, len(seed.in), len(in.stream), err)
		}
		if in.exact && (in.wantErr() == "") != seed.ok {
			t.Errorf("seed %d: wantErr says %q", i, in.wantErr())
		}
	}
}

// The bits of a FuzzReadArchive input's first byte.
const (
	fuzzZstd        = 1 << 0 // compress the CAR
	fuzzSourceFirst = 1 << 1 // the source's root, a directory, before the manifest's
	fuzzImageRoot   = 1 << 2 // the image DAG (one raw block) is a root
	fuzzSourceRoot  = 1 << 3 // the source DAG (a directory and a file)
	fuzzDepRoot     = 1 << 4 // the dependency DAG (two directories and a file)
	fuzzDropLeaf    = 1 << 5 // leave out the source's file block
)

// The bits of a FuzzReadArchive input's fifth byte, on the manifest.
const (
	fuzzWrongFormat  = 1 << 0 // format reprovm-archive-v2
	fuzzNoArtifact   = 1 << 1 // no artifact_sha256
	fuzzUnknownField = 1 << 2 // a field the format does not have
	fuzzTrailing     = 1 << 3 // a second JSON value after the object
)

// fuzzCIDs are the values a manifest's CID fields take, by three bits of
// the input: the archive's roots ($I, $S, $D), a block that is no root
// ($L), a CID not in the archive ($X), text that is not a CID, and two
// CIDs run together. 0 is an empty image or source, or no dependency or
// snapshot.
var fuzzCIDs = [8]string{"", "$I", "$S", "$D", "$L", "$X", "bafyjunk", "$I$S"}

// fuzzArchives holds FuzzReadArchive's DAGs and its stores' directory.
type fuzzArchives struct {
	dags  map[byte][]blocks.Block // by root bit, root first
	names *strings.Replacer       // fuzzCIDs' $I, $S, $D, $L and $X
	zstd  *zstd.Encoder
	br    *bufio.Reader
	dir   string
	n     int
}

func newFuzzArchives(f testing.TB) *fuzzArchives {
	ctx := context.Background()
	root := f.TempDir()
	for p, data := range map[string]string{"image": "not a kernel", "src/main.go": "package main\n", "dep/mod/a.txt": "dependency"} {
		p = filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			f.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			f.Fatal(err)
		}
	}
	store := emptyStore(f)
	fa := &fuzzArchives{dags: map[byte][]blocks.Block{}}
	var cids []string
	for _, d := range []struct {
		bit  byte
		name string
	}{{fuzzImageRoot, "image"}, {fuzzSourceRoot, "src"}, {fuzzDepRoot, "dep"}} {
		c, err := store.Import(ctx, filepath.Join(root, d.name), ipfsfetch.ImportOptions{})
		if err != nil {
			f.Fatal(err)
		}
		var buf bytes.Buffer
		if _, err := store.ExportCAR(ctx, &buf, []cid.Cid{c}); err != nil {
			f.Fatal(err)
		}
		br, err := car.NewBlockReader(&buf)
		if err != nil {
			f.Fatal(err)
		}
		for {
			b, err := br.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				f.Fatal(err)
			}
			fa.dags[d.bit] = append(fa.dags[d.bit], b)
		}
		cids = append(cids, c.String())
	}
	src := fa.dags[fuzzSourceRoot]
	if len(fa.dags[fuzzImageRoot]) != 1 || len(src) != 2 || src[1].Cid().Prefix().Codec != cid.Raw {
		f.Fatalf("fuzz DAGs of %d, %d and %d blocks", len(fa.dags[fuzzImageRoot]), len(src), len(fa.dags[fuzzDepRoot]))
	}
	absent, err := rawCID([]byte("in no archive"))
	if err != nil {
		f.Fatal(err)
	}
	fa.names = strings.NewReplacer("$I", cids[0], "$S", cids[1], "$D", cids[2], "$L", src[1].Cid().String(), "$X", absent.String())
	if fa.zstd, err = zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1)); err != nil {
		f.Fatal(err)
	}
	// Stale directories of killed fuzz workers go first.
	base := os.TempDir()
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		base = "/dev/shm"
	}
	if _, err := scratch.RemoveStale(base, "reprovm-fuzz-archive-"); err != nil {
		f.Fatal(err)
	}
	d, err := scratch.MkdirTemp(base, "reprovm-fuzz-archive-")
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { d.RemoveAll() })
	fa.dir = d.Path
	return fa
}

// reader returns a reader of stream: one buffer of the size
// ImportCARStream asks for, which it then uses as it is, rather than the
// 1 MiB it would allocate and clear for every input.
func (fa *fuzzArchives) reader(stream []byte) *bufio.Reader {
	if fa.br == nil {
		fa.br = bufio.NewReaderSize(nil, 1<<20)
	}
	fa.br.Reset(bytes.NewReader(stream))
	return fa.br
}

// freshStore removes the last store and opens an empty one.
func (fa *fuzzArchives) freshStore(t *testing.T) *ipfsfetch.Store {
	if fa.n > 0 {
		if err := os.RemoveAll(filepath.Join(fa.dir, fmt.Sprint(fa.n))); err != nil {
			t.Fatal(err)
		}
	}
	fa.n++
	s, err := ipfsfetch.OpenStore(filepath.Join(fa.dir, fmt.Sprint(fa.n)))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// fuzzArchive is one archive built from a fuzz input.
type fuzzArchive struct {
	stream      []byte
	manifest    []byte
	manifestCID cid.Cid
	roots       []cid.Cid
	blocks      int
	// exact is whether the outcome is known: no edits and no block left
	// out (the store may hold the block from an earlier input).
	exact bool
}

// build makes the archive of a fuzz input: a byte of fuzz* bits; a byte
// whose low three bits count the edits; three bytes that make the
// manifest: the image's and the source's CIDs (fuzzCIDs, bits 0-2 and
// 3-5), two dependencies' and the ready snapshot's (bits 0-2, 3-5 and,
// from $I on, 6-7), and fuzzWrongFormat and the like; then the edits
// (three bytes each: a big-endian offset into the stream, modulo its
// length, and the byte to store there). The input is at most 26 bytes and
// the manifest is made, not typed, so that Go's minimizer is quick and
// mutations rarely end at a JSON syntax error (FuzzParseManifest fuzzes
// the decoder).
func (fa *fuzzArchives) build(t *testing.T, data []byte) *fuzzArchive {
	var head [5]byte
	data = data[:min(len(data), len(head)+7*3)]
	data = data[copy(head[:], data):]
	op, m := head[0], head[2:]
	edits := data[:min(len(data), 3*int(head[1]&7))]
	in := &fuzzArchive{manifest: fa.manifest(m[0], m[1], m[2]), exact: len(edits) == 0 && op&fuzzDropLeaf == 0}
	var err error
	if in.manifestCID, err = rawCID(in.manifest); err != nil {
		t.Fatal(err)
	}
	mb, err := blocks.NewBlockWithCid(in.manifest, in.manifestCID)
	if err != nil {
		t.Fatal(err)
	}
	bs := []blocks.Block{mb}
	in.roots = []cid.Cid{in.manifestCID}
	for _, bit := range []byte{fuzzImageRoot, fuzzSourceRoot, fuzzDepRoot} {
		if op&bit == 0 {
			continue
		}
		dag := fa.dags[bit]
		if bit == fuzzSourceRoot && op&fuzzDropLeaf != 0 {
			dag = dag[:1]
		}
		bs = append(bs, dag...)
		in.roots = append(in.roots, dag[0].Cid())
	}
	if op&fuzzSourceFirst != 0 {
		src := fa.dags[fuzzSourceRoot][0].Cid()
		in.roots = append([]cid.Cid{src}, slices.DeleteFunc(in.roots, func(c cid.Cid) bool { return c == src })...)
	}
	in.blocks = len(bs)
	in.stream = carV1(in.roots, bs)
	if op&fuzzZstd != 0 {
		in.stream = fa.zstd.EncodeAll(in.stream, nil)
	}
	for ; len(edits) >= 3; edits = edits[3:] {
		in.stream[(int(edits[0])<<8|int(edits[1]))%len(in.stream)] = edits[2]
	}
	return in
}

// manifest makes the manifest of an input's three manifest bytes.
func (fa *fuzzArchives) manifest(cids, deps, more byte) []byte {
	str := func(s string) string {
		b, _ := json.Marshal(fa.names.Replace(s))
		return string(b)
	}
	var b strings.Builder
	format := ArchiveFormat
	if more&fuzzWrongFormat != 0 {
		format = "reprovm-archive-v2"
	}
	b.WriteString(`{"format":` + str(format))
	if more&fuzzNoArtifact == 0 {
		b.WriteString(`,"artifact_sha256":"00"`)
	}
	b.WriteString(`,"image":` + str(fuzzCIDs[cids&7]) + `,"source":` + str(fuzzCIDs[cids>>3&7]))
	var ds []string
	for i, name := range []string{"gomod", "npm"} {
		if c := fuzzCIDs[deps>>(3*i)&7]; c != "" {
			ds = append(ds, str(name)+":"+str(c))
		}
	}
	if len(ds) > 0 {
		b.WriteString(`,"deps":{` + strings.Join(ds, ",") + `}`)
	}
	if snap := deps >> 6; snap != 0 {
		b.WriteString(`,"ready_snapshot":{"cid":` + str(fuzzCIDs[snap]) + `,"key":"k"}`)
	}
	if more&fuzzUnknownField != 0 {
		b.WriteString(`,"extra":1`)
	}
	b.WriteString("}")
	if more&fuzzTrailing != 0 {
		b.WriteString(" {}")
	}
	return []byte(b.String())
}

// wantErr says why ReadArchive must refuse the archive, or "" if it must
// read it.
func (in *fuzzArchive) wantErr() string {
	m, err := parseManifest(in.manifest)
	if err != nil {
		return "a bad manifest"
	}
	if in.roots[0] != in.manifestCID {
		return "a first root that is not the manifest"
	}
	named := []string{m.Image, m.Source}
	for _, c := range m.Deps {
		named = append(named, c)
	}
	if m.ReadySnapshot != nil {
		named = append(named, m.ReadySnapshot.CID)
	}
	for _, s := range named {
		c, err := ipfsfetch.ParseCID(s)
		if err != nil || !slices.Contains(in.roots, c) {
			return fmt.Sprintf("a manifest naming %q, not a root", s)
		}
	}
	return ""
}

// rawCID is the CIDv1 of data as a raw block, as the manifest's.
func rawCID(data []byte) (cid.Cid, error) {
	return cid.Prefix{Version: 1, Codec: cid.Raw, MhType: mh.SHA2_256, MhLength: -1}.Sum(data)
}

// carV1 encodes a CARv1 stream: a DAG-CBOR header {roots, version: 1}
// and each block as a varint length, its CID and its bytes.
func carV1(roots []cid.Cid, bs []blocks.Block) []byte {
	var h []byte
	h = append(h, 0xa2, 0x65)
	h = append(h, "roots"...)
	h = append(h, 0x80|byte(len(roots))) // fewer than 24
	for _, c := range roots {
		b := c.Bytes()
		h = append(h, 0xd8, 0x2a, 0x58, byte(len(b)+1), 0x00) // tag 42, bytes: a 0x00 prefix and the CID
		h = append(h, b...)
	}
	h = append(h, 0x67)
	h = append(h, "version"...)
	h = append(h, 0x01)
	out := binary.AppendUvarint(nil, uint64(len(h)))
	out = append(out, h...)
	for _, b := range bs {
		c := b.Cid().Bytes()
		out = binary.AppendUvarint(out, uint64(len(c)+len(b.RawData())))
		out = append(out, c...)
		out = append(out, b.RawData()...)
	}
	return out
}

// FuzzParseManifest checks the manifest decoder alone, which
// FuzzReadArchive reaches only through a valid CAR: any bytes give an
// error or a manifest of the known format naming an image and a source.
func FuzzParseManifest(f *testing.F) {
	f.Add([]byte(`{"format":"reprovm-archive-v1","artifact_sha256":"00","image":"bafy","source":"bafy","deps":{"gomod":"bafy"},"ready_snapshot":{"cid":"bafy","key":"k"}}`))
	f.Add([]byte(`{"format":"reprovm-archive-v1","image":"a","source":"b"} {}`))
	f.Add([]byte(`{"format":"reprovm-archive-v2"}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := parseManifest(data)
		if err != nil {
			return
		}
		if m.Format != ArchiveFormat || m.Image == "" || m.Source == "" {
			t.Errorf("accepted %q as %+v", data, m)
		}
	})
}
