/* regtext.c: .reg text exports, parsed into an in-memory registry tree that
 * the registry reader serves like a hive (registry.c dispatches to it).
 *
 * (Over 1,000 lines: a hand-written, bounds-checked parser of every .reg
 * value form and both encodings, and the in-memory tree it serves.)
 *
 * An auditor sometimes holds `regedit /e` or `reg export` output instead of
 * hive files.  This parser turns such a file into the keys and values a
 * hive would have given, with the raw data bytes a hive would hold (REG_SZ
 * as UTF-16LE with its terminating NUL, DWORD as 4 little-endian bytes), so
 * that facts, the control set and the rules work unchanged.  It does not
 * write .reg files, and it keeps only HKEY_LOCAL_MACHINE\SYSTEM and
 * HKEY_LOCAL_MACHINE\SOFTWARE: other roots are counted and ignored.
 *
 * FORMAT (regedit; wine programs/reg; reference/collections.md section 7)
 *
 *   encoding   UTF-16LE with BOM FF FE ("Windows Registry Editor Version
 *              5.00", what regedit writes), UTF-8 with or without BOM, or
 *              ANSI (REGEDIT4): text that is not valid UTF-8 is read as
 *              Windows-1252.  UTF-16LE without a BOM is recognised by its
 *              first character; UTF-16BE is refused.
 *   line 1     the header: "Windows Registry Editor Version 5.00" or
 *              "REGEDIT4" (trailing blanks allowed).  A header line later
 *              in the file (two exports concatenated) is skipped.
 *   lines      end in CRLF or LF.  Blank lines and lines whose first
 *              non-blank character is ';' are ignored.
 *   [KEY]      a key: HKEY_LOCAL_MACHINE\SYSTEM\... (or HKLM\...), the
 *              name up to the last ']' on the line.  A key given twice is
 *              one key: its values are merged, a later value of the same
 *              name replaces the earlier one.  Intermediate keys need not
 *              be given.  Empty components ("A\\B") are an error.
 *   [-KEY]     deletes the key and its subtree (an import file's form).
 *   "name"=D   a value of the last key; @=D is the default value.  In
 *              names and strings \\ is '\' and \" is '"' (also \n and \r,
 *              which wine writes); any other backslash stays as it is.
 *   "name"=-   deletes the value.
 *   D          "text"            REG_SZ
 *              dword:XXXXXXXX    REG_DWORD, 1 to 8 hex digits
 *              hex:bb,bb,...     REG_BINARY
 *              hex(N):bb,...     type N (hex, 1 to 8 digits): hex(0) NONE,
 *                                hex(2) EXPAND_SZ, hex(7) MULTI_SZ, hex(b)
 *                                QWORD, ...; bytes are 1 or 2 hex digits,
 *                                comma separated, blanks allowed around them
 *   continuation  a hex line ending in '\' goes on on the next line
 *              (regedit wraps at 77 characters and indents by two spaces).
 *   REGEDIT4   strings and the bytes of hex(1), hex(2) and hex(7) are ANSI
 *              (one byte a character); they are widened to UTF-16LE, which
 *              is what the hive holds.
 *
 * Anything else is an error with its line number ("line 12: dword: needs 1
 * to 8 hex digits"; a NUL byte in 8-bit text, found before lines are
 * counted, by its offset); the first error stops the parse, since a
 * half-read export would make what it did not read look absent.
 *
 * COVERAGE.  An export holds part of a hive.  A key given by a key line is
 * known with all its values and subkeys (regedit writes every key of the
 * exported sub-tree, including those without values), and so is every key
 * below it.  A key that exists only as the parent of a given key is not:
 * its values and its other subkeys were not exported.  ha_rt_path_covered()
 * answers, for a path, whether the export can tell what is there; the
 * reader makes lookups outside the exported sub-trees UNKNOWN.
 *
 * CURRENTCONTROLSET.  Exporting HKLM\SYSTEM\CurrentControlSet writes key
 * names under CurrentControlSet, which no hive holds.  After the parse the
 * CurrentControlSet tree is moved to ControlSetNNN, N being Select\Current
 * when the export holds it and 1 otherwise; when ControlSetNNN is exported
 * as well the two are merged (ControlSetNNN's own values win).  The info
 * block says which.
 *
 * LIMITS (struct ha_regtext_limits; 0 takes the default): file size, line
 * length (after joining continuations), key depth, values per key, keys and
 * values in all. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest_internal.h"

#define RT_GIVEN   1u /* named by a key line (or a delete line) */
#define RT_DELETED 2u /* deleted by [-KEY]; a later key line revives it */

#define DEF_MAX_FILE       ((size_t)2 << 30)
#define DEF_MAX_LINE       ((size_t)16 << 20)
#define DEF_MAX_DEPTH      512
#define DEF_MAX_KEY_VALUES 100000
#define DEF_MAX_KEYS       20000000
#define DEF_MAX_VALUES     40000000

struct rt_node {
	char *name;
	uint32_t parent;
	uint32_t flags;
	uint32_t pos; /* index in the parent's kids */
	/* Subkeys and live values in file order.  A removal leaves a HOLE, so
	 * that deleting is O(1); the list is compacted when half of it is
	 * holes. */
	uint32_t nkids, capkids, kholes;
	uint32_t *kids;
	uint32_t nvals, capvals, vholes;
	uint32_t *vals;
};

struct rt_value {
	char *name;
	uint32_t node;
	uint32_t pos; /* index in the node's vals */
	uint32_t type;
	uint32_t len;
	int dead;
	uint8_t *data;
};

struct rt_hash {
	uint32_t *slot; /* index + 1; 0 is empty */
	size_t cap, used;
};

struct ha_regtext {
	int refs;
	struct rt_node *nodes; /* nodes[0] is HKEY_LOCAL_MACHINE */
	size_t nnodes, capnodes;
	struct rt_value *vals;
	size_t nvals, capvals;
	struct rt_hash nh, vh;
	uint32_t part[HA_NROLES]; /* node of SYSTEM / SOFTWARE, 0 when absent */
	struct ha_regtext_info info;
	struct ha_regtext_limits lim;
};

/* ------------------------------------------------------------ hashing */

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static uint32_t hash_of(uint32_t owner, const char *name)
{
	uint32_t h = 2166136261u ^ owner;
	int i;

	for (i = 0; i < 4; i++) {
		h ^= (owner >> (8 * i)) & 0xFF;
		h *= 16777619u;
	}
	for (; *name; name++) {
		h ^= (uint8_t)lower(*name);
		h *= 16777619u;
	}
	return h;
}

static const char *entry_name(const struct ha_regtext *rt, int isval, uint32_t i, uint32_t *owner)
{
	if (isval) {
		*owner = rt->vals[i].node;
		return rt->vals[i].name;
	}
	*owner = rt->nodes[i].parent;
	return rt->nodes[i].name;
}

