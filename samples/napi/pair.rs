// SPDX-License-Identifier: GPL-2.0

//! The pair driver: two devices linked like veth, each receiving through NAPI.
//!
//! A frame sent on one device is put into the other's bounded receive ring and raises a
//! simulated interrupt there, at once or after a coalescing delay (the device's hrtimer). The
//! "interrupt handler" masks further interrupts and schedules the NAPI poll; the poll takes up
//! to the weight's worth of frames from the ring into the stack (GRO), and only when it finds
//! the ring empty completes and unmasks, then looks at the ring once more (a frame that came in
//! between would otherwise wait for the next one). When the peer's ring fills, the sender stops
//! its queue; the peer's poll wakes it. Carrier is on while both ends are up.

use crate::contexts::{Contexts, Site};
use crate::counters::{Event, LinkCounters, NapiCounters};
use crate::net::{self, Device, DeviceOperations, EnabledNapi, NapiPoll, SkBuff, SkbQueue, TxCode};
use core::sync::atomic::{fence, AtomicBool, AtomicU32, Ordering};
use kernel::{prelude::*, time::Delta};

/// The Ethernet header, which `eth_type_trans()` pulls: counted back into received bytes.
const ETH_HLEN: u64 = 14;

/// One device of a pair: its receive ring, its interrupt mask, its settings and counters.
#[pin_data]
pub(crate) struct Port {
    #[pin]
    pub(crate) ring: SkbQueue,
    /// The "interrupt" is masked: a poll is scheduled or running.
    masked: AtomicBool,
    pub(crate) ring_size: AtomicU32,
    pub(crate) delay_us: AtomicU32,
    pub(crate) napi_counters: NapiCounters,
    pub(crate) link_counters: LinkCounters,
    /// Where the "interrupt" and the poll last ran.
    #[pin]
    pub(crate) contexts: Contexts,
}

impl Port {
    pub(crate) fn new(ring_size: u32, delay_us: u32) -> impl PinInit<Self, Error> {
        try_pin_init!(Port {
            ring <- SkbQueue::new(),
            masked: AtomicBool::new(false),
            ring_size: AtomicU32::new(ring_size),
            delay_us: AtomicU32::new(delay_us),
            napi_counters: NapiCounters::default(),
            link_counters: LinkCounters::default(),
            contexts <- Contexts::new(),
        })
    }
}

/// The other device of `dev`'s pair. The devices are registered two by two (see the module's
/// `init`), so the sibling always exists; a lone device would be its own peer.
pub(crate) fn peer(dev: &Device<Port>) -> &Device<Port> {
    dev.sibling(dev.index() ^ 1).unwrap_or(dev)
}

/// The "interrupt" of `dev`, raised at `site`: unless masked, mask it and schedule the poll.
fn interrupt(dev: &Device<Port>, site: Site) {
    let port = dev.data();
    port.contexts.record(site);
    // The frame is in the ring before the mask is read (veth's smp_mb() in __veth_xdp_flush()):
    // paired with the poll's unmask-then-look, one of the two sees the other.
    fence(Ordering::SeqCst);
    if !port.masked.load(Ordering::Relaxed)
        && dev
            .napi()
            .schedule(|| port.masked.store(true, Ordering::Relaxed))
    {
        port.napi_counters.inc(Event::Interrupt);
    } else {
        port.napi_counters.inc(Event::Masked);
    }
}

/// A frame arrived in `dev`'s ring (and filled it if `full`): interrupt now, or arm the
/// coalescing timer. A full ring interrupts at once whatever the delay, as a NIC does when its
/// free receive descriptors run low: waiting for the timer would only idle the sender. The
/// timer is then cancelled: the interrupt it was armed for is the one raised now, and the next
/// frame arms it afresh (with the delay of that moment).
fn frame_arrived(dev: &Device<Port>, full: bool) {
    let port = dev.data();
    let delay = port.delay_us.load(Ordering::Relaxed);
    if delay == 0 {
        interrupt(dev, Site::Irq);
    } else if full {
        port.napi_counters.inc(Event::RingFull);
        dev.timer_cancel();
        interrupt(dev, Site::Irq);
    } else if dev.timer_start(Delta::from_micros(delay.into())) {
        port.napi_counters.inc(Event::TimerArmed);
    } else {
        port.napi_counters.inc(Event::Coalesced);
    }
}

#[vtable]
impl DeviceOperations for Port {
    fn open(dev: &Device<Self>) -> Result {
        // NAPI is enabled already: a frame the peer sends as soon as the carrier is on is
        // polled.
        let peer = peer(dev);
        if peer.is_running() {
            dev.carrier_on();
            peer.carrier_on();
        }
        dev.start_queue();
        Ok(())
    }

