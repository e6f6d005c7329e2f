/* test_damaged.c: a corpus of damaged hives, scanned with the built program.
 *
 * The generator starts from the hives of a sample host (srv2008r2-sp1) and
 * writes damaged variants of them, each in a host folder of its own beside
 * the other hive intact: truncations at and between hive bins, a wrong
 * checksum, magic or version, used cells flipped free or to impossible
 * sizes, a cell running past its bin, subkey lists that loop or nest into
 * themselves, value lengths past their data, empty, huge and big-data
 * values, names that are not UTF-16, keys nested 100,000 deep, 100,000
 * subkeys under one key, random byte flips, and hivex's own crash paths
 * (reference/hivex.md 5.3).  Structural damage is written by the small regf
 * editor below: it finds cells by key path and appends hive bins, so new
 * lists and keys can be linked in; the wide and deep hives are built that
 * way too (hivex's writer is O(N^2) for wide keys).
 *
 * Each variant is scanned alone with the built program, then all of them
 * in one run with two workers.  Every run must end with exit 0 or 1 (a
 * damaged hive never stops a run), every damaged hive must have a status
 * from those its damage allows and a reason in the store, no sanitizer may
 * report anything (reports go to files, since workers' stderr is private),
 * no process may be left behind (this test is a child subreaper, so
 * orphans would come to it), and each scan must finish in bounded time.
 *
 * `test_damaged --write DIR` only writes the corpus into DIR.
 *
 * (Over 1,000 lines: the generator of each damaged variant sits beside the status it must get.)
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "ha_common.h"
#include "testproc.h"
#include "testutil.h"

#define BASE_HOST        "srv2008r2-sp1"
#define PACKAGES         "Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\Packages"
#define MAX_SCAN_SECONDS 120.0

static char *tmp; /* the test's temporary folder */

/* ------------------------------------------------------- a regf editor */

/* A hive in memory.  Offsets called `rel` are cell offsets as the hive
 * stores them (relative to 0x1000); cell data starts 4 bytes after. */
struct regf {
	uint8_t *p;
	size_t n, cap;
	size_t bin; /* absolute offset of the bin being appended to, or 0 */
	size_t bin_used;
	size_t bin_size;
};

static uint32_t rd32(const struct regf *r, size_t at)
{
	const uint8_t *q = r->p + at;

	return (uint32_t)q[0] | ((uint32_t)q[1] << 8) | ((uint32_t)q[2] << 16) |
	       ((uint32_t)q[3] << 24);
}

static uint16_t rd16(const struct regf *r, size_t at)
{
	return (uint16_t)(r->p[at] | (r->p[at + 1] << 8));
}

static void wr32(struct regf *r, size_t at, uint32_t v)
{
	r->p[at] = (uint8_t)v;
	r->p[at + 1] = (uint8_t)(v >> 8);
	r->p[at + 2] = (uint8_t)(v >> 16);
	r->p[at + 3] = (uint8_t)(v >> 24);
}

static void wr16(struct regf *r, size_t at, uint16_t v)
{
	r->p[at] = (uint8_t)v;
	r->p[at + 1] = (uint8_t)(v >> 8);
}

static void rf_checksum(struct regf *r)
{
	uint32_t x = 0;
	size_t i;

	for (i = 0; i < 0x1FC; i += 4)
		x ^= rd32(r, i);
	wr32(r, 0x1FC, x == 0 ? 1 : x == 0xFFFFFFFFu ? 0xFFFFFFFEu : x);
}

static int rf_load(struct regf *r, const char *path)
{
	memset(r, 0, sizeof *r);
	r->p = (uint8_t *)tu_read(path, &r->n);
	if (!r->p || r->n < 0x2000 || rd32(r, 0x28) + 0x1000u != r->n)
		return -1;
	r->cap = r->n;
	return 0;
}

static void rf_free(struct regf *r)
{
	free(r->p);
	memset(r, 0, sizeof *r);
}

/* Absolute offset of the data of the used cell at rel, or 0. */
static size_t rf_cell(const struct regf *r, uint32_t rel)
{
	size_t at = (size_t)rel + 0x1000;
	int32_t sz;

	if (rel == 0xFFFFFFFFu || at + 8 > r->n)
		return 0;
	sz = (int32_t)rd32(r, at);
	if (sz >= 0 || (size_t) - (int64_t)sz > r->n - at)
		return 0;
	return at + 4;
}

static int name_is(const struct regf *r, size_t name, size_t len, int latin1, const char *want)
{
	size_t i, n = strlen(want);

	if (latin1) {
		if (len != n)
			return 0;
		for (i = 0; i < n; i++)
			if ((r->p[name + i] | 0x20) != (want[i] | 0x20))
				return 0;
		return 1;
	}
	if (len != 2 * n)
		return 0;
	for (i = 0; i < n; i++)
		if ((r->p[name + 2 * i] | 0x20) != (want[i] | 0x20) || r->p[name + 2 * i + 1])
			return 0;
	return 1;
}

/* The subkeys of a list cell (lf, lh, li, ri), appended to kids. */
static void rf_list(const struct regf *r, uint32_t list, uint32_t *kids, size_t *n, size_t max,
                    int depth)
{
	size_t d = rf_cell(r, list), i, count, step;

	if (!d || depth > 8)
		return;
	count = rd16(r, d + 2);
	step = (r->p[d] == 'l' && (r->p[d + 1] == 'f' || r->p[d + 1] == 'h')) ? 8 : 4;
	for (i = 0; i < count && *n < max && d + 4 + i * step + 4 <= r->n; i++) {
		uint32_t e = rd32(r, d + 4 + i * step);

		if (r->p[d] == 'r' && r->p[d + 1] == 'i')
			rf_list(r, e, kids, n, max, depth + 1);
		else
			kids[(*n)++] = e;
	}
}

#define NK_PARENT  16
#define NK_NSUB    20
#define NK_SUBLIST 28
#define NK_NVAL    36
#define NK_VALLIST 40
#define NK_SK      44
#define NK_NAMELEN 72
#define NK_NAME    76

