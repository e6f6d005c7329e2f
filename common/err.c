/* err.c: the error type (see ha_common.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ha_common.h"

/* Messages carry hive paths and names (UTF-8).  When one is cut to fit, the
 * cut must not leave half a character: it would reach the reports as
 * invalid UTF-8.  Drops a trailing incomplete sequence from s[0..len). */
static size_t utf8_clip(const char *s, size_t len)
{
	size_t i = len, back = 0, need;
	unsigned char c;

	while (i > 0 && back < 4 && ((unsigned char)s[i - 1] & 0xC0) == 0x80) {
		i--;
		back++;
	}
	if (i == 0)
		return len;
	c = (unsigned char)s[i - 1];
	if (c < 0x80)
		return len;
	need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
	return back + 1 < need ? i - 1 : len;
}

/* vsnprintf into dst, then clip a character cut by truncation. */
HA_PRINTF(3, 0)
static void format_into(char *dst, size_t size, const char *fmt, va_list ap)
{
	int n = vsnprintf(dst, size, fmt, ap);

	if (n < 0)
		dst[0] = '\0';
	else if ((size_t)n >= size)
		dst[utf8_clip(dst, size - 1)] = '\0';
}

int ha_err_set(struct ha_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	err->code = code;
	err->sys_errno = 0;
	va_start(ap, fmt);
	format_into(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	return code;
}

int ha_err_sys(struct ha_err *err, int code, int errnum, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (!err)
		return code;
	err->code = code;
	err->sys_errno = errnum;
	va_start(ap, fmt);
	format_into(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	n = strlen(err->msg);
	if (errnum && n + 1 < sizeof err->msg &&
	    snprintf(err->msg + n, sizeof err->msg - n, ": %s", strerror(errnum)) >=
	            (int)(sizeof err->msg - n))
		err->msg[utf8_clip(err->msg, sizeof err->msg - 1)] = '\0';
	return code;
}

int ha_err_prefix(struct ha_err *err, const char *fmt, ...)
{
	char head[256];
	size_t hl, ml;
	va_list ap;

	if (!err)
		return HA_ERR_INTERNAL;
	va_start(ap, fmt);
	format_into(head, sizeof head - 2, fmt, ap);
	va_end(ap);
	hl = strlen(head);
	memcpy(head + hl, ": ", 3);
	hl += 2;
	ml = strlen(err->msg);
	/* Keep the head whole and cut the old message if both do not fit. */
	if (hl + ml >= sizeof err->msg)
		ml = utf8_clip(err->msg, sizeof err->msg - 1 - hl);
	memmove(err->msg + hl, err->msg, ml);
	memcpy(err->msg, head, hl);
	err->msg[hl + ml] = '\0';
	return err->code;
}

int ha_err_nomem(struct ha_err *err)
{
	static const char msg[] = "out of memory";

	if (!err)
		return HA_ERR_NOMEM;
	err->code = HA_ERR_NOMEM;
	err->sys_errno = ENOMEM;
	memcpy(err->msg, msg, sizeof msg);
	return HA_ERR_NOMEM;
}

void ha_err_clear(struct ha_err *err)
{
	if (!err)
		return;
	err->code = HA_OK;
	err->sys_errno = 0;
	err->msg[0] = '\0';
}

const char *ha_code_name(int code)
{
	switch (code) {
	case HA_OK: return "ok";
	case HA_ERR_NOMEM: return "out of memory";
	case HA_ERR_IO: return "io";
	case HA_ERR_FORMAT: return "format";
	case HA_ERR_USAGE: return "usage";
	case HA_ERR_LIMIT: return "limit";
	case HA_ERR_NOTFOUND: return "not found";
	case HA_ERR_STORE: return "store";
	case HA_ERR_CRYPTO: return "crypto";
	case HA_ERR_INTERNAL: return "internal";
	case HA_ERR_INTERRUPTED: return "interrupted";
	case HA_ERR_RULES: return "rules";
	case HA_ERR_HIVE: return "hive";
	case HA_ERR_BUSY: return "busy";
	default: return "unknown";
	}
}
