/* out.c: the report files, each written atomically (see ha_report.h).
 *
 * A report goes through common/atomic.c with a temporary name carrying the
 * pid ("<path>.tmp-<pid>" beside its destination): it is synced, renamed
 * over the destination and the folder is synced, so that a reader, a crash
 * or a full disk never leaves a half-written report under the real name.
 * On any failure the temporary file is removed and the destination is left
 * as it was.  A temporary file left by a process that was killed outright
 * is removed by the next scan of the folder or the next report written
 * into it (ha_report_remove_stale), which the pid lets it judge.
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

int ha_out_open(struct ha_out *o, const char *path, struct ha_err *err)
{
	o->failed = 0;
	/* The pid in the temporary name lets the stale sweep below judge it;
	 * a report whose folder cannot be synced is still whole. */
	return ha_atomic_open_flags(&o->a, path, 0644,
	                            HA_ATOMIC_PID_TEMP | HA_ATOMIC_DIR_SYNC_BEST_EFFORT, err);
}

int ha_out_write(struct ha_out *o, struct ha_buf *b, struct ha_err *err)
{
	size_t left = b->len;
	int rc;

	if (ha_buf_status(b)) {
		o->failed = 1;
		return ha_err_set(err, ha_buf_status(b), "'%s': output too large or out of memory",
		                  o->a.path);
	}
	if (o->failed) { /* an earlier write failed: the file is lost already */
		ha_buf_truncate(b, 0);
		return ha_err_sys(err, HA_ERR_IO, o->a.err_no, "cannot write '%s'", o->a.path);
	}
	if (fault_enospc(o->a.path))
		left /= 2; /* a partial write, then the disk is full */
	rc = ha_atomic_write(&o->a, b->data, left, err);
	if (!rc && left < b->len) {
		o->a.err_no = ENOSPC;
		rc = ha_err_sys(err, HA_ERR_IO, ENOSPC, "cannot write '%s'", o->a.path);
	}
	if (rc)
		o->failed = 1;
	ha_buf_truncate(b, 0);
	return rc;
}

int ha_out_commit(struct ha_out *o, struct ha_err *err)
{
	int rc;

	if (o->failed) {
		rc = ha_err_sys(err, HA_ERR_IO, o->a.err_no, "cannot write '%s'", o->a.path);
		ha_out_abort(o);
		return rc;
	}
	rc = ha_atomic_commit(&o->a, err);
	o->failed = 0;
	return rc;
}

void ha_out_abort(struct ha_out *o)
{
	ha_atomic_abort(&o->a);
	o->failed = 0;
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
		ha_err_nomem(err);
	return rc;
}
