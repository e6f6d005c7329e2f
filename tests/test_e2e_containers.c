/* test_e2e_containers.c: the built program on collections as delivered.
 *
 * The containers are built at test time from the sample fleet with the
 * Debian tools a user has (zip, bsdtar), in the layouts the collectors
 * write: Velociraptor (uploads/auto/C%3A/..., client_info.json), CyLR
 * (C/Windows/System32/config, named HOST.zip), and a whole fleet folder
 * zipped or tarred.  For each, every host's findings must equal those of
 * the same host scanned as a folder, column for column, except the two
 * columns that name paths (hive_files, host_dir), and the host names must
 * follow the documented rule.  A missing tool skips a case, except in CI
 * (CI=true), where it fails.
 *
 * (Over 1,000 lines: each container kind is built here with Debian tools, beside the findings it
 * must give.)
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "testutil.h"

/* Rules in the built-in pack: one finding each per host. */
#define RULES 22

static char *tmp;
static char folder_out[4000];
static int folder_done;

static int sh(const char *script)
{
	char *argv[] = {"/bin/sh", "-c", (char *)script, NULL};
	char *out = NULL, *err = NULL;
	int rc = tu_run(argv, NULL, &out, &err);

	if (rc != 0)
		fprintf(stderr, "script failed (%d): %s\n%s%s", rc, script, out ? out : "",
		        err ? err : "");
	free(out);
	free(err);
	return rc;
}

/* 1 when every tool is on PATH; otherwise skips (or fails in CI). */
static int need(const char *tools)
{
	char script[1024];

	snprintf(script, sizeof script, "for t in %s; do command -v $t >/dev/null || exit 1; done",
	         tools);
	if (sh(script) == 0)
		return 1;
	if (getenv("CI") && !strcmp(getenv("CI"), "true")) {
		check_fail(__FILE__, __LINE__,
		           "CI: a tool is missing (one of: %s; bootstrap.sh --ci)", tools);
		return 0;
	}
	snprintf(script, sizeof script, "needs %s (bootstrap.sh --ci installs them)", tools);
	check_skip(script);
	return 0;
}

static void scan_folder_once(void)
{
	char *out = NULL, *err = NULL;
	int rc;

	if (folder_done)
		return;
	folder_done = 1;
	snprintf(folder_out, sizeof folder_out, "%s/folder", tmp);
	rc = tu_run_in_samples(&out, &err, "scan", "--out", folder_out, "--as-of", "2026-01-01",
	                       "fleet", NULL);
	CHECK_INT(rc, 1);
	free(out);
	free(err);
}

static const char *const skip_cols[] = {"hive_files", "host_dir"};

/* Paths named inside a cell differ by design ("fleet/WEB01/SYSTEM" vs
 * "WEB01.zip › C/Windows/System32/config/SYSTEM"): each becomes its last
 * component, so the rest of the text is compared exactly. */
static void strip_paths(char *s)
{
	static const char sep[] = " \xE2\x80\xBA ";
	char *p, *r, *w;

	/* "partition 2 (NTFS) › " and "volume (NTFS) › " first: they hold spaces. */
	while ((p = strstr(s, "(NTFS)"
	                      " \xE2\x80\xBA ")) != NULL) {
		char *t = p;

		while (t > s && strncmp(t, "partition ", 10) && strncmp(t, "volume ", 7))
			t--;
		memmove(t, p + 6, strlen(p + 6) + 1);
	}
	while ((p = strstr(s, sep)) != NULL) {
		char *t = p;

		while (t > s && t[-1] != ' ')
			t--;
		memmove(t, p + strlen(sep), strlen(p + strlen(sep)) + 1);
	}
	for (r = w = s; *r;) {
		char *e = r, *slash = NULL;

		while (*e && *e != ' ') {
			if (*e == '/')
				slash = e;
			e++;
		}
		if (slash)
			r = slash + 1;
		while (r < e)
			*w++ = *r++;
		while (*r == ' ')
			*w++ = *r++;
	}
	*w = '\0';
}

/* One row as compared: every column but the path columns, joined. */
static char *row_key(const struct tu_csv *c, size_t r, char **host_rule)
{
	size_t f, k, len = 0, used;
	char *s;

	for (f = 0; f < c->nfields[r]; f++)
		len += strlen(c->rows[r][f]) + 1;
	s = malloc(len + 1);
	if (!s)
		abort();
	s[0] = '\0';
	used = 0;
	for (f = 0; f < c->nfields[r]; f++) {
		int skip = 0;

		for (k = 0; k < sizeof skip_cols / sizeof skip_cols[0]; k++)
			if (f < c->nfields[0] && !strcmp(c->rows[0][f], skip_cols[k]))
				skip = 1;
		if (skip)
			continue;
		{
			size_t fl = strlen(c->rows[r][f]);

			memcpy(s + used, c->rows[r][f], fl + 1);
			strip_paths(s + used);
			used += strlen(s + used);
			memcpy(s + used, "\x1f", 2);
			used++;
		}
	}
	if (host_rule) {
		size_t n = strlen(c->rows[r][0]) + strlen(c->rows[r][2]) + 2;

		*host_rule = malloc(n);
		if (!*host_rule)
			abort();
		snprintf(*host_rule, n, "%s/%s", c->rows[r][0], c->rows[r][2]);
	}
	return s;
}

/* Every row of `got` equals the folder scan's row for the same host and
 * rule; with all_hosts, the folder scan's rows are all present too.
 * Returns the number of rows compared. */
static size_t compare_findings(const char *out_dir, int all_hosts)
{
	char p[8300], *a, *b;
	struct tu_csv fc, gc;
	size_t i, j, matched = 0;

	snprintf(p, sizeof p, "%s/findings.csv", folder_out);
	a = tu_read(p, NULL);
	snprintf(p, sizeof p, "%s/findings.csv", out_dir);
	b = tu_read(p, NULL);
	CHECK(a && b);
	if (!a || !b) {
		free(a);
		free(b);
		return 0;
	}
	CHECK_INT(tu_csv_parse(a, &fc), 0);
	CHECK_INT(tu_csv_parse(b, &gc), 0);
	for (i = 1; i < gc.nrows; i++) {
		char *hr, *gk = row_key(&gc, i, &hr);
		int found = 0;

		for (j = 1; j < fc.nrows && !found; j++) {
			char *fhr, *fk = row_key(&fc, j, &fhr);

			if (!strcmp(hr, fhr)) {
				found = 1;
				if (strcmp(gk, fk))
					check_fail(__FILE__, __LINE__,
					           "%s differs:\n  container %s\n  folder    %s",
					           hr, gk, fk);
				else
					matched++;
			}
			free(fk);
			free(fhr);
		}
		if (!found)
			check_fail(__FILE__, __LINE__, "%s: no such row in the folder scan", hr);
		free(gk);
		free(hr);
	}
	if (all_hosts)
		CHECK_INT(gc.nrows, fc.nrows);
	tu_csv_free(&fc);
	tu_csv_free(&gc);
	free(a);
	free(b);
	return matched;
}

static int scan(const char *out_dir, const char *path, char **out, char **err)
{
	char o[4096];

	snprintf(o, sizeof o, "%s/%s", tmp, out_dir);
	return tu_run_in_samples(out, err, "scan", "--out", o, "--as-of", "2026-01-01", path, NULL);
}

/* ------------------------------------------------------------ cases */

static void test_zipped_fleet_equals_folder(void)
{
	char script[8192], o[4096], *out = NULL, *err = NULL;
	int rc;

	if (!need("zip"))
		return;
	scan_folder_once();
	snprintf(script, sizeof script, "cd '%s/samples' && zip -qr '%s/fleet.zip' fleet",
	         tu_source_dir(), tmp);
	CHECK_INT(sh(script), 0);
	snprintf(o, sizeof o, "%s/fleet.zip", tmp);
	rc = scan("zip", o, &out, &err);
	CHECK_INT(rc, 1);
	CHECK_HAS(out, "52 hosts audited");
	snprintf(o, sizeof o, "%s/zip", tmp);
	CHECK(compare_findings(o, 1) > 52 * 10);
	free(out);
	free(err);
	/* zip64 records (zip -fz), as zips over 4 GiB have. */
	snprintf(script, sizeof script,
	         "cd '%s/samples' && zip -q -fz -r '%s/fleet64.zip' fleet/srv2019 "
	         "fleet/dirty-replayed",
	         tu_source_dir(), tmp);
	CHECK_INT(sh(script), 0);
	snprintf(o, sizeof o, "%s/fleet64.zip", tmp);
	out = err = NULL;
	CHECK_INT(scan("zip64", o, &out, &err), 0);
	CHECK_HAS(out, "2 hosts audited");
	free(out);
	free(err);
	snprintf(o, sizeof o, "%s/zip64", tmp);
	CHECK_INT(compare_findings(o, 0), 2 * RULES);
}

static void test_tarred_fleet_equals_folder(void)
{
	static const char *const kinds[][2] = {
	        {"tgz", "-z"}, {"txz", "-J"}, {"tar", ""}, {"7z", "--format 7zip"}};
	char script[8192], o[4096], *out = NULL, *err = NULL;
	size_t k;

	if (!need("bsdtar"))
		return;
	scan_folder_once();
	for (k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		snprintf(script, sizeof script,
		         "cd '%s/samples' && bsdtar -c %s -f '%s/fleet.%s' fleet", tu_source_dir(),
		         kinds[k][1], tmp, kinds[k][0]);
		CHECK_INT(sh(script), 0);
		snprintf(o, sizeof o, "%s/fleet.%s", tmp, kinds[k][0]);
		CHECK_INT(scan(kinds[k][0], o, &out, &err), 1);
		CHECK_HAS(out, "52 hosts audited");
		free(out);
		free(err);
		out = err = NULL;
		snprintf(o, sizeof o, "%s/%s", tmp, kinds[k][0]);
		CHECK(compare_findings(o, 1) > 52 * 10);
	}
}

/* Per-host collector zips for every flat host folder of the fleet: a
 * Velociraptor collection (tmp/velo) and a CyLR zip (tmp/cylr) each; 0 when
 * they were made. */
