/* test_e2e_browser.c: report.html of the sample fleet in a real browser.
 *
 * Headless chromium loads the page from a file, runs its script under its
 * Content-Security-Policy (a script blocked by the policy would leave the
 * table empty) and dumps the resulting DOM: the summary must agree with
 * the store, a filter given in the URL fragment must show exactly the hosts
 * an SQL query over the store selects, a host named in the fragment must
 * show its details, and printing must render host details.  Screenshots
 * are kept in the build tree (test-artifacts/) for a person to look at.
 *
 * Skipped when no chromium is installed; CI installs Debian's
 * (./bootstrap.sh --ci). */
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "reportcheck.h"
#include "testutil.h"

static char *tmp, *out, *db, *page;
static const char *chromium;
static int scanned, scan_ok;

static int scan(void)
{
	char *o = NULL, *e = NULL;
	int rc;

	if (scanned)
		return scan_ok;
	scanned = 1;
	out = ha_asprintf("%s/out", tmp);
	db = ha_asprintf("%s/out/audit.db", tmp);
	page = ha_asprintf("%s/out/report.html", tmp);
	if (!out || !db || !page)
		return 0;
	rc = tu_run_in_samples(&o, &e, "scan", "--out", out, "--as-of", "2026-01-01", "-q", "fleet",
	                       NULL);
	CHECK_INT(rc, 1);
	free(o);
	free(e);
	scan_ok = access(page, R_OK) == 0;
	CHECK(scan_ok);
	return scan_ok;
}

