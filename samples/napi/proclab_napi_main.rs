// SPDX-License-Identifier: GPL-2.0

//! proclab_napi: pairs of virtual Ethernet devices that receive through NAPI.
//!
//! `pln0` and `pln1` (and `pln2`/`pln3`... with `pairs=`) are linked like veth: a frame sent on
//! one is received on the other through NAPI, with interrupt coalescing and flow control. This
//! file holds the module: its parameters, and one [`Registration`] of two devices per pair with
//! their debugfs files. The driver is `pair.rs`, its counters `counters.rs`, its files
//! `files.rs`: safe code all, written on the net-device layer of `rust/proclab/net.rs`.
//!
//! `/sys/kernel/debug/proclab/napi/<ifname>/`: `stats`, `config`, `reset`, `context` (see
//! `files.rs`).
//!
//! See `Documentation/napi.rst`.

use kernel::{prelude::*, str::CString, sync::Arc};

// Shared with the other modules; this one reads no signed numbers.
#[allow(dead_code)]
#[path = "../../rust/proclab/cmd.rs"]
mod cmd;
// Shared with the other modules; this one has no tables (the column writers).
#[allow(dead_code)]
#[path = "../../rust/proclab/debugfs.rs"]
mod debugfs;
#[path = "../../rust/proclab/net.rs"]
mod net;
// Shared with proclab_contexts; this module only takes samples (no deferred work, no locks).
#[allow(dead_code, unused_imports)]
#[path = "../../rust/proclab/context.rs"]
mod context;

mod contexts;
mod counters;
mod files;
mod pair;
// Shared with proclab_contexts; this module takes the lock, not the completion.
#[allow(dead_code, unused_imports)]
#[path = "../../rust/proclab/sync.rs"]
mod sync;

use debugfs::{Dir, Files, Root};
use files::{PortFiles, DELAY_MAX_US, PORT_FILES, RING_MAX};
use net::Registration;
use pair::Port;

module! {
    type: ProclabNapi,
    name: "proclab_napi",
    authors: ["proclab developers"],
    description: "proclab: a pair of virtual Ethernet devices polled by NAPI",
    license: "GPL",
    params: {
        pairs: u32 {
            default: 1,
            description: "Pairs of devices (pln0/pln1, pln2/pln3, ...), 1 to 8",
        },
        ring: u32 {
            default: 256,
            description: "Receive ring size in frames (1 to 4096)",
        },
        weight: u32 {
            default: 64,
            description: "NAPI weight: most frames per poll (1 to 64)",
        },
        delay_us: u32 {
            default: 0,
            description: "Interrupt coalescing delay in microseconds (0: at once; at most 1000000)",
        },
    },
}

const PAIRS_MAX: u32 = 8;

struct ProclabNapi {
    // Dropped in this order: the files (and their references to the pairs) first.
    _files: KVec<Files<PortFiles>>,
    _pairs: KVec<Arc<Registration<Port>>>,
    _dir: Arc<Dir>,
}

/// A module parameter within `1..=max`, or `EINVAL` with a warning.
fn param(name: &str, v: u32, min: u32, max: u32) -> Result<u32> {
    if (min..=max).contains(&v) {
        Ok(v)
    } else {
        pr_warn!("{name}={v}: must be {min} to {max}\n");
        Err(EINVAL)
    }
}

impl kernel::Module for ProclabNapi {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let pairs = param("pairs", module_parameters::pairs.value(), 1, PAIRS_MAX)?;
        let ring = param("ring", module_parameters::ring.value(), 1, RING_MAX as u32)?;
        let weight = param(
            "weight",
            module_parameters::weight.value(),
            1,
            net::NAPI_POLL_WEIGHT as u32,
        )?;
        let delay = param(
            "delay_us",
            module_parameters::delay_us.value(),
            0,
            DELAY_MAX_US as u32,
        )?;
        let dir = Dir::new(Root::get(), c"napi")?;
        let mut files = KVec::new();
        let mut all = KVec::new();
        for i in 0..pairs {
            let names = [
                CString::try_from_fmt(fmt!("pln{}", 2 * i))?,
                CString::try_from_fmt(fmt!("pln{}", 2 * i + 1))?,
            ];
            let pair = Arc::new(
                Registration::new(&[&names[0], &names[1]], weight as i32, |_| {
                    Port::new(ring, delay)
                })?,
                GFP_KERNEL,
            )?;
            for (index, name) in names.iter().enumerate() {
                files.push(
                    Files::new_in(
                        &dir,
                        name,
                        Ok::<_, Error>(PortFiles {
                            pair: pair.clone(),
                            index,
                        }),
                        &PORT_FILES,
                    )?,
                    GFP_KERNEL,
                )?;
            }
            all.push(pair, GFP_KERNEL)?;
        }
        Ok(ProclabNapi {
            _files: files,
            _pairs: all,
            _dir: dir,
        })
    }
}
