// SPDX-License-Identifier: GPL-2.0

//! proclab_ds: the kernel's data structures, driven from debugfs.
//!
//! `/sys/kernel/debug/proclab/ds/<structure>/` for `rbtree` (keys in a red-black tree), `cfs`
//! (a CFS-style run queue on a red-black tree), `list` (an intrusive `list_head`-style list) and
//! `xarray` and `bitmap`: `control` takes commands (read it for the list), `dump` shows the
//! contents in order, `stats` sizes, heights and memory; `cfs/live` is the real run queues, the
//! runnable tasks of each CPU in vruntime order. Every structure holds at most
//! `max_elements` elements; beyond that a command fails with `ENOSPC`.
//!
//! See `Documentation/data-structures.rst`.

use core::fmt::{self, Write};
use kernel::{
    bitmap::BitmapVec,
    list::{List, ListArc, ListLinks},
    new_mutex,
    prelude::*,
    rbtree::RBTree,
    sync::{Arc, Mutex},
    xarray::{AllocKind, XArray},
};

mod bench;
mod cfs;
#[path = "../../rust/proclab/cmd.rs"]
mod cmd;
// Shared with the other modules; this one has no tables (the column writers) and only nested
// directories.
#[allow(dead_code)]
#[path = "../../rust/proclab/debugfs.rs"]
mod debugfs;
#[path = "../../rust/proclab/hlist.rs"]
mod hlist;
#[path = "../../rust/proclab/layout.rs"]
mod layout;
mod live;
mod prng;
mod work;
// Shared with proclab_tasks, which uses all of it; the live view reads a few fields.
#[allow(dead_code)]
#[path = "../../rust/proclab/task.rs"]
mod task;

use cmd::{Arg, Command, Table, Values};
use debugfs::{one_page, Dir, FileSpec, Files, Root, SeqOut};

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

fn cap() -> usize {
    module_parameters::max_elements.value() as usize
}

/// The largest `max_elements` the module loads with: a few commands and reads walk a whole
/// structure in one go (`erase-random` collects the keys, `stats` searches each one, `remove`
/// looks for an id), and on the debug kernel under emulation a million elements is already
/// seconds of that.
const MAX_ELEMENTS_LIMIT: usize = 1_000_000;

// ---------------------------------------------------------------------------------------------
// rbtree: keys in a red-black tree

#[pin_data]
struct Rb {
    #[pin]
    tree: Mutex<cfs::Counted<cfs::Key, ()>>,
    /// `fill` or `erase-random` running.
    busy: work::Busy,
}

static RB: Table<Rb> = Table {
    file: "ds/rbtree/control",
    commands: &[
        Command {
            verb: &["insert"],
            args: &[Arg::uint("KEY", 0, u64::MAX)],
            help: "insert KEY; EEXIST if it is there",
            run: rb_insert,
        },
        Command {
            verb: &["erase"],
            args: &[Arg::uint("KEY", 0, u64::MAX)],
            help: "erase KEY; ENOENT if it is not there",
            run: |s, v| {
                s.busy.check(v)?;
                let k = rb_key(v.uint(0)?);
                match s.tree.lock().remove(&k) {
                    Some(()) => Ok(()),
                    None => Err(v.refuse_with(ENOENT, format_args!("no key {}", k.vruntime))),
                }
            },
        },
        Command {
            verb: &["fill"],
            args: &[
                Arg::uint("N", 0, work::FILL_MAX),
                Arg::uint("SEED", 0, u64::MAX),
            ],
            help: "insert N pseudo-random 32-bit keys (prandom_u32_state(), seed SEED)",
            run: rb_fill,
        },
        Command {
            verb: &["erase-random"],
            args: &[
                Arg::uint("N", 0, work::FILL_MAX),
                Arg::uint("SEED", 0, u64::MAX),
            ],
            help: "erase N of the keys, chosen pseudo-randomly",
            run: rb_erase_random,
        },
        Command {
            verb: &["clear"],
            args: &[],
            help: "erase everything",
            run: |s, v| {
                s.busy.check(v)?;
                s.tree.lock().clear();
                Ok(())
            },
        },
    ],
};

fn rb_key(k: u64) -> cfs::Key {
    cfs::Key::new(k, 0)
}

fn rb_insert(s: &Rb, v: &Values<'_>) -> Result {
    s.busy.check(v)?;
    let k = rb_key(v.uint(0)?);
    let mut tree = s.tree.lock();
    if tree.get(&k).is_some() {
        return Err(v.refuse_with(EEXIST, format_args!("key {} is already there", k.vruntime)));
    }
    if tree.len() >= cap() {
        return Err(v.refuse_with(ENOSPC, format_args!("full ({} keys)", cap())));
    }
    tree.insert(k, ())?;
    Ok(())
}

