/* encode.c: the snapshot's binary encoding.
 *
 * FORMAT (all integers little-endian; "str" is u32 length + bytes, with
 * length 0xFFFFFFFF meaning NULL; strings never contain NUL bytes)
 *
 *   "HASN" u32 version(=1)
 *   str label, str dir, str note
 *   u32 nfiles, then per file:
 *     str path, u32 kind, str kind_why, i32 role, i32 claim, u32 status, str reason,
 *     u64 size, u64 mtime_ns, str sha256, u32 bb_valid,
 *     u32 seq1 seq2 checksum_stored checksum_computed checksum_ok major minor
 *         type format root_offset hbins_size clustering flags, u64 last_written,
 *     str bb_name, u32 dirty, u32 degraded, u32 nlogs, nlogs * str, str replay
 *   per role (2): i32 file, i32 cand, u32 status, str reason
 *   u32 ccs, str ccs_source
 *   u32 nkeys, then per key:
 *     u32 hive, str lpath, str ppath, str match, u32 state, str error,
 *     u64 last_write, u32 nvalues, nvalues * (str name, u32 type,
 *     u32 len + bytes, str error), u32 nsub, nsub * str, u32 sub_truncated
 *
 * The decoder checks every length against what is left, every enum against
 * its range and every index against its array: the bytes come from a worker
 * process that has just parsed a hostile hive. */
#include <stdlib.h>
#include <string.h>

#include "ha_snapshot.h"

#define MAGIC    "HASN"
#define VERSION  1u
#define NULL_LEN 0xFFFFFFFFu

static void put_str(struct ha_buf *b, const char *s)
{
	if (!s)
		ha_buf_u32(b, NULL_LEN);
	else
		ha_buf_lstr(b, s, strlen(s));
}

int ha_snapshot_encode(const struct ha_snapshot *s, struct ha_buf *b)
{
	size_t i, j;
	int r;

	ha_buf_add(b, MAGIC, 4);
	ha_buf_u32(b, VERSION);
	put_str(b, s->label);
	put_str(b, s->dir);
	put_str(b, s->note);
	ha_buf_u32(b, (uint32_t)s->nfiles);
	for (i = 0; i < s->nfiles; i++) {
		const struct ha_hivefile *f = &s->files[i];
		const struct ha_baseblock *bb = &f->bb;

		put_str(b, f->path);
		ha_buf_u32(b, (uint32_t)f->kind);
		put_str(b, f->kind_why);
		ha_buf_u32(b, (uint32_t)f->role);
		ha_buf_u32(b, (uint32_t)f->claim);
		ha_buf_u32(b, (uint32_t)f->status);
		put_str(b, f->reason);
		ha_buf_u64(b, f->size);
		ha_buf_u64(b, (uint64_t)f->mtime_ns);
		put_str(b, f->sha256);
		ha_buf_u32(b, (uint32_t)f->bb_valid);
		ha_buf_u32(b, bb->seq1);
		ha_buf_u32(b, bb->seq2);
		ha_buf_u32(b, bb->checksum_stored);
		ha_buf_u32(b, bb->checksum_computed);
		ha_buf_u32(b, (uint32_t)bb->checksum_ok);
		ha_buf_u32(b, bb->major);
		ha_buf_u32(b, bb->minor);
		ha_buf_u32(b, bb->type);
		ha_buf_u32(b, bb->format);
		ha_buf_u32(b, bb->root_offset);
		ha_buf_u32(b, bb->hbins_size);
		ha_buf_u32(b, bb->clustering);
		ha_buf_u32(b, bb->flags);
		ha_buf_u64(b, (uint64_t)bb->last_written);
		put_str(b, bb->name);
		ha_buf_u32(b, (uint32_t)f->dirty);
		ha_buf_u32(b, (uint32_t)f->degraded);
		ha_buf_u32(b, (uint32_t)f->nlogs);
		for (j = 0; j < f->nlogs; j++)
			put_str(b, f->logs[j]);
		put_str(b, f->replay);
	}
	for (r = 0; r < HA_NROLES; r++) {
		ha_buf_u32(b, (uint32_t)s->role[r].file);
		ha_buf_u32(b, (uint32_t)s->role[r].cand);
		ha_buf_u32(b, (uint32_t)s->role[r].status);
		put_str(b, s->role[r].reason);
	}
	ha_buf_u32(b, (uint32_t)s->ccs);
	put_str(b, s->ccs_source);
	ha_buf_u32(b, (uint32_t)s->nkeys);
	for (i = 0; i < s->nkeys; i++) {
		const struct ha_key *k = &s->keys[i];

		ha_buf_u32(b, (uint32_t)k->hive);
		put_str(b, k->lpath);
		put_str(b, k->ppath);
		put_str(b, k->match);
		ha_buf_u32(b, (uint32_t)k->state);
		put_str(b, k->error);
		ha_buf_u64(b, (uint64_t)k->last_write);
		ha_buf_u32(b, (uint32_t)k->nvalues);
		for (j = 0; j < k->nvalues; j++) {
			const struct ha_value *v = &k->values[j];

			put_str(b, v->name);
			ha_buf_u32(b, v->type);
			ha_buf_lstr(b, v->data, v->len);
			put_str(b, v->error);
		}
		ha_buf_u32(b, (uint32_t)k->nsub);
		for (j = 0; j < k->nsub; j++)
			put_str(b, k->sub[j]);
		ha_buf_u32(b, (uint32_t)k->sub_truncated);
	}
	return ha_buf_status(b);
}