static uint32_t rf_child(const struct regf *r, uint32_t nk, const char *name)
{
	static uint32_t kids[1 << 16];
	size_t d = rf_cell(r, nk), n = 0, i;

	if (!d)
		return 0;
	rf_list(r, rd32(r, d + NK_SUBLIST), kids, &n, sizeof kids / sizeof kids[0], 0);
	for (i = 0; i < n; i++) {
		size_t k = rf_cell(r, kids[i]);

		if (k &&
		    name_is(r, k + NK_NAME, rd16(r, k + NK_NAMELEN), rd16(r, k + 2) & 0x20, name))
			return kids[i];
	}
	return 0;
}

static uint32_t rf_root(const struct regf *r)
{
	return rd32(r, 0x24);
}

/* The key at a backslash-separated path, or 0. */
static uint32_t rf_path(const struct regf *r, const char *path)
{
	uint32_t nk = rf_root(r);
	char comp[256];

	while (nk && *path) {
		size_t len = strcspn(path, "\\");

		snprintf(comp, sizeof comp, "%.*s", (int)len, path);
		nk = rf_child(r, nk, comp);
		path += len + (path[len] == '\\');
	}
	return nk;
}

static uint32_t rf_value(const struct regf *r, uint32_t nk, const char *name)
{
	size_t d = rf_cell(r, nk), l, i;

	if (!d || !(l = rf_cell(r, rd32(r, d + NK_VALLIST))))
		return 0;
	for (i = 0; i < rd32(r, d + NK_NVAL); i++) {
		uint32_t v = rd32(r, l + 4 * i);
		size_t k = rf_cell(r, v);

		if (k && name_is(r, k + 20, rd16(r, k + 2), rd16(r, k + 16) & 1, name))
			return v;
	}
	return 0;
}

static void rf_grow(struct regf *r, size_t n)
{
	if (r->n + n > r->cap) {
		size_t cap = r->cap * 2 > r->n + n ? r->cap * 2 : r->n + n;
		uint8_t *p = realloc(r->p, cap);

		if (!p)
			abort();
		r->p = p;
		r->cap = cap;
	}
	memset(r->p + r->n, 0, n);
	r->n += n;
}

/* Ends the bin being appended to with one free cell. */
static void rf_close_bin(struct regf *r)
{
	if (r->bin && r->bin_used < r->bin_size)
		wr32(r, r->bin + r->bin_used, (uint32_t)(r->bin_size - r->bin_used));
	r->bin = 0;
}

/* A new used cell with room for len bytes, in a bin appended to the hive;
 * returns its rel offset.  The data is zeroed. */
static uint32_t rf_alloc(struct regf *r, size_t len)
{
	size_t cell = (len + 4 + 7) & ~(size_t)7, at;

	if (!r->bin || r->bin_size - r->bin_used < cell) {
		size_t size = (cell + 32 + 4095) & ~(size_t)4095;

		rf_close_bin(r);
		if (size < 0x10000 && cell < 2048)
			size = 0x10000; /* fewer, larger bins for many small cells */
		r->bin = r->n;
		r->bin_used = 32;
		r->bin_size = size;
		rf_grow(r, size);
		memcpy(r->p + r->bin, "hbin", 4);
		wr32(r, r->bin + 4, (uint32_t)(r->bin - 0x1000));
		wr32(r, r->bin + 8, (uint32_t)size);
		wr32(r, 0x28, (uint32_t)(r->n - 0x1000));
	}
	at = r->bin + r->bin_used;
	r->bin_used += cell;
	wr32(r, at, (uint32_t) - (int32_t)cell);
	return (uint32_t)(at - 0x1000);
}

/* A key named `name` (Latin-1 when latin1, else raw UTF-16LE bytes). */
static uint32_t rf_new_nk(struct regf *r, uint32_t parent, const void *name, size_t nlen,
                          int latin1)
{
	uint32_t nk = rf_alloc(r, NK_NAME + nlen);
	size_t d = 0x1000 + (size_t)nk + 4, root = rf_cell(r, rf_root(r));

	memcpy(r->p + d, "nk", 2);
	wr16(r, d + 2, latin1 ? 0x20 : 0);
	memcpy(r->p + d + 4, r->p + root + 4, 8); /* the root's timestamp */
	wr32(r, d + NK_PARENT, parent);
	wr32(r, d + NK_SUBLIST, 0xFFFFFFFFu);
	wr32(r, d + NK_SUBLIST + 4, 0xFFFFFFFFu);
	wr32(r, d + NK_VALLIST, 0xFFFFFFFFu);
	wr32(r, d + NK_SK, rd32(r, root + NK_SK));
	wr32(r, d + 48, 0xFFFFFFFFu);
	wr16(r, d + NK_NAMELEN, (uint16_t)nlen);
	memcpy(r->p + d + NK_NAME, name, nlen);
	return nk;
}

/* An lh list of n keys. */
static uint32_t rf_new_lh(struct regf *r, const uint32_t *kids, size_t n)
{
	uint32_t lh = rf_alloc(r, 4 + 8 * n);
	size_t d = 0x1000 + (size_t)lh + 4, i;

	memcpy(r->p + d, "lh", 2);
	wr16(r, d + 2, (uint16_t)n);
	for (i = 0; i < n; i++)
		wr32(r, d + 4 + 8 * i, kids[i]);
	return lh;
}

/* Gives nk the subkeys it had plus `add` (first when `front`), in an lh
 * list, or an ri of lh lists of 1000 when there are more than 1000. */
static void rf_set_kids(struct regf *r, uint32_t nk, const uint32_t *add, size_t nadd, int front)
{
	size_t d = rf_cell(r, nk), n = 0, total, i;
	uint32_t *all, list;

	total = nadd + rd32(r, d + NK_NSUB);
	all = calloc(total + 1, sizeof *all);
	if (!all)
		abort();
	if (front) {
		memcpy(all, add, nadd * sizeof *add);
		n = nadd;
	}
	rf_list(r, rd32(r, d + NK_SUBLIST), all, &n, total, 0);
	if (!front) {
		memcpy(all + n, add, nadd * sizeof *add);
		n += nadd;
	}
	if (n <= 1000) {
		list = rf_new_lh(r, all, n);
	} else {
		size_t nl = (n + 999) / 1000, rd;

		list = rf_alloc(r, 4 + 4 * nl);
		rd = 0x1000 + (size_t)list + 4;
		memcpy(r->p + rd, "ri", 2);
		wr16(r, rd + 2, (uint16_t)nl);
		for (i = 0; i < nl; i++) {
			size_t k = n - i * 1000 < 1000 ? n - i * 1000 : 1000;

			wr32(r, rd + 4 + 4 * i, rf_new_lh(r, all + i * 1000, k));
		}
	}
	d = rf_cell(r, nk); /* the buffer may have moved */
	wr32(r, d + NK_NSUB, (uint32_t)n);
	wr32(r, d + NK_SUBLIST, list);
	free(all);
}

