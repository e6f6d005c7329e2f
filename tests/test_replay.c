/* test_replay.c: transaction-log replay (ingest/replay.c), its use by the
 * reader, the `replay` verb, and a rule whose verdict depends on a value that
 * lives only in a log.
 *
 * Corpus cases (skipped when ../shared/corpus is absent) check Marvin32 and
 * both formats against logs written by Windows and hives Windows recovered.
 * Generated cases write a dirty primary with hivebuild and its logs with the
 * small writer below, then damage them one way at a time.
 *
 * (Over 1,000 lines: both log formats, each way a log can be wrong, and the replay verb.)
 */
#include <hivex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "ha_ingest.h"
#include "hivebuild.h"
#include "testutil.h"

#define T0     133536528000000000LL
#define TLS12C "ControlSet001\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.2\\Client"
#define TLS12C_L                                                                                   \
	"CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.2\\Client"

static char *tmp;

/* ------------------------------------------------------------- helpers */

static const char *finding(const struct tu_csv *c, const char *rule, const char *col);
static int run_hiveaudit(char **out, char **err, const char *a1, const char *a2, const char *a3,
                         const char *a4, const char *a5, const char *a6);

struct bytes {
	uint8_t *p;
	size_t n;
};

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

/* The base block checksum as Windows stores it. */
static uint32_t xsum(const uint8_t *p)
{
	uint32_t x = 0;
	size_t i;

	for (i = 0; i < 0x1FC; i += 4)
		x ^= get32(p + i);
	return x == 0 ? 1 : x == 0xFFFFFFFFu ? 0xFFFFFFFEu : x;
}

static char *path_in(const char *dir, const char *name)
{
	static char p[16][4096];
	static int k;

	size_t a = strlen(dir), b = strlen(name);

	if (a + b + 2 > sizeof p[0])
		abort();
	k = (k + 1) % 16;
	memcpy(p[k], dir, a);
	p[k][a] = '/';
	memcpy(p[k] + a + 1, name, b + 1);
	return p[k];
}

static struct bytes load(const char *path)
{
	struct bytes b = {NULL, 0};

	b.p = (uint8_t *)tu_read(path, &b.n);
	if (!b.p)
		check_fail(__FILE__, __LINE__, "cannot read %s", path);
	return b;
}

/* The replayed image opens with the registry reader in strict mode. */
static int validate(const struct ha_replay_result *r)
{
	struct ha_err e;

	ha_err_clear(&e);
	return ha_replay_validate(r->image, r->size, &e);
}

static int replay(const struct bytes *hive, const struct bytes *logs, const char *const *names,
                  size_t n, const struct ha_replay_limits *lim, struct ha_replay_result *res,
                  struct ha_err *err)
{
	struct ha_replay_log v[16];
	size_t i;

	for (i = 0; i < n && i < 16; i++) {
		v[i].name = names[i];
		v[i].data = logs[i].p;
		v[i].size = logs[i].n;
	}
	ha_err_clear(err);
	return ha_replay(hive->p, hive->n, v, n, lim, res, err);
}

/* 1 when "A\B\C" exists in the hive file, 0 when it does not, -1 when the
 * file does not open. */
static int has_key(const char *file, const char *path)
{
	hive_h *h = hivex_open(file, 0);
	hive_node_h n;
	char comp[256];
	const char *p = path;

	if (!h)
		return -1;
	n = hivex_root(h);
	while (n && *p) {
		const char *e = strchr(p, '\\');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		snprintf(comp, sizeof comp, "%.*s", (int)len, p);
		n = hivex_node_get_child(h, n, comp);
		p = e ? e + 1 : p + len;
	}
	hivex_close(h);
	return n != 0;
}

/* The raw data of a value, malloc'd, or NULL. */
static char *value_raw(const char *file, const char *path, const char *name, size_t *len,
                       hive_type *type)
{
	hive_h *h = hivex_open(file, 0);
	hive_node_h n;
	hive_value_h v;
	char comp[256], *data = NULL;
	const char *p = path;

	if (!h)
		return NULL;
	n = hivex_root(h);
	while (n && *p) {
		const char *e = strchr(p, '\\');
		size_t l = e ? (size_t)(e - p) : strlen(p);

		snprintf(comp, sizeof comp, "%.*s", (int)l, p);
		n = hivex_node_get_child(h, n, comp);
		p = e ? e + 1 : p + l;
	}
	if (n && (v = hivex_node_get_value(h, n, name)) != 0)
		data = hivex_value_value(h, v, type, len);
	hivex_close(h);
	return data;
}

/* -------------------------------------------------- the fixture writer */

/* A SYSTEM hive whose TLS 1.2 client is `enabled`, plus `step` as a marker
 * that makes successive states of the hive differ. */
static struct hb_tree *system_tree(uint32_t enabled, uint32_t step)
{
	struct hb_tree *t = hb_new();

	hb_set_dword(t, "Select", "Current", 1);
	hb_set_dword(t, "Select", "Default", 1);
	hb_set_dword(t, "Select", "LastKnownGood", 1);
	hb_set_sz(t, "ControlSet001\\Control\\ComputerName\\ComputerName", "ComputerName",
	          "REPLAYHOST");
	hb_set_sz(t, "ControlSet001\\Control\\ProductOptions", "ProductType", "ServerNT");
	hb_set_sz(t, "ControlSet001\\Control\\Session Manager\\Environment",
	          "PROCESSOR_ARCHITECTURE", "AMD64");
	hb_set_dword(t, TLS12C, "Enabled", enabled);
	hb_set_dword(t, TLS12C, "DisabledByDefault", 0);
	if (step)
		hb_set_dword(t, "ControlSet001\\Services\\Marker", "Step", step);
	return t;
}

static struct hb_tree *software_tree(void)
{
	struct hb_tree *t = hb_new();

	hb_set_sz(t, "Microsoft\\Windows NT\\CurrentVersion", "CurrentVersion", "6.3");
	hb_set_sz(t, "Microsoft\\Windows NT\\CurrentVersion", "CurrentBuildNumber", "9600");
	hb_set_sz(t, "Microsoft\\Windows NT\\CurrentVersion", "ProductName",
	          "Windows Server 2012 R2");
	hb_set_sz(t, "Microsoft\\Windows NT\\CurrentVersion", "InstallationType", "Server");
	hb_key(t, "Classes\\.txt");
	return t;
}

/* Writes a tree to `path` and returns its bytes. */
static struct bytes write_tree(struct hb_tree *t, const char *path, const char *embedded)
{
	char err[256];
	struct bytes b = {NULL, 0};

	if (hb_write(t, path, embedded, T0, err, sizeof err))
		check_fail(__FILE__, __LINE__, "cannot write %s: %s", path, err);
	else
		b = load(path);
	hb_free(t);
	return b;
}

/* Ways to spoil one log entry.  The ones marked "signed" recompute the
 * hashes afterwards: the entry is authentic but impossible. */
enum dmg {
	DMG_NONE,
	DMG_HASH,    /* a byte changed after hashing: a torn write */
	DMG_OUTSIDE, /* signed; a page reaches past the hive bins */
	DMG_HBINS,   /* signed; hive bins size not a multiple of 4096 */
	DMG_COUNT,   /* signed; more page references than the entry holds */
	DMG_GROW,    /* signed; grows the hive by a gigabyte */
};

/* A log's first 512 bytes: the primary's base block, as a log copy. */
static void log_header(struct ha_buf *log, const struct bytes *primary, uint32_t seq, uint32_t type,
                       uint32_t hbins)
{
	uint8_t bb[512];

	memcpy(bb, primary->p, sizeof bb);
	put32(bb + 4, seq);
	put32(bb + 8, seq);
	put32(bb + 0x1C, type);
	put32(bb + 0x28, hbins);
	put32(bb + 0x1FC, xsum(bb));
	ha_buf_add(log, bb, sizeof bb);
}

/* Appends an HvLE entry numbered `seq` that rewrites the whole hive bins
 * data of `state` (a hive file) in one page reference, as Windows does
 * after a reorganisation. */
static void log_entry(struct ha_buf *log, const struct bytes *state, uint32_t seq, enum dmg d)
{
	uint32_t hbins = get32(state->p + 0x28);
	size_t size = (40 + 8 + (size_t)hbins + 511) / 512 * 512;
	uint8_t *e = calloc(1, size);

	if (!e)
		abort();
	memcpy(e, "HvLE", 4);
	put32(e + 4, (uint32_t)size);
	put32(e + 12, seq);
	put32(e + 16, hbins);
	put32(e + 20, 1);
	put32(e + 40, 0);
	put32(e + 44, hbins);
	memcpy(e + 48, state->p + 4096, hbins);
	switch (d) {
	case DMG_OUTSIDE: put32(e + 40, 4096); break;
	case DMG_HBINS: put32(e + 16, hbins + 512); break;
	case DMG_COUNT: put32(e + 20, 0x10000000u); break;
	case DMG_GROW:
		put32(e + 16, 0x40000000u);
		put32(e + 40, 0x40000000u - hbins);
		break;
	default: break;
	}
	put64(e + 24, ha_marvin32(e + 40, size - 40, HA_MARVIN32_LOG_SEED));
	put64(e + 32, ha_marvin32(e, 32, HA_MARVIN32_LOG_SEED));
	if (d == DMG_HASH)
		e[size / 2] ^= 0x55;
	ha_buf_add(log, e, size);
	free(e);
}

/* A new-format log holding states[0..n) as entries first_seq, first_seq+1,
 * ..., with `d` applied to entry `bad` (or none when bad is -1). */
static struct bytes new_log(const struct bytes *primary, const struct bytes *states, size_t n,
                            uint32_t first_seq, int bad, enum dmg d)
{
	struct ha_buf log;
	struct bytes b;
	size_t i;

	ha_buf_init(&log, 1 << 28);
	log_header(&log, primary, first_seq, 6, get32(states[0].p + 0x28));
	for (i = 0; i < n; i++)
		log_entry(&log, &states[i], first_seq + (uint32_t)i, (int)i == bad ? d : DMG_NONE);
	/* Windows leaves zeros or older entries after the last one. */
	ha_buf_add(&log, (const uint8_t[512]){0}, 512);
	b.p = (uint8_t *)ha_buf_detach(&log, &b.n);
	return b;
}

/* An old-format log turning `primary` into `state`: the 4096-byte pages
 * that differ, as whole runs of eight dirty sectors (Windows' granularity). */
static struct bytes old_log(const struct bytes *primary, const struct bytes *state, uint32_t seq,
                            uint64_t lw)
{
	uint32_t hbins = get32(state->p + 0x28);
	size_t npages = hbins / 4096, i;
	uint8_t *bitmap = calloc(1, npages ? npages : 1), bb[512];
	struct ha_buf log;
	struct bytes b;

	if (!bitmap)
		abort();
	for (i = 0; i < npages; i++) {
		size_t off = 4096 + i * 4096;

		if (off + 4096 > primary->n || memcmp(primary->p + off, state->p + off, 4096) != 0)
			bitmap[i] = 0xFF;
	}
	ha_buf_init(&log, 1 << 28);
	memcpy(bb, primary->p, sizeof bb);
	put32(bb + 4, seq);
	put32(bb + 8, seq);
	put64(bb + 0x0C, lw);
	put32(bb + 0x1C, 1);
	put32(bb + 0x28, hbins);
	put32(bb + 0x1FC, xsum(bb));
	ha_buf_add(&log, bb, sizeof bb);
	ha_buf_add(&log, "DIRT", 4);
	ha_buf_add(&log, bitmap, npages);
	while (log.len % 512)
		ha_buf_putc(&log, 0);
	for (i = 0; i < npages; i++)
		if (bitmap[i])
			ha_buf_add(&log, state->p + 4096 + i * 4096, 4096);
	free(bitmap);
	b.p = (uint8_t *)ha_buf_detach(&log, &b.n);
	return b;
}

/* A dirty primary (TLS 1.2 client off, sequence s+1/s) and target states
 * 1..n (on, with markers), all in `dir`; returns the secondary sequence. */
static uint32_t make_states(const char *dir, struct bytes *primary, struct bytes *states, size_t n)
{
	char name[64];
	size_t i;

	*primary = write_tree(system_tree(0, 0), path_in(dir, "SYSTEM"),
	                      "emRoot\\System32\\Config\\SYSTEM");
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof name, "state%zu.hiv", i + 1);
		states[i] = write_tree(system_tree(1, (uint32_t)i + 1), path_in(dir, name),
		                       "emRoot\\System32\\Config\\SYSTEM");
	}
	free(primary->p);
	primary->p = NULL;
	if (hb_make_dirty(path_in(dir, "SYSTEM")))
		check_fail(__FILE__, __LINE__, "hb_make_dirty failed");
	*primary = load(path_in(dir, "SYSTEM"));
	return primary->p ? get32(primary->p + 8) : 0;
}

static void free_bytes(struct bytes *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(b[i].p);
		b[i].p = NULL;
	}
}

