// SPDX-License-Identifier: GPL-2.0

//! Sizes and limits of this kernel build that concern tasks: `HZ`, `THREAD_SIZE`, the
//! `pid_max` bounds, the size of `task_struct`, the range of nice values.

use kernel::{bindings, ffi::c_int, ffi::c_uint};

extern "C" {
    fn proclab_pid_max() -> c_int;
    fn proclab_hz() -> c_uint;
    fn proclab_pid_max_default() -> c_int;
    fn proclab_pid_max_limit() -> c_int;
    fn proclab_thread_size() -> usize;
}

/// The size of `struct task_struct` in this build, from its type.
pub(crate) const TASK_STRUCT_SIZE: usize = core::mem::size_of::<bindings::task_struct>();

/// The lowest nice value (`MIN_NICE`).
pub(crate) const NICE_MIN: i32 = bindings::MIN_NICE;

/// How many nice values there are (`NICE_WIDTH`: -20 to 19).
pub(crate) const NICE_LEVELS: usize = bindings::NICE_WIDTH as usize;

/// `SCHED_FIXEDPOINT_SHIFT`: the scheduler keeps load weights shifted left by this on 64-bit.
pub(crate) const SCHED_FIXEDPOINT_SHIFT: u32 = bindings::SCHED_FIXEDPOINT_SHIFT;

/// The kernel's `HZ`, the tick rate (`CONFIG_HZ`).
pub(crate) fn hz() -> u32 {
    // SAFETY: The shim takes no argument and returns the constant `HZ`.
    unsafe { proclab_hz() }
}

/// The size of a task's kernel stack, `THREAD_SIZE`.
pub(crate) fn thread_size() -> usize {
    // SAFETY: The shim takes no argument and returns the constant `THREAD_SIZE`.
    unsafe { proclab_thread_size() }
}

/// The initial pid namespace's `pid_max` (`/proc/sys/kernel/pid_max`).
pub(crate) fn pid_max() -> i32 {
    // SAFETY: The shim takes no argument; it reads an `int` of the static `init_pid_ns`, which
    // lives as long as the kernel, with `READ_ONCE()` (the sysctl writes it concurrently).
    unsafe { proclab_pid_max() }
}

/// `PID_MAX_DEFAULT` and `PID_MAX_LIMIT`: the default and the upper bound of `pid_max` in this
/// build (`CONFIG_BASE_SMALL` lowers both).
pub(crate) fn pid_max_bounds() -> (i32, i32) {
    // SAFETY: The shims take no argument and return compile-time constants.
    unsafe { (proclab_pid_max_default(), proclab_pid_max_limit()) }
}
