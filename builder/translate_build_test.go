package builder

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/reprovm/reprovm/images"
	"github.com/reprovm/reprovm/ipfsfetch"
)

// TestTranslateBuild runs an in-guest Go build (a small program compiled
// for wasip1 by the go image, from its ready snapshot) interpreted and
// with translation to WebAssembly, and requires the same stamp (the
// instruction count, the log's hash, each output's hash) and the same
// output bytes.
func TestTranslateBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go in the machine twice")
	}
	ctx := context.Background()
	src := t.TempDir()
	files := map[string]string{
		"go.mod":  "module hello\n\ngo 1.24\n",
		"main.go": "package main\n\nimport (\n\t\"fmt\"\n\t\"strings\"\n)\n\nfunc main() { fmt.Println(strings.ToUpper(\"hello from reprovm\")) }\n",
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(src, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	store, err := ipfsfetch.OpenStore(filepath.Join(t.TempDir(), "store"))
	if err != nil {
		t.Fatal(err)
	}
	recipe := &Recipe{
		Image:   "go",
		Command: []string{"go", "build", "-o", "/out/hello.wasm", "."},
		Env:     map[string]string{"GOOS": "wasip1", "GOARCH": "wasm"},
		Outputs: []string{"/out/hello.wasm"},
	}
	var builds [2]*Built
	for i, translate := range []bool{false, true} {
		b, err := Build(ctx, BuildSpec{Recipe: recipe, SourceDir: src, Inputs: Sources{Store: store}, Fetcher: &images.Fetcher{}, Translate: translate})
		if err != nil {
			t.Fatalf("translate %v: %v", translate, err)
		}
		t.Logf("translate %v: %d instructions after the ready point in %v (%.0f MIPS)", translate,
			b.Run.Instret-b.Run.StartInstret, b.Run.Wall, float64(b.Run.Instret-b.Run.StartInstret)/b.Run.Wall.Seconds()/1e6)
		builds[i] = b
	}
	a, b := builds[0], builds[1]
	sa, err := a.Stamp.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	sb, err := b.Stamp.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(sa, sb) {
		t.Fatalf("stamps differ:\ninterpreted %s\ntranslated  %s", sa, sb)
	}
	if !bytes.Equal(a.Outputs[0].Data, b.Outputs[0].Data) || !bytes.Equal(a.Log, b.Log) || len(a.Outputs[0].Core) < 1<<20 {
		t.Fatalf("outputs or logs differ (%d and %d bytes)", len(a.Outputs[0].Data), len(b.Outputs[0].Data))
	}
}
