package images

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestArchiveKeyring(t *testing.T) {
	ring, err := ArchiveKeyring()
	if err != nil {
		t.Fatal(err)
	}
	if len(ring) != len(archiveKeyFingerprints) {
		t.Errorf("%d keys, want %d", len(ring), len(archiveKeyFingerprints))
	}
}

// TestEmbeddedKeysMatchPackage traces the embedded keys back to the pinned
// debian-archive-keyring package: each keys/<name> must equal the
// package's /etc/apt/trusted.gpg.d/<name> byte for byte.
func TestEmbeddedKeysMatchPackage(t *testing.T) {
	deb, err := (&Fetcher{}).Fetch(context.Background(), ArchiveKeyringPackage)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	const apt = "etc/apt/trusted.gpg.d/"
	if err := ExtractDeb(deb, dir, func(name string) bool { return strings.HasPrefix(name, apt) }); err != nil {
		t.Fatal(err)
	}
	entries, err := archiveKeyFiles.ReadDir("keys")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		want, err := os.ReadFile(filepath.Join(dir, apt, e.Name()))
		if err != nil {
			t.Errorf("keys/%s is not in %s: %v", e.Name(), ArchiveKeyringPackage, err)
			continue
		}
		got, _ := archiveKeyFiles.ReadFile("keys/" + e.Name())
		if !bytes.Equal(got, want) {
			t.Errorf("keys/%s differs from %s in %s", e.Name(), apt+e.Name(), ArchiveKeyringPackage)
		}
	}
}
