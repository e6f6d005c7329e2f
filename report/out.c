/* out.c: atomic output files (see ha_report.h).
 *
 * A report is written to "<path>.tmp-<pid>" beside its destination, synced,
 * renamed over the destination, and the folder is synced, so that a reader,
 * a crash or a full disk never leaves a half-written report under the real
 * name.  On any failure the temporary file is removed and the destination
 * is left as it was.  A temporary file left by a process that was killed
 * outright is removed by the next scan of the folder or the next report
 * written into it (ha_report_remove_stale).
 *
 * The report set (ha_report_write_all) is written here too, in one order,
 * with the file names in ha_report.h, for `scan` and `report` alike.
 *
 * TEST-ONLY FAULT.  HIVEAUDIT_TEST_FAULT=enospc makes every output file
 * fail with ENOSPC after half of its first block is written, and
 * enospc:NAME only the file whose name (without the folder) is NAME, so
 * that the tests can check the handling of a full disk where no small
 * file system can be mounted.  Nothing else reads it here. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ha_report.h"

/* The test-only "disk full" fault applies to this file. */
static int fault_enospc(const char *path)
{
	const char *f = getenv("HIVEAUDIT_TEST_FAULT"), *base;

	if (!f || strncmp(f, "enospc", 6) != 0)
		return 0;
	if (f[6] == '\0')
		return 1;
	if (f[6] != ':')
		return 0;
	base = strrchr(path, '/');
	return strcmp(f + 7, base ? base + 1 : path) == 0;
}

/* Makes a rename in the folder holding `path` durable; best effort. */
static void sync_parent(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? ha_strndup(path, slash == path ? 1 : (size_t)(slash - path))
	                  : ha_strdup(".");
	int fd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(dir);
}

int ha_out_open(struct ha_out *o, const char *path, struct ha_err *err)
{
	int e = 0, attempt;

	memset(o, 0, sizeof *o);
	o->fd = -1;
	o->path = ha_strdup(path);
	o->tmp = ha_asprintf("%s.tmp-%ld", path, (long)getpid());
	if (!o->path || !o->tmp) {
		ha_out_abort(o);
		return ha_err_set(err, HA_ERR_NOMEM, "out of memory");
	}
	/* Created afresh: a leftover of an earlier process with our pid is
	 * removed once, and never written through (nor a link put there). */
	for (attempt = 0; attempt < 2 && o->fd < 0; attempt++) {
		o->fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
		e = errno;
		if (o->fd < 0 && (e != EEXIST || unlink(o->tmp) != 0))
			break;
	}
	if (o->fd < 0) {
		free(o->tmp);
		o->tmp = NULL; /* not ours: never unlinked */
		ha_out_abort(o);
		return ha_err_sys(err, HA_ERR_IO, e, "cannot write '%s'", path);
	}
	return HA_OK;
}

int ha_out_write(struct ha_out *o, struct ha_buf *b, struct ha_err *err)
{
	const char *p = b->data;
	size_t left = b->len;

	if (ha_buf_status(b)) {
		o->failed = 1;
		return ha_err_set(err, ha_buf_status(b), "'%s': output too large or out of memory",
		                  o->path);
	}
	if (o->failed) { /* an earlier write failed: the file is lost already */
		ha_buf_truncate(b, 0);
		return ha_err_sys(err, HA_ERR_IO, o->err_no, "cannot write '%s'", o->path);
	}
	if (fault_enospc(o->path)) {
		left /= 2; /* a partial write, then the disk is full */
		o->failed = 1;
		o->err_no = ENOSPC;
	}
	while (left) {
		ssize_t n = write(o->fd, p, left);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			o->failed = 1;
			o->err_no = n < 0 ? errno : EIO;
			break;
		}
		p += n;
		left -= (size_t)n;
	}
	ha_buf_truncate(b, 0);
	if (o->failed)
		return ha_err_sys(err, HA_ERR_IO, o->err_no, "cannot write '%s'", o->path);
	return HA_OK;
}

