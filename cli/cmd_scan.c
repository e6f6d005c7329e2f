/* cmd_scan.c: `hiveaudit scan`, the main job: discover, read (in worker
 * processes), evaluate, store, report.
 *
 * STOPPING.  SIGINT, SIGTERM and SIGHUP ask the scan to stop: workers are
 * killed and reaped, the hosts already evaluated are committed, the run is
 * marked 'interrupted', no report is written, and the exit status is 3.  A
 * second signal of the same kind ends the process at once (the store stays
 * consistent: every transaction holds whole hosts).  A run that was killed
 * outright (SIGKILL, power loss) stays 'running' in the store; the next scan
 * into the same folder, holding the folder's lock, marks it 'interrupted',
 * and removes report temporaries its process left behind.  Running the same
 * command again finishes the job: hosts whose files did not change are
 * re-evaluated from their saved snapshots instead of being read again. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cli_passwords.h"
#include "cli_rules.h"
#include "ha_ingest.h"
#include "ha_report.h"
#include "ha_rules.h"
#include "ha_store.h"

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

static void interrupted_message(void)
{
	cli_error("scan", "interrupted by signal %d before the run started; nothing was stored",
	          (int)stop_flag);
}

static void scan_usage(FILE *f)
{
	fprintf(f,
		"usage: hiveaudit scan [options] PATH...\n\n"
		"Audits every host found under PATH (a fleet folder, a host folder, or hive files):\n"
		"reads its SYSTEM and SOFTWARE hives in worker processes, applies the rules, and\n"
		"writes DIR/audit.db, DIR/findings.csv, DIR/hosts.csv and DIR/report.html.\n"
		"PATH may also be a collection container: a zip (zip64, AES, ZipCrypto), tar,\n"
		"tar.gz, tar.xz or 7z archive (Velociraptor, CyLR, KAPE layouts; a zip inside a zip\n"
		"is opened too), or a disk image (E01 with its E02..., raw or split raw .001, VHD,\n"
		"VHDX, VMDK; GPT, MBR or bare NTFS).  Nothing is extracted to disk.\n"
		"\n"
		"Options:\n"
		"  -o, --out DIR        output folder (default ./" HA_DEFAULT_OUT ")\n"
		"      --rules FILE     load a rule file too (a rule with a built-in id replaces it);\n"
		"                       may be repeated\n"
		"      --no-builtin     do not load the built-in TLS 1.2 rule pack\n"
		"  -j, --jobs N         worker processes at once (default: number of CPUs)\n"
		"      --timeout SEC    wall-clock limit per host (default 300)\n"
		"      --worker-mem MB  address-space limit per worker (default 4096)\n"
		"      --as-of DATE     audit date YYYY-MM-DD for certificate expiry (default today)\n"
		"      --json           also write DIR/findings.jsonl (JSON Lines)\n"
		"      --rescan         read every host again, even if unchanged since the last run\n"
		"      --no-replay      read dirty hives as they are, without their logs\n"
		"      --password PW    password for encrypted containers; may be repeated\n"
		"      --password-file FILE  passwords, one a line (also: HIVEAUDIT_PASSWORD)\n"
		"  -q, --quiet          no progress display and no summary\n"
		"  -h, --help           this help\n\n"
		"Exit codes: 0 done and no finding is FAIL; 1 done and some finding is FAIL;\n"
		"2 usage error; 3 the run could not complete (output not writable, store locked,\n"
		"interrupted).  A damaged or hostile hive never stops the run: it becomes\n"
		"findings with status UNKNOWN.\n");
}

struct scanctx {
	struct ha_store *st;
	int64_t run_id;
	const struct ha_ruleset *rs;
	struct ha_eval_opts eo;
	const struct ha_fleet *fleet;
	int64_t *prev;        /* per host: saved snapshot to reuse, or 0 */
	size_t pending;
	double last_commit;
	int in_txn;
	struct progress prog;
	long hosts, ready, not_ready, unknown, reused, fails;
};

static int commit_pending(struct scanctx *c, struct ha_err *err)
{
	int rc = HA_OK;

	if (c->in_txn) {
		rc = ha_store_commit(c->st, err);
		c->in_txn = 0;
		c->pending = 0;
		c->last_commit = cli_now();
	}
	return rc;
}

