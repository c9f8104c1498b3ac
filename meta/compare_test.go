package meta

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
)

func TestFirstDiff(t *testing.T) {
	tests := []struct {
		a, b string
		want int64
	}{
		{"", "", -1},
		{"abc", "abc", -1},
		{"abc", "abd", 2},
		{"xbc", "abc", 0},
		{"ab", "abc", 2},
		{"abc", "ab", 2},
		{"", "a", 0},
	}
	for _, tt := range tests {
		if got := FirstDiff([]byte(tt.a), []byte(tt.b)); got != tt.want {
			t.Errorf("FirstDiff(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

// TestCompareWasmCodeByte flips one byte of the code section of a real
// module and checks that the report names the code section and the byte.
func TestCompareWasmCodeByte(t *testing.T) {
	wasm := goModule(t)
	for _, stamped := range []bool{false, true} {
		a := wasm
		if stamped {
			a, _ = mustStamp(t, wasm)
		}
		secs, err := Sections(a)
		if err != nil {
			t.Fatal(err)
		}
		var code Section
		for _, s := range secs {
			if s.ID == SectionCode {
				code = s
			}
		}
		off := code.DataOffset + code.DataSize/2
		b := bytes.Clone(a)
		b[off] ^= 0x01
		d, err := CompareWasm(a, b)
		if err != nil {
			t.Fatal(err)
		}
		if d.FirstDiff != off || d.FirstDiffIn != "code" || d.Identical() {
			t.Errorf("stamped=%v: first difference %d in %q, want %d in code", stamped, d.FirstDiff, d.FirstDiffIn, off)
		}
		if len(d.Sections) != 1 {
			t.Fatalf("stamped=%v: differing sections %+v, want the code section only", stamped, d.Sections)
		}
		s := d.Sections[0]
		if s.ID != SectionCode || s.Kind != "code" || s.OffsetA != code.Offset || s.OffsetB != code.Offset ||
			s.SizeA != code.Size || s.SizeB != code.Size || s.At != off-code.Offset || s.IndexA != s.IndexB {
			t.Errorf("stamped=%v: section diff %+v (code section %+v)", stamped, s, code)
		}
		if d.OnlyCustom || d.StampDiffers || d.StampedA != stamped || d.StampedB != stamped || d.SizeA != d.SizeB || d.SHA256A == d.SHA256B {
			t.Errorf("stamped=%v: diff %+v", stamped, d)
		}
		if stamped && (d.CoreSHA256A == "" || d.CoreSHA256B != "") {
			t.Errorf("core hashes %q, %q: want a's only (b's core no longer matches its stamp)", d.CoreSHA256A, d.CoreSHA256B)
		}
		r := d.Report("published", "rebuilt")
		for _, want := range []string{"first difference at byte " + strconv.FormatInt(off, 10), "in the code section of published", "code (section ", "rebuilt "} {
			if !strings.Contains(r, want) {
				t.Errorf("report lacks %q:\n%s", want, r)
			}
		}
	}
}

func TestCompareWasmStampsOnly(t *testing.T) {
	a, _ := mustStamp(t, tinyModule, FormatContractMetaV0)
	s := testStamp(tinyModule)
	s.Reprovm = "0.2.0"
	b, err := StampWasm(tinyModule, s, FormatContractMetaV0)
	if err != nil {
		t.Fatal(err)
	}
	d, err := CompareWasm(a, b)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, s := range d.Sections {
		kinds = append(kinds, s.Kind)
	}
	if got := strings.Join(kinds, ","); got != "custom contractmetav0,custom reprovm.build" {
		t.Errorf("differing sections %s", got)
	}
	if !d.OnlyCustom || !d.StampDiffers || d.CoreSHA256A == "" || d.CoreSHA256A != d.CoreSHA256B {
		t.Errorf("diff %+v", d)
	}
	if d.FirstDiffIn != "custom contractmetav0" {
		t.Errorf("first difference in %q", d.FirstDiffIn)
	}
	r := d.String()
	for _, want := range []string{"differ only in their stamps", "only custom sections differ", "the reprovm.build stamps differ"} {
		if !strings.Contains(r, want) {
			t.Errorf("report lacks %q:\n%s", want, r)
		}
	}
}

func TestCompareWasmShapes(t *testing.T) {
	stamped, _ := mustStamp(t, tinyModule)
	extra, err := appendCustomSection(bytes.Clone(tinyModule), "extra", []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	// Custom sections "p" and "q", in either order.
	pq, _ := appendCustomSection(bytes.Clone(tinyModule), "p", nil)
	pq, _ = appendCustomSection(pq, "q", nil)
	qp, _ := appendCustomSection(bytes.Clone(tinyModule), "q", nil)
	qp, _ = appendCustomSection(qp, "p", nil)
	// A bigger data section moves nothing else out of its pairing.
	bigData := bytes.Clone(tinyModule[:tinyDataOffset])
	bigData = append(bigData, 0x0b, 0x09, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x03, 'h', 'i', '!')

	tests := []struct {
		name         string
		a, b         []byte
		sections     string
		report       []string
		identical    bool
		stampDiffers bool
	}{
		{"identical", tinyModule, tinyModule, "", []string{"identical"}, true, false},
		{"stamp only in b", tinyModule, stamped, "custom reprovm.build:-1:6", []string{"only in b", "only b is stamped", "where a ends"}, false, true},
		{"section only in a", extra, tinyModule, "custom extra:6:-1", []string{"only in a"}, false, false},
		{"reordered", pq, qp, "", []string{"in a different order"}, false, false},
		{"data grew", tinyModule, bigData, "data:5:5", []string{"data (section 5)"}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := CompareWasm(tt.a, tt.b)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, s := range d.Sections {
				got = append(got, s.Kind+":"+strconv.Itoa(s.IndexA)+":"+strconv.Itoa(s.IndexB))
			}
			if strings.Join(got, ",") != tt.sections {
				t.Errorf("sections %q, want %q", got, tt.sections)
			}
			if d.Identical() != tt.identical || d.StampDiffers != tt.stampDiffers {
				t.Errorf("Identical %v, StampDiffers %v", d.Identical(), d.StampDiffers)
			}
			r := d.String()
			for _, w := range tt.report {
				if !strings.Contains(r, w) {
					t.Errorf("report lacks %q:\n%s", w, r)
				}
			}
		})
	}
}

func TestCompareWasmErrors(t *testing.T) {
	if _, err := CompareWasm([]byte("x"), tinyModule); err == nil || !strings.Contains(err.Error(), "first module") {
		t.Errorf("CompareWasm(not wasm, wasm): %v", err)
	}
	if _, err := CompareWasm(tinyModule, tinyModule[:40]); err == nil || !strings.Contains(err.Error(), "second module") {
		t.Errorf("CompareWasm(wasm, truncated): %v", err)
	}
}
