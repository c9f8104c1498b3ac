package meta

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Format is an interoperable record that [StampWasm] can write next to the
// reprovm.build section, so that an ecosystem's own tools see the build's
// origin without knowing reprovm.
type Format int

const (
	// FormatContractMetaV0 appends a "contractmetav0" section of Stellar
	// SEP-46 contract metadata (see [ContractMetaSectionName]).
	FormatContractMetaV0 Format = 1
	// FormatICP appends an "icp:public reprovm:build" section, which the
	// Internet Computer exposes as public canister metadata (see
	// [ICPSectionName]).
	FormatICP Format = 2
)

// Formats lists every Format, in the order their sections are written.
var Formats = []Format{FormatContractMetaV0, FormatICP}

// String returns the format's name as ParseFormat reads it.
func (f Format) String() string {
	switch f {
	case FormatContractMetaV0:
		return "contractmetav0"
	case FormatICP:
		return "icp"
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// ParseFormat reads a format name: "contractmetav0" (alias "stellar") or
// "icp".
func ParseFormat(name string) (Format, error) {
	switch strings.ToLower(name) {
	case "contractmetav0", "stellar", "soroban":
		return FormatContractMetaV0, nil
	case "icp":
		return FormatICP, nil
	}
	return 0, fmt.Errorf("unknown stamp format %q (known: contractmetav0, icp)", name)
}

// normalizeFormats returns the formats sorted into writing order without
// duplicates, so that the stamped bytes do not depend on the order or
// repetition of the caller's list.
func normalizeFormats(fs []Format) ([]Format, error) {
	out := make([]Format, 0, len(fs))
	for _, f := range fs {
		if !slices.Contains(Formats, f) {
			return nil, fmt.Errorf("unknown stamp format %d", int(f))
		}
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	slices.Sort(out)
	return out, nil
}

// ContractMetaSectionName is the custom section Stellar's contract metadata
// lives in (SEP-46, https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0046.md).
// Its contents are a stream of XDR-encoded SCMetaEntry values with no
// framing, and a module may hold several such sections, read in order
// (stellar-xdr, Stellar-contract-meta.x):
//
//	struct SCMetaV0 { string key<>; string val<>; };
//	enum SCMetaKind { SC_META_V0 = 0 };
//	union SCMetaEntry switch (SCMetaKind kind) { case SC_META_V0: SCMetaV0 v0; };
//
// In XDR (RFC 4506) the enum is a 4-byte big-endian integer, and a string
// is its 4-byte big-endian length, its bytes, and zero bytes up to a
// multiple of 4.
//
// reprovm writes these entries, in this order:
//
//	source_repo           the git URL (Source.GitURL), if any; the key
//	                      Stellar's CLI uses for the same thing
//	source_rev            the git commit (Source.GitCommit), if any
//	reprovm_version       Stamp.Reprovm
//	reprovm_emulator      Stamp.Emulator
//	reprovm_image         Stamp.Image (CID)
//	reprovm_source        Source.CID
//	reprovm_core_sha256   hex SHA-256 of the module before stamping
//	reprovm_stamp_sha256  hex SHA-256 of the reprovm.build section's contents
//
// The full recipe stays in the reprovm.build section; these entries are
// enough to find it and to check it has not been swapped.
const ContractMetaSectionName = "contractmetav0"

// ICPSectionName is the custom section that carries the stamp for the
// Internet Computer. The IC exposes a custom section named
// "icp:public <name>" as canister metadata <name> that anyone can read
// (and "icp:private <name>" to controllers only); other "icp:" names are
// refused, a module may not hold both the public and the private section
// of one name, and at most 16 "icp:" sections are allowed (IC interface
// specification, "Canister module format"). Its contents are the
// canonical stamp JSON, the same bytes as the reprovm.build section, so
// `dfx canister metadata <canister> reprovm:build` prints the stamp.
const ICPSectionName = "icp:public reprovm:build"

// maxICPSections is the IC's limit on "icp:" custom sections per module.
const maxICPSections = 16

// MetaEntry is one SEP-46 contract metadata entry.
type MetaEntry struct {
	Key, Val string
}

// contractMeta returns the entries reprovm writes in its contractmetav0
// section; see ContractMetaSectionName.
func contractMeta(s *Stamp, coreSHA256 string, payload []byte) []MetaEntry {
	var e []MetaEntry
	if s.Source.GitURL != "" {
		e = append(e, MetaEntry{"source_repo", s.Source.GitURL})
	}
	if s.Source.GitCommit != "" {
		e = append(e, MetaEntry{"source_rev", s.Source.GitCommit})
	}
	return append(e,
		MetaEntry{"reprovm_version", s.Reprovm},
		MetaEntry{"reprovm_emulator", s.Emulator},
		MetaEntry{"reprovm_image", s.Image},
		MetaEntry{"reprovm_source", s.Source.CID},
		MetaEntry{"reprovm_core_sha256", coreSHA256},
		MetaEntry{"reprovm_stamp_sha256", hexSHA256(sha256.Sum256(payload))},
	)
}

// AppendContractMeta appends the XDR encoding of each entry as an
// SCMetaEntry of kind SC_META_V0 (see ContractMetaSectionName).
func AppendContractMeta(dst []byte, entries ...MetaEntry) []byte {
	for _, e := range entries {
		dst = binary.BigEndian.AppendUint32(dst, 0) // SC_META_V0
		dst = appendXDRString(dst, e.Key)
		dst = appendXDRString(dst, e.Val)
	}
	return dst
}

func appendXDRString(dst []byte, s string) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(s)))
	dst = append(dst, s...)
	for i := len(s); i%4 != 0; i++ {
		dst = append(dst, 0)
	}
	return dst
}

// ParseContractMeta decodes the contents of a contractmetav0 section: a
// stream of SCMetaEntry values. It is strict: the kind must be SC_META_V0,
// lengths must stay within the data, padding bytes must be zero (as XDR
// requires). Keys and values are returned as they are: XDR strings are
// bytes, and Stellar does not require UTF-8.
func ParseContractMeta(data []byte) ([]MetaEntry, error) {
	var out []MetaEntry
	for off := 0; off < len(data); {
		if len(data)-off < 4 {
			return nil, fmt.Errorf("contract meta at byte %d: truncated entry kind", off)
		}
		if k := binary.BigEndian.Uint32(data[off:]); k != 0 {
			return nil, fmt.Errorf("contract meta at byte %d: entry kind %d is not SC_META_V0", off, int32(k))
		}
		off += 4
		key, n, err := readXDRString(data[off:])
		if err != nil {
			return nil, fmt.Errorf("contract meta at byte %d: key: %w", off, err)
		}
		off += n
		val, n, err := readXDRString(data[off:])
		if err != nil {
			return nil, fmt.Errorf("contract meta at byte %d: value of %q: %w", off, key, err)
		}
		off += n
		out = append(out, MetaEntry{key, val})
	}
	return out, nil
}

func readXDRString(b []byte) (string, int, error) {
	if len(b) < 4 {
		return "", 0, errors.New("truncated string length")
	}
	n := uint64(binary.BigEndian.Uint32(b))
	padded := (n + 3) &^ 3
	if padded > uint64(len(b)-4) {
		return "", 0, fmt.Errorf("string of %d bytes runs past the data (%d bytes left)", n, len(b)-4)
	}
	s := b[4 : 4+n]
	for _, c := range b[4+n : 4+padded] {
		if c != 0 {
			return "", 0, errors.New("non-zero padding after string")
		}
	}
	return string(s), int(4 + padded), nil
}
