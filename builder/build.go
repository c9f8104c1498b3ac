package builder

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/reprovm/reprovm/builder/deps"
	"github.com/reprovm/reprovm/guest"
	"github.com/reprovm/reprovm/images"
	"github.com/reprovm/reprovm/images/erofs"
	"github.com/reprovm/reprovm/internal/scratch"
	"github.com/reprovm/reprovm/internal/version"
	"github.com/reprovm/reprovm/ipfsfetch"
	"github.com/reprovm/reprovm/machine"
	"github.com/reprovm/reprovm/meta"
)

// BuildSpec is one build: a recipe and where its inputs come from.
type BuildSpec struct {
	Recipe *Recipe
	// SourceDir is the project directory, imported into the store (with
	// .git and the recipe's exclude patterns left out) to give the source
	// CID. Ignored when Source is set.
	SourceDir string
	// Source, if defined, is the source CID to build, obtained through
	// Inputs (a verification).
	Source cid.Cid
	// Git is recorded in the stamp when set (see GitState).
	Git *Git
	// Inputs is the store, and the gateways for what it lacks.
	Inputs Sources
	// Fetcher gets the Debian packages of built-in images; nil for a
	// default one.
	Fetcher *images.Fetcher
	// Formats are the interoperable stamp formats to add to wasm outputs.
	Formats []meta.Format
	// Bootargs, if set, replaces DefaultBootargs (a verification repeats
	// the stamp's).
	Bootargs string
	// ToolVersion, if set, is the reprovm version the stamp records
	// instead of this one's: a verification restamps with the version
	// that made the published file, since that field says who built it,
	// not who checked it.
	ToolVersion string
	// CheckpointEvery, if not 0, keeps a transcript of state roots every
	// that many instructions after the ready point (RunSpec.CheckpointEvery);
	// the stamp records the interval, the final root and the transcript's
	// SHA-256. A verification repeats the stamp's interval.
	CheckpointEvery uint64
	// Translate runs hot guest code translated to WebAssembly
	// (RunSpec.Translate): faster on amd64 and arm64, the same result.
	Translate bool
	// TranslateCache is the persistent translation cache's directory
	// (RunSpec.TranslateCache); empty for none.
	TranslateCache string
	// NoSnapshot boots from scratch instead of starting from the image's
	// ready snapshot (made on first use and kept in the cache, see
	// RunSpec.ReadySnapshot). The result is the same either way; the
	// snapshot only skips the boot and the image's warm-up.
	NoSnapshot bool
	// ReadySnapshot, if set, is the ready snapshot file to start from
	// instead of the one in the cache: one from an archive that the user
	// chose to trust, kept out of the cache (VerifySpec.UseArchive).
	ReadySnapshot string
	// Console receives the guest console as the build runs (after the
	// ready point: what the command prints); nil for none.
	Console io.Writer
	// Progress receives what the host is doing; nil for none.
	Progress io.Writer
	// Meter, ExpectInsns and MeterEvery are the run's progress meter
	// (RunSpec.Meter).
	Meter       io.Writer
	ExpectInsns uint64
	MeterEvery  time.Duration
}

// Built is the result of a build.
type Built struct {
	Stamp   *meta.Stamp
	Outputs []BuiltOutput // in the recipe's order
	Log     []byte        // the guest console output, whose SHA-256 the stamp records
	Run     *Result
	// Transcript is the run's state roots (BuildSpec.CheckpointEvery).
	Transcript *meta.Transcript
	// Reads lists the files of the source and dependency trees that the
	// build read, from the machine's record of block reads.
	Reads []meta.FileRead
}

// BuiltOutput is one declared output.
type BuiltOutput struct {
	Path string // guest path, such as /out/app.wasm
	Name string // path below /out, such as app.wasm
	Core []byte // the bytes the build wrote
	// Data is what reprovm publishes: Core with the stamp appended for a
	// wasm module, Core itself for any other file.
	Data []byte
}

// IsWasm reports whether data starts like a WebAssembly binary module.
func IsWasm(data []byte) bool { return bytes.HasPrefix(data, []byte("\x00asm")) }

// DefaultCheckpointEvery is the state-root interval of `reprovm build`:
// 2^28 instructions, about two seconds of machine time, which keeps the
// cost of the roots small (see BenchmarkCheckpointOverhead) while leaving
// bisection a short span to replay.
const DefaultCheckpointEvery = 1 << 28

// plan is a build made ready to run: the machine run, and the
// content-addressed inputs it was made from.
type plan struct {
	run      RunSpec
	imageCID cid.Cid
	source   cid.Cid
	// inputs names each of run.Inputs: "source" or "deps/NAME", with its
	// CID.
	inputs []planInput
	log    *bytes.Buffer // the console after the ready point
}

// planInput is one input drive of a plan.
type planInput struct {
	Name string
	CID  cid.Cid
}

