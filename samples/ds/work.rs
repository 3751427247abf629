// SPDX-License-Identifier: GPL-2.0

//! Long commands: bounded, interruptible, and one at a time.
//!
//! A command that loops (`bench rbtree`, `bench xarray`, `rbtree fill`, `rbtree erase-random`,
//! `rbtree clear`, `cfs run`) runs inside the writer's `write()`. Three rules keep such a write
//! from turning into a task nobody can stop:
//!
//! - **Bounded.** The arguments are capped so that one write ends well within the hung-task
//!   detector's 120 s even on the debug kernel under emulation (see
//!   `Documentation/data-structures.rst` for the measured worst cases); a larger request is
//!   refused with `ENOSPC` before any work is done.
//! - **Interruptible.** The loops check [`interrupted`] between iterations, so a signal (`kill
//!   -9`, Ctrl-C) ends the write with `EINTR` within one iteration. The kernel is built with
//!   full preemption (`CONFIG_PREEMPT`), where `cond_resched()` is empty: a loop that does not
//!   hold a spinlock is preempted like user code, so none is needed (and the Rust API has none).
//! - **One at a time.** A directory with such commands has a [`Busy`] flag: while one runs, every
//!   other command written to that directory is refused with `EBUSY` at once instead of
//!   sleeping, uninterruptibly, on the structure's mutex until the first is done. The loops
//!   drop the mutex between chunks, so a reader waits for one chunk, not for the command.

use core::sync::atomic::{AtomicBool, Ordering};
use kernel::prelude::*;

use crate::cmd::Values;

/// The most elements a benchmark works on: each is an allocation (a tree node, a boxed value),
/// which the debug kernel's checkers make dear (about a millisecond each under emulation).
pub(crate) const BENCH_N_MAX: u64 = 4096;

/// The most inserts and erases of `bench rbtree` (`NNODES * LOOPS`, each done on both sides).
pub(crate) const RBTREE_WORK_MAX: u64 = 1 << 20;

/// The most loads of `bench xarray` (`N * LOOPS`, each done three times: Rust twice, C once).
pub(crate) const XARRAY_WORK_MAX: u64 = 1 << 18;

/// The most keys one `rbtree fill` or `rbtree erase-random` inserts or erases.
pub(crate) const FILL_MAX: u64 = 100_000;

/// The keys `fill`, `erase-random` or `clear` handle, and the slices `cfs run` runs, between two
/// takes of the structure's lock: about 0.3 s on the debug kernel under emulation on a loaded host.
pub(crate) const KEYS_PER_LOCK: usize = 1024;
pub(crate) const SLICES_PER_LOCK: u64 = 4096;

/// `EINTR` if a signal is pending for the task running the command: the check between two
/// iterations of a long loop.
pub(crate) fn interrupted() -> Result {
    if kernel::current!().signal_pending() {
        Err(EINTR)
    } else {
        Ok(())
    }
}

/// Whether a long command of one directory is running.
pub(crate) struct Busy(AtomicBool);

impl Busy {
    pub(crate) const fn new() -> Self {
        Busy(AtomicBool::new(false))
    }

    /// Marks a long command as running until the guard is dropped; `None` if one already is.
    fn claim(&self) -> Option<Running<'_>> {
        self.0
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .ok()
            .map(|_| Running(&self.0))
    }

    /// Lets a long command in: the flag stays claimed until the guard returned is dropped.
    /// `EBUSY`, with a warning, while another long command runs.
    pub(crate) fn start(&self, v: &Values<'_>) -> Result<Running<'_>> {
        self.claim().ok_or_else(|| busy(v))
    }

    /// Lets a short command in: `EBUSY`, with a warning, while a long command runs.
    pub(crate) fn check(&self, v: &Values<'_>) -> Result {
        if self.0.load(Ordering::Relaxed) {
            return Err(busy(v));
        }
        Ok(())
    }
}

fn busy(v: &Values<'_>) -> Error {
    v.refuse_with(EBUSY, format_args!("a long command is running"))
}

/// A long command running: clears its [`Busy`] flag when dropped.
pub(crate) struct Running<'a>(&'a AtomicBool);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}