/// A long command (see [`work`]).
fn rb_fill(s: &Rb, v: &Values<'_>) -> Result {
    let _running = s.busy.start(v)?;
    let n = v.uint(0)? as usize;
    let seed = v.uint(1)?;
    let mut tree = s.tree.lock();
    let have = tree.len();
    if n > cap().saturating_sub(have) {
        return Err(v.refuse_with(
            ENOSPC,
            format_args!("{have} + {n} keys is more than {}", cap()),
        ));
    }
    let mut rnd = prng::Prandom::new(seed);
    let mut added = 0;
    while added < n {
        // Interrupted, the keys inserted so far stay. The lock is dropped between chunks, so a
        // reader waits for one chunk, not for the whole fill (only readers come in between).
        if added % work::KEYS_PER_LOCK == 0 {
            drop(tree);
            work::interrupted()?;
            tree = s.tree.lock();
        }
        let k = rb_key(rnd.next_u32().into());
        if tree.get(&k).is_none() {
            tree.insert(k, ())?;
            added += 1;
        }
    }
    Ok(())
}

/// A long command (see [`work`]).
fn rb_erase_random(s: &Rb, v: &Values<'_>) -> Result {
    let _running = s.busy.start(v)?;
    let n = v.uint(0)? as usize;
    let seed = v.uint(1)?;
    let mut tree = s.tree.lock();
    if n > tree.len() {
        return Err(v.refuse_with(ENOENT, format_args!("only {} keys to erase", tree.len())));
    }
    let mut keys = KVVec::with_capacity(tree.len(), GFP_KERNEL)?;
    for k in tree.keys() {
        keys.push(k.clone(), GFP_KERNEL)?;
    }
    // A partial Fisher-Yates shuffle picks n distinct keys.
    let mut rnd = prng::Prandom::new(seed);
    let len = keys.len();
    for i in 0..n {
        // Interrupted, the keys erased so far stay erased; the lock as in `rb_fill()`.
        if i % work::KEYS_PER_LOCK == 0 {
            drop(tree);
            work::interrupted()?;
            tree = s.tree.lock();
        }
        let j = i + (rnd.next_u32() as usize).checked_rem(len - i).unwrap_or(0);
        keys.swap(i, j);
        tree.remove(&keys[i]);
    }
    Ok(())
}

fn rb_dump(s: &Rb, f: &mut SeqOut) -> fmt::Result {
    for k in s.tree.lock().keys() {
        writeln!(f, "{}", k.vruntime)?;
    }
    Ok(())
}

fn rb_stats(s: &Rb, f: &mut SeqOut) -> fmt::Result {
    let tree = s.tree.lock();
    let n = tree.len();
    let (height, mean) = cfs::height_of(&tree);
    writeln!(f, "keys: {n}")?;
    writeln!(f, "height: {height}")?;
    writeln!(f, "mean_depth: {mean}")?;
    writeln!(f, "height_bound: {}", cfs::rb_height_bound(n))?;
    match (tree.cursor_front(), tree.cursor_back()) {
        (Some(lo), Some(hi)) => writeln!(
            f,
            "leftmost: {}\nrightmost: {}",
            lo.current().0.vruntime,
            hi.current().0.vruntime
        )?,
        _ => writeln!(f, "leftmost: -\nrightmost: -")?,
    }
    let node_bytes = layout::RB_NODE_BYTES + core::mem::size_of::<cfs::Key>();
    writeln!(f, "node_bytes: {node_bytes}")
}

static RB_FILES: [FileSpec<Rb>; 3] = [
    FileSpec {
        name: c"control",
        show: |_, f| RB.help(f),
        size_hint: one_page,
        write: Some(&RB),
    },
    FileSpec {
        name: c"dump",
        show: rb_dump,
        size_hint: |s| s.tree.lock().len() * 21 + 64,
        write: None,
    },
    FileSpec {
        name: c"stats",
        show: rb_stats,
        size_hint: one_page,
        write: None,
    },
];

// ---------------------------------------------------------------------------------------------
// cfs: the run-queue model

#[pin_data]
struct Cfs {
    #[pin]
    rq: Mutex<cfs::RunQueue>,
    /// `run` running.
    busy: work::Busy,
}

static CFS: Table<Cfs> = Table {
    file: "ds/cfs/control",
    commands: &[
        Command {
            verb: &["add"],
            args: &[Arg::int("NICE", -20, 19)],
            help: "a new entity at nice NICE, placed at min_vruntime",
            run: cfs_add,
        },
        Command {
            verb: &["remove"],
            args: &[Arg::uint("ID", 0, u32::MAX as u64)],
            help: "take entity ID off the run queue",
            run: |s, v| {
                s.busy.check(v)?;
                let id = v.uint(0)? as u32;
                s.rq.lock()
                    .remove(id)
                    .map_err(|e| v.refuse_with(e, format_args!("no entity {id}")))
            },
        },
        Command {
            verb: &["run"],
            args: &[Arg::uint("K", 0, 1_000_000)],
            help: "run K slices: the leftmost runs, its vruntime grows by slice*1024/weight",
            run: cfs_run,
        },
        Command {
            verb: &["slice"],
            args: &[Arg::uint("NS", 1, 1_000_000_000)],
            help: "the slice length in ns (default 3000000)",
            run: |s, v| {
                s.busy.check(v)?;
                s.rq.lock().slice_ns = v.uint(0)?;
                Ok(())
            },
        },
        Command {
            verb: &["clear"],
            args: &[],
            help: "an empty run queue, the clock back at 0",
            run: |s, v| {
                s.busy.check(v)?;
                let mut rq = s.rq.lock();
                let slice = rq.slice_ns;
                *rq = cfs::RunQueue::new(slice);
                Ok(())
            },
        },
    ],
};

