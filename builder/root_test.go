package builder

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reprovm/reprovm/images"
	"github.com/reprovm/reprovm/internal/rvtest"
)

// TestRunRoot runs a command chrooted into an EROFS root image (built here
// with mkfs.erofs from busybox): it must see the image's files, be able to
// write over them (the overlay), and still reach /out and the inputs in
// /mnt (here the same image again as input 0).
func TestRunRoot(t *testing.T) {
	files, err := (&images.Fetcher{}).Boot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	busybox, err := os.ReadFile(files.Busybox)
	if err != nil {
		t.Fatal(err)
	}
	tree := t.TempDir()
	for path, data := range map[string]string{
		"bin/busybox":    string(busybox),
		"etc/os-release": "NAME=reprovm-test-root\n",
		"root/.keep":     "",
		"usr/bin/.keep":  "",
		"etc/motd":       "read-only until written\n",
	} {
		p := filepath.Join(tree, path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("busybox", filepath.Join(tree, "bin/sh")); err != nil {
		t.Fatal(err)
	}
	img := filepath.Join(t.TempDir(), "root.erofs")
	rvtest.Run(t, "mkfs.erofs", img, tree)

	var console bytes.Buffer
	res, err := Run(context.Background(), RunSpec{
		Argv: []string{"/bin/busybox", "sh", "-c", `cat /etc/os-release
			echo changed > /etc/motd; cat /etc/motd
			/bin/busybox ls /mnt
			echo from-root > /out/r.txt`},
		Root:    img,
		Inputs:  []InputDrive{{Path: img}},
		Console: &console,
		RAMSize: 512 << 20,
	})
	if err != nil {
		t.Fatal(err)
	}
	out := console.String()
	for _, want := range []string{"NAME=reprovm-test-root\n", "changed\n", "0\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("console lacks %q:\n%s", want, out)
		}
	}
	if res.ExitStatus != 0 || len(res.Files) != 1 || string(res.Files[0].Data) != "from-root\n" {
		t.Errorf("status %d, files %+v", res.ExitStatus, res.Files)
	}
}
