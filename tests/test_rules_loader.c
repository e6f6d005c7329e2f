/* test_rules_loader.c: rule files.  One case per way a rule file can be
 * wrong, each checking that the message names file:line:column and what is
 * wrong; how --rules files add to and replace loaded rules; the 32-bit view
 * expansion; the requests the built-in pack makes; and the `rules` verb and
 * `scan --rules` through the built program.
 *
 * (Over 1,000 lines: one case per way a rule file can be wrong.)
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "check.h"
#include "ha_rules.h"
#include "testutil.h"

static char *tmp; /* the test's temporary folder */

/* The lines every rule of these cases starts with: a file whose check sits
 * on line 9, column 5. */
#define HEAD "hiveaudit-rules: 1\nrules:\n"
#define RULE(id)                                                                                   \
	"  - id: " id "\n"                                                                         \
	"    title: A custom rule\n"                                                               \
	"    severity: low\n"                                                                      \
	"    category: info\n"                                                                     \
	"    source: the team's hardening guide\n"                                                 \
	"    remediation: {summary: Fix it.}\n"
#define VALUE_CHECK                                                                                \
	"    check:\n"                                                                             \
	"      value: {path: 'HKLM\\SOFTWARE\\Contoso', name: Level, type: dword, test: {equals: " \
	"1}}\n"

static struct ha_ruleset *with_builtin(void)
{
	struct ha_ruleset *rs;
	struct ha_err err;

	if (ha_rules_new(&rs, &err) || ha_rules_load_builtin(rs, &err))
		abort();
	return rs;
}

/* Loads `text` as "t.yaml" on top of the built-in pack (or into an empty
 * ruleset); the error message, or NULL when it loaded.  malloc'd. */
static char *load_into(struct ha_ruleset *rs, const char *text)
{
	struct ha_err err;

	ha_err_clear(&err);
	if (ha_rules_load_buffer(rs, "t.yaml", text, strlen(text), HA_RULES_ADD, &err) == HA_OK)
		return NULL;
	if (err.code != HA_ERR_RULES)
		check_fail(__FILE__, __LINE__, "code %d for \"%s\"", err.code, err.msg);
	return ha_strdup(err.msg);
}

static void expect_error_at(const char *file, int line, const char *text, const char *want,
                            int builtin)
{
	struct ha_ruleset *rs;
	size_t before;
	char digest[65];
	char *msg;

	if (builtin) {
		rs = with_builtin();
	} else {
		struct ha_err err;

		if (ha_rules_new(&rs, &err))
			abort();
	}
	before = ha_rules_count(rs);
	snprintf(digest, sizeof digest, "%s", ha_rules_digest(rs));
	msg = load_into(rs, text);
	if (!msg)
		check_fail(file, line, "loaded, expected \"%s\"", want);
	else if (!strstr(msg, want))
		check_fail(file, line, "message \"%s\" lacks \"%s\"", msg, want);
	/* A failed load changes nothing. */
	if (ha_rules_count(rs) != before || strcmp(digest, ha_rules_digest(rs)) != 0)
		check_fail(file, line, "a failed load changed the ruleset");
	free(msg);
	ha_rules_free(rs);
}
#define EXPECT_ERROR(text, want)       expect_error_at(__FILE__, __LINE__, text, want, 1)
#define EXPECT_ERROR_ALONE(text, want) expect_error_at(__FILE__, __LINE__, text, want, 0)

static void expect_loads_at(const char *file, int line, const char *text)
{
	struct ha_ruleset *rs = with_builtin();
	char *msg = load_into(rs, text);

	if (msg)
		check_fail(file, line, "did not load: %s", msg);
	free(msg);
	ha_rules_free(rs);
}
#define EXPECT_LOADS(text) expect_loads_at(__FILE__, __LINE__, text)

/* -------------------------------------------------------- the file */

static void test_valid_file(void)
{
	struct ha_ruleset *rs = with_builtin();
	const struct ha_rule_info *r;
	char *msg;

	EXPECT_LOADS(HEAD RULE("CUSTOM-1") VALUE_CHECK);
	EXPECT_LOADS("hiveaudit-rules: 1\npack: contoso\nrules: []\n");
	/* What a listing shows of a rule: its fields, and where it applies in
	 * words when the rule does not describe it. */
	msg = load_into(
	        rs,
	        HEAD RULE("CUSTOM-1") "    applies: {nt_min: \"6.1\", product: server, "
	                              "any: [{build_max: 7600}, {sp_min: 1}]}\n" VALUE_CHECK RULE(
	                                      "CUSTOM-2") VALUE_CHECK);
	CHECK(msg == NULL);
	free(msg);
	r = ha_rules_info(rs, ha_rules_count(rs) - 2);
	CHECK_STR(r ? r->id : NULL, "CUSTOM-1");
	CHECK_STR(r ? r->applies : NULL,
	          "NT 6.1 and later, servers, one of: build 7600 and earlier; "
	          "service pack 1 or later");
	CHECK_STR(r ? r->title : NULL, "A custom rule");
	CHECK_STR(r ? r->severity : NULL, "low");
	CHECK_STR(r ? r->category : NULL, "info");
	CHECK_STR(r ? r->source : NULL, "the team's hardening guide");
	CHECK_STR(r ? r->remedy : NULL, "Fix it.");
	CHECK_STR(r ? r->reg : NULL, "");
	CHECK_INT(r ? r->decides : -1, 0);
	r = ha_rules_info(rs, ha_rules_count(rs) - 1);
	CHECK_STR(r ? r->applies : NULL, "all hosts");
	ha_rules_free(rs);
}

static void test_yaml_syntax(void)
{
	EXPECT_ERROR(
	        HEAD RULE("CUSTOM-1") "    check: {value: {path: 'x'\n",
	        "t.yaml:10:1: YAML syntax error: did not find expected ',' or '}' (while parsing a "
	        "flow mapping that starts at line 9, column 20)");
	EXPECT_ERROR(
	        HEAD "  - id: X\n   title: t\n",
	        "t.yaml:4:4: YAML syntax error: did not find expected '-' indicator (while parsing "
	        "a block collection that starts at line 3, column 3)");
	EXPECT_ERROR(HEAD "  - id: 'X\n",
	             "t.yaml:4:1: YAML syntax error: found unexpected end of "
	             "stream (while scanning a quoted scalar that starts at line "
	             "3, column 9)");
	EXPECT_ERROR(
	        "hiveaudit-rules: 1\nrules: []\ntitle: \xff\n",
	        "t.yaml:3:8: invalid leading UTF-8 octet (byte 0xFF); a rule file is UTF-8 text");
	EXPECT_ERROR(HEAD RULE("CUSTOM-1") VALUE_CHECK "---\n" HEAD,
	             "t.yaml:11:1: a second YAML document starts here; a rule file holds one");
}

static void test_header(void)
{
	EXPECT_ERROR("rules: []\n", "t.yaml:1:1: the file must start with 'hiveaudit-rules: 1'");
	EXPECT_ERROR("- a\n- b\n", "t.yaml:1:1: the file must start with 'hiveaudit-rules: 1'");
	EXPECT_ERROR("just some text\n",
	             "t.yaml:1:1: the file must start with 'hiveaudit-rules: 1'");
	EXPECT_ERROR("hiveaudit-rules: yes\nrules: []\n",
	             "t.yaml:1:18: the file must start with 'hiveaudit-rules: 1'");
	EXPECT_ERROR("hiveaudit-rules: 2\nrules: []\n",
	             "t.yaml:1:18: rule file version '2' is not supported");
	EXPECT_ERROR("", "t.yaml:1:1: the file is empty");
	EXPECT_ERROR("# only a comment\n", "t.yaml:1:1: the file is empty");
	EXPECT_ERROR("hiveaudit-rules: 1\n", "t.yaml:1:1: 'rules' must be a list");
	EXPECT_ERROR("hiveaudit-rules: 1\nrules: {a: b}\n", "t.yaml:2:8: 'rules' must be a list");
	EXPECT_ERROR("hiveaudit-rules: 1\nrules: []\nrulez: []\n",
	             "t.yaml:3:1: unknown field 'rulez'");
	EXPECT_ERROR("hiveaudit-rules: 1\npack: [a]\nrules: []\n",
	             "t.yaml:2:7: 'pack' must be text");
}