static int on_host(void *ctx, size_t hi, struct ha_snapshot *snap, struct ha_err *err)
{
	struct scanctx *c = ctx;
	struct ha_snapshot saved;
	struct ha_findings fs;
	struct ha_facts facts;
	int64_t host_id, reused_from = 0;
	size_t i;
	int rc;

	if (!snap) {
		ha_snapshot_init(&saved);
		rc = ha_store_load_snapshot(c->st, c->prev[hi], &saved, err);
		if (rc) {
			ha_snapshot_free(&saved);
			return rc;
		}
		snap = &saved;
		reused_from = c->prev[hi];
		c->reused++;
	}
	ha_findings_init(&fs);
	rc = ha_facts_derive(snap, &facts, err);
	if (!rc)
		rc = ha_rules_evaluate(c->rs, snap, &facts, &c->eo, &fs, err);
	if (!rc && !c->in_txn) {
		rc = ha_store_begin(c->st, err);
		c->in_txn = !rc;
	}
	if (!rc)
		rc = ha_store_put_host(c->st, c->run_id, snap, &facts, &fs, reused_from, &host_id, err);
	if (!rc) {
		c->hosts++;
		if (fs.verdict == HA_READY)
			c->ready++;
		else if (fs.verdict == HA_NOT_READY)
			c->not_ready++;
		else
			c->unknown++;
		for (i = 0; i < fs.n; i++)
			if (fs.v[i].status == HA_FAIL)
				c->fails++;
		/* Whole hosts per transaction; commit often enough that an
		 * interruption loses little. */
		if (++c->pending >= 200 || cli_now() - c->last_commit > 1.0)
			rc = commit_pending(c, err);
	}
	ha_findings_free(&fs);
	ha_facts_free(&facts);
	if (snap == &saved)
		ha_snapshot_free(&saved);
	else {
		ha_snapshot_free(snap);
		free(snap);
	}
	progress_step(&c->prog);
	return rc;
}

/* Marks hosts whose files may be unchanged since a saved snapshot. */
static int prepare_reuse(struct ha_store *st, struct ha_fleet *fleet, const char *digest,
			 int64_t *prev, struct ha_err *err)
{
	size_t i, j, k;
	int rc;

	for (i = 0; i < fleet->nhosts; i++) {
		struct ha_host_job *h = &fleet->hosts[i];
		struct ha_snapshot s;
		int64_t id = 0;
		int all = 1;

		ha_snapshot_init(&s);
		rc = ha_store_previous(st, h->dir, digest, &id, &s, err);
		if (rc) {
			ha_snapshot_free(&s);
			return rc;
		}
		if (id && s.nfiles == h->nfiles) {
			for (j = 0; j < h->nfiles && all; j++) {
				struct ha_job_file *jf = &h->files[j];
				int found = 0;

				for (k = 0; k < s.nfiles; k++) {
					const struct ha_hivefile *f = &s.files[k];

					if (strcmp(f->path, jf->path) != 0)
						continue;
					/* Files recorded without reading (backups) match
					 * by path; the others by size, time and SHA-256.
					 * A dirty hive's answer depends on its logs too,
					 * so it is always read again. */
					if (jf->skip_status) {
						jf->has_prev = 1;
						found = 1;
					} else if (f->sha256[0] && !(f->dirty && f->nlogs) &&
						   f->nlogs == jf->nlogs) {
						jf->has_prev = 1;
						jf->prev_size = f->size;
						jf->prev_mtime_ns = f->mtime_ns;
						memcpy(jf->prev_sha256, f->sha256, sizeof jf->prev_sha256);
						found = 1;
					}
					break;
				}
				all = found;
			}
			if (all) {
				h->reuse = 1;
				prev[i] = id;
			}
		}
		ha_snapshot_free(&s);
	}
	return HA_OK;
}

struct run_status {
	int found;
	char status[32];
};

static int run_status_cb(void *ctx, const struct ha_run_row *r)
{
	struct run_status *rs = ctx;

	rs->found = 1;
	snprintf(rs->status, sizeof rs->status, "%s", r->status ? r->status : "");
	return 0;
}