/* The entry (node or value) called `name` under `owner`, or -1. */
static long hash_find(const struct ha_regtext *rt, int isval, uint32_t owner, const char *name)
{
	const struct rt_hash *h = isval ? &rt->vh : &rt->nh;
	size_t i;

	if (!h->cap)
		return -1;
	i = hash_of(owner, name) & (h->cap - 1);
	while (h->slot[i]) {
		uint32_t o, e = h->slot[i] - 1;
		const char *n = entry_name(rt, isval, e, &o);

		if (o == owner && ha_ascii_casecmp(n, name) == 0 && strlen(n) == strlen(name))
			return (long)e;
		i = (i + 1) & (h->cap - 1);
	}
	return -1;
}

static int hash_put(struct ha_regtext *rt, int isval, uint32_t e)
{
	struct rt_hash *h = isval ? &rt->vh : &rt->nh;
	uint32_t o;
	const char *n;
	size_t i;

	if ((h->used + 1) * 2 > h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 1024, j;
		uint32_t *s = calloc(cap, sizeof *s);

		if (!s)
			return HA_ERR_NOMEM;
		for (j = 0; j < h->cap; j++) {
			if (!h->slot[j])
				continue;
			n = entry_name(rt, isval, h->slot[j] - 1, &o);
			i = hash_of(o, n) & (cap - 1);
			while (s[i])
				i = (i + 1) & (cap - 1);
			s[i] = h->slot[j];
		}
		free(h->slot);
		h->slot = s;
		h->cap = cap;
	}
	n = entry_name(rt, isval, e, &o);
	i = hash_of(o, n) & (h->cap - 1);
	while (h->slot[i])
		i = (i + 1) & (h->cap - 1);
	h->slot[i] = e + 1;
	h->used++;
	return HA_OK;
}

/* --------------------------------------------------------------- tree */

static int push_u32(uint32_t **v, uint32_t *n, uint32_t *cap, uint32_t x)
{
	if (*n == *cap) {
		uint32_t c = *cap ? *cap * 2 : 4;
		uint32_t *p = realloc(*v, (size_t)c * sizeof *p);

		if (!p)
			return HA_ERR_NOMEM;
		*v = p;
		*cap = c;
	}
	(*v)[(*n)++] = x;
	return HA_OK;
}

#define HOLE UINT32_MAX

static void set_pos(struct ha_regtext *rt, int isval, uint32_t e, uint32_t pos)
{
	if (isval)
		rt->vals[e].pos = pos;
	else
		rt->nodes[e].pos = pos;
}

/* Appends entry x (a value when isval, else a subkey) to owner's list. */
static int list_add(struct ha_regtext *rt, int isval, uint32_t owner, uint32_t x)
{
	struct rt_node *nd = &rt->nodes[owner];
	uint32_t **v = isval ? &nd->vals : &nd->kids;
	uint32_t *n = isval ? &nd->nvals : &nd->nkids;
	uint32_t *cap = isval ? &nd->capvals : &nd->capkids;
	uint32_t *holes = isval ? &nd->vholes : &nd->kholes;

	if (*holes && *holes * 2 >= *n) {
		uint32_t i, j = 0;

		for (i = 0; i < *n; i++) {
			if ((*v)[i] == HOLE)
				continue;
			(*v)[j] = (*v)[i];
			set_pos(rt, isval, (*v)[j], j);
			j++;
		}
		*n = j;
		*holes = 0;
	}
	set_pos(rt, isval, x, *n);
	return push_u32(v, n, cap, x);
}

static void list_remove(struct ha_regtext *rt, int isval, uint32_t owner, uint32_t x)
{
	struct rt_node *nd = &rt->nodes[owner];
	uint32_t *v = isval ? nd->vals : nd->kids, n = isval ? nd->nvals : nd->nkids;
	uint32_t p = isval ? rt->vals[x].pos : rt->nodes[x].pos;

	if (p < n && v[p] == x) {
		v[p] = HOLE;
		if (isval)
			nd->vholes++;
		else
			nd->kholes++;
	}
}

/* The child `name` of `parent`, created when absent and revived when
 * deleted.  -1 with err set on a limit or allocation failure. */
static long child_get(struct ha_regtext *rt, uint32_t parent, const char *name, size_t nlen,
                      int create, struct ha_err *err)
{
	struct rt_node *nd;
	char *copy;
	long e;

	copy = ha_strndup(name, nlen);
	if (!copy) {
		ha_err_nomem(err);
		return -1;
	}
	e = hash_find(rt, 0, parent, copy);
	if (e >= 0) {
		free(copy);
		if (create && (rt->nodes[e].flags & RT_DELETED)) {
			rt->nodes[e].flags &= ~RT_DELETED;
			if (list_add(rt, 0, parent, (uint32_t)e)) {
				ha_err_nomem(err);
				return -1;
			}
		}
		return e;
	}
	if (!create) {
		free(copy);
		return -2;
	}
	if (rt->nnodes >= rt->lim.max_keys) {
		free(copy);
		ha_err_set(err, HA_ERR_LIMIT, "more than %zu keys", rt->lim.max_keys);
		return -1;
	}
	if (rt->nnodes == rt->capnodes) {
		size_t c = rt->capnodes ? rt->capnodes * 2 : 256;
		void *p = realloc(rt->nodes, c * sizeof *rt->nodes);

		if (!p) {
			free(copy);
			ha_err_nomem(err);
			return -1;
		}
		rt->nodes = p;
		rt->capnodes = c;
	}
	nd = &rt->nodes[rt->nnodes];
	memset(nd, 0, sizeof *nd);
	nd->name = copy;
	nd->parent = parent;
	e = (long)rt->nnodes++;
	if (hash_put(rt, 0, (uint32_t)e) || list_add(rt, 0, parent, (uint32_t)e)) {
		ha_err_nomem(err);
		return -1;
	}
	return e;
}

/* Marks a subtree deleted and drops its values.  Iterative, with a stack
 * of our own: the depth is bounded, but this costs nothing. */
static int delete_tree(struct ha_regtext *rt, uint32_t top)
{
	uint32_t *stack = NULL, n = 0, cap = 0, i;

	if (!(rt->nodes[top].flags & RT_DELETED))
		list_remove(rt, 0, rt->nodes[top].parent, top);
	if (push_u32(&stack, &n, &cap, top))
		return HA_ERR_NOMEM;
	while (n) {
		uint32_t x = stack[--n];

		rt->nodes[x].flags |= RT_DELETED;
		for (i = 0; i < rt->nodes[x].nvals; i++)
			if (rt->nodes[x].vals[i] != HOLE)
				rt->vals[rt->nodes[x].vals[i]].dead = 1;
		rt->nodes[x].nvals = 0;
		rt->nodes[x].vholes = 0;
		for (i = 0; i < rt->nodes[x].nkids; i++) {
			if (rt->nodes[x].kids[i] == HOLE)
				continue;
			if (push_u32(&stack, &n, &cap, rt->nodes[x].kids[i])) {
				free(stack);
				return HA_ERR_NOMEM;
			}
		}
		/* A revived key gets its subkeys back one by one as later key
		 * lines name them. */
		rt->nodes[x].nkids = 0;
		rt->nodes[x].kholes = 0;
	}
	free(stack);
	return HA_OK;
}

/* Sets (or replaces) a value of `node`; data is taken over (free'd on
 * failure). */
