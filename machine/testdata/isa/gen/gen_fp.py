"""Prints the generated cases of rv64uf.S (argument "s") or rv64ud.S ("d"):
arithmetic, sqrt, fused multiply-add, min/max, compares, fclass, sign
injection and every fcvt, over special values and seeded random operands, in
all five static rounding modes and the dynamic mode. Expected results and
fflags come from softfloat.py (exact rational arithmetic, rounded once)."""
import os, random, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from softfloat import *

fmt = sys.argv[1]
F = S if fmt == 's' else D
W = F.width
sfx = fmt
n = [0]
def T():
    n[0] += 1
    return n[0]
def hx(v):
    return "0x%x" % v

def fbits(x):
    b, _ = round_bits(F, int(x < 0), abs(Fr(x)), RNE)
    return b
SIGN = 1 << (W - 1)
PZ, NZ = 0, SIGN
PINF, NINF = inf(F, 0), inf(F, 1)
QNAN = F.qnan
SNAN = (((1 << F.e) - 1) << F.m) | 1
QNAN_PAYLOAD = F.qnan | 0x1234 | SIGN
ONE = fbits(1)
MAXF = (((1 << F.e) - 2) << F.m) | ((1 << F.m) - 1)
MINN = 1 << F.m
MINSUB = 1
MAXSUB = (1 << F.m) - 1
specials = [PZ, NZ, PINF, NINF, QNAN, SNAN, QNAN_PAYLOAD, ONE, ONE | SIGN, fbits(1.5), fbits(2), fbits(3),
            fbits(Fr(1, 10)), fbits(-2.5), MAXF, MAXF | SIGN, MINN, MINN | SIGN, MINSUB, MAXSUB | SIGN,
            ONE + 1, fbits(Fr(1, 3))]
rnd = random.Random(20240601 + W)
def rand_val():
    k = rnd.random()
    if k < 0.7:  # normal with moderate exponent
        e = rnd.randint(F.bias - 20, F.bias + 20)
    elif k < 0.85:  # near the extremes
        e = rnd.choice([1, 2, 3, (1 << F.e) - 2, (1 << F.e) - 3])
    else:
        e = 0
    return rnd.randint(0, 1) << (W - 1) | e << F.m | rnd.getrandbits(F.m)
randoms = [rand_val() for _ in range(48)]

def load(reg, v):
    return f"\tLOAD_F{fmt.upper()} {reg}, {hx(v)}"
def expect_f(reg, v):
    return f"\tEXPECT_F{fmt.upper()} {reg}, {hx(v)}"
def expect_flags(fl):
    return f"\tEXPECT_FLAGS {fl}"

out = []
def case(lines):
    out.append(f"\tTEST {T()}")
    out.extend(lines)

def rm_variants(i):
    """Which rounding modes to try for case i: all static modes on a subset,
    one per case otherwise, and the dynamic mode through frm."""
    return [i % 5] if i % 4 else [0, 1, 2, 3, 4]

def arith2(name, fn, pairs):
    out.append(f"\n/* f{name}.{sfx} */")
    for i, (a, b) in enumerate(pairs):
        for rm in rm_variants(i):
            r, fl = fn(F, a, b, rm)
            case([load('fa0', a), load('fa1', b), f"\tf{name}.{sfx} fa2, fa0, fa1, {RM_NAMES[rm]}",
                  expect_f('fa2', r), expect_flags(fl)])
        rm = (i * 3 + 1) % 5
        r, fl = fn(F, a, b, rm)
        case([load('fa0', a), load('fa1', b), f"\tfsrmi {rm}", f"\tf{name}.{sfx} fa2, fa0, fa1",
              "\tfsrmi 0", expect_f('fa2', r), expect_flags(fl)])

pairs = [(a, b) for a in specials for b in specials if (specials.index(a) * 5 + specials.index(b)) % 7 == 0]
pairs += [(randoms[i], randoms[(i * 7 + 3) % len(randoms)]) for i in range(len(randoms))]
# ties and carries: 1 + half an ulp, 1 + 1.5 ulp, and cancellation
half = Fr(1, 2 ** (F.m + 1))
pairs += [(ONE, fbits(half)), (ONE + 1, fbits(half)), (ONE, fbits(-half)), (ONE | SIGN, fbits(half)),
          (fbits(3 * half), ONE), (MAXF, MAXF), (MINN, MINN | SIGN), (MINSUB, MINSUB), (MAXF, fbits(2)), (MINN, fbits(Fr(1, 2)))]
