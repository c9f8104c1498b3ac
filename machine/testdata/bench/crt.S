/*
 * Startup for the bare-metal benchmark programs. It runs in M-mode from
 * reset: set the stack, enable the FPU (mstatus.FS = Initial, privileged
 * spec 3.1.6.6), install a trap handler, call main and report main's return
 * value through tohost (0 means pass; N means "test N failed", written as
 * N<<1|1 as the riscv-tests environment does).
 */
	.section .text.init
	.globl _start
_start:
	la	sp, _stack_top
	li	t0, 1 << 13		/* mstatus.FS = Initial */
	csrs	mstatus, t0
	csrwi	fcsr, 0
	la	t0, trap
	csrw	mtvec, t0
	call	main
	/* fall through: a0 = main's result */

	/* bench_exit(code): code 0 is pass, anything else is failure code. */
	.globl	bench_exit
bench_exit:
	beqz	a0, 1f
	slli	a0, a0, 1
	ori	a0, a0, 1
	j	2f
1:	li	a0, 1
2:	la	t0, tohost
	sd	a0, 0(t0)
3:	j	3b

	/*
	 * No benchmark expects a trap into M-mode: report it as failure code
	 * 0x100 + mcause so that a hart bug shows as a clear FAIL.
	 */
	.balign	4
trap:
	csrr	a0, mcause
	addi	a0, a0, 0x100
	j	bench_exit

	.section .tohost, "aw", @progbits
	.balign	64
	.globl	tohost
	.type	tohost, @object
	.size	tohost, 8
tohost:	.dword	0
	.balign	64
	.globl	fromhost
	.type	fromhost, @object
	.size	fromhost, 8		/* QEMU's HTIF needs both sizes */
fromhost: .dword 0
