# Writes TOHOST_VALUE (set with -D) to tohost and spins: 1 is a pass,
# N<<1|1 reports that test N failed. Without TOHOST_VALUE it never writes
# tohost, for the instruction-limit test.
	# Name this file in the symbol table; otherwise gcc names the
	# assembler's random temporary object and the ELF differs per build.
	.file	"tohost.S"

	.section .text.init, "ax", @progbits
	.globl _start
_start:
#ifdef TOHOST_VALUE
	li	t0, TOHOST_VALUE
	la	t1, tohost
	sd	t0, 0(t1)
#endif
1:	j	1b

#ifndef NO_TOHOST
	.section .tohost, "aw", @progbits
	.balign 64
	.globl tohost
tohost:	.dword 0
	.balign 64
	.globl fromhost
fromhost: .dword 0
#endif
