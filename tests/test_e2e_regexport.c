/* test_e2e_regexport.c: the built program on .reg text exports of the
 * sample fleet.
 *
 * At test time every clean sample host's hives are written out as .reg
 * text by a small exporter below (it walks the hive with hivex, as regedit
 * walks the registry), in several layouts and encodings:
 *   A  one UTF-16LE export holding SYSTEM and SOFTWARE, in a host folder;
 *   B  a UTF-8 export given directly as a PATH (host = file name);
 *   C  two files per host: SYSTEM as a REGEDIT4 (ANSI) export of
 *      HKLM\SYSTEM\CurrentControlSet only, SOFTWARE as a UTF-16LE export.
 * Each scan must give, host by host, the same findings as the folder scan
 * of the same hives, except the evidence columns (paths, hashes, times),
 * and the evidence must say where the values came from. */
#include <dirent.h>
#include <fcntl.h>
#include <hivex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "ha_common.h"
#include "testproc.h"
#include "testutil.h"

static char *tmp;

/* snprintf for paths: a cut path fails the test where it is used. */
static void setf(char *d, size_t n, const char *fmt, ...) HA_PRINTF(3, 4);
static void setf(char *d, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d, n, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------ the exporter */

enum { F_UTF16 = 0, F_UTF8 = 1, F_ANSI = 2 };

struct exporter {
	hive_h *h;
	int format;
	struct ha_buf *out; /* UTF-8 text, converted at the end */
	int bad;            /* a value REGEDIT4 cannot hold */
};

static void put_quoted(struct ha_buf *b, const char *s)
{
	ha_buf_putc(b, '"');
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			ha_buf_putc(b, '\\');
		ha_buf_putc(b, *s);
	}
	ha_buf_putc(b, '"');
}

/* The hex form, wrapped as regedit wraps it (a '\' and two spaces once a
 * line reaches 77 characters). */
static void put_hex(struct ha_buf *b, size_t linestart, const char *head, const uint8_t *p,
                    size_t n)
{
	size_t i, col;

	ha_buf_puts(b, head);
	col = b->len - linestart;
	for (i = 0; i < n; i++) {
		ha_buf_printf(b, "%02x%s", p[i], i + 1 < n ? "," : "");
		col += i + 1 < n ? 3 : 2;
		if (i + 1 < n && col >= 76) {
			ha_buf_puts(b, "\\\r\n  ");
			col = 2;
		}
	}
}

/* UTF-16LE data that is exactly a string and its NUL, as UTF-8. */
static char *as_string(const uint8_t *p, size_t n)
{
	struct ha_buf u, back;
	char *s;
	int same;

	if (n < 2 || n % 2)
		return NULL;
	ha_buf_init(&u, 0);
	ha_utf16le_to_utf8(&u, p, n - 2, 0);
	ha_buf_init(&back, 0);
	ha_utf8_to_utf16le(&back, ha_buf_cstr(&u));
	same = back.len == n && memcmp(back.data, p, n) == 0 && !strpbrk(ha_buf_cstr(&u), "\r\n");
	ha_buf_free(&back);
	s = same ? ha_buf_detach(&u, NULL) : NULL;
	ha_buf_free(&u);
	return s;
}

/* REGEDIT4 holds strings as ANSI bytes: narrow UTF-16 code units. */
static uint8_t *narrow(struct exporter *x, const uint8_t *p, size_t n, size_t *out)
{
	uint8_t *r = malloc(n / 2 + 1);
	size_t i;

	if (!r || n % 2) {
		x->bad = 1;
		free(r);
		return NULL;
	}
	for (i = 0; i < n / 2; i++) {
		if (p[2 * i + 1] || p[2 * i] >= 0x80)
			x->bad = 1;
		r[i] = p[2 * i];
	}
	*out = n / 2;
	return r;
}

static void put_value(struct exporter *x, hive_value_h v)
{
	struct ha_buf *b = x->out;
	size_t start = b->len, len = 0;
	hive_type t = 0;
	char *name = hivex_value_key(x->h, v);
	char *data = hivex_value_value(x->h, v, &t, &len), *s;
	char head[32];

	if (!name || (!data && len)) {
		x->bad = 1;
		free(name);
		free(data);
		return;
	}
	if (!*name)
		ha_buf_putc(b, '@');
	else
		put_quoted(b, name);
	ha_buf_putc(b, '=');
	if (t == 1 && (s = as_string((const uint8_t *)data, len)) != NULL) {
		put_quoted(b, s);
		free(s);
	} else if (t == 4 && len == 4) {
		ha_buf_printf(b, "dword:%08x", ha_le32((const uint8_t *)data));
	} else {
		const uint8_t *p = (const uint8_t *)data;
		uint8_t *nar = NULL;
		size_t n = len;

		if (x->format == F_ANSI && (t == 1 || t == 2 || t == 7)) {
			nar = narrow(x, p, len, &n);
			p = nar;
		}
		if (t == 3)
			setf(head, sizeof head, "hex:");
		else
			setf(head, sizeof head, "hex(%x):", (unsigned)t);
		put_hex(b, start, head, p ? p : (const uint8_t *)"", p ? n : 0);
		free(nar);
	}
	ha_buf_puts(b, "\r\n");
	free(name);
	free(data);
}