fn cfs_add(s: &Cfs, v: &Values<'_>) -> Result {
    s.busy.check(v)?;
    let nice = v.int(0)? as i32;
    let mut rq = s.rq.lock();
    if rq.tree.len() >= cap() {
        return Err(v.refuse_with(ENOSPC, format_args!("full ({} entities)", cap())));
    }
    rq.add(nice)
        .map_err(|e| v.refuse_with(e, format_args!("no id left (clear starts over)")))?;
    Ok(())
}

/// A long command (see [`work`]): `ENOSPC` if it could overflow the model's clock, `EINTR` if a
/// signal stops it (the slices run until then stay run).
fn cfs_run(s: &Cfs, v: &Values<'_>) -> Result {
    let _running = s.busy.start(v)?;
    let k = v.uint(0)?;
    s.rq.lock().can_run(k).map_err(|e| {
        v.refuse_with(
            e,
            format_args!("the clock would pass 2^64-1 ns (clear starts over)"),
        )
    })?;
    // In chunks, the lock dropped in between: a reader of dump or stats waits for one chunk,
    // not for the whole run. Only readers come in between (other commands get EBUSY), so
    // the check above holds for every chunk.
    let mut left = k;
    while left > 0 {
        let n = left.min(work::SLICES_PER_LOCK);
        s.rq.lock().run(n)?;
        left -= n;
    }
    Ok(())
}

/// `x * unit / y`, rounded down; 0 if `y` is 0.
///
/// `x * unit` may not fit 64 bits (a runtime past 1.8 * 10^15 ns, two `run 1000000` of 1 s
/// slices, times 10000), and the kernel has no 128-bit division: then `x` and `y` are both
/// halved until it fits. The quotient then moves by less than 1 as long as `y` is not far below
/// `x` (for a share, `x <= y`, so `y` keeps at least 49 bits); a `y` halved down to 0 gives
/// `u64::MAX`.
fn ratio(mut x: u64, mut y: u64, unit: u64) -> u64 {
    if y == 0 {
        return 0;
    }
    while x.checked_mul(unit).is_none() {
        x >>= 1;
        y >>= 1;
    }
    (x * unit).checked_div(y).unwrap_or(u64::MAX)
}

/// A share in hundredths of a percent.
fn share(x: u64, total: u64) -> u64 {
    ratio(x, total, 10000)
}

fn cfs_dump(s: &Cfs, f: &mut SeqOut) -> fmt::Result {
    let rq = s.rq.lock();
    let total_w: u64 = rq.tree.values().map(|e| u64::from(e.weight)).sum();
    writeln!(
        f,
        "  {:>4} {:>4} {:>6} {:>16} {:>16} {:>7} {:>8} {:>11}",
        "id", "nice", "weight", "vruntime", "runtime", "slices", "share_%", "predicted_%"
    )?;
    for (i, (k, e)) in rq.tree.iter().enumerate() {
        let sh = share(e.runtime, rq.total_runtime);
        let pr = share(e.weight.into(), total_w);
        writeln!(
            f,
            "{} {:>4} {:>4} {:>6} {:>16} {:>16} {:>7} {:>5}.{:02} {:>8}.{:02}",
            if i == 0 { '*' } else { ' ' },
            k.id,
            e.nice,
            e.weight,
            k.vruntime,
            e.runtime,
            e.slices,
            sh / 100,
            sh % 100,
            pr / 100,
            pr % 100
        )?;
    }
    Ok(())
}

fn cfs_stats(s: &Cfs, f: &mut SeqOut) -> fmt::Result {
    let rq = s.rq.lock();
    let n = rq.tree.len();
    let (height, _) = cfs::height_of(&rq.tree);
    writeln!(f, "entities: {n}")?;
    writeln!(f, "height: {height}")?;
    writeln!(f, "height_bound: {}", cfs::rb_height_bound(n))?;
    writeln!(f, "min_vruntime: {}", rq.min_vruntime)?;
    writeln!(f, "slice_ns: {}", rq.slice_ns)?;
    writeln!(f, "slices: {}", rq.slices)?;
    writeln!(f, "clock_ns: {}", rq.total_runtime)
}

static CFS_FILES: [FileSpec<Cfs>; 4] = [
    FileSpec {
        name: c"control",
        show: |_, f| CFS.help(f),
        size_hint: one_page,
        write: Some(&CFS),
    },
    FileSpec {
        name: c"dump",
        show: cfs_dump,
        size_hint: |s| s.rq.lock().tree.len() * 96 + 128,
        write: None,
    },
    FileSpec {
        name: c"stats",
        show: cfs_stats,
        size_hint: one_page,
        write: None,
    },
    FileSpec {
        name: c"live",
        show: |_, f| live::show(f),
        size_hint: one_page,
        write: None,
    },
];

// ---------------------------------------------------------------------------------------------
// list: an intrusive doubly linked list

#[pin_data]
struct Item {
    value: i64,
    #[pin]
    links: ListLinks,
}

kernel::list::impl_list_arc_safe! {
    impl ListArcSafe<0> for Item { untracked; }
}
kernel::list::impl_list_item! {
    impl ListItem<0> for Item { using ListLinks { self.links }; }
}

