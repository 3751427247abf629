// SPDX-License-Identifier: GPL-2.0

//! An experiment: a plan of threads ([`Member`]s, each a name, a policy and a [`Body`]), bound
//! to one CPU (all but `deadline`), traced by the latency probes from before their first run,
//! and the `experiment` file that sets what they got beside what the course claims.

use crate::{
    bodies::{Body, Pi, Progress},
    kthread::{cpu_online, Thread, ThreadNew},
    latency::{Tracker, SLOTS},
    sched::{DlParams, Nice, RtPriority, Setting, BW_SHIFT},
    task::TaskExt,
};
use core::{
    fmt::{self, Write},
    sync::atomic::Ordering::Relaxed,
};
use kernel::{
    alloc::AllocError,
    cpu::{nr_cpu_ids, CpuId},
    prelude::*,
    str::CString,
    sync::{aref::ARef, Arc},
    task::Task,
    time::{Delta, Instant, Monotonic},
};

/// The longest an experiment's `MS` may be.
pub(crate) const MAX_MS: u64 = 3_000;
/// The shortest.
pub(crate) const MIN_MS: u64 = 100;
/// The most threads of a `deadline` experiment.
pub(crate) const MAX_DL_THREADS: u64 = 4;

/// The priorities of `pi`'s low, medium and high threads, and of `preempt`'s waker.
const PI_PRIOS: [u32; 3] = [10, 20, 30];
const WAKER_PRIO: u32 = 50;
/// The FIFO thread of `classes` and `fifo`.
const FIFO_PRIO: u32 = 10;
/// The deadline thread of `classes`: 10 ms every 100 ms.
const CLASSES_DL: (u64, u64, u64) = (10_000_000, 100_000_000, 100_000_000);
/// `fifo_levels`' periodic thread: runs this long, then sleeps as long.
const LEVELS_PERIOD: Delta = Delta::from_millis(8);

/// What an experiment shows.
#[derive(Clone, Copy)]
pub(crate) enum Kind {
    /// Two SCHED_RR threads at one priority, then two SCHED_FIFO threads at it.
    Rr(RtPriority),
    /// A FIFO thread at the first priority spins; one at the second runs and sleeps in turn.
    FifoLevels(RtPriority, RtPriority),
    /// `n` deadline threads, on any CPU.
    Deadline(DlParams, u32),
    /// One thread of each class on one CPU.
    Classes,
    /// Priority inversion with an `rt_mutex` (`true`) or a `mutex`.
    Pi(bool),
    /// A FIFO waker against a spinner, with preemption on, then off.
    Preempt,
    /// Two fair threads at two nice values.
    Nice(Nice, Nice),
    /// SCHED_BATCH (`true`) or SCHED_IDLE against a SCHED_NORMAL thread.
    Fair(bool),
    /// A FIFO thread against a SCHED_NORMAL one.
    Fifo,
}

/// One thread of an experiment.
pub(crate) struct Member {
    pub(crate) name: &'static str,
    pub(crate) thread: Thread<()>,
    /// Its deadline parameters as the task held them once set (the kernel clears them when a
    /// deadline task exits).
    dl_params: (u64, u64, u64),
}

/// A running or finished experiment.
pub(crate) struct Experiment {
    kind: Kind,
    ms: u64,
    cpu: Option<CpuId>,
    pub(crate) members: KVec<Member>,
    progress: Arc<Progress>,
    pi: Option<Arc<Pi>>,
}

/// Why an experiment did not start: the error, and the thread it stopped at.
pub(crate) struct Refused {
    pub(crate) err: Error,
    pub(crate) thread: &'static str,
    /// The tasks of the threads made before, which may still hold deadline bandwidth: they
    /// are stopped, and the kernel releases it at their 0-lag time.
    pub(crate) holders: KVec<ARef<Task>>,
}

impl From<Error> for Refused {
    fn from(err: Error) -> Self {
        Refused {
            err,
            thread: "-",
            holders: KVec::new(),
        }
    }
}

impl From<AllocError> for Refused {
    fn from(_: AllocError) -> Self {
        ENOMEM.into()
    }
}

