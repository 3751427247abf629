// SPDX-License-Identifier: GPL-2.0

//! Task names and short texts: [`Comm`] (a copy of `task_struct::comm`), its escaped form, and
//! [`ShortStr`], the buffer a C shim formats into (a CPU list, a few symbol names).
//!
//! All of them are fixed-size values on the stack: they are filled under the RCU read lock of a
//! walk, where nothing may be allocated with `GFP_KERNEL`.

use core::fmt;
use kernel::bindings;

/// Length of `task_struct::comm`, including the terminating NUL.
pub(crate) const TASK_COMM_LEN: usize = bindings::TASK_COMM_LEN as usize;

/// Text of at most `N` bytes, kept inline.
///
/// # Invariants
///
/// `len <= N`.
pub(crate) struct TextBuf<const N: usize> {
    buf: [u8; N],
    len: usize,
}

/// A short string formatted by a C shim (a CPU list, a few symbol names).
pub(crate) type ShortStr = TextBuf<128>;

/// A task name escaped for printing: printable ASCII only. An escape takes at most 4 bytes
/// (`\ooo`) per byte of the name.
pub(crate) type EscapedComm = TextBuf<{ 4 * TASK_COMM_LEN }>;

impl<const N: usize> TextBuf<N> {
    /// An empty text.
    pub(crate) const EMPTY: Self = Self {
        buf: [0; N],
        len: 0,
    };

    /// Lets `fill` write into the buffer and keeps the length it returns (a C shim's
    /// `scnprintf()` result), clamped to the buffer.
    pub(crate) fn filled_by(fill: impl FnOnce(&mut [u8; N]) -> i32) -> Self {
        let mut s = Self::EMPTY;
        let n = fill(&mut s.buf);
        // INVARIANT: clamped to `N`.
        s.len = usize::try_from(n).unwrap_or(0).min(N);
        s
    }

    /// Whether nothing was written.
    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends `bytes` whole, or nothing if they do not fit.
    pub(crate) fn push(&mut self, bytes: &[u8]) {
        let Some(end) = self.len.checked_add(bytes.len()) else {
            return;
        };
        if let Some(dst) = self.buf.get_mut(self.len..end) {
            dst.copy_from_slice(bytes);
            // INVARIANT: `get_mut` succeeded, so `end <= N`.
            self.len = end;
        }
    }

    /// The text, or `?` if it is not UTF-8 (a shim wrote something unexpected).
    pub(crate) fn as_str(&self) -> &str {
        core::str::from_utf8(&self.buf[..self.len]).unwrap_or("?")
    }
}

impl<const N: usize> fmt::Display for TextBuf<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// A copy of `task_struct::comm`, printed with the escapes of `/proc/<pid>/status` plus those
/// that keep a table's columns apart (see [`Comm::escaped`]).
#[derive(Clone, Copy)]
pub(crate) struct Comm(pub(super) [u8; TASK_COMM_LEN]);

/// Whether `c` is printed as it is: printable ASCII other than space and backslash.
fn is_plain(c: u8) -> bool {
    c.is_ascii_graphic() && c != b'\\'
}

impl Comm {
    /// The bytes of the name, without the terminating NUL.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        let len = self.0.iter().position(|&b| b == 0).unwrap_or(TASK_COMM_LEN);
        &self.0[..len]
    }

    /// The name itself when escaping would not change it (the common case), without building an
    /// escaped copy.
    pub(crate) fn plain(&self) -> Option<&str> {
        let b = self.as_bytes();
        if b.iter().all(|&c| is_plain(c)) {
            core::str::from_utf8(b).ok()
        } else {
            None
        }
    }

    /// The name escaped as `/proc/<pid>/status` escapes it (`\n` and `\\`), plus whitespace
    /// (a space as `\040`, a tab as `\t`) so that the name stays one column of a table, and
    /// every other control byte or byte above 0x7e as `\ooo` (octal) so that the output is
    /// ASCII. A name without any of those is shown as procfs shows it.
    pub(crate) fn escaped(&self) -> EscapedComm {
        escape(self.as_bytes())
    }
}

/// Bytes escaped as [`Comm::escaped`] escapes a name: `N` must be 4 times as many as there are
/// bytes, or the text is cut at the last escape that fits.
// proclab_lifecycle's exec file names; proclab_tasks escapes only names.
#[allow(dead_code)]
pub(crate) type Escaped<const N: usize> = TextBuf<N>;

impl<const N: usize> TextBuf<N> {
    /// `bytes`, escaped as [`Comm::escaped`] describes.
    #[allow(dead_code)]
    pub(crate) fn of(bytes: &[u8]) -> Self {
        escape(bytes)
    }
}

fn escape<const N: usize>(bytes: &[u8]) -> TextBuf<N> {
    let mut e = TextBuf::EMPTY;
    // Almost every name is plain: one copy.
    if bytes.iter().all(|&b| is_plain(b)) {
        e.push(bytes);
        return e;
    }
    for &b in bytes {
        match b {
            b'\n' => e.push(b"\\n"),
            b'\t' => e.push(b"\\t"),
            b'\\' => e.push(b"\\\\"),
            0x21..=0x7e => e.push(&[b]),
            _ => e.push(&[
                b'\\',
                b'0' + (b >> 6),
                b'0' + ((b >> 3) & 7),
                b'0' + (b & 7),
            ]),
        }
    }
    e
}

impl fmt::Display for Comm {
    /// The name escaped as [`Comm::escaped`] escapes it, padded to the width asked for.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.escaped().as_str())
    }
}