/* ---------------------------------------------------------------- decode */

struct dec {
	struct ha_cur c;
	struct ha_err *err;
	const char *what; /* field being decoded, for the message */
};

static int fail(struct dec *d)
{
	return ha_err_set(d->err, HA_ERR_FORMAT,
	                  "snapshot encoding: bad or truncated %s at byte %zu", d->what, d->c.pos);
}

static int get_u32(struct dec *d, const char *what, uint32_t *v)
{
	d->what = what;
	return ha_cur_u32(&d->c, v) ? fail(d) : HA_OK;
}

static int get_u64(struct dec *d, const char *what, uint64_t *v)
{
	d->what = what;
	return ha_cur_u64(&d->c, v) ? fail(d) : HA_OK;
}

static int get_enum(struct dec *d, const char *what, int lo, int hi, int *v)
{
	uint32_t u;
	int rc = get_u32(d, what, &u);

	/* The code, not d->err->code: the caller may pass no error object. */
	if (rc)
		return rc;
	if ((int32_t)u < lo || (int32_t)u > hi)
		return fail(d);
	*v = (int32_t)u;
	return HA_OK;
}

static int get_str(struct dec *d, const char *what, char **out)
{
	const uint8_t *p;
	uint32_t n;

	d->what = what;
	*out = NULL;
	if (ha_cur_u32(&d->c, &n))
		return fail(d);
	if (n == NULL_LEN)
		return HA_OK;
	if (ha_cur_bytes(&d->c, n, &p) || memchr(p, 0, n))
		return fail(d);
	*out = ha_strndup((const char *)p, n);
	if (!*out)
		return ha_err_nomem(d->err);
	return HA_OK;
}

/* A count whose elements take at least `min_each` bytes: bounded by what is
 * left, so a hostile count cannot make us allocate gigabytes. */
static int get_count(struct dec *d, const char *what, size_t min_each, size_t *n)
{
	uint32_t u;
	int rc = get_u32(d, what, &u);

	if (rc)
		return rc;
	if ((size_t)u > ha_cur_left(&d->c) / min_each)
		return fail(d);
	*n = u;
	return HA_OK;
}

static int get_fixed_str(struct dec *d, const char *what, char *dst, size_t cap)
{
	char *s = NULL;
	int rc = get_str(d, what, &s);

	if (rc)
		return rc;
	dst[0] = '\0';
	if (s) {
		size_t n = strlen(s);

		if (n >= cap) {
			free(s);
			return fail(d);
		}
		memcpy(dst, s, n + 1);
		free(s);
	}
	return HA_OK;
}

#define TRY(x)                                                                                     \
	do {                                                                                       \
		int rc_ = (x);                                                                     \
		if (rc_)                                                                           \
			return rc_;                                                                \
	} while (0)

static int dec_file(struct dec *d, struct ha_hivefile *f)
{
	struct ha_baseblock *bb = &f->bb;
	uint64_t u64;
	uint32_t u;
	size_t i, n = 0;

	TRY(get_str(d, "file path", &f->path));
	TRY(get_enum(d, "file kind", 0, HA_FK_COUNT - 1, &f->kind));
	TRY(get_str(d, "kind reason", &f->kind_why));
	TRY(get_enum(d, "file role", -1, HA_NROLES - 1, &f->role));
	TRY(get_enum(d, "file claim", -1, HA_NROLES - 1, &f->claim));
	TRY(get_enum(d, "file status", 0, HA_HS_COUNT - 1, &f->status));
	TRY(get_str(d, "file reason", &f->reason));
	TRY(get_u64(d, "file size", &f->size));
	TRY(get_u64(d, "file mtime", &u64));
	f->mtime_ns = (int64_t)u64;
	TRY(get_fixed_str(d, "sha256", f->sha256, sizeof f->sha256));
	TRY(get_enum(d, "base block flag", 0, 1, &f->bb_valid));
	TRY(get_u32(d, "base block", &bb->seq1));
	TRY(get_u32(d, "base block", &bb->seq2));
	TRY(get_u32(d, "base block", &bb->checksum_stored));
	TRY(get_u32(d, "base block", &bb->checksum_computed));
	TRY(get_u32(d, "base block", &u));
	bb->checksum_ok = u != 0;
	TRY(get_u32(d, "base block", &bb->major));
	TRY(get_u32(d, "base block", &bb->minor));
	TRY(get_u32(d, "base block", &bb->type));
	TRY(get_u32(d, "base block", &bb->format));
	TRY(get_u32(d, "base block", &bb->root_offset));
	TRY(get_u32(d, "base block", &bb->hbins_size));
	TRY(get_u32(d, "base block", &bb->clustering));
	TRY(get_u32(d, "base block", &bb->flags));
	TRY(get_u64(d, "base block", &u64));
	bb->last_written = (int64_t)u64;
	TRY(get_fixed_str(d, "embedded name", bb->name, sizeof bb->name));
	TRY(get_enum(d, "dirty flag", 0, 1, &f->dirty));
	TRY(get_enum(d, "degraded flag", 0, 1, &f->degraded));
	TRY(get_count(d, "log count", 4, &n));
	if (n) {
		f->logs = calloc(n, sizeof *f->logs);
		if (!f->logs)
			return ha_err_nomem(d->err);
		for (i = 0; i < n; i++) {
			TRY(get_str(d, "log path", &f->logs[i]));
			f->nlogs++;
			if (!f->logs[i])
				return fail(d);
		}
	}
	TRY(get_str(d, "replay summary", &f->replay));
	if (!f->path)
		return fail(d);
	return HA_OK;
}

