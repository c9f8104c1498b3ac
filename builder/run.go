// Package builder runs commands inside the deterministic machine: it
// fetches the boot chain by hash, builds the initramfs with reprovm's guest
// init, boots Debian's kernel through OpenSBI, and collects the command's
// exit status and /out files from the output drive.
package builder

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/reprovm/reprovm/guest"
	"github.com/reprovm/reprovm/guest/proto"
	"github.com/reprovm/reprovm/images"
	"github.com/reprovm/reprovm/images/initramfs"
	"github.com/reprovm/reprovm/internal/scratch"
	"github.com/reprovm/reprovm/machine"
	"github.com/reprovm/reprovm/meta"
)

// DefaultBootargs is the kernel command line of every run. quiet keeps the
// console for the command; no4lvl skips the Sv57/Sv48 probe; the crypto
// self-tests and the jitter entropy source cost about half a billion
// instructions and give nothing in a deterministic machine; panic=-1 turns
// a kernel panic into a reset, which the host reports, instead of a hang.
const DefaultBootargs = "console=ttyS0 quiet no4lvl cryptomgr.notests=1 initcall_blacklist=jent_mod_init panic=-1"

// DefaultRAMSize is the guest RAM of a run.
const DefaultRAMSize = 2 << 30

// DefaultMaxInsns bounds a run's command (the instructions after the ready
// point): about a minute and a half at 100 MIPS.
const DefaultMaxInsns = 10_000_000_000

// MaxBootInsns bounds the boot: the kernel, the init and the image's
// warm-up, up to the ready point. The go image's warm-up takes tens of
// billions; this is about three hours at 100 MIPS, so that only a warm-up
// that never ends hits it. It is separate from MaxInsns so
// that a command's budget means the same on every image, and the same
// whether the run starts from the ready snapshot or boots.
const MaxBootInsns = 1_000_000_000_000

// OutputDriveSize is the size of the drive /out is archived onto. It is a
// sparse temporary file, so its size costs nothing until written; /out is
// a tmpfs in guest RAM, so the RAM bounds an output long before the drive
// does (1 GiB was once too small for a 3 GB output).
const OutputDriveSize = 64 << 30

// InputDrive is a host file exposed to the guest as a block device in an
// input slot (/dev/vda for the first), mounted at /mnt/<index> when it
// holds a filesystem the guest can detect. The slot's capacity is
// InputSlotSize: the guest reads the file, then zeros up to that size.
type InputDrive struct {
	Path     string
	Writable bool   // read-write drive (the command's writes reach the file)
	FS       string // "raw", "ext4", "squashfs" or "erofs"; "" detects it (DetectFS)
	// Mount, if set, is a second guest path where the drive's filesystem
	// appears (see proto.Input.Mount); Overlay makes it writable under a
	// tmpfs overlay, the writes lost at power-off.
	Mount   string
	Overlay bool
}

