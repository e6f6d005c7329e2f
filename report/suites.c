/* suites.c: the effective TLS 1.2 cipher suites of one host, as the
 * SCHANNEL-CIPHER-SUITES rule recorded them, for hosts.csv, the HTML host
 * view, `explain` and `remediate`.
 *
 * The rule (rules/suites.c) writes two derived evidence rows: value name
 * "offered" (data: the effective list, comma-separated, in order; note:
 * where the list came from) and "accepted by Azure" (data: the accepted
 * ones, each followed by " (compatibility)" when only the older policy
 * takes it).  Suite names hold no commas, so the lists split cleanly; the
 * text is still hive-derived and is escaped by each writer. */
#include <stdlib.h>
#include <string.h>

#include "ha_report.h"

struct sctx {
	struct ha_suites_view *v;
	struct ha_err *err;
	int nomem;
};

static void set(struct sctx *c, char **dst, const char *s)
{
	free(*dst);
	*dst = ha_strdup(s ? s : "");
	if (!*dst)
		c->nomem = 1;
}

static int ev_cb(void *ctx, const struct ha_evidence_row *e)
{
	struct sctx *c = ctx;

	if (!e->value_name || strcmp(e->value_type, "suite list") != 0)
		return 0;
	if (!strcmp(e->value_name, "offered")) {
		set(c, &c->v->offered, e->data);
		set(c, &c->v->source, e->note);
		c->v->have_lists = 1;
	} else if (!strcmp(e->value_name, "accepted by Azure")) {
		set(c, &c->v->accepted, e->data);
	}
	return c->nomem ? HA_ERR_NOMEM : 0;
}

static int finding_cb(void *ctx, const struct ha_finding_row *f)
{
	struct sctx *c = ctx;
	size_t i;
	int rc = 0;

	if (strcmp(f->rule_id, HA_SUITES_RULE) != 0)
		return 0;
	c->v->found = 1;
	set(c, &c->v->status, ha_status_name(f->status));
	set(c, &c->v->reason, f->reason);
	set(c, &c->v->observed, f->observed);
	if (c->nomem)
		return HA_ERR_NOMEM;
	for (i = 0; i < f->nevidence && !rc; i++)
		rc = ev_cb(c, &f->evidence[i]);
	return rc;
}

/* Items of a comma-separated list. */
static size_t count_items(const char *s)
{
	size_t n = 0;

	if (!s || !*s)
		return 0;
	for (n = 1; *s; s++)
		n += *s == ',';
	return n;
}

int ha_report_suites(struct ha_store *st, int64_t run_id, int64_t host_id, struct ha_suites_view *v,
                     struct ha_err *err)
{
	struct sctx c;
	int rc;

	memset(v, 0, sizeof *v);
	memset(&c, 0, sizeof c);
	c.v = v;
	c.err = err;
	rc = ha_store_each_finding(st, run_id, host_id, finding_cb, &c, err);
	if (c.nomem)
		rc = ha_err_nomem(err);
	if (rc) {
		ha_suites_view_free(v);
		return rc;
	}
	v->n_offered = count_items(v->offered);
	v->n_accepted = count_items(v->accepted);
	return HA_OK;
}

void ha_suites_view_free(struct ha_suites_view *v)
{
	free(v->status);
	free(v->reason);
	free(v->observed);
	free(v->offered);
	free(v->accepted);
	free(v->source);
	memset(v, 0, sizeof *v);
}

int ha_suites_item(const char *list, size_t i, char *buf, size_t len)
{
	const char *p = list, *e;
	size_t n;

	if (!p)
		return 0;
	for (; i && p; i--) {
		p = strchr(p, ',');
		if (p)
			p++;
	}
	if (!p || !*p)
		return 0;
	while (*p == ' ')
		p++;
	e = strchr(p, ',');
	n = e ? (size_t)(e - p) : strlen(p);
	if (n >= len)
		n = len - 1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return 1;
}

int ha_suites_accepted(const struct ha_suites_view *v, const char *name)
{
	char one[256];
	size_t i, n = strlen(name);

	for (i = 0; ha_suites_item(v->accepted, i, one, sizeof one); i++) {
		if (strncmp(one, name, n) != 0)
			continue;
		if (one[n] == '\0')
			return 1;
		if (!strcmp(one + n, " (compatibility)"))
			return 2;
	}
	return 0;
}

struct fctx {
	char *text;
	int nomem;
};

static int frag_cb(void *ctx, const struct ha_evidence_row *e)
{
	struct fctx *c = ctx;

	if (c->text || strcmp(e->value_type, "reg fragment") != 0)
		return 0;
	if (!(c->text = ha_strdup(e->data)))
		c->nomem = 1;
	return c->nomem ? HA_ERR_NOMEM : 0;
}

int ha_report_suites_fragment(struct ha_store *st, int64_t finding_id, char **out,
                              struct ha_err *err)
{
	struct fctx c = {NULL, 0};
	int rc = ha_store_each_evidence(st, finding_id, frag_cb, &c, err);

	if (c.nomem)
		rc = ha_err_nomem(err);
	if (rc) {
		free(c.text);
		c.text = NULL;
	}
	*out = c.text;
	return rc;
}
