/* diff.c: drift between two stored runs (`hiveaudit diff`, changes.csv and
 * the "Since the last audit" section of report.html).
 *
 * (Over 1,000 lines: matching hosts across runs, ranking changes and writing
 * three formats and changes.csv share one data model.)
 *
 * It reads only the store.  Hosts of the two runs are matched, in order:
 *   1. by folder: the same host folder in both runs;
 *   2. by label: the same collection-folder name (the folder moved);
 *   3. by computer name and hive identity: the same ComputerName and at
 *      least one SYSTEM or SOFTWARE hive file with the same SHA-256 (the
 *      folder was renamed).  A renamed folder whose hives all changed too
 *      shows as one host gone and one new: nothing else ties the two.
 * Cloned machines share a computer name but not their hive files, so step
 * 3 keeps them apart; 1 and 2 are reported as "label", 3 as "computer
 * name and hive".
 *
 * What counts as a change: a host new or gone, a host renamed, a host
 * whose verdict changed, and every (host, rule) whose status changed.
 * Statuses and verdicts are ranked by how bad they are (PASS and
 * NOT_APPLICABLE < WARN < UNKNOWN < FAIL; ready < ready_with_waivers <
 * unknown < not_ready): a move up is "regressed", down "fixed", sideways
 * (PASS <-> NOT_APPLICABLE) "changed".  Something regressed when a matched
 * host's verdict or one of its findings regressed; a new host is not a
 * regression (it was never audited before).
 *
 * Memory: hosts of both runs are held (label, folder, computer name,
 * verdict), findings only for the pair of hosts being compared and then
 * only those whose status changed. */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ha_report.h"

/* ------------------------------------------------------------- helpers */

static int status_rank(enum ha_status s)
{
	switch (s) {
	case HA_FAIL: return 3;
	case HA_UNKNOWN: return 2;
	case HA_WARN: return 1;
	default: return 0; /* PASS, NOT_APPLICABLE */
	}
}

static int verdict_rank(enum ha_verdict v)
{
	switch (v) {
	case HA_NOT_READY: return 3;
	case HA_VERDICT_UNKNOWN: return 2;
	case HA_READY_WITH_WAIVERS: return 1;
	default: return 0; /* ready */
	}
}

static int change_of(int old_rank, int new_rank)
{
	return new_rank > old_rank   ? HA_CHG_REGRESSED
	       : new_rank < old_rank ? HA_CHG_FIXED
	                             : HA_CHG_CHANGED;
}

const char *ha_diff_change_name(int change)
{
	static const char *const names[] = {"new",       "gone",  "renamed",
	                                    "regressed", "fixed", "changed"};

	return change >= 0 && change < (int)(sizeof names / sizeof names[0]) ? names[change] : "";
}

const char *ha_diff_match_name(int match)
{
	switch (match) {
	case HA_MATCH_LABEL: return "label";
	case HA_MATCH_NAME_HIVE: return "computer name and hive";
	default: return "";
	}
}

/* --------------------------------------------------------- picking runs */

struct pickctx {
	int64_t to, from, newest;
	char *to_paths;
	int nomem;
};

static int newest_cb(void *ctx, const struct ha_run_summary *r)
{
	struct pickctx *p = ctx;

	if (r->status == HA_RUN_COMPLETE)
		p->newest = r->run_id;
	return 0;
}

static int paths_cb(void *ctx, const struct ha_run_summary *r)
{
	struct pickctx *p = ctx;

	if (r->run_id == p->to) {
		free(p->to_paths);
		p->to_paths = ha_strdup(r->paths);
		p->nomem |= !p->to_paths;
	}
	return 0;
}

static int from_cb(void *ctx, const struct ha_run_summary *r)
{
	struct pickctx *p = ctx;

	if (r->run_id < p->to && r->status == HA_RUN_COMPLETE && p->to_paths &&
	    !strcmp(r->paths, p->to_paths))
		p->from = r->run_id;
	return 0;
}

int ha_diff_pick_runs(struct ha_store *st, int64_t *from, int64_t *to, struct ha_err *err)
{
	struct pickctx p;
	int rc = HA_OK;

	memset(&p, 0, sizeof p);
	p.to = *to;
	if (!p.to) {
		rc = ha_store_each_run(st, newest_cb, &p, err);
		if (!rc && !p.newest)
			return ha_err_set(err, HA_ERR_NOTFOUND, "the store holds no complete run");
		p.to = p.newest;
	}
	if (!rc && !*from) {
		rc = ha_store_each_run(st, paths_cb, &p, err);
		if (!rc && p.nomem)
			rc = ha_err_nomem(err);
		if (!rc && !p.to_paths)
			rc = ha_err_set(err, HA_ERR_NOTFOUND, "the store holds no run %lld",
			                (long long)p.to);
		if (!rc)
			rc = ha_store_each_run(st, from_cb, &p, err);
		if (!rc && !p.from)
			rc = ha_err_set(err, HA_ERR_NOTFOUND,
			                "the store holds no complete run before run %lld over the "
			                "same paths",
			                (long long)p.to);
		if (!rc)
			*from = p.from;
	}
	if (!rc)
		*to = p.to;
	free(p.to_paths);
	return rc;
}