/* The image's hive bins equal the state's, byte for byte. */
static int same_bins(const struct ha_replay_result *r, const struct bytes *state)
{
	uint32_t hbins = get32(state->p + 0x28);

	return r->image && r->size >= 4096 + (size_t)hbins && get32(r->image + 0x28) == hbins &&
	       memcmp(r->image + 4096, state->p + 4096, hbins) == 0;
}

/* The result's base block is fresh: a primary, sequence numbers equal to
 * `seq`, checksum right. */
static void check_fresh_bb(const struct ha_replay_result *r, uint32_t seq)
{
	CHECK(r->image != NULL);
	if (!r->image)
		return;
	CHECK(memcmp(r->image, "regf", 4) == 0);
	CHECK_INT(get32(r->image + 4), seq);
	CHECK_INT(get32(r->image + 8), seq);
	CHECK_INT(get32(r->image + 0x1C), 0);
	CHECK_INT(get32(r->image + 0x1FC), xsum(r->image));
}

/* ------------------------------------------------------------ Marvin32 */

static unsigned nibble(char c)
{
	return c >= '0' && c <= '9'   ? (unsigned)(c - '0')
	       : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
	                              : (unsigned)(c - 'A' + 10);
}

static void test_marvin32(void)
{
	/* Published vectors of the reference implementation. */
	static const struct {
		uint64_t seed;
		const char *hex;
		uint64_t want;
	} v[] = {
	        {0x004FB61A001BDBCCull, "", 0x30ED35C100CD3C7Dull},
	        {0x004FB61A001BDBCCull, "af", 0x48E73FC77D75DDC1ull},
	        {0x004FB61A001BDBCCull, "e70f", 0xB5F6E1FC485DBFF8ull},
	        {0x004FB61A001BDBCCull, "37f495", 0xF0B07C789B8CF7E8ull},
	        {0x004FB61A001BDBCCull, "8642dc59", 0x7008F2E87E9CF556ull},
	        {0x004FB61A001BDBCCull, "153fb79826", 0xE6C08C6DA2AFA997ull},
	        {0x004FB61A001BDBCCull, "0932e6246c47", 0x6F04BF1A5EA24060ull},
	        {0x004FB61A001BDBCCull, "ab427ea8d10fc7", 0xE11847E4F0678C41ull},
	        {0x804FB61A001BDBCCull, "", 0x10A9D5D3996FD65Dull},
	        {0x804FB61A001BDBCCull, "ab427ea8d10fc7", 0xE203987DBA252FB3ull},
	        {0x804FB61A801BDBCCull, "00FF00FF", 0x24EAA279D9A529CAull},
	        {0x804FB61A801BDBCCull, "FF00FF00FF00FF", 0xFDFD187B1D3CE784ull},
	};
	size_t i, j;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		uint8_t buf[16];
		size_t n = strlen(v[i].hex) / 2;

		for (j = 0; j < n; j++)
			buf[j] = (uint8_t)(nibble(v[i].hex[2 * j]) << 4 |
			                   nibble(v[i].hex[2 * j + 1]));
		if (ha_marvin32(buf, n, v[i].seed) != v[i].want)
			check_fail(__FILE__, __LINE__, "vector %zu: 0x%016llx != 0x%016llx", i,
			           (unsigned long long)ha_marvin32(buf, n, v[i].seed),
			           (unsigned long long)v[i].want);
	}
	/* The log seed, as the specification lists its bytes. */
	CHECK(HA_MARVIN32_LOG_SEED == 0x82EF4D887A4E55C5ull);
}

/* Every entry of the Windows 10 logs verifies with that seed, and none with
 * the seed read the other way round. */
static void test_marvin32_corpus_hashes(void)
{
	static const char *const rel[] = {
	        "real/win10-dirty-with-logs/SYSTEM.LOG1",
	        "real/win10-dirty-with-logs/SYSTEM.LOG2",
	        "logs-and-damage/NewDirtyHive1/NewDirtyHive.LOG1",
	        "logs-and-damage/NewDirtyHive1/NewDirtyHive.LOG2",
	};
	size_t i, entries = 0, swapped = 0;

	if (!tu_corpus_dir()) {
		check_skip("corpus absent");
		return;
	}
	for (i = 0; i < sizeof rel / sizeof rel[0]; i++) {
		char *p = tu_corpus_file(rel[i], tmp);
		struct bytes b = p ? load(p) : (struct bytes){NULL, 0};
		size_t off = 512;

		CHECK(b.p != NULL);
		while (b.p && off + 40 <= b.n && memcmp(b.p + off, "HvLE", 4) == 0) {
			uint32_t size = get32(b.p + off + 4);
			uint64_t h1 = (uint64_t)get32(b.p + off + 24) |
			              (uint64_t)get32(b.p + off + 28) << 32;
			uint64_t h2 = (uint64_t)get32(b.p + off + 32) |
			              (uint64_t)get32(b.p + off + 36) << 32;

			if (size < 40 || size > b.n - off)
				break;
			CHECK(ha_marvin32(b.p + off + 40, size - 40, HA_MARVIN32_LOG_SEED) == h1);
			CHECK(ha_marvin32(b.p + off, 32, HA_MARVIN32_LOG_SEED) == h2);
			swapped += ha_marvin32(b.p + off, 32, 0xC5554E7A884DEF82ull) == h2;
			entries++;
			off += size;
		}
		free(b.p);
		free(p);
	}
	CHECK_INT(entries, 4 + 20 + 1 + 3);
	CHECK_INT(swapped, 0);
}

/* --------------------------------------------------------------- corpus */

static void test_corpus_new_dirty_hive(void)
{
	const char *names[2] = {"NewDirtyHive.LOG1", "NewDirtyHive.LOG2"};
	char *hp, *l1, *l2, *rp, out[4096];
	struct bytes hive, logs[2], want;
	struct ha_replay_result r;
	struct ha_err err;
	int rc;

	if (!tu_corpus_dir()) {
		check_skip("corpus absent");
		return;
	}
	hp = tu_corpus_file("logs-and-damage/NewDirtyHive1/NewDirtyHive", tmp);
	l1 = tu_corpus_file("logs-and-damage/NewDirtyHive1/NewDirtyHive.LOG1", tmp);
	l2 = tu_corpus_file("logs-and-damage/NewDirtyHive1/NewDirtyHive.LOG2", tmp);
	rp = tu_corpus_file("logs-and-damage/NewDirtyHive1/RecoveredHive_Windows10", tmp);
	if (!hp || !l1 || !l2 || !rp) {
		CHECK(0);
		goto out;
	}
	hive = load(hp);
	logs[0] = load(l1);
	logs[1] = load(l2);
	want = load(rp);
	CHECK_INT(has_key(hp, "Key1"), 1);
	CHECK_INT(has_key(hp, "Key2\\Key2_1"), 1);
	CHECK_INT(has_key(hp, "Key3"), 0);

	/* Given in either order, the logs are applied in sequence order. */
	rc = replay(&hive, logs, names, 2, NULL, &r, &err);
	CHECK_INT(rc, HA_OK);
	CHECK_INT(r.format, HA_REPLAY_NEW);
	CHECK_INT(r.entries, 4);
	CHECK_INT(r.seq_first, 2);
	CHECK_INT(r.seq_last, 5);
	CHECK_INT(r.pages, 4);
	CHECK_INT(r.logs_used, 3);
	CHECK(!r.bb_recovered && !r.stopped_early);
	CHECK_STR(r.summary, "new-format logs replayed: 4 entries (sequence 2-5) from "
	                     "NewDirtyHive.LOG1, NewDirtyHive.LOG2, 4 pages");
	check_fresh_bb(&r, 5);
	/* Byte for byte what Windows 10 recovered, after the base block. */
	CHECK(r.size == want.n && memcmp(r.image + 4096, want.p + 4096, want.n - 4096) == 0);
	CHECK_INT(get32(r.image + 0x28), get32(want.p + 0x28));
	CHECK_INT(validate(&r), HA_OK);
	snprintf(out, sizeof out, "%s/new-recovered.hiv", tmp);
	CHECK_INT(tu_write(out, r.image, r.size), 0);
	CHECK_INT(has_key(out, "Key3\\Key3_1"), 1);
	CHECK_INT(has_key(out, "Key3\\Key3_2"), 1);
	CHECK_INT(has_key(out, "Key3\\Key3_3"), 1);
	CHECK_INT(has_key(out, "Key2\\Key2_1"), 0);
	CHECK_INT(has_key(out, "Key2\\Key2_2"), 0);
	/* Windows' own result agrees: Key1 and Key2 are gone as well. */
	CHECK_INT(has_key(out, "Key1"), 0);
	CHECK_INT(has_key(out, "Key2"), 0);
	CHECK_INT(has_key(rp, "Key1"), 0);
	ha_replay_result_free(&r);

	{
		struct bytes swapped[2] = {logs[1], logs[0]};
		const char *sn[2] = {"NewDirtyHive.LOG2", "NewDirtyHive.LOG1"};

		rc = replay(&hive, swapped, sn, 2, NULL, &r, &err);
		CHECK_INT(rc, HA_OK);
		CHECK_INT(r.entries, 4);
		CHECK(r.image && memcmp(r.image + 4096, want.p + 4096, want.n - 4096) == 0);
		ha_replay_result_free(&r);
	}
	/* LOG1 alone: entry 2 only, and the chain is complete as far as it goes. */
	rc = replay(&hive, logs, names, 1, NULL, &r, &err);
	CHECK_INT(rc, HA_OK);
	CHECK_INT(r.entries, 1);
	CHECK_INT(r.seq_last, 2);
	ha_replay_result_free(&r);
	/* A damaged copy of LOG2 (one flipped byte in entry 4): entries 2 and
	 * 3 apply, and the summary says where replay stopped. */
	logs[1].p[8192 + 4000] ^= 1;
	rc = replay(&hive, logs, names, 2, NULL, &r, &err);
	CHECK_INT(rc, HA_OK);
	CHECK_INT(r.entries, 2);
	CHECK_INT(r.seq_last, 3);
	CHECK(r.stopped_early);
	CHECK_HAS(r.summary, "stopped after sequence 3 (NewDirtyHive.LOG2: entry 4 fails its hash "
	                     "check (a torn write))");
	ha_replay_result_free(&r);
	free(hive.p);
	free(logs[0].p);
	free(logs[1].p);
	free(want.p);
out:
	free(hp);
	free(l1);
	free(l2);
	free(rp);
}

static void test_corpus_old_dirty_hive(void)
{
	const char *names[2] = {"OldDirtyHive.LOG1", "OldDirtyHive.LOG2"};
	char *hp, *l1, *l2, *rp, out[4096];
	struct bytes hive, logs[2], want;
	struct ha_replay_result r;
	struct ha_err err;
	size_t i, ndiff = 0;
	hive_type t = 0;
	size_t vlen = 0;
	char *v;
	int rc;

	if (!tu_corpus_dir()) {
		check_skip("corpus absent");
		return;
	}
	hp = tu_corpus_file("logs-and-damage/OldDirtyHive/OldDirtyHive", tmp);
	l1 = tu_corpus_file("logs-and-damage/OldDirtyHive/OldDirtyHive.LOG1", tmp);
	l2 = tu_corpus_file("logs-and-damage/OldDirtyHive/OldDirtyHive.LOG2", tmp);
	rp = tu_corpus_file("logs-and-damage/OldDirtyHive/RecoveredHive_Windows7", tmp);
	if (!hp || !l1 || !l2 || !rp) {
		CHECK(0);
		goto out;
	}
	hive = load(hp);
	logs[0] = load(l1);
	logs[1] = load(l2); /* empty */
	want = load(rp);
	CHECK_INT(has_key(hp, "key_with_many_subkeys\\1"), 1);
	rc = replay(&hive, logs, names, 2, NULL, &r, &err);
	CHECK_INT(rc, HA_OK);
	CHECK_INT(r.format, HA_REPLAY_OLD);
	CHECK_INT(r.pages, 64);
	CHECK_INT(r.logs_used, 1);
	CHECK_STR(r.summary, "old-format log replayed: 64 dirty sectors from OldDirtyHive.LOG1 "
	                     "(sequence 5)");
	check_fresh_bb(&r, 5);
	/* Windows 7 wrote two things of its own when it flushed the recovered
	 * hive: the first hive bin's timestamp (the time of that write) and one
	 * key's cached "largest value name length", which the kernel
	 * recomputes at load.  Everything else matches. */
	CHECK(r.size == want.n);
	for (i = 4096; r.image && i < r.size && i < want.n; i++) {
		if (r.image[i] == want.p[i])
			continue;
		ndiff++;
		if (!(i >= 4096 + 20 && i < 4096 + 28) && i != 4096 + 0x6ad88 + 4 + 60)
			check_fail(__FILE__, __LINE__, "byte 0x%zx differs from Windows' result",
			           i);
	}
	CHECK_INT(ndiff, 6);
	CHECK_INT(validate(&r), HA_OK);
	snprintf(out, sizeof out, "%s/old-recovered.hiv", tmp);
	CHECK_INT(tu_write(out, r.image, r.size), 0);
	CHECK_INT(has_key(out, "key_with_many_subkeys\\1"), 0);
	CHECK_INT(has_key(out, "key_with_many_subkeys\\5000\\find_me_in_log"), 1);
	v = value_raw(out, "key_with_many_subkeys\\4500", "v", &vlen, &t);
	CHECK(v != NULL);
	CHECK_INT(t, 7);
	CHECK(v && vlen == 20 && memcmp(v, "a\0\0\0b\0b\0\0\0c\0c\0c\0\0\0\0\0", 20) == 0);
	free(v);
	ha_replay_result_free(&r);
	free(hive.p);
	free(logs[0].p);
	free(logs[1].p);
	free(want.p);
out:
	free(hp);
	free(l1);
	free(l2);
	free(rp);
}

