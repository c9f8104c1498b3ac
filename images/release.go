package images

import (
	"bytes"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/clearsign"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// A Release is the verified content of a suite's InRelease file: the
// archive's signed list of index files (Debian's repository format,
// https://wiki.debian.org/DebianRepository/Format).
type Release struct {
	Suite, Codename string
	Date            string // as written in the file, such as "Sat, 12 Sep 2026 07:55:41 UTC"
	// AcquireByHash says the archive also serves each index file under
	// by-hash/SHA256/<hash> next to it, which stays valid when the suite
	// is updated between reading InRelease and reading an index.
	AcquireByHash bool
	// SignedBy is the fingerprint of the primary key whose signature
	// was verified.
	SignedBy string
	// Files lists the index files from the SHA256 field, by path relative
	// to the suite directory, such as "main/binary-riscv64/Packages.xz".
	Files map[string]IndexFile
}

// IndexFile is the size and SHA-256 of one file listed in a Release file.
type IndexFile struct {
	SHA256 string
	Size   int64
}

// clearsignHeader starts every clear-signed message (RFC 9580 §7).
const clearsignHeader = "-----BEGIN PGP SIGNED MESSAGE-----\n"

// VerifyInRelease checks the OpenPGP clear signature of an InRelease file
// against keyring at time now and parses the signed text. name is the
// file's name for error messages.
//
// Only the signed text is parsed. The file must start with the clear-sign
// header and end with the signature block, so that no unsigned text before
// or after it can be mistaken for part of the release. A Valid-Until field
// in the past is an error, as in apt, so an attacker cannot replay an old
// release that the archive has marked as expiring.
func VerifyInRelease(name string, data []byte, keyring openpgp.EntityList, now time.Time) (*Release, error) {
	if !bytes.HasPrefix(data, []byte(clearsignHeader)) {
		return nil, fmt.Errorf("%s: expected a clear-signed file starting with %q, got %q",
			name, strings.TrimSpace(clearsignHeader), truncate(data))
	}
	block, rest := clearsign.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("%s: malformed clear-signed message", name)
	}
	if len(bytes.TrimSpace(rest)) != 0 {
		return nil, fmt.Errorf("%s: %d unexpected bytes after the signature", name, len(rest))
	}
	config := &packet.Config{Time: func() time.Time { return now }}
	signer, err := block.VerifySignature(keyring, config)
	if err != nil {
		var fps []string
		for _, e := range keyring {
			fps = append(fps, fingerprint(e))
		}
		return nil, fmt.Errorf("%s: expected a valid signature by one of the Debian archive keys %s, got: %w",
			name, strings.Join(fps, " "), err)
	}
	rel, err := parseRelease(block.Plaintext)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	rel.SignedBy = fingerprint(signer)
	if until := rel.validUntil; !until.IsZero() && now.After(until) {
		return nil, fmt.Errorf("%s: expired: expected Valid-Until %s to be after now, %s",
			name, until.Format(time.RFC1123), now.UTC().Format(time.RFC1123))
	}
	return &rel.Release, nil
}

// parsedRelease is a Release with the fields only verification needs.
type parsedRelease struct {
	Release
	validUntil time.Time // zero when the file has no Valid-Until
}

// parseRelease parses the signed text of a Release file: one deb822 stanza.
func parseRelease(text []byte) (*parsedRelease, error) {
	var stanzas []stanza
	if err := parseDeb822(text, func(s stanza) error {
		stanzas = append(stanzas, s)
		return nil
	}); err != nil {
		return nil, err
	}
	if len(stanzas) != 1 {
		return nil, fmt.Errorf("expected one stanza, got %d", len(stanzas))
	}
	s := stanzas[0]
	r := &parsedRelease{Release: Release{
		Suite:         s.value("Suite"),
		Codename:      s.value("Codename"),
		Date:          s.value("Date"),
		AcquireByHash: s.value("Acquire-By-Hash") == "yes",
		Files:         map[string]IndexFile{},
	}}
	if v, ok := s.get("Valid-Until"); ok {
		t, err := time.Parse(time.RFC1123, v)
		if err != nil {
			return nil, fmt.Errorf("Valid-Until %q: %w", v, err)
		}
		r.validUntil = t
	}
	list, ok := s.get("SHA256")
	if !ok {
		return nil, fmt.Errorf("no SHA256 field")
	}
	for line := range strings.SplitSeq(list, "\n") {
		if line == "" {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 3 {
			return nil, fmt.Errorf("SHA256 entry %q: expected \"hash size path\"", line)
		}
		size, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil || size < 0 {
			return nil, fmt.Errorf("SHA256 entry %q: invalid size", line)
		}
		if !isSHA256Hex(f[0]) {
			return nil, fmt.Errorf("SHA256 entry %q: invalid hash", line)
		}
		if !fs.ValidPath(f[2]) || path.Clean(f[2]) != f[2] {
			return nil, fmt.Errorf("SHA256 entry %q: invalid path", line)
		}
		if _, dup := r.Files[f[2]]; dup {
			return nil, fmt.Errorf("SHA256 entry %q: path listed twice", line)
		}
		r.Files[f[2]] = IndexFile{SHA256: f[0], Size: size}
	}
	return r, nil
}
