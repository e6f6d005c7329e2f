/* util.c: small helpers of the command line. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

void cli_error(const char *verb, const char *fmt, ...)
{
	struct ha_buf b, clean;
	va_list ap;

	ha_buf_init(&b, 1 << 16);
	va_start(ap, fmt);
	ha_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	/* Messages can quote file names from a hostile collection. */
	ha_buf_init(&clean, 1 << 17);
	ha_escape_terminal(&clean, ha_buf_cstr(&b));
	fprintf(stderr, "hiveaudit%s%s: %s\n", verb ? " " : "", verb ? verb : "", ha_buf_cstr(&clean));
	ha_buf_free(&b);
	ha_buf_free(&clean);
}

int cli_exit_for(int code)
{
	switch (code) {
	case HA_OK: return HA_EXIT_OK;
	case HA_ERR_USAGE:
	case HA_ERR_RULES: return HA_EXIT_USAGE;
	default: return HA_EXIT_ERROR;
	}
}

int cli_fail(const char *verb, const struct ha_err *err)
{
	cli_error(verb, "%s", err->msg[0] ? err->msg : ha_code_name(err->code));
	return cli_exit_for(err->code);
}

long cli_number(const char *s, long min, long max)
{
	uint64_t v;

	if (!s || ha_parse_u64(s, &v) != HA_OK || v > (uint64_t)max || (long)v < min)
		return -1;
	return (long)v;
}

int cli_mkdirs(const char *path, struct ha_err *err)
{
	char *p = ha_strdup(path), *q;
	struct stat st;

	if (!p)
		return ha_err_set(err, HA_ERR_NOMEM, "out of memory");
	for (q = p + 1; ; q++) {
		if (*q == '/' || *q == '\0') {
			char c = *q;

			*q = '\0';
			if (mkdir(p, 0755) != 0 && errno != EEXIST) {
				int e = errno;

				free(p);
				return ha_err_sys(err, HA_ERR_IO, e, "cannot create folder '%s'", path);
			}
			*q = c;
			if (!c)
				break;
		}
	}
	free(p);
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		return ha_err_set(err, HA_ERR_IO, "'%s' is not a folder", path);
	return HA_OK;
}

double cli_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void progress_init(struct progress *p, size_t total, int quiet)
{
	memset(p, 0, sizeof *p);
	p->on = !quiet && isatty(2);
	p->total = total;
	p->start = p->last = cli_now();
}

/* "45 s", "3 min 12 s", "2 h 05 min": short enough for one status line. */
static void fmt_duration(double secs, char *out, size_t len)
{
	long s = secs < 0 ? 0 : (long)(secs + 0.5);

	if (s < 60)
		snprintf(out, len, "%ld s", s);
	else if (s < 3600)
		snprintf(out, len, "%ld min %02ld s", s / 60, s % 60);
	else
		snprintf(out, len, "%ld h %02ld min", s / 3600, (s % 3600) / 60);
}

void progress_step(struct progress *p)
{
	double t, rate, left;
	char eta[32];

	p->done++;
	if (!p->on)
		return;
	t = cli_now();
	if (t - p->last < 0.1 && p->done < p->total)
		return;
	p->last = t;
	rate = t > p->start ? (double)p->done / (t - p->start) : 0;
	left = rate > 0 ? (double)(p->total - p->done) / rate : 0;
	fmt_duration(left, eta, sizeof eta);
	fprintf(stderr, "\r\033[K[%*zu/%zu] %.1f hosts/s, %s left",
		(int)snprintf(NULL, 0, "%zu", p->total), p->done, p->total, rate, eta);
	fflush(stderr);
}

void progress_end(struct progress *p)
{
	if (p->on) {
		fprintf(stderr, "\r\033[K");
		fflush(stderr);
	}
}

int cli_shard(const char *s, unsigned *k, unsigned *n)
{
	const char *slash = strchr(s, '/');
	char left[16];
	long a, b;

	if (!slash || (size_t)(slash - s) >= sizeof left)
		return -1;
	memcpy(left, s, (size_t)(slash - s));
	left[slash - s] = '\0';
	a = cli_number(left, 1, 1000000);
	b = cli_number(slash + 1, 1, 1000000);
	if (a < 0 || b < 0 || a > b)
		return -1;
	*k = (unsigned)a;
	*n = (unsigned)b;
	return 0;
}
