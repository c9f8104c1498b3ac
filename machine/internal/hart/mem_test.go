package hart

import (
	"testing"

	"github.com/reprovm/reprovm/machine/internal/bus"
)

// TestPageCrossingAccess stores and loads every size at every offset that
// straddles a page boundary, and checks that exactly the accessed bytes
// change (a regression test: the part on each page may be 1 to 7 bytes).
func TestPageCrossingAccess(t *testing.T) {
	const base = 0x8000_0000
	b, err := bus.New(base, 3*pageSize)
	if err != nil {
		t.Fatal(err)
	}
	h := New(b, base)
	for _, size := range []int{2, 4, 8} {
		for k := 1; k < size; k++ {
			clear(b.RAM)
			va := uint64(base + 2*pageSize - k)
			v := uint64(0x8877665544332211) & (1<<(8*uint(size)) - 1)
			if size == 8 {
				v = 0x8877665544332211
			}
			if !h.storeSlow(va, size, v) {
				t.Fatalf("size %d offset -%d: store trapped (cause %d)", size, k, h.trapCause)
			}
			for i, c := range b.RAM {
				want := byte(0)
				if j := i - (2*pageSize - k); j >= 0 && j < size {
					want = byte(v >> (8 * j))
				}
				if c != want {
					t.Fatalf("size %d offset -%d: RAM[%#x] = %#x, want %#x", size, k, i, c, want)
				}
			}
			got, ok := h.loadSlow(va, size)
			if !ok || got != v {
				t.Fatalf("size %d offset -%d: load = %#x, %v; want %#x", size, k, got, ok, v)
			}
		}
	}
}
