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
	int hint; /* enum ha_file_kind guessed from names (file, embedded) */
	char *hint_why;
	int is_regf;     /* starts with "regf" */
	int skip_status; /* 0: open it; else an enum ha_hive_status to record as is */
	int is_export;   /* a .reg text export: this entry reads its HKLM\SYSTEM tree
	                    (hint HA_FK_SYSTEM) or its HKLM\SOFTWARE tree (HA_FK_SOFTWARE);
	                    discovery lists an export once for each */
	char *skip_reason;
	size_t nlogs;
	char **logs; /* .LOG/.LOG1/.LOG2 beside it */
};

struct ha_host_job {
	char *label; /* host label (CONTRACT.md "Hosts") */
	char *dir;   /* host folder */
	size_t nfiles;
	struct ha_job_file *files;
	char *note; /* folders inside that could not be read or were cut at
	               the depth limit, or NULL; becomes the snapshot's note */
	/* A host found inside a collection container (archive, disk image):
	 * how the worker reaches its files, owned by the job; NULL for a
	 * folder.  Its files' paths then read "CONTAINER › path inside". */
	struct ha_container_job *container;
};

struct ha_fleet {
	size_t nhosts;
	struct ha_host_job *hosts;
	size_t nnotes;
	char **notes;           /* files skipped and why (symlinks out, specials, ...) */
	size_t unreadable_dirs; /* folders that could not be read */
	size_t deep_dirs;       /* folders not entered: deeper than the limit */
};

/* Walks `paths` (folders or files) and groups hive files into hosts, sorted
 * by host folder.  A folder that cannot be read is a host of its own (no
 * files, its note says why) unless it lies inside a host folder, whose note
 * then counts it, as it counts trees cut at the depth limit; both are
 * counted in the fleet too.  A symbolic link to a hive inside the scanned
 * folders is a file of its own host, skipped as "same file as ..."; a link
 * to a folder there gets a note.  Problems with single files become notes,
 * never errors;
 * the error return is for a PATH that does not exist or cannot be read at
 * all (HA_ERR_USAGE / HA_ERR_IO) and allocation failure. */
HA_MUST_CHECK int ha_discover(const char *const *paths, size_t npaths, struct ha_fleet *fleet,
                              struct ha_err *err);
/* The same, and ends with HA_ERR_INTERRUPTED (fleet empty) as soon as
 * *stop is non-zero: it is looked at before each folder and each file, so
 * a signal is honoured within one entry even on a fleet of millions of
 * files.  stop may be NULL. */
HA_MUST_CHECK int ha_discover_until(const char *const *paths, size_t npaths,
                                    volatile sig_atomic_t *stop, struct ha_fleet *fleet,
                                    struct ha_err *err);
void ha_fleet_free(struct ha_fleet *fleet);

/* Shards (shard.c).  A host's shard key is its folder's path relative to the
 * PATH argument it lies under (the folder's own name when it is the PATH):
 * a pointer into dir.  ha_shard_of() places a key in shard 1..n by SHA-256,
 * the same on every machine.  ha_fleet_shard() keeps only the hosts of shard
 * k of n, in their order, and frees the others; the notes stay. */
const char *ha_shard_key(const char *dir, const char *const *paths, size_t npaths);
HA_MUST_CHECK int ha_shard_of(const char *key, unsigned n, unsigned *k, struct ha_err *err);
HA_MUST_CHECK int ha_fleet_shard(struct ha_fleet *fleet, const char *const *paths, size_t npaths,
                                 unsigned k, unsigned n, struct ha_err *err);

/* ------------------------------------------------------------ containers */

/* Collection containers given as PATH or found in a folder: zip (zip64,
 * WinZip AES, ZipCrypto), tar (plain, gzip, xz, bzip2, zstd), 7z, and disk
 * images (E01, raw and split raw, VHD, VHDX, VMDK; GPT, MBR or a bare NTFS
 * volume).  Discovery lists them and makes hosts; workers extract the hive
 * files into memory files (never onto disk) under these limits. */
