/* test_e2e_samples.c: the built program on the committed sample fleet.
 *
 * The scan must give exactly the statuses and computer names written by
 * hand in samples/expected.csv, exit 1 (the fleet has failing hosts), fill
 * the store consistently, write both CSV files byte for byte as in
 * tests/golden/, reuse unchanged hosts on a second run, and the
 * other verbs must agree with the store. */
#include <jansson.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "testutil.h"

static char *tmp; /* the test's temporary folder */
static char out1[4096];

/* Runs hiveaudit with the sample folder as working directory, so that the
 * paths in the outputs are the same on every machine ("fleet/..."). */
/* dir/name in one of a few rotating buffers (no allocation, so nothing to
 * free in the checks below). */
static char *path_in(const char *dir, const char *name)
{
	static char p[8][4096];
	static int k;
	char d[4096];
	int n;

	n = snprintf(d, sizeof d, "%s", dir);
	if (n < 0 || (size_t)n >= sizeof d)
		abort();
	k = (k + 1) % 8;
	n = snprintf(p[k], sizeof p[k], "%s/%s", d, name);
	if (n < 0 || (size_t)n >= sizeof p[k])
		abort();
	return p[k];
}

/* ------------------------------------------------------------ the scan */

/* The scan the cases below read, made by the first case that needs it
 * (test_scan_matches_expected in a full run).  Returns its standard output
 * (to free), or NULL when the scan was made before. */
static char *first_scan(void)
{
	char *out = NULL, *err = NULL;
	int rc;

	if (out1[0])
		return NULL;
	snprintf(out1, sizeof out1, "%s/out1", tmp);
	rc = tu_run_in_samples(&out, &err, "scan", "--out", out1, "--as-of", "2026-01-01", "fleet",
	                       NULL);
	CHECK_INT(rc, 1);
	if (rc != 1)
		fprintf(stderr, "stderr: %s\n", err ? err : "");
	free(err);
	return out;
}

static void test_scan_matches_expected(void)
{
	struct tu_csv exp, got;
	char *out, *text, expected_path[4096];
	int h, cn, rule, st, i_h, i_cn, i_rule, i_st;
	size_t i, j, matched = 0;

	out = first_scan();
	if (out) /* NULL when a case named before this one made the scan */
		CHECK_HAS(out, "52 hosts audited");
	free(out);

	CHECK(access(path_in(out1, "audit.db"), R_OK) == 0);
	CHECK(access(path_in(out1, "report.html"), R_OK) == 0);
	CHECK(access(path_in(out1, "hosts.csv"), R_OK) == 0);
	text = tu_read(path_in(out1, "findings.csv"), NULL);
	CHECK(text != NULL);
	if (!text)
		return;
	/* The first five columns are fixed by the contract. */
	{
		static const char head[] =
		        "\"host\",\"computer_name\",\"rule_id\",\"status\",\"severity\",";

		CHECK(strncmp(text, head, sizeof head - 1) == 0);
	}
	CHECK_INT(tu_csv_parse(text, &got), 0);
	free(text);

	snprintf(expected_path, sizeof expected_path, "%s/samples/expected.csv", tu_source_dir());
	text = tu_read(expected_path, NULL);
	CHECK(text != NULL);
	CHECK_INT(tu_csv_parse(text ? text : "", &exp), 0);
	free(text);

	h = tu_csv_col(&exp, "host");
	cn = tu_csv_col(&exp, "computer_name");
	rule = tu_csv_col(&exp, "rule_id");
	st = tu_csv_col(&exp, "status");
	i_h = tu_csv_col(&got, "host");
	i_cn = tu_csv_col(&got, "computer_name");
	i_rule = tu_csv_col(&got, "rule_id");
	i_st = tu_csv_col(&got, "status");
	CHECK(h >= 0 && cn >= 0 && rule >= 0 && st >= 0);
	CHECK(i_h == 0 && i_cn == 1 && i_rule == 2 && i_st == 3);
	CHECK_INT(got.nrows, exp.nrows);
	for (i = 1; i < exp.nrows; i++) {
		int found = 0;

		for (j = 1; j < got.nrows; j++) {
			if (strcmp(got.rows[j][i_h], exp.rows[i][h]) ||
			    strcmp(got.rows[j][i_rule], exp.rows[i][rule]))
				continue;
			found = 1;
			if (strcmp(got.rows[j][i_st], exp.rows[i][st]) ||
			    strcmp(got.rows[j][i_cn], exp.rows[i][cn]))
				check_fail(__FILE__, __LINE__, "%s %s: expected %s/%s, got %s/%s",
				           exp.rows[i][h], exp.rows[i][rule], exp.rows[i][cn],
				           exp.rows[i][st], got.rows[j][i_cn], got.rows[j][i_st]);
			else
				matched++;
			break;
		}
		if (!found)
			check_fail(__FILE__, __LINE__, "no finding for %s %s", exp.rows[i][h],
			           exp.rows[i][rule]);
	}
	CHECK_INT(matched, exp.nrows - 1);
	tu_csv_free(&exp);
	tu_csv_free(&got);
}

