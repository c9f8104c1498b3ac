package meta

import (
	"errors"
	"fmt"
	"math"
	"unicode/utf8"
)

// Section IDs of the WebAssembly binary format (Core Specification 3.0,
// §5.5.2, "Sections"; 13 is the tag section of exception handling).
const (
	SectionCustom    byte = 0
	SectionType      byte = 1
	SectionImport    byte = 2
	SectionFunction  byte = 3
	SectionTable     byte = 4
	SectionMemory    byte = 5
	SectionGlobal    byte = 6
	SectionExport    byte = 7
	SectionStart     byte = 8
	SectionElement   byte = 9
	SectionCode      byte = 10
	SectionData      byte = 11
	SectionDataCount byte = 12
	SectionTag       byte = 13
)

// wasmHeader is the magic number "\0asm" and version 1 of the binary
// format (§5.5.16, "Modules").
var wasmHeader = []byte{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00}

var sectionKinds = [...]string{
	SectionCustom: "custom", SectionType: "type", SectionImport: "import",
	SectionFunction: "function", SectionTable: "table", SectionMemory: "memory",
	SectionGlobal: "global", SectionExport: "export", SectionStart: "start",
	SectionElement: "element", SectionCode: "code", SectionData: "data",
	SectionDataCount: "datacount", SectionTag: "tag",
}

// sectionRank is the position a non-custom section must take in a module
// (§5.5.16): each appears at most once, in this order, with custom
// sections anywhere between them.
var sectionRank = [...]int{
	SectionType: 1, SectionImport: 2, SectionFunction: 3, SectionTable: 4,
	SectionMemory: 5, SectionTag: 6, SectionGlobal: 7, SectionExport: 8,
	SectionStart: 9, SectionElement: 10, SectionDataCount: 11,
	SectionCode: 12, SectionData: 13,
}

// Section is one top-level section of a wasm module. Offsets are byte
// offsets in the module.
type Section struct {
	ID   byte   // section ID, SectionCustom to SectionTag
	Name string // name of a custom section; "" for the others

	Offset int64 // offset of the section's ID byte
	Size   int64 // size of the whole section: ID byte, size field and payload

	// DataOffset and DataSize locate the section's contents: the whole
	// payload, or for a custom section the bytes after its name.
	DataOffset, DataSize int64
}

// End returns the offset just past the section.
func (s Section) End() int64 { return s.Offset + s.Size }

// Kind names the section: "type", "code", "data", ..., or "custom <name>"
// for a custom section.
func (s Section) Kind() string {
	if s.ID == SectionCustom {
		return "custom " + s.Name
	}
	if int(s.ID) < len(sectionKinds) {
		return sectionKinds[s.ID]
	}
	return fmt.Sprintf("unknown section %d", s.ID)
}

// Data returns the section's contents within wasm, the module it was
// parsed from.
func (s Section) Data(wasm []byte) []byte {
	return wasm[s.DataOffset : s.DataOffset+s.DataSize]
}

