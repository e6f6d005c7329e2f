/* test_e2e_diff.c: compliance over time on a copy of the sample fleet.
 *
 * A small fleet is built from the sample hosts in a folder under the build
 * tree and scanned; then, as between two monthly collections, one host is
 * fixed (web01: SChannel TLS 1.2 client turned on), one regresses (web02:
 * WinHTTP loses TLS 1.2), one is added (new01), one removed (old01), one
 * folder renamed (db01 -> db01-renamed, same hives) and one left alone
 * (app01), and the fleet is scanned again into the same store.  `diff`
 * must then say exactly that, in its three formats; `runs` must list both
 * runs; the second scan must write the same changes.csv, and the first
 * none. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "reportcheck.h"
#include "testutil.h"

static char work[4096]; /* the test's folder under the build tree */
static char db[4096];
static int ready; /* the two scans ran as expected */

static void at(char *buf, size_t n, const char *rel)
{
	if ((size_t)snprintf(buf, n, "%s/%s", work, rel) >= n)
		abort();
}

/* Copies samples/fleet/<from> to <work>/fleet/<to>. */
static int host_copy(const char *from, const char *to)
{
	static const char *const files[] = {"SYSTEM", "SOFTWARE"};
	char a[8192], b[8192];
	size_t i;

	for (i = 0; i < 2; i++) {
		if ((size_t)snprintf(a, sizeof a, "%s/samples/fleet/%s/%s", tu_source_dir(), from,
		                     files[i]) >= sizeof a ||
		    (size_t)snprintf(b, sizeof b, "%s/fleet/%s/%s", work, to, files[i]) >= sizeof b)
			return -1;
		if (tu_copy(a, b) != 0)
			return -1;
	}
	return 0;
}

static void host_remove(const char *name)
{
	char rel[256], p[4096];

	snprintf(rel, sizeof rel, "fleet/%s", name);
	at(p, sizeof p, rel);
	tu_rmtree(p);
}

/* hiveaudit with <work> as working directory, so that the recorded paths
 * are "fleet/..." on every machine. */
static int run_here(char **out, char **err, char *const *args)
{
	char *argv[32], cwd[4096];
	int n = 0, rc;

	argv[n++] = (char *)tu_hiveaudit();
	while (n < 31 && args[n - 1])
		argv[n] = args[n - 1], n++;
	argv[n] = NULL;
	if (!getcwd(cwd, sizeof cwd) || chdir(work) != 0)
		return -1;
	rc = tu_run(argv, NULL, out, err);
	if (chdir(cwd) != 0)
		return -1;
	return rc;
}

static int scan(const char *as_of)
{
	char *args[] = {"scan", "-q", "--out", "out", "--as-of", (char *)as_of, "fleet", NULL};
	char *out = NULL, *err = NULL;
	int rc = run_here(&out, &err, args);

	if (rc != 1)
		fprintf(stderr, "scan: exit %d: %s\n", rc, err ? err : "");
	free(out);
	free(err);
	return rc;
}

static void setup(void)
{
	char p[4096];

	snprintf(work, sizeof work, "%s/test_e2e_diff.d", tu_binary_dir());
	tu_rmtree(work);
	if (mkdir(work, 0755) != 0 && errno != EEXIST)
		return;
	at(db, sizeof db, "out/audit.db");
	if (host_copy("mis-schannel-zero", "web01") || host_copy("srv2008r2-sp1", "web02") ||
	    host_copy("srv2003", "old01") || host_copy("srv2019", "db01") ||
	    host_copy("srv2012", "app01"))
		return;
	if (scan("2026-01-01") != 1)
		return;
	at(p, sizeof p, "out/changes.csv");
	CHECK(access(p, F_OK) != 0); /* the first audit has nothing to compare */
	host_remove("web01");
	host_remove("web02");
	host_remove("old01");
	if (host_copy("srv2008r2-sp1", "web01") || host_copy("mis-winhttp-no800", "web02") ||
	    host_copy("srv2022", "new01"))
		return;
	{
		char a[4096], b[4096];

		at(a, sizeof a, "fleet/db01");
		at(b, sizeof b, "fleet/db01-renamed");
		if (rename(a, b) != 0)
			return;
	}
	if (scan("2026-02-01") != 1)
		return;
	ready = 1;
}