static void test_corpus_bad_log_refused(void)
{
	const char *names[2] = {"BadLogHive.LOG1", "BadLogHive.LOG2"};
	char *hp, *l1, *l2;
	struct bytes hive, logs[2];
	struct ha_replay_result r;
	struct ha_err err;

	if (!tu_corpus_dir()) {
		check_skip("corpus absent");
		return;
	}
	hp = tu_corpus_file("logs-and-damage/BadLogHive1/BadLogHive", tmp);
	l1 = tu_corpus_file("logs-and-damage/BadLogHive1/BadLogHive.LOG1", tmp);
	l2 = tu_corpus_file("logs-and-damage/BadLogHive1/BadLogHive.LOG2", tmp);
	if (!hp || !l1 || !l2) {
		CHECK(0);
		goto out;
	}
	hive = load(hp);
	logs[0] = load(l1);
	logs[1] = load(l2);
	CHECK_INT(replay(&hive, logs, names, 2, NULL, &r, &err), HA_ERR_FORMAT);
	CHECK(r.image == NULL);
	CHECK_STR(err.msg, "no usable transaction log (BadLogHive.LOG1: its base block checksum is "
	                   "wrong; BadLogHive.LOG2: empty)");
	free(hive.p);
	free(logs[0].p);
	free(logs[1].p);
out:
	free(hp);
	free(l1);
	free(l2);
}

/* Reads the host folder `dir` in this process, with the TLS 1.2 client key
 * and the host facts requested. */
static int read_dir(const char *dir, int no_replay, struct ha_snapshot *s)
{
	const char *paths[1] = {dir};
	struct ha_fleet f;
	struct ha_reqset req;
	struct ha_read_opts ro;
	struct ha_err err;
	int rc;

	memset(&f, 0, sizeof f);
	ha_snapshot_init(s);
	ha_reqset_init(&req);
	rc = ha_facts_requests(&req, &err);
	if (!rc)
		rc = ha_reqset_add(&req, HA_SYSTEM, TLS12C_L, NULL, "Enabled", &err);
	if (!rc)
		rc = ha_discover(paths, 1, &f, &err);
	if (!rc && f.nhosts != 1)
		rc = ha_err_set(&err, HA_ERR_INTERNAL, "%zu hosts found", f.nhosts);
	memset(&ro, 0, sizeof ro);
	ro.no_replay = no_replay;
	if (!rc)
		rc = ha_read_host(&f.hosts[0], &req, &ro, NULL, NULL, s, &err);
	if (rc)
		fprintf(stderr, "read_dir %s: %s\n", dir, err.msg);
	ha_fleet_free(&f);
	ha_reqset_free(&req);
	return rc;
}

static const struct ha_hivefile *file_named(const struct ha_snapshot *s, const char *base)
{
	size_t i;

	for (i = 0; i < s->nfiles; i++) {
		const char *b = strrchr(s->files[i].path, '/');

		if (!strcmp(b ? b + 1 : s->files[i].path, base))
			return &s->files[i];
	}
	return NULL;
}

/* The Windows 10 SYSTEM: its logs start at 2107 while the hive's secondary
 * sequence number is 1621.  Replayed (see replay.c for why): the 24 entries
 * form one unbroken chain from the first log's own number on. */
static void test_corpus_win10_system(void)
{
	const char *names[2] = {"SYSTEM.LOG1", "SYSTEM.LOG2"};
	char *hp, *l1, *l2, dir[4096];
	struct bytes hive, logs[2];
	struct ha_replay_result r;
	struct ha_snapshot s;
	struct ha_err err;

	if (!tu_corpus_dir()) {
		check_skip("corpus absent");
		return;
	}
	hp = tu_corpus_file("real/win10-dirty-with-logs/SYSTEM", tmp);
	l1 = tu_corpus_file("real/win10-dirty-with-logs/SYSTEM.LOG1", tmp);
	l2 = tu_corpus_file("real/win10-dirty-with-logs/SYSTEM.LOG2", tmp);
	if (!hp || !l1 || !l2) {
		CHECK(0);
		goto out;
	}
	hive = load(hp);
	logs[0] = load(l1);
	logs[1] = load(l2);
	CHECK_INT(replay(&hive, logs, names, 2, NULL, &r, &err), HA_OK);
	CHECK_INT(r.format, HA_REPLAY_NEW);
	CHECK_INT(r.entries, 24);
	CHECK_INT(r.seq_first, 2107);
	CHECK_INT(r.seq_last, 2130);
	CHECK_INT(r.pages, 315);
	CHECK_INT(r.logs_used, 3);
	CHECK_STR(r.summary, "new-format logs replayed: 24 entries (sequence 2107-2130) from "
	                     "SYSTEM.LOG1, SYSTEM.LOG2, 315 pages");
	check_fresh_bb(&r, 2130);
	CHECK_INT(get32(r.image + 0x28), 0xC02000); /* grown by the later entries */
	CHECK_INT(validate(&r), HA_OK);
	ha_replay_result_free(&r);
	/* Without LOG1, LOG2 is applied from its own number (2111 is not below
	 * 1621): the same rule; a reader of the files cannot tell this gap from
	 * the one before 2107. */
	CHECK_INT(replay(&hive, logs + 1, names + 1, 1, NULL, &r, &err), HA_OK);
	CHECK_INT(r.seq_first, 2111);
	ha_replay_result_free(&r);

	/* Read as a host: replayed, the original's hash kept. */
	snprintf(dir, sizeof dir, "%s/real/win10-dirty-with-logs", tmp);
	if (read_dir(dir, 0, &s) == 0) {
		const struct ha_hivefile *f = file_named(&s, "SYSTEM");
		char sha[65];

		CHECK_INT(s.role[HA_SYSTEM].status, HA_HS_REPLAYED);
		CHECK_HAS(s.role[HA_SYSTEM].reason,
		          "dirty (sequence numbers differ: primary 1622, secondary 1621); "
		          "new-format logs replayed: 24 entries (sequence 2107-2130) from "
		          "SYSTEM.LOG1, SYSTEM.LOG2, 315 pages");
		CHECK(f && f->replay && strstr(f->replay, "24 entries"));
		CHECK_INT(ha_sha256_hex(hive.p, hive.n, sha, &err), HA_OK);
		CHECK(f && !strcmp(f->sha256, sha));
		CHECK(f && f->bb.seq1 == 1622 && f->bb.seq2 == 1621);
		CHECK_INT(s.ccs, 1);
		ha_snapshot_free(&s);
	} else {
		CHECK(0);
	}
	if (read_dir(dir, 1, &s) == 0) {
		CHECK_INT(s.role[HA_SYSTEM].status, HA_HS_DIRTY);
		CHECK_HAS(s.role[HA_SYSTEM].reason, "not replayed");
		ha_snapshot_free(&s);
	}
	free(hive.p);
	free(logs[0].p);
	free(logs[1].p);
out:
	free(hp);
	free(l1);
	free(l2);
}

/* The reader and the verb on the corpus folders. */
static void test_corpus_read_and_verb(void)
{
	char *p[3], dir[4096], out[4096], *so = NULL, *se = NULL;
	struct ha_snapshot s;
	int rc;

	if (!tu_corpus_dir()) {
		check_skip("corpus absent");
		return;
	}
	p[0] = tu_corpus_file("logs-and-damage/BadLogHive1/BadLogHive", tmp);
	p[1] = tu_corpus_file("logs-and-damage/BadLogHive1/BadLogHive.LOG1", tmp);
	p[2] = tu_corpus_file("logs-and-damage/BadLogHive1/BadLogHive.LOG2", tmp);
	CHECK(p[0] && p[1] && p[2]);
	/* Collected as a SYSTEM hive with its logs: dirty, the logs refused,
	 * never half-applied. */
	snprintf(dir, sizeof dir, "%s/badlog", tmp);
	CHECK_INT(tu_write(path_in(dir, ".keep"), "", 0), 0);
	CHECK(p[0] && tu_copy(p[0], path_in(dir, "SYSTEM")) == 0);
	CHECK(p[1] && tu_copy(p[1], path_in(dir, "SYSTEM.LOG1")) == 0);
	CHECK(p[2] && tu_copy(p[2], path_in(dir, "SYSTEM.LOG2")) == 0);
	unlink(path_in(dir, ".keep"));
	if (read_dir(dir, 0, &s) == 0) {
		const struct ha_hivefile *f = file_named(&s, "SYSTEM");

		CHECK_INT(s.role[HA_SYSTEM].status, HA_HS_DIRTY);
		CHECK_HAS(s.role[HA_SYSTEM].reason,
		          "dirty: sequence numbers differ; logs present (SYSTEM.LOG1, "
		          "SYSTEM.LOG2); logs refused: no usable transaction log (SYSTEM.LOG1: "
		          "its base block checksum is wrong; SYSTEM.LOG2: empty) (primary 5, "
		          "secondary 4)");
		CHECK(f && f->replay == NULL);
		ha_snapshot_free(&s);
	} else {
		CHECK(0);
	}
	{
		char *argv[] = {
		        (char *)tu_hiveaudit(), (char *)"replay", p[0], (char *)"-o", out, NULL};

		snprintf(out, sizeof out, "%s/bad-out.hiv", tmp);
		rc = tu_run(argv, NULL, &so, &se);
		CHECK_INT(rc, 3);
		CHECK_HAS(se, "cannot replay: no usable transaction log (BadLogHive.LOG1: its base "
		              "block checksum is wrong; BadLogHive.LOG2: empty)");
		CHECK(access(out, F_OK) != 0);
		free(so);
		free(se);
	}
	free(p[0]);
	free(p[1]);
	free(p[2]);

	p[0] = tu_corpus_file("logs-and-damage/NewDirtyHive1/NewDirtyHive", tmp);
	p[1] = tu_corpus_file("logs-and-damage/NewDirtyHive1/NewDirtyHive.LOG1", tmp);
	p[2] = tu_corpus_file("logs-and-damage/NewDirtyHive1/NewDirtyHive.LOG2", tmp);
	CHECK(p[0] && p[1] && p[2]);
	if (p[0]) {
		char *argv[] = {
		        (char *)tu_hiveaudit(), (char *)"replay", p[0], (char *)"-o", out, NULL};
		const char *rel = "logs-and-damage/NewDirtyHive1/RecoveredHive_Windows10";
		char *rp = tu_corpus_file(rel, tmp);
		size_t n1 = 0, n2 = 0;
		char *a, *b;

		snprintf(out, sizeof out, "%s/new-out.hiv", tmp);
		rc = tu_run(argv, NULL, &so, &se);
		CHECK_INT(rc, 0);
		CHECK_HAS(so, "new-format logs replayed: 4 entries (sequence 2-5)");
		a = tu_read(out, &n1);
		b = rp ? tu_read(rp, &n2) : NULL;
		CHECK(a && b && n1 == n2 && memcmp(a + 4096, b + 4096, n1 - 4096) == 0);
		free(a);
		free(b);
		free(rp);
		free(so);
		free(se);
	}
	free(p[0]);
	free(p[1]);
	free(p[2]);
}

/* ------------------------------------------------------ generated cases */

