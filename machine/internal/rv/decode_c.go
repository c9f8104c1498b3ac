package rv

// DecodeCompressed expands a 16-bit RVC instruction (its low two bits are not
// 0b11) for RV64, per the C extension's RVC listings. Reserved and
// RV32-only encodings (and the all-zero instruction) decode to OpIllegal.
func DecodeCompressed(h uint16) Inst {
	in := decodeC(uint32(h))
	in.Len = 2
	in.Raw = uint32(h)
	if in.Op == OpIllegal {
		return Inst{Op: OpIllegal, Len: 2, Raw: uint32(h)}
	}
	return in
}

// bits returns w[hi:lo].
func bits(w uint32, hi, lo uint) uint32 { return w >> lo & (1<<(hi-lo+1) - 1) }

// sext sign-extends the low n bits of v.
func sext(v uint32, n uint) int32 { return int32(v<<(32-n)) >> (32 - n) }

func decodeC(w uint32) Inst {
	f3 := w >> 13
	rdp := uint8(bits(w, 4, 2) + 8)  // rd'/rs2' (x8..x15)
	rs1p := uint8(bits(w, 9, 7) + 8) // rs1'/rd'
	rd := uint8(bits(w, 11, 7))
	rs2 := uint8(bits(w, 6, 2))
	switch w & 3 {
	case 0:
		switch f3 {
		case 0: // c.addi4spn
			imm := bits(w, 12, 11)<<4 | bits(w, 10, 7)<<6 | bits(w, 6, 6)<<2 | bits(w, 5, 5)<<3
			if imm == 0 {
				return Inst{Op: OpIllegal}
			}
			return Inst{Op: OpADDI, Rd: rdp, Rs1: 2, Imm: int32(imm)}
		case 1: // c.fld
			return Inst{Op: OpFLD, Rd: rdp, Rs1: rs1p, Imm: int32(clsD(w))}
		case 2: // c.lw
			return Inst{Op: OpLW, Rd: rdp, Rs1: rs1p, Imm: int32(clsW(w))}
		case 3: // c.ld
			return Inst{Op: OpLD, Rd: rdp, Rs1: rs1p, Imm: int32(clsD(w))}
		case 5: // c.fsd
			return Inst{Op: OpFSD, Rs1: rs1p, Rs2: rdp, Imm: int32(clsD(w))}
		case 6: // c.sw
			return Inst{Op: OpSW, Rs1: rs1p, Rs2: rdp, Imm: int32(clsW(w))}
		case 7: // c.sd
			return Inst{Op: OpSD, Rs1: rs1p, Rs2: rdp, Imm: int32(clsD(w))}
		}
	case 1:
		imm6 := sext(bits(w, 12, 12)<<5|bits(w, 6, 2), 6)
		switch f3 {
		case 0: // c.addi (c.nop when rd = 0)
			return Inst{Op: OpADDI, Rd: rd, Rs1: rd, Imm: imm6}
		case 1: // c.addiw
			if rd == 0 {
				return Inst{Op: OpIllegal}
			}
			return Inst{Op: OpADDIW, Rd: rd, Rs1: rd, Imm: imm6}
		case 2: // c.li
			return Inst{Op: OpADDI, Rd: rd, Rs1: 0, Imm: imm6}
		case 3:
			if rd == 2 { // c.addi16sp
				imm := bits(w, 12, 12)<<9 | bits(w, 6, 6)<<4 | bits(w, 5, 5)<<6 | bits(w, 4, 3)<<7 | bits(w, 2, 2)<<5
				if imm == 0 {
					return Inst{Op: OpIllegal}
				}
				return Inst{Op: OpADDI, Rd: 2, Rs1: 2, Imm: sext(imm, 10)}
			}
			if imm6 == 0 { // c.lui with nzimm = 0 is reserved
				return Inst{Op: OpIllegal}
			}
			return Inst{Op: OpLUI, Rd: rd, Imm: imm6 << 12}
		case 4:
			return decodeCArith(w, rs1p, rdp)
		case 5: // c.j
			return Inst{Op: OpJAL, Rd: 0, Imm: cjImm(w)}
		case 6: // c.beqz
			return Inst{Op: OpBEQ, Rs1: rs1p, Rs2: 0, Imm: cbImm(w)}
		case 7: // c.bnez
			return Inst{Op: OpBNE, Rs1: rs1p, Rs2: 0, Imm: cbImm(w)}
		}
	case 2:
		switch f3 {
		case 0: // c.slli (rd = 0 is a hint: executes as a no-op write to x0)
			return Inst{Op: OpSLLI, Rd: rd, Rs1: rd, Imm: int32(bits(w, 12, 12)<<5 | bits(w, 6, 2))}
		case 1: // c.fldsp
			imm := bits(w, 12, 12)<<5 | bits(w, 6, 5)<<3 | bits(w, 4, 2)<<6
			return Inst{Op: OpFLD, Rd: rd, Rs1: 2, Imm: int32(imm)}
		case 2: // c.lwsp
			if rd == 0 {
				return Inst{Op: OpIllegal}
			}
			imm := bits(w, 12, 12)<<5 | bits(w, 6, 4)<<2 | bits(w, 3, 2)<<6
			return Inst{Op: OpLW, Rd: rd, Rs1: 2, Imm: int32(imm)}
		case 3: // c.ldsp
			if rd == 0 {
				return Inst{Op: OpIllegal}
			}
			imm := bits(w, 12, 12)<<5 | bits(w, 6, 5)<<3 | bits(w, 4, 2)<<6
			return Inst{Op: OpLD, Rd: rd, Rs1: 2, Imm: int32(imm)}
		case 4:
			switch {
			case bits(w, 12, 12) == 0 && rs2 == 0: // c.jr
				if rd == 0 {
					return Inst{Op: OpIllegal}
				}
				return Inst{Op: OpJALR, Rd: 0, Rs1: rd}
			case bits(w, 12, 12) == 0: // c.mv
				return Inst{Op: OpADD, Rd: rd, Rs1: 0, Rs2: rs2}
			case rd == 0 && rs2 == 0: // c.ebreak
				return Inst{Op: OpEBREAK}
			case rs2 == 0: // c.jalr
				return Inst{Op: OpJALR, Rd: 1, Rs1: rd}
			default: // c.add
				return Inst{Op: OpADD, Rd: rd, Rs1: rd, Rs2: rs2}
			}
		case 5: // c.fsdsp
			imm := bits(w, 12, 10)<<3 | bits(w, 9, 7)<<6
			return Inst{Op: OpFSD, Rs1: 2, Rs2: rs2, Imm: int32(imm)}
		case 6: // c.swsp
			imm := bits(w, 12, 9)<<2 | bits(w, 8, 7)<<6
			return Inst{Op: OpSW, Rs1: 2, Rs2: rs2, Imm: int32(imm)}
		case 7: // c.sdsp
			imm := bits(w, 12, 10)<<3 | bits(w, 9, 7)<<6
			return Inst{Op: OpSD, Rs1: 2, Rs2: rs2, Imm: int32(imm)}
		}
	}
	return Inst{Op: OpIllegal}
}

