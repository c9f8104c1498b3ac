/*
 * pmp.S: physical memory protection (privileged spec 3.7) on a hart with 16
 * entries and a granularity of 4 bytes (G = 0): the WARL rules of pmpcfg
 * and pmpaddr, OFF, TOR, NA4 and NAPOT matching, priority, partial matches,
 * the default for S and U (no match: fail) and M (no match: succeed),
 * R/W/X on loads, stores and fetches, page-table walks and A/D updates
 * checked as S-mode accesses, MPRV, page-crossing accesses, that a changed
 * entry takes effect at once on pages the hart has used (its TLB), and the
 * L bit (locked entries bind M-mode and ignore writes; a locked TOR entry
 * also locks the address below it). The lock tests come last, since nothing
 * but a reset unlocks an entry.
 *
 * Entry 15 is usually a NAPOT entry over all memory with R, W and X, so
 * that the test's code and data stay reachable from S and U; the entries
 * below it are the rules under test.
 *
 * QEMU_QUIRKS (the QEMU run): QEMU 7.2 keeps every bit written to pmpaddr
 * (the spec makes bits 63:54 read as zero on RV64) and to pmpcfg (bits 6:5
 * are reserved and read as zero, and reprovm clears W when R is clear, as
 * Spike does, R=0 W=1 being reserved), it has no pmpaddr16-63 and
 * pmpcfg4-14 (the spec has them read as zero when entries 16-63 are not
 * implemented), it does not check the A/D update of a PTE against PMP, it
 * refuses an mret into S or U while no entry is active (an illegal
 * instruction instead of the fetch's access fault), it fetches past an
 * entry that covers part of a page (tests 21 and 22), and its tval for a
 * page-crossing access is the access's address, not that of the part that
 * faulted, and a TOR entry keeps its old start when the address below it
 * is written (test 29; it moves when its own pmpcfg is written).
 */
#include "env.h"

#define PMP_R     0x01
#define PMP_W     0x02
#define PMP_X     0x04
#define PMP_TOR   0x08
#define PMP_NA4   0x10
#define PMP_NAPOT 0x18
#define PMP_L     0x80
#define PMP_ALL   (PMP_NAPOT | PMP_R | PMP_W | PMP_X)

/* ALLOW_ALL: entries 0-14 off, entry 15 RWX over all memory. */
.macro ALLOW_ALL
	csrw pmpcfg0, zero
	li t5, -1
	csrw pmpaddr15, t5
	li t5, PMP_ALL << 56
	csrw pmpcfg2, t5
.endm

/* SET_ADDR i, sym: pmpaddr<i> = sym >> 2 (NA4 and TOR addresses). */
.macro SET_ADDR i, sym
	la t5, \sym
	srli t5, t5, 2
	csrw pmpaddr\i, t5
.endm

/* SET_NAPOT i, sym, size: pmpaddr<i> encodes [sym, sym + size) as NAPOT. */
.macro SET_NAPOT i, sym, size
	la t5, \sym
	srli t5, t5, 2
	ori t5, t5, ((\size) >> 3) - 1
	csrw pmpaddr\i, t5
.endm

/* CFG0 v: pmpcfg0 = v (entries 0-7), entry 15 unchanged. */
.macro CFG0 v
	li t5, \v
	csrw pmpcfg0, t5
.endm

/*
 * U_INSN insn / S_INSN insn: run one instruction in U (S) mode, then come
 * back to M with ecall. TR_CAUSE is the cause of the first trap: 8 (9) if
 * insn did not trap.
 */
.macro U_INSN insn:vararg
	CLEAR_TRAPS
	RESUME .Lb\@
	ENTER_U .Lu\@
.Lu\@:	\insn
	ecall
.Lb\@:
.endm
.macro S_INSN insn:vararg
	CLEAR_TRAPS
	RESUME .Lb\@
	ENTER_S .Lu\@
.Lu\@:	\insn
	ecall
.Lb\@:
.endm

/* EXPECT_FAULT cause, tval_sym, off: the last trap had this cause and tval. */
.macro EXPECT_FAULT cause, sym, off=0
	EXPECT_TRAP TR_CAUSE, \cause
	LOAD_TRAP t5, TR_TVAL
	la t6, \sym + \off
	beq t5, t6, .Lok\@
	j fail
