// SPDX-License-Identifier: GPL-2.0
/* The C shims proclab_timers links in (see rust/helpers/). */

#include "../../rust/helpers/debugfs.c"
#include "../../rust/helpers/timer.c"
