package machine

import (
	"bytes"
	"context"
	"crypto/sha256"
	"testing"
)

// TestLeavesDamaged: a leaf record that fails a check is dropped (the
// restore succeeds, the machine has no RAM tree, and its first root,
// hashed from scratch, is right): a flipped leaf, a flipped leaf with the
// record's own hash made to match, a wrong count and a cut record.
func TestLeavesDamaged(t *testing.T) {
	m, err := New(Config{RAMSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	prog := []byte{
		0x97, 0x12, 0x00, 0x00, // auipc t0, 1
		0x23, 0xb0, 0x62, 0x00, // sd t1, 0(t0)
		0x05, 0x03, //             c.addi t1, 1
		0xa1, 0x02, //             c.addi t0, 8
		0xe5, 0xbf, //             c.j -8 (back to the sd)
	}
	if err := m.WritePhys(RAMBase, prog); err != nil {
		t.Fatal(err)
	}
	m.Reset(RAMBase)
	if _, err := m.Run(context.Background(), 3000); err != nil { // writes 3 pages
		t.Fatal(err)
	}
	want, err := m.StateRoot()
	if err != nil {
		t.Fatal(err)
	}
	var body, rec bytes.Buffer
	if err := m.writeSections(&body, true); err != nil {
		t.Fatal(err)
	}
	bitmap := make([]byte, (len(m.bus.RAM)/pageSize+7)/8)
	for p := range len(m.bus.RAM) / pageSize {
		if !bytes.Equal(m.bus.RAM[p*pageSize:(p+1)*pageSize], zeroPage[:]) {
			bitmap[p/8] |= 1 << (p % 8)
		}
	}
	if err := m.writeLeaves(&rec, bitmap); err != nil {
		t.Fatal(err)
	}
	at := bytes.Index(body.Bytes(), rec.Bytes())
	if at < 0 {
		t.Fatal("the leaf section is not in the body")
	}
	const head = 12 // the section's tag and length
	payload := rec.Bytes()[head:]
	n := (len(payload) - 8 - 32) / 32
	if n < 2 {
		t.Fatalf("%d leaves; the test wants a few", n)
	}
	rehash := func(p []byte) []byte {
		d := leavesDigest(p[:len(p)-32])
		copy(p[len(p)-32:], d[:])
		return p
	}
	for _, c := range []struct {
		name   string
		damage func(p []byte) []byte
	}{
		{"flipped leaf", func(p []byte) []byte { p[8+32] ^= 1; return p }},
		{"flipped leaf, hash fixed", func(p []byte) []byte { p[8+32*(n-1)+5] ^= 0x80; return rehash(p) }},
		{"leaves swapped, hash fixed", func(p []byte) []byte {
			var tmp [32]byte
			copy(tmp[:], p[8:40])
			copy(p[8:40], p[40:72])
			copy(p[40:72], tmp[:])
			return rehash(p)
		}},
		{"wrong count", func(p []byte) []byte { p[0]++; return rehash(p) }},
		{"hash of another domain", func(p []byte) []byte {
			d := sha256.Sum256(p[:len(p)-32])
			copy(p[len(p)-32:], d[:])
			return p
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := c.damage(bytes.Clone(payload))
			var sec bytes.Buffer
			if err := section(&sec, secLeaves, p); err != nil {
				t.Fatal(err)
			}
			b := append(append(bytes.Clone(body.Bytes()[:at]), sec.Bytes()...), body.Bytes()[at+rec.Len():]...)
			r, err := New(Config{RAMSize: 1 << 20})
			if err != nil {
				t.Fatal(err)
			}
			if err := r.readSections(bytes.NewReader(b), true); err != nil {
				t.Fatalf("restore: %v", err)
			}
			if r.HasRAMTree() {
				t.Fatal("the damaged leaves were adopted")
			}
			got, err := r.StateRoot()
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Fatalf("root %x, want %x", got.Root, want.Root)
			}
		})
	}
	// And the intact record is adopted, with the same root.
	r, err := New(Config{RAMSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.readSections(bytes.NewReader(body.Bytes()), true); err != nil {
		t.Fatal(err)
	}
	if got, err := r.StateRoot(); err != nil || !r.HasRAMTree() || got != want {
		t.Fatalf("intact leaves: tree %v, root %x (%v), want %x", r.HasRAMTree(), got.Root, err, want.Root)
	}
}
