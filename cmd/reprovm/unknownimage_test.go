package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUnknownImageFailsFast: on every path that names an image by CID (a
// recipe, build --image, run --image, the stamp of a file being verified)
// an image CID that is in no store, no cache and no built-in image's pin
// fails at once, with the CID and what to do (--gateway, archive import),
// and nothing is downloaded or built: the cache gets no .deb files. (It
// once built every built-in image, about 460 MB of downloads, before
// failing.) An archive that lacks its image is refused as incomplete by
// its import (builder's TestReadArchiveIncomplete and the like).
func TestUnknownImageFailsFast(t *testing.T) {
	const unknown = "bafybeidozhaq46cd5qypnz4t54yef2mr6t6c2vj6puqdvczr6k3bn5di3m" // stampedModule's image
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	t.Setenv(gatewaysEnv, "")
	store := filepath.Join(t.TempDir(), "store")

	project := tinyProject(t)
	recipe := filepath.Join(project, "reprovm.toml")
	data, err := os.ReadFile(recipe)
	if err != nil {
		t.Fatal(err)
	}
	withCID := t.TempDir()
	if err := os.WriteFile(filepath.Join(withCID, "reprovm.toml"), []byte(strings.Replace(string(data), `image = "go"`, `image = "`+unknown+`"`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(withCID, "m.wasm"), tinyWasm, 0o644); err != nil {
		t.Fatal(err)
	}
	stamped := filepath.Join(t.TempDir(), "m.wasm")
	if err := os.WriteFile(stamped, stampedModule(t), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"recipe", []string{"build", "--quiet", "--store", store, withCID}, []string{"--gateway"}},
		{"build --image", []string{"build", "--quiet", "--store", store, "--image", unknown, project}, []string{"--gateway"}},
		{"run --image", []string{"run", "--quiet", "--image", unknown, "--", "true"}, []string{"--gateway"}},
		{"verify", []string{"verify", "--quiet", "--store", store, stamped}, []string{"--gateway", "archive import"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(context.Background(), tc.args...)
			if r.code == exitOK || !strings.Contains(r.stderr, unknown) {
				t.Fatalf("exit %d, stderr:\n%s\nwant a failure naming %s", r.code, r.stderr, unknown)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
				}
			}
			if _, err := os.Stat(filepath.Join(cache, "reprovm", "debs")); err == nil {
				t.Errorf("%s fetched Debian packages into the cache", tc.name)
			}
		})
	}
}
