// SPDX-License-Identifier: GPL-2.0
/*
 * C shims for rust/proclab/hlist.rs: the static inline hlist functions of
 * <linux/list.h>, each the kernel's own definition.
 */

#include <linux/list.h>

#include "hlist.h"

void proclab_init_hlist_head(struct hlist_head *h)
{
	INIT_HLIST_HEAD(h);
}

void proclab_init_hlist_node(struct hlist_node *n)
{
	INIT_HLIST_NODE(n);
}

/* n->pprev = &h->first: the node knows the pointer that points at it. */
void proclab_hlist_add_head(struct hlist_node *n, struct hlist_head *h)
{
	hlist_add_head(n, h);
}

/* O(1) without the head: *n->pprev = n->next, whatever precedes n. */
void proclab_hlist_del_init(struct hlist_node *n)
{
	hlist_del_init(n);
}
