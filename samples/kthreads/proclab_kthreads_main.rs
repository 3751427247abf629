// SPDX-License-Identifier: GPL-2.0

//! proclab_kthreads: kernel threads that live, sleep, wake, get scheduled and die.
//!
//! Everything here runs on the kernel-thread abstraction of `rust/proclab/kthread.rs`, in safe
//! code. In `/sys/kernel/debug/proclab/kthreads/`:
//!
//! - `control`: commands (read it for the list): start and stop workers, change their nice
//!   value, policy and CPU, put one to sleep in `D`, `I` or killable state, run the
//!   producer/consumer and the fairness experiments;
//! - `workers`: one line per worker thread `proclab_worker/N`, as the scheduler sees it;
//! - `prodcons`: the counters of the producer/consumer pair;
//! - `experiment`: the last fairness experiment, measured against the weights' prediction.
//!
//! See `Documentation/kthreads.rst`.

use core::{
    fmt::{self, Write},
    hint::black_box,
    sync::atomic::{AtomicU64, Ordering::Relaxed},
};
use kernel::{
    list::{List, ListArc, ListLinks},
    new_mutex, new_spinlock,
    prelude::*,
    str::CString,
    sync::{aref::ARef, Arc, Mutex, SpinLock},
    task::Task,
    time::{Delta, Instant, Monotonic},
};

#[path = "../../rust/proclab/cmd.rs"]
mod cmd;
#[path = "../../rust/proclab/debugfs.rs"]
mod debugfs;
#[path = "../../rust/proclab/kthread.rs"]
mod kthread;
#[path = "../../rust/proclab/sched.rs"]
mod sched;
// Shared with proclab_tasks, which uses all of it; this module reads a few fields.
#[allow(dead_code)]
#[path = "../../rust/proclab/task.rs"]
mod task;

use cmd::{Arg, Command, Table, Values};
use debugfs::{one_page, Cell, Column, FileSpec, Files, Root, SeqOut};
use kernel::cpu::CpuId;
use kthread::{cpu_online, Current, Sleep, Thread, WaitCounts, Woken};
use sched::{Nice, RtPriority, Setting};
use task::TaskExt;

module! {
    type: ProclabKthreads,
    name: "proclab_kthreads",
    authors: ["proclab developers"],
    description: "proclab: kernel threads, sleep and wake-up, states, policies and affinity",
    license: "GPL",
    params: {
        nr_workers: u32 {
            default: 2,
            description: "Worker threads proclab_worker/N started at load (0 to 16)",
        },
    },
}

/// Worker slots: `start N` takes N below this.
const MAX_WORKERS: usize = 16;
/// How long a worker sleeps between two iterations.
const WORKER_NAP: Delta = Delta::from_millis(20);
/// The longest demo sleep and the longest experiment a command may ask for.
const MAX_SLEEP_MS: u64 = 60_000;
const MAX_EXPERIMENT_MS: u64 = 10_000;
/// The longest a SCHED_FIFO thread may hog its CPU in the FIFO experiment.
const MAX_FIFO_MS: u64 = 3_000;
/// The most events `prodcons` commands may have queued at once.
const MAX_EVENTS: u64 = 1_000_000;

// ---------------------------------------------------------------------------------------------
// workers

/// What a worker shares with the files: its counters and the sleep it was asked for.
#[pin_data]
struct WorkerShared {
    iterations: AtomicU64,
    wakeups: AtomicU64,
    /// A demo sleep asked for with `dsleep`/`isleep`/`ksleep`, taken by the worker.
    #[pin]
    request: SpinLock<Option<(Sleep, Delta)>>,
    /// The demo sleep in progress, for `workers`.
    #[pin]
    in_demo: SpinLock<Option<Sleep>>,
    /// Demo sleeps a fatal signal ended early (`ksleep` + `kill -9`).
    killed: AtomicU64,
}

struct Worker {
    shared: Arc<WorkerShared>,
    thread: Thread<()>,
}

/// Some CPU work that takes a few microseconds and that the compiler cannot remove.
fn work() -> u64 {
    let mut x = black_box(0x9e37_79b9_7f4a_7c15u64);
    for _ in 0..2000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    black_box(x)
}

