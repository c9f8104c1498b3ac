package meta

import (
	"bytes"
	"strings"
	"testing"
)

func TestSectionsTiny(t *testing.T) {
	secs, err := Sections(tinyModule)
	if err != nil {
		t.Fatal(err)
	}
	want := []Section{
		{ID: SectionType, Offset: 8, Size: 6, DataOffset: 10, DataSize: 4},
		{ID: SectionFunction, Offset: 14, Size: 4, DataOffset: 16, DataSize: 2},
		{ID: SectionMemory, Offset: 18, Size: 5, DataOffset: 20, DataSize: 3},
		{ID: SectionExport, Offset: 23, Size: 7, DataOffset: 25, DataSize: 5},
		{ID: SectionCode, Offset: tinyCodeOffset, Size: 6, DataOffset: 32, DataSize: 4},
		{ID: SectionData, Offset: tinyDataOffset, Size: 10, DataOffset: 38, DataSize: 8},
	}
	if len(secs) != len(want) {
		t.Fatalf("Sections = %+v, want %+v", secs, want)
	}
	for i := range want {
		if secs[i] != want[i] {
			t.Errorf("section %d = %+v, want %+v", i, secs[i], want[i])
		}
	}
	if got := secs[5].Data(tinyModule); !bytes.Equal(got, []byte{0x01, 0x00, 0x41, 0x00, 0x0b, 0x02, 'h', 'i'}) {
		t.Errorf("data section contents % x", got)
	}
	if k := secs[4].Kind(); k != "code" {
		t.Errorf("Kind = %q, want code", k)
	}
	if e := secs[5].End(); e != int64(len(tinyModule)) {
		t.Errorf("End = %d, want %d", e, len(tinyModule))
	}
}

func TestSectionsCustom(t *testing.T) {
	m, err := appendCustomSection(bytes.Clone(tinyModule), "héllo", []byte("payload"))
	if err != nil {
		t.Fatal(err)
	}
	// ID 0, size 1+6+7 = 14, name length 6, name, payload.
	wantTail := append([]byte{0x00, 14, 6}, "héllopayload"...)
	if !bytes.HasSuffix(m, wantTail) {
		t.Errorf("custom section bytes % x, want % x", m[len(tinyModule):], wantTail)
	}
	secs, err := Sections(m)
	if err != nil {
		t.Fatal(err)
	}
	c := secs[len(secs)-1]
	if c.ID != SectionCustom || c.Name != "héllo" || string(c.Data(m)) != "payload" || c.Kind() != "custom héllo" {
		t.Errorf("custom section = %+v, data %q", c, c.Data(m))
	}
	// A custom section may come first, and the header alone is a module.
	m2, err := appendCustomSection(bytes.Clone(wasmHeader), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if secs, err := Sections(m2); err != nil || len(secs) != 1 || secs[0].DataSize != 0 {
		t.Errorf("Sections(empty custom) = %+v, %v", secs, err)
	}
	if secs, err := Sections(wasmHeader); err != nil || len(secs) != 0 {
		t.Errorf("Sections(header) = %+v, %v", secs, err)
	}
}

func TestSectionsErrors(t *testing.T) {
	h := string(wasmHeader)
	tests := []struct{ name, in, want string }{
		{"empty", "", "no \\0asm"},
		{"elf", "\x7fELF\x02\x01\x01\x00", "no \\0asm"},
		{"version 2", "\x00asm\x02\x00\x00\x00", "version 1"},
		{"component", "\x00asm\x0d\x00\x01\x00", "version 1"},
		{"short header", "\x00asm\x01", "truncated wasm header"},
		{"unknown id", h + "\x0e\x00", "unknown section ID 14"},
		{"no size", h + "\x01", "truncated LEB128"},
		{"truncated size", h + "\x01\x80", "truncated LEB128"},
		{"size over 32 bits", h + "\x01\x80\x80\x80\x80\x10", "over 32 bits"},
		{"size past end", h + "\x01\x05\x00", "runs past the end"},
		{"huge size", h + "\x01\xff\xff\xff\xff\x0f", "runs past the end"},
		{"repeated", h + "\x01\x01\x00\x01\x01\x00", "out of order or repeated"},
		{"out of order", h + "\x03\x01\x00\x01\x01\x00", "out of order or repeated"},
		{"datacount after code", h + "\x0a\x01\x00\x0c\x01\x00", "out of order or repeated"},
		{"custom no name", h + "\x00\x00", "name length"},
		{"custom name past section", h + "\x00\x02\x05ab", "runs past the section"},
		{"custom name bad UTF-8", h + "\x00\x02\x01\xff", "not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			secs, err := Sections([]byte(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Sections(% x) = %+v, %v; want an error containing %q", tt.in, secs, err, tt.want)
			}
		})
	}
}

func TestSectionsOrder(t *testing.T) {
	// tag (13) goes between memory and global; datacount (12) before code;
	// custom sections go anywhere.
	h := string(wasmHeader)
	m := h + "\x00\x02\x01c" + "\x05\x01\x00" + "\x0d\x01\x00" + "\x06\x01\x00" + "\x00\x01\x00" + "\x0c\x01\x00" + "\x0a\x01\x00" + "\x0b\x01\x00" + "\x00\x01\x00"
	secs, err := Sections([]byte(m))
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, s := range secs {
		kinds = append(kinds, s.Kind())
	}
	if got := strings.Join(kinds, ","); got != "custom c,memory,tag,global,custom ,datacount,code,data,custom " {
		t.Errorf("kinds = %s", got)
	}
}

func TestLEB128(t *testing.T) {
	tests := []struct {
		in   []byte
		v    uint32
		n    int
		fail bool
	}{
		{in: []byte{0x00}, v: 0, n: 1},
		{in: []byte{0x7f}, v: 127, n: 1},
		{in: []byte{0x80, 0x01}, v: 128, n: 2},
		{in: []byte{0x80, 0x00}, v: 0, n: 2}, // non-minimal encodings are valid
		{in: []byte{0xe5, 0x8e, 0x26, 0xff}, v: 624485, n: 3},
		{in: []byte{0xff, 0xff, 0xff, 0xff, 0x0f}, v: 1<<32 - 1, n: 5},
		{in: []byte{0x80, 0x80, 0x80, 0x80, 0x00}, v: 0, n: 5},
		{in: []byte{0xff, 0xff, 0xff, 0xff, 0x1f}, fail: true},
		{in: []byte{0x80, 0x80, 0x80, 0x80, 0x80}, fail: true},
		{in: []byte{0x80, 0x80}, fail: true},
		{in: nil, fail: true},
	}
	for _, tt := range tests {
		v, n, err := readU32(tt.in)
		if tt.fail != (err != nil) || !tt.fail && (v != tt.v || n != tt.n) {
			t.Errorf("readU32(% x) = %d, %d, %v", tt.in, v, n, err)
		}
	}
	for _, v := range []uint32{0, 1, 127, 128, 16383, 16384, 1<<32 - 1} {
		b := appendU32(nil, v)
		got, n, err := readU32(b)
		if err != nil || got != v || n != len(b) {
			t.Errorf("readU32(appendU32(%d) = % x) = %d, %d, %v", v, b, got, n, err)
		}
	}
	if b := appendU32(nil, 624485); !bytes.Equal(b, []byte{0xe5, 0x8e, 0x26}) {
		t.Errorf("appendU32(624485) = % x", b)
	}
}

func TestAppendCustomSectionRefusesBadName(t *testing.T) {
	if _, err := appendCustomSection(nil, "a\xff", nil); err == nil {
		t.Error("appendCustomSection accepted a name that is not UTF-8")
	}
}
