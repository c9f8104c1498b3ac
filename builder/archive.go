package builder

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"

	"github.com/reprovm/reprovm/images"
	"github.com/reprovm/reprovm/ipfsfetch"
	"github.com/reprovm/reprovm/meta"
)

// An offline archive is one CAR file (zstd-compressed) that holds every
// block needed to verify a stamped artifact with no network: the image
// (kernel, firmware, initramfs, root filesystem and manifest, all under the
// image CID), the source, every dependency and, if the exporter's cache has
// one, the image's ready snapshot for the stamp's boot. Its first root is a
// small manifest block saying which root is what, so that an importer
// neither guesses nor trusts file names.
//
// The archive's bytes are a function of its contents: the roots are in a
// fixed order (manifest, image, source, dependencies by name, ready
// snapshot), each DAG's blocks are written once, depth-first in link order
// (ipfsfetch.ExportCAR), the manifest is JSON with a fixed field order, and
// zstd runs with fixed settings; nothing records a time, a host or a path.

// ArchiveFormat names the manifest format; a reader refuses any other.
const ArchiveFormat = "reprovm-archive-v1"

// maxManifestBlock bounds the manifest block an importer reads.
const maxManifestBlock = 64 << 10

// ArchiveManifest is the first root of an archive: which CID is which input
// of the build. CIDs are strings as in the stamp.
type ArchiveManifest struct {
	Format string `json:"format"`
	// Artifact is the sha256 of the file the archive was exported for. It
	// is informative: the archive serves every file whose stamp names the
	// same inputs.
	Artifact string            `json:"artifact_sha256"`
	Image    string            `json:"image"`
	Source   string            `json:"source"`
	Deps     map[string]string `json:"deps,omitempty"`
	// ReadySnapshot is the image's ready snapshot for the stamp's boot, if
	// the archive holds one.
	ReadySnapshot *ArchiveSnapshot `json:"ready_snapshot,omitempty"`
}

// ArchiveSnapshot names a ready snapshot in an archive.
type ArchiveSnapshot struct {
	CID string `json:"cid"`
	// Key is its ReadySnapshotKey: which boot it was taken of.
	Key string `json:"key"`
}

// ArchivePart is one root of an archive.
type ArchivePart struct {
	Role   string // "manifest", "image", "source", "dependency NAME", "ready snapshot"
	CID    cid.Cid
	Blocks int   // distinct blocks of its DAG
	Bytes  int64 // their total size
}

// Archive describes an archive that was written or read.
type Archive struct {
	Manifest    ArchiveManifest
	ManifestCID cid.Cid
	Parts       []ArchivePart
	Blocks      int   // distinct blocks in the CAR
	FileSize    int64 // bytes of the archive file (0 when read from a stream)
	// Notes are remarks for the user, such as a missing ready snapshot.
	Notes []string
}

// ArchiveSpec is one export.
type ArchiveSpec struct {
	// File is the stamped artifact whose inputs go into the archive.
	File []byte
	// Out is the archive to write: zstd-compressed if it ends in ".zst".
	Out string
	// Inputs is the store, and the gateways for what it lacks.
	Inputs Sources
	// Fetcher finds the image cache and built-in images; nil for a default
	// one.
	Fetcher *images.Fetcher
	// NoSnapshot leaves the image's ready snapshot out: a smaller archive
	// whose verification boots.
	NoSnapshot bool
	Progress   io.Writer
}

