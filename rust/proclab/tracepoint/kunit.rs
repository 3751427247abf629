// SPDX-License-Identifier: GPL-2.0

//! KUnit tests of [`super`]: the tracepoints are found by name, and a handler attached to them
//! sees a kernel thread made and exit, with its pid, and nothing after the detach.

use super::*;
use crate::kthread::Thread;
use core::sync::atomic::{AtomicI32, AtomicU32, Ordering};

/// The pids of the last `task_newtask` and `sched_process_exit` events, and their counts.
struct Seen {
    new_pids: [AtomicI32; 64],
    news: AtomicU32,
    exit_pids: [AtomicI32; 64],
    exits: AtomicU32,
}

impl Seen {
    fn new() -> Self {
        Seen {
            new_pids: [const { AtomicI32::new(0) }; 64],
            news: AtomicU32::new(0),
            exit_pids: [const { AtomicI32::new(0) }; 64],
            exits: AtomicU32::new(0),
        }
    }

    fn has(pids: &[AtomicI32; 64], pid: Pid) -> bool {
        pids.iter().any(|p| p.load(Ordering::Relaxed) == pid)
    }
}

impl Handler for Seen {
    fn task_newtask(&self, task: &Task, _clone_flags: u64) {
        let i = self.news.fetch_add(1, Ordering::Relaxed) as usize % 64;
        self.new_pids[i].store(task.pid(), Ordering::Relaxed);
    }

    fn sched_process_exit(&self, task: &Task, _group_dead: bool) {
        let i = self.exits.fetch_add(1, Ordering::Relaxed) as usize % 64;
        self.exit_pids[i].store(task.pid(), Ordering::Relaxed);
    }
}

#[kunit_tests(proclab_tracepoint)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_lifecycle_tracepoints_by_name() {
        for e in [
            Event::TaskNewtask,
            Event::SchedProcessExec,
            Event::SchedProcessExit,
            Event::SchedProcessWait,
            Event::SchedProcessFree,
        ] {
            assert!(Tracepoint::find(e.name()).is_some());
        }
        assert!(Tracepoint::find(c"proclab_no_such_tracepoint").is_none());
    }

    #[test]
    fn sees_a_kthread_made_and_exit() -> Result {
        let probes = Probes::attach(
            Arc::new(Seen::new(), GFP_KERNEL)?,
            &[Event::TaskNewtask, Event::SchedProcessExit],
        )?;
        let t = Thread::spawn(c"proclab_tp_test", |_| ())?;
        let pid = t.task().pid();
        t.stop();
        let seen = probes.handler().clone();
        assert!(Seen::has(&seen.new_pids, pid));
        assert!(Seen::has(&seen.exit_pids, pid));
        drop(probes);
        // Detached: another thread goes unseen.
        let before = seen.news.load(Ordering::Relaxed);
        Thread::spawn(c"proclab_tp_test", |_| ())?.stop();
        assert_eq!(seen.news.load(Ordering::Relaxed), before);
        Ok(())
    }

    #[test]
    fn an_event_named_twice_is_refused_and_nothing_stays() -> Result {
        let seen = Arc::new(Seen::new(), GFP_KERNEL)?;
        let r = Probes::attach(seen.clone(), &[Event::TaskNewtask, Event::TaskNewtask]);
        assert!(matches!(r, Err(e) if e == EINVAL));
        Thread::spawn(c"proclab_tp_test", |_| ())?.stop();
        assert_eq!(seen.news.load(Ordering::Relaxed), 0);
        Ok(())
    }
}
