// SPDX-License-Identifier: GPL-2.0

//! The `probe` command and file: one [`Sample`] taken in each context, one line each.
//!
//! `probe` (written to `control`) samples the writer's own context (`process`), then sends the
//! probe to each place of `deferred.rs` in turn and waits for it, then samples the writer's
//! context again with each lock of `locks.rs` held. The `probe` file shows the last such table.

use crate::{
    context::{write_header, Sample},
    debugfs::SeqOut,
    deferred::{
        in_bh_workqueue, in_hrtimer_hard, in_hrtimer_soft, in_irq_work, in_tasklet, in_timer,
        in_workqueue,
    },
    locks::LOCK_ROWS,
    slot::Slot,
    State,
};
use core::fmt;
use kernel::{prelude::*, sync::Arc};

/// One line of the table.
#[derive(Clone, Copy)]
pub(crate) struct Row {
    pub(crate) context: &'static str,
    pub(crate) sample: Sample,
}

/// A context a probe is sent to, and how.
type Place = (&'static str, fn(&State, &Arc<Slot>) -> Result<Sample>);

/// The places, in the order of the table (after `process`).
static PLACES: [Place; 8] = [
    ("kthread", |s, slot| s.thread.probe(slot)),
    ("workqueue", |_, slot| in_workqueue(slot)),
    ("bh_workqueue", |_, slot| in_bh_workqueue(slot)),
    ("tasklet", |_, slot| in_tasklet(slot)),
    ("timer", |_, slot| in_timer(slot)),
    ("hrtimer_hard", |_, slot| in_hrtimer_hard(slot)),
    ("hrtimer_soft", |_, slot| in_hrtimer_soft(slot)),
    ("irq_work", |_, slot| in_irq_work(slot)),
];

/// The number of rows of a probe.
const ROWS: usize = 1 + PLACES.len() + LOCK_ROWS.len();

/// `EINTR` if a signal is pending for the writer: checked between two steps of a long command.
pub(crate) fn interrupted() -> Result {
    if kernel::current!().signal_pending() {
        Err(EINTR)
    } else {
        Ok(())
    }
}

/// `probe`: takes every row and keeps the table for the `probe` file.
pub(crate) fn probe(s: &State) -> Result {
    let mut rows = KVec::with_capacity(ROWS, GFP_KERNEL)?;
    rows.push(
        Row {
            context: "process",
            sample: Sample::here(),
        },
        GFP_KERNEL,
    )?;
    let slot = Slot::new()?;
    for &(context, run) in PLACES.iter() {
        interrupted()?;
        slot.clear();
        let sample = run(s, &slot)?;
        rows.push(Row { context, sample }, GFP_KERNEL)?;
    }
    for &(context, take) in LOCK_ROWS.iter() {
        // Task context with interrupts on, as a write is: every row can be taken.
        let sample = take(&s.locks).ok_or(EINVAL)?;
        rows.push(Row { context, sample }, GFP_KERNEL)?;
    }
    *s.table.lock() = rows;
    Ok(())
}

/// `probe`: the header, then one line per context of the last probe (none before the first).
pub(crate) fn show_probe(s: &State, f: &mut SeqOut) -> fmt::Result {
    write_header(f)?;
    for r in s.table.lock().iter() {
        r.sample.write_row(f, r.context)?;
    }
    Ok(())
}
