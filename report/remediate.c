/* remediate.c: a .reg file per host with exactly the registry changes its
 * failing rules need.  Never for NOT_APPLICABLE or UNKNOWN findings: a
 * change is only proposed where the evidence shows it is missing. */
#include <stdlib.h>
#include <string.h>

#include "ha_report.h"

/* Appends text from a rule file as the rest of a comment line.  A line
 * break in it must not end the comment: regedit would import the rest as
 * registry data.  Each break continues the comment on a new "; " line. */
static void put_comment(struct ha_buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\r' && s[1] == '\n')
			continue;
		if (*s == '\r' || *s == '\n')
			ha_buf_puts(b, "\r\n; ");
		else
			ha_buf_putc(b, *s);
	}
}

struct rctx {
	struct ha_store *st;
	struct ha_err *err;
	struct ha_buf *out;
	struct ha_buf body;
	int n;
	int manual;
	struct ha_buf notes;
};

static int cb_reg(struct rctx *r, const struct ha_finding_row *f, const char *reg, int apply_warn);

static int cb(void *ctx, const struct ha_finding_row *f)
{
	struct rctx *r = ctx;
	char *frag = NULL;
	int rc;

	/* The cipher suite rule's change depends on the host: its finding
	 * carries it (report/suites.c). */
	if (!strcmp(f->rule_id, HA_SUITES_RULE) &&
	    ha_report_suites_fragment(r->st, f->finding_id, &frag, r->err))
		return -1;
	/* A WARN there is damage on the host (Azure's older policy only): fixed. */
	rc = cb_reg(r, f, frag ? frag : f->reg, frag != NULL);
	free(frag);
	return rc;
}

static int cb_reg(struct rctx *r, const struct ha_finding_row *f, const char *reg, int apply_warn)
{

	if (f->status != HA_FAIL && f->status != HA_WARN)
		return 0;
	if (!*reg) {
		ha_buf_puts(&r->notes, "; ");
		put_comment(&r->notes, f->rule_id);
		ha_buf_printf(&r->notes, " (%s): ", ha_status_name(f->status));
		put_comment(&r->notes, *f->remedy ? f->remedy : "see the rule's documentation");
		ha_buf_puts(&r->notes, "\r\n");
		r->manual++;
		return 0;
	}
	/* WARN findings of informational rules are not changed automatically. */
	if (f->status == HA_WARN && !apply_warn) {
		ha_buf_puts(&r->notes, "; ");
		put_comment(&r->notes, f->rule_id);
		ha_buf_puts(&r->notes, " (WARN, not applied): ");
		put_comment(&r->notes, f->remedy);
		ha_buf_puts(&r->notes, "\r\n");
		return 0;
	}
	ha_buf_puts(&r->body, "\r\n; ");
	put_comment(&r->body, f->rule_id);
	ha_buf_puts(&r->body, ": ");
	put_comment(&r->body, f->title);
	ha_buf_puts(&r->body, "\r\n");
	{
		/* .reg files use CRLF line ends. */
		const char *p = reg;

		while (*p) {
			const char *e = strchr(p, '\n');
			size_t n = e ? (size_t)(e - p) : strlen(p);

			if (n && p[n - 1] == '\r')
				n--;
			ha_buf_add(&r->body, p, n);
			ha_buf_puts(&r->body, "\r\n");
			p = e ? e + 1 : p + strlen(p);
		}
	}
	r->n++;
	return 0;
}

struct hctx {
	const char *label;
	char *text;
};

/* Text from the store (a folder or computer name from a hostile
 * collection) as the rest of a comment line: control characters, CR and
 * LF among them, become visible escapes, so nothing can end the comment
 * and be imported as registry data. */
static void put_field(struct ha_buf *b, const char *s)
{
	ha_escape_terminal(b, s && *s ? s : "(unknown)");
}

struct prov {
	struct ha_buf *b;
	int hosts;
};