/* Writes the key at `node` as `path` and then its subkeys, depth first. */
static void put_key(struct exporter *x, hive_node_h node, const char *path)
{
	hive_value_h *vals = hivex_node_values(x->h, node);
	hive_node_h *kids = hivex_node_children(x->h, node);
	size_t i;

	ha_buf_printf(x->out, "\r\n[%s]\r\n", path);
	for (i = 0; vals && vals[i]; i++)
		put_value(x, vals[i]);
	for (i = 0; kids && kids[i]; i++) {
		char *n = hivex_node_name(x->h, kids[i]);
		char *sub = n ? ha_asprintf("%s\\%s", path, n) : NULL;

		if (sub)
			put_key(x, kids[i], sub);
		else
			x->bad = 1;
		free(sub);
		free(n);
	}
	free(vals);
	free(kids);
}

/* Exports one hive into out: the whole hive under `root`
 * ("HKEY_LOCAL_MACHINE\SYSTEM"), or with ccs only the current control
 * set, as HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet. */
static int export_hive(const char *file, const char *root, int ccs, int format, struct ha_buf *out)
{
	struct exporter x = {0};
	hive_node_h r;

	x.h = hivex_open(file, 0);
	x.format = format;
	x.out = out;
	if (!x.h)
		return -1;
	r = hivex_root(x.h);
	if (!ccs) {
		put_key(&x, r, root);
	} else {
		hive_node_h sel = hivex_node_get_child(x.h, r, "Select"), cs;
		hive_value_h cur = sel ? hivex_node_get_value(x.h, sel, "Current") : 0;
		int32_t n = cur ? hivex_value_dword(x.h, cur) : 1;
		char name[32];

		setf(name, sizeof name, "ControlSet%03d", n);
		cs = hivex_node_get_child(x.h, r, name);
		if (!cs)
			x.bad = 1;
		else
			put_key(&x, cs, "HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet");
	}
	hivex_close(x.h);
	return x.bad || ha_buf_status(out) ? -1 : 0;
}

/* Writes text (UTF-8, CRLF) with the header, in the given encoding. */
static int write_export(const char *path, const char *text, int format)
{
	struct ha_buf b;
	int rc;
	size_t i;

	ha_buf_init(&b, 0);
	if (format == F_UTF16) {
		struct ha_buf t;

		ha_buf_init(&t, 0);
		ha_buf_puts(&t, "Windows Registry Editor Version 5.00\r\n");
		ha_buf_puts(&t, text);
		ha_buf_puts(&t, "\r\n");
		ha_buf_add(&b, "\xFF\xFE", 2);
		ha_utf8_to_utf16le(&b, ha_buf_cstr(&t));
		ha_buf_truncate(&b, b.len - 2); /* no NUL at the end of a file */
		ha_buf_free(&t);
	} else if (format == F_UTF8) {
		/* LF line ends, as a tool on Linux would write. */
		ha_buf_puts(&b, "Windows Registry Editor Version 5.00\n");
		for (i = 0; text[i]; i++)
			if (text[i] != '\r')
				ha_buf_putc(&b, text[i]);
	} else {
		ha_buf_puts(&b, "REGEDIT4\r\n");
		ha_buf_puts(&b, text);
	}
	rc = ha_buf_status(&b) ? -1 : tu_write(path, b.data, b.len);
	ha_buf_free(&b);
	return rc;
}

/* ----------------------------------------------------- the comparison */

#define MAX_HOSTS 64
static char *hosts[MAX_HOSTS];
static size_t nhosts;

static void pick_hosts(void)
{
	char dir[4096];
	DIR *d;
	struct dirent *e;

	setf(dir, sizeof dir, "%s/samples/fleet", tu_source_dir());
	d = opendir(dir);
	if (!d)
		return;
	while ((e = readdir(d)) != NULL && nhosts < MAX_HOSTS) {
		char p[4096];
		struct stat st;
		DIR *h;
		struct dirent *f;
		int files = 0, ok = 1;

		if (e->d_name[0] == '.' || strncmp(e->d_name, "dmg-", 4) == 0)
			continue;
		setf(p, sizeof p, "%s/%s", dir, e->d_name);
		if (stat(p, &st) != 0 || !S_ISDIR(st.st_mode) || !(h = opendir(p)))
			continue;
		/* Exactly SYSTEM and SOFTWARE: the hosts an export can stand for
		 * (no logs to replay, no disk layout). */
		while ((f = readdir(h)) != NULL) {
			if (f->d_name[0] == '.')
				continue;
			files++;
			if (strcmp(f->d_name, "SYSTEM") && strcmp(f->d_name, "SOFTWARE"))
				ok = 0;
		}
		closedir(h);
		if (ok && files == 2)
			hosts[nhosts++] = ha_strdup(e->d_name);
	}
	closedir(d);
}

