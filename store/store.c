/* store.c: schema, migrations, writes and reads of the SQLite store.
 *
 * (Over 1,000 lines: the schema with all its migrations and every write and
 * read of the store; merging shard stores is merge.c.)
 *
 * Every statement uses bound parameters; no text from a hive or a rule file
 * is ever pasted into SQL.  The schema is versioned with PRAGMA
 * user_version and migrated forward by the list in `migrations`. */
#include <errno.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ha_store.h"
#include "store_internal.h"

enum stmt_id {
	S_HOST,
	S_HIVE,
	S_FINDING,
	S_EVIDENCE,
	S_IDENTITY,
	S_GET_IDENTITY,
	S_CONTAINER,
	S_GET_CONTAINER,
	S_COUNT
};

/* Read statements run once per finding or per host: prepared once and
 * kept (preparing them 180,000 times dominated report generation). */
enum read_id {
	R_NONE = -1,
	R_EVIDENCE = 0,
	R_HOST_FINDINGS,
	R_STATUS,
	R_HOST_FINDING_EVIDENCE,
	R_COUNT
};

struct ha_store {
	sqlite3 *db;
	sqlite3_stmt *st[S_COUNT];
	sqlite3_stmt *rd[R_COUNT];
	int rd_busy[R_COUNT]; /* in use by an outer call: nested calls prepare their own */
	int writable; /* opened for writing and migrated: closing leaves it in rollback mode */
};

/* ------------------------------------------------------------ the schema */

static const char *const migrations[] = {
        /* 1: the first schema. */
        "CREATE TABLE runs ("
        "  run_id INTEGER PRIMARY KEY,"
        "  started_at TEXT NOT NULL,"
        "  finished_at TEXT,"
        "  status TEXT NOT NULL CHECK (status IN ('running','complete','interrupted','failed')),"
        "  tool_version TEXT NOT NULL,"
        "  as_of TEXT NOT NULL,"
        "  rules_digest TEXT NOT NULL,"
        "  requests_digest TEXT NOT NULL,"
        "  paths TEXT NOT NULL,"
        "  command TEXT,"
        "  hosts_total INTEGER);"
        "CREATE TABLE rules ("
        "  run_id INTEGER NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,"
        "  ord INTEGER NOT NULL,"
        "  rule_id TEXT NOT NULL,"
        "  title TEXT NOT NULL, severity TEXT NOT NULL, category TEXT NOT NULL,"
        "  source TEXT, applies TEXT, remedy TEXT, reg TEXT, origin TEXT,"
        "  counts INTEGER NOT NULL,"
        "  PRIMARY KEY (run_id, rule_id));"
        "CREATE TABLE notes ("
        "  note_id INTEGER PRIMARY KEY,"
        "  run_id INTEGER NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,"
        "  text TEXT NOT NULL);"
        "CREATE TABLE hosts ("
        "  host_id INTEGER PRIMARY KEY,"
        "  run_id INTEGER NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,"
        "  label TEXT NOT NULL, dir TEXT NOT NULL,"
        "  computer_name TEXT, hostname TEXT, domain TEXT,"
        "  os_family TEXT, product_name TEXT, nt_version TEXT, build INTEGER, ubr INTEGER,"
        "  service_pack INTEGER, installation_type TEXT, edition TEXT, product_type TEXT,"
        "  product TEXT, architecture TEXT,"
        "  control_set INTEGER, control_set_source TEXT,"
        "  system_status TEXT NOT NULL, system_reason TEXT,"
        "  software_status TEXT NOT NULL, software_reason TEXT,"
        "  verdict TEXT NOT NULL CHECK (verdict IN ('ready','not_ready','unknown')),"
        "  verdict_reason TEXT, note TEXT,"
        "  reused_from INTEGER,"
        "  snapshot BLOB NOT NULL,"
        "  UNIQUE (run_id, dir));"
        "CREATE TABLE hives ("
        "  hive_id INTEGER PRIMARY KEY,"
        "  host_id INTEGER NOT NULL REFERENCES hosts(host_id) ON DELETE CASCADE,"
        "  role TEXT, kind TEXT NOT NULL, kind_why TEXT,"
        "  path TEXT NOT NULL, status TEXT NOT NULL, reason TEXT,"
        "  size INTEGER, mtime_ns INTEGER, sha256 TEXT,"
        "  seq_primary INTEGER, seq_secondary INTEGER, checksum_ok INTEGER,"
        "  checksum_stored INTEGER, checksum_computed INTEGER,"
        "  version_major INTEGER, version_minor INTEGER, file_type INTEGER,"
        "  root_offset INTEGER, hbins_size INTEGER, embedded_name TEXT, last_written TEXT,"
        "  dirty INTEGER, degraded INTEGER, logs TEXT, replay TEXT);"
        "CREATE TABLE findings ("
        "  finding_id INTEGER PRIMARY KEY,"
        "  host_id INTEGER NOT NULL REFERENCES hosts(host_id) ON DELETE CASCADE,"
        "  rule_id TEXT NOT NULL,"
        "  status TEXT NOT NULL CHECK (status IN "
        "('PASS','FAIL','WARN','NOT_APPLICABLE','UNKNOWN')),"
        "  severity TEXT NOT NULL, title TEXT, category TEXT,"
        "  observed TEXT, expected TEXT, reason TEXT,"
        "  UNIQUE (host_id, rule_id));"
        "CREATE TABLE evidence ("
        "  evidence_id INTEGER PRIMARY KEY,"
        "  finding_id INTEGER NOT NULL REFERENCES findings(finding_id) ON DELETE CASCADE,"
        "  role TEXT, hive_path TEXT, hive_sha256 TEXT, control_set TEXT,"
        "  key_path TEXT, value_name TEXT, value_type TEXT, data TEXT, last_write TEXT, note TEXT);"
        "CREATE INDEX hosts_by_dir ON hosts(dir);"
        "CREATE INDEX hives_by_host ON hives(host_id);"
        "CREATE INDEX findings_by_rule ON findings(rule_id, status);"
        "CREATE INDEX evidence_by_finding ON evidence(finding_id);"
        /* Views for people querying with the sqlite3 shell. */
        "CREATE VIEW v_findings AS"
        "  SELECT h.run_id, h.label AS host, h.computer_name, f.rule_id, f.status, f.severity,"
        "         f.title, f.observed, f.expected, f.reason, h.os_family, h.verdict, h.dir,"
        "         f.finding_id, h.host_id"
        "  FROM findings f JOIN hosts h USING (host_id);"
        "CREATE VIEW v_latest_findings AS"
        "  SELECT * FROM v_findings WHERE run_id = (SELECT max(run_id) FROM runs);"
        "CREATE VIEW v_hosts AS"
        "  SELECT h.run_id, h.host_id, h.label AS host, h.computer_name, h.os_family, h.verdict,"
        "         h.verdict_reason, h.system_status, h.software_status,"
        "         sum(f.status = 'PASS') AS pass, sum(f.status = 'FAIL') AS fail,"
        "         sum(f.status = 'WARN') AS warn, sum(f.status = 'NOT_APPLICABLE') AS "
        "not_applicable,"
        "         sum(f.status = 'UNKNOWN') AS unknown"
        "  FROM hosts h LEFT JOIN findings f USING (host_id) GROUP BY h.host_id;"
        "CREATE VIEW v_evidence AS"
        "  SELECT h.run_id, h.label AS host, f.rule_id, f.status, e.*"
        "  FROM evidence e JOIN findings f USING (finding_id) JOIN hosts h USING (host_id);",
        /* 2: v_latest_findings is the newest complete run, the run the
         * read-only verbs show: a failed or interrupted scan after a good one
         * must not replace the good one in people's queries either. */
        "DROP VIEW v_latest_findings;"
        "CREATE VIEW v_latest_findings AS"
        "  SELECT * FROM v_findings"
        "  WHERE run_id = (SELECT max(run_id) FROM runs WHERE status = 'complete');",
        /* 3: a hive file's identity as the scan saw it (device, inode, change
         * time; size and mtime_ns are there already), so that an unchanged
         * file is known without reading it, as git's index does. */
        "ALTER TABLE hives ADD COLUMN dev INTEGER;"
        "ALTER TABLE hives ADD COLUMN ino INTEGER;"
        "ALTER TABLE hives ADD COLUMN ctime_ns INTEGER;",
        /* 4: runs made with scan --shard K/N say which part of the fleet they hold. */
        "ALTER TABLE runs ADD COLUMN shard TEXT;",
        /* 5: waivers (accepted exceptions) and the findings they covered. */
        "ALTER TABLE hosts ADD COLUMN waived_verdict TEXT"
        "  CHECK (waived_verdict IN ('ready_with_waivers','unknown'));"
        "ALTER TABLE hosts ADD COLUMN waived_reason TEXT;"
        "CREATE TABLE waivers ("
        "  waiver_id INTEGER PRIMARY KEY,"
        "  run_id INTEGER NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,"
        "  file TEXT NOT NULL, line INTEGER NOT NULL,"
        "  hosts TEXT NOT NULL, rules TEXT NOT NULL,"
        "  reason TEXT NOT NULL, approver TEXT NOT NULL, expires TEXT NOT NULL, ticket TEXT,"
        "  expired INTEGER NOT NULL);"
        "CREATE TABLE waived_findings ("
        "  finding_id INTEGER PRIMARY KEY REFERENCES findings(finding_id) ON DELETE CASCADE,"
        "  waiver_id INTEGER NOT NULL REFERENCES waivers(waiver_id) ON DELETE CASCADE,"
        "  expired INTEGER NOT NULL);"
        "CREATE INDEX waived_by_waiver ON waived_findings(waiver_id);"
        "CREATE INDEX waivers_by_run ON waivers(run_id);"
        "CREATE VIEW v_waivers AS"
        "  SELECT w.run_id, w.waiver_id, w.file, w.line, w.hosts, w.rules, w.reason, w.approver,"
        "         w.expires, w.ticket, w.expired,"
        "         (SELECT count(*) FROM waived_findings x WHERE x.waiver_id = w.waiver_id) AS "
        "findings"
        "  FROM waivers w;"
        "CREATE VIEW v_waived_findings AS"
        "  SELECT h.run_id, h.label AS host, h.computer_name, f.rule_id, f.status, w.reason,"
        "         w.approver, w.expires, w.ticket, x.expired, w.file, w.line, f.finding_id,"
        "         w.waiver_id"
        "  FROM waived_findings x JOIN findings f USING (finding_id) JOIN hosts h USING (host_id)"
        "  JOIN waivers w ON w.waiver_id = x.waiver_id;",
        /* 6: a hive read from inside a collection container names the
         * container file as given, its SHA-256 and the path inside (NULL
         * for a plain file), and keeps the container file's identity when
         * it was read, so that an unchanged container is not read again. */
        "ALTER TABLE hives ADD COLUMN container TEXT;"
        "ALTER TABLE hives ADD COLUMN container_sha256 TEXT;"
        "ALTER TABLE hives ADD COLUMN inner_path TEXT;"
        "ALTER TABLE hives ADD COLUMN container_dev INTEGER;"
        "ALTER TABLE hives ADD COLUMN container_ino INTEGER;"
        "ALTER TABLE hives ADD COLUMN container_size INTEGER;"
        "ALTER TABLE hives ADD COLUMN container_mtime_ns INTEGER;"
        "ALTER TABLE hives ADD COLUMN container_ctime_ns INTEGER;",
};

