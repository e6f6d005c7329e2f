/* test_snapshot.c: unit tests of snapshot/: the binary encoding (round
 * trip, and a decoder that survives every truncation, random damage and
 * hostile counts), subkey matching, value decoding and rendering, request
 * sets, HKLM paths, and the host facts with the OS family label table.
 *
 * (Over 1,000 lines: the encoding, its hostile decodes, and the name tables.)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ha_snapshot.h"
#include "testutil.h"

/* ------------------------------------------------------------ building */

#define CBS "Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\Packages"

static char *dup(const char *s)
{
	return s ? ha_strdup(s) : NULL;
}

static struct ha_key *add_key(struct ha_snapshot *s, int hive, const char *lpath, int state)
{
	struct ha_key *k = ha_snapshot_add_key(s);

	if (!k)
		abort();
	k->hive = hive;
	k->lpath = dup(lpath);
	k->ppath = state == HA_KEY_PRESENT ? dup(lpath) : NULL;
	k->state = state;
	return k;
}

static struct ha_value *add_raw(struct ha_key *k, const char *name, uint32_t type, const void *data,
                                size_t len)
{
	struct ha_value *v = ha_key_add_value(k);

	if (!v)
		abort();
	v->name = dup(name);
	v->type = type;
	v->len = (uint32_t)len;
	if (len) {
		v->data = malloc(len);
		if (!v->data)
			abort();
		memcpy(v->data, data, len);
	}
	return v;
}

/* A REG_SZ as Windows stores it: UTF-16LE with its terminating NUL. */
static void add_sz(struct ha_key *k, const char *name, const char *utf8)
{
	struct ha_buf b;

	ha_buf_init(&b, 0);
	ha_utf8_to_utf16le(&b, utf8);
	add_raw(k, name, HA_REG_SZ, b.data, b.len);
	ha_buf_free(&b);
}

static void add_dword(struct ha_key *k, const char *name, uint32_t v)
{
	uint8_t d[4];

	ha_put_le32(d, v);
	add_raw(k, name, HA_REG_DWORD, d, 4);
}

static void fill_file(struct ha_hivefile *f, const char *path, int kind, int role, int status)
{
	f->path = dup(path);
	f->kind = kind;
	f->role = role;
	f->status = status;
}

/* A snapshot with every field set, NULL and non-NULL strings, every key
 * state, values of many types, an enumeration with subkeys. */
static void build_rich(struct ha_snapshot *s)
{
	struct ha_hivefile *f;
	struct ha_key *k;
	struct ha_value *v;
	uint8_t bin[100];
	size_t i;

	ha_snapshot_init(s);
	s->label = dup("WEB01");
	s->dir = dup("fleet/WEB01");
	s->note = dup("worker said \"hi\"; DROP TABLE hosts; -- \xC3\xA9");

	f = ha_snapshot_add_file(s);
	fill_file(f, "fleet/WEB01/SYSTEM", HA_FK_SYSTEM, HA_SYSTEM, HA_HS_DIRTY);
	f->kind_why = dup("root keys Select and ControlSet001");
	f->reason = dup("sequence numbers 12 and 11 differ");
	f->size = 0x123456789ull;
	f->mtime_ns = 1700000000123456789LL;
	memset(f->sha256, 'a', 64);
	f->bb_valid = 1;
	f->bb.seq1 = 12;
	f->bb.seq2 = 11;
	f->bb.checksum_stored = 0xDEADBEEF;
	f->bb.checksum_computed = 0xFFFFFFFF;
	f->bb.checksum_ok = 1;
	f->bb.major = 1;
	f->bb.minor = 5;
	f->bb.type = 0;
	f->bb.format = 1;
	f->bb.root_offset = 0x20;
	f->bb.hbins_size = 0x1000;
	f->bb.clustering = 1;
	f->bb.flags = 0x80000000u;
	f->bb.last_written = 133485408000000000LL;
	snprintf(f->bb.name, sizeof f->bb.name, "%s", "\\SystemRoot\\System32\\Config\\SYSTEM");
	f->dirty = 1;
	f->degraded = 0;
	f->nlogs = 2;
	f->logs = calloc(2, sizeof *f->logs);
	f->logs[0] = dup("fleet/WEB01/SYSTEM.LOG1");
	f->logs[1] = dup("fleet/WEB01/SYSTEM.LOG2");
	f->replay = dup("replayed 3 dirty pages from SYSTEM.LOG1");

	f = ha_snapshot_add_file(s);
	fill_file(f, "fleet/WEB01/SOFTWARE", HA_FK_SOFTWARE, HA_SOFTWARE, HA_HS_OK);
	f->reason = dup("ok");
	f->size = 4096;
	f->mtime_ns = -5;
	memset(f->sha256, 'b', 64);
	f->degraded = 1;

	f = ha_snapshot_add_file(s);
	fill_file(f, "fleet/WEB01/SAM", HA_FK_SAM, -1, HA_HS_SKIPPED);
	f->reason = dup("not audited");

	s->role[HA_SYSTEM].file = 0;
	s->role[HA_SYSTEM].cand = 0;
	s->role[HA_SYSTEM].status = HA_HS_DIRTY;
	s->role[HA_SYSTEM].reason = dup("dirty: logs not replayed");
	s->role[HA_SOFTWARE].file = 1;
	s->role[HA_SOFTWARE].cand = 1;
	s->role[HA_SOFTWARE].status = HA_HS_OK;
	s->ccs = 1;
	s->ccs_source = dup("Select\\Current = 1");

	k = add_key(s, HA_SYSTEM, "CurrentControlSet\\Control\\X", HA_KEY_PRESENT);
	free(k->ppath);
	k->ppath = dup("ControlSet001\\Control\\X");
	k->last_write = 133485408000000000LL;
	add_dword(k, "Enabled", 1);
	add_sz(k, "Name", "caf\xC3\xA9");
	add_sz(k, "", "default value");
	for (i = 0; i < sizeof bin; i++)
		bin[i] = (uint8_t)i;
	add_raw(k, "Bin", HA_REG_BINARY, bin, sizeof bin);
	add_raw(k, "Empty", HA_REG_NONE, NULL, 0);
	add_raw(k, "Odd type", 0x12345678u, "x", 1);
	v = add_raw(k, "Broken", HA_REG_DWORD, NULL, 0);
	v->error = dup("data cell out of range");

	k = add_key(s, HA_SOFTWARE, CBS, HA_KEY_PRESENT);
	k->match = dup("kb:KB3140245");
	k->last_write = 1;
	if (ha_key_add_sub(k, "Package_for_KB3140245~31bf3856ad364e35~amd64~~6.1.1.1") ||
	    ha_key_add_sub(k, "Package_1_for_KB3140245~31bf3856ad364e35~amd64~~6.1.1.1"))
		abort();
	k->sub_truncated = 1;

	add_key(s, HA_SOFTWARE, "Wow6432Node", HA_KEY_ABSENT);
	k = add_key(s, HA_SYSTEM, "CurrentControlSet\\Broken", HA_KEY_ERROR);
	k->error = dup("hivex: bad subkey list");
	k->last_write = -1;
	add_key(s, HA_SOFTWARE, "Gone", HA_KEY_UNAVAILABLE);
}

static void encode(const struct ha_snapshot *s, struct ha_buf *b)
{
	ha_buf_init(b, 0);
	CHECK_INT(ha_snapshot_encode(s, b), HA_OK);
}

/* ------------------------------------------------------------ comparing */

