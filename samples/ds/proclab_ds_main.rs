// SPDX-License-Identifier: GPL-2.0

//! proclab_ds: the kernel's data structures, driven from debugfs.
//!
//! `/sys/kernel/debug/proclab/ds/<structure>/` for `rbtree` (keys in a red-black tree), `cfs`
//! (a CFS-style run queue on a red-black tree), `list` (an intrusive `list_head`-style list),
//! `hlist` (a hash table of `hlist_head` buckets), `xarray` and `bitmap`: `control` takes
//! commands (read it for the list), `dump` shows the contents in order, `stats` sizes, heights
//! and memory; `cfs/live` is the real run queues, the runnable tasks of each CPU in vruntime
//! order; `bench` times the Rust structures against their C twins. Every structure holds at
//! most `max_elements` elements; beyond that a command fails with `ENOSPC`.
//!
//! This file only registers the directories: each is a [`demo::Demo`] of a structure in a file
//! of its own.
//! See `Documentation/data-structures.rst`.

use kernel::{prelude::*, sync::Arc};

mod bench;
mod bench_runs;
mod bitmap;
mod cfs;
#[path = "../../rust/proclab/cmd.rs"]
mod cmd;
// Shared with the other modules; this one has no tables (the column writers) and only nested
// directories.
#[allow(dead_code)]
#[path = "../../rust/proclab/debugfs.rs"]
mod debugfs;
mod demo;
#[path = "../../rust/proclab/hlist.rs"]
mod hash_table;
mod hlist;
#[path = "../../rust/proclab/layout.rs"]
mod layout;
mod list;
mod live;
mod prng;
mod rbtree;
mod runqueue;
// Shared with proclab_tasks, which uses all of it; the live view reads a few fields.
// The policy type `task` reads into.
#[allow(dead_code)]
#[path = "../../rust/proclab/sched.rs"]
mod sched;
#[allow(dead_code)]
#[path = "../../rust/proclab/task.rs"]
mod task;
mod tree;
mod work;
mod xarray;

use debugfs::{Dir, Files, Root};
use demo::Demo;

module! {
    type: ProclabDs,
    name: "proclab_ds",
    authors: ["proclab developers"],
    description: "proclab: rb-tree, list, XArray and bitmap demos",
    license: "GPL",
    params: {
        max_elements: u32 {
            default: 100000,
            description: "The most elements one structure may hold (ENOSPC beyond), up to 1000000",
        },
    },
}

/// The `max_elements` parameter: the most elements one structure may hold.
fn max_elements() -> usize {
    module_parameters::max_elements.value() as usize
}

/// The largest `max_elements` the module loads with: a few commands and reads walk a whole
/// structure in one go (`erase-random` collects the keys, `stats` searches each one, `remove`
/// looks for an id), and on the debug kernel under emulation a million elements is already
/// seconds of that.
const MAX_ELEMENTS_LIMIT: usize = 1_000_000;

/// The directories, removed in the order of the fields, `ds/` itself last.
struct ProclabDs {
    _rbtree: Files<Demo<rbtree::KeySet>>,
    _cfs: Files<Demo<runqueue::RunQueue>>,
    _list: Files<Demo<list::CountedList>>,
    _hlist: Files<Demo<hlist::KeyTable>>,
    _xarray: Files<Demo<xarray::SparseArray>>,
    _bitmap: Files<Demo<bitmap::Bitmaps>>,
    _bench: Files<Demo<bench::Results>>,
    _dir: Arc<Dir>,
}

impl kernel::Module for ProclabDs {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        if max_elements() > MAX_ELEMENTS_LIMIT {
            pr_err!("max_elements is at most {MAX_ELEMENTS_LIMIT}\n");
            return Err(EINVAL);
        }
        let dir = Dir::new(Root::get(), c"ds")?;
        let hash_table = hlist::KeyTable::new(hlist::HASH_BITS)?;
        let bitmaps = bitmap::Bitmaps::new()?;
        let run_queue = runqueue::RunQueue::new(cfs::DEFAULT_SLICE_NS);
        Ok(ProclabDs {
            _rbtree: Demo::register(&dir, c"rbtree", tree::CountedTree::new())?,
            _cfs: Demo::register(&dir, c"cfs", run_queue)?,
            _list: Demo::register(&dir, c"list", list::CountedList::new())?,
            _hlist: Demo::register(&dir, c"hlist", hash_table)?,
            _xarray: Demo::register(&dir, c"xarray", xarray::SparseArray::new()?)?,
            _bitmap: Demo::register(&dir, c"bitmap", bitmaps)?,
            _bench: Demo::register(&dir, c"bench", KVec::new())?,
            _dir: dir,
        })
    }
}
