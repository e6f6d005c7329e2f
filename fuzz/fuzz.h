/* fuzz.h: what the libFuzzer targets share.
 *
 * Each fuzz_<name>.c feeds bytes to one production entry point and checks
 * the invariants its header promises (output is valid UTF-8, a decoded
 * snapshot encodes back to the same bytes, ...).  A broken invariant is
 * reported with fz_fail(), which aborts so that libFuzzer keeps the input. */
#ifndef HA_FUZZ_H
#define HA_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "ha_rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static inline void fz_fail(const char *what)
{
	fprintf(stderr, "invariant broken: %s\n", what);
	abort();
}

#define FZ_CHECK(c)                                                                                \
	do {                                                                                       \
		if (!(c))                                                                          \
			fz_fail(#c);                                                               \
	} while (0)

/* A snapshot of a sample host (fuzz/corpus/snapshot/srv2019), decoded
 * once: the targets that evaluate rules do it on a realistic host.  An
 * empty snapshot when the file is absent. */
#ifdef HA_FUZZ_CORPUS_DIR
#include "ha_snapshot.h"

static inline const struct ha_snapshot *fz_sample_snapshot(void)
{
	static struct ha_snapshot s;
	static int done;
	struct ha_err err;
	FILE *f;

	if (done)
		return &s;
	done = 1;
	ha_snapshot_init(&s);
	f = fopen(HA_FUZZ_CORPUS_DIR "/snapshot/srv2019", "rb");
	if (f) {
		static uint8_t buf[1 << 20];
		size_t n = fread(buf, 1, sizeof buf, f);

		fclose(f);
		if (ha_snapshot_decode(buf, n, &s, &err) != HA_OK) {
			ha_snapshot_free(&s);
			ha_snapshot_init(&s);
		}
	}
	return &s;
}
#endif

/* What the parent does with a worker's snapshot: encode it for the pipe,
 * decode it, derive the facts and evaluate `rs` on it.  For the targets
 * whose input reaches a snapshot (readhost, regtext). */
static inline void fz_parent_side(const struct ha_ruleset *rs, const struct ha_snapshot *s)
{
	struct ha_eval_opts eo = {.as_of = 1767225600}; /* 2026-01-01 */
	struct ha_snapshot back;
	struct ha_findings fs;
	struct ha_facts facts;
	struct ha_buf enc;
	struct ha_err err;

	ha_buf_init(&enc, 0);
	FZ_CHECK(ha_snapshot_encode(s, &enc) == HA_OK);
	ha_snapshot_init(&back);
	if (ha_snapshot_decode((const uint8_t *)enc.data, enc.len, &back, &err) != HA_OK)
		fz_fail(err.msg);
	if (ha_facts_derive(&back, &facts, &err) != HA_OK)
		fz_fail(err.msg);
	ha_findings_init(&fs);
	if (ha_rules_evaluate(rs, &back, &facts, &eo, &fs, &err) != HA_OK)
		fz_fail(err.msg);
	ha_findings_free(&fs);
	ha_facts_free(&facts);
	ha_snapshot_free(&back);
	ha_buf_free(&enc);
}

#endif
