// SPDX-License-Identifier: GPL-2.0

//! `ds/cfs/`: the CFS-style run queue of [`crate::runqueue`] driven by commands (entities
//! added at a nice level, slices run), each entity's share of the CPU set against its weight;
//! and `live`, the real run queues next to the model (see [`crate::live`]).

use core::fmt::{self, Write};
use kernel::prelude::*;

use crate::cmd::{Arg, Command, Table, Values};
use crate::debugfs::{FileSpec, SeqOut};
use crate::demo::{clear, control, full, ratio, Clear, Demo, Structure};
use crate::runqueue::RunQueue;
use crate::tree::height_bound;
use crate::work;

/// The slice length of a new run queue: 3 ms. `clear` keeps the slice length it has.
pub(crate) const DEFAULT_SLICE_NS: u64 = 3_000_000;

impl Structure for RunQueue {
    const FILES: &'static [FileSpec<Demo<Self>>] = &[
        control(&COMMANDS),
        FileSpec::sized(c"dump", dump, |rq| rq.lock().tree.len() * 96 + 128),
        FileSpec::page(c"stats", stats),
        FileSpec::page(c"live", |_, f| crate::live::show(f)),
    ];
}

/// The commands; `run` is a long command.
static COMMANDS: Table<Demo<RunQueue>> = Table {
    file: "ds/cfs/control",
    commands: &[
        Command {
            verb: &["add"],
            args: &[Arg::int("NICE", -20, 19)],
            help: "a new entity at nice NICE, placed at min_vruntime",
            run: add,
        },
        Command {
            verb: &["remove"],
            args: &[Arg::uint("ID", 0, u32::MAX as u64)],
            help: "take entity ID off the run queue",
            run: remove,
        },
        Command {
            verb: &["run"],
            args: &[Arg::uint("K", 0, 1_000_000)],
            help: "run K slices: the leftmost runs, its vruntime grows by slice*1024/weight",
            run,
        },
        Command {
            verb: &["slice"],
            args: &[Arg::uint("NS", 1, 1_000_000_000)],
            help: "the slice length in ns (default 3000000)",
            run: |rq, args| {
                let slice_ns = args.uint(0)?;
                rq.lock_for(args)?.slice_ns = slice_ns;
                Ok(())
            },
        },
        Command {
            verb: &["clear"],
            args: &[],
            help: "an empty run queue, the clock back at 0",
            run: clear,
        },
    ],
};

fn add(rq: &Demo<RunQueue>, args: &Values<'_>) -> Result {
    let nice = args.int(0)? as i32;
    let mut rq = rq.lock_for(args)?;
    if rq.tree.len() >= crate::max_elements() {
        return Err(full(args, "entities"));
    }
    rq.add(nice)
        .map_err(|e| args.refuse_with(e, format_args!("no id left (clear starts over)")))?;
    Ok(())
}

fn remove(rq: &Demo<RunQueue>, args: &Values<'_>) -> Result {
    let id = args.uint(0)? as u32;
    let why = format_args!("no entity {id}");
    rq.lock_for(args)?
        .remove(id)
        .map_err(|e| args.refuse_with(e, why))
}

/// The run queue emptied, its clock back at 0; the slice length stays.
impl Clear for RunQueue {
    fn clear(&mut self) {
        *self = RunQueue::new(self.slice_ns);
    }
}

/// A long command (see [`work`]): `ENOSPC` if it could overflow the model's clock, `EINTR` if a
/// signal stops it (the slices run until then stay run).
fn run(rq: &Demo<RunQueue>, args: &Values<'_>) -> Result {
    let _running = rq.start(args)?;
    let k = args.uint(0)?;
    rq.lock().can_run(k).map_err(|e| {
        let why = format_args!("the clock would pass 2^64-1 ns (clear starts over)");
        args.refuse_with(e, why)
    })?;
    // In chunks, the lock dropped in between: a reader of dump or stats waits for one chunk,
    // not for the whole run. Only readers come in between (other commands get EBUSY), so
    // the check above holds for every chunk.
    let mut left = k;
    while left > 0 {
        let n = left.min(work::SLICES_PER_LOCK);
        rq.lock().run(n)?;
        left -= n;
    }
    Ok(())
}

/// A share in hundredths of a percent.
fn share(x: u64, total: u64) -> u64 {
    ratio(x, total, 10000)
}

fn dump(rq: &Demo<RunQueue>, f: &mut SeqOut) -> fmt::Result {
    let rq = rq.lock();
    let total_weight: u64 = rq.tree.values().map(|e| u64::from(e.weight)).sum();
    writeln!(
        f,
        "  {:>4} {:>4} {:>6} {:>16} {:>16} {:>7} {:>8} {:>11}",
        "id", "nice", "weight", "vruntime", "runtime", "slices", "share_%", "predicted_%"
    )?;
    for (i, (key, entity)) in rq.tree.iter().enumerate() {
        let got = share(entity.runtime, rq.total_runtime);
        let predicted = share(entity.weight.into(), total_weight);
        writeln!(
            f,
            "{} {:>4} {:>4} {:>6} {:>16} {:>16} {:>7} {:>5}.{:02} {:>8}.{:02}",
            if i == 0 { '*' } else { ' ' },
            key.id,
            entity.nice,
            entity.weight,
            key.value,
            entity.runtime,
            entity.slices,
            got / 100,
            got % 100,
            predicted / 100,
            predicted % 100
        )?;
    }
    Ok(())
}

fn stats(rq: &Demo<RunQueue>, f: &mut SeqOut) -> fmt::Result {
    let rq = rq.lock();
    let n = rq.tree.len();
    let (height, _) = rq.tree.height();
    writeln!(f, "entities: {n}")?;
    writeln!(f, "height: {height}")?;
    writeln!(f, "height_bound: {}", height_bound(n))?;
    writeln!(f, "min_vruntime: {}", rq.min_vruntime)?;
    writeln!(f, "slice_ns: {}", rq.slice_ns)?;
    writeln!(f, "slices: {}", rq.slices)?;
    writeln!(f, "clock_ns: {}", rq.total_runtime)
}