static void test_new_format_generated(void)
{
	char dir[4096];
	struct bytes primary, st[3], logs[2];
	const char *names[2] = {"SYSTEM.LOG1", "SYSTEM.LOG2"};
	struct ha_replay_result r;
	struct ha_err err;
	uint32_t s2;

	snprintf(dir, sizeof dir, "%s/gen-new", tmp);
	CHECK_INT(tu_write(path_in(dir, ".keep"), "", 0), 0);
	s2 = make_states(dir, &primary, st, 3);
	CHECK(primary.p && get32(primary.p + 4) == s2 + 1);

	/* One log, one entry. */
	logs[0] = new_log(&primary, st, 1, s2, -1, DMG_NONE);
	CHECK_INT(replay(&primary, logs, names, 1, NULL, &r, &err), HA_OK);
	CHECK_INT(r.entries, 1);
	CHECK(same_bins(&r, &st[0]));
	check_fresh_bb(&r, s2);
	CHECK_INT(validate(&r), HA_OK);
	ha_replay_result_free(&r);
	free_bytes(logs, 1);

	/* Two logs, three entries, across the files, given in reverse. */
	logs[0] = new_log(&primary, st + 2, 1, s2 + 2, -1, DMG_NONE);
	logs[1] = new_log(&primary, st, 2, s2, -1, DMG_NONE);
	CHECK_INT(replay(&primary, logs, names, 2, NULL, &r, &err), HA_OK);
	CHECK_INT(r.entries, 3);
	CHECK_INT(r.seq_first, s2);
	CHECK_INT(r.seq_last, s2 + 2);
	CHECK_INT(r.logs_used, 3);
	CHECK(same_bins(&r, &st[2]));
	check_fresh_bb(&r, s2 + 2);
	CHECK_HAS(r.summary, "from SYSTEM.LOG2, SYSTEM.LOG1");
	ha_replay_result_free(&r);
	free_bytes(logs, 2);

	/* A gap between the logs: the first log's entries, and no more. */
	logs[0] = new_log(&primary, st, 2, s2, -1, DMG_NONE);
	logs[1] = new_log(&primary, st + 2, 1, s2 + 3, -1, DMG_NONE);
	CHECK_INT(replay(&primary, logs, names, 2, NULL, &r, &err), HA_OK);
	CHECK_INT(r.entries, 2);
	CHECK(r.stopped_early);
	CHECK(same_bins(&r, &st[1]));
	CHECK_HAS(r.summary, "gap: SYSTEM.LOG2 starts at sequence");
	ha_replay_result_free(&r);
	free_bytes(logs, 2);

	/* A torn second entry: the first applies. */
	logs[0] = new_log(&primary, st, 3, s2, 1, DMG_HASH);
	CHECK_INT(replay(&primary, logs, names, 1, NULL, &r, &err), HA_OK);
	CHECK_INT(r.entries, 1);
	CHECK(same_bins(&r, &st[0]));
	CHECK_HAS(r.summary, "fails its hash check");
	ha_replay_result_free(&r);
	/* The next log may supply the torn entry again: replay goes on. */
	logs[1] = new_log(&primary, st + 1, 2, s2 + 1, -1, DMG_NONE);
	CHECK_INT(replay(&primary, logs, names, 2, NULL, &r, &err), HA_OK);
	CHECK_INT(r.entries, 3);
	CHECK(!r.stopped_early);
	CHECK(same_bins(&r, &st[2]));
	CHECK_LACKS(r.summary, "stopped");
	ha_replay_result_free(&r);
	free_bytes(logs + 1, 1);
	/* ... and a torn first entry: nothing applies, nothing is returned. */
	free_bytes(logs, 1);
	logs[0] = new_log(&primary, st, 2, s2, 0, DMG_HASH);
	CHECK_INT(replay(&primary, logs, names, 1, NULL, &r, &err), HA_ERR_FORMAT);
	CHECK(r.image == NULL);
	CHECK_HAS(err.msg, "fails its hash check");
	free_bytes(logs, 1);

	/* A log cut inside its second entry; then inside its first. */
	logs[0] = new_log(&primary, st, 2, s2, -1, DMG_NONE);
	logs[0].n -= 512 + 1000;
	CHECK_INT(replay(&primary, logs, names, 1, NULL, &r, &err), HA_OK);
	CHECK_INT(r.entries, 1);
	CHECK_HAS(r.summary, "runs past the end of the log (truncated)");
	ha_replay_result_free(&r);
	logs[0].n = 512 + 100;
	CHECK_INT(replay(&primary, logs, names, 1, NULL, &r, &err), HA_ERR_FORMAT);
	CHECK_HAS(err.msg, "truncated");
	logs[0].n = 512 + 20;
	CHECK_INT(replay(&primary, logs, names, 1, NULL, &r, &err), HA_ERR_FORMAT);
	CHECK_HAS(err.msg, "cut off");
	free_bytes(logs, 1);

	/* Authentic entries that ask for impossible writes refuse the whole
	 * replay, even after a good first entry. */
	logs[0] = new_log(&primary, st, 2, s2, 1, DMG_OUTSIDE);
	CHECK_INT(replay(&primary, logs, names, 1, NULL, &r, &err), HA_ERR_FORMAT);
	CHECK(r.image == NULL);
	CHECK_HAS(err.msg, "SYSTEM.LOG1: entry");
	CHECK_HAS(err.msg, "outside its");
	free_bytes(logs, 1);
	logs[0] = new_log(&primary, st, 1, s2, 0, DMG_HBINS);
	CHECK_INT(replay(&primary, logs, names, 1, NULL, &r, &err), HA_ERR_FORMAT);
	CHECK_HAS(err.msg, "hive bins data size");
	free_bytes(logs, 1);
	logs[0] = new_log(&primary, st, 1, s2, 0, DMG_COUNT);
	CHECK_INT(replay(&primary, logs, names, 1, NULL, &r, &err), HA_ERR_FORMAT);
	CHECK_HAS(err.msg, "more than its");
	free_bytes(logs, 1);
	logs[0] = new_log(&primary, st, 1, s2, 0, DMG_GROW);
	CHECK_INT(replay(&primary, logs, names, 1, NULL, &r, &err), HA_ERR_LIMIT);
	CHECK_HAS(err.msg, "would grow the hive");
	free_bytes(logs, 1);

	/* Where the chain may start: below the hive's secondary number the log
	 * is old news; above it (a log that began later, as on the Windows 10
	 * corpus machine) it is applied from its own number. */
	logs[0] = new_log(&primary, st, 1, s2 - 1, -1, DMG_NONE);
	CHECK_INT(replay(&primary, logs, names, 1, NULL, &r, &err), HA_ERR_FORMAT);
	CHECK_HAS(err.msg, "older than the hive's");
	free_bytes(logs, 1);
	logs[0] = new_log(&primary, st, 2, s2 + 40, -1, DMG_NONE);
	CHECK_INT(replay(&primary, logs, names, 1, NULL, &r, &err), HA_OK);
	CHECK_INT(r.seq_first, s2 + 40);
	CHECK(same_bins(&r, &st[1]));
	ha_replay_result_free(&r);
	/* A first entry that is not the one its base block announces. */
	put32(logs[0].p + 4, s2 + 39);
	put32(logs[0].p + 8, s2 + 39);
	put32(logs[0].p + 0x1FC, xsum(logs[0].p));
	CHECK_INT(replay(&primary, logs, names, 1, NULL, &r, &err), HA_ERR_FORMAT);
	CHECK_HAS(err.msg, "has sequence");
	/* A log whose own sequence numbers differ was being written. */
	put32(logs[0].p + 8, s2 + 40);
	put32(logs[0].p + 0x1FC, xsum(logs[0].p));
	CHECK_INT(replay(&primary, logs, names, 1, NULL, &r, &err), HA_ERR_FORMAT);
	CHECK_HAS(err.msg, "its sequence numbers differ");
	free_bytes(logs, 1);

	free_bytes(st, 3);
	free(primary.p);
}

static void test_bounds_and_refusals(void)
{
	char dir[4096];
	struct bytes primary, st[1], logs[9], clean;
	const char *names[9] = {"L0", "L1", "L2", "L3", "L4", "L5", "L6", "L7", "L8"};
	struct ha_replay_limits lim;
	struct ha_replay_result r;
	struct ha_err err;
	uint32_t s2;
	size_t i;

	snprintf(dir, sizeof dir, "%s/gen-bounds", tmp);
	CHECK_INT(tu_write(path_in(dir, ".keep"), "", 0), 0);
	s2 = make_states(dir, &primary, st, 1);
	logs[0] = new_log(&primary, st, 1, s2, -1, DMG_NONE);

	/* Caps on the log, the hive bins and the growth. */
	memset(&lim, 0, sizeof lim);
	lim.max_log = logs[0].n - 1;
	CHECK_INT(replay(&primary, logs, names, 1, &lim, &r, &err), HA_ERR_LIMIT);
	CHECK_HAS(err.msg, "more than the");
	memset(&lim, 0, sizeof lim);
	lim.max_hbins = 4096;
	CHECK_INT(replay(&primary, logs, names, 1, &lim, &r, &err), HA_ERR_FORMAT);
	CHECK_HAS(err.msg, "impossible");

	/* Too many logs; no logs; a log that is not a log. */
	for (i = 1; i < 9; i++)
		logs[i] = logs[0];
	CHECK_INT(replay(&primary, logs, names, 9, NULL, &r, &err), HA_ERR_USAGE);
	CHECK_INT(replay(&primary, logs, names, 0, NULL, &r, &err), HA_ERR_FORMAT);
	CHECK_STR(err.msg, "no transaction log to replay");
	{
		struct bytes junk = {(uint8_t *)"regf but far too short", 22};

		CHECK_INT(replay(&primary, &junk, names, 1, NULL, &r, &err), HA_ERR_FORMAT);
		CHECK_HAS(err.msg, "shorter than a log's base block");
	}
	{
		struct bytes copy = {malloc(logs[0].n), logs[0].n};

		memcpy(copy.p, logs[0].p, copy.n);
		put32(copy.p + 0x1C, 0); /* a primary's base block, not a log's */
		put32(copy.p + 0x1FC, xsum(copy.p));
		CHECK_INT(replay(&primary, &copy, names, 1, NULL, &r, &err), HA_ERR_FORMAT);
		CHECK_HAS(err.msg, "not a transaction log");
		free(copy.p);
	}

	/* Not a hive; a clean hive (nothing to do). */
	{
		struct bytes junk = {(uint8_t *)"plain text", 10};

		CHECK_INT(replay(&junk, logs, names, 1, NULL, &r, &err), HA_ERR_FORMAT);
	}
	clean = load(path_in(dir, "state1.hiv"));
	CHECK_INT(replay(&clean, logs, names, 1, NULL, &r, &err), HA_ERR_NOTFOUND);
	CHECK_HAS(err.msg, "the hive is clean");
	free(clean.p);

	/* Truncation at every length never crashes and never returns a
	 * half-built image: each result is either refused or complete. */
	{
		size_t full = logs[0].n, cut;

		for (cut = 0; cut < full; cut += 37) {
			logs[0].n = cut;
			if (replay(&primary, logs, names, 1, NULL, &r, &err) == HA_OK) {
				CHECK(same_bins(&r, &st[0]));
				ha_replay_result_free(&r);
			}
		}
		logs[0].n = full;
	}
	/* One flipped byte anywhere in the entry is caught by the hashes. */
	{
		size_t pos;

		for (pos = 512; pos < logs[0].n - 512; pos += 509) {
			logs[0].p[pos] ^= 0x40;
			if (replay(&primary, logs, names, 1, NULL, &r, &err) == HA_OK) {
				check_fail(__FILE__, __LINE__, "flip at %zu was applied", pos);
				ha_replay_result_free(&r);
			}
			logs[0].p[pos] ^= 0x40;
		}
	}
	free_bytes(logs, 1);
	free_bytes(st, 1);
	free(primary.p);
}

static void test_old_format_generated(void)
{
	char dir[4096];
	struct bytes primary, st[1], logs[2];
	const char *names[2] = {"SYSTEM.LOG1", "SYSTEM.LOG"};
	struct ha_replay_result r;
	struct ha_err err;
	uint64_t lw;
	uint32_t s2;

	snprintf(dir, sizeof dir, "%s/gen-old", tmp);
	CHECK_INT(tu_write(path_in(dir, ".keep"), "", 0), 0);
	s2 = make_states(dir, &primary, st, 1);
	lw = (uint64_t)get32(primary.p + 0x0C) | (uint64_t)get32(primary.p + 0x10) << 32;

	logs[0] = old_log(&primary, &st[0], s2 + 1, lw);
	CHECK_INT(replay(&primary, logs, names, 1, NULL, &r, &err), HA_OK);
	CHECK_INT(r.format, HA_REPLAY_OLD);
	CHECK(same_bins(&r, &st[0]));
	check_fresh_bb(&r, s2 + 1);
	CHECK_INT(validate(&r), HA_OK);
	ha_replay_result_free(&r);

	/* A log from another write (its timestamp differs) does not apply. */
	logs[1] = old_log(&primary, &st[0], s2 + 1, lw + 1);
	CHECK_INT(replay(&primary, logs + 1, names + 1, 1, NULL, &r, &err), HA_ERR_FORMAT);
	CHECK_HAS(err.msg, "last-written time differs");
	/* Beside a good one it is ignored. */
	CHECK_INT(replay(&primary, logs, names, 2, NULL, &r, &err), HA_OK);
	CHECK_INT(r.logs_used, 1);
	ha_replay_result_free(&r);
	free_bytes(logs + 1, 1);

	/* Missing its last dirty sector. */
	logs[0].n -= 512;
	CHECK_INT(replay(&primary, logs, names, 1, NULL, &r, &err), HA_ERR_FORMAT);
	CHECK_HAS(err.msg, "truncated");
	logs[0].n = 516 + 1;
	CHECK_INT(replay(&primary, logs, names, 1, NULL, &r, &err), HA_ERR_FORMAT);
	CHECK_HAS(err.msg, "dirty vector is cut off");
	free_bytes(logs, 1);

	/* A dirty vector that marks the base of a hive bin with garbage. */
	{
		struct bytes bogus = {malloc(st[0].n), st[0].n};

		memcpy(bogus.p, st[0].p, bogus.n);
		memcpy(bogus.p + 4096, "XXXX", 4);
		logs[0] = old_log(&primary, &bogus, s2 + 1, lw);
		CHECK_INT(replay(&primary, logs, names, 1, NULL, &r, &err), HA_ERR_FORMAT);
		CHECK_HAS(err.msg, "no hive bin at offset 0x0");
		free(bogus.p);
		free_bytes(logs, 1);
	}
	free_bytes(st, 1);
	free(primary.p);
}