/// The body of `proclab_worker/N`: work, nap, and the demo sleeps it is asked for.
fn worker_loop(cur: &Current, shared: &WorkerShared) {
    let mut counts = WaitCounts::default();
    while !cur.should_stop() {
        // (Taken in its own statement: the lock guard must be gone before the sleep.)
        let request = shared.request.lock().take();
        if let Some((how, time)) = request {
            *shared.in_demo.lock() = Some(how);
            let why = if how == Sleep::Killable {
                cur.with_sigkill(|| cur.sleep(how, time))
            } else {
                cur.sleep(how, time)
            };
            if why == Woken::Signal {
                shared.killed.fetch_add(1, Relaxed);
            }
            *shared.in_demo.lock() = None;
            continue;
        }
        work();
        shared.iterations.fetch_add(1, Relaxed);
        let before = counts.sleeps;
        // A request ends the nap early (the control file wakes the worker after posting it).
        cur.wait_until(Sleep::Interruptible, Some(WORKER_NAP), &mut counts, || {
            shared.request.lock().is_some()
        });
        shared.wakeups.fetch_add(counts.sleeps - before, Relaxed);
    }
}

fn start_worker(index: usize) -> Result<Worker> {
    let shared = Arc::pin_init(
        try_pin_init!(WorkerShared {
            iterations: AtomicU64::new(0),
            wakeups: AtomicU64::new(0),
            request <- new_spinlock!(None),
            in_demo <- new_spinlock!(None),
            killed: AtomicU64::new(0),
        }),
        GFP_KERNEL,
    )?;
    let name = CString::try_from_fmt(format_args!("proclab_worker/{index}"))?;
    let s = shared.clone();
    let thread = Thread::spawn(&name, move |cur| worker_loop(cur, &s))?;
    Ok(Worker { shared, thread })
}

// ---------------------------------------------------------------------------------------------
// producer/consumer

/// One event on the queue, with the sequence number the consumer checks.
#[pin_data]
struct Event {
    seq: u64,
    #[pin]
    links: ListLinks,
}

kernel::list::impl_list_arc_safe! {
    impl ListArcSafe<0> for Event { untracked; }
}
kernel::list::impl_list_item! {
    impl ListItem<0> for Event { using ListLinks { self.links }; }
}

/// The queue between the producer and the consumer, and the lesson's counters.
#[pin_data]
struct ProdCons {
    /// The events produced and not consumed yet: a `list_head` list under a spinlock.
    #[pin]
    queue: SpinLock<List<Event>>,
    /// Events the producer still has to make (`prodcons N` adds N).
    #[pin]
    todo: SpinLock<u64>,
    produced: AtomicU64,
    consumed: AtomicU64,
    /// `wake_up_process()` calls by the producer.
    wakeups: AtomicU64,
    /// The consumer's `schedule()` calls, and returns from it that found the queue empty.
    sleeps: AtomicU64,
    spurious: AtomicU64,
    /// Events that did not come in the order they were made (lost or duplicated).
    out_of_order: AtomicU64,
}

fn producer_loop(cur: &Current, pc: &ProdCons, consumer: &Task) {
    let mut counts = WaitCounts::default();
    let mut seq = 0u64;
    loop {
        if cur.wait_until(Sleep::Interruptible, None, &mut counts, || {
            *pc.todo.lock() > 0
        }) == Woken::Stop
        {
            return;
        }
        // A burst of 1 to 8 events, then the wake-up; a pause every few bursts, so that the
        // consumer catches up and really goes to sleep.
        let burst = (seq % 8 + 1).min(*pc.todo.lock());
        for _ in 0..burst {
            let Ok(ev) = ListArc::pin_init(
                try_pin_init!(Event {
                    seq,
                    links <- ListLinks::new(),
                }),
                GFP_KERNEL,
            ) else {
                // Out of memory: try again on the next round.
                break;
            };
            pc.queue.lock().push_back(ev);
            *pc.todo.lock() -= 1;
            pc.produced.fetch_add(1, Relaxed);
            seq += 1;
        }
        consumer.wake_up();
        pc.wakeups.fetch_add(1, Relaxed);
        let pause = Delta::from_millis(1);
        if seq % 64 < 8 && cur.sleep(Sleep::Interruptible, pause) == Woken::Stop {
            return;
        }
    }
}

