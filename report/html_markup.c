/* html_markup.c: the server-rendered markup of report.html.
 *
 * Owns struct html_writer (the page's buffer and output file) and the
 * parts of the page that need no script: the masthead, the fleet summary
 * with its "why not ready" and "why unknown" boxes, "since the last
 * audit", the rules table, the run details, the empty shell of the host
 * table that report.js fills, and the footer.  Every string from a hive,
 * a file name, a rule file or the store goes through html_esc
 * (ha_escape_html).  The charts are in html_svg.c. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "html_internal.h"

const char *const html_verdict_names[V_N] = {"ready", "not_ready", "unknown", "ready_with_waivers"};
const char *const html_verdict_titles[V_N] = {"Ready", "Not ready", "Unknown",
                                              "Ready with waivers"};
const int html_chart_status_order[HA_NSTATUS] = {HA_FAIL, HA_UNKNOWN, HA_WARN, HA_PASS,
                                                 HA_NOT_APPLICABLE};

void html_esc(struct html_writer *w, const char *s)
{
	ha_escape_html(&w->b, s ? s : "");
}

int html_flush(struct html_writer *w)
{
	if (w->b.len >= FLUSH_AT || ha_buf_status(&w->b))
		return ha_out_write(&w->out, &w->b, w->err);
	return HA_OK;
}

/* A count with thousands separators: 10,000 reads faster than 10000. */
void html_put_count(struct ha_buf *b, long v)
{
	char d[32], out[48];
	int n = snprintf(d, sizeof d, "%ld", v < 0 ? 0 : v), i, k = 0;

	for (i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0)
			out[k++] = ',';
		out[k++] = d[i];
	}
	out[k] = '\0';
	ha_buf_puts(b, out);
}

void html_put_plural(struct ha_buf *b, long v, const char *one, const char *many)
{
	html_put_count(b, v);
	ha_buf_putc(b, ' ');
	ha_buf_puts(b, v == 1 ? one : many);
}

/* A fragment parameter value, percent-encoded: the result is plain ASCII
 * that is also safe inside an HTML attribute. */
void html_put_frag(struct ha_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.' || *p == '~') {
			ha_buf_putc(b, (char)*p);
		} else {
			ha_buf_putc(b, '%');
			ha_buf_putc(b, hex[*p >> 4]);
			ha_buf_putc(b, hex[*p & 15]);
		}
	}
}

/* Escaped text cut to at most `max` characters (not bytes), with an
 * ellipsis when cut: chart labels must fit their column. */
void html_esc_cut(struct html_writer *w, const char *s, size_t max)
{
	size_t chars = 0, i;
	char *cut;

	for (i = 0; s[i]; i++) {
		if (((unsigned char)s[i] & 0xC0) != 0x80 && ++chars > max)
			break;
	}
	if (!s[i]) {
		html_esc(w, s);
		return;
	}
	cut = ha_strndup(s, i);
	if (!cut) {
		w->b.failed = HA_ERR_NOMEM;
		return;
	}
	html_esc(w, cut);
	ha_buf_puts(&w->b, "\xe2\x80\xa6");
	free(cut);
}

static void status_word(struct ha_buf *b, int st)
{
	static const char *const words[HA_NSTATUS] = {"PASS", "FAIL", "WARN", "N/A", "UNKNOWN"};

	ha_buf_puts(b, words[st]);
}

/* Hive statuses are identifiers (not_a_hive); the page shows words. */
static void hive_status_words(struct html_writer *w, const char *s)
{
	char *words = ha_strdup(s), *p;

	if (!words) {
		w->b.failed = HA_ERR_NOMEM;
		return;
	}
	for (p = words; *p; p++)
		if (*p == '_')
			*p = ' ';
	html_esc(w, words);
	free(words);
}

