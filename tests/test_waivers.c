/* test_waivers.c: waiver files (loading, validation, applying) and
 * `scan --waivers` end to end on a copy of three sample hosts.
 *
 * The fleet: web02 fails only WINHTTP-TLS12, old01 (Server 2003) fails only
 * OS-TLS12-CAPABLE, app01 passes.  The waiver file waives the first until
 * 2026-06-30, the second until 2026-01-15, and names a host that does not
 * exist (stale).  Audited as of 2026-02-01 the second waiver has expired:
 * old01 is not ready and the scan exits 1; as of 2026-01-10 every FAIL is
 * waived and the scan exits 0. */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "ha_rules.h"
#include "ha_store.h"
#include "reportcheck.h"
#include "testutil.h"

static const char good[] = "waivers:\n"
                           "  - hosts: web02\n"
                           "    rules: [WINHTTP-TLS12]\n"
                           "    reason: Legacy agent on an isolated VLAN\n"
                           "    approver: J. Smith (CISO)\n"
                           "    expires: 2026-06-30\n"
                           "    ticket: CHG-1234\n"
                           "  - hosts: [\"old*\", SRV2003]\n"
                           "    rules: OS-TLS12-CAPABLE\n"
                           "    reason: Decommissioned in January\n"
                           "    approver: A. Jones\n"
                           "    expires: 2026-01-15\n"
                           "  - hosts: no-such-host\n"
                           "    rules: ROOTCA-*\n"
                           "    reason: Left over\n"
                           "    approver: A. Jones\n"
                           "    expires: 2027-01-01\n";

/* ------------------------------------------------------------ loading */

static void test_load_good(void)
{
	struct ha_waivers *ws = NULL;
	struct ha_err err;
	int64_t t;

	ha_err_clear(&err);
	CHECK_INT(ha_waivers_load_buffer("w.yaml", good, sizeof good - 1, &ws, &err), HA_OK);
	if (!ws)
		return;
	CHECK_INT(ws->n, 3);
	CHECK_INT(ws->v[0].nhosts, 1);
	CHECK_STR(ws->v[0].hosts[0], "web02");
	CHECK_INT(ws->v[0].nrules, 1);
	CHECK_STR(ws->v[0].rules[0], "WINHTTP-TLS12");
	CHECK_STR(ws->v[0].reason, "Legacy agent on an isolated VLAN");
	CHECK_STR(ws->v[0].approver, "J. Smith (CISO)");
	CHECK_STR(ws->v[0].expires, "2026-06-30");
	CHECK_STR(ws->v[0].ticket, "CHG-1234");
	CHECK_INT(ws->v[0].line, 2);
	CHECK_INT(ha_parse_date("2026-07-01", &t), HA_OK);
	CHECK_INT(ws->v[0].expires_end, t); /* the whole expiry day counts */
	CHECK_INT(ws->v[1].nhosts, 2);
	CHECK_STR(ws->v[1].hosts[1], "SRV2003");
	CHECK(ws->v[1].ticket == NULL);
	CHECK_INT(ws->v[2].line, 13);
	ha_waivers_free(ws);
}

static void bad(const char *text, const char *want)
{
	struct ha_waivers *ws = (struct ha_waivers *)1;
	struct ha_err err;

	ha_err_clear(&err);
	CHECK_INT(ha_waivers_load_buffer("w.yaml", text, strlen(text), &ws, &err), HA_ERR_RULES);
	CHECK(ws == NULL);
	CHECK_STR(err.msg, want);
}

#define ENTRY "  - hosts: a\n    rules: R\n    reason: r\n    approver: p\n"

