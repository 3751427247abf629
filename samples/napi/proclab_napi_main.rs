// SPDX-License-Identifier: GPL-2.0

//! proclab_napi: a pair of virtual Ethernet devices that receive through NAPI.
//!
//! `pln0` and `pln1` (and `pln2`/`pln3`... with `pairs=`) are linked like veth: a frame sent on
//! one is put into the other's bounded receive ring and raises a simulated interrupt there, at
//! once or after a coalescing delay (an hrtimer). The "interrupt handler" masks further
//! interrupts and schedules the NAPI poll; the poll takes up to the weight's worth of frames from
//! the ring into the stack (GRO), and only when it finds the ring empty completes and unmasks,
//! then looks at the ring once more (a frame that came in between would otherwise wait for the
//! next one). When the peer's ring fills, the sender stops its queue; the peer's poll wakes it.
//!
//! `/sys/kernel/debug/proclab/napi/<ifname>/`: `stats` (interrupts, polls, frames per poll, ring
//! high-water mark, queue stops and wakes, drops), `config` (`weight N`, `ring N` while down,
//! `delay_us N`), `reset` (write `1`: zero the NAPI counters; the device statistics that
//! `ip -s link` shows stay).
//!
//! See `Documentation/napi.rst`.

use core::{
    fmt::{self, Write},
    sync::atomic::{fence, AtomicBool, AtomicU32, AtomicU64, Ordering},
};
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

use cmd::{Arg, Command, Table, Values};
use debugfs::{one_page, Dir, FileSpec, Files, Root, SeqOut};
use net::{Device, Napi, Pair, SkBuff, SkbQueue, Stats64, TxStatus};

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

/// Bounds of the settings.
const RING_MAX: u64 = 4096;
const DELAY_MAX_US: u64 = 1_000_000;
const PAIRS_MAX: u32 = 8;
/// The Ethernet header, which `eth_type_trans()` pulls: counted back into received bytes.
const ETH_HLEN: u64 = 14;

/// Frames-per-poll histogram buckets: 0, 1, 2-3, 4-7, 8-15, 16-31, 32-63, 64.
const BUCKETS: usize = 8;
const BUCKET_NAMES: [&str; BUCKETS] = ["0", "1", "2-3", "4-7", "8-15", "16-31", "32-63", "64"];

fn bucket(n: i32) -> usize {
    match n {
        i32::MIN..=0 => 0,
        n => ((32 - n.leading_zeros()) as usize).min(BUCKETS - 1),
    }
}

/// The NAPI counters of one device (`stats`; `reset` zeroes them).
#[derive(Default)]
struct Counters {
    /// Interrupts raised: the poll scheduled by the "interrupt handler".
    irqs: AtomicU64,
    /// Frames that arrived while the interrupt was masked (a poll pending or running).
    masked: AtomicU64,
    /// Coalescing timer armed (`delay_us` > 0).
    timer_armed: AtomicU64,
    /// Frames that arrived while the coalescing timer was pending.
    coalesced: AtomicU64,
    /// Interrupts raised before the delay ran out because the frame filled the ring (a NIC's
    /// "receive descriptors low" interrupt): the sender waits for room, not for the timer.
    ring_full: AtomicU64,
    polls: AtomicU64,
    frames: AtomicU64,
    /// Polls that used the whole budget (and were not completed).
    full_polls: AtomicU64,
    /// Frames found in the ring right after `napi_complete_done()`: polled again at once.
    rechecks: AtomicU64,
    ring_high_water: AtomicU64,
    /// This device's transmit queue stopped (the peer's ring full) and woken.
    queue_stops: AtomicU64,
    queue_wakes: AtomicU64,
    /// Transmits refused with `NETDEV_TX_BUSY` (the ring full although the queue was running).
    busy: AtomicU64,
    per_poll: [AtomicU64; BUCKETS],
}

impl Counters {
    fn reset(&self) {
        let all = [
            &self.irqs,
            &self.masked,
            &self.timer_armed,
            &self.coalesced,
            &self.ring_full,
            &self.polls,
            &self.frames,
            &self.full_polls,
            &self.rechecks,
            &self.ring_high_water,
            &self.queue_stops,
            &self.queue_wakes,
            &self.busy,
        ];
        for c in Iterator::chain(all.into_iter(), self.per_poll.iter()) {
            c.store(0, Ordering::Relaxed);
        }
    }
}