static int make_collection_zips(void)
{
	char script[8192];

	snprintf(script, sizeof script,
	         "set -e; cd '%s/samples/fleet'; mkdir -p '%s/velo' '%s/cylr';"
	         "for h in *; do [ -f \"$h/SYSTEM\" ] || [ -f \"$h/SOFTWARE\" ] || continue;"
	         " w='%s/w'/$h; rm -rf \"$w\"; "
	         "d=\"$w/v/uploads/auto/C%%3A/Windows/System32/config\";"
	         " mkdir -p \"$d\" \"$w/c/C/Windows/System32/config\";"
	         " cp \"$h\"/* \"$d/\"; cp \"$h\"/* \"$w/c/C/Windows/System32/config/\";"
	         " printf '{\"Name\":\"x\",\"Hostname\":\"%%s\",\"OS\":\"windows\"}' \"$h\" > "
	         "\"$w/v/client_info.json\";"
	         " echo '{}' > \"$w/v/uploads.json\";"
	         " (cd \"$w/v\" && zip -qr \"%s/velo/Collection-x$h-2024-11-05T17_45_36Z.zip\" .);"
	         " (cd \"$w/c\" && zip -qr \"%s/cylr/$h.zip\" C); done",
	         tu_source_dir(), tmp, tmp, tmp, tmp, tmp);
	return sh(script);
}

static void test_velociraptor_and_cylr_zips(void)
{
	char o[4096], *out = NULL, *err = NULL, *text;
	int rc;

	if (!need("zip"))
		return;
	scan_folder_once();
	CHECK_INT(make_collection_zips(), 0);
	snprintf(o, sizeof o, "%s/velo", tmp);
	rc = scan("velo-out", o, &out, &err);
	CHECK_INT(rc, 1);
	free(out);
	free(err);
	out = err = NULL;
	snprintf(o, sizeof o, "%s/velo-out", tmp);
	/* Host names come from client_info.json, not the "x" in the name. */
	CHECK(compare_findings(o, 0) > 30 * 10);
	snprintf(o, sizeof o, "%s/velo-out/hosts.csv", tmp);
	text = tu_read(o, NULL);
	CHECK_HAS(text, "\"clone-a\",\"CLONE01\"");
	CHECK_HAS(text, "Collection-xclone-a-2024-11-05T17_45_36Z.zip");
	CHECK_LACKS(text, "\"xclone-a\"");
	free(text);
	snprintf(o, sizeof o, "%s/velo-out/findings.csv", tmp);
	text = tu_read(o, NULL);
	CHECK_HAS(text, "Collection-xclone-a-2024-11-05T17_45_36Z.zip \xE2\x80\xBA "
	                "uploads/auto/C%3A/Windows/System32/config/SYSTEM");
	free(text);

	snprintf(o, sizeof o, "%s/cylr", tmp);
	rc = scan("cylr-out", o, &out, &err);
	CHECK_INT(rc, 1);
	free(out);
	free(err);
	snprintf(o, sizeof o, "%s/cylr-out", tmp);
	CHECK(compare_findings(o, 0) > 30 * 10);
}

/* The container, its SHA-256 and its hosts are recorded in the store. */
static void test_container_note_and_hash(void)
{
	char script[8192], o[4096], db[4000], *out = NULL, *err = NULL;
	char *argv[] = {"/usr/bin/sqlite3", db, "select text from notes order by note_id", NULL};

	if (!need("zip sqlite3 sha256sum"))
		return;
	snprintf(script, sizeof script,
	         "set -e; cd '%s/samples/fleet'; zip -qr '%s/WEB01.zip' clone-a/SYSTEM "
	         "clone-a/SOFTWARE;"
	         "sha256sum '%s/WEB01.zip' | cut -c1-64 > '%s/WEB01.sum'",
	         tu_source_dir(), tmp, tmp, tmp);
	CHECK_INT(sh(script), 0);
	snprintf(o, sizeof o, "%s/WEB01.zip", tmp);
	CHECK_INT(scan("note-out", o, &out, &err), 0);
	free(out);
	free(err);
	out = err = NULL;
	snprintf(db, sizeof db, "%s/note-out/audit.db", tmp);
	CHECK_INT(tu_run(argv, NULL, &out, &err), 0);
	{
		char sp[4096], *sum;

		snprintf(sp, sizeof sp, "%s/WEB01.sum", tmp);
		sum = tu_read(sp, NULL);
		CHECK(sum != NULL);
		if (sum) {
			sum[64] = '\0';
			CHECK_HAS(out, sum);
		}
		free(sum);
	}
	/* A host folder inside the zip names the host, as it would on disk. */
	CHECK_HAS(out, "archive container, sha256 ");
	CHECK_HAS(out, ", 1 host (clone-a)");
	free(out);
	free(err);
}

/* A real Velociraptor collection without hives: reported, the run goes on. */
static void test_real_collection_without_hives(void)
{
	char src[4096], o[4096], db[4000], *out = NULL, *err = NULL;
	char *argv[] = {"/usr/bin/sqlite3", db, "select text from notes order by note_id", NULL};
	const char *corpus = tu_corpus_dir();

	if (!corpus) {
		check_skip("no corpus");
		return;
	}
	snprintf(src, sizeof src,
	         "%s/containers/Collection-WIN-E5K9RC5GU23-2021-11-21T18_05_56-08_00.zip", corpus);
	if (access(src, R_OK) != 0) {
		check_skip("corpus without containers/");
		return;
	}
	if (!need("sqlite3"))
		return;
	snprintf(o, sizeof o, "%s/realvr", tmp);
	CHECK_INT(tu_run_in_samples(&out, &err, "scan", "--out", o, src, "fleet/clone-a", NULL), 0);
	CHECK_HAS(out, "1 host audited");
	free(out);
	free(err);
	out = err = NULL;
	snprintf(db, sizeof db, "%s/realvr/audit.db", tmp);
	CHECK_INT(tu_run(argv, NULL, &out, &err), 0);
	CHECK_HAS(out, "Collection-WIN-E5K9RC5GU23-2021-11-21T18_05_56-08_00.zip: no SYSTEM or "
	               "SOFTWARE hive inside");
	CHECK_HAS(out, "archive container, sha256 ");
	free(out);
	free(err);
}

/* Runs `hiveaudit scan ARGS... NULL` with an environment (absolute paths
 * only). */
static int run_env(const char *const *env, char **out, char **err, ...)
{
	char *argv[24];
	size_t n = 0;
	va_list ap;
	char *a;

	argv[n++] = (char *)tu_hiveaudit();
	argv[n++] = "scan";
	va_start(ap, err);
	while ((a = va_arg(ap, char *)) != NULL && n < 23)
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	return tu_run(argv, env, out, err);
}

static char *notes_of(const char *out_dir)
{
	char db[4000], *out = NULL, *err = NULL;
	char *argv[] = {"/usr/bin/sqlite3", db, "select text from notes order by note_id", NULL};

	snprintf(db, sizeof db, "%s/%s/audit.db", tmp, out_dir);
	if (tu_run(argv, NULL, &out, &err) != 0)
		check_fail(__FILE__, __LINE__, "sqlite3 %s: %s", db, err ? err : "");
	free(err);
	return out;
}

/* The corpus's real encrypted Velociraptor collection (password hello). */
static void test_encrypted_collection_corpus(void)
{
	char src[4096], o[4096], *out = NULL, *err = NULL, *n;
	const char *corpus = tu_corpus_dir();

	if (!corpus) {
		check_skip("no corpus");
		return;
	}
	snprintf(src, sizeof src, "%s/containers/velociraptor-encrypted-password.zip", corpus);
	if (access(src, R_OK) != 0) {
		check_skip("corpus without containers/");
		return;
	}
	if (!need("sqlite3"))
		return;
	snprintf(o, sizeof o, "%s/enc-none", tmp);
	CHECK_INT(run_env(NULL, &out, &err, "-q", "--out", o, src, NULL), 0);
	free(out);
	free(err);
	n = notes_of("enc-none");
	CHECK_HAS(n, "velociraptor-encrypted-password.zip \xE2\x80\xBA data.zip: encrypted, and no "
	             "password was given (--password, --password-file or HIVEAUDIT_PASSWORD)");
	CHECK_LACKS(n, "archive inside");
	free(n);

	snprintf(o, sizeof o, "%s/enc-wrong", tmp);
	CHECK_INT(run_env(NULL, &out, &err, "-q", "--out", o, "--password", "wrong", src, NULL), 0);
	free(out);
	free(err);
	n = notes_of("enc-wrong");
	CHECK_HAS(n, "data.zip: encrypted, and the password given does not open it");
	free(n);

	snprintf(o, sizeof o, "%s/enc-ok", tmp);
	CHECK_INT(run_env(NULL, &out, &err, "-q", "--out", o, "--password", "hello", src, NULL), 0);
	free(out);
	free(err);
	n = notes_of("enc-ok");
	CHECK_HAS(n, "data.zip: archive inside, sha256 "
	             "a94f0b781e3f3c123ebb18ec1a0ad8ecb44785f0de8fe520c36e3a713b581237");
	CHECK_HAS(n, "data.zip: no SYSTEM or SOFTWARE hive inside (3 entries)");
	/* The password is not kept in the store's command line. */
	free(n);
	{
		char db[4000], *argv[] = {"/usr/bin/sqlite3", db, "select command from runs", NULL};

		snprintf(db, sizeof db, "%s/enc-ok/audit.db", tmp);
		out = err = NULL;
		CHECK_INT(tu_run(argv, NULL, &out, &err), 0);
		CHECK_HAS(out, "--password (password)");
		CHECK_LACKS(out, "hello");
		free(out);
		free(err);
	}
}

/* Velociraptor's password container built from a sample host: an outer
 * zip whose data.zip entry is WinZip AES-256, holding the collection. */
