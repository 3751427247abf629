// SPDX-License-Identifier: GPL-2.0

//! A hash table of `hlist_head` buckets, the kernel's C `hlist`, behind a safe owner.
//!
//! C reference: `include/linux/list.h` (`hlist_*`), `include/linux/hashtable.h`.
//!
//! An `hlist_head` is one pointer (`first`), half a `list_head`: a table of many buckets costs
//! half the memory. The price is that the list is not circular, so a node cannot find the
//! previous node; instead it keeps `pprev`, the address of the pointer that points at it (the
//! head's `first` or the previous node's `next`), and deletion is still O(1) without knowing
//! the head: `*pprev = next`.
//!
//! Upstream Rust has no hlist. [`HashTable`] owns its entries (each a `KBox`, so the nodes
//! never move while linked) and its bucket array (allocated once, never resized, so the
//! `pprev` of a first node stays valid); safe code sees only keys and values.

use core::{marker::PhantomData, ptr};
use kernel::{bindings, prelude::*, types::Opaque};

// bindgen's list types are plain pointers; only pointers cross.
#[allow(improper_ctypes)]
extern "C" {
    fn proclab_init_hlist_head(h: *mut bindings::hlist_head);
    fn proclab_init_hlist_node(n: *mut bindings::hlist_node);
    fn proclab_hlist_add_head(n: *mut bindings::hlist_node, h: *mut bindings::hlist_head);
    fn proclab_hlist_del_init(n: *mut bindings::hlist_node);
}

/// `GOLDEN_RATIO_64` of `include/linux/hash.h`.
const GOLDEN_RATIO_64: u64 = 0x61C8_8646_80B5_83EB;

/// `hash_64(val, bits)`: the top `bits` bits of `val * GOLDEN_RATIO_64`.
pub(crate) fn hash_64(val: u64, bits: u32) -> usize {
    (val.wrapping_mul(GOLDEN_RATIO_64) >> (64 - bits)) as usize
}

/// One entry: the node first, so that a node pointer is the entry pointer (`container_of`
/// with offset 0, checked at build time).
#[repr(C)]
struct Entry<V> {
    node: Opaque<bindings::hlist_node>,
    key: u64,
    value: V,
}

const _: () = assert!(core::mem::offset_of!(Entry<u64>, node) == 0);

/// A hash table of `1 << bits` `hlist_head` buckets, keyed by `u64`.
///
/// # Invariants
///
/// `heads` holds `1 << bits` initialised heads and is never resized (its buffer does not move).
/// Every node linked into a head is the `node` of an `Entry<V>` leaked from a `KBox` and owned by
/// the table; `len` counts them.
pub(crate) struct HashTable<V> {
    heads: KVec<Opaque<bindings::hlist_head>>,
    bits: u32,
    len: usize,
    _owns: PhantomData<KBox<Entry<V>>>,
}

// SAFETY: The table owns its entries (as if in `KBox`es); moving it to another thread moves them.
unsafe impl<V: Send> Send for HashTable<V> {}
// SAFETY: Shared access only reads the entries.
unsafe impl<V: Sync> Sync for HashTable<V> {}

impl<V> HashTable<V> {
    /// An empty table of `1 << bits` buckets (`bits` in 1..=20).
    pub(crate) fn new(bits: u32) -> Result<Self> {
        if !(1..=20).contains(&bits) {
            return Err(EINVAL);
        }
        let n = 1usize << bits;
        let mut heads = KVec::with_capacity(n, GFP_KERNEL)?;
        for _ in 0..n {
            heads.push(Opaque::uninit(), GFP_KERNEL)?;
        }
        for h in heads.iter() {
            // SAFETY: `h` is a valid head in the buffer, which no longer grows.
            unsafe { proclab_init_hlist_head(h.get()) };
        }
        // INVARIANT: all heads are initialised and empty; the vector is full and stays so.
        Ok(HashTable {
            heads,
            bits,
            len: 0,
            _owns: PhantomData,
        })
    }

    /// The number of buckets.
    pub(crate) fn buckets(&self) -> usize {
        self.heads.len()
    }

    /// The number of entries.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The bucket of `key`.
    pub(crate) fn bucket_of(&self, key: u64) -> usize {
        hash_64(key, self.bits)
    }