static void test_fields(void)
{
	/* Unknown field, and a field given twice. */
	EXPECT_ERROR(HEAD RULE("CUSTOM-1") "    titel: typo\n" VALUE_CHECK,
	             "t.yaml:9:5: unknown field 'titel'");
	EXPECT_ERROR(HEAD RULE("CUSTOM-1") "    title: again\n" VALUE_CHECK,
	             "t.yaml:9:5: field 'title' given twice");
	EXPECT_ERROR(HEAD RULE("CUSTOM-1") "    check:\n      value: {path: 'HKLM\\SOFTWARE\\X', "
	                                   "name: a, name: b}\n",
	             "t.yaml:10:49: field 'name' given twice");
	EXPECT_ERROR(HEAD RULE("CUSTOM-1") "    check:\n      value: {path: 'HKLM\\SOFTWARE\\X', "
	                                   "nam: a}\n",
	             "t.yaml:10:40: unknown field 'nam'");
	/* Missing required fields: the rule's position. */
	EXPECT_ERROR(HEAD "  - title: t\n    severity: low\n    category: info\n    source: s\n"
	                  "    remediation: {summary: s}\n" VALUE_CHECK,
	             "t.yaml:3:5: missing field 'id'");
	EXPECT_ERROR(HEAD "  - id: X\n    severity: low\n    category: info\n    source: s\n"
	                  "    remediation: {summary: s}\n" VALUE_CHECK,
	             "t.yaml:3:5: missing field 'title'");
	EXPECT_ERROR(HEAD RULE("CUSTOM-1"), "t.yaml:3:5: missing field 'check'");
	EXPECT_ERROR(HEAD "  - id: X\n    title: t\n    severity: low\n    category: info\n"
	                  "    source: s\n" VALUE_CHECK,
	             "t.yaml:3:5: missing field 'remediation'");
	EXPECT_ERROR(HEAD "  - id: X\n    title: t\n    severity: low\n    category: info\n"
	                  "    source: s\n    remediation: {reg: ''}\n" VALUE_CHECK,
	             "t.yaml:8:18: missing field 'summary'");
	EXPECT_ERROR(HEAD "  - id: X\n    title: t\n    category: info\n    source: s\n"
	                  "    remediation: {summary: s}\n" VALUE_CHECK,
	             "t.yaml:3:5: missing field 'severity'");
	EXPECT_ERROR(HEAD RULE("CUSTOM-1") "    check:\n      value: {name: a}\n",
	             "t.yaml:10:14: missing field 'path'");
	EXPECT_ERROR(HEAD RULE("CUSTOM-1") "    check:\n      value: {path: 'HKLM\\SOFTWARE\\X'}\n",
	             "t.yaml:10:14: missing field 'name'");
	/* A NUL inside text (YAML's "\0" escape) is refused, not cut short. */
	EXPECT_ERROR(HEAD RULE("CUSTOM-1") "    check:\n      value: {path: "
	                                   "\"HKLM\\\\SOFTWARE\\\\X\\0Y\", name: a}\n",
	             "t.yaml:10:21: 'path' must be text");
	EXPECT_ERROR(HEAD RULE("CUSTOM-1") "    check:\n      value: {path: 'HKLM\\SOFTWARE\\X', "
	                                   "name: \"a\\0b\"}\n",
	             "t.yaml:10:46: 'name' holds a NUL character");
	/* Text where text is expected. */
	EXPECT_ERROR(HEAD "  - id: [X]\n    title: t\n    severity: low\n    category: info\n"
	                  "    source: s\n    remediation: {summary: s}\n" VALUE_CHECK,
	             "t.yaml:3:9: 'id' must be text");
}

/* Issue 12 item 12: control characters written as YAML escapes ("\e",
 * "\x9b", "\t") are refused at load with their position, as docs/rules.md
 * says: a title is one line in every report and on the terminal, and no
 * text field may carry an escape sequence to `rules --long`. */
#define TITLED(title)                                                                              \
	"  - id: CUSTOM-1\n"                                                                       \
	"    title: " title "\n"                                                                   \
	"    severity: low\n"                                                                      \
	"    category: info\n"                                                                     \
	"    source: the team's hardening guide\n"                                                 \
	"    remediation: {summary: Fix it.}\n"

static void test_control_characters(void)
{
	char path[4096], *out = NULL, *err = NULL;
	char *argv[] = {(char *)tu_hiveaudit(), (char *)"rules",
	                (char *)"--rules",      path,
	                (char *)"--long",       NULL};
	static const char esc_title[] = HEAD TITLED("\"\\e[31mRED\\e[0m\"") VALUE_CHECK;
	int rc;

	EXPECT_ERROR(esc_title, "t.yaml:4:12: 'title' holds the control character U+001B");
	EXPECT_ERROR(HEAD TITLED("\"a\\x07b\"") VALUE_CHECK,
	             "t.yaml:4:12: 'title' holds the control character U+0007");
	EXPECT_ERROR(HEAD TITLED("\"a\\rb\"") VALUE_CHECK,
	             "t.yaml:4:12: 'title' holds the control character U+000D");
	EXPECT_ERROR(HEAD TITLED("\"a\\x7fb\"") VALUE_CHECK,
	             "t.yaml:4:12: 'title' holds the control character U+007F");
	/* C1 CSI (U+009B) starts an escape sequence on many terminals too. */
	EXPECT_ERROR(HEAD TITLED("\"a\\u009b31mb\"") VALUE_CHECK,
	             "t.yaml:4:12: 'title' holds the control character U+009B");
	/* A title is one line: no line break and no tab either. */
	EXPECT_ERROR(HEAD TITLED("\"two\\nlines\"") VALUE_CHECK,
	             "t.yaml:4:12: 'title' holds the control character U+000A");
	EXPECT_ERROR(HEAD TITLED("\"a\\tb\"") VALUE_CHECK,
	             "t.yaml:4:12: 'title' holds the control character U+0009");
	/* Other text fields may span lines, but not carry an escape. */
	EXPECT_ERROR(
	        HEAD
	        "  - id: CUSTOM-1\n    title: t\n    severity: low\n    category: info\n"
	        "    source: \"guide \\e]0;owned\\a\"\n    remediation: {summary: s}\n" VALUE_CHECK,
	        "t.yaml:7:13: 'source' holds the control character U+001B");
	EXPECT_LOADS(HEAD "  - id: CUSTOM-1\n    title: t\n    severity: low\n    category: info\n"
	                  "    source: s\n    remediation:\n      summary: \"first "
	                  "line\\nsecond\\tline\"\n" VALUE_CHECK);
	/* Ordinary text beyond ASCII is fine. */
	EXPECT_LOADS(HEAD TITLED("\"Caf\\u00e9 \\u2014 TLS 1.2\"") VALUE_CHECK);

	/* Through the program: exit 2, the position, and no ESC on stdout. */
	snprintf(path, sizeof path, "%s/esc.yaml", tmp);
	CHECK_INT(tu_write(path, esc_title, strlen(esc_title)), 0);
	rc = tu_run(argv, NULL, &out, &err);
	CHECK_INT(rc, 2);
	CHECK_HAS(err, "esc.yaml:4:12: 'title' holds the control character U+001B");
	CHECK(out == NULL || strchr(out, '\033') == NULL);
	CHECK(err == NULL || strchr(err, '\033') == NULL);
	free(out);
	free(err);
}

static void test_words(void)
{
	EXPECT_ERROR(HEAD RULE("custom-1") VALUE_CHECK,
	             "t.yaml:3:9: a rule id uses A-Z, 0-9, '-' and '_' only");
	EXPECT_ERROR(HEAD RULE("CUSTOM 1") VALUE_CHECK,
	             "t.yaml:3:9: a rule id uses A-Z, 0-9, '-' and '_' only");
	EXPECT_ERROR(HEAD "  - id: X\n    title: t\n    severity: urgent\n    category: info\n"
	                  "    source: s\n    remediation: {summary: s}\n" VALUE_CHECK,
	             "t.yaml:5:15: severity is one of critical, high, medium, low, info");
	EXPECT_ERROR(
	        HEAD "  - id: X\n    title: t\n    severity: low\n    category: misc\n"
	             "    source: s\n    remediation: {summary: s}\n" VALUE_CHECK,
	        "t.yaml:6:15: category is one of os, update, schannel, netfx, roots, integrity, "
	        "info");
	EXPECT_ERROR(
	        HEAD RULE("CUSTOM-1") "    fail_status: MAYBE\n" VALUE_CHECK,
	        "t.yaml:9:18: status must be one of PASS, FAIL, WARN, NOT_APPLICABLE, UNKNOWN");
	EXPECT_ERROR(HEAD RULE("CUSTOM-1") "    check:\n      value: {path: 'HKLM\\SOFTWARE\\X', "
	                                   "name: a, absent: {status: "
	                                   "OK}}\n",
	             "t.yaml:10:66: status must be one of PASS");
	EXPECT_ERROR(HEAD RULE("CUSTOM-1") "    check:\n      value: {path: 'HKLM\\SOFTWARE\\X', "
	                                   "name: a, type: dword32}\n",
	             "t.yaml:10:55: unknown value type 'dword32'");
	EXPECT_ERROR(HEAD RULE("CUSTOM-1") "    applies: {product: workstation}\n" VALUE_CHECK,
	             "t.yaml:9:24: unknown product 'workstation'");
	EXPECT_ERROR(HEAD RULE("CUSTOM-1") "    applies: {arch: amd64}\n" VALUE_CHECK,
	             "t.yaml:9:21: unknown architecture 'amd64'");
	EXPECT_ERROR(HEAD RULE("CUSTOM-1") "    views: [native, wow32]\n" VALUE_CHECK,
	             "t.yaml:9:21: unknown view 'wow32'");
	EXPECT_ERROR(HEAD RULE("CUSTOM-1") "    check:\n      hives: [SYSTEM, SAM]\n",
	             "t.yaml:10:23: unknown hive 'SAM'");
	EXPECT_ERROR(HEAD RULE("CUSTOM-1") "    check:\n      value: {path: 'HKCU\\Software\\X', "
	                                   "name: a}\n",
	             "t.yaml:10:21: path 'HKCU\\Software\\X' does not start with HKLM\\SYSTEM or "
	             "HKLM\\SOFTWARE");
	EXPECT_ERROR(
	        HEAD RULE("CUSTOM-1") "    check:\n      value: {path: 'HKLM\\SAM\\X', name: a}\n",
	        "t.yaml:10:21: path 'HKLM\\SAM\\X': only HKLM\\SYSTEM and HKLM\\SOFTWARE are read");
}

