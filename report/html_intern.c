/* html_intern.c: the containers report.html is built from: interned byte
 * strings (struct intern, an open-addressing hash over one key buffer) and
 * growable integer vectors (struct vec).  They report HA_ERR_NOMEM or
 * HA_ERR_LIMIT; html_fail turns that into the error. */
#include <stdlib.h>
#include <string.h>

#include "html_internal.h"

static uint64_t hash_bytes(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= s[i];
		h *= 1099511628211ULL;
	}
	return h ^ (h >> 29);
}

void intern_init(struct intern *t)
{
	memset(t, 0, sizeof *t);
	ha_buf_init(&t->keys, 0);
}

void intern_free(struct intern *t)
{
	ha_buf_free(&t->keys);
	free(t->off);
	free(t->len);
	free(t->slot);
	memset(t, 0, sizeof *t);
}

const char *intern_key(const struct intern *t, uint32_t id, size_t *len)
{
	if (len)
		*len = t->len[id];
	return t->keys.data + t->off[id];
}

static int intern_grow(struct intern *t)
{
	uint32_t nslot = t->nslot ? t->nslot * 2 : 1024, i;
	uint32_t *slot;

	if (nslot < t->nslot || nslot > (UINT32_MAX >> 2))
		return HA_ERR_LIMIT;
	slot = calloc(nslot, sizeof *slot);
	if (!slot)
		return HA_ERR_NOMEM;
	for (i = 0; i < t->n; i++) {
		uint32_t h =
		        (uint32_t)hash_bytes(t->keys.data + t->off[i], t->len[i]) & (nslot - 1);

		while (slot[h])
			h = (h + 1) & (nslot - 1);
		slot[h] = i + 1;
	}
	free(t->slot);
	t->slot = slot;
	t->nslot = nslot;
	return HA_OK;
}

int intern_add(struct intern *t, const void *key, size_t len, uint32_t *id)
{
	uint32_t h;
	int rc;

	if (len > UINT32_MAX - 1)
		return HA_ERR_LIMIT;
	if ((size_t)(t->n + 1) * 2 >= t->nslot && (rc = intern_grow(t)) != HA_OK)
		return rc;
	h = (uint32_t)hash_bytes(key, len) & (t->nslot - 1);
	while (t->slot[h]) {
		uint32_t i = t->slot[h] - 1;

		if (t->len[i] == len && !memcmp(t->keys.data + t->off[i], key, len)) {
			*id = i;
			return HA_OK;
		}
		h = (h + 1) & (t->nslot - 1);
	}
	if (t->n == t->cap) {
		uint32_t cap = t->cap ? t->cap * 2 : 256;
		size_t *off;
		uint32_t *l;

		if (cap < t->cap)
			return HA_ERR_LIMIT;
		off = realloc(t->off, (size_t)cap * sizeof *off);
		if (!off)
			return HA_ERR_NOMEM;
		t->off = off;
		l = realloc(t->len, (size_t)cap * sizeof *l);
		if (!l)
			return HA_ERR_NOMEM;
		t->len = l;
		t->cap = cap;
	}
	t->off[t->n] = t->keys.len;
	t->len[t->n] = (uint32_t)len;
	ha_buf_add(&t->keys, key, len);
	ha_buf_putc(&t->keys, '\0');
	if ((rc = ha_buf_status(&t->keys)) != HA_OK)
		return rc;
	t->slot[h] = t->n + 1;
	*id = t->n++;
	return HA_OK;
}

int vec_push(struct vec *a, int64_t x)
{
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 256;
		int64_t *v;

		if (cap > SIZE_MAX / sizeof *v)
			return HA_ERR_LIMIT;
		v = realloc(a->v, cap * sizeof *v);
		if (!v)
			return HA_ERR_NOMEM;
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n++] = x;
	return HA_OK;
}

int html_nomem(struct ha_err *err)
{
	return ha_err_nomem(err);
}

int html_fail(struct ha_err *err, int rc)
{
	if (rc == HA_ERR_NOMEM)
		return html_nomem(err);
	return ha_err_set(err, HA_ERR_LIMIT, "report.html: too many distinct records");
}
