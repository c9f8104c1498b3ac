"""An exact model of RISC-V F/D arithmetic for generating test expectations.

Values are decoded to Python Fractions, every operation is computed exactly,
and the result is rounded once by round_bits, following IEEE 754-2008 as the
RISC-V unprivileged spec (chapters 11-12) profiles it: tininess is detected
after rounding, NaN results are the canonical NaN, and narrower values must be
NaN-boxed. It is slow and simple on purpose: it is an independent check of the
hart's integer softfloat, not a copy of it.
"""
from fractions import Fraction as Fr
import math

NV, DZ, OF, UF, NX = 16, 8, 4, 2, 1
RNE, RTZ, RDN, RUP, RMM = 0, 1, 2, 3, 4
RM_NAMES = ['rne', 'rtz', 'rdn', 'rup', 'rmm']

class Fmt:
    def __init__(self, e, m):
        self.e, self.m = e, m
        self.bias = (1 << (e - 1)) - 1
        self.emin = 1 - self.bias
        self.emax = self.bias
        self.width = 1 + e + m
        self.qnan = ((1 << e) - 1) << m | 1 << (m - 1)
S = Fmt(8, 23)
D = Fmt(11, 52)

def decode(f, b):
    """('nan', quiet) | ('inf', sign) | ('num', sign, Fraction)."""
    sign = b >> (f.width - 1) & 1
    exp = b >> f.m & ((1 << f.e) - 1)
    man = b & ((1 << f.m) - 1)
    if exp == (1 << f.e) - 1:
        if man:
            return ('nan', bool(man >> (f.m - 1) & 1))
        return ('inf', sign)
    if exp == 0:
        v = Fr(man, 1 << (f.m - f.emin))
    else:
        v = Fr((1 << f.m) | man) * Fr(2) ** (exp - f.bias - f.m)
    return ('num', sign, v)

def is_snan(f, b):
    d = decode(f, b)
    return d[0] == 'nan' and not d[1]

def _round_int(m, sign, rm):
    """Round the positive Fraction m to an integer; sign chooses RDN/RUP."""
    fl = m.numerator // m.denominator
    rem = m - fl
    if rem == 0:
        return fl
    if rm == RNE:
        return fl + (1 if rem > Fr(1, 2) or (rem == Fr(1, 2) and fl & 1) else 0)
    if rm == RMM:
        return fl + (1 if rem >= Fr(1, 2) else 0)
    if rm == RTZ:
        return fl
    up = (rm == RUP and not sign) or (rm == RDN and sign)
    return fl + (1 if up else 0)

def _exp_of(x):
    """e with 2**e <= x < 2**(e+1), for a positive Fraction x."""
    e = x.numerator.bit_length() - x.denominator.bit_length()
    if Fr(2) ** e > x:
        e -= 1
    elif Fr(2) ** (e + 1) <= x:
        e += 1
    return e

def round_bits(f, sign, x, rm):
    """Round sign*x (x a non-negative Fraction) into format f: (bits, flags)."""
    sbit = sign << (f.width - 1)
    if x == 0:
        return sbit, 0
    e = _exp_of(x)
    # Tininess after rounding: round with an unbounded exponent range first.
    q = Fr(2) ** (e - f.m)
    mu = _round_int(x / q, sign, rm)
    tiny = mu * q < Fr(2) ** f.emin
    ee = max(e, f.emin)
    q = Fr(2) ** (ee - f.m)
    mi = _round_int(x / q, sign, rm)
    inexact = mi * q != x
    if mi == 1 << (f.m + 1):
        mi >>= 1
        ee += 1
    flags = NX if inexact else 0
    if tiny and inexact:
        flags |= UF
    if ee > f.emax:
        flags |= OF | NX
        to_inf = rm in (RNE, RMM) or (rm == RUP and not sign) or (rm == RDN and sign)
        if to_inf:
            return sbit | ((1 << f.e) - 1) << f.m, flags
        return sbit | (((1 << f.e) - 2) << f.m) | ((1 << f.m) - 1), flags
    if mi < (1 << f.m):  # subnormal (or zero after rounding)
        return sbit | mi, flags
    return sbit | (ee + f.bias) << f.m | (mi & ((1 << f.m) - 1)), flags

