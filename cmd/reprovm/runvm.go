package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/reprovm/reprovm/builder"
	"github.com/reprovm/reprovm/guest"
	"github.com/reprovm/reprovm/images"
	"github.com/reprovm/reprovm/internal/scratch"
)

// Exit statuses of `reprovm run -- COMMAND` besides the command's own
// (0..255): the conventions of timeout(1) and docker run, so that a script
// can tell reprovm's failures from the command's.
const (
	exitVMLimit  = 124 // the guest did not power off within --max-insns
	exitVMFailed = 125 // reprovm could not run the command: boot chain, kernel panic, bad flags
)

// vmFlags are the flags of the Linux mode of `reprovm run`.
type vmFlags struct {
	drives                   []string
	out                      string
	quiet                    bool
	kernel, initrd, firmware string
	appendArgs, dtbOut       string
	env                      []string
	dir                      string
	image                    string
	saveSnapshot             string
	snapshotAt               uint64
	fromSnapshot             string
	noSnapshot               bool
	translate                bool
	translateCache           string
	checkpointEvery          uint64
	transcript               string
	meterEvery               time.Duration
}

// addVMFlags registers the Linux-mode flags on cmd.
func addVMFlags(cmd *cobra.Command, v *vmFlags) {
	fl := cmd.Flags()
	fl.StringArrayVar(&v.drives, "drive", nil, "attach host file `PATH[:ro|:rw]` as the next input drive, mounted at /mnt/N in the guest (read-only unless :rw; repeatable)")
	fl.StringVar(&v.out, "out", "", "copy the files the command leaves in /out to host `DIR` (must not exist or be empty)")
	fl.BoolVarP(&v.quiet, "quiet", "q", false, "do not stream the guest console or the progress meter to stderr")
	addMeterFlag(cmd, &v.meterEvery)
	fl.StringArrayVarP(&v.env, "env", "e", nil, "set `KEY=VALUE` in the command's environment (repeatable)")
	fl.StringVar(&v.dir, "workdir", "", "the command's working `DIR` in the guest (default /)")
	fl.StringVar(&v.image, "image", "", "run the command in `IMAGE`: a built-in image name (go, rust-wasm; built on first use), an image CID in the local store, or a directory from reprovm image build (root read-only under a tmpfs overlay, the image's environment)")
	fl.StringVar(&v.kernel, "kernel", "", "expert: boot this flat RISC-V Image `FILE` instead of the pinned Debian kernel")
	fl.StringVar(&v.initrd, "initrd", "", "expert: use this initramfs `FILE` instead of reprovm's (it must run the job itself)")
	fl.StringVar(&v.firmware, "firmware", "", "expert: use this OpenSBI fw_dynamic.bin `FILE` instead of the pinned one")
	fl.StringVar(&v.appendArgs, "append", "", "expert: add `ARGS` to the kernel command line")
	fl.StringVar(&v.dtbOut, "dtb-out", "", "expert: write the machine's device tree blob to `FILE`")
	fl.StringVar(&v.saveSnapshot, "save-snapshot", "", "write the machine's state to `FILE` at power-off, or at --snapshot-at")
	fl.Uint64Var(&v.snapshotAt, "snapshot-at", 0, "with --save-snapshot: stop when `N` instructions have retired (counted from boot) and save the snapshot then")
	fl.BoolVar(&v.noSnapshot, "no-snapshot", false, "with --image: boot from scratch instead of starting from the image's ready snapshot (made on first use and kept in the cache; same result, slower)")
	fl.BoolVar(&v.translate, "translate", false, "run hot guest code translated to WebAssembly (faster on amd64 and arm64; the same result)")
	addTranslateCacheFlag(cmd, &v.translateCache)
	fl.Uint64Var(&v.checkpointEvery, "checkpoint-every", 0, "take a state root of the whole machine every `N` instructions after the ready point (and there, and at the end); with --transcript")
	fl.StringVar(&v.transcript, "transcript", "", "write the (instret, state root) pairs of --checkpoint-every to `FILE` as JSON")
	fl.StringVar(&v.fromSnapshot, "from-snapshot", "", "resume from a snapshot `FILE` instead of booting; give the same command, --drive, --image, --env, --workdir, --ram and expert flags as the run that saved it")
}

