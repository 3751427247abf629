// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's HZ for Rust, shared by task.c and timer.c, which both include
 * this file: the guard keeps it to one definition in a module that links
 * both.
 */
#ifndef PROCLAB_HELPERS_HZ_C
#define PROCLAB_HELPERS_HZ_C

#include <linux/jiffies.h>

#include "hz.h"

/* The kernel's HZ (CONFIG_HZ); bindgen's HZ is the uapi USER_HZ (100). */
unsigned int proclab_hz(void)
{
	return HZ;
}

#endif /* PROCLAB_HELPERS_HZ_C */
