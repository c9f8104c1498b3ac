/*
 * Bare-metal harness for the integer benchmark: main calls hashSort from
 * hashsort.go, whose machine code the test lifts out of the linked riscv64
 * Go binary into hashsort.bin (included below).
 *
 * The call follows Go's ABIInternal for riscv64
 * (src/cmd/compile/abi-internal.md): integer arguments in X10-X17, the
 * result in X10, the return address in X1. Every other register is
 * caller-saved in that ABI, so main keeps nothing in registers across the
 * call. hashSort is a nosplit leaf, so it never reads g (X27).
 *
 * Build with -DN=, -DROUNDS=, -DSEED= (the arguments) and -DEXPECTED= (the
 * result computed by running hashsort natively on the host); main returns
 * 0 when the guest's hash matches and stores it in `result` either way.
 */
	.text
	.globl	main
main:
	addi	sp, sp, -16
	sd	ra, 8(sp)
	la	a0, buffer
	li	a1, N
	li	a2, ROUNDS
	li	a3, SEED
	call	hashSort
	la	t0, result
	sd	a0, 0(t0)
	li	t1, EXPECTED
	sub	a0, a0, t1
	snez	a0, a0
	ld	ra, 8(sp)
	addi	sp, sp, 16
	ret

	.balign	8
hashSort:
	.incbin	"hashsort.bin"

	.data
	.balign	8
	.globl	result
result:	.dword	0

	.bss
	.balign	8
buffer:	.space	8 << 14		/* hashsort.go: bufLen uint64s */
