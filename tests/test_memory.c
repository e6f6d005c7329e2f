/* test_memory.c: memory bounds of the built program.
 *
 * A worker reading a 1 GiB hive (a sample SOFTWARE hive followed by 1 GiB
 * of empty hive bins, written sparse) either stays within its address-space
 * limit (--worker-mem) and reads it, or fails cleanly: the hive gets a
 * status and a reason, the other hive and the run complete.
 *
 * The parent's peak memory (VmHWM, read when it exits, through ptrace's
 * exit stop) grows only slowly with the number of hosts: a 1000-host fleet
 * costs it at most a quarter (or 8 MiB) more than a 100-host fleet, since
 * each host's snapshot is freed once stored, the CSV reports stream from
 * the store and the HTML report's tables are bounded (report/html.c).
 * What does grow (the host list, about 0.4 KB per host) and the figures at
 * 10,000 hosts are the benchmark's (bench/README.md), not this test's.
 *
 * Skipped under AddressSanitizer: workers have no address-space limit
 * there (ingest/worker.c), and its allocator's figures mean nothing. */
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "ha_common.h"
#include "testproc.h"
#include "testutil.h"

#define GIB ((uint64_t)1 << 30)

static char *tmp; /* the test's temporary folder */

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* dir/SOFTWARE: the sample hive, then empty bins up to `total` bytes, each
 * one free cell (1 MiB bins; holes on disk).  dir/SYSTEM: the sample.
 * 0 or -1. */
static int write_big_host(const char *dir, uint64_t total)
{
	char *src = ha_asprintf("%s/samples/fleet/srv2008r2-sp1/SOFTWARE", tu_source_dir());
	char *sys = ha_asprintf("%s/samples/fleet/srv2008r2-sp1/SYSTEM", tu_source_dir());
	char *dst = ha_asprintf("%s/SOFTWARE", dir), *dsys = ha_asprintf("%s/SYSTEM", dir);
	size_t n, i;
	uint8_t *h = (uint8_t *)tu_read(src, &n);
	uint64_t at;
	uint32_t x = 0;
	int fd = -1, rc = -1;

	if (!h || n < 0x2000 || total <= n || tu_copy(sys, dsys) != 0)
		goto out;
	put32(h + 0x28, (uint32_t)(total - 0x1000)); /* hive bins size */
	for (i = 0; i < 0x1FC; i += 4)
		x ^= (uint32_t)h[i] | ((uint32_t)h[i + 1] << 8) | ((uint32_t)h[i + 2] << 16) |
		     ((uint32_t)h[i + 3] << 24);
	put32(h + 0x1FC, x == 0 ? 1 : x == 0xFFFFFFFFu ? 0xFFFFFFFEu : x);
	fd = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, h, n) != (ssize_t)n)
		goto out;
	for (at = n; at < total;) {
		/* The first bin brings the rest to a whole number of MiB. */
		uint64_t size = (total - at) % (1u << 20) ? (total - at) % (1u << 20) : (1u << 20);
		uint8_t bin[36] = {'h', 'b', 'i', 'n'};

		put32(bin + 4, (uint32_t)(at - 0x1000));
		put32(bin + 8, (uint32_t)size);
		put32(bin + 32, (uint32_t)(size - 32)); /* one free cell */
		if (pwrite(fd, bin, sizeof bin, (off_t)at) != (ssize_t)sizeof bin)
			goto out;
		at += size;
	}
	rc = ftruncate(fd, (off_t)total);
out:
	if (fd >= 0 && close(fd) != 0)
		rc = -1;
	free(h);
	free(src);
	free(sys);
	free(dst);
	free(dsys);
	return rc;
}

