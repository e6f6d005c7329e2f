/* test_faults.c: the built program under faults it must survive.
 *
 * Inside workers, for real (HIVEAUDIT_TEST_FAULT, ingest/worker.c): a
 * crash, a hang and a memory blow-up while one host reads one hive, a
 * worker that closes its pipe and lingers, and a hive truncated, grown or
 * deleted while a worker has it mapped.  Each must show up as that hive's
 * status and reason (the lingering worker's result is kept) while every
 * other host and hive completes.
 *
 * Around the run: an output folder that cannot be written (under a file, a
 * read-only mount, a report name taken by a folder), a full disk (a small
 * tmpfs when this process may mount one, and the test-only "enospc" fault
 * of report/out.c everywhere), and a store held by another process (the
 * folder's lock, an exclusive SQLite transaction before the run, and one
 * taken in the middle of it).  Each must end with exit 3 and one line on
 * stderr, a store that passes its integrity check and keeps what it had,
 * and no report that is not whole.
 *
 * This test is a child subreaper, so a worker left behind by any scan is
 * found. */
#include <sched.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "ha_common.h"
#include "testproc.h"
#include "testutil.h"

static char *tmp;     /* the test's temporary folder */
static char *fleet;   /* tmp/fleet: alpha, bravo, charlie */
static char *sandir;  /* sanitizer reports */
static int can_mount; /* a private mount namespace of our own */
static pid_t holder;  /* a process of this test holding a lock, or 0 */

/* ----------------------------------------------------------- helpers */

static char *fleet_src(void)
{
	return ha_asprintf("%s/samples/fleet", tu_source_dir());
}

static void make_fleet(const char *dir, int n)
{
	static const char *const kinds[] = {"srv2019", "srv2008r2-sp1", "srv2012"};
	static const char *const names[] = {"alpha", "bravo", "charlie"};
	char *src = fleet_src();
	int i;

	for (i = 0; i < n; i++) {
		char label[32];

		if (n <= 3)
			snprintf(label, sizeof label, "%s", names[i]);
		else
			snprintf(label, sizeof label, "host%04d", i);
		if (tp_copy_host(src, kinds[i % 3], dir, label) != 0)
			check_fail(__FILE__, __LINE__, "cannot copy a sample host into %s", dir);
	}
	free(src);
}

struct run {
	int rc;
	char *out, *err;
	double secs;
};

static void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
	memset(r, 0, sizeof *r);
}

/* UBSan reports to stderr whatever log_path says; workers' reports are
 * quoted in hive reasons (ingest/worker.c), checked by check_hive. */
static void check_no_sanitizer(const char *err)
{
	if (err && (strstr(err, "runtime error") || strstr(err, "Sanitizer")))
		check_fail(__FILE__, __LINE__, "sanitizer report:\n%s", err);
}

/* Runs hiveaudit with args (NULL-terminated) and `fault` (or NULL) in
 * HIVEAUDIT_TEST_FAULT; sanitizers report to files, and let the kernel
 * kill a worker that faults, as in a normal build. */
static void hiveaudit(struct run *r, const char *fault, const char *const *args)
{
	char *argv[40], *f = fault ? ha_asprintf("HIVEAUDIT_TEST_FAULT=%s", fault) : NULL;
	char *a = ha_asprintf("handle_segv=0:handle_sigbus=0:log_path=%s/asan", sandir);
	char *u = ha_asprintf("log_path=%s/ubsan", sandir);
	const char *env[4];
	char *san;
	int n = 0;
	double t0;

	env[0] = tp_env_add("ASAN_OPTIONS", a);
	env[1] = tp_env_add("UBSAN_OPTIONS", u);
	env[2] = f;
	env[3] = NULL;
	argv[n++] = (char *)tu_hiveaudit();
	while (*args && n < 39)
		argv[n++] = (char *)*args++;
	argv[n] = NULL;
	t0 = tp_now();
	r->rc = tu_run(argv, env, &r->out, &r->err);
	r->secs = tp_now() - t0;
	check_no_sanitizer(r->err);
	CHECK_INT(tp_leftovers(holder), 0);
	san = tp_collect(sandir);
	if (san)
		check_fail(__FILE__, __LINE__, "sanitizer report:\n%s", san);
	free(san);
	free((char *)env[0]);
	free((char *)env[1]);
	free(a);
	free(u);
	free(f);
}

