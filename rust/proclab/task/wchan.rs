// SPDX-License-Identifier: GPL-2.0

//! Where a sleeping task waits: the innermost frames of its kernel stack outside the scheduler,
//! shown as function names, never as addresses.
//!
//! The frames are saved by `stack_trace_save_tsk()` and formatted with `%ps` by C shims; a frame
//! for which `%ps` finds no symbol is shown as `0`, as `/proc/<pid>/wchan` shows it.

use super::comm::ShortStr;
use kernel::{
    bindings,
    ffi::{c_char, c_int, c_uint, c_ulong},
};

#[allow(improper_ctypes)]
extern "C" {
    fn proclab_task_stack(
        p: *mut bindings::task_struct,
        entries: *mut c_ulong,
        max: c_uint,
    ) -> c_uint;
    fn proclab_format_frames(
        buf: *mut c_char,
        len: usize,
        entries: *const c_ulong,
        nr: c_uint,
    ) -> c_int;
}

/// How many frames [`wchan`] shows.
const FRAMES: usize = 3;

/// Up to [`FRAMES`] frames of `task`'s kernel stack outside the scheduler, formatted by
/// [`format_frames`]. Empty without `CONFIG_STACKTRACE` or for a running task.
pub(super) fn wchan(task: &kernel::task::Task) -> ShortStr {
    let mut entries: [c_ulong; FRAMES] = [0; FRAMES];
    // SAFETY: `task` is a valid task (a `&Task`); `stack_trace_save_tsk()` pins its stack (or
    // finds none) itself, and writes at most `FRAMES` entries, the room `entries` has.
    let nr = unsafe { proclab_task_stack(task.as_ptr(), entries.as_mut_ptr(), FRAMES as c_uint) };
    format_frames(entries.get(..nr as usize).unwrap_or(&[]))
}

/// The frames `entries` as `%ps` names joined by `<-`, each frame without a symbol as `0`.
pub(crate) fn format_frames(entries: &[c_ulong]) -> ShortStr {
    let nr = c_uint::try_from(entries.len()).unwrap_or(0);
    let mut s = ShortStr::filled_by(|buf| {
        // SAFETY: `buf` has room for `buf.len()` bytes, the most `scnprintf()` writes; `entries`
        // holds `nr` values, which `%ps` only looks up as addresses, never dereferences.
        unsafe { proclab_format_frames(buf.as_mut_ptr().cast(), buf.len(), entries.as_ptr(), nr) }
    });
    hide_addresses(&mut s);
    s
}

/// In a `<-`-separated list of frames, shows `0` for every frame that `%ps` printed as a raw
/// `0x...` address (it found no symbol for it), as `/proc/<pid>/wchan` shows `0` for such an
/// address: a kernel address never reaches a file.
fn hide_addresses(s: &mut ShortStr) {
    let mut out = ShortStr::EMPTY;
    for (i, frame) in s.as_str().split("<-").enumerate() {
        if i > 0 {
            out.push(b"<-");
        }
        out.push(if frame.starts_with("0x") {
            b"0"
        } else {
            frame.as_bytes()
        });
    }
    *s = out;
}