static char *hive_of(const char *host, const char *kind)
{
	return ha_asprintf("%s/samples/fleet/%s/%s", tu_source_dir(), host, kind);
}

/* findings.csv rows as "host|rule" -> the compared columns joined. */
struct rows {
	struct tu_csv csv;
	int host, rule, cols[16];
	size_t ncols;
};

static int load(const char *outdir, struct rows *r)
{
	static const char *const names[] = {"host",     "computer_name", "rule_id",
	                                    "status",   "severity",      "title",
	                                    "observed", "expected",      "reason"};
	char path[4096];
	char *text;
	size_t i;

	setf(path, sizeof path, "%s/findings.csv", outdir);
	text = tu_read(path, NULL);
	memset(r, 0, sizeof *r);
	if (!text || tu_csv_parse(text, &r->csv) != 0) {
		free(text);
		return -1;
	}
	free(text);
	r->host = tu_csv_col(&r->csv, "host");
	r->rule = tu_csv_col(&r->csv, "rule_id");
	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		r->cols[r->ncols++] = tu_csv_col(&r->csv, names[i]);
	for (i = 0; i < r->ncols; i++)
		if (r->cols[i] < 0)
			return -1;
	return r->host < 0 || r->rule < 0 ? -1 : 0;
}

static const char *cell(const struct rows *r, size_t row, int col)
{
	return (size_t)col < r->csv.nfields[row] ? r->csv.rows[row][col] : "";
}

/* Every row of `want` for the hosts in `only` (NULL: all) has its twin in
 * `got` under host label map(host), equal in the compared columns; and
 * `got` has no other rows.  Returns the number of rows compared. */
static size_t compare(const struct rows *want, const struct rows *got, const char *const *only,
                      size_t nonly, const char *suffix, int line)
{
	size_t i, j, k, n = 0, gotn = 0;

	for (i = 1; i < want->csv.nrows; i++) {
		const char *h = cell(want, i, want->host);
		char label[512];
		int found = 0;

		for (k = 0; only && k < nonly; k++)
			if (!strcmp(only[k], h))
				break;
		if (only && k == nonly)
			continue;
		setf(label, sizeof label, "%s%s", h, suffix);
		for (j = 1; j < got->csv.nrows && !found; j++) {
			size_t c;

			if (strcmp(cell(got, j, got->host), label) ||
			    strcmp(cell(got, j, got->rule), cell(want, i, want->rule)))
				continue;
			found = 1;
			if (!strcmp(cell(want, i, want->rule), "HIVE-INTEGRITY")) {
				/* Its reason quotes the hive statuses, which say where
				 * the values came from: the one column that differs. */
				if (!strstr(cell(got, j, got->cols[got->ncols - 1]),
				            "hive ok: read from a .reg text export ("))
					check_fail(__FILE__, line,
					           "%s HIVE-INTEGRITY reason \"%s\"", label,
					           cell(got, j, got->cols[got->ncols - 1]));
			}
			for (c = 1; c < want->ncols; c++) {
				if (c == want->ncols - 1 &&
				    !strcmp(cell(want, i, want->rule), "HIVE-INTEGRITY"))
					continue;
				if (strcmp(cell(want, i, want->cols[c]),
				           cell(got, j, got->cols[c])) != 0)
					check_fail(__FILE__, line,
					           "%s %s column %zu: \"%s\" != \"%s\"", label,
					           cell(want, i, want->rule), c,
					           cell(want, i, want->cols[c]),
					           cell(got, j, got->cols[c]));
			}
		}
		if (!found)
			check_fail(__FILE__, line, "%s %s: no finding", label,
			           cell(want, i, want->rule));
		n++;
	}
	for (j = 1; j < got->csv.nrows; j++)
		gotn++;
	if (gotn != n)
		check_fail(__FILE__, line, "%zu findings from the exports, %zu expected", gotn, n);
	return n;
}

static int scan(const char *outdir, char **paths, size_t npaths, char **err)
{
	char *argv[MAX_HOSTS + 16];
	size_t a = 0, i;

	argv[a++] = (char *)tu_hiveaudit();
	argv[a++] = (char *)"scan";
	argv[a++] = (char *)"--quiet";
	argv[a++] = (char *)"--json";
	argv[a++] = (char *)"--as-of";
	argv[a++] = (char *)"2026-01-01";
	argv[a++] = (char *)"--out";
	argv[a++] = (char *)outdir;
	for (i = 0; i < npaths && a < MAX_HOSTS + 15; i++)
		argv[a++] = paths[i];
	argv[a] = NULL;
	return tu_run(argv, NULL, NULL, err);
}

static struct rows folder_rows;

