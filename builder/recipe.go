package builder

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/ipfs/go-cid"

	"github.com/reprovm/reprovm/builder/deps"
	"github.com/reprovm/reprovm/images"
	"github.com/reprovm/reprovm/ipfsfetch"
)

// RecipeFile is the name of a project's build recipe, at its root.
const RecipeFile = "reprovm.toml"

// The guest paths of a build's source and outputs. Dependency <name> is
// at deps.GuestDir(name), /deps/<name>, read-only.
const (
	SourceMount = "/src" // the source tree, writable under a tmpfs overlay
	OutDir      = "/out" // outputs must be written below it
)

// DefaultOutDir is where reprovm build writes a project's outputs by
// default, inside the project; the source import always leaves it out, so
// that one build's outputs never become the next one's source.
const DefaultOutDir = "reprovm-out"

// DefaultBuildMaxInsns bounds a build when the recipe gives no limit: about
// 15 minutes at 150 MIPS.
const DefaultBuildMaxInsns = 150_000_000_000

// Recipe is a project's build, read from reprovm.toml (TOML 1.0):
//
//	image = "go"                      # built-in image name or image CID
//	command = ["go", "build", "-o", "/out/hello.wasm", "."]
//	workdir = "/src"                  # default /src
//	outputs = ["/out/hello.wasm"]
//	ram = "2G"                        # default 2G
//	max_insns = 150000000000          # default 150 G
//	exclude = ["target"]              # left out of the source import, besides .git
//
//	[env]
//	GOOS = "wasip1"
//
//	[deps]
//	gomod = "bafy..."                 # mounted read-only at /deps/gomod
//
// The source tree is the directory holding reprovm.toml. Everything the
// guest sees comes from the image, the source and the deps, all named by
// CID, and from the fields above; the stamp records them all.
type Recipe struct {
	Image    string            `toml:"image"`
	Command  []string          `toml:"command"`
	Workdir  string            `toml:"workdir"`
	Outputs  []string          `toml:"outputs"`
	RAM      string            `toml:"ram"`
	MaxInsns uint64            `toml:"max_insns"`
	Exclude  []string          `toml:"exclude"`
	Env      map[string]string `toml:"env"`
	Deps     map[string]string `toml:"deps"`
}

// LoadRecipe reads and checks the recipe file at path.
func LoadRecipe(path string) (*Recipe, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("recipe: %w (a project declares its build in %s at its root)", err, RecipeFile)
	}
	return ParseRecipe(path, data)
}

// ParseRecipe parses and checks a recipe; name is used in errors. Unknown
// keys are errors, so that a typo never silently changes a build.
func ParseRecipe(name string, data []byte) (*Recipe, error) {
	var r Recipe
	md, err := toml.NewDecoder(bytes.NewReader(data)).Decode(&r)
	if err != nil {
		return nil, fmt.Errorf("recipe %s: %w", name, err)
	}
	if u := md.Undecoded(); len(u) > 0 {
		keys := make([]string, len(u))
		for i, k := range u {
			keys[i] = k.String()
		}
		return nil, fmt.Errorf("recipe %s: unknown key(s) %s (known: image, command, workdir, outputs, ram, max_insns, exclude, [env], [deps])", name, strings.Join(keys, ", "))
	}
	if err := r.Check(); err != nil {
		return nil, fmt.Errorf("recipe %s: %w", name, err)
	}
	return &r, nil
}

// envKey is the form of an environment variable name.
var envKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Check reports the first problem with r, saying what is expected.
func (r *Recipe) Check() error {
	if r.Image == "" {
		return fmt.Errorf("image: missing; give a built-in image name (go, rust-wasm) or an image CID")
	}
	if len(r.Command) == 0 || r.Command[0] == "" {
		return fmt.Errorf(`command: missing; give argv as a list, for example ["sh", "-c", "make"]`)
	}
	if r.Workdir != "" && (!path.IsAbs(r.Workdir) || path.Clean(r.Workdir) != r.Workdir) {
		return fmt.Errorf("workdir %q: want an absolute, clean guest path such as %s", r.Workdir, SourceMount)
	}
	if len(r.Outputs) == 0 {
		return fmt.Errorf("outputs: missing; list the files the build leaves in %s, for example [\"%s/app.wasm\"]", OutDir, OutDir)
	}
	seen := map[string]bool{}
	for _, o := range r.Outputs {
		if _, err := OutputName(o); err != nil {
			return err
		}
		if seen[o] {
			return fmt.Errorf("outputs: %s listed twice", o)
		}
		seen[o] = true
	}
	if r.RAM != "" {
		n, err := ParseSize(r.RAM)
		if err != nil {
			return fmt.Errorf("ram: %w", err)
		}
		if err := CheckRAMSize(n); err != nil {
			return fmt.Errorf("ram: %w", err)
		}
	}
	for _, p := range r.Exclude {
		if _, err := path.Match(p, ""); err != nil {
			return fmt.Errorf("exclude %q: %w", p, err)
		}
	}
	for k := range r.Env {
		if !envKey.MatchString(k) {
			return fmt.Errorf("env: %q is not a variable name", k)
		}
	}
	for name, c := range r.Deps {
		if err := deps.CheckName(name); err != nil {
			return err
		}
		if _, err := ipfsfetch.ParseCID(c); err != nil {
			return fmt.Errorf("deps.%s: %w", name, err)
		}
	}
	return nil
}

