// Package version holds reprovm's version numbers.
//
// There are two, because they answer different questions. Version names a
// release of the reprovm tool (CLI, fetchers, image builder). Emulator names
// the guest-visible behaviour of the machine: two builds with the same
// Emulator version must give the same output bytes, retired-instruction
// count and state root for the same recipe (DESIGN.md, "Determinism rules").
// Build stamps record Emulator, so a verifier knows which machine to replay
// a build on.
package version

// Version is the semantic version of the reprovm tool.
const Version = "0.1.0-dev"

// Emulator is the semantic version of the machine's guest-visible behaviour.
// Bump the major version for any change that can alter an instruction's
// result, a trap, a device response or the retired-instruction count of an
// existing program; bump the minor version for additions that existing
// programs cannot observe.
//
// It lives here until package machine exports its own constant
// (machine.EmulatorVersion); then this becomes an alias of that one.
const Emulator = "0.1.0-dev"