// RunSpec is one command to run in the machine.
type RunSpec struct {
	Argv   []string // run directly; use {"sh", "-c", script} for shell syntax
	Env    []string // KEY=VALUE, after proto.BaseEnv
	Dir    string   // working directory in the guest; "" is /
	Inputs []InputDrive
	// Image, if set, is an image directory (images.BuildImage, or one
	// materialised from an image CID): the run boots its kernel, firmware
	// and initramfs, its root.erofs becomes Root, and its environment
	// comes before Env.
	Image string
	// Root, if set, is a filesystem image (EROFS, squashfs or ext4) that
	// becomes the command's root: read-only under a tmpfs overlay, with
	// /proc, /sys, /dev, /tmp, /out and /mnt bound in. It is attached at
	// boot, after the input slots and the job drive.
	Root string
	// Warmup, if set, is run by the guest init before the ready point
	// (see proto.Boot) instead of the image's warm-up, if any; its Env
	// comes after the image's environment.
	Warmup *proto.Command

	RAMSize uint64 // 0: DefaultRAMSize
	// MaxInsns bounds the command: the instructions after the ready point
	// (0: DefaultMaxInsns). The boot before it has its own bound,
	// MaxBootInsns.
	MaxInsns uint64
	// Console receives what the guest prints after the ready point (the
	// command's output); BootConsole what it prints before (the kernel,
	// the warm-up). A run resumed from a ready snapshot has no "before".
	Console     io.Writer
	BootConsole io.Writer
	// Translate runs hot guest code translated to WebAssembly
	// (machine.Config.Translate): the same results, faster.
	Translate bool
	// TranslateCache is the persistent translation cache's directory
	// (machine.Config.TranslateCache); empty for none.
	TranslateCache string
	// Meter, if set, receives a progress meter while the machine runs
	// (progress.go): a line that rewrites itself on a terminal, a plain
	// line every few seconds otherwise. Nothing of it reaches Console or
	// anything hashed. ExpectInsns, if not 0, is the instruction count
	// (from boot) the run is expected to end at, for the meter's ETA;
	// MeterEvery, if not 0, how often it writes (tests).
	Meter       io.Writer
	ExpectInsns uint64
	MeterEvery  time.Duration

	// Experts: replace the boot chain (the image's or the pinned one) or
	// the kernel command line.
	Kernel, Firmware, Initrd string // host paths; "" = the image's or the pinned ones
	Append                   string // added to DefaultBootargs
	// Bootargs, if set, is the whole kernel command line instead of
	// DefaultBootargs and Append (a verification repeats a stamp's).
	Bootargs string
	DTBOut   string // write the device tree here
	// Reference runs the interpreter with its fast paths off
	// (machine.Config.Reference): slower, with the same results.
	Reference bool
	// CheckpointEvery, if not 0, makes the run keep a transcript of state
	// roots (Result.Transcript): at the ready point, every CheckpointEvery
	// instructions after it, and at the end. A run resumed from
	// FromSnapshot starts its transcript where it resumed.
	CheckpointEvery uint64
	// RecordReads makes the run note which byte ranges of each input
	// drive the guest read (Result.InputReads).
	RecordReads bool

	Fetcher *images.Fetcher // nil: a default one (cache under the user cache dir)

	// SaveSnapshot, if set, is a file the machine's state is written to
	// (through a temporary file and a rename): when the retired-instruction
	// count reaches SnapshotAt, after which the run stops (Result.Paused),
	// or when the guest powers off or resets, if SnapshotAt is 0 or that
	// comes first.
	SaveSnapshot string
	SnapshotAt   uint64
	// FromSnapshot, if set, resumes the run from a snapshot SaveSnapshot
	// wrote instead of booting. The spec must describe the same run: the
	// same Argv, Env, Dir, Inputs (the same files; a writable one in the
	// state it had before the first run), Image or Root, boot files,
	// kernel command line and RAMSize (see snapshot.go for what is
	// checked). SnapshotAt and the instruction counts still count from
	// boot, and the console shows only what the guest prints after the
	// snapshot.
	FromSnapshot string
	// onReady, if set, is called at the ready point once the job is
	// attached, with the machine and its configuration; an error ends the
	// run with that error (Bisect takes the machines over there).
	onReady func(m *machine.Machine, cfg machine.Config) error

	// ReadySnapshot, if set, is the file of the snapshot at the ready
	// point of this boot (the image or root, the warm-up, the RAM size and
	// the kernel command line; see proto.Boot): if it exists, Run resumes
	// from it instead of booting; if not, Run boots and saves it there
	// (through a temporary file and a rename) when the guest reaches the
	// ready point, with its CID in ReadySnapshot+".cid". Either way the
	// run then attaches the job and goes on exactly as a boot from
	// scratch would: the same console after the ready point, /out files
	// and instruction count. The caller chooses the file by a key
	// covering all that (see ReadySnapshotKey).
	ReadySnapshot string
}