static int diff(char **out, const char *format, const char *from, const char *to)
{
	char *args[12];
	char *err = NULL;
	int n = 0, rc;

	args[n++] = "diff";
	args[n++] = "--db";
	args[n++] = db;
	if (format) {
		args[n++] = "--format";
		args[n++] = (char *)format;
	}
	if (from) {
		args[n++] = "--from";
		args[n++] = (char *)from;
	}
	if (to) {
		args[n++] = "--to";
		args[n++] = (char *)to;
	}
	args[n] = NULL;
	rc = run_here(out, &err, args);
	if (rc != 0 && rc != 1 && err)
		fprintf(stderr, "diff: %s", err);
	free(err);
	return rc;
}

static const char expect_text[] =
        "From run 1 (as of 2026-01-01) to run 2 (as of 2026-02-01), over fleet\n"
        "Hosts: 5 then 5; 1 new, 1 gone, 1 renamed\n"
        "Verdicts: 1 regressed, 1 fixed, 0 changed\n"
        "Findings: 1 regressed, 1 fixed, 0 changed\n"
        "\n"
        "renamed: db01-renamed (was db01, matched by computer name and hive) (SRV2019), ready\n"
        "\n"
        "new: new01 (SRV2022), ready\n"
        "\n"
        "gone: old01 (SRV2003), was not_ready\n"
        "\n"
        "fixed: web01 (SRV2008R2SP1, was MIS-SCH-ZERO), not_ready -> ready\n"
        "  SCHANNEL-TLS12-CLIENT: FAIL -> PASS (fixed)\n"
        "    observed: TLS 1.2\\Client\\Enabled: 0x00000000 (0); TLS "
        "1.2\\Client\\DisabledByDefault: "
        "0x00000000 (0) -> TLS 1.2\\Client\\Enabled: 0x00000001 (1); "
        "TLS 1.2\\Client\\DisabledByDefault: 0x00000000 (0)\n"
        "    evidence was: SYSTEM ControlSet001\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\"
        "TLS 1.2\\Client\\Enabled: REG_DWORD 0x00000000 (0)\n"
        "    evidence now: SYSTEM ControlSet001\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\"
        "TLS 1.2\\Client\\Enabled: REG_DWORD 0x00000001 (1)\n"
        "\n"
        "regressed: web02 (MIS-WINHTTP-NO800, was SRV2008R2SP1), ready -> not_ready\n"
        "  WINHTTP-TLS12: PASS -> FAIL (regressed)\n"
        "    observed: WinHttp\\DefaultSecureProtocols: 0x00000a00 (2560) -> "
        "WinHttp\\DefaultSecureProtocols: 0x000000a0 (160)\n"
        "    evidence was: SOFTWARE Microsoft\\Windows\\CurrentVersion\\Internet "
        "Settings\\WinHttp\\"
        "DefaultSecureProtocols: REG_DWORD 0x00000a00 (2560)\n"
        "    evidence now: SOFTWARE Microsoft\\Windows\\CurrentVersion\\Internet "
        "Settings\\WinHttp\\"
        "DefaultSecureProtocols: REG_DWORD 0x000000a0 (160)\n";

