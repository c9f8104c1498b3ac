package images

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"
)

// LockVersion is the format version of a lock file; it changes when the
// meaning of a field changes.
const LockVersion = 1

// A Lock pins an image exactly: every package by version, pool path, size
// and SHA-256, the release and index they were checked against, and the
// spec's kernel and environment. An image is a function of its lock alone;
// building one needs no index and no signature.
//
// Its JSON form (Marshal) is indented, with packages sorted by name and
// object keys in a fixed order, so a lock diffs cleanly and the same spec
// and archive state give the same bytes.
type Lock struct {
	Version int    `json:"lock_version"`
	Suite   string `json:"suite"`
	Arch    string `json:"arch"`
	// Release is the InRelease file the packages were verified against.
	Release LockRelease `json:"release"`
	// Index is the Packages file the packages were taken from.
	Index LockIndex `json:"index"`
	// Roots are the spec's package entries, in spec order.
	Roots []string `json:"roots"`
	// Env holds the spec's environment defaults; JSON sorts its keys.
	Env map[string]string `json:"env"`
	// Warmup is the spec's warm-up command, if any.
	Warmup *Warmup `json:"warmup,omitempty"`
	// Kernel is the kernel package. Its own dependencies (kmod,
	// initramfs-tools, ...) serve an installed system's boot, not a build
	// image, and are not followed.
	Kernel LockedPackage `json:"kernel"`
	// Packages is the dependency closure of Roots, sorted by name.
	Packages []LockedPackage `json:"packages"`
}

// LockRelease identifies an InRelease file.
type LockRelease struct {
	Path     string `json:"path"` // such as "dists/trixie/InRelease"
	Date     string `json:"date"`
	SHA256   string `json:"sha256"`
	Size     int64  `json:"size"`
	SignedBy string `json:"signed_by"` // fingerprint of the verified signature's key
}

