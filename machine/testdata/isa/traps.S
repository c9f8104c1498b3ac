/*
 * traps.S: exceptions, delegation and xRET (privileged spec 3.1.6-3.1.8,
 * 3.3, 4.1.1): every exception cause that can be provoked without paging
 * (page faults are in vm.S, misaligned atomics in rv64ua.S; a misaligned
 * fetch cannot happen with C), medeleg to S, the mstatus/sstatus state
 * changes of traps, mret and sret, and the TW, TSR, TVM and FS fields.
 */
#include "env.h"

/*
 * QEMU_QUIRKS (the QEMU run): ebreak writes mtval = pc in reprovm and 0 in
 * QEMU 7.2 (both are legal), and QEMU 7.2 does not clear mstatus.MPRV on an
 * mret to a lower privilege as privileged spec 1.12 (3.1.6.1) requires.
 */

RVTEST_CODE_BEGIN

/* illegal instruction: mtval = the instruction bits */
	TEST 1
	CLEAR_TRAPS
1:	.word 0x0000000b             /* custom-0 opcode: not implemented */
	EXPECT_M_TRAP CAUSE_ILLEGAL, 1b
	EXPECT_TRAP TR_TVAL, 0x0000000b
	TEST 2
1:	.word 0x12345677             /* reserved 48-bit+ length encodings are illegal too */
	EXPECT_M_TRAP CAUSE_ILLEGAL, 1b
	TEST 3
1:	.half 0x0000                 /* the all-zero 16-bit instruction */
	EXPECT_M_TRAP CAUSE_ILLEGAL, 1b
	EXPECT_TRAP TR_TVAL, 0
	TEST 4                       /* reserved compressed encodings: mtval = 16 bits */
1:	.half 0x6081                 /* c.lui ra, 0 (nzimm = 0 is reserved) */
	EXPECT_M_TRAP CAUSE_ILLEGAL, 1b
	EXPECT_TRAP TR_TVAL, 0x6081
	TEST 5
1:	.half 0x6101                 /* c.addi16sp sp, 0 */
	EXPECT_M_TRAP CAUSE_ILLEGAL, 1b
	EXPECT_TRAP TR_TVAL, 0x6101
	TEST 6
1:	.half 0x8002                 /* c.jr x0 is reserved */
	EXPECT_M_TRAP CAUSE_ILLEGAL, 1b
	EXPECT_TRAP TR_TVAL, 0x8002
	EXPECT_TRAP TR_COUNT, 6

/* breakpoint */
	TEST 10
	CLEAR_TRAPS
1:	ebreak
	EXPECT_M_TRAP CAUSE_BREAKPOINT, 1b
	LOAD_TRAP a0, TR_TVAL
	la a1, 1b
#ifdef QEMU_QUIRKS
	EXPECT a0, 0
#else
	EXPECT_EQ a0, a1
#endif
	EXPECT_TRAP TR_COUNT, 1

/* ecall from M, S and U */
	TEST 20
	CLEAR_TRAPS
1:	ecall
	EXPECT_M_TRAP CAUSE_ECALL_M, 1b
	EXPECT_TRAP TR_TVAL, 0
	TEST 21
	RESUME 2f
	ENTER_S 1f
1:	ecall
2:	EXPECT_M_TRAP CAUSE_ECALL_S, 1b
	TEST 22
	RESUME 2f
	ENTER_U 1f
1:	ecall
2:	EXPECT_M_TRAP CAUSE_ECALL_U, 1b

/* access faults: outside RAM and devices, mtval = the address */
	TEST 30
	CLEAR_TRAPS
	li a1, 0x90000000            /* first byte after 256 MiB of RAM */
1:	lb a0, 0(a1)
	EXPECT_M_TRAP CAUSE_LOAD_ACCESS, 1b
	EXPECT_TRAP TR_TVAL, 0x90000000
	TEST 31
	li a1, 0x8ffffff8            /* last doubleword of RAM is fine */
	ld a0, 0(a1)
	sd a0, 0(a1)
	EXPECT_TRAP TR_COUNT, 1
	TEST 32
	li a1, 0x40000010
1:	sw a0, -8(a1)
	EXPECT_M_TRAP CAUSE_STORE_ACCESS, 1b
	EXPECT_TRAP TR_TVAL, 0x40000008
	TEST 33
	li a1, 0
1:	ld a0, 0(a1)
	EXPECT_M_TRAP CAUSE_LOAD_ACCESS, 1b
	EXPECT_TRAP TR_TVAL, 0
	TEST 34                      /* instruction fetch: mepc = mtval = target */
	CLEAR_TRAPS
	RESUME 2f
	li a1, 0x40000000
