/* test_report.c: unit tests of the reports written from a store: the
 * exact bytes of findings.csv and hosts.csv (quoting, CRLF, formula
 * defusal), JSON Lines that parse (even from invalid UTF-8), .reg
 * remediation (only what fails), the narrative's order in text and HTML,
 * and atomic output files that never leave a partial file behind. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "check.h"
#include "ha_report.h"
#include "testutil.h"

static char *tmp;

static char *path_in(const char *name)
{
	static char p[8][4096];
	static int k;

	k = (k + 1) % 8;
	snprintf(p[k], sizeof p[k], "%s/%s", tmp, name);
	return p[k];
}

/* Entries of the test folder whose name contains `part`. */
static int count_named(const char *dir, const char *part)
{
	char *cmd = ha_asprintf("ls -a '%s' | grep -c -- '%s'", dir, part), *out = NULL;
	char *argv[] = {"/bin/sh", "-c", cmd, NULL};
	int n;

	tu_run(argv, NULL, &out, NULL);
	n = out ? (int)strtol(out, NULL, 10) : -1;
	free(out);
	free(cmd);
	return n;
}

/* --------------------------------------------------------- a tiny store */

struct host_def {
	const char *label, *dir, *computer_name;
	int verdict;
	const char *verdict_reason;
	size_t n;
	struct ha_finding *v;
};

static void put_host(struct ha_store *st, int64_t run, const struct host_def *d, int64_t *host_id)
{
	struct ha_snapshot s;
	struct ha_facts f;
	struct ha_findings fs;
	struct ha_hivefile *hf;
	struct ha_err err;
	int r;

	ha_snapshot_init(&s);
	s.label = ha_strdup(d->label);
	s.dir = ha_strdup(d->dir);
	for (r = 0; r < HA_NROLES; r++) {
		hf = ha_snapshot_add_file(&s);
		hf->path = ha_asprintf("%s/%s", d->dir, ha_role_name(r));
		hf->kind = r == HA_SYSTEM ? HA_FK_SYSTEM : HA_FK_SOFTWARE;
		hf->role = r;
		hf->status = HA_HS_OK;
		hf->reason = ha_strdup("ok");
		s.role[r].file = s.role[r].cand = r;
		s.role[r].status = HA_HS_OK;
	}
	s.ccs = 1;
	s.ccs_source = ha_strdup("Select\\Current = 1");
	memset(&f, 0, sizeof f);
	f.computer_name = (char *)d->computer_name;
	f.hostname = "web01";
	f.product_name = "Windows Server 2008 R2 Enterprise";
	f.edition = "ServerEnterprise";
	f.installation_type = "Server";
	f.product_type_raw = "ServerNT";
	f.nt_major = 6;
	f.nt_minor = 1;
	f.build = 7601;
	f.ubr = -1;
	f.sp = 1;
	f.os_known = 1;
	f.product = HA_PRODUCT_SERVER;
	f.arch = HA_ARCH_X64;
	f.os_family = "Windows Server 2008 R2 SP1";
	fs.n = d->n;
	fs.v = d->v;
	fs.verdict = d->verdict;
	fs.verdict_reason = (char *)d->verdict_reason;
	CHECK_INT(ha_store_begin(st, &err), HA_OK);
	CHECK_INT(ha_store_put_host(st, run, &s, &f, &fs, 0, host_id, &err), HA_OK);
	CHECK_INT(ha_store_commit(st, &err), HA_OK);
	ha_snapshot_free(&s);
}

static struct ha_store *open_store(const char *name, const struct ha_store_rule *rules, size_t n,
                                   int64_t *run)
{
	struct ha_store *st = NULL;
	struct ha_run_meta m = {"0.1.0", "2026-01-01T00:00:00Z", "r", "q",
	                        "fleet", "hiveaudit scan",       1};
	struct ha_err err;

	CHECK_INT(ha_store_open(path_in(name), HA_STORE_CREATE, &st, &err), HA_OK);
	if (!st)
		return NULL;
	CHECK_INT(ha_store_run_begin(st, &m, run, &err), HA_OK);
	CHECK_INT(ha_store_put_rules(st, *run, rules, n, &err), HA_OK);
	return st;
}

/* ------------------------------------------------------------------ CSV */

static struct ha_evidence csv_ev[] = {
        {HA_SYSTEM, "fleet/WEB01/SYSTEM", "aaaa", "ControlSet001 (Select\\Current = 1)", "Select",
         "Current", "REG_DWORD", "0x00000001 (1)", "", NULL},
};

static struct ha_finding csv_findings[] = {
        {"R1", HA_FAIL, "critical", "Title \"q\"", "os", "=1+1", "+2", "-3", 1, csv_ev},
        {"R2", HA_WARN, "low", "Second", "info", "@x", "\tx", "\ry\r\nz", 0, NULL},
};

static const struct ha_store_rule csv_rules[] = {
        {"R1", "Title \"q\"", "critical", "os", NULL, NULL, NULL, NULL, NULL, 1},
        {"R2", "Second", "low", "info", NULL, NULL, NULL, NULL, NULL, 0},
};