static int sqlfail(struct ha_store *st, int rc, struct ha_err *err, const char *what)
{
	int ext = st && st->db ? sqlite3_extended_errcode(st->db) : rc;
	const char *msg = st && st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc);

	if ((rc & 0xFF) == SQLITE_BUSY || (rc & 0xFF) == SQLITE_LOCKED)
		return ha_err_set(err, HA_ERR_BUSY, "%s: the store is locked by another process",
		                  what);
	if ((rc & 0xFF) == SQLITE_FULL)
		return ha_err_set(err, HA_ERR_IO, "%s: the disk is full", what);
	if ((rc & 0xFF) == SQLITE_NOTADB)
		return ha_err_set(err, HA_ERR_STORE, "%s: the file is not a hiveaudit store (%s)",
		                  what, msg);
	return ha_err_set(err, HA_ERR_STORE, "%s: %s (sqlite %d)", what, msg, ext);
}

static int exec(struct ha_store *st, const char *sql, struct ha_err *err, const char *what)
{
	int rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? HA_OK : sqlfail(st, rc, err, what);
}

static int user_version(struct ha_store *st, int *v, struct ha_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL);

	if (rc != SQLITE_OK)
		return sqlfail(st, rc, err, "reading the schema version");
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(s);
		return sqlfail(st, rc, err, "reading the schema version");
	}
	*v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return HA_OK;
}

#define LATEST_SCHEMA ((int)(sizeof migrations / sizeof migrations[0]))
_Static_assert(LATEST_SCHEMA == HA_STORE_SCHEMA_VERSION,
               "HA_STORE_SCHEMA_VERSION must name the last migration");

static int too_new(int v, struct ha_err *err)
{
	return ha_err_set(err, HA_ERR_STORE,
	                  "the store has schema version %d; this hiveaudit knows up to %d", v,
	                  LATEST_SCHEMA);
}

/* Looks before touching: a file that is not SQLite, another program's
 * database, or a store written by a newer hiveaudit is refused before the
 * first write (even the journal mode is part of the file). */
static int check_version(struct ha_store *st, const char *path, int writable, struct ha_err *err)
{
	sqlite3_stmt *s = NULL;
	int v, rc, objects;

	rc = user_version(st, &v, err);
	if (rc)
		return rc;
	if (v > LATEST_SCHEMA)
		return too_new(v, err);
	if (v > 0)
		return HA_OK;
	if (!writable)
		return ha_err_set(err, HA_ERR_STORE, "'%s' is not a hiveaudit store", path);
	/* Version 0: a new, empty database, or someone else's. */
	rc = sqlite3_prepare_v2(st->db, "SELECT count(*) FROM sqlite_master", -1, &s, NULL);
	if (rc != SQLITE_OK)
		return sqlfail(st, rc, err, "reading the schema");
	rc = sqlite3_step(s);
	objects = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW)
		return sqlfail(st, rc, err, "reading the schema");
	if (objects)
		return ha_err_set(err, HA_ERR_STORE,
		                  "'%s' is another program's database, not a hiveaudit store",
		                  path);
	return HA_OK;
}

static int migrate(struct ha_store *st, struct ha_err *err)
{
	const int latest = LATEST_SCHEMA;
	char sql[64];
	int v, rc;

	rc = exec(st, "BEGIN IMMEDIATE", err, "opening the store");
	if (rc)
		return rc;
	/* Again inside the transaction: another process may have migrated. */
	rc = user_version(st, &v, err);
	if (!rc && v > latest)
		rc = too_new(v, err);
	for (; !rc && v < latest; v++) {
		rc = exec(st, migrations[v], err, "creating the store schema");
		snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v + 1);
		if (!rc)
			rc = exec(st, sql, err, "creating the store schema");
	}
	if (rc) {
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		return rc;
	}
	return exec(st, "COMMIT", err, "creating the store schema");
}

/* ------------------------------------------------- read-only media
 *
 * Reading a WAL database needs its -shm index, which SQLite creates beside
 * the file, even for a read-only connection.  In a folder the user cannot
 * write (read-only media, another user's folder) that fails with "attempt
 * to write a readonly database".  Two things make such a store readable:
 * a store is left in rollback mode when its writer closes it
 * (ha_store_close), so a plain read-only open works, also with
 * `sqlite3 -readonly`; and a store still in WAL mode (its writer was
 * killed, or a reader held it when the writer closed) is opened with the
 * `immutable` URI parameter, which reads the main file without -shm.  That
 * is only right when no write-ahead log holds transactions that are not in
 * the main file yet: immutable ignores the log, and would show an older
 * state of the store as if it were the whole.  Such a store is refused
 * with the reason instead. */

static int folder_writable(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int ok;

	if (!slash)
		return access(".", W_OK) == 0;
	dir = slash == path ? ha_strdup("/") : ha_strndup(path, (size_t)(slash - path));
	if (!dir)
		return 1; /* out of memory: no fallback, the first error stands */
	ok = access(dir, W_OK) == 0;
	free(dir);
	return ok;
}

/* "file:" URI for path with immutable=1: every byte outside a safe set is
 * percent-encoded, so '?', '#' and '%' in a folder name stay part of the
 * name. */
static char *immutable_uri(const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(path), i, k = 0;
	char *u = malloc(n * 3 + 40);

	if (!u)
		return NULL;
	memcpy(u, path[0] == '/' ? "file://" : "file:", path[0] == '/' ? 7 : 5);
	k = path[0] == '/' ? 7 : 5;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)path[i];

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '/' || c == '.' || c == '-' || c == '_' || c == '~') {
			u[k++] = (char)c;
		} else {
			u[k++] = '%';
			u[k++] = hex[c >> 4];
			u[k++] = hex[c & 15];
		}
	}
	memcpy(u + k, "?mode=ro&immutable=1", sizeof "?mode=ro&immutable=1");
	return u;
}

/* After a read-only open: when the first read fails because SQLite cannot
 * create the WAL index in a folder we cannot write, reopens the store
 * immutable, or refuses it when its log holds data. */
static int readonly_fallback(struct ha_store *st, const char *path, struct ha_err *err)
{
	int rc = sqlite3_exec(st->db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL);
	char *wal, *uri;
	struct stat sb;
	int has_log;

	if (rc == SQLITE_OK || ((rc & 0xFF) != SQLITE_READONLY && (rc & 0xFF) != SQLITE_CANTOPEN) ||
	    folder_writable(path))
		return HA_OK; /* the usual checks report anything else */
	wal = ha_asprintf("%s-wal", path);
	if (!wal)
		return ha_err_nomem(err);
	has_log = lstat(wal, &sb) == 0 && (!S_ISREG(sb.st_mode) || sb.st_size > 0);
	free(wal);
	if (has_log)
		return ha_err_set(
		        err, HA_ERR_STORE,
		        "its write-ahead log (%s-wal) holds transactions that are not in the "
		        "store file yet, and its folder cannot be written: copy the folder "
		        "to writable storage to read them",
		        path);
	uri = immutable_uri(path);
	if (!uri)
		return ha_err_nomem(err);
	sqlite3_close(st->db);
	st->db = NULL;
	rc = sqlite3_open_v2(uri, &st->db,
	                     SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOFOLLOW, NULL);
	free(uri);
	if (rc != SQLITE_OK)
		return st->db ? sqlfail(st, rc, err, "opening the store read-only")
		              : ha_err_nomem(err);
	sqlite3_extended_result_codes(st->db, 1);
	return HA_OK;
}

