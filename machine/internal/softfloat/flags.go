package softfloat

// RoundingMode is a rounding direction in the RISC-V frm encoding
// (unprivileged ISA, section "Floating-Point Control and Status Register",
// table "Rounding mode encoding").
//
// Only the five static modes are meaningful here. The hart resolves the
// dynamic mode (7) from the frm CSR and raises an illegal-instruction
// exception for the reserved encodings (5, 6) before calling this package;
// any other value is treated as RNE.
type RoundingMode uint8

// The rounding modes, with their frm encodings.
const (
	RNE RoundingMode = 0 // round to nearest, ties to even
	RTZ RoundingMode = 1 // round towards zero
	RDN RoundingMode = 2 // round down (towards −∞)
	RUP RoundingMode = 3 // round up (towards +∞)
	RMM RoundingMode = 4 // round to nearest, ties to max magnitude
)

// Flags is a set of IEEE 754 exception flags in the RISC-V fflags bit
// layout (unprivileged ISA, table "Accrued exception flag encoding").
// Operations return the flags they raise; the hart ORs them into fflags.
type Flags uint8

// The exception flags, with their fflags bits.
const (
	NX Flags = 1 << 0 // inexact
	UF Flags = 1 << 1 // underflow
	OF Flags = 1 << 2 // overflow
	DZ Flags = 1 << 3 // divide by zero
	NV Flags = 1 << 4 // invalid operation
)

// The canonical NaNs that every NaN-producing operation returns
// (unprivileged ISA, section "NaN Generation and Propagation").
const (
	CanonicalNaN32 uint32 = 0x7fc00000
	CanonicalNaN64 uint64 = 0x7ff8000000000000
)
