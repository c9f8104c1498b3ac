package main

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reprovm/reprovm/internal/testtree"
	"github.com/reprovm/reprovm/ipfsfetch"
)

// writeTree creates a small tree with an executable, a symlink and a file
// of several chunks.
func writeTree(t *testing.T, dir string) {
	t.Helper()
	files := map[string]string{
		"bin/run":     "#!/bin/sh\necho hi\n",
		"data/big":    strings.Repeat("0123456789", ipfsfetch.ChunkSize/5),
		"data/empty":  "",
		"README":      "hello\n",
		"emptydir/.x": "",
	}
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		mode := os.FileMode(0o644)
		if strings.HasPrefix(name, "bin/") {
			mode = 0o755
		}
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("../README", filepath.Join(dir, "bin", "readme")); err != nil {
		t.Fatal(err)
	}
}

// TestGetGatewaysEnv fetches through REPROVM_GATEWAYS from a gateway serving
// another store, then checks that a failed get leaves nothing behind.
func TestGetGatewaysEnv(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	writeTree(t, src)
	s1, s2 := filepath.Join(dir, "s1"), filepath.Join(dir, "s2")
	r := runCLI(t.Context(), "add", "--store", s1, src)
	root := strings.TrimSpace(r.stdout)
	store, err := ipfsfetch.OpenStore(s1)
	if err != nil {
		t.Fatal(err)
	}
	h, err := store.GatewayHandler()
	if err != nil {
		t.Fatal(err)
	}
	gw := httptest.NewServer(h)
	defer gw.Close()

	out := filepath.Join(dir, "out")
	offline := runCLI(t.Context(), "get", "--store", s2, root, "-o", out)
	if offline.code != exitError || !strings.Contains(offline.stderr, "not found") {
		t.Errorf("offline get: exit %d\n%s", offline.code, offline.stderr)
	}
	t.Setenv("REPROVM_GATEWAYS", "http://127.0.0.1:1, "+gw.URL)
	r = runCLI(t.Context(), "get", "--store", s2, "--timeout", "2s", root, "-o", out)
	if r.code != exitOK {
		t.Fatalf("get: exit %d\n%s", r.code, r.stderr)
	}
	if got, want := testtree.Digest(t, out), testtree.Digest(t, src); got != want {
		t.Errorf("fetched tree:\n%s\nwant:\n%s", got, want)
	}

	// A CID nobody has: the error names the gateway, and nothing is left.
	missing := "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e"
	out2 := filepath.Join(dir, "out2")
	r = runCLI(t.Context(), "get", "--store", s2, "--gateway", gw.URL, missing, "-o", out2)
	if r.code != exitError || !strings.Contains(r.stderr, "not found") || !strings.Contains(r.stderr, gw.URL) {
		t.Errorf("get of a missing CID: exit %d\n%s", r.code, r.stderr)
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if e.Name() == "out2" || strings.HasPrefix(e.Name(), ".reprovm") {
			t.Errorf("failed get left %s behind", e.Name())
		}
	}
	if r := runCLI(t.Context(), "get", "--store", s2, "not-a-cid"); r.code != exitError || !strings.Contains(r.stderr, "parse CID") {
		t.Errorf("get of a malformed CID: exit %d\n%s", r.code, r.stderr)
	}
}