// runVM boots Linux and runs argv, exiting with its status.
func runVM(cmd *cobra.Command, f runFlags, argv []string) error {
	if len(argv) == 0 {
		return &statusError{code: exitVMFailed, msg: "no command: give one after --, for example: reprovm run -- sh -c 'echo hello'"}
	}
	if f.vm.out != "" {
		if err := checkOutDir(f.vm.out); err != nil {
			return &statusError{code: exitVMFailed, msg: err.Error()}
		}
	}
	trDir, err := translateCacheDir(f.vm.translate, f.vm.translateCache)
	if err != nil {
		return &statusError{code: exitVMFailed, msg: err.Error()}
	}
	spec := builder.RunSpec{
		Argv:     argv,
		Env:      f.vm.env,
		Dir:      f.vm.dir,
		RAMSize:  uint64(f.ram),
		MaxInsns: f.maxInsns,
		Kernel:   f.vm.kernel,
		Initrd:   f.vm.initrd,
		Firmware: f.vm.firmware,
		Append:   f.vm.appendArgs,
		DTBOut:   f.vm.dtbOut,
		Fetcher:  &images.Fetcher{Progress: cmd.ErrOrStderr()},

		SaveSnapshot: f.vm.saveSnapshot,
		SnapshotAt:   f.vm.snapshotAt,
		FromSnapshot: f.vm.fromSnapshot,

		Translate:       f.vm.translate,
		TranslateCache:  trDir,
		CheckpointEvery: f.vm.checkpointEvery,
	}
	if (f.vm.checkpointEvery == 0) != (f.vm.transcript == "") {
		return &statusError{code: exitVMFailed, msg: "--checkpoint-every N and --transcript FILE go together"}
	}
	if f.vm.snapshotAt != 0 && f.vm.saveSnapshot == "" {
		return &statusError{code: exitVMFailed, msg: "--snapshot-at needs --save-snapshot FILE"}
	}
	if f.maxInsns == 0 {
		spec.MaxInsns = unlimitedInsns
	}
	if f.vm.image != "" {
		dir, c, err := resolveImage(cmd, f.vm.image)
		if err != nil {
			return &statusError{code: exitVMFailed, msg: err.Error()}
		}
		spec.Image = dir
		// The image's ready snapshot, unless the run is one of the
		// snapshot flags' or boots other files than the image's.
		if !f.vm.noSnapshot && spec.FromSnapshot == "" && spec.SaveSnapshot == "" &&
			spec.Kernel == "" && spec.Initrd == "" && spec.Firmware == "" {
			if err := spec.SetReadySnapshot(spec.Fetcher, c); err != nil {
				return &statusError{code: exitVMFailed, msg: err.Error()}
			}
		}
	}
	console := &lineEnd{w: cmd.ErrOrStderr()}
	if !f.vm.quiet {
		spec.Console, spec.BootConsole = console, console
		spec.Meter, spec.MeterEvery = cmd.ErrOrStderr(), f.vm.meterEvery
	}
	if spec.ReadySnapshot != "" {
		if _, err := os.Stat(spec.ReadySnapshot); err != nil {
			fmt.Fprintf(cmd.ErrOrStderr(), "reprovm: no ready snapshot of this image yet: booting it once (with its warm-up), then saving %s\n", spec.ReadySnapshot)
		}
	}
	for _, d := range f.vm.drives {
		in, err := parseDrive(d)
		if err != nil {
			return &statusError{code: exitVMFailed, msg: err.Error()}
		}
		spec.Inputs = append(spec.Inputs, in)
	}
	res, err := builder.Run(cmd.Context(), spec)
	if err != nil {
		if cmd.Context().Err() != nil {
			return &statusError{code: exitInterrupted, msg: fmt.Sprintf("interrupted: %v", err)}
		}
		code := exitVMFailed
		var be *builder.Error
		if errors.As(err, &be) && be.Limit {
			code = exitVMLimit
		}
		return &statusError{code: code, msg: err.Error()}
	}
	if console.mid { // a run paused in the middle of a console line
		fmt.Fprintln(cmd.ErrOrStderr())
	}
	ran := res.Instret - res.StartInstret
	resumed := ""
	if res.StartInstret != 0 {
		resumed = fmt.Sprintf(" (%d after the snapshot)", ran)
	}
	if res.Paused {
		fmt.Fprintf(cmd.ErrOrStderr(), "reprovm: snapshot at %d instructions%s written to %s (resume with --from-snapshot) after %.3fs (%.1f MIPS)\n",
			res.Instret, resumed, f.vm.saveSnapshot, res.Wall.Seconds(), mips(ran, res.Wall))
		return nil
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "reprovm: exit status %d; retired %d instructions%s%s in %.3fs (%.1f MIPS)\n",
		res.ExitStatus, res.Instret, resumed, copySplit(res), res.Wall.Seconds(), mips(ran, res.Wall))
	if f.vm.saveSnapshot != "" {
		fmt.Fprintf(cmd.ErrOrStderr(), "reprovm: snapshot at power-off written to %s\n", f.vm.saveSnapshot)
	}
	if t := res.Transcript; t != nil {
		b, err := t.Marshal()
		if err != nil {
			return &statusError{code: exitVMFailed, msg: err.Error()}
		}
		if err := builder.WriteFileAtomic(f.vm.transcript, append(b, '\n')); err != nil {
			return &statusError{code: exitVMFailed, msg: fmt.Sprintf("--transcript: %v", err)}
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "reprovm: %d state roots written to %s; final %s\n", len(t.Checkpoints), f.vm.transcript, t.Final().Root)
	}
	if f.vm.out != "" {
		if err := extractOut(f.vm.out, res.Files); err != nil {
			return &statusError{code: exitVMFailed, msg: err.Error()}
		}
	}
	if res.ExitStatus != 0 {
		return &statusError{code: res.ExitStatus}
	}
	return nil
}

