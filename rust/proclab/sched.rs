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

/// The parameters of a `SCHED_DEADLINE` task, in nanoseconds: it is given `runtime` of CPU
/// time in every `period`, to be used within `deadline` of the period's start.
///
/// # Invariants
///
/// `MIN_RUNTIME_NS <= runtime <= deadline <= period <= MAX_PERIOD_NS`, the order
/// `__checkparam_dl()` requires, and `period >= MIN_PERIOD_NS`, the default of
/// `sched_deadline_period_min_us`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct DlParams {
    runtime: u64,
    deadline: u64,
    period: u64,
}

// proclab_sched sets deadline tasks; the other modules that include this file do not.
#[allow(dead_code)]
impl DlParams {
    /// The least runtime the kernel takes: `1 << DL_SCALE` ns (`__checkparam_dl()`).
    pub(crate) const MIN_RUNTIME_NS: u64 = 1 << 10;
    /// The default `/proc/sys/kernel/sched_deadline_period_min_us`: 100 us.
    pub(crate) const MIN_PERIOD_NS: u64 = 100_000;
    /// The default `/proc/sys/kernel/sched_deadline_period_max_us`: about 4 s.
    pub(crate) const MAX_PERIOD_NS: u64 = (1 << 22) * 1000;

    /// The parameters, or `EINVAL` unless `runtime <= deadline <= period` within the limits
    /// above.
    pub(crate) fn new(runtime: u64, deadline: u64, period: u64) -> Result<Self> {
        let ordered = Self::MIN_RUNTIME_NS <= runtime && runtime <= deadline && deadline <= period;
        let period_ok = (Self::MIN_PERIOD_NS..=Self::MAX_PERIOD_NS).contains(&period);
        // INVARIANT: checked here.
        (ordered && period_ok)
            .then_some(DlParams {
                runtime,
                deadline,
                period,
            })
            .ok_or(EINVAL)
    }

    /// The runtime in ns.
    pub(crate) fn runtime(self) -> u64 {
        self.runtime
    }

    /// The relative deadline in ns.
    pub(crate) fn deadline(self) -> u64 {
        self.deadline
    }

    /// The period in ns.
    pub(crate) fn period(self) -> u64 {
        self.period
    }

    /// The bandwidth `runtime / period` as the kernel keeps it, `to_ratio()`: a fraction of
    /// `1 << BW_SHIFT` (2^20), rounded down.
    pub(crate) fn bw(self) -> u64 {
        // No overflow: runtime <= period < 2^33 by the invariants, so the product is < 2^53.
        (self.runtime << BW_SHIFT) / self.period
    }
}

/// The fixed point of the deadline class's bandwidths (`BW_SHIFT` in `kernel/sched/sched.h`).
#[allow(dead_code)]
pub(crate) const BW_SHIFT: u32 = 20;

/// A policy with the parameter `sched_setattr()` sets it with (the policies this project sets).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Setting {
    /// [`Policy::Normal`] at a nice value.
    Normal(Nice),
    /// [`Policy::Fifo`] at a priority.
    Fifo(RtPriority),
    /// [`Policy::RoundRobin`] at a priority.
    RoundRobin(RtPriority),
    /// [`Policy::Batch`] at a nice value.
    // proclab_sched sets these three; the other modules that include this file do not.
    #[allow(dead_code)]
    Batch(Nice),
    /// [`Policy::Idle`] (its weight is fixed; the nice value is kept for a return to NORMAL).
    #[allow(dead_code)]
    Idle,
    /// [`Policy::Deadline`] with its parameters.
    #[allow(dead_code)]
    Deadline(DlParams),
}

/// The fields of a `struct sched_attr` that [`Setting`] fills.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct RawAttr {
    pub(crate) policy: u32,
    pub(crate) priority: u32,
    pub(crate) nice: i32,
    pub(crate) runtime: u64,
    pub(crate) deadline: u64,
    pub(crate) period: u64,
}

impl Setting {
    /// The policy.
    pub(crate) fn policy(self) -> Policy {
        match self {
            Setting::Normal(_) => Policy::Normal,
            Setting::Fifo(_) => Policy::Fifo,
            Setting::RoundRobin(_) => Policy::RoundRobin,
            Setting::Batch(_) => Policy::Batch,
            Setting::Idle => Policy::Idle,
            Setting::Deadline(_) => Policy::Deadline,
        }
    }

    /// The `sched_attr` fields: the policy, the real-time priority (0 outside real time), the
    /// nice value (0 where it is ignored) and the deadline parameters (0 outside
    /// `SCHED_DEADLINE`).
    pub(crate) fn as_raw(self) -> RawAttr {
        let policy = self.policy().as_raw();
        let base = RawAttr {
            policy,
            ..RawAttr::default()
        };
        match self {
            Setting::Normal(nice) | Setting::Batch(nice) => RawAttr {
                nice: nice.get(),
                ..base
            },
            Setting::Fifo(prio) | Setting::RoundRobin(prio) => RawAttr {
                priority: prio.get(),
                ..base
            },
            Setting::Idle => base,
            Setting::Deadline(dl) => RawAttr {
                runtime: dl.runtime(),
                deadline: dl.deadline(),
                period: dl.period(),
                ..base
            },
        }
    }
}
