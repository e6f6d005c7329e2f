/* test_corpus.c: real third-party hives (../shared/corpus, see its
 * MANIFEST.md).  Each case decompresses what it needs into a temporary
 * folder laid out as a collection, reads it, and checks the facts the
 * manifest lists.  Every case skips cleanly when the corpus is absent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "ha_ingest.h"
#include "testutil.h"

static char *tmp;

/* Decompresses corpus file `rel` to tmp/<host>/<as>. */
static int place(const char *rel, const char *host, const char *as)
{
	char dir[4096], *p, dst[4096];
	int rc;

	snprintf(dir, sizeof dir, "%s/%s", tmp, host);
	p = tu_corpus_file(rel, dir);
	if (!p)
		return -1;
	snprintf(dst, sizeof dst, "%s/%s/%s", tmp, host, as);
	rc = strcmp(p, dst) ? rename(p, dst) : 0;
	free(p);
	return rc;
}

static int read_host_dir(const char *host, struct ha_reqset *req, struct ha_snapshot *s)
{
	char dir[4096];
	const char *paths[1] = {dir};
	struct ha_fleet f;
	struct ha_read_opts ro;
	struct ha_err err;
	int rc;

	snprintf(dir, sizeof dir, "%s/%s", tmp, host);
	if (ha_discover(paths, 1, &f, &err) != HA_OK || f.nhosts != 1) {
		fprintf(stderr, "discover %s: %s (%zu hosts)\n", host, err.msg, f.nhosts);
		ha_fleet_free(&f);
		return -1;
	}
	memset(&ro, 0, sizeof ro);
	ro.no_replay = 1;
	ha_snapshot_init(s);
	rc = ha_read_host(&f.hosts[0], req, &ro, NULL, NULL, s, &err);
	ha_fleet_free(&f);
	return rc;
}

static int need_corpus(void)
{
	if (!tu_corpus_dir()) {
		check_skip("../shared/corpus is absent");
		return 0;
	}
	return 1;
}

static char *str_value(const struct ha_snapshot *s, int hive, const char *key, const char *name)
{
	const struct ha_key *k = ha_snapshot_key(s, hive, key);
	const struct ha_value *v = k ? ha_key_value(k, name) : NULL;
	char *out = NULL;

	if (!v || ha_value_string(v, &out) != HA_OK)
		return NULL;
	return out;
}

static void test_win7_sp1_x86(void)
{
	struct ha_reqset req;
	struct ha_snapshot s;
	struct ha_facts f;
	struct ha_err err;
	const struct ha_key *k;

	if (!need_corpus())
		return;
	CHECK_INT(place("real/win7-sp1-x86/SYSTEM", "win7", "SYSTEM"), 0);
	ha_reqset_init(&req);
	CHECK_INT(ha_facts_requests(&req, &err), 0);
	CHECK_INT(
	        ha_reqset_add(&req, HA_SYSTEM,
	                      "CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols",
	                      "*", "DisabledByDefault", &err),
	        0);
	CHECK_INT(
	        ha_reqset_add(&req, HA_SYSTEM,
	                      "CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\"
	                      "TLS 1.2\\Client",
	                      NULL, "Enabled", &err),
	        0);
	if (read_host_dir("win7", &req, &s) == 0) {
		CHECK_INT(s.role[HA_SYSTEM].status, HA_HS_OK);
		CHECK_INT(s.ccs, 1);
		CHECK_STR(s.ccs_source, "Select\\Current = 1");
		CHECK_INT(s.files[0].bb.seq1, 13983);
		CHECK_INT(s.files[0].bb.seq2, 13983);
		CHECK_INT(ha_facts_derive(&s, &f, &err), 0);
		CHECK_STR(f.computer_name, "WKS-WIN732BITA");
		CHECK_INT(f.arch, HA_ARCH_X86);
		ha_facts_free(&f);
		k = ha_snapshot_enum(
		        &s, HA_SYSTEM,
		        "CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols", "*");
		CHECK(k && k->nsub == 1);
		if (k && k->nsub == 1)
			CHECK_STR(k->sub[0], "SSL 2.0");
		k = ha_snapshot_key(
		        &s, HA_SYSTEM,
		        "CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\"
		        "TLS 1.2\\Client");
		CHECK(k && k->state == HA_KEY_ABSENT);
		CHECK_HAS(k ? k->error : NULL, "no subkey 'TLS 1.2'");
		ha_snapshot_free(&s);
	} else {
		CHECK(0);
	}
	ha_reqset_free(&req);
}

