package guest_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/reprovm/reprovm/guest"
	"github.com/reprovm/reprovm/guest/proto"
	"github.com/reprovm/reprovm/images"
	"github.com/reprovm/reprovm/images/erofs"
	"github.com/reprovm/reprovm/images/initramfs"
	"github.com/reprovm/reprovm/internal/rvtest"
)

// kernelArgs is the default kernel command line of issue 3 (fast boot).
const kernelArgs = "console=ttyS0 quiet no4lvl cryptomgr.notests=1 initcall_blacklist=jent_mod_init"

// moduleGroup names the filesystem that needs a boot module; the others
// load at every boot. (To move next to images.BootModules.)
var moduleGroup = map[string]string{
	"squashfs":  "squashfs",
	"libcrc32c": "erofs", "erofs": "erofs",
	"crc16": "ext4", "mbcache": "ext4", "jbd2": "ext4", "ext4": "ext4",
}

// bootInitramfs builds the initramfs from the committed init, Debian's
// busybox and the boot modules, and returns the boot files too.
func bootInitramfs(t *testing.T) (*images.BootFiles, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	boot, err := (&images.Fetcher{}).Boot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	busybox, err := os.ReadFile(boot.Busybox)
	if err != nil {
		t.Fatal(err)
	}
	spec := initramfs.Spec{Init: guest.Init(), Busybox: busybox}
	for _, m := range images.BootModules {
		data, err := os.ReadFile(filepath.Join(boot.ModulesDir, m.Path))
		if err != nil {
			t.Fatal(err)
		}
		mod, err := initramfs.PlainModule(filepath.Base(m.Path), data)
		if err != nil {
			t.Fatal(err)
		}
		mod.Group = moduleGroup[m.Name]
		spec.Modules = append(spec.Modules, mod)
	}
	var buf bytes.Buffer
	if err := initramfs.Build(&buf, spec); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "initramfs.cpio")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return boot, p
}

// runQEMU boots QEMU's virt machine with the boot record rec (nil for an
// empty one; root, if set, is the root drive and rec.Root is set for it),
// the job on a job drive, and the drives: the input slots first, the
// output drive last. It returns the console output. The contents of every
// drive are there from the start, which the init must not mind: it finds
// them by serial and reads the job after the ready point either way. No
// -icount: with sleep=off QEMU warps the guest clock while a virtio
// request is pending on the host (seen: 89 s of guest time for a
// 0.45 G-instruction run), which is stranger than plain real time.
func runQEMU(t *testing.T, boot *images.BootFiles, initrd string, rec *proto.Boot, job *proto.Job, root string, drives ...string) string {
	t.Helper()
	qemu := rvtest.Tool(t, "qemu-system-riscv64")
	if rec == nil {
		rec = &proto.Boot{}
	}
	if root != "" && rec.Root == nil {
		rec.Root = &proto.Root{FS: "erofs"}
	}
	b, err := rec.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	rd, err := os.ReadFile(initrd)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := initramfs.WriteBoot(&buf, b, 0); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	initrd = filepath.Join(dir, "initramfs+boot.cpio")
	if err := os.WriteFile(initrd, append(rd, buf.Bytes()...), 0o644); err != nil {
		t.Fatal(err)
	}
	jobDrive, err := proto.EncodeJobDrive(job)
	if err != nil {
		t.Fatal(err)
	}
	jobImg := filepath.Join(dir, "job.img")
	if err := os.WriteFile(jobImg, jobDrive, 0o644); err != nil {
		t.Fatal(err)
	}
	v := &rvtest.Virt{RAM: "1G", Firmware: boot.Firmware, Kernel: boot.Kernel, Initrd: initrd, Append: kernelArgs,
		Console: []string{"-display", "none", "-serial", "stdio", "-monitor", "none"}}
	for i, d := range drives[:len(drives)-1] {
		v.Drive("in"+string(rune('0'+i)), d, proto.SlotSerial(i), false)
	}
	v.Drive("job", jobImg, proto.JobSerial, false)
	if root != "" {
		v.Drive("root", root, proto.RootSerial, false)
	}
	v.Drive("out", drives[len(drives)-1], proto.OutSerial, true)
	args := v.Args()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	start := time.Now()
	out, err := exec.CommandContext(ctx, qemu, args...).CombinedOutput()
	t.Logf("QEMU ran for %v", time.Since(start).Round(time.Millisecond))
	if err != nil {
		t.Fatalf("qemu: %v\n%s", err, out)
	}
	return string(out)
}

