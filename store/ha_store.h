/* ha_store.h: the SQLite store of audit runs.
 *
 * One file holds the history of many runs: each run keeps its own hosts,
 * hives, findings and evidence (docs/store.md describes the schema).  The
 * program creates and migrates the schema itself.  Only one process writes,
 * in transactions, with bound parameters; a host's rows are committed
 * together, so an interrupted run leaves whole hosts or nothing.
 *
 * This is the only module that includes sqlite3.h.  SQLite errors become
 * HA_ERR_STORE (HA_ERR_BUSY when another process holds the lock).
 *
 * Reading is done with callbacks over rows: the strings in a row struct
 * are valid only during the callback (they point into SQLite's buffers),
 * which keeps memory flat however large the fleet is.
 *
 * Every ha_*_cb below is called once per row and returns 0 to be given the
 * next row.  A non-zero return stops the walk at once (no further row is
 * read and the callback is not called again) and the walk function returns
 * that value unchanged, without touching `err`: a callback that fails fills
 * `err` itself, and one that has found what it wanted may return any
 * non-zero value its caller recognises (tests/test_store.c,
 * test_callback_stops_walk).  A walk that reads every row returns HA_OK, or
 * the store's own error with `err` filled. */
#ifndef HA_STORE_H
#define HA_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "ha_common.h"
#include "ha_snapshot.h"

#define HA_STORE_SCHEMA_VERSION 6

struct ha_store;

enum { HA_STORE_CREATE = 1, HA_STORE_READONLY = 2 };

/* The state of a run (runs.status, docs/store.md): running while a scan or
 * merge writes it, then complete, interrupted (stopped by a signal, or
 * found still running by the next scan of its folder) or failed. */
enum ha_run_state {
	HA_RUN_RUNNING = 0,
	HA_RUN_COMPLETE,
	HA_RUN_INTERRUPTED,
	HA_RUN_FAILED,
	HA_NRUN_STATES
};
/* "running", "complete", "interrupted", "failed"; "?" out of range. */
const char *ha_run_state_name(int state);
/* HA_RUN_RUNNING.. from its name (exact); -1 when unknown. */
int ha_run_state_from_name(const char *name);

/* Statuses, verdicts and run states are stored as their names (the text
 * docs/store.md lists) and cross this API as enums: the writers take an
 * enum, the readers give one.  A name that no enum knows (a store edited by
 * hand, or written by another program) is read as the value that claims
 * least: finding status HA_UNKNOWN, hive status HA_HS_UNREADABLE, verdict
 * HA_VERDICT_UNKNOWN, run state HA_RUN_FAILED. */

/* Opens (and with HA_STORE_CREATE creates and migrates) the store at path.
 * HA_STORE_READONLY never writes to the file or its folder: in a folder the
 * user cannot write (read-only media), a store still in WAL mode is read
 * immutable, or refused (HA_ERR_STORE, with the reason) when its
 * write-ahead log holds transactions not yet in the file.  *out is the
 * caller's, freed with ha_store_close; NULL on error. */
HA_MUST_CHECK int ha_store_open(const char *path, int flags, struct ha_store **out,
                                struct ha_err *err);
/* Closes the store.  A store opened for writing is left in rollback
 * journal mode when no other connection holds it, so that it can be read
 * anywhere (docs/store.md).  NULL is a no-op. */
void ha_store_close(struct ha_store *st);

/* --------------------------------------------------------------- writing */

struct ha_run_meta {
	const char *tool_version;
	const char *as_of; /* audit date, ISO 8601 */
	const char *rules_digest;
	const char *requests_digest;
	const char *paths;   /* the PATH arguments, newline-separated */
	const char *command; /* the command line, for the record */
	long hosts_total;
};

struct ha_store_rule {
	const char *id, *title, *severity, *category, *source, *applies, *remedy, *reg, *origin;
	int decides; /* ha_rule_info.decides (stored as rules.counts) */
};

HA_MUST_CHECK int ha_store_run_begin(struct ha_store *st, const struct ha_run_meta *m,
                                     int64_t *run_id, struct ha_err *err);
HA_MUST_CHECK int ha_store_put_rules(struct ha_store *st, int64_t run_id,
                                     const struct ha_store_rule *rules, size_t n,
                                     struct ha_err *err);
HA_MUST_CHECK int ha_store_put_note(struct ha_store *st, int64_t run_id, const char *text,
                                    struct ha_err *err);
/* Records that the run holds shard "K/N" of a split collection (scan
 * --shard); merge checks the shards of a split against it. */
HA_MUST_CHECK int ha_store_run_set_shard(struct ha_store *st, int64_t run_id, unsigned k,
                                         unsigned n, struct ha_err *err);
