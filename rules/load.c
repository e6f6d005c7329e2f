/* load.c: rule files (YAML, parsed by libyaml) into the compiled form.
 *
 * (Over 1,000 lines: every field of the rule language is validated here with
 * its line and column; the check kinds' own parsers are in kinds.c and
 * suites.c.)
 *
 * The loader is strict: an unknown field, a wrong type, a missing required
 * field, a duplicate id or a reference to an unknown table is an error that
 * names the file, line and column.  A rule file is attacker-reachable input
 * (users pass their own), so:
 *   - the file size is capped (MAX_FILE);
 *   - a first pass over libyaml's events, before any document is built,
 *     refuses collections nested deeper than MAX_YAML_DEPTH (libyaml takes
 *     time quadratic in the nesting depth to build a document: a 4 MiB file
 *     of '[' would keep it busy for hours) and a second YAML document (it
 *     would be silently ignored);
 *   - the walk over the document is bounded in depth (MAX_DEPTH) and in the
 *     number of nodes visited (MAX_VISITS), because aliases let a small file
 *     describe an enormous tree ("billion laughs") or a cycle.
 *
 * The grammar is documented in docs/rules.md. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "rules_internal.h"
#include "yamlerr.h"

#define MAX_FILE       ((size_t)4 << 20)
#define MAX_DEPTH      24 /* checks and conditions inside one another */
#define MAX_YAML_DEPTH 64 /* YAML collections inside one another, checked before loading */
#define MAX_VISITS     200000
#define MAX_TEXT       16384

struct ld {
	yaml_document_t *doc;
	const char *name;
	struct ha_err *err;
	long visits;
	struct ha_ruleset *rs; /* for tables and stores */
	struct table **tables; /* tables of this file (visible to its rules) */
	size_t ntables;
	int view; /* while compiling a rule's 32-bit variant */
};

static int fail(struct ld *l, const yaml_node_t *n, const char *fmt, ...) HA_PRINTF(3, 4);
static int fail(struct ld *l, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = ha_yaml_vfail_at(l->err, l->name, n ? &n->start_mark : NULL, fmt, ap);
	va_end(ap);
	return rc;
}

static int nomem(struct ld *l)
{
	return ha_err_nomem(l->err);
}

static yaml_node_t *node_at(struct ld *l, int idx)
{
	return yaml_document_get_node(l->doc, idx);
}

static int visit(struct ld *l, const yaml_node_t *n, int depth)
{
	if (depth > MAX_DEPTH)
		return fail(l, n, "nested more than %d levels deep", MAX_DEPTH);
	if (++l->visits > MAX_VISITS)
		return fail(l, n, "the file expands to more than %d nodes (aliases?)", MAX_VISITS);
	return HA_OK;
}

static int is_scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE;
}
static int is_map(const yaml_node_t *n)
{
	return n && n->type == YAML_MAPPING_NODE;
}
static int is_seq(const yaml_node_t *n)
{
	return n && n->type == YAML_SEQUENCE_NODE;
}

static const char *sval(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

/* A scalar whose text holds a NUL (YAML's "\0" escape) would be cut short
 * where it is used as a C string: refused rather than truncated. */
static int has_nul(const yaml_node_t *n)
{
	return strlen(sval(n)) != n->data.scalar.length;
}

/* The first control character of a scalar (C0, DEL, or C1 U+0080..U+009F,
 * which a terminal may also take as the start of an escape sequence), or
 * -1.  Tab and line feed are text in multi-line fields; `one_line` refuses
 * them too.  A rule file cannot hold raw control characters (libyaml
 * refuses them), but double-quoted YAML writes them as escapes ("\e",
 * "\x1b", "\u009b"), and titles and reasons reach terminals and reports. */
static long control_char(const yaml_node_t *n, int one_line)
{
	const unsigned char *p = (const unsigned char *)sval(n);
	size_t i, len = n->data.scalar.length;

	for (i = 0; i < len; i++) {
		if (p[i] < 0x20 || p[i] == 0x7F) {
			if (!one_line && (p[i] == '\t' || p[i] == '\n'))
				continue;
			return p[i];
		}
		if (p[i] == 0xC2 && i + 1 < len && p[i + 1] >= 0x80 && p[i + 1] <= 0x9F)
			return p[i + 1];
	}
	return -1;
}

/* The value node for `key` in a mapping, or NULL. */
static yaml_node_t *get(struct ld *l, const yaml_node_t *map, const char *key)
{
	yaml_node_pair_t *p;

	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node_at(l, p->key);

		if (is_scalar(k) && strcmp(sval(k), key) == 0)
			return node_at(l, p->value);
	}
	return NULL;
}

/* Refuses keys outside `allowed` (typos must not pass silently) and
 * duplicate keys. */
static int only_keys(struct ld *l, const yaml_node_t *map, const char *const *allowed)
{
	yaml_node_pair_t *p, *q;

	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node_at(l, p->key);
		const char *const *a;

		if (!is_scalar(k))
			return fail(l, k, "a mapping key must be a plain word");
		for (a = allowed; *a; a++)
			if (strcmp(*a, sval(k)) == 0)
				break;
		if (!*a)
			return fail(l, k, "unknown field '%s'", sval(k));
		for (q = map->data.mapping.pairs.start; q < p; q++) {
			yaml_node_t *k2 = node_at(l, q->key);

			if (is_scalar(k2) && strcmp(sval(k2), sval(k)) == 0)
				return fail(l, k, "field '%s' given twice", sval(k));
		}
	}
	return HA_OK;
}

static int need_map(struct ld *l, const yaml_node_t *n, const char *what)
{
	return is_map(n) ? HA_OK : fail(l, n, "%s must be a mapping", what);
}

static int get_text(struct ld *l, const yaml_node_t *map, const char *key, int required, char **out)
{
	yaml_node_t *n = get(l, map, key);

	*out = NULL;
	if (!n) {
		if (required)
			return fail(l, map, "missing field '%s'", key);
		return HA_OK;
	}
	if (!is_scalar(n))
		return fail(l, n, "'%s' must be text", key);
	if (n->data.scalar.length > MAX_TEXT)
		return fail(l, n, "'%s' is longer than %d bytes", key, MAX_TEXT);
	if (has_nul(n))
		return fail(l, n, "'%s' holds a NUL character", key);
	if (!ha_utf8_valid(sval(n), n->data.scalar.length))
		return fail(l, n, "'%s' is not valid UTF-8 text", key);
	{
		/* A title is one line in every report and on the terminal. */
		long c = control_char(n, strcmp(key, "title") == 0);

		if (c >= 0)
			return fail(l, n, "'%s' holds the control character U+%04lX", key,
			            (unsigned long)c);
	}
	*out = ha_strdup(sval(n));
	return *out ? HA_OK : nomem(l);
}

static int scalar_u64(struct ld *l, const yaml_node_t *n, const char *what, uint64_t *out)
{
	if (!is_scalar(n) || ha_parse_u64(sval(n), out) != HA_OK)
		return fail(l, n, "%s must be a non-negative integer (decimal or 0x hex)", what);
	return HA_OK;
}

static int scalar_status(struct ld *l, const yaml_node_t *n, int *out)
{
	int st;

	if (!is_scalar(n) || (st = ha_status_from_name(sval(n))) < 0)
		return fail(l, n,
		            "status must be one of PASS, FAIL, WARN, NOT_APPLICABLE, UNKNOWN");
	*out = st;
	return HA_OK;
}

/* "6.1" -> {6, 1} */
static int scalar_nt(struct ld *l, const yaml_node_t *n, int v[2])
{
	const char *s;
	long a = 0, b = 0;

	if (!is_scalar(n))
		return fail(l, n, "an NT version must be written like \"6.1\"");
	s = sval(n);
	if (*s < '0' || *s > '9')
		return fail(l, n, "an NT version must be written like \"6.1\"");
	while (*s >= '0' && *s <= '9' && a < 100)
		a = a * 10 + (*s++ - '0');
	if (*s++ != '.' || *s < '0' || *s > '9')
		return fail(l, n, "an NT version must be written like \"6.1\"");
	while (*s >= '0' && *s <= '9' && b < 100)
		b = b * 10 + (*s++ - '0');
	if (*s || a >= 100 || b >= 100)
		return fail(l, n, "an NT version must be written like \"6.1\"");
	v[0] = (int)a;
	v[1] = (int)b;
	return HA_OK;
}