static void test_aes_nested_collection(void)
{
	char script[8192], o[4096], z[4096], pwf[4096], *out = NULL, *err = NULL, *text;
	const char *env[] = {"HIVEAUDIT_PASSWORD=hello", NULL};
	int rc;

	if (!need("zip 7z sqlite3"))
		return;
	scan_folder_once();
	snprintf(script, sizeof script,
	         "set -e; cd '%s/samples/fleet'; w='%s/aes'; rm -rf \"$w\";"
	         " d=\"$w/v/uploads/auto/C%%3A/Windows/System32/config\"; mkdir -p \"$d\";"
	         " cp dirty-replayed/* \"$d/\";"
	         " printf '{\"Hostname\":\"dirty-replayed\"}' > \"$w/v/client_info.json\";"
	         " (cd \"$w/v\" && zip -qr ../data.zip .);"
	         " (cd \"$w\" && 7z a -tzip -mem=AES256 -phello -mx=0 "
	         "Collection-dirty-replayed-2025-01-02T03_04_05Z.zip data.zip >/dev/null);"
	         " printf 'first\\r\\nhello\\n' > \"$w/pw\"",
	         tu_source_dir(), tmp);
	CHECK_INT(sh(script), 0);
	snprintf(z, sizeof z, "%s/aes/Collection-dirty-replayed-2025-01-02T03_04_05Z.zip", tmp);
	snprintf(pwf, sizeof pwf, "%s/aes/pw", tmp);
	/* --password-file, the right password on its second line. */
	snprintf(o, sizeof o, "%s/aes-file", tmp);
	rc = run_env(NULL, &out, &err, "-q", "--out", o, "--password-file", pwf, "--as-of",
	             "2026-01-01", NULL);
	CHECK_INT(rc, 2); /* no PATH: a usage error, before anything is read */
	free(out);
	free(err);
	{
		char *argv[] = {(char *)tu_hiveaudit(),
		                "scan",
		                "-q",
		                "--out",
		                o,
		                "--password-file",
		                pwf,
		                "--as-of",
		                "2026-01-01",
		                z,
		                NULL};

		out = err = NULL;
		rc = tu_run(argv, NULL, &out, &err);
		CHECK_INT(rc, 0);
		free(out);
		free(err);
	}
	CHECK_INT(compare_findings(o, 0), RULES);
	snprintf(o, sizeof o, "%s/aes-file/hosts.csv", tmp);
	text = tu_read(o, NULL);
	CHECK_HAS(text, "\"dirty-replayed\",\"DIRTY-REPLAYED\",\"ready\"");
	free(text);
	snprintf(o, sizeof o, "%s/aes-file/findings.csv", tmp);
	text = tu_read(o, NULL);
	CHECK_HAS(text, "Collection-dirty-replayed-2025-01-02T03_04_05Z.zip \xE2\x80\xBA data.zip "
	                "\xE2\x80\xBA uploads/auto/C%3A/Windows/System32/config/SYSTEM");
	free(text);
	/* The environment variable. */
	snprintf(o, sizeof o, "%s/aes-env", tmp);
	out = err = NULL;
	CHECK_INT(run_env(env, &out, &err, "-q", "--out", o, "--as-of", "2026-01-01", z, NULL), 0);
	free(out);
	free(err);
	CHECK_INT(compare_findings(o, 0), RULES);
	/* A missing --password-file is a usage error. */
	out = err = NULL;
	CHECK_INT(run_env(NULL, &out, &err, "--password-file", "/nonexistent/pw", z, NULL), 2);
	CHECK_HAS(err, "--password-file /nonexistent/pw");
	free(out);
	free(err);
}

/* CyLR's -zp: ZipCrypto over every entry.  Without the password the hives
 * are there and unreadable, with the reason. */
static void test_zipcrypto_cylr(void)
{
	char script[8192], o[4096], z[4096], *out = NULL, *err = NULL, *text;

	if (!need("zip"))
		return;
	scan_folder_once();
	snprintf(script, sizeof script,
	         "set -e; cd '%s/samples/fleet'; w='%s/zc'; rm -rf \"$w\";"
	         " mkdir -p \"$w/C/Windows/System32/config\"; cp mis-kb-absent/* "
	         "\"$w/C/Windows/System32/config/\";"
	         " (cd \"$w\" && zip -qr -P hello mis-kb-absent.zip C)",
	         tu_source_dir(), tmp);
	CHECK_INT(sh(script), 0);
	snprintf(z, sizeof z, "%s/zc/mis-kb-absent.zip", tmp);
	snprintf(o, sizeof o, "%s/zc-ok", tmp);
	CHECK_INT(run_env(NULL, &out, &err, "-q", "--out", o, "--password=hello", "--as-of",
	                  "2026-01-01", z, NULL),
	          1);
	free(out);
	free(err);
	CHECK_INT(compare_findings(o, 0), RULES);
	snprintf(o, sizeof o, "%s/zc-none", tmp);
	out = err = NULL;
	CHECK_INT(run_env(NULL, &out, &err, "-q", "--out", o, "--as-of", "2026-01-01", z, NULL), 1);
	free(out);
	free(err);
	snprintf(o, sizeof o, "%s/zc-none/findings.csv", tmp);
	text = tu_read(o, NULL);
	CHECK_HAS(text, "\"mis-kb-absent\",\"\",\"HIVE-INTEGRITY\",\"FAIL\"");
	CHECK_HAS(text, "SYSTEM hive unreadable: ");
	CHECK_HAS(text, "encrypted, and no password was given");
	free(text);
}

/* Every hostile archive in one run, beside a normal host: each gets its
 * note or hive status, the run completes, and nothing is written outside
 * the output folder. */
static void test_hostile_archives(void)
{
	char script[16384], o[4096], h[4096], *out = NULL, *err = NULL, *n, *f;
	int rc;

	if (!need("zip bsdtar 7z sqlite3"))
		return;
	snprintf(script, sizeof script,
	         "set -e; S='%s/samples/fleet/clone-a'; h='%s/hostile'; rm -rf \"$h\"; mkdir -p "
	         "\"$h/in\";"
	         " cd \"$h/in\"; mkdir -p x a b l cy/C/Windows/System32/config d1;"
	         " cp $S/SYSTEM $S/SOFTWARE x/; cp $S/SYSTEM a/; cp $S/SYSTEM b/;"
	         " cp $S/* cy/C/Windows/System32/config/;"
	         " bsdtar -c --format zip -P -f ../trav.zip -s ',^x/SYSTEM,../evil/SYSTEM,'"
	         "  -s ',^x/SOFTWARE,/abs/SOFTWARE,' x/SYSTEM x/SOFTWARE;"
	         " bsdtar -c --format zip -f ../dup.zip -s ',^[ab]/,W/,' a/SYSTEM b/SYSTEM;"
	         " ln -s /etc/passwd l/SYSTEM; cp $S/SOFTWARE l/; ln l/SOFTWARE l/SOFTWARE.LOG1;"
	         " zip -qry ../sym.zip l/SYSTEM; bsdtar -cf ../hard.tar l/SOFTWARE l/SOFTWARE.LOG1;"
	         " 7z a -tzip -mm=Deflate64 ../d64.zip x >/dev/null;"
	         " (cd cy && 7z a -phello ../../enc.7z C >/dev/null);"
	         " (cd cy && 7z a ../../plain.7z C >/dev/null);"
	         " head -c 100000000 /dev/zero > SYSTEM; zip -q ../bomb.zip SYSTEM; rm SYSTEM;"
	         " (cd x && zip -q ../d1/l3.zip SYSTEM SOFTWARE); (cd d1 && zip -q ../l2.zip "
	         "l3.zip);"
	         " zip -q l1.zip l2.zip; zip -q ../deep.zip l1.zip;"
	         " (cd '%s/samples' && zip -qr \"$h/full.zip\" fleet/clone-a fleet/srv2019 "
	         "fleet/srv2022);"
	         " head -c $(( $(stat -c %%s \"$h/full.zip\") * 2 / 3 )) \"$h/full.zip\" > "
	         "../trunc.zip;"
	         " rm \"$h/full.zip\"; cd ..; rm -rf in",
	         tu_source_dir(), tmp, tu_source_dir());
	CHECK_INT(sh(script), 0);
	snprintf(h, sizeof h, "%s/hostile", tmp);
	snprintf(o, sizeof o, "%s/hostile-out", tmp);
	rc = run_env(NULL, &out, &err, "-q", "--out", o, "--as-of", "2026-01-01", h, NULL);
	CHECK_INT(rc, 1);
	free(out);
	free(err);
	n = notes_of("hostile-out");
	CHECK_HAS(n, "trav.zip \xE2\x80\xBA ../evil/SYSTEM: entry name with a \"..\" component, "
	             "skipped");
	CHECK_HAS(n, "trav.zip \xE2\x80\xBA /abs/SOFTWARE: absolute entry name, skipped");
	CHECK_HAS(n, "sym.zip \xE2\x80\xBA l/SYSTEM: a symbolic link entry, not followed");
	CHECK_HAS(n, "hard.tar \xE2\x80\xBA l/SOFTWARE.LOG1: a hard link entry, not followed");
	CHECK_HAS(
	        n,
	        "deep.zip \xE2\x80\xBA l1.zip \xE2\x80\xBA l2.zip \xE2\x80\xBA l3.zip: a container "
	        "nested deeper than 3 levels, not opened");
	CHECK_HAS(n, "trunc.zip: listing stopped after ");
	CHECK_HAS(n, "plain.7z: archive container, sha256 ");
	free(n);
	snprintf(o, sizeof o, "%s/hostile-out/findings.csv", tmp);
	f = tu_read(o, NULL);
	CHECK_HAS(f, "dup.zip \xE2\x80\xBA W/SYSTEM: the container holds 2 entries named "
	             "\"\"W/SYSTEM\"\"; which one is the hive is unknown");
	CHECK_HAS(f,
	          "d64.zip \xE2\x80\xBA x/SYSTEM: compressed with Deflate64 (zip method 9), which "
	          "cannot be read here; re-pack it with Deflate");
	CHECK_HAS(f, "enc.7z \xE2\x80\xBA C/Windows/System32/config/SYSTEM: an encrypted 7z entry, "
	             "which cannot be read here");
	CHECK_HAS(f,
	          "bomb.zip \xE2\x80\xBA SYSTEM: compression ratio above 100:1 after 64 MiB (a zip "
	          "bomb?); not extracted");
	/* The 7z archive's host reads as the folder does. */
	CHECK_HAS(f, "\"plain\",\"CLONE01\",\"HIVE-INTEGRITY\",\"PASS\"");
	/* The hard-linked log was not attached: the hive has none. */
	CHECK_HAS(f, "\"l\",\"\",\"HIVE-INTEGRITY\",\"FAIL\"");
	free(f);
	/* Nothing was written beside the containers or above them. */
	snprintf(script, sizeof script,
	         "cd '%s' && test ! -e evil && test ! -e ../evil && test ! -e /abs && "
	         "test \"$(ls | wc -l)\" = 10",
	         h);
	CHECK_INT(sh(script), 0);
}

