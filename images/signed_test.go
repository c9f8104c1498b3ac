package images

import (
	"context"
	"testing"
	"time"
)

// TestSignedIndexRealArchive verifies trixie's real InRelease and Packages
// index and resolves the go image's packages.
func TestSignedIndexRealArchive(t *testing.T) {
	if testing.Short() {
		t.Skip("downloads trixie's InRelease and a 9 MB index")
	}
	f := &Fetcher{}
	start := time.Now()
	si, err := f.SignedIndex(context.Background(), "trixie", "riscv64", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d packages, signed by %s, %s, in %v", si.Index.Len(), si.Release.SignedBy, si.Release.Date, time.Since(start))
	roots, err := parseRelations("golang-1.24-go, busybox-static, ca-certificates")
	if err != nil {
		t.Fatal(err)
	}
	res, err := Resolve(si.Index, roots)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range res.Packages {
		t.Logf("%s %s needs %v", p.Name, p.Version, res.Needs[p.Name])
	}
}