int ha_store_open(const char *path, int flags, struct ha_store **out, struct ha_err *err)
{
	struct ha_store *st;
	int oflags = (flags & HA_STORE_READONLY)
	                     ? SQLITE_OPEN_READONLY
	                     : SQLITE_OPEN_READWRITE |
	                               ((flags & HA_STORE_CREATE) ? SQLITE_OPEN_CREATE : 0);
	int rc;

	*out = NULL;
	st = calloc(1, sizeof *st);
	if (!st)
		return ha_err_nomem(err);
	rc = sqlite3_open_v2(path, &st->db, oflags | SQLITE_OPEN_NOFOLLOW, NULL);
	if (rc == SQLITE_OK && (flags & HA_STORE_READONLY)) {
		rc = readonly_fallback(st, path, err);
		if (rc) {
			ha_err_prefix(err, "%s", path);
			ha_store_close(st);
			return rc;
		}
	}
	if (rc != SQLITE_OK) {
		if (!st->db)
			rc = ha_err_nomem(err);
		else if ((rc & 0xFF) == SQLITE_CANTOPEN)
			rc = ha_err_set(err, HA_ERR_IO, "cannot open store '%s': %s", path,
			                sqlite3_errmsg(st->db));
		else
			rc = sqlfail(st, rc, err, "opening the store");
		ha_store_close(st);
		return rc;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, 5000);
	rc = exec(st, "PRAGMA foreign_keys = ON", err, "opening the store");
	if (!rc)
		rc = check_version(st, path, !(flags & HA_STORE_READONLY), err);
	if (!rc && !(flags & HA_STORE_READONLY)) {
		/* WAL: readers never block the writer; NORMAL sync keeps every
		 * committed transaction across a process kill. */
		rc = exec(st, "PRAGMA journal_mode = WAL", err, "opening the store");
		if (!rc)
			rc = exec(st, "PRAGMA synchronous = NORMAL", err, "opening the store");
		if (!rc)
			rc = migrate(st, err);
		st->writable = !rc;
	}
	if (rc) {
		ha_err_prefix(err, "%s", path);
		ha_store_close(st);
		return rc;
	}
	*out = st;
	return HA_OK;
}

void ha_store_close(struct ha_store *st)
{
	int i;

	if (!st)
		return;
	for (i = 0; i < S_COUNT; i++)
		sqlite3_finalize(st->st[i]);
	for (i = 0; i < R_COUNT; i++)
		sqlite3_finalize(st->rd[i]);
	/* WAL serves a scan and its readers; at rest the store goes back to
	 * rollback mode, so that a copy on read-only media can be read by any
	 * user and any SQLite program (see "read-only media" above).  Only
	 * when nobody else has it open, at once: a reader that holds it keeps
	 * it in WAL mode, which read-only opens handle too. */
	if (st->writable && sqlite3_get_autocommit(st->db)) {
		sqlite3_busy_timeout(st->db, 0);
		(void)sqlite3_exec(st->db, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL);
	}
	sqlite3_close(st->db);
	free(st);
}

/* ------------------------------------------------------------- helpers */

static int bind_text(sqlite3_stmt *s, int i, const char *v)
{
	return v ? sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(s, i);
}

static int bind_int(sqlite3_stmt *s, int i, int64_t v)
{
	return sqlite3_bind_int64(s, i, v);
}

static int bind_opt_int(sqlite3_stmt *s, int i, long v)
{
	return v < 0 ? sqlite3_bind_null(s, i) : sqlite3_bind_int64(s, i, v);
}

static int prepared(struct ha_store *st, enum stmt_id id, const char *sql, sqlite3_stmt **out,
                    struct ha_err *err)
{
	int rc;

	if (!st->st[id]) {
		rc = sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st->st[id],
		                        NULL);
		if (rc != SQLITE_OK)
			return sqlfail(st, rc, err, "preparing a statement");
	}
	sqlite3_reset(st->st[id]);
	sqlite3_clear_bindings(st->st[id]);
	*out = st->st[id];
	return HA_OK;
}

static int step_done(struct ha_store *st, sqlite3_stmt *s, struct ha_err *err, const char *what)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	return rc == SQLITE_DONE ? HA_OK : sqlfail(st, rc, err, what);
}

static void now_iso(char out[32])
{
	ha_unix_iso((int64_t)time(NULL), out);
}

/* --------------------------------------------------------------- writing */

int ha_store_run_begin(struct ha_store *st, const struct ha_run_meta *m, int64_t *run_id,
                       struct ha_err *err)
{
	sqlite3_stmt *s = NULL;
	char now[32];
	int rc;

	now_iso(now);
	rc = sqlite3_prepare_v2(
	        st->db,
	        "INSERT INTO runs (started_at, status, tool_version, as_of, rules_digest,"
	        " requests_digest, paths, command, hosts_total)"
	        " VALUES (?, 'running', ?, ?, ?, ?, ?, ?, ?)",
	        -1, &s, NULL);
	if (rc != SQLITE_OK)
		return sqlfail(st, rc, err, "recording the run");
	bind_text(s, 1, now);
	bind_text(s, 2, m->tool_version);
	bind_text(s, 3, m->as_of);
	bind_text(s, 4, m->rules_digest);
	bind_text(s, 5, m->requests_digest);
	bind_text(s, 6, m->paths);
	bind_text(s, 7, m->command);
	bind_int(s, 8, m->hosts_total);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return sqlfail(st, rc, err, "recording the run");
	*run_id = sqlite3_last_insert_rowid(st->db);
	return HA_OK;
}

int ha_store_put_rules(struct ha_store *st, int64_t run_id, const struct ha_store_rule *rules,
                       size_t n, struct ha_err *err)
{
	sqlite3_stmt *s = NULL;
	size_t i;
	int rc;

	rc = sqlite3_prepare_v2(
	        st->db,
	        "INSERT INTO rules (run_id, ord, rule_id, title, severity, category, source,"
	        " applies, remedy, reg, origin, counts) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
	        -1, &s, NULL);
	if (rc != SQLITE_OK)
		return sqlfail(st, rc, err, "recording the rules");
	for (i = 0; i < n; i++) {
		const struct ha_store_rule *r = &rules[i];

		sqlite3_reset(s);
		bind_int(s, 1, run_id);
		bind_int(s, 2, (int64_t)i);
		bind_text(s, 3, r->id);
		bind_text(s, 4, r->title);
		bind_text(s, 5, r->severity);
		bind_text(s, 6, r->category);
		bind_text(s, 7, r->source);
		bind_text(s, 8, r->applies);
		bind_text(s, 9, r->remedy);
		bind_text(s, 10, r->reg);
		bind_text(s, 11, r->origin);
		bind_int(s, 12, r->decides);
		rc = sqlite3_step(s);
		if (rc != SQLITE_DONE) {
			rc = sqlfail(st, rc, err, "recording the rules");
			sqlite3_finalize(s);
			return rc;
		}
	}
	sqlite3_finalize(s);
	return HA_OK;
}

int ha_store_put_note(struct ha_store *st, int64_t run_id, const char *text, struct ha_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(st->db, "INSERT INTO notes (run_id, text) VALUES (?, ?)", -1,
	                            &s, NULL);

	if (rc != SQLITE_OK)
		return sqlfail(st, rc, err, "recording a note");
	bind_int(s, 1, run_id);
	bind_text(s, 2, text);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? HA_OK : sqlfail(st, rc, err, "recording a note");
}

static const char *const run_state_names[HA_NRUN_STATES] = {"running", "complete", "interrupted",
                                                            "failed"};

const char *ha_run_state_name(int state)
{
	return (state >= 0 && state < HA_NRUN_STATES) ? run_state_names[state] : "?";
}

int ha_run_state_from_name(const char *name)
{
	int i;

	for (i = 0; name && i < HA_NRUN_STATES; i++)
		if (!strcmp(name, run_state_names[i]))
			return i;
	return -1;
}

int ha_store_run_end(struct ha_store *st, int64_t run_id, enum ha_run_state state,
                     struct ha_err *err)
{
	sqlite3_stmt *s = NULL;
	char now[32];
	int rc = sqlite3_prepare_v2(st->db,
	                            "UPDATE runs SET status = ?, finished_at = ? WHERE run_id = ?",
	                            -1, &s, NULL);

	if (rc != SQLITE_OK)
		return sqlfail(st, rc, err, "closing the run");
	now_iso(now);
	bind_text(s, 1, ha_run_state_name(state));
	bind_text(s, 2, now);
	bind_int(s, 3, run_id);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? HA_OK : sqlfail(st, rc, err, "closing the run");
}

int ha_store_begin(struct ha_store *st, struct ha_err *err)
{
	return exec(st, "BEGIN IMMEDIATE", err, "starting a transaction");
}

int ha_store_commit(struct ha_store *st, struct ha_err *err)
{
	return exec(st, "COMMIT", err, "committing");
}

