/* builtin.c: the TLS 1.2 pack compiled into the program (rules/tls12.yaml). */
#include "rules_internal.h"

extern const unsigned char ha_tls12_yaml[];
extern const size_t ha_tls12_yaml_len;

int ha_rules_load_builtin(struct ha_ruleset *rs, struct ha_err *err)
{
	return ha_rules_load_buffer(rs, "built-in:tls12.yaml", (const char *)ha_tls12_yaml,
	                            ha_tls12_yaml_len, HA_RULES_ADD, err);
}
