package builder

import (
	"fmt"
	"os"

	"github.com/reprovm/reprovm/guest/proto"
)

// DetectFS names the filesystem in the image at path (proto.DetectFS), or
// "raw" if it holds none the guest can mount. The host checks this so that
// an unreadable drive fails before the boot, and the guest init loads the
// filesystem's modules without probing the drive itself.
func DetectFS(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("detect filesystem: %w", err)
	}
	defer f.Close()
	fs, err := proto.DetectFS(f)
	if err != nil {
		return "", fmt.Errorf("detect filesystem of %s: %w", path, err)
	}
	if fs == "" {
		return "raw", nil
	}
	return fs, nil
}
