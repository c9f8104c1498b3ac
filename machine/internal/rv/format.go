package rv

import (
	"fmt"
	"strings"
)

// regNames are the integer registers' ABI names (RISC-V psABI, "Integer
// Register Convention").
var regNames = [32]string{
	"zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2",
	"s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5",
	"a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7",
	"s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
}

// fregNames are the FP registers' ABI names.
var fregNames = [32]string{
	"ft0", "ft1", "ft2", "ft3", "ft4", "ft5", "ft6", "ft7",
	"fs0", "fs1", "fa0", "fa1", "fa2", "fa3", "fa4", "fa5",
	"fa6", "fa7", "fs2", "fs3", "fs4", "fs5", "fs6", "fs7",
	"fs8", "fs9", "fs10", "fs11", "ft8", "ft9", "ft10", "ft11",
}

// RegName returns the ABI name of integer register i (0-31).
func RegName(i int) string { return regNames[i&31] }

// FRegName returns the ABI name of FP register i (0-31).
func FRegName(i int) string { return fregNames[i&31] }

// Format returns in as assembly, for reports meant for people (the
// instruction at which two runs diverged, say): the mnemonic and operands
// in the order GNU as prints them, with ABI register names. pc is the
// instruction's address, for the targets of branches and jumps. It is
// not meant to round-trip through an assembler: compressed instructions
// print as the operation they expand to.
func Format(in Inst, pc uint64) string {
	op := in.Op
	x := func(r uint8) string { return regNames[r&31] }
	f := func(r uint8) string { return fregNames[r&31] }
	target := fmt.Sprintf("%#x", pc+uint64(int64(in.Imm)))
	switch {
	case op == OpUndecoded || op == OpIllegal:
		return fmt.Sprintf("illegal %#x", in.Raw)
	case op == OpLUI || op == OpAUIPC:
		return fmt.Sprintf("%s %s, %#x", op, x(in.Rd), uint32(in.Imm)>>12)
	case op == OpJAL:
		return fmt.Sprintf("jal %s, %s", x(in.Rd), target)
	case op == OpJALR:
		return fmt.Sprintf("jalr %s, %d(%s)", x(in.Rd), in.Imm, x(in.Rs1))
	case op >= OpBEQ && op <= OpBGEU:
		return fmt.Sprintf("%s %s, %s, %s", op, x(in.Rs1), x(in.Rs2), target)
	case op >= OpLB && op <= OpLWU:
		return fmt.Sprintf("%s %s, %d(%s)", op, x(in.Rd), in.Imm, x(in.Rs1))
	case op >= OpSB && op <= OpSD:
		return fmt.Sprintf("%s %s, %d(%s)", op, x(in.Rs2), in.Imm, x(in.Rs1))
	case op >= OpADDI && op <= OpSRAI, op >= OpADDIW && op <= OpSRAIW:
		return fmt.Sprintf("%s %s, %s, %d", op, x(in.Rd), x(in.Rs1), in.Imm)
	case op >= OpADD && op <= OpAND, op >= OpADDW && op <= OpSRAW, op >= OpMUL && op <= OpREMUW:
		return fmt.Sprintf("%s %s, %s, %s", op, x(in.Rd), x(in.Rs1), x(in.Rs2))
	case op == OpLRW || op == OpLRD:
		return fmt.Sprintf("%s %s, (%s)", op, x(in.Rd), x(in.Rs1))
	case op >= OpLRW && op <= OpAMOMAXUD:
		return fmt.Sprintf("%s %s, %s, (%s)", op, x(in.Rd), x(in.Rs2), x(in.Rs1))
	case op >= OpCSRRW && op <= OpCSRRC:
		return fmt.Sprintf("%s %s, %#x, %s", op, x(in.Rd), uint32(in.Imm)&0xfff, x(in.Rs1))
	case op >= OpCSRRWI && op <= OpCSRRCI:
		return fmt.Sprintf("%s %s, %#x, %d", op, x(in.Rd), uint32(in.Imm)&0xfff, in.Rs1)
	case op == OpSFENCEVMA:
		return fmt.Sprintf("sfence.vma %s, %s", x(in.Rs1), x(in.Rs2))
	case op == OpFLW || op == OpFLD:
		return fmt.Sprintf("%s %s, %d(%s)", op, f(in.Rd), in.Imm, x(in.Rs1))
	case op == OpFSW || op == OpFSD:
		return fmt.Sprintf("%s %s, %d(%s)", op, f(in.Rs2), in.Imm, x(in.Rs1))
	case op.IsFP():
		name := op.String()
		// Operand kinds follow the mnemonic: fmv.x.*, fcvt.{w,l}*.*, feq,
		// flt, fle and fclass write an integer register; fmv.*.x and
		// fcvt.*.{w,l}* read one.
		rd, rs1 := f(in.Rd), f(in.Rs1)
		switch {
		case strings.HasPrefix(name, "fmv.x."), strings.HasPrefix(name, "fclass."),
			strings.HasPrefix(name, "feq."), strings.HasPrefix(name, "flt."), strings.HasPrefix(name, "fle."),
			strings.HasPrefix(name, "fcvt.w"), strings.HasPrefix(name, "fcvt.l"):
			rd = x(in.Rd)
		}
		if strings.HasSuffix(name, ".x") || strings.HasSuffix(name, ".w") || strings.HasSuffix(name, ".wu") ||
			strings.HasSuffix(name, ".l") || strings.HasSuffix(name, ".lu") {
			rs1 = x(in.Rs1)
		}
		switch {
		case op == OpFMADDS || op == OpFMSUBS || op == OpFNMSUBS || op == OpFNMADDS ||
			op == OpFMADDD || op == OpFMSUBD || op == OpFNMSUBD || op == OpFNMADDD:
			return fmt.Sprintf("%s %s, %s, %s, %s", op, rd, rs1, f(in.Rs2), f(in.Rs3))
		case strings.HasPrefix(name, "fsqrt."), strings.HasPrefix(name, "fcvt."), strings.HasPrefix(name, "fmv."),
			strings.HasPrefix(name, "fclass."):
			return fmt.Sprintf("%s %s, %s", op, rd, rs1)
		}
		return fmt.Sprintf("%s %s, %s, %s", op, rd, rs1, f(in.Rs2))
	}
	return op.String()
}