static const char expect_csv[] =
        "\"change\",\"host\",\"previous_host\",\"computer_name\",\"rule_id\",\"from\",\"to\","
        "\"old_observed\",\"new_observed\",\"evidence_before\",\"evidence_now\",\"matched_by\","
        "\"host_dir\"\r\n"
        "\"renamed\",\"db01-renamed\",\"db01\",\"SRV2019\",\"\",\"\",\"\",\"\",\"\",\"\",\"\","
        "\"computer name and hive\",\"fleet/db01-renamed\"\r\n"
        "\"new\",\"new01\",\"\",\"SRV2022\",\"\",\"\",\"ready\",\"\",\"\",\"\",\"\",\"\","
        "\"fleet/new01\"\r\n"
        "\"gone\",\"old01\",\"old01\",\"SRV2003\",\"\",\"not_ready\",\"\",\"\",\"\",\"\",\"\",\"\","
        "\"fleet/old01\"\r\n"
        "\"fixed\",\"web01\",\"web01\",\"SRV2008R2SP1\",\"\",\"not_ready\",\"ready\",\"\",\"\","
        "\"\","
        "\"\",\"label\",\"fleet/web01\"\r\n"
        "\"fixed\",\"web01\",\"web01\",\"SRV2008R2SP1\",\"SCHANNEL-TLS12-CLIENT\",\"FAIL\","
        "\"PASS\","
        "\"TLS 1.2\\Client\\Enabled: 0x00000000 (0); TLS 1.2\\Client\\DisabledByDefault: "
        "0x00000000 "
        "(0)\",\"TLS 1.2\\Client\\Enabled: 0x00000001 (1); TLS 1.2\\Client\\DisabledByDefault: "
        "0x00000000 (0)\",\"SYSTEM ControlSet001\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\"
        "TLS 1.2\\Client\\Enabled: REG_DWORD 0x00000000 (0)\",\"SYSTEM ControlSet001\\Control\\"
        "SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.2\\Client\\Enabled: REG_DWORD 0x00000001 "
        "(1)\",\"label\",\"fleet/web01\"\r\n"
        "\"regressed\",\"web02\",\"web02\",\"MIS-WINHTTP-NO800\",\"\",\"ready\",\"not_ready\",\"\","
        "\"\",\"\",\"\",\"label\",\"fleet/web02\"\r\n"
        "\"regressed\",\"web02\",\"web02\",\"MIS-WINHTTP-NO800\",\"WINHTTP-TLS12\",\"PASS\","
        "\"FAIL\",\"WinHttp\\DefaultSecureProtocols: 0x00000a00 (2560)\",\"WinHttp\\"
        "DefaultSecureProtocols: 0x000000a0 (160)\",\"SOFTWARE Microsoft\\Windows\\CurrentVersion\\"
        "Internet Settings\\WinHttp\\DefaultSecureProtocols: REG_DWORD 0x00000a00 (2560)\","
        "\"SOFTWARE Microsoft\\Windows\\CurrentVersion\\Internet Settings\\WinHttp\\"
        "DefaultSecureProtocols: REG_DWORD 0x000000a0 (160)\",\"label\",\"fleet/web02\"\r\n";

static void test_diff_text(void)
{
	char *out = NULL;

	CHECK(ready);
	CHECK_INT(diff(&out, NULL, NULL, NULL), 1); /* web02 regressed */
	CHECK_STR(out, expect_text);
	free(out);
	out = NULL;
	/* The defaults are the newest complete run and the one before it. */
	CHECK_INT(diff(&out, "text", "1", "2"), 1);
	CHECK_STR(out, expect_text);
	free(out);
}

static void test_diff_csv(void)
{
	char *out = NULL, p[4096], *file;

	CHECK(ready);
	CHECK_INT(diff(&out, "csv", NULL, NULL), 1);
	CHECK_STR(out, expect_csv);
	/* The second scan wrote the same comparison beside its reports. */
	at(p, sizeof p, "out/changes.csv");
	file = tu_read(p, NULL);
	CHECK_STR(file, expect_csv);
	free(file);
	free(out);
	/* `report` writes it again from the store. */
	{
		char *args[] = {"report", "--db", db, "--run", "2", "--out", "again", NULL};
		char *err = NULL;

		out = NULL;
		CHECK_INT(run_here(&out, &err, args), 0);
		free(out);
		free(err);
		at(p, sizeof p, "again/changes.csv");
		file = tu_read(p, NULL);
		CHECK_STR(file, expect_csv);
		free(file);
	}
}

