package rv

// Immediate extraction, RISC-V unprivileged ISA §2.3 "Immediate Encoding
// Variants". Each returns the sign-extended value.

func immI(w uint32) int32 { return int32(w) >> 20 }

func immS(w uint32) int32 {
	return int32(w&0xfe000000)>>20 | int32(w>>7&0x1f)
}

func immB(w uint32) int32 {
	v := int32(w&0x80000000)>>19 | int32(w&0x80)<<4 | int32(w>>20&0x7e0) | int32(w>>7&0x1e)
	return v
}

func immU(w uint32) int32 { return int32(w & 0xfffff000) }

func immJ(w uint32) int32 {
	return int32(w&0x80000000)>>11 | int32(w&0xff000) | int32(w>>9&0x800) | int32(w>>20&0x7fe)
}

// Decode decodes a 32-bit instruction (its low two bits are 0b11). An
// encoding this hart does not implement decodes to OpIllegal.
func Decode(w uint32) Inst {
	in := Inst{
		Len: 4,
		Raw: w,
		Rd:  uint8(w >> 7 & 31),
		Rs1: uint8(w >> 15 & 31),
		Rs2: uint8(w >> 20 & 31),
	}
	in.Op = decodeOp(w, &in)
	if in.Op == OpIllegal {
		return Inst{Op: OpIllegal, Len: 4, Raw: w}
	}
	return in
}

func decodeOp(w uint32, in *Inst) Op {
	f3 := w >> 12 & 7
	f7 := w >> 25
	switch w & 0x7f {
	case 0x37:
		in.Imm = immU(w)
		return OpLUI
	case 0x17:
		in.Imm = immU(w)
		return OpAUIPC
	case 0x6f:
		in.Imm = immJ(w)
		return OpJAL
	case 0x67:
		in.Imm = immI(w)
		if f3 == 0 {
			return OpJALR
		}
	case 0x63:
		in.Imm = immB(w)
		return [8]Op{OpBEQ, OpBNE, OpIllegal, OpIllegal, OpBLT, OpBGE, OpBLTU, OpBGEU}[f3]
	case 0x03:
		in.Imm = immI(w)
		return [8]Op{OpLB, OpLH, OpLW, OpLD, OpLBU, OpLHU, OpLWU, OpIllegal}[f3]
	case 0x23:
		in.Imm = immS(w)
		return [8]Op{OpSB, OpSH, OpSW, OpSD, OpIllegal, OpIllegal, OpIllegal, OpIllegal}[f3]
	case 0x13:
		in.Imm = immI(w)
		switch f3 {
		case 1: // slli: imm[11:6] must be 0 (shamt is 6 bits on RV64)
			in.Imm &= 63
			if w>>26 == 0 {
				return OpSLLI
			}
			return OpIllegal
		case 5:
			in.Imm &= 63
			switch w >> 26 {
			case 0:
				return OpSRLI
			case 0x10:
				return OpSRAI
			}
			return OpIllegal
		}
		return [8]Op{OpADDI, 0, OpSLTI, OpSLTIU, OpXORI, 0, OpORI, OpANDI}[f3]
	case 0x1b:
		in.Imm = immI(w)
		switch {
		case f3 == 0:
			return OpADDIW
		case f3 == 1 && f7 == 0:
			in.Imm &= 31
			return OpSLLIW
		case f3 == 5 && f7 == 0:
			in.Imm &= 31
			return OpSRLIW
		case f3 == 5 && f7 == 0x20:
			in.Imm &= 31
			return OpSRAIW
		}
	case 0x33:
		switch f7 {
		case 0:
			return [8]Op{OpADD, OpSLL, OpSLT, OpSLTU, OpXOR, OpSRL, OpOR, OpAND}[f3]
		case 0x20:
			return [8]Op{OpSUB, OpIllegal, OpIllegal, OpIllegal, OpIllegal, OpSRA, OpIllegal, OpIllegal}[f3]
		case 1:
			return [8]Op{OpMUL, OpMULH, OpMULHSU, OpMULHU, OpDIV, OpDIVU, OpREM, OpREMU}[f3]
		}
	case 0x3b:
		switch f7 {
		case 0:
			return [8]Op{OpADDW, OpSLLW, OpIllegal, OpIllegal, OpIllegal, OpSRLW, OpIllegal, OpIllegal}[f3]
		case 0x20:
			return [8]Op{OpSUBW, OpIllegal, OpIllegal, OpIllegal, OpIllegal, OpSRAW, OpIllegal, OpIllegal}[f3]
		case 1:
			return [8]Op{OpMULW, OpIllegal, OpIllegal, OpIllegal, OpDIVW, OpDIVUW, OpREMW, OpREMUW}[f3]
		}
	case 0x0f:
		switch f3 {
		case 0:
			return OpFENCE // fm, pred, succ and the reserved fields are ignored (§2.7)
		case 1:
			return OpFENCEI
		}
	case 0x73:
		return decodeSystem(w, f3, in)
	case 0x2f:
		return decodeAMO(w, f3)
	case 0x07:
		in.Imm = immI(w)
		switch f3 {
		case 2:
			return OpFLW
		case 3:
			return OpFLD
		}
	case 0x27:
		in.Imm = immS(w)
		switch f3 {
		case 2:
			return OpFSW
		case 3:
			return OpFSD
		}
	case 0x43, 0x47, 0x4b, 0x4f:
		return decodeFMA(w, in)
	case 0x53:
		return decodeFP(w, in)
	}
	return OpIllegal
}

