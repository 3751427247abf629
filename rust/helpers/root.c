// SPDX-License-Identifier: GPL-2.0
/*
 * The debugfs directory every proclab module puts its own directory in.
 *
 * proclab_core owns /sys/kernel/debug/proclab and exports it. A module that
 * calls proclab_debugfs_root() links against this module, so modprobe loads
 * proclab_core first and the module loader refuses to unload it while any
 * user is loaded: the directory outlives every directory created in it, with
 * no lock and no reference counting of our own.
 */

#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/export.h>

#include "root.h"

static struct dentry *proclab_root;

/* Called once from the module's init, before any user can be loaded. */
int proclab_core_create_root(void)
{
	struct dentry *d = debugfs_create_dir("proclab", NULL);

	if (IS_ERR(d))
		return PTR_ERR(d);
	proclab_root = d;
	return 0;
}

/* Called from the module's exit: by then every user has been unloaded. */
void proclab_core_remove_root(void)
{
	debugfs_remove(proclab_root);
	proclab_root = NULL;
}

/**
 * proclab_debugfs_root() - the /sys/kernel/debug/proclab directory
 *
 * Return: the directory's dentry, live as long as the caller's module is
 * loaded (the caller depends on proclab_core through this very symbol).
 */
struct dentry *proclab_debugfs_root(void)
{
	return proclab_root;
}
EXPORT_SYMBOL_GPL(proclab_debugfs_root);
