/* replay.c: transaction-log replay, so that a dirty hive gives the answers
 * Windows would see after recovering it.
 *
 * (Over 1,000 lines: both log formats, old dirty vectors and new log
 * entries, are replayed and checked here, with their format tables.)
 *
 * Since Windows 8.1 a write goes to .LOG1/.LOG2 first and reaches the
 * primary file up to an hour later, so a hive copied from a live or crashed
 * machine often holds stale data while its newest settings live only in the
 * logs.  ha_replay() rebuilds the hive in memory from the primary's bytes and
 * the logs' bytes; it touches no file and calls no reader, so the command
 * line, the worker and a fuzz target share it.  What it does not do: heal a
 * damaged hive bin (Windows replaces one with an empty bin; we refuse), use
 * remnants of older log entries, or "self-heal" a log whose own base block
 * is invalid.  The edges at the end of the file (reading a log with a size
 * bound, validating an image with the reader through a memory file) are the
 * only I/O here.
 *
 * FORMAT (msuhanov/regf, "Windows registry file format specification":
 * "Base block", "Format of transaction log files", "Dirty state of a hive",
 * "Multiple transaction log files"; little-endian)
 *
 * Every log starts with a copy of the base block, 512 bytes (as of Windows
 * 8 the clustering factor is 1), checksummed like the primary's:
 *
 *   offset size field
 *   0x000  4    "regf"
 *   0x004  4    primary sequence number   } equal in a valid log; for the
 *   0x008  4    secondary sequence number } new format, the first entry's
 *   0x00C  8    last written, FILETIME (old format: must match the hive's)
 *   0x01C  4    file type: 1 or 2 old-format log, 6 new-format log
 *   0x024  4    root cell offset
 *   0x028  4    hive bins data size (in memory, when the log was written)
 *   0x02C  4    clustering factor (1)
 *   0x090  4    flags (bit 0: KTM locked)
 *   0x1FC  4    checksum: XOR of the dwords before it, 0 -> 1, ~0 -> ~1
 *
 * Old format (Windows NT up to 8), from offset 512:
 *
 *   0      4    "DIRT"
 *   4      H/4096  bitmap: one bit per 512-byte sector of the hive bins data
 *               (H, the log's hive bins data size), least significant bit
 *               first
 *   then, from the next 512-byte boundary, one 512-byte sector for each set
 *   bit, in bitmap order; the sector of bit i goes to file offset
 *   4096 + 512 * i.  A log applies only when its last-written time equals
 *   the hive's (the same write); of two that do, the one with the higher
 *   sequence number holds the later, cumulative copy.
 *
 * New format (Windows 8.1 on), log entries from offset 512, back to back,
 * each a multiple of 512 bytes:
 *
 *   0      4    "HvLE"
 *   4      4    entry size in bytes
 *   8      4    flags (bit 0 becomes the base block's KTM bit)
 *   12     4    sequence number: the hive's after this entry
 *   16     4    hive bins data size after this entry (a multiple of 4096;
 *               the hive grows to it)
 *   20     4    dirty page count N
 *   24     8    hash 1: Marvin32 of bytes 40..size
 *   32     8    hash 2: Marvin32 of bytes 0..32 (hash 1 included)
 *   40     8*N  page references: u32 offset in the hive bins data, u32 size
 *   ...         the pages, in reference order, without gaps
 *
 * Which entries apply.  A hive is dirty when its sequence numbers differ or
 * its checksum is wrong; a clean hive ignores its logs, and a log whose own
 * checksum is wrong or whose own sequence numbers differ is never used, nor
 * is a log that belongs to another hive or another write of this one
 * (ha_log_match in logs.c: embedded name, RmId/LogId, root cell, and for
 * the old format hive bins size and sequence number).  When both formats
 * are present (Windows 8.1 may keep an old .LOG from its installation
 * image), the new one is used.  The logs are taken in the order of their
 * base blocks' sequence numbers; each log's first entry must carry its base
 * block's number, and each next entry, in the same or the next log, the
 * number after it.  A log's run ends at anything that is not the next entry
 * (a remnant of an older write, zeros, a torn entry whose hashes fail); the
 * next log then continues only if it starts with the next number ("gap"
 * otherwise, and replay ends there).
 *
 * Where the chain may start is the decision the Windows 10 corpus SYSTEM
 * forces (primary sequence 1622/1621, LOG1 entries 2107-2110, LOG2
 * 2111-2130).  The specification ("Log entries", notes 5 and 7) makes the
 * primary's secondary sequence number a lower bound, not the start: a log
 * whose base block carries a number below it holds only entries already in
 * the primary and is skipped, and the chain starts at the first remaining
 * log's own number, "not less than a secondary sequence number of the valid
 * base block in a primary file".  Windows itself therefore applies those 24
 * entries, and so do we; demanding that the chain start exactly at 1621
 * would leave that machine's newest settings unread for no rule of the
 * format.  Continuity is enforced everywhere after the start.
 *
 * When the primary's base block is damaged (its checksum is wrong, or its
 * "regf" signature is gone while a hive bin still follows it), it is
 * restored from a log's (file type set back to 0): for the new format from
 * the log with the latest entries, which is then the only one used; for the
 * old format from the log whose last-written time equals the first hive
 * bin's timestamp (the base block's backup copy).
 *
 * Hostile input.  An entry whose hashes verify was written by Windows or by
 * someone who computes Marvin32 on purpose; if it then describes impossible
 * writes (pages outside the hive bins, a size that is not a multiple of
 * 4096, references past its end, growth past the caps), the whole replay is
 * refused rather than stopped there.  An entry that fails its hashes or runs
 * past the end of its log is what a crash leaves behind: replay stops before
 * it, as Windows does.  Work happens on a private copy that is returned only
 * when everything applied and the hive bins chain afterwards. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ingest_internal.h"

#define LOG_BB     512u  /* a log's copy of the base block */
#define SECTOR     512u  /* old-format dirty vector granularity */
#define HBIN_ALIGN 4096u /* hive bins sizes and hive growth */
#define ENTRY_HEAD 40u   /* new-format entry header */