static int value_set(struct ha_regtext *rt, uint32_t node, const char *name, uint32_t type,
                     uint8_t *data, uint32_t len, struct ha_err *err)
{
	struct rt_node *nd = &rt->nodes[node];
	struct rt_value *v;
	long e = hash_find(rt, 1, node, name);

	if (e >= 0) {
		v = &rt->vals[e];
		free(v->data);
		v->data = data;
		v->len = len;
		v->type = type;
		if (v->dead) {
			if (nd->nvals - nd->vholes >= rt->lim.max_key_values)
				return ha_err_set(err, HA_ERR_LIMIT,
				                  "more than %zu values in one key",
				                  rt->lim.max_key_values);
			v->dead = 0;
			if (list_add(rt, 1, node, (uint32_t)e))
				return ha_err_nomem(err);
		}
		return HA_OK;
	}
	if (nd->nvals - nd->vholes >= rt->lim.max_key_values || rt->nvals >= rt->lim.max_values) {
		int inkey = nd->nvals - nd->vholes >= rt->lim.max_key_values;

		free(data);
		return ha_err_set(err, HA_ERR_LIMIT, "more than %zu values %s",
		                  inkey ? rt->lim.max_key_values : rt->lim.max_values,
		                  inkey ? "in one key" : "in all");
	}
	if (rt->nvals == rt->capvals) {
		size_t c = rt->capvals ? rt->capvals * 2 : 256;
		void *p = realloc(rt->vals, c * sizeof *rt->vals);

		if (!p) {
			free(data);
			return ha_err_nomem(err);
		}
		rt->vals = p;
		rt->capvals = c;
	}
	v = &rt->vals[rt->nvals];
	memset(v, 0, sizeof *v);
	v->name = ha_strdup(name);
	if (!v->name) {
		free(data);
		return ha_err_nomem(err);
	}
	v->node = node;
	v->type = type;
	v->data = data;
	v->len = len;
	e = (long)rt->nvals++;
	if (hash_put(rt, 1, (uint32_t)e) || list_add(rt, 1, node, (uint32_t)e))
		return ha_err_nomem(err);
	return HA_OK;
}

static void value_delete(struct ha_regtext *rt, uint32_t node, const char *name)
{
	long e = hash_find(rt, 1, node, name);

	if (e < 0 || rt->vals[e].dead)
		return;
	rt->vals[e].dead = 1;
	list_remove(rt, 1, node, (uint32_t)e);
	rt->info.values_deleted++;
}

/* ----------------------------------------------------------- decoding */

/* Windows-1252 bytes 0x80..0x9F (the rest is Latin-1); 0 = unassigned. */
static const uint16_t cp1252_hi[32] = {
        0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
        0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
        0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178,
};

static uint32_t ansi_cp(uint8_t b)
{
	if (b >= 0x80 && b < 0xA0)
		return cp1252_hi[b - 0x80] ? cp1252_hi[b - 0x80] : b;
	return b;
}

static void put_utf8(struct ha_buf *b, uint32_t cp)
{
	char u[4];

	if (cp < 0x80) {
		u[0] = (char)cp;
		ha_buf_add(b, u, 1);
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3F));
		ha_buf_add(b, u, 2);
	} else {
		u[0] = (char)(0xE0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		ha_buf_add(b, u, 3);
	}
}

/* The whole file as UTF-8 text in `out`.  U+0000 in UTF-16 text shows as
 * U+2400, so that the text holds no NUL; a NUL byte in 8-bit text is an
 * error.  (Line numbers are not known yet: an error here is "line 1" only
 * for a missing header, else the caller reports the byte.) */
static int decode(const uint8_t *p, size_t n, struct ha_regtext_info *info, struct ha_buf *out,
                  struct ha_err *err)
{
	size_t i;

	if (n >= 2 && p[0] == 0xFE && p[1] == 0xFF)
		return ha_err_set(err, HA_ERR_FORMAT,
		                  "line 1: UTF-16BE text; regedit writes UTF-16LE");
	if (n >= 2 && p[0] == 0xFF && p[1] == 0xFE) {
		snprintf(info->encoding, sizeof info->encoding, "UTF-16LE");
		ha_utf16le_to_utf8(out, p + 2, n - 2, HA_U16_NUL_VISIBLE);
		return ha_buf_status(out);
	}
	if (n >= 4 && p[0] != 0 && p[1] == 0 && p[3] == 0) {
		snprintf(info->encoding, sizeof info->encoding, "UTF-16LE without BOM");
		ha_utf16le_to_utf8(out, p, n, HA_U16_NUL_VISIBLE);
		return ha_buf_status(out);
	}
	if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) {
		p += 3;
		n -= 3;
		snprintf(info->encoding, sizeof info->encoding, "UTF-8");
	} else {
		snprintf(info->encoding, sizeof info->encoding, "ASCII");
	}
	if (memchr(p, 0, n))
		return ha_err_set(err, HA_ERR_FORMAT, "a NUL byte at offset %zu in 8-bit text",
		                  (size_t)((const uint8_t *)memchr(p, 0, n) - p));
	if (ha_utf8_valid((const char *)p, n)) {
		for (i = 0; i < n && p[i] < 0x80; i++)
			;
		if (i < n && strcmp(info->encoding, "ASCII") == 0)
			snprintf(info->encoding, sizeof info->encoding, "UTF-8");
		ha_buf_add(out, p, n);
		return ha_buf_status(out);
	}
	snprintf(info->encoding, sizeof info->encoding, "Windows-1252");
	info->ansi = 1;
	for (i = 0; i < n; i++)
		put_utf8(out, ansi_cp(p[i]));
	return ha_buf_status(out);
}

/* ------------------------------------------------------------ parsing */

struct parser {
	struct ha_regtext *rt;
	const char *text; /* UTF-8, NUL-terminated */
	size_t len, pos;
	size_t lineno; /* of the line being read */
	long cur;      /* current key node; -1 none; -2 ignored key */
	struct ha_buf line;
	struct ha_err *err;
};

#define FAIL(ps, ...) fail_at(ps, __VA_ARGS__)
static int fail_at(struct parser *ps, const char *fmt, ...) HA_PRINTF(2, 3);
static int fail_at(struct parser *ps, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	struct ha_buf clean;
	size_t i;
	int rc;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	/* The message quotes the file: it becomes a hive's reason, so it must
	 * be valid UTF-8 (a quote may cut a character) without controls. */
	for (i = 0; msg[i]; i++)
		if ((unsigned char)msg[i] < 0x20 || msg[i] == 0x7f)
			msg[i] = '?';
	ha_buf_init(&clean, 0);
	ha_utf8_sanitize(&clean, msg, strlen(msg));
	rc = ha_err_set(ps->err, HA_ERR_FORMAT, "line %zu: %s", ps->lineno, ha_buf_cstr(&clean));
	ha_buf_free(&clean);
	return rc;
}

/* How much of a line an error message quotes. */
static int clip(size_t n)
{
	return n > 40 ? 40 : (int)n;
}

