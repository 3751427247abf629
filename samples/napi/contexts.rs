// SPDX-License-Identifier: GPL-2.0

//! Where the driver runs: the last [`Sample`] of its "interrupt" and of its poll, for the
//! `context` file, in the columns of `proclab_contexts`'s `probe` table.
//!
//! The "interrupt" runs where it is raised: in the sender's transmit (a task or the `NET_TX`
//! softirq, bottom halves disabled by `dev_queue_xmit()`), or, with a coalescing delay, in the
//! device's hrtimer: hard IRQ (a `PREEMPT_RT` kernel would run this non-hard hrtimer in the
//! `HRTIMER` softirq instead). The poll runs in the `NET_RX` softirq, or with threaded NAPI in
//! the `napi/<dev>-<id>` kernel thread with bottom halves disabled; this driver has no busy
//! polling, so a poll in task context is the threaded one.

use crate::{
    context::{write_header, Sample},
    sync::RawSpinLockIrq,
};
use core::fmt;
use kernel::{prelude::*, static_lock_class};

/// Where a sample was taken: the rows of the file, in order.
#[derive(Clone, Copy)]
pub(crate) enum Site {
    /// The "interrupt", raised by the sender's transmit.
    Irq = 0,
    /// The "interrupt", raised by the coalescing hrtimer.
    IrqTimer = 1,
    /// The poll, in the `NET_RX` softirq.
    Poll = 2,
    /// The poll, in threaded NAPI's kernel thread.
    PollThreaded = 3,
}

/// The row names, by [`Site`].
const NAMES: [&str; 4] = [
    "napi_irq",
    "napi_irq_hrtimer",
    "napi_poll",
    "napi_poll_threaded",
];

/// The last sample of each site. Filled from any context, the hrtimer's hard IRQ too: the lock
/// is a `raw_spinlock_t` (`rust/proclab/sync.rs`) and disables interrupts.
#[pin_data]
pub(crate) struct Contexts {
    #[pin]
    last: RawSpinLockIrq<[Option<Sample>; 4]>,
}

impl Contexts {
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Contexts {
            last <- RawSpinLockIrq::new([None; 4], c"proclab_napi_contexts", static_lock_class!()),
        })
    }

    /// Samples the caller's context (before the lock changes it) as `site`.
    pub(crate) fn record(&self, site: Site) {
        let s = Sample::here();
        self.last.lock()[site as usize] = Some(s);
    }

    /// Samples a poll: threaded if it runs in task context.
    pub(crate) fn record_poll(&self) {
        let s = Sample::here();
        let site = if s.in_task {
            Site::PollThreaded
        } else {
            Site::Poll
        };
        self.last.lock()[site as usize] = Some(s);
    }

    /// Forgets every sample (`reset`).
    pub(crate) fn clear(&self) {
        *self.last.lock() = [None; 4];
    }

    /// `context`: the header, then a line per site sampled since the load or the last reset.
    pub(crate) fn show(&self, f: &mut impl fmt::Write) -> fmt::Result {
        let last = *self.last.lock();
        write_header(f)?;
        for (name, s) in NAMES.iter().zip(last.iter()) {
            if let Some(s) = s {
                s.write_row(f, name)?;
            }
        }
        Ok(())
    }
}
