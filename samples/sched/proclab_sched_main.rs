// SPDX-License-Identifier: GPL-2.0

//! proclab_sched: the scheduling classes side by side, measured on kernel threads.
//!
//! In `/sys/kernel/debug/proclab/sched/` (`Documentation/scheduling.rst`):
//!
//! - `control`: the experiments (read it for the list), one at a time (`control.rs`);
//! - `experiment`: the last one's threads and results, each figure beside the course's claim
//!   (`experiment.rs`; the threads' bodies are in `bodies.rs`);
//! - `latency`: each thread's run-queue latency and run lengths, from the scheduler's
//!   tracepoints (`latency.rs`);
//! - `eevdf`: how EEVDF sees the fair threads (`eevdf.rs`).
//!
//! This file only attaches the probes and registers the files.

use kernel::{
    new_mutex,
    prelude::*,
    sync::{Arc, Mutex},
};

#[path = "../../rust/proclab/cmd.rs"]
mod cmd;
// Shared with proclab_contexts; this module only disables preemption. It includes
// `task/comm.rs` for its samples, as `task.rs` below does: two copies of one small file.
mod bodies;
#[allow(dead_code, unused_imports, clippy::duplicate_mod)]
#[path = "../../rust/proclab/context.rs"]
mod context;
mod control;
// Shared with the other modules; this module has no file sized by its contents.
#[allow(dead_code)]
#[path = "../../rust/proclab/debugfs.rs"]
mod debugfs;
mod eevdf;
mod experiment;
// Shared with proclab_kthreads; this module binds and sets policies, and never re-binds.
#[allow(dead_code)]
#[path = "../../rust/proclab/kthread.rs"]
mod kthread;
mod latency;
#[path = "../../rust/proclab/sched.rs"]
mod sched;
// Shared with proclab_contexts; this module takes the rt_mutex and the completion.
#[allow(dead_code, unused_imports)]
#[path = "../../rust/proclab/sync.rs"]
mod sync;
// Shared with proclab_tasks, which uses all of it; this module reads a few fields.
#[allow(dead_code)]
#[path = "../../rust/proclab/task.rs"]
mod task;
// Shared with proclab_lifecycle; this module attaches to the scheduler's events only.
#[allow(dead_code)]
#[path = "../../rust/proclab/tracepoint.rs"]
mod tracepoint;

use debugfs::{FileSpec, Files, Root};
use experiment::Experiment;
use latency::Tracker;
use tracepoint::{Event, Probes};

module! {
    type: ProclabSched,
    name: "proclab_sched",
    authors: ["proclab developers"],
    description: "proclab: scheduling classes, priorities, inheritance, preemption and latency",
    license: "GPL",
}

/// What the files share.
#[pin_data]
pub(crate) struct State {
    /// The last experiment; one runs at a time. Dropped first: its threads stop while the
    /// probes are still attached.
    #[pin]
    experiment: Mutex<Option<Experiment>>,
    probes: Probes<Tracker>,
}

impl State {
    fn tracker(&self) -> &Tracker {
        self.probes.handler()
    }
}

static FILES: [FileSpec<State>; 4] = [
    FileSpec::control(c"control", control::show_control, &control::COMMANDS),
    FileSpec::page(c"experiment", control::show_experiment),
    FileSpec::sized(c"latency", control::show_latency, |_| 4 * 4096),
    FileSpec::page(c"eevdf", eevdf::show_eevdf),
];

struct ProclabSched {
    _files: Files<State>,
}

impl kernel::Module for ProclabSched {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let tracker = Arc::new(Tracker::new()?, GFP_KERNEL)?;
        let probes = Probes::attach(tracker, &[Event::SchedSwitch, Event::SchedWakeup])?;
        Ok(Self {
            _files: Files::new(
                Root::get(),
                c"sched",
                try_pin_init!(State {
                    experiment <- new_mutex!(None),
                    probes,
                }),
                &FILES,
            )?,
        })
    }
}
