// SPDX-License-Identifier: GPL-2.0

//! proclab_tasks: the kernel's task list, as the scheduler sees it.
//!
//! Walks the real task list with `for_each_process()` / `for_each_process_thread()` semantics
//! under the RCU read lock and shows it in `/sys/kernel/debug/proclab/tasks/`:
//!
//! - `tasks`: one line per process, the `task_struct` fields procfs scatters over many files;
//! - `threads`: one line per thread, with small ids for the `mm`, `files` and `sighand` it uses;
//! - `tree`: the process tree from the swapper (pid 0), as `real_parent` links it;
//! - `pid` (write a pid) and `task`: one task in depth;
//! - `summary`: states, zombies, D-state sleepers, children of init;
//! - `facts`: sizes and constants of this kernel that the course texts disagree on.
//!
//! See `Documentation/tasks.rst` for what each field means and where it comes from.

use core::fmt::{self, Write};
use kernel::{
    alloc::{AllocError, KVVec},
    bindings, new_mutex,
    prelude::*,
    sync::{aref::ARef, Mutex},
    task::{Pid, Task},
};

// Shared with the modules that have control files; `pid` takes only a number.
#[allow(dead_code)]
#[path = "../../rust/proclab/cmd.rs"]
mod cmd;
#[path = "../../rust/proclab/debugfs.rs"]
mod debugfs;
#[path = "../../rust/proclab/task.rs"]
mod task;

use cmd::{Arg, Command, Table, Values};
use debugfs::{one_page, Cell, Column, FileSpec, Files, Root, SeqOut};

use task::{
    find_task, processes, snapshot, state_letter_name, Comm, ExitState, ObjKey, Policy, TaskExt,
    TaskRow, TaskSleepingExt, Walk, STATE_LETTERS,
};

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

// ---------------------------------------------------------------------------------------------
// tasks

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
fn show_tasks(_state: &State, f: &mut SeqOut) -> fmt::Result {
    f.header(&TASK_COLS)?;
    f.write_str("comm\n")?;
    let guard = kernel::sync::rcu::read_lock();
    // Most tasks may run on every CPU: format a CPU list only when it differs from the last.
    let mut cpus: Option<(&Task, task::ShortStr)> = None;
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

// ---------------------------------------------------------------------------------------------
// threads

/// What `threads` records of each thread during the walk.
struct ThreadRow {
    pid: Pid,
    tgid: Pid,
    mm: Option<ObjKey>,
    files: Option<ObjKey>,
    sighand: Option<ObjKey>,
    comm: Comm,
}

/// Small, stable ids for kernel objects: an object's id is the lowest pid among the tasks that
/// use it, so all threads sharing an `mm` show the same number, and the number stays the same
/// from one read to the next while that task lives. The address itself is never shown.
///
/// Sized by the number of threads, like the snapshot: a [`KVVec`], which `vmalloc()` serves past
/// `kmalloc()`'s largest object.
struct Ids(KVVec<(ObjKey, Pid)>);

impl Ids {
    fn new(rows: &[ThreadRow], key: impl Fn(&ThreadRow) -> Option<ObjKey>) -> Result<Self> {
        let mut v = KVVec::with_capacity(rows.len(), GFP_KERNEL)?;
        for r in rows {
            if let Some(k) = key(r) {
                v.push((k, r.pid), GFP_KERNEL)?;
            }
        }
        // Sorted by key, then by pid: the first entry of each key holds its lowest pid.
        v.sort_unstable();
        Ok(Ids(v))
    }

    fn get(&self, key: Option<ObjKey>) -> Option<Pid> {
        let key = key?;
        let i = self.0.partition_point(|(k, _)| *k < key);
        self.0
            .get(i)
            .filter(|(k, _)| *k == key)
            .map(|(_, pid)| *pid)
    }
}

/// An id column: the id, or `-` when the task has no such object.
struct IdCol(Option<Pid>);

impl fmt::Display for IdCol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(id) => fmt::Display::fmt(&id, f),
            None => f.pad("-"),
        }
    }
}