/* ------------------------------------------------------------ the hosts */

struct hrec {
	char *label, *dir, *cn;
	enum ha_verdict verdict;
	int64_t id;
	long other; /* index of the matched host in the other run, or -1 */
	int match;
	int shas_loaded;
	char *sha[2]; /* SHA-256 of the SYSTEM and SOFTWARE hive files, or NULL */
};

struct hlist {
	struct hrec *v;
	size_t n, cap;
	int nomem;
};

static int host_cb(void *ctx, const struct ha_host_row *h)
{
	struct hlist *l = ctx;
	struct hrec *r;

	if (ha_array_grow(&l->v, &l->cap, l->n, sizeof *l->v, 64)) {
		l->nomem = 1;
		return HA_ERR_NOMEM;
	}
	r = &l->v[l->n];
	memset(r, 0, sizeof *r);
	r->label = ha_strdup(h->label);
	r->dir = ha_strdup(h->dir);
	r->cn = ha_strdup(h->computer_name);
	r->verdict = h->verdict;
	r->id = h->host_id;
	r->other = -1;
	r->match = -1;
	l->n++;
	if (!r->label || !r->dir || !r->cn) {
		l->nomem = 1;
		return HA_ERR_NOMEM;
	}
	return 0;
}

static void hlist_free(struct hlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].label);
		free(l->v[i].dir);
		free(l->v[i].cn);
		free(l->v[i].sha[0]);
		free(l->v[i].sha[1]);
	}
	free(l->v);
}

static int load_hosts(struct ha_store *st, int64_t run, struct hlist *l, struct ha_err *err)
{
	int rc = ha_store_each_host(st, run, NULL, host_cb, l, err);

	if (rc && l->nomem)
		return ha_err_nomem(err);
	return rc;
}

static int hive_cb(void *ctx, const struct ha_hive_row *h)
{
	struct hrec *r = ctx;
	int k = !strcmp(h->role, "SYSTEM") ? 0 : !strcmp(h->role, "SOFTWARE") ? 1 : -1;

	if (k >= 0 && h->sha256[0] && !r->sha[k]) {
		r->sha[k] = ha_strdup(h->sha256);
		if (!r->sha[k])
			return HA_ERR_NOMEM;
	}
	return 0;
}

static int load_shas(struct ha_store *st, struct hrec *r, struct ha_err *err)
{
	int rc;

	if (r->shas_loaded)
		return HA_OK;
	r->shas_loaded = 1;
	rc = ha_store_each_hive(st, r->id, hive_cb, r, err);
	if (rc == HA_ERR_NOMEM)
		return ha_err_set(err, rc, "out of memory");
	return rc;
}

/* Index arrays sorted by a key, for binary search. */
static const struct hrec *sort_base;
static int by_dir(const void *a, const void *b)
{
	return strcmp(sort_base[*(const size_t *)a].dir, sort_base[*(const size_t *)b].dir);
}
static int by_label(const void *a, const void *b)
{
	int d = strcmp(sort_base[*(const size_t *)a].label, sort_base[*(const size_t *)b].label);

	return d ? d : by_dir(a, b);
}
static int by_cn(const void *a, const void *b)
{
	int d = strcmp(sort_base[*(const size_t *)a].cn, sort_base[*(const size_t *)b].cn);

	return d ? d : by_dir(a, b);
}

/* First position in idx[0..n) whose key (field at `off`) is >= key. */
static size_t lower(const struct hrec *v, const size_t *idx, size_t n, size_t off, const char *key)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *k = *(char *const *)((const char *)&v[idx[mid]] + off);

		if (strcmp(k, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static size_t *sorted(const struct hlist *l, int (*cmp)(const void *, const void *))
{
	size_t *idx = malloc((l->n ? l->n : 1) * sizeof *idx), i;

	if (!idx)
		return NULL;
	for (i = 0; i < l->n; i++)
		idx[i] = i;
	sort_base = l->v;
	qsort(idx, l->n, sizeof *idx, cmp);
	return idx;
}

static void pair_up(struct hlist *a, size_t i, struct hlist *b, size_t j, int match)
{
	a->v[i].other = (long)j;
	b->v[j].other = (long)i;
	a->v[i].match = b->v[j].match = match;
}

/* Steps 1 to 3 of the file comment: fills `other` on both sides. */
static int match_hosts(struct ha_store *st, struct hlist *a, struct hlist *b, struct ha_err *err)
{
	static const size_t off_dir = offsetof(struct hrec, dir),
	                    off_label = offsetof(struct hrec, label),
	                    off_cn = offsetof(struct hrec, cn);
	size_t *idx, i, p;
	int rc = HA_OK, k;

	if (!(idx = sorted(a, by_dir)))
		return ha_err_nomem(err);
	for (i = 0; i < b->n; i++) {
		p = lower(a->v, idx, a->n, off_dir, b->v[i].dir);
		if (p < a->n && !strcmp(a->v[idx[p]].dir, b->v[i].dir) && a->v[idx[p]].other < 0)
			pair_up(a, idx[p], b, i, HA_MATCH_LABEL);
	}
	free(idx);
	if (!(idx = sorted(a, by_label)))
		return ha_err_nomem(err);
	for (i = 0; i < b->n; i++) {
		if (b->v[i].other >= 0)
			continue;
		for (p = lower(a->v, idx, a->n, off_label, b->v[i].label);
		     p < a->n && !strcmp(a->v[idx[p]].label, b->v[i].label); p++) {
			if (a->v[idx[p]].other < 0) {
				pair_up(a, idx[p], b, i, HA_MATCH_LABEL);
				break;
			}
		}
	}
	free(idx);
	if (!(idx = sorted(a, by_cn)))
		return ha_err_nomem(err);
	for (i = 0; !rc && i < b->n; i++) {
		struct hrec *y = &b->v[i];

		if (y->other >= 0 || !y->cn[0])
			continue;
		for (p = lower(a->v, idx, a->n, off_cn, y->cn);
		     !rc && p < a->n && !strcmp(a->v[idx[p]].cn, y->cn); p++) {
			struct hrec *x = &a->v[idx[p]];
			int same = 0;

			if (x->other >= 0)
				continue;
			rc = load_shas(st, y, err);
			if (!rc)
				rc = load_shas(st, x, err);
			for (k = 0; !rc && k < 2; k++)
				same |= x->sha[k] && y->sha[k] && !strcmp(x->sha[k], y->sha[k]);
			if (!rc && same) {
				pair_up(a, idx[p], b, i, HA_MATCH_NAME_HIVE);
				break;
			}
		}
	}
	free(idx);
	return rc;
}

/* ---------------------------------------------------------- the findings */

struct frec {
	char *rule_id, *observed, *evidence;
	enum ha_status status;
};

struct flist {
	struct frec *v;
	size_t n, cap;
};

static void flist_clear(struct flist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].rule_id);
		free(l->v[i].observed);
		free(l->v[i].evidence);
	}
	l->n = 0;
}

