// SPDX-License-Identifier: GPL-2.0

//! `pid` and `task`: write a pid to `pid`, read that task in depth from `task`.
//!
//! The selected task is held by a reference ([`State::selected`]), so it can still be read after
//! it exits: `task` then shows its `exit_state` and says so.

use core::fmt::{self, Write};
use kernel::{
    prelude::*,
    sync::rcu,
    task::{Pid, Task},
};

use crate::cmd::{Arg, Command, Table, Values};
use crate::debugfs::SeqOut;
use crate::task::TaskSleepingExt;
use crate::task::{self, ancestors, find_task, processes, state_letter_name, ExitState, TaskExt};
use crate::State;

/// The one command of `pid`: the whole write is the pid (as in `echo 42 >pid`).
pub(crate) static PID_COMMANDS: Table<State> = Table {
    file: "tasks/pid",
    commands: &[Command {
        verb: &[],
        // `pid_max` may change: the range is the limit of the moment.
        args: &[Arg::uint_to("PID", 1, || {
            task::pid_max().try_into().unwrap_or(0)
        })],
        help: "select the task that `task` shows",
        run: select_pid,
    }],
};

/// Selects the task of the pid written.
fn select_pid(state: &State, v: &Values<'_>) -> Result {
    // At most `pid_max`, checked by the table.
    let pid = Pid::try_from(v.uint(0)?).map_err(|_| EINVAL)?;
    let Some(t) = find_task(pid) else {
        return Err(v.refuse_with(ESRCH, format_args!("no task with pid {pid}")));
    };
    *state.selected.lock() = Some(t);
    Ok(())
}

/// `pid`: the selected pid, or `none`.
pub(crate) fn show_pid(state: &State, f: &mut SeqOut) -> fmt::Result {
    match &*state.selected.lock() {
        Some(t) => writeln!(f, "{}", t.pid()),
        None => writeln!(f, "none"),
    }
}