1:	jalr a1
2:	EXPECT_TRAP TR_CAUSE, CAUSE_FETCH_ACCESS
	EXPECT_TRAP TR_EPC, 0x40000000
	EXPECT_TRAP TR_TVAL, 0x40000000
	TEST 35                      /* fetch fault from S, not delegated */
	CLEAR_TRAPS
	RESUME 2f
	li a1, 0x90000000
	ENTER_S 1f
1:	jr a1
2:	EXPECT_TRAP TR_CAUSE, CAUSE_FETCH_ACCESS
	EXPECT_TRAP TR_TVAL, 0x90000000
	LOAD_TRAP a0, TR_STATUS
	li a1, MSTATUS_MPP
	and a0, a0, a1
	EXPECT a0, MSTATUS_MPP_S

/* trap entry into M: MPIE = old MIE, MIE = 0, MPP = old privilege */
	TEST 40
	CLEAR_TRAPS
	csrw mie, zero
	csrsi mstatus, MSTATUS_MIE
	ecall
	csrr a0, mstatus
	andi a0, a0, MSTATUS_MIE | MSTATUS_MPIE
	EXPECT a0, MSTATUS_MIE | MSTATUS_MPIE  /* mret restored MIE = 1... */
	LOAD_TRAP a0, TR_STATUS
	li a1, MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP
	and a0, a0, a1
	EXPECT a0, MSTATUS_MPIE | MSTATUS_MPP   /* ...inside the handler MIE was 0 */
	csrci mstatus, MSTATUS_MIE

/* mret: MIE = MPIE, MPIE = 1, MPP = U, privilege = old MPP */
	TEST 50
	li a0, MSTATUS_MPP | MSTATUS_MPIE
	csrs mstatus, a0             /* MPP = M, MPIE = 1 */
	csrci mstatus, MSTATUS_MIE
	la a0, 1f
	csrw mepc, a0
	mret
1:	csrr a0, mstatus
	li a1, MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP
	and a0, a0, a1
	EXPECT a0, MSTATUS_MIE | MSTATUS_MPIE
	csrci mstatus, MSTATUS_MIE
	TEST 51                      /* MPIE = 0 gives MIE = 0 */
	li a0, MSTATUS_MPP
	csrs mstatus, a0
	li a0, MSTATUS_MPIE
	csrc mstatus, a0
	la a0, 1f
	csrw mepc, a0
	mret
1:	csrr a0, mstatus
	li a1, MSTATUS_MIE | MSTATUS_MPIE
	and a0, a0, a1
	EXPECT a0, MSTATUS_MPIE
	TEST 52                      /* mret to S clears MPRV; privilege is S */
	li a0, MSTATUS_MPRV
	csrs mstatus, a0
	RESUME 2f
	ENTER_S 1f
1:	ecall
2:	EXPECT_M_TRAP CAUSE_ECALL_S, 1b
	csrr a0, mstatus
	li a1, MSTATUS_MPRV
	and a0, a0, a1
#ifndef QEMU_QUIRKS
	EXPECT a0, 0
#endif
	li a1, MSTATUS_MPRV
	csrc mstatus, a1
	TEST 53                      /* mret to U */
	RESUME 2f
	ENTER_U 1f
1:	ecall
2:	EXPECT_M_TRAP CAUSE_ECALL_U, 1b

/* sret: SIE = SPIE, SPIE = 1, SPP = U, privilege = old SPP */
	TEST 60
	RESUME 3f
	ENTER_S 1f
1:	li a0, MSTATUS_SPP | MSTATUS_SPIE
	csrs sstatus, a0
	csrci sstatus, MSTATUS_SIE
	la a0, 2f
	csrw sepc, a0
	sret
2:	ecall                        /* still in S: cause 9 */
3:	EXPECT_M_TRAP CAUSE_ECALL_S, 2b
	LOAD_TRAP a0, TR_STATUS
	li a1, MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP
	and a0, a0, a1
	EXPECT a0, MSTATUS_SIE | MSTATUS_SPIE
	csrci mstatus, MSTATUS_SIE
	TEST 61                      /* sret from S to U */
	RESUME 3f
	ENTER_S 1f
1:	SENTER_U 2f
2:	ecall
3:	EXPECT_M_TRAP CAUSE_ECALL_U, 2b
	TEST 62                      /* sret in M is allowed and uses SPP */
	li a0, MSTATUS_SPP
	csrs mstatus, a0
	la a0, 1f
	csrw sepc, a0
	RESUME 2f
	sret
1:	ecall
2:	EXPECT_M_TRAP CAUSE_ECALL_S, 1b

