package deps_test

import (
	"strings"
	"testing"

	"github.com/reprovm/reprovm/builder/deps"
)

func TestCheckName(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"gomod", true},
		{"crates", true},
		{"Go-1.24_deps.v2", true},
		{"0", true},
		{strings.Repeat("a", 64), true},
		{strings.Repeat("a", 65), false},
		{"", false},
		{".", false},
		{"..", false},
		{".hidden", false},
		{"-flag", false},
		{"a/b", false},
		{"a b", false},
		{`a"b`, false},
		{"a\\b", false},
		{"a\nb", false},
		{"é", false},
		{"a%2fb", false},
	}
	for _, tt := range tests {
		err := deps.CheckName(tt.name)
		if (err == nil) != tt.ok {
			t.Errorf("CheckName(%q) = %v, want ok=%v", tt.name, err, tt.ok)
		}
		dir, err := deps.GuestDir(tt.name)
		if tt.ok && (err != nil || dir != "/deps/"+tt.name) {
			t.Errorf("GuestDir(%q) = %q, %v", tt.name, dir, err)
		}
		if !tt.ok {
			if err == nil {
				t.Errorf("GuestDir(%q) = %q, want an error", tt.name, dir)
			}
			if env, err := deps.GoEnv(tt.name); err == nil {
				t.Errorf("GoEnv(%q) = %q, want an error", tt.name, env)
			}
			if cfg, err := deps.CargoConfig(tt.name); err == nil {
				t.Errorf("CargoConfig(%q) = %q, want an error", tt.name, cfg)
			}
		}
	}
}
