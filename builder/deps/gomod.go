package deps

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// GoModCache is the guest's module cache: empty at the start of every
// build, on the writable /tmp, filled by the go command from the tree.
const GoModCache = "/tmp/gomodcache"

// GoEnv returns the environment, as KEY=VALUE entries, under which the go
// command in the guest builds a module whose dependency tree (made by Go)
// is mounted at GuestRoot/name:
//
//   - GOPROXY=file:///deps/<name>: the tree is the only proxy, with no
//     fallback, so a module missing from it is an error, never a network
//     request.
//   - GOSUMDB=off: there is no checksum database to ask; go.sum, part of
//     the source, still checks every file taken from the tree.
//   - GOFLAGS=-mod=mod -trimpath: load modules from the proxy even if the
//     source holds a vendor directory; -trimpath keeps host and guest paths
//     out of the binary. It is spelled out because an entry here replaces
//     the image's GOFLAGS (the go image sets -trimpath) rather than
//     adding to it.
//   - GOMODCACHE=/tmp/gomodcache: an empty cache on the writable /tmp.
//   - GOWORK=off: the build is of the one module Go prepared for, as it
//     was prepared (Go runs the host's go command with GOWORK=off too).
//   - GOTOOLCHAIN=local: never try to download another toolchain.
func GoEnv(name string) ([]string, error) {
	dir, err := GuestDir(name)
	if err != nil {
		return nil, err
	}
	return []string{
		"GOPROXY=file://" + dir,
		"GOSUMDB=off",
		"GOFLAGS=-mod=mod -trimpath",
		"GOMODCACHE=" + GoModCache,
		"GOWORK=off",
		"GOTOOLCHAIN=local",
	}, nil
}

// Go prepares the dependency tree of the Go module in moduleDir at out, a
// directory that must not exist yet: the module proxy tree described in
// the package documentation, for the guest to build from with GoEnv.
//
// It runs the host's go command (the first "go" on PATH) with the network,
// as `go mod download` with no arguments and `go list -m -json all` (for
// the .info files of modules that are only in the graph) into a fresh
// module cache, and publishes the proxy files of that cache. The project is never written:
// the go command reads and writes copies of go.mod and go.sum (-modfile),
// and Go fails if go.mod needed changes, since the guest, building from a
// read-only source, could not make them either. The tree is built in a
// private directory beside out and renamed to out only when complete;
// on any error out does not exist. Progress and the go command's messages
// go to log (nil discards them).
//
// The host go command runs with an environment of its own, so that
// nothing on this host but the choice of proxy can change what it fetches:
// GOPROXY, GONOPROXY, GOPRIVATE, GOSUMDB, GONOSUMDB, GOINSECURE, GOAUTH
// and GOVCS come from the environment (GOPROXY defaults to
// https://proxy.golang.org,direct), with what git, TLS and HTTP proxies
// need (PATH, HOME, SSL_CERT_*, *_PROXY, SSH_AUTH_SOCK, NETRC); GOENV=off
// ignores the user's go env file, and GOMODCACHE, GOCACHE, GOPATH,
// GOFLAGS, GOWORK=off, GOTOOLCHAIN=local and GO111MODULE=on are set.
func Go(ctx context.Context, moduleDir, out string, log io.Writer) error {
	if log == nil {
		log = io.Discard
	}
	modData, err := os.ReadFile(filepath.Join(moduleDir, "go.mod"))
	if err != nil {
		return fmt.Errorf("deps: read go.mod: %w", err)
	}
	sumData, err := os.ReadFile(filepath.Join(moduleDir, "go.sum"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("deps: read go.sum: %w", err)
	}
	sums, err := parseGoSum(sumData)
	if err != nil {
		return fmt.Errorf("deps: %s: %w", filepath.Join(moduleDir, "go.sum"), err)
	}

	st, err := newStaging(out)
	if err != nil {
		return err
	}
	defer st.cleanup()
	altMod := st.path("modfile", "go.mod")
	for _, f := range []struct {
		path string
		data []byte
	}{{altMod, modData}, {st.path("modfile", "go.sum"), sumData}} {
		if err := writeFile(f.path, f.data); err != nil {
			return fmt.Errorf("deps: copy go.mod and go.sum: %w", err)
		}
	}
	env := goHostEnv(st)

	js, err := run(ctx, log, "go mod edit -json", moduleDir, env, "go", "mod", "edit", "-json", altMod)
	if err != nil {
		return fmt.Errorf("deps: read go.mod: %w", err)
	}
	var gomod struct {
		Module struct{ Path string }
		Go     string
	}
	if err := json.Unmarshal(js, &gomod); err != nil {
		return fmt.Errorf("deps: decode go mod edit -json: %w", err)
	}
	mod := gomod.Module.Path
	fmt.Fprintf(log, "deps: downloading the module dependencies of %s (go %s)\n", mod, gomod.Go)

	if _, err := run(ctx, log, "go mod download", moduleDir, env, "go", "mod", "download", "-modfile="+altMod); err != nil {
		return fmt.Errorf("deps: download the dependencies of %s: %w", mod, err)
	}
	// go mod download leaves the .info of modules that are only in the
	// graph unfetched; go list -m -json all, which reports each module's
	// time, fetches them without their zips.
	if _, err := run(ctx, log, "go list -m -json all", moduleDir, env, "go", "list", "-m", "-json", "-mod=mod", "-modfile="+altMod, "all"); err != nil {
		return fmt.Errorf("deps: list the module graph of %s: %w", mod, err)
	}
	after, err := os.ReadFile(altMod)
	if err != nil {
		return fmt.Errorf("deps: %s: %w", mod, err)
	}
	if !bytes.Equal(after, modData) {
		return fmt.Errorf("deps: %s: go.mod is not consistent with its module graph (the go command would rewrite it); run go mod tidy", mod)
	}

	tree := st.path("tree")
	if err := goTree(st.path("modcache", "cache", "download"), tree, sums, log); err != nil {
		return fmt.Errorf("deps: %s: %w", mod, err)
	}
	return st.publish(tree)
}

// goHostPassEnv are the variables Go takes from its own environment: the
// choice of module proxy and checksum database, and what the go command,
// git and HTTP need to reach them.
var goHostPassEnv = []string{
	"PATH", "HOME", "TMPDIR", "GOROOT",
	"GOPROXY", "GONOPROXY", "GOPRIVATE", "GOSUMDB", "GONOSUMDB", "GOINSECURE", "GOAUTH", "GOVCS",
	"SSL_CERT_FILE", "SSL_CERT_DIR",
	"HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy",
	"SSH_AUTH_SOCK", "NETRC",
}

// goHostEnv is the environment of the host go command: goHostPassEnv
// from this process, and everything that decides where the go command
// reads and writes fixed to the staging directory.
func goHostEnv(st *staging) []string {
	var env []string
	for _, k := range goHostPassEnv {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	if os.Getenv("GOPROXY") == "" {
		env = append(env, "GOPROXY=https://proxy.golang.org,direct")
	}
	return append(env,
		"GOENV=off",
		"GO111MODULE=on",
		"GOWORK=off",
		"GOTOOLCHAIN=local",
		// -modcacherw: extracted modules stay removable with the staging
		// directory. -mod is not here: go mod download ignores it.
		"GOFLAGS=-modcacherw",
		"GOMODCACHE="+st.path("modcache"),
		"GOCACHE="+st.path("gocache"),
		"GOPATH="+st.path("gopath"),
	)
}
