/* narrative.c: "why TLS 1.2 would fail here", for one host.
 *
 * The causes come in the order in which they break a connection (reference
 * tls12-rules.md section 9): an OS that cannot run TLS 1.2 makes every
 * later fix moot; a missing update next; then SChannel not offering TLS 1.2;
 * then .NET offering old protocols; then certificate trust (which shows up
 * as a chain error, not as 10054); last, evidence that may be stale. */
#include <stdlib.h>
#include <string.h>

#include "ha_report.h"

struct item {
	char *rule_id, *category, *reason, *title;
	enum ha_status status;
};

struct nctx {
	struct item *v;
	size_t n;
	int nomem;
};

static int collect(void *ctx, const struct ha_finding_row *f)
{
	struct nctx *c = ctx;
	struct item *v = realloc(c->v, (c->n + 1) * sizeof *v);

	if (!v) {
		c->nomem = 1;
		return HA_ERR_NOMEM;
	}
	c->v = v;
	v[c->n].rule_id = ha_strdup(f->rule_id);
	v[c->n].status = f->status;
	v[c->n].category = ha_strdup(f->category);
	v[c->n].reason = ha_strdup(f->reason);
	v[c->n].title = ha_strdup(f->title);
	c->n++;
	if (!v[c->n - 1].rule_id || !v[c->n - 1].category || !v[c->n - 1].reason ||
	    !v[c->n - 1].title) {
		c->nomem = 1;
		return HA_ERR_NOMEM;
	}
	return 0;
}

static void line(struct ha_buf *out, int html, const char *head, const struct item *it,
                 const char *symptom)
{
	if (html) {
		ha_buf_puts(out, "<li><b>");
		ha_escape_html(out, head);
		ha_buf_puts(out, "</b> (");
		ha_escape_html(out, it->rule_id);
		ha_buf_puts(out, ", ");
		ha_escape_html(out, ha_status_name(it->status));
		ha_buf_puts(out, "): ");
		ha_escape_html(out, it->reason);
		if (symptom) {
			ha_buf_puts(out, " <i>");
			ha_escape_html(out, symptom);
			ha_buf_puts(out, "</i>");
		}
		ha_buf_puts(out, "</li>\n");
	} else {
		/* Everything from the store is escaped: a store is a file anyone
		 * may hand us, not only one this program wrote. */
		ha_buf_printf(out, "  - %s (", head);
		ha_escape_terminal(out, it->rule_id);
		ha_buf_puts(out, ", ");
		ha_escape_terminal(out, ha_status_name(it->status));
		ha_buf_puts(out, "): ");
		ha_escape_terminal(out, it->reason);
		if (symptom)
			ha_buf_printf(out, "\n    %s", symptom);
		ha_buf_putc(out, '\n');
	}
}

int ha_report_narrative(struct ha_store *st, int64_t run_id, int64_t host_id, int html,
                        struct ha_buf *out, struct ha_err *err)
{
	struct nctx c = {0};
	const struct ha_category *cats;
	size_t i, k, ncats, shown = 0;
	int rc = ha_store_each_finding(st, run_id, host_id, collect, &c, err);

	if (c.nomem)
		rc = ha_err_nomem(err);
	cats = ha_categories(&ncats);
	for (k = 0; !rc && k < ncats; k++) {
		if (!cats[k].cause)
			continue;
		for (i = 0; i < c.n; i++) {
			if (strcmp(c.v[i].category, cats[k].name) || c.v[i].status != HA_FAIL)
				continue;
			line(out, html, cats[k].cause, &c.v[i], cats[k].symptom);
			shown++;
		}
	}
	/* Evidence that cannot be trusted comes last: it qualifies the rest. */
	for (i = 0; !rc && i < c.n; i++) {
		const struct ha_category *cat = ha_category_find(c.v[i].category);
		int integrity = cat && cat->integrity && c.v[i].status != HA_PASS;
		int unknown = c.v[i].status == HA_UNKNOWN && (!cat || cat->decides);

		if (integrity)
			line(out, html, "Stale or missing evidence", &c.v[i],
			     "The hives may not show the machine as it runs; verify on the host or "
			     "collect "
			     "the hives again with their logs.");
		else if (unknown)
			line(out, html, "Undetermined", &c.v[i], NULL);
		else
			continue;
		shown++;
	}
	if (!rc && !shown) {
		if (html)
			ha_buf_puts(out, "<li>Every prerequisite is met: TLS 1.2 to Azure Backup "
			                 "should work "
			                 "on this host.</li>\n");
		else
			ha_buf_puts(out, "  Every prerequisite is met: TLS 1.2 to Azure Backup "
			                 "should work on "
			                 "this host.\n");
	}
	for (i = 0; i < c.n; i++) {
		free(c.v[i].rule_id);
		free(c.v[i].category);
		free(c.v[i].reason);
		free(c.v[i].title);
	}
	free(c.v);
	if (!rc && ha_buf_status(out))
		rc = ha_err_nomem(err);
	return rc;
}
