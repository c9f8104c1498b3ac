/*
 * vm.S: virtual memory (privileged spec 4.3-4.5, 3.1.6.3): Sv39 by default,
 * Sv48 when built with -DSV48. Page tables are built at run time:
 *
 *   VA 0x80000000  1 GiB identity superpage (S, RWX): the test's own code
 *                  and data, so S-mode runs the test body in place
 *   VA 0xc0000000  misaligned 1 GiB superpage (PPN not 1 GiB aligned)
 *   VA 0x40200000  2 MiB superpage -> PA 0x80200000
 *   VA 0x40400000  misaligned 2 MiB superpage
 *   VA 0x40000000 + i * 4 KiB, 4 KiB pages (VA(i)):
 *     0 U code (R X)   1 U data (R W)   2 S data with A = D = 0
 *     3 S execute-only 4 invalid        5 S read-only
 *     6 W without R    7 S data whose target moves (sfence.vma tests)
 *     8 a non-leaf PTE at the last level
 *     9 a valid leaf whose physical page is not memory (0x40000000)
 *   Sv48 only: VA 0x8000000000  512 GiB superpage -> PA 0,
 *              VA 0x10000000000 misaligned 512 GiB superpage.
 *
 * Hardware sets A and D (no page faults for A = 0 or D = 0).
 */
#include "env.h"

#define PTE_V 0x01
#define PTE_R 0x02
#define PTE_W 0x04
#define PTE_X 0x08
#define PTE_U 0x10
#define PTE_G 0x20
#define PTE_A 0x40
#define PTE_D 0x80
#define RWXAD (PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D)

#define VA(i) (0x40000000 + (i) * 0x1000)
#define MEGA_VA 0x40200000
#define MEGA_PA 0x80200000
#define BAD_MEGA_VA 0x40400000
#define BAD_GIGA_VA 0xc0000000
#define TERA_VA 0x8000000000
#define BAD_TERA_VA 0x10000000000

#ifdef SV48
#define SATP_MODE 9
#else
#define SATP_MODE 8
#endif

/* SETPTE table, index, pa_label_or_reg_in_a0, flags: table[index] = pte(a0) */
.macro SETPTE table, index, flags
	srli a1, a0, 12
	slli a1, a1, 10
	li a2, \flags
	or a1, a1, a2
	la a2, \table
	sd a1, (\index * 8)(a2)
.endm

/* PTE_ADDR reg, table, index: reg = &table[index] */
.macro PTE_ADDR reg, table, index
	la \reg, \table
	addi \reg, \reg, \index * 8
.endm

/* ENTER_U_AT label: mret to U at the U-code page alias of label */
.macro ENTER_U_AT label
	la t6, \label
	la t5, ucode
	sub t6, t6, t5
	li t5, VA(0)
	add t6, t6, t5
	csrw mepc, t6
	li t6, MSTATUS_MPP
	csrc mstatus, t6
	mret
.endm

/* SFENCE_ALL: flush all translations (from M) */
.macro SFENCE_ALL
	sfence.vma
.endm

RVTEST_CODE_BEGIN
	/* build the page tables */
	li a0, 0x80000000
	SETPTE l2, 2, RWXAD
	li a0, 0x80200000
	SETPTE l2, 3, RWXAD
	la a0, l1
	SETPTE l2, 1, PTE_V
	la a0, l0
	SETPTE l1, 0, PTE_V
	li a0, MEGA_PA
	SETPTE l1, 1, RWXAD
	li a0, MEGA_PA + 0x1000
	SETPTE l1, 2, RWXAD
	la a0, ucode
	SETPTE l0, 0, PTE_V | PTE_R | PTE_X | PTE_U | PTE_A
	la a0, upage
	SETPTE l0, 1, PTE_V | PTE_R | PTE_W | PTE_U | PTE_A | PTE_D
	la a0, adpage
	SETPTE l0, 2, PTE_V | PTE_R | PTE_W
	la a0, xpage
	SETPTE l0, 3, PTE_V | PTE_X | PTE_A
	la a0, rpage
	SETPTE l0, 5, PTE_V | PTE_R | PTE_A
	la a0, wpage
	SETPTE l0, 6, PTE_V | PTE_W | PTE_A | PTE_D
	la a0, p1
	SETPTE l0, 7, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D
	la a0, p2
	SETPTE l0, 8, PTE_V
	li a0, 0x40000000
	SETPTE l0, 9, PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D
