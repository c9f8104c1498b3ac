package deps

import (
	"bytes"
	"fmt"
	"strings"
)

// goSum is the set of module versions a go.sum file lists, keyed by
// proxy file name: "<escaped path>/@v/<escaped version>.zip" for a line
// that hashes the module's zip, and ".mod" for a "/go.mod" line
// (https://go.dev/ref/mod#go-sum-files). Keys use the escaped form so
// they compare directly with the names in a module proxy tree.
type goSum map[string]bool

// parseGoSum reads a go.sum file. Each non-blank line must have the three
// fields "path version hash"; the hashes themselves are the go command's
// business, which checks them when it uses a file.
func parseGoSum(data []byte) (goSum, error) {
	sums := goSum{}
	for i, line := range bytes.Split(data, []byte("\n")) {
		f := strings.Fields(string(line))
		if len(f) == 0 {
			continue
		}
		if len(f) != 3 {
			return nil, fmt.Errorf("go.sum:%d: want 3 fields, have %d", i+1, len(f))
		}
		path, version := f[0], f[1]
		ext := ".zip"
		if v, ok := strings.CutSuffix(version, "/go.mod"); ok {
			version, ext = v, ".mod"
		}
		if path == "" || version == "" {
			return nil, fmt.Errorf("go.sum:%d: empty module path or version", i+1)
		}
		sums[escapeModule(path)+"/@v/"+escapeModule(version)+ext] = true
	}
	return sums, nil
}

// escapeModule applies the module proxy's case encoding to a module path
// or version: each upper-case ASCII letter becomes '!' and its lower-case
// form (https://go.dev/ref/mod#goproxy-protocol). Valid paths and versions
// contain no '!', so the encoding is one-to-one on them.
func escapeModule(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			b.WriteByte('!')
			c += 'a' - 'A'
		}
		b.WriteByte(c)
	}
	return b.String()
}