static void test_diff_json(void)
{
	static const char expect[] =
	        "{\n"
	        "  \"from\": {\n    \"run\": 1,\n    \"as_of\": \"2026-01-01\",\n"
	        "    \"status\": \"complete\"\n  },\n"
	        "  \"to\": {\n    \"run\": 2,\n    \"as_of\": \"2026-02-01\",\n"
	        "    \"status\": \"complete\"\n  },\n"
	        "  \"paths\": [\n    \"fleet\"\n  ],\n"
	        "  \"regressed\": true,\n"
	        "  \"counts\": {\n    \"hosts_before\": 5,\n    \"hosts_now\": 5,\n    \"new\": "
	        "1,\n"
	        "    \"gone\": 1,\n    \"renamed\": 1,\n    \"verdicts_regressed\": 1,\n"
	        "    \"verdicts_fixed\": 1,\n    \"verdicts_changed\": 0,\n"
	        "    \"findings_regressed\": 1,\n    \"findings_fixed\": 1,\n"
	        "    \"findings_changed\": 0\n  },\n"
	        "  \"hosts\": [\n"
	        "    {\n      \"host\": \"db01-renamed\",\n      \"previous_host\": \"db01\",\n"
	        "      \"computer_name\": \"SRV2019\",\n      \"previous_computer_name\": "
	        "\"SRV2019\",\n"
	        "      \"matched_by\": \"computer name and hive\",\n      \"renamed\": true,\n"
	        "      \"change\": null,\n      \"verdict_before\": \"ready\",\n"
	        "      \"verdict_now\": \"ready\",\n      \"host_dir\": \"fleet/db01-renamed\",\n"
	        "      \"findings\": []\n    },\n"
	        "    {\n      \"host\": \"new01\",\n      \"previous_host\": null,\n"
	        "      \"computer_name\": \"SRV2022\",\n      \"previous_computer_name\": null,\n"
	        "      \"matched_by\": null,\n      \"renamed\": false,\n      \"change\": "
	        "\"new\",\n"
	        "      \"verdict_before\": null,\n      \"verdict_now\": \"ready\",\n"
	        "      \"host_dir\": \"fleet/new01\",\n      \"findings\": []\n    },\n"
	        "    {\n      \"host\": null,\n      \"previous_host\": \"old01\",\n"
	        "      \"computer_name\": null,\n      \"previous_computer_name\": \"SRV2003\",\n"
	        "      \"matched_by\": null,\n      \"renamed\": false,\n      \"change\": "
	        "\"gone\",\n"
	        "      \"verdict_before\": \"not_ready\",\n      \"verdict_now\": null,\n"
	        "      \"host_dir\": \"fleet/old01\",\n      \"findings\": []\n    },\n"
	        "    {\n      \"host\": \"web01\",\n      \"previous_host\": \"web01\",\n"
	        "      \"computer_name\": \"SRV2008R2SP1\",\n"
	        "      \"previous_computer_name\": \"MIS-SCH-ZERO\",\n"
	        "      \"matched_by\": \"label\",\n      \"renamed\": false,\n"
	        "      \"change\": \"fixed\",\n      \"verdict_before\": \"not_ready\",\n"
	        "      \"verdict_now\": \"ready\",\n      \"host_dir\": \"fleet/web01\",\n"
	        "      \"findings\": [\n        {\n"
	        "          \"rule_id\": \"SCHANNEL-TLS12-CLIENT\",\n          \"change\": "
	        "\"fixed\",\n"
	        "          \"status_before\": \"FAIL\",\n          \"status_now\": \"PASS\",\n"
	        "          \"observed_before\": \"TLS 1.2\\\\Client\\\\Enabled: 0x00000000 (0); "
	        "TLS 1.2\\\\Client\\\\DisabledByDefault: 0x00000000 (0)\",\n"
	        "          \"observed_now\": \"TLS 1.2\\\\Client\\\\Enabled: 0x00000001 (1); "
	        "TLS 1.2\\\\Client\\\\DisabledByDefault: 0x00000000 (0)\",\n"
	        "          \"evidence_before\": [\n            \"SYSTEM "
	        "ControlSet001\\\\Control\\\\"
	        "SecurityProviders\\\\SCHANNEL\\\\Protocols\\\\TLS 1.2\\\\Client\\\\Enabled: "
	        "REG_DWORD 0x00000000 (0)\"\n          ],\n"
	        "          \"evidence_now\": [\n            \"SYSTEM ControlSet001\\\\Control\\\\"
	        "SecurityProviders\\\\SCHANNEL\\\\Protocols\\\\TLS 1.2\\\\Client\\\\Enabled: "
	        "REG_DWORD 0x00000001 (1)\"\n          ]\n        }\n      ]\n    },\n"
	        "    {\n      \"host\": \"web02\",\n      \"previous_host\": \"web02\",\n"
	        "      \"computer_name\": \"MIS-WINHTTP-NO800\",\n"
	        "      \"previous_computer_name\": \"SRV2008R2SP1\",\n"
	        "      \"matched_by\": \"label\",\n      \"renamed\": false,\n"
	        "      \"change\": \"regressed\",\n      \"verdict_before\": \"ready\",\n"
	        "      \"verdict_now\": \"not_ready\",\n      \"host_dir\": \"fleet/web02\",\n"
	        "      \"findings\": [\n        {\n"
	        "          \"rule_id\": \"WINHTTP-TLS12\",\n          \"change\": \"regressed\",\n"
	        "          \"status_before\": \"PASS\",\n          \"status_now\": \"FAIL\",\n"
	        "          \"observed_before\": \"WinHttp\\\\DefaultSecureProtocols: 0x00000a00 "
	        "(2560)\",\n"
	        "          \"observed_now\": \"WinHttp\\\\DefaultSecureProtocols: 0x000000a0 "
	        "(160)\",\n"
	        "          \"evidence_before\": [\n            \"SOFTWARE Microsoft\\\\Windows\\\\"
	        "CurrentVersion\\\\Internet Settings\\\\WinHttp\\\\DefaultSecureProtocols: "
	        "REG_DWORD "
	        "0x00000a00 (2560)\"\n          ],\n"
	        "          \"evidence_now\": [\n            \"SOFTWARE Microsoft\\\\Windows\\\\"
	        "CurrentVersion\\\\Internet Settings\\\\WinHttp\\\\DefaultSecureProtocols: "
	        "REG_DWORD "
	        "0x000000a0 (160)\"\n          ]\n        }\n      ]\n    }\n  ]\n}\n";
	char *out = NULL;

	CHECK(ready);
	CHECK_INT(diff(&out, "json", NULL, NULL), 1);
	CHECK_STR(out, expect);
	free(out);
}

