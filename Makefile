# reprovm: the commands a newcomer needs. See README.md.
#
#   make demo    build hello-go to wasm in the machine, stamp, run and verify it
#   make test    install the RISC-V tools if missing, then go test ./...
#   make lint    gofmt, go vet, staticcheck
#   make bench   guest MIPS of the interpreter
#   make bench-boot  boot to power-off: reprovm vs QEMU
#   make bench-build the hello-go build, warm and cold: reprovm vs QEMU vs the host
#   make fuzz    long differential run against QEMU + every Go fuzz target
#   make build   bin/reprovm

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := test

GO ?= go
BIN := $(CURDIR)/bin

# Debian packages the tests use: the cross toolchain assembles the ISA tests
# and demo, QEMU is the reference for differential tests, dtc checks FDTs.
APT_PACKAGES := binutils-riscv64-linux-gnu gcc-riscv64-linux-gnu qemu-user \
	qemu-system-misc device-tree-compiler erofs-utils

# staticcheck 2026.2.2 (v0.8.2): its release line targets Go 1.26. Pinned,
# and installed per version under bin/, so that everyone lints alike.
STATICCHECK_VERSION := v0.8.2
STATICCHECK := $(BIN)/tools/staticcheck-$(STATICCHECK_VERSION)/staticcheck

TEST_TIMEOUT ?= 50m
BENCHTIME ?= 2s
DIFF_COUNT ?= 20000
# make test runs seeds 1-2000; make fuzz explores beyond them (DIFF_SEED=N to pick another range).
DIFF_SEED ?= 1000000
FUZZTIME ?= 30s
# SIGKILLs per command in the fault-injection tests (make test runs 10).
FAULT_KILLS ?= 50
# Operations per kind in the FP fast path's differential test (make test runs 10^6).
FP_CASES ?= 100000000

.PHONY: tools test lint bench bench-boot bench-build fuzz demo build

tools:
	@scripts/install-tools.sh $(APT_PACKAGES)

test: tools
	$(GO) mod download
	$(GO) test -timeout $(TEST_TIMEOUT) ./...

lint: $(STATICCHECK)
	@files=$$(gofmt -l .); if [[ -n $$files ]]; then echo "gofmt -l: not formatted:"; echo "$$files"; exit 1; fi
	$(GO) vet ./...
	$(STATICCHECK) ./...

$(STATICCHECK):
	GOBIN=$(dir $@) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

bench: tools
	$(GO) test -run '^$$' -bench . -benchtime $(BENCHTIME) ./machine/...
	$(GO) test -run '^$$' -bench AddGet -benchtime 1x ./ipfsfetch

# Boot to power-off in reprovm and in QEMU (-icount shift=0, and plain TCG) on the same kernel,
# initramfs and command line: wall times, ratio, instructions to /init and to power-off.
bench-boot: tools
	$(GO) test -run '^$$' -bench Boot -benchtime 3x ./builder

# The demo's Go build from the go image's ready snapshot (warm) and with an
# empty warm-up (cold), in reprovm and in QEMU TCG, and on the host. Slow:
# the cold builds compile the standard library in the guest.
bench-build: tools
	$(GO) test -run '^$$' -bench GoBuild -benchtime 1x -timeout 0 ./builder

fuzz: tools
	$(GO) test ./machine -run TestDiffQEMU -diff.count=$(DIFF_COUNT) -diff.seed=$(DIFF_SEED) -timeout 0
	$(GO) test ./cmd/reprovm -run 'SurvivesKill' -faults.n=$(FAULT_KILLS) -timeout 0
	$(GO) test ./machine/internal/softfloat -run TestFastPathDifferential -softfloat.fast=$(FP_CASES) -timeout 0
	scripts/fuzz-go.sh $(FUZZTIME)

demo: tools build
	scripts/demo.sh $(BIN)/reprovm $(BIN)/demo

build:
	$(GO) build -trimpath -o $(BIN)/reprovm ./cmd/reprovm
