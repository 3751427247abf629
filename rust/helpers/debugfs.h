/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Prototypes of the shims in debugfs.c. rust/proclab/debugfs/seq_out.rs
 * declares the same functions; keep the two in sync.
 */
#ifndef PROCLAB_HELPERS_DEBUGFS_H
#define PROCLAB_HELPERS_DEBUGFS_H

#include <linux/types.h>

struct seq_file;

size_t proclab_seq_get_buf(struct seq_file *m, char **bufp);
void proclab_seq_commit(struct seq_file *m, int num);

#endif /* PROCLAB_HELPERS_DEBUGFS_H */
