/* fuzz_text.c: registry text decoding and the escapers (common/text.c).
 *
 * Every string a hive holds passes through the UTF-16 and Latin-1 decoders
 * and then through one escaper per output (HTML, CSV, the terminal).  The
 * checks are the promises of ha_common.h: decoders always give valid
 * UTF-8, escapers leave nothing their format would interpret. */
#include <string.h>

#include "fuzz.h"
#include "ha_common.h"

static void check_utf8(const struct ha_buf *b, int nul_ok)
{
	FZ_CHECK(ha_buf_status(b) == HA_OK);
	FZ_CHECK(ha_utf8_valid(ha_buf_cstr(b), b->len));
	if (!nul_ok)
		FZ_CHECK(memchr(ha_buf_cstr(b), 0, b->len) == NULL);
}

static void decoders(const uint8_t *p, size_t n)
{
	static const unsigned flags[] = {0, HA_U16_STOP_AT_NUL, HA_U16_NUL_VISIBLE};
	struct ha_buf b;
	size_t i;

	for (i = 0; i < 3; i++) {
		ha_buf_init(&b, 0);
		ha_utf16le_to_utf8(&b, p, n, flags[i]);
		check_utf8(&b, flags[i] == 0);
		ha_buf_free(&b);
		ha_buf_init(&b, 0);
		ha_latin1_to_utf8(&b, p, n, flags[i]);
		check_utf8(&b, flags[i] == 0);
		ha_buf_free(&b);
	}
	/* U+0000 kept as C0 80: never a NUL byte in the text. */
	ha_buf_init(&b, 0);
	ha_utf16le_to_utf8(&b, p, n, HA_U16_NUL_MODIFIED);
	FZ_CHECK(ha_buf_status(&b) == HA_OK && memchr(ha_buf_cstr(&b), 0, b.len) == NULL);
	ha_buf_free(&b);
	/* Sanitising changes exactly the invalid inputs. */
	ha_buf_init(&b, 0);
	ha_utf8_sanitize(&b, (const char *)p, n);
	check_utf8(&b, 1);
	if (ha_utf8_valid((const char *)p, n))
		FZ_CHECK(b.len == n && memcmp(ha_buf_cstr(&b), p, n) == 0);
	ha_buf_free(&b);
}

/* Has s a control character other than tab, CR and LF (C0, DEL, C1)? */
static int has_controls(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p; p++)
		if ((*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r') || *p == 0x7F ||
		    (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F))
			return 1;
	return 0;
}

/* Has s a Bidi_Control character (U+061C, U+200E, U+200F, U+202A..E,
 * U+2066..9) in UTF-8? */
static int has_bidi(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p; p++)
		if ((p[0] == 0xD8 && p[1] == 0x9C) ||
		    (p[0] == 0xE2 && p[1] == 0x80 &&
		     (p[2] == 0x8E || p[2] == 0x8F || (p[2] >= 0xAA && p[2] <= 0xAE))) ||
		    (p[0] == 0xE2 && p[1] == 0x81 && p[2] >= 0xA6 && p[2] <= 0xA9))
			return 1;
	return 0;
}

