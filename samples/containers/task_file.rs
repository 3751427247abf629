// SPDX-License-Identifier: GPL-2.0

//! `containers/task`: one task as a container sees it. Write a pid; read `key: value` lines: its
//! namespaces (`rust/proclab/ns.rs`), its user namespace's owner and `uid_map`, its cgroup
//! (`rust/proclab/cgroup.rs`) and its depth in the fair group hierarchy (`TaskExt::se_depth`),
//! and what the OOM killer would weigh (`rust/proclab/oom.rs`).

use crate::{
    cgroup::task_cgroup,
    cmd::{Arg, Command, Table, Values},
    debugfs::SeqOut,
    ns::{nspids, task_ns, user_ns},
    oom::oom_view,
    task::{find_task, TaskExt},
    State,
};
use core::fmt::{self, Write};
use kernel::{prelude::*, task::Pid};

pub(crate) static COMMANDS: Table<State> = Table {
    file: "containers/task",
    commands: &[Command {
        verb: &[],
        args: &[Arg::uint("PID", 1, 4194304)],
        help: "select the task PID",
        run: select,
    }],
};

fn select(s: &State, v: &Values<'_>) -> Result {
    let pid = Pid::try_from(v.uint(0)?)?;
    if find_task(pid).is_none() {
        return Err(v.refuse_with(ESRCH, format_args!("no such task")));
    }
    *s.task_pid.lock() = Some(pid);
    Ok(())
}

/// `task`: the selected task, or the help if none is selected.
pub(crate) fn show(s: &State, f: &mut SeqOut) -> fmt::Result {
    let Some(pid) = *s.task_pid.lock() else {
        return COMMANDS.help(f);
    };
    writeln!(f, "pid: {pid}")?;
    let Some(t) = find_task(pid) else {
        return writeln!(f, "task: gone");
    };
    writeln!(f, "comm: {}", t.comm())?;

    writeln!(f, "# namespaces (ns_<kind>: /proc/<pid>/ns/<kind>)")?;
    let n = task_ns(&t);
    for (key, inum) in [
        ("uts", n.uts),
        ("ipc", n.ipc),
        ("mnt", n.mnt),
        ("net", n.net),
        ("pid", n.pid),
        ("pid_for_children", n.pid_for_children),
        ("time", n.time),
        ("time_for_children", n.time_for_children),
        ("cgroup", n.cgroup),
        ("user", n.user),
    ] {
        writeln!(f, "ns_{key}: {inum}")?;
    }
    writeln!(f, "nspids: {}", nspids(&t))?;

    writeln!(f, "# user namespace (/proc/<pid>/uid_map)")?;
    let u = user_ns(&t);
    writeln!(f, "user_ns_level: {}", u.level)?;
    writeln!(f, "user_ns_owner: {}", u.owner)?;
    write!(f, "uid_map:")?;
    for (i, [inside, outside, count]) in u.extents().iter().enumerate() {
        write!(
            f,
            "{} {inside} {outside} {count}",
            if i > 0 { ";" } else { "" }
        )?;
    }
    if u.nr_extents as usize > u.extents().len() {
        write!(f, "; ... ({} extents)", u.nr_extents)?;
    }
    writeln!(f)?;

    writeln!(f, "# cgroup (/proc/<pid>/cgroup)")?;
    let (id, path) = task_cgroup(&t);
    writeln!(f, "cgroup: {path}")?;
    writeln!(f, "cgroup_id: {id}")?;
    writeln!(f, "se_depth: {}", t.se_depth())?;

    writeln!(f, "# OOM killer (/proc/<pid>/oom_score, oom_score_adj)")?;
    let o = oom_view(&t);
    writeln!(f, "oom_score_adj: {}", o.adj)?;
    writeln!(f, "oom_rss_pages: {}", o.rss)?;
    writeln!(f, "oom_swap_pages: {}", o.swap)?;
    writeln!(f, "oom_pgtables_pages: {}", o.pgtables)?;
    match o.points {
        Some(p) => writeln!(f, "oom_points: {p}")?,
        None => writeln!(f, "oom_points: none (never picked)")?,
    }
    writeln!(f, "oom_totalpages: {}", o.totalpages)?;
    writeln!(f, "oom_score: {}", o.score)
}
