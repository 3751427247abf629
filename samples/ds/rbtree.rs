// SPDX-License-Identifier: GPL-2.0

//! `ds/rbtree/`: a set of 64-bit keys in a red-black tree (`kernel::rbtree::RBTree`), filled
//! and emptied at random, with its height set against the red-black bound.

use core::fmt::{self, Write};
use kernel::prelude::*;

use crate::cmd::{Arg, Command, Table, Values};
use crate::debugfs::{FileSpec, SeqOut};
use crate::demo::{control_dump_stats, full, Demo, Structure, KEY};
use crate::layout::RB_NODE_BYTES;
use crate::prng::Prandom;
use crate::tree::{height_bound, CountedTree, Key};
use crate::work;

/// The keys, each a [`Key`] of id 0. `fill`, `erase-random` and `clear` are long commands.
pub(crate) type KeySet = CountedTree<Key, ()>;

impl Structure for KeySet {
    const FILES: &'static [FileSpec<Demo<Self>>] =
        &control_dump_stats(&COMMANDS, dump, |keys| keys.lock().len() * 21 + 64, stats);
}

/// How many keys `fill` inserts or `erase-random` erases; the seed that picks them.
const HOW_MANY: Arg = Arg::uint("N", 0, work::FILL_MAX);
const SEED: Arg = Arg::uint("SEED", 0, u64::MAX);

static COMMANDS: Table<Demo<KeySet>> = Table {
    file: "ds/rbtree/control",
    commands: &[
        Command {
            verb: &["insert"],
            args: &[KEY],
            help: "insert KEY; EEXIST if it is there",
            run: insert,
        },
        Command {
            verb: &["erase"],
            args: &[KEY],
            help: "erase KEY; ENOENT if it is not there",
            run: erase,
        },
        Command {
            verb: &["fill"],
            args: &[HOW_MANY, SEED],
            help: "insert N pseudo-random 32-bit keys (prandom_u32_state(), seed SEED)",
            run: fill,
        },
        Command {
            verb: &["erase-random"],
            args: &[HOW_MANY, SEED],
            help: "erase N of the keys, chosen pseudo-randomly",
            run: erase_random,
        },
        Command {
            verb: &["clear"],
            args: &[],
            help: "erase everything, 1024 keys at a time",
            run: clear,
        },
    ],
};

fn insert(keys: &Demo<KeySet>, args: &Values<'_>) -> Result {
    let mut tree = keys.lock_for(args)?;
    let key = Key::new(args.uint(0)?, 0);
    if tree.get(&key).is_some() {
        let why = format_args!("key {} is already there", key.value);
        return Err(args.refuse_with(EEXIST, why));
    }
    if tree.len() >= crate::max_elements() {
        return Err(full(args, "keys"));
    }
    tree.insert(key, ())
}

fn erase(keys: &Demo<KeySet>, args: &Values<'_>) -> Result {
    let mut tree = keys.lock_for(args)?;
    let key = Key::new(args.uint(0)?, 0);
    match tree.remove(&key) {
        Some(()) => Ok(()),
        None => Err(args.refuse_with(ENOENT, format_args!("no key {}", key.value))),
    }
}

/// A long command (see [`work`]).
fn fill(keys: &Demo<KeySet>, args: &Values<'_>) -> Result {
    let _running = keys.start(args)?;
    let n = args.uint(0)? as usize;
    let seed = args.uint(1)?;
    let mut tree = keys.lock();
    let have = tree.len();
    let max = crate::max_elements();
    if n > max.saturating_sub(have) {
        let why = format_args!("{have} + {n} keys is more than {max}");
        return Err(args.refuse_with(ENOSPC, why));
    }
    let mut random = Prandom::new(seed);
    let mut added = 0;
    while added < n {
        // Interrupted, the keys inserted so far stay. The lock is dropped between chunks, so a
        // reader waits for one chunk, not for the whole fill (only readers come in between).
        if added % work::KEYS_PER_LOCK == 0 {
            drop(tree);
            work::interrupted()?;
            tree = keys.lock();
        }
        let key = Key::new(random.next_u32().into(), 0);
        if tree.get(&key).is_none() {
            tree.insert(key, ())?;
            added += 1;
        }
    }
    Ok(())
}