static void test_win10_dirty_with_logs(void)
{
	struct ha_reqset req;
	struct ha_snapshot s;
	struct ha_facts f;
	struct ha_err err;

	if (!need_corpus())
		return;
	CHECK_INT(place("real/win10-dirty-with-logs/SYSTEM", "win10", "SYSTEM"), 0);
	CHECK_INT(place("real/win10-dirty-with-logs/SYSTEM.LOG1", "win10", "SYSTEM.LOG1"), 0);
	CHECK_INT(place("real/win10-dirty-with-logs/SYSTEM.LOG2", "win10", "SYSTEM.LOG2"), 0);
	ha_reqset_init(&req);
	CHECK_INT(ha_facts_requests(&req, &err), 0);
	CHECK_INT(
	        ha_reqset_add(&req, HA_SYSTEM,
	                      "CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols",
	                      "*", NULL, &err),
	        0);
	/* Read as stored (no replay): dirty, with its logs beside it. */
	if (read_host_dir("win10", &req, &s) == 0) {
		const struct ha_key *k;

		CHECK_INT(s.role[HA_SYSTEM].status, HA_HS_DIRTY);
		CHECK_HAS(s.role[HA_SYSTEM].reason, "logs present (SYSTEM.LOG1, SYSTEM.LOG2)");
		CHECK_HAS(s.role[HA_SYSTEM].reason, "primary 1622, secondary 1621");
		CHECK_INT(s.files[0].nlogs, 2);
		CHECK_INT(ha_facts_derive(&s, &f, &err), 0);
		CHECK_STR(f.computer_name, "DESKTOP-PM6C56D");
		CHECK_INT(f.arch, HA_ARCH_X64);
		ha_facts_free(&f);
		k = ha_snapshot_enum(
		        &s, HA_SYSTEM,
		        "CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols", "*");
		CHECK(k && k->state == HA_KEY_PRESENT && k->nsub == 0);
		ha_snapshot_free(&s);
	} else {
		CHECK(0);
	}
	ha_reqset_free(&req);
}

static void test_xp_corrupt_degraded(void)
{
	struct ha_reqset req;
	struct ha_snapshot s;
	struct ha_facts f;
	struct ha_err err;

	if (!need_corpus())
		return;
	CHECK_INT(place("real/xp-sp3-corrupt/SYSTEM", "xp", "SYSTEM"), 0);
	ha_reqset_init(&req);
	CHECK_INT(ha_facts_requests(&req, &err), 0);
	CHECK_INT(
	        ha_reqset_add(&req, HA_SYSTEM,
	                      "CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols",
	                      "*", NULL, &err),
	        0);
	if (read_host_dir("xp", &req, &s) == 0) {
		const struct ha_key *k;

		CHECK_INT(s.role[HA_SYSTEM].status, HA_HS_DEGRADED);
		CHECK_HAS(s.role[HA_SYSTEM].reason, "recovery mode");
		CHECK_INT(s.ccs, 1);
		CHECK_INT(ha_facts_derive(&s, &f, &err), 0);
		CHECK_STR(f.computer_name, "GINEVRA");
		ha_facts_free(&f);
		k = ha_snapshot_enum(
		        &s, HA_SYSTEM,
		        "CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols", "*");
		CHECK(k && k->nsub == 5);
		if (k && k->nsub == 5) {
			CHECK_STR(k->sub[0], "Multi-Protocol Unified Hello");
			CHECK_STR(k->sub[1], "PCT 1.0");
			CHECK_STR(k->sub[2], "SSL 2.0");
			CHECK_STR(k->sub[3], "SSL 3.0");
			CHECK_STR(k->sub[4], "TLS 1.0");
		}
		ha_snapshot_free(&s);
	} else {
		CHECK(0);
	}
	ha_reqset_free(&req);
}