// Result is what a run produced.
type Result struct {
	ExitStatus  int
	Files       []guest.File
	Instret     uint64 // retired instructions, boot to power-off
	InitInstret uint64 // retired instructions before the first one of /init
	Wall        time.Duration
	// CompileTime is the host time the translator spent compiling (part of
	// Wall, on another goroutine); CompileModules the modules it compiled or
	// found in the cache.
	CompileTime    time.Duration
	CompileModules int
	// Paused says the run stopped at RunSpec.SnapshotAt instructions after
	// saving its snapshot; ExitStatus and Files are then unset.
	Paused bool
	// StartInstret is where this run started: 0 after a boot, the
	// snapshot's count after a resume. Wall covers the instructions from
	// there to Instret.
	StartInstret uint64
	// ReadyInstret is the instruction count of the ready point (0 if the
	// run did not get there, or resumed from a snapshot taken after it).
	ReadyInstret uint64
	// FromReady says the run resumed from RunSpec.ReadySnapshot; SavedReady
	// that it booted and saved it.
	FromReady, SavedReady bool
	// Transcript holds the state roots of RunSpec.CheckpointEvery.
	Transcript *meta.Transcript
	// InputReads lists, per RunSpec.Inputs entry, the byte ranges of it
	// that the guest read (RunSpec.RecordReads).
	InputReads [][]machine.Range
	// CommandInstret counts the instructions from the ready point to the
	// end of the command, CopyInstret those from there to power-off (the
	// copy of /out); both are 0 with an init that does not tell the host
	// where the command ended (proto.Copying).
	CommandInstret, CopyInstret uint64
}

// Error reports a run that did not end with the command's exit status.
type Error struct {
	Reason     string // what went wrong, for a human
	Limit      bool   // the instruction limit was reached
	ExitStatus int    // a build's command exited with this non-zero status
	Console    string // the last lines the guest printed
	Instret    uint64
}

func (e *Error) Error() string {
	msg := e.Reason
	if e.Console != "" {
		msg += "\nlast console output:\n" + e.Console
	}
	return msg
}

// Run boots the machine (or resumes it from spec.FromSnapshot or
// spec.ReadySnapshot) and runs spec's command: the boot goes to the ready
// point, the host attaches the job there, and the run goes on to the
// command's end (runLoop).
func Run(ctx context.Context, spec RunSpec) (*Result, error) {
	if err := spec.check(); err != nil {
		return nil, err
	}
	image, imageEnv, rootID, err := spec.openImage()
	if err != nil {
		return nil, err
	}
	bootJSON, job, err := spec.bootAndJob(image, imageEnv)
	if err != nil {
		return nil, err
	}
	jobJSON, err := job.Marshal()
	if err != nil {
		return nil, err
	}
	boot, err := bootImages(ctx, spec, image, bootJSON)
	if err != nil {
		return nil, err
	}
	drives, err := openRunDrives(&spec, job)
	if err != nil {
		return nil, err
	}
	defer drives.close()

	meter := spec.newProgress()
	console := &phaseConsole{}
	if spec.Console != nil {
		console.post = &lineWriter{w: meter.wrap(spec.Console)}
	}
	if spec.BootConsole != nil {
		console.pre = &lineWriter{w: meter.wrap(spec.BootConsole)}
	}
	defer console.Flush()
	cfg := machine.Config{RAMSize: cmp0(spec.RAMSize, DefaultRAMSize), Console: console, Drives: drives.list,
		Reference: spec.Reference, RecordReads: spec.RecordReads, Translate: spec.Translate, TranslateCache: spec.TranslateCache}
	l := newRunLoop(&spec, cfg, boot, drives, console, rootID, jobJSON)
	if err := l.start(ctx); err != nil {
		return nil, err
	}
	meter.begin(l.m.Instret(), l.attached)
	l.progress = meter
	defer meter.done()
	if err := l.loop(ctx); err != nil {
		return nil, err
	}
	return l.finish()
}