#[pin_data]
struct Lst {
    #[pin]
    list: Mutex<(List<Item>, usize)>,
}

/// A list value: small enough that the dump's sums cannot overflow.
const VALUE: Arg = Arg::int("V", i64::MIN / 10, i64::MAX / 10);

static LIST: Table<Lst> = Table {
    file: "ds/list/control",
    commands: &[
        Command {
            verb: &["add"],
            args: &[VALUE],
            help: "list_add(): V at the head (a stack, LIFO)",
            run: |s, v| list_add(s, v, true),
        },
        Command {
            verb: &["add_tail"],
            args: &[VALUE],
            help: "list_add_tail(): V at the tail (a queue, FIFO)",
            run: |s, v| list_add(s, v, false),
        },
        Command {
            verb: &["pop"],
            args: &[],
            help: "take the head off",
            run: list_pop,
        },
        Command {
            verb: &["del"],
            args: &[VALUE],
            help: "delete the first element equal to V; ENOENT if none",
            run: |s, v| list_del(s, v, false),
        },
        Command {
            verb: &["del_multiple"],
            args: &[VALUE],
            help: "delete, while walking the list, every element divisible by V \
                   (list_for_each_entry_safe; by 0: every 0)",
            run: |s, v| list_del(s, v, true),
        },
        Command {
            verb: &["clear"],
            args: &[],
            help: "delete everything",
            run: |s, _| {
                *s.list.lock() = (List::new(), 0);
                Ok(())
            },
        },
    ],
};

fn item(value: i64) -> Result<ListArc<Item>> {
    ListArc::pin_init(
        try_pin_init!(Item { value, links <- ListLinks::new() }),
        GFP_KERNEL,
    )
}

fn list_add(s: &Lst, v: &Values<'_>, head: bool) -> Result {
    // Allocated before the lock is taken.
    let it = item(v.int(0)?)?;
    let mut l = s.list.lock();
    if l.1 >= cap() {
        return Err(v.refuse_with(ENOSPC, format_args!("full ({} elements)", cap())));
    }
    if head {
        l.0.push_front(it);
    } else {
        l.0.push_back(it);
    }
    l.1 += 1;
    Ok(())
}

fn list_pop(s: &Lst, v: &Values<'_>) -> Result {
    let mut l = s.list.lock();
    if l.0.pop_front().is_none() {
        return Err(v.refuse_with(ENOENT, format_args!("the list is empty")));
    }
    l.1 -= 1;
    Ok(())
}

/// `del V` (the first element equal to V) or, with `multiple`, `del_multiple V` (every
/// element divisible by V).
fn list_del(s: &Lst, v: &Values<'_>, multiple: bool) -> Result {
    let value = v.int(0)?;
    let mut l = s.list.lock();
    let mut removed = 0;
    {
        // The cursor sits between elements: removing the next one is the `_safe` walk's
        // "keep the next pointer before freeing this one".
        let mut c = l.0.cursor_front();
        while let Some(next) = c.peek_next() {
            let hit = if multiple {
                // `a` is divisible by 0 when `a = 0 * k`: only 0 is.
                next.value
                    .checked_rem(value)
                    .map_or(next.value == 0, |r| r == 0)
            } else {
                next.value == value
            };
            if hit {
                drop(next.remove());
                removed += 1;
                if !multiple {
                    break;
                }
            } else {
                c.move_next();
            }
        }
    }
    l.1 -= removed;
    if !multiple && removed == 0 {
        return Err(v.refuse_with(ENOENT, format_args!("no element {value}")));
    }
    Ok(())
}

fn list_dump(s: &Lst, f: &mut SeqOut) -> fmt::Result {
    for it in s.list.lock().0.iter() {
        writeln!(f, "{}", it.value)?;
    }
    Ok(())
}

fn list_stats(s: &Lst, f: &mut SeqOut) -> fmt::Result {
    writeln!(f, "elements: {}", s.list.lock().1)?;
    writeln!(f, "item_bytes: {}", core::mem::size_of::<Item>())?;
    writeln!(f, "links_offset: {}", core::mem::offset_of!(Item, links))?;
    writeln!(f, "links_bytes: {}", core::mem::size_of::<ListLinks>())?;
    writeln!(f, "head_bytes: {}", core::mem::size_of::<List<Item>>())?;
    writeln!(f, "c_list_head_bytes: {}", layout::LIST_HEAD_BYTES)
}

static LIST_FILES: [FileSpec<Lst>; 3] = [
    FileSpec {
        name: c"control",
        show: |_, f| LIST.help(f),
        size_hint: one_page,
        write: Some(&LIST),
    },
    FileSpec {
        name: c"dump",
        show: list_dump,
        size_hint: |s| s.list.lock().1 * 21 + 64,
        write: None,
    },
    FileSpec {
        name: c"stats",
        show: list_stats,
        size_hint: one_page,
        write: None,
    },
];

// ---------------------------------------------------------------------------------------------
// hlist: a hash table of hlist_head buckets

/// Buckets of the hash table: 2^HASH_BITS.
const HASH_BITS: u32 = 10;

#[pin_data]
struct Hl {
    #[pin]
    table: Mutex<hlist::HashTable<u64>>,
}

