// SPDX-License-Identifier: GPL-2.0

//! The red-black trees of the `rbtree`, `cfs` and `xarray` directories: [`CountedTree`], an
//! `RBTree` that knows its length, and the measure of a tree's height that `stats` shows.
//!
//! `RBTree` does not expose its nodes, so the depth of a key is measured by searching for it:
//! a search visits one node per level down to the key, and the [`Key`] searched for counts its
//! comparisons. The count lives in the key of that one search, so two trees measured at once
//! (`rbtree/stats` and `cfs/stats` read together, each under its own lock) cannot mix their
//! counts.

use core::cell::Cell;
use core::cmp::Ordering;
use core::ops::Deref;
use kernel::{
    prelude::*,
    rbtree::{RBTree, RBTreeNode},
};

use crate::demo::Clear;

/// A key whose height can be measured: a value, then an id that tells equal values apart
/// (`RBTree` replaces a node with an equal key). The `rbtree` directory's keys have id 0; the
/// run queue's value is the vruntime and its id the entity's.
pub(crate) struct Key {
    pub(crate) value: u64,
    pub(crate) id: u32,
    /// The comparisons this key has made as the key searched for (`self` of [`Ord::cmp`]).
    /// It takes the place of the padding after `id`: a tree node is no larger for it.
    comparisons: Cell<u32>,
}

const _: () = assert!(core::mem::size_of::<Key>() == 16);

impl Key {
    pub(crate) fn new(value: u64, id: u32) -> Self {
        Key {
            value,
            id,
            comparisons: Cell::new(0),
        }
    }
}

/// A copy is a new key: it has made no comparison yet.
impl Clone for Key {
    fn clone(&self) -> Self {
        Key::new(self.value, self.id)
    }
}

impl Ord for Key {
    fn cmp(&self, other: &Self) -> Ordering {
        self.comparisons
            .set(self.comparisons.get().saturating_add(1));
        (self.value, self.id).cmp(&(other.value, other.id))
    }
}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Equal keys are the same value and id; the count of comparisons is not part of a key.
impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        (self.value, self.id) == (other.value, other.id)
    }
}

impl Eq for Key {}

/// An `RBTree` that knows how many nodes it holds (`RBTree` does not, and counting them walks
/// the whole tree). Reads go to the tree; changes go through the methods that keep the count.
pub(crate) struct CountedTree<K, V> {
    tree: RBTree<K, V>,
    len: usize,
}

impl<K: Ord, V> CountedTree<K, V> {
    pub(crate) fn new() -> Self {
        CountedTree {
            tree: RBTree::new(),
            len: 0,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Inserts `key`, or replaces its value if it is there.
    pub(crate) fn insert(&mut self, key: K, value: V) -> Result {
        self.insert_node(RBTreeNode::new(key, value, GFP_KERNEL)?);
        Ok(())
    }

    /// Inserts a node allocated before, or replaces the node of the same key.
    pub(crate) fn insert_node(&mut self, node: RBTreeNode<K, V>) {
        if self.tree.insert(node).is_none() {
            self.len += 1;
        }
    }

    pub(crate) fn remove(&mut self, key: &K) -> Option<V> {
        let value = self.tree.remove(key)?;
        self.len -= 1;
        Some(value)
    }

    /// Takes the leftmost node out, keeping its allocation.
    pub(crate) fn pop_front(&mut self) -> Option<RBTreeNode<K, V>> {
        let (_, node) = self.tree.cursor_front_mut()?.remove_current();
        self.len -= 1;
        Some(node)
    }
}

impl<K: Ord, V> Clear for CountedTree<K, V> {
    fn clear(&mut self) {
        *self = Self::new();
    }
}

impl<V> CountedTree<Key, V> {
    /// The height of the tree (the nodes on its longest root-to-leaf path) and the mean depth
    /// of its nodes, measured by searching every key: O(n log n), for `stats` only.
    pub(crate) fn height(&self) -> (usize, usize) {
        let (mut max, mut sum, mut n) = (0, 0, 0);
        for key in self.tree.keys() {
            // A search for a key that is there compares it with every node from the root down
            // to its own: its depth, counting the root as 1.
            let probe = key.clone();
            let _ = self.tree.get(&probe);
            let depth = probe.comparisons.get() as usize;
            max = max.max(depth);
            sum += depth;
            n += 1;
        }
        (max, sum.checked_div(n).unwrap_or(0))
    }
}

impl<K, V> Deref for CountedTree<K, V> {
    type Target = RBTree<K, V>;

    fn deref(&self) -> &RBTree<K, V> {
        &self.tree
    }
}

/// 2 * log2(n + 1), the red-black bound on the height, rounded down: the largest `h` with
/// `2^h <= (n + 1)^2`.
pub(crate) fn height_bound(n: usize) -> usize {
    // (n + 1)^2 fits 128 bits for any n below 2^64 - 1; usize::MAX nodes cannot exist.
    let square = (n as u128 + 1).saturating_mul(n as u128 + 1);
    (u128::BITS - 1 - square.leading_zeros()) as usize
}