static void test_csv_exact_bytes(void)
{
	static const char want_findings[] =
	        "\"host\",\"computer_name\",\"rule_id\",\"status\",\"severity\",\"title\","
	        "\"observed\",\"expected\",\"reason\",\"evidence\",\"hive_files\",\"hive_sha256\","
	        "\"host_dir\",\"waived\",\"waiver_reason\",\"waiver_expires\"\r\n"
	        "\"WEB01\",\"'+WEB01\",\"R1\",\"FAIL\",\"critical\",\"Title \"\"q\"\"\",\"'=1+1\","
	        "\"'+2\",\"'-3\",\"SYSTEM Select\\Current: REG_DWORD 0x00000001 (1)\","
	        "\"fleet/WEB01/SYSTEM\",\"aaaa\",\"fleet/WEB01\",\"\",\"\",\"\"\r\n"
	        "\"WEB01\",\"'+WEB01\",\"R2\",\"WARN\",\"low\",\"Second\",\"'@x\",\"'\tx\","
	        "\"'\ry\r\nz\",\"\",\"\",\"\",\"fleet/WEB01\",\"\",\"\",\"\"\r\n";
	static const char want_hosts[] =
	        "\"host\",\"computer_name\",\"verdict\",\"verdict_reason\",\"os_family\","
	        "\"product_name\",\"nt_version\",\"build\",\"ubr\",\"service_pack\",\"product\","
	        "\"product_type\",\"architecture\",\"edition\",\"installation_type\",\"hostname\","
	        "\"domain\",\"control_set\",\"control_set_source\",\"system_hive\","
	        "\"software_hive\",\"pass\",\"fail\",\"warn\",\"not_applicable\",\"unknown\","
	        "\"host_dir\",\"note\",\"tls12_suites_offered\",\"tls12_suites_azure\"\r\n"
	        "\"WEB01\",\"'+WEB01\",\"not_ready\",\"R1 fails\",\"Windows Server 2008 R2 SP1\","
	        "\"Windows Server 2008 R2 Enterprise\",\"6.1\",\"7601\",\"\",\"1\",\"server\","
	        "\"ServerNT\",\"x64\",\"ServerEnterprise\",\"Server\",\"web01\",\"\",\"1\","
	        "\"Select\\Current = 1\",\"ok\",\"ok\",\"0\",\"1\",\"1\",\"0\",\"0\","
	        "\"fleet/WEB01\",\"\",\"\",\"\"\r\n";
	struct host_def h = {"WEB01", "fleet/WEB01", "+WEB01", HA_NOT_READY, "R1 fails",
	                     2,       csv_findings};
	struct ha_store *st;
	struct ha_err err;
	int64_t run = 0, host = 0;
	char *text;
	size_t n = 0;

	st = open_store("csv.db", csv_rules, 2, &run);
	if (!st)
		return;
	put_host(st, run, &h, &host);
	CHECK_INT(ha_report_findings_csv(st, run, path_in("findings.csv"), &err), HA_OK);
	CHECK_INT(ha_report_hosts_csv(st, run, path_in("hosts.csv"), &err), HA_OK);
	text = tu_read(path_in("findings.csv"), &n);
	CHECK(text && n == sizeof want_findings - 1 && memcmp(text, want_findings, n) == 0);
	if (text && strcmp(text, want_findings) != 0)
		fprintf(stderr, "findings.csv:\n%s\n", text);
	free(text);
	text = tu_read(path_in("hosts.csv"), &n);
	CHECK(text && n == sizeof want_hosts - 1 && memcmp(text, want_hosts, n) == 0);
	if (text && strcmp(text, want_hosts) != 0)
		fprintf(stderr, "hosts.csv:\n%s\n", text);
	free(text);

	/* A run with no hosts: the header alone. */
	CHECK_INT(ha_report_findings_csv(st, run + 1, path_in("empty.csv"), &err), HA_OK);
	text = tu_read(path_in("empty.csv"), &n);
	CHECK(text && n == (size_t)(strchr(want_findings, '\n') - want_findings + 1));
	free(text);
	/* No temporary files are left beside the reports. */
	CHECK_INT(count_named(tmp, ".tmp-"), 0);
	ha_store_close(st);
}

/* Many hostile rows: every one parses back to what was stored. */
static void test_csv_parses_back(void)
{
	static const char *const cells[] = {
	        "=cmd|' /C calc'!A0",
	        "+1",
	        "-1",
	        "@x",
	        "\tx",
	        "\rx",
	        "\"",
	        "\"\"",
	        ",",
	        "\r\n",
	        "a\nb",
	        "'",
	        "plain",
	        "",
	        "caf\xC3\xA9",
	        "=\xFF",
	};
	enum { N = sizeof cells / sizeof cells[0] };
	struct ha_finding fv[N];
	struct ha_store_rule rv[N];
	char ids[N][8];
	struct host_def h = {"H", "fleet/H", "=H", HA_NOT_READY, "=x", N, fv};
	struct ha_store *st;
	struct ha_err err;
	struct tu_csv csv;
	int64_t run = 0, host = 0;
	char *text;
	size_t i;
	int col;

	memset(fv, 0, sizeof fv);
	memset(rv, 0, sizeof rv);
	for (i = 0; i < N; i++) {
		snprintf(ids[i], sizeof ids[i], "R%02zu", i);
		fv[i].rule_id = ids[i];
		fv[i].status = HA_FAIL;
		fv[i].severity = "low";
		fv[i].title = (char *)cells[i];
		fv[i].category = "os";
		fv[i].observed = (char *)cells[i];
		rv[i].id = ids[i];
		rv[i].title = cells[i];
		rv[i].severity = "low";
		rv[i].category = "os";
	}
	st = open_store("parse.db", rv, N, &run);
	if (!st)
		return;
	put_host(st, run, &h, &host);
	CHECK_INT(ha_report_findings_csv(st, run, path_in("parse.csv"), &err), HA_OK);
	ha_store_close(st);
	text = tu_read(path_in("parse.csv"), NULL);
	CHECK_INT(tu_csv_parse(text ? text : "", &csv), 0);
	free(text);
	CHECK_INT(csv.nrows, N + 1);
	col = tu_csv_col(&csv, "observed");
	CHECK_INT(col, 6);
	for (i = 0; i < N && i + 1 < csv.nrows && col >= 0; i++) {
		const char *got = csv.rows[i + 1][col], *c = cells[i];
		char want[64];

		CHECK_INT(csv.nfields[i + 1], 16);
		/* What a spreadsheet would see: defused, invalid UTF-8 shown. */
		if (!strcmp(c, "=\xFF"))
			c = "=\\xFF";
		snprintf(want, sizeof want, "%s%s", strchr("=+-@\t\r", c[0]) && c[0] ? "'" : "", c);
		if (strcmp(got, want) != 0)
			check_fail(__FILE__, __LINE__, "cell %zu: got \"%s\", want \"%s\"", i, got,
			           want);
		CHECK_STR(csv.rows[i + 1][1], "'=H");
	}
	tu_csv_free(&csv);
}

