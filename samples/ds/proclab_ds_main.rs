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
    uaccess::UserSliceReader,
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
mod live;
mod prng;
// Shared with proclab_tasks, which uses all of it; the live view reads a few fields.
#[allow(dead_code)]
#[path = "../../rust/proclab/task.rs"]
mod task;

use cmd::Args;
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
            description: "The most elements one structure may hold (ENOSPC beyond)",
        },
    },
}

fn cap() -> usize {
    module_parameters::max_elements.value() as usize
}

// ---------------------------------------------------------------------------------------------
// rbtree: keys in a red-black tree

#[pin_data]
struct Rb {
    #[pin]
    tree: Mutex<cfs::Counted<cfs::Key, ()>>,
}

const RB: &str = "ds/rbtree/control";
const RB_HELP: &str = "\
commands (one per write):
  insert KEY            insert KEY (0..2^64-1); EEXIST if it is there
  erase KEY             erase KEY; ENOENT if it is not there
  fill N SEED           insert N pseudo-random 32-bit keys (prandom_u32_state(), seed SEED)
  erase-random N SEED   erase N of the keys, chosen pseudo-randomly
  clear                 erase everything
";

fn rb_key(k: u64) -> cfs::Key {
    cfs::Key { vruntime: k, id: 0 }
}

fn rb_write(s: &Rb, r: &mut UserSliceReader) -> Result {
    cmd::run(r, RB, |a| {
        let verb = a.word("command")?;
        let mut tree = s.tree.lock();
        match verb {
            "insert" => {
                let k = rb_key(a.uint("key", u64::MAX)?);
                a.end()?;
                if tree.get(&k).is_some() {
                    return Err(cmd::refuse_with(
                        RB,
                        EEXIST,
                        format_args!("key {} is already there", k.vruntime),
                    ));
                }
                if tree.len() >= cap() {
                    return Err(cmd::refuse_with(
                        RB,
                        ENOSPC,
                        format_args!("full ({} keys)", cap()),
                    ));
                }
                tree.insert(k, ())?;
            }
            "erase" => {
                let k = rb_key(a.uint("key", u64::MAX)?);
                a.end()?;
                if tree.remove(&k).is_none() {
                    return Err(cmd::refuse_with(
                        RB,
                        ENOENT,
                        format_args!("no key {}", k.vruntime),
                    ));
                }
            }
            "fill" => {
                let n = a.uint("count", cap() as u64)? as usize;
                let seed = a.uint("seed", u64::MAX)?;
                a.end()?;
                let have = tree.len();
                if have + n > cap() {
                    return Err(cmd::refuse_with(
                        RB,
                        ENOSPC,
                        format_args!("{have} + {n} keys is more than {}", cap()),
                    ));
                }
                let mut rnd = prng::Prandom::new(seed);
                let mut added = 0;
                while added < n {
                    let k = rb_key(rnd.next_u32().into());
                    if tree.get(&k).is_none() {
                        tree.insert(k, ())?;
                        added += 1;
                    }
                }
            }
            "erase-random" => {
                let n = a.uint("count", cap() as u64)? as usize;
                let seed = a.uint("seed", u64::MAX)?;
                a.end()?;
                let mut keys = KVec::with_capacity(tree.len(), GFP_KERNEL)?;
                for k in tree.keys() {
                    keys.push(*k, GFP_KERNEL)?;
                }
                if n > keys.len() {
                    return Err(cmd::refuse_with(
                        RB,
                        ENOENT,
                        format_args!("only {} keys to erase", keys.len()),
                    ));
                }
                // A partial Fisher-Yates shuffle picks n distinct keys.
                let mut rnd = prng::Prandom::new(seed);
                let len = keys.len();
                for i in 0..n {
                    let j = i + (rnd.next_u32() as usize).checked_rem(len - i).unwrap_or(0);
                    keys.swap(i, j);
                    tree.remove(&keys[i]);
                }
            }
            "clear" => {
                a.end()?;
                tree.clear();
            }
            _ => return Err(a.refuse(format_args!("unknown command '{verb}'"))),
        }
        Ok(())
    })
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
    writeln!(
        f,
        "node_bytes: {}",
        core::mem::size_of::<kernel::bindings::rb_node>() + core::mem::size_of::<cfs::Key>()
    )
}

