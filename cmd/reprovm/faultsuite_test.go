package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reprovm/reprovm/images"
	"github.com/reprovm/reprovm/internal/scratch"
	"github.com/reprovm/reprovm/internal/testtree"
)

// killRounds is the fault-injection loop: faultKills times, it starts the
// command start(i) makes, kills it with SIGKILL after a random delay below
// maxDelay, and calls again(i), which must run the command to completion
// and check what it delivered. It returns how many processes were killed
// before they finished.
func killRounds(t *testing.T, rng *rand.Rand, maxDelay time.Duration, start func(round int) *exec.Cmd, again func(round int)) int {
	t.Helper()
	killed := 0
	for i := range *faultKills {
		cmd := start(i)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-time.After(time.Duration(rng.Int64N(int64(maxDelay)))):
			if cmd.Process.Kill() == nil {
				killed++
			}
			<-done
		case <-done:
		}
		again(i)
	}
	return killed
}

// withEnv returns cmd with the variables added to the test's environment.
func withEnv(cmd *exec.Cmd, vars ...string) *exec.Cmd {
	cmd.Env = append(os.Environ(), vars...)
	return cmd
}

// mustRun runs cmd and ends the test with its output if it fails.
func mustRun(t *testing.T, what string, cmd *exec.Cmd) []byte {
	t.Helper()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", what, err, out)
	}
	return out
}

// afterKills ends a fault-injection test: once scratch.MinAge has passed
// (after which a run removes what killed runs left), it runs final to
// completion, requires that nothing temporary is left under dirs and that
// store (if not "") verifies clean.
func afterKills(t *testing.T, killed int, final *exec.Cmd, store string, dirs ...string) {
	t.Helper()
	time.Sleep(scratch.MinAge + time.Second)
	mustRun(t, "the run after the kills", final)
	if d := debrisIn(t, append(dirs, store)...); len(d) != 0 {
		t.Errorf("debris left after %d kills: %v", killed, d)
	}
	if store != "" {
		runCLI(t.Context(), "store", "verify", "--store", store).check(t, exitOK, "")
	}
}