def inf(f, sign):
    return sign << (f.width - 1) | ((1 << f.e) - 1) << f.m

def _nan_in(f, *bs):
    fl = NV if any(is_snan(f, b) for b in bs) else 0
    return any(decode(f, b)[0] == 'nan' for b in bs), fl

def val(d):
    return -d[2] if d[1] else d[2]

def add(f, a, b, rm, neg_b=False):
    if neg_b:
        b ^= 1 << (f.width - 1)
    isnan, fl = _nan_in(f, a, b)
    if isnan:
        return f.qnan, fl
    da, db = decode(f, a), decode(f, b)
    if da[0] == 'inf' and db[0] == 'inf':
        if da[1] != db[1]:
            return f.qnan, NV
        return a, 0
    if da[0] == 'inf':
        return a, 0
    if db[0] == 'inf':
        return b, 0
    r = val(da) + val(db)
    if r == 0:
        if da[1] == db[1] and da[2] == 0 and db[2] == 0:
            return da[1] << (f.width - 1), 0
        return (1 << (f.width - 1) if rm == RDN else 0), 0
    return round_bits(f, int(r < 0), abs(r), rm)

def sub(f, a, b, rm):
    # sign flip of b must not quieten/alter NaN detection: do it on decoded data
    isnan, fl = _nan_in(f, a, b)
    if isnan:
        return f.qnan, fl
    return add(f, a, b, rm, neg_b=True)

def mul(f, a, b, rm):
    isnan, fl = _nan_in(f, a, b)
    if isnan:
        return f.qnan, fl
    da, db = decode(f, a), decode(f, b)
    sign = (a ^ b) >> (f.width - 1) & 1
    if da[0] == 'inf' or db[0] == 'inf':
        other = db if da[0] == 'inf' else da
        if other[0] == 'num' and other[2] == 0:
            return f.qnan, NV
        return inf(f, sign), 0
    return round_bits(f, sign, da[2] * db[2], rm)

def div(f, a, b, rm):
    isnan, fl = _nan_in(f, a, b)
    if isnan:
        return f.qnan, fl
    da, db = decode(f, a), decode(f, b)
    sign = (a ^ b) >> (f.width - 1) & 1
    if da[0] == 'inf':
        if db[0] == 'inf':
            return f.qnan, NV
        return inf(f, sign), 0
    if db[0] == 'inf':
        return sign << (f.width - 1), 0
    if db[2] == 0:
        if da[2] == 0:
            return f.qnan, NV
        return inf(f, sign), DZ
    return round_bits(f, sign, da[2] / db[2], rm)

