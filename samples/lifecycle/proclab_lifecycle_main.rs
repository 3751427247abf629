// SPDX-License-Identifier: GPL-2.0

//! proclab_lifecycle: fork, copy-on-write, exec, exit and wait, seen from the kernel.
//!
//! Work in progress (issue 18): so far only the tracepoint abstraction and its KUnit suite,
//! which runs at load.

use kernel::prelude::*;

// The KUnit suite of tracepoint.rs spawns kernel threads with it.
#[allow(dead_code)]
#[path = "../../rust/proclab/kthread.rs"]
mod kthread;
#[allow(dead_code)]
#[path = "../../rust/proclab/sched.rs"]
mod sched;
#[allow(dead_code)]
#[path = "../../rust/proclab/tracepoint.rs"]
mod tracepoint;

module! {
    type: ProclabLifecycle,
    name: "proclab_lifecycle",
    authors: ["proclab developers"],
    description: "proclab: the process lifecycle, page by page and event by event",
    license: "GPL",
}

struct ProclabLifecycle;

impl kernel::Module for ProclabLifecycle {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        Ok(ProclabLifecycle)
    }
}
