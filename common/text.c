/* text.c: decoding registry text and escaping it for every output.
 *
 * Registry strings are attacker-controlled.  Decoding never fails: invalid
 * input becomes U+FFFD so that evidence still shows that something odd was
 * stored.  Escaping happens at the edge, once per output format, in one
 * function (escape_text) so that every output shows the same things. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ha_common.h"

static void put_utf8(struct ha_buf *out, uint32_t cp)
{
	char s[4];

	if (cp < 0x80) {
		s[0] = (char)cp;
		ha_buf_add(out, s, 1);
	} else if (cp < 0x800) {
		s[0] = (char)(0xC0 | (cp >> 6));
		s[1] = (char)(0x80 | (cp & 0x3F));
		ha_buf_add(out, s, 2);
	} else if (cp < 0x10000) {
		s[0] = (char)(0xE0 | (cp >> 12));
		s[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		s[2] = (char)(0x80 | (cp & 0x3F));
		ha_buf_add(out, s, 3);
	} else {
		s[0] = (char)(0xF0 | (cp >> 18));
		s[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		s[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		s[3] = (char)(0x80 | (cp & 0x3F));
		ha_buf_add(out, s, 4);
	}
}

#define REPLACEMENT 0xFFFDu
#define NUL_SYMBOL  0x2400u

/* Decoded text is staged in a small local buffer and appended in chunks:
 * names are decoded for every sibling of every key walked (thousands per
 * host), and one append per character was a measurable share of a scan. */
struct stage {
	struct ha_buf *out;
	size_t n;
	char b[512];
};

static void stage_flush(struct stage *s)
{
	if (s->n)
		ha_buf_add(s->out, s->b, s->n);
	s->n = 0;
}

