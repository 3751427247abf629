// SPDX-License-Identifier: GPL-2.0
/*
 * C shims for rust/proclab/net.rs (and net/): Ethernet devices whose
 * operations are Rust functions.
 *
 * kernel::bindings has no netdevice.h: struct net_device and napi_struct
 * are opaque to Rust, net_device_ops is missing, and most of the NAPI and
 * queue API is static inline. So the private area of each device starts
 * with a small C header (the NAPI context, whose size Rust does not know,
 * and the Rust callbacks); the Rust data follows it. The net_device_ops
 * below only forward to the Rust callbacks, and the other functions are
 * one-line wrappers of static inlines and macros: the logic is in Rust.
 *
 * Included into one object per module (see samples/napi/helpers.c).
 */

#include <linux/etherdevice.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/skbuff.h>

#include "net.h"

struct proclab_netdev {
	const struct proclab_netdev_ops *ops;
	struct napi_struct napi;
	/* The Rust data, at data_off from the start of this header. */
	size_t data_off;
};

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

static netdev_tx_t pl_start_xmit(struct sk_buff *skb, struct net_device *dev)
{
	return pl_hdr(dev)->ops->start_xmit(skb, dev);
}

static void pl_get_stats64(struct net_device *dev,
			   struct rtnl_link_stats64 *stats)
{
	/* Rust mirrors the structure as 25 u64 counters (Stats64). */
	BUILD_BUG_ON(sizeof(*stats) != 25 * sizeof(u64));
	pl_hdr(dev)->ops->get_stats64(dev, stats);
}

static int pl_get_iflink(const struct net_device *dev)
{
	const struct proclab_netdev *p = netdev_priv(dev);

	return p->ops->get_iflink(dev);
}

static const struct net_device_ops pl_netdev_ops = {
	.ndo_open = pl_open,
	.ndo_stop = pl_stop,
	.ndo_start_xmit = pl_start_xmit,
	.ndo_get_stats64 = pl_get_stats64,
	.ndo_get_iflink = pl_get_iflink,
	.ndo_set_mac_address = eth_mac_addr,
	.ndo_validate_addr = eth_validate_addr,
};

static int pl_poll(struct napi_struct *napi, int budget)
{
	return pl_hdr(napi->dev)->ops->poll(napi->dev, napi, budget);
}

static void pl_setup(struct net_device *dev)
{
	ether_setup(dev);
	eth_hw_addr_random(dev);
	dev->netdev_ops = &pl_netdev_ops;
	/*
	 * A frame may be handed on to another device's receive path, which
	 * changes the skb (eth_type_trans()): pktgen must not hand us one
	 * skb many times over.
	 */
	dev->priv_flags &= ~IFF_TX_SKB_SHARING;
	dev->priv_flags |= IFF_LIVE_ADDR_CHANGE;
	dev->max_mtu = ETH_MAX_MTU;
	/*
	 * No IFF_NO_QUEUE: a driver that stops its queue relies on the default
	 * qdisc to hold the packets meanwhile.
	 */
}

/*
 * A device named @name whose private area is the header and @data_size
 * bytes for the Rust data; carrier off until the driver turns it on. The
 * caller has checked the name with dev_valid_name() (alloc_netdev_mqs()
 * BUG()s on one too long). ERR_PTR(-EINVAL) if the data cannot be placed,
 * ERR_PTR(-ENOMEM) if out of memory.
 */
struct net_device *proclab_netdev_alloc(const char *name, size_t data_size,
					size_t data_align,
					const struct proclab_netdev_ops *ops)
{
	size_t off = ALIGN(sizeof(struct proclab_netdev), data_align);
	struct net_device *dev;
	struct proclab_netdev *p;

	if (data_align > NETDEV_ALIGN || off + data_size > INT_MAX)
		return ERR_PTR(-EINVAL);
	dev = alloc_netdev_mqs(off + data_size, name, NET_NAME_USER, pl_setup,
			       1, 1);
	if (!dev)
		return ERR_PTR(-ENOMEM);
	netif_carrier_off(dev);
	p = netdev_priv(dev);
	p->ops = ops;
	p->data_off = off;
	return dev;
}

void *proclab_netdev_data(struct net_device *dev)
{
	return (char *)netdev_priv(dev) + pl_hdr(dev)->data_off;
}

struct napi_struct *proclab_netdev_napi(struct net_device *dev)
{
	return &pl_hdr(dev)->napi;
}

/* netif_napi_add_weight() is a static inline. */
void proclab_netif_napi_add(struct net_device *dev, int weight)
{
	netif_napi_add_weight(dev, &pl_hdr(dev)->napi, pl_poll, weight);
}

/* Unregisters @devs in one batch (LIST_HEAD is a macro). */
void proclab_netdev_unregister_many(struct net_device **devs, unsigned int n)
{
	LIST_HEAD(list);
	unsigned int i;

	rtnl_lock();
	for (i = 0; i < n; i++)
		unregister_netdevice_queue(devs[i], &list);
	unregister_netdevice_many(&list);
	rtnl_unlock();
}

int proclab_netdev_ifindex(const struct net_device *dev)
{
	return READ_ONCE(dev->ifindex);
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

/* __napi_poll() reads the weight at every poll: a new one applies at once. */
void proclab_napi_set_weight(struct napi_struct *napi, int weight)
{
	WRITE_ONCE(napi->weight, weight);
}

int proclab_napi_weight(struct napi_struct *napi)
{
	return READ_ONCE(napi->weight);
}

void proclab_napi_gro_receive(struct napi_struct *napi, struct sk_buff *skb)
{
	napi_gro_receive(napi, skb);
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