void html_write_masthead(struct html_writer *w, const struct html_fleet *f)
{
	long total = (long)f->nhosts;

	ha_buf_puts(&w->b, "<header class=\"masthead\"><div class=\"wrap\">"
	                   "<p class=\"kicker\">hiveaudit report</p>"
	                   "<h1>TLS 1.2 readiness for Azure Backup</h1>"
	                   "<dl class=\"runmeta\"><div><dt>Audit date</dt><dd id=\"as-of\">");
	html_esc(w, f->as_of);
	ha_buf_puts(&w->b, "</dd></div><div><dt>Run</dt><dd id=\"run-id\">");
	ha_buf_printf(&w->b, "%" PRId64, f->run_id);
	ha_buf_puts(&w->b, "</dd></div><div><dt>Started</dt><dd>");
	html_esc(w, f->started);
	ha_buf_puts(&w->b, "</dd></div><div><dt>Finished</dt><dd>");
	html_esc(w, *f->finished ? f->finished : "\xe2\x80\x94");
	ha_buf_puts(&w->b, "</dd></div><div><dt>Hosts</dt><dd>");
	html_put_count(&w->b, total);
	ha_buf_puts(&w->b, "</dd></div><div><dt>Program</dt><dd>hiveaudit ");
	html_esc(w, f->tool_version);
	ha_buf_puts(&w->b, "</dd></div></dl></div></header>\n<main class=\"wrap\">\n");
	if (f->run_state != HA_RUN_COMPLETE) {
		ha_buf_puts(&w->b, "<p class=\"banner\" id=\"run-incomplete\">This run is <b>");
		html_esc(w, f->status);
		ha_buf_puts(&w->b, "</b>: the report covers ");
		html_put_count(&w->b, total);
		ha_buf_puts(&w->b, " of ");
		html_put_plural(&w->b, f->hosts_total > total ? f->hosts_total : total, "host",
		                "hosts");
		ha_buf_puts(&w->b, " found. Run the scan again to finish it.</p>\n");
	}
}

static void write_card(struct html_writer *w, const struct html_fleet *f, const char *cls,
                       const char *id, const char *title, long n, long total, const char *frag)
{
	ha_buf_printf(&w->b,
	              "<a class=\"card %s\" href=\"#%s\"><span class=\"card-title\">%s</span>"
	              "<span class=\"card-num\" id=\"%s\">",
	              cls, frag, title, id);
	ha_buf_printf(&w->b, "%ld", n);
	ha_buf_puts(&w->b, "</span><span class=\"card-sub\">");
	if (total > 0)
		ha_buf_printf(&w->b, "%ld%% of hosts", (n * 100 + total / 2) / total);
	ha_buf_puts(&w->b, "</span></a>\n");
}

/* "Why not ready": how many not-ready hosts fail each deciding rule. */
static void write_causes(struct html_writer *w, const struct html_fleet *f)
{
	size_t i, *order, n = 0, k;

	ha_buf_puts(&w->b,
	            "<div class=\"panel why\" id=\"why-not-ready\"><h3>Why hosts are not ready"
	            "</h3>");
	order = malloc((f->nrules + 1) * sizeof *order);
	if (!order) {
		w->b.failed = HA_ERR_NOMEM;
		return;
	}
	for (i = 0; i < f->nrules; i++) {
		if (!f->rules[i].not_ready_hosts)
			continue;
		/* insertion sort by count, most common first; ties keep rule order */
		for (k = n;
		     k > 0 && f->rules[order[k - 1]].not_ready_hosts < f->rules[i].not_ready_hosts;
		     k--)
			order[k] = order[k - 1];
		order[k] = i;
		n++;
	}
	if (!n) {
		ha_buf_puts(&w->b, "<p class=\"muted\">No host fails a requirement.</p>");
	} else {
		ha_buf_puts(&w->b,
		            "<p class=\"muted\">Hosts failing each requirement (a host can fail "
		            "several). Backups and restores from these hosts fail with error "
		            "10054, &ldquo;An existing connection was forcibly closed by the "
		            "remote host&rdquo;, or a certificate chain error.</p>"
		            "<table class=\"causes\"><tbody>");
		for (k = 0; k < n && k < MAX_CAUSES; k++) {
			const struct rrec *r = &f->rules[order[k]];

			ha_buf_puts(&w->b, "<tr><td><a href=\"#verdict=not_ready&amp;rule=");
			html_put_frag(&w->b, r->text[R_ID]);
			ha_buf_puts(&w->b, "&amp;status=FAIL\"><code>");
			html_esc(w, r->text[R_ID]);
			ha_buf_puts(&w->b, "</code></a><span class=\"cause-title\">");
			html_esc(w, r->text[R_TITLE]);
			ha_buf_puts(&w->b, "</span></td><td class=\"num\">");
			html_put_count(&w->b, r->not_ready_hosts);
			ha_buf_puts(&w->b, "</td></tr>");
		}
		ha_buf_puts(&w->b, "</tbody></table>");
		if (n > MAX_CAUSES) {
			ha_buf_puts(&w->b, "<p class=\"muted more\">");
			html_put_plural(&w->b, (long)(n - MAX_CAUSES), "more requirement fails",
			                "more requirements fail");
			ha_buf_puts(&w->b,
			            " on fewer hosts: see the <a href=\"#rules\">rules table</a>."
			            "</p>");
		}
	}
	ha_buf_puts(&w->b, "</div>\n");
	free(order);
}

