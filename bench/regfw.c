/* regfw.c: see regfw.h.
 *
 * FORMAT WRITTEN (msuhanov/regf, "Windows registry file format
 * specification"; all integers little-endian; a cell offset is relative to
 * the first hive bin, file offset 0x1000)
 *
 *   base block, file offset 0, 4096 bytes
 *     0x000 "regf"       0x004 primary sequence   0x008 secondary sequence
 *     0x00C last written FILETIME                 0x014 major 1, 0x018 minor 5
 *     0x01C type 0 (primary)   0x020 format 1     0x024 root cell offset
 *     0x028 hive bins data size                   0x02C clustering factor 1
 *     0x030 embedded file name, UTF-16LE, at most 32 code units
 *     0x1FC XOR of the 127 dwords before it
 *   hive bin, a multiple of 4096 bytes
 *     0 "hbin"  4 its own offset  8 its size  0x14 FILETIME (first bin)
 *     then cells from +0x20 to the end of the bin
 *   cell: i32 size (negative: in use), then data; sizes are multiples of 8
 *     and the cells of a bin tile it exactly (the tail is one free cell)
 *   nk (key): 0 "nk"  2 flags (0x20 Latin-1 name; 0x2C on the root)
 *     4 last written  16 parent  20 subkey count  28 subkey list
 *     32 volatile list (-1)  36 value count  40 value list  44 sk
 *     48 class (-1)  52 longest subkey name  60 longest value name
 *     64 longest value data  72 name length  74 class length  76 name
 *   vk (value): 0 "vk"  2 name length  4 data size (bit 31: data held in the
 *     next field)  8 data cell  12 type  16 flags (1: Latin-1 name)  20 name
 *   value list: one cell of u32 vk offsets
 *   lh: "lh", u16 count, then count x (u32 nk offset, u32 name hash); the
 *     hash is h = 37 * h + upper(c) over the name.  A key with more than
 *     LEAF_MAX subkeys gets an ri: "ri", u16 count, u32 offsets of lh
 *     leaves, as Windows splits large lists so that a leaf fits one bin.
 *   sk: "sk", u16 0, u32 flink, u32 blink, u32 reference count, u32 size,
 *     a self-relative security descriptor.  One sk serves every key.
 *
 * Layout is depth-first in key order, each key followed by its value list,
 * values and data, then its subkey list, which keeps a key's cells close
 * together as a freshly written Windows hive does.  hivex_open checks every
 * bin and cell header, so the bench's self-test opens all output with it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "regfw.h"

#define BIN         4096u
#define LEAF_MAX    507u /* (4096 - 32 - 8) / 8: one lh leaf fills at most one bin */
#define ARENA_CHUNK ((size_t)1 << 20)
#define NONE        0xFFFFFFFFu

struct rw_val {
	const char *name;
	uint16_t namelen;
	uint32_t type;
	uint32_t len;
	const uint8_t *data;
	uint32_t off, doff;
};

struct rw_key {
	const char *name;
	uint16_t namelen;
	int64_t time;
	struct rw_key **kids;
	uint32_t nkids, capkids;
	struct rw_val *vals;
	uint32_t nvals, capvals;
	uint32_t off, vlist, slist;
	uint32_t *leaves; /* lh leaves under an ri (malloc'd), or NULL */
};

struct chunk {
	struct chunk *next;
	size_t used, size;
	unsigned char data[];
};

struct rw_hive {
	struct rw_key root;
	struct chunk *arena;
	uint64_t est; /* bytes of cells so far, see rw_estimate */
	uint64_t nkeys, nvals;
};

/* ------------------------------------------------------------- memory */

static void *arena_alloc(struct rw_hive *h, size_t n)
{
	struct chunk *c = h->arena;

	n = (n + 7) & ~(size_t)7;
	if (!c || c->size - c->used < n) {
		size_t size = n > ARENA_CHUNK / 4 ? n : ARENA_CHUNK;

		c = malloc(sizeof *c + size);
		if (!c)
			return NULL;
		c->size = size;
		c->used = 0;
		/* A large block gets its own chunk behind the current one, so
		 * the current chunk's free space is not abandoned. */
		if (size != ARENA_CHUNK && h->arena) {
			c->next = h->arena->next;
			h->arena->next = c;
		} else {
			c->next = h->arena;
			h->arena = c;
		}
	}
	c->used += n;
	return c->data + c->used - n;
}

