/* buf.c: the growable buffer (see ha_common.h).  Failure is sticky: after
 * the first failed append every later append is a no-op, so long runs of
 * appends are checked once with ha_buf_status(). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ha_common.h"

static char ha_buf_empty[1];

void ha_buf_init(struct ha_buf *b, size_t limit)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->limit = limit ? limit : HA_BUF_DEFAULT_LIMIT;
	b->failed = 0;
}

static int ha_buf_grow(struct ha_buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (b->failed)
		return -1;
	if (ha_size_add(b->len, extra, &need) || ha_size_add(need, 1, &need)) {
		b->failed = HA_ERR_LIMIT;
		return -1;
	}
	if (need - 1 > b->limit) {
		b->failed = HA_ERR_LIMIT;
		return -1;
	}
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need) {
		if (cap > SIZE_MAX / 2) {
			cap = need;
			break;
		}
		cap *= 2;
	}
	p = realloc(b->data, cap);
	if (!p) {
		b->failed = HA_ERR_NOMEM;
		return -1;
	}
	b->data = p;
	b->cap = cap;
	return 0;
}

void ha_buf_add(struct ha_buf *b, const void *p, size_t n)
{
	if (ha_buf_grow(b, n))
		return;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void ha_buf_puts(struct ha_buf *b, const char *s)
{
	ha_buf_add(b, s, strlen(s));
}

void ha_buf_putc(struct ha_buf *b, char c)
{
	ha_buf_add(b, &c, 1);
}

void ha_buf_vprintf(struct ha_buf *b, const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	if (b->failed)
		return;
	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0) {
		b->failed = HA_ERR_LIMIT;
		return;
	}
	if (ha_buf_grow(b, (size_t)n))
		return;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void ha_buf_printf(struct ha_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ha_buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void ha_buf_u32(struct ha_buf *b, uint32_t v)
{
	uint8_t p[4];

	ha_put_le32(p, v);
	ha_buf_add(b, p, 4);
}

void ha_buf_u64(struct ha_buf *b, uint64_t v)
{
	ha_buf_u32(b, (uint32_t)v);
	ha_buf_u32(b, (uint32_t)(v >> 32));
}

void ha_buf_lstr(struct ha_buf *b, const void *p, size_t n)
{
	if (n > UINT32_MAX) {
		if (!b->failed)
			b->failed = HA_ERR_LIMIT;
		return;
	}
	ha_buf_u32(b, (uint32_t)n);
	ha_buf_add(b, p, n);
}

int ha_buf_status(const struct ha_buf *b)
{
	return b->failed;
}

const char *ha_buf_cstr(const struct ha_buf *b)
{
	return b->data ? b->data : ha_buf_empty;
}

char *ha_buf_detach(struct ha_buf *b, size_t *len)
{
	char *p;

	if (b->failed) {
		ha_buf_free(b);
		return NULL;
	}
	if (!b->data) {
		p = calloc(1, 1);
		if (len)
			*len = 0;
		return p;
	}
	p = b->data;
	if (len)
		*len = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

void ha_buf_truncate(struct ha_buf *b, size_t len)
{
	if (len < b->len) {
		b->len = len;
		b->data[len] = '\0';
	}
}

void ha_buf_free(struct ha_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
	b->failed = 0;
}

/* ---------------------------------------------------------- cursor, sizes */

int ha_cur_u8(struct ha_cur *c, uint8_t *v)
{
	if (ha_cur_left(c) < 1)
		return HA_ERR_FORMAT;
	*v = c->p[c->pos++];
	return HA_OK;
}

int ha_cur_u16(struct ha_cur *c, uint16_t *v)
{
	if (ha_cur_left(c) < 2)
		return HA_ERR_FORMAT;
	*v = ha_le16(c->p + c->pos);
	c->pos += 2;
	return HA_OK;
}

int ha_cur_u32(struct ha_cur *c, uint32_t *v)
{
	if (ha_cur_left(c) < 4)
		return HA_ERR_FORMAT;
	*v = ha_le32(c->p + c->pos);
	c->pos += 4;
	return HA_OK;
}

int ha_cur_u64(struct ha_cur *c, uint64_t *v)
{
	if (ha_cur_left(c) < 8)
		return HA_ERR_FORMAT;
	*v = ha_le64(c->p + c->pos);
	c->pos += 8;
	return HA_OK;
}

int ha_cur_bytes(struct ha_cur *c, size_t n, const uint8_t **out)
{
	if (ha_cur_left(c) < n)
		return HA_ERR_FORMAT;
	*out = c->p + c->pos;
	c->pos += n;
	return HA_OK;
}

int ha_cur_skip(struct ha_cur *c, size_t n)
{
	if (ha_cur_left(c) < n)
		return HA_ERR_FORMAT;
	c->pos += n;
	return HA_OK;
}

int ha_cur_lstr(struct ha_cur *c, const uint8_t **out, uint32_t *n)
{
	size_t save = c->pos;
	uint32_t len;

	if (ha_cur_u32(c, &len))
		return HA_ERR_FORMAT;
	if (ha_cur_bytes(c, len, out)) {
		c->pos = save;
		return HA_ERR_FORMAT;
	}
	*n = len;
	return HA_OK;
}

int ha_size_add(size_t a, size_t b, size_t *out)
{
	if (a > SIZE_MAX - b)
		return HA_ERR_LIMIT;
	*out = a + b;
	return HA_OK;
}

int ha_size_mul(size_t a, size_t b, size_t *out)
{
	if (a && b > SIZE_MAX / a)
		return HA_ERR_LIMIT;
	*out = a * b;
	return HA_OK;
}

int ha_array_grow(void *v, size_t *cap, size_t n, size_t size, size_t first)
{
	void *old, *nv;
	size_t want, bytes;

	/* `v` points at a `T *`; read and written through memcpy, not as a
	 * `void **`, which another pointer type may not be accessed as. */
	if (n < *cap)
		return HA_OK;
	want = first ? first : 1;
	if (*cap && ha_size_mul(*cap, 2, &want))
		return HA_ERR_LIMIT;
	if (ha_size_mul(want, size, &bytes))
		return HA_ERR_LIMIT;
	memcpy(&old, v, sizeof old);
	nv = realloc(old, bytes);
	if (!nv)
		return HA_ERR_NOMEM;
	memcpy(v, &nv, sizeof nv);
	*cap = want;
	return HA_OK;
}
