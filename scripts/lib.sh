#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Common settings for proclab's scripts: sourced, never run.
# shellcheck disable=SC2034  # variables are used by the scripts that source this

PROCLAB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PROCLAB_CACHE=${PROCLAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/proclab}

# The kernel: Debian's linux-source package. The sha256 pins the default
# version; an overridden version is checked by apt's signed indices only.
KERNEL_DEB_VERSION=${KERNEL_DEB_VERSION:-7.3.4-1~bpo13+1}
KERNEL_DEB_SUITE=${KERNEL_DEB_SUITE:-trixie-backports}
KERNEL_DEB_DEFAULT_SHA256=703e369ddd4cce971452f5a593ee55df3a5c10c83caf0fa0df039633ed181ee3
if [[ $KERNEL_DEB_VERSION == 7.3.4-1~bpo13+1 ]]; then
	KERNEL_DEB_SHA256=${KERNEL_DEB_SHA256:-$KERNEL_DEB_DEFAULT_SHA256}
else
	KERNEL_DEB_SHA256=${KERNEL_DEB_SHA256:-}
fi
KERNEL_SERIES=$(sed -E 's/^([0-9]+\.[0-9]+).*/\1/' <<<"$KERNEL_DEB_VERSION")
KERNEL_DEB_PACKAGE=linux-source-$KERNEL_SERIES

# The toolchain Rust-for-Linux 7.3 is built with.
LLVM_SUFFIX=${LLVM_SUFFIX:--19}
BINDGEN_VERSION=0.72.1
# The host programs the scripts run come from Debian's packages and the Rust
# toolchain only. Anything else on PATH (/usr/local, a pyenv python3) would
# be used here and be missing on a fresh machine, which is what the host
# check (scripts/hostcheck) is there to catch.
CARGO_HOME=${CARGO_HOME:-$HOME/.cargo}
RUSTUP_HOME=${RUSTUP_HOME:-$HOME/.rustup}
export CARGO_HOME RUSTUP_HOME
rust_bin=$CARGO_HOME/bin
if [[ ! -x $rust_bin/rustc ]] && command -v rustc >/dev/null; then
	rust_bin=$(dirname "$(command -v rustc)")
fi
export PATH="$rust_bin:$CARGO_HOME/bin:/usr/sbin:/usr/bin:/sbin:/bin"
unset rust_bin
export LIBCLANG_PATH=${LIBCLANG_PATH:-/usr/lib/llvm${LLVM_SUFFIX}/lib}
JOBS=${JOBS:-$(nproc)}

# usage: the comment at the top of the running script, after its #! and
# SPDX lines, as its --help.
usage() {
	awk 'NR <= 2 { next } !/^#/ { exit } { sub(/^# ?/, ""); print }' "$0"
}

log() { printf 'proclab: %s\n' "$*" >&2; }
die() { printf 'proclab: error: %s\n' "$*" >&2; exit 1; }

# line_awk ARGS...: awk that acts on each line of a pipe as it arrives.
# Debian's awk is mawk, which reads a pipe in large blocks unless told
# -W interactive: make check would print its results in bursts.
line_awk() {
	if [[ $(awk -W version 2>&1 || true) == mawk* ]]; then
		awk -W interactive "$@"
	else
		awk "$@"
	fi
}

# kmake DIR ARGS...: make in a kernel tree with the project's toolchain.
kmake() {
	local dir=$1
	shift
	make -C "$dir" LLVM="$LLVM_SUFFIX" "$@"
}

# toolchain_id: one line naming every tool version that shapes a build.
toolchain_id() {
	rustc --version
	bindgen --version 2>/dev/null
	"clang$LLVM_SUFFIX" --version | sed -n 1p
	"ld.lld$LLVM_SUFFIX" --version | sed -n 1p
}

# short_hash: the first 12 hex digits of the sha256 of standard input.
short_hash() { sha256sum | cut -c1-12; }

