/* cmd_merge.c: `hiveaudit merge`, one store and one set of reports from the
 * stores of a sharded scan (scan --shard K/N on a scheduler: docs/sharding.md).
 *
 * The merge itself is ha_store_merge(); this file parses options, guards the
 * output folder as scan does (the same lock file), and writes the reports of
 * the merged run.  The exit status follows scan's: 1 when a merged finding is
 * FAIL, so a pipeline can treat "scan the shards, then merge" as one scan. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "cli.h"
#include "ha_report.h"
#include "ha_store.h"

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

struct tally {
	long hosts, ready, not_ready, unknown, fails;
};

static int count_host(void *ctx, const struct ha_host_row *h)
{
	struct tally *t = ctx;

	t->hosts++;
	if (!strcmp(h->verdict, "ready"))
		t->ready++;
	else if (!strcmp(h->verdict, "not_ready"))
		t->not_ready++;
	else
		t->unknown++;
	t->fails += h->counts[HA_FAIL];
	return 0;
}

static int write_one(struct ha_store *st, int64_t run, const char *out, const char *name,
		     int (*fn)(struct ha_store *, int64_t, const char *, struct ha_err *),
		     struct ha_err *err)
{
	char *p = ha_asprintf("%s/%s", out, name);
	int rc;

	if (!p)
		return ha_err_set(err, HA_ERR_NOMEM, "out of memory");
	rc = fn(st, run, p, err);
	free(p);
	return rc;
}

int cmd_merge(int argc, char **argv)
{
	static const struct option opts[] = {
		{"out", required_argument, NULL, 'o'}, {"partial", no_argument, NULL, 'P'},
		{"json", no_argument, NULL, 'J'},      {"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},      {NULL, 0, NULL, 0},
	};
	const char *out = HA_DEFAULT_OUT;
	int json = 0, quiet = 0, opt, rc, lockfd = -1, code = HA_EXIT_ERROR;
	struct ha_merge_opts mo = {NULL, 0};
	struct ha_merge_result res;
	struct ha_store *st = NULL;
	struct tally t = {0};
	struct ha_buf cmdline;
	char *dbpath = NULL, *lockpath = NULL;
	struct ha_err err;
	int i;

	ha_err_clear(&err);
	ha_buf_init(&cmdline, 1 << 16);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "o:qh", opts, NULL)) != -1) {
		switch (opt) {
		case 'o':
			if (!*optarg) {
				cli_error("merge", "--out needs a folder");
				return HA_EXIT_USAGE;
			}
			out = optarg;
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

	rc = cli_mkdirs(out, &err);
	if (rc) {
		code = cli_fail("merge", &err);
		goto done;
	}
	lockpath = ha_asprintf("%s/.hiveaudit.lock", out);
	dbpath = ha_asprintf("%s/audit.db", out);
	if (!lockpath || !dbpath) {
		cli_error("merge", "out of memory");
		goto done;
	}
	lockfd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (lockfd < 0) {
		cli_error("merge", "cannot write to '%s': %s", out, strerror(errno));
		goto done;
	}
	if (flock(lockfd, LOCK_EX | LOCK_NB) != 0) {
		cli_error("merge", "another hiveaudit scan or merge is writing to '%s'", out);
		goto done;
	}
	ha_buf_puts(&cmdline, "hiveaudit");
	for (i = 0; i < argc; i++)
		ha_buf_printf(&cmdline, " %s", argv[i]);
	mo.command = ha_buf_status(&cmdline) ? NULL : ha_buf_cstr(&cmdline);
	rc = ha_store_open(dbpath, HA_STORE_CREATE, &st, &err);
	if (!rc)
		rc = ha_store_merge(st, (const char *const *)argv + optind, (size_t)(argc - optind), &mo,
				    &res, &err);
	if (rc) {
		code = cli_fail("merge", &err);
		goto done;
	}
	rc = write_one(st, res.run_id, out, "findings.csv", ha_report_findings_csv, &err);
	if (!rc)
		rc = write_one(st, res.run_id, out, "hosts.csv", ha_report_hosts_csv, &err);
	if (!rc)
		rc = write_one(st, res.run_id, out, "report.html", ha_report_html, &err);
	if (!rc && json)
		rc = write_one(st, res.run_id, out, "findings.jsonl", ha_report_jsonl, &err);
	if (!rc)
		rc = ha_store_each_host(st, res.run_id, NULL, count_host, &t, &err);
	if (rc) {
		cli_error("merge", "%s (the merged run %lld is complete in %s; 'hiveaudit report' "
			  "can write the reports again)", err.msg, (long long)res.run_id, dbpath);
		code = cli_exit_for(err.code);
		goto done;
	}
	if (!quiet)
		printf("hiveaudit: merged %zu store%s into run %lld: %ld host%s (%ld ready, %ld not "
		       "ready, %ld unknown); %ld failing finding%s; reports in %s/\n",
		       res.nsources, res.nsources == 1 ? "" : "s", (long long)res.run_id, t.hosts,
		       t.hosts == 1 ? "" : "s", t.ready, t.not_ready, t.unknown, t.fails,
		       t.fails == 1 ? "" : "s", out);
	code = t.fails ? HA_EXIT_FAIL : HA_EXIT_OK;
done:
	ha_store_close(st);
	if (lockfd >= 0)
		close(lockfd);
	free(lockpath);
	free(dbpath);
	ha_buf_free(&cmdline);
	return code;
}