/* The next physical line without its CR/LF; 0 at the end. */
static int next_line(struct parser *ps, const char **s, size_t *n)
{
	const char *p, *e;

	if (ps->pos >= ps->len)
		return 0;
	p = ps->text + ps->pos;
	e = memchr(p, '\n', ps->len - ps->pos);
	*n = e ? (size_t)(e - p) : ps->len - ps->pos;
	ps->pos += *n + (e ? 1 : 0);
	if (*n && p[*n - 1] == '\r')
		(*n)--;
	*s = p;
	ps->lineno++;
	return 1;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int is_header(const char *s, size_t n)
{
	static const char v5[] = "Windows Registry Editor Version 5.00", v4[] = "REGEDIT4";

	/* A BOM repeated by a concatenation. */
	if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
		s += 3;
		n -= 3;
	}
	while (n && is_blank(s[n - 1]))
		n--;
	if (n == sizeof v5 - 1 && memcmp(s, v5, n) == 0)
		return 5;
	if (n == sizeof v4 - 1 && memcmp(s, v4, n) == 0)
		return 4;
	return 0;
}

/* A quoted string starting at s[*i] == '"': unescaped into out; *i ends
 * after the closing quote. */
static int quoted(struct parser *ps, const char *s, size_t n, size_t *i, struct ha_buf *out,
                  const char *what)
{
	size_t k = *i + 1;

	while (k < n && s[k] != '"') {
		if (s[k] == '\\' && k + 1 < n) {
			char c = s[k + 1];

			if (c == '\\' || c == '"')
				ha_buf_putc(out, c);
			else if (c == 'n')
				ha_buf_putc(out, '\n');
			else if (c == 'r')
				ha_buf_putc(out, '\r');
			else
				ha_buf_add(out, s + k, 2);
			k += 2;
			continue;
		}
		ha_buf_putc(out, s[k]);
		k++;
	}
	if (k >= n)
		return FAIL(ps, "%s: no closing quote", what);
	if (ha_buf_status(out))
		return FAIL(ps, "%s: too long", what);
	*i = k + 1;
	return HA_OK;
}

/* Only blanks or a ';' comment may follow the data. */
static int rest_empty(struct parser *ps, const char *s, size_t n, size_t i)
{
	while (i < n && is_blank(s[i]))
		i++;
	if (i < n && s[i] != ';')
		return FAIL(ps, "unexpected text after the value's data: '%.*s'", clip(n - i),
		            s + i);
	return HA_OK;
}

/* Hex bytes "bb,bb,..." (already joined across continuations). */
static int hex_bytes(struct parser *ps, const char *s, size_t n, size_t i, struct ha_buf *out)
{
	/* A trailing comma is allowed: regedit writes one before a wrap. */
	for (;;) {
		int h, l;

		while (i < n && is_blank(s[i]))
			i++;
		if (i >= n || s[i] == ';')
			break;
		h = hexval(s[i]);
		if (h < 0)
			return FAIL(ps, "hex data: '%c' is not a hex digit", s[i]);
		i++;
		l = i < n ? hexval(s[i]) : -1;
		if (l >= 0) {
			h = h * 16 + l;
			i++;
		}
		{
			uint8_t b = (uint8_t)h;

			ha_buf_add(out, &b, 1);
		}
		while (i < n && is_blank(s[i]))
			i++;
		if (i >= n || s[i] == ';')
			break;
		if (s[i] != ',')
			return FAIL(ps, "hex data: expected ',' after a byte, found '%c'", s[i]);
		i++;
	}
	if (ha_buf_status(out))
		return FAIL(ps, "hex data: too long");
	return HA_OK;
}

/* Widens ANSI bytes (REGEDIT4 strings and hex(1)/(2)/(7)) to UTF-16LE. */
static void widen_ansi(const uint8_t *p, size_t n, struct ha_buf *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint32_t cp = ansi_cp(p[i]);
		uint8_t u[2] = {(uint8_t)cp, (uint8_t)(cp >> 8)};

		ha_buf_add(out, u, 2);
	}
}

static int key_line(struct parser *ps, const char *s, size_t n)
{
	struct ha_regtext *rt = ps->rt;
	const char *name, *end, *p;
	size_t nlen, depth = 0;
	int del = 0, part;
	long node = 0;

	/* The name runs to the last ']' (key names may hold ']'). */
	end = NULL;
	for (p = s + n; p > s; p--)
		if (p[-1] == ']') {
			end = p - 1;
			break;
		}
	if (!end || end == s)
		return FAIL(ps, "a key line without its closing ']'");
	for (p = end + 1; p < s + n; p++)
		if (!is_blank(*p))
			return FAIL(ps, "unexpected text after a key name: '%.*s'",
			            clip((size_t)(s + n - p)), p);
	name = s + 1;
	if (name < end && *name == '-') {
		del = 1;
		name++;
	}
	nlen = (size_t)(end - name);
	if (!nlen)
		return FAIL(ps, "an empty key name");
	/* The root and the hive. */
	p = memchr(name, '\\', nlen);
	{
		size_t rl = p ? (size_t)(p - name) : nlen;

		if (!((rl == 18 && ha_ascii_ncasecmp(name, "HKEY_LOCAL_MACHINE", 18) == 0) ||
		      (rl == 4 && ha_ascii_ncasecmp(name, "HKLM", 4) == 0))) {
			static const char *const roots[] = {"HKEY_CURRENT_USER",
			                                    "HKEY_USERS",
			                                    "HKEY_CLASSES_ROOT",
			                                    "HKEY_CURRENT_CONFIG",
			                                    "HKCU",
			                                    "HKU",
			                                    "HKCR",
			                                    "HKCC"};
			size_t r;

			for (r = 0; r < sizeof roots / sizeof roots[0]; r++)
				if (rl == strlen(roots[r]) &&
				    ha_ascii_ncasecmp(name, roots[r], rl) == 0)
					break;
			if (r == sizeof roots / sizeof roots[0])
				return FAIL(ps, "'%.*s' is not a registry root key",
				            (int)(rl > 60 ? 60 : rl), name);
			rt->info.keys_ignored++;
			ps->cur = -2;
			return HA_OK;
		}
	}
	if (!p) {
		rt->info.keys_ignored++; /* HKEY_LOCAL_MACHINE itself holds no values we use */
		ps->cur = -2;
		return HA_OK;
	}
	name = p + 1;
	nlen = (size_t)(end - name);
	p = memchr(name, '\\', nlen);
	{
		size_t hl = p ? (size_t)(p - name) : nlen;

		if (hl == 6 && ha_ascii_ncasecmp(name, "SYSTEM", 6) == 0)
			part = HA_SYSTEM;
		else if (hl == 8 && ha_ascii_ncasecmp(name, "SOFTWARE", 8) == 0)
			part = HA_SOFTWARE;
		else if (!hl)
			return FAIL(ps, "an empty key name component");
		else {
			rt->info.keys_ignored++; /* SAM, SECURITY, HARDWARE, BCD00000000, ... */
			ps->cur = -2;
			return HA_OK;
		}
		node = child_get(rt, 0, part == HA_SYSTEM ? "SYSTEM" : "SOFTWARE",
		                 part == HA_SYSTEM ? 6 : 8, !del, ps->err);
		if (node == -1)
			return FAIL(ps, "%s", ps->err->msg);
		if (node == -2) {
			/* Deleting what was never there: nothing to do. */
			ps->cur = -2;
			return HA_OK;
		}
		rt->part[part] = (uint32_t)node;
		if (!del)
			rt->info.has[part] = 1;
		if (p && p + 1 == end)
			return FAIL(ps, "an empty key name component");
		name = p ? p + 1 : end;
	}
	while (name < end) {
		const char *q = memchr(name, '\\', (size_t)(end - name));
		size_t cl = q ? (size_t)(q - name) : (size_t)(end - name);
		long c;

		if (!cl)
			return FAIL(ps, "an empty key name component");
		if (++depth + 1 > rt->lim.max_depth)
			return FAIL(ps, "key deeper than %zu levels", rt->lim.max_depth);
		c = child_get(rt, (uint32_t)node, name, cl, !del, ps->err);
		if (c == -1)
			return FAIL(ps, "%s", ps->err->msg);
		if (c == -2) {
			ps->cur = -2; /* deleting an absent key: it is absent */
			node = -2;
			break;
		}
		node = c;
		name = q ? q + 1 : end;
		if (q && q + 1 == end)
			return FAIL(ps, "an empty key name component");
	}
	if (del) {
		if (node >= 0) {
			if (!(rt->nodes[node].flags & RT_DELETED))
				rt->info.keys_deleted++;
			rt->nodes[node].flags |= RT_GIVEN;
			if (delete_tree(rt, (uint32_t)node))
				return ha_err_nomem(ps->err);
		}
		ps->cur = -2;
		return HA_OK;
	}
	if (!(rt->nodes[node].flags & RT_GIVEN))
		rt->info.keys++;
	rt->nodes[node].flags |= RT_GIVEN;
	ps->cur = node;
	return HA_OK;
}

