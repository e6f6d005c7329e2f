/* test_regtext.c: the .reg text export parser (ingest/regtext.c) and its
 * use as a second registry backend: every value type, continuations,
 * escapes, encodings, merged and deleted keys, CurrentControlSet, the
 * exported sub-trees, errors with their line numbers, limits, and a host
 * read from an export through discovery and the reader. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "ha_ingest.h"
#include "ingest_internal.h"
#include "testutil.h"

static const char V5[] = "Windows Registry Editor Version 5.00\r\n\r\n";

/* UTF-8 text as a UTF-16LE file with its BOM; *n gets the size. */
static uint8_t *utf16(const char *s, size_t *n)
{
	struct ha_buf b;
	uint8_t *p;

	ha_buf_init(&b, 0);
	ha_buf_add(&b, "\xFF\xFE", 2);
	ha_utf8_to_utf16le(&b, s);
	p = (uint8_t *)ha_buf_detach(&b, n);
	if (!p)
		abort();
	*n -= 2; /* the terminating NUL that ha_utf8_to_utf16le adds */
	return p;
}

static struct ha_regtext *parse16(const char *s, struct ha_err *err)
{
	struct ha_regtext *rt = NULL;
	size_t n;
	uint8_t *p = utf16(s, &n);

	ha_err_clear(err);
	if (ha_regtext_parse(p, n, NULL, &rt, err) != HA_OK)
		rt = NULL;
	free(p);
	return rt;
}

static struct ha_regtext *parse8(const char *s, const struct ha_regtext_limits *lim,
                                 struct ha_err *err)
{
	struct ha_regtext *rt = NULL;

	ha_err_clear(err);
	if (ha_regtext_parse((const uint8_t *)s, strlen(s), lim, &rt, err) != HA_OK)
		rt = NULL;
	return rt;
}

/* The value's bytes, type and length must be exactly these. */
static void check_value(const struct ha_regtext *rt, int role, const char *path, const char *name,
                        uint32_t type, const void *bytes, uint32_t len, int line)
{
	uint32_t t = 0, l = 0;
	const uint8_t *d = NULL;

	if (ha_regtext_get(rt, role, path, name, &t, &d, &l) != HA_OK) {
		check_fail(__FILE__, line, "value %s\\%s not found", path, name);
		return;
	}
	if (t != type || l != len || (len && memcmp(d, bytes, len) != 0))
		check_fail(__FILE__, line, "value %s\\%s: type %u len %u, expected type %u len %u",
		           path, name, t, l, type, len);
}
#define VALUE(rt, role, path, name, type, bytes, len)                                              \
	check_value(rt, role, path, name, type, bytes, len, __LINE__)

static int absent(const struct ha_regtext *rt, int role, const char *path, const char *name)
{
	uint32_t t, l;
	const uint8_t *d;

	return ha_regtext_get(rt, role, path, name, &t, &d, &l) == HA_ERR_NOTFOUND;
}

/* ------------------------------------------------------------- types */

static void test_every_type_utf16(void)
{
	struct ha_err err;
	struct ha_regtext *rt;
	const struct ha_regtext_info *in;
	char *text = NULL;
	static const uint8_t sz[] = {'a', 0, '\\', 0, 'b', 0, '"', 0, 'c', 0, 0, 0};
	static const uint8_t dw[] = {0x78, 0x56, 0x34, 0x12};
	static const uint8_t bin[] = {0x00, 0x01, 0xfe, 0xff, 0x0a};
	static const uint8_t ex[] = {'%', 0, 'X', 0, '%', 0, 0, 0};
	static const uint8_t ms[] = {'a', 0, 0, 0, 'b', 0, 0, 0, 0, 0};
	static const uint8_t qw[] = {1, 2, 3, 4, 5, 6, 7, 8};
	static const uint8_t uni[] = {0xe9, 0, 0x3a, 0x26, 0, 0}; /* é U+263A */

	text = ha_asprintf("%s"
	                   "; a comment\r\n"
	                   "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Test]\r\n"
	                   "@=\"default\"\r\n"
	                   "\"Str\"=\"a\\\\b\\\"c\"\r\n"
	                   "\"Na\\\"me\\\\x\"=dword:12345678\r\n"
	                   "\"Bin\"=hex:00,01,fe,FF,0a\r\n"
	                   "\"None\"=hex(0):\r\n"
	                   "\"Exp\"=hex(2):25,00,58,00,25,00,00,00\r\n"
	                   "\"Multi\"=hex(7):61,00,00,00,62,00,\\\r\n"
	                   "  00,00,00,00\r\n"
	                   "\"Q\"=hex(b):01,02,03,04,05,06,07,08\r\n"
	                   "\"Odd\"=hex(4):01,02\r\n"
	                   "\"Short\"=dword:1\r\n"
	                   "\"Uni\"=\"\xc3\xa9\xe2\x98\xba\"\r\n"
	                   "\"Big\"=hex(ffffffff):\r\n",
	                   V5);
	rt = parse16(text, &err);
	CHECK(rt != NULL);
	if (!rt) {
		fprintf(stderr, "%s\n", err.msg);
		free(text);
		return;
	}
	in = ha_regtext_info(rt);
	CHECK_INT(in->format, 5);
	CHECK_STR(in->encoding, "UTF-16LE");
	CHECK_INT(in->has[HA_SOFTWARE], 1);
	CHECK_INT(in->has[HA_SYSTEM], 0);
	CHECK_INT(in->keys, 1);
	CHECK_INT(in->values, 12);
	CHECK_INT(ha_regtext_has(rt, HA_SOFTWARE), 1);
	CHECK_INT(ha_regtext_has(rt, HA_SYSTEM), 0);
	VALUE(rt, HA_SOFTWARE, "Test", "", HA_REG_SZ, "d\0e\0f\0a\0u\0l\0t\0\0", 16);
	VALUE(rt, HA_SOFTWARE, "Test", "Str", HA_REG_SZ, sz, sizeof sz);
	VALUE(rt, HA_SOFTWARE, "Test", "Na\"me\\x", HA_REG_DWORD, dw, 4);
	VALUE(rt, HA_SOFTWARE, "test", "BIN", HA_REG_BINARY, bin, sizeof bin);
	VALUE(rt, HA_SOFTWARE, "Test", "None", HA_REG_NONE, NULL, 0);
	VALUE(rt, HA_SOFTWARE, "Test", "Exp", HA_REG_EXPAND_SZ, ex, sizeof ex);
	VALUE(rt, HA_SOFTWARE, "Test", "Multi", HA_REG_MULTI_SZ, ms, sizeof ms);
	VALUE(rt, HA_SOFTWARE, "Test", "Q", HA_REG_QWORD, qw, 8);
	VALUE(rt, HA_SOFTWARE, "Test", "Odd", HA_REG_DWORD, "\x01\x02", 2);
	VALUE(rt, HA_SOFTWARE, "Test", "Short", HA_REG_DWORD, "\x01\0\0\0", 4);
	VALUE(rt, HA_SOFTWARE, "Test", "Uni", HA_REG_SZ, uni, sizeof uni);
	VALUE(rt, HA_SOFTWARE, "Test", "Big", 0xffffffffu, NULL, 0);
	CHECK(absent(rt, HA_SOFTWARE, "Test", "Nope"));
	CHECK(absent(rt, HA_SOFTWARE, "Other", NULL));
	ha_regtext_free(rt);
	free(text);
}