    fn stop(dev: &Device<Self>, napi: EnabledNapi<'_>) {
        let peer = peer(dev);
        dev.carrier_off();
        peer.carrier_off();
        // `netif_running()` is already false, so a transmit of the peer that starts now drops
        // its frame; wait for the ones in flight, which may still queue to the ring.
        net::synchronize();
        // Waits for a poll in flight; no poll runs after it.
        napi.disable();
        // Nothing arms the timer any more (no transmit of the peer, no poll).
        dev.timer_cancel();
        let port = dev.data();
        let purged = port.ring.purge();
        port.link_counters.rx_drop(purged);
        port.masked.store(false, Ordering::Relaxed);
        // The peer may have stopped its queue on this ring: it sends again (and drops, counted,
        // while this device is down).
        if peer.queue_stopped() {
            peer.wake_queue();
            peer.data().napi_counters.inc(Event::QueueWake);
        }
    }

    fn start_xmit(dev: &Device<Self>, skb: SkBuff) -> TxCode {
        let sender = dev.data();
        let peer = peer(dev);
        let receiver = peer.data();
        let len = u64::from(skb.len());
        if !peer.is_running() {
            skb.free();
            sender.link_counters.tx_drop();
            return TxCode::Ok;
        }
        let size = receiver.ring_size.load(Ordering::Relaxed);
        if receiver.ring.len() >= size {
            dev.stop_queue();
            sender.napi_counters.inc(Event::Busy);
            return TxCode::Busy(skb);
        }
        let Some(skb) = skb.forward_to(peer) else {
            sender.link_counters.tx_drop();
            return TxCode::Ok;
        };
        receiver.ring.push(skb);
        let qlen = receiver.ring.len();
        receiver
            .napi_counters
            .raise(Event::RingHighWater, qlen.into());
        sender.link_counters.sent(len);
        if qlen >= size {
            // Stop before the ring overflows; the peer's poll wakes the queue. Look again after
            // stopping: a poll that emptied the ring in between saw the queue running.
            dev.stop_queue();
            sender.napi_counters.inc(Event::QueueStop);
            fence(Ordering::SeqCst);
            if receiver.ring.len() < size {
                dev.wake_queue();
                sender.napi_counters.inc(Event::QueueWake);
            }
        }
        frame_arrived(peer, qlen >= size);
        TxCode::Ok
    }

    fn poll(dev: &Device<Self>, napi: NapiPoll<'_>, budget: i32) -> i32 {
        let port = dev.data();
        port.contexts.record_poll();
        let counters = &port.napi_counters;
        let mut done = 0;
        let mut bytes = 0;
        while done < budget {
            let Some(skb) = port.ring.pop() else { break };
            bytes += u64::from(skb.len()) + ETH_HLEN;
            napi.receive(skb);
            done += 1;
        }
        port.link_counters.received(done as u64, bytes);
        counters.inc(Event::Poll);
        counters.add(Event::Frame, done as u64);
        counters.poll_took(done);
        // Room in the ring: wake the sender (paired with its stop-then-look).
        let peer = peer(dev);
        fence(Ordering::SeqCst);
        if peer.queue_stopped() && port.ring.len() < port.ring_size.load(Ordering::Relaxed) {
            peer.wake_queue();
            peer.data().napi_counters.inc(Event::QueueWake);
        }
        if done == budget {
            // The core polls again; the interrupt stays masked.
            counters.inc(Event::FullPoll);
        } else if napi.complete_done(done) {
            // Unmask, then look at the ring again: a frame queued after the last pop whose
            // sender still saw the mask set raised no interrupt (smp_store_mb() in veth_poll()).
            port.masked.store(false, Ordering::Relaxed);
            fence(Ordering::SeqCst);
            if port.ring.len() > 0
                && dev
                    .napi()
                    .schedule(|| port.masked.store(true, Ordering::Relaxed))
            {
                counters.inc(Event::Recheck);
            }
        }
        done
    }

    fn get_stats64(dev: &Device<Self>, stats: &mut net::Stats64) {
        dev.data().link_counters.fill(stats);
    }

    fn get_iflink(dev: &Device<Self>) -> i32 {
        peer(dev).ifindex()
    }

    fn timer(dev: &Device<Self>) {
        // A ring-full interrupt may have emptied the ring meanwhile: nothing to signal then.
        if dev.data().ring.len() > 0 {
            interrupt(dev, Site::IrqTimer);
        }
    }
}
