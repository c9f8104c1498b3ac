package bus

import (
	"runtime"
	"testing"
)

// TestTouchedPages: every page the host wrote is marked, and on Linux a
// page nobody touched is not (which is what makes the bitmap worth having).
func TestTouchedPages(t *testing.T) {
	b, err := New(0x8000_0000, 64<<20)
	if err != nil {
		t.Fatal(err)
	}
	defer runtime.KeepAlive(b)
	written := []int{0, 1, 4095, 9000, 16383}
	for _, p := range written {
		b.RAM[p*4096+123] = 1
	}
	_ = b.RAM[5000*4096] // a read maps the zero page: marked or not, it is zero
	bm := b.TouchedPages()
	if bm == nil {
		if runtime.GOOS == "linux" {
			t.Fatal("no bitmap on Linux")
		}
		t.Skip("this host cannot tell touched pages")
	}
	if len(bm) != 16384/64 {
		t.Fatalf("bitmap of %d words for 16384 pages", len(bm))
	}
	for _, p := range written {
		if bm[p/64]>>(p%64)&1 == 0 {
			t.Errorf("written page %d is not marked", p)
		}
	}
	set := 0
	for _, w := range bm {
		for ; w != 0; w &= w - 1 {
			set++
		}
	}
	// Transparent huge pages may back a written page's whole 2 MiB.
	if set > len(written)*512+512 {
		t.Errorf("%d pages marked, most of them never touched", set)
	}
}