    /// The entries of bucket `b`, first to last (newest first: `hlist_add_head()`).
    fn entries(&self, b: usize) -> impl Iterator<Item = &Entry<V>> {
        let mut p = self.heads.get(b).map_or(ptr::null_mut(), |h| {
            // SAFETY: Reading the head's `first` pointer; the head is initialised (invariant).
            unsafe { (*h.get()).first }
        });
        core::iter::from_fn(move || {
            if p.is_null() {
                return None;
            }
            // SAFETY: `p` is a linked node, which is the first field of an `Entry<V>` owned by
            // the table (invariant), alive as long as `&self`.
            let e = unsafe { &*p.cast::<Entry<V>>() };
            // SAFETY: As above; `next` is NULL or the next linked node.
            p = unsafe { (*e.node.get()).next };
            Some(e)
        })
    }

    /// The keys and values of bucket `b`, in chain order.
    pub(crate) fn bucket(&self, b: usize) -> impl Iterator<Item = (u64, &V)> {
        self.entries(b).map(|e| (e.key, &e.value))
    }

    /// The value of `key`.
    pub(crate) fn get(&self, key: u64) -> Option<&V> {
        self.entries(self.bucket_of(key))
            .find(|e| e.key == key)
            .map(|e| &e.value)
    }

    /// Inserts `key` at the head of its bucket; `EEXIST` if it is there already.
    pub(crate) fn insert(&mut self, key: u64, value: V) -> Result {
        if self.get(key).is_some() {
            return Err(EEXIST);
        }
        let e = KBox::new(
            Entry {
                node: Opaque::uninit(),
                key,
                value,
            },
            GFP_KERNEL,
        )?;
        let e = KBox::into_raw(e);
        let b = self.bucket_of(key);
        // SAFETY: `e` is a valid, unlinked entry that no one else sees; the head is an
        // initialised head of the table (`b` < buckets, from `hash_64`).
        unsafe {
            proclab_init_hlist_node(ptr::addr_of_mut!((*e).node).cast());
            proclab_hlist_add_head(ptr::addr_of_mut!((*e).node).cast(), self.heads[b].get());
        }
        // INVARIANT: the node is the first field of an entry leaked from a `KBox`.
        self.len += 1;
        Ok(())
    }

    /// Removes `key` and returns its value.
    pub(crate) fn remove(&mut self, key: u64) -> Option<V> {
        let e = self
            .entries(self.bucket_of(key))
            .find(|e| e.key == key)
            .map(ptr::from_ref)?
            .cast_mut();
        // SAFETY: `e` is a linked entry of this table; `hlist_del_init()` unlinks it through its
        // own `pprev`, and we hold `&mut self`, so no one walks the bucket meanwhile.
        unsafe { proclab_hlist_del_init((*e).node.get()) };
        self.len -= 1;
        // SAFETY: The entry is unlinked and was leaked from a `KBox` by `insert`: it is ours.
        Some(KBox::into_inner(unsafe { KBox::from_raw(e) }).value)
    }

    /// Removes every entry for which `pred` is true while walking each bucket (the
    /// `hlist_for_each_entry_safe()` walk: the next node is read before this one goes).
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(u64, &V) -> bool) {
        for b in 0..self.buckets() {
            // SAFETY: Reading an initialised head.
            let mut p = unsafe { (*self.heads[b].get()).first };
            while !p.is_null() {
                let e = p.cast::<Entry<V>>();
                // SAFETY: `p` is a linked node of an entry owned by the table; read its
                // successor before the entry may be freed.
                p = unsafe { (*p).next };
                // SAFETY: `e` is a live entry owned by the table.
                let (key, value) = unsafe { ((*e).key, &(*e).value) };
                if !keep(key, value) {
                    // SAFETY: As in `remove`.
                    unsafe { proclab_hlist_del_init((*e).node.get()) };
                    self.len -= 1;
                    // SAFETY: Unlinked, leaked by `insert`: ours to free.
                    drop(unsafe { KBox::from_raw(e) });
                }
            }
        }
    }
}

impl<V> Drop for HashTable<V> {
    fn drop(&mut self) {
        self.retain(|_, _| false);
    }
}