static int finding_cb(void *ctx, const struct ha_finding_row *f)
{
	struct flist *l = ctx;
	struct frec *r;

	if (ha_array_grow(&l->v, &l->cap, l->n, sizeof *l->v, 32))
		return HA_ERR_NOMEM;
	r = &l->v[l->n++];
	r->rule_id = ha_strdup(f->rule_id);
	r->status = f->status;
	r->observed = ha_strdup(f->observed);
	{ /* the evidence as findings.csv's column says it */
		struct ha_buf ev;

		ha_buf_init(&ev, 0);
		ha_evidence_render_list(&ev, f->evidence, f->nevidence);
		r->evidence = ha_buf_detach(&ev, NULL);
	}
	return r->rule_id && r->observed && r->evidence ? 0 : HA_ERR_NOMEM;
}

/* The " | "-separated items of `a` that are not items of `b`, joined the
 * same way: the evidence that changed, without what stayed. */
static char *only_in(const char *a, const char *b)
{
	struct ha_buf out;
	const char *p = a;

	ha_buf_init(&out, (size_t)16 << 20);
	while (*p) {
		const char *e = strstr(p, " | ");
		size_t n = e ? (size_t)(e - p) : strlen(p);
		const char *q = b;
		int found = 0;

		while (*q && !found) {
			const char *f = strstr(q, " | ");
			size_t m = f ? (size_t)(f - q) : strlen(q);

			found = m == n && !memcmp(p, q, n);
			q = f ? f + 3 : q + m;
		}
		if (!found) {
			if (out.len)
				ha_buf_puts(&out, " | ");
			ha_buf_add(&out, p, n);
		}
		p = e ? e + 3 : p + n;
	}
	if (ha_buf_status(&out)) {
		ha_buf_free(&out);
		return NULL;
	}
	{
		char *s = ha_strdup(ha_buf_cstr(&out));

		ha_buf_free(&out);
		return s;
	}
}

static int add_host(struct ha_diff *d, const struct hrec *x, const struct hrec *y, int match,
                    int change)
{
	struct ha_diff_host *h;

	if (ha_array_grow(&d->hosts, &d->caphosts, d->nhosts, sizeof *d->hosts, 16))
		return HA_ERR_NOMEM;
	h = &d->hosts[d->nhosts++];
	memset(h, 0, sizeof *h);
	h->match = match;
	h->change = change;
	h->old_label = x ? ha_strdup(x->label) : NULL;
	h->label = y ? ha_strdup(y->label) : NULL;
	h->old_computer_name = x ? ha_strdup(x->cn) : NULL;
	h->computer_name = y ? ha_strdup(y->cn) : NULL;
	h->old_verdict = x ? ha_strdup(ha_verdict_name(x->verdict)) : NULL;
	h->verdict = y ? ha_strdup(ha_verdict_name(y->verdict)) : NULL;
	h->old_dir = x ? ha_strdup(x->dir) : NULL;
	h->dir = y ? ha_strdup(y->dir) : NULL;
	h->old_id = x ? x->id : 0;
	h->id = y ? y->id : 0;
	if ((x && (!h->old_label || !h->old_computer_name || !h->old_verdict || !h->old_dir)) ||
	    (y && (!h->label || !h->computer_name || !h->verdict || !h->dir)))
		return HA_ERR_NOMEM;
	return HA_OK;
}

