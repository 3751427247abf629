// SPDX-License-Identifier: GPL-2.0
/*
 * The C half of rust/proclab/net.rs: a pair of Ethernet devices whose
 * operations are Rust functions.
 *
 * kernel::bindings has no netdevice.h: struct net_device and napi_struct
 * are opaque to Rust, net_device_ops is missing, and most of the NAPI and
 * queue API is static inline. So the private area of each device starts
 * with a C header that owns the C objects (the NAPI context, the
 * coalescing hrtimer, the peer pointer, the Rust callbacks); the Rust
 * driver's data follows it. The ops table below forwards every call to
 * the Rust callbacks, and the remaining functions are one-line wrappers
 * of static inlines, so that all the logic stays on the Rust side.
 */

#include <linux/etherdevice.h>
#include <linux/hrtimer.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/skbuff.h>

/* The Rust callbacks of a device (mirrored by NetOps in net.rs). */
struct proclab_netdev_ops {
	int (*open)(struct net_device *dev);
	int (*stop)(struct net_device *dev);
	netdev_tx_t (*xmit)(struct sk_buff *skb, struct net_device *dev);
	void (*stats)(struct net_device *dev, struct rtnl_link_stats64 *s);
	int (*poll)(struct net_device *dev, int budget);
	void (*timer)(struct net_device *dev);
};

struct proclab_netdev {
	const struct proclab_netdev_ops *ops;
	/* The other device of the pair: set before either is registered. */
	struct net_device *peer;
	struct napi_struct napi;
	/* The coalescing timer: a hard-irq timer, like netdevsim's. */
	struct hrtimer timer;
	/* The Rust data, at data_off from the start of this header. */
	size_t data_off;
};

struct net_device *proclab_netdev_alloc(const char *name, size_t data_size,
					size_t data_align,
					const struct proclab_netdev_ops *ops,
					int weight);
void proclab_netdev_link(struct net_device *a, struct net_device *b);
int proclab_netdev_register(struct net_device *dev);
void proclab_netdev_unregister_pair(struct net_device *a,
				    struct net_device *b);
void proclab_netdev_free(struct net_device *dev);
void *proclab_netdev_data(struct net_device *dev);
struct net_device *proclab_netdev_peer(struct net_device *dev);
bool proclab_netif_running(struct net_device *dev);
void proclab_netif_stop_queue(struct net_device *dev);
void proclab_netif_wake_queue(struct net_device *dev);
bool proclab_netif_queue_stopped(struct net_device *dev);
bool proclab_netdev_timer_start(struct net_device *dev, u64 ns);
bool proclab_netdev_timer_try_cancel(struct net_device *dev);
void proclab_netdev_timer_cancel(struct net_device *dev);
void proclab_napi_enable(struct net_device *dev);
void proclab_napi_disable(struct net_device *dev);
void proclab_napi_set_weight(struct net_device *dev, int weight);
int proclab_napi_weight(struct net_device *dev);
bool proclab_napi_schedule_prep(struct net_device *dev);
void proclab_napi_schedule_now(struct net_device *dev);
bool proclab_napi_complete_done(struct net_device *dev, int work_done);
void proclab_napi_gro_receive(struct net_device *dev, struct sk_buff *skb);
bool proclab_skb_shared(const struct sk_buff *skb);
void proclab_skb_free(struct sk_buff *skb);
void proclab_skb_queue_init(struct sk_buff_head *q);
u32 proclab_skb_queue_len(const struct sk_buff_head *q);
void proclab_netif_start_queue(struct net_device *dev);

static struct proclab_netdev *pl_hdr(struct net_device *dev)
{
	return netdev_priv(dev);
}

static int pl_open(struct net_device *dev)
{
	return pl_hdr(dev)->ops->open(dev);
}

static int pl_stop(struct net_device *dev)
{
	return pl_hdr(dev)->ops->stop(dev);
}

