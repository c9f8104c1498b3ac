"""Prints the AMO cases of rv64ua.S: every AMO in .w and .d form, plain and
with aq, rl and aqrl, checking the returned old value (sign-extended for .w)
and the new memory word (spec chapter 9, A extension)."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from intgen import *

def w(f):
    return lambda a, b: f(a & 0xffffffff, b & 0xffffffff) & 0xffffffff
ops = {
    'swap': lambda m, v, bits: v,
    'add': lambda m, v, bits: (m + v) & ((1 << bits) - 1),
    'and': lambda m, v, bits: m & v,
    'or': lambda m, v, bits: m | v,
    'xor': lambda m, v, bits: m ^ v,
    'max': lambda m, v, bits: m if sgn(m, bits) >= sgn(v, bits) else v,
    'min': lambda m, v, bits: m if sgn(m, bits) <= sgn(v, bits) else v,
    'maxu': lambda m, v, bits: max(m, v),
    'minu': lambda m, v, bits: min(m, v),
}
def sgn(x, bits):
    return x - (1 << bits) if x >> (bits - 1) else x
pairs = [(0x0000000000000001, 0xffffffffffffffff), (0x8000000000000000, 0x7fffffffffffffff),
         (0x00000000fffffffe, 0x0000000080000001), (0x123456789abcdef0, 0x0fedcba987654321)]
n = 0
for op, f in ops.items():
    for sfx, bits in (('w', 32), ('d', 64)):
        for k, (m, v) in enumerate(pairs):
            ordering = ['', '.aq', '.rl', '.aqrl'][k]
            n += 1
            mask = (1 << bits) - 1
            mm, vv = m & mask, v & mask
            new = f(mm, vv, bits) & mask
            old = sx32(mm) if bits == 32 else mm
            store = 'sw' if bits == 32 else 'sd'
            # .w: the other half of the doubleword must stay untouched
            print(f"\tTEST {n}\n\tla a1, amodata\n\tli a2, 0x5a5a5a5a5a5a5a5a\n\tsd a2, 0(a1)\n"
                  f"\tli a2, {h(m)}\n\t{store} a2, 0(a1)\n\tli a2, {h(v)}\n"
                  f"\tamo{op}.{sfx}{ordering} a0, a2, (a1)\n\tEXPECT a0, {h(old)}\n"
                  f"\tld a3, 0(a1)\n\tEXPECT a3, {h(new if bits == 64 else (0x5a5a5a5a00000000 | new))}")
print(f"/* last generated case: {n} */")
