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
	fprintf(f, "usage: hiveaudit report [--db FILE] [--run N] [--out DIR] [--format LIST] "
	           "[--quiet]\n\n"
	           "Writes the reports of a stored run again, without reading any hive.  The store "
	           "is\n"
	           "only read, so it may be on read-only media.\n\n"
	           "Options:\n"
	           "      --db FILE      the store (default ./" HA_DEFAULT_OUT "/audit.db)\n"
	           "      --run N        which run (default the newest complete run; a failed or\n"
	           "                     interrupted run is shown only when named)\n"
	           "  -o, --out DIR      output folder (default: the store's folder)\n"
	           "      --format LIST  comma-separated: csv, html, json (default csv,html)\n"
	           "  -q, --quiet        do not say which run is shown\n"
	           "  -h, --help         this help\n\n"
	           "Exit codes: 0 written; 2 usage error (also: no such run, no complete run);\n"
	           "3 the store or an output could not be used.\n");
}

/* "csv,html": every item one of the three, none empty ('' and "csv," are
 * usage errors, not "write nothing"). */
static int parse_formats(const char *format, int *csv, int *html, int *json)
{
	const char *p = format;

	for (;;) {
		size_t n = strcspn(p, ",");

		if (n == 3 && !strncmp(p, "csv", 3))
			*csv = 1;
		else if (n == 4 && !strncmp(p, "html", 4))
			*html = 1;
		else if (n == 4 && !strncmp(p, "json", 4))
			*json = 1;
		else {
			if (!n)
				cli_error("report",
				          "--format takes a comma-separated list of csv, html, "
				          "json, not '%s'",
				          format);
			else
				cli_error("report", "unknown format '%.*s' (csv, html, json)",
				          (int)n, p);
			return -1;
		}
		p += n;
		if (!*p)
			return 0;
		p++; /* the comma; an item must follow */
	}
}

int cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
	        CLI_SOURCE_OPTIONS,
	        {"out", required_argument, NULL, 'o'},
	        {"format", required_argument, NULL, 'f'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	const char *out = NULL, *format = "csv,html";
	int csv = 0, html = 0, json = 0, opt, code = HA_EXIT_ERROR, rc;
	int64_t run_id = 0;
	struct cli_source src;
	struct ha_store *st = NULL;
	struct ha_err err;
	char *dir = NULL;

	ha_err_clear(&err);
	cli_source_init(&src);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "o:qh", opts, NULL)) != -1) {
		int mine = cli_source_option(&src, "report", opt, optarg);

		if (mine < 0)
			return HA_EXIT_USAGE;
		if (mine)
			continue;
		switch (opt) {
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
	if (parse_formats(format, &csv, &html, &json))
		return HA_EXIT_USAGE;
	if (!out) {
		const char *slash = strrchr(src.db, '/');

		dir = slash ? ha_strndup(src.db, (size_t)(slash - src.db)) : ha_strdup(".");
		out = dir;
	}
	rc = out ? cli_source_open(&src, &err) : ha_err_nomem(&err);
	st = src.st;
	run_id = src.run.id;
	if (!rc)
		rc = cli_mkdirs(out, &err);
	if (!rc)
		rc = ha_report_write_all(st, run_id, out,
		                         (csv ? HA_REPORT_CSV : 0) | (html ? HA_REPORT_HTML : 0) |
		                                 (json ? HA_REPORT_JSON : 0),
		                         NULL, &err);
	if (rc) {
		code = cli_fail("report", &err);
	} else {
		cli_source_say(&src, "report");
		code = HA_EXIT_OK;
	}
	cli_source_close(&src);
	free(dir);
	return code;
}
