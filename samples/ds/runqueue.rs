// SPDX-License-Identifier: GPL-2.0

//! A CFS-style run queue on `kernel::rbtree::RBTree`: entities keyed by vruntime, the leftmost
//! runs next.
//!
//! This is the scheduler as CFS was until 6.5: pick the entity with the smallest vruntime, run it
//! for a slice, advance its vruntime by `slice * NICE_0_LOAD / weight` (`calc_delta_fair()`), put
//! it back. 7.3's EEVDF keeps the same kind of tree (`cfs_rq->tasks_timeline`) but keys it by
//! virtual deadline; see `Documentation/data-structures.rst`.

use kernel::prelude::*;

use crate::tree::{CountedTree, Key};

/// `sched_prio_to_weight[]` of `kernel/sched/core.c` (not exported: a copy), nice -20 to 19.
pub(crate) const NICE_TO_WEIGHT: [u32; 40] = [
    88761, 71755, 56483, 46273, 36291, 29154, 23254, 18705, 14949, 11916, 9548, 7620, 6100, 4904,
    3906, 3121, 2501, 1991, 1586, 1277, 1024, 820, 655, 526, 423, 335, 272, 215, 172, 137, 110, 87,
    70, 56, 45, 36, 29, 23, 18, 15,
];

/// The weight of nice 0 (`NICE_0_LOAD` without the fixed-point scaling).
pub(crate) const NICE_0_LOAD: u64 = 1024;

/// The weight of a nice value in -20..=19.
pub(crate) fn weight(nice: i32) -> u32 {
    NICE_TO_WEIGHT[(nice.clamp(-20, 19) + 20) as usize]
}

/// How far a slice of `delta_ns` moves the vruntime of an entity of `weight`:
/// `calc_delta_fair()`, `delta * NICE_0_LOAD / weight` (rounded down). The product saturates,
/// which takes a `delta_ns` past 2^54 (the `slice` command stops at 10^9).
pub(crate) fn vruntime_delta(delta_ns: u64, weight: u32) -> u64 {
    delta_ns.saturating_mul(NICE_0_LOAD) / u64::from(weight.max(1))
}

/// The most a slice of `delta_ns` can move any vruntime: at the smallest weight, nice 19's.
fn max_vruntime_delta(delta_ns: u64) -> u64 {
    vruntime_delta(delta_ns, NICE_TO_WEIGHT[NICE_TO_WEIGHT.len() - 1])
}

/// Slices run between two checks for a pending signal.
const SLICES_PER_CHECK: u64 = 1024;

/// One schedulable entity of the model.
#[derive(Clone, Copy)]
pub(crate) struct Entity {
    pub(crate) nice: i32,
    pub(crate) weight: u32,
    /// CPU time received (ns).
    pub(crate) runtime: u64,
    /// Slices received.
    pub(crate) slices: u64,
}

/// The run queue: the tree, the clock of the model, and `min_vruntime`.
///
/// The clock and the counters are 64-bit and never wrap: [`RunQueue::run`] refuses, with
/// `ENOSPC`, a run that could take one past `u64::MAX` (the kernel's vruntimes do wrap, and it
/// compares them by the sign of their difference, but this model's tree orders them as plain
/// numbers), and [`RunQueue::add`] refuses a new entity once the ids are used up. `clear` starts
/// over.
pub(crate) struct RunQueue {
    pub(crate) tree: CountedTree<Key, Entity>,
    pub(crate) next_id: u32,
    /// The smallest vruntime in the queue, never going back: where new entities start.
    pub(crate) min_vruntime: u64,
    pub(crate) slice_ns: u64,
    pub(crate) total_runtime: u64,
    pub(crate) slices: u64,
}

impl RunQueue {
    pub(crate) fn new(slice_ns: u64) -> Self {
        RunQueue {
            tree: CountedTree::new(),
            next_id: 0,
            min_vruntime: 0,
            slice_ns,
            total_runtime: 0,
            slices: 0,
        }
    }

