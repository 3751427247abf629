// SPDX-License-Identifier: GPL-2.0

//! The commands a writable file takes, declared in one table.
//!
//! A file that takes commands declares them in a [`Table`]: each [`Command`] is its verb (none,
//! one or more words), its arguments with their types and ranges, one line of help, and the
//! function that does it. The table is the only source of all three things a user and a test
//! see: every write is parsed by it (a handler gets only checked values), the help a `control`
//! file prints is generated from it ([`Table::help`]), and so is the machine-readable grammar
//! each directory's `grammar` file lists for the fuzzer ([`Table::grammar`],
//! `tests/helpers/fuzz.c`), which therefore cannot fall behind a new command.
//!
//! A write is one command: at most [`LINE_MAX`] bytes, UTF-8, words separated by spaces or tabs
//! (none before the first word or after the last), one optional trailing newline and no other
//! control character. Numbers are plain decimal
//! (a `-` only where a value may be negative; no `+`, no overflow). A malformed command is
//! refused with `EINVAL`, a well-formed one that cannot be done now with the errno its handler
//! gives (`EBUSY`, `ENOSPC`, `ENOENT`, ..., and `ERANGE` for arguments each in range but not
//! together). Every refusal logs one line naming the file and the
//! problem, rate-limited as `printk_ratelimited()` is, and never the user's own words: a log
//! line must not be forged from a write.

use core::{
    fmt::{self, Write},
    str::SplitAsciiWhitespace,
    sync::atomic::{AtomicI64, AtomicU32, Ordering},
};
use kernel::{bindings, prelude::*, uaccess::UserSliceReader};

/// The longest command a file takes.
pub(crate) const LINE_MAX: usize = 128;

/// The most arguments a command takes.
const MAX_ARGS: usize = 5;

/// One argument of a command: its name in the help, what it may be, and the value it takes
/// when it is left out (only the last argument of a command may be left out).
pub(crate) struct Arg {
    name: &'static str,
    kind: Kind,
    default: Option<u64>,
}

enum Kind {
    Int(i64, i64),
    Uint(u64, u64),
    /// An unsigned integer up to a limit the kernel sets at run time (`pid_max`).
    #[allow(dead_code)]
    UintTo(u64, fn() -> u64),
    // Not every module has a word argument (nor a signed one).
    #[allow(dead_code)]
    Word(&'static [&'static str]),
    /// An unsigned integer written in hex with `0x` (an address).
    #[allow(dead_code)]
    Hex(u64, u64),
}

impl Arg {
    /// A signed integer from `min` to `max`.
    #[allow(dead_code)]
    pub(crate) const fn int(name: &'static str, min: i64, max: i64) -> Self {
        Arg {
            name,
            kind: Kind::Int(min, max),
            default: None,
        }
    }

    /// An unsigned integer from `min` to `max` (which may be `u64::MAX`).
    pub(crate) const fn uint(name: &'static str, min: u64, max: u64) -> Self {
        Arg {
            name,
            kind: Kind::Uint(min, max),
            default: None,
        }
    }

    /// An unsigned integer from `min` to what `max()` returns now: the help and the grammar
    /// show the limit of the moment.
    #[allow(dead_code)]
    pub(crate) const fn uint_to(name: &'static str, min: u64, max: fn() -> u64) -> Self {
        Arg {
            name,
            kind: Kind::UintTo(min, max),
            default: None,
        }
    }

    /// An unsigned integer from `min` to `max`, written in hex after `0x` (an address).
    #[allow(dead_code)]
    pub(crate) const fn hex(name: &'static str, min: u64, max: u64) -> Self {
        Arg {
            name,
            kind: Kind::Hex(min, max),
            default: None,
        }
    }

