// SPDX-License-Identifier: GPL-2.0

//! Scheduling policies, nice values and real-time priorities as types.
//!
//! C header: [`include/uapi/linux/sched.h`](srctree/include/uapi/linux/sched.h) (the `SCHED_*`
//! policies) and [`include/linux/sched/prio.h`](srctree/include/linux/sched/prio.h) (the ranges).
//!
//! [`Policy`] is what `task_struct::policy` holds, read with [`Policy::from_raw`] and printed
//! with the names `chrt` uses. [`Setting`] is a policy together with the parameter
//! `sched_setattr()` needs for it, built only from a checked [`Nice`] or [`RtPriority`], so that
//! an out-of-range value is refused before anything reaches the scheduler. This file holds no
//! `unsafe` and is shared: a module includes it as `mod sched`.

use core::fmt;
use kernel::{bindings, prelude::*};

/// A scheduling policy, the value of `task_struct::policy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Policy {
    /// `SCHED_NORMAL` (`SCHED_OTHER`): the fair class, weighted by the nice value.
    Normal,
    /// `SCHED_FIFO`: real time, runs until it blocks or a higher priority wakes.
    Fifo,
    /// `SCHED_RR`: `SCHED_FIFO` with a time slice among equal priorities.
    RoundRobin,
    /// `SCHED_BATCH`: fair class, treated as CPU-bound on wake-up.
    Batch,
    /// `SCHED_IDLE`: fair class at a weight below nice 19.
    Idle,
    /// `SCHED_DEADLINE`: earliest deadline first, with runtime, deadline and period.
    Deadline,
    /// `SCHED_EXT`: a BPF scheduler.
    Ext,
    /// A value this kernel does not define.
    Unknown(u32),
}

impl Policy {
    /// The policy `task_struct::policy` (or `sched_attr::sched_policy`) holds as `raw`.
    pub(crate) fn from_raw(raw: u32) -> Self {
        match raw {
            bindings::SCHED_NORMAL => Policy::Normal,
            bindings::SCHED_FIFO => Policy::Fifo,
            bindings::SCHED_RR => Policy::RoundRobin,
            bindings::SCHED_BATCH => Policy::Batch,
            bindings::SCHED_IDLE => Policy::Idle,
            bindings::SCHED_DEADLINE => Policy::Deadline,
            bindings::SCHED_EXT => Policy::Ext,
            other => Policy::Unknown(other),
        }
    }

    /// The `SCHED_*` value of the policy.
    pub(crate) fn as_raw(self) -> u32 {
        match self {
            Policy::Normal => bindings::SCHED_NORMAL,
            Policy::Fifo => bindings::SCHED_FIFO,
            Policy::RoundRobin => bindings::SCHED_RR,
            Policy::Batch => bindings::SCHED_BATCH,
            Policy::Idle => bindings::SCHED_IDLE,
            Policy::Deadline => bindings::SCHED_DEADLINE,
            Policy::Ext => bindings::SCHED_EXT,
            Policy::Unknown(raw) => raw,
        }
    }

    /// The policy's name without the `SCHED_` prefix, as `chrt` prints it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Policy::Normal => "NORMAL",
            Policy::Fifo => "FIFO",
            Policy::RoundRobin => "RR",
            Policy::Batch => "BATCH",
            Policy::Idle => "IDLE",
            Policy::Deadline => "DEADLINE",
            Policy::Ext => "EXT",
            Policy::Unknown(_) => "UNKNOWN",
        }
    }
}

impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

/// A nice value, `MIN_NICE..=MAX_NICE` (-20 to 19).
///
/// # Invariants
///
/// The value is in `MIN_NICE..=MAX_NICE`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Nice(i32);

impl Nice {
    /// The lowest (most favoured) nice value, `MIN_NICE`.
    pub(crate) const MIN: i32 = bindings::MIN_NICE;
    /// The highest nice value, `MAX_NICE`.
    pub(crate) const MAX: i32 = bindings::MAX_NICE as i32;
    /// Nice 0, what every task starts with.
    pub(crate) const DEFAULT: Nice = Nice(0);

    /// `nice`, or `EINVAL` outside `MIN..=MAX`.
    pub(crate) fn new(nice: i32) -> Result<Self> {
        // INVARIANT: checked here.
        (Self::MIN..=Self::MAX)
            .contains(&nice)
            .then_some(Nice(nice))
            .ok_or(EINVAL)
    }

    /// The value.
    pub(crate) fn get(self) -> i32 {
        self.0
    }
}

/// A real-time priority for `SCHED_FIFO` and `SCHED_RR`, `1..MAX_RT_PRIO` (1 to 99); higher
/// runs first.
///
/// # Invariants
///
/// The value is in `1..MAX_RT_PRIO`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RtPriority(u32);

impl RtPriority {
    /// The highest priority, `MAX_RT_PRIO - 1`.
    pub(crate) const MAX: u32 = bindings::MAX_RT_PRIO - 1;

    /// `prio`, or `EINVAL` outside `1..=MAX`.
    pub(crate) fn new(prio: u32) -> Result<Self> {
        // INVARIANT: checked here.
        (1..=Self::MAX)
            .contains(&prio)
            .then_some(RtPriority(prio))
            .ok_or(EINVAL)
    }

    /// The value.
    pub(crate) fn get(self) -> u32 {
        self.0
    }
}

/// A policy with the parameter `sched_setattr()` sets it with (the policies this project sets).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Setting {
    /// [`Policy::Normal`] at a nice value.
    Normal(Nice),
    /// [`Policy::Fifo`] at a priority.
    Fifo(RtPriority),
    /// [`Policy::RoundRobin`] at a priority.
    RoundRobin(RtPriority),
}

impl Setting {
    /// The policy.
    pub(crate) fn policy(self) -> Policy {
        match self {
            Setting::Normal(_) => Policy::Normal,
            Setting::Fifo(_) => Policy::Fifo,
            Setting::RoundRobin(_) => Policy::RoundRobin,
        }
    }

    /// The `sched_attr` fields: policy, real-time priority (0 for the fair class) and nice
    /// value (0 for real time, where it is ignored).
    pub(crate) fn as_raw(self) -> (u32, u32, i32) {
        let policy = self.policy().as_raw();
        match self {
            Setting::Normal(nice) => (policy, 0, nice.get()),
            Setting::Fifo(prio) | Setting::RoundRobin(prio) => (policy, prio.get(), 0),
        }
    }
}