static HL: Table<Hl> = Table {
    file: "ds/hlist/control",
    commands: &[
        Command {
            verb: &["add"],
            args: &[Arg::uint("KEY", 0, u64::MAX)],
            help: "hlist_add_head() in bucket hash_64(KEY, 10); EEXIST if KEY is there",
            run: hl_add,
        },
        Command {
            verb: &["del"],
            args: &[Arg::uint("KEY", 0, u64::MAX)],
            help: "hlist_del_init(): O(1) through pprev; ENOENT if KEY is not there",
            run: |s, v| {
                let k = v.uint(0)?;
                match s.table.lock().remove(k) {
                    Some(_) => Ok(()),
                    None => Err(v.refuse_with(ENOENT, format_args!("no key {k}"))),
                }
            },
        },
        Command {
            verb: &["del_multiple"],
            args: &[Arg::uint("N", 1, u64::MAX)],
            help: "delete every key divisible by N (hlist_for_each_entry_safe)",
            run: |s, v| {
                let n = v.uint(0)?;
                s.table.lock().retain(|k, _| k.checked_rem(n) != Some(0));
                Ok(())
            },
        },
        Command {
            verb: &["clear"],
            args: &[],
            help: "delete everything",
            run: |s, _| {
                s.table.lock().retain(|_, _| false);
                Ok(())
            },
        },
    ],
};

fn hl_add(s: &Hl, v: &Values<'_>) -> Result {
    let k = v.uint(0)?;
    let mut t = s.table.lock();
    if t.len() >= cap() {
        return Err(v.refuse_with(ENOSPC, format_args!("full ({} keys)", cap())));
    }
    t.insert(k, k)
        .map_err(|e| v.refuse_with(e, format_args!("key {k} is already there")))
}

fn hl_dump(s: &Hl, f: &mut SeqOut) -> fmt::Result {
    let t = s.table.lock();
    for b in 0..t.buckets() {
        let mut keys = t.bucket(b).peekable();
        if keys.peek().is_none() {
            continue;
        }
        write!(f, "{b}:")?;
        for (k, _) in keys {
            write!(f, " {k}")?;
        }
        f.write_char('\n')?;
    }
    Ok(())
}

fn hl_stats(s: &Hl, f: &mut SeqOut) -> fmt::Result {
    let t = s.table.lock();
    let (mut used, mut longest) = (0, 0);
    for b in 0..t.buckets() {
        let n = t.bucket(b).count();
        used += usize::from(n > 0);
        longest = longest.max(n);
    }
    let head = layout::HLIST_HEAD_BYTES;
    let lhead = layout::LIST_HEAD_BYTES;
    writeln!(f, "keys: {}", t.len())?;
    writeln!(f, "buckets: {}", t.buckets())?;
    writeln!(f, "buckets_used: {used}")?;
    writeln!(f, "longest_chain: {longest}")?;
    writeln!(f, "hlist_head_bytes: {head}")?;
    writeln!(f, "hlist_node_bytes: {}", layout::HLIST_NODE_BYTES)?;
    writeln!(f, "bucket_array_bytes: {}", head * t.buckets())?;
    writeln!(f, "as_list_head_bytes: {}", lhead * t.buckets())
}

static HL_FILES: [FileSpec<Hl>; 3] = [
    FileSpec {
        name: c"control",
        show: |_, f| HL.help(f),
        size_hint: one_page,
        write: Some(&HL),
    },
    FileSpec {
        name: c"dump",
        show: hl_dump,
        size_hint: |s| s.table.lock().len() * 21 + 8192,
        write: None,
    },
    FileSpec {
        name: c"stats",
        show: hl_stats,
        size_hint: one_page,
        write: None,
    },
];

// ---------------------------------------------------------------------------------------------
// xarray: a sparse array

#[pin_data]
struct Xa {
    #[pin]
    xa: XArray<KBox<u64>>,
    /// The indices in use, in order (the XArray API of 7.3 has no public iteration).
    #[pin]
    index: Mutex<cfs::Counted<usize, ()>>,
}

static XA: Table<Xa> = Table {
    file: "ds/xarray/control",
    commands: &[
        Command {
            verb: &["store"],
            args: &[
                Arg::uint("INDEX", 0, usize::MAX as u64),
                Arg::uint("VALUE", 0, u64::MAX),
            ],
            help: "xa_store(): VALUE at INDEX, replacing what was there",
            run: xa_store,
        },
        Command {
            verb: &["erase"],
            args: &[Arg::uint("INDEX", 0, usize::MAX as u64)],
            help: "xa_erase(); ENOENT if INDEX holds nothing",
            run: xa_erase,
        },
        Command {
            verb: &["clear"],
            args: &[],
            help: "erase everything",
            run: |s, _| {
                let mut index = s.index.lock();
                let mut xa = s.xa.lock();
                for i in index.keys() {
                    drop(xa.remove(*i));
                }
                drop(xa);
                index.clear();
                Ok(())
            },
        },
    ],
};

