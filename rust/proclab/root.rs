// SPDX-License-Identifier: GPL-2.0

//! The owner of `/sys/kernel/debug/proclab`, for `proclab_core` only.
//!
//! The directory is created and removed by the C code in `rust/helpers/root.c`, which exports
//! it to the other modules as `proclab_debugfs_root()` (used by `debugfs::Root`).

use kernel::{error::to_result, prelude::*};

extern "C" {
    fn proclab_core_create_root() -> c_int;
    fn proclab_core_remove_root();
}

/// `/sys/kernel/debug/proclab`, removed when dropped.
///
/// # Invariants
///
/// The directory was created by `proclab_core_create_root()` and has not been removed; there is
/// at most one `RootDir` (only the module's init makes one).
pub(crate) struct RootDir(());

impl RootDir {
    /// Creates the directory. Called once, from the init of `proclab_core`.
    pub(crate) fn create() -> Result<Self> {
        // SAFETY: The shim sets the static `proclab_root` unlocked. Only this init calls it, once,
        // and its readers (modules linking `proclab_debugfs_root()`) cannot load before it returns.
        to_result(unsafe { proclab_core_create_root() }).inspect_err(|e| {
            pr_err!("cannot create debugfs directory proclab: {:?}\n", e);
        })?;
        // INVARIANT: the directory was just created, and this is the only `RootDir`.
        Ok(RootDir(()))
    }
}

impl Drop for RootDir {
    fn drop(&mut self) {
        // SAFETY: The directory exists (type invariant) and nothing uses it after this: a module
        // that does links `proclab_debugfs_root()`, and the module loader does not unload
        // `proclab_core` (which drops this) while such a module is loaded.
        unsafe { proclab_core_remove_root() };
    }
}