static void test_nt4_server(void)
{
	struct ha_reqset req;
	struct ha_snapshot s;
	struct ha_facts f;
	struct ha_err err;
	char dir[4096], out[4096], *argv[8], *o = NULL, *e = NULL, *csv;
	int rc;

	if (!need_corpus())
		return;
	CHECK_INT(place("real/nt4-sp3-server/SYSTEM", "nt4", "SYSTEM"), 0);
	CHECK_INT(place("real/nt4-sp3-server/SOFTWARE", "nt4", "SOFTWARE"), 0);
	ha_reqset_init(&req);
	CHECK_INT(ha_facts_requests(&req, &err), 0);
	if (read_host_dir("nt4", &req, &s) == 0) {
		char *v;

		CHECK_INT(ha_facts_derive(&s, &f, &err), 0);
		CHECK_STR(f.computer_name, "SERVER");
		CHECK_INT(f.nt_major, 4);
		CHECK_INT(f.nt_minor, 0);
		CHECK_INT(f.build, 1381);
		CHECK_INT(f.sp, 3);
		CHECK_STR(f.os_family, "Windows NT 4.0 Server SP3");
		CHECK(f.product_name == NULL);
		v = str_value(&s, HA_SOFTWARE, "Microsoft\\Windows NT\\CurrentVersion",
		              "CSDVersion");
		CHECK_STR(v, "Service Pack 3");
		free(v);
		CHECK_INT(s.ccs, 1);
		ha_facts_free(&f);
		ha_snapshot_free(&s);
	} else {
		CHECK(0);
	}
	ha_reqset_free(&req);

	/* Through the program: an NT 4 host cannot run TLS 1.2. */
	snprintf(dir, sizeof dir, "%s/nt4", tmp);
	snprintf(out, sizeof out, "%s/nt4-out", tmp);
	argv[0] = (char *)tu_hiveaudit();
	argv[1] = (char *)"scan";
	argv[2] = (char *)"-q";
	argv[3] = (char *)"--out";
	argv[4] = out;
	argv[5] = dir;
	argv[6] = NULL;
	rc = tu_run(argv, NULL, &o, &e);
	CHECK_INT(rc, 1);
	free(o);
	free(e);
	snprintf(out, sizeof out, "%s/nt4-out/findings.csv", tmp);
	csv = tu_read(out, NULL);
	CHECK_HAS(csv, "\"nt4\",\"SERVER\",\"OS-TLS12-CAPABLE\",\"FAIL\"");
	CHECK_HAS(csv, "\"nt4\",\"SERVER\",\"SCHANNEL-TLS12-CLIENT\",\"NOT_APPLICABLE\"");
	CHECK_HAS(csv, "\"nt4\",\"SERVER\",\"HIVE-INTEGRITY\",\"PASS\"");
	free(csv);
}

static void test_damaged_hives(void)
{
	struct ha_reqset req;
	struct ha_snapshot s;
	struct ha_err err;
	time_t t0;

	if (!need_corpus())
		return;
	ha_reqset_init(&req);
	CHECK_INT(ha_facts_requests(&req, &err), 0);
	CHECK_INT(ha_reqset_add(&req, HA_SYSTEM, "1\\2\\3\\4\\1\\2\\3\\4", NULL, "v", &err), 0);
	CHECK_INT(ha_reqset_add(&req, HA_SYSTEM, "1", "*", "v", &err), 0);

	/* A bad header checksum: hivex refuses it even in recovery mode. */
	CHECK_INT(place("logs-and-damage/GarbageHive", "garbage", "SYSTEM"), 0);
	if (read_host_dir("garbage", &req, &s) == 0) {
		CHECK_INT(s.role[HA_SYSTEM].status, HA_HS_UNREADABLE);
		CHECK_HAS(s.role[HA_SYSTEM].reason, "header checksum wrong");
		ha_snapshot_free(&s);
	} else {
		CHECK(0);
	}

	/* Looping subkey lists: reading ends, quickly. */
	CHECK_INT(place("logs-and-damage/BadListHive", "badlist", "SYSTEM"), 0);
	t0 = time(NULL);
	if (read_host_dir("badlist", &req, &s) == 0) {
		CHECK(time(NULL) - t0 < 30);
		CHECK(s.nkeys > 0);
		ha_snapshot_free(&s);
	} else {
		CHECK(0);
	}

	/* A truncated hive opens; what lies in the missing part is an error
	 * on the keys that need it, not a crash. */
	CHECK_INT(place("logs-and-damage/TruncatedHive", "truncated", "SYSTEM"), 0);
	ha_reqset_free(&req);
	ha_reqset_init(&req);
	CHECK_INT(ha_reqset_add(&req, HA_SYSTEM, "key_with_many_subkeys", "*", NULL, &err), 0);
	if (read_host_dir("truncated", &req, &s) == 0) {
		const struct ha_key *k =
		        ha_snapshot_enum(&s, HA_SYSTEM, "key_with_many_subkeys", "*");

		/* The header declares 476 KiB of hive bins; 8 KiB remain. */
		CHECK_INT(s.role[HA_SYSTEM].status, HA_HS_DEGRADED);
		CHECK_HAS(s.role[HA_SYSTEM].reason, "truncated: the header declares 487424 bytes "
		                                    "of hive bins, the file holds 8192");
		CHECK(k && k->state == HA_KEY_ERROR);
		CHECK_HAS(k ? k->error : NULL, "subkey list unreadable");
		ha_snapshot_free(&s);
	} else {
		CHECK(0);
	}
	ha_reqset_free(&req);
}