// ExportArchive writes the archive of spec.File's inputs to spec.Out,
// importing into the store whatever is only in the image cache (a built-in
// image, the ready snapshot). The file appears complete or not at all.
func ExportArchive(ctx context.Context, spec ArchiveSpec) (*Archive, error) {
	progress := archiveProgress(spec.Progress)
	pub, err := meta.ReadPublished(spec.File)
	if err != nil {
		return nil, fmt.Errorf("archive: %w", err)
	}
	st := pub.Stamp
	store := spec.Inputs.Store
	f := spec.Fetcher
	if f == nil {
		f = &images.Fetcher{Progress: spec.Progress}
	}
	sum := sha256.Sum256(spec.File)
	m := ArchiveManifest{Format: ArchiveFormat, Artifact: hex.EncodeToString(sum[:]), Image: st.Image, Source: st.Source.CID}

	imageCID, err := ipfsfetch.ParseCID(st.Image)
	if err != nil {
		return nil, fmt.Errorf("archive: the stamp's image: %w", err)
	}
	dir, c, err := ResolveImage(ctx, st.Image, spec.Inputs, f)
	if err != nil {
		return nil, fmt.Errorf("archive: %w", err)
	}
	if c != imageCID {
		return nil, fmt.Errorf("archive: image %s resolved to %s (%s)", imageCID, c, dir)
	}
	if store.Complete(ctx, c) != nil {
		progress("importing image %s from %s into the store %s", c, dir, store.Dir())
		got, err := store.Import(ctx, dir, ipfsfetch.ImportOptions{})
		if err != nil {
			return nil, fmt.Errorf("archive: image %s: %w", c, err)
		}
		if got != c {
			return nil, fmt.Errorf("archive: the image directory %s imports to %s, not %s: it was changed after it was built; delete it so that it is made again", dir, got, c)
		}
	}
	roots := []cid.Cid{imageCID}
	roles := []string{"image"}

	source, err := ipfsfetch.ParseCID(st.Source.CID)
	if err != nil {
		return nil, fmt.Errorf("archive: the stamp's source: %w", err)
	}
	if err := spec.Inputs.Obtain(ctx, "source", source); err != nil {
		return nil, fmt.Errorf("archive: %w", err)
	}
	roots, roles = append(roots, source), append(roles, "source")
	for _, name := range slices.Sorted(maps.Keys(st.Deps)) {
		d, err := ipfsfetch.ParseCID(st.Deps[name])
		if err != nil {
			return nil, fmt.Errorf("archive: the stamp's dependency %s: %w", name, err)
		}
		if err := spec.Inputs.Obtain(ctx, "dependency "+name, d); err != nil {
			return nil, fmt.Errorf("archive: %w", err)
		}
		roots, roles = append(roots, d), append(roles, "dependency "+name)
	}
	if len(st.Deps) > 0 {
		m.Deps = st.Deps
	}

	var notes []string
	if !spec.NoSnapshot {
		snap, err := readySnapshotOf(ctx, st, dir, imageCID, f, store, progress)
		if err != nil {
			return nil, fmt.Errorf("archive: %w", err)
		}
		if snap == nil {
			notes = append(notes, "the cache holds no ready snapshot for this build's boot, so the archive has none: a verification from it boots the image (build or verify once here to make the snapshot, then export again)")
		} else {
			m.ReadySnapshot = snap
			sc, _ := ipfsfetch.ParseCID(snap.CID)
			roots, roles = append(roots, sc), append(roles, "ready snapshot")
		}
	}

	mc, err := putManifest(ctx, store, &m)
	if err != nil {
		return nil, fmt.Errorf("archive: %w", err)
	}
	roots, roles = append([]cid.Cid{mc}, roots...), append([]string{"manifest"}, roles...)
	a := &Archive{Manifest: m, ManifestCID: mc, Notes: notes}
	if a.Parts, err = archiveParts(ctx, store, roots, roles); err != nil {
		return nil, fmt.Errorf("archive: %w", err)
	}
	progress("writing %s", spec.Out)
	if a.Blocks, err = store.ExportCARFile(ctx, spec.Out, uniqueCIDs(roots)); err != nil {
		return nil, fmt.Errorf("archive: %w", err)
	}
	fi, err := os.Stat(spec.Out)
	if err != nil {
		return nil, fmt.Errorf("archive: %w", err)
	}
	a.FileSize = fi.Size()
	return a, nil
}