/* A scalar or a list of scalars, each mapped through `names` to a bit. */
static int word_mask(struct ld *l, const yaml_node_t *n, const char *what, const char *const *names,
                     const unsigned *bits, unsigned *mask)
{
	yaml_node_item_t *it;
	const yaml_node_t *one = n;

	*mask = 0;
	if (is_seq(n)) {
		it = n->data.sequence.items.start;
		if (it == n->data.sequence.items.top)
			return fail(l, n, "%s list is empty", what);
	} else {
		it = NULL;
	}
	for (;;) {
		size_t i;

		if (it)
			one = node_at(l, *it);
		if (!is_scalar(one))
			return fail(l, one, "%s must be a word or a list of words", what);
		for (i = 0; names[i]; i++)
			if (ha_ascii_caseeq(sval(one), names[i]))
				break;
		if (!names[i])
			return fail(l, one, "unknown %s '%s'", what, sval(one));
		*mask |= bits[i];
		if (!it || ++it >= n->data.sequence.items.top)
			break;
	}
	return HA_OK;
}

static void cond_init(struct cond *c)
{
	memset(c, 0, sizeof *c);
	c->build_min = c->build_max = -1;
	c->sp_min = c->sp_max = -1;
}

static void cond_free(struct cond *c)
{
	size_t i;

	for (i = 0; i < c->nany; i++)
		cond_free(&c->any[i]);
	free(c->any);
	free(c->describe);
	cond_init(c);
}

static int parse_cond(struct ld *l, const yaml_node_t *n, struct cond *c, int depth)
{
	static const char *const keys[] = {"nt",        "nt_min", "nt_max",   "build_min",
	                                   "build_max", "sp_min", "sp_max",   "product",
	                                   "arch",      "any",    "describe", NULL};
	static const char *const prod_names[] = {"client", "server", "dc", NULL};
	static const unsigned prod_bits[] = {1u << HA_PRODUCT_CLIENT,
	                                     (1u << HA_PRODUCT_SERVER) | (1u << HA_PRODUCT_DC),
	                                     1u << HA_PRODUCT_DC};
	static const char *const arch_names[] = {"x86", "x64", "ia64", "arm64", "64bit", NULL};
	static const unsigned arch_bits[] = {
	        1u << HA_ARCH_X86, 1u << HA_ARCH_X64, 1u << HA_ARCH_IA64, 1u << HA_ARCH_ARM64,
	        (1u << HA_ARCH_X64) | (1u << HA_ARCH_IA64) | (1u << HA_ARCH_ARM64)};
	yaml_node_t *v;
	uint64_t u;
	int rc;

	cond_init(c);
	if ((rc = visit(l, n, depth)) || (rc = need_map(l, n, "a condition")) ||
	    (rc = only_keys(l, n, keys)))
		return rc;
	c->set = 1;
	if ((v = get(l, n, "nt")) && (get(l, n, "nt_min") || get(l, n, "nt_max")))
		return fail(l, v, "give either 'nt' or 'nt_min'/'nt_max', not both");
	if ((v = get(l, n, "nt"))) {
		if ((rc = scalar_nt(l, v, c->nt_min)))
			return rc;
		c->nt_max[0] = c->nt_min[0];
		c->nt_max[1] = c->nt_min[1];
		c->has_nt_min = c->has_nt_max = 1;
	}
	if ((v = get(l, n, "nt_min"))) {
		if ((rc = scalar_nt(l, v, c->nt_min)))
			return rc;
		c->has_nt_min = 1;
	}
	if ((v = get(l, n, "nt_max"))) {
		if ((rc = scalar_nt(l, v, c->nt_max)))
			return rc;
		c->has_nt_max = 1;
	}
	if ((v = get(l, n, "build_min"))) {
		if ((rc = scalar_u64(l, v, "build_min", &u)))
			return rc;
		c->build_min = u > 0x7fffffff ? 0x7fffffff : (long)u;
	}
	if ((v = get(l, n, "build_max"))) {
		if ((rc = scalar_u64(l, v, "build_max", &u)))
			return rc;
		c->build_max = u > 0x7fffffff ? 0x7fffffff : (long)u;
	}
	if ((v = get(l, n, "sp_min"))) {
		if ((rc = scalar_u64(l, v, "sp_min", &u)))
			return rc;
		c->sp_min = u > 9 ? 9 : (int)u;
	}
	if ((v = get(l, n, "sp_max"))) {
		if ((rc = scalar_u64(l, v, "sp_max", &u)))
			return rc;
		c->sp_max = u > 9 ? 9 : (int)u;
	}
	if ((v = get(l, n, "product")) &&
	    (rc = word_mask(l, v, "product", prod_names, prod_bits, &c->products)))
		return rc;
	if ((v = get(l, n, "arch")) &&
	    (rc = word_mask(l, v, "architecture", arch_names, arch_bits, &c->arches)))
		return rc;
	if ((rc = get_text(l, n, "describe", 0, &c->describe)))
		return rc;
	if ((v = get(l, n, "any"))) {
		yaml_node_item_t *it;
		size_t k = 0;

		if (!is_seq(v) || v->data.sequence.items.start == v->data.sequence.items.top)
			return fail(l, v, "'any' must be a non-empty list of conditions");
		k = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
		c->any = calloc(k, sizeof *c->any);
		if (!c->any)
			return nomem(l);
		c->nany = k;
		for (k = 0; k < c->nany; k++)
			cond_init(&c->any[k]);
		for (it = v->data.sequence.items.start, k = 0; it < v->data.sequence.items.top;
		     it++, k++)
			if ((rc = parse_cond(l, node_at(l, *it), &c->any[k], depth + 1)))
				return rc;
	}
	return HA_OK;
}

/* -------------------------------------------------------------- tests */

static void test_free(struct test *t)
{
	size_t i;

	free(t->str);
	free(t->nums);
	for (i = 0; t->strs && i < t->nlist; i++)
		free(t->strs[i]);
	free(t->strs);
	memset(t, 0, sizeof *t);
}

static int numeric_types(unsigned types)
{
	return types && !(types & ~(TY_DWORD | TY_QWORD));
}

/* `test: nonzero | exists | {equals: X} | ...`; strings are allowed for
 * equals/not_equals/one_of when the value type is text. */
static int parse_test(struct ld *l, const yaml_node_t *n, unsigned types, struct test *t)
{
	static const struct {
		const char *name;
		enum test_op op;
	} ops[] = {{"equals", T_EQ},    {"not_equals", T_NE}, {"bits_set", T_BITS},
	           {"one_of", T_ONEOF}, {"at_least", T_GE},   {"at_most", T_LE}};
	const yaml_node_t *arg;
	yaml_node_pair_t *p;
	size_t i;
	int textual = (types & TY_SZ) && !(types & (TY_DWORD | TY_QWORD));

	memset(t, 0, sizeof *t);
	if (!n) {
		t->op = T_EXISTS;
		return HA_OK;
	}
	if (is_scalar(n)) {
		if (!strcmp(sval(n), "exists")) {
			t->op = T_EXISTS;
			return HA_OK;
		}
		if (!strcmp(sval(n), "nonzero")) {
			if (!numeric_types(types))
				return fail(l, n, "'nonzero' needs type dword or qword");
			t->op = T_NONZERO;
			return HA_OK;
		}
		return fail(l, n,
		            "unknown test '%s' (nonzero, exists, or a mapping such as {equals: 1})",
		            sval(n));
	}
	if (!is_map(n) || n->data.mapping.pairs.top - n->data.mapping.pairs.start != 1)
		return fail(l, n, "a test is 'nonzero', 'exists' or a mapping with one operator");
	p = n->data.mapping.pairs.start;
	if (!is_scalar(node_at(l, p->key)))
		return fail(l, n, "bad test");
	for (i = 0; i < sizeof ops / sizeof ops[0]; i++)
		if (!strcmp(sval(node_at(l, p->key)), ops[i].name))
			break;
	if (i == sizeof ops / sizeof ops[0])
		return fail(l, node_at(l, p->key), "unknown test operator '%s'",
		            sval(node_at(l, p->key)));
	t->op = ops[i].op;
	arg = node_at(l, p->value);
	if (t->op == T_ONEOF) {
		yaml_node_item_t *it;
		size_t k = 0;

		if (!is_seq(arg) || arg->data.sequence.items.start == arg->data.sequence.items.top)
			return fail(l, arg, "one_of needs a non-empty list");
		t->nlist = (size_t)(arg->data.sequence.items.top - arg->data.sequence.items.start);
		if (textual) {
			t->is_str = 1;
			t->strs = calloc(t->nlist, sizeof *t->strs);
		} else {
			t->nums = calloc(t->nlist, sizeof *t->nums);
		}
		if (!t->strs && !t->nums)
			return nomem(l);
		for (it = arg->data.sequence.items.start; it < arg->data.sequence.items.top;
		     it++, k++) {
			const yaml_node_t *e = node_at(l, *it);
			int rc;

			if (textual) {
				if (!is_scalar(e) || has_nul(e))
					return fail(l, e, "one_of items must be text");
				if (!(t->strs[k] = ha_strdup(sval(e))))
					return nomem(l);
			} else if ((rc = scalar_u64(l, e, "a one_of item", &t->nums[k]))) {
				return rc;
			}
		}
		return HA_OK;
	}
	if (textual && (t->op == T_EQ || t->op == T_NE)) {
		if (!is_scalar(arg) || has_nul(arg))
			return fail(l, arg, "the operand must be text");
		t->is_str = 1;
		t->str = ha_strdup(sval(arg));
		return t->str ? HA_OK : nomem(l);
	}
	if (!numeric_types(types))
		return fail(l, n, "numeric tests need type dword or qword");
	return scalar_u64(l, arg, "the operand", &t->num);
}

