package builder

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipfs/go-cid"
	car "github.com/ipld/go-car/v2"
	"github.com/ipld/go-car/v2/storage"

	"github.com/reprovm/reprovm/images"
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

// FuzzReadArchive feeds arbitrary bytes to the archive reader: it must
// return an error or a manifest whose every part is complete in the store,
// and never panic.
func FuzzReadArchive(f *testing.F) {
	fx := newArchiveFixture(f, false)
	for _, name := range []string{"a.car.zst", "a.car"} {
		p, _ := fx.export(f, name)
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte{0x28, 0xb5, 0x2f, 0xfd})
	f.Add([]byte{})
	// One store for all inputs: whatever an input stores has been checked
	// against its CID, and the blocks of earlier inputs cannot make a
	// later one wrongly succeed (the check is completeness, and stored
	// blocks are correct whichever input brought them). It saves a
	// directory and an fsync per block per input.
	s := emptyStore(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx := context.Background()
		a, err := ReadArchive(ctx, s, bufio.NewReader(bytes.NewReader(data)))
		if err != nil {
			return
		}
		for _, p := range a.Parts {
			if err := s.Complete(ctx, p.CID); err != nil {
				t.Errorf("read an archive whose %s is incomplete: %v", p.Role, err)
			}
		}
	})
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
