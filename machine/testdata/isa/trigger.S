/*
 * trigger.S: the trigger module (RISC-V Debug Specification 1.0, chapter 5,
 * Sdtrig) as reprovm implements it: two address triggers of type 2
 * (mcontrol) or 6 (mcontrol6) with action 0, a breakpoint exception raised
 * before the instruction has any effect, tval = tdata2. The CSRs' WARL
 * rules, execute, load and store matching (any byte of an access), AMOs,
 * the m, s and u bits, the reentrancy rule of harts without tcontrol (no
 * match in M-mode while mstatus.MIE = 0, nor in S-mode while SIE = 0 when
 * breakpoints are delegated), priority over faults, and that a trigger set
 * on a page the hart has just used (its TLB, its decoded blocks) fires.
 *
 * A trigger is disabled with TDISABLE (type 2, nothing enabled), since QEMU
 * 7.2 ignores a write of 0 to tdata1.
 *
 * QEMU_QUIRKS (the QEMU run): QEMU 7.2 writes tval = 0 for every breakpoint
 * (reprovm: the address, which the spec asks for), fires M-mode and S-mode
 * triggers whatever MIE and SIE are, matches a load or store that overlaps
 * the 8 bytes from tdata2 (the spec: one whose bytes include tdata2),
 * resets tdata1 to type 2 instead of disabled (15), ignores writes of 0 or
 * of unsupported types to tdata1, keeps mcontrol6's vs and vu bits
 * (reprovm has no H extension), and reports tinfo without a version.
 */
#include "env.h"

#define TYPE2   (2 << 60)
#define TYPE6   (6 << 60)
#define TYPE15  (15 << 60)
#define T_LOAD  0x01
#define T_STORE 0x02
#define T_EXEC  0x04
#define T_U     0x08
#define T_S     0x10
#define T_M     0x40

#define CSR_TSELECT  0x7a0
#define CSR_TDATA1   0x7a1
#define CSR_TDATA2   0x7a2
#define CSR_TDATA3   0x7a3
#define CSR_TINFO    0x7a4
#define CSR_TCONTROL 0x7a5
#define CSR_MCONTEXT 0x7a8
#define CSR_SCONTEXT 0x5a8

/* TSET sel, addr_sym, bits: trigger sel matches addr_sym with these bits. */
.macro TSET sel, sym, bits
	li t5, \sel
	csrw CSR_TSELECT, t5
	li t5, TYPE2
	csrw CSR_TDATA1, t5
	la t5, \sym
	csrw CSR_TDATA2, t5
	li t5, TYPE2 | (\bits)
	csrw CSR_TDATA1, t5
.endm
/* TDISABLE sel */
.macro TDISABLE sel
	li t5, \sel
	csrw CSR_TSELECT, t5
	li t5, TYPE2
	csrw CSR_TDATA1, t5
.endm

/* EXPECT_BP sym, off: the last M trap was a breakpoint at tval sym + off. */
.macro EXPECT_BP sym, off=0
	EXPECT_TRAP TR_CAUSE, CAUSE_BREAKPOINT
	LOAD_TRAP t5, TR_TVAL
#ifdef QEMU_QUIRKS
	EXPECT t5, 0
#else
	la t6, \sym + \off
	beq t5, t6, .Lok\@
	j fail
.Lok\@:
#endif
.endm

/* MIE_ON / MIE_OFF: mstatus.MIE (no interrupt is enabled in mie). */
.macro MIE_ON
	csrsi mstatus, MSTATUS_MIE
.endm
.macro MIE_OFF
	csrci mstatus, MSTATUS_MIE
.endm

RVTEST_CODE_BEGIN

/* tselect: two triggers, other values leave it unchanged */
	TEST 1
	csrw CSR_TSELECT, zero
	csrr a0, CSR_TSELECT
	EXPECT a0, 0
	li a0, 1
	csrw CSR_TSELECT, a0
	csrr a0, CSR_TSELECT
	EXPECT a0, 1
	li a0, 2
	csrw CSR_TSELECT, a0
	csrr a0, CSR_TSELECT
	EXPECT a0, 1
	li a0, -1
	csrw CSR_TSELECT, a0
	csrr a0, CSR_TSELECT
	EXPECT a0, 1
	TEST 2                       /* tinfo: types 2, 6 and 15, version 1 */
	csrr a0, CSR_TINFO