/// The device statistics (`ndo_get_stats64`, `ip -s link`): never reset.
#[derive(Default)]
struct DevStats {
    rx_packets: AtomicU64,
    rx_bytes: AtomicU64,
    tx_packets: AtomicU64,
    tx_bytes: AtomicU64,
    /// Sent while the peer was down, or refused by the peer (MTU).
    tx_dropped: AtomicU64,
    /// In the ring when the device went down.
    rx_dropped: AtomicU64,
}

fn inc(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

/// One device of a pair: its receive ring, its interrupt mask and its settings.
#[pin_data]
struct Port {
    #[pin]
    ring: SkbQueue,
    /// The "interrupt" is masked: a poll is scheduled or running.
    masked: AtomicBool,
    ring_size: AtomicU32,
    delay_us: AtomicU32,
    c: Counters,
    s: DevStats,
}

impl Port {
    fn new(ring_size: u32, delay_us: u32) -> impl PinInit<Self, Error> {
        try_pin_init!(Port {
            ring <- SkbQueue::new(),
            masked: AtomicBool::new(false),
            ring_size: AtomicU32::new(ring_size),
            delay_us: AtomicU32::new(delay_us),
            c: Counters::default(),
            s: DevStats::default(),
        })
    }
}

/// The "interrupt" of `dev`: unless masked, mask it and schedule the poll.
fn interrupt(dev: &Device<Port>) {
    let p = dev.data();
    // The frame is in the ring before the mask is read (veth's smp_mb() in __veth_xdp_flush()):
    // paired with the poll's unmask-then-look, one of the two sees the other.
    fence(Ordering::SeqCst);
    if !p.masked.load(Ordering::Relaxed)
        && dev.napi_schedule(|| p.masked.store(true, Ordering::Relaxed))
    {
        inc(&p.c.irqs);
    } else {
        inc(&p.c.masked);
    }
}

/// A frame arrived in `dev`'s ring (and filled it if `full`): interrupt now, or arm the
/// coalescing timer. A full ring interrupts at once whatever the delay, as a NIC does when its
/// free receive descriptors run low: waiting for the timer would only idle the sender. The
/// timer is then cancelled: the interrupt it was armed for is the one raised now, and the next
/// frame arms it afresh (with the delay of that moment).
fn frame_arrived(dev: &Device<Port>, full: bool) {
    let p = dev.data();
    let delay = u64::from(p.delay_us.load(Ordering::Relaxed));
    if delay == 0 {
        interrupt(dev);
    } else if full {
        inc(&p.c.ring_full);
        dev.timer_try_cancel();
        interrupt(dev);
    } else if dev.timer_start(delay * 1000) {
        inc(&p.c.timer_armed);
    } else {
        inc(&p.c.coalesced);
    }
}

impl net::Driver for Port {
    fn open(dev: &Device<Self>) -> Result {
        if dev.peer().is_running() {
            dev.carrier_on();
            dev.peer().carrier_on();
        }
        dev.start_queue();
        Ok(())
    }

    fn stop(dev: &Device<Self>) {
        dev.carrier_off();
        dev.peer().carrier_off();
    }

    fn drain(dev: &Device<Self>) {
        let p = dev.data();
        let n = p.ring.purge();
        p.s.rx_dropped.fetch_add(n, Ordering::Relaxed);
        p.masked.store(false, Ordering::Relaxed);
        // The peer may have stopped its queue on this ring: it sends again (and drops, counted,
        // while this device is down).
        if dev.peer().queue_stopped() {
            dev.peer().wake_queue();
            inc(&dev.peer().data().c.queue_wakes);
        }
    }

    fn start_xmit(dev: &Device<Self>, skb: SkBuff) -> TxStatus {
        let me = dev.data();
        let peer = dev.peer();
        let p = peer.data();
        let len = u64::from(skb.len());
        if !peer.is_running() {
            inc(&me.s.tx_dropped);
            return TxStatus::Ok;
        }
        let size = p.ring_size.load(Ordering::Relaxed);
        if p.ring.len() >= size {
            dev.stop_queue();
            inc(&me.c.busy);
            return TxStatus::Busy(skb);
        }
        let Some(skb) = skb.forward_to(peer) else {
            inc(&me.s.tx_dropped);
            return TxStatus::Ok;
        };
        p.ring.push(skb);
        let qlen = p.ring.len();
        p.c.ring_high_water
            .fetch_max(qlen.into(), Ordering::Relaxed);
        inc(&me.s.tx_packets);
        me.s.tx_bytes.fetch_add(len, Ordering::Relaxed);
        if qlen >= size {
            // Stop before the ring overflows; the peer's poll wakes the queue. Look again after
            // stopping: a poll that emptied the ring in between saw the queue running.
            dev.stop_queue();
            inc(&me.c.queue_stops);
            fence(Ordering::SeqCst);
            if p.ring.len() < size {
                dev.wake_queue();
                inc(&me.c.queue_wakes);
            }
        }
        frame_arrived(peer, qlen >= size);
        TxStatus::Ok
    }

    fn poll(dev: &Device<Self>, napi: Napi<'_, Self>, budget: i32) -> i32 {
        let p = dev.data();
        let mut done = 0;
        let mut bytes = 0;
        while done < budget {
            let Some(skb) = p.ring.pop() else { break };
            bytes += u64::from(skb.len()) + ETH_HLEN;
            napi.receive(skb);
            done += 1;
        }
        p.s.rx_packets.fetch_add(done as u64, Ordering::Relaxed);
        p.s.rx_bytes.fetch_add(bytes, Ordering::Relaxed);
        inc(&p.c.polls);
        p.c.frames.fetch_add(done as u64, Ordering::Relaxed);
        inc(&p.c.per_poll[bucket(done)]);
        // Room in the ring: wake the sender (paired with its stop-then-look).
        let peer = dev.peer();
        fence(Ordering::SeqCst);
        if peer.queue_stopped() && p.ring.len() < p.ring_size.load(Ordering::Relaxed) {
            peer.wake_queue();
            inc(&peer.data().c.queue_wakes);
        }
        if done == budget {
            // The core polls again; the interrupt stays masked.
            inc(&p.c.full_polls);
        } else if napi.complete_done(done) {
            // Unmask, then look at the ring again: a frame queued after the last pop whose
            // sender still saw the mask set raised no interrupt (smp_store_mb() in veth_poll()).
            p.masked.store(false, Ordering::Relaxed);
            fence(Ordering::SeqCst);
            if p.ring.len() > 0 && dev.napi_schedule(|| p.masked.store(true, Ordering::Relaxed)) {
                inc(&p.c.rechecks);
            }
        }
        done
    }

    fn timer(dev: &Device<Self>) {
        // A ring-full interrupt may have emptied the ring meanwhile: nothing to signal then.
        if dev.data().ring.len() > 0 {
            interrupt(dev);
        }
    }

    fn stats(dev: &Device<Self>, stats: &mut Stats64) {
        let s = &dev.data().s;
        stats.rx_packets = s.rx_packets.load(Ordering::Relaxed);
        stats.rx_bytes = s.rx_bytes.load(Ordering::Relaxed);
        stats.tx_packets = s.tx_packets.load(Ordering::Relaxed);
        stats.tx_bytes = s.tx_bytes.load(Ordering::Relaxed);
        stats.tx_dropped = s.tx_dropped.load(Ordering::Relaxed);
        stats.rx_dropped = s.rx_dropped.load(Ordering::Relaxed);
    }
}

// ---------------------------------------------------------------------------------------------
// debugfs: napi/<ifname>/{stats,config,reset}

/// What the files of one device see.
struct PortFiles {
    pair: Arc<Pair<Port>>,
    side: usize,
}

impl PortFiles {
    fn dev(&self) -> &Device<Port> {
        self.pair.dev(self.side)
    }
}

fn show_stats(f: &PortFiles, out: &mut SeqOut) -> fmt::Result {
    let p = f.dev().data();
    let c = &p.c;
    let v = |a: &AtomicU64| a.load(Ordering::Relaxed);
    writeln!(out, "interrupts: {}", v(&c.irqs))?;
    writeln!(out, "interrupts_masked: {}", v(&c.masked))?;
    writeln!(out, "timer_armed: {}", v(&c.timer_armed))?;
    writeln!(out, "coalesced: {}", v(&c.coalesced))?;
    writeln!(out, "ring_full_interrupts: {}", v(&c.ring_full))?;
    writeln!(out, "polls: {}", v(&c.polls))?;
    writeln!(out, "frames: {}", v(&c.frames))?;
    writeln!(out, "full_budget_polls: {}", v(&c.full_polls))?;
    writeln!(out, "rechecks: {}", v(&c.rechecks))?;
    writeln!(out, "ring_high_water: {}", v(&c.ring_high_water))?;
    writeln!(out, "ring_now: {}", p.ring.len())?;
    writeln!(out, "queue_stops: {}", v(&c.queue_stops))?;
    writeln!(out, "queue_wakes: {}", v(&c.queue_wakes))?;
    writeln!(out, "tx_busy: {}", v(&c.busy))?;
    writeln!(out, "tx_dropped: {}", v(&p.s.tx_dropped))?;
    writeln!(out, "rx_dropped: {}", v(&p.s.rx_dropped))?;
    writeln!(out, "frames_per_poll:")?;
    for (name, n) in BUCKET_NAMES.iter().zip(c.per_poll.iter()) {
        writeln!(out, "  {name}: {}", v(n))?;
    }
    Ok(())
}

static CONFIG: Table<PortFiles> = Table {
    file: "napi/config",
    commands: &[
        Command {
            verb: &["weight"],
            args: &[Arg::uint("N", 1, net::NAPI_POLL_WEIGHT as u64)],
            help: "NAPI weight, the most frames per poll",
            run: |f, v| f.dev().set_napi_weight(v.uint(0)? as i32),
        },
        Command {
            verb: &["ring"],
            args: &[Arg::uint("N", 1, RING_MAX)],
            help: "receive ring size in frames, while the device is down",
            run: set_ring,
        },
        Command {
            verb: &["delay_us"],
            args: &[Arg::uint("N", 0, DELAY_MAX_US)],
            help: "interrupt coalescing delay (0: interrupt at once)",
            run: |f, v| {
                f.dev()
                    .data()
                    .delay_us
                    .store(v.uint(0)? as u32, Ordering::Relaxed);
                Ok(())
            },
        },
    ],
};

fn show_config(f: &PortFiles, out: &mut SeqOut) -> fmt::Result {
    let p = f.dev().data();
    writeln!(out, "weight: {}", f.dev().napi_weight())?;
    writeln!(out, "ring: {}", p.ring_size.load(Ordering::Relaxed))?;
    writeln!(out, "delay_us: {}", p.delay_us.load(Ordering::Relaxed))?;
    CONFIG.help(out)
}

fn set_ring(f: &PortFiles, v: &Values<'_>) -> Result {
    let dev = f.dev();
    if dev.is_running() {
        return Err(v.refuse_with(
            EBUSY,
            format_args!("the ring size changes only while the device is down"),
        ));
    }
    dev.data()
        .ring_size
        .store(v.uint(0)? as u32, Ordering::Relaxed);
    Ok(())
}

static RESET: Table<PortFiles> = Table {
    file: "napi/reset",
    commands: &[Command {
        verb: &[],
        args: &[Arg::word("1", &["1"])],
        help: "zero the NAPI counters of stats",
        run: |f, _| {
            f.dev().data().c.reset();
            Ok(())
        },
    }],
};

static PORT_FILES: [FileSpec<PortFiles>; 3] = [
    FileSpec {
        name: c"stats",
        show: show_stats,
        size_hint: one_page,
        write: None,
    },
    FileSpec {
        name: c"config",
        show: show_config,
        size_hint: one_page,
        write: Some(&CONFIG),
    },
    FileSpec {
        name: c"reset",
        show: |_, out| RESET.help(out),
        size_hint: one_page,
        write: Some(&RESET),
    },
];

// ---------------------------------------------------------------------------------------------

struct ProclabNapi {
    // Dropped in this order: the files (and their references to the pairs) first.
    _files: KVec<Files<PortFiles>>,
    _pairs: KVec<Arc<Pair<Port>>>,
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
                Pair::new(
                    [&names[0], &names[1]],
                    weight as i32,
                    Port::new(ring, delay),
                    Port::new(ring, delay),
                )?,
                GFP_KERNEL,
            )?;
            for (side, name) in names.iter().enumerate() {
                files.push(
                    Files::new_in(
                        &dir,
                        name,
                        Ok::<_, Error>(PortFiles {
                            pair: pair.clone(),
                            side,
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
