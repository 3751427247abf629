/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Prototypes of root.c. rust/proclab/root.rs (proclab_core) and
 * rust/proclab/debugfs.rs (every other module) declare the same functions.
 */
#ifndef PROCLAB_HELPERS_ROOT_H
#define PROCLAB_HELPERS_ROOT_H

struct dentry;

int proclab_core_create_root(void);
void proclab_core_remove_root(void);
struct dentry *proclab_debugfs_root(void);

#endif /* PROCLAB_HELPERS_ROOT_H */
