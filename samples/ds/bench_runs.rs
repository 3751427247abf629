// SPDX-License-Identifier: GPL-2.0

//! The benchmark runs of `ds/bench/`: each Rust loop, and the call to its C twin.
//!
//! Each Rust loop does what a loop of `lib/rbtree_test.c` (or of the C twins in `helpers.c`)
//! does, with the same keys (the `prandom_u32_state()` sequence of the same seed), the same
//! counts and the same clock (`get_cycles()`). Nodes and values are allocated before the clock
//! starts, as `rbtree_test` allocates its node array first.
//!
//! The arrays of a run are `KVVec`s (`kvmalloc()`, and `kvmalloc_array()` in the twins):
//! physically contiguous when that is cheap, `vmalloc()` memory otherwise, so no size the caps
//! of [`crate::work`] allow (or ever allowed: a million 8-byte slots is 8 MiB, beyond the page
//! allocator's largest order, which `kmalloc()` refused with a warning) is too large. Both sides check for a pending signal once per loop, inside the timed
//! region (a load of the task's flags, the same on each side), and the Rust side also while it
//! allocates, and stop with `EINTR`; the caller bounds the work of a run (see
//! [`crate::work`]).

use core::hint::black_box;
use kernel::{
    prelude::*,
    rbtree::{RBTree, RBTreeNode},
    xarray::{AllocKind, XArray},
};

use crate::prng::Prandom;
use crate::work::interrupted;

extern "C" {
    fn proclab_cycles() -> u64;
    fn proclab_c_rbtree(keys: *const u32, n: u32, loops: u32, what: c_int) -> u64;
    fn proclab_c_xarray(n: u32, loops: u32) -> u64;
}

/// `get_cycles()`, the clock of both sides.
fn cycles() -> u64 {
    // SAFETY: `proclab_cycles()` (`helpers.c`) returns `get_cycles()`: it takes no argument,
    // touches no memory and may run in any context.
    unsafe { proclab_cycles() }
}

/// The cycles since `t0`; 0 should the counter seem to go back (a task that moved to a CPU
/// whose counter is behind).
fn since(t0: u64) -> u64 {
    cycles().saturating_sub(t0)
}

/// `cycles` per loop of `loops` (at least 1), by a division that cannot panic: objtool of 7.3
/// takes for non-returning only the `panic_const_` functions of 24-letter names, so a call to
/// `panic_const_div_by_zero()` left at a function's end is reported as falling through.
fn per_loop(cycles: u64, loops: u32) -> u64 {
    cycles.checked_div(u64::from(loops.max(1))).unwrap_or(0)
}

/// The result of a C twin, which returns 0 when it could not allocate or saw a signal.
fn c_result(cycles: u64) -> Result<u64> {
    if cycles == 0 {
        interrupted()?;
        return Err(ENOMEM);
    }
    Ok(cycles)
}

/// The keys `rbtree_test` gives its `nnodes` nodes for `seed`: `init()` draws a key and a value
/// per node, in that order.
pub(crate) fn keys(n: u32, seed: u64) -> Result<KVVec<u32>> {
    let mut rnd = Prandom::new(seed);
    let mut v = KVVec::with_capacity(n as usize, GFP_KERNEL)?;
    for _ in 0..n {
        let key = rnd.next_u32();
        let _val = rnd.next_u32();
        v.push(key, GFP_KERNEL)?;
    }
    Ok(v)
}

/// What the C twin of the rbtree loops does (`what` of `proclab_c_rbtree()`).
#[derive(Clone, Copy)]
enum Twin {
    /// Insert all, erase all by node pointer.
    EraseByPointer = 0,
    /// Insert all, search each key and erase its node, as `RBTree::remove()` does.
    SearchAndErase = 1,
    /// An in-order walk (`rb_first()`, `rb_next()`).
    Walk = 2,
    /// As `SearchAndErase`, through out-of-line calls as Rust makes them.
    RustCalls = 3,
}

/// One figure: Rust and C cycles for the same work.
pub(crate) struct Figure {
    pub(crate) name: &'static str,
    pub(crate) rust: u64,
    pub(crate) c: u64,
}

