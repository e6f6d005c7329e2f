/* cmd_scan.c: `hiveaudit scan`, the main job.  The pipeline itself
 * (discover, read in worker processes, evaluate, store, report) is the
 * scan library's (scan/ha_scan.h); this file parses the options, turns
 * signals into the library's stop flag, shows progress, and turns the
 * result into messages and the exit status.
 *
 * STOPPING.  SIGINT, SIGTERM and SIGHUP ask the scan to stop: the hosts
 * already evaluated are committed, the run is marked 'interrupted', no
 * report is written, and the exit status is 3.  A second signal of the same
 * kind ends the process at once (the store stays consistent: every
 * transaction holds whole hosts).  A run that was killed outright stays
 * 'running' in the store until the next scan into the same folder repairs
 * it (scan/lock.c). */
#include <getopt.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cli_passwords.h"
#include "cli_rules.h"
#include "ha_scan.h"

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	stop_flag = sig;
}

/* The first SIGINT, SIGTERM or SIGHUP sets stop_flag; SA_RESETHAND makes a
 * second one take its default action. */
static void catch_stop_signals(void)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaction(sigs[i], &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static void scan_usage(FILE *f)
{
	fprintf(f,
	        "usage: hiveaudit scan [options] PATH...\n\n"
	        "Audits every host found under PATH (a fleet folder, a host folder, or hive "
	        "files):\n"
	        "reads its SYSTEM and SOFTWARE hives in worker processes, applies the rules, and\n"
	        "writes DIR/audit.db, DIR/findings.csv, DIR/hosts.csv and DIR/report.html; and\n"
	        "DIR/changes.csv when the store holds an earlier run over the same paths.\n"
	        "PATH may also be a .reg text export, or a collection container: a zip (zip64,\n"
	        "AES, ZipCrypto), tar, tar.gz, tar.xz or 7z archive (Velociraptor, CyLR, KAPE\n"
	        "layouts; a zip inside a zip is opened too), or a disk image (E01 with its\n"
	        "E02..., raw or split raw .001, VHD, VHDX, VMDK; GPT, MBR or bare NTFS).\n"
	        "Nothing is extracted to disk.\n\n"
	        "Options:\n"
	        "  -o, --out DIR        output folder (default ./" HA_DEFAULT_OUT ")\n"
	        "      --rules FILE     load a rule file too (a rule with a built-in id replaces "
	        "it);\n"
	        "                       may be repeated\n"
	        "      --no-builtin     do not load the built-in TLS 1.2 rule pack\n"
	        "  -j, --jobs N         worker processes at once (default: number of CPUs)\n"
	        "      --timeout SEC    wall-clock limit per host (default 300)\n"
	        "      --worker-mem MB  memory a worker may map beyond what it starts with\n"
	        "                       (default 4096)\n"
	        "      --as-of DATE     audit date YYYY-MM-DD for certificate expiry (default "
	        "today)\n"
	        "      --json           also write DIR/findings.jsonl (JSON Lines)\n"
	        "      --rescan         read every host again, even if unchanged since the last "
	        "run\n"
	        "      --hash ALG       sha256 (default): hash every hive file for the evidence;\n"
	        "                       none: do not (evidence says \"not computed\"; faster)\n"
	        "      --verify         read and hash every host, and report files whose bytes\n"
	        "                       changed although size, times and inode did not\n"
	        "      --no-replay      read dirty hives as they are, without their logs\n"
	        "      --shard K/N      audit only shard K of N (1 <= K <= N): a split of the "
	        "hosts\n"
	        "                       by their path under PATH, the same on every machine; join\n"
	        "                       the N stores with 'hiveaudit merge' (docs/sharding.md)\n"
	        "      --waivers FILE   accepted exceptions (YAML): a waived FAIL stays FAIL but\n"
	        "                       does not make the exit status 1 until the waiver expires\n"
	        "      --container-hash-max MB  containers (all the segments of an E01 or\n"
	        "                       split raw set together) larger than this are not hashed\n"
	        "                       (default 4096; 0: no limit)\n"
	        "      --password PW    password for encrypted containers; may be repeated\n"
	        "      --password-file FILE  passwords, one a line (also: HIVEAUDIT_PASSWORD)\n"
	        "  -q, --quiet          no progress display and no summary\n"
	        "  -h, --help           this help\n\n"
	        "Exit codes: 0 done and no finding is FAIL; 1 done and some finding is FAIL;\n"
	        "2 usage error; 3 the run could not complete (output not writable, store locked,\n"
	        "interrupted).  A damaged or hostile hive never stops the run: it becomes\n"
	        "findings with status UNKNOWN.\n");
}

struct display {
	int quiet;
	struct progress prog;
};

/* The progress line on stderr (cli/util.c) follows the library's events. */
static void on_progress(void *ctx, const struct ha_scan_progress *p)
{
	struct display *d = ctx;

	if (p->event == HA_SCAN_EV_READING)
		progress_init(&d->prog, p->total, d->quiet);
	else if (p->event == HA_SCAN_EV_HOST)
		progress_step(&d->prog);
	else if (p->event == HA_SCAN_EV_READ_END)
		progress_end(&d->prog);
}

/* One line for a scan that did not end well, and its exit status. */
static int scan_failed(const struct ha_scan_result *r, const struct ha_err *err, const char *out)
{
	if (r->state == HA_SCAN_NOT_STARTED && err->code == HA_ERR_INTERRUPTED) {
		cli_error("scan",
		          "interrupted by signal %d before the run started; nothing was stored",
		          (int)stop_flag);
		return HA_EXIT_ERROR;
	}
	if (r->state == HA_SCAN_INTERRUPTED && err->code == HA_ERR_INTERRUPTED) {
		cli_error("scan",
		          "interrupted by signal %d: %ld of %zu hosts stored in %s/" HA_SCAN_DB_NAME
		          "; run the same command again to finish (unchanged hosts are not read "
		          "twice)",
		          (int)stop_flag, r->hosts, r->hosts_found, out);
		return HA_EXIT_ERROR;
	}
	if (r->state == HA_SCAN_INTERRUPTED) {
		cli_error("scan", "interrupted; %s", err->msg);
		return HA_EXIT_ERROR;
	}
	if (r->state == HA_SCAN_COMPLETE && err->code == HA_ERR_INTERRUPTED) {
		cli_error("scan",
		          "interrupted by signal %d while writing the reports; the run is complete "
		          "in %s/" HA_SCAN_DB_NAME ": 'hiveaudit report --db %s/" HA_SCAN_DB_NAME
		          " --out %s' writes them",
		          (int)stop_flag, out, out, out);
		return HA_EXIT_ERROR;
	}
	if (r->state == HA_SCAN_COMPLETE) {
		cli_error("scan",
		          "%s (the run is complete in %s/" HA_SCAN_DB_NAME
		          "; 'hiveaudit report' can "
		          "write the reports again)",
		          err->msg, out);
		return cli_exit_for(err->code);
	}
	return cli_fail("scan", err);
}

/* Waivers that expired or matched nothing, as the run's notes say. */
static void say(void *ctx, const char *text)
{
	cli_error("scan", "%s", text);
}

/* "3 ready with waivers, " for the summary line, or "". */
static const char *waived_words(const struct ha_scan_result *r)
{
	static char words[64];

	words[0] = '\0';
	if (r->ready_with_waivers)
		snprintf(words, sizeof words, "%ld ready with waivers, ", r->ready_with_waivers);
	return words;
}

/* What the command line asked for; the defaults are the help's. */
struct scan_args {
	const char *out, *waivers;
	struct cli_rules_opts ro;
	struct cli_passwords pw;
	long jobs, timeout, mem, hash_max;
	int json, rescan, no_replay, quiet, no_hash, verify;
	int64_t as_of;
	unsigned shard_k, shard_n;
};

static const struct option scan_opts[] = {
        {"out", required_argument, NULL, 'o'},
        {"rules", required_argument, NULL, 'r'},
        {"no-builtin", no_argument, NULL, 'B'},
        {"jobs", required_argument, NULL, 'j'},
        {"timeout", required_argument, NULL, 't'},
        {"worker-mem", required_argument, NULL, 'm'},
        {"as-of", required_argument, NULL, 'a'},
        {"json", no_argument, NULL, 'J'},
        {"rescan", no_argument, NULL, 'R'},
        {"no-replay", no_argument, NULL, 'N'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"hash", required_argument, NULL, 'H'},
        {"verify", no_argument, NULL, 'V'},
        {"shard", required_argument, NULL, 'S'},
        {"waivers", required_argument, NULL, 'W'},
        {"password", required_argument, NULL, 'P'},
        {"password-file", required_argument, NULL, 'F'},
        {"container-hash-max", required_argument, NULL, 'C'},
        {NULL, 0, NULL, 0},
};

/* The options that take a number in a range. */
static const struct {
	int opt;
	const char *name, *unit;
	long min, max;
	size_t field;
} scan_numbers[] = {
        {'j', "jobs", "a number", 1, 256, offsetof(struct scan_args, jobs)},
        {'t', "timeout", "seconds", 1, 86400, offsetof(struct scan_args, timeout)},
        {'m', "worker-mem", "megabytes", 64, 1 << 20, offsetof(struct scan_args, mem)},
        {'C', "container-hash-max", "megabytes", 0, 1L << 30, offsetof(struct scan_args, hash_max)},
};

/* One option into `a`: -1 to go on, else the exit status (after saying why). */
static int scan_option(struct scan_args *a, int opt, const char *arg, struct ha_err *err)
{
	size_t i;

	for (i = 0; i < sizeof scan_numbers / sizeof scan_numbers[0]; i++) {
		long *num = (long *)((char *)a + scan_numbers[i].field);

		if (scan_numbers[i].opt != opt)
			continue;
		if ((*num = cli_number(arg, scan_numbers[i].min, scan_numbers[i].max)) >= 0)
			return -1;
		cli_error("scan", "--%s takes %s from %ld to %ld, not '%s'", scan_numbers[i].name,
		          scan_numbers[i].unit, scan_numbers[i].min, scan_numbers[i].max, arg);
		return HA_EXIT_USAGE;
	}
	switch (opt) {
	case 'o': a->out = arg; return -1;
	case 'r':
		if (!cli_rules_add_file(&a->ro, arg))
			return -1;
		cli_error("scan", "out of memory");
		return HA_EXIT_ERROR;
	case 'B': a->ro.no_builtin = 1; return -1;
	case 'a':
		/* Only what the help says: a date, not ha_parse_date's time too. */
		if (strlen(arg) == 10 && ha_parse_date(arg, &a->as_of) == HA_OK)
			return -1;
		cli_error("scan", "--as-of takes a date YYYY-MM-DD, not '%s'", arg);
		return HA_EXIT_USAGE;
	case 'J': a->json = 1; return -1;
	case 'R': a->rescan = 1; return -1;
	case 'N': a->no_replay = 1; return -1;
	case 'q': a->quiet = 1; return -1;
	case 'H':
		if (strcmp(arg, "sha256") != 0 && strcmp(arg, "none") != 0) {
			cli_error("scan", "--hash takes sha256 or none, not '%s'", arg);
			return HA_EXIT_USAGE;
		}
		a->no_hash = !strcmp(arg, "none");
		return -1;
	case 'V': a->verify = 1; return -1;
	case 'W': a->waivers = arg; return -1;
	case 'P':
	case 'F':
		if (!(opt == 'P' ? cli_passwords_add(&a->pw, arg, err)
		                 : cli_passwords_file(&a->pw, arg, err)))
			return -1;
		return cli_fail("scan", err);
	case 'S':
		if (!ha_parse_shard(arg, &a->shard_k, &a->shard_n))
			return -1;
		cli_error("scan", "--shard takes K/N with 1 <= K <= N, not '%s'", arg);
		return HA_EXIT_USAGE;
	case 'h': scan_usage(stdout); return HA_EXIT_OK;
	default: scan_usage(stderr); return HA_EXIT_USAGE;
	}
}

/* The whole command line: -1 to go on, else the exit status. */
static int scan_parse(int argc, char **argv, struct scan_args *a, struct ha_err *err)
{
	int opt, code;

	a->out = HA_DEFAULT_OUT;
	a->jobs = sysconf(_SC_NPROCESSORS_ONLN);
	a->timeout = 300;
	a->mem = 4096;
	a->hash_max = 4096;
	a->as_of = (int64_t)time(NULL);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "o:j:qh", scan_opts, NULL)) != -1) {
		if ((code = scan_option(a, opt, optarg, err)) >= 0)
			return code;
	}
	if (optind >= argc) {
		cli_error("scan", "no PATH given (try 'hiveaudit scan --help')");
		return HA_EXIT_USAGE;
	}
	if (a->jobs < 1)
		a->jobs = 1;
	if (a->verify && a->no_hash) {
		cli_error("scan", "--verify needs the hashes: not with --hash none");
		return HA_EXIT_USAGE;
	}
	return -1;
}