/* ------------------------------------------------------------ disk images */

/* A shell function that makes an NTFS volume holding one sample host's
 * hive files at Windows/System32/config: the committed skeleton (an empty
 * NTFS volume with those three folders, tests/data/README.md) and ntfscp,
 * no mounting.  Then disk images of every kind from it. */
static const char mkvol[] =
        "mkvol() { xz -dc '%s/tests/data/ntfs-skeleton.img.xz' > \"$2\";"
        " for f in '%s/samples/fleet'/$1/*; do ntfscp -q \"$2\" \"$f\" "
        "\"/Windows/System32/config/$(basename \"$f\")\"; done; };"
        "mkdisk() { truncate -s 80M \"$3\";"
        " if [ $2 = gpt ]; then t=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7; else t=7; fi;"
        " printf 'label: %%s\\nstart=2048, size=131072, type=%%s\\n' $2 $t | sfdisk -q \"$3\";"
        " mkvol $1 vol.tmp; dd if=vol.tmp of=\"$3\" bs=512 seek=2048 conv=notrunc status=none; rm "
        "vol.tmp; };";

static const char *const image_tools =
        "xz mkntfs ntfscp sfdisk qemu-img ewfacquirestream split zip";

/* One sample host per image kind in tmp/images (raw, GPT and MBR disks,
 * VMDK, VHD, VHDX, a three-segment E01, split raw, a zipped VHDX); 0 when
 * they were made. */
static int make_images(void)
{
	char script[16384], head[4096];

	snprintf(head, sizeof head, mkvol, tu_source_dir(), tu_source_dir());
	snprintf(script, sizeof script,
	         "set -e; %s d='%s/images'; rm -rf \"$d\"; mkdir -p \"$d/k\"; cd \"$d\";"
	         " mkvol srv2019 srv2019.img;"
	         " mkdisk srv2022 gpt srv2022.raw;"
	         " mkdisk srv2016 dos t.raw; qemu-img convert -f raw -O vmdk t.raw srv2016.vmdk; "
	         "rm t.raw;"
	         " mkdisk srv2012 gpt t.raw; qemu-img convert -f raw -O vpc t.raw srv2012.vhd; rm "
	         "t.raw;"
	         " mkdisk win7-sp1-x86 gpt t.raw;"
	         "  qemu-img convert -f raw -O vhdx t.raw 2025-01-02T030405_win7-sp1-x86.vhdx; rm "
	         "t.raw;"
	         " mkdisk dirty-replayed gpt t.raw;"
	         "  ewfacquirestream -q -t dirty-replayed -S 16MiB -c none < t.raw >/dev/null; rm "
	         "t.raw;"
	         " mkdisk mis-kb-absent dos t.raw; split -b 16M -d -a 3 --numeric-suffixes=1 t.raw "
	         "mis-kb-absent.;"
	         "  rm t.raw;"
	         " mkdisk mis-schannel-zero gpt t.raw; qemu-img convert -f raw -O vhdx t.raw "
	         "k/mis-schannel-zero.vhdx;"
	         "  rm t.raw; (cd k && zip -q0 ../mis-schannel-zero.zip mis-schannel-zero.vhdx); "
	         "rm -r k;"
	         " test -f dirty-replayed.E03",
	         head, tmp);
	return sh(script);
}

static void test_images_equal_folder(void)
{
	char o[4096], d[4096], *out = NULL, *err = NULL, *text;
	int rc;

	if (!need(image_tools))
		return;
	scan_folder_once();
	CHECK_INT(make_images(), 0);
	snprintf(d, sizeof d, "%s/images", tmp);
	snprintf(o, sizeof o, "%s/images-out", tmp);
	rc = run_env(NULL, &out, &err, "--out", o, "--as-of", "2026-01-01", d, NULL);
	CHECK_INT(rc, 1);
	CHECK_HAS(out, "8 hosts audited");
	free(out);
	free(err);
	CHECK_INT(compare_findings(o, 0), 8 * RULES);
	snprintf(o, sizeof o, "%s/images-out/hosts.csv", tmp);
	text = tu_read(o, NULL);
	CHECK_HAS(text, "\"win7-sp1-x86\",\"");
	CHECK_HAS(text, "\"mis-kb-absent\",\"MIS-KB-ABSENT\"");
	free(text);
	snprintf(o, sizeof o, "%s/images-out/findings.csv", tmp);
	text = tu_read(o, NULL);
	CHECK_HAS(text, "images/dirty-replayed.E01 \xE2\x80\xBA partition 1 (NTFS) \xE2\x80\xBA "
	                "/Windows/System32/config/SYSTEM");
	CHECK_HAS(text, "images/srv2019.img \xE2\x80\xBA volume (NTFS) \xE2\x80\xBA "
	                "/Windows/System32/config/SOFTWARE");
	CHECK_HAS(text,
	          "images/mis-schannel-zero.zip \xE2\x80\xBA mis-schannel-zero.vhdx \xE2\x80\xBA "
	          "partition 1 (NTFS) \xE2\x80\xBA /Windows/System32/config/SYSTEM");
	/* The E01's log replay read SYSTEM.LOG1 from the image. */
	CHECK_HAS(text, "new-format logs replayed: 1 entry (sequence 2) from SYSTEM.LOG1");
	free(text);
}

static void test_image_failures(void)
{
	char script[16384], head[4096], o[4096], d[4096], *out = NULL, *err = NULL, *n, *text;
	const char *corpus = tu_corpus_dir();
	int rc;

	if (!need(image_tools) || !need("sqlite3"))
		return;
	snprintf(head, sizeof head, mkvol, tu_source_dir(), tu_source_dir());
	snprintf(script, sizeof script,
	         "set -e; %s d='%s/badimg'; rm -rf \"$d\"; mkdir -p \"$d/gap\" \"$d/cut\"; cd "
	         "\"$d\";"
	         " mkdisk srv2019 gpt t.raw;"
	         " ewfacquirestream -q -t gap/CASE -S 16MiB -c none < t.raw >/dev/null; rm "
	         "gap/CASE.E02;"
	         " ewfacquirestream -q -t cut/CASE -S 16MiB -c none < t.raw >/dev/null;"
	         " rm cut/CASE.E0[2-9];"
	         " head -c 20M t.raw > short.raw;"
	         " (printf '\\353\\130\\220-FVE-FS-'; head -c 1048000 /dev/urandom) |"
	         "  dd of=t.raw bs=512 seek=2048 conv=notrunc status=none; mv t.raw bitlocker.raw;"
	         " head -c 8M /dev/urandom > g.raw; qemu-img convert -f raw -O vhdx g.raw "
	         "garbage.vhdx; rm g.raw",
	         head, tmp);
	CHECK_INT(sh(script), 0);
	snprintf(d, sizeof d, "%s/badimg", tmp);
	snprintf(o, sizeof o, "%s/badimg-out", tmp);
	if (corpus) {
		char vz[4096];

		snprintf(vz, sizeof vz, "%s/containers/velociraptor-test.vhdx.zip", corpus);
		rc = run_env(NULL, &out, &err, "-q", "--out", o, d, access(vz, R_OK) == 0 ? vz : d,
		             NULL);
	} else {
		rc = run_env(NULL, &out, &err, "-q", "--out", o, d, NULL);
	}
	CHECK_INT(rc, 1);
	free(out);
	free(err);
	n = notes_of("badimg-out");
	CHECK_HAS(n, "gap/CASE.E01: segment .E02 is missing (.E03 exists); not read");
	CHECK_HAS(n, "cut/CASE.E01: the image continues in segment 2, which is missing; not read");
	CHECK_HAS(
	        n,
	        "bitlocker.raw \xE2\x80\xBA partition 1: a BitLocker volume, which cannot be read "
	        "here (no BitLocker support); its hives are not audited");
	CHECK_HAS(n, "garbage.vhdx: neither a GPT or MBR partition table nor an NTFS volume "
	             "recognised");
	if (corpus && strstr(n, "velociraptor-test.vhdx.zip"))
		CHECK_HAS(n,
		          "velociraptor-test.vhdx.zip \xE2\x80\xBA test.vhdx \xE2\x80\xBA "
		          "partition 1 "
		          "(NTFS): no Windows/System32/config/SYSTEM or SOFTWARE on this volume");
	free(n);
	snprintf(o, sizeof o, "%s/badimg-out/findings.csv", tmp);
	text = tu_read(o, NULL);
	CHECK_HAS(text, "short.raw \xE2\x80\xBA partition 1 (NTFS) \xE2\x80\xBA "
	                "/Windows/System32/config/SYSTEM: the file's clusters cannot be read "
	                "(truncated image?)");
	free(text);
}

/* The hashes collectors record are checked: Velociraptor's
 * SourceFileSha256 (results/...Uploads.json) and KAPE's SourceFileSha1
 * (the CopyLog).  A match reads as usual; a mismatch is the hive's status. */
