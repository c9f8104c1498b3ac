package deps_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/reprovm/reprovm/builder/deps"
)

const helloGo = "../../testdata/examples/hello-go"

// helloGoOutput is what hello-go prints, on every platform.
const helloGoOutput = "hello from reprovm\n" + `xxh64("hello from reprovm") = 81a96444dc33658e` + "\n"

// goTree runs deps.Go on moduleDir into a new directory and returns it.
func goTree(t *testing.T, moduleDir string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "gomod")
	var log bytes.Buffer
	if err := deps.Go(context.Background(), moduleDir, out, &log); err != nil {
		t.Fatalf("deps.Go(%s): %v\nlog:\n%s", moduleDir, err, log.String())
	}
	return out
}

var (
	hostGoCacheOnce sync.Once
	hostGoCache     string
)

// offlineGoEnv is the guest's environment (deps.GoEnv) moved to the host:
// GOPROXY is the tree, the module cache a new empty directory, and the
// build cache the host's (it holds no modules, only compiled packages).
// With GOPROXY naming only a file: URL, nothing can come from the network.
func offlineGoEnv(t *testing.T, tree string, extra ...string) []string {
	t.Helper()
	hostGoCacheOnce.Do(func() {
		out, err := tryCommand("", nil, "go", "env", "GOCACHE")
		if err == nil {
			hostGoCache = strings.TrimSpace(out)
		}
	})
	if hostGoCache == "" {
		hostGoCache = filepath.Join(t.TempDir(), "gocache")
	}
	guest, err := deps.GoEnv("gomod")
	if err != nil {
		t.Fatal(err)
	}
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "GOENV=off", "GOCACHE=" + hostGoCache}
	for _, kv := range guest {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "GOPROXY":
			v = "file://" + filepath.ToSlash(tree)
		case "GOMODCACHE":
			v = filepath.Join(t.TempDir(), "modcache")
		case "GOFLAGS":
			v += " -modcacherw" // so that t.TempDir can remove it
		}
		env = append(env, k+"="+v)
	}
	return append(env, extra...)
}

