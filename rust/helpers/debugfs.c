// SPDX-License-Identifier: GPL-2.0
/*
 * seq_get_buf() and seq_commit() are static inlines of <linux/seq_file.h>,
 * which bindgen does not turn into functions: rust/proclab/debugfs's table
 * writer reaches the seq_file buffer through these, not through the fields.
 */

#include <linux/seq_file.h>

#include "debugfs.h"

size_t proclab_seq_get_buf(struct seq_file *m, char **bufp)
{
	return seq_get_buf(m, bufp);
}

void proclab_seq_commit(struct seq_file *m, int num)
{
	seq_commit(m, num);
}