/* Backwards, web01 is the regression and web02 the fix; exit 1 still. */
static void test_diff_backwards(void)
{
	char *out = NULL;

	CHECK(ready);
	CHECK_INT(diff(&out, NULL, "2", "1"), 1);
	CHECK_HAS(out, "\nregressed: web01 (MIS-SCH-ZERO, was SRV2008R2SP1), ready -> not_ready\n"
	               "  SCHANNEL-TLS12-CLIENT: PASS -> FAIL (regressed)\n");
	CHECK_HAS(out,
	          "\nfixed: web02 (SRV2008R2SP1, was MIS-WINHTTP-NO800), not_ready -> ready\n");
	CHECK_HAS(out, "\nnew: old01 (SRV2003), not_ready\n");
	CHECK_HAS(out, "\ngone: new01 (SRV2022), was ready\n");
	free(out);
}

/* report.html of the second run: "Since the last audit" with its four
 * lists, each host linked to its row, and the trend of both runs. */
static void test_html_section(void)
{
	char p[4096], *page, *sec;
	size_t n = 0;

	CHECK(ready);
	at(p, sizeof p, "out/report.html");
	page = tu_read(p, &n);
	CHECK(page != NULL);
	if (!page)
		return;
	rc_check_page(page, n);
	sec = strstr(page, "<section id=\"changes\"");
	CHECK(sec != NULL);
	if (!sec || !strstr(sec, "</section>")) {
		free(page);
		return;
	}
	*strstr(sec, "</section>") = '\0';
	CHECK_HAS(sec, "<h2>Since the last audit</h2><p class=\"muted\" id=\"changes-from\">"
	               "Compared with run 1 (as of 2026-01-01): 5 hosts then, 5 hosts now; "
	               "1 finding regressed, 1 finding fixed.");
	CHECK_HAS(sec, "<div class=\"panel changes\" id=\"changes-regressed\"><h3>Regressed "
	               "<span class=\"muted\">1</span></h3><ul class=\"changes\"><li><a "
	               "class=\"host\" href=\"#host=web02\">web02</a> <span class=\"muted\">ready "
	               "&rarr; not_ready</span><span class=\"chg\"><code>WINHTTP-TLS12</code> PASS "
	               "&rarr; FAIL</span></li></ul></div>");
	CHECK_HAS(sec,
	          "<div class=\"panel changes\" id=\"changes-fixed\"><h3>Fixed "
	          "<span class=\"muted\">1</span></h3><ul class=\"changes\"><li><a "
	          "class=\"host\" href=\"#host=web01\">web01</a> <span class=\"muted\">"
	          "not_ready &rarr; ready</span><span class=\"chg\"><code>SCHANNEL-TLS12-CLIENT"
	          "</code> FAIL &rarr; PASS</span></li></ul></div>");
	CHECK_HAS(sec, "<div class=\"panel changes\" id=\"changes-new\"><h3>New <span "
	               "class=\"muted\">1</span></h3><ul class=\"changes\"><li><a class=\"host\" "
	               "href=\"#host=new01\">new01</a> <span class=\"muted\">ready</span></li></ul>"
	               "</div>");
	CHECK_HAS(sec, "<div class=\"panel changes\" id=\"changes-gone\"><h3>Gone <span "
	               "class=\"muted\">1</span></h3><ul class=\"changes\"><li><span "
	               "class=\"host\">old01</span> <span class=\"muted\">was not_ready</span>"
	               "</li></ul></div>");
	/* The renamed host kept its verdict and findings: in no list. */
	CHECK_LACKS(sec, "db01");
	CHECK_HAS(sec, "<title>Run 1 (as of 2026-01-01): 3 ready</title>");
	CHECK_HAS(sec, "<title>Run 1 (as of 2026-01-01): 2 not ready</title>");
	CHECK_HAS(sec, "<title>Run 2 (as of 2026-02-01): 4 ready</title>");
	CHECK_HAS(sec, "<title>Run 2 (as of 2026-02-01): 1 not ready</title>");
	CHECK_INT(rc_count(sec, "<g class=\"run\""), 2);
	free(page);
}

