package jit

import (
	"context"
	"encoding/binary"
	"testing"

	"github.com/tetratelabs/wazero"
)

// compileAll compiles page functions for pg from entries with wazero, as
// the translator does, and fails on any error: whatever the guest's bytes,
// the translation must be a valid module.
func compileAll(tb testing.TB, pg []byte, entries []int) int {
	tb.Helper()
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler())
	defer rt.Close(ctx)
	if _, err := rt.InstantiateWithConfig(ctx, coreModule(4), wazero.NewModuleConfig().WithName("core")); err != nil {
		tb.Fatal(err)
	}
	var bodies []code
	insns := 0
	for _, lockstep := range []bool{false, true} {
		for _, every := range []bool{false, true} {
			if pf := translatePage(pg, entries, lockstep, every); pf != nil {
				bodies = append(bodies, pf.body)
				insns += pf.insns
			}
		}
	}
	if len(bodies) == 0 {
		return 0
	}
	cm, err := rt.CompileModule(ctx, batchModule(4, 1, bodies))
	if err != nil {
		tb.Fatalf("compile: %v", err)
	}
	if _, err := rt.InstantiateModule(ctx, cm, wazero.NewModuleConfig()); err != nil {
		tb.Fatalf("instantiate: %v", err)
	}
	return insns
}

// TestTranslatePageShapes translates pages of known code: loops (backward
// branches), forward branches, jumps off the page, every load and store
// width, every translated ALU and M operation, and an instruction that
// crosses the page end.
func TestTranslatePageShapes(t *testing.T) {
	words := []uint32{
		0x00150513, // addi a0,a0,1
		0x00863583, // ld a1,8(a2)
		0x00b686b3, // add a3,a3,a1
		0x02b50533, // mul a0,a0,a1
		0x02b51533, // mulh a0,a0,a1
		0x02b52533, // mulhsu
		0x02b53533, // mulhu
		0x02b54533, // div
		0x02b55533, // divu
		0x02b56533, // rem
		0x02b57533, // remu
		0x02b5053b, // mulw
		0x02b5453b, // divw
		0x02b5553b, // divuw
		0x02b5653b, // remw
		0x02b5753b, // remuw
		0x00d63023, // sd a3,0(a2)
		0x00d61023, // sh
		0x00d60023, // sb
		0x00d62023, // sw
		0x00061583, // lh
		0x00064583, // lbu
		0x00066583, // lwu
		0x00e51463, // bne a0,a4,+8
		0xfe0516e3, // bnez a0,-20
		0x008000ef, // jal ra,+8
		0x000080e7, // jalr ra,0(ra)
		0x7ff0006f, // j far (off the page)
		0x00001537, // lui a0,1
		0x00000517, // auipc a0,0
		0x34202573, // csrr a0,mcause (interpreted)
	}
	var pg [pageSize]byte
	for i := 0; i+4 <= pageSize; i += 4 {
		binary.LittleEndian.PutUint32(pg[i:], words[(i/4)%len(words)])
	}
	binary.LittleEndian.PutUint16(pg[pageSize-2:], 0x0003) // a 32-bit instruction cut by the page end
	if n := compileAll(t, pg[:], []int{0, 40, 400, pageSize - 2}); n == 0 {
		t.Fatal("nothing translated")
	}
}

// FuzzTranslatePage translates arbitrary page bytes from arbitrary entry
// points: the result must always compile.
func FuzzTranslatePage(f *testing.F) {
	f.Add([]byte{0x13, 0x05, 0x15, 0x00, 0x63, 0x14, 0xe5, 0x00}, uint16(0))
	f.Add([]byte{0x01, 0x11, 0x82, 0x80}, uint16(2))
	f.Fuzz(func(t *testing.T, data []byte, entry uint16) {
		var pg [pageSize]byte
		for i := 0; i < pageSize && len(data) > 0; i += len(data) {
			copy(pg[i:], data)
		}
		compileAll(t, pg[:], []int{int(entry) % pageSize &^ 1, 0})
	})
}
