/* test_atomic.c: atomic files (common/atomic.c): whole under the name or
 * absent, the mode less the umask, no temporary left behind, links at the
 * destination replaced and never written through, failures leaving the
 * destination as it was. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "ha_common.h"
#include "testutil.h"

static char *tmp;

static const char *in_tmp(const char *name)
{
	static char p[4][4096];
	static int k;

	k = (k + 1) % 4;
	snprintf(p[k], sizeof p[k], "%s/%s", tmp, name);
	return p[k];
}

/* Files in the folder whose name starts with `prefix`. */
static int count_prefix(const char *prefix)
{
	DIR *d = opendir(tmp);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)) != NULL)
		n += strncmp(de->d_name, prefix, strlen(prefix)) == 0;
	closedir(d);
	return n;
}

static void atomic_writes_whole_file(void)
{
	struct ha_err err;
	struct stat st;
	char *got;
	size_t n = 0;
	mode_t um = umask(022);

	ha_err_clear(&err);
	CHECK_INT(ha_atomic_write_file(in_tmp("a.out"), "hello", 5, 0666, &err), HA_OK);
	got = tu_read(in_tmp("a.out"), &n);
	CHECK_STR(got, "hello");
	CHECK_INT(n, 5);
	free(got);
	CHECK(stat(in_tmp("a.out"), &st) == 0);
	CHECK_INT(st.st_mode & 0777, 0644);
	/* Replacing it: the new bytes only, and no temporary file left. */
	CHECK_INT(ha_atomic_write_file(in_tmp("a.out"), "hi", 2, 0600, &err), HA_OK);
	got = tu_read(in_tmp("a.out"), &n);
	CHECK_STR(got, "hi");
	free(got);
	CHECK(stat(in_tmp("a.out"), &st) == 0);
	CHECK_INT(st.st_mode & 0777, 0600);
	CHECK_INT(count_prefix("a.out"), 1);
	/* Empty content is a file too. */
	CHECK_INT(ha_atomic_write_file(in_tmp("empty.out"), NULL, 0, 0644, &err), HA_OK);
	CHECK(stat(in_tmp("empty.out"), &st) == 0 && st.st_size == 0);
	umask(um);
}

static void atomic_replaces_links(void)
{
	struct ha_err err;
	struct stat st;
	char *got;

	ha_err_clear(&err);
	CHECK_INT(tu_write(in_tmp("target"), "evidence", 8), 0);
	CHECK_INT(symlink("target", in_tmp("sym.out")), 0);
	CHECK_INT(ha_atomic_write_file(in_tmp("sym.out"), "new", 3, 0644, &err), HA_OK);
	CHECK(lstat(in_tmp("sym.out"), &st) == 0 && S_ISREG(st.st_mode));
	got = tu_read(in_tmp("target"), NULL);
	CHECK_STR(got, "evidence");
	free(got);

	CHECK_INT(link(in_tmp("target"), in_tmp("hard.out")), 0);
	CHECK_INT(ha_atomic_write_file(in_tmp("hard.out"), "new", 3, 0644, &err), HA_OK);
	got = tu_read(in_tmp("target"), NULL);
	CHECK_STR(got, "evidence");
	free(got);
	got = tu_read(in_tmp("hard.out"), NULL);
	CHECK_STR(got, "new");
	free(got);
}

