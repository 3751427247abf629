// SPDX-License-Identifier: GPL-2.0

//! `ds/bench/`: the Rust data structures against their C twins, the same work timed in cycles
//! on each side (the runs are in [`crate::bench_runs`]), one line per figure in `results`.

use core::fmt::{self, Write};
use kernel::prelude::*;

use crate::bench_runs::{self, Figure};
use crate::cmd::{Arg, Command, Table, Values};
use crate::debugfs::{FileSpec, SeqOut};
use crate::demo::{clear, control, ratio, Clear, Demo, Structure};
use crate::work::{self, Running};

/// The figures of the runs so far. Locked only to add or read them, never while a benchmark
/// runs; a benchmark is a long command.
pub(crate) type Results = KVec<Figure>;

/// `clear` forgets the figures.
impl Clear for Results {
    fn clear(&mut self) {
        KVec::clear(self);
    }
}

/// The most lines `results` holds (`ENOSPC` beyond; `clear` forgets them).
const RESULTS_MAX: usize = 1024;

impl Structure for Results {
    const FILES: &'static [FileSpec<Demo<Self>>] =
        &[control(&COMMANDS), FileSpec::page(c"results", results)];
}

static COMMANDS: Table<Demo<Results>> = Table {
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
            run: |bench, args| {
                let (n, loops) = (args.uint(0)?, args.uint(1)?);
                let _running = start(bench, args, n, loops, work::RBTREE_WORK_MAX)?;
                add(
                    bench,
                    bench_runs::rbtree(n as u32, loops as u32, args.uint(2)?)?,
                )
            },
        },
        Command {
            verb: &["xarray"],
            args: &[
                Arg::uint("N", 1, work::BENCH_N_MAX),
                Arg::uint("LOOPS", 0, work::XARRAY_WORK_MAX),
            ],
            help: "store N values, load each LOOPS times, erase them; N*LOOPS at most 262144",
            run: |bench, args| {
                let (n, loops) = (args.uint(0)?, args.uint(1)?);
                let _running = start(bench, args, n, loops, work::XARRAY_WORK_MAX)?;
                add(bench, bench_runs::xarray(n as u32, loops as u32)?)
            },
        },
        Command {
            verb: &["clear"],
            args: &[],
            help: "forget the results",
            run: clear,
        },
    ],
};

/// Starts a benchmark of `n * loops` operations: `ENOSPC` beyond `max` or when `results` is
/// full, `EBUSY` while another one runs.
fn start<'a>(
    bench: &'a Demo<Results>,
    args: &Values<'_>,
    n: u64,
    loops: u64,
    max: u64,
) -> Result<Running<'a>> {
    if !matches!(n.checked_mul(loops), Some(ops) if ops <= max) {
        return Err(args.refuse_with(ENOSPC, format_args!("more than {max} operations")));
    }
    let running = bench.start(args)?;
    if bench.lock().len() > RESULTS_MAX - 4 {
        let why = format_args!("results are full ({RESULTS_MAX} lines)");
        return Err(args.refuse_with(ENOSPC, why));
    }
    Ok(running)
}

/// Adds a run's figures to the results.
fn add(bench: &Demo<Results>, figures: impl IntoIterator<Item = Figure>) -> Result {
    let mut results = bench.lock();
    for figure in figures {
        results.push(figure, GFP_KERNEL)?;
    }
    Ok(())
}

fn results(bench: &Demo<Results>, f: &mut SeqOut) -> fmt::Result {
    writeln!(
        f,
        "{:<46} {:>14} {:>14} {:>7}",
        "workload", "rust_cycles", "c_cycles", "rust/c"
    )?;
    for figure in bench.lock().iter() {
        let rust_per_c = ratio(figure.rust, figure.c, 1000);
        writeln!(
            f,
            "{:<46} {:>14} {:>14} {:>3}.{:03}",
            figure.name,
            figure.rust,
            figure.c,
            rust_per_c / 1000,
            rust_per_c % 1000
        )?;
    }
    Ok(())
}