.Lok\@:
.endm

/* MPRV_S / MPRV_OFF: M-mode loads and stores as S-mode's, or not. */
.macro MPRV_S
	li t5, MSTATUS_MPP
	csrc mstatus, t5
	li t5, MSTATUS_MPP_S | MSTATUS_MPRV
	csrs mstatus, t5
.endm
.macro MPRV_OFF
	li t5, MSTATUS_MPRV
	csrc mstatus, t5
.endm

/*
 * NO_RULE_FAULT label: the fetch at label in S or U failed because no PMP
 * entry is active. QEMU 7.2 instead refuses the mret into S or U itself
 * (an illegal instruction), which the spec does not provide for.
 */
.macro NO_RULE_FAULT label
#ifdef QEMU_QUIRKS
	EXPECT_TRAP TR_CAUSE, CAUSE_ILLEGAL
#else
	EXPECT_FAULT CAUSE_FETCH_ACCESS, \label
#endif
.endm

/* RUN_U label: jump to label in U-mode; TR_CAUSE as for U_INSN. */
.macro RUN_U label
	CLEAR_TRAPS
	RESUME .Lb\@
	ENTER_U .Lu\@
.Lu\@:	la a0, \label
	jalr a0
	j fail
.Lb\@:
.endm

RVTEST_CODE_BEGIN
	la a1, buf

/* pmpaddr: 54 bits on RV64 */
	TEST 1
	li a0, -1
	csrw pmpaddr0, a0
	csrr a0, pmpaddr0
#ifdef QEMU_QUIRKS
	EXPECT a0, -1
#else
	EXPECT a0, 0x003fffffffffffff
#endif
	TEST 2
	li a0, 0x0012345678abcdef
	csrw pmpaddr7, a0
	csrr a2, pmpaddr7
	EXPECT_EQ a2, a0
	csrw pmpaddr7, zero
	csrw pmpaddr0, zero

/* pmpcfg: reserved bits, R=0 W=1, eight entries per even register */
	TEST 3
	CFG0 0x6060606060606060
	csrr a0, pmpcfg0
#ifdef QEMU_QUIRKS
	EXPECT a0, 0x6060606060606060
#else
	EXPECT a0, 0
#endif
	TEST 4
	CFG0 0x0706050403020100
	csrr a0, pmpcfg0
#ifdef QEMU_QUIRKS
	EXPECT a0, 0x0706050403020100
#else
	EXPECT a0, 0x0704050403000100 /* 0x02 -> 0, 0x06 -> 0x04 */
#endif
	csrw pmpcfg0, zero
	TEST 5
	li a0, (PMP_ALL << 56) | 0x0d
	csrw pmpcfg2, a0
	csrr a2, pmpcfg2
	EXPECT_EQ a2, a0
	csrr a2, pmpcfg0
	EXPECT a2, 0
	ALLOW_ALL
	TEST 6                       /* pmpcfg1 and pmpcfg3 do not exist on RV64 */
	CLEAR_TRAPS
1:	csrr a0, 0x3a1
	EXPECT_M_TRAP CAUSE_ILLEGAL, 1b
	CLEAR_TRAPS
1:	csrw 0x3a3, zero
	EXPECT_M_TRAP CAUSE_ILLEGAL, 1b
	TEST 7                       /* entries 16-63: read-only zero */
	CLEAR_TRAPS
	li a0, -1
1:	csrw 0x3c0, a0               /* pmpaddr16 */
	csrr a2, 0x3c0
	csrw 0x3ef, a0               /* pmpaddr63 */
	csrr a3, 0x3ef
	csrw 0x3a4, a0               /* pmpcfg4 */
	csrr a4, 0x3a4
#ifdef QEMU_QUIRKS
	EXPECT_TRAP TR_CAUSE, CAUSE_ILLEGAL
	EXPECT_TRAP TR_COUNT, 6
#else
	EXPECT_TRAP TR_COUNT, 0
	EXPECT a2, 0
	EXPECT a3, 0
	EXPECT a4, 0