// check refuses a spec whose parts contradict each other.
func (spec *RunSpec) check() error {
	if spec.SnapshotAt != 0 && spec.SaveSnapshot == "" {
		return fmt.Errorf("run: an instruction count to snapshot at (%d) without a file to save the snapshot to", spec.SnapshotAt)
	}
	if spec.ReadySnapshot != "" && spec.FromSnapshot != "" {
		return fmt.Errorf("run: both a ready snapshot (%s) and a snapshot to resume (%s); give one", spec.ReadySnapshot, spec.FromSnapshot)
	}
	if len(spec.Inputs) > proto.InputSlots {
		return fmt.Errorf("run: %d input drives; the machine has %d input slots", len(spec.Inputs), proto.InputSlots)
	}
	if spec.Image != "" && spec.Root != "" {
		return fmt.Errorf("run: both an image (%s) and a root (%s); give one", spec.Image, spec.Root)
	}
	if spec.Image == "" && spec.Root != "" && spec.ReadySnapshot != "" {
		return fmt.Errorf("run: a ready snapshot needs an image, not a bare root (%s)", spec.Root)
	}
	return nil
}

// openImage opens spec.Image, if set, and makes its root filesystem the
// run's root and its environment come before spec.Env. It returns the
// image, its environment and the root's identity for the ready note.
func (spec *RunSpec) openImage() (*images.Image, []string, string, error) {
	if spec.Image == "" {
		return nil, nil, "", nil
	}
	image, err := images.OpenImage(spec.Image)
	if err != nil {
		return nil, nil, "", err
	}
	spec.Root = image.Path(image.Manifest.Root)
	env := image.Manifest.EnvList()
	spec.Env = append(slices.Clone(env), spec.Env...)
	return image, env, "sha256:" + image.Manifest.Root.SHA256, nil
}

// bootAndJob returns the boot record (the root's file system and the
// warm-up) and the job the guest init runs after the ready point.
func (spec *RunSpec) bootAndJob(image *images.Image, imageEnv []string) ([]byte, *proto.Job, error) {
	bootRec := &proto.Boot{}
	if spec.Root != "" {
		fs, err := DetectFS(spec.Root)
		if err != nil {
			return nil, nil, err
		}
		if fs == "raw" {
			return nil, nil, fmt.Errorf("run: root %s: not an EROFS, squashfs or ext4 image", spec.Root)
		}
		bootRec.Root = &proto.Root{FS: fs}
	}
	warmup := spec.Warmup
	if warmup == nil && image != nil {
		warmup = image.Manifest.WarmupCommand()
	}
	if warmup != nil {
		w := *warmup
		w.Env = append(slices.Clone(imageEnv), w.Env...)
		bootRec.Warmup = &w
	}
	bootJSON, err := bootRec.Marshal()
	if err != nil {
		return nil, nil, fmt.Errorf("run: %w", err)
	}
	job := &proto.Job{Argv: spec.Argv, Env: spec.Env, Dir: spec.Dir}
	for _, in := range spec.Inputs {
		fs := in.FS
		if fs == "" {
			if fs, err = DetectFS(in.Path); err != nil {
				return nil, nil, err
			}
		}
		job.Inputs = append(job.Inputs, proto.Input{FS: fs, Mount: in.Mount, Overlay: in.Overlay})
	}
	return bootJSON, job, nil
}

// runDrives are the machine's drives, the same for every job (see
// slot.go): the input slots and the job drive, empty until the ready
// point, the root and the output drive.
type runDrives struct {
	list    []machine.Drive
	slots   []*slotDisk
	job     *slotDisk
	jobData []byte
	out     *readyDisk
	files   []openedInput
	closers []func()
}

// openedInput is an input's file, opened before the boot so that a
// missing one fails early, and attached at the ready point.
type openedInput struct {
	f *os.File
	n int64
}

