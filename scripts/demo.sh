#!/usr/bin/env bash
# demo.sh REPROVM OUTDIR
#
# The main job end to end on the built-in image: boot Debian's riscv64 kernel
# (fetched by sha256 into the user cache on first use) through OpenSBI in
# reprovm's deterministic machine, run a command that reads a read-only
# drive and writes /out, twice, and check that both runs printed the same
# console bytes, retired the same number of instructions and produced the
# same /out files.
set -euo pipefail
cd "$(dirname "$0")/.."

reprovm=$1
out=$2
rm -rf "$out"
mkdir -p "$out"
drive=$out/input.img
# A 1 MiB input drive with known contents.
head -c 1048576 /dev/zero | tr '\0' 'r' > "$drive"

cmd='echo "hello from $(uname -m)"; sha256sum /dev/vda | cut -d" " -f1 > /out/input.sha256; echo built > /out/result.txt'
logs=()
for i in 1 2; do
	echo "demo: run $i: $reprovm run --drive $drive:ro --out $out/out$i -- sh -c '$cmd'"
	log=$("$reprovm" run --drive "$drive:ro" --out "$out/out$i" -- sh -c "$cmd" 2>&1) || {
		status=$?
		echo "$log"
		echo "demo: run $i failed with exit status $status" >&2
		exit 1
	}
	echo "$log" | sed 's/^/  /'
	logs+=("$log")
done

strip() { grep -v '^reprovm: exit status' <<<"$1"; }
count() { sed -n 's/^reprovm: exit status [0-9]*; retired \([0-9]*\) instructions.*/\1/p' <<<"$1"; }
if [[ "$(strip "${logs[0]}")" != "$(strip "${logs[1]}")" ]]; then
	echo "demo: the two runs printed different console output" >&2
	exit 1
fi
if [[ -z $(count "${logs[0]}") || $(count "${logs[0]}") != $(count "${logs[1]}") ]]; then
	echo "demo: the two runs retired different instruction counts" >&2
	exit 1
fi
if ! diff -r "$out/out1" "$out/out2" >/dev/null; then
	echo "demo: the two runs produced different /out files" >&2
	exit 1
fi
want=$(sha256sum "$drive" | cut -d" " -f1)
if [[ $(cat "$out/out1/input.sha256") != "$want" ]]; then
	echo "demo: the guest's sha256 of the input drive is wrong" >&2
	exit 1
fi
echo "demo: both runs printed the same console bytes, retired exactly $(count "${logs[0]}") instructions"
echo "demo: and wrote the same /out files to $out/out1 and $out/out2:"
ls -l "$out/out1"
echo "demo: the guest's sha256 of the input drive matches the host's: $want"