#endif
	TEST 8                       /* M-mode only */
	S_INSN csrr a0, pmpcfg0
	EXPECT_TRAP TR_CAUSE, CAUSE_ILLEGAL
	U_INSN csrw pmpaddr0, zero
	EXPECT_TRAP TR_CAUSE, CAUSE_ILLEGAL

/* no matching entry: S and U fail, M succeeds */
	TEST 10
	csrw pmpcfg2, zero
	CLEAR_TRAPS
	RESUME 2f
	ENTER_U 1f
1:	ecall
2:	NO_RULE_FAULT 1b
	CLEAR_TRAPS
	RESUME 2f
	ENTER_S 1f
1:	ecall
2:	NO_RULE_FAULT 1b
	ld a0, 8(a1)                 /* M: allowed */
	sd a0, 8(a1)
	TEST 11
	ALLOW_ALL
	U_INSN ld a0, 8(a1)
	EXPECT_TRAP TR_CAUSE, CAUSE_ECALL_U

/* NA4 */
	TEST 12
	SET_ADDR 0, buf + 8
	CFG0 PMP_NA4
	U_INSN lw a0, 8(a1)
	EXPECT_FAULT CAUSE_LOAD_ACCESS, buf, 8
	U_INSN lw a0, 12(a1)
	EXPECT_TRAP TR_CAUSE, CAUSE_ECALL_U
	U_INSN lw a0, 4(a1)
	EXPECT_TRAP TR_CAUSE, CAUSE_ECALL_U
	U_INSN sw a0, 8(a1)
	EXPECT_FAULT CAUSE_STORE_ACCESS, buf, 8
	U_INSN lb a0, 11(a1)
	EXPECT_FAULT CAUSE_LOAD_ACCESS, buf, 11
	S_INSN lw a0, 8(a1)
	EXPECT_FAULT CAUSE_LOAD_ACCESS, buf, 8
	S_INSN sh a0, 10(a1)
	EXPECT_FAULT CAUSE_STORE_ACCESS, buf, 10
	li a0, 0x12345678            /* M: the entry is not locked */
	sw a0, 8(a1)
	lw a2, 8(a1)
	EXPECT_EQ a2, a0
	TEST 13                      /* an entry that matches part of an access fails it */
	SET_ADDR 0, buf + 12
	CFG0 PMP_NA4 | PMP_R | PMP_W
	U_INSN lw a0, 12(a1)
	EXPECT_TRAP TR_CAUSE, CAUSE_ECALL_U
	U_INSN ld a0, 8(a1)
	EXPECT_FAULT CAUSE_LOAD_ACCESS, buf, 8
	U_INSN sd a0, 8(a1)
	EXPECT_FAULT CAUSE_STORE_ACCESS, buf, 8
	U_INSN sd a0, 16(a1)
	EXPECT_TRAP TR_CAUSE, CAUSE_ECALL_U

/* NAPOT */
	TEST 14                      /* 8 bytes */
	SET_NAPOT 0, buf + 16, 8
	CFG0 PMP_NAPOT
	U_INSN lw a0, 16(a1)
	EXPECT_FAULT CAUSE_LOAD_ACCESS, buf, 16
	U_INSN lw a0, 20(a1)
	EXPECT_FAULT CAUSE_LOAD_ACCESS, buf, 20
	U_INSN lw a0, 24(a1)
	EXPECT_TRAP TR_CAUSE, CAUSE_ECALL_U
	U_INSN lw a0, 12(a1)
	EXPECT_TRAP TR_CAUSE, CAUSE_ECALL_U
	TEST 15                      /* a page, read-only */
	SET_NAPOT 0, buf1, 4096
	CFG0 PMP_NAPOT | PMP_R
	la a2, buf1
	la a3, buf2
	la a4, buf1 + 2048
	U_INSN ld a0, 2040(a4)
	EXPECT_TRAP TR_CAUSE, CAUSE_ECALL_U
	U_INSN sd a0, 0(a2)
	EXPECT_FAULT CAUSE_STORE_ACCESS, buf1
	U_INSN sb a0, 2047(a4)
	EXPECT_FAULT CAUSE_STORE_ACCESS, buf1, 4095
	U_INSN sd a0, 0(a3)
	EXPECT_TRAP TR_CAUSE, CAUSE_ECALL_U
	U_INSN sd a0, -8(a2)
	EXPECT_TRAP TR_CAUSE, CAUSE_ECALL_U