void ha_store_rollback(struct ha_store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

static int put_hive(struct ha_store *st, int64_t host_id, const struct ha_hivefile *f,
                    struct ha_err *err)
{
	sqlite3_stmt *s = NULL;
	struct ha_buf logs;
	char iso[32];
	size_t i;
	int rc;

	rc = prepared(
	        st, S_HIVE,
	        "INSERT INTO hives (host_id, role, kind, kind_why, path, status, reason, size,"
	        " mtime_ns, sha256, seq_primary, seq_secondary, checksum_ok, checksum_stored,"
	        " checksum_computed, version_major, version_minor, file_type, root_offset,"
	        " hbins_size, embedded_name, last_written, dirty, degraded, logs, replay)"
	        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	        &s, err);
	if (rc)
		return rc;
	ha_buf_init(&logs, 1 << 20);
	for (i = 0; i < f->nlogs; i++) {
		if (i)
			ha_buf_putc(&logs, '\n');
		ha_buf_puts(&logs, f->logs[i]);
	}
	bind_int(s, 1, host_id);
	bind_text(s, 2, f->role >= 0 ? ha_role_name(f->role) : NULL);
	bind_text(s, 3, ha_file_kind_name(f->kind));
	bind_text(s, 4, f->kind_why);
	bind_text(s, 5, f->path);
	bind_text(s, 6, ha_hive_status_name(f->status));
	bind_text(s, 7, f->reason);
	if (f->sha256[0] || f->size) {
		bind_int(s, 8, (int64_t)f->size);
		bind_int(s, 9, f->mtime_ns);
	}
	bind_text(s, 10, f->sha256[0] ? f->sha256 : NULL);
	if (f->bb_valid) {
		const struct ha_baseblock *b = &f->bb;

		bind_int(s, 11, b->seq1);
		bind_int(s, 12, b->seq2);
		bind_int(s, 13, b->checksum_ok);
		bind_int(s, 14, b->checksum_stored);
		bind_int(s, 15, b->checksum_computed);
		bind_int(s, 16, b->major);
		bind_int(s, 17, b->minor);
		bind_int(s, 18, b->type);
		bind_int(s, 19, b->root_offset);
		bind_int(s, 20, b->hbins_size);
		bind_text(s, 21, b->name);
		ha_filetime_iso(b->last_written, iso);
		bind_text(s, 22, iso);
	}
	bind_int(s, 23, f->dirty);
	bind_int(s, 24, f->degraded);
	bind_text(s, 25, f->nlogs ? ha_buf_cstr(&logs) : NULL);
	bind_text(s, 26, f->replay);
	rc = ha_buf_status(&logs) ? ha_err_nomem(err) : step_done(st, s, err, "recording a hive");
	ha_buf_free(&logs);
	return rc;
}

static int put_finding(struct ha_store *st, int64_t host_id, const struct ha_finding *f,
                       struct ha_err *err)
{
	sqlite3_stmt *s = NULL;
	int64_t fid;
	size_t i;
	int rc;

	rc = prepared(st, S_FINDING,
	              "INSERT INTO findings (host_id, rule_id, status, severity, title, category,"
	              " observed, expected, reason) VALUES (?,?,?,?,?,?,?,?,?)",
	              &s, err);
	if (rc)
		return rc;
	bind_int(s, 1, host_id);
	bind_text(s, 2, f->rule_id);
	bind_text(s, 3, ha_status_name(f->status));
	bind_text(s, 4, f->severity);
	bind_text(s, 5, f->title);
	bind_text(s, 6, f->category);
	bind_text(s, 7, f->observed);
	bind_text(s, 8, f->expected);
	bind_text(s, 9, f->reason);
	rc = step_done(st, s, err, "recording a finding");
	if (rc)
		return rc;
	fid = sqlite3_last_insert_rowid(st->db);
	for (i = 0; i < f->nev; i++) {
		const struct ha_evidence *e = &f->ev[i];

		rc = prepared(
		        st, S_EVIDENCE,
		        "INSERT INTO evidence (finding_id, role, hive_path, hive_sha256,"
		        " control_set, key_path, value_name, value_type, data, last_write, note)"
		        " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
		        &s, err);
		if (rc)
			return rc;
		bind_int(s, 1, fid);
		bind_text(s, 2, e->role >= 0 ? ha_role_name(e->role) : NULL);
		bind_text(s, 3, e->hive_path);
		bind_text(s, 4, e->hive_sha256);
		bind_text(s, 5, e->control_set);
		bind_text(s, 6, e->key_path);
		bind_text(s, 7, e->value_name);
		bind_text(s, 8, e->value_type);
		bind_text(s, 9, e->data);
		bind_text(s, 10, e->last_write && *e->last_write ? e->last_write : NULL);
		bind_text(s, 11, e->note && *e->note ? e->note : NULL);
		rc = step_done(st, s, err, "recording evidence");
		if (rc)
			return rc;
	}
	return HA_OK;
}

int ha_store_put_host(struct ha_store *st, int64_t run_id, const struct ha_snapshot *snap,
                      const struct ha_facts *f, const struct ha_findings *fs, int64_t reused_from,
                      int64_t *host_id, struct ha_err *err)
{
	sqlite3_stmt *s = NULL;
	struct ha_buf blob;
	char nt[32];
	size_t i;
	int rc;

	ha_buf_init(&blob, (size_t)256 << 20);
	if (ha_snapshot_encode(snap, &blob) != HA_OK) {
		ha_buf_free(&blob);
		return ha_err_set(err, HA_ERR_NOMEM, "host '%s': snapshot too large to store",
		                  snap->label);
	}
	rc = prepared(
	        st, S_HOST,
	        "INSERT INTO hosts (run_id, label, dir, computer_name, hostname, domain,"
	        " os_family, product_name, nt_version, build, ubr, service_pack,"
	        " installation_type, edition, product_type, product, architecture, control_set,"
	        " control_set_source, system_status, system_reason, software_status,"
	        " software_reason, verdict, verdict_reason, note, reused_from, snapshot)"
	        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	        &s, err);
	if (rc) {
		ha_buf_free(&blob);
		return rc;
	}
	if (f->nt_major >= 0)
		snprintf(nt, sizeof nt, "%d.%d", f->nt_major, f->nt_minor);
	bind_int(s, 1, run_id);
	bind_text(s, 2, snap->label);
	bind_text(s, 3, snap->dir);
	bind_text(s, 4, f->computer_name);
	bind_text(s, 5, f->hostname);
	bind_text(s, 6, f->domain);
	bind_text(s, 7, f->os_family);
	bind_text(s, 8, f->product_name);
	bind_text(s, 9, f->nt_major >= 0 ? nt : NULL);
	bind_opt_int(s, 10, f->build);
	bind_opt_int(s, 11, f->ubr);
	bind_opt_int(s, 12, f->os_known ? f->sp : -1);
	bind_text(s, 13, f->installation_type);
	bind_text(s, 14, f->edition);
	bind_text(s, 15, f->product_type_raw);
	bind_text(s, 16, ha_product_name(f->product));
	bind_text(s, 17, ha_arch_name(f->arch));
	bind_opt_int(s, 18, snap->ccs ? snap->ccs : -1);
	bind_text(s, 19, snap->ccs_source);
	bind_text(s, 20, ha_hive_status_name(snap->role[HA_SYSTEM].status));
	bind_text(s, 21, snap->role[HA_SYSTEM].reason);
	bind_text(s, 22, ha_hive_status_name(snap->role[HA_SOFTWARE].status));
	bind_text(s, 23, snap->role[HA_SOFTWARE].reason);
	bind_text(s, 24, ha_verdict_name(fs->verdict));
	bind_text(s, 25, fs->verdict_reason);
	bind_text(s, 26, snap->note);
	if (reused_from)
		bind_int(s, 27, reused_from);
	sqlite3_bind_blob(s, 28, blob.data ? blob.data : "", (int)blob.len, SQLITE_TRANSIENT);
	rc = step_done(st, s, err, "recording a host");
	ha_buf_free(&blob);
	if (!rc) {
		*host_id = sqlite3_last_insert_rowid(st->db);
		for (i = 0; i < snap->nfiles && !rc; i++)
			rc = put_hive(st, *host_id, &snap->files[i], err);
		for (i = 0; i < fs->n && !rc; i++)
			rc = put_finding(st, *host_id, &fs->v[i], err);
	}
	/* The code is rc, not the prefixed error's: err may be NULL. */
	if (rc)
		ha_err_prefix(err, "host '%s'", snap->label);
	return rc;
}

int ha_store_put_waiver(struct ha_store *st, int64_t run_id, const struct ha_store_waiver *w,
                        int64_t *waiver_id, struct ha_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(
	        st->db,
	        "INSERT INTO waivers (run_id, file, line, hosts, rules, reason,"
	        " approver, expires, ticket, expired) VALUES (?,?,?,?,?,?,?,?,?,?)",
	        -1, &s, NULL);

	if (rc != SQLITE_OK)
		return sqlfail(st, rc, err, "recording a waiver");
	bind_int(s, 1, run_id);
	bind_text(s, 2, w->file);
	bind_int(s, 3, w->line);
	bind_text(s, 4, w->hosts);
	bind_text(s, 5, w->rules);
	bind_text(s, 6, w->reason);
	bind_text(s, 7, w->approver);
	bind_text(s, 8, w->expires);
	bind_text(s, 9, w->ticket);
	bind_int(s, 10, w->expired);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return sqlfail(st, rc, err, "recording a waiver");
	*waiver_id = sqlite3_last_insert_rowid(st->db);
	return HA_OK;
}

int ha_store_put_waived(struct ha_store *st, int64_t host_id, const char *rule_id,
                        int64_t waiver_id, int expired, struct ha_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v3(
	        st->db,
	        "INSERT INTO waived_findings (finding_id, waiver_id, expired)"
	        " SELECT finding_id, ?, ? FROM findings WHERE host_id = ? AND rule_id = ?",
	        -1, 0, &s, NULL);

	if (rc != SQLITE_OK)
		return sqlfail(st, rc, err, "recording a waived finding");
	bind_int(s, 1, waiver_id);
	bind_int(s, 2, expired);
	bind_int(s, 3, host_id);
	bind_text(s, 4, rule_id);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? HA_OK : sqlfail(st, rc, err, "recording a waived finding");
}

int ha_store_put_waived_verdict(struct ha_store *st, int64_t host_id, enum ha_verdict verdict,
                                const char *reason, struct ha_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(st->db,
	                            "UPDATE hosts SET waived_verdict = ?, waived_reason = ?"
	                            " WHERE host_id = ?",
	                            -1, &s, NULL);

	if (rc != SQLITE_OK)
		return sqlfail(st, rc, err, "recording a verdict");
	bind_text(s, 1, ha_verdict_name(verdict));
	bind_text(s, 2, reason);
	bind_int(s, 3, host_id);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? HA_OK : sqlfail(st, rc, err, "recording a verdict");
}

int ha_store_previous(struct ha_store *st, const char *dir, const char *requests_digest,
                      int64_t *host_id, struct ha_snapshot *out, struct ha_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc;

	*host_id = 0;
	rc = sqlite3_prepare_v2(
	        st->db,
	        "SELECT h.host_id, h.snapshot FROM hosts h JOIN runs r USING (run_id)"
	        " WHERE h.dir = ? AND r.requests_digest = ?"
	        " ORDER BY h.host_id DESC LIMIT 1",
	        -1, &s, NULL);
	if (rc != SQLITE_OK)
		return sqlfail(st, rc, err, "looking up an earlier run");
	bind_text(s, 1, dir);
	bind_text(s, 2, requests_digest);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		const void *p = sqlite3_column_blob(s, 1);
		int n = sqlite3_column_bytes(s, 1);

		if (p && n > 0 && ha_snapshot_decode(p, (size_t)n, out, err) == HA_OK) {
			*host_id = sqlite3_column_int64(s, 0);
		} else {
			/* A damaged saved snapshot only means reading again. */
			ha_snapshot_free(out);
			ha_err_clear(err);
		}
		rc = SQLITE_DONE;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? HA_OK : sqlfail(st, rc, err, "looking up an earlier run");
}

int ha_store_load_snapshot(struct ha_store *st, int64_t host_id, struct ha_snapshot *out,
                           struct ha_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(st->db, "SELECT snapshot FROM hosts WHERE host_id = ?", -1, &s,
	                            NULL);

	if (rc != SQLITE_OK)
		return sqlfail(st, rc, err, "loading a saved snapshot");
	bind_int(s, 1, host_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		const void *p = sqlite3_column_blob(s, 0);
		int n = sqlite3_column_bytes(s, 0);

		rc = p && n > 0 ? ha_snapshot_decode(p, (size_t)n, out, err)
		                : ha_err_set(err, HA_ERR_STORE, "saved snapshot %lld is empty",
		                             (long long)host_id);
		sqlite3_finalize(s);
		return rc;
	}
	sqlite3_finalize(s);
	if (rc == SQLITE_DONE)
		return ha_err_set(err, HA_ERR_NOTFOUND, "no saved snapshot %lld",
		                  (long long)host_id);
	return sqlfail(st, rc, err, "loading a saved snapshot");
}

int ha_store_set_identity(struct ha_store *st, int64_t host_id, const char *path,
                          const struct ha_file_identity *id, struct ha_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc = prepared(st, S_IDENTITY,
	                  "UPDATE hives SET dev = ?, ino = ?, ctime_ns = ?"
	                  " WHERE host_id = ? AND path = ? AND size = ? AND mtime_ns = ?",
	                  &s, err);

	if (rc)
		return rc;
	/* SQLite integers are signed 64-bit: device and inode numbers keep
	 * their bits. */
	bind_int(s, 1, (int64_t)id->dev);
	bind_int(s, 2, (int64_t)id->ino);
	bind_int(s, 3, id->ctime_ns);
	bind_int(s, 4, host_id);
	bind_text(s, 5, path);
	bind_int(s, 6, (int64_t)id->size);
	bind_int(s, 7, id->mtime_ns);
	return step_done(st, s, err, "recording a file identity");
}

/* One row of (dev, ino, size, mtime_ns, ctime_ns, sha256) from a bound
 * statement into `id` and `sha256`; *found says whether there was one. */
static int identity_row(struct ha_store *st, sqlite3_stmt *s, struct ha_file_identity *id,
                        char sha256[65], int *found, const char *what, struct ha_err *err)
{
	int rc;

	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		const unsigned char *h = sqlite3_column_text(s, 5);

		id->dev = (uint64_t)sqlite3_column_int64(s, 0);
		id->ino = (uint64_t)sqlite3_column_int64(s, 1);
		id->size = (uint64_t)sqlite3_column_int64(s, 2);
		id->mtime_ns = sqlite3_column_int64(s, 3);
		id->ctime_ns = sqlite3_column_int64(s, 4);
		snprintf(sha256, 65, "%s", h ? (const char *)h : "");
		*found = 1;
		rc = SQLITE_DONE;
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? HA_OK : sqlfail(st, rc, err, what);
}

int ha_store_get_identity(struct ha_store *st, int64_t host_id, const char *path,
                          struct ha_file_identity *id, char sha256[65], int *found,
                          struct ha_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc = prepared(st, S_GET_IDENTITY,
	                  "SELECT dev, ino, size, mtime_ns, ctime_ns, sha256 FROM hives"
	                  " WHERE host_id = ? AND path = ? AND dev IS NOT NULL AND ino IS NOT NULL"
	                  " AND size IS NOT NULL AND mtime_ns IS NOT NULL AND ctime_ns IS NOT NULL",
	                  &s, err);

	*found = 0;
	sha256[0] = '\0';
	if (rc)
		return rc;
	bind_int(s, 1, host_id);
	bind_text(s, 2, path);
	return identity_row(st, s, id, sha256, found, "looking up a file identity", err);
}

int ha_store_set_container(struct ha_store *st, int64_t host_id, const char *path,
                           const struct ha_hive_container *c, struct ha_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc = prepared(st, S_CONTAINER,
	                  "UPDATE hives SET container = ?, container_sha256 = ?, inner_path = ?,"
	                  " container_dev = ?, container_ino = ?, container_size = ?,"
	                  " container_mtime_ns = ?, container_ctime_ns = ?"
	                  " WHERE host_id = ? AND path = ?",
	                  &s, err);

	if (rc)
		return rc;
	bind_text(s, 1, c->file);
	bind_text(s, 2, c->sha256 && *c->sha256 ? c->sha256 : NULL);
	bind_text(s, 3, c->inner);
	if (c->id) {
		bind_int(s, 4, (int64_t)c->id->dev);
		bind_int(s, 5, (int64_t)c->id->ino);
		bind_int(s, 6, (int64_t)c->id->size);
		bind_int(s, 7, c->id->mtime_ns);
		bind_int(s, 8, c->id->ctime_ns);
	} else {
		int i;

		for (i = 4; i <= 8; i++)
			sqlite3_bind_null(s, i);
	}
	bind_int(s, 9, host_id);
	bind_text(s, 10, path);
	return step_done(st, s, err, "recording a hive's container");
}

int ha_store_get_container_identity(struct ha_store *st, int64_t host_id, const char *path,
                                    const char *container, struct ha_file_identity *id,
                                    char sha256[65], int *found, struct ha_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc = prepared(st, S_GET_CONTAINER,
	                  "SELECT container_dev, container_ino, container_size, container_mtime_ns,"
	                  " container_ctime_ns, sha256 FROM hives"
	                  " WHERE host_id = ? AND path = ? AND container = ?"
	                  " AND container_dev IS NOT NULL AND container_ino IS NOT NULL"
	                  " AND container_size IS NOT NULL AND container_mtime_ns IS NOT NULL"
	                  " AND container_ctime_ns IS NOT NULL",
	                  &s, err);

	*found = 0;
	sha256[0] = '\0';
	if (rc)
		return rc;
	bind_int(s, 1, host_id);
	bind_text(s, 2, path);
	bind_text(s, 3, container);
	return identity_row(st, s, id, sha256, found, "looking up a container's identity", err);
}

/* --------------------------------------------------------------- reading */

/* A host's verdict as the reports show it: after waivers, when they
 * changed it (docs/store.md, "waivers"). */
#define HOST_VERDICT "coalesce(h.waived_verdict, h.verdict)"

static const char *col(sqlite3_stmt *s, int i)
{
	const char *p = (const char *)sqlite3_column_text(s, i);

	return p ? p : "";
}

static long col_long(sqlite3_stmt *s, int i)
{
	return sqlite3_column_type(s, i) == SQLITE_NULL ? -1 : (long)sqlite3_column_int64(s, i);
}

/* Stored names to enums (ha_store.h): a name no enum knows is read as the
 * value that claims least. */
static enum ha_status status_of(const char *name)
{
	int i;

	/* Exact, as the SQL that counts findings per status compares. */
	for (i = 0; i < HA_NSTATUS; i++)
		if (!strcmp(name, ha_status_name(i)))
			return (enum ha_status)i;
	return HA_UNKNOWN;
}

static enum ha_hive_status hive_status_of(const char *name)
{
	int v = ha_hive_status_from_name(name);

	return v < 0 ? HA_HS_UNREADABLE : (enum ha_hive_status)v;
}

static enum ha_verdict verdict_of(const char *name)
{
	int v = ha_verdict_from_name(name);

	return v < 0 ? HA_VERDICT_UNKNOWN : (enum ha_verdict)v;
}

static enum ha_run_state run_state_of(const char *name)
{
	int v = ha_run_state_from_name(name);

	return v < 0 ? HA_RUN_FAILED : (enum ha_run_state)v;
}

/* Runs `sql` with up to two integer parameters (and an optional text one),
 * calling `row` for each result row. */
static int each_cached(struct ha_store *st, enum read_id slot, const char *sql, int64_t a,
                       int64_t b, const char *t, int (*row)(sqlite3_stmt *, void *), void *ctx,
                       struct ha_err *err, const char *what)
{
	sqlite3_stmt *s = NULL;
	int rc, np, cbrc = HA_OK, cached = slot != R_NONE && !st->rd_busy[slot];

	if (cached && st->rd[slot]) {
		s = st->rd[slot];
		sqlite3_reset(s);
		sqlite3_clear_bindings(s);
	} else {
		rc = sqlite3_prepare_v3(st->db, sql, -1, cached ? SQLITE_PREPARE_PERSISTENT : 0, &s,
		                        NULL);
		if (rc != SQLITE_OK)
			return sqlfail(st, rc, err, what);
		if (cached)
			st->rd[slot] = s;
	}
	if (cached)
		st->rd_busy[slot] = 1;
	np = sqlite3_bind_parameter_count(s);
	if (np >= 1)
		bind_int(s, 1, a);
	if (np >= 2)
		bind_int(s, 2, b);
	if (np >= 3)
		bind_text(s, 3, t);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		cbrc = row(s, ctx);
		if (cbrc)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE && !cbrc)
		cbrc = sqlfail(st, rc, err, what);
	if (cached) {
		sqlite3_reset(s);
		st->rd_busy[slot] = 0;
	} else {
		sqlite3_finalize(s);
	}
	return cbrc; /* HA_OK, the callback's own error, or SQLite's */
}

