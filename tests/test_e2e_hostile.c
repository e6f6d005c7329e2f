/* test_e2e_hostile.c: hostile names and values through the whole pipeline.
 *
 * A fleet is built whose folder names, hive file names, embedded hive
 * names, computer names, product names, SChannel values (of the wrong
 * type), .NET values, update-package key names and a user rule file carry
 * markup, script, spreadsheet formulas, terminal escape sequences, control
 * characters and invalid UTF-16.  `hiveaudit scan` must read it all, and
 * every output must hold it as inert text: report.html (checked tag by tag,
 * its data island parsed back, and in a browser when one is installed),
 * findings.csv and hosts.csv (RFC 4180, formulas defused), findings.jsonl
 * (valid JSON that round-trips the strings) and `hiveaudit explain` (no
 * control characters reach the terminal).
 *
 * (Over 1,000 lines: each hostile name or value is built and checked in every output.)
 */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "hivebuild.h"
#include "reportcheck.h"
#include "testutil.h"

#define REG_SZ     1
#define FIXED_TIME 133536528000000000LL

static char *tmp;
static int built, scanned, scan_rc = -1;
static char *scan_out, *scan_err;

/* ----------------------------------------------------------- the fleet */

/* REG_SZ data with an unpaired high surrogate and an unpaired low one. */
static const unsigned char bad_utf16[] = {'1', 0, 0x00, 0xD8, 'x', 0, 0x00, 0xDC, 0, 0};
/* ComputerName whose first code unit is an unpaired low surrogate. */
static const unsigned char bad_cn[] = {0x00, 0xDC, 'W', 0, 'E', 0, 'B', 0, 0, 0};

struct hostile {
	const char *folder;
	const char *cn; /* UTF-8, or NULL for bad_cn */
	const char *product;
	const char *hostname, *domain;
	const char *sys_file, *sw_file;
	const char *sys_embedded;
	const char *schannel_enabled; /* REG_SZ where a DWORD belongs, or NULL */
	int schannel_bad_utf16;       /* DisabledByDefault as invalid UTF-16 */
	const char *netfx_strong;     /* REG_SZ where a DWORD belongs, or NULL */
	const char *package;          /* update package key name, or NULL */
	int package_bad_utf16;        /* patch the package key name to invalid UTF-16 */
	const char *csd;
};

/* The key name written in place of the one patched to invalid UTF-16: 48
 * Latin-1 bytes that become 24 UTF-16 units "Package_for_KB3140245~" + an
 * unpaired surrogate + "A". */
#define PLACEHOLDER "Package_for_KB3140245~ZZZZZZZZZZZZZZZZZZZZZZZZZZ"

static const struct hostile hosts[] = {
        {"<img src=x onerror=alert(1)>", "<script>alert(1)</script>",
         "</style><script>alert(2)</script><!-- \xe2\x80\xa8 \xe2\x80\xa9 -->", "ha<b>st", "corp",
         "SYSTEM", "soft\"'<svg onload=alert(5)>.hiv", "<script>alert(6)</script>",
         "</script><script>alert(3)</script>", 1, NULL,
         "Package_for_KB3140245~<script>alert(4)</script>~amd64~~6.1.1.0", 0, "Service Pack 1"},
        {"\"'><svg onload=alert(1)>", "\"'><img src=x onerror=alert(1)>", "javascript:alert(1)",
         "javascript:alert(7)", "\" onmouseover=\"alert(1)", "SYSTEM", "SOFTWARE",
         "emRoot\\System32\\Config\\SYSTEM", "1", 0, NULL, PLACEHOLDER, 1, "Service Pack 1"},
        {"=HYPERLINK(\"x\",\"y\")", "+cmd|'/c calc'!A0",
         "=HYPERLINK(\"http://evil.example\",\"click\")", "-2+3", "@SUM(1+1)", "SYSTEM", "SOFTWARE",
         "=cmd|' /C calc'!A0", NULL, 0, "=1+2",
         "Package_for_KB3140245~31bf3856ad364e35~amd64~~6.1.1.0", 0, "\t=1+1"},
        {"esc\x1b[31m\rcr\x07", "\x1b]0;owned\x07\x1b[2J", "\x1b[31mRED\x1b[0m\r\n=line2",
         "\x1b[1mbold", "dom\x7f\x01", "SYSTEM\x1b[0m", "SOFTWARE", "emRoot\x1b[5m", NULL, 1,
         "\r=1+1", NULL, 0, "Service Pack 1\x1b[8m"},
        {"@cmd", NULL, "Windows Server 2008 R2 Enterprise", "WEB", "corp", "SYSTEM", "SOFTWARE",
         "emRoot\\System32\\Config\\SYSTEM", NULL, 0, NULL, NULL, 0, "Service Pack 1"},
        /* names that mean something to a script's objects */
        {"__proto__", "constructor", "toString", "hasOwnProperty", "__proto__", "SYSTEM",
         "SOFTWARE", "emRoot\\System32\\Config\\SYSTEM", NULL, 0, NULL, NULL, 0, "Service Pack 1"},
};

static const char rule_file[] =
        "hiveaudit-rules: 1\n"
        "pack: hostile\n"
        "rules:\n"
        "  - id: HOSTILE-MARKER\n"
        "    title: \"<script>alert(8)</script> title\"\n"
        "    severity: high\n"
        "    category: schannel\n"
        "    source: \"javascript:alert(9)\"\n"
        "    applies: {nt_min: \"6.0\", describe: \"<img src=x onerror=alert(10)>\"}\n"
        "    check:\n"
        "      value:\n"
        "        label: \"Marker <svg onload=alert(11)>\"\n"
        "        path: 'HKLM\\SOFTWARE\\Hostile'\n"
        "        name: Marker\n"
        "        type: dword\n"
        "        test: {equals: 1}\n"
        "        absent: {status: FAIL, why: \"absent </script><script>alert(12)</script>\"}\n"
        "        wrong_type: {status: UNKNOWN, why: wrong}\n"
        "    remediation:\n"
        "      summary: \"=cmd|' /C calc'!A0\"\n"
        "      reg: |\n"
        "        [HKEY_LOCAL_MACHINE\\SOFTWARE\\Hostile]\n"
        "        \"Marker\"=dword:00000001 ; </script><script>alert(13)</script>\n";

