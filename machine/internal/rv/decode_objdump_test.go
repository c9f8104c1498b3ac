package rv

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reprovm/reprovm/internal/rvtest"
)

// majorOpcodes are the 32-bit major opcodes of RV64GC; random words are
// biased towards them so most of the sample lands in the decoder's cases.
var majorOpcodes = []uint32{0x03, 0x07, 0x0f, 0x13, 0x17, 0x1b, 0x23, 0x27, 0x2f, 0x33, 0x37, 0x3b,
	0x43, 0x47, 0x4b, 0x4f, 0x53, 0x63, 0x67, 0x6f, 0x73}

// TestDecodeAgainstObjdump decodes random instruction words with Decode and
// with GNU objdump (the reference disassembler), and requires that both
// agree on legality and on the mnemonic.
func TestDecodeAgainstObjdump(t *testing.T) {
	const n = 40000
	rng := rand.New(rand.NewPCG(1, 2))
	words := make([]uint32, n)
	buf := make([]byte, 4*n)
	for i := range words {
		w := rng.Uint32()
		if i%8 != 0 {
			w = w&^0x7f | majorOpcodes[rng.IntN(len(majorOpcodes))]
		}
		w |= 3
		if w&0x1f == 0x1f { // a 48-bit or longer encoding: keep to 32-bit ones
			w &^= 4
		}
		words[i] = w
		binary.LittleEndian.PutUint32(buf[4*i:], w)
	}
	path := filepath.Join(t.TempDir(), "words.bin")
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		t.Fatal(err)
	}
	out := rvtest.Run(t, "riscv64-linux-gnu-objdump", "-D", "-b", "binary", "-m", "riscv:rv64",
		"-M", "no-aliases,numeric", path)
	got := parseObjdump(t, out)
	mismatches := 0
	for i, w := range words {
		want, ok := got[uint64(4*i)]
		if !ok {
			t.Fatalf("objdump printed nothing for word %d (%#08x)", i, w)
		}
		in := Decode(w)
		have := in.Op.String()
		if in.Op == OpIllegal {
			have = "illegal"
		}
		if have != want && !objdumpAgrees(have, want, w) {
			mismatches++
			if mismatches <= 20 {
				t.Errorf("%#08x: Decode says %q, objdump says %q", w, have, want)
			}
		}
	}
	if mismatches > 0 {
		t.Errorf("%d of %d words disagree", mismatches, n)
	}
}

// objdumpAgrees accepts the known, documented differences: encodings of
// extensions this hart does not implement (objdump knows them; the hart
// must call them illegal), and spellings that are the same operation.
func objdumpAgrees(have, want string, w uint32) bool {
	switch {
	case have == "fence" && (want == "fence.tso" || want == "pause"):
		return true // FENCE variants: fm and pred/succ are ignored by the hart (unpriv §2.7)
	case (have == "fence" || have == "fence.i") && want == "illegal":
		return true // unknown fm, rs1, rd, imm: to be ignored for forward compatibility (unpriv §2.7, §3.1)
	case (have == "fcvt.d.w" || have == "fcvt.d.wu" || have == "fcvt.d.s") && want == "illegal":
		return true // exact conversions: binutils 2.40 only accepts rm = 0; the ISA encodes any rm (QEMU agrees)
	case have == "illegal" && notImplemented[want]:
		return true
	case have == "illegal" && isFPOpcode(w) && (w>>12&7 == 5 || w>>12&7 == 6):
		return true // reserved rm values are illegal (unpriv §11.2); objdump prints them anyway
	}
	return false
}

// notImplemented lists mnemonics objdump decodes by default that belong to
// extensions outside RV64GC + Zicsr + Zifencei (reprovm's ISA): the hart
// raises illegal-instruction for them.
var notImplemented = map[string]bool{
	"hfence.vvma": true, "hfence.gvma": true, "hlv.b": true, "hlv.bu": true, "hlv.h": true,
	"hlv.hu": true, "hlv.w": true, "hlv.wu": true, "hlv.d": true, "hlvx.hu": true, "hlvx.wu": true,
	"hsv.b": true, "hsv.h": true, "hsv.w": true, "hsv.d": true, "sinval.vma": true,
	"sfence.w.inval": true, "sfence.inval.ir": true, "wrs.nto": true, "wrs.sto": true,
	"cbo.clean": true, "cbo.flush": true, "cbo.inval": true, "cbo.zero": true,
	"prefetch.i": true, "prefetch.r": true, "prefetch.w": true,
}

// parseObjdump maps offsets to mnemonics; ".word", ".insn" and "unknown"
// become "illegal".
func parseObjdump(t *testing.T, out []byte) map[uint64]string {
	t.Helper()
	m := map[uint64]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		f := strings.Split(line, "\t")
		if len(f) < 3 || !strings.HasSuffix(strings.TrimSpace(f[0]), ":") {
			continue
		}
		var off uint64
		addr := strings.TrimSuffix(strings.TrimSpace(f[0]), ":")
		for _, c := range addr {
			d := strings.IndexRune("0123456789abcdef", c)
			if d < 0 {
				off = ^uint64(0)
				break
			}
			off = off<<4 | uint64(d)
		}
		if off == ^uint64(0) {
			continue
		}
		mn := strings.Fields(f[2])[0]
		for _, sfx := range []string{".aqrl", ".aq", ".rl"} {
			mn = strings.TrimSuffix(mn, sfx) // ordering bits: no effect on one hart
		}
		if mn == ".word" || mn == ".insn" || mn == "unknown" || strings.HasPrefix(mn, ".") {
			mn = "illegal"
		}
		m[off] = mn
	}
	return m
}

func isFPOpcode(w uint32) bool {
	switch w & 0x7f {
	case 0x43, 0x47, 0x4b, 0x4f, 0x53:
		return true
	}
	return false
}
