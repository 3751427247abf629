// SPDX-License-Identifier: GPL-2.0

//! proclab_core: the `/sys/kernel/debug/proclab` directory shared by the proclab modules.
//!
//! Every other proclab module puts its files in a directory of its own under this one, which
//! it gets from the exported C function `proclab_debugfs_root()` (see `rust/helpers/root.c`).
//! Using that symbol makes the module depend on `proclab_core`: `modprobe proclab_tasks` loads
//! the core first, and `rmmod proclab_core` fails with `EBUSY` while any user is loaded. So the
//! shared directory is created once and removed once, after all the directories in it, with no
//! race between modules loaded and unloaded at the same time.

use kernel::prelude::*;

#[path = "../../rust/proclab/root.rs"]
mod root;

module! {
    type: ProclabCore,
    name: "proclab_core",
    authors: ["proclab developers"],
    description: "proclab: the debugfs directory the proclab modules share",
    license: "GPL",
}

struct ProclabCore {
    _root: root::RootDir,
}

impl kernel::Module for ProclabCore {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        Ok(ProclabCore {
            _root: root::RootDir::create()?,
        })
    }
}
