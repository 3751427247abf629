// SPDX-License-Identifier: GPL-2.0

//! Where code runs: a [`Sample`] of the execution context, the guards that change it, and the
//! smallest safe wrappers for the deferred-work mechanisms upstream's Rust lacks.
//!
//! C headers: [`include/linux/preempt.h`](srctree/include/linux/preempt.h),
//! [`include/linux/bottom_half.h`](srctree/include/linux/bottom_half.h),
//! [`include/linux/irqflags.h`](srctree/include/linux/irqflags.h),
//! [`include/linux/interrupt.h`](srctree/include/linux/interrupt.h),
//! [`include/linux/irq_work.h`](srctree/include/linux/irq_work.h).
//!
//! `preempt_count()` is the per-CPU word that says what the CPU is doing besides running a task.
//! 7.3 lays it out as (`include/linux/preempt.h`):
//!
//! ```text
//!   bits  0-7   preemption disable depth      preempt_disable(), spin_lock()
//!   bits  8-15  softirq: bit 8 "serving",     __do_softirq(): +SOFTIRQ_OFFSET (1 << 8)
//!               +2 per BH disable             local_bh_disable(): +SOFTIRQ_DISABLE_OFFSET (2 << 8)
//!   bits 16-23  hard-IRQ disable depth        local_interrupt_disable(), spin_lock_irq_disable(),
//!                                             Rust's SpinLockIrq (new in 7.x)
//!   bits 24-27  hard IRQ depth                irq_enter()
//!   bit  28     NMI                           nmi_enter()
//! ```
//!
//! A [`Sample`] reads it with its fields decoded by the masks and shifts the header defines
//! (`bindings` exports the `*_BITS` and `*_SHIFT` constants; the masks are function-like
//! macros there, so they are built here the way `__IRQ_MASK()` builds them, and a KUnit test
//! compares them with the C macros). `local_irq_save()` does not touch the word (only the CPU's
//! interrupt flag), and neither does `rcu_read_lock()` under `PREEMPT_RCU` (it counts in
//! `current->rcu_read_lock_nesting`): [`Sample`] reads both too.
//!
//! The scopes ([`preempt_disabled`], [`bh_disabled`], [`irqs_saved`]) and the lock of
//! `context/locks.rs` ([`ScopedSpinLock`], taken by `spin_lock_bh()` or `spin_lock_irqsave()`)
//! are for showing the word change; upstream has `rcu::read_lock()`, `SpinLock` and
//! `SpinLockIrq`, used as they are.
//!
//! Deferred work: [`Tasklet`] (`context/tasklet.rs`), [`IrqWork`] (`context/irq_work.rs`) and
//! [`flush_work`] for upstream's `Work` (`context/work.rs`). Each owns its data and shuts the
//! mechanism down (`tasklet_kill()`, `irq_work_sync()`) before the data is freed, so no
//! callback runs after it. `timer_list` is `timer.rs`'s `TimerBox`, which a module using this
//! file includes as `crate::timer`.

use core::fmt;
use kernel::{
    bindings,
    cpu::CpuId,
    ffi::c_ulong,
    prelude::*,
    time::{Instant, Monotonic},
    warn_on,
};

#[path = "context/irq_work.rs"]
mod irq_work;
#[path = "context/locks.rs"]
mod locks;
#[path = "context/tasklet.rs"]
mod tasklet;
#[path = "context/work.rs"]
mod work;

// The task name type and its escapes, shared with proclab_tasks; only `Comm` is used here.
#[allow(dead_code)]
#[path = "task/comm.rs"]
mod comm;

// The suite runs where `--cfg proclab_context_tests` is set (`samples/contexts/Kbuild`): a
// suite name registers once, and proclab_napi includes this file too.
#[cfg(all(CONFIG_KUNIT = "y", proclab_context_tests))]
#[path = "context/kunit.rs"]
mod kunit;

pub(crate) use comm::{Comm, TASK_COMM_LEN};
pub(crate) use irq_work::IrqWork;
pub(crate) use locks::ScopedSpinLock;
pub(crate) use tasklet::Tasklet;
pub(crate) use work::flush_work;

