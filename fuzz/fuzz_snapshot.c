/* fuzz_snapshot.c: the snapshot decoder (snapshot/encode.c), the parent's
 * trust boundary with its workers.
 *
 * A worker reads hostile hives with a library that still has crash paths;
 * if one were exploited, the worker's result is attacker-chosen bytes.  So
 * the parent's whole handling of a result is fuzzed here, as on_host() in
 * scan/scan.c does it: decode, derive the host facts, evaluate the
 * built-in rules, and write the host into a store (in memory, rolled back
 * after each input).  A decoded snapshot must also encode back to bytes
 * that decode to the same encoding. */
#include <string.h>

#include "fuzz.h"
#include "ha_rules.h"
#include "ha_snapshot.h"
#include "ha_store.h"

static struct ha_ruleset *rules;
static struct ha_store *store;
static int64_t run_id;

static void setup(void)
{
	struct ha_run_meta m = {"fuzz", "2026-01-01T00:00:00Z", "-", "-", "-", "fuzz", 1};
	struct ha_err err;

	if (ha_rules_new(&rules, &err) || ha_rules_load_builtin(rules, &err) ||
	    ha_store_open(":memory:", HA_STORE_CREATE, &store, &err) ||
	    ha_store_run_begin(store, &m, &run_id, &err))
		fz_fail(err.msg);
}

static void round_trip(const struct ha_snapshot *s)
{
	struct ha_snapshot s2;
	struct ha_buf a, b;
	struct ha_err err;

	ha_buf_init(&a, 0);
	ha_buf_init(&b, 0);
	FZ_CHECK(ha_snapshot_encode(s, &a) == HA_OK);
	ha_snapshot_init(&s2);
	if (ha_snapshot_decode((const uint8_t *)a.data, a.len, &s2, &err) != HA_OK)
		fz_fail(err.msg);
	FZ_CHECK(ha_snapshot_encode(&s2, &b) == HA_OK);
	FZ_CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
	ha_snapshot_free(&s2);
	ha_buf_free(&a);
	ha_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ha_eval_opts eo = {.as_of = 1767225600}; /* 2026-01-01 */
	struct ha_snapshot s;
	struct ha_findings fs;
	struct ha_facts facts;
	struct ha_err err;
	int64_t host_id;
	int rc;

	if (!rules)
		setup();
	ha_err_clear(&err);
	ha_snapshot_init(&s);
	rc = ha_snapshot_decode(data, size, &s, &err);
	if (rc != HA_OK) {
		FZ_CHECK(rc == HA_ERR_FORMAT || rc == HA_ERR_NOMEM);
		FZ_CHECK(err.msg[0] != '\0');
		ha_snapshot_free(&s);
		return 0;
	}
	round_trip(&s);
	if (ha_facts_derive(&s, &facts, &err) != HA_OK)
		fz_fail(err.msg);
	ha_findings_init(&fs);
	if (ha_rules_evaluate(rules, &s, &facts, &eo, &fs, &err) != HA_OK)
		fz_fail(err.msg);
	/* The store accepts every host a worker can describe: nothing in a
	 * result may make the run fail. */
	if (ha_store_begin(store, &err) != HA_OK)
		fz_fail(err.msg);
	rc = ha_store_put_host(store, run_id, &s, &facts, &fs, 0, &host_id, &err);
	ha_store_rollback(store);
	if (rc != HA_OK)
		fz_fail(err.msg);
	ha_findings_free(&fs);
	ha_facts_free(&facts);
	ha_snapshot_free(&s);
	return 0;
}