int ha_out_commit(struct ha_out *o, struct ha_err *err)
{
	int rc = HA_OK;

	if (o->failed)
		rc = ha_err_sys(err, HA_ERR_IO, o->err_no, "cannot write '%s'", o->path);
	else if (fsync(o->fd) != 0)
		rc = ha_err_sys(err, HA_ERR_IO, errno, "cannot write '%s'", o->path);
	else if (close(o->fd) != 0) {
		o->fd = -1;
		rc = ha_err_sys(err, HA_ERR_IO, errno, "cannot write '%s'", o->path);
	} else {
		o->fd = -1;
		if (rename(o->tmp, o->path) != 0)
			rc = ha_err_sys(err, HA_ERR_IO, errno, "cannot write '%s'", o->path);
	}
	if (rc) {
		ha_out_abort(o);
		return rc;
	}
	sync_parent(o->path);
	free(o->tmp);
	free(o->path);
	memset(o, 0, sizeof *o);
	o->fd = -1;
	return HA_OK;
}

void ha_out_abort(struct ha_out *o)
{
	if (o->fd >= 0)
		close(o->fd);
	if (o->tmp)
		unlink(o->tmp);
	free(o->tmp);
	free(o->path);
	memset(o, 0, sizeof *o);
	o->fd = -1;
}

/* ---------------------------------------------------------- the report set */

static const char *const report_names[] = {HA_REPORT_FINDINGS_CSV, HA_REPORT_HOSTS_CSV,
                                           HA_REPORT_CHANGES_CSV, HA_REPORT_HTML_NAME,
                                           HA_REPORT_JSONL};

/* changes.csv only when the store holds an earlier run of the same paths
 * (ha_report_changes_csv removes a stale one otherwise). */
static int write_changes(struct ha_store *st, int64_t run_id, const char *path, struct ha_err *err)
{
	int written;

	return ha_report_changes_csv(st, run_id, path, &written, err);
}

void ha_report_remove_stale(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d)) != NULL) {
		size_t i;

		for (i = 0; i < sizeof report_names / sizeof report_names[0]; i++) {
			size_t n = strlen(report_names[i]);
			uint64_t pid;
			char *p;

			if (strncmp(e->d_name, report_names[i], n) != 0 ||
			    strncmp(e->d_name + n, ".tmp-", 5) != 0 ||
			    ha_parse_u64(e->d_name + n + 5, &pid) != HA_OK || pid == 0 ||
			    pid > 0x7FFFFFFF)
				continue;
			if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
				continue; /* alive (a `report` writing here), or not ours to judge
				           */
			p = ha_asprintf("%s/%s", dir, e->d_name);
			if (p)
				unlink(p);
			free(p);
		}
	}
	if (d)
		closedir(d);
}

typedef int (*report_fn)(struct ha_store *st, int64_t run_id, const char *path, struct ha_err *err);

int ha_report_write_all(struct ha_store *st, int64_t run_id, const char *dir, unsigned formats,
                        volatile sig_atomic_t *stop, struct ha_err *err)
{
	static const struct {
		unsigned format;
		const char *name;
		report_fn write;
	} seq[] = {
	        {HA_REPORT_CSV, HA_REPORT_FINDINGS_CSV, ha_report_findings_csv},
	        {HA_REPORT_CSV, HA_REPORT_HOSTS_CSV, ha_report_hosts_csv},
	        {HA_REPORT_CSV, HA_REPORT_CHANGES_CSV, write_changes},
	        {HA_REPORT_HTML, HA_REPORT_HTML_NAME, ha_report_html},
	        {HA_REPORT_JSON, HA_REPORT_JSONL, ha_report_jsonl},
	};
	size_t i;
	int rc = HA_OK;

	ha_report_remove_stale(dir);
	for (i = 0; !rc && i < sizeof seq / sizeof seq[0]; i++) {
		char *p;

		if (!(formats & seq[i].format))
			continue;
		/* A stop request is honoured between two files, never inside one. */
		if (stop && *stop)
			return ha_err_set(err, HA_ERR_INTERRUPTED, "interrupted");
		p = ha_asprintf("%s/%s", dir, seq[i].name);
		rc = p ? seq[i].write(st, run_id, p, err) : HA_ERR_NOMEM;
		free(p);
	}
	if (rc == HA_ERR_NOMEM && !err->msg[0])
		ha_err_set(err, rc, "out of memory");
	return rc;
}
