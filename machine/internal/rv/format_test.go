package rv

import "testing"

func TestFormat(t *testing.T) {
	tests := []struct {
		raw  uint32
		pc   uint64
		want string
	}{
		{0x00550513, 0, "addi a0, a0, 5"},
		{0x00b50533, 0, "add a0, a0, a1"},
		{0xfe843783, 0, "ld a5, -24(s0)"},
		{0x00f73023, 0, "sd a5, 0(a4)"},
		{0xfe0798e3, 0x1000, "bne a5, zero, 0xff0"},
		{0x008000ef, 0x1000, "jal ra, 0x1008"},
		{0x00008067, 0, "jalr zero, 0(ra)"},
		{0x000012b7, 0, "lui t0, 0x1"},
		{0x14029073, 0, "csrrw zero, 0x140, t0"},
		{0x0c55302f, 0, "amoswap.d zero, t0, (a0)"},
		{0x02b57553, 0, "fadd.d fa0, fa0, fa1"},
		{0xe2050553, 0, "fmv.x.d a0, fa0"},
		{0x00000073, 0, "ecall"},
		{0xffffffff, 0, "illegal 0xffffffff"},
	}
	for _, tt := range tests {
		got := Format(Decode(tt.raw), tt.pc)
		if got != tt.want {
			t.Errorf("Format(%#x) = %q, want %q", tt.raw, got, tt.want)
		}
	}
}