/* A primary whose header checksum is wrong gets the base block of a log. */
static void test_damaged_base_block(void)
{
	char dir[4096];
	struct bytes primary, st[2], logs[2];
	const char *names[2] = {"SYSTEM.LOG1", "SYSTEM.LOG2"};
	struct ha_replay_result r;
	struct ha_err err;
	uint32_t s2;
	uint64_t ts;

	snprintf(dir, sizeof dir, "%s/gen-damaged", tmp);
	CHECK_INT(tu_write(path_in(dir, ".keep"), "", 0), 0);
	s2 = make_states(dir, &primary, st, 2);
	primary.p[0x1FC] ^= 0x5A;

	/* New format: only the log with the latest entries is used. */
	logs[0] = new_log(&primary, st, 1, s2, -1, DMG_NONE);
	logs[1] = new_log(&primary, st + 1, 1, s2 + 1, -1, DMG_NONE);
	CHECK_INT(replay(&primary, logs, names, 2, NULL, &r, &err), HA_OK);
	CHECK(r.bb_recovered);
	CHECK_INT(r.entries, 1);
	CHECK_INT(r.logs_used, 2);
	CHECK(same_bins(&r, &st[1]));
	check_fresh_bb(&r, s2 + 1);
	CHECK_HAS(r.summary, "base block restored from SYSTEM.LOG2");
	CHECK_INT(validate(&r), HA_OK);
	ha_replay_result_free(&r);
	free_bytes(logs, 2);

	/* Old format: the log whose time matches the first hive bin's. */
	ts = (uint64_t)get32(primary.p + 4096 + 20) | (uint64_t)get32(primary.p + 4096 + 24) << 32;
	logs[0] = old_log(&primary, &st[0], s2 + 1, ts);
	CHECK_INT(replay(&primary, logs, names, 1, NULL, &r, &err), HA_OK);
	CHECK(r.bb_recovered);
	CHECK(same_bins(&r, &st[0]));
	check_fresh_bb(&r, s2 + 1);
	ha_replay_result_free(&r);
	free_bytes(logs, 1);
	logs[0] = old_log(&primary, &st[0], s2 + 1, ts + 10);
	CHECK_INT(replay(&primary, logs, names, 1, NULL, &r, &err), HA_ERR_FORMAT);
	free_bytes(logs, 1);

	free_bytes(st, 2);
	free(primary.p);
}

/* ------------------------------------------------------- the reader */

/* A host folder: a dirty SYSTEM whose TLS 1.2 client is off as stored and
 * on in its LOG1 (damaged as asked), and a clean SOFTWARE. */
static void make_host(const char *dir, enum dmg d, int logs, int bad_checksum)
{
	struct bytes primary, st[1], log;
	uint32_t s2;

	CHECK_INT(tu_write(path_in(dir, ".keep"), "", 0), 0);
	s2 = make_states(dir, &primary, st, 1);
	unlink(path_in(dir, "state1.hiv"));
	unlink(path_in(dir, ".keep"));
	free(write_tree(software_tree(), path_in(dir, "SOFTWARE"),
	                "emRoot\\System32\\Config\\SOFTWARE")
	             .p);
	if (logs) {
		log = new_log(&primary, st, 1, s2, 0, d);
		CHECK_INT(tu_write(path_in(dir, "SYSTEM.LOG1"), log.p, log.n), 0);
		CHECK_INT(tu_write(path_in(dir, "SYSTEM.LOG2"), "", 0), 0);
		free(log.p);
	}
	if (bad_checksum)
		CHECK_INT(hb_corrupt_checksum(path_in(dir, "SYSTEM")), 0);
	free_bytes(st, 1);
	free(primary.p);
}

static uint32_t tls_enabled(const struct ha_snapshot *s)
{
	const struct ha_key *k = ha_snapshot_key(s, HA_SYSTEM, TLS12C_L);
	const struct ha_value *v = k ? ha_key_value(k, "Enabled") : NULL;
	uint32_t x = 0xDEAD;

	if (!v || ha_value_dword(v, &x) != HA_OK)
		return 0xDEAD;
	return x;
}

static void test_reader_statuses(void)
{
	char dir[4096], sha[65];
	struct ha_snapshot s;
	struct ha_err err;
	struct bytes orig;

	/* Replayed: the value from the log, the hash of the file. */
	snprintf(dir, sizeof dir, "%s/host-replayed", tmp);
	make_host(dir, DMG_NONE, 1, 0);
	orig = load(path_in(dir, "SYSTEM"));
	if (read_dir(dir, 0, &s) == 0) {
		const struct ha_hivefile *f = file_named(&s, "SYSTEM");

		CHECK_INT(s.role[HA_SYSTEM].status, HA_HS_REPLAYED);
		CHECK_HAS(s.role[HA_SYSTEM].reason, "dirty (sequence numbers differ: primary ");
		CHECK_HAS(s.role[HA_SYSTEM].reason, "new-format logs replayed: 1 entry (sequence ");
		CHECK_HAS(s.role[HA_SYSTEM].reason, "from SYSTEM.LOG1, ");
		CHECK(f && f->replay && !strncmp(f->replay, "new-format logs replayed", 24));
		CHECK_INT(tls_enabled(&s), 1);
		CHECK_INT(ha_sha256_hex(orig.p, orig.n, sha, &err), HA_OK);
		CHECK(f && !strcmp(f->sha256, sha));
		ha_snapshot_free(&s);
	} else {
		CHECK(0);
	}
	/* The evidence file was not touched. */
	{
		struct bytes after = load(path_in(dir, "SYSTEM"));

		CHECK(after.n == orig.n && after.p && memcmp(after.p, orig.p, orig.n) == 0);
		free(after.p);
	}
	free(orig.p);
	/* Asked not to replay: dirty, the stored value. */
	if (read_dir(dir, 1, &s) == 0) {
		CHECK_INT(s.role[HA_SYSTEM].status, HA_HS_DIRTY);
		CHECK_HAS(s.role[HA_SYSTEM].reason,
		          "logs present (SYSTEM.LOG1, SYSTEM.LOG2); not replayed");
		CHECK_INT(tls_enabled(&s), 0);
		ha_snapshot_free(&s);
	}

	/* Refused (an authentic entry writing outside the hive): dirty, with
	 * the reason, and nothing from the log. */
	snprintf(dir, sizeof dir, "%s/host-refused", tmp);
	make_host(dir, DMG_OUTSIDE, 1, 0);
	if (read_dir(dir, 0, &s) == 0) {
		const struct ha_hivefile *f = file_named(&s, "SYSTEM");

		CHECK_INT(s.role[HA_SYSTEM].status, HA_HS_DIRTY);
		CHECK_HAS(s.role[HA_SYSTEM].reason, "dirty: sequence numbers differ; logs present "
		                                    "(SYSTEM.LOG1, SYSTEM.LOG2); logs refused: "
		                                    "SYSTEM.LOG1: entry ");
		CHECK(f && f->replay == NULL);
		CHECK_INT(tls_enabled(&s), 0);
		ha_snapshot_free(&s);
	}
	/* A torn only entry: refused too. */
	snprintf(dir, sizeof dir, "%s/host-torn", tmp);
	make_host(dir, DMG_HASH, 1, 0);
	if (read_dir(dir, 0, &s) == 0) {
		CHECK_INT(s.role[HA_SYSTEM].status, HA_HS_DIRTY);
		CHECK_HAS(s.role[HA_SYSTEM].reason, "fails its hash check");
		ha_snapshot_free(&s);
	}
	/* No logs: as before. */
	snprintf(dir, sizeof dir, "%s/host-nologs", tmp);
	make_host(dir, DMG_NONE, 0, 0);
	if (read_dir(dir, 0, &s) == 0) {
		CHECK_INT(s.role[HA_SYSTEM].status, HA_HS_DIRTY);
		CHECK_HAS(s.role[HA_SYSTEM].reason, "no transaction logs beside it; not replayed");
		ha_snapshot_free(&s);
	}
	/* A wrong header checksum, which the registry reader refuses outright,
	 * is recovered from the log's base block. */
	snprintf(dir, sizeof dir, "%s/host-checksum", tmp);
	make_host(dir, DMG_NONE, 1, 1);
	if (read_dir(dir, 1, &s) == 0) {
		CHECK_INT(s.role[HA_SYSTEM].status, HA_HS_UNREADABLE);
		ha_snapshot_free(&s);
	}
	if (read_dir(dir, 0, &s) == 0) {
		CHECK_INT(s.role[HA_SYSTEM].status, HA_HS_REPLAYED);
		CHECK_HAS(s.role[HA_SYSTEM].reason, "; header checksum wrong: stored 0x");
		CHECK_HAS(s.role[HA_SYSTEM].reason, "base block restored from SYSTEM.LOG1");
		CHECK_INT(tls_enabled(&s), 1);
		ha_snapshot_free(&s);
	}
	/* ... unless the log is unusable too. */
	snprintf(dir, sizeof dir, "%s/host-checksum-badlog", tmp);
	make_host(dir, DMG_HASH, 1, 1);
	if (read_dir(dir, 0, &s) == 0) {
		CHECK_INT(s.role[HA_SYSTEM].status, HA_HS_UNREADABLE);
		CHECK_HAS(s.role[HA_SYSTEM].reason, "header checksum wrong");
		CHECK_HAS(s.role[HA_SYSTEM].reason, "; logs refused: ");
		ha_snapshot_free(&s);
	}
}

/* ------------------------------------------------ a log of another hive */

/* A log's base block, changed at `off` and re-checksummed, so that only
 * the field tells it apart. */
static struct bytes relabel(const struct bytes *log, size_t off, const void *v, size_t n)
{
	struct bytes b = {malloc(log->n), log->n};

	if (!b.p)
		abort();
	memcpy(b.p, log->p, log->n);
	memcpy(b.p + off, v, n);
	put32(b.p + 0x1FC, xsum(b.p));
	return b;
}