static void test_recorded_hashes(void)
{
	char script[16384], o[4096], d[4096], *out = NULL, *err = NULL, *text;

	if (!need("zip sha256sum sha1sum"))
		return;
	snprintf(script, sizeof script,
	         "set -e; S='%s/samples/fleet/srv2019'; w='%s/rec'; rm -rf \"$w\"; mkdir -p "
	         "\"$w/out\";"
	         " d=\"$w/v/uploads/auto/C%%3A/Windows/System32/config\"; mkdir -p \"$d\" "
	         "\"$w/v/results\";"
	         " cp $S/SYSTEM $S/SOFTWARE \"$d/\"; printf '{\"Hostname\":\"velo1\"}' > "
	         "\"$w/v/client_info.json\";"
	         " sy=$(sha256sum $S/SYSTEM | cut -c1-64);"
	         " printf "
	         "'{\"SourceFile\":\"C:"
	         "\\\\\\\\Windows\\\\\\\\System32\\\\\\\\config\\\\\\\\SYSTEM\","
	         "\"SourceFileSha256\":\"%%s\"}\\n"
	         "{\"SourceFile\":\"C:"
	         "\\\\\\\\Windows\\\\\\\\System32\\\\\\\\config\\\\\\\\SOFTWARE\","
	         "\"SourceFileSha256\":\"%%s\"}\\n'"
	         "  $sy 0000000000000000000000000000000000000000000000000000000000000000"
	         "  > \"$w/v/results/Windows.KapeFiles.Targets%%2FUploads.json\";"
	         " (cd \"$w/v\" && zip -qr \"$w/out/velo1.zip\" .);"
	         " k=\"$w/k/C/Windows/System32/config\"; mkdir -p \"$k\"; cp $S/SYSTEM $S/SOFTWARE "
	         "\"$k/\";"
	         " s1=$(sha1sum $S/SOFTWARE | cut -c1-40);"
	         " printf "
	         "'CopiedTimestamp,SourceFile,DestinationFile,FileSize,SourceFileSha1,"
	         "DeferredCopy\\r\\n"
	         "2024-01-01,C:\\\\Windows\\\\System32\\\\config\\\\SOFTWARE,D:"
	         "\\\\out\\\\C\\\\Windows\\\\System32\\\\config\\\\SOFTWARE,1,%%s,False\\r\\n"
	         "2024-01-01,C:\\\\Windows\\\\System32\\\\config\\\\SYSTEM,\"D:"
	         "\\\\out\\\\C\\\\Windows\\\\System32\\\\config\\\\SYSTEM\",1,"
	         "1111111111111111111111111111111111111111,False\\r\\n' $s1"
	         "  > \"$w/k/2024-01-01T10_00_00_1234567_CopyLog.csv\";"
	         " (cd \"$w/k\" && zip -qr \"$w/out/kape1.zip\" .)",
	         tu_source_dir(), tmp);
	CHECK_INT(sh(script), 0);
	snprintf(d, sizeof d, "%s/rec/out", tmp);
	snprintf(o, sizeof o, "%s/rec-out", tmp);
	CHECK_INT(run_env(NULL, &out, &err, "-q", "--out", o, "--as-of", "2026-01-01", d, NULL), 1);
	free(out);
	free(err);
	snprintf(o, sizeof o, "%s/rec-out/findings.csv", tmp);
	text = tu_read(o, NULL);
	CHECK_HAS(text, "\"velo1\",\"SRV2019\",\"HIVE-INTEGRITY\",\"FAIL\"");
	CHECK_HAS(text, "SYSTEM: ok; SOFTWARE: unreadable");
	CHECK_HAS(text,
	          "velo1.zip \xE2\x80\xBA uploads/auto/C%3A/Windows/System32/config/SOFTWARE: the "
	          "collector recorded SHA-256 "
	          "0000000000000000000000000000000000000000000000000000000000000000 for this "
	          "file, its bytes hash to ");
	CHECK_HAS(text, "\"kape1\",\"\",\"HIVE-INTEGRITY\",\"FAIL\"");
	CHECK_HAS(text, "SYSTEM: unreadable; SOFTWARE: ok");
	CHECK_HAS(text,
	          "kape1.zip \xE2\x80\xBA C/Windows/System32/config/SYSTEM: the collector recorded "
	          "SHA-1 1111111111111111111111111111111111111111 for this file");
	free(text);
}

/* Listing a container happens in a child process: one that crashes or
 * hangs costs that container only, with a note, and the run goes on. */
static void test_listing_is_contained(void)
{
	char script[8192], o[4096], d[4096], *out = NULL, *err = NULL, *n;
	const char *crash[] = {"HIVEAUDIT_TEST_FAULT=listcrash:bad.zip", NULL};
	const char *hang[] = {"HIVEAUDIT_TEST_FAULT=listhang:bad.zip", NULL};

	if (!need("zip sqlite3"))
		return;
	snprintf(script, sizeof script,
	         "set -e; cd '%s/samples/fleet'; w='%s/lc'; rm -rf \"$w\"; mkdir -p \"$w\";"
	         " zip -qr \"$w/bad.zip\" srv2019; zip -qr \"$w/good.zip\" srv2022",
	         tu_source_dir(), tmp);
	CHECK_INT(sh(script), 0);
	snprintf(d, sizeof d, "%s/lc", tmp);
	snprintf(o, sizeof o, "%s/lc-crash", tmp);
	CHECK_INT(run_env(crash, &out, &err, "--out", o, "--as-of", "2026-01-01", d, NULL), 0);
	CHECK_HAS(out, "1 host audited");
	free(out);
	free(err);
	n = notes_of("lc-crash");
	/* A sanitizer build reports the fault itself and exits instead. */
	if (!strstr(n, "lc/bad.zip: listing the container failed: the listing process failed "
	               "(status 1); not read"))
		CHECK_HAS(
		        n,
		        "lc/bad.zip: listing the container failed: the listing process was killed "
		        "by signal 11 (Segmentation fault); not read");
	CHECK_HAS(n, "lc/good.zip: archive container, sha256 ");
	free(n);
	snprintf(o, sizeof o, "%s/lc-hang", tmp);
	out = err = NULL;
	CHECK_INT(run_env(hang, &out, &err, "--out", o, "--timeout", "2", "--as-of", "2026-01-01",
	                  d, NULL),
	          0);
	free(out);
	free(err);
	n = notes_of("lc-hang");
	CHECK_HAS(n, "lc/bad.zip: listing the container failed: timed out after 2 s; not read");
	free(n);
}

/* Every kind of input in one run, as an examiner gives them: a disk image,
 * a Velociraptor collection, a CyLR zip, a folder of .reg exports and a
 * plain host folder.  Uses what the cases above built. */
static void test_every_kind_in_one_run(void)
{
	char script[16384], o[4096], img[4096], velo[4096], cylr[4096], exp[4096], dir[4096];
	char *out = NULL, *err = NULL, *text;
	int rc;

	if (!need(image_tools))
		return;
	snprintf(img, sizeof img, "%s/images/dirty-replayed.E01", tmp);
	snprintf(velo, sizeof velo, "%s/velo/Collection-xsrv2019-2024-11-05T17_45_36Z.zip", tmp);
	snprintf(cylr, sizeof cylr, "%s/cylr/srv2012.zip", tmp);
	snprintf(exp, sizeof exp, "%s/exports", tmp);
	snprintf(dir, sizeof dir, "%s/samples/fleet/srv2016", tu_source_dir());
	/* Made by the cases above; made here when this case runs alone. */
	if (access(img, R_OK))
		CHECK_INT(make_images(), 0);
	if (access(velo, R_OK) || access(cylr, R_OK))
		CHECK_INT(make_collection_zips(), 0);
	/* A small export of one host's SOFTWARE: its OS facts, nothing else. */
	snprintf(script, sizeof script,
	         "set -e; mkdir -p '%s/WEB9'; printf 'Windows Registry Editor Version 5.00\r\n\r\n"
	         "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion]\r\n"
	         "\"ProductName\"=\"Windows Server 2019 Standard\"\r\n"
	         "\"CurrentBuildNumber\"=\"17763\"\r\n' > '%s/WEB9/web9.reg'",
	         exp, exp);
	CHECK_INT(sh(script), 0);
	snprintf(o, sizeof o, "%s/every-out", tmp);
	rc = run_env(NULL, &out, &err, "--out", o, "--as-of", "2026-01-01", img, velo, cylr, exp,
	             dir, NULL);
	CHECK_INT(rc, 1);
	CHECK_HAS(out, "5 hosts audited");
	free(out);
	free(err);
	snprintf(o, sizeof o, "%s/every-out/hosts.csv", tmp);
	text = tu_read(o, NULL);
	CHECK_HAS(text, "\"dirty-replayed\",\"");
	CHECK_HAS(text, "\"srv2019\",\"");
	CHECK_HAS(text, "\"srv2012\",\"");
	CHECK_HAS(text, "\"srv2016\",\"");
	CHECK_HAS(text, "\"WEB9\",\"");
	free(text);
	snprintf(o, sizeof o, "%s/every-out/findings.csv", tmp);
	text = tu_read(o, NULL);
	CHECK_HAS(text, "dirty-replayed.E01 \xE2\x80\xBA partition 1 (NTFS) \xE2\x80\xBA "
	                "/Windows/System32/config/SYSTEM");
	CHECK_HAS(text, "srv2012.zip \xE2\x80\xBA C/Windows/System32/config/SOFTWARE");
	CHECK_HAS(text, "exports/WEB9/web9.reg");
	free(text);
	/* The hosts that are also in the sample fleet give its findings. */
	snprintf(o, sizeof o, "%s/every-out", tmp);
	{
		char p[4200], *csv;
		struct tu_csv c;
		size_t i, n = 0;

		snprintf(p, sizeof p, "%s/findings.csv", o);
		csv = tu_read(p, NULL);
		CHECK(csv && tu_csv_parse(csv, &c) == 0);
		for (i = 1; csv && i < c.nrows; i++)
			n += strcmp(c.rows[i][0], "WEB9") == 0;
		CHECK_INT(n, RULES);
		CHECK_INT(c.nrows, 1 + 5 * RULES);
		tu_csv_free(&c);
		free(csv);
	}
}

/* Every segment of a set is hashed: an E01 set and a split raw set made
 * here, whose notes list each segment's SHA-256 (as sha256sum gives it),
 * the split set's hash as that of the disk (the segments one after the
 * other), and the E01's recorded media MD5 checked against the media.
 * Under --container-hash-max, and with --hash none, nothing is hashed and
 * the note says why. */
