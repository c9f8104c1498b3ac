package builder

import (
	"strings"
	"testing"
)

const goodRecipe = `# a comment
image = "go"
command = ["go", "build", "-o", "/out/app.wasm", "."]
outputs = ["/out/app.wasm"]
ram = "1G"

[env]
GOOS = "wasip1"

[deps]
gomod = "bafybeibn3ykinie6ww55wdmrrsijgj4rzwq3q6w4bo6rh5gf2jutmipvca"
`

func TestParseRecipe(t *testing.T) {
	r, err := ParseRecipe("reprovm.toml", []byte(goodRecipe))
	if err != nil {
		t.Fatal(err)
	}
	if r.Dir() != SourceMount || r.RAMBytes() != 1<<30 || r.Insns() != DefaultBuildMaxInsns {
		t.Errorf("defaults: dir %s ram %d insns %d", r.Dir(), r.RAMBytes(), r.Insns())
	}
	if got := strings.Join(r.EnvList(), " "); got != "GOOS=wasip1" {
		t.Errorf("EnvList = %q", got)
	}
	if got := r.SourceExcludes(); len(got) != 1 || got[0] != DefaultOutDir {
		t.Errorf("SourceExcludes = %q", got)
	}
}

func TestParseRecipeErrors(t *testing.T) {
	base := func(edit func(string) string) string { return edit(goodRecipe) }
	tests := []struct {
		name, text, want string
	}{
		{"syntax", "image = ", "recipe r.toml: toml"},
		{"unknown key", base(func(s string) string { return "imgae = \"go\"\n" + s }), "unknown key(s) imgae"},
		{"no image", strings.Replace(goodRecipe, `image = "go"`, "", 1), "image: missing"},
		{"no command", strings.Replace(goodRecipe, `command = ["go", "build", "-o", "/out/app.wasm", "."]`, "", 1), "command: missing"},
		{"empty argv0", strings.Replace(goodRecipe, `["go", "build"`, `["", "build"`, 1), "command: missing"},
		{"no outputs", strings.Replace(goodRecipe, `outputs = ["/out/app.wasm"]`, "", 1), "outputs: missing"},
		{"output outside /out", strings.Replace(goodRecipe, `outputs = ["/out/app.wasm"]`, `outputs = ["/tmp/app.wasm"]`, 1), `output "/tmp/app.wasm": want a clean path below /out`},
		{"output unclean", strings.Replace(goodRecipe, `outputs = ["/out/app.wasm"]`, `outputs = ["/out/../etc/passwd"]`, 1), "want a clean path below /out"},
		{"output twice", strings.Replace(goodRecipe, `outputs = ["/out/app.wasm"]`, `outputs = ["/out/a", "/out/a"]`, 1), "listed twice"},
		{"relative workdir", "workdir = \"src\"\n" + goodRecipe, `workdir "src": want an absolute, clean guest path`},
		{"ram", strings.Replace(goodRecipe, `ram = "1G"`, `ram = "1GB"`, 1), "ram: size"},
		{"ram not 4K", strings.Replace(goodRecipe, `ram = "1G"`, `ram = "5K"`, 1), "multiple of 4K"},
		{"env key", strings.Replace(goodRecipe, `GOOS = "wasip1"`, `"GO OS" = "wasip1"`, 1), `env: "GO OS" is not a variable name`},
		{"dep name", strings.Replace(goodRecipe, `gomod = `, `"../x" = `, 1), `deps: dependency name "../x"`},
		{"dep cid", strings.Replace(goodRecipe, `"bafybeibn3ykinie6ww55wdmrrsijgj4rzwq3q6w4bo6rh5gf2jutmipvca"`, `"not-a-cid"`, 1), "deps.gomod"},
		{"exclude pattern", "exclude = [\"[\"]\n" + goodRecipe, `exclude "["`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseRecipe("r.toml", []byte(tt.text))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestSetTOMLKey(t *testing.T) {
	tests := []struct {
		name, text, table, key, value, want string
	}{
		{"empty file", "", "deps", "gomod", "X", "[deps]\ngomod = \"X\"\n"},
		{"new table", "image = \"go\"\n", "deps", "gomod", "X", "image = \"go\"\n\n[deps]\ngomod = \"X\"\n"},
		{"no final newline", "image = \"go\"", "deps", "gomod", "X", "image = \"go\"\n\n[deps]\ngomod = \"X\"\n"},
		{"replace", "[deps]\n# keep me\ngomod = \"A\"\nother = \"B\"\n", "deps", "gomod", "X", "[deps]\n# keep me\ngomod = \"X\"\nother = \"B\"\n"},
		{"append in table", "[env]\nA = \"1\"\n\n[deps]\nx = \"y\"\n", "env", "B", "2", "[env]\nA = \"1\"\nB = \"2\"\n\n[deps]\nx = \"y\"\n"},
		{"empty table", "[env]\n[deps]\n", "env", "B", "2", "[env]\nB = \"2\"\n[deps]\n"},
		{"quoted key", "[env]\n\"A\" = \"1\"\n", "env", "A", "2", "[env]\nA = \"2\"\n"},
		{"top level", "# c\nimage = \"go\"\n[env]\nA = \"1\"\n", "", "ram", "2G", "# c\nimage = \"go\"\nram = \"2G\"\n[env]\nA = \"1\"\n"},
		{"escaping", "", "env", "A", "x\"y\\z", "[env]\nA = \"x\\\"y\\\\z\"\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SetTOMLKey(tt.text, tt.table, tt.key, tt.value); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
	// The result parses, and holds the value.
	out := SetTOMLKey(SetTOMLKey(goodRecipe, "deps", "gomod", "bafybeihuzjpzw6kxbnopfsmrcowbxurecsgwaa3tonhegaoojl2vgmlblu"), "env", "GOPROXY", "file:///deps/gomod")
	r, err := ParseRecipe("r.toml", []byte(out))
	if err != nil {
		t.Fatal(err)
	}
	if r.Deps["gomod"] != "bafybeihuzjpzw6kxbnopfsmrcowbxurecsgwaa3tonhegaoojl2vgmlblu" || r.Env["GOPROXY"] != "file:///deps/gomod" || r.Env["GOOS"] != "wasip1" {
		t.Errorf("after SetTOMLKey: deps %v env %v", r.Deps, r.Env)
	}
}

func FuzzParseRecipe(f *testing.F) {
	f.Add([]byte(goodRecipe))
	f.Add([]byte("image = \"go\"\ncommand = [\"true\"]\noutputs = [\"/out/x\"]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseRecipe("fuzz.toml", data)
		if err != nil {
			return
		}
		if err := r.Check(); err != nil {
			t.Fatalf("accepted a recipe that Check refuses: %v", err)
		}
		for _, o := range r.Outputs {
			if _, err := OutputName(o); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func FuzzSetTOMLKey(f *testing.F) {
	f.Add(goodRecipe, "deps", "gomod")
	f.Fuzz(func(t *testing.T, text, table, key string) {
		if !envKey.MatchString(key) || (table != "" && !envKey.MatchString(table)) {
			return
		}
		out := SetTOMLKey(text, table, key, "v")
		if !strings.Contains(out, key+` = "v"`) {
			t.Fatalf("the key is not in the result:\n%s", out)
		}
	})
}
