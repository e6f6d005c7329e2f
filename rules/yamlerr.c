/* yamlerr.c: the position-carrying error of the YAML readers (yamlerr.h). */
#include <stdio.h>

#include "yamlerr.h"

int ha_yaml_vfail_at(struct ha_err *err, const char *name, const yaml_mark_t *mark, const char *fmt,
                     va_list ap)
{
	char msg[400];

	vsnprintf(msg, sizeof msg, fmt, ap);
	if (mark)
		return ha_err_set(err, HA_ERR_RULES, "%s:%lu:%lu: %s", name,
		                  (unsigned long)mark->line + 1, (unsigned long)mark->column + 1,
		                  msg);
	return ha_err_set(err, HA_ERR_RULES, "%s: %s", name, msg);
}

int ha_yaml_fail_at(struct ha_err *err, const char *name, const yaml_mark_t *mark, const char *fmt,
                    ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = ha_yaml_vfail_at(err, name, mark, fmt, ap);
	va_end(ap);
	return rc;
}