static const char *arena_str(struct rw_hive *h, const char *s, size_t n)
{
	char *p = arena_alloc(h, n + 1);

	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static void free_key(struct rw_key *k)
{
	uint32_t i;

	for (i = 0; i < k->nkids; i++)
		free_key(k->kids[i]);
	free(k->kids);
	free(k->vals);
	free(k->leaves);
}

void rw_free(struct rw_hive *h)
{
	struct chunk *c, *n;

	if (!h)
		return;
	free_key(&h->root);
	for (c = h->arena; c; c = n) {
		n = c->next;
		free(c);
	}
	free(h);
}

/* ------------------------------------------------------------ building */

static size_t align8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

static size_t nk_cell(size_t namelen)
{
	return align8(4 + 76 + namelen);
}
static size_t vk_cell(size_t namelen)
{
	return align8(4 + 20 + namelen);
}
static size_t data_cell(size_t len)
{
	return len > 4 ? align8(4 + len) : 0;
}

static int upper(int c)
{
	return (c >= 'a' && c <= 'z') ? c - 32 : c;
}

/* Key names are 1-255 characters without a backslash; value names may be
 * empty (the default value) and may hold backslashes ("\\??\\Volume{...}"
 * in MountedDevices).  Only printable ASCII is written here. */
static int name_ok(const char *s, size_t n, int is_value)
{
	size_t i;

	if ((!n && !is_value) || n > 255)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7E ||
		    (s[i] == '\\' && !is_value))
			return 0;
	return 1;
}

static int ncaseeq(const char *a, size_t an, const char *b, size_t bn)
{
	size_t i;

	if (an != bn)
		return 0;
	for (i = 0; i < an; i++)
		if (upper((unsigned char)a[i]) != upper((unsigned char)b[i]))
			return 0;
	return 1;
}

struct rw_hive *rw_new(const char *root_name, int64_t filetime)
{
	struct rw_hive *h = calloc(1, sizeof *h);
	size_t n = strlen(root_name);

	if (!h)
		return NULL;
	h->root.time = filetime;
	h->root.name = name_ok(root_name, n, 0) ? arena_str(h, root_name, n) : NULL;
	if (!h->root.name) {
		rw_free(h);
		return NULL;
	}
	h->root.namelen = (uint16_t)n;
	h->est = nk_cell(n);
	h->nkeys = 1;
	return h;
}

struct rw_key *rw_root(struct rw_hive *h)
{
	return &h->root;
}

void rw_set_time(struct rw_key *k, int64_t filetime)
{
	k->time = filetime;
}

static struct rw_key *add_n(struct rw_hive *h, struct rw_key *parent, const char *name, size_t n)
{
	struct rw_key *k;

	if (!name_ok(name, n, 0))
		return NULL;
	if (parent->nkids == parent->capkids) {
		uint32_t cap = parent->capkids ? parent->capkids * 2 : 4;
		struct rw_key **v = realloc(parent->kids, cap * sizeof *v);

		if (!v)
			return NULL;
		parent->kids = v;
		parent->capkids = cap;
	}
	k = arena_alloc(h, sizeof *k);
	if (!k)
		return NULL;
	memset(k, 0, sizeof *k);
	k->name = arena_str(h, name, n);
	if (!k->name)
		return NULL;
	k->namelen = (uint16_t)n;
	k->time = parent->time;
	if (!parent->nkids)
		h->est += 8; /* the list's header, about */
	parent->kids[parent->nkids++] = k;
	h->est += nk_cell(n) + 8;
	h->nkeys++;
	return k;
}

struct rw_key *rw_add(struct rw_hive *h, struct rw_key *parent, const char *name)
{
	return add_n(h, parent, name, strlen(name));
}

struct rw_key *rw_path(struct rw_hive *h, struct rw_key *from, const char *path)
{
	struct rw_key *k = from;

