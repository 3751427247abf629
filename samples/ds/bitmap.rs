// SPDX-License-Identifier: GPL-2.0

//! `ds/bitmap/`: two bitmaps (`kernel::bitmap::BitmapVec`), `cpus` as long as a cpumask and
//! `big`, shown as `Cpus_allowed_list` shows one: ranges of set bits.

use core::fmt::{self, Write};
use kernel::{bitmap::BitmapVec, prelude::*};

use crate::cmd::{Arg, Command, Table, Values};
use crate::debugfs::{FileSpec, SeqOut};
use crate::demo::{control_dump_stats, Demo, Structure};

/// Bits of the large bitmap.
const BIG_BITS: usize = 1 << 16;

/// The two bitmaps, by index: `cpus` (as many bits as `nr_cpu_ids`, like a cpumask) and `big`
/// ([`BIG_BITS`] bits), in the order `dump` and `stats` list them.
pub(crate) struct Bitmaps([BitmapVec; 2]);

const CPUS: usize = 0;
const BIG: usize = 1;
const NAMES: [&str; 2] = ["cpus", "big"];

impl Bitmaps {
    pub(crate) fn new() -> Result<Self> {
        let cpus = kernel::cpu::nr_cpu_ids() as usize;
        Ok(Bitmaps([
            BitmapVec::new(cpus, GFP_KERNEL)?,
            BitmapVec::new(BIG_BITS, GFP_KERNEL)?,
        ]))
    }
}

impl Structure for Bitmaps {
    const FILES: &'static [FileSpec<Demo<Self>>] =
        &control_dump_stats(&COMMANDS, dump, |_| 8192, stats);
}

/// The last bit of `cpus`: `nr_cpu_ids` bits, like a cpumask.
fn last_cpu_bit() -> u64 {
    u64::from(kernel::cpu::nr_cpu_ids()).saturating_sub(1)
}

/// A bit of `cpus` and of `big`.
const CPU_BIT: Arg = Arg::uint_to("BIT", 0, last_cpu_bit);
const BIG_BIT: Arg = Arg::uint("BIT", 0, BIG_BITS as u64 - 1);

static COMMANDS: Table<Demo<Bitmaps>> = Table {
    file: "ds/bitmap/control",
    commands: &[
        command(
            &["set", "cpus"],
            &[CPU_BIT],
            "__set_bit() in cpus (nr_cpu_ids bits)",
            set::<CPUS>,
        ),
        command(
            &["set", "big"],
            &[BIG_BIT],
            "__set_bit() in big (65536 bits)",
            set::<BIG>,
        ),
        command(
            &["clear", "cpus"],
            &[CPU_BIT],
            "__clear_bit()",
            clear::<CPUS>,
        ),
        command(&["clear", "big"], &[BIG_BIT], "__clear_bit()", clear::<BIG>),
        command(&["zero", "cpus"], &[], "clear every bit", zero::<CPUS>),
        command(&["zero", "big"], &[], "clear every bit", zero::<BIG>),
    ],
};

/// A command of the table: a verb and a map, the function that does it on that map.
const fn command(
    verb: &'static [&'static str],
    args: &'static [Arg],
    help: &'static str,
    run: fn(&Demo<Bitmaps>, &Values<'_>) -> Result,
) -> Command<Demo<Bitmaps>> {
    Command {
        verb,
        args,
        help,
        run,
    }
}

/// `__set_bit()`: the bit of argument 0 in map `MAP`.
fn set<const MAP: usize>(maps: &Demo<Bitmaps>, args: &Values<'_>) -> Result {
    change_bit(maps, args, MAP, true)
}

/// `__clear_bit()`: the bit of argument 0 in map `MAP`.
fn clear<const MAP: usize>(maps: &Demo<Bitmaps>, args: &Values<'_>) -> Result {
    change_bit(maps, args, MAP, false)
}

/// Sets (or, not `set`, clears) the bit of argument 0 in map `map`.
fn change_bit(maps: &Demo<Bitmaps>, args: &Values<'_>, map: usize, set: bool) -> Result {
    let bit = args.uint(0)?;
    let mut maps = maps.lock_for(args)?;
    let map = maps.0.get_mut(map).ok_or(EINVAL)?;
    // The table checked the range; a map shorter than it (none is) refuses.
    let bit = usize::try_from(bit)
        .ok()
        .filter(|&b| b < map.len())
        .ok_or(EINVAL)?;
    if set {
        map.set_bit(bit);
    } else {
        map.clear_bit(bit);
    }
    Ok(())
}

/// Clears every bit of map `MAP`.
fn zero<const MAP: usize>(maps: &Demo<Bitmaps>, args: &Values<'_>) -> Result {
    let mut maps = maps.lock_for(args)?;
    let map = maps.0.get_mut(MAP).ok_or(EINVAL)?;
    let mut from = 0;
    while let Some(bit) = map.next_bit(from) {
        map.clear_bit(bit);
        from = bit + 1;
        if from >= map.len() {
            break;
        }
    }
    Ok(())
}

/// The set bits of `map`, in order.
fn set_bits(map: &BitmapVec) -> impl Iterator<Item = usize> + '_ {
    let mut from = Some(0);
    core::iter::from_fn(move || {
        let bit = map.next_bit(from.filter(|&b| b < map.len())?)?;
        from = bit.checked_add(1);
        Some(bit)
    })
}

/// The set bits of `map` as a list of ranges, like `Cpus_allowed_list` ("0-3,7").
fn write_ranges(f: &mut SeqOut, map: &BitmapVec) -> fmt::Result {
    let mut start = 0;
    let mut first = true;
    while start < map.len() {
        let Some(lo) = map.next_bit(start) else { break };
        let hi = map.next_zero_bit(lo).unwrap_or(map.len()) - 1;
        if !first {
            f.write_char(',')?;
        }
        first = false;
        if lo == hi {
            write!(f, "{lo}")?;
        } else {
            write!(f, "{lo}-{hi}")?;
        }
        start = hi + 1;
    }
    f.write_char('\n')
}

fn dump(maps: &Demo<Bitmaps>, f: &mut SeqOut) -> fmt::Result {
    let maps = maps.lock();
    for (name, map) in NAMES.iter().zip(maps.0.iter()) {
        write!(f, "{name}: ")?;
        write_ranges(f, map)?;
    }
    Ok(())
}

fn stats(maps: &Demo<Bitmaps>, f: &mut SeqOut) -> fmt::Result {
    let maps = maps.lock();
    for (name, map) in NAMES.iter().zip(maps.0.iter()) {
        let bit_or_minus_1 = |bit: Option<usize>| bit.map_or(-1, |b| b as i64);
        writeln!(
            f,
            "{name}: bits {} weight {} first_set {} first_zero {} last_set {} bytes {}",
            map.len(),
            set_bits(map).count(),
            bit_or_minus_1(map.next_bit(0)),
            bit_or_minus_1(map.next_zero_bit(0)),
            bit_or_minus_1(map.last_bit()),
            map.len().div_ceil(usize::BITS as usize) * core::mem::size_of::<usize>()
        )?;
    }
    Ok(())
}
