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
export PATH="$HOME/.cargo/bin:$PATH"
export LIBCLANG_PATH=${LIBCLANG_PATH:-/usr/lib/llvm${LLVM_SUFFIX}/lib}
JOBS=${JOBS:-$(nproc)}

log() { printf 'proclab: %s\n' "$*" >&2; }
die() { printf 'proclab: error: %s\n' "$*" >&2; exit 1; }

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
# package, the options of the fragments (not their comments), the build
# script and the toolchain.
kernel_key() {
	local f
	{
		echo "$KERNEL_DEB_PACKAGE $KERNEL_DEB_VERSION $KERNEL_DEB_SHA256 $1"
		for f in $(flavor_fragments "$1"); do
			grep -E '^(CONFIG_|# CONFIG_.* is not set)' "$f"
		done
		cat "$PROCLAB_ROOT/scripts/kernel"
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