/* The same page in a real browser: the links of the section open the host
 * they name (skipped without chromium). */
static void test_html_in_browser(void)
{
	const char *chromium = rc_chromium();
	char p[4096], *url, *d = NULL;

	CHECK(ready);
	if (!chromium) {
		check_skip("no chromium installed (./bootstrap.sh --ci installs it)");
		return;
	}
	at(p, sizeof p, "out/report.html");
	url = rc_file_url(p, "host=web02");
	CHECK_INT(rc_browse(chromium, url, "--dump-dom", NULL, &d), 0);
	CHECK_HAS(d, "data-ha-ready=\"1\"");
	CHECK_HAS(d, "<section id=\"changes\"");
	CHECK_HAS(d, "<div class=\"detail\" data-label=\"web02\">");
	CHECK_LACKS(d, "<div class=\"detail\" data-label=\"web01\">");
	CHECK_HAS(d, "<svg class=\"chart\" id=\"chart-trend\"");
	free(d);
	free(url);
}

static void test_runs(void)
{
	char *args[] = {"runs", "--db", db, NULL};
	char *out = NULL, *err = NULL;

	CHECK(ready);
	CHECK_INT(run_here(&out, &err, args), 0);
	CHECK_HAS(out, "run  started               status       as of       hosts  ready  waived  "
	               "not_ready  unknown  paths\n1    20");
	CHECK_HAS(out,
	          "Z  complete     2026-01-01      5      3       0          2        0  fleet\n"
	          "2    20");
	CHECK_HAS(out,
	          "Z  complete     2026-02-01      5      4       0          1        0  fleet\n");
	free(out);
	free(err);
	out = err = NULL;
	{
		char *help[] = {"runs", "--help", NULL};

		CHECK_INT(run_here(&out, &err, help), 0);
		CHECK_HAS(out, "usage: hiveaudit runs [--db FILE]");
	}
	free(out);
	free(err);
}

