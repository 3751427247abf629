// SPDX-License-Identifier: GPL-2.0

//! Strict parsing of the commands written to a `control` file.
//!
//! A write is one command: at most [`LINE_MAX`] bytes, UTF-8, words separated by spaces or tabs,
//! one optional trailing newline and no other control character. Numbers are plain decimal
//! (a `-` only where a value may be negative; no `+`, no leading spaces inside, no overflow).
//! Every refusal is `EINVAL` with one `pr_warn!` line that names the file and the problem.

use core::str::SplitAsciiWhitespace;
use kernel::{prelude::*, uaccess::UserSliceReader};

/// The longest command a `control` file takes.
pub(crate) const LINE_MAX: usize = 128;

/// Refuses a command: one warning line naming `file` and the problem, and `EINVAL`.
pub(crate) fn refuse(file: &str, why: core::fmt::Arguments<'_>) -> Error {
    refuse_with(file, EINVAL, why)
}

/// Refuses a well-formed command that cannot be done (`EEXIST`, `ENOENT`, `ENOSPC`, ...): one
/// warning line naming `file` and the problem, and `errno`.
pub(crate) fn refuse_with(file: &str, errno: Error, why: core::fmt::Arguments<'_>) -> Error {
    pr_warn!("{file}: {why}\n");
    errno
}

/// Reads the command written to `file` and runs `f` on its words: the whole `write()` of a
/// `control` file.
pub(crate) fn run(
    reader: &mut UserSliceReader,
    file: &str,
    f: impl FnOnce(&mut Args<'_>) -> Result,
) -> Result {
    let mut buf = [0u8; LINE_MAX];
    let line = read_line(reader, &mut buf, file)?;
    f(&mut Args::new(line, file))
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
    Ok(text)
}

/// The words of a command, taken one at a time with the checks each one needs.
pub(crate) struct Args<'a> {
    words: SplitAsciiWhitespace<'a>,
    file: &'a str,
}

impl<'a> Args<'a> {
    /// The words of `line`, for error messages about `file`.
    pub(crate) fn new(line: &'a str, file: &'a str) -> Self {
        Args {
            words: line.split_ascii_whitespace(),
            file,
        }
    }

    /// The next word, which names `what` in the error when it is missing.
    pub(crate) fn word(&mut self, what: &str) -> Result<&'a str> {
        self.words
            .next()
            .ok_or_else(|| refuse(self.file, format_args!("missing {what}")))
    }

    /// The next word as an integer from `min` to `max`.
    pub(crate) fn int(&mut self, what: &str, min: i64, max: i64) -> Result<i64> {
        let w = self.word(what)?;
        match parse_int(w) {
            Some(v) if (min..=max).contains(&v) => Ok(v),
            _ => Err(refuse(
                self.file,
                format_args!("{what} must be an integer from {min} to {max}"),
            )),
        }
    }

    /// The next word as an unsigned integer up to `max` (which may be `u64::MAX`).
    // Not every module that includes this file takes 64-bit numbers.
    #[allow(dead_code)]
    pub(crate) fn uint(&mut self, what: &str, max: u64) -> Result<u64> {
        let w = self.word(what)?;
        match parse_uint(w) {
            Some(v) if v <= max => Ok(v),
            _ => Err(refuse(
                self.file,
                format_args!("{what} must be an integer from 0 to {max}"),
            )),
        }
    }

    /// Checks that no word is left.
    pub(crate) fn end(&mut self) -> Result {
        match self.words.next() {
            None => Ok(()),
            Some(_) => Err(refuse(self.file, format_args!("too many arguments"))),
        }
    }

    /// Refuses the command with `why` (for checks beyond one word).
    pub(crate) fn refuse(&self, why: core::fmt::Arguments<'_>) -> Error {
        refuse(self.file, why)
    }
}

/// A plain decimal `i64`: an optional `-`, then the digits [`parse_uint`] takes.
pub(crate) fn parse_int(w: &str) -> Option<i64> {
    match w.strip_prefix('-') {
        Some(digits) => i64::try_from(parse_uint(digits)?).ok().map(|v| -v),
        None => i64::try_from(parse_uint(w)?).ok(),
    }
}

/// A plain decimal `u64`: 1 to 20 digits, no sign, no overflow.
pub(crate) fn parse_uint(w: &str) -> Option<u64> {
    if w.is_empty() || w.len() > 20 || !w.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    w.bytes().try_fold(0u64, |n, d| {
        n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    })
}
