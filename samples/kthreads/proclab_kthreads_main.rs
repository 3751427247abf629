// SPDX-License-Identifier: GPL-2.0

//! proclab_kthreads: kernel threads that live, sleep, wake, get scheduled and die.
//!
//! Everything here runs on the kernel-thread abstraction of `rust/proclab/kthread.rs`, in safe
//! code. In `/sys/kernel/debug/proclab/kthreads/`:
//!
//! - `control`: commands (read it for the list): start and stop workers, change their nice
//!   value, policy and CPU, put one to sleep in `D`, `I` or killable state, run the
//!   producer/consumer (`control.rs`);
//! - `workers`: one line per worker thread `proclab_worker/N`, as the scheduler sees it
//!   (`workers.rs`);
//! - `prodcons`: the counters of the producer/consumer pair (`prodcons.rs`).
//!
//! The scheduling experiments (nice values, FIFO against NORMAL and the other classes) are
//! proclab_sched's.
//!
//! This file only registers the files and starts the threads. See `Documentation/kthreads.rst`.

use kernel::{new_mutex, prelude::*, sync::Mutex};

#[path = "../../rust/proclab/cmd.rs"]
mod cmd;
mod control;
// Shared with the other modules; this one has no file sized by its contents.
#[allow(dead_code)]
#[path = "../../rust/proclab/debugfs.rs"]
mod debugfs;
#[path = "../../rust/proclab/kthread.rs"]
mod kthread;
mod prodcons;
#[path = "../../rust/proclab/sched.rs"]
mod sched;
// Shared with proclab_tasks, which uses all of it; this module reads a few fields.
#[allow(dead_code)]
#[path = "../../rust/proclab/task.rs"]
mod task;
mod workers;

use debugfs::{FileSpec, Files, Root};
use prodcons::ProdConsThreads;
use workers::{Worker, MAX_WORKERS};

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

/// What the files share.
#[pin_data]
struct State {
    /// One slot per worker index, `None` when that worker is not running.
    #[pin]
    workers: Mutex<KVec<Option<Worker>>>,
    /// The producer, the consumer and their queue.
    prodcons: ProdConsThreads,
}

static FILES: [FileSpec<State>; 3] = [
    FileSpec::control(c"control", control::show_control, &control::COMMANDS),
    FileSpec::page(c"workers", workers::show_workers),
    FileSpec::page(c"prodcons", prodcons::show_prodcons),
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
            let worker = if i < n { Some(Worker::start(i)?) } else { None };
            workers.push(worker, GFP_KERNEL)?;
        }
        let prodcons = ProdConsThreads::start()?;
        let state = try_pin_init!(State {
            workers <- new_mutex!(workers),
            prodcons,
        });
        Ok(Self {
            _files: Files::new(Root::get(), c"kthreads", state, &FILES)?,
        })
    }
}
