// SPDX-License-Identifier: GPL-2.0

//! KUnit tests of [`super`]: the masks against the C macros, and the count each guard, lock and
//! deferred-work mechanism leaves, against the offsets the 7.3 headers define.

use super::*;
use crate::sync::RawSpinLockIrq;
use crate::timer::{impl_has_timer, Timer, TimerBox, TimerCallback, TimerContext};
use core::sync::atomic::{AtomicU32, Ordering};
use kernel::{
    new_spinlock, new_spinlock_irq, static_lock_class,
    sync::{rcu, Arc, SpinLock, SpinLockIrq},
    time::{delay::fsleep, Delta},
};

extern "C" {
    fn proclab_preempt_masks(masks: *mut u32);
}

/// The count of a field at one offset: `SOFTIRQ_DISABLE_OFFSET` is 2 in the softirq field.
fn units(offset: u32, f: field::Field) -> u32 {
    f.of(offset)
}

/// A place a callback leaves its sample in, from any context (a hard irq_work and a hard
/// hrtimer too: a raw spin lock, `crate::sync`).
type Place = Arc<RawSpinLockIrq<Option<Sample>>>;

fn place() -> Result<Place> {
    Arc::pin_init(
        RawSpinLockIrq::new(None, c"proclab_context_test_place", static_lock_class!()),
        GFP_KERNEL,
    )
}

fn leave(p: &Place) {
    let s = Sample::here();
    *p.lock() = Some(s);
}

/// A `timer_list` that leaves its sample in `place`.
#[pin_data]
struct TimerLeave {
    #[pin]
    timer: Timer<Self>,
    place: Place,
}

impl_has_timer! { impl HasTimer<Self> for TimerLeave { self.timer } }

impl TimerCallback for TimerLeave {
    fn run(this: &Self, _ctx: &TimerContext<'_, Self>) {
        leave(&this.place);
    }
}

/// The sample left in `p`, waiting up to 5 s for it.
fn taken(p: &Place) -> Option<Sample> {
    for _ in 0..5000 {
        if let Some(s) = *p.lock() {
            return Some(s);
        }
        fsleep(Delta::from_millis(1));
    }
    None
}

#[kunit_tests(proclab_context)]
mod tests {
    use super::*;

    #[test]
    fn masks_are_the_headers() {
        let mut c = [0u32; 5];
        // SAFETY: The shim writes five `u32`s into `c`, which has room for them.
        unsafe { proclab_preempt_masks(c.as_mut_ptr()) };
        let rust = [
            field::PREEMPT.mask,
            field::SOFTIRQ.mask,
            field::HARDIRQ_DISABLE.mask,
            field::HARDIRQ.mask,
            field::NMI.mask,
        ];
        assert_eq!(rust, c);
        // The hard-IRQ disable count of 7.3 in bits 16-23.
        assert_eq!(field::HARDIRQ_DISABLE.mask, 0x00ff_0000);
    }

    #[test]
    fn a_kunit_thread_may_sleep() {
        let s = Sample::here();
        assert!(s.in_task);
        assert!(!s.serving_softirq && !s.in_hardirq && !s.in_nmi && !s.irqs_off);
        assert_eq!(s.preempt_count, 0);
        assert_eq!(s.rcu_depth, 0);
        assert!(s.may_sleep());
        assert_eq!(s.pid, kernel::current!().pid());
    }

    #[test]
    fn preempt_disable_counts_one() {
        let s = preempt_disabled(Sample::here);
        let n = preempt_disabled(|| preempt_disabled(Sample::here));
        assert_eq!(s.preempt_count, bindings::PREEMPT_OFFSET);
        assert_eq!(n.preempt(), 2);
        assert!(s.in_task && !s.may_sleep());
    }

    #[test]
    fn local_bh_disable_counts_two_in_the_softirq_field() -> Result {
        let s = bh_disabled(Sample::here).ok_or(EINVAL)?;
        assert_eq!(s.preempt_count, bindings::SOFTIRQ_DISABLE_OFFSET);
        assert_eq!(
            s.softirq(),
            units(bindings::SOFTIRQ_DISABLE_OFFSET, field::SOFTIRQ)
        );
        assert_eq!(s.softirq(), 2);
        // BHs off is not serving a softirq: still task context.
        assert!(s.in_task && !s.serving_softirq && !s.may_sleep());
        Ok(())
    }

    #[test]
    fn spin_lock_bh_is_softirq_lock_offset() -> Result {
        let lock = KBox::pin_init(
            ScopedSpinLock::new(c"proclab_test_bh", static_lock_class!()),
            GFP_KERNEL,
        )?;
        let s = lock.with_bh(Sample::here).ok_or(EINVAL)?;
        assert_eq!(s.preempt_count, bindings::SOFTIRQ_LOCK_OFFSET);
        assert_eq!((s.softirq(), s.preempt()), (2, 1));
        Ok(())
    }

