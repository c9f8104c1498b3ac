package builder

import (
	"math"
	"strings"
	"testing"

	"github.com/reprovm/reprovm/machine"
	"github.com/reprovm/reprovm/meta"
)

func TestParseSize(t *testing.T) {
	tests := []struct {
		in      string
		want    uint64
		wantErr string // substring of the error; "" means no error
	}{
		{in: "1048576", want: 1 << 20},
		{in: "0", want: 0},
		{in: "4K", want: 4 << 10},
		{in: "4k", want: 4 << 10},
		{in: "256M", want: 256 << 20},
		{in: "256MiB", want: 256 << 20},
		{in: "256mib", want: 256 << 20},
		{in: "2G", want: 2 << 30},
		{in: "1T", want: 1 << 40},
		{in: "16777215T", want: 16777215 << 40},
		{in: "18446744073709551615", want: math.MaxUint64},
		{in: "16777216T", wantErr: "does not fit"},
		{in: "18446744073709551616", wantErr: "whole number"},
		{in: "", wantErr: "whole number"},
		{in: "M", wantErr: "whole number"},
		{in: "-1M", wantErr: "whole number"},
		{in: "1.5G", wantErr: "whole number"},
		{in: " 1M", wantErr: "whole number"},
		{in: "256MB", wantErr: `unknown suffix "MB"`},
		{in: "256B", wantErr: `unknown suffix "B"`},
		{in: "1GG", wantErr: `unknown suffix "GG"`},
		{in: "1P", wantErr: "whole number"},
	}
	for _, tt := range tests {
		got, err := ParseSize(tt.in)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("ParseSize(%q): unexpected error %v", tt.in, err)
		case tt.wantErr == "" && got != tt.want:
			t.Errorf("ParseSize(%q) = %d, want %d", tt.in, got, tt.want)
		case tt.wantErr != "" && err == nil:
			t.Errorf("ParseSize(%q) = %d, want an error containing %q", tt.in, got, tt.wantErr)
		case tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr):
			t.Errorf("ParseSize(%q): error %q does not contain %q", tt.in, err, tt.wantErr)
		}
	}
}

func TestFormatSize(t *testing.T) {
	tests := []struct {
		in   uint64
		want string
	}{
		{0, "0"},
		{1, "1"},
		{1000, "1000"},
		{1024, "1K"},
		{4096 + 1024, "5K"},
		{256 << 20, "256M"},
		{1536 << 20, "1536M"},
		{2 << 30, "2G"},
		{3 << 40, "3T"},
		{math.MaxUint64, "18446744073709551615"},
	}
	for _, tt := range tests {
		got := FormatSize(tt.in)
		if got != tt.want {
			t.Errorf("FormatSize(%d) = %q, want %q", tt.in, got, tt.want)
		}
		back, err := ParseSize(got)
		if err != nil || back != tt.in {
			t.Errorf("ParseSize(FormatSize(%d)) = %d, %v; want the value back", tt.in, back, err)
		}
	}
}

// TestCheckRAMSize: sizes the board cannot boot are refused before any
// boot, naming the limit (129G used to boot and then panic in the kernel),
// and meta's limit for stamps is the machine's.
func TestCheckRAMSize(t *testing.T) {
	for _, tc := range []struct {
		n    uint64
		want string // "" for accepted
	}{
		{64 << 20, ""},
		{2 << 30, ""},
		{128 << 30, ""},
		{0, "multiple of 4K"},
		{12345, "multiple of 4K"},
		{129 << 30, "at most 128G"},
		{1 << 40, "at most 128G"},
	} {
		err := CheckRAMSize(tc.n)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("CheckRAMSize(%s) = %v, want %q", FormatSize(tc.n), err, tc.want)
		}
	}
	if meta.MaxRAMSize != machine.MaxRAMSize {
		t.Errorf("meta.MaxRAMSize %d != machine.MaxRAMSize %d", meta.MaxRAMSize, machine.MaxRAMSize)
	}
}
