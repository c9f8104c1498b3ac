package builder

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/reprovm/reprovm/guest/proto"
	"github.com/reprovm/reprovm/images"
	"github.com/reprovm/reprovm/internal/rvtest"
)

// BenchmarkBoot boots the pinned kernel with reprovm's initramfs and runs
// `true`, in reprovm and in QEMU (virt, one hart, the same firmware, kernel,
// initramfs and command line; with -icount shift=0 and as plain TCG) in the
// same run. It reports the wall times, the ratios, and reprovm's instructions to the first
// instruction of /init and to power-off. Run it with make bench-boot.
func BenchmarkBoot(b *testing.B) {
	qemu := rvtest.Tool(b, "qemu-system-riscv64")
	ctx := context.Background()
	spec := RunSpec{Argv: []string{"true"}}

	files, err := (&images.Fetcher{}).Boot(ctx)
	if err != nil {
		b.Fatal(err)
	}
	bootRec, err := (&proto.Boot{}).Marshal()
	if err != nil {
		b.Fatal(err)
	}
	boot, err := bootImages(ctx, spec, nil, bootRec)
	if err != nil {
		b.Fatal(err)
	}
	jobDrive, err := proto.EncodeJobDrive(&proto.Job{Argv: spec.Argv})
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	initrd := filepath.Join(dir, "initrd.cpio")
	if err := os.WriteFile(initrd, boot.Initrd, 0o644); err != nil {
		b.Fatal(err)
	}
	jobImg := filepath.Join(dir, "job.img")
	if err := os.WriteFile(jobImg, jobDrive, 0o644); err != nil {
		b.Fatal(err)
	}
	outImg := filepath.Join(dir, "out.img")

	var reprovm, qemuWall, tcgWall time.Duration
	var res *Result
	for b.Loop() {
		if res, err = Run(ctx, spec); err != nil {
			b.Fatal(err)
		}
		reprovm += res.Wall

		// QEMU twice: with -icount shift=0 (one instruction per ns, as
		// deterministic as QEMU gets) and plain TCG (its fastest).
		for i, icount := range [][]string{{"-icount", "shift=0,sleep=off"}, nil} {
			if err := os.WriteFile(outImg, make([]byte, 64<<20), 0o644); err != nil {
				b.Fatal(err)
			}
			v := &rvtest.Virt{RAM: "2G", Firmware: files.Firmware, Kernel: files.Kernel, Initrd: initrd, Append: boot.Bootargs,
				Console: []string{"-nographic"}, Extra: icount}
			v.Drive("job", jobImg, proto.JobSerial, false)
			v.Drive("out", outImg, proto.OutSerial, true)
			start := time.Now()
			if out, err := exec.CommandContext(ctx, qemu, v.Args()...).CombinedOutput(); err != nil {
				b.Fatalf("qemu: %v\n%s", err, out)
			}
			if i == 0 {
				qemuWall += time.Since(start)
			} else {
				tcgWall += time.Since(start)
			}
		}
	}
	n := float64(b.N)
	b.ReportMetric(reprovm.Seconds()/n, "reprovm-s/op")
	b.ReportMetric(qemuWall.Seconds()/n, "qemu-s/op")
	b.ReportMetric(tcgWall.Seconds()/n, "qemu-tcg-s/op")
	b.ReportMetric(reprovm.Seconds()/tcgWall.Seconds(), "reprovm/qemu-tcg")
	b.ReportMetric(reprovm.Seconds()/qemuWall.Seconds(), "reprovm/qemu")
	b.ReportMetric(float64(res.InitInstret)/1e6, "Minsns-to-init")
	b.ReportMetric(float64(res.Instret)/1e6, "Minsns-to-poweroff")
	b.ReportMetric(float64(res.Instret)/reprovm.Seconds()*n/1e6, "MIPS")
}