static int add_finding(struct ha_diff *d, const struct frec *o, const struct frec *n)
{
	struct ha_diff_finding *f;

	if (ha_array_grow(&d->findings, &d->capfindings, d->nfindings, sizeof *d->findings, 16))
		return HA_ERR_NOMEM;
	f = &d->findings[d->nfindings++];
	memset(f, 0, sizeof *f);
	f->host = d->nhosts - 1;
	f->change = change_of(status_rank(o->status), status_rank(n->status));
	f->rule_id = ha_strdup(n->rule_id);
	f->old_status = ha_strdup(ha_status_name(o->status));
	f->status = ha_strdup(ha_status_name(n->status));
	f->old_observed = ha_strdup(o->observed);
	f->observed = ha_strdup(n->observed);
	f->old_evidence = only_in(o->evidence, n->evidence);
	f->evidence = only_in(n->evidence, o->evidence);
	if (!f->rule_id || !f->old_status || !f->status || !f->old_observed || !f->observed ||
	    !f->old_evidence || !f->evidence)
		return HA_ERR_NOMEM;
	if (f->change == HA_CHG_REGRESSED)
		d->n_finding_regressed++;
	else if (f->change == HA_CHG_FIXED)
		d->n_finding_fixed++;
	else
		d->n_finding_changed++;
	return HA_OK;
}

static int status_cb(void *ctx, const char *rule_id, enum ha_status status)
{
	struct ha_buf *b = ctx;

	ha_buf_puts(b, rule_id);
	ha_buf_putc(b, '\t');
	ha_buf_putc(b, (char)('0' + (int)status));
	ha_buf_putc(b, '\n');
	return 0;
}

/* Whether two hosts' (rule, status) lists are the same: most pairs are,
 * and this read is much cheaper than the findings with their evidence. */
static int same_statuses(struct ha_store *st, int64_t a, int64_t b, int *same, struct ha_err *err)
{
	struct ha_buf x, y;
	int rc;

	ha_buf_init(&x, (size_t)16 << 20);
	ha_buf_init(&y, (size_t)16 << 20);
	rc = ha_store_each_status(st, a, status_cb, &x, err);
	if (!rc)
		rc = ha_store_each_status(st, b, status_cb, &y, err);
	if (!rc && (ha_buf_status(&x) || ha_buf_status(&y)))
		rc = ha_err_nomem(err);
	*same = !rc && x.len == y.len && (!x.len || !memcmp(x.data, y.data, x.len));
	ha_buf_free(&x);
	ha_buf_free(&y);
	return rc;
}

/* One matched pair: its verdict and the findings whose status changed. */
static int compare_pair(struct ha_store *st, struct ha_diff *d, const struct hrec *x,
                        const struct hrec *y, struct flist *fo, struct flist *fn,
                        struct ha_err *err)
{
	size_t i, j;
	int rc, vchange = -1, first = 1, same;

	flist_clear(fo);
	flist_clear(fn);
	rc = same_statuses(st, x->id, y->id, &same, err);
	if (!rc && !same)
		rc = ha_store_each_finding(st, d->from, x->id, finding_cb, fo, err);
	if (!rc && !same)
		rc = ha_store_each_finding(st, d->to, y->id, finding_cb, fn, err);
	if (rc)
		return rc == HA_ERR_NOMEM ? ha_err_set(err, rc, "out of memory") : rc;
	if (x->verdict != y->verdict) {
		vchange = change_of(verdict_rank(x->verdict), verdict_rank(y->verdict));
		if (vchange == HA_CHG_REGRESSED)
			d->n_regressed++;
		else if (vchange == HA_CHG_FIXED)
			d->n_fixed++;
		else
			d->n_changed++;
	}
	if (y->match == HA_MATCH_NAME_HIVE)
		d->n_renamed++;
	if (vchange >= 0 || y->match == HA_MATCH_NAME_HIVE || strcmp(x->label, y->label) != 0) {
		if (add_host(d, x, y, y->match, vchange))
			return ha_err_nomem(err);
		first = 0;
	}
	/* Both lists are in rule load order; rules present in only one run
	 * (a rule pack changed) are not status changes of a host. */
	for (i = 0; i < fn->n; i++) {
		for (j = 0; j < fo->n; j++)
			if (!strcmp(fo->v[j].rule_id, fn->v[i].rule_id))
				break;
		if (j == fo->n || fo->v[j].status == fn->v[i].status)
			continue;
		if (first) {
			if (add_host(d, x, y, y->match, -1))
				return ha_err_nomem(err);
			first = 0;
		}
		if (add_finding(d, &fo->v[j], &fn->v[i]))
			return ha_err_nomem(err);
	}
	return HA_OK;
}

struct runinfo {
	char *as_of, *paths, *status;
	int found;
};

static int runinfo_cb(void *ctx, const struct ha_run_row *r)
{
	struct runinfo *i = ctx;

	i->found = 1;
	i->as_of = ha_strndup(r->as_of, 10); /* the date; the time is always midnight or now */
	i->paths = ha_strdup(r->paths);
	i->status = ha_strdup(ha_run_state_name(r->status));
	return i->as_of && i->paths && i->status ? 0 : HA_ERR_NOMEM;
}

static int run_info(struct ha_store *st, int64_t run, char **as_of, char **paths, char **status,
                    struct ha_err *err)
{
	struct runinfo i;
	int rc;

