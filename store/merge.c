/* merge.c: one store from the stores of shards (scan --shard K/N).
 *
 * Each source store contributes its newest complete run; the destination
 * gets one new run holding every source's hosts, hives, findings, evidence
 * and notes, and the rules once.  Rows are copied in SQL (the source is
 * ATTACHed), table by table, in an order and with key remapping that are
 * read from the source's own schema rather than written out here:
 *
 *   - a table whose key is an INTEGER PRIMARY KEY (rowid) gets its keys
 *     shifted past the destination's largest, and every column declared as a
 *     foreign key to it is shifted by the same amount (a key that is itself
 *     a foreign key, waived_findings.finding_id, follows the table it
 *     refers to);
 *   - a column that is a foreign key to runs takes the new run's id;
 *   - a table that reaches runs through foreign keys copies only the rows of
 *     the chosen run (nested IN over the chain: evidence -> findings ->
 *     hosts -> runs);
 *   - a table with another kind of primary key (rules: run_id, rule_id) is
 *     copied with INSERT OR IGNORE, so the second shard's identical rules
 *     add nothing;
 *   - notes are copied once per distinct text (every shard discovers the
 *     whole collection and writes the same notes about it).
 *
 * So a table or column added by a later migration is merged without a change
 * here, as long as it declares its foreign keys.  hosts.reused_from points
 * into a source's earlier run that is not copied, so it becomes NULL.
 *
 * WHAT IS REFUSED.  Sources of another schema version, without a complete
 * run, made by another tool version, with other rules or requests
 * (digests), or another audit date (--as-of); the same file twice; shards
 * of different splits (K/N with different N), the same shard twice, or a
 * missing shard unless the caller allows a partial merge; two sources that
 * hold the same host folder.  A failed merge leaves nothing behind: the new
 * run is deleted (its rows go with it, ON DELETE CASCADE). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store_internal.h"

#define MAX_TABLES 64
#define MAX_COLS   128

struct src_run {
	char *path;
	int64_t run_id;
	char *tool_version, *as_of, *rules_digest, *requests_digest, *paths, *shard;
	char *started_at, *finished_at;
	long hosts_total;
	unsigned shard_k, shard_n; /* 0 when the run is not a shard */
};

struct col {
	char *name;
	int is_pk;    /* the table's rowid key */
	int fk_table; /* index into the plan's tables, -2 for runs, -1 none */
};

struct table {
	char *name;
	int rowid;        /* has an INTEGER PRIMARY KEY */
	char *pk;         /* its name */
	int parent;       /* table through which rows belong to a run (index), -2 runs, -1 none */
	char *parent_col; /* the column holding the parent's key */
	size_t ncols;
	struct col cols[MAX_COLS];
	int64_t offset; /* for this source */
	int done;
};

struct plan {
	size_t n;
	struct table t[MAX_TABLES];
	int order[MAX_TABLES];
};

static char *dup_col(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return ha_strdup(t ? (const char *)t : "");
}

static int fail(struct ha_store *st, int rc, struct ha_err *err, const char *what)
{
	return ha_store_sqlfail(st, rc, err, what);
}

/* Runs one statement with no result rows; the SQL is built here from our
 * own numbers and %w-quoted identifiers, never from values. */
static int run_sql(struct ha_store *st, const char *sql, int64_t a, int64_t b, struct ha_err *err,
                   const char *what)
{
	sqlite3 *db = ha_store_sqlite(st);
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);

	if (rc != SQLITE_OK)
		return fail(st, rc, err, what);
	if (sqlite3_bind_parameter_count(s) >= 1)
		sqlite3_bind_int64(s, 1, a);
	if (sqlite3_bind_parameter_count(s) >= 2)
		sqlite3_bind_int64(s, 2, b);
	do
		rc = sqlite3_step(s);
	while (rc == SQLITE_ROW);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? HA_OK : fail(st, rc, err, what);
}