static void test_folder_scan(void)
{
	char *paths[MAX_HOSTS], out[4096], *err = NULL;
	size_t i;
	int rc;

	for (i = 0; i < nhosts; i++)
		paths[i] = ha_asprintf("%s/samples/fleet/%s", tu_source_dir(), hosts[i]);
	setf(out, sizeof out, "%s/out-folders", tmp);
	rc = scan(out, paths, nhosts, &err);
	CHECK(rc == 0 || rc == 1);
	if (rc != 0 && rc != 1)
		fprintf(stderr, "%s\n", err ? err : "");
	CHECK_INT(load(out, &folder_rows), 0);
	CHECK(nhosts >= 30);
	CHECK(folder_rows.csv.nrows > nhosts * 10);
	for (i = 0; i < nhosts; i++)
		free(paths[i]);
	free(err);
}

/* A: one UTF-16LE export of both hives per host folder. */
static void test_layout_a_one_export_per_folder(void)
{
	char out[4096], dir[4096], path[4096], *err = NULL, *jsonl;
	char *paths[1];
	struct rows got;
	size_t i;
	int rc;

	if (folder_rows.csv.nrows == 0)
		test_folder_scan();

	setf(dir, sizeof dir, "%s/exp-a", tmp);
	for (i = 0; i < nhosts; i++) {
		struct ha_buf b;
		char *sy = hive_of(hosts[i], "SYSTEM"), *sw = hive_of(hosts[i], "SOFTWARE");

		ha_buf_init(&b, 0);
		CHECK_INT(export_hive(sy, "HKEY_LOCAL_MACHINE\\SYSTEM", 0, F_UTF16, &b), 0);
		CHECK_INT(export_hive(sw, "HKEY_LOCAL_MACHINE\\SOFTWARE", 0, F_UTF16, &b), 0);
		setf(path, sizeof path, "%s/%s/%s.reg", dir, hosts[i], hosts[i]);
		CHECK_INT(write_export(path, ha_buf_cstr(&b), F_UTF16), 0);
		ha_buf_free(&b);
		free(sy);
		free(sw);
	}
	setf(out, sizeof out, "%s/out-a", tmp);
	paths[0] = dir;
	rc = scan(out, paths, 1, &err);
	CHECK(rc == 0 || rc == 1);
	if (rc != 0 && rc != 1)
		fprintf(stderr, "%s\n", err ? err : "");
	CHECK_INT(load(out, &got), 0);
	CHECK_INT(compare(&folder_rows, &got, NULL, 0, "", __LINE__), folder_rows.csv.nrows - 1);
	tu_csv_free(&got.csv);

	/* The evidence names the export, its SHA-256, and no key time. */
	setf(path, sizeof path, "%s/findings.jsonl", out);
	jsonl = tu_read(path, NULL);
	CHECK(jsonl != NULL);
	if (jsonl) {
		char want[4096], hex[65];
		char *raw;
		size_t n;
		struct ha_err e;

		CHECK_HAS(jsonl, "\"key_last_write\":\"not recorded in an export\"");
		CHECK_LACKS(jsonl, "\"key_last_write\":\"20");
		setf(path, sizeof path, "%s/srv2019/srv2019.reg", dir);
		raw = tu_read(path, &n);
		CHECK(raw != NULL);
		if (raw && ha_sha256_hex(raw, n, hex, &e) == HA_OK) {
			setf(want, sizeof want, "\"hive_sha256\":\"%s\"", hex);
			CHECK_HAS(jsonl, want);
			setf(want, sizeof want, "\"hive_file\":\"%s\"", path);
			CHECK_HAS(jsonl, want);
		}
		free(raw);
	}
	free(jsonl);
	setf(path, sizeof path, "%s/findings.csv", out);
	jsonl = tu_read(path, NULL);
	CHECK_HAS(jsonl, "read from a .reg text export (Windows Registry Editor Version 5.00, "
	                 "UTF-16LE), not a hive file: key times are not recorded in an export, and "
	                 "the SHA-256 is the export file's; exported: the whole of HKLM\\SYSTEM");
	free(jsonl);
	free(err);
}