static int each(struct ha_store *st, const char *sql, int64_t a, int64_t b, const char *t,
                int (*row)(sqlite3_stmt *, void *), void *ctx, struct ha_err *err, const char *what)
{
	return each_cached(st, R_NONE, sql, a, b, t, row, ctx, err, what);
}

int ha_store_latest_run(struct ha_store *st, int64_t *run_id, struct ha_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(st->db, "SELECT max(run_id) FROM runs", -1, &s, NULL);

	if (rc != SQLITE_OK)
		return sqlfail(st, rc, err, "finding the latest run");
	rc = sqlite3_step(s);
	*run_id = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_finalize(s);
	return (rc == SQLITE_ROW || rc == SQLITE_DONE)
	               ? HA_OK
	               : sqlfail(st, rc, err, "finding the latest run");
}

int ha_store_latest_complete_run(struct ha_store *st, int64_t *run_id, struct ha_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(
	        st->db, "SELECT max(run_id) FROM runs WHERE status = 'complete'", -1, &s, NULL);

	if (rc != SQLITE_OK)
		return sqlfail(st, rc, err, "finding the latest complete run");
	rc = sqlite3_step(s);
	*run_id = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_finalize(s);
	return (rc == SQLITE_ROW || rc == SQLITE_DONE)
	               ? HA_OK
	               : sqlfail(st, rc, err, "finding the latest complete run");
}

