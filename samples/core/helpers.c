// SPDX-License-Identifier: GPL-2.0
/* The C side of proclab_core (see rust/helpers/). */

#include "../../rust/helpers/root.c"
