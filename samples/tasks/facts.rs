// SPDX-License-Identifier: GPL-2.0

//! `facts`: sizes and constants of this kernel that the course texts disagree on, and the
//! nice -> weight table as the scheduler applied it to the live tasks.

use core::fmt::{self, Write};
use kernel::{sync::rcu, task::Task};

use crate::debugfs::SeqOut;
use crate::sched::Policy;
use crate::task::{self, processes, TaskExt};
use crate::State;

/// Writes the sizes and constants, then the nice -> weight table measured on the live tasks.
pub(crate) fn show(_state: &State, f: &mut SeqOut) -> fmt::Result {
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
        let guard = rcu::read_lock();
        for t in processes(&guard) {
            if !matches!(t.policy(), Policy::Normal | Policy::Batch) {
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
