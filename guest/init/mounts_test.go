//go:build linux

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// mkdirInRoot resolves symbolic links as a process chrooted into root
// would, so that the init's mounts cannot land outside the root.
func TestMkdirInRoot(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"usr/lib", "srv"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "file"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for name, target := range map[string]string{
		"lib":        "usr/lib",
		"abs":        "/usr",
		"up":         "../../../..",
		"srv/parent": "..",
		"loop":       "loop",
		"toroot":     "/",
		"dangling":   "/made/by/mkdir",
		"tofile":     "file",
	} {
		if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		p, want, bad string // want is relative to root
	}{
		{p: "/src", want: "src"},
		{p: "/srv", want: "srv"},
		{p: "/deps/x/y", want: "deps/x/y"},
		{p: "/lib/x", want: "usr/lib/x"},
		{p: "/abs/lib/y", want: "usr/lib/y"},
		{p: "/up/escape", want: "escape"},
		{p: "/srv/parent/usr", want: "usr"},
		{p: "/dangling", want: "made/by/mkdir"},
		{p: "/file/x", bad: "/file is not a directory"},
		{p: "/tofile", bad: "/file is not a directory"},
		{p: "/loop/x", bad: "too many levels of symbolic links"},
		{p: "/toroot", bad: "resolves to the root directory"},
		{p: "/up", bad: "resolves to the root directory"},
	} {
		t.Run(tc.p, func(t *testing.T) {
			got, err := mkdirInRoot(root, tc.p)
			if tc.bad != "" {
				if err == nil || !strings.Contains(err.Error(), tc.bad) {
					t.Fatalf("got %q, %v; want an error with %q", got, err, tc.bad)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := root + "/" + tc.want; got != want {
				t.Errorf("got %s, want %s", got, want)
			}
			if fi, err := os.Lstat(got); err != nil || !fi.IsDir() {
				t.Errorf("%s is not a directory: %v", got, err)
			}
		})
	}
}