/* A value line.  The data of hex forms may continue on the next lines. */
static int value_line(struct parser *ps, const char *s, size_t n)
{
	struct ha_regtext *rt = ps->rt;
	struct ha_buf name, data;
	size_t i = 0;
	const char *d;
	size_t dn;
	uint32_t type;
	int rc = HA_OK;

	ha_buf_init(&name, 65536);
	ha_buf_init(&data, rt->lim.max_line);
	if (s[0] == '@') {
		i = 1;
	} else if (s[0] == '"') {
		rc = quoted(ps, s, n, &i, &name, "value name");
		if (rc)
			goto out;
	} else {
		rc = FAIL(ps, "expected '[', '\"' or '@' at the start of a line, found '%.*s'",
		          clip(n), s);
		goto out;
	}
	while (i < n && is_blank(s[i]))
		i++;
	if (i >= n || s[i] != '=') {
		rc = FAIL(ps, "expected '=' after the value name");
		goto out;
	}
	i++;
	while (i < n && is_blank(s[i]))
		i++;
	if (ps->cur == -1) {
		rc = FAIL(ps, "a value before any key");
		goto out;
	}
	d = s + i;
	dn = n - i;
	if (dn >= 3 && ha_ascii_ncasecmp(d, "hex", 3) == 0) {
		/* Join continuation lines into ps->line, then parse from there. */
		const char *ls;
		size_t ln, hi;

		ha_buf_truncate(&ps->line, 0);
		ha_buf_add(&ps->line, d, dn);
		for (;;) {
			size_t L = ps->line.len;

			while (L && is_blank(ps->line.data[L - 1]))
				L--;
			if (!L || ps->line.data[L - 1] != '\\')
				break;
			ha_buf_truncate(&ps->line, L - 1);
			if (!next_line(ps, &ls, &ln)) {
				rc = FAIL(ps, "a continued line at the end of the file");
				goto out;
			}
			while (ln && is_blank(*ls)) {
				ls++;
				ln--;
			}
			ha_buf_add(&ps->line, ls, ln);
			if (ha_buf_status(&ps->line)) {
				rc = FAIL(ps, "a line longer than %zu bytes", rt->lim.max_line);
				goto out;
			}
		}
		d = ha_buf_cstr(&ps->line);
		dn = ps->line.len;
		hi = 3;
		if (hi < dn && d[hi] == '(') {
			uint32_t t = 0;
			size_t nd = 0;

			hi++;
			while (hi < dn && hexval(d[hi]) >= 0 && nd < 9) {
				t = t * 16 + (uint32_t)hexval(d[hi]);
				hi++;
				nd++;
			}
			if (!nd || nd > 8 || hi >= dn || d[hi] != ')') {
				rc = FAIL(ps, "hex(N): N must be 1 to 8 hex digits");
				goto out;
			}
			hi++;
			type = t;
		} else {
			type = HA_REG_BINARY;
		}
		if (hi >= dn || d[hi] != ':') {
			rc = FAIL(ps, "expected ':' after hex");
			goto out;
		}
		rc = hex_bytes(ps, d, dn, hi + 1, &data);
		if (rc)
			goto out;
		if (rt->info.format == 4 &&
		    (type == HA_REG_SZ || type == HA_REG_EXPAND_SZ || type == HA_REG_MULTI_SZ)) {
			struct ha_buf w;

			ha_buf_init(&w, rt->lim.max_line * 2);
			widen_ansi((const uint8_t *)data.data, data.len, &w);
			ha_buf_free(&data);
			data = w;
		}
	} else if (dn >= 6 && ha_ascii_ncasecmp(d, "dword:", 6) == 0) {
		uint32_t v = 0;
		size_t k = 6, nd = 0;
		uint8_t b[4];

		while (k < dn && hexval(d[k]) >= 0) {
			v = v * 16 + (uint32_t)hexval(d[k]);
			k++;
			nd++;
			if (nd > 8)
				break;
		}
		if (!nd || nd > 8) {
			rc = FAIL(ps, "dword: needs 1 to 8 hex digits");
			goto out;
		}
		rc = rest_empty(ps, d, dn, k);
		if (rc)
			goto out;
		type = HA_REG_DWORD;
		ha_put_le32(b, v);
		ha_buf_add(&data, b, 4);
	} else if (dn >= 1 && d[0] == '"') {
		struct ha_buf str;
		size_t k = 0;

		ha_buf_init(&str, rt->lim.max_line);
		rc = quoted(ps, d, dn, &k, &str, "string");
		if (!rc)
			rc = rest_empty(ps, d, dn, k);
		if (!rc)
			ha_utf8_to_utf16le(&data, ha_buf_cstr(&str));
		ha_buf_free(&str);
		if (rc)
			goto out;
		type = HA_REG_SZ;
	} else if (dn >= 1 && d[0] == '-') {
		rc = rest_empty(ps, d, dn, 1);
		if (!rc && ps->cur >= 0)
			value_delete(rt, (uint32_t)ps->cur, ha_buf_cstr(&name));
		goto out;
	} else {
		rc = FAIL(ps,
		          "unknown value data '%.*s' (expected \"text\", dword:, hex: or hex(N):)",
		          clip(dn), d);
		goto out;
	}
	if (ha_buf_status(&data) || data.len > UINT32_MAX) {
		rc = ha_buf_status(&data) == HA_ERR_NOMEM ? ha_err_nomem(ps->err)
		                                          : FAIL(ps, "value data too long");
		goto out;
	}
	if (ps->cur < 0) {
		rt->info.values_ignored++;
		goto out;
	}
	{
		size_t len = data.len;
		uint8_t *bytes = (uint8_t *)ha_buf_detach(&data, NULL);

		if (!bytes) {
			rc = ha_err_nomem(ps->err);
			goto out;
		}
		rc = value_set(rt, (uint32_t)ps->cur, ha_buf_cstr(&name), type, bytes,
		               (uint32_t)len, ps->err);
		if (rc == HA_ERR_LIMIT)
			rc = FAIL(ps, "%s", ps->err->msg);
		if (!rc)
			rt->info.values++;
	}
out:
	ha_buf_free(&name);
	ha_buf_free(&data);
	return rc;
}