extern "C" {
    fn proclab_preempt_count() -> c_uint;
    fn proclab_in_task() -> bool;
    fn proclab_in_serving_softirq() -> bool;
    fn proclab_in_hardirq() -> bool;
    fn proclab_in_nmi() -> bool;
    fn proclab_irqs_disabled() -> bool;
    fn proclab_rcu_preempt_depth() -> c_int;
    fn proclab_current_pid() -> c_int;
    fn proclab_current_comm(buf: *mut c_char);
    fn proclab_preempt_disable();
    fn proclab_preempt_enable();
    fn proclab_local_bh_disable();
    fn proclab_local_bh_enable();
    fn proclab_local_irq_save() -> c_ulong;
    fn proclab_local_irq_restore(flags: c_ulong);
}

/// `__IRQ_MASK(bits) << shift`, as `include/linux/preempt.h` builds its masks.
const fn mask(bits: u32, shift: u32) -> u32 {
    ((1u32 << bits) - 1) << shift
}

/// `NMI_BITS`: `1 + 3 * IS_ENABLED(CONFIG_HAS_SEPARATE_PREEMPT_RESCHED_BITS)`.
const NMI_BITS: u32 = if cfg!(CONFIG_HAS_SEPARATE_PREEMPT_RESCHED_BITS) {
    4
} else {
    1
};

/// The fields of `preempt_count()`: its masks and shifts from the 7.3 header.
pub(crate) mod field {
    use super::{bindings, mask, NMI_BITS};

    /// A field of `preempt_count()`: its mask and the shift of its lowest bit.
    #[derive(Clone, Copy)]
    pub(crate) struct Field {
        pub(crate) mask: u32,
        pub(crate) shift: u32,
    }

    impl Field {
        /// The field's value in `count`, as a number (`softirq` is 2 per BH disable).
        pub(crate) const fn of(self, count: u32) -> u32 {
            (count & self.mask) >> self.shift
        }
    }

    pub(crate) const PREEMPT: Field = Field {
        mask: mask(bindings::PREEMPT_BITS, bindings::PREEMPT_SHIFT),
        shift: bindings::PREEMPT_SHIFT,
    };
    pub(crate) const SOFTIRQ: Field = Field {
        mask: mask(bindings::SOFTIRQ_BITS, bindings::SOFTIRQ_SHIFT),
        shift: bindings::SOFTIRQ_SHIFT,
    };
    pub(crate) const HARDIRQ_DISABLE: Field = Field {
        mask: mask(
            bindings::HARDIRQ_DISABLE_BITS,
            bindings::HARDIRQ_DISABLE_SHIFT,
        ),
        shift: bindings::HARDIRQ_DISABLE_SHIFT,
    };
    pub(crate) const HARDIRQ: Field = Field {
        mask: mask(bindings::HARDIRQ_BITS, bindings::HARDIRQ_SHIFT),
        shift: bindings::HARDIRQ_SHIFT,
    };
    pub(crate) const NMI: Field = Field {
        mask: mask(NMI_BITS, bindings::NMI_SHIFT),
        shift: bindings::NMI_SHIFT,
    };
}

/// What the code that took it saw of its execution context: `preempt_count()`, the interrupt
/// flag, RCU nesting, the CPU and `current`. A plain value, made by [`Sample::here`] in any
/// context but NMI (it reads the monotonic clock).
#[derive(Clone, Copy)]
pub(crate) struct Sample {
    /// `preempt_count()`.
    pub(crate) preempt_count: u32,
    /// `in_task()`, `in_serving_softirq()`, `in_hardirq()`, `in_nmi()`.
    pub(crate) in_task: bool,
    pub(crate) serving_softirq: bool,
    pub(crate) in_hardirq: bool,
    pub(crate) in_nmi: bool,
    /// `irqs_disabled()`.
    pub(crate) irqs_off: bool,
    /// `rcu_preempt_depth()`: RCU read-side nesting of `current` (0 without `PREEMPT_RCU`).
    pub(crate) rcu_depth: i32,
    /// The CPU it ran on.
    pub(crate) cpu: u32,
    /// `current`'s pid and name: in an interrupt, the task that was interrupted (pid 0, the
    /// `swapper/N` idle task, when the CPU was idle).
    pub(crate) pid: i32,
    pub(crate) comm: Comm,
    /// When it was taken (`ktime_get()`).
    pub(crate) at: Instant<Monotonic>,
}

