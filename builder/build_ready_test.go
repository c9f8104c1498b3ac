package builder

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/reprovm/reprovm/images"
	"github.com/reprovm/reprovm/ipfsfetch"
	"github.com/reprovm/reprovm/meta"
)

// TestBuildReadySnapshot builds a small recipe three times: from scratch
// (NoSnapshot), then by default, which boots, saves the image's ready
// snapshot in the cache and builds, then by default again, which starts
// from that snapshot. The stamp (which records the instruction count and
// the log's hash), the outputs and the log must be the same each time: the
// stamp is a function of the recipe, not of how the machine got to the
// ready point. The image is the built-in go image with a small warm-up in
// its manifest instead of its own (which compiles the standard library),
// so it has a CID of its own. Each build keeps a transcript of state roots
// every 2^24 instructions: a build resumed from the snapshot must have the
// same roots, at the ready point and after it, as the one that booted.
func TestBuildReadySnapshot(t *testing.T) {
	if testing.Short() {
		t.Skip("boots Linux three times")
	}
	ctx := context.Background()
	goDir, err := (&images.Fetcher{}).BuiltinImage(ctx, "go")
	if err != nil {
		t.Fatal(err)
	}
	imageDir := filepath.Join(t.TempDir(), "image")
	copyImage(t, goDir, imageDir, &images.Warmup{
		Command: []string{"sh", "-c", "echo warm-up > /tmp/mark"},
		Env:     map[string]string{"X": "1"},
	})
	src := t.TempDir()
	if err := os.WriteFile(filepath.Join(src, "in.txt"), []byte("source\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	store, err := ipfsfetch.OpenStore(filepath.Join(t.TempDir(), "store"))
	if err != nil {
		t.Fatal(err)
	}
	recipe := &Recipe{
		Image: imageDir,
		Command: []string{"sh", "-c", `cat /tmp/mark in.txt > /out/o.txt
			head -c 8 /dev/urandom | od -An -tx1 >> /out/o.txt; cat /proc/uptime >> /out/o.txt; echo log line`},
		Outputs:  []string{"/out/o.txt"},
		MaxInsns: 5_000_000_000,
	}
	fetcher := &images.Fetcher{CacheDir: t.TempDir()}
	build := func(name string, noSnapshot bool) *Built {
		t.Helper()
		b, err := Build(ctx, BuildSpec{Recipe: recipe, SourceDir: src, Inputs: Sources{Store: store}, Fetcher: fetcher, NoSnapshot: noSnapshot,
			CheckpointEvery: 1 << 24})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		t.Logf("%s: %d instructions (ready at %d, from the snapshot %v, saved it %v), machine time %v",
			name, b.Run.Instret, b.Run.ReadyInstret, b.Run.FromReady, b.Run.SavedReady, b.Run.Wall)
		return b
	}
	scratch := build("from scratch", true)
	saved := build("saving the snapshot", false)
	warm := build("from the snapshot", false)
	if scratch.Run.FromReady || scratch.Run.SavedReady || !saved.Run.SavedReady || !warm.Run.FromReady {
		t.Errorf("the builds did not start as asked: %+v, %+v, %+v", scratch.Run, saved.Run, warm.Run)
	}
	want, err := scratch.Stamp.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if o := string(scratch.Outputs[0].Data); !bytes.HasPrefix([]byte(o), []byte("warm-up\nsource\n")) || !bytes.Contains(scratch.Log, []byte("log line\n")) {
		t.Errorf("output %q, log %q", o, scratch.Log)
	}
	for _, b := range []*Built{saved, warm} {
		got, err := b.Stamp.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("stamps differ:\n%s\n%s", got, want)
		}
		if !bytes.Equal(b.Outputs[0].Data, scratch.Outputs[0].Data) || !bytes.Equal(b.Log, scratch.Log) {
			t.Errorf("outputs or logs differ: %q / %q vs %q / %q", b.Outputs[0].Data, b.Log, scratch.Outputs[0].Data, scratch.Log)
		}
		if !reflect.DeepEqual(b.Transcript, scratch.Transcript) {
			t.Errorf("transcripts differ:\n%+v\n%+v", b.Transcript, scratch.Transcript)
		}
	}
	if n := len(scratch.Transcript.Checkpoints); n < 3 || scratch.Transcript.Checkpoints[0].Instret != scratch.Run.ReadyInstret {
		t.Errorf("transcript %+v: want the ready point (%d) and at least two more roots", scratch.Transcript, scratch.Run.ReadyInstret)
	}
	if !slices.ContainsFunc(scratch.Reads, func(r meta.FileRead) bool { return r.Input == "source" && r.Path == "in.txt" && r.Read == 7 }) {
		t.Errorf("files read %+v: want source in.txt, 7 bytes", scratch.Reads)
	}
}

// copyImage copies the image directory from to to, with warmup in its
// manifest (hard links where it can: the files are not changed).
func copyImage(t testing.TB, from, to string, warmup *images.Warmup) {
	t.Helper()
	m, err := images.ReadManifest(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(to, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, b := range []images.ManifestBlob{m.Kernel, m.Firmware, m.Initramfs, m.Root} {
		src, dst := filepath.Join(from, b.Name), filepath.Join(to, b.Name)
		if os.Link(src, dst) == nil {
			continue
		}
		in, err := os.Open(src)
		if err != nil {
			t.Fatal(err)
		}
		out, err := os.Create(dst)
		if err == nil {
			_, err = io.Copy(out, in)
			if cerr := out.Close(); err == nil {
				err = cerr
			}
		}
		in.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	m.Warmup = warmup
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(to, images.ManifestName), data, 0o644); err != nil {
		t.Fatal(err)
	}
}
