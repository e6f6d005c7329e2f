/* lock.c: the output folder of a scan, held by one scan at a time.
 *
 * DIR/.hiveaudit.lock is flock()ed for the whole scan, so that two scans
 * never write one store.  Holding it also proves that no live scan is
 * writing a run still marked 'running': such a run was killed outright
 * (SIGKILL, power loss), and is marked 'interrupted' here, with the report
 * temporaries its process left.  A `report` writing into the same folder
 * does not take the lock; the reports' temporaries carry their writer's
 * pid, and only those of dead processes are removed. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scan_internal.h"

struct run_status {
	int found;
	enum ha_run_state state;
};

static int run_status_cb(void *ctx, const struct ha_run_row *r)
{
	struct run_status *rs = ctx;

	rs->found = 1;
	rs->state = r->status;
	return 0;
}

/* Runs still 'running' were killed outright: we hold the folder's lock, so
 * no live scan is writing them.  They become 'interrupted' (finished_at is
 * when this was noticed), newest first, down to the first that ended. */
static int close_stale_runs(struct ha_store *st, struct ha_err *err)
{
	int64_t id = 0;
	int rc = ha_store_latest_run(st, &id, err);

	for (; !rc && id > 0; id--) {
		struct run_status rs = {0, HA_RUN_RUNNING};

		rc = ha_store_get_run(st, id, run_status_cb, &rs, err);
		if (rc || !rs.found || rs.state != HA_RUN_RUNNING)
			break;
		rc = ha_store_run_end(st, id, HA_RUN_INTERRUPTED, err);
	}
	return rc;
}

int scan_folder_open(const char *out, struct scan_folder *f, struct ha_err *err)
{
	char *lockpath = NULL;
	int rc;

	memset(f, 0, sizeof *f);
	f->lockfd = -1;
	rc = ha_mkdirs(out, err);
	if (rc)
		return rc;
	lockpath = ha_asprintf("%s/%s", out, HA_SCAN_LOCK_NAME);
	f->dbpath = ha_asprintf("%s/%s", out, HA_SCAN_DB_NAME);
	if (!lockpath || !f->dbpath) {
		rc = ha_err_nomem(err);
		goto fail;
	}
	f->lockfd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (f->lockfd < 0) {
		rc = ha_err_set(err, HA_ERR_IO, "cannot write to '%s': %s", out, strerror(errno));
		goto fail;
	}
	if (flock(f->lockfd, LOCK_EX | LOCK_NB) != 0) {
		rc = ha_err_set(err, HA_ERR_BUSY, "another hiveaudit scan is writing to '%s'", out);
		goto fail;
	}
	rc = ha_store_open(f->dbpath, HA_STORE_CREATE, &f->st, err);
	if (!rc)
		rc = close_stale_runs(f->st, err);
	if (rc)
		goto fail;
	ha_report_remove_stale(out);
	free(lockpath);
	return HA_OK;
fail:
	free(lockpath);
	scan_folder_close(f);
	return rc;
}

void scan_folder_close(struct scan_folder *f)
{
	ha_store_close(f->st);
	if (f->lockfd >= 0)
		close(f->lockfd);
	free(f->dbpath);
	memset(f, 0, sizeof *f);
	f->lockfd = -1;
}