// readySnapshotOf imports into the store the ready snapshot in f's cache
// for the stamp's boot (image, RAM size, kernel command line), and returns
// nil if there is none.
func readySnapshotOf(ctx context.Context, st *meta.Stamp, dir string, image cid.Cid, f *images.Fetcher, store *ipfsfetch.Store, progress func(string, ...any)) (*ArchiveSnapshot, error) {
	run := RunSpec{Image: dir, RAMSize: st.Machine.RAMSize, Bootargs: st.Machine.Bootargs}
	if err := run.SetReadySnapshot(f, image); err != nil {
		return nil, err
	}
	if !fileExists(run.ReadySnapshot) {
		return nil, nil
	}
	progress("importing the ready snapshot %s into the store", run.ReadySnapshot)
	c, err := store.Import(ctx, run.ReadySnapshot, ipfsfetch.ImportOptions{})
	if err != nil {
		return nil, fmt.Errorf("ready snapshot: %w", err)
	}
	if want, err := readCIDFile(run.ReadySnapshot + ".cid"); err == nil && want != c {
		return nil, fmt.Errorf("ready snapshot %s imports to %s, but %s.cid says %s: the file changed after it was saved; delete both so that the next build makes it again", run.ReadySnapshot, c, run.ReadySnapshot, want)
	}
	return &ArchiveSnapshot{CID: c.String(), Key: strings.TrimSuffix(filepath.Base(run.ReadySnapshot), ".snap")}, nil
}

// putManifest stores the manifest as a raw block and returns its CID.
func putManifest(ctx context.Context, store *ipfsfetch.Store, m *ArchiveManifest) (cid.Cid, error) {
	data, err := json.Marshal(m)
	if err != nil {
		return cid.Undef, fmt.Errorf("manifest: %w", err)
	}
	c, err := cid.Prefix{Version: 1, Codec: cid.Raw, MhType: mh.SHA2_256, MhLength: -1}.Sum(data)
	if err != nil {
		return cid.Undef, fmt.Errorf("manifest: %w", err)
	}
	b, err := blocks.NewBlockWithCid(data, c)
	if err != nil {
		return cid.Undef, fmt.Errorf("manifest: %w", err)
	}
	if err := store.Put(ctx, b); err != nil {
		return cid.Undef, fmt.Errorf("manifest: %w", err)
	}
	return c, nil
}

// archiveParts sizes each root's DAG.
func archiveParts(ctx context.Context, store *ipfsfetch.Store, roots []cid.Cid, roles []string) ([]ArchivePart, error) {
	parts := make([]ArchivePart, len(roots))
	for i, r := range roots {
		n, size, err := store.DAGSize(ctx, r)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", roles[i], err)
		}
		parts[i] = ArchivePart{Role: roles[i], CID: r, Blocks: n, Bytes: size}
	}
	return parts, nil
}

