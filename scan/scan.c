/* scan.c: ha_scan_run(), the pipeline in DESIGN.md's order.
 *
 *   scan_discover   PATH... -> the host list (a plain array: a filter over
 *                   it, such as a shard's, goes right after discovery)
 *   scan_start      the output folder (lock.c), the run's row, its rules
 *                   and notes, the reuse plan (reuse.c)
 *   scan_read       hosts unchanged by identity come from their saved
 *                   snapshots; the worker pool reads the others; each is
 *                   evaluated and stored whole (evaluate_and_store), in
 *                   transactions of up to 200 hosts or one second
 *   scan_finish     the run's final state: complete, interrupted, failed
 *   report          ha_report_write_all(), from the store alone
 *
 * STOPPING.  When *opts->stop becomes non-zero, workers are killed and
 * reaped, the hosts already evaluated are committed, the run is marked
 * 'interrupted', no report is written, and HA_ERR_INTERRUPTED is returned.
 * A run that was killed outright stays 'running' in the store; the next
 * scan into the same folder repairs it (lock.c).  Running the same scan
 * again finishes the job: unchanged hosts come from their saved snapshots
 * (reuse.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scan_internal.h"

/* Whole hosts per transaction; commit often enough that an interruption
 * loses little. */
#define COMMIT_HOSTS   200
#define COMMIT_SECONDS 1.0

struct scan {
	const struct ha_scan_opts *o;
	struct ha_scan_result *res;
	struct ha_reqset req;
	char digest[65];
	struct ha_fleet fleet;
	struct scan_folder folder;
	struct scan_reuse reuse;
	struct ha_eval_opts eo;
	struct scan_waivers waivers;
	size_t pending;
	double last_commit;
	int in_txn;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int stopped(const struct scan *s)
{
	return s->o->stop && *s->o->stop;
}

static void progress(const struct scan *s, enum ha_scan_event ev)
{
	struct ha_scan_progress p;

	if (!s->o->progress)
		return;
	p.event = ev;
	p.done = (size_t)s->res->hosts;
	p.total = s->fleet.nhosts;
	s->o->progress(s->o->progress_ctx, &p);
}

/* ------------------------------------------------------------- discover */

/* The hosts under the given paths, sorted by host folder.  A shard
 * (--shard K/N keeps the hosts whose folder, relative to its PATH, hashes to
 * K) is cut here, so that the run's hosts_total, the reuse plan and the
 * reading see only those hosts. */
static int scan_discover(struct scan *s, struct ha_err *err)
{
	/* Containers are listed in processes of their own under the workers'
	 * limits, with the passwords to try on encrypted entries. */
	struct ha_container_opts co = {0};
	int rc;

	co.passwords = s->o->passwords;
	co.npasswords = s->o->npasswords;
	co.timeout_sec = s->o->timeout_sec;
	co.mem_bytes = s->o->worker_mem;
	/* As many at once as there are workers; --hash none skips their
	 * hashes too. */
	co.jobs = s->o->jobs;
	co.no_hash = s->o->no_hash;
	co.max_hashed = s->o->container_hash_max;
	rc = ha_container_configure(&co, err);
	if (!rc)
		rc = ha_discover_until(s->o->paths, s->o->npaths, s->o->stop, &s->fleet, err);

	if (!rc && s->o->shard_n)
		rc = ha_fleet_shard(&s->fleet, s->o->paths, s->o->npaths, s->o->shard_k,
		                    s->o->shard_n, err);
	s->res->dirs_unreadable = s->fleet.unreadable_dirs;
	s->res->dirs_deep = s->fleet.deep_dirs;
	if (!rc)
		s->res->hosts_found = s->fleet.nhosts;
	return rc;
}

/* ---------------------------------------------------------------- start */

static int store_rules(struct ha_store *st, int64_t run_id, const struct ha_ruleset *rs,
                       struct ha_err *err)
{
	size_t n = ha_rules_count(rs), i;
	struct ha_store_rule *v = calloc(n ? n : 1, sizeof *v);
	int rc;

