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
#include "ha_store.h"

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
	fprintf(stderr, "hiveaudit%s%s: %s\n", verb ? " " : "", verb ? verb : "",
	        ha_buf_cstr(&clean));
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
	return ha_mkdirs(path, err);
}

/* ------------------------------------------------ which store, which run */

int cli_store_open_ro(const char *db, struct ha_store **st, struct ha_err *err)
{
	return ha_store_open(db, HA_STORE_READONLY, st, err);
}

struct run_found {
	int found;
	struct cli_run *run;
};

static int run_cb(void *ctx, const struct ha_run_row *r)
{
	struct run_found *f = ctx;

	f->found = 1;
	f->run->id = r->run_id;
	f->run->status = r->status;
	snprintf(f->run->started_at, sizeof f->run->started_at, "%s", r->started_at);
	f->run->hosts_total = r->hosts_total;
	f->run->hosts_stored = r->hosts_stored;
	return 0;
}

/* The run `id` into *run; *found 0 when there is none. */
static int load_run(struct ha_store *st, int64_t id, struct cli_run *run, int *found,
                    struct ha_err *err)
{
	struct run_found f = {0, run};
	int rc = ha_store_get_run(st, id, run_cb, &f, err);

	*found = f.found;
	return rc;
}

int cli_pick_run(struct ha_store *st, const char *db, int64_t requested, struct cli_run *run,
                 struct ha_err *err)
{
	struct cli_run newest;
	int64_t latest = 0, id = requested;
	int rc, found = 0;

	memset(run, 0, sizeof *run);
	memset(&newest, 0, sizeof newest);
	rc = ha_store_latest_run(st, &latest, err);
	if (rc)
		return rc;
	if (!latest)
		return ha_err_set(err, HA_ERR_USAGE, "%s holds no run yet", db);
	if (requested) {
		rc = load_run(st, requested, run, &found, err);
		if (!rc && !found)
			rc = ha_err_set(err, HA_ERR_USAGE,
			                "%s holds no run %lld (the newest is %lld)", db,
			                (long long)requested, (long long)latest);
		return rc;
	}
	rc = ha_store_latest_complete_run(st, &id, err);
	if (!rc)
		rc = load_run(st, latest, &newest, &found, err);
	if (rc)
		return rc;
	if (!id)
		return ha_err_set(err, HA_ERR_USAGE,
		                  "%s holds no complete run (the newest, run %lld, is %s); "
		                  "--run %lld shows it anyway",
		                  db, (long long)latest,
		                  found ? ha_run_state_name(newest.status) : "unknown",
		                  (long long)latest);
	rc = load_run(st, id, run, &found, err);
	if (!rc && !found) /* deleted between the two queries */
		rc = ha_err_set(err, HA_ERR_STORE, "%s: run %lld disappeared while reading", db,
		                (long long)id);
	if (!rc && latest != id) {
		run->skipped = latest;
		run->skipped_status = newest.status;
	}
	return rc;
}

void cli_say_run(const char *verb, const char *db, const struct cli_run *run, int quiet)
{
	int complete = run->status == HA_RUN_COMPLETE;

	if (!quiet || !complete)
		cli_error(verb, "run %lld of %s (%s, started %s, %ld host%s)", (long long)run->id,
		          db, ha_run_state_name(run->status), run->started_at, run->hosts_stored,
		          run->hosts_stored == 1 ? "" : "s");
	if (!complete)
		cli_error(verb,
		          "note: run %lld is %s, not complete: what it shows covers %ld of the %ld "
		          "hosts its scan found",
		          (long long)run->id, ha_run_state_name(run->status), run->hosts_stored,
		          run->hosts_total < 0 ? run->hosts_stored : run->hosts_total);
	else if (run->skipped && !quiet)
		cli_error(verb,
		          "note: the newer run %lld is %s and not shown (--run %lld shows it)",
		          (long long)run->skipped, ha_run_state_name(run->skipped_status),
		          (long long)run->skipped);
}

void cli_source_init(struct cli_source *s)
{
	memset(s, 0, sizeof *s);
	s->db = HA_DEFAULT_OUT "/audit.db";
}

int cli_source_option(struct cli_source *s, const char *verb, int opt, const char *arg)
{
	long n;

	switch (opt) {
	case 'd': s->db = arg; return 1;
	case 'q': s->quiet = 1; return 1;
	case 'r':
		if ((n = cli_number(arg, 1, 0x7fffffff)) < 0) {
			cli_error(verb, "--run takes a run number, not '%s'", arg);
			return -1;
		}
		s->requested = n;
		return 1;
	default: return 0;
	}
}

int cli_source_open(struct cli_source *s, struct ha_err *err)
{
	int rc = cli_store_open_ro(s->db, &s->st, err);

	if (!rc)
		rc = cli_pick_run(s->st, s->db, s->requested, &s->run, err);
	if (rc) {
		ha_store_close(s->st);
		s->st = NULL;
	}
	return rc;
}

void cli_source_say(const struct cli_source *s, const char *verb)
{
	cli_say_run(verb, s->db, &s->run, s->quiet);
}

void cli_source_close(struct cli_source *s)
{
	ha_store_close(s->st);
	s->st = NULL;
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
