/* test_store.c: unit tests of store/: creating and migrating a store,
 * refusing what is not one (another program's file, a newer schema), runs,
 * rules, notes and hosts written and read back byte for byte through every
 * reader (hostile strings included), foreign keys and cascades, saved
 * snapshots, the integrity check on a damaged store, and the busy error
 * when another connection holds the lock.
 *
 * (Over 1,000 lines: every write and read of the store, its migrations and its refusals.)
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "ha_report.h"
#include "ha_store.h"
#include "testutil.h"

static char *tmp;

static char *path_in(const char *name)
{
	static char p[8][4096];
	static int k;

	k = (k + 1) % 8;
	snprintf(p[k], sizeof p[k], "%s/%s", tmp, name);
	return p[k];
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A second, plain connection, as the sqlite3 shell or another process. */
static sqlite3 *raw(const char *path)
{
	sqlite3 *db = NULL;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		check_fail(__FILE__, __LINE__, "cannot open %s: %s", path, sqlite3_errmsg(db));
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, 5000);
	return db;
}

static long long scalar(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s;
	long long v = -1;

	if (!db || sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		return -2;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

static int exec(sqlite3 *db, const char *sql)
{
	return db ? sqlite3_exec(db, sql, NULL, NULL, NULL) : -1;
}

/* ------------------------------------------------------------ test data */

/* Strings a hive or a rule file can hold: quotes, SQL, format directives,
 * control bytes and invalid UTF-8 (but no NUL: C strings end there). */
#define H_QUOTE "O'Brien said \"hi\" `x` \\ back\\slash"
#define H_SQL   "'; DROP TABLE hosts; --"
#define H_SQL2  "Robert'); DROP TABLE runs;--"
#define H_BIN   "\x01\x02\x1B[31m\x7F\xC3\x28 binary-ish \xFF\xFE\t\r\n end"
#define H_FMT   "%s%n%x%%%1$s"
#define H_UTF8  "caf\xC3\xA9 \xF0\x9F\x98\x80 \xE2\x80\xAE"

static char *long_text;

static struct ha_evidence ev1[] = {
        {HA_SYSTEM, "fleet/" H_SQL "/SYSTEM", "aaaa", "ControlSet001 (Select\\Current = 1)",
         "ControlSet001\\Control\\" H_QUOTE, "Enabled", "REG_DWORD", "0x00000001 (1)",
         "2024-01-01T00:00:00Z", "note " H_FMT},
        {HA_SOFTWARE, "fleet/" H_SQL "/SOFTWARE", "bbbb", NULL, "Microsoft\\" H_BIN, "", "REG_SZ",
         "\"" H_UTF8 "\"", "", ""},
        {-1, NULL, NULL, NULL, "(host facts)", NULL, "absent", NULL, NULL, H_SQL2},
};

static struct ha_evidence ev2[] = {
        {HA_SYSTEM, "fleet/" H_SQL "/SYSTEM", "aaaa", NULL, "Select", "Current", "REG_DWORD",
         "0x00000001 (1)", NULL, NULL},
};

static struct ha_finding findings_v[] = {
        {"RULE-ONE", HA_FAIL, "critical", "Title " H_QUOTE, "schannel", "observed " H_BIN,
         "expected " H_FMT, "reason " H_UTF8, 3, ev1},
        {"RULE-TWO", HA_PASS, "high", "Second", "os", "", "", "fine", 1, ev2},
        {"RULE-THREE", HA_UNKNOWN, "low", "Third", "roots", NULL, NULL, NULL, 0, NULL},
};

static struct ha_store_rule rules_v[] = {
        {"RULE-ONE", "Title " H_QUOTE, "critical", "schannel", "source " H_SQL, "NT 6.0 on",
         "remedy " H_SQL2, "[HKEY_LOCAL_MACHINE\\SYSTEM\\X]\r\n\"Enabled\"=dword:00000001",
         "built-in", 1},
        {"RULE-TWO", "Second", "high", "os", NULL, NULL, NULL, NULL, NULL, 1},
        {"RULE-THREE", "Third", "low", "roots", "", "", "", "", "user.yaml", 0},
};

/* A snapshot with two hives, one of them dirty with logs. */
static void build_snapshot(struct ha_snapshot *s, const char *label, const char *dir)
{
	struct ha_hivefile *f;
	struct ha_key *k;
	struct ha_value *v;

	ha_snapshot_init(s);
	s->label = ha_strdup(label);
	s->dir = ha_strdup(dir);
	s->note = ha_strdup(H_BIN);
	f = ha_snapshot_add_file(s);
	f->path = ha_strdup("fleet/" H_SQL "/SYSTEM");
	f->kind = HA_FK_SYSTEM;
	f->kind_why = ha_strdup("root keys");
	f->role = HA_SYSTEM;
	f->status = HA_HS_DIRTY;
	f->reason = ha_strdup(H_QUOTE);
	f->size = 8192;
	f->mtime_ns = 1700000000000000000LL;
	memset(f->sha256, 'a', 64);
	f->bb_valid = 1;
	f->bb.seq1 = 5;
	f->bb.seq2 = 4;
	f->bb.checksum_ok = 1;
	f->bb.major = 1;
	f->bb.minor = 5;
	f->bb.last_written = 133485408000000000LL;
	snprintf(f->bb.name, sizeof f->bb.name, "%s", H_UTF8);
	f->dirty = 1;
	f->nlogs = 2;
	f->logs = calloc(2, sizeof *f->logs);
	f->logs[0] = ha_strdup("fleet/x/SYSTEM.LOG1");
	f->logs[1] = ha_strdup("fleet/x/SYSTEM.LOG2");
	f = ha_snapshot_add_file(s);
	f->path = ha_strdup("fleet/" H_SQL "/SOFTWARE");
	f->kind = HA_FK_SOFTWARE;
	f->role = HA_SOFTWARE;
	f->status = HA_HS_OK;
	f->reason = ha_strdup("ok");
	memset(f->sha256, 'b', 64);
	f->size = 4096;
	s->role[HA_SYSTEM].file = s->role[HA_SYSTEM].cand = 0;
	s->role[HA_SYSTEM].status = HA_HS_DIRTY;
	s->role[HA_SYSTEM].reason = ha_strdup("dirty " H_SQL2);
	s->role[HA_SOFTWARE].file = s->role[HA_SOFTWARE].cand = 1;
	s->role[HA_SOFTWARE].status = HA_HS_OK;
	s->ccs = 1;
	s->ccs_source = ha_strdup("Select\\Current = 1");
	k = ha_snapshot_add_key(s);
	k->hive = HA_SYSTEM;
	k->lpath = ha_strdup("Select");
	k->ppath = ha_strdup("Select");
	v = ha_key_add_value(k);
	v->name = ha_strdup("Current");
	v->type = HA_REG_DWORD;
	v->len = 4;
	v->data = malloc(4);
	ha_put_le32(v->data, 1);
}

static void fill_facts(struct ha_facts *f)
{
	memset(f, 0, sizeof *f);
	f->computer_name = "CN-" H_SQL;
	f->hostname = "host " H_QUOTE;
	f->domain = H_UTF8;
	f->product_name = "Windows Server 2008 R2 " H_BIN;
	f->edition = "ServerEnterprise";
	f->installation_type = "Server";
	f->csd_version = "Service Pack 1";
	f->product_type_raw = "ServerNT";
	f->nt_major = 6;
	f->nt_minor = 1;
	f->build = 7601;
	f->ubr = -1;
	f->sp = 1;
	f->product = HA_PRODUCT_SERVER;
	f->arch = HA_ARCH_X64;
	f->os_family = "Windows Server 2008 R2 SP1";
	f->os_known = 1;
}

static struct ha_findings findings_of(int verdict, const char *why)
{
	struct ha_findings fs;

	fs.n = sizeof findings_v / sizeof findings_v[0];
	fs.v = findings_v;
	fs.verdict = verdict;
	fs.verdict_reason = (char *)why;
	return fs;
}

static struct ha_run_meta meta(const char *digest)
{
	struct ha_run_meta m = {"0.1.0", "2026-01-01T00:00:00Z", "rules-digest",
	                        digest,  "fleet\n" H_SQL,        "hiveaudit scan '" H_SQL2 "'",
	                        2};

	return m;
}

/* Opens a new store at path and writes one complete run with one host. */
static struct ha_store *new_store(const char *path, int64_t *run_id, int64_t *host_id)
{
	struct ha_store *st = NULL;
	struct ha_snapshot s;
	struct ha_facts f;
	struct ha_findings fs = findings_of(HA_NOT_READY, "RULE-ONE fails: " H_SQL);
	struct ha_run_meta m = meta("req-1");
	struct ha_err err;

	CHECK_INT(ha_store_open(path, HA_STORE_CREATE, &st, &err), HA_OK);
	if (!st)
		return NULL;
	CHECK_INT(ha_store_run_begin(st, &m, run_id, &err), HA_OK);
	CHECK_INT(ha_store_put_rules(st, *run_id, rules_v, 3, &err), HA_OK);
	CHECK_INT(ha_store_put_note(st, *run_id, "note one " H_BIN, &err), HA_OK);
	CHECK_INT(ha_store_put_note(st, *run_id, long_text, &err), HA_OK);
	build_snapshot(&s, H_SQL, "fleet/" H_SQL);
	fill_facts(&f);
	CHECK_INT(ha_store_begin(st, &err), HA_OK);
	CHECK_INT(ha_store_put_host(st, *run_id, &s, &f, &fs, 0, host_id, &err), HA_OK);
	CHECK_INT(ha_store_commit(st, &err), HA_OK);
	CHECK_INT(ha_store_run_end(st, *run_id, HA_RUN_COMPLETE, &err), HA_OK);
	ha_snapshot_free(&s);
	return st;
}

/* --------------------------------------------------------- open, migrate */

static void test_create_and_reopen(void)
{
	struct ha_store *st = NULL;
	struct ha_err err;
	char *p = path_in("create.db");
	sqlite3 *db;
	int64_t run;

	CHECK_INT(ha_store_open(p, HA_STORE_CREATE, &st, &err), HA_OK);
	CHECK(st != NULL);
	CHECK_INT(ha_store_latest_run(st, &run, &err), HA_OK);
	CHECK_INT(run, 0);
	CHECK_INT(ha_store_check(st, &err), HA_OK);
	ha_store_close(st);
	ha_store_close(NULL);

	db = raw(p);
	CHECK_INT(scalar(db, "PRAGMA user_version"), HA_STORE_SCHEMA_VERSION);
	CHECK_INT(scalar(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN"
	                     " ('runs','rules','notes','hosts','hives','findings','evidence')"),
	          7);
	CHECK_INT(scalar(db, "SELECT count(*) FROM sqlite_master WHERE type = 'view' AND name IN"
	                     " ('v_findings','v_latest_findings','v_hosts','v_evidence')"),
	          4);
	/* The views compile against the tables. */
	CHECK_INT(scalar(db, "SELECT count(*) FROM v_findings"), 0);
	CHECK_INT(scalar(db, "SELECT count(*) FROM v_latest_findings"), 0);
	CHECK_INT(scalar(db, "SELECT count(*) FROM v_hosts"), 0);
	CHECK_INT(scalar(db, "SELECT count(*) FROM v_evidence"), 0);
	sqlite3_close(db);

	/* Reopening migrates nothing and keeps the version; so does a
	 * read-only open. */
	CHECK_INT(ha_store_open(p, 0, &st, &err), HA_OK);
	ha_store_close(st);
	CHECK_INT(ha_store_open(p, HA_STORE_CREATE, &st, &err), HA_OK);
	ha_store_close(st);
	CHECK_INT(ha_store_open(p, HA_STORE_READONLY, &st, &err), HA_OK);
	CHECK_INT(ha_store_latest_run(st, &run, &err), HA_OK);
	ha_store_close(st);
	db = raw(p);
	CHECK_INT(scalar(db, "PRAGMA user_version"), HA_STORE_SCHEMA_VERSION);
	CHECK_INT(scalar(db, "SELECT count(*) FROM sqlite_master WHERE name = 'runs'"), 1);
	sqlite3_close(db);
}

/* A store of schema 1 (v_latest_findings = the newest run, whatever its
 * status) is migrated to the view of the newest complete run. */
static void test_migrate_from_1(void)
{
	struct ha_store *st;
	struct ha_err err;
	struct ha_run_meta m = meta("req-1");
	int64_t run = 0, host = 0, run2 = 0;
	sqlite3 *db;

	st = new_store(path_in("v1.db"), &run, &host);
	if (!st)
		return;
	CHECK_INT(ha_store_run_begin(st, &m, &run2, &err), HA_OK);
	CHECK_INT(ha_store_run_end(st, run2, HA_RUN_FAILED, &err), HA_OK);
	ha_store_close(st);
	db = raw(path_in("v1.db"));
	CHECK_INT(exec(db, tu_store_undo_to_v1), SQLITE_OK);
	CHECK_INT(scalar(db, "SELECT count(*) FROM v_latest_findings"), 0);
	sqlite3_close(db);
	/* Read-only opens read it as it is. */
	CHECK_INT(ha_store_open(path_in("v1.db"), HA_STORE_READONLY, &st, &err), HA_OK);
	ha_store_close(st);
	db = raw(path_in("v1.db"));
	CHECK_INT(scalar(db, "PRAGMA user_version"), 1);
	sqlite3_close(db);
	CHECK_INT(ha_store_open(path_in("v1.db"), HA_STORE_CREATE, &st, &err), HA_OK);
	ha_store_close(st);
	db = raw(path_in("v1.db"));
	CHECK_INT(scalar(db, "PRAGMA user_version"), HA_STORE_SCHEMA_VERSION);
	CHECK_INT(scalar(db, "SELECT count(*) FROM v_latest_findings WHERE run_id = 1"), 3);
	sqlite3_close(db);
}

static void test_newer_schema_refused(void)
{
	struct ha_store *st = (struct ha_store *)1;
	struct ha_err err;
	char *p = path_in("newer.db");
	sqlite3 *db;
	int flags[] = {0, HA_STORE_CREATE, HA_STORE_READONLY};
	size_t i;

	CHECK_INT(ha_store_open(p, HA_STORE_CREATE, &st, &err), HA_OK);
	ha_store_close(st);
	db = raw(p);
	CHECK_INT(exec(db, "PRAGMA user_version = 99"), SQLITE_OK);
	CHECK_INT(exec(db, "PRAGMA journal_mode = DELETE"), SQLITE_OK);
	sqlite3_close(db);
	for (i = 0; i < sizeof flags / sizeof flags[0]; i++) {
		st = (struct ha_store *)1;
		CHECK_INT(ha_store_open(p, flags[i], &st, &err), HA_ERR_STORE);
		CHECK(st == NULL);
		CHECK_HAS(err.msg, "schema version 99");
		{
			char want[64];

			snprintf(want, sizeof want, "knows up to %d", HA_STORE_SCHEMA_VERSION);
			CHECK_HAS(err.msg, want);
		}
		CHECK_HAS(err.msg, p);
	}
	/* Refused before anything was changed: still version 99, and the
	 * journal mode a newer program chose is left alone. */
	db = raw(p);
	CHECK_INT(scalar(db, "PRAGMA user_version"), 99);
	{
		sqlite3_stmt *s;

		CHECK_INT(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, NULL), SQLITE_OK);
		CHECK_INT(sqlite3_step(s), SQLITE_ROW);
		CHECK_STR((const char *)sqlite3_column_text(s, 0), "delete");
		sqlite3_finalize(s);
	}
	sqlite3_close(db);
}

static void test_not_a_store_refused(void)
{
	struct ha_store *st = NULL;
	struct ha_err err;
	char *p = path_in("notes.txt"), *q = path_in("other.db"), *before, *after;
	size_t n1 = 0, n2 = 0, i;
	int flags[] = {0, HA_STORE_CREATE, HA_STORE_READONLY};
	sqlite3 *db;

	/* A text file. */
	{
		char text[8192];

		for (i = 0; i + 1 < sizeof text; i++)
			text[i] = "not a database\n"[i % 15];
		text[i] = '\0';
		CHECK_INT(tu_write(p, text, strlen(text)), 0);
	}
	before = tu_read(p, &n1);
	for (i = 0; i < sizeof flags / sizeof flags[0]; i++) {
		CHECK_INT(ha_store_open(p, flags[i], &st, &err), HA_ERR_STORE);
		CHECK(st == NULL);
		CHECK_HAS(err.msg, p);
		CHECK_HAS(err.msg, "not a hiveaudit store");
		/* One line, for the command line's error message. */
		CHECK(strchr(err.msg, '\n') == NULL);
	}
	after = tu_read(p, &n2);
	CHECK(before && after && n1 == n2 && memcmp(before, after, n1) == 0);
	free(before);
	free(after);
	CHECK(access(path_in("notes.txt-wal"), F_OK) != 0);

	/* Another program's SQLite database: refused and left untouched. */
	CHECK_INT(sqlite3_open(q, &db), SQLITE_OK);
	CHECK_INT(exec(db, "CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('x')"),
	          SQLITE_OK);
	sqlite3_close(db);
	for (i = 0; i < sizeof flags / sizeof flags[0]; i++) {
		CHECK_INT(ha_store_open(q, flags[i], &st, &err), HA_ERR_STORE);
		CHECK(st == NULL);
		CHECK_HAS(err.msg, "not a hiveaudit store");
	}
	db = raw(q);
	CHECK_INT(scalar(db, "SELECT count(*) FROM sqlite_master WHERE name = 'runs'"), 0);
	CHECK_INT(scalar(db, "PRAGMA user_version"), 0);
	CHECK_INT(scalar(db, "SELECT count(*) FROM contacts"), 1);
	sqlite3_close(db);

	/* An empty file is an empty database: it becomes a store. */
	CHECK_INT(tu_write(path_in("empty.db"), "", 0), 0);
	CHECK_INT(ha_store_open(path_in("empty.db"), HA_STORE_READONLY, &st, &err), HA_ERR_STORE);
	CHECK_INT(ha_store_open(path_in("empty.db"), HA_STORE_CREATE, &st, &err), HA_OK);
	ha_store_close(st);
}

static void test_open_missing(void)
{
	struct ha_store *st = (struct ha_store *)1;
	struct ha_err err;
	char *p = path_in("missing.db");

	CHECK_INT(ha_store_open(p, HA_STORE_READONLY, &st, &err), HA_ERR_IO);
	CHECK(st == NULL);
	CHECK_HAS(err.msg, p);
	CHECK(access(p, F_OK) != 0);
	/* Read-write without CREATE does not create either. */
	CHECK_INT(ha_store_open(p, 0, &st, &err), HA_ERR_IO);
	CHECK(access(p, F_OK) != 0);
	CHECK_INT(ha_store_open(p, HA_STORE_READONLY, &st, NULL), HA_ERR_IO);
	/* A folder that does not exist. */
	CHECK_INT(ha_store_open(path_in("no/such/dir/audit.db"), HA_STORE_CREATE, &st, &err),
	          HA_ERR_IO);
	CHECK_HAS(err.msg, "cannot open store");
	/* A symbolic link is not followed. */
	{
		int64_t run, host;
		struct ha_store *real = new_store(path_in("real.db"), &run, &host);

		ha_store_close(real);
		CHECK_INT(symlink(path_in("real.db"), path_in("link.db")), 0);
		CHECK(ha_store_open(path_in("link.db"), HA_STORE_READONLY, &st, &err) != HA_OK);
		CHECK(st == NULL);
	}
}

/* ----------------------------------------------------- write, read back */

struct seen {
	int runs, hosts, hives, findings, evidence, rules, notes;
	int64_t finding_ids[8];
	int stop_after;
};

static int run_cb(void *ctx, const struct ha_run_row *r)
{
	struct seen *s = ctx;

	s->runs++;
	CHECK_INT(r->run_id, 1);
	CHECK_INT(r->status, HA_RUN_COMPLETE);
	CHECK_STR(r->tool_version, "0.1.0");
	CHECK_STR(r->as_of, "2026-01-01T00:00:00Z");
	CHECK_STR(r->paths, "fleet\n" H_SQL);
	CHECK_INT(r->hosts_total, 2);
	CHECK_INT(r->hosts_stored, 1);
	CHECK(strlen(r->started_at) == 20 && r->started_at[10] == 'T');
	CHECK(strlen(r->finished_at) == 20);
	CHECK(strcmp(r->started_at, r->finished_at) <= 0);
	return 0;
}

static int host_cb(void *ctx, const struct ha_host_row *h)
{
	struct seen *s = ctx;

	s->hosts++;
	CHECK_STR(h->label, H_SQL);
	CHECK_STR(h->dir, "fleet/" H_SQL);
	CHECK_STR(h->computer_name, "CN-" H_SQL);
	CHECK_STR(h->hostname, "host " H_QUOTE);
	CHECK_STR(h->domain, H_UTF8);
	CHECK_STR(h->os_family, "Windows Server 2008 R2 SP1");
	CHECK_STR(h->product_name, "Windows Server 2008 R2 " H_BIN);
	CHECK_STR(h->nt_version, "6.1");
	CHECK_STR(h->installation_type, "Server");
	CHECK_STR(h->edition, "ServerEnterprise");
	CHECK_STR(h->product_type, "ServerNT");
	CHECK_STR(h->product, "server");
	CHECK_STR(h->arch, "x64");
	CHECK_INT(h->build, 7601);
	CHECK_INT(h->ubr, -1);
	CHECK_INT(h->sp, 1);
	CHECK_INT(h->control_set, 1);
	CHECK_STR(h->control_set_source, "Select\\Current = 1");
	CHECK_INT(h->verdict, HA_NOT_READY);
	CHECK_STR(h->verdict_reason, "RULE-ONE fails: " H_SQL);
	CHECK_STR(h->note, H_BIN);
	CHECK_INT(h->hive_status[HA_SYSTEM], HA_HS_DIRTY);
	CHECK_INT(h->hive_status[HA_SOFTWARE], HA_HS_OK);
	CHECK_INT(h->findings_by_status[HA_PASS], 1);
	CHECK_INT(h->findings_by_status[HA_FAIL], 1);
	CHECK_INT(h->findings_by_status[HA_WARN], 0);
	CHECK_INT(h->findings_by_status[HA_NOT_APPLICABLE], 0);
	CHECK_INT(h->findings_by_status[HA_UNKNOWN], 1);
	CHECK_INT(h->reused_from, 0);
	return 0;
}

static int hive_cb(void *ctx, const struct ha_hive_row *h)
{
	struct seen *s = ctx;

	if (s->hives++ == 0) {
		CHECK_STR(h->role, "SYSTEM");
		CHECK_STR(h->kind, "SYSTEM");
		CHECK_STR(h->kind_why, "root keys");
		CHECK_STR(h->path, "fleet/" H_SQL "/SYSTEM");
		CHECK_INT(h->status, HA_HS_DIRTY);
		CHECK_STR(h->reason, H_QUOTE);
		CHECK_STR(h->embedded_name, H_UTF8);
		CHECK_STR(h->last_written, "2024-01-01T00:00:00Z");
		CHECK_STR(h->logs, "fleet/x/SYSTEM.LOG1\nfleet/x/SYSTEM.LOG2");
		CHECK_STR(h->replay, "");
		CHECK_INT(h->size, 8192);
		CHECK_INT(h->seq1, 5);
		CHECK_INT(h->seq2, 4);
		CHECK_INT(h->checksum_ok, 1);
		CHECK_INT(h->dirty, 1);
		CHECK_INT(h->degraded, 0);
		CHECK_INT(strlen(h->sha256), 64);
	} else {
		CHECK_STR(h->role, "SOFTWARE");
		CHECK_STR(h->kind_why, "");
		/* No base block: its facts are NULL, read as -1 / "". */
		CHECK_INT(h->seq1, -1);
		CHECK_STR(h->embedded_name, "");
		CHECK_STR(h->logs, "");
	}
	return 0;
}

static int finding_cb(void *ctx, const struct ha_finding_row *f)
{
	struct seen *s = ctx;
	int i = s->findings++;

	if (i < 8)
		s->finding_ids[i] = f->finding_id;
	CHECK_STR(f->label, H_SQL);
	CHECK_STR(f->computer_name, "CN-" H_SQL);
	CHECK_STR(f->dir, "fleet/" H_SQL);
	/* Rule load order, not alphabetical. */
	CHECK_STR(f->rule_id, rules_v[i].id);
	CHECK_INT(f->status, findings_v[i].status);
	CHECK_STR(f->severity, findings_v[i].severity);
	CHECK_STR(f->title, findings_v[i].title);
	CHECK_STR(f->category, findings_v[i].category);
	CHECK_STR(f->observed, findings_v[i].observed ? findings_v[i].observed : "");
	CHECK_STR(f->expected, findings_v[i].expected ? findings_v[i].expected : "");
	CHECK_STR(f->reason, findings_v[i].reason ? findings_v[i].reason : "");
	CHECK_STR(f->remedy, rules_v[i].remedy ? rules_v[i].remedy : "");
	CHECK_STR(f->reg, rules_v[i].reg ? rules_v[i].reg : "");
	if (i == 0) {
		struct ha_buf line;

		/* the rows, as ha_store_each_evidence gives them ... */
		CHECK_INT(f->nevidence, 3);
		CHECK_STR(f->evidence[0].role, "SYSTEM");
		CHECK_STR(f->evidence[0].hive_sha256, "aaaa");
		CHECK_STR(f->evidence[1].value_name, "");
		CHECK(f->evidence[2].value_name == NULL);
		CHECK_STR(f->evidence[2].role, "");
		/* ... and findings.csv's text of them */
		ha_buf_init(&line, 0);
		ha_evidence_render_list(&line, f->evidence, f->nevidence);
		CHECK_STR(ha_buf_cstr(&line),
		          "SYSTEM ControlSet001\\Control\\" H_QUOTE
		          "\\Enabled: REG_DWORD 0x00000001 (1)"
		          " | SOFTWARE Microsoft\\" H_BIN "\\(Default): REG_SZ \"" H_UTF8 "\""
		          " | (host facts): absent");
		ha_buf_free(&line);
		CHECK_STR(f->hive_files, "fleet/" H_SQL "/SOFTWARE | fleet/" H_SQL "/SYSTEM");
		CHECK_STR(f->hive_sha256, "bbbb | aaaa");
	} else if (i == 2) {
		CHECK_INT(f->nevidence, 0);
		CHECK_STR(f->hive_files, "");
	}
	if (s->stop_after && s->findings == s->stop_after)
		return 42;
	return 0;
}

static int evidence_cb(void *ctx, const struct ha_evidence_row *e)
{
	struct seen *s = ctx;
	const struct ha_evidence *w = &ev1[s->evidence++];

	CHECK_STR(e->role, w->role >= 0 ? ha_role_name(w->role) : "");
	CHECK_STR(e->hive_path, w->hive_path ? w->hive_path : "");
	CHECK_STR(e->hive_sha256, w->hive_sha256 ? w->hive_sha256 : "");
	CHECK_STR(e->control_set, w->control_set ? w->control_set : "");
	CHECK_STR(e->key_path, w->key_path);
	/* NULL (key-level evidence) and "" (the default value) differ. */
	if (w->value_name)
		CHECK_STR(e->value_name, w->value_name);
	else
		CHECK(e->value_name == NULL);
	CHECK_STR(e->value_type, w->value_type);
	CHECK_STR(e->data, w->data ? w->data : "");
	CHECK_STR(e->last_write, w->last_write ? w->last_write : "");
	CHECK_STR(e->note, w->note ? w->note : "");
	return 0;
}

static int rule_cb(void *ctx, const struct ha_rule_row *r)
{
	struct seen *s = ctx;
	const struct ha_store_rule *w = &rules_v[s->rules++];
	int i;

	CHECK_STR(r->id, w->id);
	CHECK_STR(r->title, w->title);
	CHECK_STR(r->severity, w->severity);
	CHECK_STR(r->category, w->category);
	CHECK_STR(r->source, w->source ? w->source : "");
	CHECK_STR(r->applies, w->applies ? w->applies : "");
	CHECK_STR(r->remedy, w->remedy ? w->remedy : "");
	CHECK_STR(r->reg, w->reg ? w->reg : "");
	CHECK_STR(r->origin, w->origin ? w->origin : "");
	CHECK_INT(r->decides, w->decides);
	for (i = 0; i < HA_NSTATUS; i++)
		CHECK_INT(r->findings_by_status[i], i == findings_v[s->rules - 1].status ? 1 : 0);
	return 0;
}

static int note_cb(void *ctx, const char *text)
{
	struct seen *s = ctx;

	if (s->notes++ == 0)
		CHECK_STR(text, "note one " H_BIN);
	else
		CHECK_STR(text, long_text);
	return 0;
}

static void test_write_and_read_back(void)
{
	struct ha_store *st;
	struct ha_err err;
	struct seen s;
	int64_t run = 0, host = 0, latest;
	sqlite3 *db;

	st = new_store(path_in("rw.db"), &run, &host);
	if (!st)
		return;
	CHECK_INT(run, 1);
	CHECK(host > 0);
	CHECK_INT(ha_store_latest_run(st, &latest, &err), HA_OK);
	CHECK_INT(latest, 1);

	memset(&s, 0, sizeof s);
	CHECK_INT(ha_store_get_run(st, run, run_cb, &s, &err), HA_OK);
	CHECK_INT(ha_store_each_host(st, run, NULL, host_cb, &s, &err), HA_OK);
	CHECK_INT(ha_store_each_hive(st, host, hive_cb, &s, &err), HA_OK);
	CHECK_INT(ha_store_each_finding(st, run, 0, finding_cb, &s, &err), HA_OK);
	CHECK_INT(ha_store_each_rule(st, run, rule_cb, &s, &err), HA_OK);
	CHECK_INT(ha_store_each_note(st, run, note_cb, &s, &err), HA_OK);
	CHECK_INT(s.runs, 1);
	CHECK_INT(s.hosts, 1);
	CHECK_INT(s.hives, 2);
	CHECK_INT(s.findings, 3);
	CHECK_INT(s.rules, 3);
	CHECK_INT(s.notes, 2);
	CHECK_INT(ha_store_each_evidence(st, s.finding_ids[0], evidence_cb, &s, &err), HA_OK);
	CHECK_INT(s.evidence, 3);

	/* One host's findings; a host filter by label, computer name (any
	 * case) or folder; a run that does not exist. */
	s.findings = 0;
	CHECK_INT(ha_store_each_finding(st, run, host, finding_cb, &s, &err), HA_OK);
	CHECK_INT(s.findings, 3);
	s.findings = 0;
	CHECK_INT(ha_store_each_finding(st, run, host + 1, finding_cb, &s, &err), HA_OK);
	CHECK_INT(s.findings, 0);
	s.hosts = 0;
	CHECK_INT(ha_store_each_host(st, run, H_SQL, host_cb, &s, &err), HA_OK);
	CHECK_INT(ha_store_each_host(st, run, "cn-'; drop table hosts; --", host_cb, &s, &err),
	          HA_OK);
	CHECK_INT(ha_store_each_host(st, run, "fleet/" H_SQL, host_cb, &s, &err), HA_OK);
	CHECK_INT(ha_store_each_host(st, run, "nobody", host_cb, &s, &err), HA_OK);
	CHECK_INT(ha_store_each_host(st, run + 1, NULL, host_cb, &s, &err), HA_OK);
	CHECK_INT(s.hosts, 3);
	s.runs = 0;
	CHECK_INT(ha_store_get_run(st, 99, run_cb, &s, &err), HA_OK);
	CHECK_INT(s.runs, 0);

	/* A callback's non-zero return stops the walk and is returned. */
	memset(&s, 0, sizeof s);
	s.stop_after = 2;
	CHECK_INT(ha_store_each_finding(st, run, 0, finding_cb, &s, &err), 42);
	CHECK_INT(s.findings, 2);

	CHECK_INT(ha_store_check(st, &err), HA_OK);
	ha_store_close(st);

	/* Nothing was executed from the strings: every table is still there. */
	db = raw(path_in("rw.db"));
	CHECK_INT(scalar(db, "SELECT count(*) FROM hosts"), 1);
	CHECK_INT(scalar(db, "SELECT count(*) FROM runs"), 1);
	CHECK_INT(scalar(db, "SELECT count(*) FROM evidence"), 4);
	/* Empty last_write and note are stored as NULL. */
	CHECK_INT(scalar(db, "SELECT count(*) FROM evidence WHERE last_write IS NULL"), 3);
	/* The views give the same picture. */
	CHECK_INT(scalar(db, "SELECT count(*) FROM v_latest_findings WHERE status = 'FAIL'"), 1);
	CHECK_INT(scalar(db, "SELECT fail FROM v_hosts"), 1);
	CHECK_INT(scalar(db, "SELECT count(*) FROM v_evidence WHERE rule_id = 'RULE-ONE'"), 3);
	sqlite3_close(db);
}

/* What a callback's non-zero return does (ha_store.h): every walk stops at
 * the row where it came, the callback is not called again, and the walk
 * returns that value as it is, positive or an error code, leaving err as it
 * was. */
struct stopper {
	int calls, ret;
};

static int stop_now(struct stopper *sp)
{
	sp->calls++;
	return sp->ret;
}

static int stop_run(void *ctx, const struct ha_run_row *r)
{
	(void)r;
	return stop_now(ctx);
}

static int stop_summary(void *ctx, const struct ha_run_summary *r)
{
	(void)r;
	return stop_now(ctx);
}

static int stop_host(void *ctx, const struct ha_host_row *h)
{
	(void)h;
	return stop_now(ctx);
}

static int stop_hive(void *ctx, const struct ha_hive_row *h)
{
	(void)h;
	return stop_now(ctx);
}

static int stop_finding(void *ctx, const struct ha_finding_row *f)
{
	(void)f;
	return stop_now(ctx);
}

static int stop_evidence(void *ctx, const struct ha_evidence_row *e)
{
	(void)e;
	return stop_now(ctx);
}

static int stop_rule(void *ctx, const struct ha_rule_row *r)
{
	(void)r;
	return stop_now(ctx);
}

static int stop_note(void *ctx, const char *text)
{
	(void)text;
	return stop_now(ctx);
}

static int stop_status(void *ctx, const char *rule_id, enum ha_status status)
{
	(void)rule_id;
	(void)status;
	return stop_now(ctx);
}

static int first_finding(void *ctx, const struct ha_finding_row *f)
{
	*(int64_t *)ctx = f->finding_id;
	return 1;
}

/* The walk's return, with the callback's calls and err's code checked. */
#define STOPS(call, want)                                                                          \
	do {                                                                                       \
		sp.calls = 0;                                                                      \
		err.code = 12345;                                                                  \
		CHECK_INT((call), (want));                                                         \
		CHECK_INT(sp.calls, 1);                                                            \
		CHECK_INT(err.code, 12345);                                                        \
	} while (0)

static void test_callback_stops_walk(void)
{
	struct ha_store *st;
	struct ha_run_meta m = meta("req-2");
	struct ha_err err;
	struct stopper sp = {0, 7};
	int64_t run = 0, host = 0, run2 = 0, fid = 0;

	st = new_store(path_in("stop.db"), &run, &host);
	if (!st)
		return;
	CHECK_INT(ha_store_run_begin(st, &m, &run2, &err), HA_OK);
	CHECK_INT(ha_store_run_end(st, run2, HA_RUN_COMPLETE, &err), HA_OK);
	CHECK_INT(ha_store_each_finding(st, run, 0, first_finding, &fid, &err), 1);
	CHECK(fid > 0);

	/* Walks of two rows or more stop at the first: 2 runs, 2 hives, 3
	 * findings, 3 evidence rows, 3 rules, 2 notes. */
	STOPS(ha_store_each_run(st, stop_summary, &sp, &err), 7);
	STOPS(ha_store_each_hive(st, host, stop_hive, &sp, &err), 7);
	STOPS(ha_store_each_finding(st, run, 0, stop_finding, &sp, &err), 7);
	STOPS(ha_store_each_finding(st, run, host, stop_finding, &sp, &err), 7);
	STOPS(ha_store_each_evidence(st, fid, stop_evidence, &sp, &err), 7);
	STOPS(ha_store_each_rule(st, run, stop_rule, &sp, &err), 7);
	STOPS(ha_store_each_note(st, run, stop_note, &sp, &err), 7);
	STOPS(ha_store_each_status(st, host, stop_status, &sp, &err), 7);
	STOPS(ha_store_each_host(st, run, NULL, stop_host, &sp, &err), 7);
	STOPS(ha_store_get_host(st, host, stop_host, &sp, &err), 7);
	STOPS(ha_store_get_run(st, run, stop_run, &sp, &err), 7);

	/* An error code comes back as it is, err untouched. */
	sp.ret = HA_ERR_NOTFOUND;
	STOPS(ha_store_each_finding(st, run, 0, stop_finding, &sp, &err), HA_ERR_NOTFOUND);
	sp.ret = -1;
	STOPS(ha_store_each_rule(st, run, stop_rule, &sp, &err), -1);

	/* A zero return reads every row and the walk returns HA_OK. */
	sp.ret = 0;
	sp.calls = 0;
	CHECK_INT(ha_store_each_finding(st, run, 0, stop_finding, &sp, &err), HA_OK);
	CHECK_INT(sp.calls, 3);
	sp.calls = 0;
	CHECK_INT(ha_store_each_run(st, stop_summary, &sp, &err), HA_OK);
	CHECK_INT(sp.calls, 2);
	ha_store_close(st);
}

/* Statuses, verdicts and run states cross the API as enums: every name
 * the store writes reads back as its enum, and a name no enum knows (a
 * store edited by hand: the CHECK constraints are bypassed here) reads as
 * the value that claims least (ha_store.h). */
struct odd_seen {
	int runs, hosts, hives, findings, statuses;
	enum ha_run_state run;
	enum ha_verdict verdict;
	enum ha_hive_status host_hive[HA_NROLES], hive[2];
	enum ha_status finding[3], status[3];
	long summary[HA_NVERDICTS];
};

static int odd_run(void *ctx, const struct ha_run_row *r)
{
	struct odd_seen *o = ctx;

	o->runs++;
	o->run = r->status;
	return 0;
}

static int odd_summary(void *ctx, const struct ha_run_summary *r)
{
	struct odd_seen *o = ctx;

	memcpy(o->summary, r->verdicts, sizeof o->summary);
	CHECK_INT(r->status, o->run);
	return 0;
}

static int odd_host(void *ctx, const struct ha_host_row *h)
{
	struct odd_seen *o = ctx;

	o->hosts++;
	o->verdict = h->verdict;
	o->host_hive[HA_SYSTEM] = h->hive_status[HA_SYSTEM];
	o->host_hive[HA_SOFTWARE] = h->hive_status[HA_SOFTWARE];
	return 0;
}

static int odd_hive(void *ctx, const struct ha_hive_row *h)
{
	struct odd_seen *o = ctx;

	if (o->hives < 2)
		o->hive[o->hives] = h->status;
	o->hives++;
	return 0;
}

static int odd_finding(void *ctx, const struct ha_finding_row *f)
{
	struct odd_seen *o = ctx;

	if (o->findings < 3)
		o->finding[o->findings] = f->status;
	o->findings++;
	return 0;
}

static int odd_status(void *ctx, const char *rule_id, enum ha_status status)
{
	struct odd_seen *o = ctx;

	(void)rule_id;
	if (o->statuses < 3)
		o->status[o->statuses] = status;
	o->statuses++;
	return 0;
}

static struct odd_seen read_odd(const char *path, int64_t run, int64_t host)
{
	struct ha_store *st = NULL;
	struct ha_err err;
	struct odd_seen o;

	memset(&o, 0, sizeof o);
	CHECK_INT(ha_store_open(path, HA_STORE_READONLY, &st, &err), HA_OK);
	if (!st)
		return o;
	CHECK_INT(ha_store_get_run(st, run, odd_run, &o, &err), HA_OK);
	CHECK_INT(ha_store_each_run(st, odd_summary, &o, &err), HA_OK);
	CHECK_INT(ha_store_each_host(st, run, NULL, odd_host, &o, &err), HA_OK);
	CHECK_INT(ha_store_each_hive(st, host, odd_hive, &o, &err), HA_OK);
	CHECK_INT(ha_store_each_finding(st, run, host, odd_finding, &o, &err), HA_OK);
	CHECK_INT(ha_store_each_status(st, host, odd_status, &o, &err), HA_OK);
	CHECK_INT(o.runs, 1);
	CHECK_INT(o.hosts, 1);
	CHECK_INT(o.hives, 2);
	CHECK_INT(o.findings, 3);
	CHECK_INT(o.statuses, 3);
	ha_store_close(st);
	return o;
}

static void test_names_cross_as_enums(void)
{
	struct ha_store *st;
	struct odd_seen o;
	int64_t run = 0, host = 0;
	sqlite3 *db;
	int i;

	/* The run state table, both ways. */
	for (i = 0; i < HA_NRUN_STATES; i++)
		CHECK_INT(ha_run_state_from_name(ha_run_state_name(i)), i);
	CHECK_STR(ha_run_state_name(HA_RUN_INTERRUPTED), "interrupted");
	CHECK_STR(ha_run_state_name(HA_NRUN_STATES), "?");
	CHECK_STR(ha_run_state_name(-1), "?");
	CHECK_INT(ha_run_state_from_name("Complete"), -1);
	CHECK_INT(ha_run_state_from_name(""), -1);
	CHECK_INT(ha_run_state_from_name(NULL), -1);

	st = new_store(path_in("odd.db"), &run, &host);
	if (!st)
		return;
	ha_store_close(st);

	/* As written: the names of docs/store.md, read back as enums. */
	db = raw(path_in("odd.db"));
	CHECK_INT(scalar(db, "SELECT count(*) FROM runs WHERE status = 'complete'"), 1);
	CHECK_INT(scalar(db, "SELECT count(*) FROM hosts WHERE verdict = 'not_ready'"
	                     " AND system_status = 'dirty' AND software_status = 'ok'"),
	          1);
	CHECK_INT(scalar(db, "SELECT count(*) FROM findings WHERE status IN ('PASS', 'FAIL',"
	                     " 'UNKNOWN')"),
	          3);
	sqlite3_close(db);
	o = read_odd(path_in("odd.db"), run, host);
	CHECK_INT(o.run, HA_RUN_COMPLETE);
	CHECK_INT(o.verdict, HA_NOT_READY);
	CHECK_INT(o.host_hive[HA_SYSTEM], HA_HS_DIRTY);
	CHECK_INT(o.host_hive[HA_SOFTWARE], HA_HS_OK);
	CHECK_INT(o.hive[0], HA_HS_DIRTY);
	for (i = 0; i < 3; i++) /* each_status is in rule_id order, not load order */
		CHECK_INT(o.finding[i], findings_v[i].status);
	CHECK_INT((1 << o.status[0]) | (1 << o.status[1]) | (1 << o.status[2]),
	          (1 << HA_PASS) | (1 << HA_FAIL) | (1 << HA_UNKNOWN));
	CHECK_INT(o.summary[HA_NOT_READY], 1);
	CHECK_INT(o.summary[HA_VERDICT_UNKNOWN], 0);

	/* Names no enum knows, and one in the wrong case. */
	db = raw(path_in("odd.db"));
	CHECK_INT(exec(db, "PRAGMA ignore_check_constraints = ON;"
	                   "UPDATE runs SET status = 'paused';"
	                   "UPDATE hosts SET verdict = 'maybe', system_status = 'frozen',"
	                   " software_status = 'OK';"
	                   "UPDATE hives SET status = 'frozen';"
	                   "UPDATE findings SET status = 'pass';"),
	          SQLITE_OK);
	sqlite3_close(db);
	o = read_odd(path_in("odd.db"), run, host);
	CHECK_INT(o.run, HA_RUN_FAILED);
	CHECK_INT(o.verdict, HA_VERDICT_UNKNOWN);
	CHECK_INT(o.host_hive[HA_SYSTEM], HA_HS_UNREADABLE);
	CHECK_INT(o.host_hive[HA_SOFTWARE], HA_HS_UNREADABLE);
	CHECK_INT(o.hive[0], HA_HS_UNREADABLE);
	CHECK_INT(o.hive[1], HA_HS_UNREADABLE);
	for (i = 0; i < 3; i++) {
		CHECK_INT(o.finding[i], HA_UNKNOWN);
		CHECK_INT(o.status[i], HA_UNKNOWN);
	}
	/* `runs` counts such a host as unknown, as its row reads. */
	CHECK_INT(o.summary[HA_NOT_READY], 0);
	CHECK_INT(o.summary[HA_VERDICT_UNKNOWN], 1);
}

/* Which run read-only verbs show: the newest complete one, whatever came
 * after it; one host by id; and the journal mode a store is left in. */
struct host_seen {
	int n;
	char label[256], dir[256];
};

static int one_host_cb(void *ctx, const struct ha_host_row *h)
{
	struct host_seen *hs = ctx;

	hs->n++;
	snprintf(hs->label, sizeof hs->label, "%s", h->label);
	snprintf(hs->dir, sizeof hs->dir, "%s", h->dir);
	return 0;
}

static char *journal_mode(const char *path)
{
	sqlite3 *db = raw(path);
	sqlite3_stmt *s = NULL;
	char *mode = NULL;

	if (db && sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		mode = ha_strdup((const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	sqlite3_close(db);
	return mode;
}

static void test_run_selection_and_rest_mode(void)
{
	struct ha_store *st, *empty = NULL;
	struct ha_err err;
	struct ha_run_meta m = meta("req-1");
	struct host_seen hs;
	int64_t run = 0, host = 0, id = -1, run2 = 0, run3 = 0;
	char *mode;
	sqlite3 *reader;
	double t0;

	CHECK_INT(ha_store_open(path_in("empty-sel.db"), HA_STORE_CREATE, &empty, &err), HA_OK);
	CHECK_INT(ha_store_latest_complete_run(empty, &id, &err), HA_OK);
	CHECK_INT(id, 0);
	ha_store_close(empty);

	st = new_store(path_in("sel.db"), &run, &host);
	if (!st)
		return;
	CHECK_INT(ha_store_run_begin(st, &m, &run2, &err), HA_OK);
	CHECK_INT(ha_store_latest_complete_run(st, &id, &err), HA_OK);
	CHECK_INT(id, run);
	CHECK_INT(ha_store_run_end(st, run2, HA_RUN_FAILED, &err), HA_OK);
	CHECK_INT(ha_store_latest_complete_run(st, &id, &err), HA_OK);
	CHECK_INT(id, run);
	CHECK_INT(ha_store_latest_run(st, &id, &err), HA_OK);
	CHECK_INT(id, run2);
	CHECK_INT(ha_store_run_begin(st, &m, &run3, &err), HA_OK);
	CHECK_INT(ha_store_run_end(st, run3, HA_RUN_INTERRUPTED, &err), HA_OK);
	CHECK_INT(ha_store_latest_complete_run(st, &id, &err), HA_OK);
	CHECK_INT(id, run);

	/* The view people start from agrees with the verbs. */
	{
		sqlite3 *db = raw(path_in("sel.db"));

		CHECK_INT(scalar(db, "SELECT count(*) FROM v_latest_findings"), 3);
		CHECK_INT(scalar(db, "SELECT count(*) FROM v_latest_findings WHERE run_id = 1"), 3);
		sqlite3_close(db);
	}
	memset(&hs, 0, sizeof hs);
	CHECK_INT(ha_store_get_host(st, host, one_host_cb, &hs, &err), HA_OK);
	CHECK_INT(hs.n, 1);
	CHECK_STR(hs.label, H_SQL);
	CHECK_STR(hs.dir, "fleet/" H_SQL);
	memset(&hs, 0, sizeof hs);
	CHECK_INT(ha_store_get_host(st, 99999, one_host_cb, &hs, &err), HA_OK);
	CHECK_INT(hs.n, 0);

	/* While it is open for writing: WAL.  Closed: rollback mode, so that
	 * it can be read where nothing may be written beside it. */
	mode = journal_mode(path_in("sel.db"));
	CHECK_STR(mode, "wal");
	free(mode);
	ha_store_close(st);
	mode = journal_mode(path_in("sel.db"));
	CHECK_STR(mode, "delete");
	free(mode);
	CHECK(access(path_in("sel.db-wal"), F_OK) != 0);

	/* A reader in the middle of a read keeps it in WAL mode, and the
	 * writer does not wait for it to close. */
	CHECK_INT(ha_store_open(path_in("sel.db"), HA_STORE_CREATE, &st, &err), HA_OK);
	reader = raw(path_in("sel.db"));
	CHECK_INT(exec(reader, "BEGIN"), SQLITE_OK);
	CHECK_INT(scalar(reader, "SELECT count(*) FROM runs"), 3);
	t0 = now_s();
	ha_store_close(st);
	CHECK(now_s() - t0 < 2.0);
	CHECK_INT(exec(reader, "COMMIT"), SQLITE_OK);
	sqlite3_close(reader);
	mode = journal_mode(path_in("sel.db"));
	CHECK_STR(mode, "wal");
	free(mode);
	/* Read-only opens never change it. */
	CHECK_INT(ha_store_open(path_in("sel.db"), HA_STORE_READONLY, &st, &err), HA_OK);
	ha_store_close(st);
	mode = journal_mode(path_in("sel.db"));
	CHECK_STR(mode, "wal");
	free(mode);
}

static void test_write_errors(void)
{
	struct ha_store *st;
	struct ha_err err;
	struct ha_snapshot s;
	struct ha_facts f;
	struct ha_findings fs = findings_of(HA_READY, NULL);
	int64_t run = 0, host = 0, h2 = 0;
	sqlite3 *db;

	st = new_store(path_in("errors.db"), &run, &host);
	if (!st)
		return;
	fill_facts(&f);

	/* The same folder twice in one run. */
	build_snapshot(&s, "dup", "fleet/" H_SQL);
	CHECK_INT(ha_store_begin(st, &err), HA_OK);
	CHECK_INT(ha_store_put_host(st, run, &s, &f, &fs, 0, &h2, &err), HA_ERR_STORE);
	CHECK_HAS(err.msg, "host 'dup'");
	CHECK_HAS(err.msg, "UNIQUE");
	/* Without an error object the code is still the store's. */
	CHECK_INT(ha_store_put_host(st, run, &s, &f, &fs, 0, &h2, NULL), HA_ERR_STORE);
	ha_store_rollback(st);
	ha_store_rollback(st); /* nothing open: harmless */
	ha_snapshot_free(&s);

	/* Foreign keys are enforced: no host for a run that does not exist. */
	build_snapshot(&s, "orphan", "fleet/orphan");
	CHECK_INT(ha_store_begin(st, &err), HA_OK);
	CHECK_INT(ha_store_put_host(st, 999, &s, &f, &fs, 0, &h2, &err), HA_ERR_STORE);
	CHECK_HAS(err.msg, "FOREIGN KEY");
	ha_store_rollback(st);

	/* A host rolled back leaves nothing behind. */
	CHECK_INT(ha_store_begin(st, &err), HA_OK);
	CHECK_INT(ha_store_put_host(st, run, &s, &f, &fs, 0, &h2, &err), HA_OK);
	ha_store_rollback(st);
	ha_snapshot_free(&s);

	/* A run status outside the vocabulary; a rule list stored twice. */
	CHECK_INT(ha_store_run_end(st, run, (enum ha_run_state)99, &err), HA_ERR_STORE);
	CHECK_HAS(err.msg, "closing the run");
	CHECK_INT(ha_store_put_rules(st, run, rules_v, 1, &err), HA_ERR_STORE);
	/* Missing NOT NULL values. */
	{
		struct ha_run_meta m = meta("x");

		m.as_of = NULL;
		CHECK_INT(ha_store_run_begin(st, &m, &h2, &err), HA_ERR_STORE);
		CHECK_HAS(err.msg, "recording the run");
	}
	CHECK_INT(ha_store_put_note(st, run, NULL, &err), HA_ERR_STORE);
	CHECK_INT(ha_store_check(st, &err), HA_OK);
	ha_store_close(st);

	db = raw(path_in("errors.db"));
	CHECK_INT(scalar(db, "SELECT count(*) FROM hosts"), 1);
	CHECK_INT(scalar(db, "SELECT count(*) FROM hives"), 2);
	CHECK_INT(scalar(db, "SELECT count(*) FROM runs"), 1);
	CHECK_INT(scalar(db, "SELECT count(*) FROM runs WHERE status = 'complete'"), 1);
	sqlite3_close(db);
}

static void test_delete_run_cascades(void)
{
	struct ha_store *st;
	struct ha_err err;
	struct ha_snapshot s;
	struct ha_facts f;
	struct ha_findings fs = findings_of(HA_NOT_READY, "x");
	struct ha_run_meta m = meta("req-1");
	int64_t run = 0, run2 = 0, host = 0, host2 = 0;
	sqlite3 *db;

	st = new_store(path_in("cascade.db"), &run, &host);
	if (!st)
		return;
	fill_facts(&f);
	build_snapshot(&s, "second", "fleet/second");
	CHECK_INT(ha_store_run_begin(st, &m, &run2, &err), HA_OK);
	CHECK_INT(ha_store_put_rules(st, run2, rules_v, 3, &err), HA_OK);
	CHECK_INT(ha_store_put_note(st, run2, "n", &err), HA_OK);
	CHECK_INT(ha_store_begin(st, &err), HA_OK);
	CHECK_INT(ha_store_put_host(st, run2, &s, &f, &fs, host, &host2, &err), HA_OK);
	CHECK_INT(ha_store_commit(st, &err), HA_OK);
	CHECK_INT(ha_store_run_end(st, run2, HA_RUN_COMPLETE, &err), HA_OK);
	ha_snapshot_free(&s);
	ha_store_close(st);

	db = raw(path_in("cascade.db"));
	CHECK_INT(exec(db, "PRAGMA foreign_keys = ON"), SQLITE_OK);
	CHECK_INT(scalar(db, "SELECT count(*) FROM evidence"), 8);
	CHECK_INT(scalar(db, "SELECT reused_from FROM hosts WHERE label = 'second'"), host);
	CHECK_INT(exec(db, "DELETE FROM runs WHERE run_id = 1"), SQLITE_OK);
	CHECK_INT(scalar(db, "SELECT count(*) FROM hosts"), 1);
	CHECK_INT(scalar(db, "SELECT count(*) FROM hosts WHERE run_id = 1"), 0);
	CHECK_INT(scalar(db, "SELECT count(*) FROM hives"), 2);
	CHECK_INT(scalar(db, "SELECT count(*) FROM findings"), 3);
	CHECK_INT(scalar(db, "SELECT count(*) FROM evidence"), 4);
	CHECK_INT(scalar(db, "SELECT count(*) FROM rules"), 3);
	CHECK_INT(scalar(db, "SELECT count(*) FROM notes"), 1);
	CHECK_INT(scalar(db, "SELECT count(*) FROM v_latest_findings"), 3);
	sqlite3_close(db);

	CHECK_INT(ha_store_open(path_in("cascade.db"), 0, &st, &err), HA_OK);
	CHECK_INT(ha_store_check(st, &err), HA_OK);
	ha_store_close(st);
}

/* ------------------------------------------------------ saved snapshots */

static void test_previous_and_load_snapshot(void)
{
	struct ha_store *st;
	struct ha_err err;
	struct ha_snapshot s, got;
	struct ha_facts f;
	struct ha_findings fs = findings_of(HA_NOT_READY, "x");
	struct ha_run_meta m = meta("req-1");
	int64_t run = 0, run2 = 0, host = 0, host2 = 0, id = -1;
	sqlite3 *db;

	st = new_store(path_in("prev.db"), &run, &host);
	if (!st)
		return;
	fill_facts(&f);

	ha_snapshot_init(&got);
	CHECK_INT(ha_store_previous(st, "fleet/" H_SQL, "req-1", &id, &got, &err), HA_OK);
	CHECK_INT(id, host);
	CHECK_STR(got.label, H_SQL);
	CHECK_STR(got.note, H_BIN);
	CHECK_INT(got.nfiles, 2);
	CHECK_STR(got.files[0].bb.name, H_UTF8);
	CHECK_STR(got.files[0].logs[1], "fleet/x/SYSTEM.LOG2");
	CHECK_INT(got.nkeys, 1);
	CHECK_INT(got.keys[0].values[0].len, 4);
	ha_snapshot_free(&got);
	/* Another requests digest, another folder: nothing. */
	CHECK_INT(ha_store_previous(st, "fleet/" H_SQL, "req-2", &id, &got, &err), HA_OK);
	CHECK_INT(id, 0);
	CHECK_INT(got.nfiles, 0);
	CHECK_INT(ha_store_previous(st, "fleet/other", "req-1", &id, &got, &err), HA_OK);
	CHECK_INT(id, 0);
	ha_snapshot_free(&got);

	/* A later run of the same folder is the one found. */
	build_snapshot(&s, "later", "fleet/" H_SQL);
	CHECK_INT(ha_store_run_begin(st, &m, &run2, &err), HA_OK);
	CHECK_INT(ha_store_begin(st, &err), HA_OK);
	CHECK_INT(ha_store_put_host(st, run2, &s, &f, &fs, host, &host2, &err), HA_OK);
	CHECK_INT(ha_store_commit(st, &err), HA_OK);
	ha_snapshot_free(&s);
	CHECK_INT(ha_store_previous(st, "fleet/" H_SQL, "req-1", &id, &got, &err), HA_OK);
	CHECK_INT(id, host2);
	CHECK_STR(got.label, "later");
	ha_snapshot_free(&got);

	CHECK_INT(ha_store_load_snapshot(st, host, &got, &err), HA_OK);
	CHECK_STR(got.label, H_SQL);
	CHECK_STR(got.role[HA_SYSTEM].reason, "dirty " H_SQL2);
	ha_snapshot_free(&got);
	CHECK_INT(ha_store_load_snapshot(st, 12345, &got, &err), HA_ERR_NOTFOUND);
	CHECK_HAS(err.msg, "12345");
	ha_snapshot_free(&got);
	ha_store_close(st);

	/* A damaged saved snapshot: `previous` says "none" (read again),
	 * loading it is a format error; an empty one is refused. */
	db = raw(path_in("prev.db"));
	CHECK_INT(exec(db, "UPDATE hosts SET snapshot = x'4841534E01000000FFFF'"
	                   " WHERE label = 'later'"),
	          SQLITE_OK);
	CHECK_INT(exec(db, "UPDATE hosts SET snapshot = x'' WHERE run_id = 1"), SQLITE_OK);
	sqlite3_close(db);
	CHECK_INT(ha_store_open(path_in("prev.db"), 0, &st, &err), HA_OK);
	ha_err_set(&err, HA_ERR_INTERNAL, "stale");
	id = -1;
	CHECK_INT(ha_store_previous(st, "fleet/" H_SQL, "req-1", &id, &got, &err), HA_OK);
	CHECK_INT(id, 0);
	CHECK_INT(got.nfiles, 0);
	CHECK(got.label == NULL);
	ha_snapshot_free(&got);
	CHECK_INT(ha_store_load_snapshot(st, host2, &got, &err), HA_ERR_FORMAT);
	CHECK_HAS(err.msg, "snapshot");
	ha_snapshot_free(&got);
	CHECK_INT(ha_store_load_snapshot(st, host, &got, &err), HA_ERR_STORE);
	CHECK_HAS(err.msg, "empty");
	ha_snapshot_free(&got);
	ha_store_close(st);
}

/* --------------------------------------------------------------- damage */

static void test_check_finds_damage(void)
{
	struct ha_store *st;
	struct ha_err err;
	int64_t run = 0, host = 0;
	long long root, pagesize;
	sqlite3 *db;
	FILE *fp;
	int rc;

	st = new_store(path_in("damaged.db"), &run, &host);
	if (!st)
		return;
	CHECK_INT(ha_store_check(st, &err), HA_OK);
	ha_store_close(st);

	/* A broken reference: a finding of a host that does not exist,
	 * written by a connection without foreign keys. */
	db = raw(path_in("damaged.db"));
	CHECK_INT(exec(db, "INSERT INTO findings (host_id, rule_id, status, severity)"
	                   " VALUES (999, 'X', 'PASS', 'low')"),
	          SQLITE_OK);
	sqlite3_close(db);
	CHECK_INT(ha_store_open(path_in("damaged.db"), 0, &st, &err), HA_OK);
	CHECK_INT(ha_store_check(st, &err), HA_ERR_STORE);
	CHECK_HAS(err.msg, "foreign key check failed: findings");
	ha_store_close(st);

	/* A page overwritten on disk: an index's root page zeroed. */
	db = raw(path_in("damaged.db"));
	CHECK_INT(exec(db, "DELETE FROM findings WHERE host_id = 999"), SQLITE_OK);
	root = scalar(db, "SELECT rootpage FROM sqlite_master WHERE name = 'findings_by_rule'");
	pagesize = scalar(db, "PRAGMA page_size");
	CHECK_INT(exec(db, "PRAGMA wal_checkpoint(TRUNCATE)"), SQLITE_OK);
	sqlite3_close(db);
	CHECK(root > 1 && pagesize >= 512);
	fp = fopen(path_in("damaged.db"), "r+b");
	CHECK(fp != NULL);
	if (fp) {
		char *zero = calloc(1, (size_t)pagesize);

		if (zero && fseek(fp, (long)((root - 1) * pagesize), SEEK_SET) == 0)
			CHECK_INT(fwrite(zero, 1, (size_t)pagesize, fp), pagesize);
		free(zero);
		fclose(fp);
	}
	rc = ha_store_open(path_in("damaged.db"), 0, &st, &err);
	CHECK_INT(rc, HA_OK);
	if (!rc) {
		CHECK_INT(ha_store_check(st, &err), HA_ERR_STORE);
		CHECK(err.msg[0] != '\0');
		ha_store_close(st);
	}
}

/* ----------------------------------------------------------------- locks */

static void test_busy(void)
{
	struct ha_store *st = NULL, *st2 = NULL, *ro = NULL;
	struct ha_err err;
	int64_t run = 0, host = 0, latest = 0;
	double t0, dt;
	sqlite3 *db;

	st = new_store(path_in("busy.db"), &run, &host);
	if (!st)
		return;
	db = raw(path_in("busy.db"));
	CHECK_INT(exec(db, "BEGIN EXCLUSIVE"), SQLITE_OK);

	/* A transaction of ours waits for the busy timeout, then gives up
	 * with HA_ERR_BUSY. */
	t0 = now_s();
	CHECK_INT(ha_store_begin(st, &err), HA_ERR_BUSY);
	dt = now_s() - t0;
	CHECK_HAS(err.msg, "locked by another process");
	if (dt < 4.0 || dt > 15.0)
		check_fail(__FILE__, __LINE__, "gave up after %.1f s, expected about 5 s", dt);
	/* Opening for writing migrates in a transaction: busy too. */
	t0 = now_s();
	CHECK_INT(ha_store_open(path_in("busy.db"), HA_STORE_CREATE, &st2, &err), HA_ERR_BUSY);
	CHECK(st2 == NULL);
	CHECK(now_s() - t0 < 15.0);
	CHECK_HAS(err.msg, "busy.db");
	/* Readers are not blocked by a writer (WAL). */
	CHECK_INT(ha_store_open(path_in("busy.db"), HA_STORE_READONLY, &ro, &err), HA_OK);
	CHECK_INT(ha_store_latest_run(ro, &latest, &err), HA_OK);
	CHECK_INT(latest, 1);
	ha_store_close(ro);

	/* Once the other connection lets go, everything works again. */
	CHECK_INT(exec(db, "COMMIT"), SQLITE_OK);
	sqlite3_close(db);
	CHECK_INT(ha_store_begin(st, &err), HA_OK);
	CHECK_INT(ha_store_commit(st, &err), HA_OK);
	ha_store_close(st);
}

int main(int argc, char **argv)
{
	static const struct check_case cases[] = {
	        CHECK_CASE(test_create_and_reopen),
	        CHECK_CASE(test_newer_schema_refused),
	        CHECK_CASE(test_migrate_from_1),
	        CHECK_CASE(test_not_a_store_refused),
	        CHECK_CASE(test_open_missing),
	        CHECK_CASE(test_write_and_read_back),
	        CHECK_CASE(test_callback_stops_walk),
	        CHECK_CASE(test_names_cross_as_enums),
	        CHECK_CASE(test_run_selection_and_rest_mode),
	        CHECK_CASE(test_write_errors),
	        CHECK_CASE(test_delete_run_cascades),
	        CHECK_CASE(test_previous_and_load_snapshot),
	        CHECK_CASE(test_check_finds_damage),
	        CHECK_CASE(test_busy),
	};
	size_t i;
	int rc;

	tmp = tu_tempdir("store");
	long_text = malloc(100001);
	if (!tmp || !long_text)
		return 1;
	for (i = 0; i < 100000; i++)
		long_text[i] = (char)('a' + i % 26);
	long_text[100000] = '\0';
	rc = check_run(cases, sizeof cases / sizeof cases[0], argc, argv);
	if (!rc)
		tu_rmtree(tmp);
	free(tmp);
	free(long_text);
	return rc;
}
