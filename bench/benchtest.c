/* benchtest.c: the bench's self-test (CTest "bench_selftest").
 *
 * On a tiny fleet of small hives (16 hosts, every profile once) it checks
 * that the generator's output is what a scan will meet:
 *   - every hive opens with hivex_open(flags 0), and a full walk reading
 *     every value (of the first WALKED hosts: all of them unless the test
 *     must be cut down) finds exactly the keys and values fleet.tsv
 *     announces, with at least one key wide enough to need an ri index;
 *   - the same seed gives the same bytes, whatever -j and --hosts;
 *   - the floor program opens and closes them all;
 *   - a scan gives exactly the statuses of expected.csv.
 *
 * usage: benchtest BENCHFLEET HIVEFLOOR HIVEAUDIT CERTDIR */
#include <errno.h>
#include <ftw.h>
#include <hivex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define HOSTS     16
#define WALKED    HOSTS
#define MAX_DEPTH 64

static int failures;

static void bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void bad(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("benchtest: FAIL: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	failures++;
}

/* Runs argv with stdout sent to /dev/null; the exit status or -1. */
static int run(char *const argv[])
{
	pid_t pid;
	int status;

	fflush(NULL); /* or the child's freopen writes our pending output again */
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (!freopen("/dev/null", "w", stdout))
			_exit(127);
		execv(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (p = malloc((size_t)n + 1)) != NULL) {
		if (fread(p, 1, (size_t)n, f) != (size_t)n) {
			free(p);
			p = NULL;
		} else {
			p[n] = '\0';
			if (len)
				*len = (size_t)n;
		}
	}
	fclose(f);
	return p;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

/* ------------------------------------------------------------- the hives */

struct count {
	unsigned long long keys, values, wide;
};

/* An iterative walk (hivex_visit recurses without bound) that reads every
 * value's data. */
static int walk(hive_h *h, struct count *c)
{
	hive_node_h *stack[MAX_DEPTH];
	size_t pos[MAX_DEPTH];
	int depth = 0;
	hive_node_h root = hivex_root(h);

	stack[0] = malloc(2 * sizeof(hive_node_h));
	if (!stack[0])
		return -1;
	stack[0][0] = root;
	stack[0][1] = 0;
	pos[0] = 0;
	while (depth >= 0) {
		hive_node_h n = stack[depth][pos[depth]];
		hive_node_h *kids;
		hive_value_h *vals;
		size_t i;

		if (!n) {
			free(stack[depth]);
			depth--;
			if (depth >= 0)
				pos[depth]++;
			continue;
		}
		c->keys++;
		vals = hivex_node_values(h, n);
		if (!vals)
			goto fail;
		for (i = 0; vals[i]; i++) {
			hive_type t;
			size_t len;
			char *d;

			errno = 0;
			d = hivex_value_value(h, vals[i], &t, &len);
			if (!d && errno)
				goto fail_vals;
			free(d);
			c->values++;
		}
		free(vals);
		kids = hivex_node_children(h, n);
		if (!kids)
			goto fail;
		for (i = 0; kids[i]; i++)
			;
		if (i > 507)
			c->wide++;
		if (depth + 1 >= MAX_DEPTH) {
			free(kids);
			goto fail;
		}
		stack[++depth] = kids;
		pos[depth] = 0;
		continue;
	fail_vals:
		free(vals);
	fail:
		while (depth >= 0)
			free(stack[depth--]);
		return -1;
	}
	return 0;
}

/* One tab-separated word into out (at most len - 1 bytes); the rest of the
 * line after the tab in *rest.  -1 when the word is empty or too long. */
static int tsv_word(char **rest, char *out, size_t len)
{
	char *p = *rest, *e = p;

	while (*e && *e != '\t' && *e != '\n')
		e++;
	if (e == p || (size_t)(e - p) >= len)
		return -1;
	memcpy(out, p, (size_t)(e - p));
	out[e - p] = '\0';
	*rest = *e == '\t' ? e + 1 : e;
	return 0;
}

static int tsv_number(char **rest, unsigned long long *v)
{
	char word[32], *end;

	if (tsv_word(rest, word, sizeof word))
		return -1;
	errno = 0;
	*v = strtoull(word, &end, 10);
	return errno || *end || word[0] == '-' ? -1 : 0;
}

/* A fleet.tsv row: host, profile, hive, bytes, keys, values. */
static int tsv_row(const char *line, char *host, size_t hl, char *profile, size_t pl, char *hive,
                   size_t hvl, unsigned long long *bytes, unsigned long long *keys,
                   unsigned long long *values)
{
	char *rest = (char *)line;

	return tsv_word(&rest, host, hl) || tsv_word(&rest, profile, pl) ||
	                       tsv_word(&rest, hive, hvl) || tsv_number(&rest, bytes) ||
	                       tsv_number(&rest, keys) || tsv_number(&rest, values)
	               ? -1
	               : 0;
}

static void check_hives(const char *fleet)
{
	char path[4096], *tsv, *line, *save = NULL;
	struct count total = {0, 0, 0};
	size_t rows = 0, walked = 0;

	snprintf(path, sizeof path, "%s/fleet.tsv", fleet);
	tsv = slurp(path, NULL);
	if (!tsv) {
		bad("no fleet.tsv");
		return;
	}
	for (line = strtok_r(tsv, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char host[64], profile[64], hive[16];
		unsigned long long bytes, keys, values;
		struct count c = {0, 0, 0};
		struct stat st;
		hive_h *h;

		if (!strncmp(line, "host\t", 5))
			continue;
		if (tsv_row(line, host, sizeof host, profile, sizeof profile, hive, sizeof hive,
		            &bytes, &keys, &values) != 0) {
			bad("unreadable fleet.tsv line '%s'", line);
			continue;
		}
		rows++;
		snprintf(path, sizeof path, "%s/%s/%s", fleet, host, hive);
		if (stat(path, &st) != 0 || (unsigned long long)st.st_size != bytes)
			bad("%s: size differs from fleet.tsv", path);
		errno = 0;
		h = hivex_open(path, 0);
		if (!h) {
			bad("%s: hivex_open: %s", path, strerror(errno));
			continue;
		}
		if (strtoul(host + 4, NULL, 10) >= WALKED) {
			hivex_close(h);
			continue;
		}
		walked++;
		if (walk(h, &c))
			bad("%s: walk failed: %s", path, strerror(errno));
		else if (c.keys != keys || c.values != values)
			bad("%s: %llu keys and %llu values, fleet.tsv says %llu and %llu", path,
			    c.keys, c.values, keys, values);
		hivex_close(h);
		total.keys += c.keys;
		total.values += c.values;
		total.wide += c.wide;
	}
	free(tsv);
	if (rows != 2 * HOSTS)
		bad("fleet.tsv lists %zu hives, not %d", rows, 2 * HOSTS);
	if (!total.wide)
		bad("no key with more than 507 subkeys: ri lists were not exercised");
	if (walked != 2 * WALKED)
		bad("%zu hives walked, not %d", walked, 2 * WALKED);
	printf("benchtest: %zu hives opened with hivex, %zu walked: %llu keys, %llu values, "
	       "%llu ri-indexed keys\n",
	       rows, walked, total.keys, total.values, total.wide);
}

static void check_same(const char *a, const char *b, const char *rel)
{
	char pa[4096], pb[4096], *x, *y;
	size_t nx = 0, ny = 0;

	snprintf(pa, sizeof pa, "%s/%s", a, rel);
	snprintf(pb, sizeof pb, "%s/%s", b, rel);
	x = slurp(pa, &nx);
	y = slurp(pb, &ny);
	if (!x || !y || nx != ny || memcmp(x, y, nx) != 0)
		bad("%s differs between two runs with the same seed", rel);
	free(x);
	free(y);
}

/* -------------------------------------------------------------- statuses */

/* Splits RFC 4180 text into rows of fields, in place; quoted fields may hold
 * commas, doubled quotes and line breaks.  Calls fn for each row. */
static int csv_rows(char *p, void (*fn)(char **f, size_t n, void *ctx), void *ctx)
{
	char *fields[64];
	size_t n = 0;

	while (*p) {
		char *start = p, *o = p;

		if (*p == '"') {
			p++;
			for (;;) {
				if (!*p)
					return -1;
				if (*p == '"' && p[1] == '"') {
					*o++ = '"';
					p += 2;
				} else if (*p == '"') {
					p++;
					break;
				} else {
					*o++ = *p++;
				}
			}
		} else {
			while (*p && *p != ',' && *p != '\r' && *p != '\n')
				*o++ = *p++;
		}
		if (n < 64)
			fields[n++] = start;
		if (*p == ',') {
			*o = '\0';
			p++;
			continue;
		}
		if (*p == '\r')
			p++;
		if (*p == '\n')
			p++;
		else if (*p)
			return -1;
		*o = '\0';
		fn(fields, n, ctx);
		n = 0;
	}
	return 0;
}

struct statuses {
	char **v;
	size_t n, cap;
	int cols[3]; /* host, rule_id, status; set from the header row */
	int header;
};

static void add_status(char **f, size_t n, void *ctx)
{
	struct statuses *s = ctx;
	char buf[256];
	int i;

	if (!s->header) {
		static const char *const want[3] = {"host", "rule_id", "status"};
		size_t j;

		s->header = 1;
		for (i = 0; i < 3; i++) {
			s->cols[i] = -1;
			for (j = 0; j < n; j++)
				if (!strcmp(f[j], want[i]))
					s->cols[i] = (int)j;
		}
		return;
	}
	for (i = 0; i < 3; i++)
		if (s->cols[i] < 0 || (size_t)s->cols[i] >= n)
			return;
	snprintf(buf, sizeof buf, "%s,%s,%s", f[s->cols[0]], f[s->cols[1]], f[s->cols[2]]);
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 512;
		char **v = realloc(s->v, cap * sizeof *v);

		if (!v)
			return;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n] = strdup(buf);
	if (s->v[s->n])
		s->n++;
}

static int by_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_statuses(const char *path, struct statuses *s)
{
	char *text = slurp(path, NULL);
	int rc;

	memset(s, 0, sizeof *s);
	if (!text)
		return -1;
	rc = csv_rows(text, add_status, s);
	free(text);
	qsort(s->v, s->n, sizeof *s->v, by_str);
	return rc;
}

static void free_statuses(struct statuses *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
}

static void check_statuses(const char *fleet, const char *out)
{
	char pe[4096], pg[4096];
	struct statuses e, g;
	size_t i;

	snprintf(pe, sizeof pe, "%s/expected.csv", fleet);
	snprintf(pg, sizeof pg, "%s/findings.csv", out);
	if (load_statuses(pe, &e) || load_statuses(pg, &g)) {
		bad("cannot read %s or %s", pe, pg);
	} else if (e.n != (size_t)HOSTS * 22 || g.n != e.n) {
		bad("%zu expected statuses, %zu found", e.n, g.n);
	} else {
		for (i = 0; i < e.n; i++)
			if (strcmp(e.v[i], g.v[i]) != 0) {
				bad("expected %s, the scan gave %s", e.v[i], g.v[i]);
				break;
			}
		if (i == e.n)
			printf("benchtest: the scan gave the %zu expected statuses\n", e.n);
	}
	free_statuses(&e);
	free_statuses(&g);
}

int main(int argc, char **argv)
{
	char tmpl[2048], fleet[2100], again[2100], out[2100], hosts[16];
	const char *tmpdir = getenv("TMPDIR");
	int rc;

	if (argc != 5) {
		fprintf(stderr, "usage: benchtest BENCHFLEET HIVEFLOOR HIVEAUDIT CERTDIR\n");
		return 2;
	}
	snprintf(tmpl, sizeof tmpl, "%s/benchtest.XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
	if (!mkdtemp(tmpl)) {
		perror("benchtest: mkdtemp");
		return 2;
	}
	snprintf(fleet, sizeof fleet, "%s/fleet", tmpl);
	snprintf(again, sizeof again, "%s/again", tmpl);
	snprintf(out, sizeof out, "%s/out", tmpl);
	snprintf(hosts, sizeof hosts, "%d", HOSTS);
	{
		char *gen[] = {argv[1], "--small", "--hosts", hosts,   "--seed", "7",
		               "-j",    "2",       "--certs", argv[4], fleet,    NULL};
		char *gen2[] = {argv[1], "--small", "--hosts", "2",     "--seed", "7",
		                "-j",    "1",       "--certs", argv[4], again,    NULL};

		if ((rc = run(gen)) != 0 || (rc = run(gen2)) != 0) {
			bad("benchfleet exited with %d", rc);
			goto out;
		}
	}
	check_same(fleet, again, "host00000/SYSTEM");
	check_same(fleet, again, "host00000/SOFTWARE");
	check_same(fleet, again, "host00001/SOFTWARE");
	check_hives(fleet);
	{
		char *floor[] = {argv[2], "-j", "2", fleet, NULL};

		if ((rc = run(floor)) != 0)
			bad("hivefloor exited with %d", rc);
	}
	{
		char *scan[] = {argv[3],      "scan",  "-q", "-j",  "2", "--as-of",
		                "2026-01-01", "--out", out,  fleet, NULL};

		/* 1: the fleet has failing hosts (a Server 2003, a missing KB, ...). */
		if ((rc = run(scan)) != 1)
			bad("hiveaudit scan exited with %d, not 1", rc);
		else
			check_statuses(fleet, out);
	}
out:
	if (!failures)
		nftw(tmpl, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	else
		fprintf(stderr, "benchtest: files kept in %s\n", tmpl);
	printf("%d passed, %d failed\n", failures ? 0 : 1, failures ? 1 : 0);
	return failures ? 1 : 0;
}
