// SPDX-License-Identifier: GPL-2.0

//! Where a sleeping task waits: the innermost frames of its kernel stack outside the scheduler,
//! shown as function names, never as addresses.
//!
//! The frames are saved by `stack_trace_save_tsk()` and formatted with `%ps` by a C shim; a frame
//! for which `%ps` finds no symbol is shown as `0`, as `/proc/<pid>/wchan` shows it.

use super::comm::ShortStr;
use kernel::{
    bindings,
    ffi::{c_char, c_int},
    task::Task,
};

#[allow(improper_ctypes)]
extern "C" {
    fn proclab_task_wchan(buf: *mut c_char, len: usize, p: *mut bindings::task_struct) -> c_int;
}

/// Up to three frames of `task`'s kernel stack outside the scheduler, as `%ps` names joined by
/// `<-`, each frame without a symbol as `0`. Empty without `CONFIG_STACKTRACE` or for a running
/// task.
pub(super) fn wchan(task: &Task) -> ShortStr {
    let mut s = ShortStr::filled_by(|buf| {
        // SAFETY: `task` is allocated (a `&Task`); `stack_trace_save_tsk()` pins its stack (or
        // finds none) itself; `scnprintf()` writes at most `buf.len()` bytes.
        unsafe { proclab_task_wchan(buf.as_mut_ptr().cast(), buf.len(), task.as_ptr()) }
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