static RB_FILES: [FileSpec<Rb>; 3] = [
    FileSpec {
        name: c"control",
        show: |_, f| f.write_str(RB_HELP),
        size_hint: one_page,
        write: Some(rb_write),
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
}

const CFS: &str = "ds/cfs/control";
const CFS_HELP: &str = "\
commands (one per write):
  add NICE              a new entity at nice NICE (-20..19), placed at min_vruntime
  remove ID             take entity ID off the run queue
  run K                 run K slices: the leftmost runs, its vruntime grows by slice*1024/weight
  slice NS              the slice length in ns (default 3000000)
  clear                 an empty run queue, the clock back at 0
";

fn cfs_write(s: &Cfs, r: &mut UserSliceReader) -> Result {
    cmd::run(r, CFS, |a| {
        let verb = a.word("command")?;
        let mut rq = s.rq.lock();
        match verb {
            "add" => {
                let nice = a.int("nice value", -20, 19)? as i32;
                a.end()?;
                if rq.tree.len() >= cap() {
                    return Err(cmd::refuse_with(
                        CFS,
                        ENOSPC,
                        format_args!("full ({} entities)", cap()),
                    ));
                }
                rq.add(nice)?;
            }
            "remove" => {
                let id = a.uint("entity id", u32::MAX.into())? as u32;
                a.end()?;
                rq.remove(id)
                    .map_err(|e| cmd::refuse_with(CFS, e, format_args!("no entity {id}")))?;
            }
            "run" => {
                let k = a.uint("slices", 1_000_000)?;
                a.end()?;
                rq.run(k);
            }
            "slice" => {
                let ns = a.uint("slice in ns", 1_000_000_000)?;
                a.end()?;
                if ns == 0 {
                    return Err(a.refuse(format_args!("a slice of 0 ns")));
                }
                rq.slice_ns = ns;
            }
            "clear" => {
                a.end()?;
                let slice = rq.slice_ns;
                *rq = cfs::RunQueue::new(slice);
            }
            _ => return Err(a.refuse(format_args!("unknown command '{verb}'"))),
        }
        Ok(())
    })
}

/// A share in hundredths of a percent.
fn share(x: u64, total: u64) -> u64 {
    (x * 10000).checked_div(total).unwrap_or(0)
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
        show: |_, f| f.write_str(CFS_HELP),
        size_hint: one_page,
        write: Some(cfs_write),
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

const LIST: &str = "ds/list/control";
const LIST_HELP: &str = "\
commands (one per write):
  add V                 list_add(): V at the head (a stack, LIFO)
  add_tail V            list_add_tail(): V at the tail (a queue, FIFO)
  pop                   take the head off
  del V                 delete the first element equal to V; ENOENT if none
  del_multiple N        delete, while walking the list, every element divisible by N
                        (list_for_each_entry_safe)
  clear                 delete everything
";

fn item(value: i64) -> Result<ListArc<Item>> {
    ListArc::pin_init(
        try_pin_init!(Item { value, links <- ListLinks::new() }),
        GFP_KERNEL,
    )
}

fn list_write(s: &Lst, r: &mut UserSliceReader) -> Result {
    cmd::run(r, LIST, |a| {
        let verb = a.word("command")?;
        match verb {
            "add" | "add_tail" => {
                let v = a.int("value", i64::MIN / 10, i64::MAX / 10)?;
                a.end()?;
                // Allocated before the lock is taken.
                let it = item(v)?;
                let mut l = s.list.lock();
                if l.1 >= cap() {
                    return Err(cmd::refuse_with(
                        LIST,
                        ENOSPC,
                        format_args!("full ({} elements)", cap()),
                    ));
                }
                if verb == "add" {
                    l.0.push_front(it);
                } else {
                    l.0.push_back(it);
                }
                l.1 += 1;
            }
            "pop" => {
                a.end()?;
                let mut l = s.list.lock();
                if l.0.pop_front().is_none() {
                    return Err(cmd::refuse_with(
                        LIST,
                        ENOENT,
                        format_args!("the list is empty"),
                    ));
                }
                l.1 -= 1;
            }
            "del" | "del_multiple" => {
                let v = a.int("value", i64::MIN / 10, i64::MAX / 10)?;
                a.end()?;
                if verb == "del_multiple" && v == 0 {
                    return Err(a.refuse(format_args!("divisible by 0")));
                }
                let mut l = s.list.lock();
                let mut removed = 0;
                {
                    // The cursor sits between elements: removing the next one is the `_safe`
                    // walk's "keep the next pointer before freeing this one".
                    let mut c = l.0.cursor_front();
                    while let Some(next) = c.peek_next() {
                        let hit = if verb == "del" {
                            next.value == v
                        } else {
                            next.value.checked_rem(v) == Some(0)
                        };
                        if hit {
                            drop(next.remove());
                            removed += 1;
                            if verb == "del" {
                                break;
                            }
                        } else {
                            c.move_next();
                        }
                    }
                }
                l.1 -= removed;
                if verb == "del" && removed == 0 {
                    return Err(cmd::refuse_with(
                        LIST,
                        ENOENT,
                        format_args!("no element {v}"),
                    ));
                }
            }
            "clear" => {
                a.end()?;
                let mut l = s.list.lock();
                *l = (List::new(), 0);
            }
            _ => return Err(a.refuse(format_args!("unknown command '{verb}'"))),
        }
        Ok(())
    })
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
    writeln!(
        f,
        "c_list_head_bytes: {}",
        core::mem::size_of::<kernel::bindings::list_head>()
    )
}

static LIST_FILES: [FileSpec<Lst>; 3] = [
    FileSpec {
        name: c"control",
        show: |_, f| f.write_str(LIST_HELP),
        size_hint: one_page,
        write: Some(list_write),
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

const HL: &str = "ds/hlist/control";
const HL_HELP: &str = "\
commands (one per write):
  add KEY               hlist_add_head() in bucket hash_64(KEY, 10); EEXIST if KEY is there
  del KEY               hlist_del_init(): O(1) through pprev; ENOENT if KEY is not there
  del_multiple N        delete every key divisible by N (hlist_for_each_entry_safe)
  clear                 delete everything
";

fn hl_write(s: &Hl, r: &mut UserSliceReader) -> Result {
    cmd::run(r, HL, |a| {
        let verb = a.word("command")?;
        let mut t = s.table.lock();
        match verb {
            "add" => {
                let k = a.uint("key", u64::MAX)?;
                a.end()?;
                if t.len() >= cap() {
                    return Err(cmd::refuse_with(
                        HL,
                        ENOSPC,
                        format_args!("full ({} keys)", cap()),
                    ));
                }
                t.insert(k, k).map_err(|e| {
                    cmd::refuse_with(HL, e, format_args!("key {k} is already there"))
                })?;
            }
            "del" => {
                let k = a.uint("key", u64::MAX)?;
                a.end()?;
                if t.remove(k).is_none() {
                    return Err(cmd::refuse_with(HL, ENOENT, format_args!("no key {k}")));
                }
            }
            "del_multiple" => {
                let n = a.uint("divisor", u64::MAX)?;
                a.end()?;
                if n == 0 {
                    return Err(a.refuse(format_args!("divisible by 0")));
                }
                t.retain(|k, _| k.checked_rem(n) != Some(0));
            }
            "clear" => {
                a.end()?;
                t.retain(|_, _| false);
            }
            _ => return Err(a.refuse(format_args!("unknown command '{verb}'"))),
        }
        Ok(())
    })
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
    let head = core::mem::size_of::<kernel::bindings::hlist_head>();
    let lhead = core::mem::size_of::<kernel::bindings::list_head>();
    writeln!(f, "keys: {}", t.len())?;
    writeln!(f, "buckets: {}", t.buckets())?;
    writeln!(f, "buckets_used: {used}")?;
    writeln!(f, "longest_chain: {longest}")?;
    writeln!(f, "hlist_head_bytes: {head}")?;
    writeln!(
        f,
        "hlist_node_bytes: {}",
        core::mem::size_of::<kernel::bindings::hlist_node>()
    )?;
    writeln!(f, "bucket_array_bytes: {}", head * t.buckets())?;
    writeln!(f, "as_list_head_bytes: {}", lhead * t.buckets())
}

static HL_FILES: [FileSpec<Hl>; 3] = [
    FileSpec {
        name: c"control",
        show: |_, f| f.write_str(HL_HELP),
        size_hint: one_page,
        write: Some(hl_write),
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

const XA: &str = "ds/xarray/control";
const XA_HELP: &str = "\
commands (one per write):
  store INDEX VALUE     xa_store(): VALUE at INDEX (0..ULONG_MAX), replacing what was there
  erase INDEX           xa_erase(); ENOENT if INDEX holds nothing
  clear                 erase everything
";

fn xa_write(s: &Xa, r: &mut UserSliceReader) -> Result {
    cmd::run(r, XA, |a| {
        let verb = a.word("command")?;
        match verb {
            "store" => {
                let i = a.uint("index", usize::MAX as u64)? as usize;
                let v = a.uint("value", u64::MAX)?;
                a.end()?;
                let mut index = s.index.lock();
                let new = index.get(&i).is_none();
                if new && index.len() >= cap() {
                    return Err(cmd::refuse_with(
                        XA,
                        ENOSPC,
                        format_args!("full ({} entries)", cap()),
                    ));
                }
                let node = if new {
                    Some(kernel::rbtree::RBTreeNode::new(i, (), GFP_KERNEL)?)
                } else {
                    None
                };
                let value = KBox::new(v, GFP_KERNEL)?;
                s.xa.lock()
                    .store(i, value, GFP_KERNEL)
                    .map_err(|e| e.error)?;
                if let Some(node) = node {
                    index.insert_node(node);
                }
            }
            "erase" => {
                let i = a.uint("index", usize::MAX as u64)? as usize;
                a.end()?;
                let mut index = s.index.lock();
                if s.xa.lock().remove(i).is_none() {
                    return Err(cmd::refuse_with(
                        XA,
                        ENOENT,
                        format_args!("index {i} holds nothing"),
                    ));
                }
                index.remove(&i);
            }
            "clear" => {
                a.end()?;
                let mut index = s.index.lock();
                let mut xa = s.xa.lock();
                for i in index.keys() {
                    drop(xa.remove(*i));
                }
                drop(xa);
                index.clear();
            }
            _ => return Err(a.refuse(format_args!("unknown command '{verb}'"))),
        }
        Ok(())
    })
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

/// The `xa_node`s an XArray needs for `indices` (ascending): a node covers 64 slots
/// (`XA_CHUNK_SHIFT` 6) per level, and a lone index 0 lives in the head without a node.
fn xa_nodes(indices: &RBTree<usize, ()>) -> usize {
    let Some(max) = indices.cursor_back().map(|c| *c.current().0) else {
        return 0;
    };
    let mut levels = 0;
    while levels < 11 && (max >> (6 * levels)) > 0 {
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
            let p = if 6 * l >= usize::BITS as usize {
                0
            } else {
                i >> (6 * l)
            };
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
    writeln!(f, "xa_node_bytes: 576")?;
    writeln!(f, "xarray_bytes: {}", nodes * 576)?;
    match index.cursor_back() {
        Some(c) => {
            let max = *c.current().0;
            writeln!(f, "max_index: {max}")?;
            match max.checked_add(1).and_then(|m| m.checked_mul(8)) {
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
        show: |_, f| f.write_str(XA_HELP),
        size_hint: one_page,
        write: Some(xa_write),
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

const BM: &str = "ds/bitmap/control";
const BM_HELP: &str = "\
commands (one per write):
  set MAP BIT           __set_bit() in MAP (cpus: nr_cpu_ids bits, big: 65536 bits)
  clear MAP BIT         __clear_bit()
  zero MAP              clear every bit
";

fn bm_index(a: &mut Args<'_>) -> Result<usize> {
    match a.word("map (cpus or big)")? {
        "cpus" => Ok(0),
        "big" => Ok(1),
        m => Err(a.refuse(format_args!("no bitmap '{m}'"))),
    }
}

fn bm_write(s: &Bm, r: &mut UserSliceReader) -> Result {
    cmd::run(r, BM, |a| {
        let verb = a.word("command")?;
        let mut maps = s.maps.lock();
        match verb {
            "set" | "clear" => {
                let m = bm_index(a)?;
                let len = maps[m].len();
                let bit = a.uint("bit", len as u64 - 1)? as usize;
                a.end()?;
                if verb == "set" {
                    maps[m].set_bit(bit);
                } else {
                    maps[m].clear_bit(bit);
                }
            }
            "zero" => {
                let m = bm_index(a)?;
                a.end()?;
                let len = maps[m].len();
                let mut b = 0;
                while let Some(i) = maps[m].next_bit(b) {
                    maps[m].clear_bit(i);
                    b = i + 1;
                    if b >= len {
                        break;
                    }
                }
            }
            _ => return Err(a.refuse(format_args!("unknown command '{verb}'"))),
        }
        Ok(())
    })
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
        show: |_, f| f.write_str(BM_HELP),
        size_hint: one_page,
        write: Some(bm_write),
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
    #[pin]
    results: Mutex<KVec<bench::Figure>>,
}

const BENCH: &str = "ds/bench/control";
const BENCH_HELP: &str = "\
commands (one per write; each runs the benchmark and adds its lines to results):
  rbtree NNODES LOOPS SEED   lib/rbtree_test.c's test 1 and 3: NNODES keys from seed SEED
  xarray N LOOPS             store N values, load each LOOPS times, erase them
  clear                      forget the results
";

fn bench_write(s: &Bench, r: &mut UserSliceReader) -> Result {
    cmd::run(r, BENCH, |a| {
        let verb = a.word("command")?;
        let mut res = s.results.lock();
        match verb {
            "rbtree" => {
                let n = a.uint("nnodes", 100_000)? as u32;
                let loops = a.uint("loops", 100_000)? as u32;
                let seed = a.uint("seed", u64::MAX)?;
                a.end()?;
                if n == 0 || loops == 0 {
                    return Err(a.refuse(format_args!("nnodes and loops must be positive")));
                }
                for f in bench::rbtree(n, loops, seed)? {
                    res.push(f, GFP_KERNEL)?;
                }
            }
            "xarray" => {
                let n = a.uint("entries", 1_000_000)? as u32;
                let loops = a.uint("loops", 100_000)? as u32;
                a.end()?;
                if n == 0 {
                    return Err(a.refuse(format_args!("entries must be positive")));
                }
                for f in bench::xarray(n, loops)? {
                    res.push(f, GFP_KERNEL)?;
                }
            }
            "clear" => {
                a.end()?;
                res.clear();
            }
            _ => return Err(a.refuse(format_args!("unknown command '{verb}'"))),
        }
        Ok(())
    })
}

fn bench_results(s: &Bench, f: &mut SeqOut) -> fmt::Result {
    writeln!(
        f,
        "{:<46} {:>14} {:>14} {:>7}",
        "workload", "rust_cycles", "c_cycles", "rust/c"
    )?;
    for r in s.results.lock().iter() {
        let ratio = (r.rust * 1000).checked_div(r.c).unwrap_or(0);
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
        show: |_, f| f.write_str(BENCH_HELP),
        size_hint: one_page,
        write: Some(bench_write),
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
                try_pin_init!(Rb { tree <- new_mutex!(cfs::Counted::new()) }),
                &RB_FILES,
            )?,
            _cfs: Files::new_in(
                &dir,
                c"cfs",
                try_pin_init!(Cfs { rq <- new_mutex!(cfs::RunQueue::new(3_000_000)) }),
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
                try_pin_init!(Bench { results <- new_mutex!(KVec::new()) }),
                &BENCH_FILES,
            )?,
            _dir: dir,
        })
    }
}
