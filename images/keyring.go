package images

import (
	"bytes"
	"embed"
	"encoding/hex"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/ProtonMail/go-crypto/openpgp"
)

// ArchiveKeyringPackage is the Debian package the embedded archive keys were
// copied from, byte for byte: its /etc/apt/trusted.gpg.d/debian-archive-*.asc
// files for the bookworm and trixie archive and release keys. The test
// TestEmbeddedKeysMatchPackage fetches it and compares, so the files under
// keys/ can be traced back to a package that Debian itself signs.
var ArchiveKeyringPackage = Package{
	Name:    "debian-archive-keyring",
	Version: "2025.1",
	Arch:    "all",
	Pool:    "pool/main/d/debian-archive-keyring/debian-archive-keyring_2025.1_all.deb",
	Size:    179244,
	SHA256:  "9ea7778e443144ca490668737a8ab22dd3e748bb99e805e22ec055abeb3c7fac",
}

//go:embed keys/*.asc
var archiveKeyFiles embed.FS

// archiveKeyFingerprints names the primary keys reprovm trusts to sign a
// Release file, as printed by `gpg --show-keys`. ArchiveKeyring refuses to
// return a keyring whose keys differ from this list, so replacing a file
// under keys/ is not enough to change what is trusted: this list must be
// edited too.
//
// Trixie's InRelease carries three signatures: the bookworm and trixie
// automatic archive keys and the trixie stable release key. One valid
// signature from any of these keys is enough, as for apt.
var archiveKeyFingerprints = []string{
	"B8B80B5B623EAB6AD8775C45B7C5D7D6350947F8", // Debian Archive Automatic Signing Key (12/bookworm)
	"4D64FEC119C2029067D6E791F8D2585B8783D481", // Debian Stable Release Key (12/bookworm)
	"04B54C3CDCA79751B16BC6B5225629DF75B188BD", // Debian Archive Automatic Signing Key (13/trixie)
	"41587F7DB8C774BCCF131416762F67A0B2C39DE4", // Debian Stable Release Key (13/trixie)
}

// ArchiveKeyring parses the embedded Debian archive keys and checks that
// their primary key fingerprints are exactly archiveKeyFingerprints.
func ArchiveKeyring() (openpgp.EntityList, error) {
	names, err := archiveKeyFiles.ReadDir("keys")
	if err != nil {
		return nil, fmt.Errorf("archive keyring: %w", err)
	}
	var ring openpgp.EntityList
	var got []string
	for _, e := range names {
		name := path.Join("keys", e.Name())
		data, err := archiveKeyFiles.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("archive keyring: %w", err)
		}
		keys, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("archive keyring: parsing %s: %w", name, err)
		}
		for _, k := range keys {
			got = append(got, fingerprint(k))
		}
		ring = append(ring, keys...)
	}
	want := slices.Sorted(slices.Values(archiveKeyFingerprints))
	slices.Sort(got)
	if !slices.Equal(got, want) {
		return nil, fmt.Errorf("archive keyring: embedded keys have fingerprints %s, expected %s",
			strings.Join(got, " "), strings.Join(want, " "))
	}
	return ring, nil
}

// fingerprint returns the primary key fingerprint of e in upper-case hex.
func fingerprint(e *openpgp.Entity) string {
	return strings.ToUpper(hex.EncodeToString(e.PrimaryKey.Fingerprint))
}