static void test_nt_versions(void)
{
	static const char *const bad[] = {"\"6\"",  "six",    "\"6.1.2\"",
	                                  "\"6.\"", "\".1\"", "\"100.0\""};
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char text[2048];

		snprintf(text, sizeof text,
		         HEAD RULE("CUSTOM-1") "    applies: {nt_min: %s}\n" VALUE_CHECK, bad[i]);
		EXPECT_ERROR(text, "t.yaml:9:23: an NT version must be written like \"6.1\"");
	}
	EXPECT_ERROR(
	        HEAD RULE("CUSTOM-1") "    applies: {nt: \"6.1\", nt_max: \"6.3\"}\n" VALUE_CHECK,
	        "t.yaml:9:19: give either 'nt' or 'nt_min'/'nt_max', not both");
	EXPECT_ERROR(HEAD RULE("CUSTOM-1") "    applies: {build_min: -1}\n" VALUE_CHECK,
	             "t.yaml:9:26: build_min must be a non-negative integer");
	EXPECT_ERROR(HEAD RULE("CUSTOM-1") "    applies: {any: []}\n" VALUE_CHECK,
	             "t.yaml:9:20: 'any' must be a non-empty list of conditions");
	EXPECT_LOADS(HEAD RULE(
	        "CUSTOM-1") "    applies: {nt_min: \"10.0\", build_min: 0x4E20}\n" VALUE_CHECK);
}

static void test_tables(void)
{
	EXPECT_ERROR(HEAD RULE("CUSTOM-1") "    check:\n      value: {path: 'HKLM\\SOFTWARE\\X', "
	                                   "name: a, type: dword, test: "
	                                   "nonzero, absent: {default: no-such-table}}\n",
	             "t.yaml:10:95: no table named 'no-such-table'");
	EXPECT_ERROR(
	        "hiveaudit-rules: 1\ntables:\n  t1: [{value: 1, why: w}]\n  t1: [{value: 2, why: "
	        "w}]\nrules: []\n",
	        "t.yaml:4:3: table 't1' is defined twice");
	EXPECT_ERROR(
	        "hiveaudit-rules: 1\ntables:\n  legacy-enabled: [{value: 1, why: w}]\nrules: []\n",
	        "t.yaml:3:3: table 'legacy-enabled' is already defined by a rule file loaded "
	        "earlier");
	EXPECT_ERROR("hiveaudit-rules: 1\ntables:\n  t1: []\nrules: []\n",
	             "t.yaml:3:7: table 't1' must be a non-empty list of rows");
	EXPECT_ERROR("hiveaudit-rules: 1\ntables:\n  t1: [{why: w}]\nrules: []\n",
	             "t.yaml:3:8: missing field 'value'");
	EXPECT_ERROR("hiveaudit-rules: 1\ntables:\n  t1: [{value: 1, unknown: true, why: "
	             "w}]\nrules: []\n",
	             "t.yaml:3:8: a row gives either 'value' or 'unknown: true'");
	EXPECT_ERROR("hiveaudit-rules: 1\ntables:\n  t1: [{value: 1}]\nrules: []\n",
	             "t.yaml:3:8: missing field 'why'");
	/* A table of the file and one of the built-in pack, used by a rule. */
	EXPECT_LOADS(
	        "hiveaudit-rules: 1\ntables:\n  mine: [{when: {nt_max: \"6.1\"}, value: 0, why: "
	        "old}, {value: 1, why: new}]\n"
	        "rules:\n" RULE("CUSTOM-1") "    check:\n      all:\n"
	                                    "        - value: {path: 'HKLM\\SOFTWARE\\X', name: a, "
	                                    "type: dword, test: nonzero, "
	                                    "absent: {default: mine}}\n"
	                                    "        - value: {path: 'HKLM\\SOFTWARE\\X', name: b, "
	                                    "type: dword, test: nonzero, "
	                                    "absent: {default: legacy-enabled}}\n");
	EXPECT_ERROR(HEAD RULE("CUSTOM-1") "    check:\n      key: {path: 'HKLM\\SOFTWARE\\X', "
	                                   "absent: {default: legacy-enabled}}\n",
	             "t.yaml:10:56: an OS default is not allowed here");
	EXPECT_ERROR(
	        HEAD RULE("CUSTOM-1") "    check:\n      value: {path: 'HKLM\\SOFTWARE\\X', name: "
	                              "a, type: dword, test: "
	                              "nonzero, absent: {default: legacy-enabled, status: FAIL}}\n",
	        "t.yaml:10:85: give either 'default' or 'status', not both");
}

static void test_duplicate_ids(void)
{
	EXPECT_ERROR(HEAD RULE("CUSTOM-1") VALUE_CHECK RULE("CUSTOM-1") VALUE_CHECK,
	             "t.yaml:11:5: rule id 'CUSTOM-1' is defined twice");
	/* The 32-bit variant's id counts too. */
	EXPECT_ERROR(HEAD RULE("CUSTOM-1") "    views: [native, wow64]\n" VALUE_CHECK RULE(
	                     "CUSTOM-1-WOW64") VALUE_CHECK,
	             "t.yaml:12:5: rule id 'CUSTOM-1-WOW64' is defined twice");
}

static void test_certs(void)
{
	EXPECT_ERROR(HEAD RULE("CUSTOM-1") "    check:\n      cert: {thumbprint: "
	                                   "DF3C24F9BFD666761B268073FE06D1CC8D4F82A, "
	                                   "name: G2}\n",
	             "t.yaml:10:26: 'thumbprint' must be 40 hex digits (SHA-1)");
	EXPECT_ERROR(HEAD RULE("CUSTOM-1") "    check:\n      cert: {thumbprint: "
	                                   "DF3C24F9BFD666761B268073FE06D1CC8D4F82AZ, "
	                                   "name: G2}\n",
	             "t.yaml:10:26: 'thumbprint' must be 40 hex digits (SHA-1)");
	EXPECT_ERROR(HEAD RULE("CUSTOM-1") "    check:\n      cert: {thumbprint: "
	                                   "DF3C24F9BFD666761B268073FE06D1CC8D4F82A4, "
	                                   "name: G2, expires: soon}\n",
	             "t.yaml:10:87: 'expires' must be a date YYYY-MM-DD");
	/* A lower-case thumbprint is accepted. */
	EXPECT_LOADS(HEAD RULE("CUSTOM-1") "    check:\n      cert: {thumbprint: "
	                                   "df3c24f9bfd666761b268073fe06d1cc8d4f82a4, "
	                                   "name: G2}\n");
	/* Without the built-in pack, a cert check needs stores. */
	EXPECT_ERROR_ALONE(HEAD RULE("CUSTOM-1") "    check:\n      cert: {thumbprint: "
	                                         "DF3C24F9BFD666761B268073FE06D1CC8D4F82A4, "
	                                         "name: G2}\n",
	                   "t.yaml:10:13: a cert check needs 'cert_stores' (in this file or the "
	                   "built-in pack)");
	{
		struct ha_ruleset *rs;
		struct ha_err err;
		char *msg;

		if (ha_rules_new(&rs, &err))
			abort();
		msg = load_into(rs,
		                "hiveaudit-rules: 1\ncert_stores:\n  trusted: ['HKLM\\SOFTWARE\\"
		                "Contoso\\Roots']\nrules:\n" RULE(
		                        "CUSTOM-1") "    check:\n      cert: {thumbprint: "
		                                    "DF3C24F9BFD666761B268073FE06D1CC8D4F8"
		                                    "2A4, name: G2}\n");
		CHECK(msg == NULL);
		free(msg);
		ha_rules_free(rs);
	}
	EXPECT_ERROR(
	        "hiveaudit-rules: 1\ncert_stores:\n  trusted: ['HKLM\\SYSTEM\\Roots']\nrules: []\n",
	        "t.yaml:3:13: certificate stores live in HKLM\\SOFTWARE");
	EXPECT_ERROR("hiveaudit-rules: 1\ncert_stores:\n  disallowed: "
	             "['HKLM\\SOFTWARE\\X']\nrules: []\n",
	             "t.yaml:3:3: missing field 'trusted'");
}

