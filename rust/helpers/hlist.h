/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Prototypes of the shims in hlist.c. rust/proclab/hlist.rs declares the
 * same functions; keep the two in sync.
 */
#ifndef PROCLAB_HELPERS_HLIST_H
#define PROCLAB_HELPERS_HLIST_H

struct hlist_head;
struct hlist_node;

void proclab_init_hlist_head(struct hlist_head *h);
void proclab_init_hlist_node(struct hlist_node *n);
void proclab_hlist_add_head(struct hlist_node *n, struct hlist_head *h);
void proclab_hlist_del_init(struct hlist_node *n);

#endif /* PROCLAB_HELPERS_HLIST_H */
