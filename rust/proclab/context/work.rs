// SPDX-License-Identifier: GPL-2.0

//! [`flush_work`] for upstream's [`Work`]: wait until a work item queued on any workqueue has
//! finished running, so that its function has returned before the module may go.
//!
//! C header: [`include/linux/workqueue.h`](srctree/include/linux/workqueue.h).
//!
//! Upstream's `Work` keeps the item's data alive while it is queued (the queue holds an `Arc`),
//! but nothing waits for the work function to return: a module whose item last ran on a system
//! workqueue could be unloaded while that function is still on its way out.

use kernel::{bindings, workqueue::Work};

/// Waits until the last queueing of `work` has run to its end (`flush_work()`); `false` if it
/// was neither queued nor running.
pub(crate) fn flush_work<T: ?Sized, const ID: u64>(work: &Work<T, ID>) -> bool {
    // SAFETY: `work` is an initialised (`Work::new` made it) `work_struct` that the reference
    // keeps alive for the call; `flush_work()` may sleep, and the caller is in task context (it
    // is not called from a work item, which would wait on itself).
    unsafe { bindings::flush_work(Work::raw_get(work)) }
}