struct cbpair {
	union {
		ha_run_cb run;
		ha_run_summary_cb runs;
		ha_status_cb status;
		ha_host_cb host;
		ha_hive_cb hive;
		ha_finding_cb finding;
		ha_evidence_cb evidence;
		ha_rule_cb rule;
		ha_note_cb note;
	} u;
	void *ctx;
};

static int run_row(sqlite3_stmt *s, void *p)
{
	struct cbpair *cp = p;
	struct ha_run_row r;

	r.run_id = sqlite3_column_int64(s, 0);
	r.started_at = col(s, 1);
	r.finished_at = col(s, 2);
	r.status = run_state_of(col(s, 3));
	r.tool_version = col(s, 4);
	r.as_of = col(s, 5);
	r.paths = col(s, 6);
	r.hosts_total = col_long(s, 7);
	r.hosts_stored = col_long(s, 8);
	return cp->u.run(cp->ctx, &r);
}

int ha_store_get_run(struct ha_store *st, int64_t run_id, ha_run_cb cb, void *ctx,
                     struct ha_err *err)
{
	struct cbpair cp;

	cp.u.run = cb;
	cp.ctx = ctx;

	return each(st,
	            "SELECT run_id, started_at, finished_at, status, tool_version, as_of, paths,"
	            " hosts_total, (SELECT count(*) FROM hosts h WHERE h.run_id = runs.run_id)"
	            " FROM runs WHERE run_id = ?",
	            run_id, 0, NULL, run_row, &cp, err, "reading the run");
}

static int host_row(sqlite3_stmt *s, void *p)
{
	struct cbpair *cp = p;
	struct ha_host_row h;
	int i;

	h.host_id = sqlite3_column_int64(s, 0);
	h.label = col(s, 1);
	h.dir = col(s, 2);
	h.computer_name = col(s, 3);
	h.hostname = col(s, 4);
	h.domain = col(s, 5);
	h.os_family = col(s, 6);
	h.product_name = col(s, 7);
	h.nt_version = col(s, 8);
	h.build = col_long(s, 9);
	h.ubr = col_long(s, 10);
	h.sp = col_long(s, 11);
	h.installation_type = col(s, 12);
	h.edition = col(s, 13);
	h.product_type = col(s, 14);
	h.product = col(s, 15);
	h.arch = col(s, 16);
	h.control_set = col_long(s, 17);
	h.control_set_source = col(s, 18);
	h.verdict = verdict_of(col(s, 19));
	h.verdict_reason = col(s, 20);
	h.note = col(s, 21);
	h.hive_status[HA_SYSTEM] = hive_status_of(col(s, 22));
	h.hive_status[HA_SOFTWARE] = hive_status_of(col(s, 23));
	for (i = 0; i < HA_NSTATUS; i++)
		h.findings_by_status[i] = col_long(s, 24 + i);
	h.reused_from = sqlite3_column_int64(s, 29);
	return cp->u.host(cp->ctx, &h);
}

/* The columns host_row reads, in its order. */
#define HOST_COLUMNS                                                                               \
	"SELECT h.host_id, h.label, h.dir, h.computer_name, h.hostname, h.domain,"                 \
	" h.os_family, h.product_name, h.nt_version, h.build, h.ubr, h.service_pack,"              \
	" h.installation_type, h.edition, h.product_type, h.product, h.architecture,"              \
	" h.control_set, h.control_set_source, " HOST_VERDICT ","                                  \
	" coalesce(h.waived_reason, h.verdict_reason), h.note,"                                    \
	" h.system_status, h.software_status,"                                                     \
	" (SELECT count(*) FROM findings f WHERE f.host_id = h.host_id AND f.status = 'PASS'),"    \
	" (SELECT count(*) FROM findings f WHERE f.host_id = h.host_id AND f.status = 'FAIL'),"    \
	" (SELECT count(*) FROM findings f WHERE f.host_id = h.host_id AND f.status = 'WARN'),"    \
	" (SELECT count(*) FROM findings f WHERE f.host_id = h.host_id"                            \
	"   AND f.status = 'NOT_APPLICABLE'),"                                                     \
	" (SELECT count(*) FROM findings f WHERE f.host_id = h.host_id AND f.status = 'UNKNOWN')," \
	" coalesce(h.reused_from, 0)"

int ha_store_get_host(struct ha_store *st, int64_t host_id, ha_host_cb cb, void *ctx,
                      struct ha_err *err)
{
	struct cbpair cp;

	cp.u.host = cb;
	cp.ctx = ctx;
	return each(st, HOST_COLUMNS " FROM hosts h WHERE h.host_id = ?1", host_id, 0, NULL,
	            host_row, &cp, err, "reading a host");
}

int ha_store_each_host(struct ha_store *st, int64_t run_id, const char *label, ha_host_cb cb,
                       void *ctx, struct ha_err *err)
{
	struct cbpair cp;

	cp.u.host = cb;
	cp.ctx = ctx;

	return each(st,
	            HOST_COLUMNS " FROM hosts h WHERE h.run_id = ?1"
	                         "  AND (?3 IS NULL OR h.label = ?3 COLLATE NOCASE OR "
	                         "h.computer_name = ?3 COLLATE NOCASE"
	                         "       OR h.dir = ?3)"
	                         "  AND ?2 = ?2"
	                         " ORDER BY h.label, h.dir",
	            run_id, 0, label, host_row, &cp, err, "reading hosts");
}

static int hive_row(sqlite3_stmt *s, void *p)
{
	struct cbpair *cp = p;
	struct ha_hive_row h;

	h.hive_id = sqlite3_column_int64(s, 0);
	h.role = col(s, 1);
	h.kind = col(s, 2);
	h.kind_why = col(s, 3);
	h.path = col(s, 4);
	h.status = hive_status_of(col(s, 5));
	h.reason = col(s, 6);
	h.sha256 = col(s, 7);
	h.embedded_name = col(s, 8);
	h.last_written = col(s, 9);
	h.logs = col(s, 10);
	h.replay = col(s, 11);
	h.size = sqlite3_column_int64(s, 12);
	h.seq1 = col_long(s, 13);
	h.seq2 = col_long(s, 14);
	h.checksum_ok = col_long(s, 15);
	h.dirty = col_long(s, 16);
	h.degraded = col_long(s, 17);
	h.container = col(s, 18);
	h.container_sha256 = col(s, 19);
	h.inner_path = col(s, 20);
	return cp->u.hive(cp->ctx, &h);
}

