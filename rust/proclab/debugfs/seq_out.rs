// SPDX-License-Identifier: GPL-2.0

//! The table writer of [`super`]'s files: [`SeqOut`] formats a `show` callback's output
//! straight into the free part of the `seq_file` buffer, the way `seq_get_buf()` and
//! `seq_commit()` let C code do, and lays out tables of right-aligned columns.
//!
//! `seq_printf()` would cost a call and a copy per value; a table of 5,000 tasks has 100,000
//! cells (see `Documentation/tasks.rst` for the measurements behind [`SeqOut::row`]).

use core::{fmt, ptr};
use kernel::{bindings, prelude::*};

// bindgen's `seq_file` holds types the lint deems not FFI-safe; only the pointer crosses.
#[allow(improper_ctypes)]
extern "C" {
    /// `seq_get_buf()` (`rust/helpers/debugfs.c`).
    fn proclab_seq_get_buf(m: *mut bindings::seq_file, bufp: *mut *mut c_char) -> usize;
    /// `seq_commit()` (`rust/helpers/debugfs.c`).
    fn proclab_seq_commit(m: *mut bindings::seq_file, num: c_int);
}

/// A column of a table: its name in the header and its width.
pub(crate) type Column = (&'static str, usize);

/// A value in a table row, written right-aligned in its column by [`SeqOut::row`].
#[derive(Clone, Copy)]
pub(crate) enum Cell<'a> {
    /// A signed number.
    Int(i64),
    /// An unsigned number.
    Uint(u64),
    /// A name, a letter or a short list.
    Str(&'a str),
}

/// The output of a `show` callback, written straight into the free part of the `seq_file`
/// buffer, as `seq_get_buf()` and `seq_commit()` let C code do: no staging copy, no call per
/// write, and an output that does not fit stops the formatting with an error.
///
/// # Invariants
///
/// `m` is the live `seq_file` of the `show` call this value was made for, and `buf` points to
/// the `cap` free bytes of its buffer as `seq_get_buf()` returned them (a dangling pointer if
/// `cap` is 0), which nothing else touches until [`SeqOut::commit`]. `len <= cap`, and the first
/// `len` of them are the output so far.
pub(crate) struct SeqOut {
    m: *mut bindings::seq_file,
    buf: *mut u8,
    cap: usize,
    len: usize,
    overflowed: bool,
}

impl SeqOut {
    /// The free part of `m`'s buffer, from `seq_get_buf()`.
    ///
    /// # Safety
    ///
    /// `m` is the `seq_file` of a `show` call that is running, with a buffer (`seq_read()`
    /// allocates it before calling `show`); the value must not outlive that call, and nothing
    /// else may write to `m` or its buffer before [`SeqOut::commit`].
    pub(super) unsafe fn new(m: *mut bindings::seq_file) -> Self {
        let mut buf = ptr::null_mut();
        // SAFETY: `m` is live with a buffer, as the caller guarantees; `seq_get_buf()` only
        // reads `buf`, `count` and `size` and stores the start of the free part in `buf`.
        let cap = unsafe { proclab_seq_get_buf(m, &mut buf) };
        // A full buffer has no free part (`buf` is NULL): a dangling pointer with no room still
        // makes every zero-length copy below valid.
        let buf = if cap == 0 {
            ptr::NonNull::dangling().as_ptr()
        } else {
            buf.cast()
        };
        // INVARIANT: `buf` starts the `cap` free bytes of the buffer, which the caller reserves
        // for this value until it is committed.
        Self {
            m,
            buf,
            cap,
            len: 0,
            overflowed: false,
        }
    }

    /// Whether the output ran past the end of the buffer.
    pub(super) fn overflowed(&self) -> bool {
        self.overflowed
    }

    /// Hands what was written to `seq_file` with `seq_commit()`: an output that did not fit
    /// marks the file overflowed, and `seq_read()` grows the buffer and calls `show` again.
    /// Returns the length of the output, or `None` if it overflowed.
    pub(super) fn commit(self) -> Option<usize> {
        // `len <= cap`, and a `seq_file` buffer is at most `MAX_RW_COUNT` (below `INT_MAX`)
        // long; a length that did not fit an `int` would be committed as an overflow.
        let num = match c_int::try_from(self.len) {
            Ok(len) if !self.overflowed => len,
            _ => -1,
        };
        // SAFETY: `m` is live by the type invariant, and nothing else wrote to it since `new`.
        // `num` is -1 or the `len <= cap` bytes written after `count`, so `seq_commit()`'s
        // `count + num <= size` holds.
        unsafe { proclab_seq_commit(self.m, num) };
        (num >= 0).then_some(self.len)
    }

    /// Claims the next `n` bytes of the buffer and returns where they start: the caller must
    /// write them (they count as output from now on). An error, and the output marked
    /// overflowed, if they do not fit.
    #[inline]
    fn claim(&mut self, n: usize) -> Result<*mut u8, fmt::Error> {
        if self.overflowed || n > self.cap - self.len {
            self.overflowed = true;
            return Err(fmt::Error);
        }
        let start = self.buf.wrapping_add(self.len);
        self.len += n;
        Ok(start)
    }

    /// The next [`COL_MAX`] bytes of the buffer set to spaces, for a column of `width` bytes
    /// and its space (`width < COL_MAX`), which the caller writes into the start of the window
    /// before calling [`Self::col_done`]; `None` near the end of the buffer.
    ///
    /// A window of a constant size is set and written with a few moves, where copies and fills
    /// of a few bytes through `copy_from_slice()` and `fill()` are calls to `memcpy()` and
    /// `memset()`, which cost more than the column (see `Documentation/tasks.rst`).
    #[inline]
    fn col_window(&mut self) -> Option<&mut [u8; COL_MAX]> {
        if self.overflowed || self.cap - self.len < COL_MAX {
            return None;
        }
        let col = self.buf.wrapping_add(self.len).cast::<[u8; COL_MAX]>();
        // SAFETY: By the type invariant the `cap - len >= COL_MAX` bytes after `buf + len` are
        // ours to write (an array of bytes needs no alignment). Writing the spaces initializes
        // them, and the reference borrows `self`, so it is the only one to these bytes.
        unsafe {
            col.write([b' '; COL_MAX]);
            Some(&mut *col)
        }
    }

    /// Keeps the column just written into [`Self::col_window`]: `width` bytes and a space. The
    /// rest of the window is overwritten by what follows, or is past the end of the output.
    #[inline]
    fn col_done(&mut self, width: usize) {
        debug_assert!(width < COL_MAX);
        self.len += width + 1;
    }

    /// Writes the header of a table: the names of `cols`, right-aligned as the values below
    /// them, each followed by a space.
    pub(crate) fn header(&mut self, cols: &[Column]) -> fmt::Result {
        for &(name, width) in cols {
            self.col_str(name, width)?;
        }
        Ok(())
    }

    /// Writes a row of a table: each of `cells` right-aligned in its column of `cols`, and a
    /// space.
    ///
    /// `{:>7}` goes through `core::fmt`, which pads one `write_char()` at a time; a table of
    /// 5,000 tasks has 100,000 cells, and this is several times cheaper.
    pub(crate) fn row(&mut self, cols: &[Column], cells: &[Cell<'_>]) -> fmt::Result {
        for (i, cell) in cells.iter().enumerate() {
            let width = cols.get(i).map_or(0, |&(_, width)| width);
            let (negative, v) = match *cell {
                Cell::Int(v) => (v < 0, v.unsigned_abs()),
                Cell::Uint(v) => (false, v),
                Cell::Str(s) => {
                    self.col_str(s, width)?;
                    continue;
                }
            };
            self.col_int(negative, v, width)?;
        }
        Ok(())
    }

    /// Writes `s` right-aligned in `width` columns and a space.
    #[inline]
    fn col_str(&mut self, s: &str, width: usize) -> fmt::Result {
        let s = s.as_bytes();
        if width < COL_MAX && s.len() <= width {
            if let Some(col) = self.col_window() {
                let start = width - s.len();
                for (i, &c) in s.iter().enumerate() {
                    col[start + i] = c;
                }
                self.col_done(width);
                return Ok(());
            }
        }
        self.spaces(width.saturating_sub(s.len()))?;
        self.write_bytes(s)?;
        self.write_bytes(b" ")
    }

    /// Writes `v`, negated if `negative`, right-aligned in `width` columns and a space. The
    /// digits are written from the last, two at a time.
    #[inline]
    fn col_int(&mut self, negative: bool, v: u64, width: usize) -> fmt::Result {
        // A number that fits its column, as nearly all do: `v` has at most `room` digits.
        let room = width.wrapping_sub(usize::from(negative));
        if width < COL_MAX && (1..POW10.len()).contains(&room) && v < POW10[room] {
            if let Some(col) = self.col_window() {
                let i = put_digits(&mut col[..width], v);
                if negative {
                    col[i - 1] = b'-';
                }
                self.col_done(width);
                return Ok(());
            }
        }
        // u64::MAX has 20 digits, and the sign makes 21.
        let mut digits = [0u8; 21];
        let mut i = put_digits(&mut digits, v);
        if negative {
            i -= 1;
            digits[i] = b'-';
        }
        let digits = &digits[i..];
        self.spaces(width.saturating_sub(digits.len()))?;
        self.write_bytes(digits)?;
        self.write_bytes(b" ")
    }

    fn spaces(&mut self, n: usize) -> fmt::Result {
        let dst = self.claim(n)?;
        // SAFETY: `claim` made room for `n` bytes at `dst`.
        unsafe { ptr::write_bytes(dst, b' ', n) };
        Ok(())
    }

    fn write_bytes(&mut self, bytes: &[u8]) -> fmt::Result {
        let dst = self.claim(bytes.len())?;
        // SAFETY: `claim` made room for `bytes.len()` bytes at `dst`, in the `seq_file` buffer,
        // which no `&[u8]` given to `SeqOut` borrows.
        unsafe { ptr::copy_nonoverlapping(bytes.as_ptr(), dst, bytes.len()) };
        Ok(())
    }
}

impl fmt::Write for SeqOut {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.write_bytes(s.as_bytes())
    }

    /// `core::fmt` pads with one `write_char()` per fill character: keep that a byte store.
    fn write_char(&mut self, c: char) -> fmt::Result {
        if !c.is_ascii() {
            return self.write_bytes(c.encode_utf8(&mut [0; 4]).as_bytes());
        }
        let dst = self.claim(1)?;
        // SAFETY: `claim` made room for a byte at `dst`.
        unsafe { dst.write(c as u8) };
        Ok(())
    }
}

/// The widest column [`SeqOut::col_window`] holds, its space included.
const COL_MAX: usize = 32;

/// Powers of ten up to 10^19: `POW10[n]` is the first number with `n + 1` digits.
const POW10: [u64; 20] = {
    let mut p = [1u64; 20];
    let mut i = 1;
    while i < p.len() {
        p[i] = p[i - 1] * 10;
        i += 1;
    }
    p
};

/// "00" to "99", for writing the digits of a number two at a time.
const PAIRS: [[u8; 2]; 100] = {
    let mut p = [[0u8; 2]; 100];
    let mut i = 0;
    while i < p.len() {
        p[i] = [b'0' + (i / 10) as u8, b'0' + (i % 10) as u8];
        i += 1;
    }
    p
};

/// Writes the decimal digits of `v` at the end of `buf` and returns where they start. `buf`
/// must have room for them.
#[inline]
fn put_digits(buf: &mut [u8], mut v: u64) -> usize {
    let mut i = buf.len();
    // Byte by byte: `copy_from_slice()` of two bytes is a call to `memcpy()`.
    while v >= 100 {
        // `v % 100` is below 100.
        let [a, b] = PAIRS[(v % 100) as usize];
        i -= 2;
        buf[i] = a;
        buf[i + 1] = b;
        v /= 100;
    }
    if v >= 10 {
        let [a, b] = PAIRS[v as usize];
        i -= 2;
        buf[i] = a;
        buf[i + 1] = b;
    } else {
        i -= 1;
        // `v` is below 10.
        buf[i] = b'0' + v as u8;
    }
    i
}
