// SPDX-License-Identifier: GPL-2.0

//! The debugfs files of one device, `napi/<ifname>/`: `stats` (interrupts, polls, frames per
//! poll, ring high-water mark, queue stops and wakes, drops), `config` (`weight N`, `ring N`
//! while down, `delay_us N`) and `reset` (write `1`: zero the NAPI counters; the device
//! statistics that `ip -s link` shows stay), `context` (where the "interrupt" and the poll
//! last ran, `contexts.rs`).

use crate::cmd::{Arg, Command, Table, Values};
use crate::counters::Event;
use crate::debugfs::{FileSpec, SeqOut};
use crate::net::{self, Device, Registration};
use crate::pair::Port;
use core::{
    fmt::{self, Write},
    sync::atomic::Ordering,
};
use kernel::{prelude::*, sync::Arc};

/// Bounds of the settings.
pub(crate) const RING_MAX: u64 = 4096;
pub(crate) const DELAY_MAX_US: u64 = 1_000_000;

/// What the files of one device see: the device `index` of a pair.
pub(crate) struct PortFiles {
    pub(crate) pair: Arc<Registration<Port>>,
    pub(crate) index: usize,
}

impl PortFiles {
    /// The device (always there: the files are made for the two devices of the pair).
    fn dev(&self) -> Option<&Device<Port>> {
        self.pair.dev(self.index)
    }
}

fn show_stats(f: &PortFiles, out: &mut SeqOut) -> fmt::Result {
    let port = f.dev().ok_or(fmt::Error)?.data();
    let napi = &port.napi_counters;
    writeln!(out, "interrupts: {}", napi.get(Event::Interrupt))?;
    writeln!(out, "interrupts_masked: {}", napi.get(Event::Masked))?;
    writeln!(out, "timer_armed: {}", napi.get(Event::TimerArmed))?;
    writeln!(out, "coalesced: {}", napi.get(Event::Coalesced))?;
    writeln!(out, "ring_full_interrupts: {}", napi.get(Event::RingFull))?;
    writeln!(out, "polls: {}", napi.get(Event::Poll))?;
    writeln!(out, "frames: {}", napi.get(Event::Frame))?;
    writeln!(out, "full_budget_polls: {}", napi.get(Event::FullPoll))?;
    writeln!(out, "rechecks: {}", napi.get(Event::Recheck))?;
    writeln!(out, "ring_high_water: {}", napi.get(Event::RingHighWater))?;
    writeln!(out, "ring_now: {}", port.ring.len())?;
    writeln!(out, "queue_stops: {}", napi.get(Event::QueueStop))?;
    writeln!(out, "queue_wakes: {}", napi.get(Event::QueueWake))?;
    writeln!(out, "tx_busy: {}", napi.get(Event::Busy))?;
    writeln!(out, "tx_dropped: {}", port.link_counters.tx_dropped())?;
    writeln!(out, "rx_dropped: {}", port.link_counters.rx_dropped())?;
    writeln!(out, "frames_per_poll:")?;
    for (name, n) in napi.per_poll() {
        writeln!(out, "  {name}: {n}")?;
    }
    Ok(())
}

static CONFIG: Table<PortFiles> = Table {
    file: "napi/config",
    commands: &[
        Command {
            verb: &["weight"],
            args: &[Arg::uint("N", 1, net::NAPI_POLL_WEIGHT as u64)],
            help: "NAPI weight, the most frames per poll",
            run: |f, v| f.dev().ok_or(ENODEV)?.napi().set_weight(v.uint(0)? as i32),
        },
        Command {
            verb: &["ring"],
            args: &[Arg::uint("N", 1, RING_MAX)],
            help: "receive ring size in frames, while the device is down",
            run: set_ring,
        },
        Command {
            verb: &["delay_us"],
            args: &[Arg::uint("N", 0, DELAY_MAX_US)],
            help: "interrupt coalescing delay (0: interrupt at once)",
            run: |f, v| {
                f.dev()
                    .ok_or(ENODEV)?
                    .data()
                    .delay_us
                    .store(v.uint(0)? as u32, Ordering::Relaxed);
                Ok(())
            },
        },
    ],
};

fn show_config(f: &PortFiles, out: &mut SeqOut) -> fmt::Result {
    let dev = f.dev().ok_or(fmt::Error)?;
    let port = dev.data();
    writeln!(out, "weight: {}", dev.napi().weight())?;
    writeln!(out, "ring: {}", port.ring_size.load(Ordering::Relaxed))?;
    writeln!(out, "delay_us: {}", port.delay_us.load(Ordering::Relaxed))?;
    CONFIG.help(out)
}

fn set_ring(f: &PortFiles, v: &Values<'_>) -> Result {
    let dev = f.dev().ok_or(ENODEV)?;
    if dev.is_running() {
        return Err(v.refuse_with(
            EBUSY,
            format_args!("the ring size changes only while the device is down"),
        ));
    }
    dev.data()
        .ring_size
        .store(v.uint(0)? as u32, Ordering::Relaxed);
    Ok(())
}

static RESET: Table<PortFiles> = Table {
    file: "napi/reset",
    commands: &[Command {
        verb: &[],
        args: &[Arg::word("1", &["1"])],
        help: "zero the NAPI counters of stats and forget the samples of context",
        run: |f, _| {
            let port = f.dev().ok_or(ENODEV)?.data();
            port.napi_counters.reset();
            port.contexts.clear();
            Ok(())
        },
    }],
};

pub(crate) static PORT_FILES: [FileSpec<PortFiles>; 4] = [
    FileSpec::page(c"stats", show_stats),
    FileSpec::control(c"config", show_config, &CONFIG),
    FileSpec::control(c"reset", |_, out| RESET.help(out), &RESET),
    FileSpec::page(c"context", |f, out| {
        f.dev().ok_or(fmt::Error)?.data().contexts.show(out)
    }),
];