static void test_load_malformed(void)
{
	bad("waivers:\n" ENTRY "    expires: 2026-02-31\n",
	    "w.yaml:6:14: expires must be a date YYYY-MM-DD, not '2026-02-31'");
	bad("waivers:\n" ENTRY "    expires: 2026-2-1\n",
	    "w.yaml:6:14: expires must be a date YYYY-MM-DD, not '2026-2-1'");
	bad("waivers:\n" ENTRY, "w.yaml:2:5: the waiver has no 'expires'");
	bad("waivers:\n" ENTRY "    expires: 2026-01-01\n    expiry: 2026-01-01\n",
	    "w.yaml:7:5: unknown field 'expiry' (hosts, rules, reason, approver, expires, ticket)");
	bad("waivers:\n" ENTRY "    expires: 2026-01-01\n    reason: again\n",
	    "w.yaml:7:5: field 'reason' given twice");
	bad("waivers:\n  - hosts: []\n    rules: R\n    reason: r\n    approver: p\n"
	    "    expires: 2026-01-01\n",
	    "w.yaml:2:12: hosts must name at least one");
	bad("waivers:\n  - hosts: {a: b}\n    rules: R\n    reason: r\n    approver: p\n"
	    "    expires: 2026-01-01\n",
	    "w.yaml:2:12: hosts must be a string or a list of strings");
	bad("waivers:\n  - hosts: a\n    rules: R\n    reason: ''\n    approver: p\n"
	    "    expires: 2026-01-01\n",
	    "w.yaml:4:13: reason must not be empty");
	bad("waivers:\n  - just a string\n",
	    "w.yaml:2:5: a waiver is a mapping (hosts, rules, reason, approver, expires)");
	bad("waivers: none\n", "w.yaml:1:10: 'waivers' must be a list of waivers");
	bad("- hosts: a\n", "w.yaml:1:1: a waiver file is a mapping with one field, 'waivers'");
	bad("waiver:\n  - hosts: a\n", "w.yaml:1:1: unknown field (a waiver file has 'waivers')");
	bad("waivers: [\n", "w.yaml:2:1: YAML syntax error: did not find expected node content");
	bad("waivers: []\n---\nwaivers: []\n",
	    "w.yaml:2:1: a second YAML document starts here; a waiver file holds one");
	bad("", "w.yaml: a waiver file is a mapping with one field, 'waivers'");
}

/* A waiver that names a rule id (no wildcard) that is not loaded is an
 * error: it would never match anything. */
static void test_unknown_rule(void)
{
	static const char text[] = "waivers:\n" ENTRY "    expires: 2026-01-01\n";
	struct ha_ruleset *rs = NULL;
	struct ha_waivers *ws = NULL;
	struct ha_err err;

	ha_err_clear(&err);
	CHECK_INT(ha_rules_new(&rs, &err), HA_OK);
	CHECK_INT(ha_rules_load_builtin(rs, &err), HA_OK);
	CHECK_INT(ha_waivers_load_buffer("w.yaml", text, sizeof text - 1, &ws, &err), HA_OK);
	if (ws && rs) {
		CHECK_INT(ha_waivers_check(ws, rs, &err), HA_ERR_RULES);
		CHECK_STR(err.msg, "w.yaml:2: the waiver names rule 'R', which is not loaded");
	}
	ha_waivers_free(ws);
	ws = NULL;
	CHECK_INT(ha_waivers_load_buffer("w.yaml", good, sizeof good - 1, &ws, &err), HA_OK);
	if (ws && rs)
		CHECK_INT(ha_waivers_check(ws, rs, &err), HA_OK);
	ha_waivers_free(ws);
	ha_rules_free(rs);
}

/* ----------------------------------------------------------- applying */

/* Findings in the built-in pack's order, all PASS but `fail` (FAIL) and
 * `unknown` (UNKNOWN, may be NULL). */
static void findings(const struct ha_ruleset *rs, struct ha_findings *fs, const char *fail,
                     const char *unknown)
{
	size_t i;

	ha_findings_init(fs);
	for (i = 0; i < ha_rules_count(rs); i++) {
		const struct ha_rule_info *ri = ha_rules_info(rs, i);
		struct ha_finding *f = ha_findings_add(fs);

		f->rule_id = ha_strdup(ri->id);
		f->category = ha_strdup(ri->category);
		f->status = !strcmp(ri->id, fail)                 ? HA_FAIL
		            : unknown && !strcmp(ri->id, unknown) ? HA_UNKNOWN
		                                                  : HA_PASS;
	}
	fs->verdict = HA_NOT_READY;
}

static long index_of(const struct ha_ruleset *rs, const char *id)
{
	size_t i;

	for (i = 0; i < ha_rules_count(rs); i++)
		if (!strcmp(ha_rules_info(rs, i)->id, id))
			return (long)i;
	return -1;
}