static void test_segment_hashes(void)
{
	char script[16384], head[4096], o[4096], d[4096], p[4600], *out = NULL, *err = NULL;
	char *n, *sums, *line, *save = NULL;
	size_t lines = 0;
	int rc;

	if (!need(image_tools) || !need("sqlite3 sha256sum md5sum"))
		return;
	snprintf(head, sizeof head, mkvol, tu_source_dir(), tu_source_dir());
	snprintf(d, sizeof d, "%s/segs", tmp);
	snprintf(script, sizeof script,
	         "set -e; %s d='%s'; rm -rf \"$d\"; mkdir -p \"$d/set\"; cd \"$d/set\";"
	         " mkdisk srv2019 gpt t.raw;"
	         " ewfacquirestream -q -t CASE9 -S 16MiB -c none < t.raw >/dev/null;"
	         " split -b 16M -d -a 3 --numeric-suffixes=1 t.raw disk.;"
	         " md5sum t.raw | cut -c1-32 > ../media.md5;"
	         " cat disk.0* | sha256sum | cut -c1-64 > ../disk.sum; rm t.raw;"
	         " for s in CASE9 disk; do k=0; n=$(ls $s.* | wc -l); for f in $(ls $s.*); do"
	         "  k=$((k+1)); printf '%%s: segment %%d of %%d, %%s, %%d bytes, sha256 %%s\\n'"
	         "  \"$d/set/$(ls $s.* | head -1)\" $k $n \"$d/set/$f\" $(stat -c %%s $f)"
	         "  $(sha256sum $f | cut -c1-64); done; done > ../sums;"
	         " test -f CASE9.E05 && test -f disk.005",
	         head, d);
	CHECK_INT(sh(script), 0);
	snprintf(d, sizeof d, "%s/segs/set", tmp);
	snprintf(o, sizeof o, "%s/segs-out", tmp);
	rc = run_env(NULL, &out, &err, "-q", "--out", o, "--as-of", "2026-01-01", d, NULL);
	CHECK_INT(rc, 0); /* srv2019 has no FAIL */
	free(out);
	free(err);
	n = notes_of("segs-out");
	snprintf(p, sizeof p, "%s/segs/sums", tmp);
	sums = tu_read(p, NULL);
	CHECK(sums != NULL);
	for (line = sums ? strtok_r(sums, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		CHECK_HAS(n, line);
		lines++;
	}
	CHECK(lines >= 10); /* 80 MiB in 16 MiB segments: at least 5 of each */
	free(sums);
	snprintf(p, sizeof p, "%s/segs/disk.sum", tmp);
	sums = tu_read(p, NULL);
	if (sums) {
		char want[4400];

		sums[64] = '\0';
		snprintf(want, sizeof want, "%s/disk.001: disk image container, sha256 %s, 1 host",
		         d, sums);
		CHECK_HAS(n, want);
	}
	free(sums);
	snprintf(p, sizeof p, "%s/segs/media.md5", tmp);
	sums = tu_read(p, NULL);
	if (sums) {
		char want[4400];

		sums[32] = '\0';
		snprintf(want, sizeof want,
		         "%s/CASE9.E01: the media's MD5 %s, read through the image, matches the "
		         "MD5 the image records",
		         d, sums);
		CHECK_HAS(n, want);
	}
	free(sums);
	free(n);

	/* A limit below the set's size: not hashed, and said. */
	snprintf(o, sizeof o, "%s/segs-cap", tmp);
	rc = run_env(NULL, &out, &err, "-q", "--out", o, "--as-of", "2026-01-01",
	             "--container-hash-max", "40", d, NULL);
	CHECK_INT(rc, 0);
	free(out);
	free(err);
	n = notes_of("segs-cap");
	snprintf(p, sizeof p,
	         "%s/disk.001: disk image container, larger than the 40 MiB hashing limit (80 "
	         "MiB in all its segments), sha256 not computed, 1 host",
	         d);
	CHECK_HAS(n, p);
	CHECK_LACKS(n, ": segment 1 of");
	free(n);

	/* --hash none: no container hash either. */
	snprintf(o, sizeof o, "%s/segs-none", tmp);
	rc = run_env(NULL, &out, &err, "-q", "--out", o, "--as-of", "2026-01-01", "--hash", "none",
	             d, NULL);
	CHECK_INT(rc, 0);
	free(out);
	free(err);
	n = notes_of("segs-none");
	snprintf(p, sizeof p,
	         "%s/CASE9.E01: disk image container, sha256 not computed (--hash none), 1 host",
	         d);
	CHECK_HAS(n, p);
	CHECK_LACKS(n, ": segment 1 of");
	CHECK_LACKS(n, "MD5");
	free(n);
}

/* A member is hashed while it is extracted, and that hash is the hive's
 * evidence: for a zip member and a file in a VHDX, the SHA-256 the store
 * records is the one sha256sum gives for the sample hive; with --hash none
 * neither is hashed. */
static void test_member_hashes(void)
{
	char script[16384], head[4096], o[4096], d[4096], db[4200], want[4400];
	char *argv[] = {"/usr/bin/sqlite3", db, "select path || '|' || sha256 from hives", NULL};
	char *out = NULL, *err = NULL, *sums, *line, *save = NULL;
	static const char *const roles[] = {"SYSTEM", "SOFTWARE"};
	size_t r;
	int rc, pass;

	if (!need(image_tools) || !need("sqlite3 sha256sum"))
		return;
	snprintf(head, sizeof head, mkvol, tu_source_dir(), tu_source_dir());
	snprintf(d, sizeof d, "%s/mh", tmp);
	snprintf(script, sizeof script,
	         "set -e; %s d='%s'; rm -rf \"$d\"; mkdir -p \"$d/in\"; cd \"$d\";"
	         " (cd '%s/samples/fleet' && zip -qr \"$d/in/clone-a.zip\" clone-a);"
	         " mkdisk srv2012 gpt t.raw; qemu-img convert -f raw -O vhdx t.raw in/srv2012.vhdx;"
	         " rm t.raw; sha256sum '%s/samples/fleet/clone-a/'* '%s/samples/fleet/srv2012/'*"
	         " | cut -c1-64 > sums",
	         head, d, tu_source_dir(), tu_source_dir(), tu_source_dir());
	CHECK_INT(sh(script), 0);
	for (pass = 0; pass < 2; pass++) {
		snprintf(o, sizeof o, "%s/mh/out%d", tmp, pass);
		snprintf(d, sizeof d, "%s/mh/in", tmp);
		rc = pass ? run_env(NULL, &out, &err, "-q", "--hash", "none", "--out", o, d, NULL)
		          : run_env(NULL, &out, &err, "-q", "--out", o, d, NULL);
		CHECK(rc == 0 || rc == 1);
		free(out);
		free(err);
		out = err = NULL;
		snprintf(db, sizeof db, "%s/audit.db", o);
		CHECK_INT(tu_run(argv, NULL, &out, &err), 0);
		snprintf(want, sizeof want, "%s/mh/sums", tmp);
		sums = tu_read(want, NULL);
		CHECK(sums != NULL);
		save = NULL;
		line = sums ? strtok_r(sums, "\n", &save) : NULL;
		/* sha256sum's order: clone-a SOFTWARE, SYSTEM; srv2012 SOFTWARE, SYSTEM */
		for (r = 0; line && r < 4; r++, line = strtok_r(NULL, "\n", &save)) {
			const char *role = roles[(r + 1) % 2];

			if (r < 2)
				snprintf(want, sizeof want,
				         "%s/clone-a.zip \xE2\x80\xBA clone-a/%s|%s", d, role,
				         pass ? "not computed (--hash none)" : line);
			else
				snprintf(want, sizeof want,
				         "%s/srv2012.vhdx \xE2\x80\xBA partition 1 (NTFS) "
				         "\xE2\x80\xBA "
				         "/Windows/System32/config/%s|%s",
				         d, role, pass ? "not computed (--hash none)" : line);
			CHECK_HAS(out, want);
		}
		CHECK_INT(r, 4);
		free(sums);
		free(out);
		free(err);
		out = err = NULL;
	}
}

/* ------------------------------------------- per-hive container evidence */

/* The output of one query of the store at tmp/OUT/audit.db (malloc'd). */
static char *query(const char *out_dir, const char *sql)
{
	char db[4000], *out = NULL, *err = NULL;
	char *argv[] = {"/usr/bin/sqlite3", "-separator", "|", db, (char *)sql, NULL};

	snprintf(db, sizeof db, "%s/%s/audit.db", tmp, out_dir);
	if (tu_run(argv, NULL, &out, &err) != 0)
		check_fail(__FILE__, __LINE__, "sqlite3 %s: %s", db, err ? err : "");
	free(err);
	return out ? out : calloc(1, 1);
}

/* The first 64 characters of `sha256sum FILE` (malloc'd). */
static char *sum_of(const char *file)
{
	char *argv[] = {"/usr/bin/sha256sum", (char *)file, NULL};
	char *out = NULL, *err = NULL;

	CHECK_INT(tu_run(argv, NULL, &out, &err), 0);
	free(err);
	if (!out || strlen(out) < 64) {
		free(out);
		return calloc(1, 1);
	}
	out[64] = '\0';
	return out;
}

static char *explain(const char *out_dir, const char *host)
{
	char db[4000], *out = NULL, *err = NULL;
	char *argv[] = {(char *)tu_hiveaudit(), "explain", "--quiet", "--db", db,
	                (char *)host,           NULL};

	snprintf(db, sizeof db, "%s/%s/audit.db", tmp, out_dir);
	CHECK_INT(tu_run(argv, NULL, &out, &err), 0);
	free(err);
	return out ? out : calloc(1, 1);
}

/* A zip host's and a VHDX host's hives name the container as given, its
 * SHA-256 (as sha256sum says) and the path inside, in the store and in
 * explain; a folder's hives have none of it. */
static void test_hive_container_evidence(void)
{
	char script[16384], head[4096], d[1024], zip[2048], vhdx[2048], o[4096], want[16384];
	char *out = NULL, *err = NULL, *zsum, *vsum, *q, *x;

	if (!need(image_tools) || !need("sqlite3 sha256sum"))
		return;
	snprintf(head, sizeof head, mkvol, tu_source_dir(), tu_source_dir());
	snprintf(script, sizeof script,
	         "set -e; %s d='%s/cev'; rm -rf \"$d\"; mkdir -p \"$d/in\"; cd \"$d\";"
	         " (cd '%s/samples/fleet' && zip -qr \"$d/in/WEB01.zip\" clone-a/SYSTEM "
	         "clone-a/SOFTWARE);"
	         " mkdisk srv2019 gpt t.raw; qemu-img convert -f raw -O vhdx t.raw "
	         "in/2025-01-02T030405_VHOST.vhdx; rm t.raw;"
	         " mkdir in/plain; cp '%s/samples/fleet/srv2016/SYSTEM' in/plain/",
	         head, tmp, tu_source_dir(), tu_source_dir());
	CHECK_INT(sh(script), 0);
	snprintf(d, sizeof d, "%s/cev/in", tmp);
	snprintf(zip, sizeof zip, "%s/WEB01.zip", d);
	snprintf(vhdx, sizeof vhdx, "%s/2025-01-02T030405_VHOST.vhdx", d);
	snprintf(o, sizeof o, "%s/cev-out", tmp);
	/* Found in a folder beside a plain host: given as FOLDER/NAME. */
	CHECK_INT(run_env(NULL, &out, &err, "--out", o, "--as-of", "2026-01-01", d, NULL), 1);
	CHECK_HAS(out, "3 hosts audited");
	free(out);
	free(err);
	zsum = sum_of(zip);
	vsum = sum_of(vhdx);
	CHECK_INT((int)strlen(zsum), 64);
	CHECK_INT((int)strlen(vsum), 64);
	q = query("cev-out",
	          "SELECT h.label, v.role, v.container, v.container_sha256, v.inner_path,"
	          " length(v.sha256) FROM hives v JOIN hosts h USING (host_id)"
	          " WHERE v.container IS NOT NULL ORDER BY h.label, v.role");
	snprintf(want, sizeof want,
	         "VHOST|SOFTWARE|%s|%s|partition 1 (NTFS) \xE2\x80\xBA "
	         "/Windows/System32/config/SOFTWARE|64\n"
	         "VHOST|SYSTEM|%s|%s|partition 1 (NTFS) \xE2\x80\xBA "
	         "/Windows/System32/config/SYSTEM|64\n"
	         "clone-a|SOFTWARE|%s|%s|clone-a/SOFTWARE|64\n"
	         "clone-a|SYSTEM|%s|%s|clone-a/SYSTEM|64\n",
	         vhdx, vsum, vhdx, vsum, zip, zsum, zip, zsum);
	CHECK_STR(q, want);
	free(q);
	/* The plain folder's hive: no container, and the reports unchanged. */
	q = query("cev-out", "SELECT count(*), count(container), count(container_sha256),"
	                     " count(inner_path) FROM hives WHERE path LIKE '%/plain/SYSTEM'");
	CHECK_STR(q, "1|0|0|0\n");
	free(q);
	/* The hive's own SHA-256 is that of its bytes: the same as the folder's. */
	q = query("cev-out", "SELECT count(DISTINCT sha256) FROM hives v JOIN hosts h USING"
	                     " (host_id) WHERE h.label = 'VHOST' AND v.role = 'SYSTEM'");
	CHECK_STR(q, "1\n");
	free(q);

	x = explain("cev-out", "clone-a");
	snprintf(want, sizeof want,
	         "      container: %s, sha256 %s\n      inside: clone-a/SYSTEM, sha256 ", zip,
	         zsum);
	CHECK_HAS(x, want);
	free(x);
	x = explain("cev-out", "VHOST");
	snprintf(want, sizeof want,
	         "      container: %s, sha256 %s\n      inside: partition 1 (NTFS) \xE2\x80\xBA "
	         "/Windows/System32/config/SOFTWARE, sha256 ",
	         vhdx, vsum);
	CHECK_HAS(x, want);
	free(x);
	x = explain("cev-out", "plain");
	CHECK_LACKS(x, "container:");
	free(x);

	/* merge carries the columns over (it copies by the schema). */
	{
		char db[4096], mo[4096];
		char *argv[] = {(char *)tu_hiveaudit(), "merge", "--quiet", "--out", mo, db, NULL};
		char *m;

		snprintf(db, sizeof db, "%s/cev-out/audit.db", tmp);
		snprintf(mo, sizeof mo, "%s/cev-merged", tmp);
		out = err = NULL;
		CHECK_INT(tu_run(argv, NULL, &out, &err), 1);
		free(out);
		free(err);
		q = query("cev-out", "SELECT v.path, v.container, v.container_sha256, v.inner_path"
		                     " FROM hives v ORDER BY v.path");
		m = query("cev-merged",
		          "SELECT v.path, v.container, v.container_sha256, v.inner_path"
		          " FROM hives v ORDER BY v.path");
		CHECK(strlen(q) > 200);
		CHECK_STR(m, q);
		free(m);
		free(q);
	}
	free(zsum);
	free(vsum);
}

/* ------------------------------------------------- reuse of containers */

/* reused_from of each host of the newest run, by label: "label|0" read,
 * "label|1" re-evaluated from a saved snapshot. */
static char *reused(const char *out_dir)
{
	return query(out_dir, "SELECT label, reused_from IS NOT NULL FROM hosts WHERE run_id ="
	                      " (SELECT max(run_id) FROM runs) ORDER BY label");
}

/* An unchanged container is not read again, as a folder is not; a touched
 * one is, --rescan and --verify read it, and a reused host still names
 * the container with its hives. */
static void test_container_reuse(void)
{
	char script[8192], zip[2048], o[4096], d[1024], head[4096];
	char *out = NULL, *err = NULL, *q;
	int images;

	if (!need("zip sqlite3"))
		return;
	images = need(image_tools);
	snprintf(head, sizeof head, mkvol, tu_source_dir(), tu_source_dir());
	snprintf(script, sizeof script,
	         "set -e; %s d='%s/reuse'; rm -rf \"$d\"; mkdir -p \"$d/in\"; cd \"$d\";"
	         " (cd '%s/samples/fleet' && zip -qr \"$d/in/WEB01.zip\" clone-a/SYSTEM "
	         "clone-a/SOFTWARE);"
	         " if [ %d = 1 ]; then mkdisk srv2019 gpt t.raw; qemu-img convert -f raw -O vhdx "
	         "t.raw in/VHOST.vhdx; rm t.raw; fi",
	         images ? head : "", tmp, tu_source_dir(), images);
	CHECK_INT(sh(script), 0);
	snprintf(d, sizeof d, "%s/reuse/in", tmp);
	snprintf(zip, sizeof zip, "%s/WEB01.zip", d);
	snprintf(o, sizeof o, "%s/reuse-out", tmp);
#define SCAN_REUSE(...)                                                                            \
	do {                                                                                       \
		out = err = NULL;                                                                  \
		CHECK_INT(run_env(NULL, &out, &err, "--out", o, "--as-of", "2026-01-01",           \
		                  __VA_ARGS__, d, NULL),                                           \
		          0);                                                                      \
		free(out);                                                                         \
		free(err);                                                                         \
	} while (0)
	SCAN_REUSE("--quiet");
	q = reused("reuse-out");
	CHECK_STR(q, images ? "VHOST|0\nclone-a|0\n" : "clone-a|0\n");
	free(q);
	/* Unchanged: both re-evaluated from run 1, and still named with their container. */
	SCAN_REUSE("--quiet");
	q = reused("reuse-out");
	CHECK_STR(q, images ? "VHOST|1\nclone-a|1\n" : "clone-a|1\n");
	free(q);
	q = query("reuse-out", "SELECT count(*), count(v.container), count(v.container_sha256),"
	                       " count(v.inner_path), count(v.container_ino) FROM hives v JOIN"
	                       " hosts h USING (host_id) WHERE h.run_id = 2");
	CHECK_STR(q, images ? "4|4|4|4|4\n" : "2|2|2|2|2\n");
	free(q);
	/* The reused host's hive hashes are the stored ones. */
	q = query("reuse-out", "SELECT count(DISTINCT v.sha256) FROM hives v JOIN hosts h"
	                       " USING (host_id) WHERE h.label = 'clone-a' AND v.role = 'SYSTEM'");
	CHECK_STR(q, "1\n");
	free(q);
	/* A touched zip is read again; the untouched image is not. */
	snprintf(script, sizeof script, "touch -d '2030-01-01 00:00:00' '%s'", zip);
	CHECK_INT(sh(script), 0);
	SCAN_REUSE("--quiet");
	q = reused("reuse-out");
	CHECK_STR(q, images ? "VHOST|1\nclone-a|0\n" : "clone-a|0\n");
	free(q);
	/* --rescan reads everything. */
	SCAN_REUSE("--quiet", "--rescan");
	q = reused("reuse-out");
	CHECK_STR(q, images ? "VHOST|0\nclone-a|0\n" : "clone-a|0\n");
	free(q);
	/* --verify reads everything and finds the bytes unchanged. */
	out = err = NULL;
	CHECK_INT(
	        run_env(NULL, &out, &err, "--out", o, "--as-of", "2026-01-01", "--verify", d, NULL),
	        0);
	CHECK_LACKS(out, "changed under an unchanged identity");
	CHECK_LACKS(err, "changed under an unchanged identity");
	free(out);
	free(err);
	q = reused("reuse-out");
	CHECK_STR(q, images ? "VHOST|0\nclone-a|0\n" : "clone-a|0\n");
	free(q);
	/* After a read the identity is recorded again: the next scan reuses. */
	SCAN_REUSE("--quiet");
	q = reused("reuse-out");
	CHECK_STR(q, images ? "VHOST|1\nclone-a|1\n" : "clone-a|1\n");
	free(q);
#undef SCAN_REUSE
}

/* -------------------------------------------- an NTFS directory loop */

/* Just enough NTFS to point a directory's index entry elsewhere, checked
 * against the image's size at every step:
 *
 *   boot sector   u16 bytes per sector @0x0B, u8 sectors per cluster @0x0D,
 *                 u64 MFT cluster @0x30, s8 clusters per record @0x40
 *                 (negative: 2^-n bytes)
 *   MFT record    "FILE", u16 update sequence offset @4 and count @6,
 *                 u16 sequence number @0x10, u16 first attribute @0x14;
 *                 the last two bytes of each sector are in the update
 *                 sequence array (fixups)
 *   attribute     u32 type, u32 length, u8 non-resident @8; resident:
 *                 u32 value length @0x10, u16 value offset @0x14
 *   $FILE_NAME    (0x30) u8 name length @0x40, UTF-16LE name @0x42
 *   $INDEX_ROOT   (0x90) index header @16: u32 first entry (from the
 *                 header); entry: u64 file reference (48-bit record,
 *                 16-bit sequence), u16 length @8, u16 flags @12 (2: the
 *                 last), $FILE_NAME key @16 */
struct ntfs {
	uint8_t *img;
	size_t size, rec_size, mft, sector;
};

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)le16(p) | (uint32_t)le16(p + 2) << 16;
}