static netdev_tx_t pl_xmit(struct sk_buff *skb, struct net_device *dev)
{
	return pl_hdr(dev)->ops->xmit(skb, dev);
}

static void pl_stats(struct net_device *dev, struct rtnl_link_stats64 *s)
{
	/* Rust mirrors the structure as 25 u64 counters (Stats64). */
	BUILD_BUG_ON(sizeof(*s) != 25 * sizeof(u64));
	pl_hdr(dev)->ops->stats(dev, s);
}

static int pl_get_iflink(const struct net_device *dev)
{
	struct proclab_netdev *p = netdev_priv(dev);

	return READ_ONCE(p->peer->ifindex);
}

static const struct net_device_ops pl_netdev_ops = {
	.ndo_open = pl_open,
	.ndo_stop = pl_stop,
	.ndo_start_xmit = pl_xmit,
	.ndo_get_stats64 = pl_stats,
	.ndo_get_iflink = pl_get_iflink,
	.ndo_set_mac_address = eth_mac_addr,
	.ndo_validate_addr = eth_validate_addr,
};

static int pl_poll(struct napi_struct *napi, int budget)
{
	struct proclab_netdev *p = container_of(napi, struct proclab_netdev, napi);

	return p->ops->poll(napi->dev, budget);
}

static enum hrtimer_restart pl_timer(struct hrtimer *t)
{
	struct proclab_netdev *p = container_of(t, struct proclab_netdev, timer);

	p->ops->timer(p->napi.dev);
	return HRTIMER_NORESTART;
}

static void pl_setup(struct net_device *dev)
{
	ether_setup(dev);
	eth_hw_addr_random(dev);
	dev->netdev_ops = &pl_netdev_ops;
	/*
	 * The receive path changes the skb (eth_type_trans() on the peer):
	 * pktgen must not hand us one skb many times over.
	 */
	dev->priv_flags &= ~IFF_TX_SKB_SHARING;
	dev->priv_flags |= IFF_LIVE_ADDR_CHANGE;
	dev->max_mtu = ETH_MAX_MTU;
	/*
	 * No IFF_NO_QUEUE: the device stops its queue when the peer's ring is
	 * full, and only a queue (the default qdisc) holds the packets then.
	 */
}

/*
 * A device named @name whose private area is the header and @data_size
 * bytes for the Rust data, with the NAPI context added (so that
 * /sys/class/net/<name>/threaded works while the device is down). NULL if
 * out of memory or if the alignment cannot be met.
 */
