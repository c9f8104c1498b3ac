package main

import (
	"flag"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/reprovm/reprovm/internal/scratch"
	"github.com/reprovm/reprovm/internal/testtree"
	"github.com/reprovm/reprovm/ipfsfetch"
)

var faultKills = flag.Int("faults.n", 10, "SIGKILLs per command in the fault-injection tests (make fuzz: 50)")

// buildBinary builds reprovm into a temporary directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build reprovm")
	}
	bin := filepath.Join(t.TempDir(), "reprovm")
	if out, err := exec.Command(goCmd, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// debrisIn lists the temporary entries under dirs: anything the scratch
// package names, and the names of temporary files made without it.
func debrisIn(t *testing.T, dirs ...string) []string {
	t.Helper()
	var found []string
	for _, d := range dirs {
		filepath.WalkDir(d, func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			n := e.Name()
			if strings.HasSuffix(n, scratch.Suffix) || strings.HasPrefix(n, ".tmp-") || strings.HasPrefix(n, ".reprovm-get-") ||
				strings.HasSuffix(n, ".part") || (n != ".tmp" && strings.HasSuffix(n, ".tmp")) {
				found = append(found, p)
			}
			return nil
		})
	}
	return found
}

// TestGetSurvivesKill is fault injection for reprovm get: the process is
// killed with SIGKILL at random moments while it fetches a tree from a slow
// gateway into a store; after each kill a second get completes and
// delivers the tree byte for byte, and at the end the store verifies clean
// and no temporary file or directory is left.
func TestGetSurvivesKill(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 12 {
		b := make([]byte, 5<<19) // 2.5 MiB: three blocks each
		for j := range b {
			b[j] = byte(rng.Uint32())
		}
		p := filepath.Join(src, fmt.Sprintf("d%d", i%3), fmt.Sprintf("f%d", i))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s1 := filepath.Join(dir, "s1")
	r := runCLI(t.Context(), "add", "--store", s1, src)
	if r.code != exitOK {
		t.Fatalf("add: %d\n%s", r.code, r.stderr)
	}
	root := strings.TrimSpace(r.stdout)
	store, err := ipfsfetch.OpenStore(s1)
	if err != nil {
		t.Fatal(err)
	}
	h, err := store.GatewayHandler()
	if err != nil {
		t.Fatal(err)
	}
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(15 * time.Millisecond) // a slow gateway: the fetch takes about a second
		h.ServeHTTP(w, r)
	}))
	defer gw.Close()

	s2, outs := filepath.Join(dir, "s2"), filepath.Join(dir, "outs")
	if err := os.MkdirAll(outs, 0o755); err != nil {
		t.Fatal(err)
	}
	want := testtree.Digest(t, src)
	get := func(dst string) *exec.Cmd {
		return exec.Command(bin, "get", "--store", s2, "--gateway", gw.URL, root, "-o", dst)
	}
	dst := filepath.Join(outs, "tree")
	killed := killRounds(t, rng, 900*time.Millisecond, func(i int) *exec.Cmd {
		os.RemoveAll(s2) // every other round starts from an empty store
		if i%2 == 1 {
			if err := os.Mkdir(s2, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		return get(dst)
	}, func(i int) {
		os.RemoveAll(dst) // a kill after the rename leaves a complete tree
		mustRun(t, fmt.Sprintf("round %d: get after a kill", i), get(dst))
		if got := testtree.Digest(t, dst); got != want {
			t.Fatalf("round %d: the tree fetched after a kill differs", i)
		}
		os.RemoveAll(dst)
	})
	afterKills(t, killed, get(dst), s2, outs)
	t.Logf("%d kills, every get after them completed, no debris", killed)
}