/* "Why unknown": hive problems first (they explain most unknowns), then
 * deciding rules that could not be evaluated on readable hives. */
static void write_unknowns(struct html_writer *w, const struct html_fleet *f)
{
	uint32_t i;
	size_t r;
	int any = 0;

	ha_buf_puts(&w->b,
	            "<div class=\"panel why\" id=\"why-unknown\"><h3>Why hosts are unknown</h3>");
	if (!f->verdicts[V_UNKNOWN] && !f->hp.n) {
		ha_buf_puts(&w->b,
		            "<p class=\"muted\">Every host could be decided, and every SYSTEM "
		            "and SOFTWARE hive was read cleanly.</p></div>\n");
		return;
	}
	ha_buf_puts(&w->b, "<p class=\"muted\">");
	html_put_plural(&w->b, f->unknown_hive, "unknown host has", "unknown hosts have");
	ha_buf_puts(&w->b, " a missing or damaged hive; ");
	html_put_count(&w->b, f->unknown_rule);
	ha_buf_puts(&w->b,
	            " had readable hives but a deciding value could not be interpreted. "
	            "Collect the hives again (with their .LOG files) or check on the host.</p>"
	            "<table class=\"causes\"><thead><tr><th>Cause</th><th class=\"num\">"
	            "Unknown hosts</th><th class=\"num\">All hosts</th></tr></thead><tbody>");
	for (i = 0; i < f->hp.n; i++) {
		const char *k, *role, *status;

		k = intern_key(&f->hp, i, NULL);
		role = ha_role_name(k[0] - '0');
		status = k + 1;
		ha_buf_puts(&w->b, "<tr><td><a href=\"#hive=");
		html_put_frag(&w->b, role);
		ha_buf_putc(&w->b, ':');
		html_put_frag(&w->b, status);
		ha_buf_puts(&w->b, "\">");
		html_esc(w, role);
		ha_buf_puts(&w->b, " hive ");
		hive_status_words(w, status);
		ha_buf_puts(&w->b, "</a></td><td class=\"num\">");
		html_put_count(&w->b, f->hp_unknown[i]);
		ha_buf_puts(&w->b, "</td><td class=\"num\">");
		html_put_count(&w->b, f->hp_all[i]);
		ha_buf_puts(&w->b, "</td></tr>");
		any = 1;
	}
	for (r = 0; r < f->nrules; r++) {
		const struct rrec *x = &f->rules[r];

		if (!x->undetermined)
			continue;
		ha_buf_puts(&w->b, "<tr><td><a href=\"#verdict=unknown&amp;rule=");
		html_put_frag(&w->b, x->text[R_ID]);
		ha_buf_puts(&w->b, "&amp;status=UNKNOWN\">Hives readable; undetermined: <code>");
		html_esc(w, x->text[R_ID]);
		ha_buf_puts(&w->b, "</code></a></td><td class=\"num\">");
		html_put_count(&w->b, x->undetermined);
		ha_buf_puts(&w->b, "</td><td class=\"num\">\xe2\x80\x94</td></tr>");
		any = 1;
	}
	if (!any)
		ha_buf_puts(&w->b,
		            "<tr><td colspan=\"3\" class=\"muted\">No cause recorded.</td></tr>");
	ha_buf_puts(&w->b, "</tbody></table></div>\n");
}