    /// One of `words`.
    #[allow(dead_code)]
    pub(crate) const fn word(name: &'static str, words: &'static [&'static str]) -> Self {
        Arg {
            name,
            kind: Kind::Word(words),
            default: None,
        }
    }

    /// The same unsigned argument, which takes `default` when the command leaves it out. Only
    /// for a command's last argument; `default` must be in the argument's range (checked when
    /// the table is built, at compile time).
    #[allow(dead_code)]
    pub(crate) const fn or(self, default: u64) -> Self {
        match self.kind {
            Kind::Uint(min, max) if min <= default && default <= max => {}
            _ => panic!("Arg::or: an unsigned argument, and a default in its range"),
        }
        Arg {
            default: Some(default),
            ..self
        }
    }

    /// Whether the argument is one word, its own name.
    fn is_literal(&self) -> bool {
        matches!(self.kind, Kind::Word([w]) if *w == self.name)
    }

    /// The value of `w`, if it is one this argument takes.
    fn parse<'a>(&self, w: &'a str) -> Option<Value<'a>> {
        match self.kind {
            Kind::Int(min, max) => parse_int(w)
                .filter(|v| (min..=max).contains(v))
                .map(Value::Int),
            Kind::Uint(min, max) => parse_uint(w)
                .filter(|v| (min..=max).contains(v))
                .map(Value::Uint),
            Kind::UintTo(min, max) => parse_uint(w)
                .filter(|v| (min..=max()).contains(v))
                .map(Value::Uint),
            Kind::Word(words) => words.contains(&w).then_some(Value::Word(w)),
            Kind::Hex(min, max) => parse_hex(w)
                .filter(|v| (min..=max).contains(v))
                .map(Value::Uint),
        }
    }

    /// What the argument may be, as the help says it.
    fn range(&self, f: &mut impl Write) -> fmt::Result {
        match self.kind {
            Kind::Int(min, max) => write!(f, "{min}..{max}"),
            Kind::Uint(min, max) => write!(f, "{min}..{max}"),
            Kind::UintTo(min, max) => write!(f, "{min}..{}", max()),
            Kind::Word(words) => self.alternatives(f, words),
            Kind::Hex(min, max) => write!(f, "0x{min:x}..0x{max:x}"),
        }
    }

    /// The argument in the grammar: `int:MIN:MAX`, `uint:MIN:MAX` or `word:A|B`.
    fn grammar(&self, f: &mut impl Write) -> fmt::Result {
        match self.kind {
            Kind::Int(min, max) => write!(f, "int:{min}:{max}"),
            Kind::Uint(min, max) => write!(f, "uint:{min}:{max}"),
            Kind::UintTo(min, max) => write!(f, "uint:{min}:{}", max()),
            Kind::Word(words) => {
                f.write_str("word:")?;
                self.alternatives(f, words)
            }
            Kind::Hex(min, max) => write!(f, "hex:{min}:{max}"),
        }
    }

    fn alternatives(&self, f: &mut impl Write, words: &[&str]) -> fmt::Result {
        for (i, w) in words.iter().enumerate() {
            if i > 0 {
                f.write_char('|')?;
            }
            f.write_str(w)?;
        }
        Ok(())
    }
}

/// A checked argument, as the handler gets it.
#[derive(Clone, Copy)]
enum Value<'a> {
    Int(i64),
    Uint(u64),
    #[allow(dead_code)]
    Word(&'a str),
}

/// One command of a [`Table`].
pub(crate) struct Command<T: 'static> {
    /// The words that name it: none (the whole write is the arguments), one, or more.
    pub(crate) verb: &'static [&'static str],
    /// Its arguments, in order.
    pub(crate) args: &'static [Arg],
    /// One line of help.
    pub(crate) help: &'static str,
    /// Does it, with the arguments checked against `args`.
    pub(crate) run: fn(&T, &Values<'_>) -> Result,
}

/// The commands of one writable file.
pub(crate) struct Table<T: 'static> {
    /// The file as the log names it (`ds/cfs/control`).
    pub(crate) file: &'static str,
    /// Its commands. Two commands may share leading verb words, not the whole verb.
    pub(crate) commands: &'static [Command<T>],
}

/// The checked arguments of a command, taken by index in the order of [`Command::args`].
pub(crate) struct Values<'a> {
    values: [Value<'a>; MAX_ARGS],
    len: usize,
    file: &'static str,
}