// uniqueCIDs drops repeated CIDs (two dependencies with the same tree),
// keeping the first of each.
func uniqueCIDs(cs []cid.Cid) []cid.Cid {
	var out []cid.Cid
	for _, c := range cs {
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// ImportArchive stores every block of the archive at path in store (each
// checked against its CID, as the store always does), checks that the DAG
// of every root is complete, and returns what the archive holds.
func ImportArchive(ctx context.Context, store *ipfsfetch.Store, path string) (*Archive, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("archive: %w", err)
	}
	defer f.Close()
	a, err := ReadArchive(ctx, store, f)
	if err != nil {
		return nil, fmt.Errorf("archive %s: %w", path, err)
	}
	if fi, err := f.Stat(); err == nil {
		a.FileSize = fi.Size()
	}
	return a, nil
}

// ReadArchive is ImportArchive for a stream. A stream that is not a
// reprovm archive (not a CAR, a CAR whose first root is not a manifest, a
// manifest naming a CID the archive lacks) is an error; blocks stored
// before the error are correct and stay stored.
func ReadArchive(ctx context.Context, store *ipfsfetch.Store, r io.Reader) (*Archive, error) {
	roots, n, err := store.ImportCARStream(ctx, r)
	if err != nil {
		return nil, fmt.Errorf("not a complete, intact archive (a block is missing, damaged or the file is cut short): %w", err)
	}
	mc := roots[0]
	if mc.Prefix().Codec != cid.Raw {
		return nil, fmt.Errorf("the first root %s is not a reprovm archive manifest (a CAR made by reprovm car export? import it with reprovm car import)", mc)
	}
	b, err := store.Get(ctx, mc)
	if err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	m, err := parseManifest(b.RawData())
	if err != nil {
		return nil, fmt.Errorf("manifest %s: %w", mc, err)
	}
	a := &Archive{Manifest: *m, ManifestCID: mc, Blocks: n}
	named := []string{m.Image, m.Source}
	roles := []string{"image", "source"}
	for _, name := range slices.Sorted(maps.Keys(m.Deps)) {
		named, roles = append(named, m.Deps[name]), append(roles, "dependency "+name)
	}
	if m.ReadySnapshot != nil {
		named, roles = append(named, m.ReadySnapshot.CID), append(roles, "ready snapshot")
	}
	cs := []cid.Cid{mc}
	for i, s := range named {
		c, err := ipfsfetch.ParseCID(s)
		if err != nil {
			return nil, fmt.Errorf("manifest %s: %s: %w", mc, roles[i], err)
		}
		if !slices.Contains(roots, c) {
			return nil, fmt.Errorf("manifest %s names %s %s, which is not a root of the archive", mc, roles[i], c)
		}
		cs = append(cs, c)
	}
	if a.Parts, err = archiveParts(ctx, store, cs, append([]string{"manifest"}, roles...)); err != nil {
		return nil, err
	}
	return a, nil
}

// parseManifest decodes a manifest block strictly: a known format, no
// unknown fields, nothing after the object, and the CIDs present.
func parseManifest(data []byte) (*ArchiveManifest, error) {
	if len(data) > maxManifestBlock {
		return nil, fmt.Errorf("%d bytes; a manifest is at most %d", len(data), maxManifestBlock)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var m ArchiveManifest
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("not a reprovm archive manifest: %w", err)
	}
	if dec.More() {
		return nil, errors.New("not a reprovm archive manifest: data after the JSON object")
	}
	if m.Format != ArchiveFormat {
		return nil, fmt.Errorf("format %q; this reprovm reads %q", m.Format, ArchiveFormat)
	}
	if m.Image == "" || m.Source == "" {
		return nil, errors.New("the manifest names no image or no source")
	}
	return &m, nil
}

// Covers reports an error unless the archive holds every input the stamp
// names.
func (a *Archive) Covers(st *meta.Stamp) error {
	m := a.Manifest
	var miss []string
	if st.Image != m.Image {
		miss = append(miss, fmt.Sprintf("the image %s (the archive has %s)", st.Image, m.Image))
	}
	if st.Source.CID != m.Source {
		miss = append(miss, fmt.Sprintf("the source %s (the archive has %s)", st.Source.CID, m.Source))
	}
	for _, name := range slices.Sorted(maps.Keys(st.Deps)) {
		if m.Deps[name] != st.Deps[name] {
			miss = append(miss, fmt.Sprintf("the dependency %s %s", name, st.Deps[name]))
		}
	}
	if len(miss) > 0 {
		return fmt.Errorf("the archive was made for other inputs: it lacks %s (export an archive for this file with reprovm archive export)", strings.Join(miss, ", "))
	}
	return nil
}

// archiveProgress returns a printf for "reprovm: " lines on w (nil: none).
func archiveProgress(w io.Writer) func(string, ...any) {
	return func(format string, args ...any) {
		if w != nil {
			fmt.Fprintf(w, "reprovm: "+format+"\n", args...)
		}
	}
}