/// How many CPUs are online.
pub(crate) fn online_cpus() -> u32 {
    let n = (0..nr_cpu_ids())
        .filter_map(CpuId::from_u32)
        .filter(|&c| cpu_online(c))
        .count();
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The highest online CPU: CPU 0 stays free for the shell (and everything else).
fn experiment_cpu() -> Result<CpuId> {
    (1..nr_cpu_ids())
        .rev()
        .filter_map(CpuId::from_u32)
        .find(|&c| cpu_online(c))
        .ok_or(ENODEV)
}

fn rt(prio: u32) -> Result<RtPriority> {
    RtPriority::new(prio)
}

/// The plan of `kind`: each thread's name, setting and body.
fn plan(
    kind: Kind,
    ms: u64,
    start: Instant<Monotonic>,
    pi: Option<&Arc<Pi>>,
) -> Result<KVec<(&'static str, Setting, Body)>> {
    let at = |ms: u64| start + Delta::from_millis(i64::try_from(ms).unwrap_or(0));
    let spin = |from, end| Body::Spin {
        from: at(from),
        end: at(end),
    };
    let normal = Setting::Normal(Nice::DEFAULT);
    let mut p = KVec::new();
    match kind {
        Kind::Rr(prio) => {
            p.push(("rr0", Setting::RoundRobin(prio), spin(0, ms)), GFP_KERNEL)?;
            p.push(("rr1", Setting::RoundRobin(prio), spin(0, ms)), GFP_KERNEL)?;
            p.push(("fifo0", Setting::Fifo(prio), spin(ms, 2 * ms)), GFP_KERNEL)?;
            p.push(("fifo1", Setting::Fifo(prio), spin(ms, 2 * ms)), GFP_KERNEL)?;
        }
        Kind::FifoLevels(a, b) => {
            p.push(("a", Setting::Fifo(a), spin(0, ms)), GFP_KERNEL)?;
            let periodic = Body::Periodic {
                from: at(0),
                end: at(ms),
                run: LEVELS_PERIOD,
                nap: LEVELS_PERIOD,
            };
            p.push(("b", Setting::Fifo(b), periodic), GFP_KERNEL)?;
        }
        Kind::Deadline(dl, n) => {
            const NAMES: [&str; MAX_DL_THREADS as usize] = ["dl0", "dl1", "dl2", "dl3"];
            for name in NAMES.iter().take(n as usize) {
                let body = Body::SpinExit {
                    from: at(0),
                    end: at(ms),
                };
                p.push((*name, Setting::Deadline(dl), body), GFP_KERNEL)?;
            }
        }
        Kind::Classes => {
            let (r, d, q) = CLASSES_DL;
            let dl = Setting::Deadline(DlParams::new(r, d, q)?);
            p.push(("dl", dl, spin(0, ms)), GFP_KERNEL)?;
            p.push(
                ("fifo", Setting::Fifo(rt(FIFO_PRIO)?), spin(0, ms)),
                GFP_KERNEL,
            )?;
            p.push(("normal", normal, spin(0, ms)), GFP_KERNEL)?;
            p.push(
                ("batch", Setting::Batch(Nice::DEFAULT), spin(0, ms)),
                GFP_KERNEL,
            )?;
            p.push(("idle", Setting::Idle, spin(0, ms)), GFP_KERNEL)?;
        }
        Kind::Pi(_) => {
            let pi = pi.ok_or(EINVAL)?;
            let [lo, mid, hi] = PI_PRIOS;
            // The low thread first: it is stopped first, and unlocks for the high one.
            let body = Body::PiLow(pi.clone());
            p.push(("low", Setting::Fifo(rt(lo)?), body), GFP_KERNEL)?;
            let body = Body::PiMedium(pi.clone());
            p.push(("medium", Setting::Fifo(rt(mid)?), body), GFP_KERNEL)?;
            let body = Body::PiHigh(pi.clone());
            p.push(("high", Setting::Fifo(rt(hi)?), body), GFP_KERNEL)?;
        }
        Kind::Preempt => {
            let waker = |from, end| Body::Periodic {
                from: at(from),
                end: at(end),
                run: Delta::ZERO,
                nap: Delta::from_millis(1),
            };
            let fifo = Setting::Fifo(rt(WAKER_PRIO)?);
            p.push(("spin", normal, spin(0, ms)), GFP_KERNEL)?;
            p.push(("wake", fifo, waker(0, ms)), GFP_KERNEL)?;
            let body = Body::SpinNoPreempt {
                from: at(ms),
                end: at(2 * ms),
            };
            p.push(("spinoff", normal, body), GFP_KERNEL)?;
            p.push(("wakeoff", fifo, waker(ms, 2 * ms)), GFP_KERNEL)?;
        }
        Kind::Nice(a, b) => {
            p.push(("nice0", Setting::Normal(a), spin(0, ms)), GFP_KERNEL)?;
            p.push(("nice1", Setting::Normal(b), spin(0, ms)), GFP_KERNEL)?;
        }
        Kind::Fair(batch) => {
            let (name, s) = if batch {
                ("batch", Setting::Batch(Nice::DEFAULT))
            } else {
                ("idle", Setting::Idle)
            };
            p.push((name, s, spin(0, ms)), GFP_KERNEL)?;
            p.push(("normal", normal, spin(0, ms)), GFP_KERNEL)?;
        }
        Kind::Fifo => {
            p.push(
                ("fifo", Setting::Fifo(rt(FIFO_PRIO)?), spin(0, ms)),
                GFP_KERNEL,
            )?;
            p.push(("normal", normal, spin(0, ms)), GFP_KERNEL)?;
        }
    }
    Ok(p)
}

impl Experiment {
    /// Starts `kind` for `ms` milliseconds, traced by `tracker`. Nothing is left running if
    /// it fails: the threads made so far are stopped before they ran.
    pub(crate) fn start(kind: Kind, ms: u64, tracker: &Tracker) -> Result<Self, Refused> {
        let cpu = match kind {
            Kind::Deadline(..) => None,
            _ => Some(experiment_cpu()?),
        };
        let pi = match kind {
            Kind::Pi(inherit) => {
                let hog = Delta::from_millis(i64::try_from(ms).map_err(|_| EINVAL)?);
                let section = Delta::from_micros(hog.as_micros_ceil() / 8);
                Some(Pi::new(inherit, section, hog)?)
            }
            _ => None,
        };
        // The threads start a little after they are all made, at the same moment.
        let start = Instant::<Monotonic>::now() + Delta::from_millis(20);
        let plan = plan(kind, ms, start, pi.as_ref())?;
        if plan.len() > SLOTS {
            return Err(EINVAL.into());
        }
        let progress = Progress::new(plan.len(), start)?;
        let mut new: KVec<(&str, ThreadNew<()>)> = KVec::with_capacity(plan.len(), GFP_KERNEL)?;
        for (name, setting, body) in plan {
            let comm = CString::try_from_fmt(fmt!("plsched/{name}"))?;
            let p = progress.clone();
            let t = Thread::new(&comm, move |cur| body.run(cur, &p))?;
            // A deadline thread bound to one CPU is refused (EPERM): set it first, then
            // bind it with the kernel-internal `kthread_bind()`, which does not check.
            let set = t.set_policy(setting).and_then(|()| match cpu {
                Some(cpu) => t.bind(cpu),
                None => Ok(()),
            });
            if let Err(err) = set {
                let made = new.iter().map(|(_, t)| t.task());
                let mut holders = KVec::new();
                for task in Iterator::chain(made, core::iter::once(t.task())) {
                    if task.dl_params().0 != 0 {
                        holders.push(ARef::from(task), GFP_KERNEL)?;
                    }
                }
                // `new` and `t` are dropped on the way out: their threads stop unrun.
                return Err(Refused {
                    err,
                    thread: name,
                    holders,
                });
            }
            new.push((name, t), GFP_KERNEL)?;
        }
        tracker.arm(new.iter().map(|(_, t)| t.task()));
        let mut members = KVec::with_capacity(new.len(), GFP_KERNEL)?;
        for (name, t) in new {
            let dl_params = t.task().dl_params();
            members.push(
                Member {
                    name,
                    thread: t.start(),
                    dl_params,
                },
                GFP_KERNEL,
            )?;
        }
        Ok(Experiment {
            kind,
            ms,
            cpu,
            members,
            progress,
            pi,
        })
    }

    /// Whether a thread still has work to do, or a deadline thread's bandwidth is still
    /// reserved.
    pub(crate) fn running(&self) -> bool {
        !self.progress.done() || self.holds_bandwidth()
    }

    /// Whether a deadline thread that exited still holds its bandwidth. 7.3 keeps it until
    /// the thread's 0-lag time, up to a period after its last run, even when it exits
    /// (`task_non_contending()` arms the inactive timer, whose handler releases it and
    /// clears the thread's parameters with `__dl_clear_params()`): until then a new
    /// experiment's deadline threads could be refused.
    fn holds_bandwidth(&self) -> bool {
        matches!(self.kind, Kind::Deadline(..))
            && self
                .members
                .iter()
                .any(|m| m.thread.task().dl_params().0 != 0)
    }

    /// The tasks of the threads that hold deadline bandwidth: a deadline thread, or one the
    /// kernel has not released yet (its `dl_runtime` stays set until then).
    pub(crate) fn bandwidth_holders(&self) -> Result<KVec<ARef<Task>>> {
        let mut v = KVec::new();
        for m in self.members.iter() {
            if m.thread.task().dl_params().0 != 0 {
                v.push(ARef::from(m.thread.task()), GFP_KERNEL)?;
            }
        }
        Ok(v)
    }

    /// The experiment's name, as its command starts.
    fn name(&self) -> &'static str {
        match self.kind {
            Kind::Rr(_) => "rr",
            Kind::FifoLevels(..) => "fifo_levels",
            Kind::Deadline(..) => "deadline",
            Kind::Classes => "classes",
            Kind::Pi(true) => "pi",
            Kind::Pi(false) => "nopi",
            Kind::Preempt => "preempt",
            Kind::Nice(..) => "nice",
            Kind::Fair(true) => "fair batch",
            Kind::Fair(false) => "fair idle",
            Kind::Fifo => "fifo",
        }
    }

    /// The member named `name`.
    fn member(&self, name: &str) -> Option<&Member> {
        self.members.iter().find(|m| m.name == name)
    }

    /// The `experiment` file.
    pub(crate) fn show(&self, f: &mut impl Write, tracker: &Tracker) -> fmt::Result {
        writeln!(f, "experiment: {}", self.name())?;
        match self.cpu {
            Some(cpu) => writeln!(f, "cpu: {}", cpu.as_u32())?,
            None => writeln!(f, "cpu: any")?,
        }
        writeln!(f, "duration_ms: {}", self.ms)?;
        let state = if !self.progress.done() {
            "running"
        } else if self.holds_bandwidth() {
            "releasing (deadline bandwidth held until the 0-lag time)"
        } else {
            "done"
        };
        writeln!(f, "state: {state}")?;
        let elapsed = self.progress.elapsed_ns();
        writeln!(f, "elapsed_ns: {elapsed}")?;
        let total: u64 = self
            .members
            .iter()
            .map(|m| m.thread.task().sum_exec_runtime())
            .sum();
        for m in self.members.iter() {
            let t = m.thread.task();
            let run = t.sum_exec_runtime();
            let n = m.name;
            writeln!(f, "{n}.pid: {}", t.pid())?;
            writeln!(f, "{n}.policy: {}", m.thread.policy())?;
            writeln!(f, "{n}.prio: {}", t.prio())?;
            writeln!(f, "{n}.nice: {}", t.nice())?;
            writeln!(f, "{n}.weight: {}", t.weight())?;
            writeln!(f, "{n}.sum_exec_runtime_ns: {run}")?;
            writeln!(f, "{n}.share_pct: {}", Permille(run, total))?;
            writeln!(f, "{n}.cpu_pct: {}", Permille(run, elapsed))?;
            if let Some((count, sum, max)) = tracker.totals(t, true) {
                writeln!(f, "{n}.runqlat_count: {count}")?;
                writeln!(f, "{n}.runqlat_sum_ns: {sum}")?;
                writeln!(f, "{n}.runqlat_max_ns: {max}")?;
            }
            if let Some(ns) = tracker.median_run_ns(core::iter::once(t)) {
                writeln!(f, "{n}.median_run_ns: {ns}")?;
            }
        }
        self.show_results(f, tracker)
    }

    /// What this kind measures beyond the shares, with the course's claim beside it.
    fn show_results(&self, f: &mut impl Write, tracker: &Tracker) -> fmt::Result {
        match self.kind {
            Kind::Rr(_) => {
                writeln!(f, "claim: SCHED_RR is SCHED_FIFO with a time slice (e.g., 100ms); after it the task goes to the end of its priority queue (T3 6.1)")?;
                writeln!(f, "rr_timeslice_default_ms: 100 (RR_TIMESLICE; /proc/sys/kernel/sched_rr_timeslice_ms sets it)")?;
                for n in ["rr0", "rr1", "fifo0", "fifo1"] {
                    if let Some(m) = self.member(n) {
                        let runs = tracker.totals(m.thread.task(), false).map_or(0, |t| t.0);
                        writeln!(f, "{n}.runs: {runs}")?;
                    }
                }
                let rr = ["rr0", "rr1"].into_iter().filter_map(|n| self.member(n));
                if let Some(ns) = tracker.median_run_ns(rr.map(|m| m.thread.task())) {
                    writeln!(f, "rr.median_run_ns: {ns}")?;
                }
                writeln!(
                    f,
                    "claim: SCHED_FIFO runs until it blocks or yields, no timeslice (T2 8)"
                )
            }
            Kind::FifoLevels(a, b) => {
                writeln!(f, "claim: higher-priority SCHED_FIFO tasks preempt lower-priority ones (T3 6.1); higher-prio task preempts immediately (T2 8)")?;
                writeln!(f, "a.rt_priority: {}\nb.rt_priority: {}", a.get(), b.get())?;
                writeln!(
                    f,
                    "b.period_ms: run {0} then sleep {0}",
                    LEVELS_PERIOD.as_millis()
                )
            }
            Kind::Deadline(dl, n) => self.show_deadline(f, dl, n),
            Kind::Classes => {
                writeln!(f, "claim: classes are picked real-time first, then CFS, then SCHED_IDLE (T3 7.1); 7.3: stop > dl > rt > fair (NORMAL, BATCH, IDLE) > ext > idle")?;
                writeln!(f, "claim: SCHED_FIFO: starvation possible (T2 8); 7.3: the fair server runs fair tasks 50 ms per 1000 ms on each CPU")?;
                let (r, _, q) = CLASSES_DL;
                writeln!(f, "dl.bandwidth_pct: {}", Permille(r, q))?;
                writeln!(f, "idle.weight_note: SCHED_IDLE is in the fair class at weight 3 (WEIGHT_IDLEPRIO), not the idle class")
            }
            Kind::Pi(inherit) => self.show_pi(f, inherit),
            Kind::Preempt => {
                writeln!(f, "claim: kernel preemption at every IRQ return if preempt_count == 0 (T2 11); not in sections protected by preempt_disable() (T3 7.2)")?;
                writeln!(
                    f,
                    "no_preempt_window_ms: {}",
                    crate::bodies::NO_PREEMPT_WINDOW.as_millis()
                )
            }
            Kind::Nice(a, b) => {
                writeln!(f, "claim: two tasks with nice 0 each get 50%; nice 0 vs 5 ~75%/25% (T1); weights 0 -> 1024, 5 -> 335, -5 -> 3121 (T2)")?;
                let (wa, wb) = (self.weight_of("nice0"), self.weight_of("nice1"));
                writeln!(
                    f,
                    "nice0.nice_set: {}\nnice1.nice_set: {}",
                    a.get(),
                    b.get()
                )?;
                writeln!(f, "nice0.predicted_pct: {}", Permille(wa, wa + wb))?;
                writeln!(f, "nice1.predicted_pct: {}", Permille(wb, wa + wb))
            }
            Kind::Fair(batch) => {
                let n = if batch { "batch" } else { "idle" };
                writeln!(f, "claim: SCHED_BATCH for CPU-intensive work, nice -20 to +19 (T1); SCHED_IDLE only when nothing else runs (T1), lowest priority (T3 4.2)")?;
                let (w, wn) = (self.weight_of(n), self.weight_of("normal"));
                writeln!(f, "{n}.predicted_pct: {}", Permille(w, w + wn))?;
                writeln!(f, "normal.predicted_pct: {}", Permille(wn, w + wn))
            }
            Kind::Fifo => {
                writeln!(f, "claim: RT tasks always preempt CFS tasks; lower-priority tasks can starve (T2 16 Q5)")?;
                writeln!(
                    f,
                    "fair_server: 50 ms of every 1000 ms for fair tasks on each CPU (7.3 default)"
                )
            }
        }
    }

    fn weight_of(&self, name: &str) -> u64 {
        self.member(name).map_or(0, |m| m.thread.task().weight())
    }

    fn show_deadline(&self, f: &mut impl Write, dl: DlParams, n: u32) -> fmt::Result {
        writeln!(f, "claim: SCHED_DEADLINE is EDF; the kernel enforces bandwidth admission control, the task declares runtime/period/deadline (T2 8)")?;
        writeln!(
            f,
            "runtime_ns: {}\ndeadline_ns: {}\nperiod_ns: {}\nthreads: {n}",
            dl.runtime(),
            dl.deadline(),
            dl.period()
        )?;
        for m in self.members.iter() {
            let (r, d, p) = m.dl_params;
            writeln!(f, "{}.dl_params_ns: {r} {d} {p}", m.name)?;
            // Zero once the kernel has released the thread's bandwidth.
            let (r, d, p) = m.thread.task().dl_params();
            writeln!(f, "{}.dl_params_now_ns: {r} {d} {p}", m.name)?;
        }
        let bw = dl.bw();
        writeln!(
            f,
            "bw_per_thread: {bw}/{} (runtime/period << {BW_SHIFT})",
            1u64 << BW_SHIFT
        )?;
        writeln!(
            f,
            "predicted_cpu_pct: {}",
            Permille(dl.runtime(), dl.period())
        )?;
        admission(f, bw, n)
    }

    fn show_pi(&self, f: &mut impl Write, inherit: bool) -> fmt::Result {
        let Some(pi) = &self.pi else { return Ok(()) };
        writeln!(f, "claim: the low-priority task temporarily inherits the high-priority task's priority while holding the lock (T3 6.2)")?;
        writeln!(
            f,
            "claim: kernel mutexes (struct mutex) support priority inheritance by default (T3 6.2)"
        )?;
        writeln!(f, "lock: {}", if inherit { "rt_mutex" } else { "mutex" })?;
        writeln!(f, "section_cpu_ns: {}", pi.section().as_nanos())?;
        writeln!(f, "section_wall_ns: {}", pi.section_wall_ns.load(Relaxed))?;
        writeln!(f, "high.wait_ns: {}", pi.high_wait_ns.load(Relaxed))?;
        let held = pi.low_prio_held.load(Relaxed);
        if held != i32::MAX {
            writeln!(f, "low.prio_while_held: {held}")?;
        }
        writeln!(f, "low.prio_after: {}", pi.low_prio_after.load(Relaxed))?;
        if let Some(h) = self.member("high") {
            writeln!(f, "high.prio: {}", h.thread.task().prio())?;
        }
        Ok(())
    }
}

