package rv

import (
	"testing"
)

// checkInst asserts the invariants every decoded instruction satisfies, so
// the executor can index registers and trust Len without checks.
func checkInst(t *testing.T, in Inst, raw uint32, wantLen uint8) {
	t.Helper()
	if in.Op == OpUndecoded || in.Op >= NumOps {
		t.Fatalf("%#x: op %d out of range", raw, in.Op)
	}
	if in.Len != wantLen || in.Raw != raw {
		t.Fatalf("%#x: Len %d Raw %#x, want %d %#x", raw, in.Len, in.Raw, wantLen, raw)
	}
	if in.Rd > 31 || in.Rs1 > 31 || in.Rs2 > 31 || in.Rs3 > 31 {
		t.Fatalf("%#x: register out of range: %+v", raw, in)
	}
	if in.Op == OpIllegal && (in != Inst{Op: OpIllegal, Len: wantLen, Raw: raw}) {
		t.Fatalf("%#x: illegal instruction carries fields: %+v", raw, in)
	}
	if in.Op.String() == "" || in.Op.String() == "op?" {
		t.Fatalf("%#x: op %d has no name", raw, in.Op)
	}
}

func FuzzDecode(f *testing.F) {
	for _, w := range []uint32{0x00000013, 0x00a50533, 0x30200073, 0x1f173eaf, 0xd208ffd3, 0xffffffff, 3} {
		f.Add(w)
	}
	f.Fuzz(func(t *testing.T, w uint32) {
		w |= 3
		checkInst(t, Decode(w), w, 4)
	})
}

func FuzzDecodeCompressed(f *testing.F) {
	for _, h := range []uint16{0, 1, 0x4501, 0x8082, 0x9002, 0xffff, 0x6105} {
		f.Add(h)
	}
	f.Fuzz(func(t *testing.T, h uint16) {
		if h&3 == 3 {
			h &^= 1
		}
		checkInst(t, DecodeCompressed(h), uint32(h), 2)
	})
}

// TestDecodeCompressedAll checks the invariants on all 49152 16-bit
// encodings, and spot-checks expansions against the RVC tables.
func TestDecodeCompressedAll(t *testing.T) {
	for h := 0; h < 1<<16; h++ {
		if h&3 == 3 {
			continue
		}
		checkInst(t, DecodeCompressed(uint16(h)), uint32(h), 2)
	}
	tests := []struct {
		raw  uint16
		want Inst
	}{
		{0x0000, Inst{Op: OpIllegal}},                        // defined illegal
		{0x4501, Inst{Op: OpADDI, Rd: 10, Rs1: 0, Imm: 0}},   // c.li a0, 0
		{0x8082, Inst{Op: OpJALR, Rd: 0, Rs1: 1}},            // c.jr ra (ret)
		{0x9002, Inst{Op: OpEBREAK}},                         // c.ebreak
		{0x1141, Inst{Op: OpADDI, Rd: 2, Rs1: 2, Imm: -16}},  // c.addi sp, -16
		{0xe406, Inst{Op: OpSD, Rs1: 2, Rs2: 1, Imm: 8}},     // c.sdsp ra, 8(sp)
		{0x60a2, Inst{Op: OpLD, Rd: 1, Rs1: 2, Imm: 8}},      // c.ldsp ra, 8(sp)
		{0x0141, Inst{Op: OpADDI, Rd: 2, Rs1: 2, Imm: 16}},   // c.addi sp, 16
		{0x6105, Inst{Op: OpADDI, Rd: 2, Rs1: 2, Imm: 32}},   // c.addi16sp 32
		{0x0800, Inst{Op: OpADDI, Rd: 8, Rs1: 2, Imm: 16}},   // c.addi4spn s0, sp, 16
		{0x8d09, Inst{Op: OpSUB, Rd: 10, Rs1: 10, Rs2: 10}},  // c.sub a0, a0
		{0x9d29, Inst{Op: OpADDW, Rd: 10, Rs1: 10, Rs2: 10}}, // c.addw a0, a0
		{0xa001, Inst{Op: OpJAL, Rd: 0, Imm: 0}},             // c.j .
		{0xc111, Inst{Op: OpBEQ, Rs1: 10, Rs2: 0, Imm: 4}},   // c.beqz a0, +4
		{0x6505, Inst{Op: OpLUI, Rd: 10, Imm: 0x1000}},       // c.lui a0, 1
		{0x7501, Inst{Op: OpLUI, Rd: 10, Imm: -32 << 12}},    // c.lui a0, 0xfffe0
	}
	for _, tc := range tests {
		got := DecodeCompressed(tc.raw)
		tc.want.Len, tc.want.Raw = 2, uint32(tc.raw)
		if got != tc.want {
			t.Errorf("%#04x: got %+v, want %+v", tc.raw, got, tc.want)
		}
	}
}
