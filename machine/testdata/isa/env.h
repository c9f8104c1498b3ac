/*
 * env.h: the bare-metal environment of reprovm's own RISC-V conformance tests.
 *
 * Each test is one .S file that includes this header and is linked with
 * link.ld at 0x80000000. The hart enters _start in M-mode. The test reports
 * through the 64-bit word tohost (the HTIF convention that QEMU's spike
 * machine and reprovm's test runner both watch): 1 means pass, (N<<1)|1 means
 * test case N failed.
 *
 * Register conventions inside a test:
 *   gp (x3)  number of the test case being run (set by TEST)
 *   t5, t6   scratch of the checking macros; tests must not keep values there
 *
 * Traps. Both trap handlers (M and S) record cause, epc, tval, status and a
 * count in a save area (m_save / s_save, offsets TR_*). For a synchronous
 * exception, if the one-shot TR_RESUME word is non-zero the handler clears it
 * and returns to that address in the handler's own privilege mode (M or S);
 * otherwise it returns to the next instruction (epc + 2 or 4, read from
 * memory at epc, so the code must be identity-mapped). Interrupts never use
 * TR_RESUME: the handler silences the source (clears msip / mtimecmp /
 * mip.SSIP / mip.STIP, or in S-mode sip.SSIP / sie.STIE) and returns to epc.
 *
 * Tests run in S or U mode only for short stretches and come back to M (with
 * RESUME + ecall) to check results, so that `fail` always runs in M-mode.
 */

/* Absolute addressing: la must not go through a GOT. */
	.option nopic

#define MSTATUS_SIE   (1 << 1)
#define MSTATUS_MIE   (1 << 3)
#define MSTATUS_SPIE  (1 << 5)
#define MSTATUS_MPIE  (1 << 7)
#define MSTATUS_SPP   (1 << 8)
#define MSTATUS_MPP   (3 << 11)
#define MSTATUS_MPP_S (1 << 11)
#define MSTATUS_FS    (3 << 13)
#define MSTATUS_FS_INITIAL (1 << 13)
#define MSTATUS_FS_CLEAN   (2 << 13)
#define MSTATUS_FS_DIRTY   (3 << 13)
#define MSTATUS_MPRV  (1 << 17)
#define MSTATUS_SUM   (1 << 18)
#define MSTATUS_MXR   (1 << 19)
#define MSTATUS_TVM   (1 << 20)
#define MSTATUS_TW    (1 << 21)
#define MSTATUS_TSR   (1 << 22)
#define MSTATUS_SD    (1 << 63)

#define IRQ_SSI 1
#define IRQ_MSI 3
#define IRQ_STI 5
#define IRQ_MTI 7
#define MIP_SSIP (1 << IRQ_SSI)
#define MIP_MSIP (1 << IRQ_MSI)
#define MIP_STIP (1 << IRQ_STI)
#define MIP_MTIP (1 << IRQ_MTI)

#define INTR (1 << 63)

#define CAUSE_FETCH_MISALIGNED 0
#define CAUSE_FETCH_ACCESS     1
#define CAUSE_ILLEGAL          2
#define CAUSE_BREAKPOINT       3
#define CAUSE_LOAD_MISALIGNED  4
#define CAUSE_LOAD_ACCESS      5
#define CAUSE_STORE_MISALIGNED 6
#define CAUSE_STORE_ACCESS     7
#define CAUSE_ECALL_U          8
#define CAUSE_ECALL_S          9
#define CAUSE_ECALL_M          11
#define CAUSE_FETCH_PAGE       12
#define CAUSE_LOAD_PAGE        13
#define CAUSE_STORE_PAGE       15

/* CLINT, laid out as on QEMU's virt and spike machines. */
#define CLINT_MSIP     0x2000000
#define CLINT_MTIMECMP 0x2004000
#define CLINT_MTIME    0x200bff8

/* Save-area offsets (m_save, s_save). */
#define SAVE_T1   0
#define SAVE_T2   8
#define SAVE_T3   16
#define TR_CAUSE  24
#define TR_EPC    32
#define TR_TVAL   40
#define TR_STATUS 48
#define TR_COUNT  56
#define TR_RESUME 64
#define TR_VEC    72  /* set by vectored-mode stubs in priv tests */
#define SAVE_SIZE 128

/* TEST n: start test case n. */
.macro TEST n
	li gp, \n
.endm

/* EXPECT reg, value: fail unless reg == value (any 64-bit constant). */
.macro EXPECT reg, val
	li t6, \val
	beq \reg, t6, .Lok\@
	j fail
.Lok\@:
.endm

/* EXPECT_EQ reg, reg2: fail unless the two registers are equal. */
.macro EXPECT_EQ reg, reg2
	beq \reg, \reg2, .Lok\@
	j fail
.Lok\@:
.endm

/* EXPECT_NE reg, value: fail if reg == value. */
.macro EXPECT_NE reg, val
	li t6, \val
	bne \reg, t6, .Lok\@
	j fail
.Lok\@:
.endm

/* EXPECT_FD freg, bits: fail unless the 64 bits of freg equal bits. */
.macro EXPECT_FD freg, bits
	fmv.x.d t5, \freg
	EXPECT t5, \bits