static int attach(struct ha_store *st, const char *path, struct ha_err *err)
{
	sqlite3 *db = ha_store_sqlite(st);
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(db, "ATTACH DATABASE ?1 AS src", -1, &s, NULL);

	if (rc != SQLITE_OK)
		return fail(st, rc, err, "attaching a store");
	sqlite3_bind_text(s, 1, path, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return fail(st, rc, err, "opening it");
	return HA_OK;
}

static void detach(struct ha_store *st)
{
	sqlite3_exec(ha_store_sqlite(st), "DETACH DATABASE src", NULL, NULL, NULL);
}

static void src_run_free(struct src_run *r)
{
	free(r->path);
	free(r->tool_version);
	free(r->as_of);
	free(r->rules_digest);
	free(r->requests_digest);
	free(r->paths);
	free(r->shard);
	free(r->started_at);
	free(r->finished_at);
	memset(r, 0, sizeof *r);
}

/* Reads the source's schema version and its newest complete run. */
static int read_source(struct ha_store *st, const char *path, struct src_run *r, struct ha_err *err)
{
	sqlite3 *db = ha_store_sqlite(st);
	sqlite3_stmt *s = NULL;
	int rc, v, has_shard;

	rc = sqlite3_prepare_v2(db, "PRAGMA src.user_version", -1, &s, NULL);
	if (rc != SQLITE_OK)
		return fail(st, rc, err, "reading its schema version");
	rc = sqlite3_step(s);
	v = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : -1;
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW)
		return fail(st, rc, err, "reading its schema version");
	if (v == 0)
		return ha_err_set(err, HA_ERR_STORE, "not a hiveaudit store");
	if (v != ha_store_schema_latest())
		return ha_err_set(
		        err, HA_ERR_STORE,
		        "schema version %d, this hiveaudit writes %d: make the shards with "
		        "the same hiveaudit version",
		        v, ha_store_schema_latest());
	rc = sqlite3_prepare_v2(
	        db,
	        "SELECT run_id, tool_version, as_of, rules_digest, requests_digest, paths,"
	        " shard, started_at, coalesce(finished_at, ''), coalesce(hosts_total, 0)"
	        " FROM src.runs WHERE status = 'complete' ORDER BY run_id DESC LIMIT 1",
	        -1, &s, NULL);
	if (rc != SQLITE_OK)
		return fail(st, rc, err, "reading its runs");
	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE) {
		sqlite3_finalize(s);
		return ha_err_set(err, HA_ERR_NOTFOUND,
		                  "holds no complete run (finish the shard's scan first)");
	}
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(s);
		return fail(st, rc, err, "reading its runs");
	}
	r->run_id = sqlite3_column_int64(s, 0);
	r->tool_version = dup_col(s, 1);
	r->as_of = dup_col(s, 2);
	r->rules_digest = dup_col(s, 3);
	r->requests_digest = dup_col(s, 4);
	r->paths = dup_col(s, 5);
	has_shard = sqlite3_column_type(s, 6) != SQLITE_NULL;
	r->shard = has_shard ? dup_col(s, 6) : NULL;
	r->started_at = dup_col(s, 7);
	r->finished_at = dup_col(s, 8);
	r->hosts_total = (long)sqlite3_column_int64(s, 9);
	sqlite3_finalize(s);
	if (!r->tool_version || !r->as_of || !r->rules_digest || !r->requests_digest || !r->paths ||
	    !r->started_at || !r->finished_at || (has_shard && !r->shard))
		return ha_err_nomem(err);
	if (r->shard && ha_parse_shard(r->shard, &r->shard_k, &r->shard_n))
		return ha_err_set(err, HA_ERR_FORMAT, "run %lld records shard '%s', not K/N",
		                  (long long)r->run_id, r->shard);
	return HA_OK;
}

/* The sources must be parts of one audit: same tool, rules, requests and
 * date; shards of one split, each once, none missing (unless partial). */