/// A long command (see [`work`]).
fn erase_random(keys: &Demo<KeySet>, args: &Values<'_>) -> Result {
    let _running = keys.start(args)?;
    let n = args.uint(0)? as usize;
    let seed = args.uint(1)?;
    let mut tree = keys.lock();
    if n > tree.len() {
        let why = format_args!("only {} keys to erase", tree.len());
        return Err(args.refuse_with(ENOENT, why));
    }
    let mut shuffled = KVVec::with_capacity(tree.len(), GFP_KERNEL)?;
    for key in tree.keys() {
        shuffled.push(key.clone(), GFP_KERNEL)?;
    }
    // A partial Fisher-Yates shuffle picks n distinct keys.
    let mut random = Prandom::new(seed);
    let len = shuffled.len();
    for i in 0..n {
        // Interrupted, the keys erased so far stay erased; the lock as in `fill()`.
        if i % work::KEYS_PER_LOCK == 0 {
            drop(tree);
            work::interrupted()?;
            tree = keys.lock();
        }
        let ahead = (random.next_u32() as usize).checked_rem(len - i);
        shuffled.swap(i, i + ahead.unwrap_or(0));
        tree.remove(&shuffled[i]);
    }
    Ok(())
}

/// A long command (see [`work`]): a tree of up to `max_elements` keys frees a node per key,
/// seconds on the debug kernel under emulation, so the nodes go a chunk at a time with the lock
/// dropped in between. Interrupted, the keys freed so far stay freed.
fn clear(keys: &Demo<KeySet>, args: &Values<'_>) -> Result {
    let _running = keys.start(args)?;
    loop {
        work::interrupted()?;
        let mut tree = keys.lock();
        for _ in 0..work::KEYS_PER_LOCK {
            if tree.pop_front().is_none() {
                return Ok(());
            }
        }
    }
}

/// The keys, in order. They are copied under the lock (8 bytes a key) and printed after it is
/// dropped: a `fill`, `erase-random` or `clear` waits for the copy, not for the formatting of up
/// to `max_elements` lines, which on the debug kernel under emulation takes seconds.
fn dump(keys: &Demo<KeySet>, f: &mut SeqOut) -> fmt::Result {
    let values = {
        let tree = keys.lock();
        let mut values = KVVec::with_capacity(tree.len(), GFP_KERNEL).map_err(|_| fmt::Error)?;
        for key in tree.keys() {
            values.push(key.value, GFP_KERNEL).map_err(|_| fmt::Error)?;
        }
        values
    };
    for value in values.iter() {
        writeln!(f, "{value}")?;
    }
    Ok(())
}

fn stats(keys: &Demo<KeySet>, f: &mut SeqOut) -> fmt::Result {
    let tree = keys.lock();
    let n = tree.len();
    let (height, mean) = tree.height();
    writeln!(f, "keys: {n}")?;
    writeln!(f, "height: {height}")?;
    writeln!(f, "mean_depth: {mean}")?;
    writeln!(f, "height_bound: {}", height_bound(n))?;
    match (tree.cursor_front(), tree.cursor_back()) {
        (Some(lo), Some(hi)) => {
            let (lo, hi) = (lo.current().0.value, hi.current().0.value);
            writeln!(f, "leftmost: {lo}\nrightmost: {hi}")?
        }
        _ => writeln!(f, "leftmost: -\nrightmost: -")?,
    }
    let node_bytes = RB_NODE_BYTES + core::mem::size_of::<Key>();
    writeln!(f, "node_bytes: {node_bytes}")
}