/* ------------------------------------------------------------ outcomes */

static const struct table *find_table(struct ld *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->ntables; i++)
		if (!strcmp(l->tables[i]->name, name))
			return l->tables[i];
	for (i = 0; i < l->rs->ntables; i++)
		if (!strcmp(l->rs->tables[i]->name, name))
			return l->rs->tables[i];
	return NULL;
}

/* STATUS | {status: S, why: "..."} | {default: TABLE, why?} | "absent"
 * (the last only where `allow_absent`). */
static int parse_outcome(struct ld *l, const yaml_node_t *n, int allow_absent, int allow_default,
                         struct outcome *o)
{
	static const char *const keys[] = {"status", "why", "default", NULL};
	yaml_node_t *v;
	int rc;

	memset(o, 0, sizeof *o);
	if (is_scalar(n)) {
		if (allow_absent && !strcmp(sval(n), "absent")) {
			o->kind = O_AS_ABSENT;
			return HA_OK;
		}
		if (!strcmp(sval(n), "unknown")) {
			o->kind = O_STATUS;
			o->status = HA_UNKNOWN;
			return HA_OK;
		}
		o->kind = O_STATUS;
		return scalar_status(l, n, &o->status);
	}
	if ((rc = need_map(l, n, "an outcome")) || (rc = only_keys(l, n, keys)))
		return rc;
	if ((rc = get_text(l, n, "why", 0, &o->why)))
		return rc;
	if ((v = get(l, n, "default"))) {
		if (!allow_default)
			return fail(l, v, "an OS default is not allowed here");
		if (!is_scalar(v) || has_nul(v))
			return fail(l, v, "'default' names a table");
		o->kind = O_DEFAULT;
		o->table = find_table(l, sval(v));
		if (!o->table)
			return fail(l, v, "no table named '%s'", sval(v));
		if (get(l, n, "status"))
			return fail(l, n, "give either 'default' or 'status', not both");
		return HA_OK;
	}
	if (!(v = get(l, n, "status")))
		return fail(l, n, "missing field 'status'");
	o->kind = O_STATUS;
	return scalar_status(l, v, &o->status);
}

/* ------------------------------------------------------------- tables */

void ha_table_free(struct table *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->nrows; i++) {
		cond_free(&t->rows[i].when);
		free(t->rows[i].why);
	}
	free(t->rows);
	free(t->name);
	free(t);
}

static int parse_table(struct ld *l, const char *name, const yaml_node_t *n, struct table **out)
{
	static const char *const keys[] = {"when", "value", "unknown", "why", NULL};
	struct table *t;
	yaml_node_item_t *it;
	size_t k = 0;
	int rc;

	*out = NULL;
	if (!is_seq(n) || n->data.sequence.items.start == n->data.sequence.items.top)
		return fail(l, n, "table '%s' must be a non-empty list of rows", name);
	t = calloc(1, sizeof *t);
	if (!t || !(t->name = ha_strdup(name))) {
		free(t);
		return nomem(l);
	}
	t->nrows = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	t->rows = calloc(t->nrows, sizeof *t->rows);
	if (!t->rows) {
		ha_table_free(t);
		return nomem(l);
	}
	for (k = 0; k < t->nrows; k++)
		cond_init(&t->rows[k].when);
	for (it = n->data.sequence.items.start, k = 0; it < n->data.sequence.items.top; it++, k++) {
		const yaml_node_t *row = node_at(l, *it);
		struct table_row *r = &t->rows[k];
		yaml_node_t *v;

		rc = need_map(l, row, "a table row");
		if (!rc)
			rc = only_keys(l, row, keys);
		if (!rc && (v = get(l, row, "when")))
			rc = parse_cond(l, v, &r->when, 2);
		if (!rc)
			rc = get_text(l, row, "why", 1, &r->why);
		if (!rc && (v = get(l, row, "unknown"))) {
			if (!is_scalar(v) || strcmp(sval(v), "true"))
				rc = fail(l, v, "'unknown' takes the value true");
			r->unknown = 1;
			if (!rc && get(l, row, "value"))
				rc = fail(l, row, "a row gives either 'value' or 'unknown: true'");
		} else if (!rc) {
			if (!(v = get(l, row, "value")))
				rc = fail(l, row, "missing field 'value'");
			else
				rc = scalar_u64(l, v, "value", &r->value);
		}
		if (rc) {
			ha_table_free(t);
			return rc;
		}
	}
	*out = t;
	return HA_OK;
}

/* ------------------------------------------------------------- checks */

static void check_free(struct check *c)
{
	size_t i;

	for (i = 0; i < c->nkids; i++) {
		check_free(&c->kids[i]);
		if (c->conds)
			cond_free(&c->conds[i]);
	}
	free(c->kids);
	free(c->conds);
	free(c->label);
	free(c->meaning);
	free(c->note);
	free(c->path);
	free(c->name);
	test_free(&c->test);
	free(c->absent.why);
	free(c->wrong_type.why);
	free(c->present.why);
	for (i = 0; i < c->nshow; i++)
		free(c->show[i]);
	free(c->show);
	free(c->match);
	for (i = 0; i < c->nstates; i++) {
		test_free(&c->states[i].test);
		free(c->states[i].label);
		free(c->states[i].note);
	}
	free(c->states);
	free(c->other.label);
	free(c->other.note);
	free(c->none.why);
	free(c->cert_name);
	for (i = 0; i < c->nrows; i++) {
		cond_free(&c->rows[i].when);
		free(c->rows[i].why);
	}
	free(c->rows);
	if (c->ops && c->ops->free)
		c->ops->free(c);
	memset(c, 0, sizeof *c);
}

/* A registry path as Microsoft writes it; in a rule's 32-bit variant,
 * HKLM\SOFTWARE\X becomes Wow6432Node\X. */
static int parse_path(struct ld *l, const yaml_node_t *map, struct check *c)
{
	yaml_node_t *n = get(l, map, "path");
	char *rel = NULL;
	struct ha_err e;

	if (!n)
		return fail(l, map, "missing field 'path'");
	if (!is_scalar(n) || has_nul(n))
		return fail(l, n, "'path' must be text");
	if (ha_parse_hklm_path(sval(n), &c->hive, &rel, &e) != HA_OK)
		return e.code == HA_ERR_NOMEM ? nomem(l) : fail(l, n, "%s", e.msg);
	if (l->view && c->hive == HA_SOFTWARE && ha_ascii_ncasecmp(rel, "Wow6432Node", 11) != 0) {
		c->path = ha_asprintf("Wow6432Node%s%s", *rel ? "\\" : "", rel);
		free(rel);
		if (!c->path)
			return nomem(l);
	} else {
		c->path = rel;
	}
	return HA_OK;
}

static int parse_types(struct ld *l, const yaml_node_t *n, unsigned *types)
{
	static const char *const names[] = {"dword",  "qword", "sz", "multi_sz",
	                                    "binary", "any",   NULL};
	static const unsigned bits[] = {TY_DWORD, TY_QWORD, TY_SZ, TY_MULTI, TY_BINARY, TY_ANY};

	if (!n) {
		*types = TY_ANY;
		return HA_OK;
	}
	return word_mask(l, n, "value type", names, bits, types);
}

static int parse_check(struct ld *l, const yaml_node_t *n, struct check *c, int depth);

