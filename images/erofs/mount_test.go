package erofs_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/reprovm/reprovm/builder"
	"github.com/reprovm/reprovm/images/erofs"
)

// TestKernelMount boots Debian's kernel in reprovm's machine with an image
// as a read-only drive, which the guest mounts as erofs at /mnt/0, and
// compares what the kernel reports (checksums, link target, modes, owners,
// times, the sorted list of every path, lookups in a directory of many
// blocks) with what the host expects. One boot.
func TestKernelMount(t *testing.T) {
	if testing.Short() {
		t.Skip("boots a kernel")
	}
	const mtime = 1735689600 // 2025-01-01
	rng := rand.New(rand.NewPCG(7, 7))
	big := make([]byte, 10<<20)
	for i := range big {
		big[i] = byte(rng.Uint32())
	}
	entries := []erofs.Entry{
		{Path: "big", Mode: 0o644, Content: bytes.NewReader(big), Size: int64(len(big))},
		{Path: "nested/a/b/c/small", Mode: 0o600, Data: []byte("small file, inline\n")},
		{Path: "nested/a/edge", Mode: 0o644, Data: bytes.Repeat([]byte{'e'}, 4096-32)},
		{Path: "link", Mode: fs.ModeSymlink | 0o777, Link: "nested/a/b/c/small"},
		{Path: "bin/su", Mode: fs.ModeSetuid | 0o755, Data: []byte("#!/bin/sh\n")},
		{Path: "tmp", Mode: fs.ModeDir | fs.ModeSticky | 0o777},
		{Path: "home/user", Mode: fs.ModeDir | 0o750, UID: 70000, GID: 70001},
	}
	var names []string
	for i := range 600 {
		name := fmt.Sprintf("%c%03d", "!+-0A_a~"[i%8], i)
		names = append(names, name)
		entries = append(entries, erofs.Entry{Path: "many/" + name, Mode: 0o644, Data: []byte(name)})
	}
	img := filepath.Join(t.TempDir(), "root.erofs")
	f, err := os.Create(img)
	if err != nil {
		t.Fatal(err)
	}
	if err := erofs.Write(f, entries, erofs.Options{MTime: mtime, BlockSize: 4096}); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	script := `cd /mnt/0 && echo BEGIN &&
		sha256sum big nested/a/b/c/small nested/a/edge 'many/!000' many/~599 && readlink link &&
		stat -c '%n %a %u %g %Y %s' bin/su tmp home/user nested/a/b/c/small &&
		cat 'many/-562' && echo && ls -a many | wc -l && find . | sort | sha256sum && echo END`
	var console bytes.Buffer
	res, err := builder.Run(context.Background(), builder.RunSpec{
		Argv:    []string{"sh", "-c", script},
		Inputs:  []builder.InputDrive{{Path: img}},
		Console: &console,
	})
	if err != nil {
		t.Fatalf("run: %v\n%s", err, console.String())
	}
	t.Logf("exit %d, %d instructions, %v", res.ExitStatus, res.Instret, res.Wall)
	out := console.String()
	begin, end := strings.Index(out, "BEGIN\n"), strings.LastIndex(out, "END\n")
	if res.ExitStatus != 0 || begin < 0 || end < begin {
		t.Fatalf("exit status %d; console:\n%s", res.ExitStatus, out)
	}
	got := strings.ReplaceAll(out[begin+len("BEGIN\n"):end], "\r", "")

	sum := func(b []byte) string { return fmt.Sprintf("%x", sha256.Sum256(b)) }
	paths := []string{".", "./big", "./bin", "./bin/su", "./home", "./home/user", "./link", "./many",
		"./nested", "./nested/a", "./nested/a/b", "./nested/a/b/c", "./nested/a/b/c/small", "./nested/a/edge", "./tmp"}
	for _, n := range names {
		paths = append(paths, "./many/"+n)
	}
	slices.Sort(paths)
	want := strings.Join([]string{
		sum(big) + "  big",
		sum([]byte("small file, inline\n")) + "  nested/a/b/c/small",
		sum(bytes.Repeat([]byte{'e'}, 4096-32)) + "  nested/a/edge",
		sum([]byte("!000")) + "  many/!000",
		sum([]byte("~599")) + "  many/~599",
		"nested/a/b/c/small",
		fmt.Sprintf("bin/su 4755 0 0 %d 10", mtime),
		fmt.Sprintf("tmp 1777 0 0 %d 27", mtime), // "." and "..": 2 dirents and 3 name bytes,
		fmt.Sprintf("home/user 750 70000 70001 %d 27", mtime),
		fmt.Sprintf("nested/a/b/c/small 600 0 0 %d 19", mtime),
		"-562",
		"602",
		sum([]byte(strings.Join(paths, "\n")+"\n")) + "  -",
	}, "\n") + "\n"
	if got != want {
		t.Errorf("guest saw:\n%s\nwant:\n%s", got, want)
	}
}