arith2('add', add, pairs)
arith2('sub', sub, pairs)
arith2('mul', mul, pairs)
arith2('div', div, pairs)

out.append(f"\n/* fsqrt.{sfx} */")
sq = specials + randoms[:24] + [fbits(4), fbits(2), fbits(Fr(1, 4)), MINSUB, fbits(Fr(9, 16))]
for i, a in enumerate(sq):
    for rm in rm_variants(i):
        r, fl = sqrt(F, a, rm)
        case([load('fa0', a), f"\tfsqrt.{sfx} fa2, fa0, {RM_NAMES[rm]}", expect_f('fa2', r), expect_flags(fl)])

fused = [('madd', False, False), ('msub', False, True), ('nmsub', True, False), ('nmadd', True, True)]
triples = [(specials[i], specials[(i * 3 + 1) % len(specials)], specials[(i * 5 + 2) % len(specials)]) for i in range(len(specials))]
triples += [(randoms[i], randoms[(i + 5) % 48], randoms[(i + 11) % 48]) for i in range(24)]
triples += [(PINF, PZ, QNAN), (PZ, NINF, SNAN), (PINF, ONE, NINF), (ONE, ONE, ONE | SIGN), (MINN, fbits(Fr(1, 2)), PZ),
            # single rounding: a*b+c with a*b inexact in the format but exact in the sum
            (ONE + 1, ONE + 1, (fbits(-1 - Fr(2, 2 ** F.m)))), (MAXF, fbits(2), MAXF | SIGN), (PZ, NZ, NZ), (NZ, NZ, NZ)]
for name, np_, nc in fused:
    out.append(f"\n/* f{name}.{sfx} */")
    for i, (a, b, c) in enumerate(triples):
        for rm in rm_variants(i):
            r, fl = fma(F, a, b, c, rm, np_, nc)
            case([load('fa0', a), load('fa1', b), load('fa2', c),
                  f"\tf{name}.{sfx} fa3, fa0, fa1, fa2, {RM_NAMES[rm]}", expect_f('fa3', r), expect_flags(fl)])

mm_vals = [PZ, NZ, QNAN, SNAN, ONE, ONE | SIGN, PINF, NINF, MINSUB, randoms[0], randoms[1]]
for name, is_max in (('min', False), ('max', True)):
    out.append(f"\n/* f{name}.{sfx} */")
    for a in mm_vals:
        for b in mm_vals:
            r, fl = minmax(F, a, b, is_max)
            case([load('fa0', a), load('fa1', b), f"\tf{name}.{sfx} fa2, fa0, fa1", expect_f('fa2', r), expect_flags(fl)])

for op in ('eq', 'lt', 'le'):
    out.append(f"\n/* f{op}.{sfx} */")
    for a in mm_vals:
        for b in mm_vals:
            r, fl = compare(F, a, b, op)
            case([load('fa0', a), load('fa1', b), f"\tf{op}.{sfx} a0, fa0, fa1", f"\tEXPECT a0, {r}", expect_flags(fl)])

out.append(f"\n/* fclass.{sfx} */")
for a in specials + [MAXSUB, MINSUB | SIGN, SNAN | SIGN]:
    case([load('fa0', a), f"\tfclass.{sfx} a0, fa0", f"\tEXPECT a0, {hx(fclass(F, a))}", expect_flags(0)])

out.append(f"\n/* fsgnj.{sfx}, fsgnjn.{sfx}, fsgnjx.{sfx}: raw sign bit operations, no NaN processing */")
for a in (ONE, ONE | SIGN, SNAN, QNAN_PAYLOAD, NZ, PINF):
    for b in (ONE, ONE | SIGN, QNAN, NZ):
        mag = a & (SIGN - 1)
        for op, s in (('fsgnj', b & SIGN), ('fsgnjn', (b ^ SIGN) & SIGN), ('fsgnjx', (a ^ b) & SIGN)):
            case([load('fa0', a), load('fa1', b), f"\t{op}.{sfx} fa2, fa0, fa1", expect_f('fa2', mag | s), expect_flags(0)])