static void test_subkeys(void)
{
	static const char *const bad[] = {"kb:3140245", "kb:KB", "kb:KB31a0245", "kb:KB3140245~"};
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char text[2048];

		snprintf(text, sizeof text,
		         HEAD RULE("CUSTOM-1") "    check:\n      subkeys:\n        path: "
		                               "'HKLM\\SOFTWARE\\X'\n"
		                               "        match: '%s'\n        value: CurrentState\n "
		                               "       type: dword\n"
		                               "        states: [{equals: 0x70, status: PASS}]\n",
		         bad[i]);
		EXPECT_ERROR(text, "t.yaml:12:16: a kb: match is written kb:KB1234567");
	}
	EXPECT_ERROR(HEAD RULE("CUSTOM-1") "    check:\n      subkeys:\n        path: "
	                                   "'HKLM\\SOFTWARE\\X'\n"
	                                   "        match: 'Package_*'\n        value: "
	                                   "CurrentState\n        type: dword\n"
	                                   "        states: []\n",
	             "t.yaml:15:17: 'states' must be a non-empty list");
	EXPECT_ERROR(HEAD RULE("CUSTOM-1") "    check:\n      subkeys:\n        path: "
	                                   "'HKLM\\SOFTWARE\\X'\n"
	                                   "        match: 'Package_*'\n        value: "
	                                   "CurrentState\n        type: dword\n"
	                                   "        states: [{status: PASS}]\n",
	             "t.yaml:15:18: a state needs equals, one_of, at_least or at_most");
	EXPECT_ERROR(
	        HEAD RULE("CUSTOM-1") "    check:\n      subkeys:\n        path: "
	                              "'HKLM\\SOFTWARE\\X'\n"
	                              "        match: 'Package_*'\n        value: CurrentState\n   "
	                              "     type: dword\n"
	                              "        states: [{equals: 1, at_least: 2, status: PASS}]\n",
	        "t.yaml:15:18: a state has one comparison");
	EXPECT_LOADS(HEAD RULE(
	        "CUSTOM-1") "    check:\n      subkeys:\n        path: 'HKLM\\SOFTWARE\\X'\n"
	                    "        match: 'kb:kb5000802'\n        value: CurrentState\n        "
	                    "type: dword\n"
	                    "        states: [{one_of: [0x70, 0x80], status: PASS}]\n");
}

static void test_checks(void)
{
	/* A test that the value type cannot take. */
	EXPECT_ERROR(HEAD RULE("CUSTOM-1") "    check:\n      value: {path: 'HKLM\\SOFTWARE\\X', "
	                                   "name: a, type: sz, test: "
	                                   "nonzero}\n",
	             "t.yaml:10:65: 'nonzero' needs type dword or qword");
	EXPECT_ERROR(HEAD RULE("CUSTOM-1") "    check:\n      value: {path: 'HKLM\\SOFTWARE\\X', "
	                                   "name: a, type: sz, test: "
	                                   "{bits_set: 0x800}}\n",
	             "t.yaml:10:65: numeric tests need type dword or qword");
	EXPECT_ERROR(HEAD RULE("CUSTOM-1") "    check:\n      value: {path: 'HKLM\\SOFTWARE\\X', "
	                                   "name: a, test: {equals: 1}}\n",
	             "t.yaml:10:55: numeric tests need type dword or qword");
	EXPECT_ERROR(HEAD RULE("CUSTOM-1") "    check:\n      value: {path: 'HKLM\\SOFTWARE\\X', "
	                                   "name: a, type: dword, test: "
	                                   "{equals: one}}\n",
	             "t.yaml:10:77: the operand must be a non-negative integer");
	EXPECT_ERROR(HEAD RULE("CUSTOM-1") "    check:\n      value: {path: 'HKLM\\SOFTWARE\\X', "
	                                   "name: a, type: dword, test: "
	                                   "{greater: 1}}\n",
	             "t.yaml:10:69: unknown test operator 'greater'");
	EXPECT_ERROR(HEAD RULE("CUSTOM-1") "    check:\n      value: {path: 'HKLM\\SOFTWARE\\X', "
	                                   "name: a, type: dword, test: "
	                                   "positive}\n",
	             "t.yaml:10:68: unknown test 'positive'");
	EXPECT_ERROR(HEAD RULE("CUSTOM-1") "    check:\n      value: {path: 'HKLM\\SOFTWARE\\X', "
	                                   "name: a, type: dword, test: "
	                                   "{one_of: []}}\n",
	             "t.yaml:10:77: one_of needs a non-empty list");
	EXPECT_ERROR(HEAD RULE("CUSTOM-1") "    check:\n      value: {path: 'HKLM\\SOFTWARE\\X', "
	                                   "name: a, wrong_type: maybe}\n",
	             "t.yaml:10:61: status must be one of");
	/* Text tests on text values load. */
	EXPECT_LOADS(HEAD RULE("CUSTOM-1") "    check:\n      value: {path: 'HKLM\\SOFTWARE\\X', "
	                                   "name: a, type: sz, test: "
	                                   "{one_of: [Server, 'Server Core']}}\n");
	/* Kinds of check. */
	EXPECT_ERROR(
	        HEAD RULE("CUSTOM-1") "    check: {}\n",
	        "t.yaml:9:12: a check needs one of all, any, none, value, key, subkeys, cert, os, "
	        "hives, cases, suites");
	EXPECT_ERROR(HEAD RULE("CUSTOM-1") "    check:\n      hives: [SYSTEM]\n      os: [{status: "
	                                   "PASS, why: w}]\n",
	             "t.yaml:10:7: a check has exactly one kind; found 'hives' and 'os'");
	EXPECT_ERROR(HEAD RULE("CUSTOM-1") "    check:\n      all: []\n",
	             "t.yaml:10:12: a combination needs a non-empty list of checks");
	EXPECT_ERROR(
	        HEAD RULE("CUSTOM-1") "    check:\n      cases: [{check: {hives: [SYSTEM]}}]\n",
	        "t.yaml:10:15: missing field 'when'");
	EXPECT_ERROR(
	        HEAD RULE("CUSTOM-1") "    check:\n      os: [{when: {nt: \"6.1\"}, why: w}]\n",
	        "t.yaml:10:12: missing field 'status'");
	EXPECT_ERROR(HEAD RULE("CUSTOM-1") "    check: [hives]\n",
	             "t.yaml:9:12: a check must be a mapping");
}

/* An alias bomb and deep nesting fail fast, with a message. */
static void test_hostile_files(void)
{
	struct ha_buf b;
	clock_t t0;
	int i, j;

	/* "Billion laughs": ten levels of ten aliases, 10^9 leaves. */
	ha_buf_init(&b, 0);
	ha_buf_puts(
	        &b,
	        HEAD RULE("BOMB") "    check:\n      all:\n"
	                          "        - &c0 {value: {path: 'HKLM\\SOFTWARE\\X', name: v}}\n");
	for (i = 1; i < 10; i++) {
		ha_buf_printf(&b, "        - &c%d {all: [", i);
		for (j = 0; j < 10; j++)
			ha_buf_printf(&b, "%s*c%d", j ? ", " : "", i - 1);
		ha_buf_puts(&b, "]}\n");
	}
	t0 = clock();
	EXPECT_ERROR(ha_buf_cstr(&b), "the file expands to more than 200000 nodes (aliases?)");
	EXPECT_ERROR(ha_buf_cstr(&b), "t.yaml:11:11:");
	CHECK((double)(clock() - t0) / CLOCKS_PER_SEC < 10.0);
	ha_buf_free(&b);

	/* An alias to itself. */
	EXPECT_ERROR(HEAD RULE("LOOP") "    check: &c {all: [*c]}\n",
	             "t.yaml:9:12: nested more than 24 levels deep");
	EXPECT_ERROR(HEAD RULE("LOOP") "    applies: &a {any: [*a]}\n" VALUE_CHECK,
	             "t.yaml:9:14: nested more than 24 levels deep");

	/* Checks nested deeper than the engine allows. */
	ha_buf_init(&b, 0);
	ha_buf_puts(&b, HEAD RULE("DEEP") "    check: ");
	for (i = 0; i < 26; i++)
		ha_buf_puts(&b, "{all: [");
	ha_buf_puts(&b, "{hives: [SYSTEM]}");
	for (i = 0; i < 26; i++)
		ha_buf_puts(&b, "]}");
	ha_buf_puts(&b, "\n");
	EXPECT_ERROR(ha_buf_cstr(&b), "nested more than 24 levels deep");
	ha_buf_free(&b);

	/* A million nested brackets: refused before libyaml builds anything
	 * (building it would take libyaml hours). */
	ha_buf_init(&b, 0);
	ha_buf_puts(&b, "hiveaudit-rules: 1\nrules: ");
	for (i = 0; i < 1000000; i++)
		ha_buf_putc(&b, '[');
	for (i = 0; i < 1000000; i++)
		ha_buf_putc(&b, ']');
	ha_buf_puts(&b, "\n");
	t0 = clock();
	EXPECT_ERROR(ha_buf_cstr(&b), "t.yaml:2:71: nested more than 64 levels deep");
	CHECK((double)(clock() - t0) / CLOCKS_PER_SEC < 5.0);
	ha_buf_free(&b);

	/* A NUL byte. */
	{
		static const char text[] = "hiveaudit-rules: 1\nrules: []\n\0# x\n";
		struct ha_ruleset *rs = with_builtin();
		struct ha_err err;

		CHECK_INT(ha_rules_load_buffer(rs, "t.yaml", text, sizeof text - 1, HA_RULES_ADD,
		                               &err),
		          HA_ERR_RULES);
		CHECK_HAS(err.msg, "t.yaml:3:1: control characters are not allowed (byte 0x00)");
		ha_rules_free(rs);
	}
}

