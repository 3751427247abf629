// SPDX-License-Identifier: GPL-2.0

//! `lifecycle/mm`: one process's memory accounting from its `mm_struct`
//! (`rust/proclab/mm.rs`). Write a pid; read `key: value` lines, the sizes in kB under the
//! names `/proc/<pid>/status` gives them.

use crate::{
    cmd::{Arg, Command, Table, Values},
    debugfs::SeqOut,
    mm::{accounting, task_mm},
    task::find_task,
    State,
};
use core::fmt::{self, Write};
use kernel::{page::PAGE_SIZE, prelude::*, task::Pid};

pub(crate) static COMMANDS: Table<State> = Table {
    file: "lifecycle/mm",
    commands: &[Command {
        verb: &[],
        args: &[Arg::uint("PID", 1, 4194304)],
        help: "select the process PID",
        run: select,
    }],
};

fn select(s: &State, v: &Values<'_>) -> Result {
    let pid = Pid::try_from(v.uint(0)?)?;
    if find_task(pid).is_none() {
        return Err(v.refuse_with(ESRCH, format_args!("no such process")));
    }
    *s.mm_pid.lock() = Some(pid);
    Ok(())
}

/// `mm`: the selected process's accounting, or the help if none is selected.
pub(crate) fn show(s: &State, f: &mut SeqOut) -> fmt::Result {
    let Some(pid) = *s.mm_pid.lock() else {
        return COMMANDS.help(f);
    };
    writeln!(f, "pid: {pid}")?;
    let Some(task) = find_task(pid) else {
        return writeln!(f, "task: gone");
    };
    let Some(mm) = task_mm(&task) else {
        return writeln!(f, "mm: none");
    };
    let a = accounting(&task, &mm);
    let kb = |pages: usize| pages * (PAGE_SIZE / 1024);
    writeln!(f, "VmSize: {} kB", kb(a.total_vm))?;
    writeln!(f, "VmRSS: {} kB", kb(a.anon + a.file + a.shmem))?;
    writeln!(f, "RssAnon: {} kB", kb(a.anon))?;
    writeln!(f, "RssFile: {} kB", kb(a.file))?;
    writeln!(f, "RssShmem: {} kB", kb(a.shmem))?;
    writeln!(f, "VmSwap: {} kB", kb(a.swap))?;
    writeln!(f, "VmPTE: {} kB", a.pgtables_bytes / 1024)?;
    writeln!(f, "map_count: {}", a.map_count)?;
    writeln!(f, "min_flt: {}", a.min_flt)?;
    writeln!(f, "maj_flt: {}", a.maj_flt)?;
    // `task_mm()`'s own reference is one of the users.
    writeln!(f, "mm_users: {}", a.mm_users - 1)?;
    writeln!(f, "mm_count: {}", a.mm_count)
}
