// SPDX-License-Identifier: GPL-2.0

//! proclab_timers: jiffies, the timer wheel, hrtimers and the tick, measured.
//!
//! Safe code on `rust/proclab/timer.rs` (a `timer_list` abstraction: upstream 7.3 has none) and
//! upstream's `kernel::time::hrtimer`. In `/sys/kernel/debug/proclab/timers/`:
//!
//! - `control`: commands (read it for the list): start the wheel run or the hrtimer run, stop
//!   both (`control.rs`);
//! - `wheel`, `wheel_summary`: how late each `timer_list` fired, in jiffies, against the wheel
//!   level's prediction (`wheel.rs`);
//! - `hrtimer`: lateness histograms of periodic hrtimers (hard and soft) and `timer_list`s at
//!   the same periods (`periodic.rs`, `rust/proclab/histogram.rs`);
//! - `clock`: `jiffies` and `HZ` against `ktime_get()` (`clock.rs`).
//!
//! This file only registers them. See `Documentation/timers.rst`.

use kernel::{new_mutex, prelude::*, sync::Mutex};

#[path = "../../rust/proclab/cmd.rs"]
mod cmd;
// Shared with the other modules; this module writes no column tables.
#[allow(dead_code)]
#[path = "../../rust/proclab/debugfs.rs"]
mod debugfs;
#[path = "../../rust/proclab/timer.rs"]
mod timer;

mod clock;
mod control;
#[path = "../../rust/proclab/histogram.rs"]
mod histogram;
mod periodic;
mod wheel;

use clock::Reading;
use debugfs::{FileSpec, Files, Root};
use periodic::Periodic;
use wheel::Wheel;

module! {
    type: ProclabTimers,
    name: "proclab_timers",
    authors: ["proclab developers"],
    description: "proclab: jiffies, the timer wheel, hrtimers and the tick, measured",
    license: "GPL",
}

/// What the files share.
#[pin_data]
struct State {
    /// The last wheel run; one at a time.
    #[pin]
    wheel: Mutex<Option<Wheel>>,
    /// The last hrtimer run; one at a time.
    #[pin]
    periodic: Mutex<Option<Periodic>>,
    /// `jiffies` and `ktime_get()` at load.
    loaded: Reading,
}

/// About 60 bytes per timer of the largest wheel run.
fn wheel_size(_: &State) -> usize {
    64 * wheel::TIMEOUTS.len() * wheel::MAX_PER_TIMEOUT as usize
}

static FILES: [FileSpec<State>; 5] = [
    FileSpec::control(c"control", control::show_control, &control::COMMANDS),
    FileSpec::sized(
        c"wheel",
        |s, f| wheel::show_wheel(&s.wheel.lock(), f),
        wheel_size,
    ),
    FileSpec::page(c"wheel_summary", |s, f| {
        wheel::show_wheel_summary(&s.wheel.lock(), f)
    }),
    FileSpec::page(c"hrtimer", |s, f| {
        periodic::show_periodic(&s.periodic.lock(), f)
    }),
    FileSpec::page(c"clock", |s, f| clock::show_clock(&s.loaded, f)),
];

struct ProclabTimers {
    _files: Files<State>,
}

impl kernel::Module for ProclabTimers {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let state = try_pin_init!(State {
            wheel <- new_mutex!(None),
            periodic <- new_mutex!(None),
            loaded: Reading::now(),
        });
        Ok(Self {
            _files: Files::new(Root::get(), c"timers", state, &FILES)?,
        })
    }
}
