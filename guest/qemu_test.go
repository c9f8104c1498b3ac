package guest_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/reprovm/reprovm/guest"
	"github.com/reprovm/reprovm/guest/proto"
	"github.com/reprovm/reprovm/images"
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

// runQEMU boots the job on QEMU's virt machine with the given drives
// (inputs first, the output drive last) and returns the console output.
// The job goes on the kernel command line, or, with inInitrd, in an
// archive appended to the initramfs. No -icount: with sleep=off QEMU
// warps the guest clock while a virtio request is pending on the host
// (seen: 89 s of guest time for a 0.45 G-instruction run), which is
// stranger than plain real time.
func runQEMU(t *testing.T, boot *images.BootFiles, initrd string, job *proto.Job, inInitrd bool, drives ...string) string {
	t.Helper()
	qemu := rvtest.Tool(t, "qemu-system-riscv64")
	var param string
	if inInitrd {
		b, err := job.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		rd, err := os.ReadFile(initrd)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := initramfs.WriteJob(&buf, b, 0); err != nil {
			t.Fatal(err)
		}
		initrd = filepath.Join(t.TempDir(), "initramfs+job.cpio")
		if err := os.WriteFile(initrd, append(rd, buf.Bytes()...), 0o644); err != nil {
			t.Fatal(err)
		}
	} else {
		var err error
		if param, err = job.Cmdline(); err != nil {
			t.Fatal(err)
		}
	}
	args := []string{"-machine", "virt", "-smp", "1", "-m", "1G", "-bios", boot.Firmware,
		"-kernel", boot.Kernel, "-initrd", initrd, "-append", kernelArgs + " " + param,
		"-display", "none", "-serial", "stdio", "-monitor", "none", "-no-reboot"}
	for i, d := range drives {
		id := "d" + string(rune('0'+i))
		ro := ",readonly=on"
		if i == len(drives)-1 {
			ro = ""
		}
		// QEMU gives the first virtio-blk-device the slot the kernel
		// probes first, so drive i is /dev/vd<a+i>.
		args = append(args, "-drive", "file="+d+",format=raw,if=none,id="+id+ro,
			"-device", "virtio-blk-device,drive="+id)
	}
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
	console := runQEMU(t, boot, initrd, job, false, in, outImg)
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
		console := runQEMU(t, boot, initrd, job, true, out)
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
		console := runQEMU(t, boot, initrd, &proto.Job{Argv: []string{"no-such-command"}}, false, out)
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
		// One input drive promised, none given: the only drive is the output.
		job := &proto.Job{Argv: []string{"true"}, Inputs: []proto.Input{{}}}
		console := runQEMU(t, boot, initrd, job, false, out)
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
}
