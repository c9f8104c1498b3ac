package builder

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/reprovm/reprovm/builder/deps"
	"github.com/reprovm/reprovm/guest"
	"github.com/reprovm/reprovm/guest/proto"
	"github.com/reprovm/reprovm/images"
	"github.com/reprovm/reprovm/internal/rvtest"
	"github.com/reprovm/reprovm/ipfsfetch"
)

// BenchmarkGoBuild builds testdata/examples/hello-go (the demo's build) in
// reprovm and in QEMU TCG (virt, one hart, no -icount: QEMU at full
// speed) on the same kernel, initramfs, init, root filesystem, job and
// input drives, in one run (issue 7, "Benchmarks"):
//
//   - warm: the go image as built in, whose ready snapshot carries the
//     standard library compiled for wasip1 (reprovm restores the snapshot;
//     QEMU, which has none, boots and runs the warm-up first);
//   - cold: the go image with an empty warm-up, so the build compiles the
//     standard library itself (reprovm restores that image's ready
//     snapshot, QEMU boots).
//
// It reports the wall time of each, reprovm's guest instructions and
// MIPS, the ratios, the cost of the transcript's state roots (every
// DefaultCheckpointEvery instructions, against a build without), and the
// host's own time for the same `go build`
// (GOOS=wasip1, empty GOCACHE, the host's Go toolchain). Creating the ready
// snapshots is not timed. Run it with make bench-build.
func BenchmarkGoBuild(b *testing.B) {
	ctx := context.Background()
	qemu := rvtest.Tool(b, "qemu-system-riscv64")
	tmp := b.TempDir()
	project := filepath.Join(tmp, "hello-go")
	if err := os.CopyFS(project, os.DirFS("../testdata/examples/hello-go")); err != nil {
		b.Fatal(err)
	}
	store, err := ipfsfetch.OpenStore(filepath.Join(tmp, "store"))
	if err != nil {
		b.Fatal(err)
	}
	gomod := filepath.Join(tmp, "gomod")
	if err := deps.Go(ctx, project, gomod, nil); err != nil {
		b.Fatal(err)
	}
	c, err := store.Import(ctx, gomod, ipfsfetch.ImportOptions{})
	if err != nil {
		b.Fatal(err)
	}
	recipe, err := LoadRecipe(filepath.Join(project, RecipeFile))
	if err != nil {
		b.Fatal(err)
	}
	if recipe.Deps["gomod"] != c.String() {
		b.Fatalf("the module proxy tree is %s, the recipe says %s", c, recipe.Deps["gomod"])
	}
	fetcher := &images.Fetcher{}
	goDir, err := fetcher.BuiltinImage(ctx, "go")
	if err != nil {
		b.Fatal(err)
	}
	coldDir := filepath.Join(tmp, "go-cold")
	copyImage(b, goDir, coldDir, &images.Warmup{Command: []string{"true"}})

	// cold-translated runs with --translate and an empty translation cache
	// (a new one each build), cold-translated-cached with the cache the
	// untimed first build filled.
	for _, v := range []struct {
		name, image       string
		translate, cached bool
	}{{"warm", "go", false, false}, {"cold", coldDir, false, false},
		{"cold-translated", coldDir, true, false}, {"cold-translated-cached", coldDir, true, true}} {
		b.Run(v.name, func(b *testing.B) {
			r := *recipe
			r.Image = v.image
			spec := BuildSpec{Recipe: &r, SourceDir: project, Inputs: Sources{Store: store}, Fetcher: fetcher, Translate: v.translate}
			if v.translate {
				spec.TranslateCache = b.TempDir()
			}
			if _, err := Build(ctx, spec); err != nil { // makes the ready snapshot (and fills the cache)
				b.Fatal(err)
			}
			var built *Built
			var qemuWall, plain, roots, compile time.Duration
			for b.Loop() {
				if v.translate && !v.cached {
					spec.TranslateCache = b.TempDir()
				}
				if built, err = Build(ctx, spec); err != nil {
					b.Fatal(err)
				}
				plain += built.Run.Wall
				compile += built.Run.CompileTime
				if v.name == "warm" { // the cold build is long enough once
					withRoots := spec
					withRoots.CheckpointEvery = DefaultCheckpointEvery
					rb, err := Build(ctx, withRoots)
					if err != nil {
						b.Fatal(err)
					}
					roots += rb.Run.Wall
					b.ReportMetric(float64(len(rb.Transcript.Checkpoints)), "roots")
				}
				qemuWall += runBuildInQEMU(b, qemu, spec)
			}
			if roots > 0 {
				b.ReportMetric(100*(roots.Seconds()-plain.Seconds())/plain.Seconds(), "%roots-overhead")
			}
			n := float64(b.N)
			res := built.Run
			ran := res.Instret - res.StartInstret
			b.ReportMetric(res.Wall.Seconds(), "reprovm-s")
			b.ReportMetric(float64(ran)/1e9, "reprovm-Ginsns")
			b.ReportMetric(float64(ran)/res.Wall.Seconds()/1e6, "MIPS")
			b.ReportMetric(qemuWall.Seconds()/n, "qemu-s")
			b.ReportMetric(res.Wall.Seconds()/(qemuWall.Seconds()/n), "reprovm/qemu")
			if v.translate {
				b.ReportMetric(compile.Seconds()/n, "compile-s")
				b.ReportMetric(float64(res.CompileModules), "modules")
			}
		})
	}
	b.Run("host", func(b *testing.B) {
		for b.Loop() {
			cache := b.TempDir()
			cmd := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(tmp, "host.wasm"), ".")
			cmd.Dir = project
			cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "GOCACHE="+cache, "GOFLAGS=-mod=mod -trimpath",
				"GOPROXY=file://"+gomod, "GOSUMDB=off", "GOMODCACHE="+filepath.Join(cache, "mod"), "GOWORK=off")
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("host go build: %v\n%s", err, out)
			}
		}
		b.ReportMetric(float64(runtime.NumCPU()), "host-cpus")
	})
}

