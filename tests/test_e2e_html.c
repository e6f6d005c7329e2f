/* test_e2e_html.c: report.html of the sample fleet, read as a file.
 *
 * The page must be self-contained and locked down (checked tag by tag in
 * reportcheck.h), its summary must agree with the store, its data island
 * must carry every host with its findings, evidence, narrative and
 * remediation, and writing it again from the store must give the same
 * bytes.  test_e2e_browser.c checks what a browser makes of it. */
#include <jansson.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "reportcheck.h"
#include "testutil.h"

static char *tmp;
static char *out, *db, *page;
static char *html;
static size_t html_len;
static int scanned;

/* Runs hiveaudit in samples/, so that the paths it records are relative. */
static long long scalar(const char *sql)
{
	sqlite3 *d;
	sqlite3_stmt *s;
	long long v = -1;

	if (sqlite3_open_v2(db, &d, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		return -2;
	if (sqlite3_prepare_v2(d, sql, -1, &s, NULL) == SQLITE_OK) {
		if (sqlite3_step(s) == SQLITE_ROW)
			v = sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
	} else {
		fprintf(stderr, "sql: %s\n", sqlite3_errmsg(d));
	}
	sqlite3_close(d);
	return v;
}

static int scan(void)
{
	char *o = NULL, *e = NULL;
	int rc;

	if (scanned)
		return html != NULL;
	scanned = 1;
	out = ha_asprintf("%s/out", tmp);
	db = ha_asprintf("%s/audit.db", out);
	page = ha_asprintf("%s/report.html", out);
	if (!out || !db || !page)
		return 0;
	rc = tu_run_in_samples(&o, &e, "scan", "--out", out, "--as-of", "2026-01-01", "-q", "fleet",
	                       NULL);
	CHECK_INT(rc, 1);
	if (rc != 1)
		fprintf(stderr, "scan: %s\n", e ? e : "");
	free(o);
	free(e);
	html = tu_read(page, &html_len);
	CHECK(html != NULL);
	return html != NULL;
}

/* The text of the element with this id (up to its first '<'). */
static char *text_of_id(const char *id)
{
	char key[128];
	const char *p, *q;

	snprintf(key, sizeof key, "id=\"%s\">", id);
	p = html ? strstr(html, key) : NULL;
	if (!p)
		return NULL;
	p += strlen(key);
	q = strchr(p, '<');
	return q ? ha_strndup(p, (size_t)(q - p)) : NULL;
}

static void check_number(const char *id, long long want)
{
	char *t = text_of_id(id);
	char w[32];

	snprintf(w, sizeof w, "%lld", want);
	if (!t || strcmp(t, w))
		check_fail(__FILE__, __LINE__, "#%s: \"%s\", the store says %s", id,
		           t ? t : "(none)", w);
	free(t);
}

/* ------------------------------------------------------------- the page */

static void test_page_is_locked_down(void)
{
	if (!scan())
		return;
	rc_check_page(html, html_len);
	/* Nothing that could make a request. */
	CHECK_LACKS(html, "url(");
	CHECK_LACKS(html, "@import");
	CHECK_LACKS(html, "<link");
	CHECK_LACKS(html, "<img");
	CHECK_LACKS(html, "<iframe");
	CHECK_LACKS(html, "http://");
	CHECK_LACKS(html, "https://");
	/* The script builds nodes, it never parses markup. */
	CHECK(!strstr((const char *)ha_report_js, "innerHTML"));
	CHECK(!strstr((const char *)ha_report_js, "outerHTML"));
	CHECK(!strstr((const char *)ha_report_js, "insertAdjacentHTML"));
	CHECK(!strstr((const char *)ha_report_js, "document.write"));
	CHECK(!strstr((const char *)ha_report_js, "eval("));
	CHECK(!strstr((const char *)ha_report_js, "new Function"));
	/* Print support: details are rendered before printing, in bounds. */
	CHECK(strstr((const char *)ha_report_js, "beforeprint") != NULL);
	CHECK(strstr((const char *)ha_report_css, "@media print") != NULL);
}

static void test_summary_matches_store(void)
{
	char want[256];

	if (!scan())
		return;
	check_number("n-hosts", scalar("SELECT count(*) FROM hosts"));
	check_number("n-ready", scalar("SELECT count(*) FROM hosts WHERE verdict = 'ready'"));
	check_number("n-not-ready",
	             scalar("SELECT count(*) FROM hosts WHERE verdict = 'not_ready'"));
	check_number("n-unknown", scalar("SELECT count(*) FROM hosts WHERE verdict = 'unknown'"));
	CHECK_HAS(html, "<dd id=\"as-of\">2026-01-01");

	/* Why not ready: hosts failing SCHANNEL-TLS12-CLIENT, linked to the filter. */
	snprintf(want, sizeof want,
	         "<a "
	         "href=\"#verdict=not_ready&amp;rule=SCHANNEL-TLS12-CLIENT&amp;status=FAIL\"><code>"
	         "SCHANNEL-TLS12-CLIENT</code></a><span class=\"cause-title\">SChannel&#39;s TLS "
	         "1.2 "
	         "client is enabled and on by default</span></td><td class=\"num\">%lld</td>",
	         scalar("SELECT count(*) FROM hosts h JOIN findings f USING (host_id) WHERE"
	                " h.verdict = 'not_ready' AND f.rule_id = 'SCHANNEL-TLS12-CLIENT' AND"
	                " f.status = 'FAIL'"));
	CHECK_HAS(html, want);

	/* Why unknown: by hive problem, among unknown hosts and among all. */
	snprintf(want, sizeof want,
	         "<a href=\"#hive=SOFTWARE:dirty\">SOFTWARE hive dirty</a></td><td "
	         "class=\"num\">%lld"
	         "</td><td class=\"num\">%lld</td>",
	         scalar("SELECT count(*) FROM hosts WHERE software_status = 'dirty' AND"
	                " verdict = 'unknown'"),
	         scalar("SELECT count(*) FROM hosts WHERE software_status = 'dirty'"));
	CHECK_HAS(html, want);
	CHECK_HAS(html, "<a href=\"#hive=SYSTEM:not_a_hive\">SYSTEM hive not a hive</a>");
	CHECK_HAS(html, "<a href=\"#hive=SOFTWARE:missing\">SOFTWARE hive missing</a>");
	CHECK_HAS(html, "Hives readable; undetermined: <code>SCHANNEL-TLS12-CLIENT</code>");

	/* The rules table counts, per status. */
	snprintf(want, sizeof want, "<a href=\"#rule=KB-TLS12-PREREQ&amp;status=FAIL\">%lld</a>",
	         scalar("SELECT count(*) FROM findings WHERE rule_id = 'KB-TLS12-PREREQ' AND"
	                " status = 'FAIL'"));
	CHECK_HAS(html, want);
}

static void test_charts(void)
{
	const char *rules, *os, *end;
	char want[160];
	sqlite3 *d;
	sqlite3_stmt *s;
	int n = 0;

	if (!scan())
		return;
	rules = strstr(html, "<svg class=\"chart\" id=\"chart-rules\"");
	os = strstr(html, "<svg class=\"chart\" id=\"chart-os\"");
	CHECK(rules && os);
	if (!rules || !os)
		return;
	end = strstr(rules, "</svg>");
	/* One bar per rule, every non-empty segment linked to its hosts. */
	CHECK_INT(sqlite3_open_v2(db, &d, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	CHECK_INT(sqlite3_prepare_v2(d,
	                             "SELECT rule_id, status, count(*) FROM findings"
	                             " GROUP BY rule_id, status",
	                             -1, &s, NULL),
	          SQLITE_OK);
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *p;

		snprintf(want, sizeof want,
		         "<a href=\"#rule=%s&amp;status=%s\"><rect class=\"s-%s\"",
		         (const char *)sqlite3_column_text(s, 0),
		         (const char *)sqlite3_column_text(s, 1),
		         (const char *)sqlite3_column_text(s, 1));
		p = strstr(rules, want);
		if (!p || p > end)
			check_fail(__FILE__, __LINE__, "chart-rules lacks %s", want);
		snprintf(want, sizeof want, ": %lld %s</title>",
		         (long long)sqlite3_column_int64(s, 2),
		         strcmp((const char *)sqlite3_column_text(s, 1), "NOT_APPLICABLE")
		                 ? (const char *)sqlite3_column_text(s, 1)
		                 : "N/A (not applicable)");
		CHECK_HAS(p ? p : "", want);
		n++;
	}
	sqlite3_finalize(s);
	sqlite3_close(d);
	CHECK(n > 18);
	/* OS families coloured by verdict. */
	snprintf(want, sizeof want, "Windows Server 2008 R2 SP1: %lld ready</title>",
	         scalar("SELECT count(*) FROM hosts WHERE os_family = 'Windows Server 2008 R2 SP1'"
	                " AND verdict = 'ready'"));
	CHECK_HAS(os, want);
	CHECK_HAS(os, "<a href=\"#os=Windows%20Server%202008%20R2%20SP1&amp;verdict=not_ready\">");
}

/* ---------------------------------------------------------- the island */

static json_t *host_named(json_t *isl, const char *label)
{
	json_t *h = json_object_get(isl, "h"), *x;
	size_t i;

	json_array_foreach(h, i, x)
	{
		const char *l = rc_str(isl, json_array_get(x, 0));

		if (l && !strcmp(l, label))
			return x;
	}
	return NULL;
}

/* The evidence text the page carries (e's LINE) is findings.csv's: the
 * lines of a finding's evidence, joined by " | ", are its evidence cell. */
static void check_evidence_lines(json_t *isl, json_t *host, const char *label, const char *rule_id)
{
	char path[4096], *csv;
	struct tu_csv t;
	struct ha_buf lines;
	json_t *f, *fr = NULL;
	size_t i, k;
	int ch, cr, ce, found = 0;

	CHECK(host != NULL);
	if (!host)
		return;
	json_array_foreach(json_array_get(host, 24), i, f)
	{
		json_t *r =
		        json_array_get(json_object_get(isl, "f"), (size_t)json_integer_value(f));

		if (!strcmp(rc_str(isl, json_array_get(r, 0)), rule_id))
			fr = r;
	}
	CHECK(fr != NULL);
	if (!fr)
		return;
	ha_buf_init(&lines, 0);
	for (k = 8; k < json_array_size(fr); k++) {
		json_t *ev = json_array_get(json_object_get(isl, "e"),
		                            (size_t)json_integer_value(json_array_get(fr, k)));

		CHECK_INT(json_array_size(ev), 10);
		if (k > 8)
			ha_buf_puts(&lines, " | ");
		ha_buf_puts(&lines, rc_str(isl, json_array_get(ev, 9)));
	}
	CHECK(lines.len > 0);
	snprintf(path, sizeof path, "%s/findings.csv", out);
	csv = tu_read(path, NULL);
	CHECK(csv != NULL);
	if (csv && tu_csv_parse(csv, &t) == 0) {
		ch = tu_csv_col(&t, "host");
		cr = tu_csv_col(&t, "rule_id");
		ce = tu_csv_col(&t, "evidence");
		for (i = 1; i < t.nrows; i++)
			if (!strcmp(t.rows[i][ch], label) && !strcmp(t.rows[i][cr], rule_id)) {
				CHECK_STR(ha_buf_cstr(&lines), t.rows[i][ce]);
				found++;
			}
		tu_csv_free(&t);
	}
	CHECK_INT(found, 1);
	free(csv);
	ha_buf_free(&lines);
}

static void test_island(void)
{
	json_t *isl, *s, *h, *x, *fs, *f, *ev, *files;
	const char *text;
	size_t i, j, k, nf = 0;
	int seen_reg = 0, seen_ev = 0;

	if (!scan())
		return;
	isl = rc_island_json(html);
	CHECK(isl != NULL);
	if (!isl)
		return;
	CHECK_INT(json_integer_value(json_object_get(isl, "v")), 1);
	s = json_object_get(isl, "s");
	CHECK_STR(json_string_value(json_array_get(s, 0)), "");
	/* Strings are stored once. */
	for (i = 0; i < json_array_size(s) && i < 4000; i++)
		for (j = i + 1; j < json_array_size(s) && j < 4000; j++)
			if (!strcmp(json_string_value(json_array_get(s, i)),
			            json_string_value(json_array_get(s, j))))
				check_fail(__FILE__, __LINE__, "string %zu repeated at %zu", i, j);
	h = json_object_get(isl, "h");
	CHECK_INT(json_array_size(h), scalar("SELECT count(*) FROM hosts"));
	CHECK_INT(json_array_size(json_object_get(isl, "r")), scalar("SELECT count(*) FROM rules"));
	json_array_foreach(h, i, x)
	{
		CHECK_INT(json_array_size(x), 27);
		nf += json_array_size(json_array_get(x, 24));
	}
	CHECK_INT(nf, scalar("SELECT count(*) FROM findings"));

	/* One host in full: facts, hives, findings, evidence, remediation, narrative. */
	x = host_named(isl, "mis-schannel-absent");
	CHECK(x != NULL);
	if (!x) {
		json_decref(isl);
		return;
	}
	CHECK_STR(rc_str(isl, json_array_get(x, 2)), "MIS-SCH-ABSENT");
	CHECK_STR(rc_str(isl, json_array_get(x, 5)), "Windows Server 2008 R2 SP1");
	CHECK_STR(rc_str(isl, json_array_get(x, 13)), "Select\\Current = 1");
	CHECK_INT(json_integer_value(json_array_get(x, 16)), 7601);
	CHECK_INT(json_integer_value(json_array_get(x, 20)), 1); /* not ready */
	CHECK_INT(json_array_size(json_array_get(x, 22)) % 20, 0);
	CHECK(json_array_size(json_array_get(x, 22)) >= 40);
	text = rc_str(isl, json_array_get(x, 25));
	CHECK_HAS(text, "  - SChannel (SCHANNEL-TLS12-CLIENT, FAIL): ");
	CHECK_HAS(text, "error 10054");
	files = json_array_get(x, 23);
	fs = json_array_get(x, 24);
	json_array_foreach(fs, i, f)
	{
		json_t *fr =
		        json_array_get(json_object_get(isl, "f"), (size_t)json_integer_value(f));
		json_t *rule;
		const char *rid = rc_str(isl, json_array_get(fr, 0));

		if (strcmp(rid, "SCHANNEL-TLS12-CLIENT"))
			continue;
		CHECK_INT(json_integer_value(json_array_get(fr, 1)), 1); /* FAIL */
		CHECK_HAS(rc_str(isl, json_array_get(fr, 5)), "absent");
		for (k = 8; k < json_array_size(fr); k++) {
			ev = json_array_get(json_object_get(isl, "e"),
			                    (size_t)json_integer_value(json_array_get(fr, k)));
			CHECK_STR(rc_str(isl, json_array_get(ev, 0)), "SYSTEM");
			CHECK_HAS(rc_str(isl, json_array_get(ev, 3)),
			          "SCHANNEL\\Protocols\\TLS 1.2\\Client");
			j = (size_t)json_integer_value(json_array_get(ev, 1));
			CHECK_STR(rc_str(isl, json_array_get(files, 2 * j)),
			          "fleet/mis-schannel-absent/SYSTEM");
			CHECK_INT(strlen(rc_str(isl, json_array_get(files, 2 * j + 1))), 64);
			seen_ev++;
		}
		json_array_foreach(json_object_get(isl, "r"), k,
		                   rule) if (!strcmp(rc_str(isl, json_array_get(rule, 0)), rid))
		{
			CHECK_HAS(rc_str(isl, json_array_get(rule, 7)),
			          "\"Enabled\"=dword:00000001");
			seen_reg = 1;
		}
	}
	CHECK(seen_ev >= 2);
	CHECK(seen_reg);
	check_evidence_lines(isl, x, "mis-schannel-absent", "SCHANNEL-TLS12-CLIENT");
	check_evidence_lines(isl, host_named(isl, "sui-2016-ecdh-off"), "sui-2016-ecdh-off",
	                     "SCHANNEL-CIPHER-SUITES");

	/* Ready hosts carry no narrative; unknown ones say what is undetermined. */
	x = host_named(isl, "srv2019");
	CHECK(x && json_integer_value(json_array_get(x, 25)) == 0);
	x = host_named(isl, "dmg-dirty");
	CHECK(x != NULL);
	if (x) {
		CHECK_INT(json_integer_value(json_array_get(x, 20)), 2);
		CHECK_STR(rc_str(isl, json_array_get(json_array_get(x, 26), 1)), "dirty");
		CHECK_HAS(rc_str(isl, json_array_get(x, 25)), "HIVE-INTEGRITY");
	}
	json_decref(isl);
}

/* --------------------------------------------------------- regeneration */

static void test_report_again_is_identical(void)
{
	char *o = NULL, *e = NULL, *again, *file, *b;
	int rc;

	if (!scan())
		return;
	again = ha_asprintf("%s/again", tmp);
	file = ha_asprintf("%s/again/report.html", tmp);
	rc = tu_run_in_samples(&o, &e, "report", "--db", db, "--out", again, "--format", "html",
	                       NULL);
	CHECK_INT(rc, 0);
	free(o);
	free(e);
	b = file ? tu_read(file, NULL) : NULL;
	CHECK(b && !strcmp(b, html));
	free(b);
	free(again);
	free(file);
}

/* Everything a host record of the island says, with every index
 * resolved to its text, appended to b. */
static void host_text(json_t *isl, json_t *h, struct ha_buf *b)
{
	json_t *s = json_object_get(isl, "s"), *e = json_object_get(isl, "e");
	json_t *f = json_object_get(isl, "f"), *v;
	size_t i, k, j;

#define STR(x) json_string_value(json_array_get(s, (size_t)json_integer_value(x)))
	for (i = 0; i < json_array_size(h); i++) {
		v = json_array_get(h, i);
		if (i < 16 || i == 25) {
			ha_buf_printf(b, "|%s", STR(v) ? STR(v) : "?");
		} else if (i == 22) { /* hive tuples: 11 strings, 6 numbers, 3 strings */
			for (k = 0; k < json_array_size(v); k++) {
				int str = k % 20 < 11 || k % 20 >= 17;

				ha_buf_printf(b, str ? "|h:%s" : "|h#%s",
				              str ? STR(json_array_get(v, k)) : "");
			}
		} else if (i == 23 || i == 26) {
			for (k = 0; k < json_array_size(v); k++)
				ha_buf_printf(b, "|%s", STR(json_array_get(v, k)));
		} else if (i == 24) { /* findings, then their evidence */
			for (k = 0; k < json_array_size(v); k++) {
				json_t *fr = json_array_get(
				        f, (size_t)json_integer_value(json_array_get(v, k)));

				ha_buf_printf(b, "|F:%s,%lld", STR(json_array_get(fr, 0)),
				              (long long)json_integer_value(json_array_get(fr, 1)));
				for (j = 2; j < 8; j++)
					ha_buf_printf(b, ",%s", STR(json_array_get(fr, j)));
				for (j = 8; j < json_array_size(fr); j++) {
					json_t *er = json_array_get(
					        e,
					        (size_t)json_integer_value(json_array_get(fr, j)));
					size_t m;

					for (m = 0; m < json_array_size(er); m++) {
						json_t *x = json_array_get(er, m);

						if (m == 1 || json_integer_value(x) < 0)
							ha_buf_printf(
							        b, ",E%lld",
							        (long long)json_integer_value(x));
						else
							ha_buf_printf(b, ",E:%s", STR(x));
					}
				}
			}
		} else {
			ha_buf_printf(b, "|%lld", (long long)json_integer_value(v));
		}
	}
#undef STR
}

/* With its tables written out and emptied every 2 KiB (as every 4 MiB on
 * a big fleet), the page says exactly what the whole one says. */
static void test_spilled_island_same(void)
{
	static const char *const env[] = {"HIVEAUDIT_TEST_HTML_CAP=2048", NULL};
	char *dir = ha_asprintf("%s/spilled", tmp),
	     *file = ha_asprintf("%s/spilled/report.html", tmp);
	char *argv[] = {(char *)tu_hiveaudit(),
	                (char *)"report",
	                (char *)"--db",
	                db,
	                (char *)"--out",
	                dir,
	                (char *)"--format",
	                (char *)"html",
	                NULL};
	char *text = NULL;
	json_t *a = NULL, *b = NULL;
	struct ha_buf ta, tb;
	size_t i;

	ha_buf_init(&ta, 0);
	ha_buf_init(&tb, 0);
	if (!scan())
		goto done;
	argv[3] = db; /* set by scan() */
	CHECK_INT(tu_run(argv, env, NULL, NULL), 0);
	text = tu_read(file, NULL);
	CHECK(text != NULL);
	if (!text)
		goto done;
	CHECK(strlen(text) > strlen(html)); /* strings were stored again after a spill */
	a = rc_island_json(html);
	b = rc_island_json(text);
	CHECK(a && b);
	if (!a || !b)
		goto done;
	CHECK_INT(json_array_size(json_object_get(b, "h")),
	          json_array_size(json_object_get(a, "h")));
	CHECK(json_array_size(json_object_get(a, "h")) > 40);
	for (i = 0; i < json_array_size(json_object_get(a, "h")); i++) {
		ha_buf_truncate(&ta, 0);
		ha_buf_truncate(&tb, 0);
		host_text(a, json_array_get(json_object_get(a, "h"), i), &ta);
		host_text(b, json_array_get(json_object_get(b, "h"), i), &tb);
		if (strcmp(ha_buf_cstr(&ta), ha_buf_cstr(&tb)))
			check_fail(__FILE__, __LINE__, "host %zu differs:\n  %.300s\n  %.300s", i,
			           ha_buf_cstr(&ta), ha_buf_cstr(&tb));
	}
	/* the page around the island is the same */
	{
		const char *ia = strstr(html, "id=\"ha-data\""),
		           *ib = strstr(text, "id=\"ha-data\"");

		CHECK(ia && ib && ia - html == ib - text &&
		      !strncmp(html, text, (size_t)(ia - html)));
	}
done:
	json_decref(a);
	json_decref(b);
	ha_buf_free(&ta);
	ha_buf_free(&tb);
	free(text);
	free(dir);
	free(file);
}

/* A store whose run found no host still gives a valid page. */
static void test_empty_run(void)
{
	char *o = NULL, *e = NULL, *text;
	char *file = ha_asprintf("%s/empty-fleet/host/readme.txt", tmp);
	char *dir = ha_asprintf("%s/empty-fleet", tmp);
	char *outdir = ha_asprintf("%s/empty-out", tmp);
	char *path = ha_asprintf("%s/empty-out/report.html", tmp);
	int rc;

	CHECK(file && dir && outdir && path);
	if (!file || !dir || !outdir || !path)
		goto done;
	CHECK_INT(tu_write(file, "no hives here\n", 14), 0);
	rc = tu_run_in_samples(&o, &e, "scan", "--out", outdir, "-q", dir, NULL);
	free(o);
	free(e);
	text = tu_read(path, NULL);
	if (!text) {
		/* The scan may refuse a folder without hives; that is its call. */
		CHECK(rc == 0 || rc == 2);
		goto done;
	}
	rc_check_page(text, strlen(text));
	CHECK_HAS(text, "<span class=\"card-num\" id=\"n-hosts\">");
	free(text);
done:
	free(file);
	free(dir);
	free(outdir);
	free(path);
}

int main(int argc, char **argv)
{
	static const struct check_case cases[] = {
	        CHECK_CASE(test_page_is_locked_down),
	        CHECK_CASE(test_summary_matches_store),
	        CHECK_CASE(test_charts),
	        CHECK_CASE(test_island),
	        CHECK_CASE(test_report_again_is_identical),
	        CHECK_CASE(test_spilled_island_same),
	        CHECK_CASE(test_empty_run),
	};
	int rc;

	tmp = tu_tempdir("e2e-html");
	if (!tmp)
		return 1;
	rc = check_run(cases, sizeof cases / sizeof cases[0], argc, argv);
	free(html);
	free(out);
	free(db);
	free(page);
	if (!rc && !getenv("HA_TEST_KEEP")) /* HA_TEST_KEEP=1 keeps the outputs to look at */
		tu_rmtree(tmp);
	else
		fprintf(stderr, "outputs kept in %s\n", tmp);
	free(tmp);
	return rc;
}
