/*
 * rv64uc.S: every RV64 compressed instruction (unprivileged spec chapter 16),
 * written with explicit c. mnemonics so each is encoded in 16 bits. c.jal is
 * RV32-only and c.addiw takes its place. Instruction-address-misaligned
 * exceptions cannot happen with C: every jump target is 2-byte aligned and
 * jalr clears bit 0.
 */
#include "env.h"

RVTEST_CODE_BEGIN
	ENABLE_FP
	.option push
	.option rvc

/* stack-pointer based: c.addi4spn, c.addi16sp, c.lwsp/ldsp/fldsp, c.swsp/sdsp/fsdsp */
	TEST 1
	la sp, cstack
	c.addi4spn s0, sp, 1020
	la a0, cstack + 1020
	EXPECT_EQ s0, a0
	TEST 2
	c.addi16sp sp, 496
	la a0, cstack + 496
	EXPECT_EQ sp, a0
	c.addi16sp sp, -512
	la a0, cstack - 16
	EXPECT_EQ sp, a0
	c.addi16sp sp, 16
	TEST 3
	li a1, 0x1122334455667788
	c.sdsp a1, 504(sp)
	c.ldsp a2, 504(sp)
	EXPECT_EQ a2, a1
	TEST 4
	c.swsp a1, 252(sp)
	c.lwsp a2, 252(sp)
	EXPECT a2, 0x55667788
	li a1, 0x00000000f0000000
	c.swsp a1, 0(sp)
	c.lwsp a2, 0(sp)           /* sign-extends */
	EXPECT a2, 0xfffffffff0000000
	TEST 5
	LOAD_FD fa0, 0x400921fb54442d18
	c.fsdsp fa0, 8(sp)
	c.fldsp fa1, 8(sp)
	EXPECT_FD fa1, 0x400921fb54442d18
	ld a2, 8(sp)
	EXPECT a2, 0x400921fb54442d18

/* register based loads and stores: c.lw/ld/fld, c.sw/sd/fsd */
	TEST 10
	la s0, cdata
	li a1, 0x8877665544332211
	c.sd a1, 248(s0)
	c.ld a2, 248(s0)
	EXPECT_EQ a2, a1
	TEST 11
	c.sw a1, 124(s0)
	c.lw a3, 124(s0)
	EXPECT a3, 0x44332211
	c.sw a1, 4(s0)
	ld a3, 0(s0)
	EXPECT a3, 0x4433221100000000
	li a1, 0x80000000
	c.sw a1, 0(s0)
	c.lw a4, 0(s0)
	EXPECT a4, 0xffffffff80000000
	TEST 12
	LOAD_FD fa2, 0xc000000000000001
	c.fsd fa2, 16(s0)
	c.fld fa3, 16(s0)
	EXPECT_FD fa3, 0xc000000000000001
	ld a3, 16(s0)
	EXPECT a3, 0xc000000000000001

/* constants and immediates: c.li, c.lui, c.addi, c.addiw, c.nop */
	TEST 20
	c.li a0, 31
	EXPECT a0, 31
	c.li a0, -32
	EXPECT a0, -32
	TEST 21
	c.lui a1, 1
	EXPECT a1, 0x1000
	c.lui a1, 0x1f
	EXPECT a1, 0x1f000
	c.lui a1, 0xfffe0          /* nzimm = -32 << 12, sign-extended */
	EXPECT a1, 0xfffffffffffe0000
	TEST 22
	li a2, 100
	c.addi a2, -1
	EXPECT a2, 99
	c.addi a2, 31
	EXPECT a2, 130
	TEST 23
	li a3, 0x7fffffff
	c.addiw a3, 1              /* wraps and sign-extends */
	EXPECT a3, 0xffffffff80000000
	li a3, 0x1234567800000005
	c.addiw a3, 0              /* sext.w */
	EXPECT a3, 5
	c.addiw a3, -6
	EXPECT a3, -1
	TEST 24
	li a4, 7
	c.nop
	EXPECT a4, 7

