/* yamlerr.h: the "file:line:column: message" error of the YAML readers
 * (rule files in load.c, waiver files in waivers.c).  Private to rules/. */
#ifndef HA_RULES_YAMLERR_H
#define HA_RULES_YAMLERR_H

#include <stdarg.h>
#include <yaml.h>

#include "ha_common.h"

/* Fills err with HA_ERR_RULES and "name:line:column: message" at `mark`
 * (lines and columns counted from 1), or "name: message" when mark is NULL;
 * returns HA_ERR_RULES.  The message is cut at 399 bytes before the position
 * is added, so a long name in it never pushes the position out. */
int ha_yaml_fail_at(struct ha_err *err, const char *name, const yaml_mark_t *mark, const char *fmt,
                    ...) HA_PRINTF(4, 5);
int ha_yaml_vfail_at(struct ha_err *err, const char *name, const yaml_mark_t *mark, const char *fmt,
                     va_list ap) HA_PRINTF(4, 0);

#endif
