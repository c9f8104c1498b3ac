package hart

import (
	"testing"

	"github.com/reprovm/reprovm/machine/internal/rv"
)

// TestFPRNE checks Run's rounding-mode test against the resolution
// execFP makes (roundingMode): for every rm field and every frm value,
// fpRNE must hold exactly when the instruction rounds to nearest, ties
// to even, and never for a reserved mode.
func TestFPRNE(t *testing.T) {
	for rm := uint8(0); rm < 8; rm++ {
		in := rv.Inst{Op: rv.OpFADDD, RM: rm, Rs3: 31}
		imm := fpUopImm(&in)
		if imm&7 != int32(rm) || imm>>3&31 != 31 {
			t.Errorf("fpUopImm(rm %d, rs3 31) = %#x: rm or rs3 lost", rm, imm)
		}
		for frm := uint8(0); frm < 8; frm++ {
			mode := rm
			if rm == rv.DynamicRM {
				mode = frm
			}
			if got, want := fpRNE(imm, frm), mode == 0; got != want {
				t.Errorf("fpRNE(rm %d, frm %d) = %v, want %v", rm, frm, got, want)
			}
		}
	}
}
