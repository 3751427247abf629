// SPDX-License-Identifier: GPL-2.0
/* The C shims proclab_ds links in (see rust/helpers/). */

#include "../../rust/helpers/hlist.c"

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
