package meta

import (
	"strings"
	"testing"
)

func TestNormalizeGitURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://github.com/reprovm/reprovm", "https://github.com/reprovm/reprovm"},
		{"https://github.com/reprovm/reprovm.git", "https://github.com/reprovm/reprovm"},
		{"https://github.com/reprovm/reprovm.git/", "https://github.com/reprovm/reprovm"},
		{"https://github.com/reprovm/reprovm/", "https://github.com/reprovm/reprovm"},
		{"https://x.org/r.git.git", "https://x.org/r"},
		{"git@github.com:reprovm/reprovm.git", "https://github.com/reprovm/reprovm"},
		{"github.com:reprovm/reprovm", "https://github.com/reprovm/reprovm"},
		{"ssh://git@GitHub.com:22/reprovm/reprovm.git", "https://github.com/reprovm/reprovm"},
		{"git+ssh://git@github.com/reprovm/reprovm", "https://github.com/reprovm/reprovm"},
		{"git://git.kernel.org/pub/scm/git/git.git", "https://git.kernel.org/pub/scm/git/git"},
		{"http://example.org/a/b", "https://example.org/a/b"},
		{"https://user:ghp_secret@github.com/a/b", "https://github.com/a/b"},
		{"https://a@b@github.com/a/b", "https://github.com/a/b"},
		{"https://example.org:8443/a", "https://example.org:8443/a"},
		{"https://example.org:443/a", "https://example.org/a"},
		{"http://example.org:8080/a", "https://example.org/a"},
		{"https://example.org/a?ref=main#frag", "https://example.org/a"},
		{"  https://example.org/a \n", "https://example.org/a"},
		{"ssh://[::1]:2222/repo", "https://[::1]/repo"},
		{"https://[fe80::1]/repo", "https://[fe80::1]/repo"},
		{"git+https://example.org/Repo", "https://example.org/Repo"},
		{"HTTPS://Example.ORG/Repo", "https://example.org/Repo"},
	}
	for _, tt := range tests {
		got, err := NormalizeGitURL(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("NormalizeGitURL(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			continue
		}
		again, err := NormalizeGitURL(got)
		if err != nil || again != got {
			t.Errorf("NormalizeGitURL(%q) = %q, %v; want it unchanged", got, again, err)
		}
	}
}

func TestNormalizeGitURLErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "not a remote URL"},
		{"/home/me/src/repo", "not a remote URL"},
		{"./repo", "not a remote URL"},
		{"file:///home/me/repo", "not a network scheme"},
		{"ftp://example.org/r", "not a network scheme"},
		{`C:\src\repo`, "holds byte"},
		{"https://example.org/a b", "holds byte"},
		{"https://exa\x00mple.org/a", "holds byte"},
		{"https://exämple.org/a", "holds byte"},
		{"https://example.org", "no repository path"},
		{"https://example.org/.git", "no repository path"},
		{"https://example.org//a", "empty, . or .."},
		{"https://example.org/a/../b", "empty, . or .."},
		{"https:///a", "empty host"},
		{"https://ex_ample.org/a", "holds"},
		{"https://example.org:x/a", "not a number"},
		{"ssh://[zz]/a", "bad IPv6"},
	}
	for _, tt := range tests {
		got, err := NormalizeGitURL(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("NormalizeGitURL(%q) = %q, %v; want an error containing %q", tt.in, got, err, tt.want)
		}
	}
}
