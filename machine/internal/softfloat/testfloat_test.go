package softfloat

import (
	"bufio"
	"flag"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

var testfloatLevel = flag.Int("softfloat.testfloat.level", 1,
	"testfloat_gen -level (1 or 2; level 2 has about 40 million cases per binary64 operation and mode)")

// Berkeley TestFloat's testfloat_gen prints, for a named operation, lines
// of hexadecimal operands followed by the expected result and flags (in
// the same bit layout as fflags). It is not packaged by Debian, so this
// test runs only when testfloat_gen is on PATH, and skips otherwise. To
// run it, build Berkeley SoftFloat 3 and TestFloat 3 from source
// (make SPECIALIZE_TYPE=RISCV in each build/Linux-x86_64-GCC) and put the
// directory holding testfloat_gen on PATH. By default a bounded prefix of
// each run is checked; with -softfloat.n set (to any value) every level-1
// case is, about 64 million, in a few minutes.
//
// testfloat_gen computes its expectations with a SoftFloat build whose
// NaN and invalid-conversion conventions may not be RISC-V's, so an
// expected NaN only requires this package's canonical NaN, and the value
// of an integer conversion that raises NV is not compared. Flags always
// are.

// resultKind says how to compare a testfloat result.
type resultKind int

const (
	floatResult32 resultKind = iota
	floatResult64
	intResult
	boolResult
)

// tfOp is one operation as testfloat_gen names it.
type tfOp struct {
	name   string
	inputs int
	rounds bool // takes a rounding mode
	kind   resultKind
	run    func(in []uint64, rm RoundingMode) (uint64, Flags)
}

func boolOp(f func(a, b uint64) (bool, Flags)) func(in []uint64, rm RoundingMode) (uint64, Flags) {
	return func(in []uint64, _ RoundingMode) (uint64, Flags) {
		r, fl := f(in[0], in[1])
		return b2u64(r), fl
	}
}

func testfloatOps() []tfOp {
	ops := []tfOp{
		{"f32_to_f64", 1, false, floatResult64, func(in []uint64, _ RoundingMode) (uint64, Flags) { return F32ToF64(uint32(in[0])) }},
		{"f64_to_f32", 1, true, floatResult32, func(in []uint64, rm RoundingMode) (uint64, Flags) { return u64(F64ToF32(in[0], rm)).pair() }},
	}
	for _, s := range specs {
		kind := floatResult64
		if s.p == 24 {
			kind = floatResult32
		}
		n := s.name
		for _, op := range binaryOps(s) {
			ops = append(ops, tfOp{n + "_" + op.name, 2, true, kind, func(in []uint64, rm RoundingMode) (uint64, Flags) { return op.impl(in[0], in[1], rm) }})
		}
		ops = append(ops,
			tfOp{n + "_sqrt", 1, true, kind, func(in []uint64, rm RoundingMode) (uint64, Flags) { return implSqrt(s, in[0], rm) }},
			tfOp{n + "_mulAdd", 3, true, kind, func(in []uint64, rm RoundingMode) (uint64, Flags) { return implMulAdd(s, in[0], in[1], in[2], rm) }},
			tfOp{n + "_eq", 2, false, boolResult, boolOp(s.cmp(F32Eq, F64Eq))},
			tfOp{n + "_le", 2, false, boolResult, boolOp(s.cmp(F32Le, F64Le))},
			tfOp{n + "_lt", 2, false, boolResult, boolOp(s.cmp(F32Lt, F64Lt))},
		)
		for _, op := range toIntOps(s) {
			name := strings.NewReplacer("toI", "_to_i", "toU", "_to_ui").Replace(op.name)
			ops = append(ops, tfOp{n + name, 1, true, intResult, func(in []uint64, rm RoundingMode) (uint64, Flags) { return op.impl(in[0], rm) }})
		}
		for _, op := range fromIntOps(s) {
			name := strings.NewReplacer("fromI", "i", "fromU", "ui").Replace(op.name) + "_to_" + n
			ops = append(ops, tfOp{name, 1, true, kind, func(in []uint64, rm RoundingMode) (uint64, Flags) { return op.impl(in[0], rm) }})
		}
	}
	return ops
}

// cmp picks the comparison of format s.
func (s spec) cmp(f32 func(a, b uint32) (bool, Flags), f64 func(a, b uint64) (bool, Flags)) func(a, b uint64) (bool, Flags) {
	if s.p == 24 {
		return func(a, b uint64) (bool, Flags) { return f32(uint32(a), uint32(b)) }
	}
	return f64
}

func (r res) pair() (uint64, Flags) { return r.v, r.fl }

// testfloatMode is testfloat_gen's option for a rounding mode.
var testfloatMode = map[RoundingMode]string{
	RNE: "-rnear_even", RTZ: "-rminMag", RDN: "-rmin", RUP: "-rmax", RMM: "-rnear_maxMag",
}

// checkTestfloatLine checks one line of testfloat_gen output for op.
func checkTestfloatLine(op tfOp, line string, rm RoundingMode) error {
	fields := strings.Fields(line)
	if len(fields) != op.inputs+2 {
		return fmt.Errorf("malformed line %q for %s", line, op.name)
	}
	nums := make([]uint64, len(fields))
	for i, f := range fields {
		v, err := strconv.ParseUint(f, 16, 64)
		if err != nil {
			return fmt.Errorf("line %q: %w", line, err)
		}
		nums[i] = v
	}
	want, wantFl := nums[op.inputs], Flags(nums[op.inputs+1])
	got, gotFl := op.run(nums[:op.inputs], rm)
	valueOK := got == want
	switch {
	case op.kind == floatResult32 && spec32.nan(want):
		valueOK = got == uint64(CanonicalNaN32)
	case op.kind == floatResult64 && spec64.nan(want):
		valueOK = got == CanonicalNaN64
	case op.kind == intResult && wantFl&NV != 0:
		valueOK = true
	}
	if !valueOK || gotFl != wantFl {
		return fmt.Errorf("%s rm=%d %v = %#x %s, testfloat expects %#x %s",
			op.name, rm, fields[:op.inputs], got, gotFl, want, wantFl)
	}
	return nil
}

// testfloatLimit caps the cases taken from one testfloat_gen run: level 1
// of the fused multiply-adds alone is six million cases per rounding mode.
// A long run (-softfloat.n set) takes everything.
func testfloatLimit() int {
	switch {
	case *randomCases > 0:
		return -1
	case testing.Short():
		return 20_000
	default:
		return 100_000
	}
}

func TestTestfloat(t *testing.T) {
	gen, err := exec.LookPath("testfloat_gen")
	if err != nil {
		t.Skip("testfloat_gen (Berkeley TestFloat) is not installed")
	}
	for _, op := range testfloatOps() {
		modes := allModes
		if !op.rounds {
			modes = []RoundingMode{RNE}
		}
		for _, rm := range modes {
			t.Run(fmt.Sprintf("%s/rm%d", op.name, rm), func(t *testing.T) {
				t.Parallel()
				cmd := exec.Command(gen, "-level", strconv.Itoa(*testfloatLevel),
					testfloatMode[rm], "-tininessafter", "-exact", op.name)
				out, err := cmd.StdoutPipe()
				if err != nil {
					t.Fatal(err)
				}
				if err := cmd.Start(); err != nil {
					t.Fatalf("starting %s: %v", gen, err)
				}
				sc := bufio.NewScanner(out)
				lines, failures := 0, 0
				limit := testfloatLimit()
				for sc.Scan() {
					lines++
					if err := checkTestfloatLine(op, sc.Text(), rm); err != nil {
						if failures++; failures <= 5 {
							t.Error(err)
						}
					}
					if lines == limit {
						break
					}
				}
				if lines == limit {
					// Stopped early on purpose: the rest is not needed.
					_ = cmd.Process.Kill()
					_ = cmd.Wait()
				} else if err := cmd.Wait(); err != nil {
					t.Fatalf("%s %s: %v", gen, op.name, err)
				}
				if lines == 0 {
					t.Fatalf("%s %s produced no test cases", gen, op.name)
				}
				if failures > 0 {
					t.Errorf("%d of %d cases failed", failures, lines)
				}
			})
		}
	}
}

// TestTestfloatLineCheck runs the line checker on the f64_add example
// lines of the testfloat_gen documentation, so the driver is exercised
// even where testfloat_gen is not installed.
func TestTestfloatLineCheck(t *testing.T) {
	var add tfOp
	for _, op := range testfloatOps() {
		if op.name == "f64_add" {
			add = op
		}
	}
	for _, line := range []string{
		"3F90EB5825D6851E C3E0080080000000 C3E0080080000000 01",
		"41E3C00000000000 C182024F8AE474A8 41E377F6C1D46E2D 01",
		"7FD80FFFFFFFFFFF 7FEFFFFFFFFFFF80 7FF0000000000000 05",
		"3FFFED6A25C534BE 3CA1000000020000 3FFFED6A25C534BF 01",
	} {
		if err := checkTestfloatLine(add, line, RNE); err != nil {
			t.Error(err)
		}
	}
	// A wrong expectation must be reported.
	if err := checkTestfloatLine(add, "3FF0000000000000 3FF0000000000000 4000000000000000 01", RNE); err == nil {
		t.Error("checker accepted a wrong flag expectation")
	}
	// Every operation name is one testfloat_gen knows; spot-check a few.
	names := map[string]bool{}
	for _, op := range testfloatOps() {
		names[op.name] = true
	}
	for _, n := range []string{"f32_mulAdd", "f64_to_ui32", "ui64_to_f32", "i32_to_f64", "f64_lt", "f32_to_f64", "f64_to_f32", "f32_sqrt"} {
		if !names[n] {
			t.Errorf("no testfloat operation %s", n)
		}
	}
}