/* Marks the run complete, interrupted or failed, with the finish time. */
HA_MUST_CHECK int ha_store_run_end(struct ha_store *st, int64_t run_id, enum ha_run_state state,
                                   struct ha_err *err);

HA_MUST_CHECK int ha_store_begin(struct ha_store *st, struct ha_err *err);
HA_MUST_CHECK int ha_store_commit(struct ha_store *st, struct ha_err *err);
void ha_store_rollback(struct ha_store *st);

/* Writes one host with its hives, findings and evidence (inside the
 * caller's transaction).  reused_from is the host_id whose saved snapshot
 * was re-evaluated, or 0. */
HA_MUST_CHECK int ha_store_put_host(struct ha_store *st, int64_t run_id,
                                    const struct ha_snapshot *s, const struct ha_facts *f,
                                    const struct ha_findings *fs, int64_t reused_from,
                                    int64_t *host_id, struct ha_err *err);

/* A waiver file's entry as this run applied it (docs/store.md, "waivers"):
 * hosts and rules one per line; expired at the run's audit date. */
struct ha_store_waiver {
	const char *file;
	int line;
	const char *hosts, *rules, *reason, *approver, *expires, *ticket;
	int expired;
};
HA_MUST_CHECK int ha_store_put_waiver(struct ha_store *st, int64_t run_id,
                                      const struct ha_store_waiver *w, int64_t *waiver_id,
                                      struct ha_err *err);
/* Inside the host's transaction, after ha_store_put_host: the waiver that
 * covered the host's finding of rule_id, and the verdict after waivers
 * when they changed it (HA_READY_WITH_WAIVERS or HA_VERDICT_UNKNOWN). */
HA_MUST_CHECK int ha_store_put_waived(struct ha_store *st, int64_t host_id, const char *rule_id,
                                      int64_t waiver_id, int expired, struct ha_err *err);
HA_MUST_CHECK int ha_store_put_waived_verdict(struct ha_store *st, int64_t host_id,
                                              enum ha_verdict verdict, const char *reason,
                                              struct ha_err *err);

/* The most recent stored snapshot of the host folder `dir` taken with the
 * same requests: *host_id is 0 when there is none.  The snapshot is decoded
 * into `out` (initialised by the caller). */
HA_MUST_CHECK int ha_store_previous(struct ha_store *st, const char *dir,
                                    const char *requests_digest, int64_t *host_id,
                                    struct ha_snapshot *out, struct ha_err *err);

/* What identifies a file's content without reading it, as git's index
 * does: a write changes the change time, and a replaced file has another
 * inode. */
struct ha_file_identity {
	uint64_t dev, ino, size;
	int64_t mtime_ns, ctime_ns;
};

/* Records the identity of the hive file `path` stored with host `host_id`
 * (inside the caller's transaction).  Only a row whose size and mtime_ns
 * equal the identity's is updated, so an identity never vouches for bytes
 * other than those read. */
HA_MUST_CHECK int ha_store_set_identity(struct ha_store *st, int64_t host_id, const char *path,
                                        const struct ha_file_identity *id, struct ha_err *err);
/* The identity and SHA-256 text recorded for `path` of host `host_id`:
 * *found is 0 when none was recorded (older stores, files not read).
 * `sha256` receives the stored text, "" when none. */
HA_MUST_CHECK int ha_store_get_identity(struct ha_store *st, int64_t host_id, const char *path,
                                        struct ha_file_identity *id, char sha256[65], int *found,
                                        struct ha_err *err);

/* Where a hive read from inside a collection container came from (all
 * borrowed for the call): the container file as given, its SHA-256 (NULL
 * or "" when it was not computed), the path inside ("partition 2 (NTFS) ›
 * /Windows/System32/config/SYSTEM"), and the container file's identity
 * before it was read (NULL when it could not be had or changed while it
 * was read). */
struct ha_hive_container {
	const char *file, *sha256, *inner;
	const struct ha_file_identity *id;
};
/* Records c on the hive row `path` of host `host_id` (inside the caller's
 * transaction). */
HA_MUST_CHECK int ha_store_set_container(struct ha_store *st, int64_t host_id, const char *path,
                                         const struct ha_hive_container *c, struct ha_err *err);
/* The container identity recorded for `path` of host `host_id` read from
 * `container`, and the hive's own SHA-256 text beside it: *found is 0 when
 * none was recorded (a plain file, older stores, a container that changed
 * while it was read). */
HA_MUST_CHECK int ha_store_get_container_identity(struct ha_store *st, int64_t host_id,
                                                  const char *path, const char *container,
                                                  struct ha_file_identity *id, char sha256[65],
                                                  int *found, struct ha_err *err);