/* TOR */
	TEST 16
	SET_ADDR 0, buf
	SET_ADDR 1, buf + 32
	CFG0 (PMP_TOR | PMP_R) << 8
	U_INSN lw a0, 0(a1)
	EXPECT_TRAP TR_CAUSE, CAUSE_ECALL_U
	U_INSN lw a0, 28(a1)
	EXPECT_TRAP TR_CAUSE, CAUSE_ECALL_U
	U_INSN sw a0, 28(a1)
	EXPECT_FAULT CAUSE_STORE_ACCESS, buf, 28
	U_INSN sw a0, 32(a1)
	EXPECT_TRAP TR_CAUSE, CAUSE_ECALL_U
	TEST 17                      /* TOR in entry 0 starts at 0: the code below buf is in it */
	SET_ADDR 0, buf + 32
	CFG0 PMP_TOR
	CLEAR_TRAPS
	RESUME 2f
	ENTER_U 1f
1:	ecall
2:	EXPECT_FAULT CAUSE_FETCH_ACCESS, 1b
	TEST 18                      /* pmpaddr[i-1] >= pmpaddr[i]: TOR matches nothing */
	SET_ADDR 0, buf + 64
	SET_ADDR 1, buf
	CFG0 PMP_TOR << 8
	U_INSN lw a0, 8(a1)
	EXPECT_TRAP TR_CAUSE, CAUSE_ECALL_U
	SET_ADDR 1, buf + 64         /* equal */
	U_INSN lw a0, 64(a1)
	EXPECT_TRAP TR_CAUSE, CAUSE_ECALL_U

/* the lowest-numbered matching entry decides */
	TEST 19
	SET_ADDR 0, buf + 8
	SET_NAPOT 1, buf, 4096
	CFG0 (PMP_NAPOT << 8) | PMP_NA4 | PMP_R
	U_INSN lw a0, 8(a1)
	EXPECT_TRAP TR_CAUSE, CAUSE_ECALL_U
	U_INSN lw a0, 12(a1)
	EXPECT_FAULT CAUSE_LOAD_ACCESS, buf, 12
	U_INSN sw a0, 8(a1)
	EXPECT_FAULT CAUSE_STORE_ACCESS, buf, 8
	la a3, buf1
	U_INSN lw a0, 0(a3)
	EXPECT_TRAP TR_CAUSE, CAUSE_ECALL_U

/* X */
	TEST 20
	SET_NAPOT 0, xpage, 4096
	CFG0 PMP_NAPOT | PMP_R
	li a1, 0
	RUN_U xfunc
	EXPECT_FAULT CAUSE_FETCH_ACCESS, xfunc
	EXPECT a1, 0
	CFG0 PMP_NAPOT | PMP_X
	RUN_U xfunc
	EXPECT_TRAP TR_CAUSE, CAUSE_ECALL_U
	EXPECT a1, 1
	/*
	 * QEMU 7.2 checks a fetch against PMP only when it first translates
	 * code from the page: it runs on past a non-executable NA4 entry in
	 * the middle of a page it has already fetched from.
	 */
#ifndef QEMU_QUIRKS
	TEST 21                      /* a page split by a rule, fetched one instruction at a time */
	SET_ADDR 0, xfunc2 + 8
	CFG0 PMP_NA4 | PMP_R
	li a1, 0
	RUN_U xfunc2
	EXPECT_FAULT CAUSE_FETCH_ACCESS, xfunc2, 8
	EXPECT a1, 2
	li a1, 0
	RUN_U xfunc2 + 12
	EXPECT_TRAP TR_CAUSE, CAUSE_ECALL_U
	EXPECT a1, 1
	TEST 22                      /* a 4-byte instruction whose second half is not executable */
	SET_ADDR 0, xfunc3 + 4
	li a1, 0
	RUN_U xfunc3
	EXPECT_FAULT CAUSE_FETCH_ACCESS, xfunc3, 4
	LOAD_TRAP t5, TR_EPC
	la t6, xfunc3 + 2
	bne t5, t6, fail
	EXPECT a1, 0
	CFG0 PMP_NA4 | PMP_X
	RUN_U xfunc3
	EXPECT_TRAP TR_CAUSE, CAUSE_ECALL_U
	EXPECT a1, 1