// lineEnd passes the guest console on and remembers whether it stopped in
// the middle of a line, so that reprovm's own report starts a line.
type lineEnd struct {
	w   io.Writer
	mid bool
}

func (l *lineEnd) Write(p []byte) (int, error) {
	if len(p) > 0 {
		l.mid = p[len(p)-1] != '\n'
	}
	return l.w.Write(p)
}

// parseDrive parses --drive PATH[:ro|:rw].
func parseDrive(s string) (builder.InputDrive, error) {
	in := builder.InputDrive{Path: s}
	if p, mode, ok := strings.Cut(s, ":"); ok {
		switch mode {
		case "ro":
			in.Path = p
		case "rw":
			in.Path, in.Writable = p, true
		default:
			return in, fmt.Errorf("--drive %q: want PATH, PATH:ro or PATH:rw", s)
		}
	}
	if _, err := os.Stat(in.Path); err != nil {
		return in, fmt.Errorf("--drive: %w", err)
	}
	return in, nil
}

// checkOutDir accepts a --out directory that does not exist yet or is empty.
func checkOutDir(dir string) error {
	ents, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("--out %s: %w", dir, err)
	case len(ents) > 0:
		return fmt.Errorf("--out %s: the directory is not empty; give a new or empty directory", dir)
	}
	return nil
}

// extractOut writes the output files into a temporary directory beside dir
// and renames it into place, so a failure leaves no partial output.
func extractOut(dir string, files []guest.File) error {
	parent := filepath.Dir(filepath.Clean(dir))
	if _, err := scratch.RemoveStale(parent, ".reprovm-out-"); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	td, err := scratch.MkdirTemp(parent, ".reprovm-out-")
	if err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	defer td.Release()
	tmp := td.Path
	if err := guest.ExtractOutput(tmp, files); err != nil {
		os.RemoveAll(tmp)
		return fmt.Errorf("--out %s: %w", dir, err)
	}
	// MkdirTemp makes the directory 0700; --out is an ordinary directory.
	if err := os.Chmod(tmp, 0o755); err != nil {
		os.RemoveAll(tmp)
		return fmt.Errorf("--out %s: %w", dir, err)
	}
	if err := os.Remove(dir); err != nil && !errors.Is(err, os.ErrNotExist) {
		os.RemoveAll(tmp)
		return fmt.Errorf("--out %s: %w", dir, err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		os.RemoveAll(tmp)
		return fmt.Errorf("--out %s: %w", dir, err)
	}
	return nil
}