out.append(f"\n/* fcvt from {sfx} to integers */")
two = lambda k: Fr(2) ** k
cv = [PZ, NZ, fbits(Fr(1, 2)), fbits(Fr(-1, 2)), fbits(Fr(3, 2)), fbits(Fr(5, 2)), fbits(Fr(-5, 2)), fbits(Fr(-3, 2)),
      ONE | SIGN, fbits(Fr(-1, 4)), fbits(Fr(7, 4)),
      fbits(two(31)), fbits(-two(31)), fbits(two(32)), fbits(-two(32)), fbits(two(63)), fbits(-two(63)), fbits(two(64)),
      fbits(two(31) - 1) if F is D else fbits(two(31) - 128), fbits(-two(31) - 1) if F is D else fbits(-two(31) - 256),
      fbits(two(64) - 2 ** (64 - F.m - 1)), fbits(two(63) - 2 ** (63 - F.m - 1)),
      fbits(Fr(4294967295)) if F is D else fbits(Fr(4294967040)), fbits(Fr(-4294967295, 2)) if F is D else PZ,
      PINF, NINF, QNAN, SNAN, QNAN | SIGN, MAXF, MAXF | SIGN, MINSUB, MINSUB | SIGN] + randoms[:8]
for op, bits, signed in (('w', 32, True), ('wu', 32, False), ('l', 64, True), ('lu', 64, False)):
    for i, a in enumerate(cv):
        rms = [0, 1, 2, 3, 4] if i < 11 else [i % 5]
        for rm in rms:
            r, fl = to_int(F, a, rm, bits, signed)
            case([load('fa0', a), f"\tfcvt.{op}.{sfx} a0, fa0, {RM_NAMES[rm]}", f"\tEXPECT a0, {hx(r)}", expect_flags(fl)])
        rm = (i + 2) % 5
        r, fl = to_int(F, a, rm, bits, signed)
        case([load('fa0', a), f"\tfsrmi {rm}", f"\tfcvt.{op}.{sfx} a0, fa0", "\tfsrmi 0", f"\tEXPECT a0, {hx(r)}", expect_flags(fl)])

out.append(f"\n/* fcvt from integers to {sfx} */")
ints = [0, 1, 0xffffffffffffffff, 0x7fffffff, 0x80000000, 0xffffffff, 0xffffffff80000000, 0x7fffffffffffffff,
        0x8000000000000000, 0x0000000001000001, 0x0000000001000003, 0x20000000000001, 0x20000000000003,
        0x123456789abcdef1, 0xfffffffffedcba99, 0x00000000fffffffe, 0xfffffffe00000001]
for op, bits, signed in (('w', 32, True), ('wu', 32, False), ('l', 64, True), ('lu', 64, False)):
    for i, v in enumerate(ints):
        exact = F is D and bits == 32  # fcvt.d.w[u] takes no rounding mode
        for rm in ([0, 1, 2, 3, 4] if i >= 9 else [i % 5]):
            r, fl = from_int(F, v, rm, bits, signed)
            rmop = "" if exact else ", " + RM_NAMES[rm]
            case([f"\tli a0, {hx(v)}", f"\tfcvt.{sfx}.{op} fa0, a0{rmop}", expect_f('fa0', r), expect_flags(fl)])
        rm = (i + 3) % 5
        r, fl = from_int(F, v, rm, bits, signed)
        case([f"\tli a0, {hx(v)}", f"\tfsrmi {rm}", f"\tfcvt.{sfx}.{op} fa0, a0", "\tfsrmi 0", expect_f('fa0', r), expect_flags(fl)])

if F is D:
    out.append("\n/* fcvt.s.d and fcvt.d.s */")
    dv = specials + randoms[:16] + [fbits(Fr(1) + Fr(1, 2 ** 24)), fbits(Fr(1) + Fr(3, 2 ** 24)),
                                    fbits(two(128)), fbits(-two(128) + two(103)), fbits(two(-149)), fbits(two(-150)),
                                    fbits(two(-150) + two(-180)), fbits(-two(-126) + two(-160)), fbits(Fr(1, 3))]
    for i, a in enumerate(dv):
        for rm in rm_variants(i):
            r, fl = convert(S, D, a, rm)
            case([f"\tLOAD_FD fa0, {hx(a)}", f"\tfcvt.s.d fa1, fa0, {RM_NAMES[rm]}", f"\tEXPECT_FS fa1, {hx(r)}", expect_flags(fl)])
    sv = [0, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0x7f800001, 0xffc01234, 0x3f800000, 0x00000001,
          0x807fffff, 0x7f7fffff, 0x00800000, 0x3eaaaaab]
    for a in sv:
        r, fl = convert(D, S, a, RNE)
        case([f"\tLOAD_FS fa0, {hx(a)}", "\tfcvt.d.s fa1, fa0", f"\tEXPECT_FD fa1, {hx(r)}", expect_flags(fl)])

sys.stdout.write("\n".join(out) + "\n")
sys.stderr.write(f"{fmt}: {n[0]} cases\n")