#ifdef SV48
	la a0, l2
	SETPTE l3, 0, PTE_V
	li a0, 0
	SETPTE l3, 1, RWXAD
	li a0, 0x80000000
	SETPTE l3, 2, RWXAD
	la a0, l3
#else
	la a0, l2
#endif
	srli a0, a0, 12
	li a1, SATP_MODE << 60
	or s11, a0, a1              /* s11 = satp value for the whole test */
	csrw satp, s11
	sfence.vma
	/* marker values in the data pages */
	li a0, 0x1111
	la a1, upage
	sd a0, 0(a1)
	li a0, 0x2222
	la a1, adpage
	sd a0, 0(a1)
	li a0, 0x3333
	la a1, xpage
	sd a0, 0(a1)
	li a0, 0x5555
	la a1, rpage
	sd a0, 0(a1)
	li a0, 0x7001
	la a1, p1
	sd a0, 0(a1)
	li a0, 0x7002
	la a1, p2
	sd a0, 0(a1)
	li a0, 0x4242
	li a1, MEGA_PA + 0x1238
	sd a0, 0(a1)

/* satp: the mode reads back; unsupported modes leave satp unchanged */
	TEST 1
	csrr a0, satp
	EXPECT_EQ a0, s11
	TEST 2
	li a0, 1 << 60              /* reserved mode */
	csrw satp, a0
	csrr a0, satp
	EXPECT_EQ a0, s11
#ifndef QEMU_QUIRKS
	TEST 3
	li a0, 10 << 60             /* Sv57 is not implemented */
	csrw satp, a0
	csrr a0, satp
	EXPECT_EQ a0, s11
#endif
	TEST 4
	li a0, 15 << 60
	csrw satp, a0
	csrr a0, satp
	EXPECT_EQ a0, s11

/* S runs from the identity superpage and reads its data */
	TEST 10
	CLEAR_TRAPS
	RESUME 3f
	ENTER_S 1f
1:	la a1, upage
	ld a0, 0(a1)                /* virtual = physical here */
2:	ecall
3:	EXPECT_M_TRAP CAUSE_ECALL_S, 2b
	EXPECT a0, 0x1111

/* hardware A/D updates: a load sets A, a store sets D */
	TEST 20
	CLEAR_TRAPS
	RESUME 3f
	li a1, VA(2)
	ENTER_S 1f
1:	ld a0, 0(a1)
2:	ecall
3:	EXPECT_M_TRAP CAUSE_ECALL_S, 2b
	EXPECT a0, 0x2222
	PTE_ADDR a2, l0, 2
	ld a3, 0(a2)
	andi a4, a3, PTE_A | PTE_D
	EXPECT a4, PTE_A
	TEST 21
	RESUME 3f
	li a1, VA(2)
	li a0, 0x2323
	ENTER_S 1f
1:	sd a0, 8(a1)
2:	ecall
3:	EXPECT_M_TRAP CAUSE_ECALL_S, 2b
	ld a3, 0(a2)
	andi a4, a3, PTE_A | PTE_D
	EXPECT a4, PTE_A | PTE_D
	la a1, adpage
	ld a0, 8(a1)
	EXPECT a0, 0x2323
	TEST 22                     /* a store alone sets both A and D */
	li a0, ~(PTE_A | PTE_D)
	and a3, a3, a0
	sd a3, 0(a2)
	sfence.vma
	RESUME 3f
	li a1, VA(2)
	ENTER_S 1f
1:	sd a0, 16(a1)
2:	ecall
3:	EXPECT_M_TRAP CAUSE_ECALL_S, 2b
	ld a3, 0(a2)
	andi a4, a3, PTE_A | PTE_D
	EXPECT a4, PTE_A | PTE_D

/* superpages */
	TEST 30                     /* 2 MiB */
	RESUME 3f
	li a1, MEGA_VA + 0x1238
	ENTER_S 1f
