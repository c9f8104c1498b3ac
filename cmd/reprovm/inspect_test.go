package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reprovm/reprovm/meta"
)

// stampedModule returns a small stamped wasm module (not built: the stamp
// describes it, which is all inspect and the start of verify look at).
func stampedModule(t *testing.T) []byte {
	t.Helper()
	core := []byte("\x00asm\x01\x00\x00\x00")
	sum := sha256.Sum256(core)
	s := &meta.Stamp{
		Argv:      []string{"cp", "m.wasm", "/out/m.wasm"},
		Emulator:  "1.0.0",
		Format:    meta.FormatVersion,
		Image:     "bafybeidozhaq46cd5qypnz4t54yef2mr6t6c2vj6puqdvczr6k3bn5di3m",
		Instret:   1000,
		LogSHA256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		Machine:   meta.Machine{Bootargs: "console=ttyS0", MaxInsns: 1 << 30, RAMSize: 2 << 30},
		Outputs:   []meta.Output{{Path: "/out/m.wasm", SHA256: hex.EncodeToString(sum[:]), Size: uint64(len(core))}},
		Reprovm:   "0.1.0",
		Source:    meta.Source{CID: "bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4"},
		Workdir:   "/src",
	}
	out, err := meta.StampWasm(core, s)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// withStampPayload rebuilds the stamped module m with its stamp payload
// changed by edit (the stamp is the last section, after an 8-byte core).
func withStampPayload(t *testing.T, m []byte, edit func([]byte) []byte) []byte {
	t.Helper()
	pub, err := meta.ReadPublished(m)
	if err != nil {
		t.Fatal(err)
	}
	payload, err := pub.Stamp.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	body := append([]byte{byte(len(meta.SectionName))}, meta.SectionName...)
	body = append(body, edit(payload)...)
	out := append(bytes.Clone(pub.Core), 0)
	for n := uint64(len(body)); ; n >>= 7 { // LEB128 section size
		if n < 0x80 {
			out = append(out, byte(n))
			break
		}
		out = append(out, byte(n)|0x80)
	}
	return append(out, body...)
}

// TestInspectAndVerifyAgree: inspect and verify read stamps with one reader,
// so a stamp one refuses the other refuses too (both exit 2), and a module
// altered after stamping (a section appended) is shown by inspect as not
// intact instead of refused, as verify rebuilds it. Before, inspect refused
// the altered module and accepted a stamp with an odd RAM size that verify
// then failed on.
func TestInspectAndVerifyAgree(t *testing.T) {
	dir := t.TempDir()
	good := stampedModule(t)
	oddRAM := bytes.Replace(good, []byte(`"ram_size":2147483648`), []byte(`"ram_size":2147483649`), 1)
	hugeRAM := withStampPayload(t, good, func(p []byte) []byte {
		return bytes.Replace(p, []byte(`"ram_size":2147483648`), []byte(`"ram_size":1099511627776`), 1)
	})
	if bytes.Equal(oddRAM, good) {
		t.Fatal("the test stamp has no ram_size to change")
	}
	// A custom section "x" with one byte, after the stamp.
	appended := append(bytes.Clone(good), 0, 3, 1, 'x', 0)
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, name := range []string{"odd-ram.wasm", "huge-ram.wasm"} {
		p := write(name, map[string][]byte{"odd-ram.wasm": oddRAM, "huge-ram.wasm": hugeRAM}[name])
		for _, c := range []string{"inspect", "verify"} {
			r := runCLI(t.Context(), c, p)
			if r.code != exitNotStamped || !strings.Contains(r.stderr, "RAM size") {
				t.Errorf("%s %s: exit %d, stderr %q; want %d naming the RAM size", c, name, r.code, r.stderr, exitNotStamped)
			}
		}
	}
	r := runCLI(t.Context(), "inspect", write("appended.wasm", appended))
	if r.code != exitOK || !strings.Contains(r.stdout, "NOT INTACT") || !strings.Contains(r.stdout, "core sha256") {
		t.Errorf("inspect of a module altered after stamping: exit %d, stdout %q\n%s", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t.Context(), "inspect", write("good.wasm", good))
	if r.code != exitOK || strings.Contains(r.stdout, "NOT INTACT") {
		t.Errorf("inspect of an intact module: exit %d, stdout %q\n%s", r.code, r.stdout, r.stderr)
	}
}
