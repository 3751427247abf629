// SPDX-License-Identifier: GPL-2.0
/* The C shims proclab_lifecycle links in (see rust/helpers/). */

#include "../../rust/helpers/debugfs.c"
#include "../../rust/helpers/kthread.c"
#include "../../rust/helpers/mm.c"
#include "../../rust/helpers/sync.c"
#include "../../rust/helpers/task.c"
#include "../../rust/helpers/tracepoint.c"