int ha_ck_list_parse(struct ld *l, const yaml_node_t *n, struct check *c, int depth)
{
	yaml_node_item_t *it;
	size_t k = 0;
	int rc;

	if (!is_seq(n) || n->data.sequence.items.start == n->data.sequence.items.top)
		return fail(l, n, "a combination needs a non-empty list of checks");
	k = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	c->kids = calloc(k, sizeof *c->kids);
	if (!c->kids)
		return nomem(l);
	c->nkids = k;
	k = 0;
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++, k++)
		if ((rc = parse_check(l, node_at(l, *it), &c->kids[k], depth + 1)))
			return rc;
	return HA_OK;
}

int ha_ck_value_parse(struct ld *l, const yaml_node_t *n, struct check *c, int depth)
{
	static const char *const keys[] = {"path",       "name",  "type", "test", "absent",
	                                   "wrong_type", "label", "note", NULL};
	yaml_node_t *v;
	int rc;

	(void)depth;
	if ((rc = need_map(l, n, "'value'")) || (rc = only_keys(l, n, keys)) ||
	    (rc = parse_path(l, n, c)) || (rc = get_text(l, n, "name", 1, &c->name)) ||
	    (rc = parse_types(l, get(l, n, "type"), &c->types)) ||
	    (rc = parse_test(l, get(l, n, "test"), c->types, &c->test)))
		return rc;
	if (!c->label && (rc = get_text(l, n, "label", 0, &c->label)))
		return rc;
	if ((rc = get_text(l, n, "note", 0, &c->note)))
		return rc;
	if ((v = get(l, n, "absent"))) {
		if ((rc = parse_outcome(l, v, 0, 1, &c->absent)))
			return rc;
	} else {
		c->absent.kind = O_STATUS;
		c->absent.status = HA_FAIL;
	}
	if ((v = get(l, n, "wrong_type"))) {
		if ((rc = parse_outcome(l, v, 1, 0, &c->wrong_type)))
			return rc;
	} else {
		c->wrong_type.kind = O_STATUS;
		c->wrong_type.status = HA_UNKNOWN;
	}
	return HA_OK;
}

int ha_ck_key_parse(struct ld *l, const yaml_node_t *n, struct check *c, int depth)
{
	static const char *const keys[] = {"path", "present", "absent", "show", "label", NULL};
	yaml_node_t *v;
	int rc;

	(void)depth;
	if ((rc = need_map(l, n, "'key'")) || (rc = only_keys(l, n, keys)) ||
	    (rc = parse_path(l, n, c)))
		return rc;
	if (!c->label && (rc = get_text(l, n, "label", 0, &c->label)))
		return rc;
	c->present.kind = O_STATUS;
	c->present.status = HA_PASS;
	c->absent.kind = O_STATUS;
	c->absent.status = HA_FAIL;
	if ((v = get(l, n, "present")) && (rc = parse_outcome(l, v, 0, 0, &c->present)))
		return rc;
	if ((v = get(l, n, "absent")) && (rc = parse_outcome(l, v, 0, 0, &c->absent)))
		return rc;
	if ((v = get(l, n, "show"))) {
		yaml_node_item_t *it;

		if (!is_seq(v))
			return fail(l, v, "'show' must be a list of value names");
		c->show = calloc(
		        (size_t)(v->data.sequence.items.top - v->data.sequence.items.start) + 1,
		        sizeof *c->show);
		if (!c->show)
			return nomem(l);
		for (it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
			const yaml_node_t *e = node_at(l, *it);

			if (!is_scalar(e) || has_nul(e))
				return fail(l, e, "'show' items must be value names");
			if (!(c->show[c->nshow] = ha_strdup(sval(e))))
				return nomem(l);
			c->nshow++;
		}
	}
	return HA_OK;
}

static int parse_state_row(struct ld *l, const yaml_node_t *n, unsigned types, struct state_row *r,
                           int need_test)
{
	static const char *const keys[] = {"equals", "one_of", "at_least", "at_most",
	                                   "status", "label",  "note",     NULL};
	static const char *const ops[] = {"equals", "one_of", "at_least", "at_most"};
	yaml_node_t *v;
	size_t i;
	int rc, found = 0;

	if ((rc = need_map(l, n, "a state")) || (rc = only_keys(l, n, keys)))
		return rc;
	for (i = 0; i < 4; i++) {
		if (!(v = get(l, n, ops[i])))
			continue;
		if (found++)
			return fail(l, n, "a state has one comparison");
		{
			/* Reuse the test parser on a synthetic one-pair view. */
			yaml_node_t fake = *n;
			yaml_node_pair_t *p;

			for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++)
				if (!strcmp(sval(node_at(l, p->key)), ops[i]))
					break;
			fake.data.mapping.pairs.start = p;
			fake.data.mapping.pairs.top = p + 1;
			if ((rc = parse_test(l, &fake, types, &r->test)))
				return rc;
		}
	}
	if (!found && need_test)
		return fail(l, n, "a state needs equals, one_of, at_least or at_most");
	if (!(v = get(l, n, "status")))
		return fail(l, n, "missing field 'status'");
	if ((rc = scalar_status(l, v, &r->status)) ||
	    (rc = get_text(l, n, "label", 0, &r->label)) ||
	    (rc = get_text(l, n, "note", 0, &r->note)))
		return rc;
	return HA_OK;
}

int ha_ck_subkeys_parse(struct ld *l, const yaml_node_t *n, struct check *c, int depth)
{
	static const char *const keys[] = {"path",  "match", "value", "type", "states",
	                                   "other", "none",  "label", NULL};
	yaml_node_t *v;
	yaml_node_item_t *it;
	int rc;

	(void)depth;
	if ((rc = need_map(l, n, "'subkeys'")) || (rc = only_keys(l, n, keys)) ||
	    (rc = parse_path(l, n, c)) || (rc = get_text(l, n, "match", 1, &c->match)) ||
	    (rc = get_text(l, n, "value", 1, &c->name)) ||
	    (rc = parse_types(l, get(l, n, "type"), &c->types)))
		return rc;
	if (!c->label && (rc = get_text(l, n, "label", 0, &c->label)))
		return rc;
	if (ha_ascii_ncasecmp(c->match, "kb:", 3) == 0) {
		const char *k = c->match + 3;

		if (ha_ascii_ncasecmp(k, "KB", 2) != 0 || !k[2])
			return fail(l, get(l, n, "match"), "a kb: match is written kb:KB1234567");
		for (k += 2; *k; k++)
			if (*k < '0' || *k > '9')
				return fail(l, get(l, n, "match"),
				            "a kb: match is written kb:KB1234567");
	}
	v = get(l, n, "states");
	if (!v || !is_seq(v) || v->data.sequence.items.start == v->data.sequence.items.top)
		return fail(l, v ? v : n, "'states' must be a non-empty list");
	c->states = calloc((size_t)(v->data.sequence.items.top - v->data.sequence.items.start),
	                   sizeof *c->states);
	if (!c->states)
		return nomem(l);
	c->nstates = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
	for (it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++)
		if ((rc = parse_state_row(l, node_at(l, *it), c->types,
		                          &c->states[it - v->data.sequence.items.start], 1)))
			return rc;
	c->other.status = HA_FAIL;
	if ((v = get(l, n, "other")) && (rc = parse_state_row(l, v, c->types, &c->other, 0)))
		return rc;
	c->none.kind = O_STATUS;
	c->none.status = HA_FAIL;
	if ((v = get(l, n, "none")) && (rc = parse_outcome(l, v, 0, 0, &c->none)))
		return rc;
	return HA_OK;
}

int ha_ck_cert_parse(struct ld *l, const yaml_node_t *n, struct check *c, int depth)
{
	static const char *const keys[] = {
	        "thumbprint", "name", "expires", "missing", "missing_no_autoupdate", "label", NULL};
	yaml_node_t *v;
	size_t i;
	int rc;

	(void)depth;
	if ((rc = need_map(l, n, "'cert'")) || (rc = only_keys(l, n, keys)) ||
	    (rc = get_text(l, n, "name", 1, &c->cert_name)))
		return rc;
	if (!c->label && (rc = get_text(l, n, "label", 0, &c->label)))
		return rc;
	v = get(l, n, "thumbprint");
	if (!v || !is_scalar(v) || v->data.scalar.length != 40)
		return fail(l, v ? v : n, "'thumbprint' must be 40 hex digits (SHA-1)");
	for (i = 0; i < 40; i++) {
		char ch = sval(v)[i];

		if (!((ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'F') ||
		      (ch >= 'a' && ch <= 'f')))
			return fail(l, v, "'thumbprint' must be 40 hex digits (SHA-1)");
		c->thumb[i] = (ch >= 'a' && ch <= 'f') ? (char)(ch - 32) : ch;
	}
	c->thumb[40] = '\0';
	if ((v = get(l, n, "expires"))) {
		if (!is_scalar(v) || ha_parse_date(sval(v), &c->expires) != HA_OK)
			return fail(l, v, "'expires' must be a date YYYY-MM-DD");
	}
	c->missing = HA_WARN;
	c->missing_no_autoupdate = HA_FAIL;
	if ((v = get(l, n, "missing")) && (rc = scalar_status(l, v, &c->missing)))
		return rc;
	if ((v = get(l, n, "missing_no_autoupdate")) &&
	    (rc = scalar_status(l, v, &c->missing_no_autoupdate)))
		return rc;
	if (!l->rs->ntrusted)
		return fail(l, n,
		            "a cert check needs 'cert_stores' (in this file or the built-in pack)");
	return HA_OK;
}

