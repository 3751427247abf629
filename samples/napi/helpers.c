// SPDX-License-Identifier: GPL-2.0
/* The C shims proclab_napi links in (see rust/helpers/). */

#include "../../rust/helpers/context.c"
#include "../../rust/helpers/debugfs.c"
#include "../../rust/helpers/net.c"
#include "../../rust/helpers/sync.c"
