/*
 * interrupts.S: machine and supervisor interrupts (privileged spec 3.1.9,
 * 3.1.7 (mtvec), 3.3.3 (wfi), 4.1.3): CLINT software and timer interrupts,
 * supervisor software interrupts through sip.SSIP, supervisor timer
 * interrupts through mip.STIP set by M-mode, mideleg, global enables per
 * privilege, priority, vectored and direct mtvec/stvec, and wfi.
 * No case depends on how fast mtime runs.
 *
 * QEMU_QUIRKS (the QEMU run): QEMU 7.2 takes a pending SSI before a pending
 * MSI, against the priority order of privileged spec 3.1.9, so the QEMU run
 * checks only that both are taken.
 */
#include "env.h"

/* WAIT_TRAPS n: spin until the M trap count reaches n (bounded). */
.macro WAIT_TRAPS n
	li a5, 1000000
.Lw\@:	LOAD_TRAP a4, TR_COUNT
	li a3, \n
	bgeu a4, a3, .Ld\@
	addi a5, a5, -1
	bnez a5, .Lw\@
	j fail
.Ld\@:
.endm

/* TIMER_SOON: mtimecmp = mtime + 200 */
.macro TIMER_SOON
	li a4, CLINT_MTIME
	ld a4, 0(a4)
	addi a4, a4, 200
	li a3, CLINT_MTIMECMP
	sd a4, 0(a3)
.endm

RVTEST_CODE_BEGIN

/* machine software interrupt through msip */
	TEST 1
	CLEAR_TRAPS
	li a0, MIP_MSIP
	csrw mie, a0
	csrsi mstatus, MSTATUS_MIE
	li a1, CLINT_MSIP
	li a2, 1
	sw a2, 0(a1)
	WAIT_TRAPS 1
	EXPECT_TRAP TR_CAUSE, INTR | IRQ_MSI
	lw a2, 0(a1)                 /* the handler cleared msip */
	EXPECT a2, 0
	csrr a2, mip
	andi a2, a2, MIP_MSIP
	EXPECT a2, 0
	TEST 2                       /* pending but globally disabled: not taken */
	CLEAR_TRAPS
	csrci mstatus, MSTATUS_MIE
	li a2, 1
	sw a2, 0(a1)
	nop
	nop
	csrr a2, mip
	andi a2, a2, MIP_MSIP
	EXPECT a2, MIP_MSIP
	EXPECT_TRAP TR_COUNT, 0
	csrsi mstatus, MSTATUS_MIE   /* taken once enabled */
	WAIT_TRAPS 1
	EXPECT_TRAP TR_CAUSE, INTR | IRQ_MSI
	LOAD_TRAP a2, TR_STATUS      /* MPIE = 1, MPP = M inside the handler */
	li a3, MSTATUS_MPIE | MSTATUS_MPP | MSTATUS_MIE
	and a2, a2, a3
	EXPECT a2, MSTATUS_MPIE | MSTATUS_MPP
	TEST 3                       /* pending but not enabled in mie: not taken */
	CLEAR_TRAPS
	csrw mie, zero
	li a2, 1
	sw a2, 0(a1)
	nop
	nop
	EXPECT_TRAP TR_COUNT, 0
	sw zero, 0(a1)
	csrci mstatus, MSTATUS_MIE

/* machine timer interrupt through mtimecmp */
	TEST 10
	CLEAR_TRAPS
	li a0, MIP_MTIP
	csrw mie, a0
	csrsi mstatus, MSTATUS_MIE
	TIMER_SOON
	WAIT_TRAPS 1
	EXPECT_TRAP TR_CAUSE, INTR | IRQ_MTI
	csrr a2, mip                 /* mtimecmp = -1 cleared MTIP */
	andi a2, a2, MIP_MTIP
	EXPECT a2, 0
	csrci mstatus, MSTATUS_MIE
	TEST 11                      /* mip.MTIP is read-only */
	csrr a2, mip
	ori a2, a2, MIP_MTIP | MIP_MSIP
	csrw mip, a2
	csrr a2, mip
	andi a2, a2, MIP_MTIP | MIP_MSIP
	EXPECT a2, 0

/* wfi wakes on a pending enabled interrupt even with MIE = 0 */
	TEST 20
	CLEAR_TRAPS
	li a0, MIP_MTIP
	csrw mie, a0
	csrci mstatus, MSTATUS_MIE
	TIMER_SOON
	wfi
	csrr a2, mip
	andi a2, a2, MIP_MTIP
	EXPECT a2, MIP_MTIP
	EXPECT_TRAP TR_COUNT, 0
	TEST 21                      /* with MIE = 1 the interrupt is taken after wfi */
	csrsi mstatus, MSTATUS_MIE
	WAIT_TRAPS 1
	EXPECT_TRAP TR_CAUSE, INTR | IRQ_MTI
	CLEAR_TRAPS
	TIMER_SOON
