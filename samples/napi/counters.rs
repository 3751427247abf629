// SPDX-License-Identifier: GPL-2.0

//! The counters of one device: its NAPI events (debugfs `stats`, zeroed by `reset`) and its
//! link statistics (`ndo_get_stats64`, what `ip -s link` shows; never reset).

use crate::net::Stats64;
use core::sync::atomic::{AtomicU64, Ordering};

/// A NAPI event a device counts.
#[derive(Clone, Copy)]
pub(crate) enum Event {
    /// An interrupt raised: the poll scheduled by the "interrupt handler".
    Interrupt,
    /// A frame that arrived while the interrupt was masked (a poll pending or running).
    Masked,
    /// The coalescing timer armed (`delay_us` > 0).
    TimerArmed,
    /// A frame that arrived while the coalescing timer was pending.
    Coalesced,
    /// An interrupt raised before the delay ran out because the frame filled the ring (a NIC's
    /// "receive descriptors low" interrupt): the sender waits for room, not for the timer.
    RingFull,
    /// A poll.
    Poll,
    /// A frame polled.
    Frame,
    /// A poll that used the whole budget (and was not completed).
    FullPoll,
    /// A frame found in the ring right after `napi_complete_done()`: polled again at once.
    Recheck,
    /// The ring's high-water mark (a maximum, not a count).
    RingHighWater,
    /// This device's transmit queue stopped (the peer's ring full).
    QueueStop,
    /// This device's transmit queue woken.
    QueueWake,
    /// A transmit refused with `NETDEV_TX_BUSY` (the ring full although the queue was running).
    Busy,
}

const EVENTS: usize = Event::Busy as usize + 1;

/// Frames-per-poll histogram buckets: 0, 1, 2-3, 4-7, 8-15, 16-31, 32-63, 64.
const BUCKETS: usize = 8;
const BUCKET_NAMES: [&str; BUCKETS] = ["0", "1", "2-3", "4-7", "8-15", "16-31", "32-63", "64"];

/// The NAPI events of one device, and its frames-per-poll histogram.
#[derive(Default)]
pub(crate) struct NapiCounters {
    events: [AtomicU64; EVENTS],
    per_poll: [AtomicU64; BUCKETS],
}

impl NapiCounters {
    pub(crate) fn inc(&self, event: Event) {
        self.add(event, 1);
    }

    pub(crate) fn add(&self, event: Event, n: u64) {
        self.events[event as usize].fetch_add(n, Ordering::Relaxed);
    }

    /// Raises a maximum (`RingHighWater`) to `n`.
    pub(crate) fn raise(&self, event: Event, n: u64) {
        self.events[event as usize].fetch_max(n, Ordering::Relaxed);
    }

    pub(crate) fn get(&self, event: Event) -> u64 {
        self.events[event as usize].load(Ordering::Relaxed)
    }

    /// Counts a poll that took `frames` frames in the histogram.
    pub(crate) fn poll_took(&self, frames: i32) {
        let bucket = match frames {
            i32::MIN..=0 => 0,
            n => ((32 - n.leading_zeros()) as usize).min(BUCKETS - 1),
        };
        self.per_poll[bucket].fetch_add(1, Ordering::Relaxed);
    }

    /// The histogram: each bucket's name and count.
    pub(crate) fn per_poll(&self) -> impl Iterator<Item = (&'static str, u64)> + '_ {
        BUCKET_NAMES
            .iter()
            .zip(self.per_poll.iter())
            .map(|(name, n)| (*name, n.load(Ordering::Relaxed)))
    }

    pub(crate) fn reset(&self) {
        for counter in self.events.iter().chain(self.per_poll.iter()) {
            counter.store(0, Ordering::Relaxed);
        }
    }
}

/// The link statistics of one device.
#[derive(Default)]
pub(crate) struct LinkCounters {
    rx_packets: AtomicU64,
    rx_bytes: AtomicU64,
    tx_packets: AtomicU64,
    tx_bytes: AtomicU64,
    /// Sent while the peer was down, or refused by the peer (MTU).
    tx_dropped: AtomicU64,
    /// In the ring when the device went down.
    rx_dropped: AtomicU64,
}

impl LinkCounters {
    pub(crate) fn received(&self, frames: u64, bytes: u64) {
        self.rx_packets.fetch_add(frames, Ordering::Relaxed);
        self.rx_bytes.fetch_add(bytes, Ordering::Relaxed);
    }

    pub(crate) fn sent(&self, bytes: u64) {
        self.tx_packets.fetch_add(1, Ordering::Relaxed);
        self.tx_bytes.fetch_add(bytes, Ordering::Relaxed);
    }

    pub(crate) fn tx_drop(&self) {
        self.tx_dropped.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn rx_drop(&self, frames: u64) {
        self.rx_dropped.fetch_add(frames, Ordering::Relaxed);
    }

    pub(crate) fn tx_dropped(&self) -> u64 {
        self.tx_dropped.load(Ordering::Relaxed)
    }

    pub(crate) fn rx_dropped(&self) -> u64 {
        self.rx_dropped.load(Ordering::Relaxed)
    }

    /// Fills the standard counters that this driver keeps.
    pub(crate) fn fill(&self, stats: &mut Stats64) {
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        stats.set_rx(
            load(&self.rx_packets),
            load(&self.rx_bytes),
            self.rx_dropped(),
        );
        stats.set_tx(
            load(&self.tx_packets),
            load(&self.tx_bytes),
            self.tx_dropped(),
        );
    }
}
