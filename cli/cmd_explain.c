/* cmd_explain.c: `hiveaudit explain HOST`, the forensic view of one host on
 * the terminal.  Every string from a hive is passed through the terminal
 * escaper: a hostile value must not be able to send escape sequences. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ha_report.h"
#include "ha_store.h"

static void explain_usage(FILE *f)
{
	fprintf(f,
	        "usage: hiveaudit explain [--db FILE] [--run N] [--all-findings] [--quiet] HOST\n\n"
	        "Prints why TLS 1.2 to Azure Backup would fail on HOST (its label, computer name\n"
	        "or folder), its causes in order, and the evidence behind every finding.\n\n"
	        "Options:\n"
	        "      --db FILE        the store (default ./" HA_DEFAULT_OUT "/audit.db)\n"
	        "      --run N          which run (default the newest complete run; a failed or\n"
	        "                       interrupted run is shown only when named)\n"
	        "  -a, --all-findings   show passing and not-applicable findings too\n"
	        "  -q, --quiet          do not say which run is shown\n"
	        "  -h, --help           this help\n\n"
	        "Exit codes: 0 shown; 2 usage error, no such host or run, no complete run;\n"
	        "3 the store could not be read.\n");
}

struct explain_ctx {
	struct ha_store *st;
	int64_t run_id;
	int all;
	int hosts;
	struct ha_buf b;
	struct ha_err *err;
};

static void term(struct ha_buf *b, const char *s)
{
	ha_escape_terminal(b, s ? s : "");
}

static int finding_cb(void *ctx, const struct ha_finding_row *f)
{
	struct explain_ctx *c = ctx;
	size_t i;

	if (!c->all && (f->status == HA_PASS || f->status == HA_NOT_APPLICABLE))
		return 0;
	ha_buf_printf(&c->b, "  %-14s %s  ", ha_status_name(f->status), f->rule_id);
	term(&c->b, f->title);
	ha_buf_puts(&c->b, "\n      observed: ");
	term(&c->b, f->observed);
	ha_buf_puts(&c->b, "\n      expected: ");
	term(&c->b, f->expected);
	ha_buf_puts(&c->b, "\n      why:      ");
	term(&c->b, f->reason);
	ha_buf_putc(&c->b, '\n');
	if (f->waived[0]) { /* an accepted exception (scan --waivers) */
		ha_buf_puts(&c->b, !strcmp(f->waived, "yes") ? "      waived:   "
		                                             : "      waiver EXPIRED: ");
		term(&c->b, f->waiver_reason);
		ha_buf_puts(&c->b, " (approved by ");
		term(&c->b, f->waiver_approver);
		ha_buf_puts(&c->b, !strcmp(f->waived, "yes") ? ", until " : ", expired after ");
		term(&c->b, f->waiver_expires);
		if (f->waiver_ticket[0]) {
			ha_buf_puts(&c->b, ", ticket ");
			term(&c->b, f->waiver_ticket);
		}
		ha_buf_puts(&c->b, "; ");
		term(&c->b, f->waiver_file);
		ha_buf_printf(&c->b, ":%ld)\n", f->waiver_line);
	}
	for (i = 0; i < f->nevidence; i++) {
		/* What remediate writes is not evidence to read here. */
		if (strcmp(f->evidence[i].value_type, "reg fragment") != 0)
			ha_evidence_render(&c->b, &f->evidence[i], HA_EVIDENCE_TERMINAL);
	}
	return 0;
}

static int hive_cb(void *ctx, const struct ha_hive_row *h)
{
	struct explain_ctx *c = ctx;

	ha_buf_puts(&c->b, "  ");
	term(&c->b, *h->role ? h->role : h->kind);
	ha_buf_puts(&c->b, ": ");
	term(&c->b, h->path);
	ha_buf_puts(&c->b, " [");
	term(&c->b, ha_hive_status_name(h->status));
	ha_buf_puts(&c->b, "] ");
	term(&c->b, h->reason);
	ha_buf_putc(&c->b, '\n');
	if (*h->container) {
		/* The chain of evidence: which container, which bytes of it, where inside. */
		ha_buf_puts(&c->b, "      container: ");
		term(&c->b, h->container);
		ha_buf_puts(&c->b, ", sha256 ");
		term(&c->b, *h->container_sha256 ? h->container_sha256 : "not computed");
		ha_buf_puts(&c->b, "\n      inside: ");
		term(&c->b, h->inner_path);
		ha_buf_puts(&c->b, ", sha256 ");
		term(&c->b, *h->sha256 ? h->sha256 : "none (not read)");
		ha_buf_putc(&c->b, '\n');
	}
	return 0;
}

/* The effective TLS 1.2 cipher suites, one a line, the ones Azure accepts
 * marked, after the rule's one sentence on why they fail (or pass). */