static void test_apply(void)
{
	struct ha_ruleset *rs = NULL;
	struct ha_waivers *ws = NULL;
	struct ha_findings fs;
	struct ha_waived v[64];
	struct ha_waived_host wh;
	struct ha_err err;
	int64_t feb, jan;
	long w, o;

	ha_err_clear(&err);
	CHECK_INT(ha_parse_date("2026-02-01", &feb), HA_OK);
	CHECK_INT(ha_parse_date("2026-01-15", &jan), HA_OK);
	CHECK_INT(ha_rules_new(&rs, &err), HA_OK);
	CHECK_INT(ha_rules_load_builtin(rs, &err), HA_OK);
	CHECK_INT(ha_waivers_load_buffer("w.yaml", good, sizeof good - 1, &ws, &err), HA_OK);
	if (!rs || !ws || ha_rules_count(rs) > 64)
		goto done;
	w = index_of(rs, "WINHTTP-TLS12");
	o = index_of(rs, "OS-TLS12-CAPABLE");
	CHECK(w >= 0 && o >= 0);

	/* Waived: the FAIL stays, the host is ready with waivers. */
	findings(rs, &fs, "WINHTTP-TLS12", NULL);
	CHECK_INT(ha_waivers_apply(ws, rs, "web02", "MIS-WINHTTP-NO800", &fs, feb, v, &wh, &err),
	          HA_OK);
	CHECK_INT(fs.v[w].status, HA_FAIL);
	CHECK_INT(v[w].waiver, 0);
	CHECK_INT(v[w].expired, 0);
	CHECK_INT(v[o].waiver, -1);
	CHECK(wh.changed);
	CHECK_INT(wh.verdict, HA_READY_WITH_WAIVERS);
	CHECK_STR(wh.reason, "every prerequisite is met or waived; waived: WINHTTP-TLS12");
	CHECK_INT(wh.fails, 0);
	CHECK_INT(wh.waived_fails, 1);
	free(wh.reason);
	/* Host names compare case-insensitively, labels and computer names
	 * alike; another host is not named. */
	CHECK_INT(ha_waivers_apply(ws, rs, "WEB02", "", &fs, feb, v, &wh, &err), HA_OK);
	CHECK_INT(v[w].waiver, 0);
	free(wh.reason);
	CHECK_INT(ha_waivers_apply(ws, rs, "web03", "Web02", &fs, feb, v, &wh, &err), HA_OK);
	CHECK_INT(v[w].waiver, 0);
	free(wh.reason);
	CHECK_INT(ha_waivers_apply(ws, rs, "web03", "OTHER", &fs, feb, v, &wh, &err), HA_OK);
	CHECK_INT(v[w].waiver, -1);
	CHECK(!wh.changed && wh.reason == NULL);
	CHECK_INT(wh.fails, 1);
	ha_findings_free(&fs);

	/* By computer name, through a glob, on the last day and the day after. */
	findings(rs, &fs, "OS-TLS12-CAPABLE", NULL);
	CHECK_INT(ha_waivers_apply(ws, rs, "x", "SRV2003", &fs, jan, v, &wh, &err), HA_OK);
	CHECK_INT(v[o].waiver, 1);
	CHECK_INT(v[o].expired, 0);
	free(wh.reason);
	CHECK_INT(ha_waivers_apply(ws, rs, "old01", "", &fs, jan + 86400, v, &wh, &err), HA_OK);
	CHECK_INT(v[o].waiver, 1);
	CHECK_INT(v[o].expired, 1);
	CHECK(!wh.changed);
	CHECK_INT(wh.fails, 1);
	CHECK_INT(wh.waived_fails, 0);
	ha_findings_free(&fs);

	/* Every FAIL waived but a deciding rule UNKNOWN: unknown, not ready. */
	findings(rs, &fs, "WINHTTP-TLS12", "NETFX-TLS12");
	CHECK_INT(ha_waivers_apply(ws, rs, "web02", "", &fs, feb, v, &wh, &err), HA_OK);
	CHECK(wh.changed);
	CHECK_INT(wh.verdict, HA_VERDICT_UNKNOWN);
	CHECK_STR(wh.reason, "undetermined: NETFX-TLS12; waived: WINHTTP-TLS12");
	free(wh.reason);
	ha_findings_free(&fs);

	/* A PASS is never waived, whatever the waiver names. */
	findings(rs, &fs, "none", NULL);
	CHECK_INT(ha_waivers_apply(ws, rs, "web02", "", &fs, feb, v, &wh, &err), HA_OK);
	CHECK_INT(v[w].waiver, -1);
	CHECK(!wh.changed);
	ha_findings_free(&fs);

	CHECK(ws->v[0].matched > 0);
	CHECK(ws->v[1].matched > 0);
	CHECK_INT(ws->v[2].matched, 0); /* stale */
	ha_waivers_free(ws);

	/* Two waivers name the same finding: the first that holds covers it,
	 * and neither is stale. */
	{
		static const char two[] =
		        "waivers:\n"
		        "  - {hosts: web02, rules: WINHTTP-TLS12, reason: a, approver: p,"
		        " expires: 2026-12-31}\n"
		        "  - {hosts: 'web*', rules: '*', reason: b, approver: p,"
		        " expires: 2026-12-31}\n";

		ws = NULL;
		CHECK_INT(ha_waivers_load_buffer("two.yaml", two, sizeof two - 1, &ws, &err),
		          HA_OK);
		if (!ws)
			goto done;
		findings(rs, &fs, "WINHTTP-TLS12", NULL);
		CHECK_INT(ha_waivers_apply(ws, rs, "web02", "", &fs, feb, v, &wh, &err), HA_OK);
		CHECK_INT(v[w].waiver, 0);
		CHECK_INT(ws->v[0].matched, 1);
		CHECK_INT(ws->v[1].matched, 1);
		free(wh.reason);
		ha_findings_free(&fs);
	}
done:
	ha_waivers_free(ws);
	ha_rules_free(rs);
}