.endm

/* EXPECT_FS freg, bits: the single in freg (NaN-boxed) must have these 32 bits. */
.macro EXPECT_FS freg, bits
	fmv.x.d t5, \freg
	EXPECT t5, (0xffffffff00000000 | (\bits))
.endm

/* EXPECT_FLAGS v: fflags must equal v; clears fflags afterwards. */
.macro EXPECT_FLAGS v
	fsflags t5, x0
	EXPECT t5, \v
.endm

/* LOAD_FS freg, bits: put a NaN-boxed single into freg. */
.macro LOAD_FS freg, bits
	li t5, (0xffffffff00000000 | (\bits))
	fmv.d.x \freg, t5
.endm

/* LOAD_FD freg, bits: put a double into freg. */
.macro LOAD_FD freg, bits
	li t5, \bits
	fmv.d.x \freg, t5
.endm

/* Reading the M-mode and S-mode trap records. */
.macro LOAD_TRAP reg, off
	la \reg, m_save
	ld \reg, \off(\reg)
.endm
.macro LOAD_STRAP reg, off
	la \reg, s_save
	ld \reg, \off(\reg)
.endm
.macro EXPECT_TRAP off, val
	LOAD_TRAP t5, \off
	EXPECT t5, \val
.endm
.macro EXPECT_STRAP off, val
	LOAD_STRAP t5, \off
	EXPECT t5, \val
.endm

/* CLEAR_TRAPS: zero cause/epc/tval/count in both records. */
.macro CLEAR_TRAPS
	la t5, m_save
	sd zero, TR_CAUSE(t5)
	sd zero, TR_EPC(t5)
	sd zero, TR_TVAL(t5)
	sd zero, TR_COUNT(t5)
	sd zero, TR_RESUME(t5)
	la t5, s_save
	sd zero, TR_CAUSE(t5)
	sd zero, TR_EPC(t5)
	sd zero, TR_TVAL(t5)
	sd zero, TR_COUNT(t5)
	sd zero, TR_RESUME(t5)
.endm

/* RESUME label: the next synchronous trap taken into M returns to label, in M. */
.macro RESUME label
	la t6, \label
	la t5, m_save
	sd t6, TR_RESUME(t5)
.endm
/* SRESUME label: the next synchronous trap taken into S returns to label, in S. */
.macro SRESUME label
	la t6, \label
	la t5, s_save
	sd t6, TR_RESUME(t5)
.endm

/* ENTER_S label / ENTER_U label: mret to label in S or U mode (from M). */
.macro ENTER_S label
	li t6, MSTATUS_MPP
	csrc mstatus, t6
	li t6, MSTATUS_MPP_S
	csrs mstatus, t6
	la t6, \label
	csrw mepc, t6
	mret
.endm
.macro ENTER_U label
	li t6, MSTATUS_MPP
	csrc mstatus, t6
	la t6, \label
	csrw mepc, t6
	mret
.endm

/* SENTER_U label: sret to label in U mode (from S). */
.macro SENTER_U label
	li t6, MSTATUS_SPP
	csrc sstatus, t6
	la t6, \label
	csrw sepc, t6
	sret
.endm

/* EXPECT_M_TRAP cause, epc_label: exactly one new M trap with this cause at that pc. */
.macro EXPECT_M_TRAP cause, epc
	EXPECT_TRAP TR_CAUSE, \cause
	LOAD_TRAP t5, TR_EPC
	la t6, \epc
	beq t5, t6, .Lok\@
	j fail
.Lok\@:
.endm

/* ENABLE_FP: mstatus.FS = Initial so F/D instructions work. */
.macro ENABLE_FP
	li t6, MSTATUS_FS_INITIAL
	csrs mstatus, t6
	fscsr x0
.endm

/*
 * RVTEST_CODE_BEGIN: the entry point, M and S trap handlers, pass and fail.
 * Execution falls through into the test body at test_main.
 */
.macro RVTEST_CODE_BEGIN
	.section .text.init, "ax", @progbits
	.option push
	.option norvc
	.globl _start
_start:
	la t0, m_trap_vector
	csrw mtvec, t0
	la t0, m_save
	csrw mscratch, t0
	la t0, s_trap_vector
	csrw stvec, t0
	la t0, s_save
	csrw sscratch, t0
	/*
	 * QEMU implements PMP, and with no matching entry S and U accesses
	 * fail; grant everything with one NAPOT entry. On a hart with no PMP
	 * entries these CSRs read as zero and writes are ignored. Privileged
	 * spec 3.7: if PMP is absent the write would trap, so guard it.
	 */
	la t0, 1f
	csrw mtvec, t0
	li t0, -1
	csrw pmpaddr0, t0
	li t0, 0x1f
	csrw pmpcfg0, t0
	.align 2
1:	la t0, m_trap_vector
	csrw mtvec, t0
	csrw satp, zero
	csrw medeleg, zero
	csrw mideleg, zero
	csrw mie, zero
	csrw mip, zero
	li t0, CLINT_MTIMECMP
	li t1, -1
	sd t1, 0(t0)
	li t0, 0
	li t1, 0
	j test_main

