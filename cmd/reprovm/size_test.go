package main

import "testing"

func TestRAMSizeSet(t *testing.T) {
	tests := []struct {
		in   string
		want uint64 // 0 means Set must fail
	}{
		{"4K", 4096},
		{"4096", 4096},
		{"256M", 256 << 20},
		{"2G", 2 << 30},
		{"0", 0},
		{"1", 0},
		{"4097", 0},
		{"12K", 12 << 10}, // a multiple of 4 KiB is enough; powers of two are not required
		{"5K", 0},
		{"big", 0},
	}
	for _, tt := range tests {
		var r ramSize
		err := r.Set(tt.in)
		switch {
		case tt.want == 0 && err == nil:
			t.Errorf("ramSize.Set(%q) accepted %d, want an error", tt.in, uint64(r))
		case tt.want != 0 && err != nil:
			t.Errorf("ramSize.Set(%q): %v", tt.in, err)
		case tt.want != 0 && uint64(r) != tt.want:
			t.Errorf("ramSize.Set(%q) = %d, want %d", tt.in, uint64(r), tt.want)
		}
	}
}