/* A value; data of more than 16344 bytes goes into big-data segments. */
static uint32_t rf_new_vk(struct regf *r, const void *name, size_t nlen, int latin1, uint32_t type,
                          const void *data, size_t len)
{
	uint32_t vk = rf_alloc(r, 20 + nlen), off;
	size_t d;

	if (len <= 4) {
		uint8_t inl[4] = {0};

		memcpy(inl, data, len);
		off = (uint32_t)inl[0] | ((uint32_t)inl[1] << 8) | ((uint32_t)inl[2] << 16) |
		      ((uint32_t)inl[3] << 24);
		len |= 0x80000000u;
	} else if (len <= 16344) {
		off = rf_alloc(r, len);
		memcpy(r->p + 0x1000 + off + 4, data, len);
	} else {
		size_t nseg = (len + 16343) / 16344, i, db;
		uint32_t list = rf_alloc(r, 4 * nseg);

		off = rf_alloc(r, 8);
		for (i = 0; i < nseg; i++) {
			size_t part = len - i * 16344 < 16344 ? len - i * 16344 : 16344;
			uint32_t seg = rf_alloc(r, part);

			memcpy(r->p + 0x1000 + seg + 4, (const uint8_t *)data + i * 16344, part);
			wr32(r, 0x1000 + (size_t)list + 4 + 4 * i, seg);
		}
		db = 0x1000 + (size_t)off + 4;
		memcpy(r->p + db, "db", 2);
		wr16(r, db + 2, (uint16_t)nseg);
		wr32(r, db + 4, list);
	}
	d = 0x1000 + (size_t)vk + 4;
	memcpy(r->p + d, "vk", 2);
	wr16(r, d + 2, (uint16_t)nlen);
	wr32(r, d + 4, (uint32_t)len);
	wr32(r, d + 8, off);
	wr32(r, d + 12, type);
	wr16(r, d + 16, latin1 ? 1 : 0);
	memcpy(r->p + d + 20, name, nlen);
	return vk;
}

/* Gives nk its values plus `add` (first when `front`). */
static void rf_set_values(struct regf *r, uint32_t nk, const uint32_t *add, size_t nadd, int front)
{
	size_t d = rf_cell(r, nk), old = rd32(r, d + NK_NVAL), l, i;
	uint32_t oldlist = rd32(r, d + NK_VALLIST), list;

	list = rf_alloc(r, 4 * (old + nadd));
	l = 0x1000 + (size_t)list + 4;
	d = rf_cell(r, nk);
	for (i = 0; i < nadd; i++)
		wr32(r, l + 4 * (front ? i : old + i), add[i]);
	for (i = 0; i < old; i++)
		wr32(r, l + 4 * (front ? nadd + i : i), rd32(r, rf_cell(r, oldlist) + 4 * i));
	wr32(r, d + NK_NVAL, (uint32_t)(old + nadd));
	wr32(r, d + NK_VALLIST, list);
}

/* Absolute offsets of the hive bins, in order; returns how many. */
static size_t rf_bins(const struct regf *r, size_t *bins, size_t max)
{
	size_t at = 0x1000, n = 0;

	while (at + 32 <= r->n && n < max && !memcmp(r->p + at, "hbin", 4)) {
		size_t size = rd32(r, at + 8);

		bins[n++] = at;
		if (size < 4096 || size % 4096)
			break;
		at += size;
	}
	return n;
}

/* --------------------------------------------------------- the damage */

/* Each damage edits the intact hive in r and returns the size to write
 * (0: the whole buffer). */
typedef size_t (*damage_fn)(struct regf *r);

static size_t bins_of(const struct regf *r, size_t *bins)
{
	size_t n = rf_bins(r, bins, 4096);

	if (n < 3)
		abort(); /* the sample hives have several bins */
	return n;
}

static uint32_t must(uint32_t off, const char *what)
{
	if (!off) {
		fprintf(stderr, "damage: '%s' not found in the sample hive\n", what);
		abort();
	}
	return off;
}

#define PATH(r, p)   must(rf_path(r, p), p)
#define CS           "ControlSet001\\Control\\"
#define COMPUTERNAME CS "ComputerName\\ComputerName"

static size_t d_trunc_baseblock(struct regf *r)
{
	(void)r;
	return 2000;
}
static size_t d_trunc_8k(struct regf *r)
{
	(void)r;
	return 8191;
}

static size_t d_trunc_first_bin(struct regf *r)
{
	size_t bins[4096];

	bins_of(r, bins);
	return bins[1];
}

static size_t d_trunc_last_bin(struct regf *r)
{
	size_t bins[4096], n = bins_of(r, bins);

	return bins[n - 1];
}

static size_t d_trunc_mid_bin(struct regf *r)
{
	size_t bins[4096];

	bins_of(r, bins);
	return bins[1] + 2048 + 4;
}

static size_t d_trunc_mid_last(struct regf *r)
{
	size_t bins[4096], n = bins_of(r, bins);

	return bins[n - 1] + 100;
}

static size_t d_checksum(struct regf *r)
{
	r->p[0x1FC] ^= 0x5A;
	return r->n; /* written as is: no checksum update */
}

static size_t d_magic(struct regf *r)
{
	memcpy(r->p, "regx", 4);
	return 0;
}

static size_t d_major(struct regf *r)
{
	wr32(r, 0x14, 2);
	return 0;
}

static size_t d_type_log(struct regf *r)
{
	wr32(r, 0x1C, 6);
	return 0;
}

static size_t d_root_garbage(struct regf *r)
{
	wr32(r, 0x24, 0x12345678);
	return 0;
}

static size_t d_root_at_vk(struct regf *r)
{
	wr32(r, 0x24, must(rf_value(r, PATH(r, "Select"), "Current"), "Select\\Current"));
	return 0;
}

