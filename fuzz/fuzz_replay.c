/* fuzz_replay.c: transaction-log replay (ingest/replay.c), then the
 * validation of the image it builds, as the reader does for a dirty hive.
 *
 * The input is a primary hive and up to two logs, each but the last
 * preceded by its length (u32, little-endian):
 *   u32 P, P bytes of primary, u32 L, L bytes of the first log, the rest
 *   is the second log.
 * A length larger than what is left takes what is left.  When the top bit
 * of P is set (it is not part of the length), the target first repairs
 * what a mutation breaks before replay looks further: each log's base
 * block checksum, and the two Marvin32 hashes of every "HvLE" entry, so
 * that the fuzzer reaches page references, sizes and sequence numbers
 * instead of being refused at the first hash.  The seeds in
 * corpus/replay are the sample fleet's dirty host (a new-format log) in
 * this form; HA_FUZZ_EXTRA_replay adds more (old-format logs, say).
 *
 * Every log is also put to ha_log_match (ingest/logs.c), the one check of
 * whether a log belongs to the hive.  The seeds include a log of another
 * hive (SYSTEM's log beside a dirty SOFTWARE), old-format logs and hives
 * whose base block lost its signature or checksum.
 *
 * Checked: a refusal says why and returns no image; an image has a clean
 * base block (both sequence numbers equal, the checksum right) whose hive
 * bins fit in the image, and a summary; only logs that ha_log_match accepts
 * contribute to it; validating it with the reader answers with a status,
 * never a crash. */
#include <string.h>

#include "fuzz.h"
#include "ha_ingest.h"

static uint32_t take32(const uint8_t **p, size_t *n)
{
	uint32_t v;

	if (*n < 4) {
		v = (uint32_t)*n;
		return v;
	}
	v = (uint32_t)(*p)[0] | (uint32_t)(*p)[1] << 8 | (uint32_t)(*p)[2] << 16 |
	    (uint32_t)(*p)[3] << 24;
	*p += 4;
	*n -= 4;
	return v;
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void wr64(uint8_t *p, uint64_t v)
{
	wr32(p, (uint32_t)v);
	wr32(p + 4, (uint32_t)(v >> 32));
}

/* The repairs described at the top, on a private copy of a log. */
static void repair(uint8_t *p, size_t n)
{
	uint32_t x = 0;
	size_t i, off;

	if (n < 512)
		return;
	for (i = 0; i < 508; i += 4)
		x ^= rd32(p + i);
	if (x == 0)
		x = 1;
	else if (x == 0xFFFFFFFFu)
		x = 0xFFFFFFFEu;
	wr32(p + 508, x);
	for (off = 512; off + 40 <= n && !memcmp(p + off, "HvLE", 4);) {
		uint32_t sz = rd32(p + off + 4);

		if (sz < 40 || sz % 512 || sz > n - off)
			break;
		wr64(p + off + 24, ha_marvin32(p + off + 40, sz - 40, HA_MARVIN32_LOG_SEED));
		wr64(p + off + 32, ha_marvin32(p + off, 32, HA_MARVIN32_LOG_SEED));
		off += sz;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Bounds well under libFuzzer's memory limit. */
	static const struct ha_replay_limits lim = {8u << 20, 16u << 20, 16u << 20};
	struct ha_replay_log logs[2];
	struct ha_replay_result res;
	struct ha_baseblock bb;
	const uint8_t *p = data, *prim;
	size_t n = size, plen, l1;
	struct ha_err err;
	struct ha_err verr;
	uint8_t *copy = NULL;
	int rc, fix, match[2];
	size_t i;

	plen = take32(&p, &n);
	fix = (plen & 0x80000000u) != 0;
	plen &= 0x7FFFFFFFu;
	if (plen > n)
		plen = n;
	prim = p;
	p += plen;
	n -= plen;
	l1 = take32(&p, &n);
	if (l1 > n)
		l1 = n;
	logs[0].name = "hive.LOG1";
	logs[0].data = p;
	logs[0].size = l1;
	logs[1].name = "hive.LOG2";
	logs[1].data = p + l1;
	logs[1].size = n - l1;
	if (fix && n) {
		copy = malloc(n);
		if (!copy)
			return 0;
		memcpy(copy, p, n);
		repair(copy, l1);
		repair(copy + l1, n - l1);
		logs[0].data = copy;
		logs[1].data = copy + l1;
	}

	/* The matching decision on its own: a verdict, and a reason for a
	 * refusal. */
	for (i = 0; i < 2; i++) {
		ha_err_clear(&err);
		match[i] = ha_log_match(prim, plen, logs[i].data, logs[i].size, &err);
		FZ_CHECK(match[i] == HA_OK || match[i] == HA_ERR_FORMAT);
		FZ_CHECK(match[i] == HA_OK || err.msg[0] != '\0');
	}

	ha_err_clear(&err);
	rc = ha_replay(prim, plen, logs, 2, &lim, &res, &err);
	if (rc != HA_OK) {
		FZ_CHECK(rc == HA_ERR_NOTFOUND || rc == HA_ERR_FORMAT || rc == HA_ERR_LIMIT ||
		         rc == HA_ERR_NOMEM);
		FZ_CHECK(res.image == NULL);
		FZ_CHECK(err.msg[0] != '\0');
		free(copy);
		return 0;
	}
	FZ_CHECK(res.image != NULL && res.size >= 4096);
	FZ_CHECK(res.summary[0] != '\0');
	FZ_CHECK(res.format == HA_REPLAY_OLD || res.format == HA_REPLAY_NEW);
	FZ_CHECK(res.logs_used != 0 && (res.logs_used & ~3u) == 0);
	for (i = 0; i < 2; i++)
		FZ_CHECK(!(res.logs_used & (1u << i)) || match[i] == HA_OK);
	FZ_CHECK(ha_baseblock_parse(res.image, res.size, &bb) == HA_OK);
	FZ_CHECK(bb.checksum_ok);
	FZ_CHECK(bb.seq1 == bb.seq2);
	FZ_CHECK(!ha_baseblock_dirty(&bb));
	FZ_CHECK((uint64_t)4096 + bb.hbins_size <= res.size);
	FZ_CHECK(bb.hbins_size % 4096 == 0);

	ha_err_clear(&verr);
	rc = ha_replay_validate(res.image, res.size, &verr);
	FZ_CHECK(rc == HA_OK || rc == HA_ERR_HIVE || rc == HA_ERR_NOMEM || rc == HA_ERR_IO);
	FZ_CHECK(rc == HA_OK || verr.msg[0] != '\0');
	ha_replay_result_free(&res);
	FZ_CHECK(res.image == NULL);
	free(copy);
	return 0;
}