static void hive_status(const char *out, const char *file, char **status, char **reason)
{
	char *p = ha_asprintf("%s/audit.db", out), *sql;
	sqlite3 *db;

	*status = *reason = NULL;
	if (sqlite3_open_v2(p, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
		sql = ha_asprintf("SELECT status FROM hives WHERE path LIKE '%%/%s'", file);
		*status = tp_text(db, sql);
		free(sql);
		sql = ha_asprintf("SELECT reason FROM hives WHERE path LIKE '%%/%s'", file);
		*reason = tp_text(db, sql);
		free(sql);
	}
	sqlite3_close(db);
	free(p);
}

static int scan(const char *out, const char *mem, const char *path, double *secs)
{
	const char *argv[] = {
	        tu_hiveaudit(), "scan", "-q", "--as-of", "2026-01-01", "--worker-mem", mem,
	        "--out",        out,    path, NULL};
	double t0 = tp_now();
	int rc = tu_run((char *const *)argv, NULL, NULL, NULL);

	*secs = tp_now() - t0;
	return rc;
}

/* --worker-mem is what reading may add to what a worker maps when it
 * starts: the smallest limit the option takes still reads an ordinary host,
 * however many shared libraries the program links. */
static void test_smallest_limit_reads_a_host(void)
{
	char *out, *hive, *status = NULL, *reason = NULL;
	double secs;
	int rc;

	if (TP_ASAN) {
		check_skip("workers have no address-space limit under AddressSanitizer");
		return;
	}
	out = ha_asprintf("%s/smallest", tmp);
	hive = ha_asprintf("%s/samples/fleet/srv2019", tu_source_dir());
	rc = scan(out, "64", hive, &secs);
	CHECK_INT(rc, 0);
	hive_status(out, "SOFTWARE", &status, &reason);
	CHECK_STR(status, "ok");
	free(status);
	free(reason);
	status = reason = NULL;
	hive_status(out, "SYSTEM", &status, &reason);
	CHECK_STR(status, "ok");
	free(status);
	free(reason);
	free(hive);
	free(out);
}

static void test_one_gib_hive(void)
{
	char *host = ha_asprintf("%s/big/bighost", tmp), *out, *st, *re;
	double secs;
	int rc;

	if (TP_ASAN) {
		check_skip("workers have no address-space limit under AddressSanitizer");
		free(host);
		return;
	}
	{
		char *big = ha_asprintf("%s/big", tmp);

		mkdir(big, 0755);
		mkdir(host, 0755);
		free(big);
	}
	if (write_big_host(host, GIB) != 0) {
		check_fail(__FILE__, __LINE__, "cannot write the 1 GiB hive");
		free(host);
		return;
	}

	/* A limit below the hive's size: it cannot even be mapped. */
	out = ha_asprintf("%s/out-small", tmp);
	rc = scan(out, "256", host, &secs);
	fprintf(stderr, "  --worker-mem 256: exit %d in %.1f s\n", rc, secs);
	CHECK(rc == 0 || rc == 1);
	hive_status(out, "SOFTWARE", &st, &re);
	fprintf(stderr, "    SOFTWARE %s: %s\n", st ? st : "?", re ? re : "");
	CHECK_STR(st, "unreadable");
	CHECK(re && (strstr(re, "memory") || strstr(re, "map")));
	free(st);
	free(re);
	hive_status(out, "SYSTEM", &st, &re);
	CHECK_STR(st, "ok");
	free(st);
	free(re);
	CHECK_INT(tp_leftovers(0), 0);
	tu_rmtree(out);
	free(out);

	/* Room enough: it is read, within the limit. */
	out = ha_asprintf("%s/out-large", tmp);
	rc = scan(out, "3072", host, &secs);
	fprintf(stderr, "  --worker-mem 3072: exit %d in %.1f s\n", rc, secs);
	CHECK(rc == 0 || rc == 1);
	hive_status(out, "SOFTWARE", &st, &re);
	fprintf(stderr, "    SOFTWARE %s: %s\n", st ? st : "?", re ? re : "");
	CHECK_STR(st, "ok");
	free(st);
	free(re);
	if (secs > 300)
		check_fail(__FILE__, __LINE__, "reading 1 GiB took %.1f s", secs);
	CHECK_INT(tp_leftovers(0), 0);
	tu_rmtree(out);
	free(out);
	free(host);
	{
		char *big = ha_asprintf("%s/big", tmp);

		tu_rmtree(big);
		free(big);
	}
}

/* Runs a scan and reads its peak resident memory (VmHWM, KiB) at the
 * moment it exits: ptrace stops it there, before its memory is released.
 * Its workers are not traced.  Returns the exit status. */
static int scan_peak(const char *out, const char *path, long *hwm_kb)
{
	const char *argv[] = {tu_hiveaudit(), "scan",  "-q", "-j", "2", "--as-of",
	                      "2026-01-01",   "--out", out,  path, NULL};
	int st, rc = -1;
	pid_t pid;

	*hwm_kb = -1;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		int nul = open("/dev/null", O_WRONLY);

		dup2(nul, 1);
		dup2(nul, 2);
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFSTOPPED(st))
		return -1; /* stopped at exec */
	ptrace(PTRACE_SETOPTIONS, pid, NULL,
	       (void *)(long)(PTRACE_O_TRACEEXIT | PTRACE_O_EXITKILL));
	ptrace(PTRACE_CONT, pid, NULL, NULL);
	while (waitpid(pid, &st, 0) == pid) {
		if (WIFEXITED(st)) {
			rc = WEXITSTATUS(st);
			break;
		}
		if (WIFSIGNALED(st)) {
			rc = 128 + WTERMSIG(st);
			break;
		}
		if (WIFSTOPPED(st) && st >> 8 == (SIGTRAP | (PTRACE_EVENT_EXIT << 8))) {
			char p[64], *text, *v;

			snprintf(p, sizeof p, "/proc/%ld/status", (long)pid);
			text = tu_read(p, NULL);
			v = text ? strstr(text, "VmHWM:") : NULL;
			if (v)
				*hwm_kb = strtol(v + 6, NULL, 10);
			free(text);
			ptrace(PTRACE_CONT, pid, NULL, NULL);
		} else if (WIFSTOPPED(st)) {
			/* Any other stop is a signal for it (SIGCHLD from its
			 * workers): deliver it. */
			ptrace(PTRACE_CONT, pid, NULL, (void *)(long)WSTOPSIG(st));
		}
	}
	return rc;
}