func decodeSystem(w, f3 uint32, in *Inst) Op {
	in.Imm = int32(w >> 20) // CSR number
	switch f3 {
	case 0:
		switch {
		case w == 0x00000073:
			return OpECALL
		case w == 0x00100073:
			return OpEBREAK
		case w == 0x30200073:
			return OpMRET
		case w == 0x10200073:
			return OpSRET
		case w == 0x10500073:
			return OpWFI
		case w>>25 == 0x09 && w&0x7fff == 0x73: // sfence.vma rs1, rs2 (rd = 0, f3 = 0)
			return OpSFENCEVMA
		}
		return OpIllegal
	case 1:
		return OpCSRRW
	case 2:
		return OpCSRRS
	case 3:
		return OpCSRRC
	case 5:
		return OpCSRRWI
	case 6:
		return OpCSRRSI
	case 7:
		return OpCSRRCI
	}
	return OpIllegal
}

func decodeAMO(w, f3 uint32) Op {
	f5 := w >> 27
	rs2 := w >> 20 & 31
	var ops *[32]Op
	switch f3 {
	case 2:
		ops = &amoW
	case 3:
		ops = &amoD
	default:
		return OpIllegal
	}
	op := ops[f5]
	if (op == OpLRW || op == OpLRD) && rs2 != 0 {
		return OpIllegal
	}
	if op == OpUndecoded {
		return OpIllegal
	}
	return op
}

// amoW and amoD map funct5 to an operation (A extension, "Atomic Memory
// Operations" encoding table).
var amoW = [32]Op{
	0x00: OpAMOADDW, 0x01: OpAMOSWAPW, 0x02: OpLRW, 0x03: OpSCW, 0x04: OpAMOXORW,
	0x08: OpAMOORW, 0x0c: OpAMOANDW, 0x10: OpAMOMINW, 0x14: OpAMOMAXW,
	0x18: OpAMOMINUW, 0x1c: OpAMOMAXUW,
}

var amoD = [32]Op{
	0x00: OpAMOADDD, 0x01: OpAMOSWAPD, 0x02: OpLRD, 0x03: OpSCD, 0x04: OpAMOXORD,
	0x08: OpAMOORD, 0x0c: OpAMOANDD, 0x10: OpAMOMIND, 0x14: OpAMOMAXD,
	0x18: OpAMOMINUD, 0x1c: OpAMOMAXUD,
}

// validRM reports whether an rm field may be encoded at all. Values 5 and 6
// are reserved; 7 (dynamic) is checked against frm at execution time.
func validRM(rm uint32) bool { return rm <= 4 || rm == 7 }