    /// Adds an entity at nice `nice`, starting at `min_vruntime` (as CFS's `place_entity()`
    /// did): neither ahead of the others nor owed years of CPU time.
    /// `ENOSPC` once 2^32 - 1 ids have been given out.
    pub(crate) fn add(&mut self, nice: i32) -> Result<u32> {
        let id = self.next_id;
        let next_id = id.checked_add(1).ok_or(ENOSPC)?;
        let key = Key::new(self.min_vruntime, id);
        let entity = Entity {
            nice,
            weight: weight(nice),
            runtime: 0,
            slices: 0,
        };
        self.tree.insert(key, entity)?;
        self.next_id = next_id;
        Ok(id)
    }

    /// Removes entity `id`; `ENOENT` if there is none.
    pub(crate) fn remove(&mut self, id: u32) -> Result {
        let key = self.tree.keys().find(|k| k.id == id).ok_or(ENOENT)?.clone();
        self.tree.remove(&key);
        self.update_min();
        Ok(())
    }

    /// `ENOSPC` if `k` slices could take a vruntime, the clock or the slice count past
    /// `u64::MAX`: no vruntime is above the rightmost one, and a slice moves one by at most
    /// [`max_vruntime_delta`]; an entity's runtime and slices are at most the queue's.
    pub(crate) fn can_run(&self, k: u64) -> Result {
        let top = self
            .tree
            .cursor_back()
            .map_or(self.min_vruntime, |c| c.current().0.value);
        let after = |now: u64, per_slice: u64| k.checked_mul(per_slice)?.checked_add(now);
        if after(top, max_vruntime_delta(self.slice_ns)).is_none()
            || after(self.total_runtime, self.slice_ns).is_none()
            || after(self.slices, 1).is_none()
        {
            return Err(ENOSPC);
        }
        Ok(())
    }

    /// Runs `k` slices: each time the leftmost entity runs one slice and goes back into the tree
    /// at its new vruntime. No allocation: the node taken out is the node put back.
    ///
    /// `ENOSPC`, before anything runs, if `k` slices could take a vruntime, the clock or the
    /// slice count past `u64::MAX`: no vruntime is above the rightmost one, and a slice moves one
    /// by at most [`max_vruntime_delta`]; an entity's runtime and slices are at most the queue's.
    /// `EINTR` if a signal comes: the slices run until then stay run.
    pub(crate) fn run(&mut self, k: u64) -> Result {
        self.can_run(k)?;
        for i in 0..k {
            if i % SLICES_PER_CHECK == 0 {
                crate::work::interrupted()?;
            }
            let Some((key, mut entity)) = self.tree.cursor_front().map(|c| {
                let (key, entity) = c.current();
                (key.clone(), *entity)
            }) else {
                return Ok(());
            };
            let Some(node) = self.tree.pop_front() else {
                return Ok(());
            };
            // None of these saturates, by the check above.
            entity.runtime = entity.runtime.saturating_add(self.slice_ns);
            entity.slices = entity.slices.saturating_add(1);
            let vruntime = key
                .value
                .saturating_add(vruntime_delta(self.slice_ns, entity.weight));
            // The node that came out goes back in with the new key: no allocation.
            self.tree.insert_node(
                node.into_reservation()
                    .into_node(Key::new(vruntime, key.id), entity),
            );
            self.total_runtime = self.total_runtime.saturating_add(self.slice_ns);
            self.slices = self.slices.saturating_add(1);
            self.update_min();
        }
        Ok(())
    }

    fn update_min(&mut self) {
        if let Some(c) = self.tree.cursor_front() {
            self.min_vruntime = self.min_vruntime.max(c.current().0.value);
        }
    }
}

#[kunit_tests(proclab_ds_cfs)]
mod tests {
    use super::*;

    #[test]
    fn weights_and_deltas() {
        assert_eq!(weight(0), 1024);
        assert_eq!(weight(-20), 88761);
        assert_eq!(weight(19), 15);
        assert_eq!(weight(5), 335);
        // Each nice step is about 1.25x.
        for n in -20..19 {
            let r = weight(n) * 100 / weight(n + 1);
            assert!((118..=132).contains(&r));
        }
        assert_eq!(vruntime_delta(3_000_000, 1024), 3_000_000);
        assert_eq!(vruntime_delta(3_000_000, 335), 9_170_149);
    }