#endif
	TEST 23                      /* M-mode fetches are not checked (entry not locked) */
	SET_NAPOT 0, xpage, 4096
	CFG0 PMP_NAPOT
	li a1, 0
	call mfunc
	EXPECT a1, 1

/* a changed entry applies at once to a page the hart just used */
	TEST 24
	ALLOW_ALL
	la a2, buf1
	U_INSN ld a0, 0(a2)
	EXPECT_TRAP TR_CAUSE, CAUSE_ECALL_U
	U_INSN sd a0, 8(a2)
	EXPECT_TRAP TR_CAUSE, CAUSE_ECALL_U
	SET_NAPOT 0, buf1, 4096
	CFG0 PMP_NAPOT | PMP_R
	U_INSN ld a0, 0(a2)
	EXPECT_TRAP TR_CAUSE, CAUSE_ECALL_U
	U_INSN sd a0, 8(a2)
	EXPECT_FAULT CAUSE_STORE_ACCESS, buf1, 8
	CFG0 PMP_NAPOT
	U_INSN ld a0, 0(a2)
	EXPECT_FAULT CAUSE_LOAD_ACCESS, buf1
	CFG0 PMP_NAPOT | PMP_R | PMP_W
	U_INSN sd a0, 8(a2)
	EXPECT_TRAP TR_CAUSE, CAUSE_ECALL_U
	TEST 25                      /* the same for fetches */
	ALLOW_ALL
	li a1, 0
	RUN_U xfunc
	EXPECT_TRAP TR_CAUSE, CAUSE_ECALL_U
	SET_NAPOT 0, xpage, 4096
	CFG0 PMP_NAPOT | PMP_R
	RUN_U xfunc
	EXPECT_FAULT CAUSE_FETCH_ACCESS, xfunc
	EXPECT a1, 1
	TEST 26                      /* and for a change of pmpaddr alone */
	ALLOW_ALL
	SET_NAPOT 0, buf2, 4096
	CFG0 PMP_NAPOT | PMP_R
	la a2, buf1
	U_INSN sd a0, 0(a2)
	EXPECT_TRAP TR_CAUSE, CAUSE_ECALL_U
	SET_NAPOT 0, buf1, 4096
	U_INSN sd a0, 0(a2)
	EXPECT_FAULT CAUSE_STORE_ACCESS, buf1

/* MPRV: M-mode loads and stores checked as MPP's */
	TEST 27
	la a1, buf
	SET_ADDR 0, buf + 8
	CFG0 PMP_NA4
	CLEAR_TRAPS
	RESUME 2f
	li t0, MSTATUS_MPP
	csrc mstatus, t0             /* MPP = U */
	li t0, MSTATUS_MPRV
	csrs mstatus, t0
1:	lw a0, 8(a1)
	j fail
2:	li t0, MSTATUS_MPRV
	csrc mstatus, t0
	EXPECT_FAULT CAUSE_LOAD_ACCESS, buf, 8
	LOAD_TRAP t5, TR_EPC
	la t6, 1b
	bne t5, t6, fail
	lw a0, 8(a1)                 /* MPRV off: M */

/* page-crossing accesses: checked on both pages, nothing written on a fault */
	TEST 28
	ALLOW_ALL
	la a2, buf1 + 2048
	la a4, buf2
	li a0, -1
	sw zero, 2044(a2)            /* buf1 + 4092 */
	sw zero, 0(a4)
	SET_ADDR 0, buf2
	CFG0 PMP_NA4
	/*
	 * tval is the address of the part that faulted (privileged spec
	 * 3.1.16); QEMU 7.2 gives the access's own address.
	 */