1:	wfi
	EXPECT_TRAP TR_COUNT, 1
	EXPECT_TRAP TR_CAUSE, INTR | IRQ_MTI
	LOAD_TRAP a2, TR_EPC
	la a3, 1b + 4
	EXPECT_EQ a2, a3
	csrci mstatus, MSTATUS_MIE
	TEST 22                      /* wfi in S (TW = 0) waits for an M interrupt */
	CLEAR_TRAPS
	TIMER_SOON
	RESUME 3f
	ENTER_S 1f
1:	wfi
2:	ecall
3:	EXPECT_TRAP TR_COUNT, 2
	EXPECT_M_TRAP CAUSE_ECALL_S, 2b
	csrw mie, zero

/* supervisor software interrupt in M (not delegated) */
	TEST 30
	CLEAR_TRAPS
	li a0, MIP_SSIP
	csrw mie, a0
	csrsi mstatus, MSTATUS_MIE
	csrsi mip, MIP_SSIP
	WAIT_TRAPS 1
	EXPECT_TRAP TR_CAUSE, INTR | IRQ_SSI
	csrr a2, mip
	andi a2, a2, MIP_SSIP
	EXPECT a2, 0
	csrci mstatus, MSTATUS_MIE

/* priority: MSI before SSI when both are pending */
	TEST 31
	CLEAR_TRAPS
	li a0, MIP_SSIP | MIP_MSIP
	csrw mie, a0
	csrsi mip, MIP_SSIP
	li a1, CLINT_MSIP
	li a2, 1
	sw a2, 0(a1)
	csrsi mstatus, MSTATUS_MIE
	WAIT_TRAPS 2
#ifndef QEMU_QUIRKS
	EXPECT_TRAP TR_CAUSE, INTR | IRQ_SSI   /* taken last */
#endif
	csrci mstatus, MSTATUS_MIE
	csrw mie, zero

/* delegated supervisor software interrupt, taken in S */
	TEST 40
	CLEAR_TRAPS
	li a0, MIP_SSIP | MIP_STIP
	csrw mideleg, a0
	csrr a1, mideleg
	and a1, a1, a0
	EXPECT_EQ a1, a0
	RESUME 3f
	ENTER_S 1f
1:	csrsi sie, MIP_SSIP
	csrsi sstatus, MSTATUS_SIE
	csrsi sip, MIP_SSIP
	li a5, 1000
2:	addi a5, a5, -1
	bnez a5, 2b
	ecall
3:	EXPECT_TRAP TR_CAUSE, CAUSE_ECALL_S
	EXPECT_TRAP TR_COUNT, 1
	EXPECT_STRAP TR_CAUSE, INTR | IRQ_SSI
	EXPECT_STRAP TR_COUNT, 1
	csrr a2, mie                 /* sie is a view of mie for delegated bits */
	andi a2, a2, MIP_SSIP
	EXPECT a2, MIP_SSIP
	TEST 41                      /* delegated and pending: never taken in M */
	CLEAR_TRAPS
	csrsi mstatus, MSTATUS_MIE
	csrsi mip, MIP_SSIP
	nop
	nop
	EXPECT_TRAP TR_COUNT, 0
	csrci mstatus, MSTATUS_MIE
	TEST 42                      /* ...nor in S with SIE = 0, but in U always */
	csrci mstatus, MSTATUS_SIE
	RESUME 4f
	ENTER_S 1f
1:	nop
	nop
	SENTER_U 2f
2:	nop
3:	ecall
4:	EXPECT_M_TRAP CAUSE_ECALL_U, 3b
	EXPECT_STRAP TR_COUNT, 1
	EXPECT_STRAP TR_CAUSE, INTR | IRQ_SSI
	LOAD_STRAP a2, TR_EPC
	la a3, 2b
	EXPECT_EQ a2, a3

/* delegated supervisor timer interrupt: M-mode sets mip.STIP */
	TEST 50
	CLEAR_TRAPS
	li a0, MIP_STIP
	csrs mip, a0
	RESUME 3f
	ENTER_S 1f
1:	li a0, MIP_STIP
	csrs sie, a0
	csrsi sstatus, MSTATUS_SIE
	nop
	nop
	ecall
3:	EXPECT_STRAP TR_CAUSE, INTR | IRQ_STI
	EXPECT_STRAP TR_COUNT, 1
	li a0, MIP_STIP
	csrc mip, a0
	TEST 51                      /* S cannot clear STIP through sip */
	li a0, MIP_STIP
	csrs mip, a0
	RESUME 3f
	ENTER_S 1f
1:	li a0, MIP_STIP
	csrc sip, a0
	csrr a1, sip
	ecall
3:	andi a1, a1, MIP_STIP
	EXPECT a1, MIP_STIP
	li a0, MIP_STIP
	csrc mip, a0
	csrci mstatus, MSTATUS_SIE

