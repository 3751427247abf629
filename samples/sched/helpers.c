// SPDX-License-Identifier: GPL-2.0
/* The C shims proclab_sched links in (see rust/helpers/). */

#include "../../rust/helpers/context.c"
#include "../../rust/helpers/debugfs.c"
#include "../../rust/helpers/kthread.c"
#include "../../rust/helpers/sync.c"
#include "../../rust/helpers/task.c"
#include "../../rust/helpers/tracepoint.c"