int ha_ck_os_parse(struct ld *l, const yaml_node_t *n, struct check *c, int depth)
{
	static const char *const keys[] = {"when", "status", "why", NULL};
	yaml_node_item_t *it;
	size_t k = 0;
	int rc;

	(void)depth;
	if (!is_seq(n) || n->data.sequence.items.start == n->data.sequence.items.top)
		return fail(l, n, "'os' must be a non-empty list of rows");
	k = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	c->rows = calloc(k, sizeof *c->rows);
	if (!c->rows)
		return nomem(l);
	c->nrows = k;
	for (k = 0; k < c->nrows; k++)
		cond_init(&c->rows[k].when);
	for (it = n->data.sequence.items.start, k = 0; it < n->data.sequence.items.top; it++, k++) {
		const yaml_node_t *row = node_at(l, *it);
		yaml_node_t *v;

		if ((rc = need_map(l, row, "an os row")) || (rc = only_keys(l, row, keys)))
			return rc;
		if ((v = get(l, row, "when")) && (rc = parse_cond(l, v, &c->rows[k].when, 2)))
			return rc;
		if (!(v = get(l, row, "status")))
			return fail(l, row, "missing field 'status'");
		if ((rc = scalar_status(l, v, &c->rows[k].status)) ||
		    (rc = get_text(l, row, "why", 1, &c->rows[k].why)))
			return rc;
	}
	return HA_OK;
}

int ha_ck_cases_parse(struct ld *l, const yaml_node_t *n, struct check *c, int depth)
{
	static const char *const keys[] = {"when", "check", NULL};
	yaml_node_item_t *it;
	size_t k = 0;
	int rc;

	if (!is_seq(n) || n->data.sequence.items.start == n->data.sequence.items.top)
		return fail(l, n, "'cases' must be a non-empty list");
	k = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	c->kids = calloc(k, sizeof *c->kids);
	c->conds = calloc(k, sizeof *c->conds);
	if (!c->kids || !c->conds)
		return nomem(l);
	c->nkids = k;
	for (k = 0; k < c->nkids; k++)
		cond_init(&c->conds[k]);
	for (it = n->data.sequence.items.start, k = 0; it < n->data.sequence.items.top; it++, k++) {
		const yaml_node_t *row = node_at(l, *it);
		yaml_node_t *v;

		if ((rc = need_map(l, row, "a case")) || (rc = only_keys(l, row, keys)))
			return rc;
		if (!(v = get(l, row, "when")))
			return fail(l, row, "missing field 'when'");
		if ((rc = parse_cond(l, v, &c->conds[k], depth + 1)))
			return rc;
		if (!(v = get(l, row, "check")))
			return fail(l, row, "missing field 'check'");
		if ((rc = parse_check(l, v, &c->kids[k], depth + 1)))
			return rc;
	}
	return HA_OK;
}

static int parse_check(struct ld *l, const yaml_node_t *n, struct check *c, int depth)
{
	const char *keys[40];
	const struct check_kind_ops *ops;
	yaml_node_pair_t *p;
	yaml_node_t *v = NULL;
	const char *kind = NULL;
	struct ha_buf names;
	size_t nk = 0, i;
	int rc;

	memset(c, 0, sizeof *c);
	for (i = 0; ha_check_kinds[i] && nk + 3 < sizeof keys / sizeof keys[0]; i++)
		keys[nk++] = ha_check_kinds[i]->name;
	keys[nk++] = "label";
	keys[nk++] = "meaning";
	keys[nk] = NULL;
	if ((rc = visit(l, n, depth)) || (rc = need_map(l, n, "a check")) ||
	    (rc = only_keys(l, n, keys)))
		return rc;
	c->line = (int)n->start_mark.line + 1;
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		const char *k = sval(node_at(l, p->key));

		if (!strcmp(k, "label") || !strcmp(k, "meaning"))
			continue;
		if (kind)
			return fail(l, n, "a check has exactly one kind; found '%s' and '%s'", kind,
			            k);
		kind = k;
		v = node_at(l, p->value);
	}
	if (!kind) {
		ha_buf_init(&names, 4096);
		for (i = 0; ha_check_kinds[i]; i++)
			ha_buf_printf(&names, "%s%s", i ? ", " : "", ha_check_kinds[i]->name);
		rc = ha_buf_status(&names)
		             ? nomem(l)
		             : fail(l, n, "a check needs one of %s", ha_buf_cstr(&names));
		ha_buf_free(&names);
		return rc;
	}
	if ((rc = get_text(l, n, "label", 0, &c->label)) ||
	    (rc = get_text(l, n, "meaning", 0, &c->meaning)))
		return rc;
	ops = ha_check_kind_named(kind);
	c->ops = ops;
	c->kind = ops->kind;
	return ops->parse(l, v, c, depth);
}

int ha_ck_hives_parse(struct ld *l, const yaml_node_t *n, struct check *c, int depth)
{
	static const char *const role_names[] = {"SYSTEM", "SOFTWARE", NULL};
	static const unsigned role_bits[] = {1u << HA_SYSTEM, 1u << HA_SOFTWARE};

	(void)depth;
	return word_mask(l, n, "hive", role_names, role_bits, &c->roles);
}

/* -------------------------------------------------------------- rules */

void ha_rule_free(struct rule *r)
{
	if (!r)
		return;
	free(r->id);
	free(r->title);
	free(r->severity);
	free(r->category);
	free(r->source);
	free(r->applies_text);
	free(r->remedy);
	free(r->reg);
	free(r->origin);
	cond_free(&r->applies);
	check_free(&r->check);
	free(r);
}

static int valid_id(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '-' ||
		      *s == '_'))
			return 0;
	return 1;
}

static int one_of_words(const char *s, const char *const *words)
{
	for (; *words; words++)
		if (!strcmp(s, *words))
			return 1;
	return 0;
}

/* "os, update, ..., info": the categories a rule may name. */
static const char *category_names(void)
{
	static char names[256];
	const struct ha_category *c;
	size_t i, n, len = 0;

	if (!*names) {
		c = ha_categories(&n);
		for (i = 0; i < n; i++)
			len += (size_t)snprintf(names + len, sizeof names - len, "%s%s",
			                        i ? ", " : "", c[i].name);
	}
	return names;
}

/* Replaces every "{wow}" with `with`. */
static char *subst_wow(const char *s, const char *with)
{
	struct ha_buf b;
	const char *p;

	ha_buf_init(&b, 0);
	while ((p = strstr(s, "{wow}"))) {
		ha_buf_add(&b, s, (size_t)(p - s));
		ha_buf_puts(&b, with);
		s = p + 5;
	}
	ha_buf_puts(&b, s);
	return ha_buf_detach(&b, NULL);
}

