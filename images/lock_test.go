package images

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestLockGoSpec locks the built-in go spec against the real archive,
// twice, and compares the bytes with each other and, when the archive has
// not moved on since it was committed, with the committed lock.
func TestLockGoSpec(t *testing.T) {
	spec, err := os.ReadFile("specs/go.toml")
	if err != nil {
		t.Fatal(err)
	}
	var outs [2][]byte
	var l *Lock
	for i := range outs {
		dir := t.TempDir()
		name := filepath.Join(dir, "go.toml")
		if err := os.WriteFile(name, spec, 0o644); err != nil {
			t.Fatal(err)
		}
		lockPath, lock, err := (&Fetcher{}).LockSpec(context.Background(), name, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if lockPath != filepath.Join(dir, "go.lock.json") {
			t.Errorf("lock written to %s", lockPath)
		}
		if outs[i], err = os.ReadFile(lockPath); err != nil {
			t.Fatal(err)
		}
		l = lock
	}
	if !bytes.Equal(outs[0], outs[1]) {
		t.Fatal("two locks of the same spec and archive differ")
	}
	names := map[string]string{}
	for _, p := range l.Packages {
		names[p.Name] = p.Version
	}
	for name, version := range map[string]string{"golang-1.24-go": "1.24.4-1", "golang-1.24-src": "1.24.4-1",
		"busybox-static": BusyboxStatic.Version, "ca-certificates": ""} {
		if got, ok := names[name]; !ok || version != "" && got != version {
			t.Errorf("lock has %s %q, want %q", name, got, version)
		}
	}
	if l.Kernel.Package() != Kernel {
		t.Errorf("kernel %+v, want %+v", l.Kernel.Package(), Kernel)
	}

	committed, err := os.ReadFile("specs/go.lock.json")
	if err != nil {
		t.Fatal(err)
	}
	old, err := ParseLock("specs/go.lock.json", committed)
	if err != nil {
		t.Fatal(err)
	}
	if old.Release.SHA256 != l.Release.SHA256 {
		t.Logf("the archive moved on since specs/go.lock.json (InRelease of %s, now %s); not comparing bytes",
			old.Release.Date, l.Release.Date)
		return
	}
	if !bytes.Equal(committed, outs[0]) {
		t.Error("specs/go.lock.json differs from a fresh lock of the same InRelease; run reprovm image lock images/specs/go.toml")
	}
}

func TestParseCommittedLocks(t *testing.T) {
	for _, name := range []string{"specs/go.lock.json", "specs/rust-wasm.lock.json"} {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		l, err := ParseLock(name, data)
		if err != nil {
			t.Fatal(err)
		}
		out, err := l.Marshal()
		if err != nil || !bytes.Equal(out, data) {
			t.Errorf("%s does not round-trip: %v", name, err)
		}
		var total int64
		for _, p := range l.Debs() {
			total += p.Size
		}
		t.Logf("%s: %d packages + kernel, %.1f MB", name, len(l.Packages), float64(total)/1e6)
	}
}

func TestParseLockErrors(t *testing.T) {
	data, err := os.ReadFile("specs/go.lock.json")
	if err != nil {
		t.Fatal(err)
	}
	for name, tt := range map[string]struct{ old, new, want string }{
		"unknown field": {`"suite"`, `"suit": 1, "suite"`, `unknown field "suit"`},
		"version":       {`"lock_version": 1`, `"lock_version": 2`, "expected lock_version 1, got 2"},
		"bad hash":      {`"sha256": "4add`, `"sha256": "Xadd`, "is not 64 lowercase hex digits"},
		"pool escape":   {`pool/main/b/busybox/`, `pool/../../b/`, "is not a clean pool/... .deb path"},
		"unsorted":      {`"name": "busybox-static"`, `"name": "zzz"`, "not sorted"},
	} {
		bad := strings.Replace(string(data), tt.old, tt.new, 1)
		if bad == string(data) {
			t.Fatalf("%s: %q not found", name, tt.old)
		}
		_, err := ParseLock("go.lock.json", []byte(bad))
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "go.lock.json") {
			t.Errorf("%s: err = %v, want it to contain %q", name, err, tt.want)
		}
	}
}

