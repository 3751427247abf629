// SPDX-License-Identifier: GPL-2.0

//! `ds/hlist/`: a hash table of `hlist_head` buckets (`DEFINE_HASHTABLE()`'s shape, through
//! [`crate::hash_table`]), with how full its buckets are and what it saves over `list_head`s.

use core::fmt::{self, Write};
use kernel::prelude::*;

use crate::cmd::{Arg, Command, Table, Values};
use crate::debugfs::{FileSpec, SeqOut};
use crate::demo::{clear, control_dump_stats, full, Clear, Demo, Structure, KEY};
use crate::hash_table::HashTable;
use crate::layout::{HLIST_HEAD_BYTES, HLIST_NODE_BYTES, LIST_HEAD_BYTES};

/// Buckets of the hash table: 2^HASH_BITS.
pub(crate) const HASH_BITS: u32 = 10;

/// The keys, each its own value, in [`HASH_BITS`] buckets.
pub(crate) type KeyTable = HashTable<u64>;

impl Structure for KeyTable {
    const FILES: &'static [FileSpec<Demo<Self>>] = &control_dump_stats(
        &COMMANDS,
        dump,
        |table| table.lock().len() * 21 + 8192,
        stats,
    );
}

static COMMANDS: Table<Demo<KeyTable>> = Table {
    file: "ds/hlist/control",
    commands: &[
        Command {
            verb: &["add"],
            args: &[KEY],
            help: "hlist_add_head() in bucket hash_64(KEY, 10); EEXIST if KEY is there",
            run: add,
        },
        Command {
            verb: &["del"],
            args: &[KEY],
            help: "hlist_del_init(): O(1) through pprev; ENOENT if KEY is not there",
            run: delete,
        },
        Command {
            verb: &["del_multiple"],
            args: &[Arg::uint("N", 1, u64::MAX)],
            help: "delete every key divisible by N (hlist_for_each_entry_safe)",
            run: |table, args| {
                let n = args.uint(0)?;
                let multiple = |key: u64| key.checked_rem(n) == Some(0);
                table.lock_for(args)?.retain(|key, _| !multiple(key));
                Ok(())
            },
        },
        Command {
            verb: &["clear"],
            args: &[],
            help: "delete everything",
            run: clear,
        },
    ],
};

fn add(table: &Demo<KeyTable>, args: &Values<'_>) -> Result {
    let key = args.uint(0)?;
    let mut table = table.lock_for(args)?;
    if table.len() >= crate::max_elements() {
        return Err(full(args, "keys"));
    }
    table
        .insert(key, key)
        .map_err(|e| args.refuse_with(e, format_args!("key {key} is already there")))
}

fn delete(table: &Demo<KeyTable>, args: &Values<'_>) -> Result {
    let key = args.uint(0)?;
    match table.lock_for(args)?.remove(key) {
        Some(_) => Ok(()),
        None => Err(args.refuse_with(ENOENT, format_args!("no key {key}"))),
    }
}

impl Clear for KeyTable {
    fn clear(&mut self) {
        self.retain(|_, _| false);
    }
}

/// The buckets that hold keys, one a line: `BUCKET: KEY...`.
fn dump(table: &Demo<KeyTable>, f: &mut SeqOut) -> fmt::Result {
    let table = table.lock();
    for bucket in 0..table.buckets() {
        let mut keys = table.bucket(bucket).peekable();
        if keys.peek().is_none() {
            continue;
        }
        write!(f, "{bucket}:")?;
        for (key, _) in keys {
            write!(f, " {key}")?;
        }
        f.write_char('\n')?;
    }
    Ok(())
}

fn stats(table: &Demo<KeyTable>, f: &mut SeqOut) -> fmt::Result {
    let table = table.lock();
    let buckets = table.buckets();
    let (mut used, mut longest) = (0, 0);
    for bucket in 0..buckets {
        let n = table.bucket(bucket).count();
        used += usize::from(n > 0);
        longest = longest.max(n);
    }
    writeln!(f, "keys: {}", table.len())?;
    writeln!(f, "buckets: {buckets}")?;
    writeln!(f, "buckets_used: {used}")?;
    writeln!(f, "longest_chain: {longest}")?;
    writeln!(f, "hlist_head_bytes: {HLIST_HEAD_BYTES}")?;
    writeln!(f, "hlist_node_bytes: {HLIST_NODE_BYTES}")?;
    writeln!(f, "bucket_array_bytes: {}", HLIST_HEAD_BYTES * buckets)?;
    writeln!(f, "as_list_head_bytes: {}", LIST_HEAD_BYTES * buckets)
}