/* Moves CurrentControlSet's subtree `from` into `to` (both live nodes):
 * keys missing in `to` are created, values missing in `to` are copied. */
static int merge_into(struct ha_regtext *rt, uint32_t from, uint32_t to, struct ha_err *err)
{
	uint32_t i;

	if (rt->nodes[from].flags & RT_GIVEN)
		rt->nodes[to].flags |= RT_GIVEN;
	for (i = 0; i < rt->nodes[from].nvals; i++) {
		struct rt_value *v;
		long e;
		uint8_t *copy;
		int rc;

		if (rt->nodes[from].vals[i] == HOLE)
			continue;
		v = &rt->vals[rt->nodes[from].vals[i]];
		e = hash_find(rt, 1, to, v->name);
		if (e >= 0 && !rt->vals[e].dead)
			continue;
		copy = v->len ? malloc(v->len) : NULL;
		if (v->len && !copy)
			return ha_err_nomem(err);
		if (v->len)
			memcpy(copy, v->data, v->len);
		/* v may move when the values array grows: copy its fields first. */
		{
			char *nm = ha_strdup(v->name);
			uint32_t ty = v->type, ln = v->len;

			if (!nm) {
				free(copy);
				return ha_err_nomem(err);
			}
			rc = value_set(rt, to, nm, ty, copy, ln, err);
			free(nm);
		}
		if (rc)
			return rc;
	}
	for (i = 0; i < rt->nodes[from].nkids; i++) {
		uint32_t k = rt->nodes[from].kids[i];
		char *nm;
		long c;
		int rc;

		if (k == HOLE)
			continue;
		nm = ha_strdup(rt->nodes[k].name);
		if (!nm)
			return ha_err_nomem(err);
		c = child_get(rt, to, nm, strlen(nm), 1, err);
		free(nm);
		if (c < 0)
			return err->code ? err->code : HA_ERR_NOMEM;
		rc = merge_into(rt, k, (uint32_t)c, err);
		if (rc)
			return rc;
	}
	return HA_OK;
}

static int map_current_control_set(struct ha_regtext *rt, struct ha_err *err)
{
	uint32_t sys = rt->part[HA_SYSTEM], n = 1;
	long ccs, sel, cur, tgt;
	char name[32];

	if (!sys)
		return HA_OK;
	ccs = hash_find(rt, 0, sys, "CurrentControlSet");
	if (ccs < 0 || (rt->nodes[ccs].flags & RT_DELETED))
		return HA_OK;
	sel = hash_find(rt, 0, sys, "Select");
	cur = sel >= 0 && !(rt->nodes[sel].flags & RT_DELETED)
	              ? hash_find(rt, 1, (uint32_t)sel, "Current")
	              : -1;
	if (cur >= 0 && !rt->vals[cur].dead && rt->vals[cur].type == HA_REG_DWORD &&
	    rt->vals[cur].len == 4 && ha_le32(rt->vals[cur].data) >= 1 &&
	    ha_le32(rt->vals[cur].data) <= 999) {
		n = ha_le32(rt->vals[cur].data);
		snprintf(rt->info.ccs_note, sizeof rt->info.ccs_note,
		         "the export's CurrentControlSet keys were read as ControlSet%03u "
		         "(Select\\Current = %u in the export)",
		         n, n);
	} else if (cur >= 0 && !rt->vals[cur].dead) {
		snprintf(rt->info.ccs_note, sizeof rt->info.ccs_note,
		         "the export's CurrentControlSet keys were read as ControlSet001 "
		         "(Select\\Current in the export is not a DWORD from 1 to 999)");
	} else {
		snprintf(rt->info.ccs_note, sizeof rt->info.ccs_note,
		         "the export's CurrentControlSet keys were read as ControlSet001 "
		         "(Select\\Current is not in the export)");
	}
	rt->info.ccs_mapped = (int)n;
	snprintf(name, sizeof name, "ControlSet%03u", n);
	tgt = hash_find(rt, 0, sys, name);
	if (tgt < 0 || (rt->nodes[tgt].flags & RT_DELETED)) {
		/* Rename in place: rehash the node under its new name. */
		struct rt_hash *h = &rt->nh;
		size_t i;
		char *nn = ha_strdup(name);

		if (!nn)
			return ha_err_nomem(err);
		if (tgt >= 0) {
			/* A deleted ControlSetNNN tombstone: give it a name no
			 * lookup can match, so that the renamed node is found. */
			free(rt->nodes[tgt].name);
			rt->nodes[tgt].name = ha_strdup("\\deleted");
			if (!rt->nodes[tgt].name) {
				free(nn);
				return ha_err_nomem(err);
			}
		}
		free(rt->nodes[ccs].name);
		rt->nodes[ccs].name = nn;
		/* Rebuild the node hash: renames are rare (once per export). */
		memset(h->slot, 0, h->cap * sizeof *h->slot);
		h->used = 0;
		for (i = 1; i < rt->nnodes; i++)
			if (hash_put(rt, 0, (uint32_t)i))
				return ha_err_nomem(err);
		return HA_OK;
	}
	{
		int rc = merge_into(rt, (uint32_t)ccs, (uint32_t)tgt, err);

		if (rc)
			return rc;
	}
	return delete_tree(rt, (uint32_t)ccs) ? ha_err_nomem(err) : HA_OK;
}

/* ---------------------------------------------------------- public API */

int ha_regtext_sniff(const uint8_t *p, size_t n)
{
	static const char v5[] = "Windows Registry Editor Version 5.00", v4[] = "REGEDIT4";
	size_t i, k;
	char a[48];

	if (n >= 2 && p[0] == 0xFF && p[1] == 0xFE) {
		p += 2;
		n -= 2;
		for (i = 0, k = 0; k + 1 < n && i < sizeof a - 1; k += 2) {
			if (p[k + 1] != 0)
				return 0;
			a[i++] = (char)p[k];
		}
	} else if (n >= 4 && p[0] != 0 && p[1] == 0 && p[3] == 0) {
		for (i = 0, k = 0; k + 1 < n && i < sizeof a - 1; k += 2) {
			if (p[k + 1] != 0)
				return 0;
			a[i++] = (char)p[k];
		}
	} else {
		if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) {
			p += 3;
			n -= 3;
		}
		for (i = 0; i < n && i < sizeof a - 1; i++)
			a[i] = (char)p[i];
	}
	a[i] = '\0';
	for (k = 0; k < 2; k++) {
		const char *h = k ? v4 : v5;
		size_t hl = strlen(h), j;

		if (i < hl || memcmp(a, h, hl) != 0)
			continue;
		for (j = hl; j < i && is_blank(a[j]); j++)
			;
		if (j == i || a[j] == '\r' || a[j] == '\n')
			return k ? 4 : 5;
	}
	return 0;
}

