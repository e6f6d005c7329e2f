/* test_e2e_shards.c: scan --shard K/N and merge on the sample fleet.
 *
 * Three shards scanned separately and merged must give the same store, host
 * for host and finding for finding, and byte-identical CSV reports, as one
 * scan of the whole fleet; the shards must be disjoint and cover the fleet;
 * stores that do not belong together are refused with a clear error and
 * leave the destination as it was; and the recipes in examples/sharding/
 * (GNU parallel, Slurm array, Kubernetes Indexed Job) produce the same
 * result when their schedulers' environment is given. */
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "ha_common.h"
#include "ha_ingest.h"
#include "testutil.h"

static char *tmp;
static char full[4096];
static int shards_made; /* s1, s2 and s3 hold the three shards */

/* a/b in one of a few rotating buffers (a may be an earlier result). */
static char *at(const char *a, const char *b)
{
	static char p[8][4096];
	static int k;
	char d[4096];
	int n;

	n = snprintf(d, sizeof d, "%s", a);
	if (n < 0 || (size_t)n >= sizeof d)
		abort();
	k = (k + 1) % 8;
	n = snprintf(p[k], sizeof p[k], "%s/%s", d, b);
	if (n < 0 || (size_t)n >= sizeof p[k])
		abort();
	return p[k];
}

/* Every row of a query, one line each, so two stores compare as text. */
static char *dump(const char *db, const char *sql)
{
	struct ha_buf b;
	sqlite3 *h = NULL;
	sqlite3_stmt *s = NULL;

	ha_buf_init(&b, 256u << 20);
	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(h, sql, -1, &s, NULL) != SQLITE_OK) {
		check_fail(__FILE__, __LINE__, "query on %s: %s", db, h ? sqlite3_errmsg(h) : "?");
		sqlite3_close(h);
		ha_buf_free(&b);
		return ha_strdup("");
	}
	while (sqlite3_step(s) == SQLITE_ROW) {
		int i;

		for (i = 0; i < sqlite3_column_count(s); i++) {
			const unsigned char *t = sqlite3_column_text(s, i);

			ha_buf_printf(&b, "%s%s", i ? "|" : "", t ? (const char *)t : "NULL");
		}
		ha_buf_putc(&b, '\n');
	}
	sqlite3_finalize(s);
	sqlite3_close(h);
	return ha_buf_detach(&b, NULL);
}

static long one(const char *db, const char *sql)
{
	char *t = dump(db, sql);
	long v = strtol(t, NULL, 10);

	free(t);
	return v;
}

/* Host content with every generated id replaced by what it stands for. */
static const char *const content_queries[] = {
        "SELECT label, dir, computer_name, os_family, build, ubr, service_pack, architecture,"
        " control_set, system_status, software_status, verdict, verdict_reason, note,"
        " hex(snapshot) FROM hosts WHERE run_id = (SELECT max(run_id) FROM runs) ORDER BY dir",
        "SELECT h.dir, v.role, v.kind, v.path, v.status, v.reason, v.size, v.sha256, v.logs, "
        "v.replay"
        " FROM hives v JOIN hosts h USING (host_id) WHERE h.run_id = (SELECT max(run_id) FROM runs)"
        " ORDER BY h.dir, v.path",
        "SELECT h.dir, f.rule_id, f.status, f.severity, f.observed, f.expected, f.reason"
        " FROM findings f JOIN hosts h USING (host_id)"
        " WHERE h.run_id = (SELECT max(run_id) FROM runs) ORDER BY h.dir, f.rule_id",
        "SELECT h.dir, f.rule_id, e.role, e.hive_path, e.hive_sha256, e.key_path, e.value_name,"
        " e.value_type, e.data, e.last_write, e.note FROM evidence e JOIN findings f USING "
        "(finding_id)"
        " JOIN hosts h USING (host_id) WHERE h.run_id = (SELECT max(run_id) FROM runs)"
        " ORDER BY h.dir, f.rule_id, e.evidence_id",
        "SELECT ord, rule_id, title, severity, category, counts FROM rules"
        " WHERE run_id = (SELECT max(run_id) FROM runs) ORDER BY ord",
        "SELECT text FROM notes WHERE run_id = (SELECT max(run_id) FROM runs) ORDER BY text",
        "SELECT as_of, rules_digest, requests_digest, paths, hosts_total, status FROM runs"
        " WHERE run_id = (SELECT max(run_id) FROM runs)",
};

