package images

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

func TestParseDeb822(t *testing.T) {
	in := "Package: a\nDepends: b,\n c (>= 1)\n\n\n# comment\npackage: d\nDescription: x\n .\n y\n \t\nZ: 1"
	var got []stanza
	err := parseDeb822([]byte(in), func(s stanza) error { got = append(got, s); return nil })
	if err != nil {
		t.Fatal(err)
	}
	want := []stanza{
		{{"Package", "a"}, {"Depends", "b,\nc (>= 1)"}},
		{{"package", "d"}, {"Description", "x\n.\ny"}},
		{{"Z", "1"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	if v := got[1].value("PACKAGE"); v != "d" {
		t.Errorf("case-insensitive lookup: got %q", v)
	}
}

func TestParseDeb822Errors(t *testing.T) {
	for in, want := range map[string]string{
		" leading continuation": "line 1: continuation line outside a field",
		"A: 1\nno colon here":   "line 2: expected",
		"A: 1\na: 2":            "line 2: field a repeated",
		"-A: 1":                 "invalid field name",
		": 1":                   "expected",
		"A b: 1":                "invalid field name",
	} {
		err := parseDeb822([]byte(in), func(stanza) error { return nil })
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("parseDeb822(%q) = %v, want an error containing %q", in, err, want)
		}
	}
}

func FuzzParseDeb822(f *testing.F) {
	f.Add([]byte("Package: a\nVersion: 1\n\nPackage: b\nDepends: a,\n c\n"))
	f.Add([]byte("#x\n \n\tA:\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = parseDeb822(data, func(s stanza) error {
			if len(s) == 0 {
				t.Fatal("empty stanza")
			}
			for _, f := range s {
				if !validFieldName(f.name) {
					t.Fatalf("invalid field name %q accepted", f.name)
				}
			}
			return nil
		})
	})
}

// FuzzParseRelease feeds hostile signed text to the Release parser: every
// listed file must come out with a clean relative path and a valid hash.
func FuzzParseRelease(f *testing.F) {
	f.Add([]byte("Codename: trixie\nValid-Until: Sat, 12 Sep 2026 07:55:41 UTC\nSHA256:\n " +
		strings.Repeat("ab", 32) + " 12 main/binary-riscv64/Packages.xz\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := parseRelease(data)
		if err != nil {
			return
		}
		for name, file := range r.Files {
			if !isSHA256Hex(file.SHA256) || file.Size < 0 || strings.Contains(name, "..") || strings.HasPrefix(name, "/") {
				t.Fatalf("accepted %q %+v", name, file)
			}
		}
	})
}

// FuzzParseLock checks that a parsed lock only yields packages Fetch accepts.
func FuzzParseLock(f *testing.F) {
	if data, err := os.ReadFile("specs/go.lock.json"); err == nil {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := ParseLock("fuzz", data)
		if err != nil {
			return
		}
		for _, p := range l.Debs() {
			if err := p.validate(); err != nil {
				t.Fatal(err)
			}
		}
	})
}