static int ntfs_open(struct ntfs *v, uint8_t *img, size_t size)
{
	size_t cluster;
	int8_t c;

	memset(v, 0, sizeof v[0]);
	if (size < 512 || memcmp(img + 3, "NTFS    ", 8))
		return -1;
	v->img = img;
	v->size = size;
	v->sector = le16(img + 0x0B);
	cluster = v->sector * img[0x0D];
	c = (int8_t)img[0x40];
	v->rec_size = c < 0 ? (size_t)1 << -c : (size_t)c * cluster;
	v->mft = (size_t)(le32(img + 0x30) | (uint64_t)le32(img + 0x34) << 32) * cluster;
	if (v->sector < 512 || v->rec_size < 1024 || v->rec_size > 65536 ||
	    v->rec_size % v->sector || v->mft >= size)
		return -1;
	return 0;
}

/* Record n with its fixups applied, into rec (rec_size bytes); -1 when it
 * is not a record. */
static int ntfs_read(const struct ntfs *v, size_t n, uint8_t *rec)
{
	size_t off = v->mft + n * v->rec_size, uo, uc, i;

	if (off + v->rec_size > v->size)
		return -1;
	memcpy(rec, v->img + off, v->rec_size);
	if (memcmp(rec, "FILE", 4))
		return -1;
	uo = le16(rec + 4);
	uc = le16(rec + 6);
	if (uc != v->rec_size / v->sector + 1 || uo + 2 * uc > v->rec_size)
		return -1;
	for (i = 1; i < uc; i++)
		memcpy(rec + i * v->sector - 2, rec + uo + 2 * i, 2);
	return 0;
}

