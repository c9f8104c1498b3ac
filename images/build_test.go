package images_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/reprovm/reprovm/builder"
	"github.com/reprovm/reprovm/images"
	"github.com/reprovm/reprovm/ipfsfetch"
)

// goImageSHA256 is the sha256 of the built-in go image's root.erofs. A
// change to the lock (its warm-up too: the filesystem UUID comes from the
// lock's hash), the unpacking, the fix-ups or the EROFS writer
// changes it; update it deliberately.
const goImageSHA256 = "8a2a981a77e9f67fc39a4cc9782c9caef46ab8d497b75c9ffcee35cfae16c752"

// TestBuildImageGo builds the built-in go image twice, in different
// directories and under different umasks, requires identical bytes and the
// pinned hash, then runs `go version` in it.
func TestBuildImageGo(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 270 MB image")
	}
	lock, err := os.ReadFile("specs/go.lock.json")
	if err != nil {
		t.Fatal(err)
	}
	var dirs [2]string
	for i, umask := range []int{0o022, 0o077} {
		dirs[i] = filepath.Join(t.TempDir(), "image")
		old := syscall.Umask(umask)
		_, err := (&images.Fetcher{}).BuildImage(context.Background(), lock, dirs[i])
		syscall.Umask(old)
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{images.KernelName, images.FirmwareName, images.InitramfsName, images.RootImageName, images.ManifestName} {
		a, err := os.ReadFile(filepath.Join(dirs[0], name))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(dirs[1], name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between the two builds", name)
		}
	}
	m, err := images.ReadManifest(dirs[0])
	if err != nil {
		t.Fatal(err)
	}
	if m.Root.SHA256 != goImageSHA256 {
		t.Errorf("go image root.erofs sha256 = %s, want the pinned %s", m.Root.SHA256, goImageSHA256)
	}
	store, err := ipfsfetch.OpenStore(filepath.Join(t.TempDir(), "blocks"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := store.Import(context.Background(), dirs[0], ipfsfetch.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The CID of the image directory (kernel, firmware, initramfs,
	// root.erofs and manifest.json), as reprovm image add prints it, is
	// pinned in images.builtinCIDs; besides the lock, the guest init is
	// part of it.
	if want, _ := images.BuiltinCID("go"); c.String() != want {
		t.Errorf("go image CID = %s, want the pinned %s", c, want)
	}
	// The manifest names each file by the CID it has inside the image.
	for _, b := range []images.ManifestBlob{m.Kernel, m.Firmware, m.Initramfs, m.Root} {
		fc, err := store.Import(context.Background(), filepath.Join(dirs[0], b.Name), ipfsfetch.ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if fc.String() != b.CID {
			t.Errorf("manifest: %s has CID %s, the file's CID is %s", b.Name, b.CID, fc)
		}
	}

	var console bytes.Buffer
	res, err := builder.Run(context.Background(), builder.RunSpec{
		Argv:    []string{"go", "version"},
		Image:   dirs[0],
		Console: &console,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitStatus != 0 || !strings.Contains(console.String(), "go version go1.24.4 linux/riscv64\n") {
		t.Errorf("go version: status %d, console:\n%s", res.ExitStatus, console.String())
	}
	t.Logf("go version: %d instructions, %v", res.Instret, res.Wall)
}