static int streq_opt(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

#define SAME_STR(a, b, what)                                                                       \
	do {                                                                                       \
		if (!streq_opt((a), (b)))                                                          \
			check_fail(__FILE__, __LINE__, "%s differs: \"%s\" / \"%s\"", what,        \
			           (a) ? (a) : "(null)", (b) ? (b) : "(null)");                    \
	} while (0)
#define SAME_INT(a, b, what)                                                                       \
	do {                                                                                       \
		if ((long long)(a) != (long long)(b))                                              \
			check_fail(__FILE__, __LINE__, "%s differs: %lld / %lld", what,            \
			           (long long)(a), (long long)(b));                                \
	} while (0)

static void same_snapshot(const struct ha_snapshot *a, const struct ha_snapshot *b)
{
	size_t i, j;
	int r;

	SAME_STR(a->label, b->label, "label");
	SAME_STR(a->dir, b->dir, "dir");
	SAME_STR(a->note, b->note, "note");
	SAME_INT(a->nfiles, b->nfiles, "nfiles");
	for (i = 0; i < a->nfiles && i < b->nfiles; i++) {
		const struct ha_hivefile *x = &a->files[i], *y = &b->files[i];

		SAME_STR(x->path, y->path, "path");
		SAME_INT(x->kind, y->kind, "kind");
		SAME_STR(x->kind_why, y->kind_why, "kind_why");
		SAME_INT(x->role, y->role, "role");
		SAME_INT(x->status, y->status, "status");
		SAME_STR(x->reason, y->reason, "reason");
		SAME_INT(x->size, y->size, "size");
		SAME_INT(x->mtime_ns, y->mtime_ns, "mtime");
		SAME_STR(x->sha256, y->sha256, "sha256");
		SAME_INT(x->bb_valid, y->bb_valid, "bb_valid");
		SAME_INT(x->bb.seq1, y->bb.seq1, "seq1");
		SAME_INT(x->bb.seq2, y->bb.seq2, "seq2");
		SAME_INT(x->bb.checksum_stored, y->bb.checksum_stored, "checksum_stored");
		SAME_INT(x->bb.checksum_computed, y->bb.checksum_computed, "checksum_computed");
		SAME_INT(x->bb.checksum_ok, y->bb.checksum_ok, "checksum_ok");
		SAME_INT(x->bb.major, y->bb.major, "major");
		SAME_INT(x->bb.minor, y->bb.minor, "minor");
		SAME_INT(x->bb.type, y->bb.type, "type");
		SAME_INT(x->bb.format, y->bb.format, "format");
		SAME_INT(x->bb.root_offset, y->bb.root_offset, "root_offset");
		SAME_INT(x->bb.hbins_size, y->bb.hbins_size, "hbins_size");
		SAME_INT(x->bb.clustering, y->bb.clustering, "clustering");
		SAME_INT(x->bb.flags, y->bb.flags, "flags");
		SAME_INT(x->bb.last_written, y->bb.last_written, "last_written");
		SAME_STR(x->bb.name, y->bb.name, "bb name");
		SAME_INT(x->dirty, y->dirty, "dirty");
		SAME_INT(x->degraded, y->degraded, "degraded");
		SAME_INT(x->nlogs, y->nlogs, "nlogs");
		for (j = 0; j < x->nlogs && j < y->nlogs; j++)
			SAME_STR(x->logs[j], y->logs[j], "log");
		SAME_STR(x->replay, y->replay, "replay");
	}
	for (r = 0; r < HA_NROLES; r++) {
		SAME_INT(a->role[r].file, b->role[r].file, "role file");
		SAME_INT(a->role[r].cand, b->role[r].cand, "role cand");
		SAME_INT(a->role[r].status, b->role[r].status, "role status");
		SAME_STR(a->role[r].reason, b->role[r].reason, "role reason");
	}
	SAME_INT(a->ccs, b->ccs, "ccs");
	SAME_STR(a->ccs_source, b->ccs_source, "ccs_source");
	SAME_INT(a->nkeys, b->nkeys, "nkeys");
	for (i = 0; i < a->nkeys && i < b->nkeys; i++) {
		const struct ha_key *x = &a->keys[i], *y = &b->keys[i];

		SAME_INT(x->hive, y->hive, "key hive");
		SAME_STR(x->lpath, y->lpath, "lpath");
		SAME_STR(x->ppath, y->ppath, "ppath");
		SAME_STR(x->match, y->match, "match");
		SAME_INT(x->state, y->state, "state");
		SAME_STR(x->error, y->error, "key error");
		SAME_INT(x->last_write, y->last_write, "last_write");
		SAME_INT(x->nvalues, y->nvalues, "nvalues");
		for (j = 0; j < x->nvalues && j < y->nvalues; j++) {
			const struct ha_value *p = &x->values[j], *q = &y->values[j];

			SAME_STR(p->name, q->name, "value name");
			SAME_INT(p->type, q->type, "value type");
			SAME_INT(p->len, q->len, "value len");
			if (p->len == q->len && p->len && memcmp(p->data, q->data, p->len) != 0)
				check_fail(__FILE__, __LINE__, "value data differs");
			SAME_STR(p->error, q->error, "value error");
		}
		SAME_INT(x->nsub, y->nsub, "nsub");
		for (j = 0; j < x->nsub && j < y->nsub; j++)
			SAME_STR(x->sub[j], y->sub[j], "sub");
		SAME_INT(x->sub_truncated, y->sub_truncated, "sub_truncated");
	}
}

/* ------------------------------------------------------------- encoding */

static void test_round_trip(void)
{
	struct ha_snapshot s, d, e;
	struct ha_buf b, b2;
	struct ha_err err;

	build_rich(&s);
	encode(&s, &b);
	ha_snapshot_init(&d);
	CHECK_INT(ha_snapshot_decode((const uint8_t *)b.data, b.len, &d, &err), HA_OK);
	same_snapshot(&s, &d);
	/* And again: the encoding of the decoded snapshot is byte-identical. */
	encode(&d, &b2);
	CHECK(b.len == b2.len && memcmp(b.data, b2.data, b.len) == 0);
	ha_buf_free(&b2);

	/* The lookups work on the decoded copy. */
	CHECK(ha_snapshot_key(&d, HA_SYSTEM, "currentcontrolset\\CONTROL\\x") == &d.keys[0]);
	CHECK(ha_snapshot_key(&d, HA_SOFTWARE, "CurrentControlSet\\Control\\X") == NULL);
	CHECK(ha_snapshot_key(&d, HA_SOFTWARE, CBS) == NULL);
	CHECK(ha_snapshot_enum(&d, HA_SOFTWARE, CBS, "KB:kb3140245") == &d.keys[1]);
	CHECK(ha_snapshot_enum(&d, HA_SOFTWARE, CBS, "kb:KB1") == NULL);
	CHECK(ha_key_value(&d.keys[0], "ENABLED") == &d.keys[0].values[0]);
	CHECK(ha_key_value(&d.keys[0], "") == &d.keys[0].values[2]);
	CHECK(ha_key_value(&d.keys[0], "nope") == NULL);
	CHECK(ha_key_value(NULL, "x") == NULL);

	/* An empty snapshot round-trips too. */
	ha_snapshot_free(&d);
	ha_snapshot_init(&e);
	ha_buf_free(&b);
	encode(&e, &b);
	CHECK_INT(ha_snapshot_decode((const uint8_t *)b.data, b.len, &d, &err), HA_OK);
	same_snapshot(&e, &d);
	CHECK_INT(d.role[HA_SYSTEM].file, -1);
	CHECK_INT(d.role[HA_SOFTWARE].status, HA_HS_MISSING);

	ha_snapshot_free(&d);
	ha_snapshot_free(&e);
	ha_snapshot_free(&s);
	ha_snapshot_free(&s); /* twice is harmless; NULL too */
	ha_snapshot_free(NULL);
	ha_buf_free(&b);
}

static void test_decode_every_truncation(void)
{
	struct ha_snapshot s, d;
	struct ha_buf b;
	struct ha_err err;
	size_t n, bad = 0;

	build_rich(&s);
	encode(&s, &b);
	for (n = 0; n < b.len; n++) {
		int rc;

		ha_snapshot_init(&d);
		err.code = 0;
		rc = ha_snapshot_decode((const uint8_t *)b.data, n, &d, &err);
		if (rc != HA_ERR_FORMAT || err.code != HA_ERR_FORMAT ||
		    !strstr(err.msg, "snapshot"))
			bad++;
		ha_snapshot_free(&d);
		/* Without an error object, too. */
		ha_snapshot_init(&d);
		if (ha_snapshot_decode((const uint8_t *)b.data, n, &d, NULL) != HA_ERR_FORMAT)
			bad++;
		ha_snapshot_free(&d);
	}
	CHECK_INT(bad, 0);
	ha_buf_free(&b);
	ha_snapshot_free(&s);
}

static uint32_t rnd_state = 0x2545F491u;

static uint32_t rnd(void)
{
	uint32_t x = rnd_state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return rnd_state = x;
}

static void test_decode_random_damage(void)
{
	struct ha_snapshot s, d;
	struct ha_buf b, again;
	struct ha_err err;
	uint8_t *copy;
	int iter, ok = 0;

	build_rich(&s);
	encode(&s, &b);
	copy = malloc(b.len);
	if (!copy)
		return;
	rnd_state = 20260101u;
	for (iter = 0; iter < 4000; iter++) {
		size_t len = b.len, k, flips = 1 + rnd() % 4;

		memcpy(copy, b.data, b.len);
		for (k = 0; k < flips; k++)
			copy[rnd() % b.len] ^= (uint8_t)(1 + rnd() % 255);
		if (iter % 4 == 3)
			len = rnd() % b.len;
		ha_snapshot_init(&d);
		if (ha_snapshot_decode(copy, len, &d, &err) == HA_OK) {
			/* Whatever decodes must encode again and decode the same. */
			struct ha_snapshot d2;

			ok++;
			encode(&d, &again);
			ha_snapshot_init(&d2);
			CHECK_INT(ha_snapshot_decode((const uint8_t *)again.data, again.len, &d2,
			                             &err),
			          HA_OK);
			same_snapshot(&d, &d2);
			ha_snapshot_free(&d2);
			ha_buf_free(&again);
		} else {
			CHECK(err.code == HA_ERR_FORMAT || err.code == HA_ERR_NOMEM);
		}
		ha_snapshot_free(&d);
	}
	/* Flips inside string or data bytes decode fine; most others fail. */
	CHECK(ok > 0);
	CHECK(ok < 4000);
	free(copy);
	ha_buf_free(&b);
	ha_snapshot_free(&s);
}

/* Offset of the first byte where two encodings differ. */
static size_t first_diff(const struct ha_buf *a, const struct ha_buf *b)
{
	size_t i;

	for (i = 0; i < a->len && i < b->len; i++)
		if (a->data[i] != b->data[i])
			return i;
	return i;
}

/* Decodes `b` with the u32 at `off` replaced by `v`: the status. */
static int decode_patched(const struct ha_buf *b, size_t off, uint32_t v, struct ha_err *err)
{
	struct ha_snapshot d;
	uint8_t *copy = malloc(b->len);
	int rc;

	if (!copy)
		abort();
	memcpy(copy, b->data, b->len);
	ha_put_le32(copy + off, v);
	ha_snapshot_init(&d);
	rc = ha_snapshot_decode(copy, b->len, &d, err);
	ha_snapshot_free(&d);
	free(copy);
	return rc;
}

static void test_decode_hostile_counts(void)
{
	struct ha_snapshot s;
	struct ha_buf b;
	struct ha_err err;
	struct ha_key *k;

	/* An empty snapshot: nfiles at byte 20, nkeys in the last four. */
	ha_snapshot_init(&s);
	encode(&s, &b);
	CHECK_INT(b.len, 68);
	CHECK_INT(decode_patched(&b, 20, 0xFFFFFFFFu, &err), HA_ERR_FORMAT);
	CHECK_HAS(err.msg, "file count");
	CHECK_INT(decode_patched(&b, 20, 1, &err), HA_ERR_FORMAT);
	CHECK_INT(decode_patched(&b, b.len - 4, 0xFFFFFFFFu, &err), HA_ERR_FORMAT);
	CHECK_HAS(err.msg, "key count");
	CHECK_INT(decode_patched(&b, b.len - 4, 0x08000000u, &err), HA_ERR_FORMAT);
	CHECK_INT(decode_patched(&b, b.len - 4, 1, &err), HA_ERR_FORMAT);
	CHECK_INT(decode_patched(&b, b.len - 4, 0, &err), HA_OK);
	ha_buf_free(&b);

	/* One key without values or subkeys: nvalues, nsub, truncation flag
	 * are the last twelve bytes. */
	k = add_key(&s, HA_SYSTEM, "K", HA_KEY_PRESENT);
	(void)k;
	encode(&s, &b);
	CHECK_INT(decode_patched(&b, b.len - 12, 0xFFFFFFFFu, &err), HA_ERR_FORMAT);
	CHECK_HAS(err.msg, "value count");
	CHECK_INT(decode_patched(&b, b.len - 12, 0x40000000u, &err), HA_ERR_FORMAT);
	CHECK_INT(decode_patched(&b, b.len - 8, 0xFFFFFFFFu, &err), HA_ERR_FORMAT);
	CHECK_HAS(err.msg, "subkey count");
	CHECK_INT(decode_patched(&b, b.len - 8, 2, &err), HA_ERR_FORMAT);
	ha_buf_free(&b);

	/* The log count of a file, found by its neighbour (the embedded name). */
	{
		struct ha_hivefile *f = ha_snapshot_add_file(&s);
		const char *at;

		fill_file(f, "p", HA_FK_SYSTEM, HA_SYSTEM, HA_HS_OK);
		snprintf(f->bb.name, sizeof f->bb.name, "%s", "MARKER");
		encode(&s, &b);
		at = memmem(b.data, b.len, "MARKER", 6);
		CHECK(at != NULL);
		if (at) {
			size_t off = (size_t)(at - b.data) + 6 + 8; /* name, dirty, degraded */

			CHECK_INT(decode_patched(&b, off, 0, &err), HA_OK);
			CHECK_INT(decode_patched(&b, off, 0xFFFFFFFFu, &err), HA_ERR_FORMAT);
			CHECK_HAS(err.msg, "log count");
			CHECK_INT(decode_patched(&b, off, 0x3FFFFFFFu, &err), HA_ERR_FORMAT);
		}
		ha_buf_free(&b);
	}

	/* A hostile string length. */
	ha_snapshot_free(&s);
	ha_snapshot_init(&s);
	s.label = dup("abc");
	encode(&s, &b);
	CHECK_INT(decode_patched(&b, 8, 0xFFFFFFFEu, &err), HA_ERR_FORMAT);
	CHECK_HAS(err.msg, "label");
	CHECK_INT(decode_patched(&b, 8, 0x7FFFFFFFu, &err), HA_ERR_FORMAT);
	CHECK_INT(decode_patched(&b, 8, 4, &err), HA_ERR_FORMAT);
	ha_buf_free(&b);
	ha_snapshot_free(&s);
}

/* Encodes s, then again after `mutate` changed one field: the field's
 * offset is where the two encodings first differ. */
static size_t field_offset(struct ha_snapshot *s, void (*mutate)(struct ha_snapshot *, int), int on)
{
	struct ha_buf a, b;
	size_t off;

	encode(s, &a);
	mutate(s, on);
	encode(s, &b);
	mutate(s, !on);
	off = first_diff(&a, &b);
	ha_buf_free(&a);
	ha_buf_free(&b);
	return off;
}

static void m_kind(struct ha_snapshot *s, int on)
{
	s->files[0].kind = on ? 2 : 1;
}
static void m_role(struct ha_snapshot *s, int on)
{
	s->files[0].role = on ? 1 : 0;
}
static void m_status(struct ha_snapshot *s, int on)
{
	s->files[0].status = on ? 3 : 2;
}
static void m_bbvalid(struct ha_snapshot *s, int on)
{
	s->files[0].bb_valid = on ? 0 : 1;
}
static void m_dirty(struct ha_snapshot *s, int on)
{
	s->files[0].dirty = on ? 0 : 1;
}
static void m_degraded(struct ha_snapshot *s, int on)
{
	s->files[1].degraded = on ? 0 : 1;
}
static void m_rolefile(struct ha_snapshot *s, int on)
{
	s->role[HA_SOFTWARE].file = on ? 2 : 1;
}
static void m_rolecand(struct ha_snapshot *s, int on)
{
	s->role[HA_SOFTWARE].cand = on ? 2 : 1;
}
static void m_rolestatus(struct ha_snapshot *s, int on)
{
	s->role[HA_SOFTWARE].status = on ? 1 : 0;
}
static void m_ccs(struct ha_snapshot *s, int on)
{
	s->ccs = on ? 2 : 1;
}
static void m_hive(struct ha_snapshot *s, int on)
{
	s->keys[2].hive = on ? 0 : 1;
}
static void m_state(struct ha_snapshot *s, int on)
{
	s->keys[2].state = on ? 2 : 1;
}
static void m_trunc(struct ha_snapshot *s, int on)
{
	s->keys[1].sub_truncated = on ? 0 : 1;
}

static void test_decode_out_of_range(void)
{
	static const struct {
		const char *what;
		void (*mutate)(struct ha_snapshot *, int);
		uint32_t bad[3];
	} cases[] = {
	        {"file kind", m_kind, {HA_FK_COUNT, 0xFFFFFFFFu, 0x80000000u}},
	        {"file role", m_role, {2, 0xFFFFFFFEu, 0x7FFFFFFFu}},
	        {"file status", m_status, {HA_HS_COUNT, 0xFFFFFFFFu, 1000}},
	        {"base block flag", m_bbvalid, {2, 0xFFFFFFFFu, 0x100}},
	        {"dirty flag", m_dirty, {2, 0xFFFFFFFFu, 0x100}},
	        {"degraded flag", m_degraded, {2, 0xFFFFFFFFu, 0x100}},
	        {"role file", m_rolefile, {3, 0xFFFFFFFEu, 1000}},
	        {"role candidate", m_rolecand, {3, 0xFFFFFFFEu, 0x7FFFFFFFu}},
	        {"role status", m_rolestatus, {HA_HS_COUNT, 0xFFFFFFFFu, 1000}},
	        {"control set", m_ccs, {1000, 0xFFFFFFFFu, 0x80000000u}},
	        {"key hive", m_hive, {2, 0xFFFFFFFFu, 0x100}},
	        {"key state", m_state, {4, 0xFFFFFFFFu, 0x100}},
	        {"subkey truncation flag", m_trunc, {2, 0xFFFFFFFFu, 0x100}},
	};
	struct ha_snapshot s;
	struct ha_buf b;
	struct ha_err err;
	size_t i, j;

	build_rich(&s);
	encode(&s, &b);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t off = field_offset(&s, cases[i].mutate, 1);

		if (off + 4 > b.len) {
			check_fail(__FILE__, __LINE__, "%s: no offset", cases[i].what);
			continue;
		}
		/* The offset is right: the encoded value itself decodes. */
		CHECK_INT(decode_patched(&b, off, ha_le32((const uint8_t *)b.data + off), &err),
		          HA_OK);
		for (j = 0; j < 3; j++) {
			int rc = decode_patched(&b, off, cases[i].bad[j], &err);

			if (rc != HA_ERR_FORMAT || !strstr(err.msg, cases[i].what))
				check_fail(__FILE__, __LINE__, "%s = 0x%x: rc %d, \"%s\"",
				           cases[i].what, cases[i].bad[j], rc, err.msg);
		}
	}
	ha_buf_free(&b);
	ha_snapshot_free(&s);
}