/* Paths that are not ASCII, and more than one: one line, intact. */
static void test_runs_paths(void)
{
	char *scan_args[] = {"scan",          "-q",          "--out",
	                     "out-u",         "--as-of",     "2026-01-01",
	                     "Z\xc3\xbcrich", "fleet/app01", NULL};
	char *runs_args[] = {"runs", "--db", "out-u/audit.db", NULL};
	char *out = NULL, *err = NULL;

	CHECK(ready);
	CHECK_INT(host_copy("srv2012", "../Z\xc3\xbcrich/h1"), 0);
	CHECK_INT(run_here(&out, &err, scan_args), 0);
	free(out);
	free(err);
	out = err = NULL;
	CHECK_INT(run_here(&out, &err, runs_args), 0);
	CHECK_HAS(out, "Z  complete     2026-01-01      2      2       0          0        0  "
	               "Z\xc3\xbcrich, fleet/app01\n");
	free(out);
	free(err);
}

/* A third scan of the unchanged fleet: nothing changed, exit 0, and
 * changes.csv holds only its header. */
static void test_nothing_changed(void)
{
	char *out = NULL, p[4096], *file;

	CHECK(ready);
	CHECK_INT(scan("2026-02-01"), 1);
	CHECK_INT(diff(&out, NULL, NULL, NULL), 0);
	CHECK_STR(out, "From run 2 (as of 2026-02-01) to run 3 (as of 2026-02-01), over fleet\n"
	               "Hosts: 5 then 5; 0 new, 0 gone, 0 renamed\n"
	               "Verdicts: 0 regressed, 0 fixed, 0 changed\n"
	               "Findings: 0 regressed, 0 fixed, 0 changed\n\nNothing changed.\n");
	free(out);
	at(p, sizeof p, "out/changes.csv");
	file = tu_read(p, NULL);
	CHECK(file && !strchr(strchr(file, '\n') + 1, '\n'));
	free(file);
}

/* A new host whose folder name is markup and a terminal escape: every
 * output shows it inert (a fourth scan, after test_nothing_changed). */
static void test_hostile_label(void)
{
	static const char evil[] = "evil<b>\"'&\x1b[31m";
	char *out = NULL, p[4096], *page, *sec;
	size_t n = 0;

	CHECK(ready);
	CHECK_INT(host_copy("srv2012", evil), 0);
	CHECK_INT(scan("2026-03-01"), 1);
	CHECK_INT(diff(&out, NULL, NULL, NULL), 0);
	CHECK_HAS(out, "\nnew: evil<b>\"'&\\x1B[31m (SRV2012), ready\n");
	CHECK_LACKS(out, "\x1b");
	free(out);
	out = NULL;
	CHECK_INT(diff(&out, "csv", NULL, NULL), 0);
	CHECK_HAS(out, "\r\n\"new\",\"evil<b>\"\"'&\\x1B[31m\",\"\",\"SRV2012\",");
	free(out);
	out = NULL;
	CHECK_INT(diff(&out, "json", NULL, NULL), 0);
	CHECK_HAS(out, "\"host\": \"evil<b>\\\"'&\\u001B[31m\",");
	free(out);
	at(p, sizeof p, "out/report.html");
	page = tu_read(p, &n);
	CHECK(page != NULL);
	if (!page)
		return;
	rc_check_page(page, n);
	sec = strstr(page, "<section id=\"changes\"");
	CHECK_HAS(sec,
	          "<li><a class=\"host\" href=\"#host=evil%3Cb%3E%22%27%26%1B%5B31m\">"
	          "evil&lt;b&gt;&quot;&#39;&amp;\\x1B[31m</a> <span class=\"muted\">ready</span>"
	          "</li>");
	free(page);
}

/* A scan of other paths into the same store has no earlier run to compare
 * with: the changes.csv of the fleet's runs is removed, not left to
 * mislead, and the page has no "Since the last audit". */
static void test_other_paths(void)
{
	char *args[] = {"scan", "-q", "--out", "out", "--as-of", "2026-03-01", "fleet/app01", NULL};
	char *out = NULL, *err = NULL, p[4096], *page;

	CHECK(ready);
	CHECK_INT(run_here(&out, &err, args), 0);
	free(out);
	free(err);
	at(p, sizeof p, "out/changes.csv");
	CHECK(access(p, F_OK) != 0);
	at(p, sizeof p, "out/report.html");
	page = tu_read(p, NULL);
	CHECK(page != NULL);
	CHECK_LACKS(page, "<section id=\"changes\"");
	free(page);
}