static size_t d_bin_offset(struct regf *r)
{
	size_t bins[4096];

	bins_of(r, bins);
	wr32(r, bins[1] + 4, 0x3000);
	return 0;
}

static size_t d_bin_size(struct regf *r)
{
	size_t bins[4096];

	bins_of(r, bins);
	wr32(r, bins[1] + 8, rd32(r, bins[1] + 8) + 1);
	return 0;
}

static size_t d_hbins_small(struct regf *r)
{
	wr32(r, 0x28, 0x1000);
	return 0;
}

static size_t d_hbins_large(struct regf *r)
{
	wr32(r, 0x28, rd32(r, 0x28) + (16u << 20));
	return 0;
}

static size_t d_junk_counted(struct regf *r)
{
	size_t at = r->n, i;

	rf_grow(r, 4096);
	for (i = 0; i < 4096; i++)
		r->p[at + i] = (uint8_t)(i * 7 + 3);
	wr32(r, 0x28, (uint32_t)(r->n - 0x1000));
	return 0;
}

/* The cell of a key on the path every scan reads. */
static size_t select_cell(struct regf *r)
{
	return 0x1000 + (size_t)PATH(r, "Select");
}

static size_t d_cell_free(struct regf *r)
{
	size_t c = select_cell(r);

	wr32(r, c, (uint32_t) - (int32_t)rd32(r, c)); /* used -> free, same size */
	return 0;
}

static size_t d_cell_zero(struct regf *r)
{
	wr32(r, select_cell(r), 0);
	return 0;
}

static size_t d_cell_odd(struct regf *r)
{
	size_t c = select_cell(r);

	wr32(r, c, rd32(r, c) + 1);
	return 0;
}

static size_t d_cell_past_bin(struct regf *r)
{
	wr32(r, select_cell(r), (uint32_t) - (int32_t)0x100000);
	return 0;
}

static size_t d_zeroed_bin(struct regf *r)
{
	size_t bins[4096], n = bins_of(r, bins);

	memset(r->p + bins[n / 2], 0, 4096);
	return 0;
}

/* Replaces the first entry of nk's lf/lh subkey list. */
static void set_first_kid(struct regf *r, uint32_t nk, uint32_t kid)
{
	size_t list =
	        must((uint32_t)rf_cell(r, rd32(r, rf_cell(r, nk) + NK_SUBLIST)), "subkey list");

	wr32(r, list + 4, kid);
}

static size_t d_lh_loop_root(struct regf *r)
{
	set_first_kid(r, PATH(r, "ControlSet001\\Control"), rf_root(r));
	return 0;
}

static size_t d_lh_self(struct regf *r)
{
	uint32_t nk = PATH(r, "ControlSet001\\Control\\SecurityProviders");

	set_first_kid(r, nk, nk);
	return 0;
}

static size_t d_lh_to_vk(struct regf *r)
{
	set_first_kid(r, rf_root(r), must(rf_value(r, PATH(r, "Select"), "Current"), "Current"));
	return 0;
}

static size_t d_ri_self(struct regf *r)
{
	uint32_t nk = PATH(r, "ControlSet001"), ri = rf_alloc(r, 8);
	size_t d = 0x1000 + (size_t)ri + 4;

	memcpy(r->p + d, "ri", 2);
	wr16(r, d + 2, 1);
	wr32(r, d + 4, ri);
	wr32(r, rf_cell(r, nk) + NK_SUBLIST, ri);
	return 0;
}

static size_t d_ri_deep(struct regf *r)
{
	uint32_t nk = PATH(r, "ControlSet001"), list = rd32(r, rf_cell(r, nk) + NK_SUBLIST);
	int i;

	for (i = 0; i < 40; i++) {
		uint32_t ri = rf_alloc(r, 8);
		size_t d = 0x1000 + (size_t)ri + 4;

		memcpy(r->p + d, "ri", 2);
		wr16(r, d + 2, 1);
		wr32(r, d + 4, list);
		list = ri;
	}
	wr32(r, rf_cell(r, nk) + NK_SUBLIST, list);
	return 0;
}

static size_t d_subcount(struct regf *r)
{
	size_t d = rf_cell(r, rf_root(r));

	wr32(r, d + NK_NSUB, rd32(r, d + NK_NSUB) + 1);
	return 0;
}

static size_t d_sublist_garbage(struct regf *r)
{
	wr32(r, rf_cell(r, PATH(r, "ControlSet001\\Control")) + NK_SUBLIST, 0x7FFFFFF0);
	return 0;
}

static size_t d_vallist_garbage(struct regf *r)
{
	wr32(r, rf_cell(r, PATH(r, "Select")) + NK_VALLIST, 0x00000FF0);
	return 0;
}

static size_t vk_of(struct regf *r, const char *path, const char *name)
{
	return rf_cell(r, must(rf_value(r, PATH(r, path), name), name));
}

static size_t d_vk_len_past(struct regf *r)
{
	wr32(r, vk_of(r, COMPUTERNAME, "ComputerName") + 4, 0x2000);
	return 0;
}

static size_t d_vk_inline_8(struct regf *r)
{
	wr32(r, vk_of(r, "Select", "Current") + 4, 0x80000008u);
	return 0;
}

static size_t d_vk_len_huge(struct regf *r)
{
	wr32(r, vk_of(r, COMPUTERNAME, "ComputerName") + 4, 0x7FFFFFF0);
	return 0;
}

static size_t d_vk_len_zero(struct regf *r)
{
	size_t vk = vk_of(r, COMPUTERNAME, "ComputerName");

	wr32(r, vk + 4, 0);
	wr32(r, vk + 8, 0xFFFFFFFFu);
	return 0;
}

static size_t d_vk_data_garbage(struct regf *r)
{
	wr32(r, vk_of(r, COMPUTERNAME, "ComputerName") + 8, 0x7FFFFFF0);
	return 0;
}

static size_t d_vk_type_weird(struct regf *r)
{
	wr32(r, vk_of(r, "Select", "Current") + 12, 0xFFFFFFFFu);
	return 0;
}

static size_t d_vk_name_past_cell(struct regf *r)
{
	wr16(r, vk_of(r, "Select", "Default") + 2, 0xFFFF);
	return 0;
}