static void stage_put(struct stage *s, uint32_t cp)
{
	char *q;

	if (s->n > sizeof s->b - 4)
		stage_flush(s);
	q = s->b + s->n;
	if (cp < 0x80) {
		q[0] = (char)cp;
		s->n += 1;
	} else if (cp < 0x800) {
		q[0] = (char)(0xC0 | (cp >> 6));
		q[1] = (char)(0x80 | (cp & 0x3F));
		s->n += 2;
	} else if (cp < 0x10000) {
		q[0] = (char)(0xE0 | (cp >> 12));
		q[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		q[2] = (char)(0x80 | (cp & 0x3F));
		s->n += 3;
	} else {
		q[0] = (char)(0xF0 | (cp >> 18));
		q[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		q[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		q[3] = (char)(0x80 | (cp & 0x3F));
		s->n += 4;
	}
}

void ha_utf16le_to_utf8(struct ha_buf *out, const uint8_t *p, size_t n, unsigned flags)
{
	struct stage st;
	size_t i = 0;

	st.out = out;
	st.n = 0;
	while (i + 1 < n) {
		uint32_t u = ha_le16(p + i);

		i += 2;
		if (u == 0) {
			if (flags & HA_U16_STOP_AT_NUL)
				break;
			if (flags & HA_U16_NUL_MODIFIED) {
				stage_flush(&st);
				ha_buf_add(out, "\xC0\x80", 2);
			} else {
				stage_put(&st, (flags & HA_U16_NUL_VISIBLE) ? NUL_SYMBOL : 0);
			}
			continue;
		}
		if (u >= 0xD800 && u <= 0xDBFF) {
			if (i + 1 < n) {
				uint32_t lo = ha_le16(p + i);

				if (lo >= 0xDC00 && lo <= 0xDFFF) {
					i += 2;
					stage_put(&st,
					          0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00));
					continue;
				}
			}
			stage_put(&st, REPLACEMENT);
			continue;
		}
		if (u >= 0xDC00 && u <= 0xDFFF) {
			stage_put(&st, REPLACEMENT);
			continue;
		}
		stage_put(&st, u);
	}
	if (i + 1 == n && !((flags & HA_U16_STOP_AT_NUL) && i >= 2 && ha_le16(p + i - 2) == 0))
		stage_put(&st, REPLACEMENT); /* a trailing odd byte */
	stage_flush(&st);
}

void ha_latin1_to_utf8(struct ha_buf *out, const uint8_t *p, size_t n, unsigned flags)
{
	size_t i = 0;

	while (i < n) {
		size_t run = i;

		/* Runs of printable-ASCII-range bytes are UTF-8 as they are. */
		while (run < n && p[run] != 0 && p[run] < 0x80)
			run++;
		if (run > i) {
			ha_buf_add(out, p + i, run - i);
			i = run;
			continue;
		}
		if (p[i] == 0) {
			if (flags & HA_U16_STOP_AT_NUL)
				return;
			if (flags & HA_U16_NUL_MODIFIED)
				ha_buf_add(out, "\xC0\x80", 2);
			else
				put_utf8(out, (flags & HA_U16_NUL_VISIBLE) ? NUL_SYMBOL : 0);
		} else {
			put_utf8(out, p[i]);
		}
		i++;
	}
}

/* Length of the valid UTF-8 sequence at p (max n bytes), or 0 if invalid.
 * Rejects overlong forms, surrogates and code points above U+10FFFF. */
static size_t utf8_seq(const unsigned char *p, size_t n, uint32_t *cp)
{
	uint32_t c;
	size_t len, k;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xC2 && p[0] <= 0xDF) {
		len = 2;
		c = p[0] & 0x1F;
	} else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
		len = 3;
		c = p[0] & 0x0F;
	} else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
		len = 4;
		c = p[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (k = 1; k < len; k++) {
		if ((p[k] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (p[k] & 0x3F);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) || c > 0x10FFFF ||
	    (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return len;
}

void ha_utf8_sanitize(struct ha_buf *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		uint32_t cp;
		size_t k = utf8_seq(p + i, n - i, &cp);

		if (!k) {
			put_utf8(out, REPLACEMENT);
			i++;
		} else {
			ha_buf_add(out, p + i, k);
			i += k;
		}
	}
}

int ha_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		uint32_t cp;
		size_t k = utf8_seq(p + i, n - i, &cp);

		if (!k)
			return 0;
		i += k;
	}
	return 1;
}

void ha_utf8_to_utf16le(struct ha_buf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0;
	uint8_t u[4];

	while (i < n) {
		uint32_t cp;
		size_t k = utf8_seq(p + i, n - i, &cp);

		if (!k) {
			cp = REPLACEMENT;
			k = 1;
		}
		i += k;
		if (cp >= 0x10000) {
			uint32_t v = cp - 0x10000, hi = 0xD800 + (v >> 10),
			         lo = 0xDC00 + (v & 0x3FF);

			u[0] = (uint8_t)hi;
			u[1] = (uint8_t)(hi >> 8);
			u[2] = (uint8_t)lo;
			u[3] = (uint8_t)(lo >> 8);
			ha_buf_add(out, u, 4);
		} else {
			u[0] = (uint8_t)cp;
			u[1] = (uint8_t)(cp >> 8);
			ha_buf_add(out, u, 2);
		}
	}
	u[0] = u[1] = 0;
	ha_buf_add(out, u, 2);
}

/* ------------------------------------------------------------- comparing */

static int fold(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

int ha_ascii_casecmp(const char *a, const char *b)
{
	const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;

	for (;; x++, y++) {
		int d = fold(*x) - fold(*y);

		if (d || !*x)
			return d;
	}
}

int ha_ascii_ncasecmp(const char *a, const char *b, size_t n)
{
	const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;

	for (; n; n--, x++, y++) {
		int d = fold(*x) - fold(*y);

		if (d || !*x)
			return d;
	}
	return 0;
}

/* Iterative glob with single-star backtracking: linear in practice and
 * never recursive, so a hostile name cannot blow the stack. */
int ha_glob_match(const char *pat, const char *s)
{
	const char *star = NULL, *mark = NULL;

	while (*s) {
		if (*pat == '*') {
			star = pat++;
			mark = s;
		} else if (*pat == '?' ||
		           (*pat && fold((unsigned char)*pat) == fold((unsigned char)*s))) {
			pat++;
			s++;
		} else if (star) {
			pat = star + 1;
			s = ++mark;
		} else {
			return 0;
		}
	}
	while (*pat == '*')
		pat++;
	return *pat == '\0';
}

/* -------------------------------------------------------------- escaping */

/* Bidi_Control characters (Unicode PropList.txt): ALM, LRM, RLM, the
 * embeddings and overrides LRE..RLO, and the isolates LRI..PDI.  Shown,
 * they reorder the text around them ("txt.exe" can be made to read
 * "exe.txt"), so they are escaped as control characters are. */
static int is_bidi_control(uint32_t cp)
{
	return cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

enum esc_mode { ESC_HTML, ESC_TERMINAL, ESC_CSV, ESC_JSON };

/* A printable ASCII character that the format still has to escape. */
static int plain_special(enum esc_mode mode, unsigned char c)
{
	if (mode == ESC_HTML)
		return c == '&' || c == '<' || c == '>' || c == '"' || c == '\'';
	return mode == ESC_CSV && c == '"';
}

/* The one escaper behind every output.  Per character of s:
 *   - a byte that is not part of valid UTF-8 is shown as \xNN (two folders
 *     whose names differ only in such bytes stay different), except C0 80,
 *     which is how text carries U+0000 (HA_U16_NUL_MODIFIED): \x00, or a
 *     real NUL for ESC_JSON (jansson then writes \u0000);
 *   - C0 controls and DEL as \xNN, but for the line breaks and tabs the
 *     format keeps as data (HTML: tab, LF; CSV: tab, CR, LF; JSON: all, as
 *     JSON escapes them); C1 controls and Bidi_Control characters as
 *     \uNNNN (JSON keeps them: it is for programs);
 *   - HTML's five special characters as entities, CSV's quote doubled.
 * With max_units, at most that many characters (UTF-16 units, as Excel
 * counts) are written, the marker "… (N bytes)" included, N being the
 * length of s: the text is cut before the first character that would not
 * leave room for the marker.  `used` units are already in the cell. */
static void escape_text(struct ha_buf *out, const char *s, size_t n, enum esc_mode mode,
                        size_t max_units, size_t used)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, units = used, cut_at = 0, mlen = 0;
	int cut_known = 0;
	char marker[48];

	if (max_units) {
		snprintf(marker, sizeof marker, "\xe2\x80\xa6 (%zu bytes)", n);
		mlen = strlen(marker) - 2; /* U+2026 is 3 bytes, 1 unit */
	}
	while (i < n) {
		char rep[16];
		const char *r = rep;
		size_t rl, ru, k, lim; /* ru: what the character costs in the reader's count */
		uint32_t cp;

		/* Plain printable ASCII goes in runs: most text is nothing else.
		 * A run stays within what fits before the marker, so that a cut
		 * string costs one pass. */
		lim = n;
		if (max_units) {
			size_t room = units + mlen < max_units ? max_units - units - mlen : 0;

			if (room < n - i)
				lim = i + room;
		}
		k = i;
		while (k < lim && p[k] >= 0x20 && p[k] < 0x7F && !plain_special(mode, p[k]))
			k++;
		if (k > i) {
			ha_buf_add(out, s + i, k - i);
			units += k - i;
			i = k;
			continue;
		}
		k = utf8_seq(p + i, n - i, &cp);
		if (!k && p[i] == 0xC0 && i + 1 < n && p[i + 1] == 0x80) {
			k = 2;
			if (mode == ESC_JSON)
				rep[0] = '\0', rl = 1;
			else
				rl = (size_t)snprintf(rep, sizeof rep, "\\x00");
			ru = rl;
		} else if (!k) {
			k = 1;
			rl = (size_t)snprintf(rep, sizeof rep, "\\x%02X", p[i]);
			ru = rl;
		} else if (mode != ESC_JSON &&
		           ((cp < 0x20 && !(cp == '\t' && mode != ESC_TERMINAL) &&
		             !(cp == '\n' && mode != ESC_TERMINAL) &&
		             !(cp == '\r' && mode == ESC_CSV)) ||
		            cp == 0x7F)) {
			rl = (size_t)snprintf(rep, sizeof rep, "\\x%02X", (unsigned)cp);
			ru = rl;
		} else if (mode != ESC_JSON &&
		           ((cp >= 0x80 && cp <= 0x9F) || is_bidi_control(cp))) {
			rl = (size_t)snprintf(rep, sizeof rep, "\\u%04X", (unsigned)cp);
			ru = rl;
		} else if (mode == ESC_HTML &&
		           (cp == '&' || cp == '<' || cp == '>' || cp == '"' || cp == '\'')) {
			r = cp == '&'   ? "&amp;"
			    : cp == '<' ? "&lt;"
			    : cp == '>' ? "&gt;"
			    : cp == '"' ? "&quot;"
			                : "&#39;";
			rl = strlen(r);
			ru = 1;
		} else if (mode == ESC_CSV && cp == '"') {
			r = "\"\"";
			rl = 2;
			ru = 1;
		} else {
			r = s + i;
			rl = k;
			ru = cp >= 0x10000 ? 2 : 1;
		}
		if (max_units) {
			if (!cut_known && units + ru + mlen > max_units) {
				cut_at = out->len;
				cut_known = 1;
			}
			if (units + ru > max_units) {
				ha_buf_truncate(out, cut_at);
				ha_buf_puts(out, marker);
				return;
			}
		}
		units += ru;
		ha_buf_add(out, r, rl);
		i += k;
	}
}

void ha_escape_html(struct ha_buf *out, const char *s)
{
	if (!s)
		s = "";
	escape_text(out, s, strlen(s), ESC_HTML, HA_HTML_TEXT_MAX, 0);
}

void ha_escape_terminal(struct ha_buf *out, const char *s)
{
	if (!s)
		s = "";
	escape_text(out, s, strlen(s), ESC_TERMINAL, 0, 0);
}

void ha_csv_field(struct ha_buf *out, const char *s)
{
	size_t used = 0;

	if (!s)
		s = "";
	ha_buf_putc(out, '"');
	if (*s == '=' || *s == '+' || *s == '-' || *s == '@' || *s == '\t' || *s == '\r') {
		ha_buf_putc(out, '\'');
		used = 1;
	}
	escape_text(out, s, strlen(s), ESC_CSV, HA_CSV_CELL_MAX, used);
	ha_buf_putc(out, '"');
}

void ha_text_for_json(struct ha_buf *out, const char *s, size_t n, size_t max_units)
{
	escape_text(out, s ? s : "", s ? n : 0, ESC_JSON, max_units, 0);
}

/* ------------------------------------------------------------- strings */

char *ha_strdup(const char *s)
{
	return s ? ha_strndup(s, strlen(s)) : NULL;
}

char *ha_strndup(const char *s, size_t n)
{
	char *p;

	if (!s)
		return NULL;
	p = malloc(n + 1);
	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *ha_asprintf(const char *fmt, ...)
{
	struct ha_buf b;
	va_list ap;

	ha_buf_init(&b, 0);
	va_start(ap, fmt);
	ha_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	return ha_buf_detach(&b, NULL);
}

int ha_parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	int base = 10, any = 0;

	if (!s || !*s)
		return HA_ERR_FORMAT;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (; *s; s++) {
		int d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return HA_ERR_FORMAT;
		if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			return HA_ERR_LIMIT;
		v = v * (uint64_t)base + (uint64_t)d;
		any = 1;
	}
	if (!any)
		return HA_ERR_FORMAT;
	*out = v;
	return HA_OK;
}

int ha_parse_shard(const char *s, unsigned *k, unsigned *n)
{
	unsigned long a = 0, b = 0;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return HA_ERR_FORMAT;
	for (; *p >= '0' && *p <= '9'; p++)
		if ((a = a * 10 + (unsigned long)(*p - '0')) > 1000000)
			return HA_ERR_FORMAT;
	if (*p++ != '/' || *p < '0' || *p > '9')
		return HA_ERR_FORMAT;
	for (; *p >= '0' && *p <= '9'; p++)
		if ((b = b * 10 + (unsigned long)(*p - '0')) > 1000000)
			return HA_ERR_FORMAT;
	if (*p || a < 1 || a > b)
		return HA_ERR_FORMAT;
	*k = (unsigned)a;
	*n = (unsigned)b;
	return HA_OK;
}