static void test_merge_delete_and_ignore(void)
{
	struct ha_err err;
	struct ha_regtext *rt;
	const struct ha_regtext_info *in;
	struct ha_err why;

	rt = parse8("Windows Registry Editor Version 5.00\n"
	            "\n"
	            "[HKEY_LOCAL_MACHINE\\SOFTWARE\\A]\n"
	            "\"x\"=dword:00000001\n"
	            "\"y\"=dword:00000002\n"
	            "[HKEY_CURRENT_USER\\Software\\Ignored]\n"
	            "\"z\"=\"not kept\"\n"
	            "[HKEY_LOCAL_MACHINE\\SAM\\SAM]\n"
	            "\"s\"=dword:00000001\n"
	            "[hkey_local_machine\\software\\a]\n"
	            "\"x\"=dword:00000003\n"
	            "\"y\"=-\n"
	            "[HKEY_LOCAL_MACHINE\\SOFTWARE\\A\\Gone\\Deep]\n"
	            "\"v\"=\"1\"\n"
	            "[-HKEY_LOCAL_MACHINE\\SOFTWARE\\A\\Gone]\n"
	            "\"after\"=\"ignored too\"\n"
	            "[-HKEY_LOCAL_MACHINE\\SOFTWARE\\NeverThere\\X]\n"
	            "[HKEY_LOCAL_MACHINE\\SOFTWARE\\A\\Back]\n"
	            "[-HKEY_LOCAL_MACHINE\\SOFTWARE\\A\\Back]\n"
	            "[HKEY_LOCAL_MACHINE\\SOFTWARE\\A\\Back\\Again]\n",
	            NULL, &err);
	CHECK(rt != NULL);
	if (!rt) {
		fprintf(stderr, "%s\n", err.msg);
		return;
	}
	in = ha_regtext_info(rt);
	CHECK_STR(in->encoding, "ASCII");
	CHECK_INT(in->keys_ignored, 2);
	CHECK_INT(in->values_ignored, 3);
	CHECK_INT(in->keys_deleted, 2);
	CHECK_INT(in->values_deleted, 1);
	VALUE(rt, HA_SOFTWARE, "A", "x", HA_REG_DWORD, "\x03\0\0\0", 4);
	CHECK(absent(rt, HA_SOFTWARE, "A", "y"));
	CHECK(absent(rt, HA_SOFTWARE, "A\\Gone", NULL));
	CHECK(absent(rt, HA_SOFTWARE, "A\\Gone\\Deep", "v"));
	CHECK(ha_regtext_get(rt, HA_SOFTWARE, "A\\Back\\Again", NULL, NULL, NULL, NULL) == HA_OK);
	/* Deleted and below a given key: known to be absent. */
	CHECK_INT(ha_rt_path_covered(rt, HA_SOFTWARE, "A\\Gone\\Deep", &why), 1);
	/* A delete of a key never seen says nothing about its siblings. */
	CHECK_INT(ha_rt_path_covered(rt, HA_SOFTWARE, "NeverThere\\X", &why), 0);
	CHECK_STR(why.msg,
	          "HKLM\\SOFTWARE\\NeverThere\\X is outside the sub-trees of HKLM\\SOFTWARE "
	          "that the .reg export holds, so the export cannot tell what is there");
	ha_regtext_free(rt);
}

