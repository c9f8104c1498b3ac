package images

import "testing"

// The expected orders follow Debian Policy §5.6.12 and agree with
// `dpkg --compare-versions` on Debian 12.
func TestCompareVersions(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"1.0", "1.0", 0},
		{"1.0", "1.0-0", 0}, // an absent revision and "0" both weigh as the number 0
		{"1.0-1", "1.0-2", -1},
		{"1.0~rc1", "1.0", -1}, // tilde sorts before the end
		{"1.0~rc1~1", "1.0~rc1", -1},
		{"1.0", "1.0a", -1},  // end sorts before a letter
		{"1.0a", "1.0+", -1}, // letters sort before non-letters
		{"1.0+", "1.0.", -1}, // '+' (43) before '.' (46)
		{"1.10", "1.9", 1},   // numeric, not lexical
		{"1.010", "1.10", 0}, // leading zeros
		{"1:0.1", "9.9", 1},  // epoch first
		{"0:1.0", "1.0", 0},  // epoch 0 is no epoch
		{"2.41-12+deb13u4", "2.41-12", 1},
		{"1.24.4-1", "1.24.4-1~bpo13+1", 1},
		{"3.5.7-1~deb13u2", "3.5.7-1", -1},
		{"1:1.3.dfsg+really1.3.1-1+b1", "1:1.3.dfsg+really1.3.1-1", 1},
		{"99999999999999999999999", "99999999999999999999998", 1}, // beyond 64 bits
		{"1.0-1-1", "1.0-1", 1}, // the revision is after the last hyphen
		{"a1", "b1", -1},
	}
	for _, tt := range tests {
		got, err := CompareVersions(tt.a, tt.b)
		if err != nil {
			t.Errorf("CompareVersions(%q, %q): %v", tt.a, tt.b, err)
			continue
		}
		if got != tt.want {
			t.Errorf("CompareVersions(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if back, _ := CompareVersions(tt.b, tt.a); back != -tt.want {
			t.Errorf("CompareVersions(%q, %q) = %d, want %d", tt.b, tt.a, back, -tt.want)
		}
	}
}

func TestParseVersionErrors(t *testing.T) {
	for _, s := range []string{"", ":1.0", "a:1.0", "1.0-", "-1", "1.0 1", "1:", "1.0-a_b", "1.0/2"} {
		if v, err := ParseVersion(s); err == nil {
			t.Errorf("ParseVersion(%q) = %+v, want an error", s, v)
		}
	}
	v, err := ParseVersion("1:1.37.0-6+b9")
	if err != nil || v != (Version{"1", "1.37.0", "6+b9"}) || v.String() != "1:1.37.0-6+b9" {
		t.Errorf("ParseVersion(1:1.37.0-6+b9) = %+v, %v", v, err)
	}
}

// FuzzCompareVersions checks that comparison never panics and is a total
// order on what it parses: reflexive, antisymmetric and consistent with
// String.
func FuzzCompareVersions(f *testing.F) {
	f.Add("1.0~rc1-1", "1:1.0")
	f.Add("2.41-12+deb13u4", "2.41-12")
	f.Add("0001", "1")
	f.Fuzz(func(t *testing.T, a, b string) {
		va, err := ParseVersion(a)
		if err != nil {
			return
		}
		if va.String() != a {
			t.Fatalf("ParseVersion(%q).String() = %q", a, va.String())
		}
		if va.Compare(va) != 0 {
			t.Fatalf("%q does not equal itself", a)
		}
		vb, err := ParseVersion(b)
		if err != nil {
			return
		}
		if va.Compare(vb) != -vb.Compare(va) {
			t.Fatalf("compare(%q, %q) = %d but compare(%q, %q) = %d", a, b, va.Compare(vb), b, a, vb.Compare(va))
		}
	})
}