static int parse_rule(struct ld *l, const yaml_node_t *n, int view, struct rule **out)
{
	static const char *const keys[] = {"id",     "title",       "severity", "category",
	                                   "source", "applies",     "views",    "fail_status",
	                                   "check",  "remediation", NULL};
	static const char *const sev[] = {"critical", "high", "medium", "low", "info", NULL};
	static const char *const rem_keys[] = {"summary", "reg", NULL};
	const struct ha_category *cat = NULL;
	struct rule *r;
	yaml_node_t *v;
	char *tmp;
	int rc;

	*out = NULL;
	r = calloc(1, sizeof *r);
	if (!r)
		return nomem(l);
	cond_init(&r->applies);
	r->fail_status = HA_FAIL;
	r->view = view;
	l->view = view;
	rc = need_map(l, n, "a rule");
	if (!rc)
		rc = only_keys(l, n, keys);
	if (!rc)
		rc = get_text(l, n, "id", 1, &r->id);
	if (!rc && !valid_id(r->id))
		rc = fail(l, get(l, n, "id"), "a rule id uses A-Z, 0-9, '-' and '_' only");
	if (!rc)
		rc = get_text(l, n, "title", 1, &r->title);
	if (!rc)
		rc = get_text(l, n, "severity", 1, &r->severity);
	if (!rc && !one_of_words(r->severity, sev))
		rc = fail(l, get(l, n, "severity"),
		          "severity is one of critical, high, medium, low, info");
	if (!rc)
		rc = get_text(l, n, "category", 1, &r->category);
	if (!rc && !(cat = ha_category_find(r->category)))
		rc = fail(l, get(l, n, "category"), "category is one of %s", category_names());
	if (!rc)
		rc = get_text(l, n, "source", 1, &r->source);
	if (!rc && (v = get(l, n, "applies")))
		rc = parse_cond(l, v, &r->applies, 1);
	if (!rc && (v = get(l, n, "fail_status")))
		rc = scalar_status(l, v, &r->fail_status);
	if (!rc) {
		v = get(l, n, "check");
		rc = v ? parse_check(l, v, &r->check, 1) : fail(l, n, "missing field 'check'");
	}
	if (!rc) {
		v = get(l, n, "remediation");
		if (!v)
			rc = fail(l, n, "missing field 'remediation'");
		else if (!(rc = need_map(l, v, "'remediation'")) &&
		         !(rc = only_keys(l, v, rem_keys)) &&
		         !(rc = get_text(l, v, "summary", 1, &r->remedy)))
			rc = get_text(l, v, "reg", 0, &r->reg);
	}
	if (!rc && !r->reg && !(r->reg = ha_strdup("")))
		rc = nomem(l);
	if (!rc && view) {
		/* The 32-bit variant: its own id, title and .reg paths. */
		tmp = ha_asprintf("%s-WOW64", r->id);
		if (!tmp)
			rc = nomem(l);
		free(r->id);
		r->id = tmp;
		if (!rc) {
			tmp = ha_asprintf("%s (32-bit view)", r->title);
			free(r->title);
			r->title = tmp;
			tmp = subst_wow(r->reg, "Wow6432Node\\");
			free(r->reg);
			r->reg = tmp;
			if (!r->title || !r->reg)
				rc = nomem(l);
		}
	} else if (!rc) {
		tmp = subst_wow(r->reg, "");
		free(r->reg);
		r->reg = tmp;
		if (!tmp)
			rc = nomem(l);
	}
	if (!rc) {
		struct ha_buf d;

		ha_buf_init(&d, 1 << 16);
		ha_cond_describe(&d, &r->applies);
		if (!(r->applies_text = ha_buf_detach(&d, NULL)))
			rc = nomem(l);
	}
	if (!rc && !(r->origin = ha_strdup(l->name)))
		rc = nomem(l);
	l->view = 0;
	if (rc) {
		ha_rule_free(r);
		return rc;
	}
	r->info.id = r->id;
	r->info.title = r->title;
	r->info.severity = r->severity;
	r->info.category = r->category;
	r->info.source = r->source;
	r->info.applies = r->applies_text;
	r->info.remedy = r->remedy;
	r->info.reg = r->reg;
	r->info.origin = r->origin;
	r->info.decides = cat->decides;
	r->info.integrity = cat->integrity;
	*out = r;
	return HA_OK;
}

/* views: [native, wow64] -> which variants to compile. */
static int parse_views(struct ld *l, const yaml_node_t *rule, unsigned *views)
{
	static const char *const names[] = {"native", "wow64", NULL};
	static const unsigned bits[] = {1, 2};
	yaml_node_t *v;

	*views = 1;
	if (!is_map(rule) || !(v = get(l, rule, "views")))
		return HA_OK;
	return word_mask(l, v, "view", names, bits, views);
}

static int parse_store_list(struct ld *l, const yaml_node_t *n, struct hklm_key **out,
                            size_t *count)
{
	yaml_node_item_t *it;
	struct ha_err e;

	if (!is_seq(n) || n->data.sequence.items.start == n->data.sequence.items.top)
		return fail(l, n, "a store list must be a non-empty list of paths");
	*count = 0;
	*out = calloc((size_t)(n->data.sequence.items.top - n->data.sequence.items.start),
	              sizeof **out);
	if (!*out)
		return nomem(l);
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		const yaml_node_t *p = node_at(l, *it);
		struct hklm_key *sp = &(*out)[*count];

		if (!is_scalar(p) || has_nul(p))
			return fail(l, p, "a store is a registry path");
		if (ha_parse_hklm_path(sval(p), &sp->hive, &sp->path, &e) != HA_OK)
			return e.code == HA_ERR_NOMEM ? nomem(l) : fail(l, p, "%s", e.msg);
		(*count)++;
		if (sp->hive != HA_SOFTWARE)
			return fail(l, p, "certificate stores live in HKLM\\SOFTWARE");
	}
	return HA_OK;
}

static void free_stores(struct hklm_key *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].path);
	free(v);
}

static int parse_cert_stores(struct ld *l, const yaml_node_t *n, struct ha_ruleset *tmp)
{
	static const char *const keys[] = {"trusted", "disallowed", "autoupdate", NULL};
	static const char *const au_keys[] = {"path", "name", "disabled_when", NULL};
	yaml_node_t *v, *p;
	struct ha_err e;
	int rc;

	if ((rc = need_map(l, n, "'cert_stores'")) || (rc = only_keys(l, n, keys)))
		return rc;
	if (!(v = get(l, n, "trusted")))
		return fail(l, n, "missing field 'trusted'");
	if ((rc = parse_store_list(l, v, &tmp->trusted, &tmp->ntrusted)))
		return rc;
	if ((v = get(l, n, "disallowed")) &&
	    (rc = parse_store_list(l, v, &tmp->disallowed, &tmp->ndisallowed)))
		return rc;
	if ((v = get(l, n, "autoupdate"))) {
		if ((rc = need_map(l, v, "'autoupdate'")) || (rc = only_keys(l, v, au_keys)))
			return rc;
		if (!(p = get(l, v, "path")))
			return fail(l, v, "missing field 'path'");
		if (!is_scalar(p) || has_nul(p))
			return fail(l, p, "'path' must be text");
		if (ha_parse_hklm_path(sval(p), &tmp->autoupdate.hive, &tmp->autoupdate.path, &e))
			return e.code == HA_ERR_NOMEM ? nomem(l) : fail(l, p, "%s", e.msg);
		if ((rc = get_text(l, v, "name", 1, &tmp->autoupdate_name)))
			return rc;
		tmp->autoupdate_disabled = 1;
		if ((p = get(l, v, "disabled_when")) &&
		    (rc = scalar_u64(l, p, "disabled_when", &tmp->autoupdate_disabled)))
			return rc;
		tmp->has_autoupdate = 1;
	}
	return HA_OK;
}

/* ---------------------------------------------------------- the file */

/* A libyaml failure as "file:line:column: what".  Reader errors (bad
 * UTF-8, a NUL byte) carry a byte offset instead of a position. */
static int yaml_fail(const char *name, const char *text, size_t len, const yaml_parser_t *p,
                     struct ha_err *err)
{
	const char *problem = p->problem ? p->problem : "YAML error";

	if (p->error == YAML_MEMORY_ERROR)
		return ha_err_set(err, HA_ERR_NOMEM, "%s: out of memory while parsing", name);
	if (p->error == YAML_READER_ERROR) {
		size_t i, off = p->problem_offset < len ? p->problem_offset : len;
		yaml_mark_t at = {off, 0, 0};

		for (i = 0; i < off; i++) {
			if (text[i] == '\n') {
				at.line++;
				at.column = 0;
			} else {
				at.column++;
			}
		}
		if (p->problem_value >= 0)
			return ha_yaml_fail_at(err, name, &at,
			                       "%s (byte 0x%02X); a rule file is UTF-8 text",
			                       problem, (unsigned)p->problem_value);
		return ha_yaml_fail_at(err, name, &at, "%s", problem);
	}
	if (p->context)
		return ha_yaml_fail_at(err, name, &p->problem_mark,
		                       "YAML syntax error: %s (%s that starts at line %lu, "
		                       "column %lu)",
		                       problem, p->context, (unsigned long)p->context_mark.line + 1,
		                       (unsigned long)p->context_mark.column + 1);
	return ha_yaml_fail_at(err, name, &p->problem_mark, "YAML syntax error: %s", problem);
}