/* Runs still 'running' were killed outright: we hold the folder's lock, so
 * no live scan is writing them.  They become 'interrupted' (finished_at is
 * when this was noticed), newest first, down to the first that ended. */
static int close_stale_runs(struct ha_store *st, struct ha_err *err)
{
	int64_t id = 0;
	int rc = ha_store_latest_run(st, &id, err);

	for (; !rc && id > 0; id--) {
		struct run_status rs = {0, ""};

		rc = ha_store_get_run(st, id, run_status_cb, &rs, err);
		if (rc || !rs.found || strcmp(rs.status, "running") != 0)
			break;
		rc = ha_store_run_end(st, id, "interrupted", err);
	}
	return rc;
}

static const char *const report_names[] = {"findings.csv", "hosts.csv", "report.html",
                                           "findings.jsonl"};

/* Removes "<report>.tmp-<pid>" files (report/out.c) in `out` whose process
 * no longer exists: what a scan killed while writing its reports left. */
static void remove_stale_temporaries(const char *out)
{
	DIR *d = opendir(out);
	struct dirent *e;

	while (d && (e = readdir(d)) != NULL) {
		size_t i;

		for (i = 0; i < sizeof report_names / sizeof report_names[0]; i++) {
			size_t n = strlen(report_names[i]);
			uint64_t pid;
			char *p;

			if (strncmp(e->d_name, report_names[i], n) != 0 ||
			    strncmp(e->d_name + n, ".tmp-", 5) != 0 ||
			    ha_parse_u64(e->d_name + n + 5, &pid) != HA_OK || pid == 0 ||
			    pid > 0x7FFFFFFF)
				continue;
			if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
				continue; /* alive (a `report` writing here), or not ours to judge
				           */
			p = ha_asprintf("%s/%s", out, e->d_name);
			if (p)
				unlink(p);
			free(p);
		}
	}
	if (d)
		closedir(d);
}

static int write_reports(struct ha_store *st, int64_t run_id, const char *out, int json,
			 struct ha_err *err)
{
	char *p;
	int rc;

	/* Each report is written whole or not at all (report/out.c); a stop
	 * request is honoured between two of them. */
	p = ha_asprintf("%s/findings.csv", out);
	rc = p ? ha_report_findings_csv(st, run_id, p, err) : HA_ERR_NOMEM;
	free(p);
	if (!rc && stop_flag)
		rc = ha_err_set(err, HA_ERR_INTERRUPTED, "interrupted");
	if (!rc) {
		p = ha_asprintf("%s/hosts.csv", out);
		rc = p ? ha_report_hosts_csv(st, run_id, p, err) : HA_ERR_NOMEM;
		free(p);
	}
	if (!rc && stop_flag)
		rc = ha_err_set(err, HA_ERR_INTERRUPTED, "interrupted");
	if (!rc) {
		p = ha_asprintf("%s/report.html", out);
		rc = p ? ha_report_html(st, run_id, p, err) : HA_ERR_NOMEM;
		free(p);
	}
	if (!rc && stop_flag && json)
		rc = ha_err_set(err, HA_ERR_INTERRUPTED, "interrupted");
	if (!rc && json) {
		p = ha_asprintf("%s/findings.jsonl", out);
		rc = p ? ha_report_jsonl(st, run_id, p, err) : HA_ERR_NOMEM;
		free(p);
	}
	if (rc == HA_ERR_NOMEM && !err->msg[0])
		ha_err_set(err, rc, "out of memory");
	return rc;
}

