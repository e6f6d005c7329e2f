/* html_read.c: reading one run from the store for report.html.
 *
 * Owns struct html_reader: the host being read (its hives, file list and
 * findings, and the pattern of findings that selects its narrative), with
 * the narratives already asked for.  It puts strings and records into the
 * model (html_model.c) and counts what the summary says into the fleet
 * (struct html_fleet), host by host, in one pass over the store. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "html_internal.h"

struct html_reader {
	struct ha_store *st;
	struct ha_err *err;
	struct html_model *m;
	struct html_fleet *fl;

	struct intern sig;   /* patterns of findings, for sharing narratives */
	struct vec sig_narr; /* per pattern: the narrative's string id */
	struct vec pool;     /* host hives, files and findings */
	struct vec rec;      /* scratch: the record being built */

	/* the host being read */
	struct hrec cur;
	struct vec files;    /* its (path, sha256) string id pairs */
	struct ha_buf fkeys; /* the same pairs as text, each NUL-terminated */
	struct ha_buf pat;   /* its findings' (rule, status, category), as text */
	struct ha_buf line;  /* scratch: an evidence row's text */
};

HA_MUST_CHECK static int push(struct html_reader *c, struct vec *a, int64_t x)
{
	int rc = vec_push(a, x);

	return rc ? html_fail(c->err, rc) : HA_OK;
}

HA_MUST_CHECK static int str_id(struct html_reader *c, const char *s, uint32_t *id)
{
	return html_model_str(c->m, s, id);
}

_Static_assert(V_READY == (int)HA_READY && V_NOT_READY == (int)HA_NOT_READY &&
                       V_UNKNOWN == (int)HA_VERDICT_UNKNOWN &&
                       V_WAIVED == (int)HA_READY_WITH_WAIVERS && V_N == (int)HA_NVERDICTS,
               "V_ follows enum ha_verdict");

/* ------------------------------------------------------------- reading */

static int run_cb(void *ctx, const struct ha_run_row *r)
{
	struct html_reader *c = ctx;

	c->fl->started = ha_strdup(r->started_at);
	c->fl->finished = ha_strdup(r->finished_at);
	c->fl->status = ha_strdup(ha_run_state_name(r->status));
	c->fl->run_state = r->status;
	c->fl->tool_version = ha_strdup(r->tool_version);
	c->fl->as_of = ha_strdup(r->as_of);
	c->fl->paths = ha_strdup(r->paths);
	c->fl->hosts_total = r->hosts_total;
	if (!c->fl->started || !c->fl->finished || !c->fl->status || !c->fl->tool_version ||
	    !c->fl->as_of || !c->fl->paths)
		return html_nomem(c->err);
	return HA_OK;
}

static int rule_cb(void *ctx, const struct ha_rule_row *r)
{
	struct html_reader *c = ctx;
	const char *s[R_NSTR];
	struct rrec *v, *x;
	int i, rc;

	v = realloc(c->fl->rules, (c->fl->nrules + 1) * sizeof *v);
	if (!v)
		return html_nomem(c->err);
	c->fl->rules = v;
	x = &v[c->fl->nrules];
	memset(x, 0, sizeof *x);
	s[R_ID] = r->id;
	s[R_TITLE] = r->title;
	s[R_SEV] = r->severity;
	s[R_CAT] = r->category;
	s[R_SOURCE] = r->source;
	s[R_APPLIES] = r->applies;
	s[R_REMEDY] = r->remedy;
	s[R_REG] = r->reg;
	s[R_ORIGIN] = r->origin;
	c->fl->nrules++; /* freed with the others from here on */
	for (i = 0; i < R_NSTR; i++) {
		if ((rc = str_id(c, s[i], &x->s[i])) != HA_OK)
			return rc;
		if (!(x->text[i] = ha_strdup(s[i] ? s[i] : "")))
			return html_nomem(c->err);
	}
	x->decides = r->decides;
	for (i = 0; i < HA_NSTATUS; i++)
		x->by_status[i] = r->findings_by_status[i] > 0 ? r->findings_by_status[i] : 0;
	return HA_OK;
}

