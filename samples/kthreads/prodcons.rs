// SPDX-License-Identifier: GPL-2.0

//! The producer/consumer pair `proclab_producer` and `proclab_consumer`: a list under a spinlock,
//! `wake_up_process()` after each burst, a consumer that sleeps only when the list is empty; and
//! the `prodcons` file with their counters.

use crate::{
    debugfs::SeqOut,
    kthread::{Current, Sleep, Thread, WaitCounts, Woken},
    State,
};
use core::{
    fmt::{self, Write},
    sync::atomic::{AtomicU64, Ordering::Relaxed},
};
use kernel::{
    list::{List, ListArc, ListLinks},
    new_spinlock,
    prelude::*,
    sync::{aref::ARef, Arc, SpinLock},
    task::Task,
    time::Delta,
};

/// The most events `prodcons` commands may have queued at once.
pub(crate) const MAX_EVENTS: u64 = 1_000_000;

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
pub(crate) struct ProdCons {
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

/// The queue and its two threads; the consumer is stopped after the producer (field order).
pub(crate) struct ProdConsThreads {
    pc: Arc<ProdCons>,
    producer: Thread<()>,
    consumer: Thread<()>,
}

impl ProdConsThreads {
    /// An empty queue, the consumer waiting on it and the producer waiting for work.
    pub(crate) fn start() -> Result<Self> {
        let pc = Arc::pin_init(
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
        let p = pc.clone();
        let consumer = Thread::spawn(c"proclab_consumer", move |cur| consumer_loop(cur, &p))?;
        let consumer_task: ARef<Task> = consumer.task().into();
        let p = pc.clone();
        let producer = Thread::spawn(c"proclab_producer", move |cur| {
            producer_loop(cur, &p, &consumer_task)
        })?;
        Ok(ProdConsThreads {
            pc,
            producer,
            consumer,
        })
    }

    /// Gives the producer `n` more events to make; `EBUSY` if that would leave more than
    /// [`MAX_EVENTS`] to make (a loop of writes cannot overflow the count).
    pub(crate) fn produce(&self, n: u64) -> Result {
        let mut todo = self.pc.todo.lock();
        *todo = todo
            .checked_add(n)
            .filter(|&t| t <= MAX_EVENTS)
            .ok_or(EBUSY)?;
        drop(todo);
        // The producer waits for work in TASK_INTERRUPTIBLE: the new count wakes it.
        self.producer.task().wake_up();
        Ok(())
    }
}

/// `prodcons`: the counters and the two threads' pids.
pub(crate) fn show_prodcons(s: &State, f: &mut SeqOut) -> fmt::Result {
    let pc = &*s.prodcons.pc;
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
    writeln!(f, "producer_pid: {}", s.prodcons.producer.task().pid())?;
    writeln!(f, "consumer_pid: {}", s.prodcons.consumer.task().pid())
}