/* Writes rec back as record n, moving the sectors' last bytes into the
 * update sequence array again. */
static void ntfs_write(struct ntfs *v, size_t n, uint8_t *rec)
{
	size_t uo = le16(rec + 4), uc = le16(rec + 6), i;

	for (i = 1; i < uc; i++) {
		memcpy(rec + uo + 2 * i, rec + i * v->sector - 2, 2);
		memcpy(rec + i * v->sector - 2, rec + uo, 2);
	}
	memcpy(v->img + v->mft + n * v->rec_size, rec, v->rec_size);
}

/* The resident attribute `type` of rec: its value's offset and length. */
static int ntfs_attr(const struct ntfs *v, const uint8_t *rec, uint32_t type, size_t *vo,
                     size_t *vl)
{
	size_t a = le16(rec + 0x14);

	while (a + 0x18 <= v->rec_size) {
		uint32_t t = le32(rec + a), l = le32(rec + a + 4);

		if (t == 0xFFFFFFFFu || l < 0x18 || a + l > v->rec_size)
			return -1;
		if (t == type && rec[a + 8] == 0) {
			*vo = a + le16(rec + a + 0x14);
			*vl = le32(rec + a + 0x10);
			return *vo + *vl <= a + l ? 0 : -1;
		}
		a += l;
	}
	return -1;
}

/* A $FILE_NAME at p (len bytes) names `name` (ASCII). */
static int fn_is(const uint8_t *p, size_t len, const char *name)
{
	size_t n = strlen(name), i;

	if (len < 0x42 || p[0x40] != n || 0x42 + 2 * n > len)
		return 0;
	for (i = 0; i < n; i++)
		if (p[0x42 + 2 * i] != (uint8_t)name[i] || p[0x43 + 2 * i])
			return 0;
	return 1;
}

/* The first MFT record (from 16, the first ordinary one) named `name`. */
static long ntfs_find(const struct ntfs *v, const char *name, uint8_t *rec)
{
	size_t n, vo, vl;

	for (n = 16; n < 4096; n++)
		if (!ntfs_read(v, n, rec) && !ntfs_attr(v, rec, 0x30, &vo, &vl) &&
		    fn_is(rec + vo, vl, name))
			return (long)n;
	return -1;
}

/* Points the entry `entry` of directory `dir`'s index root at record
 * `target` (with that record's sequence number).  0, or -1 when the image
 * does not look as expected. */
static int ntfs_repoint(uint8_t *img, size_t size, const char *dir, const char *entry, long target)
{
	struct ntfs v;
	uint8_t rec[65536], trec[65536];
	size_t vo, vl, e, end;
	long d;
	uint16_t tseq;

	if (ntfs_open(&v, img, size) || (d = ntfs_find(&v, dir, rec)) < 0 ||
	    ntfs_read(&v, (size_t)target, trec) || ntfs_attr(&v, rec, 0x90, &vo, &vl) || vl < 32)
		return -1;
	tseq = le16(trec + 0x10);
	e = vo + 16 + le32(rec + vo + 16);
	end = vo + vl;
	while (e + 16 <= end) {
		size_t el = le16(rec + e + 8);

		if (el < 16 || e + el > end || le16(rec + e + 12) & 2)
			return -1;
		if (fn_is(rec + e + 16, el - 16, entry)) {
			uint64_t ref = (uint64_t)target | (uint64_t)tseq << 48;
			int i;

			for (i = 0; i < 8; i++)
				rec[e + i] = (uint8_t)(ref >> 8 * i);
			ntfs_write(&v, (size_t)d, rec);
			return 0;
		}
		e += el;
	}
	return -1;
}

/* An NTFS volume whose directory index points back at an ancestor
 * (Windows/System32's entry "config" names the record of Windows, or of
 * the root) gets a status that says so; the run ends (no hang: under a
 * timeout) and the other inputs of the run are read. */
static void test_ntfs_directory_loop(void)
{
	static const struct {
		const char *file, *target, *shown;
	} cases[] = {
	        {"loop-windows.img", "Windows", "/Windows"},
	        {"loop-root.img", NULL, "/"}, /* the root is record 5 */
	};
	long targets[2];
	char script[16384], head[4096], d[1024], o[4096], img[2048], *out = NULL, *err = NULL;
	char *argv[16], *n;
	size_t k;

	if (!need("xz ntfscp zip timeout sqlite3"))
		return;
	snprintf(head, sizeof head, mkvol, tu_source_dir(), tu_source_dir());
	snprintf(script, sizeof script,
	         "set -e; %s d='%s/ntfsloop'; rm -rf \"$d\"; mkdir -p \"$d/in\"; cd \"$d\";"
	         " mkvol srv2019 base.img;"
	         " (cd '%s/samples/fleet' && zip -qr \"$d/in/WEB01.zip\" clone-a/SYSTEM "
	         "clone-a/SOFTWARE)",
	         head, tmp, tu_source_dir());
	CHECK_INT(sh(script), 0);
	snprintf(d, sizeof d, "%s/ntfsloop", tmp);
	for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		size_t size = 0;
		uint8_t *b;
		long target = 5;

		snprintf(img, sizeof img, "%s/base.img", d);
		b = (uint8_t *)tu_read(img, &size);
		CHECK(b != NULL && size == 64u << 20);
		if (!b)
			return;
		if (cases[k].target) {
			struct ntfs v;
			uint8_t rec[65536];

			CHECK_INT(ntfs_open(&v, b, size), 0);
			target = ntfs_find(&v, cases[k].target, rec);
			CHECK(target >= 16);
		}
		targets[k] = target;
		CHECK_INT(ntfs_repoint(b, size, "System32", "config", target), 0);
		snprintf(img, sizeof img, "%s/in/%s", d, cases[k].file);
		CHECK_INT(tu_write(img, b, size), 0);
		free(b);
	}
	snprintf(o, sizeof o, "%s/ntfsloop-out", tmp);
	snprintf(img, sizeof img, "%s/in", d);
	argv[0] = "/usr/bin/timeout";
	argv[1] = "300";
	argv[2] = (char *)tu_hiveaudit();
	argv[3] = "scan";
	argv[4] = "--quiet";
	argv[5] = "--out";
	argv[6] = o;
	argv[7] = "--as-of";
	argv[8] = "2026-01-01";
	argv[9] = img;
	argv[10] = NULL;
	CHECK_INT(tu_run(argv, NULL, &out, &err), 0); /* WEB01 is ready */
	free(out);
	free(err);
	n = notes_of("ntfsloop-out");
	for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		char want[4096];

		snprintf(want, sizeof want,
		         "%s/in/%s \xE2\x80\xBA volume (NTFS): the directory index loops: "
		         "/Windows/System32/config is MFT record %ld, the same as %s; the hives "
		         "below it are not read\n",
		         d, cases[k].file, targets[k], cases[k].shown);
		CHECK_HAS(n, want);
		snprintf(want, sizeof want, "%s/in/%s: disk image container, sha256 ", d,
		         cases[k].file);
		CHECK_HAS(n, want);
	}
	CHECK_LACKS(n, "no Windows/System32/config/SYSTEM or SOFTWARE on this volume");
	free(n);
	n = query("ntfsloop-out", "SELECT label FROM hosts ORDER BY label");
	CHECK_STR(n, "clone-a\n");
	free(n);
}

int main(int argc, char **argv)
{
	static const struct check_case cases[] = {
	        CHECK_CASE(test_zipped_fleet_equals_folder),
	        CHECK_CASE(test_tarred_fleet_equals_folder),
	        CHECK_CASE(test_velociraptor_and_cylr_zips),
	        CHECK_CASE(test_container_note_and_hash),
	        CHECK_CASE(test_real_collection_without_hives),
	        CHECK_CASE(test_encrypted_collection_corpus),
	        CHECK_CASE(test_aes_nested_collection),
	        CHECK_CASE(test_zipcrypto_cylr),
	        CHECK_CASE(test_hostile_archives),
	        CHECK_CASE(test_images_equal_folder),
	        CHECK_CASE(test_image_failures),
	        CHECK_CASE(test_recorded_hashes),
	        CHECK_CASE(test_listing_is_contained),
	        CHECK_CASE(test_every_kind_in_one_run),
	        CHECK_CASE(test_segment_hashes),
	        CHECK_CASE(test_member_hashes),
	        CHECK_CASE(test_hive_container_evidence),
	        CHECK_CASE(test_container_reuse),
	        CHECK_CASE(test_ntfs_directory_loop),
	};
	int rc;

	tmp = tu_tempdir("containers");
	if (!tmp)
		return 1;
	rc = check_run(cases, sizeof cases / sizeof cases[0], argc, argv);
	if (rc == 0)
		tu_rmtree(tmp);
	free(tmp);
	return rc;
}