static int note_cb(void *ctx, const char *text)
{
	struct html_reader *c = ctx;
	char **v = realloc(c->fl->notes, (c->fl->nnotes + 1) * sizeof *v);

	if (!v)
		return html_nomem(c->err);
	c->fl->notes = v;
	if (!(v[c->fl->nnotes] = ha_strdup(text ? text : "")))
		return html_nomem(c->err);
	c->fl->nnotes++;
	return HA_OK;
}

/* Appends a record laid out as html_layout.h says: position i holds the
 * string table's id of s[i] when s[i] is set, else the number v[i]. */
static int push_record(struct html_reader *c, struct vec *out, const char *const *s,
                       const int64_t *v, size_t n)
{
	uint32_t id;
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		if (!s[i]) {
			rc = push(c, out, v[i]);
		} else if (!(rc = str_id(c, s[i], &id))) {
			rc = push(c, out, id);
		}
		if (rc)
			return rc;
	}
	return HA_OK;
}

static int hive_cb(void *ctx, const struct ha_hive_row *h)
{
	struct html_reader *c = ctx;
	const char *s[HV_N] = {NULL};
	int64_t v[HV_N] = {0}; /* 0: a missing string is "" */

	s[HV_ROLE] = h->role;
	s[HV_KIND] = h->kind;
	s[HV_KIND_WHY] = h->kind_why;
	s[HV_PATH] = h->path;
	s[HV_STATUS] = ha_hive_status_name(h->status);
	s[HV_REASON] = h->reason;
	s[HV_SHA] = h->sha256;
	s[HV_EMBEDDED] = h->embedded_name;
	s[HV_LAST_WRITTEN] = h->last_written;
	s[HV_LOGS] = h->logs;
	s[HV_REPLAY] = h->replay;
	v[HV_SIZE] = h->size;
	v[HV_SEQ1] = h->seq1;
	v[HV_SEQ2] = h->seq2;
	v[HV_CHECKSUM_OK] = h->checksum_ok;
	v[HV_DIRTY] = h->dirty;
	v[HV_DEGRADED] = h->degraded;
	s[HV_CONTAINER] = h->container ? h->container : "";
	s[HV_CONTAINER_SHA] = h->container_sha256 ? h->container_sha256 : "";
	s[HV_INNER] = h->inner_path ? h->inner_path : "";
	return push_record(c, &c->pool, s, v, HV_N);
}

/* One problem hive (role, status) seen on a host: counted for the "why
 * unknown" box. */
static int count_hive_problem(struct html_reader *c, int role, const char *status, int unknown)
{
	char key[80];
	uint32_t id, before = c->fl->hp.n;
	int rc;

	/* role, then the status's text (statuses are short names) */
	snprintf(key, sizeof key, "%c%.70s", '0' + role, status ? status : "");
	rc = intern_add(&c->fl->hp, key, strlen(key), &id);

	if (rc)
		return html_fail(c->err, rc);
	if (c->fl->hp.n != before) {
		long *a = realloc(c->fl->hp_all, c->fl->hp.n * sizeof *a);
		long *u;

		if (!a)
			return html_nomem(c->err);
		c->fl->hp_all = a;
		u = realloc(c->fl->hp_unknown, c->fl->hp.n * sizeof *u);
		if (!u)
			return html_nomem(c->err);
		c->fl->hp_unknown = u;
		a[id] = u[id] = 0;
	}
	c->fl->hp_all[id]++;
	if (unknown)
		c->fl->hp_unknown[id]++;
	return HA_OK;
}

static int count_os(struct html_reader *c, const char *os, int verdict)
{
	uint32_t id, before = c->fl->os.n;
	int rc = intern_add(&c->fl->os, os, strlen(os), &id);

	if (rc)
		return html_fail(c->err, rc);
	if (c->fl->os.n != before) {
		long(*a)[V_N] = realloc(c->fl->os_count, c->fl->os.n * sizeof *a);

		if (!a)
			return html_nomem(c->err);
		c->fl->os_count = a;
		memset(a[id], 0, sizeof a[id]);
	}
	c->fl->os_count[id][verdict]++;
	return HA_OK;
}

static int finding_cb(void *ctx, const struct ha_finding_row *f);
static int close_host(struct html_reader *c);
static int narrative(struct html_reader *c);

