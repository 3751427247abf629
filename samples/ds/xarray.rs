// SPDX-License-Identifier: GPL-2.0

//! `ds/xarray/`: a sparse array (`kernel::xarray::XArray`), with the `xa_node`s its indices
//! take set against a flat array up to the largest index.

use core::fmt::{self, Write};
use kernel::{
    prelude::*,
    rbtree::{RBTree, RBTreeNode},
    xarray::{AllocKind, XArray},
};

use crate::cmd::{Arg, Command, Table, Values};
use crate::debugfs::{FileSpec, SeqOut};
use crate::demo::{clear, control_dump_stats, full, Clear, Demo, Structure};
use crate::layout::{XA_CHUNK_SHIFT, XA_MAX_LEVELS, XA_NODE_BYTES};
use crate::tree::CountedTree;

/// An XArray of boxed values, and the indices it holds.
pub(crate) struct SparseArray {
    /// Its own lock (the XArray's spinlock) is taken inside the directory's.
    xa: Pin<KBox<XArray<KBox<u64>>>>,
    /// The indices in use, in order (the XArray API of 7.3 has no public iteration).
    indices: CountedTree<usize, ()>,
}

impl SparseArray {
    pub(crate) fn new() -> Result<Self> {
        Ok(SparseArray {
            xa: KBox::pin_init(XArray::new(AllocKind::Alloc), GFP_KERNEL)?,
            indices: CountedTree::new(),
        })
    }
}

impl Structure for SparseArray {
    const FILES: &'static [FileSpec<Demo<Self>>] = &control_dump_stats(
        &COMMANDS,
        dump,
        |array| array.lock().indices.len() * 42 + 64,
        stats,
    );
}

/// An index of the XArray: an `unsigned long`.
const INDEX: Arg = Arg::uint("INDEX", 0, usize::MAX as u64);

static COMMANDS: Table<Demo<SparseArray>> = Table {
    file: "ds/xarray/control",
    commands: &[
        Command {
            verb: &["store"],
            args: &[INDEX, Arg::uint("VALUE", 0, u64::MAX)],
            help: "xa_store(): VALUE at INDEX, replacing what was there",
            run: store,
        },
        Command {
            verb: &["erase"],
            args: &[INDEX],
            help: "xa_erase(); ENOENT if INDEX holds nothing",
            run: erase,
        },
        Command {
            verb: &["clear"],
            args: &[],
            help: "erase everything",
            run: clear,
        },
    ],
};

/// Erases every index, then forgets them.
impl Clear for SparseArray {
    fn clear(&mut self) {
        let mut xa = self.xa.lock();
        for &index in self.indices.keys() {
            drop(xa.remove(index));
        }
        drop(xa);
        self.indices.clear();
    }
}

fn store(array: &Demo<SparseArray>, args: &Values<'_>) -> Result {
    let index = args.uint(0)? as usize;
    let value = args.uint(1)?;
    let mut array = array.lock_for(args)?;
    let new = array.indices.get(&index).is_none();
    if new && array.indices.len() >= crate::max_elements() {
        return Err(full(args, "entries"));
    }
    // Both allocations before the store: once the value is in, the index goes in too.
    let node = if new {
        Some(RBTreeNode::new(index, (), GFP_KERNEL)?)
    } else {
        None
    };
    let value = KBox::new(value, GFP_KERNEL)?;
    array
        .xa
        .lock()
        .store(index, value, GFP_KERNEL)
        .map_err(|e| e.error)?;
    if let Some(node) = node {
        array.indices.insert_node(node);
    }
    Ok(())
}

fn erase(array: &Demo<SparseArray>, args: &Values<'_>) -> Result {
    let index = args.uint(0)? as usize;
    let mut array = array.lock_for(args)?;
    if array.xa.lock().remove(index).is_none() {
        let why = format_args!("index {index} holds nothing");
        return Err(args.refuse_with(ENOENT, why));
    }
    array.indices.remove(&index);
    Ok(())
}

fn dump(array: &Demo<SparseArray>, f: &mut SeqOut) -> fmt::Result {
    let array = array.lock();
    let xa = array.xa.lock();
    for &index in array.indices.keys() {
        // Read back from the XArray itself: the index tree only says where to look.
        match xa.get(index) {
            Some(value) => writeln!(f, "{index} {}", *value)?,
            None => writeln!(f, "{index} MISSING")?,
        }
    }
    Ok(())
}

/// The `xa_node`s an XArray needs for `indices` (ascending): a node covers
/// [`crate::layout::XA_CHUNK_SIZE`] slots per level, and a lone index 0 lives in the head
/// without a node.
fn xa_nodes(indices: &RBTree<usize, ()>) -> usize {
    let Some(max) = indices.cursor_back().map(|c| *c.current().0) else {
        return 0;
    };
    let mut levels = 0;
    while levels < XA_MAX_LEVELS && (max >> (XA_CHUNK_SHIFT * levels)) > 0 {
        levels += 1;
    }
    if max == 0 {
        return 0;
    }
    let mut nodes = 0;
    for level in 1..=levels {
        // Distinct prefixes above `level`: one node per prefix (the indices are in order).
        let shift = XA_CHUNK_SHIFT * level;
        let mut last = None;
        for &index in indices.keys() {
            let prefix = index.checked_shr(shift).unwrap_or(0);
            if last != Some(prefix) {
                nodes += 1;
                last = Some(prefix);
            }
        }
    }
    nodes
}

fn stats(array: &Demo<SparseArray>, f: &mut SeqOut) -> fmt::Result {
    let array = array.lock();
    let indices = &array.indices;
    let nodes = xa_nodes(indices);
    writeln!(f, "entries: {}", indices.len())?;
    writeln!(f, "xa_nodes: {nodes}")?;
    writeln!(f, "xa_node_bytes: {XA_NODE_BYTES}")?;
    writeln!(f, "xarray_bytes: {}", nodes * XA_NODE_BYTES)?;
    let Some(max) = indices.cursor_back().map(|c| *c.current().0) else {
        return writeln!(f, "max_index: -\nflat_array_bytes: 0");
    };
    writeln!(f, "max_index: {max}")?;
    let slot = core::mem::size_of::<usize>();
    match max.checked_add(1).and_then(|slots| slots.checked_mul(slot)) {
        Some(bytes) => writeln!(f, "flat_array_bytes: {bytes}"),
        None => writeln!(f, "flat_array_bytes: more than 2^64"),
    }
}
