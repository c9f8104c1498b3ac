package images

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// pkgStanza writes one Packages stanza with a made-up but well-formed
// pool path, size and hash.
func pkgStanza(name, version, arch string, fields ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Package: %s\nVersion: %s\nArchitecture: %s\n", name, version, arch)
	for _, f := range fields {
		b.WriteString(f + "\n")
	}
	fmt.Fprintf(&b, "Filename: pool/main/x/%s_%s_%s.deb\nSize: 100\nSHA256: %s\n\n",
		name, strings.ReplaceAll(version, ":", "%3a"), arch, strings.Repeat("ab", 32))
	return b.String()
}

// syntheticIndex is a small Packages index with the cases Resolve must
// handle: a virtual package, alternatives, versioned dependencies and
// Provides, an architecture qualifier, and two versions of one name.
var syntheticIndex = strings.Join([]string{
	pkgStanza("app", "1.0", "riscv64", "Pre-Depends: libc (>= 2)", "Depends: mta | mail-transport-agent, tool (>= 2), helper:any"),
	pkgStanza("libc", "2.41", "riscv64"),
	pkgStanza("libc", "1.0", "riscv64"),
	pkgStanza("postfix", "3", "riscv64", "Provides: mail-transport-agent", "Depends: libc"),
	pkgStanza("exim", "4", "riscv64", "Provides: mail-transport-agent"),
	pkgStanza("tool", "1", "riscv64"),
	pkgStanza("tool-ng", "5", "all", "Provides: tool (= 2.5)"),
	pkgStanza("helper", "1", "all"),
	pkgStanza("foreign", "1", "amd64"),
	pkgStanza("wantsforeign", "1", "riscv64", "Depends: libgcc:amd64"),
	pkgStanza("wantsold", "1", "riscv64", "Depends: libc (<< 2)"),
	pkgStanza("broken", "1", "riscv64", "Depends: libc, nothere (>= 1) | tool (>= 9)"),
}, "")

