package builder

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reprovm/reprovm/guest/proto"
	"github.com/reprovm/reprovm/images"
)

// readyScript prints what a resume that lost state would get wrong: what
// the warm-up left in /tmp (RAM), the guest clock, entropy (the init mixes
// the job into it at the ready point) and an input drive attached after
// the ready point; it runs a program of the image and exits non-zero.
const readyScript = `echo job; cat /tmp/go-cache/mark; cat /proc/uptime; head -c 16 /dev/urandom | od -An -tx1
head -c 32 /dev/vda > /out/in.txt; go version > /out/go.txt; exit 5`

// TestRunReadySnapshot runs a job on the built-in go image (with a small
// warm-up instead of the image's, which compiles the standard library)
// three ways: booting from scratch, booting and saving the ready snapshot,
// and resuming from that snapshot. The console after the ready point, the
// exit status, the /out files, the instruction counts and the ready point
// must be the same each time. Two runs then make a second copy of the
// snapshot at once, in the same place: both must succeed, and leave one
// copy, byte-identical to the first (so their CIDs are too). Another job
// then starts from the snapshot.
func TestRunReadySnapshot(t *testing.T) {
	if testing.Short() {
		t.Skip("boots Linux four times")
	}
	ctx := context.Background()
	image, err := (&images.Fetcher{}).BuiltinImage(ctx, "go")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "in.img")
	if err := os.WriteFile(in, bytes.Repeat([]byte("attached after the ready point\n"), 100), 0o644); err != nil {
		t.Fatal(err)
	}
	spec := RunSpec{
		Argv:  []string{"sh", "-c", readyScript},
		Image: image,
		Warmup: &proto.Command{Argv: []string{"sh", "-c", `echo warming up
			mkdir -p /tmp/go-cache && echo "warm $GOCACHE" > /tmp/go-cache/mark`}},
		Inputs:  []InputDrive{{Path: in, FS: "raw"}},
		RAMSize: 1 << 30,
	}
	type outcome struct {
		res           *Result
		console, boot string
	}
	run := func(name string, s RunSpec) outcome {
		t.Helper()
		var console, boot bytes.Buffer
		s.Console, s.BootConsole = &console, &boot
		start := time.Now()
		res, err := Run(ctx, s)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		t.Logf("%s: ready at %d, %d instructions, %v (machine %v)", name, res.ReadyInstret, res.Instret,
			time.Since(start).Round(time.Millisecond), res.Wall.Round(time.Millisecond))
		return outcome{res, console.String(), boot.String()}
	}
	same := func(name string, got, want outcome) {
		t.Helper()
		if got.console != want.console {
			t.Errorf("%s: console after the ready point differs:\n--- got\n%s\n--- want\n%s", name, got.console, want.console)
		}
		g, w := got.res, want.res
		if g.ExitStatus != w.ExitStatus || g.Instret != w.Instret || g.ReadyInstret != w.ReadyInstret || g.InitInstret != w.InitInstret {
			t.Errorf("%s: status %d, %d instructions, ready at %d, /init at %d; want %d, %d, %d, %d", name,
				g.ExitStatus, g.Instret, g.ReadyInstret, g.InitInstret, w.ExitStatus, w.Instret, w.ReadyInstret, w.InitInstret)
		}
		if !reflect.DeepEqual(g.Files, w.Files) {
			t.Errorf("%s: /out files differ: %+v vs %+v", name, g.Files, w.Files)
		}
	}

	scratch := run("from scratch", spec)
	if r := scratch.res; r.ExitStatus != 5 || r.FromReady || r.SavedReady || r.ReadyInstret == 0 {
		t.Fatalf("from scratch: %+v", r)
	}
	if !strings.Contains(scratch.boot, "warming up") || strings.Contains(scratch.console, "warming up") {
		t.Errorf("the warm-up's output should be before the ready point only:\n--- boot\n%s\n--- after\n%s", scratch.boot, scratch.console)
	}
	if !strings.Contains(scratch.console, "job\nwarm /tmp/go-cache\n") {
		t.Errorf("the job does not see the warm-up's file:\n%s", scratch.console)
	}
	files := map[string]string{}
	for _, f := range scratch.res.Files {
		files[f.Name] = string(f.Data)
	}
	if files["in.txt"] != "attached after the ready point\na" || !strings.HasPrefix(files["go.txt"], "go version go1.24") {
		t.Errorf("files: %q", files)
	}

	snap := filepath.Join(dir, "a", "ready.snap")
	save := spec
	save.ReadySnapshot = snap
	saved := run("boot and save", save)
	if !saved.res.SavedReady || saved.res.FromReady {
		t.Errorf("boot and save: saved %v, from the snapshot %v", saved.res.SavedReady, saved.res.FromReady)
	}
	same("boot and save", saved, scratch)

	resumed := run("from the snapshot", save)
	if !resumed.res.FromReady || resumed.res.SavedReady || resumed.boot != "" {
		t.Errorf("from the snapshot: from it %v, saved %v, boot console %q", resumed.res.FromReady, resumed.res.SavedReady, resumed.boot)
	}
	same("from the snapshot", resumed, scratch)

	// Two first uses at once of another cache entry: both boot and save
	// the same bytes through their own temporary files.
	snap2 := filepath.Join(dir, "b", "ready.snap")
	save.ReadySnapshot = snap2
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Go(func() {
			s := save
			s.Console = io.Discard
			res, err := Run(ctx, s)
			if err == nil && (!res.SavedReady || res.Instret != scratch.res.Instret) {
				err = fmt.Errorf("saved %v, %d instructions", res.SavedReady, res.Instret)
			}
			errs[i] = err
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("two concurrent first uses: %v", err)
	}
	if ents, _ := os.ReadDir(filepath.Dir(snap2)); len(ents) != 2 {
		t.Errorf("the cache directory holds %d files, want the snapshot and its CID: %v", len(ents), ents)
	}
	a, err := os.ReadFile(snap)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(snap2)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Errorf("two ready snapshots of the same boot differ (%d and %d bytes)", len(a), len(b))
	}
	ca, errA := os.ReadFile(snap + ".cid")
	cb, errB := os.ReadFile(snap2 + ".cid")
	if errA != nil || errB != nil || !bytes.Equal(ca, cb) || !strings.HasPrefix(string(ca), "bafy") {
		t.Errorf("CID files %q (%v) and %q (%v)", ca, errA, cb, errB)
	}
	t.Logf("ready snapshot: %d bytes, CID %s", len(a), bytes.TrimSpace(ca))

	other := spec
	other.Argv = []string{"sh", "-c", "cat /tmp/go-cache/mark > /out/mark"}
	other.Inputs = nil
	other.ReadySnapshot = snap
	o := run("another job from the snapshot", other)
	if o.res.ExitStatus != 0 || len(o.res.Files) != 1 || string(o.res.Files[0].Data) != "warm /tmp/go-cache\n" || o.res.ReadyInstret != scratch.res.ReadyInstret {
		t.Errorf("another job: %+v", o.res)
	}

	t.Run("another boot", func(t *testing.T) {
		wrong := spec
		wrong.Warmup = &proto.Command{Argv: []string{"true"}}
		wrong.ReadySnapshot = snap
		if _, err := Run(ctx, wrong); err == nil || !strings.Contains(err.Error(), "different boot") {
			t.Errorf("err = %v, want a refusal of a ready snapshot of another boot", err)
		}
	})
}
