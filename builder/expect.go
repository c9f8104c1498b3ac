package builder

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/big"
	"strings"
)

// Expectation is a hash a user copied from a chain or a release page, with
// that chain's rule for hashing an artifact. Every rule supported here is
// the SHA-256 of the artifact's bytes; they differ in spelling:
//
//   - "sha256:HEX": a Soroban wasm hash, a CosmWasm checksum, a release
//     checksum (64 hex digits).
//   - "icp:HEX": an Internet Computer module hash as `dfx canister info`
//     prints it (with or without 0x): the SHA-256 of the installed module,
//     which is the .wasm.gz itself when the recipe produces one (gzip -n).
//   - "near:BASE58": a NEAR code hash, the SHA-256 in base58 (Bitcoin
//     alphabet).
type Expectation struct {
	Rule   string // "sha256", "icp" or "near"
	SHA256 [32]byte
	Text   string // as the user wrote it
}

// ParseExpectation parses RULE:VALUE (a bare 64-digit hex value is sha256).
func ParseExpectation(s string) (Expectation, error) {
	rule, val, ok := strings.Cut(s, ":")
	if !ok {
		rule, val = "sha256", s
	}
	e := Expectation{Rule: rule, Text: s}
	var raw []byte
	var err error
	switch rule {
	case "sha256", "icp":
		raw, err = hex.DecodeString(strings.TrimPrefix(strings.ToLower(val), "0x"))
	case "near":
		raw, err = decodeBase58(val)
	default:
		return e, fmt.Errorf("expected hash %q: unknown rule %q; use sha256:HEX, icp:HEX or near:BASE58", s, rule)
	}
	if err != nil || len(raw) != 32 {
		return e, fmt.Errorf("expected hash %q: want 32 bytes of %s for rule %s", s, map[bool]string{true: "base58", false: "hex"}[rule == "near"], rule)
	}
	copy(e.SHA256[:], raw)
	return e, nil
}

// Matches reports whether data hashes to the expectation under its rule.
func (e Expectation) Matches(data []byte) bool { return sha256.Sum256(data) == e.SHA256 }

// Format writes the hash of data under the expectation's rule, so that a
// mismatch report shows both values in the same spelling.
func (e Expectation) Format(data []byte) string {
	sum := sha256.Sum256(data)
	switch e.Rule {
	case "near":
		return "near:" + encodeBase58(sum[:])
	case "icp":
		return "icp:" + hex.EncodeToString(sum[:])
	}
	return "sha256:" + hex.EncodeToString(sum[:])
}

// base58Alphabet is Bitcoin's, which NEAR uses.
const base58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

func encodeBase58(b []byte) string {
	n := new(big.Int).SetBytes(b)
	var out []byte
	mod, base := new(big.Int), big.NewInt(58)
	for n.Sign() > 0 {
		n.DivMod(n, base, mod)
		out = append(out, base58Alphabet[mod.Int64()])
	}
	for _, c := range b {
		if c != 0 {
			break
		}
		out = append(out, '1')
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return string(out)
}

func decodeBase58(s string) ([]byte, error) {
	if s == "" || len(s) > 64 {
		return nil, fmt.Errorf("bad base58 length")
	}
	n := new(big.Int)
	base := big.NewInt(58)
	zeros := 0
	for i := 0; i < len(s) && s[i] == '1'; i++ {
		zeros++
	}
	for _, c := range []byte(s) {
		d := strings.IndexByte(base58Alphabet, c)
		if d < 0 {
			return nil, fmt.Errorf("%q is not a base58 digit", c)
		}
		n.Mul(n, base)
		n.Add(n, big.NewInt(int64(d)))
	}
	return append(make([]byte, zeros), n.Bytes()...), nil
}
