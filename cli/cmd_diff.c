/* cmd_diff.c: `hiveaudit diff`, what changed between two runs of a store
 * (the comparison itself is ha_diff_runs() in report/diff.c). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "ha_report.h"
#include "ha_store.h"

static void diff_usage(FILE *f)
{
	fprintf(f,
	        "usage: hiveaudit diff [--db FILE] [--from RUN] [--to RUN] [--format "
	        "text|csv|json]\n\n"
	        "Compares two runs of a store: hosts new, gone or renamed, hosts whose verdict\n"
	        "changed, and every (host, rule) whose status changed, with the observed values\n"
	        "and the evidence that changed.  By default the newest complete run is compared\n"
	        "with the newest complete run before it over the same paths ('hiveaudit runs'\n"
	        "lists them).  Hosts are matched by folder, then by label, then by computer name\n"
	        "together with a hive file of the same SHA-256 (a renamed folder).\n\n"
	        "Options:\n"
	        "      --db FILE      the store (default ./" HA_DEFAULT_OUT "/audit.db)\n"
	        "      --from RUN     the earlier run (default: see above)\n"
	        "      --to RUN       the later run (default the newest complete run)\n"
	        "      --format FMT   text (default), csv (the columns of changes.csv) or json\n"
	        "  -h, --help         this help\n\n"
	        "A change is 'regressed' when a verdict or a status got worse (PASS and\n"
	        "NOT_APPLICABLE < WARN < UNKNOWN < FAIL; ready < ready_with_waivers < unknown <\n"
	        "not_ready), 'fixed' when it got better.\n\n"
	        "Exit codes: 0 nothing regressed; 1 something regressed; 2 usage error (also: no\n"
	        "such run, or no earlier run to compare with); 3 the store could not be read.\n");
}

/* A run that does not exist is the user's mistake, not the store's. */
static int as_usage(struct ha_err *err)
{
	char msg[sizeof err->msg];

	memcpy(msg, err->msg, sizeof msg);
	return ha_err_set(err, HA_ERR_USAGE, "%s", msg);
}

/* Which runs: the store is opened with the command line's shared
 * read-only helper (cli_store_open_ro); the default pair, the newest
 * complete run and the complete run before it over the same paths, is
 * ha_diff_pick_runs()'s, which knows what "the same fleet" means. */
static int pick_runs(struct ha_store *st, int64_t *from, int64_t *to, struct ha_err *err)
{
	int rc = ha_diff_pick_runs(st, from, to, err);

	return rc == HA_ERR_NOTFOUND ? as_usage(err) : rc;
}

int cmd_diff(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"db", required_argument, NULL, 'd'}, {"from", required_argument, NULL, 'F'},
	        {"to", required_argument, NULL, 'T'}, {"format", required_argument, NULL, 'f'},
	        {"help", no_argument, NULL, 'h'},     {NULL, 0, NULL, 0},
	};
	const char *db = HA_DEFAULT_OUT "/audit.db";
	int format = HA_DIFF_TEXT, opt, rc, code;
	int64_t from = 0, to = 0;
	long n;
	struct ha_store *st = NULL;
	struct ha_diff *d = NULL;
	struct ha_buf b;
	struct ha_err err;

	ha_err_clear(&err);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'd': db = optarg; break;
		case 'F':
		case 'T':
			if ((n = cli_number(optarg, 1, 0x7fffffff)) < 0) {
				cli_error("diff", "--%s takes a run number, not '%s'",
				          opt == 'F' ? "from" : "to", optarg);
				return HA_EXIT_USAGE;
			}
			*(opt == 'F' ? &from : &to) = n;
			break;
		case 'f':
			if (!strcmp(optarg, "text"))
				format = HA_DIFF_TEXT;
			else if (!strcmp(optarg, "csv"))
				format = HA_DIFF_CSV;
			else if (!strcmp(optarg, "json"))
				format = HA_DIFF_JSON;
			else {
				cli_error("diff", "unknown format '%s' (text, csv, json)", optarg);
				return HA_EXIT_USAGE;
			}
			break;
		case 'h': diff_usage(stdout); return HA_EXIT_OK;
		default: diff_usage(stderr); return HA_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cli_error("diff", "unexpected argument '%s'", argv[optind]);
		return HA_EXIT_USAGE;
	}
	ha_buf_init(&b, (size_t)1 << 30);
	rc = cli_store_open_ro(db, &st, &err);
	if (rc) {
		/* Missing, unreadable or not a store: could not complete. */
		cli_error("diff", "%s", err.msg);
		code = HA_EXIT_ERROR;
		goto done;
	}
	rc = pick_runs(st, &from, &to, &err);
	if (!rc && from == to)
		rc = ha_err_set(&err, HA_ERR_USAGE, "--from and --to name the same run %lld",
		                (long long)from);
	if (!rc)
		rc = ha_diff_runs(st, from, to, &d, &err);
	if (rc == HA_ERR_NOTFOUND)
		rc = as_usage(&err);
	if (!rc)
		rc = ha_diff_write(d, format, &b, &err);
	if (rc) {
		code = cli_fail("diff", &err);
		goto done;
	}
	fwrite(b.data ? b.data : "", 1, b.len, stdout);
	if (fflush(stdout) != 0) {
		cli_error("diff", "cannot write the output");
		code = HA_EXIT_ERROR;
		goto done;
	}
	code = d->regressed ? HA_EXIT_FAIL : HA_EXIT_OK;
done:
	ha_diff_free(d);
	ha_store_close(st);
	ha_buf_free(&b);
	return code;
}