	if (!v)
		return ha_err_nomem(err);
	for (i = 0; i < n; i++) {
		const struct ha_rule_info *r = ha_rules_info(rs, i);

		v[i].id = r->id;
		v[i].title = r->title;
		v[i].severity = r->severity;
		v[i].category = r->category;
		v[i].source = r->source;
		v[i].applies = r->applies;
		v[i].remedy = r->remedy;
		v[i].reg = r->reg;
		v[i].origin = r->origin;
		v[i].decides = r->decides;
	}
	rc = ha_store_put_rules(st, run_id, v, n, err);
	free(v);
	return rc;
}

/* The run's row, with what it was asked to do. */
static int begin_run(struct scan *s, struct ha_err *err)
{
	struct ha_buf paths;
	char as_of_iso[32];
	size_t i;
	int rc;

	ha_buf_init(&paths, 1 << 20);
	for (i = 0; i < s->o->npaths; i++) {
		if (paths.len)
			ha_buf_putc(&paths, '\n');
		ha_buf_puts(&paths, s->o->paths[i]);
	}
	ha_unix_iso(s->o->as_of, as_of_iso);
	{
		struct ha_run_meta m = {HA_VERSION,
		                        as_of_iso,
		                        ha_rules_digest(s->o->rules),
		                        s->digest,
		                        ha_buf_cstr(&paths),
		                        s->o->command ? s->o->command : "",
		                        (long)s->fleet.nhosts};

		rc = ha_store_run_begin(s->folder.st, &m, &s->res->run_id, err);
	}
	if (!rc && s->o->shard_n)
		rc = ha_store_run_set_shard(s->folder.st, s->res->run_id, s->o->shard_k,
		                            s->o->shard_n, err);
	ha_buf_free(&paths);
	return rc;
}

/* The output folder, the run, its rules and notes, and the reuse plan.
 * Once the run is recorded, a failure marks it failed. */
static int scan_start(struct scan *s, struct ha_err *err)
{
	size_t i;
	int rc = scan_folder_open(s->o->out, &s->folder, err);

	if (rc)
		return rc;
	if (stopped(s))
		return ha_err_set(err, HA_ERR_INTERRUPTED, "interrupted");
	rc = begin_run(s, err);
	if (rc)
		return rc;
	s->res->state = HA_SCAN_FAILED; /* until it ends otherwise */
	rc = store_rules(s->folder.st, s->res->run_id, s->o->rules, err);
	if (!rc)
		rc = scan_waivers_begin(&s->waivers, s->o->waivers, s->o->as_of, s->folder.st,
		                        s->res->run_id, err);
	for (i = 0; !rc && i < s->fleet.nnotes; i++)
		rc = ha_store_put_note(s->folder.st, s->res->run_id, s->fleet.notes[i], err);
	if (!rc && s->o->no_hash)
		rc = ha_store_put_note(
		        s->folder.st, s->res->run_id,
		        "hive file hashes were not computed (--hash none): evidence names "
		        "the files by path, size and time only",
		        err);
	if (!rc) {
		struct scan_reuse_opts ro = {s->o->rescan, s->o->verify, s->o->no_hash};

		rc = scan_reuse_plan(s->folder.st, &s->fleet, s->digest, &ro, &s->reuse, err);
	}
	/* Root certificate blobs repeat across a fleet: parse each once. */
	if (!rc)
		rc = ha_cert_cache_new(&s->eo.certs, err);
	s->eo.as_of = s->o->as_of;
	return rc;
}

/* ----------------------------------------------------------------- read */

static int commit_pending(struct scan *s, struct ha_err *err)
{
	int rc = HA_OK;

	if (s->in_txn) {
		rc = ha_store_commit(s->folder.st, err);
		s->in_txn = 0;
		s->pending = 0;
		s->last_commit = now();
	}
	return rc;
}

/* Evaluates host hi's snapshot and stores it with its findings and the
 * identities of its files. */
static int evaluate_and_store(struct scan *s, size_t hi, const struct ha_snapshot *snap,
                              int64_t reused_from, struct ha_err *err)
{
	struct ha_findings fs;
	struct ha_facts facts;
	int64_t host_id;
	long fails = 0;
	int rc, waived_ready = 0;

	ha_findings_init(&fs);
	rc = ha_facts_derive(snap, &facts, err);
	if (!rc)
		rc = ha_rules_evaluate(s->o->rules, snap, &facts, &s->eo, &fs, err);
	if (!rc && !s->in_txn) {
		rc = ha_store_begin(s->folder.st, err);
		s->in_txn = !rc;
	}
	if (!rc)
		rc = ha_store_put_host(s->folder.st, s->res->run_id, snap, &facts, &fs, reused_from,
		                       &host_id, err);
	if (!rc)
		rc = scan_reuse_record(s->folder.st, &s->reuse, hi, &s->fleet.hosts[hi], snap,
		                       host_id, err);
	if (!rc)
		rc = scan_waivers_host(&s->waivers, s->folder.st, s->o->rules, host_id, snap->label,
		                       facts.computer_name, &fs, &fails, &waived_ready, err);
	if (!rc) {
		struct ha_scan_result *r = s->res;

		r->hosts++;
		if (waived_ready)
			r->ready_with_waivers++;
		else if (fs.verdict == HA_READY)
			r->ready++;
		else if (fs.verdict == HA_NOT_READY)
			r->not_ready++;
		else
			r->unknown++;
		r->fails += fails; /* waived FAILs do not count */
		if (++s->pending >= COMMIT_HOSTS || now() - s->last_commit > COMMIT_SECONDS)
			rc = commit_pending(s, err);
	}
	ha_findings_free(&fs);
	ha_facts_free(&facts);
	return rc;
}

/* The pool's result callback: a fresh snapshot (ours to free), or NULL
 * when the host is unchanged since its saved snapshot. */
static int on_host(void *ctx, size_t hi, struct ha_snapshot *snap, struct ha_err *err)
{
	struct scan *s = ctx;
	int rc;

	if (!snap) {
		struct ha_snapshot saved;
		int64_t from = scan_reuse_source(&s->reuse, hi);

		if (!from)
			return ha_err_set(err, HA_ERR_INTERNAL, "host %zu reported unchanged", hi);
		ha_snapshot_init(&saved);
		rc = ha_store_load_snapshot(s->folder.st, from, &saved, err);
		if (!rc) {
			s->res->reused++;
			rc = evaluate_and_store(s, hi, &saved, from, err);
		}
		ha_snapshot_free(&saved);
	} else {
		struct ha_buf notes;

		ha_buf_init(&notes, 1 << 20);
		rc = scan_reuse_verify(&s->reuse, hi, &s->fleet.hosts[hi], snap, &notes,
		                       &s->res->verify_changed, err);
		if (!rc && notes.len)
			rc = ha_store_put_note(s->folder.st, s->res->run_id, ha_buf_cstr(&notes),
			                       err);
		if (!rc)
			rc = evaluate_and_store(s, hi, snap, 0, err);
		ha_buf_free(&notes);
		ha_snapshot_free(snap);
		free(snap);
	}
	progress(s, HA_SCAN_EV_HOST);
	return rc;
}

static int scan_read(struct scan *s, struct ha_err *err)
{
	struct ha_read_opts rdo = {0};
	struct ha_pool_opts po = {0};
	size_t *todo, ntodo = 0, i;
	int rc = HA_OK;

	todo = calloc(s->fleet.nhosts ? s->fleet.nhosts : 1, sizeof *todo);
	if (!todo)
		return ha_err_nomem(err);
	s->last_commit = now();
	progress(s, HA_SCAN_EV_READING);
	/* Hosts unchanged by identity first: no worker, no file read. */
	for (i = 0; !rc && i < s->fleet.nhosts; i++) {
		if (!scan_reuse_without_reading(&s->reuse, i))
			todo[ntodo++] = i;
		else if (stopped(s))
			rc = ha_err_set(err, HA_ERR_INTERRUPTED, "interrupted");
		else
			rc = on_host(s, i, NULL, err);
	}
	rdo.no_replay = s->o->no_replay;
	rdo.no_hash = s->o->no_hash;
	po.jobs = s->o->jobs ? s->o->jobs : 1;
	po.timeout_sec = s->o->timeout_sec;
	po.cpu_sec = s->o->timeout_sec;
	po.mem_bytes = s->o->worker_mem;
	po.read = &rdo;
	po.stop = s->o->stop;
	po.fault = s->o->fault;
	po.reusable = scan_reuse_reusable;
	po.unchanged = scan_reuse_unchanged;
	po.reuse_ctx = &s->reuse;
	if (!rc)
		rc = stopped(s)
		             ? ha_err_set(err, HA_ERR_INTERRUPTED, "interrupted")
		             : ha_pool_run(&s->fleet, todo, ntodo, &s->req, &po, on_host, s, err);
	progress(s, HA_SCAN_EV_READ_END);
	free(todo);
	return rc;
}

/* --------------------------------------------------------------- finish */

/* Ends the run after reading returned `rc`. */
static int scan_finish(struct scan *s, int rc, struct ha_err *err)
{
	struct ha_err e2;

	ha_err_clear(&e2);
	if (rc == HA_ERR_INTERRUPTED) {
		/* The hosts evaluated so far are kept. */
		if (commit_pending(s, &e2) == HA_OK &&
		    ha_store_run_end(s->folder.st, s->res->run_id, HA_RUN_INTERRUPTED, &e2) ==
		            HA_OK)
			s->res->state = HA_SCAN_INTERRUPTED;
		else {
			*err = e2; /* the store refused: the next scan closes the run */
			s->res->state = HA_SCAN_INTERRUPTED;
			return e2.code ? e2.code : HA_ERR_STORE;
		}
		return rc;
	}
	if (!rc)
		rc = commit_pending(s, err);
	if (!rc)
		rc = scan_waivers_end(&s->waivers, s->folder.st, s->res->run_id, s->o->message,
		                      s->o->message_ctx, err);
	if (!rc)
		rc = ha_store_run_end(s->folder.st, s->res->run_id, HA_RUN_COMPLETE, err);
	if (!rc) {
		s->res->state = HA_SCAN_COMPLETE;
		return HA_OK;
	}
	return rc;
}

/* A run that failed after it was recorded: hosts committed so far stay;
 * the run is marked failed, or, if the store refuses even that (locked,
 * disk full), left open for the next scan to close. */
static void mark_failed(struct scan *s)
{
	struct ha_err e2;

	ha_err_clear(&e2);
	if (s->in_txn) {
		ha_store_rollback(s->folder.st);
		s->in_txn = 0;
	}
	if (ha_store_run_end(s->folder.st, s->res->run_id, HA_RUN_FAILED, &e2) != HA_OK) {
		/* left 'running': the next scan marks it interrupted */
	}
}

/* What only reading needed goes before the reports are written, so that
 * the run's peak memory is that of the larger phase, not of both. */
static void drop_reading(struct scan *s)
{
	ha_fleet_free(&s->fleet);
	memset(&s->fleet, 0, sizeof s->fleet);
	scan_reuse_free(&s->reuse);
	ha_cert_cache_free(s->eo.certs);
	s->eo.certs = NULL;
}

int ha_scan_run(const struct ha_scan_opts *o, struct ha_scan_result *res, struct ha_err *err)
{
	struct scan s;
	int rc;

	memset(res, 0, sizeof *res);
	memset(&s, 0, sizeof s);
	s.o = o;
	s.res = res;
	s.folder.lockfd = -1;
	ha_reqset_init(&s.req);
	rc = o->verify && o->no_hash ? ha_err_set(err, HA_ERR_USAGE,
	                                          "--verify needs the hashes: not with --hash none")
	                             : ha_rules_requests(o->rules, &s.req, err);
	if (!rc)
		rc = ha_reqset_digest(&s.req, s.digest, err);
	if (!rc && stopped(&s))
		rc = ha_err_set(err, HA_ERR_INTERRUPTED, "interrupted");
	if (!rc)
		rc = scan_discover(&s, err);
	if (!rc && stopped(&s))
		rc = ha_err_set(err, HA_ERR_INTERRUPTED, "interrupted");
	if (!rc)
		rc = scan_start(&s, err);
	if (!rc)
		rc = scan_read(&s, err);
	if (res->state == HA_SCAN_FAILED)
		rc = scan_finish(&s, rc, err);
	if (rc && res->state == HA_SCAN_FAILED)
		mark_failed(&s);
	if (res->state == HA_SCAN_COMPLETE) {
		/* The audit is complete in the store; the reports are derived
		 * from it and can be written again at any time. */
		progress(&s, HA_SCAN_EV_REPORTS);
		drop_reading(&s);
		rc = ha_report_write_all(s.folder.st, res->run_id, o->out, o->formats, o->stop,
		                         err);
		res->reports_written = rc == HA_OK;
	}
	if (s.in_txn)
		ha_store_rollback(s.folder.st);
	scan_folder_close(&s.folder);
	drop_reading(&s);
	scan_waivers_free(&s.waivers);
	ha_reqset_free(&s.req);
	return rc;
}

void ha_scan_command_line(struct ha_buf *b, int argc, char *const *argv)
{
	int i;

	ha_buf_puts(b, "hiveaudit");
	for (i = 0; i < argc; i++)
		ha_buf_printf(b, " %s",
		              i && !strcmp(argv[i - 1], "--password") ? "(password)"
		              : !strncmp(argv[i], "--password=", 11)  ? "--password=(password)"
		                                                      : argv[i]);
}