/* The two CSV files, byte for byte, against tests/golden/.  The fleet,
 * --as-of and the working directory fix every byte, so any difference is a
 * change in what users get (a column, a reason, quoting, order) and must
 * be looked at.  After an intended change, from samples/:
 *   ../build/hiveaudit scan -q --as-of 2026-01-01 --out /tmp/g fleet
 *   cp /tmp/g/findings.csv /tmp/g/hosts.csv ../tests/golden/
 * and review the diff before committing it. */
static void check_golden(const char *name)
{
	char golden[4096];
	char *want, *got;
	size_t wl = 0, gl = 0, i, line = 1, col = 1;

	snprintf(golden, sizeof golden, "%s/tests/golden/%s", tu_source_dir(), name);
	want = tu_read(golden, &wl);
	got = tu_read(path_in(out1, name), &gl);
	CHECK(want != NULL);
	CHECK(got != NULL);
	if (want && got) {
		for (i = 0; i < wl && i < gl && want[i] == got[i]; i++) {
			if (want[i] == '\n') {
				line++;
				col = 0;
			}
			col++;
		}
		if (i < wl || i < gl) {
			size_t ws = i, gs = i;

			while (ws > 0 && want[ws - 1] != '\n')
				ws--;
			gs = ws;
			check_fail(
			        __FILE__, __LINE__,
			        "%s differs from tests/golden/%s at line %zu, column %zu "
			        "(%zu bytes, expected %zu)\n  expected: %.200s\n  got:      %.200s",
			        name, name, line, col, gl, wl, want + ws, got + gs);
		}
	}
	free(want);
	free(got);
}

static void test_csv_golden(void)
{
	free(first_scan());
	check_golden("findings.csv");
	check_golden("hosts.csv");
}

/* ----------------------------------------------------------- the store */

