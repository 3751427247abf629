# SPDX-License-Identifier: GPL-2.0
# proclab: Rust kernel modules that make process management visible.
#
#   make              build the modules against the base kernel (or KDIR=)
#   make run          boot the lab VM with every module loaded, into a shell
#   make check        everything, from a bare Debian host to the test summary
#   make help         all targets
#
# The kernel, its builds and the module objects live in
# $(XDG_CACHE_HOME)/proclab (default ~/.cache/proclab), keyed by their inputs.

FLAVOR ?= base
CMD ?= sh
export KDIR LLVM_SUFFIX

S := scripts

.PHONY: all modules kernel run vm-exec check bench test fuzz clippy rustfmt rustfmtcheck \
	rust-analyzer shellcheck deps freshroot clean help

all: modules

modules:
	@$(S)/deps
	@echo "modules: $$($(S)/modules $(FLAVOR))"

kernel:
	@$(S)/deps
	@echo "kernel: $$($(S)/kernel build $(FLAVOR))"

deps:
	@$(S)/deps

run:
	@$(S)/deps
	@$(S)/vm --flavor $(FLAVOR) --load

vm-exec:
	@$(S)/deps
	@$(S)/vm --flavor $(FLAVOR) --exec '$(subst ','\'',$(CMD))'

# One test or a list: make test T=tasks.sh (debug kernel, our runner).
T ?=
test:
	@$(S)/deps
	@$(S)/vm --flavor debug --exec 'tests/run_tests.sh $(T)' | $(S)/ktap

check:
	@$(S)/check

# The fuzzer at length (make check runs it with 1000): FUZZ_WRITES writes per
# writable file on the debug kernel, tests/fuzz.sh run directly (no per-test
# time limit); FUZZ_SEED=N repeats a run, FUZZ_MODULES="ds napi" narrows it.
FUZZ_WRITES ?= 100000
FUZZ_SEED ?=
FUZZ_MODULES ?=
FUZZ_TIMEOUT ?= 14400
fuzz:
	@$(S)/deps
	@$(S)/vm --flavor debug --timeout $(FUZZ_TIMEOUT) --exec 'PROCLAB_FUZZ_WRITES=$(FUZZ_WRITES) PROCLAB_FUZZ_SEED=$(FUZZ_SEED) PROCLAB_FUZZ_MODULES="$(FUZZ_MODULES)" tests/fuzz.sh' | $(S)/ktap

bench:
	@$(S)/bench

# The set-up in a new minimal Debian root, building the base kernel there.
freshroot:
	@$(S)/freshroot

clippy:
	@$(S)/deps
	@$(S)/modules --clippy $(FLAVOR) >/dev/null && echo "clippy: clean"

rustfmt:
	@$(S)/rustfmt

rustfmtcheck:
	@$(S)/rustfmt --check && echo "rustfmt: clean"

rust-analyzer:
	@$(S)/deps
	@$(S)/rust-analyzer

shellcheck:
	@$(S)/shellcheck

clean:
	rm -f rust-project.json

help:
	@sed -n '2,10p' Makefile | sed 's/^# \{0,1\}//'
	@echo "Other targets: kernel, modules, vm-exec CMD='...', test T=..., bench, fuzz, clippy,"
	@echo "rustfmt, rustfmtcheck, rust-analyzer, shellcheck, deps, freshroot."
	@echo "Variables: FLAVOR=base|debug, KDIR=<your Rust-enabled kernel build>."