/* ---------------------------------------------------------------- JSONL */

static struct ha_evidence json_ev[] = {
        {HA_SOFTWARE,
         "fleet/WEB\xFF"
         "01/SOFTWARE",
         "bbbb", NULL, "Microsoft\\\x01\x1B[2J", "", "REG_SZ", "\"caf\xC3\xA9\" \xC3\x28",
         "2024-01-01T00:00:00Z", "n\"o\\te"},
        {-1, NULL, NULL, NULL, "(host facts)", NULL, "absent", NULL, NULL, NULL},
};

static struct ha_finding json_findings[] = {
        {"R1", HA_FAIL, "critical", "T\xFF", "os", "o", "e", "r\n\"x\"", 2, json_ev},
        {"R2", HA_PASS, "low", "T2", "info", NULL, NULL, NULL, 0, NULL},
};

static void test_jsonl(void)
{
	struct host_def h = {"WEB\xFF"
	                     "01",
	                     "fleet/WEB\xFF"
	                     "01",
	                     "WEB01",
	                     HA_NOT_READY,
	                     "x",
	                     2,
	                     json_findings};
	struct ha_store *st;
	struct ha_err err;
	int64_t run = 0, host = 0;
	char *text, *line, *save = NULL;
	int lines = 0;

	st = open_store("json.db", csv_rules, 2, &run);
	if (!st)
		return;
	put_host(st, run, &h, &host);
	CHECK_INT(ha_report_jsonl(st, run, path_in("findings.jsonl"), &err), HA_OK);
	ha_store_close(st);
	text = tu_read(path_in("findings.jsonl"), NULL);
	CHECK(text != NULL);
	if (!text)
		return;
	/* Pure ASCII (non-ASCII is escaped), one object per line. */
	{
		const unsigned char *p;

		for (p = (const unsigned char *)text; *p; p++)
			if (*p >= 0x80 || (*p < 0x20 && *p != '\n'))
				break;
		CHECK(*p == '\0');
		CHECK(text[strlen(text) - 1] == '\n');
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_error_t je;
		json_t *o = json_loads(line, JSON_REJECT_DUPLICATES, &je), *ev, *e0;

		lines++;
		CHECK(o != NULL);
		if (!o) {
			fprintf(stderr, "line %d: %s\n", lines, je.text);
			continue;
		}
		CHECK_INT(json_integer_value(json_object_get(o, "run_id")), run);
		CHECK_STR(json_string_value(json_object_get(o, "as_of")), "2026-01-01T00:00:00Z");
		CHECK_STR(json_string_value(json_object_get(o, "host")), "WEB\\xFF01");
		CHECK_STR(json_string_value(json_object_get(o, "host_dir")), "fleet/WEB\\xFF01");
		CHECK_STR(json_string_value(json_object_get(o, "computer_name")), "WEB01");
		ev = json_object_get(o, "evidence");
		CHECK(json_is_array(ev));
		if (lines == 1) {
			CHECK_STR(json_string_value(json_object_get(o, "rule_id")), "R1");
			CHECK_STR(json_string_value(json_object_get(o, "status")), "FAIL");
			CHECK_STR(json_string_value(json_object_get(o, "title")), "T\\xFF");
			CHECK_STR(json_string_value(json_object_get(o, "reason")), "r\n\"x\"");
			CHECK_INT(json_array_size(ev), 2);
			e0 = json_array_get(ev, 0);
			CHECK_STR(json_string_value(json_object_get(e0, "hive")), "SOFTWARE");
			CHECK_STR(json_string_value(json_object_get(e0, "hive_file")),
			          "fleet/WEB\\xFF01/SOFTWARE");
			CHECK_STR(json_string_value(json_object_get(e0, "key")),
			          "Microsoft\\\x01\x1B[2J");
			CHECK_STR(json_string_value(json_object_get(e0, "value")), "");
			CHECK_STR(json_string_value(json_object_get(e0, "data")),
			          "\"caf\xC3\xA9\" \\xC3(");
			CHECK_STR(json_string_value(json_object_get(e0, "note")), "n\"o\\te");
			CHECK_STR(json_string_value(json_object_get(e0, "key_last_write")),
			          "2024-01-01T00:00:00Z");
			/* Key-level evidence has no "value" member. */
			CHECK(json_object_get(json_array_get(ev, 1), "value") == NULL);
			e0 = json_array_get(ev, 1);
			CHECK_STR(json_string_value(json_object_get(e0, "hive")), "");
		} else {
			CHECK_STR(json_string_value(json_object_get(o, "rule_id")), "R2");
			CHECK_STR(json_string_value(json_object_get(o, "observed")), "");
			CHECK_INT(json_array_size(ev), 0);
		}
		json_decref(o);
	}
	CHECK_INT(lines, 2);
	free(text);
}