static void test_oversize(void)
{
	size_t n = ((size_t)4 << 20) + 1;
	char *big = malloc(n + 1), path[4096];
	struct ha_ruleset *rs = with_builtin();
	struct ha_err err;

	if (!big)
		abort();
	memset(big, '#', n);
	memcpy(big, "hiveaudit-rules: 1\nrules: []\n", 29);
	big[n] = '\0';
	CHECK_INT(ha_rules_load_buffer(rs, "t.yaml", big, n, HA_RULES_ADD, &err), HA_ERR_RULES);
	CHECK_HAS(err.msg, "t.yaml: larger than 4194304 bytes");
	snprintf(path, sizeof path, "%s/big.yaml", tmp);
	CHECK_INT(tu_write(path, big, n), 0);
	CHECK_INT(ha_rules_load_file(rs, path, HA_RULES_ADD, &err), HA_ERR_RULES);
	CHECK_HAS(err.msg, "big.yaml: larger than 4194304 bytes");
	/* Just below the cap: a comment-padded file loads. */
	big[n - 2] = '\n';
	CHECK_INT(ha_rules_load_buffer(rs, "t.yaml", big, n - 1, HA_RULES_ADD, &err), HA_OK);
	CHECK_INT(ha_rules_load_file(rs, "no/such/file.yaml", HA_RULES_ADD, &err), HA_ERR_USAGE);
	CHECK_HAS(err.msg, "cannot read rule file 'no/such/file.yaml'");
	free(big);
	ha_rules_free(rs);
}

/* Issue 12 item 4: a rule file that is not a regular file is refused at
 * once, before anything is read from it (/dev/zero was read forever, a
 * FIFO without a writer blocked the open). */
static void test_i12_4_rule_file_not_regular(void)
{
	struct ha_ruleset *rs = with_builtin();
	struct ha_err err;
	char fifo[4096];
	size_t before = ha_rules_count(rs);

	CHECK_INT(ha_rules_load_file(rs, "/dev/zero", HA_RULES_ADD, &err), HA_ERR_USAGE);
	CHECK_STR(err.msg, "rule file '/dev/zero' is not a regular file (a character device)");
	CHECK_INT(ha_rules_load_file(rs, "/dev/null", HA_RULES_ADD, &err), HA_ERR_USAGE);
	CHECK_HAS(err.msg, "is not a regular file (a character device)");
	CHECK_INT(ha_rules_load_file(rs, tmp, HA_RULES_ADD, &err), HA_ERR_USAGE);
	CHECK_HAS(err.msg, "is not a regular file (a folder)");
	snprintf(fifo, sizeof fifo, "%s/rules.fifo", tmp);
	CHECK_INT(mkfifo(fifo, 0600), 0);
	CHECK_INT(ha_rules_load_file(rs, fifo, HA_RULES_ADD, &err), HA_ERR_USAGE);
	CHECK_HAS(err.msg, "rules.fifo' is not a regular file (a pipe)");
	CHECK_INT(ha_rules_count(rs), before);
	ha_rules_free(rs);
}

/* ------------------------------------------------------- --rules semantics */

static size_t index_of(const struct ha_ruleset *rs, const char *id)
{
	size_t i;

	for (i = 0; i < ha_rules_count(rs); i++)
		if (!strcmp(ha_rules_info(rs, i)->id, id))
			return i;
	return (size_t)-1;
}

static void test_add_replace(void)
{
	struct ha_ruleset *rs = with_builtin();
	size_t n = ha_rules_count(rs), at = index_of(rs, "SCHANNEL-TLS12-CLIENT");
	char digest[65];
	struct ha_err err;
	char *msg;

	CHECK_INT(n, 22);
	snprintf(digest, sizeof digest, "%s", ha_rules_digest(rs));
	/* ADD: a rule with a loaded id replaces it, in place; a new id is added. */
	msg = load_into(rs, HEAD
	                "  - id: SCHANNEL-TLS12-CLIENT\n    title: Our own SChannel rule\n"
	                "    severity: high\n    category: schannel\n    source: our guide\n"
	                "    remediation: {summary: s}\n" VALUE_CHECK RULE("CUSTOM-1") VALUE_CHECK);
	CHECK(msg == NULL);
	free(msg);
	CHECK_INT(ha_rules_count(rs), n + 1);
	CHECK_INT(index_of(rs, "SCHANNEL-TLS12-CLIENT"), at);
	CHECK_STR(ha_rules_info(rs, at)->title, "Our own SChannel rule");
	CHECK_STR(ha_rules_info(rs, at)->origin, "t.yaml");
	CHECK_STR(ha_rules_info(rs, at)->severity, "high");
	CHECK_INT(index_of(rs, "CUSTOM-1"), n);
	CHECK_STR(ha_rules_info(rs, 0)->origin, "built-in:tls12.yaml");
	CHECK(strcmp(digest, ha_rules_digest(rs)) != 0);
	/* A failed load changes nothing, even after rules of the file parsed. */
	snprintf(digest, sizeof digest, "%s", ha_rules_digest(rs));
	msg = load_into(rs, HEAD RULE("CUSTOM-2") VALUE_CHECK RULE("bad id") VALUE_CHECK);
	CHECK(msg != NULL);
	free(msg);
	CHECK_INT(ha_rules_count(rs), n + 1);
	CHECK_INT(index_of(rs, "CUSTOM-2"), (size_t)-1);
	CHECK_STR(ha_rules_digest(rs), digest);
	/* REPLACE: everything loaded before is dropped. */
	CHECK_INT(ha_rules_load_buffer(rs, "mine.yaml", HEAD RULE("CUSTOM-9") VALUE_CHECK,
	                               strlen(HEAD RULE("CUSTOM-9") VALUE_CHECK), HA_RULES_REPLACE,
	                               &err),
	          HA_OK);
	CHECK_INT(ha_rules_count(rs), 1);
	CHECK_STR(ha_rules_info(rs, 0)->id, "CUSTOM-9");
	CHECK(ha_rules_info(rs, 1) == NULL);
	/* Tables of the built-in pack stay usable after a REPLACE. */
	CHECK(load_into(
	              rs,
	              HEAD RULE(
	                      "CUSTOM-10") "    check:\n      value: {path: 'HKLM\\SOFTWARE\\X', "
	                                   "name: a, type: dword, "
	                                   "test: nonzero, absent: {default: legacy-enabled}}\n") ==
	      NULL);
	ha_rules_free(rs);

	/* The same pack loaded twice gives the same digest. */
	{
		struct ha_ruleset *a = with_builtin(), *b = with_builtin();

		CHECK_STR(ha_rules_digest(a), ha_rules_digest(b));
		ha_rules_free(a);
		ha_rules_free(b);
	}
}

/* ------------------------------------------------------------- views */

static int requested(const struct ha_reqset *req, int hive, const char *path, const char *match,
                     const char *name)
{
	size_t i, j;

	for (i = 0; i < req->n; i++) {
		const struct ha_request *r = &req->v[i];

		if (r->hive != hive || strcmp(r->path, path) != 0)
			continue;
		if ((match == NULL) != (r->match == NULL) || (match && strcmp(match, r->match)))
			continue;
		if (!name)
			return 1;
		for (j = 0; j < r->nnames; j++)
			if (!strcmp(r->names[j], name))
				return 1;
	}
	return 0;
}