void html_write_summary(struct html_writer *w, const struct html_fleet *f)
{
	long total = (long)f->nhosts;

	ha_buf_puts(&w->b, "<section id=\"summary\" aria-label=\"Fleet summary\">\n"
	                   "<h2>Fleet summary</h2>\n<div class=\"cards\">\n");
	ha_buf_puts(&w->b, "<a class=\"card total\" href=\"#\"><span class=\"card-title\">Hosts "
	                   "audited</span><span class=\"card-num\" id=\"n-hosts\">");
	ha_buf_printf(&w->b, "%ld", total);
	ha_buf_puts(&w->b, "</span><span class=\"card-sub\">");
	html_put_plural(&w->b, (long)f->nrules, "rule", "rules");
	ha_buf_puts(&w->b, " each</span></a>\n");
	write_card(w, f, "v-ready", "n-ready", "Ready for TLS 1.2", f->verdicts[V_READY], total,
	           "verdict=ready");
	write_card(w, f, "v-not_ready", "n-not-ready", "Not ready", f->verdicts[V_NOT_READY], total,
	           "verdict=not_ready");
	write_card(w, f, "v-unknown", "n-unknown", "Unknown", f->verdicts[V_UNKNOWN], total,
	           "verdict=unknown");
	if (f->verdicts[V_WAIVED]) /* only where waivers were given */
		write_card(w, f, "v-ready_with_waivers", "n-waived", "Ready with waivers",
		           f->verdicts[V_WAIVED], total, "verdict=ready_with_waivers");
	ha_buf_puts(&w->b, "</div>\n");
	html_write_fleet_bar(w, f);
	ha_buf_puts(&w->b, "<div class=\"grid2\">\n");
	write_causes(w, f);
	write_unknowns(w, f);
	ha_buf_puts(&w->b, "</div>\n</section>\n");
}

void html_write_rules_table(struct html_writer *w, const struct html_fleet *f)
{
	size_t i;
	int k;

	ha_buf_puts(&w->b,
	            "<section id=\"rules\" class=\"panel\"><h2>Rules</h2>"
	            "<div class=\"table-wrap\"><table class=\"rules\"><thead><tr><th>Rule</th>"
	            "<th>Requirement</th><th>Severity</th>");
	for (k = 0; k < HA_NSTATUS; k++) {
		ha_buf_puts(&w->b, "<th class=\"num\">");
		status_word(&w->b, html_chart_status_order[k]);
		ha_buf_puts(&w->b, "</th>");
	}
	ha_buf_puts(&w->b, "</tr></thead><tbody>");
	for (i = 0; i < f->nrules; i++) {
		const struct rrec *r = &f->rules[i];

		ha_buf_puts(&w->b, "<tr><td><code>");
		html_esc(w, r->text[R_ID]);
		ha_buf_puts(&w->b, "</code>");
		if (!r->decides)
			ha_buf_puts(&w->b, "<span class=\"tag\">does not decide readiness</span>");
		ha_buf_puts(&w->b, "</td><td>");
		html_esc(w, r->text[R_TITLE]);
		ha_buf_puts(&w->b, "<span class=\"src\">");
		html_esc(w, r->text[R_SOURCE]);
		ha_buf_puts(&w->b, "</span></td><td><span class=\"sev sev-");
		html_esc(w, r->text[R_SEV]);
		ha_buf_puts(&w->b, "\">");
		html_esc(w, r->text[R_SEV]);
		ha_buf_puts(&w->b, "</span></td>");
		for (k = 0; k < HA_NSTATUS; k++) {
			int st = html_chart_status_order[k];
			long n = r->by_status[st];

			if (!n) {
				ha_buf_puts(&w->b, "<td class=\"num zero\">0</td>");
				continue;
			}
			ha_buf_puts(&w->b, "<td class=\"num\"><a href=\"#rule=");
			html_put_frag(&w->b, r->text[R_ID]);
			ha_buf_printf(&w->b, "&amp;status=%s\">", ha_status_name(st));
			html_put_count(&w->b, n);
			ha_buf_puts(&w->b, "</a></td>");
		}
		ha_buf_puts(&w->b, "</tr>\n");
	}
	ha_buf_puts(&w->b, "</tbody></table></div></section>\n");
}