static int host_cb(void *ctx, const struct ha_host_row *h)
{
	struct html_reader *c = ctx;
	const char *s[H_NSTR];
	struct hrec *x = &c->cur;
	int i, rc;

	memset(x, 0, sizeof *x);
	c->pool.n = 0;
	c->files.n = 0;
	ha_buf_truncate(&c->pat, 0);
	ha_buf_truncate(&c->fkeys, 0);
	x->host_id = h->host_id;
	s[H_LABEL] = h->label;
	s[H_DIR] = h->dir;
	s[H_CN] = h->computer_name;
	s[H_HOSTNAME] = h->hostname;
	s[H_DOMAIN] = h->domain;
	s[H_OS] = *h->os_family ? h->os_family : "Unknown";
	s[H_PRODUCT_NAME] = h->product_name;
	s[H_NT] = h->nt_version;
	s[H_INSTALL] = h->installation_type;
	s[H_EDITION] = h->edition;
	s[H_PTYPE] = h->product_type;
	s[H_PRODUCT] = h->product;
	s[H_ARCH] = h->arch;
	s[H_CS_SOURCE] = h->control_set_source;
	s[H_VREASON] = h->verdict_reason;
	s[H_NOTE] = h->note;
	for (i = 0; i < H_NSTR; i++)
		if ((rc = str_id(c, s[i], &x->s[i])) != HA_OK)
			return rc;
	x->build = h->build;
	x->ubr = h->ubr;
	x->sp = h->sp;
	x->cs = h->control_set;
	x->reused = h->reused_from != 0;
	x->verdict = (int)h->verdict; /* enum ha_verdict: the order of V_ */
	if (x->verdict < 0 || x->verdict >= V_N)
		return ha_err_set(c->err, HA_ERR_FORMAT, "host '%s': unknown verdict in the store",
		                  h->label);
	for (i = 0; i < HA_NROLES; i++) {
		if ((rc = str_id(c, ha_hive_status_name(h->hive_status[i]), &x->hstat[i])) != HA_OK)
			return rc;
		if (!ha_hive_status_trusted(h->hive_status[i]))
			x->hive_problem = 1;
	}
	for (i = 0; i < HA_NROLES; i++)
		if (!ha_hive_status_trusted(h->hive_status[i]) &&
		    (rc = count_hive_problem(c, i, ha_hive_status_name(h->hive_status[i]),
		                             x->verdict == V_UNKNOWN)) != HA_OK)
			return rc;
	if (x->verdict == V_UNKNOWN && x->hive_problem)
		c->fl->unknown_hive++;
	else if (x->verdict == V_UNKNOWN)
		c->fl->unknown_rule++;
	c->fl->verdicts[x->verdict]++;
	if ((rc = count_os(c, s[H_OS], x->verdict)) != HA_OK)
		return rc;
	x->hv_off = c->pool.n;
	rc = ha_store_each_hive(c->st, h->host_id, hive_cb, c, c->err);
	if (rc)
		return rc;
	x->hv_n = c->pool.n - x->hv_off;
	x->f_off = c->pool.n;
	rc = ha_store_each_finding(c->st, c->fl->run_id, h->host_id, finding_cb, c, c->err);
	if (!rc)
		rc = close_host(c);
	if (!rc)
		rc = narrative(c);
	if (!rc)
		rc = html_model_host(c->m, &c->cur, c->pool.v);
	if (!rc)
		c->fl->nhosts++;
	return rc;
}

/* The current host's findings are complete: keep its file list. */
static int close_host(struct html_reader *c)
{
	struct hrec *x = &c->cur;
	size_t i;
	int rc;

	x->f_n = c->pool.n - x->f_off;
	x->fl_off = c->pool.n;
	for (i = 0; i < c->files.n; i++)
		if ((rc = push(c, &c->pool, c->files.v[i])) != HA_OK)
			return rc;
	x->fl_n = c->files.n;
	c->files.n = 0;
	return HA_OK;
}