// runBuildInQEMU runs spec's build in qemu-system-riscv64 and returns the
// wall time: the build's boot chain, boot record, job and drives as Run
// lays them out, with every drive's contents there from the start (the
// init reads the job only after its ready point either way).
func runBuildInQEMU(b *testing.B, qemu string, bs BuildSpec) time.Duration {
	b.Helper()
	ctx := context.Background()
	tmp := b.TempDir()
	p, err := bs.plan(ctx, tmp)
	if err != nil {
		b.Fatal(err)
	}
	spec := p.run
	image, err := images.OpenImage(spec.Image)
	if err != nil {
		b.Fatal(err)
	}
	env := image.Manifest.EnvList()
	rec := &proto.Boot{Root: &proto.Root{FS: "erofs"}}
	if w := image.Manifest.WarmupCommand(); w != nil {
		w.Env = append(slices.Clone(env), w.Env...)
		rec.Warmup = w
	}
	bootJSON, err := rec.Marshal()
	if err != nil {
		b.Fatal(err)
	}
	job := &proto.Job{Argv: spec.Argv, Env: append(slices.Clone(env), spec.Env...), Dir: spec.Dir}
	for _, in := range spec.Inputs {
		job.Inputs = append(job.Inputs, proto.Input{FS: in.FS, Mount: in.Mount, Overlay: in.Overlay})
	}
	jobDrive, err := proto.EncodeJobDrive(job)
	if err != nil {
		b.Fatal(err)
	}
	boot, err := bootImages(ctx, spec, image, bootJSON)
	if err != nil {
		b.Fatal(err)
	}
	files := map[string][]byte{"kernel": boot.Kernel, "fw.bin": boot.Firmware, "initrd": boot.Initrd, "job.img": jobDrive}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(tmp, name), data, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	v := &rvtest.Virt{RAM: fmt.Sprint(spec.RAMSize>>20) + "M",
		Firmware: filepath.Join(tmp, "fw.bin"), Kernel: filepath.Join(tmp, "kernel"), Initrd: filepath.Join(tmp, "initrd"),
		Append: boot.Bootargs, Console: []string{"-display", "none", "-serial", "none", "-monitor", "none"}}
	for i, in := range spec.Inputs {
		v.Drive(fmt.Sprint("in", i), in.Path, proto.SlotSerial(i), false)
	}
	v.Drive("job", filepath.Join(tmp, "job.img"), proto.JobSerial, false)
	v.Drive("root", image.Path(image.Manifest.Root), proto.RootSerial, false)
	out := filepath.Join(tmp, "out.img")
	if err := os.WriteFile(out, nil, 0o644); err != nil {
		b.Fatal(err)
	}
	if err := os.Truncate(out, OutputDriveSize); err != nil {
		b.Fatal(err)
	}
	v.Drive("out", out, proto.OutSerial, true)
	start := time.Now()
	if o, err := exec.CommandContext(ctx, qemu, v.Args()...).CombinedOutput(); err != nil {
		b.Fatalf("qemu: %v\n%s", err, o)
	}
	wall := time.Since(start)
	f, err := os.Open(out)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	status, outFiles, err := guest.ReadOutput(f)
	if err != nil || status != 0 || len(outFiles) == 0 {
		b.Fatalf("the build in QEMU: status %d, %d files, %v", status, len(outFiles), err)
	}
	return wall
}
