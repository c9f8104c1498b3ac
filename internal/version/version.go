// Package version holds reprovm's version numbers.
//
// Version names a release of the reprovm tool (CLI, fetchers, image
// builder). The guest-visible behaviour of the machine has a version of its
// own, machine.EmulatorVersion, because the two answer different questions:
// build stamps record the emulator's, so a verifier knows which machine to
// replay a build on.
package version

// Version is the semantic version of the reprovm tool.
const Version = "0.1.0-dev"
