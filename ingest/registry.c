/* registry.c: the registry reader, hivex behind one interface.
 *
 * A second backend serves the tree of a parsed .reg export (regtext.c)
 * through the same calls; each call dispatches on hv->rt first.
 *
 * hivex validates the file at open (every hbin and cell header, a bitmap of
 * used cells), walks subkey and value lists with its own limits (ri depth,
 * 70 000 subkeys, 110 000 values) and follows big-data records.  We use it
 * for exactly that.  Names and timestamps we read ourselves from a
 * read-only mapping of the same bytes, with bounds checks against the cell
 * and the file, because hivex's versions of those calls go through iconv
 * (one undecodable sibling fails a whole lookup), match "zero" against a key
 * named "zero\0key", and read past undersized cells (reference/hivex.md).
 *
 * CELL LAYOUTS READ HERE (offsets within the cell data, after the 4-byte
 * size field; msuhanov/regf "Key node" and "Key value")
 *
 *   nk: 0 "nk", 2 flags (0x20: name is Latin-1), 4 last written FILETIME,
 *       72 name length (u16), 76 name
 *   vk: 0 "vk", 2 name length (u16), 16 flags (0x1: name is Latin-1), 20 name
 *
 * hivex reports through errno only; its diagnostic text goes to stderr when
 * a handle is verbose.  Workers point stderr at a private memory file, and
 * we lift the last line from it into the hive's reason ("trailing garbage at
 * end of file"), which says far more than strerror(ENOTSUP). */
#include <errno.h>
#include <fcntl.h>
#include <hivex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ingest_internal.h"

struct ha_hive {
	hive_h *h;
	const uint8_t *map;
	size_t size;
	int capture;
	/* The second backend: a .reg export's tree (regtext.c), h is NULL. */
	struct ha_regtext *rt;
	int role;
};

/* ---------------------------------------------------- diagnostic capture */

/* Reads what hivex appended to stderr (a memory file in workers) since the
 * last call and keeps its last line, without the "hivex: function: " head.
 * Only used when stderr is such a file; a no-op otherwise. */
static void last_diag(char *out, size_t outlen)
{
	static off_t pos;
	char buf[4096];
	off_t end;
	ssize_t n;
	char *line, *p;

	out[0] = '\0';
	end = lseek(2, 0, SEEK_END);
	if (end < 0 || end <= pos)
		return;
	if (end - pos > (off_t)sizeof buf - 1)
		pos = end - (off_t)sizeof buf + 1;
	n = pread(2, buf, (size_t)(end - pos), pos);
	pos = end;
	if (n <= 0)
		return;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '.' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	line = strrchr(buf, '\n');
	line = line ? line + 1 : buf;
	if (strncmp(line, "hivex: ", 7) == 0) {
		line += 7;
		p = strstr(line, ": ");
		if (p && p - line < 40)
			line = p + 2;
	}
	/* "returning ENOTSUP because: /proc/self/fd/7: page size ..." */
	if (strncmp(line, "returning ", 10) == 0 && (p = strstr(line, " because: ")) != NULL)
		line = p + 10;
	if (strncmp(line, "/proc/self/fd/", 14) == 0 && (p = strstr(line, ": ")) != NULL)
		line = p + 2;
	/* Cut to fit, as snprintf would (a long message is kept in part). */
	n = (ssize_t)strlen(line);
	if ((size_t)n >= outlen)
		n = (ssize_t)outlen - 1;
	memcpy(out, line, (size_t)n);
	out[n] = '\0';
}

/* "what: hivex's message" (or strerror when there is none) as HA_ERR_HIVE. */
static int explain(const struct ha_hive *hv, int errnum, const char *what, struct ha_err *err)
{
	char diag[300] = "";

	if (!hv || hv->capture)
		last_diag(diag, sizeof diag);
	if (diag[0])
		return ha_err_set(err, HA_ERR_HIVE, "%s: %s", what, diag);
	return ha_err_set(err, HA_ERR_HIVE, "%s: %s", what, errnum ? strerror(errnum) : "failed");
}

/* ------------------------------------------------------------- open/close */