#ifdef QEMU_QUIRKS
#define CROSS_TVAL buf1, 4092
#else
#define CROSS_TVAL buf2
#endif
	U_INSN sd a0, 2044(a2)
	EXPECT_FAULT CAUSE_STORE_ACCESS, CROSS_TVAL
	lw a3, 2044(a2)
	EXPECT a3, 0
	U_INSN ld a0, 2044(a2)
	EXPECT_FAULT CAUSE_LOAD_ACCESS, CROSS_TVAL
	SET_ADDR 0, buf1 + 4092
	U_INSN sd a0, 2044(a2)
	EXPECT_FAULT CAUSE_STORE_ACCESS, buf1, 4092
	lw a3, 0(a4)
	EXPECT a3, 0

/* a TOR entry starts where the address below it says, after any write */
	TEST 29
	ALLOW_ALL
	la a1, buf
	SET_ADDR 0, buf
	SET_ADDR 1, buf + 32
	CFG0 PMP_TOR << 8
	U_INSN lw a0, 8(a1)
	EXPECT_FAULT CAUSE_LOAD_ACCESS, buf, 8
	SET_ADDR 0, buf + 16         /* entry 1 is now [buf + 16, buf + 32) */
	U_INSN lw a0, 8(a1)
#ifdef QEMU_QUIRKS
	EXPECT_FAULT CAUSE_LOAD_ACCESS, buf, 8
#else
	EXPECT_TRAP TR_CAUSE, CAUSE_ECALL_U
#endif
	U_INSN lw a0, 16(a1)
	EXPECT_FAULT CAUSE_LOAD_ACCESS, buf, 16

/* page-table walks and A/D updates are S-mode accesses */
	TEST 30
	ALLOW_ALL
	la a0, ptroot
	li t0, 0x80000000 >> 2       /* VA 0x80000000: identity 1 GiB, RWX, A, D */
	ori t0, t0, 0xcf
	sd t0, 16(a0)
	li t0, 0x80000000 >> 2       /* VA 0xc0000000 -> PA 0x80000000, RW, A = D = 0 */
	ori t0, t0, 0x07
	sd t0, 24(a0)
	srli a0, a0, 12
	li t0, 8 << 60
	or s11, a0, t0
	csrw satp, s11
	sfence.vma
	la a1, buf
	MPRV_S
	lw a0, 8(a1)                 /* MPRV: an S-mode load through the table */
	MPRV_OFF
	SET_NAPOT 0, ptroot, 4096    /* the table not readable */
	CFG0 PMP_NAPOT
	CLEAR_TRAPS
	RESUME 1f
	MPRV_S
	lw a0, 16(a1)
	j fail
1:	MPRV_OFF
	EXPECT_FAULT CAUSE_LOAD_ACCESS, buf, 16
	CLEAR_TRAPS
	RESUME 1f
	MPRV_S
	sw a0, 24(a1)
	j fail
1:	MPRV_OFF
	EXPECT_FAULT CAUSE_STORE_ACCESS, buf, 24
	TEST 31                      /* fetches from S walk the table too */
	CLEAR_TRAPS
	RESUME 2f
	ENTER_S 1f
1:	ecall
2:	EXPECT_FAULT CAUSE_FETCH_ACCESS, 1b
	TEST 32                      /* readable but not writable: the walk works, setting A does not */
	CFG0 PMP_NAPOT | PMP_R
	S_INSN lw a0, 8(a1)
	EXPECT_TRAP TR_CAUSE, CAUSE_ECALL_S
	li a2, 0x40000000
	add a2, a2, a1               /* buf through VA 0xc0000000 */
	S_INSN lw a0, 8(a2)
#ifdef QEMU_QUIRKS
	EXPECT_TRAP TR_CAUSE, CAUSE_ECALL_S
#else
	EXPECT_TRAP TR_CAUSE, CAUSE_LOAD_ACCESS
	LOAD_TRAP t5, TR_TVAL
	addi t6, a2, 8
	bne t5, t6, fail
	CFG0 PMP_NAPOT | PMP_R | PMP_W
	S_INSN lw a0, 8(a2)
	EXPECT_TRAP TR_CAUSE, CAUSE_ECALL_S
#endif
	csrw satp, zero
	sfence.vma