// Sections parses the top-level section list of a wasm module. It checks
// the header, that every section's size field is a valid u32 LEB128 number
// that stays within the module, that section IDs are known, that
// non-custom sections appear at most once and in the order the
// specification requires, and that custom section names are valid UTF-8
// within their section. It does not decode section contents: that is the
// runtime's job (see [ReadStamp]).
func Sections(wasm []byte) ([]Section, error) {
	if len(wasm) < 4 || string(wasm[:4]) != string(wasmHeader[:4]) {
		return nil, errors.New("not a wasm module: no \\0asm magic number")
	}
	if len(wasm) < len(wasmHeader) {
		return nil, fmt.Errorf("truncated wasm header (%d bytes)", len(wasm))
	}
	if string(wasm[4:8]) != string(wasmHeader[4:8]) {
		return nil, fmt.Errorf("not a wasm core module of version 1: version field % x", wasm[4:8])
	}
	var out []Section
	lastRank := 0
	for off := len(wasmHeader); off < len(wasm); {
		id := wasm[off]
		if int(id) >= len(sectionKinds) {
			return nil, fmt.Errorf("section at byte %d: unknown section ID %d", off, id)
		}
		size, n, err := readU32(wasm[off+1:])
		if err != nil {
			return nil, fmt.Errorf("section at byte %d (%s): size: %w", off, sectionKinds[id], err)
		}
		start := off + 1 + n
		if uint64(size) > uint64(len(wasm)-start) {
			return nil, fmt.Errorf("section at byte %d (%s): size %d runs past the end of the module (%d bytes left)",
				off, sectionKinds[id], size, len(wasm)-start)
		}
		end := start + int(size)
		s := Section{ID: id, Offset: int64(off), Size: int64(end - off), DataOffset: int64(start), DataSize: int64(size)}
		if id == SectionCustom {
			p := wasm[start:end]
			nameLen, m, err := readU32(p)
			if err != nil {
				return nil, fmt.Errorf("custom section at byte %d: name length: %w", off, err)
			}
			if uint64(nameLen) > uint64(len(p)-m) {
				return nil, fmt.Errorf("custom section at byte %d: name of %d bytes runs past the section (%d bytes)", off, nameLen, len(p))
			}
			name := p[m : m+int(nameLen)]
			if !utf8.Valid(name) {
				return nil, fmt.Errorf("custom section at byte %d: name %q is not valid UTF-8", off, name)
			}
			s.Name = string(name)
			s.DataOffset = int64(start + m + int(nameLen))
			s.DataSize = int64(end) - s.DataOffset
		} else {
			r := sectionRank[id]
			if r <= lastRank {
				return nil, fmt.Errorf("section at byte %d: %s section out of order or repeated", off, sectionKinds[id])
			}
			lastRank = r
		}
		out = append(out, s)
		off = end
	}
	return out, nil
}

// readU32 decodes an unsigned LEB128 number of at most 32 bits (§5.2.2,
// "Integers"): at most 5 bytes, and the unused high bits of the fifth byte
// must be zero. It returns the value and the number of bytes read.
func readU32(b []byte) (uint32, int, error) {
	var v uint32
	for i := 0; i < 5; i++ {
		if i >= len(b) {
			return 0, 0, errors.New("truncated LEB128 number")
		}
		c := b[i]
		if i == 4 && c&0xf0 != 0 {
			return 0, 0, errors.New("LEB128 number over 32 bits")
		}
		v |= uint32(c&0x7f) << (7 * i)
		if c&0x80 == 0 {
			return v, i + 1, nil
		}
	}
	return 0, 0, errors.New("LEB128 number over 5 bytes") // not reached: the fifth byte ends the number or fails above
}

// appendU32 appends v as a minimal unsigned LEB128 number.
func appendU32(dst []byte, v uint32) []byte {
	for v >= 0x80 {
		dst = append(dst, byte(v)|0x80)
		v >>= 7
	}
	return append(dst, byte(v))
}

// appendCustomSection appends a custom section (§5.5.3): ID 0, the u32
// size of the rest, the name as a u32-length-prefixed UTF-8 string, then
// data.
func appendCustomSection(dst []byte, name string, data []byte) ([]byte, error) {
	if !utf8.ValidString(name) {
		return nil, fmt.Errorf("custom section name %q is not valid UTF-8", name)
	}
	if uint64(len(name)) > math.MaxUint32 {
		return nil, fmt.Errorf("custom section name of %d bytes is too long", len(name))
	}
	nameField := appendU32(nil, uint32(len(name)))
	size := uint64(len(nameField)) + uint64(len(name)) + uint64(len(data))
	if size > math.MaxUint32 {
		return nil, fmt.Errorf("custom section %q of %d bytes is over the 4 GiB limit", name, size)
	}
	dst = append(dst, SectionCustom)
	dst = appendU32(dst, uint32(size))
	dst = append(dst, nameField...)
	dst = append(dst, name...)
	return append(dst, data...), nil
}
