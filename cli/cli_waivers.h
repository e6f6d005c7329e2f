/* cli_waivers.h: what `scan --waivers FILE` does around the pipeline:
 * record the waivers with the run, apply them to each host as it is
 * stored, and say which waivers expired or matched nothing. */
#ifndef HA_CLI_WAIVERS_H
#define HA_CLI_WAIVERS_H

#include "ha_rules.h"
#include "ha_store.h"

struct cli_waivers {
	struct ha_waivers *ws; /* NULL: no --waivers */
	int64_t *ids;          /* waiver_id of each waiver in the store */
	int64_t as_of;
	long ready_with_waivers;
};

/* Loads FILE and checks it against the loaded rules (a bad file is
 * HA_ERR_RULES: exit 2, before any work). */
HA_MUST_CHECK int cli_waivers_load(struct cli_waivers *w, const char *path,
				   const struct ha_ruleset *rs, int64_t as_of, struct ha_err *err);
/* Records the waivers with the run. */
HA_MUST_CHECK int cli_waivers_begin(struct cli_waivers *w, struct ha_store *st, int64_t run_id,
				    struct ha_err *err);
/* After ha_store_put_host, in the host's transaction: applies the waivers
 * and records them.  *fails receives the FAIL findings that count (all of
 * them without waivers). */
HA_MUST_CHECK int cli_waivers_host(struct cli_waivers *w, struct ha_store *st,
				   const struct ha_ruleset *rs, int64_t host_id, const char *label,
				   const char *computer_name, const struct ha_findings *fs,
				   long *fails, int *waived_ready, struct ha_err *err);
/* Run notes (and stderr lines) for waivers that expired while still
 * matching, and for stale ones (matching nothing). */
HA_MUST_CHECK int cli_waivers_end(struct cli_waivers *w, struct ha_store *st, int64_t run_id,
				  struct ha_err *err);
void cli_waivers_free(struct cli_waivers *w);

#endif
