/* err.c: the error type (see ha_common.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ha_common.h"

int ha_err_set(struct ha_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	err->code = code;
	err->sys_errno = 0;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
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
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	n = strlen(err->msg);
	if (errnum && n < sizeof err->msg)
		snprintf(err->msg + n, sizeof err->msg - n, ": %s", strerror(errnum));
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
	vsnprintf(head, sizeof head - 2, fmt, ap);
	va_end(ap);
	strcat(head, ": ");
	hl = strlen(head);
	ml = strlen(err->msg);
	/* Keep the head whole and cut the old message if both do not fit. */
	if (hl + ml >= sizeof err->msg)
		ml = sizeof err->msg - 1 - hl;
	memmove(err->msg + hl, err->msg, ml);
	memcpy(err->msg, head, hl);
	err->msg[hl + ml] = '\0';
	return err->code;
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
