/* csv.c: findings.csv and hosts.csv (RFC 4180: every field quoted, CRLF
 * line ends, UTF-8; cells starting with = + - @ tab or CR defused with a
 * leading apostrophe, as CONTRACT.md requires).  Column orders are part of
 * the interface and documented in README.md. */
#include <stdio.h>
#include <string.h>

#include "ha_report.h"

#define FLUSH_AT (1u << 16)

struct csvctx {
	struct ha_store *st; /* hosts.csv: for the suite counts */
	int64_t run_id;
	struct ha_out out;
	struct ha_buf b;
	struct ha_buf ev; /* findings.csv: the evidence column's text */
	struct ha_err *err;
	int rc;
};

static void row_begin(struct csvctx *c)
{
	(void)c;
}

static void field(struct csvctx *c, const char *s, int first)
{
	if (!first)
		ha_buf_putc(&c->b, ',');
	ha_csv_field(&c->b, s);
}

static void field_long(struct csvctx *c, long v)
{
	char tmp[32];

	if (v < 0)
		tmp[0] = '\0';
	else
		snprintf(tmp, sizeof tmp, "%ld", v);
	field(c, tmp, 0);
}

static int row_end(struct csvctx *c)
{
	ha_buf_puts(&c->b, "\r\n");
	if (c->b.len >= FLUSH_AT || ha_buf_status(&c->b))
		c->rc = ha_out_write(&c->out, &c->b, c->err);
	return c->rc;
}

static void header(struct csvctx *c, const char *const *cols)
{
	size_t i;

	for (i = 0; cols[i]; i++)
		field(c, cols[i], i == 0);
	row_end(c);
}

static int finish(struct csvctx *c, int rc)
{
	if (!rc && (c->b.len || ha_buf_status(&c->b)))
		rc = ha_out_write(&c->out, &c->b, c->err);
	if (!rc)
		rc = ha_out_commit(&c->out, c->err);
	else
		ha_out_abort(&c->out);
	ha_buf_free(&c->b);
	return rc;
}

static const char *const finding_cols[] = {
        "host",     "computer_name", "rule_id",       "status",         "severity",   "title",
        "observed", "expected",      "reason",        "evidence",       "hive_files", "hive_sha256",
        "host_dir", "waived",        "waiver_reason", "waiver_expires", NULL,
};

static int finding_cb(void *ctx, const struct ha_finding_row *f)
{
	struct csvctx *c = ctx;

	row_begin(c);
	field(c, f->label, 1);
	field(c, f->computer_name, 0);
	field(c, f->rule_id, 0);
	field(c, ha_status_name(f->status), 0);
	field(c, f->severity, 0);
	field(c, f->title, 0);
	field(c, f->observed, 0);
	field(c, f->expected, 0);
	field(c, f->reason, 0);
	ha_buf_truncate(&c->ev, 0);
	ha_evidence_render_list(&c->ev, f->evidence, f->nevidence);
	if (ha_buf_status(&c->ev))
		return c->rc = ha_err_set(c->err, ha_buf_status(&c->ev), "findings.csv: evidence");
	field(c, ha_buf_cstr(&c->ev), 0);
	field(c, f->hive_files, 0);
	field(c, f->hive_sha256, 0);
	field(c, f->dir, 0);
	field(c, f->waived, 0);
	field(c, f->waiver_reason, 0);
	field(c, f->waiver_expires, 0);
	return row_end(c);
}

int ha_report_findings_csv(struct ha_store *st, int64_t run_id, const char *path,
                           struct ha_err *err)
{
	struct csvctx c;
	int rc;

	memset(&c, 0, sizeof c);
	c.err = err;
	ha_buf_init(&c.b, 64u << 20);
	rc = ha_out_open(&c.out, path, err);
	if (rc) {
		ha_buf_free(&c.b);
		return rc;
	}
	ha_buf_init(&c.ev, 64u << 20);
	header(&c, finding_cols);
	rc = c.rc ? c.rc : ha_store_each_finding(st, run_id, 0, finding_cb, &c, err);
	ha_buf_free(&c.ev);
	return finish(&c, rc);
}

static const char *const host_cols[] = {
        "host",
        "computer_name",
        "verdict",
        "verdict_reason",
        "os_family",
        "product_name",
        "nt_version",
        "build",
        "ubr",
        "service_pack",
        "product",
        "product_type",
        "architecture",
        "edition",
        "installation_type",
        "hostname",
        "domain",
        "control_set",
        "control_set_source",
        "system_hive",
        "software_hive",
        "pass",
        "fail",
        "warn",
        "not_applicable",
        "unknown",
        "host_dir",
        "note",
        "tls12_suites_offered",
        "tls12_suites_azure",
        NULL,
};

static int host_cb(void *ctx, const struct ha_host_row *h)
{
	struct csvctx *c = ctx;
	int i;

	field(c, h->label, 1);
	field(c, h->computer_name, 0);
	field(c, ha_verdict_name(h->verdict), 0);
	field(c, h->verdict_reason, 0);
	field(c, h->os_family, 0);
	field(c, h->product_name, 0);
	field(c, h->nt_version, 0);
	field_long(c, h->build);
	field_long(c, h->ubr);
	field_long(c, h->sp);
	field(c, h->product, 0);
	field(c, h->product_type, 0);
	field(c, h->arch, 0);
	field(c, h->edition, 0);
	field(c, h->installation_type, 0);
	field(c, h->hostname, 0);
	field(c, h->domain, 0);
	field_long(c, h->control_set);
	field(c, h->control_set_source, 0);
	field(c, ha_hive_status_name(h->hive_status[HA_SYSTEM]), 0);
	field(c, ha_hive_status_name(h->hive_status[HA_SOFTWARE]), 0);
	for (i = 0; i < HA_NSTATUS; i++)
		field_long(c, h->findings_by_status[i]);
	field(c, h->dir, 0);
	field(c, h->note, 0);
	{
		/* Empty when the rule could not work the list out. */
		struct ha_suites_view v;

		if ((c->rc = ha_report_suites(c->st, c->run_id, h->host_id, &v, c->err)))
			return c->rc;
		field_long(c, v.have_lists ? (long)v.n_offered : -1);
		field_long(c, v.have_lists ? (long)v.n_accepted : -1);
		ha_suites_view_free(&v);
	}
	return row_end(c);
}

int ha_report_hosts_csv(struct ha_store *st, int64_t run_id, const char *path, struct ha_err *err)
{
	struct csvctx c;
	int rc;

	memset(&c, 0, sizeof c);
	c.err = err;
	c.st = st;
	c.run_id = run_id;
	ha_buf_init(&c.b, 64u << 20);
	rc = ha_out_open(&c.out, path, err);
	if (rc) {
		ha_buf_free(&c.b);
		return rc;
	}
	header(&c, host_cols);
	rc = c.rc ? c.rc : ha_store_each_host(st, run_id, NULL, host_cb, &c, err);
	return finish(&c, rc);
}
