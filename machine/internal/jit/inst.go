package jit

import "github.com/reprovm/reprovm/machine/internal/rv"

// Instruction emission for the translated subset. Each case computes
// exactly what the interpreter's case in hart/run.go computes (RISC-V
// unprivileged ISA 20191213, chapters 2, 5 and 7): wasm's shifts mask
// their count like RV64's, and division, which traps in wasm, is given the
// M extension's results for a zero divisor and for overflow explicitly.

// aluImm maps the register-immediate operations to a wasm i64 operator.
var aluImm = map[rv.Op]byte{
	rv.OpADDI: opI64Add, rv.OpXORI: opI64Xor, rv.OpORI: opI64Or, rv.OpANDI: opI64And,
	rv.OpSLLI: opI64Shl, rv.OpSRLI: opI64ShrU, rv.OpSRAI: opI64ShrS,
}

// aluReg maps the register-register operations to a wasm i64 operator.
var aluReg = map[rv.Op]byte{
	rv.OpADD: opI64Add, rv.OpSUB: opI64Sub, rv.OpSLL: opI64Shl, rv.OpXOR: opI64Xor,
	rv.OpSRL: opI64ShrU, rv.OpSRA: opI64ShrS, rv.OpOR: opI64Or, rv.OpAND: opI64And,
	rv.OpMUL: opI64Mul,
}

// memOp describes a load or store: its size and wasm operator.
type memOp struct {
	size  int
	op    byte
	store bool
}

var memOps = map[rv.Op]memOp{
	rv.OpLB: {1, opI64Load8S, false}, rv.OpLBU: {1, opI64Load8U, false},
	rv.OpLH: {2, opI64Load16S, false}, rv.OpLHU: {2, opI64Load16U, false},
	rv.OpLW: {4, opI64Load32S, false}, rv.OpLWU: {4, opI64Load32U, false},
	rv.OpLD: {8, opI64Load, false},
	rv.OpSB: {1, opI64Store8, true}, rv.OpSH: {2, opI64Store16, true},
	rv.OpSW: {4, opI64Store32, true}, rv.OpSD: {8, opI64Store, true},
}

// inst emits instruction in at page offset off, the k-th of its block.
func (e *emitter) inst(in *rv.Inst, off, k int) {
	c := &e.c
	imm := int64(in.Imm)
	if o, ok := aluImm[in.Op]; ok {
		e.rs(in.Rs1)
		if o == opI64Shl || o == opI64ShrU || o == opI64ShrS {
			imm &= 63
		}
		c.i64(imm)
		c.op(o)
		e.setRd(in.Rd)
		return
	}
	if o, ok := aluReg[in.Op]; ok {
		e.rs(in.Rs1)
		e.rs(in.Rs2)
		c.op(o)
		e.setRd(in.Rd)
		return
	}
	if m, ok := memOps[in.Op]; ok {
		e.access(in, m, off, k)
		return
	}
	switch in.Op {
	case rv.OpFENCE:
	case rv.OpLUI:
		c.i64(imm)
		e.setRd(in.Rd)
	case rv.OpAUIPC:
		e.pcValue(off + int(imm))
		e.setRd(in.Rd)
	case rv.OpSLTI, rv.OpSLTIU:
		e.rs(in.Rs1)
		c.i64(imm)
		c.op(map[bool]byte{true: opI64LtS, false: opI64LtU}[in.Op == rv.OpSLTI], opI64ExtendI32U)
		e.setRd(in.Rd)
	case rv.OpSLT, rv.OpSLTU:
		e.rs(in.Rs1)
		e.rs(in.Rs2)
		c.op(map[bool]byte{true: opI64LtS, false: opI64LtU}[in.Op == rv.OpSLT], opI64ExtendI32U)
		e.setRd(in.Rd)
	case rv.OpADDIW:
		e.rs(in.Rs1)
		c.i64(imm)
		c.op(opI64Add, opI64Extend32S)
		e.setRd(in.Rd)
	case rv.OpSLLIW:
		e.rs(in.Rs1)
		c.i64(imm & 31)
		c.op(opI64Shl, opI64Extend32S)
		e.setRd(in.Rd)
	case rv.OpSRLIW, rv.OpSRAIW:
		e.rs(in.Rs1)
		c.op(opI32WrapI64)
		c.i32(int32(imm & 31))
		c.op(map[bool]byte{true: opI32ShrU, false: opI32ShrS}[in.Op == rv.OpSRLIW], opI64ExtendI32S)
		e.setRd(in.Rd)
	case rv.OpADDW, rv.OpSUBW, rv.OpMULW:
		e.rs(in.Rs1)
		e.rs(in.Rs2)
		c.op(map[rv.Op]byte{rv.OpADDW: opI64Add, rv.OpSUBW: opI64Sub, rv.OpMULW: opI64Mul}[in.Op], opI64Extend32S)
		e.setRd(in.Rd)
	case rv.OpSLLW:
		e.rs(in.Rs1)
		e.rs(in.Rs2)
		c.i64(31)
		c.op(opI64And, opI64Shl, opI64Extend32S)
		e.setRd(in.Rd)
	case rv.OpSRLW, rv.OpSRAW:
		e.rs(in.Rs1)
		c.op(opI32WrapI64)
		e.rs(in.Rs2)
		c.op(opI32WrapI64) // i32 shifts take the count mod 32
		c.op(map[bool]byte{true: opI32ShrU, false: opI32ShrS}[in.Op == rv.OpSRLW], opI64ExtendI32S)
		e.setRd(in.Rd)
	case rv.OpMULHU:
		e.rs(in.Rs1)
		e.rs(in.Rs2)
		c.op(opCall, 0)
		e.setRd(in.Rd)
	case rv.OpMULH, rv.OpMULHSU:
		// mulhu(a, b) - (a < 0 ? b : 0) - (signed b < 0 ? a : 0)
		e.rs(in.Rs1)
		e.rs(in.Rs2)
		c.op(opCall, 0)
		e.rs(in.Rs2)
		e.rs(in.Rs1)
		c.i64(63)
		c.op(opI64ShrS, opI64And, opI64Sub)
		if in.Op == rv.OpMULH {
			e.rs(in.Rs1)
			e.rs(in.Rs2)
			c.i64(63)
			c.op(opI64ShrS, opI64And, opI64Sub)
		}
		e.setRd(in.Rd)
	case rv.OpDIV, rv.OpDIVU, rv.OpREM, rv.OpREMU, rv.OpDIVW, rv.OpDIVUW, rv.OpREMW, rv.OpREMUW:
		e.div(in)
	}
}

