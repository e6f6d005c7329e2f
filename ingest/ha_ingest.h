/* ha_ingest.h: from folders of collected hives to host snapshots.
 *
 * Three stages live here: discovery (walk the given paths, recognise hive
 * files by content, group them into hosts), reading (open one host's hives
 * with hivex and extract a snapshot), and the worker pool (run each host's
 * reading in a disposable child process with time and memory limits, so a
 * crash, hang or blow-up on a hostile hive costs that host only).
 *
 * This is the only module that includes hivex.h.  It never writes the store:
 * the caller receives snapshots and decides what to do with them. */
#ifndef HA_INGEST_H
#define HA_INGEST_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "ha_common.h"
#include "ha_snapshot.h"

/* ------------------------------------------------------------- discovery */

/* One file of a host folder, as discovery saw it. */
struct ha_job_file {
	char *path;
	int hint;          /* enum ha_file_kind guessed from names (file, embedded) */
	char *hint_why;
	int is_regf;       /* starts with "regf" */
	int skip_status;   /* 0: open it; else an enum ha_hive_status to record as is */
	char *skip_reason;
	size_t nlogs;
	char **logs;       /* .LOG/.LOG1/.LOG2 beside it */
	/* Fingerprint from an earlier run (incremental scans): */
	int has_prev;
	uint64_t prev_size;
	int64_t prev_mtime_ns;
	char prev_sha256[65];
};

struct ha_host_job {
	char *label;   /* host label (CONTRACT.md "Hosts") */
	char *dir;     /* host folder */
	size_t nfiles;
	struct ha_job_file *files;
	int reuse;     /* a saved snapshot exists: report "unchanged" if every
			  file still matches its fingerprint */
};

struct ha_fleet {
	size_t nhosts;
	struct ha_host_job *hosts;
	size_t nnotes;
	char **notes;  /* files skipped and why (symlinks out, specials, ...) */
};

/* Walks `paths` (folders or files) and groups hive files into hosts, sorted
 * by host folder.  Problems with single files become notes, never errors;
 * the error return is for a PATH that does not exist or cannot be read at
 * all (HA_ERR_USAGE / HA_ERR_IO) and allocation failure. */
HA_MUST_CHECK int ha_discover(const char *const *paths, size_t npaths, struct ha_fleet *fleet,
			      struct ha_err *err);
void ha_fleet_free(struct ha_fleet *fleet);

/* --------------------------------------------------------------- reading */

struct ha_read_opts {
	int no_replay;        /* read dirty hives as they are */
	int capture_messages; /* route hivex's diagnostics into reasons (workers) */
	size_t max_value;     /* bytes kept per value (default 1 MiB) */
	size_t max_matches;   /* subkeys kept per enumeration (default 512) */
};

/* Called before each hive file is opened; `file` indexes job->files. */
typedef void (*ha_read_progress_fn)(void *ctx, size_t file);

/* Reads one host into `out` (initialised by the caller).  Problems with the
 * hives become statuses inside the snapshot; the return value is an error
 * only for allocation failure or our own bugs. */
HA_MUST_CHECK int ha_read_host(const struct ha_host_job *job, const struct ha_reqset *req,
			       const struct ha_read_opts *opts, ha_read_progress_fn progress,
			       void *ctx, struct ha_snapshot *out, struct ha_err *err);

/* A snapshot for a host whose reading never finished (the worker died):
 * every file gets `status`/`reason` unless it is in `done` (files that were
 * read completely before the failure are unknown here, so all are marked). */
HA_MUST_CHECK int ha_snapshot_from_job(const struct ha_host_job *job, struct ha_snapshot *out,
				       struct ha_err *err);

/* Assigns the SYSTEM and SOFTWARE roles from the files' kinds and statuses
 * (content decides; names only break ties).  Two readable hives of one kind
 * make a conflict: neither is used, and the reason names both. */
HA_MUST_CHECK int ha_assign_roles(struct ha_snapshot *s, struct ha_err *err);

/* ------------------------------------------------------------ worker pool */

struct ha_pool_opts {
	unsigned jobs;          /* concurrent workers (>= 1) */
	unsigned timeout_sec;   /* wall clock per host; 0 = none */
	unsigned cpu_sec;       /* RLIMIT_CPU per worker; 0 = none */
	uint64_t mem_bytes;     /* RLIMIT_AS per worker; 0 = none */
	const struct ha_read_opts *read;
	volatile sig_atomic_t *stop; /* set by a signal handler: stop early */
	const char *fault;      /* test-only fault injection (HIVEAUDIT_TEST_FAULT) */
};

/* Result callback, called in the parent in completion order.  `snap` is
 * NULL when the host was reported unchanged (see ha_host_job.reuse);
 * otherwise the callee owns it.  A non-zero return stops the pool. */
typedef int (*ha_pool_result_fn)(void *ctx, size_t host, struct ha_snapshot *snap,
				 struct ha_err *err);

/* Reads fleet->hosts[todo[i]] for every i, at most opts->jobs at a time.
 * A worker that crashes, hangs or exceeds a limit yields a snapshot whose
 * hives say so ("worker killed by signal 11 while reading SOFTWARE"); the
 * host is retried without the hive that killed it, so its other hive is
 * still read.  Returns HA_ERR_INTERRUPTED when *stop was set (workers are
 * killed and reaped first), or the callback's error. */
HA_MUST_CHECK int ha_pool_run(const struct ha_fleet *fleet, const size_t *todo, size_t ntodo,
			      const struct ha_reqset *req, const struct ha_pool_opts *opts,
			      ha_pool_result_fn fn, void *ctx, struct ha_err *err);

/* ------------------------------------------------------- base block tools */

/* Parses the base block at p (n >= 4096): HA_OK, or HA_ERR_FORMAT when the
 * bytes are not a regf header.  Exposed for tests and fuzzing. */
HA_MUST_CHECK int ha_baseblock_parse(const uint8_t *p, size_t n, struct ha_baseblock *bb);
int ha_baseblock_dirty(const struct ha_baseblock *bb);

#endif
