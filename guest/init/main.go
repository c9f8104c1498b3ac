// Command init is reprovm's guest init: PID 1 in the initramfs. It mounts
// the kernel filesystems, loads the kernel modules listed in
// /modules/order (more on demand), reads the boot record
// (guest/proto.Boot) from /reprovm/boot.json, assembles the root
// filesystem, runs the image's warm-up command, and signals the ready
// point on the output drive. Everything job-specific comes after that
// point, so that one snapshot taken there serves every job: it reads the
// job (guest/proto.Job) from the job drive, mounts the input drives
// read-only and at their own mount points (such as /src and
// /deps/<name>), runs the command with a fixed environment, archives /out
// onto the output drive and powers the machine off.
//
// It is silent when all goes well, so that the console shows only the
// command's output (and the warm-up's, before the ready point). On failure
// it prints "reprovm-init: <stage>: <error>" and, once the output drive is
// reachable, records the failure in the drive's header (state InitFailed,
// code = the stage).
//
// Build it only as documented in package guest: the committed binary
// must be reproducible.
//
//go:build linux

package main

import (
	"fmt"
	"os"
	"syscall"

	"github.com/reprovm/reprovm/guest/proto"
)

func main() {
	if os.Getpid() != 1 {
		fmt.Fprintln(os.Stderr, "reprovm-init: this is the guest init; it runs only as PID 1 inside reprovm's machine")
		os.Exit(2)
	}
	h := run()
	if h.State == proto.InitFailed {
		fmt.Fprintf(os.Stderr, "reprovm-init: %v: %s\n", proto.Stage(h.Code), h.Message)
	}
	if err := writeOutput(h); err != nil {
		fmt.Fprintf(os.Stderr, "reprovm-init: output: %v\n", err)
	}
	syscall.Sync()
	err := syscall.Reboot(syscall.LINUX_REBOOT_CMD_POWER_OFF)
	// Returning from PID 1 panics the kernel, which the host reports.
	fmt.Fprintf(os.Stderr, "reprovm-init: power off: %v\n", err)
	os.Exit(1)
}

// failed returns the header of a failed init stage.
func failed(stage proto.Stage, err error) *proto.Header {
	return &proto.Header{State: proto.InitFailed, Code: int32(stage), Message: err.Error()}
}

// run does everything up to the archive and returns the header to write.
// Output-drive archiving happens in writeOutput, which also handles a
// failed header.
func run() *proto.Header {
	if err := setup(); err != nil {
		return failed(proto.StageSetup, err)
	}
	mods, err := readModules("/modules")
	if err == nil {
		err = mods.load("boot")
	}
	if err != nil {
		return failed(proto.StageModules, err)
	}
	boot, err := readBoot()
	if err != nil {
		return failed(proto.StageJob, err)
	}
	ds, err := findDrives(boot)
	if err != nil {
		return failed(proto.StageDrives, err)
	}
	root, err := setupRoot(boot, ds, mods)
	if err != nil {
		return failed(proto.StageDrives, err)
	}
	if w := boot.Warmup; w != nil {
		h, err := runCommand(w.Argv, w.Env, w.Dir, root)
		if err != nil {
			return failed(proto.StageWarmup, err)
		}
		if h.State != proto.Exited || h.Code != 0 {
			return failed(proto.StageWarmup, fmt.Errorf("the image's warm-up command %q ended with state %d, code %d", w.Argv, h.State, h.Code))
		}
	}
	// The ready point: the host stops the machine inside this write and
	// attaches the job; nothing before it depended on the job.
	if err := signalReady(ds.out); err != nil {
		return failed(proto.StageReady, err)
	}
	job, err := readJob(ds)
	if err != nil {
		return failed(proto.StageJob, err)
	}
	if err := mountInputs(job, ds, mods); err != nil {
		return failed(proto.StageDrives, err)
	}
	if err := bindMnt(root); err != nil {
		return failed(proto.StageDrives, err)
	}
	if err := inputMounts(job, mods, root); err != nil {
		return failed(proto.StageDrives, err)
	}
	h, err := runCommand(job.Argv, job.Env, job.Dir, root)
	if err != nil {
		return failed(proto.StageRun, err)
	}
	return h
}
