/* logs.c: the transaction logs of a hive: which files beside it are its
 * logs, and whether a log's contents belong to it.
 *
 * Names only propose a log ("SYSTEM.LOG1" beside "SYSTEM"); the base
 * blocks decide.  A log copied under another hive's name (SYSTEM's log as
 * SOFTWARE.LOG1) would otherwise turn a dirty SOFTWARE into a "recovered"
 * hive holding SYSTEM's keys.  ha_log_match() is the one place that decides,
 * for the `replay` verb and the reader's automatic replay alike (both go
 * through ha_replay(), which asks it about every log).
 *
 * What a log's base block must share with its hive (msuhanov/regf, "Base
 * block", "Format of transaction log files"; little-endian).  A log starts
 * with a copy of the hive's base block as it was in memory, so:
 *
 *   offset size field            compared
 *   0x004  4    sequence number  old format: the log holds the write the
 *                                primary announced (its primary sequence
 *                                number, or the one before it, as Windows
 *                                2000 to 2003 leave it); new format: no
 *                                identity (entries may run far ahead of a
 *                                stale primary), ha_replay() orders them
 *   0x024  4    root cell offset equal (a hive's root key does not move)
 *   0x028  4    hive bins size   old format: equal, since the primary's
 *                                base block is written with the new size
 *                                before the dirty data; new format: each
 *                                entry carries its own size
 *   0x030  64   file name        the last path component, compared ASCII
 *                                case-insensitively (the folder part may
 *                                differ when a hive was loaded elsewhere)
 *   0x070  16   RmId             equal when both are set (Vista on)
 *   0x080  16   LogId            equal when both are set
 *
 * When the primary's own base block is damaged (wrong checksum or no
 * "regf"), its fields are not trusted for the numbers (sequence, hive bins
 * size, root cell); the identity fields (name, RmId, LogId) are still
 * compared where the damaged block holds a readable value, since a damaged
 * hive is the one place a foreign base block would also be taken over. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ingest_internal.h"

#define LOG_BB 512u

size_t ha_log_owner_len(const char *name)
{
	size_t n = strlen(name);

	if (n > 4 && ha_ascii_caseeq(name + n - 4, ".LOG"))
		return n - 4;
	if (n > 5 &&
	    (ha_ascii_caseeq(name + n - 5, ".LOG1") || ha_ascii_caseeq(name + n - 5, ".LOG2")))
		return n - 5;
	return 0;
}

int ha_log_name_of(const char *name, const char *hive)
{
	size_t olen = ha_log_owner_len(name);

	return olen && olen == strlen(hive) && ha_ascii_ncasecmp(name, hive, olen) == 0;
}

void ha_logs_free(char **paths, size_t n)
{
	size_t i;

	for (i = 0; paths && i < n; i++)
		free(paths[i]);
	free(paths);
}

int ha_logs_beside(const char *hive, char ***out, size_t *n, struct ha_err *err)
{
	const char *slash = strrchr(hive, '/');
	const char *base = slash ? slash + 1 : hive;
	char *dir = slash ? ha_strndup(hive, slash == hive ? 1 : (size_t)(slash - hive))
	                  : ha_strdup(".");
	char **v = NULL;
	size_t nv = 0, i, j;
	struct dirent *de;
	int rc = HA_OK;
	DIR *d;

	*out = NULL;
	*n = 0;
	if (!dir)
		return ha_err_nomem(err);
	d = opendir(dir);
	if (!d) {
		rc = ha_err_sys(err, HA_ERR_IO, errno, "cannot list the folder of '%s'", hive);
		free(dir);
		return rc;
	}
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		char **nvv;

		if (!ha_log_name_of(de->d_name, base))
			continue;
		nvv = realloc(v, (nv + 1) * sizeof *v);
		if (!nvv) {
			rc = ha_err_nomem(err);
			break;
		}
		v = nvv;
		v[nv] = strcmp(dir, "/") ? ha_asprintf("%s/%s", dir, de->d_name)
		                         : ha_asprintf("/%s", de->d_name);
		if (!v[nv]) {
			rc = ha_err_nomem(err);
			break;
		}
		nv++;
		errno = 0;
	}
	if (!rc && errno)
		rc = ha_err_sys(err, HA_ERR_IO, errno, "cannot list the folder of '%s'", hive);
	closedir(d);
	free(dir);
	if (rc) {
		ha_logs_free(v, nv);
		return rc;
	}
	/* Sorted by name, so messages and the order logs are offered in are
	 * stable. */
	for (i = 1; i < nv; i++)
		for (j = i; j > 0 && strcmp(v[j - 1], v[j]) > 0; j--) {
			char *t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	*out = v;
	*n = nv;
	return HA_OK;
}

/* ------------------------------------------------------------ matching */

/* The last path component of a base block's embedded name, as UTF-8 in
 * out (empty when the name is empty). */