#ifdef QEMU_QUIRKS
	EXPECT a0, 0x44
#else
	EXPECT a0, 0x01008044
#endif
	TEST 3                       /* both triggers start disabled */
	csrr a0, CSR_TDATA1
	csrw CSR_TSELECT, zero
	csrr a1, CSR_TDATA1
#ifdef QEMU_QUIRKS
	EXPECT a0, TYPE2
	EXPECT a1, TYPE2
#else
	EXPECT a0, TYPE15
	EXPECT a1, TYPE15
#endif

/* tdata1: WARL */
	TEST 4
	li a0, TYPE2 | 0x0fffffffffffffff
	csrw CSR_TDATA1, a0
	csrr a0, CSR_TDATA1
	EXPECT a0, TYPE2 | 0x5f       /* m, s, u, execute, store, load */
	li a0, TYPE6 | 0x0fffffffffffffff
	csrw CSR_TDATA1, a0
	csrr a0, CSR_TDATA1
#ifdef QEMU_QUIRKS
	EXPECT a0, TYPE6 | 0x180005f  /* and vs, vu */
#else
	EXPECT a0, TYPE6 | 0x5f
	csrw CSR_TDATA1, zero         /* 0 disables */
	csrr a0, CSR_TDATA1
	EXPECT a0, TYPE15
	li a0, (3 << 60) | 0xfff      /* icount: not supported, disabled */
	csrw CSR_TDATA1, a0
	csrr a0, CSR_TDATA1
	EXPECT a0, TYPE15
	li a0, TYPE15 | 0x5f
	csrw CSR_TDATA1, a0
	csrr a0, CSR_TDATA1
	EXPECT a0, TYPE15
#endif
	TDISABLE 0
	csrr a0, CSR_TDATA1
	EXPECT a0, TYPE2
	TEST 5                       /* tdata2 holds any value; tdata3 is zero */
	li a0, -1
	csrw CSR_TDATA2, a0
	csrr a1, CSR_TDATA2
	EXPECT_EQ a1, a0
	li a0, 0x123456789abcdef0
	csrw CSR_TDATA2, a0
	csrr a1, CSR_TDATA2
	EXPECT_EQ a1, a0
	li a0, -1
	csrw CSR_TDATA3, a0
	csrr a1, CSR_TDATA3
	EXPECT a1, 0
	TEST 6                       /* no tcontrol, no context registers */
	CLEAR_TRAPS
1:	csrr a0, CSR_TCONTROL
	EXPECT_M_TRAP CAUSE_ILLEGAL, 1b
	CLEAR_TRAPS
1:	csrr a0, CSR_MCONTEXT
	EXPECT_M_TRAP CAUSE_ILLEGAL, 1b
	CLEAR_TRAPS
1:	csrr a0, CSR_SCONTEXT
	EXPECT_M_TRAP CAUSE_ILLEGAL, 1b
	TEST 7                       /* M-mode only */
	CLEAR_TRAPS
	RESUME 2f
	ENTER_S 1f
1:	csrr a0, CSR_TSELECT
	j fail
2:	EXPECT_M_TRAP CAUSE_ILLEGAL, 1b
	CLEAR_TRAPS
	RESUME 2f
	ENTER_U 1f
1:	csrw CSR_TDATA1, zero
	j fail
2:	EXPECT_M_TRAP CAUSE_ILLEGAL, 1b

/* execute */
	TEST 10
	li a0, 0
	CLEAR_TRAPS
	MIE_ON
	TSET 0, 1f, T_M | T_EXEC
1:	li a0, 1                     /* the handler skips it */
	TDISABLE 0
	MIE_OFF
	EXPECT_M_TRAP CAUSE_BREAKPOINT, 1b
	EXPECT_BP 1b
	EXPECT a0, 0
	EXPECT_TRAP TR_COUNT, 1
	TEST 11                      /* not in M-mode while MIE = 0 */
	li a0, 0
	CLEAR_TRAPS
	TSET 0, 1f, T_M | T_EXEC
1:	li a0, 1
	TDISABLE 0
#ifdef QEMU_QUIRKS
	EXPECT a0, 0
#else
	EXPECT a0, 1
	EXPECT_TRAP TR_COUNT, 0