static void test_regedit4_ansi(void)
{
	struct ha_err err;
	struct ha_regtext *rt;
	static const uint8_t s[] = {'C', 0, 0xe9, 0, 0xac, 0x20, 0, 0}; /* "Cé€" */
	static const uint8_t ex[] = {'%', 0, 0xe9, 0, 0, 0};            /* hex(2) widened */
	static const uint8_t ms[] = {'a', 0, 0, 0, 'b', 0, 0, 0, 0, 0}; /* hex(7) widened */

	rt = parse8("REGEDIT4\r\n\r\n"
	            "[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Control]\r\n"
	            "\"S\"=\"C\xe9\x80\"\r\n"
	            "\"E\"=hex(2):25,e9,00\r\n"
	            "\"M\"=hex(7):61,00,62,00,00\r\n"
	            "\"B\"=hex:e9\r\n",
	            NULL, &err);
	CHECK(rt != NULL);
	if (!rt) {
		fprintf(stderr, "%s\n", err.msg);
		return;
	}
	CHECK_INT(ha_regtext_info(rt)->format, 4);
	CHECK_STR(ha_regtext_info(rt)->encoding, "Windows-1252");
	VALUE(rt, HA_SYSTEM, "ControlSet001\\Control", "S", HA_REG_SZ, s, sizeof s);
	VALUE(rt, HA_SYSTEM, "ControlSet001\\Control", "E", HA_REG_EXPAND_SZ, ex, sizeof ex);
	VALUE(rt, HA_SYSTEM, "ControlSet001\\Control", "M", HA_REG_MULTI_SZ, ms, sizeof ms);
	VALUE(rt, HA_SYSTEM, "ControlSet001\\Control", "B", HA_REG_BINARY, "\xe9", 1);
	ha_regtext_free(rt);
}

static void test_utf8_bom_and_concatenation(void)
{
	struct ha_err err;
	struct ha_regtext *rt;

	rt = parse8("\xEF\xBB\xBFWindows Registry Editor Version 5.00  \n"
	            "[HKLM\\SYSTEM\\Select]\n"
	            "\"Current\"=dword:00000001\n"
	            "\n"
	            "Windows Registry Editor Version 5.00\n"
	            "[HKLM\\SOFTWARE\\Caf\xc3\xa9]\n"
	            "\"v\" = \"x\"   ; trailing comment\n",
	            NULL, &err);
	CHECK(rt != NULL);
	if (!rt) {
		fprintf(stderr, "%s\n", err.msg);
		return;
	}
	CHECK_STR(ha_regtext_info(rt)->encoding, "UTF-8");
	VALUE(rt, HA_SYSTEM, "Select", "Current", HA_REG_DWORD, "\x01\0\0\0", 4);
	VALUE(rt, HA_SOFTWARE, "Caf\xc3\xa9", "v", HA_REG_SZ, "x\0\0", 4);
	CHECK_INT(ha_regtext_has(rt, HA_SYSTEM), 1);
	CHECK_INT(ha_regtext_has(rt, HA_SOFTWARE), 1);
	ha_regtext_free(rt);
}

static void test_sniff(void)
{
	size_t n;
	uint8_t *p = utf16("Windows Registry Editor Version 5.00\r\n", &n);

	CHECK_INT(ha_regtext_sniff(p, n), 5);
	CHECK_INT(ha_regtext_sniff(p + 2, n - 2), 5); /* no BOM */
	CHECK_INT(ha_regtext_sniff(p, 20), 0);        /* cut inside the header */
	free(p);
	CHECK_INT(ha_regtext_sniff((const uint8_t *)"REGEDIT4\r\n", 10), 4);
	CHECK_INT(ha_regtext_sniff((const uint8_t *)"REGEDIT4", 8), 4);
	CHECK_INT(ha_regtext_sniff((const uint8_t *)"REGEDIT45\r\n", 11), 0);
	CHECK_INT(ha_regtext_sniff((const uint8_t *)"regf\0\0\0\0", 8), 0);
	CHECK_INT(ha_regtext_sniff((const uint8_t *)"\xEF\xBB\xBFREGEDIT4\n", 12), 4);
	CHECK_INT(ha_regtext_sniff((const uint8_t *)"", 0), 0);
}

/* -------------------------------------------------- CurrentControlSet */