int ha_regtext_parse(const uint8_t *p, size_t n, const struct ha_regtext_limits *lim,
                     struct ha_regtext **out, struct ha_err *err)
{
	struct ha_regtext *rt;
	struct parser ps;
	struct ha_buf text;
	const char *s;
	size_t ln;
	int rc = HA_OK;

	*out = NULL;
	rt = calloc(1, sizeof *rt);
	if (!rt)
		return ha_err_nomem(err);
	rt->refs = 1;
	if (lim)
		rt->lim = *lim;
	if (!rt->lim.max_file)
		rt->lim.max_file = DEF_MAX_FILE;
	if (!rt->lim.max_line)
		rt->lim.max_line = DEF_MAX_LINE;
	if (!rt->lim.max_depth)
		rt->lim.max_depth = DEF_MAX_DEPTH;
	if (!rt->lim.max_key_values)
		rt->lim.max_key_values = DEF_MAX_KEY_VALUES;
	if (!rt->lim.max_keys)
		rt->lim.max_keys = DEF_MAX_KEYS;
	if (!rt->lim.max_values)
		rt->lim.max_values = DEF_MAX_VALUES;
	if (n > rt->lim.max_file) {
		size_t max = rt->lim.max_file;

		ha_regtext_free(rt);
		return ha_err_set(err, HA_ERR_LIMIT,
		                  "the export is %zu bytes, more than the %zu read", n, max);
	}
	/* nodes[0]: HKEY_LOCAL_MACHINE, never given, never listed. */
	rt->nodes = calloc(256, sizeof *rt->nodes);
	if (!rt->nodes) {
		ha_regtext_free(rt);
		return ha_err_nomem(err);
	}
	rt->capnodes = 256;
	rt->nnodes = 1;
	rt->nodes[0].name = ha_strdup("HKEY_LOCAL_MACHINE");
	if (!rt->nodes[0].name) {
		ha_regtext_free(rt);
		return ha_err_nomem(err);
	}

	ha_buf_init(&text, n > SIZE_MAX / 2 - 16 ? SIZE_MAX / 2 : n * 2 + 16);
	rc = decode(p, n, &rt->info, &text, err);
	if (rc) {
		if (rc == HA_ERR_LIMIT || rc == HA_ERR_NOMEM)
			ha_err_set(err, rc, "out of memory decoding the export");
		ha_buf_free(&text);
		ha_regtext_free(rt);
		return rc;
	}
	memset(&ps, 0, sizeof ps);
	ps.rt = rt;
	ps.text = ha_buf_cstr(&text);
	ps.len = text.len;
	ps.cur = -1;
	ps.err = err;
	ha_buf_init(&ps.line, rt->lim.max_line);

	if (!next_line(&ps, &s, &ln) || !(rt->info.format = is_header(s, ln))) {
		ps.lineno = 1;
		rc = FAIL(&ps, "not a .reg export: the first line is not \"Windows Registry Editor "
		               "Version 5.00\" or \"REGEDIT4\"");
		goto out;
	}
	while (!rc && next_line(&ps, &s, &ln)) {
		size_t k = 0;

		if (ln > rt->lim.max_line) {
			rc = FAIL(&ps, "a line longer than %zu bytes", rt->lim.max_line);
			break;
		}
		/* A BOM left by a concatenation of UTF-16 exports. */
		if (ln >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
			s += 3;
			ln -= 3;
		}
		while (k < ln && is_blank(s[k]))
			k++;
		if (k == ln || s[k] == ';')
			continue;
		if (is_header(s + k, ln - k))
			continue;
		if (s[k] == '[')
			rc = key_line(&ps, s + k, ln - k);
		else
			rc = value_line(&ps, s + k, ln - k);
	}
	if (!rc)
		rc = map_current_control_set(rt, err);
out:
	ha_buf_free(&ps.line);
	ha_buf_free(&text);
	if (rc) {
		ha_regtext_free(rt);
		return rc;
	}
	*out = rt;
	return HA_OK;
}

void ha_regtext_free(struct ha_regtext *rt)
{
	size_t i;

	if (!rt || --rt->refs > 0)
		return;
	for (i = 0; i < rt->nnodes; i++) {
		free(rt->nodes[i].name);
		free(rt->nodes[i].kids);
		free(rt->nodes[i].vals);
	}
	for (i = 0; i < rt->nvals; i++) {
		free(rt->vals[i].name);
		free(rt->vals[i].data);
	}
	free(rt->nodes);
	free(rt->vals);
	free(rt->nh.slot);
	free(rt->vh.slot);
	free(rt);
}

struct ha_regtext *ha_regtext_ref(struct ha_regtext *rt)
{
	rt->refs++;
	return rt;
}

const struct ha_regtext_info *ha_regtext_info(const struct ha_regtext *rt)
{
	return &rt->info;
}

/* The live node at `path` (backslash-separated, relative to the part), or
 * -1; *deepest is the last node that exists on the way (live or deleted). */
static long find_path(const struct ha_regtext *rt, int role, const char *path, long *deepest)
{
	long cur = rt->part[role] ? (long)rt->part[role] : -1;
	const char *p = path;
	char comp[1024];

	*deepest = cur;
	if (cur < 0)
		return -1;
	while (*p) {
		const char *e = strchr(p, '\\');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		long c;

		if (l >= sizeof comp)
			return -1;
		memcpy(comp, p, l);
		comp[l] = '\0';
		c = hash_find(rt, 0, (uint32_t)cur, comp);
		if (c < 0)
			return -1;
		cur = c;
		*deepest = cur;
		if (rt->nodes[cur].flags & RT_DELETED)
			return -1;
		p = e ? e + 1 : p + l;
	}
	return cur;
}

static int covered_node(const struct ha_regtext *rt, long n)
{
	while (n > 0) {
		if (rt->nodes[n].flags & RT_GIVEN)
			return 1;
		n = (long)rt->nodes[n].parent;
	}
	return 0;
}

/* The sub-trees the export gives for a part, for messages: up to `max`
 * names, and the count. */
static void roots_of(const struct ha_regtext *rt, uint32_t n, struct ha_buf *out, size_t *count,
                     size_t max)
{
	uint32_t *stack = NULL, sn = 0, cap = 0, i;

	if (push_u32(&stack, &sn, &cap, n))
		return;
	while (sn) {
		uint32_t x = stack[--sn];

		if (rt->nodes[x].flags & RT_GIVEN) {
			if ((*count)++ < max) {
				struct ha_buf path;
				uint32_t y = x;
				const char *segs[DEF_MAX_DEPTH + 2];
				size_t ns = 0;

				ha_buf_init(&path, 4096);
				while (y && ns < sizeof segs / sizeof segs[0]) {
					segs[ns++] = rt->nodes[y].name;
					y = rt->nodes[y].parent;
				}
				ha_buf_puts(&path, "HKLM");
				while (ns)
					ha_buf_printf(&path, "\\%s", segs[--ns]);
				if (out->len)
					ha_buf_puts(out, ", ");
				ha_buf_add(out, path.data ? path.data : "", path.len);
				ha_buf_free(&path);
			}
			continue;
		}
		for (i = rt->nodes[x].nkids; i > 0; i--)
			if (rt->nodes[x].kids[i - 1] != HOLE &&
			    !(rt->nodes[rt->nodes[x].kids[i - 1]].flags & RT_DELETED) &&
			    push_u32(&stack, &sn, &cap, rt->nodes[x].kids[i - 1]))
				break;
	}
	free(stack);
}