/* The M-mode trap handler (direct mode). */
	.align 6
	.globl m_trap_vector
m_trap_vector:
	csrrw t0, mscratch, t0
	sd t1, SAVE_T1(t0)
	sd t2, SAVE_T2(t0)
	sd t3, SAVE_T3(t0)
	csrr t1, mcause
	sd t1, TR_CAUSE(t0)
	csrr t2, mepc
	sd t2, TR_EPC(t0)
	csrr t3, mtval
	sd t3, TR_TVAL(t0)
	csrr t3, mstatus
	sd t3, TR_STATUS(t0)
	ld t3, TR_COUNT(t0)
	addi t3, t3, 1
	sd t3, TR_COUNT(t0)
	bltz t1, .Lm_intr
	ld t3, TR_RESUME(t0)
	beqz t3, .Lm_skip
	sd zero, TR_RESUME(t0)
	csrw mepc, t3
	li t3, MSTATUS_MPP
	csrs mstatus, t3
	j .Lm_out
.Lm_skip:
	lhu t3, 0(t2)
	andi t3, t3, 3
	addi t2, t2, 2
	li t1, 3
	bne t3, t1, 1f
	addi t2, t2, 2
1:	csrw mepc, t2
	j .Lm_out
.Lm_intr:
	slli t1, t1, 1
	srli t1, t1, 1
	li t2, IRQ_MSI
	bne t1, t2, 1f
	li t2, CLINT_MSIP
	sw zero, 0(t2)
	j .Lm_out
1:	li t2, IRQ_MTI
	bne t1, t2, 1f
	li t2, CLINT_MTIMECMP
	li t3, -1
	sd t3, 0(t2)
	j .Lm_out
1:	li t2, IRQ_SSI
	bne t1, t2, 1f
	csrci mip, MIP_SSIP
	j .Lm_out
1:	li t2, IRQ_STI
	bne t1, t2, .Lm_out
	li t2, MIP_STIP
	csrc mip, t2
.Lm_out:
	ld t1, SAVE_T1(t0)
	ld t2, SAVE_T2(t0)
	ld t3, SAVE_T3(t0)
	csrrw t0, mscratch, t0
	mret

/* The S-mode trap handler (direct mode). */
	.align 6
	.globl s_trap_vector
s_trap_vector:
	csrrw t0, sscratch, t0
	sd t1, SAVE_T1(t0)
	sd t2, SAVE_T2(t0)
	sd t3, SAVE_T3(t0)
	csrr t1, scause
	sd t1, TR_CAUSE(t0)
	csrr t2, sepc
	sd t2, TR_EPC(t0)
	csrr t3, stval
	sd t3, TR_TVAL(t0)
	csrr t3, sstatus
	sd t3, TR_STATUS(t0)
	ld t3, TR_COUNT(t0)
	addi t3, t3, 1
	sd t3, TR_COUNT(t0)
	bltz t1, .Ls_intr
	ld t3, TR_RESUME(t0)
	beqz t3, .Ls_skip
	sd zero, TR_RESUME(t0)
	csrw sepc, t3
	li t3, MSTATUS_SPP
	csrs sstatus, t3
	j .Ls_out
.Ls_skip:
	lhu t3, 0(t2)
	andi t3, t3, 3
	addi t2, t2, 2
	li t1, 3
	bne t3, t1, 1f
	addi t2, t2, 2
1:	csrw sepc, t2
	j .Ls_out
.Ls_intr:
	slli t1, t1, 1
	srli t1, t1, 1
	li t2, IRQ_SSI
	bne t1, t2, 1f
	csrci sip, MIP_SSIP
	j .Ls_out
1:	li t2, IRQ_STI
	bne t1, t2, .Ls_out
	li t2, MIP_STIP
	csrc sie, t2
.Ls_out:
	ld t1, SAVE_T1(t0)
	ld t2, SAVE_T2(t0)
	ld t3, SAVE_T3(t0)
	csrrw t0, sscratch, t0
	sret

	.globl pass
pass:
	fence
	li t0, 1
	la t1, tohost
	sd t0, 0(t1)
1:	j 1b

	.globl fail
fail:
	fence
	bnez gp, 1f
	li gp, 4095
1:	slli gp, gp, 1
	ori gp, gp, 1
	la t1, tohost
	sd gp, 0(t1)
2:	j 2b

	.option pop
	.text
	.align 2
	.globl test_main
test_main:
.endm

/* RVTEST_CODE_END: the test body passed. */
.macro RVTEST_CODE_END
	j pass
.endm

/* RVTEST_DATA: tohost/fromhost and the trap save areas. */
.macro RVTEST_DATA_BEGIN
	.section .tohost, "aw", @progbits
	.align 6
	.globl tohost
tohost:	.dword 0
	.size tohost, 8
	.align 6
	.globl fromhost
fromhost: .dword 0
	.size fromhost, 8
	.data
	.align 6
	.globl m_save
m_save:	.zero SAVE_SIZE
	.globl s_save
s_save:	.zero SAVE_SIZE
.endm
