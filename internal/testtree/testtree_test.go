package testtree

import (
	"os"
	"path/filepath"
	"testing"
)

// TestDigest: the digest changes with a file's content, its executable bit
// and a symlink's target, and not with other mode bits.
func TestDigest(t *testing.T) {
	mk := func(content string, mode os.FileMode, target string) string {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "f"), []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(filepath.Join(dir, "f"), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, filepath.Join(dir, "l")); err != nil {
			t.Fatal(err)
		}
		return Digest(t, dir)
	}
	base := mk("a", 0o644, "f")
	if mk("a", 0o600, "f") != base {
		t.Error("a non-executable mode change changed the digest")
	}
	for name, other := range map[string]string{
		"content":    mk("b", 0o644, "f"),
		"executable": mk("a", 0o755, "f"),
		"link":       mk("a", 0o644, "g"),
	} {
		if other == base {
			t.Errorf("a change of %s left the digest alone", name)
		}
	}
}
