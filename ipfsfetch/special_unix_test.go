//go:build unix

package ipfsfetch

import (
	"context"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestImportRefusesSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	_, err := tmpStore(t).Import(context.Background(), dir, ImportOptions{})
	if err == nil || !strings.Contains(err.Error(), "named pipe") || !strings.Contains(err.Error(), fifo) {
		t.Errorf("importing a tree with a FIFO: %v, want an error naming the FIFO", err)
	}
}
