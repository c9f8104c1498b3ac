// Package deps prepares a project's dependencies on the host, where the
// network is, as a directory tree that the machine, which has no network,
// builds from.
//
// The tree is the whole contract between host and guest: the CLI imports
// it into the local store (a UnixFS directory, which records names,
// contents and the executable bit, nothing else), records its CID in the
// project's reprovm.toml as `name = "CID"`, and the guest sees it read-only
// at /deps/<name> (GuestRoot). Because only the CID reaches the build
// record, the tree must be a pure function of the project's lock files:
// the same go.sum or Cargo.lock gives the same bytes on every host and
// every run. Trees are therefore normalised before they are published:
// regular files and directories only, mode 0644 or 0755 (the executable
// bit is kept, nothing else), every modification time set to the Unix
// epoch, and no lock, temporary or cache-index files.
//
// # Go: a module proxy tree
//
// Go builds the tree a module proxy would serve (the GOPROXY protocol,
// https://go.dev/ref/mod#goproxy-protocol) in the layout the go command
// itself writes under $GOMODCACHE/cache/download: for each module version
// <module>/@v/<version>.mod and <version>.info, and <version>.zip where
// the build needs the code, plus a <module>/@v/list. The guest
// builds with GOPROXY=file:///deps/<name> and an empty module cache
// (GoEnv), so the go command fetches from the tree exactly as it would
// from proxy.golang.org, and, with no fallback in GOPROXY, never reaches
// for the network.
//
// This layout was chosen over an extracted module cache and over a vendor
// directory:
//
//   - The go command checks every .mod and .zip it takes from a proxy
//     against go.sum before using it, so the guest build re-verifies the
//     tree against the project's own lock file; files in an extracted
//     module cache are trusted as they are. (With GOSUMDB=off a file that
//     go.sum does not list would be taken unchecked, so Go refuses to
//     publish a tree holding a .mod file that go.sum does not list.)
//   - A zip per module version is smaller than its extracted files and has
//     one fixed form (the module zip format, golang.org/x/mod/zip), where an
//     extracted cache carries host-dependent extras (lock files, .partial
//     markers, the sumdb cache, read-only directory modes).
//   - Unlike `go mod vendor`, it needs no change to the project's source
//     tree, keeps go.mod's module graph checkable (vendor/ holds no .mod
//     files of modules that only take part in graph pruning), and serves
//     every GOOS/GOARCH from one tree.
//
// The tree holds what `go mod download` (no arguments) and
// `go list -m -json all` fetch into a fresh module cache. For a go.mod at
// `go 1.17` or later that is the zip of every module go.mod requires (by
// then go.mod lists every module that provides a package to the build, for
// every platform) and the .mod and .info files of every module in the
// pruned module graph, including those that are only in the graph and
// provide no package; for older go.mod files the zips are those of every
// module in the build list. That is what `go build`, `go list` (with -m
// -json too) and module graph loading need, for any GOOS/GOARCH, with
// nothing from the network; commands that ask a proxy about versions the
// go.mod does not name (go get, go list -m -u) are not served.
//
// # Rust: a vendored directory source
//
// Cargo runs `cargo vendor --locked` and publishes cargo's own vendor
// layout: one <crate>-<version> directory per crates.io package, each with
// the .cargo-checksum.json that cargo checks against Cargo.lock when it
// builds. The guest points crates.io at it with source replacement
// (CargoConfig, https://doc.rust-lang.org/cargo/reference/source-replacement.html)
// and builds with --offline (the rust-wasm image sets CARGO_NET_OFFLINE).
// Path dependencies are part of the source tree and are not vendored, so
// a crate with no crates.io dependencies gets an empty tree.
//
// A project with crates.io dependencies is vendored on a host that reaches
// crates.io (or a mirror configured as cargo source replacement, which
// vendoring respects; the vendored bytes are fixed by Cargo.lock's
// checksums either way): `reprovm deps cargo` there, then `reprovm add`
// or a CAR file carries the tree's CID to hosts that have no registry.
package deps
