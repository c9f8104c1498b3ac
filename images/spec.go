package images

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"
)

// A Spec declares an image: which Debian suite and architecture, which
// packages (their dependency closure is added), which kernel, and the
// environment defaults of commands run on the image. It is written in TOML
// (https://toml.io/en/v1.0.0), for example:
//
//	suite = "trixie"
//	arch = "riscv64"
//	kernel = "linux-image-6.12.107+deb13-riscv64"
//	packages = ["golang-1.24-go", "busybox-static", "ca-certificates"]
//
//	[env]
//	PATH = "/usr/lib/go-1.24/bin:/usr/bin:/bin"
//
// A package entry is a relation as in a Depends field, so it may pin a
// version ("golang-1.24-go (= 1.24.4-1)") or list alternatives ("a | b").
type Spec struct {
	Suite    string            `toml:"suite"`
	Arch     string            `toml:"arch"`
	Kernel   string            `toml:"kernel"`
	Packages []string          `toml:"packages"`
	Env      map[string]string `toml:"env"`
	// Warmup, if set, is run before every job's snapshot (see Warmup).
	Warmup *Warmup `toml:"warmup"`
}

// ParseSpec parses and checks a spec; name is for error messages. Unknown
// keys are errors, so that a misspelt key is not silently ignored.
func ParseSpec(name string, data []byte) (*Spec, error) {
	var s Spec
	md, err := toml.NewDecoder(bytes.NewReader(data)).Decode(&s)
	if err != nil {
		return nil, fmt.Errorf("spec %s: %w", name, err)
	}
	if u := md.Undecoded(); len(u) > 0 {
		keys := make([]string, len(u))
		for i, k := range u {
			keys[i] = k.String()
		}
		return nil, fmt.Errorf("spec %s: unknown keys %s", name, strings.Join(keys, ", "))
	}
	if err := s.check(); err != nil {
		return nil, fmt.Errorf("spec %s: %w", name, err)
	}
	return &s, nil
}

func (s *Spec) check() error {
	if !validPackageName(s.Suite) {
		return fmt.Errorf("suite %q is not a suite name", s.Suite)
	}
	if !validArch(s.Arch) || s.Arch == "any" || s.Arch == "native" || s.Arch == "all" {
		return fmt.Errorf("arch %q is not an architecture", s.Arch)
	}
	if !validPackageName(s.Kernel) {
		return fmt.Errorf("kernel %q is not a package name", s.Kernel)
	}
	if len(s.Packages) == 0 {
		return fmt.Errorf("packages is empty")
	}
	if _, err := s.roots(); err != nil {
		return err
	}
	for k, v := range s.Env {
		if k == "" || strings.ContainsAny(k, "=\x00") || strings.ContainsRune(v, 0) {
			return fmt.Errorf("env %q: names must be non-empty without '=' or NUL, values without NUL", k)
		}
	}
	return s.Warmup.check()
}

// roots parses the package entries.
func (s *Spec) roots() ([]Alternatives, error) {
	var roots []Alternatives
	for _, p := range s.Packages {
		alts, err := parseRelations(p)
		if err != nil {
			return nil, fmt.Errorf("packages: %w", err)
		}
		if len(alts) != 1 {
			return nil, fmt.Errorf("packages: %q must name one package (or alternatives), without commas", p)
		}
		roots = append(roots, alts[0])
	}
	return slices.Clip(roots), nil
}