fn xa_store(s: &Xa, v: &Values<'_>) -> Result {
    let i = v.uint(0)? as usize;
    let value = v.uint(1)?;
    let mut index = s.index.lock();
    let new = index.get(&i).is_none();
    if new && index.len() >= cap() {
        return Err(v.refuse_with(ENOSPC, format_args!("full ({} entries)", cap())));
    }
    let node = if new {
        Some(kernel::rbtree::RBTreeNode::new(i, (), GFP_KERNEL)?)
    } else {
        None
    };
    let value = KBox::new(value, GFP_KERNEL)?;
    s.xa.lock()
        .store(i, value, GFP_KERNEL)
        .map_err(|e| e.error)?;
    if let Some(node) = node {
        index.insert_node(node);
    }
    Ok(())
}

fn xa_erase(s: &Xa, v: &Values<'_>) -> Result {
    let i = v.uint(0)? as usize;
    let mut index = s.index.lock();
    if s.xa.lock().remove(i).is_none() {
        return Err(v.refuse_with(ENOENT, format_args!("index {i} holds nothing")));
    }
    index.remove(&i);
    Ok(())
}

fn xa_dump(s: &Xa, f: &mut SeqOut) -> fmt::Result {
    let index = s.index.lock();
    let xa = s.xa.lock();
    for i in index.keys() {
        // Read back from the XArray itself: the index tree only says where to look.
        match xa.get(*i) {
            Some(v) => writeln!(f, "{i} {}", *v)?,
            None => writeln!(f, "{i} MISSING")?,
        }
    }
    Ok(())
}

/// The `xa_node`s an XArray needs for `indices` (ascending): a node covers
/// [`layout::XA_CHUNK_SIZE`] slots per level, and a lone index 0 lives in the head without a
/// node.
fn xa_nodes(indices: &RBTree<usize, ()>) -> usize {
    use layout::{XA_CHUNK_SHIFT, XA_MAX_LEVELS};
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
    for l in 1..=levels {
        // Distinct prefixes above level l: one node per prefix (the keys are in order).
        let mut last = None;
        for &i in indices.keys() {
            let p = i.checked_shr(XA_CHUNK_SHIFT * l).unwrap_or(0);
            if last != Some(p) {
                nodes += 1;
                last = Some(p);
            }
        }
    }
    nodes
}

fn xa_stats(s: &Xa, f: &mut SeqOut) -> fmt::Result {
    let index = s.index.lock();
    let n = index.len();
    let nodes = xa_nodes(&index);
    writeln!(f, "entries: {n}")?;
    writeln!(f, "xa_nodes: {nodes}")?;
    writeln!(f, "xa_node_bytes: {}", layout::XA_NODE_BYTES)?;
    writeln!(f, "xarray_bytes: {}", nodes * layout::XA_NODE_BYTES)?;
    match index.cursor_back() {
        Some(c) => {
            let max = *c.current().0;
            writeln!(f, "max_index: {max}")?;
            let slot = core::mem::size_of::<usize>();
            match max.checked_add(1).and_then(|m| m.checked_mul(slot)) {
                Some(b) => writeln!(f, "flat_array_bytes: {b}"),
                None => writeln!(f, "flat_array_bytes: more than 2^64"),
            }
        }
        None => writeln!(f, "max_index: -\nflat_array_bytes: 0"),
    }
}

static XA_FILES: [FileSpec<Xa>; 3] = [
    FileSpec {
        name: c"control",
        show: |_, f| XA.help(f),
        size_hint: one_page,
        write: Some(&XA),
    },
    FileSpec {
        name: c"dump",
        show: xa_dump,
        size_hint: |s| s.index.lock().len() * 42 + 64,
        write: None,
    },
    FileSpec {
        name: c"stats",
        show: xa_stats,
        size_hint: one_page,
        write: None,
    },
];

// ---------------------------------------------------------------------------------------------
// bitmap

/// Bits of the large bitmap.
const BIG_BITS: usize = 1 << 16;

#[pin_data]
struct Bm {
    /// `cpus` (as many bits as `nr_cpu_ids`, like a cpumask) and `big`.
    #[pin]
    maps: Mutex<[BitmapVec; 2]>,
}

/// The bits of `cpus`: `nr_cpu_ids`, like a cpumask.
fn last_cpu_bit() -> u64 {
    u64::from(kernel::cpu::nr_cpu_ids()).saturating_sub(1)
}

/// A bit of `cpus` and of `big`.
const CPU_BIT: Arg = Arg::uint_to("BIT", 0, last_cpu_bit);
const BIG_BIT: Arg = Arg::uint("BIT", 0, BIG_BITS as u64 - 1);

static BM: Table<Bm> = Table {
    file: "ds/bitmap/control",
    commands: &[
        Command {
            verb: &["set", "cpus"],
            args: &[CPU_BIT],
            help: "__set_bit() in cpus (nr_cpu_ids bits)",
            run: |s, v| bm_bit(s, v, 0, true),
        },
        Command {
            verb: &["set", "big"],
            args: &[BIG_BIT],
            help: "__set_bit() in big (65536 bits)",
            run: |s, v| bm_bit(s, v, 1, true),
        },
        Command {
            verb: &["clear", "cpus"],
            args: &[CPU_BIT],
            help: "__clear_bit()",
            run: |s, v| bm_bit(s, v, 0, false),
        },
        Command {
            verb: &["clear", "big"],
            args: &[BIG_BIT],
            help: "__clear_bit()",
            run: |s, v| bm_bit(s, v, 1, false),
        },
        Command {
            verb: &["zero", "cpus"],
            args: &[],
            help: "clear every bit",
            run: |s, _| bm_zero(s, 0),
        },
        Command {
            verb: &["zero", "big"],
            args: &[],
            help: "clear every bit",
            run: |s, _| bm_zero(s, 1),
        },
    ],
};