	while (*path) {
		const char *e = strchr(path, '\\');
		size_t n = e ? (size_t)(e - path) : strlen(path);
		struct rw_key *next = NULL;
		uint32_t i;

		for (i = 0; i < k->nkids; i++) {
			if (ncaseeq(k->kids[i]->name, k->kids[i]->namelen, path, n)) {
				next = k->kids[i];
				break;
			}
		}
		if (!next)
			next = add_n(h, k, path, n);
		if (!next)
			return NULL;
		k = next;
		path = e ? e + 1 : path + n;
	}
	return k;
}

static int put_value(struct rw_hive *h, struct rw_key *k, struct rw_val *v, uint32_t type,
                     const void *data, size_t len)
{
	uint8_t *copy = NULL;

	if (len > RW_MAX_DATA)
		return -1;
	if (len) {
		copy = arena_alloc(h, len);
		if (!copy)
			return -1;
		memcpy(copy, data, len);
	}
	v->type = type;
	v->len = (uint32_t)len;
	v->data = copy;
	(void)k;
	return 0;
}

int rw_add_value(struct rw_hive *h, struct rw_key *k, const char *name, uint32_t type,
                 const void *data, size_t len)
{
	size_t n = strlen(name);
	struct rw_val *v;

	if (!name_ok(name, n, 1) || len > RW_MAX_DATA || k->nvals >= 65535)
		return -1;
	if (k->nvals == k->capvals) {
		uint32_t cap = k->capvals ? k->capvals * 2 : 4;
		struct rw_val *nv = realloc(k->vals, cap * sizeof *nv);

		if (!nv)
			return -1;
		k->vals = nv;
		k->capvals = cap;
	}
	v = &k->vals[k->nvals];
	memset(v, 0, sizeof *v);
	v->name = arena_str(h, name, n);
	if (!v->name || put_value(h, k, v, type, data, len))
		return -1;
	v->namelen = (uint16_t)n;
	if (!k->nvals)
		h->est += 8;
	k->nvals++;
	h->est += vk_cell(n) + data_cell(len) + 4;
	h->nvals++;
	return 0;
}

int rw_set(struct rw_hive *h, struct rw_key *k, const char *name, uint32_t type, const void *data,
           size_t len)
{
	size_t n = strlen(name);
	uint32_t i;

	for (i = 0; i < k->nvals; i++) {
		struct rw_val *v = &k->vals[i];

		if (ncaseeq(v->name, v->namelen, name, n)) {
			size_t old = data_cell(v->len);

			if (put_value(h, k, v, type, data, len))
				return -1;
			h->est = h->est - old + data_cell(len);
			return 0;
		}
	}
	return rw_add_value(h, k, name, type, data, len);
}

/* UTF-8 (BMP) to UTF-16LE with a terminating NUL; *out is malloc'd. */
static int utf16(const char *s, uint8_t **out, size_t *outlen)
{
	size_t n = strlen(s), i, o = 0;
	uint8_t *u = malloc(2 * n + 2);

	if (!u)
		return -1;
	for (i = 0; i < n;) {
		unsigned c = (unsigned char)s[i];

		if (c >= 0xC0 && c < 0xE0 && i + 1 < n) {
			c = ((c & 0x1F) << 6) | ((unsigned char)s[i + 1] & 0x3F);
			i += 2;
		} else if (c >= 0xE0 && c < 0xF0 && i + 2 < n) {
			c = ((c & 0x0F) << 12) | (((unsigned char)s[i + 1] & 0x3F) << 6) |
			    ((unsigned char)s[i + 2] & 0x3F);
			i += 3;
		} else {
			i++;
		}
		u[o++] = (uint8_t)c;
		u[o++] = (uint8_t)(c >> 8);
	}
	u[o++] = 0;
	u[o++] = 0;
	*out = u;
	*outlen = o;
	return 0;
}

int rw_set_sz(struct rw_hive *h, struct rw_key *k, const char *name, uint32_t type,
              const char *text)
{
	uint8_t *u;
	size_t n;
	int rc;

	if (utf16(text, &u, &n))
		return -1;
	rc = rw_set(h, k, name, type, u, n);
	free(u);
	return rc;
}

int rw_set_dword(struct rw_hive *h, struct rw_key *k, const char *name, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};

	return rw_set(h, k, name, RW_DWORD, b, 4);
}