/* ---------------------------------------------------------- remediation */

#define REG_SCH                                                                                    \
	"[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\SCHANNEL\\TLS 1.2]\n"            \
	"\"Enabled\"=dword:00000001\n"
#define REG_NET                                                                                    \
	"[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\.NETFramework\\v4.0.30319]\r\n"                 \
	"\"SchUseStrongCrypto\"=dword:00000001"

static const struct ha_store_rule rem_rules[] = {
        {"OS", "OS can run TLS 1.2", "critical", "os", NULL, NULL, "Upgrade the operating system.",
         "", NULL, 1},
        {"SCH", "SChannel", "critical", "schannel", NULL, NULL, "Enable TLS 1.2.", REG_SCH, NULL,
         1},
        {"NET", ".NET", "high", "netfx", NULL, NULL, "Set strong crypto.", REG_NET, NULL, 1},
        {"LEGACY", "Legacy protocols", "info", "info", NULL, NULL, "Disable TLS 1.0.",
         "[HKEY_LOCAL_MACHINE\\LEGACY]\n", NULL, 0},
        {"NA", "Not here", "high", "update", NULL, NULL, "n/a",
         "[HKEY_LOCAL_MACHINE\\NOT_APPLICABLE]\n", NULL, 1},
        {"UNK", "Unknown", "high", "update", NULL, NULL, "u", "[HKEY_LOCAL_MACHINE\\UNKNOWN]\n",
         NULL, 1},
        {"PASSING", "Passing", "high", "update", NULL, NULL, "p", "[HKEY_LOCAL_MACHINE\\PASSING]\n",
         NULL, 1},
        {"MULTI", "Title\r\n[HKEY_LOCAL_MACHINE\\INJECTED]", "high", "roots", NULL, NULL,
         "Line one.\n[HKEY_LOCAL_MACHINE\\ALSO_INJECTED]\r\n\"x\"=dword:1", "", NULL, 1},
        {"TITLED", "Line\n[HKEY_LOCAL_MACHINE\\INJECTED]", "high", "roots", NULL, NULL, "t",
         "[HKEY_LOCAL_MACHINE\\TITLED]\n", NULL, 1},
};

static struct ha_finding rem_all[] = {
        {"OS", HA_FAIL, "critical", "OS can run TLS 1.2", "os", NULL, NULL, NULL, 0, NULL},
        {"SCH", HA_FAIL, "critical", "SChannel", "schannel", NULL, NULL, NULL, 0, NULL},
        {"NET", HA_FAIL, "high", ".NET", "netfx", NULL, NULL, NULL, 0, NULL},
        {"LEGACY", HA_WARN, "info", "Legacy protocols", "info", NULL, NULL, NULL, 0, NULL},
        {"NA", HA_NOT_APPLICABLE, "high", "Not here", "update", NULL, NULL, NULL, 0, NULL},
        {"UNK", HA_UNKNOWN, "high", "Unknown", "update", NULL, NULL, NULL, 0, NULL},
        {"PASSING", HA_PASS, "high", "Passing", "update", NULL, NULL, NULL, 0, NULL},
        {"MULTI", HA_FAIL, "high", "Title\r\n[HKEY_LOCAL_MACHINE\\INJECTED]", "roots", NULL, NULL,
         NULL, 0, NULL},
        {"TITLED", HA_FAIL, "high", "Line\n[HKEY_LOCAL_MACHINE\\INJECTED]", "roots", NULL, NULL,
         NULL, 0, NULL},
};

static struct ha_finding rem_nothing[] = {
        {"LEGACY", HA_WARN, "info", "Legacy protocols", "info", NULL, NULL, NULL, 0, NULL},
        {"NA", HA_NOT_APPLICABLE, "high", "Not here", "update", NULL, NULL, NULL, 0, NULL},
        {"UNK", HA_UNKNOWN, "high", "Unknown", "update", NULL, NULL, NULL, 0, NULL},
        {"PASSING", HA_PASS, "high", "Passing", "update", NULL, NULL, NULL, 0, NULL},
};

/* Every line of a .reg file ends with CRLF. */
static void check_crlf(const char *reg)
{
	const char *p = reg;

	while (*p) {
		const char *e = strchr(p, '\n');

		if (!e) {
			check_fail(__FILE__, __LINE__, "last line has no CRLF: \"%s\"", p);
			return;
		}
		if (e == p || e[-1] != '\r')
			check_fail(__FILE__, __LINE__, "a line ends with a bare LF");
		p = e + 1;
	}
}