/// Sets or clears bit argument 0 of map `m` (0: `cpus`, 1: `big`).
fn bm_bit(s: &Bm, v: &Values<'_>, m: usize, set: bool) -> Result {
    let bit = v.uint(0)?;
    let mut maps = s.maps.lock();
    let map = maps.get_mut(m).ok_or(EINVAL)?;
    // The table checked the range; a map shorter than it (none is) refuses.
    let bit = usize::try_from(bit)
        .ok()
        .filter(|&b| b < map.len())
        .ok_or(EINVAL)?;
    if set {
        map.set_bit(bit);
    } else {
        map.clear_bit(bit);
    }
    Ok(())
}

fn bm_zero(s: &Bm, m: usize) -> Result {
    let mut maps = s.maps.lock();
    let map = maps.get_mut(m).ok_or(EINVAL)?;
    let len = map.len();
    let mut b = 0;
    while let Some(i) = map.next_bit(b) {
        map.clear_bit(i);
        b = i + 1;
        if b >= len {
            break;
        }
    }
    Ok(())
}

/// The set bits of `map` as a list of ranges, like `Cpus_allowed_list` ("0-3,7").
fn write_ranges(f: &mut SeqOut, map: &BitmapVec) -> fmt::Result {
    let mut start = 0;
    let mut first = true;
    while start < map.len() {
        let Some(lo) = map.next_bit(start) else { break };
        let hi = map.next_zero_bit(lo).unwrap_or(map.len()) - 1;
        if !first {
            f.write_char(',')?;
        }
        first = false;
        if lo == hi {
            write!(f, "{lo}")?;
        } else {
            write!(f, "{lo}-{hi}")?;
        }
        start = hi + 1;
    }
    f.write_char('\n')
}

fn bm_dump(s: &Bm, f: &mut SeqOut) -> fmt::Result {
    let maps = s.maps.lock();
    for (name, map) in [("cpus", &maps[0]), ("big", &maps[1])] {
        write!(f, "{name}: ")?;
        write_ranges(f, map)?;
    }
    Ok(())
}

fn bm_stats(s: &Bm, f: &mut SeqOut) -> fmt::Result {
    let maps = s.maps.lock();
    for (name, map) in [("cpus", &maps[0]), ("big", &maps[1])] {
        let mut weight = 0;
        let mut b = 0;
        while let Some(i) = map.next_bit(b) {
            weight += 1;
            b = i + 1;
            if b >= map.len() {
                break;
            }
        }
        let opt = |o: Option<usize>| o.map_or(-1, |v| v as i64);
        writeln!(
            f,
            "{name}: bits {} weight {weight} first_set {} first_zero {} last_set {} bytes {}",
            map.len(),
            opt(map.next_bit(0)),
            opt(map.next_zero_bit(0)),
            opt(map.last_bit()),
            map.len().div_ceil(usize::BITS as usize) * core::mem::size_of::<usize>()
        )?;
    }
    Ok(())
}

static BM_FILES: [FileSpec<Bm>; 3] = [
    FileSpec {
        name: c"control",
        show: |_, f| BM.help(f),
        size_hint: one_page,
        write: Some(&BM),
    },
    FileSpec {
        name: c"dump",
        show: bm_dump,
        size_hint: |_| 8192,
        write: None,
    },
    FileSpec {
        name: c"stats",
        show: bm_stats,
        size_hint: one_page,
        write: None,
    },
];

// ---------------------------------------------------------------------------------------------
// bench: Rust against the C twins

#[pin_data]
struct Bench {
    /// Locked only to add or read results, never while a benchmark runs.
    #[pin]
    results: Mutex<KVec<bench::Figure>>,
    /// A benchmark running.
    busy: work::Busy,
}

/// The most lines `results` holds (`ENOSPC` beyond; `clear` forgets them).
const BENCH_RESULTS_MAX: usize = 1024;

static BENCH: Table<Bench> = Table {
    file: "ds/bench/control",
    commands: &[
        Command {
            verb: &["rbtree"],
            args: &[
                Arg::uint("NNODES", 1, work::BENCH_N_MAX),
                Arg::uint("LOOPS", 1, work::RBTREE_WORK_MAX),
                Arg::uint("SEED", 0, u64::MAX),
            ],
            help: "lib/rbtree_test.c's test 1 and 3: NNODES keys from seed SEED; \
                   NNODES*LOOPS at most 1048576",
            run: |s, v| {
                let (n, loops) = (v.uint(0)?, v.uint(1)?);
                let _running = bench_start(s, v, n, loops, work::RBTREE_WORK_MAX)?;
                bench_add(s, bench::rbtree(n as u32, loops as u32, v.uint(2)?)?)
            },
        },
        Command {
            verb: &["xarray"],
            args: &[
                Arg::uint("N", 1, work::BENCH_N_MAX),
                Arg::uint("LOOPS", 0, work::XARRAY_WORK_MAX),
            ],
            help: "store N values, load each LOOPS times, erase them; N*LOOPS at most 262144",
            run: |s, v| {
                let (n, loops) = (v.uint(0)?, v.uint(1)?);
                let _running = bench_start(s, v, n, loops, work::XARRAY_WORK_MAX)?;
                bench_add(s, bench::xarray(n as u32, loops as u32)?)
            },
        },
        Command {
            verb: &["clear"],
            args: &[],
            help: "forget the results",
            run: |s, v| {
                s.busy.check(v)?;
                s.results.lock().clear();
                Ok(())
            },
        },
    ],
};