1:	ld a0, 0(a1)
2:	ecall
3:	EXPECT_M_TRAP CAUSE_ECALL_S, 2b
	EXPECT a0, 0x4242
	TEST 31                     /* misaligned 2 MiB superpage: page fault */
	CLEAR_TRAPS
	RESUME 2f
	li a1, BAD_MEGA_VA + 0x10
	ENTER_S 1f
1:	ld a0, 0(a1)
	ecall
2:	EXPECT_M_TRAP CAUSE_LOAD_PAGE, 1b
	EXPECT_TRAP TR_TVAL, BAD_MEGA_VA + 0x10
	TEST 32                     /* misaligned 1 GiB superpage */
	RESUME 2f
	li a1, BAD_GIGA_VA + 0x2008
	ENTER_S 1f
1:	sd a0, 0(a1)
	ecall
2:	EXPECT_M_TRAP CAUSE_STORE_PAGE, 1b
	EXPECT_TRAP TR_TVAL, BAD_GIGA_VA + 0x2008
	TEST 33                     /* the 1 GiB identity superpage is one */
	la a1, l2
	ld a0, 16(a1)
	andi a0, a0, PTE_A
	EXPECT a0, PTE_A
#ifdef SV48
	TEST 34                     /* 512 GiB superpage (Sv48) */
	RESUME 3f
	la a1, upage
	li a2, TERA_VA
	add a1, a1, a2
	ENTER_S 1f
1:	ld a0, 0(a1)
2:	ecall
3:	EXPECT_M_TRAP CAUSE_ECALL_S, 2b
	EXPECT a0, 0x1111
	TEST 35                     /* misaligned 512 GiB superpage */
	RESUME 2f
	li a1, BAD_TERA_VA
	ENTER_S 1f
1:	ld a0, 0(a1)
	ecall
2:	EXPECT_M_TRAP CAUSE_LOAD_PAGE, 1b
	EXPECT_TRAP TR_TVAL, BAD_TERA_VA
#else
	TEST 34                     /* Sv39: bits 63..39 must equal bit 38 */
	RESUME 2f
	li a1, TERA_VA
	ENTER_S 1f
1:	ld a0, 0(a1)
	ecall
2:	EXPECT_M_TRAP CAUSE_LOAD_PAGE, 1b
#endif

/* page faults: load 13, store/AMO 15, fetch 12, with tval = the address */
	TEST 40                     /* invalid PTE */
	CLEAR_TRAPS
	RESUME 2f
	li a1, VA(4) + 0x18
	ENTER_S 1f
1:	lw a0, 0(a1)
	ecall
2:	EXPECT_M_TRAP CAUSE_LOAD_PAGE, 1b
	EXPECT_TRAP TR_TVAL, VA(4) + 0x18
	TEST 41
	RESUME 2f
	li a1, VA(4) + 0x20
	ENTER_S 1f
1:	sb a0, 0(a1)
	ecall
2:	EXPECT_M_TRAP CAUSE_STORE_PAGE, 1b
	EXPECT_TRAP TR_TVAL, VA(4) + 0x20
	TEST 42                     /* fetch: epc = tval = the target */
	RESUME 2f
	li a1, VA(4) + 0x40
	ENTER_S 1f
1:	jr a1
2:	EXPECT_TRAP TR_CAUSE, CAUSE_FETCH_PAGE
	EXPECT_TRAP TR_EPC, VA(4) + 0x40
	EXPECT_TRAP TR_TVAL, VA(4) + 0x40
	TEST 43                     /* store to a read-only page */
	RESUME 2f
	li a1, VA(5)
	ENTER_S 1f
1:	sd a0, 0(a1)
	ecall
2:	EXPECT_M_TRAP CAUSE_STORE_PAGE, 1b
	la a1, rpage
	ld a0, 0(a1)
	EXPECT a0, 0x5555
	TEST 44                     /* AMO on a read-only page: store/AMO page fault */
	RESUME 2f
	li a1, VA(5) + 8
	ENTER_S 1f
1:	amoadd.d a0, a0, (a1)
	ecall
2:	EXPECT_M_TRAP CAUSE_STORE_PAGE, 1b
	EXPECT_TRAP TR_TVAL, VA(5) + 8
	TEST 45                     /* but loads from it work */
	RESUME 3f
	li a1, VA(5)
	ENTER_S 1f
