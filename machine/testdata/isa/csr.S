/*
 * csr.S: Zicsr (unprivileged spec chapter 7), Zicntr (chapter 8), Zifencei
 * (chapter 6) and the machine-information CSRs (privileged spec 3.1):
 * read/modify/write semantics, read-only and unimplemented CSRs, privilege
 * checks, counter enables from S and U, exact instret, and self-modifying
 * code made visible by fence.i.
 *
 * QEMU's spike machine has no time CSR (its CLINT does not provide rdtime,
 * like real Spike, where firmware emulates it), so the QEMU run
 * (QEMU_QUIRKS) leaves out the cases that read time without trapping.
 */
#include "env.h"

RVTEST_CODE_BEGIN

/* csrrw / csrrs / csrrc return the old value and write rs1 (no traps
   may happen until mscratch is restored below) */
	TEST 1
	li a0, 0x1234
	csrw mscratch, a0
	li a1, 0xff00
	csrrw a2, mscratch, a1
	EXPECT a2, 0x1234
	csrr a2, mscratch
	EXPECT a2, 0xff00
	TEST 2
	li a1, 0x0ff0
	csrrs a2, mscratch, a1
	EXPECT a2, 0xff00
	csrr a2, mscratch
	EXPECT a2, 0xfff0
	TEST 3
	li a1, 0xf00f
	csrrc a2, mscratch, a1
	EXPECT a2, 0xfff0
	csrr a2, mscratch
	EXPECT a2, 0x0ff0
	TEST 4                      /* rd == rs1 */
	li a1, -1
	csrrw a1, mscratch, a1
	EXPECT a1, 0x0ff0
	csrr a1, mscratch
	EXPECT a1, -1

/* immediate forms: 5-bit zero-extended uimm */
	TEST 10
	csrrwi a0, mscratch, 31
	EXPECT a0, -1
	csrrsi a0, mscratch, 0x10
	EXPECT a0, 31
	csrrci a0, mscratch, 0x3
	EXPECT a0, 31
	csrr a0, mscratch
	EXPECT a0, 28
	csrrwi x0, mscratch, 0
	csrr a0, mscratch
	EXPECT a0, 0
	la a0, m_save               /* the trap handler needs mscratch back */
	csrw mscratch, a0

/* read-only CSRs: reads work, csrrs/csrrc with x0 or uimm 0 do not write */
	TEST 20
	CLEAR_TRAPS
	csrr a0, mhartid
	EXPECT a0, 0
	csrrs a0, mhartid, x0
	csrrc a0, mvendorid, x0
	csrrsi a0, marchid, 0
	csrrci a0, mimpid, 0
	csrrs a0, cycle, x0
	csrrc a0, instret, x0
#ifndef QEMU_QUIRKS
	csrrs a0, time, x0
#endif
	EXPECT_TRAP TR_COUNT, 0
	TEST 21                     /* any real write to a read-only CSR is illegal */
	CLEAR_TRAPS
	li a1, 1
1:	csrw mhartid, a1
	EXPECT_M_TRAP CAUSE_ILLEGAL, 1b
	TEST 22
1:	csrrs a0, mvendorid, a1
	EXPECT_M_TRAP CAUSE_ILLEGAL, 1b
	TEST 23
1:	csrrwi a0, cycle, 0
	EXPECT_M_TRAP CAUSE_ILLEGAL, 1b
	TEST 24
1:	csrrsi a0, instret, 1
	EXPECT_M_TRAP CAUSE_ILLEGAL, 1b
	TEST 25
1:	csrrci a0, time, 2
	EXPECT_M_TRAP CAUSE_ILLEGAL, 1b
	EXPECT_TRAP TR_TVAL, 0xc0117573    /* mtval holds the instruction bits */
	EXPECT_TRAP TR_COUNT, 5

/* unimplemented CSRs are illegal, mtval = the instruction */
	TEST 30
	CLEAR_TRAPS
1:	csrr a0, 0x7c1
	EXPECT_M_TRAP CAUSE_ILLEGAL, 1b
	EXPECT_TRAP TR_TVAL, 0x7c102573
	TEST 31
1:	csrw 0x5c0, a1
	EXPECT_M_TRAP CAUSE_ILLEGAL, 1b
	TEST 32