/// Starts a benchmark of `n * loops` operations: `ENOSPC` beyond `max` or when `results` is
/// full, `EBUSY` while another one runs.
fn bench_start<'a>(
    s: &'a Bench,
    v: &Values<'_>,
    n: u64,
    loops: u64,
    max: u64,
) -> Result<work::Running<'a>> {
    if !matches!(n.checked_mul(loops), Some(ops) if ops <= max) {
        return Err(v.refuse_with(ENOSPC, format_args!("more than {max} operations")));
    }
    let running = s.busy.start(v)?;
    if s.results.lock().len() > BENCH_RESULTS_MAX - 4 {
        return Err(v.refuse_with(
            ENOSPC,
            format_args!("results are full ({BENCH_RESULTS_MAX} lines)"),
        ));
    }
    Ok(running)
}

/// Adds a run's figures to the results.
fn bench_add(s: &Bench, figures: impl IntoIterator<Item = bench::Figure>) -> Result {
    let mut res = s.results.lock();
    for f in figures {
        res.push(f, GFP_KERNEL)?;
    }
    Ok(())
}

fn bench_results(s: &Bench, f: &mut SeqOut) -> fmt::Result {
    writeln!(
        f,
        "{:<46} {:>14} {:>14} {:>7}",
        "workload", "rust_cycles", "c_cycles", "rust/c"
    )?;
    for r in s.results.lock().iter() {
        let ratio = ratio(r.rust, r.c, 1000);
        writeln!(
            f,
            "{:<46} {:>14} {:>14} {:>3}.{:03}",
            r.name,
            r.rust,
            r.c,
            ratio / 1000,
            ratio % 1000
        )?;
    }
    Ok(())
}

static BENCH_FILES: [FileSpec<Bench>; 2] = [
    FileSpec {
        name: c"control",
        show: |_, f| BENCH.help(f),
        size_hint: one_page,
        write: Some(&BENCH),
    },
    FileSpec {
        name: c"results",
        show: bench_results,
        size_hint: one_page,
        write: None,
    },
];

// ---------------------------------------------------------------------------------------------

struct ProclabDs {
    _rb: Files<Rb>,
    _cfs: Files<Cfs>,
    _list: Files<Lst>,
    _hl: Files<Hl>,
    _xa: Files<Xa>,
    _bm: Files<Bm>,
    _bench: Files<Bench>,
    _dir: Arc<Dir>,
}

impl kernel::Module for ProclabDs {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        if cap() > MAX_ELEMENTS_LIMIT {
            pr_err!("max_elements is at most {MAX_ELEMENTS_LIMIT}\n");
            return Err(EINVAL);
        }
        let dir = Dir::new(Root::get(), c"ds")?;
        let cpus = kernel::cpu::nr_cpu_ids() as usize;
        let table = hlist::HashTable::new(HASH_BITS)?;
        let maps = [
            BitmapVec::new(cpus, GFP_KERNEL)?,
            BitmapVec::new(BIG_BITS, GFP_KERNEL)?,
        ];
        Ok(ProclabDs {
            _rb: Files::new_in(
                &dir,
                c"rbtree",
                try_pin_init!(Rb {
                    tree <- new_mutex!(cfs::Counted::new()),
                    busy: work::Busy::new(),
                }),
                &RB_FILES,
            )?,
            _cfs: Files::new_in(
                &dir,
                c"cfs",
                try_pin_init!(Cfs {
                    rq <- new_mutex!(cfs::RunQueue::new(3_000_000)),
                    busy: work::Busy::new(),
                }),
                &CFS_FILES,
            )?,
            _list: Files::new_in(
                &dir,
                c"list",
                try_pin_init!(Lst { list <- new_mutex!((List::new(), 0)) }),
                &LIST_FILES,
            )?,
            _hl: Files::new_in(
                &dir,
                c"hlist",
                try_pin_init!(Hl { table <- new_mutex!(table) }),
                &HL_FILES,
            )?,
            _xa: Files::new_in(
                &dir,
                c"xarray",
                try_pin_init!(Xa { xa <- XArray::new(AllocKind::Alloc), index <- new_mutex!(cfs::Counted::new()) }),
                &XA_FILES,
            )?,
            _bm: Files::new_in(
                &dir,
                c"bitmap",
                try_pin_init!(Bm { maps <- new_mutex!(maps) }),
                &BM_FILES,
            )?,
            _bench: Files::new_in(
                &dir,
                c"bench",
                try_pin_init!(Bench {
                    results <- new_mutex!(KVec::new()),
                    busy: work::Busy::new(),
                }),
                &BENCH_FILES,
            )?,
            _dir: dir,
        })
    }
}
