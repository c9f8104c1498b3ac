// Package erofs writes uncompressed EROFS filesystem images, deterministically,
// and maps byte ranges of an image back to the files they belong to.
//
// EROFS ("Enhanced Read-Only File System", Linux fs/erofs) is the format of
// the read-only root filesystems reprovm boots: its uncompressed layout is
// simple, Debian's kernel has it as a module, and the kernel reads any byte
// of a file without a decompression cache. The format is described in the
// kernel's Documentation/filesystems/erofs.rst and fs/erofs/erofs_fs.h; this
// package implements the subset an uncompressed image needs:
//
//   - the superblock at byte 1024, with its CRC-32C (feature SB_CHKSUM);
//   - 32-byte compact inodes, and 64-byte extended ones only where a value
//     does not fit (uid or gid above 65535, size of 4 GiB or more, more than
//     65535 links);
//   - the FLAT_PLAIN data layout (whole blocks) and FLAT_INLINE (whole blocks
//     plus a tail stored right after the inode, in the same block);
//   - directories as blocks of dirents whose names are sorted in byte order
//     across the whole directory, "." and ".." included, because the kernel
//     looks names up by binary search;
//   - regular files, directories, symbolic links, device nodes, FIFOs and
//     sockets. No extended attributes, no hard links, no compression.
//
// The image is a pure function of the entries (in any order) and [Options]:
// nothing comes from the host. Every inode has the same modification time,
// [Options.MTime], which compact inodes take from the superblock's build
// time. The layout is: block 0 holds the superblock, then inodes (and inline
// tails) in depth-first order of the sorted tree, root first; file data and
// directory blocks follow from the next block boundary in the same order.
// [Write] streams file contents from [Entry.Content], so an image can be
// far larger than memory.
//
// [ReadMap] reads an image's metadata (superblock, inodes, directories;
// no file data) into a [Map] that says which file, and which offset in
// it, each byte of the image holds: [Map.Lookup] for one range, such as
// the first differing block of two runs, and [Map.Files] for the files a
// list of block reads touched, such as those a guest made from an input
// drive. It reads the images Write makes and those of mkfs.erofs without
// compression, chunked files or extra devices, hard links included.
package erofs