// TestLockCheckIndex checks locks against the real signed index: the
// committed go lock's packages, then a lock naming a package or a hash
// that the index does not have.
func TestLockCheckIndex(t *testing.T) {
	si, err := (&Fetcher{}).SignedIndex(context.Background(), "trixie", "riscv64", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("specs/go.lock.json")
	if err != nil {
		t.Fatal(err)
	}
	l, err := ParseLock("go.lock.json", data)
	if err != nil {
		t.Fatal(err)
	}
	if l.Release.SHA256 == si.InRelease.SHA256 {
		if err := l.CheckIndex("go.lock.json", si.Index); err != nil {
			t.Errorf("committed lock: %v", err)
		}
	}
	missing := *l
	missing.Packages = append([]LockedPackage(nil), l.Packages...)
	missing.Packages[0].Name = "not-in-trixie"
	err = missing.CheckIndex("go.lock.json", si.Index)
	if want := "lock go.lock.json: expected not-in-trixie 1:1.37.0-6+b9 in the index, got no such package"; err == nil || err.Error() != want {
		t.Errorf("missing package: err = %v, want %q", err, want)
	}
	missing.Packages[0] = l.Packages[0]
	missing.Packages[0].SHA256 = strings.Repeat("0", 64)
	err = missing.CheckIndex("go.lock.json", si.Index)
	if err == nil || err.Error() != "lock go.lock.json: "+BusyboxStatic.String()+": expected sha256 "+strings.Repeat("0", 64)+", index has "+BusyboxStatic.SHA256 {
		t.Errorf("wrong hash: err = %v", err)
	}
	spec := &Spec{Suite: "trixie", Arch: "riscv64", Kernel: "linux-image-9.9", Packages: []string{"busybox-static"}}
	if _, err := NewLock(spec, si, "dists/trixie/"); err == nil || !strings.Contains(err.Error(), "kernel linux-image-9.9: no such package in dists/trixie/main/binary-riscv64/Packages.xz") {
		t.Errorf("missing kernel: err = %v", err)
	}
	spec.Kernel, spec.Packages = Kernel.Name, []string{"golang-1.24-go (= 9.9)"}
	if _, err := NewLock(spec, si, "dists/trixie/"); err == nil || !strings.Contains(err.Error(), "the spec needs golang-1.24-go (= 9.9): the index has golang-1.24-go 1.24.4-1") {
		t.Errorf("missing version: err = %v", err)
	}
}

func TestParseSpec(t *testing.T) {
	for _, name := range []string{"specs/go.toml", "specs/rust-wasm.toml"} {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParseSpec(name, data); err != nil {
			t.Error(err)
		}
	}
	// The go image warms its GOCACHE up with the standard library for
	// wasip1/wasm (see RATIONALE.md, "Warm-up commands are declared by the
	// image"), and its lock carries the same warm-up.
	data, _ := os.ReadFile("specs/go.toml")
	spec, err := ParseSpec("specs/go.toml", data)
	if err != nil {
		t.Fatal(err)
	}
	lockData, _ := os.ReadFile("specs/go.lock.json")
	lock, err := ParseLock("specs/go.lock.json", lockData)
	if err != nil {
		t.Fatal(err)
	}
	if w := spec.Warmup; w == nil || strings.Join(w.Command, " ") != "go build fmt encoding/json encoding/binary" || w.Env["GOOS"] != "wasip1" || w.Env["GOARCH"] != "wasm" ||
		!reflect.DeepEqual(lock.Warmup, w) {
		t.Errorf("go image warm-up: spec %+v, lock %+v", spec.Warmup, lock.Warmup)
	}
	base := "suite = \"trixie\"\narch = \"riscv64\"\nkernel = \"linux-image-x\"\n"
	for in, want := range map[string]string{
		base + "packages = [\"aa\"]\nextra = 1\n":              "unknown keys extra",
		base + "packages = []\n":                               "packages is empty",
		base + "packages = [\"aa, bb\"]\n":                     "must name one package",
		base + "packages = [\"AA\"]\n":                         "invalid package name",
		"suite = \"../x\"\n":                                   "suite \"../x\" is not a suite name",
		base + "packages = [\"aa\"]\n[env]\n\"A=B\" = \"c\"\n": "env \"A=B\"",
		"suite = ": "spec t.toml:",
		base + "packages = [\"aa\"]\n[warmup]\ncommand = []\n":                               "warmup: empty command",
		base + "packages = [\"aa\"]\n[warmup]\ncommand = [\"a\"]\ndir = \"rel\"\n":           "warmup: dir \"rel\"",
		base + "packages = [\"aa\"]\n[warmup]\ncommand = [\"a\"]\nenv = { \"=\" = \"x\" }\n": "warmup: env",
		base + "packages = [\"aa\"]\n[warmup]\ncommand = [\"a\"]\nshell = true\n":            "unknown keys warmup.shell",
	} {
		_, err := ParseSpec("t.toml", []byte(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseSpec(%q) = %v, want an error containing %q", in, err, want)
		}
	}
}
