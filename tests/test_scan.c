/* test_scan.c: the scan library (scan/ha_scan.h) run in this process on
 * the committed sample fleet: the counts and run states it returns, what
 * it leaves in the store and the output folder, stopping from the
 * progress callback, the folder lock and the repair of a killed run, and
 * incremental reuse (unchanged hosts come from their saved snapshots, a
 * changed file is read again). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "ha_ingest.h"
#include "ha_scan.h"
#include "testutil.h"

#define FLEET_HOSTS     52
#define FLEET_READY     24
#define FLEET_NOT_READY 21
#define FLEET_UNKNOWN   7
#define FLEET_FAILS     36
/* dirty-replayed: a dirty hive with logs is always read again. */
#define FLEET_REUSABLE 51

static char *tmp;
static struct ha_ruleset *rules;
static volatile sig_atomic_t stop;

/* dir/name in one of a few rotating buffers (nothing to free). */
static char *path_in(const char *dir, const char *name)
{
	static char p[8][4096];
	static int k;
	char d[4096];
	int n;

	n = snprintf(d, sizeof d, "%s", dir);
	if (n < 0 || (size_t)n >= sizeof d)
		abort();
	k = (k + 1) % 8;
	n = snprintf(p[k], sizeof p[k], "%s/%s", d, name);
	if (n < 0 || (size_t)n >= sizeof p[k])
		abort();
	return p[k];
}

static int exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* Options for a scan of `paths` into tmp/<out>, as of 2026-01-01. */
static void opts_for(struct ha_scan_opts *o, const char *const *paths, size_t n, const char *out)
{
	static char outdir[4096];

	memset(o, 0, sizeof *o);
	snprintf(outdir, sizeof outdir, "%s", path_in(tmp, out));
	o->paths = paths;
	o->npaths = n;
	o->out = outdir;
	o->rules = rules;
	o->as_of = 1767225600; /* 2026-01-01 */
	o->jobs = 2;
	o->timeout_sec = 300;
	o->worker_mem = (uint64_t)4096 << 20;
	o->formats = HA_REPORT_CSV | HA_REPORT_HTML;
	o->command = "test_scan";
	o->stop = &stop;
	stop = 0;
}

/* Scans with samples/ as the working directory, so that the recorded
 * paths are "fleet/...", as in tests/golden/. */
static int scan_in_samples(const struct ha_scan_opts *o, struct ha_scan_result *r,
                           struct ha_err *err)
{
	char cwd[4096], samples[4096];
	int rc;

	ha_err_clear(err);
	snprintf(samples, sizeof samples, "%s/samples", tu_source_dir());
	if (!getcwd(cwd, sizeof cwd) || chdir(samples) != 0)
		abort();
	rc = ha_scan_run(o, r, err);
	if (chdir(cwd) != 0)
		abort();
	return rc;
}

