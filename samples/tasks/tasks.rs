// SPDX-License-Identifier: GPL-2.0

//! `tasks`: one line per process, the `task_struct` fields procfs scatters over many files,
//! from one `for_each_process()` walk under the RCU read lock.

use core::fmt::{self, Write};
use kernel::{sync::rcu, task::Task};

use crate::debugfs::{Cell, Column, SeqOut};
use crate::task::{self, processes, ShortStr, TaskExt, TaskRow, Walk};
use crate::State;

/// The columns of `tasks` before `comm`, with their widths: the header and the rows both follow
/// this table.
const TASK_COLS: [Column; 20] = [
    ("pid", 7),
    ("tgid", 7),
    ("ppid", 7),
    ("state", 5),
    ("prio", 4),
    ("static_prio", 11),
    ("normal_prio", 11),
    ("rt_priority", 11),
    ("policy", 8),
    ("nice", 4),
    ("weight", 6),
    ("vruntime", 15),
    ("sum_exec_runtime", 16),
    ("nvcsw", 8),
    ("nivcsw", 8),
    ("cpu", 3),
    ("cpus_allowed", 12),
    ("kthread", 7),
    ("exit_state", 10),
    ("nr_threads", 10),
];

/// Writes the header and one line per process, walking the task list under RCU.
///
/// The file is opened with a buffer sized for the current number of processes, so this is
/// normally called once per read: one walk. If the list grew past the buffer, `seq_file` calls
/// it again with a larger one, and the file still holds one whole walk.
pub(crate) fn show(_state: &State, f: &mut SeqOut) -> fmt::Result {
    f.header(&TASK_COLS)?;
    f.write_str("comm\n")?;
    let guard = rcu::read_lock();
    // Most tasks may run on every CPU: format a CPU list only when it differs from the last.
    let mut cpus: Option<(&Task, ShortStr)> = None;
    for t in processes(&guard) {
        let r = TaskRow::read(t, cpus.as_ref().map(|(last, _)| *last), &guard);
        if !r.same_cpus {
            cpus = Some((t, t.cpus_allowed()));
        }
        // The columns of `TASK_COLS`, written without `core::fmt` (see `SeqOut::row`).
        f.row(
            &TASK_COLS,
            &[
                Cell::Int(r.pid.into()),
                Cell::Int(r.tgid.into()),
                Cell::Int(r.ppid.into()),
                Cell::Str(r.state_char().encode_utf8(&mut [0; 4])),
                Cell::Int(r.prio.into()),
                Cell::Int(r.static_prio.into()),
                Cell::Int(r.normal_prio.into()),
                Cell::Uint(r.rt_priority.into()),
                Cell::Str(r.policy().name()),
                Cell::Int(r.nice.into()),
                Cell::Uint(r.weight),
                Cell::Uint(r.vruntime),
                Cell::Uint(r.sum_exec_runtime),
                Cell::Uint(r.nvcsw),
                Cell::Uint(r.nivcsw),
                Cell::Uint(r.cpu.into()),
                Cell::Str(cpus.as_ref().map_or("?", |(_, list)| list.as_str())),
                Cell::Uint(r.is_kthread().into()),
                Cell::Str(r.exit_state().name()),
                Cell::Int(r.nr_threads.into()),
            ],
        )?;
        let comm = r.comm();
        match comm.plain() {
            Some(name) => f.write_str(name)?,
            None => f.write_str(comm.escaped().as_str())?,
        }
        f.write_char('\n')?;
    }
    Ok(())
}

/// Bytes per line the size hint allows: `tasks` lines are about 190 bytes and a name.
const LINE: usize = 256;

/// The [`crate::debugfs::FileSpec::size_hint`] of `tasks`: a line per process and the header.
pub(crate) fn size_hint(_state: &State) -> usize {
    (task::count(Walk::Processes) + 1) * LINE
}
