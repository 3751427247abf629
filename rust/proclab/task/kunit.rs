// SPDX-License-Identifier: GPL-2.0

//! KUnit tests of `rust/proclab/task`, suite `proclab_task`.
//!
//! Built into `proclab_tasks` only (`samples/tasks/proclab_tasks_main.rs` includes this file):
//! the other modules that include `task.rs` would register a second suite of the same name.

use crate::task::format_frames;
use kernel::{bindings, prelude::*};

#[kunit_tests(proclab_task)]
mod tests {
    use super::*;

    /// Regression test for issue 15: a stack frame without a symbol showed in `wchan` as a raw
    /// `0x...` kernel address, where `/proc/<pid>/wchan` shows `0`. The real formatting path
    /// (`%ps` in the C shim, then the Rust side) gets a text address, a stack address and a
    /// small number; only the first has a symbol.
    #[test]
    fn wchan_frame_without_symbol_is_0() {
        let on_stack = 0u8;
        let entries = [
            bindings::schedule as *const () as usize,
            core::ptr::from_ref(&on_stack) as usize,
            0x10,
        ];
        let s = format_frames(&entries);
        assert!(!s.as_str().contains("0x"));
        let mut frames = s.as_str().split("<-");
        assert!(frames.next().is_some_and(|f| f.starts_with("schedule")));
        assert_eq!(frames.next(), Some("0"));
        assert_eq!(frames.next(), Some("0"));
        assert_eq!(frames.next(), None);
    }

    /// No frame (a running task, or no `CONFIG_STACKTRACE`): nothing at all, not `0`.
    #[test]
    fn wchan_no_frame_is_empty() {
        assert!(format_frames(&[]).is_empty());
    }
}