// openRunDrives makes the drives of spec's run of job; the caller closes
// them.
func openRunDrives(spec *RunSpec, job *proto.Job) (d *runDrives, err error) {
	d = &runDrives{}
	defer func() {
		if err != nil {
			d.close()
		}
	}()
	if d.jobData, err = proto.EncodeJobDrive(job); err != nil {
		return nil, err
	}
	d.slots = make([]*slotDisk, proto.InputSlots)
	for i := range d.slots {
		d.slots[i] = &slotDisk{size: InputSlotSize}
		d.list = append(d.list, machine.Drive{Disk: d.slots[i], Serial: proto.SlotSerial(i)})
	}
	d.job = &slotDisk{size: proto.JobDriveSize}
	d.list = append(d.list, machine.Drive{Disk: d.job, ReadOnly: true, Serial: proto.JobSerial})
	if spec.Root != "" {
		r, closeFn, err := openDrive(InputDrive{Path: spec.Root})
		if err != nil {
			return nil, err
		}
		d.closers = append(d.closers, closeFn)
		r.Serial = proto.RootSerial
		d.list = append(d.list, r)
	}
	// Under the cache dir, locked, so that the 1 GiB sparse file of a run
	// that was killed is found and removed by the next one (scratch).
	tmpDir, err := scratch.CacheDir()
	if err != nil {
		return nil, fmt.Errorf("create output drive: %w", err)
	}
	if _, err := scratch.RemoveStale(tmpDir, "out-"); err != nil {
		return nil, fmt.Errorf("create output drive: %w", err)
	}
	out, err := scratch.CreateTemp(tmpDir, "out-")
	if err != nil {
		return nil, fmt.Errorf("create output drive: %w", err)
	}
	d.closers = append(d.closers, func() { out.Close(); os.Remove(out.Name()) })
	if err := out.Truncate(OutputDriveSize); err != nil {
		return nil, fmt.Errorf("size output drive %s: %w", out.Name(), err)
	}
	outFile, err := machine.NewFileDisk(out.File)
	if err != nil {
		return nil, fmt.Errorf("output drive: %w", err)
	}
	d.out = &readyDisk{FileDisk: outFile}
	d.list = append(d.list, machine.Drive{Disk: d.out, Serial: proto.OutSerial})
	for _, in := range spec.Inputs {
		f, n, err := openInput(in)
		if err != nil {
			return nil, err
		}
		d.closers = append(d.closers, func() { f.Close() })
		d.files = append(d.files, openedInput{f, n})
	}
	return d, nil
}

// attach puts the inputs' files and the job into their drives.
func (d *runDrives) attach(inputs []InputDrive) {
	for i, in := range inputs {
		var w io.WriterAt
		if in.Writable {
			w = d.files[i].f
		}
		d.slots[i].attach(d.files[i].f, w, d.files[i].n)
	}
	d.job.attach(bytes.NewReader(d.jobData), nil, int64(len(d.jobData)))
}

// close closes the files, last opened first, and removes the output drive.
func (d *runDrives) close() {
	for i := len(d.closers) - 1; i >= 0; i-- {
		d.closers[i]()
	}
	d.closers = nil
}

// fileExists reports whether path names an existing file.
func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// runTo runs m until its retired-instruction count reaches end (counted
// from boot, so a resumed run keeps the budget of the whole run) or it
// stops. A machine already at end returns StopLimit without running, or
// the power-off it stopped with.
func runTo(ctx context.Context, m *machine.Machine, end uint64) (machine.Stop, error) {
	if stop, off := m.PoweredOff(); off {
		return stop, nil
	}
	if n := m.Instret(); n < end {
		return m.Run(ctx, end-n)
	}
	return machine.Stop{Reason: machine.StopLimit}, nil
}