impl Sample {
    /// Samples the context of the caller.
    #[inline(never)]
    pub(crate) fn here() -> Self {
        // The clock first and the count last would be as good; the count first is what the
        // caller's context is before anything here could change it (nothing here does).
        // SAFETY: The shims read the current CPU's preempt count and interrupt flag, and
        // `current`'s RCU nesting; each may be called in any context.
        let (preempt_count, in_task, serving_softirq, in_hardirq, in_nmi, irqs_off, rcu_depth) = unsafe {
            (
                proclab_preempt_count(),
                proclab_in_task(),
                proclab_in_serving_softirq(),
                proclab_in_hardirq(),
                proclab_in_nmi(),
                proclab_irqs_disabled(),
                proclab_rcu_preempt_depth(),
            )
        };
        let mut comm = [0u8; TASK_COMM_LEN];
        // SAFETY: `current` is the task this CPU runs (or the one an interrupt interrupted),
        // alive while it runs here; its pid is immutable, and the comm shim copies the name
        // (`strscpy_pad()`, `TASK_COMM_LEN` bytes) into `comm`, which has that size.
        let pid = unsafe {
            proclab_current_comm(comm.as_mut_ptr().cast());
            proclab_current_pid()
        };
        Sample {
            preempt_count,
            in_task,
            serving_softirq,
            in_hardirq,
            in_nmi,
            irqs_off,
            rcu_depth,
            cpu: CpuId::current().as_u32(),
            pid,
            comm: Comm(comm),
            at: Instant::now(),
        }
    }

    /// The preemption disable depth (bits 0-7).
    pub(crate) fn preempt(&self) -> u32 {
        field::PREEMPT.of(self.preempt_count)
    }

    /// The softirq field (bits 8-15): 1 while serving a softirq, 2 per `local_bh_disable()`.
    pub(crate) fn softirq(&self) -> u32 {
        field::SOFTIRQ.of(self.preempt_count)
    }

    /// The hard-IRQ disable depth (bits 16-23): `local_interrupt_disable()` and `SpinLockIrq`.
    pub(crate) fn hardirq_disable(&self) -> u32 {
        field::HARDIRQ_DISABLE.of(self.preempt_count)
    }

    /// The hard-IRQ depth (bits 24-27).
    pub(crate) fn hardirq(&self) -> u32 {
        field::HARDIRQ.of(self.preempt_count)
    }

    /// The NMI field.
    pub(crate) fn nmi(&self) -> u32 {
        field::NMI.of(self.preempt_count)
    }

    /// Whether the code could have slept, as the scheduler's sleep-in-atomic check
    /// (`__might_resched()`) decides it: no preempt count at all, no RCU read-side nesting,
    /// interrupts on. Computed from the sample, never by calling `might_sleep()`.
    pub(crate) fn may_sleep(&self) -> bool {
        self.preempt_count == 0 && self.rcu_depth == 0 && !self.irqs_off
    }

    /// Whether `current` is the `ksoftirqd/N` thread (by its name, as the `comm` column shows).
    pub(crate) fn in_ksoftirqd(&self) -> bool {
        self.comm.as_bytes().starts_with(b"ksoftirqd/")
    }
}

/// The width of the `context` column of [`write_header`] and [`Sample::write_row`]: the longest
/// row name of `proclab_contexts`.
pub(crate) const CONTEXT_W: usize = 38;

/// The header of a table of samples, naming the columns exactly as the tests read them. Columns
/// are separated by spaces and padded to line up.
pub(crate) fn write_header(f: &mut impl fmt::Write) -> fmt::Result {
    writeln!(
        f,
        "{:<CONTEXT_W$} {:>3} {:>6} {:<15} {:>13} {:>7} {:>7} {:>15} {:>7} {:>3} {:>8} {:>7} {:>9}",
        "context",
        "cpu",
        "pid",
        "comm",
        "preempt_count",
        "preempt",
        "softirq",
        "hardirq_disable",
        "hardirq",
        "nmi",
        "irqs_off",
        "in_task",
        "may_sleep"
    )
}

impl Sample {
    /// One line of the table of [`write_header`], for the context named `context`.
    pub(crate) fn write_row(&self, f: &mut impl fmt::Write, context: &str) -> fmt::Result {
        writeln!(
            f,
            "{:<CONTEXT_W$} {:>3} {:>6} {:<15}    {:#010x} {:>7} {:>7} {:>15} {:>7} {:>3} {:>8} {:>7} {:>9}",
            context,
            self.cpu,
            self.pid,
            self.comm,
            self.preempt_count,
            self.preempt(),
            self.softirq(),
            self.hardirq_disable(),
            self.hardirq(),
            self.nmi(),
            u8::from(self.irqs_off),
            u8::from(self.in_task),
            u8::from(self.may_sleep()),
        )
    }
}

