#!/usr/bin/env bash
# fuzz-go.sh FUZZTIME
#
# Runs every Go fuzz target in the module for FUZZTIME each. Targets are
# discovered with `go test -list`, so new ones are picked up without editing
# this script. `go test -fuzz` takes one target in one package at a time.
set -euo pipefail
cd "$(dirname "$0")/.."

fuzztime=${1:-30s}
found=0
for pkg in $(go list -f '{{if or .TestGoFiles .XTestGoFiles}}{{.ImportPath}}{{end}}' ./...); do
	list=$(go test -list '^Fuzz' "$pkg")
	for target in $(grep '^Fuzz' <<<"$list" || true); do
		found=$((found + 1))
		echo "fuzz-go: $pkg $target for $fuzztime"
		go test "$pkg" -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime"
	done
done
echo "fuzz-go: ran $found Go fuzz targets"