void html_write_run_details(struct html_writer *w, const struct html_fleet *f)
{
	size_t i;

	ha_buf_puts(&w->b, "<details class=\"panel rundetails\" id=\"run-details\"><summary>Run "
	                   "details</summary><dl class=\"facts\"><dt>Scanned paths</dt><dd><pre>");
	html_esc(w, f->paths);
	ha_buf_puts(&w->b, "</pre></dd><dt>Run status</dt><dd>");
	html_esc(w, f->status);
	ha_buf_puts(&w->b, "</dd><dt>Hosts stored</dt><dd>");
	html_put_count(&w->b, (long)f->nhosts);
	ha_buf_puts(&w->b, "</dd></dl>");
	if (f->nnotes) {
		ha_buf_puts(&w->b, "<h3>Notes</h3><ul class=\"notes\">");
		for (i = 0; i < f->nnotes; i++) {
			ha_buf_puts(&w->b, "<li>");
			html_esc(w, f->notes[i]);
			ha_buf_puts(&w->b, "</li>");
		}
		ha_buf_puts(&w->b, "</ul>");
	}
	ha_buf_puts(&w->b, "</details>\n");
}

/* The host section: empty controls and table that report.js fills and
 * shows; without scripts only the note is visible. */
void html_write_host_shell(struct html_writer *w)
{
	static const char *const cols[][2] = {
	        {"label", "Host"},  {"cn", "Computer name"}, {"os", "OS family"},
	        {"build", "Build"}, {"arch", "Arch"},        {"verdict", "Verdict"},
	        {"fail", "FAIL"},   {"unknown", "UNKNOWN"},  {"warn", "WARN"},
	        {"hives", "Hives"}, {"reason", "Reason"},
	};
	size_t i;

	ha_buf_puts(
	        &w->b,
	        "<section id=\"hosts\" class=\"panel\" aria-label=\"Hosts\"><h2>Hosts</h2>\n"
	        "<noscript><p class=\"note\" id=\"noscript-note\">The host table and the per-host "
	        "details (facts, hive statuses, findings with their evidence, remediation) need "
	        "JavaScript, which is off in this browser. The same data is in hosts.csv and "
	        "findings.csv beside this file, and <code>hiveaudit explain HOST</code> shows one "
	        "host with its evidence.</p></noscript>\n"
	        "<div id=\"ha-app\" hidden>\n"
	        "<form class=\"filters\" id=\"ha-filters\" autocomplete=\"off\" role=\"search\">"
	        "<label class=\"grow\">Search<input type=\"search\" id=\"f-q\" placeholder=\"Host, "
	        "computer name, folder, OS, domain\"></label>"
	        "<label>Verdict<select id=\"f-verdict\"><option value=\"\">All</option>"
	        "<option value=\"ready\">Ready</option><option value=\"not_ready\">Not ready"
	        "</option><option value=\"unknown\">Unknown</option><option "
	        "value=\"ready_with_waivers\">Ready with waivers</option></select></label>"
	        "<label>Rule<select id=\"f-rule\"><option value=\"\">Any rule</option></select>"
	        "</label>"
	        "<label>Status<select id=\"f-status\"><option value=\"\">Any status</option>"
	        "</select></label>"
	        "<label>OS family<select id=\"f-os\"><option value=\"\">All</option></select>"
	        "</label>"
	        "<label>Hive status<select id=\"f-hive\"><option value=\"\">Any</option>"
	        "</select></label>"
	        "<button type=\"button\" id=\"f-reset\" class=\"btn\">Reset</button></form>\n"
	        "<div class=\"tablebar\"><p id=\"ha-count\" class=\"count\" aria-live=\"polite\">"
	        "</p><div class=\"pager\" id=\"ha-pager\"></div></div>\n"
	        "<div class=\"table-wrap\"><table class=\"hosts\" id=\"ha-table\"><thead><tr>");
	for (i = 0; i < sizeof cols / sizeof cols[0]; i++)
		ha_buf_printf(&w->b,
		              "<th scope=\"col\" data-col=\"%s\"><button type=\"button\" "
		              "class=\"sort\" data-sort=\"%s\">%s</button></th>",
		              cols[i][0], cols[i][0], cols[i][1]);
	ha_buf_puts(&w->b, "</tr></thead><tbody id=\"ha-rows\"></tbody></table></div>\n"
	                   "<div class=\"tablebar bottom\"><span></span><div class=\"pager\" "
	                   "id=\"ha-pager2\"></div></div>\n"
	                   "</div>\n<div id=\"ha-print\" class=\"print-only\"></div>\n"
	                   "<p id=\"ha-error\" class=\"banner\" hidden></p>\n</section>\n");
}

