/* html_svg.c: the inline SVG charts of report.html: the fleet bar, the
 * findings per rule, the operating systems and the trend of the audits of
 * the same paths.  Each chart is bounded (MAX_CHART_RULES, MAX_CHART_OS,
 * MAX_TREND) and every segment links to the host table's filter. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html_internal.h"

/* One bar for the whole fleet, as a quick read of the verdict counts. */
void html_write_fleet_bar(struct html_writer *w, const struct html_fleet *f)
{
	long total = (long)f->nhosts;
	int v;
	double x = 0;

	if (!total)
		return;
	ha_buf_puts(&w->b, "<svg class=\"fleetbar\" viewBox=\"0 0 1000 14\" "
	                   "preserveAspectRatio=\"none\" role=\"img\" aria-label=\"Hosts by "
	                   "verdict\">");
	for (v = 0; v < V_N; v++) {
		double width = 1000.0 * (double)f->verdicts[v] / (double)total;

		if (!f->verdicts[v])
			continue;
		ha_buf_printf(&w->b,
		              "<rect class=\"v-%s\" x=\"%.2f\" y=\"0\" width=\"%.2f\" "
		              "height=\"14\"><title>%s: %ld</title></rect>",
		              html_verdict_names[v], x, width, html_verdict_titles[v],
		              f->verdicts[v]);
		x += width;
	}
	ha_buf_puts(&w->b, "</svg>\n");
}

/* Layout of the horizontal stacked-bar charts, in viewBox units. */
#define CH_W     640
#define CH_LABEL 200
#define CH_BAR   380
#define CH_ROW   22
#define CH_GAP   7
#define CH_TOP   8

static void chart_open(struct html_writer *w, const char *id, const char *label, size_t rows)
{
	ha_buf_printf(&w->b,
	              "<svg class=\"chart\" id=\"%s\" viewBox=\"0 0 %d %zu\" role=\"img\" "
	              "aria-label=\"%s\">",
	              id, CH_W, CH_TOP * 2 + rows * (CH_ROW + CH_GAP), label);
}

/* One bar: segments[i] of class cls[i], each linked to its filter. */
static void chart_row(struct html_writer *w, size_t row, const char *label, size_t label_max,
                      const long *seg, const char *const *cls, const char *const *names, int nseg,
                      const char *const *hrefs, long scale)
{
	double x = CH_LABEL, y = CH_TOP + (double)row * (CH_ROW + CH_GAP);
	long total = 0;
	int i;

	for (i = 0; i < nseg; i++)
		total += seg[i];
	ha_buf_printf(&w->b, "<g><text class=\"lbl\" x=\"%d\" y=\"%.1f\"><title>", CH_LABEL - 8,
	              y + CH_ROW / 2.0 + 4);
	html_esc(w, label);
	ha_buf_puts(&w->b, "</title>");
	html_esc_cut(w, label, label_max);
	ha_buf_puts(&w->b, "</text>");
	ha_buf_printf(&w->b,
	              "<rect class=\"track\" x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%d\"/>",
	              CH_LABEL, y, CH_BAR, CH_ROW);
	for (i = 0; scale > 0 && i < nseg; i++) {
		double width = (double)CH_BAR * (double)seg[i] / (double)scale;

		if (!seg[i])
			continue;
		ha_buf_puts(&w->b, "<a href=\"#");
		ha_buf_puts(&w->b, hrefs[i]);
		ha_buf_printf(&w->b,
		              "\"><rect class=\"%s\" x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" "
		              "height=\"%d\"><title>",
		              cls[i], x, y, width, CH_ROW);
		html_esc(w, label);
		ha_buf_printf(&w->b, ": %ld %s</title></rect>", seg[i], names[i]);
		if (width >= 26)
			ha_buf_printf(&w->b,
			              "<text class=\"seg %s\" x=\"%.1f\" y=\"%.1f\">%ld</text>",
			              cls[i], x + width / 2, y + CH_ROW / 2.0 + 4, seg[i]);
		ha_buf_puts(&w->b, "</a>");
		x += width;
	}
	ha_buf_printf(&w->b, "<text class=\"tot\" x=\"%d\" y=\"%.1f\">%ld</text></g>",
	              CH_LABEL + CH_BAR + 8, y + CH_ROW / 2.0 + 4, total);
}

static void legend(struct html_writer *w, const char *const *cls, const char *const *names, int n)
{
	int i;

	ha_buf_puts(&w->b, "<ul class=\"legend\">");
	for (i = 0; i < n; i++)
		ha_buf_printf(&w->b, "<li><span class=\"sw %s\"></span>%s</li>", cls[i], names[i]);
	ha_buf_puts(&w->b, "</ul>");
}