static void test_current_control_set(void)
{
	struct ha_err err;
	struct ha_regtext *rt;
	struct ha_err why;

	/* Select\Current = 2: CurrentControlSet is ControlSet002. */
	rt = parse8("REGEDIT4\n"
	            "[HKEY_LOCAL_MACHINE\\SYSTEM\\Select]\n"
	            "\"Current\"=dword:00000002\n"
	            "[HKEY_LOCAL_"
	            "MACHINE\\SYSTEM\\CurrentControlSet\\Control\\ComputerName\\ComputerName]\n"
	            "\"ComputerName\"=\"WEB01\"\n",
	            NULL, &err);
	CHECK(rt != NULL);
	if (!rt)
		return;
	CHECK_INT(ha_regtext_info(rt)->ccs_mapped, 2);
	CHECK_STR(ha_regtext_info(rt)->ccs_note,
	          "the export's CurrentControlSet keys were read as ControlSet002 "
	          "(Select\\Current = 2 in the export)");
	VALUE(rt, HA_SYSTEM, "ControlSet002\\Control\\ComputerName\\ComputerName", "ComputerName",
	      HA_REG_SZ, "W\0E\0B\0000\0001\0\0", 12);
	CHECK(absent(rt, HA_SYSTEM, "CurrentControlSet", NULL));
	CHECK_INT(ha_rt_path_covered(rt, HA_SYSTEM,
	                             "ControlSet002\\Control\\ComputerName\\ComputerName", &why),
	          1);
	CHECK_INT(ha_rt_path_covered(rt, HA_SYSTEM, "ControlSet002\\Control\\Lsa", &why), 0);
	ha_regtext_free(rt);

	/* No Select: ControlSet001, and the note says why. */
	rt = parse8("REGEDIT4\n"
	            "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control]\n"
	            "\"A\"=dword:00000001\n",
	            NULL, &err);
	CHECK(rt != NULL);
	if (!rt)
		return;
	CHECK_INT(ha_regtext_info(rt)->ccs_mapped, 1);
	CHECK_HAS(ha_regtext_info(rt)->ccs_note, "(Select\\Current is not in the export)");
	VALUE(rt, HA_SYSTEM, "ControlSet001\\Control", "A", HA_REG_DWORD, "\x01\0\0\0", 4);
	ha_regtext_free(rt);

	/* A Select\Current that is no control set number: ControlSet001. */
	rt = parse8("REGEDIT4\n"
	            "[HKEY_LOCAL_MACHINE\\SYSTEM\\Select]\n"
	            "\"Current\"=\"2\"\n"
	            "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control]\n",
	            NULL, &err);
	CHECK(rt != NULL);
	if (!rt)
		return;
	CHECK_INT(ha_regtext_info(rt)->ccs_mapped, 1);
	CHECK_HAS(ha_regtext_info(rt)->ccs_note,
	          "(Select\\Current in the export is not a DWORD from 1 to 999)");
	CHECK(ha_regtext_get(rt, HA_SYSTEM, "ControlSet001\\Control", NULL, NULL, NULL, NULL) ==
	      HA_OK);
	ha_regtext_free(rt);

	/* Both forms, as a whole-hive export may hold: merged, the physical
	 * control set's own values win. */
	rt = parse8("REGEDIT4\n"
	            "[HKEY_LOCAL_MACHINE\\SYSTEM]\n"
	            "[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Control]\n"
	            "\"A\"=dword:00000001\n"
	            "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control]\n"
	            "\"A\"=dword:00000009\n"
	            "\"B\"=dword:00000002\n"
	            "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\X]\n"
	            "\"C\"=dword:00000003\n",
	            NULL, &err);
	CHECK(rt != NULL);
	if (!rt)
		return;
	VALUE(rt, HA_SYSTEM, "ControlSet001\\Control", "A", HA_REG_DWORD, "\x01\0\0\0", 4);
	VALUE(rt, HA_SYSTEM, "ControlSet001\\Control", "B", HA_REG_DWORD, "\x02\0\0\0", 4);
	VALUE(rt, HA_SYSTEM, "ControlSet001\\Services\\X", "C", HA_REG_DWORD, "\x03\0\0\0", 4);
	CHECK(absent(rt, HA_SYSTEM, "CurrentControlSet", NULL));
	CHECK_INT(ha_rt_path_covered(rt, HA_SYSTEM, "Anything\\At\\All", &why), 1);
	ha_regtext_free(rt);
}

static void test_describe(void)
{
	struct ha_err err;
	struct ha_regtext *rt;
	char *d;

	rt = parse8("REGEDIT4\n"
	            "[HKEY_LOCAL_MACHINE\\SOFTWARE]\n"
	            "[HKEY_LOCAL_MACHINE\\SOFTWARE\\X]\n"
	            "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\A]\n"
	            "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\B]\n"
	            "[HKEY_CURRENT_USER\\X]\n",
	            NULL, &err);
	CHECK(rt != NULL);
	if (!rt)
		return;
	d = ha_regtext_describe(rt, HA_SOFTWARE);
	CHECK_STR(d,
	          "read from a .reg text export (REGEDIT4, ASCII), not a hive file: key times are "
	          "not recorded in an export, and the SHA-256 is the export file's; exported: the "
	          "whole of HKLM\\SOFTWARE; 1 key outside HKLM\\SYSTEM and HKLM\\SOFTWARE ignored");
	free(d);
	d = ha_regtext_describe(rt, HA_SYSTEM);
	CHECK_STR(d,
	          "read from a .reg text export (REGEDIT4, ASCII), not a hive file: key times are "
	          "not recorded in an export, and the SHA-256 is the export file's; exported "
	          "sub-trees: HKLM\\SYSTEM\\ControlSet001\\Control\\A, "
	          "HKLM\\SYSTEM\\ControlSet001\\Control\\B (keys elsewhere are unknown); the "
	          "export's CurrentControlSet keys were read as ControlSet001 (Select\\Current is "
	          "not in the export); 1 key outside HKLM\\SYSTEM and HKLM\\SOFTWARE ignored");
	free(d);
	ha_regtext_free(rt);
}

/* Deleting keys and values keeps the others in file order, and costs the
 * same wherever they sit in a long list (no quadratic removal). */