/// `task`: the selected task in depth, its fields grouped by topic.
pub(crate) fn show_task(state: &State, f: &mut SeqOut) -> fmt::Result {
    // Take our own reference so the lock is not held while the task is read (`mm_info` sleeps).
    let Some(t) = state.selected.lock().clone() else {
        return writeln!(f, "no task selected: write a pid to pid");
    };
    let t: &Task = &t;
    let pid = t.pid();

    // Relationships from one walk: processes whose real parent is this task, and processes
    // sharing its real parent.
    let parent = t.real_parent_pid();
    let (mut children, mut siblings) = (0u32, 0u32);
    {
        let guard = rcu::read_lock();
        for p in processes(&guard) {
            let pp = p.real_parent_pid();
            if pp == pid {
                children += 1;
            } else if pp == parent && p.pid() != pid {
                siblings += 1;
            }
        }
    }

    let state_c = t.state_char();
    writeln!(f, "# identity")?;
    writeln!(f, "pid: {pid}")?;
    writeln!(f, "tgid: {}", t.tgid())?;
    writeln!(f, "ppid: {}", t.ppid())?;
    writeln!(f, "real_parent: {parent}")?;
    writeln!(f, "parent: {}", t.parent_pid())?;
    // The real_parent chain up to the swapper, copied under RCU, printed after (the first 32).
    let (mut up, mut n, mut more) = ([0; 32], 0, false);
    {
        let guard = rcu::read_lock();
        for a in ancestors(t, &guard).skip(1) {
            match up.get_mut(n) {
                Some(slot) => *slot = a.pid(),
                None => {
                    more = true;
                    break;
                }
            }
            n += 1;
        }
    }
    // A reaped task is unhashed: it has no `real_parent` left to climb.
    if n == 0 {
        writeln!(f, "ancestors: none")?;
    } else {
        write!(f, "ancestors:")?;
        for p in &up[..n] {
            write!(f, " {p}")?;
        }
        writeln!(f, "{}", if more { " ..." } else { "" })?;
    }
    writeln!(f, "group_leader: {}", t.tgid())?;
    writeln!(f, "comm: {}", t.comm())?;
    writeln!(f, "flags: {}", t.flags())?;
    writeln!(f, "# state")?;
    writeln!(f, "state: {state_c} ({})", state_letter_name(state_c))?;
    writeln!(f, "__state: {}", t.raw_state())?;
    let exit_state = t.exit_state();
    writeln!(f, "exit_state: {exit_state}")?;
    writeln!(f, "exit_code: {}", t.exit_code())?;
    writeln!(f, "# scheduling")?;
    writeln!(f, "sched_class: {}", t.sched_class())?;
    writeln!(f, "policy: {}", t.policy())?;
    writeln!(f, "prio: {}", t.prio())?;
    writeln!(f, "static_prio: {}", t.static_prio())?;
    writeln!(f, "normal_prio: {}", t.normal_prio())?;
    writeln!(f, "rt_priority: {}", t.rt_priority())?;
    writeln!(f, "nice: {}", t.nice())?;
    writeln!(f, "weight: {}", t.weight())?;
    writeln!(f, "inv_weight: {}", t.inv_weight())?;
    writeln!(f, "vruntime: {}", t.vruntime())?;
    writeln!(f, "deadline: {}", t.deadline())?;
    writeln!(f, "se_depth: {}", t.se_depth())?;
    writeln!(f, "slice: {}", t.slice())?;
    writeln!(f, "vlag: {}", t.vlag())?;
    writeln!(f, "sum_exec_runtime: {}", t.sum_exec_runtime())?;
    writeln!(f, "run_delay: {}", t.run_delay())?;
    writeln!(f, "pcount: {}", t.pcount())?;
    let (runtime, deadline, period) = t.dl_params();
    writeln!(
        f,
        "dl_runtime: {runtime}\ndl_deadline: {deadline}\ndl_period: {period}"
    )?;
    writeln!(f, "nvcsw: {}", t.nvcsw())?;
    writeln!(f, "nivcsw: {}", t.nivcsw())?;
    writeln!(f, "on_rq: {}", t.on_rq())?;
    writeln!(f, "on_cpu: {}", t.on_cpu())?;
    writeln!(f, "cpu: {}", t.cpu())?;
    writeln!(f, "cpus_mask: {}", t.cpus_allowed())?;
    writeln!(f, "nr_cpus_allowed: {}", t.nr_cpus_allowed())?;
    writeln!(f, "# memory")?;
    match t.mm_info() {
        Some((total_vm, map_count, users)) => {
            writeln!(f, "mm: yes")?;
            writeln!(f, "total_vm: {total_vm}")?;
            writeln!(f, "map_count: {map_count}")?;
            writeln!(f, "mm_users: {users}")?;
        }
        None if t.is_kthread() => writeln!(f, "mm: NULL (kernel thread)")?,
        None => writeln!(f, "mm: NULL (exited)")?,
    }
    writeln!(f, "# files")?;
    match t.nr_fds() {
        Some(n) => writeln!(f, "open_fds: {n}")?,
        None => writeln!(f, "open_fds: - (no files_struct)")?,
    }
    writeln!(f, "# signals")?;
    match t.sigsets() {
        Some((pending, shared, blocked)) => writeln!(
            f,
            "pending: {pending:016x}\nshared_pending: {shared:016x}\nblocked: {blocked:016x}"
        )?,
        None => writeln!(f, "pending: - (signal handlers released)")?,
    }
    writeln!(f, "# credentials")?;
    let (uid, gid, euid) = t.creds();
    writeln!(f, "uid: {uid}")?;
    writeln!(f, "gid: {gid}")?;
    writeln!(f, "euid: {euid}")?;
    writeln!(f, "# namespaces")?;
    match t.pid_ns() {
        Some((level, nr)) => {
            writeln!(f, "pid_ns_level: {level}")?;
            writeln!(f, "pid_in_ns: {nr}")?;
        }
        None => writeln!(f, "pid_ns_level: - (detached)")?,
    }
    writeln!(f, "# relationships")?;
    writeln!(f, "children: {children}")?;
    writeln!(f, "siblings: {siblings}")?;
    writeln!(f, "threads: {}", t.nr_threads())?;
    if exit_state != ExitState::Alive {
        writeln!(
            f,
            "# the task has exited; its task_struct is kept by our reference"
        )?;
    }
    Ok(())
}