1:	ld a0, 0(a1)
2:	ecall
3:	EXPECT_M_TRAP CAUSE_ECALL_S, 2b
	EXPECT a0, 0x5555
	TEST 46                     /* W without R is reserved: fault */
	RESUME 2f
	li a1, VA(6)
	ENTER_S 1f
1:	ld a0, 0(a1)
	ecall
2:	EXPECT_M_TRAP CAUSE_LOAD_PAGE, 1b
	TEST 47
	RESUME 2f
	li a1, VA(6)
	ENTER_S 1f
1:	sd a0, 0(a1)
	ecall
2:	EXPECT_M_TRAP CAUSE_STORE_PAGE, 1b
	TEST 48                     /* a pointer PTE at the last level */
	RESUME 2f
	li a1, VA(8)
	ENTER_S 1f
1:	ld a0, 0(a1)
	ecall
2:	EXPECT_M_TRAP CAUSE_LOAD_PAGE, 1b
	EXPECT_TRAP TR_TVAL, VA(8)
	TEST 49                     /* fetch from a page without X */
	RESUME 2f
	li a1, VA(5)
	ENTER_S 1f
1:	jalr a1
2:	EXPECT_TRAP TR_CAUSE, CAUSE_FETCH_PAGE
	EXPECT_TRAP TR_TVAL, VA(5)

/* a valid translation to a hole in the physical map: access fault, tval = VA */
	TEST 55
	CLEAR_TRAPS
	RESUME 2f
	li a1, VA(9) + 0x48
	ENTER_S 1f
1:	ld a0, 0(a1)
	ecall
2:	EXPECT_M_TRAP CAUSE_LOAD_ACCESS, 1b
	EXPECT_TRAP TR_TVAL, VA(9) + 0x48
	TEST 56
	RESUME 2f
	li a1, VA(9) + 0x50
	ENTER_S 1f
1:	sd a0, 0(a1)
	ecall
2:	EXPECT_M_TRAP CAUSE_STORE_ACCESS, 1b
	EXPECT_TRAP TR_TVAL, VA(9) + 0x50
	TEST 57
	RESUME 2f
	li a1, VA(9) + 0x60
	ENTER_S 1f
1:	jr a1
2:	EXPECT_TRAP TR_CAUSE, CAUSE_FETCH_ACCESS
	EXPECT_TRAP TR_TVAL, VA(9) + 0x60

/* MXR: loads from execute-only pages */
	TEST 50
	RESUME 2f
	li a1, VA(3)
	ENTER_S 1f
1:	ld a0, 0(a1)
	ecall
2:	EXPECT_M_TRAP CAUSE_LOAD_PAGE, 1b
	EXPECT_TRAP TR_TVAL, VA(3)
	TEST 51
	li a0, MSTATUS_MXR
	csrs mstatus, a0
	RESUME 3f
	li a1, VA(3)
	ENTER_S 1f
1:	ld a0, 0(a1)
2:	ecall
3:	EXPECT_M_TRAP CAUSE_ECALL_S, 2b
	EXPECT a0, 0x3333
	li a0, MSTATUS_MXR
	csrc mstatus, a0

/* SUM: S access to U pages */
	TEST 60
	RESUME 2f
	li a1, VA(1)
	ENTER_S 1f
1:	ld a0, 0(a1)
	ecall
2:	EXPECT_M_TRAP CAUSE_LOAD_PAGE, 1b
	EXPECT_TRAP TR_TVAL, VA(1)
	TEST 61
	RESUME 2f
	li a1, VA(1)
	ENTER_S 1f
1:	sd a0, 0(a1)
	ecall
2:	EXPECT_M_TRAP CAUSE_STORE_PAGE, 1b
	TEST 62
	li a0, MSTATUS_SUM
	csrs mstatus, a0
	RESUME 3f
	li a1, VA(1)
	ENTER_S 1f
1:	ld a0, 0(a1)
	li a2, 0x1112
	sd a2, 8(a1)
