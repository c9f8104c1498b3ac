package main

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/reprovm/reprovm/images"
)

// translateCacheUsage documents --translate-cache for build, run and verify.
const translateCacheUsage = "with --translate: keep compiled translations in `DIR` across runs (default: the user cache dir's reprovm/jit; \"off\": none; the same result either way)"

// addTranslateCacheFlag adds --translate-cache to cmd.
func addTranslateCacheFlag(cmd *cobra.Command, p *string) {
	cmd.Flags().StringVar(p, "translate-cache", "", translateCacheUsage)
}

// translateCacheDir resolves --translate-cache: the persistent translation
// cache's directory, or "" for none (without --translate, or "off").
func translateCacheDir(translate bool, flag string) (string, error) {
	switch {
	case !translate || flag == "off":
		return "", nil
	case flag != "":
		return flag, nil
	}
	root, err := (&images.Fetcher{}).CacheRoot()
	if err != nil {
		return "", fmt.Errorf("translation cache: %w", err)
	}
	return filepath.Join(root, "jit"), nil
}
