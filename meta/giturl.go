package meta

import (
	"errors"
	"fmt"
	"strings"
)

// NormalizeGitURL rewrites a git remote URL into the one form a stamp
// records, so that two checkouts of the same repository (one cloned over
// ssh, one over https, one with a token in the URL) give the same stamp:
//
//   - scp-like "[user@]host:path", ssh://, git://, http:// and the git+
//     variants become https://;
//   - credentials (user info), query and fragment are dropped: a stamp is
//     public;
//   - the host is lower-cased; a port is kept only for an https URL and
//     only if it is not 443;
//   - trailing "/" and ".git" are dropped (every major forge serves the
//     repository under both names).
//
// Local paths and file:// URLs are refused: they name nothing another host
// can fetch. The result is an identifier for humans; rebuilding uses the
// source CID only.
func NormalizeGitURL(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || c == '\\' {
			return "", fmt.Errorf("git URL %q holds byte %#02x", raw, c)
		}
	}
	var authority, p string
	keepPort := false
	if scheme, rest, ok := strings.Cut(s, "://"); ok {
		switch strings.ToLower(scheme) {
		case "https", "git+https":
			keepPort = true
		case "http", "git+http", "git", "ssh", "git+ssh", "ssh+git":
		default:
			return "", fmt.Errorf("git URL %q: scheme %q is not a network scheme git uses", raw, scheme)
		}
		var tail string
		authority, tail, _ = strings.Cut(rest, "/")
		p = "/" + tail
	} else {
		// scp-like syntax, as git-clone(1) describes it: no slash before
		// the first colon.
		before, after, ok := strings.Cut(s, ":")
		if !ok || before == "" || strings.Contains(before, "/") {
			return "", fmt.Errorf("git URL %q is not a remote URL", raw)
		}
		authority, p = before, "/"+strings.TrimPrefix(after, "/")
	}
	if i := strings.LastIndexByte(authority, '@'); i >= 0 {
		authority = authority[i+1:]
	}
	host, port := authority, ""
	if i := strings.LastIndexByte(authority, ':'); i >= 0 && !strings.HasSuffix(authority, "]") {
		host, port = authority[:i], authority[i+1:]
		for j := 0; j < len(port); j++ {
			if port[j] < '0' || port[j] > '9' {
				return "", fmt.Errorf("git URL %q: port %q is not a number", raw, port)
			}
		}
	}
	host = strings.ToLower(host)
	if err := checkHost(host); err != nil {
		return "", fmt.Errorf("git URL %q: %w", raw, err)
	}
	if !keepPort || port == "443" {
		port = ""
	}
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	for {
		q := strings.TrimSuffix(strings.TrimRight(p, "/"), ".git")
		if q == p {
			break
		}
		p = q
	}
	if p == "" {
		return "", fmt.Errorf("git URL %q names no repository path", raw)
	}
	for _, seg := range strings.Split(p[1:], "/") {
		if seg == "" || seg == "." || seg == ".." {
			return "", fmt.Errorf("git URL %q: path %q has an empty, . or .. element", raw, p)
		}
	}
	out := "https://" + host
	if port != "" {
		out += ":" + port
	}
	return out + p, nil
}

// checkHost accepts a DNS name or IPv4 address (letters, digits, '.', '-')
// or a bracketed IPv6 address.
func checkHost(h string) error {
	if h == "" {
		return errors.New("empty host")
	}
	if h[0] == '[' {
		if len(h) < 3 || h[len(h)-1] != ']' {
			return fmt.Errorf("bad IPv6 host %q", h)
		}
		for _, c := range []byte(h[1 : len(h)-1]) {
			if !(c == ':' || c == '.' || '0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
				return fmt.Errorf("bad IPv6 host %q", h)
			}
		}
		return nil
	}
	for _, c := range []byte(h) {
		if !(c == '.' || c == '-' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z') {
			return fmt.Errorf("host %q holds %q", h, c)
		}
	}
	return nil
}
