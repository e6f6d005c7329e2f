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

#endif
