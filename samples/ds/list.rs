// SPDX-License-Identifier: GPL-2.0

//! `ds/list/`: an intrusive doubly linked list (`kernel::list::List`, a `list_head` list) used
//! as a stack and as a queue, and deleting while walking it.

use core::fmt::{self, Write};
use kernel::{
    list::{impl_list_arc_safe, impl_list_item, List, ListArc, ListLinks},
    prelude::*,
};

use crate::cmd::{Arg, Command, Table, Values};
use crate::debugfs::{FileSpec, SeqOut};
use crate::demo::{clear, control_dump_stats, full, Clear, Demo, Structure};
use crate::layout::LIST_HEAD_BYTES;

/// A list and its length (`List` does not count).
pub(crate) struct CountedList {
    list: List<Element>,
    len: usize,
}

impl CountedList {
    pub(crate) fn new() -> Self {
        CountedList {
            list: List::new(),
            len: 0,
        }
    }
}

/// An element: a value, and inside it the links that put it on the list.
#[pin_data]
struct Element {
    value: i64,
    #[pin]
    links: ListLinks,
}

impl_list_arc_safe! {
    impl ListArcSafe<0> for Element { untracked; }
}
impl_list_item! {
    impl ListItem<0> for Element { using ListLinks { self.links }; }
}

impl Clear for CountedList {
    fn clear(&mut self) {
        *self = CountedList::new();
    }
}

impl Structure for CountedList {
    const FILES: &'static [FileSpec<Demo<Self>>] =
        &control_dump_stats(&COMMANDS, dump, |list| list.lock().len * 21 + 64, stats);
}

/// A list value: small enough that the dump's sums cannot overflow.
const VALUE: Arg = Arg::int("V", i64::MIN / 10, i64::MAX / 10);

static COMMANDS: Table<Demo<CountedList>> = Table {
    file: "ds/list/control",
    commands: &[
        Command {
            verb: &["add"],
            args: &[VALUE],
            help: "list_add(): V at the head (a stack, LIFO)",
            run: |list, args| add(list, args, End::Head),
        },
        Command {
            verb: &["add_tail"],
            args: &[VALUE],
            help: "list_add_tail(): V at the tail (a queue, FIFO)",
            run: |list, args| add(list, args, End::Tail),
        },
        Command {
            verb: &["pop"],
            args: &[],
            help: "take the head off",
            run: pop,
        },
        Command {
            verb: &["del"],
            args: &[VALUE],
            help: "delete the first element equal to V; ENOENT if none",
            run: |list, args| delete(list, args, Delete::FirstEqual),
        },
        Command {
            verb: &["del_multiple"],
            args: &[VALUE],
            help: "delete, while walking the list, every element divisible by V \
                   (list_for_each_entry_safe; by 0: every 0)",
            run: |list, args| delete(list, args, Delete::EveryMultiple),
        },
        Command {
            verb: &["clear"],
            args: &[],
            help: "delete everything",
            run: clear,
        },
    ],
};

/// Where `add` puts a new element.
enum End {
    Head,
    Tail,
}

fn add(list: &Demo<CountedList>, args: &Values<'_>, end: End) -> Result {
    // Allocated before the lock is taken.
    let value = args.int(0)?;
    let element = ListArc::pin_init(
        try_pin_init!(Element { value, links <- ListLinks::new() }),
        GFP_KERNEL,
    )?;
    let mut elements = list.lock_for(args)?;
    if elements.len >= crate::max_elements() {
        return Err(full(args, "elements"));
    }
    match end {
        End::Head => elements.list.push_front(element),
        End::Tail => elements.list.push_back(element),
    }
    elements.len += 1;
    Ok(())
}

fn pop(list: &Demo<CountedList>, args: &Values<'_>) -> Result {
    let mut elements = list.lock_for(args)?;
    if elements.list.pop_front().is_none() {
        return Err(args.refuse_with(ENOENT, format_args!("the list is empty")));
    }
    elements.len -= 1;
    Ok(())
}

/// What `delete` deletes.
#[derive(PartialEq)]
enum Delete {
    /// The first element equal to the value (`del`).
    FirstEqual,
    /// Every element divisible by the value (`del_multiple`).
    EveryMultiple,
}

fn delete(list: &Demo<CountedList>, args: &Values<'_>, what: Delete) -> Result {
    let value = args.int(0)?;
    let mut elements = list.lock_for(args)?;
    let mut removed = 0;
    {
        // The cursor sits between elements: removing the next one is the `_safe` walk's
        // "keep the next pointer before freeing this one".
        let mut cursor = elements.list.cursor_front();
        while let Some(next) = cursor.peek_next() {
            let hit = match what {
                Delete::FirstEqual => next.value == value,
                // `a` is divisible by 0 when `a = 0 * k`: only 0 is.
                Delete::EveryMultiple => next
                    .value
                    .checked_rem(value)
                    .map_or(next.value == 0, |r| r == 0),
            };
            if hit {
                drop(next.remove());
                removed += 1;
                if what == Delete::FirstEqual {
                    break;
                }
            } else {
                cursor.move_next();
            }
        }
    }
    elements.len -= removed;
    if what == Delete::FirstEqual && removed == 0 {
        return Err(args.refuse_with(ENOENT, format_args!("no element {value}")));
    }
    Ok(())
}

fn dump(list: &Demo<CountedList>, f: &mut SeqOut) -> fmt::Result {
    for element in list.lock().list.iter() {
        writeln!(f, "{}", element.value)?;
    }
    Ok(())
}

fn stats(list: &Demo<CountedList>, f: &mut SeqOut) -> fmt::Result {
    use core::mem::{offset_of, size_of};
    writeln!(f, "elements: {}", list.lock().len)?;
    writeln!(f, "item_bytes: {}", size_of::<Element>())?;
    writeln!(f, "links_offset: {}", offset_of!(Element, links))?;
    writeln!(f, "links_bytes: {}", size_of::<ListLinks>())?;
    writeln!(f, "head_bytes: {}", size_of::<List<Element>>())?;
    writeln!(f, "c_list_head_bytes: {LIST_HEAD_BYTES}")
}
