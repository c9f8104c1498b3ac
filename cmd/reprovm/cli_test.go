package main

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/reprovm/reprovm/internal/version"
	"github.com/reprovm/reprovm/machine"
)

// cliResult is what one in-process run of the command produced.
type cliResult struct {
	code           int
	stdout, stderr string
}

func runCLI(ctx context.Context, args ...string) cliResult {
	var stdout, stderr bytes.Buffer
	code := run(ctx, args, &stdout, &stderr)
	return cliResult{code, stdout.String(), stderr.String()}
}

var retiredRE = regexp.MustCompile(`(?m)^reprovm: retired (\d+) instructions in \S+s \(\S+ MIPS\)$`)

// retired returns the instruction count from the stderr report line.
func retired(t *testing.T, r cliResult) uint64 {
	t.Helper()
	m := retiredRE.FindStringSubmatch(r.stderr)
	if m == nil {
		t.Fatalf("no retired-instruction line on stderr:\n%s", r.stderr)
	}
	n, err := strconv.ParseUint(m[1], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (r cliResult) check(t *testing.T, wantCode int, wantStdout string) {
	t.Helper()
	if r.code != wantCode || r.stdout != wantStdout {
		t.Fatalf("exit %d, stdout %q; want exit %d, stdout %q\nstderr:\n%s", r.code, r.stdout, wantCode, wantStdout, r.stderr)
	}
}

func TestRunELFPass(t *testing.T) {
	elf := tohostProg(t, "pass.elf", "-DTOHOST_VALUE=1")
	r := runCLI(t.Context(), "run", "--elf", elf)
	r.check(t, exitOK, "PASS\n")
	if n := retired(t, r); n == 0 {
		t.Errorf("retired 0 instructions for a program that stores to tohost")
	}
}

func TestRunELFFail(t *testing.T) {
	elf := tohostProg(t, "fail.elf", "-DTOHOST_VALUE=(3<<1|1)")
	r := runCLI(t.Context(), "run", "--elf", elf)
	r.check(t, exitTestFailed, "FAIL test 3\n")
	retired(t, r)
}

func TestRunELFLimit(t *testing.T) {
	elf := tohostProg(t, "spin.elf") // never writes tohost
	r := runCLI(t.Context(), "run", "--elf", elf, "--max-insns", "1000")
	r.check(t, exitLimit, "")
	if n := retired(t, r); n != 1000 {
		t.Errorf("retired %d instructions, want exactly the --max-insns budget of 1000", n)
	}
	if !strings.Contains(r.stderr, "--max-insns 1000") {
		t.Errorf("stderr does not name the limit:\n%s", r.stderr)
	}
}

// TestRunELFDeterministic is the promise: two runs of the same
// program retire exactly the same number of instructions.
func TestRunELFDeterministic(t *testing.T) {
	elf := demoProg(t)
	first := runCLI(t.Context(), "run", "--elf", elf)
	first.check(t, exitOK, "PASS\n")
	second := runCLI(t.Context(), "run", "--elf", elf)
	second.check(t, exitOK, "PASS\n")
	if a, b := retired(t, first), retired(t, second); a != b {
		t.Errorf("two runs of the demo retired %d and %d instructions", a, b)
	}
}

// TestRunELFRAM checks that --ram reaches the machine: the demo fits in
// 1 MiB but its loadable segment does not fit in 4 KiB.
func TestRunELFRAM(t *testing.T) {
	elf := demoProg(t)
	runCLI(t.Context(), "run", "--elf", elf, "--ram", "1M").check(t, exitOK, "PASS\n")
	r := runCLI(t.Context(), "run", "--elf", elf, "--ram", "4K")
	r.check(t, exitError, "")
	if !strings.Contains(r.stderr, elf) {
		t.Errorf("error does not name the file:\n%s", r.stderr)
	}
}

func TestRunELFInterrupt(t *testing.T) {
	elf := tohostProg(t, "spin.elf")
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(50*time.Millisecond, cancel)
	r := runCLI(ctx, "run", "--elf", elf, "--max-insns", "0")
	r.check(t, exitInterrupted, "")
	if !strings.Contains(r.stderr, "interrupted") {
		t.Errorf("stderr does not say the run was interrupted:\n%s", r.stderr)
	}
}

// TestRunErrors covers the failures that happen before the machine runs;
// each must exit 3 and say what is wrong.
func TestRunErrors(t *testing.T) {
	self, err := os.Executable() // an ELF, but not a RISC-V test program
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want []string // substrings of stderr
	}{
		{"elf with command", []string{"run", "--elf", "x.elf", "--", "make"}, []string{"takes no command"}},
		{"missing file", []string{"run", "--elf", "testdata/missing.elf"},
			[]string{"testdata/missing.elf", "no such file", "expected a static"}},
		{"not an ELF", []string{"run", "--elf", "testdata/tohost.S"},
			[]string{"testdata/tohost.S", "not an ELF file", "expected a static"}},
		{"host ELF", []string{"run", "--elf", self}, []string{self, "expected a static"}},
		{"bad ram", []string{"run", "--elf", "x.elf", "--ram", "256MB"}, []string{"--ram", `unknown suffix "MB"`}},
		{"bad max-insns", []string{"run", "--elf", "x.elf", "--max-insns", "-1"}, []string{"--max-insns"}},
		{"unknown flag", []string{"run", "--elfs", "x.elf"}, []string{"unknown flag: --elfs"}},
		{"unknown command", []string{"boot"}, []string{`unknown command "boot"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t.Context(), tt.args...)
			r.check(t, exitError, "")
			for _, w := range tt.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr does not contain %q:\n%s", w, r.stderr)
				}
			}
		})
	}
}

func TestRunNoTohost(t *testing.T) {
	elf := tohostProg(t, "notohost.elf", "-DNO_TOHOST")
	r := runCLI(t.Context(), "run", "--elf", elf)
	r.check(t, exitError, "")
	if want := elf + ": no tohost symbol; expected a static"; !strings.Contains(r.stderr, want) {
		t.Errorf("stderr does not contain %q:\n%s", want, r.stderr)
	}
}

func TestVersion(t *testing.T) {
	r := runCLI(t.Context(), "version")
	if r.code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"reprovm " + version.Version + "\n", "emulator " + machine.EmulatorVersion + "\n"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout does not contain %q:\n%s", want, r.stdout)
		}
	}
}

func TestRunHelpListsExitStatus(t *testing.T) {
	r := runCLI(t.Context(), "run", "--help")
	r.check(t, exitOK, r.stdout)
	for _, want := range []string{"Exit status with --elf:", "  0 ", "  1 ", "  2 ", "  3 ", "  130 ", "0 means no limit",
		"Exit status in this mode", "  124 ", "  125 "} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("run --help does not contain %q:\n%s", want, r.stdout)
		}
	}
}

// TestRunVMErrors covers the Linux mode's usage errors, which must fail
// before anything boots, with status 125 and a message saying what to do.
func TestRunVMErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"no command", []string{"run"}, []string{"no command", "reprovm run -- sh -c"}},
		{"missing drive", []string{"run", "--drive", "testdata/missing.img", "--", "true"}, []string{"--drive", "testdata/missing.img", "no such file"}},
		{"bad drive mode", []string{"run", "--drive", "testdata/link.ld:wo", "--", "true"}, []string{"want PATH, PATH:ro or PATH:rw"}},
		{"out not empty", []string{"run", "--out", "testdata", "--", "true"}, []string{"--out testdata", "not empty"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t.Context(), tt.args...)
			r.check(t, exitVMFailed, "")
			for _, w := range tt.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr does not contain %q:\n%s", w, r.stderr)
				}
			}
		})
	}
}
