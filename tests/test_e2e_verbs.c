/* test_e2e_verbs.c: the read-only verbs (report, explain, remediate) and
 * the command line's consistency, on the sample fleet through the built
 * program.
 *
 * One store holds a complete run of the fleet and, after it, a run that was
 * interrupted.  The verbs must show the complete run by default and say so,
 * show the other only when named, and read the store from read-only media
 * as a user who cannot write there (a non-root uid through setpriv when the
 * tests run as root).  Then: explain's build without a UBR, the .reg files'
 * record of what they were made from, and the usage errors that must be
 * exit 2 like any other (issue 12 items 3, 6, 8, 13 and 14). */
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "testproc.h"
#include "testutil.h"

#define RULES_PER_HOST 22
#define FLEET_HOSTS    52
#define NOBODY         "65534"

static char *tmp;        /* the test's temporary folder */
static char fleet[4096]; /* samples/fleet, absolute */
static char out[2048];   /* the scans' output folder */
static char db[4096];    /* out/audit.db */
static int ready = -1;   /* the two runs are in the store: 1, failed: 0 */
static long long run2_hosts = -1;

static char *path_in(const char *dir, const char *name)
{
	static char p[8][4096];
	static int k;
	char d[4096];

	/* dir may be an earlier result, in the buffer about to be reused. */
	if (snprintf(d, sizeof d, "%s", dir) >= (int)sizeof d)
		abort();
	k = (k + 1) % 8;
	if (snprintf(p[k], sizeof p[k], "%s/%s", d, name) >= (int)sizeof p[k])
		abort();
	return p[k];
}

