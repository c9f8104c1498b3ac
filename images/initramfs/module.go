package initramfs

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"strings"

	"github.com/ulikunitz/xz"
)

// Loading a module as Debian ships it is slow in a machine that counts
// instructions. Measured on QEMU (-icount shift=0, so 1 ns = 1 guest
// instruction) for the ext4 stack (crc16, mbcache, jbd2, ext4; 8.3 MB
// uncompressed):
//
//	.ko.xz, signed (as shipped)   1.96 G instructions
//	.ko, signed                   1.47 G   (in-kernel xz costs ~0.5 G)
//	.ko, signature removed        0.11 G   (signature check ~1.3 G)
//
// The whole kernel boot to /init is ~0.3 G. PlainModule therefore
// decompresses on the host and cuts the appended signature, leaving the
// exact ELF object Debian built and signed. The kernel loads it (Debian
// does not set MODULE_SIG_FORCE) and marks itself tainted; nothing of the
// trust chain is lost, because the initramfs that carries the module is
// itself fixed by hash.

// sigMagic ends a signed module (include/linux/module_signature.h,
// MODULE_SIG_STRING).
const sigMagic = "~Module signature appended~\n"

// maxModuleSize bounds a decompressed module; ext4.ko is 7 MB.
const maxModuleSize = 256 << 20

// PlainModule returns a module file ready for the initramfs: decompressed
// if name ends in ".xz" (the name loses the suffix) and without its
// signature.
func PlainModule(name string, data []byte) (Module, error) {
	if base, ok := strings.CutSuffix(name, ".xz"); ok {
		r, err := xz.NewReader(bytes.NewReader(data))
		if err != nil {
			return Module{}, fmt.Errorf("decompress module %s: %w", name, err)
		}
		var buf bytes.Buffer
		n, err := io.Copy(&buf, io.LimitReader(r, maxModuleSize+1))
		if err != nil {
			return Module{}, fmt.Errorf("decompress module %s: %w", name, err)
		}
		if n > maxModuleSize {
			return Module{}, fmt.Errorf("decompress module %s: larger than %d bytes", name, maxModuleSize)
		}
		name, data = base, buf.Bytes()
	}
	plain, err := StripSignature(data)
	if err != nil {
		return Module{}, fmt.Errorf("module %s: %w", name, err)
	}
	return Module{Name: name, Data: plain}, nil
}

// StripSignature returns an uncompressed module without the signature
// that scripts/sign-file appends: the signature bytes, a 12-byte struct
// module_signature whose last field is the signature's length (big
// endian), and the magic string. An unsigned module is returned as it is.
func StripSignature(ko []byte) ([]byte, error) {
	if !bytes.HasPrefix(ko, []byte("\x7fELF")) {
		return nil, fmt.Errorf("not an ELF object")
	}
	if !bytes.HasSuffix(ko, []byte(sigMagic)) {
		return ko, nil
	}
	const infoSize = 12
	end := len(ko) - len(sigMagic)
	if end < infoSize {
		return nil, fmt.Errorf("truncated module signature")
	}
	info := ko[end-infoSize : end]
	sigLen := uint64(binary.BigEndian.Uint32(info[8:]))
	if sigLen > uint64(end-infoSize) {
		return nil, fmt.Errorf("module signature of %d bytes is longer than the module", sigLen)
	}
	plain := ko[:uint64(end-infoSize)-sigLen]
	if !bytes.HasPrefix(plain, []byte("\x7fELF")) {
		return nil, fmt.Errorf("module signature covers the ELF header")
	}
	return plain, nil
}