    #[test]
    fn height_bound() {
        use crate::tree::height_bound;
        assert_eq!(height_bound(0), 0);
        assert_eq!(height_bound(1), 2);
        assert_eq!(height_bound(3), 4);
        assert_eq!(height_bound(4), 4);
        assert_eq!(height_bound(10000), 26);
    }

    /// The measure of a tree's height: the red-black tree of 1, 2, 3 is 2 at the root, 1 and 3
    /// below. Each tree counts its own searches: measuring one leaves the other's figures as
    /// they were.
    #[test]
    fn heights_are_per_tree() -> Result {
        let mut small = CountedTree::new();
        let mut large = CountedTree::new();
        assert_eq!(small.height(), (0, 0));
        small.insert(Key::new(1, 0), ())?;
        assert_eq!(small.height(), (1, 1));
        for k in 2..=3 {
            small.insert(Key::new(k, 0), ())?;
        }
        for k in 0..1000 {
            large.insert(Key::new(k, 0), ())?;
        }
        let (height, mean) = large.height();
        assert!((10..=crate::tree::height_bound(1000)).contains(&height));
        assert!(mean <= height);
        // (1 + 2 + 2) / 3, rounded down.
        assert_eq!(small.height(), (2, 1));
        assert_eq!(large.height(), (height, mean));
        Ok(())
    }

    #[test]
    fn shares_follow_the_weights() -> Result {
        let mut rq = RunQueue::new(1_000_000);
        rq.add(0)?;
        rq.add(5)?;
        rq.run(10_000)?;
        let runtimes: KVec<u64> = {
            let mut v = KVec::new();
            for e in rq.tree.values() {
                v.push(e.runtime, GFP_KERNEL)?;
            }
            v
        };
        let total: u64 = runtimes.iter().sum();
        assert_eq!(total, 10_000 * 1_000_000);
        // nice 0 gets 1024 / 1359 = 75.35 %, to a slice or two.
        let nice0 = rq
            .tree
            .values()
            .find(|e| e.nice == 0)
            .map_or(0, |e| e.runtime);
        let permille = nice0 * 10_000 / total;
        assert!((7525..=7545).contains(&permille));
        // A newcomer starts at min_vruntime, not at 0.
        let id = rq.add(0)?;
        let v = rq.tree.keys().find(|k| k.id == id).map_or(0, |k| k.value);
        assert_eq!(v, rq.min_vruntime);
        assert!(v > 0);
        Ok(())
    }

    /// A run that could overflow the 64-bit clock is refused whole, and the largest one that
    /// fits runs (a nice 19 entity at 1 s slices: 68 s of vruntime per slice).
    #[test]
    fn the_clock_never_wraps() -> Result {
        let mut rq = RunQueue::new(1_000_000_000);
        let per_slice = vruntime_delta(1_000_000_000, weight(19));
        assert_eq!(per_slice, 68_266_666_666);
        rq.min_vruntime = u64::MAX - 10 * per_slice;
        rq.add(19)?;
        assert_eq!(rq.run(11), Err(ENOSPC));
        assert_eq!(rq.slices, 0);
        rq.run(10)?;
        assert_eq!(rq.slices, 10);
        let v = rq.tree.keys().next().map_or(0, |k| k.value);
        assert_eq!(v, u64::MAX - 10 * per_slice + 10 * per_slice);
        assert_eq!(rq.run(1), Err(ENOSPC));

        // The clock (total runtime) and the slice count are checked too.
        let mut rq = RunQueue::new(1_000_000_000);
        rq.add(-20)?;
        rq.total_runtime = u64::MAX - 1_000_000_000;
        assert_eq!(rq.run(2), Err(ENOSPC));
        rq.run(1)?;
        let mut rq = RunQueue::new(1);
        rq.add(0)?;
        rq.slices = u64::MAX;
        assert_eq!(rq.run(1), Err(ENOSPC));
        Ok(())
    }

    /// Ids are not reused: the last one refuses a new entity.
    #[test]
    fn ids_run_out() -> Result {
        let mut rq = RunQueue::new(1);
        rq.next_id = u32::MAX - 1;
        assert_eq!(rq.add(0)?, u32::MAX - 1);
        assert_eq!(rq.add(0), Err(ENOSPC));
        assert_eq!(rq.tree.len(), 1);
        Ok(())
    }
}