static void test_big_data_and_names(void)
{
	struct ha_reqset req;
	struct ha_snapshot s;
	struct ha_err err;

	if (!need_corpus())
		return;
	/* Values stored as big data (db records) are read whole. */
	CHECK_INT(place("logs-and-damage/BigDataHive", "bigdata", "SYSTEM"), 0);
	ha_reqset_init(&req);
	CHECK_INT(ha_reqset_add(&req, HA_SYSTEM, "key_with_bigdata", NULL, "v", &err), 0);
	CHECK_INT(ha_reqset_add(&req, HA_SYSTEM, "key_with_bigdata", NULL, "", &err), 0);
	if (read_host_dir("bigdata", &req, &s) == 0) {
		const struct ha_key *k = ha_snapshot_key(&s, HA_SYSTEM, "key_with_bigdata");
		const struct ha_value *v = k ? ha_key_value(k, "v") : NULL;
		const struct ha_value *d = k ? ha_key_value(k, "") : NULL;

		CHECK(v && !v->error && v->len > 16384);
		CHECK(d && !d->error && d->len > 16000 && d->data[0] == '1');
		if (v && v->len > 16384)
			CHECK(v->data[0] == '2' && v->data[v->len - 1] == '2');
		ha_snapshot_free(&s);
	} else {
		CHECK(0);
	}
	ha_reqset_free(&req);

	/* Odd names: "zero" must not find the key "zero\0key". */
	CHECK_INT(place("tiny/special", "special", "SYSTEM"), 0);
	ha_reqset_init(&req);
	CHECK_INT(ha_reqset_add(&req, HA_SYSTEM, "zero", NULL, NULL, &err), 0);
	CHECK_INT(ha_reqset_add(&req, HA_SYSTEM, "", "*", NULL, &err), 0);
	if (read_host_dir("special", &req, &s) == 0) {
		const struct ha_key *k = ha_snapshot_key(&s, HA_SYSTEM, "zero");
		const struct ha_key *all = ha_snapshot_enum(&s, HA_SYSTEM, "", "*");
		size_t i;
		int zero = 0, umlaut = 0, tm = 0;

		CHECK(k && k->state == HA_KEY_ABSENT);
		CHECK(all && all->nsub == 3);
		for (i = 0; all && i < all->nsub; i++) {
			zero += !strcmp(all->sub[i], "zero\xe2\x90\x80key");
			umlaut += !strcmp(all->sub[i], "abcd_\xc3\xa4\xc3\xb6\xc3\xbc\xc3\x9f");
			tm += !strcmp(all->sub[i], "weird\xe2\x84\xa2");
		}
		CHECK(zero == 1 && umlaut == 1 && tm == 1);
		ha_snapshot_free(&s);
	} else {
		CHECK(0);
	}
	ha_reqset_free(&req);

	/* The smallest valid hive carries the embedded name of a DEFAULT
	 * (user) hive: recognised, noted, and no host is made of it. */
	CHECK_INT(place("tiny/minimal", "minimal", "minimal.hiv"), 0);
	{
		char dir[4096];
		const char *paths[1] = {dir};
		struct ha_fleet f;

		snprintf(dir, sizeof dir, "%s/minimal", tmp);
		CHECK_INT(ha_discover(paths, 1, &f, &err), 0);
		CHECK_INT(f.nhosts, 0);
		CHECK(f.nnotes == 1 && strstr(f.notes[0], "DEFAULT hive outside any host folder"));
		ha_fleet_free(&f);
	}
}

int main(int argc, char **argv)
{
	static const struct check_case cases[] = {
	        CHECK_CASE(test_win7_sp1_x86),        CHECK_CASE(test_win10_dirty_with_logs),
	        CHECK_CASE(test_xp_corrupt_degraded), CHECK_CASE(test_nt4_server),
	        CHECK_CASE(test_damaged_hives),       CHECK_CASE(test_big_data_and_names),
	};
	int rc;

	tmp = tu_tempdir("corpus");
	if (!tmp)
		return 1;
	rc = check_run(cases, sizeof cases / sizeof cases[0], argc, argv);
	if (!rc)
		tu_rmtree(tmp);
	free(tmp);
	return rc;
}
