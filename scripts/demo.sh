#!/usr/bin/env bash
# demo.sh REPROVM OUTDIR
#
# reprovm's main job end to end on the built-in go image, with the example
# project testdata/examples/hello-go (a GOOS=wasip1 program with one
# third-party module):
#
#   1. reprovm deps go: the module's dependencies, downloaded on the host and
#      recorded in its reprovm.toml by CID (the same CID on every host);
#   2. reprovm build: the build inside the deterministic RISC-V machine, no
#      network, and the stamp (a reprovm.build custom section);
#   3. reprovm wasm: the stamped module runs under wazero;
#   4. reprovm verify: an independent rebuild, from an empty block store that
#      gets every input over a trustless gateway (reprovm serve of the first
#      store on 127.0.0.1), compared byte for byte.
#
# The first run downloads the Debian packages of the image and the kernel
# (checked by sha256, cached under ~/.cache/reprovm) and builds the image;
# its first build boots the image and runs its warm-up (the standard library
# compiled for wasip1) and saves the ready snapshot, from which later builds
# (the verify's rebuild too) start.
# It ends with a summary; the exit status is 0 only if the rebuild matched.
set -euo pipefail
cd "$(dirname "$0")/.."

reprovm=$1
out=$2
rm -rf "$out"
mkdir -p "$out"
# A copy, so that deps go (which rewrites reprovm.toml) leaves the checkout
# alone; it writes the same bytes when go.sum is unchanged.
cp -r testdata/examples/hello-go "$out/hello-go"
proj=$out/hello-go
store=$out/store     # the builder's block store
fresh=$out/verifier  # the verifier's, empty at the start

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

echo "demo: 1. reprovm deps go $proj (a copy of testdata/examples/hello-go)"
"$reprovm" deps go --store "$store" "$proj" >/dev/null
if ! cmp -s "$proj/reprovm.toml" testdata/examples/hello-go/reprovm.toml; then
	echo "demo: note: deps go gave a different dependency tree than the committed reprovm.toml records:"
	diff testdata/examples/hello-go/reprovm.toml "$proj/reprovm.toml" | sed 's/^/  /' || true
fi

echo "demo: 2. reprovm build $proj (the guest console follows)"
t0=$(now)
"$reprovm" build --store "$store" --out "$out/build" "$proj" 2>&1 | tee "$out/build.txt" | sed 's/^/  /'
t1=$(now)
wasm=$out/build/hello.wasm
"$reprovm" inspect "$wasm" | sed 's/^/  /'

echo "demo: 3. reprovm wasm $wasm"
"$reprovm" wasm "$wasm" | tee "$out/run.txt" | sed 's/^/  /'

echo "demo: 4. reprovm verify $wasm, from an empty store through a gateway"
coproc SERVE { exec "$reprovm" serve --store "$store" --listen 127.0.0.1:0; }
trap 'kill "$SERVE_PID" 2>/dev/null || true' EXIT
read -r gateway <&"${SERVE[0]}"
t2=$(now)
status=0
"$reprovm" verify --quiet --store "$fresh" --gateway "$gateway" "$wasm" >"$out/verify.txt" 2>"$out/verify.err" || status=$?
t3=$(now)
sed 's/^/  /' "$out/verify.err" "$out/verify.txt"
if [[ $status -ne 0 ]]; then
	echo "demo: verify failed with exit status $status" >&2
	exit 1
fi

field() { sed -n "s/^reprovm: built in .*: \([0-9]*\) guest instructions (\([0-9]*\) to \/init, \([0-9]*\) to the ready point, \([^)]*\)); ran \([0-9]*\) in \([0-9.]*\)s of machine time, \([0-9.]*\) MIPS/\\$1/p" "$out/build.txt"; }
insns=$(field 1) boot=$(field 2) ready=$(field 3) how=$(field 4) ran=$(field 5) machine=$(field 6) mips=$(field 7)
sha=$(sha256sum "$wasm" | cut -d' ' -f1)
echo
echo "demo: summary"
echo "  built   $wasm ($(stat -c %s "$wasm") bytes, sha256 $sha)"
echo "          in $(secs "$t0" "$t1")s: $insns guest instructions, of which $ready before the ready point"
echo "          (the boot to /init took $boot, the rest is the image's warm-up); $how,"
echo "          ran $ran instructions at $mips MIPS in ${machine}s of machine time"
echo "  ran     $(head -1 "$out/run.txt")"
echo "  verify  $(cat "$out/verify.txt") ($(secs "$t2" "$t3")s, every input fetched by CID into an empty store,"
echo "          the machine started from the image's ready snapshot in the cache)"
