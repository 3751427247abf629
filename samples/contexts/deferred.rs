// SPDX-License-Identifier: GPL-2.0

//! The places a probe is sent to run: a kernel thread of this module, a work item on a normal
//! and on the BH workqueue, a tasklet, a `timer_list`, an hrtimer in hard-IRQ and in softirq
//! mode, and an `irq_work`. Each runs [`Slot::fill`] there and is waited for; each is shut down
//! (flushed, killed, cancelled, synced) before the function that queued it returns, so nothing
//! of it runs once the write is over.

use crate::{
    context::{flush_work, IrqWork, Sample, Tasklet},
    kthread::{Sleep, Thread, WaitCounts, Woken},
    slot::Slot,
    timer::{impl_has_timer, Timer, TimerBox, TimerCallback, TimerContext},
};
use core::marker::PhantomData;
use kernel::{
    impl_has_hr_timer, impl_has_work, new_spinlock, new_work,
    prelude::*,
    static_lock_class,
    sync::{Arc, ArcBorrow, SpinLock},
    time::{
        hrtimer::{
            HrTimer, HrTimerCallback, HrTimerCallbackContext, HrTimerMode, HrTimerPointer,
            HrTimerRestart, RelativeHardMode, RelativeSoftMode,
        },
        Delta, Monotonic,
    },
    workqueue::{self, Queue, Work, WorkItem},
};

/// The name of the module's kernel thread, as `/proc/<pid>/comm` shows it.
pub(crate) const THREAD_NAME: &CStr = c"proclab_ctx";

/// How far ahead the hrtimers are armed: short, but not so short that the timer has expired
/// before it is queued.
const HRTIMER_DELAY: Delta = Delta::from_micros(100);

/// A kernel thread that runs probes on request: `proclab_ctx`, alive while the module is, so
/// that its pid can be looked up in `/proc` after a probe.
pub(crate) struct ProbeThread {
    request: Arc<SpinLock<Option<Arc<Slot>>>>,
    thread: Thread<()>,
}

impl ProbeThread {
    pub(crate) fn start() -> Result<Self> {
        let request: Arc<SpinLock<Option<Arc<Slot>>>> =
            Arc::pin_init(new_spinlock!(None), GFP_KERNEL)?;
        let r = request.clone();
        let thread = Thread::spawn(THREAD_NAME, move |cur| {
            let mut counts = WaitCounts::default();
            loop {
                let why = cur.wait_until(Sleep::Interruptible, None, &mut counts, || {
                    r.lock().is_some()
                });
                let slot = r.lock().take();
                if let Some(slot) = slot {
                    slot.fill();
                }
                if why == Woken::Stop {
                    return;
                }
            }
        })?;
        Ok(ProbeThread { request, thread })
    }

    /// Runs the probe in the thread.
    pub(crate) fn probe(&self, slot: &Arc<Slot>) -> Result<Sample> {
        *self.request.lock() = Some(slot.clone());
        self.thread.task().wake_up();
        slot.wait()
    }
}

/// A work item that runs the probe.
#[pin_data]
pub(crate) struct WorkProbe {
    #[pin]
    work: Work<WorkProbe>,
    /// Where the probe goes.
    out: Arc<Slot>,
}

impl_has_work! {
    impl HasWork<Self> for WorkProbe { self.work }
}

impl WorkItem for WorkProbe {
    type Pointer = Arc<WorkProbe>;

    fn run(this: Arc<WorkProbe>) {
        this.out.fill();
    }
}

impl WorkProbe {
    /// An item for a normal workqueue (a kworker, task context).
    ///
    /// A work item is a lockdep pseudo-lock of the class its `new_work!` names, taken where the
    /// item runs; one class taken in task context and in a softirq is an "inconsistent lock
    /// state" to lockdep (the debug kernel reported it). So the two kinds of queue get items of
    /// two classes, made in two places.
    pub(crate) fn for_task(slot: &Arc<Slot>) -> Result<Arc<Self>> {
        Self::with(slot, new_work!("proclab_contexts_work"))
    }

    /// An item for the BH workqueue (softirq context).
    pub(crate) fn for_bh(slot: &Arc<Slot>) -> Result<Arc<Self>> {
        Self::with(slot, new_work!("proclab_contexts_bh_work"))
    }

    fn with(slot: &Arc<Slot>, work: impl PinInit<Work<WorkProbe>>) -> Result<Arc<Self>> {
        // (No field or value named `slot` inside `pin_init!`: the macro has a variable of that
        // name.)
        let out = slot.clone();
        Arc::pin_init(pin_init!(WorkProbe { work <- work, out }), GFP_KERNEL)
    }
}

/// Queues `item` on `queue`, waits for its probe, and for its function to return.
pub(crate) fn run_on(item: &Arc<WorkProbe>, queue: &Queue) -> Result<Sample> {
    // A new or flushed item is not queued: enqueueing cannot fail.
    queue.enqueue(item.clone()).map_err(|_| EBUSY)?;
    let s = item.out.wait();
    flush_work(&item.work);
    s
}