/* --------------------------------------------------------- end to end */

static char work[4096];
static int fleet_ok;

static int host_copy(const char *from, const char *to)
{
	static const char *const files[] = {"SYSTEM", "SOFTWARE"};
	char a[8192], b[8192];
	size_t i;

	for (i = 0; i < 2; i++) {
		if ((size_t)snprintf(a, sizeof a, "%s/samples/fleet/%s/%s", tu_source_dir(), from,
		                     files[i]) >= sizeof a ||
		    (size_t)snprintf(b, sizeof b, "%s/fleet/%s/%s", work, to, files[i]) >=
		            sizeof b ||
		    tu_copy(a, b) != 0)
			return -1;
	}
	return 0;
}

static void make_fleet(void)
{
	char p[8192];

	if (fleet_ok)
		return;
	snprintf(work, sizeof work, "%s/test_waivers.d", tu_binary_dir());
	tu_rmtree(work);
	if (mkdir(work, 0755) != 0 && errno != EEXIST)
		return;
	snprintf(p, sizeof p, "%s/w.yaml", work);
	fleet_ok = !host_copy("mis-winhttp-no800", "web02") && !host_copy("srv2003", "old01") &&
	           !host_copy("srv2012", "app01") && !tu_write(p, good, sizeof good - 1);
	CHECK(fleet_ok);
}

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

static char *file_in(const char *rel)
{
	char p[8192];

	snprintf(p, sizeof p, "%s/%s", work, rel);
	return tu_read(p, NULL);
}

/* The (host, rule_id) row of a findings.csv: its last three columns. */
static void check_waived_cols(const char *csv_text, const char *host, const char *rule,
                              const char *waived, const char *reason, const char *expires)
{
	struct tu_csv c;
	int h, r, w, wr, we;
	size_t i, found = 0;

	CHECK_INT(tu_csv_parse(csv_text ? csv_text : "", &c), 0);
	h = tu_csv_col(&c, "host");
	r = tu_csv_col(&c, "rule_id");
	w = tu_csv_col(&c, "waived");
	wr = tu_csv_col(&c, "waiver_reason");
	we = tu_csv_col(&c, "waiver_expires");
	CHECK(h == 0 && r == 2 && w == 13 && wr == 14 && we == 15);
	for (i = 1; h >= 0 && w >= 0 && i < c.nrows; i++) {
		if (strcmp(c.rows[i][h], host) || strcmp(c.rows[i][r], rule))
			continue;
		found++;
		CHECK_STR(c.rows[i][w], waived);
		CHECK_STR(c.rows[i][wr], reason);
		CHECK_STR(c.rows[i][we], expires);
	}
	CHECK_INT(found, 1);
	tu_csv_free(&c);
}