/* stderr is exactly one line starting "hiveaudit scan: " (or the verb). */
static void check_one_line(const char *err, const char *verb)
{
	char head[64];
	size_t n;

	snprintf(head, sizeof head, "hiveaudit %s: ", verb);
	CHECK(err != NULL);
	if (!err)
		return;
	n = strlen(err);
	if (strncmp(err, head, strlen(head)) != 0 || n == 0 || err[n - 1] != '\n' ||
	    memchr(err, '\n', n - 1) != NULL)
		check_fail(__FILE__, __LINE__, "expected one line starting '%s', got: %s", head,
		           err);
}

static sqlite3 *open_db(const char *out)
{
	char *p = ha_asprintf("%s/audit.db", out);
	sqlite3 *db = NULL;

	if (sqlite3_open_v2(p, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		check_fail(__FILE__, __LINE__, "cannot open %s", p);
		sqlite3_close(db);
		db = NULL;
	}
	free(p);
	return db;
}

static void check_integrity(const char *out)
{
	sqlite3 *db = open_db(out);
	char *v;

	if (!db)
		return;
	v = tp_text(db, "PRAGMA integrity_check");
	CHECK_STR(v, "ok");
	free(v);
	CHECK_INT(tp_scalar(db, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
	sqlite3_close(db);
}

/* status and reason of host label's hive file (malloc'd, or NULL). */
static void hive_of(const char *out, const char *label, const char *file, char **status,
                    char **reason)
{
	sqlite3 *db = open_db(out);
	sqlite3_stmt *s;

	*status = *reason = NULL;
	if (!db)
		return;
	if (sqlite3_prepare_v2(
	            db,
	            "SELECT status, reason FROM hives JOIN hosts USING (host_id)"
	            " WHERE label = ? AND path LIKE '%/' || ? AND run_id = (SELECT max(run_id)"
	            " FROM runs)",
	            -1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, label, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, file, -1, SQLITE_STATIC);
		if (sqlite3_step(s) == SQLITE_ROW) {
			*status = ha_strdup((const char *)sqlite3_column_text(s, 0));
			*reason = ha_strdup((const char *)sqlite3_column_text(s, 1));
		}
		sqlite3_finalize(s);
	}
	sqlite3_close(db);
}

static void check_hive(const char *out, const char *label, const char *file, const char *status,
                       const char *reason_part)
{
	char *st, *re;

	hive_of(out, label, file, &st, &re);
	if (re && strstr(re, "Sanitizer"))
		check_fail(__FILE__, __LINE__, "%s/%s: sanitizer report: %s", label, file, re);
	if (!st || strcmp(st, status) != 0 || (reason_part && (!re || !strstr(re, reason_part))))
		check_fail(__FILE__, __LINE__, "%s/%s: expected %s (%s), got %s (%s)", label, file,
		           status, reason_part ? reason_part : "", st ? st : "no row",
		           re ? re : "");
	free(st);
	free(re);
}

/* Every other hive of the fleet is clean. */
static void check_others_ok(const char *out, const char *label, const char *file)
{
	static const char *const labels[] = {"alpha", "bravo", "charlie"};
	static const char *const files[] = {"SYSTEM", "SOFTWARE"};
	int i, j;

	for (i = 0; i < 3; i++)
		for (j = 0; j < 2; j++)
			if (strcmp(labels[i], label) || strcmp(files[j], file))
				check_hive(out, labels[i], files[j], "ok", "clean");
}

static char *outdir(const char *name)
{
	char *p = ha_asprintf("%s/%s", tmp, name);

	tu_rmtree(p);
	return p;
}

static void scan_fleet(struct run *r, const char *out, const char *fault, const char *extra1,
                       const char *extra2)
{
	const char *args[16];
	int n = 0;

	args[n++] = "scan";
	args[n++] = "-q";
	args[n++] = "-j";
	args[n++] = "1";
	args[n++] = "--as-of";
	args[n++] = "2026-01-01";
	args[n++] = "--out";
	args[n++] = out;
	if (extra1)
		args[n++] = extra1;
	if (extra2)
		args[n++] = extra2;
	args[n++] = fleet;
	args[n] = NULL;
	hiveaudit(r, fault, args);
}

static void scan_path(struct run *r, const char *out, const char *path, const char *extra)
{
	const char *args[] = {"scan", "-q", "--as-of", "2026-01-01", "--out",
	                      out,    path, NULL,      NULL};

	if (extra) {
		args[6] = extra;
		args[7] = path;
	}
	hiveaudit(r, NULL, args);
}

/* ------------------------------------------------------ worker faults */

static void test_worker_crash(void)
{
	char *out = outdir("crash");
	struct run r = {0};

	scan_fleet(&r, out, "crash:bravo:SOFTWARE", NULL, NULL);
	CHECK(r.rc == 0 || r.rc == 1);
	/* Under the sanitizers the fault is caught before the kernel sees it
	 * and the worker exits instead of being killed. */
	check_hive(
	        out, "bravo", "SOFTWARE", "unreadable",
	        TP_ASAN ? "while reading SOFTWARE"
	                : "worker killed by signal 11 (Segmentation fault) while reading SOFTWARE");
	/* The host was read again without the hive that killed its worker. */
	check_others_ok(out, "bravo", "SOFTWARE");
	run_free(&r);
	free(out);
}

static void test_worker_hang(void)
{
	char *out = outdir("hang");
	struct run r = {0};

	scan_fleet(&r, out, "hang:bravo:SYSTEM", "--timeout", "2");
	CHECK(r.rc == 0 || r.rc == 1);
	check_hive(out, "bravo", "SYSTEM", "unreadable",
	           "worker timed out after 2 s while reading SYSTEM");
	check_others_ok(out, "bravo", "SYSTEM");
	if (r.secs > 30)
		check_fail(__FILE__, __LINE__, "a 2 s limit took %.1f s", r.secs);
	run_free(&r);
	free(out);
}

static void test_worker_oom(void)
{
	char *out;
	struct run r = {0};

	if (TP_ASAN) {
		check_skip("no address-space limit under AddressSanitizer");
		return;
	}
	out = outdir("oom");
	scan_fleet(&r, out, "oom:bravo:SOFTWARE", "--worker-mem", "128");
	CHECK(r.rc == 0 || r.rc == 1);
	check_hive(out, "bravo", "SOFTWARE", "unreadable",
	           "worker ran out of memory (limit 128 MiB) while reading SOFTWARE");
	check_others_ok(out, "bravo", "SOFTWARE");
	run_free(&r);
	free(out);
}

/* A worker that sends its result, closes its pipe and stays alive (as a
 * subverted one could) neither stalls the run nor loses its result. */
static void test_worker_lingers(void)
{
	char *out = outdir("linger"), *errp = ha_asprintf("%s/linger.err", tmp);
	const char *argv[] = {tu_hiveaudit(), "scan",  "-q", "-j",  "1", "--as-of",
	                      "2026-01-01",   "--out", out,  fleet, NULL};
	const char *env[] = {"HIVEAUDIT_TEST_FAULT=linger:bravo", NULL};
	double t0 = tp_now();
	int rc = tp_wait(tp_spawn(argv, env, NULL, errp), 120);

	CHECK(rc == 0 || rc == 1);
	if (tp_now() - t0 > 60)
		check_fail(__FILE__, __LINE__, "the scan took %.1f s", tp_now() - t0);
	CHECK_INT(tp_leftovers(0), 0);
	check_others_ok(out, "", "");
	free(errp);
	free(out);
}

/* Starts a scan whose worker for bravo stops itself once it has mapped
 * bravo's SYSTEM; calls `change` on the file, resumes the worker, and
 * waits for the scan. */
static void while_reading(const char *name, void (*change)(const char *path), struct run *r)
{
	char *out = outdir(name), *errp = ha_asprintf("%s/%s.err", tmp, name);
	char *hive = ha_asprintf("%s/bravo/SYSTEM", fleet);
	char *a = ha_asprintf("handle_segv=0:handle_sigbus=0:log_path=%s/asan", sandir);
	const char *env[3];
	const char *argv[] = {tu_hiveaudit(), "scan",  "-q", "-j",  "1", "--as-of",
	                      "2026-01-01",   "--out", out,  fleet, NULL};
	pid_t scan, kids[8];
	char states[8];
	double end;
	int found = 0, n, i;

	env[0] = "HIVEAUDIT_TEST_FAULT=stop:bravo:SYSTEM";
	env[1] = tp_env_add("ASAN_OPTIONS", a);
	env[2] = NULL;
	scan = tp_spawn(argv, env, NULL, errp);
	for (end = tp_now() + 60; !found && tp_now() < end; tp_sleep(0.01)) {
		n = tp_children(scan, kids, states, 8);
		for (i = 0; i < n; i++) {
			if (states[i] == 'T') {
				change(hive);
				kill(kids[i], SIGCONT);
				found = 1;
			}
		}
	}
	CHECK(found);
	r->rc = tp_wait(scan, 120);
	r->err = tu_read(errp, NULL);
	check_no_sanitizer(r->err);
	CHECK_INT(tp_leftovers(0), 0);
	{
		char *san = tp_collect(sandir);

		if (san)
			check_fail(__FILE__, __LINE__, "sanitizer report:\n%s", san);
		free(san);
	}
	r->out = out;
	free(errp);
	free(hive);
	free(a);
	free((char *)env[1]);
}

static void truncate_hive(const char *path)
{
	if (truncate(path, 8192) != 0)
		check_fail(__FILE__, __LINE__, "cannot truncate %s", path);
}

static void grow_hive(const char *path)
{
	FILE *f = fopen(path, "ab");
	static const char junk[4096];

	if (!f || fwrite(junk, 1, sizeof junk, f) != sizeof junk)
		check_fail(__FILE__, __LINE__, "cannot append to %s", path);
	if (f)
		fclose(f);
}

static char deleted_sha[65];

static void delete_hive(const char *path)
{
	size_t n;
	char *data = tu_read(path, &n);

	if (!data || ha_sha256_hex(data, n, deleted_sha, NULL) != HA_OK || unlink(path) != 0)
		check_fail(__FILE__, __LINE__, "cannot delete %s", path);
	free(data);
}

static void restore_bravo(void)
{
	char *src = fleet_src();

	if (tp_copy_host(src, "srv2008r2-sp1", fleet, "bravo") != 0)
		check_fail(__FILE__, __LINE__, "cannot restore bravo");
	free(src);
}

static void test_hive_truncated_while_read(void)
{
	struct run r = {0};

	while_reading("truncated", truncate_hive, &r);
	CHECK(r.rc == 0 || r.rc == 1);
	/* SIGBUS in the worker: the hive is blamed, the host read again. */
	check_hive(r.out, "bravo", "SYSTEM", "unreadable",
	           "worker killed by signal 7 (Bus error) while "
	           "reading SYSTEM");
	check_hive(r.out, "bravo", "SOFTWARE", "ok", "clean");
	run_free(&r);
	restore_bravo();
}

static void test_hive_changed_while_read(void)
{
	struct run r = {0};

	while_reading("changed", grow_hive, &r);
	CHECK(r.rc == 0 || r.rc == 1);
	check_hive(r.out, "bravo", "SYSTEM", "unreadable",
	           "the file changed while it was being read");
	check_hive(r.out, "bravo", "SOFTWARE", "ok", "clean");
	run_free(&r);
	restore_bravo();
}

static void test_hive_deleted_while_read(void)
{
	struct run r = {0};
	sqlite3 *db;

	while_reading("deleted", delete_hive, &r);
	CHECK(r.rc == 0 || r.rc == 1);
	/* The open file is still whole: what was read is what was hashed. */
	check_hive(r.out, "bravo", "SYSTEM", "ok", "clean");
	db = open_db(r.out);
	if (db) {
		char *sha = tp_text(db, "SELECT sha256 FROM hives JOIN hosts USING (host_id)"
		                        " WHERE label = 'bravo' AND path LIKE '%/SYSTEM'");

		CHECK_STR(sha, deleted_sha);
		free(sha);
		sqlite3_close(db);
	}
	run_free(&r);
	restore_bravo();
}

/* --------------------------------------------------- around the run */

/* A folder listing without "." and "..", names joined by spaces. */
static char *listing(const char *dir)
{
	struct ha_buf b;
	struct dirent *e;
	DIR *d = opendir(dir);

	ha_buf_init(&b, 0);
	while (d && (e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			ha_buf_printf(&b, " %s", e->d_name);
	if (d)
		closedir(d);
	return ha_buf_detach(&b, NULL);
}

static void check_no_temporaries(const char *dir)
{
	char *l = listing(dir);

	CHECK_LACKS(l, ".tmp-");
	free(l);
}

static void test_out_under_a_file(void)
{
	char *file = ha_asprintf("%s/a-file", tmp), *out = ha_asprintf("%s/a-file/out", tmp);
	struct run r = {0};

	tu_write(file, "x", 1);
	scan_fleet(&r, out, NULL, NULL, NULL);
	CHECK_INT(r.rc, 3);
	check_one_line(r.err, "scan");
	CHECK_HAS(r.err, "cannot create folder");
	run_free(&r);
	free(file);
	free(out);
}

static void test_report_name_taken_by_a_folder(void)
{
	char *out = outdir("taken"), *d = ha_asprintf("%s/report.html/x", out);
	struct run r = {0};
	sqlite3 *db;

	tu_write(d, "x", 1); /* report.html is a non-empty folder */
	scan_fleet(&r, out, NULL, NULL, NULL);
	CHECK_INT(r.rc, 3);
	check_one_line(r.err, "scan");
	CHECK_HAS(r.err, "report.html");
	check_no_temporaries(out);
	tp_check_csv_whole(out, out);
	db = open_db(out);
	if (db) {
		CHECK_INT(tp_scalar(db, "SELECT count(*) FROM runs WHERE status = 'complete'"), 1);
		sqlite3_close(db);
	}
	check_integrity(out);
	run_free(&r);
	free(out);
	free(d);
}

static void test_disk_full_injected(void)
{
	char *out = outdir("enospc"), *rep = outdir("enospc-rep"), *csv;
	const char *report_args[] = {"report", "--db", NULL, "--out", rep, NULL};
	struct run r = {0};

	/* The first report cannot be written: none is, the store is whole. */
	scan_fleet(&r, out, "enospc", NULL, NULL);
	CHECK_INT(r.rc, 3);
	check_one_line(r.err, "scan");
	CHECK_HAS(r.err, "No space left on device");
	CHECK_HAS(r.err, "the run is complete");
	csv = ha_asprintf("%s/findings.csv", out);
	CHECK(access(csv, F_OK) != 0);
	check_no_temporaries(out);
	check_integrity(out);
	run_free(&r);

	/* The store alone gives the reports once the disk has room. */
	report_args[2] = ha_asprintf("%s/audit.db", out);
	hiveaudit(&r, NULL, report_args);
	CHECK_INT(r.rc, 0);
	tp_check_csv_whole(rep, out);
	run_free(&r);
	free((char *)report_args[2]);
	free(csv);

	/* A later report fails: the earlier ones are whole, it is absent. */
	tu_rmtree(out);
	scan_fleet(&r, out, "enospc:report.html", NULL, NULL);
	CHECK_INT(r.rc, 3);
	check_one_line(r.err, "scan");
	tp_check_csv_whole(out, out);
	csv = ha_asprintf("%s/report.html", out);
	CHECK(access(csv, F_OK) != 0);
	check_no_temporaries(out);
	run_free(&r);
	free(csv);
	free(out);
	free(rep);
}

/* Fills the file system holding dir, then frees `room` bytes. */
static void fill(const char *dir, size_t room)
{
	char *p = ha_asprintf("%s/filler", dir);
	static char block[65536];
	FILE *f = fopen(p, "wb");
	size_t total = 0, n;

	memset(block, 'F', sizeof block);
	while (f && (n = fwrite(block, 1, sizeof block, f)) == sizeof block)
		total += n;
	if (f) {
		total += n;
		fclose(f);
	}
	if (truncate(p, (off_t)(total > room ? total - room : 0)) != 0)
		check_fail(__FILE__, __LINE__, "cannot make room in %s", dir);
	free(p);
}

static int mount_tmpfs(const char *dir, const char *opts)
{
	mkdir(dir, 0755);
	return mount("tmpfs", dir, "tmpfs", 0, opts);
}

static char *read_in(const char *dir, const char *name)
{
	char *p = ha_asprintf("%s/%s", dir, name), *text = tu_read(p, NULL);

	free(p);
	return text;
}

static void test_disk_full_tmpfs(void)
{
	char *store = outdir("tmpfs-store"), *small = outdir("tmpfs-small"), *mnt = outdir("tmpfs");
	char *out = ha_asprintf("%s/out", mnt), *filler = ha_asprintf("%s/filler", mnt);
	char *fleet30 = ha_asprintf("%s/fleet30", tmp);
	const char *report_args[] = {"report", "--db", NULL, "--out", small, NULL};
	static const size_t rooms[] = {16, 128, 256};
	char *before, *after, *l;
	struct run r = {0};
	sqlite3 *db;
	size_t i;

	if (!can_mount || mount_tmpfs(small, "size=32k") != 0) {
		check_skip("cannot mount a tmpfs here");
		goto out;
	}
	/* The reports of a good store into a file system that fills up. */
	scan_fleet(&r, store, NULL, NULL, NULL);
	CHECK(r.rc == 0 || r.rc == 1);
	run_free(&r);
	report_args[2] = ha_asprintf("%s/audit.db", store);
	hiveaudit(&r, NULL, report_args);
	CHECK_INT(r.rc, 3);
	check_one_line(r.err, "report");
	CHECK_HAS(r.err, "No space left on device");
	l = listing(small);
	CHECK_LACKS(l, "findings.csv");
	CHECK_LACKS(l, ".tmp-");
	free(l);
	run_free(&r);
	free((char *)report_args[2]);
	if (umount(small) != 0)
		check_fail(__FILE__, __LINE__, "cannot unmount %s", small);

	/* A scan whose store and reports share a file system that fills up;
	 * 30 hosts need far more room than is left below. */
	if (mount_tmpfs(mnt, "size=16m") != 0) {
		check_fail(__FILE__, __LINE__, "cannot mount a second tmpfs");
		goto out;
	}
	make_fleet(fleet30, 30);
	scan_path(&r, out, fleet30, NULL);
	CHECK(r.rc == 0 || r.rc == 1);
	run_free(&r);
	before = read_in(out, "findings.csv");
	/* Room for less and less: the store cannot be opened, the run cannot
	 * be recorded, the hosts cannot be committed. */
	for (i = 0; i < sizeof rooms / sizeof rooms[0]; i++) {
		fill(mnt, rooms[i] << 10);
		scan_path(&r, out, fleet30, "--rescan");
		CHECK_INT(r.rc, 3);
		check_one_line(r.err, "scan");
		fprintf(stderr, "  %3zu KiB free: %s", rooms[i], r.err ? r.err : "\n");
		run_free(&r);
		unlink(filler);
		check_integrity(out);
		check_no_temporaries(out);
		after = read_in(out, "findings.csv");
		/* What the earlier run stored and reported is untouched. */
		CHECK(before && after && strcmp(before, after) == 0);
		free(after);
		db = open_db(out);
		if (db) {
			CHECK_INT(tp_scalar(db, "SELECT count(*) FROM hosts WHERE run_id = 1"), 30);
			CHECK_INT(tp_scalar(db, "SELECT count(*) FROM runs WHERE run_id > 1 AND"
			                        " status = 'complete'"),
			          0);
			sqlite3_close(db);
		}
	}
	/* With room again, the next scan completes and closes the stopped ones. */
	scan_path(&r, out, fleet30, NULL);
	CHECK(r.rc == 0 || r.rc == 1);
	run_free(&r);
	db = open_db(out);
	if (db) {
		CHECK_INT(tp_scalar(db, "SELECT count(*) FROM runs WHERE status = 'running'"), 0);
		CHECK_INT(tp_scalar(db, "SELECT count(*) FROM hosts WHERE run_id ="
		                        " (SELECT max(run_id) FROM runs)"),
		          30);
		sqlite3_close(db);
	}
	tp_check_csv_whole(out, out);
	if (umount(mnt) != 0)
		check_fail(__FILE__, __LINE__, "cannot unmount %s", mnt);
	free(before);
out:
	tu_rmtree(fleet30);
	free(fleet30);
	free(store);
	free(small);
	free(out);
	free(filler);
	free(mnt);
}

static void test_out_read_only(void)
{
	char *out = outdir("readonly");
	struct run r = {0};
	sqlite3 *db;

	if (!can_mount) {
		check_skip("cannot mount here (no private mount namespace)");
		free(out);
		return;
	}
	scan_fleet(&r, out, NULL, NULL, NULL);
	CHECK(r.rc == 0 || r.rc == 1);
	run_free(&r);
	if (mount(out, out, NULL, MS_BIND, NULL) != 0 ||
	    mount(NULL, out, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) != 0) {
		check_skip("cannot bind-mount read-only");
		umount(out);
		free(out);
		return;
	}
	scan_fleet(&r, out, NULL, NULL, NULL);
	CHECK_INT(r.rc, 3);
	check_one_line(r.err, "scan");
	CHECK_HAS(r.err, "Read-only file system");
	run_free(&r);
	if (umount(out) != 0)
		check_fail(__FILE__, __LINE__, "cannot unmount %s", out);
	db = open_db(out);
	if (db) {
		CHECK_INT(tp_scalar(db, "SELECT count(*) FROM runs"), 1);
		sqlite3_close(db);
	}
	check_integrity(out);
	free(out);
}

/* A process that holds a lock on out until it is killed: the folder's
 * flock ("flock") or an exclusive SQLite transaction ("sqlite"). */
static pid_t hold_lock(const char *out, const char *how)
{
	int p[2];
	char c;
	pid_t pid;

	if (pipe(p) != 0)
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		if (!strcmp(how, "flock")) {
			char *lp = ha_asprintf("%s/.hiveaudit.lock", out);
			int fd = open(lp, O_RDWR | O_CREAT, 0644);

			if (fd < 0 || flock(fd, LOCK_EX) != 0)
				_exit(1);
		} else {
			char *dp = ha_asprintf("%s/audit.db", out);
			sqlite3 *db;

			/* Waits for the scan's transaction in progress, if any. */
			if (sqlite3_open(dp, &db) != SQLITE_OK ||
			    sqlite3_busy_timeout(db, 30000) != SQLITE_OK ||
			    sqlite3_exec(db, "BEGIN EXCLUSIVE", NULL, NULL, NULL) != SQLITE_OK)
				_exit(1);
		}
		if (write(p[1], "!", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	if (read(p[0], &c, 1) != 1) {
		check_fail(__FILE__, __LINE__, "the lock holder failed");
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		pid = -1;
	}
	close(p[0]);
	return pid;
}

static void release(void)
{
	if (holder > 0) {
		kill(holder, SIGKILL);
		waitpid(holder, NULL, 0);
	}
	holder = 0;
}

static void test_store_locked(void)
{
	char *out = outdir("locked");
	struct run r = {0};
	sqlite3 *db;

	scan_fleet(&r, out, NULL, NULL, NULL);
	CHECK(r.rc == 0 || r.rc == 1);
	run_free(&r);

	/* Another scan holds the folder. */
	holder = hold_lock(out, "flock");
	scan_fleet(&r, out, NULL, NULL, NULL);
	release();
	CHECK_INT(r.rc, 3);
	check_one_line(r.err, "scan");
	CHECK_HAS(r.err, "another hiveaudit scan is writing");
	run_free(&r);

	/* Another program holds the store in an exclusive transaction. */
	holder = hold_lock(out, "sqlite");
	scan_fleet(&r, out, NULL, NULL, NULL);
	release();
	CHECK_INT(r.rc, 3);
	check_one_line(r.err, "scan");
	CHECK_HAS(r.err, "locked by another process");
	if (r.secs > 30)
		check_fail(__FILE__, __LINE__, "waiting for the lock took %.1f s", r.secs);
	run_free(&r);
	db = open_db(out);
	if (db) {
		CHECK_INT(tp_scalar(db, "SELECT count(*) FROM runs"), 1);
		sqlite3_close(db);
	}
	check_integrity(out);
	free(out);
}

static void test_store_locked_mid_run(void)
{
	char *big = ha_asprintf("%s/fleet200", tmp), *out = outdir("locked-mid");
	char *errp = ha_asprintf("%s/locked-mid.err", tmp), *dbp = ha_asprintf("%s/audit.db", out);
	const char *argv[] = {tu_hiveaudit(), "scan",  "-q", "-j", "1", "--as-of",
	                      "2026-01-01",   "--out", out,  big,  NULL};
	pid_t scan;
	long long stored = 0, after;
	double end;
	sqlite3 *db;
	char *err;
	int rc;
	struct run r = {0};

	make_fleet(big, 200);
	scan = tp_spawn(argv, NULL, NULL, errp);
	/* Once some hosts are committed, another process takes the store. */
	holder = 0;
	for (end = tp_now() + 60; holder <= 0 && tp_now() < end; tp_sleep(0.02)) {
		if (sqlite3_open_v2(dbp, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
			stored = tp_scalar(db, "SELECT count(*) FROM hosts");
			if (stored > 0)
				holder = hold_lock(out, "sqlite");
		}
		sqlite3_close(db);
	}
	CHECK(holder > 0);
	rc = tp_wait(scan, 120);
	release();
	err = tu_read(errp, NULL);
	CHECK_INT(rc, 3);
	check_one_line(err, "scan");
	CHECK_HAS(err, "locked by another process");
	check_integrity(out);
	db = open_db(out);
	if (db) {
		after = tp_scalar(db, "SELECT count(*) FROM hosts WHERE run_id = 1");
		CHECK(after >= stored);
		/* Whole hosts only. */
		CHECK_INT(tp_scalar(db, "SELECT count(*) FROM hosts h WHERE (SELECT count(*) FROM"
		                        " findings f WHERE f.host_id = h.host_id) <>"
		                        " (SELECT count(*) FROM rules WHERE run_id = 1)"),
		          0);
		sqlite3_close(db);
	}
	/* The next scan finishes the fleet and closes the stopped run. */
	{
		const char *args[] = {"scan",  "-q", "--as-of", "2026-01-01",
		                      "--out", out,  big,       NULL};

		hiveaudit(&r, NULL, args);
	}
	CHECK(r.rc == 0 || r.rc == 1);
	run_free(&r);
	db = open_db(out);
	if (db) {
		CHECK_INT(tp_scalar(db, "SELECT count(*) FROM runs WHERE status = 'running'"), 0);
		CHECK_INT(tp_scalar(db, "SELECT count(DISTINCT dir) FROM hosts WHERE run_id = 2"),
		          200);
		CHECK_INT(tp_scalar(db, "SELECT count(*) FROM hosts WHERE run_id = 2"), 200);
		sqlite3_close(db);
	}
	free(err);
	free(errp);
	free(dbp);
	free(out);
	tu_rmtree(big);
	free(big);
}

int main(int argc, char **argv)
{
	static const struct check_case cases[] = {
	        CHECK_CASE(test_worker_crash),
	        CHECK_CASE(test_worker_hang),
	        CHECK_CASE(test_worker_oom),
	        CHECK_CASE(test_worker_lingers),
	        CHECK_CASE(test_hive_truncated_while_read),
	        CHECK_CASE(test_hive_changed_while_read),
	        CHECK_CASE(test_hive_deleted_while_read),
	        CHECK_CASE(test_out_under_a_file),
	        CHECK_CASE(test_report_name_taken_by_a_folder),
	        CHECK_CASE(test_out_read_only),
	        CHECK_CASE(test_disk_full_injected),
	        CHECK_CASE(test_disk_full_tmpfs),
	        CHECK_CASE(test_store_locked),
	        CHECK_CASE(test_store_locked_mid_run),
	};
	int rc;

	tp_become_subreaper();
	/* Mounts made here (a tmpfs, a read-only bind) stay private to this
	 * process and vanish with it. */
	can_mount =
	        unshare(CLONE_NEWNS) == 0 && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0;
	tmp = tu_tempdir("faults");
	if (!tmp)
		return 1;
	fleet = ha_asprintf("%s/fleet", tmp);
	sandir = ha_asprintf("%s/san", tmp);
	mkdir(sandir, 0755);
	make_fleet(fleet, 3);
	rc = check_run(cases, sizeof cases / sizeof cases[0], argc, argv);
	if (!rc)
		tu_rmtree(tmp);
	free(fleet);
	free(sandir);
	free(tmp);
	return rc;
}