/* Rewrites the name of the key called PLACEHOLDER as UTF-16 with an
 * unpaired surrogate: hivex only writes names it can encode, so the bytes
 * are patched in the written file (and the Latin-1 flag cleared). */
static int patch_key_name(const char *file)
{
	static const char prefix[] = "Package_for_KB3140245~";
	size_t n = 0, i, k;
	char *d = tu_read(file, &n);
	int rc = -1;

	if (!d)
		return -1;
	for (i = 76; i + sizeof PLACEHOLDER - 1 <= n; i++) {
		unsigned char *nk = (unsigned char *)d + i - 76;

		if (memcmp(d + i, PLACEHOLDER, sizeof PLACEHOLDER - 1) || nk[0] != 'n' ||
		    nk[1] != 'k')
			continue;
		if ((nk[72] | nk[73] << 8) != sizeof PLACEHOLDER - 1 || !(nk[2] & 0x20))
			break;
		nk[2] &= (unsigned char)~0x20;
		for (k = 0; k + 1 < sizeof prefix; k++) {
			nk[76 + 2 * k] = (unsigned char)prefix[k];
			nk[76 + 2 * k + 1] = 0;
		}
		nk[76 + 2 * k] = 0x00; /* U+D800, unpaired */
		nk[76 + 2 * k + 1] = 0xD8;
		nk[76 + 2 * k + 2] = 'A';
		nk[76 + 2 * k + 3] = 0;
		rc = tu_write(file, d, n);
		break;
	}
	free(d);
	return rc;
}

static int build_host(const char *fleet, const struct hostile *h)
{
	struct hb_tree *sys = hb_new(), *sw = hb_new();
	char *dir = ha_asprintf("%s/%s", fleet, h->folder);
	char *sysf = dir ? ha_asprintf("%s/%s", dir, h->sys_file) : NULL;
	char *swf = dir ? ha_asprintf("%s/%s", dir, h->sw_file) : NULL;
	char err[512], *key;
	const char *cv = "Microsoft\\Windows NT\\CurrentVersion";
	const char *cbs = "Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\Packages";
	const char *t12 =
	        "ControlSet001\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.2\\Client";
	int rc = -1;

	if (!sys || !sw || !sysf || !swf || tu_write(sysf, "", 0))
		goto out;
	if (h->cn ? hb_set_sz(sys, "ControlSet001\\Control\\ComputerName\\ComputerName",
	                      "ComputerName", h->cn)
	          : hb_set(sys, "ControlSet001\\Control\\ComputerName\\ComputerName",
	                   "ComputerName", REG_SZ, bad_cn, sizeof bad_cn))
		goto out;
	if (hb_set_dword(sys, "Select", "Current", 1) ||
	    hb_set_dword(sys, "Select", "Default", 1) ||
	    hb_set_sz(sys, "ControlSet001\\Control\\ProductOptions", "ProductType", "ServerNT") ||
	    hb_set_sz(sys, "ControlSet001\\Control\\Session Manager\\Environment",
	              "PROCESSOR_ARCHITECTURE", "AMD64") ||
	    hb_set_sz(sys, "ControlSet001\\Services\\Tcpip\\Parameters", "Hostname", h->hostname) ||
	    hb_set_sz(sys, "ControlSet001\\Services\\Tcpip\\Parameters", "Domain", h->domain))
		goto out;
	if (h->schannel_enabled ? hb_set_sz(sys, t12, "Enabled", h->schannel_enabled)
	                        : hb_set_dword(sys, t12, "Enabled", 1))
		goto out;
	if (h->schannel_bad_utf16
	            ? hb_set(sys, t12, "DisabledByDefault", REG_SZ, bad_utf16, sizeof bad_utf16)
	            : hb_set_dword(sys, t12, "DisabledByDefault", 0))
		goto out;
	if (hb_set_sz(sw, cv, "ProductName", h->product) ||
	    hb_set_sz(sw, cv, "CurrentVersion", "6.1") ||
	    hb_set_sz(sw, cv, "CurrentBuildNumber", "7601") ||
	    hb_set_sz(sw, cv, "CSDVersion", h->csd) ||
	    hb_set_sz(sw, "Microsoft\\Windows\\CurrentVersion", "ProgramFilesDir",
	              "C:\\Program Files"))
		goto out;
	if (h->netfx_strong ? hb_set_sz(sw, "Microsoft\\.NETFramework\\v4.0.30319",
	                                "SchUseStrongCrypto", h->netfx_strong)
	                    : hb_set_dword(sw, "Microsoft\\.NETFramework\\v4.0.30319",
	                                   "SchUseStrongCrypto", 1))
		goto out;
	if (hb_set_dword(sw, "Microsoft\\.NETFramework\\v4.0.30319", "SystemDefaultTlsVersions", 1))
		goto out;
	if (h->package) {
		key = ha_asprintf("%s\\%s", cbs, h->package);
		rc = key ? hb_set_dword(sw, key, "CurrentState", 0x70) : -1;
		free(key);
		if (rc)
			goto out;
		rc = -1;
	} else if (hb_key(sw, cbs)) {
		goto out;
	}
	if (hb_write(sys, sysf, h->sys_embedded, FIXED_TIME, err, sizeof err) ||
	    hb_write(sw, swf, "emRoot\\System32\\Config\\SOFTWARE", FIXED_TIME, err, sizeof err)) {
		fprintf(stderr, "hb_write: %s\n", err);
		goto out;
	}
	if (h->package_bad_utf16 && patch_key_name(swf))
		goto out;
	rc = 0;
out:
	hb_free(sys);
	hb_free(sw);
	free(dir);
	free(sysf);
	free(swf);
	return rc;
}