/* issue 12 item 2, the one function: what it compares and the reasons. */
static void log_match_decides_belonging(void)
{
	char dir[4096];
	struct bytes primary, st[1], log, soft, other;
	struct ha_err err;
	uint8_t guid[16];
	uint32_t s2;
	uint64_t lw;

	snprintf(dir, sizeof dir, "%s/match", tmp);
	CHECK_INT(tu_write(path_in(dir, ".keep"), "", 0), 0);
	s2 = make_states(dir, &primary, st, 1);
	soft = write_tree(software_tree(), path_in(dir, "SOFTWARE"),
	                  "emRoot\\System32\\Config\\SOFTWARE");
	log = new_log(&primary, st, 1, s2, -1, DMG_NONE);

	ha_err_clear(&err);
	CHECK_INT(ha_log_match(primary.p, primary.n, log.p, log.n, &err), HA_OK);
	/* SYSTEM's log is not SOFTWARE's. */
	CHECK_INT(ha_log_match(soft.p, soft.n, log.p, log.n, &err), HA_ERR_FORMAT);
	CHECK_STR(err.msg, "it belongs to another hive: its embedded file name is \"SYSTEM\", the "
	                   "hive's \"SOFTWARE\"");
	/* The folder part of the name may differ; the letter case too. */
	{
		struct ha_buf u;

		ha_buf_init(&u, 256);
		ha_utf8_to_utf16le(&u, "\\??\\D:\\copy\\system");
		other = relabel(&log, 0x30, u.data, u.len < 64 ? u.len : 64);
		ha_buf_free(&u);
	}
	CHECK_INT(ha_log_match(primary.p, primary.n, other.p, other.n, &err), HA_OK);
	free(other.p);
	/* Root cell offset. */
	{
		uint8_t v[4];

		put32(v, get32(primary.p + 0x24) + 8);
		other = relabel(&log, 0x24, v, 4);
		CHECK_INT(ha_log_match(primary.p, primary.n, other.p, other.n, &err),
		          HA_ERR_FORMAT);
		CHECK_HAS(err.msg, "its root cell offset is 0x");
		free(other.p);
	}
	/* RmId and LogId, when both carry one. */
	memset(guid, 0x11, sizeof guid);
	other = relabel(&log, 0x70, guid, 16);
	CHECK_INT(ha_log_match(primary.p, primary.n, other.p, other.n, &err), HA_OK);
	{
		struct bytes p2 = relabel(&primary, 0x70, guid, 16);
		struct bytes l2;

		guid[15] = 0x12;
		l2 = relabel(&log, 0x70, guid, 16);
		CHECK_INT(ha_log_match(p2.p, p2.n, l2.p, l2.n, &err), HA_ERR_FORMAT);
		CHECK_STR(err.msg, "it belongs to another hive: its RmId is "
		                   "11111111-1111-1111-1111-111111111112, the hive's "
		                   "11111111-1111-1111-1111-111111111111");
		free(l2.p);
		l2 = relabel(&log, 0x80, guid, 16);
		free(p2.p);
		p2 = relabel(&primary, 0x80, (uint8_t[16]){1}, 16);
		CHECK_INT(ha_log_match(p2.p, p2.n, l2.p, l2.n, &err), HA_ERR_FORMAT);
		CHECK_HAS(err.msg, "its LogId is ");
		free(l2.p);
		free(p2.p);
	}
	free(other.p);
	free(log.p);

	/* Old format: the write the primary announced, at its size. */
	lw = (uint64_t)get32(primary.p + 0x0C) | (uint64_t)get32(primary.p + 0x10) << 32;
	log = old_log(&primary, &st[0], s2 + 1, lw);
	CHECK_INT(ha_log_match(primary.p, primary.n, log.p, log.n, &err), HA_OK);
	{
		uint8_t v[4];

		put32(v, s2 + 7);
		other = relabel(&log, 4, v, 4);
		memcpy(other.p + 8, v, 4);
		put32(other.p + 0x1FC, xsum(other.p));
		CHECK_INT(ha_log_match(primary.p, primary.n, other.p, other.n, &err),
		          HA_ERR_FORMAT);
		CHECK_HAS(err.msg, "it belongs to another write: its sequence number is ");
		free(other.p);
		put32(v, get32(primary.p + 0x28) + 4096);
		other = relabel(&log, 0x28, v, 4);
		CHECK_INT(ha_log_match(primary.p, primary.n, other.p, other.n, &err),
		          HA_ERR_FORMAT);
		CHECK_HAS(err.msg, "its hive bins data size is 0x");
		free(other.p);
	}
	/* Windows 2000 to 2003 leave the log one number behind the primary. */
	{
		uint8_t v[4];

		put32(v, get32(primary.p + 4) - 1);
		other = relabel(&log, 4, v, 4);
		memcpy(other.p + 8, v, 4);
		put32(other.p + 0x1FC, xsum(other.p));
		CHECK_INT(ha_log_match(primary.p, primary.n, other.p, other.n, &err), HA_OK);
		free(other.p);
	}
	free(log.p);

	/* Beside a log that applies, another hive's is named in the summary. */
	{
		const char *names[2] = {"SYSTEM.LOG1", "SYSTEM.LOG2"};
		struct bytes two[2];
		struct ha_replay_result r;
		struct ha_buf u;

		two[0] = new_log(&primary, st, 1, s2, -1, DMG_NONE);
		ha_buf_init(&u, 256);
		ha_utf8_to_utf16le(&u, "SOFTWARE");
		two[1] = relabel(&two[0], 0x30, u.data, u.len);
		ha_buf_free(&u);
		CHECK_INT(replay(&primary, two, names, 2, NULL, &r, &err), HA_OK);
		CHECK_INT(r.logs_used, 1);
		CHECK_HAS(r.summary, "from SYSTEM.LOG1, 1 page; SYSTEM.LOG2 refused: it belongs to "
		                     "another hive: its embedded file name is \"SOFTWARE\", the "
		                     "hive's \"SYSTEM\"");
		ha_replay_result_free(&r);
		free_bytes(two, 2);
	}

	/* Not a log at all. */
	CHECK_INT(ha_log_match(primary.p, primary.n, soft.p, 100, &err), HA_ERR_FORMAT);
	CHECK_STR(err.msg, "it has no log base block");
	free_bytes(st, 1);
	free(primary.p);
	free(soft.p);
}

/* Log discovery beside a hive (ingest, used by `replay`): its names in any
 * letter case, sorted, nothing else. */
static void logs_beside_found_by_name(void)
{
	char dir[4096], **v = NULL;
	struct ha_err err;
	size_t n = 0;

	snprintf(dir, sizeof dir, "%s/beside", tmp);
	CHECK_INT(tu_write(path_in(dir, "SYSTEM"), "x", 1), 0);
	CHECK_INT(tu_write(path_in(dir, "system.log2"), "x", 1), 0);
	CHECK_INT(tu_write(path_in(dir, "SYSTEM.LOG1"), "x", 1), 0);
	CHECK_INT(tu_write(path_in(dir, "SYSTEM.LOG"), "x", 1), 0);
	CHECK_INT(tu_write(path_in(dir, "SYSTEM.LOG3"), "x", 1), 0);
	CHECK_INT(tu_write(path_in(dir, "SYSTEMX.LOG1"), "x", 1), 0);
	CHECK_INT(tu_write(path_in(dir, "SOFTWARE.LOG1"), "x", 1), 0);
	ha_err_clear(&err);
	CHECK_INT(ha_logs_beside(path_in(dir, "SYSTEM"), &v, &n, &err), HA_OK);
	CHECK_INT(n, 3);
	if (n == 3) {
		CHECK_STR(v[0], path_in(dir, "SYSTEM.LOG"));
		CHECK_STR(v[1], path_in(dir, "SYSTEM.LOG1"));
		CHECK_STR(v[2], path_in(dir, "system.log2"));
	}
	ha_logs_free(v, n);
	CHECK_INT(ha_logs_beside(path_in(dir, "none/SYSTEM"), &v, &n, &err), HA_ERR_IO);
	CHECK_HAS(err.msg, "cannot list the folder of '");
	CHECK(v == NULL && n == 0);
	CHECK(ha_log_name_of("Software.Log", "SOFTWARE"));
	CHECK(!ha_log_name_of(".LOG1", ""));
	CHECK(!ha_log_name_of("SOFTWARE.LOG1.bak", "SOFTWARE"));
	CHECK_INT(ha_log_owner_len("A.LOG2"), 1);
	CHECK_INT(ha_log_owner_len("A.LOGS"), 0);
}

/* A host whose SYSTEM is clean, whose SOFTWARE is dirty, and beside which
 * SYSTEM's own log lies under SOFTWARE's log name (as `name`). */
static void make_foreign_host(const char *dir, const char *name)
{
	struct bytes primary, st[1], log;
	uint32_t s2;

	CHECK_INT(tu_write(path_in(dir, ".keep"), "", 0), 0);
	s2 = make_states(dir, &primary, st, 1);
	log = new_log(&primary, st, 1, s2, -1, DMG_NONE);
	CHECK_INT(tu_write(path_in(dir, name), log.p, log.n), 0);
	/* SYSTEM as the log would make it: clean. */
	CHECK_INT(rename(path_in(dir, "state1.hiv"), path_in(dir, "SYSTEM")), 0);
	unlink(path_in(dir, ".keep"));
	free(write_tree(software_tree(), path_in(dir, "SOFTWARE"),
	                "emRoot\\System32\\Config\\SOFTWARE")
	             .p);
	CHECK_INT(hb_make_dirty(path_in(dir, "SOFTWARE")), 0);
	free(log.p);
	free_bytes(st, 1);
	free(primary.p);
}

#define FOREIGN_WHY                                                                                \
	"it belongs to another hive: its embedded file name is \"SYSTEM\", the hive's "            \
	"\"SOFTWARE\""

/* issue 12 item 2 in `replay`: SYSTEM.LOG1 named for a dirty SOFTWARE, and
 * the same log beside it as SOFTWARE.LOG1, are refused with the reason and
 * nothing is written. */
static void replay_refuses_foreign_log(void)
{
	char dir[4096], outp[4096], *o = NULL, *e = NULL;
	int rc;

	snprintf(dir, sizeof dir, "%s/foreign-verb", tmp);
	make_foreign_host(dir, "SYSTEM.LOG1");
	snprintf(outp, sizeof outp, "%s/foreign-out.hiv", tmp);
	rc = run_hiveaudit(&o, &e, "replay", path_in(dir, "SOFTWARE"), path_in(dir, "SYSTEM.LOG1"),
	                   "-o", outp, NULL);
	CHECK_INT(rc, 3);
	CHECK_HAS(e, "cannot replay: no usable transaction log (SYSTEM.LOG1: " FOREIGN_WHY ")");
	CHECK(access(outp, F_OK) != 0);
	free(o);
	free(e);
	CHECK_INT(rename(path_in(dir, "SYSTEM.LOG1"), path_in(dir, "SOFTWARE.LOG1")), 0);
	rc = run_hiveaudit(&o, &e, "replay", path_in(dir, "SOFTWARE"), "-o", outp, NULL, NULL);
	CHECK_INT(rc, 3);
	CHECK_HAS(e, "(SOFTWARE.LOG1: " FOREIGN_WHY ")");
	CHECK(access(outp, F_OK) != 0);
	free(o);
	free(e);
}

/* issue 12 item 2 in the reader and in `scan`: SOFTWARE stays dirty with
 * the reason, SYSTEM is ok (not conflict), SOFTWARE is not missing. */
static void scan_refuses_foreign_log(void)
{
	char fleet[4096], outd[4096], *o = NULL, *e = NULL, *text;
	struct ha_snapshot s;
	struct tu_csv c;
	int rc;

	snprintf(fleet, sizeof fleet, "%s/foreign-fleet", tmp);
	make_foreign_host(path_in(fleet, "MIXHOST"), "SOFTWARE.LOG1");
	if (read_dir(path_in(fleet, "MIXHOST"), 0, &s) == 0) {
		const struct ha_hivefile *f = file_named(&s, "SOFTWARE");

		CHECK_INT(s.role[HA_SYSTEM].status, HA_HS_OK);
		CHECK_INT(s.role[HA_SOFTWARE].status, HA_HS_DIRTY);
		CHECK_HAS(s.role[HA_SOFTWARE].reason,
		          "dirty: sequence numbers differ; logs present (SOFTWARE.LOG1); logs "
		          "refused: no usable transaction log (SOFTWARE.LOG1: " FOREIGN_WHY ")");
		CHECK(f && f->replay == NULL && f->kind == HA_FK_SOFTWARE);
		ha_snapshot_free(&s);
	} else {
		CHECK(0);
	}

	snprintf(outd, sizeof outd, "%s/foreign-scan", tmp);
	rc = run_hiveaudit(&o, &e, "scan", "--as-of", "2026-01-01", "-o", outd, fleet);
	CHECK(rc == 0 || rc == 1);
	free(o);
	free(e);
	text = tu_read(path_in(outd, "hosts.csv"), NULL);
	CHECK(text != NULL);
	if (text && tu_csv_parse(text, &c) == 0) {
		int is = tu_csv_col(&c, "system_hive"), iw = tu_csv_col(&c, "software_hive");

		CHECK_INT(c.nrows, 2);
		if (c.nrows == 2 && is >= 0 && iw >= 0) {
			CHECK_STR(c.rows[1][is], "ok");
			CHECK_STR(c.rows[1][iw], "dirty");
		}
		tu_csv_free(&c);
	}
	free(text);
	text = tu_read(path_in(outd, "findings.csv"), NULL);
	if (text && tu_csv_parse(text, &c) == 0) {
		CHECK_STR(finding(&c, "HIVE-INTEGRITY", "status"), "WARN");
		CHECK_HAS(finding(&c, "HIVE-INTEGRITY", "reason"), FOREIGN_WHY);
		tu_csv_free(&c);
	} else {
		CHECK(0);
	}
	free(text);
}

/* -------------------------------------- a damaged base block restored */

/* A host whose SYSTEM (sample hive, TLS 1.2 client off as stored) was being
 * written when it was copied: its old-format SYSTEM.LOG1 holds the write
 * (TLS 1.2 client on) and a valid copy of the base block.  Then the
 * primary's base block is damaged: `how` 'c' flips its checksum, 'm'
 * wipes its "regf" signature. */
static void make_damaged_old_host(const char *dir, char how, int with_log)
{
	struct bytes primary, st[1], log;
	uint64_t lw;
	uint32_t s2;

	CHECK_INT(tu_write(path_in(dir, ".keep"), "", 0), 0);
	s2 = make_states(dir, &primary, st, 1);
	unlink(path_in(dir, "state1.hiv"));
	unlink(path_in(dir, ".keep"));
	free(write_tree(software_tree(), path_in(dir, "SOFTWARE"),
	                "emRoot\\System32\\Config\\SOFTWARE")
	             .p);
	lw = (uint64_t)get32(primary.p + 0x0C) | (uint64_t)get32(primary.p + 0x10) << 32;
	/* The first hive bin keeps the base block's time (its backup copy). */
	CHECK(lw == ((uint64_t)get32(primary.p + 4096 + 20) | (uint64_t)get32(primary.p + 4096 + 24)
	                                                              << 32));
	if (with_log) {
		log = old_log(&primary, &st[0], s2 + 1, lw);
		if (with_log == 2) {
			/* Labelled as another hive's log. */
			struct ha_buf u;
			struct bytes other;

			ha_buf_init(&u, 256);
			ha_utf8_to_utf16le(&u, "emRoot\\System32\\Config\\SOFTWARE");
			other = relabel(&log, 0x30, u.data, u.len < 64 ? u.len : 64);
			ha_buf_free(&u);
			free(log.p);
			log = other;
		}
		CHECK_INT(tu_write(path_in(dir, "SYSTEM.LOG1"), log.p, log.n), 0);
		free(log.p);
	}
	if (how == 'c')
		primary.p[0x1FC] ^= 0x5A;
	else
		memset(primary.p, 0, 4);
	CHECK_INT(tu_write(path_in(dir, "SYSTEM"), primary.p, primary.n), 0);
	free_bytes(st, 1);
	free(primary.p);
}