/* B: UTF-8 exports given directly as PATHs: the host is the file name. */
static void test_layout_b_file_given_directly(void)
{
	static const char *const pick[] = {"srv2012r2", "mis-schannel-case", "win7-sp1-x86"};
	char out[4096], *paths[3], *err = NULL;
	struct rows got;
	size_t i;
	int rc;

	if (folder_rows.csv.nrows == 0)
		test_folder_scan();

	for (i = 0; i < 3; i++) {
		struct ha_buf b;
		char *sy = hive_of(pick[i], "SYSTEM"), *sw = hive_of(pick[i], "SOFTWARE");

		ha_buf_init(&b, 0);
		CHECK_INT(export_hive(sw, "HKEY_LOCAL_MACHINE\\SOFTWARE", 0, F_UTF8, &b), 0);
		CHECK_INT(export_hive(sy, "HKEY_LOCAL_MACHINE\\SYSTEM", 0, F_UTF8, &b), 0);
		paths[i] = ha_asprintf("%s/exp-b/%s.reg", tmp, pick[i]);
		CHECK_INT(write_export(paths[i], ha_buf_cstr(&b), F_UTF8), 0);
		ha_buf_free(&b);
		free(sy);
		free(sw);
	}
	setf(out, sizeof out, "%s/out-b", tmp);
	rc = scan(out, paths, 3, &err);
	CHECK(rc == 0 || rc == 1);
	CHECK_INT(load(out, &got), 0);
	CHECK(compare(&folder_rows, &got, pick, 3, "", __LINE__) > 30);
	tu_csv_free(&got.csv);
	/* Scanned again, unchanged exports are re-evaluated from the store. */
	{
		char *argv[12], *sout = NULL;

		argv[0] = (char *)tu_hiveaudit();
		argv[1] = (char *)"scan";
		argv[2] = (char *)"--as-of";
		argv[3] = (char *)"2026-01-01";
		argv[4] = (char *)"--out";
		argv[5] = out;
		argv[6] = paths[0];
		argv[7] = paths[1];
		argv[8] = paths[2];
		argv[9] = NULL;
		rc = tu_run(argv, NULL, &sout, NULL);
		CHECK(rc == 0 || rc == 1);
		CHECK_HAS(sout, "3 hosts audited");
		CHECK_HAS(sout, "some unchanged and re-evaluated from the store");
		free(sout);
		CHECK_INT(load(out, &got), 0);
		CHECK(compare(&folder_rows, &got, pick, 3, "", __LINE__) > 30);
		tu_csv_free(&got.csv);
	}
	for (i = 0; i < 3; i++)
		free(paths[i]);
	free(err);
}

/* C: SYSTEM as a REGEDIT4 export of CurrentControlSet alone, SOFTWARE as a
 * UTF-16LE export, two files in the host folder. */
static void test_layout_c_current_control_set(void)
{
	static const char *const pick[] = {"cs-select-2", "srv2016", "mis-netfx-sz",
	                                   "mis-roots-tampered"};
	char out[4096], dir[4096], path[4096], *paths[1], *err = NULL, *text;
	struct rows got;
	size_t i;
	int rc;

	if (folder_rows.csv.nrows == 0)
		test_folder_scan();

	setf(dir, sizeof dir, "%s/exp-c", tmp);
	for (i = 0; i < 4; i++) {
		struct ha_buf b;
		char *sy = hive_of(pick[i], "SYSTEM"), *sw = hive_of(pick[i], "SOFTWARE");

		ha_buf_init(&b, 0);
		CHECK_INT(export_hive(sy, NULL, 1, F_ANSI, &b), 0);
		setf(path, sizeof path, "%s/%s/system.reg", dir, pick[i]);
		CHECK_INT(write_export(path, ha_buf_cstr(&b), F_ANSI), 0);
		ha_buf_truncate(&b, 0);
		CHECK_INT(export_hive(sw, "HKEY_LOCAL_MACHINE\\SOFTWARE", 0, F_UTF16, &b), 0);
		setf(path, sizeof path, "%s/%s/software.reg", dir, pick[i]);
		CHECK_INT(write_export(path, ha_buf_cstr(&b), F_UTF16), 0);
		ha_buf_free(&b);
		free(sy);
		free(sw);
	}
	setf(out, sizeof out, "%s/out-c", tmp);
	paths[0] = dir;
	rc = scan(out, paths, 1, &err);
	CHECK(rc == 0 || rc == 1);
	CHECK_INT(load(out, &got), 0);
	CHECK(compare(&folder_rows, &got, pick, 4, "", __LINE__) > 40);
	tu_csv_free(&got.csv);
	/* The control set evidence says how CurrentControlSet was read. */
	setf(path, sizeof path, "%s/hosts.csv", out);
	text = tu_read(path, NULL);
	CHECK_HAS(text,
	          "\"no Select key; the only control set, ControlSet001, was used; the export's "
	          "CurrentControlSet keys were read as ControlSet001 (Select\\Current is not in "
	          "the export)\"");
	free(text);
	setf(path, sizeof path, "%s/findings.csv", out);
	text = tu_read(path, NULL);
	CHECK_HAS(text,
	          "SYSTEM hive ok: read from a .reg text export (REGEDIT4, ASCII), not a hive "
	          "file: key times are not recorded in an export, and the SHA-256 is the export "
	          "file's; exported sub-tree: HKLM\\SYSTEM\\ControlSet001 (keys elsewhere are "
	          "unknown); the export's CurrentControlSet keys were read as ControlSet001 "
	          "(Select\\Current is not in the export). SOFTWARE hive ok: read from a .reg text "
	          "export (Windows Registry Editor Version 5.00, UTF-16LE)");
	free(text);
	free(err);
}

/* An export too big for the worker's memory is an unreadable part with
 * that reason, not a failed run. */