/* A value of n bytes replacing ComputerName (REG_SZ), big data when large. */
static size_t big_computername(struct regf *r, size_t n)
{
	uint8_t *data = malloc(n);
	uint32_t nk = PATH(r, COMPUTERNAME), vk;
	size_t i, d;

	if (!data)
		abort();
	for (i = 0; i + 1 < n; i += 2) {
		data[i] = (uint8_t)('A' + i / 2 % 26);
		data[i + 1] = 0;
	}
	vk = rf_new_vk(r, "ComputerName", 12, 1, 1, data, n);
	free(data);
	/* The new value replaces the old one in the list. */
	d = rf_cell(r, rd32(r, rf_cell(r, nk) + NK_VALLIST));
	for (i = 0; i < rd32(r, rf_cell(r, nk) + NK_NVAL); i++)
		if (rd32(r, d + 4 * i) == rf_value(r, nk, "ComputerName"))
			wr32(r, d + 4 * i, vk);
	return 0;
}

static size_t d_value_100k(struct regf *r)
{
	return big_computername(r, 100000);
}
static size_t d_value_2m(struct regf *r)
{
	return big_computername(r, 2u << 20);
}

/* A used cell of `size` bytes (size field included) that ends the file:
 * a new 4 KiB bin holding a free cell and then it.  Returns its rel. */
static uint32_t last_cell(struct regf *r, size_t size)
{
	size_t bin;

	rf_close_bin(r);
	bin = r->n;
	rf_grow(r, 4096);
	memcpy(r->p + bin, "hbin", 4);
	wr32(r, bin + 4, (uint32_t)(bin - 0x1000));
	wr32(r, bin + 8, 4096);
	wr32(r, 0x28, (uint32_t)(r->n - 0x1000));
	wr32(r, bin + 32, (uint32_t)(4096 - 32 - size));
	wr32(r, r->n - size, (uint32_t) - (int32_t)size);
	return (uint32_t)(r->n - size - 0x1000);
}

/* hivex's big-data over-read (reference/hivex.md 5.3, item 2): a db record
 * claiming 64 segments whose list, the last cell of the file, holds 3. */
static size_t d_db_overread(struct regf *r)
{
	uint32_t dbc = rf_alloc(r, 8), seg = rf_alloc(r, 16344), list = last_cell(r, 16);
	size_t db = 0x1000 + (size_t)dbc + 4, vk;

	memcpy(r->p + db, "db", 2);
	wr16(r, db + 2, 64);
	wr32(r, db + 4, list);
	wr32(r, 0x1000 + (size_t)list + 4, seg);
	wr32(r, 0x1000 + (size_t)list + 8, seg);
	wr32(r, 0x1000 + (size_t)list + 12, seg);
	vk = vk_of(r, COMPUTERNAME, "ComputerName");
	wr32(r, vk + 4, 64 * 16344);
	wr32(r, vk + 8, dbc);
	return 0;
}

/* hivex's undersized-cell over-read (5.3, item 1): an 8-byte cell tagged
 * "nk", the last of the file, listed first under the root. */
static size_t d_tiny_nk_eof(struct regf *r)
{
	uint32_t root = rf_root(r), nk;

	rf_set_kids(r, root, &root, 1, 1); /* a first entry, replaced below */
	nk = last_cell(r, 8);
	memcpy(r->p + 0x1000 + nk + 4, "nk", 2);
	set_first_kid(r, root, nk);
	return 0;
}

static const uint8_t bad_utf16[] = {'B', 0, 0x00, 0xD8, 'a', 0, 0x00, 0xDC, 'd', 0};

static size_t d_utf16_key(struct regf *r)
{
	uint32_t root = rf_root(r), prot = PATH(r, CS "SecurityProviders\\SCHANNEL\\Protocols"), k;

	k = rf_new_nk(r, root, bad_utf16, sizeof bad_utf16, 0);
	rf_set_kids(r, root, &k, 1, 1);
	k = rf_new_nk(r, prot, bad_utf16, sizeof bad_utf16 - 1, 0); /* odd length too */
	rf_set_kids(r, prot, &k, 1, 1);
	return 0;
}

static size_t d_utf16_value(struct regf *r)
{
	uint32_t sel = PATH(r, "Select"), v[2];
	uint32_t one = 1;

	v[0] = rf_new_vk(r, bad_utf16, sizeof bad_utf16, 0, 4, &one, 4);
	v[1] = rf_new_vk(r, bad_utf16, sizeof bad_utf16 - 1, 0, 4, &one, 4);
	rf_set_values(r, sel, v, 2, 1);
	return 0;
}

static size_t d_name_past_cell(struct regf *r)
{
	uint32_t root = rf_root(r), k = rf_new_nk(r, root, "Select", 6, 1);

	wr16(r, 0x1000 + (size_t)k + 4 + NK_NAMELEN, 0xFFFF);
	rf_set_kids(r, root, &k, 1, 1);
	return 0;
}

static size_t d_deep(struct regf *r)
{
	uint32_t parent = rf_root(r), top = 0, k;
	char name[16];
	int i;

	for (i = 0; i < 100000; i++) {
		snprintf(name, sizeof name, "d%d", i);
		k = rf_new_nk(r, parent, name, strlen(name), 1);
		if (i)
			rf_set_kids(r, parent, &k, 1, 0);
		else
			top = k;
		parent = k;
	}
	rf_set_kids(r, rf_root(r), &top, 1, 0);
	return 0;
}

static size_t flips(struct regf *r, unsigned seed)
{
	size_t i;

	srand(seed);
	for (i = 0; i < 200; i++) {
		size_t at = 0x1000 + (size_t)rand() % (r->n - 0x1000);

		r->p[at] ^= (uint8_t)(1 + rand() % 255);
	}
	return 0;
}

static size_t d_flips1(struct regf *r)
{
	return flips(r, 1);
}
static size_t d_flips2(struct regf *r)
{
	return flips(r, 2);
}
static size_t d_flips3(struct regf *r)
{
	return flips(r, 3);
}

static size_t d_garbage(struct regf *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		r->p[i] = (uint8_t)(i * 131 + 17);
	return 0;
}

static size_t d_empty(struct regf *r)
{
	(void)r;
	return (size_t)-1;
}