// TestGoHelloWasip1 is the Go path end to end on the host: deps.Go makes
// hello-go's tree, the go command builds hello-go from that tree alone for
// wasip1 and js/wasm, and the wasip1 module runs under wazero and prints
// what hello-go prints.
func TestGoHelloWasip1(t *testing.T) {
	ctx := context.Background()
	before := lockFiles(t, helloGo, "go.mod", "go.sum")
	tree := goTree(t, helloGo)
	if after := lockFiles(t, helloGo, "go.mod", "go.sum"); after != before {
		t.Errorf("deps.Go changed the module it read:\n%s\nwas\n%s", after, before)
	}
	for _, want := range []string{
		"github.com/cespare/xxhash/v2/@v/list",
		"github.com/cespare/xxhash/v2/@v/v2.3.0.info",
		"github.com/cespare/xxhash/v2/@v/v2.3.0.mod",
		"github.com/cespare/xxhash/v2/@v/v2.3.0.zip",
	} {
		if _, err := os.Stat(filepath.Join(tree, want)); err != nil {
			t.Errorf("tree: %v", err)
		}
	}
	info, err := os.ReadFile(filepath.Join(tree, "github.com/cespare/xxhash/v2/@v/v2.3.0.info"))
	if err != nil || string(info) != `{"Version":"v2.3.0","Time":"2024-04-04T20:00:10Z"}` {
		t.Errorf("v2.3.0.info = %q, %v", info, err)
	}

	src := t.TempDir()
	copyDir(t, src, helloGo)
	bin := t.TempDir()
	command(t, src, offlineGoEnv(t, tree, "GOOS=js", "GOARCH=wasm"), "go", "build", "-o", filepath.Join(bin, "hello.js.wasm"), ".")
	command(t, src, offlineGoEnv(t, tree, "GOOS=wasip1", "GOARCH=wasm"), "go", "build", "-o", filepath.Join(bin, "hello.wasm"), ".")
	if got := lockFiles(t, src, "go.mod", "go.sum"); got != before {
		t.Errorf("the offline build changed go.mod or go.sum:\n%s", got)
	}

	wasm, err := os.ReadFile(filepath.Join(bin, "hello.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	wasi_snapshot_preview1.MustInstantiate(ctx, r)
	var stdout, stderr bytes.Buffer
	if _, err := r.InstantiateWithConfig(ctx, wasm,
		wazero.NewModuleConfig().WithName("hello-go").WithArgs("hello-go").WithStdout(&stdout).WithStderr(&stderr)); err != nil {
		t.Fatalf("run hello.wasm under wazero: %v\nstderr: %s", err, stderr.String())
	}
	if got := stdout.String(); got != helloGoOutput {
		t.Errorf("hello.wasm printed %q, want %q", got, helloGoOutput)
	}
}

// TestGoDeterministic: two runs give the same tree, byte for byte and
// mode for mode, with every time at the epoch.
func TestGoDeterministic(t *testing.T) {
	for _, dir := range []string{helloGo, "testdata/graph"} {
		a, b := listing(t, goTree(t, dir)), listing(t, goTree(t, dir))
		if a != b {
			t.Errorf("%s: two runs differ:\n%s\n%s", dir, a, b)
		}
		if strings.Contains(a, ".lock") || strings.Contains(a, ".ziphash") || strings.Contains(a, "sumdb") {
			t.Errorf("%s: tree holds cache bookkeeping:\n%s", dir, a)
		}
	}
}

// TestGoGraphOnlyModules: testdata/graph needs cobra, whose go.mod (go
// 1.15, so not pruned) requires modules no package of the build imports.
// The tree has their .mod and .info but not their zips, and the go command
// loads the whole graph, lists it and builds from the tree alone; without
// one of those .mod files, it cannot.
func TestGoGraphOnlyModules(t *testing.T) {
	tree := goTree(t, "testdata/graph")
	graphOnly := []string{
		"github.com/cpuguy83/go-md2man/v2/@v/v2.0.6",
		"github.com/russross/blackfriday/v2/@v/v2.1.0",
		"go.yaml.in/yaml/v3/@v/v3.0.4",
		"gopkg.in/check.v1/@v/v0.0.0-20161208181325-20d25e280405",
	}
	built := []string{
		"github.com/spf13/cobra/@v/v1.10.2",
		"github.com/spf13/pflag/@v/v1.0.9",
		"github.com/inconshreveable/mousetrap/@v/v1.1.0", // imported on windows only
	}
	var want []string
	for _, m := range graphOnly {
		want = append(want, m+".info", m+".mod")
	}
	for _, m := range built {
		want = append(want, m+".info", m+".mod", m+".zip")
	}
	for _, m := range append(graphOnly, built...) {
		want = append(want, m[:strings.Index(m, "@v/")+3]+"list")
	}
	slices.Sort(want)
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(listing(t, tree)), "\n") {
		if name, _, _ := strings.Cut(line, " "); !strings.HasSuffix(name, "/") {
			got = append(got, name)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("tree files:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	src := t.TempDir()
	copyDir(t, src, "testdata/graph")
	list := command(t, src, offlineGoEnv(t, tree), "go", "list", "-m", "all")
	wantList := "example.com/graph\n" +
		"github.com/cpuguy83/go-md2man/v2 v2.0.6\n" +
		"github.com/inconshreveable/mousetrap v1.1.0\n" +
		"github.com/russross/blackfriday/v2 v2.1.0\n" +
		"github.com/spf13/cobra v1.10.2\n" +
		"github.com/spf13/pflag v1.0.9\n" +
		"go.yaml.in/yaml/v3 v3.0.4\n" +
		"gopkg.in/check.v1 v0.0.0-20161208181325-20d25e280405\n"
	if list != wantList {
		t.Errorf("go list -m all:\n%s\nwant:\n%s", list, wantList)
	}
	command(t, src, offlineGoEnv(t, tree), "go", "list", "-m", "-json", "all")
	command(t, src, offlineGoEnv(t, tree), "go", "mod", "graph")
	for _, target := range [][]string{{"GOOS=wasip1", "GOARCH=wasm"}, {"GOOS=js", "GOARCH=wasm"}, {"GOOS=windows", "GOARCH=amd64"}} {
		command(t, src, offlineGoEnv(t, tree, target...), "go", "build", "-o", filepath.Join(t.TempDir(), "graph"), ".")
	}
	bin := filepath.Join(t.TempDir(), "graph")
	command(t, src, offlineGoEnv(t, tree), "go", "build", "-o", bin, ".")
	if out, err := tryCommand(src, nil, bin); err != nil {
		t.Errorf("run graph: %v", err)
	} else if out != "" {
		t.Errorf("graph printed %q on stdout; cobra prints to stderr", out)
	}

	// The negative control: the graph does not load without a graph-only
	// .mod, so the files above are there because they are needed.
	if err := os.Remove(filepath.Join(tree, "github.com/russross/blackfriday/v2/@v/v2.1.0.mod")); err != nil {
		t.Fatal(err)
	}
	if out, err := tryCommand(src, offlineGoEnv(t, tree), "go", "list", "-m", "all"); err == nil {
		t.Errorf("go list -m all without blackfriday's .mod succeeded:\n%s", out)
	} else if !strings.Contains(err.Error(), "blackfriday") {
		t.Errorf("go list -m all without blackfriday's .mod: %v", err)
	}
}

// TestGoErrors: every failure names what failed, and leaves neither out
// nor a staging directory behind.
func TestGoErrors(t *testing.T) {
	mod := func(gomod, gosum string) string {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644); err != nil {
			t.Fatal(err)
		}
		if gosum != "" {
			if err := os.WriteFile(filepath.Join(dir, "go.sum"), []byte(gosum), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	graphSum, err := os.ReadFile("testdata/graph/go.sum")
	if err != nil {
		t.Fatal(err)
	}
	var noYAML []string
	for _, line := range strings.SplitAfter(string(graphSum), "\n") {
		if !strings.HasPrefix(line, "go.yaml.in/yaml/v3 ") {
			noYAML = append(noYAML, line)
		}
	}
	existing := t.TempDir()
	tests := []struct {
		name      string
		moduleDir string
		out       string
		env       map[string]string
		want      []string // substrings of the error
	}{
		{
			name:      "no go.mod",
			moduleDir: t.TempDir(),
			want:      []string{"go.mod"},
		},
		{
			name:      "out exists",
			moduleDir: helloGo,
			out:       existing,
			want:      []string{existing, "already exists"},
		},
		{
			name:      "malformed go.sum",
			moduleDir: mod("module example.com/m\n\ngo 1.24\n", "one two\n"),
			want:      []string{"go.sum:1"},
		},
		{
			name: "GOPROXY=off",
			moduleDir: mod("module example.com/offline\n\ngo 1.24\n\nrequire github.com/cespare/xxhash/v2 v2.3.0\n",
				"github.com/cespare/xxhash/v2 v2.3.0 h1:UL815xU9SqsFlibzuggzjXhog7bL6oX9BbNZnL2UFvs=\n"+
					"github.com/cespare/xxhash/v2 v2.3.0/go.mod h1:VGX0DQ3Q6kWi7AoAeZDth3/j3BFtOZR5XLFGgcrjCOs=\n"),
			env:  map[string]string{"GOPROXY": "off"},
			want: []string{"example.com/offline", "GOPROXY=off"},
		},
		{
			name:      "go.sum tampered",
			moduleDir: mod("module example.com/tampered\n\ngo 1.24\n\nrequire github.com/cespare/xxhash/v2 v2.3.0\n", "github.com/cespare/xxhash/v2 v2.3.0/go.mod h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"),
			want:      []string{"example.com/tampered", "SECURITY ERROR"},
		},
		{
			name: "go.mod not tidy",
			// cobra v1.10.2 requires pflag v1.0.9: the graph raises
			// pflag, so the go command would rewrite this go.mod.
			moduleDir: mod("module example.com/untidy\n\ngo 1.24\n\nrequire (\n\tgithub.com/spf13/cobra v1.10.2\n\tgithub.com/spf13/pflag v1.0.5\n)\n", string(graphSum)),
			want:      []string{"example.com/untidy", "go mod tidy"},
		},
		{
			name:      "graph-only .mod missing from go.sum",
			moduleDir: mod("module example.com/graph\n\ngo 1.24\n\nrequire github.com/spf13/cobra v1.10.2\n\nrequire (\n\tgithub.com/inconshreveable/mousetrap v1.1.0 // indirect\n\tgithub.com/spf13/pflag v1.0.9 // indirect\n)\n", strings.Join(noYAML, "")),
			want:      []string{"example.com/graph", "go.yaml.in/yaml/v3@v3.0.4", "go.sum"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			out := tt.out
			if out == "" {
				out = filepath.Join(t.TempDir(), "gomod")
			}
			err := deps.Go(context.Background(), tt.moduleDir, out, nil)
			if err == nil {
				t.Fatal("no error")
			}
			t.Logf("error: %v", err)
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if tt.out == "" {
				noLeftovers(t, out)
			}
		})
	}
}

// TestGoNoDependencies: a module with no requirements gets an empty tree.
func TestGoNoDependencies(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/alone\n\ngo 1.24\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := listing(t, goTree(t, dir)); got != "./ drwxr-xr-x\n" {
		t.Errorf("tree of a module without requirements:\n%s", got)
	}
}

// TestGoHostEnvironmentIgnored: the go settings of the process that calls
// Go (a vendor GOFLAGS, a workspace, another module cache or toolchain)
// do not reach the host go command, and a relative out works: the tree is
// the same as under a clean environment.
func TestGoHostEnvironmentIgnored(t *testing.T) {
	want := listing(t, goTree(t, helloGo))
	module, err := filepath.Abs(helloGo)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	elsewhere := filepath.Join(dir, "elsewhere")
	t.Setenv("GOFLAGS", "-mod=vendor")
	t.Setenv("GOWORK", filepath.Join(dir, "missing", "go.work"))
	t.Setenv("GOMODCACHE", elsewhere)
	t.Setenv("GOPATH", elsewhere)
	t.Setenv("GOTOOLCHAIN", "go1.99.0")
	t.Setenv("GO111MODULE", "off")
	t.Chdir(dir)
	if err := deps.Go(context.Background(), module, "gomod", nil); err != nil {
		t.Fatal(err)
	}
	if got := listing(t, filepath.Join(dir, "gomod")); got != want {
		t.Errorf("tree under a polluted environment:\n%s\nwant:\n%s", got, want)
	}
	if _, err := os.Stat(elsewhere); err == nil {
		t.Errorf("the go command wrote to the caller's GOMODCACHE or GOPATH")
	}
}
