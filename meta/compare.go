package meta

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"strings"
)

// FirstDiff returns the offset of the first byte at which a and b differ:
// the length of the shorter one if it is a prefix of the other, and -1 if
// they are equal. It works on any bytes, wasm or not.
func FirstDiff(a, b []byte) int64 {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] != b[i] {
			return int64(i)
		}
	}
	if len(a) == len(b) {
		return -1
	}
	return int64(n)
}

// WasmDiff is how two wasm modules differ, for the mismatch report of
// verify: A is usually the published module and B the rebuilt one.
type WasmDiff struct {
	SizeA, SizeB     int64
	SHA256A, SHA256B string // hex
	// FirstDiff is the file offset of the first differing byte (see the
	// function FirstDiff); -1 if the modules are identical.
	FirstDiff int64
	// FirstDiffIn is the Kind of the section of A holding FirstDiff
	// ("header" for the 8-byte header, "" if A ends there).
	FirstDiffIn string
	// Sections are the sections that differ, in the order of A, then those
	// only in B. Non-custom sections are paired by ID, custom sections by
	// name and occurrence, so that a section added or resized in one
	// module does not make every later section look different.
	Sections []SectionDiff
	// OnlyCustom reports that every differing section is a custom section:
	// the code, data and the rest of the module are identical.
	OnlyCustom bool
	// StampedA and StampedB report a reprovm.build section in each module;
	// StampDiffers that the sections' contents differ (or only one
	// module has one).
	StampedA, StampedB bool
	StampDiffers       bool
	// CoreSHA256A and CoreSHA256B are the hex SHA-256 of each module's
	// core (see Strip), or "" for a module Strip does not accept. Equal
	// core hashes mean the modules differ only in their stamps.
	CoreSHA256A, CoreSHA256B string
}

// SectionDiff is one section that differs between two modules.
type SectionDiff struct {
	ID   byte
	Name string // custom section name
	Kind string // Section.Kind: "code", "data", "custom reprovm.build", ...
	// IndexA, OffsetA and SizeA locate the section in A (its position in
	// the section list, file offset and whole size); all -1 if the section
	// is only in B. Likewise for B.
	IndexA, IndexB   int
	OffsetA, OffsetB int64
	SizeA, SizeB     int64
	// At is the offset, from the start of the section, of the first
	// differing byte; -1 if the section is in only one module.
	At int64
}

// Identical reports whether the modules are byte-for-byte equal.
func (d *WasmDiff) Identical() bool { return d.FirstDiff < 0 }

// CompareWasm compares two wasm modules section by section. Both must
// have a well-formed section list (see [Sections]); for other files use
// [FirstDiff].
func CompareWasm(a, b []byte) (*WasmDiff, error) {
	sa, err := Sections(a)
	if err != nil {
		return nil, fmt.Errorf("compare wasm: first module: %w", err)
	}
	sb, err := Sections(b)
	if err != nil {
		return nil, fmt.Errorf("compare wasm: second module: %w", err)
	}
	d := &WasmDiff{
		SizeA: int64(len(a)), SizeB: int64(len(b)),
		SHA256A:   hexSHA256(sha256.Sum256(a)),
		SHA256B:   hexSHA256(sha256.Sum256(b)),
		FirstDiff: FirstDiff(a, b),
	}
	if d.FirstDiff >= 0 {
		d.FirstDiffIn = sectionAt(sa, d.FirstDiff)
	}

	type key struct {
		id   byte
		name string
		n    int // occurrence of a custom name
	}
	keys := func(ss []Section) []key {
		seen := map[string]int{}
		ks := make([]key, len(ss))
		for i, s := range ss {
			k := key{id: s.ID}
			if s.ID == SectionCustom {
				k.name, k.n = s.Name, seen[s.Name]
				seen[s.Name]++
			}
			ks[i] = k
		}
		return ks
	}
	ka, kb := keys(sa), keys(sb)
	inB := make(map[key]int, len(kb))
	for i, k := range kb {
		inB[k] = i
	}
	matched := make([]bool, len(sb))
	for i, s := range sa {
		sd := SectionDiff{ID: s.ID, Name: s.Name, Kind: s.Kind(), IndexA: i, OffsetA: s.Offset, SizeA: s.Size,
			IndexB: -1, OffsetB: -1, SizeB: -1, At: -1}
		if j, ok := inB[ka[i]]; ok {
			matched[j] = true
			t := sb[j]
			at := FirstDiff(a[s.Offset:s.End()], b[t.Offset:t.End()])
			if at < 0 {
				continue
			}
			sd.IndexB, sd.OffsetB, sd.SizeB, sd.At = j, t.Offset, t.Size, at
		}
		d.Sections = append(d.Sections, sd)
	}
	for j, t := range sb {
		if !matched[j] {
			d.Sections = append(d.Sections, SectionDiff{ID: t.ID, Name: t.Name, Kind: t.Kind(),
				IndexA: -1, OffsetA: -1, SizeA: -1, IndexB: j, OffsetB: t.Offset, SizeB: t.Size, At: -1})
		}
	}
	d.OnlyCustom = len(d.Sections) > 0
	for _, sd := range d.Sections {
		if sd.ID != SectionCustom {
			d.OnlyCustom = false
		}
	}

	pa, okA := stampPayload(a, sa)
	pb, okB := stampPayload(b, sb)
	d.StampedA, d.StampedB = okA, okB
	d.StampDiffers = okA != okB || !bytes.Equal(pa, pb)
	if st, err := Strip(a); err == nil {
		d.CoreSHA256A = st.Output.SHA256
	}
	if st, err := Strip(b); err == nil {
		d.CoreSHA256B = st.Output.SHA256
	}
	return d, nil
}