char *ha_regtext_describe(const struct ha_regtext *rt, int role)
{
	struct ha_buf b, r;
	size_t count = 0;

	ha_buf_init(&b, 0);
	ha_buf_init(&r, 0);
	if (rt->part[role])
		roots_of(rt, rt->part[role], &r, &count, 3);
	ha_buf_printf(&b,
	              "read from a .reg text export (%s, %s), not a hive file: key times are "
	              "not recorded in an export, and the SHA-256 is the export file's; ",
	              rt->info.format == 4 ? "REGEDIT4" : "Windows Registry Editor Version 5.00",
	              rt->info.encoding);
	if (count == 1 && rt->part[role] && (rt->nodes[rt->part[role]].flags & RT_GIVEN))
		ha_buf_printf(&b, "exported: the whole of HKLM\\%s", ha_role_name(role));
	else if (count)
		ha_buf_printf(&b, "exported sub-tree%s: %s%s (keys elsewhere are unknown)",
		              count == 1 ? "" : "s", ha_buf_cstr(&r), count > 3 ? ", ..." : "");
	else
		ha_buf_puts(&b, "no exported sub-tree");
	if (count > 3)
		ha_buf_printf(&b, " (%zu in all)", count);
	if (role == HA_SYSTEM && rt->info.ccs_note[0])
		ha_buf_printf(&b, "; %s", rt->info.ccs_note);
	if (rt->info.keys_ignored)
		ha_buf_printf(&b, "; %zu key%s outside HKLM\\SYSTEM and HKLM\\SOFTWARE ignored",
		              rt->info.keys_ignored, rt->info.keys_ignored == 1 ? "" : "s");
	ha_buf_free(&r);
	return ha_buf_detach(&b, NULL);
}

int ha_regtext_has(const struct ha_regtext *rt, int role)
{
	return rt->part[role] != 0 && !(rt->nodes[rt->part[role]].flags & RT_DELETED);
}

int ha_regtext_get(const struct ha_regtext *rt, int role, const char *path, const char *value,
                   uint32_t *type, const uint8_t **data, uint32_t *len)
{
	long deepest, n = find_path(rt, role, path, &deepest), e;

	if (n < 0)
		return HA_ERR_NOTFOUND;
	if (!value)
		return HA_OK;
	e = hash_find(rt, 1, (uint32_t)n, value);
	if (e < 0 || rt->vals[e].dead)
		return HA_ERR_NOTFOUND;
	*type = rt->vals[e].type;
	*data = rt->vals[e].data;
	*len = rt->vals[e].len;
	return HA_OK;
}

/* ------------------------------------------- the registry reader backend */

/* Handles are node or value index + 1, so that 0 means none. */

ha_node ha_rt_root(const struct ha_regtext *rt, int role)
{
	return rt->part[role] ? (ha_node)rt->part[role] + 1 : 0;
}

static const struct rt_node *node_of(const struct ha_regtext *rt, ha_node n)
{
	return n >= 1 && n <= rt->nnodes ? &rt->nodes[n - 1] : NULL;
}

int ha_rt_node_name(const struct ha_regtext *rt, ha_node n, struct ha_buf *out)
{
	const struct rt_node *nd = node_of(rt, n);

	if (!nd)
		return HA_ERR_FORMAT;
	ha_buf_puts(out, nd->name);
	return ha_buf_status(out);
}

int ha_rt_children(const struct ha_regtext *rt, ha_node n, ha_node **kids, size_t *count)
{
	const struct rt_node *nd = node_of(rt, n);
	uint32_t i;

	*kids = NULL;
	*count = 0;
	if (!nd)
		return HA_ERR_FORMAT;
	*kids = malloc(((size_t)nd->nkids + 1) * sizeof **kids);
	if (!*kids)
		return HA_ERR_NOMEM;
	for (i = 0; i < nd->nkids; i++)
		if (nd->kids[i] != HOLE)
			(*kids)[(*count)++] = (ha_node)nd->kids[i] + 1;
	(*kids)[*count] = 0;
	return HA_OK;
}

ha_node ha_rt_child(const struct ha_regtext *rt, ha_node n, const char *name)
{
	long c;

	if (!node_of(rt, n))
		return 0;
	c = hash_find(rt, 0, (uint32_t)(n - 1), name);
	if (c < 0 || (rt->nodes[c].flags & RT_DELETED))
		return 0;
	return (ha_node)c + 1;
}

int ha_rt_values(const struct ha_regtext *rt, ha_node n, ha_vnode **vals, size_t *count)
{
	const struct rt_node *nd = node_of(rt, n);
	uint32_t i;

	*vals = NULL;
	*count = 0;
	if (!nd)
		return HA_ERR_FORMAT;
	*vals = malloc(((size_t)nd->nvals + 1) * sizeof **vals);
	if (!*vals)
		return HA_ERR_NOMEM;
	for (i = 0; i < nd->nvals; i++)
		if (nd->vals[i] != HOLE)
			(*vals)[(*count)++] = (ha_vnode)nd->vals[i] + 1;
	(*vals)[*count] = 0;
	return HA_OK;
}

int ha_rt_value_name(const struct ha_regtext *rt, ha_vnode v, struct ha_buf *out)
{
	if (v < 1 || v > rt->nvals)
		return HA_ERR_FORMAT;
	ha_buf_puts(out, rt->vals[v - 1].name);
	return ha_buf_status(out);
}

int ha_rt_value_data(const struct ha_regtext *rt, ha_vnode v, size_t max, uint32_t *type,
                     uint8_t **data, uint32_t *len, struct ha_err *err)
{
	const struct rt_value *x;

	*data = NULL;
	*len = 0;
	if (v < 1 || v > rt->nvals) {
		return ha_err_set(err, HA_ERR_HIVE, "no such value");
	}
	x = &rt->vals[v - 1];
	*type = x->type;
	if (!x->len)
		return HA_OK;
	if (x->len > max) {
		return ha_err_set(err, HA_ERR_LIMIT,
		                  "value data is %u bytes, more than the %zu kept", x->len, max);
	}
	*data = malloc(x->len);
	if (!*data)
		return ha_err_nomem(err);
	memcpy(*data, x->data, x->len);
	*len = x->len;
	return HA_OK;
}

int ha_rt_path_covered(const struct ha_regtext *rt, int role, const char *path, struct ha_err *err)
{
	long deepest;

	(void)find_path(rt, role, path, &deepest);
	if (deepest >= 0 && covered_node(rt, deepest))
		return 1;
	ha_err_set(
	        err, HA_ERR_NOTFOUND,
	        "HKLM\\%s\\%.300s is outside the sub-trees of HKLM\\%s that the .reg export holds, "
	        "so the export cannot tell what is there",
	        ha_role_name(role), path, ha_role_name(role));
	return 0;
}
