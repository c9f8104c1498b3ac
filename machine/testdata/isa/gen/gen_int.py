"""Prints the generated cases of rv64ui.S (RV64I register and immediate
operations, shifts, lui, branches) to stdout. Expected values come from the
integer semantics in intgen.py, written from the unprivileged spec."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from intgen import *
out=[]; n=[0]
def T(): n[0]+=1; return n[0]
def emit(s): out.append(s)
pairs=[(vals[i],vals[j]) for i in range(len(vals)) for j in range(len(vals)) if (i*7+j*3)%5==0]
def rrcase(op,f,a,b):
    emit(f"\tTEST {T()}\n\tli a1, {h(a)}\n\tli a2, {h(b)}\n\t{op} a0, a1, a2\n\tEXPECT a0, {h(f(a,b))}")
for op,f in rr.items():
    emit(f"\n/* {op} */")
    ps = [(a,s) for a in (0x1,0x8000000000000000,0xffffffff80000001,0x123456789abcdef0,0x7fffffff) for s in shv] if op[1:3] in ('ll','rl','ra') else pairs
    for a,b in ps: rrcase(op,f,a,b)
    # rd == rs1 == rs2
    t=T(); a=0x0f0f0f0f87654321
    emit(f"\tTEST {t}\n\tli a3, {h(a)}\n\t{op} a3, a3, a3\n\tEXPECT a3, {h(f(a,a))}")
    # x0 destination
    t=T(); emit(f"\tTEST {t}\n\tli a1, 5\n\tli a2, 7\n\t{op} x0, a1, a2\n\tEXPECT x0, 0")
imm={'addi':lambda a,i:u64(a+i),'addiw':lambda a,i:sx32(a+i),'andi':lambda a,i:a&u64(i),'ori':lambda a,i:a|u64(i),
     'xori':lambda a,i:a^u64(i),'slti':lambda a,i:int(s64(a)<i),'sltiu':lambda a,i:int(u64(a)<u64(i))}
immv=[0,1,-1,2047,-2048,0x555,-0x556]
for op,f in imm.items():
    emit(f"\n/* {op} */")
    for a in (0,1,0xffffffffffffffff,0x7fffffffffffffff,0x8000000000000000,0x7fffffff,0xffffffff80000000,0x123456789abcdef0,0x7ff,0xfffffffffffff800):
        for i in immv:
            if (a+i)%3==0 or i in (0,-1,2047,-2048):
                emit(f"\tTEST {T()}\n\tli a1, {h(a)}\n\t{op} a0, a1, {i}\n\tEXPECT a0, {h(f(a,i))}")
shi={'slli':(lambda a,s:u64(a<<s),63),'srli':(lambda a,s:u64(a)>>s,63),'srai':(lambda a,s:u64(s64(a)>>s),63),
     'slliw':(lambda a,s:sx32(a<<s),31),'srliw':(lambda a,s:sx32((a&0xffffffff)>>s),31),'sraiw':(lambda a,s:sx32(s32(a)>>s),31)}
for op,(f,mx) in shi.items():
    emit(f"\n/* {op} */")
    for a in (1,0x8000000000000000,0xffffffff80000001,0x123456789abcdef0,0x7fffffff,0x80000000):
        for s in sorted(set([0,1,7,mx//2,mx-1,mx, 32 if mx==63 else 31])):
            emit(f"\tTEST {T()}\n\tli a1, {h(a)}\n\t{op} a0, a1, {s}\n\tEXPECT a0, {h(f(a,s))}")
# lui
emit("\n/* lui */")
for v in (0,1,0x7ffff,0x80000,0xfffff,0x12345):
    r=sx32(v<<12)
    emit(f"\tTEST {T()}\n\tlui a0, {v}\n\tEXPECT a0, {h(r)}")
# branches
br={'beq':lambda a,b:a==b,'bne':lambda a,b:a!=b,'blt':lambda a,b:s64(a)<s64(b),'bge':lambda a,b:s64(a)>=s64(b),
    'bltu':lambda a,b:u64(a)<u64(b),'bgeu':lambda a,b:u64(a)>=u64(b)}
bv=[(0,0),(1,0),(0,1),(0xffffffffffffffff,1),(1,0xffffffffffffffff),(0x8000000000000000,0x7fffffffffffffff),(0x7fffffffffffffff,0x8000000000000000),(0xffffffffffffffff,0xffffffffffffffff),(0x100000000,0)]
for op,f in br.items():
    emit(f"\n/* {op} */")
    for a,b in bv:
        t=T()
        taken=f(a,b)
        # a0 records: 1 if taken
        emit(f"\tTEST {t}\n\tli a1, {h(a)}\n\tli a2, {h(b)}\n\tli a0, 0\n\t{op} a1, a2, 1f\n\tli a0, 2\n\tj 2f\n1:\tli a0, 1\n2:\tEXPECT a0, {1 if taken else 2}")
    # backward branch
    emit(f"\tTEST {T()}\n\tli a0, 0\n\tli a1, 0\n\tj 2f\n1:\taddi a0, a0, 1\n\tj 3f\n2:\t{op} a1, a1, 1b\n\taddi a0, a0, 10\n3:\tEXPECT a0, {1 if f(0,0) else 10}")
sys.stdout.write("\n".join(out)+"\n")
sys.stderr.write(f"last test {n[0]}\n")
