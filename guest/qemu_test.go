package guest_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
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
		spec.Modules = append(spec.Modules, initramfs.Module{Name: filepath.Base(m.Path), Group: moduleGroup[m.Name], Data: data})
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
func runQEMU(t *testing.T, boot *images.BootFiles, initrd string, job *proto.Job, drives ...string) string {
	t.Helper()
	qemu := rvtest.Tool(t, "qemu-system-riscv64")
	param, err := job.Cmdline()
	if err != nil {
		t.Fatal(err)
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
	mke2fs := rvtest.Tool(t, "mke2fs")
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
	console := runQEMU(t, boot, initrd, job, in, outImg)
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
