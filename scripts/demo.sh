#!/usr/bin/env bash
# demo.sh REPROVM OUTDIR
#
# The interim demo, until the Linux boot lands: builds the bare-metal program
# in testdata/demo, runs it twice with `reprovm run --elf`, and checks that
# both runs passed and retired exactly the same number of instructions.
set -euo pipefail
cd "$(dirname "$0")/.."

reprovm=$1
out=$2
mkdir -p "$out"
elf=$out/demo.elf

echo "demo: this is the interim demo (a bare-metal RISC-V program); the Linux boot is a later issue"
riscv64-linux-gnu-gcc -O2 -march=rv64gc -mabi=lp64d -mcmodel=medany \
	-ffreestanding -fno-builtin -fno-stack-protector -fno-pic -no-pie -static \
	-nostdlib -nostartfiles -Wall -Wextra \
	-Wl,--build-id=none -Wl,--no-warn-rwx-segments -T testdata/demo/link.ld \
	-o "$elf" testdata/demo/start.S testdata/demo/demo.c
echo "demo: built $elf, sha256 $(sha256sum "$elf" | cut -d" " -f1)"

counts=()
for i in 1 2; do
	echo "demo: run $i: $reprovm run --elf $elf"
	log=$("$reprovm" run --elf "$elf" 2>&1) || {
		status=$?
		echo "$log"
		echo "demo: run $i failed with exit status $status" >&2
		exit 1
	}
	echo "$log" | sed 's/^/  /'
	n=$(sed -n 's/^reprovm: retired \([0-9]*\) instructions.*/\1/p' <<<"$log")
	counts+=("$n")
done

if [[ -z ${counts[0]} || ${counts[0]} != "${counts[1]}" ]]; then
	echo "demo: the two runs retired different instruction counts: ${counts[0]:-?} and ${counts[1]:-?}" >&2
	exit 1
fi
echo "demo: both runs passed and retired exactly ${counts[0]} instructions"