/* shifts and ALU: c.slli, c.srli, c.srai, c.andi, c.sub/xor/or/and, c.subw/addw, c.mv, c.add */
	TEST 30
	li a0, 0x8000000000000001
	c.slli a0, 63
	EXPECT a0, 0x8000000000000000
	li a0, 3
	c.slli a0, 32
	EXPECT a0, 0x300000000
	TEST 31
	li a1, 0x8000000000000000
	c.srli a1, 63
	EXPECT a1, 1
	li a1, 0x8000000000000000
	c.srli a1, 32
	EXPECT a1, 0x80000000
	TEST 32
	li a2, 0x8000000000000000
	c.srai a2, 63
	EXPECT a2, -1
	li a2, 0x8000000000000000
	c.srai a2, 1
	EXPECT a2, 0xc000000000000000
	TEST 33
	li a3, 0xffffffffffffffff
	c.andi a3, -32
	EXPECT a3, 0xffffffffffffffe0
	c.andi a3, 31
	EXPECT a3, 0
	TEST 34
	li a4, 10
	li a5, 3
	c.sub a4, a5
	EXPECT a4, 7
	c.xor a4, a5
	EXPECT a4, 4
	c.or a4, a5
	EXPECT a4, 7
	c.and a4, a5
	EXPECT a4, 3
	TEST 35
	li a4, 0x80000000
	li a5, 1
	c.subw a4, a5
	EXPECT a4, 0x7fffffff
	c.addw a4, a5
	EXPECT a4, 0xffffffff80000000
	li a4, 0x100000000
	c.addw a4, a5
	EXPECT a4, 1
	TEST 36
	li t0, 0x123456789
	c.mv t1, t0
	EXPECT t1, 0x123456789
	c.add t1, t0
	EXPECT t1, 0x2468acf12

/* control transfer: c.j, c.beqz, c.bnez, c.jr, c.jalr */
	TEST 40
	li a0, 0
	c.j 1f
	li a0, 1
1:	EXPECT a0, 0
	TEST 41
	li s0, 0
	c.beqz s0, 1f
	j fail
1:	li s0, 5
	c.beqz s0, fail_near
	c.bnez s0, 1f
	j fail
1:	li s0, 0
	c.bnez s0, fail_near
	TEST 42                    /* backward branches */
	li s1, 3
1:	c.addi s1, -1
	c.bnez s1, 1b
	EXPECT s1, 0
	TEST 43
	la t0, 1f
	c.jr t0
	j fail
1:	TEST 44
	la t0, 1f
	c.jalr t0
2:	j fail
1:	la t1, 2b
	EXPECT_EQ ra, t1            /* link is pc + 2 */
	TEST 45
	la t0, 1f
	c.jalr t0
	j 3f
1:	c.jr ra                    /* return to the instruction after c.jalr */
	j fail
3:	TEST 46
	c.j 1f
fail_near:
	j fail
1:

/* c.ebreak raises a breakpoint with mepc = its address; it is 2 bytes long */
	TEST 50
	CLEAR_TRAPS
1:	c.ebreak
	EXPECT_M_TRAP CAUSE_BREAKPOINT, 1b
	EXPECT_TRAP TR_COUNT, 1

/* a 32-bit instruction at a 2-byte aligned address */
	TEST 60
	.balign 4
	c.nop
	li a0, 0x12345
	addi a0, a0, 1
	EXPECT a0, 0x12346
	TEST 61                    /* jump to a 2-byte aligned target */
	la t0, 1f
	jr t0
	.balign 4
	c.nop
1:	c.li a0, 9
	EXPECT a0, 9
	.option pop
RVTEST_CODE_END

RVTEST_DATA_BEGIN
	.align 12
	.zero 1024
cstack:	.zero 1024
cdata:	.zero 512
