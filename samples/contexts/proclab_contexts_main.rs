// SPDX-License-Identifier: GPL-2.0

//! proclab_contexts: where kernel code runs, and what it may do there.
//!
//! One probe, [`context::Sample::here`], records `preempt_count()` with its fields as 7.3 lays
//! them out, the interrupt flag, RCU nesting, the CPU and `current`. In
//! `/sys/kernel/debug/proclab/contexts/`:
//!
//! - `control`: commands (read it for the list): `probe` runs the probe in every context and
//!   waits for each (`probe.rs`, with the contexts in `deferred.rs` and the lock rows in
//!   `locks.rs`); `latency RUNS GAP_US` measures the bottom halves (`latency.rs`);
//! - `probe`: one line per context of the last probe;
//! - `latency`: the last bottom-half measurement.
//!
//! This file only registers the files and starts the module's kernel thread. See
//! `Documentation/contexts.rst`.

use core::sync::atomic::AtomicBool;
use kernel::{new_mutex, prelude::*, sync::Mutex};

// Shared with the other modules; this one reads no signed numbers.
#[allow(dead_code)]
#[path = "../../rust/proclab/cmd.rs"]
mod cmd;
#[path = "../../rust/proclab/context.rs"]
mod context;
mod control;
// Shared with the other modules; this one has no tables of the column writer.
#[allow(dead_code)]
#[path = "../../rust/proclab/debugfs.rs"]
mod debugfs;
mod deferred;
// Shared with proclab_timers; this module uses the buckets and the table, not the atomics.
#[allow(dead_code)]
#[path = "../../rust/proclab/histogram.rs"]
mod histogram;
// Shared with proclab_kthreads, which uses all of it; this module runs one thread.
#[allow(dead_code)]
#[path = "../../rust/proclab/kthread.rs"]
mod kthread;
mod latency;
mod locks;
mod probe;
#[allow(dead_code)]
#[path = "../../rust/proclab/sched.rs"]
mod sched;
mod slot;
// Shared; this module takes the raw spinlock and the completion, not the rt_mutex.
#[allow(dead_code, unused_imports)]
#[path = "../../rust/proclab/sync.rs"]
mod sync;
// Shared with proclab_timers, which uses all of it; this module arms one timer per probe.
#[allow(dead_code)]
#[path = "../../rust/proclab/timer.rs"]
mod timer;

use debugfs::{FileSpec, Files, Root};
use deferred::ProbeThread;
use latency::Latencies;
use locks::Locks;
use probe::Row;

module! {
    type: ProclabContexts,
    name: "proclab_contexts",
    authors: ["proclab developers"],
    description: "proclab: preempt_count and the execution context, in every context",
    license: "GPL",
}

/// What the files share.
#[pin_data]
struct State {
    /// A command is running (`control.rs`).
    busy: AtomicBool,
    /// `proclab_ctx`, the thread of the `kthread` row.
    thread: ProbeThread,
    #[pin]
    locks: Locks,
    /// The last probe's table.
    #[pin]
    table: Mutex<KVec<Row>>,
    /// The last latency measurement.
    #[pin]
    latency: Mutex<KVec<Latencies>>,
}

static FILES: [FileSpec<State>; 3] = [
    FileSpec::control(c"control", control::show_control, &control::COMMANDS),
    FileSpec::page(c"probe", probe::show_probe),
    FileSpec::page(c"latency", latency::show_latency),
];

struct ProclabContexts {
    _files: Files<State>,
}

impl kernel::Module for ProclabContexts {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let state = try_pin_init!(State {
            busy: control::idle(),
            thread: ProbeThread::start()?,
            locks <- Locks::new(),
            table <- new_mutex!(KVec::new()),
            latency <- new_mutex!(KVec::new()),
        });
        Ok(Self {
            _files: Files::new(Root::get(), c"contexts", state, &FILES)?,
        })
    }
}