/* The first pass over the events: syntax, nesting depth and the number of
 * documents, before libyaml builds anything (see the top of this file). */
static int prescan(const char *name, const char *text, size_t len, struct ha_err *err)
{
	yaml_parser_t p;
	yaml_event_t ev;
	int depth = 0, docs = 0, rc = HA_OK, done = 0;

	if (!yaml_parser_initialize(&p))
		return ha_err_nomem(err);
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	while (!done && rc == HA_OK) {
		if (!yaml_parser_parse(&p, &ev)) {
			rc = yaml_fail(name, text, len, &p, err);
			break;
		}
		switch (ev.type) {
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1)
				rc = ha_yaml_fail_at(err, name, &ev.start_mark,
				                     "a second YAML document starts here; a "
				                     "rule file holds one");
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (++depth > MAX_YAML_DEPTH)
				rc = ha_yaml_fail_at(err, name, &ev.start_mark,
				                     "nested more than %d levels deep",
				                     MAX_YAML_DEPTH);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT: depth--; break;
		case YAML_STREAM_END_EVENT: done = 1; break;
		default: break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	return rc;
}

int ha_rules_new(struct ha_ruleset **out, struct ha_err *err)
{
	struct ha_ruleset *rs = calloc(1, sizeof *rs);

	*out = NULL;
	if (!rs)
		return ha_err_nomem(err);
	ha_buf_init(&rs->sources, 64u << 20);
	if (ha_sha256_hex("", 0, rs->digest, err)) {
		free(rs);
		return err ? err->code : HA_ERR_CRYPTO;
	}
	*out = rs;
	return HA_OK;
}

void ha_rules_free(struct ha_ruleset *rs)
{
	size_t i;

	if (!rs)
		return;
	for (i = 0; i < rs->nrules; i++)
		ha_rule_free(rs->rules[i]);
	free(rs->rules);
	for (i = 0; i < rs->ntables; i++)
		ha_table_free(rs->tables[i]);
	free(rs->tables);
	free_stores(rs->trusted, rs->ntrusted);
	free_stores(rs->disallowed, rs->ndisallowed);
	free(rs->autoupdate.path);
	free(rs->autoupdate_name);
	ha_buf_free(&rs->sources);
	free(rs);
}

size_t ha_rules_count(const struct ha_ruleset *rs)
{
	return rs->nrules;
}

const struct ha_rule_info *ha_rules_info(const struct ha_ruleset *rs, size_t i)
{
	return i < rs->nrules ? &rs->rules[i]->info : NULL;
}

const char *ha_rules_digest(const struct ha_ruleset *rs)
{
	return rs->digest;
}

static int push_rule(struct rule ***v, size_t *n, struct rule *r)
{
	struct rule **p = realloc(*v, (*n + 1) * sizeof *p);

	if (!p)
		return HA_ERR_NOMEM;
	*v = p;
	p[(*n)++] = r;
	return HA_OK;
}

/* What one file adds, before it is merged into a ruleset. */
struct staged {
	struct rule **rules;
	size_t nrules;
	struct ha_ruleset stores; /* its cert_stores (trusted == NULL: none) */
};

static void staged_free(struct staged *st)
{
	size_t i;

	for (i = 0; i < st->nrules; i++)
		ha_rule_free(st->rules[i]);
	free(st->rules);
	free_stores(st->stores.trusted, st->stores.ntrusted);
	free_stores(st->stores.disallowed, st->stores.ndisallowed);
	free(st->stores.autoupdate.path);
	free(st->stores.autoupdate_name);
	memset(st, 0, sizeof *st);
}

/* Compiles the document of one rule file into `st` and l->tables; `rs`
 * (through l->rs) is only read, for the tables and stores of files loaded
 * earlier. */
static int parse_file(struct ld *l, struct ha_ruleset *rs, struct staged *st)
{
	static const char *const keys[] = {"hiveaudit-rules", "pack",  "tables",
	                                   "cert_stores",     "rules", NULL};
	yaml_node_t *root = yaml_document_get_root_node(l->doc), *v;
	size_t i, j;
	int rc;

	if (!root)
		return ha_err_set(l->err, HA_ERR_RULES,
		                  "%s:1:1: the file is empty; a rule file starts with "
		                  "'hiveaudit-rules: 1'",
		                  l->name);
	/* The header first: whatever else is wrong with a file that is not a
	 * rule file at all, that is the useful message. */
	v = is_map(root) ? get(l, root, "hiveaudit-rules") : NULL;
	if (v && is_scalar(v) && strcmp(sval(v), "1") != 0 && *sval(v) >= '0' && *sval(v) <= '9')
		return fail(l, v,
		            "rule file version '%s' is not supported; this program reads "
		            "'hiveaudit-rules: 1'",
		            sval(v));
	if (!v || !is_scalar(v) || strcmp(sval(v), "1") != 0)
		return fail(l, v ? v : root, "the file must start with 'hiveaudit-rules: 1'");
	if ((rc = only_keys(l, root, keys)))
		return rc;
	if ((v = get(l, root, "pack")) && !is_scalar(v))
		return fail(l, v, "'pack' must be text (the pack's name)");
	if ((v = get(l, root, "tables"))) {
		yaml_node_pair_t *p;

		if ((rc = need_map(l, v, "'tables'")) != HA_OK)
			return rc;
		for (p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
			yaml_node_t *k = node_at(l, p->key);
			struct table *t, **tv;

			if (!is_scalar(k) || has_nul(k) || !*sval(k))
				return fail(l, k, "a table name must be a word");
			for (i = 0; i < l->ntables && strcmp(l->tables[i]->name, sval(k)); i++)
				;
			if (i < l->ntables)
				return fail(l, k, "table '%s' is defined twice", sval(k));
			if (find_table(l, sval(k)))
				return fail(
				        l, k,
				        "table '%s' is already defined by a rule file loaded "
				        "earlier (tables cannot be replaced; choose another name)",
				        sval(k));
			if ((rc = parse_table(l, sval(k), node_at(l, p->value), &t)))
				return rc;
			tv = realloc(l->tables, (l->ntables + 1) * sizeof *tv);
			if (!tv) {
				ha_table_free(t);
				return nomem(l);
			}
			l->tables = tv;
			tv[l->ntables++] = t;
		}
	}
	if ((v = get(l, root, "cert_stores"))) {
		if ((rc = parse_cert_stores(l, v, &st->stores)))
			return rc;
		/* Cert checks of this file use its stores. */
		l->rs = &st->stores;
		st->stores.tables = rs->tables;
		st->stores.ntables = rs->ntables;
	}
	v = get(l, root, "rules");
	if (!v || !is_seq(v))
		return fail(l, v ? v : root, "'rules' must be a list");
	{
		yaml_node_item_t *it;

		for (it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
			yaml_node_t *rn = node_at(l, *it);
			unsigned views;
			int view;

			if ((rc = parse_views(l, rn, &views)))
				return rc;
			for (view = 0; view < 2; view++) {
				struct rule *r;

				if (!(views & (1u << view)))
					continue;
				if ((rc = parse_rule(l, rn, view, &r)))
					return rc;
				for (j = 0; j < st->nrules; j++) {
					if (!strcmp(st->rules[j]->id, r->id)) {
						rc = fail(l, rn, "rule id '%s' is defined twice",
						          r->id);
						ha_rule_free(r);
						return rc;
					}
				}
				if (push_rule(&st->rules, &st->nrules, r)) {
					ha_rule_free(r);
					return nomem(l);
				}
			}
		}
	}
	return HA_OK;
}

/* Moves what one file compiled into `rs` (ADD or REPLACE); the file's text
 * joins the digest.  What was moved is cleared in `st` and l->tables. */
static int merge_file(struct ld *l, struct ha_ruleset *rs, struct staged *st, int mode,
                      const char *text, size_t len)
{
	size_t i, j;

	if (mode == HA_RULES_REPLACE) {
		for (i = 0; i < rs->nrules; i++)
			ha_rule_free(rs->rules[i]);
		rs->nrules = 0;
	}
	for (i = 0; i < st->nrules; i++) {
		for (j = 0; j < rs->nrules; j++) {
			if (!strcmp(rs->rules[j]->id, st->rules[i]->id)) {
				ha_rule_free(rs->rules[j]);
				rs->rules[j] = st->rules[i];
				st->rules[i] = NULL;
				break;
			}
		}
		if (st->rules[i]) {
			if (push_rule(&rs->rules, &rs->nrules, st->rules[i]))
				return nomem(l);
			st->rules[i] = NULL;
		}
	}
	for (i = 0; i < l->ntables; i++) {
		struct table **tv = realloc(rs->tables, (rs->ntables + 1) * sizeof *tv);

		if (!tv)
			return nomem(l);
		rs->tables = tv;
		tv[rs->ntables++] = l->tables[i];
		l->tables[i] = NULL;
	}
	if (st->stores.ntrusted) {
		struct ha_ruleset *sp = &st->stores;

		free_stores(rs->trusted, rs->ntrusted);
		free_stores(rs->disallowed, rs->ndisallowed);
		free(rs->autoupdate.path);
		free(rs->autoupdate_name);
		rs->trusted = sp->trusted;
		rs->ntrusted = sp->ntrusted;
		rs->disallowed = sp->disallowed;
		rs->ndisallowed = sp->ndisallowed;
		rs->has_autoupdate = sp->has_autoupdate;
		rs->autoupdate = sp->autoupdate;
		rs->autoupdate_name = sp->autoupdate_name;
		rs->autoupdate_disabled = sp->autoupdate_disabled;
		memset(sp, 0, sizeof *sp);
	}
	ha_buf_printf(&rs->sources, "%s\n%zu\n", l->name, len);
	ha_buf_add(&rs->sources, text, len);
	if (ha_buf_status(&rs->sources) == HA_OK)
		return ha_sha256_hex(rs->sources.data, rs->sources.len, rs->digest, l->err);
	return HA_OK;
}

int ha_rules_load_buffer(struct ha_ruleset *rs, const char *name, const char *text, size_t len,
                         int mode, struct ha_err *err)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	struct ld l;
	struct staged st;
	size_t i;
	int rc = HA_OK;

	memset(&l, 0, sizeof l);
	memset(&st, 0, sizeof st);
	l.name = name;
	l.err = err;
	l.rs = rs;
	if (len > MAX_FILE)
		return ha_err_set(err, HA_ERR_RULES, "%s: larger than %zu bytes", name, MAX_FILE);
	if ((rc = prescan(name, text, len, err)) != HA_OK)
		return rc;
	if (!yaml_parser_initialize(&parser))
		return ha_err_nomem(err);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		rc = yaml_fail(name, text, len, &parser, err);
		yaml_parser_delete(&parser);
		return rc;
	}
	l.doc = &doc;
	/* Nothing in parse_file touches `rs`, so a file with an error changes
	 * nothing. */
	rc = parse_file(&l, rs, &st);
	if (!rc)
		rc = merge_file(&l, rs, &st, mode, text, len);
	staged_free(&st);
	for (i = 0; i < l.ntables; i++)
		ha_table_free(l.tables[i]);
	free(l.tables);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return rc;
}

