/* test_common.c: unit tests of common/: the error type, the buffer, the
 * cursor, size arithmetic, text decoding, comparing and escaping, number
 * and date parsing, hashing and the certificate-blob parser.
 *
 * Every reader and parser is also fed empty, truncated, oversized and
 * wrongly typed input: each must fail cleanly with its documented code.
 *
 * (Over 1,000 lines: every helper of common/ with its error branches, one executable as CTest runs
 * it.)
 */
#include <errno.h>
#include <locale.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "ha_common.h"
#include "testutil.h"

/* ------------------------------------------------------------ helpers */

/* The buffer's contents as a C string (the buffer is NUL-terminated even
 * when the text holds NUL bytes; callers compare with memcmp then). */
#define BUF_IS(b, lit)                                                                             \
	do {                                                                                       \
		CHECK_INT((b)->len, sizeof(lit) - 1);                                              \
		CHECK((b)->len == sizeof(lit) - 1 &&                                               \
		      memcmp(ha_buf_cstr(b), lit, sizeof(lit) - 1) == 0);                          \
	} while (0)

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------------- errors */

static void test_err_set_and_sys(void)
{
	struct ha_err e;
	int rc;

	ha_err_clear(&e);
	CHECK_INT(e.code, HA_OK);
	CHECK_STR(e.msg, "");
	rc = ha_err_set(&e, HA_ERR_FORMAT, "bad %s at %d", "cell", 42);
	CHECK_INT(rc, HA_ERR_FORMAT);
	CHECK_INT(e.code, HA_ERR_FORMAT);
	CHECK_INT(e.sys_errno, 0);
	CHECK_STR(e.msg, "bad cell at 42");

	rc = ha_err_sys(&e, HA_ERR_IO, ENOENT, "cannot open '%s'", "x");
	CHECK_INT(rc, HA_ERR_IO);
	CHECK_INT(e.sys_errno, ENOENT);
	CHECK_STR(e.msg, "cannot open 'x': No such file or directory");
	/* errno 0: nothing appended. */
	rc = ha_err_sys(&e, HA_ERR_IO, 0, "short write");
	CHECK_STR(e.msg, "short write");
	CHECK_INT(e.sys_errno, 0);

	/* A NULL error drops the message but still returns the code. */
	CHECK_INT(ha_err_set(NULL, HA_ERR_LIMIT, "x"), HA_ERR_LIMIT);
	CHECK_INT(ha_err_sys(NULL, HA_ERR_IO, EIO, "x"), HA_ERR_IO);
	ha_err_clear(NULL);

	ha_err_clear(&e);
	CHECK_INT(e.code, 0);
	CHECK_INT(e.sys_errno, 0);
	CHECK_STR(e.msg, "");
}

