package builder

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

func TestExpectation(t *testing.T) {
	data := []byte("hello, reprovm\n")
	sum := sha256.Sum256(data)
	hexSum := hex.EncodeToString(sum[:])
	b58 := encodeBase58(sum[:])
	for _, s := range []string{"sha256:" + hexSum, hexSum, "icp:" + hexSum, "icp:0x" + strings.ToUpper(hexSum), "near:" + b58} {
		e, err := ParseExpectation(s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		if !e.Matches(data) || e.Matches(append(data, 0)) {
			t.Errorf("%s: Matches is wrong", s)
		}
		if got := e.Format(data); !strings.HasSuffix(strings.ToLower(s), strings.ToLower(got[strings.Index(got, ":")+1:])) {
			t.Errorf("%s: Format gives %s", s, got)
		}
	}
	for _, bad := range []string{"sha256:abc", "md5:" + hexSum, "near:0OIl", "near:" + b58 + "2", "icp:" + hexSum + "00"} {
		if _, err := ParseExpectation(bad); err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
}

// TestBase58 checks known vectors (Bitcoin's base58 test vectors) and
// leading zeros.
func TestBase58(t *testing.T) {
	for _, tt := range []struct{ hex, b58 string }{
		{"", ""},
		{"61", "2g"},
		{"626262", "a3gV"},
		{"636363", "aPEr"},
		{"00000000000000000000", "1111111111"},
		{"00eb15231dfceb60925886b67d065299925915aeb172c06647", "1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L"},
		{"516b6fcd0f", "ABnLTmg"},
	} {
		b, _ := hex.DecodeString(tt.hex)
		if got := encodeBase58(b); got != tt.b58 {
			t.Errorf("encode %s = %s, want %s", tt.hex, got, tt.b58)
		}
		if tt.b58 == "" {
			continue
		}
		back, err := decodeBase58(tt.b58)
		if err != nil || hex.EncodeToString(back) != tt.hex {
			t.Errorf("decode %s = %x, %v; want %s", tt.b58, back, err, tt.hex)
		}
	}
}

func FuzzParseExpectation(f *testing.F) {
	f.Add("near:11111111111111111111111111111111")
	f.Add("sha256:" + strings.Repeat("ab", 32))
	f.Fuzz(func(t *testing.T, s string) {
		e, err := ParseExpectation(s)
		if err == nil && e.Rule == "near" {
			if got := e.Format(nil); got == "" {
				t.Fatal("empty format")
			}
		}
	})
}