/* The library's options from the command line's; `so` borrows from `a`. */
static void scan_fill(struct ha_scan_opts *so, const struct scan_args *a, int argc, char **argv)
{
	so->paths = (const char *const *)argv + optind;
	so->npaths = (size_t)(argc - optind);
	so->out = a->out;
	so->passwords = (const char *const *)a->pw.v;
	so->npasswords = a->pw.n;
	so->message = say;
	so->as_of = a->as_of;
	so->jobs = (unsigned)a->jobs;
	so->timeout_sec = (unsigned)a->timeout;
	so->worker_mem = (uint64_t)a->mem << 20;
	so->rescan = a->rescan;
	so->no_replay = a->no_replay;
	so->no_hash = a->no_hash;
	so->container_hash_max = a->hash_max ? (uint64_t)a->hash_max << 20 : UINT64_MAX;
	so->verify = a->verify;
	so->shard_k = a->shard_k;
	so->shard_n = a->shard_n;
	so->formats = HA_REPORT_CSV | HA_REPORT_HTML | (a->json ? HA_REPORT_JSON : 0);
	so->stop = &stop_flag;
	so->progress = on_progress;
	so->fault = getenv("HIVEAUDIT_TEST_FAULT");
}

/* The summary of a finished run, on stdout and stderr. */
static void scan_summary(const struct ha_scan_result *res, const struct scan_args *a, double t0)
{
	if (!a->quiet)
		printf("hiveaudit: %ld host%s audited (%ld ready, %s%ld not ready, %ld unknown%s) "
		       "in %.1f s; "
		       "%ld failing finding%s; %zu folder%s could not be read, %zu cut at the "
		       "depth limit; reports in %s/\n",
		       res->hosts, res->hosts == 1 ? "" : "s", res->ready, waived_words(res),
		       res->not_ready, res->unknown,
		       res->reused ? ", some unchanged and re-evaluated from the store" : "",
		       cli_now() - t0, res->fails, res->fails == 1 ? "" : "s", res->dirs_unreadable,
		       res->dirs_unreadable == 1 ? "" : "s", res->dirs_deep, a->out);
	if (res->verify_changed)
		cli_error("scan",
		          "--verify: %ld file%s changed under an unchanged identity (see the "
		          "hives' reasons and the run's notes)",
		          res->verify_changed, res->verify_changed == 1 ? "" : "s");
}

