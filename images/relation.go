package images

import (
	"fmt"
	"strings"
)

// A Relation is one package named in a Depends, Pre-Depends or Provides
// field, with an optional version constraint (Debian Policy §7.1).
type Relation struct {
	Name    string
	Arch    string // architecture qualifier ("libgcc-s1:amd64"); "" when none
	Op      string // "", "<<", "<=", "=", ">=" or ">>"
	Version string // "" when Op is ""
}

func (r Relation) String() string {
	s := r.Name
	if r.Arch != "" {
		s += ":" + r.Arch
	}
	if r.Op == "" {
		return s
	}
	return s + " (" + r.Op + " " + r.Version + ")"
}

// Alternatives is one comma-separated entry of a relationship field: a
// list of relations separated by "|", any one of which satisfies it.
type Alternatives []Relation

func (a Alternatives) String() string {
	s := make([]string, len(a))
	for i, r := range a {
		s[i] = r.String()
	}
	return strings.Join(s, " | ")
}

// parseRelations parses a binary package relationship field such as
// "libc6 (>= 2.34), debconf (>= 0.5) | debconf-2.0".
//
// An architecture qualifier ("libgcc-s1:amd64", "python3:any") is kept in
// Relation.Arch; the resolver decides what it matches. Architecture
// restrictions ("[...]") and build profiles ("<...>") belong to source
// packages; they make the name or the constraint invalid here. The
// deprecated operators "<" and ">" mean "<=" and ">=", as in dpkg.
func parseRelations(s string) ([]Alternatives, error) {
	var out []Alternatives
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	for entry := range strings.SplitSeq(s, ",") {
		var alts Alternatives
		for one := range strings.SplitSeq(entry, "|") {
			r, err := parseRelation(one)
			if err != nil {
				return nil, fmt.Errorf("relation %q: %w", strings.TrimSpace(entry), err)
			}
			alts = append(alts, r)
		}
		out = append(out, alts)
	}
	return out, nil
}

func parseRelation(s string) (Relation, error) {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\n", " "))
	var r Relation
	name, constraint, hasConstraint := strings.Cut(s, "(")
	name = strings.TrimSpace(name)
	if n, a, ok := strings.Cut(name, ":"); ok {
		if !validArch(a) {
			return Relation{}, fmt.Errorf("invalid architecture qualifier %q", name)
		}
		name, r.Arch = n, a
	}
	if !validPackageName(name) {
		return Relation{}, fmt.Errorf("invalid package name %q", name)
	}
	r.Name = name
	if !hasConstraint {
		return r, nil
	}
	constraint, ok := strings.CutSuffix(strings.TrimSpace(constraint), ")")
	if !ok {
		return Relation{}, fmt.Errorf("version constraint without a closing parenthesis")
	}
	constraint = strings.TrimSpace(constraint)
	for _, op := range []string{"<<", "<=", ">=", ">>", "=", "<", ">"} {
		if v, ok := strings.CutPrefix(constraint, op); ok {
			r.Op, r.Version = op, strings.TrimSpace(v)
			break
		}
	}
	switch r.Op {
	case "":
		return Relation{}, fmt.Errorf("version constraint %q has no operator", constraint)
	case "<":
		r.Op = "<="
	case ">":
		r.Op = ">="
	}
	if _, err := ParseVersion(r.Version); err != nil {
		return Relation{}, err
	}
	return r, nil
}

// validPackageName reports whether s is a package name as Policy §5.6.1
// allows: lower-case letters, digits, '+', '-' and '.', at least two
// characters, starting with a letter or digit.
func validPackageName(s string) bool {
	if len(s) < 2 || !isDigit(s[0]) && !('a' <= s[0] && s[0] <= 'z') {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isDigit(c) && !('a' <= c && c <= 'z') && c != '+' && c != '-' && c != '.' {
			return false
		}
	}
	return true
}

// validArch reports whether s looks like a Debian architecture name or
// one of the qualifiers "any" and "native": lower-case letters, digits
// and '-'.
func validArch(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isDigit(c) && !('a' <= c && c <= 'z') && c != '-' {
			return false
		}
	}
	return true
}

// archMatches reports whether r's qualifier can be met on an image of
// architecture arch: an image holds one architecture (plus "all"), so
// "any", "native" and arch itself can, and a foreign architecture cannot.
func (r Relation) archMatches(arch string) bool {
	return r.Arch == "" || r.Arch == "any" || r.Arch == "native" || r.Arch == arch
}

// satisfiedBy reports whether version v meets r's constraint. v must parse.
func (r Relation) satisfiedBy(v Version) bool {
	if r.Op == "" {
		return true
	}
	want, err := ParseVersion(r.Version)
	if err != nil {
		return false
	}
	c := v.Compare(want)
	switch r.Op {
	case "<<":
		return c < 0
	case "<=":
		return c <= 0
	case "=":
		return c == 0
	case ">=":
		return c >= 0
	case ">>":
		return c > 0
	}
	return false
}
