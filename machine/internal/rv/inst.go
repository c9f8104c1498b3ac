package rv

// Inst is one decoded instruction. Fields an operation does not use are zero.
type Inst struct {
	Op           Op
	Rd, Rs1, Rs2 uint8
	Rs3          uint8  // fused multiply-add only
	RM           uint8  // FP rounding-mode field (7 = dynamic)
	Len          uint8  // 2 for a compressed instruction, else 4
	Raw          uint32 // the instruction bits as fetched (16 bits if compressed)
	Imm          int32  // sign-extended immediate, or the CSR number
}

// DynamicRM is the rm field value that selects frm.
const DynamicRM = 7
