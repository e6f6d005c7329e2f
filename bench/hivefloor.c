/* hivefloor.c: the floor under a scan's time: every hive of a fleet opened
 * with hivex and closed again, nothing else, with the scan's process shape
 * (one process per host, at most -j at a time).
 *
 * hivex_open maps the whole file and checks every hive bin and cell header
 * (reference/hivex.md section 2), so this is the least any hivex-based scan
 * must spend: a scan's time divided by this one says what the rest costs.
 *
 * With -s, each file is also hashed with OpenSSL's SHA-256 through a
 * mapping, as the scan's reader does: the floor of a scan that keeps the
 * SHA-256 of every hive as evidence (scan --hash sha256).
 *
 * usage: hivefloor [-s] [-j N] FLEET...
 *   FLEET is a folder of host folders; every regular file directly inside a
 *   host folder is opened (a file hivex refuses is counted, not fatal).
 * Prints hosts, files, bytes and seconds; exits 1 if any hive failed. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <hivex.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
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

/* SHA-256 of the whole file through a read-only mapping; 0 or -1. */
static int hash_file(const char *path)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	struct stat st;
	void *map;
	int fd = open(path, O_RDONLY | O_CLOEXEC), ok;

	if (fd < 0 || fstat(fd, &st) != 0 || st.st_size == 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return -1;
	madvise(map, (size_t)st.st_size, MADV_SEQUENTIAL);
	ok = EVP_Digest(map, (size_t)st.st_size, md, &mdlen, EVP_sha256(), NULL);
	munmap(map, (size_t)st.st_size);
	return ok == 1 && mdlen == 32 ? 0 : -1;
}

static int with_sha256;

/* In a child: opens and closes every file of one host (hashing it first
 * with -s).  The exit status is the number of files hivex refused (at
 * most 100). */
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
		if (with_sha256 && hash_file(path) != 0) {
			fprintf(stderr, "hivefloor: %s: cannot hash\n", path);
			bad += bad < 100;
			continue;
		}
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

	while ((opt = getopt(argc, argv, "sj:h")) != -1) {
		if (opt == 's') {
			with_sha256 = 1;
		} else if (opt == 'j') {
			char *end;

			errno = 0;
			jobs = strtol(optarg, &end, 10);
			if (errno || *end || jobs < 1 || jobs > 256) {
				fprintf(stderr, "hivefloor: -j takes 1 to 256\n");
				return 2;
			}
		} else {
			fprintf(opt == 'h' ? stdout : stderr,
			        "usage: hivefloor [-s] [-j N] FLEET...\n");
			return opt == 'h' ? 0 : 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: hivefloor [-s] [-j N] FLEET...\n");
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
	printf("hivefloor: %zu hosts, %zu files, %.1f MB %sopened and closed with %ld processes at "
	       "once in %.3f s%s\n",
	       h.n, files, (double)bytes / 1e6, with_sha256 ? "hashed (SHA-256), " : "", jobs,
	       now() - t0, bad ? " (some hives failed)" : "");
	for (i = 0; i < h.n; i++)
		free(h.v[i]);
	free(h.v);
	return bad ? 1 : 0;
}
