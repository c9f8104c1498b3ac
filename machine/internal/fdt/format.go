package fdt

// Constants of the DTB format (Devicetree Specification v0.4, chapter 5).
const (
	magic = 0xd00dfeed // §5.2, fdt_header.magic

	headerSize = 40 // ten big-endian uint32 fields, §5.2

	// version is the format version written, and lastCompVersion the
	// oldest version it is backward compatible with (§5.2: 17 and 16).
	version         = 17
	lastCompVersion = 16

	rsvEntrySize = 16 // struct fdt_reserve_entry: two uint64, §5.3

	// Structure block tokens, §5.4.1.
	tokenBeginNode = 0x1
	tokenEndNode   = 0x2
	tokenProp      = 0x3
	tokenNop       = 0x4
	tokenEnd       = 0x9
)

// Offsets of the header fields, §5.2.
const (
	hMagic           = 0
	hTotalSize       = 4
	hOffDtStruct     = 8
	hOffDtStrings    = 12
	hOffMemRsvmap    = 16
	hVersion         = 20
	hLastCompVersion = 24
	hBootCPUIDPhys   = 28
	hSizeDtStrings   = 32
	hSizeDtStruct    = 36
)

// align4 rounds n up to a multiple of 4: the structure block keeps every
// token 4-byte aligned (§5.4.1).
func align4(n int) int { return (n + 3) &^ 3 }
