// Package guest holds reprovm's guest side as the host sees it: the
// committed build of the guest init (source in guest/init) and the reader
// of the output drive the init writes.
//
// Why a committed binary: reprovm must work after a plain "go install",
// with no riscv64 build step on the user's machine, and the init must be
// byte-identical everywhere because it is part of the image every build
// depends on. TestInitReproducible rebuilds it from source with the flags
// in guest/internal/initbuild and requires the same bytes; the Go version
// that made it is in init.version. Regenerate both with
//
//	go generate ./guest
package guest

import (
	_ "embed"
	"strings"
)

//go:generate go run ./internal/mkinit

//go:embed init.riscv64
var initBinary []byte

//go:embed init.version
var initVersion string

// Init returns the guest init program: a static linux/riscv64 ELF to put
// at /init in the initramfs. The caller must not modify the slice.
func Init() []byte { return initBinary }

// InitGoVersion returns the Go version that built [Init], such as
// "go1.26.8".
func InitGoVersion() string { return strings.TrimSpace(initVersion) }