static int prov_host(void *ctx, const struct ha_host_row *h)
{
	struct prov *p = ctx;

	p->hosts++;
	ha_buf_puts(p->b, "; Host:          ");
	put_field(p->b, h->label);
	ha_buf_puts(p->b, "\r\n; Folder:        ");
	put_field(p->b, h->dir);
	ha_buf_puts(p->b, "\r\n; Computer name: ");
	put_field(p->b, h->computer_name);
	ha_buf_puts(p->b, "\r\n");
	return 0;
}

static int prov_run(void *ctx, const struct ha_run_row *r)
{
	struct prov *p = ctx;

	ha_buf_printf(p->b, "; Run:           %lld (", (long long)r->run_id);
	put_field(p->b, ha_run_state_name(r->status));
	ha_buf_puts(p->b, ", started ");
	put_field(p->b, r->started_at);
	ha_buf_puts(p->b, ", as of ");
	put_field(p->b, r->as_of);
	ha_buf_puts(p->b, ")\r\n");
	return 0;
}

static int prov_hive(void *ctx, const struct ha_hive_row *h)
{
	struct prov *p = ctx;

	if (!*h->role)
		return 0; /* files beside the hives that are not audited */
	ha_buf_puts(p->b, "; ");
	put_field(p->b, h->role);
	ha_buf_puts(p->b, !strcmp(h->role, "SYSTEM") ? " hive:   " : " hive: ");
	put_field(p->b, *h->path ? h->path : "(none)");
	ha_buf_puts(p->b, " [");
	put_field(p->b, ha_hive_status_name(h->status));
	ha_buf_puts(p->b, "] sha256 ");
	put_field(p->b, *h->sha256 ? h->sha256 : "unknown");
	ha_buf_puts(p->b, "\r\n");
	return 0;
}

/* Where the file comes from: the host, its folder and computer name, the
 * run, and each audited hive with its SHA-256, so that a .reg file found
 * later can be tied to the evidence it was made from. */
static int provenance(struct ha_store *st, int64_t run_id, int64_t host_id, struct ha_buf *out,
                      struct ha_err *err)
{
	struct prov p = {out, 0};
	int rc;

	ha_buf_puts(out, ";\r\n; Made from:\r\n");
	rc = ha_store_get_host(st, host_id, prov_host, &p, err);
	if (!rc && !p.hosts)
		rc = ha_err_set(err, HA_ERR_STORE, "no host %lld", (long long)host_id);
	if (!rc)
		rc = ha_store_get_run(st, run_id, prov_run, &p, err);
	if (!rc)
		rc = ha_store_each_hive(st, host_id, prov_hive, &p, err);
	return rc;
}

int ha_report_remediation(struct ha_store *st, int64_t run_id, int64_t host_id, struct ha_buf *out,
                          struct ha_err *err)
{
	struct rctx r;
	int rc;

	memset(&r, 0, sizeof r);
	r.st = st;
	r.err = err;
	r.out = out;
	ha_buf_init(&r.body, 1 << 20);
	ha_buf_init(&r.notes, 1 << 20);
	rc = ha_store_each_finding(st, run_id, host_id, cb, &r, err);
	if (!rc && !r.n && !r.manual)
		rc = ha_err_set(err, HA_ERR_NOTFOUND, "nothing to remediate");
	if (!rc) {
		ha_buf_puts(out, "Windows Registry Editor Version 5.00\r\n\r\n");
		ha_buf_puts(
		        out,
		        "; Generated by hiveaudit from the evidence of one audit run.\r\n"
		        "; It sets only what the failing rules need. Review before importing;\r\n"
		        "; SChannel and .NET changes take effect after a reboot.\r\n");
		rc = provenance(st, run_id, host_id, out, err);
	}
	if (!rc) {
		if (r.notes.len) {
			ha_buf_puts(out,
			            ";\r\n; Also needed, not expressible as registry changes:\r\n");
			ha_buf_puts(out, ha_buf_cstr(&r.notes));
		}
		ha_buf_puts(out, ha_buf_cstr(&r.body));
		if (ha_buf_status(out) || ha_buf_status(&r.body) || ha_buf_status(&r.notes))
			rc = ha_err_nomem(err);
	}
	ha_buf_free(&r.body);
	ha_buf_free(&r.notes);
	return rc;
}