static int suites_section(struct explain_ctx *c, int64_t host_id)
{
	struct ha_suites_view v;
	char one[256];
	size_t i;
	int rc = ha_report_suites(c->st, c->run_id, host_id, &v, c->err);

	if (rc || !v.found || !v.have_lists) {
		ha_suites_view_free(&v);
		return rc;
	}
	ha_buf_puts(&c->b, "\nTLS 1.2 cipher suites (" HA_SUITES_RULE ", ");
	term(&c->b, v.status);
	ha_buf_puts(&c->b, "):\n  ");
	term(&c->b, v.reason);
	ha_buf_printf(&c->b, "\n  In effect, from ");
	term(&c->b, v.source);
	ha_buf_printf(&c->b,
	              ", in order (%zu; * Azure's current policy accepts it, + only its "
	              "compatibility policy):\n",
	              v.n_offered);
	for (i = 0; ha_suites_item(v.offered, i, one, sizeof one); i++) {
		int a = ha_suites_accepted(&v, one);

		ha_buf_printf(&c->b, "    %2zu. %s ", i + 1, a == 1 ? "*" : a == 2 ? "+" : " ");
		term(&c->b, one);
		ha_buf_putc(&c->b, '\n');
	}
	if (!v.n_offered)
		ha_buf_puts(&c->b, "    (none)\n");
	ha_suites_view_free(&v);
	return HA_OK;
}

static int host_cb(void *ctx, const struct ha_host_row *h)
{
	struct explain_ctx *c = ctx;
	int rc;

	if (c->hosts++)
		ha_buf_puts(&c->b, "\n");
	ha_buf_puts(&c->b, "Host ");
	term(&c->b, h->label);
	ha_buf_puts(&c->b, " (computer name ");
	term(&c->b, *h->computer_name ? h->computer_name : "unknown");
	ha_buf_puts(&c->b, ")\n  folder: ");
	term(&c->b, h->dir);
	ha_buf_puts(&c->b, "\n  OS: ");
	term(&c->b, h->os_family);
	/* The UBR is NULL (-1) on builds that have none (before Windows 10)
	 * and when it could not be read: then the build stands alone. */
	if (h->build >= 0 && h->ubr >= 0)
		ha_buf_printf(&c->b, " (build %ld.%ld)", h->build, h->ubr);
	else if (h->build >= 0)
		ha_buf_printf(&c->b, " (build %ld)", h->build);
	ha_buf_puts(&c->b, ", ");
	term(&c->b, h->product);
	ha_buf_puts(&c->b, ", ");
	term(&c->b, h->arch);
	ha_buf_puts(&c->b, "\n  control set: ");
	term(&c->b, h->control_set_source);
	ha_buf_puts(&c->b, "\n  verdict: ");
	term(&c->b, ha_verdict_name(h->verdict));
	ha_buf_puts(&c->b, " (");
	term(&c->b, h->verdict_reason);
	ha_buf_puts(&c->b, ")\n\nHives:\n");
	rc = ha_store_each_hive(c->st, h->host_id, hive_cb, c, c->err);
	if (!rc) {
		ha_buf_puts(&c->b,
		            "\nWhy TLS 1.2 would fail here (backup and restore failures, error "
		            "10054 \"connection forcibly closed\"):\n");
		rc = ha_report_narrative(c->st, c->run_id, h->host_id, 0, &c->b, c->err);
	}
	if (!rc)
		rc = suites_section(c, h->host_id);
	if (!rc) {
		ha_buf_printf(&c->b, "\nFindings%s:\n", c->all ? "" : " (FAIL, WARN, UNKNOWN)");
		rc = ha_store_each_finding(c->st, c->run_id, h->host_id, finding_cb, c, c->err);
	}
	return rc;
}

int cmd_explain(int argc, char **argv)
{
	static const struct option opts[] = {
	        CLI_SOURCE_OPTIONS,
	        {"all-findings", no_argument, NULL, 'a'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	struct cli_source src;
	struct ha_err err;
	struct explain_ctx c;
	int opt, rc, code;

	ha_err_clear(&err);
	memset(&c, 0, sizeof c);
	cli_source_init(&src);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "aqh", opts, NULL)) != -1) {
		int mine = cli_source_option(&src, "explain", opt, optarg);

		if (mine < 0)
			return HA_EXIT_USAGE;
		if (mine)
			continue;
		switch (opt) {
		case 'a': c.all = 1; break;
		case 'h': explain_usage(stdout); return HA_EXIT_OK;
		default: explain_usage(stderr); return HA_EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		cli_error("explain", "give exactly one HOST (try 'hiveaudit explain --help')");
		return HA_EXIT_USAGE;
	}
	rc = cli_source_open(&src, &err);
	c.st = src.st;
	c.err = &err;
	c.run_id = src.run.id;
	ha_buf_init(&c.b, (size_t)256 << 20);
	if (!rc)
		rc = ha_store_each_host(c.st, c.run_id, argv[optind], host_cb, &c, &err);
	if (!rc && !c.hosts) {
		cli_error("explain", "no host '%s' in run %lld of %s", argv[optind],
		          (long long)c.run_id, src.db);
		code = HA_EXIT_USAGE;
	} else if (rc) {
		code = cli_fail("explain", &err);
	} else {
		fwrite(c.b.data, 1, c.b.len, stdout);
		fflush(stdout);
		cli_source_say(&src, "explain");
		code = HA_EXIT_OK;
	}
	ha_buf_free(&c.b);
	cli_source_close(&src);
	return code;
}
