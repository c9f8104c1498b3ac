package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBisectPlanted plants a one-byte difference in a source file of two
// otherwise identical projects whose command reads that file, and requires
// `reprovm bisect` to name the first divergent instruction, the task that
// ran it and the file the differing data came from. Comparing the two
// builds' transcripts must say they differ.
func TestBisectPlanted(t *testing.T) {
	if testing.Short() {
		t.Skip("boots the machine")
	}
	ctx := context.Background()
	data := bytes.Repeat([]byte("reprovm bisect\n"), 1000) // 15000 bytes: whole data blocks
	var dirs [2]string
	for i := range dirs {
		dirs[i] = t.TempDir()
		recipe := "image = \"go\"\ncommand = [\"cp\", \"input.txt\", \"/out/input.txt\"]\noutputs = [\"/out/input.txt\"]\nmax_insns = 5000000000\n"
		if err := os.WriteFile(filepath.Join(dirs[i], "reprovm.toml"), []byte(recipe), 0o644); err != nil {
			t.Fatal(err)
		}
		d := bytes.Clone(data)
		if i == 1 {
			d[9000] ^= 1 // in the third block
		}
		if err := os.WriteFile(filepath.Join(dirs[i], "input.txt"), d, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	store := filepath.Join(t.TempDir(), "store")
	start := time.Now()
	r := runCLI(ctx, "bisect", "--store", store, dirs[0], dirs[1])
	if r.code != 0 {
		t.Fatalf("bisect: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	t.Logf("bisect took %v:\n%s%s", time.Since(start), r.stdout, r.stderr)
	for _, want := range []string{"the builds diverge at instruction", `while "cp" ran`, "input.txt in source, offset 9000 (data)"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the report lacks %q", want)
		}
	}

	// The same two builds' transcripts differ, and bisect says where.
	var transcripts [2]string
	for i, dir := range dirs {
		out := filepath.Join(t.TempDir(), "out")
		if r := runCLI(ctx, "build", "--quiet", "--store", store, "--out", out, dir); r.code != 0 {
			t.Fatalf("build %d: exit %d\n%s", i, r.code, r.stderr)
		}
		transcripts[i] = filepath.Join(out, transcriptName)
	}
	r = runCLI(ctx, "bisect", transcripts[0], transcripts[1])
	if r.code != 0 || !strings.Contains(r.stdout, "the runs agree up to instruction") {
		t.Errorf("bisect of transcripts: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