// plan resolves the recipe's image, source and dependencies (from the
// store, the gateways or the built-in images) and lays out the run. The
// EROFS images of the trees go into tmp.
func (spec *BuildSpec) plan(ctx context.Context, tmp string) (*plan, error) {
	r := spec.Recipe
	if err := r.Check(); err != nil {
		return nil, fmt.Errorf("build: recipe: %w", err)
	}
	f := spec.Fetcher
	if f == nil {
		f = &images.Fetcher{Progress: spec.Progress}
	}
	progress := spec.progress

	imageDir, imageCID, err := ResolveImage(ctx, r.Image, spec.Inputs, f)
	if err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	if r.Image == imageCID.String() {
		progress("image %s", imageCID)
	} else {
		progress("image %s (%s)", imageCID, r.Image)
	}

	source := spec.Source
	if !source.Defined() {
		if source, err = r.ImportSource(ctx, spec.Inputs.Store, spec.SourceDir); err != nil {
			return nil, fmt.Errorf("build: source: %w", err)
		}
	} else if err := spec.Inputs.Obtain(ctx, "source", source); err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	progress("source %s", source)

	srcImg := filepath.Join(tmp, "src.erofs")
	if err := TreeImage(ctx, spec.Inputs.Store, source, srcImg); err != nil {
		return nil, fmt.Errorf("build: source %s: %w", source, err)
	}
	p := &plan{imageCID: imageCID, source: source, log: new(bytes.Buffer), inputs: []planInput{{"source", source}}}
	inputs := []InputDrive{{Path: srcImg, FS: "erofs", Mount: SourceMount, Overlay: true}}
	for _, name := range r.DepNames() {
		c, err := ipfsfetch.ParseCID(r.Deps[name])
		if err != nil {
			return nil, fmt.Errorf("build: deps.%s: %w", name, err)
		}
		what := "dependency " + name
		if err := spec.Inputs.Obtain(ctx, what, c); err != nil {
			return nil, fmt.Errorf("build: %w", err)
		}
		img := filepath.Join(tmp, "dep-"+name+".erofs")
		if err := TreeImage(ctx, spec.Inputs.Store, c, img); err != nil {
			return nil, fmt.Errorf("build: %s %s: %w", what, c, err)
		}
		mount, err := deps.GuestDir(name)
		if err != nil {
			return nil, fmt.Errorf("build: %w", err)
		}
		inputs = append(inputs, InputDrive{Path: img, FS: "erofs", Mount: mount})
		p.inputs = append(p.inputs, planInput{"deps/" + name, c})
		progress("%s %s", what, c)
	}

	console := io.Writer(p.log)
	if spec.Console != nil {
		console = io.MultiWriter(p.log, spec.Console)
	}
	run := RunSpec{
		Argv:     r.Command,
		Env:      r.EnvList(),
		Dir:      r.Dir(),
		Inputs:   inputs,
		Image:    imageDir,
		RAMSize:  r.RAMBytes(),
		MaxInsns: r.Insns(),
		Bootargs: spec.Bootargs,
		// A build always records its reads, for the provenance.
		RecordReads:     true,
		Translate:       spec.Translate,
		TranslateCache:  spec.TranslateCache,
		CheckpointEvery: spec.CheckpointEvery,
		Console:         console,
		Fetcher:         f,
		Meter:           spec.Meter,
		ExpectInsns:     spec.ExpectInsns,
		MeterEvery:      spec.MeterEvery,
	}
	if !spec.NoSnapshot {
		if err := run.SetReadySnapshot(f, imageCID); err != nil {
			return nil, fmt.Errorf("build: %w", err)
		}
		if spec.ReadySnapshot != "" {
			run.ReadySnapshot = spec.ReadySnapshot
		}
		if fileExists(run.ReadySnapshot) {
			progress("ready snapshot %s", run.ReadySnapshot)
		} else {
			progress("no ready snapshot of this image yet: booting it once (with its warm-up), then saving %s", run.ReadySnapshot)
		}
	}
	p.run = run
	return p, nil
}

// progress reports what the host is doing.
func (spec *BuildSpec) progress(format string, args ...any) {
	if spec.Progress != nil {
		fmt.Fprintf(spec.Progress, "reprovm: "+format+"\n", args...)
	}
}