fn consumer_loop(cur: &Current, pc: &ProdCons) {
    let mut counts = WaitCounts::default();
    let mut next = 0u64;
    loop {
        // The lesson's pattern, inside wait_until: set TASK_INTERRUPTIBLE, check the list under
        // its lock, schedule() only if it is empty.
        let (sleeps, spurious) = (counts.sleeps, counts.spurious);
        let why = cur.wait_until(Sleep::Interruptible, None, &mut counts, || {
            !pc.queue.lock().is_empty()
        });
        pc.sleeps.fetch_add(counts.sleeps - sleeps, Relaxed);
        pc.spurious.fetch_add(counts.spurious - spurious, Relaxed);
        // Drain, also after a stop request: nothing produced is left behind.
        loop {
            let Some(ev) = pc.queue.lock().pop_front() else {
                break;
            };
            if ev.seq != next {
                pc.out_of_order.fetch_add(1, Relaxed);
            }
            next = ev.seq + 1;
            pc.consumed.fetch_add(1, Relaxed);
        }
        if why == Woken::Stop {
            return;
        }
    }
}

/// The two threads; the consumer is stopped after the producer (field order).
struct ProdConsThreads {
    producer: Thread<()>,
    consumer: Thread<()>,
}

fn start_prodcons(pc: &Arc<ProdCons>) -> Result<ProdConsThreads> {
    let p = pc.clone();
    let consumer = Thread::new(c"proclab_consumer", move |cur| consumer_loop(cur, &p))?;
    let consumer_task: ARef<Task> = consumer.task().into();
    let p = pc.clone();
    let producer = Thread::new(c"proclab_producer", move |cur| {
        producer_loop(cur, &p, &consumer_task)
    })?;
    Ok(ProdConsThreads {
        consumer: consumer.start(),
        producer: producer.start(),
    })
}

// ---------------------------------------------------------------------------------------------
// fairness experiments

#[derive(Clone, Copy)]
enum ExpKind {
    /// Two SCHED_NORMAL threads at these nice values.
    Nice(Nice, Nice),
    /// A SCHED_FIFO thread against a SCHED_NORMAL one.
    Fifo,
}

/// A running or finished experiment: two CPU-bound threads on one CPU until `end`.
struct Experiment {
    kind: ExpKind,
    cpu: CpuId,
    ms: i64,
    end: Instant<Monotonic>,
    threads: [Thread<()>; 2],
}

/// Whether the monotonic clock has reached `t`.
fn passed(t: Instant<Monotonic>) -> bool {
    (Instant::<Monotonic>::now() - t).as_nanos() >= 0
}

/// Spins until `end` (or a stop request), then waits to be stopped, so that its runtime stays
/// readable in `/proc/<pid>/sched` after the experiment.
fn spin_until(cur: &Current, end: Instant<Monotonic>) {
    while !cur.should_stop() && !passed(end) {
        work();
    }
    cur.wait_until(
        Sleep::Interruptible,
        None,
        &mut WaitCounts::default(),
        || false,
    );
}

fn start_experiment(kind: ExpKind, ms: i64) -> Result<Experiment> {
    // The highest online CPU; CPU 0 stays free for the shell (and everything else).
    let cpu = (1..kernel::cpu::nr_cpu_ids())
        .rev()
        .filter_map(CpuId::from_u32)
        .find(|&c| cpu_online(c))
        .ok_or(ENODEV)?;
    let end = Instant::<Monotonic>::now() + kernel::time::Delta::from_millis(ms);
    let mut new = KVec::with_capacity(2, GFP_KERNEL)?;
    for i in 0..2 {
        let name = CString::try_from_fmt(format_args!("proclab_exp/{i}"))?;
        let t = Thread::new(&name, move |cur| spin_until(cur, end))?;
        t.bind(cpu)?;
        let setting = match (kind, i) {
            (ExpKind::Nice(a, _), 0) => Setting::Normal(a),
            (ExpKind::Nice(_, b), _) => Setting::Normal(b),
            (ExpKind::Fifo, 0) => Setting::Fifo(RtPriority::new(10)?),
            (ExpKind::Fifo, _) => Setting::Normal(Nice::DEFAULT),
        };
        t.set_policy(setting)?;
        new.push(t, GFP_KERNEL)?;
    }
    // Both are set up before either runs; start them back to back.
    let b = new.pop().ok_or(EINVAL)?.start();
    let a = new.pop().ok_or(EINVAL)?.start();
    Ok(Experiment {
        kind,
        cpu,
        ms,
        end,
        threads: [a, b],
    })
}