/* The index of (path, sha256) in the current host's file list. */
static int file_slot(struct html_reader *c, const char *path, const char *sha, int64_t *slot)
{
	uint32_t p, s;
	const char *k;
	size_t i;
	int rc;

	if (!*path) {
		*slot = -1;
		return HA_OK;
	}
	/* Compared by text: a string's id changes when its table spills. */
	sha = sha ? sha : "";
	for (i = 0, k = c->fkeys.data; i < c->files.n / 2; i++) {
		size_t pl = strlen(k), sl = strlen(k + pl + 1);

		if (!strcmp(k, path) && !strcmp(k + pl + 1, sha)) {
			*slot = (int64_t)i;
			return HA_OK;
		}
		k += pl + sl + 2;
	}
	if ((rc = str_id(c, path, &p)) != HA_OK || (rc = str_id(c, sha, &s)) != HA_OK)
		return rc;
	ha_buf_add(&c->fkeys, path, strlen(path) + 1);
	ha_buf_add(&c->fkeys, sha, strlen(sha) + 1);
	if (ha_buf_status(&c->fkeys))
		return html_fail(c->err, ha_buf_status(&c->fkeys));
	*slot = (int64_t)(c->files.n / 2);
	if ((rc = push(c, &c->files, p)) != HA_OK)
		return rc;
	return push(c, &c->files, s);
}

struct evctx {
	struct html_reader *c;
	struct vec ids; /* evidence record ids of the finding */
};

static int ev_cb(struct evctx *x, const struct ha_evidence_row *e)
{
	struct html_reader *c = x->c;
	const char *s[E_N] = {NULL};
	int64_t v[E_N];
	uint32_t id;
	int i, rc;

	for (i = 0; i < E_N; i++)
		v[i] = -1; /* a missing string, as value_name of a key */
	c->rec.n = 0;
	if ((rc = file_slot(c, e->hive_path, e->hive_sha256, &v[E_FILE])) != HA_OK)
		return rc;
	s[E_ROLE] = e->role;
	s[E_CS] = e->control_set;
	s[E_KEY] = e->key_path;
	s[E_NAME] = e->value_name; /* NULL when the evidence is a key */
	s[E_TYPE] = e->value_type;
	s[E_DATA] = e->data;
	s[E_LW] = e->last_write;
	s[E_NOTE] = e->note;
	/* the row's text, as findings.csv and explain say it */
	ha_buf_truncate(&c->line, 0);
	ha_evidence_render(&c->line, e, HA_EVIDENCE_LINE);
	if (ha_buf_status(&c->line))
		return html_fail(c->err, ha_buf_status(&c->line));
	s[E_LINE] = ha_buf_cstr(&c->line);
	if ((rc = push_record(c, &c->rec, s, v, E_N)) != HA_OK)
		return rc;
	if ((rc = html_model_evidence(c->m, &c->rec, &id)) != HA_OK)
		return rc;
	return id > INT32_MAX ? html_fail(c->err, HA_ERR_LIMIT) : push(c, &x->ids, id);
}

static int rule_index(const struct html_reader *c, const char *rule_id)
{
	size_t i;

	for (i = 0; i < c->fl->nrules; i++)
		if (!strcmp(c->fl->rules[i].text[R_ID], rule_id))
			return (int)i;
	return -1;
}

