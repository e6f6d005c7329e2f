/* hivefloor.c: the floor under a scan's time: every hive of a fleet opened
 * with hivex and closed again, nothing else, with the scan's process shape
 * (one process per host, at most -j at a time).
 *
 * hivex_open maps the whole file and checks every hive bin and cell header
 * (reference/hivex.md section 2), so this is the least any hivex-based scan
 * must spend: a scan's time divided by this one says what the rest costs.
 *
 * usage: hivefloor [-j N] FLEET...
 *   FLEET is a folder of host folders; every regular file directly inside a
 *   host folder is opened (a file hivex refuses is counted, not fatal).
 * Prints hosts, files, bytes and seconds; exits 1 if any hive failed. */
#include <dirent.h>
#include <errno.h>
#include <hivex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct hosts {
	char **v;
	size_t n, cap;
};

static int add_host(struct hosts *h, const char *dir, const char *name)
{
	size_t len = strlen(dir) + strlen(name) + 2;
	char *p;

	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 256;
		char **v = realloc(h->v, cap * sizeof *v);

		if (!v)
			return -1;
		h->v = v;
		h->cap = cap;
	}
	p = malloc(len);
	if (!p)
		return -1;
	snprintf(p, len, "%s/%s", dir, name);
	h->v[h->n++] = p;
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The host folders of one fleet folder, in name order as the scan sorts. */
static int list_hosts(const char *fleet, struct hosts *h)
{
	DIR *d = opendir(fleet);
	struct dirent *e;
	struct stat st;
	char path[4096];

	if (!d) {
		fprintf(stderr, "hivefloor: cannot read %s: %s\n", fleet, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(path, sizeof path, "%s/%s", fleet, e->d_name) >= sizeof path)
			continue;
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode) && add_host(h, fleet, e->d_name)) {
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	return 0;
}

/* In a child: opens and closes every file of one host.  The exit status is
 * the number of files hivex refused (at most 100). */
static int one_host(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	struct stat st;
	char path[4096];
	int bad = 0;

	if (!d)
		return 100;
	while ((e = readdir(d)) != NULL) {
		hive_h *h;

		if (e->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= sizeof path ||
		    lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		h = hivex_open(path, 0);
		if (!h) {
			fprintf(stderr, "hivefloor: %s: %s\n", path, strerror(errno));
			bad += bad < 100;
			continue;
		}
		hivex_close(h);
	}
	closedir(d);
	return bad;
}

/* Files and bytes of one host, counted in the parent before the timing. */
static void measure(const char *dir, size_t *files, unsigned long long *bytes)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	struct stat st;
	char path[4096];

	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, e->d_name) < sizeof path &&
		    lstat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			(*files)++;
			*bytes += (unsigned long long)st.st_size;
		}
	}
	closedir(d);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct hosts h = {NULL, 0, 0};
	long jobs = sysconf(_SC_NPROCESSORS_ONLN);
	size_t next = 0, running = 0, files = 0, i;
	unsigned long long bytes = 0;
	int opt, bad = 0;
	double t0;

	while ((opt = getopt(argc, argv, "j:h")) != -1) {
		if (opt == 'j') {
			char *end;

			errno = 0;
			jobs = strtol(optarg, &end, 10);
			if (errno || *end || jobs < 1 || jobs > 256) {
				fprintf(stderr, "hivefloor: -j takes 1 to 256\n");
				return 2;
			}
		} else {
			fprintf(opt == 'h' ? stdout : stderr, "usage: hivefloor [-j N] FLEET...\n");
			return opt == 'h' ? 0 : 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: hivefloor [-j N] FLEET...\n");
		return 2;
	}
	for (i = (size_t)optind; i < (size_t)argc; i++)
		if (list_hosts(argv[i], &h))
			return 1;
	qsort(h.v, h.n, sizeof *h.v, by_name);
	for (i = 0; i < h.n; i++)
		measure(h.v[i], &files, &bytes);

	t0 = now();
	while (next < h.n || running) {
		int status;
		pid_t pid;

		while (running < (size_t)jobs && next < h.n) {
			pid = fork();
			if (pid < 0) {
				fprintf(stderr, "hivefloor: fork: %s\n", strerror(errno));
				return 1;
			}
			if (pid == 0)
				_exit(one_host(h.v[next]));
			next++;
			running++;
		}
		pid = wait(&status);
		if (pid < 0)
			break;
		running--;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			bad++;
	}
	printf("hivefloor: %zu hosts, %zu files, %.1f MB opened and closed with %ld processes at "
	       "once in %.3f s%s\n",
	       h.n, files, (double)bytes / 1e6, jobs, now() - t0,
	       bad ? " (some hives failed)" : "");
	for (i = 0; i < h.n; i++)
		free(h.v[i]);
	free(h.v);
	return bad ? 1 : 0;
}