static long long scalar(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s;
	long long v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		return -2;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

static char *text_of(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s;
	char *v = NULL;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		return NULL;
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
		v = strdup((const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	return v;
}

static void test_store_contents(void)
{
	sqlite3 *db;
	char *v;

	free(first_scan());
	CHECK_INT(sqlite3_open_v2(path_in(out1, "audit.db"), &db, SQLITE_OPEN_READONLY, NULL),
	          SQLITE_OK);
	v = text_of(db, "PRAGMA integrity_check");
	CHECK_STR(v, "ok");
	free(v);
	CHECK_INT(scalar(db, "SELECT count(*) FROM runs WHERE status = 'complete'"), 1);
	CHECK_INT(scalar(db, "SELECT count(*) FROM hosts"), 52);
	CHECK_INT(scalar(db, "SELECT count(*) FROM findings"), 52 * 22);
	CHECK_INT(scalar(db, "SELECT count(*) FROM rules"), 22);
	/* Evidence on every finding. */
	CHECK_INT(scalar(db, "SELECT count(*) FROM findings f WHERE NOT EXISTS"
	                     " (SELECT 1 FROM evidence e WHERE e.finding_id = f.finding_id)"),
	          0);
	/* Two folders, one ComputerName: two hosts. */
	CHECK_INT(scalar(db, "SELECT count(*) FROM hosts WHERE computer_name = 'CLONE01'"), 2);
	/* Hive facts are stored. */
	CHECK_INT(scalar(db,
	                 "SELECT count(*) FROM hives WHERE sha256 IS NULL AND status <> 'skipped'"),
	          0);
	CHECK_INT(scalar(db, "SELECT count(*) FROM hives h JOIN hosts USING (host_id)"
	                     " WHERE label = 'dmg-dirty' AND role = 'SOFTWARE' AND status = 'dirty'"
	                     " AND seq_primary = seq_secondary + 1"),
	          1);
	CHECK_INT(scalar(db, "SELECT count(*) FROM hives h JOIN hosts USING (host_id)"
	                     " WHERE label = 'diskhost' AND kind = 'SAM' AND status = 'skipped'"),
	          1);
	CHECK_INT(scalar(db, "SELECT count(*) FROM hives h JOIN hosts USING (host_id)"
	                     " WHERE label = 'diskhost' AND path LIKE '%RegBack%' AND status = "
	                     "'skipped'"),
	          1);
	CHECK_INT(scalar(db, "SELECT count(*) FROM hives h JOIN hosts USING (host_id)"
	                     " WHERE label = 'diskhost' AND role = 'SYSTEM' AND logs LIKE "
	                     "'%SYSTEM.LOG1%'"),
	          1);
	CHECK_INT(scalar(db, "SELECT count(*) FROM hives h JOIN hosts USING (host_id)"
	                     " WHERE label = 'dmg-text' AND path LIKE '%SYSTEM' AND status = "
	                     "'not_a_hive'"),
	          1);
	CHECK_INT(scalar(db, "SELECT count(*) FROM hosts WHERE label = 'only-system'"
	                     " AND software_status = 'missing'"),
	          1);
	/* Facts and labels. */
	v = text_of(db, "SELECT os_family FROM hosts WHERE label = 'srv2008r2-sp1'");
	CHECK_STR(v, "Windows Server 2008 R2 SP1");
	free(v);
	v = text_of(db, "SELECT os_family FROM hosts WHERE label = 'win7-sp1-x86'");
	CHECK_STR(v, "Windows 7 SP1");
	free(v);
	v = text_of(db, "SELECT control_set_source FROM hosts WHERE label = 'cs-select-2'");
	CHECK_STR(v, "Select\\Current = 2");
	free(v);
	v = text_of(db, "SELECT control_set_source FROM hosts WHERE label = 'cs-no-select'");
	CHECK_HAS(v, "no Select key");
	free(v);
	v = text_of(db,
	            "SELECT label || '/' || computer_name FROM hosts WHERE dir = 'fleet/diskhost'");
	CHECK_STR(v, "diskhost/DISKHOST");
	free(v);
	sqlite3_close(db);
}

/* --------------------------------------------------- second run, reuse */

static void test_rescan_reuses_and_reports_match(void)
{
	char *out = NULL, *err = NULL, *a, *b;
	sqlite3 *db;
	int rc;

	free(first_scan());
	rc = tu_run_in_samples(&out, &err, "scan", "--out", out1, "--as-of", "2026-01-01", "-q",
	                       "fleet", NULL);
	CHECK_INT(rc, 1);
	free(out);
	free(err);
	CHECK_INT(sqlite3_open_v2(path_in(out1, "audit.db"), &db, SQLITE_OPEN_READONLY, NULL),
	          SQLITE_OK);
	CHECK_INT(scalar(db, "SELECT count(*) FROM runs"), 2);
	/* Every host whose files could be hashed is re-evaluated from the store,
	 * except dirty-replayed: a dirty hive's answer depends on its logs. */
	CHECK_INT(scalar(db,
	                 "SELECT count(*) FROM hosts WHERE run_id = 2 AND reused_from IS NOT NULL"),
	          51);
	sqlite3_close(db);

	/* `report` regenerates the same CSV from the store alone. */
	a = tu_read(path_in(out1, "findings.csv"), NULL);
	rc = tu_run_in_samples(&out, &err, "report", "--db", path_in(out1, "audit.db"), "--out",
	                       path_in(tmp, "rep"), "--run", "1", NULL);
	CHECK_INT(rc, 0);
	free(out);
	free(err);
	b = tu_read(path_in(path_in(tmp, "rep"), "findings.csv"), NULL);
	CHECK(a && b && strcmp(a, b) == 0);
	free(a);
	free(b);

	/* --rescan reads every host again, with the same result. */
	rc = tu_run_in_samples(&out, &err, "scan", "--out", out1, "--as-of", "2026-01-01", "-q",
	                       "--rescan", "fleet", NULL);
	CHECK_INT(rc, 1);
	free(out);
	free(err);
	CHECK_INT(sqlite3_open_v2(path_in(out1, "audit.db"), &db, SQLITE_OPEN_READONLY, NULL),
	          SQLITE_OK);
	CHECK_INT(scalar(db,
	                 "SELECT count(*) FROM hosts WHERE run_id = 3 AND reused_from IS NOT NULL"),
	          0);
	CHECK_INT(scalar(db, "SELECT count(*) FROM findings f JOIN hosts h USING (host_id)"
	                     " JOIN findings f1 ON f1.rule_id = f.rule_id"
	                     " JOIN hosts h1 ON h1.host_id = f1.host_id AND h1.run_id = 1 AND "
	                     "h1.dir = h.dir"
	                     " WHERE h.run_id = 3 AND f1.status <> f.status"),
	          0);
	sqlite3_close(db);
}

/* ------------------------------------------------------- other verbs */

static void test_explain(void)
{
	char *out = NULL, *err = NULL;
	int rc;

	free(first_scan());
	rc = tu_run_in_samples(&out, &err, "explain", "--db", path_in(out1, "audit.db"),
	                       "mis-schannel-absent", NULL);

	CHECK_INT(rc, 0);
	CHECK_HAS(out, "Host mis-schannel-absent (computer name MIS-SCH-ABSENT)");
	CHECK_HAS(out, "SChannel (SCHANNEL-TLS12-CLIENT, FAIL)");
	CHECK_HAS(out, "error 10054");
	CHECK_HAS(out, "on Windows Server 2008 R2 SP1 the default is 0");
	CHECK_HAS(out, "control set: ControlSet001 (Select\\Current = 1)");
	free(out);
	free(err);

	/* By computer name, too; and an unknown host is a usage error. */
	rc = tu_run_in_samples(&out, &err, "explain", "--db", path_in(out1, "audit.db"), "SRV2003",
	                       NULL);
	CHECK_INT(rc, 0);
	CHECK_HAS(out, "The operating system (OS-TLS12-CAPABLE, FAIL)");
	free(out);
	free(err);
	/* A host failing on suites: the one sentence and the list in effect. */
	rc = tu_run_in_samples(&out, &err, "explain", "--db", path_in(out1, "audit.db"),
	                       "sui-2019-sha1-policy", NULL);
	CHECK_INT(rc, 0);
	CHECK_HAS(out,
	          "TLS 1.2 cipher suites (SCHANNEL-CIPHER-SUITES, FAIL):\n  The Group Policy "
	          "list leaves only TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, "
	          "TLS_RSA_WITH_AES_128_CBC_SHA, which Azure's current policy (azure-2023) does "
	          "not accept, nor its compatibility policy (azure-2022).");
	CHECK_HAS(out, "In effect, from the Group Policy list, in order (2; ");
	CHECK_HAS(out, "     1.   TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA\n     2.   "
	               "TLS_RSA_WITH_AES_128_CBC_SHA\n");
	CHECK_LACKS(out, "reg fragment");
	free(out);
	free(err);
	rc = tu_run_in_samples(&out, &err, "explain", "--db", path_in(out1, "audit.db"),
	                       "no-such-host", NULL);
	CHECK_INT(rc, 2);
	CHECK_HAS(err, "no host 'no-such-host'");
	free(out);
	free(err);
}

static void test_remediate(void)
{
	char *out = NULL, *err = NULL, *reg;
	char dir[4096];
	int rc;

	free(first_scan());
	/* A copy: path_in() reuses a few buffers. */
	snprintf(dir, sizeof dir, "%s", path_in(tmp, "reg"));

	rc = tu_run_in_samples(&out, &err, "remediate", "--db", path_in(out1, "audit.db"), "--out",
	                       dir, "mis-schannel-absent", NULL);
	CHECK_INT(rc, 0);
	free(out);
	free(err);
	reg = tu_read(path_in(dir, "mis-schannel-absent.reg"), NULL);
	CHECK_HAS(reg, "Windows Registry Editor Version 5.00\r\n");
	CHECK_HAS(reg,
	          "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\"
	          "SCHANNEL\\Protocols\\TLS 1.2\\Client]\r\n\"Enabled\"=dword:00000001");
	/* Only what fails: nothing about .NET or WinHTTP here. */
	CHECK_LACKS(reg, ".NETFramework");
	CHECK_LACKS(reg, "WinHttp");
	free(reg);

	/* UNKNOWN findings never produce changes. */
	rc = tu_run_in_samples(&out, &err, "remediate", "--db", path_in(out1, "audit.db"), "--out",
	                       dir, "mis-schannel-wrongtype", NULL);
	CHECK_INT(rc, 0);
	free(out);
	free(err);
	reg = tu_read(path_in(dir, "mis-schannel-wrongtype.reg"), NULL);
	CHECK_LACKS(reg, "TLS 1.2\\Client");
	free(reg);

	/* Suites: the fix goes where the damage is. */
	rc = tu_run_in_samples(&out, &err, "remediate", "--db", path_in(out1, "audit.db"), "--out",
	                       dir, "sui-2012r2-gcm-policy", NULL);
	CHECK_INT(rc, 0);
	free(out);
	free(err);
	rc = tu_run_in_samples(&out, &err, "remediate", "--db", path_in(out1, "audit.db"), "--out",
	                       dir, "sui-2022-aes-off", NULL);
	CHECK_INT(rc, 0);
	free(out);
	free(err);
	reg = tu_read(path_in(dir, "sui-2012r2-gcm-policy.reg"), NULL);
	CHECK_HAS(reg, "; A policy change takes effect after a reboot;");
	CHECK_HAS(reg,
	          "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Cryptography\\"
	          "Configuration\\SSL\\00010002]\r\n\"Functions\"=\"TLS_ECDHE_RSA_WITH_AES_256_CBC_"
	          "SHA384_P256,");
	CHECK_LACKS(reg, "SecurityProviders");
	free(reg);
	/* A WARN from damage (ECDH off: Azure's older policy only) is fixed too. */
	rc = tu_run_in_samples(&out, &err, "remediate", "--db", path_in(out1, "audit.db"), "--out",
	                       dir, "sui-2016-ecdh-off", NULL);
	CHECK_INT(rc, 0);
	free(out);
	free(err);
	reg = tu_read(path_in(dir, "sui-2016-ecdh-off.reg"), NULL);
	CHECK_HAS(reg, "SCHANNEL\\KeyExchangeAlgorithms\\ECDH]\r\n\"Enabled\"=dword:ffffffff\r\n");
	free(reg);
	reg = tu_read(path_in(dir, "sui-2022-aes-off.reg"), NULL);
	CHECK_HAS(reg,
	          "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\"
	          "SCHANNEL\\Ciphers\\AES 256/256]\r\n\"Enabled\"=dword:ffffffff\r\n");
	CHECK_LACKS(reg, "00010002");
	free(reg);

	rc = tu_run_in_samples(&out, &err, "remediate", "--db", path_in(out1, "audit.db"), "--out",
	                       dir, "--all", NULL);
	CHECK_INT(rc, 0);
	CHECK_HAS(out, "mis-netfx-wow-missing.reg");
	free(out);
	free(err);
	reg = tu_read(path_in(dir, "mis-netfx-wow-missing.reg"), NULL);
	CHECK_HAS(reg, "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Wow6432Node\\Microsoft\\.NETFramework\\v4.0."
	               "30319]");
	CHECK_LACKS(reg, "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\.NETFramework");
	free(reg);
}

static void test_json(void)
{
	char *out = NULL, *err = NULL, *text, *line, *save = NULL;
	int rc, lines = 0, bad = 0;

	free(first_scan());
	rc = tu_run_in_samples(&out, &err, "report", "--db", path_in(out1, "audit.db"), "--run",
	                       "1", "--out", path_in(tmp, "json"), "--format", "json", NULL);
	CHECK_INT(rc, 0);
	free(out);
	free(err);
	text = tu_read(path_in(path_in(tmp, "json"), "findings.jsonl"), NULL);
	CHECK(text != NULL);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_error_t je;
		json_t *o = json_loads(line, 0, &je);

		lines++;
		if (!o || !json_is_string(json_object_get(o, "rule_id")) ||
		    !json_is_array(json_object_get(o, "evidence")))
			bad++;
		json_decref(o);
	}
	CHECK_INT(lines, 52 * 22);
	CHECK_INT(bad, 0);
	free(text);
}

static void test_rules_verb(void)
{
	char *out = NULL, *err = NULL, rulefile[4096];
	int rc = tu_run_in_samples(&out, &err, "rules", NULL);

	CHECK_INT(rc, 0);
	CHECK_HAS(out, "OS-TLS12-CAPABLE");
	CHECK_HAS(out, "NETFX-TLS12-WOW64");
	CHECK_HAS(out, "BACKUP-AGENT");
	free(out);
	free(err);

	snprintf(rulefile, sizeof rulefile, "%s/bad.yaml", tmp);
	tu_write(rulefile, "hiveaudit-rules: 1\nrules:\n  - id: X\n    titel: typo\n", 52);
	rc = tu_run_in_samples(&out, &err, "rules", "--check", rulefile, NULL);
	CHECK_INT(rc, 2);
	CHECK_HAS(err, "bad.yaml:4:5: unknown field 'titel'");
	free(out);
	free(err);
	rc = tu_run_in_samples(&out, &err, "scan", "--rules", rulefile, "fleet", NULL);
	CHECK_INT(rc, 2);
	free(out);
	free(err);
}

static void test_usage_errors(void)
{
	char *out = NULL, *err = NULL;
	int rc;

	rc = tu_run_in_samples(&out, &err, "scan", NULL);
	CHECK_INT(rc, 2);
	CHECK_HAS(err, "no PATH given");
	free(out);
	free(err);
	rc = tu_run_in_samples(&out, &err, "scan", "--bogus", "fleet", NULL);
	CHECK_INT(rc, 2);
	free(out);
	free(err);
	rc = tu_run_in_samples(&out, &err, "scan", "--out", path_in(tmp, "x"), "no/such/folder",
	                       NULL);
	CHECK_INT(rc, 2);
	CHECK_HAS(err, "no/such/folder");
	free(out);
	free(err);
	/* An output folder that cannot be created: the run cannot complete. */
	rc = tu_run_in_samples(&out, &err, "scan", "--out", "/dev/null/out", "fleet/srv2012", NULL);
	CHECK_INT(rc, 3);
	CHECK_HAS(err, "hiveaudit scan: ");
	free(out);
	free(err);
	rc = tu_run_in_samples(&out, &err, "frobnicate", NULL);
	CHECK_INT(rc, 2);
	free(out);
	free(err);
	rc = tu_run_in_samples(&out, &err, "scan", "--help", NULL);
	CHECK_INT(rc, 0);
	CHECK_HAS(out, "usage: hiveaudit scan");
	free(out);
	free(err);
}

int main(int argc, char **argv)
{
	static const struct check_case cases[] = {
	        CHECK_CASE(test_scan_matches_expected),
	        CHECK_CASE(test_csv_golden),
	        CHECK_CASE(test_store_contents),
	        CHECK_CASE(test_rescan_reuses_and_reports_match),
	        CHECK_CASE(test_explain),
	        CHECK_CASE(test_remediate),
	        CHECK_CASE(test_json),
	        CHECK_CASE(test_rules_verb),
	        CHECK_CASE(test_usage_errors),
	};
	int rc;

	tmp = tu_tempdir("e2e");
	if (!tmp)
		return 1;
	rc = check_run(cases, sizeof cases / sizeof cases[0], argc, argv);
	if (!rc)
		tu_rmtree(tmp);
	free(tmp);
	return rc;
}