static void test_views(void)
{
	struct ha_ruleset *rs = with_builtin();
	struct ha_reqset req;
	struct ha_err err;
	size_t i;
	const struct ha_rule_info *r;

	CHECK(load_into(
	              rs,
	              HEAD RULE(
	                      "CUSTOM-1") "    views: [native, wow64]\n"
	                                  "    check:\n      all:\n"
	                                  "        - value: {path: "
	                                  "'HKLM\\SOFTWARE\\Contoso\\Agent', name: Tls, type: "
	                                  "dword, test: {equals: 1}}\n"
	                                  "        - value: {path: "
	                                  "'HKLM\\SYSTEM\\CurrentControlSet\\Services\\Agent', "
	                                  "name: Start, type: dword, test: {at_most: 2}}\n"
	                                  "        - value: {path: "
	                                  "'HKLM\\SOFTWARE\\Wow6432Node\\Contoso', name: X}\n"
	                                  "  - id: CUSTOM-2\n    title: Only the 32-bit view\n    "
	                                  "severity: low\n"
	                                  "    category: netfx\n    source: s\n    views: [wow64]\n"
	                                  "    remediation:\n      summary: s\n      reg: |\n"
	                                  "        [HKEY_LOCAL_MACHINE\\SOFTWARE\\{wow}Contoso]\n"
	                                  "        \"Tls\"=dword:00000001\n" VALUE_CHECK) == NULL);
	i = index_of(rs, "CUSTOM-1");
	r = ha_rules_info(rs, i);
	CHECK_STR(r ? r->title : NULL, "A custom rule");
	r = ha_rules_info(rs, i + 1);
	CHECK_STR(r ? r->id : NULL, "CUSTOM-1-WOW64");
	CHECK_STR(r ? r->title : NULL, "A custom rule (32-bit view)");
	CHECK_INT(index_of(rs, "CUSTOM-2"), (size_t)-1);
	r = ha_rules_info(rs, index_of(rs, "CUSTOM-2-WOW64"));
	CHECK_HAS(r ? r->reg : NULL, "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Wow6432Node\\Contoso]");
	CHECK_INT(r ? r->decides : -1, 1);

	ha_reqset_init(&req);
	CHECK_INT(ha_rules_requests(rs, &req, &err), HA_OK);
	CHECK(requested(&req, HA_SOFTWARE, "Contoso\\Agent", NULL, "Tls"));
	CHECK(requested(&req, HA_SOFTWARE, "Wow6432Node\\Contoso\\Agent", NULL, "Tls"));
	/* SYSTEM has no 32-bit view; a path already in Wow6432Node stays. */
	CHECK(requested(&req, HA_SYSTEM, "CurrentControlSet\\Services\\Agent", NULL, "Start"));
	CHECK(!requested(&req, HA_SOFTWARE, "Wow6432Node\\Wow6432Node\\Contoso", NULL, NULL));
	CHECK(requested(&req, HA_SOFTWARE, "Wow6432Node\\Contoso", NULL, "X"));
	ha_reqset_free(&req);

	/* The built-in pack: titles and .reg of both variants. */
	r = ha_rules_info(rs, index_of(rs, "NETFX-TLS12"));
	CHECK_HAS(r ? r->reg : NULL,
	          "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\.NETFramework\\v4.0.30319]");
	CHECK_LACKS(r ? r->reg : NULL, "{wow}");
	r = ha_rules_info(rs, index_of(rs, "NETFX-TLS12-WOW64"));
	CHECK_HAS(r ? r->reg : NULL, "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Wow6432Node\\Microsoft\\."
	                             "NETFramework\\v4.0.30319]");
	CHECK_HAS(r ? r->title : NULL, "(32-bit view)");
	r = ha_rules_info(rs, index_of(rs, "WINHTTP-TLS12-WOW64"));
	CHECK_HAS(r ? r->reg : NULL, "SOFTWARE\\Wow6432Node\\Microsoft\\Windows\\CurrentVersion\\"
	                             "Internet Settings\\WinHttp]");
	ha_rules_free(rs);
}

/* Every key and value the built-in pack reads is requested (the evaluation
 * tests in test_rules.c also fail on any "not requested"). */
static void test_builtin_requests(void)
{
	static const char *const thumbs[] = {
	        "DF3C24F9BFD666761B268073FE06D1CC8D4F82A4",
	        "A8985D3A65E5E5C4B2D7D66D40C6DD2FB19C5436",
	        "D4DE20D05E66FC53FE1A50882C78DB2852CAE474",
	        "58E8ABB0361533FB80F79B1B6D29D3FF8D5F00F0",
	        "73A5E64A3BFF8316FF0EDCCC618A906E4EAE4D74",
	        "999A64C37FF47D9FAB95F14769891460EEC4C3C5",
	};
	static const char *const trusted[] = {
	        "Microsoft\\SystemCertificates\\ROOT\\Certificates",
	        "Microsoft\\SystemCertificates\\AuthRoot\\Certificates",
	        "Policies\\Microsoft\\SystemCertificates\\Root\\Certificates",
	        "Microsoft\\EnterpriseCertificates\\Root\\Certificates",
	};
	static const char *const disallowed[] = {
	        "Microsoft\\SystemCertificates\\Disallowed\\Certificates",
	        "Policies\\Microsoft\\SystemCertificates\\Disallowed\\Certificates",
	};
	static const char *const protos[] = {"SSL 2.0", "SSL 3.0", "TLS 1.0", "TLS 1.1", "TLS 1.2"};
	struct ha_ruleset *rs = with_builtin();
	struct ha_reqset req;
	struct ha_err err;
	char path[512];
	size_t i, j;

	ha_reqset_init(&req);
	CHECK_INT(ha_rules_requests(rs, &req, &err), HA_OK);
#define CBS "Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\Packages"
	CHECK(requested(&req, HA_SOFTWARE, CBS, "kb:KB4019276", "CurrentState"));
	CHECK(requested(&req, HA_SOFTWARE, CBS, "kb:KB3140245", "CurrentState"));
	CHECK(requested(&req, HA_SOFTWARE,
	                "Microsoft\\Windows\\CurrentVersion\\Internet Settings\\WinHttp", NULL,
	                "DefaultSecureProtocols"));
	CHECK(requested(
	        &req, HA_SOFTWARE,
	        "Wow6432Node\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\WinHttp", NULL,
	        "DefaultSecureProtocols"));
	for (i = 0; i < 2; i++) {
		const char *p = i ? "Wow6432Node\\Microsoft\\.NETFramework\\v4.0.30319"
		                  : "Microsoft\\.NETFramework\\v4.0.30319";

		CHECK(requested(&req, HA_SOFTWARE, p, NULL, "SystemDefaultTlsVersions"));
		CHECK(requested(&req, HA_SOFTWARE, p, NULL, "SchUseStrongCrypto"));
	}
	CHECK(requested(&req, HA_SOFTWARE, "Microsoft\\NET Framework Setup\\NDP\\v4\\Full", NULL,
	                "Release"));
	for (i = 0; i < sizeof protos / sizeof protos[0]; i++) {
		snprintf(path, sizeof path,
		         "CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\%"
		         "s\\Client",
		         protos[i]);
		CHECK(requested(&req, HA_SYSTEM, path, NULL, "Enabled"));
		CHECK(requested(&req, HA_SYSTEM, path, NULL, "DisabledByDefault"));
	}
	for (i = 0; i < sizeof thumbs / sizeof thumbs[0]; i++) {
		for (j = 0; j < sizeof trusted / sizeof trusted[0]; j++) {
			snprintf(path, sizeof path, "%s\\%s", trusted[j], thumbs[i]);
			CHECK(requested(&req, HA_SOFTWARE, path, NULL, "Blob"));
		}
		for (j = 0; j < sizeof disallowed / sizeof disallowed[0]; j++) {
			snprintf(path, sizeof path, "%s\\%s", disallowed[j], thumbs[i]);
			CHECK(requested(&req, HA_SOFTWARE, path, NULL, NULL));
		}
	}
	CHECK(requested(&req, HA_SOFTWARE, "Policies\\Microsoft\\SystemCertificates\\AuthRoot",
	                NULL, "DisableRootAutoUpdate"));
	CHECK(requested(&req, HA_SOFTWARE, "Microsoft\\Windows Azure Backup\\Setup", NULL,
	                "InstallPath"));
	CHECK(requested(&req, HA_SOFTWARE, "Microsoft\\Microsoft Data Protection Manager\\Setup",
	                NULL, "InstallPath"));
	/* The facts' keys come with them. */
	CHECK(requested(&req, HA_SOFTWARE, "Microsoft\\Windows NT\\CurrentVersion", NULL,
	                "CurrentBuildNumber"));
	CHECK(requested(&req, HA_SYSTEM, "CurrentControlSet\\Control\\ProductOptions", NULL,
	                "ProductType"));
	CHECK(requested(&req, HA_SOFTWARE, "Wow6432Node", NULL, NULL));
	/* Requests are merged: asking again adds nothing. */
	{
		size_t n = req.n;

		CHECK_INT(ha_rules_requests(rs, &req, &err), HA_OK);
		CHECK_INT(req.n, n);
	}
	ha_reqset_free(&req);
	ha_rules_free(rs);
#undef CBS
}