2:	ecall
3:	EXPECT_M_TRAP CAUSE_ECALL_S, 2b
	EXPECT a0, 0x1111
	la a1, upage
	ld a0, 8(a1)
	EXPECT a0, 0x1112
	TEST 63                     /* S never executes U pages, even with SUM */
	RESUME 2f
	li a1, VA(0)
	ENTER_S 1f
1:	jalr a1
2:	EXPECT_TRAP TR_CAUSE, CAUSE_FETCH_PAGE
	EXPECT_TRAP TR_TVAL, VA(0)
	li a0, MSTATUS_SUM
	csrc mstatus, a0

/* U mode: its own pages work, S pages fault */
	TEST 70
	CLEAR_TRAPS
	RESUME 3f
	li a1, VA(1)
	ENTER_U_AT u_load
3:	EXPECT_TRAP TR_CAUSE, CAUSE_ECALL_U
	EXPECT a0, 0x1111
	TEST 71
	RESUME 3f
	li a1, VA(1) + 16
	li a2, 0x1113
	ENTER_U_AT u_store
3:	EXPECT_TRAP TR_CAUSE, CAUSE_ECALL_U
	la a1, upage
	ld a0, 16(a1)
	EXPECT a0, 0x1113
	TEST 72
	RESUME 3f
	li a1, VA(5)
	ENTER_U_AT u_load
3:	EXPECT_TRAP TR_CAUSE, CAUSE_LOAD_PAGE
	EXPECT_TRAP TR_TVAL, VA(5)
	TEST 73                     /* U fetch from an S page */
	RESUME 3f
	la a1, pass
	ENTER_U_AT u_jump
3:	EXPECT_TRAP TR_CAUSE, CAUSE_FETCH_PAGE
	la a1, pass
	LOAD_TRAP a0, TR_TVAL
	EXPECT_EQ a0, a1

/* delegated page faults go to S with stval */
	TEST 80
	CLEAR_TRAPS
	li a0, (1 << CAUSE_LOAD_PAGE) | (1 << CAUSE_STORE_PAGE) | (1 << CAUSE_FETCH_PAGE)
	csrw medeleg, a0
	SRESUME 2f
	RESUME 3f
	li a1, VA(5) + 0x30
	ENTER_U_AT u_store
2:	ecall
3:	EXPECT_STRAP TR_CAUSE, CAUSE_STORE_PAGE
	EXPECT_STRAP TR_TVAL, VA(5) + 0x30
	LOAD_STRAP a0, TR_EPC
	la a2, u_store
	la a3, ucode
	sub a2, a2, a3
	li a3, VA(0)
	add a2, a2, a3
	EXPECT_EQ a0, a2
	EXPECT_TRAP TR_CAUSE, CAUSE_ECALL_S
	TEST 81
	CLEAR_TRAPS
	SRESUME 2f
	RESUME 3f
	li a1, VA(4) + 0x100
	ENTER_U_AT u_jump
2:	ecall
3:	EXPECT_STRAP TR_CAUSE, CAUSE_FETCH_PAGE
	EXPECT_STRAP TR_TVAL, VA(4) + 0x100
	EXPECT_STRAP TR_EPC, VA(4) + 0x100
	csrw medeleg, zero

/* MPRV: M-mode loads and stores translated with MPP's privilege */
	TEST 90
	CLEAR_TRAPS
	li a0, MSTATUS_MPP
	csrc mstatus, a0            /* MPP = U */
	li a1, VA(1)
	li a0, MSTATUS_MPRV
	csrs mstatus, a0
	ld a2, 0(a1)
	csrc mstatus, a0
	EXPECT a2, 0x1111
	EXPECT_TRAP TR_COUNT, 0
	TEST 91                     /* MPP = S: the S read-only page */
	li a0, MSTATUS_MPP_S
	csrs mstatus, a0
	li a1, VA(5)
	li a0, MSTATUS_MPRV
	csrs mstatus, a0
	ld a2, 0(a1)
	csrc mstatus, a0
	EXPECT a2, 0x5555
	TEST 92                     /* MPP = U on an S page: page fault in M */
	RESUME 2f
	li a0, MSTATUS_MPP
	csrc mstatus, a0
	li a1, VA(5)
	li a0, MSTATUS_MPRV
	csrs mstatus, a0