static void test_remediation(void)
{
	struct host_def all = {"ALL", "fleet/ALL", "ALL", HA_NOT_READY, "x", 9, rem_all};
	struct host_def none = {"NONE", "fleet/NONE", "NONE", HA_READY, "x", 4, rem_nothing};
	struct ha_store *st;
	struct ha_err err;
	struct ha_buf b;
	int64_t run = 0, h1 = 0, h2 = 0;
	const char *reg, *p;

	st = open_store("rem.db", rem_rules, 9, &run);
	if (!st)
		return;
	put_host(st, run, &all, &h1);
	put_host(st, run, &none, &h2);

	ha_buf_init(&b, 0);
	CHECK_INT(ha_report_remediation(st, run, h1, &b, &err), HA_OK);
	reg = ha_buf_cstr(&b);
	CHECK(strncmp(reg, "Windows Registry Editor Version 5.00\r\n\r\n", 40) == 0);
	/* FAIL with a fragment: applied, in CRLF, in rule order. */
	CHECK_HAS(reg, "\r\n; SCH: SChannel\r\n[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet"
	               "\\Control\\SCHANNEL\\TLS 1.2]\r\n\"Enabled\"=dword:00000001\r\n");
	CHECK_HAS(reg, "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\.NETFramework\\v4.0.30319]\r\n"
	               "\"SchUseStrongCrypto\"=dword:00000001\r\n");
	CHECK(strstr(reg, "; SCH:") < strstr(reg, "; NET:"));
	/* FAIL without a fragment: a manual step, as a comment. */
	CHECK_HAS(reg, "; OS (FAIL): Upgrade the operating system.\r\n");
	/* WARN: mentioned, never applied. */
	CHECK_HAS(reg, "; LEGACY (WARN, not applied): Disable TLS 1.0.\r\n");
	CHECK_LACKS(reg, "\r\n[HKEY_LOCAL_MACHINE\\LEGACY]");
	/* Never NOT_APPLICABLE, UNKNOWN or PASS. */
	CHECK_LACKS(reg, "NOT_APPLICABLE]");
	CHECK_LACKS(reg, "\\UNKNOWN]");
	CHECK_LACKS(reg, "PASSING");
	CHECK_LACKS(reg, "Not here");
	/* Multi-line text stays inside comments. */
	CHECK_HAS(reg, "; MULTI (FAIL): Line one.\r\n");
	CHECK_LACKS(reg, "\n[HKEY_LOCAL_MACHINE\\ALSO_INJECTED]");
	CHECK_LACKS(reg, "\n\"x\"=dword:1");
	CHECK_LACKS(reg, "\n[HKEY_LOCAL_MACHINE\\INJECTED]");
	CHECK_HAS(reg, "\r\n; TITLED: Line");
	CHECK_HAS(reg, "\r\n[HKEY_LOCAL_MACHINE\\TITLED]\r\n");
	check_crlf(reg);
	/* The fragment's keys appear exactly once each. */
	p = strstr(reg, "SCHANNEL\\TLS 1.2]");
	CHECK(p && !strstr(p + 1, "SCHANNEL\\TLS 1.2]"));
	CHECK_INT(ha_buf_status(&b), HA_OK);

	/* Nothing to apply and no manual step: HA_ERR_NOTFOUND, output untouched. */
	ha_buf_truncate(&b, 0);
	CHECK_INT(ha_report_remediation(st, run, h2, &b, &err), HA_ERR_NOTFOUND);
	CHECK_INT(b.len, 0);
	CHECK_INT(ha_report_remediation(st, run, 9999, &b, &err), HA_ERR_NOTFOUND);
	CHECK_INT(b.len, 0);
	ha_buf_free(&b);
	ha_store_close(st);
}

/* Issue 12 item 13: a .reg file says what it was made from (host, folder,
 * computer name, run, hives and their SHA-256), and a hostile name cannot
 * end that comment line and be imported as registry data. */
static void test_remediation_provenance(void)
{
	struct host_def evil = {"WEB\r\n[HKEY_LOCAL_MACHINE\\EVIL]",
	                        "fleet/a\nb\x1b[2J",
	                        "CN\r\"v\"=dword:00000001",
	                        HA_NOT_READY,
	                        "x",
	                        9,
	                        rem_all};
	struct ha_store *st;
	struct ha_err err;
	struct ha_buf b;
	int64_t run = 0, h = 0;
	char want[256];
	const char *reg, *made;

	st = open_store("prov.db", rem_rules, 9, &run);
	if (!st)
		return;
	put_host(st, run, &evil, &h);
	ha_buf_init(&b, 0);
	CHECK_INT(ha_report_remediation(st, run, h, &b, &err), HA_OK);
	reg = ha_buf_cstr(&b);
	made = strstr(reg, ";\r\n; Made from:\r\n");
	CHECK(made != NULL);
	/* After the header comment, before the first change. */
	CHECK(made && made < strstr(reg, "\r\n["));
	CHECK_HAS(reg, "; Host:          WEB\\x0D\\x0A[HKEY_LOCAL_MACHINE\\EVIL]\r\n");
	CHECK_HAS(reg, "; Folder:        fleet/a\\x0Ab\\x1B[2J\r\n");
	CHECK_HAS(reg, "; Computer name: CN\\x0D\"v\"=dword:00000001\r\n");
	snprintf(want, sizeof want, "; Run:           %lld (running, started ", (long long)run);
	CHECK_HAS(reg, want);
	CHECK_HAS(reg, "; SYSTEM hive:   fleet/a\\x0Ab\\x1B[2J/SYSTEM [ok] sha256 unknown\r\n");
	CHECK_HAS(reg, "; SOFTWARE hive: fleet/a\\x0Ab\\x1B[2J/SOFTWARE [ok] sha256 unknown\r\n");
	/* Nothing of the names starts a line of its own. */
	CHECK_LACKS(reg, "\n[HKEY_LOCAL_MACHINE\\EVIL]");
	CHECK_LACKS(reg, "\n\"v\"=");
	CHECK_LACKS(reg, "\rb");
	CHECK(strchr(reg, '\033') == NULL);
	check_crlf(reg);
	ha_buf_free(&b);
	ha_store_close(st);
}

