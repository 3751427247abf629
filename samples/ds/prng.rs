// SPDX-License-Identifier: GPL-2.0

//! `prandom_u32_state()` of `lib/random32.c` and `prandom_seed_state()` of
//! `include/linux/prandom.h`, so that a seed gives the key sequence `lib/rbtree_test.c` uses.

use kernel::prelude::*;

/// The four-word Tausworthe generator state (`struct rnd_state`).
pub(crate) struct Prandom([u32; 4]);

impl Prandom {
    /// `prandom_seed_state(&state, seed)`.
    pub(crate) fn new(seed: u64) -> Self {
        let i = ((seed >> 32) ^ (seed << 10) ^ seed) as u32;
        let s = |m: u32| if i < m { i.wrapping_add(m) } else { i };
        Prandom([s(2), s(8), s(16), s(128)])
    }

    /// `prandom_u32_state(&state)`.
    pub(crate) fn next_u32(&mut self) -> u32 {
        fn taus(s: u32, a: u32, b: u32, c: u32, d: u32) -> u32 {
            ((s & c) << d) ^ (((s << a) ^ s) >> b)
        }
        let st = &mut self.0;
        st[0] = taus(st[0], 6, 13, 0xFFFF_FFFE, 18);
        st[1] = taus(st[1], 2, 27, 0xFFFF_FFF8, 2);
        st[2] = taus(st[2], 13, 21, 0xFFFF_FFF0, 7);
        st[3] = taus(st[3], 3, 12, 0xFFFF_FF80, 13);
        st[0] ^ st[1] ^ st[2] ^ st[3]
    }
}

#[kunit_tests(proclab_ds_prng)]
mod tests {
    use super::*;

    extern "C" {
        fn proclab_prandom_nth(seed: u64, n: c_uint) -> u32;
    }

    fn kernel_nth(seed: u64, n: u32) -> u32 {
        // SAFETY: `proclab_prandom_nth()` (`helpers.c`) takes two integers and touches only its
        // own stack: it has no precondition.
        unsafe { proclab_prandom_nth(seed, n) }
    }

    #[test]
    fn same_sequence_as_the_kernel() {
        // rbtree_test's default seed, and a few others.
        for seed in [3141592653589793238u64, 0, 1, 7, u64::MAX] {
            let mut r = Prandom::new(seed);
            for n in 0..50 {
                assert_eq!(r.next_u32(), kernel_nth(seed, n));
            }
        }
    }
}
