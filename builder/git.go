package builder

import (
	"context"
	"fmt"
	"os/exec"
	"strings"

	"github.com/reprovm/reprovm/meta"
)

// Git is what a build records about the git checkout its source came
// from: only for a clean checkout, because a dirty one matches no commit.
type Git struct {
	URL    string // the origin remote, normalised to https (meta.NormalizeGitURL); "" if none others can reach
	Commit string // the checked-out commit, full hex
}

// GitState inspects dir: it returns the checkout's Git fields when dir is
// inside a clean git checkout; nil and "" when it is not a checkout (or git
// is not installed); and nil and a warning when the checkout has
// uncommitted changes, whose source then matches no commit.
func GitState(ctx context.Context, dir string) (*Git, string) {
	if _, err := exec.LookPath("git"); err != nil {
		return nil, ""
	}
	git := func(args ...string) (string, error) {
		out, err := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...).Output()
		return strings.TrimSpace(string(out)), err
	}
	if inside, err := git("rev-parse", "--is-inside-work-tree"); err != nil || inside != "true" {
		return nil, ""
	}
	// A directory git ignores is inside the work tree but in no commit.
	if _, err := git("check-ignore", "-q", "."); err == nil {
		return nil, ""
	}
	// Only the source tree counts, less what the source import leaves out
	// by default (.git is never listed; DefaultOutDir is).
	status, err := git("status", "--porcelain", "--", ".", ":(exclude,glob)**/"+DefaultOutDir+"/**")
	if err != nil {
		return nil, fmt.Sprintf("git status in %s failed (%v); recording no git fields", dir, err)
	}
	if status != "" {
		return nil, fmt.Sprintf("%s has uncommitted changes; the build records no git fields (commit them to record the commit)", dir)
	}
	commit, err := git("rev-parse", "HEAD")
	if err != nil {
		return nil, fmt.Sprintf("%s has no commit yet; recording no git fields", dir)
	}
	g := &Git{Commit: commit}
	if remote, err := git("remote", "get-url", "origin"); err == nil {
		g.URL, _ = meta.NormalizeGitURL(remote) // a local remote gives none
	}
	return g, ""
}
