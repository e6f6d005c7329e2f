/* test_interrupt.c: scans of a few hundred hosts stopped part-way.
 *
 * SIGKILL at random points, several times into the same store, then a
 * scan that runs to the end: after every kill the store passes its
 * integrity check, holds whole hosts only (one finding per rule, each host
 * once per run), and keeps every host it held before; no worker outlives
 * the killed scan; the last scan completes the fleet, re-evaluates the
 * hosts already stored from their snapshots, closes the killed runs as
 * 'interrupted' and removes the report temporaries they left.
 *
 * SIGINT, SIGTERM and SIGHUP stop a scan cleanly: exit 3, one line saying
 * how many hosts were stored, the run marked 'interrupted' with exactly
 * those hosts, no report written, every worker ended.  During the reports,
 * the run stays complete and each report present is whole.  A second
 * signal ends the scan at once, and the store is still sound.
 *
 * The kill points come from a seed printed at the start; HA_TEST_SEED=N
 * repeats a run. */
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "ha_common.h"
#include "testproc.h"
#include "testutil.h"

/* A few hundred hosts; fewer under the sanitizers, where each is slower. */
#if TP_ASAN
#define NHOSTS 200
#else
#define NHOSTS 300
#endif

static char *tmp;   /* the test's temporary folder */
static char *fleet; /* NHOSTS copies of three sample hosts */
static double full_secs;

static void make_fleet(void)
{
	static const char *const kinds[] = {"srv2019", "srv2008r2-sp1", "srv2012"};
	char *src = ha_asprintf("%s/samples/fleet", tu_source_dir());
	int i;

	for (i = 0; i < NHOSTS; i++) {
		char label[32];

		snprintf(label, sizeof label, "host%04d", i);
		if (tp_copy_host(src, kinds[i % 3], fleet, label) != 0) {
			check_fail(__FILE__, __LINE__, "cannot copy a sample host");
			break;
		}
	}
	free(src);
}

/* Starts a scan of the fleet into out (reading every host again when
 * rescan); stderr goes to tmp/scan.err. */
static pid_t start_scan(const char *out, int rescan)
{
	char *errp = ha_asprintf("%s/scan.err", tmp);
	const char *argv[] = {tu_hiveaudit(), "scan",  "-q", "-j",  "2",  "--as-of",
	                      "2026-01-01",   "--out", out,  fleet, NULL, NULL};
	pid_t pid;

	if (rescan) {
		argv[10] = argv[9];
		argv[9] = "--rescan";
	}
	pid = tp_spawn(argv, NULL, NULL, errp);

	free(errp);
	return pid;
}

/* What the last scan wrote on stderr (malloc'd); a sanitizer's report
 * there is a failure. */
static char *scan_err(void)
{
	char *p = ha_asprintf("%s/scan.err", tmp), *t = tu_read(p, NULL);

	if (t && (strstr(t, "runtime error") || strstr(t, "Sanitizer")))
		check_fail(__FILE__, __LINE__, "sanitizer report:\n%s", t);
	free(p);
	return t;
}

/* After a scan ended: its workers go too, promptly (they die with their
 * parent), and none is left for this test, their reaper, to find. */
static void check_no_workers_left(void)
{
	pid_t pids[64];
	double end = tp_now() + 5;

	while (tp_now() < end) {
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		if (tp_children(getpid(), pids, NULL, 64) == 0)
			return;
		tp_sleep(0.01);
	}
	CHECK_INT(tp_leftovers(0), 0);
}