/* Runs the built program with the arguments up to a NULL. */
static int run(char **o, char **e, ...)
{
	char *argv[32];
	va_list ap;
	int n = 0;

	argv[n++] = (char *)tu_hiveaudit();
	va_start(ap, e);
	while (n < 31 && (argv[n] = va_arg(ap, char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	return tu_run(argv, NULL, o, e);
}

static long long query(const char *dbpath, const char *sql)
{
	sqlite3 *h = NULL;
	long long v = -2;

	if (sqlite3_open_v2(dbpath, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK)
		v = tp_scalar(h, sql);
	sqlite3_close(h);
	return v;
}

/* Rows of a CSV file, header included; -1 when it is missing or malformed. */
static long csv_rows(const char *file)
{
	char *text = tu_read(file, NULL);
	struct tu_csv c;
	long n = -1;

	if (text && tu_csv_parse(text, &c) == 0) {
		n = (long)c.nrows;
		tu_csv_free(&c);
	}
	free(text);
	return n;
}

static int same_file(const char *a, const char *b)
{
	size_t na = 0, nb = 0;
	char *x = tu_read(a, &na), *y = tu_read(b, &nb);
	int same = x && y && na == nb && memcmp(x, y, na) == 0;

	free(x);
	free(y);
	return same;
}

/* Run 1: the fleet, complete.  Run 2: the same fleet read again, one host
 * hanging in its worker, stopped with SIGINT: 'interrupted', fewer hosts. */
static int make_runs(void)
{
	const char *argv[] = {tu_hiveaudit(), "scan",       "-q",       "--out", out,
	                      "--as-of",      "2026-01-01", "--rescan", "-j",    "1",
	                      "--timeout",    "600",        fleet,      NULL};
	const char *env[] = {"HIVEAUDIT_TEST_FAULT=hang:srv2012", NULL};
	char *o = NULL, *e = NULL;
	double end;
	pid_t pid;
	int rc;

	if (ready >= 0)
		return ready;
	ready = 0;
	rc = run(&o, &e, "scan", "-q", "--out", out, "--as-of", "2026-01-01", fleet, NULL);
	CHECK_INT(rc, 1);
	free(o);
	free(e);
	if (rc != 1)
		return 0;
	pid = tp_spawn(argv, env, NULL, path_in(tmp, "scan2.err"));
	end = tp_now() + 120;
	/* Until the hanging host is the one left: everything before it in
	 * the pool's order is stored, and the run cannot finish. */
	while (tp_now() < end && query(db, "SELECT count(*) FROM runs") < 2)
		tp_sleep(0.05);
	tp_sleep(1.0);
	kill(pid, SIGINT);
	rc = tp_wait(pid, 120);
	CHECK_INT(rc, 3);
	CHECK_INT(query(db, "SELECT status = 'interrupted' FROM runs WHERE run_id = 2"), 1);
	run2_hosts = query(db, "SELECT count(*) FROM hosts WHERE run_id = 2");
	CHECK(run2_hosts >= 0 && run2_hosts < FLEET_HOSTS);
	/* The interrupted scan wrote no report: the folder has run 1's. */
	CHECK_INT(csv_rows(path_in(out, "findings.csv")), FLEET_HOSTS * RULES_PER_HOST + 1);
	ready = rc == 3 && run2_hosts >= 0 && run2_hosts < FLEET_HOSTS;
	return ready;
}

/* ------------------------------------------- item 3: which run is shown */

static void test_default_is_newest_complete_run(void)
{
	char *o = NULL, *e = NULL, *rep, want[256];
	int rc;

	if (!make_runs())
		return;
	rep = ha_strdup(path_in(tmp, "rep"));
	/* The good run's reports, whole, and the verb says which run. */
	rc = run(&o, &e, "report", "--db", db, "--out", rep, NULL);
	CHECK_INT(rc, 0);
	CHECK_HAS(e, "hiveaudit report: run 1 of ");
	CHECK_HAS(e, "(complete, started ");
	CHECK_HAS(e, ", 52 hosts)");
	CHECK_HAS(e, "hiveaudit report: note: the newer run 2 is interrupted and not shown "
	             "(--run 2 shows it)");
	free(o);
	free(e);
	CHECK_INT(csv_rows(path_in(rep, "findings.csv")), FLEET_HOSTS * RULES_PER_HOST + 1);
	CHECK_INT(csv_rows(path_in(rep, "hosts.csv")), FLEET_HOSTS + 1);
	CHECK(same_file(path_in(rep, "findings.csv"), path_in(out, "findings.csv")));
	CHECK(same_file(path_in(rep, "hosts.csv"), path_in(out, "hosts.csv")));

	/* --quiet: nothing on stderr for a complete run. */
	rc = run(&o, &e, "report", "--db", db, "--out", rep, "--quiet", NULL);
	CHECK_INT(rc, 0);
	CHECK_STR(e, "");
	free(o);
	free(e);

	/* --run 2 shows the interrupted run, and says what it is, even quiet. */
	rc = run(&o, &e, "report", "--db", db, "--out", path_in(tmp, "rep2"), "--run", "2", "-q",
	         NULL);
	CHECK_INT(rc, 0);
	snprintf(want, sizeof want,
	         "hiveaudit report: note: run 2 is interrupted, not complete: what it shows covers "
	         "%lld of the 52 hosts its scan found",
	         run2_hosts);
	CHECK_HAS(e, want);
	CHECK_HAS(e, "hiveaudit report: run 2 of ");
	free(o);
	free(e);
	CHECK_INT(csv_rows(path_in(path_in(tmp, "rep2"), "findings.csv")),
	          run2_hosts * RULES_PER_HOST + 1);

	/* A run that does not exist is a usage error. */
	rc = run(&o, &e, "report", "--db", db, "--out", rep, "--run", "9", NULL);
	CHECK_INT(rc, 2);
	CHECK_HAS(e, "holds no run 9 (the newest is 2)");
	free(o);
	free(e);
	rc = run(&o, &e, "explain", "--db", db, "--run", "9", "srv2012", NULL);
	CHECK_INT(rc, 2);
	CHECK_HAS(e, "holds no run 9");
	free(o);
	free(e);

	/* explain and remediate pick the same run and say so. */
	rc = run(&o, &e, "explain", "--db", db, "srv2012", NULL);
	CHECK_INT(rc, 0);
	CHECK_HAS(e, "hiveaudit explain: run 1 of ");
	CHECK_HAS(o, "Host srv2012 (computer name SRV2012)");
	free(o);
	free(e);
	rc = run(&o, &e, "remediate", "--db", db, "--out", path_in(tmp, "reg"), "--all", NULL);
	CHECK_INT(rc, 0);
	CHECK_HAS(e, "hiveaudit remediate: run 1 of ");
	CHECK_HAS(o, "mis-schannel-absent.reg");
	free(o);
	free(e);
	free(rep);
}

/* A store whose every run failed: no default, and the message says how to
 * see the newest anyway. */
static void test_no_complete_run(void)
{
	char *dir = path_in(tmp, "failed"), *copy, *o = NULL, *e = NULL;
	sqlite3 *h = NULL;
	int rc;

	if (!make_runs())
		return;
	mkdir(dir, 0755);
	copy = ha_strdup(path_in(dir, "audit.db"));
	CHECK_INT(tu_copy(db, copy), 0);
	CHECK_INT(sqlite3_open(copy, &h), SQLITE_OK);
	CHECK_INT(sqlite3_exec(h, "UPDATE runs SET status = 'failed'", NULL, NULL, NULL),
	          SQLITE_OK);
	sqlite3_close(h);
	rc = run(&o, &e, "report", "--db", copy, "--out", path_in(tmp, "rep-failed"), NULL);
	CHECK_INT(rc, 2);
	CHECK_HAS(e,
	          "holds no complete run (the newest, run 2, is failed); --run 2 shows it anyway");
	CHECK(access(path_in(path_in(tmp, "rep-failed"), "findings.csv"), F_OK) != 0);
	free(o);
	free(e);
	rc = run(&o, &e, "explain", "--db", copy, "srv2012", NULL);
	CHECK_INT(rc, 2);
	CHECK_HAS(e, "holds no complete run");
	free(o);
	free(e);
	free(copy);
}

/* ------------------------------------------ item 6: read-only media */

static char setpriv[64];

/* argv prefix that runs a command as a user who cannot write the store's
 * folder: setpriv to uid 65534 when we are root, nothing otherwise.  0 when
 * that is not possible here (the reason is printed). */
static int as_nobody_prefix(const char **argv, int *n)
{
	static const char *const where[] = {"/usr/bin/setpriv", "/bin/setpriv", NULL};
	int i;

	*n = 0;
	if (geteuid() != 0)
		return 1;
	for (i = 0; where[i]; i++)
		if (access(where[i], X_OK) == 0)
			break;
	if (!where[i]) {
		check_skip("running as root and setpriv is not installed: cannot test as a "
		           "non-root user");
		return 0;
	}
	snprintf(setpriv, sizeof setpriv, "%s", where[i]);
	argv[(*n)++] = setpriv;
	argv[(*n)++] = "--reuid=" NOBODY;
	argv[(*n)++] = "--regid=" NOBODY;
	argv[(*n)++] = "--clear-groups";
	return 1;
}

/* Runs hiveaudit (or, with tool set, that program) as that user. */
static int run_nobody(char **o, char **e, const char *tool, ...)
{
	const char *argv[40];
	va_list ap;
	int n;

	if (!as_nobody_prefix(argv, &n))
		return -1;
	argv[n++] = tool ? tool : tu_hiveaudit();
	va_start(ap, tool);
	while (n < 39 && (argv[n] = va_arg(ap, const char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	return tu_run((char *const *)argv, NULL, o, e);
}

/* dir/audit.db from the store, then dir made read-only (as on a DVD or a
 * read-only mount: nobody may create files beside it). */
static char *ro_copy(const char *name, const char *pragma)
{
	char *dir = ha_strdup(path_in(tmp, name)), *file = ha_asprintf("%s/audit.db", dir);

	mkdir(dir, 0755);
	CHECK_INT(tu_copy(db, file), 0);
	if (pragma) {
		sqlite3 *h = NULL;

		CHECK_INT(sqlite3_open(file, &h), SQLITE_OK);
		CHECK_INT(sqlite3_exec(h, pragma, NULL, NULL, NULL), SQLITE_OK);
		sqlite3_close(h);
	}
	free(dir);
	return file;
}

static void seal(const char *file)
{
	char *dir = ha_strndup(file, (size_t)(strrchr(file, '/') - file));

	chmod(file, 0444);
	chmod(dir, 0555);
	free(dir);
}

static void unseal(const char *file)
{
	char *dir = ha_strndup(file, (size_t)(strrchr(file, '/') - file));

	chmod(dir, 0755);
	free(dir);
}

static void test_readonly_media(void)
{
	char *o = NULL, *e = NULL, *file, *wal, rep[4096];
	int rc;

	if (!make_runs())
		return;
	snprintf(rep, sizeof rep, "%s/ro-out", tmp);
	/* The user must reach the build and the test folder. */
	chmod(tmp, 0755);
	mkdir(rep, 0777);
	chmod(rep, 0777);
	rc = run_nobody(&o, &e, NULL, "--version", NULL);
	free(o);
	free(e);
	if (rc < 0)
		return;
	if (rc != 0) {
		check_skip("the built program cannot be run as uid " NOBODY " here");
		return;
	}

	/* A scan leaves its store in rollback mode: the plain copy is read
	 * without anything written beside it, by hiveaudit and by sqlite3. */
	CHECK_INT(
	        query(db, "SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = 'delete'"),
	        1);
	file = ro_copy("ro", NULL);
	seal(file);
	rc = run_nobody(&o, &e, NULL, "report", "--db", file, "--out", rep, NULL);
	CHECK_INT(rc, 0);
	CHECK_HAS(e, "run 1 of ");
	free(o);
	free(e);
	CHECK(same_file(path_in(rep, "findings.csv"), path_in(out, "findings.csv")));
	rc = run_nobody(&o, &e, NULL, "explain", "--db", file, "srv2012", NULL);
	CHECK_INT(rc, 0);
	CHECK_HAS(o, "Host srv2012 (computer name SRV2012)");
	free(o);
	free(e);
	rc = run_nobody(&o, &e, NULL, "remediate", "--db", file, "--out", rep,
	                "mis-schannel-absent", NULL);
	CHECK_INT(rc, 0);
	free(o);
	free(e);
	CHECK(access(path_in(rep, "mis-schannel-absent.reg"), F_OK) == 0);
	/* docs/store.md's example. */
	if (access("/usr/bin/sqlite3", X_OK) == 0) {
		rc = run_nobody(&o, &e, "/usr/bin/sqlite3", "-readonly", file,
		                "SELECT count(*) FROM runs", NULL);
		CHECK_INT(rc, 0);
		CHECK_STR(o, "2\n");
		free(o);
		free(e);
	} else {
		printf("note: no /usr/bin/sqlite3: docs/store.md's shell example not run\n");
	}
	CHECK(access(path_in(path_in(tmp, "ro"), "audit.db-shm"), F_OK) != 0);
	CHECK(access(path_in(path_in(tmp, "ro"), "audit.db-wal"), F_OK) != 0);
	unseal(file);
	free(file);

	/* A store still in WAL mode (its scan was killed, or a reader held
	 * it): SQLite would need to create audit.db-shm to read it; it is read
	 * immutable instead. */
	file = ro_copy("ro-wal", "PRAGMA journal_mode = WAL");
	seal(file);
	rc = run_nobody(&o, &e, NULL, "report", "--db", file, "--out", path_in(tmp, "ro-out"),
	                "--format", "csv", NULL);
	CHECK_INT(rc, 0);
	CHECK_LACKS(e, "readonly database");
	free(o);
	free(e);
	CHECK(same_file(path_in(rep, "findings.csv"), path_in(out, "findings.csv")));
	rc = run_nobody(&o, &e, NULL, "explain", "--db", file, "srv2012", NULL);
	CHECK_INT(rc, 0);
	free(o);
	free(e);
	unseal(file);
	free(file);

	/* ... but not when its log holds transactions the file lacks:
	 * immutable would ignore them and show an older store as the whole. */
	file = ro_copy("ro-log", NULL);
	{
		sqlite3 *h = NULL;

		CHECK_INT(sqlite3_open(file, &h), SQLITE_OK);
		CHECK_INT(sqlite3_exec(h, "PRAGMA journal_mode = WAL", NULL, NULL, NULL),
		          SQLITE_OK);
		CHECK_INT(sqlite3_db_config(h, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL),
		          SQLITE_OK);
		CHECK_INT(sqlite3_exec(h, "INSERT INTO notes (run_id, text) VALUES (1, 'late')",
		                       NULL, NULL, NULL),
		          SQLITE_OK);
		sqlite3_close(h);
	}
	wal = ha_asprintf("%s-wal", file);
	{
		struct stat sb;

		CHECK(stat(wal, &sb) == 0 && sb.st_size > 0);
	}
	{
		char *shm = ha_asprintf("%s-shm", file);

		unlink(shm); /* copied without it, as a collection often is */
		chmod(wal, 0444);
		free(shm);
	}
	seal(file);
	rc = run_nobody(&o, &e, NULL, "explain", "--db", file, "srv2012", NULL);
	CHECK_INT(rc, 3);
	CHECK_HAS(e, "write-ahead log");
	CHECK_HAS(e, "copy the folder to writable storage");
	CHECK_STR(o, "");
	free(o);
	free(e);
	unseal(file);
	free(wal);
	free(file);
}

/* ------------------------------------------------ item 8: build number */

static void test_explain_build_without_ubr(void)
{
	char *o = NULL, *e = NULL;
	int rc;

	if (!make_runs())
		return;
	/* Windows Server 2008 R2 has no UBR: the build alone. */
	rc = run(&o, &e, "explain", "--db", db, "srv2008r2-rtm", NULL);
	CHECK_INT(rc, 0);
	CHECK_HAS(o, "  OS: Windows Server 2008 R2 (build 7600), server, x64\n");
	CHECK_LACKS(o, "build 76000");
	free(o);
	free(e);
	rc = run(&o, &e, "explain", "--db", db, "srv2019", NULL);
	CHECK_INT(rc, 0);
	CHECK_HAS(o, "  OS: Windows Server 2019 (build 17763.5458), ");
	free(o);
	free(e);
}

/* ----------------------------- item 13: what a .reg file was made from */

static void test_remediate_names_its_evidence(void)
{
	char *o = NULL, *e = NULL, *reg, *dir = path_in(tmp, "reg13"), want[8192];
	const char *roles[] = {"SYSTEM", "SOFTWARE"};
	sqlite3 *h = NULL;
	int rc, i;

	if (!make_runs())
		return;
	rc = run(&o, &e, "remediate", "--db", db, "--out", dir, "mis-schannel-absent", NULL);
	CHECK_INT(rc, 0);
	free(o);
	free(e);
	reg = tu_read(path_in(dir, "mis-schannel-absent.reg"), NULL);
	CHECK(reg != NULL);
	if (!reg)
		return;
	CHECK_HAS(reg, "\r\n;\r\n; Made from:\r\n; Host:          mis-schannel-absent\r\n");
	snprintf(want, sizeof want, "; Folder:        %s/mis-schannel-absent\r\n", fleet);
	CHECK_HAS(reg, want);
	CHECK_HAS(reg, "; Computer name: MIS-SCH-ABSENT\r\n");
	CHECK_HAS(reg, "; Run:           1 (complete, started ");
	CHECK_HAS(reg, ", as of 2026-01-01T00:00:00Z)\r\n");
	CHECK_INT(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	for (i = 0; i < 2; i++) {
		char sql[512], *hash;

		snprintf(
		        sql, sizeof sql,
		        "SELECT v.sha256 FROM hives v JOIN hosts h USING (host_id)"
		        " WHERE h.run_id = 1 AND h.label = 'mis-schannel-absent' AND v.role = '%s'",
		        roles[i]);
		hash = tp_text(h, sql);
		CHECK(hash && strlen(hash) == 64);
		snprintf(want, sizeof want,
		         "; %s hive:%s %s/mis-schannel-absent/%s [ok] sha256 %s\r\n", roles[i],
		         i ? "" : "  ", fleet, roles[i], hash ? hash : "?");
		CHECK_HAS(reg, want);
		free(hash);
	}
	sqlite3_close(h);
	free(reg);
}

/* ------------------------------------------ item 14: CLI consistency */

static void test_cli_consistency(void)
{
	char *o = NULL, *e = NULL, loop[4096], la[4096], lb[4096], x[4096];
	static const char *const bad_formats[] = {"", ",", "csv,", ",csv", "csv,,html", "CSV"};
	static const char *const bad_dates[] = {
	        "2026-01-01T00:00:00Z", "2026-02-30", "2026-01-01 ", "2026-1-01", "20260101",
	        "2026-01-01x"};
	static const char *const bad_mem[] = {"0", "63", "1048577", "99999999999"};
	size_t i;
	int rc;

	snprintf(loop, sizeof loop, "%s/loop", tmp);
	snprintf(la, sizeof la, "%s/la", tmp);
	snprintf(lb, sizeof lb, "%s/lb", tmp);
	snprintf(x, sizeof x, "%s/x", tmp);
	/* A PATH that is a symlink loop is a usage error, like a missing one. */
	CHECK_INT(symlink("loop", loop), 0);
	CHECK_INT(symlink("lb", la), 0);
	CHECK_INT(symlink("la", lb), 0);
	rc = run(&o, &e, "scan", "--out", x, loop, NULL);
	CHECK_INT(rc, 2);
	CHECK_HAS(e, "/loop: Too many levels of symbolic links");
	free(o);
	free(e);
	rc = run(&o, &e, "scan", "--out", x, la, NULL);
	CHECK_INT(rc, 2);
	CHECK_HAS(e, "/la: Too many levels of symbolic links");
	free(o);
	free(e);
	CHECK(access(path_in(x, "audit.db"), F_OK) != 0);

	/* --format: an empty list or item is a usage error, not "write nothing". */
	if (make_runs()) {
		for (i = 0; i < sizeof bad_formats / sizeof bad_formats[0]; i++) {
			rc = run(&o, &e, "report", "--db", db, "--out", x, "--format",
			         bad_formats[i], NULL);
			if (rc != 2)
				check_fail(__FILE__, __LINE__, "--format '%s': exit %d",
				           bad_formats[i], rc);
			CHECK_HAS(e, "hiveaudit report: ");
			CHECK_HAS(e, "format");
			free(o);
			free(e);
		}
		CHECK_INT(csv_rows(path_in(x, "findings.csv")), -1);
		rc = run(&o, &e, "report", "--db", db, "--out", x, "--format", "csv", "-q", NULL);
		CHECK_INT(rc, 0);
		free(o);
		free(e);
		CHECK_INT(csv_rows(path_in(x, "findings.csv")), FLEET_HOSTS * RULES_PER_HOST + 1);
	}

	/* --as-of takes what its help says: YYYY-MM-DD, a real date, nothing more. */
	for (i = 0; i < sizeof bad_dates / sizeof bad_dates[0]; i++) {
		rc = run(&o, &e, "scan", "--out", x, "--as-of", bad_dates[i], fleet, NULL);
		if (rc != 2)
			check_fail(__FILE__, __LINE__, "--as-of '%s': exit %d", bad_dates[i], rc);
		CHECK_HAS(e, "--as-of takes a date YYYY-MM-DD");
		free(o);
		free(e);
	}
	/* --worker-mem names both bounds. */
	for (i = 0; i < sizeof bad_mem / sizeof bad_mem[0]; i++) {
		rc = run(&o, &e, "scan", "--out", x, "--worker-mem", bad_mem[i], fleet, NULL);
		CHECK_INT(rc, 2);
		CHECK_HAS(e, "--worker-mem takes megabytes from 64 to 1048576");
		free(o);
		free(e);
	}
	/* Every verb has --help, with the options of this change. */
	rc = run(&o, &e, "report", "--help", NULL);
	CHECK_INT(rc, 0);
	CHECK_HAS(o, "default the newest complete run");
	CHECK_HAS(o, "--quiet");
	free(o);
	free(e);
	rc = run(&o, &e, "explain", "--help", NULL);
	CHECK_INT(rc, 0);
	CHECK_HAS(o, "default the newest complete run");
	free(o);
	free(e);
	rc = run(&o, &e, "remediate", "--help", NULL);
	CHECK_INT(rc, 0);
	CHECK_HAS(o, "default the newest complete run");
	free(o);
	free(e);
}

int main(int argc, char **argv)
{
	static const struct check_case cases[] = {
	        CHECK_CASE(test_default_is_newest_complete_run),
	        CHECK_CASE(test_no_complete_run),
	        CHECK_CASE(test_readonly_media),
	        CHECK_CASE(test_explain_build_without_ubr),
	        CHECK_CASE(test_remediate_names_its_evidence),
	        CHECK_CASE(test_cli_consistency),
	};
	int rc;

	tmp = tu_tempdir("verbs");
	if (!tmp)
		return 1;
	snprintf(fleet, sizeof fleet, "%s/samples/fleet", tu_source_dir());
	snprintf(out, sizeof out, "%s/out", tmp);
	snprintf(db, sizeof db, "%s/audit.db", out);
	rc = check_run(cases, sizeof cases / sizeof cases[0], argc, argv);
	if (!rc)
		tu_rmtree(tmp);
	free(tmp);
	return rc;
}
