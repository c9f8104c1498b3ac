package images

import (
	"fmt"
	"slices"
	"strings"
)

// A Resolution is the dependency closure of some root relations: every
// package selected, with the packages it needs.
type Resolution struct {
	Packages []*IndexPackage     // sorted by name
	Needs    map[string][]string // package name -> names chosen for its Pre-Depends and Depends, sorted
}

// Resolve computes the closure of roots over Pre-Depends and Depends in ix.
//
// The walk is breadth-first from the roots, in their order, and through
// each package's Pre-Depends and then Depends, in file order, so the result
// is a pure function of the roots and the index. For each entry
// ("a (>= 1) | b"):
//
//   - if a package already selected satisfies any alternative, it is used;
//   - otherwise the first alternative that some package satisfies is taken:
//     the newest real package of that name whose version meets the
//     constraint, or else a package that Provides the name (with a
//     matching version if the relation has a constraint; the first by
//     name); this is apt's "first satisfiable alternative" rule without
//     apt's scoring;
//   - if nothing satisfies the entry, Resolve fails naming the entry and
//     the chain of packages that led to it.
//
// Only one version of a name can be selected; a later relation that the
// selected version does not meet is an error (no backtracking). Conflicts,
// Breaks and Recommends are not considered: an image is unpacked, not
// installed with dpkg, and holds exactly what its spec asks for.
func Resolve(ix *Index, roots []Alternatives) (*Resolution, error) {
	r := &resolver{ix: ix, selected: map[string]*IndexPackage{}, parent: map[string]string{},
		needs: map[string][]string{}}
	for _, alts := range roots {
		if _, err := r.satisfy("", alts); err != nil {
			return nil, err
		}
	}
	for len(r.queue) > 0 {
		p := r.queue[0]
		r.queue = r.queue[1:]
		for _, alts := range slices.Concat(p.pre, p.deps) {
			got, err := r.satisfy(p.Name, alts)
			if err != nil {
				return nil, err
			}
			if !slices.Contains(r.needs[p.Name], got.Name) {
				r.needs[p.Name] = append(r.needs[p.Name], got.Name)
			}
		}
	}
	res := &Resolution{Needs: r.needs}
	for _, p := range r.selected {
		res.Packages = append(res.Packages, p)
	}
	slices.SortFunc(res.Packages, func(a, b *IndexPackage) int { return strings.Compare(a.Name, b.Name) })
	for _, n := range res.Needs {
		slices.Sort(n)
	}
	return res, nil
}

type resolver struct {
	ix       *Index
	selected map[string]*IndexPackage // by name
	parent   map[string]string        // who first needed a package; "" for roots
	needs    map[string][]string
	queue    []*IndexPackage
}

// satisfy selects a package for one entry needed by from ("" for a root)
// and returns it.
func (r *resolver) satisfy(from string, alts Alternatives) (*IndexPackage, error) {
	for _, rel := range alts {
		if p := r.selectedFor(rel); p != nil {
			return p, nil
		}
	}
	for _, rel := range alts {
		p := r.candidate(rel)
		if p == nil {
			continue
		}
		if q := r.selected[p.Name]; q != nil {
			return nil, fmt.Errorf("resolve: %s needs %s, but %s %s is already selected (needed by %s)",
				r.chain(from), rel, q.Name, q.Version, r.chain(r.parent[q.Name]))
		}
		r.selected[p.Name] = p
		r.parent[p.Name] = from
		r.queue = append(r.queue, p)
		return p, nil
	}
	return nil, fmt.Errorf("resolve: %s needs %s: %s", r.chain(from), alts, r.why(alts))
}

// selectedFor returns an already selected package that satisfies rel.
func (r *resolver) selectedFor(rel Relation) *IndexPackage {
	if !rel.archMatches(r.ix.arch) {
		return nil
	}
	if p := r.selected[rel.Name]; p != nil && rel.satisfiedBy(p.version) {
		return p
	}
	for _, pv := range r.ix.providers[rel.Name] {
		if r.selected[pv.pkg.Name] == pv.pkg && provisionMeets(pv, rel) {
			return pv.pkg
		}
	}
	return nil
}

// candidate returns the package the index offers for rel, or nil.
func (r *resolver) candidate(rel Relation) *IndexPackage {
	if !rel.archMatches(r.ix.arch) {
		return nil
	}
	for _, p := range r.ix.byName[rel.Name] {
		if rel.satisfiedBy(p.version) {
			return p
		}
	}
	for _, pv := range r.ix.providers[rel.Name] {
		if provisionMeets(pv, rel) {
			return pv.pkg
		}
	}
	return nil
}

// provisionMeets reports whether a Provides entry satisfies rel: an
// unversioned one only satisfies unversioned relations (Policy §7.5).
func provisionMeets(pv provision, rel Relation) bool {
	if rel.Op == "" {
		return true
	}
	if pv.version == "" {
		return false
	}
	v, err := ParseVersion(pv.version)
	return err == nil && rel.satisfiedBy(v)
}

// why explains, for an error, what the index has for each alternative.
func (r *resolver) why(alts Alternatives) string {
	var parts []string
	for _, rel := range alts {
		if !rel.archMatches(r.ix.arch) {
			parts = append(parts, rel.String()+" is for another architecture than "+r.ix.arch)
			continue
		}
		var have []string
		for _, p := range r.ix.byName[rel.Name] {
			have = append(have, p.Version)
		}
		for _, pv := range r.ix.providers[rel.Name] {
			s := pv.pkg.Name + " provides it"
			if pv.version != "" {
				s = pv.pkg.Name + " provides version " + pv.version
			}
			have = append(have, s)
		}
		if len(have) == 0 {
			parts = append(parts, "no package "+rel.Name+" in the index")
		} else {
			parts = append(parts, "the index has "+rel.Name+" "+strings.Join(have, ", "))
		}
	}
	return strings.Join(parts, "; ")
}

// chain names a package and the packages that led to it, root first.
func (r *resolver) chain(name string) string {
	if name == "" {
		return "the spec"
	}
	path := []string{name}
	for p := r.parent[name]; p != "" && len(path) < 64; p = r.parent[p] {
		path = append(path, p)
	}
	slices.Reverse(path)
	return strings.Join(path, " -> ")
}
