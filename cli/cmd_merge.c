/* cmd_merge.c: `hiveaudit merge`, one store and one set of reports from the
 * stores of a sharded scan (scan --shard K/N on a scheduler: docs/sharding.md).
 *
 * The work is ha_scan_merge(); this file parses options, prints, and picks
 * the exit status.  The exit status follows scan's: 1 when a merged finding is
 * FAIL, so a pipeline can treat "scan the shards, then merge" as one scan. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "ha_scan.h"

static void merge_usage(FILE *f)
{
	fprintf(f,
	        "usage: hiveaudit merge [options] STORE...\n\n"
	        "Combines the stores of a sharded scan (each made with scan --shard K/N) into one\n"
	        "run in DIR/audit.db, and writes DIR/findings.csv, DIR/hosts.csv and\n"
	        "DIR/report.html for it.  The newest complete run of each STORE is taken.  The\n"
	        "stores must be made with the same hiveaudit version, rules and --as-of; shards\n"
	        "of one split must all be there, each once.  The STOREs are only read.\n\n"
	        "Options:\n"
	        "  -o, --out DIR        output folder (default ./" HA_DEFAULT_OUT "); an existing\n"
	        "                       store there keeps its runs and gains the merged one\n"
	        "      --partial        accept a split with shards missing (the reports then\n"
	        "                       cover part of the collection)\n"
	        "      --json           also write DIR/findings.jsonl (JSON Lines)\n"
	        "  -q, --quiet          no summary\n"
	        "  -h, --help           this help\n\n"
	        "Exit codes: 0 merged and no finding is FAIL; 1 merged and some finding is FAIL;\n"
	        "2 usage error (stores that do not belong together, a shard missing);\n"
	        "3 a store or the output could not be used.\n");
}

int cmd_merge(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"out", required_argument, NULL, 'o'}, {"partial", no_argument, NULL, 'P'},
	        {"json", no_argument, NULL, 'J'},      {"quiet", no_argument, NULL, 'q'},
	        {"help", no_argument, NULL, 'h'},      {NULL, 0, NULL, 0},
	};
	struct ha_scan_merge_opts mo;
	struct ha_scan_result res;
	struct ha_buf cmdline;
	struct ha_err err;
	int json = 0, quiet = 0, opt, rc, i, code;

	ha_err_clear(&err);
	memset(&mo, 0, sizeof mo);
	mo.out = HA_DEFAULT_OUT;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "o:qh", opts, NULL)) != -1) {
		switch (opt) {
		case 'o':
			if (!*optarg) {
				cli_error("merge", "--out needs a folder");
				return HA_EXIT_USAGE;
			}
			mo.out = optarg;
			break;
		case 'P': mo.allow_partial = 1; break;
		case 'J': json = 1; break;
		case 'q': quiet = 1; break;
		case 'h': merge_usage(stdout); return HA_EXIT_OK;
		default: merge_usage(stderr); return HA_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		cli_error("merge", "no STORE given (try 'hiveaudit merge --help')");
		return HA_EXIT_USAGE;
	}
	for (i = optind; i < argc; i++) {
		if (access(argv[i], R_OK) != 0) {
			cli_error("merge", "cannot read store '%s': %s", argv[i], strerror(errno));
			return HA_EXIT_USAGE;
		}
	}
	ha_buf_init(&cmdline, 1 << 16);
	ha_buf_puts(&cmdline, "hiveaudit");
	for (i = 0; i < argc; i++)
		ha_buf_printf(&cmdline, " %s", argv[i]);
	mo.command = ha_buf_status(&cmdline) ? NULL : ha_buf_cstr(&cmdline);
	mo.stores = (const char *const *)argv + optind;
	mo.nstores = (size_t)(argc - optind);
	mo.formats = HA_REPORT_CSV | HA_REPORT_HTML | (json ? HA_REPORT_JSON : 0);
	rc = ha_scan_merge(&mo, &res, &err);
	if (rc && res.state == HA_SCAN_COMPLETE)
		cli_error("merge",
		          "%s (the merged run %lld is complete in %s/" HA_SCAN_DB_NAME
		          "; 'hiveaudit report' can write the reports again)",
		          err.msg, (long long)res.run_id, mo.out);
	else if (rc)
		cli_fail("merge", &err);
	if (rc)
		code = cli_exit_for(err.code);
	else {
		if (!quiet)
			printf("hiveaudit: merged %zu store%s into run %lld: %ld host%s (%ld "
			       "ready, %ld "
			       "not ready, %ld unknown); %ld failing finding%s; reports in %s/\n",
			       mo.nstores, mo.nstores == 1 ? "" : "s", (long long)res.run_id,
			       res.hosts, res.hosts == 1 ? "" : "s", res.ready, res.not_ready,
			       res.unknown, res.fails, res.fails == 1 ? "" : "s", mo.out);
		code = res.fails ? HA_EXIT_FAIL : HA_EXIT_OK;
	}
	ha_buf_free(&cmdline);
	return code;
}