/* ------------------------------------------------------------- Marvin32 */

static uint32_t rotl32(uint32_t x, unsigned n)
{
	return (x << n) | (x >> (32 - n));
}

static void marvin_block(uint32_t *lo, uint32_t *hi)
{
	*hi ^= *lo;
	*lo = rotl32(*lo, 20) + *hi;
	*hi = rotl32(*hi, 9) ^ *lo;
	*lo = rotl32(*lo, 27) + *hi;
	*hi = rotl32(*hi, 19);
}

/* The seed is the 64-bit number whose bytes the specification lists from
 * the most significant end ("82 EF 4D 88 7A 4E 55 C5"): its low half seeds
 * the low word.  Read as little-endian bytes it would be 0xC5554E7A884DEF82
 * (the decimal 14219357686671994754 some notes give), which verifies no
 * entry; the corpus logs check this. */
uint64_t ha_marvin32(const uint8_t *p, size_t n, uint64_t seed)
{
	uint32_t lo = (uint32_t)seed, hi = (uint32_t)(seed >> 32), fin;

	for (; n >= 4; p += 4, n -= 4) {
		lo += ha_le32(p);
		marvin_block(&lo, &hi);
	}
	/* The tail is padded with a 0x80 byte. */
	switch (n) {
	case 3: fin = 0x80000000u | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0]; break;
	case 2: fin = 0x800000u | (uint32_t)p[1] << 8 | p[0]; break;
	case 1: fin = 0x8000u | p[0]; break;
	default: fin = 0x80u; break;
	}
	lo += fin;
	marvin_block(&lo, &hi);
	marvin_block(&lo, &hi);
	return (uint64_t)hi << 32 | lo;
}

/* --------------------------------------------------------------- helpers */

/* Sequence numbers wrap: a comes before b when b - a is "positive". */
static int seq_before(uint32_t a, uint32_t b)
{
	return a != b && ((b - a) & 0x80000000u) == 0;
}