/// `rbtree_test`'s test 1 (insert all, erase all, per loop) and test 3 (an in-order walk), in
/// Rust and through the C twins. Erasing by key is all the Rust `RBTree` offers (C erases by
/// pointer), so the C twin runs both ways.
pub(crate) fn rbtree(n: u32, loops: u32, seed: u64) -> Result<[Figure; 4]> {
    let keys = keys(n, seed)?;
    let mut nodes = KVVec::with_capacity(n as usize, GFP_KERNEL)?;
    for (i, &k) in keys.iter().enumerate() {
        // Allocating is the slow part on the debug kernel: check here too.
        if i % 256 == 0 {
            interrupted()?;
        }
        nodes.push(
            Some(RBTreeNode::new((k, i as u32), (), GFP_KERNEL)?),
            GFP_KERNEL,
        )?;
    }
    let mut tree = RBTree::new();
    let t0 = cycles();
    for _ in 0..loops {
        // The tree is empty here: the nodes are all back in `nodes`.
        interrupted()?;
        for slot in nodes.iter_mut() {
            if let Some(node) = slot.take() {
                tree.insert(node);
            }
        }
        for (slot, (i, &k)) in nodes.iter_mut().zip(keys.iter().enumerate()) {
            *slot = tree.remove_node(&(k, i as u32));
        }
    }
    let insert_erase = per_loop(since(t0), loops);

    for slot in nodes.iter_mut() {
        if let Some(node) = slot.take() {
            tree.insert(node);
        }
    }
    let t0 = cycles();
    let mut sum = 0u64;
    for _ in 0..loops {
        interrupted()?;
        for (k, ()) in tree.iter() {
            sum = sum.wrapping_add(k.0.into());
        }
    }
    black_box(sum);
    let walk = per_loop(since(t0), loops);

    let figure = |name, rust, what: Twin| -> Result<Figure> {
        // SAFETY: `keys` is a live array of `n` keys that outlives the call; the C twin only
        // reads them, and works on its own allocations otherwise.
        let c = c_result(unsafe { proclab_c_rbtree(keys.as_ptr(), n, loops, what as c_int) })?;
        Ok(Figure { name, rust, c })
    };
    Ok([
        figure(
            "rbtree insert+erase (C erases by pointer)",
            insert_erase,
            Twin::EraseByPointer,
        )?,
        figure(
            "rbtree insert+erase (C searches the key too)",
            insert_erase,
            Twin::SearchAndErase,
        )?,
        figure(
            "rbtree insert+erase (C with Rust's calls)",
            insert_erase,
            Twin::RustCalls,
        )?,
        figure("rbtree in-order walk", walk, Twin::Walk)?,
    ])
}

/// Store `n` values, load each `loops` times, erase them: `XArray<KBox<u64>>` against the C
/// API on an allocating `struct xarray`. The Rust API reads under the XArray's spinlock where
/// C's `xa_load()` takes only the RCU read lock: the Rust loop runs twice, locking for every
/// load and once per pass of `n` loads, to show what the lock costs.
pub(crate) fn xarray(n: u32, loops: u32) -> Result<[Figure; 2]> {
    let per_load = xarray_rust(n, loops, false)?;
    let per_pass = xarray_rust(n, loops, true)?;
    // SAFETY: The C twin takes no pointer: it works on an XArray and values it allocates and
    // frees itself.
    let c = c_result(unsafe { proclab_c_xarray(n, loops) })?;
    let figure = |name, rust| Figure { name, rust, c };
    Ok([
        figure("xarray store+load+erase", per_load),
        figure("xarray, one lock per pass of loads", per_pass),
    ])
}

/// The Rust side of [`xarray`]; with `lock_per_pass`, a pass of `n` loads holds one guard.
fn xarray_rust(n: u32, loops: u32, lock_per_pass: bool) -> Result<u64> {
    let mut vals = KVVec::with_capacity(n as usize, GFP_KERNEL)?;
    for i in 0..n {
        if i % 256 == 0 {
            interrupted()?;
        }
        vals.push(Some(KBox::new(u64::from(i), GFP_KERNEL)?), GFP_KERNEL)?;
    }
    let xa = KBox::pin_init(XArray::<KBox<u64>>::new(AllocKind::Alloc), GFP_KERNEL)?;
    let t0 = cycles();
    for (i, v) in vals.iter_mut().enumerate() {
        if i % 256 == 0 {
            interrupted()?;
        }
        if let Some(b) = v.take() {
            if let Err(e) = xa.lock().store(i, b, GFP_KERNEL) {
                *v = Some(e.value);
                break;
            }
        }
    }
    let mut sum = 0u64;
    for _ in 0..loops {
        // An early return drops `xa` with the values still in it, which frees them.
        interrupted()?;
        if lock_per_pass {
            let guard = xa.lock();
            for i in 0..n as usize {
                if let Some(v) = guard.get(i) {
                    sum = sum.wrapping_add(*v);
                }
            }
        } else {
            for i in 0..n as usize {
                if let Some(v) = xa.lock().get(i) {
                    sum = sum.wrapping_add(*v);
                }
            }
        }
    }
    for (i, v) in vals.iter_mut().enumerate() {
        if v.is_none() {
            *v = xa.lock().remove(i);
        }
    }
    let rust = since(t0);
    black_box(sum);
    Ok(rust)
}