int cmd_scan(int argc, char **argv)
{
	static const struct option opts[] = {
		{"out", required_argument, NULL, 'o'},	   {"rules", required_argument, NULL, 'r'},
		{"no-builtin", no_argument, NULL, 'B'},	   {"jobs", required_argument, NULL, 'j'},
		{"timeout", required_argument, NULL, 't'}, {"worker-mem", required_argument, NULL, 'm'},
		{"as-of", required_argument, NULL, 'a'},   {"json", no_argument, NULL, 'J'},
		{"rescan", no_argument, NULL, 'R'},	   {"no-replay", no_argument, NULL, 'N'},
		{"quiet", no_argument, NULL, 'q'},	   {"help", no_argument, NULL, 'h'},
		{"password", required_argument, NULL, 'P'}, {"password-file", required_argument, NULL, 'F'},
		{NULL, 0, NULL, 0},
	};
	const char *out = HA_DEFAULT_OUT;
	struct cli_rules_opts ro = {0};
	long jobs = sysconf(_SC_NPROCESSORS_ONLN), timeout = 300, mem = 4096;
	int json = 0, rescan = 0, no_replay = 0, quiet = 0, opt, rc, lockfd = -1, code = HA_EXIT_ERROR;
	int64_t as_of = (int64_t)time(NULL);
	char as_of_iso[32], digest[65];
	struct ha_ruleset *rs = NULL;
	struct ha_reqset req;
	struct ha_fleet fleet = {0};
	struct cli_passwords pw = {0};
	struct ha_store *st = NULL;
	struct ha_err err;
	struct ha_buf paths, cmdline;
	struct scanctx c;
	size_t *todo = NULL, i;
	char *dbpath = NULL, *lockpath = NULL;
	double t0 = cli_now();

	ha_err_clear(&err);
	stop_flag = 0;
	catch_stop_signals();
	ha_reqset_init(&req);
	ha_buf_init(&paths, 1 << 20);
	ha_buf_init(&cmdline, 1 << 20);
	memset(&c, 0, sizeof c);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "o:j:qh", opts, NULL)) != -1) {
		switch (opt) {
		case 'o': out = optarg; break;
		case 'r':
			if (cli_rules_add_file(&ro, optarg)) {
				cli_error("scan", "out of memory");
				goto done;
			}
			break;
		case 'B': ro.no_builtin = 1; break;
		case 'j':
			if ((jobs = cli_number(optarg, 1, 256)) < 0) {
				cli_error("scan", "--jobs takes a number from 1 to 256, not '%s'", optarg);
				code = HA_EXIT_USAGE;
				goto done;
			}
			break;
		case 't':
			if ((timeout = cli_number(optarg, 1, 86400)) < 0) {
				cli_error("scan", "--timeout takes seconds from 1 to 86400, not '%s'", optarg);
				code = HA_EXIT_USAGE;
				goto done;
			}
			break;
		case 'm':
			if ((mem = cli_number(optarg, 64, 1 << 20)) < 0) {
				cli_error("scan", "--worker-mem takes megabytes from 64 up, not '%s'", optarg);
				code = HA_EXIT_USAGE;
				goto done;
			}
			break;
		case 'a':
			if (ha_parse_date(optarg, &as_of) != HA_OK) {
				cli_error("scan", "--as-of takes a date YYYY-MM-DD, not '%s'", optarg);
				code = HA_EXIT_USAGE;
				goto done;
			}
			break;
		case 'J': json = 1; break;
		case 'R': rescan = 1; break;
		case 'N': no_replay = 1; break;
		case 'q': quiet = 1; break;
		case 'P':
		case 'F':
			rc = opt == 'P' ? cli_passwords_add(&pw, optarg, &err)
					: cli_passwords_file(&pw, optarg, &err);
			if (rc) {
				code = cli_fail("scan", &err);
				goto done;
			}
			break;
		case 'h': scan_usage(stdout); code = HA_EXIT_OK; goto done;
		default: scan_usage(stderr); code = HA_EXIT_USAGE; goto done;
		}
	}
	if (optind >= argc) {
		cli_error("scan", "no PATH given (try 'hiveaudit scan --help')");
		code = HA_EXIT_USAGE;
		goto done;
	}
	if (jobs < 1)
		jobs = 1;
	ha_unix_iso(as_of, as_of_iso);

	/* Rules first: a bad rule file is a usage error, found before any work. */
	rc = cli_rules_load(&ro, &rs, &err);
	if (!rc)
		rc = ha_rules_requests(rs, &req, &err);
	if (!rc)
		rc = ha_reqset_digest(&req, digest, &err);
	if (rc) {
		code = cli_fail("scan", &err);
		goto done;
	}
	rc = cli_passwords_apply(&pw, (unsigned)timeout, (uint64_t)mem << 20, &err);
	if (!rc)
		rc = ha_discover((const char *const *)argv + optind, (size_t)(argc - optind), &fleet,
				 &err);
	if (rc) {
		code = cli_fail("scan", &err);
		goto done;
	}
	if (stop_flag) {
		interrupted_message();
		goto done;
	}

	/* The output folder, guarded against a second scan writing it. */
	rc = cli_mkdirs(out, &err);
	if (rc) {
		code = cli_fail("scan", &err);
		goto done;
	}
	lockpath = ha_asprintf("%s/.hiveaudit.lock", out);
	dbpath = ha_asprintf("%s/audit.db", out);
	if (!lockpath || !dbpath) {
		cli_error("scan", "out of memory");
		goto done;
	}
	lockfd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (lockfd < 0) {
		cli_error("scan", "cannot write to '%s': %s", out, strerror(errno));
		goto done;
	}
	if (flock(lockfd, LOCK_EX | LOCK_NB) != 0) {
		cli_error("scan", "another hiveaudit scan is writing to '%s'", out);
		goto done;
	}
	rc = ha_store_open(dbpath, HA_STORE_CREATE, &st, &err);
	if (!rc)
		rc = close_stale_runs(st, &err);
	if (rc) {
		code = cli_fail("scan", &err);
		goto done;
	}
	remove_stale_temporaries(out);
	if (stop_flag) {
		interrupted_message();
		goto done;
	}

	for (i = (size_t)optind; i < (size_t)argc; i++) {
		if (paths.len)
			ha_buf_putc(&paths, '\n');
		ha_buf_puts(&paths, argv[i]);
	}
	ha_buf_puts(&cmdline, "hiveaudit");
	for (i = 0; i < (size_t)argc; i++) /* the store never keeps a password */
		ha_buf_printf(&cmdline, " %s",
			      i && !strcmp(argv[i - 1], "--password")	 ? "(password)"
			      : !strncmp(argv[i], "--password=", 11) ? "--password=(password)"
								     : argv[i]);
	{
		struct ha_run_meta m = {HA_VERSION, as_of_iso, ha_rules_digest(rs), digest,
					ha_buf_cstr(&paths), ha_buf_cstr(&cmdline), (long)fleet.nhosts};

		rc = ha_store_run_begin(st, &m, &c.run_id, &err);
	}
	if (!rc)
		rc = cli_rules_store(st, c.run_id, rs, &err);
	for (i = 0; !rc && i < fleet.nnotes; i++)
		rc = ha_store_put_note(st, c.run_id, fleet.notes[i], &err);
	c.prev = calloc(fleet.nhosts ? fleet.nhosts : 1, sizeof *c.prev);
	todo = calloc(fleet.nhosts ? fleet.nhosts : 1, sizeof *todo);
	if (!rc && (!c.prev || !todo))
		rc = ha_err_set(&err, HA_ERR_NOMEM, "out of memory");
	if (!rc && !rescan)
		rc = prepare_reuse(st, &fleet, digest, c.prev, &err);
	if (rc) {
		struct ha_err e2;

		ha_err_clear(&e2);
		if (c.run_id && ha_store_run_end(st, c.run_id, "failed", &e2) != HA_OK) {
			/* left 'running': the next scan marks it interrupted */
		}
		code = cli_fail("scan", &err);
		goto done;
	}
	for (i = 0; i < fleet.nhosts; i++)
		todo[i] = i;

	c.st = st;
	c.rs = rs;
	c.eo.as_of = as_of;
	/* Root certificate blobs repeat across a fleet: parse each once. */
	rc = ha_cert_cache_new(&c.eo.certs, &err);
	if (rc) {
		code = cli_fail("scan", &err);
		goto done;
	}
	c.fleet = &fleet;
	c.last_commit = cli_now();
	progress_init(&c.prog, fleet.nhosts, quiet);
	{
		struct ha_read_opts rdo = {0};
		struct ha_pool_opts po = {0};

		rdo.no_replay = no_replay;
		po.jobs = (unsigned)jobs;
		po.timeout_sec = (unsigned)timeout;
		po.cpu_sec = (unsigned)timeout;
		po.mem_bytes = (uint64_t)mem << 20;
		po.read = &rdo;
		po.stop = &stop_flag;
		po.fault = getenv("HIVEAUDIT_TEST_FAULT");
		rc = stop_flag ? ha_err_set(&err, HA_ERR_INTERRUPTED, "interrupted")
		               : ha_pool_run(&fleet, todo, fleet.nhosts, &req, &po, on_host, &c,
		                             &err);
	}
	progress_end(&c.prog);
	if (rc == HA_ERR_INTERRUPTED) {
		struct ha_err e2;

		ha_err_clear(&e2);
		if (commit_pending(&c, &e2) == HA_OK &&
		    ha_store_run_end(st, c.run_id, "interrupted", &e2) == HA_OK)
			cli_error("scan",
				  "interrupted by signal %d: %ld of %zu hosts stored in %s; run the same "
				  "command again to finish (unchanged hosts are not read twice)",
				  (int)stop_flag, c.hosts, fleet.nhosts, dbpath);
		else
			cli_error("scan", "interrupted; %s", e2.msg);
		goto done;
	}
	if (!rc)
		rc = commit_pending(&c, &err);
	if (rc) {
		struct ha_err e2;

		/* Hosts committed so far stay; the run is marked failed, or, if
		 * the store refuses even that (locked, disk full), left open for
		 * the next scan to close.  One line: the error that stopped us. */
		ha_err_clear(&e2);
		ha_store_rollback(st);
		c.in_txn = 0;
		if (ha_store_run_end(st, c.run_id, "failed", &e2) != HA_OK) {
			/* left 'running': the next scan marks it interrupted */
		}
		code = cli_fail("scan", &err);
		goto done;
	}
	rc = ha_store_run_end(st, c.run_id, "complete", &err);
	if (rc) {
		code = cli_fail("scan", &err);
		goto done;
	}
	/* The audit is complete in the store; the reports are derived from it
	 * and can be written again at any time.  What only reading needed goes
	 * first, so that the run's peak memory is that of the larger phase,
	 * not of both. */
	ha_fleet_free(&fleet);
	free(todo);
	todo = NULL;
	free(c.prev);
	c.prev = NULL;
	ha_cert_cache_free(c.eo.certs);
	c.eo.certs = NULL;
	rc = stop_flag ? ha_err_set(&err, HA_ERR_INTERRUPTED, "interrupted")
	               : write_reports(st, c.run_id, out, json, &err);
	if (rc == HA_ERR_INTERRUPTED) {
		cli_error("scan",
		          "interrupted by signal %d while writing the reports; the run is complete "
		          "in %s: 'hiveaudit report --db %s --out %s' writes them",
		          (int)stop_flag, dbpath, dbpath, out);
		goto done;
	}
	if (rc) {
		cli_error("scan",
		          "%s (the run is complete in %s; 'hiveaudit report' can write the "
		          "reports again)",
		          err.msg, dbpath);
		code = cli_exit_for(err.code);
		goto done;
	}
	if (!quiet)
		printf("hiveaudit: %ld host%s audited (%ld ready, %ld not ready, %ld unknown%s) in %.1f s; "
		       "%ld failing finding%s; reports in %s/\n",
		       c.hosts, c.hosts == 1 ? "" : "s", c.ready, c.not_ready, c.unknown,
		       c.reused ? ", some unchanged and re-evaluated from the store" : "",
		       cli_now() - t0, c.fails, c.fails == 1 ? "" : "s", out);
	code = c.fails ? HA_EXIT_FAIL : HA_EXIT_OK;
done:
	if (st && c.in_txn)
		ha_store_rollback(st);
	ha_store_close(st);
	if (lockfd >= 0)
		close(lockfd);
	free(lockpath);
	free(dbpath);
	free(todo);
	free(c.prev);
	ha_fleet_free(&fleet);
	cli_passwords_free(&pw);
	ha_reqset_free(&req);
	ha_rules_free(rs);
	ha_cert_cache_free(c.eo.certs);
	cli_rules_free(&ro);
	ha_buf_free(&paths);
	ha_buf_free(&cmdline);
	return code;
}
