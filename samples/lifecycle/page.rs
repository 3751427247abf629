// SPDX-License-Identifier: GPL-2.0

//! `lifecycle/page`: one page of one process, as its page table maps it (`rust/proclab/mm.rs`).
//! Write `PID ADDR` (the address in hex, `0x...`); read `key: value` lines.

use crate::{
    cmd::{Arg, Command, Table, Values},
    debugfs::SeqOut,
    mm::{look, task_mm, Mapping},
    task::find_task,
    State,
};
use core::fmt::{self, Write};
use kernel::{prelude::*, task::Pid};

/// The page `page` shows: a pid and an address in its address space.
#[derive(Clone, Copy)]
pub(crate) struct Selection {
    pid: Pid,
    addr: usize,
}

pub(crate) static COMMANDS: Table<State> = Table {
    file: "lifecycle/page",
    commands: &[Command {
        verb: &[],
        args: &[
            Arg::uint("PID", 1, 4194304),
            Arg::hex("ADDR", 0, 0x7fff_ffff_ffff),
        ],
        help: "select the page at ADDR (hex, 0x...) of process PID",
        run: select,
    }],
};

fn select(s: &State, v: &Values<'_>) -> Result {
    let pid = Pid::try_from(v.uint(0)?)?;
    let addr = usize::try_from(v.uint(1)?)?;
    if find_task(pid).is_none() {
        return Err(v.refuse_with(ESRCH, format_args!("no such process")));
    }
    *s.page.lock() = Some(Selection { pid, addr });
    Ok(())
}

/// `page`: the selected page, or the help if none is selected.
pub(crate) fn show(s: &State, f: &mut SeqOut) -> fmt::Result {
    let Some(sel) = *s.page.lock() else {
        return COMMANDS.help(f);
    };
    writeln!(f, "pid: {}", sel.pid)?;
    writeln!(f, "addr: 0x{:x}", sel.addr)?;
    let Some(task) = find_task(sel.pid) else {
        return writeln!(f, "task: gone");
    };
    let Some(mm) = task_mm(&task) else {
        return writeln!(f, "mm: none");
    };
    let Some((vma, mapping)) = look(&mm, sel.addr) else {
        writeln!(f, "vma: -")?;
        return writeln!(f, "present: 0");
    };
    writeln!(
        f,
        "vma: {:x}-{:x} {}{}{}{}",
        vma.start,
        vma.end,
        if vma.read { 'r' } else { '-' },
        if vma.write { 'w' } else { '-' },
        if vma.exec { 'x' } else { '-' },
        if vma.shared { 's' } else { 'p' }
    )?;
    match mapping {
        Mapping::None => writeln!(f, "present: 0"),
        Mapping::NotPresent => writeln!(f, "present: 0\nswapped: 1"),
        Mapping::Huge => writeln!(f, "present: 1\nhuge: 1"),
        Mapping::Changed => writeln!(f, "present: ?\nchanged: 1 (read again)"),
        Mapping::Special { pfn, writable } => writeln!(
            f,
            "present: 1\nspecial: 1\npfn: {pfn}\nwritable: {}",
            u8::from(writable)
        ),
        Mapping::Page(p) => {
            writeln!(f, "present: 1")?;
            writeln!(f, "pfn: {}", p.pfn)?;
            writeln!(f, "writable: {}", u8::from(p.writable))?;
            writeln!(f, "dirty: {}", u8::from(p.dirty))?;
            writeln!(f, "anon: {}", u8::from(p.anon))?;
            writeln!(f, "exclusive: {}", u8::from(p.exclusive))?;
            writeln!(f, "refcount: {}", p.refcount)?;
            writeln!(f, "mapcount: {}", p.mapcount)?;
            writeln!(f, "order: {}", p.order)
        }
    }
}