int ha_hive_open(int fd, const uint8_t *map, size_t size, int capture, struct ha_hive **out,
                 int *degraded, struct ha_err *err)
{
	char path[64], older[300];
	struct ha_hive *hv;
	int flags = capture ? HIVEX_OPEN_VERBOSE : 0;
	int e;

	*out = NULL;
	*degraded = 0;
	hv = calloc(1, sizeof *hv);
	if (!hv)
		return ha_err_nomem(err);
	hv->map = map;
	hv->size = size;
	hv->capture = capture;
	/* Open through our own descriptor: the path may have been replaced
	 * since we hashed it, the descriptor cannot. */
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	if (capture)
		last_diag(older, sizeof older); /* skip older messages */
	errno = 0;
	hv->h = hivex_open(path, flags);
	if (!hv->h) {
		struct ha_err first;

		e = errno;
		explain(hv, e, "hivex refused the hive", &first);
		if (e == ENOTSUP) {
			/* Structural damage: hivex's recovery mode skips bad hbins
			 * and list entries; what it returns is flagged degraded. */
			errno = 0;
			hv->h = hivex_open(path, flags | HIVEX_OPEN_UNSAFE);
			if (hv->h) {
				*degraded = 1;
				ha_err_set(err, HA_OK, "%s; opened in recovery mode", first.msg);
			} else {
				last_diag(older, sizeof older);
			}
		}
		if (!hv->h) {
			free(hv);
			return ha_err_set(err, first.code, "%s", first.msg);
		}
	} else {
		ha_err_clear(err);
	}
	*out = hv;
	return HA_OK;
}

int ha_hive_open_export(struct ha_regtext *rt, int role, struct ha_hive **out)
{
	struct ha_hive *hv = calloc(1, sizeof *hv);

	*out = NULL;
	if (!hv)
		return HA_ERR_NOMEM;
	hv->rt = ha_regtext_ref(rt);
	hv->role = role;
	*out = hv;
	return HA_OK;
}

const struct ha_regtext *ha_hive_export(const struct ha_hive *hv)
{
	return hv->rt;
}

int ha_hive_path_covered(const struct ha_hive *hv, const char *ppath, struct ha_err *err)
{
	return hv->rt ? ha_rt_path_covered(hv->rt, hv->role, ppath, err) : 1;
}

void ha_hive_close(struct ha_hive *hv)
{
	if (!hv)
		return;
	if (hv->h)
		hivex_close(hv->h);
	ha_regtext_free(hv->rt);
	free(hv);
}

ha_node ha_hive_root(const struct ha_hive *hv)
{
	if (hv->rt)
		return ha_rt_root(hv->rt, hv->role);
	errno = 0;
	return hivex_root(hv->h);
}

/* -------------------------------------------------------- bounded cells */

/* The data of the used cell at file offset `off`, if it holds at least
 * `need` bytes and lies wholly inside the file. */
static const uint8_t *cell(const struct ha_hive *hv, size_t off, size_t need, size_t *avail)
{
	int32_t sz;
	size_t len;

	if (off < HA_BASEBLOCK_SIZE || off > hv->size || hv->size - off < 4)
		return NULL;
	sz = (int32_t)ha_le32(hv->map + off);
	if (sz >= 0 || sz == INT32_MIN)
		return NULL; /* free cell, or nonsense */
	len = (size_t)(-(int64_t)sz);
	if (len < 4 || len - 4 < need || len > hv->size - off)
		return NULL;
	*avail = len - 4;
	return hv->map + off + 4;
}

int ha_hive_node_name(const struct ha_hive *hv, ha_node n, struct ha_buf *out)
{
	size_t avail, nlen;
	const uint8_t *d;

	if (hv->rt)
		return ha_rt_node_name(hv->rt, n, out);
	d = cell(hv, n, 76, &avail);
	if (!d || d[0] != 'n' || d[1] != 'k')
		return HA_ERR_FORMAT;
	nlen = ha_le16(d + 72);
	if (nlen > avail - 76)
		return HA_ERR_FORMAT;
	if (ha_le16(d + 2) & 0x20)
		ha_latin1_to_utf8(out, d + 76, nlen, HA_U16_NUL_VISIBLE);
	else
		ha_utf16le_to_utf8(out, d + 76, nlen, HA_U16_NUL_VISIBLE);
	return ha_buf_status(out);
}

int ha_hive_node_time(const struct ha_hive *hv, ha_node n, int64_t *ft)
{
	size_t avail;
	const uint8_t *d;

	if (hv->rt) {
		*ft = HA_FT_NOT_RECORDED; /* an export records no key times */
		return HA_OK;
	}
	d = cell(hv, n, 12, &avail);
	if (!d || d[0] != 'n' || d[1] != 'k')
		return HA_ERR_FORMAT;
	*ft = (int64_t)ha_le64(d + 4);
	return HA_OK;
}