/* ------------------------------------------------------------ narrative */

static const struct ha_store_rule nar_rules[] = {
        {"ROOT", "Root", "high", "roots", NULL, NULL, NULL, NULL, NULL, 1},
        {"NET", "Net", "high", "netfx", NULL, NULL, NULL, NULL, NULL, 1},
        {"INTEG", "Integrity", "high", "integrity", NULL, NULL, NULL, NULL, NULL, 0},
        {"SCH", "SChannel", "high", "schannel", NULL, NULL, NULL, NULL, NULL, 1},
        {"UPD", "Update", "high", "update", NULL, NULL, NULL, NULL, NULL, 1},
        {"SCH-U", "SChannel 2", "high", "schannel", NULL, NULL, NULL, NULL, NULL, 1},
        {"INFO", "Info", "info", "info", NULL, NULL, NULL, NULL, NULL, 0},
        {"OS", "OS", "critical", "os", NULL, NULL, NULL, NULL, NULL, 1},
        {"WARNED", "Warned", "low", "roots", NULL, NULL, NULL, NULL, NULL, 1},
        {"OS2\x1B]0;x\x07", "Crafted", "low", "os", NULL, NULL, NULL, NULL, NULL, 1},
};

static struct ha_finding nar_findings[] = {
        {"ROOT", HA_FAIL, "high", "Root", "roots", NULL, NULL, "root <missing>", 0, NULL},
        {"NET", HA_FAIL, "high", "Net", "netfx", NULL, NULL, "net & \"old\"", 0, NULL},
        {"INTEG", HA_FAIL, "high", "Integrity", "integrity", NULL, NULL, "dirty hive", 0, NULL},
        {"SCH", HA_FAIL, "high", "SChannel", "schannel", NULL, NULL, "sch \x1B[31mred", 0, NULL},
        {"UPD", HA_FAIL, "high", "Update", "update", NULL, NULL, "kb missing", 0, NULL},
        {"SCH-U", HA_UNKNOWN, "high", "SChannel 2", "schannel", NULL, NULL, "wrong type", 0, NULL},
        {"INFO", HA_UNKNOWN, "info", "Info", "info", NULL, NULL, "info unknown", 0, NULL},
        {"OS", HA_FAIL, "critical", "OS", "os", NULL, NULL, "os <b>old</b>", 0, NULL},
        {"WARNED", HA_WARN, "low", "Warned", "roots", NULL, NULL, "only a warning", 0, NULL},
        /* A store is a file: a crafted one may hold any rule id. */
        {"OS2\x1B]0;x\x07", HA_FAIL, "low", "Crafted", "os", NULL, NULL, "crafted", 0, NULL},
};

static struct ha_finding nar_clean[] = {
        {"OS", HA_PASS, "critical", "OS", "os", NULL, NULL, "fine", 0, NULL},
        {"INFO", HA_UNKNOWN, "info", "Info", "info", NULL, NULL, "info unknown", 0, NULL},
        {"WARNED", HA_WARN, "low", "Warned", "roots", NULL, NULL, "only a warning", 0, NULL},
};

/* The needles appear in this order in the text. */
static void in_order(const char *text, const char *const *needles, size_t n)
{
	const char *at = text;
	size_t i;

	for (i = 0; i < n; i++) {
		const char *p = strstr(at, needles[i]);

		if (!p) {
			check_fail(__FILE__, __LINE__, "\"%s\" missing or out of order in:\n%s",
			           needles[i], text);
			return;
		}
		at = p + strlen(needles[i]);
	}
}