impl fmt::Debug for Sample {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cpu {} pid {} comm {} preempt_count {:#010x} rcu {} irqs_off {} task {} softirq {} \
             hardirq {} nmi {}",
            self.cpu,
            self.pid,
            self.comm,
            self.preempt_count,
            self.rcu_depth,
            self.irqs_off,
            self.in_task,
            self.serving_softirq,
            self.in_hardirq,
            self.in_nmi
        )
    }
}

/// What a scope finds as it left it when its closure returns, if the closure kept to the
/// nesting: this CPU's count and interrupt flag.
///
/// A closure can break the nesting only by dropping a guard taken outside it, moved in or
/// reached through a cell; `R: Copy` on the scopes keeps guards from leaving one. The C calls
/// stay valid either way (the lock is still held by this task on this CPU, which cannot
/// migrate while the count is raised): the state of the CPU is then wrong, and [`Nesting::check`]
/// reports it.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Nesting {
    count: u32,
    irqs_off: bool,
}

impl Nesting {
    fn now() -> Self {
        // SAFETY: Both read this CPU's state, which is allowed in any context.
        let (count, irqs_off) = unsafe { (proclab_preempt_count(), proclab_irqs_disabled()) };
        Nesting { count, irqs_off }
    }

    /// Warns if the state is not what it was when `self` was taken.
    fn check(self) {
        warn_on!(Nesting::now() != self);
    }
}

/// Runs `f` with preemption disabled on this CPU (`preempt_disable()`, then
/// `preempt_enable()`). `f` must not sleep: the scheduler reports "scheduling while atomic" and
/// resets the count, and the `preempt_enable()` here then unbalances it.
///
/// The scopes here are closures, not guards: they nest lexically, so a BH enable can never come
/// after an interrupt disable made inside it (`local_bh_enable()` with interrupts off is a bug).
/// A guard returned out of one would break that, so [`bh_disabled`] and [`irqs_saved`] return
/// `Copy` values only, and check that `f` left the count and the flag as it found them
/// ([`Nesting`]); `preempt_disabled` may return a guard, since the preempt counts nest.
pub(crate) fn preempt_disabled<R>(f: impl FnOnce() -> R) -> R {
    // SAFETY: `preempt_disable()` may be called in any context; it is undone below, on the
    // same CPU as long as `f` keeps to the rule above and does not sleep.
    unsafe { proclab_preempt_disable() };
    let r = f();
    // SAFETY: Undoes the `preempt_disable()` above.
    unsafe { proclab_preempt_enable() };
    r
}

/// Runs `f` with bottom halves disabled on this CPU (`local_bh_disable()`, then
/// `local_bh_enable()`, which runs the softirqs that became pending meanwhile). `None` (and `f`
/// not run) outside task context or with interrupts off, where `local_bh_enable()` is a bug.
pub(crate) fn bh_disabled<R: Copy>(f: impl FnOnce() -> R) -> Option<R> {
    let s = Sample::here();
    if !s.in_task || s.irqs_off {
        return None;
    }
    // SAFETY: In task context with interrupts on, as just checked; undone below.
    unsafe { proclab_local_bh_disable() };
    let inside = Nesting::now();
    let r = f();
    inside.check();
    // SAFETY: Undoes the `local_bh_disable()` above, in the task that made it. Interrupts are
    // on again if `f` kept to the nesting (checked just above).
    unsafe { proclab_local_bh_enable() };
    Some(r)
}

/// Runs `f` with interrupts disabled on this CPU (`local_irq_save()`), then restores the
/// interrupt flag as it was (`local_irq_restore()`). `f` must not sleep.
pub(crate) fn irqs_saved<R: Copy>(f: impl FnOnce() -> R) -> R {
    // SAFETY: `local_irq_save()` may be called in any context.
    let flags = unsafe { proclab_local_irq_save() };
    let inside = Nesting::now();
    let r = f();
    inside.check();
    // SAFETY: `flags` is what `local_irq_save()` returned; restoring it is valid on any CPU.
    // If `f` kept to the nesting (checked just above), no counted interrupt disable of `f` is
    // still held, so restoring the flag cannot turn interrupts on under one.
    unsafe { proclab_local_irq_restore(flags) };
    r
}