func mustIndex(t *testing.T) *Index {
	t.Helper()
	ix, err := ParsePackages([]byte(syntheticIndex), "riscv64")
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

func resolveNames(t *testing.T, ix *Index, roots string) (*Resolution, error) {
	t.Helper()
	rel, err := parseRelations(roots)
	if err != nil {
		t.Fatal(err)
	}
	return Resolve(ix, rel)
}

func TestResolve(t *testing.T) {
	ix := mustIndex(t)
	if ix.Lookup("foreign", "1") != nil {
		t.Error("an amd64 package is in a riscv64 index")
	}
	res, err := resolveNames(t, ix, "app")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range res.Packages {
		got = append(got, p.Name+"="+p.Version)
	}
	// mta is absent, so the virtual mail-transport-agent is taken from
	// its first provider by name (exim); tool 1 is too old, so the
	// versioned Provides of tool-ng counts; libc is the newest version.
	want := []string{"app=1.0", "exim=4", "helper=1", "libc=2.41", "tool-ng=5"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("packages = %v, want %v", got, want)
	}
	if n := res.Needs["app"]; !reflect.DeepEqual(n, []string{"exim", "helper", "libc", "tool-ng"}) {
		t.Errorf("app needs %v", n)
	}
}

// A package already selected satisfies a later alternative before the
// first alternative is installed.
func TestResolvePrefersSelected(t *testing.T) {
	res, err := resolveNames(t, mustIndex(t), "postfix, app")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range res.Packages {
		if p.Name == "exim" {
			t.Errorf("exim selected although postfix already provides mail-transport-agent")
		}
	}
	// A pinned root version is honoured.
	res, err = resolveNames(t, mustIndex(t), "libc (= 1.0)")
	if err != nil || len(res.Packages) != 1 || res.Packages[0].Version != "1.0" {
		t.Errorf("libc (= 1.0): %v, %v", res, err)
	}
}

func TestResolveErrors(t *testing.T) {
	for roots, want := range map[string]string{
		"missing":                     "the spec needs missing: no package missing in the index",
		"broken":                      "broken needs nothing (>= 1) | tool (>= 9): no package nothere in the index; the index has tool 1, tool-ng provides version 2.5",
		"wantsforeign":                "wantsforeign needs libgcc:amd64: libgcc:amd64 is for another architecture than riscv64",
		"app, wantsold":               "wantsold needs libc (<< 2), but libc 2.41 is already selected (needed by app)",
		"libc (>= 3)":                 "the index has libc 2.41, 1.0",
		"mail-transport-agent (>= 1)": "exim provides it",
	} {
		_, err := resolveNames(t, mustIndex(t), roots)
		if err == nil || !strings.Contains(err.Error(), strings.Replace(want, "nothing", "nothere", 1)) {
			t.Errorf("Resolve(%s) = %v, want an error containing %q", roots, err, want)
		}
	}
}

func TestParsePackagesErrors(t *testing.T) {
	for name, in := range map[string]string{
		"bad depends":  pkgStanza("aa", "1", "all", "Depends: bb (>> )"),
		"bad version":  pkgStanza("aa", "1.0-", "all"),
		"bad provides": pkgStanza("aa", "1", "all", "Provides: bb (>= 1)"),
		"duplicate":    pkgStanza("aa", "1", "all") + pkgStanza("aa", "1", "all"),
		"pool escape":  strings.Replace(pkgStanza("aa", "1", "all"), "pool/main/x/", "pool/../../etc/", 1),
		"no size":      strings.Replace(pkgStanza("aa", "1", "all"), "Size: 100\n", "", 1),
		"restriction":  pkgStanza("aa", "1", "all", "Depends: bb [amd64]"),
		"bad name":     pkgStanza("A", "1", "all"),
	} {
		if _, err := ParsePackages([]byte(in), "riscv64"); err == nil {
			t.Errorf("%s: ParsePackages accepted %q", name, in)
		}
	}
}

func TestParseRelations(t *testing.T) {
	got, err := parseRelations("aa (>= 1:2.0-1), bb:any | cc (<< 3),\n dd (> 1), ee:amd64 (= 2)")
	if err != nil {
		t.Fatal(err)
	}
	want := []Alternatives{
		{{Name: "aa", Op: ">=", Version: "1:2.0-1"}},
		{{Name: "bb", Arch: "any"}, {Name: "cc", Op: "<<", Version: "3"}},
		{{Name: "dd", Op: ">=", Version: "1"}},
		{{Name: "ee", Arch: "amd64", Op: "=", Version: "2"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	for _, bad := range []string{"aa (", "aa (>= )", "aa (~ 1)", "aa,,bb", "aa | ", "AA", "aa:", "aa (>= 1) x", "a"} {
		if r, err := parseRelations(bad); err == nil {
			t.Errorf("parseRelations(%q) = %v, want an error", bad, r)
		}
	}
}

func FuzzParseRelations(f *testing.F) {
	f.Add("aa (>= 1:2.0-1), bb:any | cc (<< 3)")
	f.Fuzz(func(t *testing.T, s string) {
		rels, err := parseRelations(s)
		if err != nil {
			return
		}
		for _, alts := range rels {
			again, err := parseRelations(alts.String())
			if err != nil || len(again) != 1 || !reflect.DeepEqual(again[0], alts) {
				t.Fatalf("%q -> %q -> %v, %v", s, alts.String(), again, err)
			}
		}
	})
}

// FuzzParsePackages feeds hostile indexes to the parser and resolver.
func FuzzParsePackages(f *testing.F) {
	f.Add([]byte(syntheticIndex), "app")
	f.Fuzz(func(t *testing.T, data []byte, root string) {
		ix, err := ParsePackages(data, "riscv64")
		if err != nil {
			return
		}
		rel, err := parseRelations(root)
		if err != nil {
			return
		}
		res, err := Resolve(ix, rel)
		if err != nil {
			return
		}
		for _, p := range res.Packages {
			if err := p.validate(); err != nil {
				t.Fatal(err)
			}
		}
	})
}
