package rvgen

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/reprovm/reprovm/internal/rvtest"
)

func TestGenerateDeterministic(t *testing.T) {
	for _, seed := range []uint64{0, 1, 42, 1 << 40} {
		a := Source(Generate(seed, Config{}))
		b := Source(Generate(seed, Config{}))
		if a != b {
			t.Errorf("seed %d: two generations differ", seed)
		}
		if c := Source(Generate(seed+1, Config{})); a == c {
			t.Errorf("seeds %d and %d give the same program", seed, seed+1)
		}
	}
}

func TestGenerateLen(t *testing.T) {
	for _, n := range []int{1, 7, 300} {
		if got := len(Generate(3, Config{Len: n}).Body); got != n {
			t.Errorf("Len %d: body has %d items", n, got)
		}
	}
	if got := len(Generate(3, Config{}).Body); got != DefaultLen {
		t.Errorf("Len 0: body has %d items, want %d", got, DefaultLen)
	}
}

// mnemonics every large enough corpus must contain: one per instruction
// form the generator is meant to cover.
var mnemonics = strings.Fields(`
add sub sll slt sltu xor srl sra or and addw subw sllw srlw sraw
addi slti sltiu xori ori andi addiw slli srli srai slliw srliw sraiw lui auipc
lb lh lw ld lbu lhu lwu sb sh sw sd
mul mulh mulhsu mulhu div divu rem remu mulw divw divuw remw remuw
amoswap.w amoadd.w amoxor.w amoand.w amoor.w amomin.w amomax.w amominu.w amomaxu.w
amoswap.d amoadd.d amoxor.d amoand.d amoor.d amomin.d amomax.d amominu.d amomaxu.d
lr.w sc.w lr.d sc.d
fadd.s fsub.s fmul.s fdiv.s fsqrt.s fmin.s fmax.s fsgnj.s fsgnjn.s fsgnjx.s
fmadd.s fmsub.s fnmsub.s fnmadd.s feq.s flt.s fle.s fclass.s
fcvt.w.s fcvt.wu.s fcvt.l.s fcvt.lu.s fcvt.s.w fcvt.s.wu fcvt.s.l fcvt.s.lu
fadd.d fsub.d fmul.d fdiv.d fsqrt.d fmin.d fmax.d fsgnj.d fsgnjn.d fsgnjx.d
fmadd.d fmsub.d fnmsub.d fnmadd.d feq.d flt.d fle.d fclass.d
fcvt.w.d fcvt.wu.d fcvt.l.d fcvt.lu.d fcvt.d.w fcvt.d.wu fcvt.d.l fcvt.d.lu
fcvt.s.d fcvt.d.s fmv.x.w fmv.w.x fmv.x.d fmv.d.x flw fsw fld fsd
fsrmi csrrwi csrrci csrrsi fsflagsi csrrw csrrs csrrc frflags frrm frcsr fscsr
beq bne blt bge bltu bgeu jal jalr
c.addi4spn c.lw c.ld c.fld c.sw c.sd c.fsd c.nop c.addi c.addiw c.li c.lui
c.addi16sp c.srli c.srai c.andi c.sub c.xor c.or c.and c.subw c.addw c.slli
c.fldsp c.lwsp c.ldsp c.fsdsp c.swsp c.sdsp c.mv c.add c.beqz c.bnez c.j c.jr c.jalr
fence fence.tso fence.i fsrm .option
`)

func TestGenerateCoverage(t *testing.T) {
	seen := make(map[string]bool)
	for seed := range uint64(100) {
		for _, it := range Generate(seed, Config{}).Body {
			for _, line := range it.Lines {
				op, _, _ := strings.Cut(line, " ")
				seen[strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(op, ".aqrl"), ".aq"), ".rl")] = true
			}
		}
	}
	for _, m := range mnemonics {
		if !seen[m] {
			t.Errorf("100 programs never use %s", m)
		}
	}
}

// TestProgramsRunUnderQEMU assembles a corpus and runs it under
// qemu-riscv64: every program, and every prefix of one (as the minimiser
// builds them, with branch targets cut off), must assemble, run without a
// fault and write one state; the harness registers must survive the body;
// and an empty body must give back exactly the initial registers, fcsr 0
// and the initial buffer.
func TestProgramsRunUnderQEMU(t *testing.T) {
	qemu := rvtest.Tool(t, "qemu-riscv64")
	var progs []*Program
	for seed := range uint64(40) {
		progs = append(progs, Generate(seed, Config{}))
	}
	// All prefixes of the first program whose prefixes cut off a branch
	// target, as the minimiser's prefixes of a failing program may.
	cuts := func(p *Program) bool {
		for k, it := range p.Body {
			if strings.Contains(strings.Join(it.Lines, ""), "{L}") && k+1+it.Skip > len(p.Body) {
				return true
			}
		}
		return false
	}
	seed := uint64(11)
	for !cuts(Generate(seed, Config{Len: 60}).Prefix(30)) {
		seed++
	}
	whole := Generate(seed, Config{Len: 60})
	for n := range len(whole.Body) + 1 {
		progs = append(progs, whole.Prefix(n))
	}
	empty := Generate(7, Config{}).Prefix(0)
	progs = append(progs, empty)
	dir := t.TempDir()
	src := filepath.Join(dir, "p.S")
	if err := os.WriteFile(src, []byte(Source(progs...)), 0o644); err != nil {
		t.Fatal(err)
	}
	rvtest.GCC(t, dir, "p.elf", append(slices.Clone(GCCArgs), src)...)
	var out, stderr bytes.Buffer
	cmd := exec.Command(qemu, filepath.Join(dir, "p.elf"))
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("qemu-riscv64: %v\n%s", err, stderr.Bytes())
	}
	if out.Len() != len(progs)*OutSize {
		t.Fatalf("output is %d bytes, want %d", out.Len(), len(progs)*OutSize)
	}
	var buf0 uint64
	for i, p := range progs {
		s, err := ParseState(out.Bytes()[i*OutSize : (i+1)*OutSize])
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			buf0 = s.X[BaseReg]
		}
		if (s.X[BaseReg]+uint64(p.PageOff))%pageSize != 0 {
			t.Errorf("program %d: buffer at %#x, want a page boundary at offset %d", i, s.X[BaseReg], p.PageOff)
		}
		if s.X[0] != 0 || s.X[Base2Reg] != s.X[BaseReg]+base2Off || s.X[BaseReg] < buf0 {
			t.Errorf("program %d (seed %d): harness registers x0=%#x x%d=%#x x%d=%#x", i, p.Seed, s.X[0], BaseReg, s.X[BaseReg], Base2Reg, s.X[Base2Reg])
		}
		if s.FCSR>>8 != 0 {
			t.Errorf("program %d: fcsr reserved bits set: %#x", i, s.FCSR)
		}
	}
	s, _ := ParseState(out.Bytes()[(len(progs)-1)*OutSize:])
	want := State{X: empty.X, F: empty.F, Mem: empty.Mem}
	want.X[BaseReg], want.X[Base2Reg] = s.X[BaseReg], s.X[Base2Reg]
	if d := Diff(want, s); len(d) > 0 {
		t.Errorf("empty body: state differs from the initial one (want != got):\n%s", strings.Join(d, "\n"))
	}
}
