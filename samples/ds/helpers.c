// SPDX-License-Identifier: GPL-2.0
/* The C shims proclab_ds links in (see rust/helpers/). */

#include "../../rust/helpers/debugfs.c"
#include "../../rust/helpers/hlist.c"
#include "../../rust/helpers/task.c"

#include <linux/prandom.h>

u32 proclab_prandom_nth(u64 seed, unsigned int n);

/*
 * The n-th (from 0) value of the kernel's own prandom_u32_state() sequence
 * for @seed, seeded as lib/rbtree_test.c seeds it: the oracle for the Rust
 * port in samples/ds/prng.rs (KUnit).
 */
u32 proclab_prandom_nth(u64 seed, unsigned int n)
{
	struct rnd_state rnd;
	u32 v;

	prandom_seed_state(&rnd, seed);
	do {
		v = prandom_u32_state(&rnd);
	} while (n--);
	return v;
}

/*
 * C twins of the benchmark loops in samples/ds/bench_runs.rs: the same work
 * through the C API, compiled with the same flags, timed the same way.
 * Keys are ordered by (key, index), like the Rust side's tuple keys (the
 * Rust tree cannot hold equal keys).
 */
#include <linux/rbtree.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/timex.h>
#include <linux/xarray.h>

struct proclab_bnode {
	u32 key;
	u32 idx;
	struct rb_node rb;
};

u64 proclab_cycles(void);
u64 proclab_c_rbtree(const u32 *keys, u32 n, u32 loops, int what);
u64 proclab_c_xarray(u32 n, u32 loops);

u64 proclab_cycles(void)
{
	return get_cycles();
}

static bool bnode_less(const struct proclab_bnode *a,
		       const struct proclab_bnode *b)
{
	return a->key < b->key || (a->key == b->key && a->idx < b->idx);
}

/* insert() of lib/rbtree_test.c, with the (key, index) order. */
static void bnode_insert(struct proclab_bnode *node, struct rb_root *root)
{
	struct rb_node **new = &root->rb_node, *parent = NULL;

	while (*new) {
		parent = *new;
		if (bnode_less(node, rb_entry(parent, struct proclab_bnode, rb)))
			new = &parent->rb_left;
		else
			new = &parent->rb_right;
	}
	rb_link_node(&node->rb, parent, new);
	rb_insert_color(&node->rb, root);
}

/*
 * The same insert with the calls the Rust RBTree makes: the descent in a
 * function of its own (RBTree::raw_entry, not inlined at -Os) and
 * rb_link_node() out of line (rust_helper_rb_link_node, since
 * CONFIG_RUST_INLINE_HELPERS is off).
 */
static noinline void bnode_link(struct rb_node *node, struct rb_node *parent,
				struct rb_node **link)
{
	rb_link_node(node, parent, link);
}

static noinline struct rb_node **bnode_descend(struct rb_root *root,
					       const struct proclab_bnode *node,
					       struct rb_node **parent)
{
	struct rb_node **new = &root->rb_node;

	*parent = NULL;
	while (*new) {
		*parent = *new;
		if (bnode_less(node, rb_entry(*parent, struct proclab_bnode, rb)))
			new = &(*parent)->rb_left;
		else
			new = &(*parent)->rb_right;
	}
	return new;
}

static noinline void bnode_insert_calls(struct proclab_bnode *node,
					struct rb_root *root)
{
	struct rb_node *parent;
	struct rb_node **new = bnode_descend(root, node, &parent);

	bnode_link(&node->rb, parent, new);
	rb_insert_color(&node->rb, root);
}

static struct proclab_bnode *bnode_search(struct rb_root *root,
					  const struct proclab_bnode *key)
{
	struct rb_node *n = root->rb_node;

	while (n) {
		struct proclab_bnode *b = rb_entry(n, struct proclab_bnode, rb);

		if (bnode_less(key, b))
			n = n->rb_left;
		else if (bnode_less(b, key))
			n = n->rb_right;
		else
			return b;
	}
	return NULL;
}

/*
 * what 0: rbtree_test's test 1, insert n then rb_erase() each by pointer;
 * what 1: the same, but each erase first searches its key (what the Rust
 * RBTree has to do); what 2: test 3, an in-order walk of n nodes; what 3:
 * as 1, with Rust's function calls (bnode_insert_calls()).
 * Returns cycles per loop, or 0 if out of memory or a signal is pending
 * (checked once per loop, as the Rust loop does). n can be large:
 * kvmalloc_array() falls back to vmalloc().
 */
u64 proclab_c_rbtree(const u32 *keys, u32 n, u32 loops, int what)
{
	struct proclab_bnode *nodes = kvmalloc_array(n, sizeof(*nodes), GFP_KERNEL);
	struct rb_root root = RB_ROOT;
	u64 t0, t1, sum = 0;
	u32 i, l;

	if (!nodes)
		return 0;
	for (i = 0; i < n; i++) {
		nodes[i].key = keys[i];
		nodes[i].idx = i;
	}
	if (what == 2)
		for (i = 0; i < n; i++)
			bnode_insert(&nodes[i], &root);
	t0 = get_cycles();
	for (l = 0; l < loops; l++) {
		if (signal_pending(current))
			break;
		if (what == 2) {
			struct rb_node *node;

			for (node = rb_first(&root); node; node = rb_next(node))
				sum += rb_entry(node, struct proclab_bnode, rb)->key;
			continue;
		}
		for (i = 0; i < n; i++) {
			if (what == 3)
				bnode_insert_calls(&nodes[i], &root);
			else
				bnode_insert(&nodes[i], &root);
		}
		for (i = 0; i < n; i++) {
			struct proclab_bnode *b = &nodes[i];

			if (what == 1 || what == 3)
				b = bnode_search(&root, &nodes[i]);
			rb_erase(&b->rb, &root);
		}
	}
	t1 = get_cycles();
	kvfree(nodes);
	OPTIMIZER_HIDE_VAR(sum);
	return l < loops ? 0 : div_u64(t1 - t0, loops);
}

/*
 * The XArray loop of bench_runs.rs: store n pointers, load each of them loops
 * times, erase them; an allocating XArray (XA_FLAGS_ALLOC) as Rust's is.
 * xa_load() takes only the RCU read lock, the C way. Returns the cycles, or 0
 * if out of memory or a signal is pending (checked once per pass of loads).
 */
u64 proclab_c_xarray(u32 n, u32 loops)
{
	u64 *vals = kvmalloc_array(n, sizeof(*vals), GFP_KERNEL);
	u64 t0, t1, sum = 0;
	struct xarray xa;
	u32 i, l;

	if (!vals)
		return 0;
	xa_init_flags(&xa, XA_FLAGS_ALLOC);
	t0 = get_cycles();
	for (i = 0; i < n; i++) {
		vals[i] = i;
		if (xa_err(xa_store(&xa, i, &vals[i], GFP_KERNEL)))
			break;
	}
	for (l = 0; l < loops; l++) {
		if (signal_pending(current))
			break;
		for (i = 0; i < n; i++) {
			u64 *v = xa_load(&xa, i);

			if (v)
				sum += *v;
		}
	}
	for (i = 0; i < n; i++)
		xa_erase(&xa, i);
	t1 = get_cycles();
	xa_destroy(&xa);
	kvfree(vals);
	OPTIMIZER_HIDE_VAR(sum);
	return l < loops ? 0 : t1 - t0;
}