def sqrt(f, a, rm):
    isnan, fl = _nan_in(f, a)
    if isnan:
        return f.qnan, fl
    da = decode(f, a)
    if da[1] and not (da[0] == 'num' and da[2] == 0):
        return f.qnan, NV
    if da[0] == 'inf' or da[2] == 0:
        return a, 0
    # Scale so that the integer square root has m+10 bits or more; the
    # half-ulp sticky trick below then rounds exactly like the true root.
    k = (2 * (f.m + 10) - _exp_of(da[2])) // 2 + 2
    n = da[2] * Fr(4) ** k
    s = math.isqrt(n.numerator // n.denominator)
    if s * s == n:
        r = Fr(s) / Fr(2) ** k
    else:
        r = Fr(2 * s + 1) / Fr(2) ** (k + 1)
    return round_bits(f, 0, r, rm)

def fma(f, a, b, c, rm, neg_prod=False, neg_c=False):
    isnan, fl = _nan_in(f, a, b, c)
    da, db, dc = decode(f, a), decode(f, b), decode(f, c)
    inf_zero = (da[0] == 'inf' and db[0] == 'num' and db[2] == 0) or \
               (db[0] == 'inf' and da[0] == 'num' and da[2] == 0)
    if inf_zero:
        return f.qnan, NV
    if isnan:
        return f.qnan, fl
    ps = ((a ^ b) >> (f.width - 1) & 1) ^ int(neg_prod)
    cs = (c >> (f.width - 1) & 1) ^ int(neg_c)
    if da[0] == 'inf' or db[0] == 'inf':
        if dc[0] == 'inf' and cs != ps:
            return f.qnan, NV
        return inf(f, ps), 0
    if dc[0] == 'inf':
        return inf(f, cs), 0
    p = da[2] * db[2]
    r = (-p if ps else p) + (-dc[2] if cs else dc[2])
    if r == 0:
        if p == 0 and dc[2] == 0 and ps == cs:
            return ps << (f.width - 1), 0
        return (1 << (f.width - 1) if rm == RDN else 0), 0
    return round_bits(f, int(r < 0), abs(r), rm)

def minmax(f, a, b, is_max):
    fl = NV if is_snan(f, a) or is_snan(f, b) else 0
    da, db = decode(f, a), decode(f, b)
    if da[0] == 'nan' and db[0] == 'nan':
        return f.qnan, fl
    if da[0] == 'nan':
        return b, fl
    if db[0] == 'nan':
        return a, fl
    def key(d, bits):
        if d[0] == 'inf':
            return (Fr(-1 if d[1] else 1) * 10 ** 400, 0)
        return (val(d), -1 if d[1] else 0)  # -0 < +0
    ka, kb = key(da, a), key(db, b)
    if is_max:
        return (a if ka >= kb else b), fl
    return (a if ka <= kb else b), fl

def compare(f, a, b, op):
    da, db = decode(f, a), decode(f, b)
    if da[0] == 'nan' or db[0] == 'nan':
        if op == 'eq':
            return 0, NV if is_snan(f, a) or is_snan(f, b) else 0
        return 0, NV
    def v(d):
        if d[0] == 'inf':
            return Fr(-1 if d[1] else 1) * 10 ** 400
        return val(d)
    x, y = v(da), v(db)
    return int({'eq': x == y, 'lt': x < y, 'le': x <= y}[op]), 0

def fclass(f, a):
    d = decode(f, a)
    if d[0] == 'nan':
        return 1 << 9 if d[1] else 1 << 8
    if d[0] == 'inf':
        return 1 if d[1] else 1 << 7
    exp = a >> f.m & ((1 << f.e) - 1)
    if d[2] == 0:
        return 1 << 3 if d[1] else 1 << 4
    if exp == 0:
        return 1 << 2 if d[1] else 1 << 5
    return 1 << 1 if d[1] else 1 << 6

def to_int(f, a, rm, bits, signed):
    """fcvt.{w,wu,l,lu}: (result as a 64-bit register value, flags)."""
    d = decode(f, a)
    lo = -(1 << (bits - 1)) if signed else 0
    hi = (1 << (bits - 1)) - 1 if signed else (1 << bits) - 1
    def reg(v):
        v &= (1 << bits) - 1
        if bits == 32 and v >> 31:
            v |= 0xffffffff00000000
        return v
    if d[0] == 'nan':
        return reg(hi), NV
    if d[0] == 'inf':
        return reg(lo if d[1] else hi), NV
    r = _round_int(d[2], d[1], rm)
    if d[1]:
        r = -r
    if r < lo:
        return reg(lo), NV
    if r > hi:
        return reg(hi), NV
    return reg(r), (NX if r != val(d) else 0)

def from_int(f, v, rm, bits, signed):
    v &= (1 << bits) - 1
    if signed and v >> (bits - 1):
        v -= 1 << bits
    return round_bits(f, int(v < 0), Fr(abs(v)), rm)

def convert(ft, fs, a, rm):
    """fcvt.s.d / fcvt.d.s."""
    d = decode(fs, a)
    if d[0] == 'nan':
        return ft.qnan, NV if not d[1] else 0
    if d[0] == 'inf':
        return inf(ft, d[1]), 0
    return round_bits(ft, d[1], d[2], rm)
