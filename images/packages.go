package images

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
)

// An IndexPackage is one stanza of a Packages index: the exact .deb and the
// relationship fields the resolver follows.
type IndexPackage struct {
	Package
	PreDepends, Depends string // as written in the index
	version             Version
	pre, deps           []Alternatives // PreDepends and Depends, parsed
	provides            []Relation
}

// An Index is a parsed Packages file for one architecture.
type Index struct {
	arch      string
	byName    map[string][]*IndexPackage // newest version first
	providers map[string][]provision     // by virtual package name
}

// A provision is one Provides entry: pkg provides a name, at Version
// when the entry is versioned ("foo (= 1.0)").
type provision struct {
	pkg     *IndexPackage
	version string
}

// ParsePackages parses a Packages index (deb822 stanzas, Debian's
// repository format) and keeps the packages built for arch or for "all".
//
// Every kept stanza must name the package, version, architecture, pool
// file, size and SHA-256, and its relationship fields must parse: a bad
// stanza is an error naming the package rather than a silent gap that
// would surface later as a confusing resolution failure.
func ParsePackages(data []byte, arch string) (*Index, error) {
	ix := &Index{arch: arch, byName: map[string][]*IndexPackage{}, providers: map[string][]provision{}}
	n := 0
	err := parseDeb822(data, func(s stanza) error {
		n++
		a := s.value("Architecture")
		if a != arch && a != "all" {
			return nil
		}
		p, err := indexPackage(s)
		if err != nil {
			return fmt.Errorf("stanza %d (%s): %w", n, s.value("Package"), err)
		}
		for _, q := range ix.byName[p.Name] {
			if q.Version == p.Version {
				return fmt.Errorf("stanza %d: package %s %s listed twice", n, p.Name, p.Version)
			}
		}
		ix.byName[p.Name] = append(ix.byName[p.Name], p)
		for _, r := range p.provides {
			ix.providers[r.Name] = append(ix.providers[r.Name], provision{p, r.Version})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("parsing Packages: %w", err)
	}
	for _, ps := range ix.byName {
		slices.SortFunc(ps, func(a, b *IndexPackage) int { return b.version.Compare(a.version) })
	}
	for _, ps := range ix.providers {
		slices.SortFunc(ps, func(a, b provision) int {
			return cmp.Or(cmp.Compare(a.pkg.Name, b.pkg.Name), b.pkg.version.Compare(a.pkg.version))
		})
	}
	return ix, nil
}

func indexPackage(s stanza) (*IndexPackage, error) {
	p := &IndexPackage{
		Package: Package{
			Name:    s.value("Package"),
			Version: s.value("Version"),
			Arch:    s.value("Architecture"),
			Pool:    s.value("Filename"),
			SHA256:  s.value("SHA256"),
		},
		PreDepends: s.value("Pre-Depends"),
		Depends:    s.value("Depends"),
	}
	if !validPackageName(p.Name) {
		return nil, fmt.Errorf("invalid package name %q", p.Name)
	}
	v, err := ParseVersion(p.Version)
	if err != nil {
		return nil, err
	}
	p.version = v
	size, err := strconv.ParseInt(s.value("Size"), 10, 64)
	if err != nil {
		return nil, fmt.Errorf("field Size: %w", err)
	}
	p.Size = size
	if err := p.validate(); err != nil {
		return nil, err
	}
	if p.pre, err = parseRelations(p.PreDepends); err != nil {
		return nil, fmt.Errorf("field Pre-Depends: %w", err)
	}
	if p.deps, err = parseRelations(p.Depends); err != nil {
		return nil, fmt.Errorf("field Depends: %w", err)
	}
	prov, err := parseRelations(s.value("Provides"))
	if err != nil {
		return nil, fmt.Errorf("field Provides: %w", err)
	}
	for _, alts := range prov {
		if len(alts) != 1 || alts[0].Op != "" && alts[0].Op != "=" {
			return nil, fmt.Errorf("field Provides: %q is not a name with an optional (= version)", alts)
		}
		p.provides = append(p.provides, alts[0])
	}
	return p, nil
}

// Lookup returns the package name at version, or nil.
func (ix *Index) Lookup(name, version string) *IndexPackage {
	for _, p := range ix.byName[name] {
		if p.Version == version {
			return p
		}
	}
	return nil
}

// Len returns the number of packages in the index.
func (ix *Index) Len() int {
	n := 0
	for _, ps := range ix.byName {
		n += len(ps)
	}
	return n
}