/* n subkeys under Packages, one of them KB3140245 installed (0x70). */
static size_t wide(struct regf *r, size_t n)
{
	uint32_t pk = PATH(r, PACKAGES), *kids = calloc(n, sizeof *kids), state = 0x70, v;
	char name[96];
	size_t i;

	if (!kids)
		abort();
	for (i = 0; i < n; i++) {
		if (i == n / 2)
			snprintf(name, sizeof name,
			         "Package_for_KB3140245~31bf3856ad364e35~amd64~~6.1.2.%zu", i);
		else
			snprintf(name, sizeof name,
			         "Package_for_KB%zu~31bf3856ad364e35~amd64~~6.1.1.0", 9000000 + i);
		kids[i] = rf_new_nk(r, pk, name, strlen(name), 1);
		if (i == n / 2) {
			v = rf_new_vk(r, "CurrentState", 12, 1, 4, &state, 4);
			rf_set_values(r, kids[i], &v, 1, 0);
		}
	}
	/* Replace the list, so the key has exactly n subkeys. */
	wr32(r, rf_cell(r, pk) + NK_NSUB, 0);
	wr32(r, rf_cell(r, pk) + NK_SUBLIST, 0xFFFFFFFFu);
	rf_set_kids(r, pk, kids, n, 0);
	free(kids);
	return 0;
}

static size_t d_wide_100000(struct regf *r)
{
	return wide(r, 100000);
}
static size_t d_wide_65000(struct regf *r)
{
	return wide(r, 65000);
}

static size_t d_cert_garbage(struct regf *r)
{
	size_t vk = vk_of(r,
	                  "Microsoft\\SystemCertificates\\ROOT\\Certificates\\"
	                  "73A5E64A3BFF8316FF0EDCCC618A906E4EAE4D74",
	                  "Blob");
	size_t data = rf_cell(r, rd32(r, vk + 8)), len = rd32(r, vk + 4), i;

	for (i = 12; i < len; i++)
		r->p[data + i] ^= 0xA5;
	return 0;
}

/* ------------------------------------------------------------ variants */

struct variant {
	const char *name; /* host folder */
	int role;         /* 0: the SYSTEM hive is damaged, 1: SOFTWARE */
	damage_fn fn;
	int raw;              /* write the base block as the damage left it */
	const char *statuses; /* what the damaged hive may honestly be reported as */
};

static const struct variant variants[] = {
        {"trunc-baseblock", 0, d_trunc_baseblock, 0, "unreadable"},
        {"trunc-8191", 0, d_trunc_8k, 0, "unreadable"},
        {"trunc-after-first-bin", 0, d_trunc_first_bin, 0, "unreadable degraded"},
        {"trunc-before-last-bin", 0, d_trunc_last_bin, 0, "unreadable degraded"},
        {"trunc-mid-bin", 0, d_trunc_mid_bin, 0, "unreadable degraded"},
        {"trunc-mid-last-bin", 0, d_trunc_mid_last, 0, "unreadable degraded"},
        {"sw-trunc-mid-bin", 1, d_trunc_mid_bin, 0, "unreadable degraded"},
        {"bad-checksum", 0, d_checksum, 1, "unreadable dirty"},
        {"bad-magic", 0, d_magic, 0, "not_a_hive"},
        {"major-version-2", 0, d_major, 0, "unreadable"},
        {"file-type-log", 0, d_type_log, 0, "unreadable"},
        {"root-offset-garbage", 0, d_root_garbage, 0, "unreadable"},
        {"root-at-vk", 0, d_root_at_vk, 0, "unreadable"},
        {"bin-offset-wrong", 0, d_bin_offset, 0, "unreadable"},
        {"bin-size-not-4k", 0, d_bin_size, 0, "unreadable"},
        {"hbins-size-small", 0, d_hbins_small, 0, "unreadable degraded"},
        {"hbins-size-large", 0, d_hbins_large, 0, "unreadable degraded"},
        {"junk-counted", 0, d_junk_counted, 0, "unreadable degraded"},
        {"cell-used-to-free", 0, d_cell_free, 0, "unreadable degraded"},
        {"cell-size-zero", 0, d_cell_zero, 0, "unreadable degraded"},
        {"cell-size-odd", 0, d_cell_odd, 0, "unreadable degraded"},
        {"cell-past-bin", 0, d_cell_past_bin, 0, "unreadable"},
        {"zeroed-bin", 0, d_zeroed_bin, 0, "unreadable degraded"},
        /* A cycle is harmless to a reader that follows named paths only. */
        {"lh-loop-to-root", 0, d_lh_loop_root, 0, "ok degraded"},
        {"lh-self", 0, d_lh_self, 0, "ok degraded"},
        {"lh-entry-is-vk", 0, d_lh_to_vk, 0, "unreadable degraded"},
        {"ri-self", 0, d_ri_self, 0, "unreadable degraded"},
        {"ri-nested-40", 0, d_ri_deep, 0, "unreadable degraded"},
        {"subkey-count-wrong", 0, d_subcount, 0, "unreadable degraded"},
        {"subkey-list-garbage", 0, d_sublist_garbage, 0, "unreadable degraded"},
        {"value-list-garbage", 0, d_vallist_garbage, 0, "unreadable degraded"},
        {"value-len-past-data", 0, d_vk_len_past, 0, "unreadable degraded"},
        {"value-inline-len-8", 0, d_vk_inline_8, 0, "unreadable degraded"},
        {"value-len-huge", 0, d_vk_len_huge, 0, "unreadable degraded"},
        {"value-len-zero", 0, d_vk_len_zero, 0, "ok"},
        {"value-data-garbage", 0, d_vk_data_garbage, 0, "unreadable degraded"},
        {"value-type-weird", 0, d_vk_type_weird, 0, "ok"},
        {"value-name-past-cell", 0, d_vk_name_past_cell, 0, "unreadable degraded"},
        {"value-100k-big-data", 0, d_value_100k, 0, "ok"},
        {"value-2m-big-data", 0, d_value_2m, 0, "ok"},
        /* hivex's own crash paths: contained in a worker, or harmless. */
        {"db-list-overread", 0, d_db_overread, 0, "unreadable degraded worker-death"},
        {"tiny-nk-at-eof", 0, d_tiny_nk_eof, 0, "ok unreadable degraded worker-death"},
        {"utf16-bad-key-names", 0, d_utf16_key, 0, "ok"},
        {"utf16-bad-value-names", 0, d_utf16_value, 0, "ok"},
        {"key-name-past-cell", 0, d_name_past_cell, 0, "ok"},
        {"nested-100000", 0, d_deep, 0, "ok"},
        {"flips-1", 0, d_flips1, 0, "unreadable degraded dirty worker-death"},
        {"flips-2", 0, d_flips2, 0, "unreadable degraded dirty worker-death"},
        {"flips-3", 1, d_flips3, 0, "unreadable degraded dirty worker-death"},
        {"garbage", 0, d_garbage, 1, "not_a_hive"},
        {"empty", 1, d_empty, 1, "not_a_hive"},
        {"wide-100000", 1, d_wide_100000, 0, "unreadable degraded"},
        {"wide-65000", 1, d_wide_65000, 0, "ok"},
        {"cert-blob-garbage", 1, d_cert_garbage, 0, "ok"},
};
#define NVARIANTS (sizeof variants / sizeof variants[0])