1:	csrr a0, 0xfff
	EXPECT_M_TRAP CAUSE_ILLEGAL, 1b

/* machine information */
	TEST 40
	csrr a0, misa               /* RV64 IMAFDC + S + U */
	EXPECT a0, (2 << 62) | (1 << 0) | (1 << 2) | (1 << 3) | (1 << 5) | (1 << 8) | (1 << 12) | (1 << 18) | (1 << 20)
	TEST 41
	csrr a0, mstatus            /* UXL = SXL = 2 (64 bits) */
	srli a0, a0, 32
	andi a0, a0, 0xf
	EXPECT a0, 0xa

/* sstatus is a view of mstatus */
	TEST 50
	li a0, MSTATUS_SUM
	csrs sstatus, a0
	csrr a1, mstatus
	and a1, a1, a0
	EXPECT_EQ a1, a0
	csrc mstatus, a0
	csrr a1, sstatus
	and a1, a1, a0
	EXPECT a1, 0
	TEST 51                     /* M-only fields are invisible in sstatus */
	li a0, MSTATUS_MPP | MSTATUS_MPRV | MSTATUS_TVM | MSTATUS_TW | MSTATUS_TSR | MSTATUS_MIE | MSTATUS_MPIE
	csrs mstatus, a0
	csrr a1, sstatus
	and a1, a1, a0
	EXPECT a1, 0
	csrc mstatus, a0

/* Zicntr in M-mode: instret counts retired instructions exactly */
	TEST 60
	csrr a0, instret
	addi a1, a1, 1
	addi a1, a1, 1
	addi a1, a1, 1
	csrr a2, instret
	sub a3, a2, a0
	EXPECT a3, 4
	TEST 61
	csrr a0, minstret
	nop
	csrr a2, minstret
	sub a3, a2, a0
	EXPECT a3, 2
	TEST 62                     /* cycle and time move forward */
	csrr a0, cycle
	nop
	csrr a3, cycle
	bltu a3, a0, fail
#ifndef QEMU_QUIRKS
	csrr a1, time
	li a2, CLINT_MTIME
	ld a2, 0(a2)
	nop
	csrr a4, time
	bltu a4, a1, fail
	bltu a4, a2, fail
#endif
	TEST 63                     /* mcycle, minstret are writable */
	li a0, 1000000
	csrw minstret, a0
	csrr a1, minstret
	sub a1, a1, a0
	li a2, 2
	bgeu a1, a2, fail
	csrw mcycle, a0
	csrr a1, mcycle
	bltu a1, a0, fail

/* Zicntr from S: mcounteren gates each counter */
	TEST 70
	CLEAR_TRAPS
	csrwi mcounteren, 0
	RESUME 2f
	ENTER_S 1f
1:	rdcycle a0
	j fail
2:	EXPECT_M_TRAP CAUSE_ILLEGAL, 1b
	TEST 71
	RESUME 2f
	ENTER_S 1f
1:	rdtime a0
	j fail
2:	EXPECT_M_TRAP CAUSE_ILLEGAL, 1b
	TEST 72
	RESUME 2f
	ENTER_S 1f
1:	rdinstret a0
	j fail
2:	EXPECT_M_TRAP CAUSE_ILLEGAL, 1b
	TEST 73
	csrwi mcounteren, 7
	csrr a0, mcounteren
	andi a0, a0, 7
	EXPECT a0, 7
	li a0, 0
	RESUME 2f
	ENTER_S 1f
1:	rdcycle a1
#ifndef QEMU_QUIRKS
	rdtime a2
#endif
	rdinstret a3
	rdinstret a4
	li a0, 1
3:	ecall
2:	EXPECT_M_TRAP CAUSE_ECALL_S, 3b
	EXPECT a0, 1
	sub a4, a4, a3
	EXPECT a4, 1
	TEST 74                     /* one bit at a time: CY clear */
	csrwi mcounteren, 6
	RESUME 2f
	ENTER_S 1f
1:	rdinstret a3
	rdcycle a1
	j fail
2:	EXPECT_M_TRAP CAUSE_ILLEGAL, 1b+4