static void same_store(const char *a, const char *b)
{
	size_t i;

	for (i = 0; i < sizeof content_queries / sizeof content_queries[0]; i++) {
		char *x = dump(a, content_queries[i]), *y = dump(b, content_queries[i]);

		if (strcmp(x, y) != 0)
			check_fail(__FILE__, __LINE__, "query %zu differs between %s and %s", i, a,
			           b);
		if (!strstr(content_queries[i], "FROM notes"))
			CHECK(strlen(x) > 0); /* the sample fleet has no notes */
		free(x);
		free(y);
	}
}

static void same_file(const char *a, const char *b)
{
	size_t la = 0, lb = 0;
	char *x = tu_read(a, &la), *y = tu_read(b, &lb);

	CHECK(x && y);
	if (x && y && (la != lb || memcmp(x, y, la) != 0))
		check_fail(__FILE__, __LINE__, "%s and %s differ", a, b);
	free(x);
	free(y);
}

static int scan_shard(const char *out, const char *shard)
{
	char *o = NULL, *e = NULL;
	int rc = tu_run_in_samples(&o, &e, "scan", "--quiet", "--as-of", "2026-01-01", "--shard",
	                           shard, "--out", out, "fleet", NULL);

	if (rc != 1)
		fprintf(stderr, "scan --shard %s: %d: %s\n", shard, rc, e ? e : "");
	free(o);
	free(e);
	return rc;
}

static void test_full_scan(void)
{
	char *o = NULL, *e = NULL;

	snprintf(full, sizeof full, "%s/full", tmp);
	CHECK_INT(tu_run_in_samples(&o, &e, "scan", "--quiet", "--as-of", "2026-01-01", "--out",
	                            full, "fleet", NULL),
	          1);
	free(o);
	free(e);
	CHECK_INT(one(at(full, "audit.db"), "SELECT count(*) FROM hosts"), 52);
}

/* Does line (with its newline) occur in text? */
static int has_line(const char *text, const char *line, size_t n)
{
	const char *p = text;

	while ((p = strstr(p, line)) != NULL) {
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return 1;
		p++;
	}
	return 0;
}