#endif
	TEST 12                      /* in the middle of code the hart has run */
	li a0, 0
	call tfunc
	EXPECT a0, 4
	CLEAR_TRAPS
	li a0, 0
	MIE_ON
	TSET 0, tfunc + 8, T_M | T_EXEC
	call tfunc
	TDISABLE 0
	MIE_OFF
	EXPECT_M_TRAP CAUSE_BREAKPOINT, tfunc + 8
	EXPECT_BP tfunc, 8
	EXPECT a0, 3
	li a0, 0
	call tfunc                   /* disabled again */
	EXPECT a0, 4
	TEST 13                      /* the u bit: U-mode only */
	li a0, 0
	CLEAR_TRAPS
	MIE_ON
	TSET 1, ufunc + 8, T_U | T_EXEC
	la a1, ufunc
	RESUME 3f
	jalr a1                      /* M: no match; ufunc ends with ecall */
3:	MIE_OFF
	EXPECT a0, 4
	EXPECT_TRAP TR_CAUSE, CAUSE_ECALL_M
	li a0, 0
	CLEAR_TRAPS
	RESUME 2f
	ENTER_U 1f
1:	la a1, ufunc
	jalr a1
	j fail
2:	TDISABLE 1
	EXPECT_M_TRAP CAUSE_BREAKPOINT, ufunc + 8
	EXPECT_BP ufunc, 8
	EXPECT a0, 2
	TEST 14                      /* before the fetch's access fault */
	CLEAR_TRAPS
	MIE_ON
	li a1, 0x1000                /* not memory */
	csrw CSR_TSELECT, zero
	csrw CSR_TDATA2, a1
	li t0, TYPE2 | T_M | T_EXEC
	csrw CSR_TDATA1, t0
	RESUME 2f
	jalr a1
	j fail
2:	TDISABLE 0
	MIE_OFF
	EXPECT_TRAP TR_CAUSE, CAUSE_BREAKPOINT
	EXPECT_TRAP TR_EPC, 0x1000

/* loads and stores */
	TEST 20
	la a1, data
	CLEAR_TRAPS
	MIE_ON
	TSET 0, data + 4, T_M | T_LOAD
	li a2, 0x55
	lw a2, 4(a1)                 /* the handler skips it */
	EXPECT a2, 0x55
	EXPECT_BP data, 4
	CLEAR_TRAPS
	ld a2, 0(a1)                 /* bytes 0-7 include 4 */
	EXPECT a2, 0x55
	EXPECT_BP data, 4
	CLEAR_TRAPS
	lh a2, 3(a1)                 /* bytes 3-4 */
	EXPECT_BP data, 4
	CLEAR_TRAPS
	lb a2, 3(a1)
	lw a2, 0(a1)
	sw a2, 4(a1)                 /* a store: no match */
	EXPECT_TRAP TR_COUNT, 0
	lw a2, 8(a1)
	lb a2, 5(a1)
	TDISABLE 0
	MIE_OFF
#ifdef QEMU_QUIRKS
	EXPECT_TRAP TR_COUNT, 2
#else
	EXPECT_TRAP TR_COUNT, 0
