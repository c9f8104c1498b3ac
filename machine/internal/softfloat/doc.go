// Package softfloat implements IEEE 754-2008 binary32 and binary64
// arithmetic exactly as the RISC-V F and D extensions define it
// (The RISC-V Instruction Set Manual, Volume I: Unprivileged ISA,
// chapters "F" Extension for Single-Precision Floating-Point and
// "D" Extension for Double-Precision Floating-Point), using integer
// arithmetic only.
//
// Results and exception flags must be identical on every host, so no
// result here is decided by host floating point: Go may fuse x*y+z into
// one instruction on some architectures, and host NaN payloads and
// flag behaviour differ. Operands and results are raw encodings
// (uint32 for binary32, uint64 for binary64); each operation takes a
// static rounding mode and returns the accrued-exception flags it raises,
// which the hart ORs into fflags. The hart resolves the dynamic rounding
// mode and rejects reserved encodings before calling in.
//
// The RISC-V rules implemented:
//
//   - NaN results are always the canonical NaN (0x7fc00000 and
//     0x7ff8000000000000); payloads never propagate. A signalling NaN
//     operand raises NV (section "NaN Generation and Propagation").
//   - Tininess is detected after rounding, and UF is raised only for a
//     result that is both tiny and inexact (section "Floating-Point
//     Control and Status Register"; IEEE 754-2008 section 7.5).
//   - Overflow raises OF and NX and gives infinity or the largest finite
//     number according to the rounding mode (IEEE 754-2008 section 7.4).
//   - An exact zero sum or difference of operands of opposite sign is +0,
//     except −0 under RDN (IEEE 754-2008 section 6.3), including a fused
//     multiply-add whose product and addend cancel.
//   - The fused multiply-add rounds once. ∞ × 0 raises NV even when the
//     addend is a quiet NaN (section "Single-Precision Floating-Point
//     Computational Instructions").
//   - fmin and fmax are IEEE 754-2019 minimumNumber and maximumNumber as
//     adopted in version 2.2 of the F extension: −0 is less than +0, a
//     single NaN operand yields the other operand, two NaNs yield the
//     canonical NaN, and any signalling NaN raises NV.
//   - feq is a quiet comparison (NV only for signalling NaNs); flt and fle
//     are signalling (NV for any NaN). All three are false when unordered.
//   - fclass sets exactly one of ten bits: −∞, negative normal, negative
//     subnormal, −0, +0, positive subnormal, positive normal, +∞,
//     signalling NaN, quiet NaN (table "Format of result of FCLASS
//     instruction").
//   - Conversions to integers round with the given mode. Inputs that are
//     NaN or whose rounded value is out of range raise NV, not NX, and
//     give the largest value for NaN and positive overflow and the
//     smallest (0 when unsigned) for negative overflow. A negative input
//     that rounds to 0 converts to 0 for an unsigned result, with NX
//     alone; one that rounds to −1 or below is invalid. An in-range,
//     non-integral input raises NX (table "Domains of float-to-integer
//     conversions and behavior for invalid inputs").
//   - Division of a finite non-zero number by zero raises DZ and gives a
//     correctly signed infinity; 0/0 and ∞/∞ raise NV.
//   - The square root of a number below zero, including −∞, raises NV;
//     √−0 is −0.
//   - Narrowing binary64 to binary32 rounds with the given mode and may
//     raise OF, UF and NX; widening is exact, raising NV only for a
//     signalling NaN. Both give the canonical NaN for any NaN.
//
// The operations allocate nothing and use math/bits for wide products,
// quotients and square roots. The tests compare them with exact
// math/big.Float arithmetic rounded to each format in all five rounding
// modes, with the host's arithmetic under RNE on amd64, with hand-checked
// tables and, when installed, with Berkeley TestFloat's testfloat_gen.
// For a long randomised run use
//
//	go test ./machine/internal/softfloat -softfloat.n=1000000
//
// and for fuzzing prefer an execution count to a duration (a duration can
// end in a spurious "context deadline exceeded" from Go 1.26's fuzzing
// coordinator):
//
//	go test ./machine/internal/softfloat -run '^$' -fuzz FuzzF64MulAdd -fuzztime 2000000x
package softfloat
