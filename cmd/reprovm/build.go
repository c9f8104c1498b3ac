package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/reprovm/reprovm/builder"
	"github.com/reprovm/reprovm/images"
	"github.com/reprovm/reprovm/meta"
)

// Exit statuses of reprovm build and verify besides exitOK, shared with
// run's conventions (timeout(1), docker run) so scripts can tell a failed
// build from a failed reprovm.
const (
	exitBuildFailed = 1 // build: the command exited non-zero; verify: mismatch
	exitNotStamped  = 2 // verify, inspect: the file carries no reprovm stamp, or is unreadable
)

// ProvenanceName and LogName are written beside a build's outputs.
const (
	provenanceName = "provenance.intoto.json"
	logName        = "build.log"
	transcriptName = "transcript.json"
)

// inputFlags are the flags of the commands that obtain inputs by CID.
type inputFlags struct {
	store    storeFlag
	gateways []string
}

func (f *inputFlags) register(cmd *cobra.Command) {
	f.store.register(cmd)
	cmd.Flags().StringArrayVar(&f.gateways, "gateway", nil, "trustless gateway base `URL` for inputs missing from the store (repeatable; default $"+gatewaysEnv+")")
}

func (f *inputFlags) sources(cmd *cobra.Command) (builder.Sources, error) {
	s, err := f.store.open()
	if err != nil {
		return builder.Sources{}, err
	}
	gw := f.gateways
	if len(gw) == 0 {
		gw = envGateways()
	}
	return builder.Sources{Store: s, Gateways: gw, Progress: cmd.ErrOrStderr()}, nil
}

// envGateways reads $REPROVM_GATEWAYS.
func envGateways() []string {
	return strings.FieldsFunc(os.Getenv(gatewaysEnv), func(r rune) bool { return r == ',' || r == ' ' })
}

