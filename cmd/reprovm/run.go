package main

import (
	"fmt"
	"math"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/reprovm/reprovm/builder"
	"github.com/reprovm/reprovm/machine"
)

// defaultMaxInsns stops a runaway test program after about a minute or two
// at interpreter speed, long after any test in the repository has finished.
const defaultMaxInsns = 10_000_000_000

// unlimitedInsns is the budget used for --max-insns 0. It is 2^63-1 rather
// than 2^64-1 so that adding it to any reachable instruction count cannot
// overflow; at 1000 MIPS it lasts 290 years.
const unlimitedInsns = math.MaxInt64

type runFlags struct {
	elf      string
	ram      ramSize
	maxInsns uint64
	vm       vmFlags
}

func newRunCmd() *cobra.Command {
	f := runFlags{maxInsns: defaultMaxInsns}
	cmd := &cobra.Command{
		Use:   "run [flags] -- COMMAND [ARGS...]\n  reprovm run --elf FILE [flags]",
		Short: "Run a command in Linux on the machine, or a bare-metal test program",
		Long: fmt.Sprintf(`Run a command inside the deterministic machine.

reprovm run -- COMMAND boots Debian's riscv64 kernel (linux-image
6.12.107+deb13, fetched by sha256 into the user cache on first use) through
OpenSBI, with reprovm's guest init and busybox in the initramfs, and runs
COMMAND in it (directly; use sh -c for shell syntax). The guest console goes
to stderr. The command sees a fixed environment (HOME=/root, PATH of
/usr/bin and /bin, TZ=UTC, LANG=C.UTF-8, SOURCE_DATE_EPOCH=0, plus --env),
input drives at /mnt/0, /mnt/1, ... and an empty /out; files it leaves in
/out are copied to --out. Two runs of the same command give the same
console output, instruction count and /out files.

--save-snapshot FILE saves the machine's complete state (registers,
devices, the RAM pages in use, what the guest wrote to its drives) to FILE
when the guest powers off, or, with --snapshot-at N, when N instructions
have retired since boot; the run then stops there and exits 0.
--from-snapshot FILE resumes such a run in a fresh machine instead of
booting: give the same command and flags (--drive files unchanged, a :rw
one as it was before the first run; --ram, --image, --env, --workdir and
the expert flags as before). reprovm refuses a snapshot of a different
command, image, boot chain, RAM size or drive layout, or of another
emulator version. The resumed run prints only what the guest prints after
the snapshot, and ends with the same console output, /out files and
instruction count as a run that was never interrupted; --max-insns still
counts from boot.

Exit status in this mode: the command's own (0-255), or
  124  the guest did not power off within --max-insns instructions
  125  reprovm could not run it (missing boot file, kernel panic, bad flags)
  130  interrupted by SIGINT or SIGTERM

With --elf, reprovm loads FILE (a static RV64 ELF executable linked for RAM
at 0x80000000, with a tohost symbol) into RAM at its link addresses, starts
the hart in M-mode at its entry point and watches the 64-bit word at
tohost, as the riscv-tests environment does. A write of 1 means pass; a
write of N<<1|1 means test N failed. The retired-instruction count goes to
stderr; two runs of the same program retire exactly the same number of
instructions.

Exit status with --elf:
  %d    the program passed (wrote 1 to tohost)
  %d    the program failed: prints "FAIL test N"
  %d    --max-insns instructions retired without a write to tohost
  %d    anything else: bad flags, unreadable or unsuitable FILE, emulator error
  %d  interrupted by SIGINT or SIGTERM`,
			exitOK, exitTestFailed, exitLimit, exitError, exitInterrupted),
		Example: `  reprovm run -- sh -c 'echo hello; uname -m'
  reprovm run --drive src.img --out out -- sh -c 'sha256sum /mnt/0/* > /out/sum.txt'
  reprovm run --save-snapshot boot.snap --snapshot-at 400000000 -- sh -c 'echo hello'
  reprovm run --from-snapshot boot.snap -- sh -c 'echo hello'
  reprovm run --elf rv64ui-p-add
  reprovm run --elf demo.elf --ram 64M --max-insns 1000000`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.elf == "" {
				if !cmd.Flags().Changed("ram") {
					f.ram = builder.DefaultRAMSize
				}
				return runVM(cmd, f, args)
			}
			if len(args) > 0 {
				return fmt.Errorf("--elf runs a test program and takes no command, got %q", args)
			}
			if f.vm.saveSnapshot != "" || f.vm.fromSnapshot != "" || f.vm.snapshotAt != 0 {
				return fmt.Errorf("--save-snapshot, --snapshot-at and --from-snapshot are for running a command in Linux, not with --elf")
			}
			if !cmd.Flags().Changed("ram") {
				f.ram = machine.DefaultRAMSize
			}
			return runELF(cmd, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.elf, "elf", "", "run the bare-metal test program `FILE` (riscv-tests tohost convention)")
	fl.Var(&f.ram, "ram", "RAM `SIZE` in bytes, with an optional binary suffix K, M, G or T (a multiple of 4K; default 2G, or 256M with --elf)")
	fl.Uint64Var(&f.maxInsns, "max-insns", f.maxInsns, "stop after `N` retired instructions (in Linux mode: of the command, counted from the ready point after the boot); 0 means no limit")
	addVMFlags(cmd, &f.vm)
	return cmd
}

// runELF runs one test program and turns its result into the exit status.
func runELF(cmd *cobra.Command, f runFlags) error {
	data, err := os.ReadFile(f.elf)
	if err != nil {
		return fmt.Errorf("--elf: %w; expected %s", err, wantELF)
	}
	if err := checkTestELF(data); err != nil {
		return fmt.Errorf("--elf %s: %v; expected %s", f.elf, err, wantELF)
	}
	budget := f.maxInsns
	if budget == 0 {
		budget = unlimitedInsns
	}
	start := time.Now()
	res, err := machine.RunTest(cmd.Context(), data, machine.Config{RAMSize: uint64(f.ram)}, budget)
	elapsed := time.Since(start)
	if err != nil {
		if cmd.Context().Err() != nil {
			return &statusError{code: exitInterrupted, msg: fmt.Sprintf("%s: interrupted: %v", f.elf, err)}
		}
		return fmt.Errorf("%s: %w", f.elf, err)
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "reprovm: retired %d instructions in %.3fs (%.1f MIPS)\n",
		res.Instret, elapsed.Seconds(), mips(res.Instret, elapsed))
	code, msg := testOutcome(res, f.maxInsns)
	switch code {
	case exitOK, exitTestFailed:
		fmt.Fprintln(cmd.OutOrStdout(), msg)
		if code == exitOK {
			return nil
		}
		return &statusError{code: code}
	default:
		return &statusError{code: code, msg: fmt.Sprintf("%s: %s", f.elf, msg)}
	}
}

// mips is millions of retired instructions per host second. The host clock
// is used only for this report, never inside the machine.
func mips(instret uint64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(instret) / d.Seconds() / 1e6
}