    #[test]
    fn irq_save_touches_only_the_flag() -> Result {
        let s = irqs_saved(Sample::here);
        assert_eq!(s.preempt_count, 0);
        assert!(s.irqs_off && s.in_task && !s.may_sleep());
        let lock = KBox::pin_init(
            ScopedSpinLock::new(c"proclab_test_irqsave", static_lock_class!()),
            GFP_KERNEL,
        )?;
        let s = lock.with_irqsave(Sample::here);
        assert_eq!(s.preempt_count, bindings::PREEMPT_LOCK_OFFSET);
        assert!(s.irqs_off);
        assert!(!Sample::here().irqs_off);
        Ok(())
    }

    #[test]
    fn spin_lock_irq_counts_in_bits_16_to_23() -> Result {
        let a: Pin<KBox<SpinLockIrq<()>>> = KBox::pin_init(new_spinlock_irq!(()), GFP_KERNEL)?;
        let b: Pin<KBox<SpinLockIrq<()>>> = KBox::pin_init(new_spinlock_irq!(()), GFP_KERNEL)?;
        let (one, two) = {
            let _ga = a.lock();
            let one = Sample::here();
            let _gb = b.lock();
            (one, Sample::here())
        };
        let off = bindings::HARDIRQ_DISABLE_OFFSET + bindings::PREEMPT_LOCK_OFFSET;
        assert_eq!(one.preempt_count, off);
        assert_eq!(two.preempt_count, 2 * off);
        assert_eq!((two.hardirq_disable(), two.preempt()), (2, 2));
        assert!(one.irqs_off && two.irqs_off && !two.in_hardirq);
        Ok(())
    }

    #[test]
    fn rcu_read_lock_nests_in_the_task() -> Result {
        let s = {
            let _g = rcu::read_lock();
            Sample::here()
        };
        let spin: Pin<KBox<SpinLock<()>>> = KBox::pin_init(new_spinlock!(()), GFP_KERNEL)?;
        let n = {
            let _g = rcu::read_lock();
            let _l = spin.lock();
            Sample::here()
        };
        if cfg!(CONFIG_PREEMPT_RCU) {
            assert_eq!((s.preempt_count, s.rcu_depth), (0, 1));
            assert_eq!(
                (n.preempt_count, n.rcu_depth),
                (bindings::PREEMPT_LOCK_OFFSET, 1)
            );
        } else {
            assert_eq!((s.preempt(), s.rcu_depth), (1, 0));
        }
        assert!(!s.may_sleep());
        Ok(())
    }

    #[test]
    fn a_tasklet_runs_in_softirq() -> Result {
        let p = place()?;
        let q = p.clone();
        let t = KBox::pin_init(Tasklet::new(move || leave(&q)), GFP_KERNEL)?;
        t.schedule();
        let s = taken(&p);
        drop(t);
        // Not within 5 s: the test fails.
        let s = s.ok_or(ETIMEDOUT)?;
        assert!(s.serving_softirq && !s.in_task && !s.in_hardirq);
        // Serving (bit 8) is the odd part of the field.
        assert_eq!(s.softirq() & 1, 1);
        assert!(!s.may_sleep());
        Ok(())
    }

    #[test]
    fn an_irq_work_runs_in_hardirq() -> Result {
        let p = place()?;
        let q = p.clone();
        let w = KBox::pin_init(IrqWork::new(move || leave(&q)), GFP_KERNEL)?;
        let queued = w.queue();
        let s = taken(&p);
        drop(w);
        // Not within 5 s: the test fails.
        let s = s.ok_or(ETIMEDOUT)?;
        assert!(queued);
        assert!(s.in_hardirq && s.irqs_off && !s.in_task);
        assert!(s.hardirq() >= 1);
        Ok(())
    }

    #[test]
    fn a_timer_runs_in_softirq() -> Result {
        let p = place()?;
        let q = p.clone();
        let t = TimerBox::new(try_pin_init!(TimerLeave {
            timer <- Timer::new(c"proclab_context_test", static_lock_class!()),
            place: q,
        }))?;
        t.arm_in(Delta::from_jiffies(1));
        let s = taken(&p);
        drop(t);
        // Not within 5 s: the test fails.
        let s = s.ok_or(ETIMEDOUT)?;
        assert!(s.serving_softirq && !s.in_task);
        Ok(())
    }

    #[test]
    fn dropping_waits_for_the_callback() -> Result {
        let runs = Arc::new(AtomicU32::new(0), GFP_KERNEL)?;
        // A scheduled tasklet runs before the kill returns; a queued irq_work too.
        let r = runs.clone();
        let t = KBox::pin_init(
            Tasklet::new(move || {
                r.fetch_add(1, Ordering::Relaxed);
            }),
            GFP_KERNEL,
        )?;
        t.schedule();
        drop(t);
        let after_tasklet = runs.load(Ordering::Relaxed);
        let r = runs.clone();
        let w = KBox::pin_init(
            IrqWork::new(move || {
                r.fetch_add(1, Ordering::Relaxed);
            }),
            GFP_KERNEL,
        )?;
        w.queue();
        drop(w);
        let after_irq_work = runs.load(Ordering::Relaxed);
        // (A timer's drop is tested in the `proclab_timer` suite of `timer.rs`.)
        assert_eq!((after_tasklet, after_irq_work), (1, 2));
        Ok(())
    }
}