// TestBuildSurvivesKill is fault injection for reprovm build: killed at
// random moments (booting, saving the image's ready snapshot, running the
// command, writing the outputs and the store), every build after a kill
// completes with the same stamped module, and at the end the store
// verifies clean and nothing temporary is left in the store, the cache,
// the output directory or TMPDIR. Every other round deletes the ready
// snapshot, so that kills land in its boot and save too.
func TestBuildSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("boots the machine many times")
	}
	bin := buildBinary(t)
	store := filepath.Join(t.TempDir(), "store")
	dir := archiveProject(t, store)
	cache, tmp, out := t.TempDir(), t.TempDir(), filepath.Join(t.TempDir(), "out")
	build := func() *exec.Cmd {
		return withEnv(exec.Command(bin, "build", "--quiet", "--store", store, "--out", out, dir), "XDG_CACHE_HOME="+cache, "TMPDIR="+tmp)
	}
	begin := time.Now()
	mustRun(t, "first build", build())
	cold := time.Since(begin)
	want, err := os.ReadFile(filepath.Join(out, "m.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	ready := func() []string { m, _ := filepath.Glob(filepath.Join(cache, "reprovm", "images", "*.ready")); return m }
	if len(ready()) == 0 {
		t.Fatal("the first build saved no ready snapshot")
	}
	rng := rand.New(rand.NewPCG(3, 4))
	killed := killRounds(t, rng, cold, func(i int) *exec.Cmd {
		if i%2 == 0 {
			for _, r := range ready() {
				os.RemoveAll(r)
			}
		}
		return build()
	}, func(i int) {
		mustRun(t, fmt.Sprintf("round %d: build after a kill", i), build())
		if got, err := os.ReadFile(filepath.Join(out, "m.wasm")); err != nil || !bytes.Equal(got, want) {
			t.Fatalf("round %d: the module built after a kill differs (%d bytes, %v)", i, len(got), err)
		}
	})
	afterKills(t, killed, build(), store, cache, out, tmp)
	if ents, _ := os.ReadDir(tmp); len(ents) != 0 {
		t.Errorf("TMPDIR holds %d entries after the builds", len(ents))
	}
	t.Logf("%d kills in %d rounds (cold build %v), every build after them gave the same module, no debris", killed, *faultKills, cold.Round(time.Millisecond))
}

// TestArchiveImportSurvivesKill is fault injection for reprovm archive
// import: killed at random moments while it imports a build's archive
// (about 100 MB: the image, the source and the ready snapshot), every
// import after a kill completes, and at the end the store verifies clean
// and holds no temporary file. Every other round starts from an empty
// store.
func TestArchiveImportSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds on the machine")
	}
	bin := buildBinary(t)
	store := filepath.Join(t.TempDir(), "store")
	dir := archiveProject(t, store)
	cache, out := t.TempDir(), filepath.Join(t.TempDir(), "out")
	t.Setenv("XDG_CACHE_HOME", cache)
	if r := runCLI(t.Context(), "build", "--quiet", "--store", store, "--out", out, dir); r.code != 0 {
		t.Fatalf("build: exit %d\n%s", r.code, r.stderr)
	}
	bundle := filepath.Join(t.TempDir(), "bundle.car.zst")
	if r := runCLI(t.Context(), "archive", "export", "--store", store, "-o", bundle, filepath.Join(out, "m.wasm")); r.code != 0 {
		t.Fatalf("archive export: exit %d\n%s", r.code, r.stderr)
	}
	into := filepath.Join(t.TempDir(), "into")
	imp := func() *exec.Cmd { return exec.Command(bin, "archive", "import", "--store", into, bundle) }
	begin := time.Now()
	mustRun(t, "first import", imp())
	full := time.Since(begin)
	rng := rand.New(rand.NewPCG(5, 6))
	killed := killRounds(t, rng, full, func(i int) *exec.Cmd {
		if i%2 == 0 {
			os.RemoveAll(into)
		}
		return imp()
	}, func(i int) {
		mustRun(t, fmt.Sprintf("round %d: import after a kill", i), imp())
	})
	afterKills(t, killed, imp(), into)
	t.Logf("%d kills in %d rounds (an import takes %v), every import after them completed, no debris", killed, *faultKills, full.Round(time.Millisecond))
}

// TestImageBuildSurvivesKill is fault injection for reprovm image build,
// on a lock of the go image cut down to busybox (the kernel and the
// firmware still come whole), from a mirror on 127.0.0.1 that serves the
// .deb files and is slow enough that kills land in the downloads: every
// build after a kill writes the same image, and at the end the package
// cache and the image's parent directory hold nothing temporary. Every
// other round starts from an empty package cache.
func TestImageBuildSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("downloads the kernel package many times")
	}
	bin := buildBinary(t)
	lock := smallLock(t)
	mirror := newDebMirror(t)
	parent, cache := t.TempDir(), t.TempDir()
	img := filepath.Join(parent, "image")
	build := func() *exec.Cmd {
		return withEnv(exec.Command(bin, "image", "build", "--mirror", mirror, lock, "-o", img), "XDG_CACHE_HOME="+cache)
	}
	begin := time.Now()
	mustRun(t, "first image build", build())
	full := time.Since(begin)
	want := testtree.Digest(t, img)
	rng := rand.New(rand.NewPCG(7, 8))
	killed := killRounds(t, rng, full, func(i int) *exec.Cmd {
		os.RemoveAll(img)
		if i%2 == 0 {
			os.RemoveAll(cache)
			os.Mkdir(cache, 0o755)
		}
		return build()
	}, func(i int) {
		os.RemoveAll(img) // a kill after the rename leaves a complete image
		mustRun(t, fmt.Sprintf("round %d: image build after a kill", i), build())
		if testtree.Digest(t, img) != want {
			t.Fatalf("round %d: the image built after a kill differs", i)
		}
	})
	os.RemoveAll(img)
	afterKills(t, killed, build(), "", parent, cache)
	t.Logf("%d kills in %d rounds (a cold image build takes %v), every build after them gave the same image, no debris", killed, *faultKills, full.Round(time.Millisecond))
}