static void test_decode_bad_strings_and_framing(void)
{
	struct ha_snapshot s, d;
	struct ha_buf b;
	struct ha_err err;
	char *at;

	/* A NUL inside a string. */
	build_rich(&s);
	encode(&s, &b);
	at = memmem(b.data, b.len, "WEB01", 5);
	CHECK(at != NULL);
	if (at) {
		at[2] = '\0';
		ha_snapshot_init(&d);
		CHECK_INT(ha_snapshot_decode((const uint8_t *)b.data, b.len, &d, &err),
		          HA_ERR_FORMAT);
		CHECK_HAS(err.msg, "label");
		ha_snapshot_free(&d);
		at[2] = 'B';
	}
	at = memmem(b.data, b.len, "Package_1_for", 13);
	CHECK(at != NULL);
	if (at) {
		at[7] = '\0';
		ha_snapshot_init(&d);
		CHECK_INT(ha_snapshot_decode((const uint8_t *)b.data, b.len, &d, &err),
		          HA_ERR_FORMAT);
		CHECK_HAS(err.msg, "subkey name");
		ha_snapshot_free(&d);
		at[7] = '_';
	}
	/* Value data may hold NULs (it is raw bytes). */
	ha_snapshot_init(&d);
	CHECK_INT(ha_snapshot_decode((const uint8_t *)b.data, b.len, &d, &err), HA_OK);
	ha_snapshot_free(&d);

	/* Trailing bytes. */
	ha_buf_putc(&b, 0);
	ha_snapshot_init(&d);
	CHECK_INT(ha_snapshot_decode((const uint8_t *)b.data, b.len, &d, &err), HA_ERR_FORMAT);
	CHECK_HAS(err.msg, "trailing bytes");
	ha_snapshot_free(&d);
	ha_buf_truncate(&b, b.len - 1);

	/* Magic and version. */
	b.data[0] = 'X';
	ha_snapshot_init(&d);
	CHECK_INT(ha_snapshot_decode((const uint8_t *)b.data, b.len, &d, &err), HA_ERR_FORMAT);
	CHECK_HAS(err.msg, "header");
	ha_snapshot_free(&d);
	b.data[0] = 'H';
	b.data[4] = 2;
	ha_snapshot_init(&d);
	CHECK_INT(ha_snapshot_decode((const uint8_t *)b.data, b.len, &d, &err), HA_ERR_FORMAT);
	CHECK_HAS(err.msg, "version 2");
	ha_snapshot_free(&d);
	ha_snapshot_init(&d);
	CHECK_INT(ha_snapshot_decode(NULL, 0, &d, &err), HA_ERR_FORMAT);
	ha_snapshot_free(&d);
	ha_buf_free(&b);
	ha_snapshot_free(&s);
}

