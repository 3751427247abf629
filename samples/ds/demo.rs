// SPDX-License-Identifier: GPL-2.0

//! What every directory of `proclab_ds` is: a structure behind a mutex (a [`Demo`]), a
//! `control` file that takes the structure's commands and prints their help when read, and
//! read-only files that show it.
//!
//! A directory file (`rbtree.rs`, `list.rs`, ...) holds only what is its own: the structure, its
//! [`Structure`] impl naming the files, its command table and the commands and readers.

use core::ffi::CStr;
use core::fmt;
use kernel::{
    new_mutex,
    prelude::*,
    sync::{Arc, Mutex, MutexGuard},
};

use crate::cmd::{Arg, Table, Values};
use crate::debugfs::{Dir, FileSpec, Files, SeqOut};
use crate::work::{Busy, Running};

/// A structure that a directory shows.
pub(crate) trait Structure: Send + Unpin + Sized + 'static {
    /// The directory's files: [`control`] and the readers, often [`control_dump_stats`].
    const FILES: &'static [FileSpec<Demo<Self>>];
}

/// The state behind a directory: the structure, under a mutex, and whether a long command
/// works on it (see [`crate::work`]).
#[pin_data]
pub(crate) struct Demo<S> {
    #[pin]
    structure: Mutex<S>,
    busy: Busy,
}

impl<S: Structure> Demo<S> {
    /// Creates `<dir>/<name>/` with the files of `S`, which show `structure`.
    pub(crate) fn register(dir: &Arc<Dir>, name: &CStr, structure: S) -> Result<Files<Self>> {
        let demo = try_pin_init!(Demo {
            structure <- new_mutex!(structure),
            busy: Busy::new(),
        });
        Files::new_in(dir, name, demo, S::FILES)
    }

    /// The structure, for a reader, or for a long command between two of its chunks.
    pub(crate) fn lock(&self) -> MutexGuard<'_, S> {
        self.structure.lock()
    }

    /// The structure, for a short command: `EBUSY` while a long command runs.
    pub(crate) fn lock_for(&self, args: &Values<'_>) -> Result<MutexGuard<'_, S>> {
        self.busy.check(args)?;
        Ok(self.structure.lock())
    }

    /// Lets a long command in: `EBUSY` while another one runs. The other commands are refused
    /// until the guard returned is dropped.
    pub(crate) fn start(&self, args: &Values<'_>) -> Result<Running<'_>> {
        self.busy.start(args)
    }
}

/// The `control` file: written, it runs one of `commands`; read, it lists them.
pub(crate) const fn control<S: Structure>(commands: &'static Table<Demo<S>>) -> FileSpec<Demo<S>> {
    FileSpec::control(c"control", help::<S>, commands)
}

/// The help of the commands of `S`'s `control` file.
fn help<S: Structure>(_: &Demo<S>, f: &mut SeqOut) -> fmt::Result {
    match S::FILES.iter().find_map(|file| file.write) {
        Some(commands) => commands.help(f),
        None => Ok(()),
    }
}

/// A key of the `rbtree` and `hlist` directories: any 64-bit number.
pub(crate) const KEY: Arg = Arg::uint("KEY", 0, u64::MAX);

/// The files of most directories: `control`, `dump` (about `dump_size` bytes) and `stats`.
pub(crate) const fn control_dump_stats<S: Structure>(
    commands: &'static Table<Demo<S>>,
    dump: fn(&Demo<S>, &mut SeqOut) -> fmt::Result,
    dump_size: fn(&Demo<S>) -> usize,
    stats: fn(&Demo<S>, &mut SeqOut) -> fmt::Result,
) -> [FileSpec<Demo<S>>; 3] {
    [
        control(commands),
        FileSpec::sized(c"dump", dump, dump_size),
        FileSpec::page(c"stats", stats),
    ]
}

/// A structure that the `clear` command empties.
pub(crate) trait Clear {
    fn clear(&mut self);
}

/// The `clear` command: empties the structure (`EBUSY` while a long command runs).
pub(crate) fn clear<S: Structure + Clear>(demo: &Demo<S>, args: &Values<'_>) -> Result {
    demo.lock_for(args)?.clear();
    Ok(())
}

/// `ENOSPC` for a structure that holds `max_elements` already: "full (N `what`)".
pub(crate) fn full(args: &Values<'_>, what: &str) -> Error {
    let max = crate::max_elements();
    args.refuse_with(ENOSPC, format_args!("full ({max} {what})"))
}

/// `x * unit / y`, rounded down; 0 if `y` is 0.
///
/// `x * unit` may not fit 64 bits (a runtime past 1.8 * 10^15 ns, two `run 1000000` of 1 s
/// slices, times 10000), and the kernel has no 128-bit division: then `x` and `y` are both
/// halved until it fits. The quotient then moves by less than 1 as long as `y` is not far below
/// `x` (for a share, `x <= y`, so `y` keeps at least 49 bits); a `y` halved down to 0 gives
/// `u64::MAX`.
pub(crate) fn ratio(mut x: u64, mut y: u64, unit: u64) -> u64 {
    if y == 0 {
        return 0;
    }
    while x.checked_mul(unit).is_none() {
        x >>= 1;
        y >>= 1;
    }
    (x * unit).checked_div(y).unwrap_or(u64::MAX)
}
