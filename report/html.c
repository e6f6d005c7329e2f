/* html.c: report.html, one self-contained page for auditors, compliance
 * owners and forensic reviewers.
 *
 * This file assembles the page; the other concerns have their own files,
 * listed in html_internal.h (intern tables, the page model and its
 * spilling, store reading, markup, SVG).
 *
 * What the page is made of, in order:
 *   - the fleet summary, rendered here: hosts audited, ready, not ready,
 *     unknown and why, the causes of "not ready", the rules table, and two
 *     inline SVG charts (statuses per rule, OS families by readiness).  It
 *     needs no script, so a browser with scripts off still shows it;
 *   - the host table and per-host details, rendered by report/assets/report.js
 *     from a JSON data island, with textContent only (never markup built
 *     from data), so a 10,000-host fleet costs one JSON.parse and the page
 *     stays responsive.
 *
 * Nothing is fetched: the style and the script are inline and allowed by
 * their SHA-256 in a Content-Security-Policy that forbids everything else
 * (no 'unsafe-inline', no network).
 *
 * Escaping.  Every string that came from a hive, a file name, a rule file
 * or the store goes through ha_escape_html in the markup written here.  In
 * the data island every string is encoded by jansson, and then '<', '>',
 * '&', U+2028 and U+2029 (and DEL) are written as \u003c, \u003e, \u0026,
 * \u2028, \u2029 (\u007f): these can only occur inside JSON strings, so the
 * escaped text is the same JSON, and "</script>" or "<!--" can never appear
 * in the element.
 *
 * THE DATA ISLAND (<script type="application/json" id="ha-data">)
 *
 * Strings and repeated records are stored once and referred to by index,
 * which keeps a large fleet small (most hosts share their findings and
 * evidence records word for word).
 *
 *   v  format version, 1
 *   s  the string table; s[0] is ""
 *   r  rules, in load order: [id, title, severity, category, source, applies,
 *      remedy, reg, origin] as string indexes, then counts (1 when the rule
 *      decides readiness), then PASS, FAIL, WARN, NOT_APPLICABLE, UNKNOWN
 *      host counts
 *   e  evidence records: [role, file, control_set, key_path, value_name,
 *      value_type, data, last_write, note, line]: strings, except file, an
 *      index into the host's file list (-1 for none), and value_name, -1
 *      when the evidence is a key rather than a value; line is the row's
 *      text from ha_evidence_render (report/evidence.c), the same as in
 *      findings.csv, so the page renders no evidence text of its own
 *   f  findings: [rule_id, status, severity, title, category, observed,
 *      expected, reason, evidence...]: status is 0..4 (PASS, FAIL, WARN,
 *      NOT_APPLICABLE, UNKNOWN), evidence indexes into e follow
 *   h  hosts, in label order: [label, dir, computer_name, hostname, domain,
 *      os_family, product_name, nt_version, installation_type, edition,
 *      product_type, product, architecture, control_set_source,
 *      verdict_reason, note] as strings, then build, ubr, service_pack,
 *      control_set (-1 when unknown), verdict (0 ready, 1 not ready,
 *      2 unknown, 3 ready with waivers), reused (1 when re-evaluated from a saved snapshot),
 *      hives (a flat list of HV_N-tuples: role, kind, kind_why, path,
 *      status, reason, sha256, embedded_name, last_written, logs, replay as
 *      strings, then size, seq_primary, seq_secondary, checksum_ok, dirty,
 *      degraded, then container, container_sha256, inner_path as strings),
 *      files (flat [path, sha256] pairs that evidence refers to),
 *      findings (indexes into f), the narrative: the plain-text output of
 *      ha_report_narrative() for a host with the same pattern of findings
 *      (see narrative() in html_read.c) as a string index, 0 for ready hosts, and
 *      [SYSTEM status, SOFTWARE status] as strings.
 *
 * These positions are defined once, in html_layout.h, which the writer
 * uses; report.js declares the same positions in one marked block, and
 * tests/test_html_layout.c fails when the two differ.
 *
 * MEMORY.  The page is written in one pass over the store, host by host,
 * and its memory does not depend on the number of hosts: each host's record
 * goes to a temporary file as soon as its findings are read, and the
 * string, evidence and finding tables go to theirs whenever they hold more
 * than TABLE_CAP bytes, starting again empty (a string seen before and
 * after that is stored twice, which costs bytes, never correctness).  The
 * summary needs only counts and the rules' and notes' own texts, kept
 * apart.  At the end the page is the summary, then the island copied from
 * the temporary files (unnamed, beside the report: O_TMPFILE).  HIVEAUDIT_TEST_HTML_CAP=BYTES
 * lowers TABLE_CAP so that the tests can prove a spilled page says the same as a whole one; nothing
 * else reads it. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "html_internal.h"

/* The page's style and script, compiled in from report/assets/. */
extern const unsigned char ha_report_css[];
extern const size_t ha_report_css_len;
extern const unsigned char ha_report_js[];
extern const size_t ha_report_js_len;