/* M interrupts are always enabled in S and U, whatever MIE says */
	TEST 60
	CLEAR_TRAPS
	csrw mideleg, zero
	li a0, MIP_MSIP
	csrw mie, a0
	csrci mstatus, MSTATUS_MIE
	li a1, CLINT_MSIP
	li a2, 1
	sw a2, 0(a1)
	nop
	EXPECT_TRAP TR_COUNT, 0
	RESUME 3f
	ENTER_S 1f
1:	nop
2:	ecall
3:	EXPECT_TRAP TR_COUNT, 2
	EXPECT_M_TRAP CAUSE_ECALL_S, 2b
	lw a2, 0(a1)
	EXPECT a2, 0
	TEST 61                      /* S interrupts not delegated are taken in M from U */
	CLEAR_TRAPS
	li a0, MIP_SSIP
	csrw mie, a0
	csrsi mip, MIP_SSIP
	RESUME 3f
	ENTER_U 1f
1:	nop
2:	ecall
3:	EXPECT_TRAP TR_COUNT, 2
	EXPECT_M_TRAP CAUSE_ECALL_U, 2b
	csrw mie, zero

/* vectored mtvec: interrupts go to base + 4 * cause, exceptions to base */
	TEST 70
	CLEAR_TRAPS
	la a0, mvec
	ori a0, a0, 1
	csrw mtvec, a0
	csrr a1, mtvec
	EXPECT_EQ a1, a0
	li a0, MIP_MSIP | MIP_MTIP
	csrw mie, a0
	csrsi mstatus, MSTATUS_MIE
	li a1, CLINT_MSIP
	li a2, 1
	sw a2, 0(a1)
	WAIT_TRAPS 1
	EXPECT_TRAP TR_VEC, IRQ_MSI + 1
	EXPECT_TRAP TR_CAUSE, INTR | IRQ_MSI
	TEST 71
	TIMER_SOON
	WAIT_TRAPS 2
	EXPECT_TRAP TR_VEC, IRQ_MTI + 1
	EXPECT_TRAP TR_CAUSE, INTR | IRQ_MTI
	TEST 72
	csrci mstatus, MSTATUS_MIE
1:	ecall
	EXPECT_TRAP TR_VEC, 1
	EXPECT_M_TRAP CAUSE_ECALL_M, 1b
	la a0, m_trap_vector
	csrw mtvec, a0
	csrw mie, zero

/* vectored stvec */
	TEST 80
	CLEAR_TRAPS
	li a0, MIP_SSIP | MIP_STIP
	csrw mideleg, a0
	la a0, svec
	ori a0, a0, 1
	csrw stvec, a0
	RESUME 3f
	ENTER_S 1f
1:	csrsi sie, MIP_SSIP
	csrsi sstatus, MSTATUS_SIE
	csrsi sip, MIP_SSIP
	nop
	nop
	ecall
3:	EXPECT_STRAP TR_VEC, IRQ_SSI + 1
	EXPECT_STRAP TR_CAUSE, INTR | IRQ_SSI
	TEST 81
	li a0, MIP_STIP
	csrs mip, a0
	RESUME 3f
	ENTER_S 1f
1:	li a0, MIP_STIP
	csrs sie, a0
	nop
	nop
	ecall
3:	EXPECT_STRAP TR_VEC, IRQ_STI + 1
	EXPECT_STRAP TR_CAUSE, INTR | IRQ_STI
	li a0, MIP_STIP
	csrc mip, a0
	TEST 82                      /* a delegated exception goes to the base */
	li a0, 1 << CAUSE_BREAKPOINT
	csrw medeleg, a0
	RESUME 3f
	ENTER_S 1f
1:	ebreak
	ecall
3:	EXPECT_STRAP TR_VEC, 1
	EXPECT_STRAP TR_CAUSE, CAUSE_BREAKPOINT
	csrw medeleg, zero
	csrw mideleg, zero
	la a0, s_trap_vector
	csrw stvec, a0
RVTEST_CODE_END

/* Vector tables: entry k jumps to a stub that records k + 1 in TR_VEC and
   continues in the ordinary handler. */
.macro VSTUB scratch, handler, k
	csrrw t0, \scratch, t0
	sd t1, SAVE_T1(t0)
	li t1, \k + 1
	sd t1, TR_VEC(t0)
	ld t1, SAVE_T1(t0)
	csrrw t0, \scratch, t0
	j \handler
.endm
	.option push
	.option norvc
	.align 8
mvec:
	.irp k, 0,1,2,3,4,5,6,7,8,9,10,11
	j mstub\k
	.endr
	.irp k, 0,1,2,3,4,5,6,7,8,9,10,11
mstub\k: VSTUB mscratch, m_trap_vector, \k
	.endr
	.align 8
svec:
	.irp k, 0,1,2,3,4,5,6,7,8,9
	j sstub\k
	.endr
	.irp k, 0,1,2,3,4,5,6,7,8,9
sstub\k: VSTUB sscratch, s_trap_vector, \k
	.endr
	.option pop

RVTEST_DATA_BEGIN
