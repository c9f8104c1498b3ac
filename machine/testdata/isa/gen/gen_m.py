"""Prints the body of rv64um.S: every M-extension instruction on edge operands
(zero, one, -1, most negative, overflow, division by zero). Expected values
come from intgen.py, which follows the unprivileged spec chapter 13 (division
by zero gives all ones / the dividend; signed overflow gives the dividend / 0)."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from intgen import *
n = 0
ops = [0, 1, 2, 3, 7, 0xffffffffffffffff, 0xfffffffffffffff9, 0x8000000000000000,
       0x7fffffffffffffff, 0x80000000, 0xffffffff80000000, 0x7fffffff, 0xffffffff,
       0x123456789abcdef0, 0xfedcba9876543210, 0x100000000]
for op, f in mrr.items():
    print(f"\n/* {op} */")
    for i, a in enumerate(ops):
        for j, b in enumerate(ops):
            if (i + 2 * j) % 3 and b not in (0, 0xffffffffffffffff, 1):
                continue
            n += 1
            print(f"\tTEST {n}\n\tli a1, {h(a)}\n\tli a2, {h(b)}\n\t{op} a0, a1, a2\n\tEXPECT a0, {h(f(a, b))}")
    n += 1
    a = 0xfedcba9876543211
    print(f"\tTEST {n}\n\tli a3, {h(a)}\n\t{op} a3, a3, a3\n\tEXPECT a3, {h(f(a, a))}")
    n += 1
    print(f"\tTEST {n}\n\tli a1, 5\n\tli a2, 7\n\t{op} x0, a1, a2\n\tEXPECT x0, 0")