// Build runs the recipe in the machine from content-addressed inputs and
// stamps the outputs.
func Build(ctx context.Context, spec BuildSpec) (*Built, error) {
	r := spec.Recipe
	progress := spec.progress
	td, err := scratch.MkdirCacheTemp("build-")
	if err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	defer td.RemoveAll()
	p, err := spec.plan(ctx, td.Path)
	if err != nil {
		return nil, err
	}
	run, log, imageCID, source := p.run, p.log, p.imageCID, p.source

	res, err := Run(ctx, run)
	if err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	if res.SavedReady {
		if c, err := os.ReadFile(run.ReadySnapshot + ".cid"); err == nil {
			progress("saved the ready snapshot (%s), at %d instructions", strings.TrimSpace(string(c)), res.ReadyInstret)
		}
	}
	if res.ExitStatus != 0 {
		return nil, &Error{
			Reason:     fmt.Sprintf("build: the command exited with status %d", res.ExitStatus),
			ExitStatus: res.ExitStatus,
			Console:    lastLines(log.Bytes(), 20),
			Instret:    res.Instret,
		}
	}

	logSum := sha256.Sum256(log.Bytes())
	st := &meta.Stamp{
		Format:   meta.FormatVersion,
		Reprovm:  cmp.Or(spec.ToolVersion, version.Version),
		Emulator: machine.EmulatorVersion,
		Image:    imageCID.String(),
		Source:   meta.Source{CID: source.String()},
		Argv:     r.Command,
		Env:      r.EnvList(),
		Workdir:  r.Dir(),
		Machine: meta.Machine{
			Bootargs: run.bootargs(),
			MaxInsns: r.Insns(),
			RAMSize:  r.RAMBytes(),
		},
		Instret:   res.Instret,
		LogSHA256: hex.EncodeToString(logSum[:]),
	}
	if spec.Git != nil {
		st.Source.GitCommit, st.Source.GitURL = spec.Git.Commit, spec.Git.URL
	}
	if len(r.Deps) > 0 {
		st.Deps = r.Deps
	}
	if t := res.Transcript; t != nil {
		st.Machine.CheckpointEvery = spec.CheckpointEvery
		st.StateRoot = t.Final().Root
		if st.TranscriptSHA256, err = t.SHA256(); err != nil {
			return nil, fmt.Errorf("build: %w", err)
		}
	}
	b := &Built{Stamp: st, Log: log.Bytes(), Run: res, Transcript: res.Transcript}
	if b.Reads, err = p.filesRead(res.InputReads); err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	for _, p := range r.Outputs {
		name, _ := OutputName(p) // checked by Check
		data, err := outputFile(res.Files, name)
		if err != nil {
			return nil, fmt.Errorf("build: output %s: %w", p, err)
		}
		sum := sha256.Sum256(data)
		st.Outputs = append(st.Outputs, meta.Output{Path: p, SHA256: hex.EncodeToString(sum[:]), Size: uint64(len(data))})
		b.Outputs = append(b.Outputs, BuiltOutput{Path: p, Name: name, Core: data, Data: data})
	}
	slices.SortFunc(st.Outputs, func(a, b meta.Output) int { return strings.Compare(a.Path, b.Path) })
	for i, o := range b.Outputs {
		if !IsWasm(o.Core) {
			continue
		}
		if b.Outputs[i].Data, err = meta.StampWasm(o.Core, st, spec.Formats...); err != nil {
			return nil, fmt.Errorf("build: stamp %s: %w", o.Path, err)
		}
	}
	return b, nil
}

// outputFile finds the regular file name among the files the guest left in
// /out.
func outputFile(files []guest.File, name string) ([]byte, error) {
	var have []string
	for _, f := range files {
		if f.Name == name {
			if !f.Mode.IsRegular() {
				return nil, fmt.Errorf("not a regular file (%s)", f.Mode.Type())
			}
			return f.Data, nil
		}
		if f.Mode.IsRegular() {
			have = append(have, "/out/"+f.Name)
		}
	}
	if len(have) == 0 {
		return nil, fmt.Errorf("the build left no file in %s", OutDir)
	}
	return nil, fmt.Errorf("the build did not write it; %s holds %s", OutDir, strings.Join(have, ", "))
}

// Provenance returns the in-toto provenance statement of the build's
// published outputs.
func (b *Built) Provenance() ([]byte, error) {
	var subjects []meta.Subject
	for _, o := range b.Outputs {
		sum := sha256.Sum256(o.Data)
		subjects = append(subjects, meta.Subject{Name: o.Name, SHA256: hex.EncodeToString(sum[:])})
	}
	return meta.Provenance(b.Stamp, subjects, b.Reads)
}

// filesRead maps the byte ranges the guest read from each input drive
// (Result.InputReads) back to the regular files of its tree, through the
// EROFS image's metadata.
func (p *plan) filesRead(reads [][]machine.Range) ([]meta.FileRead, error) {
	var out []meta.FileRead
	for i, ranges := range reads {
		if len(ranges) == 0 || i >= len(p.inputs) {
			continue
		}
		uses, err := mapReads(p.run.Inputs[i].Path, ranges)
		if err != nil {
			return nil, fmt.Errorf("files read from %s: %w", p.inputs[i].Name, err)
		}
		for _, u := range uses {
			if u.Read() > 0 && u.Mode.IsRegular() {
				out = append(out, meta.FileRead{Input: p.inputs[i].Name, CID: p.inputs[i].CID.String(),
					Path: u.Paths[0], Size: u.Size, Read: u.Read()})
			}
		}
	}
	return out, nil
}

// mapReads returns the files of the EROFS image at path that the byte
// ranges touch.
func mapReads(path string, ranges []machine.Range) ([]erofs.FileUse, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	m, err := erofs.ReadMap(f, fi.Size())
	if err != nil {
		return nil, err
	}
	rs := make([]erofs.Range, len(ranges))
	for i, r := range ranges {
		rs[i] = erofs.Range{Off: r.Off, Len: r.Len}
	}
	return m.Files(rs), nil
}
