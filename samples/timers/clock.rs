// SPDX-License-Identifier: GPL-2.0

//! `jiffies` and `HZ` against the monotonic clock: the `clock` file.
//!
//! `jiffies` counts ticks from `INITIAL_JIFFIES` (five minutes before the 32-bit wrap) at `HZ`
//! per second. With `NO_HZ_IDLE` an idle CPU stops its tick, and whichever CPU ticks next
//! advances `jiffies` by all the ticks that passed, computed from the clocksource
//! (`tick_do_update_jiffies64()`): `jiffies` keeps pace with `ktime_get()` although fewer than
//! `HZ` timer interrupts a second arrive. The file reads both clocks back to back, now and as
//! they were when the module loaded.

use crate::{
    debugfs::SeqOut,
    timer::{hz, initial_jiffies, jiffies, monotonic_ns},
};
use core::fmt::{self, Write};
use kernel::time::Jiffies;

/// Both clocks, read back to back.
#[derive(Clone, Copy)]
pub(crate) struct Reading {
    jiffies: Jiffies,
    ns: i64,
}

impl Reading {
    pub(crate) fn now() -> Self {
        Reading {
            jiffies: jiffies(),
            ns: monotonic_ns(),
        }
    }
}

/// `clock`: `loaded` is the reading taken at load.
pub(crate) fn show_clock(loaded: &Reading, f: &mut SeqOut) -> fmt::Result {
    let now = Reading::now();
    let hz = hz();
    let ticks = now.jiffies.wrapping_sub(initial_jiffies());
    writeln!(f, "HZ: {hz}")?;
    writeln!(f, "tick_ns: {}", 1_000_000_000 / hz)?;
    writeln!(f, "jiffies: {}", now.jiffies)?;
    writeln!(f, "initial_jiffies: {}", initial_jiffies())?;
    writeln!(f, "jiffies_since_boot: {ticks}")?;
    writeln!(f, "jiffies_since_boot_ms: {}", ticks * 1000 / hz)?;
    writeln!(f, "ktime_get_ms: {}", now.ns / 1_000_000)?;
    let dj = now.jiffies.wrapping_sub(loaded.jiffies);
    let dns = now.ns - loaded.ns;
    writeln!(f, "since_load_jiffies: {dj}")?;
    writeln!(f, "since_load_jiffies_ms: {}", dj * 1000 / hz)?;
    writeln!(f, "since_load_ktime_ms: {}", dns / 1_000_000)?;
    Ok(())
}