// div emits the M extension's divisions (§7.2): x/0 is all ones, x%0 is
// x, and the signed overflow -2^63 / -1 is -2^63 with remainder 0 (wasm's
// rem_s already gives 0 there; its div_s would trap). The word forms work
// on the sign- or zero-extended 32-bit operands, where no overflow exists.
func (e *emitter) div(in *rv.Inst) {
	c := &e.c
	word := in.Op == rv.OpDIVW || in.Op == rv.OpDIVUW || in.Op == rv.OpREMW || in.Op == rv.OpREMUW
	unsigned := in.Op == rv.OpDIVU || in.Op == rv.OpREMU || in.Op == rv.OpDIVUW || in.Op == rv.OpREMUW
	isRem := in.Op == rv.OpREM || in.Op == rv.OpREMU || in.Op == rv.OpREMW || in.Op == rv.OpREMUW
	operand := func(r uint8, l uint32) {
		e.rs(r)
		if word {
			if unsigned {
				c.i64(0xffffffff)
				c.op(opI64And)
			} else {
				c.op(opI64Extend32S)
			}
		}
		c.set(l)
	}
	operand(in.Rs1, lTmp)
	operand(in.Rs2, lTmp2)
	c.get(lTmp2)
	c.op(opI64Eqz)
	e.ifI64()
	if isRem {
		c.get(lTmp)
		if word {
			c.op(opI64Extend32S)
		}
	} else {
		c.i64(-1)
	}
	e.els()
	if !word && !unsigned && !isRem {
		c.get(lTmp)
		c.i64(-1 << 63)
		c.op(opI64Eq)
		c.get(lTmp2)
		c.i64(-1)
		c.op(opI64Eq, opI32And)
		e.ifI64()
		c.get(lTmp)
		e.els()
		c.get(lTmp)
		c.get(lTmp2)
		c.op(opI64DivS)
		e.end()
	} else {
		c.get(lTmp)
		c.get(lTmp2)
		switch {
		case isRem && unsigned:
			c.op(opI64RemU)
		case isRem:
			c.op(opI64RemS)
		case unsigned:
			c.op(opI64DivU)
		default:
			c.op(opI64DivS)
		}
		if word {
			c.op(opI64Extend32S)
		}
	}
	e.end()
	e.setRd(in.Rd)
}

// access emits a load or store through the translated TLB: a hit on a RAM
// page that the access does not run past is done in place; anything else
// leaves with exitMem and the address in stVA, and the interpreter does
// the access (and fills the TLB for next time).
func (e *emitter) access(in *rv.Inst, m memOp, off, k int) {
	c := &e.c
	base, key := uint32(tlbLBase), uint32(lKeyL)
	if m.store {
		base, key = tlbSBase, lKeyS
	}
	e.rs(in.Rs1)
	c.i64(int64(in.Imm))
	c.op(opI64Add)
	c.tee(lVA)
	c.tlbSlot()
	c.tee(lE)
	c.mem(opI64Load, base)
	c.get(lVA)
	c.i64(^int64(pageSize - 1))
	c.op(opI64And)
	c.get(key)
	c.op(opI64Or, opI64Eq)
	if m.size > 1 {
		c.get(lVA)
		c.op(opI32WrapI64)
		c.i32(pageSize - 1)
		c.op(opI32And)
		c.i32(int32(pageSize - m.size))
		c.op(opI32LeU, opI32And)
	}
	e.ifVoid()
	c.get(lE)
	c.mem(opI32Load, base+8)
	c.get(lVA)
	c.op(opI32WrapI64)
	c.i32(pageSize - 1)
	c.op(opI32And, opI32Add)
	if m.store {
		e.rs(in.Rs2)
		c.mem(m.op, 0)
	} else {
		c.mem(m.op, 0)
		e.setRd(in.Rd)
	}
	e.els()
	c.i32(0)
	c.get(lVA)
	c.mem(opI64Store, stVA)
	e.exit(exitMem, off, k)
	e.end()
}