static void name_tail(const uint8_t *bb, char *out, size_t outlen)
{
	struct ha_buf b;
	const char *s, *t;
	size_t len;

	ha_buf_init(&b, 512);
	ha_utf16le_to_utf8(&b, bb + 0x30, 64, HA_U16_STOP_AT_NUL);
	s = ha_buf_status(&b) ? "" : ha_buf_cstr(&b);
	t = strrchr(s, '\\');
	t = t ? t + 1 : s;
	len = strlen(t);
	if (len >= outlen)
		len = outlen - 1;
	memcpy(out, t, len);
	out[len] = '\0';
	ha_buf_free(&b);
}

static int guid_set(const uint8_t *g)
{
	size_t i;

	for (i = 0; i < 16; i++)
		if (g[i])
			return 1;
	return 0;
}

static void guid_str(const uint8_t *g, char out[37])
{
	char hex[33];

	ha_hex(g, 16, hex, 0);
	memcpy(out, hex, 8);
	out[8] = '-';
	memcpy(out + 9, hex + 8, 4);
	out[13] = '-';
	memcpy(out + 14, hex + 12, 4);
	out[18] = '-';
	memcpy(out + 19, hex + 16, 4);
	out[23] = '-';
	memcpy(out + 24, hex + 20, 12);
	out[36] = '\0';
}

int ha_log_match(const uint8_t *primary, size_t psize, const uint8_t *log, size_t lsize,
                 struct ha_err *err)
{
	static const struct {
		size_t off;
		const char *name;
	} ids[] = {{0x70, "RmId"}, {0x80, "LogId"}};
	char pn[100], ln[100];
	uint32_t type, lseq, pseq1, pseq2;
	int trusted, old;
	size_t i;

	if (!log || lsize < LOG_BB || memcmp(log, "regf", 4) != 0)
		return ha_err_set(err, HA_ERR_FORMAT, "it has no log base block");
	if (!primary || psize < HA_BASEBLOCK_SIZE)
		return ha_err_set(err, HA_ERR_FORMAT, "the hive has no base block to compare with");
	type = ha_le32(log + 0x1C);
	old = type == 1 || type == 2;
	if (!old && type != 6)
		return ha_err_set(err, HA_ERR_FORMAT, "file type %u is not a transaction log",
		                  type);
	/* A damaged primary's numbers mean nothing; its identity fields are
	 * still worth comparing where they hold something. */
	trusted = memcmp(primary, "regf", 4) == 0 &&
	          ha_bb_checksum(primary) == ha_le32(primary + 0x1FC);

	name_tail(primary, pn, sizeof pn);
	name_tail(log, ln, sizeof ln);
	if (pn[0] && ln[0] && !ha_ascii_caseeq(pn, ln))
		return ha_err_set(err, HA_ERR_FORMAT,
		                  "it belongs to another hive: its embedded file name is \"%s\", "
		                  "the hive's \"%s\"",
		                  ln, pn);
	for (i = 0; i < sizeof ids / sizeof ids[0]; i++) {
		const uint8_t *a = primary + ids[i].off, *b = log + ids[i].off;

		if (guid_set(a) && guid_set(b) && memcmp(a, b, 16) != 0) {
			char ga[37], gb[37];

			guid_str(b, gb);
			guid_str(a, ga);
			return ha_err_set(err, HA_ERR_FORMAT,
			                  "it belongs to another hive: its %s is %s, the hive's %s",
			                  ids[i].name, gb, ga);
		}
	}
	if (!trusted)
		return HA_OK;

	if (ha_le32(log + 0x24) != ha_le32(primary + 0x24))
		return ha_err_set(err, HA_ERR_FORMAT,
		                  "it belongs to another hive: its root cell offset is 0x%x, the "
		                  "hive's 0x%x",
		                  ha_le32(log + 0x24), ha_le32(primary + 0x24));
	if (!old)
		return HA_OK;
	if (ha_le32(log + 0x28) != ha_le32(primary + 0x28))
		return ha_err_set(
		        err, HA_ERR_FORMAT,
		        "it belongs to another state of the hive: its hive bins data size "
		        "is 0x%x, the hive's 0x%x",
		        ha_le32(log + 0x28), ha_le32(primary + 0x28));
	lseq = ha_le32(log + 0x04);
	pseq1 = ha_le32(primary + 0x04);
	pseq2 = ha_le32(primary + 0x08);
	if (lseq != pseq1 && lseq != pseq1 - 1u)
		return ha_err_set(err, HA_ERR_FORMAT,
		                  "it belongs to another write: its sequence number is %u, the "
		                  "hive's %u/%u",
		                  lseq, pseq1, pseq2);
	return HA_OK;
}

int ha_backup_name(const char *name)
{
	static const char *const suffixes[] = {".sav", ".bak", ".old", ".orig"};
	size_t n = strlen(name), i;

	for (i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
		size_t k = strlen(suffixes[i]);

		if (n > k && ha_ascii_caseeq(name + n - k, suffixes[i]))
			return 1;
	}
	return 0;
}