/* Fields that must not be NULL are refused even when the encoder wrote
 * them (a worker's bug must not become a NULL dereference later). */
static void test_decode_required_fields(void)
{
	struct ha_snapshot s, d;
	struct ha_buf b;
	struct ha_err err;
	int which;

	for (which = 0; which < 5; which++) {
		build_rich(&s);
		switch (which) {
		case 0:
			free(s.files[1].path);
			s.files[1].path = NULL;
			break;
		case 1:
			free(s.keys[3].lpath);
			s.keys[3].lpath = NULL;
			break;
		case 2:
			free(s.keys[0].values[1].name);
			s.keys[0].values[1].name = NULL;
			break;
		case 3:
			free(s.files[0].logs[1]);
			s.files[0].logs[1] = NULL;
			break;
		case 4:
			free(s.keys[1].sub[0]);
			s.keys[1].sub[0] = NULL;
			break;
		}
		encode(&s, &b);
		ha_snapshot_init(&d);
		if (ha_snapshot_decode((const uint8_t *)b.data, b.len, &d, &err) != HA_ERR_FORMAT)
			check_fail(__FILE__, __LINE__, "NULL field %d accepted", which);
		ha_snapshot_free(&d);
		ha_buf_free(&b);
		ha_snapshot_free(&s);
	}
}

static void test_encode_failure(void)
{
	struct ha_snapshot s;
	struct ha_buf b;

	build_rich(&s);
	ha_buf_init(&b, 100);
	CHECK_INT(ha_snapshot_encode(&s, &b), HA_ERR_LIMIT);
	ha_buf_free(&b);
	ha_snapshot_free(&s);
}

/* ------------------------------------------------------ subkey matching */