// sectionAt names the section of ss holding file offset off.
func sectionAt(ss []Section, off int64) string {
	if off < int64(len(wasmHeader)) {
		return "header"
	}
	for _, s := range ss {
		if s.Offset <= off && off < s.End() {
			return s.Kind()
		}
	}
	return ""
}

// stampPayload returns the contents of the first reprovm.build section.
func stampPayload(wasm []byte, ss []Section) ([]byte, bool) {
	for _, s := range ss {
		if s.ID == SectionCustom && s.Name == SectionName {
			return s.Data(wasm), true
		}
	}
	return nil, false
}

// String is Report("a", "b").
func (d *WasmDiff) String() string { return d.Report("a", "b") }

// Report describes the difference for a human, calling the modules nameA
// and nameB (for example "published" and "rebuilt").
func (d *WasmDiff) Report(nameA, nameB string) string {
	var w strings.Builder
	width := max(len(nameA), len(nameB))
	fmt.Fprintf(&w, "%-*s  %d bytes, sha256 %s\n", width, nameA, d.SizeA, d.SHA256A)
	fmt.Fprintf(&w, "%-*s  %d bytes, sha256 %s\n", width, nameB, d.SizeB, d.SHA256B)
	if d.Identical() {
		w.WriteString("identical\n")
		return w.String()
	}
	fmt.Fprintf(&w, "first difference at byte %d (%#x)", d.FirstDiff, d.FirstDiff)
	if d.FirstDiffIn != "" {
		fmt.Fprintf(&w, ", in the %s section of %s", d.FirstDiffIn, nameA)
	} else {
		fmt.Fprintf(&w, ", where %s ends", nameA)
	}
	w.WriteString("\n")
	if d.CoreSHA256A != "" || d.CoreSHA256B != "" {
		core := func(h string) string {
			if h == "" {
				return "none: not a module as reprovm stamps it"
			}
			return "sha256 " + h
		}
		fmt.Fprintf(&w, "%-*s  core %s\n", width, nameA, core(d.CoreSHA256A))
		fmt.Fprintf(&w, "%-*s  core %s\n", width, nameB, core(d.CoreSHA256B))
		if d.CoreSHA256A != "" && d.CoreSHA256A == d.CoreSHA256B {
			w.WriteString("the cores are equal: the modules differ only in their stamps\n")
		}
	}
	if len(d.Sections) > 0 {
		w.WriteString("sections that differ:\n")
	} else {
		w.WriteString("every section has its match, in a different order\n")
	}
	for _, s := range d.Sections {
		switch {
		case s.IndexB < 0:
			fmt.Fprintf(&w, "  %s (section %d): only in %s, %d bytes at %d\n", s.Kind, s.IndexA, nameA, s.SizeA, s.OffsetA)
		case s.IndexA < 0:
			fmt.Fprintf(&w, "  %s (section %d): only in %s, %d bytes at %d\n", s.Kind, s.IndexB, nameB, s.SizeB, s.OffsetB)
		default:
			fmt.Fprintf(&w, "  %s (section %d): %s %d bytes at %d, %s %d bytes at %d; first difference at byte %d of the section\n",
				s.Kind, s.IndexA, nameA, s.SizeA, s.OffsetA, nameB, s.SizeB, s.OffsetB, s.At)
		}
	}
	if d.OnlyCustom {
		w.WriteString("only custom sections differ: code, data and the rest of the module are identical\n")
	}
	switch {
	case d.StampedA && d.StampedB && d.StampDiffers:
		w.WriteString("the " + SectionName + " stamps differ\n")
	case d.StampedA && d.StampedB:
		w.WriteString("the " + SectionName + " stamps are identical\n")
	case d.StampedA:
		fmt.Fprintf(&w, "only %s is stamped\n", nameA)
	case d.StampedB:
		fmt.Fprintf(&w, "only %s is stamped\n", nameB)
	}
	return w.String()
}