static void escapers(const char *s)
{
	struct ha_buf b, clean, back;
	const char *o, *c;
	size_t i;

	ha_buf_init(&clean, 0);
	ha_utf8_sanitize(&clean, s, strlen(s));

	/* HTML: no markup characters survive, every '&' starts an entity. */
	ha_buf_init(&b, 0);
	ha_escape_html(&b, s);
	check_utf8(&b, 0);
	for (o = ha_buf_cstr(&b); *o; o++) {
		unsigned char ch = (unsigned char)*o;

		FZ_CHECK(ch != '<' && ch != '>' && ch != '"' && ch != '\'');
		FZ_CHECK(ch >= 0x20 || ch == '\t' || ch == '\n');
		FZ_CHECK(ch != 0x7F);
		if (ch == '&')
			FZ_CHECK(!strncmp(o, "&amp;", 5) || !strncmp(o, "&lt;", 4) ||
			         !strncmp(o, "&gt;", 4) || !strncmp(o, "&quot;", 6) ||
			         !strncmp(o, "&#39;", 5));
	}
	FZ_CHECK(!has_bidi(ha_buf_cstr(&b)));
	ha_buf_free(&b);

	/* Terminal: no C0, DEL or C1 control reaches the screen. */
	ha_buf_init(&b, 0);
	ha_escape_terminal(&b, s);
	check_utf8(&b, 0);
	for (o = ha_buf_cstr(&b); *o; o++) {
		unsigned char ch = (unsigned char)o[0];

		FZ_CHECK(ch >= 0x20 && ch != 0x7F);
		FZ_CHECK(!(ch == 0xC2 && (unsigned char)o[1] >= 0x80 &&
		           (unsigned char)o[1] <= 0x9F));
	}
	FZ_CHECK(!has_bidi(ha_buf_cstr(&b)));
	ha_buf_free(&b);

	/* CSV: one quoted field that unquotes to the sanitised text, with a
	 * formula defused by a leading apostrophe. */
	ha_buf_init(&b, 0);
	ha_csv_field(&b, s);
	check_utf8(&b, 0);
	o = ha_buf_cstr(&b);
	FZ_CHECK(b.len >= 2 && o[0] == '"' && o[b.len - 1] == '"');
	ha_buf_init(&back, 0);
	for (i = 1; i + 1 < b.len; i++) {
		if (o[i] == '"') {
			FZ_CHECK(o[i + 1] == '"' && i + 2 < b.len);
			i++;
		}
		ha_buf_putc(&back, o[i]);
	}
	c = ha_buf_cstr(&clean);
	FZ_CHECK(!has_bidi(ha_buf_cstr(&back)));
	FZ_CHECK(b.len <= 2 + 3 * HA_CSV_CELL_MAX);
	/* Control characters other than line breaks and tabs never reach the
	 * file (they are shown as \xNN or \uNNNN), nor do bidi controls or
	 * bytes that are not UTF-8; text without them, and short enough for a
	 * cell, comes back unchanged. */
	for (o = ha_buf_cstr(&back); *o; o++) {
		unsigned char ch = (unsigned char)o[0];

		FZ_CHECK(ch >= 0x20 || ch == '\t' || ch == '\n' || ch == '\r');
		FZ_CHECK(ch != 0x7F);
		FZ_CHECK(!(ch == 0xC2 && (unsigned char)o[1] >= 0x80 &&
		           (unsigned char)o[1] <= 0x9F));
	}
	if (ha_utf8_valid(s, strlen(s)) && !has_controls(c) && !has_bidi(c) &&
	    strlen(c) < HA_CSV_CELL_MAX / 4) {
		if (*c == '=' || *c == '+' || *c == '-' || *c == '@' || *c == '\t' || *c == '\r') {
			FZ_CHECK(ha_buf_cstr(&back)[0] == '\'');
			FZ_CHECK(strcmp(ha_buf_cstr(&back) + 1, c) == 0);
		} else {
			FZ_CHECK(strcmp(ha_buf_cstr(&back), c) == 0);
		}
	}
	ha_buf_free(&back);
	ha_buf_free(&b);

	/* UTF-8 -> UTF-16LE -> UTF-8 gives the sanitised text back. */
	ha_buf_init(&b, 0);
	ha_utf8_to_utf16le(&b, s);
	FZ_CHECK(ha_buf_status(&b) == HA_OK && b.len >= 2 && b.len % 2 == 0);
	FZ_CHECK(b.data[b.len - 1] == 0 && b.data[b.len - 2] == 0);
	ha_buf_init(&back, 0);
	ha_utf16le_to_utf8(&back, (const uint8_t *)b.data, b.len - 2, 0);
	FZ_CHECK(strcmp(ha_buf_cstr(&back), c) == 0);
	ha_buf_free(&back);
	ha_buf_free(&b);
	ha_buf_free(&clean);
}

/* s holds the input with two NULs after it: the pattern is the text up
 * to the first NUL, the name what follows it (or ""). */
static void matching(const char *s)
{
	const char *name = s + strlen(s) + 1;
	uint64_t v, v2;
	char tmp[32];

	(void)ha_glob_match(s, name);
	FZ_CHECK(ha_glob_match("*", name));
	if (!strpbrk(s, "*?"))
		FZ_CHECK(ha_glob_match(s, name) == (ha_ascii_casecmp(s, name) == 0));
	FZ_CHECK((ha_ascii_casecmp(s, name) < 0) == (ha_ascii_casecmp(name, s) > 0));
	if (ha_parse_u64(s, &v) == HA_OK) {
		snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)v);
		FZ_CHECK(ha_parse_u64(tmp, &v2) == HA_OK && v2 == v);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	decoders(data, size);
	s = malloc(size + 2);
	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = s[size + 1] = '\0';
	escapers(s);
	matching(s);
	free(s);
	return 0;
}