struct ha_container_opts {
	const char *const *passwords; /* tried in order on encrypted entries */
	size_t npasswords;
	uint64_t max_member;  /* bytes of one extracted hive or log (0: 2 GiB) */
	unsigned max_ratio;   /* uncompressed:compressed ratio that marks a bomb (0: 100) */
	uint64_t ratio_floor; /* entries smaller than this are not judged by ratio (0: 64 MiB) */
	uint64_t max_nested;  /* bytes of an archive or image inside an archive (0: 4 GiB) */
	unsigned max_depth;   /* containers inside containers (0: 3) */
	unsigned timeout_sec; /* wall clock for listing one container (0: 300) */
	uint64_t mem_bytes;   /* RLIMIT_AS of the process listing it (0: 4 GiB) */
	unsigned jobs;        /* containers listed (and hashed) at once (0: 1) */
	int no_hash;          /* --hash none: containers are not hashed either */
	uint64_t max_hashed;  /* containers (all segments together) larger than this are
	                         not hashed (0: 4 GiB; UINT64_MAX: no cap) */
};

/* Sets the options every later discovery and worker of this process uses
 * (workers inherit them).  The strings are copied.  HA_ERR_NOMEM.
 * Discovery lists each container in a child process under timeout_sec
 * and mem_bytes; workers extract under the pool's own limits. */
HA_MUST_CHECK int ha_container_configure(const struct ha_container_opts *o, struct ha_err *err);

/* The evidence of a host found in a container, from its job (NULL for a
 * folder's host; borrowed from the job): the container file as given, its
 * SHA-256 (NULL when it was not computed: larger than the hashing limit),
 * and for one of the job's file paths the part after the container's name
 * ("partition 2 (NTFS) › /Windows/System32/config/SYSTEM"; a pointer into
 * path, NULL when path does not name a member of that container). */
const char *ha_job_container_file(const struct ha_host_job *job);
const char *ha_job_container_sha256(const struct ha_host_job *job);
const char *ha_job_inner_path(const struct ha_host_job *job, const char *path);

/* Velociraptor's %XX component decoding of one entry name component
 * (exposed for tests and fuzzing): malloc'd, NULL on allocation failure. */
char *ha_velo_decode(const char *s, size_t n);

/* The hosts a list of archive entry names makes (exposed for tests and
 * fuzzing): one line per host, "label-or-*<TAB>prefix<TAB>files", files
 * separated by '|', each "name[+logs]", then one line per note prefixed
 * "note: ".  `names` is newline-separated; an entry ending in '/' is a
 * folder, one beginning with "regf:" has hive content (the prefix is not
 * part of its name).  Malloc'd text; NULL on allocation failure. */
char *ha_container_layout_text(const char *names, size_t n);

/* --------------------------------------------------------------- reading */

/* What a hive file's SHA-256 reads as when hashing was turned off (scan
 * --hash none): the snapshot, the store, the evidence and every report
 * show this text where the hash would be.  It fits ha_hivefile.sha256. */
#define HA_HASH_NOT_COMPUTED "not computed (--hash none)"