int ha_store_each_hive(struct ha_store *st, int64_t host_id, ha_hive_cb cb, void *ctx,
                       struct ha_err *err)
{
	struct cbpair cp;

	cp.u.hive = cb;
	cp.ctx = ctx;

	return each(
	        st,
	        "SELECT hive_id, role, kind, kind_why, path, status, reason, sha256, embedded_name,"
	        " last_written, logs, replay, size, seq_primary, seq_secondary, checksum_ok, dirty,"
	        " degraded, container, container_sha256, inner_path FROM hives WHERE host_id = ?"
	        " ORDER BY hive_id",
	        host_id, 0, NULL, hive_row, &cp, err, "reading hives");
}

/* The evidence of the findings being read comes from a second statement
 * ordered as the findings are (by the same unique key, then evidence id):
 * finding_row takes each finding's rows as it comes.  So a run's findings
 * with their evidence are two statements, not one query per finding. */
#define EV_COLS 10

struct finding_read {
	struct cbpair cp;
	struct ha_store *st;
	struct ha_err *err;
	sqlite3_stmt *ev; /* on the next evidence row while ev_rc is SQLITE_ROW */
	int ev_rc;
	struct ha_buf text;     /* the current finding's rows' strings */
	size_t (*off)[EV_COLS]; /* each row's strings in text; SIZE_MAX for NULL */
	struct ha_evidence_row *rows;
	size_t cap;
};

/* Copies the evidence rows of finding fid (those the statement is on). */
static int take_evidence(struct finding_read *fr, int64_t fid, size_t *n)
{
	size_t i;
	int k;

	*n = 0;
	ha_buf_truncate(&fr->text, 0);
	while (fr->ev_rc == SQLITE_ROW && sqlite3_column_int64(fr->ev, 0) == fid) {
		if (*n == fr->cap) {
			size_t cap = fr->cap ? fr->cap * 2 : 16;
			size_t(*off)[EV_COLS] = realloc(fr->off, cap * sizeof *off);
			struct ha_evidence_row *rows;

			if (!off)
				return ha_err_nomem(fr->err);
			fr->off = off;
			rows = realloc(fr->rows, cap * sizeof *rows);
			if (!rows)
				return ha_err_nomem(fr->err);
			fr->rows = rows;
			fr->cap = cap;
		}
		for (k = 0; k < EV_COLS; k++) {
			const char *t = (const char *)sqlite3_column_text(fr->ev, k + 1);

			fr->off[*n][k] = t ? fr->text.len : SIZE_MAX;
			if (t)
				ha_buf_add(&fr->text, t, strlen(t) + 1);
		}
		++*n;
		fr->ev_rc = sqlite3_step(fr->ev);
	}
	if (fr->ev_rc != SQLITE_ROW && fr->ev_rc != SQLITE_DONE)
		return sqlfail(fr->st, fr->ev_rc, fr->err, "reading evidence");
	if (ha_buf_status(&fr->text))
		return ha_err_nomem(fr->err);
	for (i = 0; i < *n; i++) {
		const char *v[EV_COLS];
		struct ha_evidence_row *e = &fr->rows[i];

		for (k = 0; k < EV_COLS; k++)
			v[k] = fr->off[i][k] == SIZE_MAX ? NULL : fr->text.data + fr->off[i][k];
		/* as ha_store_each_evidence gives them: "" for NULL, except
		 * value_name, NULL when the evidence is a key */
		e->role = v[0] ? v[0] : "";
		e->hive_path = v[1] ? v[1] : "";
		e->hive_sha256 = v[2] ? v[2] : "";
		e->control_set = v[3] ? v[3] : "";
		e->key_path = v[4] ? v[4] : "";
		e->value_name = v[5];
		e->value_type = v[6] ? v[6] : "";
		e->data = v[7] ? v[7] : "";
		e->last_write = v[8] ? v[8] : "";
		e->note = v[9] ? v[9] : "";
	}
	return HA_OK;
}

static int finding_row(sqlite3_stmt *s, void *p)
{
	struct finding_read *fr = p;
	struct ha_finding_row f;
	size_t n;
	int rc;

	f.finding_id = sqlite3_column_int64(s, 0);
	f.host_id = sqlite3_column_int64(s, 1);
	f.label = col(s, 2);
	f.computer_name = col(s, 3);
	f.dir = col(s, 4);
	f.rule_id = col(s, 5);
	f.status = status_of(col(s, 6));
	f.severity = col(s, 7);
	f.title = col(s, 8);
	f.category = col(s, 9);
	f.observed = col(s, 10);
	f.expected = col(s, 11);
	f.reason = col(s, 12);
	f.remedy = col(s, 13);
	f.reg = col(s, 14);
	f.hive_files = col(s, 15);
	f.hive_sha256 = col(s, 16);
	f.waived = col(s, 17);
	f.waiver_reason = col(s, 18);
	f.waiver_expires = col(s, 19);
	f.waiver_approver = col(s, 20);
	f.waiver_ticket = col(s, 21);
	f.waiver_file = col(s, 22);
	f.waiver_line = col_long(s, 23);
	if ((rc = take_evidence(fr, f.finding_id, &n)) != HA_OK)
		return rc;
	f.evidence = fr->rows;
	f.nevidence = n;
	return fr->cp.u.finding(fr->cp.ctx, &f);
}

int ha_store_each_finding(struct ha_store *st, int64_t run_id, int64_t host_id, ha_finding_cb cb,
                          void *ctx, struct ha_err *err)
{
	struct finding_read fr;
	enum read_id slot =
	        host_id && !st->rd_busy[R_HOST_FINDING_EVIDENCE] ? R_HOST_FINDING_EVIDENCE : R_NONE;
	int rc;

#define FINDING_SELECT                                                                             \
	"SELECT f.finding_id, f.host_id, h.label, h.computer_name, h.dir, f.rule_id,"              \
	" f.status, f.severity, f.title, f.category, f.observed, f.expected, f.reason,"            \
	" r.remedy, r.reg,"                                                                        \
	" (SELECT group_concat(p, ' | ') FROM (SELECT DISTINCT e.hive_path AS p"                   \
	"    FROM evidence e WHERE e.finding_id = f.finding_id AND e.hive_path IS NOT NULL"        \
	"    ORDER BY e.hive_path)),"                                                              \
	" (SELECT group_concat(p, ' | ') FROM (SELECT DISTINCT e.hive_sha256 AS p"                 \
	"    FROM evidence e WHERE e.finding_id = f.finding_id"                                    \
	"    AND coalesce(e.hive_sha256, '') <> '' ORDER BY e.hive_path)),"                        \
	" CASE WHEN x.finding_id IS NULL THEN '' WHEN x.expired THEN 'expired' ELSE 'yes' END,"    \
	" w.reason, w.expires, w.approver, w.ticket, w.file, w.line"                               \
	" FROM findings f JOIN hosts h USING (host_id)"                                            \
	" LEFT JOIN rules r ON r.run_id = h.run_id AND r.rule_id = f.rule_id"                      \
	" LEFT JOIN waived_findings x ON x.finding_id = f.finding_id"                              \
	" LEFT JOIN waivers w ON w.waiver_id = x.waiver_id"
	/* The evidence of the same findings, in the same order (the findings'
	 * order is unique: a run's hosts differ by dir, a host's findings by
	 * rule). */
#define EVIDENCE_SELECT                                                                            \
	"SELECT e.finding_id, e.role, e.hive_path, e.hive_sha256, e.control_set, e.key_path,"      \
	" e.value_name, e.value_type, e.data, e.last_write, e.note"                                \
	" FROM findings f JOIN hosts h ON h.host_id = f.host_id"                                   \
	" JOIN evidence e ON e.finding_id = f.finding_id"                                          \
	" LEFT JOIN rules r ON r.run_id = h.run_id AND r.rule_id = f.rule_id"

	memset(&fr, 0, sizeof fr);
	fr.cp.u.finding = cb;
	fr.cp.ctx = ctx;
	fr.st = st;
	fr.err = err;
	ha_buf_init(&fr.text, 0);
	if (slot != R_NONE && st->rd[slot]) {
		fr.ev = st->rd[slot];
		sqlite3_reset(fr.ev);
		sqlite3_clear_bindings(fr.ev);
		rc = SQLITE_OK;
	} else {
		rc = sqlite3_prepare_v3(
		        st->db,
		        host_id ? EVIDENCE_SELECT " WHERE h.run_id = ?1 AND f.host_id = ?2"
		                                  " ORDER BY r.ord, f.rule_id, e.evidence_id"
		                : EVIDENCE_SELECT " WHERE h.run_id = ?1"
		                                  " ORDER BY h.label, h.dir, r.ord, f.rule_id,"
		                                  " e.evidence_id",
		        -1, slot != R_NONE ? SQLITE_PREPARE_PERSISTENT : 0, &fr.ev, NULL);
		if (rc == SQLITE_OK && slot != R_NONE)
			st->rd[slot] = fr.ev;
	}
	if (rc != SQLITE_OK) {
		ha_buf_free(&fr.text);
		return sqlfail(st, rc, err, "reading evidence");
	}
	if (slot != R_NONE)
		st->rd_busy[slot] = 1;
	bind_int(fr.ev, 1, run_id);
	if (host_id)
		bind_int(fr.ev, 2, host_id);
	fr.ev_rc = sqlite3_step(fr.ev);

	/* Two statements, not one with "(?2 = 0 OR host_id = ?2)": that form
	 * keeps SQLite from using the host index, and reading one host then
	 * reads the whole run. */
	if (host_id)
		rc = each_cached(st, R_HOST_FINDINGS,
		                 FINDING_SELECT " WHERE h.run_id = ?1 AND f.host_id = ?2"
		                                " ORDER BY r.ord, f.rule_id",
		                 run_id, host_id, NULL, finding_row, &fr, err, "reading findings");
	else
		rc = each(st,
		          FINDING_SELECT " WHERE h.run_id = ?1 AND ?2 = 0"
		                         " ORDER BY h.label, h.dir, r.ord, f.rule_id",
		          run_id, 0, NULL, finding_row, &fr, err, "reading findings");
	/* Every evidence row belongs to a finding read: one left over means
	 * the two orders differed, which must not pass unseen. */
	if (!rc && fr.ev_rc != SQLITE_ROW && fr.ev_rc != SQLITE_DONE)
		rc = sqlfail(st, fr.ev_rc, err, "reading evidence");
	else if (!rc && fr.ev_rc == SQLITE_ROW)
		rc = ha_err_set(err, HA_ERR_INTERNAL,
		                "reading findings: evidence of finding %" PRId64 " out of order",
		                (int64_t)sqlite3_column_int64(fr.ev, 0));
	if (slot != R_NONE) {
		sqlite3_reset(fr.ev);
		st->rd_busy[slot] = 0;
	} else {
		sqlite3_finalize(fr.ev);
	}
	free(fr.off);
	free(fr.rows);
	ha_buf_free(&fr.text);
	return rc;
#undef FINDING_SELECT
#undef EVIDENCE_SELECT
}

