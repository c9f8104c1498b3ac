// Package ipfsfetch names reprovm's inputs by IPFS CID and moves them around
// without trusting anyone: it imports files and trees into a local,
// content-addressed block store, exports and imports CAR archives, fetches
// missing blocks from trustless HTTP gateways, and serves the store as one.
//
// # Import format
//
// Trees are encoded as UnixFS (https://specs.ipfs.tech/unixfs/) with the
// settings of the IPIP-499 profile "unixfs-v1-2025": CIDv1, sha2-256,
// dag-pb nodes, raw leaves, fixed-size 1 MiB chunks, balanced file layout with
// at most 1024 links per node, and directories that become HAMT shards (fanout
// 256) when their estimated block size passes 256 KiB. 1 MiB is the largest
// chunk that every IPFS implementation accepts in one block (the bitswap limit
// is 2 MiB including framing), and it keeps the number of blocks, and so the
// per-block overhead of storing and fetching, low. For a file or a tree with
// no executables, these are the settings of
//
//	ipfs add -r --cid-version=1 --raw-leaves --chunker=size-1048576 --hidden
//
// with Kubo's Import.UnixFSFileMaxLinks=1024 (Kubo's unixfs-v1-2025
// profile); files up to 174 MiB do not depend on the link limit. The CIDs
// were not compared with Kubo's output (no Kubo here); the tests pin golden
// CIDs so that a library upgrade that changes them is caught.
//
// Nothing that varies between hosts enters a CID: no mtimes, owners, group
// or other permission bits, and entries are added in byte order of their
// names whatever order the host's directory listing gives.
//
// # Executable bit and symlinks
//
// Builds need both, so both are part of the CID:
//
//   - A regular file whose owner-executable bit is set is recorded with the
//     UnixFS mode 0755 in a dag-pb file root. Raw blocks cannot carry
//     metadata, so an executable that fits in one chunk gets a root with a
//     single link to its raw leaf (the same shape as a multi-chunk file). All
//     other files carry no mode, which UnixFS readers treat as 0644; this
//     keeps their CIDs equal to those of other IPFS tools.
//   - Directories carry no mode (read as 0755).
//   - Symbolic links are UnixFS Symlink nodes holding the target verbatim
//     (root filesystems need absolute targets). Materialising a tree creates
//     them verbatim too, but never follows one: every file is created with
//     O_EXCL|O_NOFOLLOW in a directory the materialiser made itself, so a
//     hostile link cannot redirect a write outside the output.
//   - Devices, sockets and FIFOs are refused with an error naming the path.
//
// # Trust
//
// Every block that enters the store, from an import, a CAR archive or a
// gateway, is hashed and compared with its CID first, and the store writes
// each block to a temporary file that is renamed into place only when
// complete, so no block is ever stored under a CID its bytes do not match.
package ipfsfetch
