/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Prototype of the shim in hz.c. rust/proclab/task/limits.rs and
 * rust/proclab/timer.rs declare the same function; keep them in sync.
 */
#ifndef PROCLAB_HELPERS_HZ_H
#define PROCLAB_HELPERS_HZ_H

unsigned int proclab_hz(void);

#endif /* PROCLAB_HELPERS_HZ_H */