static int finding_cb(void *ctx, const struct ha_finding_row *f)
{
	struct html_reader *c = ctx;
	struct evctx ex = {c, {NULL, 0, 0}};
	const char *s[F_EV] = {NULL};
	int64_t v[F_EV] = {0}; /* 0: a missing string is "" */
	struct hrec *h = &c->cur;
	uint32_t id;
	size_t i;
	int status = (int)f->status, r, rc;
	char *waived = NULL;

	/* A waived finding says so in its reason, where the host's details
	 * show it (the record's layout stays as documented above). */
	if (f->waived[0]) {
		waived = ha_asprintf(
		        "%s %s %s by %s%s%s: %s", f->reason,
		        !strcmp(f->waived, "yes") ? "Waived until" : "Waiver EXPIRED on",
		        f->waiver_expires, f->waiver_approver,
		        f->waiver_ticket[0] ? ", ticket " : "", f->waiver_ticket, f->waiver_reason);
		if (!waived)
			return html_nomem(c->err);
	}

	if (status < 0)
		return ha_err_set(c->err, HA_ERR_FORMAT,
		                  "host '%s', rule '%s': unknown status '%s'", f->label, f->rule_id,
		                  ha_status_name(f->status));
	for (i = 0, rc = HA_OK; !rc && i < f->nevidence; i++)
		rc = ev_cb(&ex, &f->evidence[i]);
	if (rc) {
		free(ex.ids.v);
		free(waived);
		return rc;
	}
	c->rec.n = 0;
	s[F_RULE] = f->rule_id;
	v[F_STATUS] = status;
	s[F_SEV] = f->severity;
	s[F_TITLE] = f->title;
	s[F_CAT] = f->category;
	s[F_OBS] = f->observed;
	s[F_EXP] = f->expected;
	s[F_REASON] = waived ? waived : f->reason;
	rc = push_record(c, &c->rec, s, v, F_EV);
	free(waived);
	/* the pattern of findings that selects the host's narrative, as text
	 * (ids change when the string table spills) */
	if (!rc) {
		ha_buf_printf(&c->pat, "%s%c%d%s%c", f->rule_id, 0, status,
		              f->category ? f->category : "", 0);
		if (ha_buf_status(&c->pat))
			rc = html_fail(c->err, ha_buf_status(&c->pat));
	}
	for (i = 0; !rc && i < ex.ids.n; i++)
		rc = push(c, &c->rec, ex.ids.v[i]);
	free(ex.ids.v);
	if (rc)
		return rc;
	if ((rc = html_model_finding(c->m, &c->rec, &id)) != HA_OK)
		return rc;
	if ((rc = push(c, &c->pool, id)) != HA_OK)
		return rc;
	r = rule_index(c, f->rule_id);
	if (r >= 0 && c->fl->rules[r].decides) {
		if (h->verdict == V_NOT_READY && status == HA_FAIL)
			c->fl->rules[r].not_ready_hosts++;
		if (h->verdict == V_UNKNOWN && !h->hive_problem && status == HA_UNKNOWN)
			c->fl->rules[r].undetermined++;
	}
	return HA_OK;
}

/* The narrative of every host that is not ready, from narrative.c itself,
 * so the page and `hiveaudit explain` tell the same story.
 *
 * Which causes a narrative lists, in which order, with which heading and
 * symptom, depends only on the (rule, status, category) of the host's
 * findings: only the reason sentences are the host's own.  So it is asked
 * for once per distinct pattern (a fleet has few), and report.js shows
 * each item with the reason of the host's own finding for that rule.
 * One narrative query per host would not scale: it reads the run's
 * findings each time. */
static int narrative(struct html_reader *c)
{
	struct hrec *h = &c->cur;
	struct ha_buf nb;
	uint32_t sid, nid;
	int rc;

	if (h->verdict == V_READY || !h->f_n)
		return HA_OK;
	if (c->sig.n >= SIG_CAP) { /* a fleet has few patterns; a hostile one, bounded */
		intern_free(&c->sig);
		intern_init(&c->sig);
		c->sig_narr.n = 0;
	}
	rc = intern_add(&c->sig, c->pat.data, c->pat.len, &sid);
	if (rc)
		return html_fail(c->err, rc);
	if (sid < c->sig_narr.n) {
		h->narrative = (uint32_t)c->sig_narr.v[sid];
		return HA_OK;
	}
	ha_buf_init(&nb, (size_t)16 << 20);
	rc = ha_report_narrative(c->st, c->fl->run_id, h->host_id, 0, &nb, c->err);
	if (!rc && !(rc = str_id(c, ha_buf_cstr(&nb), &nid))) {
		h->narrative = nid;
		rc = push(c, &c->sig_narr, nid);
	}
	ha_buf_free(&nb);
	return rc;
}

struct trendctx {
	struct html_reader *c;
	struct trend *v;
	size_t n;
	int nomem;
};