static void test_err_prefix(void)
{
	struct ha_err e;
	char big[2000];
	int i, rc;

	ha_err_set(&e, HA_ERR_HIVE, "value 'X' unreadable");
	rc = ha_err_prefix(&e, "key '%s'", "Y");
	CHECK_INT(rc, HA_ERR_HIVE);
	CHECK_INT(e.code, HA_ERR_HIVE);
	rc = ha_err_prefix(&e, "hive '%s'", "SYSTEM");
	CHECK_INT(rc, HA_ERR_HIVE);
	CHECK_STR(e.msg, "hive 'SYSTEM': key 'Y': value 'X' unreadable");

	/* errno survives a prefix. */
	ha_err_sys(&e, HA_ERR_IO, EACCES, "open");
	CHECK_INT(ha_err_prefix(&e, "ctx"), HA_ERR_IO);
	CHECK_INT(e.sys_errno, EACCES);
	CHECK_HAS(e.msg, "ctx: open: ");

	/* Prefixing again and again never overflows: the newest context is
	 * kept whole and the old message is cut. */
	ha_err_set(&e, HA_ERR_FORMAT, "root cause");
	for (i = 0; i < 100; i++) {
		CHECK_INT(ha_err_prefix(&e, "level %d", i), HA_ERR_FORMAT);
		CHECK(strlen(e.msg) < sizeof e.msg);
	}
	CHECK(strncmp(e.msg, "level 99: level 98: ", 20) == 0);
	CHECK_INT(strlen(e.msg), sizeof e.msg - 1);

	/* A context longer than its own room is cut, never overflowing. */
	memset(big, 'c', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	ha_err_set(&e, HA_ERR_FORMAT, "tail");
	CHECK_INT(ha_err_prefix(&e, "%s", big), HA_ERR_FORMAT);
	CHECK(strlen(e.msg) < sizeof e.msg);
	CHECK_HAS(e.msg, ": tail");

	/* A message longer than the buffer is truncated, terminated. */
	ha_err_set(&e, HA_ERR_FORMAT, "%s", big);
	CHECK_INT(strlen(e.msg), sizeof e.msg - 1);

	/* Without an error object the code cannot be known: "internal". */
	CHECK_INT(ha_err_prefix(NULL, "x"), HA_ERR_INTERNAL);
}

static void test_err_truncation_keeps_utf8(void)
{
	struct ha_err e;
	char text[1200];
	size_t i, n;

	/* 'a' then "é" (2 bytes) repeated: a cut at the buffer's end must not
	 * leave half a character, which would reach reports as invalid UTF-8. */
	n = 0;
	text[n++] = 'a';
	while (n + 2 < sizeof text) {
		text[n++] = (char)0xC3;
		text[n++] = (char)0xA9;
	}
	text[n] = '\0';
	ha_err_set(&e, HA_ERR_FORMAT, "%s", text);
	CHECK(ha_utf8_valid(e.msg, strlen(e.msg)));
	CHECK(strlen(e.msg) >= sizeof e.msg - 2);
	ha_err_sys(&e, HA_ERR_IO, ENOENT, "%s", text);
	CHECK(ha_utf8_valid(e.msg, strlen(e.msg)));
	ha_err_set(&e, HA_ERR_FORMAT, "short");
	for (i = 0; i < 5; i++) {
		CHECK_INT(ha_err_prefix(&e, "%s", text + (i & 1)), HA_ERR_FORMAT);
		CHECK(ha_utf8_valid(e.msg, strlen(e.msg)));
	}
	ha_err_set(&e, HA_ERR_FORMAT, "%s", text + 1);
	CHECK_INT(ha_err_prefix(&e, "x"), HA_ERR_FORMAT);
	CHECK(ha_utf8_valid(e.msg, strlen(e.msg)));
}

static void test_code_names(void)
{
	static const struct {
		int code;
		const char *name;
	} names[] = {
	        {HA_OK, "ok"},
	        {HA_ERR_NOMEM, "out of memory"},
	        {HA_ERR_IO, "io"},
	        {HA_ERR_FORMAT, "format"},
	        {HA_ERR_USAGE, "usage"},
	        {HA_ERR_LIMIT, "limit"},
	        {HA_ERR_NOTFOUND, "not found"},
	        {HA_ERR_STORE, "store"},
	        {HA_ERR_CRYPTO, "crypto"},
	        {HA_ERR_INTERNAL, "internal"},
	        {HA_ERR_INTERRUPTED, "interrupted"},
	        {HA_ERR_RULES, "rules"},
	        {HA_ERR_HIVE, "hive"},
	        {HA_ERR_BUSY, "busy"},
	};
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		CHECK_STR(ha_code_name(names[i].code), names[i].name);
	CHECK_STR(ha_code_name(-999), "unknown");
	CHECK_STR(ha_code_name(7), "unknown");
}

/* ------------------------------------------------------------- buffer */

static void test_buf_basics(void)
{
	struct ha_buf b;
	char *p;
	size_t n;

	ha_buf_init(&b, 0);
	CHECK_INT(b.limit, HA_BUF_DEFAULT_LIMIT);
	CHECK_STR(ha_buf_cstr(&b), "");
	CHECK_INT(ha_buf_status(&b), HA_OK);
	ha_buf_puts(&b, "ab");
	ha_buf_putc(&b, 'c');
	ha_buf_add(&b, "de", 2);
	ha_buf_add(&b, NULL, 0);
	BUF_IS(&b, "abcde");
	ha_buf_truncate(&b, 2);
	BUF_IS(&b, "ab");
	ha_buf_truncate(&b, 10); /* longer than the contents: no-op */
	BUF_IS(&b, "ab");

	p = ha_buf_detach(&b, &n);
	CHECK_STR(p, "ab");
	CHECK_INT(n, 2);
	free(p);
	/* Detached: the buffer is empty and reusable. */
	CHECK_INT(b.len, 0);
	CHECK(b.data == NULL);
	CHECK_STR(ha_buf_cstr(&b), "");
	ha_buf_puts(&b, "again");
	BUF_IS(&b, "again");
	ha_buf_free(&b);
	ha_buf_free(&b); /* twice is harmless */

	/* Detaching an untouched buffer gives an empty malloc'd string. */
	ha_buf_init(&b, 0);
	p = ha_buf_detach(&b, &n);
	CHECK(p != NULL);
	CHECK_STR(p, "");
	CHECK_INT(n, 0);
	free(p);
	p = ha_buf_detach(&b, NULL);
	CHECK(p != NULL);
	free(p);
	ha_buf_free(&b);

	/* An empty append still allocates the terminator. */
	ha_buf_init(&b, 0);
	ha_buf_add(&b, "", 0);
	CHECK_STR(ha_buf_cstr(&b), "");
	CHECK_INT(ha_buf_status(&b), HA_OK);
	ha_buf_free(&b);
}

static void test_buf_limit_and_sticky_failure(void)
{
	struct ha_buf b;
	char *p;

	ha_buf_init(&b, 10);
	ha_buf_puts(&b, "0123456789"); /* exactly the limit */
	CHECK_INT(ha_buf_status(&b), HA_OK);
	BUF_IS(&b, "0123456789");
	ha_buf_putc(&b, 'x'); /* one past */
	CHECK_INT(ha_buf_status(&b), HA_ERR_LIMIT);
	BUF_IS(&b, "0123456789");
	/* Sticky: later appends, even small ones after a truncate, do nothing. */
	ha_buf_truncate(&b, 0);
	ha_buf_puts(&b, "ok");
	ha_buf_printf(&b, "%d", 5);
	ha_buf_u32(&b, 1);
	ha_buf_lstr(&b, "x", 1);
	CHECK_INT(ha_buf_status(&b), HA_ERR_LIMIT);
	CHECK_INT(b.len, 0);
	/* A failed buffer detaches to NULL and is freed. */
	p = ha_buf_detach(&b, NULL);
	CHECK(p == NULL);
	CHECK(b.data == NULL);
	/* ha_buf_free clears the failure: the buffer can be used again. */
	ha_buf_free(&b);
	CHECK_INT(ha_buf_status(&b), HA_OK);
	ha_buf_puts(&b, "fine");
	BUF_IS(&b, "fine");
	ha_buf_free(&b);

	/* A huge single append is refused without trying to allocate it. */
	ha_buf_init(&b, 0);
	ha_buf_add(&b, "x", SIZE_MAX);
	CHECK_INT(ha_buf_status(&b), HA_ERR_LIMIT);
	ha_buf_free(&b);
	ha_buf_init(&b, SIZE_MAX);
	ha_buf_putc(&b, 'a');
	ha_buf_add(&b, "x", SIZE_MAX - 1);
	CHECK_INT(ha_buf_status(&b), HA_ERR_LIMIT);
	ha_buf_free(&b);

	/* printf past the limit fails the same way. */
	ha_buf_init(&b, 8);
	ha_buf_printf(&b, "%s", "123456789");
	CHECK_INT(ha_buf_status(&b), HA_ERR_LIMIT);
	CHECK_INT(b.len, 0);
	ha_buf_free(&b);

	/* The first failure is the one remembered. */
	ha_buf_init(&b, 4);
	ha_buf_puts(&b, "12345");
	CHECK_INT(ha_buf_status(&b), HA_ERR_LIMIT);
	b.failed = HA_ERR_NOMEM; /* as if an allocation had failed first */
	ha_buf_puts(&b, "1");
	ha_buf_lstr(&b, "x", (size_t)UINT32_MAX + 1);
	CHECK_INT(ha_buf_status(&b), HA_ERR_NOMEM);
	ha_buf_free(&b);
}

static void test_buf_printf_growth(void)
{
	struct ha_buf b;
	char big[5000];
	int i;

	memset(big, 'z', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	ha_buf_init(&b, 0);
	for (i = 0; i < 100; i++)
		ha_buf_printf(&b, "%d,", i);
	CHECK_INT(ha_buf_status(&b), HA_OK);
	CHECK(strncmp(ha_buf_cstr(&b), "0,1,2,", 6) == 0);
	CHECK(strcmp(ha_buf_cstr(&b) + b.len - 3, "99,") == 0);
	ha_buf_printf(&b, "[%s]", big);
	CHECK_INT(ha_buf_status(&b), HA_OK);
	CHECK_INT(b.len, 290 + 2 + sizeof big - 1);
	CHECK(b.cap > b.len);
	CHECK_INT(strlen(ha_buf_cstr(&b)), b.len);
	ha_buf_printf(&b, "%s", ""); /* zero-length output */
	CHECK_INT(b.len, 290 + 2 + sizeof big - 1);
	ha_buf_free(&b);

	{
		char *s = ha_asprintf("%s-%04d", "run", 7);

		CHECK_STR(s, "run-0007");
		free(s);
	}
}

static void test_buf_integers_and_lstr(void)
{
	static const uint8_t want[] = {
	        0x78, 0x56, 0x34, 0x12,                         /* u32 */
	        0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01, /* u64 */
	        0x03, 0x00, 0x00, 0x00, 'a',  0,    'c',        /* lstr with a NUL */
	        0x00, 0x00, 0x00, 0x00,                         /* empty lstr */
	};
	struct ha_buf b;
	struct ha_cur c;
	const uint8_t *p;
	uint32_t u, n;
	uint64_t q;

	ha_buf_init(&b, 0);
	ha_buf_u32(&b, 0x12345678u);
	ha_buf_u64(&b, 0x0102030405060708ull);
	ha_buf_lstr(&b, "a\0c", 3);
	ha_buf_lstr(&b, NULL, 0);
	CHECK_INT(ha_buf_status(&b), HA_OK);
	CHECK_INT(b.len, sizeof want);
	CHECK(memcmp(b.data, want, sizeof want) == 0);

	ha_cur_init(&c, b.data, b.len);
	CHECK_INT(ha_cur_u32(&c, &u), HA_OK);
	CHECK_INT(u, 0x12345678u);
	CHECK_INT(ha_cur_u64(&c, &q), HA_OK);
	CHECK(q == 0x0102030405060708ull);
	CHECK_INT(ha_cur_lstr(&c, &p, &n), HA_OK);
	CHECK_INT(n, 3);
	CHECK(memcmp(p, "a\0c", 3) == 0);
	CHECK_INT(ha_cur_lstr(&c, &p, &n), HA_OK);
	CHECK_INT(n, 0);
	CHECK_INT(ha_cur_left(&c), 0);
	ha_buf_free(&b);

	/* The plain loads agree. */
	CHECK_INT(ha_le16(want), 0x5678);
	CHECK_INT(ha_le32(want), 0x12345678u);
	CHECK(ha_le64(want + 4) == 0x0102030405060708ull);
	{
		uint8_t out[4];

		ha_put_le32(out, 0xA1B2C3D4u);
		CHECK(out[0] == 0xD4 && out[1] == 0xC3 && out[2] == 0xB2 && out[3] == 0xA1);
	}
}

/* ------------------------------------------------------------- cursor */

static void test_cur_every_boundary(void)
{
	uint8_t data[16];
	size_t len, i;

	for (i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)(0xF0 + i);
	/* Every reader on every length from 0 to 9: succeeds exactly when the
	 * bytes are there, and on failure leaves the position alone. */
	for (len = 0; len <= 9; len++) {
		struct ha_cur c;
		const uint8_t *p = NULL;
		uint8_t v8 = 0;
		uint16_t v16 = 0;
		uint32_t v32 = 0;
		uint64_t v64 = 0;
		size_t k;

		ha_cur_init(&c, data, len);
		CHECK_INT(ha_cur_u8(&c, &v8) == HA_OK, len >= 1);
		CHECK_INT(c.pos, len >= 1 ? 1 : 0);
		if (len >= 1)
			CHECK_INT(v8, 0xF0);

		ha_cur_init(&c, data, len);
		CHECK_INT(ha_cur_u16(&c, &v16) == HA_OK, len >= 2);
		CHECK_INT(c.pos, len >= 2 ? 2 : 0);
		if (len >= 2)
			CHECK_INT(v16, 0xF1F0);

		ha_cur_init(&c, data, len);
		CHECK_INT(ha_cur_u32(&c, &v32) == HA_OK, len >= 4);
		CHECK_INT(c.pos, len >= 4 ? 4 : 0);
		if (len >= 4)
			CHECK_INT(v32, 0xF3F2F1F0u);

		ha_cur_init(&c, data, len);
		CHECK_INT(ha_cur_u64(&c, &v64) == HA_OK, len >= 8);
		CHECK_INT(c.pos, len >= 8 ? 8 : 0);
		if (len >= 8)
			CHECK(v64 == 0xF7F6F5F4F3F2F1F0ull);

		for (k = 0; k <= len + 1; k++) {
			ha_cur_init(&c, data, len);
			CHECK_INT(ha_cur_bytes(&c, k, &p) == HA_OK, k <= len);
			CHECK_INT(c.pos, k <= len ? k : 0);
			ha_cur_init(&c, data, len);
			CHECK_INT(ha_cur_skip(&c, k) == HA_OK, k <= len);
			CHECK_INT(ha_cur_left(&c), k <= len ? len - k : len);
		}
		/* A failing read from the middle keeps the position too. */
		if (len >= 1) {
			ha_cur_init(&c, data, len);
			CHECK_INT(ha_cur_skip(&c, len - 1), HA_OK);
			CHECK_INT(ha_cur_u16(&c, &v16), HA_ERR_FORMAT);
			CHECK_INT(c.pos, len - 1);
			CHECK_INT(ha_cur_u8(&c, &v8), HA_OK);
			CHECK_INT(ha_cur_u8(&c, &v8), HA_ERR_FORMAT);
			CHECK_INT(c.pos, len);
		}
	}
	/* Sizes that would wrap a pointer are refused. */
	{
		struct ha_cur c;
		const uint8_t *p;

		ha_cur_init(&c, data, sizeof data);
		CHECK_INT(ha_cur_skip(&c, 3), HA_OK);
		CHECK_INT(ha_cur_bytes(&c, SIZE_MAX, &p), HA_ERR_FORMAT);
		CHECK_INT(ha_cur_skip(&c, SIZE_MAX - 2), HA_ERR_FORMAT);
		CHECK_INT(c.pos, 3);
	}
	/* An empty cursor over NULL. */
	{
		struct ha_cur c;
		uint8_t v;

		ha_cur_init(&c, NULL, 0);
		CHECK_INT(ha_cur_left(&c), 0);
		CHECK_INT(ha_cur_u8(&c, &v), HA_ERR_FORMAT);
	}
}

static void test_cur_lstr_hostile(void)
{
	uint8_t d[16];
	struct ha_cur c;
	const uint8_t *p;
	uint32_t n;
	static const uint32_t lens[] = {0xFFFFFFFFu, 0x80000000u, 0x7FFFFFFFu, 13};
	size_t i;

	memset(d, 'x', sizeof d);
	/* Claimed lengths larger than what is left: refused, position kept. */
	for (i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		ha_put_le32(d, lens[i]);
		ha_cur_init(&c, d, sizeof d);
		CHECK_INT(ha_cur_lstr(&c, &p, &n), HA_ERR_FORMAT);
		CHECK_INT(c.pos, 0);
	}
	/* Exactly what is left. */
	ha_put_le32(d, 12);
	ha_cur_init(&c, d, sizeof d);
	CHECK_INT(ha_cur_lstr(&c, &p, &n), HA_OK);
	CHECK_INT(n, 12);
	CHECK(p == d + 4);
	CHECK_INT(ha_cur_left(&c), 0);
	/* A length prefix cut short. */
	for (i = 0; i < 4; i++) {
		ha_cur_init(&c, d, i);
		CHECK_INT(ha_cur_lstr(&c, &p, &n), HA_ERR_FORMAT);
		CHECK_INT(c.pos, 0);
	}
}

/* One growth helper for every doubling array: room only when full, from
 * `first`, doubled, refused on overflow with the array left as it was. */
static void test_array_grow(void)
{
	uint32_t *v = NULL, *keep;
	size_t cap = 0, n;

	CHECK_INT(ha_array_grow(&v, &cap, 0, sizeof *v, 4), HA_OK);
	CHECK(v != NULL);
	CHECK_INT(cap, 4);
	for (n = 0; n < 100; n++) {
		CHECK_INT(ha_array_grow(&v, &cap, n, sizeof *v, 4), HA_OK);
		v[n] = (uint32_t)n;
	}
	CHECK_INT(cap, 128);
	CHECK_INT(v[99], 99);
	CHECK_INT(ha_array_grow(&v, &cap, 100, sizeof *v, 4), HA_OK); /* not full: as is */
	CHECK_INT(cap, 128);
	keep = v;
	cap = SIZE_MAX / 2 + 1; /* doubling overflows */
	CHECK_INT(ha_array_grow(&v, &cap, cap, sizeof *v, 4), HA_ERR_LIMIT);
	CHECK(v == keep);
	cap = SIZE_MAX / 8; /* doubled it fits, but not its bytes at 16 each */
	CHECK_INT(ha_array_grow(&v, &cap, cap, 16, 4), HA_ERR_LIMIT);
	CHECK_INT(cap, SIZE_MAX / 8);
	CHECK(v == keep);
	free(v);
}

static void test_size_overflow(void)
{
	size_t r = 77;

	CHECK_INT(ha_size_add(1, 2, &r), HA_OK);
	CHECK_INT(r, 3);
	CHECK_INT(ha_size_add(SIZE_MAX, 0, &r), HA_OK);
	CHECK(r == SIZE_MAX);
	r = 77;
	CHECK_INT(ha_size_add(SIZE_MAX, 1, &r), HA_ERR_LIMIT);
	CHECK_INT(ha_size_add(1, SIZE_MAX, &r), HA_ERR_LIMIT);
	CHECK_INT(ha_size_add(SIZE_MAX / 2 + 1, SIZE_MAX / 2 + 1, &r), HA_ERR_LIMIT);
	CHECK_INT(r, 77); /* untouched on failure */

	CHECK_INT(ha_size_mul(0, SIZE_MAX, &r), HA_OK);
	CHECK_INT(r, 0);
	CHECK_INT(ha_size_mul(SIZE_MAX, 0, &r), HA_OK);
	CHECK_INT(r, 0);
	CHECK_INT(ha_size_mul(SIZE_MAX, 1, &r), HA_OK);
	CHECK(r == SIZE_MAX);
	r = 77;
	CHECK_INT(ha_size_mul(SIZE_MAX / 2 + 1, 2, &r), HA_ERR_LIMIT);
	CHECK_INT(ha_size_mul((size_t)1 << 32, (size_t)1 << 32, &r), HA_ERR_LIMIT);
	CHECK_INT(r, 77);
	CHECK_INT(ha_size_mul(65536, 65536, &r), HA_OK);
	CHECK(r == (size_t)1 << 32);
}

/* --------------------------------------------------------- text decoding */

static void u16(struct ha_buf *b, const uint8_t *p, size_t n, unsigned flags)
{
	ha_buf_truncate(b, 0);
	ha_utf16le_to_utf8(b, p, n, flags);
}

static void test_utf16_decoding(void)
{
	struct ha_buf b;

	ha_buf_init(&b, 0);
	u16(&b, (const uint8_t *)"A\0b\0", 4, 0);
	BUF_IS(&b, "Ab");
	u16(&b, NULL, 0, 0);
	BUF_IS(&b, "");
	/* U+00E9, U+20AC, U+FFFF (a noncharacter, but valid UTF-16). */
	u16(&b, (const uint8_t *)"\xE9\x00\xAC\x20\xFF\xFF", 6, 0);
	BUF_IS(&b, "\xC3\xA9\xE2\x82\xAC\xEF\xBF\xBF");
	/* A surrogate pair: U+1F600. */
	u16(&b, (const uint8_t *)"\x3D\xD8\x00\xDE", 4, 0);
	BUF_IS(&b, "\xF0\x9F\x98\x80");
	/* U+10FFFF, the last code point. */
	u16(&b, (const uint8_t *)"\xFF\xDB\xFF\xDF", 4, 0);
	BUF_IS(&b, "\xF4\x8F\xBF\xBF");
	/* A lone high surrogate at the end, and before a normal character. */
	u16(&b, (const uint8_t *)"A\0\x3D\xD8", 4, 0);
	BUF_IS(&b, "A\xEF\xBF\xBD");
	u16(&b,
	    (const uint8_t *)"\x3D\xD8"
	                     "B\0",
	    4, 0);
	BUF_IS(&b, "\xEF\xBF\xBD"
	           "B");
	/* Two high surrogates, then a low one: the second pair is whole. */
	u16(&b, (const uint8_t *)"\x3D\xD8\x3D\xD8\x00\xDE", 6, 0);
	BUF_IS(&b, "\xEF\xBF\xBD\xF0\x9F\x98\x80");
	/* A lone low surrogate. */
	u16(&b,
	    (const uint8_t *)"\x00\xDE"
	                     "C\0",
	    4, 0);
	BUF_IS(&b, "\xEF\xBF\xBD"
	           "C");
	/* A high surrogate followed by an odd trailing byte. */
	u16(&b, (const uint8_t *)"\x3D\xD8\x00", 3, 0);
	BUF_IS(&b, "\xEF\xBF\xBD\xEF\xBF\xBD");
	/* An odd trailing byte alone, and after text. */
	u16(&b, (const uint8_t *)"A", 1, 0);
	BUF_IS(&b, "\xEF\xBF\xBD");
	u16(&b, (const uint8_t *)"A\0B", 3, 0);
	BUF_IS(&b, "A\xEF\xBF\xBD");

	/* Embedded NUL: REG_SZ semantics stop there... */
	u16(&b, (const uint8_t *)"A\0\0\0B\0", 6, HA_U16_STOP_AT_NUL);
	BUF_IS(&b, "A");
	u16(&b, (const uint8_t *)"\0\0B\0", 4, HA_U16_STOP_AT_NUL);
	BUF_IS(&b, "");
	/* ...names show it as U+2400 so that "A\0B" and "AB" differ... */
	u16(&b, (const uint8_t *)"A\0\0\0B\0", 6, HA_U16_NUL_VISIBLE);
	BUF_IS(&b, "A\xE2\x90\x80"
	           "B");
	/* ...and stopping wins over showing. */
	u16(&b, (const uint8_t *)"A\0\0\0B\0", 6, HA_U16_STOP_AT_NUL | HA_U16_NUL_VISIBLE);
	BUF_IS(&b, "A");
	/* Without flags the NUL is kept as a byte (the length tells). */
	u16(&b, (const uint8_t *)"A\0\0\0B\0", 6, 0);
	CHECK_INT(b.len, 3);
	CHECK(memcmp(b.data, "A\0B", 3) == 0);
	CHECK_INT(ha_buf_status(&b), HA_OK);
	ha_buf_free(&b);
}

static void test_latin1_decoding(void)
{
	struct ha_buf b;

	ha_buf_init(&b, 0);
	ha_latin1_to_utf8(&b, (const uint8_t *)"Caf\xE9 \xFF\x80", 7, 0);
	BUF_IS(&b, "Caf\xC3\xA9 \xC3\xBF\xC2\x80");
	ha_buf_truncate(&b, 0);
	ha_latin1_to_utf8(&b, (const uint8_t *)"a\0b", 3, HA_U16_NUL_VISIBLE);
	BUF_IS(&b, "a\xE2\x90\x80"
	           "b");
	ha_buf_truncate(&b, 0);
	ha_latin1_to_utf8(&b, (const uint8_t *)"a\0b", 3, HA_U16_STOP_AT_NUL);
	BUF_IS(&b, "a");
	ha_buf_truncate(&b, 0);
	ha_latin1_to_utf8(&b, NULL, 0, 0);
	BUF_IS(&b, "");
	ha_buf_free(&b);
}

static void test_utf8_validation(void)
{
	static const struct {
		const char *s;
		size_t n;
		int valid;
		const char *sanitized;
	} cases[] = {
	        {"", 0, 1, ""},
	        {"plain", 5, 1, "plain"},
	        {"\xC3\xA9", 2, 1, "\xC3\xA9"},
	        {"\xE2\x82\xAC", 3, 1, "\xE2\x82\xAC"},
	        {"\xF0\x9F\x98\x80", 4, 1, "\xF0\x9F\x98\x80"},
	        {"\xF4\x8F\xBF\xBF", 4, 1, "\xF4\x8F\xBF\xBF"}, /* U+10FFFF */
	        {"\xEF\xBF\xBF", 3, 1, "\xEF\xBF\xBF"},         /* U+FFFF */
	        /* Overlong forms. */
	        {"\xC0\x80", 2, 0, "\xEF\xBF\xBD\xEF\xBF\xBD"},
	        {"\xC1\xBF", 2, 0, "\xEF\xBF\xBD\xEF\xBF\xBD"},
	        {"\xE0\x80\xAF", 3, 0, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},
	        {"\xE0\x9F\xBF", 3, 0, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},
	        {"\xF0\x8F\xBF\xBF", 4, 0, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},
	        /* UTF-16 surrogates encoded in UTF-8 (CESU). */
	        {"\xED\xA0\x80", 3, 0, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},
	        {"\xED\xBF\xBF", 3, 0, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},
	        {"\xED\x9F\xBF", 3, 1, "\xED\x9F\xBF"}, /* U+D7FF, just below */
	        /* Above U+10FFFF, and bytes that never start a sequence. */
	        {"\xF4\x90\x80\x80", 4, 0, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},
	        {"\xF5\x80\x80\x80", 4, 0, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},
	        {"\xFF", 1, 0, "\xEF\xBF\xBD"},
	        {"\xFE", 1, 0, "\xEF\xBF\xBD"},
	        /* A continuation byte alone. */
	        {"a\x80"
	         "b",
	         3, 0,
	         "a\xEF\xBF\xBD"
	         "b"},
	        /* Truncated sequences, at the end and before ASCII. */
	        {"\xE2\x82", 2, 0, "\xEF\xBF\xBD\xEF\xBF\xBD"},
	        {"\xF0\x9F\x98", 3, 0, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},
	        {"\xC3", 1, 0, "\xEF\xBF\xBD"},
	        {"\xE2\x82"
	         "A",
	         3, 0,
	         "\xEF\xBF\xBD\xEF\xBF\xBD"
	         "A"},
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct ha_buf b;

		ha_buf_init(&b, 0);
		ha_utf8_sanitize(&b, cases[i].s, cases[i].n);
		if (ha_utf8_valid(cases[i].s, cases[i].n) != cases[i].valid)
			check_fail(__FILE__, __LINE__, "case %zu: valid should be %d", i,
			           cases[i].valid);
		if (b.len != strlen(cases[i].sanitized) ||
		    memcmp(ha_buf_cstr(&b), cases[i].sanitized, b.len) != 0)
			check_fail(__FILE__, __LINE__, "case %zu: sanitized to %zu bytes", i,
			           b.len);
		/* Sanitized text is always valid. */
		CHECK(ha_utf8_valid(ha_buf_cstr(&b), b.len));
		ha_buf_free(&b);
	}
	/* An embedded NUL is valid UTF-8 (the length says so) and is kept. */
	{
		struct ha_buf b;

		CHECK(ha_utf8_valid("a\0b", 3));
		ha_buf_init(&b, 0);
		ha_utf8_sanitize(&b, "a\0b", 3);
		BUF_IS(&b, "a\0b");
		ha_buf_free(&b);
	}
}

static void test_utf8_to_utf16(void)
{
	struct ha_buf b;

	ha_buf_init(&b, 0);
	ha_utf8_to_utf16le(&b, "A\xE2\x82\xAC\xF0\x9F\x98\x80");
	BUF_IS(&b, "A\0\xAC\x20\x3D\xD8\x00\xDE\0\0");
	ha_buf_truncate(&b, 0);
	ha_utf8_to_utf16le(&b, "");
	BUF_IS(&b, "\0\0");
	/* Invalid bytes become U+FFFD, one per byte. */
	ha_buf_truncate(&b, 0);
	ha_utf8_to_utf16le(&b, "\xFF"
	                       "a\xC3");
	BUF_IS(&b, "\xFD\xFF"
	           "a\0\xFD\xFF\0\0");
	/* Round trip through the decoder. */
	{
		struct ha_buf back;
		static const char text[] = "Windows \xC2\xAE \xE2\x84\xA2 \xF0\x90\x8D\x88 end";

		ha_buf_truncate(&b, 0);
		ha_utf8_to_utf16le(&b, text);
		ha_buf_init(&back, 0);
		ha_utf16le_to_utf8(&back, (const uint8_t *)b.data, b.len, HA_U16_STOP_AT_NUL);
		CHECK_STR(ha_buf_cstr(&back), text);
		ha_buf_free(&back);
	}
	ha_buf_free(&b);
}

/* --------------------------------------------------------------- comparing */

static void casecmp_cases(void)
{
	CHECK_INT(ha_ascii_casecmp("Select", "SELECT"), 0);
	CHECK(ha_ascii_caseeq("CurrentControlSet", "currentcontrolset"));
	CHECK(ha_ascii_caseeq("", ""));
	CHECK(!ha_ascii_caseeq("a", ""));
	CHECK(!ha_ascii_caseeq("", "a"));
	CHECK(ha_ascii_casecmp("a", "b") < 0);
	CHECK(ha_ascii_casecmp("B", "a") > 0);
	CHECK(ha_ascii_casecmp("ab", "a") > 0);
	CHECK(ha_ascii_casecmp("a", "AB") < 0);
	/* The Turkish dotless and dotted i must not matter: 'I' is 'i'. */
	CHECK(ha_ascii_caseeq("WINDOWS", "windows"));
	CHECK(ha_ascii_caseeq("ID", "id"));
	CHECK(ha_ascii_caseeq("Disabled", "DISABLED"));
	/* Only ASCII folds: bytes above 0x7F compare as themselves. */
	CHECK(!ha_ascii_caseeq("\xC3\x89", "\xC3\xA9"));
	CHECK(ha_ascii_casecmp("\xFF", "a") > 0);
	/* '@' and '[' sit next to 'A' and 'Z' and must not fold. */
	CHECK(!ha_ascii_caseeq("@", "`"));
	CHECK(!ha_ascii_caseeq("[", "{"));
	CHECK_INT(ha_ascii_ncasecmp("KB3140245x", "kb3140245y", 9), 0);
	CHECK(ha_ascii_ncasecmp("KB3140245x", "kb3140245y", 10) < 0);
	CHECK_INT(ha_ascii_ncasecmp("abc", "ABC", 100), 0);
	CHECK(ha_ascii_ncasecmp("abc", "ABCD", 100) != 0);
	CHECK_INT(ha_ascii_ncasecmp("x", "y", 0), 0);
	CHECK(ha_glob_match("*INFO*", "information"));
	CHECK(ha_glob_match("i?", "ID"));
}

static void test_ascii_case_compare(void)
{
	char *saved = ha_strdup(setlocale(LC_ALL, NULL));

	casecmp_cases();
	if (setlocale(LC_ALL, "tr_TR.UTF-8") || setlocale(LC_ALL, "tr_TR.utf8")) {
		casecmp_cases();
	} else {
		check_skip("the tr_TR.UTF-8 locale is not installed; checked in the C locale only");
	}
	setlocale(LC_ALL, saved ? saved : "C");
	free(saved);
}

static void test_glob(void)
{
	static const struct {
		const char *pat, *s;
		int match;
	} cases[] = {
	        {"", "", 1},
	        {"", "a", 0},
	        {"*", "", 1},
	        {"*", "anything", 1},
	        {"**", "", 1},
	        {"?", "", 0},
	        {"?", "a", 1},
	        {"?", "ab", 0},
	        {"a*", "a", 1},
	        {"a*", "ba", 0},
	        {"*a", "ba", 1},
	        {"*a", "ab", 0},
	        {"Package_*_for_KB*", "Package_1_for_KB3140245~31bf3856ad364e35~amd64~~6.1.1.1", 1},
	        {"package_*", "PACKAGE_FOR_KB1", 1},
	        {"*for_KB3140245*", "Package_for_KB3140245~x", 1},
	        {"*for_KB3140245*", "Package_for_KB3140246~x", 0},
	        {"a*b*c", "aXbYc", 1},
	        {"a*b*c", "aXbYcZ", 0},
	        {"a*b*c", "abcbc", 1},
	        {"a?c", "abc", 1},
	        {"a?c", "ac", 0},
	        {"*?", "", 0},
	        {"*?", "x", 1},
	        {"*.*", "v4.0.30319", 1},
	        {"v4*", "v2.0.50727", 0},
	        {"a*", "", 0},
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		if (ha_glob_match(cases[i].pat, cases[i].s) != cases[i].match)
			check_fail(__FILE__, __LINE__, "glob '%s' on '%s' should be %d",
			           cases[i].pat, cases[i].s, cases[i].match);
}

static void test_glob_pathological(void)
{
	/* Patterns that make a recursive matcher exponential: many stars
	 * against a long run of one letter that never ends in 'b'. */
	size_t n = 200000, i;
	char *s = malloc(n + 1), pat[256];
	double t0, t1;

	if (!s)
		return;
	memset(s, 'a', n);
	s[n] = '\0';
	for (i = 0; i < 40; i++)
		memcpy(pat + 2 * i, "*a", 2);
	memcpy(pat + 80, "*b", 3);
	t0 = now_s();
	CHECK_INT(ha_glob_match(pat, s), 0);
	CHECK_INT(ha_glob_match("*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*b", s), 0);
	CHECK_INT(ha_glob_match("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a", s), 1);
	s[n - 1] = 'b';
	CHECK_INT(ha_glob_match(pat, s), 1);
	t1 = now_s();
	if (t1 - t0 > 2.0)
		check_fail(__FILE__, __LINE__, "pathological globs took %.2f s", t1 - t0);
	free(s);
}

/* ----------------------------------------------------------------- escaping */

static void esc(void (*fn)(struct ha_buf *, const char *), const char *in, const char *want)
{
	struct ha_buf b;

	ha_buf_init(&b, 0);
	fn(&b, in);
	if (strcmp(ha_buf_cstr(&b), want) != 0)
		check_fail(__FILE__, __LINE__, "escaping \"%s\": got \"%s\", want \"%s\"",
		           in ? in : "", ha_buf_cstr(&b), want);
	CHECK_INT(ha_buf_status(&b), HA_OK);
	ha_buf_free(&b);
}

static void test_escape_html(void)
{
	esc(ha_escape_html, "plain text", "plain text");
	esc(ha_escape_html, "<script>alert('x')</script>",
	    "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
	esc(ha_escape_html, "a & b \"c\" 'd' <e>", "a &amp; b &quot;c&quot; &#39;d&#39; &lt;e&gt;");
	esc(ha_escape_html, "&amp;", "&amp;amp;");
	/* Tab and newline stay; other C0 controls and DEL are shown. */
	esc(ha_escape_html, "a\tb\nc", "a\tb\nc");
	esc(ha_escape_html, "\x01\x1B[31m\r\x7F", "\\x01\\x1B[31m\\x0D\\x7F");
	/* Invalid UTF-8 is shown byte by byte; valid multibyte text passes. */
	esc(ha_escape_html, "\xFF<\xC3\xA9", "\\xFF&lt;\xC3\xA9");
	esc(ha_escape_html, "\xED\xA0\x80", "\\xED\\xA0\\x80");
	esc(ha_escape_html, "", "");
	esc(ha_escape_html, NULL, "");
}

static void test_escape_terminal(void)
{
	esc(ha_escape_terminal, "plain", "plain");
	esc(ha_escape_terminal, "\x1B]0;owned\x07", "\\x1B]0;owned\\x07");
	esc(ha_escape_terminal, "a\nb\tc\r", "a\\x0Ab\\x09c\\x0D");
	esc(ha_escape_terminal, "\x7F", "\\x7F");
	/* C1 controls written as UTF-8: CSI (U+009B) and U+0080, U+009F. */
	esc(ha_escape_terminal,
	    "x\xC2\x9B"
	    "31m",
	    "x\\u009B31m");
	esc(ha_escape_terminal, "\xC2\x80\xC2\x9F", "\\u0080\\u009F");
	/* Just outside the C1 range: printable. */
	esc(ha_escape_terminal, "\xC2\xA0\xC2\xA9", "\xC2\xA0\xC2\xA9");
	/* A raw C1 byte is not UTF-8: it is shown as \xNN, never reaching the
	 * terminal as an 8-bit control. */
	esc(ha_escape_terminal,
	    "\x9B"
	    "2J",
	    "\\x9B"
	    "2J");
	esc(ha_escape_terminal, "\xC2", "\\xC2");
	esc(ha_escape_terminal, "", "");
	esc(ha_escape_terminal, NULL, "");
}

static void csv(const char *in, const char *want)
{
	struct ha_buf b;

	ha_buf_init(&b, 0);
	ha_csv_field(&b, in);
	if (strcmp(ha_buf_cstr(&b), want) != 0)
		check_fail(__FILE__, __LINE__, "csv \"%s\": got %s, want %s", in ? in : "(null)",
		           ha_buf_cstr(&b), want);
	ha_buf_free(&b);
}

static void test_csv_field(void)
{
	csv("plain", "\"plain\"");
	csv("", "\"\"");
	csv(NULL, "\"\"");
	csv("say \"hi\"", "\"say \"\"hi\"\"\"");
	csv("\"", "\"\"\"\"");
	csv("a,b", "\"a,b\"");
	csv("line1\r\nline2\n", "\"line1\r\nline2\n\"");
	/* Formula defusal: = + - @ tab CR at the start. */
	csv("=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\"");
	csv("+1", "\"'+1\"");
	csv("-1", "\"'-1\"");
	csv("@SUM(A1)", "\"'@SUM(A1)\"");
	csv("\tx", "\"'\tx\"");
	csv("\rx", "\"'\rx\"");
	/* Not at the start: left alone.  A leading newline is not a formula. */
	csv("a=b", "\"a=b\"");
	csv("1-2", "\"1-2\"");
	csv("\nx", "\"\nx\"");
	csv("'quoted", "\"'quoted\"");
	/* Invalid UTF-8 is shown as \xNN, so the file stays valid UTF-8. */
	csv("a\xFF"
	    "b",
	    "\"a\\xFF"
	    "b\"");
	csv("=\xFF", "\"'=\\xFF\"");
	csv("\xFF=", "\"\\xFF=\"");
	/* Control characters that would drive a terminal are shown. */
	csv("a\x1B[2Jb", "\"a\\x1B[2Jb\"");
	csv("bell\x07", "\"bell\\x07\"");
	csv("del\x7F", "\"del\\x7F\"");
	csv("c1\xC2\x9B", "\"c1\\u009B\"");
	csv("\xC2\xA0nbsp", "\"\xC2\xA0nbsp\"");
}

/* Issue 12 item 11: the Bidi_Control characters are shown as \uNNNN by
 * every escaper, as control characters are; their neighbours pass. */
static void test_i12_11_bidi_controls_escaped(void)
{
	static const struct {
		const char *in, *shown;
	} bidi[] = {
	        {"\xD8\x9C", "\\u061C"},     {"\xE2\x80\x8E", "\\u200E"},
	        {"\xE2\x80\x8F", "\\u200F"}, {"\xE2\x80\xAA", "\\u202A"},
	        {"\xE2\x80\xAB", "\\u202B"}, {"\xE2\x80\xAC", "\\u202C"},
	        {"\xE2\x80\xAD", "\\u202D"}, {"\xE2\x80\xAE", "\\u202E"},
	        {"\xE2\x81\xA6", "\\u2066"}, {"\xE2\x81\xA7", "\\u2067"},
	        {"\xE2\x81\xA8", "\\u2068"}, {"\xE2\x81\xA9", "\\u2069"},
	};
	char in[32], want[64];
	size_t i;

	for (i = 0; i < sizeof bidi / sizeof bidi[0]; i++) {
		snprintf(in, sizeof in, "a%sb", bidi[i].in);
		snprintf(want, sizeof want, "a%sb", bidi[i].shown);
		esc(ha_escape_html, in, want);
		esc(ha_escape_terminal, in, want);
		snprintf(want, sizeof want, "\"a%sb\"", bidi[i].shown);
		csv(in, want);
	}
	/* "invoice<RLO>fdp.exe" reads as "invoiceexe.pdf" when shown raw. */
	esc(ha_escape_html,
	    "invoice\xE2\x80\xAE"
	    "fdp.exe",
	    "invoice\\u202Efdp.exe");
	/* Just outside the ranges: U+200D (ZWJ), U+202F, U+2065, U+206A pass. */
	esc(ha_escape_html, "\xE2\x80\x8D\xE2\x80\xAF\xE2\x81\xA5\xE2\x81\xAA",
	    "\xE2\x80\x8D\xE2\x80\xAF\xE2\x81\xA5\xE2\x81\xAA");
	esc(ha_escape_terminal, "\xD8\x9B\xD8\x9D", "\xD8\x9B\xD8\x9D");
}

/* Issue 12 item 11: two folder names that differ only in bytes that are
 * not UTF-8 stay different in every output (they were both U+FFFD). */
static void test_i12_11_invalid_utf8_bytes_escaped(void)
{
	struct ha_buf a, b;

	esc(ha_escape_html, "host\xE9", "host\\xE9");
	esc(ha_escape_html, "host\xE8", "host\\xE8");
	esc(ha_escape_terminal, "host\xE9\x80", "host\\xE9\\x80");
	csv("host\xE9", "\"host\\xE9\"");
	/* a truncated sequence, then a valid one */
	esc(ha_escape_terminal,
	    "\xE2\x82"
	    "\xE2\x82\xAC",
	    "\\xE2\\x82\xE2\x82\xAC");
	/* for JSON: valid UTF-8 that keeps the distinction */
	ha_buf_init(&a, 0);
	ha_buf_init(&b, 0);
	ha_text_for_json(&a, "host\xE9", 5, 0);
	ha_text_for_json(&b, "host\xE8", 5, 0);
	CHECK_STR(ha_buf_cstr(&a), "host\\xE9");
	CHECK_STR(ha_buf_cstr(&b), "host\\xE8");
	CHECK(ha_utf8_valid(a.data, a.len));
	ha_buf_free(&a);
	ha_buf_free(&b);
	/* JSON keeps control and bidi characters: its encoder escapes them */
	ha_buf_init(&a, 0);
	ha_text_for_json(&a, "\x1B\xE2\x80\xAE", 4, 0);
	CHECK_INT(a.len, 4);
	CHECK(memcmp(a.data, "\x1B\xE2\x80\xAE", 4) == 0);
	ha_buf_free(&a);
}

/* Issue 12 item 10: a cell holds at most 32,767 characters, the marker
 * "… (N bytes)" included; the cut falls between characters. */
static void test_i12_10_csv_cell_capped(void)
{
	size_t n = 1000000, i, units;
	char *big = malloc(n + 1), want_tail[64];
	struct ha_buf b;
	const char *cellv;
	size_t celllen;

	CHECK(big != NULL);
	if (!big)
		return;
	memset(big, 'W', n);
	big[n] = '\0';
	ha_buf_init(&b, 0);
	ha_csv_field(&b, big);
	cellv = b.data + 1;
	celllen = b.len - 2;
	snprintf(want_tail, sizeof want_tail, "\xE2\x80\xA6 (%zu bytes)\"", n);
	CHECK(b.len > 2 && b.data[0] == '"');
	CHECK(b.len >= strlen(want_tail) && !strcmp(b.data + b.len - strlen(want_tail), want_tail));
	/* UTF-16 units of the cell: every byte but the two continuation
	 * bytes of U+2026 */
	units = celllen - 2;
	CHECK_INT(units, 32767);
	/* "… (1000000 bytes)" is 17 units: 32,750 W before it */
	CHECK(cellv[0] == 'W' && cellv[32749] == 'W' && cellv[32750] != 'W');
	ha_buf_free(&b);

	/* Exactly at the limit: whole, no marker.  One more: cut. */
	big[32767] = '\0';
	ha_buf_init(&b, 0);
	ha_csv_field(&b, big);
	CHECK_INT(b.len, 32767 + 2);
	ha_buf_free(&b);
	big[32767] = 'W';
	big[32768] = '\0';
	ha_buf_init(&b, 0);
	ha_csv_field(&b, big);
	CHECK_HAS(b.data, "W\xE2\x80\xA6 (32768 bytes)\"");
	CHECK_INT(b.len - 2 - 2, 32767);
	ha_buf_free(&b);

	/* Escapes count as what the cell shows; a 4-byte character as two
	 * units; the apostrophe of a defused cell counts too.  Never cut in
	 * the middle of an escape or a character. */
	for (i = 0; i + 4 <= n; i += 4)
		memcpy(big + i, "\xF0\x9F\x98\x80", 4); /* U+1F600 */
	big[0] = '=';
	big[n] = '\0';
	ha_buf_init(&b, 0);
	ha_csv_field(&b, big);
	CHECK(ha_utf8_valid(b.data, b.len));
	CHECK_HAS(b.data, "\xF0\x9F\x98\x80\xE2\x80\xA6 (1000000 bytes)\"");
	CHECK(!strncmp(b.data, "\"'=", 3));
	ha_buf_free(&b);
	memset(big, '\x1B', n);
	ha_buf_init(&b, 0);
	ha_csv_field(&b, big);
	CHECK_HAS(b.data, "\\x1B\xE2\x80\xA6 (1000000 bytes)\"");
	CHECK(b.len - 4 <= 32767);
	ha_buf_free(&b);

	/* HTML: capped at HA_HTML_TEXT_MAX characters the same way */
	memset(big, 'a', n);
	big[0] = '<';
	ha_buf_init(&b, 0);
	ha_escape_html(&b, big);
	CHECK(!strncmp(b.data, "&lt;aaa", 7));
	CHECK_HAS(b.data, "a\xE2\x80\xA6 (1000000 bytes)");
	CHECK(b.len < HA_HTML_TEXT_MAX + 8);
	ha_buf_free(&b);
	/* JSON for the store and JSON Lines: no cap unless asked */
	ha_buf_init(&b, 0);
	ha_text_for_json(&b, big, n, 0);
	CHECK_INT(b.len, n);
	ha_buf_free(&b);
	free(big);
}

/* Issue 12 item 9: U+0000 inside REG_SZ data travels as C0 80 and is shown
 * as \x00 in HTML, CSV and the terminal, and as a real U+0000 for JSON. */
static void test_i12_9_nul_in_text(void)
{
	struct ha_buf b;

	ha_buf_init(&b, 0);
	ha_utf16le_to_utf8(&b, (const uint8_t *)"A\0\0\0B\0", 6, HA_U16_NUL_MODIFIED);
	CHECK_INT(b.len, 4);
	CHECK(memcmp(b.data,
	             "A\xC0\x80"
	             "B",
	             4) == 0);
	ha_buf_free(&b);
	ha_buf_init(&b, 0);
	ha_latin1_to_utf8(&b, (const uint8_t *)"a\0b", 3, HA_U16_NUL_MODIFIED);
	CHECK_STR(ha_buf_cstr(&b), "a\xC0\x80"
	                           "b");
	ha_buf_free(&b);
	esc(ha_escape_html, "\"abc\xC0\x80hidden\"", "&quot;abc\\x00hidden&quot;");
	esc(ha_escape_terminal, "abc\xC0\x80hidden", "abc\\x00hidden");
	csv("abc\xC0\x80hidden", "\"abc\\x00hidden\"");
	ha_buf_init(&b, 0);
	ha_text_for_json(&b, "abc\xC0\x80hidden", 11, 0);
	CHECK_INT(b.len, 10);
	CHECK(memcmp(b.data, "abc\0hidden", 10) == 0);
	ha_buf_free(&b);
	/* C0 alone, or before something else, is just an invalid byte */
	esc(ha_escape_terminal,
	    "\xC0"
	    "A\xC0",
	    "\\xC0A\\xC0");
}

/* ------------------------------------------------------------ numbers, dates */

static void test_parse_u64(void)
{
	static const struct {
		const char *s;
		int rc;
		uint64_t v;
	} cases[] = {
	        {"0", HA_OK, 0},
	        {"42", HA_OK, 42},
	        {"007", HA_OK, 7},
	        {"0x0", HA_OK, 0},
	        {"0x800", HA_OK, 0x800},
	        {"0XaBc", HA_OK, 0xabc},
	        {"18446744073709551615", HA_OK, UINT64_MAX},
	        {"0xFFFFFFFFFFFFFFFF", HA_OK, UINT64_MAX},
	        {"18446744073709551616", HA_ERR_LIMIT, 0},
	        {"99999999999999999999999", HA_ERR_LIMIT, 0},
	        {"0x10000000000000000", HA_ERR_LIMIT, 0},
	        {"", HA_ERR_FORMAT, 0},
	        {"0x", HA_ERR_FORMAT, 0},
	        {"x1", HA_ERR_FORMAT, 0},
	        {"-1", HA_ERR_FORMAT, 0},
	        {"+1", HA_ERR_FORMAT, 0},
	        {" 1", HA_ERR_FORMAT, 0},
	        {"1 ", HA_ERR_FORMAT, 0},
	        {"12abc", HA_ERR_FORMAT, 0},
	        {"abc", HA_ERR_FORMAT, 0},
	        {"0x12g", HA_ERR_FORMAT, 0},
	        {"0x0x1", HA_ERR_FORMAT, 0},
	        {"1.5", HA_ERR_FORMAT, 0},
	        {"1e3", HA_ERR_FORMAT, 0},
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint64_t v = 12345;
		int rc = ha_parse_u64(cases[i].s, &v);

		if (rc != cases[i].rc || (rc == HA_OK && v != cases[i].v) ||
		    (rc != HA_OK && v != 12345))
			check_fail(__FILE__, __LINE__, "ha_parse_u64(\"%s\") = %d, %llu",
			           cases[i].s, rc, (unsigned long long)v);
	}
	{
		uint64_t v;

		CHECK_INT(ha_parse_u64(NULL, &v), HA_ERR_FORMAT);
	}
}

static void test_parse_date(void)
{
	static const struct {
		const char *s;
		int ok;
		int64_t t;
	} cases[] = {
	        {"2026-01-01", 1, 1767225600},
	        {"1970-01-01", 1, 0},
	        {"2024-02-29", 1, 1709164800},
	        {"2025-05-12T23:59:59Z", 1, 1747094399},
	        {"2038-01-19T03:14:08Z", 1, 2147483648LL},
	        {"9999-12-31T23:59:59Z", 1, 253402300799LL},
	        {"2026-02-31", 0, 0},
	        {"2023-02-29", 0, 0},
	        {"2021-04-31", 0, 0},
	        {"2026-00-10", 0, 0},
	        {"2026-13-01", 0, 0},
	        {"2026-01-00", 0, 0},
	        {"2026-01-32", 0, 0},
	        {"1969-12-31", 0, 0},
	        {"2026-1-01", 0, 0},
	        {"2026/01/01", 0, 0},
	        {"20260101", 0, 0},
	        {"2026-01-01 ", 0, 0},
	        {" 2026-01-01", 0, 0},
	        {"2026-01-01T12:00:00", 0, 0},
	        {"2026-01-01 12:00:00Z", 0, 0},
	        {"2026-01-01T12:00:00+01", 0, 0},
	        {"2026-01-01T24:00:00Z", 0, 0},
	        {"2026-01-01T12:60:00Z", 0, 0},
	        {"2026-01-01T10:59:60Z", 0, 0},
	        {"2026-01-01T23:59:60Z", 0, 0},
	        {"2026-0a-01", 0, 0},
	        {"+026-01-01", 0, 0},
	        {"", 0, 0},
	        {"yesterday", 0, 0},
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int64_t t = -7;
		int rc = ha_parse_date(cases[i].s, &t);

		if ((rc == HA_OK) != cases[i].ok || (cases[i].ok && t != cases[i].t) ||
		    (!cases[i].ok && (rc != HA_ERR_FORMAT || t != -7)))
			check_fail(__FILE__, __LINE__, "ha_parse_date(\"%s\") = %d, %lld",
			           cases[i].s, rc, (long long)t);
	}
	{
		int64_t t;

		CHECK_INT(ha_parse_date(NULL, &t), HA_ERR_FORMAT);
	}
}

static void test_filetime(void)
{
	char out[32];

	ha_filetime_iso(0, out);
	CHECK_STR(out, "");
	ha_filetime_iso(-1, out);
	CHECK_STR(out, "");
	ha_filetime_iso(INT64_MIN, out);
	CHECK_STR(out, "");
	ha_filetime_iso(116444736000000000LL, out);
	CHECK_STR(out, "1970-01-01T00:00:00Z");
	ha_filetime_iso(133485408000000000LL, out);
	CHECK_STR(out, "2024-01-01T00:00:00Z");
	ha_filetime_iso(133485408009999999LL, out); /* sub-second part dropped */
	CHECK_STR(out, "2024-01-01T00:00:00Z");
	ha_filetime_iso(1, out);
	CHECK_STR(out, "1601-01-01T00:00:00Z");
	/* The last second of year 9999, and one past it. */
	ha_filetime_iso((253402300799LL + 11644473600LL) * 10000000LL, out);
	CHECK_STR(out, "9999-12-31T23:59:59Z");
	ha_filetime_iso((253402300800LL + 11644473600LL) * 10000000LL, out);
	CHECK_STR(out, "");
	ha_filetime_iso(INT64_MAX, out);
	CHECK_STR(out, "");
	CHECK_INT(ha_filetime_to_unix(116444736000000000LL), 0);
	CHECK_INT(ha_filetime_to_unix(133485408000000000LL), 1704067200);

	ha_unix_iso(0, out);
	CHECK_STR(out, "1970-01-01T00:00:00Z");
	ha_unix_iso(-1, out);
	CHECK_STR(out, "1969-12-31T23:59:59Z");
	ha_unix_iso(2147169600, out);
	CHECK_STR(out, "2038-01-15T12:00:00Z");
	ha_unix_iso(-11644473600LL, out);
	CHECK_STR(out, "1601-01-01T00:00:00Z");
	ha_unix_iso(-11644473601LL, out);
	CHECK_STR(out, "");
	ha_unix_iso(INT64_MAX, out);
	CHECK_STR(out, "");
	ha_unix_iso(INT64_MIN, out);
	CHECK_STR(out, "");
}

/* ------------------------------------------------------------------ hashing */

static void test_hashes(void)
{
	struct ha_err e;
	struct ha_sha256 h;
	char hex[65], b64[45];
	uint8_t sha1[20];
	char sha1hex[41];
	static const uint8_t bytes[] = {0x00, 0x9f, 0xab, 0xff};

	CHECK_INT(ha_sha256_hex("abc", 3, hex, &e), HA_OK);
	CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	CHECK_INT(ha_sha256_hex("", 0, hex, &e), HA_OK);
	CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	/* Incremental, in pieces, gives the same digest. */
	CHECK_INT(ha_sha256_init(&h, &e), HA_OK);
	CHECK_INT(ha_sha256_update(&h, "a", 1, &e), HA_OK);
	CHECK_INT(ha_sha256_update(&h, "", 0, &e), HA_OK);
	CHECK_INT(ha_sha256_update(&h, "bc", 2, &e), HA_OK);
	CHECK_INT(ha_sha256_final(&h, hex, &e), HA_OK);
	CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	CHECK(h.ctx == NULL);
	/* An aborted context is released (LeakSanitizer checks). */
	CHECK_INT(ha_sha256_init(&h, &e), HA_OK);
	CHECK_INT(ha_sha256_update(&h, "x", 1, &e), HA_OK);
	ha_sha256_abort(&h);
	ha_sha256_abort(&h);

	CHECK_INT(ha_sha1("abc", 3, sha1, &e), HA_OK);
	ha_hex(sha1, 20, sha1hex, 0);
	CHECK_STR(sha1hex, "a9993e364706816aba3e25717850c26c9cd0d89d");
	ha_hex(sha1, 20, sha1hex, 1);
	CHECK_STR(sha1hex, "A9993E364706816ABA3E25717850C26C9CD0D89D");
	CHECK_INT(ha_sha1("", 0, sha1, &e), HA_OK);
	ha_hex(sha1, 20, sha1hex, 0);
	CHECK_STR(sha1hex, "da39a3ee5e6b4b0d3255bfef95601890afd80709");

	CHECK_INT(ha_sha256_b64("abc", 3, b64, &e), HA_OK);
	CHECK_STR(b64, "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
	CHECK_INT(ha_sha256_b64("", 0, b64, &e), HA_OK);
	CHECK_STR(b64, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");

	ha_hex(bytes, sizeof bytes, hex, 0);
	CHECK_STR(hex, "009fabff");
	ha_hex(bytes, 0, hex, 1);
	CHECK_STR(hex, "");
}

/* -------------------------------------------------------- certificate blobs */

/* DER of samples/certs/NAME (malloc'd), or NULL. */
static uint8_t *load_der(const char *name, size_t *len)
{
	char path[4096];
	FILE *f;
	X509 *x;
	unsigned char *der = NULL, *p;
	int n;

	snprintf(path, sizeof path, "%s/samples/certs/%s", tu_source_dir(), name);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (!x)
		return NULL;
	n = i2d_X509(x, NULL);
	if (n > 0 && (der = malloc((size_t)n)) != NULL) {
		p = der;
		i2d_X509(x, &p);
		*len = (size_t)n;
	}
	X509_free(x);
	return der;
}

static void put_record(struct ha_buf *b, uint32_t id, uint32_t reserved, const void *data,
                       uint32_t size)
{
	ha_buf_u32(b, id);
	ha_buf_u32(b, reserved);
	ha_buf_u32(b, size);
	ha_buf_add(b, data, size);
}

#define G2_THUMB      "DF3C24F9BFD666761B268073FE06D1CC8D4F82A4"
#define G2_SUBJECT    "CN=DigiCert Global Root G2,OU=www.digicert.com,O=DigiCert Inc,C=US"
#define G2_NOT_AFTER  2147169600 /* 2038-01-15T12:00:00Z */
#define G2_NOT_BEFORE 1375358400 /* 2013-08-01T12:00:00Z */

static void test_certblob_valid(void)
{
	struct ha_cert_info ci;
	struct ha_err e;
	struct ha_buf b;
	uint8_t *der, sha[20];
	size_t dlen = 0;

	der = load_der("digicert-global-root-g2.pem", &dlen);
	CHECK(der != NULL);
	if (!der)
		return;
	CHECK_INT(ha_sha1(der, dlen, sha, &e), HA_OK);

	/* As Windows writes it: SHA-1 property, then the certificate. */
	ha_buf_init(&b, 0);
	put_record(&b, 3, 1, sha, 20);
	put_record(&b, 0x20, 1, der, (uint32_t)dlen);
	CHECK_INT(ha_certblob_parse((const uint8_t *)b.data, b.len, &ci, &e), HA_OK);
	CHECK_STR(ci.thumbprint, G2_THUMB);
	CHECK_STR(ci.subject, G2_SUBJECT);
	CHECK_INT(ci.not_after, G2_NOT_AFTER);
	CHECK_INT(ci.not_before, G2_NOT_BEFORE);
	CHECK_INT(ci.has_hash_prop, 1);
	CHECK_STR(ci.hash_prop, G2_THUMB);
	CHECK_INT(ci.der_len, dlen);

	/* Certificate alone, followed by an end record (id 0) and junk after
	 * it, which is not read. */
	ha_buf_truncate(&b, 0);
	put_record(&b, 0x20, 1, der, (uint32_t)dlen);
	ha_buf_u32(&b, 0);
	ha_buf_add(&b, "junk", 4);
	CHECK_INT(ha_certblob_parse((const uint8_t *)b.data, b.len, &ci, &e), HA_OK);
	CHECK_STR(ci.thumbprint, G2_THUMB);
	CHECK_INT(ci.has_hash_prop, 0);
	CHECK_STR(ci.hash_prop, "");

	/* Other properties around it are skipped; a property 3 that lies is
	 * reported as it is, the thumbprint is still computed. */
	ha_buf_truncate(&b, 0);
	put_record(&b, 0x0B, 1, "F\0r\0i\0e\0n\0d\0l\0y\0\0\0", 18);
	put_record(&b, 3, 1, "01234567890123456789", 20);
	put_record(&b, 0x20, 1, der, (uint32_t)dlen);
	put_record(&b, 0x14, 1, "", 0);
	CHECK_INT(ha_certblob_parse((const uint8_t *)b.data, b.len, &ci, &e), HA_OK);
	CHECK_STR(ci.thumbprint, G2_THUMB);
	CHECK_STR(ci.hash_prop, "3031323334353637383930313233343536373839");

	/* A second certificate record does not replace the first. */
	{
		size_t elen = 0;
		uint8_t *ecc = load_der("microsoft-ecc-root-2017.pem", &elen);

		CHECK(ecc != NULL);
		ha_buf_truncate(&b, 0);
		put_record(&b, 0x20, 1, der, (uint32_t)dlen);
		if (ecc)
			put_record(&b, 0x20, 1, ecc, (uint32_t)elen);
		CHECK_INT(ha_certblob_parse((const uint8_t *)b.data, b.len, &ci, &e), HA_OK);
		CHECK_STR(ci.thumbprint, G2_THUMB);
		free(ecc);
	}
	ha_buf_free(&b);
	free(der);
}

static void test_certblob_hostile(void)
{
	struct ha_cert_info ci;
	struct ha_err e;
	struct ha_buf b, t;
	uint8_t *der, sha[20];
	size_t dlen = 0, cut, i;

	der = load_der("digicert-global-root-g2.pem", &dlen);
	CHECK(der != NULL);
	if (!der)
		return;
	CHECK_INT(ha_sha1(der, dlen, sha, &e), HA_OK);
	ha_buf_init(&b, 0);
	put_record(&b, 3, 1, sha, 20);
	put_record(&b, 0x20, 1, der, (uint32_t)dlen);

	/* Truncated at every offset: always a clean HA_ERR_FORMAT. */
	for (cut = 0; cut < b.len; cut++) {
		int rc;

		e.code = 0;
		rc = ha_certblob_parse((const uint8_t *)b.data, cut, &ci, &e);
		if (rc != HA_ERR_FORMAT || e.code != HA_ERR_FORMAT || !e.msg[0])
			check_fail(__FILE__, __LINE__, "cut at %zu: rc %d", cut, rc);
	}
	CHECK_INT(ha_certblob_parse(NULL, 0, &ci, &e), HA_ERR_FORMAT);
	CHECK_HAS(e.msg, "no certificate record");

	ha_buf_init(&t, 0);
	/* Reserved field other than 1. */
	put_record(&t, 0x20, 0, der, (uint32_t)dlen);
	CHECK_INT(ha_certblob_parse((const uint8_t *)t.data, t.len, &ci, &e), HA_ERR_FORMAT);
	CHECK_HAS(e.msg, "reserved field 0");
	ha_buf_truncate(&t, 0);
	put_record(&t, 3, 2, sha, 20);
	put_record(&t, 0x20, 1, der, (uint32_t)dlen);
	CHECK_INT(ha_certblob_parse((const uint8_t *)t.data, t.len, &ci, &e), HA_ERR_FORMAT);

	/* A huge claimed size. */
	ha_buf_truncate(&t, 0);
	ha_buf_u32(&t, 0x20);
	ha_buf_u32(&t, 1);
	ha_buf_u32(&t, 0xFFFFFFF0u);
	ha_buf_add(&t, der, dlen);
	CHECK_INT(ha_certblob_parse((const uint8_t *)t.data, t.len, &ci, &e), HA_ERR_FORMAT);
	CHECK_HAS(e.msg, "claims 4294967280 bytes");

	/* No certificate record at all. */
	ha_buf_truncate(&t, 0);
	put_record(&t, 3, 1, sha, 20);
	put_record(&t, 0x0B, 1, "x", 1);
	CHECK_INT(ha_certblob_parse((const uint8_t *)t.data, t.len, &ci, &e), HA_ERR_FORMAT);
	CHECK_HAS(e.msg, "no certificate record");
	/* The end record before the certificate. */
	ha_buf_truncate(&t, 0);
	ha_buf_u32(&t, 0);
	put_record(&t, 0x20, 1, der, (uint32_t)dlen);
	CHECK_INT(ha_certblob_parse((const uint8_t *)t.data, t.len, &ci, &e), HA_ERR_FORMAT);

	/* DER garbage, an empty certificate, and DER cut short inside. */
	ha_buf_truncate(&t, 0);
	put_record(&t, 0x20, 1, "\x30\x03\x02\x01\x01", 5);
	CHECK_INT(ha_certblob_parse((const uint8_t *)t.data, t.len, &ci, &e), HA_ERR_FORMAT);
	CHECK_HAS(e.msg, "not a DER X.509 certificate");
	ha_buf_truncate(&t, 0);
	put_record(&t, 0x20, 1, "", 0);
	CHECK_INT(ha_certblob_parse((const uint8_t *)t.data, t.len, &ci, &e), HA_ERR_FORMAT);
	ha_buf_truncate(&t, 0);
	put_record(&t, 0x20, 1, der, (uint32_t)dlen - 1);
	CHECK_INT(ha_certblob_parse((const uint8_t *)t.data, t.len, &ci, &e), HA_ERR_FORMAT);
	/* A whole certificate followed by junk inside the same record: the
	 * thumbprint would cover the junk, so the record is refused. */
	ha_buf_truncate(&t, 0);
	ha_buf_u32(&t, 0x20);
	ha_buf_u32(&t, 1);
	ha_buf_u32(&t, (uint32_t)dlen + 3);
	ha_buf_add(&t, der, dlen);
	ha_buf_add(&t, "xyz", 3);
	CHECK_INT(ha_certblob_parse((const uint8_t *)t.data, t.len, &ci, &e), HA_ERR_FORMAT);
	CHECK_HAS(e.msg, "trailing");

	/* Every byte of the DER flipped in turn: never a crash; a success
	 * always reports the hash of what was stored. */
	for (i = 0; i < dlen; i += 7) {
		der[i] ^= 0x5A;
		ha_buf_truncate(&t, 0);
		put_record(&t, 0x20, 1, der, (uint32_t)dlen);
		if (ha_certblob_parse((const uint8_t *)t.data, t.len, &ci, &e) == HA_OK)
			CHECK(strcmp(ci.thumbprint, G2_THUMB) != 0);
		der[i] ^= 0x5A;
	}

	/* 256 records are fine, 257 are too many. */
	ha_buf_truncate(&t, 0);
	for (i = 0; i < 255; i++)
		put_record(&t, 0x0B, 1, "", 0);
	put_record(&t, 0x20, 1, der, (uint32_t)dlen);
	CHECK_INT(ha_certblob_parse((const uint8_t *)t.data, t.len, &ci, &e), HA_OK);
	ha_buf_truncate(&t, 0);
	for (i = 0; i < 256; i++)
		put_record(&t, 0x0B, 1, "", 0);
	put_record(&t, 0x20, 1, der, (uint32_t)dlen);
	CHECK_INT(ha_certblob_parse((const uint8_t *)t.data, t.len, &ci, &e), HA_ERR_FORMAT);
	CHECK_HAS(e.msg, "more than 256 property records");
	/* Thousands of tiny records are refused quickly, too. */
	ha_buf_truncate(&t, 0);
	for (i = 0; i < 100000; i++)
		put_record(&t, 0x0B, 1, "", 0);
	CHECK_INT(ha_certblob_parse((const uint8_t *)t.data, t.len, &ci, &e), HA_ERR_FORMAT);

	CHECK_INT(ha_buf_status(&t), HA_OK);
	ha_buf_free(&t);
	ha_buf_free(&b);
	free(der);
}

/* ----------------------------------------------------------------- strings */

static void test_strdup(void)
{
	char *p;

	CHECK(ha_strdup(NULL) == NULL);
	CHECK(ha_strndup(NULL, 3) == NULL);
	p = ha_strdup("abc");
	CHECK_STR(p, "abc");
	free(p);
	p = ha_strndup("abcdef", 3);
	CHECK_STR(p, "abc");
	free(p);
	p = ha_strndup("ab", 0);
	CHECK_STR(p, "");
	free(p);
}

static void test_parse_shard(void)
{
	static const char *const bad[] = {
	        "",     "1",    "/3",   "1/",        "0/3",           "4/3",
	        "1/3x", " 1/3", "-1/3", "1/1000001", "99999999999/1", "1//3",
	        "0x1/3"};
	unsigned k = 9, n = 9;
	size_t i;

	CHECK_INT(ha_parse_shard("1/3", &k, &n), HA_OK);
	CHECK_INT(k, 1);
	CHECK_INT(n, 3);
	CHECK_INT(ha_parse_shard("1000000/1000000", &k, &n), HA_OK);
	CHECK_INT(k, 1000000);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (ha_parse_shard(bad[i], &k, &n) != HA_ERR_FORMAT)
			check_fail(__FILE__, __LINE__, "'%s' accepted as a shard", bad[i]);
}

int main(int argc, char **argv)
{
	static const struct check_case cases[] = {
	        CHECK_CASE(test_err_set_and_sys),
	        CHECK_CASE(test_err_prefix),
	        CHECK_CASE(test_err_truncation_keeps_utf8),
	        CHECK_CASE(test_code_names),
	        CHECK_CASE(test_buf_basics),
	        CHECK_CASE(test_buf_limit_and_sticky_failure),
	        CHECK_CASE(test_buf_printf_growth),
	        CHECK_CASE(test_buf_integers_and_lstr),
	        CHECK_CASE(test_cur_every_boundary),
	        CHECK_CASE(test_cur_lstr_hostile),
	        CHECK_CASE(test_size_overflow),
	        CHECK_CASE(test_array_grow),
	        CHECK_CASE(test_utf16_decoding),
	        CHECK_CASE(test_latin1_decoding),
	        CHECK_CASE(test_utf8_validation),
	        CHECK_CASE(test_utf8_to_utf16),
	        CHECK_CASE(test_ascii_case_compare),
	        CHECK_CASE(test_glob),
	        CHECK_CASE(test_glob_pathological),
	        CHECK_CASE(test_escape_html),
	        CHECK_CASE(test_escape_terminal),
	        CHECK_CASE(test_csv_field),
	        CHECK_CASE(test_i12_11_bidi_controls_escaped),
	        CHECK_CASE(test_i12_11_invalid_utf8_bytes_escaped),
	        CHECK_CASE(test_i12_10_csv_cell_capped),
	        CHECK_CASE(test_i12_9_nul_in_text),
	        CHECK_CASE(test_parse_shard),
	        CHECK_CASE(test_parse_u64),
	        CHECK_CASE(test_parse_date),
	        CHECK_CASE(test_filetime),
	        CHECK_CASE(test_hashes),
	        CHECK_CASE(test_certblob_valid),
	        CHECK_CASE(test_certblob_hostile),
	        CHECK_CASE(test_strdup),
	};

	return check_run(cases, sizeof cases / sizeof cases[0], argc, argv);
}
