// SPDX-License-Identifier: GPL-2.0

//! [`TaskRow`]: one line of the `tasks` table, every field read by one C call under the RCU
//! read lock of the walk (a call per field would cost more than the formatting).

use super::{
    comm::{Comm, TASK_COMM_LEN},
    values::{ExitState, TaskFlags},
};
use crate::sched::Policy;
use kernel::{bindings, sync::rcu, task::Task};

#[allow(improper_ctypes)]
extern "C" {
    fn proclab_task_row(
        p: *mut bindings::task_struct,
        prev: *const bindings::task_struct,
        r: *mut TaskRow,
    );
}

/// The fields of one line of the `tasks` table, read by one C call (`struct proclab_task_row` of
/// `rust/helpers/task.h`; the layouts must match: the same fields in the same order, an order in
/// which every field is naturally aligned without padding).
#[repr(C)]
#[derive(Default)]
pub(crate) struct TaskRow {
    /// `se.load.weight`, in the units of `sched_prio_to_weight[]`.
    pub(crate) weight: u64,
    /// `se.vruntime`, in nanoseconds of weighted CPU time.
    pub(crate) vruntime: u64,
    /// The state letter, `task_state_to_char()`.
    state: u32,
    /// `flags`: the `PF_*` bits.
    flags: u32,
    /// `se.sum_exec_runtime`: CPU time consumed, in nanoseconds.
    pub(crate) sum_exec_runtime: u64,
    /// Voluntary context switches.
    pub(crate) nvcsw: u64,
    /// Involuntary context switches.
    pub(crate) nivcsw: u64,
    /// `exit_state`.
    exit_state: i32,
    /// The pid (thread id).
    pub(crate) pid: i32,
    /// The thread-group id.
    pub(crate) tgid: i32,
    /// The real parent's tgid, 0 once the task is unhashed.
    pub(crate) ppid: i32,
    /// `signal->nr_threads`.
    pub(crate) nr_threads: i32,
    /// `task_cpu()`.
    pub(crate) cpu: u32,
    /// `comm`, as `get_task_comm()` copies it.
    comm: [u8; TASK_COMM_LEN],
    /// `prio`: the effective priority.
    pub(crate) prio: i32,
    /// `static_prio`: 120 + nice.
    pub(crate) static_prio: i32,
    /// `normal_prio`: the priority without boosting.
    pub(crate) normal_prio: i32,
    /// `rt_priority`: 1-99 for `SCHED_FIFO`/`SCHED_RR`.
    pub(crate) rt_priority: u32,
    /// The nice value.
    pub(crate) nice: i32,
    /// `policy`: the `SCHED_*` value.
    policy: u32,
    /// Whether the task may run on the same CPUs as the `prev` task given to [`Self::read`].
    pub(crate) same_cpus: bool,
}

// The size both sides compute (`BUILD_BUG_ON()` in `proclab_task_row()`): a field added to one
// side only breaks the build.
const _: () = assert!(core::mem::size_of::<TaskRow>() == 120);

impl TaskRow {
    /// Reads the row of `task`, which the walk under `_guard` yielded: the guard is what makes
    /// following `real_parent` safe. `same_cpus` compares its allowed CPUs with `prev`'s.
    pub(crate) fn read(task: &Task, prev: Option<&Task>, _guard: &rcu::Guard) -> Self {
        let mut r = TaskRow::default();
        let prev = prev.map_or(core::ptr::null(), |p| p.as_ptr().cast_const());
        // SAFETY: `task` and `prev` (or NULL) are valid tasks, their `cpus_ptr` masks freed only
        // with them; the RCU read lock (`_guard`) keeps `real_parent` valid while the shim follows
        // it; `r` is laid out as the C struct the shim fills.
        unsafe { proclab_task_row(task.as_ptr(), prev, &mut r) };
        r
    }

    /// The one-letter state.
    pub(crate) fn state_char(&self) -> char {
        u8::try_from(self.state).map_or('?', char::from)
    }

    /// The policy.
    pub(crate) fn policy(&self) -> Policy {
        Policy::from_raw(self.policy)
    }

    /// Whether the task is a kernel thread (`PF_KTHREAD`).
    pub(crate) fn is_kthread(&self) -> bool {
        TaskFlags(self.flags).contains(TaskFlags::KTHREAD)
    }

    /// `exit_state`.
    pub(crate) fn exit_state(&self) -> ExitState {
        ExitState::from_raw(self.exit_state)
    }

    /// The command name.
    pub(crate) fn comm(&self) -> Comm {
        Comm(self.comm)
    }
}