	memset(&i, 0, sizeof i);
	rc = ha_store_get_run(st, run, runinfo_cb, &i, err);
	if (rc == HA_ERR_NOMEM)
		rc = ha_err_set(err, rc, "out of memory");
	if (!rc && !i.found)
		rc = ha_err_set(err, HA_ERR_NOTFOUND, "the store holds no run %lld",
		                (long long)run);
	if (rc) {
		free(i.as_of);
		free(i.paths);
		free(i.status);
		return rc;
	}
	*as_of = i.as_of;
	*paths = i.paths;
	*status = i.status;
	return HA_OK;
}

/* Hosts in the order people read them: by label (the new one, else the
 * old), new and matched hosts before gone ones of the same label. */
static int host_order(const void *pa, const void *pb)
{
	const struct ha_diff_host *a = pa, *b = pb;
	const char *la = a->label ? a->label : a->old_label,
	           *lb = b->label ? b->label : b->old_label;
	int d = strcmp(la, lb);

	if (d)
		return d;
	if (!a->label != !b->label)
		return a->label ? -1 : 1;
	d = strcmp(a->dir ? a->dir : a->old_dir, b->dir ? b->dir : b->old_dir);
	return d ? d : (a->order > b->order) - (a->order < b->order);
}

int ha_diff_runs(struct ha_store *st, int64_t from, int64_t to, struct ha_diff **out,
                 struct ha_err *err)
{
	struct hlist a = {0}, b = {0};
	struct flist fo = {0}, fn = {0};
	struct ha_diff *d;
	size_t i, *hmap = NULL;
	int rc;

	*out = NULL;
	d = calloc(1, sizeof *d);
	if (!d)
		return ha_err_nomem(err);
	d->from = from;
	d->to = to;
	rc = run_info(st, from, &d->from_as_of, &d->from_paths, &d->from_status, err);
	if (!rc)
		rc = run_info(st, to, &d->to_as_of, &d->to_paths, &d->to_status, err);
	if (!rc)
		rc = load_hosts(st, from, &a, err);
	if (!rc)
		rc = load_hosts(st, to, &b, err);
	if (!rc)
		rc = match_hosts(st, &a, &b, err);
	d->from_hosts = (long)a.n;
	d->to_hosts = (long)b.n;
	for (i = 0; !rc && i < b.n; i++) {
		if (b.v[i].other < 0) {
			if (add_host(d, NULL, &b.v[i], -1, HA_CHG_NEW))
				rc = ha_err_nomem(err);
			d->n_new++;
		} else {
			rc = compare_pair(st, d, &a.v[b.v[i].other], &b.v[i], &fo, &fn, err);
		}
	}
	for (i = 0; !rc && i < a.n; i++) {
		if (a.v[i].other < 0) {
			if (add_host(d, &a.v[i], NULL, -1, HA_CHG_GONE))
				rc = ha_err_nomem(err);
			d->n_gone++;
		}
	}
	/* Sort the hosts, carrying the findings' host indexes along. */
	if (!rc && d->nhosts) {
		for (i = 0; i < d->nhosts; i++)
			d->hosts[i].order = i;
		qsort(d->hosts, d->nhosts, sizeof *d->hosts, host_order);
		hmap = malloc(d->nhosts * sizeof *hmap);
		if (!hmap)
			rc = ha_err_nomem(err);
		for (i = 0; !rc && i < d->nhosts; i++)
			hmap[d->hosts[i].order] = i;
		for (i = 0; !rc && i < d->nfindings; i++)
			d->findings[i].host = hmap[d->findings[i].host];
		for (i = 0; !rc && i < d->nhosts; i++)
			d->hosts[i].order = i;
	}
	d->regressed = d->n_regressed > 0 || d->n_finding_regressed > 0;
	free(hmap);
	flist_clear(&fo);
	flist_clear(&fn);
	free(fo.v);
	free(fn.v);
	hlist_free(&a);
	hlist_free(&b);
	if (rc) {
		ha_diff_free(d);
		return rc;
	}
	/* Findings grouped under their host, hosts in order, each host's in
	 * rule order as read: a counting sort on the host index. */
	if (d->nfindings) {
		struct ha_diff_finding *v = malloc(d->nfindings * sizeof *v);
		size_t *start = calloc(d->nhosts + 1, sizeof *start);

		if (!v || !start) {
			free(v);
			free(start);
			ha_diff_free(d);
			return ha_err_nomem(err);
		}
		for (i = 0; i < d->nfindings; i++)
			start[d->findings[i].host + 1]++;
		for (i = 0; i < d->nhosts; i++)
			start[i + 1] += start[i];
		for (i = 0; i < d->nfindings; i++)
			v[start[d->findings[i].host]++] = d->findings[i];
		free(start);
		free(d->findings);
		d->findings = v;
	}
	*out = d;
	return HA_OK;
}