// The acceptance run of issue 3 on QEMU, the reference machine: the
// command's output reaches the console, its exit status and a file it
// wrote to /out come back through the output drive.
func TestQEMURun(t *testing.T) {
	if testing.Short() {
		t.Skip("boots Linux in QEMU")
	}
	mke2fs, err := exec.LookPath("mke2fs")
	if err != nil {
		t.Fatal("mke2fs not found; install it with: apt-get install e2fsprogs")
	}
	boot, initrd := bootInitramfs(t)
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	content := []byte("reprovm input drive\n")
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "somefile"), content, 0o644); err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, "in.img")
	if out, err := exec.Command(mke2fs, "-q", "-t", "ext4", "-d", src, in, "4M").CombinedOutput(); err != nil {
		t.Fatalf("mke2fs: %v\n%s", err, out)
	}
	outImg := filepath.Join(dir, "out.img")
	if err := os.WriteFile(outImg, make([]byte, 1<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	job := &proto.Job{
		Argv:   []string{"sh", "-c", "echo hello; uname -m; sha256sum /mnt/0/somefile > /out/sum.txt; exit 3"},
		Inputs: []proto.Input{{}},
	}
	console := runQEMU(t, boot, initrd, nil, job, "", in, outImg)
	if !strings.Contains(console, "hello\nriscv64\n") {
		t.Errorf("console lacks hello and riscv64:\n%s", console)
	}
	f, err := os.Open(outImg)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	status, files, err := guest.ReadOutput(f)
	if err != nil {
		t.Fatalf("%v\nconsole:\n%s", err, console)
	}
	if status != 3 {
		t.Errorf("status %d, want 3", status)
	}
	sum := sha256.Sum256(content)
	want := hex.EncodeToString(sum[:]) + "  /mnt/0/somefile\n"
	if len(files) != 1 || files[0].Name != "sum.txt" || string(files[0].Data) != want || files[0].Mode != 0o644 {
		t.Errorf("output files %+v, want sum.txt = %q", files, want)
	}
}

// blankDrive creates a zeroed output drive.
func blankDrive(t *testing.T, size int) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "out.img")
	if err := os.WriteFile(p, make([]byte, size), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// The edges of the protocol on QEMU: a job in an appended archive, sh -c
// semantics for a missing command, file modes and symlinks in /out, the
// fixed environment, and an init failure recorded on the output drive.
func TestQEMUEdges(t *testing.T) {
	if testing.Short() {
		t.Skip("boots Linux in QEMU")
	}
	boot, initrd := bootInitramfs(t)

	t.Run("files and environment", func(t *testing.T) {
		out := blankDrive(t, 1<<20)
		job := &proto.Job{Argv: []string{"sh", "-c", `set -e
printf '%s\n' "$PWD" "$TZ" "$SOURCE_DATE_EPOCH" "$EXTRA" > /out/env
mkdir -p /out/bin && printf '#!/bin/sh\n' > /out/bin/tool && chmod 700 /out/bin/tool
ln -s bin/tool /out/link
mkfifo /out/fifo
kill -9 $$`}, Env: []string{"EXTRA=x y", "TZ=Europe/Paris"}, Dir: "/tmp"}
		console := runQEMU(t, boot, initrd, nil, job, "", out)
		f, err := os.Open(out)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		status, files, err := guest.ReadOutput(f)
		if err != nil {
			t.Fatalf("%v\nconsole:\n%s", err, console)
		}
		if status != 128+9 {
			t.Errorf("status %d, want 137 (SIGKILL)", status)
		}
		var got []string
		for _, f := range files {
			got = append(got, f.Name+" "+f.Mode.String()+" "+string(f.Data)+f.Link)
		}
		want := "bin drwxr-xr-x |bin/tool -rwxr-xr-x #!/bin/sh\n|env -rw-r--r-- /tmp\nEurope/Paris\n0\nx y\n|link Lrwxrwxrwx bin/tool"
		if strings.Join(got, "|") != want {
			t.Errorf("files\n%q\nwant\n%q\nconsole:\n%s", strings.Join(got, "|"), want, console)
		}
		if !strings.Contains(console, "/out/fifo: skipped") {
			t.Errorf("console does not report the skipped FIFO:\n%s", console)
		}
	})

	t.Run("not found", func(t *testing.T) {
		out := blankDrive(t, 1<<20)
		console := runQEMU(t, boot, initrd, nil, &proto.Job{Argv: []string{"no-such-command"}}, "", out)
		f, err := os.Open(out)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if status, _, err := guest.ReadOutput(f); err != nil || status != 127 {
			t.Errorf("status %d, %v; want 127\nconsole:\n%s", status, err, console)
		}
	})

	t.Run("init failure", func(t *testing.T) {
		out := blankDrive(t, 1<<20)
		// One input drive promised, none given: slot 0 is missing.
		job := &proto.Job{Argv: []string{"true"}, Inputs: []proto.Input{{}}}
		console := runQEMU(t, boot, initrd, nil, job, "", out)
		f, err := os.Open(out)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		_, _, err = guest.ReadOutput(f)
		var ie *guest.InitError
		if !errors.As(err, &ie) || ie.Stage != proto.StageDrives {
			t.Errorf("ReadOutput: %v, want an InitError at stage drives", err)
		}
		if !strings.Contains(console, "reprovm-init: drives: ") {
			t.Errorf("console lacks the init's message:\n%s", console)
		}
	})

	// The warm-up runs before the ready point and the job sees what it
	// left in /tmp; a failing warm-up is an init failure.
	t.Run("warm-up", func(t *testing.T) {
		out := blankDrive(t, 1<<20)
		rec := &proto.Boot{Warmup: &proto.Command{Argv: []string{"sh", "-c", `echo "warm $W $PWD" > /tmp/warm`}, Env: []string{"W=up"}, Dir: "/out"}}
		job := &proto.Job{Argv: []string{"sh", "-c", "cat /tmp/warm > /out/warm"}}
		console := runQEMU(t, boot, initrd, rec, job, "", out)
		f, err := os.Open(out)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		status, files, err := guest.ReadOutput(f)
		if err != nil || status != 0 || len(files) != 1 || string(files[0].Data) != "warm up /out\n" {
			t.Errorf("status %d, files %+v, %v\nconsole:\n%s", status, files, err, console)
		}
	})
	t.Run("warm-up fails", func(t *testing.T) {
		out := blankDrive(t, 1<<20)
		rec := &proto.Boot{Warmup: &proto.Command{Argv: []string{"sh", "-c", "exit 4"}}}
		console := runQEMU(t, boot, initrd, rec, &proto.Job{Argv: []string{"true"}}, "", out)
		f, err := os.Open(out)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		_, _, err = guest.ReadOutput(f)
		var ie *guest.InitError
		if !errors.As(err, &ie) || ie.Stage != proto.StageWarmup {
			t.Errorf("ReadOutput: %v, want an InitError at stage warm-up\nconsole:\n%s", err, console)
		}
	})
}

// erofsImage writes an EROFS image of entries with the pure-Go writer.
func erofsImage(t *testing.T, entries []erofs.Entry) string {
	t.Helper()
	var buf bytes.Buffer
	if err := erofs.Write(&buf, entries, erofs.Options{BlockSize: 4096}); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "fs.erofs")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// Inputs at mount points of the job's choosing, as reprovm build uses
// them: the source at /src under a writable overlay, a dependency at
// /deps/x read-only, with the initramfs as the root and inside a root
// image (where /deps is an absolute symbolic link that must resolve inside
// the root). The command writes into /src, fails to write into /deps/x,
// and /mnt/<i> keeps showing the inputs unchanged.
func TestQEMUInputMounts(t *testing.T) {
	if testing.Short() {
		t.Skip("boots Linux in QEMU")
	}
	boot, initrd := bootInitramfs(t)
	busybox, err := os.ReadFile(boot.Busybox)
	if err != nil {
		t.Fatal(err)
	}
	src := erofsImage(t, []erofs.Entry{
		{Path: "main.c", Mode: 0o644, Data: []byte("int main;\n")},
		{Path: "sub/readme", Mode: 0o644, Data: []byte("read me\n")},
	})
	dep := erofsImage(t, []erofs.Entry{{Path: "lib.txt", Mode: 0o644, Data: []byte("dep x\n")}})
	rootEntries := []erofs.Entry{
		{Path: "bin/busybox", Mode: 0o755, Data: busybox},
		{Path: "deps", Mode: fs.ModeSymlink | 0o777, Link: "/opt/deps"},
	}
	for _, applet := range []string{"sh", "cat", "echo", "find", "mkdir", "readlink", "sort"} {
		rootEntries = append(rootEntries, erofs.Entry{Path: "bin/" + applet, Mode: fs.ModeSymlink | 0o777, Link: "busybox"})
	}
	root := erofsImage(t, rootEntries)

	// The source is input 1 in both jobs.
	const script = `set -e
echo built > build.log
echo changed >> main.c
mkdir -p obj && echo o > obj/main.o
if (echo no > /deps/x/new) 2> /out/ro.txt; then echo "wrote to /deps/x"; exit 1; fi
find /src /deps/x | sort > /out/tree.txt
cat /src/main.c /deps/x/lib.txt > /out/cat.txt
find /mnt/1 | sort > /out/mnt1.txt
echo "$PWD" > /out/pwd.txt
`
	want := map[string]string{
		"cat.txt":  "int main;\nchanged\ndep x\n",
		"mnt1.txt": "/mnt/1\n/mnt/1/main.c\n/mnt/1/sub\n/mnt/1/sub/readme\n",
		"pwd.txt":  "/src\n",
		"tree.txt": "/deps/x\n/deps/x/lib.txt\n/src\n/src/build.log\n/src/main.c\n/src/obj\n/src/obj/main.o\n/src/sub\n/src/sub/readme\n",
	}
	for _, tc := range []struct {
		name   string
		job    *proto.Job
		root   string
		drives []string
		extra  string            // more script
		want   map[string]string // more files
	}{
		{
			name: "initramfs root",
			job: &proto.Job{Inputs: []proto.Input{
				{FS: "erofs", Mount: "/deps/x"},
				{FS: "erofs", Mount: "/src", Overlay: true},
			}},
			drives: []string{dep, src},
		},
		{
			name: "root image",
			job: &proto.Job{
				Inputs: []proto.Input{
					{FS: "erofs"}, // the root image again, so that the source is input 1
					{FS: "erofs", Mount: "/src", Overlay: true},
					{Mount: "/deps/x"},
				},
			},
			root:   root,
			drives: []string{root, src, dep},
			extra:  "readlink /deps > /out/root.txt; find /opt >> /out/root.txt\n",
			want:   map[string]string{"root.txt": "/opt/deps\n/opt\n/opt/deps\n/opt/deps/x\n/opt/deps/x/lib.txt\n"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			job := tc.job
			job.Argv = []string{"sh", "-c", script + tc.extra}
			job.Dir = "/src"
			out := blankDrive(t, 1<<20)
			console := runQEMU(t, boot, initrd, nil, job, tc.root, append(tc.drives, out)...)
			f, err := os.Open(out)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			status, files, err := guest.ReadOutput(f)
			if err != nil || status != 0 {
				t.Fatalf("status %d, %v\nconsole:\n%s", status, err, console)
			}
			got := map[string]string{}
			for _, f := range files {
				got[f.Name] = string(f.Data)
			}
			if !strings.Contains(got["ro.txt"], "/deps/x/new: Read-only file system") {
				t.Errorf("writing to /deps/x said %q, want Read-only file system", got["ro.txt"])
			}
			delete(got, "ro.txt")
			wantAll := maps.Clone(want)
			maps.Copy(wantAll, tc.want)
			if !maps.Equal(got, wantAll) {
				t.Errorf("output files\n%q\nwant\n%q\nconsole:\n%s", got, wantAll, console)
			}
		})
	}

	t.Run("mount point missing in a read-only mount", func(t *testing.T) {
		// /deps is read-only and has no y, so /deps/y cannot be made.
		job := &proto.Job{Argv: []string{"true"}, Inputs: []proto.Input{
			{FS: "erofs", Mount: "/deps"},
			{FS: "erofs", Mount: "/deps/y"},
		}}
		out := blankDrive(t, 1<<20)
		console := runQEMU(t, boot, initrd, nil, job, "", dep, src, out)
		f, err := os.Open(out)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		_, _, err = guest.ReadOutput(f)
		var ie *guest.InitError
		if !errors.As(err, &ie) || ie.Stage != proto.StageDrives || !strings.Contains(ie.Message, "mount point /deps/y") {
			t.Errorf("ReadOutput: %v, want an InitError at stage drives about /deps/y\nconsole:\n%s", err, console)
		}
	})
}