static void test_delete_order_and_cost(void)
{
	struct ha_err err;
	struct ha_regtext *rt;
	struct ha_buf b;
	ha_node root, a, *kids = NULL;
	ha_vnode *vals = NULL;
	size_t n = 0, i;
	struct timespec t0, t1;
	double secs;
	struct ha_buf nb;
	const size_t N = 200000, NV = 100000; /* NV: the values limit */

	ha_buf_init(&b, 0);
	ha_buf_puts(&b, "REGEDIT4\n[HKLM\\SOFTWARE\\A]\n");
	for (i = 0; i < NV; i++)
		ha_buf_printf(&b, "\"v%zu\"=dword:%zx\n", i, i);
	for (i = 0; i < N; i++)
		ha_buf_printf(&b, "[HKLM\\SOFTWARE\\A\\k%zu]\n", i);
	/* Delete all but the last three, front first, then revive one. */
	for (i = 0; i + 3 < N; i++)
		ha_buf_printf(&b, "[-HKLM\\SOFTWARE\\A\\k%zu]\n", i);
	ha_buf_puts(&b, "[HKLM\\SOFTWARE\\A]\n");
	for (i = 0; i + 3 < NV; i++)
		ha_buf_printf(&b, "\"v%zu\"=-\n", i);
	ha_buf_puts(&b, "[HKLM\\SOFTWARE\\A\\k5]\n[HKLM\\SOFTWARE\\A]\n\"v7\"=dword:7\n");
	CHECK_INT(ha_buf_status(&b), HA_OK);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	rt = parse8(ha_buf_cstr(&b), NULL, &err);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
	ha_buf_free(&b);
	CHECK(rt != NULL);
	if (!rt)
		return;
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	/* CPU time, not wall time: the machine may be busy.  About 0.4 s (2 s
	 * under AddressSanitizer); removals that move the list take far longer. */
	CHECK(secs < 8.0);
	root = ha_rt_root(rt, HA_SOFTWARE);
	a = ha_rt_child(rt, root, "A");
	CHECK(a != 0);
	CHECK_INT(ha_rt_children(rt, a, &kids, &n), HA_OK);
	CHECK_INT(n, 4);
	ha_buf_init(&nb, 0);
	for (i = 0; i < n; i++) {
		ha_buf_puts(&nb, i ? "," : "");
		CHECK_INT(ha_rt_node_name(rt, kids[i], &nb), HA_OK);
	}
	CHECK_STR(ha_buf_cstr(&nb), "k199997,k199998,k199999,k5");
	free(kids);
	CHECK_INT(ha_rt_values(rt, a, &vals, &n), HA_OK);
	CHECK_INT(n, 4);
	ha_buf_truncate(&nb, 0);
	for (i = 0; i < n; i++) {
		ha_buf_puts(&nb, i ? "," : "");
		CHECK_INT(ha_rt_value_name(rt, vals[i], &nb), HA_OK);
	}
	CHECK_STR(ha_buf_cstr(&nb), "v99997,v99998,v99999,v7");
	free(vals);
	ha_buf_free(&nb);
	CHECK_INT(ha_regtext_info(rt)->keys_deleted, N - 3);
	CHECK_INT(ha_regtext_info(rt)->values_deleted, NV - 3);
	ha_regtext_free(rt);
}

/* ------------------------------------------------------------ errors */

static void expect_error(const char *text, int code, const char *msg, int line)
{
	struct ha_err err;
	struct ha_regtext *rt = parse8(text, NULL, &err);

	if (rt) {
		check_fail(__FILE__, line, "parsed, expected \"%s\"", msg);
		ha_regtext_free(rt);
		return;
	}
	if (err.code != code || strcmp(err.msg, msg) != 0)
		check_fail(__FILE__, line, "error %d \"%s\", expected %d \"%s\"", err.code, err.msg,
		           code, msg);
}
#define ERR(text, msg) expect_error(text, HA_ERR_FORMAT, msg, __LINE__)

