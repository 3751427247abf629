// SPDX-License-Identifier: GPL-2.0
/* The C shims proclab_contexts links in (see rust/helpers/). */

#include "../../rust/helpers/context.c"
#include "../../rust/helpers/debugfs.c"
#include "../../rust/helpers/kthread.c"
#include "../../rust/helpers/timer.c"
#include "../../rust/helpers/sync.c"