void html_write_footer(struct html_writer *w, const struct html_fleet *f)
{
	ha_buf_puts(&w->b,
	            "<footer class=\"foot\"><p>Statuses: <b>PASS</b> the requirement is met, "
	            "with evidence; <b>FAIL</b> it is not; <b>WARN</b> met only conditionally, or "
	            "a risk that does not by itself break TLS 1.2; <b>N/A</b> the rule does not "
	            "apply to this host; <b>UNKNOWN</b> the evidence could not be read or "
	            "trusted. A host is <b>not ready</b> when a deciding rule fails, "
	            "<b>unknown</b> when none fails but one could not be decided.</p>"
	            "<p>Written by hiveaudit ");
	html_esc(w, f->tool_version);
	ha_buf_printf(&w->b,
	              " from run %" PRId64 " of its store; the reports beside this file "
	              "(hosts.csv, findings.csv) hold the same results.</p></footer>\n</main>\n",
	              f->run_id);
}

/* Which list of "Since the last audit" host i belongs to: its verdict's
 * change, else (verdict unchanged) regressed when one of its findings
 * regressed, else its findings' change.  findings[first..end) are its. */
static int host_kind(const struct ha_diff *d, size_t i, size_t first, size_t end)
{
	int kind = d->hosts[i].change;

	if (kind >= 0 && kind != HA_CHG_CHANGED)
		return kind;
	kind = -1;
	for (; first < end; first++)
		if (kind < 0 || d->findings[first].change == HA_CHG_REGRESSED)
			kind = d->findings[first].change;
	return kind;
}