static const char *const role_file[] = {"SYSTEM", "SOFTWARE"};

/* Writes every variant into dir/<name>/, the damaged hive beside the
 * intact other one.  0 or -1. */
static int write_corpus(const char *dir)
{
	char *intact[2];
	size_t i;
	int rc = 0;

	for (i = 0; i < 2; i++)
		intact[i] = ha_asprintf("%s/samples/fleet/" BASE_HOST "/%s", tu_source_dir(),
		                        role_file[i]);
	for (i = 0; i < NVARIANTS && !rc; i++) {
		const struct variant *v = &variants[i];
		char *bad = ha_asprintf("%s/%s/%s", dir, v->name, role_file[v->role]);
		char *good = ha_asprintf("%s/%s/%s", dir, v->name, role_file[!v->role]);
		struct regf r;
		size_t cut;

		if (rf_load(&r, intact[v->role]) != 0) {
			fprintf(stderr, "cannot load %s\n", intact[v->role]);
			rc = -1;
		} else {
			cut = v->fn(&r);
			rf_close_bin(&r);
			if (!v->raw)
				rf_checksum(&r);
			if (cut == (size_t)-1)
				cut = 0;
			else if (cut == 0 || cut > r.n)
				cut = r.n;
			if (tu_write(bad, r.p, cut) != 0 || tu_copy(intact[!v->role], good) != 0)
				rc = -1;
		}
		rf_free(&r);
		free(bad);
		free(good);
	}
	free(intact[0]);
	free(intact[1]);
	return rc;
}

/* ------------------------------------------------------------ checking */

