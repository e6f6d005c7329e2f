/* testproc.h: process helpers for the robustness tests (test_damaged,
 * test_faults, test_interrupt, test_memory): starting the built program
 * without waiting for it, waiting with a deadline, finding its workers and
 * its orphans in /proc, sanitizer reports sent to files, and one-value
 * queries on a store.  Header-only: each test is one executable. */
#ifndef HA_TESTPROC_H
#define HA_TESTPROC_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "ha_common.h"
#include "testutil.h"

/* Built with AddressSanitizer: no address-space limit in workers
 * (ingest/worker.c), and memory figures mean nothing. */
#if defined(__SANITIZE_ADDRESS__)
#define TP_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TP_ASAN 1
#endif
#endif
#ifndef TP_ASAN
#define TP_ASAN 0
#endif

static inline double tp_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline void tp_sleep(double s)
{
	struct timespec ts;

	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Starts argv with stdout and stderr going to the files outpath and
 * errpath (NULL: /dev/null), `env` ("NAME=value", may be NULL) added. */
static inline pid_t tp_spawn(const char *const argv[], const char *const *env, const char *outpath,
                             const char *errpath)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		int o = open(outpath ? outpath : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int e = open(errpath ? errpath : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (o < 0 || e < 0)
			_exit(126);
		dup2(o, 1);
		dup2(e, 2);
		for (; env && *env; env++)
			putenv((char *)*env);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	return pid;
}

/* Waits for pid at most `timeout` seconds: its exit status, 128+signal,
 * or -1 when it had to be killed at the deadline. */
static inline int tp_wait(pid_t pid, double timeout)
{
	double end = tp_now() + timeout;
	int status;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		if (r < 0 && errno != EINTR)
			return -2;
		if (tp_now() > end) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -1;
		}
		tp_sleep(0.005);
	}
}

/* The processes whose parent is `parent`: up to max pids, with their state
 * letter (R, S, T, Z, ...) in states when not NULL. */
static inline int tp_children(pid_t parent, pid_t *pids, char *states, int max)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)) != NULL && n < max) {
		char path[300], buf[1024], *rp, *end;
		size_t k;
		long ppid;
		FILE *f;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		k = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
		buf[k] = '\0';
		/* "pid (comm) S ppid ...": comm may hold anything, so parse
		 * from the last parenthesis. */
		rp = strrchr(buf, ')');
		if (!rp || strlen(rp) < 5)
			continue;
		ppid = strtol(rp + 4, &end, 10);
		if (ppid != (long)parent)
			continue;
		if (states)
			states[n] = rp[2];
		pids[n++] = (pid_t)strtol(e->d_name, NULL, 10);
	}
	if (d)
		closedir(d);
	return n;
}

/* Makes this process the reaper of its descendants' orphans: a worker left
 * behind by a scan that ended would come here, where tp_leftovers sees it. */
static inline void tp_become_subreaper(void)
{
	prctl(PR_SET_CHILD_SUBREAPER, 1);
}

/* Children of this process other than `except` (0: none): each one is
 * reported, killed and reaped.  Returns how many there were. */
static inline int tp_leftovers(pid_t except)
{
	pid_t pids[256];
	char st[256];
	int n = tp_children(getpid(), pids, st, 256), i, left = 0;

	for (i = 0; i < n; i++) {
		if (pids[i] == except)
			continue;
		fprintf(stderr, "left behind: process %ld (state %c)\n", (long)pids[i], st[i]);
		kill(pids[i], SIGKILL);
		waitpid(pids[i], NULL, 0);
		left++;
	}
	return left;
}

/* "ASAN_OPTIONS=<what the environment had>:<extra>" (malloc'd). */
static inline char *tp_env_add(const char *var, const char *extra)
{
	const char *old = getenv(var);

	return ha_asprintf("%s=%s%s%s", var, old ? old : "", old && *old ? ":" : "", extra);
}

/* The text of the files in dir (sanitizer logs), each removed; NULL when
 * there are none. */
static inline char *tp_collect(const char *dir)
{
	struct ha_buf b;
	struct dirent *e;
	DIR *d = opendir(dir);

	ha_buf_init(&b, 0);
	while (d && (e = readdir(d)) != NULL) {
		char *p;
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		p = ha_asprintf("%s/%s", dir, e->d_name);
		f = p ? fopen(p, "rb") : NULL;
		if (f) {
			char chunk[4096];
			size_t n;

			ha_buf_printf(&b, "--- %s\n", e->d_name);
			while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
				ha_buf_add(&b, chunk, n);
			fclose(f);
		}
		if (p)
			unlink(p);
		free(p);
	}
	if (d)
		closedir(d);
	if (!b.len) {
		ha_buf_free(&b);
		return NULL;
	}
	return ha_buf_detach(&b, NULL);
}

/* One integer from a query (-1: no row, -2: the query failed). */
static inline long long tp_scalar(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s;
	long long v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		return -2;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* One text from a query, malloc'd, or NULL. */
static inline char *tp_text(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s;
	char *v = NULL;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		return NULL;
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
		v = ha_strdup((const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	return v;
}

/* Copies the files of sample host `name` into dir/label (real copies, as
 * a collection holds them). 0 or -1. */
static inline int tp_copy_host(const char *src_fleet, const char *name, const char *dir,
                               const char *label)
{
	static const char *const files[] = {"SYSTEM", "SOFTWARE"};
	int i, rc = 0;

	for (i = 0; i < 2 && !rc; i++) {
		char *from = ha_asprintf("%s/%s/%s", src_fleet, name, files[i]);
		char *to = ha_asprintf("%s/%s/%s", dir, label, files[i]);
		char *parent = ha_asprintf("%s/%s", dir, label);
		FILE *in, *out;
		char buf[65536];
		size_t n;

		mkdir(dir, 0755);
		mkdir(parent, 0755);
		in = from ? fopen(from, "rb") : NULL;
		out = to ? fopen(to, "wb") : NULL;
		if (!in || !out)
			rc = -1;
		while (!rc && (n = fread(buf, 1, sizeof buf, in)) > 0)
			if (fwrite(buf, 1, n, out) != n)
				rc = -1;
		if (in)
			fclose(in);
		if (out && fclose(out) != 0)
			rc = -1;
		free(from);
		free(to);
		free(parent);
	}
	return rc;
}

/* dir/findings.csv is whole: it parses, ends with CRLF, and has one row
 * per (host, rule) of the latest run in store/audit.db. */
static inline void tp_check_csv_whole(const char *dir, const char *store)
{
	char *p = ha_asprintf("%s/findings.csv", dir), *text = tu_read(p, NULL);
	char *dbp = ha_asprintf("%s/audit.db", store);
	struct tu_csv c;
	sqlite3 *db = NULL;
	size_t n;

	if (sqlite3_open_v2(dbp, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		check_fail(__FILE__, __LINE__, "cannot open %s", dbp);
		sqlite3_close(db);
		db = NULL;
	}
	CHECK(text != NULL);
	if (text && db) {
		n = strlen(text);
		CHECK(n > 2 && text[n - 2] == '\r' && text[n - 1] == '\n');
		CHECK_INT(tu_csv_parse(text, &c), 0);
		CHECK_INT((long long)c.nrows - 1,
		          tp_scalar(db, "SELECT count(*) FROM findings JOIN hosts USING (host_id)"
		                        " WHERE run_id = (SELECT max(run_id) FROM runs)"));
		tu_csv_free(&c);
	}
	sqlite3_close(db);
	free(text);
	free(dbp);
	free(p);
}

#endif
