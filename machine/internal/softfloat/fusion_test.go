package softfloat

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"testing"
)

// The fast path's proofs (fast.go) need every product that is not a
// math.FMA to be rounded on its own. The Go spec lets a compiler fuse
// x*y+z into one FMA unless the product is converted explicitly
// ("Floating-point operators"), and gc does so on arm64, ppc64, s390x,
// riscv64, loong64 and on amd64 from GOAMD64=v3. A missing conversion
// would not show on the amd64 (v1) host that runs the tests, only on
// those hosts, as a different guest-visible result. So this test compiles
// the fast path and the hart that inlines it for each of those targets and
// requires every fused multiply-add instruction in the listing to come
// from a source line that calls math.FMA.

var fusedInst = regexp.MustCompile(`\((/[^)]+\.go):(\d+)\)\s+(V?F(N?M(ADD|SUB))[A-Z0-9]*)\b`)

func TestNoUnintendedFusion(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles two packages for six targets")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command:", err)
	}
	targets := [][]string{
		{"GOARCH=arm64"},
		{"GOARCH=amd64", "GOAMD64=v3"},
		{"GOARCH=riscv64"},
		{"GOARCH=ppc64le"},
		{"GOARCH=s390x"},
		{"GOARCH=loong64"},
	}
	pkgs := []string{".", "../hart"}
	lines := map[string][]string{} // file -> its lines, read once
	for _, env := range targets {
		for _, pkg := range pkgs {
			cmd := exec.Command(gobin, "build", "-o", os.DevNull, "-gcflags=-S", pkg)
			cmd.Env = append(append(os.Environ(), "GOOS=linux", "CGO_ENABLED=0"), env...)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("compiling %s for %v: %v\n%s", pkg, env, err, out)
			}
			n := 0
			sc := bufio.NewScanner(bytes.NewReader(out))
			sc.Buffer(nil, 1<<20)
			for sc.Scan() {
				m := fusedInst.FindStringSubmatch(sc.Text())
				if m == nil {
					continue
				}
				n++
				file, ln := m[1], m[2]
				src, ok := lines[file]
				if !ok {
					b, err := os.ReadFile(file)
					if err != nil {
						t.Fatalf("reading %s named by the listing: %v", file, err)
					}
					src = splitLines(b)
					lines[file] = src
				}
				i, _ := strconv.Atoi(ln)
				if i < 1 || i > len(src) || !bytes.Contains([]byte(src[i-1]), []byte("math.FMA(")) {
					t.Errorf("%v %s: %s at %s:%s, a line without math.FMA: a product was fused (convert it explicitly)", env, pkg, m[3], file, ln)
				}
			}
			if err := sc.Err(); err != nil {
				t.Fatalf("reading the listing of %s for %v: %v", pkg, env, err)
			}
			if pkg == "." && n == 0 {
				// The fast path does call math.FMA, which is an
				// instruction on all these targets: none found means
				// the pattern no longer matches the listing.
				t.Errorf("%v: no fused instruction in softfloat's listing; the test's pattern is stale", env)
			}
		}
	}
}

func splitLines(b []byte) []string {
	var out []string
	for _, l := range bytes.Split(b, []byte("\n")) {
		out = append(out, string(l))
	}
	return out
}