static void test_narrative(void)
{
	static const char *const text_order[] = {
	        "The operating system (OS, FAIL): os <b>old</b>",
	        "A required update (UPD, FAIL): kb missing",
	        "SChannel (SCH, FAIL): sch \\x1B[31mred",
	        ".NET Framework (NET, FAIL): net & \"old\"",
	        "Certificate trust (ROOT, FAIL): root <missing>",
	        "Stale or missing evidence (INTEG, FAIL): dirty hive",
	        "Undetermined (SCH-U, UNKNOWN): wrong type",
	};
	static const char *const html_order[] = {
	        "<li><b>The operating system</b> (OS, FAIL): os &lt;b&gt;old&lt;/b&gt;",
	        "<li><b>A required update</b> (UPD, FAIL): kb missing",
	        "<li><b>SChannel</b> (SCH, FAIL): sch \\x1B[31mred",
	        "<li><b>.NET Framework</b> (NET, FAIL): net &amp; &quot;old&quot;",
	        "<li><b>Certificate trust</b> (ROOT, FAIL): root &lt;missing&gt;",
	        "<li><b>Stale or missing evidence</b> (INTEG, FAIL): dirty hive",
	        "<li><b>Undetermined</b> (SCH-U, UNKNOWN): wrong type</li>",
	};
	struct host_def h = {"N", "fleet/N", "N", HA_NOT_READY, "x", 10, nar_findings};
	struct host_def c = {"C", "fleet/C", "C", HA_READY, "x", 3, nar_clean};
	struct ha_store *st;
	struct ha_err err;
	struct ha_buf b;
	int64_t run = 0, h1 = 0, h2 = 0;

	st = open_store("nar.db", nar_rules, 10, &run);
	if (!st)
		return;
	put_host(st, run, &h, &h1);
	put_host(st, run, &c, &h2);

	ha_buf_init(&b, 0);
	CHECK_INT(ha_report_narrative(st, run, h1, 0, &b, &err), HA_OK);
	in_order(ha_buf_cstr(&b), text_order, sizeof text_order / sizeof text_order[0]);
	/* The symptom follows each cause; WARN and informational rules are
	 * not causes; no raw escape reaches a terminal. */
	CHECK_HAS(ha_buf_cstr(&b), "error 10054");
	CHECK_LACKS(ha_buf_cstr(&b), "only a warning");
	CHECK_LACKS(ha_buf_cstr(&b), "info unknown");
	CHECK_LACKS(ha_buf_cstr(&b), "\x1B");
	CHECK_LACKS(ha_buf_cstr(&b), "\x07");
	CHECK_HAS(ha_buf_cstr(&b), "(OS2\\x1B]0;x\\x07, FAIL): crafted");
	CHECK_LACKS(ha_buf_cstr(&b), "Every prerequisite is met");

	ha_buf_truncate(&b, 0);
	CHECK_INT(ha_report_narrative(st, run, h1, 1, &b, &err), HA_OK);
	in_order(ha_buf_cstr(&b), html_order, sizeof html_order / sizeof html_order[0]);
	CHECK_LACKS(ha_buf_cstr(&b), "<b>old</b>");
	CHECK_LACKS(ha_buf_cstr(&b), "\x1B");
	CHECK_HAS(ha_buf_cstr(&b), "<i>");
	CHECK_HAS(ha_buf_cstr(&b), "&quot;An existing connection was forcibly closed");

	/* All met: one sentence, in both forms. */
	ha_buf_truncate(&b, 0);
	CHECK_INT(ha_report_narrative(st, run, h2, 0, &b, &err), HA_OK);
	CHECK_STR(ha_buf_cstr(&b), "  Every prerequisite is met: TLS 1.2 to Azure Backup should "
	                           "work on this host.\n");
	ha_buf_truncate(&b, 0);
	CHECK_INT(ha_report_narrative(st, run, h2, 1, &b, &err), HA_OK);
	CHECK_HAS(ha_buf_cstr(&b), "<li>Every prerequisite is met");
	ha_buf_free(&b);
	ha_store_close(st);
}

/* ------------------------------------------------------- atomic output */

static void test_out_missing_folder(void)
{
	struct ha_out o;
	struct ha_err err;
	struct ha_store *st;
	int64_t run = 0;

	CHECK_INT(ha_out_open(&o, path_in("no/such/dir/report.csv"), &err), HA_ERR_IO);
	CHECK_HAS(err.msg, "no/such/dir/report.csv");
	CHECK_HAS(err.msg, "No such file or directory");
	CHECK(strchr(err.msg, '\n') == NULL);
	CHECK_INT(o.a.fd, -1);
	CHECK(o.a.tmp == NULL && o.a.path == NULL);
	ha_out_abort(&o); /* harmless after a failed open */

	/* The same through the report writers. */
	st = open_store("out.db", csv_rules, 2, &run);
	if (!st)
		return;
	CHECK_INT(ha_report_findings_csv(st, run, path_in("nodir/findings.csv"), &err), HA_ERR_IO);
	CHECK(strchr(err.msg, '\n') == NULL);
	CHECK_INT(ha_report_hosts_csv(st, run, path_in("nodir/hosts.csv"), &err), HA_ERR_IO);
	CHECK_INT(ha_report_jsonl(st, run, path_in("nodir/findings.jsonl"), &err), HA_ERR_IO);
	CHECK_INT(count_named(tmp, "nodir"), 0);
	ha_store_close(st);
}