static int evidence_row(sqlite3_stmt *s, void *p)
{
	struct cbpair *cp = p;
	struct ha_evidence_row e;

	e.role = col(s, 0);
	e.hive_path = col(s, 1);
	e.hive_sha256 = col(s, 2);
	e.control_set = col(s, 3);
	e.key_path = col(s, 4);
	e.value_name = sqlite3_column_type(s, 5) == SQLITE_NULL ? NULL : col(s, 5);
	e.value_type = col(s, 6);
	e.data = col(s, 7);
	e.last_write = col(s, 8);
	e.note = col(s, 9);
	return cp->u.evidence(cp->ctx, &e);
}

int ha_store_each_evidence(struct ha_store *st, int64_t finding_id, ha_evidence_cb cb, void *ctx,
                           struct ha_err *err)
{
	struct cbpair cp;

	cp.u.evidence = cb;
	cp.ctx = ctx;

	return each_cached(st, R_EVIDENCE,
	                   "SELECT role, hive_path, hive_sha256, control_set, key_path, value_name,"
	                   " value_type, data, last_write, note FROM evidence WHERE finding_id = ?"
	                   " ORDER BY evidence_id",
	                   finding_id, 0, NULL, evidence_row, &cp, err, "reading evidence");
}

static int rule_row(sqlite3_stmt *s, void *p)
{
	struct cbpair *cp = p;
	struct ha_rule_row r;
	int i;

	r.id = col(s, 0);
	r.title = col(s, 1);
	r.severity = col(s, 2);
	r.category = col(s, 3);
	r.source = col(s, 4);
	r.applies = col(s, 5);
	r.remedy = col(s, 6);
	r.reg = col(s, 7);
	r.origin = col(s, 8);
	r.decides = sqlite3_column_int(s, 9);
	for (i = 0; i < HA_NSTATUS; i++)
		r.findings_by_status[i] = col_long(s, 10 + i);
	return cp->u.rule(cp->ctx, &r);
}

int ha_store_each_rule(struct ha_store *st, int64_t run_id, ha_rule_cb cb, void *ctx,
                       struct ha_err *err)
{
	struct cbpair cp;

	cp.u.rule = cb;
	cp.ctx = ctx;

	return each(
	        st,
	        "SELECT r.rule_id, r.title, r.severity, r.category, r.source, r.applies, r.remedy,"
	        " r.reg, r.origin, r.counts,"
	        " coalesce(sum(f.status = 'PASS'), 0), coalesce(sum(f.status = 'FAIL'), 0),"
	        " coalesce(sum(f.status = 'WARN'), 0), coalesce(sum(f.status = 'NOT_APPLICABLE'), "
	        "0),"
	        " coalesce(sum(f.status = 'UNKNOWN'), 0)"
	        " FROM rules r LEFT JOIN hosts h ON h.run_id = r.run_id"
	        " LEFT JOIN findings f ON f.host_id = h.host_id AND f.rule_id = r.rule_id"
	        " WHERE r.run_id = ? GROUP BY r.rule_id ORDER BY r.ord",
	        run_id, 0, NULL, rule_row, &cp, err, "reading rules");
}

static int note_row(sqlite3_stmt *s, void *p)
{
	struct cbpair *cp = p;

	return cp->u.note(cp->ctx, col(s, 0));
}

int ha_store_each_note(struct ha_store *st, int64_t run_id, ha_note_cb cb, void *ctx,
                       struct ha_err *err)
{
	struct cbpair cp;

	cp.u.note = cb;
	cp.ctx = ctx;

	return each(st, "SELECT text FROM notes WHERE run_id = ? ORDER BY note_id", run_id, 0, NULL,
	            note_row, &cp, err, "reading notes");
}

static int run_summary_row(sqlite3_stmt *s, void *p)
{
	const struct cbpair *cp = p;
	struct ha_run_summary r;
	int i;

	r.run_id = sqlite3_column_int64(s, 0);
	r.started_at = col(s, 1);
	r.finished_at = col(s, 2);
	r.status = run_state_of(col(s, 3));
	r.as_of = col(s, 4);
	r.paths = col(s, 5);
	r.requests_digest = col(s, 6);
	r.hosts_total = col_long(s, 7);
	r.hosts_stored = col_long(s, 8);
	for (i = 0; i < HA_NVERDICTS; i++)
		r.verdicts[i] = col_long(s, 9 + i);
	return cp->u.runs(cp->ctx, &r);
}

int ha_store_each_run(struct ha_store *st, ha_run_summary_cb cb, void *ctx, struct ha_err *err)
{
	struct cbpair cp;

	cp.u.runs = cb;
	cp.ctx = ctx;
	return each(st,
	            "SELECT r.run_id, r.started_at, r.finished_at, r.status, r.as_of, r.paths,"
	            " r.requests_digest, r.hosts_total, count(h.host_id),"
	            " coalesce(sum(" HOST_VERDICT " = 'ready'), 0),"
	            " coalesce(sum(" HOST_VERDICT " = 'not_ready'), 0),"
	            " coalesce(sum(" HOST_VERDICT
	            "   NOT IN ('ready', 'not_ready', 'ready_with_waivers')), 0),"
	            " coalesce(sum(" HOST_VERDICT " = 'ready_with_waivers'), 0)"
	            " FROM runs r LEFT JOIN hosts h USING (run_id)"
	            " WHERE ?1 = ?1 GROUP BY r.run_id ORDER BY r.run_id",
	            0, 0, NULL, run_summary_row, &cp, err, "listing runs");
}

static int status_row(sqlite3_stmt *s, void *p)
{
	const struct cbpair *cp = p;

	return cp->u.status(cp->ctx, col(s, 0), status_of(col(s, 1)));
}

int ha_store_each_status(struct ha_store *st, int64_t host_id, ha_status_cb cb, void *ctx,
                         struct ha_err *err)
{
	struct cbpair cp;

	cp.u.status = cb;
	cp.ctx = ctx;
	return each_cached(
	        st, R_STATUS,
	        "SELECT rule_id, status FROM findings WHERE host_id = ? ORDER BY rule_id", host_id,
	        0, NULL, status_row, &cp, err, "reading findings");
}

static int check_row(sqlite3_stmt *s, void *p)
{
	struct ha_buf *b = p;

	if (b->len)
		ha_buf_puts(b, "; ");
	ha_buf_puts(b, col(s, 0));
	return 0;
}

int ha_store_check(struct ha_store *st, struct ha_err *err)
{
	struct ha_buf b;
	int rc;

	ha_buf_init(&b, 1 << 16);
	rc = each(st, "PRAGMA integrity_check", 0, 0, NULL, check_row, &b, err,
	          "checking the store");
	if (!rc && strcmp(ha_buf_cstr(&b), "ok") != 0)
		rc = ha_err_set(err, HA_ERR_STORE, "integrity check: %s", ha_buf_cstr(&b));
	if (!rc) {
		ha_buf_truncate(&b, 0);
		rc = each(st, "PRAGMA foreign_key_check", 0, 0, NULL, check_row, &b, err,
		          "checking the store");
		if (!rc && b.len)
			rc = ha_err_set(err, HA_ERR_STORE, "foreign key check failed: %s",
			                ha_buf_cstr(&b));
	}
	ha_buf_free(&b);
	return rc;
}

/* --------------------------------------------- for the store's own files */

sqlite3 *ha_store_sqlite(struct ha_store *st)
{
	return st->db;
}

int ha_store_sqlfail(struct ha_store *st, int rc, struct ha_err *err, const char *what)
{
	return sqlfail(st, rc, err, what);
}

int ha_store_schema_latest(void)
{
	return LATEST_SCHEMA;
}
