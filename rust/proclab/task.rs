// SPDX-License-Identifier: GPL-2.0

//! Tasks: walking the task list and reading `task_struct` fields.
//!
//! C header: [`include/linux/sched.h`](srctree/include/linux/sched.h) and
//! [`include/linux/sched/signal.h`](srctree/include/linux/sched/signal.h).
//!
//! This file only gathers the parts, one concern each:
//!
//! - `task/walk.rs`: the task list under RCU ([`processes`], [`threads`], [`snapshot`],
//!   [`find_task`]);
//! - `task/fields.rs`: the field readers ([`TaskExt`], [`TaskSleepingExt`]);
//! - `task/row.rs`: one line of the `tasks` table in one C call ([`TaskRow`]);
//! - `task/values.rs`: typed field values (state letters, [`ExitState`], [`TaskFlags`],
//!   [`TaskStateBits`]; a task's policy is a `sched.rs` [`Policy`], so a module that includes
//!   this file includes that one as `mod sched` too);
//! - `task/comm.rs`: the task name ([`Comm`]) and short texts ([`ShortStr`]);
//! - `task/wchan.rs`: where a sleeping task waits, as function names;
//! - `task/limits.rs`: sizes and limits of this build (`HZ`, `THREAD_SIZE`, `pid_max`).
//!
//! A module that uses this file links `rust/helpers/task.c` into itself (see
//! `samples/tasks/helpers.c`). `task/kunit.rs` holds the tests, built into `proclab_tasks` only.

#[path = "task/comm.rs"]
mod comm;
#[path = "task/fields.rs"]
mod fields;
#[path = "task/limits.rs"]
mod limits;
#[path = "task/row.rs"]
mod row;
#[path = "task/values.rs"]
mod values;
#[path = "task/walk.rs"]
mod walk;
#[path = "task/wchan.rs"]
mod wchan;

// A module that includes this file uses only part of it (`proclab_kthreads` reads a few fields;
// the `#[allow(dead_code)]` on its `mod task` covers the items, this covers the re-exports).
#[allow(unused_imports)]
pub(crate) use crate::sched::Policy;
#[allow(unused_imports)]
pub(crate) use comm::{Comm, Escaped, EscapedComm, ShortStr, TextBuf, TASK_COMM_LEN};
#[allow(unused_imports)]
pub(crate) use fields::{ObjKey, TaskExt, TaskSleepingExt};
#[allow(unused_imports)]
pub(crate) use limits::{
    hz, pid_max, pid_max_bounds, thread_size, NICE_LEVELS, NICE_MIN, SCHED_FIXEDPOINT_SHIFT,
    TASK_STRUCT_SIZE,
};
#[allow(unused_imports)]
pub(crate) use row::TaskRow;
#[allow(unused_imports)]
pub(crate) use values::{state_letter_name, ExitState, TaskFlags, TaskStateBits, STATE_LETTERS};
#[allow(unused_imports)]
pub(crate) use walk::{
    ancestors, count, find_task, processes, snapshot, snapshot_with_room, threads, Ancestors,
    Processes, Threads, Walk,
};
#[allow(unused_imports)]
pub(crate) use wchan::format_frames;