/* Decodes the snapshot saved with host `host_id` into `out`. */
HA_MUST_CHECK int ha_store_load_snapshot(struct ha_store *st, int64_t host_id,
                                         struct ha_snapshot *out, struct ha_err *err);

/* --------------------------------------------------------------- reading */

struct ha_run_row {
	int64_t run_id;
	const char *started_at, *finished_at, *tool_version, *as_of, *paths;
	enum ha_run_state status;
	long hosts_total, hosts_stored;
};

struct ha_host_row {
	int64_t host_id;
	const char *label, *dir, *computer_name, *hostname, *domain, *os_family, *product_name;
	const char *nt_version, *installation_type, *edition, *product_type, *product, *arch;
	long build, ubr, sp;
	long control_set;
	const char *control_set_source, *verdict_reason, *note;
	enum ha_verdict verdict;                    /* after waivers */
	enum ha_hive_status hive_status[HA_NROLES]; /* SYSTEM, SOFTWARE */
	long findings_by_status[HA_NSTATUS];        /* the host's findings per status */
	int64_t reused_from;
};

struct ha_hive_row {
	int64_t hive_id;
	const char *role, *kind, *kind_why, *path, *reason, *sha256, *embedded_name;
	enum ha_hive_status status;
	const char *last_written, *logs, *replay;
	/* Read from inside a container: the container file as given, its
	 * SHA-256 and the path inside; "" for a plain file. */
	const char *container, *container_sha256, *inner_path;
	int64_t size;
	long seq1, seq2, checksum_ok, dirty, degraded;
};

struct ha_finding_row {
	int64_t finding_id, host_id;
	const char *label, *computer_name, *dir;
	const char *rule_id, *severity, *title, *category, *observed, *expected, *reason;
	enum ha_status status;
	const char *remedy, *reg;
	/* its evidence rows in the order they were stored, as
	 * ha_store_each_evidence gives them (report/evidence.c renders them) */
	const struct ha_evidence_row *evidence;
	size_t nevidence;
	const char *hive_files; /* the hive files the evidence came from */
	const char *hive_sha256;
	/* The waiver that covered it: waived is "yes", "expired" (it no longer
	 * counts) or "" (none; the other fields are "" and line -1). */
	const char *waived, *waiver_reason, *waiver_expires, *waiver_approver, *waiver_ticket;
	const char *waiver_file;
	long waiver_line;
};

struct ha_evidence_row {
	const char *role, *hive_path, *hive_sha256, *control_set, *key_path, *value_name;
	const char *value_type, *data, *last_write, *note;
};

struct ha_rule_row {
	const char *id, *title, *severity, *category, *source, *applies, *remedy, *reg, *origin;
	int decides;                         /* ha_rule_info.decides */
	long findings_by_status[HA_NSTATUS]; /* the run's findings of this rule per status */
};

/* Most recent run (0 when the store has none). */
HA_MUST_CHECK int ha_store_latest_run(struct ha_store *st, int64_t *run_id, struct ha_err *err);
/* Most recent run whose status is 'complete' (0 when there is none): the
 * run read-only verbs show by default (cli_pick_run in cli/). */
HA_MUST_CHECK int ha_store_latest_complete_run(struct ha_store *st, int64_t *run_id,
                                               struct ha_err *err);
/* 0: the next row; non-zero: stop, and the walk returns it (see the top). */
typedef int (*ha_run_cb)(void *ctx, const struct ha_run_row *r);
HA_MUST_CHECK int ha_store_get_run(struct ha_store *st, int64_t run_id, ha_run_cb cb, void *ctx,
                                   struct ha_err *err);
/* 0: the next row; non-zero: stop, and the walk returns it (see the top). */
typedef int (*ha_host_cb)(void *ctx, const struct ha_host_row *h);
/* Hosts of a run ordered by label then folder; `label` (may be NULL)
 * restricts to hosts with that label or computer name. */
HA_MUST_CHECK int ha_store_each_host(struct ha_store *st, int64_t run_id, const char *label,
                                     ha_host_cb cb, void *ctx, struct ha_err *err);
/* The host row `host_id` (any run); cb is not called when there is none. */
HA_MUST_CHECK int ha_store_get_host(struct ha_store *st, int64_t host_id, ha_host_cb cb, void *ctx,
                                    struct ha_err *err);
/* 0: the next row; non-zero: stop, and the walk returns it (see the top). */
typedef int (*ha_hive_cb)(void *ctx, const struct ha_hive_row *h);
HA_MUST_CHECK int ha_store_each_hive(struct ha_store *st, int64_t host_id, ha_hive_cb cb, void *ctx,
                                     struct ha_err *err);
