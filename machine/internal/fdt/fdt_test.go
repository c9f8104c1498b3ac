package fdt

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reprovm/reprovm/internal/rvtest"
)

// sample is a small tree that uses every kind of value.
func sample() *Node {
	return NewNode("",
		P("#address-cells", U32(2)),
		P("#size-cells", U32(2)),
		P("compatible", Str("test,board", "simple")),
	).AddChild(
		NewNode("chosen", P("bootargs", Str("console=ttyS0")), P("rng-seed", []byte{1, 2, 3})),
		NewNode("memory@80000000", P("device_type", Str("memory")), P("reg", Reg(MemRange{0x80000000, 1 << 30}))),
		NewNode("intc", P("interrupt-controller", nil), P("#interrupt-cells", U32(1)), P("phandle", U32(1))),
	)
}

func TestEncodeLayout(t *testing.T) {
	b, err := Encode(sample(), 0, []MemRange{{0x80000000, 0x40000}})
	if err != nil {
		t.Fatal(err)
	}
	h := func(off int) uint32 { return binary.BigEndian.Uint32(b[off:]) }
	if h(hMagic) != magic || h(hVersion) != 17 || h(hLastCompVersion) != 16 {
		t.Errorf("header magic/version/last_comp = %#x/%d/%d", h(hMagic), h(hVersion), h(hLastCompVersion))
	}
	if int(h(hTotalSize)) != len(b) {
		t.Errorf("totalsize %d, blob %d bytes", h(hTotalSize), len(b))
	}
	if h(hOffMemRsvmap) != 40 || h(hOffDtStruct) != 40+2*16 {
		t.Errorf("off_mem_rsvmap %d, off_dt_struct %d", h(hOffMemRsvmap), h(hOffDtStruct))
	}
	if h(hOffDtStrings) != h(hOffDtStruct)+h(hSizeDtStruct) || h(hOffDtStrings)+h(hSizeDtStrings) != h(hTotalSize) {
		t.Error("blocks are not contiguous")
	}
	// Every property name once: "#address-cells" ... "phandle".
	strs := b[h(hOffDtStrings):]
	for _, name := range []string{"#address-cells", "compatible", "reg", "phandle"} {
		if n := bytes.Count(strs, append([]byte(name), 0)); n != 1 {
			t.Errorf("%q stored %d times in the strings block", name, n)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name    string
		root    *Node
		boot    uint32
		reserve []MemRange
	}{
		{"empty root", NewNode(""), 0, nil},
		{"sample", sample(), 3, nil},
		{"reservations", sample(), 0, []MemRange{{0x80000000, 0x40000}, {1, 0}, {0, 1}}},
		{"deep", deep(MaxDepth), 0, nil},
		{"unaligned values", NewNode("", P("a", []byte{1}), P("b", []byte{1, 2, 3, 4, 5})).AddChild(NewNode("x@1,2")), 0, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := Encode(tc.root, tc.boot, tc.reserve)
			if err != nil {
				t.Fatal(err)
			}
			bl, err := DecodeBlob(b)
			if err != nil {
				t.Fatal(err)
			}
			if bl.BootCPU != tc.boot || len(bl.Reserve) != len(tc.reserve) {
				t.Errorf("boot CPU %d reserve %v, want %d %v", bl.BootCPU, bl.Reserve, tc.boot, tc.reserve)
			}
			if !equalNodes(bl.Root, tc.root) {
				t.Error("decoded tree differs from the encoded one")
			}
			again, err := bl.Encode()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(again, b) {
				t.Error("Encode(Decode(b)) != b")
			}
		})
	}
}

func deep(n int) *Node {
	root := NewNode("")
	cur := root
	for i := 1; i < n; i++ {
		c := NewNode("n")
		cur.AddChild(c)
		cur = c
	}
	return root
}

func equalNodes(a, b *Node) bool {
	if a.Name != b.Name || len(a.Props) != len(b.Props) || len(a.Children) != len(b.Children) {
		return false
	}
	for i := range a.Props {
		if a.Props[i].Name != b.Props[i].Name || !bytes.Equal(a.Props[i].Value, b.Props[i].Value) {
			return false
		}
	}
	for i := range a.Children {
		if !equalNodes(a.Children[i], b.Children[i]) {
			return false
		}
	}
	return true
}