static void test_parent_memory_flat(void)
{
	static const char *const kinds[] = {"srv2019", "srv2008r2-sp1", "srv2012"};
	static const int sizes[] = {100, 1000};
	char *src = ha_asprintf("%s/samples/fleet", tu_source_dir());
	long hwm[2] = {0, 0};
	int k, i;

	if (TP_ASAN) {
		check_skip("memory figures mean nothing under AddressSanitizer");
		free(src);
		return;
	}
	for (k = 0; k < 2; k++) {
		char *fleet = ha_asprintf("%s/fleet%d", tmp, sizes[k]);
		char *out = ha_asprintf("%s/out%d", tmp, sizes[k]);
		double t0 = tp_now();
		int rc;

		for (i = 0; i < sizes[k]; i++) {
			char label[32];

			snprintf(label, sizeof label, "host%04d", i);
			if (tp_copy_host(src, kinds[i % 3], fleet, label) != 0) {
				check_fail(__FILE__, __LINE__, "cannot copy a sample host");
				break;
			}
		}
		rc = scan_peak(out, fleet, &hwm[k]);
		fprintf(stderr, "  %4d hosts: exit %d in %.1f s, parent VmHWM %ld KiB\n", sizes[k],
		        rc, tp_now() - t0, hwm[k]);
		CHECK(rc == 0 || rc == 1);
		CHECK(hwm[k] > 0);
		CHECK_INT(tp_leftovers(0), 0);
		tu_rmtree(fleet);
		tu_rmtree(out);
		free(fleet);
		free(out);
	}
	/* Ten times the hosts, not ten times the memory: at most a quarter
	 * more, or 8 MiB, whichever is larger. */
	if (hwm[0] > 0 && hwm[1] > hwm[0] + (hwm[0] / 4 > 8192 ? hwm[0] / 4 : 8192))
		check_fail(__FILE__, __LINE__,
		           "the parent grew from %ld KiB (100 hosts) to %ld KiB "
		           "(1000 hosts)",
		           hwm[0], hwm[1]);
	free(src);
}

int main(int argc, char **argv)
{
	static const struct check_case cases[] = {
	        CHECK_CASE(test_smallest_limit_reads_a_host),
	        CHECK_CASE(test_one_gib_hive),
	        CHECK_CASE(test_parent_memory_flat),
	};
	int rc;

	tp_become_subreaper();
	tmp = tu_tempdir("memory");
	if (!tmp)
		return 1;
	rc = check_run(cases, sizeof cases / sizeof cases[0], argc, argv);
	if (!rc)
		tu_rmtree(tmp);
	free(tmp);
	return rc;
}