impl<'a> Values<'a> {
    fn get(&self, i: usize) -> Option<Value<'a>> {
        self.values[..self.len].get(i).copied()
    }

    /// Argument `i`, declared with [`Arg::int`].
    #[allow(dead_code)]
    pub(crate) fn int(&self, i: usize) -> Result<i64> {
        match self.get(i) {
            Some(Value::Int(v)) => Ok(v),
            _ => Err(self.mismatch(i)),
        }
    }

    /// Argument `i`, declared with [`Arg::uint`].
    pub(crate) fn uint(&self, i: usize) -> Result<u64> {
        match self.get(i) {
            Some(Value::Uint(v)) => Ok(v),
            _ => Err(self.mismatch(i)),
        }
    }

    /// Argument `i`, declared with [`Arg::word`].
    #[allow(dead_code)]
    pub(crate) fn word(&self, i: usize) -> Result<&'a str> {
        match self.get(i) {
            Some(Value::Word(v)) => Ok(v),
            _ => Err(self.mismatch(i)),
        }
    }

    /// A handler asked for an argument its table does not declare: a bug in the module.
    fn mismatch(&self, i: usize) -> Error {
        refuse(
            self.file,
            format_args!("argument {i} does not match its table"),
        )
    }

    /// Refuses the command with `EINVAL` (for checks beyond one argument).
    #[allow(dead_code)]
    pub(crate) fn refuse(&self, why: fmt::Arguments<'_>) -> Error {
        refuse(self.file, why)
    }

    /// Refuses a well-formed command that cannot be done now with `errno`.
    pub(crate) fn refuse_with(&self, errno: Error, why: fmt::Arguments<'_>) -> Error {
        refuse_with(self.file, errno, why)
    }
}

impl<T: 'static> Table<T> {
    /// Parses `line` and runs its command on `data`.
    pub(crate) fn run_line(&self, data: &T, line: &str) -> Result {
        let words = || line.split_ascii_whitespace();
        // The command whose verb the line starts with: the longest such verb.
        let cmd = self
            .commands
            .iter()
            .filter(|c| starts_with(words(), c.verb))
            .max_by_key(|c| c.verb.len())
            .ok_or_else(|| refuse(self.file, format_args!("unknown command")))?;
        let mut rest = words().skip(cmd.verb.len());
        let mut values = Values {
            values: [Value::Int(0); MAX_ARGS],
            len: 0,
            file: self.file,
        };
        for (i, arg) in cmd.args.iter().enumerate() {
            let last = i + 1 == cmd.args.len();
            let v = match (rest.next(), arg.default) {
                (Some(w), _) => arg.parse(w),
                (None, Some(d)) if last => Some(Value::Uint(d)),
                (None, _) => {
                    return Err(refuse(self.file, format_args!("missing {}", arg.name)));
                }
            };
            let (Some(v), Some(slot)) = (v, values.values.get_mut(i)) else {
                return Err(refuse(
                    self.file,
                    format_args!("{} must be {}", arg.name, Range(arg)),
                ));
            };
            *slot = v;
            values.len = i + 1;
        }
        if rest.next().is_some() {
            return Err(refuse(self.file, format_args!("too many arguments")));
        }
        (cmd.run)(data, &values)
    }

    /// Reads the write in `reader` and runs its command: the whole `write()` of the file.
    pub(crate) fn write(&self, data: &T, reader: &mut UserSliceReader) -> Result {
        let mut buf = [0u8; LINE_MAX];
        let line = read_line(reader, &mut buf, self.file)?;
        self.run_line(data, line)
    }

    /// The help the file prints: one line per command, its arguments' ranges after it.
    pub(crate) fn help(&self, f: &mut impl Write) -> fmt::Result {
        f.write_str("commands (one per write):\n")?;
        for c in self.commands {
            let mut usage = Usage::new();
            c.usage(&mut usage)?;
            write!(f, "  {:<24} {}", usage.as_str(), c.help)?;
            // A literal word (reset's `1`) needs no range.
            let ranged = c.args.iter().filter(|a| !a.is_literal());
            for (i, a) in ranged.clone().enumerate() {
                let sep = if i == 0 { " (" } else { ", " };
                write!(f, "{sep}{} {}", a.name, Range(a))?;
            }
            f.write_str(if ranged.count() == 0 { "\n" } else { ")\n" })?;
        }
        Ok(())
    }

    /// The grammar lines of the file named `name`: `NAME VERB... TYPE:...` per command, and
    /// one more without the last argument of a command that may leave it out.
    pub(crate) fn grammar(&self, name: &str, f: &mut impl Write) -> fmt::Result {
        for c in self.commands {
            let optional = c.args.last().is_some_and(|a| a.default.is_some());
            let forms = if optional { 2 } else { 1 };
            for form in 0..forms {
                f.write_str(name)?;
                for v in c.verb {
                    write!(f, " {v}")?;
                }
                for a in &c.args[..c.args.len() - form] {
                    f.write_char(' ')?;
                    a.grammar(f)?;
                }
                f.write_char('\n')?;
            }
        }
        Ok(())
    }
}

