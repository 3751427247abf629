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
        // SAFETY: Only `proclab_core`'s init calls this, once; no module that uses the root can
        // be loaded before `proclab_core` has finished loading.
        to_result(unsafe { proclab_core_create_root() }).inspect_err(|e| {
            pr_err!("cannot create debugfs directory proclab: {:?}\n", e);
        })?;
        // INVARIANT: the directory was just created, and this is the only `RootDir`.
        Ok(RootDir(()))
    }
}

impl Drop for RootDir {
    fn drop(&mut self) {
        // SAFETY: By the type invariant the directory exists. It is dropped when `proclab_core`
        // is unloaded, which the module loader allows only when no module that uses the
        // directory is loaded: each holds a reference on `proclab_core` through its use of
        // `proclab_debugfs_root()`.
        unsafe { proclab_core_remove_root() };
    }
}
