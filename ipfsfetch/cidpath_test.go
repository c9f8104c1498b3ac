package ipfsfetch

import "testing"

func TestParseCID(t *testing.T) {
	const dir = "bafybeiczsscdsbs7ffqz55asqdf3smv6klcw3gofszvwlyarci47bgf354"
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{dir, true},
		{"/ipfs/" + dir, true},
		{"ipfs://" + dir, true},
		{"ipfs://" + dir + "/", true},
		{"QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn", true},
		{"", false},
		{"bafy", false},
		{dir[:len(dir)-1], false},
		{"/ipfs/" + dir + "/sub", false},
		{"/ipns/" + dir, false},
		{"zzzz not a cid", false},
	} {
		c, err := ParseCID(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("ParseCID(%q) = %v, %v; want ok=%v", tc.in, c, err, tc.ok)
		}
	}
}

func FuzzParseCID(f *testing.F) {
	f.Add("bafybeiczsscdsbs7ffqz55asqdf3smv6klcw3gofszvwlyarci47bgf354")
	f.Add("/ipfs/bafkqaaa")
	f.Add("ipfs://QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn/")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCID(s)
		if err != nil {
			return
		}
		// A parsed CID round-trips through its string form.
		c2, err := ParseCID(c.String())
		if err != nil || c2 != c {
			t.Fatalf("ParseCID(%q) = %s, which parses back as %v, %v", s, c, c2, err)
		}
	})
}