static long lines_with(const char *text, const char *sub)
{
	const char *p = text;
	long n = 0;

	while (p && *p) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		const char *hit = strstr(p, sub);

		n += hit && (size_t)(hit - p) < len;
		p = e ? e + 1 : NULL;
	}
	return n;
}

static long long count(const char *dbpath, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	long long v = -1;

	if (sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK) {
		if (sqlite3_step(s) == SQLITE_ROW)
			v = sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
	}
	sqlite3_close(db);
	return v;
}

/* As of 2026-02-01: web02 waived, old01's waiver expired, one stale. */
static void test_scan_expired(void)
{
	char *args[] = {"scan",      "--out",  "out1",   "--as-of", "2026-02-01",
	                "--waivers", "w.yaml", "--json", "fleet",   NULL};
	char *out = NULL, *err = NULL, *text, db[8192];

	make_fleet();
	if (!fleet_ok)
		return;
	CHECK_INT(run_here(&out, &err, args), 1); /* old01's FAIL counts again */
	CHECK_HAS(out, "3 hosts audited (1 ready, 1 ready with waivers, 1 not ready, 0 unknown)");
	CHECK_HAS(out, "; 1 failing finding;");
	CHECK_STR(err, "hiveaudit scan: waiver w.yaml:8 (Decommissioned in January) expired on "
	               "2026-01-15: the 1 failing finding it names count again\n"
	               "hiveaudit scan: waiver w.yaml:13 (Left over) is stale: it matches no "
	               "failing finding of this run\n");
	free(out);
	free(err);
	text = file_in("out1/findings.csv");
	check_waived_cols(text, "web02", "WINHTTP-TLS12", "yes", "Legacy agent on an isolated VLAN",
	                  "2026-06-30");
	check_waived_cols(text, "old01", "OS-TLS12-CAPABLE", "expired", "Decommissioned in January",
	                  "2026-01-15");
	check_waived_cols(text, "app01", "WINHTTP-TLS12", "", "", "");
	free(text);
	text = file_in("out1/hosts.csv");
	CHECK_HAS(text, "\r\n\"web02\",\"MIS-WINHTTP-NO800\",\"ready_with_waivers\",\"every "
	                "prerequisite is met or waived; waived: WINHTTP-TLS12\",");
	CHECK_HAS(text, "\r\n\"old01\",\"SRV2003\",\"not_ready\",\"failing: OS-TLS12-CAPABLE\",");
	free(text);
	/* The store: the waivers of the run and the findings they covered. */
	snprintf(db, sizeof db, "%s/out1/audit.db", work);
	CHECK_INT(count(db, "SELECT count(*) FROM waivers WHERE run_id = 1"), 3);
	CHECK_INT(count(db, "SELECT count(*) FROM v_waivers WHERE findings = 0"), 1);
	CHECK_INT(count(db, "SELECT count(*) FROM v_waived_findings WHERE host = 'web02' AND "
	                    "rule_id = 'WINHTTP-TLS12' AND expired = 0 AND ticket = 'CHG-1234'"),
	          1);
	CHECK_INT(count(db, "SELECT count(*) FROM v_waived_findings WHERE host = 'old01' AND "
	                    "expired = 1"),
	          1);
	CHECK_INT(count(db, "SELECT count(*) FROM hosts WHERE verdict = 'not_ready' AND "
	                    "waived_verdict = 'ready_with_waivers'"),
	          1);
	CHECK_INT(count(db, "SELECT count(*) FROM notes WHERE text LIKE '%is stale%'"), 1);
	/* The page: the card, and the run notes say what expired and what is stale. */
	text = file_in("out1/report.html");
	CHECK_HAS(text,
	          "<a class=\"card v-ready_with_waivers\" href=\"#verdict=ready_with_waivers\">");
	CHECK_HAS(text, "expired on 2026-01-15: the 1 failing finding it names count again");
	CHECK_HAS(text, "waiver w.yaml:13 (Left over) is stale");
	/* Each waived finding says so where the host's details show it. */
	CHECK_HAS(text,
	          " Waived until 2026-06-30 by J. Smith (CISO), ticket CHG-1234: Legacy agent "
	          "on an isolated VLAN\"");
	CHECK_HAS(text, " Waiver EXPIRED on 2026-01-15 by A. Jones: Decommissioned in January\"");
	free(text);
	{
		const char *chromium = rc_chromium();
		char p[8192], *url, *d = NULL;

		snprintf(p, sizeof p, "%s/out1/report.html", work);
		url = rc_file_url(p, "host=web02");
		if (!chromium) {
			check_skip("no chromium installed (./bootstrap.sh --ci installs it)");
		} else if (url) {
			CHECK_INT(rc_browse(chromium, url, "--dump-dom", NULL, &d), 0);
			CHECK_HAS(d, "data-ha-ready=\"1\"");
			CHECK_HAS(d, "<div class=\"detail\" data-label=\"web02\">");
			CHECK_HAS(d, "Waived until 2026-06-30 by J. Smith (CISO), ticket CHG-1234: "
			             "Legacy agent on an isolated VLAN</p>");
			CHECK_HAS(d, "Ready with waivers");
		}
		free(d);
		free(url);
	}
	/* findings.jsonl: a waiver object on the waived findings only. */
	text = file_in("out1/findings.jsonl");
	CHECK_HAS(text, "\"rule_id\":\"WINHTTP-TLS12\"");
	CHECK_HAS(text,
	          "\"waiver\":{\"state\":\"waived\",\"reason\":\"Legacy agent on an "
	          "isolated VLAN\",\"approver\":\"J. Smith (CISO)\",\"expires\":\"2026-06-30\","
	          "\"ticket\":\"CHG-1234\",\"file\":\"w.yaml\",\"line\":2}}\n");
	CHECK_HAS(text, "\"waiver\":{\"state\":\"expired\",\"reason\":\"Decommissioned in "
	                "January\",");
	CHECK_INT(lines_with(text, "\"waiver\":"), 2);
	free(text);
	/* explain shows the waiver with the finding. */
	{
		char *ex[] = {"explain", "--db", "out1/audit.db", "web02", NULL};

		out = err = NULL;
		run_here(&out, &err, ex);
		CHECK_HAS(out,
		          "  verdict: ready_with_waivers (every prerequisite is met or waived; "
		          "waived: WINHTTP-TLS12)\n");
		CHECK_HAS(out,
		          "      waived:   Legacy agent on an isolated VLAN (approved by J. Smith "
		          "(CISO), until 2026-06-30, ticket CHG-1234; w.yaml:2)\n");
		free(out);
		free(err);
	}
	{
		char *ex[] = {"explain", "--db", "out1/audit.db", "old01", NULL};

		out = err = NULL;
		run_here(&out, &err, ex);
		CHECK_HAS(out,
		          "      waiver EXPIRED: Decommissioned in January (approved by A. Jones, "
		          "expired after 2026-01-15; w.yaml:8)\n");
		free(out);
		free(err);
	}
}