/* A rule file is read whole, and only a regular file: a device, FIFO or
 * socket ("--rules /dev/zero") could be read forever, and is refused
 * before anything is read from it (O_NONBLOCK: opening a FIFO does not
 * wait for a writer).  Reading stops one byte past MAX_FILE, whatever the
 * file's size says (it may grow while read). */
int ha_rules_load_file(struct ha_ruleset *rs, const char *path, int mode, struct ha_err *err)
{
	struct ha_buf b;
	struct stat st;
	char chunk[65536];
	int fd, rc;

	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return ha_err_sys(err, errno == ENOENT ? HA_ERR_USAGE : HA_ERR_IO, errno,
		                  "cannot read rule file '%s'", path);
	if (fstat(fd, &st) != 0) {
		rc = ha_err_sys(err, HA_ERR_IO, errno, "cannot read rule file '%s'", path);
		close(fd);
		return rc;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return ha_err_set(err, HA_ERR_USAGE, "rule file '%s' is not a regular file (%s)",
		                  path,
		                  S_ISDIR(st.st_mode)    ? "a folder"
		                  : S_ISCHR(st.st_mode)  ? "a character device"
		                  : S_ISBLK(st.st_mode)  ? "a block device"
		                  : S_ISFIFO(st.st_mode) ? "a pipe"
		                  : S_ISSOCK(st.st_mode) ? "a socket"
		                                         : "a special file");
	}
	if ((uint64_t)st.st_size > (uint64_t)MAX_FILE) {
		close(fd);
		return ha_err_set(err, HA_ERR_RULES, "%s: larger than %zu bytes", path, MAX_FILE);
	}
	ha_buf_init(&b, MAX_FILE + 1);
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof chunk);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = ha_err_sys(err, HA_ERR_IO, errno, "cannot read rule file '%s'", path);
			close(fd);
			ha_buf_free(&b);
			return rc;
		}
		if (n == 0)
			break;
		ha_buf_add(&b, chunk, (size_t)n);
		if (ha_buf_status(&b))
			break;
	}
	close(fd);
	if (ha_buf_status(&b)) {
		ha_buf_free(&b);
		return ha_err_set(err, HA_ERR_RULES, "%s: larger than %zu bytes", path, MAX_FILE);
	}
	rc = ha_rules_load_buffer(rs, path, ha_buf_cstr(&b), b.len, mode, err);
	ha_buf_free(&b);
	return rc;
}

/* -------------------------------- shared with kinds in their own files */

int ha_ld_fail(struct ld *l, const yaml_node_t *n, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return fail(l, n, "%s", msg);
}

int ha_ld_nomem(struct ld *l)
{
	return nomem(l);
}
int ha_ld_visit(struct ld *l, const yaml_node_t *n, int depth)
{
	return visit(l, n, depth);
}

const yaml_node_t *ha_ld_get(struct ld *l, const yaml_node_t *map, const char *key)
{
	return is_map(map) ? get(l, map, key) : NULL;
}

int ha_ld_only_keys(struct ld *l, const yaml_node_t *map, const char *const *allowed)
{
	return is_map(map) ? only_keys(l, map, allowed) : fail(l, map, "expected a mapping");
}

int ha_ld_text(struct ld *l, const yaml_node_t *map, const char *key, int required, char **out)
{
	return get_text(l, map, key, required, out);
}

int ha_ld_path(struct ld *l, const yaml_node_t *map, const char *key, int *hive, char **path)
{
	yaml_node_t *n = get(l, map, key);
	struct ha_err e;
	char *rel = NULL;

	*path = NULL;
	if (!n)
		return fail(l, map, "missing field '%s'", key);
	if (!is_scalar(n) || has_nul(n))
		return fail(l, n, "'%s' must be text", key);
	if (ha_parse_hklm_path(sval(n), hive, &rel, &e) != HA_OK)
		return e.code == HA_ERR_NOMEM ? nomem(l) : fail(l, n, "%s", e.msg);
	if (l->view && *hive == HA_SOFTWARE && ha_ascii_ncasecmp(rel, "Wow6432Node", 11) != 0) {
		*path = ha_asprintf("Wow6432Node%s%s", *rel ? "\\" : "", rel);
		free(rel);
		return *path ? HA_OK : nomem(l);
	}
	*path = rel;
	return HA_OK;
}

int ha_ld_cond(struct ld *l, const yaml_node_t *n, struct cond *c, int depth)
{
	return parse_cond(l, n, c, depth);
}

void ha_ld_cond_init(struct cond *c)
{
	cond_init(c);
}
void ha_ld_cond_free(struct cond *c)
{
	cond_free(c);
}
int ha_ld_is_seq(const yaml_node_t *n)
{
	return is_seq(n);
}
int ha_ld_is_map(const yaml_node_t *n)
{
	return is_map(n);
}

size_t ha_ld_seq_len(const yaml_node_t *n)
{
	return is_seq(n) ? (size_t)(n->data.sequence.items.top - n->data.sequence.items.start) : 0;
}

const yaml_node_t *ha_ld_seq_item(struct ld *l, const yaml_node_t *n, size_t i)
{
	return i < ha_ld_seq_len(n) ? node_at(l, n->data.sequence.items.start[i]) : NULL;
}

const char *ha_ld_scalar(const yaml_node_t *n)
{
	return is_scalar(n) && !has_nul(n) ? sval(n) : NULL;
}

size_t ha_ld_map_len(const yaml_node_t *n)
{
	return is_map(n) ? (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start) : 0;
}

const yaml_node_t *ha_ld_map_key(struct ld *l, const yaml_node_t *n, size_t i)
{
	return i < ha_ld_map_len(n) ? node_at(l, n->data.mapping.pairs.start[i].key) : NULL;
}

const yaml_node_t *ha_ld_map_value(struct ld *l, const yaml_node_t *n, size_t i)
{
	return i < ha_ld_map_len(n) ? node_at(l, n->data.mapping.pairs.start[i].value) : NULL;
}