/* Builds the fleet and scans it (once), in tmp, so that recorded paths are
 * relative ("fleet/..."). */
static int scan(void)
{
	char cwd[4096], *fleet, *rules;
	char *argv[] = {(char *)tu_hiveaudit(),
	                "scan",
	                "--out",
	                "out",
	                "--as-of",
	                "2026-01-01",
	                "--json",
	                "--rules",
	                "hostile.yaml",
	                "-q",
	                "fleet",
	                NULL};
	size_t i;

	if (scanned)
		return scan_rc == 0 || scan_rc == 1;
	scanned = 1;
	fleet = ha_asprintf("%s/fleet", tmp);
	rules = ha_asprintf("%s/hostile.yaml", tmp);
	built = fleet && rules && tu_write(rules, rule_file, sizeof rule_file - 1) == 0;
	for (i = 0; built && i < sizeof hosts / sizeof hosts[0]; i++)
		if (build_host(fleet, &hosts[i])) {
			check_fail(__FILE__, __LINE__, "cannot build host %zu", i);
			built = 0;
		}
	free(fleet);
	free(rules);
	if (!built || !getcwd(cwd, sizeof cwd) || chdir(tmp))
		return 0;
	scan_rc = tu_run(argv, NULL, &scan_out, &scan_err);
	if (chdir(cwd))
		return 0;
	if (scan_rc != 0 && scan_rc != 1)
		fprintf(stderr, "scan exited %d: %s\n", scan_rc, scan_err ? scan_err : "");
	return scan_rc == 0 || scan_rc == 1;
}

static char *read_out(const char *name, size_t *len)
{
	char *p = ha_asprintf("%s/out/%s", tmp, name), *t;

	t = p ? tu_read(p, len) : NULL;
	free(p);
	return t;
}

/* No control character other than newline (and tab) can reach a terminal. */
static void check_terminal_safe(const char *what, const char *text)
{
	const unsigned char *p;

	for (p = (const unsigned char *)(text ? text : ""); *p; p++) {
		if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7F ||
		    (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F)) {
			check_fail(__FILE__, __LINE__, "%s: control byte 0x%02X at offset %zu",
			           what, *p, (size_t)(p - (const unsigned char *)text));
			return;
		}
	}
}

/* ---------------------------------------------------------------- cases */

static void test_scan_completes(void)
{
	if (!scan())
		return;
	/* A FAIL exists (the marker rule), nothing stops the run. */
	CHECK_INT(scan_rc, 1);
	check_terminal_safe("scan stdout", scan_out);
	check_terminal_safe("scan stderr", scan_err);
}

/* Is `want` one of the island's strings, or inside one? */
static int island_has(json_t *isl, const char *want, int exact)
{
	json_t *s = json_object_get(isl, "s"), *v;
	size_t i;

	json_array_foreach(s, i, v)
	{
		const char *t = json_string_value(v);

		if (t && (exact ? !strcmp(t, want) : strstr(t, want) != NULL))
			return 1;
	}
	return 0;
}

static void test_html(void)
{
	size_t len = 0, i;
	char *html;
	json_t *isl;

	if (!scan())
		return;
	html = read_out("report.html", &len);
	CHECK(html != NULL);
	if (!html)
		return;
	rc_check_page(html, len);
	/* Nothing hostile survives as markup. */
	CHECK_LACKS(html, "<script>alert");
	CHECK_LACKS(html, "</script><script>");
	CHECK_LACKS(html, "<img");
	CHECK_LACKS(html, "<svg onload");
	CHECK_LACKS(html, "</style><");
	CHECK_LACKS(html, "<!--");
	CHECK_LACKS(html, "\x1b");
	CHECK_LACKS(html, "href=\"javascript");
	/* The server-rendered parts show the rule file's strings as text. */
	CHECK_HAS(html, "&lt;script&gt;alert(8)&lt;/script&gt; title");
	CHECK_HAS(html, "javascript:alert(9)");

	/* The island holds every hostile string intact, as data. */
	isl = rc_island_json(html);
	CHECK(isl != NULL);
	if (isl) {
		for (i = 0; i < sizeof hosts / sizeof hosts[0]; i++)
			if (!island_has(isl, hosts[i].folder, 1))
				check_fail(__FILE__, __LINE__, "island lacks the label of host %zu",
				           i);
		CHECK(island_has(isl, "<script>alert(1)</script>", 1));
		CHECK(island_has(isl, "\"'><img src=x onerror=alert(1)>", 1));
		CHECK(island_has(isl, "+cmd|'/c calc'!A0", 1));
		CHECK(island_has(isl, "\x1b]0;owned\x07\x1b[2J", 1));
		CHECK(island_has(
		        isl, "</style><script>alert(2)</script><!-- \xe2\x80\xa8 \xe2\x80\xa9 -->",
		        1));
		CHECK(island_has(isl, "</script><script>alert(3)</script>", 0));
		CHECK(island_has(isl, "<script>alert(4)</script>", 0));
		CHECK(island_has(isl, "<svg onload=alert(5)>", 0));
		CHECK(island_has(isl, "<script>alert(6)</script>", 0));
		CHECK(island_has(isl, "</script><script>alert(12)</script>", 0));
		CHECK(island_has(isl, "</script><script>alert(13)</script>", 0));
		/* Invalid UTF-16 arrives as U+FFFD, never as broken UTF-8. */
		CHECK(island_has(isl,
		                 "\xef\xbf\xbd"
		                 "WEB",
		                 0));
		CHECK(island_has(isl,
		                 "Package_for_KB3140245~\xef\xbf\xbd"
		                 "A",
		                 0));
		json_decref(isl);
	}
	free(html);
}