impl<T> Command<T> {
    /// `verb ARG... [ARG]`, as the help shows it (an argument that may be left out in
    /// brackets).
    fn usage(&self, f: &mut impl Write) -> fmt::Result {
        let args = self.args.iter().map(|a| (a.name, a.default.is_some()));
        let words = Iterator::chain(self.verb.iter().map(|v| (*v, false)), args);
        for (i, (w, optional)) in words.enumerate() {
            if i > 0 {
                f.write_char(' ')?;
            }
            if optional {
                write!(f, "[{w}]")?;
            } else {
                f.write_str(w)?;
            }
        }
        Ok(())
    }
}

/// Whether `words` begins with `verb`.
fn starts_with(mut words: SplitAsciiWhitespace<'_>, verb: &[&str]) -> bool {
    verb.iter().all(|v| words.next() == Some(v))
}

/// [`Arg::range`] as a `Display`.
struct Range<'a>(&'a Arg);

impl fmt::Display for Range<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.range(f)
    }
}

/// A usage string, up to 48 bytes (longer than any the tables hold).
struct Usage {
    buf: [u8; 48],
    len: usize,
}

impl Usage {
    fn new() -> Self {
        Usage {
            buf: [0; 48],
            len: 0,
        }
    }

    fn as_str(&self) -> &str {
        // Only whole `&str`s are copied in, so the bytes are UTF-8.
        core::str::from_utf8(&self.buf[..self.len]).unwrap_or("")
    }
}

impl Write for Usage {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len.checked_add(s.len()).ok_or(fmt::Error)?;
        let dst = self.buf.get_mut(self.len..end).ok_or(fmt::Error)?;
        dst.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Refuses a command: one (rate-limited) warning line naming `file` and the problem, and
/// `EINVAL`.
pub(crate) fn refuse(file: &str, why: fmt::Arguments<'_>) -> Error {
    refuse_with(file, EINVAL, why)
}

/// Refuses a command that cannot be done (`EBUSY`, `ENOSPC`, `ENOENT`, ...): one
/// (rate-limited) warning line naming `file` and the problem, and `errno`.
pub(crate) fn refuse_with(file: &str, errno: Error, why: fmt::Arguments<'_>) -> Error {
    if let Some(missed) = RATELIMIT.admit() {
        if missed > 0 {
            pr_warn!("{missed} refusals not logged\n");
        }
        pr_warn!("{file}: {why}\n");
    }
    errno
}

/// At most [`Ratelimit::BURST`] lines per [`Ratelimit::INTERVAL_NS`], as `printk_ratelimit()`
/// (`DEFAULT_RATELIMIT_BURST` and `DEFAULT_RATELIMIT_INTERVAL`): a loop of bad writes must not
/// flood the log. One per module; two CPUs racing at the edge of an interval may let a line or
/// two more through, which is all the exactness a log needs.
struct Ratelimit {
    /// The start of the interval (`ktime_get()`, ns), 0 before the first line.
    begin: AtomicI64,
    /// Lines allowed in this interval.
    printed: AtomicU32,
    /// Lines refused in this interval.
    missed: AtomicU32,
}

static RATELIMIT: Ratelimit = Ratelimit {
    begin: AtomicI64::new(0),
    printed: AtomicU32::new(0),
    missed: AtomicU32::new(0),
};

impl Ratelimit {
    const BURST: u32 = 10;
    const INTERVAL_NS: i64 = 5_000_000_000;