static int dec_key(struct dec *d, struct ha_key *k)
{
	uint64_t u64;
	size_t i, n = 0;

	TRY(get_enum(d, "key hive", 0, HA_NROLES - 1, &k->hive));
	TRY(get_str(d, "key path", &k->lpath));
	TRY(get_str(d, "key physical path", &k->ppath));
	TRY(get_str(d, "key match", &k->match));
	TRY(get_enum(d, "key state", HA_KEY_PRESENT, HA_KEY_UNAVAILABLE, &k->state));
	TRY(get_str(d, "key error", &k->error));
	TRY(get_u64(d, "key time", &u64));
	k->last_write = (int64_t)u64;
	if (!k->lpath)
		return fail(d);
	TRY(get_count(d, "value count", 16, &n));
	for (i = 0; i < n; i++) {
		struct ha_value *v = ha_key_add_value(k);
		const uint8_t *p;

		if (!v)
			return ha_err_nomem(d->err);
		TRY(get_str(d, "value name", &v->name));
		if (!v->name)
			return fail(d);
		TRY(get_u32(d, "value type", &v->type));
		d->what = "value data";
		if (ha_cur_lstr(&d->c, &p, &v->len))
			return fail(d);
		if (v->len) {
			v->data = malloc(v->len);
			if (!v->data)
				return ha_err_nomem(d->err);
			memcpy(v->data, p, v->len);
		}
		TRY(get_str(d, "value error", &v->error));
	}
	TRY(get_count(d, "subkey count", 4, &n));
	for (i = 0; i < n; i++) {
		char *s;

		TRY(get_str(d, "subkey name", &s));
		if (!s)
			return fail(d);
		if (ha_key_add_sub(k, s)) {
			free(s);
			return ha_err_nomem(d->err);
		}
		free(s);
	}
	TRY(get_enum(d, "subkey truncation flag", 0, 1, &k->sub_truncated));
	return HA_OK;
}

int ha_snapshot_decode(const uint8_t *p, size_t n, struct ha_snapshot *s, struct ha_err *err)
{
	struct dec d;
	const uint8_t *magic;
	uint32_t version;
	size_t i, count = 0;
	int r;

	ha_cur_init(&d.c, p, n);
	d.err = err;
	d.what = "header";
	if (ha_cur_bytes(&d.c, 4, &magic) || memcmp(magic, MAGIC, 4) != 0)
		return fail(&d);
	TRY(get_u32(&d, "version", &version));
	if (version != VERSION)
		return ha_err_set(err, HA_ERR_FORMAT, "snapshot encoding version %u, expected %u",
		                  version, VERSION);
	TRY(get_str(&d, "label", &s->label));
	TRY(get_str(&d, "dir", &s->dir));
	TRY(get_str(&d, "note", &s->note));
	TRY(get_count(&d, "file count", 64, &count));
	for (i = 0; i < count; i++) {
		struct ha_hivefile *f = ha_snapshot_add_file(s);

		if (!f)
			return ha_err_nomem(err);
		TRY(dec_file(&d, f));
	}
	for (r = 0; r < HA_NROLES; r++) {
		free(s->role[r].reason);
		s->role[r].reason = NULL;
		TRY(get_enum(&d, "role file", -1, (int)s->nfiles - 1, &s->role[r].file));
		TRY(get_enum(&d, "role candidate", -1, (int)s->nfiles - 1, &s->role[r].cand));
		TRY(get_enum(&d, "role status", 0, HA_HS_COUNT - 1, &s->role[r].status));
		TRY(get_str(&d, "role reason", &s->role[r].reason));
	}
	TRY(get_enum(&d, "control set", 0, 999, &s->ccs));
	TRY(get_str(&d, "control set source", &s->ccs_source));
	TRY(get_count(&d, "key count", 32, &count));
	for (i = 0; i < count; i++) {
		struct ha_key *k = ha_snapshot_add_key(s);

		if (!k)
			return ha_err_nomem(err);
		TRY(dec_key(&d, k));
	}
	if (ha_cur_left(&d.c) != 0) {
		d.what = "trailing bytes";
		return fail(&d);
	}
	return HA_OK;
}
