// SPDX-License-Identifier: GPL-2.0

//! The sizes of the kernel's C data-structure types, read from `bindings`.
//!
//! C headers: [`include/linux/rbtree_types.h`](srctree/include/linux/rbtree_types.h),
//! [`include/linux/types.h`](srctree/include/linux/types.h) (`list_head`, `hlist_head`,
//! `hlist_node`), [`include/linux/xarray.h`](srctree/include/linux/xarray.h).
//!
//! The `stats` files of `proclab_ds` set what a structure costs against what its C counterpart
//! costs. The figures come from bindgen's view of the kernel that the module is built for, not
//! from numbers copied into a sample, so a kernel whose types differ (another architecture,
//! `CONFIG_BASE_SMALL`'s 16-slot XArray nodes) shows its own.

use core::mem::size_of;
use kernel::bindings;

/// `sizeof(struct rb_node)`: the links a red-black tree node embeds.
pub(crate) const RB_NODE_BYTES: usize = size_of::<bindings::rb_node>();

/// `sizeof(struct list_head)`: a doubly linked list's head, and each node's links.
pub(crate) const LIST_HEAD_BYTES: usize = size_of::<bindings::list_head>();

/// `sizeof(struct hlist_head)`: one bucket of a hash table, a single pointer.
pub(crate) const HLIST_HEAD_BYTES: usize = size_of::<bindings::hlist_head>();

/// `sizeof(struct hlist_node)`: the links an hlist entry embeds.
pub(crate) const HLIST_NODE_BYTES: usize = size_of::<bindings::hlist_node>();

/// `sizeof(struct xa_node)`: one interior node of an XArray.
pub(crate) const XA_NODE_BYTES: usize = size_of::<bindings::xa_node>();

/// `XA_CHUNK_SIZE`: the slots of an `xa_node`. bindgen does not export the macro, but the
/// `slots` array of `struct xa_node` is declared with it.
pub(crate) const XA_CHUNK_SIZE: usize = array_len(|node: &bindings::xa_node| &node.slots);

/// `XA_CHUNK_SHIFT`: the bits of an index one level of `xa_node`s resolves.
pub(crate) const XA_CHUNK_SHIFT: u32 = XA_CHUNK_SIZE.trailing_zeros();

/// The most levels of `xa_node`s an XArray can have: enough to resolve every bit of an
/// `unsigned long` index, [`XA_CHUNK_SHIFT`] bits per level.
pub(crate) const XA_MAX_LEVELS: u32 = usize::BITS.div_ceil(XA_CHUNK_SHIFT);

// `XA_CHUNK_SIZE` is `1UL << XA_CHUNK_SHIFT`.
const _: () = assert!(XA_CHUNK_SIZE.is_power_of_two() && XA_CHUNK_SHIFT > 0);

/// The length of the array that `field` picks out of an `S`, known from its type alone.
const fn array_len<S, T, const N: usize>(_field: fn(&S) -> &[T; N]) -> usize {
    N
}