static void test_export_over_worker_memory(void)
{
	char path[4096], out[4096], *argv[12], *err = NULL, *csv;
	struct ha_buf b, t;
	size_t i;
	int rc;

	if (TP_ASAN) {
		check_skip("workers have no address-space limit under AddressSanitizer");
		return;
	}
	ha_buf_init(&t, 0);
	ha_buf_puts(&t, "\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Big]\r\n");
	for (i = 0; i < 400000; i++)
		ha_buf_printf(&t, "\"value %zu\"=\"some text that takes room in memory\"\r\n", i);
	ha_buf_init(&b, 0);
	setf(path, sizeof path, "%s/exp-big/BIG.reg", tmp);
	CHECK_INT(write_export(path, ha_buf_cstr(&t), F_UTF16), 0);
	ha_buf_free(&t);
	ha_buf_free(&b);
	setf(out, sizeof out, "%s/out-big", tmp);
	argv[0] = (char *)tu_hiveaudit();
	argv[1] = (char *)"scan";
	argv[2] = (char *)"--quiet";
	argv[3] = (char *)"--worker-mem";
	argv[4] = (char *)"64";
	argv[5] = (char *)"--out";
	argv[6] = out;
	argv[7] = path;
	argv[8] = NULL;
	rc = tu_run(argv, NULL, NULL, &err);
	CHECK_INT(rc, 1); /* HIVE-INTEGRITY fails */
	setf(path, sizeof path, "%s/findings.csv", out);
	csv = tu_read(path, NULL);
	CHECK_HAS(csv, "exp-big/BIG.reg: a .reg text export of ");
	CHECK_HAS(csv, " bytes that does not fit in memory (out of memory decoding the export). "
	               "SOFTWARE hive unreadable: ");
	free(csv);
	free(err);
}

/* The .reg files `remediate` writes are exports too: scanned, they read
 * as the sub-trees they set, and everything else is unknown. */
static void test_remediation_file_reads_back(void)
{
	char out[4096], rem[4096], path[4096], *argv[12], *err = NULL, *csv, *host;
	int rc;

	host = ha_asprintf("%s/samples/fleet/mis-schannel-zero", tu_source_dir());
	setf(out, sizeof out, "%s/out-rem-scan", tmp);
	argv[0] = (char *)tu_hiveaudit();
	argv[1] = (char *)"scan";
	argv[2] = (char *)"--quiet";
	argv[3] = (char *)"--out";
	argv[4] = out;
	argv[5] = host;
	argv[6] = NULL;
	CHECK_INT(tu_run(argv, NULL, NULL, &err), 1);
	free(err);
	err = NULL;
	setf(path, sizeof path, "%s/audit.db", out);
	setf(rem, sizeof rem, "%s/rem", tmp);
	argv[1] = (char *)"remediate";
	argv[2] = (char *)"--db";
	argv[3] = path;
	argv[4] = (char *)"--out";
	argv[5] = rem;
	argv[6] = (char *)"mis-schannel-zero";
	argv[7] = NULL;
	CHECK_INT(tu_run(argv, NULL, NULL, &err), 0);
	free(err);
	err = NULL;
	setf(path, sizeof path, "%s/mis-schannel-zero.reg", rem);
	setf(out, sizeof out, "%s/out-rem-read", tmp);
	argv[1] = (char *)"scan";
	argv[2] = (char *)"--quiet";
	argv[3] = (char *)"--out";
	argv[4] = out;
	argv[5] = path;
	argv[6] = NULL;
	rc = tu_run(argv, NULL, NULL, &err);
	CHECK_INT(rc, 1); /* HIVE-INTEGRITY: no SOFTWARE */
	setf(path, sizeof path, "%s/findings.csv", out);
	csv = tu_read(path, NULL);
	CHECK_HAS(csv,
	          "SYSTEM hive ok: read from a .reg text export (Windows Registry Editor "
	          "Version 5.00, ASCII), not a hive file: key times are not recorded in an "
	          "export, and the SHA-256 is the export file's; exported sub-tree: "
	          "HKLM\\SYSTEM\\ControlSet001\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\"
	          "TLS 1.2\\Client (keys elsewhere are unknown)");
	CHECK_HAS(csv, "SOFTWARE hive missing: ");
	CHECK_HAS(csv, "the export holds no HKEY_LOCAL_MACHINE\\SOFTWARE keys");
	free(csv);
	free(err);
	free(host);
}

/* A broken export is an unreadable host among good ones: its reason has
 * the line, its findings are UNKNOWN, and the run goes on. */
