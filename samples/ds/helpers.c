// SPDX-License-Identifier: GPL-2.0
/* The C shims proclab_ds links in (see rust/helpers/). */

#include "../../rust/helpers/hlist.c"
