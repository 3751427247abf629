// SPDX-License-Identifier: GPL-2.0

//! The worker threads `proclab_worker/N`: a loop of work and naps, the demo sleeps (`D`, `I`,
//! killable) they are asked for, and the `workers` file that shows them as the scheduler does.

use crate::{
    debugfs::{Cell, Column, SeqOut},
    kthread::{work, Current, Sleep, Thread, WaitCounts, Woken},
    task::TaskExt,
    State,
};
use core::{
    fmt::{self, Write},
    sync::atomic::{AtomicU64, Ordering::Relaxed},
};
use kernel::{new_spinlock, prelude::*, str::CString, sync::Arc, sync::SpinLock, time::Delta};

/// Worker slots: `start N` takes N below this.
pub(crate) const MAX_WORKERS: usize = 16;
/// How long a worker sleeps between two iterations.
const NAP: Delta = Delta::from_millis(20);

/// What a worker shares with the files: its counters and the sleep it was asked for.
#[pin_data]
pub(crate) struct WorkerShared {
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

/// A running worker: its thread and what it shares with the files.
pub(crate) struct Worker {
    shared: Arc<WorkerShared>,
    pub(crate) thread: Thread<()>,
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
        cur.wait_until(Sleep::Interruptible, Some(NAP), &mut counts, || {
            shared.request.lock().is_some()
        });
        shared.wakeups.fetch_add(counts.sleeps - before, Relaxed);
    }
}

impl Worker {
    /// Starts `proclab_worker/<index>`.
    pub(crate) fn start(index: usize) -> Result<Self> {
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

    /// Asks the worker for a demo sleep in `how` for `time`; `EBUSY` while one is asked for or
    /// in progress (a second one would silently replace a sleep not yet begun).
    pub(crate) fn request_sleep(&self, how: Sleep, time: Delta) -> Result {
        {
            let mut request = self.shared.request.lock();
            if request.is_some() || self.shared.in_demo.lock().is_some() {
                return Err(EBUSY);
            }
            *request = Some((how, time));
        }
        // The worker naps in TASK_INTERRUPTIBLE until a request comes: wake it.
        self.thread.task().wake_up();
        Ok(())
    }

    /// The demo sleep in progress, as the `demo` column names it.
    fn demo_name(&self) -> &'static str {
        match *self.shared.in_demo.lock() {
            Some(Sleep::Uninterruptible) => "dsleep",
            Some(Sleep::Idle) => "isleep",
            Some(Sleep::Killable) => "ksleep",
            Some(Sleep::Interruptible) | None => "-",
        }
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

/// `workers`: one line per running worker.
pub(crate) fn show_workers(s: &State, f: &mut SeqOut) -> fmt::Result {
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
                Cell::Str(worker.demo_name()),
                Cell::Uint(shared.killed.load(Relaxed)),
            ],
        )?;
        f.write_char('\n')?;
    }
    Ok(())
}