void html_write_rule_chart(struct html_writer *w, const struct html_fleet *f)
{
	static const char *const cls[HA_NSTATUS] = {"s-FAIL", "s-UNKNOWN", "s-WARN", "s-PASS",
	                                            "s-NOT_APPLICABLE"};
	static const char *const names[HA_NSTATUS] = {"FAIL", "UNKNOWN", "WARN", "PASS",
	                                              "NOT_APPLICABLE"};
	static const char *const words[HA_NSTATUS] = {"FAIL", "UNKNOWN", "WARN", "PASS",
	                                              "N/A (not applicable)"};
	size_t i, shown = f->nrules < MAX_CHART_RULES ? f->nrules : MAX_CHART_RULES;
	struct ha_buf hb[HA_NSTATUS];
	const char *hrefs[HA_NSTATUS];
	long seg[HA_NSTATUS];
	int k;

	ha_buf_puts(&w->b, "<figure class=\"panel chartbox\"><figcaption><h3>Findings per rule</h3>"
	                   "<p class=\"muted\">Hosts by status of each rule; select a segment to "
	                   "list those hosts.</p></figcaption>");
	legend(w, cls, words, HA_NSTATUS);
	chart_open(w, "chart-rules", "Findings per rule, by status", shown);
	for (k = 0; k < HA_NSTATUS; k++)
		ha_buf_init(&hb[k], 4096);
	for (i = 0; i < shown; i++) {
		const struct rrec *r = &f->rules[i];

		for (k = 0; k < HA_NSTATUS; k++) {
			seg[k] = r->by_status[html_chart_status_order[k]];
			ha_buf_truncate(&hb[k], 0);
			ha_buf_puts(&hb[k], "rule=");
			html_put_frag(&hb[k], r->text[R_ID]);
			ha_buf_puts(&hb[k], "&amp;status=");
			ha_buf_puts(&hb[k], names[k]);
			hrefs[k] = ha_buf_cstr(&hb[k]);
		}
		chart_row(w, i, r->text[R_ID], 28, seg, cls, words, HA_NSTATUS, hrefs,
		          (long)f->nhosts);
	}
	for (k = 0; k < HA_NSTATUS; k++) {
		if (ha_buf_status(&hb[k]))
			w->b.failed = ha_buf_status(&hb[k]);
		ha_buf_free(&hb[k]);
	}
	ha_buf_puts(&w->b, "</svg>");
	if (shown < f->nrules) {
		ha_buf_puts(&w->b, "<p class=\"muted\">");
		html_put_count(&w->b, (long)(f->nrules - shown));
		ha_buf_puts(&w->b, " more rules are in the table below.</p>");
	}
	ha_buf_puts(&w->b, "</figure>\n");
}

void html_write_os_chart(struct html_writer *w, const struct html_fleet *f)
{
	static const char *const cls[V_N] = {"v-ready", "v-not_ready", "v-unknown",
	                                     "v-ready_with_waivers"};
	static const char *const names[V_N] = {"ready", "not ready", "unknown",
	                                       "ready with waivers"};
	uint32_t *order = NULL, i, k, n = f->os.n, shown;
	long other[V_N] = {0}, maxv = 1;
	const char *hrefs[V_N];
	struct ha_buf hb[V_N];
	int v;

	ha_buf_puts(&w->b, "<figure class=\"panel chartbox\"><figcaption><h3>Operating systems</h3>"
	                   "<p class=\"muted\">Hosts per OS family, coloured by readiness.</p>"
	                   "</figcaption>");
	legend(w, cls, names, V_N);
	if (n)
		order = malloc(n * sizeof *order);
	if (n && !order) {
		w->b.failed = HA_ERR_NOMEM;
		return;
	}
	/* most hosts first */
	for (i = 0; i < n; i++) {
		long ti = f->os_count[i][0] + f->os_count[i][1] + f->os_count[i][2];

		for (k = i; k > 0; k--) {
			const long *o = f->os_count[order[k - 1]];

			if (o[0] + o[1] + o[2] >= ti)
				break;
			order[k] = order[k - 1];
		}
		order[k] = i;
	}
	shown = n > MAX_CHART_OS ? MAX_CHART_OS - 1 : n;
	for (i = shown; i < n; i++)
		for (v = 0; v < V_N; v++)
			other[v] += f->os_count[order[i]][v];
	for (i = 0; i < shown; i++) {
		const long *o = f->os_count[order[i]];

		if (o[0] + o[1] + o[2] > maxv)
			maxv = o[0] + o[1] + o[2];
	}
	if (other[0] + other[1] + other[2] > maxv)
		maxv = other[0] + other[1] + other[2];
	chart_open(w, "chart-os", "Hosts per OS family, by verdict", n ? shown + (shown < n) : 1);
	for (v = 0; v < V_N; v++)
		ha_buf_init(&hb[v], 4096);
	for (i = 0; i < shown; i++) {
		const char *os = intern_key(&f->os, order[i], NULL);

		for (v = 0; v < V_N; v++) {
			ha_buf_truncate(&hb[v], 0);
			ha_buf_puts(&hb[v], "os=");
			html_put_frag(&hb[v], os);
			ha_buf_puts(&hb[v], "&amp;verdict=");
			ha_buf_puts(&hb[v], html_verdict_names[v]);
			hrefs[v] = ha_buf_cstr(&hb[v]);
		}
		chart_row(w, i, os, 30, f->os_count[order[i]], cls, names, V_N, hrefs, maxv);
	}
	if (shown < n) {
		char label[64];

		snprintf(label, sizeof label, "Other (%u families)", n - shown);
		for (v = 0; v < V_N; v++) {
			ha_buf_truncate(&hb[v], 0);
			ha_buf_printf(&hb[v], "verdict=%s", html_verdict_names[v]);
			hrefs[v] = ha_buf_cstr(&hb[v]);
		}
		chart_row(w, shown, label, 30, other, cls, names, V_N, hrefs, maxv);
	}
	for (v = 0; v < V_N; v++) {
		if (ha_buf_status(&hb[v]))
			w->b.failed = ha_buf_status(&hb[v]);
		ha_buf_free(&hb[v]);
	}
	if (!n)
		ha_buf_puts(&w->b, "<text class=\"tot\" x=\"10\" y=\"24\">No hosts.</text>");
	ha_buf_puts(&w->b, "</svg></figure>\n");
	free(order);
}

