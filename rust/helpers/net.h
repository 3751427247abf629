/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Prototypes of the shims in net.c. rust/proclab/net/ declares
 * the same functions; keep the two in sync.
 */
#ifndef PROCLAB_HELPERS_NET_H
#define PROCLAB_HELPERS_NET_H

#include <linux/types.h>

struct napi_struct;
struct net_device;
struct rtnl_link_stats64;
struct sk_buff;
struct sk_buff_head;

/*
 * The Rust callbacks of a device (mirrored by `Callbacks` in
 * rust/proclab/net/device.rs): net.c's net_device_ops and NAPI poll call
 * them and do nothing else.
 */
struct proclab_netdev_ops {
	int (*open)(struct net_device *dev);
	int (*stop)(struct net_device *dev);
	int (*start_xmit)(struct sk_buff *skb, struct net_device *dev);
	void (*get_stats64)(struct net_device *dev,
			    struct rtnl_link_stats64 *stats);
	int (*get_iflink)(const struct net_device *dev);
	int (*poll)(struct net_device *dev, struct napi_struct *napi,
		    int budget);
};

struct net_device *proclab_netdev_alloc(const char *name, size_t data_size,
					size_t data_align,
					const struct proclab_netdev_ops *ops);
void *proclab_netdev_data(struct net_device *dev);
struct napi_struct *proclab_netdev_napi(struct net_device *dev);
void proclab_netif_napi_add(struct net_device *dev, int weight);
void proclab_netdev_unregister_many(struct net_device **devs,
				    unsigned int n);
int proclab_netdev_ifindex(const struct net_device *dev);
bool proclab_netif_running(struct net_device *dev);
void proclab_netif_start_queue(struct net_device *dev);
void proclab_netif_stop_queue(struct net_device *dev);
void proclab_netif_wake_queue(struct net_device *dev);
bool proclab_netif_queue_stopped(struct net_device *dev);
void proclab_napi_set_weight(struct napi_struct *napi, int weight);
int proclab_napi_weight(struct napi_struct *napi);
void proclab_napi_gro_receive(struct napi_struct *napi, struct sk_buff *skb);
bool proclab_skb_shared(const struct sk_buff *skb);
void proclab_skb_free(struct sk_buff *skb);
void proclab_skb_queue_init(struct sk_buff_head *q);
u32 proclab_skb_queue_len(const struct sk_buff_head *q);

#endif