/* xRET from a lower privilege is illegal */
	TEST 70
	RESUME 2f
	ENTER_S 1f
1:	mret
2:	EXPECT_M_TRAP CAUSE_ILLEGAL, 1b
	EXPECT_TRAP TR_TVAL, 0x30200073
	TEST 71
	RESUME 2f
	ENTER_U 1f
1:	sret
2:	EXPECT_M_TRAP CAUSE_ILLEGAL, 1b
	TEST 72
	RESUME 2f
	ENTER_U 1f
1:	mret
2:	EXPECT_M_TRAP CAUSE_ILLEGAL, 1b
	TEST 73                      /* sfence.vma from U */
	RESUME 2f
	ENTER_U 1f
1:	sfence.vma
2:	EXPECT_M_TRAP CAUSE_ILLEGAL, 1b

/* TSR: sret in S is illegal */
	TEST 80
	li a0, MSTATUS_TSR
	csrs mstatus, a0
	RESUME 2f
	ENTER_S 1f
1:	sret
2:	EXPECT_M_TRAP CAUSE_ILLEGAL, 1b
	li a0, MSTATUS_TSR
	csrc mstatus, a0

/* TVM: satp and sfence.vma in S are illegal; M is not affected */
	TEST 90
	li a0, MSTATUS_TVM
	csrs mstatus, a0
	RESUME 2f
	ENTER_S 1f
1:	csrr a0, satp
2:	EXPECT_M_TRAP CAUSE_ILLEGAL, 1b
	TEST 91
	RESUME 2f
	ENTER_S 1f
1:	sfence.vma
2:	EXPECT_M_TRAP CAUSE_ILLEGAL, 1b
	TEST 92
	RESUME 2f
	ENTER_S 1f
1:	csrw satp, zero
2:	EXPECT_M_TRAP CAUSE_ILLEGAL, 1b
	TEST 93
	CLEAR_TRAPS
	csrr a0, satp
	sfence.vma
	EXPECT_TRAP TR_COUNT, 0
	li a0, MSTATUS_TVM
	csrc mstatus, a0
	TEST 94                      /* with TVM = 0, S may use them */
	RESUME 2f
	ENTER_S 1f
1:	csrr a0, satp
	sfence.vma
	ecall
2:	EXPECT_TRAP TR_CAUSE, CAUSE_ECALL_S

/* TW: wfi in S is illegal (with TW = 0 it would wait: see interrupts.S) */
	TEST 100
	li a0, MSTATUS_TW
	csrs mstatus, a0
	RESUME 2f
	ENTER_S 1f
1:	wfi
2:	EXPECT_M_TRAP CAUSE_ILLEGAL, 1b
	EXPECT_TRAP TR_TVAL, 0x10500073
	li a0, MSTATUS_TW
	csrc mstatus, a0

/* FS: with FS = Off every FP instruction and FP CSR is illegal */
	TEST 110
	CLEAR_TRAPS
	li a0, MSTATUS_FS
	csrc mstatus, a0
1:	fadd.d fa0, fa1, fa2
	EXPECT_M_TRAP CAUSE_ILLEGAL, 1b
	TEST 111
	la a1, fpmem
1:	fld fa0, 0(a1)
	EXPECT_M_TRAP CAUSE_ILLEGAL, 1b
	TEST 112
1:	fsw fa0, 0(a1)
	EXPECT_M_TRAP CAUSE_ILLEGAL, 1b
	TEST 113
1:	fmv.x.d a0, fa0
	EXPECT_M_TRAP CAUSE_ILLEGAL, 1b
	TEST 114
1:	frcsr a0
	EXPECT_M_TRAP CAUSE_ILLEGAL, 1b
	TEST 115
1:	csrw fflags, zero
	EXPECT_M_TRAP CAUSE_ILLEGAL, 1b
	TEST 116
