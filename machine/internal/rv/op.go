// Package rv decodes RV64GC instructions (RV64IMAFDC, Zicsr, Zifencei and the
// privileged instructions) into a flat Inst that the hart executes.
//
// Compressed instructions are expanded to the 32-bit operation they stand for
// (RISC-V unprivileged ISA, chapter "C" Standard Extension, "RVC instruction
// set listings"), with Len = 2, so the executor knows one set of operations.
package rv

// Op names one operation. OpIllegal is the zero value so that a zeroed slot
// of a decode cache is recognisably "not decoded".
type Op uint8

const (
	OpUndecoded Op = iota // zero value: slot not yet decoded
	OpIllegal

	// RV64I
	OpLUI
	OpAUIPC
	OpJAL
	OpJALR
	OpBEQ
	OpBNE
	OpBLT
	OpBGE
	OpBLTU
	OpBGEU
	OpLB
	OpLH
	OpLW
	OpLD
	OpLBU
	OpLHU
	OpLWU
	OpSB
	OpSH
	OpSW
	OpSD
	OpADDI
	OpSLTI
	OpSLTIU
	OpXORI
	OpORI
	OpANDI
	OpSLLI
	OpSRLI
	OpSRAI
	OpADD
	OpSUB
	OpSLL
	OpSLT
	OpSLTU
	OpXOR
	OpSRL
	OpSRA
	OpOR
	OpAND
	OpADDIW
	OpSLLIW
	OpSRLIW
	OpSRAIW
	OpADDW
	OpSUBW
	OpSLLW
	OpSRLW
	OpSRAW
	OpFENCE
	OpFENCEI
	OpECALL
	OpEBREAK

	// M
	OpMUL
	OpMULH
	OpMULHSU
	OpMULHU
	OpDIV
	OpDIVU
	OpREM
	OpREMU
	OpMULW
	OpDIVW
	OpDIVUW
	OpREMW
	OpREMUW

	// A (Imm holds nothing; aq/rl are ignored on a single in-order hart)
	OpLRW
	OpSCW
	OpAMOSWAPW
	OpAMOADDW
	OpAMOXORW
	OpAMOANDW
	OpAMOORW
	OpAMOMINW
	OpAMOMAXW
	OpAMOMINUW
	OpAMOMAXUW
	OpLRD
	OpSCD
	OpAMOSWAPD
	OpAMOADDD
	OpAMOXORD
	OpAMOANDD
	OpAMOORD
	OpAMOMIND
	OpAMOMAXD
	OpAMOMINUD
	OpAMOMAXUD

	// Zicsr (Imm = CSR number; for the I forms Rs1 is the 5-bit immediate)
	OpCSRRW
	OpCSRRS
	OpCSRRC
	OpCSRRWI
	OpCSRRSI
	OpCSRRCI

	// Privileged
	OpMRET
	OpSRET
	OpWFI
	OpSFENCEVMA

	// F and D: the first FP op is OpFLW; IsFP relies on this order.
	OpFLW
	OpFSW
	OpFLD
	OpFSD
	OpFMADDS
	OpFMSUBS
	OpFNMSUBS
	OpFNMADDS
	OpFADDS
	OpFSUBS
	OpFMULS
	OpFDIVS
	OpFSQRTS
	OpFSGNJS
	OpFSGNJNS
	OpFSGNJXS
	OpFMINS
	OpFMAXS
	OpFCVTWS
	OpFCVTWUS
	OpFCVTLS
	OpFCVTLUS
	OpFMVXW
	OpFEQS
	OpFLTS
	OpFLES
	OpFCLASSS
	OpFCVTSW
	OpFCVTSWU
	OpFCVTSL
	OpFCVTSLU
	OpFMVWX
	OpFMADDD
	OpFMSUBD
	OpFNMSUBD
	OpFNMADDD
	OpFADDD
	OpFSUBD
	OpFMULD
	OpFDIVD
	OpFSQRTD
	OpFSGNJD
	OpFSGNJND
	OpFSGNJXD
	OpFMIND
	OpFMAXD
	OpFCVTSD
	OpFCVTDS
	OpFCVTWD
	OpFCVTWUD
	OpFCVTLD
	OpFCVTLUD
	OpFMVXD
	OpFEQD
	OpFLTD
	OpFLED
	OpFCLASSD
	OpFCVTDW
	OpFCVTDWU
	OpFCVTDL
	OpFCVTDLU
	OpFMVDX

	NumOps
)

// IsFP reports whether op belongs to the F or D extension, and so is
// illegal while mstatus.FS is Off.
func (op Op) IsFP() bool { return op >= OpFLW && op < NumOps }