impl Drop for Experiment {
    /// Leaves the threads ready to stop at once; the members, dropped next, stop them one by
    /// one with `kthread_stop()`.
    ///
    /// A thread asked to stop could wait behind a sibling of higher priority that has not
    /// been asked yet: every body leaves its work first. A deadline thread throttled at that
    /// moment runs again at its next period, at most 1 s away (`control.rs`). It is not made
    /// `SCHED_NORMAL` to stop sooner: 7.3 never returns the bandwidth of a deadline task that
    /// leaves the class while it sleeps (`switched_from_dl()` arms no timer for a task that
    /// is not queued), and one that parks right then would keep it until a root domain is
    /// rebuilt.
    fn drop(&mut self) {
        self.progress.abort();
    }
}

/// The admission arithmetic of `n` deadline threads of bandwidth `bw`, as
/// `__dl_overflow()` does it on a root domain of the online CPUs.
fn admission(f: &mut impl Write, bw: u64, n: u32) -> fmt::Result {
    let cpus = u64::from(online_cpus());
    let unit = 1u64 << BW_SHIFT;
    // The fair server of each CPU: 50 ms per 1000 ms, to_ratio(1000 ms, 50 ms).
    let server = (50u64 << BW_SHIFT) / 1000;
    let cap = cpus * unit;
    let asked = bw * u64::from(n);
    let servers = cpus * server;
    writeln!(f, "admission_capacity: {cpus} CPUs x {unit} = {cap}")?;
    writeln!(f, "admission_fair_servers: {cpus} x {server} = {servers}")?;
    writeln!(
        f,
        "admission_asked: {n} x {bw} = {asked}, {} with the servers: {}",
        asked + servers,
        if asked + servers <= cap {
            "fits"
        } else {
            "does not fit"
        }
    )
}

/// `num/den` as a percentage with one decimal.
struct Permille(u64, u64);

impl fmt::Display for Permille {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Runtimes are below 2^54 ns (six months), so the product does not saturate.
        let pm = self.0.saturating_mul(1000) / self.1.max(1);
        write!(f, "{}.{}", pm / 10, pm % 10)
    }
}
