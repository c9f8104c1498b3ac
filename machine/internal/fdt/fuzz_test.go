package fdt

import (
	"bytes"
	"testing"
)

// FuzzDecode feeds arbitrary bytes to DecodeBlob. It must never panic, and
// whatever it accepts must re-encode: Encode(Decode(x)) decodes to the same
// tree, and from then on the bytes are a fixed point.
func FuzzDecode(f *testing.F) {
	for _, root := range []*Node{NewNode(""), sample(), deep(8)} {
		b, err := Encode(root, 1, []MemRange{{0x80000000, 0x1000}})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		bl, err := DecodeBlob(b)
		if err != nil {
			return
		}
		y, err := bl.Encode()
		if err != nil {
			t.Fatalf("decoded blob does not re-encode: %v", err)
		}
		bl2, err := DecodeBlob(y)
		if err != nil {
			t.Fatalf("re-encoded blob does not decode: %v", err)
		}
		if !equalNodes(bl.Root, bl2.Root) || bl.BootCPU != bl2.BootCPU || len(bl.Reserve) != len(bl2.Reserve) {
			t.Fatal("re-encoded blob decodes to a different tree")
		}
		z, err := bl2.Encode()
		if err != nil || !bytes.Equal(y, z) {
			t.Fatalf("Encode(Decode(y)) != y (err %v)", err)
		}
	})
}
