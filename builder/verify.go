package builder

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/reprovm/reprovm/images"
	"github.com/reprovm/reprovm/internal/version"
	"github.com/reprovm/reprovm/ipfsfetch"
	"github.com/reprovm/reprovm/machine"
	"github.com/reprovm/reprovm/meta"
)

// VerifySpec is one verification: a published file and where the inputs
// its stamp names come from.
type VerifySpec struct {
	// File is the published file's contents: a stamped wasm module.
	File []byte
	// SrcDir, if set, is a local source tree to use when it imports to the
	// stamp's source CID (its reprovm.toml's exclude patterns apply).
	SrcDir  string
	Inputs  Sources
	Fetcher *images.Fetcher // nil for a default one
	// NoSnapshot rebuilds from a fresh boot instead of the image's ready
	// snapshot (BuildSpec.NoSnapshot).
	NoSnapshot bool
	// Translate rebuilds with translation to WebAssembly (BuildSpec.Translate).
	Translate bool
	// TranslateCache is the translation cache (BuildSpec.TranslateCache).
	TranslateCache string
	Console        io.Writer
	Progress       io.Writer
	// Meter is the rebuild's progress meter (RunSpec.Meter), its ETA
	// from the stamp's instruction count.
	Meter      io.Writer
	MeterEvery time.Duration

	// ReadySnapshot, if set, is the ready snapshot file to start from
	// instead of the cache's (BuildSpec.ReadySnapshot; see UseArchive).
	ReadySnapshot string
}

// Verification is the outcome of Verify.
type Verification struct {
	Stamp *meta.Stamp
	// Output is the stamp's entry for the published file.
	Output meta.Output
	// Rebuilt is the rebuild, and RebuiltFile its counterpart of the
	// published file (stamped the same way).
	Rebuilt     *Built
	RebuiltFile []byte
	// Match reports byte equality of the published and rebuilt files.
	Match bool
	// Diff says how they differ (nil on a match).
	Diff *meta.WasmDiff
	// Notes are remarks for the user, such as an ignored --src.
	Notes []string
}

// RecipeOf returns the recipe a stamp records.
func RecipeOf(st *meta.Stamp) *Recipe {
	r := &Recipe{
		Image:    st.Image,
		Command:  st.Argv,
		Workdir:  st.Workdir,
		RAM:      FormatSize(st.Machine.RAMSize),
		MaxInsns: st.Machine.MaxInsns,
		Deps:     st.Deps,
		Env:      map[string]string{},
	}
	for _, kv := range st.Env {
		k, v, _ := bytes.Cut([]byte(kv), []byte("="))
		r.Env[string(k)] = string(v)
	}
	for _, o := range st.Outputs {
		r.Outputs = append(r.Outputs, o.Path)
	}
	return r
}

// Verify reads the stamp of spec.File, obtains every input by CID,
// rebuilds in the machine and compares the result with the file byte for
// byte.
func Verify(ctx context.Context, spec VerifySpec) (*Verification, error) {
	pub, err := meta.ReadPublished(spec.File)
	if err != nil {
		return nil, err
	}
	st, out := pub.Stamp, pub.Output
	var git *Git
	if st.Source.GitCommit != "" {
		git = &Git{URL: st.Source.GitURL, Commit: st.Source.GitCommit}
	}
	v := &Verification{Stamp: st, Output: out}
	if st.Reprovm != version.Version {
		v.Notes = append(v.Notes, fmt.Sprintf("the file was built by reprovm %s; this is reprovm %s (the rebuild's stamp records %s, as the original does)", st.Reprovm, version.Version, st.Reprovm))
	}
	if st.Emulator != machine.EmulatorVersion {
		v.Notes = append(v.Notes, fmt.Sprintf("the stamp was made with emulator %s; this reprovm has %s", st.Emulator, machine.EmulatorVersion))
	}
	source, err := ipfsfetch.ParseCID(st.Source.CID)
	if err != nil {
		return nil, fmt.Errorf("verify: stamp source: %w", err)
	}
	if spec.SrcDir != "" {
		note, err := importSrc(ctx, spec.Inputs.Store, spec.SrcDir, source)
		if err != nil {
			return nil, err
		}
		if note != "" {
			v.Notes = append(v.Notes, note)
		}
	}
	r := RecipeOf(st)
	if err := r.Check(); err != nil {
		return nil, fmt.Errorf("verify: the stamp's recipe: %w", err)
	}
	built, err := Build(ctx, BuildSpec{
		Recipe:          r,
		Source:          source,
		Git:             git,
		Inputs:          spec.Inputs,
		Fetcher:         spec.Fetcher,
		Formats:         pub.Formats,
		Bootargs:        st.Machine.Bootargs,
		CheckpointEvery: st.Machine.CheckpointEvery,
		ToolVersion:     st.Reprovm,
		NoSnapshot:      spec.NoSnapshot,
		Translate:       spec.Translate,
		TranslateCache:  spec.TranslateCache,
		Console:         spec.Console,
		Progress:        spec.Progress,
		Meter:           spec.Meter,
		ExpectInsns:     st.Instret,
		MeterEvery:      spec.MeterEvery,

		ReadySnapshot: spec.ReadySnapshot, // the archive's, when trusted (UseArchive)
	})
	if err != nil {
		return nil, fmt.Errorf("verify: rebuild: %w", err)
	}
	v.Rebuilt = built
	for _, o := range built.Outputs {
		if o.Path == out.Path {
			v.RebuiltFile = o.Data
		}
	}
	if v.RebuiltFile == nil {
		return nil, fmt.Errorf("verify: the rebuild has no output %s", out.Path)
	}
	v.Match = bytes.Equal(v.RebuiltFile, spec.File)
	if !v.Match {
		if v.Diff, err = meta.CompareWasm(spec.File, v.RebuiltFile); err != nil {
			v.Diff = nil
			v.Notes = append(v.Notes, fmt.Sprintf("the published file is not a well-formed wasm module: %v", err))
		}
	}
	return v, nil
}

// importSrc imports a --src directory and reports whether it is the
// stamp's source; a different tree is not an error, the stamp's CID is
// then obtained elsewhere.
func importSrc(ctx context.Context, store *ipfsfetch.Store, dir string, want cid.Cid) (string, error) {
	r := &Recipe{}
	if rr, err := LoadRecipe(filepath.Join(dir, RecipeFile)); err == nil {
		r = rr
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("verify: --src %s: %w", dir, err)
	}
	c, err := r.ImportSource(ctx, store, dir)
	if err != nil {
		return "", fmt.Errorf("verify: --src %s: %w", dir, err)
	}
	if c != want {
		return fmt.Sprintf("--src %s imports to %s, not the stamp's source %s; looking for the stamp's source in the store and gateways", dir, c, want), nil
	}
	return "", nil
}
