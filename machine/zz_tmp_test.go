package machine_test

import (
	"os"
	"testing"
)

func TestZZOne(t *testing.T) {
	for _, w := range benchWorkloads {
		if w.name != os.Getenv("ZZ") {
			continue
		}
		prog := w.build(t, t.TempDir(), os.Getenv("ZZBIG") == "")
		n, _, _ := benchRun(t, prog)
		t.Logf("%d", n)
	}
}