struct ha_read_opts {
	int no_replay;        /* read dirty hives as they are */
	int no_hash;          /* do not hash the files (HA_HASH_NOT_COMPUTED) */
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

/* Incremental scans (the policy is the caller's: scan/reuse.c).
 * `reusable` is asked in the parent: the caller holds a saved result for
 * host `host`.  For such a host, `unchanged` is asked in the worker before
 * reading: non-zero when the host's files have not changed since, and the
 * worker then reports the host unchanged instead of reading it.  It runs
 * in the child process, so it may read files but must not change anything
 * the parent relies on.  A worker that says "unchanged" about a host that
 * was not reusable is not believed. */
typedef int (*ha_pool_reusable_fn)(void *ctx, size_t host);
typedef int (*ha_pool_unchanged_fn)(void *ctx, size_t host, const struct ha_host_job *job);

struct ha_pool_opts {
	unsigned jobs;        /* concurrent workers (>= 1) */
	unsigned timeout_sec; /* wall clock per host; 0 = none */
	unsigned cpu_sec;     /* RLIMIT_CPU per worker; 0 = none */
	uint64_t mem_bytes;   /* RLIMIT_AS per worker; 0 = none */
	const struct ha_read_opts *read;
	volatile sig_atomic_t *stop;    /* set by a signal handler: stop early */
	const char *fault;              /* test-only fault injection (HIVEAUDIT_TEST_FAULT) */
	ha_pool_reusable_fn reusable;   /* NULL: every host is read */
	ha_pool_unchanged_fn unchanged; /* required with reusable */
	void *reuse_ctx;
};

/* Result callback, called in the parent in completion order.  `snap` is
 * NULL when the host was reported unchanged (ha_pool_opts.reusable);
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

/* ------------------------------------------------------ .reg text exports */

/* A `regedit` / `reg export` text file parsed into an in-memory registry
 * tree (regtext.c documents the format), which the reader serves like a
 * hive.  Only HKEY_LOCAL_MACHINE\SYSTEM and \SOFTWARE are kept. */
struct ha_regtext;

/* Zero fields take the defaults: 2 GiB file, 16 MiB line (continuations
 * joined), 512 levels, 100 000 values per key, 20 million keys and 40
 * million values in all. */
struct ha_regtext_limits {
	size_t max_file, max_line, max_depth, max_key_values, max_keys, max_values;
};

struct ha_regtext_info {
	int format;            /* 5 ("Windows Registry Editor Version 5.00") or 4 (REGEDIT4) */
	char encoding[32];     /* "UTF-16LE", "UTF-8", "ASCII", "Windows-1252", ... */
	int ansi;              /* 8-bit text that was not UTF-8, read as Windows-1252 */
	int has[HA_NROLES];    /* keys under HKLM\SYSTEM / HKLM\SOFTWARE were given */
	size_t keys, values;   /* distinct keys given by key lines; value lines kept */
	size_t keys_ignored;   /* key lines outside HKLM\SYSTEM and HKLM\SOFTWARE */
	size_t values_ignored; /* value lines below those or below deleted keys */
	size_t keys_deleted, values_deleted;
	int ccs_mapped;     /* CurrentControlSet was read as ControlSetNNN: N, else 0 */
	char ccs_note[200]; /* ... and how N was chosen */
};

/* 4 or 5 when the first bytes (`n` of them, 64 are plenty) are a .reg
 * export header in UTF-16LE (with or without BOM), UTF-8 or ANSI; else 0. */
int ha_regtext_sniff(const uint8_t *p, size_t n);

/* Parses a whole export (borrowed for the call).  On HA_OK *out owns the
 * tree (ha_regtext_free).  Refusals: HA_ERR_FORMAT with "line N: reason",
 * HA_ERR_LIMIT, HA_ERR_NOMEM.  lim may be NULL. */
HA_MUST_CHECK int ha_regtext_parse(const uint8_t *p, size_t n, const struct ha_regtext_limits *lim,
                                   struct ha_regtext **out, struct ha_err *err);
void ha_regtext_free(struct ha_regtext *rt); /* NULL is a no-op */
/* Borrowed, valid while rt lives. */
const struct ha_regtext_info *ha_regtext_info(const struct ha_regtext *rt);
/* The export holds keys of that hive (HA_SYSTEM, HA_SOFTWARE). */
int ha_regtext_has(const struct ha_regtext *rt, int role);
/* The key at `path` (hive-relative, backslashes; "" the hive's root) and,
 * when value is not NULL, that value (""= default): HA_OK with type and
 * borrowed data, or HA_ERR_NOTFOUND. */
HA_MUST_CHECK int ha_regtext_get(const struct ha_regtext *rt, int role, const char *path,
                                 const char *value, uint32_t *type, const uint8_t **data,
                                 uint32_t *len);
/* 1 when the export tells what is at `path` (present or absent), 0 when the
 * path lies outside every exported sub-tree (err says so, HA_ERR_NOTFOUND). */
int ha_rt_path_covered(const struct ha_regtext *rt, int role, const char *path, struct ha_err *err);
/* One line for the hive's status reason: that it is an export, what it
 * covers, the CurrentControlSet mapping.  malloc'd; NULL on no memory. */
char *ha_regtext_describe(const struct ha_regtext *rt, int role);

/* ------------------------------------------------------- base block tools */

/* Parses the base block at p (n >= 4096): HA_OK, or HA_ERR_FORMAT when the
 * bytes are not a regf header.  Exposed for tests and fuzzing. */
HA_MUST_CHECK int ha_baseblock_parse(const uint8_t *p, size_t n, struct ha_baseblock *bb);
int ha_baseblock_dirty(const struct ha_baseblock *bb);

/* ------------------------------------------------------- transaction logs */

/* logs.c: which files are a hive's transaction logs, and whether a log's
 * contents belong to the hive. */

/* "X.LOG", "X.LOG1", "X.LOG2" (any case) -> the length of "X", else 0. */
size_t ha_log_owner_len(const char *name);
/* A backup copy's name (".sav", ".bak", ".old", ".orig", any case): such a
 * file is recorded and skipped, never audited. */
int ha_backup_name(const char *name);
/* 1 when `name` is a log name of the hive file called `hive` (base names,
 * ASCII case-insensitive): "system.log1" of "SYSTEM". */
int ha_log_name_of(const char *name, const char *hive);

/* The logs beside the hive file `hive`: every file of its folder named as
 * its log (ha_log_name_of), sorted by name, as "folder/name".  *paths is a
 * malloc'd array of malloc'd strings (ha_logs_free), NULL when there are
 * none.  HA_ERR_IO when the folder cannot be listed, HA_ERR_NOMEM. */
HA_MUST_CHECK int ha_logs_beside(const char *hive, char ***paths, size_t *n, struct ha_err *err);
void ha_logs_free(char **paths, size_t n);

/* Decides whether a transaction log (its bytes, at least its 512-byte base
 * block) belongs to the primary hive (at least its 4096-byte base block):
 * embedded file name, RmId and LogId, root cell offset, and for old-format
 * logs the hive bins size and sequence number (the table in logs.c).
 * HA_OK when it does; HA_ERR_FORMAT with the reason ("it belongs to another
 * hive: its embedded file name is ...") when it does not.  It does not
 * check the log's own validity (checksum, entries): ha_replay() does.  Both
 * inputs are borrowed for the call. */
HA_MUST_CHECK int ha_log_match(const uint8_t *primary, size_t psize, const uint8_t *log,
                               size_t lsize, struct ha_err *err);

/* -------------------------------------------------------------- log replay */

/* Transaction-log replay (replay.c): a dirty primary hive plus its .LOG,
 * .LOG1 and .LOG2 files in, the hive as Windows would recover it out, as a
 * new image in memory.  ha_replay() is a pure function over bytes (no
 * files, no hivex), for the reader, the `replay` verb and fuzzing alike;
 * ha_replay_read_log() and ha_replay_validate() are its two edges.  Both
 * log formats are handled (old "DIRT" dirty vectors up to Windows 8, new
 * "HvLE" log entries from Windows 8.1), and a primary whose base block is
 * damaged (wrong checksum, or no "regf" signature while a hive bin follows
 * it) gets the base block of a log, as Windows does.  Every log is first
 * put to ha_log_match(): one that belongs to another hive is not used. */

#define HA_REPLAY_MAX_LOGS   8
#define HA_REPLAY_MAX_LOG    ((size_t)512 << 20) /* bytes per log */
#define HA_REPLAY_MAX_HBINS  0x7FFFF000u         /* hive bins data (Windows: < 2 GiB) */
#define HA_REPLAY_MAX_GROWTH ((size_t)256 << 20) /* bytes past the primary's size */
#define HA_REPLAY_MAX_HIVE   ((size_t)4096 + HA_REPLAY_MAX_HBINS + (64u << 20)) /* a primary file */

struct ha_replay_log {
	const char *name;    /* shown in summaries and reasons, e.g. "SYSTEM.LOG1" */
	const uint8_t *data; /* the whole log (borrowed for the call) */
	size_t size;
};

/* Zero fields take the HA_REPLAY_MAX_* defaults. */
struct ha_replay_limits {
	size_t max_log;
	uint32_t max_hbins;
	size_t max_growth;
};

enum ha_replay_format { HA_REPLAY_NONE = 0, HA_REPLAY_OLD = 1, HA_REPLAY_NEW = 2 };

struct ha_replay_result {
	int format;         /* enum ha_replay_format */
	uint32_t entries;   /* log entries applied (old format: 1, the dirty vector) */
	uint32_t seq_first; /* sequence numbers applied (old format: the log's) */
	uint32_t seq_last;  /* ... and the one written into the new base block */
	uint64_t pages;     /* page writes: new format, page references; old, 512-byte sectors */
	uint32_t logs_used; /* bit i set: logs[i] contributed */
	int bb_recovered;   /* the primary's base block was damaged and came from a log */
	int stopped_early;  /* replay ended at a torn entry or a gap (see summary) */
	uint8_t *image;     /* the recovered hive, owned by the result */
	size_t size;
	char summary[512]; /* one line, e.g. "new-format logs replayed: 4 entries ..." */
};

/* Replays `logs` (any order; empty ones are ignored) onto the primary hive.
 * On HA_OK, `out` holds the image with a fresh base block (both sequence
 * numbers equal, checksum recomputed, hive bins chained) and a summary; the
 * image is not yet validated by the reader (ha_replay_validate).  Refusals
 * leave out->image NULL and put a one-line reason in err: HA_ERR_NOTFOUND
 * when the hive is clean (nothing to replay), HA_ERR_FORMAT when no log
 * applies or a log is malformed in a way no torn write explains,
 * HA_ERR_LIMIT when a bound is exceeded, HA_ERR_USAGE for more than
 * HA_REPLAY_MAX_LOGS logs, HA_ERR_NOMEM.  Never applies part of an entry,
 * and never returns an image built from a log it refused; a log refused as
 * another hive's is named in the summary even when others applied.  The
 * inputs are borrowed for the call; lim may be NULL. */
HA_MUST_CHECK int ha_replay(const uint8_t *primary, size_t size, const struct ha_replay_log *logs,
                            size_t nlogs, const struct ha_replay_limits *lim,
                            struct ha_replay_result *out, struct ha_err *err);
/* Releases the image; the result is reset.  NULL is a no-op. */
void ha_replay_result_free(struct ha_replay_result *r);

/* Marvin32 (the 64-bit form: high word of the state, then the low word), as
 * Windows uses it for log entry hashes with HA_MARVIN32_LOG_SEED.  Exposed
 * for tests. */
#define HA_MARVIN32_LOG_SEED 0x82EF4D887A4E55C5ull
uint64_t ha_marvin32(const uint8_t *p, size_t n, uint64_t seed);

/* Opens an image (borrowed for the call) with the registry reader in
 * strict mode, never recovery mode, through an anonymous memory file, and
 * closes it again: HA_OK, or HA_ERR_HIVE, HA_ERR_NOMEM or HA_ERR_IO with
 * the reason in err. */
HA_MUST_CHECK int ha_replay_validate(const uint8_t *img, size_t n, struct ha_err *err);

/* Reads a transaction log into memory, refusing files larger than max (0:
 * HA_REPLAY_MAX_LOG), FIFOs, devices and symbolic links.  *data is
 * malloc'd, the caller frees it (NULL for an empty file).  HA_ERR_IO,
 * HA_ERR_LIMIT or HA_ERR_NOMEM with the reason in err. */
HA_MUST_CHECK int ha_replay_read_log(const char *path, size_t max, uint8_t **data, size_t *size,
                                     struct ha_err *err);

#endif