func TestEncodeRejects(t *testing.T) {
	tests := []struct {
		name    string
		root    *Node
		reserve []MemRange
		want    string
	}{
		{"nil root", nil, nil, "nil root"},
		{"named root", NewNode("x"), nil, "root node named"},
		{"empty child name", NewNode("").AddChild(NewNode("")), nil, "empty node name"},
		{"bad child name", NewNode("").AddChild(NewNode("a b")), nil, "not allowed"},
		{"digit first", NewNode("").AddChild(NewNode("0abc")), nil, "start with a letter"},
		{"empty unit", NewNode("").AddChild(NewNode("a@")), nil, "empty unit address"},
		{"two @", NewNode("").AddChild(NewNode("a@1@2")), nil, "not allowed"},
		{"bad prop name", NewNode("", P("a/b", nil)), nil, "not allowed"},
		{"empty prop name", NewNode("", P("", nil)), nil, "empty property name"},
		{"duplicate prop", NewNode("", P("a", nil), P("a", nil)), nil, "duplicate property"},
		{"duplicate child", NewNode("").AddChild(NewNode("a"), NewNode("a")), nil, "duplicate child"},
		{"nil child", NewNode("").AddChild(nil), nil, "nil"},
		{"too deep", deep(MaxDepth + 1), nil, "deeper"},
		{"end marker", NewNode(""), []MemRange{{0, 0}}, "end marker"},
		{"wraps", NewNode(""), []MemRange{{^uint64(0), 2}}, "wraps"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Encode(tc.root, 0, tc.reserve)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// A child may share a property's name: they live in separate namespaces.
func TestChildNamedLikeProperty(t *testing.T) {
	root := NewNode("", P("cpus", nil)).AddChild(NewNode("cpus"))
	b, err := Encode(root, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Decode(b); err != nil {
		t.Fatal(err)
	}
}

func TestDecodeRejects(t *testing.T) {
	good, err := Encode(sample(), 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Offsets in good: header 40, reservation end marker 40..56, structure
	// block from 56: FDT_BEGIN_NODE, root name "" padded to 4, FDT_PROP...
	set := func(off int, v uint32) []byte {
		b := bytes.Clone(good)
		binary.BigEndian.PutUint32(b[off:], v)
		return b
	}
	st := int(binary.BigEndian.Uint32(good[hOffDtStruct:]))
	sizeSt := int(binary.BigEndian.Uint32(good[hSizeDtStruct:]))
	// "chosen\0" is followed by one padding byte.
	badPad := bytes.Clone(good)
	badPad[bytes.Index(good, []byte("chosen\x00"))+7] = 1
	tests := []struct {
		name string
		b    []byte
		want string
	}{
		{"short", good[:39], "shorter"},
		{"magic", set(hMagic, 1), "magic"},
		{"totalsize big", set(hTotalSize, uint32(len(good)+1)), "totalsize"},
		{"truncated", good[:len(good)-1], "totalsize"},
		{"version 16", set(hVersion, 16), "version"},
		{"last comp 18", set(hLastCompVersion, 18), "last_comp_version"},
		{"rsvmap unaligned", set(hOffMemRsvmap, 44), "off_mem_rsvmap"},
		{"struct unaligned", set(hOffDtStruct, uint32(st+2)), "aligned"},
		{"struct overlaps rsv", set(hOffDtStruct, 48), "overlaps the reservation"},
		{"strings overlap struct", set(hSizeDtStruct, uint32(sizeSt+4)), "overlaps or follows"},
		{"strings beyond", set(hSizeDtStrings, 1<<20), "beyond totalsize"},
		{"no reservation end", set(40+4, 1), "no (0, 0) end"},
		{"first token", set(st, tokenProp), "first token"},
		{"named root", set(st+4, 0x61000000), "root node named"},
		{"unknown token", set(st+8, 7), "token 0x7"},
		{"end inside node", set(st+8, tokenEnd), "token 0x9"},
		{"name offset", set(st+16, 1<<20), "name offset"},
		{"value too long", set(st+12, 1<<20), "beyond the structure block"},
		{"bad padding", badPad, "non-zero padding"},
		{"missing end", set(st+sizeSt-4, tokenNop), "without FDT_END"},
		{"short struct", set(hSizeDtStruct, uint32(sizeSt-4)), "without FDT_END"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(tc.b)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// NOPs, free space and trailing bytes are valid and decode to the same tree.
func TestDecodeTolerates(t *testing.T) {
	good, err := Encode(sample(), 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	padded := append(bytes.Clone(good), make([]byte, 4096)...)
	binary.BigEndian.PutUint32(padded[hTotalSize:], uint32(len(padded)))
	trailing := append(bytes.Clone(good), 0xff, 0xff)
	for name, b := range map[string][]byte{"free space": padded, "bytes after totalsize": trailing} {
		bl, err := DecodeBlob(b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		again, err := bl.Encode()
		if err != nil || !bytes.Equal(again, good) {
			t.Errorf("%s: re-encoding differs (err %v)", name, err)
		}
	}
}

// dtc reads what Encode writes, and Encode writes what dtc writes: compile a
// real device tree (QEMU's virt board) with dtc, decode and re-encode it, and
// check that dtc decompiles both blobs to the same source.
func TestDTCInterop(t *testing.T) {
	dir := t.TempDir()
	dts := filepath.Join("testdata", "qemu-virt-7.2-smp1-1G.dts")
	ref := filepath.Join(dir, "ref.dtb")
	rvtest.Run(t, "dtc", "-q", "-I", "dts", "-O", "dtb", "-o", ref, dts)
	refBlob, err := os.ReadFile(ref)
	if err != nil {
		t.Fatal(err)
	}
	bl, err := DecodeBlob(refBlob)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := bl.Root.Lookup("/chosen").Prop("bootargs"); string(v) != "console=ttyS0\x00" {
		t.Errorf("/chosen/bootargs = %q", v)
	}
	ours, err := bl.Encode()
	if err != nil {
		t.Fatal(err)
	}
	mine := filepath.Join(dir, "ours.dtb")
	if err := os.WriteFile(mine, ours, 0o644); err != nil {
		t.Fatal(err)
	}
	want := rvtest.Run(t, "dtc", "-q", "-I", "dtb", "-O", "dts", ref)
	got := rvtest.Run(t, "dtc", "-q", "-I", "dtb", "-O", "dts", mine)
	if !bytes.Equal(got, want) {
		t.Errorf("dtc decompiles our re-encoding differently:\n%s\nwant:\n%s", got, want)
	}
}