/* Every record and field is quoted, as RFC 4180 allows and CONTRACT.md asks. */
static void check_all_quoted(const char *what, const char *t)
{
	int inq = 0, at_start = 1;
	const char *p;

	for (p = t; *p; p++) {
		if (at_start && !inq) {
			if (*p != '"') {
				check_fail(__FILE__, __LINE__, "%s: unquoted field at offset %zu",
				           what, (size_t)(p - t));
				return;
			}
			at_start = 0;
			inq = 1;
			continue;
		}
		if (inq) {
			if (*p == '"' && p[1] == '"')
				p++;
			else if (*p == '"')
				inq = 0;
			continue;
		}
		if (*p == ',')
			at_start = 1;
		else if (*p == '\r' && p[1] == '\n') {
			p++;
			at_start = 1;
		} else {
			check_fail(__FILE__, __LINE__, "%s: stray byte after a field at offset %zu",
			           what, (size_t)(p - t));
			return;
		}
	}
	CHECK(!inq);
}

static void check_csv(const char *name, const char *label_col, const char *cn_col)
{
	struct tu_csv c;
	char *t = read_out(name, NULL);
	size_t r, f;
	int il, ic, defused_label = 0, defused_cn = 0;

	CHECK(t != NULL);
	if (!t)
		return;
	CHECK(ha_utf8_valid(t, strlen(t)));
	check_all_quoted(name, t);
	CHECK_INT(tu_csv_parse(t, &c), 0);
	il = tu_csv_col(&c, label_col);
	ic = tu_csv_col(&c, cn_col);
	CHECK(il >= 0 && ic >= 0);
	for (r = 1; r < c.nrows && il >= 0 && ic >= 0; r++) {
		if (c.nfields[r] != c.nfields[0])
			check_fail(__FILE__, __LINE__, "%s row %zu has %zu fields, not %zu", name,
			           r, c.nfields[r], c.nfields[0]);
		for (f = 0; f < c.nfields[r]; f++) {
			const char *v = c.rows[r][f];

			if (strchr("=+-@\t\r", v[0]) && v[0])
				check_fail(__FILE__, __LINE__,
				           "%s row %zu field %zu starts with a formula "
				           "character: %.40s",
				           name, r, f, v);
		}
		if (!strcmp(c.rows[r][il], "'=HYPERLINK(\"x\",\"y\")"))
			defused_label++;
		if (!strcmp(c.rows[r][ic], "'+cmd|'/c calc'!A0"))
			defused_cn++;
	}
	CHECK(defused_label > 0);
	CHECK(defused_cn > 0);
	tu_csv_free(&c);
	free(t);
}

static void test_csv(void)
{
	if (!scan())
		return;
	check_csv("findings.csv", "host", "computer_name");
	check_csv("hosts.csv", "host", "computer_name");
}