static int check_sources(struct src_run *r, size_t n, int allow_partial, struct ha_err *err)
{
	size_t i, j, nshards = 0;
	unsigned sn = 0;

	for (i = 1; i < n; i++) {
		if (strcmp(r[i].rules_digest, r[0].rules_digest))
			return ha_err_set(
			        err, HA_ERR_USAGE,
			        "'%s' and '%s' were made with different rules (digest %.12s... "
			        "and %.12s...): scan every shard with the same rule files",
			        r[0].path, r[i].path, r[0].rules_digest, r[i].rules_digest);
		if (strcmp(r[i].requests_digest, r[0].requests_digest))
			return ha_err_set(
			        err, HA_ERR_USAGE,
			        "'%s' and '%s' read different registry values (requests digest): "
			        "scan every shard with the same rule files",
			        r[0].path, r[i].path);
		if (strcmp(r[i].as_of, r[0].as_of))
			return ha_err_set(
			        err, HA_ERR_USAGE,
			        "'%s' audits as of %s but '%s' as of %s: give every shard the same "
			        "--as-of",
			        r[0].path, r[0].as_of, r[i].path, r[i].as_of);
		if (strcmp(r[i].tool_version, r[0].tool_version))
			return ha_err_set(err, HA_ERR_USAGE,
			                  "'%s' was made by hiveaudit %s but '%s' by %s", r[0].path,
			                  r[0].tool_version, r[i].path, r[i].tool_version);
	}
	for (i = 0; i < n; i++) {
		if (!r[i].shard)
			continue;
		if (nshards++ == 0)
			sn = r[i].shard_n;
		else if (r[i].shard_n != sn)
			return ha_err_set(err, HA_ERR_USAGE,
			                  "'%s' is shard %s but '%s' belongs to a split into %u",
			                  r[i].path, r[i].shard, r[0].path, sn);
		for (j = 0; j < i; j++)
			if (r[j].shard && r[j].shard_k == r[i].shard_k)
				return ha_err_set(err, HA_ERR_USAGE,
				                  "'%s' and '%s' are both shard %s", r[j].path,
				                  r[i].path, r[i].shard);
	}
	if (nshards && nshards < sn && !allow_partial) {
		unsigned k;

		for (k = 1; k <= sn; k++) {
			for (j = 0; j < n; j++)
				if (r[j].shard && r[j].shard_k == k)
					break;
			if (j == n)
				return ha_err_set(
				        err, HA_ERR_USAGE,
				        "shard %u/%u is missing (%zu of %u given); add its store "
				        "or pass --partial",
				        k, sn, nshards, sn);
		}
	}
	return HA_OK;
}

/* ------------------------------------------------------------ the plan */

static void plan_free(struct plan *p)
{
	size_t i, j;

	for (i = 0; i < p->n; i++) {
		free(p->t[i].name);
		free(p->t[i].pk);
		free(p->t[i].parent_col);
		for (j = 0; j < p->t[i].ncols; j++)
			free(p->t[i].cols[j].name);
	}
	memset(p, 0, sizeof *p);
}

static int table_index(const struct plan *p, const char *name)
{
	size_t i;

	if (!strcmp(name, "runs"))
		return -2;
	for (i = 0; i < p->n; i++)
		if (!strcmp(p->t[i].name, name))
			return (int)i;
	return -1;
}

static int read_tables(struct ha_store *st, struct plan *p, struct ha_err *err)
{
	sqlite3 *db = ha_store_sqlite(st);
	sqlite3_stmt *s = NULL;
	int rc;

	rc = sqlite3_prepare_v2(
	        db,
	        "SELECT name FROM src.sqlite_master WHERE type = 'table'"
	        " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name <> 'runs' ORDER BY name",
	        -1, &s, NULL);
	if (rc != SQLITE_OK)
		return fail(st, rc, err, "reading its schema");
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (p->n == MAX_TABLES) {
			sqlite3_finalize(s);
			return ha_err_set(err, HA_ERR_LIMIT, "more than %d tables", MAX_TABLES);
		}
		p->t[p->n].name = dup_col(s, 0);
		p->t[p->n].parent = -1;
		if (!p->t[p->n].name) {
			sqlite3_finalize(s);
			return ha_err_nomem(err);
		}
		p->n++;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? HA_OK : fail(st, rc, err, "reading its schema");
}