void ha_diff_free(struct ha_diff *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->nhosts; i++) {
		struct ha_diff_host *h = &d->hosts[i];

		free(h->label);
		free(h->old_label);
		free(h->computer_name);
		free(h->old_computer_name);
		free(h->verdict);
		free(h->old_verdict);
		free(h->dir);
		free(h->old_dir);
	}
	for (i = 0; i < d->nfindings; i++) {
		struct ha_diff_finding *f = &d->findings[i];

		free(f->rule_id);
		free(f->status);
		free(f->old_status);
		free(f->observed);
		free(f->old_observed);
		free(f->evidence);
		free(f->old_evidence);
	}
	free(d->hosts);
	free(d->findings);
	free(d->from_as_of);
	free(d->to_as_of);
	free(d->from_paths);
	free(d->to_paths);
	free(d->from_status);
	free(d->to_status);
	free(d);
}

/* ------------------------------------------------------------- writing */

static void term(struct ha_buf *b, const char *s)
{
	ha_escape_terminal(b, s ? s : "");
}

/* The paths, one per line in the store, on one line here. */
static void term_paths(struct ha_buf *b, const char *paths)
{
	const char *p;

	for (p = paths; *p; p++) {
		const char *nl = strchr(p, '\n');
		char *one = ha_strndup(p, nl ? (size_t)(nl - p) : strlen(p));

		if (p != paths)
			ha_buf_puts(b, ", ");
		term(b, one);
		free(one);
		if (!nl)
			break;
		p = nl;
	}
}

static void write_text(const struct ha_diff *d, struct ha_buf *b)
{
	size_t i, k = 0;

	ha_buf_printf(b, "From run %lld (as of ", (long long)d->from);
	term(b, d->from_as_of);
	ha_buf_printf(b, ") to run %lld (as of ", (long long)d->to);
	term(b, d->to_as_of);
	ha_buf_puts(b, "), over ");
	term_paths(b, d->to_paths);
	ha_buf_printf(b, "\nHosts: %ld then %ld; %ld new, %ld gone, %ld renamed\n", d->from_hosts,
	              d->to_hosts, d->n_new, d->n_gone, d->n_renamed);
	ha_buf_printf(b, "Verdicts: %ld regressed, %ld fixed, %ld changed\n", d->n_regressed,
	              d->n_fixed, d->n_changed);
	ha_buf_printf(b, "Findings: %ld regressed, %ld fixed, %ld changed\n",
	              d->n_finding_regressed, d->n_finding_fixed, d->n_finding_changed);
	if (!d->nhosts) {
		ha_buf_puts(b, "\nNothing changed.\n");
		return;
	}
	for (i = 0; i < d->nhosts; i++) {
		const struct ha_diff_host *h = &d->hosts[i];

		ha_buf_putc(b, '\n');
		if (h->change == HA_CHG_NEW) {
			ha_buf_puts(b, "new: ");
			term(b, h->label);
			ha_buf_puts(b, " (");
			term(b, h->computer_name);
			ha_buf_puts(b, "), ");
			term(b, h->verdict);
			ha_buf_putc(b, '\n');
			continue;
		}
		if (h->change == HA_CHG_GONE) {
			ha_buf_puts(b, "gone: ");
			term(b, h->old_label);
			ha_buf_puts(b, " (");
			term(b, h->old_computer_name);
			ha_buf_puts(b, "), was ");
			term(b, h->old_verdict);
			ha_buf_putc(b, '\n');
			continue;
		}
		ha_buf_puts(b, h->change >= 0 ? ha_diff_change_name(h->change)
		               : strcmp(h->label, h->old_label) != 0 ? "renamed"
		                                                     : "findings");
		ha_buf_puts(b, ": ");
		term(b, h->label);
		if (strcmp(h->label, h->old_label) != 0) {
			ha_buf_puts(b, " (was ");
			term(b, h->old_label);
			ha_buf_puts(b, ", matched by ");
			ha_buf_puts(b, ha_diff_match_name(h->match));
			ha_buf_puts(b, ")");
		}
		ha_buf_puts(b, " (");
		term(b, h->computer_name);
		if (strcmp(h->computer_name, h->old_computer_name) != 0) {
			ha_buf_puts(b, ", was ");
			term(b, h->old_computer_name);
		}
		ha_buf_puts(b, "), ");
		if (h->change >= 0) {
			term(b, h->old_verdict);
			ha_buf_puts(b, " -> ");
		}
		term(b, h->verdict);
		ha_buf_putc(b, '\n');
		for (; k < d->nfindings && d->findings[k].host == i; k++) {
			const struct ha_diff_finding *f = &d->findings[k];

			ha_buf_puts(b, "  ");
			term(b, f->rule_id);
			ha_buf_puts(b, ": ");
			term(b, f->old_status);
			ha_buf_puts(b, " -> ");
			term(b, f->status);
			ha_buf_printf(b, " (%s)\n    observed: ", ha_diff_change_name(f->change));
			term(b, f->old_observed);
			ha_buf_puts(b, " -> ");
			term(b, f->observed);
			ha_buf_putc(b, '\n');
			if (f->old_evidence[0]) {
				ha_buf_puts(b, "    evidence was: ");
				term(b, f->old_evidence);
				ha_buf_putc(b, '\n');
			}
			if (f->evidence[0]) {
				ha_buf_puts(b, "    evidence now: ");
				term(b, f->evidence);
				ha_buf_putc(b, '\n');
			}
		}
	}
}