func newBuildCmd() *cobra.Command {
	var (
		in         inputFlags
		out        string
		image      string
		env        []string
		deps       []string
		workdir    string
		outputs    []string
		ram        string
		maxInsns   uint64
		formats    []string
		quiet      bool
		noSnapshot bool
		every      uint64
		translate  bool
		trCache    string
		meterEvery time.Duration
	)
	cmd := &cobra.Command{
		Use:   "build [flags] [DIR] [-- COMMAND...]",
		Short: "Build a project in the deterministic machine and stamp the outputs",
		Long: `Build the project in DIR (default .) as its ` + builder.RecipeFile + ` declares, inside the
deterministic RISC-V machine, with no network:

  1. import DIR into the local store (.git and the recipe's exclude patterns
     left out) and record its CID, and, for a clean git checkout, the origin
     URL (as https) and the commit;
  2. resolve the image (a built-in name or a CID) and every dependency by CID;
  3. boot the image, with the source at /src (writable; writes are discarded)
     and each dependency read-only at /deps/NAME, and run the command;
  4. stamp each wasm output with a reprovm.build custom section recording
     everything needed to rebuild it (with the final state root and the hash
     of the transcript of state roots), and write the outputs, an in-toto
     SLSA provenance statement (` + provenanceName + `, listing the files
     of the source and dependencies the build actually read), the console
     log (` + logName + `) and the transcript (` + transcriptName + `) to --out.

The recipe (TOML):
  image = "go"                       # built-in name (reprovm image list) or CID
  command = ["go", "build", "-o", "/out/app.wasm", "."]
  workdir = "/src"                   # default /src
  outputs = ["/out/app.wasm"]        # files the command leaves below /out
  ram = "2G"                         # default 2G
  max_insns = 150000000000           # default 150 G
  exclude = ["target"]               # also left out of the source CID
  [env]
  GOOS = "wasip1"
  [deps]
  gomod = "bafy..."                  # reprovm deps go writes this

Flags override the recipe's fields; a COMMAND after -- replaces its command.
stdout gets one line per output: its sha256 and path. Progress and the guest
console go to stderr, with a progress meter while the machine runs (a line
that rewrites itself on a terminal, a plain line every few seconds
otherwise; --quiet silences both).

Exit status: 0 built; 1 the command failed; 124 the instruction limit was
reached; 125 reprovm could not build (bad recipe, missing input, boot
failure); 130 interrupted.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := "."
			var argv []string
			if n := cmd.ArgsLenAtDash(); n >= 0 {
				argv = args[n:]
				args = args[:n]
			}
			if len(args) > 1 {
				return &statusError{code: exitVMFailed, msg: fmt.Sprintf("build: at most one DIR, got %q", args)}
			}
			if len(args) == 1 {
				dir = args[0]
			}
			fail := func(err error) error { return &statusError{code: exitVMFailed, msg: err.Error()} }
			r, err := builder.LoadRecipe(filepath.Join(dir, builder.RecipeFile))
			if err != nil {
				return fail(err)
			}
			if err := overrideRecipe(r, image, env, deps, workdir, outputs, ram, maxInsns, argv); err != nil {
				return fail(err)
			}
			var fs []meta.Format
			for _, name := range formats {
				f, err := meta.ParseFormat(name)
				if err != nil {
					return fail(fmt.Errorf("--stamp-format: %w", err))
				}
				fs = append(fs, f)
			}
			if out == "" {
				out = filepath.Join(dir, builder.DefaultOutDir)
			}
			src, err := in.sources(cmd)
			if err != nil {
				return fail(err)
			}
			trDir, err := translateCacheDir(translate, trCache)
			if err != nil {
				return fail(err)
			}
			stderr := cmd.ErrOrStderr()
			git, warn := builder.GitState(cmd.Context(), dir)
			if warn != "" {
				fmt.Fprintf(stderr, "reprovm: warning: %s\n", warn)
			}
			spec := builder.BuildSpec{
				Recipe:     r,
				SourceDir:  dir,
				Git:        git,
				Inputs:     src,
				Fetcher:    &images.Fetcher{Progress: stderr},
				Formats:    fs,
				NoSnapshot: noSnapshot,
				Progress:   stderr,

				CheckpointEvery: every,
				Translate:       translate,
				TranslateCache:  trDir,
			}
			if !quiet {
				spec.Console, spec.Meter, spec.MeterEvery = stderr, stderr, meterEvery
			}
			start := time.Now()
			b, err := builder.Build(cmd.Context(), spec)
			if err != nil {
				return buildError(cmd, err)
			}
			if err := writeBuilt(out, b); err != nil {
				return fail(err)
			}
			res := b.Run
			fmt.Fprintf(stderr, "reprovm: built in %.1fs: %d guest instructions (%d to /init, %d to the ready point%s%s); ran %d in %.1fs of machine time, %.1f MIPS\n",
				time.Since(start).Seconds(), res.Instret, res.InitInstret, res.ReadyInstret, readyFrom(res), copySplit(res),
				res.Instret-res.StartInstret, res.Wall.Seconds(), mips(res.Instret-res.StartInstret, res.Wall))
			for _, o := range b.Outputs {
				sum := sha256.Sum256(o.Data)
				fmt.Fprintf(cmd.OutOrStdout(), "%s  %s\n", hex.EncodeToString(sum[:]), filepath.Join(out, filepath.FromSlash(o.Name)))
			}
			return nil
		},
	}
	in.register(cmd)
	fl := cmd.Flags()
	fl.StringVarP(&out, "out", "o", "", "write the outputs, "+provenanceName+" and "+logName+" to `DIR` (default DIR/"+builder.DefaultOutDir+"; existing files are replaced)")
	fl.StringVar(&image, "image", "", "override the recipe's image: a built-in `NAME` or an image CID")
	fl.StringArrayVarP(&env, "env", "e", nil, "set `KEY=VALUE` in the build's environment, over the recipe's (repeatable)")
	fl.StringArrayVar(&deps, "dep", nil, "add or replace dependency `NAME=CID` (repeatable)")
	fl.StringVar(&workdir, "workdir", "", "override the recipe's working `DIR` in the guest")
	fl.StringArrayVar(&outputs, "output", nil, "replace the recipe's outputs with guest `PATH`s below /out (repeatable)")
	fl.StringVar(&ram, "ram", "", "override the recipe's guest RAM `SIZE` (such as 2G)")
	fl.Uint64Var(&maxInsns, "max-insns", 0, "override the recipe's instruction limit")
	fl.StringArrayVar(&formats, "stamp-format", nil, "also stamp wasm outputs in `FORMAT`: contractmetav0 (Stellar contract meta) or icp (Internet Computer metadata) (repeatable)")
	fl.BoolVarP(&quiet, "quiet", "q", false, "do not stream the guest console or the progress meter to stderr")
	addMeterFlag(cmd, &meterEvery)
	fl.BoolVar(&noSnapshot, "no-snapshot", false, "boot the image from scratch instead of starting from its ready snapshot (same result, slower)")
	fl.BoolVar(&translate, "translate", false, "run hot guest code translated to WebAssembly (faster on amd64 and arm64; the same result)")
	addTranslateCacheFlag(cmd, &trCache)
	fl.Uint64Var(&every, "checkpoint-every", builder.DefaultCheckpointEvery, "take a state root every `N` instructions after the ready point, into "+transcriptName+" and the stamp (0: none)")
	return cmd
}

// overrideRecipe applies build's flags to the recipe.
func overrideRecipe(r *builder.Recipe, image string, env, deps []string, workdir string, outputs []string, ram string, maxInsns uint64, argv []string) error {
	if image != "" {
		r.Image = image
	}
	if err := setPairs(&r.Env, "--env", "KEY=VALUE", env); err != nil {
		return err
	}
	if err := setPairs(&r.Deps, "--dep", "NAME=CID", deps); err != nil {
		return err
	}
	if workdir != "" {
		r.Workdir = workdir
	}
	if len(outputs) > 0 {
		r.Outputs = outputs
	}
	if ram != "" {
		r.RAM = ram
	}
	if maxInsns != 0 {
		r.MaxInsns = maxInsns
	}
	if len(argv) > 0 {
		r.Command = argv
	}
	return r.Check()
}

// setPairs sets each KEY=VALUE of kvs (from flag, spelled want) in *m.
func setPairs(m *map[string]string, flag, want string, kvs []string) error {
	if *m == nil {
		*m = map[string]string{}
	}
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return fmt.Errorf("%s %q: want %s", flag, kv, want)
		}
		(*m)[k] = v
	}
	return nil
}

// buildError maps a failed build or rebuild to its exit status.
func buildError(cmd *cobra.Command, err error) error {
	if cmd.Context().Err() != nil {
		return &statusError{code: exitInterrupted, msg: fmt.Sprintf("interrupted: %v", err)}
	}
	var be *builder.Error
	switch {
	case errors.As(err, &be) && be.Limit:
		return &statusError{code: exitVMLimit, msg: err.Error()}
	case errors.As(err, &be) && be.ExitStatus != 0:
		return &statusError{code: exitBuildFailed, msg: err.Error()}
	}
	return &statusError{code: exitVMFailed, msg: err.Error()}
}

// writeBuilt writes a build's published outputs, its provenance and its log
// into dir, each file through a temporary file and a rename.
func writeBuilt(dir string, b *builder.Built) error {
	prov, err := b.Provenance()
	if err != nil {
		return err
	}
	files := map[string][]byte{provenanceName: append(prov, '\n'), logName: b.Log}
	if b.Transcript != nil {
		t, err := b.Transcript.Marshal()
		if err != nil {
			return err
		}
		files[transcriptName] = append(t, '\n')
	}
	for _, o := range b.Outputs {
		if _, clash := files[o.Name]; clash {
			return fmt.Errorf("output %s: its name clashes with the %s reprovm writes; rename the output", o.Path, o.Name)
		}
		files[o.Name] = o.Data
	}
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("--out: %w", err)
		}
		if err := builder.WriteFileAtomic(p, data); err != nil {
			return fmt.Errorf("--out: %w", err)
		}
	}
	return nil
}

// readyFrom says where a build's machine started: from the image's ready
// snapshot (the instructions before the ready point were not run now) or
// from a boot.
// copySplit says how many of a run's instructions were the command's and
// how many the copy of /out's (outside the command's --max-insns), when
// the guest init told the host.
func copySplit(res *builder.Result) string {
	if res.CopyInstret == 0 {
		return ""
	}
	return fmt.Sprintf("; the command %d, copying /out %d", res.CommandInstret, res.CopyInstret)
}

func readyFrom(res *builder.Result) string {
	switch {
	case res.FromReady:
		return ", resumed from the ready snapshot"
	case res.SavedReady:
		return ", booted and saved the ready snapshot"
	}
	return ", booted"
}