int rw_set_qword(struct rw_hive *h, struct rw_key *k, const char *name, uint64_t v)
{
	uint8_t b[8];
	int i;

	for (i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	return rw_set(h, k, name, RW_QWORD, b, 8);
}

int rw_set_multi(struct rw_hive *h, struct rw_key *k, const char *name, const char *const *s,
                 size_t n)
{
	uint8_t buf[RW_MAX_DATA];
	size_t used = 0, i;

	for (i = 0; i < n; i++) {
		uint8_t *u;
		size_t ul;

		if (utf16(s[i], &u, &ul))
			return -1;
		if (used + ul + 2 > sizeof buf) {
			free(u);
			return -1;
		}
		memcpy(buf + used, u, ul);
		used += ul;
		free(u);
	}
	buf[used++] = 0;
	buf[used++] = 0;
	return rw_set(h, k, name, RW_MULTI_SZ, buf, used);
}

uint64_t rw_estimate(const struct rw_hive *h)
{
	/* Cells, the sk cell, the base block, and about 1.5 % left free at
	 * the ends of bins (measured on the bench's hives). */
	return BIN + h->est + 256 + h->est / 64;
}

/* -------------------------------------------------------------- layout */

struct bin {
	uint32_t start, size, used_end;
};

struct lay {
	uint32_t bin_end, pos;
	struct bin *bins;
	size_t nbins, capbins;
	uint32_t sk;
	int failed;
	char dup[600];
};

/* Reserves a cell of at least n bytes (size field included) and returns its
 * offset.  A cell that does not fit in the current bin opens a new one, as
 * large as it needs, and the old bin's tail becomes a free cell. */
static uint32_t cell_alloc(struct lay *L, size_t n)
{
	uint32_t off;

	n = align8(n < 8 ? 8 : n);
	if ((uint64_t)L->pos + n > L->bin_end) {
		uint64_t size = n + 32 <= BIN ? BIN : ((n + 32 + BIN - 1) / BIN) * BIN;
		struct bin *b;

		if ((uint64_t)L->bin_end + size > 0x7FFFF000u) {
			L->failed = 1;
			return 0;
		}
		if (L->nbins)
			L->bins[L->nbins - 1].used_end = L->pos;
		if (L->nbins == L->capbins) {
			size_t cap = L->capbins ? L->capbins * 2 : 256;
			struct bin *v = realloc(L->bins, cap * sizeof *v);

			if (!v) {
				L->failed = 1;
				return 0;
			}
			L->bins = v;
			L->capbins = cap;
		}
		b = &L->bins[L->nbins++];
		b->start = L->bin_end;
		b->size = (uint32_t)size;
		b->used_end = 0;
		L->bin_end += (uint32_t)size;
		L->pos = b->start + 32;
	}
	off = L->pos;
	L->pos += (uint32_t)n;
	return off;
}

static int by_upper_name(const void *a, const void *b)
{
	const struct rw_key *x = *(const struct rw_key *const *)a;
	const struct rw_key *y = *(const struct rw_key *const *)b;
	size_t i, n = x->namelen < y->namelen ? x->namelen : y->namelen;

	for (i = 0; i < n; i++) {
		int d = upper((unsigned char)x->name[i]) - upper((unsigned char)y->name[i]);

		if (d)
			return d;
	}
	return (int)x->namelen - (int)y->namelen;
}

static void place(struct lay *L, struct rw_key *k, int is_root)
{
	uint32_t i;

	if (!is_root)
		k->off = cell_alloc(L, nk_cell(k->namelen));
	k->vlist = NONE;
	k->slist = NONE;
	if (k->nvals) {
		k->vlist = cell_alloc(L, 4 + 4 * (size_t)k->nvals);
		for (i = 0; i < k->nvals; i++) {
			struct rw_val *v = &k->vals[i];

			v->off = cell_alloc(L, vk_cell(v->namelen));
			v->doff = v->len > 4 ? cell_alloc(L, data_cell(v->len)) : NONE;
		}
	}
	if (k->nkids) {
		qsort(k->kids, k->nkids, sizeof *k->kids, by_upper_name);
		for (i = 1; i < k->nkids; i++) {
			if (!by_upper_name(&k->kids[i - 1], &k->kids[i]) && !L->dup[0]) {
				snprintf(L->dup, sizeof L->dup, "two subkeys named '%s' under '%s'",
				         k->kids[i]->name, k->name);
				L->failed = 1;
			}
		}
		if (k->nkids <= LEAF_MAX) {
			k->slist = cell_alloc(L, 8 + 8 * (size_t)k->nkids);
		} else {
			uint32_t leaves = (k->nkids + LEAF_MAX - 1) / LEAF_MAX;

			k->slist = cell_alloc(L, 8 + 4 * (size_t)leaves);
			free(k->leaves);
			k->leaves = malloc(leaves * sizeof *k->leaves);
			if (!k->leaves) {
				L->failed = 1;
				return;
			}
			for (i = 0; i < leaves; i++) {
				uint32_t cnt = i + 1 < leaves ? LEAF_MAX : k->nkids - i * LEAF_MAX;

				k->leaves[i] = cell_alloc(L, 8 + 8 * (size_t)cnt);
			}
		}
		for (i = 0; i < k->nkids; i++)
			place(L, k->kids[i], 0);
	}
}

/* ------------------------------------------------------------- writing */

static void le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void le64(uint8_t *p, uint64_t v)
{
	le32(p, (uint32_t)v);
	le32(p + 4, (uint32_t)(v >> 32));
}

/* The cell at `off` marked used with the size the layout gave it. */
static uint8_t *cell_at(uint8_t *hb, uint32_t off, size_t n)
{
	n = align8(n < 8 ? 8 : n);
	le32(hb + off, (uint32_t) - (int32_t)n);
	return hb + off + 4;
}

static uint32_t name_hash(const struct rw_key *k)
{
	uint32_t h = 0;
	uint16_t i;

	for (i = 0; i < k->namelen; i++)
		h = 37 * h + (uint32_t)upper((unsigned char)k->name[i]);
	return h;
}

static void write_lh(uint8_t *hb, uint32_t off, struct rw_key *const *kids, uint32_t n)
{
	uint8_t *d = cell_at(hb, off, 8 + 8 * (size_t)n);
	uint32_t i;

	memcpy(d, "lh", 2);
	le16(d + 2, (uint16_t)n);
	for (i = 0; i < n; i++) {
		le32(d + 4 + 8 * i, kids[i]->off);
		le32(d + 8 + 8 * i, name_hash(kids[i]));
	}
}

static void emit(uint8_t *hb, const struct lay *L, const struct rw_key *k, uint32_t parent,
                 int is_root, uint64_t *nkeys)
{
	uint8_t *d = cell_at(hb, k->off, nk_cell(k->namelen));
	uint32_t i, maxkid = 0, maxvname = 0, maxdata = 0;

	for (i = 0; i < k->nkids; i++)
		if (k->kids[i]->namelen > maxkid)
			maxkid = k->kids[i]->namelen;
	for (i = 0; i < k->nvals; i++) {
		if (k->vals[i].namelen > maxvname)
			maxvname = k->vals[i].namelen;
		if (k->vals[i].len > maxdata)
			maxdata = k->vals[i].len;
	}
	memcpy(d, "nk", 2);
	le16(d + 2, is_root ? 0x2C : 0x20);
	le64(d + 4, (uint64_t)k->time);
	le32(d + 16, parent);
	le32(d + 20, k->nkids);
	le32(d + 28, k->slist);
	le32(d + 32, NONE);
	le32(d + 36, k->nvals);
	le32(d + 40, k->vlist);
	le32(d + 44, L->sk);
	le32(d + 48, NONE);
	le32(d + 52, 2 * maxkid);
	le32(d + 60, 2 * maxvname);
	le32(d + 64, maxdata);
	le16(d + 72, k->namelen);
	memcpy(d + 76, k->name, k->namelen);
	(*nkeys)++;

	if (k->nvals) {
		uint8_t *vl = cell_at(hb, k->vlist, 4 + 4 * (size_t)k->nvals);

		for (i = 0; i < k->nvals; i++) {
			const struct rw_val *v = &k->vals[i];
			uint8_t *vk = cell_at(hb, v->off, vk_cell(v->namelen));

			le32(vl + 4 * i, v->off);
			memcpy(vk, "vk", 2);
			le16(vk + 2, v->namelen);
			le32(vk + 12, v->type);
			le16(vk + 16, v->namelen ? 1 : 0);
			memcpy(vk + 20, v->name, v->namelen);
			if (v->len > 4) {
				le32(vk + 4, v->len);
				le32(vk + 8, v->doff);
				memcpy(cell_at(hb, v->doff, 4 + (size_t)v->len), v->data, v->len);
			} else {
				/* Short data lives in the offset field itself. */
				le32(vk + 4, v->len | 0x80000000u);
				if (v->len)
					memcpy(vk + 8, v->data, v->len);
			}
		}
	}
	if (k->nkids) {
		if (k->nkids <= LEAF_MAX) {
			write_lh(hb, k->slist, k->kids, k->nkids);
		} else {
			uint32_t leaves = (k->nkids + LEAF_MAX - 1) / LEAF_MAX;
			uint8_t *ri = cell_at(hb, k->slist, 8 + 4 * (size_t)leaves);

			memcpy(ri, "ri", 2);
			le16(ri + 2, (uint16_t)leaves);
			for (i = 0; i < leaves; i++) {
				uint32_t cnt = i + 1 < leaves ? LEAF_MAX : k->nkids - i * LEAF_MAX;

				le32(ri + 4 + 4 * i, k->leaves[i]);
				write_lh(hb, k->leaves[i], k->kids + i * LEAF_MAX, cnt);
			}
		}
		for (i = 0; i < k->nkids; i++)
			emit(hb, L, k->kids[i], k->off, 0, nkeys);
	}
}

static size_t put_sid(uint8_t *p, uint8_t subs, uint32_t a, uint32_t b)
{
	p[0] = 1;
	p[1] = subs;
	memset(p + 2, 0, 5);
	p[7] = 5; /* NT authority */
	le32(p + 8, a);
	if (subs > 1)
		le32(p + 12, b);
	return 8 + 4u * subs;
}

/* A self-relative security descriptor: owner Administrators, group SYSTEM,
 * a DACL giving Administrators and SYSTEM full control and Users read, as
 * most keys of a machine hive carry.  Returns its length (< 256). */
static size_t security_descriptor(uint8_t *sd)
{
	static const struct {
		uint32_t mask;
		uint8_t subs;
		uint32_t a, b;
	} aces[] = {{0xF003F, 2, 32, 544}, {0xF003F, 1, 18, 0}, {0x20019, 2, 32, 545}};
	size_t o = 20, acllen = 8, i;
	uint8_t *acl;

	memset(sd, 0, 256);
	sd[0] = 1;
	le16(sd + 2, 0x8004); /* self-relative, DACL present */
	le32(sd + 4, (uint32_t)o);
	o += put_sid(sd + o, 2, 32, 544);
	le32(sd + 8, (uint32_t)o);
	o += put_sid(sd + o, 1, 18, 0);
	le32(sd + 16, (uint32_t)o);
	acl = sd + o;
	acl[0] = 2;
	for (i = 0; i < sizeof aces / sizeof aces[0]; i++) {
		uint8_t *ace = acl + acllen;
		size_t sl = put_sid(ace + 8, aces[i].subs, aces[i].a, aces[i].b);

		ace[0] = 0;    /* ACCESS_ALLOWED */
		ace[1] = 0x02; /* container inherit */
		le16(ace + 2, (uint16_t)(8 + sl));
		le32(ace + 4, aces[i].mask);
		acllen += 8 + sl;
	}
	le16(acl + 2, (uint16_t)acllen);
	le16(acl + 4, (uint16_t)(sizeof aces / sizeof aces[0]));
	return o + acllen;
}

static uint32_t xor_sum(const uint8_t *p)
{
	uint32_t x = 0;
	int i;

	for (i = 0; i < 0x1FC; i += 4)
		x ^= (uint32_t)p[i] | ((uint32_t)p[i + 1] << 8) | ((uint32_t)p[i + 2] << 16) |
		     ((uint32_t)p[i + 3] << 24);
	return x;
}

static void base_block(uint8_t *b, const struct rw_header *hdr, uint32_t root, uint32_t size)
{
	const char *name = hdr->embedded_name ? hdr->embedded_name : "";
	size_t n = strlen(name), i;
	uint64_t ft = (uint64_t)hdr->filetime;
	uint32_t x;

	/* The name field holds the tail of a longer path. */
	if (n > 31) {
		name += n - 31;
		n = 31;
	}
	for (;;) {
		memset(b, 0, 0x200);
		memcpy(b, "regf", 4);
		le32(b + 0x04, hdr->sequence + (hdr->dirty ? 1u : 0u));
		le32(b + 0x08, hdr->sequence);
		le64(b + 0x0C, ft);
		le32(b + 0x14, 1);
		le32(b + 0x18, 5);
		le32(b + 0x20, 1);
		le32(b + 0x24, root);
		le32(b + 0x28, size);
		le32(b + 0x2C, 1);
		for (i = 0; i < n; i++)
			le16(b + 0x30 + 2 * i, (uint8_t)name[i]);
		x = xor_sum(b);
		/* Windows stores 1 for a sum of 0 and -2 for -1; hivex compares
		 * the raw sum and would refuse such a hive.  Nudge the time. */
		if (x != 0 && x != 0xFFFFFFFFu)
			break;
		ft ^= 1;
	}
	le32(b + 0x1FC, x);
}

static int write_all(const char *path, const uint8_t *p, size_t n, char *err, size_t errlen)
{
	char tmp[4096];
	int fd, e;

	if ((size_t)snprintf(tmp, sizeof tmp, "%s.part", path) >= sizeof tmp) {
		snprintf(err, errlen, "path too long");
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
		return -1;
	}
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			e = errno;
			close(fd);
			unlink(tmp);
			snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(e));
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		e = errno;
		unlink(tmp);
		snprintf(err, errlen, "cannot finish %s: %s", path, strerror(e));
		return -1;
	}
	return 0;
}

