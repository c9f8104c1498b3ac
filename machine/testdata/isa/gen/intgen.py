import sys
M64=(1<<64)-1
def s64(x): x&=M64; return x-(1<<64) if x>>63 else x
def u64(x): return x&M64
def sx32(x): x&=0xffffffff; return u64(x-(1<<32) if x>>31 else x)
def s32(x): x&=0xffffffff; return x-(1<<32) if x>>31 else x
def h(x): return "0x%016x"%u64(x)

vals=[0,1,2,3,0x7f,0x80,0xfff,0x7fffffff,0x80000000,0xffffffff,0x100000000,0x7fffffffffffffff,0x8000000000000000,0xffffffffffffffff,0xfffffffffffffffe,0x123456789abcdef0,0xfedcba9876543210,0x00000000ffff8000,0xffffffff80000000,0x5555555555555555,0xaaaaaaaaaaaaaaaa]
shv=[0,1,7,31,32,33,63,64+5,0x7fffffff,0xffffffffffffffc1]

def tdiv(a,b):
    q=abs(a)//abs(b)
    return q if (a<0)==(b<0) else -q
def trem(a,b):
    return a - b*tdiv(a,b)

def div(a,b):
    a,b=s64(a),s64(b)
    if b==0: return M64
    if a==-(1<<63) and b==-1: return u64(a)
    return u64(tdiv(a,b))
def rem(a,b):
    a,b=s64(a),s64(b)
    if b==0: return u64(a)
    if a==-(1<<63) and b==-1: return 0
    return u64(trem(a,b))
def divu(a,b):
    a,b=u64(a),u64(b)
    return M64 if b==0 else a//b
def remu(a,b):
    a,b=u64(a),u64(b)
    return a if b==0 else a%b
def divw(a,b):
    a,b=s32(a),s32(b)
    if b==0: return M64
    if a==-(1<<31) and b==-1: return sx32(a)
    return sx32(tdiv(a,b))
def remw(a,b):
    a,b=s32(a),s32(b)
    if b==0: return sx32(a)
    if a==-(1<<31) and b==-1: return 0
    return sx32(trem(a,b))
def divuw(a,b):
    a,b=a&0xffffffff,b&0xffffffff
    return M64 if b==0 else sx32(a//b)
def remuw(a,b):
    a,b=a&0xffffffff,b&0xffffffff
    return sx32(a) if b==0 else sx32(a%b)

rr={
 'add':lambda a,b:u64(a+b),'sub':lambda a,b:u64(a-b),
 'addw':lambda a,b:sx32(a+b),'subw':lambda a,b:sx32(a-b),
 'and':lambda a,b:a&b,'or':lambda a,b:a|b,'xor':lambda a,b:a^b,
 'slt':lambda a,b:int(s64(a)<s64(b)),'sltu':lambda a,b:int(u64(a)<u64(b)),
 'sll':lambda a,b:u64(a<<(b&63)),'srl':lambda a,b:u64(a)>>(b&63),'sra':lambda a,b:u64(s64(a)>>(b&63)),
 'sllw':lambda a,b:sx32(a<<(b&31)),'srlw':lambda a,b:sx32((a&0xffffffff)>>(b&31)),'sraw':lambda a,b:sx32(s32(a)>>(b&31)),
}
mrr={
 'mul':lambda a,b:u64(a*b),
 'mulh':lambda a,b:u64((s64(a)*s64(b))>>64),
 'mulhu':lambda a,b:u64((u64(a)*u64(b))>>64),
 'mulhsu':lambda a,b:u64((s64(a)*u64(b))>>64),
 'mulw':lambda a,b:sx32(a*b),
 'div':div,'divu':divu,'rem':rem,'remu':remu,'divw':divw,'divuw':divuw,'remw':remw,'remuw':remuw,
}