// smallLock writes the go image's lock cut down to busybox-static, whose
// image builds in a second from cached packages.
func smallLock(t *testing.T) string {
	t.Helper()
	data, err := images.BuiltinLock("go")
	if err != nil {
		t.Fatal(err)
	}
	var l map[string]any
	if err := json.Unmarshal(data, &l); err != nil {
		t.Fatal(err)
	}
	var keep []any
	for _, p := range l["packages"].([]any) {
		if p.(map[string]any)["name"] == "busybox-static" {
			keep = append(keep, p)
		}
	}
	l["packages"], l["roots"] = keep, []string{"busybox-static"}
	delete(l, "warmup")
	out, err := json.MarshalIndent(l, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "small.lock.json")
	if err := os.WriteFile(p, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// newDebMirror serves Debian's pool on 127.0.0.1, each file fetched once
// from the real mirror and then served from memory at about 100 MB/s, so
// that the kernel package takes about a second.
func newDebMirror(t *testing.T) string {
	t.Helper()
	var mu sync.Mutex
	files := map[string][]byte{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		data, ok := files[r.URL.Path]
		if !ok {
			resp, err := http.Get(images.DefaultMirror + r.URL.Path)
			if err == nil {
				if resp.StatusCode == http.StatusOK {
					data, err = io.ReadAll(resp.Body)
				} else {
					err = fmt.Errorf("%s", resp.Status)
				}
				resp.Body.Close()
			}
			if err != nil {
				mu.Unlock()
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			files[r.URL.Path] = data
		}
		mu.Unlock()
		w.Header().Set("Content-Length", fmt.Sprint(len(data)))
		for len(data) > 0 {
			n := min(len(data), 1<<20)
			if _, err := w.Write(data[:n]); err != nil {
				return
			}
			data = data[n:]
			time.Sleep(10 * time.Millisecond)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestFullDisk puts a store on a 4 MiB tmpfs and adds a tree of 8 MiB:
// add fails with the store's path and "no space left", and leaves the
// store consistent (store verify is clean, nothing temporary is left) and
// usable (a small tree is added after it). Mounting needs root, which CI
// has; elsewhere the test is skipped.
func TestFullDisk(t *testing.T) {
	mnt := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mnt).CombinedOutput(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("mount a tmpfs (CI runs as root): %v\n%s", err, out)
		}
		t.Skipf("mount a tmpfs: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", mnt).Run() })
	store := filepath.Join(mnt, "store")
	big := t.TempDir()
	rng := rand.New(rand.NewPCG(9, 10))
	for i := range 4 {
		b := make([]byte, 2<<20)
		for j := range b {
			b[j] = byte(rng.Uint32())
		}
		if err := os.WriteFile(filepath.Join(big, fmt.Sprintf("f%d", i)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r := runCLI(context.Background(), "add", "--store", store, big)
	if r.code == exitOK || !strings.Contains(r.stderr, "no space left") || !strings.Contains(r.stderr, store) {
		t.Fatalf("add onto a full disk: exit %d, stderr:\n%s\nwant a failure naming %s and the full disk", r.code, r.stderr, store)
	}
	t.Logf("add onto a full disk: exit %d: %s", r.code, strings.TrimSpace(r.stderr))
	if d := debrisIn(t, store); len(d) != 0 {
		t.Errorf("debris left by the failed add: %v", d)
	}
	runCLI(context.Background(), "store", "verify", "--store", store).check(t, exitOK, "")
	small := t.TempDir()
	if err := os.WriteFile(filepath.Join(small, "a"), []byte("small\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := runCLI(context.Background(), "add", "--store", store, small); r.code != exitOK {
		t.Fatalf("add after the full disk: exit %d\n%s", r.code, r.stderr)
	}
}