static const char *const csv_cols[] = {
        "change",
        "host",
        "previous_host",
        "computer_name",
        "rule_id",
        "from",
        "to",
        "old_observed",
        "new_observed",
        "evidence_before",
        "evidence_now",
        "matched_by",
        "host_dir",
        NULL,
};

static void csv_row(struct ha_buf *b, const char *const *cells)
{
	size_t i;

	for (i = 0; csv_cols[i]; i++) {
		if (i)
			ha_buf_putc(b, ',');
		ha_csv_field(b, cells[i] ? cells[i] : "");
	}
	ha_buf_puts(b, "\r\n");
}

static void write_csv(const struct ha_diff *d, struct ha_buf *b)
{
	size_t i, k = 0;

	csv_row(b, csv_cols);
	for (i = 0; i < d->nhosts; i++) {
		const struct ha_diff_host *h = &d->hosts[i];
		const char *match = ha_diff_match_name(h->match);
		const char *label = h->label ? h->label : h->old_label;
		const char *cn = h->computer_name ? h->computer_name : h->old_computer_name;
		const char *dir = h->dir ? h->dir : h->old_dir;

		if (h->change == HA_CHG_NEW || h->change == HA_CHG_GONE) {
			const char *cells[] = {ha_diff_change_name(h->change),
			                       label,
			                       h->old_label,
			                       cn,
			                       "",
			                       h->old_verdict,
			                       h->verdict,
			                       "",
			                       "",
			                       "",
			                       "",
			                       "",
			                       dir};

			csv_row(b, cells);
			continue;
		}
		if (strcmp(h->label, h->old_label) != 0) {
			const char *cells[] = {"renamed", h->label, h->old_label, cn, "",    "", "",
			                       "",        "",       "",           "", match, dir};

			csv_row(b, cells);
		}
		if (h->change >= 0) {
			const char *cells[] = {ha_diff_change_name(h->change),
			                       h->label,
			                       h->old_label,
			                       cn,
			                       "",
			                       h->old_verdict,
			                       h->verdict,
			                       "",
			                       "",
			                       "",
			                       "",
			                       match,
			                       dir};

			csv_row(b, cells);
		}
		for (; k < d->nfindings && d->findings[k].host == i; k++) {
			const struct ha_diff_finding *f = &d->findings[k];
			const char *cells[] = {ha_diff_change_name(f->change),
			                       h->label,
			                       h->old_label,
			                       cn,
			                       f->rule_id,
			                       f->old_status,
			                       f->status,
			                       f->old_observed,
			                       f->observed,
			                       f->old_evidence,
			                       f->evidence,
			                       match,
			                       dir};

			csv_row(b, cells);
		}
	}
}

/* jansson refuses invalid UTF-8; strings from hives can be anything. */
static json_t *jstr(const char *s)
{
	struct ha_buf b;
	json_t *j;

	if (!s)
		return json_null();
	if (ha_utf8_valid(s, strlen(s)))
		return json_string(s);
	ha_buf_init(&b, 0);
	ha_utf8_sanitize(&b, s, strlen(s));
	j = json_string(ha_buf_cstr(&b));
	ha_buf_free(&b);
	return j;
}

static int jset(json_t *o, const char *k, json_t *v)
{
	return v ? json_object_set_new(o, k, v) : -1;
}

/* Evidence items as an array (the " | "-joined summary, split). */
static json_t *jitems(const char *s)
{
	json_t *a = json_array();
	const char *p = s;

	while (a && *p) {
		const char *e = strstr(p, " | ");
		char *one = ha_strndup(p, e ? (size_t)(e - p) : strlen(p));

		if (!one || json_array_append_new(a, jstr(one)) != 0) {
			free(one);
			json_decref(a);
			return NULL;
		}
		free(one);
		p = e ? e + 3 : p + strlen(p);
	}
	return a;
}

