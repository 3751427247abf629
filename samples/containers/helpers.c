// SPDX-License-Identifier: GPL-2.0
/* The C shims proclab_containers links in (see rust/helpers/). */

#include "../../rust/helpers/cgroup.c"
#include "../../rust/helpers/debugfs.c"
#include "../../rust/helpers/mm.c"
#include "../../rust/helpers/ns.c"
#include "../../rust/helpers/oom.c"
#include "../../rust/helpers/task.c"
