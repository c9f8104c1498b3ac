/*
 * sstc.S: the Sstc extension (stimecmp, menvcfg.STCE; RISC-V "Sstc"
 * extension v1.0): STCE is writable, M-mode always reaches stimecmp, STIP
 * follows stimecmp and ignores M-mode writes while STCE is set, a delegated
 * supervisor timer interrupt comes from stimecmp (and wakes wfi), and S-mode
 * access needs both menvcfg.STCE and mcounteren.TM.
 *
 * Not run on QEMU: its spike board has no time source, and QEMU 7.2 makes
 * stimecmp illegal without one.
 */
#include "env.h"

#define CSR_STIMECMP 0x14d
#define CSR_MENVCFG  0x30a
#define MENVCFG_STCE (1 << 63)
#define COUNTEREN_TM 2

RVTEST_CODE_BEGIN

	TEST 1                       /* STCE is writable; M-mode reads and writes stimecmp */
	li a0, MENVCFG_STCE
	csrs CSR_MENVCFG, a0
	csrr a1, CSR_MENVCFG
	and a1, a1, a0
	EXPECT a1, MENVCFG_STCE
	li a2, -1
	csrw CSR_STIMECMP, a2
	csrr a3, CSR_STIMECMP
	EXPECT a3, -1

	TEST 2                       /* STIP follows stimecmp; M writes to it are ignored */
	li a0, MIP_STIP
	csrs mip, a0
	csrr a1, mip
	and a1, a1, a0
	EXPECT a1, 0
	csrw CSR_STIMECMP, zero
	csrr a1, mip
	and a1, a1, a0
	EXPECT a1, MIP_STIP
	li a2, -1
	csrw CSR_STIMECMP, a2
	csrr a1, mip
	and a1, a1, a0
	EXPECT a1, 0

	TEST 3                       /* delegated STI from stimecmp wakes wfi in S */
	CLEAR_TRAPS
	li a0, MIP_STIP
	csrw mideleg, a0
	li a0, COUNTEREN_TM
	csrs mcounteren, a0
	ENTER_S 1f
1:	csrr a1, time
	addi a1, a1, 100
	csrw CSR_STIMECMP, a1
	li a0, MIP_STIP
	csrs sie, a0
	csrsi sstatus, MSTATUS_SIE
	wfi
	li a5, 1000000
2:	LOAD_STRAP a4, TR_COUNT
	bnez a4, 3f
	addi a5, a5, -1
	bnez a5, 2b
	j fail
3:	EXPECT_STRAP TR_CAUSE, INTR | IRQ_STI
	csrr a1, sip                 /* still pending: only a new stimecmp clears it */
	andi a1, a1, MIP_STIP
	EXPECT a1, MIP_STIP
	li a2, -1
	csrw CSR_STIMECMP, a2
	csrr a1, sip
	andi a1, a1, MIP_STIP
	EXPECT a1, 0
	RESUME 4f
	ecall
4:
	TEST 4                       /* S-mode access without mcounteren.TM is illegal */
	li a0, COUNTEREN_TM
	csrc mcounteren, a0
	CLEAR_TRAPS
	ENTER_S 1f
1:	csrr a1, CSR_STIMECMP
	EXPECT_TRAP TR_CAUSE, CAUSE_ILLEGAL
	RESUME 2f
	ecall
2:
	TEST 5                       /* S-mode access without menvcfg.STCE is illegal */
	li a0, COUNTEREN_TM
	csrs mcounteren, a0
	li a0, MENVCFG_STCE
	csrc CSR_MENVCFG, a0
	CLEAR_TRAPS
	ENTER_S 1f
1:	csrw CSR_STIMECMP, zero
	EXPECT_TRAP TR_CAUSE, CAUSE_ILLEGAL
	RESUME 2f
	ecall
2:	li a0, MIP_STIP              /* and STIP is writable by M again */
	csrs mip, a0
	csrr a1, mip
	and a1, a1, a0
	EXPECT a1, MIP_STIP
	csrc mip, a0

RVTEST_CODE_END

RVTEST_DATA_BEGIN