static void test_errors_with_line_numbers(void)
{
	ERR("", "line 1: not a .reg export: the first line is not \"Windows Registry Editor "
	        "Version 5.00\" or \"REGEDIT4\"");
	ERR("REGEDIT5\n", "line 1: not a .reg export: the first line is not \"Windows Registry "
	                  "Editor Version 5.00\" or \"REGEDIT4\"");
	ERR("\xFE\xFF\0W", "line 1: UTF-16BE text; regedit writes UTF-16LE");
	ERR("REGEDIT4\n\"v\"=\"x\"\n", "line 2: a value before any key");
	ERR("REGEDIT4\n[HKLM\\SOFTWARE\\A]\n\"v\"=dword:123456789\n",
	    "line 3: dword: needs 1 to 8 hex digits");
	ERR("REGEDIT4\n[HKLM\\SOFTWARE\\A]\n\"v\"=dword:\n",
	    "line 3: dword: needs 1 to 8 hex digits");
	ERR("REGEDIT4\n[HKLM\\SOFTWARE\\A]\n\"v\"=dword:1x\n",
	    "line 3: unexpected text after the value's data: 'x'");
	ERR("REGEDIT4\n\n[HKLM\\SOFTWARE\\A]\n\"v\"=\"open\n", "line 4: string: no closing quote");
	ERR("REGEDIT4\n[HKLM\\SOFTWARE\\A]\n\"v=\"x\"\n",
	    "line 3: expected '=' after the value name");
	ERR("REGEDIT4\n[HKLM\\SOFTWARE\\A]\n\"v\"=hex:0g\n",
	    "line 3: hex data: expected ',' after a byte, found 'g'");
	ERR("REGEDIT4\n[HKLM\\SOFTWARE\\A]\n\"v\"=hex:01,,02\n",
	    "line 3: hex data: ',' is not a hex digit");
	ERR("REGEDIT4\n[HKLM\\SOFTWARE\\A]\n\"v\"=hex(123456789):00\n",
	    "line 3: hex(N): N must be 1 to 8 hex digits");
	ERR("REGEDIT4\n[HKLM\\SOFTWARE\\A]\n\"v\"=hex(2)00\n", "line 3: expected ':' after hex");
	ERR("REGEDIT4\n[HKLM\\SOFTWARE\\A]\n\"v\"=hex:00,\\\n",
	    "line 3: a continued line at the end of the file");
	/* The line number is that of the physical line the error is on. */
	ERR("REGEDIT4\n[HKLM\\SOFTWARE\\A]\n\"v\"=hex:00,\\\n  01,\\\n  zz\n",
	    "line 5: hex data: 'z' is not a hex digit");
	ERR("REGEDIT4\n[HKLM\\SOFTWARE\\A]\n\"v\"=qword:1\n",
	    "line 3: unknown value data 'qword:1' (expected \"text\", dword:, hex: or hex(N):)");
	ERR("REGEDIT4\n[HKLM\\SOFTWARE\\A]\nv=\"x\"\n",
	    "line 3: expected '[', '\"' or '@' at the start of a line, found 'v=\"x\"'");
	ERR("REGEDIT4\n[HKLM\\SOFTWARE\\A\n", "line 2: a key line without its closing ']'");
	ERR("REGEDIT4\n[HKLM\\SOFTWARE\\A] x\n", "line 2: unexpected text after a key name: 'x'");
	ERR("REGEDIT4\n[]\n", "line 2: an empty key name");
	ERR("REGEDIT4\n[HKLM\\SOFTWARE\\\\A]\n", "line 2: an empty key name component");
	ERR("REGEDIT4\n[HKLM\\SOFTWARE\\A\\]\n", "line 2: an empty key name component");
	ERR("REGEDIT4\n[HKLM\\SOFTWARE\\]\n", "line 2: an empty key name component");
	ERR("REGEDIT4\n[HKLM\\\\SOFTWARE]\n", "line 2: an empty key name component");
	ERR("REGEDIT4\n[HKEY_NOWHERE\\A]\n", "line 2: 'HKEY_NOWHERE' is not a registry root key");
	ERR("REGEDIT4\n[HKLM\\SOFTWARE\\A]\n\"v\"=\"x\" y\n",
	    "line 3: unexpected text after the value's data: 'y'");
	/* Quotes of the file in messages are valid UTF-8 without controls. */
	ERR("REGEDIT4\n[HKLM\\SOFTWARE\\A]\n\"v\"=hex:\x01\n",
	    "line 3: hex data: '?' is not a hex digit");
	ERR("REGEDIT4\n[HKLM\\SOFTWARE\\A]\n\"v\"=hex:\xc3\xa9\n",
	    "line 3: hex data: '\xef\xbf\xbd' is not a hex digit");
	{
		static const char nul[] = "REGEDIT4\n[HKLM\\SOFTWARE\\A]\n\"v\"=\"x\0\"\n";
		struct ha_regtext *rt = NULL;
		struct ha_err err;

		ha_err_clear(&err);
		CHECK_INT(ha_regtext_parse((const uint8_t *)nul, sizeof nul - 1, NULL, &rt, &err),
		          HA_ERR_FORMAT);
		CHECK_STR(err.msg, "a NUL byte at offset 33 in 8-bit text");
		ha_regtext_free(rt);
	}
}

static void test_limits(void)
{
	struct ha_regtext_limits lim;
	struct ha_err err;
	struct ha_regtext *rt;
	struct ha_buf b;
	int i;

	memset(&lim, 0, sizeof lim);
	lim.max_depth = 4;
	rt = parse8("REGEDIT4\n[HKLM\\SOFTWARE\\A\\B\\C]\n", &lim, &err);
	CHECK(rt != NULL);
	ha_regtext_free(rt);
	rt = parse8("REGEDIT4\n[HKLM\\SOFTWARE\\A\\B\\C\\D]\n", &lim, &err);
	CHECK(rt == NULL);
	CHECK_STR(err.msg, "line 2: key deeper than 4 levels");

	memset(&lim, 0, sizeof lim);
	lim.max_key_values = 2;
	rt = parse8("REGEDIT4\n[HKLM\\SOFTWARE\\A]\n\"a\"=\"1\"\n\"b\"=\"2\"\n\"a\"=\"3\"\n"
	            "\"c\"=\"4\"\n",
	            &lim, &err);
	CHECK(rt == NULL);
	CHECK_STR(err.msg, "line 6: more than 2 values in one key");

	memset(&lim, 0, sizeof lim);
	lim.max_keys = 3; /* HKLM, SOFTWARE, A */
	rt = parse8("REGEDIT4\n[HKLM\\SOFTWARE\\A]\n[HKLM\\SOFTWARE\\B]\n", &lim, &err);
	CHECK(rt == NULL);
	CHECK_STR(err.msg, "line 3: more than 3 keys");

	memset(&lim, 0, sizeof lim);
	lim.max_line = 40;
	ha_buf_init(&b, 0);
	ha_buf_puts(&b, "REGEDIT4\n[HKLM\\SOFTWARE\\A]\n\"v\"=hex:");
	for (i = 0; i < 20; i++)
		ha_buf_puts(&b, "00,\\\n  ");
	ha_buf_puts(&b, "00\n");
	rt = parse8(ha_buf_cstr(&b), &lim, &err);
	CHECK(rt == NULL);
	CHECK_STR(err.msg, "line 14: a line longer than 40 bytes");
	ha_buf_free(&b);

	memset(&lim, 0, sizeof lim);
	lim.max_file = 8;
	rt = parse8("REGEDIT4\n", &lim, &err);
	CHECK(rt == NULL);
	CHECK_INT(err.code, HA_ERR_LIMIT);
	CHECK_STR(err.msg, "the export is 9 bytes, more than the 8 read");
}