/* issue 12 item 15: the reader, the evidence of a scan, and `replay`. */
static void base_block_restored_from_log(void)
{
	char dir[4096], fleet[4096], outd[4096], outp[4096], *o = NULL, *e = NULL, *text;
	struct ha_snapshot s;
	struct tu_csv c;
	struct bytes a;
	int rc;

	/* A wrong checksum. */
	snprintf(dir, sizeof dir, "%s/bb-checksum", tmp);
	make_damaged_old_host(dir, 'c', 1);
	if (read_dir(dir, 0, &s) == 0) {
		CHECK_INT(s.role[HA_SYSTEM].status, HA_HS_REPLAYED);
		CHECK_HAS(s.role[HA_SYSTEM].reason, "header checksum wrong: stored 0x");
		CHECK_HAS(s.role[HA_SYSTEM].reason,
		          "old-format log replayed: 16 dirty sectors from SYSTEM.LOG1 (sequence ");
		CHECK_HAS(s.role[HA_SYSTEM].reason, "; base block restored from SYSTEM.LOG1");
		CHECK_INT(tls_enabled(&s), 1);
		ha_snapshot_free(&s);
	} else {
		CHECK(0);
	}

	/* No "regf" signature. */
	snprintf(fleet, sizeof fleet, "%s/bb-fleet", tmp);
	snprintf(dir, sizeof dir, "%s", path_in(fleet, "BBHOST"));
	make_damaged_old_host(dir, 'm', 1);
	if (read_dir(dir, 0, &s) == 0) {
		const struct ha_hivefile *f = file_named(&s, "SYSTEM");

		CHECK_INT(s.role[HA_SYSTEM].status, HA_HS_REPLAYED);
		CHECK_HAS(s.role[HA_SYSTEM].reason,
		          "base block damaged (no regf signature; a hive bin follows it); "
		          "old-format log replayed: 16 dirty sectors from SYSTEM.LOG1 (sequence ");
		CHECK_HAS(s.role[HA_SYSTEM].reason, "; base block restored from SYSTEM.LOG1");
		CHECK(f && f->kind == HA_FK_SYSTEM && !f->bb_valid && f->dirty);
		CHECK_INT(tls_enabled(&s), 1);
		ha_snapshot_free(&s);
	} else {
		CHECK(0);
	}
	/* ... not without being asked to replay. */
	if (read_dir(dir, 1, &s) == 0) {
		CHECK_INT(s.role[HA_SYSTEM].status, HA_HS_NOT_HIVE);
		CHECK_HAS(s.role[HA_SYSTEM].reason,
		          "/SYSTEM: no regf signature: not a registry hive");
		ha_snapshot_free(&s);
	}
	/* The evidence of a scan says so. */
	snprintf(outd, sizeof outd, "%s/bb-scan", tmp);
	rc = run_hiveaudit(&o, &e, "scan", "--as-of", "2026-01-01", "-o", outd, fleet);
	CHECK(rc == 0 || rc == 1);
	free(o);
	free(e);
	text = tu_read(path_in(outd, "findings.csv"), NULL);
	if (text && tu_csv_parse(text, &c) == 0) {
		CHECK_STR(finding(&c, "SCHANNEL-TLS12-CLIENT", "status"), "PASS");
		CHECK_STR(finding(&c, "HIVE-INTEGRITY", "status"), "PASS");
		CHECK_HAS(finding(&c, "HIVE-INTEGRITY", "reason"),
		          "base block restored from SYSTEM.LOG1");
		tu_csv_free(&c);
	} else {
		CHECK(0);
	}
	free(text);
	/* `replay` does the same. */
	snprintf(outp, sizeof outp, "%s/bb-restored.hiv", tmp);
	rc = run_hiveaudit(&o, &e, "replay", path_in(dir, "SYSTEM"), "-o", outp, NULL, NULL);
	CHECK_INT(rc, 0);
	CHECK_HAS(o, "old-format log replayed: 16 dirty sectors from SYSTEM.LOG1");
	CHECK_HAS(o, "; base block restored from SYSTEM.LOG1");
	free(o);
	free(e);
	a = load(outp);
	CHECK(a.p && memcmp(a.p, "regf", 4) == 0 && get32(a.p + 4) == get32(a.p + 8) &&
	      get32(a.p + 0x1C) == 0 && get32(a.p + 0x1FC) == xsum(a.p));
	free(a.p);
	CHECK_INT(has_key(outp, TLS12C), 1);

	/* Without a log it stays what it was: not a hive. */
	snprintf(dir, sizeof dir, "%s/bb-nolog", tmp);
	make_damaged_old_host(dir, 'm', 0);
	if (read_dir(dir, 0, &s) == 0) {
		CHECK_INT(s.role[HA_SYSTEM].status, HA_HS_NOT_HIVE);
		CHECK_HAS(s.role[HA_SYSTEM].reason,
		          "/SYSTEM: no regf signature: not a registry hive");
		ha_snapshot_free(&s);
	}
	/* With another hive's log: refused, and it says why. */
	snprintf(dir, sizeof dir, "%s/bb-foreign", tmp);
	make_damaged_old_host(dir, 'm', 2);
	if (read_dir(dir, 0, &s) == 0) {
		const struct ha_hivefile *f = file_named(&s, "SYSTEM");

		CHECK(f && f->status == HA_HS_NOT_HIVE);
		CHECK_STR(f ? f->reason : NULL,
		          "no regf signature: not a registry hive, or one whose base block is "
		          "damaged (a hive bin follows it); logs present (SYSTEM.LOG1); logs "
		          "refused: no usable transaction log (SYSTEM.LOG1: it belongs to another "
		          "hive: its embedded file name is \"SOFTWARE\", the hive's \"SYSTEM\")");
		ha_snapshot_free(&s);
	}
}

/* ---------------------------------------------------- the command line */

static int run_hiveaudit(char **out, char **err, const char *a1, const char *a2, const char *a3,
                         const char *a4, const char *a5, const char *a6)
{
	char *argv[8] = {(char *)tu_hiveaudit(),
	                 (char *)a1,
	                 (char *)a2,
	                 (char *)a3,
	                 (char *)a4,
	                 (char *)a5,
	                 (char *)a6,
	                 NULL};

	return tu_run(argv, NULL, out, err);
}

static void test_verb(void)
{
	char dir[4096], outp[4096], *o = NULL, *e = NULL;
	struct bytes a;
	int rc;

	snprintf(dir, sizeof dir, "%s/verb", tmp);
	make_host(dir, DMG_NONE, 1, 0);
	/* Logs found beside the hive, in another letter case. */
	CHECK_INT(rename(path_in(dir, "SYSTEM.LOG1"), path_in(dir, "system.log1")), 0);
	snprintf(outp, sizeof outp, "%s", path_in(dir, "recovered.hiv"));
	rc = run_hiveaudit(&o, &e, "replay", path_in(dir, "SYSTEM"), "-o", outp, NULL, NULL);
	CHECK_INT(rc, 0);
	CHECK_HAS(o, "wrote ");
	CHECK_HAS(o, "new-format logs replayed: 1 entry");
	CHECK_HAS(o, "from system.log1");
	free(o);
	free(e);
	a = load(outp);
	CHECK(a.p && memcmp(a.p, "regf", 4) == 0 && get32(a.p + 4) == get32(a.p + 8));
	free(a.p);
	CHECK_INT(has_key(outp, TLS12C), 1);
	{
		struct stat st;

		CHECK(stat(outp, &st) == 0 && (st.st_mode & 0777) != 0600);
	}
	/* Named logs, -o first (the earlier output is a hive now, which
	 * replay does not write over). */
	unlink(outp);
	rc = run_hiveaudit(&o, &e, "replay", "-o", outp, path_in(dir, "SYSTEM"),
	                   path_in(dir, "system.log1"), NULL);
	CHECK_INT(rc, 0);
	free(o);
	free(e);
	/* Clean: 1, nothing written. */
	unlink(outp);
	rc = run_hiveaudit(&o, &e, "replay", path_in(dir, "SOFTWARE"), "-o", outp, NULL, NULL);
	CHECK_INT(rc, 1);
	CHECK_HAS(o, "nothing to replay");
	CHECK(access(outp, F_OK) != 0);
	free(o);
	free(e);
	/* Usage: no OUT, no HIVE, OUT is the hive, a missing hive, --help. */
	rc = run_hiveaudit(&o, &e, "replay", path_in(dir, "SYSTEM"), NULL, NULL, NULL, NULL);
	CHECK_INT(rc, 2);
	free(o);
	free(e);
	rc = run_hiveaudit(&o, &e, "replay", "-o", outp, NULL, NULL, NULL);
	CHECK_INT(rc, 2);
	free(o);
	free(e);
	rc = run_hiveaudit(&o, &e, "replay", path_in(dir, "SYSTEM"), "-o", path_in(dir, "SYSTEM"),
	                   NULL, NULL);
	CHECK_INT(rc, 2);
	CHECK_HAS(e, "never written");
	free(o);
	free(e);
	rc = run_hiveaudit(&o, &e, "replay", path_in(dir, "nonexistent"), "-o", outp, NULL, NULL);
	CHECK_INT(rc, 2);
	free(o);
	free(e);
	rc = run_hiveaudit(&o, &e, "replay", "--help", NULL, NULL, NULL, NULL);
	CHECK_INT(rc, 0);
	CHECK_HAS(o, "usage: hiveaudit replay");
	free(o);
	free(e);
	rc = run_hiveaudit(&o, &e, "--help", NULL, NULL, NULL, NULL, NULL);
	CHECK_HAS(o, "replay");
	free(o);
	free(e);
	/* Refused: 3, nothing written; an unwritable OUT: 3. */
	snprintf(dir, sizeof dir, "%s/verb-refused", tmp);
	make_host(dir, DMG_OUTSIDE, 1, 0);
	rc = run_hiveaudit(&o, &e, "replay", path_in(dir, "SYSTEM"), "-o", outp, NULL, NULL);
	CHECK_INT(rc, 3);
	CHECK_HAS(e, "cannot replay: SYSTEM.LOG1: entry");
	CHECK(access(outp, F_OK) != 0);
	free(o);
	free(e);
	snprintf(dir, sizeof dir, "%s/verb", tmp);
	rc = run_hiveaudit(&o, &e, "replay", path_in(dir, "SYSTEM"), "-o",
	                   path_in(dir, "no/such/folder/out.hiv"), NULL, NULL);
	CHECK_INT(rc, 3);
	CHECK_HAS(e, "cannot write");
	free(o);
	free(e);
}

/* The bytes of a file equal `want`. */
static int file_is(const char *path, const struct bytes *want)
{
	struct bytes b = {NULL, 0};
	int same;

	b.p = (uint8_t *)tu_read(path, &b.n);
	same = b.p && b.n == want->n && memcmp(b.p, want->p, b.n) == 0;
	free(b.p);
	return same;
}

/* issue 12 item 1: OUT may be no input the replay read or would read, by
 * any name: a log found beside the hive (not named), a symlink or a hard
 * link to it, a path to the hive through a symlinked copy, or a log name
 * of the hive that does not exist yet. */