struct net_device *proclab_netdev_alloc(const char *name, size_t data_size,
					size_t data_align,
					const struct proclab_netdev_ops *ops,
					int weight)
{
	size_t off = ALIGN(sizeof(struct proclab_netdev), data_align);
	struct net_device *dev;
	struct proclab_netdev *p;

	if (data_align > NETDEV_ALIGN || strlen(name) >= IFNAMSIZ ||
	    off + data_size > INT_MAX)
		return NULL;
	dev = alloc_netdev_mqs(off + data_size, name, NET_NAME_USER, pl_setup,
			       1, 1);
	if (!dev)
		return NULL;
	p = netdev_priv(dev);
	p->ops = ops;
	p->data_off = off;
	hrtimer_setup(&p->timer, pl_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	netif_napi_add_weight(dev, &p->napi, pl_poll, weight);
	return dev;
}

/* Makes @a and @b peers; before either is registered. */
void proclab_netdev_link(struct net_device *a, struct net_device *b)
{
	pl_hdr(a)->peer = b;
	pl_hdr(b)->peer = a;
}

/* Registers @dev with its carrier off: it goes on when both ends are up. */
int proclab_netdev_register(struct net_device *dev)
{
	int err = register_netdev(dev);

	if (!err)
		netif_carrier_off(dev);
	return err;
}

/*
 * Unregisters both devices of a pair in one batch: both are closed before
 * either is unregistered, so neither sends into a peer that is gone.
 */
void proclab_netdev_unregister_pair(struct net_device *a,
				    struct net_device *b)
{
	LIST_HEAD(list);

	rtnl_lock();
	unregister_netdevice_queue(a, &list);
	unregister_netdevice_queue(b, &list);
	unregister_netdevice_many(&list);
	rtnl_unlock();
}

/* Frees an unregistered (or never registered) device; its NAPI goes too. */
void proclab_netdev_free(struct net_device *dev)
{
	hrtimer_cancel(&pl_hdr(dev)->timer);
	free_netdev(dev);
}

void *proclab_netdev_data(struct net_device *dev)
{
	return (char *)netdev_priv(dev) + pl_hdr(dev)->data_off;
}

struct net_device *proclab_netdev_peer(struct net_device *dev)
{
	return pl_hdr(dev)->peer;
}

bool proclab_netif_running(struct net_device *dev)
{
	return netif_running(dev);
}

void proclab_netif_start_queue(struct net_device *dev)
{
	netif_start_queue(dev);
}

void proclab_netif_stop_queue(struct net_device *dev)
{
	netif_stop_queue(dev);
}

void proclab_netif_wake_queue(struct net_device *dev)
{
	netif_wake_queue(dev);
}

bool proclab_netif_queue_stopped(struct net_device *dev)
{
	return netif_queue_stopped(dev);
}

/*
 * Starts the coalescing timer unless it is already pending; whether it was
 * started. Pending means queued: a timer whose callback is running now is
 * started again (netdevsim tests hrtimer_active(), which is also true while
 * the callback runs, and leaves a frame that comes in just then to the next
 * one).
 */
bool proclab_netdev_timer_start(struct net_device *dev, u64 ns)
{
	struct hrtimer *t = &pl_hdr(dev)->timer;

	if (hrtimer_is_queued(t))
		return false;
	hrtimer_start(t, ns_to_ktime(ns), HRTIMER_MODE_REL);
	return true;
}

/*
 * Cancels the coalescing timer if it is queued, without waiting for a
 * callback that runs now (any context); whether it was queued.
 */
bool proclab_netdev_timer_try_cancel(struct net_device *dev)
{
	return hrtimer_try_to_cancel(&pl_hdr(dev)->timer) == 1;
}

void proclab_netdev_timer_cancel(struct net_device *dev)
{
	hrtimer_cancel(&pl_hdr(dev)->timer);
}

void proclab_napi_enable(struct net_device *dev)
{
	napi_enable(&pl_hdr(dev)->napi);
}

void proclab_napi_disable(struct net_device *dev)
{
	napi_disable(&pl_hdr(dev)->napi);
}

/* __napi_poll() reads the weight at every poll: a new one applies at once. */
void proclab_napi_set_weight(struct net_device *dev, int weight)
{
	WRITE_ONCE(pl_hdr(dev)->napi.weight, weight);
}

int proclab_napi_weight(struct net_device *dev)
{
	return READ_ONCE(pl_hdr(dev)->napi.weight);
}

bool proclab_napi_schedule_prep(struct net_device *dev)
{
	return napi_schedule_prep(&pl_hdr(dev)->napi);
}

void proclab_napi_schedule_now(struct net_device *dev)
{
	__napi_schedule(&pl_hdr(dev)->napi);
}

bool proclab_napi_complete_done(struct net_device *dev, int work_done)
{
	return napi_complete_done(&pl_hdr(dev)->napi, work_done);
}

void proclab_napi_gro_receive(struct net_device *dev, struct sk_buff *skb)
{
	napi_gro_receive(&pl_hdr(dev)->napi, skb);
}

bool proclab_skb_shared(const struct sk_buff *skb)
{
	return skb_shared(skb);
}

void proclab_skb_free(struct sk_buff *skb)
{
	dev_kfree_skb_any(skb);
}

void proclab_skb_queue_init(struct sk_buff_head *q)
{
	skb_queue_head_init(q);
}

u32 proclab_skb_queue_len(const struct sk_buff_head *q)
{
	return skb_queue_len_lockless(q);
}