/* One list of "Since the last audit": the hosts whose change is `kind`. */
static void write_change_list(struct html_writer *w, const struct html_fleet *fl, const char *id,
                              const char *title, int kind)
{
	const struct ha_diff *d = fl->diff;
	size_t i, k, first, shown = 0, total = 0;

	for (i = 0, k = 0; i < d->nhosts; i++) {
		for (first = k; k < d->nfindings && d->findings[k].host == i; k++)
			;
		total += host_kind(d, i, first, k) == kind;
	}
	ha_buf_printf(&w->b, "<div class=\"panel changes\" id=\"%s\"><h3>%s <span class=\"muted\">",
	              id, title);
	html_put_count(&w->b, (long)total);
	ha_buf_puts(&w->b, "</span></h3>");
	if (!total) {
		ha_buf_puts(&w->b, "<p class=\"muted\">None.</p></div>\n");
		return;
	}
	ha_buf_puts(&w->b, "<ul class=\"changes\">");
	for (i = 0, k = 0; i < d->nhosts; i++) {
		const struct ha_diff_host *h = &d->hosts[i];

		for (first = k; k < d->nfindings && d->findings[k].host == i; k++)
			;
		if (host_kind(d, i, first, k) != kind || shown >= MAX_CHANGES)
			continue;
		shown++;
		ha_buf_puts(&w->b, "<li>");
		if (h->label) {
			/* A host of this run: the link opens it in the host table. */
			ha_buf_puts(&w->b, "<a class=\"host\" href=\"#host=");
			html_put_frag(&w->b, h->label);
			ha_buf_puts(&w->b, "\">");
			html_esc(w, h->label);
			ha_buf_puts(&w->b, "</a>");
		} else {
			ha_buf_puts(&w->b, "<span class=\"host\">");
			html_esc(w, h->old_label);
			ha_buf_puts(&w->b, "</span>");
		}
		if (h->label && h->old_label && strcmp(h->label, h->old_label) != 0) {
			ha_buf_puts(&w->b, " <span class=\"muted\">(was ");
			html_esc(w, h->old_label);
			ha_buf_puts(&w->b, ")</span>");
		}
		ha_buf_puts(&w->b, " <span class=\"muted\">");
		if (h->change == HA_CHG_GONE) {
			ha_buf_puts(&w->b, "was ");
			html_esc(w, h->old_verdict);
		} else if (h->change >= 0 && h->change != HA_CHG_NEW) {
			html_esc(w, h->old_verdict);
			ha_buf_puts(&w->b, " &rarr; ");
			html_esc(w, h->verdict);
		} else { /* new, or the verdict did not change */
			html_esc(w, h->verdict);
		}
		ha_buf_puts(&w->b, "</span>");
		for (; first < k; first++) {
			const struct ha_diff_finding *f = &d->findings[first];

			ha_buf_puts(&w->b, "<span class=\"chg\"><code>");
			html_esc(w, f->rule_id);
			ha_buf_puts(&w->b, "</code> ");
			html_esc(w, f->old_status);
			ha_buf_puts(&w->b, " &rarr; ");
			html_esc(w, f->status);
			ha_buf_puts(&w->b, "</span>");
		}
		ha_buf_puts(&w->b, "</li>");
	}
	ha_buf_puts(&w->b, "</ul>");
	if (shown < total) {
		ha_buf_puts(&w->b, "<p class=\"muted\">");
		html_put_count(&w->b, (long)(total - shown));
		ha_buf_puts(&w->b, " more in changes.csv.</p>");
	}
	ha_buf_puts(&w->b, "</div>\n");
}

void html_write_changes(struct html_writer *w, const struct html_fleet *f)
{
	const struct ha_diff *d = f->diff;

	if (!d)
		return;
	ha_buf_puts(&w->b, "<section id=\"changes\" aria-label=\"Since the last audit\">"
	                   "<h2>Since the last audit</h2><p class=\"muted\" id=\"changes-from\">");
	ha_buf_printf(&w->b, "Compared with run %lld (as of ", (long long)d->from);
	html_esc(w, d->from_as_of);
	ha_buf_puts(&w->b, "): ");
	html_put_plural(&w->b, d->from_hosts, "host", "hosts");
	ha_buf_puts(&w->b, " then, ");
	html_put_plural(&w->b, d->to_hosts, "host", "hosts");
	ha_buf_puts(&w->b, " now; ");
	html_put_plural(&w->b, d->n_finding_regressed, "finding", "findings");
	ha_buf_puts(&w->b, " regressed, ");
	html_put_plural(&w->b, d->n_finding_fixed, "finding", "findings");
	ha_buf_puts(&w->b, " fixed. Every change is in changes.csv; "
	                   "<code>hiveaudit diff</code> prints it with the evidence.</p>\n"
	                   "<div class=\"grid2\">\n");
	write_change_list(w, f, "changes-regressed", "Regressed", HA_CHG_REGRESSED);
	write_change_list(w, f, "changes-fixed", "Fixed", HA_CHG_FIXED);
	write_change_list(w, f, "changes-new", "New", HA_CHG_NEW);
	write_change_list(w, f, "changes-gone", "Gone", HA_CHG_GONE);
	ha_buf_puts(&w->b, "</div>\n");
	if (f->ntrend >= 2)
		html_write_trend(w, f);
	ha_buf_puts(&w->b, "</section>\n");
}