#endif
	TEST 21                      /* stores do not happen */
	li a2, 0x1234
	sw a2, 16(a1)
	CLEAR_TRAPS
	MIE_ON
	TSET 0, data + 16, T_M | T_STORE
	sw zero, 16(a1)
	EXPECT_BP data, 16
	CLEAR_TRAPS
	sb zero, 16(a1)
	EXPECT_BP data, 16
	CLEAR_TRAPS
	lw a2, 16(a1)
	TDISABLE 0
	MIE_OFF
	EXPECT_TRAP TR_COUNT, 0
	EXPECT a2, 0x1234
	TEST 22                      /* on a page the hart has just loaded from */
	lw a2, 0(a1)
	CLEAR_TRAPS
	MIE_ON
	TSET 0, data, T_M | T_LOAD
	lw a2, 0(a1)
	EXPECT_BP data
	la t0, data + 24             /* moved: the old address no longer matches */
	csrw CSR_TDATA2, t0
	CLEAR_TRAPS
	lw a2, 0(a1)
	EXPECT_TRAP TR_COUNT, 0
	lw a2, 24(a1)
	EXPECT_BP data, 24
	TDISABLE 0
	MIE_OFF
	TEST 23                      /* both triggers at once */
	CLEAR_TRAPS
	MIE_ON
	TSET 0, data, T_M | T_LOAD
	TSET 1, data + 16, T_M | T_STORE
	lw a2, 0(a1)
	EXPECT_BP data
	sw a2, 16(a1)
	EXPECT_BP data, 16
	lw a2, 16(a1)
	sw a2, 0(a1)
	EXPECT_TRAP TR_COUNT, 2
	TDISABLE 0
	TDISABLE 1
	MIE_OFF
	TEST 24                      /* AMOs are loads and stores; LR a load, SC a store */
	la a1, data + 32
	CLEAR_TRAPS
	MIE_ON
	TSET 0, data + 32, T_M | T_LOAD
	li a2, 1
	amoadd.w a3, a2, (a1)
	EXPECT_BP data, 32
	lr.w a3, (a1)
	EXPECT_TRAP TR_COUNT, 2
	sc.w a3, a2, (a1)
	EXPECT_TRAP TR_COUNT, 2
	TSET 0, data + 32, T_M | T_STORE
	amoswap.w a3, a2, (a1)
	EXPECT_TRAP TR_COUNT, 3
	lr.w a3, (a1)
	EXPECT_TRAP TR_COUNT, 3
	li a3, 7
	sc.w a3, a2, (a1)
	EXPECT_TRAP TR_COUNT, 4
	EXPECT a3, 7                 /* not executed */
	TDISABLE 0
	MIE_OFF
	lw a2, 0(a1)
	EXPECT a2, 0                 /* no AMO or SC above was executed */
	TEST 25                      /* the u bit, and the s bit with SIE */
	la a1, data
	CLEAR_TRAPS
	MIE_ON
	TSET 0, data, T_U | T_LOAD
	lw a2, 0(a1)                 /* M: no match */
	EXPECT_TRAP TR_COUNT, 0
	RESUME 2f
	ENTER_U 1f
1:	lw a2, 0(a1)
	j fail
2:	EXPECT_M_TRAP CAUSE_BREAKPOINT, 1b
	EXPECT_BP data
	li t0, 1 << CAUSE_BREAKPOINT
	csrs medeleg, t0
	TSET 0, data, T_S | T_LOAD
	CLEAR_TRAPS
	RESUME 2f
	ENTER_S 1f
1:	lw a2, 0(a1)                 /* SIE = 0: no match */
	csrsi sstatus, MSTATUS_SIE
	lw a2, 0(a1)                 /* SIE = 1: a breakpoint into S */
	csrci sstatus, MSTATUS_SIE
	ecall
2:	EXPECT_TRAP TR_CAUSE, CAUSE_ECALL_S
#ifdef QEMU_QUIRKS
	EXPECT_STRAP TR_COUNT, 2
#else
	EXPECT_STRAP TR_COUNT, 1
#endif
	EXPECT_STRAP TR_CAUSE, CAUSE_BREAKPOINT
	LOAD_STRAP t5, TR_TVAL
#ifdef QEMU_QUIRKS
	EXPECT t5, 0
#else
	la t6, data
	bne t5, t6, fail
#endif
	csrw medeleg, zero
	TDISABLE 0
	MIE_OFF
	TEST 26                      /* before the load's access fault */
	CLEAR_TRAPS
	MIE_ON
	li a1, 0x1000
	csrw CSR_TSELECT, zero
	csrw CSR_TDATA2, a1
	li t0, TYPE2 | T_M | T_LOAD
	csrw CSR_TDATA1, t0
1:	lw a2, 0(a1)
	TDISABLE 0
	MIE_OFF
	EXPECT_TRAP TR_CAUSE, CAUSE_BREAKPOINT
	EXPECT_TRAP TR_COUNT, 1
RVTEST_CODE_END

/* tfunc (M) and ufunc (U): four increments of a0 */
	.align 4
	.option push
	.option norvc
tfunc:	addi a0, a0, 1
	addi a0, a0, 1
	addi a0, a0, 1
	addi a0, a0, 1
	ret
	.align 4
ufunc:	addi a0, a0, 1
	addi a0, a0, 1
	addi a0, a0, 1
	addi a0, a0, 1
	ecall
	.option pop

RVTEST_DATA_BEGIN
	.align 6
data:	.dword 0, 0, 0, 0, 0, 0