fn show_threads(_state: &State, f: &mut SeqOut) -> fmt::Result {
    let rows = match snapshot(Walk::Threads, |t| ThreadRow {
        pid: t.pid(),
        tgid: t.tgid(),
        mm: t.mm_key(),
        files: t.files_key(),
        sighand: t.sighand_key(),
        comm: t.comm(),
    }) {
        Ok(rows) => rows,
        Err(e) => return alloc_failed(f, e),
    };
    let (Ok(mm), Ok(files), Ok(sighand)) = (
        Ids::new(&rows, |r| r.mm),
        Ids::new(&rows, |r| r.files),
        Ids::new(&rows, |r| r.sighand),
    ) else {
        return alloc_failed(f, AllocError);
    };
    writeln!(
        f,
        "{:>7} {:>7} {:>7} {:>7} {:>7} {:>7} comm",
        "pid", "tgid", "mm", "files", "sighand", "shares"
    )?;
    // The walk visits the threads of a group one after the other, so a group is a run of rows.
    let mut group: Option<(Pid, Option<&ThreadRow>)> = None;
    for (i, r) in rows.iter().enumerate() {
        // The leader is the thread whose pid is the tgid; "shares" says which of its objects
        // this thread uses too (m: mm, f: files, s: sighand).
        let leader = match group {
            Some((tgid, leader)) if tgid == r.tgid => leader,
            _ => {
                let leader = rows[i..]
                    .iter()
                    .take_while(|l| l.tgid == r.tgid)
                    .find(|l| l.pid == r.tgid);
                group = Some((r.tgid, leader));
                leader
            }
        };
        let shares = |a: Option<ObjKey>, b: Option<ObjKey>| a.is_some() && a == b;
        let (m, fi, s) = match leader {
            Some(l) => (
                shares(r.mm, l.mm),
                shares(r.files, l.files),
                shares(r.sighand, l.sighand),
            ),
            None => (false, false, false),
        };
        let flag = |on: bool, c: char| if on { c } else { '-' };
        writeln!(
            f,
            "{:>7} {:>7} {:>7} {:>7} {:>7} {:>5}{}{}{} {}",
            r.pid,
            r.tgid,
            IdCol(mm.get(r.mm)),
            IdCol(files.get(r.files)),
            IdCol(sighand.get(r.sighand)),
            "",
            flag(m, 'm'),
            flag(fi, 'f'),
            flag(s, 's'),
            r.comm
        )?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// tree

/// What `tree` records of each process.
struct TreeRow {
    pid: Pid,
    ppid: Pid,
    nr_threads: i32,
    comm: Comm,
}

fn show_tree(_state: &State, f: &mut SeqOut) -> fmt::Result {
    let mut rows = match snapshot(Walk::Processes, |t| TreeRow {
        pid: t.pid(),
        // The parent's tgid, as the children/sibling lists of `real_parent` link them.
        ppid: t.ppid(),
        nr_threads: t.nr_threads(),
        comm: t.comm(),
    }) {
        Ok(rows) => rows,
        Err(e) => return alloc_failed(f, e),
    };
    // Children of a parent become one run, in pid order: a binary search finds the run.
    rows.sort_unstable_by_key(|r| (r.ppid, r.pid));
    writeln!(f, "0 swapper")?;
    // Depth-first from pid 0 with an explicit stack of (parent, index of the next child). A chain
    // of processes, each the child of the last, is as deep as the task list is long.
    let mut stack = match KVVec::with_capacity(16, GFP_KERNEL) {
        Ok(s) => s,
        Err(e) => return alloc_failed(f, e),
    };
    if stack.push((0 as Pid, 0usize), GFP_KERNEL).is_err() {
        return alloc_failed(f, AllocError);
    }
    while let Some(&(parent, next)) = stack.last() {
        let first = rows.partition_point(|r| r.ppid < parent);
        let child = rows
            .get(first + next)
            .filter(|r| r.ppid == parent && r.pid != parent);
        let depth = stack.len();
        let Some(r) = child else {
            stack.pop();
            continue;
        };
        if let Some(top) = stack.last_mut() {
            top.1 += 1;
        }
        write!(f, "{:width$}{} {}", "", r.pid, r.comm, width = depth * 2)?;
        if r.nr_threads > 1 {
            write!(f, " ({} threads)", r.nr_threads)?;
        }
        writeln!(f)?;
        // A pid 0 parent only appears for the swapper's children; never descend into pid 0.
        if r.pid != 0 && stack.push((r.pid, 0), GFP_KERNEL).is_err() {
            return alloc_failed(f, AllocError);
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// pid and task

/// The one command of `pid`: the whole write is the pid (as in `echo 42 >pid`).
static PID_COMMANDS: Table<State> = Table {
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

fn select_pid(state: &State, v: &Values<'_>) -> Result {
    // At most `pid_max`, checked by the table.
    let pid = Pid::try_from(v.uint(0)?).map_err(|_| EINVAL)?;
    let Some(t) = find_task(pid) else {
        return Err(v.refuse_with(ESRCH, format_args!("no task with pid {pid}")));
    };
    *state.selected.lock() = Some(t);
    Ok(())
}

fn show_pid(state: &State, f: &mut SeqOut) -> fmt::Result {
    match &*state.selected.lock() {
        Some(t) => writeln!(f, "{}", t.pid()),
        None => writeln!(f, "none"),
    }
}

fn show_task(state: &State, f: &mut SeqOut) -> fmt::Result {
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
        let guard = kernel::sync::rcu::read_lock();
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
    writeln!(f, "slice: {}", t.slice())?;
    writeln!(f, "sum_exec_runtime: {}", t.sum_exec_runtime())?;
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

// ---------------------------------------------------------------------------------------------
// summary

/// What `summary` records of each thread.
struct SummaryRow {
    pid: Pid,
    tgid: Pid,
    ppid: Pid,
    state: char,
    kthread: bool,
    comm: Comm,
    wchan: Option<task::ShortStr>,
}

/// The row of `summary` for one thread; called under the RCU read lock of the walk.
fn summary_row(t: &Task) -> SummaryRow {
    let state = t.state_char();
    SummaryRow {
        pid: t.pid(),
        tgid: t.tgid(),
        ppid: t.ppid(),
        state,
        kthread: t.is_kthread(),
        comm: t.comm(),
        wchan: (state == 'D').then(|| t.wchan()),
    }
}

fn show_summary(_state: &State, f: &mut SeqOut) -> fmt::Result {
    let rows = match snapshot(Walk::Threads, summary_row) {
        Ok(rows) => rows,
        Err(e) => return alloc_failed(f, e),
    };
    let comm_of = |pid: Pid| rows.iter().find(|r| r.pid == pid).map(|r| r.comm);
    let processes = rows.iter().filter(|r| r.pid == r.tgid).count();
    let kthreads = rows.iter().filter(|r| r.pid == r.tgid && r.kthread).count();
    writeln!(f, "processes: {processes}")?;
    writeln!(f, "threads: {}", rows.len())?;
    writeln!(f, "kernel_threads: {kthreads}")?;
    writeln!(f, "# threads per state")?;
    for c in STATE_LETTERS {
        let n = rows.iter().filter(|r| r.state == c).count();
        writeln!(f, "{c} {:<13} {n}", state_letter_name(c))?;
    }

    writeln!(
        f,
        "# zombies: exited, not yet reaped by their parent's wait()"
    )?;
    writeln!(f, "{:>7} {:<16} {:>7} parent_comm", "pid", "comm", "ppid")?;
    for r in rows.iter().filter(|r| r.state == 'Z' && r.pid == r.tgid) {
        match comm_of(r.ppid) {
            Some(pc) => writeln!(f, "{:>7} {:<16} {:>7} {}", r.pid, r.comm, r.ppid, pc)?,
            None => writeln!(f, "{:>7} {:<16} {:>7} ?", r.pid, r.comm, r.ppid)?,
        }
    }

    writeln!(f, "# uninterruptible sleep (D): where each one waits")?;
    writeln!(f, "{:>7} {:<16} wchan", "pid", "comm")?;
    for r in rows.iter().filter(|r| r.state == 'D') {
        match &r.wchan {
            Some(w) if !w.is_empty() => writeln!(f, "{:>7} {:<16} {}", r.pid, r.comm, w)?,
            _ => writeln!(f, "{:>7} {:<16} - (needs CONFIG_STACKTRACE)", r.pid, r.comm)?,
        }
    }

    writeln!(
        f,
        "# children of init (pid 1): orphans are reparented here; the kernel keeps no mark that \
         tells them from init's own children"
    )?;
    writeln!(f, "{:>7} comm", "pid")?;
    for r in rows.iter().filter(|r| r.ppid == 1 && r.pid == r.tgid) {
        writeln!(f, "{:>7} {}", r.pid, r.comm)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// facts

fn show_facts(_state: &State, f: &mut SeqOut) -> fmt::Result {
    let current: &Task = kernel::current!();
    writeln!(
        f,
        "task_struct_size: {} bytes (sizeof, this build)",
        task::TASK_STRUCT_SIZE
    )?;
    match current.object_size() {
        Some(size) => writeln!(
            f,
            "task_struct_object: {size} bytes (slab object of a live task: task_struct + FPU state)"
        )?,
        None => writeln!(f, "task_struct_object: - (init_task is static)")?,
    }
    writeln!(
        f,
        "kernel_stack: {} bytes (THREAD_SIZE)",
        task::thread_size()
    )?;
    writeln!(f, "pid_max: {}", task::pid_max())?;
    let (pid_max_default, pid_max_limit) = task::pid_max_bounds();
    writeln!(f, "pid_max_default: {pid_max_default} (PID_MAX_DEFAULT)")?;
    writeln!(f, "pid_max_limit: {pid_max_limit} (PID_MAX_LIMIT)")?;
    writeln!(f, "HZ: {}", task::hz())?;
    writeln!(f, "task_comm_len: {}", task::TASK_COMM_LEN)?;

    // The nice -> weight table as the scheduler applied it to the live tasks: per nice value,
    // the weights of the NORMAL and BATCH tasks at that nice (IDLE and real-time tasks have
    // weights of their own).
    let mut seen = [(0u32, u64::MAX, 0u64); task::NICE_LEVELS];
    {
        let guard = kernel::sync::rcu::read_lock();
        for t in processes(&guard) {
            if !matches!(t.policy(), Policy::NORMAL | Policy::BATCH) {
                continue;
            }
            let Ok(i) = usize::try_from(t.nice() - task::NICE_MIN) else {
                continue;
            };
            if let Some(e) = seen.get_mut(i) {
                let w = t.weight();
                *e = (e.0 + 1, e.1.min(w), e.2.max(w));
            }
        }
    }
    match seen.get((0 - task::NICE_MIN) as usize) {
        Some(&(n, w, _)) if n > 0 => writeln!(
            f,
            "NICE_0_LOAD: {w} (the weight of the {n} nice-0 tasks; the scheduler keeps it \
             shifted left by SCHED_FIXEDPOINT_SHIFT={})",
            task::SCHED_FIXEDPOINT_SHIFT
        )?,
        _ => writeln!(f, "NICE_0_LOAD: - (no nice-0 task to measure)")?,
    }
    writeln!(
        f,
        "# nice -> weight, measured on the live NORMAL/BATCH tasks"
    )?;
    writeln!(f, "{:>4} {:>6} tasks", "nice", "weight")?;
    for (i, &(n, lo, hi)) in seen.iter().enumerate() {
        if n == 0 {
            continue;
        }
        let nice = task::NICE_MIN + i as i32;
        if lo == hi {
            writeln!(f, "{nice:>4} {lo:>6} {n}")?;
        } else {
            writeln!(f, "{nice:>4} {lo}..{hi} {n}")?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------

/// Bytes per line the size hints allow: `tasks` lines are about 190 bytes and a name.
const TASKS_LINE: usize = 256;
const THREADS_LINE: usize = 80;
/// Indentation plus pid and name, for a tree a few levels deep.
const TREE_LINE: usize = 64;

fn hint_tasks(_state: &State) -> usize {
    (task::count(Walk::Processes) + 1) * TASKS_LINE
}

fn hint_threads(_state: &State) -> usize {
    (task::count(Walk::Threads) + 1) * THREADS_LINE
}

fn hint_tree(_state: &State) -> usize {
    (task::count(Walk::Processes) + 1) * TREE_LINE
}

fn hint_summary(_state: &State) -> usize {
    // The lists of zombies, D sleepers and init's children have a line per task at most.
    (task::count(Walk::Threads) + 16) * TREE_LINE
}

/// The files of `proclab/tasks/`.
static FILES: [FileSpec<State>; 7] = [
    FileSpec {
        name: c"tasks",
        show: show_tasks,
        size_hint: hint_tasks,
        write: None,
    },
    FileSpec {
        name: c"threads",
        show: show_threads,
        size_hint: hint_threads,
        write: None,
    },
    FileSpec {
        name: c"tree",
        show: show_tree,
        size_hint: hint_tree,
        write: None,
    },
    FileSpec {
        name: c"pid",
        show: show_pid,
        size_hint: one_page,
        write: Some(&PID_COMMANDS),
    },
    FileSpec {
        name: c"task",
        show: show_task,
        size_hint: one_page,
        write: None,
    },
    FileSpec {
        name: c"summary",
        show: show_summary,
        size_hint: hint_summary,
        write: None,
    },
    FileSpec {
        name: c"facts",
        show: show_facts,
        size_hint: one_page,
        write: None,
    },
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

#[kunit_tests(proclab_tasks)]
mod tests {
    use super::*;

    /// A snapshot larger than `kmalloc()`'s largest object is taken all the same: `summary`'s rows
    /// (its own function, through the same `snapshot` path) with room for 4.5 MiB of them, as the
    /// room `snapshot` makes for about 23,000 threads. With a `KVec` this fails (and the page
    /// allocator warns about an order above `MAX_PAGE_ORDER`); a `KVVec` takes it from `vmalloc()`.
    #[test]
    fn snapshot_beyond_kmalloc_max() -> Result {
        let max = bindings::KMALLOC_MAX_SIZE as usize;
        let row = core::mem::size_of::<SummaryRow>();
        let room = (max + max / 8) / row;
        let rows = task::snapshot_with_room(Walk::Threads, room, summary_row)?;
        assert!(rows.capacity() * row > max);
        // The walk filled it: init and kthreadd are there, each once.
        assert_eq!(rows.iter().filter(|r| r.pid == 1).count(), 1);
        assert_eq!(rows.iter().filter(|r| r.pid == 2).count(), 1);
        Ok(())
    }
}
