// Package meta is reprovm's build record: the [Stamp] (recipe and
// results), its canonical encoding, the wasm custom sections that carry it,
// the SLSA provenance statement derived from it, and the comparison that
// verify reports on a mismatch.
//
// # The stamp
//
// A stamp records everything needed to rebuild an output and everything a
// rebuild must reproduce, and nothing that varies between hosts or runs:
// the format version, the reprovm and emulator versions, the image, source
// and dependency CIDs (plus the git URL and commit when the source is a
// checkout), argv, env and working directory, the machine configuration
// (RAM, instruction limit, kernel command line), the retired-instruction
// count, the size and SHA-256 of every output before stamping, the SHA-256
// of the console log and, optionally, the final state root.
//
// Its encoding is canonical JSON ([Stamp.Marshal]): sorted keys, no
// whitespace, no HTML escaping, optional fields omitted when empty. A stamp
// therefore has exactly one encoding, and [ParseStamp] accepts nothing else,
// so a stamp's bytes and hash are as reproducible as the build.
//
// # Section layout
//
// A wasm module is an 8-byte header followed by sections, each an ID byte,
// a u32 LEB128 size and a payload; a custom section (ID 0) has a
// length-prefixed UTF-8 name then arbitrary bytes, and may appear anywhere
// (WebAssembly Core Specification, §5.5). [StampWasm] appends, at the end
// of the module:
//
//	core (the module as the build wrote it, unchanged)
//	[contractmetav0]            with FormatContractMetaV0
//	[icp:public reprovm:build]  with FormatICP
//	reprovm.build               the canonical stamp JSON, always last
//
// reprovm writes its own sections with a few lines of code rather than a
// wasm rewriting library: rewriting could reorder or re-encode sections
// and change the code a verifier compares.
//
// # Why append-only: the core
//
// Stamping only appends, so the unstamped module, the core, is a prefix
// of the stamped file, and the stamp records the core's size and SHA-256 as
// the output's. [Core] and [Strip] find the prefix by that size and hash
// and check that what follows is exactly what StampWasm writes. The core
// hash is therefore a property of the build alone: two builds whose
// modules differ only in their stamps (another reprovm version, another
// interop format) have the same core hash, and a verifier can recompute
// the stamped bytes, the hash a chain records, from the core and the stamp.
// [ReadStamp] reads the stamp back through wazero, proving that the stamped
// file is still a valid module.
//
// # Interoperable formats
//
// Ecosystems have their own places for build metadata. [StampWasm] can
// also write:
//
//   - FormatContractMetaV0: a Stellar SEP-46 "contractmetav0" section of
//     XDR SCMetaEntry values: source_repo and source_rev, as Stellar's CLI
//     writes them, and reprovm_* keys naming the reprovm version, emulator,
//     image and source CIDs, the core hash and the stamp's hash (see
//     [ContractMetaSectionName]).
//   - FormatICP: an "icp:public reprovm:build" section holding the stamp
//     JSON, which the Internet Computer serves as public canister metadata
//     (see [ICPSectionName]).
//
// The interop sections come before reprovm.build, in a fixed order, so the
// stamped bytes depend on the set of formats only.
//
// # Provenance
//
// [Provenance] turns a stamp into an in-toto Statement v1 with a SLSA
// provenance v1 predicate, in canonical JSON, for tools that consume
// attestations.
package meta
