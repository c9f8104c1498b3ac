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

	"github.com/ipfs/go-cid"

	"github.com/reprovm/reprovm/builder/deps"
	"github.com/reprovm/reprovm/guest"
	"github.com/reprovm/reprovm/images"
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
}

// Built is the result of a build.
type Built struct {
	Stamp   *meta.Stamp
	Outputs []BuiltOutput // in the recipe's order
	Log     []byte        // the guest console output, whose SHA-256 the stamp records
	Run     *Result
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

// Build runs the recipe in the machine from content-addressed inputs and
// stamps the outputs.
func Build(ctx context.Context, spec BuildSpec) (*Built, error) {
	r := spec.Recipe
	if err := r.Check(); err != nil {
		return nil, fmt.Errorf("build: recipe: %w", err)
	}
	f := spec.Fetcher
	if f == nil {
		f = &images.Fetcher{Progress: spec.Progress}
	}
	progress := func(format string, args ...any) {
		if spec.Progress != nil {
			fmt.Fprintf(spec.Progress, "reprovm: "+format+"\n", args...)
		}
	}

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

	tmp, err := os.MkdirTemp("", "reprovm-build-*")
	if err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	defer os.RemoveAll(tmp)
	srcImg := filepath.Join(tmp, "src.erofs")
	if err := TreeImage(ctx, spec.Inputs.Store, source, srcImg); err != nil {
		return nil, fmt.Errorf("build: source %s: %w", source, err)
	}
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
		progress("%s %s", what, c)
	}

	var log bytes.Buffer
	console := io.Writer(&log)
	if spec.Console != nil {
		console = io.MultiWriter(&log, spec.Console)
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
		Console:  console,
		Fetcher:  f,
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
	b := &Built{Stamp: st, Log: log.Bytes(), Run: res}
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
	return meta.Provenance(b.Stamp, subjects)
}