// clsW is the offset of c.lw/c.sw: uimm[5:3|2|6].
func clsW(w uint32) uint32 {
	return bits(w, 12, 10)<<3 | bits(w, 6, 6)<<2 | bits(w, 5, 5)<<6
}

// clsD is the offset of c.ld/c.sd/c.fld/c.fsd: uimm[5:3|7:6].
func clsD(w uint32) uint32 {
	return bits(w, 12, 10)<<3 | bits(w, 6, 5)<<6
}

// cjImm is the offset of c.j/c.jal: imm[11|4|9:8|10|6|7|3:1|5].
func cjImm(w uint32) int32 {
	v := bits(w, 12, 12)<<11 | bits(w, 11, 11)<<4 | bits(w, 10, 9)<<8 | bits(w, 8, 8)<<10 |
		bits(w, 7, 7)<<6 | bits(w, 6, 6)<<7 | bits(w, 5, 3)<<1 | bits(w, 2, 2)<<5
	return sext(v, 12)
}

// cbImm is the offset of c.beqz/c.bnez: imm[8|4:3] and imm[7:6|2:1|5].
func cbImm(w uint32) int32 {
	v := bits(w, 12, 12)<<8 | bits(w, 11, 10)<<3 | bits(w, 6, 5)<<6 | bits(w, 4, 3)<<1 | bits(w, 2, 2)<<5
	return sext(v, 9)
}

func decodeCArith(w uint32, rd, rs2 uint8) Inst {
	shamt := int32(bits(w, 12, 12)<<5 | bits(w, 6, 2))
	switch bits(w, 11, 10) {
	case 0: // c.srli
		return Inst{Op: OpSRLI, Rd: rd, Rs1: rd, Imm: shamt}
	case 1: // c.srai
		return Inst{Op: OpSRAI, Rd: rd, Rs1: rd, Imm: shamt}
	case 2: // c.andi
		return Inst{Op: OpANDI, Rd: rd, Rs1: rd, Imm: sext(bits(w, 12, 12)<<5|bits(w, 6, 2), 6)}
	}
	var ops [8]Op
	if bits(w, 12, 12) == 0 {
		ops = [8]Op{OpSUB, OpXOR, OpOR, OpAND}
	} else {
		ops = [8]Op{OpSUBW, OpADDW, OpIllegal, OpIllegal}
	}
	op := ops[bits(w, 6, 5)]
	return Inst{Op: op, Rd: rd, Rs1: rd, Rs2: rs2}
}