/* ------------------------------------------- discovery and the reader */

static void test_host_from_export(void)
{
	char *dir = tu_tempdir("regtext");
	char path[4096];
	const char *paths[1];
	struct ha_fleet fl;
	struct ha_err err;
	struct ha_reqset rs;
	struct ha_snapshot s;
	const struct ha_key *k;
	size_t n;
	uint8_t *p = utf16(
	        "Windows Registry Editor Version 5.00\r\n\r\n"
	        "[HKEY_LOCAL_"
	        "MACHINE\\SYSTEM\\CurrentControlSet\\Control\\ComputerName\\ComputerName]\r\n"
	        "\"ComputerName\"=\"WEB01\"\r\n\r\n"
	        "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders]\r\n",
	        &n);

	snprintf(path, sizeof path, "%s/WEB01.reg", dir);
	CHECK_INT(tu_write(path, p, n), 0);
	free(p);
	paths[0] = path;
	ha_err_clear(&err);
	CHECK_INT(ha_discover(paths, 1, &fl, &err), HA_OK);
	CHECK_INT(fl.nhosts, 1);
	if (fl.nhosts != 1) {
		tu_rmtree(dir);
		free(dir);
		return;
	}
	CHECK_STR(fl.hosts[0].label, "WEB01");
	CHECK_STR(fl.hosts[0].dir, path);
	CHECK_INT(fl.hosts[0].nfiles, 2);
	CHECK_INT(fl.hosts[0].files[0].is_export, 1);
	CHECK_INT(fl.hosts[0].files[0].hint, HA_FK_SYSTEM);
	CHECK_INT(fl.hosts[0].files[1].is_export, 1);
	CHECK_INT(fl.hosts[0].files[1].hint, HA_FK_SOFTWARE);

	ha_reqset_init(&rs);
	CHECK_INT(ha_facts_requests(&rs, &err), HA_OK);
	CHECK_INT(ha_reqset_add(&rs, HA_SYSTEM,
	                        "CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL", NULL,
	                        "x", &err),
	          HA_OK);
	CHECK_INT(ha_reqset_add(&rs, HA_SYSTEM, "CurrentControlSet\\Control\\Lsa", NULL, "x", &err),
	          HA_OK);
	ha_snapshot_init(&s);
	CHECK_INT(ha_read_host(&fl.hosts[0], &rs, NULL, NULL, NULL, &s, &err), HA_OK);
	CHECK_INT(s.nfiles, 2);
	CHECK_INT(s.files[0].status, HA_HS_OK);
	CHECK_INT(s.files[0].kind, HA_FK_SYSTEM);
	CHECK_STR(s.files[0].kind_why, "a .reg text export (Windows Registry Editor Version 5.00, "
	                               "UTF-16LE) holding HKEY_LOCAL_MACHINE\\SYSTEM keys");
	CHECK_HAS(s.files[0].reason, "read from a .reg text export");
	CHECK_INT(strlen(s.files[0].sha256), 64);
	CHECK_STR(s.files[1].sha256, s.files[0].sha256);
	CHECK_INT(s.files[1].status, HA_HS_MISSING);
	CHECK_STR(s.files[1].reason, "the export holds no HKEY_LOCAL_MACHINE\\SOFTWARE keys");
	CHECK_INT(s.role[HA_SYSTEM].file, 0);
	CHECK_INT(s.role[HA_SYSTEM].status, HA_HS_OK);
	CHECK_INT(s.role[HA_SOFTWARE].status, HA_HS_MISSING);
	CHECK_INT(s.ccs, 1);
	CHECK_STR(s.ccs_source, "no Select key; the only control set, ControlSet001, was used; the "
	                        "export's CurrentControlSet keys were read as ControlSet001 "
	                        "(Select\\Current is not in the export)");
	k = ha_snapshot_key(&s, HA_SYSTEM,
	                    "CurrentControlSet\\Control\\ComputerName\\ComputerName");
	CHECK(k != NULL);
	if (k) {
		CHECK_INT(k->state, HA_KEY_PRESENT);
		CHECK(k->last_write == HA_FT_NOT_RECORDED);
		CHECK_INT(k->nvalues, 1);
		CHECK_STR(k->ppath, "ControlSet001\\Control\\ComputerName\\ComputerName");
	}
	/* Inside an exported sub-tree, absent is absent. */
	k = ha_snapshot_key(&s, HA_SYSTEM,
	                    "CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL");
	CHECK(k != NULL);
	if (k)
		CHECK_INT(k->state, HA_KEY_ABSENT);
	/* Outside every exported sub-tree: unknown, with the reason. */
	k = ha_snapshot_key(&s, HA_SYSTEM, "CurrentControlSet\\Control\\Lsa");
	CHECK(k != NULL);
	if (k) {
		CHECK_INT(k->state, HA_KEY_UNAVAILABLE);
		CHECK_STR(k->error,
		          "HKLM\\SYSTEM\\ControlSet001\\Control\\Lsa is outside the sub-trees "
		          "of HKLM\\SYSTEM that the .reg export holds, so the export cannot "
		          "tell what is there");
	}
	k = ha_snapshot_key(&s, HA_SOFTWARE, "Microsoft\\Windows NT\\CurrentVersion");
	CHECK(k != NULL);
	if (k)
		CHECK_INT(k->state, HA_KEY_UNAVAILABLE);
	ha_snapshot_free(&s);
	ha_reqset_free(&rs);
	ha_fleet_free(&fl);

	/* A parse error is the status of both parts, with its line. */
	CHECK_INT(tu_write(path, "REGEDIT4\n[HKLM\\SYSTEM\\A]\n\"v\"=dword:xyz\n", 38), 0);
	CHECK_INT(ha_discover(paths, 1, &fl, &err), HA_OK);
	CHECK_INT(fl.nhosts, 1);
	ha_reqset_init(&rs);
	CHECK_INT(ha_facts_requests(&rs, &err), HA_OK);
	ha_snapshot_init(&s);
	if (fl.nhosts == 1)
		CHECK_INT(ha_read_host(&fl.hosts[0], &rs, NULL, NULL, NULL, &s, &err), HA_OK);
	CHECK_INT(s.nfiles, 2);
	if (s.nfiles == 2) {
		CHECK_INT(s.files[0].status, HA_HS_UNREADABLE);
		CHECK_STR(s.files[0].reason,
		          "a .reg text export that cannot be read: line 3: dword: "
		          "needs 1 to 8 hex digits");
		CHECK_STR(s.files[1].reason, s.files[0].reason);
		CHECK_INT(s.role[HA_SOFTWARE].status, HA_HS_UNREADABLE);
	}
	ha_snapshot_free(&s);
	ha_reqset_free(&rs);
	ha_fleet_free(&fl);

	/* In a host folder, the host is the folder. */
	snprintf(path, sizeof path, "%s/HOSTX/export.reg", dir);
	CHECK_INT(tu_write(path, "REGEDIT4\n[HKLM\\SYSTEM\\A]\n", 25), 0);
	snprintf(path, sizeof path, "%s/HOSTX", dir);
	paths[0] = path;
	CHECK_INT(ha_discover(paths, 1, &fl, &err), HA_OK);
	CHECK_INT(fl.nhosts, 1);
	if (fl.nhosts == 1) {
		CHECK_STR(fl.hosts[0].label, "HOSTX");
		CHECK_INT(fl.hosts[0].nfiles, 2);
	}
	ha_fleet_free(&fl);

	/* Beside a SYSTEM hive, an export that holds SYSTEM keys too is a
	 * conflict, as two hives would be; its SOFTWARE part is used. */
	{
		char src[4096];

		snprintf(src, sizeof src, "%s/samples/fleet/srv2019/SYSTEM", tu_source_dir());
		snprintf(path, sizeof path, "%s/HOSTY/SYSTEM", dir);
		CHECK_INT(tu_write(path, "", 0), 0);
		CHECK_INT(tu_copy(src, path), 0);
		snprintf(path, sizeof path, "%s/HOSTY/both.reg", dir);
		{
			static const char both[] =
			        "REGEDIT4\n[HKLM\\SYSTEM\\Select]\n[HKLM\\SOFTWARE\\X]\n";

			CHECK_INT(tu_write(path, both, sizeof both - 1), 0);
		}
		/* Not an export: ignored, as any other file that is not a hive. */
		snprintf(path, sizeof path, "%s/HOSTY/notes.reg", dir);
		CHECK_INT(tu_write(path, "; REGEDIT4\n", 11), 0); /* 11 bytes: the whole text */
		snprintf(path, sizeof path, "%s/HOSTY", dir);
		paths[0] = path;
		CHECK_INT(ha_discover(paths, 1, &fl, &err), HA_OK);
		CHECK_INT(fl.nhosts, 1);
		ha_reqset_init(&rs);
		CHECK_INT(ha_facts_requests(&rs, &err), HA_OK);
		ha_snapshot_init(&s);
		if (fl.nhosts == 1) {
			CHECK_INT(fl.hosts[0].nfiles, 3);
			CHECK_INT(ha_read_host(&fl.hosts[0], &rs, NULL, NULL, NULL, &s, &err),
			          HA_OK);
		}
		CHECK_INT(s.role[HA_SYSTEM].status, HA_HS_CONFLICT);
		CHECK_HAS(s.role[HA_SYSTEM].reason, "2 SYSTEM hives in one host folder");
		CHECK_INT(s.role[HA_SOFTWARE].status, HA_HS_OK);
		CHECK_INT(s.role[HA_SOFTWARE].file,
		          2); /* SYSTEM, both.reg SYSTEM part, its SOFTWARE part */
		ha_snapshot_free(&s);
		ha_reqset_free(&rs);
		ha_fleet_free(&fl);
	}
	tu_rmtree(dir);
	free(dir);
}

int main(int argc, char **argv)
{
	static const struct check_case cases[] = {
	        CHECK_CASE(test_every_type_utf16),
	        CHECK_CASE(test_merge_delete_and_ignore),
	        CHECK_CASE(test_regedit4_ansi),
	        CHECK_CASE(test_utf8_bom_and_concatenation),
	        CHECK_CASE(test_sniff),
	        CHECK_CASE(test_current_control_set),
	        CHECK_CASE(test_describe),
	        CHECK_CASE(test_delete_order_and_cost),
	        CHECK_CASE(test_errors_with_line_numbers),
	        CHECK_CASE(test_limits),
	        CHECK_CASE(test_host_from_export),
	};

	return check_run(cases, sizeof cases / sizeof cases[0], argc, argv);
}