/* Zicntr from U: needs both mcounteren and scounteren */
	TEST 80
	csrwi mcounteren, 7
	csrwi scounteren, 0
	RESUME 2f
	ENTER_U 1f
1:	rdcycle a0
	j fail
2:	EXPECT_M_TRAP CAUSE_ILLEGAL, 1b
	TEST 81
	csrwi mcounteren, 0
	csrwi scounteren, 7
	RESUME 2f
	ENTER_U 1f
1:	rdinstret a0
	j fail
2:	EXPECT_M_TRAP CAUSE_ILLEGAL, 1b
	TEST 82
	csrwi mcounteren, 7
	csrwi scounteren, 7
	li a0, 0
	RESUME 2f
	ENTER_U 1f
1:	rdcycle a1
#ifndef QEMU_QUIRKS
	rdtime a2
#endif
	rdinstret a3
	li a0, 1
3:	ecall
2:	EXPECT_M_TRAP CAUSE_ECALL_U, 3b
	EXPECT a0, 1
	TEST 83
	csrwi scounteren, 3         /* IR clear in scounteren */
	RESUME 2f
	ENTER_U 1f
1:	rdcycle a1
	rdinstret a3
	j fail
2:	EXPECT_M_TRAP CAUSE_ILLEGAL, 1b+4
	csrwi mcounteren, 0
	csrwi scounteren, 0

/* CSR privilege: S cannot touch M CSRs, U cannot touch S CSRs */
	TEST 90
	RESUME 2f
	ENTER_S 1f
1:	csrr a0, mstatus
	j fail
2:	EXPECT_M_TRAP CAUSE_ILLEGAL, 1b
	TEST 91
	RESUME 2f
	ENTER_S 1f
1:	csrw mscratch, a0
	j fail
2:	EXPECT_M_TRAP CAUSE_ILLEGAL, 1b
	TEST 92
	RESUME 2f
	ENTER_U 1f
1:	csrr a0, sstatus
	j fail
2:	EXPECT_M_TRAP CAUSE_ILLEGAL, 1b
	TEST 93
	RESUME 2f
	ENTER_U 1f
1:	csrr a0, sscratch
	j fail
2:	EXPECT_M_TRAP CAUSE_ILLEGAL, 1b
	TEST 94                     /* S may use its own CSRs */
	li a0, 0
	RESUME 2f
	ENTER_S 1f
1:	csrw sscratch, a0
	csrr a1, sstatus
	csrr a1, sepc
	csrr a1, satp
	li a0, 1
3:	ecall
2:	EXPECT_M_TRAP CAUSE_ECALL_S, 3b
	EXPECT a0, 1
	la a0, s_save
	csrw sscratch, a0

/* Zifencei: store a new instruction, fence.i, execute it */
	.option norvc               /* patched instructions are 4 bytes */
	TEST 100
	la s0, patch
	jalr s0                     /* patch: li a0, 1; ret */
	EXPECT a0, 1
	li a1, 0x02a00513           /* addi a0, x0, 42 */
	sw a1, 0(s0)
	fence.i
	jalr s0
	EXPECT a0, 42
	TEST 101                    /* a compressed replacement: c.li a0, 7; c.nop */
	li a1, 0x0001451d
	sw a1, 0(s0)
	fence.i
	jalr s0
	EXPECT a0, 7
	TEST 102                    /* code patched in the page that is running */
	la s1, here
	li a1, 0x06300593           /* addi a1, x0, 99 */
	sw a1, 0(s1)
	fence.i
here:	li a1, 5
	EXPECT a1, 99
	TEST 103                    /* code in a data page */
	la s0, dpatch
	li a1, 0x00500513           /* addi a0, x0, 5 */
	sw a1, 0(s0)
	li a1, 0x00008067           /* ret */
	sw a1, 4(s0)
	fence.i
	jalr s0
	EXPECT a0, 5
	li a1, 0x00600513           /* addi a0, x0, 6 */
	sw a1, 0(s0)
	fence.i
	jalr s0
	EXPECT a0, 6
RVTEST_CODE_END

	.align 4
patch:
	li a0, 1
	ret

RVTEST_DATA_BEGIN
	.align 4
dpatch:	.zero 16
