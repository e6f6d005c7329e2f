/* cli_rules.h: the --rules / --no-builtin options shared by verbs. */
#ifndef HA_CLI_RULES_H
#define HA_CLI_RULES_H

#include "ha_rules.h"
#include "ha_store.h"

struct cli_rules_opts {
	int no_builtin;
	char **files;
	size_t nfiles;
};

int cli_rules_add_file(struct cli_rules_opts *o, const char *path);
void cli_rules_free(struct cli_rules_opts *o);
/* The built-in pack (unless no_builtin) and then each file, in order. */
HA_MUST_CHECK int cli_rules_load(const struct cli_rules_opts *o, struct ha_ruleset **out,
                                 struct ha_err *err);

#endif
