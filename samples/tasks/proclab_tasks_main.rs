// SPDX-License-Identifier: GPL-2.0

//! proclab_tasks: the kernel's task list, as the scheduler sees it.
//!
//! Walks the real task list with `for_each_process()` / `for_each_process_thread()` semantics
//! under the RCU read lock and shows it in `/sys/kernel/debug/proclab/tasks/`, one file per
//! source file here:
//!
//! - `tasks` (`tasks.rs`): one line per process, the `task_struct` fields procfs scatters over
//!   many files;
//! - `threads` (`threads.rs`): one line per thread, with small ids for the `mm`, `files` and
//!   `sighand` it uses;
//! - `tree` (`tree.rs`): the process tree from the swapper (pid 0), as `real_parent` links it;
//! - `pid` (write a pid) and `task` (`selected.rs`): one task in depth;
//! - `summary` (`summary.rs`): states, zombies, D-state sleepers, children of init;
//! - `facts` (`facts.rs`): sizes and constants of this kernel that the course texts disagree on.
//!
//! This file only registers them. The walks and field reads are `rust/proclab/task.rs`; see
//! `Documentation/tasks.rst` for what each field means and where it comes from.

use core::fmt::{self, Write};
use kernel::{
    alloc::AllocError,
    new_mutex,
    prelude::*,
    sync::{aref::ARef, Mutex},
    task::Task,
};

// Shared with the modules that have control files; `pid` takes only a number.
#[allow(dead_code)]
#[path = "../../rust/proclab/cmd.rs"]
mod cmd;
#[path = "../../rust/proclab/debugfs.rs"]
mod debugfs;
// The policy type `task` reads into.
#[allow(dead_code)]
#[path = "../../rust/proclab/sched.rs"]
mod sched;
#[path = "../../rust/proclab/task.rs"]
mod task;
#[path = "../../rust/proclab/task/kunit.rs"]
mod task_kunit;

mod facts;
mod selected;
mod summary;
mod tasks;
mod threads;
mod tree;

use debugfs::{FileSpec, Files, Root, SeqOut};

module! {
    type: ProclabTasks,
    name: "proclab_tasks",
    authors: ["proclab developers"],
    description: "proclab: the task list and task_struct fields in debugfs",
    license: "GPL",
}

/// The state the files share: the task selected through `pid`.
#[pin_data]
struct State {
    /// The task `task` shows. The reference keeps its `task_struct` alive after it exits, so a
    /// read never touches freed memory; the task's own exit shows in its `exit_state`.
    #[pin]
    selected: Mutex<Option<ARef<Task>>>,
}

/// The module: `proclab/tasks/` in debugfs, its files and their shared state. The files keep
/// the `proclab` directory that holds them.
struct ProclabTasks {
    _files: Files<State>,
}

/// Maps a fmt error from an allocation failure to a line in the file; `seq_file` has no other way
/// to report it.
fn alloc_failed(f: &mut SeqOut, _e: AllocError) -> fmt::Result {
    writeln!(f, "# out of memory while taking the snapshot")
}

/// The files of `proclab/tasks/`.
static FILES: [FileSpec<State>; 7] = [
    FileSpec::sized(c"tasks", tasks::show, tasks::size_hint),
    FileSpec::sized(c"threads", threads::show, threads::size_hint),
    FileSpec::sized(c"tree", tree::show, tree::size_hint),
    FileSpec::control(c"pid", selected::show_pid, &selected::PID_COMMANDS),
    FileSpec::page(c"task", selected::show_task),
    FileSpec::sized(c"summary", summary::show, summary::size_hint),
    FileSpec::page(c"facts", facts::show),
];

impl kernel::Module for ProclabTasks {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let state = try_pin_init!(State {
            selected <- new_mutex!(None),
        });
        Ok(Self {
            _files: Files::new(Root::get(), c"tasks", state, &FILES)?,
        })
    }
}