int rw_write(struct rw_hive *h, const char *path, const struct rw_header *hdr,
             struct rw_stats *stats, char *err, size_t errlen)
{
	struct lay L;
	uint8_t sd[256], *buf, *hb, *sk;
	size_t sdlen = security_descriptor(sd), i, total;
	uint64_t nkeys = 0;
	int rc;

	memset(&L, 0, sizeof L);
	h->root.off = cell_alloc(&L, nk_cell(h->root.namelen));
	L.sk = cell_alloc(&L, 24 + sdlen);
	place(&L, &h->root, 1);
	if (L.failed) {
		snprintf(err, errlen, "%s", L.dup[0] ? L.dup : "hive too large or out of memory");
		free(L.bins);
		return -1;
	}
	L.bins[L.nbins - 1].used_end = L.pos;
	total = (size_t)BIN + L.bin_end;
	buf = calloc(1, total);
	if (!buf) {
		snprintf(err, errlen, "out of memory for %zu bytes", total);
		free(L.bins);
		return -1;
	}
	hb = buf + BIN;
	for (i = 0; i < L.nbins; i++) {
		const struct bin *b = &L.bins[i];
		uint8_t *p = hb + b->start;

		memcpy(p, "hbin", 4);
		le32(p + 4, b->start);
		le32(p + 8, b->size);
		if (i == 0)
			le64(p + 0x14, (uint64_t)hdr->filetime);
		if (b->used_end < b->start + b->size)
			le32(hb + b->used_end, b->start + b->size - b->used_end);
	}
	sk = cell_at(hb, L.sk, 24 + sdlen);
	memcpy(sk, "sk", 2);
	le32(sk + 4, L.sk);
	le32(sk + 8, L.sk);
	le32(sk + 12, (uint32_t)h->nkeys);
	le32(sk + 16, (uint32_t)sdlen);
	memcpy(sk + 20, sd, sdlen);
	emit(hb, &L, &h->root, 0, 1, &nkeys);
	base_block(buf, hdr, h->root.off, L.bin_end);
	rc = write_all(path, buf, total, err, errlen);
	if (!rc && stats) {
		stats->bytes = total;
		stats->keys = nkeys;
		stats->values = h->nvals;
		stats->bins = L.nbins;
	}
	free(buf);
	free(L.bins);
	return rc;
}