    /// `Some(lines refused since the last one allowed)` if a line may be logged now.
    fn admit(&self) -> Option<u32> {
        // SAFETY: `ktime_get()` reads the monotonic clock; it may be called from any context
        // but NMI, and a write handler runs in process context.
        let now = unsafe { bindings::ktime_get() };
        let begin = self.begin.load(Ordering::Relaxed);
        let mut missed = 0;
        if (begin == 0 || now.saturating_sub(begin) >= Self::INTERVAL_NS)
            && self
                .begin
                .compare_exchange(begin, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            self.printed.store(0, Ordering::Relaxed);
            missed = self.missed.swap(0, Ordering::Relaxed);
        }
        let admitted = self
            .printed
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                (n < Self::BURST).then_some(n + 1)
            })
            .is_ok();
        if admitted {
            Some(missed)
        } else {
            // Saturates: a count that wrapped would report too few.
            let _ = self
                .missed
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_add(1));
            None
        }
    }
}

/// Reads the whole write into `buf` and checks it is one line of text.
pub(crate) fn read_line<'b>(
    reader: &mut UserSliceReader,
    buf: &'b mut [u8; LINE_MAX],
    file: &str,
) -> Result<&'b str> {
    let len = reader.len();
    if len == 0 || len > LINE_MAX {
        return Err(refuse(
            file,
            format_args!("a command is 1 to {LINE_MAX} bytes, not {len}"),
        ));
    }
    reader.read_slice(&mut buf[..len])?;
    let bytes = &buf[..len];
    let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    let text =
        core::str::from_utf8(bytes).map_err(|_| refuse(file, format_args!("not UTF-8 text")))?;
    if text
        .chars()
        .any(|c| c.is_control() && c != ' ' && c != '\t')
    {
        return Err(refuse(
            file,
            format_args!("control character in the command"),
        ));
    }
    if text.trim_ascii() != text {
        return Err(refuse(
            file,
            format_args!("space before or after the command"),
        ));
    }
    Ok(text)
}

/// A plain decimal `i64`: an optional `-`, then the digits [`parse_uint`] takes.
pub(crate) fn parse_int(w: &str) -> Option<i64> {
    match w.strip_prefix('-') {
        Some(digits) => {
            let v = parse_uint(digits)?;
            // `-9223372036854775808` is `i64::MIN`, one past `i64::MAX` in magnitude.
            0i64.checked_sub_unsigned(v)
        }
        None => i64::try_from(parse_uint(w)?).ok(),
    }
}

/// A `u64` in hex: `0x` and 1 to 16 hex digits, no sign.
pub(crate) fn parse_hex(w: &str) -> Option<u64> {
    let digits = w.strip_prefix("0x")?;
    if digits.is_empty() || digits.len() > 16 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u64::from_str_radix(digits, 16).ok()
}

/// A plain decimal `u64`: 1 to 20 digits, no sign, no overflow.
///
/// Not `kernel::str::parse_int::ParseInt`, which reads C's prefixes (`0x`, `0o`, `0b`, and a
/// leading `0` as octal: `010` is 8): a command's numbers are decimal, as its grammar says. Nor
/// `str::parse()` alone, which takes a leading `+`.
pub(crate) fn parse_uint(w: &str) -> Option<u64> {
    if w.is_empty() || w.len() > 20 || !w.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    w.parse().ok()
}