/* 0: the next row; non-zero: stop, and the walk returns it (see the top). */
typedef int (*ha_finding_cb)(void *ctx, const struct ha_finding_row *f);
/* Findings of a run (host_id 0) or of one host, in host then rule order. */
HA_MUST_CHECK int ha_store_each_finding(struct ha_store *st, int64_t run_id, int64_t host_id,
                                        ha_finding_cb cb, void *ctx, struct ha_err *err);
/* 0: the next row; non-zero: stop, and the walk returns it (see the top). */
typedef int (*ha_evidence_cb)(void *ctx, const struct ha_evidence_row *e);
HA_MUST_CHECK int ha_store_each_evidence(struct ha_store *st, int64_t finding_id, ha_evidence_cb cb,
                                         void *ctx, struct ha_err *err);
/* 0: the next row; non-zero: stop, and the walk returns it (see the top). */
typedef int (*ha_rule_cb)(void *ctx, const struct ha_rule_row *r);
/* Rules of a run in load order, with finding counts per status. */
HA_MUST_CHECK int ha_store_each_rule(struct ha_store *st, int64_t run_id, ha_rule_cb cb, void *ctx,
                                     struct ha_err *err);
/* 0: the next row; non-zero: stop, and the walk returns it (see the top). */
typedef int (*ha_note_cb)(void *ctx, const char *text);
HA_MUST_CHECK int ha_store_each_note(struct ha_store *st, int64_t run_id, ha_note_cb cb, void *ctx,
                                     struct ha_err *err);

/* --------------------------------------------------------------- merging */

struct ha_merge_opts {
	const char *command; /* recorded as the merged run's command (may be NULL) */
	int allow_partial;   /* accept shards of a split with some shards missing */
};

struct ha_merge_result {
	int64_t run_id; /* the merged run in the destination */
	long hosts;     /* hosts the sources' runs hold */
	size_t nsources;
};

/* Adds one run to `st` holding the newest complete run of every store in
 * srcs (paths, borrowed for the call): hosts, hives, findings, evidence and
 * notes of all, the rules once (merge.c says how rows are remapped).  The
 * sources are only read.  Refused with HA_ERR_USAGE: sources made with other
 * rules, requests, --as-of or tool version than the first, the same file
 * twice, shards of different splits, a shard twice, a missing shard (unless
 * o->allow_partial), overlapping host folders; HA_ERR_NOTFOUND: a source
 * without a complete run; HA_ERR_STORE: another schema version or not a
 * store.  On failure nothing of the merge remains in st.  o may be NULL. */
HA_MUST_CHECK int ha_store_merge(struct ha_store *st, const char *const *srcs, size_t n,
                                 const struct ha_merge_opts *o, struct ha_merge_result *res,
                                 struct ha_err *err);

/* One line of `hiveaudit runs`: a run with its host counts per verdict
 * (hosts.verdict after waivers, see docs/store.md). */
struct ha_run_summary {
	int64_t run_id;
	const char *started_at, *finished_at, *as_of, *paths, *requests_digest;
	enum ha_run_state status;
	long hosts_total, hosts_stored;
	long verdicts[HA_NVERDICTS]; /* hosts per enum ha_verdict */
};
/* 0: the next row; non-zero: stop, and the walk returns it (see the top). */
typedef int (*ha_run_summary_cb)(void *ctx, const struct ha_run_summary *r);
/* Every run, oldest first. */
HA_MUST_CHECK int ha_store_each_run(struct ha_store *st, ha_run_summary_cb cb, void *ctx,
                                    struct ha_err *err);

/* (rule_id, status) of each finding of one host, in rule order: the cheap
 * read for comparing two runs (the strings live during the callback).  The
 * callback returns 0 for the next row; non-zero stops the walk, which
 * returns it (see the top). */
typedef int (*ha_status_cb)(void *ctx, const char *rule_id, enum ha_status status);
HA_MUST_CHECK int ha_store_each_status(struct ha_store *st, int64_t host_id, ha_status_cb cb,
                                       void *ctx, struct ha_err *err);

/* FAIL findings of a run that no unexpired waiver covers (what makes the
 * exit status 1). */
HA_MUST_CHECK int ha_store_unwaived_fails(struct ha_store *st, int64_t run_id, long *n,
                                          struct ha_err *err);

/* PRAGMA integrity_check and foreign_key_check: HA_OK when both are clean. */
HA_MUST_CHECK int ha_store_check(struct ha_store *st, struct ha_err *err);

#endif