/* ------------------------------------------------------- the program */

/* Runs the built program with the arguments up to a NULL. */
static int run(char **out, char **err, ...)
{
	char *argv[32];
	va_list ap;
	int n = 0;

	argv[n++] = (char *)tu_hiveaudit();
	va_start(ap, err);
	while (n < 31 && (argv[n] = va_arg(ap, char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	return tu_run(argv, NULL, out, err);
}

static void test_rules_verb(void)
{
	char *out = NULL, *err = NULL, good[4096], bad[4096];
	int rc;

	rc = run(&out, &err, "rules", "--help", NULL);
	CHECK_INT(rc, 0);
	CHECK_HAS(out, "usage: hiveaudit rules");
	CHECK_HAS(out, "--check FILE");
	CHECK_HAS(out, "--no-builtin");
	free(out);
	free(err);

	rc = run(&out, &err, "rules", "--long", NULL);
	CHECK_INT(rc, 0);
	CHECK_HAS(out, "SCHANNEL-TLS12-CLIENT");
	CHECK_HAS(out, "applies:     Windows Server 2008 and later (NT 6.0 on)");
	CHECK_HAS(out, "from:        built-in:tls12.yaml");
	CHECK_HAS(out, "\"DisabledByDefault\"=dword:00000000");
	CHECK_HAS(out, "HKEY_LOCAL_MACHINE\\SOFTWARE\\Wow6432Node\\Microsoft\\.NETFramework");
	free(out);
	free(err);

	snprintf(good, sizeof good, "%s/good.yaml", tmp);
	snprintf(bad, sizeof bad, "%s/bad.yaml", tmp);
	CHECK_INT(tu_write(good, HEAD RULE("CUSTOM-1") VALUE_CHECK,
	                   strlen(HEAD RULE("CUSTOM-1") VALUE_CHECK)),
	          0);
	CHECK_INT(tu_write(bad, HEAD RULE("CUSTOM-1") "    check: {value: {path: x}}\n",
	                   strlen(HEAD RULE("CUSTOM-1") "    check: {value: {path: x}}\n")),
	          0);
	rc = run(&out, &err, "rules", "--check", good, NULL);
	CHECK_INT(rc, 0);
	CHECK_HAS(out, "good.yaml: valid, 1 rule");
	free(out);
	free(err);
	rc = run(&out, &err, "rules", "--check", bad, NULL);
	CHECK_INT(rc, 2);
	CHECK_HAS(err,
	          "bad.yaml:9:27: path 'x' does not start with HKLM\\SYSTEM or HKLM\\SOFTWARE");
	free(out);
	free(err);
	/* --rules adds to the listing; the listing says where each rule comes from. */
	rc = run(&out, &err, "rules", "--rules", good, "--long", NULL);
	CHECK_INT(rc, 0);
	CHECK_HAS(out, "CUSTOM-1");
	CHECK_HAS(out, "OS-TLS12-CAPABLE");
	CHECK_HAS(out, "good.yaml");
	free(out);
	free(err);
	rc = run(&out, &err, "rules", "--rules", good, "--no-builtin", NULL);
	CHECK_INT(rc, 0);
	CHECK_HAS(out, "CUSTOM-1");
	CHECK_LACKS(out, "OS-TLS12-CAPABLE");
	free(out);
	free(err);
	rc = run(&out, &err, "rules", "--no-builtin", NULL);
	CHECK_INT(rc, 2);
	CHECK_HAS(err, "no rules loaded");
	free(out);
	free(err);
}

static void test_scan_with_rules(void)
{
	char *out = NULL, *err = NULL, *csv, rules[4096], outdir[2048], host[4096], path[4096];
	struct tu_csv c;
	int rc, col_rule, col_status;
	size_t i;

	/* srv2019 of the sample fleet switches the legacy client protocols off
	 * and has the MARS agent. */
	snprintf(host, sizeof host, "%s/samples/fleet/srv2019", tu_source_dir());
	snprintf(rules, sizeof rules, "%s/team.yaml", tmp);
	snprintf(outdir, sizeof outdir, "%s/scan", tmp);
	{
		static const char text[] = HEAD
		        "  - id: TEAM-TLS10-OFF\n    title: The TLS 1.0 client is switched off\n"
		        "    severity: medium\n    category: schannel\n    source: team guide\n"
		        "    applies: {nt_min: \"6.0\"}\n"
		        "    check:\n      value:\n"
		        "        path: "
		        "'HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\"
		        "SCHANNEL\\Protocols\\TLS 1.0\\Client'\n"
		        "        name: Enabled\n        type: dword\n        test: {equals: 0}\n"
		        "        absent: FAIL\n"
		        "    remediation: {summary: Switch TLS 1.0 off.}\n"
		        "  - id: TEAM-NO-DPM\n    title: No DPM on this tier\n    severity: low\n"
		        "    category: info\n    source: team guide\n"
		        "    check:\n      key:\n"
		        "        path: 'HKLM\\SOFTWARE\\Microsoft\\Microsoft Data Protection "
		        "Manager'\n"
		        "        present: FAIL\n        absent: PASS\n"
		        "    remediation: {summary: Remove DPM.}\n";

		CHECK_INT(tu_write(rules, text, sizeof text - 1), 0);
	}
	rc = run(&out, &err, "scan", "--quiet", "--out", outdir, "--rules", rules, "--no-builtin",
	         host, NULL);
	CHECK_INT(rc, 0);
	if (rc != 0)
		fprintf(stderr, "stderr: %s\n", err ? err : "");
	free(out);
	free(err);
	snprintf(path, sizeof path, "%s/findings.csv", outdir);
	csv = tu_read(path, NULL);
	CHECK(csv != NULL);
	CHECK_INT(tu_csv_parse(csv ? csv : "", &c), 0);
	free(csv);
	CHECK_INT(c.nrows, 3);
	col_rule = tu_csv_col(&c, "rule_id");
	col_status = tu_csv_col(&c, "status");
	for (i = 1; i < c.nrows && col_rule >= 0 && col_status >= 0; i++) {
		CHECK(!strcmp(c.rows[i][col_rule], "TEAM-TLS10-OFF") ||
		      !strcmp(c.rows[i][col_rule], "TEAM-NO-DPM"));
		CHECK_STR(c.rows[i][col_status], "PASS");
	}
	tu_csv_free(&c);

	/* A rule file that is not valid: usage error, nothing scanned. */
	CHECK_INT(tu_write(rules, "hiveaudit-rules: 1\nrules: [\n", 28), 0);
	rc = run(&out, &err, "scan", "--quiet", "--out", outdir, "--rules", rules, "--no-builtin",
	         host, NULL);
	CHECK_INT(rc, 2);
	CHECK_HAS(err, "team.yaml:3:1: YAML syntax error");
	free(out);
	free(err);
}

/* ------------------------------------------------ the documentation */

/* The worked example of docs/rules.md: the YAML block after its marker.
 * malloc'd, or NULL. */
static char *doc_example(char **doc_out)
{
	char path[4096], *doc, *p, *end, *ex;

	snprintf(path, sizeof path, "%s/docs/rules.md", tu_source_dir());
	doc = tu_read(path, NULL);
	if (!doc)
		return NULL;
	p = strstr(doc, "<!-- example: contoso.yaml");
	p = p ? strstr(p, "```yaml\n") : NULL;
	end = p ? strstr(p + 8, "\n```\n") : NULL;
	ex = p && end ? ha_strndup(p + 8, (size_t)(end - p - 8) + 1) : NULL;
	if (doc_out)
		*doc_out = doc;
	else
		free(doc);
	return ex;
}

static void test_docs_example(void)
{
	struct ha_ruleset *rs = with_builtin();
	size_t n = ha_rules_count(rs), at = index_of(rs, "BACKUP-AGENT");
	char *doc = NULL, *ex = doc_example(&doc), *msg, *typo, *p, file[4096];
	char *out = NULL, *err = NULL;
	const struct ha_rule_info *r;
	int rc;

	CHECK(ex != NULL);
	if (!ex) {
		free(doc);
		ha_rules_free(rs);
		return;
	}
	msg = load_into(rs, ex);
	CHECK(msg == NULL);
	if (msg)
		fprintf(stderr, "docs/rules.md example: %s\n", msg);
	free(msg);
	/* BACKUP-AGENT replaced in place and now counting; three rules added. */
	CHECK_INT(ha_rules_count(rs), n + 3);
	CHECK_INT(index_of(rs, "BACKUP-AGENT"), at);
	r = ha_rules_info(rs, at);
	CHECK_INT(r ? r->decides : -1, 1);
	CHECK_INT(index_of(rs, "CONTOSO-TLS10-CLIENT-OFF"), n);
	CHECK_INT(index_of(rs, "CONTOSO-HELPER-TLS-WOW64"), n + 2);
	r = ha_rules_info(rs, n + 2);
	CHECK_HAS(r ? r->reg : NULL,
	          "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Wow6432Node\\Contoso\\BackupHelper]");
	ha_rules_free(rs);

	/* What the page shows of the program. */
	snprintf(file, sizeof file, "%s/contoso.yaml", tmp);
	CHECK_INT(tu_write(file, ex, strlen(ex)), 0);
	rc = run(&out, &err, "rules", "--check", file, NULL);
	CHECK_INT(rc, 0);
	CHECK_HAS(out, "contoso.yaml: valid, 4 rules");
	free(out);
	free(err);
	rc = run(&out, &err, "rules", "--rules", file, NULL);
	CHECK_INT(rc, 0);
	{
		static const char *const lines[] = {
		        "BACKUP-AGENT                 high     update    The Azure Backup (MARS) "
		        "agent is installed\n",
		        "CONTOSO-TLS10-CLIENT-OFF     medium   schannel  The SChannel TLS 1.0 "
		        "client is switched off\n",
		        "CONTOSO-HELPER-TLS           medium   netfx     The backup helper uses "
		        "TLS 1.2\n",
		        "CONTOSO-HELPER-TLS-WOW64     medium   netfx     The backup helper uses "
		        "TLS 1.2 (32-bit view)\n",
		};
		size_t i;

		for (i = 0; i < 4; i++) {
			CHECK_HAS(out, lines[i]);
			CHECK_HAS(doc, lines[i]);
		}
	}
	free(out);
	free(err);
	/* The typo of the page gives the message the page shows. */
	typo = ha_strdup(ex);
	p = typo ? strstr(typo, "            name: Enabled") : NULL;
	CHECK(p != NULL);
	if (p) {
		memcpy(p + 12, "nmae", 4);
		CHECK_INT(tu_write(file, typo, strlen(typo)), 0);
		rc = run(&out, &err, "rules", "--check", file, NULL);
		CHECK_INT(rc, 2);
		p = err ? strstr(err, "contoso.yaml:") : NULL;
		CHECK(p != NULL);
		if (p) {
			p[strcspn(p, "\n")] = '\0';
			CHECK_HAS(doc, p);
		}
		free(out);
		free(err);
	}
	free(typo);
	free(ex);
	free(doc);
}

/* The suite list kind: every suite name is checked against `known`. */
#define SUITES_CHECK(known, list, extra)                                                           \
	"    check:\n"                                                                             \
	"      suites:\n"                                                                          \
	"        policy: 'HKLM\\SOFTWARE\\P\\00010002'\n"                                          \
	"        local: 'HKLM\\SYSTEM\\CurrentControlSet\\L\\00010002'\n"                          \
	"        schannel: 'HKLM\\SYSTEM\\CurrentControlSet\\S'\n"                                 \
	"        known: [" known "]\n"                                                             \
	"        ecdhe: ['TLS_ECDHE_*']\n"                                                         \
	"        lists:\n"                                                                         \
	"          all: [" list "]\n"                                                              \
	"        defaults:\n"                                                                      \
	"          - {suites: all, why: the default}\n"                                            \
	"        azure: {current: [TLS_ECDHE_A], compatibility: [TLS_RSA_B], curves: "             \
	"[NistP256]}\n"                                                                            \
	"        removes:\n"                                                                       \
	"          - {key: 'Ciphers\\AES 128/128', match: [" extra "]}\n"

static void test_suites_kind(void)
{
	EXPECT_LOADS(HEAD RULE("CUSTOM-1") SUITES_CHECK("TLS_ECDHE_A, TLS_RSA_B",
	                                                "TLS_ECDHE_A, TLS_RSA_B", "'*_A'"));
	EXPECT_ERROR(HEAD RULE("CUSTOM-1") SUITES_CHECK("TLS_ECDHE_A, TLS_RSA_B",
	                                                "TLS_ECDHE_A, TLS_RSA_C", "'*_A'"),
	             "t.yaml:17:30: unknown cipher suite 'TLS_RSA_C' (not in 'known')");
	EXPECT_ERROR(HEAD RULE("CUSTOM-1") SUITES_CHECK("TLS_ECDHE_A, TLS_RSA_B",
	                                                "TLS_ECDHE_A, TLS_RSA_B", "'*_Z'"),
	             "t.yaml:22:50: pattern '*_Z' matches no known cipher suite");
	EXPECT_ERROR(HEAD RULE("CUSTOM-1")
	                     SUITES_CHECK("TLS_ECDHE_A, TLS_ECDHE_A", "TLS_ECDHE_A", "'*_A'"),
	             "t.yaml:14:30: cipher suite 'TLS_ECDHE_A' is listed twice");
	/* A default row must name a list of `lists`; `absent` is a word. */
	{
		char *t = ha_asprintf("%s",
		                      HEAD RULE("CUSTOM-1") SUITES_CHECK("TLS_ECDHE_A, TLS_RSA_B",
		                                                         "TLS_ECDHE_A", "'*_A'"));
		char *p = t ? strstr(t, "suites: all,") : NULL;

		if (!p)
			abort();
		memcpy(p, "suites: alL,", 12);
		EXPECT_ERROR(t, "t.yaml:19:22: no suite list named 'alL' in 'lists'");
		free(t);
	}
	EXPECT_ERROR(HEAD RULE("CUSTOM-1") SUITES_CHECK("TLS_ECDHE_A, TLS_RSA_B", "TLS_ECDHE_A",
	                                                "'*_A'], absent: [x"),
	             "t.yaml:22:66: 'absent' is enabled or disabled");
	EXPECT_ERROR(HEAD RULE("CUSTOM-1") "    check:\n      suites: {policyx: x}\n",
	             "t.yaml:10:16: unknown field 'policyx'");
}

/* The fuzzer's seed copy of the pack (fuzz/corpus/rules/tls12.yaml) holds
 * the same rules as the pack, so that fuzzing starts from every kind the
 * pack uses. */
static void test_fuzz_seed_mirrors_pack(void)
{
	struct ha_ruleset *rs = with_builtin(), *seed;
	struct ha_err err;
	char path[4096];
	size_t i;

	snprintf(path, sizeof path, "%s/fuzz/corpus/rules/tls12.yaml", tu_source_dir());
	if (ha_rules_new(&seed, &err))
		abort();
	CHECK_INT(ha_rules_load_file(seed, path, HA_RULES_ADD, &err), HA_OK);
	CHECK_INT(ha_rules_count(seed), ha_rules_count(rs));
	for (i = 0; i < ha_rules_count(rs) && i < ha_rules_count(seed); i++) {
		CHECK_STR(ha_rules_info(seed, i)->id, ha_rules_info(rs, i)->id);
		CHECK_STR(ha_rules_info(seed, i)->title, ha_rules_info(rs, i)->title);
		CHECK_STR(ha_rules_info(seed, i)->applies, ha_rules_info(rs, i)->applies);
	}
	ha_rules_free(seed);
	ha_rules_free(rs);
}

int main(int argc, char **argv)
{
	static const struct check_case cases[] = {
	        CHECK_CASE(test_valid_file),
	        CHECK_CASE(test_yaml_syntax),
	        CHECK_CASE(test_header),
	        CHECK_CASE(test_fields),
	        CHECK_CASE(test_words),
	        CHECK_CASE(test_nt_versions),
	        CHECK_CASE(test_tables),
	        CHECK_CASE(test_duplicate_ids),
	        CHECK_CASE(test_certs),
	        CHECK_CASE(test_subkeys),
	        CHECK_CASE(test_checks),
	        CHECK_CASE(test_hostile_files),
	        CHECK_CASE(test_oversize),
	        CHECK_CASE(test_add_replace),
	        CHECK_CASE(test_views),
	        CHECK_CASE(test_builtin_requests),
	        CHECK_CASE(test_rules_verb),
	        CHECK_CASE(test_scan_with_rules),
	        CHECK_CASE(test_docs_example),
	        CHECK_CASE(test_control_characters),
	        CHECK_CASE(test_i12_4_rule_file_not_regular),
	        CHECK_CASE(test_suites_kind),
	        CHECK_CASE(test_fuzz_seed_mirrors_pack),
	};
	int rc;

	tmp = tu_tempdir("rules");
	if (!tmp)
		return 1;
	rc = check_run(cases, sizeof cases / sizeof cases[0], argc, argv);
	if (!rc)
		tu_rmtree(tmp);
	free(tmp);
	return rc;
}
