// SPDX-License-Identifier: GPL-2.0

//! proclab_containers: what a container is to the kernel, namespaces and cgroups.
//!
//! In `/sys/kernel/debug/proclab/containers/` (`Documentation/containers.rst`):
//!
//! - `ns`: every thread's namespaces and its pid at each pid namespace level (`namespaces.rs`);
//! - `members`, `cgroups`: every thread's cgroup, and every cgroup (`cgroups.rs`);
//! - `task`: one task's namespaces, user namespace, cgroup and OOM view (`task.rs`).
//!
//! This file only registers the files.

use core::fmt::{self, Write};
use kernel::{alloc::AllocError, new_mutex, prelude::*, sync::Mutex, task::Pid};

#[path = "../../rust/proclab/cgroup.rs"]
mod cgroup;
mod cgroups;
// Shared with the other modules; this module refuses with no errno of its own.
#[allow(dead_code)]
#[path = "../../rust/proclab/cmd.rs"]
mod cmd;
// Shared with the other modules; this module writes no column tables.
#[allow(dead_code)]
#[path = "../../rust/proclab/debugfs.rs"]
mod debugfs;
// Shared with proclab_lifecycle, which uses all of it; this module reads the accounting.
#[allow(dead_code)]
#[path = "../../rust/proclab/mm.rs"]
mod mm;
mod namespaces;
#[path = "../../rust/proclab/ns.rs"]
mod ns;
#[path = "../../rust/proclab/oom.rs"]
mod oom;
#[allow(dead_code)]
#[path = "../../rust/proclab/sched.rs"]
mod sched;
// Shared with proclab_tasks, which uses all of it; this module walks the threads.
#[allow(dead_code)]
#[path = "../../rust/proclab/task.rs"]
mod task;
mod task_file;

use debugfs::{FileSpec, Files, Root, SeqOut};

module! {
    type: ProclabContainers,
    name: "proclab_containers",
    authors: ["proclab developers"],
    description: "proclab: namespaces and cgroups, what a container is to the kernel",
    license: "GPL",
}

/// What the files share.
#[pin_data]
pub(crate) struct State {
    /// The task `task` shows.
    #[pin]
    task_pid: Mutex<Option<Pid>>,
}

/// What a file shows when the snapshot it needs could not be allocated.
fn alloc_failed(f: &mut SeqOut, _e: AllocError) -> fmt::Result {
    writeln!(f, "# out of memory while taking the snapshot")
}

static FILES: [FileSpec<State>; 4] = [
    FileSpec::control(c"task", task_file::show, &task_file::COMMANDS),
    FileSpec::sized(c"ns", namespaces::show, namespaces::size_hint),
    FileSpec::sized(c"members", cgroups::show_members, cgroups::members_size),
    FileSpec::sized(c"cgroups", cgroups::show_cgroups, cgroups::cgroups_size),
];

struct ProclabContainers {
    _files: Files<State>,
}

impl kernel::Module for ProclabContainers {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        Ok(Self {
            _files: Files::new(
                Root::get(),
                c"containers",
                try_pin_init!(State {
                    task_pid <- new_mutex!(None),
                }),
                &FILES,
            )?,
        })
    }
}
