/* cmd_runs.c: `hiveaudit runs`, the runs a store holds, so that a user can
 * pick two to compare with `hiveaudit diff`. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ha_store.h"

static void runs_usage(FILE *f)
{
	fprintf(f,
	        "usage: hiveaudit runs [--db FILE]\n\n"
	        "Lists the runs in a store, oldest first: id, start time, status, hosts stored,\n"
	        "hosts per verdict and the paths scanned.\n\n"
	        "Options:\n"
	        "      --db FILE  the store (default ./" HA_DEFAULT_OUT "/audit.db)\n"
	        "  -h, --help     this help\n\n"
	        "Exit codes: 0 listed; 2 usage error; 3 the store could not be read.\n");
}

struct runsctx {
	struct ha_buf b;
	long n;
};

static int run_cb(void *ctx, const struct ha_run_summary *r)
{
	struct runsctx *c = ctx;
	const char *p;

	if (!c->n++)
		ha_buf_puts(&c->b,
		            "run  started               status       as of       hosts  ready  "
		            "waived  not_ready  unknown  paths\n");
	ha_buf_printf(&c->b, "%-4lld ", (long long)r->run_id);
	ha_escape_terminal(&c->b, r->started_at);
	ha_buf_printf(&c->b, "  %-11s  %-10.10s  %5ld  %5ld  %6ld  %9ld  %7ld  ",
	              ha_run_state_name(r->status), r->as_of, r->hosts_stored,
	              r->verdicts[HA_READY], r->verdicts[HA_READY_WITH_WAIVERS],
	              r->verdicts[HA_NOT_READY], r->verdicts[HA_VERDICT_UNKNOWN]);
	/* Paths are stored one per line: one line here, each escaped whole
	 * (a byte at a time would break multi-byte characters). */
	for (p = r->paths; *p;) {
		size_t n = strcspn(p, "\n");
		char *one = ha_strndup(p, n);

		if (!one)
			return HA_ERR_NOMEM;
		if (p != r->paths)
			ha_buf_puts(&c->b, ", ");
		ha_escape_terminal(&c->b, one);
		free(one);
		p += n;
		if (*p == '\n')
			p++;
	}
	ha_buf_putc(&c->b, '\n');
	return ha_buf_status(&c->b) ? HA_ERR_NOMEM : 0;
}

int cmd_runs(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"db", required_argument, NULL, 'd'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	const char *db = HA_DEFAULT_OUT "/audit.db";
	struct ha_store *st = NULL;
	struct runsctx c;
	struct ha_err err;
	int opt, rc, code;

	ha_err_clear(&err);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'd': db = optarg; break;
		case 'h': runs_usage(stdout); return HA_EXIT_OK;
		default: runs_usage(stderr); return HA_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cli_error("runs", "unexpected argument '%s'", argv[optind]);
		return HA_EXIT_USAGE;
	}
	memset(&c, 0, sizeof c);
	ha_buf_init(&c.b, (size_t)256 << 20);
	rc = cli_store_open_ro(db, &st, &err);
	if (!rc)
		rc = ha_store_each_run(st, run_cb, &c, &err);
	if (rc == HA_ERR_NOMEM && !err.msg[0])
		ha_err_set(&err, rc, "out of memory");
	if (rc) {
		/* Anything wrong with the store itself is "could not complete". */
		cli_error("runs", "%s", err.msg);
		code = HA_EXIT_ERROR;
	} else {
		if (!c.n)
			ha_buf_puts(&c.b, "The store holds no run.\n");
		fputs(ha_buf_cstr(&c.b), stdout);
		code = HA_EXIT_OK;
	}
	ha_buf_free(&c.b);
	ha_store_close(st);
	return code;
}
