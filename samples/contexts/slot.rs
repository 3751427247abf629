// SPDX-License-Identifier: GPL-2.0

//! [`Slot`]: where a probe that runs somewhere else leaves its [`Sample`], and where the writer
//! of `control` waits for it.

use crate::{
    context::Sample,
    sync::{Completion, CompletionWait, RawSpinLockIrq},
};
use kernel::{prelude::*, static_lock_class, sync::Arc, time::msecs_to_jiffies};

/// The longest a probe may take to run once queued: far more than any takes, even under
/// emulation on a loaded host (the slowest, a `timer_list`, fires within two jiffies).
const WAIT_MS: u32 = 5_000;

/// One probe's result: empty until the probe ran. Filled from any context, a hard IRQ too: the
/// lock is a `raw_spinlock_t` and the waiter is woken by a completion, which are spinning locks
/// on every kernel (`rust/proclab/sync.rs`). Waited for in task context.
#[pin_data]
pub(crate) struct Slot {
    #[pin]
    sample: RawSpinLockIrq<Option<Sample>>,
    /// Completed once per fill. A fill whose waiter gave up leaves a count behind, which the
    /// next wait takes and, finding the slot empty, waits again.
    #[pin]
    filled: Completion,
}

impl Slot {
    pub(crate) fn new() -> Result<Arc<Self>> {
        Arc::pin_init(
            pin_init!(Slot {
                sample <- RawSpinLockIrq::new(None, c"proclab_contexts_slot", static_lock_class!()),
                filled <- Completion::new(),
            }),
            GFP_KERNEL,
        )
    }

    /// Empties the slot for the next run.
    pub(crate) fn clear(&self) {
        *self.sample.lock() = None;
    }

    /// The probe: samples the context it runs in (before taking the lock, which changes it),
    /// leaves the sample and wakes the waiter.
    pub(crate) fn fill(&self) {
        let s = Sample::here();
        *self.sample.lock() = Some(s);
        self.filled.complete();
    }

    /// Waits for the sample: `EINTR` on a signal, `ETIMEDOUT` if the probe did not run within
    /// [`WAIT_MS`].
    pub(crate) fn wait(&self) -> Result<Sample> {
        let mut left = msecs_to_jiffies(WAIT_MS);
        loop {
            if let Some(s) = *self.sample.lock() {
                return Ok(s);
            }
            match self.filled.wait_interruptible_timeout(left) {
                CompletionWait::Completed { jiffies } => left = jiffies,
                CompletionWait::Signal => return Err(EINTR),
                CompletionWait::Timeout => return (*self.sample.lock()).ok_or(ETIMEDOUT),
            }
        }
    }
}