int ha_hive_value_name(const struct ha_hive *hv, ha_vnode v, struct ha_buf *out)
{
	size_t avail, nlen;
	const uint8_t *d;

	if (hv->rt)
		return ha_rt_value_name(hv->rt, v, out);
	d = cell(hv, v, 20, &avail);
	if (!d || d[0] != 'v' || d[1] != 'k')
		return HA_ERR_FORMAT;
	nlen = ha_le16(d + 2);
	if (nlen > avail - 20)
		return HA_ERR_FORMAT;
	if (ha_le16(d + 16) & 0x1)
		ha_latin1_to_utf8(out, d + 20, nlen, HA_U16_NUL_VISIBLE);
	else
		ha_utf16le_to_utf8(out, d + 20, nlen, HA_U16_NUL_VISIBLE);
	return ha_buf_status(out);
}

/* ------------------------------------------------------------- structure */

int ha_hive_children(struct ha_hive *hv, ha_node n, ha_node **kids, size_t *count,
                     struct ha_err *err)
{
	hive_node_h *list;
	size_t i;

	if (hv->rt) {
		if (ha_rt_children(hv->rt, n, kids, count) != HA_OK)
			return ha_err_set(err, HA_ERR_HIVE,
			                  "subkey list unreadable: out of memory");
		return HA_OK;
	}
	errno = 0;
	list = hivex_node_children(hv->h, n);
	if (!list)
		return explain(hv, errno, "subkey list unreadable", err);
	for (i = 0; list[i]; i++)
		;
	*kids = list;
	*count = i;
	return HA_OK;
}

int ha_hive_child(struct ha_hive *hv, ha_node n, const char *name, ha_node *child,
                  struct ha_err *err)
{
	ha_node *kids;
	size_t count, i, want = strlen(name);
	struct ha_buf nb;
	int rc;

	*child = 0;
	if (hv->rt) {
		*child = ha_rt_child(hv->rt, n, name);
		return HA_OK;
	}
	rc = ha_hive_children(hv, n, &kids, &count, err);
	if (rc)
		return rc;
	ha_buf_init(&nb, 4096);
	for (i = 0; i < count; i++) {
		ha_buf_truncate(&nb, 0);
		if (ha_hive_node_name(hv, kids[i], &nb) != HA_OK) {
			nb.failed = 0;
			continue; /* an unreadable sibling is not our key */
		}
		if (nb.len == want && ha_ascii_casecmp(ha_buf_cstr(&nb), name) == 0) {
			*child = kids[i];
			break;
		}
	}
	ha_buf_free(&nb);
	free(kids);
	return HA_OK;
}

int ha_hive_values(struct ha_hive *hv, ha_node n, ha_vnode **vals, size_t *count,
                   struct ha_err *err)
{
	hive_value_h *list;
	size_t i;

	if (hv->rt) {
		if (ha_rt_values(hv->rt, n, vals, count) != HA_OK)
			return ha_err_set(err, HA_ERR_HIVE, "value list unreadable: out of memory");
		return HA_OK;
	}
	errno = 0;
	list = hivex_node_values(hv->h, n);
	if (!list)
		return explain(hv, errno, "value list unreadable", err);
	for (i = 0; list[i]; i++)
		;
	*vals = list;
	*count = i;
	return HA_OK;
}

int ha_hive_value_data(struct ha_hive *hv, ha_vnode v, size_t max, uint32_t *type, uint8_t **data,
                       uint32_t *len, struct ha_err *err)
{
	hive_type t = 0, t2 = 0;
	size_t l = 0, l2 = 0;
	char *p;

	*data = NULL;
	*len = 0;
	if (hv->rt)
		return ha_rt_value_data(hv->rt, v, max, type, data, len, err);
	errno = 0;
	if (hivex_value_type(hv->h, v, &t, &l) != 0)
		return explain(hv, errno, "value header unreadable", err);
	*type = (uint32_t)t;
	/* hivex answers EFAULT for empty data stored out of line; empty is
	 * empty however it is stored. */
	if (l == 0)
		return HA_OK;
	if (l > hv->size)
		return ha_err_set(err, HA_ERR_HIVE,
		                  "value data length %zu is larger than the hive (%zu bytes)", l,
		                  hv->size);
	if (l > max)
		return ha_err_set(err, HA_ERR_LIMIT,
		                  "value data is %zu bytes, more than the %zu kept", l, max);
	errno = 0;
	/* Always pass both out-parameters: hivex dereferences len for big-data
	 * values even when the caller passes NULL. */
	p = hivex_value_value(hv->h, v, &t2, &l2);
	if (!p)
		return explain(hv, errno, "value data unreadable", err);
	if (l2 != l || l2 > UINT32_MAX) {
		free(p);
		return ha_err_set(err, HA_ERR_HIVE,
		                  "value data length changed between reads (%zu, %zu)", l, l2);
	}
	*data = (uint8_t *)p;
	*len = (uint32_t)l2;
	return HA_OK;
}