static void test_broken_export_among_good_ones(void)
{
	static const char bad[] = "Windows Registry Editor Version 5.00\r\n\r\n"
	                          "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft]\r\n"
	                          "\"x\"=dword:1234567890\r\n";
	char out[4096], dir[4096], path[4096], *paths[1], *err = NULL, *csv;
	struct ha_buf b;
	struct rows got;
	size_t i, unknown = 0;
	int rc, st;

	setf(dir, sizeof dir, "%s/exp-bad", tmp);
	setf(path, sizeof path, "%s/BAD/export.reg", dir);
	CHECK_INT(tu_write(path, bad, sizeof bad - 1), 0);
	{
		char *sy = hive_of("srv2019", "SYSTEM"), *sw = hive_of("srv2019", "SOFTWARE");

		ha_buf_init(&b, 0);
		CHECK_INT(export_hive(sy, "HKEY_LOCAL_MACHINE\\SYSTEM", 0, F_UTF16, &b), 0);
		CHECK_INT(export_hive(sw, "HKEY_LOCAL_MACHINE\\SOFTWARE", 0, F_UTF16, &b), 0);
		setf(path, sizeof path, "%s/srv2019/srv2019.reg", dir);
		CHECK_INT(write_export(path, ha_buf_cstr(&b), F_UTF16), 0);
		ha_buf_free(&b);
		free(sy);
		free(sw);
	}
	setf(out, sizeof out, "%s/out-bad", tmp);
	paths[0] = dir;
	rc = scan(out, paths, 1, &err);
	CHECK_INT(rc, 1);
	CHECK_INT(load(out, &got), 0);
	st = tu_csv_col(&got.csv, "status");
	for (i = 1; i < got.csv.nrows; i++)
		if (!strcmp(cell(&got, i, got.host), "BAD") &&
		    !strcmp(cell(&got, i, st), "UNKNOWN"))
			unknown++;
	CHECK_INT(unknown, 21); /* every rule but HIVE-INTEGRITY, which fails */
	tu_csv_free(&got.csv);
	setf(path, sizeof path, "%s/findings.csv", out);
	csv = tu_read(path, NULL);
	CHECK_HAS(csv, "\"BAD\",\"\",\"HIVE-INTEGRITY\",\"FAIL\"");
	CHECK_HAS(csv, "export.reg: a .reg text export that cannot be read: line 4: dword: needs 1 "
	               "to 8 hex digits");
	CHECK_HAS(csv, "\"srv2019\",\"SRV2019\",\"HIVE-INTEGRITY\",\"PASS\"");
	free(csv);
	free(err);
}

/* A .reg file with the header and no HKLM\SYSTEM or HKLM\SOFTWARE key (a
 * header alone, or only HKCU and HKLM\SAM keys) is not a host: a note says
 * what it is, and the hosts beside it are audited as before.  An export
 * whose first HKLM key lies past 64 KiB of other keys, its name across
 * the boundary of two reads, is still a host. */
/* Discovery reads at most 64 MiB of an export looking for HKLM keys: a
 * larger file without them in that span is left to the worker (a host),
 * so a whole-registry export whose HKLM part comes late is not dropped. */
static void test_export_sniff_is_bounded(void)
{
	char out[4096], path[4096], *paths[1], *err = NULL, *csv;
	int rc, fd;

	setf(path, sizeof path, "%s/exp-big/BIGHKCU/user.reg", tmp);
	CHECK_INT(write_export(path, "\r\n[HKEY_CURRENT_USER\\Software\\Vendor]\r\n", F_UTF8), 0);
	fd = open(path, O_WRONLY);
	CHECK(fd >= 0);
	CHECK_INT(ftruncate(fd, (off_t)65 << 20), 0); /* a sparse tail past the span */
	close(fd);
	setf(out, sizeof out, "%s/out-big", tmp);
	setf(path, sizeof path, "%s/exp-big", tmp);
	paths[0] = path;
	rc = scan(out, paths, 1, &err);
	CHECK(rc == 0 || rc == 1);
	setf(path, sizeof path, "%s/hosts.csv", out);
	csv = tu_read(path, NULL);
	CHECK_HAS(csv, "\n\"BIGHKCU\",");
	free(csv);
	free(err);
}