fn show_experiment(exp: &Experiment, f: &mut SeqOut) -> fmt::Result {
    let done = passed(exp.end);
    match exp.kind {
        ExpKind::Nice(a, b) => writeln!(f, "experiment: nice {} vs nice {}", a.get(), b.get())?,
        ExpKind::Fifo => writeln!(f, "experiment: SCHED_FIFO 10 vs SCHED_NORMAL nice 0")?,
    }
    writeln!(
        f,
        "cpu: {}\nduration_ms: {}\nstate: {}",
        exp.cpu.as_u32(),
        exp.ms,
        if done { "done" } else { "running" }
    )?;
    let [a, b] = &exp.threads;
    let (ra, rb) = (a.task().sum_exec_runtime(), b.task().sum_exec_runtime());
    let (wa, wb) = (a.task().weight(), b.task().weight());
    // Shares in tenths of a percent: measured from the runtimes, predicted from the weights.
    let share = |x: u64, y: u64| (x * 1000).checked_div(x + y).unwrap_or(0);
    writeln!(
        f,
        "{:<8} {:>7} {:>6} {:>6} {:>7} {:>16} {:>9} {:>10}",
        "thread", "pid", "policy", "nice", "weight", "sum_exec_runtime", "share_%", "predicted_%"
    )?;
    for (i, (t, r, w, o, ow)) in [(a, ra, wa, rb, wb), (b, rb, wb, ra, wa)]
        .into_iter()
        .enumerate()
    {
        let s = share(r, o);
        write!(
            f,
            "exp/{i:<4} {:>7} {:>6} {:>6} {:>7} {:>16} {:>5}.{} ",
            t.task().pid(),
            t.policy(),
            t.task().nice(),
            w,
            r,
            s / 10,
            s % 10
        )?;
        match exp.kind {
            ExpKind::Nice(..) => {
                let p = share(w, ow);
                writeln!(f, "{:>8}.{}", p / 10, p % 10)?
            }
            // FIFO always runs before NORMAL; only the fair server (50 ms per second by
            // default) gives the NORMAL thread some time.
            ExpKind::Fifo => writeln!(f, "{:>10}", if i == 0 { ">=95" } else { "<=5" })?,
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// the files

/// What the files share.
#[pin_data]
struct State {
    #[pin]
    workers: Mutex<KVec<Option<Worker>>>,
    prodcons: Arc<ProdCons>,
    #[pin]
    experiment: Mutex<Option<Experiment>>,
    /// The producer and the consumer.
    prodcons_threads: ProdConsThreads,
}

/// A worker index.
const WORKER: Arg = Arg::uint("N", 0, MAX_WORKERS as u64 - 1);

static COMMANDS: Table<State> = Table {
    file: "kthreads/control",
    commands: &[
        Command {
            verb: &["start"],
            args: &[WORKER],
            help: "start worker N",
            run: start,
        },
        Command {
            verb: &["stop"],
            args: &[WORKER],
            help: "stop worker N",
            run: stop,
        },
        Command {
            verb: &["nice"],
            args: &[WORKER, Arg::int("V", -20, 19)],
            help: "set worker N's nice value",
            run: |s, v| {
                let nice = Nice::new(v.int(1)? as i32)?;
                sched(s, v, |t| {
                    t.set_nice(nice);
                    Ok(())
                })
            },
        },
        Command {
            verb: &["fifo"],
            args: &[WORKER, Arg::uint("PRIO", 1, 99)],
            help: "SCHED_FIFO at PRIO",
            run: |s, v| {
                let prio = RtPriority::new(v.uint(1)? as u32)?;
                sched(s, v, |t| t.set_policy(Setting::Fifo(prio)))
            },
        },
        Command {
            verb: &["rr"],
            args: &[WORKER, Arg::uint("PRIO", 1, 99)],
            help: "SCHED_RR at PRIO",
            run: |s, v| {
                let prio = RtPriority::new(v.uint(1)? as u32)?;
                sched(s, v, |t| t.set_policy(Setting::RoundRobin(prio)))
            },
        },
        Command {
            verb: &["normal"],
            args: &[WORKER],
            help: "back to SCHED_NORMAL, nice 0",
            run: |s, v| sched(s, v, |t| t.set_policy(Setting::Normal(Nice::DEFAULT))),
        },
        Command {
            verb: &["bind"],
            args: &[WORKER, Arg::uint_to("CPU", 0, last_cpu)],
            help: "run worker N on CPU only",
            run: bind,
        },
        Command {
            verb: &["unbind"],
            args: &[WORKER],
            help: "let worker N run on every CPU",
            run: |s, v| sched(s, v, |t| t.set_affinity(None)),
        },
        Command {
            verb: &["dsleep"],
            args: &[WORKER, Arg::uint("MS", 1, MAX_SLEEP_MS)],
            help: "worker N sleeps MS ms in TASK_UNINTERRUPTIBLE (D)",
            run: |s, v| sleep(s, v, Sleep::Uninterruptible),
        },
        Command {
            verb: &["isleep"],
            args: &[WORKER, Arg::uint("MS", 1, MAX_SLEEP_MS)],
            help: "... in TASK_IDLE (I)",
            run: |s, v| sleep(s, v, Sleep::Idle),
        },
        Command {
            verb: &["ksleep"],
            args: &[WORKER, Arg::uint("MS", 1, MAX_SLEEP_MS)],
            help: "... in TASK_KILLABLE (D, but kill -9 ends the sleep)",
            run: |s, v| sleep(s, v, Sleep::Killable),
        },
        Command {
            verb: &["prodcons"],
            args: &[Arg::uint("COUNT", 1, MAX_EVENTS)],
            help: "the producer makes COUNT events for the consumer",
            run: prodcons,
        },
        Command {
            verb: &["experiment", "nice"],
            args: &[
                Arg::int("A", -20, 19),
                Arg::int("B", -20, 19),
                Arg::uint("MS", 100, MAX_EXPERIMENT_MS),
            ],
            help: "two CPU-bound threads at nice A and B on one CPU for MS ms",
            run: |s, v| {
                let kind =
                    ExpKind::Nice(Nice::new(v.int(0)? as i32)?, Nice::new(v.int(1)? as i32)?);
                experiment(s, v, kind, 2)
            },
        },
        Command {
            verb: &["experiment", "fifo"],
            args: &[Arg::uint("MS", 100, MAX_FIFO_MS)],
            help: "SCHED_FIFO against SCHED_NORMAL on one CPU",
            run: |s, v| experiment(s, v, ExpKind::Fifo, 0),
        },
    ],
};

fn show_control(_s: &State, f: &mut SeqOut) -> fmt::Result {
    COMMANDS.help(f)
}

/// The highest CPU number of this machine.
fn last_cpu() -> u64 {
    u64::from(kernel::cpu::nr_cpu_ids()).saturating_sub(1)
}

/// The worker of argument 0, which must be running (`ESRCH` if not).
fn worker<'a>(v: &Values<'_>, workers: &'a KVec<Option<Worker>>) -> Result<&'a Worker> {
    let n = v.uint(0)?;
    let w = usize::try_from(n)
        .ok()
        .and_then(|n| workers.get(n)?.as_ref());
    w.ok_or_else(|| v.refuse_with(ESRCH, format_args!("worker {n} is not running")))
}

fn start(s: &State, v: &Values<'_>) -> Result {
    let n = v.uint(0)? as usize;
    let mut workers = s.workers.lock();
    let slot = workers.get_mut(n).ok_or(EINVAL)?;
    if slot.is_some() {
        return Err(v.refuse_with(EEXIST, format_args!("worker {n} is already running")));
    }
    *slot = Some(start_worker(n)?);
    Ok(())
}

fn stop(s: &State, v: &Values<'_>) -> Result {
    let n = v.uint(0)? as usize;
    let w = s.workers.lock().get_mut(n).and_then(Option::take);
    // Stopped (and waited for) outside the lock.
    match w {
        Some(w) => drop(w.thread.stop()),
        None => {
            return Err(v.refuse_with(ESRCH, format_args!("worker {n} is not running")));
        }
    }
    Ok(())
}

/// Changes how the scheduler treats the worker of argument 0 with `f`.
fn sched(s: &State, v: &Values<'_>, f: impl FnOnce(&Thread<()>) -> Result) -> Result {
    let workers = s.workers.lock();
    let w = worker(v, &workers)?;
    f(&w.thread).map_err(|e| v.refuse_with(e, format_args!("the scheduler refused: {e:?}")))
}

fn bind(s: &State, v: &Values<'_>) -> Result {
    let cpu = v.uint(1)?;
    let cpu = u32::try_from(cpu)
        .ok()
        .and_then(CpuId::from_u32)
        .filter(|&c| cpu_online(c))
        .ok_or_else(|| v.refuse_with(ENODEV, format_args!("cpu {cpu} is not online")))?;
    sched(s, v, |t| t.set_affinity(Some(cpu)))
}

fn sleep(s: &State, v: &Values<'_>, how: Sleep) -> Result {
    let workers = s.workers.lock();
    let w = worker(v, &workers)?;
    let time = Delta::from_millis(v.uint(1)? as i64);
    // One demo sleep at a time: a second one would silently replace a sleep not yet begun.
    {
        let mut request = w.shared.request.lock();
        if request.is_some() || w.shared.in_demo.lock().is_some() {
            return Err(v.refuse_with(EBUSY, format_args!("the worker is already sleeping")));
        }
        *request = Some((how, time));
    }
    w.thread.task().wake_up();
    Ok(())
}

fn prodcons(s: &State, v: &Values<'_>) -> Result {
    let n = v.uint(0)?;
    let mut todo = s.prodcons.todo.lock();
    // At most `MAX_EVENTS` outstanding: a loop of writes cannot overflow the count.
    *todo = todo
        .checked_add(n)
        .filter(|&t| t <= MAX_EVENTS)
        .ok_or_else(|| v.refuse_with(EBUSY, format_args!("{MAX_EVENTS} events already queued")))?;
    drop(todo);
    // The producer waits for work in TASK_INTERRUPTIBLE: the new count wakes it.
    s.prodcons_threads.producer.task().wake_up();
    Ok(())
}

/// Starts an experiment of `kind` for the milliseconds in argument `ms_arg`: one at a time.
fn experiment(s: &State, v: &Values<'_>, kind: ExpKind, ms_arg: usize) -> Result {
    let ms = v.uint(ms_arg)? as i64;
    let mut exp = s.experiment.lock();
    if exp.as_ref().is_some_and(|e| !passed(e.end)) {
        return Err(v.refuse_with(EBUSY, format_args!("an experiment is still running")));
    }
    // The threads of the last experiment go first.
    *exp = None;
    *exp = Some(start_experiment(kind, ms)?);
    Ok(())
}

fn state_name(w: &Worker) -> &'static str {
    match *w.shared.in_demo.lock() {
        Some(Sleep::Uninterruptible) => "dsleep",
        Some(Sleep::Idle) => "isleep",
        Some(Sleep::Killable) => "ksleep",
        Some(Sleep::Interruptible) | None => "-",
    }
}

/// The columns of `workers` after the name, with their widths.
const WORKER_COLS: [Column; 11] = [
    ("pid", 6),
    ("state", 5),
    ("policy", 6),
    ("prio", 4),
    ("nice", 4),
    ("cpu", 3),
    ("cpus", 5),
    ("iterations", 10),
    ("wakeups", 8),
    ("demo", 6),
    ("killed", 6),
];

fn show_workers(s: &State, f: &mut SeqOut) -> fmt::Result {
    write!(f, "{:<18} ", "name")?;
    f.header(&WORKER_COLS)?;
    f.write_char('\n')?;
    for (n, worker) in s.workers.lock().iter().enumerate() {
        let Some(worker) = worker else { continue };
        let t = worker.thread.task();
        let shared = &worker.shared;
        let cpus = t.cpus_allowed();
        write!(f, "proclab_worker/{n:<3} ")?;
        f.row(
            &WORKER_COLS,
            &[
                Cell::Int(t.pid().into()),
                Cell::Str(t.state_char().encode_utf8(&mut [0; 4])),
                Cell::Str(worker.thread.policy().name()),
                Cell::Int(t.prio().into()),
                Cell::Int(t.nice().into()),
                Cell::Uint(t.cpu().into()),
                Cell::Str(cpus.as_str()),
                Cell::Uint(shared.iterations.load(Relaxed)),
                Cell::Uint(shared.wakeups.load(Relaxed)),
                Cell::Str(state_name(worker)),
                Cell::Uint(shared.killed.load(Relaxed)),
            ],
        )?;
        f.write_char('\n')?;
    }
    Ok(())
}

fn show_prodcons(s: &State, f: &mut SeqOut) -> fmt::Result {
    let pc = &*s.prodcons;
    let produced = pc.produced.load(Relaxed);
    let consumed = pc.consumed.load(Relaxed);
    writeln!(f, "produced: {produced}")?;
    writeln!(f, "consumed: {consumed}")?;
    writeln!(f, "queued: {}", pc.queue.lock().iter().count())?;
    writeln!(f, "to_produce: {}", *pc.todo.lock())?;
    writeln!(f, "wakeups: {}", pc.wakeups.load(Relaxed))?;
    writeln!(f, "consumer_sleeps: {}", pc.sleeps.load(Relaxed))?;
    writeln!(f, "spurious_wakeups: {}", pc.spurious.load(Relaxed))?;
    writeln!(f, "out_of_order: {}", pc.out_of_order.load(Relaxed))?;
    let (p, c) = (
        s.prodcons_threads.producer.task(),
        s.prodcons_threads.consumer.task(),
    );
    writeln!(f, "producer_pid: {}", p.pid())?;
    writeln!(f, "consumer_pid: {}", c.pid())
}

fn show_experiment_file(s: &State, f: &mut SeqOut) -> fmt::Result {
    match &*s.experiment.lock() {
        Some(exp) => show_experiment(exp, f),
        None => writeln!(f, "no experiment yet"),
    }
}

static FILES: [FileSpec<State>; 4] = [
    FileSpec {
        name: c"control",
        show: show_control,
        size_hint: one_page,
        write: Some(&COMMANDS),
    },
    FileSpec {
        name: c"workers",
        show: show_workers,
        size_hint: one_page,
        write: None,
    },
    FileSpec {
        name: c"prodcons",
        show: show_prodcons,
        size_hint: one_page,
        write: None,
    },
    FileSpec {
        name: c"experiment",
        show: show_experiment_file,
        size_hint: one_page,
        write: None,
    },
];

struct ProclabKthreads {
    _files: Files<State>,
}

impl kernel::Module for ProclabKthreads {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let n = module_parameters::nr_workers.value() as usize;
        if n > MAX_WORKERS {
            pr_err!("nr_workers={n}: at most {MAX_WORKERS}\n");
            return Err(EINVAL);
        }
        let mut workers = KVec::with_capacity(MAX_WORKERS, GFP_KERNEL)?;
        for i in 0..MAX_WORKERS {
            workers.push(
                if i < n { Some(start_worker(i)?) } else { None },
                GFP_KERNEL,
            )?;
        }
        let prodcons = Arc::pin_init(
            try_pin_init!(ProdCons {
                queue <- new_spinlock!(List::new()),
                todo <- new_spinlock!(0),
                produced: AtomicU64::new(0),
                consumed: AtomicU64::new(0),
                wakeups: AtomicU64::new(0),
                sleeps: AtomicU64::new(0),
                spurious: AtomicU64::new(0),
                out_of_order: AtomicU64::new(0),
            }),
            GFP_KERNEL,
        )?;
        let threads = start_prodcons(&prodcons)?;
        let state = try_pin_init!(State {
            workers <- new_mutex!(workers),
            prodcons,
            experiment <- new_mutex!(None),
            prodcons_threads: threads,
        });
        Ok(Self {
            _files: Files::new(Root::get(), c"kthreads", state, &FILES)?,
        })
    }
}