/* As of 2026-01-10 both waivers hold: every FAIL is waived, exit 0. */
static void test_scan_all_waived(void)
{
	char *args[] = {"scan",      "--out",  "out2",  "--as-of", "2026-01-10",
	                "--waivers", "w.yaml", "fleet", NULL};
	char *out = NULL, *err = NULL, *text;

	make_fleet();
	if (!fleet_ok)
		return;
	CHECK_INT(run_here(&out, &err, args), 0);
	CHECK_HAS(out, "3 hosts audited (1 ready, 2 ready with waivers, 0 not ready, 0 unknown)");
	CHECK_HAS(out, "; 0 failing findings;");
	CHECK_STR(err, "hiveaudit scan: waiver w.yaml:13 (Left over) is stale: it matches no "
	               "failing finding of this run\n");
	free(out);
	free(err);
	text = file_in("out2/findings.csv");
	/* The fact does not change: the finding is still FAIL. */
	CHECK_HAS(text, "\r\n\"old01\",\"SRV2003\",\"OS-TLS12-CAPABLE\",\"FAIL\",");
	check_waived_cols(text, "old01", "OS-TLS12-CAPABLE", "yes", "Decommissioned in January",
	                  "2026-01-15");
	free(text);
	/* Without the waivers the same fleet fails. */
	{
		char *plain[] = {"scan",    "-q",         "--out", "out3",
		                 "--as-of", "2026-01-10", "fleet", NULL};

		out = err = NULL;
		CHECK_INT(run_here(&out, &err, plain), 1);
		free(out);
		free(err);
	}
}

/* A malformed waiver file is a usage error found before any work: exit 2,
 * one line, and no output folder. */