static void test_jsonl(void)
{
	char *t, *line, *save = NULL;
	int lines = 0, bad = 0, found = 0, esc = 0;

	if (!scan())
		return;
	t = read_out("findings.jsonl", NULL);
	CHECK(t != NULL);
	if (!t)
		return;
	for (line = strtok_r(t, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_error_t je;
		json_t *o = json_loads(line, 0, &je);
		const char *cn = json_string_value(json_object_get(o, "computer_name"));
		const char *host = json_string_value(json_object_get(o, "host"));

		lines++;
		if (!o || !json_is_array(json_object_get(o, "evidence")))
			bad++;
		if (cn && !strcmp(cn, "<script>alert(1)</script>"))
			found++;
		if (host && !strcmp(host, "esc\x1b[31m\rcr\x07"))
			esc++;
		json_decref(o);
	}
	CHECK(lines > 0);
	CHECK_INT(bad, 0);
	CHECK(found > 0);
	CHECK(esc > 0);
	free(t);
}

static void test_explain(void)
{
	char *db = ha_asprintf("%s/out/audit.db", tmp);
	size_t i;

	if (!db || !scan()) {
		free(db);
		return;
	}
	for (i = 0; i < sizeof hosts / sizeof hosts[0]; i++) {
		char *argv[] = {(char *)tu_hiveaudit(),  "explain", "--all-findings", "--db", db,
		                (char *)hosts[i].folder, NULL};
		char *o = NULL, *e = NULL, what[64];
		int rc = tu_run(argv, NULL, &o, &e);

		CHECK_INT(rc, 0);
		snprintf(what, sizeof what, "explain host %zu", i);
		check_terminal_safe(what, o);
		check_terminal_safe(what, e);
		CHECK_HAS(o, "Why TLS 1.2 would fail here");
		free(o);
		free(e);
	}
	free(db);
}

/* In a browser: the page runs, shows the hostile hosts and their details
 * as text, and no element came from the data. */
static void test_browser(void)
{
	const char *chromium = rc_chromium();
	char *page = ha_asprintf("%s/out/report.html", tmp);
	struct ha_buf frag;
	size_t i;

	if (!chromium) {
		check_skip("no chromium installed (./bootstrap.sh --ci installs it)");
		free(page);
		return;
	}
	if (!page || !scan()) {
		free(page);
		return;
	}
	ha_buf_init(&frag, 0);
	/* Every host open: their details render too. */
	for (i = 0; i < sizeof hosts / sizeof hosts[0]; i++) {
		const unsigned char *p;

		ha_buf_puts(&frag, i ? "&host=" : "host=");
		for (p = (const unsigned char *)hosts[i].folder; *p; p++)
			ha_buf_printf(&frag, "%%%02X", *p);
	}
	{
		char *url = rc_file_url(page, ha_buf_cstr(&frag)), *d = NULL;
		const char *body;
		int rc = url ? rc_browse(chromium, url, "--dump-dom", NULL, &d) : -1;

		CHECK_INT(rc, 0);
		CHECK(d != NULL);
		if (d) {
			CHECK_HAS(d, "<html lang=\"en\" data-ha-ready=\"1\"");
			CHECK(!strstr(d, "<html lang=\"en\" data-ha-error"));
			body = strstr(d, "<main");
			CHECK(body != NULL);
			CHECK_INT(rc_count(d, "<div class=\"detail\""),
			          sizeof hosts / sizeof hosts[0]);
			/* no element came from the data */
			rc_check_dom(d);
			CHECK_LACKS(body, "<img");
			CHECK_LACKS(body, "<svg onload");
			CHECK_LACKS(body, "<script>alert");
			CHECK_LACKS(body, "<b>st");
			CHECK_LACKS(body, "\x1b");
			/* shown as text */
			CHECK_HAS(body, "&lt;script&gt;alert(1)&lt;/script&gt;");
			CHECK_HAS(body, "\\x1B]0;owned\\x07\\x1B[2J");
			CHECK_HAS(body, "&lt;/script&gt;&lt;script&gt;alert(12)&lt;/script&gt;");
		}
		free(d);
		free(url);
	}
	ha_buf_free(&frag);
	free(page);
}

/* ------------------------------------------- small fleets, one per case */

/* A sample host's hive, the material of the small fleets below. */
static char *sample_hive(const char *name)
{
	return ha_asprintf("%s/samples/fleet/clone-a/%s", tu_source_dir(), name);
}

/* tmp/TAG, a fresh folder for one case; malloc'd. */
static char *case_dir(const char *tag)
{
	char *d = ha_asprintf("%s/%s", tmp, tag);

	if (d && mkdir(d, 0755) != 0) {
		free(d);
		return NULL;
	}
	return d;
}

/* Copies a sample host's hive NAME to DIR/REL. */
static int put_sample(const char *dir, const char *name, const char *rel)
{
	char *from = sample_hive(name), *to = ha_asprintf("%s/%s", dir, rel);
	int rc = from && to ? tu_copy(from, to) : -1;

	free(from);
	free(to);
	return rc;
}

/* Runs `hiveaudit scan -q --as-of 2026-01-01 --out out [extra...] fleet`
 * in DIR (so that recorded paths are "fleet/..."); its exit status. */
static int scan_case(const char *dir, const char *const *extra, char **out, char **err)
{
	const char *argv[32];
	char cwd[4096];
	size_t n = 0;
	int rc;

	argv[n++] = tu_hiveaudit();
	argv[n++] = "scan";
	argv[n++] = "-q";
	argv[n++] = "--as-of";
	argv[n++] = "2026-01-01";
	argv[n++] = "--out";
	argv[n++] = "out";
	while (extra && *extra && n < 30)
		argv[n++] = *extra++;
	argv[n++] = "fleet";
	argv[n] = NULL;
	if (!getcwd(cwd, sizeof cwd) || chdir(dir))
		return -1;
	rc = tu_run((char *const *)argv, NULL, out, err);
	if (chdir(cwd))
		return -1;
	return rc;
}

/* The cell of column COL in the row whose column KEYCOL is KEY (and, when
 * COL2 is not NULL, whose COL2 is VAL2) of DIR/out/FILE; malloc'd, or
 * NULL when there is no such row. */
static char *cell(const char *dir, const char *file, const char *keycol, const char *key,
                  const char *col2, const char *val2, const char *col)
{
	char *p = ha_asprintf("%s/out/%s", dir, file), *t = p ? tu_read(p, NULL) : NULL, *v = NULL;
	struct tu_csv c;
	size_t r;
	int ik, ic, i2;

	free(p);
	if (!t || tu_csv_parse(t, &c)) {
		free(t);
		return NULL;
	}
	ik = tu_csv_col(&c, keycol);
	ic = tu_csv_col(&c, col);
	i2 = col2 ? tu_csv_col(&c, col2) : -1;
	for (r = 1; r < c.nrows && ik >= 0 && ic >= 0 && !v; r++)
		if (!strcmp(c.rows[r][ik], key) &&
		    (!col2 || (i2 >= 0 && !strcmp(c.rows[r][i2], val2))))
			v = ha_strdup(c.rows[r][ic]);
	tu_csv_free(&c);
	free(t);
	return v;
}

/* Issue 12 item 7: a sparse 4 GiB file of zeros named SOFTWARE is not a
 * hive, as its 1 MiB sibling is; it used to be "unreadable: cannot map"
 * because it was mapped before its signature was looked at. */
static void test_i12_7_big_zero_file_is_not_a_hive(void)
{
	char *dir = case_dir("i12-7"), *big = NULL, *small = NULL, *v;
	struct stat st;
	int rc;

	CHECK(dir != NULL);
	if (!dir)
		return;
	big = ha_asprintf("%s/fleet/BIG/SOFTWARE", dir);
	small = ha_asprintf("%s/fleet/SMALL/SOFTWARE", dir);
	CHECK_INT(put_sample(dir, "SYSTEM", "fleet/BIG/SYSTEM"), 0);
	CHECK_INT(put_sample(dir, "SYSTEM", "fleet/SMALL/SYSTEM"), 0);
	CHECK_INT(tu_write(small, "", 0), 0);
	CHECK_INT(tu_write(big, "", 0), 0);
	CHECK_INT(truncate(small, 1 << 20), 0);
	if (truncate(big, (off_t)4 << 30) || stat(big, &st) || st.st_blocks > 1024) {
		check_skip("no sparse 4 GiB file here");
		goto out;
	}
	rc = scan_case(dir, NULL, NULL, NULL);
	CHECK_INT(rc, 1); /* the sample host fails rules; nothing stops the run */
	v = cell(dir, "hosts.csv", "host", "BIG", NULL, NULL, "software_hive");
	CHECK_STR(v, "not_a_hive");
	free(v);
	v = cell(dir, "hosts.csv", "host", "SMALL", NULL, NULL, "software_hive");
	CHECK_STR(v, "not_a_hive");
	free(v);
	v = cell(dir, "findings.csv", "host", "BIG", "rule_id", "HIVE-INTEGRITY", "reason");
	CHECK_HAS(v, "fleet/BIG/SOFTWARE: no regf signature: not a registry hive");
	free(v);
	/* hashed like any other file: SHA-256 of 4 GiB of zeros */
	v = cell(dir, "findings.csv", "host", "BIG", "rule_id", "HIVE-INTEGRITY", "hive_sha256");
	CHECK_HAS(v, "8479e43911dc45e89f934fe48d01297e16f51d17aa561d4d1c216b1ae0fcddca");
	free(v);
out:
	if (big)
		unlink(big); /* 4 GiB of nothing, gone before the next case */
	free(big);
	free(small);
	free(dir);
}

/* A minimal host in DIR/fleet/FOLDER: SYSTEM with ComputerName CN and the
 * SChannel TLS 1.2 client's Enabled as REG_SZ data (ENABLED, ENLEN bytes),
 * SOFTWARE with ProductName PRODUCT. */
static int build_small_host(const char *dir, const char *folder, const char *cn,
                            const void *enabled, size_t enlen, const char *product)
{
	struct hb_tree *sys = hb_new(), *sw = hb_new();
	char *sysf = ha_asprintf("%s/fleet/%s/SYSTEM", dir, folder);
	char *swf = ha_asprintf("%s/fleet/%s/SOFTWARE", dir, folder);
	const char *cv = "Microsoft\\Windows NT\\CurrentVersion";
	const char *t12 =
	        "ControlSet001\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.2\\Client";
	char err[512];
	int rc = -1;

	if (!sys || !sw || !sysf || !swf || tu_write(sysf, "", 0))
		goto out;
	if (hb_set_sz(sys, "ControlSet001\\Control\\ComputerName\\ComputerName", "ComputerName",
	              cn) ||
	    hb_set_dword(sys, "Select", "Current", 1) ||
	    hb_set_sz(sys, "ControlSet001\\Control\\ProductOptions", "ProductType", "ServerNT") ||
	    hb_set_sz(sys, "ControlSet001\\Control\\Session Manager\\Environment",
	              "PROCESSOR_ARCHITECTURE", "AMD64") ||
	    hb_set(sys, t12, "Enabled", REG_SZ, enabled, enlen) ||
	    hb_set_dword(sys, t12, "DisabledByDefault", 0))
		goto out;
	if (hb_set_sz(sw, cv, "ProductName", product) ||
	    hb_set_sz(sw, cv, "CurrentVersion", "6.1") ||
	    hb_set_sz(sw, cv, "CurrentBuildNumber", "7601") ||
	    hb_set_sz(sw, cv, "CSDVersion", "Service Pack 1"))
		goto out;
	if (hb_write(sys, sysf, "emRoot\\System32\\Config\\SYSTEM", FIXED_TIME, err, sizeof err) ||
	    hb_write(sw, swf, "emRoot\\System32\\Config\\SOFTWARE", FIXED_TIME, err, sizeof err)) {
		fprintf(stderr, "hb_write: %s\n", err);
		goto out;
	}
	rc = 0;
out:
	hb_free(sys);
	hb_free(sw);
	free(sysf);
	free(swf);
	return rc;
}

static char *read_case(const char *dir, const char *name)
{
	char *p = ha_asprintf("%s/out/%s", dir, name), *t = p ? tu_read(p, NULL) : NULL;

	free(p);
	return t;
}

/* "1", U+0000, "hidden": REG_SZ data past its first NUL, then the
 * terminator. */
static const unsigned char nul_data[] = {'1', 0,   0, 0,   'h', 0,   'i', 0, 'd',
                                         0,   'd', 0, 'e', 0,   'n', 0,   0, 0};

#define BIG_CN_LEN 400000 /* 800,000 bytes of UTF-16: under the 1 MiB value limit */

/* Issue 12 items 9, 10, 11 end to end: REG_SZ data past a NUL, a 400 KB
 * ComputerName, bidi controls and folder names that are not UTF-8, through
 * findings.csv, hosts.csv, findings.jsonl, report.html and explain. */
static void test_i12_9_10_11_outputs(void)
{
	static const char *const extra[] = {"--json", NULL};
	char *dir = case_dir("i12-9-10-11"), *big = malloc(BIG_CN_LEN + 1), *t, *v, *html, *db;
	size_t i;
	int rc;

	CHECK(dir != NULL && big != NULL);
	if (!dir || !big) {
		free(dir);
		free(big);
		return;
	}
	for (i = 0; i < BIG_CN_LEN; i++)
		big[i] = (char)('A' + i % 26);
	big[BIG_CN_LEN] = '\0';
	CHECK_INT(build_small_host(dir, "BIGNAME", big, "1\0\0", 4, "Windows Server 2008 R2"), 0);
	CHECK_INT(build_small_host(dir, "NULDATA", "NUL01", nul_data, sizeof nul_data,
	                           "Windows Server 2008 R2"),
	          0);
	CHECK_INT(build_small_host(dir, "BIDI",
	                           "BIDI\xE2\x80\xAE"
	                           "10",
	                           "1\0\0", 4, "Windows \xE2\x81\xA6Server\xE2\x81\xA9 2008 R2"),
	          0);
	/* two folders that differ only in a Latin-1 byte */
	CHECK_INT(build_small_host(dir, "host\xE9", "L1", "1\0\0", 4, "Windows Server 2008 R2"), 0);
	CHECK_INT(build_small_host(dir, "host\xE8", "L2", "1\0\0", 4, "Windows Server 2008 R2"), 0);
	rc = scan_case(dir, extra, NULL, NULL);
	CHECK_INT(rc, 1);

	/* 10: the CSV cell is cut to Excel's limit with the marker */
	v = cell(dir, "findings.csv", "host", "BIGNAME", "rule_id", "HIVE-INTEGRITY",
	         "computer_name");
	CHECK(v != NULL);
	if (v) {
		CHECK_INT(strlen(v), 32767 + 2); /* U+2026 is 3 bytes, 1 character */
		CHECK(!strncmp(v, big, 1000));
		CHECK_HAS(v, "\xE2\x80\xA6 (400000 bytes)");
	}
	free(v);
	v = cell(dir, "hosts.csv", "host", "BIGNAME", NULL, NULL, "computer_name");
	CHECK_HAS(v, "\xE2\x80\xA6 (400000 bytes)");
	free(v);
	/* 9: the evidence shows the data past the NUL */
	v = cell(dir, "findings.csv", "host", "NULDATA", "rule_id", "SCHANNEL-TLS12-CLIENT",
	         "evidence");
	CHECK_HAS(v, "\"1\\x00hidden\"");
	free(v);
	/* 11: bidi controls and stray bytes shown escaped, folders kept apart */
	v = cell(dir, "hosts.csv", "host", "BIDI", NULL, NULL, "computer_name");
	CHECK_STR(v, "BIDI\\u202E10");
	free(v);
	v = cell(dir, "hosts.csv", "host", "BIDI", NULL, NULL, "product_name");
	CHECK_STR(v, "Windows \\u2066Server\\u2069 2008 R2");
	free(v);
	v = cell(dir, "hosts.csv", "host", "host\\xE9", NULL, NULL, "computer_name");
	CHECK_STR(v, "L1");
	free(v);
	v = cell(dir, "hosts.csv", "host", "host\\xE8", NULL, NULL, "computer_name");
	CHECK_STR(v, "L2");
	free(v);
	t = read_case(dir, "hosts.csv");
	CHECK(t && ha_utf8_valid(t, strlen(t)));
	CHECK_LACKS(t, "\xE2\x80\xAE");
	CHECK_LACKS(t, "\xE2\x81\xA6");
	CHECK_LACKS(t, "\xEF\xBF\xBD");
	free(t);
	t = read_case(dir, "findings.csv");
	CHECK(t && ha_utf8_valid(t, strlen(t)));
	CHECK_LACKS(t, "\xE2\x80\xAE");
	free(t);

	/* JSON Lines: whole values from the store, U+0000 as \u0000 */
	t = read_case(dir, "findings.jsonl");
	CHECK_HAS(t, "\"data\":\"\\\"1\\u0000hidden\\\"\"");
	CHECK_HAS(t, "\"host\":\"host\\\\xE9\"");
	CHECK_HAS(t, "\"computer_name\":\"BIDI\\u202E10\"");
	if (t) {
		char *line = strstr(t, "\"computer_name\":\"ABCDEFGHIJ");
		char *end = line ? strchr(line + 17, '"') : NULL;

		CHECK(end != NULL);
		if (end)
			CHECK_INT(end - (line + 17), BIG_CN_LEN);
	}
	free(t);

	/* HTML: capped, escaped in the markup and the island */
	html = read_case(dir, "report.html");
	CHECK(html != NULL);
	if (html) {
		char *island = strstr(html, "id=\"ha-data\"");

		CHECK(island != NULL);
		if (island)
			*island = '\0'; /* the markup before the data */
		CHECK_LACKS(html, "\xE2\x80\xAE");
		CHECK_LACKS(html, "\xEF\xBF\xBD");
		if (island) {
			*island = 'i';
			CHECK_HAS(island, "\xE2\x80\xA6 (400000 bytes)");
			CHECK_HAS(island, "1\\u0000hidden");
			CHECK_HAS(island, "host\\\\xE9");
			CHECK_HAS(island, "host\\\\xE8");
		}
		CHECK(strlen(html) < 2u << 20);
		big[HA_HTML_TEXT_MAX + 1] = '\0';
		CHECK_LACKS(html, big);
	}
	free(html);

	/* the terminal: explain shows them escaped */
	db = ha_asprintf("%s/out/audit.db", dir);
	{
		char *argv[] = {(char *)tu_hiveaudit(),
		                "explain",
		                "--all-findings",
		                "--db",
		                db,
		                "BIDI",
		                NULL};
		char *o = NULL, *e = NULL;

		CHECK_INT(tu_run(argv, NULL, &o, &e), 0);
		CHECK_HAS(o, "BIDI\\u202E10");
		CHECK_LACKS(o, "\xE2\x80\xAE");
		free(o);
		free(e);
	}
	free(db);
	free(big);
	free(dir);
}

/* Issue 12 item 4: --rules /dev/zero is refused at once by scan, rules
 * and rules --check (exit 2, one line), where it was read forever. */
static void test_i12_4_rules_dev_zero(void)
{
	char *dir = case_dir("i12-4");
	char *o = NULL, *e = NULL;
	static const char *const extra[] = {"--rules", "/dev/zero", NULL};
	char *rules_argv[] = {(char *)tu_hiveaudit(), "rules", "--rules", "/dev/zero", NULL};
	char *check_argv[] = {(char *)tu_hiveaudit(), "rules", "--check", "/dev/zero", NULL};
	const char *want = "rule file '/dev/zero' is not a regular file (a character device)\n";

	CHECK(dir != NULL);
	if (!dir)
		return;
	CHECK_INT(put_sample(dir, "SYSTEM", "fleet/A/SYSTEM"), 0);
	CHECK_INT(scan_case(dir, extra, &o, &e), 2);
	CHECK_HAS(e, want);
	CHECK(e && !strchr(e, '\n')[1]);
	free(o);
	free(e);
	o = e = NULL;
	CHECK_INT(tu_run(rules_argv, NULL, &o, &e), 2);
	CHECK_HAS(e, want);
	free(o);
	free(e);
	o = e = NULL;
	CHECK_INT(tu_run(check_argv, NULL, &o, &e), 2);
	CHECK_HAS(e, want);
	free(o);
	free(e);
	free(dir);
}

/* Issue 12 item 5 end to end: a host folder whose hives are links to
 * another host's is in every output with its hives skipped as "same file
 * as ...", and a tree cut at the depth limit is counted in the summary
 * line and in its host's note in hosts.csv. */
static void test_i12_5_links_and_deep_trees(void)
{
	char *dir = case_dir("i12-5"), *p = NULL, *o = NULL, *e = NULL, *v, cwd[4096];
	char *argv[] = {(char *)tu_hiveaudit(),
	                "scan",
	                "--as-of",
	                "2026-01-01",
	                "--out",
	                "out",
	                "fleet",
	                NULL};
	int i, rc = -1;

	CHECK(dir != NULL);
	if (!dir)
		return;
	CHECK_INT(put_sample(dir, "SYSTEM", "fleet/A/SYSTEM"), 0);
	CHECK_INT(put_sample(dir, "SOFTWARE", "fleet/A/SOFTWARE"), 0);
	CHECK_INT(put_sample(dir, "SYSTEM", "fleet/E/SYSTEM"), 0);
	CHECK_INT(put_sample(dir, "SOFTWARE", "fleet/E/SOFTWARE"), 0);
	p = ha_asprintf("%s/fleet/B", dir);
	CHECK(p && mkdir(p, 0755) == 0);
	free(p);
	p = ha_asprintf("%s/fleet/B/SYSTEM", dir);
	CHECK(p && symlink("../A/SYSTEM", p) == 0);
	free(p);
	p = ha_asprintf("%s/fleet/B/SOFTWARE", dir);
	CHECK(p && symlink("../A/SOFTWARE", p) == 0);
	free(p);
	p = ha_asprintf("%s/fleet/E", dir);
	for (i = 0; p && i < 45; i++) {
		char *q = ha_asprintf("%s/x", p);

		free(p);
		p = q;
		CHECK(p && mkdir(p, 0755) == 0);
	}
	free(p);
	if (getcwd(cwd, sizeof cwd) && !chdir(dir)) {
		rc = tu_run(argv, NULL, &o, &e);
		CHECK_INT(chdir(cwd), 0);
	}
	CHECK_INT(rc, 1);
	CHECK_HAS(o, "3 hosts audited");
	CHECK_HAS(o, "; 0 folders could not be read, 1 cut at the depth limit;");
	v = cell(dir, "hosts.csv", "host", "B", NULL, NULL, "system_hive");
	CHECK_STR(v, "missing");
	free(v);
	v = cell(dir, "findings.csv", "host", "B", "rule_id", "HIVE-INTEGRITY", "reason");
	CHECK_HAS(v, "no SYSTEM hive in the host folder (fleet/B/SYSTEM skipped: same file as "
	             "fleet/A/SYSTEM (a symbolic link to it))");
	CHECK_HAS(v, "(fleet/B/SOFTWARE skipped: same file as fleet/A/SOFTWARE");
	free(v);
	v = cell(dir, "hosts.csv", "host", "E", NULL, NULL, "note");
	CHECK_HAS(v, "1 folder deeper than 40 levels not entered (fleet/E/x/x/");
	free(v);
	free(o);
	free(e);
	free(dir);
}

int main(int argc, char **argv)
{
	static const struct check_case cases[] = {
	        CHECK_CASE(test_scan_completes),
	        CHECK_CASE(test_html),
	        CHECK_CASE(test_csv),
	        CHECK_CASE(test_jsonl),
	        CHECK_CASE(test_explain),
	        CHECK_CASE(test_browser),
	        CHECK_CASE(test_i12_7_big_zero_file_is_not_a_hive),
	        CHECK_CASE(test_i12_9_10_11_outputs),
	        CHECK_CASE(test_i12_4_rules_dev_zero),
	        CHECK_CASE(test_i12_5_links_and_deep_trees),
	};
	int rc;

	tmp = tu_tempdir("e2e-hostile");
	if (!tmp)
		return 1;
	rc = check_run(cases, sizeof cases / sizeof cases[0], argc, argv);
	if (!rc && !getenv("HA_TEST_KEEP")) /* HA_TEST_KEEP=1 keeps the outputs to look at */
		tu_rmtree(tmp);
	else
		fprintf(stderr, "outputs kept in %s\n", tmp);
	free(tmp);
	free(scan_out);
	free(scan_err);
	return rc;
}
