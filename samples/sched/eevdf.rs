// SPDX-License-Identifier: GPL-2.0

//! `sched/eevdf`: how EEVDF sees each fair thread of the experiment, and the 7.3 knob that
//! replaced CFS's target latency and minimum granularity.
//!
//! EEVDF (the fair class since 6.6) gives each entity a request of `slice` nanoseconds of
//! CPU. Its virtual `deadline` is `vruntime + slice * 1024 / weight`, and the run queue picks
//! the eligible entity (lag >= 0: owed service) with the earliest deadline. At a dequeue it
//! saves the entity's lag in `vlag`, which `place_entity()` restores at the next enqueue. The
//! default `slice` is `sysctl_sched_base_slice`, 0.7 ms scaled like the old knobs by
//! 1 + ilog2(CPUs) (up to 8 CPUs), readable in `/sys/kernel/debug/sched/base_slice_ns`.

use crate::{debugfs::SeqOut, experiment::online_cpus, sched::Policy, task::TaskExt, State};
use core::fmt::{self, Write};

/// The unscaled base slice, `sysctl_sched_base_slice`'s default (`kernel/sched/fair.c`).
const NORMALIZED_BASE_SLICE_NS: u64 = 700_000;

/// `get_update_sysctl_factor()` under the default `SCHED_TUNABLESCALING_LOG`.
fn scale_factor() -> u64 {
    let cpus = online_cpus().clamp(1, 8);
    1 + u64::from(cpus.checked_ilog2().unwrap_or(0))
}

/// `eevdf`: the fair threads of the experiment.
pub(crate) fn show_eevdf(s: &State, f: &mut SeqOut) -> fmt::Result {
    let factor = scale_factor();
    writeln!(
        f,
        "claim: target latency (e.g., 20ms), minimum granularity (e.g., 1ms) (T3 5.3)"
    )?;
    writeln!(
        f,
        "base_slice_predicted_ns: {NORMALIZED_BASE_SLICE_NS} x (1 + ilog2({} CPUs)) = {}",
        online_cpus(),
        NORMALIZED_BASE_SLICE_NS.saturating_mul(factor)
    )?;
    let run = s.experiment.lock();
    let Some(exp) = run.as_ref() else {
        return writeln!(f, "no experiment yet");
    };
    writeln!(
        f,
        "{:<8} {:>7} {:>6} {:>5} {:>6} {:>16} {:>16} {:>9} {:>10}",
        "thread", "pid", "policy", "nice", "weight", "vruntime", "deadline", "slice_ns", "vlag_ns"
    )?;
    for m in exp.members.iter() {
        let t = m.thread.task();
        let policy = m.thread.policy();
        if !matches!(policy, Policy::Normal | Policy::Batch | Policy::Idle) {
            continue;
        }
        writeln!(
            f,
            "{:<8} {:>7} {:>6} {:>5} {:>6} {:>16} {:>16} {:>9} {:>10}",
            m.name,
            t.pid(),
            policy,
            t.nice(),
            t.weight(),
            t.vruntime(),
            t.deadline(),
            t.slice(),
            t.vlag()
        )?;
    }
    Ok(())
}