/// `workqueue`: a kworker of the normal per-CPU `system_wq`.
pub(crate) fn in_workqueue(slot: &Arc<Slot>) -> Result<Sample> {
    run_on(&WorkProbe::for_task(slot)?, workqueue::system())
}

/// `bh_workqueue`: `system_bh_wq`, whose items run in softirq context (it replaces tasklets).
pub(crate) fn in_bh_workqueue(slot: &Arc<Slot>) -> Result<Sample> {
    run_on(&WorkProbe::for_bh(slot)?, workqueue::system_bh())
}

/// `tasklet`: `TASKLET_SOFTIRQ`.
pub(crate) fn in_tasklet(slot: &Arc<Slot>) -> Result<Sample> {
    let s = slot.clone();
    let t = KBox::pin_init(Tasklet::new(move || s.fill()), GFP_KERNEL)?;
    t.schedule();
    // Dropping `t` kills the tasklet: it has run (or runs now) and will not again.
    slot.wait()
}

/// A `timer_list` that runs the probe.
#[pin_data]
pub(crate) struct TimerProbe {
    #[pin]
    timer: Timer<Self>,
    out: Arc<Slot>,
}

impl_has_timer! { impl HasTimer<Self> for TimerProbe { self.timer } }

impl TimerCallback for TimerProbe {
    fn run(this: &Self, _ctx: &TimerContext<'_, Self>) {
        this.out.fill();
    }
}

/// `timer`: a `timer_list` one jiffy ahead, in `TIMER_SOFTIRQ`.
pub(crate) fn in_timer(slot: &Arc<Slot>) -> Result<Sample> {
    // (No value named `slot` inside `pin_init!`: the macro has a variable of that name.)
    let out = slot.clone();
    let t = TimerBox::new(try_pin_init!(TimerProbe {
        timer <- Timer::new(c"proclab_contexts_timer", static_lock_class!()),
        out,
    }))?;
    t.arm_in(Delta::from_jiffies(1));
    // Dropping `t` shuts the timer down, after its callback if it is running.
    slot.wait()
}

/// `irq_work`: a self-IPI, in hard-IRQ context.
pub(crate) fn in_irq_work(slot: &Arc<Slot>) -> Result<Sample> {
    let s = slot.clone();
    let w = KBox::pin_init(IrqWork::new(move || s.fill()), GFP_KERNEL)?;
    w.queue();
    slot.wait()
}

/// The hrtimer modes of the probe: relative, on the monotonic clock, hard or soft.
pub(crate) trait ProbeMode:
    HrTimerMode<Clock = Monotonic, Expires = Delta> + Send + Sync + 'static
{
}

impl<M: HrTimerMode<Clock = Monotonic, Expires = Delta> + Send + Sync + 'static> ProbeMode for M {}

/// An hrtimer that runs the probe: in hard-IRQ mode (`M` is `RelativeHardMode`) or in the
/// `HRTIMER` softirq (`RelativeSoftMode`). The mode is part of the timer's type.
#[pin_data]
pub(crate) struct HrProbe<M> {
    #[pin]
    timer: HrTimer<Self>,
    out: Arc<Slot>,
    _mode: PhantomData<M>,
}

impl_has_hr_timer! {
    impl{M: ProbeMode} HasHrTimer<HrProbe<M>> for HrProbe<M> {
        mode: M,
        field: self.timer
    }
}

impl<M: ProbeMode> HrTimerCallback for HrProbe<M> {
    type Pointer<'a> = Arc<Self>;

    fn run(this: ArcBorrow<'_, Self>, _ctx: HrTimerCallbackContext<'_, Self>) -> HrTimerRestart {
        this.out.fill();
        HrTimerRestart::NoRestart
    }
}

/// Arms an `HrProbe<M>` `HRTIMER_DELAY` ahead and waits for its probe.
fn in_hrtimer<M: ProbeMode>(slot: &Arc<Slot>) -> Result<Sample> {
    // (No value named `slot` inside `pin_init!`: the macro has a variable of that name.)
    let out = slot.clone();
    let t = Arc::pin_init(
        pin_init!(HrProbe::<M> {
            timer <- HrTimer::new(),
            out,
            _mode: PhantomData,
        }),
        GFP_KERNEL,
    )?;
    // The handle cancels the timer (waiting for a running callback) when dropped.
    let _handle = t.start(HRTIMER_DELAY);
    slot.wait()
}

/// `hrtimer_hard`: the hrtimer interrupt itself (hard IRQ).
pub(crate) fn in_hrtimer_hard(slot: &Arc<Slot>) -> Result<Sample> {
    in_hrtimer::<RelativeHardMode<Monotonic>>(slot)
}

/// `hrtimer_soft`: `HRTIMER_SOFTIRQ`.
pub(crate) fn in_hrtimer_soft(slot: &Arc<Slot>) -> Result<Sample> {
    in_hrtimer::<RelativeSoftMode<Monotonic>>(slot)
}
