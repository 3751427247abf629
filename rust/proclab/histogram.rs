// SPDX-License-Identifier: GPL-2.0

//! Log2 histograms of nanoseconds: [`Histogram`], filled from timer callbacks (atomics only: a
//! callback runs in hard IRQ or softirq context and takes no lock), and [`write_rows`], which
//! prints columns of bucket counts side by side.

use core::{
    fmt::{self, Write},
    ops::RangeInclusive,
    sync::atomic::{AtomicU64, Ordering},
};

/// Buckets: 0 holds lateness below 2 ns (0 and 1, and anything negative), bucket `k >= 1` holds
/// `[2^k, 2^(k+1))` ns; the last holds everything from 2^39 ns (9 minutes) up.
pub(crate) const BUCKETS: usize = 40;

/// Lateness counts by log2 bucket, and their sum, maximum and the periods skipped.
pub(crate) struct Histogram {
    buckets: [AtomicU64; BUCKETS],
    sum_ns: AtomicU64,
    max_ns: AtomicU64,
    /// Periods that passed without a callback (an hrtimer's `forward()` overruns beyond one).
    missed: AtomicU64,
}

/// The bucket of `ns`.
pub(crate) fn bucket_of(ns: i64) -> usize {
    if ns < 2 {
        return 0;
    }
    let log2 = 63 - ns.leading_zeros() as usize;
    log2.min(BUCKETS - 1)
}

/// The smallest lateness in bucket `k`, in ns.
pub(crate) fn bucket_floor(k: usize) -> u64 {
    if k == 0 {
        0
    } else {
        1 << k
    }
}

impl Histogram {
    pub(crate) const fn new() -> Self {
        Histogram {
            buckets: [const { AtomicU64::new(0) }; BUCKETS],
            sum_ns: AtomicU64::new(0),
            max_ns: AtomicU64::new(0),
            missed: AtomicU64::new(0),
        }
    }

    /// Records one callback `late_ns` after its expiry, which skipped `missed` periods.
    pub(crate) fn record(&self, late_ns: i64, missed: u64) {
        self.buckets[bucket_of(late_ns)].fetch_add(1, Ordering::Relaxed);
        let late = u64::try_from(late_ns).unwrap_or(0);
        self.sum_ns.fetch_add(late, Ordering::Relaxed);
        self.max_ns.fetch_max(late, Ordering::Relaxed);
        self.missed.fetch_add(missed, Ordering::Relaxed);
    }

    /// A snapshot of the counts (each read on its own: a callback may land in between).
    pub(crate) fn counts(&self) -> [u64; BUCKETS] {
        core::array::from_fn(|k| self.buckets[k].load(Ordering::Relaxed))
    }

    pub(crate) fn max_ns(&self) -> u64 {
        self.max_ns.load(Ordering::Relaxed)
    }

    pub(crate) fn sum_ns(&self) -> u64 {
        self.sum_ns.load(Ordering::Relaxed)
    }

    pub(crate) fn missed(&self) -> u64 {
        self.missed.load(Ordering::Relaxed)
    }
}

/// The bucket of the median sample of `counts` (the lower one of an even count), or `None`
/// without samples.
pub(crate) fn median_bucket(counts: &[u64; BUCKETS]) -> Option<usize> {
    let n: u64 = counts.iter().sum();
    if n == 0 {
        return None;
    }
    let half = n.div_ceil(2);
    let mut seen = 0;
    counts.iter().position(|&c| {
        seen += c;
        seen >= half
    })
}

/// The buckets from the lowest to the highest that any of `columns` used, or `None` if none
/// has a sample.
pub(crate) fn used_range(columns: &[[u64; BUCKETS]]) -> Option<RangeInclusive<usize>> {
    let used = |k: &usize| columns.iter().any(|c| c[*k] > 0);
    let lo = (0..BUCKETS).find(used)?;
    let hi = (0..BUCKETS).rfind(used)?;
    Some(lo..=hi)
}

/// Writes one line per bucket of `range`: its floor in ns (right-aligned in `FROM_WIDTH`
/// characters, under a `from_ns` header the caller writes), then each column's count in
/// `width` characters.
pub(crate) fn write_rows(
    f: &mut impl Write,
    range: RangeInclusive<usize>,
    columns: &[[u64; BUCKETS]],
    width: usize,
) -> fmt::Result {
    for k in range {
        write!(f, "{:>FROM_WIDTH$}", bucket_floor(k))?;
        for counts in columns {
            write!(f, " {:>width$}", counts[k])?;
        }
        f.write_char('\n')?;
    }
    Ok(())
}

/// The width of the `from_ns` column of [`write_rows`].
pub(crate) const FROM_WIDTH: usize = 14;