static void test_scan_malformed(void)
{
	static const char *const cases[][2] = {
	        {"waivers:\n  - hosts: a\n    rules: WINHTTP-TLS12\n",
	         "hiveaudit scan: bad.yaml:2:5: the waiver has no 'reason'\n"},
	        {"waivers:\n" ENTRY "    expires: 2026-01-01\n",
	         "hiveaudit scan: bad.yaml:2: the waiver names rule 'R', which is not loaded\n"},
	        {"waivers: [\n",
	         "hiveaudit scan: bad.yaml:2:1: YAML syntax error: did not find expected node "
	         "content\n"},
	};
	char p[8192], outdir[8192];
	size_t i;

	make_fleet();
	if (!fleet_ok)
		return;
	snprintf(p, sizeof p, "%s/bad.yaml", work);
	snprintf(outdir, sizeof outdir, "%s/out-bad", work);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *args[] = {"scan", "--out", "out-bad", "--waivers", "bad.yaml", "fleet", NULL};
		char *out = NULL, *err = NULL;

		CHECK_INT(tu_write(p, cases[i][0], strlen(cases[i][0])), 0);
		CHECK_INT(run_here(&out, &err, args), 2);
		CHECK_STR(err, cases[i][1]);
		CHECK(access(outdir, F_OK) != 0);
		free(out);
		free(err);
	}
	{
		char *args[] = {"scan",         "--out", "out-bad", "--waivers",
		                "missing.yaml", "fleet", NULL};
		char *out = NULL, *err = NULL;

		CHECK_INT(run_here(&out, &err, args), 2);
		CHECK_STR(err,
		          "hiveaudit scan: cannot read waiver file 'missing.yaml': No such file or "
		          "directory\n");
		free(out);
		free(err);
	}
}

/* A store written before waivers existed (schema 1) is migrated in place
 * by the next scan: its run stays, and the new run records its waivers.
 * The old store is made from a new one by undoing the later migrations. */
static void test_schema1_store(void)
{
	char *plain[] = {"scan", "-q", "--out", "out-v1", "--as-of", "2026-01-10", "fleet", NULL};
	char *waived[] = {"scan",       "-q",        "--out",  "out-v1", "--as-of",
	                  "2026-01-10", "--waivers", "w.yaml", "fleet",  NULL};
	char *out = NULL, *err = NULL, db[8192];
	sqlite3 *d;

	make_fleet();
	if (!fleet_ok)
		return;
	CHECK_INT(run_here(&out, &err, plain), 1);
	free(out);
	free(err);
	snprintf(db, sizeof db, "%s/out-v1/audit.db", work);
	CHECK_INT(sqlite3_open(db, &d), SQLITE_OK);
	CHECK_INT(sqlite3_exec(d, tu_store_undo_to_v1, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(d);
	CHECK_INT(count(db, "PRAGMA user_version"), 1);
	out = err = NULL;
	CHECK_INT(run_here(&out, &err, waived), 0);
	free(out);
	free(err);
	CHECK_INT(count(db, "PRAGMA user_version"), HA_STORE_SCHEMA_VERSION);
	CHECK_INT(count(db, "SELECT count(*) FROM hosts WHERE run_id = 1"), 3);
	CHECK_INT(
	        count(db, "SELECT count(*) FROM hosts WHERE run_id = 1 AND waived_verdict IS NULL"),
	        3);
	CHECK_INT(count(db, "SELECT count(*) FROM waivers WHERE run_id = 2"), 3);
	CHECK_INT(count(db, "SELECT count(*) FROM hosts WHERE run_id = 2 AND "
	                    "waived_verdict = 'ready_with_waivers'"),
	          2);
	CHECK_INT(count(db, "PRAGMA foreign_key_check"), -1); /* no row: clean */
}

int main(int argc, char **argv)
{
	static const struct check_case cases[] = {
	        CHECK_CASE(test_load_good),      CHECK_CASE(test_load_malformed),
	        CHECK_CASE(test_unknown_rule),   CHECK_CASE(test_apply),
	        CHECK_CASE(test_scan_expired),   CHECK_CASE(test_scan_all_waived),
	        CHECK_CASE(test_scan_malformed), CHECK_CASE(test_schema1_store),
	};
	int rc = check_run(cases, sizeof cases / sizeof cases[0], argc, argv);

	if (!rc && fleet_ok)
		tu_rmtree(work);
	return rc;
}
