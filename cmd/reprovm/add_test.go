package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAddCAR imports a tree with reprovm add, exports it with car export
// into a .car.zst and imports that into a second store: both print the same
// CID.
func TestAddCAR(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	if err := os.MkdirAll(filepath.Join(src, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "main.go"), []byte("package main\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s1, s2 := filepath.Join(dir, "s1"), filepath.Join(dir, "s2")
	r := runCLI(t.Context(), "add", "--store", s1, src)
	if r.code != exitOK {
		t.Fatalf("add: exit %d\n%s", r.code, r.stderr)
	}
	root := strings.TrimSpace(r.stdout)
	withGit := runCLI(t.Context(), "add", "--store", s1, "--include-git", src)
	if strings.TrimSpace(withGit.stdout) == root {
		t.Errorf("--include-git gave the same CID %s", root)
	}
	car := filepath.Join(dir, "x.car.zst")
	if r := runCLI(t.Context(), "car", "export", "--store", s1, root, "-o", car); r.code != exitOK {
		t.Fatalf("car export: exit %d\n%s", r.code, r.stderr)
	}
	runCLI(t.Context(), "car", "import", "--store", s2, car).check(t, exitOK, root+"\n")
}

func TestAddErrors(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"add", "--store", dir, filepath.Join(dir, "missing")},
		{"add", "--store", dir},
		{"car", "export", "--store", dir, "not-a-cid", "-o", filepath.Join(dir, "x.car")},
		{"car", "export", "--store", dir, "bafkqaaa"},
		{"car", "import", "--store", dir, filepath.Join(dir, "missing.car")},
	} {
		if r := runCLI(t.Context(), args...); r.code != exitError || !strings.HasPrefix(r.stderr, "reprovm: ") {
			t.Errorf("%q: exit %d, stderr %q; want exit %d and a message", args, r.code, r.stderr, exitError)
		}
	}
}

// TestCARExportRefusesToReplace: car export leaves an existing file alone
// unless --force is given.
func TestCARExportRefusesToReplace(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "f.txt")
	if err := os.WriteFile(src, []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	store := filepath.Join(dir, "s")
	root := strings.TrimSpace(runCLI(t.Context(), "add", "--store", store, src).stdout)
	out := filepath.Join(dir, "x.car")
	if err := os.WriteFile(out, []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t.Context(), "car", "export", "--store", store, root, "-o", out)
	if r.code != exitError || !strings.Contains(r.stderr, "--force") {
		t.Fatalf("car export over an existing file: exit %d, stderr %q; want %d naming --force", r.code, r.stderr, exitError)
	}
	if b, _ := os.ReadFile(out); string(b) != "precious" {
		t.Fatalf("the existing file was changed: %q", b)
	}
	if r := runCLI(t.Context(), "car", "export", "--store", store, root, "-o", out, "--force"); r.code != exitOK {
		t.Fatalf("car export --force: exit %d\n%s", r.code, r.stderr)
	}
	if b, _ := os.ReadFile(out); string(b) == "precious" {
		t.Fatal("--force did not replace the file")
	}
}

// TestStoreVerifyCLI: store verify exits 0 on a good store, 1 listing a
// damaged block, and with --repair moves it aside so the next verify is
// clean.
func TestStoreVerifyCLI(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "f.txt")
	if err := os.WriteFile(src, []byte(strings.Repeat("block ", 1000)), 0o644); err != nil {
		t.Fatal(err)
	}
	store := filepath.Join(dir, "s")
	if r := runCLI(t.Context(), "add", "--store", store, src); r.code != exitOK {
		t.Fatalf("add: %d\n%s", r.code, r.stderr)
	}
	runCLI(t.Context(), "store", "verify", "--store", store).check(t, exitOK, "")
	var victim string
	filepath.WalkDir(store, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			victim = p
		}
		return nil
	})
	if err := os.Chmod(victim, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(victim, []byte("damaged"), 0o444); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t.Context(), "store", "verify", "--store", store)
	if r.code != 1 || !strings.Contains(r.stdout, victim) || !strings.Contains(r.stdout, "hash mismatch") {
		t.Fatalf("verify of a damaged store: exit %d, stdout %q\n%s", r.code, r.stdout, r.stderr)
	}
	if r := runCLI(t.Context(), "store", "verify", "--store", store, "--repair"); r.code != exitOK || !strings.Contains(r.stdout, victim) {
		t.Fatalf("verify --repair: exit %d, stdout %q\n%s", r.code, r.stdout, r.stderr)
	}
	runCLI(t.Context(), "store", "verify", "--store", store).check(t, exitOK, "")
	if _, err := os.Stat(victim); err == nil {
		t.Error("the damaged file is still in place after --repair")
	}
}
