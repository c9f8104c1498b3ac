package erofs

// On-disk constants from Linux fs/erofs/erofs_fs.h. All integers are
// little-endian.
const (
	superOffset = 1024       // EROFS_SUPER_OFFSET: room for boot sectors
	superMagic  = 0xE0F5E1E2 // EROFS_SUPER_MAGIC_V1
	superSize   = 128        // struct erofs_super_block

	// featureCompatSBChecksum says the superblock's checksum field holds the
	// CRC-32C of the rest of block 0 (EROFS_FEATURE_COMPAT_SB_CHKSUM).
	featureCompatSBChecksum = 0x1

	// slotSize is the unit of inode numbers on disk (nid): an inode at
	// byte offset off of the metadata area has nid off/32
	// (EROFS_ISLOTBITS = 5).
	slotSize     = 32
	compactSize  = 32 // struct erofs_inode_compact
	extendedSize = 64 // struct erofs_inode_extended

	// i_format bits: bit 0 is the inode version (compact or extended),
	// bits 1-3 the data layout.
	formatExtended = 1
	layoutShift    = 1
	layoutPlain    = 0 // EROFS_INODE_FLAT_PLAIN: data in whole blocks at i_u
	layoutInline   = 2 // EROFS_INODE_FLAT_INLINE: the tail follows the inode

	direntSize = 12  // struct erofs_dirent: nid u64, nameoff u16, type u8, pad u8
	maxNameLen = 255 // EROFS_NAME_LEN

	// maxRootNid: the superblock stores the root's nid in 16 bits.
	maxRootNid = 1<<16 - 1
)

// Dirent file types (EROFS_FT_*), the same numbering as ext2's.
const (
	ftRegular = 1
	ftDir     = 2
	ftChar    = 3
	ftBlock   = 4
	ftFIFO    = 5
	ftSocket  = 6
	ftSymlink = 7
)

// Linux st_mode file-type bits (include/uapi/linux/stat.h).
const (
	sIFSOCK = 0o140000
	sIFLNK  = 0o120000
	sIFREG  = 0o100000
	sIFBLK  = 0o060000
	sIFDIR  = 0o040000
	sIFCHR  = 0o020000
	sIFIFO  = 0o010000
	sIFMT   = 0o170000
)