// LockIndex identifies a Packages index file.
type LockIndex struct {
	Path   string `json:"path"` // such as "dists/trixie/main/binary-riscv64/Packages.xz"
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// A LockedPackage is one .deb with the relationship fields that selected
// its dependencies and the names chosen for them.
type LockedPackage struct {
	Name         string   `json:"name"`
	Version      string   `json:"version"`
	Architecture string   `json:"architecture"`
	Pool         string   `json:"pool"`
	Size         int64    `json:"size"`
	SHA256       string   `json:"sha256"`
	PreDepends   string   `json:"pre_depends,omitempty"`
	Depends      string   `json:"depends,omitempty"`
	Needs        []string `json:"needs,omitempty"`
}

// Package returns the .deb that p pins, for Fetcher.Fetch.
func (p LockedPackage) Package() Package {
	return Package{Name: p.Name, Version: p.Version, Arch: p.Architecture, Pool: p.Pool, Size: p.Size, SHA256: p.SHA256}
}

func lockedPackage(p *IndexPackage, needs []string) LockedPackage {
	return LockedPackage{
		Name: p.Name, Version: p.Version, Architecture: p.Arch, Pool: p.Pool, Size: p.Size, SHA256: p.SHA256,
		PreDepends: strings.ReplaceAll(p.PreDepends, "\n", " "),
		Depends:    strings.ReplaceAll(p.Depends, "\n", " "),
		Needs:      needs,
	}
}

// NewLock resolves spec against a verified index.
func NewLock(spec *Spec, si *SignedIndex, suiteDir string) (*Lock, error) {
	roots, err := spec.roots()
	if err != nil {
		return nil, err
	}
	res, err := Resolve(si.Index, roots)
	if err != nil {
		return nil, err
	}
	kernels := si.Index.byName[spec.Kernel]
	if len(kernels) == 0 {
		return nil, fmt.Errorf("kernel %s: no such package in %s%s", spec.Kernel, suiteDir, si.Path)
	}
	l := &Lock{
		Version: LockVersion,
		Suite:   spec.Suite,
		Arch:    spec.Arch,
		Release: LockRelease{
			Path: suiteDir + "InRelease", Date: si.Release.Date,
			SHA256: si.InRelease.SHA256, Size: si.InRelease.Size, SignedBy: si.Release.SignedBy,
		},
		Index:  LockIndex{Path: suiteDir + si.Path, SHA256: si.File.SHA256, Size: si.File.Size},
		Roots:  append([]string(nil), spec.Packages...),
		Env:    spec.Env,
		Warmup: spec.Warmup,
		Kernel: lockedPackage(kernels[0], nil),
	}
	l.Kernel.PreDepends, l.Kernel.Depends = "", ""
	if l.Env == nil {
		l.Env = map[string]string{}
	}
	for _, p := range res.Packages {
		l.Packages = append(l.Packages, lockedPackage(p, res.Needs[p.Name]))
	}
	return l, nil
}

// Marshal encodes l as indented JSON ending in a newline. Characters such
// as '>' in version constraints are written as themselves, not as \u003e
// escapes, so the lock reads like the index it came from.
func (l *Lock) Marshal() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(l); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// ParseLock decodes and checks a lock file; name is for error messages.
// Unknown fields are errors, and so is every package that Fetch would
// refuse, so a hand-edited lock fails here rather than halfway through a
// build.
func ParseLock(name string, data []byte) (*Lock, error) {
	var l Lock
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&l); err != nil {
		return nil, fmt.Errorf("lock %s: %w", name, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("lock %s: data after the JSON object", name)
	}
	if l.Version != LockVersion {
		return nil, fmt.Errorf("lock %s: expected lock_version %d, got %d", name, LockVersion, l.Version)
	}
	if len(l.Packages) == 0 {
		return nil, fmt.Errorf("lock %s: no packages", name)
	}
	if err := l.Warmup.check(); err != nil {
		return nil, fmt.Errorf("lock %s: %w", name, err)
	}
	for i, p := range append([]LockedPackage{l.Kernel}, l.Packages...) {
		if err := p.Package().validate(); err != nil {
			return nil, fmt.Errorf("lock %s: %w", name, err)
		}
		if i > 1 && p.Name <= l.Packages[i-2].Name {
			return nil, fmt.Errorf("lock %s: packages not sorted by name or repeated at %s", name, p.Name)
		}
	}
	return &l, nil
}

// Debs returns the kernel and every package, for fetching.
func (l *Lock) Debs() []Package {
	out := []Package{l.Kernel.Package()}
	for _, p := range l.Packages {
		out = append(out, p.Package())
	}
	return out
}

// CheckIndex reports the first locked package that ix does not hold with
// exactly the same version, architecture, pool path, size and SHA-256.
func (l *Lock) CheckIndex(name string, ix *Index) error {
	for _, p := range append([]LockedPackage{l.Kernel}, l.Packages...) {
		q := ix.Lookup(p.Name, p.Version)
		if q == nil {
			var have []string
			for _, o := range ix.byName[p.Name] {
				have = append(have, o.Version)
			}
			got := "no such package"
			if len(have) > 0 {
				got = "versions " + strings.Join(have, ", ")
			}
			return fmt.Errorf("lock %s: expected %s %s in the index, got %s", name, p.Name, p.Version, got)
		}
		want, got := p.Package(), q.Package
		for _, f := range []struct{ field, want, got string }{
			{"architecture", want.Arch, got.Arch},
			{"pool path", want.Pool, got.Pool},
			{"size", fmt.Sprint(want.Size), fmt.Sprint(got.Size)},
			{"sha256", want.SHA256, got.SHA256},
		} {
			if f.want != f.got {
				return fmt.Errorf("lock %s: %s: expected %s %s, index has %s", name, want, f.field, f.want, f.got)
			}
		}
	}
	return nil
}

// LockSpec reads the spec at specPath, verifies the archive's current
// index and writes the lock to LockPath(specPath) (through a temporary
// file and a rename). It returns the lock file's name and the lock.
func (f *Fetcher) LockSpec(ctx context.Context, specPath string, now time.Time) (string, *Lock, error) {
	data, err := os.ReadFile(specPath)
	if err != nil {
		return "", nil, fmt.Errorf("lock: %w", err)
	}
	spec, err := ParseSpec(specPath, data)
	if err != nil {
		return "", nil, err
	}
	si, err := f.SignedIndex(ctx, spec.Suite, spec.Arch, now)
	if err != nil {
		return "", nil, fmt.Errorf("lock %s: %w", specPath, err)
	}
	l, err := NewLock(spec, si, "dists/"+spec.Suite+"/")
	if err != nil {
		return "", nil, fmt.Errorf("lock %s: %w", specPath, err)
	}
	out, err := l.Marshal()
	if err != nil {
		return "", nil, fmt.Errorf("lock %s: %w", specPath, err)
	}
	lockPath := LockPath(specPath)
	if err := writeFileAtomic(lockPath, out); err != nil {
		return "", nil, fmt.Errorf("lock %s: %w", specPath, err)
	}
	return lockPath, l, nil
}

// LockPath names the lock file of a spec: the spec's name without a
// ".toml" suffix, plus ".lock.json" (specs/go.toml -> specs/go.lock.json).
func LockPath(specPath string) string {
	return strings.TrimSuffix(specPath, ".toml") + ".lock.json"
}