/* Rows of labels from one SQL query, sorted, joined by newlines. */
static char *sql_labels(const char *sql)
{
	struct ha_buf b;
	sqlite3 *d;
	sqlite3_stmt *s;

	ha_buf_init(&b, 0);
	if (sqlite3_open_v2(db, &d, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		return NULL;
	if (sqlite3_prepare_v2(d, sql, -1, &s, NULL) != SQLITE_OK) {
		fprintf(stderr, "sql: %s\n", sqlite3_errmsg(d));
		sqlite3_close(d);
		return NULL;
	}
	while (sqlite3_step(s) == SQLITE_ROW) {
		ha_buf_puts(&b, (const char *)sqlite3_column_text(s, 0));
		ha_buf_putc(&b, '\n');
	}
	sqlite3_finalize(s);
	sqlite3_close(d);
	return ha_buf_detach(&b, NULL);
}

static long long scalar(const char *sql)
{
	char *t = sql_labels(sql);
	long long v = t ? strtoll(t, NULL, 10) : -1;

	free(t);
	return v;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The data-label of every host row of the table, sorted, one per line. */
static char *dom_labels(const char *dom, size_t *rows)
{
	const char *body = strstr(dom, "<tbody id=\"ha-rows\">"), *end, *p;
	char *v[4096];
	struct ha_buf b;
	size_t n = 0, i;

	*rows = 0;
	if (!body)
		return NULL;
	end = strstr(body, "</tbody>");
	for (p = body; (p = strstr(p, "<tr class=\"row")) != NULL && p < end; p++) {
		const char *l = strstr(p, "data-label=\""), *q;

		if (!l || l > end || n == sizeof v / sizeof v[0])
			break;
		l += 12;
		q = strchr(l, '"');
		v[n++] = ha_strndup(l, (size_t)(q - l));
	}
	qsort(v, n, sizeof v[0], cmp_str);
	ha_buf_init(&b, 0);
	for (i = 0; i < n; i++) {
		ha_buf_puts(&b, v[i]);
		ha_buf_putc(&b, '\n');
		free(v[i]);
	}
	*rows = n;
	return ha_buf_detach(&b, NULL);
}

/* The page's DOM after its script ran, with `fragment` in the URL. */
static char *dom(const char *fragment)
{
	char *url = rc_file_url(page, fragment), *o = NULL;
	int rc = url ? rc_browse(chromium, url, "--dump-dom", NULL, &o) : -1;

	if (rc != 0)
		check_fail(__FILE__, __LINE__, "chromium --dump-dom %s exited %d", url ? url : "",
		           rc);
	free(url);
	if (o) {
		/* The script marks the root element when it is done, or failed. */
		const char *root = strstr(o, "<html"), *end = root ? strchr(root, '>') : NULL;
		char *tag = end ? ha_strndup(root, (size_t)(end - root)) : NULL;

		if (!tag || !strstr(tag, "data-ha-ready=\"1\""))
			check_fail(__FILE__, __LINE__, "#%s: the script did not finish: %s",
			           fragment ? fragment : "", tag ? tag : "(no root)");
		if (tag && strstr(tag, "data-ha-error"))
			check_fail(__FILE__, __LINE__, "#%s: script error: %s",
			           fragment ? fragment : "", tag);
		free(tag);
	}
	return o;
}

static int have_browser(void)
{
	if (!chromium) {
		check_skip("no chromium installed (./bootstrap.sh --ci installs it)");
		return 0;
	}
	return scan();
}

static char *attr_of_count(const char *d, const char *attr)
{
	char key[64];
	const char *p = d ? strstr(d, "<p id=\"ha-count\"") : NULL, *q;

	snprintf(key, sizeof key, "%s=\"", attr);
	p = p ? strstr(p, key) : NULL;
	if (!p)
		return NULL;
	p += strlen(key);
	q = strchr(p, '"');
	return q ? ha_strndup(p, (size_t)(q - p)) : NULL;
}

static void check_count(const char *d, const char *attr, long long want)
{
	char *v = attr_of_count(d, attr), w[32];

	snprintf(w, sizeof w, "%lld", want);
	if (!v || strcmp(v, w))
		check_fail(__FILE__, __LINE__, "#ha-count %s=\"%s\", want %s", attr,
		           v ? v : "(none)", w);
	free(v);
}

/* ---------------------------------------------------------------- cases */

static void test_summary_and_table(void)
{
	long long hosts;
	char want[128], *d, *labels, *expect;
	size_t rows;

	if (!have_browser())
		return;
	d = dom(NULL);
	if (!d)
		return;
	hosts = scalar("SELECT count(*) FROM hosts");
	snprintf(want, sizeof want, "id=\"n-hosts\">%lld<", hosts);
	CHECK_HAS(d, want);
	snprintf(want, sizeof want, "id=\"n-ready\">%lld<",
	         scalar("SELECT count(*) FROM hosts WHERE verdict = 'ready'"));
	CHECK_HAS(d, want);
	snprintf(want, sizeof want, "id=\"n-not-ready\">%lld<",
	         scalar("SELECT count(*) FROM hosts WHERE verdict = 'not_ready'"));
	CHECK_HAS(d, want);
	snprintf(want, sizeof want, "id=\"n-unknown\">%lld<",
	         scalar("SELECT count(*) FROM hosts WHERE verdict = 'unknown'"));
	CHECK_HAS(d, want);
	/* The script showed the table (so the policy let it run) with every host. */
	CHECK_HAS(d, "<div id=\"ha-app\">");
	check_count(d, "data-total", hosts);
	check_count(d, "data-matched", hosts);
	labels = dom_labels(d, &rows);
	expect = sql_labels("SELECT label FROM hosts ORDER BY label");
	CHECK_INT(rows, hosts < 100 ? hosts : 100);
	CHECK_STR(labels, expect);
	/* The controls were filled from the data. */
	CHECK_HAS(d, "<option value=\"SCHANNEL-TLS12-CLIENT\">SCHANNEL-TLS12-CLIENT</option>");
	CHECK_HAS(d, "<option value=\"Windows Server 2008 R2 SP1\">Windows Server 2008 R2 SP1 (");
	CHECK_HAS(d, "<option value=\"SOFTWARE:dirty\">");
	free(labels);
	free(expect);
	free(d);
}

static const struct filter_case {
	const char *fragment;
	const char *sql;
} filters[] = {
        {"verdict=not_ready&rule=SCHANNEL-TLS12-CLIENT",
         "SELECT label FROM hosts h JOIN findings f USING (host_id) WHERE h.verdict = 'not_ready'"
         " AND f.rule_id = 'SCHANNEL-TLS12-CLIENT' AND f.status IN ('FAIL', 'WARN', 'UNKNOWN')"},
        {"verdict=not_ready&rule=SCHANNEL-TLS12-CLIENT&q=ZERO",
         "SELECT label FROM hosts h JOIN findings f USING (host_id) WHERE h.verdict = 'not_ready'"
         " AND f.rule_id = 'SCHANNEL-TLS12-CLIENT' AND f.status IN ('FAIL', 'WARN', 'UNKNOWN')"
         " AND instr(lower(label || ' ' || computer_name || ' ' || dir), 'zero') > 0"},
        {"rule=KB-TLS12-PREREQ&status=NOT_APPLICABLE",
         "SELECT label FROM hosts h JOIN findings f USING (host_id) WHERE"
         " f.rule_id = 'KB-TLS12-PREREQ' AND f.status = 'NOT_APPLICABLE'"},
        {"status=UNKNOWN",
         "SELECT DISTINCT label FROM hosts h JOIN findings f USING (host_id) WHERE"
         " f.status = 'UNKNOWN'"},
        {"os=Windows+Server+2008+R2+SP1&verdict=ready",
         "SELECT label FROM hosts WHERE os_family = 'Windows Server 2008 R2 SP1' AND"
         " verdict = 'ready'"},
        {"hive=SOFTWARE%3Adirty", "SELECT label FROM hosts WHERE software_status = 'dirty'"},
        {"hive=problem", "SELECT label FROM hosts WHERE system_status NOT IN ('ok', 'replayed') OR"
                         " software_status NOT IN ('ok', 'replayed')"},
        {"q=mis-sch", "SELECT label FROM hosts WHERE instr(lower(label || ' ' || computer_name"
                      " || ' ' || dir), 'mis-sch') > 0"},
        {"q=no-such-host-anywhere", "SELECT label FROM hosts WHERE 0"},
};

static void test_fragment_filters(void)
{
	size_t i, rows;

	if (!have_browser())
		return;
	for (i = 0; i < sizeof filters / sizeof filters[0]; i++) {
		char *d = dom(filters[i].fragment), *got, *want;
		char sql[1024];

		if (!d)
			continue;
		snprintf(sql, sizeof sql, "SELECT label FROM (%s) ORDER BY label", filters[i].sql);
		got = dom_labels(d, &rows);
		want = sql_labels(sql);
		if (!got || !want || strcmp(got, want))
			check_fail(__FILE__, __LINE__, "#%s shows\n%s\nthe store selects\n%s",
			           filters[i].fragment, got ? got : "(nothing)",
			           want ? want : "(error)");
		check_count(d, "data-matched", (long long)rows);
		if (!rows)
			CHECK_HAS(d, "No host matches these filters.");
		free(got);
		free(want);
		free(d);
	}
}

static void test_sort_and_pages(void)
{
	long long hosts;
	char *d;
	size_t rows;
	char *labels;

	if (!have_browser())
		return;
	hosts = scalar("SELECT count(*) FROM hosts");
	d = dom("sort=label&size=50&page=2");
	if (!d)
		return;
	labels = dom_labels(d, &rows);
	CHECK_INT(rows, hosts - 50);
	check_count(d, "data-shown", hosts - 50);
	check_count(d, "data-matched", hosts);
	CHECK_HAS(d, "<th scope=\"col\" data-col=\"label\" aria-sort=\"ascending\">");
	CHECK_HAS(d, "Page 2 of 2");
	free(labels);
	free(d);
	/* Most failures first. */
	d = dom("sort=fail&desc=1&size=25");
	if (d) {
		const char *row = strstr(d, "<tr class=\"row");
		char *top = sql_labels("SELECT label FROM hosts h JOIN findings f USING (host_id)"
		                       " WHERE f.status = 'FAIL' GROUP BY host_id"
		                       " ORDER BY count(*) DESC, label LIMIT 1");
		char want[256];

		if (top && *top) {
			top[strlen(top) - 1] = '\0';
			snprintf(want, sizeof want, "data-label=\"%s\"", top);
			CHECK(row != NULL);
			CHECK(row && !strncmp(strstr(row, "data-label="), want, strlen(want)));
		}
		free(top);
		free(d);
	}
}

static void test_host_details(void)
{
	char *d, *sha, want[256];
	const char *det;

	if (!have_browser())
		return;
	d = dom("q=mis-schannel-absent&host=mis-schannel-absent");
	if (!d)
		return;
	det = strstr(d, "<div class=\"detail\" data-label=\"mis-schannel-absent\">");
	CHECK(det != NULL);
	if (!det) {
		free(d);
		return;
	}
	/* Facts. */
	CHECK_HAS(det, "<dt>Computer name</dt><dd>MIS-SCH-ABSENT</dd>");
	CHECK_HAS(det, "<dt>OS family</dt><dd>Windows Server 2008 R2 SP1</dd>");
	CHECK_HAS(det, "<dt>Control set</dt><dd>ControlSet001 (Select\\Current = 1)</dd>");
	CHECK_HAS(det, "<dt>Architecture</dt><dd>x64</dd>");
	/* The narrative ties the symptom to the finding. */
	CHECK_HAS(det, "Why TLS 1.2 would fail here");
	CHECK_HAS(det, "error 10054");
	CHECK_HAS(det, "<b>SChannel</b> <button class=\"rulelink\" type=\"button\"");
	/* Every finding, observed against expected, with evidence. */
	CHECK_INT(rc_count(det, "<details class=\"finding"), 22);
	CHECK_HAS(det, "<details class=\"finding st-FAIL\" data-rule=\"SCHANNEL-TLS12-CLIENT\" "
	               "open=\"\">");
	CHECK_HAS(det, "<span class=\"k\">Observed</span>");
	CHECK_HAS(det, "<span class=\"k\">Expected</span>");
	CHECK_HAS(
	        det,
	        "ControlSet001\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.2\\Client");
	CHECK_HAS(det, "fleet/mis-schannel-absent/SYSTEM");
	sha = sql_labels("SELECT sha256 FROM hives h JOIN hosts USING (host_id) WHERE"
	                 " label = 'mis-schannel-absent' AND role = 'SYSTEM'");
	if (sha && strlen(sha) > 1) {
		sha[strlen(sha) - 1] = '\0';
		snprintf(want, sizeof want, "SHA-256 %s", sha);
		CHECK_HAS(det, want);
	}
	free(sha);
	/* Hive statuses and the remediation of the failing rule. */
	CHECK_HAS(det, "<b>SYSTEM</b>");
	CHECK_HAS(det, "Remediation (.reg fragment)");
	CHECK_HAS(det,
	          "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\"
	          "SCHANNEL\\Protocols\\TLS 1.2\\Client]\n\"Enabled\"=dword:00000001");
	free(d);

	/* The suites a host offers, in order, with what Azure accepts marked. */
	d = dom("host=sui-2016-ecdh-off");
	if (d) {
		det = strstr(d, "<div class=\"detail\" data-label=\"sui-2016-ecdh-off\">");
		CHECK(det != NULL);
		CHECK_HAS(det,
		          "TLS 1.2 cipher suites in effect, in order:</p><ol class=\"suitelist\">"
		          "<li>TLS_DHE_RSA_WITH_AES_256_GCM_SHA384 <span class=\"pill st-WARN\">"
		          "Azure: compatibility policy only</span></li>");
		CHECK_HAS(det, "<li>TLS_DHE_RSA_WITH_AES_256_CBC_SHA </li>");
		free(d);
	}
	d = dom("host=srv2019");
	if (d) {
		det = strstr(d, "<div class=\"detail\" data-label=\"srv2019\">");
		CHECK(det != NULL);
		CHECK_HAS(det,
		          "<li>TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 <span class=\"pill st-PASS\">"
		          "Azure accepts</span></li>");
		free(d);
	}

	/* An unknown host says what could not be decided and why. */
	d = dom("host=dmg-dirty");
	if (d) {
		det = strstr(d, "<div class=\"detail\" data-label=\"dmg-dirty\">");
		CHECK(det != NULL);
		CHECK_HAS(det, "Why the verdict is unknown");
		CHECK_HAS(det, "HIVE-INTEGRITY");
		CHECK_HAS(det, "dirty");
		free(d);
	}
}

/* Page objects in a PDF ("/Type /Page", not "/Type /Pages"). */
static size_t pdf_pages(const char *p, size_t n)
{
	static const char key[] = "/Type /Page";
	size_t i, k = 0;

	for (i = 0; i + sizeof key < n; i++)
		if (!memcmp(p + i, key, sizeof key - 1) && p[i + sizeof key - 1] != 's')
			k++;
	return k;
}

/* Printing renders host details into the page (bounded); headless
 * chromium fires beforeprint when printing to PDF, so a filtered print
 * with one host has more pages than one with none. */
static void test_print(void)
{
	char *none = ha_asprintf("--print-to-pdf=%s/none.pdf", tmp);
	char *one = ha_asprintf("--print-to-pdf=%s/one.pdf", tmp);
	char *url0, *url1, *a, *b;
	size_t pa = 0, pb = 0;

	if (!have_browser() || !none || !one) {
		free(none);
		free(one);
		return;
	}
	url0 = rc_file_url(page, "q=no-such-host-anywhere");
	url1 = rc_file_url(page, "q=mis-schannel-absent");
	CHECK_INT(rc_browse(chromium, url0, none, NULL, NULL), 0);
	CHECK_INT(rc_browse(chromium, url1, one, NULL, NULL), 0);
	a = tu_read(none + 15, &pa);
	b = tu_read(one + 15, &pb);
	CHECK(a && b);
	if (a && b) {
		CHECK(!memcmp(a, "%PDF", 4));
		if (pdf_pages(b, pb) <= pdf_pages(a, pa))
			check_fail(__FILE__, __LINE__,
			           "printing one host gives %zu pages, none %zu", pdf_pages(b, pb),
			           pdf_pages(a, pa));
	}
	free(a);
	free(b);
	free(url0);
	free(url1);
	free(none);
	free(one);
}

/* Screenshots for a person to look at: the overview and one host. */
static void test_screenshots(void)
{
	char *dir = ha_asprintf("%s/test-artifacts", tu_binary_dir());
	char *shot1 = ha_asprintf("--screenshot=%s/test-artifacts/report.png", tu_binary_dir());
	char *shot2 =
	        ha_asprintf("--screenshot=%s/test-artifacts/report-host.png", tu_binary_dir());
	char *url1 = NULL, *url2 = NULL, *png;
	size_t n = 0;

	if (!have_browser() || !dir || !shot1 || !shot2)
		goto done;
	mkdir(dir, 0755);
	url1 = rc_file_url(page, NULL);
	url2 = rc_file_url(page, "q=mis-schannel-absent&host=mis-schannel-absent");
	CHECK_INT(rc_browse(chromium, url1, shot1, "--window-size=1400,2400", NULL), 0);
	CHECK_INT(rc_browse(chromium, url2, shot2, "--window-size=1400,6000", NULL), 0);
	png = tu_read(shot1 + 13, &n);
	CHECK(png && n > 1000 && !memcmp(png, "\x89PNG", 4));
	free(png);
	png = tu_read(shot2 + 13, &n);
	CHECK(png && n > 1000 && !memcmp(png, "\x89PNG", 4));
	free(png);
	fprintf(stderr, "  screenshots: %s/report.png, report-host.png\n", dir);
done:
	free(dir);
	free(shot1);
	free(shot2);
	free(url1);
	free(url2);
}

/* A second audit of the same paths into the same store: the page gains
 * "Since the last audit" (nothing changed in the sample fleet, so every
 * list says so) and the trend chart of both runs, and the script still
 * runs under the page's policy with them in place. */
static void test_since_last_audit(void)
{
	char *o = NULL, *e = NULL, *d;

	if (!have_browser())
		return;
	CHECK_INT(tu_run_in_samples(&o, &e, "scan", "--out", out, "--as-of", "2026-02-01", "-q",
	                            "fleet", NULL),
	          1);
	free(o);
	free(e);
	d = dom("verdict=not_ready");
	if (!d)
		return;
	CHECK_HAS(d, "<h2>Since the last audit</h2>");
	CHECK_HAS(d, "Compared with run 1 (as of 2026-01-01): 52 hosts then, 52 hosts now; "
	             "0 findings regressed, 0 findings fixed.");
	CHECK_INT(rc_count(d, "<p class=\"muted\">None.</p>"), 4);
	CHECK_INT(rc_count(d, "<g class=\"run\" data-run="), 2);
	CHECK_HAS(d, "<title>Run 2 (as of 2026-02-01): 24 ready</title>");
	CHECK_HAS(d, "<title>Run 2 (as of 2026-02-01): 21 not ready</title>");
	check_count(d, "data-matched", 21);
	free(d);
}

int main(int argc, char **argv)
{
	static const struct check_case cases[] = {
	        CHECK_CASE(test_summary_and_table),
	        CHECK_CASE(test_fragment_filters),
	        CHECK_CASE(test_sort_and_pages),
	        CHECK_CASE(test_host_details),
	        CHECK_CASE(test_print),
	        CHECK_CASE(test_screenshots),
	        CHECK_CASE(test_since_last_audit),
	};
	int rc;

	chromium = rc_chromium();
	tmp = tu_tempdir("e2e-browser");
	if (!tmp)
		return 1;
	rc = check_run(cases, sizeof cases / sizeof cases[0], argc, argv);
	if (!rc && !getenv("HA_TEST_KEEP")) /* HA_TEST_KEEP=1 keeps the outputs to look at */
		tu_rmtree(tmp);
	else
		fprintf(stderr, "outputs kept in %s\n", tmp);
	free(tmp);
	free(out);
	free(db);
	free(page);
	return rc;
}