// OutputName checks an output path and returns it relative to /out.
func OutputName(p string) (string, error) {
	rel, ok := strings.CutPrefix(p, OutDir+"/")
	if !ok || path.Clean(p) != p || rel == "" {
		return "", fmt.Errorf("output %q: want a clean path below %s, such as %s/app.wasm", p, OutDir, OutDir)
	}
	return rel, nil
}

// SourceExcludes returns the patterns the source import leaves out
// besides .git (ipfsfetch.DefaultExcludes): DefaultOutDir and the recipe's
// exclude list.
func (r *Recipe) SourceExcludes() []string {
	return append([]string{DefaultOutDir}, r.Exclude...)
}

// ImportSource imports the project directory dir into store as a build of
// r sees it: .git, DefaultOutDir and r's exclude patterns left out.
func (r *Recipe) ImportSource(ctx context.Context, store *ipfsfetch.Store, dir string) (cid.Cid, error) {
	return store.Import(ctx, dir, ipfsfetch.ImportOptions{Exclude: r.SourceExcludes()})
}

// RAMBytes returns the guest RAM size of the build.
func (r *Recipe) RAMBytes() uint64 {
	if r.RAM == "" {
		return DefaultRAMSize
	}
	n, _ := ParseSize(r.RAM) // checked by Check
	return n
}

// Insns returns the instruction limit of the build.
func (r *Recipe) Insns() uint64 {
	if r.MaxInsns == 0 {
		return DefaultBuildMaxInsns
	}
	return r.MaxInsns
}

// Dir returns the working directory of the build.
func (r *Recipe) Dir() string {
	if r.Workdir == "" {
		return SourceMount
	}
	return r.Workdir
}

// EnvList returns the recipe's environment as sorted KEY=VALUE entries.
func (r *Recipe) EnvList() []string { return images.EnvPairs(r.Env) }

// DepNames returns the dependency names, sorted.
func (r *Recipe) DepNames() []string {
	names := make([]string, 0, len(r.Deps))
	for n := range r.Deps {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// SetTOMLKey returns the TOML text with key set to the string value in
// [table] (the top level when table is ""), changing only that line, or
// adding it at the end of the table (and the table at the end of the text
// if it is missing), so that comments and layout survive. It handles the
// files reprovm writes and ordinary hand-written ones: one key per line,
// no dotted or inline-table spellings of the same key.
func SetTOMLKey(text, table, key, value string) string {
	lines := strings.SplitAfter(text, "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	line := key + " = " + strconv.Quote(value) + "\n"
	cur := ""
	start, last := -1, -1 // the table's header line and its last key line
	found := table == ""
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "[") {
			cur = strings.TrimSpace(strings.Trim(t, "[]"))
			if cur == table {
				start, last, found = i, i, true
			}
			continue
		}
		if cur != table || t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		last = i
		k, _, ok := strings.Cut(t, "=")
		if ok && strings.Trim(strings.TrimSpace(k), `"`) == key {
			lines[i] = line
			return strings.Join(lines, "")
		}
	}
	if !found {
		out := strings.Join(lines, "")
		if out != "" && !strings.HasSuffix(out, "\n") {
			out += "\n"
		}
		if out != "" {
			out += "\n"
		}
		return out + "[" + table + "]\n" + line
	}
	if table == "" && last == -1 {
		// No top-level key yet: put it first.
		return line + strings.Join(lines, "")
	}
	if last == -1 {
		last = start
	}
	if !strings.HasSuffix(lines[last], "\n") {
		lines[last] += "\n"
	}
	lines = slices.Insert(lines, last+1, line)
	return strings.Join(lines, "")
}