1:	.option push
	.option rvc
	c.fld fa0, 0(a1)
	.option pop
	EXPECT_M_TRAP CAUSE_ILLEGAL, 1b
	EXPECT_TRAP TR_COUNT, 7
	TEST 117                     /* Initial + an FP write = Dirty, and SD = 1 */
	li a0, MSTATUS_FS_INITIAL
	csrs mstatus, a0
	csrr a0, mstatus
	bltz a0, fail
	fmv.d.x fa0, zero
	csrr a0, mstatus
	srli a1, a0, 13
	andi a1, a1, 3
	EXPECT a1, 3
	bgez a0, fail
	csrr a0, sstatus             /* SD is visible in sstatus too */
	bgez a0, fail
	TEST 118                     /* Clean + FP load = Dirty */
	li a0, MSTATUS_FS
	csrc mstatus, a0
	li a0, MSTATUS_FS_CLEAN
	csrs mstatus, a0
	csrr a0, mstatus
	bltz a0, fail
	la a1, fpmem
	fld fa0, 0(a1)
	csrr a0, mstatus
	srli a1, a0, 13
	andi a1, a1, 3
	EXPECT a1, 3
	TEST 119                     /* Clean + fflags write by an FP op = Dirty */
	li a0, MSTATUS_FS
	csrc mstatus, a0
	li a0, MSTATUS_FS_CLEAN
	csrs mstatus, a0
	csrwi fflags, 0
	csrr a0, mstatus
	srli a1, a0, 13
	andi a1, a1, 3
	EXPECT a1, 3
	TEST 120                     /* FS = Off in S: illegal there too */
	li a0, MSTATUS_FS
	csrc mstatus, a0
	RESUME 2f
	ENTER_S 1f
1:	fadd.s fa0, fa1, fa2
2:	EXPECT_M_TRAP CAUSE_ILLEGAL, 1b

/* medeleg: exceptions from U and S go to the S handler; M ones never do */
	TEST 130
	CLEAR_TRAPS
	li a0, (1 << CAUSE_ILLEGAL) | (1 << CAUSE_ECALL_U) | (1 << CAUSE_LOAD_ACCESS)
	csrw medeleg, a0
	csrr a1, medeleg
	and a1, a1, a0
	EXPECT_EQ a1, a0
	RESUME 4f
	ENTER_U 1f
1:	.word 0x0000000b             /* to S, which skips it */
2:	ecall                        /* to S, which skips it */
3:	ebreak                       /* not delegated: to M */
	j fail
4:	EXPECT_M_TRAP CAUSE_BREAKPOINT, 3b
	EXPECT_TRAP TR_COUNT, 1
	EXPECT_STRAP TR_COUNT, 2
	EXPECT_STRAP TR_CAUSE, CAUSE_ECALL_U
	LOAD_STRAP a0, TR_EPC
	la a1, 2b
	EXPECT_EQ a0, a1
	LOAD_STRAP a0, TR_STATUS     /* trap from U: SPP = 0 */
	andi a0, a0, MSTATUS_SPP
	EXPECT a0, 0
	TEST 131                     /* scause/stval of a delegated illegal instruction */
	CLEAR_TRAPS
	SRESUME 2f
	RESUME 3f
	ENTER_S 1f
1:	.word 0x0000000b
	j fail
2:	ecall
3:	EXPECT_STRAP TR_CAUSE, CAUSE_ILLEGAL
	EXPECT_STRAP TR_TVAL, 0x0000000b
	LOAD_STRAP a0, TR_EPC
	la a1, 1b
	EXPECT_EQ a0, a1
	LOAD_STRAP a0, TR_STATUS     /* trap from S: SPP = 1 */
	andi a0, a0, MSTATUS_SPP
	EXPECT a0, MSTATUS_SPP
	EXPECT_TRAP TR_CAUSE, CAUSE_ECALL_S
	TEST 132                     /* delegated load access fault: stval = address */
	CLEAR_TRAPS
	SRESUME 2f
	RESUME 3f
	li a1, 0x40000040
	ENTER_S 1f
1:	ld a0, 0(a1)
	j fail
2:	ecall
3:	EXPECT_STRAP TR_CAUSE, CAUSE_LOAD_ACCESS
	EXPECT_STRAP TR_TVAL, 0x40000040
	TEST 133                     /* trap entry into S: SPIE = old SIE, SIE = 0 */
	CLEAR_TRAPS
	li a0, 1 << CAUSE_BREAKPOINT
	csrs medeleg, a0
	SRESUME 2f
	RESUME 3f
	ENTER_S 1f
1:	csrsi sstatus, MSTATUS_SIE
	ebreak
	j fail
2:	csrr a0, sstatus
	ecall
3:	EXPECT_STRAP TR_CAUSE, CAUSE_BREAKPOINT
	LOAD_STRAP a1, TR_STATUS
	andi a1, a1, MSTATUS_SIE | MSTATUS_SPIE
	EXPECT a1, MSTATUS_SPIE
	TEST 134                     /* exceptions in M are never delegated */
	CLEAR_TRAPS
1:	.word 0x0000000b
	EXPECT_M_TRAP CAUSE_ILLEGAL, 1b
	EXPECT_STRAP TR_COUNT, 0
	csrw medeleg, zero
RVTEST_CODE_END

RVTEST_DATA_BEGIN
	.align 3
fpmem:	.dword 0x3ff0000000000000