static void atomic_failures_leave_destination(void)
{
	struct ha_atomic a;
	struct ha_err err;
	char *got;

	ha_err_clear(&err);
	/* No such folder. */
	CHECK_INT(ha_atomic_write_file(in_tmp("no/such/dir/x"), "x", 1, 0644, &err), HA_ERR_IO);
	CHECK_HAS(err.msg, "cannot write '");
	CHECK_HAS(err.msg, "no/such/dir/x': No such file or directory");
	CHECK_INT(err.sys_errno, ENOENT);

	/* A write that failed (here: recorded as if the disk were full) makes
	 * commit refuse; the old file stays and the temporary goes. */
	CHECK_INT(tu_write(in_tmp("keep.out"), "old", 3), 0);
	CHECK_INT(ha_atomic_open(&a, in_tmp("keep.out"), 0644, &err), HA_OK);
	CHECK_INT(count_prefix("keep.out.tmp."), 1);
	CHECK_INT(ha_atomic_write(&a, "new", 3, &err), HA_OK);
	a.err_no = ENOSPC;
	CHECK_INT(ha_atomic_write(&a, "more", 4, &err), HA_ERR_IO);
	CHECK_INT(ha_atomic_commit(&a, &err), HA_ERR_IO);
	CHECK_HAS(err.msg, "No space left on device");
	CHECK_INT(a.fd, -1);
	got = tu_read(in_tmp("keep.out"), NULL);
	CHECK_STR(got, "old");
	free(got);
	CHECK_INT(count_prefix("keep.out.tmp."), 0);

	/* Abort: nothing changes. */
	CHECK_INT(ha_atomic_open(&a, in_tmp("keep.out"), 0644, &err), HA_OK);
	CHECK_INT(ha_atomic_write(&a, "new", 3, &err), HA_OK);
	ha_atomic_abort(&a);
	got = tu_read(in_tmp("keep.out"), NULL);
	CHECK_STR(got, "old");
	free(got);
	CHECK_INT(count_prefix("keep.out.tmp."), 0);
	ha_atomic_abort(&a); /* twice is harmless */
}

/* HA_ATOMIC_PID_TEMP (the reports' temporaries): the name carries our pid
 * while the file is written; a leftover of ours is removed once and a link
 * there is never written through. */
static void atomic_pid_temp(void)
{
	struct ha_atomic a;
	struct ha_err err;
	char name[64], *got;

	ha_err_clear(&err);
	snprintf(name, sizeof name, "p.out.tmp-%ld", (long)getpid());
	CHECK_INT(tu_write(in_tmp(name), "stale", 5), 0);
	CHECK_INT(ha_atomic_open_flags(&a, in_tmp("p.out"), 0644,
	                               HA_ATOMIC_PID_TEMP | HA_ATOMIC_DIR_SYNC_BEST_EFFORT, &err),
	          HA_OK);
	CHECK_STR(a.tmp, in_tmp(name));
	CHECK_INT(count_prefix("p.out.tmp-"), 1);
	CHECK_INT(ha_atomic_write(&a, "new", 3, &err), HA_OK);
	CHECK_INT(ha_atomic_commit(&a, &err), HA_OK);
	CHECK_INT(count_prefix("p.out.tmp-"), 0);
	got = tu_read(in_tmp("p.out"), NULL);
	CHECK_STR(got, "new");
	free(got);
	/* A symbolic link where the temporary goes is replaced, not followed. */
	CHECK_INT(tu_write(in_tmp("p.target"), "keep", 4), 0);
	CHECK_INT(symlink("p.target", in_tmp(name)), 0);
	CHECK_INT(ha_atomic_open_flags(&a, in_tmp("p.out"), 0644, HA_ATOMIC_PID_TEMP, &err), HA_OK);
	ha_atomic_abort(&a);
	CHECK_INT(count_prefix("p.out.tmp-"), 0);
	got = tu_read(in_tmp("p.target"), NULL);
	CHECK_STR(got, "keep");
	free(got);
}

int main(int argc, char **argv)
{
	static const struct check_case cases[] = {
	        CHECK_CASE(atomic_writes_whole_file),
	        CHECK_CASE(atomic_replaces_links),
	        CHECK_CASE(atomic_failures_leave_destination),
	        CHECK_CASE(atomic_pid_temp),
	};
	int rc;

	tmp = tu_tempdir("atomic");
	if (!tmp)
		return 1;
	rc = check_run(cases, sizeof cases / sizeof cases[0], argc, argv);
	if (!rc)
		tu_rmtree(tmp);
	free(tmp);
	return rc;
}
