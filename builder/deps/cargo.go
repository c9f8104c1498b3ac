package deps

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// CargoConfig returns the cargo configuration under which the guest
// builds a crate whose dependency tree (made by Cargo) is mounted at
// GuestRoot/name: crates.io is replaced by that directory
// (https://doc.rust-lang.org/cargo/reference/source-replacement.html),
// and cargo is offline. Cargo reads it from the project's
// .cargo/config.toml or from $CARGO_HOME/config.toml (the rust-wasm image
// sets CARGO_HOME=/tmp/cargo); in the project it also applies to builds on
// the host, where /deps/<name> does not exist, so $CARGO_HOME, written by
// the build command, keeps host builds unaffected. Registries other than
// crates.io and git dependencies are not replaced: a crate that has them
// does not build offline.
func CargoConfig(name string) (string, error) {
	dir, err := GuestDir(name)
	if err != nil {
		return "", err
	}
	return `# reprovm: crates.io packages come from the vendored tree at ` + dir + `.
[source.crates-io]
replace-with = "vendored-sources"

[source.vendored-sources]
directory = "` + dir + `"

[net]
offline = true
`, nil
}

// Cargo prepares the dependency tree of the cargo package or workspace in
// crateDir at out, a directory that must not exist yet: cargo's vendor
// layout (see the package documentation), for the guest to build from
// with CargoConfig.
//
// It runs the host's cargo (the first "cargo" on PATH) as `cargo vendor
// --locked --versioned-dirs --respect-source-config`, with this process's
// environment, so the user's cargo configuration (proxies, a crates.io
// mirror) applies. --locked refuses to touch Cargo.lock: the lock file is
// the recipe, and the vendored bytes are fixed by its checksums.
// --versioned-dirs names every directory <crate>-<version>, so a name does
// not change when a second version of a crate joins the graph. A crate
// with no crates.io dependencies gets an empty directory. The tree is
// built beside out and renamed to out only when complete; on any error
// out does not exist. cargo's messages go to log (nil discards them).
func Cargo(ctx context.Context, crateDir, out string, log io.Writer) error {
	if log == nil {
		log = io.Discard
	}
	manifest, err := filepath.Abs(filepath.Join(crateDir, "Cargo.toml"))
	if err != nil {
		return fmt.Errorf("deps: %w", err)
	}
	if _, err := os.Stat(manifest); err != nil {
		return fmt.Errorf("deps: %w", err)
	}
	// cargo would look for the lock file of an enclosing workspace; the
	// crate directory is what the guest builds, so its lock must be there.
	if _, err := os.Stat(filepath.Join(crateDir, "Cargo.lock")); err != nil {
		return fmt.Errorf("deps: %w (run cargo generate-lockfile and commit Cargo.lock)", err)
	}

	st, err := newStaging(out)
	if err != nil {
		return err
	}
	defer st.cleanup()
	tree := st.path("tree")
	fmt.Fprintf(log, "deps: vendoring the crates of %s\n", manifest)
	// cargo prints the configuration for a host path on standard output;
	// CargoConfig is the guest's.
	if _, err := run(ctx, log, "cargo vendor", crateDir, os.Environ(), "cargo", "vendor",
		"--locked", "--versioned-dirs", "--respect-source-config",
		"--manifest-path", manifest, tree); err != nil {
		return fmt.Errorf("deps: vendor the crates of %s: %w", manifest, err)
	}
	// With nothing to vendor, cargo creates nothing.
	if err := os.Mkdir(tree, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("deps: create tree: %w", err)
	}
	return st.publish(tree)
}
