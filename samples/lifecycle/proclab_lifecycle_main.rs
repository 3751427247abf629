// SPDX-License-Identifier: GPL-2.0

//! proclab_lifecycle: fork, copy-on-write, exec, exit and wait, seen from the kernel.
//!
//! In `/sys/kernel/debug/proclab/lifecycle/` (`Documentation/lifecycle.rst`):
//!
//! - `events`: the event log of the lifecycle tracepoints (`events.rs`);
//! - `control`: what the log keeps: by pid, thread group or subtree (`control.rs`);
//! - `page`: one page of one process, as its page table maps it (`page.rs`);
//! - `mm`: one process's memory accounting (`memory.rs`).
//!
//! This file only attaches the probes and registers the files.

use kernel::{
    new_mutex,
    prelude::*,
    sync::{Arc, Mutex},
};

// Shared with the other modules; this module refuses with no errno of its own.
#[allow(dead_code)]
#[path = "../../rust/proclab/cmd.rs"]
mod cmd;
mod control;
// Shared with the other modules; this module writes no column tables.
#[allow(dead_code)]
#[path = "../../rust/proclab/debugfs.rs"]
mod debugfs;
mod events;
mod memory;
#[path = "../../rust/proclab/mm.rs"]
mod mm;
mod page;
// The KUnit suite of tracepoint.rs spawns kernel threads with it.
#[allow(dead_code)]
#[path = "../../rust/proclab/kthread.rs"]
mod kthread;
#[allow(dead_code)]
#[path = "../../rust/proclab/sched.rs"]
mod sched;
// Shared with proclab_contexts; this module takes the lock, not the completion.
#[allow(dead_code, unused_imports)]
#[path = "../../rust/proclab/sync.rs"]
mod sync;
// Shared with proclab_tasks, which uses all of it; this module reads a few fields.
#[allow(dead_code)]
#[path = "../../rust/proclab/task.rs"]
mod task;
#[path = "../../rust/proclab/tracepoint.rs"]
mod tracepoint;

use debugfs::{FileSpec, Files, Root};
use events::Log;
use tracepoint::{Event, Probes};

module! {
    type: ProclabLifecycle,
    name: "proclab_lifecycle",
    authors: ["proclab developers"],
    description: "proclab: the process lifecycle, page by page and event by event",
    license: "GPL",
}

/// What the files share.
#[pin_data]
pub(crate) struct State {
    probes: Probes<Log>,
    /// The page `page` shows.
    #[pin]
    page: Mutex<Option<page::Selection>>,
    /// The process `mm` shows.
    #[pin]
    mm_pid: Mutex<Option<kernel::task::Pid>>,
}

/// About 130 bytes a record.
fn events_size(_: &State) -> usize {
    160 * events::CAPACITY
}

static FILES: [FileSpec<State>; 4] = [
    FileSpec::control(c"mm", memory::show, &memory::COMMANDS),
    FileSpec::control(c"control", control::show_control, &control::COMMANDS),
    FileSpec::control(c"page", page::show, &page::COMMANDS),
    FileSpec::sized(c"events", |s, f| s.probes.handler().show(f), events_size),
];

struct ProclabLifecycle {
    _files: Files<State>,
}

impl kernel::Module for ProclabLifecycle {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let log = Arc::pin_init(Log::new(Log::storage()?), GFP_KERNEL)?;
        let probes = Probes::attach(
            log,
            &[
                Event::TaskNewtask,
                Event::SchedProcessExec,
                Event::SchedProcessExit,
                Event::SchedProcessWait,
                Event::SchedProcessFree,
            ],
        )?;
        Ok(Self {
            _files: Files::new(
                Root::get(),
                c"lifecycle",
                try_pin_init!(State {
                    probes,
                    page <- new_mutex!(None),
                    mm_pid <- new_mutex!(None),
                }),
                &FILES,
            )?,
        })
    }
}