static sqlite3 *open_db(const char *out)
{
	char *p = ha_asprintf("%s/audit.db", out);
	sqlite3 *db = NULL;

	if (sqlite3_open_v2(p, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		sqlite3_close(db);
		db = NULL;
	}
	free(p);
	return db;
}

/* Hosts stored in run `run` (0: the latest run). */
static long long hosts_stored(const char *out, long long run)
{
	sqlite3 *db = open_db(out);
	char sql[160];
	long long n;

	if (run)
		snprintf(sql, sizeof sql, "SELECT count(*) FROM hosts WHERE run_id = %lld", run);
	else
		snprintf(sql, sizeof sql,
		         "SELECT count(*) FROM hosts WHERE run_id ="
		         " (SELECT max(run_id) FROM runs)");
	n = db ? tp_scalar(db, sql) : 0;
	sqlite3_close(db);
	return n < 0 ? 0 : n;
}

/* The store is sound and holds whole hosts only; counts[run] (up to 64
 * runs) receives each run's host count. */
static void check_store(const char *out, long long *counts, int *nruns)
{
	sqlite3 *db = open_db(out);
	sqlite3_stmt *s;
	char *v;

	*nruns = 0;
	if (!db) {
		check_fail(__FILE__, __LINE__, "the store cannot be opened");
		return;
	}
	v = tp_text(db, "PRAGMA integrity_check");
	CHECK_STR(v, "ok");
	free(v);
	CHECK_INT(tp_scalar(db, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
	/* Each host once per run, and whole: one finding per rule, its hives. */
	CHECK_INT(tp_scalar(db, "SELECT count(*) FROM (SELECT run_id, dir FROM hosts"
	                        " GROUP BY run_id, dir HAVING count(*) > 1)"),
	          0);
	CHECK_INT(tp_scalar(db,
	                    "SELECT count(*) FROM hosts h WHERE (SELECT count(*) FROM findings f"
	                    " WHERE f.host_id = h.host_id) <> (SELECT count(*) FROM rules r"
	                    " WHERE r.run_id = h.run_id)"),
	          0);
	CHECK_INT(tp_scalar(db, "SELECT count(*) FROM hosts h WHERE (SELECT count(*) FROM hives v"
	                        " WHERE v.host_id = h.host_id) <> 2"),
	          0);
	CHECK_INT(tp_scalar(db, "SELECT count(*) FROM runs WHERE status NOT IN"
	                        " ('running', 'complete', 'interrupted', 'failed')"),
	          0);
	/* Stopping a scan ends its workers: that is never a hive's fault. */
	CHECK_INT(tp_scalar(db, "SELECT count(*) FROM hives WHERE reason LIKE '%worker%'"), 0);
	CHECK_INT(tp_scalar(db, "SELECT count(*) FROM hives WHERE status <> 'ok'"), 0);
	if (sqlite3_prepare_v2(db,
	                       "SELECT run_id, (SELECT count(*) FROM hosts h WHERE h.run_id ="
	                       " r.run_id) FROM runs r ORDER BY run_id",
	                       -1, &s, NULL) == SQLITE_OK) {
		while (sqlite3_step(s) == SQLITE_ROW && *nruns < 64) {
			CHECK_INT(sqlite3_column_int64(s, 0), *nruns + 1);
			counts[(*nruns)++] = sqlite3_column_int64(s, 1);
		}
		sqlite3_finalize(s);
	}
	sqlite3_close(db);
}

static int has_temporaries(const char *dir)
{
	char *l = NULL;
	struct ha_buf b;
	struct dirent *e;
	DIR *d = opendir(dir);
	int found;

	ha_buf_init(&b, 0);
	while (d && (e = readdir(d)) != NULL)
		ha_buf_printf(&b, " %s", e->d_name);
	if (d)
		closedir(d);
	l = ha_buf_detach(&b, NULL);
	found = l && strstr(l, ".tmp-") != NULL;
	free(l);
	return found;
}

static int report_exists(const char *out, const char *name)
{
	char *p = ha_asprintf("%s/%s", out, name);
	int e = access(p, F_OK) == 0;

	free(p);
	return e;
}

/* findings.csv, when present, is whole for the latest run. */
static void check_findings_whole(const char *out)
{
	if (report_exists(out, "findings.csv"))
		tp_check_csv_whole(out, out);
}

/* ------------------------------------------------------------- SIGKILL */

static void test_full_run_time(void)
{
	char *out = ha_asprintf("%s/full", tmp);
	double t0 = tp_now();
	pid_t pid = start_scan(out, 0);
	int rc = tp_wait(pid, 600);
	long long counts[64];
	int nruns;

	full_secs = tp_now() - t0;
	free(scan_err());
	fprintf(stderr, "  %d hosts in %.1f s\n", NHOSTS, full_secs);
	CHECK(rc == 0 || rc == 1);
	check_no_workers_left();
	check_store(out, counts, &nruns);
	CHECK_INT(nruns, 1);
	CHECK_INT(counts[0], NHOSTS);
	free(out); /* kept for test_stop_while_reporting */
}

static void test_sigkill_at_random_points(void)
{
	char *out = ha_asprintf("%s/killed", tmp);
	long long before[64], after[64];
	int nbefore = 0, nafter, round, i, rc;
	const char *env = getenv("HA_TEST_SEED");
	unsigned seed = env && *env ? (unsigned)strtoul(env, NULL, 10) : (unsigned)time(NULL);
	sqlite3 *db;

	fprintf(stderr, "  seed %u (HA_TEST_SEED=%u repeats these kill points)\n", seed, seed);
	srand(seed);
	if (full_secs <= 0)
		full_secs = 10;
	for (round = 0; round < 5; round++) {
		/* Anywhere from start-up to the reports (every host is read
		 * again, so each run takes about as long as the first). */
		double delay = full_secs * (0.02 + 0.98 * (double)rand() / RAND_MAX);
		pid_t pid = start_scan(out, 1);

		tp_sleep(delay);
		kill(pid, SIGKILL);
		rc = tp_wait(pid, 60);
		free(scan_err());
		fprintf(stderr,
		        "  round %d: killed after %.2f s (status %d), %lld hosts in its run\n",
		        round, delay, rc, hosts_stored(out, 0));
		check_no_workers_left();
		check_store(out, after, &nafter);
		/* Nothing stored before is lost. */
		CHECK(nafter >= nbefore);
		for (i = 0; i < nbefore && i < nafter; i++)
			if (after[i] != before[i])
				check_fail(__FILE__, __LINE__, "run %d had %lld hosts, now %lld",
				           i + 1, before[i], after[i]);
		memcpy(before, after, sizeof after);
		nbefore = nafter;
	}

	/* Run to the end: the fleet is complete, earlier runs are closed. */
	rc = tp_wait(start_scan(out, 0), 600);
	free(scan_err());
	CHECK(rc == 0 || rc == 1);
	check_no_workers_left();
	check_store(out, after, &nafter);
	for (i = 0; i < nbefore && i < nafter; i++)
		CHECK_INT(after[i], before[i]);
	CHECK(nafter >= 1 && after[nafter - 1] == NHOSTS);
	db = open_db(out);
	if (db) {
		long long stored = 0;

		for (i = 0; i < nbefore; i++)
			stored += before[i];
		CHECK_INT(tp_scalar(db, "SELECT count(*) FROM runs WHERE status = 'running'"), 0);
		CHECK_INT(
		        tp_scalar(db, "SELECT status = 'complete' FROM runs ORDER BY run_id DESC"),
		        1);
		CHECK_INT(tp_scalar(db, "SELECT count(DISTINCT dir) FROM hosts WHERE run_id ="
		                        " (SELECT max(run_id) FROM runs)"),
		          NHOSTS);
		/* Hosts stored by the killed runs are not read again. */
		if (stored)
			CHECK(tp_scalar(db,
			                "SELECT count(*) FROM hosts WHERE reused_from IS NOT NULL"
			                " AND run_id = (SELECT max(run_id) FROM runs)") > 0);
		sqlite3_close(db);
	}
	CHECK(!has_temporaries(out));
	check_findings_whole(out);
	tu_rmtree(out);
	free(out);
}

/* ------------------------------------------------ SIGINT, SIGTERM, SIGHUP */

/* Waits until the running scan has committed at least n hosts in its run,
 * the store's run number `run`. */
static int wait_for_hosts(const char *out, long long run, long long n, pid_t pid)
{
	double end = tp_now() + 120;

	while (tp_now() < end) {
		if (hosts_stored(out, run) >= n)
			return 1;
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return 0;
		tp_sleep(0.01);
	}
	return 0;
}

static void test_stop_signals(void)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
	char *out = ha_asprintf("%s/stopped", tmp);
	size_t i;

	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		pid_t pid = start_scan(out, 0);
		long long counts[64], n = -1;
		char want[64], *err, *p;
		int rc, nruns;
		sqlite3 *db;
		double t;

		if (!wait_for_hosts(out, (long long)i + 1, 5, pid)) {
			check_fail(__FILE__, __LINE__, "the scan stored nothing, or ended first");
			tp_wait(pid, 60);
			continue;
		}
		t = tp_now();
		kill(pid, sigs[i]);
		rc = tp_wait(pid, 60);
		t = tp_now() - t;
		err = scan_err();
		fprintf(stderr, "  signal %d: stopped in %.2f s: %s", sigs[i], t, err ? err : "\n");
		CHECK_INT(rc, 3);
		if (t > 10)
			check_fail(__FILE__, __LINE__, "stopping took %.1f s", t);
		snprintf(want, sizeof want, "hiveaudit scan: interrupted by signal %d: ", sigs[i]);
		CHECK(err && strncmp(err, want, strlen(want)) == 0 && strchr(err, '\n') &&
		      strchr(err, '\n')[1] == '\0');
		if (err && (p = strstr(err, want)) != NULL)
			n = strtol(p + strlen(want), NULL, 10);
		free(err);
		check_no_workers_left();
		check_store(out, counts, &nruns);
		CHECK_INT(nruns, (int)i + 1);
		/* Exactly the hosts it said, in a run it marked interrupted. */
		if (nruns == (int)i + 1)
			CHECK_INT(counts[nruns - 1], n);
		db = open_db(out);
		if (db) {
			CHECK_INT(
			        tp_scalar(db,
			                  "SELECT status = 'interrupted' FROM runs ORDER BY run_id"
			                  " DESC"),
			        1);
			sqlite3_close(db);
		}
		CHECK(!report_exists(out, "findings.csv"));
		CHECK(!report_exists(out, "report.html"));
		CHECK(!has_temporaries(out));
	}

	/* A second signal ends the scan at once; the store is still sound. */
	{
		pid_t pid = start_scan(out, 0);
		long long counts[64];
		int rc, nruns;

		if (wait_for_hosts(out, (long long)(sizeof sigs / sizeof sigs[0]) + 1, 1, pid)) {
			kill(pid, SIGINT);
			kill(pid, SIGINT);
		}
		rc = tp_wait(pid, 60);
		CHECK(rc == 3 || rc == 128 + SIGINT || rc == 0 || rc == 1);
		check_no_workers_left();
		check_store(out, counts, &nruns);
	}

	/* And the same command again finishes the job. */
	{
		long long counts[64];
		int rc = tp_wait(start_scan(out, 0), 600), nruns;
		sqlite3 *db;

		CHECK(rc == 0 || rc == 1);
		check_no_workers_left();
		check_store(out, counts, &nruns);
		CHECK(nruns > 0 && counts[nruns - 1] == NHOSTS);
		db = open_db(out);
		if (db) {
			CHECK_INT(
			        tp_scalar(db, "SELECT count(*) FROM runs WHERE status = 'running'"),
			        0);
			sqlite3_close(db);
		}
		check_findings_whole(out);
	}
	tu_rmtree(out);
	free(out);
}

/* A stop request while the reports are written: the run is complete in
 * the store, every report present is whole, no temporary is left.  (Into
 * the store of test_full_run_time: every host is unchanged and comes from
 * its snapshot, so the run reaches its reports quickly.) */
static void test_stop_while_reporting(void)
{
	char *out = ha_asprintf("%s/full", tmp), *err;
	double end;
	int rc, seen = 0;
	pid_t pid;
	sqlite3 *db;

	pid = start_scan(out, 0);
	for (end = tp_now() + 300; !seen && tp_now() < end; tp_sleep(0.001)) {
		if (has_temporaries(out)) {
			kill(pid, SIGINT);
			seen = 1;
		} else if (waitpid(pid, &rc, WNOHANG) == pid) {
			break;
		}
	}
	if (!seen) {
		check_skip("the reports were written before the signal could be sent");
		tu_rmtree(out);
		free(out);
		return;
	}
	rc = tp_wait(pid, 60);
	err = scan_err();
	fprintf(stderr, "  %s", err ? err : "\n");
	check_no_workers_left();
	if (rc == 3)
		CHECK_HAS(err, "while writing the reports");
	else
		CHECK(rc == 0 || rc == 1); /* it had finished the last report */
	free(err);
	db = open_db(out);
	if (db) {
		CHECK_INT(
		        tp_scalar(db, "SELECT status = 'complete' FROM runs ORDER BY run_id DESC"),
		        1);
		CHECK_INT(tp_scalar(db, "SELECT count(*) FROM hosts WHERE run_id ="
		                        " (SELECT max(run_id) FROM runs)"),
		          NHOSTS);
		sqlite3_close(db);
	}
	CHECK(!has_temporaries(out));
	check_findings_whole(out);
	tu_rmtree(out);
	free(out);
}

int main(int argc, char **argv)
{
	static const struct check_case cases[] = {
	        CHECK_CASE(test_full_run_time),
	        CHECK_CASE(test_sigkill_at_random_points),
	        CHECK_CASE(test_stop_signals),
	        CHECK_CASE(test_stop_while_reporting),
	};
	int rc;

	tp_become_subreaper();
	tmp = tu_tempdir("interrupt");
	if (!tmp)
		return 1;
	fleet = ha_asprintf("%s/fleet", tmp);
	make_fleet();
	rc = check_run(cases, sizeof cases / sizeof cases[0], argc, argv);
	if (!rc)
		tu_rmtree(tmp);
	free(fleet);
	free(tmp);
	return rc;
}
