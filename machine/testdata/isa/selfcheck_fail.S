/*
 * selfcheck_fail.S: a program that must fail test case 300 (not a
 * conformance test). isa_test.go runs it to prove that the environment, the
 * runner and QEMU's exit status really report failures. 300 > 255 also
 * checks that the runner keeps all bits of N.
 */
#include "env.h"

RVTEST_CODE_BEGIN
	TEST 299
	li a0, 1
	EXPECT a0, 1
	TEST 300
	EXPECT a0, 2
RVTEST_CODE_END

RVTEST_DATA_BEGIN