static void replay_refuses_log_as_output(void)
{
	char dir[4096], other[4096], *o = NULL, *e = NULL;
	struct bytes log1, hive;
	struct stat st;
	int rc;

	snprintf(dir, sizeof dir, "%s/verb-out", tmp);
	make_host(dir, DMG_NONE, 1, 0);
	log1 = load(path_in(dir, "SYSTEM.LOG1"));
	hive = load(path_in(dir, "SYSTEM"));

	/* The log found beside the hive. */
	rc = run_hiveaudit(&o, &e, "replay", path_in(dir, "SYSTEM"), "-o",
	                   path_in(dir, "SYSTEM.LOG1"), NULL, NULL);
	CHECK_INT(rc, 2);
	CHECK_HAS(e, "is a log found beside the hive; the evidence files are never written");
	CHECK(file_is(path_in(dir, "SYSTEM.LOG1"), &log1));
	free(o);
	free(e);
	/* In another letter case, and through "./". */
	rc = run_hiveaudit(&o, &e, "replay", path_in(dir, "SYSTEM"), "-o",
	                   path_in(dir, "./system.log1"), NULL, NULL);
	CHECK_INT(rc, 2);
	CHECK(file_is(path_in(dir, "SYSTEM.LOG1"), &log1));
	free(o);
	free(e);
	/* A symlink to it. */
	CHECK_INT(symlink("SYSTEM.LOG1", path_in(dir, "link.hiv")), 0);
	rc = run_hiveaudit(&o, &e, "replay", path_in(dir, "SYSTEM"), "-o", path_in(dir, "link.hiv"),
	                   NULL, NULL);
	CHECK_INT(rc, 2);
	CHECK_HAS(e, "is a log found beside the hive");
	CHECK(lstat(path_in(dir, "link.hiv"), &st) == 0 && S_ISLNK(st.st_mode));
	CHECK(file_is(path_in(dir, "SYSTEM.LOG1"), &log1));
	free(o);
	free(e);
	/* A hard link to it. */
	CHECK_INT(link(path_in(dir, "SYSTEM.LOG1"), path_in(dir, "hard.hiv")), 0);
	rc = run_hiveaudit(&o, &e, "replay", path_in(dir, "SYSTEM"), "-o", path_in(dir, "hard.hiv"),
	                   NULL, NULL);
	CHECK_INT(rc, 2);
	CHECK_HAS(e, "is a log found beside the hive");
	CHECK(file_is(path_in(dir, "SYSTEM.LOG1"), &log1));
	free(o);
	free(e);
	/* Logs named: the one beside that was not named is still evidence. */
	rc = run_hiveaudit(&o, &e, "replay", path_in(dir, "SYSTEM"), path_in(dir, "SYSTEM.LOG2"),
	                   "-o", path_in(dir, "hard.hiv"), NULL);
	CHECK_INT(rc, 2);
	CHECK(file_is(path_in(dir, "SYSTEM.LOG1"), &log1));
	free(o);
	free(e);
	/* A log name of the hive that does not exist yet: writing it would
	 * plant a log that the next scan reads. */
	rc = run_hiveaudit(&o, &e, "replay", path_in(dir, "SYSTEM"), "-o",
	                   path_in(dir, "SYSTEM.LOG"), NULL, NULL);
	CHECK_INT(rc, 2);
	CHECK_HAS(e, "is a log name of the hive, in its folder");
	CHECK(access(path_in(dir, "SYSTEM.LOG"), F_OK) != 0);
	free(o);
	free(e);
	/* The hive reached through a symlink from another folder: its logs
	 * and its own name in the real folder are still refused. */
	snprintf(other, sizeof other, "%s/verb-out-link", tmp);
	CHECK_INT(tu_write(path_in(other, ".keep"), "", 0), 0);
	CHECK_INT(symlink(path_in(dir, "SYSTEM"), path_in(other, "SYS")), 0);
	rc = run_hiveaudit(&o, &e, "replay", path_in(other, "SYS"), "-o",
	                   path_in(dir, "SYSTEM.LOG2"), NULL, NULL);
	CHECK_INT(rc, 2);
	free(o);
	free(e);
	rc = run_hiveaudit(&o, &e, "replay", path_in(other, "SYS"), "-o", path_in(other, "SYS"),
	                   NULL, NULL);
	CHECK_INT(rc, 2);
	CHECK_HAS(e, "is the hive");
	CHECK(file_is(path_in(dir, "SYSTEM"), &hive));
	free(o);
	free(e);
	/* Elsewhere it is written, and a symlink at OUT is replaced, never
	 * written through. */
	CHECK_INT(symlink("target.txt", path_in(other, "out.hiv")), 0);
	CHECK_INT(tu_write(path_in(other, "target.txt"), "keep", 4), 0);
	rc = run_hiveaudit(&o, &e, "replay", path_in(dir, "SYSTEM"), "-o",
	                   path_in(other, "out.hiv"), NULL, NULL);
	CHECK_INT(rc, 0);
	CHECK(lstat(path_in(other, "out.hiv"), &st) == 0 && S_ISREG(st.st_mode));
	CHECK_INT(has_key(path_in(other, "out.hiv"), TLS12C), 1);
	{
		char *t = tu_read(path_in(other, "target.txt"), NULL);

		CHECK_STR(t, "keep");
		free(t);
	}
	free(o);
	free(e);
	CHECK(file_is(path_in(dir, "SYSTEM.LOG1"), &log1));
	CHECK(file_is(path_in(dir, "SYSTEM"), &hive));
	free(log1.p);
	free(hive.p);
}

/* issue 17: OUT may not replace another hive of the collection or its log
 * either: replaying SYSTEM with -o A/SOFTWARE.LOG1 would hand A's SOFTWARE a
 * foreign log.  Recognised by content (a hive's or a log's signature) and,
 * for a log that does not exist yet, by a log name beside a hive. */
static void replay_refuses_other_hive_as_output(void)
{
	char dir[4096], a[4096], *o = NULL, *e = NULL;
	struct bytes log1, soft, text = {(uint8_t *)"notes", 5};
	int rc;

	snprintf(dir, sizeof dir, "%s/other-out/B", tmp);
	snprintf(a, sizeof a, "%s/other-out/A", tmp);
	make_host(dir, DMG_NONE, 1, 0);
	log1 = load(path_in(dir, "SYSTEM.LOG1"));
	soft = load(path_in(dir, "SOFTWARE"));
	CHECK_INT(tu_write(path_in(a, "SOFTWARE"), soft.p, soft.n), 0);
	CHECK_INT(tu_write(path_in(a, "SOFTWARE.LOG1"), log1.p, log1.n), 0);
	CHECK_INT(tu_write(path_in(a, "saved.bin"), log1.p, log1.n), 0);
	CHECK_INT(tu_write(path_in(a, "notes.txt"), text.p, text.n), 0);

	/* Another hive's existing log. */
	rc = run_hiveaudit(&o, &e, "replay", path_in(dir, "SYSTEM"), "-o",
	                   path_in(a, "SOFTWARE.LOG1"), NULL, NULL);
	CHECK_INT(rc, 2);
	CHECK_HAS(e, "SOFTWARE.LOG1' is an existing hive or transaction log (by its signature); "
	             "replay never writes over a hive or a log\n");
	CHECK(file_is(path_in(a, "SOFTWARE.LOG1"), &log1));
	free(o);
	free(e);
	/* Another hive. */
	rc = run_hiveaudit(&o, &e, "replay", path_in(dir, "SYSTEM"), "-o", path_in(a, "SOFTWARE"),
	                   NULL, NULL);
	CHECK_INT(rc, 2);
	CHECK_HAS(e, "is an existing hive or transaction log");
	CHECK(file_is(path_in(a, "SOFTWARE"), &soft));
	free(o);
	free(e);
	/* A log under another name: its content says what it is. */
	rc = run_hiveaudit(&o, &e, "replay", path_in(dir, "SYSTEM"), "-o", path_in(a, "saved.bin"),
	                   NULL, NULL);
	CHECK_INT(rc, 2);
	CHECK(file_is(path_in(a, "saved.bin"), &log1));
	free(o);
	free(e);
	/* A log of another hive that does not exist yet, in another case. */
	rc = run_hiveaudit(&o, &e, "replay", path_in(dir, "SYSTEM"), "-o",
	                   path_in(a, "software.log2"), NULL, NULL);
	CHECK_INT(rc, 2);
	CHECK_HAS(e, "software.log2' is a log name of the hive 'SOFTWARE' beside it; replay "
	             "never writes over a hive or a log\n");
	CHECK(access(path_in(a, "software.log2"), F_OK) != 0);
	free(o);
	free(e);
	/* Files that are neither are still replaced, and a log name with no
	 * hive beside it is an ordinary name. */
	rc = run_hiveaudit(&o, &e, "replay", path_in(dir, "SYSTEM"), "-o", path_in(a, "notes.txt"),
	                   NULL, NULL);
	CHECK_INT(rc, 0);
	CHECK_INT(has_key(path_in(a, "notes.txt"), TLS12C), 1);
	free(o);
	free(e);
	rc = run_hiveaudit(&o, &e, "replay", path_in(dir, "SYSTEM"), "-o",
	                   path_in(a, "recovered.LOG1"), NULL, NULL);
	CHECK_INT(rc, 0);
	free(o);
	free(e);
	CHECK(file_is(path_in(dir, "SYSTEM.LOG1"), &log1));
	free(log1.p);
	free(soft.p);
}

/* ------------------------------------------------------------ the rules */

static const char *finding(const struct tu_csv *c, const char *rule, const char *col)
{
	int ir = tu_csv_col(c, "rule_id"), ic = tu_csv_col(c, col);
	size_t i;

	for (i = 1; ir >= 0 && ic >= 0 && i < c->nrows; i++)
		if ((size_t)ir < c->nfields[i] && (size_t)ic < c->nfields[i] &&
		    !strcmp(c->rows[i][ir], rule))
			return c->rows[i][ic];
	return NULL;
}

/* The decisive SChannel value lives only in the log: PASS when replayed,
 * UNKNOWN (dirty, "as stored this gives FAIL") when not. */
static void test_rule_verdict_from_log(void)
{
	char fleet[4096], out1[4096], out2[4096], *o = NULL, *e = NULL, *text;
	struct tu_csv c;
	int rc;

	snprintf(fleet, sizeof fleet, "%s/fleet", tmp);
	make_host(path_in(fleet, "LOGHOST"), DMG_NONE, 1, 0);
	snprintf(out1, sizeof out1, "%s/scan-replay", tmp);
	snprintf(out2, sizeof out2, "%s/scan-noreplay", tmp);

	rc = run_hiveaudit(&o, &e, "scan", "--as-of", "2026-01-01", "-o", out1, fleet);
	CHECK(rc == 0 || rc == 1);
	free(o);
	free(e);
	text = tu_read(path_in(out1, "findings.csv"), NULL);
	CHECK(text != NULL);
	if (text && tu_csv_parse(text, &c) == 0) {
		CHECK_STR(finding(&c, "SCHANNEL-TLS12-CLIENT", "status"), "PASS");
		CHECK_STR(finding(&c, "HIVE-INTEGRITY", "status"), "PASS");
		CHECK_HAS(finding(&c, "HIVE-INTEGRITY", "reason"), "SYSTEM hive replayed: dirty");
		CHECK_HAS(finding(&c, "HIVE-INTEGRITY", "reason"),
		          "new-format logs replayed: 1 entry");
		tu_csv_free(&c);
	}
	free(text);

	{
		char *argv[] = {(char *)tu_hiveaudit(),
		                (char *)"scan",
		                (char *)"--no-replay",
		                (char *)"--as-of",
		                (char *)"2026-01-01",
		                (char *)"-o",
		                out2,
		                fleet,
		                NULL};

		rc = tu_run(argv, NULL, &o, &e);
		CHECK(rc == 0 || rc == 1);
		free(o);
		free(e);
	}
	text = tu_read(path_in(out2, "findings.csv"), NULL);
	CHECK(text != NULL);
	if (text && tu_csv_parse(text, &c) == 0) {
		CHECK_STR(finding(&c, "SCHANNEL-TLS12-CLIENT", "status"), "UNKNOWN");
		CHECK_HAS(finding(&c, "SCHANNEL-TLS12-CLIENT", "reason"),
		          "as stored this gives FAIL");
		CHECK_STR(finding(&c, "HIVE-INTEGRITY", "status"), "WARN");
		tu_csv_free(&c);
	}
	free(text);
}

int main(int argc, char **argv)
{
	static const struct check_case cases[] = {
	        CHECK_CASE(test_marvin32),
	        CHECK_CASE(test_marvin32_corpus_hashes),
	        CHECK_CASE(test_corpus_new_dirty_hive),
	        CHECK_CASE(test_corpus_old_dirty_hive),
	        CHECK_CASE(test_corpus_bad_log_refused),
	        CHECK_CASE(test_corpus_win10_system),
	        CHECK_CASE(test_corpus_read_and_verb),
	        CHECK_CASE(test_new_format_generated),
	        CHECK_CASE(test_bounds_and_refusals),
	        CHECK_CASE(test_old_format_generated),
	        CHECK_CASE(test_damaged_base_block),
	        CHECK_CASE(test_reader_statuses),
	        CHECK_CASE(test_verb),
	        CHECK_CASE(replay_refuses_log_as_output),
	        CHECK_CASE(replay_refuses_other_hive_as_output),
	        CHECK_CASE(log_match_decides_belonging),
	        CHECK_CASE(logs_beside_found_by_name),
	        CHECK_CASE(replay_refuses_foreign_log),
	        CHECK_CASE(scan_refuses_foreign_log),
	        CHECK_CASE(base_block_restored_from_log),
	        CHECK_CASE(test_rule_verdict_from_log),
	};
	int rc;

	tmp = tu_tempdir("replay");
	if (!tmp)
		return 1;
	rc = check_run(cases, sizeof cases / sizeof cases[0], argc, argv);
	if (!rc)
		tu_rmtree(tmp);
	free(tmp);
	return rc;
}