static int trend_cb(void *ctx, const struct ha_run_summary *r)
{
	struct trendctx *t = ctx;
	struct trend *e;

	if (r->run_id > t->c->fl->run_id || strcmp(r->paths, t->c->fl->paths) != 0 ||
	    (r->run_id != t->c->fl->run_id && r->status != HA_RUN_COMPLETE))
		return 0;
	if (t->n == MAX_TREND) { /* keep the newest */
		memmove(t->v, t->v + 1, (MAX_TREND - 1) * sizeof *t->v);
		t->n--;
	}
	e = &t->v[t->n++];
	e->run = r->run_id;
	snprintf(e->as_of, sizeof e->as_of, "%.10s", r->as_of);
	memcpy(e->v, r->verdicts, sizeof e->v);
	return 0;
}

/* The comparison with the previous run over the same paths, and the
 * trend: both from the store, like everything else on the page. */
static int load_changes(struct html_reader *c)
{
	struct trendctx t;
	int64_t from = 0, to = c->fl->run_id;
	int rc;

	rc = ha_diff_pick_runs(c->st, &from, &to, c->err);
	if (rc == HA_ERR_NOTFOUND) {
		ha_err_clear(c->err);
		return HA_OK; /* the first audit of these paths */
	}
	if (!rc)
		rc = ha_diff_runs(c->st, from, to, &c->fl->diff, c->err);
	if (rc)
		return rc;
	memset(&t, 0, sizeof t);
	t.c = c;
	t.v = calloc(MAX_TREND, sizeof *t.v);
	if (!t.v)
		return html_nomem(c->err);
	rc = ha_store_each_run(c->st, trend_cb, &t, c->err);
	c->fl->trend = t.v;
	c->fl->ntrend = t.n;
	return rc;
}

static int run_cb_check(struct html_reader *c)
{
	if (!c->fl->status)
		return ha_err_set(c->err, HA_ERR_NOTFOUND, "no run %" PRId64 " in the store",
		                  c->fl->run_id);
	return HA_OK;
}

int html_read(struct ha_store *st, struct html_model *m, struct html_fleet *fl, struct ha_err *err)
{
	struct html_reader c;
	int64_t run_id = fl->run_id;
	uint32_t empty;
	int rc;

	memset(&c, 0, sizeof c);
	c.st = st;
	c.err = err;
	c.m = m;
	c.fl = fl;
	intern_init(&c.sig);
	ha_buf_init(&c.fkeys, (size_t)16 << 20);
	ha_buf_init(&c.pat, (size_t)16 << 20);
	ha_buf_init(&c.line, (size_t)16 << 20);

	rc = str_id(&c, "", &empty); /* string 0 is "" */
	if (!rc)
		rc = ha_store_get_run(st, run_id, run_cb, &c, err);
	if (!rc)
		rc = run_cb_check(&c);
	if (!rc)
		rc = ha_store_each_rule(st, run_id, rule_cb, &c, err);
	if (!rc)
		rc = ha_store_each_note(st, run_id, note_cb, &c, err);
	if (!rc)
		rc = ha_store_each_host(st, run_id, NULL, host_cb, &c, err);
	if (!rc)
		rc = load_changes(&c);

	intern_free(&c.sig);
	free(c.sig_narr.v);
	free(c.pool.v);
	free(c.rec.v);
	free(c.files.v);
	ha_buf_free(&c.pat);
	ha_buf_free(&c.fkeys);
	ha_buf_free(&c.line);
	return rc;
}

void html_fleet_init(struct html_fleet *f, int64_t run_id)
{
	memset(f, 0, sizeof *f);
	f->run_id = run_id;
	intern_init(&f->os);
	intern_init(&f->hp);
}

void html_fleet_free(struct html_fleet *f)
{
	size_t i;
	int j;

	ha_diff_free(f->diff);
	free(f->trend);
	intern_free(&f->os);
	intern_free(&f->hp);
	for (i = 0; i < f->nnotes; i++)
		free(f->notes[i]);
	free(f->notes);
	for (i = 0; i < f->nrules; i++)
		for (j = 0; j < R_NSTR; j++)
			free(f->rules[i].text[j]);
	free(f->rules);
	free(f->os_count);
	free(f->hp_all);
	free(f->hp_unknown);
	free(f->started);
	free(f->finished);
	free(f->status);
	free(f->tool_version);
	free(f->as_of);
	free(f->paths);
}