/* The one value a query on the output folder's store gives (text). */
static char *store_text(const char *out, const char *sql)
{
	static char v[2048];
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;

	v[0] = '\0';
	if (sqlite3_open_v2(path_in(out, "audit.db"), &db, SQLITE_OPEN_READONLY, NULL) ==
	            SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
		snprintf(v, sizeof v, "%s", (const char *)sqlite3_column_text(s, 0));
	else
		snprintf(v, sizeof v, "(no value)");
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

static int same_file(const char *a, const char *b)
{
	size_t la = 0, lb = 0;
	char *x = tu_read(a, &la), *y = tu_read(b, &lb);
	int same = x && y && la == lb && memcmp(x, y, la) == 0;

	free(x);
	free(y);
	return same;
}

static void check_fleet_counts(const struct ha_scan_result *r)
{
	CHECK_INT(r->hosts_found, FLEET_HOSTS);
	CHECK_INT(r->hosts, FLEET_HOSTS);
	CHECK_INT(r->ready, FLEET_READY);
	CHECK_INT(r->not_ready, FLEET_NOT_READY);
	CHECK_INT(r->unknown, FLEET_UNKNOWN);
	CHECK_INT(r->fails, FLEET_FAILS);
}

/* ------------------------------------------------------------------ runs */

static void test_fleet_then_reuse(void)
{
	static const char *const paths[] = {"fleet"};
	struct ha_scan_opts o;
	struct ha_scan_result r;
	struct ha_err err;
	char golden[4096];

	opts_for(&o, paths, 1, "fleet");
	CHECK_INT(scan_in_samples(&o, &r, &err), HA_OK);
	CHECK_STR(err.msg, "");
	CHECK_INT(r.state, HA_SCAN_COMPLETE);
	CHECK_INT(r.run_id, 1);
	check_fleet_counts(&r);
	CHECK_INT(r.reused, 0);
	CHECK_INT(r.reports_written, 1);
	CHECK_STR(store_text(o.out, "SELECT status FROM runs WHERE run_id = 1"), "complete");
	CHECK_STR(store_text(o.out, "SELECT command FROM runs WHERE run_id = 1"), "test_scan");
	snprintf(golden, sizeof golden, "%s/tests/golden/findings.csv", tu_source_dir());
	CHECK(same_file(path_in(o.out, "findings.csv"), golden));
	snprintf(golden, sizeof golden, "%s/tests/golden/hosts.csv", tu_source_dir());
	CHECK(same_file(path_in(o.out, "hosts.csv"), golden));
	CHECK(exists(path_in(o.out, "report.html")));
	CHECK(!exists(path_in(o.out, "findings.jsonl")));

	/* Again: every host but the dirty one with logs comes from the store,
	 * with the same answers. */
	o.formats = HA_REPORT_JSON;
	CHECK_INT(scan_in_samples(&o, &r, &err), HA_OK);
	CHECK_INT(r.state, HA_SCAN_COMPLETE);
	CHECK_INT(r.run_id, 2);
	check_fleet_counts(&r);
	CHECK_INT(r.reused, FLEET_REUSABLE);
	CHECK_STR(store_text(o.out,
	                     "SELECT count(*) FROM hosts WHERE run_id = 2 AND reused_from > 0"),
	          "51");
	CHECK_STR(store_text(o.out,
	                     "SELECT label FROM hosts WHERE run_id = 2 AND reused_from IS NULL"),
	          "dirty-replayed");
	CHECK(exists(path_in(o.out, "findings.jsonl")));

	/* --rescan reads everything. */
	o.rescan = 1;
	o.formats = 0;
	CHECK_INT(scan_in_samples(&o, &r, &err), HA_OK);
	CHECK_INT(r.run_id, 3);
	check_fleet_counts(&r);
	CHECK_INT(r.reused, 0);
}

/* A file whose bytes change under the same size and time is read again. */
static void test_reuse_sees_changed_bytes(void)
{
	char src[4096], host[4096], *paths[1];
	struct ha_scan_opts o;
	struct ha_scan_result r;
	struct ha_err err;
	struct timespec keep[2];
	struct stat st;
	int fd;

	snprintf(host, sizeof host, "%s/hosts/clone-a", tmp);
	snprintf(src, sizeof src, "%s/samples/fleet/clone-a/SYSTEM", tu_source_dir());
	CHECK_INT(tu_copy(src, path_in(host, "SYSTEM")), 0);
	snprintf(src, sizeof src, "%s/samples/fleet/clone-a/SOFTWARE", tu_source_dir());
	CHECK_INT(tu_copy(src, path_in(host, "SOFTWARE")), 0);
	paths[0] = path_in(tmp, "hosts");
	opts_for(&o, (const char *const *)paths, 1, "changed");
	o.formats = 0;
	CHECK_INT(ha_scan_run(&o, &r, &err), HA_OK);
	CHECK_INT(r.hosts, 1);
	CHECK_INT(r.reused, 0);
	CHECK_INT(ha_scan_run(&o, &r, &err), HA_OK);
	CHECK_INT(r.reused, 1);

	/* One byte of the SOFTWARE hive's last page, times put back. */
	CHECK_INT(stat(path_in(host, "SOFTWARE"), &st), 0);
	keep[0] = st.st_atim;
	keep[1] = st.st_mtim;
	fd = open(path_in(host, "SOFTWARE"), O_WRONLY);
	CHECK(fd >= 0);
	CHECK_INT(pwrite(fd, "\x5a", 1, st.st_size - 1), 1);
	close(fd);
	CHECK_INT(utimensat(AT_FDCWD, path_in(host, "SOFTWARE"), keep, 0), 0);
	CHECK_INT(ha_scan_run(&o, &r, &err), HA_OK);
	CHECK_INT(r.run_id, 3);
	CHECK_INT(r.hosts, 1);
	CHECK_INT(r.reused, 0);
	CHECK_INT(ha_scan_run(&o, &r, &err), HA_OK);
	CHECK_INT(r.reused, 1);
}

/* A worker that says "unchanged" without being asked (as a subverted one
 * could) does not stop the run: the file it was reading is unreadable,
 * and the host is read again without it. */
static void test_unasked_unchanged(void)
{
	static const char *const paths[] = {"fleet/clone-a"};
	struct ha_scan_opts o;
	struct ha_scan_result r;
	struct ha_err err;

	opts_for(&o, paths, 1, "unasked");
	o.formats = 0;
	o.rescan = 1;
	o.fault = "unchanged:clone-a:SOFTWARE";
	CHECK_INT(scan_in_samples(&o, &r, &err), HA_OK);
	CHECK_INT(r.state, HA_SCAN_COMPLETE);
	CHECK_INT(r.hosts, 1);
	CHECK_INT(r.reused, 0);
	CHECK_STR(store_text(o.out, "SELECT status FROM hives WHERE path LIKE '%/SOFTWARE'"),
	          "unreadable");
	CHECK_STR(store_text(o.out, "SELECT reason FROM hives WHERE path LIKE '%/SOFTWARE'"),
	          "reading failed: worker reported an unchanged host it was not asked about "
	          "while reading SOFTWARE");
	CHECK_STR(store_text(o.out, "SELECT status FROM hives WHERE path LIKE '%/SYSTEM'"), "ok");
}

/* --------------------------------------------------- evidence cost (#16) */

/* Copies the sample host clone-a to tmp/<name>/clone-a; returns the
 * folder to scan (tmp/<name>, in a static buffer). */
static const char *copy_clone_a(const char *name)
{
	static char root[4096];
	char src[4096], host[4096];

	snprintf(root, sizeof root, "%s", path_in(tmp, name));
	snprintf(host, sizeof host, "%s", path_in(root, "clone-a"));
	snprintf(src, sizeof src, "%s/samples/fleet/clone-a/SYSTEM", tu_source_dir());
	CHECK_INT(tu_copy(src, path_in(host, "SYSTEM")), 0);
	snprintf(src, sizeof src, "%s/samples/fleet/clone-a/SOFTWARE", tu_source_dir());
	CHECK_INT(tu_copy(src, path_in(host, "SOFTWARE")), 0);
	return root;
}

static int is_hex64(const char *h)
{
	size_t i;

	for (i = 0; i < 64; i++)
		if (!strchr("0123456789abcdef", h[i]) || !h[i])
			return 0;
	return h[64] == '\0';
}

/* --hash none: nothing is hashed, and every place a hash would be says
 * so; a rerun reuses by identity; --hash sha256 afterwards reads and
 * hashes, since "not computed" is no hash to keep. */
/* With --hash none a file that is not a hive is not read past its
 * signature either (a large file of zeros named SOFTWARE). */
static void test_hash_none_reads_no_non_hive(void)
{
	const char *paths[1];
	struct ha_scan_opts o;
	struct ha_scan_result r;
	struct ha_err err;
	char host[4096], src[4096];
	FILE *f;

	snprintf(host, sizeof host, "%s", path_in(tmp, "nohash-zero/h"));
	snprintf(src, sizeof src, "%s/samples/fleet/clone-a/SYSTEM", tu_source_dir());
	CHECK_INT(tu_copy(src, path_in(host, "SYSTEM")), 0);
	f = fopen(path_in(host, "SOFTWARE"), "w");
	CHECK(f != NULL);
	if (!f)
		return;
	CHECK_INT(ftruncate(fileno(f), (off_t)1 << 30), 0); /* sparse: 1 GiB of zeros */
	fclose(f);
	paths[0] = path_in(tmp, "nohash-zero");
	opts_for(&o, paths, 1, "nohash-zero-out");
	o.no_hash = 1;
	CHECK_INT(ha_scan_run(&o, &r, &err), HA_OK);
	CHECK_STR(store_text(o.out, "SELECT status || ' ' || sha256 FROM hives WHERE path LIKE "
	                            "'%/SOFTWARE'"),
	          "not_a_hive " HA_HASH_NOT_COMPUTED);
}

static void test_hash_none(void)
{
	const char *paths[1];
	struct ha_scan_opts o;
	struct ha_scan_result r;
	struct ha_err err;
	char *csv;

	paths[0] = copy_clone_a("nohash");
	opts_for(&o, paths, 1, "nohash-out");
	o.no_hash = 1;
	o.formats = HA_REPORT_CSV | HA_REPORT_JSON;
	CHECK_INT(ha_scan_run(&o, &r, &err), HA_OK);
	CHECK_INT(r.hosts, 1);
	CHECK_INT(r.reused, 0);
	CHECK_STR(HA_HASH_NOT_COMPUTED, "not computed (--hash none)");
	CHECK_STR(store_text(o.out, "SELECT group_concat(DISTINCT sha256) FROM hives"),
	          HA_HASH_NOT_COMPUTED);
	CHECK_STR(store_text(o.out, "SELECT group_concat(DISTINCT hive_sha256) FROM evidence"
	                            " WHERE hive_path IS NOT NULL"),
	          HA_HASH_NOT_COMPUTED);
	CHECK_STR(store_text(o.out, "SELECT count(*) FROM evidence WHERE hive_sha256 = ''"), "0");
	CHECK_STR(store_text(o.out, "SELECT text FROM notes"),
	          "hive file hashes were not computed (--hash none): evidence names the files by "
	          "path, size and time only");
	csv = tu_read(path_in(o.out, "findings.csv"), NULL);
	CHECK_HAS(csv, ",\"not computed (--hash none)\",\"");
	free(csv);
	csv = tu_read(path_in(o.out, "findings.jsonl"), NULL);
	CHECK_HAS(csv, "\"hive_sha256\":\"not computed (--hash none)\"");
	free(csv);

	CHECK_INT(ha_scan_run(&o, &r, &err), HA_OK);
	CHECK_INT(r.reused, 1);

	o.no_hash = 0;
	CHECK_INT(ha_scan_run(&o, &r, &err), HA_OK);
	CHECK_INT(r.run_id, 3);
	CHECK_INT(r.reused, 0);
	CHECK(is_hex64(store_text(o.out, "SELECT sha256 FROM hives h JOIN hosts USING (host_id)"
	                                 " WHERE run_id = 3 AND path LIKE '%/SOFTWARE'")));
	CHECK_INT(ha_scan_run(&o, &r, &err), HA_OK);
	CHECK_INT(r.reused, 1);
	CHECK(is_hex64(store_text(o.out, "SELECT sha256 FROM hives h JOIN hosts USING (host_id)"
	                                 " WHERE run_id = 4 AND path LIKE '%/SOFTWARE'")));
}

/* How often the files under `dir` are opened while fn runs (inotify). */
static long opens_during(const char *dir, void (*fn)(void *), void *ctx)
{
	char buf[1 << 16];
	long n = 0;
	ssize_t got;
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);

	if (fd < 0 || inotify_add_watch(fd, dir, IN_OPEN) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	fn(ctx);
	while ((got = read(fd, buf, sizeof buf)) > 0) {
		char *p = buf;

		while (p < buf + got) {
			struct inotify_event *e = (struct inotify_event *)p;

			if (e->len && (!strcmp(e->name, "SYSTEM") || !strcmp(e->name, "SOFTWARE")))
				n++;
			p += sizeof *e + e->len;
		}
	}
	close(fd);
	return n;
}

struct scan_call {
	struct ha_scan_opts *o;
	struct ha_scan_result *r;
	int rc;
};

static void call_scan(void *ctx)
{
	struct scan_call *c = ctx;
	struct ha_err err;

	ha_err_clear(&err);
	c->rc = ha_scan_run(c->o, c->r, &err);
}

static void call_discover(void *ctx)
{
	struct ha_fleet fleet = {0};
	struct ha_err err;

	ha_err_clear(&err);
	CHECK_INT(ha_discover((const char *const *)ctx, 1, &fleet, &err), HA_OK);
	ha_fleet_free(&fleet);
}

/* An unchanged identity reuses the stored SHA-256 and snapshot without
 * opening the hives beyond what discovery does; the identity is stored as
 * stat() gives it. */
static void test_identity_reuse_reads_nothing(void)
{
	const char *paths[1];
	char host[4096], want[128];
	struct ha_scan_opts o;
	struct ha_scan_result r;
	struct scan_call c = {&o, &r, -1};
	struct ha_err err;
	struct stat st;
	long discovery, rerun;

	paths[0] = copy_clone_a("ident");
	snprintf(host, sizeof host, "%s", path_in(paths[0], "clone-a"));
	opts_for(&o, paths, 1, "ident-out");
	o.formats = 0;
	CHECK_INT(ha_scan_run(&o, &r, &err), HA_OK);
	CHECK_INT(stat(path_in(host, "SOFTWARE"), &st), 0);
	snprintf(want, sizeof want, "%llu %llu %lld %lld", (unsigned long long)st.st_dev,
	         (unsigned long long)st.st_ino, (long long)st.st_size,
	         (long long)st.st_ctim.tv_sec * 1000000000LL + st.st_ctim.tv_nsec);
	CHECK_STR(store_text(o.out, "SELECT dev || ' ' || ino || ' ' || size || ' ' || ctime_ns"
	                            " FROM hives WHERE path LIKE '%/SOFTWARE'"),
	          want);

	discovery = opens_during(host, call_discover, (void *)paths);
	rerun = opens_during(host, call_scan, &c);
	CHECK(discovery > 0);
	CHECK_INT(c.rc, HA_OK);
	CHECK_INT(r.reused, 1);
	CHECK_INT(rerun, discovery);
	CHECK_STR(store_text(o.out, "SELECT count(*) FROM hives h JOIN hosts USING (host_id)"
	                            " WHERE run_id = 2 AND ctime_ns IS NOT NULL"),
	          "2");
	/* The stored hash is kept, not recomputed nor lost. */
	CHECK_STR(store_text(o.out,
	                     "SELECT count(DISTINCT sha256) FROM hives h JOIN hosts USING (host_id)"
	                     " WHERE path LIKE '%/SOFTWARE'"),
	          "1");

	/* A store made before identities were recorded: the worker compares
	 * the hashes (reading the file), and records the identity for next time. */
	{
		sqlite3 *db = NULL;

		CHECK_INT(sqlite3_open(path_in(o.out, "audit.db"), &db), SQLITE_OK);
		CHECK_INT(sqlite3_exec(db,
		                       "UPDATE hives SET dev = NULL, ino = NULL, ctime_ns = NULL",
		                       NULL, NULL, NULL),
		          SQLITE_OK);
		sqlite3_close(db);
	}
	rerun = opens_during(host, call_scan, &c);
	CHECK_INT(c.rc, HA_OK);
	CHECK_INT(r.reused, 1);
	CHECK(rerun > discovery);
	rerun = opens_during(host, call_scan, &c);
	CHECK_INT(r.reused, 1);
	CHECK_INT(rerun, discovery);
}

/* --verify reads and hashes everything, and says where the bytes differ
 * from the stored hash although the identity did not change.  (A write
 * moves the change time, so the test changes the stored hash instead, as
 * a file system that loses times, or a tool restoring them as root,
 * would make it look.) */
static void test_verify(void)
{
	static const char zero[] =
	        "0000000000000000000000000000000000000000000000000000000000000000";
	const char *paths[1];
	struct ha_scan_opts o;
	struct ha_scan_result r;
	struct ha_err err;
	sqlite3 *db = NULL;
	char sql[256], real[65], want[512];

	paths[0] = copy_clone_a("verify");
	opts_for(&o, paths, 1, "verify-out");
	o.formats = 0;
	CHECK_INT(ha_scan_run(&o, &r, &err), HA_OK);
	snprintf(real, sizeof real, "%s",
	         store_text(o.out, "SELECT sha256 FROM hives WHERE path LIKE '%/SOFTWARE'"));
	CHECK(is_hex64(real));
	o.verify = 1;
	CHECK_INT(ha_scan_run(&o, &r, &err), HA_OK);
	CHECK_INT(r.reused, 0);
	CHECK_INT(r.verify_changed, 0);

	CHECK_INT(sqlite3_open(path_in(o.out, "audit.db"), &db), SQLITE_OK);
	snprintf(sql, sizeof sql, "UPDATE hives SET sha256 = '%s' WHERE path LIKE '%%/SOFTWARE'",
	         zero);
	CHECK_INT(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	CHECK_INT(ha_scan_run(&o, &r, &err), HA_OK);
	CHECK_INT(r.run_id, 3);
	CHECK_INT(r.reused, 0);
	CHECK_INT(r.verify_changed, 1);
	snprintf(want, sizeof want,
	         "the bytes changed under an unchanged identity (device, inode, size, times): "
	         "SHA-256 was %s, now %s",
	         zero, real);
	CHECK_HAS(store_text(o.out, "SELECT reason FROM hives h JOIN hosts USING (host_id)"
	                            " WHERE run_id = 3 AND path LIKE '%/SOFTWARE'"),
	          want);
	CHECK_HAS(store_text(o.out, "SELECT text FROM notes WHERE run_id = 3"), "--verify: '");
	CHECK_HAS(store_text(o.out, "SELECT text FROM notes WHERE run_id = 3"),
	          want + strlen("the bytes "));
	/* The SYSTEM hive did not change: its reason is as in the first run. */
	snprintf(want, sizeof want, "%s",
	         store_text(o.out, "SELECT reason FROM hives h JOIN hosts USING (host_id)"
	                           " WHERE run_id = 1 AND path LIKE '%/SYSTEM'"));
	CHECK_LACKS(want, "unchanged identity");
	CHECK_STR(store_text(o.out, "SELECT reason FROM hives h JOIN hosts USING (host_id)"
	                            " WHERE run_id = 3 AND path LIKE '%/SYSTEM'"),
	          want);

	o.no_hash = 1;
	CHECK_INT(ha_scan_run(&o, &r, &err), HA_ERR_USAGE);
	CHECK_INT(r.state, HA_SCAN_NOT_STARTED);
}

/* ----------------------------------------------------------- stopping */

struct stopper {
	size_t after; /* set the stop flag once this many hosts are stored */
	size_t reading, hosts, read_end, reports;
};

static void on_progress(void *ctx, const struct ha_scan_progress *p)
{
	struct stopper *s = ctx;

	if (p->event == HA_SCAN_EV_READING) {
		s->reading++;
		CHECK_INT(p->total, FLEET_HOSTS);
	} else if (p->event == HA_SCAN_EV_HOST) {
		s->hosts++;
		CHECK_INT(p->done, s->hosts);
		if (s->after && p->done == s->after)
			stop = SIGINT;
	} else if (p->event == HA_SCAN_EV_READ_END)
		s->read_end++;
	else if (p->event == HA_SCAN_EV_REPORTS)
		s->reports++;
}

static void test_stop_from_progress(void)
{
	static const char *const paths[] = {"fleet"};
	struct stopper sp = {5, 0, 0, 0, 0};
	struct ha_scan_opts o;
	struct ha_scan_result r;
	struct ha_err err;

	opts_for(&o, paths, 1, "stopped");
	o.jobs = 1; /* one host at a time: the stop lands right after host 5 */
	o.progress = on_progress;
	o.progress_ctx = &sp;
	CHECK_INT(scan_in_samples(&o, &r, &err), HA_ERR_INTERRUPTED);
	CHECK_INT(r.state, HA_SCAN_INTERRUPTED);
	CHECK_INT(r.run_id, 1);
	CHECK_INT(r.hosts_found, FLEET_HOSTS);
	CHECK_INT(r.hosts, 5);
	CHECK_INT(r.reports_written, 0);
	CHECK_INT(sp.reading, 1);
	CHECK_INT(sp.hosts, 5);
	CHECK_INT(sp.read_end, 1);
	CHECK_INT(sp.reports, 0);
	CHECK_STR(store_text(o.out, "SELECT status FROM runs WHERE run_id = 1"), "interrupted");
	CHECK_STR(store_text(o.out, "SELECT count(*) FROM hosts WHERE run_id = 1"), "5");
	CHECK(!exists(path_in(o.out, "findings.csv")));
	CHECK(!exists(path_in(o.out, "report.html")));

	/* The same scan again finishes the job; of the five stored hosts,
	 * four are not read twice (the fifth in folder order is
	 * dirty-replayed, whose logs make it read again every time). */
	memset(&sp, 0, sizeof sp);
	stop = 0;
	CHECK_INT(scan_in_samples(&o, &r, &err), HA_OK);
	CHECK_INT(r.state, HA_SCAN_COMPLETE);
	CHECK_INT(r.run_id, 2);
	check_fleet_counts(&r);
	CHECK_INT(r.reused, 4);
	CHECK_INT(sp.hosts, FLEET_HOSTS);
	CHECK_INT(sp.reports, 1);
	CHECK(exists(path_in(o.out, "findings.csv")));
}

static void test_stop_before_start(void)
{
	static const char *const paths[] = {"fleet"};
	struct ha_scan_opts o;
	struct ha_scan_result r;
	struct ha_err err;

	opts_for(&o, paths, 1, "never");
	stop = SIGTERM;
	CHECK_INT(scan_in_samples(&o, &r, &err), HA_ERR_INTERRUPTED);
	CHECK_INT(r.state, HA_SCAN_NOT_STARTED);
	CHECK_INT(r.run_id, 0);
	CHECK_INT(r.hosts_found, 0); /* a stop is honoured before discovery, too */
	CHECK(!exists(o.out));       /* stopped before the output folder was made */
}

/* ------------------------------------------------- the folder and errors */

static void test_missing_path(void)
{
	static const char *const paths[] = {"no-such-fleet"};
	struct ha_scan_opts o;
	struct ha_scan_result r;
	struct ha_err err;

	opts_for(&o, paths, 1, "missing");
	CHECK_INT(scan_in_samples(&o, &r, &err), HA_ERR_USAGE);
	CHECK_INT(r.state, HA_SCAN_NOT_STARTED);
	CHECK_HAS(err.msg, "no-such-fleet");
	CHECK(!exists(o.out));
}

static void test_lock_held(void)
{
	static const char *const paths[] = {"fleet/clone-a"};
	struct ha_scan_opts o;
	struct ha_scan_result r;
	struct ha_err err;
	char want[4200];
	int fd;

	opts_for(&o, paths, 1, "locked");
	CHECK_INT(mkdir(o.out, 0755), 0);
	fd = open(path_in(o.out, HA_SCAN_LOCK_NAME), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	CHECK(fd >= 0);
	CHECK_INT(flock(fd, LOCK_EX), 0); /* another open file: flock() excludes us */
	CHECK_INT(scan_in_samples(&o, &r, &err), HA_ERR_BUSY);
	CHECK_INT(r.state, HA_SCAN_NOT_STARTED);
	snprintf(want, sizeof want, "another hiveaudit scan is writing to '%s'", o.out);
	CHECK_STR(err.msg, want);
	CHECK(!exists(path_in(o.out, "audit.db")));
	close(fd);
	CHECK_INT(scan_in_samples(&o, &r, &err), HA_OK);
	CHECK_INT(r.hosts, 1);
}

/* A run killed outright (left 'running') and a report temporary of a dead
 * process are repaired by the next scan into the folder; a live
 * process's temporary is left alone. */
static void test_repairs_killed_run(void)
{
	static const char *const paths[] = {"fleet/clone-a"};
	struct ha_scan_opts o;
	struct ha_scan_result r;
	struct ha_err err;
	struct ha_store *st = NULL;
	struct ha_run_meta m = {"0", "2026-01-01", "x", "y", "fleet", "killed", 1};
	int64_t run = 0;
	char dead[64], live[64];
	pid_t pid;
	int status;

	opts_for(&o, paths, 1, "repair");
	CHECK_INT(mkdir(o.out, 0755), 0);
	ha_err_clear(&err);
	CHECK_INT(ha_store_open(path_in(o.out, "audit.db"), HA_STORE_CREATE, &st, &err), HA_OK);
	CHECK_INT(ha_store_run_begin(st, &m, &run, &err), HA_OK);
	ha_store_close(st);
	CHECK_INT(run, 1);
	pid = fork();
	if (pid == 0)
		_exit(0);
	CHECK(waitpid(pid, &status, 0) == pid);
	snprintf(dead, sizeof dead, "report.html.tmp-%ld", (long)pid);
	snprintf(live, sizeof live, "hosts.csv.tmp-%ld", (long)getpid());
	CHECK_INT(tu_write(path_in(o.out, dead), "half", 4), 0);
	CHECK_INT(tu_write(path_in(o.out, live), "half", 4), 0);
	o.formats = 0;
	CHECK_INT(scan_in_samples(&o, &r, &err), HA_OK);
	CHECK_INT(r.run_id, 2);
	CHECK_STR(store_text(o.out, "SELECT status FROM runs WHERE run_id = 1"), "interrupted");
	CHECK_STR(store_text(o.out, "SELECT status FROM runs WHERE run_id = 2"), "complete");
	CHECK(!exists(path_in(o.out, dead)));
	CHECK(exists(path_in(o.out, live)));
}

/* ha_report_write_all writes the formats asked for, and stops before a
 * file when asked to. */
static void test_write_all(void)
{
	struct ha_store *st = NULL;
	struct ha_err err;
	volatile sig_atomic_t halt = 1;
	char *db, *dir;

	if (!exists(path_in(tmp, "fleet/audit.db"))) {
		/* test_fleet_then_reuse's store, made here when this case runs alone */
		static const char *const paths[] = {"fleet"};
		struct ha_scan_opts o;
		struct ha_scan_result r;

		opts_for(&o, paths, 1, "fleet");
		CHECK_INT(scan_in_samples(&o, &r, &err), HA_OK);
	}
	db = path_in(tmp, "fleet/audit.db");
	dir = path_in(tmp, "reports");
	CHECK_INT(mkdir(dir, 0755), 0);
	ha_err_clear(&err);
	CHECK_INT(ha_store_open(db, 0, &st, &err), HA_OK);
	CHECK_INT(ha_report_write_all(st, 1, dir, HA_REPORT_CSV, &halt, &err), HA_ERR_INTERRUPTED);
	CHECK(!exists(path_in(dir, "findings.csv")));
	halt = 0;
	CHECK_INT(ha_report_write_all(st, 1, dir, HA_REPORT_CSV | HA_REPORT_JSON, &halt, &err),
	          HA_OK);
	CHECK(exists(path_in(dir, "findings.csv")));
	CHECK(exists(path_in(dir, "hosts.csv")));
	CHECK(exists(path_in(dir, "findings.jsonl")));
	CHECK(!exists(path_in(dir, "report.html")));
	CHECK(same_file(path_in(dir, "findings.csv"), path_in(tmp, "fleet/findings.csv")));
	ha_store_close(st);
}

/* The command line a run records never holds a password, given either way. */
static void test_command_line_hides_passwords(void)
{
	char *argv[] = {(char *)"scan", (char *)"--password", (char *)"s3cret",
	                (char *)"-o",   (char *)"out",        (char *)"--password=hunter2",
	                (char *)"fleet"};
	struct ha_buf b;

	ha_buf_init(&b, 1 << 16);
	ha_scan_command_line(&b, 7, argv);
	CHECK_STR(ha_buf_cstr(&b), "hiveaudit scan --password (password) -o out "
	                           "--password=(password) fleet");
	ha_buf_free(&b);
}

int main(int argc, char **argv)
{
	static const struct check_case cases[] = {
	        CHECK_CASE(test_fleet_then_reuse),
	        CHECK_CASE(test_command_line_hides_passwords),
	        CHECK_CASE(test_reuse_sees_changed_bytes),
	        CHECK_CASE(test_unasked_unchanged),
	        CHECK_CASE(test_hash_none),
	        CHECK_CASE(test_hash_none_reads_no_non_hive),
	        CHECK_CASE(test_identity_reuse_reads_nothing),
	        CHECK_CASE(test_verify),
	        CHECK_CASE(test_stop_from_progress),
	        CHECK_CASE(test_stop_before_start),
	        CHECK_CASE(test_missing_path),
	        CHECK_CASE(test_lock_held),
	        CHECK_CASE(test_repairs_killed_run),
	        CHECK_CASE(test_write_all),
	};
	struct ha_err err;
	int rc;

	ha_err_clear(&err);
	tmp = tu_tempdir("scan");
	if (!tmp || ha_rules_new(&rules, &err) || ha_rules_load_builtin(rules, &err)) {
		fprintf(stderr, "test_scan: setup failed: %s\n", err.msg);
		return 1;
	}
	rc = check_run(cases, sizeof cases / sizeof cases[0], argc, argv);
	ha_rules_free(rules);
	tu_rmtree(tmp);
	free(tmp);
	return rc;
}
