// SPDX-License-Identifier: GPL-2.0

//! proclab_tasks: the kernel's task list, as the scheduler sees it.
//!
//! Walks the real task list with `for_each_process()` semantics under the RCU read lock and
//! shows one line per process in `/sys/kernel/debug/proclab/tasks/tasks`. See
//! `Documentation/tasks.rst` for what each column means and where it comes from.

use core::fmt;
use kernel::{
    debugfs::{Dir, File},
    prelude::*,
    sync::rcu,
};

#[path = "../../rust/proclab/task.rs"]
mod task;

use task::{processes, TaskExt};

module! {
    type: ProclabTasks,
    name: "proclab_tasks",
    authors: ["proclab developers"],
    description: "proclab: the task list and task_struct fields in debugfs",
    license: "GPL",
}

/// The module: `proclab/tasks/` in debugfs and the files in it.
#[pin_data]
struct ProclabTasks {
    #[pin]
    _tasks: File<()>,
    _dir: Dir,
    _root: Dir,
}

/// Writes the header and one line per process, walking the task list under RCU.
///
/// `seq_file` calls this again with a larger buffer when the output does not fit, so the file
/// holds the whole list however many tasks there are; each call is one walk.
fn show_tasks(_data: &(), f: &mut fmt::Formatter<'_>) -> fmt::Result {
    writeln!(
        f,
        "{:>7} {:>7} {:>7} {:>5} {:>4} {:>11} {:>8} {:>4} {:>6} {:>15} {:>10} comm",
        "pid",
        "tgid",
        "ppid",
        "state",
        "prio",
        "static_prio",
        "policy",
        "nice",
        "weight",
        "vruntime",
        "nr_threads"
    )?;
    let guard = rcu::read_lock();
    for t in processes(&guard) {
        writeln!(
            f,
            "{:>7} {:>7} {:>7} {:>5} {:>4} {:>11} {:>8} {:>4} {:>6} {:>15} {:>10} {}",
            t.pid(),
            t.tgid(),
            t.ppid(),
            t.state_char(),
            t.prio(),
            t.static_prio(),
            t.policy(),
            t.nice(),
            t.weight(),
            t.vruntime(),
            t.nr_threads(),
            t.comm()
        )?;
    }
    Ok(())
}

impl kernel::InPlaceModule for ProclabTasks {
    fn init(_module: &'static ThisModule) -> impl PinInit<Self, Error> {
        let root = Dir::new(c"proclab");
        let dir = root.subdir(c"tasks");
        try_pin_init!(Self {
            _tasks <- dir.read_callback_file(c"tasks", (), &show_tasks),
            _dir: dir,
            _root: root,
        })
    }
}