static void test_subkey_matches(void)
{
	static const struct {
		const char *match, *name;
		int want;
	} cases[] = {
	        {"kb:KB3140245", "Package_for_KB3140245~31bf3856ad364e35~amd64~~6.1.1.1", 1},
	        {"kb:KB3140245", "Package_1_for_KB3140245~31bf3856ad364e35~amd64~~6.1.1.1", 1},
	        {"kb:KB3140245", "Package_for_KB3140245", 1},
	        {"kb:KB3140245", "Package_1_for_KB3140245_SP1~31bf3856ad364e35~x86~~6.1.1.1", 1},
	        {"kb:KB3140245", "package_for_kb3140245~31bf3856ad364e35~amd64~~6.1.1.1", 1},
	        {"KB:kb3140245", "PACKAGE_FOR_KB3140245~X", 1},
	        {"kb:KB3140245", "Package_for_KB31402450~31bf3856ad364e35~amd64~~6.1.1.1", 0},
	        {"kb:KB3140245", "Package_for_KB314024~31bf3856ad364e35~amd64~~6.1.1.1", 0},
	        {"kb:KB3140245", "Package_for_KB314024", 0},
	        {"kb:KB3140245", "Package_for_KB3140245x", 0},
	        {"kb:KB3140245", "Package_for_KB3140245.1", 0},
	        {"kb:KB3140245", "KB3140245", 0},
	        {"kb:KB3140245", "Package_KB3140245~x", 0},
	        {"kb:KB3140245", "Package_forKB3140245~x", 0},
	        {"kb:KB3140245", "Package_for_RollupFix~31bf3856ad364e35~amd64~~7601.24214.1.5", 0},
	        {"kb:KB3140245", "Package_for_KB1_for_KB3140245~x", 1},
	        {"kb:KB3140245", "", 0},
	        {"kb:", "Package_for_KB3140245~x", 0},
	        {"kb:", "", 0},
	        /* Without "kb:" the match is a glob. */
	        {"Package_*_for_KB3140245*", "Package_1_for_KB3140245~x", 1},
	        {"Package_*_for_KB3140245*", "Package_for_KB3140245~x", 0},
	        {"*KB3140245*", "Package_for_KB31402450~x", 1},
	        {"*", "", 1},
	        {"kb", "kb", 1},
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		if (ha_subkey_matches(cases[i].match, cases[i].name) != cases[i].want)
			check_fail(__FILE__, __LINE__, "'%s' on '%s' should be %d", cases[i].match,
			           cases[i].name, cases[i].want);
}

/* ------------------------------------------------------- value decoding */

static struct ha_value val(uint32_t type, const void *data, size_t len)
{
	struct ha_value v;

	memset(&v, 0, sizeof v);
	v.name = "v";
	v.type = type;
	v.len = (uint32_t)len;
	v.data = (uint8_t *)data;
	return v;
}

static void rendered(const struct ha_value *v, const char *want, int line)
{
	char *r = ha_value_render(v);

	if (!r || strcmp(r, want) != 0)
		check_fail(__FILE__, line, "rendered \"%s\", want \"%s\"", r ? r : "(null)", want);
	free(r);
}
#define RENDERED(v, want) rendered(v, want, __LINE__)

static void test_value_numbers(void)
{
	struct ha_value v;
	uint32_t d = 77;
	uint64_t q = 77;

	v = val(HA_REG_DWORD, "\x01\x02\x03\x04", 4);
	CHECK_INT(ha_value_dword(&v, &d), HA_OK);
	CHECK_INT(d, 0x04030201u);
	RENDERED(&v, "0x04030201 (67305985)");
	v = val(HA_REG_DWORD_BE, "\x01\x02\x03\x04", 4);
	CHECK_INT(ha_value_dword(&v, &d), HA_OK);
	CHECK_INT(d, 0x01020304u);
	RENDERED(&v, "0x01020304 (16909060)");
	v = val(HA_REG_DWORD, "\xFF\xFF\xFF\xFF", 4);
	RENDERED(&v, "0xffffffff (4294967295)");
	/* Short data: not a DWORD; rendered as the bytes that are there. */
	d = 77;
	v = val(HA_REG_DWORD, "\x01\x00\x00", 3);
	CHECK_INT(ha_value_dword(&v, &d), HA_ERR_FORMAT);
	CHECK_INT(d, 77);
	RENDERED(&v, "hex(3 bytes):01,00,00");
	v = val(HA_REG_DWORD, NULL, 0);
	CHECK_INT(ha_value_dword(&v, &d), HA_ERR_FORMAT);
	RENDERED(&v, "hex(0 bytes):");
	/* Wrong type. */
	v = val(HA_REG_SZ, "1\0\0\0", 4);
	CHECK_INT(ha_value_dword(&v, &d), HA_ERR_FORMAT);
	v = val(HA_REG_BINARY, "\x01\0\0\0", 4);
	CHECK_INT(ha_value_dword(&v, &d), HA_ERR_FORMAT);
	CHECK_INT(ha_value_qword(&v, &q), HA_ERR_FORMAT);
	/* A value whose data could not be read. */
	v = val(HA_REG_DWORD, "\x01\0\0\0", 4);
	v.error = "cell out of range";
	CHECK_INT(ha_value_dword(&v, &d), HA_ERR_FORMAT);
	RENDERED(&v, "(unreadable: cell out of range)");

	v = val(HA_REG_QWORD, "\x00\x00\x00\x00\x01\x00\x00\x00", 8);
	CHECK_INT(ha_value_qword(&v, &q), HA_OK);
	CHECK(q == 0x100000000ull);
	RENDERED(&v, "0x0000000100000000 (4294967296)");
	CHECK_INT(ha_value_dword(&v, &d), HA_ERR_FORMAT);
	v = val(HA_REG_QWORD, "\x01\x02\x03\x04\x05\x06\x07", 7);
	CHECK_INT(ha_value_qword(&v, &q), HA_ERR_FORMAT);
	RENDERED(&v, "hex(7 bytes):01,02,03,04,05,06,07");
}

static void test_value_strings(void)
{
	struct ha_value v;
	char *s;

	v = val(HA_REG_SZ, "a\0b\0c\0\0\0", 8);
	CHECK_INT(ha_value_string(&v, &s), HA_OK);
	CHECK_STR(s, "abc");
	free(s);
	RENDERED(&v, "\"abc\"");
	/* Without the terminating NUL. */
	v = val(HA_REG_SZ, "a\0b\0c\0", 6);
	CHECK_INT(ha_value_string(&v, &s), HA_OK);
	CHECK_STR(s, "abc");
	free(s);
	/* An embedded NUL ends the string, as for Windows' readers; the
	 * evidence shows the data as read (issue 12 item 9), the NUL carried
	 * as C0 80, the NULs that end the data not shown. */
	v = val(HA_REG_EXPAND_SZ, "a\0\0\0z\0", 6);
	CHECK_INT(ha_value_string(&v, &s), HA_OK);
	CHECK_STR(s, "a");
	free(s);
	RENDERED(&v, "\"a\xC0\x80z\"");
	v = val(HA_REG_SZ, "o\0k\0\0\0h\0i\0d\0\0\0\0\0", 16);
	RENDERED(&v, "\"ok\xC0\x80hid\"");
	v = val(HA_REG_SZ, "\0\0\0\0", 4);
	RENDERED(&v, "\"\"");
	v = val(HA_REG_SZ, "\0\0x\0", 4);
	RENDERED(&v, "\"\xC0\x80x\"");
	/* Odd length: the stray byte shows as U+FFFD. */
	v = val(HA_REG_SZ, "a\0b", 3);
	CHECK_INT(ha_value_string(&v, &s), HA_OK);
	CHECK_STR(s, "a\xEF\xBF\xBD");
	free(s);
	v = val(HA_REG_LINK, "\\\0x\0", 4);
	CHECK_INT(ha_value_string(&v, &s), HA_OK);
	CHECK_STR(s, "\\x");
	free(s);
	v = val(HA_REG_SZ, NULL, 0);
	CHECK_INT(ha_value_string(&v, &s), HA_OK);
	CHECK_STR(s, "");
	free(s);
	RENDERED(&v, "\"\"");
	/* Wrong types. */
	v = val(HA_REG_DWORD, "\x01\0\0\0", 4);
	CHECK_INT(ha_value_string(&v, &s), HA_ERR_FORMAT);
	v = val(HA_REG_MULTI_SZ, "a\0\0\0", 4);
	CHECK_INT(ha_value_string(&v, &s), HA_ERR_FORMAT);
	v = val(HA_REG_BINARY, "a\0\0\0", 4);
	CHECK_INT(ha_value_string(&v, &s), HA_ERR_FORMAT);
	v = val(HA_REG_SZ, "a\0\0\0", 4);
	v.error = "x";
	CHECK_INT(ha_value_string(&v, &s), HA_ERR_FORMAT);
}

static void test_value_multi_sz_and_binary(void)
{
	struct ha_value v;
	uint8_t big[100];
	size_t i;

	v = val(HA_REG_MULTI_SZ, "a\0b\0\0\0c\0d\0\0\0\0\0", 16);
	RENDERED(&v, "[ab, cd]");
	v = val(HA_REG_MULTI_SZ, "a\0\0\0b\0\0\0\0\0", 10);
	RENDERED(&v, "[a, b]");
	/* Junk after the terminating empty string is not shown. */
	v = val(HA_REG_MULTI_SZ, "a\0\0\0\0\0j\0u\0n\0k\0\0\0", 18);
	RENDERED(&v, "[a]");
	/* An empty list, and no data at all. */
	v = val(HA_REG_MULTI_SZ, "\0\0", 2);
	RENDERED(&v, "[]");
	v = val(HA_REG_MULTI_SZ, "\0\0x\0\0\0", 6);
	RENDERED(&v, "[]");
	v = val(HA_REG_MULTI_SZ, NULL, 0);
	RENDERED(&v, "[]");
	/* Unterminated lists: the last string is still shown. */
	v = val(HA_REG_MULTI_SZ, "a\0\0\0b\0", 6);
	RENDERED(&v, "[a, b]");
	v = val(HA_REG_MULTI_SZ, "a\0\0\0", 4);
	RENDERED(&v, "[a]");
	v = val(HA_REG_MULTI_SZ, "a\0", 2);
	RENDERED(&v, "[a]");
	/* A stray odd byte at the end is shown as U+FFFD, not dropped. */
	v = val(HA_REG_MULTI_SZ, "a\0\0\0b", 5);
	RENDERED(&v, "[a, \xEF\xBF\xBD]");
	v = val(HA_REG_MULTI_SZ, "a", 1);
	RENDERED(&v, "[\xEF\xBF\xBD]");
	/* Non-ASCII text. */
	v = val(HA_REG_MULTI_SZ, "\xE9\0\0\0\0\0", 6);
	RENDERED(&v, "[\xC3\xA9]");

	v = val(HA_REG_BINARY, "\x00\xAB\xFF", 3);
	RENDERED(&v, "hex(3 bytes):00,ab,ff");
	v = val(HA_REG_BINARY, NULL, 0);
	RENDERED(&v, "hex(0 bytes):");
	for (i = 0; i < sizeof big; i++)
		big[i] = (uint8_t)i;
	v = val(HA_REG_BINARY, big, 64);
	{
		char *r = ha_value_render(&v);

		CHECK_HAS(r, "hex(64 bytes):00,01,02,");
		CHECK(r && strlen(r) == strlen("hex(64 bytes):") + 64 * 3 - 1);
		CHECK_LACKS(r, "...");
		free(r);
	}
	v = val(HA_REG_BINARY, big, 65);
	{
		char *r = ha_value_render(&v);

		CHECK_HAS(r, "hex(65 bytes):00,01,");
		CHECK_HAS(r, ",3f,...");
		CHECK_LACKS(r, ",40");
		free(r);
	}
	v = val(HA_REG_BINARY, big, 100);
	{
		char *r = ha_value_render(&v);

		CHECK(r && strlen(r) == strlen("hex(100 bytes):") + 64 * 3 - 1 + 4);
		free(r);
	}
	/* Unknown types render as bytes too. */
	v = val(0x12345678u, "\x01", 1);
	RENDERED(&v, "hex(1 bytes):01");
	{
		char buf[24];

		CHECK_STR(ha_reg_type_name(HA_REG_DWORD, buf), "REG_DWORD");
		CHECK_STR(ha_reg_type_name(HA_REG_QWORD, buf), "REG_QWORD");
		CHECK_STR(ha_reg_type_name(HA_REG_DWORD_BE, buf), "REG_DWORD_BIG_ENDIAN");
		CHECK_STR(ha_reg_type_name(9, buf), "REG_FULL_RESOURCE_DESCRIPTOR");
		CHECK_STR(ha_reg_type_name(0xFFFFFFFFu, buf), "type 0xffffffff");
	}
}

/* --------------------------------------------------------- names, enums */

/* What a category means is data: the loader, the verdict, the waivers and
 * the narrative all read this table. */
static void test_categories(void)
{
	const struct ha_category *c, *x;
	size_t i, n;

	c = ha_categories(&n);
	CHECK_INT(n, 7);
	for (i = 0; i < n; i++) {
		CHECK(ha_category_find(c[i].name) == &c[i]);
		/* a category that decides readiness is a cause the narrative names */
		CHECK_INT(c[i].decides, c[i].cause != NULL);
		CHECK_INT(c[i].cause != NULL, c[i].symptom != NULL);
		CHECK(!(c[i].decides && c[i].integrity));
	}
	CHECK_STR(c[0].name, "os"); /* causes in the order they break a connection */
	CHECK_STR(c[4].name, "roots");
	x = ha_category_find("integrity");
	CHECK(x && x->integrity && !x->decides);
	x = ha_category_find("info");
	CHECK(x && !x->integrity && !x->decides);
	CHECK(ha_category_find("Integrity") == NULL);
	CHECK(ha_category_find("") == NULL);
	CHECK(ha_category_find(NULL) == NULL);
}

static void test_names(void)
{
	int i;

	CHECK_STR(ha_role_name(HA_SYSTEM), "SYSTEM");
	CHECK_STR(ha_role_name(HA_SOFTWARE), "SOFTWARE");
	CHECK_STR(ha_role_name(-1), "?");
	CHECK_STR(ha_role_name(2), "?");
	CHECK_STR(ha_file_kind_name(HA_FK_NTUSER), "NTUSER.DAT");
	CHECK_STR(ha_file_kind_name(HA_FK_COUNT), "?");
	CHECK_STR(ha_hive_status_name(HA_HS_NOT_HIVE), "not_a_hive");
	CHECK_STR(ha_hive_status_name(HA_HS_COUNT), "?");
	CHECK_STR(ha_hive_status_name(-1), "?");
	CHECK(ha_hive_status_readable(HA_HS_DIRTY));
	CHECK(!ha_hive_status_readable(HA_HS_MISSING));
	CHECK(ha_hive_status_trusted(HA_HS_REPLAYED));
	CHECK(!ha_hive_status_trusted(HA_HS_DEGRADED));
	CHECK_STR(ha_status_name(HA_NOT_APPLICABLE), "NOT_APPLICABLE");
	CHECK_STR(ha_status_name(HA_NSTATUS), "?");
	CHECK_INT(ha_status_from_name("not_applicable"), HA_NOT_APPLICABLE);
	CHECK_INT(ha_status_from_name("Fail"), HA_FAIL);
	CHECK_INT(ha_status_from_name("FAILED"), -1);
	CHECK_INT(ha_status_from_name(""), -1);
	CHECK_STR(ha_verdict_name(HA_NOT_READY), "not_ready");
	CHECK_STR(ha_verdict_name(HA_READY_WITH_WAIVERS), "ready_with_waivers");
	CHECK_STR(ha_verdict_name(99), "unknown");
	/* One table per enum, both ways; names are exact. */
	for (i = 0; i < HA_NVERDICTS; i++)
		CHECK_INT(ha_verdict_from_name(ha_verdict_name(i)), i);
	CHECK_INT(ha_verdict_from_name("Ready"), -1);
	CHECK_INT(ha_verdict_from_name(""), -1);
	CHECK_INT(ha_verdict_from_name(NULL), -1);
	for (i = 0; i < HA_HS_COUNT; i++)
		CHECK_INT(ha_hive_status_from_name(ha_hive_status_name(i)), i);
	CHECK_INT(ha_hive_status_from_name("not_a_hive"), HA_HS_NOT_HIVE);
	CHECK_INT(ha_hive_status_from_name("OK"), -1);
	CHECK_INT(ha_hive_status_from_name("?"), -1);
	CHECK_INT(ha_hive_status_from_name(NULL), -1);
	for (i = 0; i < HA_NSTATUS; i++)
		CHECK_INT(ha_status_from_name(ha_status_name(i)), i);
	CHECK_STR(ha_arch_name(HA_ARCH_ARM64), "ARM64");
	CHECK_STR(ha_arch_name(-1), "unknown");
	CHECK_STR(ha_product_name(HA_PRODUCT_DC), "domain controller");
	CHECK_STR(ha_product_name(9), "unknown");
	CHECK(ha_nt_cmp(6, 1, 6, 0) > 0);
	CHECK(ha_nt_cmp(6, 3, 10, 0) < 0);
	CHECK_INT(ha_nt_cmp(6, 2, 6, 2), 0);
}

/* -------------------------------------------------------------- requests */

static void test_reqset(void)
{
	struct ha_reqset rs;
	struct ha_err err;
	char d1[65], d2[65], d3[65];

	ha_reqset_init(&rs);
	CHECK_INT(ha_reqset_add(&rs, HA_SYSTEM, "Select", NULL, "Current", &err), HA_OK);
	CHECK_INT(ha_reqset_add(&rs, HA_SYSTEM, "SELECT", NULL, "current", &err), HA_OK);
	CHECK_INT(rs.n, 1);
	CHECK_INT(rs.v[0].nnames, 1);
	CHECK_STR(rs.v[0].path, "Select");
	CHECK_INT(ha_reqset_add(&rs, HA_SYSTEM, "select", NULL, "Default", &err), HA_OK);
	CHECK_INT(ha_reqset_add(&rs, HA_SYSTEM, "Select", NULL, NULL, &err), HA_OK);
	CHECK_INT(ha_reqset_add(&rs, HA_SYSTEM, "Select", NULL, "", &err), HA_OK);
	CHECK_INT(rs.n, 1);
	CHECK_INT(rs.v[0].nnames, 3);
	CHECK_STR(rs.v[0].names[2], "");
	/* Another hive, another match: other requests. */
	CHECK_INT(ha_reqset_add(&rs, HA_SOFTWARE, "Select", NULL, NULL, &err), HA_OK);
	CHECK_INT(ha_reqset_add(&rs, HA_SYSTEM, "Select", "kb:KB1", "CurrentState", &err), HA_OK);
	CHECK_INT(ha_reqset_add(&rs, HA_SYSTEM, "Select", "KB:kb1", "currentstate", &err), HA_OK);
	CHECK_INT(ha_reqset_add(&rs, HA_SYSTEM, "Select", "kb:KB2", NULL, &err), HA_OK);
	CHECK_INT(rs.n, 4);
	CHECK_INT(rs.v[1].nnames, 0);
	CHECK_INT(rs.v[2].nnames, 1);
	CHECK_STR(rs.v[2].match, "kb:KB1");
	/* A hive that does not exist is our bug. */
	CHECK_INT(ha_reqset_add(&rs, 2, "X", NULL, NULL, &err), HA_ERR_INTERNAL);
	CHECK_INT(ha_reqset_add(&rs, -1, "X", NULL, NULL, &err), HA_ERR_INTERNAL);
	CHECK_INT(rs.n, 4);

	/* The digest follows the requests. */
	CHECK_INT(ha_reqset_digest(&rs, d1, &err), HA_OK);
	CHECK_INT(ha_reqset_digest(&rs, d2, &err), HA_OK);
	CHECK_STR(d1, d2);
	CHECK_INT(strlen(d1), 64);
	CHECK_INT(ha_reqset_add(&rs, HA_SYSTEM, "Select", NULL, "LastKnownGood", &err), HA_OK);
	CHECK_INT(ha_reqset_digest(&rs, d3, &err), HA_OK);
	CHECK(strcmp(d1, d3) != 0);
	ha_reqset_free(&rs);
	CHECK_INT(rs.n, 0);
	CHECK_INT(ha_reqset_digest(&rs, d1, &err), HA_OK);
	CHECK_STR(d1, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	ha_reqset_free(&rs);

	CHECK_INT(ha_facts_requests(&rs, &err), HA_OK);
	CHECK(rs.n >= 7);
	ha_reqset_free(&rs);
}

static void test_parse_hklm_path(void)
{
	static const struct {
		const char *in;
		int hive;
		const char *rel; /* NULL: refused */
	} cases[] = {
	        {"HKLM\\SYSTEM\\CurrentControlSet\\Control", HA_SYSTEM,
	         "CurrentControlSet\\Control"},
	        {"HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\.NETFramework", HA_SOFTWARE,
	         "Microsoft\\.NETFramework"},
	        {"hklm\\software\\x", HA_SOFTWARE, "x"},
	        {"hkey_local_machine\\System\\Select", HA_SYSTEM, "Select"},
	        {"HKLM\\SYSTEM", HA_SYSTEM, ""},
	        {"HKLM\\SOFTWARE", HA_SOFTWARE, ""},
	        {"HKLM\\SOFTWARE\\Key With Spaces\\TLS 1.2", HA_SOFTWARE,
	         "Key With Spaces\\TLS 1.2"},
	        /* Other roots and hives. */
	        {"HKCU\\Software\\x", 0, NULL},
	        {"HKEY_CURRENT_USER\\Software\\x", 0, NULL},
	        {"HKEY_USERS\\.DEFAULT\\x", 0, NULL},
	        {"HKCR\\x", 0, NULL},
	        {"HKLM\\SAM\\x", 0, NULL},
	        {"HKLM\\SECURITY", 0, NULL},
	        {"HKLM\\SYSTEMX\\y", 0, NULL},
	        {"HKLM\\SOFTWARE2", 0, NULL},
	        {"SYSTEM\\x", 0, NULL},
	        {"HKLM", 0, NULL},
	        {"HKLM\\", 0, NULL},
	        {"HKLMSYSTEM\\x", 0, NULL},
	        {"HKLM/SYSTEM/x", 0, NULL},
	        {"", 0, NULL},
	        /* Empty components. */
	        {"HKLM\\\\SYSTEM\\x", 0, NULL},
	        {"HKLM\\SYSTEM\\\\x", 0, NULL},
	        {"HKLM\\SYSTEM\\a\\\\b", 0, NULL},
	        {"HKLM\\SYSTEM\\a\\", 0, NULL},
	        {"HKLM\\SYSTEM\\", 0, NULL},
	        {"HKLM\\SOFTWARE\\\\", 0, NULL},
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct ha_err err;
		char *rel = (char *)"untouched";
		int hive = -7;
		int rc = ha_parse_hklm_path(cases[i].in, &hive, &rel, &err);

		if (cases[i].rel) {
			if (rc != HA_OK || hive != cases[i].hive || strcmp(rel, cases[i].rel) != 0)
				check_fail(__FILE__, __LINE__, "'%s': rc %d hive %d rel '%s'",
				           cases[i].in, rc, hive, rc ? "" : rel);
			if (rc == HA_OK)
				free(rel);
		} else {
			if (rc != HA_ERR_FORMAT || !strstr(err.msg, cases[i].in))
				check_fail(__FILE__, __LINE__, "'%s' accepted (rc %d)", cases[i].in,
				           rc);
			if (rc == HA_OK)
				free(rel);
		}
	}
}

/* ------------------------------------------------------------------ facts */

#define CV    "Microsoft\\Windows NT\\CurrentVersion"
#define PO    "CurrentControlSet\\Control\\ProductOptions"
#define ENV   "CurrentControlSet\\Control\\Session Manager\\Environment"
#define CN    "CurrentControlSet\\Control\\ComputerName\\ComputerName"
#define TCPIP "CurrentControlSet\\Services\\Tcpip\\Parameters"

struct os_case {
	const char *product_type; /* ProductType, or NULL */
	const char *version;      /* CurrentVersion, or NULL */
	const char *build;        /* CurrentBuildNumber, or NULL */
	const char *csd;          /* CSDVersion, or NULL */
	int major, minor;         /* CurrentMajor/MinorVersionNumber, -1: absent */
	const char *product_name; /* ProductName, or NULL */
	const char *install_type; /* InstallationType, or NULL */
	const char *edition;      /* EditionID, or NULL */
	const char *family;       /* expected os_family */
	const char *nt;           /* expected "major.minor" */
	int sp;                   /* expected service pack */
	int product;              /* expected enum ha_product */
};

static void build_os(struct ha_snapshot *s, const struct os_case *c)
{
	struct ha_key *k;

	ha_snapshot_init(s);
	k = add_key(s, HA_SOFTWARE, CV, HA_KEY_PRESENT);
	if (c->version)
		add_sz(k, "CurrentVersion", c->version);
	if (c->build)
		add_sz(k, "CurrentBuildNumber", c->build);
	if (c->csd)
		add_sz(k, "CSDVersion", c->csd);
	if (c->major >= 0)
		add_dword(k, "CurrentMajorVersionNumber", (uint32_t)c->major);
	if (c->minor >= 0)
		add_dword(k, "CurrentMinorVersionNumber", (uint32_t)c->minor);
	if (c->product_name)
		add_sz(k, "ProductName", c->product_name);
	if (c->install_type)
		add_sz(k, "InstallationType", c->install_type);
	if (c->edition)
		add_sz(k, "EditionID", c->edition);
	k = add_key(s, HA_SYSTEM, PO, c->product_type ? HA_KEY_PRESENT : HA_KEY_ABSENT);
	if (c->product_type)
		add_sz(k, "ProductType", c->product_type);
}

static void test_os_family_table(void)
{
	static const struct os_case cases[] = {
	        /* NT 4.0 */
	        {"WinNT", "4.0", "1381", "Service Pack 6", -1, -1, NULL, NULL, NULL,
	         "Windows NT 4.0 Workstation SP6", "4.0", 6, HA_PRODUCT_CLIENT},
	        {"ServerNT", "4.0", "1381", "Service Pack 6a", -1, -1, NULL, NULL, NULL,
	         "Windows NT 4.0 Server SP6", "4.0", 6, HA_PRODUCT_SERVER},
	        {"LanmanNT", "4.0", "1381", NULL, -1, -1, NULL, NULL, NULL, "Windows NT 4.0 Server",
	         "4.0", 0, HA_PRODUCT_DC},
	        /* 2000 */
	        {"WinNT", "5.0", "2195", "Service Pack 4", -1, -1, "Microsoft Windows 2000", NULL,
	         NULL, "Windows 2000 Professional SP4", "5.0", 4, HA_PRODUCT_CLIENT},
	        {"LanmanNT", "5.0", "2195", "Service Pack 4", -1, -1, "Microsoft Windows 2000",
	         NULL, NULL, "Windows 2000 Server SP4", "5.0", 4, HA_PRODUCT_DC},
	        /* XP, XP x64, 2003, 2003 R2 */
	        {"WinNT", "5.1", "2600", "Service Pack 3", -1, -1, "Microsoft Windows XP", NULL,
	         NULL, "Windows XP SP3", "5.1", 3, HA_PRODUCT_CLIENT},
	        {"WinNT", "5.2", "3790", "Service Pack 2", -1, -1, "Microsoft Windows XP", NULL,
	         NULL, "Windows XP Professional x64 SP2", "5.2", 2, HA_PRODUCT_CLIENT},
	        {"ServerNT", "5.2", "3790", "Service Pack 2", -1, -1,
	         "Microsoft Windows Server 2003", NULL, NULL, "Windows Server 2003 SP2", "5.2", 2,
	         HA_PRODUCT_SERVER},
	        {"ServerNT", "5.2", "3790", "Service Pack 2", -1, -1,
	         "Microsoft Windows Server 2003 R2", NULL, NULL, "Windows Server 2003 R2 SP2",
	         "5.2", 2, HA_PRODUCT_SERVER},
	        /* Vista and 2008: SP from the build when CSDVersion is absent. */
	        {"WinNT", "6.0", "6002", "Service Pack 2", -1, -1, "Windows Vista (TM) Business",
	         NULL, "Business", "Windows Vista SP2", "6.0", 2, HA_PRODUCT_CLIENT},
	        {"ServerNT", "6.0", "6001", "Service Pack 1", -1, -1,
	         "Windows Server (R) 2008 Standard", NULL, "ServerStandard",
	         "Windows Server 2008 SP1", "6.0", 1, HA_PRODUCT_SERVER},
	        {"ServerNT", "6.0", "6001", NULL, -1, -1, NULL, NULL, NULL,
	         "Windows Server 2008 SP1", "6.0", 1, HA_PRODUCT_SERVER},
	        {"ServerNT", "6.0", "6002", NULL, -1, -1, NULL, NULL, NULL,
	         "Windows Server 2008 SP2", "6.0", 2, HA_PRODUCT_SERVER},
	        {"ServerNT", "6.0", "6003", NULL, -1, -1, NULL, NULL, NULL,
	         "Windows Server 2008 SP2", "6.0", 2, HA_PRODUCT_SERVER},
	        {"WinNT", "6.0", "6000", NULL, -1, -1, NULL, NULL, NULL, "Windows Vista", "6.0", 0,
	         HA_PRODUCT_CLIENT},
	        /* 7 and 2008 R2: build 7601 is SP1. */
	        {"WinNT", "6.1", "7601", "Service Pack 1", -1, -1, "Windows 7 Professional",
	         "Client", "Professional", "Windows 7 SP1", "6.1", 1, HA_PRODUCT_CLIENT},
	        {"ServerNT", "6.1", "7601", NULL, -1, -1, "Windows Server 2008 R2 Enterprise",
	         "Server", "ServerEnterprise", "Windows Server 2008 R2 SP1", "6.1", 1,
	         HA_PRODUCT_SERVER},
	        {"ServerNT", "6.1", "7600", NULL, -1, -1, NULL, NULL, NULL,
	         "Windows Server 2008 R2", "6.1", 0, HA_PRODUCT_SERVER},
	        /* 8 / 2012, 8.1 / 2012 R2 */
	        {"WinNT", "6.2", "9200", NULL, -1, -1, "Windows 8 Pro", NULL, NULL, "Windows 8",
	         "6.2", 0, HA_PRODUCT_CLIENT},
	        {"ServerNT", "6.2", "9200", NULL, -1, -1, NULL, NULL, NULL, "Windows Server 2012",
	         "6.2", 0, HA_PRODUCT_SERVER},
	        {"WinNT", "6.3", "9600", NULL, -1, -1, NULL, NULL, NULL, "Windows 8.1", "6.3", 0,
	         HA_PRODUCT_CLIENT},
	        {"LanmanNT", "6.3", "9600", NULL, -1, -1, NULL, NULL, NULL,
	         "Windows Server 2012 R2", "6.3", 0, HA_PRODUCT_DC},
	        /* NT 10: the major/minor DWORDs; CurrentVersion stays "6.3". */
	        {"WinNT", "6.3", "19045", NULL, 10, 0, "Windows 10 Pro", "Client", "Professional",
	         "Windows 10", "10.0", 0, HA_PRODUCT_CLIENT},
	        {"ServerNT", "6.3", "14393", NULL, 10, 0, NULL, NULL, NULL, "Windows Server 2016",
	         "10.0", 0, HA_PRODUCT_SERVER},
	        {"ServerNT", "6.3", "17763", NULL, 10, 0, NULL, NULL, NULL, "Windows Server 2019",
	         "10.0", 0, HA_PRODUCT_SERVER},
	        {"LanmanNT", "6.3", "20348", NULL, 10, 0, NULL, NULL, NULL, "Windows Server 2022",
	         "10.0", 0, HA_PRODUCT_DC},
	        {"ServerNT", "6.3", "26100", NULL, 10, 0, NULL, NULL, NULL, "Windows Server 2025",
	         "10.0", 0, HA_PRODUCT_SERVER},
	        {"ServerNT", "6.3", "18363", NULL, 10, 0, NULL, NULL, NULL,
	         "Windows Server (build 18363)", "10.0", 0, HA_PRODUCT_SERVER},
	        /* Windows 11 still calls itself "Windows 10" in ProductName. */
	        {"WinNT", "6.3", "22631", NULL, 10, 0, "Windows 10 Pro", "Client", "Professional",
	         "Windows 11", "10.0", 0, HA_PRODUCT_CLIENT},
	        {"WinNT", "6.3", "22000", NULL, 10, 0, "Windows 10 Enterprise", NULL, NULL,
	         "Windows 11", "10.0", 0, HA_PRODUCT_CLIENT},
	        /* CurrentVersion "6.3" with an NT 10 build and no DWORDs. */
	        {"WinNT", "6.3", "10240", NULL, -1, -1, NULL, NULL, NULL, "Windows 10", "10.0", 0,
	         HA_PRODUCT_CLIENT},
	        {"ServerNT", "6.3", "14393", NULL, -1, -1, NULL, NULL, NULL, "Windows Server 2016",
	         "10.0", 0, HA_PRODUCT_SERVER},
	        /* Only one of the DWORDs: CurrentVersion decides. */
	        {"WinNT", "6.3", "9600", NULL, 10, -1, NULL, NULL, NULL, "Windows 8.1", "6.3", 0,
	         HA_PRODUCT_CLIENT},
	        /* Unknown product type: InstallationType, then EditionID, then * ProductName. */
	        {NULL, "6.1", "7601", NULL, -1, -1, NULL, "Client", NULL, "Windows 7 SP1", "6.1", 1,
	         HA_PRODUCT_CLIENT},
	        {NULL, "6.3", "14393", NULL, 10, 0, NULL, "Server Core", NULL,
	         "Windows Server 2016", "10.0", 0, HA_PRODUCT_SERVER},
	        {NULL, "6.0", "6002", NULL, -1, -1, NULL, NULL, "ServerStandard",
	         "Windows Server 2008 SP2", "6.0", 2, HA_PRODUCT_SERVER},
	        {NULL, "6.1", "7601", NULL, -1, -1, "Windows Server 2008 R2 Standard", NULL, NULL,
	         "Windows Server 2008 R2 SP1", "6.1", 1, HA_PRODUCT_SERVER},
	        {NULL, "6.0", "6002", NULL, -1, -1, "Windows Vista (TM) Business", NULL, "Business",
	         "Windows Vista SP2", "6.0", 2, HA_PRODUCT_CLIENT},
	        {NULL, "5.2", "3790", "Service Pack 2", -1, -1, "Microsoft Windows XP", NULL, NULL,
	         "Windows XP Professional x64 SP2", "5.2", 2, HA_PRODUCT_CLIENT},
	        {NULL, "5.2", "3790", NULL, -1, -1, "Microsoft Windows Server 2003 R2", NULL, NULL,
	         "Windows Server 2003 R2", "5.2", 0, HA_PRODUCT_SERVER},
	        {NULL, "6.3", "22631", NULL, 10, 0, "Windows 10 Pro", NULL, NULL, "Windows 11",
	         "10.0", 0, HA_PRODUCT_CLIENT},
	        /* Nothing tells client from server. */
	        {NULL, "6.1", "7601", NULL, -1, -1, NULL, NULL, NULL,
	         "Windows 7 / Server 2008 R2 SP1", "6.1", 1, HA_PRODUCT_UNKNOWN},
	        {NULL, "6.3", "19045", NULL, 10, 0, NULL, NULL, NULL, "Windows 10 or Server 2016+",
	         "10.0", 0, HA_PRODUCT_UNKNOWN},
	        {NULL, "6.3", "26100", NULL, 10, 0, NULL, NULL, NULL, "Windows 11 or Server 2025",
	         "10.0", 0, HA_PRODUCT_UNKNOWN},
	        {NULL, "5.2", "3790", NULL, -1, -1, NULL, NULL, NULL,
	         "Windows XP x64 / Server 2003", "5.2", 0, HA_PRODUCT_UNKNOWN},
	        {NULL, "5.0", "2195", NULL, -1, -1, "Microsoft Windows 2000", NULL, NULL,
	         "Windows 2000", "5.0", 0, HA_PRODUCT_UNKNOWN},
	        {NULL, "4.0", "1381", NULL, -1, -1, NULL, NULL, NULL, "Windows NT 4.0", "4.0", 0,
	         HA_PRODUCT_UNKNOWN},
	        /* A product type with odd case still counts; junk does not. */
	        {"winnt", "6.1", "7601", NULL, -1, -1, NULL, NULL, NULL, "Windows 7 SP1", "6.1", 1,
	         HA_PRODUCT_CLIENT},
	        {"Terminal", "6.1", "7601", NULL, -1, -1, NULL, NULL, NULL,
	         "Windows 7 / Server 2008 R2 SP1", "6.1", 1, HA_PRODUCT_UNKNOWN},
	        /* A version no table row knows. */
	        {"WinNT", "6.4", "9841", NULL, -1, -1, NULL, NULL, NULL, "Windows NT 6.4", "6.4", 0,
	         HA_PRODUCT_CLIENT},
	        /* Server NT 10 without a build number. */
	        {"ServerNT", "6.3", NULL, NULL, 10, 0, NULL, NULL, NULL,
	         "Windows Server 2016 or later", "10.0", 0, HA_PRODUCT_SERVER},
	        {"WinNT", "6.3", NULL, NULL, 10, 0, NULL, NULL, NULL, "Windows 10 or 11", "10.0", 0,
	         HA_PRODUCT_CLIENT},
	        /* A CSDVersion that says nothing we understand: no SP. */
	        {"WinNT", "5.1", "2600", "Beta 2", -1, -1, NULL, NULL, NULL, "Windows XP", "5.1", 0,
	         HA_PRODUCT_CLIENT},
	        /* The version cannot be read: unknown. */
	        {"WinNT", NULL, "7601", NULL, -1, -1, NULL, NULL, NULL, "Unknown", NULL, -1,
	         HA_PRODUCT_CLIENT},
	        {"WinNT", "six.one", "7601", NULL, -1, -1, NULL, NULL, NULL, "Unknown", NULL, -1,
	         HA_PRODUCT_CLIENT},
	        {"WinNT", "6.1.2", "7601", NULL, -1, -1, NULL, NULL, NULL, "Unknown", NULL, -1,
	         HA_PRODUCT_CLIENT},
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct os_case *c = &cases[i];
		struct ha_snapshot s;
		struct ha_facts f;
		struct ha_err err;
		char nt[32] = "";

		build_os(&s, c);
		CHECK_INT(ha_facts_derive(&s, &f, &err), HA_OK);
		if (f.nt_major >= 0)
			snprintf(nt, sizeof nt, "%d.%d", f.nt_major, f.nt_minor);
		if (!f.os_family || strcmp(f.os_family, c->family) != 0 ||
		    strcmp(nt, c->nt ? c->nt : "") != 0 || f.sp != c->sp ||
		    f.product != c->product || f.os_known != (c->nt != NULL))
			check_fail(__FILE__, __LINE__,
			           "case %zu: got \"%s\" nt %s sp %d product %d, "
			           "want \"%s\" nt %s sp %d product %d",
			           i, f.os_family ? f.os_family : "(null)", nt, f.sp, f.product,
			           c->family, c->nt ? c->nt : "", c->sp, c->product);
		if (c->nt && !f.nt_source)
			check_fail(__FILE__, __LINE__, "case %zu: no nt_source", i);
		if (c->product != HA_PRODUCT_UNKNOWN && !f.product_source)
			check_fail(__FILE__, __LINE__, "case %zu: no product_source", i);
		ha_facts_free(&f);
		ha_snapshot_free(&s);
	}
}

static void test_facts_details(void)
{
	struct ha_snapshot s;
	struct ha_facts f;
	struct ha_err err;
	struct ha_key *k;

	/* Nothing at all: unknown everything, no crash. */
	ha_snapshot_init(&s);
	CHECK_INT(ha_facts_derive(&s, &f, &err), HA_OK);
	CHECK_STR(f.os_family, "Unknown");
	CHECK_INT(f.os_known, 0);
	CHECK_INT(f.build, -1);
	CHECK_INT(f.ubr, -1);
	CHECK_INT(f.sp, -1);
	CHECK_INT(f.arch, HA_ARCH_UNKNOWN);
	CHECK_INT(f.product, HA_PRODUCT_UNKNOWN);
	CHECK(f.computer_name == NULL);
	ha_facts_free(&f);
	ha_facts_free(NULL);
	ha_snapshot_free(&s);

	/* Names, build from the old CurrentBuild, UBR, the NT 10 inference. */
	ha_snapshot_init(&s);
	k = add_key(&s, HA_SOFTWARE, CV, HA_KEY_PRESENT);
	add_sz(k, "CurrentVersion", "6.3");
	add_sz(k, "CurrentBuild", "17763");
	add_dword(k, "UBR", 5458);
	k = add_key(&s, HA_SYSTEM, CN, HA_KEY_PRESENT);
	add_sz(k, "ComputerName", "WEB01");
	k = add_key(&s, HA_SYSTEM, TCPIP, HA_KEY_PRESENT);
	add_sz(k, "Hostname", "web01");
	add_sz(k, "Domain", "corp.example");
	k = add_key(&s, HA_SYSTEM, PO, HA_KEY_PRESENT);
	add_sz(k, "ProductType", "ServerNT");
	CHECK_INT(ha_facts_derive(&s, &f, &err), HA_OK);
	CHECK_STR(f.computer_name, "WEB01");
	CHECK_STR(f.hostname, "web01");
	CHECK_STR(f.domain, "corp.example");
	CHECK_INT(f.build, 17763);
	CHECK_INT(f.ubr, 5458);
	CHECK_INT(f.nt_major, 10);
	CHECK_HAS(f.nt_source, "build 17763");
	CHECK_STR(f.os_family, "Windows Server 2019");
	CHECK_HAS(f.product_source, "ServerNT");
	ha_facts_free(&f);
	ha_snapshot_free(&s);

	/* Values of the wrong type, or keys that could not be read, are not
	 * taken as facts. */
	ha_snapshot_init(&s);
	k = add_key(&s, HA_SOFTWARE, CV, HA_KEY_PRESENT);
	add_dword(k, "CurrentVersion", 6);
	add_sz(k, "CurrentBuildNumber", "build 7601");
	add_sz(k, "UBR", "5");
	k = add_key(&s, HA_SYSTEM, CN, HA_KEY_ERROR);
	add_sz(k, "ComputerName", "GHOST");
	CHECK_INT(ha_facts_derive(&s, &f, &err), HA_OK);
	CHECK_INT(f.os_known, 0);
	CHECK_INT(f.build, -1);
	CHECK_INT(f.ubr, -1);
	CHECK(f.computer_name == NULL);
	ha_facts_free(&f);
	ha_snapshot_free(&s);
}

static void test_facts_architecture(void)
{
	static const struct {
		const char *env; /* PROCESSOR_ARCHITECTURE, or NULL */
		int wow;         /* Wow6432Node key state, or -1: not requested */
		int arch;
		const char *source;
	} cases[] = {
	        {"AMD64", -1, HA_ARCH_X64, "PROCESSOR_ARCHITECTURE \"AMD64\""},
	        {"amd64", HA_KEY_ABSENT, HA_ARCH_X64, "PROCESSOR_ARCHITECTURE"},
	        {"x86", HA_KEY_PRESENT, HA_ARCH_X86, "PROCESSOR_ARCHITECTURE \"x86\""},
	        {"IA64", -1, HA_ARCH_IA64, "IA64"},
	        {"ARM64", -1, HA_ARCH_ARM64, "ARM64"},
	        {"MIPS", HA_KEY_PRESENT, HA_ARCH_X64, "inferred: SOFTWARE has Wow6432Node"},
	        {NULL, HA_KEY_PRESENT, HA_ARCH_X64, "inferred: SOFTWARE has Wow6432Node"},
	        {NULL, HA_KEY_ABSENT, HA_ARCH_X86, "inferred: SOFTWARE has no Wow6432Node"},
	        {NULL, HA_KEY_UNAVAILABLE, HA_ARCH_UNKNOWN, NULL},
	        {NULL, HA_KEY_ERROR, HA_ARCH_UNKNOWN, NULL},
	        {NULL, -1, HA_ARCH_UNKNOWN, NULL},
	        {"", -1, HA_ARCH_UNKNOWN, NULL},
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct ha_snapshot s;
		struct ha_facts f;
		struct ha_err err;

		ha_snapshot_init(&s);
		if (cases[i].env)
			add_sz(add_key(&s, HA_SYSTEM, ENV, HA_KEY_PRESENT),
			       "PROCESSOR_ARCHITECTURE", cases[i].env);
		if (cases[i].wow >= 0)
			add_key(&s, HA_SOFTWARE, "Wow6432Node", cases[i].wow);
		CHECK_INT(ha_facts_derive(&s, &f, &err), HA_OK);
		if (f.arch != cases[i].arch)
			check_fail(__FILE__, __LINE__, "case %zu: arch %d, want %d", i, f.arch,
			           cases[i].arch);
		if (cases[i].source)
			CHECK_HAS(f.arch_source, cases[i].source);
		else
			CHECK(f.arch_source == NULL);
		ha_facts_free(&f);
		ha_snapshot_free(&s);
	}
}

/* The fuzzers' snapshot seeds are encodings of sample hosts; when the
 * encoding changes they must be written again (from a store: hosts.snapshot),
 * or the snapshot and rules targets fuzz nothing but the decoder's first
 * refusal. */
static void test_fuzz_seeds_decode(void)
{
	static const char *const seeds[] = {"dmg-dirty", "dmg-text", "mis-roots-tampered",
	                                    "only-system", "srv2019"};
	size_t i, n;

	for (i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
		char path[4096];
		struct ha_snapshot s;
		struct ha_err err;
		char *data;

		snprintf(path, sizeof path, "%s/fuzz/corpus/snapshot/%s", tu_source_dir(),
		         seeds[i]);
		data = tu_read(path, &n);
		CHECK(data != NULL);
		if (!data)
			continue;
		ha_snapshot_init(&s);
		if (ha_snapshot_decode((const uint8_t *)data, n, &s, &err) != HA_OK)
			check_fail(__FILE__, __LINE__, "fuzz seed %s: %s", seeds[i], err.msg);
		else
			CHECK(s.nfiles > 0 && s.nkeys > 0);
		ha_snapshot_free(&s);
		free(data);
	}
}

int main(int argc, char **argv)
{
	static const struct check_case cases[] = {
	        CHECK_CASE(test_round_trip),
	        CHECK_CASE(test_decode_every_truncation),
	        CHECK_CASE(test_decode_random_damage),
	        CHECK_CASE(test_decode_hostile_counts),
	        CHECK_CASE(test_decode_out_of_range),
	        CHECK_CASE(test_decode_bad_strings_and_framing),
	        CHECK_CASE(test_decode_required_fields),
	        CHECK_CASE(test_encode_failure),
	        CHECK_CASE(test_subkey_matches),
	        CHECK_CASE(test_value_numbers),
	        CHECK_CASE(test_value_strings),
	        CHECK_CASE(test_value_multi_sz_and_binary),
	        CHECK_CASE(test_names),
	        CHECK_CASE(test_categories),
	        CHECK_CASE(test_reqset),
	        CHECK_CASE(test_parse_hklm_path),
	        CHECK_CASE(test_os_family_table),
	        CHECK_CASE(test_facts_details),
	        CHECK_CASE(test_facts_architecture),
	        CHECK_CASE(test_fuzz_seeds_decode),
	};

	return check_run(cases, sizeof cases / sizeof cases[0], argc, argv);
}
