package images

import (
	"fmt"
	"path"
	"strings"

	"github.com/reprovm/reprovm/guest/proto"
)

// Warmup is an image's warm-up command: the guest init runs it once per
// boot, after assembling the root and before the ready point where the
// host snapshots the machine (see guest/proto.Boot), so that whatever it
// leaves in RAM serves every job started from that snapshot. The `go`
// image compiles the standard library for GOOS=wasip1 GOARCH=wasm into
// its GOCACHE (on /tmp, a tmpfs), so that a build finds it compiled.
//
// It is declared in the spec, copied into the lock and the manifest, and
// so covered by the image CID: a build's stamp names the image, and with
// it the warm-up whose work the build reuses.
//
//	[warmup]
//	command = ["go", "build", "std"]
//	env = { GOOS = "wasip1", GOARCH = "wasm" }
type Warmup struct {
	// Command is run directly (no shell) in the image's root, with the
	// image's environment and then Env, in Dir ("" = "/"). It must exit 0.
	Command []string          `toml:"command" json:"command"`
	Env     map[string]string `toml:"env" json:"env,omitempty"`
	Dir     string            `toml:"dir" json:"dir,omitempty"`
}

// check reports whether w is well formed.
func (w *Warmup) check() error {
	if w == nil {
		return nil
	}
	if len(w.Command) == 0 || w.Command[0] == "" {
		return fmt.Errorf("warmup: empty command")
	}
	for _, a := range w.Command {
		if strings.ContainsRune(a, 0) {
			return fmt.Errorf("warmup: NUL in argument %q", a)
		}
	}
	for k, v := range w.Env {
		if k == "" || strings.ContainsAny(k, "=\x00") || strings.ContainsRune(v, 0) {
			return fmt.Errorf("warmup: env %q: names must be non-empty without '=' or NUL, values without NUL", k)
		}
	}
	if w.Dir != "" && (!path.IsAbs(w.Dir) || path.Clean(w.Dir) != w.Dir) {
		return fmt.Errorf("warmup: dir %q is not a clean absolute path", w.Dir)
	}
	return nil
}

// WarmupCommand returns the image's warm-up as the guest init runs it
// (its Env after the image's environment is added by the runner), or nil.
func (m *Manifest) WarmupCommand() *proto.Command {
	if m.Warmup == nil {
		return nil
	}
	return &proto.Command{Argv: m.Warmup.Command, Env: EnvPairs(m.Warmup.Env), Dir: m.Warmup.Dir}
}