/* L: locked entries bind M-mode and ignore writes */
	TEST 40
	ALLOW_ALL
	SET_ADDR 2, lockw
	CFG0 (PMP_L | PMP_NA4 | PMP_R) << 16
	la a1, lockw
	lw a0, 0(a1)
	EXPECT a0, 0x1111
	TEST 41
	CLEAR_TRAPS
1:	sw zero, 0(a1)
	EXPECT_FAULT CAUSE_STORE_ACCESS, lockw
	lw a0, 0(a1)
	EXPECT a0, 0x1111
	sw zero, 4(a1)               /* the next word: no entry, M succeeds */
	TEST 42
	li a0, 0x1f1f1f1f1f1f1f1f
	csrw pmpcfg0, a0             /* entry 2 keeps its byte, the others change */
	csrr a0, pmpcfg0
	EXPECT a0, 0x1f1f1f1f1f911f1f
	csrw pmpcfg0, zero
	csrr a0, pmpcfg0
	EXPECT a0, (PMP_L | PMP_NA4 | PMP_R) << 16
	TEST 43
	csrw pmpaddr2, zero
	csrr a0, pmpaddr2
	la t0, lockw
	srli t0, t0, 2
	EXPECT_EQ a0, t0
	TEST 44
	U_INSN sw zero, 0(a1)
	EXPECT_FAULT CAUSE_STORE_ACCESS, lockw
	U_INSN lw a0, 0(a1)
	EXPECT_TRAP TR_CAUSE, CAUSE_ECALL_U
	TEST 45                      /* a locked TOR entry locks the address below it */
	SET_ADDR 3, lockw + 8
	SET_ADDR 4, lockw + 16
	CFG0 ((PMP_L | PMP_TOR | PMP_R) << 32) | ((PMP_L | PMP_NA4 | PMP_R) << 16)
	CLEAR_TRAPS
	sw zero, 8(a1)
	EXPECT_FAULT CAUSE_STORE_ACCESS, lockw, 8
	sw zero, 16(a1)
	csrw pmpaddr3, zero
	csrr a0, pmpaddr3
	la t0, lockw + 8
	srli t0, t0, 2
	EXPECT_EQ a0, t0
	csrw pmpaddr4, zero
	csrr a0, pmpaddr4
	la t0, lockw + 16
	srli t0, t0, 2
	EXPECT_EQ a0, t0
	csrw pmpcfg0, zero           /* entry 3 (off) and the rest still change */
	li a0, PMP_NA4 << 24
	csrs pmpcfg0, a0
	csrr a0, pmpcfg0
	EXPECT a0, ((PMP_L | PMP_TOR | PMP_R) << 32) | (PMP_NA4 << 24) | ((PMP_L | PMP_NA4 | PMP_R) << 16)
	TEST 46                      /* a locked entry without R binds M-mode loads */
	SET_ADDR 8, lockw + 24
	li a0, (PMP_ALL << 56) | PMP_L | PMP_NA4
	csrw pmpcfg2, a0
	CLEAR_TRAPS
	lw a0, 24(a1)
	EXPECT_FAULT CAUSE_LOAD_ACCESS, lockw, 24
	CLEAR_TRAPS
	lw a0, 28(a1)
	EXPECT_TRAP TR_COUNT, 0
RVTEST_CODE_END

/* Code for the fetch tests, on a page of its own. */
	.align 12
	.option push
	.option norvc
xpage:
xfunc:	addi a1, a1, 1
	ecall
	.align 4
xfunc2:	addi a1, a1, 1
	addi a1, a1, 1
	addi a1, a1, 1
	addi a1, a1, 1
	ecall
	.align 4
xfunc3:	.option rvc
	c.nop
	.option norvc
	addi a1, a1, 1               /* at xfunc3 + 2, its second half at + 4 */
	.option rvc
	c.nop
	.option norvc
	ecall                        /* at xfunc3 + 8 */
	.align 4
mfunc:	addi a1, a1, 1
	ret
	.align 12
	.option pop

RVTEST_DATA_BEGIN
	.align 12
buf:	.zero 4096
buf1:	.zero 4096
buf2:	.zero 4096
ptroot:	.zero 4096
lockw:	.dword 0x1111, 0, 0, 0