/* Columns, the rowid key and the foreign keys of table t. */
static int read_columns(struct ha_store *st, struct plan *p, struct table *t, struct ha_err *err)
{
	sqlite3 *db = ha_store_sqlite(st);
	sqlite3_stmt *s = NULL;
	int rc, npk = 0;
	size_t i;

	rc = sqlite3_prepare_v2(
	        db, "SELECT name, upper(type), pk FROM pragma_table_info(?1, 'src')", -1, &s, NULL);
	if (rc != SQLITE_OK)
		return fail(st, rc, err, "reading its schema");
	sqlite3_bind_text(s, 1, t->name, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *type = (const char *)sqlite3_column_text(s, 1);
		struct col *c;

		if (t->ncols == MAX_COLS) {
			sqlite3_finalize(s);
			return ha_err_set(err, HA_ERR_LIMIT, "table %s: more than %d columns",
			                  t->name, MAX_COLS);
		}
		c = &t->cols[t->ncols++];
		c->name = dup_col(s, 0);
		c->fk_table = -1;
		if (!c->name) {
			sqlite3_finalize(s);
			return ha_err_nomem(err);
		}
		if (sqlite3_column_int(s, 2) > 0) {
			npk++;
			c->is_pk = type && !strcmp(type, "INTEGER");
		}
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return fail(st, rc, err, "reading its schema");
	if (npk != 1)
		for (i = 0; i < t->ncols; i++)
			t->cols[i].is_pk = 0;
	for (i = 0; i < t->ncols; i++)
		if (t->cols[i].is_pk) {
			t->rowid = 1;
			if (!(t->pk = ha_strdup(t->cols[i].name)))
				return ha_err_nomem(err);
		}

	rc = sqlite3_prepare_v2(
	        db, "SELECT \"from\", \"table\" FROM pragma_foreign_key_list(?1, 'src')", -1, &s,
	        NULL);
	if (rc != SQLITE_OK)
		return fail(st, rc, err, "reading its schema");
	sqlite3_bind_text(s, 1, t->name, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *from = (const char *)sqlite3_column_text(s, 0);
		const char *to = (const char *)sqlite3_column_text(s, 1);
		int ti = table_index(p, to ? to : "");

		for (i = 0; from && i < t->ncols; i++)
			if (!strcmp(t->cols[i].name, from))
				t->cols[i].fk_table = ti;
		/* The first foreign key towards runs, else towards a table, is
		 * how the table's rows belong to a run. */
		if (from && ti != -1 && (t->parent == -1 || ti == -2)) {
			free(t->parent_col);
			t->parent = ti;
			if (!(t->parent_col = ha_strdup(from))) {
				sqlite3_finalize(s);
				return ha_err_nomem(err);
			}
		}
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? HA_OK : fail(st, rc, err, "reading its schema");
}

/* Parents before children; a table whose chain does not reach runs is left
 * out (there is none in the schema today: say so if one appears). */
static int order_tables(struct plan *p, struct ha_err *err)
{
	size_t placed = 0, i;
	int progress = 1;

	while (placed < p->n && progress) {
		progress = 0;
		for (i = 0; i < p->n; i++) {
			struct table *t = &p->t[i];

			if (t->done || t->parent == -1)
				continue;
			if (t->parent == -2 || p->t[t->parent].done) {
				t->done = 1;
				p->order[placed++] = (int)i;
				progress = 1;
			}
		}
	}
	for (i = 0; i < p->n; i++)
		if (!p->t[i].done)
			return ha_err_set(
			        err, HA_ERR_STORE,
			        "table '%s' does not belong to a run through its foreign keys; "
			        "this hiveaudit cannot merge it",
			        p->t[i].name);
	return HA_OK;
}

static int build_plan(struct ha_store *st, struct plan *p, struct ha_err *err)
{
	size_t i;
	int rc = read_tables(st, p, err);

	for (i = 0; !rc && i < p->n; i++)
		rc = read_columns(st, p, &p->t[i], err);
	if (!rc)
		rc = order_tables(p, err);
	return rc;
}

/* "rows of table ti that belong to run ?1 in src", as a WHERE condition. */
static void belongs(struct ha_buf *b, const struct plan *p, int ti)
{
	const struct table *t = &p->t[ti];
	char *q;

	if (t->parent == -2) {
		q = sqlite3_mprintf("\"%w\" = ?1", t->parent_col);
		ha_buf_puts(b, q ? q : "");
		sqlite3_free(q);
		if (!q)
			b->failed = HA_ERR_NOMEM;
		return;
	}
	q = sqlite3_mprintf("\"%w\" IN (SELECT \"%w\" FROM src.\"%w\" WHERE ", t->parent_col,
	                    p->t[t->parent].pk ? p->t[t->parent].pk : "rowid",
	                    p->t[t->parent].name);
	ha_buf_puts(b, q ? q : "");
	sqlite3_free(q);
	if (!q)
		b->failed = HA_ERR_NOMEM;
	belongs(b, p, t->parent);
	ha_buf_putc(b, ')');
}

static void ident(struct ha_buf *b, const char *fmt, const char *name)
{
	char *q = sqlite3_mprintf(fmt, name);

	if (!q) {
		b->failed = HA_ERR_NOMEM;
		return;
	}
	ha_buf_puts(b, q);
	sqlite3_free(q);
}

/* Each rowid table's shift: past the destination's largest key, whatever
 * the source's smallest is. */
static int compute_offsets(struct ha_store *st, struct plan *p, struct ha_err *err)
{
	sqlite3 *db = ha_store_sqlite(st);
	size_t i;

	for (i = 0; i < p->n; i++) {
		struct table *t = &p->t[i];
		sqlite3_stmt *s = NULL;
		char *sql;
		int rc;

		t->offset = 0;
		if (!t->rowid)
			continue;
		sql = sqlite3_mprintf("SELECT coalesce((SELECT max(\"%w\") FROM main.\"%w\"), 0)"
		                      " - coalesce((SELECT min(\"%w\") FROM src.\"%w\"), 1) + 1",
		                      t->pk, t->name, t->pk, t->name);
		if (!sql)
			return ha_err_nomem(err);
		rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
		sqlite3_free(sql);
		if (rc != SQLITE_OK)
			return fail(st, rc, err, "planning the merge");
		rc = sqlite3_step(s);
		if (rc != SQLITE_ROW) {
			sqlite3_finalize(s);
			return fail(st, rc, err, "planning the merge");
		}
		t->offset = sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
	}
	return HA_OK;
}

/* INSERT INTO main.T (cols) SELECT <remapped cols> FROM src.T WHERE <belongs>. */
static int copy_table(struct ha_store *st, const struct plan *p, int ti, int64_t src_run,
                      int64_t new_run, struct ha_err *err)
{
	const struct table *t = &p->t[ti];
	struct ha_buf b;
	size_t i;
	int rc;

	ha_buf_init(&b, 1 << 20);
	ha_buf_puts(&b, t->rowid ? "INSERT INTO main." : "INSERT OR IGNORE INTO main.");
	ident(&b, "\"%w\" (", t->name);
	for (i = 0; i < t->ncols; i++)
		ident(&b, i ? ", \"%w\"" : "\"%w\"", t->cols[i].name);
	ha_buf_puts(&b, ") SELECT ");
	for (i = 0; i < t->ncols; i++) {
		const struct col *c = &t->cols[i];

		if (i)
			ha_buf_puts(&b, ", ");
		if (c->fk_table == -2)
			ha_buf_puts(&b, "?2");
		else if (c->fk_table >= 0 && p->t[c->fk_table].rowid)
			ident(&b, "\"%w\"", c->name),
			        ha_buf_printf(&b, " + %lld", (long long)p->t[c->fk_table].offset);
		else if (c->is_pk)
			ident(&b, "\"%w\"", c->name),
			        ha_buf_printf(&b, " + %lld", (long long)t->offset);
		else if (!strcmp(t->name, "hosts") && !strcmp(c->name, "reused_from"))
			ha_buf_puts(&b, "NULL");
		else
			ident(&b, "\"%w\"", c->name);
	}
	ident(&b, " FROM src.\"%w\" WHERE ", t->name);
	belongs(&b, p, ti);
	if (!strcmp(t->name, "notes"))
		ha_buf_puts(&b, " AND text NOT IN (SELECT text FROM main.notes WHERE run_id = ?2)");
	if (t->rowid)
		ident(&b, " ORDER BY \"%w\"", t->pk);
	rc = ha_buf_status(&b);
	if (rc)
		rc = ha_err_set(err, rc, "merge statement too large");
	else {
		char what[160];

		snprintf(what, sizeof what, "copying %s", t->name);
		rc = run_sql(st, ha_buf_cstr(&b), src_run, new_run, err, what);
		if (rc && err->msg[0] && strstr(err->msg, "UNIQUE") && !strcmp(t->name, "hosts"))
			rc = ha_err_set(
			        err, HA_ERR_USAGE,
			        "a host folder it holds is already in another of the stores "
			        "(the stores overlap: give each shard once)");
	}
	ha_buf_free(&b);
	return rc;
}

/* The merged run: the first source's run row, then its times, command,
 * host count and status made the merge's. */
static int create_run(struct ha_store *st, const struct src_run *r, size_t n,
                      const struct ha_merge_opts *o, int64_t *new_run, struct ha_err *err)
{
	sqlite3 *db = ha_store_sqlite(st);
	sqlite3_stmt *s = NULL;
	const char *first = r[0].started_at, *last = r[0].finished_at;
	long total = 0;
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		if (strcmp(r[i].started_at, first) < 0)
			first = r[i].started_at;
		if (strcmp(r[i].finished_at, last) > 0)
			last = r[i].finished_at;
		total += r[i].hosts_total;
	}
	rc = attach(st, r[0].path, err);
	if (rc)
		return ha_err_prefix(err, "'%s'", r[0].path);
	rc = sqlite3_prepare_v2(
	        db,
	        "INSERT INTO main.runs (started_at, finished_at, status, tool_version, as_of,"
	        " rules_digest, requests_digest, paths, command, hosts_total, shard)"
	        " SELECT ?2, ?3, 'running', tool_version, as_of, rules_digest,"
	        " requests_digest, paths, ?4, ?5, NULL FROM src.runs WHERE run_id = ?1",
	        -1, &s, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(s, 1, r[0].run_id);
		sqlite3_bind_text(s, 2, first, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 3, last, -1, SQLITE_TRANSIENT);
		if (o && o->command)
			sqlite3_bind_text(s, 4, o->command, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(s, 5, total);
		rc = sqlite3_step(s);
		rc = rc == SQLITE_DONE ? HA_OK : fail(st, rc, err, "recording the merged run");
	} else
		rc = fail(st, rc, err, "recording the merged run");
	sqlite3_finalize(s);
	*new_run = sqlite3_last_insert_rowid(db);
	detach(st);
	return rc;
}

static int merge_one(struct ha_store *st, const struct src_run *r, int64_t new_run,
                     struct ha_err *err)
{
	struct plan p;
	size_t i;
	int rc;

	memset(&p, 0, sizeof p);
	rc = attach(st, r->path, err);
	if (rc)
		return rc;
	rc = build_plan(st, &p, err);
	if (!rc)
		rc = run_sql(st, "BEGIN IMMEDIATE", 0, 0, err, "starting the merge");
	if (!rc) {
		rc = compute_offsets(st, &p, err);
		for (i = 0; !rc && i < p.n; i++)
			rc = copy_table(st, &p, p.order[i], r->run_id, new_run, err);
		if (rc)
			sqlite3_exec(ha_store_sqlite(st), "ROLLBACK", NULL, NULL, NULL);
		else
			rc = run_sql(st, "COMMIT", 0, 0, err, "committing the merge");
	}
	plan_free(&p);
	detach(st);
	return rc;
}

int ha_store_merge(struct ha_store *st, const char *const *srcs, size_t n,
                   const struct ha_merge_opts *o, struct ha_merge_result *res, struct ha_err *err)
{
	struct src_run *r;
	struct stat *ids;
	int64_t new_run = 0;
	size_t i, j;
	int rc = HA_OK;

	memset(res, 0, sizeof *res);
	if (n == 0)
		return ha_err_set(err, HA_ERR_USAGE, "no store to merge");
	r = calloc(n, sizeof *r);
	ids = calloc(n, sizeof *ids);
	if (!r || !ids) {
		free(r);
		free(ids);
		return ha_err_nomem(err);
	}
	for (i = 0; !rc && i < n; i++) {
		if (stat(srcs[i], &ids[i]) != 0) {
			rc = ha_err_sys(err, HA_ERR_IO, errno, "'%s'", srcs[i]);
			break;
		}
		if (!S_ISREG(ids[i].st_mode)) {
			rc = ha_err_set(err, HA_ERR_USAGE, "'%s' is not a regular file", srcs[i]);
			break;
		}
		for (j = 0; j < i; j++)
			if (ids[j].st_dev == ids[i].st_dev && ids[j].st_ino == ids[i].st_ino)
				rc = ha_err_set(err, HA_ERR_USAGE,
				                "'%s' and '%s' are the same store", srcs[j],
				                srcs[i]);
		if (rc)
			break;
		if (!(r[i].path = ha_strdup(srcs[i]))) {
			rc = ha_err_nomem(err);
			break;
		}
		rc = attach(st, srcs[i], err);
		if (!rc) {
			rc = read_source(st, srcs[i], &r[i], err);
			detach(st);
		}
		if (rc)
			ha_err_prefix(err, "'%s'", srcs[i]);
	}
	if (!rc)
		rc = check_sources(r, n, o && o->allow_partial, err);
	if (!rc)
		rc = create_run(st, r, n, o, &new_run, err);
	for (i = 0; !rc && i < n; i++) {
		rc = merge_one(st, &r[i], new_run, err);
		if (rc)
			ha_err_prefix(err, "'%s'", r[i].path);
	}
	if (!rc)
		rc = run_sql(st, "UPDATE runs SET status = 'complete' WHERE run_id = ?1", new_run,
		             0, err, "finishing the merged run");
	if (rc && new_run) {
		/* Whatever was copied goes with the run (ON DELETE CASCADE); the
		 * first error is the one reported. */
		struct ha_err ignored;

		if (run_sql(st, "DELETE FROM runs WHERE run_id = ?1", new_run, 0, &ignored,
		            "removing the failed merge"))
			ha_err_prefix(err, "(the partial merged run %lld could not be removed)",
			              (long long)new_run);
	}
	if (!rc) {
		res->run_id = new_run;
		res->nsources = n;
		for (i = 0; i < n; i++)
			res->hosts += r[i].hosts_total;
	}
	for (i = 0; i < n; i++)
		src_run_free(&r[i]);
	free(r);
	free(ids);
	return rc;
}

int ha_store_run_set_shard(struct ha_store *st, int64_t run_id, unsigned k, unsigned n,
                           struct ha_err *err)
{
	sqlite3_stmt *s = NULL;
	char text[32];
	int rc;

	if (k < 1 || k > n)
		return ha_err_set(err, HA_ERR_USAGE, "shard %u/%u does not exist", k, n);
	snprintf(text, sizeof text, "%u/%u", k, n);
	rc = sqlite3_prepare_v2(ha_store_sqlite(st), "UPDATE runs SET shard = ?2 WHERE run_id = ?1",
	                        -1, &s, NULL);
	if (rc != SQLITE_OK)
		return fail(st, rc, err, "recording the shard");
	sqlite3_bind_int64(s, 1, run_id);
	sqlite3_bind_text(s, 2, text, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? HA_OK : fail(st, rc, err, "recording the shard");
}

int ha_store_unwaived_fails(struct ha_store *st, int64_t run_id, long *n, struct ha_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(
	        ha_store_sqlite(st),
	        "SELECT count(*) FROM findings f JOIN hosts h USING (host_id)"
	        " WHERE h.run_id = ?1 AND f.status = 'FAIL' AND NOT EXISTS"
	        " (SELECT 1 FROM waived_findings x WHERE x.finding_id = f.finding_id"
	        "  AND x.expired = 0)",
	        -1, &s, NULL);

	*n = 0;
	if (rc != SQLITE_OK)
		return fail(st, rc, err, "counting the failing findings");
	sqlite3_bind_int64(s, 1, run_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*n = (long)sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? HA_OK : fail(st, rc, err, "counting the failing findings");
}