func decodeFMA(w uint32, in *Inst) Op {
	rm := w >> 12 & 7
	if !validRM(rm) {
		return OpIllegal
	}
	in.RM = uint8(rm)
	in.Rs3 = uint8(w >> 27)
	fmt := w >> 25 & 3
	base := [4]Op{OpFMADDS, OpFMSUBS, OpFNMSUBS, OpFNMADDS}[w>>2&3]
	switch fmt {
	case 0:
		return base
	case 1:
		return base - OpFMADDS + OpFMADDD
	}
	return OpIllegal
}

func decodeFP(w uint32, in *Inst) Op {
	rm := w >> 12 & 7
	rs2 := w >> 20 & 31
	f7 := w >> 25
	in.RM = uint8(rm)
	// Operations with a rounding mode.
	rounded := func(op Op) Op {
		if !validRM(rm) {
			return OpIllegal
		}
		return op
	}
	switch f7 {
	case 0x00:
		return rounded(OpFADDS)
	case 0x04:
		return rounded(OpFSUBS)
	case 0x08:
		return rounded(OpFMULS)
	case 0x0c:
		return rounded(OpFDIVS)
	case 0x01:
		return rounded(OpFADDD)
	case 0x05:
		return rounded(OpFSUBD)
	case 0x09:
		return rounded(OpFMULD)
	case 0x0d:
		return rounded(OpFDIVD)
	case 0x2c:
		if rs2 == 0 {
			return rounded(OpFSQRTS)
		}
	case 0x2d:
		if rs2 == 0 {
			return rounded(OpFSQRTD)
		}
	case 0x10:
		return pick3(rm, OpFSGNJS, OpFSGNJNS, OpFSGNJXS)
	case 0x11:
		return pick3(rm, OpFSGNJD, OpFSGNJND, OpFSGNJXD)
	case 0x14:
		return pick2(rm, OpFMINS, OpFMAXS)
	case 0x15:
		return pick2(rm, OpFMIND, OpFMAXD)
	case 0x20:
		if rs2 == 1 {
			return rounded(OpFCVTSD)
		}
	case 0x21:
		if rs2 == 0 {
			return rounded(OpFCVTDS)
		}
	case 0x50:
		return pick3(rm, OpFLES, OpFLTS, OpFEQS)
	case 0x51:
		return pick3(rm, OpFLED, OpFLTD, OpFEQD)
	case 0x60:
		if rs2 < 4 {
			return rounded([4]Op{OpFCVTWS, OpFCVTWUS, OpFCVTLS, OpFCVTLUS}[rs2])
		}
	case 0x61:
		if rs2 < 4 {
			return rounded([4]Op{OpFCVTWD, OpFCVTWUD, OpFCVTLD, OpFCVTLUD}[rs2])
		}
	case 0x68:
		if rs2 < 4 {
			return rounded([4]Op{OpFCVTSW, OpFCVTSWU, OpFCVTSL, OpFCVTSLU}[rs2])
		}
	case 0x69:
		if rs2 < 4 {
			return rounded([4]Op{OpFCVTDW, OpFCVTDWU, OpFCVTDL, OpFCVTDLU}[rs2])
		}
	case 0x70:
		if rs2 == 0 {
			return pick2(rm, OpFMVXW, OpFCLASSS)
		}
	case 0x71:
		if rs2 == 0 {
			return pick2(rm, OpFMVXD, OpFCLASSD)
		}
	case 0x78:
		if rs2 == 0 && rm == 0 {
			return OpFMVWX
		}
	case 0x79:
		if rs2 == 0 && rm == 0 {
			return OpFMVDX
		}
	}
	return OpIllegal
}

func pick2(f3 uint32, a, b Op) Op {
	switch f3 {
	case 0:
		return a
	case 1:
		return b
	}
	return OpIllegal
}

func pick3(f3 uint32, a, b, c Op) Op {
	switch f3 {
	case 0:
		return a
	case 1:
		return b
	case 2:
		return c
	}
	return OpIllegal
}
