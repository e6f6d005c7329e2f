/* cmd_report.c: `hiveaudit report`, the outputs again from a store. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ha_report.h"
#include "ha_store.h"

static void report_usage(FILE *f)
{
	fprintf(f,
		"usage: hiveaudit report [--db FILE] [--run ID] [--out DIR] [--format LIST]\n\n"
		"Writes the reports of a stored run again, without reading any hive.\n\n"
		"Options:\n"
		"      --db FILE      the store (default ./" HA_DEFAULT_OUT "/audit.db)\n"
		"      --run ID       which run (default the latest)\n"
		"  -o, --out DIR      output folder (default: the store's folder)\n"
		"      --format LIST  comma-separated: csv, html, json (default csv,html)\n"
		"  -h, --help         this help\n\n"
		"Exit codes: 0 written; 2 usage error; 3 the store or an output could not be used.\n");
}

struct runctx {
	int found;
	char status[32];
};

static int run_cb(void *ctx, const struct ha_run_row *r)
{
	struct runctx *c = ctx;

	c->found = 1;
	snprintf(c->status, sizeof c->status, "%s", r->status);
	return 0;
}

int cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'},	  {"run", required_argument, NULL, 'r'},
		{"out", required_argument, NULL, 'o'},	  {"format", required_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},	  {NULL, 0, NULL, 0},
	};
	const char *db = HA_DEFAULT_OUT "/audit.db", *out = NULL, *format = "csv,html";
	int csv = 0, html = 0, json = 0, opt, code = HA_EXIT_ERROR, rc;
	long run = 0;
	int64_t run_id = 0;
	struct ha_store *st = NULL;
	struct ha_err err;
	struct runctx rctx = {0};
	char *dir = NULL, *p;

	ha_err_clear(&err);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'd': db = optarg; break;
		case 'r':
			if ((run = cli_number(optarg, 1, 0x7fffffff)) < 0) {
				cli_error("report", "--run takes a run number, not '%s'", optarg);
				return HA_EXIT_USAGE;
			}
			break;
		case 'o': out = optarg; break;
		case 'f': format = optarg; break;
		case 'h': report_usage(stdout); return HA_EXIT_OK;
		default: report_usage(stderr); return HA_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cli_error("report", "unexpected argument '%s'", argv[optind]);
		return HA_EXIT_USAGE;
	}
	for (p = (char *)format; *p;) {
		size_t n = strcspn(p, ",");

		if (n == 3 && !strncmp(p, "csv", 3))
			csv = 1;
		else if (n == 4 && !strncmp(p, "html", 4))
			html = 1;
		else if (n == 4 && !strncmp(p, "json", 4))
			json = 1;
		else {
			cli_error("report", "unknown format '%.*s' (csv, html, json)", (int)n, p);
			return HA_EXIT_USAGE;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	if (!out) {
		const char *slash = strrchr(db, '/');

		dir = slash ? ha_strndup(db, (size_t)(slash - db)) : ha_strdup(".");
		out = dir;
	}
	rc = ha_store_open(db, 0, &st, &err);
	if (!rc)
		rc = cli_mkdirs(out, &err);
	if (!rc && !run)
		rc = ha_store_latest_run(st, &run_id, &err);
	else
		run_id = run;
	if (!rc)
		rc = ha_store_get_run(st, run_id, run_cb, &rctx, &err);
	if (!rc && !rctx.found)
		rc = ha_err_set(&err, HA_ERR_USAGE, "%s holds no run %lld", db, (long long)run_id);
	if (!rc && csv) {
		char *a = ha_asprintf("%s/findings.csv", out), *b = ha_asprintf("%s/hosts.csv", out);

		rc = a && b ? ha_report_findings_csv(st, run_id, a, &err) : ha_err_set(&err, HA_ERR_NOMEM, "out of memory");
		if (!rc)
			rc = ha_report_hosts_csv(st, run_id, b, &err);
		free(a);
		free(b);
	}
	if (!rc && csv) { /* when an earlier run over the same paths exists */
		char *a = ha_asprintf("%s/changes.csv", out);
		int written;

		rc = a ? ha_report_changes_csv(st, run_id, a, &written, &err)
		       : ha_err_set(&err, HA_ERR_NOMEM, "out of memory");
		free(a);
	}
	if (!rc && html) {
		char *a = ha_asprintf("%s/report.html", out);

		rc = a ? ha_report_html(st, run_id, a, &err) : ha_err_set(&err, HA_ERR_NOMEM, "out of memory");
		free(a);
	}
	if (!rc && json) {
		char *a = ha_asprintf("%s/findings.jsonl", out);

		rc = a ? ha_report_jsonl(st, run_id, a, &err) : ha_err_set(&err, HA_ERR_NOMEM, "out of memory");
		free(a);
	}
	if (rc)
		code = cli_fail("report", &err);
	else {
		code = HA_EXIT_OK;
		if (strcmp(rctx.status, "complete"))
			cli_error("report", "note: run %lld is %s, so its reports cover part of the fleet",
				  (long long)run_id, rctx.status);
	}
	ha_store_close(st);
	free(dir);
	return code;
}
