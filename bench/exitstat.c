/* exitstat.c: runs a command and, at the moment it exits, reports the
 * command's own peak memory and the bytes it and its children read.
 *
 * Why not /usr/bin/time -v: its "maximum resident set size" comes from
 * wait4(), which reports the largest of the process and all its waited-for
 * descendants.  A scan's workers map whole hives, so that figure is a
 * worker's, not the parent's.  And /proc/PID/status is gone once the process
 * has exited, so sampling it misses the last moments (report writing).
 *
 * So the command runs under ptrace with PTRACE_O_TRACEEXIT: the kernel stops
 * it on its way out, before its memory is released, and we read
 *   /proc/PID/status  VmHWM (the parent's own peak resident set), VmRSS
 *   /proc/PID/io      read_bytes: bytes this process caused to be fetched
 *                     from storage, including every child it has reaped
 *                     (the kernel adds a child's counters at reaping)
 * then let it go.  Children are not traced (no TRACEFORK), so workers run
 * untouched; the only cost is one stop per signal the parent receives.
 *
 * usage: exitstat [-o FILE] COMMAND [ARG...]
 * The report goes to stderr, or FILE; the exit status is the command's. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The value of `key` ("VmHWM:", "read_bytes:") in a /proc file, or -1. */
static long long proc_field(pid_t pid, const char *file, const char *key)
{
	char path[64], line[256];
	size_t kl = strlen(key);
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, key, kl) == 0) {
			char *end;

			errno = 0;
			v = strtoll(line + kl, &end, 10);
			if (errno || end == line + kl)
				v = -1;
			break;
		}
	}
	fclose(f);
	return v;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	const char *outpath = NULL;
	long long hwm = -1, rss = -1, rd = -1, rchar = -1;
	int argi = 1, status = 0, seen_exit = 0;
	double t0;
	FILE *out = stderr;
	pid_t pid;

	if (argc > 2 && !strcmp(argv[1], "-o")) {
		outpath = argv[2];
		argi = 3;
	}
	if (argi >= argc) {
		fprintf(stderr, "usage: exitstat [-o FILE] COMMAND [ARG...]\n");
		return 2;
	}
	t0 = now();
	pid = fork();
	if (pid < 0) {
		perror("exitstat: fork");
		return 2;
	}
	if (pid == 0) {
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) != 0)
			_exit(126);
		execvp(argv[argi], argv + argi);
		_exit(127);
	}
	/* The first stop is the exec. */
	if (waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status)) {
		fprintf(stderr, "exitstat: the command did not start under ptrace\n");
		return 2;
	}
	if (ptrace(PTRACE_SETOPTIONS, pid, NULL,
	           (void *)(long)(PTRACE_O_TRACEEXIT | PTRACE_O_EXITKILL))) {
		perror("exitstat: PTRACE_SETOPTIONS");
		kill(pid, SIGKILL);
		return 2;
	}
	ptrace(PTRACE_CONT, pid, NULL, NULL);
	for (;;) {
		int sig = 0;

		if (waitpid(pid, &status, 0) < 0) {
			if (errno == EINTR)
				continue;
			perror("exitstat: waitpid");
			return 2;
		}
		if (WIFEXITED(status) || WIFSIGNALED(status))
			break;
		if (!WIFSTOPPED(status))
			continue;
		if (status >> 8 == (SIGTRAP | (PTRACE_EVENT_EXIT << 8))) {
			hwm = proc_field(pid, "status", "VmHWM:");
			rss = proc_field(pid, "status", "VmRSS:");
			rd = proc_field(pid, "io", "read_bytes:");
			rchar = proc_field(pid, "io", "rchar:");
			seen_exit = 1;
		} else if (WSTOPSIG(status) != SIGTRAP) {
			sig = WSTOPSIG(status); /* pass the command's own signals on */
		}
		ptrace(PTRACE_CONT, pid, NULL, (void *)(long)sig);
	}
	if (outpath && !(out = fopen(outpath, "a"))) {
		perror("exitstat: cannot open the report file");
		out = stderr;
	}
	if (seen_exit)
		fprintf(out,
		        "exitstat: wall %.3f s; parent peak RSS (VmHWM) %lld kB, RSS at exit %lld "
		        "kB; "
		        "read from storage by it and its children %lld bytes (rchar %lld)\n",
		        now() - t0, hwm, rss, rd, rchar);
	else
		fprintf(out, "exitstat: the command ended without an exit stop (killed?)\n");
	if (out != stderr)
		fclose(out);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