/* Appends to a fixed buffer, keeping it NUL-terminated and one line. */
static void addf(char *buf, size_t len, const char *fmt, ...) HA_PRINTF(3, 4);
static void addf(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

/* Replaces the contents; truncation is fine for these one-line notes. */
static void setf(char *buf, size_t len, const char *fmt, ...) HA_PRINTF(3, 4);
static void setf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

struct limits {
	size_t max_log;
	uint32_t max_hbins;
	size_t max_growth;
};

/* What a log's base block says, after the checks every use needs. */
enum { LV_EMPTY, LV_BAD, LV_FOREIGN, LV_OLD, LV_NEW };

struct logv {
	const struct ha_replay_log *in;
	size_t idx;
	const char *name;
	int kind;
	uint32_t seq, hbins, root, flags;
	uint64_t lw;
	char why[240]; /* LV_BAD, LV_FOREIGN, or why the log did not contribute */
};

struct primary {
	const uint8_t *p;
	size_t size;
	int bb_ok; /* signature and checksum right */
	uint32_t seq1, seq2, hbins, root, flags;
	uint64_t lw;
};

static void classify_log(const struct primary *pr, const struct ha_replay_log *in, size_t idx,
                         const struct limits *lim, struct logv *lv)
{
	const uint8_t *p = in->data;
	uint32_t seq2, type, clustering;
	struct ha_err merr;

	memset(lv, 0, sizeof *lv);
	lv->in = in;
	lv->idx = idx;
	lv->name = in->name ? in->name : "log";
	if (!in->size || !p) {
		lv->kind = LV_EMPTY;
		snprintf(lv->why, sizeof lv->why, "empty");
		return;
	}
	lv->kind = LV_BAD;
	if (in->size < LOG_BB) {
		snprintf(lv->why, sizeof lv->why, "%zu bytes, shorter than a log's base block",
		         in->size);
		return;
	}
	if (memcmp(p, "regf", 4) != 0) {
		snprintf(lv->why, sizeof lv->why, "no regf signature");
		return;
	}
	if (ha_bb_checksum(p) != ha_le32(p + 0x1FC)) {
		snprintf(lv->why, sizeof lv->why, "its base block checksum is wrong");
		return;
	}
	lv->seq = ha_le32(p + 0x04);
	seq2 = ha_le32(p + 0x08);
	lv->lw = ha_le64(p + 0x0C);
	type = ha_le32(p + 0x1C);
	lv->root = ha_le32(p + 0x24);
	lv->hbins = ha_le32(p + 0x28);
	clustering = ha_le32(p + 0x2C);
	lv->flags = ha_le32(p + 0x90);
	if (lv->seq != seq2) {
		/* The log itself was being written when the copy was taken. */
		snprintf(lv->why, sizeof lv->why, "its sequence numbers differ (%u/%u)", lv->seq,
		         seq2);
		return;
	}
	if (type != 1 && type != 2 && type != 6) {
		snprintf(lv->why, sizeof lv->why, "file type %u is not a transaction log", type);
		return;
	}
	if (clustering != 1) {
		snprintf(lv->why, sizeof lv->why, "clustering factor %u is not supported",
		         clustering);
		return;
	}
	if (lv->hbins < HBIN_ALIGN || lv->hbins % HBIN_ALIGN || lv->hbins > lim->max_hbins) {
		snprintf(lv->why, sizeof lv->why, "hive bins data size 0x%x is impossible",
		         lv->hbins);
		return;
	}
	if (type != 6 && (in->size < LOG_BB + 4 || memcmp(p + LOG_BB, "DIRT", 4) != 0)) {
		snprintf(lv->why, sizeof lv->why, "no dirty vector (DIRT) at offset 512");
		return;
	}
	/* A valid log may still be another hive's (copied under this hive's
	 * name): logs.c decides, for every caller of ha_replay alike. */
	ha_err_clear(&merr);
	if (ha_log_match(pr->p, pr->size, p, in->size, &merr) != HA_OK) {
		lv->kind = LV_FOREIGN;
		setf(lv->why, sizeof lv->why, "%s", merr.msg);
		return;
	}
	lv->kind = type == 6 ? LV_NEW : LV_OLD;
}

/* Writes the base block of the result: the primary's own when it was valid,
 * else the log's 512 bytes (the rest of a base block means nothing on disk). */
static void fresh_baseblock(uint8_t *img, const struct primary *pr, const struct logv *src,
                            uint32_t seq, uint32_t hbins, uint32_t flags)
{
	if (!pr->bb_ok) {
		memcpy(img, src->in->data, LOG_BB);
		memset(img + LOG_BB, 0, HA_BASEBLOCK_SIZE - LOG_BB);
	}
	ha_put_le32(img + 0x04, seq);
	ha_put_le32(img + 0x08, seq);
	ha_put_le32(img + 0x1C, 0); /* a primary file */
	ha_put_le32(img + 0x28, hbins);
	ha_put_le32(img + 0x90, flags);
	ha_put_le32(img + 0x1FC, ha_bb_checksum(img));
}

/* The hive bins must tile [0, hbins) exactly, as every reader expects; the
 * specification's recovery checks the same of each dirty bin. */
static int check_bins(const uint8_t *img, size_t size, uint32_t hbins, uint32_t root,
                      struct ha_err *err)
{
	uint64_t pos = 0;

	if ((uint64_t)HA_BASEBLOCK_SIZE + hbins > size)
		return ha_err_set(err, HA_ERR_FORMAT,
		                  "the image is shorter than its hive bins data");
	if (root >= hbins)
		return ha_err_set(err, HA_ERR_FORMAT,
		                  "root cell offset 0x%x lies outside the hive bins (0x%x bytes)",
		                  root, hbins);
	while (pos < hbins) {
		const uint8_t *h = img + HA_BASEBLOCK_SIZE + pos;
		uint32_t sz;

		if (hbins - pos < 32 || memcmp(h, "hbin", 4) != 0)
			return ha_err_set(err, HA_ERR_FORMAT,
			                  "no hive bin at offset 0x%llx after replay",
			                  (unsigned long long)pos);
		sz = ha_le32(h + 8);
		if (ha_le32(h + 4) != pos || sz < HBIN_ALIGN || sz % HBIN_ALIGN || sz > hbins - pos)
			return ha_err_set(err, HA_ERR_FORMAT,
			                  "hive bin at offset 0x%llx is inconsistent after replay "
			                  "(offset field 0x%x, size 0x%x)",
			                  (unsigned long long)pos, ha_le32(h + 4), sz);
		pos += sz;
	}
	return HA_OK;
}

/* A copy of the primary, grown with zeros to hold `need` bytes (which the
 * caller has checked against the caps). */
static uint8_t *copy_primary(const struct primary *pr, uint64_t need, size_t *size)
{
	size_t n = need > pr->size ? (size_t)need : pr->size;
	uint8_t *img = malloc(n);

	if (!img)
		return NULL;
	memcpy(img, pr->p, pr->size);
	if (n > pr->size)
		memset(img + pr->size, 0, n - pr->size);
	*size = n;
	return img;
}

/* Growth is capped twice: by the configured bound, and by the bytes the
 * logs hold (every new hive bin is dirty as a whole, so a log that grows
 * the hive carries the new bins). */
static int check_growth(const struct primary *pr, uint64_t need, const struct limits *lim,
                        uint64_t logbytes, struct ha_err *err)
{
	uint64_t cap = lim->max_growth < logbytes ? lim->max_growth : logbytes;

	if (need > pr->size && need - pr->size > cap)
		return ha_err_set(err, HA_ERR_LIMIT,
		                  "the logs would grow the hive to %llu bytes, %llu past its %zu "
		                  "(at most %llu allowed)",
		                  (unsigned long long)need, (unsigned long long)(need - pr->size),
		                  pr->size, (unsigned long long)cap);
	return HA_OK;
}

/* ------------------------------------------------------------ old format */

/* HA_ERR_FORMAT: this log does not apply (err says why; the caller tries
 * the next); HA_ERR_NOMEM and HA_ERR_LIMIT end the replay. */
static int apply_old(const struct primary *pr, const struct logv *lv, const struct limits *lim,
                     struct ha_replay_result *out, struct ha_err *err)
{
	const uint8_t *p = lv->in->data, *bitmap;
	size_t nbytes = lv->hbins / HBIN_ALIGN; /* hbins / 512 bits */
	uint64_t nset = 0, pstart, need, k = 0;
	size_t i, size = 0;
	uint8_t *img;
	int rc, b;

	if (lv->in->size - LOG_BB - 4 < nbytes)
		return ha_err_set(err, HA_ERR_FORMAT,
		                  "its dirty vector is cut off (%zu bytes of bitmap needed)",
		                  nbytes);
	bitmap = p + LOG_BB + 4;
	for (i = 0; i < nbytes; i++)
		for (b = 0; b < 8; b++)
			nset += (bitmap[i] >> b) & 1u;
	pstart = ((uint64_t)LOG_BB + 4 + nbytes + SECTOR - 1) / SECTOR * SECTOR;
	if (pstart + nset * SECTOR > lv->in->size)
		return ha_err_set(err, HA_ERR_FORMAT,
		                  "truncated: %llu dirty sectors need %llu bytes, the log has %zu",
		                  (unsigned long long)nset,
		                  (unsigned long long)pstart + (unsigned long long)nset * SECTOR,
		                  lv->in->size);
	need = (uint64_t)HA_BASEBLOCK_SIZE + lv->hbins;
	rc = check_growth(pr, need, lim, lv->in->size, err);
	if (rc)
		return rc;
	img = copy_primary(pr, need, &size);
	if (!img)
		return ha_err_nomem(err);
	for (i = 0; i < nbytes * 8; i++) {
		if (!((bitmap[i / 8] >> (i % 8)) & 1u))
			continue;
		memcpy(img + HA_BASEBLOCK_SIZE + i * SECTOR, p + pstart + k * SECTOR, SECTOR);
		k++;
	}
	/* Windows 2000 to 2003 leave a log one sequence number behind the
	 * primary; the primary's own number is the one its write announced. */
	fresh_baseblock(img, pr, lv, pr->bb_ok ? pr->seq1 : lv->seq, lv->hbins,
	                pr->bb_ok ? pr->flags : lv->flags);
	rc = check_bins(img, size, lv->hbins, pr->bb_ok ? pr->root : lv->root, err);
	if (rc) {
		free(img);
		return rc;
	}
	out->format = HA_REPLAY_OLD;
	out->entries = 1;
	out->seq_first = out->seq_last = pr->bb_ok ? pr->seq1 : lv->seq;
	out->pages = nset;
	out->logs_used = 1u << lv->idx;
	out->bb_recovered = !pr->bb_ok;
	out->image = img;
	out->size = size;
	snprintf(out->summary, sizeof out->summary,
	         "old-format log replayed: %llu dirty sectors from %s (sequence %u)%s%s",
	         (unsigned long long)nset, lv->name, out->seq_last,
	         pr->bb_ok ? "" : "; base block restored from ", pr->bb_ok ? "" : lv->name);
	return HA_OK;
}

static int replay_old(const struct primary *pr, struct logv *lv, size_t n, const struct limits *lim,
                      struct ha_replay_result *out, struct ha_err *err)
{
	uint64_t want;
	size_t order[HA_REPLAY_MAX_LOGS], nc = 0, i, j;
	char notes[400] = "";
	int rc;

	/* Which timestamp a log must carry to belong to this state of the
	 * hive: the base block's, or its backup in the first hive bin. */
	if (pr->bb_ok) {
		want = pr->lw;
	} else {
		if (pr->size < HA_BASEBLOCK_SIZE + 32 ||
		    memcmp(pr->p + HA_BASEBLOCK_SIZE, "hbin", 4) != 0)
			return ha_err_set(err, HA_ERR_FORMAT,
			                  "the base block is damaged and there is no "
			                  "first hive bin whose timestamp could match a log");
		want = ha_le64(pr->p + HA_BASEBLOCK_SIZE + 20);
	}
	for (i = 0; i < n; i++) {
		if (lv[i].kind != LV_OLD)
			continue;
		if (lv[i].lw != want) {
			snprintf(lv[i].why, sizeof lv[i].why,
			         "its last-written time differs from the hive's (another write)");
			continue;
		}
		order[nc++] = i;
	}
	/* A log with a higher sequence number holds the later, cumulative copy
	 * (Windows switches logs after a failed write). */
	for (i = 1; i < nc; i++)
		for (j = i; j > 0 && seq_before(lv[order[j - 1]].seq, lv[order[j]].seq); j--) {
			size_t t = order[j];

			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	for (i = 0; i < nc; i++) {
		struct ha_err e;

		ha_err_clear(&e);
		rc = apply_old(pr, &lv[order[i]], lim, out, &e);
		if (rc == HA_OK)
			return rc;
		if (rc == HA_ERR_NOMEM || rc == HA_ERR_LIMIT)
			return ha_err_set(err, rc, "%s", e.msg);
		setf(lv[order[i]].why, sizeof lv[order[i]].why, "%s", e.msg);
	}
	for (i = 0; i < n; i++)
		addf(notes, sizeof notes, "%s%s: %s", notes[0] ? "; " : "", lv[i].name, lv[i].why);
	return ha_err_set(err, HA_ERR_FORMAT, "no old-format log applies (%s)", notes);
}

/* ------------------------------------------------------------ new format */

enum { ENTRY_OK, ENTRY_END, ENTRY_TORN, ENTRY_HOSTILE };

struct entry {
	size_t log; /* index into the logv array */
	size_t off; /* entry offset in the log */
	uint32_t size, seq, hbins, npages, flags;
};

/* Checks the entry at `off` of lv, which should carry sequence `want`.
 * ENTRY_END: no such entry (zeros, a remnant of an older write, another
 * sequence number).  ENTRY_TORN: it starts like one but does not verify.
 * ENTRY_HOSTILE: it verifies but asks for impossible writes.  Every
 * answer but ENTRY_OK comes with err (HA_ERR_FORMAT) saying what was found. */
static int check_entry(const struct logv *lv, size_t off, uint32_t want, const struct limits *lim,
                       struct entry *e, struct ha_err *err)
{
	const uint8_t *base = lv->in->data + off;
	size_t left = lv->in->size - off;
	uint32_t sig, sz, seq, cnt, i;
	uint64_t h1, h2, refbytes, pagebytes = 0;
	struct ha_cur c;

	ha_cur_init(&c, base, left);
	if (left < 4 || memcmp(base, "HvLE", 4) != 0) {
		ha_err_set(err, HA_ERR_FORMAT, "no entry at offset %zu", off);
		return ENTRY_END;
	}
	if (ha_cur_u32(&c, &sig) || ha_cur_u32(&c, &sz) || ha_cur_u32(&c, &e->flags) ||
	    ha_cur_u32(&c, &seq) || ha_cur_u32(&c, &e->hbins) || ha_cur_u32(&c, &cnt) ||
	    ha_cur_u64(&c, &h1) || ha_cur_u64(&c, &h2)) {
		ha_err_set(err, HA_ERR_FORMAT, "entry at offset %zu is cut off (truncated log)",
		           off);
		return ENTRY_TORN;
	}
	if (seq != want) {
		ha_err_set(err, HA_ERR_FORMAT, "entry at offset %zu has sequence %u, %u expected",
		           off, seq, want);
		return ENTRY_END;
	}
	if (sz < ENTRY_HEAD || sz % SECTOR) {
		ha_err_set(err, HA_ERR_FORMAT, "entry %u has size %u, not a multiple of 512", seq,
		           sz);
		return ENTRY_TORN;
	}
	if (sz > left) {
		ha_err_set(err, HA_ERR_FORMAT, "entry %u runs past the end of the log (truncated)",
		           seq);
		return ENTRY_TORN;
	}
	/* Hash 2 covers the header up to itself, hash 1 included. */
	if (ha_marvin32(base, 32, HA_MARVIN32_LOG_SEED) != h2 ||
	    ha_marvin32(base + ENTRY_HEAD, sz - ENTRY_HEAD, HA_MARVIN32_LOG_SEED) != h1) {
		ha_err_set(err, HA_ERR_FORMAT, "entry %u fails its hash check (a torn write)", seq);
		return ENTRY_TORN;
	}

	/* From here the entry is authentic; anything wrong is refused. */
	if (e->hbins < HBIN_ALIGN || e->hbins % HBIN_ALIGN || e->hbins > lim->max_hbins) {
		ha_err_set(err, HA_ERR_FORMAT, "entry %u gives hive bins data size 0x%x", seq,
		           e->hbins);
		return ENTRY_HOSTILE;
	}
	refbytes = (uint64_t)cnt * 8;
	if (refbytes > sz - ENTRY_HEAD) {
		ha_err_set(err, HA_ERR_FORMAT,
		           "entry %u lists %u pages, more than its %u bytes hold", seq, cnt, sz);
		return ENTRY_HOSTILE;
	}
	ha_cur_init(&c, base + ENTRY_HEAD, (size_t)refbytes);
	for (i = 0; i < cnt; i++) {
		uint32_t poff, psz;

		if (ha_cur_u32(&c, &poff) || ha_cur_u32(&c, &psz)) {
			ha_err_set(err, HA_ERR_FORMAT, "entry %u: page reference %u is cut off",
			           seq, i);
			return ENTRY_HOSTILE;
		}
		if ((uint64_t)poff + psz > e->hbins) {
			ha_err_set(err, HA_ERR_FORMAT,
			           "entry %u writes 0x%x bytes at 0x%x, outside its 0x%x bytes of "
			           "hive bins",
			           seq, psz, poff, e->hbins);
			return ENTRY_HOSTILE;
		}
		pagebytes += psz;
	}
	if (pagebytes > sz - ENTRY_HEAD - refbytes) {
		ha_err_set(err, HA_ERR_FORMAT, "entry %u: its pages (%llu bytes) run past its end",
		           seq, (unsigned long long)pagebytes);
		return ENTRY_HOSTILE;
	}
	e->size = sz;
	e->seq = seq;
	e->npages = cnt;
	e->off = off;
	return ENTRY_OK;
}

struct plan {
	struct entry *v;
	size_t n, cap;
};

static int plan_push(struct plan *pl, const struct entry *e)
{
	if (pl->n == pl->cap) {
		size_t cap = pl->cap ? pl->cap * 2 : 64;
		struct entry *v = realloc(pl->v, cap * sizeof *v);

		if (!v)
			return HA_ERR_NOMEM;
		pl->v = v;
		pl->cap = cap;
	}
	pl->v[pl->n++] = *e;
	return HA_OK;
}

static int replay_new(const struct primary *pr, struct logv *lv, size_t n, const struct limits *lim,
                      struct ha_replay_result *out, struct ha_err *err)
{
	size_t order[HA_REPLAY_MAX_LOGS], nc = 0, i, j, size = 0;
	struct plan pl = {NULL, 0, 0};
	uint32_t expected = 0, flags;
	int rc = HA_OK;
	uint64_t need = 0, logbytes = 0, pages = 0;
	const struct logv *bbsrc = NULL;
	char stop[240] = "", notes[400] = "", names[200] = "";
	uint8_t *img;

	for (i = 0; i < n; i++) {
		if (lv[i].kind != LV_NEW)
			continue;
		/* Entries below the primary's secondary number are in it already. */
		if (pr->bb_ok && seq_before(lv[i].seq, pr->seq2)) {
			snprintf(lv[i].why, sizeof lv[i].why,
			         "its entries (from sequence %u) are older than the hive's %u",
			         lv[i].seq, pr->seq2);
			continue;
		}
		order[nc++] = i;
	}
	for (i = 1; i < nc; i++)
		for (j = i; j > 0 && seq_before(lv[order[j]].seq, lv[order[j - 1]].seq); j--) {
			size_t t = order[j];

			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	if (!pr->bb_ok && nc > 1) {
		/* A damaged primary: only the log with the latest entries counts. */
		for (i = 0; i + 1 < nc; i++)
			snprintf(lv[order[i]].why, sizeof lv[order[i]].why,
			         "not used: the hive's base block is damaged and %s holds later "
			         "entries",
			         lv[order[nc - 1]].name);
		order[0] = order[nc - 1];
		nc = 1;
	}
	if (!pr->bb_ok && nc)
		bbsrc = &lv[order[0]];

	/* The chain starts at the first eligible log's own number; every later
	 * log must continue it, even when the earlier one yielded nothing (its
	 * entries are then missing, not skippable). */
	for (i = 0; i < nc; i++) {
		struct logv *l = &lv[order[i]];
		size_t off = LOG_BB;
		uint32_t want;
		int got = 0;

		logbytes += l->in->size;
		if (i == 0)
			expected = l->seq;
		want = expected;
		if (l->seq != expected) {
			snprintf(l->why, sizeof l->why, "starts at sequence %u, %u expected",
			         l->seq, expected);
			if (!stop[0])
				snprintf(stop, sizeof stop,
				         "gap: %s starts at sequence %u, %u expected", l->name,
				         l->seq, expected);
			break;
		}
		for (;;) {
			struct entry e;
			struct ha_err ee;
			int r;

			memset(&e, 0, sizeof e);
			ha_err_clear(&ee);
			r = off < l->in->size ? check_entry(l, off, want, lim, &e, &ee) : ENTRY_END;
			if (r == ENTRY_HOSTILE) {
				free(pl.v);
				return ha_err_set(err, HA_ERR_FORMAT, "%s: %s", l->name, ee.msg);
			}
			if (r == ENTRY_END) {
				if (!got)
					setf(l->why, sizeof l->why, "no entry applies (%s)",
					     off < l->in->size ? ee.msg : "no entries");
				break;
			}
			if (r == ENTRY_TORN) {
				setf(l->why, sizeof l->why, "%s", ee.msg);
				setf(stop, sizeof stop, "%s: %s", l->name, ee.msg);
				break;
			}
			e.log = order[i];
			if (!pl.n)
				out->seq_first = e.seq;
			/* A torn entry that the next log supplies again did not
			 * end the replay. */
			if (!got)
				stop[0] = '\0';
			if (plan_push(&pl, &e)) {
				free(pl.v);
				return ha_err_nomem(err);
			}
			got = 1;
			expected = e.seq + 1;
			want = expected;
			off += e.size;
			if (need < (uint64_t)HA_BASEBLOCK_SIZE + e.hbins)
				need = (uint64_t)HA_BASEBLOCK_SIZE + e.hbins;
		}
		if (got) {
			out->logs_used |= 1u << l->idx;
			addf(names, sizeof names, "%s%s", names[0] ? ", " : "", l->name);
		}
	}
	if (!pl.n) {
		for (i = 0; i < n; i++)
			addf(notes, sizeof notes, "%s%s: %s", notes[0] ? "; " : "", lv[i].name,
			     lv[i].why[0] ? lv[i].why : "not used");
		free(pl.v);
		if (!pr->bb_ok)
			return ha_err_set(err, HA_ERR_FORMAT,
			                  "the base block is damaged and no log entry "
			                  "applies (%s)",
			                  notes);
		return ha_err_set(err, HA_ERR_FORMAT,
		                  "no log entry continues the hive at sequence %u or later (%s)",
		                  pr->seq2, notes);
	}

	rc = check_growth(pr, need, lim, logbytes, err);
	if (rc) {
		free(pl.v);
		return rc;
	}
	img = copy_primary(pr, need, &size);
	if (!img) {
		free(pl.v);
		return ha_err_nomem(err);
	}
	flags = pr->bb_ok ? pr->flags : bbsrc->flags;
	for (i = 0; i < pl.n; i++) {
		const struct entry *e = &pl.v[i];
		const uint8_t *ent = lv[e->log].in->data + e->off;
		const uint8_t *data = ent + ENTRY_HEAD + (size_t)e->npages * 8;
		uint32_t k;

		/* Bounds were proven by check_entry: each page lies inside the
		 * entry and inside its hive bins, which `need` covers. */
		for (k = 0; k < e->npages; k++) {
			uint32_t poff = ha_le32(ent + ENTRY_HEAD + (size_t)k * 8);
			uint32_t psz = ha_le32(ent + ENTRY_HEAD + (size_t)k * 8 + 4);

			memcpy(img + HA_BASEBLOCK_SIZE + poff, data, psz);
			data += psz;
		}
		pages += e->npages;
		flags = (flags & ~1u) | (e->flags & 1u);
	}
	out->seq_last = pl.v[pl.n - 1].seq;
	fresh_baseblock(img, pr, bbsrc, out->seq_last, pl.v[pl.n - 1].hbins, flags);
	rc = check_bins(img, size, pl.v[pl.n - 1].hbins, pr->bb_ok ? pr->root : bbsrc->root, err);
	if (rc) {
		free(img);
		free(pl.v);
		return rc;
	}
	out->format = HA_REPLAY_NEW;
	out->entries = (uint32_t)pl.n;
	out->pages = pages;
	out->bb_recovered = !pr->bb_ok;
	out->stopped_early = stop[0] != 0;
	out->image = img;
	out->size = size;
	if (pl.n == 1)
		snprintf(out->summary, sizeof out->summary,
		         "new-format logs replayed: 1 entry (sequence %u) from %s, %llu page%s",
		         out->seq_last, names, (unsigned long long)pages, pages == 1 ? "" : "s");
	else
		snprintf(out->summary, sizeof out->summary,
		         "new-format logs replayed: %zu entries (sequence %u-%u) from %s, "
		         "%llu page%s",
		         pl.n, out->seq_first, out->seq_last, names, (unsigned long long)pages,
		         pages == 1 ? "" : "s");
	if (bbsrc)
		addf(out->summary, sizeof out->summary, "; base block restored from %s",
		     bbsrc->name);
	if (stop[0])
		addf(out->summary, sizeof out->summary, "; stopped after sequence %u (%s)",
		     out->seq_last, stop);
	free(pl.v);
	return HA_OK;
}

/* ------------------------------------------------------------- the entry */

void ha_replay_result_free(struct ha_replay_result *r)
{
	if (!r)
		return;
	free(r->image);
	memset(r, 0, sizeof *r);
}

int ha_replay(const uint8_t *primary, size_t size, const struct ha_replay_log *logs, size_t nlogs,
              const struct ha_replay_limits *lim_in, struct ha_replay_result *out,
              struct ha_err *err)
{
	struct logv lv[HA_REPLAY_MAX_LOGS];
	struct limits lim;
	struct primary pr;
	size_t i, nnew = 0, nold = 0;
	char notes[400] = "";
	int rc;

	memset(out, 0, sizeof *out);
	lim.max_log = lim_in && lim_in->max_log ? lim_in->max_log : HA_REPLAY_MAX_LOG;
	lim.max_hbins = lim_in && lim_in->max_hbins ? lim_in->max_hbins : HA_REPLAY_MAX_HBINS;
	lim.max_growth = lim_in && lim_in->max_growth ? lim_in->max_growth : HA_REPLAY_MAX_GROWTH;
	if (nlogs > HA_REPLAY_MAX_LOGS)
		return ha_err_set(err, HA_ERR_USAGE, "%zu logs given, at most %d are used", nlogs,
		                  HA_REPLAY_MAX_LOGS);

	/* A base block whose signature is gone is damaged like one whose
	 * checksum is wrong, when a hive bin follows it: a log may restore it. */
	if (!primary || size < HA_BASEBLOCK_SIZE ||
	    (memcmp(primary, "regf", 4) != 0 &&
	     (size < HA_BASEBLOCK_SIZE + 32 ||
	      memcmp(primary + HA_BASEBLOCK_SIZE, "hbin", 4) != 0)))
		return ha_err_set(err, HA_ERR_FORMAT,
		                  "not a registry hive (no 4096-byte regf base "
		                  "block)");
	memset(&pr, 0, sizeof pr);
	pr.p = primary;
	pr.size = size;
	pr.bb_ok = memcmp(primary, "regf", 4) == 0 &&
	           ha_bb_checksum(primary) == ha_le32(primary + 0x1FC);
	pr.seq1 = ha_le32(primary + 0x04);
	pr.seq2 = ha_le32(primary + 0x08);
	pr.lw = ha_le64(primary + 0x0C);
	pr.root = ha_le32(primary + 0x24);
	pr.hbins = ha_le32(primary + 0x28);
	pr.flags = ha_le32(primary + 0x90);
	if (pr.bb_ok && ha_le32(primary + 0x1C) != 0)
		return ha_err_set(err, HA_ERR_FORMAT, "file type %u: a transaction log, not a hive",
		                  ha_le32(primary + 0x1C));
	if (pr.bb_ok && pr.seq1 == pr.seq2)
		return ha_err_set(err, HA_ERR_NOTFOUND,
		                  "the hive is clean (sequence %u/%u, checksum right): nothing to "
		                  "replay",
		                  pr.seq1, pr.seq2);

	for (i = 0; i < nlogs; i++) {
		if (logs[i].size > lim.max_log)
			return ha_err_set(
			        err, HA_ERR_LIMIT, "%s is %zu bytes, more than the %zu allowed",
			        logs[i].name ? logs[i].name : "a log", logs[i].size, lim.max_log);
		classify_log(&pr, &logs[i], i, &lim, &lv[i]);
		nnew += lv[i].kind == LV_NEW;
		nold += lv[i].kind == LV_OLD;
	}
	/* Windows 8.1 and later may leave an old-format .LOG from the
	 * installation image beside its new-format pair: the pair wins. */
	if (nnew)
		rc = replay_new(&pr, lv, nlogs, &lim, out, err);
	else if (nold)
		rc = replay_old(&pr, lv, nlogs, &lim, out, err);
	else {
		for (i = 0; i < nlogs; i++)
			addf(notes, sizeof notes, "%s%s: %s", notes[0] ? "; " : "", lv[i].name,
			     lv[i].why);
		rc = nlogs ? ha_err_set(err, HA_ERR_FORMAT, "no usable transaction log (%s)", notes)
		           : ha_err_set(err, HA_ERR_FORMAT, "no transaction log to replay");
	}
	if (rc) {
		ha_replay_result_free(out);
		return rc;
	}
	/* A log refused as another hive's is worth saying even when others
	 * applied: someone put it there. */
	for (i = 0; i < nlogs; i++)
		if (lv[i].kind == LV_FOREIGN)
			addf(out->summary, sizeof out->summary, "; %s refused: %s", lv[i].name,
			     lv[i].why);
	return HA_OK;
}

/* ------------------------------------------------------------ the edges */

int ha_replay_read_log(const char *path, size_t max, uint8_t **data, size_t *size,
                       struct ha_err *err)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t got = 0;
	int fd, e;

	*data = NULL;
	*size = 0;
	if (!max)
		max = HA_REPLAY_MAX_LOG;
	fd = ha_input_open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return ha_err_sys(err, HA_ERR_IO, errno, "cannot open");
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return ha_err_set(err, HA_ERR_IO, "not a regular file");
	}
	if ((uint64_t)st.st_size > max) {
		close(fd);
		return ha_err_set(err, HA_ERR_LIMIT, "%lld bytes, more than the %zu allowed",
		                  (long long)st.st_size, max);
	}
	if (st.st_size > 0) {
		buf = malloc((size_t)st.st_size);
		if (!buf) {
			close(fd);
			return ha_err_nomem(err);
		}
	}
	/* Read what the size promised, and no more: a file that grows or
	 * shrinks meanwhile is read as far as it goes, within the bound. */
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			e = errno;
			free(buf);
			close(fd);
			return ha_err_sys(err, HA_ERR_IO, e, "cannot read");
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	if (!got) {
		free(buf);
		buf = NULL;
	}
	*data = buf;
	*size = got;
	return HA_OK;
}

int ha_image_memfd(const uint8_t *img, size_t n, int *fdp, const uint8_t **mapp, struct ha_err *err)
{
	size_t done = 0;
	void *map;
	int fd, e;

	*fdp = -1;
	*mapp = NULL;
	fd = memfd_create("hiveaudit-replayed", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return ha_err_sys(err, HA_ERR_IO, errno, "cannot create a memory file");
	while (done < n) {
		ssize_t w = write(fd, img + done, n - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			e = w < 0 ? errno : ENOSPC;
			close(fd);
			return ha_err_sys(err, e == ENOMEM ? HA_ERR_NOMEM : HA_ERR_IO, e,
			                  "cannot fill a memory file");
		}
		done += (size_t)w;
	}
	/* Sealed, the image can neither change nor shrink under the reader's
	 * mapping (a shrinking file raises SIGBUS in hivex). */
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0) {
		e = errno;
		close(fd);
		return ha_err_sys(err, HA_ERR_IO, e, "cannot seal a memory file");
	}
	map = mmap(NULL, n, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		e = errno;
		close(fd);
		return ha_err_sys(err, e == ENOMEM ? HA_ERR_NOMEM : HA_ERR_IO, e,
		                  "cannot map a memory file");
	}
	*fdp = fd;
	*mapp = map;
	return HA_OK;
}

int ha_replay_validate(const uint8_t *img, size_t n, struct ha_err *err)
{
	const uint8_t *map;
	struct ha_hive *hv = NULL;
	int fd, degraded = 0, rc;

	rc = ha_image_memfd(img, n, &fd, &map, err);
	if (rc)
		return rc;
	rc = ha_hive_open(fd, map, n, 0, &hv, &degraded, err);
	if (!rc && degraded && err) {
		/* A replayed hive that opens only in recovery mode is not what
		 * Windows would have loaded; err says what hivex refused. */
		err->code = HA_ERR_HIVE;
	}
	if (!rc && degraded)
		rc = HA_ERR_HIVE;
	ha_hive_close(hv);
	munmap((void *)map, n);
	close(fd);
	return rc;
}