1:	ld a2, 0(a1)
	nop
2:	li a0, MSTATUS_MPRV
	csrc mstatus, a0
	EXPECT_M_TRAP CAUSE_LOAD_PAGE, 1b
	EXPECT_TRAP TR_TVAL, VA(5)
	TEST 93                     /* MPRV store through MPP = S */
	CLEAR_TRAPS
	li a0, MSTATUS_MPP_S
	csrs mstatus, a0
	li a1, VA(7) + 8
	li a2, 0x7777
	li a0, MSTATUS_MPRV
	csrs mstatus, a0
	sd a2, 0(a1)
	csrc mstatus, a0
	la a1, p1
	ld a0, 8(a1)
	EXPECT a0, 0x7777
	TEST 94                     /* MPRV does not affect instruction fetch */
	li a0, MSTATUS_MPP
	csrc mstatus, a0
	li a0, MSTATUS_MPRV
	csrs mstatus, a0
	nop
	csrc mstatus, a0
	EXPECT_TRAP TR_COUNT, 0
	TEST 95                     /* MPRV with MPP = M: no translation */
	li a0, MSTATUS_MPP
	csrs mstatus, a0
	la a1, rpage
	li a0, MSTATUS_MPRV
	csrs mstatus, a0
	ld a2, 0(a1)
	csrc mstatus, a0
	EXPECT a2, 0x5555

/* sfence.vma: per address, per ASID and global */
	TEST 100
	RESUME 3f
	li a1, VA(7)
	ENTER_S 1f
1:	ld a0, 0(a1)
2:	ecall
3:	EXPECT a0, 0x7001
	TEST 101                    /* retarget the PTE, flush just that address */
	la a0, p2
	SETPTE l0, 7, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D
	RESUME 3f
	li a1, VA(7)
	ENTER_S 1f
1:	sfence.vma a1, x0
	ld a0, 0(a1)
2:	ecall
3:	EXPECT a0, 0x7002
	TEST 102                    /* back, with a global flush */
	la a0, p1
	SETPTE l0, 7, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D
	RESUME 3f
	li a1, VA(7)
	ENTER_S 1f
1:	sfence.vma
	ld a0, 0(a1)
2:	ecall
3:	EXPECT a0, 0x7001
	TEST 103                    /* an ASID-specific flush (ASID 0) */
	la a0, p2
	SETPTE l0, 7, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D
	RESUME 3f
	li a1, VA(7)
	ENTER_S 1f
1:	sfence.vma x0, x0
	li a2, 0
	sfence.vma x0, a2
	ld a0, 0(a1)
2:	ecall
3:	EXPECT a0, 0x7002
	TEST 104                    /* invalidate: the old mapping must be gone */
	li a0, 0
	la a2, l0
	sd a0, 7 * 8(a2)
	CLEAR_TRAPS
	RESUME 2f
	li a1, VA(7)
	ENTER_S 1f
1:	sfence.vma a1, x0
	ld a0, 0(a1)
	ecall
2:	EXPECT_TRAP TR_CAUSE, CAUSE_LOAD_PAGE
	EXPECT_TRAP TR_TVAL, VA(7)

/* satp = Bare again: no translation in S */
	TEST 110
	csrw satp, zero
	sfence.vma
	RESUME 3f
	la a1, rpage
	ENTER_S 1f
1:	ld a0, 0(a1)
2:	ecall
3:	EXPECT_M_TRAP CAUSE_ECALL_S, 2b
	EXPECT a0, 0x5555
RVTEST_CODE_END

/* U-mode code, mapped at VA(0) */
	.align 12
ucode:
u_load:
	ld a0, 0(a1)
	ecall
u_store:
	sd a2, 0(a1)
	ecall
u_jump:
	jr a1
	.align 12

RVTEST_DATA_BEGIN
	.align 12
l3:	.zero 4096
l2:	.zero 4096
l1:	.zero 4096
l0:	.zero 4096
upage:	.zero 4096
adpage:	.zero 4096
xpage:	.zero 4096
rpage:	.zero 4096
wpage:	.zero 4096
p1:	.zero 4096
p2:	.zero 4096
