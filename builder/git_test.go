package builder

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestGitState(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("git is not installed")
		}
		t.Skip("git is not installed")
	}
	ctx := context.Background()
	dir := t.TempDir()
	if g, warn := GitState(ctx, dir); g != nil || warn != "" {
		t.Fatalf("not a checkout: %+v %q", g, warn)
	}
	git := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	git("init", "-q")
	proj := filepath.Join(dir, "proj")
	if err := os.MkdirAll(proj, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(p, s string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(proj, "main.go"), "package main\n")
	if g, warn := GitState(ctx, proj); g != nil || !strings.Contains(warn, "no commit yet") && !strings.Contains(warn, "uncommitted") {
		t.Errorf("before the first commit: %+v %q", g, warn)
	}
	git("add", ".")
	git("commit", "-q", "-m", "first")
	head := git("rev-parse", "HEAD")
	g, warn := GitState(ctx, proj)
	if warn != "" || g == nil || g.Commit != head || g.URL != "" {
		t.Fatalf("clean, no remote: %+v %q", g, warn)
	}
	git("remote", "add", "origin", "git@github.com:Example/Proj.git")
	if g, _ := GitState(ctx, proj); g == nil || g.URL != "https://github.com/Example/Proj" {
		t.Errorf("remote: %+v", g)
	}
	// Outputs in reprovm-out and changes outside the source tree do not
	// make it dirty; a change inside does.
	write(filepath.Join(proj, DefaultOutDir, "app.wasm"), "x")
	write(filepath.Join(dir, "elsewhere.txt"), "x")
	if g, warn := GitState(ctx, proj); g == nil || warn != "" {
		t.Errorf("with outputs and an outside change: %+v %q", g, warn)
	}
	// An ignored directory in the checkout is in no commit.
	write(filepath.Join(dir, ".gitignore"), "ignored/\n")
	write(filepath.Join(dir, "ignored", "main.go"), "package main\n")
	if g, warn := GitState(ctx, filepath.Join(dir, "ignored")); g != nil || warn != "" {
		t.Errorf("ignored directory: %+v %q", g, warn)
	}
	write(filepath.Join(proj, "main.go"), "package main // changed\n")
	if g, warn := GitState(ctx, proj); g != nil || !strings.Contains(warn, "uncommitted changes") {
		t.Errorf("dirty: %+v %q", g, warn)
	}
}