static void test_diff_errors(void)
{
	char *out = NULL, *err = NULL, p[4096];

	CHECK(ready);
	{
		char *args[] = {"diff", "--db", db, "--from", "2", "--to", "2", NULL};

		CHECK_INT(run_here(&out, &err, args), 2);
		CHECK_STR(err, "hiveaudit diff: --from and --to name the same run 2\n");
		free(out);
		free(err);
	}
	{
		char *args[] = {"diff", "--db", db, "--to", "99", NULL};

		CHECK_INT(run_here(&out, &err, args), 2);
		CHECK_STR(err, "hiveaudit diff: the store holds no run 99\n");
		free(out);
		free(err);
	}
	{
		char *args[] = {"diff", "--db", db, "--from", "1", "--to", "99", NULL};

		CHECK_INT(run_here(&out, &err, args), 2);
		CHECK_STR(err, "hiveaudit diff: the store holds no run 99\n");
		free(out);
		free(err);
	}
	{
		char *args[] = {"diff", "--db", db, "--format", "xml", NULL};

		CHECK_INT(run_here(&out, &err, args), 2);
		CHECK_STR(err, "hiveaudit diff: unknown format 'xml' (text, csv, json)\n");
		free(out);
		free(err);
	}
	{
		char *args[] = {"diff", "--db", db, "--from", "x", NULL};

		CHECK_INT(run_here(&out, &err, args), 2);
		CHECK_STR(err, "hiveaudit diff: --from takes a run number, not 'x'\n");
		free(out);
		free(err);
	}
	{
		char *args[] = {"diff", "--db", db, "--to", "1", NULL};

		CHECK_INT(run_here(&out, &err, args), 2);
		CHECK_STR(err, "hiveaudit diff: the store holds no complete run before run 1 over "
		               "the same paths\n");
		free(out);
		free(err);
	}
	{
		char *args[] = {"diff", "--db", "no-such.db", NULL};

		CHECK_INT(run_here(&out, &err, args), 3);
		CHECK_HAS(err, "hiveaudit diff: cannot open store 'no-such.db'");
		free(out);
		free(err);
	}
	at(p, sizeof p, "not-a-store.db");
	CHECK_INT(
	        tu_write(p, "this is not SQLite at all, just text long enough to be a file\n", 63),
	        0);
	{
		char *args[] = {"diff", "--db", p, NULL};

		CHECK_INT(run_here(&out, &err, args), 3);
		CHECK_HAS(err, "hiveaudit diff: ");
		free(out);
		free(err);
	}
	{
		char *args[] = {"runs", "--db", p, NULL};

		CHECK_INT(run_here(&out, &err, args), 3);
		CHECK_HAS(err, "hiveaudit runs: ");
		free(out);
		free(err);
	}
	{
		char *args[] = {"diff", "--help", NULL};

		CHECK_INT(run_here(&out, &err, args), 0);
		CHECK_HAS(out, "usage: hiveaudit diff [--db FILE] [--from RUN] [--to RUN]");
		free(out);
		free(err);
	}
}

int main(int argc, char **argv)
{
	static const struct check_case cases[] = {
	        CHECK_CASE(test_diff_text),
	        CHECK_CASE(test_diff_csv),
	        CHECK_CASE(test_diff_json),
	        CHECK_CASE(test_diff_backwards),
	        CHECK_CASE(test_html_section),
	        CHECK_CASE(test_html_in_browser),
	        CHECK_CASE(test_runs),
	        CHECK_CASE(test_diff_errors),
	        CHECK_CASE(test_nothing_changed),
	        CHECK_CASE(test_hostile_label),
	        CHECK_CASE(test_other_paths),
	        CHECK_CASE(test_runs_paths),
	};
	int rc;

	setup();
	rc = check_run(cases, sizeof cases / sizeof cases[0], argc, argv);
	if (!rc)
		tu_rmtree(work);
	return rc;
}
