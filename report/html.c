/* html.c: report.html, one self-contained page (no external requests; a
 * Content-Security-Policy forbids them).  Every string that came from a
 * hive, a file name or a rule file goes through ha_escape_html. */
#include <stdio.h>
#include <string.h>

#include "ha_report.h"

struct hctx {
	struct ha_store *st;
	struct ha_out out;
	struct ha_buf b;
	struct ha_err *err;
	int64_t run_id;
	long hosts, ready, not_ready, unknown;
};

static void esc(struct hctx *c, const char *s) { ha_escape_html(&c->b, s ? s : ""); }

static int flush(struct hctx *c)
{
	if (c->b.len >= (1u << 16) || ha_buf_status(&c->b))
		return ha_out_write(&c->out, &c->b, c->err);
	return 0;
}

static int count_cb(void *ctx, const struct ha_host_row *h)
{
	struct hctx *c = ctx;

	c->hosts++;
	if (!strcmp(h->verdict, "ready"))
		c->ready++;
	else if (!strcmp(h->verdict, "not_ready"))
		c->not_ready++;
	else
		c->unknown++;
	return 0;
}

static int ev_cb(void *ctx, const struct ha_evidence_row *e)
{
	struct hctx *c = ctx;

	ha_buf_puts(&c->b, "<tr><td>");
	esc(c, e->role);
	ha_buf_puts(&c->b, "</td><td>");
	esc(c, e->key_path);
	ha_buf_puts(&c->b, "</td><td>");
	esc(c, e->value_name ? e->value_name : "");
	ha_buf_puts(&c->b, "</td><td>");
	esc(c, e->value_type);
	ha_buf_puts(&c->b, "</td><td>");
	esc(c, e->data);
	ha_buf_puts(&c->b, "</td><td>");
	esc(c, e->last_write);
	ha_buf_puts(&c->b, "</td><td>");
	esc(c, e->note);
	ha_buf_puts(&c->b, "</td></tr>\n");
	return flush(c);
}

static int finding_cb(void *ctx, const struct ha_finding_row *f)
{
	struct hctx *c = ctx;
	int rc;

	ha_buf_printf(&c->b, "<tr class=\"st-%s\"><td>", f->status);
	esc(c, f->rule_id);
	ha_buf_puts(&c->b, "</td><td>");
	esc(c, f->status);
	ha_buf_puts(&c->b, "</td><td>");
	esc(c, f->observed);
	ha_buf_puts(&c->b, "</td><td>");
	esc(c, f->expected);
	ha_buf_puts(&c->b, "</td><td>");
	esc(c, f->reason);
	ha_buf_puts(&c->b, "</td></tr>\n<tr><td></td><td colspan=\"4\"><table class=\"ev\">");
	rc = ha_store_each_evidence(c->st, f->finding_id, ev_cb, c, c->err);
	ha_buf_puts(&c->b, "</table>");
	if (!rc && (!strcmp(f->status, "FAIL")) && *f->reg) {
		ha_buf_puts(&c->b, "<pre class=\"reg\">");
		esc(c, f->reg);
		ha_buf_puts(&c->b, "</pre>");
	}
	ha_buf_puts(&c->b, "</td></tr>\n");
	return rc ? rc : flush(c);
}

static int host_cb(void *ctx, const struct ha_host_row *h)
{
	struct hctx *c = ctx;
	int rc;

	ha_buf_printf(&c->b, "<details class=\"host v-%s\"><summary>", h->verdict);
	esc(c, h->label);
	ha_buf_puts(&c->b, " &mdash; ");
	esc(c, h->computer_name);
	ha_buf_puts(&c->b, " &mdash; ");
	esc(c, h->os_family);
	ha_buf_puts(&c->b, " &mdash; ");
	esc(c, h->verdict);
	ha_buf_puts(&c->b, "</summary><p>");
	esc(c, h->verdict_reason);
	ha_buf_puts(&c->b, "</p><table class=\"f\"><tr><th>rule</th><th>status</th><th>observed</th>"
			   "<th>expected</th><th>reason</th></tr>\n");
	rc = ha_store_each_finding(c->st, c->run_id, h->host_id, finding_cb, c, c->err);
	ha_buf_puts(&c->b, "</table></details>\n");
	return rc ? rc : flush(c);
}

static const char css[] =
	"body{font-family:sans-serif;margin:1em;color:#222}"
	"table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 4px;"
	"vertical-align:top;font-size:90%}.st-FAIL td:nth-child(2){background:#f8d0d0}"
	".st-PASS td:nth-child(2){background:#d0f0d0}.st-WARN td:nth-child(2){background:#fbe9c0}"
	".st-UNKNOWN td:nth-child(2){background:#ddd}pre.reg{background:#f4f4f4;padding:4px}"
	".ev td{font-size:80%;border-color:#eee}";

int ha_report_html(struct ha_store *st, int64_t run_id, const char *path, struct ha_err *err)
{
	struct hctx c;
	char csp[45];
	int rc;

	memset(&c, 0, sizeof c);
	c.st = st;
	c.err = err;
	c.run_id = run_id;
	rc = ha_store_each_host(st, run_id, NULL, count_cb, &c, err);
	if (rc)
		return rc;
	rc = ha_sha256_b64(css, sizeof css - 1, csp, err);
	if (rc)
		return rc;
	ha_buf_init(&c.b, 64u << 20);
	rc = ha_out_open(&c.out, path, err);
	if (rc) {
		ha_buf_free(&c.b);
		return rc;
	}
	ha_buf_printf(&c.b,
		      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		      "style-src 'sha256-%s'\"><title>hiveaudit report</title><style>%s</style>"
		      "</head><body><h1>TLS 1.2 readiness for Azure Backup</h1>\n",
		      csp, css);
	ha_buf_printf(&c.b,
		      "<p id=\"summary\">Hosts audited: <b id=\"n-hosts\">%ld</b>; ready: <b "
		      "id=\"n-ready\">%ld</b>; not ready: <b id=\"n-not-ready\">%ld</b>; unknown: <b "
		      "id=\"n-unknown\">%ld</b>.</p>\n",
		      c.hosts, c.ready, c.not_ready, c.unknown);
	rc = ha_store_each_host(st, run_id, NULL, host_cb, &c, err);
	if (!rc) {
		ha_buf_puts(&c.b, "</body></html>\n");
		rc = ha_out_write(&c.out, &c.b, err);
	}
	if (!rc)
		rc = ha_out_commit(&c.out, err);
	else
		ha_out_abort(&c.out);
	ha_buf_free(&c.b);
	return rc;
}
