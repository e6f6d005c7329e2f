/* ha_scan.h: the scan pipeline as a library, in DESIGN.md's order:
 * discover the hosts under the given paths, read each in a worker process
 * (or take its saved snapshot when its files did not change: scan/reuse.c
 * says what that means), evaluate the
 * rules, store whole hosts, and write the reports from the store.
 *
 * The library never prints, never exits and installs no signal handler:
 * the caller (cli/cmd_scan.c, the tests) owns the terminal, the signals
 * and the exit status.  Everything it found out is in the result and in
 * `err`. */
#ifndef HA_SCAN_H
#define HA_SCAN_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "ha_common.h"
#include "ha_report.h"
#include "ha_rules.h"

/* The store's file name inside the output folder. */
#define HA_SCAN_DB_NAME "audit.db"
/* The lock file that keeps a second scan out of the output folder. */
#define HA_SCAN_LOCK_NAME ".hiveaudit.lock"

/* What the progress callback is told. */
enum ha_scan_event {
	HA_SCAN_EV_READING = 1, /* discovery done: `total` hosts to read or reuse */
	HA_SCAN_EV_HOST,        /* one more host stored (`done` of `total`) */
	HA_SCAN_EV_READ_END,    /* reading ended (complete or stopped) */
	HA_SCAN_EV_REPORTS,     /* the run is complete in the store; reports next */
};

struct ha_scan_progress {
	enum ha_scan_event event;
	size_t done, total;
};

/* Called in the scanning process; may set *opts->stop to stop the scan. */
typedef void (*ha_scan_progress_fn)(void *ctx, const struct ha_scan_progress *p);
/* A line the caller should show the user (a waiver that expired or matched
 * nothing); it is also a note of the run.  `text` lives for the call. */
typedef void (*ha_scan_message_fn)(void *ctx, const char *text);

/* Everything a scan needs.  All pointers are borrowed for the duration of
 * ha_scan_run(); zero fields take the defaults named. */
struct ha_scan_opts {
	const char *const *paths; /* PATH arguments: fleet folders, host folders, hive files */
	size_t npaths;
	const char *out;                /* output folder (created with its parents) */
	const struct ha_ruleset *rules; /* loaded rules (required) */
	struct ha_waivers *waivers;     /* accepted exceptions (--waivers), checked against
	                                   the rules by the caller; the scan counts their matches
	                                   in it; NULL: none */
	int64_t as_of;                  /* audit date, Unix seconds */
	unsigned jobs;                  /* worker processes at once (0: 1) */
	unsigned timeout_sec;           /* wall-clock and CPU limit per host (0: none) */
	uint64_t worker_mem;            /* address-space limit per worker in bytes (0: none) */
	const char *const *passwords;   /* for encrypted containers, tried in order (may be NULL) */
	size_t npasswords;
	int rescan;                   /* read every host, even unchanged ones */
	int no_replay;                /* read dirty hives without their logs */
	int no_hash;                  /* --hash none: hive files are not hashed; their SHA-256
	                                 reads HA_HASH_NOT_COMPUTED everywhere */
	uint64_t container_hash_max;  /* containers larger than this (bytes, all segments) are not
	                                 hashed (0: 4 GiB; UINT64_MAX: no limit) */
	int verify;                   /* read and hash every host, and report files whose bytes
	                                 changed under an unchanged identity (not with no_hash) */
	unsigned shard_k, shard_n;    /* --shard K/N: only the hosts of shard K of N (ingest's
	                                 ha_fleet_shard); shard_n 0: every host */
	unsigned formats;             /* HA_REPORT_* bits (0: no reports) */
	const char *command;          /* the command line, recorded with the run (may be NULL) */
	volatile sig_atomic_t *stop;  /* non-zero: stop as soon as possible (may be NULL) */
	ha_scan_progress_fn progress; /* may be NULL */
	void *progress_ctx;
	ha_scan_message_fn message; /* may be NULL */
	void *message_ctx;
	const char *fault; /* test-only worker faults (HIVEAUDIT_TEST_FAULT), or NULL */
};

/* How far the run got, as the store records it. */
enum ha_scan_state {
	HA_SCAN_NOT_STARTED = 0, /* no run was recorded (rules, paths, lock, store, stop) */
	HA_SCAN_FAILED,          /* the run is recorded 'failed' (or left for the next scan) */
	HA_SCAN_INTERRUPTED,     /* stopped while reading: recorded 'interrupted' */
	HA_SCAN_COMPLETE,        /* complete in the store (the reports may still have failed) */
};

struct ha_scan_result {
	enum ha_scan_state state;
	int64_t run_id;                 /* 0 when no run was recorded */
	size_t hosts_found;             /* hosts discovered */
	size_t dirs_unreadable;         /* folders discovery could not read */
	size_t dirs_deep;               /* folders not entered: past the depth limit */
	long hosts;                     /* hosts stored in this run */
	long ready, not_ready, unknown; /* host verdicts */
	long ready_with_waivers;        /* not_ready but for FAILs that unexpired waivers cover */
	long reused;                    /* hosts re-evaluated from a saved snapshot */
	long fails;                     /* FAIL findings not covered by an unexpired waiver */
	long verify_changed;            /* --verify: files changed under an unchanged identity */
	int reports_written;            /* every requested report is in place */
};

/* Runs one scan into opts->out.  HA_OK: the run is complete in the store
 * and the reports are written.  Otherwise `err` says why and res->state
 * how far it got: HA_ERR_INTERRUPTED when *opts->stop was set (with state
 * NOT_STARTED, INTERRUPTED, or COMPLETE when only the reports were left),
 * HA_ERR_USAGE for paths that do not exist or verify with no_hash, HA_ERR_BUSY when another scan
 * holds the folder, HA_ERR_IO / HA_ERR_STORE when the output cannot be
 * written.  A damaged or hostile hive is never an error: it is a status in
 * the store.  `res` is filled in every case; it owns nothing. */
HA_MUST_CHECK int ha_scan_run(const struct ha_scan_opts *opts, struct ha_scan_result *res,
                              struct ha_err *err);

/* Appends the command line a run records ("hiveaudit scan ..." from the
 * verb's argv) to b: the value of --password and of --password=... is
 * written "(password)", so the store never keeps a password. */
void ha_scan_command_line(struct ha_buf *b, int argc, char *const *argv);

/* ------------------------------------------------------------- merging */

/* One run from the stores of a sharded scan (docs/sharding.md). */
struct ha_scan_merge_opts {
	const char *const *stores; /* the shards' audit.db files (only read) */
	size_t nstores;
	const char *out;             /* output folder, taken as a scan takes it */
	int allow_partial;           /* accept a split with shards missing */
	unsigned formats;            /* HA_REPORT_* bits */
	const char *command;         /* recorded with the merged run (may be NULL) */
	volatile sig_atomic_t *stop; /* checked before the reports (may be NULL) */
};

/* Merges the newest complete run of every store into one new run in
 * opts->out's store (ha_store_merge: what is refused and why), then writes
 * its reports.  HA_OK: merged and reported; res holds the run id, host
 * verdicts and FAIL count (state COMPLETE once the run is stored, even if a
 * report then failed).  HA_ERR_USAGE: stores that do not belong together
 * (the destination is left as it was); HA_ERR_BUSY: another scan or merge
 * holds the folder; HA_ERR_STORE / HA_ERR_IO / HA_ERR_NOTFOUND: a store or
 * the output cannot be used.  All pointers are borrowed for the call. */
HA_MUST_CHECK int ha_scan_merge(const struct ha_scan_merge_opts *opts, struct ha_scan_result *res,
                                struct ha_err *err);

#endif
