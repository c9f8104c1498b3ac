package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/reprovm/reprovm/builder"
	"github.com/reprovm/reprovm/images"
	"github.com/reprovm/reprovm/meta"
)

func newVerifyCmd() *cobra.Command {
	var (
		in         inputFlags
		src        string
		expects    []string
		sha        string
		keep       string
		quiet      bool
		noSnapshot bool
		translate  bool
		trCache    string
		archive    archiveFlags
		meterEvery time.Duration
	)
	cmd := &cobra.Command{
		Use:   "verify [flags] FILE",
		Short: "Rebuild a stamped wasm module from its recorded inputs and compare the bytes",
		Long: `Read the reprovm stamp of FILE, obtain every input it names by CID (the image,
the source, the dependencies), rebuild in the deterministic machine exactly as
recorded, and compare the rebuilt file with FILE byte for byte.

Inputs come from the local store, from --src DIR when that directory imports
to the stamp's source CID, from the built-in images (rebuilt from their
committed locks if need be), or from trustless gateways (--gateway URL or
$` + gatewaysEnv + `), every block checked against its CID.
--archive BUNDLE (written by reprovm archive export) verifies with no network:
its blocks are imported into the store, no gateway is used and nothing is
downloaded; the rebuild boots the image unless --trust-archive-snapshot.

On a match, one line with the sha256 goes to stdout. On a mismatch, a report
says which output differs, both sizes and hashes, the first differing offset,
which wasm sections differ (code, data, custom) and whether only the stamp
differs. --keep DIR keeps the rebuilt file.

--expect RULE:HASH also checks the rebuilt file against a hash copied from a
chain or a release page:
  sha256:HEX    Soroban wasm hash, CosmWasm checksum, release checksum
  icp:HEX       Internet Computer module hash (dfx canister info)
  near:BASE58   NEAR code hash
--expect-sha256 HEX is --expect sha256:HEX. A hash matches the published file
or, if it was deployed without reprovm's stamp, its core (the bytes before
stamping); the report says which.

Exit status: 0 match; 1 mismatch (bytes or --expect); 2 FILE is not stamped
by reprovm or unreadable; 124 the rebuild hit the instruction limit; 125 the
rebuild could not run (bad flags or arguments, missing input, boot
failure); 130 interrupted.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			fail := func(code int, err error) error { return &statusError{code: code, msg: err.Error()} }
			file, err := os.ReadFile(args[0])
			if err != nil {
				return fail(exitNotStamped, fmt.Errorf("verify: %w", err))
			}
			if sha != "" {
				expects = append(expects, "sha256:"+sha)
			}
			var exps []builder.Expectation
			for _, s := range expects {
				e, err := builder.ParseExpectation(s)
				if err != nil {
					return fail(exitNotStamped, err)
				}
				exps = append(exps, e)
			}
			if _, err := meta.ReadPublished(file); err != nil {
				if errors.Is(err, meta.ErrNotStamped) {
					return fail(exitNotStamped, fmt.Errorf("verify %s: not stamped by reprovm: it has no %s custom section, so it does not say how to rebuild it (build it with reprovm build)", args[0], meta.SectionName))
				}
				return fail(exitNotStamped, fmt.Errorf("verify %s: %w", args[0], err))
			}
			srcs, err := in.sources(cmd)
			if err != nil {
				return fail(exitVMFailed, err)
			}
			trDir, err := translateCacheDir(translate, trCache)
			if err != nil {
				return fail(exitVMFailed, err)
			}
			stderr := cmd.ErrOrStderr()
			spec := builder.VerifySpec{File: file, SrcDir: src, Inputs: srcs, Fetcher: &images.Fetcher{Progress: stderr}, NoSnapshot: noSnapshot, Translate: translate, TranslateCache: trDir, Progress: stderr}
			if !quiet {
				spec.Console, spec.Meter, spec.MeterEvery = stderr, stderr, meterEvery
			}
			cleanup, err := archive.apply(cmd, &spec, &in)
			defer cleanup()
			if err != nil {
				return err
			}
			start := time.Now()
			v, err := builder.Verify(cmd.Context(), spec)
			if err != nil {
				return buildError(cmd, err)
			}
			for _, n := range v.Notes {
				fmt.Fprintf(stderr, "reprovm: note: %s\n", n)
			}
			if keep != "" {
				p := filepath.Join(keep, filepath.Base(v.Output.Path))
				if err := os.MkdirAll(keep, 0o755); err != nil {
					return fail(exitVMFailed, fmt.Errorf("--keep: %w", err))
				}
				if err := builder.WriteFileAtomic(p, v.RebuiltFile); err != nil {
					return fail(exitVMFailed, fmt.Errorf("--keep: %w", err))
				}
				fmt.Fprintf(stderr, "reprovm: kept the rebuilt file at %s\n", p)
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(stderr, "reprovm: rebuilt in %.1fs: %d guest instructions (stamp: %d)\n",
				time.Since(start).Seconds(), v.Rebuilt.Run.Instret, v.Stamp.Instret)
			mismatch := false
			if v.Match {
				sum := sha256.Sum256(file)
				fmt.Fprintf(w, "OK %s: the rebuild is byte-identical, sha256 %s\n", args[0], hex.EncodeToString(sum[:]))
			} else {
				mismatch = true
				reportMismatch(w, args[0], file, v)
			}
			var core []byte
			for _, o := range v.Rebuilt.Outputs {
				if o.Path == v.Output.Path {
					core = o.Core
				}
			}
			for _, e := range exps {
				switch {
				case e.Matches(v.RebuiltFile):
					fmt.Fprintf(w, "OK --expect %s: matches the rebuilt file\n", e.Text)
				case e.Matches(core):
					fmt.Fprintf(w, "OK --expect %s: matches the rebuilt module without reprovm's stamp (its core)\n", e.Text)
				default:
					mismatch = true
					fmt.Fprintf(w, "MISMATCH --expect %s: the rebuilt file is %s and its core %s\n", e.Text, e.Format(v.RebuiltFile), e.Format(core))
				}
			}
			if mismatch {
				return &statusError{code: exitBuildFailed}
			}
			return nil
		},
	}
	in.register(cmd)
	archive.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&src, "src", "", "use the source tree in `DIR` if it imports to the stamp's source CID")
	fl.StringArrayVar(&expects, "expect", nil, "also compare with `RULE:HASH` (sha256:HEX, icp:HEX, near:BASE58; repeatable)")
	fl.StringVar(&sha, "expect-sha256", "", "same as --expect sha256:`HEX`")
	fl.StringVar(&keep, "keep", "", "write the rebuilt file into `DIR`")
	fl.BoolVarP(&quiet, "quiet", "q", false, "do not stream the guest console or the progress meter to stderr")
	addMeterFlag(cmd, &meterEvery)
	fl.BoolVar(&noSnapshot, "no-snapshot", false, "rebuild from a fresh boot of the image instead of its ready snapshot (same result, slower)")
	fl.BoolVar(&translate, "translate", false, "run hot guest code translated to WebAssembly (faster on amd64 and arm64; the same result)")
	addTranslateCacheFlag(cmd, &trCache)
	return cmd
}

// reportMismatch explains how the published file differs from the rebuild.
func reportMismatch(w io.Writer, name string, file []byte, v *builder.Verification) {
	fmt.Fprintf(w, "MISMATCH %s: output %s differs from the rebuild\n", name, v.Output.Path)
	if v.Diff == nil {
		a, b := sha256.Sum256(file), sha256.Sum256(v.RebuiltFile)
		fmt.Fprintf(w, "  published %d bytes sha256 %x\n  rebuilt   %d bytes sha256 %x\n  first difference at byte %d\n",
			len(file), a, len(v.RebuiltFile), b, meta.FirstDiff(file, v.RebuiltFile))
		return
	}
	for _, line := range strings.Split(strings.TrimRight(v.Diff.Report("published", "rebuilt"), "\n"), "\n") {
		fmt.Fprintf(w, "  %s\n", line)
	}
}

func newInspectCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "inspect [flags] FILE",
		Short: "Print the reprovm stamp of a wasm module",
		Long: `Print the build recipe and results that reprovm stamped into FILE: the image,
source and dependency CIDs, the command, environment and machine, the retired
instruction count, the outputs, and the core hash (the sha256 of the module
without reprovm's sections, shared by builds that differ only in their stamps).
--json prints the stamp's canonical JSON instead.

Exit status: 0; 2 FILE is not stamped by reprovm or unreadable.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			file, err := os.ReadFile(args[0])
			if err != nil {
				return &statusError{code: exitNotStamped, msg: fmt.Sprintf("inspect: %v", err)}
			}
			// One reader for inspect and verify (meta.ReadPublished), so
			// that both accept and refuse the same stamps.
			pub, err := meta.ReadPublished(file)
			if err != nil {
				if errors.Is(err, meta.ErrNotStamped) {
					return &statusError{code: exitNotStamped, msg: fmt.Sprintf("inspect %s: not stamped by reprovm (no %s custom section)", args[0], meta.SectionName)}
				}
				return &statusError{code: exitNotStamped, msg: fmt.Sprintf("inspect %s: %v", args[0], err)}
			}
			w := cmd.OutOrStdout()
			if asJSON {
				payload, err := pub.Stamp.Marshal()
				if err != nil {
					return &statusError{code: exitNotStamped, msg: fmt.Sprintf("inspect %s: %v", args[0], err)}
				}
				fmt.Fprintf(w, "%s\n", payload)
				return nil
			}
			printStamp(w, args[0], pub)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the stamp as canonical JSON")
	return cmd
}

// printStamp writes a stamp for humans.
func printStamp(w io.Writer, name string, st *meta.Published) {
	s := st.Stamp
	fmt.Fprintf(w, "%s: stamped by reprovm %s (emulator %s, stamp format %d)\n", name, s.Reprovm, s.Emulator, s.Format)
	if !st.Intact {
		fmt.Fprintf(w, "  NOT INTACT    %v (reprovm verify rebuilds it and says where it differs)\n", st.Problem)
	}
	if st.Core != nil {
		core := sha256.Sum256(st.Core)
		fmt.Fprintf(w, "  core sha256   %s (%d bytes before stamping; output %s)\n", hex.EncodeToString(core[:]), len(st.Core), st.Output.Path)
	}
	fmt.Fprintf(w, "  image         %s\n", s.Image)
	fmt.Fprintf(w, "  source        %s\n", s.Source.CID)
	if s.Source.GitCommit != "" {
		fmt.Fprintf(w, "  git           %s @ %s\n", orNone(s.Source.GitURL), s.Source.GitCommit)
	}
	for _, name := range slices.Sorted(maps.Keys(s.Deps)) {
		fmt.Fprintf(w, "  dep %-9s %s\n", name, s.Deps[name])
	}
	fmt.Fprintf(w, "  command       %q\n", s.Argv)
	fmt.Fprintf(w, "  workdir       %s\n", s.Workdir)
	for _, kv := range s.Env {
		fmt.Fprintf(w, "  env           %s\n", kv)
	}
	fmt.Fprintf(w, "  machine       %s RAM, limit %d instructions, bootargs %q\n", builder.FormatSize(s.Machine.RAMSize), s.Machine.MaxInsns, s.Machine.Bootargs)
	fmt.Fprintf(w, "  instret       %d\n", s.Instret)
	fmt.Fprintf(w, "  log sha256    %s\n", s.LogSHA256)
	if s.StateRoot != "" {
		fmt.Fprintf(w, "  state root    %s\n", s.StateRoot)
	}
	if s.TranscriptSHA256 != "" {
		fmt.Fprintf(w, "  transcript    sha256 %s (a checkpoint every %d instructions)\n", s.TranscriptSHA256, s.Machine.CheckpointEvery)
	}
	for _, o := range s.Outputs {
		fmt.Fprintf(w, "  output        %s  %d bytes  sha256 %s\n", o.Path, o.Size, o.SHA256)
	}
	for _, f := range st.Formats {
		fmt.Fprintf(w, "  also stamped  %s\n", f)
	}
}

func orNone(s string) string {
	if s == "" {
		return "(no public remote)"
	}
	return s
}