# The flavors: base is the fragment, debug adds the checkers.
flavor_fragments() {
	case $1 in
	base) echo "$PROCLAB_ROOT/.config.fragment" ;;
	debug) echo "$PROCLAB_ROOT/.config.fragment $PROCLAB_ROOT/scripts/debug.fragment" ;;
	*) die "unknown flavor '$1' (base or debug)" ;;
	esac
}

# kernel_key FLAVOR: hash of every input of a kernel build: the source
# package, the options of the fragments and the build script's commands (not
# their comments), and the toolchain.
kernel_key() {
	local f
	{
		echo "$KERNEL_DEB_PACKAGE $KERNEL_DEB_VERSION $KERNEL_DEB_SHA256 $1"
		for f in $(flavor_fragments "$1"); do
			grep -E '^(CONFIG_|# CONFIG_.* is not set)' "$f"
		done
		# The script's commands, not its comments or progress messages.
		grep -vE '^[[:space:]]*(#|log |$)' "$PROCLAB_ROOT/scripts/kernel"
		toolchain_id
	} | short_hash
}

kernel_src_dir() { echo "$PROCLAB_CACHE/src/$KERNEL_DEB_VERSION/$KERNEL_DEB_PACKAGE"; }

# kernel_build_dir FLAVOR: the O= directory of a flavor, or $KDIR if the
# user gave a tree of their own.
kernel_build_dir() {
	if [[ -n ${KDIR:-} ]]; then
		(cd "$KDIR" && pwd)
	else
		echo "$PROCLAB_CACHE/kernel/$1-$(kernel_key "$1")"
	fi
}

# kernel_release DIR: the uname -r of the kernel built in DIR.
kernel_release() { cat "$1/include/config/kernel.release"; }

modules_dir() {
	local kdir
	kdir=$(kernel_build_dir "$1")
	# Per kernel and per checkout: two clones must not share kbuild's MO=.
	echo "$PROCLAB_CACHE/modules/$(printf '%s\n%s' "$kdir" "$PROCLAB_ROOT" | short_hash)"
}

# host_trace RECORD CMD...: run CMD and write to RECORD the path of every
# program it and its children executed (strace --seccomp-bpf stops them at
# execve and nowhere else, so a kernel build is barely slowed; -z drops the
# failed tries of a PATH search). scripts/hostcheck checks
# that each comes from a package scripts/deps installs. Inside another trace
# CMD just runs (ptrace allows one tracer) and the outer RECORD gets it all.
# Without a working strace, RECORD says so and the host check fails on it.
host_trace() {
	local rec=$1
	shift
	if [[ -n ${PROCLAB_TRACE:-} ]]; then
		"$@"
		return
	fi
	if ! strace -f -qq --seccomp-bpf -e trace=execve -o /dev/null true 2>/dev/null; then
		echo '!untraced: strace is missing or cannot trace here' >"$rec"
		"$@"
		return
	fi
	local fifo rc=0
	fifo=$(mktemp -u "${TMPDIR:-/tmp}/proclab-trace.XXXXXX")
	mkfifo -m 600 "$fifo"
	# strace quotes the path as the first string of the line. The project's
	# own scripts are recorded relative to the checkout: a cached kernel's
	# record serves every clone.
	awk -F'"' -v root="$PROCLAB_ROOT/" '{
		p = $2
		if (index(p, root) == 1)
			p = substr(p, length(root) + 1)
		print p
	}' <"$fifo" | LC_ALL=C sort -u >"$rec.tmp" &
	PROCLAB_TRACE=$rec strace -f -qq --seccomp-bpf -z -e trace=execve,execveat -e signal=none \
		-s 4096 -o "$fifo" "$@" || rc=$?
	wait $!
	rm -f "$fifo"
	mv "$rec.tmp" "$rec"
	return "$rc"
}

# trace_step NAME CMD...: CMD under host_trace, its record named NAME in
# $PROCLAB_RECORDS, which make check sets; elsewhere CMD just runs.
trace_step() {
	local name=$1
	shift
	if [[ -n ${PROCLAB_RECORDS:-} ]]; then
		host_trace "$PROCLAB_RECORDS/$name" "$@"
	else
		"$@"
	fi
}