// bootImages reads the boot chain (the image's, the pinned one, or the
// expert overrides) and appends the boot record to the initramfs.
func bootImages(ctx context.Context, spec RunSpec, image *images.Image, bootJSON []byte) (*machine.BootConfig, error) {
	var kernel, firmware, initrd []byte
	var err error
	if image != nil {
		m := image.Manifest
		for _, b := range []struct {
			dst  *[]byte
			blob images.ManifestBlob
		}{{&kernel, m.Kernel}, {&firmware, m.Firmware}, {&initrd, m.Initramfs}} {
			if *b.dst, err = image.ReadBlob(b.blob); err != nil {
				return nil, err
			}
		}
	} else if spec.Kernel == "" || spec.Firmware == "" || spec.Initrd == "" {
		f := spec.Fetcher
		if f == nil {
			f = &images.Fetcher{}
		}
		files, err := f.Boot(ctx)
		if err != nil {
			return nil, err
		}
		if kernel, err = readFile("kernel", files.Kernel); err != nil {
			return nil, err
		}
		if firmware, err = readFile("firmware", files.Firmware); err != nil {
			return nil, err
		}
		var buf bytes.Buffer
		if err := files.WriteInitramfs(&buf); err != nil {
			return nil, err
		}
		initrd = buf.Bytes()
	}
	for _, o := range []struct {
		dst        *[]byte
		what, path string
	}{{&kernel, "kernel", spec.Kernel}, {&firmware, "firmware", spec.Firmware}, {&initrd, "initrd", spec.Initrd}} {
		if o.path != "" {
			if *o.dst, err = readFile(o.what, o.path); err != nil {
				return nil, err
			}
		}
	}
	// The boot record rides in a second cpio archive appended to the
	// first (the kernel unpacks both), so the command line stays short.
	buf := bytes.NewBuffer(slices.Clip(initrd))
	if err := initramfs.WriteBoot(buf, bootJSON, 0); err != nil {
		return nil, err
	}
	return &machine.BootConfig{
		Firmware: firmware,
		Kernel:   kernel,
		Initrd:   buf.Bytes(),
		Bootargs: spec.bootargs(),
		RNGSeed:  rngSeed(bootJSON, spec.bootargs()),
		NoBanner: true,
	}, nil
}

// bootargs returns the kernel command line of the run.
func (spec *RunSpec) bootargs() string {
	switch {
	case spec.Bootargs != "":
		return spec.Bootargs
	case spec.Append != "":
		return DefaultBootargs + " " + spec.Append
	}
	return DefaultBootargs
}

// readFile reads a boot file named by the caller.
func readFile(what, path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	return b, nil
}

// rngSeed derives the guest's /chosen/rng-seed from the boot record and
// command line, so that guest entropy is a function of the image and the
// machine (DESIGN.md, determinism rule 4); the init mixes the job in at
// the ready point (guest/init: reseed): 64 bytes, two chained SHA-256 sums.
func rngSeed(boot []byte, bootargs string) []byte {
	h := sha256.New()
	h.Write([]byte("reprovm rng-seed v2\x00"))
	h.Write(boot)
	h.Write([]byte{0})
	h.Write([]byte(bootargs))
	a := h.Sum(nil)
	b := sha256.Sum256(a)
	return append(a, b[:]...)
}

// openDrive opens an input drive's file.
func openDrive(in InputDrive) (machine.Drive, func(), error) {
	flag := os.O_RDONLY
	if in.Writable {
		flag = os.O_RDWR
	}
	f, err := os.OpenFile(in.Path, flag, 0)
	if err != nil {
		return machine.Drive{}, nil, fmt.Errorf("open drive: %w", err)
	}
	d, err := machine.NewFileDisk(f)
	if err != nil {
		f.Close()
		return machine.Drive{}, nil, fmt.Errorf("drive %s: %w", in.Path, err)
	}
	return machine.Drive{Disk: d, ReadOnly: !in.Writable}, func() { f.Close() }, nil
}

// lastLines returns the last n lines of b.
func lastLines(b []byte, n int) string {
	s := strings.TrimRight(string(b), "\n")
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// WriteFileAtomic writes data to a temporary file next to path and renames
// it into place, so a failure leaves nothing half-written.
func WriteFileAtomic(path string, data []byte) error {
	return writeFileWith(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}
