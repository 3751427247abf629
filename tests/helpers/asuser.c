// SPDX-License-Identifier: GPL-2.0
/*
 * asuser - try to open files under other credentials, for access.sh.
 *
 *   asuser UID GID PATH...
 *
 * Drops to UID/GID with no supplementary groups (setgroups(0),
 * setresgid(), setresuid()), then for each PATH prints one line
 *
 *   PATH stat=R search=R read=R write=R
 *
 * where each R is "ok" or the errno's name (EACCES, ...): stat() of the
 * path (needs search permission on every directory above it), for a
 * directory faccessat(X_OK) (may it be traversed), open(O_RDONLY) (for a
 * directory: may it be listed) and open(O_WRONLY). Nothing is read or
 * written: only the permission checks of open() run. "search" is "-" for a
 * file.
 *
 * UID 0 keeps uid 0 but drops every capability (capset() with empty sets),
 * so only the owner's mode bits decide, as for any other owner; root with
 * its capabilities (CAP_DAC_OVERRIDE) would pass every check. busybox has
 * no tool that changes uid and gid (su and chpst need a passwd entry or do
 * not clear the groups).
 *
 * Exit status: 0, or 2 if the credentials could not be changed or not all
 * privileges are gone afterwards (then nothing is tried).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *result(int r)
{
	return r < 0 ? strerrorname_np(errno) : "ok";
}

/* The effective capability set is empty (capget, not /proc: nothing to parse). */
static int no_capabilities(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	if (syscall(SYS_capget, &h, d))
		return 0;
	for (int i = 0; i < _LINUX_CAPABILITY_U32S_3; i++)
		if (d[i].effective || d[i].permitted)
			return 0;
	return 1;
}

static int drop_capabilities(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	memset(d, 0, sizeof(d));
	return syscall(SYS_capset, &h, d);
}

static int open_result(const char *path, int flags, const char **res)
{
	int fd = open(path, flags | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	*res = result(fd);
	if (fd >= 0)
		close(fd);
	return fd;
}

int main(int argc, char **argv)
{
	uid_t uid, ru, eu, su;
	gid_t gid, rg, eg, sg;
	char *end;

	if (argc < 4) {
		fprintf(stderr, "usage: asuser UID GID PATH...\n");
		return 2;
	}
	uid = strtoul(argv[1], &end, 10);
	if (*end)
		return 2;
	gid = strtoul(argv[2], &end, 10);
	if (*end)
		return 2;
	if (setgroups(0, NULL) || setresgid(gid, gid, gid)) {
		perror("asuser: setgroups/setresgid");
		return 2;
	}
	/* From uid 0 to another uid, setresuid() clears every capability. */
	if (uid != 0 ? setresuid(uid, uid, uid) : drop_capabilities()) {
		perror("asuser: setresuid/capset");
		return 2;
	}
	getresuid(&ru, &eu, &su);
	getresgid(&rg, &eg, &sg);
	if (ru != uid || eu != uid || su != uid || rg != gid || eg != gid ||
	    sg != gid || getgroups(0, NULL) != 0 || !no_capabilities()) {
		fprintf(stderr, "asuser: credentials not as asked\n");
		return 2;
	}
	for (int i = 3; i < argc; i++) {
		const char *path = argv[i], *st, *search = "-", *rd, *wr;
		struct stat sb;
		int r = stat(path, &sb);

		st = result(r);
		if (r == 0 && S_ISDIR(sb.st_mode))
			search = result(faccessat(AT_FDCWD, path, X_OK, AT_EACCESS));
		open_result(path, O_RDONLY, &rd);
		open_result(path, O_WRONLY, &wr);
		printf("%s stat=%s search=%s read=%s write=%s\n", path, st, search, rd, wr);
	}
	return 0;
}
