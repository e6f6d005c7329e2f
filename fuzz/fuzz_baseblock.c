/* fuzz_baseblock.c: the base-block parser (ingest/baseblock.c).
 *
 * Every hive's first 4096 bytes go through ha_baseblock_parse, in discovery
 * (the parent process, before any worker) and in the workers. */
#include <string.h>

#include "fuzz.h"
#include "ha_ingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ha_baseblock bb;
	size_t n;

	if (ha_baseblock_parse(data, size, &bb) != HA_OK)
		return 0;
	FZ_CHECK(size >= 4096 && memcmp(data, "regf", 4) == 0);
	FZ_CHECK(bb.checksum_ok == (bb.checksum_stored == bb.checksum_computed));
	FZ_CHECK(ha_baseblock_dirty(&bb) == (bb.seq1 != bb.seq2 || !bb.checksum_ok));
	n = strnlen(bb.name, sizeof bb.name);
	FZ_CHECK(n < sizeof bb.name);
	FZ_CHECK(ha_utf8_valid(bb.name, n));
	return 0;
}