static json_t *jrun(int64_t id, const char *as_of, const char *status)
{
	json_t *o = json_object();

	if (o && (jset(o, "run", json_integer(id)) || jset(o, "as_of", jstr(as_of)) ||
	          jset(o, "status", jstr(status)))) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

static int write_json(const struct ha_diff *d, struct ha_buf *b)
{
	json_t *root = json_object(), *hosts = json_array(), *counts = json_object(), *paths;
	size_t i, k = 0;
	int bad = !root || !hosts || !counts;
	char *text;

	paths = jitems(""); /* an empty array, filled below */
	bad |= !paths;
	if (!bad) {
		const char *p = d->to_paths;

		while (*p && !bad) {
			const char *nl = strchr(p, '\n');
			char *one = ha_strndup(p, nl ? (size_t)(nl - p) : strlen(p));

			bad |= !one || json_array_append_new(paths, jstr(one)) != 0;
			free(one);
			p = nl ? nl + 1 : p + strlen(p);
		}
	}
	bad |= jset(counts, "hosts_before", json_integer(d->from_hosts));
	bad |= jset(counts, "hosts_now", json_integer(d->to_hosts));
	bad |= jset(counts, "new", json_integer(d->n_new));
	bad |= jset(counts, "gone", json_integer(d->n_gone));
	bad |= jset(counts, "renamed", json_integer(d->n_renamed));
	bad |= jset(counts, "verdicts_regressed", json_integer(d->n_regressed));
	bad |= jset(counts, "verdicts_fixed", json_integer(d->n_fixed));
	bad |= jset(counts, "verdicts_changed", json_integer(d->n_changed));
	bad |= jset(counts, "findings_regressed", json_integer(d->n_finding_regressed));
	bad |= jset(counts, "findings_fixed", json_integer(d->n_finding_fixed));
	bad |= jset(counts, "findings_changed", json_integer(d->n_finding_changed));
	for (i = 0; !bad && i < d->nhosts; i++) {
		const struct ha_diff_host *h = &d->hosts[i];
		json_t *o = json_object(), *fa = json_array();

		bad |= !o || !fa;
		if (!bad) {
			bad |= jset(o, "host", jstr(h->label));
			bad |= jset(o, "previous_host", jstr(h->old_label));
			bad |= jset(o, "computer_name", jstr(h->computer_name));
			bad |= jset(o, "previous_computer_name", jstr(h->old_computer_name));
			bad |= jset(o, "matched_by",
			            h->match >= 0 ? jstr(ha_diff_match_name(h->match))
			                          : json_null());
			bad |= jset(o, "renamed",
			            json_boolean(h->label && h->old_label &&
			                         strcmp(h->label, h->old_label) != 0));
			bad |= jset(o, "change",
			            h->change >= 0 ? jstr(ha_diff_change_name(h->change))
			                           : json_null());
			bad |= jset(o, "verdict_before", jstr(h->old_verdict));
			bad |= jset(o, "verdict_now", jstr(h->verdict));
			bad |= jset(o, "host_dir", jstr(h->dir ? h->dir : h->old_dir));
		}
		for (; !bad && k < d->nfindings && d->findings[k].host == i; k++) {
			const struct ha_diff_finding *f = &d->findings[k];
			json_t *fo = json_object();

			bad |= !fo;
			if (bad)
				break;
			bad |= jset(fo, "rule_id", jstr(f->rule_id));
			bad |= jset(fo, "change", jstr(ha_diff_change_name(f->change)));
			bad |= jset(fo, "status_before", jstr(f->old_status));
			bad |= jset(fo, "status_now", jstr(f->status));
			bad |= jset(fo, "observed_before", jstr(f->old_observed));
			bad |= jset(fo, "observed_now", jstr(f->observed));
			bad |= jset(fo, "evidence_before", jitems(f->old_evidence));
			bad |= jset(fo, "evidence_now", jitems(f->evidence));
			bad |= json_array_append_new(fa, fo) != 0;
		}
		if (!bad)
			bad |= jset(o, "findings", fa) != 0;
		else
			json_decref(fa);
		if (o)
			bad |= json_array_append_new(hosts, o) != 0;
	}
	bad |= jset(root, "from", jrun(d->from, d->from_as_of, d->from_status));
	bad |= jset(root, "to", jrun(d->to, d->to_as_of, d->to_status));
	bad |= jset(root, "paths", paths);
	bad |= jset(root, "regressed", json_boolean(d->regressed));
	bad |= jset(root, "counts", counts);
	bad |= jset(root, "hosts", hosts);
	text = bad ? NULL : json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (!text)
		return HA_ERR_NOMEM;
	ha_buf_puts(b, text);
	ha_buf_putc(b, '\n');
	free(text);
	return HA_OK;
}

int ha_diff_write(const struct ha_diff *d, int format, struct ha_buf *out, struct ha_err *err)
{
	int rc = HA_OK;

	switch (format) {
	case HA_DIFF_TEXT: write_text(d, out); break;
	case HA_DIFF_CSV: write_csv(d, out); break;
	case HA_DIFF_JSON: rc = write_json(d, out); break;
	default: return ha_err_set(err, HA_ERR_USAGE, "unknown diff format %d", format);
	}
	if (rc || ha_buf_status(out))
		return ha_err_nomem(err);
	return HA_OK;
}

/* ---------------------------------------------------------- changes.csv */

int ha_report_changes_csv(struct ha_store *st, int64_t run_id, const char *path, int *written,
                          struct ha_err *err)
{
	struct ha_diff *d = NULL;
	struct ha_out o;
	struct ha_buf b;
	int64_t from = 0, to = run_id;
	int rc;

	*written = 0;
	rc = ha_diff_pick_runs(st, &from, &to, err);
	if (rc == HA_ERR_NOTFOUND) {
		/* The first audit of this fleet: nothing to compare, and a
		 * changes.csv left by another fleet's runs would mislead. */
		ha_err_clear(err);
		if (unlink(path) != 0 && errno != ENOENT)
			return ha_err_sys(err, HA_ERR_IO, errno, "cannot remove '%s'", path);
		return HA_OK;
	}
	if (!rc)
		rc = ha_diff_runs(st, from, to, &d, err);
	if (rc)
		return rc;
	ha_buf_init(&b, (size_t)1 << 30);
	rc = ha_diff_write(d, HA_DIFF_CSV, &b, err);
	if (!rc)
		rc = ha_out_open(&o, path, err);
	if (!rc) {
		rc = ha_out_write(&o, &b, err);
		if (!rc)
			rc = ha_out_commit(&o, err);
		else
			ha_out_abort(&o);
	}
	ha_buf_free(&b);
	ha_diff_free(d);
	if (!rc)
		*written = 1;
	return rc;
}
