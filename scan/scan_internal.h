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

/* What an earlier run saw of one file of a host, and what it is now. */
struct ha_scan_fingerprint {
	int skipped;   /* recorded without reading (a backup): matches by path */
	uint64_t size; /* from the saved snapshot */
	int64_t mtime_ns;
	char sha256[65]; /* as stored: a hash, or HA_HASH_NOT_COMPUTED */
	int have_saved;  /* `saved` was recorded with the saved snapshot */
	struct ha_file_identity saved;
	char saved_sha256[65]; /* the hive row's SHA-256 beside `saved` */
	int have_now;          /* `now` was taken when the plan was made */
	struct ha_file_identity now;
};

/* How a host is reused. */
enum {
	SCAN_REUSE_NONE = 0,
	SCAN_REUSE_IDENTITY, /* every identity unchanged: not read at all */
	SCAN_REUSE_HASH,     /* no identities stored: the worker compares hashes */
	SCAN_REUSE_VERIFY,   /* --verify: read, and compare the hashes afterwards */
};

struct scan_reuse_opts {
	int rescan;  /* reuse nothing, compare nothing */
	int verify;  /* read everything, compare hashes where identities held */
	int no_hash; /* --hash none: a stored "not computed" does not force a read */
};

/* The reuse plan of a run, per host (indexed like fleet->hosts): how it is
 * reused, the saved snapshot's host_id, and its files' fingerprints
 * (indexed like ha_host_job.files). */
struct scan_reuse {
	size_t nhosts;
	int *how;
	int64_t *prev;
	struct ha_scan_fingerprint **files;
};

/* Builds the plan from the store and the files' metadata (no file is
 * read). */
HA_MUST_CHECK int scan_reuse_plan(struct ha_store *st, const struct ha_fleet *fleet,
                                  const char *requests_digest, const struct scan_reuse_opts *o,
                                  struct scan_reuse *r, struct ha_err *err);
void scan_reuse_free(struct scan_reuse *r);
/* The host is unchanged by identity: it is re-evaluated from its saved
 * snapshot and never given to a worker. */
int scan_reuse_without_reading(const struct scan_reuse *r, size_t host);
/* The saved snapshot host `host` reuses when reported unchanged (0: none). */
int64_t scan_reuse_source(const struct scan_reuse *r, size_t host);
/* ha_pool_reusable_fn over a plan (ctx): the worker is to compare hashes. */
int scan_reuse_reusable(void *ctx, size_t host);
/* ha_pool_unchanged_fn over a plan (ctx): every file still has the size,
 * time and SHA-256 the saved snapshot recorded.  Runs in the worker. */
int scan_reuse_unchanged(void *ctx, size_t host, const struct ha_host_job *job);
/* --verify, on a freshly read snapshot: a file whose identity held but
 * whose SHA-256 differs from the stored one gets it said in its reason,
 * and a line in `notes`; *changed counts them. */
HA_MUST_CHECK int scan_reuse_verify(const struct scan_reuse *r, size_t host,
                                    const struct ha_host_job *h, struct ha_snapshot *snap,
                                    struct ha_buf *notes, long *changed, struct ha_err *err);
/* After host `host` was stored as `host_id` (from snapshot `snap`):
 * records the identities of its files that did not change while it was
 * read, and for a host in a container, the container, its SHA-256 and
 * each hive's path inside (with the container's identity). */
HA_MUST_CHECK int scan_reuse_record(struct ha_store *st, const struct scan_reuse *r, size_t host,
                                    const struct ha_host_job *h, const struct ha_snapshot *snap,
                                    int64_t host_id, struct ha_err *err);

/* -------------------------------------------------------------- waivers.c */

/* The waivers of a run (--waivers): NULL ws when there are none. */
struct scan_waivers {
	struct ha_waivers *ws; /* borrowed from the caller's options (matches counted) */
	int64_t *ids;          /* waiver_id of each waiver in the store */
	int64_t as_of;
};

/* Records the waivers with the run. */
HA_MUST_CHECK int scan_waivers_begin(struct scan_waivers *w, struct ha_waivers *ws, int64_t as_of,
                                     struct ha_store *st, int64_t run_id, struct ha_err *err);
/* After ha_store_put_host, in the host's transaction: applies the waivers
 * and records them.  *fails receives the FAIL findings that count (all of
 * them without waivers); *waived_ready says the host is ready with waivers. */
HA_MUST_CHECK int scan_waivers_host(struct scan_waivers *w, struct ha_store *st,
                                    const struct ha_ruleset *rs, int64_t host_id, const char *label,
                                    const char *computer_name, const struct ha_findings *fs,
                                    long *fails, int *waived_ready, struct ha_err *err);
/* Run notes, also given to `say`, for waivers that expired while still
 * matching and for stale ones (matching nothing). */
HA_MUST_CHECK int scan_waivers_end(struct scan_waivers *w, struct ha_store *st, int64_t run_id,
                                   ha_scan_message_fn say, void *ctx, struct ha_err *err);
void scan_waivers_free(struct scan_waivers *w);

#endif