/* Stacked columns, one per run: ready, with waivers, unknown, not ready. */
void html_write_trend(struct html_writer *w, const struct html_fleet *f)
{
	static const char *const cls[HA_NVERDICTS] = {"v-ready", "v-not_ready", "v-unknown",
	                                              "v-ready_with_waivers"};
	static const char *const names[HA_NVERDICTS] = {"ready", "not ready", "unknown",
	                                                "ready with waivers"};
	static const int order[HA_NVERDICTS] = {HA_READY, HA_READY_WITH_WAIVERS, HA_VERDICT_UNKNOWN,
	                                        HA_NOT_READY};
	const double W = 640, H = 180, top = 10, base = 150, left = 40;
	double colw, bw;
	long maxv = 1;
	size_t i;
	int k;

	for (i = 0; i < f->ntrend; i++) {
		long t = 0;

		for (k = 0; k < HA_NVERDICTS; k++)
			t += f->trend[i].v[k];
		if (t > maxv)
			maxv = t;
	}
	colw = (W - left) / (double)(f->ntrend ? f->ntrend : 1);
	bw = colw * 0.6 > 48 ? 48 : colw * 0.6;
	ha_buf_puts(&w->b,
	            "<figure class=\"panel chartbox\" id=\"trend\"><figcaption><h3>Trend</h3>"
	            "<p class=\"muted\">Hosts by verdict in each audit of these paths kept "
	            "in the store (up to the last ");
	html_put_count(&w->b, MAX_TREND);
	ha_buf_puts(&w->b, ").</p></figcaption><ul class=\"legend\">");
	for (k = 0; k < HA_NVERDICTS; k++)
		ha_buf_printf(&w->b, "<li><span class=\"sw %s\"></span>%s</li>", cls[order[k]],
		              names[order[k]]);
	ha_buf_puts(&w->b, "</ul>");
	ha_buf_printf(&w->b,
	              "<svg class=\"chart\" id=\"chart-trend\" viewBox=\"0 0 %.0f %.0f\" "
	              "role=\"img\" aria-label=\"Hosts by verdict per audit\">"
	              "<text class=\"lbl\" x=\"%.0f\" y=\"%.1f\">%ld</text>"
	              "<text class=\"lbl\" x=\"%.0f\" y=\"%.1f\">0</text>"
	              "<rect class=\"track\" x=\"%.0f\" y=\"%.1f\" width=\"%.0f\" height=\"1\"/>",
	              W, H, left - 6, top + 4, maxv, left - 6, base, left, base, W - left);
	for (i = 0; i < f->ntrend; i++) {
		const struct trend *t = &f->trend[i];
		double x = left + colw * (double)i + (colw - bw) / 2, y = base;

		ha_buf_printf(&w->b, "<g class=\"run\" data-run=\"%lld\">", (long long)t->run);
		for (k = 0; k < HA_NVERDICTS; k++) {
			long v = t->v[order[k]];
			double h = (base - top) * (double)v / (double)maxv;

			if (!v)
				continue;
			y -= h;
			ha_buf_printf(&w->b,
			              "<rect class=\"%s\" x=\"%.1f\" y=\"%.2f\" width=\"%.1f\" "
			              "height=\"%.2f\"><title>Run %lld (as of ",
			              cls[order[k]], x, y, bw, h, (long long)t->run);
			html_esc(w, t->as_of);
			ha_buf_printf(&w->b, "): %ld %s</title></rect>", v, names[order[k]]);
		}
		ha_buf_printf(&w->b, "<text class=\"tlbl\" x=\"%.1f\" y=\"%.0f\">", x + bw / 2,
		              base + 14);
		html_esc(w, t->as_of);
		ha_buf_printf(
		        &w->b,
		        "</text><text class=\"tlbl\" x=\"%.1f\" y=\"%.0f\">run %lld</text></g>",
		        x + bw / 2, base + 27, (long long)t->run);
	}
	ha_buf_puts(&w->b, "</svg></figure>\n");
}
