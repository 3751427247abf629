// SPDX-License-Identifier: GPL-2.0

//! Typed values of `task_struct` fields: the state letter, `exit_state`, the `PF_*` bits of
//! `flags`, the `TASK_*` bits of `__state`, and the scheduling policy.
//!
//! The bit values come from `bindings` (the kernel's own headers); the names shown are the
//! constants' names, so the two cannot drift apart.

use core::fmt;
use kernel::bindings;

/// The letters `task_state_to_char()` produces, in its order (`"RSDTtXZPI"`).
pub(crate) const STATE_LETTERS: [char; 9] = ['R', 'S', 'D', 'T', 't', 'X', 'Z', 'P', 'I'];

/// The name of a state letter, as `fs/proc/array.c` has it (`unknown` for any other letter).
pub(crate) fn state_letter_name(c: char) -> &'static str {
    match c {
        'R' => "running",
        'S' => "sleeping",
        'D' => "disk sleep",
        'T' => "stopped",
        't' => "tracing stop",
        'X' => "dead",
        'Z' => "zombie",
        'P' => "parked",
        'I' => "idle",
        _ => "unknown",
    }
}

/// The `exit_state` of a task: alive, a zombie, or being reaped.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExitState {
    /// Not exited (`exit_state == 0`).
    Alive,
    /// `EXIT_ZOMBIE`: exited, waiting for its parent's `wait()`.
    Zombie,
    /// `EXIT_DEAD`: being released.
    Dead,
}

impl ExitState {
    pub(super) fn from_raw(exit_state: i32) -> Self {
        match u32::try_from(exit_state).unwrap_or(0) {
            0 => ExitState::Alive,
            s if s & bindings::EXIT_ZOMBIE != 0 => ExitState::Zombie,
            _ => ExitState::Dead,
        }
    }

    /// The name as the kernel's constant has it, `-` for a live task.
    pub(crate) fn name(self) -> &'static str {
        match self {
            ExitState::Alive => "-",
            ExitState::Zombie => "ZOMBIE",
            ExitState::Dead => "DEAD",
        }
    }
}

impl fmt::Display for ExitState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

/// `(value, constant name)` for each named constant of `bindings`.
macro_rules! named_bits {
    ($($name:ident)*) => {
        &[$((bindings::$name, stringify!($name))),*]
    };
}

/// The `PF_*` bits of `task_struct::flags`, in bit order.
const PF_BITS: &[(u32, &str)] = named_bits! {
    PF_VCPU PF_IDLE PF_EXITING PF_POSTCOREDUMP PF_IO_WORKER PF_WQ_WORKER PF_FORKNOEXEC
    PF_MCE_PROCESS PF_SUPERPRIV PF_DUMPCORE PF_SIGNALED PF_MEMALLOC PF_NPROC_EXCEEDED
    PF_USED_MATH PF_USER_WORKER PF_NOFREEZE PF_KCOMPACTD PF_KSWAPD PF_MEMALLOC_NOFS
    PF_MEMALLOC_NOIO PF_LOCAL_THROTTLE PF_KTHREAD PF_RANDOMIZE PF_NO_NOTIFY_SIGNAL
    PF_NO_SETAFFINITY PF_MCE_EARLY PF_MEMALLOC_PIN PF_BLOCK_TS PF_SUSPEND_TASK
};

/// The `TASK_*` bits of `task_struct::__state`, in bit order (`TASK_RUNNING` is 0).
const TASK_STATE_BITS: &[(u32, &str)] = named_bits! {
    TASK_INTERRUPTIBLE TASK_UNINTERRUPTIBLE __TASK_STOPPED __TASK_TRACED TASK_PARKED TASK_DEAD
    TASK_WAKEKILL TASK_WAKING TASK_NOLOAD TASK_NEW TASK_RTLOCK_WAIT TASK_FREEZABLE TASK_FROZEN
};

/// Writes `value` as `0xHEX (NAME|NAME)`: each set bit of `names` by its constant's name less
/// `prefix` (`PF_KTHREAD` as `KTHREAD`, `__TASK_STOPPED` as `__STOPPED`), bits without a name
/// as one hex number, and `zero` for no bit at all.
fn write_bits(
    f: &mut fmt::Formatter<'_>,
    value: u32,
    names: &[(u32, &str)],
    prefix: &str,
    zero: &str,
) -> fmt::Result {
    write!(f, "{value:#x} (")?;
    if value == 0 {
        f.write_str(zero)?;
    }
    let mut rest = value;
    let mut sep = "";
    for &(bit, name) in names {
        if value & bit != 0 {
            let (before, after) = name.split_once(prefix).unwrap_or(("", name));
            write!(f, "{sep}{before}{after}")?;
            sep = "|";
            rest &= !bit;
        }
    }
    if rest != 0 {
        write!(f, "{sep}{rest:#x}")?;
    }
    f.write_str(")")
}

/// `task_struct::flags`: the `PF_*` bits. Shown as `0xHEX (NAME|NAME)`, `none` for no bit.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct TaskFlags(pub(crate) u32);

impl TaskFlags {
    /// `PF_IDLE`: the task is a CPU's idle task.
    pub(crate) const IDLE: u32 = bindings::PF_IDLE;
    /// `PF_KTHREAD`: the task is a kernel thread.
    pub(crate) const KTHREAD: u32 = bindings::PF_KTHREAD;

    /// Whether every bit of `bits` is set.
    pub(crate) fn contains(self, bits: u32) -> bool {
        self.0 & bits == bits
    }
}

impl fmt::Display for TaskFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_bits(f, self.0, PF_BITS, "PF_", "none")
    }
}

/// `task_struct::__state`: the `TASK_*` bits. Shown as `0xHEX (NAME|NAME)`, `RUNNING` for 0.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct TaskStateBits(pub(crate) u32);

impl fmt::Display for TaskStateBits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_bits(f, self.0, TASK_STATE_BITS, "TASK_", "RUNNING")
    }
}