static int in_set(const char *set, const char *s)
{
	size_t n = strlen(s);
	const char *p = set;

	while ((p = strstr(p, s)) != NULL) {
		if ((p == set || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return 1;
		p += n;
	}
	return 0;
}

struct scan {
	int rc;
	double secs;
	char *err;
	char *san; /* sanitizer reports, or NULL */
	int orphans;
};

/* Runs `hiveaudit scan` on `paths` into out; sanitizer reports go to
 * files under tmp/san (a worker's stderr is private to it). */
static void scan(const char *out, const char *jobs, char *const *paths, size_t npaths,
                 struct scan *res)
{
	char *argv[64], *sandir = ha_asprintf("%s/san", tmp), *a, *u;
	const char *env[3];
	size_t n = 0, i;
	double t0;

	mkdir(sandir, 0755);
	a = ha_asprintf("log_path=%s/asan", sandir);
	u = ha_asprintf("log_path=%s/ubsan", sandir);
	env[0] = tp_env_add("ASAN_OPTIONS", a);
	env[1] = tp_env_add("UBSAN_OPTIONS", u);
	env[2] = NULL;
	argv[n++] = (char *)tu_hiveaudit();
	argv[n++] = (char *)"scan";
	argv[n++] = (char *)"-q";
	argv[n++] = (char *)"--as-of";
	argv[n++] = (char *)"2026-01-01";
	argv[n++] = (char *)"--timeout";
	argv[n++] = (char *)"60";
	argv[n++] = (char *)"-j";
	argv[n++] = (char *)jobs;
	argv[n++] = (char *)"--out";
	argv[n++] = (char *)out;
	for (i = 0; i < npaths && n < 63; i++)
		argv[n++] = paths[i];
	argv[n] = NULL;
	t0 = tp_now();
	res->rc = tu_run(argv, env, NULL, &res->err);
	res->secs = tp_now() - t0;
	res->orphans = tp_leftovers(0);
	res->san = tp_collect(sandir);
	free((char *)env[0]);
	free((char *)env[1]);
	free(a);
	free(u);
	free(sandir);
}

/* Checks the damaged hive of variant v in the store at dbpath: one row,
 * an allowed status, a reason.  Returns its reason (malloc'd) or NULL. */
static char *check_hive(sqlite3 *db, const struct variant *v, int verbose)
{
	char *like = ha_asprintf("%%/%s/%s", v->name, role_file[v->role]);
	char *reason = NULL;
	sqlite3_stmt *s;
	int rows = 0;

	if (sqlite3_prepare_v2(db, "SELECT status, reason FROM hives WHERE path LIKE ?", -1, &s,
	                       NULL) != SQLITE_OK) {
		check_fail(__FILE__, __LINE__, "%s: cannot query the store: %s", v->name,
		           sqlite3_errmsg(db));
		free(like);
		return NULL;
	}
	sqlite3_bind_text(s, 1, like, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *st = (const char *)sqlite3_column_text(s, 0);
		const char *re = (const char *)sqlite3_column_text(s, 1);

		rows++;
		if (verbose)
			fprintf(stderr, "  %-24s %-10s %.160s\n", v->name, st ? st : "?",
			        re ? re : "");
		if (!st || !in_set(v->statuses, st)) {
			check_fail(__FILE__, __LINE__, "%s: status '%s' is not one of '%s' (%s)",
			           v->name, st ? st : "(null)", v->statuses, re ? re : "");
		}
		if (!re || !*re)
			check_fail(__FILE__, __LINE__, "%s: status without a reason", v->name);
		/* A worker that died: only hivex's own crash paths may do that
		 * (the reason then quotes any sanitizer report, see worker.c). */
		if (re && (strstr(re, "runtime error") || strstr(re, "Sanitizer")))
			check_fail(__FILE__, __LINE__, "%s: sanitizer report in a worker: %s",
			           v->name, re);
		else if (re && strstr(re, "worker ") && !in_set(v->statuses, "worker-death"))
			check_fail(__FILE__, __LINE__, "%s: the worker died: %s", v->name, re);
		else if (!reason)
			reason = ha_strdup(re);
	}
	sqlite3_finalize(s);
	if (rows != 1) {
		check_fail(__FILE__, __LINE__, "%s: %d rows for the damaged hive, expected 1",
		           v->name, rows);
	}
	free(like);
	return reason;
}

/* A sanitizer report is acceptable only when it is a fault inside hivex
 * that the worker pool contained (the hive's reason says the worker died). */
static void check_sanitizers(const char *what, const char *san, const char *reason)
{
	if (!san)
		return;
	if (strstr(san, "libhivex") && !strstr(san, "hiveaudit/") && reason &&
	    strstr(reason, "worker")) {
		fprintf(stderr, "  %s: a fault inside hivex, contained by the worker pool\n", what);
		return;
	}
	check_fail(__FILE__, __LINE__, "%s: sanitizer report:\n%s", what, san);
}

/* The parent's own sanitizer reports (UBSan writes to stderr whatever
 * log_path says). */
static void check_stderr(const char *what, const char *err)
{
	if (err && (strstr(err, "runtime error") || strstr(err, "Sanitizer")))
		check_fail(__FILE__, __LINE__, "%s: sanitizer report:\n%s", what, err);
}

static char *corpus; /* tmp/corpus */

static void test_each_variant_alone(void)
{
	size_t i;
	double worst = 0;
	const char *worst_name = "";

	for (i = 0; i < NVARIANTS; i++) {
		const struct variant *v = &variants[i];
		char *host = ha_asprintf("%s/%s", corpus, v->name);
		char *out = ha_asprintf("%s/out/%s", tmp, v->name);
		char *dbpath = ha_asprintf("%s/audit.db", out);
		char *reason = NULL;
		struct scan res;
		sqlite3 *db;

		scan(out, "1", &host, 1, &res);
		check_stderr(v->name, res.err);
		if (res.rc != 0 && res.rc != 1)
			check_fail(__FILE__, __LINE__, "%s: exit %d, expected 0 or 1: %s", v->name,
			           res.rc, res.err ? res.err : "");
		if (res.secs > MAX_SCAN_SECONDS)
			check_fail(__FILE__, __LINE__, "%s: the scan took %.1f s", v->name,
			           res.secs);
		if (res.orphans)
			check_fail(__FILE__, __LINE__, "%s: %d processes left behind", v->name,
			           res.orphans);
		if (res.secs > worst) {
			worst = res.secs;
			worst_name = v->name;
		}
		if (sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
			reason = check_hive(db, v, 1);
			/* The host is stored whole: one finding per rule. */
			CHECK_INT(tp_scalar(db, "SELECT count(*) FROM hosts"), 1);
			CHECK_INT(tp_scalar(db, "SELECT count(*) FROM findings"),
			          tp_scalar(db, "SELECT count(*) FROM rules"));
			CHECK_INT(tp_scalar(db,
			                    "SELECT count(*) FROM runs WHERE status = 'complete'"),
			          1);
		} else {
			check_fail(__FILE__, __LINE__, "%s: no store", v->name);
		}
		sqlite3_close(db);
		check_sanitizers(v->name, res.san, reason);
		free(reason);
		free(res.err);
		free(res.san);
		free(host);
		tu_rmtree(out);
		free(out);
		free(dbpath);
	}
	fprintf(stderr, "  slowest: %s, %.1f s\n", worst_name, worst);
}

static void test_all_variants_together(void)
{
	char *out = ha_asprintf("%s/out-all", tmp), *dbpath = ha_asprintf("%s/audit.db", out);
	struct scan res;
	sqlite3 *db;
	size_t i;

	scan(out, "2", &corpus, 1, &res);
	check_stderr("all variants", res.err);
	if (res.rc != 0 && res.rc != 1)
		check_fail(__FILE__, __LINE__, "exit %d, expected 0 or 1: %s", res.rc,
		           res.err ? res.err : "");
	CHECK_INT(res.orphans, 0);
	fprintf(stderr, "  %zu damaged hosts in %.1f s\n", NVARIANTS, res.secs);
	if (res.secs > MAX_SCAN_SECONDS * 2)
		check_fail(__FILE__, __LINE__, "the scan took %.1f s", res.secs);
	if (sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		check_fail(__FILE__, __LINE__, "no store");
	} else {
		char *reasons = NULL;

		CHECK_INT(tp_scalar(db, "SELECT count(*) FROM hosts"), (long long)NVARIANTS);
		for (i = 0; i < NVARIANTS; i++) {
			char *r = check_hive(db, &variants[i], 0);

			if (r && strstr(r, "worker"))
				reasons = r;
			else
				free(r);
		}
		check_sanitizers("all variants", res.san, reasons);
		free(reasons);
	}
	sqlite3_close(db);
	free(res.err);
	free(res.san);
	free(out);
	free(dbpath);
}

int main(int argc, char **argv)
{
	static const struct check_case cases[] = {
	        CHECK_CASE(test_each_variant_alone),
	        CHECK_CASE(test_all_variants_together),
	};
	int rc;

	if (argc == 3 && strcmp(argv[1], "--write") == 0)
		return write_corpus(argv[2]) == 0 ? 0 : 1;
	/* Orphans of the scans are re-parented here, so none can hide. */
	tp_become_subreaper();
	tmp = tu_tempdir("damaged");
	if (!tmp)
		return 1;
	corpus = ha_asprintf("%s/corpus", tmp);
	if (!corpus || write_corpus(corpus) != 0) {
		fprintf(stderr, "cannot write the damaged corpus\n");
		return 1;
	}
	rc = check_run(cases, sizeof cases / sizeof cases[0], argc, argv);
	if (!rc)
		tu_rmtree(tmp);
	free(corpus);
	free(tmp);
	return rc;
}
