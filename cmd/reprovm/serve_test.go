package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/reprovm/reprovm/internal/testtree"
)

// TestServeGetTwoProcesses is the acceptance test: a CID printed by
// reprovm add is fetched by reprovm get --gateway from reprovm serve running
// in another process (on loopback), and arrives byte for byte.
func TestServeGetTwoProcesses(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	writeTree(t, src)
	s1, s2 := filepath.Join(dir, "s1"), filepath.Join(dir, "s2")

	out, err := exec.Command(bin, "add", "--store", s1, src).Output()
	if err != nil {
		t.Fatalf("reprovm add: %v", err)
	}
	root := strings.TrimSpace(string(out))

	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	serve := exec.CommandContext(ctx, bin, "serve", "--store", s1, "--listen", "127.0.0.1:0")
	stdout, err := serve.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	serve.Stderr = os.Stderr
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	defer serve.Wait()
	defer serve.Process.Kill()
	url, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the address reprovm serve prints: %v", err)
	}
	url = strings.TrimSpace(url)
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("reprovm serve listens on %q, want loopback", url)
	}

	dst := filepath.Join(dir, "dst")
	get := exec.CommandContext(ctx, bin, "get", "--store", s2, "--gateway", url, root, "-o", dst)
	if out, err := get.CombinedOutput(); err != nil {
		t.Fatalf("reprovm get: %v\n%s", err, out)
	}
	if got, want := testtree.Digest(t, dst), testtree.Digest(t, src); got != want {
		t.Errorf("fetched tree:\n%s\nwant:\n%s", got, want)
	}
}