static void test_out_write_failure(void)
{
	struct ha_out o;
	struct ha_err err;
	struct ha_buf b;
	int full = open("/dev/full", O_WRONLY | O_CLOEXEC);
	char *old;

	if (full < 0) {
		check_skip("/dev/full is not available");
		return;
	}
	/* A previous good file must survive a failed rewrite. */
	CHECK_INT(tu_write(path_in("keep.csv"), "previous\r\n", 10), 0);
	CHECK_INT(ha_out_open(&o, path_in("keep.csv"), &err), HA_OK);
	CHECK_INT(count_named(tmp, "keep.csv.tmp"), 1);
	/* Every write now goes to a full disk. */
	CHECK(dup2(full, o.a.fd) == o.a.fd);
	ha_buf_init(&b, 0);
	ha_buf_puts(&b, "new contents\r\n");
	CHECK_INT(ha_out_write(&o, &b, &err), HA_ERR_IO);
	CHECK_INT(err.sys_errno, ENOSPC);
	CHECK_HAS(err.msg, "keep.csv");
	CHECK_INT(b.len, 0);
	/* Later writes and the commit fail too: nothing is presented. */
	ha_buf_puts(&b, "more");
	CHECK_INT(ha_out_write(&o, &b, &err), HA_ERR_IO);
	CHECK_INT(ha_out_commit(&o, &err), HA_ERR_IO);
	CHECK_INT(o.a.fd, -1);
	old = tu_read(path_in("keep.csv"), NULL);
	CHECK_STR(old, "previous\r\n");
	free(old);
	CHECK_INT(count_named(tmp, "keep.csv.tmp"), 0);

	/* A buffer that failed (too large) is not written at all. */
	CHECK_INT(ha_out_open(&o, path_in("big.csv"), &err), HA_OK);
	ha_buf_free(&b);
	ha_buf_init(&b, 4);
	ha_buf_puts(&b, "too long");
	CHECK(ha_out_write(&o, &b, &err) != HA_OK);
	CHECK(ha_out_commit(&o, &err) != HA_OK);
	CHECK(access(path_in("big.csv"), F_OK) != 0);
	CHECK_INT(count_named(tmp, "big.csv"), 0);

	/* An abort after good writes removes the temporary file. */
	CHECK_INT(ha_out_open(&o, path_in("aborted.csv"), &err), HA_OK);
	ha_buf_free(&b);
	ha_buf_init(&b, 0);
	ha_buf_puts(&b, "half");
	CHECK_INT(ha_out_write(&o, &b, &err), HA_OK);
	ha_out_abort(&o);
	CHECK_INT(count_named(tmp, "aborted.csv"), 0);

	/* And a good write, committed, replaces the file whole. */
	CHECK_INT(ha_out_open(&o, path_in("keep.csv"), &err), HA_OK);
	ha_buf_puts(&b, "fresh\r\n");
	CHECK_INT(ha_out_write(&o, &b, &err), HA_OK);
	CHECK_INT(ha_out_commit(&o, &err), HA_OK);
	old = tu_read(path_in("keep.csv"), NULL);
	CHECK_STR(old, "fresh\r\n");
	free(old);
	CHECK_INT(count_named(tmp, "keep.csv.tmp"), 0);
	ha_buf_free(&b);
	close(full);
}

/* A disk that fills up while a report is written: the file size limit
 * makes write() fail part-way, as ENOSPC would. */
static void test_report_write_failure(void)
{
	static struct ha_finding many[200];
	static struct ha_store_rule rules[200];
	static char ids[200][8];
	struct host_def h = {"BIG", "fleet/BIG", "BIG", HA_NOT_READY, "x", 200, many};
	struct ha_store *st;
	struct ha_err err;
	struct rlimit old, lim;
	void (*prev)(int);
	int64_t run = 0, host = 0;
	char *text;
	int rc1, rc2, rc3;
	size_t i;

	for (i = 0; i < 200; i++) {
		snprintf(ids[i], sizeof ids[i], "R%03zu", i);
		many[i].rule_id = ids[i];
		rules[i].id = ids[i];
		many[i].status = HA_FAIL;
		many[i].severity = (char *)(rules[i].severity = "high");
		many[i].title = (char *)(rules[i].title = "A title long enough to fill the file");
		many[i].category = (char *)(rules[i].category = "os");
		many[i].reason = "a reason that takes some room in every row of the report";
	}
	st = open_store("fill.db", rules, 200, &run);
	if (!st)
		return;
	put_host(st, run, &h, &host);
	CHECK_INT(tu_write(path_in("full.csv"), "previous\r\n", 10), 0);
	CHECK_INT(tu_write(path_in("full.jsonl"), "previous\n", 9), 0);

	if (getrlimit(RLIMIT_FSIZE, &old) != 0) {
		check_skip("no RLIMIT_FSIZE");
		ha_store_close(st);
		return;
	}
	prev = signal(SIGXFSZ, SIG_IGN);
	lim = old;
	lim.rlim_cur = 4096;
	CHECK_INT(setrlimit(RLIMIT_FSIZE, &lim), 0);
	rc1 = ha_report_findings_csv(st, run, path_in("full.csv"), &err);
	rc2 = ha_report_hosts_csv(st, run, path_in("hosts-ok.csv"), &err);
	rc3 = ha_report_jsonl(st, run, path_in("full.jsonl"), &err);
	setrlimit(RLIMIT_FSIZE, &old);
	signal(SIGXFSZ, prev);

	CHECK_INT(rc1, HA_ERR_IO);
	CHECK_INT(rc2, HA_OK); /* small enough */
	CHECK_INT(rc3, HA_ERR_IO);
	text = tu_read(path_in("full.csv"), NULL);
	CHECK_STR(text, "previous\r\n");
	free(text);
	text = tu_read(path_in("full.jsonl"), NULL);
	CHECK_STR(text, "previous\n");
	free(text);
	CHECK_INT(count_named(tmp, ".tmp-"), 0);
	ha_store_close(st);
}

int main(int argc, char **argv)
{
	static const struct check_case cases[] = {
	        CHECK_CASE(test_csv_exact_bytes),
	        CHECK_CASE(test_csv_parses_back),
	        CHECK_CASE(test_jsonl),
	        CHECK_CASE(test_remediation),
	        CHECK_CASE(test_remediation_provenance),
	        CHECK_CASE(test_narrative),
	        CHECK_CASE(test_out_missing_folder),
	        CHECK_CASE(test_out_write_failure),
	        CHECK_CASE(test_report_write_failure),
	};
	int rc;

	tmp = tu_tempdir("report");
	if (!tmp)
		return 1;
	rc = check_run(cases, sizeof cases / sizeof cases[0], argc, argv);
	if (!rc)
		tu_rmtree(tmp);
	free(tmp);
	return rc;
}