int cmd_scan(int argc, char **argv)
{
	struct scan_args a = {0};
	struct ha_waivers *ws = NULL;
	struct ha_ruleset *rs = NULL;
	struct ha_scan_opts so = {0};
	struct ha_scan_result res;
	struct display disp = {0};
	struct ha_err err;
	struct ha_buf cmdline;
	int code;
	double t0 = cli_now();

	ha_err_clear(&err);
	stop_flag = 0;
	catch_stop_signals();
	ha_buf_init(&cmdline, 1 << 20);
	if ((code = scan_parse(argc, argv, &a, &err)) >= 0)
		goto done;
	code = HA_EXIT_ERROR;
	/* Rules first: a bad rule file is a usage error, found before any work. */
	if (cli_rules_load(&a.ro, &rs, &err)) {
		code = cli_fail("scan", &err);
		goto done;
	}
	/* A bad waiver file too (HA_ERR_RULES: exit 2), checked against the rules. */
	if (a.waivers &&
	    (ha_waivers_load_file(a.waivers, &ws, &err) || ha_waivers_check(ws, rs, &err))) {
		code = cli_fail("scan", &err);
		goto done;
	}
	if (stop_flag) {
		cli_error("scan",
		          "interrupted by signal %d before the run started; nothing was stored",
		          (int)stop_flag);
		goto done;
	}
	ha_scan_command_line(&cmdline, argc, argv);
	if (cli_passwords_env(&a.pw, &err)) {
		code = cli_fail("scan", &err);
		goto done;
	}
	scan_fill(&so, &a, argc, argv);
	so.rules = rs;
	so.waivers = ws;
	so.command = ha_buf_cstr(&cmdline);
	so.progress_ctx = &disp;
	disp.quiet = a.quiet;
	if (ha_scan_run(&so, &res, &err) != HA_OK) {
		code = scan_failed(&res, &err, a.out);
		goto done;
	}
	scan_summary(&res, &a, t0);
	code = res.fails ? HA_EXIT_FAIL : HA_EXIT_OK;
done:
	cli_passwords_free(&a.pw);
	ha_waivers_free(ws);
	ha_rules_free(rs);
	cli_rules_free(&a.ro);
	ha_buf_free(&cmdline);
	return code;
}
