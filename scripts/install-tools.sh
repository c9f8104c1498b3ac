#!/usr/bin/env bash
# install-tools.sh PACKAGE...
#
# Installs the named Debian packages with apt-get, but only if one of them is
# missing, so that `make test` works on a fresh machine and costs nothing on
# a prepared one. Runs unattended (CI=true, no stdin) as root; otherwise uses
# sudo, which may ask for a password.
set -euo pipefail

missing=()
for pkg in "$@"; do
	status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
	if [[ $status != "install ok installed" ]]; then
		missing+=("$pkg")
	fi
done
if ((${#missing[@]} == 0)); then
	exit 0
fi

if ! command -v apt-get >/dev/null; then
	echo "install-tools: missing ${missing[*]}, and there is no apt-get here; install them by hand (see README.md)" >&2
	exit 1
fi
sudo=""
if [[ $(id -u) != 0 ]]; then
	if ! command -v sudo >/dev/null; then
		echo "install-tools: missing ${missing[*]}; run as root or install sudo" >&2
		exit 1
	fi
	sudo=sudo
fi

echo "install-tools: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update
$sudo apt-get install -y "${missing[@]}" </dev/null