static void test_export_without_hklm_keys(void)
{
	static const char hkcu[] =
	        "\r\n[HKEY_CURRENT_USER\\Software\\Vendor]\r\n\"x\"=dword:00000001\r\n"
	        "\r\n[HKEY_LOCAL_MACHINE\\SAM\\SAM]\r\n\"y\"=\"HKLM\"\r\n";
	char out[4096], dir[4096], path[4096], empty[4096], db[4200], *paths[2], *err = NULL;
	char *csv, *note;
	struct ha_buf b;
	size_t k;
	sqlite3 *h = NULL;
	int rc;

	setf(dir, sizeof dir, "%s/exp-nokeys", tmp);
	setf(empty, sizeof empty, "%s/EMPTY.reg", tmp);
	CHECK_INT(write_export(empty, "\r\n", F_UTF16), 0);
	setf(path, sizeof path, "%s/HKCUONLY/user.reg", dir);
	CHECK_INT(write_export(path, hkcu, F_UTF8), 0);
	setf(path, sizeof path, "%s/WEB/user.reg", dir);
	CHECK_INT(write_export(path, hkcu, F_ANSI), 0);
	{
		char *sy = hive_of("srv2019", "SYSTEM"), *sw = hive_of("srv2019", "SOFTWARE");
		char to[4096];

		setf(to, sizeof to, "%s/WEB/SYSTEM", dir);
		CHECK_INT(tu_copy(sy, to), 0);
		setf(to, sizeof to, "%s/WEB/SOFTWARE", dir);
		CHECK_INT(tu_copy(sw, to), 0);
		free(sy);
		free(sw);
	}
	/* UTF-16LE with BOM: character c of the text is at byte 2 + 2 * (38 +
	 * c) (the header line is 38 characters); the '\\' after
	 * HKEY_LOCAL_MACHINE goes to byte 65536, the first of the second read. */
	ha_buf_init(&b, 0);
	ha_buf_puts(&b, "\r\n[HKEY_CURRENT_USER\\Software\\Filler]\r\n\"pad\"=\"");
	for (k = b.len; k < 32710 - 5; k++)
		ha_buf_putc(&b, 'a');
	ha_buf_puts(&b, "\"\r\n\r\n");
	CHECK_INT((int)b.len, 32710);
	ha_buf_puts(&b, "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Straddle]\r\n\"v\"=dword:00000002\r\n");
	setf(path, sizeof path, "%s/STRADDLE/straddle.reg", dir);
	CHECK_INT(write_export(path, ha_buf_cstr(&b), F_UTF16), 0);
	ha_buf_free(&b);
	{
		size_t len = 0;
		char *t = tu_read(path, &len);

		CHECK(len > 65600);
		CHECK(t && t[65536] == '\\' && t[65537] == 0 && t[65534] == 'E');
		free(t);
	}

	setf(out, sizeof out, "%s/out-nokeys", tmp);
	paths[0] = empty;
	paths[1] = dir;
	rc = scan(out, paths, 2, &err);
	CHECK_INT(rc, 1); /* STRADDLE has no SYSTEM: its HIVE-INTEGRITY fails */
	setf(path, sizeof path, "%s/hosts.csv", out);
	csv = tu_read(path, NULL);
	CHECK_HAS(csv, "\n\"STRADDLE\",");
	CHECK_HAS(csv, "\n\"WEB\",\"SRV2019\"");
	CHECK_LACKS(csv, "HKCUONLY");
	CHECK_LACKS(csv, "EMPTY");
	CHECK_LACKS(csv, "user.reg");
	free(csv);
	setf(db, sizeof db, "%s/audit.db", out);
	CHECK_INT(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	CHECK_INT(tp_scalar(h, "SELECT count(*) FROM hosts"), 2);
	note = tp_text(h, "SELECT group_concat(text, '|') FROM (SELECT text FROM notes WHERE text"
	                  " LIKE '%not a registry export%' ORDER BY text)");
	{
		char want[16384];

		setf(want, sizeof want,
		     "%s/EMPTY.reg: not a registry export of HKLM\\SYSTEM or HKLM\\SOFTWARE: no "
		     "keys "
		     "(a .reg header without a HKEY_LOCAL_MACHINE\\SYSTEM or \\SOFTWARE key); not "
		     "a "
		     "host|"
		     "%s/HKCUONLY/user.reg: not a registry export of HKLM\\SYSTEM or "
		     "HKLM\\SOFTWARE: no "
		     "keys (a .reg header without a HKEY_LOCAL_MACHINE\\SYSTEM or \\SOFTWARE key); "
		     "not "
		     "a host|"
		     "%s/WEB/user.reg: not a registry export of HKLM\\SYSTEM or HKLM\\SOFTWARE: no "
		     "keys "
		     "(a .reg header without a HKEY_LOCAL_MACHINE\\SYSTEM or \\SOFTWARE key); not "
		     "a "
		     "host",
		     tmp, dir, dir);
		CHECK_STR(note, want);
	}
	free(note);
	/* The host beside an HKCU export reads its hives only. */
	CHECK_INT(tp_scalar(h, "SELECT count(*) FROM hives v JOIN hosts USING (host_id)"
	                       " WHERE label = 'WEB'"),
	          2);
	CHECK_INT(
	        tp_scalar(h,
	                  "SELECT count(*) FROM hives v JOIN hosts USING (host_id)"
	                  " WHERE label = 'STRADDLE' AND v.role = 'SOFTWARE' AND v.status = 'ok'"),
	        1);
	sqlite3_close(h);
	free(err);
}

int main(int argc, char **argv)
{
	static const struct check_case cases[] = {
	        CHECK_CASE(test_folder_scan),
	        CHECK_CASE(test_layout_a_one_export_per_folder),
	        CHECK_CASE(test_layout_b_file_given_directly),
	        CHECK_CASE(test_layout_c_current_control_set),
	        CHECK_CASE(test_export_over_worker_memory),
	        CHECK_CASE(test_remediation_file_reads_back),
	        CHECK_CASE(test_broken_export_among_good_ones),
	        CHECK_CASE(test_export_without_hklm_keys),
	        CHECK_CASE(test_export_sniff_is_bounded),
	};
	int rc;
	size_t i;

	tmp = tu_tempdir("e2e-regexport");
	pick_hosts();
	rc = check_run(cases, sizeof cases / sizeof cases[0], argc, argv);
	tu_csv_free(&folder_rows.csv);
	for (i = 0; i < nhosts; i++)
		free(hosts[i]);
	if (!rc)
		tu_rmtree(tmp);
	free(tmp);
	return rc;
}
