/* baseblock.c: the 4096-byte header of a regf file, parsed by our own code
 * because hivex exposes none of it but the last-written time.
 *
 * FORMAT (msuhanov/regf, "Base block"; little-endian)
 *
 *   offset size field
 *   0x000  4    signature "regf"
 *   0x004  4    primary sequence number    (incremented when a write starts)
 *   0x008  4    secondary sequence number  (incremented when it completes)
 *   0x00C  8    last written, FILETIME     (not maintained from Windows 8.1 on)
 *   0x014  4    major version (1)
 *   0x018  4    minor version (3..6)
 *   0x01C  4    file type: 0 primary, 1 or 2 old-format log, 6 new-format log
 *   0x020  4    file format: 1 direct memory load
 *   0x024  4    root cell offset, relative to 0x1000
 *   0x028  4    hive bins data size
 *   0x02C  4    clustering factor
 *   0x030  64   file name, UTF-16LE, not necessarily NUL-terminated
 *   0x090  4    flags (Windows 10)
 *   0x1FC  4    checksum: XOR of the 127 dwords before it; Windows stores 1
 *               for a result of 0 and 0xFFFFFFFE for 0xFFFFFFFF
 *
 * A hive is dirty when the two sequence numbers differ or the checksum is
 * wrong; its newest changes may then exist only in its transaction logs. */
#include <string.h>

#include "ingest_internal.h"

uint32_t ha_bb_checksum(const uint8_t *p)
{
	uint32_t x = 0;
	size_t i;

	for (i = 0; i < 0x1FC; i += 4)
		x ^= ha_le32(p + i);
	if (x == 0)
		return 1;
	if (x == 0xFFFFFFFFu)
		return 0xFFFFFFFEu;
	return x;
}

int ha_baseblock_parse(const uint8_t *p, size_t n, struct ha_baseblock *bb)
{
	struct ha_buf name;
	size_t len;

	memset(bb, 0, sizeof *bb);
	if (n < 4 || memcmp(p, "regf", 4) != 0)
		return HA_ERR_FORMAT;
	if (n < HA_BASEBLOCK_SIZE)
		return HA_ERR_FORMAT;
	bb->seq1 = ha_le32(p + 0x04);
	bb->seq2 = ha_le32(p + 0x08);
	bb->last_written = (int64_t)ha_le64(p + 0x0C);
	bb->major = ha_le32(p + 0x14);
	bb->minor = ha_le32(p + 0x18);
	bb->type = ha_le32(p + 0x1C);
	bb->format = ha_le32(p + 0x20);
	bb->root_offset = ha_le32(p + 0x24);
	bb->hbins_size = ha_le32(p + 0x28);
	bb->clustering = ha_le32(p + 0x2C);
	bb->flags = ha_le32(p + 0x90);
	bb->checksum_stored = ha_le32(p + 0x1FC);
	bb->checksum_computed = ha_bb_checksum(p);
	bb->checksum_ok = bb->checksum_stored == bb->checksum_computed;

	/* 32 UTF-16 units decode to at most 96 bytes of UTF-8 (U+FFFD is three
	 * bytes), so the name always fits. */
	ha_buf_init(&name, 256);
	ha_utf16le_to_utf8(&name, p + 0x30, 64, HA_U16_STOP_AT_NUL);
	len = name.len < sizeof bb->name ? name.len : 0;
	if (!ha_buf_status(&name) && name.data && len)
		memcpy(bb->name, name.data, len);
	bb->name[len] = '\0';
	ha_buf_free(&name);
	return HA_OK;
}

int ha_baseblock_dirty(const struct ha_baseblock *bb)
{
	return bb->seq1 != bb->seq2 || !bb->checksum_ok;
}

int ha_bb_is_log(const struct ha_baseblock *bb)
{
	return bb->type == 1 || bb->type == 2 || bb->type == 6;
}

/* The last path component of the embedded name, e.g. "SYSTEM" for
 * "\??\C:\Windows\System32\config\SYSTEM". */
const char *ha_bb_name_tail(const struct ha_baseblock *bb)
{
	const char *p = strrchr(bb->name, '\\');

	return p ? p + 1 : bb->name;
}
