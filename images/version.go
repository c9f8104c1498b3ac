package images

import (
	"fmt"
	"strings"
)

// A Version is a Debian package version, [epoch:]upstream[-revision], as
// Debian Policy §5.6.12 defines it.
type Version struct {
	Epoch    string // decimal digits; "" means 0
	Upstream string
	Revision string // "" when the version has no hyphen
}

// ParseVersion splits s into epoch, upstream version and revision.
//
// The epoch is the part before the first colon and must be decimal digits.
// The revision is the part after the last hyphen. The upstream version may
// hold alphanumerics and . + ~ and, when there is a revision, hyphens; the
// revision may hold alphanumerics and + . ~. Policy asks for the upstream
// version to start with a digit; dpkg only warns about that, and so this
// accepts it.
func ParseVersion(s string) (Version, error) {
	var v Version
	rest := s
	if i := strings.IndexByte(rest, ':'); i >= 0 {
		v.Epoch, rest = rest[:i], rest[i+1:]
		if v.Epoch == "" || strings.Trim(v.Epoch, "0123456789") != "" {
			return Version{}, fmt.Errorf("version %q: epoch %q is not a decimal number", s, v.Epoch)
		}
	}
	if i := strings.LastIndexByte(rest, '-'); i >= 0 {
		v.Revision = rest[i+1:]
		rest = rest[:i]
		if v.Revision == "" || !versionChars(v.Revision, "+.~") {
			return Version{}, fmt.Errorf("version %q: invalid revision %q", s, v.Revision)
		}
	}
	v.Upstream = rest
	if rest == "" || !versionChars(rest, "+.~-") {
		return Version{}, fmt.Errorf("version %q: invalid upstream version %q", s, rest)
	}
	return v, nil
}

func versionChars(s, extra string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isDigit(c) && !isLetter(c) && strings.IndexByte(extra, c) < 0 {
			return false
		}
	}
	return true
}

func (v Version) String() string {
	s := v.Upstream
	if v.Epoch != "" {
		s = v.Epoch + ":" + s
	}
	if v.Revision != "" {
		s += "-" + v.Revision
	}
	return s
}

// Compare orders a and b as dpkg does: by epoch numerically, then by the
// upstream version, then by the revision, both with the algorithm of
// Policy §5.6.12 (compareFragment). It returns -1, 0 or +1.
func (a Version) Compare(b Version) int {
	if c := compareNumber(a.Epoch, b.Epoch); c != 0 {
		return c
	}
	if c := compareFragment(a.Upstream, b.Upstream); c != 0 {
		return c
	}
	return compareFragment(a.Revision, b.Revision)
}

// CompareVersions parses and compares two version strings.
func CompareVersions(a, b string) (int, error) {
	va, err := ParseVersion(a)
	if err != nil {
		return 0, err
	}
	vb, err := ParseVersion(b)
	if err != nil {
		return 0, err
	}
	return va.Compare(vb), nil
}

// compareFragment compares two upstream versions or revisions per Policy
// §5.6.12: the strings are compared as alternating runs of non-digits and
// digits, starting with non-digits. Non-digit runs compare character by
// character, where '~' sorts before everything, even the end of the run,
// letters sort before all other characters, and the rest sort by ASCII.
// Digit runs compare numerically, an empty run counting as 0.
func compareFragment(a, b string) int {
	for a != "" || b != "" {
		var an, bn string
		an, a = span(a, false)
		bn, b = span(b, false)
		if c := compareNonDigits(an, bn); c != 0 {
			return c
		}
		an, a = span(a, true)
		bn, b = span(b, true)
		if c := compareNumber(an, bn); c != 0 {
			return c
		}
	}
	return 0
}

// span splits s after its leading run of digits (digits true) or of
// non-digits.
func span(s string, digits bool) (run, rest string) {
	i := 0
	for i < len(s) && isDigit(s[i]) == digits {
		i++
	}
	return s[:i], s[i:]
}

func compareNonDigits(a, b string) int {
	for i := 0; i < len(a) || i < len(b); i++ {
		var ca, cb int
		if i < len(a) {
			ca = order(a[i])
		}
		if i < len(b) {
			cb = order(b[i])
		}
		if ca != cb {
			if ca < cb {
				return -1
			}
			return 1
		}
	}
	return 0
}

// order weights a non-digit character for compareNonDigits; the end of a
// run weighs 0.
func order(c byte) int {
	switch {
	case c == '~':
		return -1
	case isLetter(c):
		return int(c)
	default:
		return int(c) + 256
	}
}

// compareNumber compares two runs of decimal digits of any length without
// converting them, so that no version overflows an integer.
func compareNumber(a, b string) int {
	a = strings.TrimLeft(a, "0")
	b = strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}

func isDigit(c byte) bool  { return '0' <= c && c <= '9' }
func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
