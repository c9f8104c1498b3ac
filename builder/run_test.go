package builder

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/reprovm/reprovm/images/initramfs"
)

// TestRunDeterministic runs the same command twice, the second time with
// the interpreter's fast paths off (RunSpec.Reference), and requires
// identical console bytes, retired-instruction counts, exit status and /out
// files. The command reads a read-only drive, writes two files and uses the
// guest's clock and entropy, which must also come out the same.
func TestRunDeterministic(t *testing.T) {
	img := filepath.Join(t.TempDir(), "in.img")
	if err := os.WriteFile(img, bytes.Repeat([]byte("reprovm\n"), 8192), 0o644); err != nil {
		t.Fatal(err)
	}
	spec := RunSpec{
		Argv: []string{"sh", "-c", `echo start; cat /proc/uptime; head -c 16 /dev/urandom | od -An -tx1;
			head -c 65536 /dev/vda | sha256sum > /out/sum.txt; date -u > /out/date.txt; echo done; exit 7`},
		Inputs: []InputDrive{{Path: img}},
	}
	var runs [2]struct {
		console bytes.Buffer
		res     *Result
	}
	for i := range runs {
		spec.Console = &runs[i].console
		spec.Reference = i == 1
		res, err := Run(context.Background(), spec)
		if err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
		runs[i].res = res
		t.Logf("run %d: exit %d, %d instructions, %v", i, res.ExitStatus, res.Instret, res.Wall)
	}
	a, b := runs[0], runs[1]
	if a.res.ExitStatus != 7 {
		t.Errorf("exit status %d, want 7\n%s", a.res.ExitStatus, a.console.String())
	}
	if !bytes.Contains(a.console.Bytes(), []byte("done\n")) {
		t.Errorf("console lacks the command's output:\n%s", a.console.String())
	}
	if !bytes.Equal(a.console.Bytes(), b.console.Bytes()) {
		t.Errorf("consoles differ:\n--- run 0\n%s\n--- run 1\n%s", a.console.String(), b.console.String())
	}
	if a.res.Instret != b.res.Instret || a.res.ExitStatus != b.res.ExitStatus {
		t.Errorf("runs differ: %d/%d instructions, status %d/%d", a.res.Instret, b.res.Instret, a.res.ExitStatus, b.res.ExitStatus)
	}
	if !reflect.DeepEqual(a.res.Files, b.res.Files) {
		t.Errorf("/out files differ: %+v vs %+v", a.res.Files, b.res.Files)
	}
	if len(a.res.Files) != 2 {
		t.Errorf("got %d /out files, want 2: %+v", len(a.res.Files), a.res.Files)
	}
}

// TestRunFailures checks that a run that cannot finish says why: a kernel
// panic (an initramfs without an init) is reported as a panic with the
// console's last lines, and a command that does not end within the
// instruction budget (which counts from the ready point) as such.
func TestRunFailures(t *testing.T) {
	empty := filepath.Join(t.TempDir(), "empty.cpio")
	var buf bytes.Buffer
	if err := initramfs.Write(&buf, []initramfs.Entry{{Name: "dev", Mode: fs.ModeDir | 0o755}}, 0); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(empty, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		spec      RunSpec
		want      []string
		wantLimit bool
	}{
		{"kernel panic", RunSpec{Argv: []string{"true"}, Initrd: empty, RAMSize: 256 << 20},
			[]string{"the guest kernel panicked", "last console output", "Kernel panic"}, false},
		{"no power-off", RunSpec{Argv: []string{"sh", "-c", "while :; do :; done"}, MaxInsns: 50_000_000, RAMSize: 256 << 20},
			[]string{"did not power off within 50000000 instructions after the ready point", "--max-insns"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Run(context.Background(), tc.spec)
			var be *Error
			if !errors.As(err, &be) {
				t.Fatalf("err = %v, want a *builder.Error", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not contain %q:\n%v", w, err)
				}
			}
			if be.Limit != tc.wantLimit {
				t.Errorf("Limit = %v, want %v", be.Limit, tc.wantLimit)
			}
		})
	}
}

// TestRunOutputCopy checks that copying /out is cheap and outside the
// command's budget: 64 MiB of output costs the init under 2 instructions a
// byte (it was about 65 when it hashed and wrote through the page cache),
// the result tells the command's instructions from the copy's, and a
// budget that the command fits in but the command and the copy together
// do not still lets the run finish.
func TestRunOutputCopy(t *testing.T) {
	const size = 64 << 20
	spec := RunSpec{Argv: []string{"sh", "-c", "head -c 67108864 /dev/zero > /out/big"}, RAMSize: 512 << 20}
	res, err := Run(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("command %d instructions, copy of %d bytes %d (%.2f a byte)", res.CommandInstret, size, res.CopyInstret, float64(res.CopyInstret)/size)
	if res.CommandInstret == 0 || res.CopyInstret == 0 || res.ReadyInstret+res.CommandInstret+res.CopyInstret != res.Instret {
		t.Fatalf("ready %d + command %d + copy %d != %d instructions", res.ReadyInstret, res.CommandInstret, res.CopyInstret, res.Instret)
	}
	if res.CopyInstret > 2*size {
		t.Errorf("the copy took %d instructions for %d bytes, want at most 2 a byte", res.CopyInstret, size)
	}
	if len(res.Files) != 1 || len(res.Files[0].Data) != size {
		t.Fatalf("got files %d, want /out/big of %d bytes", len(res.Files), size)
	}
	spec.MaxInsns = res.CommandInstret + res.CopyInstret/2
	again, err := Run(context.Background(), spec)
	if err != nil {
		t.Fatalf("with --max-insns %d (the command's %d and half the copy's): %v", spec.MaxInsns, res.CommandInstret, err)
	}
	if again.Instret != res.Instret {
		t.Errorf("the budget changed the run: %d instructions, then %d", res.Instret, again.Instret)
	}
}