static void test_shards_partition_the_fleet(void)
{
	char *dirs[4] = {NULL, NULL, NULL, NULL}, *alldirs, *line, *save = NULL;
	long total = 0;
	int k, j, seen;

	for (k = 1; k <= 3; k++) {
		char shard[8], dir[64];

		snprintf(shard, sizeof shard, "%d/3", k);
		snprintf(dir, sizeof dir, "s%d", k);
		CHECK_INT(scan_shard(at(tmp, dir), shard), 1);
		total += one(at(at(tmp, dir), "audit.db"), "SELECT count(*) FROM hosts");
		CHECK_INT(one(at(at(tmp, dir), "audit.db"),
		              "SELECT count(*) FROM runs WHERE shard IS NOT NULL"),
		          1);
		dirs[k] = dump(at(at(tmp, dir), "audit.db"), "SELECT dir FROM hosts ORDER BY dir");
	}
	CHECK_INT(total, 52);
	shards_made = 1;
	/* Every host of the full scan is in exactly one shard. */
	if (!full[0])
		test_full_scan();
	alldirs = dump(at(full, "audit.db"), "SELECT dir FROM hosts ORDER BY dir");
	for (line = strtok_r(alldirs, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		for (j = 1, seen = 0; j <= 3; j++)
			seen += has_line(dirs[j], line, strlen(line));
		if (seen != 1)
			check_fail(__FILE__, __LINE__, "host %s is in %d shards", line, seen);
	}
	free(alldirs);
	for (k = 1; k <= 3; k++)
		free(dirs[k]);
	/* The library places a host where the scan did, by its path under PATH. */
	{
		unsigned s = 0;
		struct ha_err err;
		char dir[8];

		ha_err_clear(&err);
		CHECK_INT(ha_shard_of("srv2019", 3, &s, &err), HA_OK);
		CHECK(s >= 1 && s <= 3);
		snprintf(dir, sizeof dir, "s%u", s);
		CHECK_INT(one(at(at(tmp, dir), "audit.db"),
		              "SELECT count(*) FROM hosts WHERE label = 'srv2019'"),
		          1);
		CHECK_STR(ha_shard_key("fleet/srv2019", (const char *const[]){"fleet/"}, 1),
		          "srv2019");
		CHECK_STR(ha_shard_key("/mnt/b/fleet/srv2019",
		                       (const char *const[]){"/mnt/b/fleet"}, 1),
		          "srv2019");
		CHECK_STR(ha_shard_key("fleet/srv2019", (const char *const[]){"fleet/srv2019"}, 1),
		          "srv2019");
		CHECK_STR(ha_shard_key("fleet/a/b", (const char *const[]){"fleet", "fleet/a"}, 2),
		          "b");
		CHECK_INT(ha_shard_of("x", 0, &s, &err), HA_ERR_USAGE);
	}
}

/* The full scan and the three shards the cases below read, made by the two
 * cases above in a full run, and here when a case runs alone. */
static void need_scans(void)
{
	if (!full[0])
		test_full_scan();
	if (!shards_made)
		test_shards_partition_the_fleet();
}

static void test_merge_equals_one_scan(void)
{
	char *o = NULL, *e = NULL, m[4096];
	int rc;

	need_scans();
	snprintf(m, sizeof m, "%s", at(tmp, "merged"));

	rc = tu_run_in_samples(&o, &e, "merge", "--out", m, at(at(tmp, "s1"), "audit.db"),
	                       at(at(tmp, "s2"), "audit.db"), at(at(tmp, "s3"), "audit.db"), NULL);
	CHECK_INT(rc, 1);
	CHECK_HAS(o, "merged 3 stores into run 1: 52 hosts (24 ready, 21 not ready, 7 unknown); 36 "
	             "failing findings");
	free(o);
	free(e);
	same_store(at(full, "audit.db"), at(m, "audit.db"));
	same_file(at(full, "findings.csv"), at(m, "findings.csv"));
	same_file(at(full, "hosts.csv"), at(m, "hosts.csv"));
	CHECK(access(at(m, "report.html"), R_OK) == 0);
	CHECK_INT(one(at(m, "audit.db"),
	              "SELECT count(*) FROM runs WHERE status = 'complete' AND shard IS NULL"),
	          1);
	CHECK_INT(one(at(m, "audit.db"), "PRAGMA foreign_key_check"), 0);
	/* Merging again into the same folder adds a run and keeps the first. */
	o = e = NULL;
	rc = tu_run_in_samples(&o, &e, "merge", "-q", "--out", m, at(at(tmp, "s3"), "audit.db"),
	                       at(at(tmp, "s1"), "audit.db"), at(at(tmp, "s2"), "audit.db"), NULL);
	CHECK_INT(rc, 1);
	free(o);
	free(e);
	CHECK_INT(one(at(m, "audit.db"), "SELECT count(*) FROM runs"), 2);
	same_store(at(full, "audit.db"), at(m, "audit.db"));
	CHECK_INT(one(at(m, "audit.db"), "SELECT count(*) FROM hosts"), 104);
}

/* A refused merge says why, exits 2 or 3, and changes nothing. */
static void refused(int want, const char *why, const char *dest, ...)
{
	char *argv[16], *o = NULL, *e = NULL, db[4096];
	va_list ap;
	long before;

	snprintf(db, sizeof db, "%s", at(dest, "audit.db"));
	before = one(db, "SELECT count(*) FROM hosts");
	int n = 0;

	argv[n++] = (char *)tu_hiveaudit();
	argv[n++] = (char *)"merge";
	argv[n++] = (char *)"-q";
	argv[n++] = (char *)"--out";
	argv[n++] = (char *)dest;
	va_start(ap, dest);
	while (n < 15 && (argv[n] = va_arg(ap, char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	CHECK_INT(tu_run(argv, NULL, &o, &e), want);
	CHECK_HAS(e, why);
	CHECK(e && strchr(e, '\n') == strrchr(e, '\n')); /* one line */
	CHECK_INT(one(db, "SELECT count(*) FROM hosts"), before);
	CHECK_INT(one(db, "SELECT count(*) FROM runs WHERE status <> 'complete'"), 0);
	free(o);
	free(e);
}

static void test_merge_refusals(void)
{
	char d[4096], s1[4096], s2[4096], s3[4096], other[4096], *o = NULL, *e = NULL;

	need_scans();
	snprintf(d, sizeof d, "%s", at(tmp, "dest"));

	snprintf(s1, sizeof s1, "%s", at(at(tmp, "s1"), "audit.db"));
	snprintf(s2, sizeof s2, "%s", at(at(tmp, "s2"), "audit.db"));
	snprintf(s3, sizeof s3, "%s", at(at(tmp, "s3"), "audit.db"));
	/* A destination with one good merge in it. */
	CHECK_INT(tu_run_in_samples(&o, &e, "merge", "-q", "--out", d, s1, s2, s3, NULL), 1);
	free(o);
	free(e);

	refused(2, "shard 3/3 is missing (2 of 3 given); add its store or pass --partial", d, s1,
	        s2, NULL);
	{
		char copy[4096];

		snprintf(copy, sizeof copy, "%s/copy-of-s1.db", tmp);
		CHECK_INT(tu_copy(s1, copy), 0);
		refused(2, "are both shard 1/3", d, s1, s2, s3, copy, NULL);
	}
	{
		char lnk[4096];

		snprintf(lnk, sizeof lnk, "%s/same.db", tmp);
		unlink(lnk);
		CHECK(link(s1, lnk) == 0);
		refused(2, "are the same store", d, s1, lnk, NULL);
	}
	/* Another audit date. */
	snprintf(other, sizeof other, "%s/asof", tmp);
	o = e = NULL;
	CHECK_INT(tu_run_in_samples(&o, &e, "scan", "-q", "--as-of", "2026-02-01", "--shard", "3/3",
	                            "--out", other, "fleet", NULL),
	          1);
	free(o);
	free(e);
	refused(2, "as of 2026-02-01", d, s1, s2, at(other, "audit.db"), NULL);
	/* Another split. */
	snprintf(other, sizeof other, "%s/split4", tmp);
	o = e = NULL;
	CHECK_INT(tu_run_in_samples(&o, &e, "scan", "-q", "--as-of", "2026-01-01", "--shard", "3/4",
	                            "--out", other, "fleet", NULL),
	          1);
	free(o);
	free(e);
	refused(2, "belongs to a split into 3", d, s1, s2, at(other, "audit.db"), NULL);
	/* A full scan and a shard of the same fleet overlap. */
	refused(2, "the stores overlap", d, "--partial", at(full, "audit.db"), s1, NULL);
	/* Not a store at all. */
	refused(3, "not a hiveaudit store", d, at(full, "findings.csv"), NULL);
	refused(2, "cannot read store", d, at(tmp, "nonexistent.db"), NULL);
	/* A store of another schema version, and one whose tables are not ours. */
	{
		char old[4096], odd[4096];
		sqlite3 *h = NULL;

		snprintf(old, sizeof old, "%s/old-schema.db", tmp);
		snprintf(odd, sizeof odd, "%s/odd-table.db", tmp);
		CHECK_INT(tu_copy(s3, old), 0);
		CHECK_INT(tu_copy(s3, odd), 0);
		CHECK(sqlite3_open(old, &h) == SQLITE_OK);
		CHECK(sqlite3_exec(h, "PRAGMA user_version = 1", NULL, NULL, NULL) == SQLITE_OK);
		sqlite3_close(h);
		refused(3, "schema version 1, this hiveaudit writes", d, s1, s2, old, NULL);
		h = NULL;
		CHECK(sqlite3_open(odd, &h) == SQLITE_OK);
		CHECK(sqlite3_exec(h, "ALTER TABLE hosts ADD COLUMN planted TEXT", NULL, NULL,
		                   NULL) == SQLITE_OK);
		sqlite3_close(h);
		refused(3, "planted", d, s1, s2, odd, NULL);
	}
	/* --partial accepts the two shards, and says nothing is wrong. */
	o = e = NULL;
	CHECK_INT(tu_run_in_samples(&o, &e, "merge", "--partial", "--out", at(tmp, "partial"), s1,
	                            s2, NULL),
	          1);
	CHECK_INT(one(at(at(tmp, "partial"), "audit.db"), "SELECT count(*) FROM hosts"),
	          one(s1, "SELECT count(*) FROM hosts") + one(s2, "SELECT count(*) FROM hosts"));
	free(o);
	free(e);
	/* Usage. */
	{
		char *argv[] = {(char *)tu_hiveaudit(), (char *)"merge", NULL};

		o = e = NULL;
		CHECK_INT(tu_run(argv, NULL, &o, &e), 2);
		CHECK_HAS(e, "no STORE given");
		free(o);
		free(e);
	}
	{
		char *argv[] = {(char *)tu_hiveaudit(), (char *)"merge", (char *)"--help", NULL};

		o = e = NULL;
		CHECK_INT(tu_run(argv, NULL, &o, &e), 0);
		CHECK_HAS(o, "usage: hiveaudit merge");
		free(o);
		free(e);
	}
	{
		char *argv[] = {(char *)tu_hiveaudit(), (char *)"scan",  (char *)"--shard",
		                (char *)"4/3",          (char *)"fleet", NULL};

		o = e = NULL;
		CHECK_INT(tu_run(argv, NULL, &o, &e), 2);
		CHECK_HAS(e, "--shard takes K/N with 1 <= K <= N, not '4/3'");
		free(o);
		free(e);
	}
}

/* The scheduler recipes, with the environment each scheduler would give. */
static int have(const char *tool)
{
	char cmd[256];

	snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", tool);
	return system(cmd) == 0;
}

static void run_recipe(const char *script, const char *outp)
{
	char out[4096];

	char *argv[] = {(char *)"/bin/sh", (char *)"-c", (char *)script, NULL};
	char *o = NULL, *e = NULL;
	int rc;

	snprintf(out, sizeof out, "%s", outp);
	rc = tu_run(argv, NULL, &o, &e);
	if (rc != 0 && rc != 1)
		fprintf(stderr, "recipe: %d\n%s\n%s\n", rc, o ? o : "", e ? e : "");
	CHECK(rc == 0 || rc == 1);
	free(o);
	free(e);
	same_store(at(full, "audit.db"), at(at(out, "merged"), "audit.db"));
	same_file(at(full, "findings.csv"), at(at(out, "merged"), "findings.csv"));
	same_file(at(full, "hosts.csv"), at(at(out, "merged"), "hosts.csv"));
}

static void test_recipe_gnu_parallel(void)
{
	char script[8192], *out;

	if (!have("parallel")) {
		if (getenv("CI"))
			check_fail(__FILE__, __LINE__,
			           "GNU parallel is missing (bootstrap.sh --ci installs it)");
		else
			check_skip("GNU parallel is not installed");
		return;
	}
	need_scans();
	out = at(tmp, "parallel");
	snprintf(script, sizeof script,
	         "cd '%s/samples' && HIVEAUDIT='%s' AS_OF=2026-01-01 "
	         "'%s/examples/sharding/parallel.sh' 3 fleet '%s'",
	         tu_source_dir(), tu_hiveaudit(), tu_source_dir(), out);
	run_recipe(script, out);
}

static void test_recipe_slurm_array(void)
{
	char script[8192], *out;

	need_scans();
	out = at(tmp, "slurm");
	/* What sbatch --array=1-3 runs: the script once per task, then the merge. */
	snprintf(script, sizeof script,
	         "cd '%s/samples' && export HIVEAUDIT='%s' AS_OF=2026-01-01 "
	         "SLURM_ARRAY_TASK_COUNT=3 && "
	         "for k in 1 2 3; do SLURM_ARRAY_TASK_ID=$k sh '%s/examples/sharding/slurm.sbatch' "
	         "fleet '%s' || exit 9; done && "
	         "sh '%s/examples/sharding/slurm-merge.sbatch' '%s' 3",
	         tu_source_dir(), tu_hiveaudit(), tu_source_dir(), out, tu_source_dir(), out);
	run_recipe(script, out);
}

static void test_recipe_k8s_indexed_job(void)
{
	char script[8192], *out;

	need_scans();
	out = at(tmp, "k8s");
	/* What an Indexed Job with completions: 3 runs: indexes 0, 1, 2. */
	snprintf(script, sizeof script,
	         "cd '%s/samples' && export HIVEAUDIT='%s' AS_OF=2026-01-01 && "
	         "for i in 0 1 2; do JOB_COMPLETION_INDEX=$i sh "
	         "'%s/examples/sharding/k8s-shard.sh' 3 fleet '%s' || exit 9; done && "
	         "'%s' merge -q --out '%s/merged' '%s'/shard-*/audit.db",
	         tu_source_dir(), tu_hiveaudit(), tu_source_dir(), out, tu_hiveaudit(), out, out);
	run_recipe(script, out);
}

int main(int argc, char **argv)
{
	static const struct check_case cases[] = {
	        CHECK_CASE(test_full_scan),
	        CHECK_CASE(test_shards_partition_the_fleet),
	        CHECK_CASE(test_merge_equals_one_scan),
	        CHECK_CASE(test_merge_refusals),
	        CHECK_CASE(test_recipe_gnu_parallel),
	        CHECK_CASE(test_recipe_slurm_array),
	        CHECK_CASE(test_recipe_k8s_indexed_job),
	};
	int rc;

	tmp = tu_tempdir("shards");
	if (!tmp)
		return 1;
	rc = check_run(cases, sizeof cases / sizeof cases[0], argc, argv);
	if (!rc)
		tu_rmtree(tmp);
	return rc;
}
