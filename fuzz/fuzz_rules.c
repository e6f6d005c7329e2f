/* fuzz_rules.c: the rule-file loader (rules/load.c, libyaml underneath)
 * on a fresh ruleset, then, when the file loads, the requests it makes and
 * its evaluation on a sample host and on an empty one (rules/eval.c).
 *
 * Rule files come from users (--rules FILE) and are validated completely at
 * load: whatever loads must evaluate without failing. */
#include <string.h>

#include "fuzz.h"
#include "ha_rules.h"

static void evaluate(const struct ha_ruleset *rs, const struct ha_snapshot *s)
{
	struct ha_eval_opts eo = {.as_of = 1767225600}; /* 2026-01-01 */
	struct ha_findings fs;
	struct ha_facts facts;
	struct ha_err err;
	size_t i;

	ha_err_clear(&err);
	if (ha_facts_derive(s, &facts, &err) != HA_OK)
		fz_fail("facts of the sample host");
	ha_findings_init(&fs);
	if (ha_rules_evaluate(rs, s, &facts, &eo, &fs, &err) != HA_OK)
		fz_fail(err.msg);
	FZ_CHECK(fs.n == ha_rules_count(rs));
	for (i = 0; i < fs.n; i++) {
		FZ_CHECK(fs.v[i].status >= HA_PASS && fs.v[i].status < HA_NSTATUS);
		FZ_CHECK(fs.v[i].rule_id && fs.v[i].reason);
	}
	FZ_CHECK(fs.verdict >= HA_READY && fs.verdict <= HA_VERDICT_UNKNOWN);
	ha_findings_free(&fs);
	ha_facts_free(&facts);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ha_ruleset *rs;
	struct ha_snapshot empty;
	struct ha_reqset req;
	struct ha_err err;
	size_t i;
	int rc;

	ha_err_clear(&err);
	if (ha_rules_new(&rs, &err) != HA_OK)
		abort();
	rc = ha_rules_load_buffer(rs, "fuzz.yaml", (const char *)data, size, HA_RULES_ADD, &err);
	if (rc != HA_OK) {
		FZ_CHECK(rc == HA_ERR_RULES || rc == HA_ERR_NOMEM);
		FZ_CHECK(err.msg[0] != '\0');
		FZ_CHECK(ha_rules_count(rs) == 0);
		ha_rules_free(rs);
		return 0;
	}
	for (i = 0; i < ha_rules_count(rs); i++) {
		const struct ha_rule_info *ri = ha_rules_info(rs, i);

		FZ_CHECK(ri && ri->id && ri->title && ri->severity && ri->category);
	}
	ha_reqset_init(&req);
	if (ha_rules_requests(rs, &req, &err) != HA_OK)
		fz_fail(err.msg);
	ha_reqset_free(&req);
	evaluate(rs, fz_sample_snapshot());
	ha_snapshot_init(&empty);
	evaluate(rs, &empty);
	ha_snapshot_free(&empty);
	ha_rules_free(rs);
	return 0;
}
