/* fuzz_waivers.c: the waiver-file loader (rules/waivers.c, libyaml
 * underneath), then, when the file loads, its check against the built-in
 * rules and its application to a host whose every deciding rule fails.
 *
 * Waiver files come from users (scan --waivers FILE): whatever loads must
 * have every required field, a valid expiry date, and apply without
 * failing, each FAIL either counted or covered by a waiver of the set. */
#include <string.h>

#include "fuzz.h"
#include "ha_rules.h"

static struct ha_ruleset *builtin(void)
{
	static struct ha_ruleset *rs;
	struct ha_err err;

	if (!rs) {
		ha_err_clear(&err);
		if (ha_rules_new(&rs, &err) != HA_OK || ha_rules_load_builtin(rs, &err) != HA_OK)
			abort();
	}
	return rs;
}

static void apply(struct ha_waivers *ws, const struct ha_ruleset *rs, const char *label,
                  const char *cn)
{
	struct ha_findings fs;
	struct ha_waived *v;
	struct ha_waived_host wh;
	struct ha_err err;
	size_t i, n = ha_rules_count(rs);
	long fails = 0;

	ha_err_clear(&err);
	ha_findings_init(&fs);
	for (i = 0; i < n; i++) {
		const struct ha_rule_info *ri = ha_rules_info(rs, i);
		struct ha_finding *f = ha_findings_add(&fs);

		if (!f)
			abort();
		f->rule_id = ha_strdup(ri->id);
		f->category = ha_strdup(ri->category);
		f->status = i % 3 == 2 ? HA_PASS : HA_FAIL;
		fails += f->status == HA_FAIL;
	}
	v = calloc(n, sizeof *v);
	if (!v)
		abort();
	if (ha_waivers_apply(ws, rs, label, cn, &fs, 1767225600 /* 2026-01-01 */, v, &wh, &err))
		fz_fail(err.msg);
	FZ_CHECK(wh.fails + wh.waived_fails == fails);
	for (i = 0; i < n; i++) {
		FZ_CHECK(v[i].waiver >= -1 && v[i].waiver < (long)ws->n);
		FZ_CHECK(v[i].waiver >= 0 || !v[i].expired);
		FZ_CHECK(fs.v[i].status == HA_FAIL || v[i].waiver == -1);
	}
	FZ_CHECK(!wh.changed || wh.verdict == HA_READY_WITH_WAIVERS ||
	         wh.verdict == HA_VERDICT_UNKNOWN);
	FZ_CHECK(!wh.changed == !wh.reason);
	free(wh.reason);
	free(v);
	ha_findings_free(&fs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ha_waivers *ws = NULL;
	struct ha_err err;
	size_t i;
	int64_t t;
	int rc;

	ha_err_clear(&err);
	rc = ha_waivers_load_buffer("fuzz.yaml", (const char *)data, size, &ws, &err);
	if (rc != HA_OK) {
		FZ_CHECK(rc == HA_ERR_RULES || rc == HA_ERR_NOMEM);
		FZ_CHECK(err.msg[0] != '\0');
		FZ_CHECK(ws == NULL);
		return 0;
	}
	for (i = 0; i < ws->n; i++) {
		const struct ha_waiver *w = &ws->v[i];

		FZ_CHECK(w->nhosts > 0 && w->nrules > 0 && w->reason[0] && w->approver[0]);
		FZ_CHECK(ha_parse_date(w->expires, &t) == HA_OK && w->expires_end == t + 86400);
		FZ_CHECK(w->line > 0);
	}
	if (ha_waivers_check(ws, builtin(), &err) != HA_OK)
		FZ_CHECK(err.code == HA_ERR_RULES && err.msg[0]);
	apply(ws, builtin(), "web02", "SRV2003");
	apply(ws, builtin(), "", "");
	ha_waivers_free(ws);
	return 0;
}