static void write_head(struct html_writer *w, const struct html_fleet *f, const char *csp_style,
                       const char *csp_script)
{
	ha_buf_puts(&w->b,
	            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
	/* Only the two inline blocks may run or style; nothing may be fetched. */
	ha_buf_printf(&w->b,
	              "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	              "style-src 'sha256-%s'; script-src 'sha256-%s'; base-uri 'none'; "
	              "form-action 'none'\">\n"
	              "<meta name=\"referrer\" content=\"no-referrer\">\n"
	              "<meta name=\"generator\" content=\"hiveaudit ",
	              csp_style, csp_script);
	html_esc(w, f->tool_version);
	ha_buf_puts(
	        &w->b,
	        "\">\n<title>TLS 1.2 readiness for Azure Backup \xe2\x80\x94 hiveaudit</title>\n"
	        "<style>");
	ha_buf_add(&w->b, ha_report_css, ha_report_css_len);
	ha_buf_puts(&w->b, "</style>\n</head>\n<body>\n");
}

/* The data island: the tables from the model's temporary files, then what
 * each still holds. */
static int write_island(struct html_writer *w, const struct html_model *m,
                        const struct html_fleet *fl)
{
	struct html_sink s = {&w->b, NULL, &w->out, w->err};
	size_t k;
	int rc, j;

	ha_buf_puts(&w->b, "<script type=\"application/json\" id=\"ha-data\">{\"v\":1,\n\"s\":[");
	if ((rc = html_copy_file(&s, m->sp_str.f)) != HA_OK ||
	    (rc = html_put_strings(&s, &m->str, m->sp_str.base)) != HA_OK)
		return rc;
	ha_buf_puts(&w->b, "],\n\"r\":[");
	for (k = 0; k < fl->nrules; k++) {
		const struct rrec *r = &fl->rules[k];

		ha_buf_puts(&w->b, k ? ",\n[" : "[");
		for (j = 0; j < R_N; j++) {
			if (j)
				ha_buf_putc(&w->b, ',');
			if (j < R_NSTR)
				html_put_int(&w->b, r->s[j]);
			else if (j == R_COUNTS)
				html_put_int(&w->b, r->decides);
			else
				html_put_int(&w->b, r->by_status[j - R_N_PASS]);
		}
		ha_buf_putc(&w->b, ']');
	}
	ha_buf_puts(&w->b, "],\n\"e\":[");
	if ((rc = html_copy_file(&s, m->sp_ev.f)) != HA_OK ||
	    (rc = html_put_records(&s, &m->ev, m->sp_ev.base)) != HA_OK)
		return rc;
	ha_buf_puts(&w->b, "],\n\"f\":[");
	if ((rc = html_copy_file(&s, m->sp_fnd.f)) != HA_OK ||
	    (rc = html_put_records(&s, &m->fnd, m->sp_fnd.base)) != HA_OK)
		return rc;
	ha_buf_puts(&w->b, "],\n\"h\":[");
	if ((rc = html_copy_file(&s, m->hosts_f)) != HA_OK)
		return rc;
	ha_buf_puts(&w->b, "]}</script>\n");
	return html_flush(w);
}

static int write_page(struct html_writer *w, const struct html_model *m,
                      const struct html_fleet *fl, const char *csp_style, const char *csp_script)
{
	int rc;

	write_head(w, fl, csp_style, csp_script);
	html_write_masthead(w, fl);
	html_write_summary(w, fl);
	html_write_changes(w, fl);
	if ((rc = html_flush(w)) != HA_OK)
		return rc;
	ha_buf_puts(&w->b, "<section id=\"charts\" class=\"grid2\" aria-label=\"Charts\">\n");
	html_write_rule_chart(w, fl);
	html_write_os_chart(w, fl);
	ha_buf_puts(&w->b, "</section>\n");
	html_write_rules_table(w, fl);
	html_write_run_details(w, fl);
	if ((rc = html_flush(w)) != HA_OK)
		return rc;
	html_write_host_shell(w);
	if ((rc = write_island(w, m, fl)) != HA_OK)
		return rc;
	html_write_footer(w, fl);
	ha_buf_puts(&w->b, "<script>");
	ha_buf_add(&w->b, ha_report_js, ha_report_js_len);
	ha_buf_puts(&w->b, "</script>\n</body>\n</html>\n");
	return ha_out_write(&w->out, &w->b, w->err);
}

/* The assets are ours, but a stray "</script" in the script (or "</style"
 * in the style) would end the element early and break the page and its
 * hash: refuse to write such a page. */
static int check_asset(const unsigned char *p, size_t n, const char *end, struct ha_err *err)
{
	size_t i, m = strlen(end);

	for (i = 0; i + m <= n; i++)
		if (!ha_ascii_ncasecmp((const char *)p + i, end, m))
			return ha_err_set(err, HA_ERR_INTERNAL, "report asset contains '%s'", end);
	return HA_OK;
}

int ha_report_html(struct ha_store *st, int64_t run_id, const char *path, struct ha_err *err)
{
	struct html_model m;
	struct html_fleet fl;
	struct html_writer w;
	char csp_style[45], csp_script[45];
	int rc;

	html_model_init(&m, path, err);
	html_fleet_init(&fl, run_id);
	memset(&w, 0, sizeof w);
	w.err = err;
	ha_buf_init(&w.b, (size_t)256 << 20);

	rc = check_asset(ha_report_js, ha_report_js_len, "</script", err);
	if (!rc)
		rc = check_asset(ha_report_css, ha_report_css_len, "</style", err);
	if (!rc)
		rc = ha_sha256_b64(ha_report_css, ha_report_css_len, csp_style, err);
	if (!rc)
		rc = ha_sha256_b64(ha_report_js, ha_report_js_len, csp_script, err);
	if (!rc)
		rc = html_read(st, &m, &fl, err);
	if (!rc)
		rc = ha_out_open(&w.out, path, err);
	if (!rc) {
		rc = write_page(&w, &m, &fl, csp_style, csp_script);
		if (!rc)
			rc = ha_out_commit(&w.out, err);
		else
			ha_out_abort(&w.out);
	}
	ha_buf_free(&w.b);
	html_fleet_free(&fl);
	html_model_free(&m);
	return rc;
}
