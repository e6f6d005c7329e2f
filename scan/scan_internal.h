/* scan_internal.h: what the files of scan/ share; not part of the API. */
#ifndef HA_SCAN_INTERNAL_H
#define HA_SCAN_INTERNAL_H

#include "ha_ingest.h"
#include "ha_scan.h"
#include "ha_store.h"

/* ---------------------------------------------------------------- lock.c */

/* The output folder held by this scan: its lock and its open store. */
struct scan_folder {
	int lockfd;
	struct ha_store *st;
	char *dbpath;
};

/* Creates `out` (and its parents), takes its lock (HA_ERR_BUSY when
 * another scan holds it), opens or creates the store, and repairs what a
 * scan killed outright left: runs still 'running' become 'interrupted',
 * report temporaries of dead processes are removed.  On error everything
 * is released again. */
HA_MUST_CHECK int scan_folder_open(const char *out, struct scan_folder *f, struct ha_err *err);
/* Closes the store (rolling back an open transaction) and drops the lock. */
void scan_folder_close(struct scan_folder *f);

/* --------------------------------------------------------------- reuse.c */

/* What an earlier run saw of one file of a host (incremental scans). */
struct ha_scan_fingerprint {
	int skipped;         /* recorded without reading (a backup): matches by path */
	uint64_t size;
	int64_t mtime_ns;
	char sha256[65];
};

/* The reuse plan of a run: per host, the saved snapshot it may reuse and
 * the fingerprints of its files (indexed like ha_host_job.files). */
struct scan_reuse {
	size_t nhosts;
	int64_t *prev;                        /* host_id of the saved snapshot, or 0 */
	struct ha_scan_fingerprint **files;   /* NULL where prev is 0 */
};

/* Builds the plan from the store: a host may be reused when its last
 * snapshot taken with the same requests has the same files, none of them
 * a dirty hive with logs.  With `rescan`, no host is. */
HA_MUST_CHECK int scan_reuse_plan(struct ha_store *st, const struct ha_fleet *fleet,
				  const char *requests_digest, int rescan, struct scan_reuse *r,
				  struct ha_err *err);
void scan_reuse_free(struct scan_reuse *r);
/* ha_pool_reusable_fn over a plan (ctx): the host has a saved snapshot
 * whose files match. */
int scan_reuse_reusable(void *ctx, size_t host);
/* ha_pool_unchanged_fn over a plan (ctx): every file of the host still has
 * the size, time and SHA-256 the saved snapshot recorded.  Runs in the
 * worker. */
int scan_reuse_unchanged(void *ctx, size_t host, const struct ha_host_job *job);
/* The saved snapshot host `host` reuses (0 when none). */
int64_t scan_reuse_source(const struct scan_reuse *r, size_t host);

#endif
