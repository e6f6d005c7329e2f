/* suites.c: the `suites` check kind, the TLS 1.2 cipher suites a Windows
 * client would offer, judged against what Azure accepts.
 *
 * (Over 1,000 lines on purpose: a check kind is one file, kinds.c's rule;
 * its loading, evaluation and the fix it records are in that order below.)
 *
 * Everything Microsoft may change is data in the rule file (docs/rules.md,
 * "suites"): the suite names the loader knows, the default lists per OS
 * build, which SCHANNEL Ciphers / Hashes / KeyExchangeAlgorithms key removes
 * which suites, the default curve lists, and Azure's published policies.
 * The code only applies the precedence the sources give:
 *
 *   1. the Group Policy list (SOFTWARE ...\SSL\00010002 Functions, REG_SZ,
 *      comma-separated) replaces everything else;
 *   2. else the local CNG list (SYSTEM ...\Local\SSL\00010002 Functions,
 *      REG_MULTI_SZ);
 *   3. else the OS build's default list;
 * then names the OS does not support are dropped, the SCHANNEL keys remove
 * what they disable, and where the OS honours EccCurves (policy over local,
 * else the build's default) a curve list without a curve Azure accepts
 * removes every ECDHE suite.
 *
 * FAIL: nothing Azure accepts under any published policy remains; WARN: only
 * suites of the older (compatibility) policy remain, or the FAIL rests on a
 * removal or a list the sources leave unconfirmed; PASS otherwise.  A value
 * of the wrong type is UNKNOWN with the reason.
 *
 * The effective list and the accepted ones are also written as two derived
 * evidence rows (value names "offered" and "accepted by Azure", data a
 * comma-separated list) that the reports read; see ha_suites_evidence_*. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_internal.h"

#define POLICY_MAX_CHARS 1023 /* the documented limit of the policy string */
#define MAX_IGNORED      64   /* unknown host names kept for the reason */

struct slist {
	char **v;
	size_t n;
};

struct sdefault {
	struct cond when;
	size_t list;         /* index into suites.lists */
	struct slist extra;  /* also supported, not enabled */
	struct slist curves; /* default EccCurves; honoured only when has_curves */
	int has_curves;
	char *why;
	char *unconfirmed; /* what about this list the sources leave open */
	int line;
};

struct sremove {
	char *key;           /* relative to `schannel`, e.g. Ciphers\AES 128/128 */
	char *path;          /* logical path */
	struct slist match;  /* globs over suite names */
	int absent_disabled; /* an absent Enabled means off (Ciphers\NULL) */
	char *unconfirmed;
};

struct suites {
	int policy_hive, local_hive, sch_hive;
	char *policy_path, *local_path, *sch_path;
	struct slist known, tls13, ecdhe;
	struct slist *lists;
	char **list_names;
	size_t nlists;
	struct sdefault *defs;
	size_t ndefs;
	struct slist current, compat, curves_ok;
	char *current_name, *compat_name;
	struct sremove *rm;
	size_t nrm;
};

static void slist_free(struct slist *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

static int slist_push(struct slist *s, const char *text)
{
	char **p = realloc(s->v, (s->n + 1) * sizeof *p);

	if (!p)
		return HA_ERR_NOMEM;
	s->v = p;
	if (!(p[s->n] = ha_strdup(text)))
		return HA_ERR_NOMEM;
	s->n++;
	return HA_OK;
}

static long slist_find(const struct slist *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (ha_ascii_caseeq(s->v[i], name))
			return (long)i;
	return -1;
}

static int slist_matches(const struct slist *globs, const char *name)
{
	size_t i;

	for (i = 0; i < globs->n; i++)
		if (ha_glob_match(globs->v[i], name))
			return 1;
	return 0;
}

static void suites_free(struct check *c)
{
	struct suites *su = c->priv;
	size_t i;

	if (!su)
		return;
	free(su->policy_path);
	free(su->local_path);
	free(su->sch_path);
	slist_free(&su->known);
	slist_free(&su->tls13);
	slist_free(&su->ecdhe);
	for (i = 0; i < su->nlists; i++) {
		slist_free(&su->lists[i]);
		free(su->list_names[i]);
	}
	free(su->lists);
	free(su->list_names);
	for (i = 0; i < su->ndefs; i++) {
		ha_ld_cond_free(&su->defs[i].when);
		slist_free(&su->defs[i].extra);
		slist_free(&su->defs[i].curves);
		free(su->defs[i].why);
		free(su->defs[i].unconfirmed);
	}
	free(su->defs);
	slist_free(&su->current);
	slist_free(&su->compat);
	slist_free(&su->curves_ok);
	free(su->current_name);
	free(su->compat_name);
	for (i = 0; i < su->nrm; i++) {
		free(su->rm[i].key);
		free(su->rm[i].path);
		slist_free(&su->rm[i].match);
		free(su->rm[i].unconfirmed);
	}
	free(su->rm);
	free(su);
	c->priv = NULL;
}

/* ------------------------------------------------------------- loading */

enum { NAMES_ANY, NAMES_KNOWN, NAMES_GLOBS };

/* A list of words.  NAMES_KNOWN: each must be a suite of `known` (stored in
 * its spelling there); NAMES_GLOBS: each must match at least one. */
static int parse_names(struct ld *l, const struct yaml_node_s *n, const char *what, int mode,
                       const struct slist *known, struct slist *out)
{
	size_t i, k, len = ha_ld_seq_len(n);

	if (!ha_ld_is_seq(n) || !len)
		return ha_ld_fail(l, n, "'%s' must be a non-empty list", what);
	for (i = 0; i < len; i++) {
		const struct yaml_node_s *e = ha_ld_seq_item(l, n, i);
		const char *s = ha_ld_scalar(e);
		long at;

		if (!s || !*s || strlen(s) > 200)
			return ha_ld_fail(l, e, "'%s' items must be names", what);
		if (mode == NAMES_KNOWN) {
			if ((at = slist_find(known, s)) < 0)
				return ha_ld_fail(l, e,
				                  "unknown cipher suite '%s' (not in 'known')", s);
			if (slist_find(out, s) >= 0)
				return ha_ld_fail(l, e, "cipher suite '%s' is listed twice", s);
			s = known->v[at];
		} else if (mode == NAMES_GLOBS) {
			for (k = 0; k < known->n && !ha_glob_match(s, known->v[k]); k++)
				;
			if (k == known->n)
				return ha_ld_fail(l, e,
				                  "pattern '%s' matches no known cipher suite", s);
		}
		if (slist_push(out, s))
			return ha_ld_nomem(l);
	}
	return HA_OK;
}

/* A list given inline or by the name of an entry of `lists`. */
static int parse_list_ref(struct ld *l, struct suites *su, const struct yaml_node_s *n,
                          const char *what, struct slist *out, char **name)
{
	const char *s = ha_ld_scalar(n);
	size_t i;

	if (s) {
		for (i = 0; i < su->nlists; i++) {
			if (!strcmp(su->list_names[i], s)) {
				size_t k;

				for (k = 0; k < su->lists[i].n; k++)
					if (slist_push(out, su->lists[i].v[k]))
						return ha_ld_nomem(l);
				if (name && !(*name = ha_strdup(s)))
					return ha_ld_nomem(l);
				return HA_OK;
			}
		}
		return ha_ld_fail(l, n, "no suite list named '%s' in 'lists'", s);
	}
	return parse_names(l, n, what, NAMES_KNOWN, &su->known, out);
}

static int parse_lists(struct ld *l, struct suites *su, const struct yaml_node_s *n)
{
	size_t i, k, len = ha_ld_map_len(n);
	int rc;

	if (!ha_ld_is_map(n) || !len)
		return ha_ld_fail(l, n, "'lists' must map names to suite lists");
	su->lists = calloc(len, sizeof *su->lists);
	su->list_names = calloc(len, sizeof *su->list_names);
	if (!su->lists || !su->list_names)
		return ha_ld_nomem(l);
	for (i = 0; i < len; i++) {
		const struct yaml_node_s *kn = ha_ld_map_key(l, n, i);
		const char *name = ha_ld_scalar(kn);

		if (!name || !*name)
			return ha_ld_fail(l, kn, "a list name must be a word");
		for (k = 0; k < su->nlists; k++)
			if (!strcmp(su->list_names[k], name))
				return ha_ld_fail(l, kn, "suite list '%s' is defined twice", name);
		if (!(su->list_names[i] = ha_strdup(name)))
			return ha_ld_nomem(l);
		su->nlists++;
		if ((rc = parse_names(l, ha_ld_map_value(l, n, i), name, NAMES_KNOWN, &su->known,
		                      &su->lists[i])))
			return rc;
	}
	return HA_OK;
}

static int parse_defaults(struct ld *l, struct suites *su, const struct yaml_node_s *n)
{
	static const char *const keys[] = {
	        "when", "suites", "also_supported", "curves", "why", "unconfirmed", NULL};
	size_t i, k, len = ha_ld_seq_len(n);
	int rc;

	if (!ha_ld_is_seq(n) || !len)
		return ha_ld_fail(l, n, "'defaults' must be a non-empty list of rows");
	su->defs = calloc(len, sizeof *su->defs);
	if (!su->defs)
		return ha_ld_nomem(l);
	for (i = 0; i < len; i++)
		ha_ld_cond_init(&su->defs[i].when);
	su->ndefs = len;
	for (i = 0; i < len; i++) {
		const struct yaml_node_s *row = ha_ld_seq_item(l, n, i), *v;
		struct sdefault *d = &su->defs[i];
		const char *s;

		if ((rc = ha_ld_only_keys(l, row, keys)))
			return rc;
		if ((v = ha_ld_get(l, row, "when")) && (rc = ha_ld_cond(l, v, &d->when, 3)))
			return rc;
		if (!(v = ha_ld_get(l, row, "suites")))
			return ha_ld_fail(l, row, "missing field 'suites'");
		if (!(s = ha_ld_scalar(v)))
			return ha_ld_fail(l, v, "'suites' names an entry of 'lists'");
		for (k = 0; k < su->nlists && strcmp(su->list_names[k], s); k++)
			;
		if (k == su->nlists)
			return ha_ld_fail(l, v, "no suite list named '%s' in 'lists'", s);
		d->list = k;
		if ((v = ha_ld_get(l, row, "also_supported")) &&
		    (rc = parse_list_ref(l, su, v, "also_supported", &d->extra, NULL)))
			return rc;
		if ((v = ha_ld_get(l, row, "curves"))) {
			if ((rc = parse_names(l, v, "curves", NAMES_ANY, NULL, &d->curves)))
				return rc;
			d->has_curves = 1;
		}
		if ((rc = ha_ld_text(l, row, "why", 1, &d->why)) ||
		    (rc = ha_ld_text(l, row, "unconfirmed", 0, &d->unconfirmed)))
			return rc;
	}
	return HA_OK;
}

static int parse_azure(struct ld *l, struct suites *su, const struct yaml_node_s *n)
{
	static const char *const keys[] = {"current", "compatibility", "curves", NULL};
	const struct yaml_node_s *v;
	int rc;

	if ((rc = ha_ld_only_keys(l, n, keys)))
		return rc;
	if (!(v = ha_ld_get(l, n, "current")))
		return ha_ld_fail(l, n, "missing field 'current'");
	if ((rc = parse_list_ref(l, su, v, "current", &su->current, &su->current_name)))
		return rc;
	if (!(v = ha_ld_get(l, n, "compatibility")))
		return ha_ld_fail(l, n, "missing field 'compatibility'");
	if ((rc = parse_list_ref(l, su, v, "compatibility", &su->compat, &su->compat_name)))
		return rc;
	if (!(v = ha_ld_get(l, n, "curves")))
		return ha_ld_fail(l, n, "missing field 'curves'");
	return parse_names(l, v, "curves", NAMES_ANY, NULL, &su->curves_ok);
}

static int parse_removes(struct ld *l, struct suites *su, const struct yaml_node_s *n)
{
	static const char *const keys[] = {"key", "match", "absent", "unconfirmed", NULL};
	size_t i, len = ha_ld_seq_len(n);
	int rc;

	if (!ha_ld_is_seq(n) || !len)
		return ha_ld_fail(l, n, "'removes' must be a non-empty list of rows");
	su->rm = calloc(len, sizeof *su->rm);
	if (!su->rm)
		return ha_ld_nomem(l);
	su->nrm = len;
	for (i = 0; i < len; i++) {
		const struct yaml_node_s *row = ha_ld_seq_item(l, n, i), *v;
		struct sremove *m = &su->rm[i];
		const char *s;

		if ((rc = ha_ld_only_keys(l, row, keys)) ||
		    (rc = ha_ld_text(l, row, "key", 1, &m->key)))
			return rc;
		if (!*m->key || m->key[0] == '\\' || strstr(m->key, "\\\\") ||
		    m->key[strlen(m->key) - 1] == '\\')
			return ha_ld_fail(
			        l, ha_ld_get(l, row, "key"),
			        "'key' is a path below 'schannel', like Ciphers\\AES 128/128");
		if (!(m->path = ha_asprintf("%s\\%s", su->sch_path, m->key)))
			return ha_ld_nomem(l);
		if (!(v = ha_ld_get(l, row, "match")))
			return ha_ld_fail(l, row, "missing field 'match'");
		if ((rc = parse_names(l, v, "match", NAMES_GLOBS, &su->known, &m->match)))
			return rc;
		if ((v = ha_ld_get(l, row, "absent"))) {
			s = ha_ld_scalar(v);
			if (!s || (strcmp(s, "disabled") && strcmp(s, "enabled")))
				return ha_ld_fail(l, v, "'absent' is enabled or disabled");
			m->absent_disabled = !strcmp(s, "disabled");
		}
		if ((rc = ha_ld_text(l, row, "unconfirmed", 0, &m->unconfirmed)))
			return rc;
	}
	return HA_OK;
}

static int suites_parse(struct ld *l, const struct yaml_node_s *n, struct check *c, int depth)
{
	static const char *const keys[] = {"label",    "policy", "local",   "schannel",
	                                   "known",    "tls13",  "ecdhe",   "lists",
	                                   "defaults", "azure",  "removes", NULL};
	const struct yaml_node_s *v;
	struct suites *su;
	int rc;

	(void)depth;
	if (!ha_ld_is_map(n))
		return ha_ld_fail(l, n, "'suites' must be a mapping");
	if ((rc = ha_ld_only_keys(l, n, keys)))
		return rc;
	if (!(su = calloc(1, sizeof *su)))
		return ha_ld_nomem(l);
	c->priv = su;
	if (!c->label && (rc = ha_ld_text(l, n, "label", 0, &c->label)))
		return rc;
	if ((rc = ha_ld_path(l, n, "policy", &su->policy_hive, &su->policy_path)) ||
	    (rc = ha_ld_path(l, n, "local", &su->local_hive, &su->local_path)) ||
	    (rc = ha_ld_path(l, n, "schannel", &su->sch_hive, &su->sch_path)))
		return rc;
	if (!(v = ha_ld_get(l, n, "known")))
		return ha_ld_fail(l, n, "missing field 'known'");
	if ((rc = parse_names(l, v, "known", NAMES_ANY, NULL, &su->known)))
		return rc;
	{
		size_t i;

		for (i = 1; i < su->known.n; i++) {
			struct slist head = {su->known.v, i};

			if (slist_find(&head, su->known.v[i]) >= 0)
				return ha_ld_fail(l, ha_ld_seq_item(l, v, i),
				                  "cipher suite '%s' is listed twice",
				                  su->known.v[i]);
		}
	}
	if ((v = ha_ld_get(l, n, "tls13")) &&
	    (rc = parse_names(l, v, "tls13", NAMES_GLOBS, &su->known, &su->tls13)))
		return rc;
	if (!(v = ha_ld_get(l, n, "ecdhe")))
		return ha_ld_fail(l, n, "missing field 'ecdhe'");
	if ((rc = parse_names(l, v, "ecdhe", NAMES_GLOBS, &su->known, &su->ecdhe)))
		return rc;
	if (!(v = ha_ld_get(l, n, "lists")))
		return ha_ld_fail(l, n, "missing field 'lists'");
	if ((rc = parse_lists(l, su, v)))
		return rc;
	if (!(v = ha_ld_get(l, n, "defaults")))
		return ha_ld_fail(l, n, "missing field 'defaults'");
	if ((rc = parse_defaults(l, su, v)))
		return rc;
	if (!(v = ha_ld_get(l, n, "azure")))
		return ha_ld_fail(l, n, "missing field 'azure'");
	if ((rc = parse_azure(l, su, v)))
		return rc;
	if (!(v = ha_ld_get(l, n, "removes")))
		return ha_ld_fail(l, n, "missing field 'removes'");
	return parse_removes(l, su, v);
}

static int suites_requests(const struct ha_ruleset *rs, const struct check *c,
                           struct ha_reqset *req, struct ha_err *err)
{
	const struct suites *su = c->priv;
	size_t i;
	int rc;

	(void)rs;
	if ((rc = ha_reqset_add(req, su->policy_hive, su->policy_path, NULL, "Functions", err)) ||
	    (rc = ha_reqset_add(req, su->policy_hive, su->policy_path, NULL, "EccCurves", err)) ||
	    (rc = ha_reqset_add(req, su->local_hive, su->local_path, NULL, "Functions", err)) ||
	    (rc = ha_reqset_add(req, su->local_hive, su->local_path, NULL, "EccCurves", err)))
		return rc;
	for (i = 0; i < su->nrm && !rc; i++)
		rc = ha_reqset_add(req, su->sch_hive, su->rm[i].path, NULL, "Enabled", err);
	return rc;
}

/* ---------------------------------------------------------- evaluation */

/* One host's reading, and what became of each name. */
struct hostrun {
	struct eval_ctx *x;
	const struct suites *su;
	struct res *r;
	const struct sdefault *def;
	unsigned read_roles;      /* hives whose data decided the list */
	int unknown;              /* set: r already holds an UNKNOWN */
	struct slist list;        /* the list in force, known spellings */
	struct slist ignored;     /* unknown names in a host list */
	struct slist unsupported; /* known, but not on this OS */
	const char *source;       /* "the Group Policy list", ... */
	const char *source_short; /* "policy", "local", "default" */
	struct slist curves;
	const char *curves_source;
	int policy_long;     /* the policy string exceeds the documented limit */
	int policy_empty;    /* the policy value holds no name at all */
	size_t ignored_more; /* unknown names past MAX_IGNORED */
	/* What became of the list: why each suite of `list` was removed (index
	 * into su->rm, -2 the curves, -1 kept), and the texts that say so. */
	int *why_removed;
	int curves_broke;      /* the curve list removed an ECDHE suite */
	struct ha_buf removed; /* "SCHANNEL\X is disabled (n suites); ..." */
	struct ha_buf dflt;    /* the same for what is off by default */
	struct ha_buf unconf;  /* "Unconfirmed: ..." sentences */
	struct slist eff;      /* the effective TLS 1.2 suites, in order */
	struct slist ok_cur;   /* of them, accepted by Azure's current policy */
	struct slist ok_any;   /* accepted by either policy */
	struct slist firm_any; /* would be accepted but for unconfirmed removals */
	int nomem;
};

static void hostrun_free(struct hostrun *h)
{
	slist_free(&h->list);
	slist_free(&h->ignored);
	slist_free(&h->unsupported);
	slist_free(&h->curves);
	free(h->why_removed);
	ha_buf_free(&h->removed);
	ha_buf_free(&h->dflt);
	ha_buf_free(&h->unconf);
	slist_free(&h->eff);
	slist_free(&h->ok_cur);
	slist_free(&h->ok_any);
	slist_free(&h->firm_any);
}

static void set_unknown(struct hostrun *h, const char *obs, const char *fmt, ...) HA_PRINTF(3, 4);
static void set_unknown(struct hostrun *h, const char *obs, const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	h->unknown = 1;
	h->r->status = HA_UNKNOWN;
	ha_buf_truncate(&h->r->obs, 0);
	ha_buf_puts(&h->r->obs, obs);
	ha_buf_puts(&h->r->why, msg);
}

/* The key, or NULL after recording UNKNOWN when it could not be read. */
static const struct ha_key *read_key(struct hostrun *h, int hive, const char *path,
                                     const char *what)
{
	const struct ha_key *k = ha_snapshot_key(ha_ev_snapshot(h->x), hive, path);

	if (!k || k->state == HA_KEY_UNAVAILABLE || k->state == HA_KEY_ERROR) {
		if (k)
			ha_ev_evidence_value(h->x, hive, k, NULL, NULL, NULL);
		set_unknown(h, "not readable", "%s could not be read: %s.", what,
		            k && k->error ? k->error : "not requested");
		return NULL;
	}
	return k;
}

/* A value of the key, NULL when absent; UNKNOWN when unreadable. */
static const struct ha_value *read_value(struct hostrun *h, int hive, const struct ha_key *k,
                                         const char *name, const char *what)
{
	const struct ha_value *v = k->state == HA_KEY_PRESENT ? ha_key_value(k, name) : NULL;

	if (v && v->error) {
		ha_ev_evidence_value(h->x, hive, k, name, v, NULL);
		set_unknown(h, "unreadable", "%s could not be read: %s.", what, v->error);
		return NULL;
	}
	return v;
}

static int is_sz(const struct ha_value *v)
{
	return v->type == HA_REG_SZ || v->type == HA_REG_EXPAND_SZ;
}

/* REG_MULTI_SZ strings up to the empty one that ends the list. */
static int split_multi(const struct ha_value *v, struct slist *out)
{
	struct ha_buf b;
	size_t i, start = 0;
	int rc = HA_OK;

	ha_buf_init(&b, 1 << 16);
	for (i = 0; i + 1 < v->len && !rc; i += 2) {
		if (v->data[i] || v->data[i + 1])
			continue;
		if (i == start)
			break;
		ha_buf_truncate(&b, 0);
		ha_utf16le_to_utf8(&b, v->data + start, i - start, 0);
		rc = ha_buf_status(&b) ? HA_ERR_NOMEM : slist_push(out, ha_buf_cstr(&b));
		start = i + 2;
	}
	if (!rc && start + 1 < v->len && i + 1 >= v->len) {
		/* A last string without its terminator. */
		ha_buf_truncate(&b, 0);
		ha_utf16le_to_utf8(&b, v->data + start, (v->len - start) & ~(size_t)1, 0);
		if (b.len)
			rc = ha_buf_status(&b) ? HA_ERR_NOMEM : slist_push(out, ha_buf_cstr(&b));
	}
	ha_buf_free(&b);
	return rc;
}

/* "a, b ,c" into names, spaces and tabs trimmed, empty items skipped. */
static int split_commas(const char *s, struct slist *out)
{
	while (*s) {
		const char *e = strchr(s, ',');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		char *one;

		while (n && (*s == ' ' || *s == '\t')) {
			s++;
			n--;
		}
		while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		if (n) {
			if (!(one = malloc(n + 1)))
				return HA_ERR_NOMEM;
			memcpy(one, s, n);
			one[n] = '\0';
			if (slist_push(out, one)) {
				free(one);
				return HA_ERR_NOMEM;
			}
			free(one);
		}
		if (!e)
			break;
		s = e + 1;
	}
	return HA_OK;
}

static const char *type_word(const struct ha_value *v, char tb[24])
{
	return ha_reg_type_name(v->type, tb);
}

/* Sorts host names into the list in force (known and supported, first
 * occurrence), ignored and unsupported. */
static int take_names(struct hostrun *h, const struct slist *names)
{
	const struct suites *su = h->su;
	const struct slist *deflist = &su->lists[h->def->list];
	size_t i;

	for (i = 0; i < names->n; i++) {
		long at = slist_find(&su->known, names->v[i]);
		const char *canon = at >= 0 ? su->known.v[at] : NULL;
		int rc;

		if (!canon) {
			/* A hostile list may hold any number of names: keep a few
			 * (deduplicating is quadratic) and count the rest. */
			if (slist_find(&h->ignored, names->v[i]) >= 0)
				rc = HA_OK;
			else if (h->ignored.n >= MAX_IGNORED) {
				h->ignored_more++;
				rc = HA_OK;
			} else
				rc = slist_push(&h->ignored, names->v[i]);
		} else if (slist_find(deflist, canon) < 0 &&
		           slist_find(&h->def->extra, canon) < 0) {
			rc = slist_find(&h->unsupported, canon) >= 0
			             ? HA_OK
			             : slist_push(&h->unsupported, canon);
		} else {
			rc = slist_find(&h->list, canon) >= 0 ? HA_OK : slist_push(&h->list, canon);
		}
		if (rc)
			return rc;
	}
	return HA_OK;
}

/* Step 1-3: the list in force. */
static int pick_list(struct hostrun *h)
{
	const struct suites *su = h->su;
	const struct ha_key *k;
	const struct ha_value *v;
	struct slist names = {NULL, 0};
	char tb[24];
	int rc = HA_OK;

	if (!(k = read_key(h, su->policy_hive, su->policy_path, "The cipher suite order policy")))
		return HA_OK;
	h->read_roles |= 1u << su->policy_hive;
	if (!(v = read_value(h, su->policy_hive, k, "Functions", "The policy's Functions value")) &&
	    h->unknown)
		return HA_OK;
	if (v) {
		char *s = NULL;

		ha_ev_evidence_value(h->x, su->policy_hive, k, "Functions", v,
		                     is_sz(v) ? "Group Policy SSL Cipher Suite Order"
		                              : "wrong type");
		if (!is_sz(v)) {
			set_unknown(h, "policy Functions of the wrong type",
			            "The Group Policy cipher suite list (Functions) is a %s, not "
			            "REG_SZ; "
			            "how Windows reads it then is not documented.",
			            type_word(v, tb));
			return HA_OK;
		}
		if (ha_value_string(v, &s) != HA_OK)
			return HA_ERR_NOMEM;
		h->policy_long = strlen(s) > POLICY_MAX_CHARS;
		rc = split_commas(s, &names);
		h->policy_empty = !rc && !names.n;
		free(s);
		h->source = "the Group Policy list";
		h->source_short = "policy";
	} else {
		if (!(k = read_key(h, su->local_hive, su->local_path,
		                   "The local cipher suite list")))
			return HA_OK;
		h->read_roles |= 1u << su->local_hive;
		if (!(v = read_value(h, su->local_hive, k, "Functions",
		                     "The local Functions value")) &&
		    h->unknown)
			return HA_OK;
		if (v) {
			ha_ev_evidence_value(h->x, su->local_hive, k, "Functions", v,
			                     v->type == HA_REG_MULTI_SZ ? "local CNG configuration"
			                                                : "wrong type");
			if (v->type != HA_REG_MULTI_SZ) {
				set_unknown(h, "local Functions of the wrong type",
				            "The local cipher suite list (Functions) is a %s, not "
				            "REG_MULTI_SZ; how Windows reads it then is not "
				            "documented.",
				            type_word(v, tb));
				return HA_OK;
			}
			rc = split_multi(v, &names);
			h->source = "the local list";
			h->source_short = "local";
		} else {
			const struct slist *d = &su->lists[h->def->list];
			size_t i;

			for (i = 0; i < d->n && !rc; i++)
				rc = slist_push(&names, d->v[i]);
			h->source = "the default list";
			h->source_short = "default";
		}
	}
	if (!rc)
		rc = take_names(h, &names);
	slist_free(&names);
	return rc;
}

/* EccCurves, policy over local over the build's default. */
static int pick_curves(struct hostrun *h)
{
	const struct suites *su = h->su;
	static const char *const where[] = {"the Group Policy curve list", "the local curve list"};
	const int hives[] = {su->policy_hive, su->local_hive};
	const char *paths[] = {su->policy_path, su->local_path};
	size_t i;
	char tb[24];

	if (!h->def->has_curves)
		return HA_OK;
	for (i = 0; i < 2; i++) {
		const struct ha_key *k = read_key(h, hives[i], paths[i], where[i]);
		const struct ha_value *v;

		if (!k)
			return HA_OK;
		if (!(v = read_value(h, hives[i], k, "EccCurves", where[i])) && h->unknown)
			return HA_OK;
		if (!v)
			continue;
		h->read_roles |= 1u << hives[i];
		ha_ev_evidence_value(h->x, hives[i], k, "EccCurves", v,
		                     v->type == HA_REG_MULTI_SZ ? "" : "wrong type");
		if (v->type != HA_REG_MULTI_SZ) {
			set_unknown(
			        h, "EccCurves of the wrong type",
			        "EccCurves (%s) is a %s, not REG_MULTI_SZ; how Windows reads it "
			        "then is not documented.",
			        where[i], type_word(v, tb));
			return HA_OK;
		}
		h->curves_source = where[i];
		return split_multi(v, &h->curves);
	}
	h->curves_source = "the default curve list";
	for (i = 0; i < h->def->curves.n; i++)
		if (slist_push(&h->curves, h->def->curves.v[i]))
			return HA_ERR_NOMEM;
	return HA_OK;
}

/* Step 4: whether each removal key disables its suites: 1 off, 2 off by
 * default (absent), 0 on, -1 UNKNOWN recorded. */
static int removal_state(struct hostrun *h, const struct sremove *m)
{
	const struct ha_key *k = read_key(h, h->su->sch_hive, m->path, m->key);
	const struct ha_value *v;
	uint32_t d;
	char tb[24];

	if (!k)
		return -1;
	if (!(v = read_value(h, h->su->sch_hive, k, "Enabled", m->key)) && h->unknown)
		return -1;
	if (!v)
		return m->absent_disabled ? 2 : 0;
	h->read_roles |= 1u << h->su->sch_hive;
	if (v->type != HA_REG_DWORD || ha_value_dword(v, &d) != HA_OK) {
		ha_ev_evidence_value(h->x, h->su->sch_hive, k, "Enabled", v, "wrong type");
		set_unknown(
		        h, "SCHANNEL Enabled of the wrong type",
		        "SCHANNEL\\%s\\Enabled is a %s, not REG_DWORD; how SChannel reads it then "
		        "is not documented.",
		        m->key, type_word(v, tb));
		return -1;
	}
	ha_ev_evidence_value(h->x, h->su->sch_hive, k, "Enabled", v,
	                     d ? "" : "disables the suites it covers");
	return d == 0;
}

/* The first `max` names, then "and N more" counting `extra` uncollected
 * ones too. */
static void put_names_more(struct ha_buf *b, const struct slist *s, size_t max, size_t extra)
{
	size_t i;

	for (i = 0; i < s->n && i < max; i++)
		ha_buf_printf(b, "%s%s", i ? ", " : "", s->v[i]);
	if (s->n > max || extra)
		ha_buf_printf(b, " and %zu more", (s->n > max ? s->n - max : 0) + extra);
}

static void put_names(struct ha_buf *b, const struct slist *s, size_t max)
{
	put_names_more(b, s, max, 0);
}

/* "hex(7):" data of a REG_MULTI_SZ for a .reg file, continued over lines
 * (the pack's names are ASCII). */
static void reg_multi(struct ha_buf *b, const struct slist *v)
{
	size_t i, k, n = 0;

	ha_buf_puts(b, "hex(7):");
	for (i = 0; i <= v->n; i++) {
		const char *s = i < v->n ? v->v[i] : "";

		for (k = 0;; k++) {
			unsigned ch = (unsigned char)s[k];

			if (n++)
				ha_buf_puts(b, n % 12 == 1 ? ",\\\n  " : ",");
			ha_buf_printf(b, "%02x,00", ch);
			if (!ch)
				break;
		}
	}
}

/* A .reg fragment that restores a working list where the damage is: the
 * policy or local list rewritten from the build's default order (policy:
 * what Azure accepts first, within the 1,023 characters), the SCHANNEL
 * keys that removed an accepted suite enabled, EccCurves set back to the
 * default.  Empty when nothing on the host can be changed. */
static void build_fragment(struct hostrun *h, struct ha_buf *b)
{
	const int *why_removed = h->why_removed;
	int curves_broke = h->curves_broke;
	const struct suites *su = h->su;
	const struct slist *d = &su->lists[h->def->list];
	const char *hive_name[2] = {"SYSTEM", "SOFTWARE"};
	size_t i, j;
	int list_bad = strcmp(h->source_short, "default") != 0;

	if (list_bad && !strcmp(h->source_short, "policy")) {
		struct ha_buf v;
		int pass;

		ha_buf_init(&v, 1 << 16);
		for (pass = 0; pass < 2; pass++) {
			for (i = 0; i < d->n; i++) {
				const char *s = d->v[i];
				int first = slist_matches(&su->tls13, s) ||
				            slist_find(&su->current, s) >= 0 ||
				            slist_find(&su->compat, s) >= 0;

				if (first != !pass || strstr(s, "_NULL_"))
					continue;
				if (v.len + strlen(s) + 1 > POLICY_MAX_CHARS)
					continue;
				ha_buf_printf(&v, "%s%s", v.len ? "," : "", s);
			}
		}
		ha_buf_printf(
		        b,
		        "; Group Policy \"SSL Cipher Suite Order\": %s's order, the suites Azure "
		        "accepts first.\n; A policy change takes effect after a reboot; if a "
		        "domain GPO sets it, change the GPO or it comes back.\n",
		        h->def->why);
		ha_buf_printf(b, "[HKEY_LOCAL_MACHINE\\%s\\%s]\n\"Functions\"=\"%s\"\n",
		              hive_name[su->policy_hive], su->policy_path, ha_buf_cstr(&v));
		ha_buf_free(&v);
	} else if (list_bad) {
		ha_buf_printf(
		        b,
		        "; The local cipher suite list, back to %s (Microsoft does not support "
		        "editing it by hand; servicing may reset it). Reboot afterwards.\n",
		        h->def->why);
		ha_buf_printf(b, "[HKEY_LOCAL_MACHINE\\%s\\%s]\n\"Functions\"=",
		              hive_name[su->local_hive], su->local_path);
		reg_multi(b, d);
		ha_buf_putc(b, '\n');
	}
	for (j = 0; j < su->nrm; j++) {
		int hit = 0;

		for (i = 0; i < h->list.n && !hit; i++)
			hit = why_removed[i] == (int)j &&
			      (slist_find(&su->current, h->list.v[i]) >= 0 ||
			       slist_find(&su->compat, h->list.v[i]) >= 0);
		/* Two rows may name one key: write it once. */
		for (i = 0; i < j && hit; i++)
			if (!strcmp(su->rm[i].path, su->rm[j].path))
				hit = 0;
		if (!hit)
			continue;
		ha_buf_printf(b,
		              "; SCHANNEL\\%s removes suites Azure accepts. Reboot afterwards.\n",
		              su->rm[j].key);
		ha_buf_printf(b, "[HKEY_LOCAL_MACHINE\\%s\\%s]\n\"Enabled\"=dword:ffffffff\n",
		              hive_name[su->sch_hive], su->rm[j].path);
	}
	if (curves_broke && h->curves_source &&
	    strcmp(h->curves_source, "the default curve list")) {
		int pol = !strcmp(h->curves_source, "the Group Policy curve list");

		ha_buf_printf(b,
		              "; %s has no curve Azure accepts: back to the default. Reboot "
		              "afterwards.\n",
		              h->curves_source);
		ha_buf_printf(b, "[HKEY_LOCAL_MACHINE\\%s\\%s]\n\"EccCurves\"=",
		              hive_name[pol ? su->policy_hive : su->local_hive],
		              pol ? su->policy_path : su->local_path);
		reg_multi(b, &h->def->curves);
		ha_buf_putc(b, '\n');
	}
}

/* The first `defaults` row for the host; NULL after recording UNKNOWN. */
static const struct sdefault *pick_default(struct hostrun *h)
{
	const struct ha_facts *f = ha_ev_facts(h->x);
	size_t i;

	for (i = 0; i < h->su->ndefs; i++) {
		int m = ha_cond_eval(&h->su->defs[i].when, f);

		if (m == C_TRUE)
			return &h->su->defs[i];
		if (m == C_UNKNOWN) {
			ha_ev_os_evidence(h->x);
			set_unknown(h, "OS unknown",
			            "Cannot tell which default suite list applies: %s.",
			            ha_ev_facts_gap(h->x));
			return NULL;
		}
	}
	ha_ev_os_evidence(h->x);
	set_unknown(h, "no default list", "No default cipher suite list is known for %s.",
	            f->os_family);
	return NULL;
}

static void add_sentence(struct ha_buf *b, const char *sep, const char *text)
{
	if (b->len)
		ha_buf_puts(b, sep);
	ha_buf_puts(b, text);
}

/* Step 4: the SCHANNEL keys.  HA_OK; HA_ERR_FORMAT when a key made the
 * check UNKNOWN (recorded). */
static int apply_removals(struct hostrun *h)
{
	const struct suites *su = h->su;
	size_t i, j;

	for (j = 0; j < su->nrm; j++) {
		int st = removal_state(h, &su->rm[j]);
		size_t hits = 0;

		if (st < 0)
			return HA_ERR_FORMAT;
		if (!st)
			continue;
		for (i = 0; i < h->list.n; i++) {
			/* A confirmed removal takes over from an unconfirmed one, so
			 * that the WARN-for-unconfirmed in judge() sees only suites
			 * that nothing confirmed removes. */
			int w = h->why_removed[i];
			int free_slot = w == -1 ||
			                (w >= 0 && su->rm[w].unconfirmed && !su->rm[j].unconfirmed);

			if (free_slot && slist_matches(&su->rm[j].match, h->list.v[i])) {
				h->why_removed[i] = (int)j;
				hits++;
			}
		}
		if (hits) {
			/* What is off by default goes to the observed text only. */
			struct ha_buf *b = st == 2 ? &h->dflt : &h->removed;

			if (b->len)
				ha_buf_puts(b, "; ");
			ha_buf_printf(b, "SCHANNEL\\%s is %s (%zu suite%s)", su->rm[j].key,
			              st == 2 ? "off by default" : "disabled", hits,
			              hits == 1 ? "" : "s");
			if (su->rm[j].unconfirmed) {
				if (h->unconf.len)
					ha_buf_puts(&h->unconf, " ");
				ha_buf_printf(&h->unconf, "Unconfirmed: %s.",
				              su->rm[j].unconfirmed);
			}
		}
	}
	return HA_OK;
}

/* Step 5: a curve list without a curve Azure accepts removes ECDHE. */
static void apply_curves(struct hostrun *h)
{
	const struct suites *su = h->su;
	size_t i, hits = 0;
	int nist = 0;

	if (!h->def->has_curves)
		return;
	for (i = 0; i < h->curves.n; i++)
		nist |= slist_find(&su->curves_ok, h->curves.v[i]) >= 0;
	if (nist)
		return;
	for (i = 0; i < h->list.n; i++) {
		if (h->why_removed[i] == -1 && slist_matches(&su->ecdhe, h->list.v[i])) {
			h->why_removed[i] = -2;
			hits++;
		}
	}
	if (!hits)
		return;
	h->curves_broke = 1;
	add_sentence(&h->unconf, " ",
	             "Unconfirmed: that ECDHE in TLS 1.2 needs one of the curves Azure names for "
	             "TLS 1.3 clients is an inference.");
	if (h->removed.len)
		ha_buf_puts(&h->removed, "; ");
	ha_buf_printf(&h->removed, "%s (", h->curves_source);
	if (h->curves.n)
		put_names(&h->removed, &h->curves, 6);
	else
		ha_buf_puts(&h->removed, "empty");
	ha_buf_printf(&h->removed,
	              ") has no curve Azure accepts, so no ECDHE suite can be used "
	              "(%zu suite%s)",
	              hits, hits == 1 ? "" : "s");
}

static void push_or_nomem(struct hostrun *h, struct slist *l, const char *s)
{
	if (slist_push(l, s))
		h->nomem = 1;
}

/* The effective list, what Azure accepts of it, and the status. */
static int judge(struct hostrun *h)
{
	const struct suites *su = h->su;
	size_t i;
	int status;

	for (i = 0; i < h->list.n; i++) {
		const char *s = h->list.v[i];
		int w = h->why_removed[i];
		int cur = slist_find(&su->current, s) >= 0;
		int any = cur || slist_find(&su->compat, s) >= 0;

		if (slist_matches(&su->tls13, s))
			continue;
		if (w == -1) {
			push_or_nomem(h, &h->eff, s);
			if (cur)
				push_or_nomem(h, &h->ok_cur, s);
			if (any)
				push_or_nomem(h, &h->ok_any, s);
		}
		/* What would be accepted without the removals the sources leave
		 * open (the curve rule is an inference too). */
		if (any && (w == -1 || w == -2 || (w >= 0 && su->rm[w].unconfirmed)))
			push_or_nomem(h, &h->firm_any, s);
	}
	status = h->ok_cur.n ? HA_PASS : h->ok_any.n ? HA_WARN : HA_FAIL;
	if (status == HA_FAIL && h->firm_any.n)
		status = HA_WARN; /* the FAIL rests on an unconfirmed removal */
	if (status == HA_FAIL && !strcmp(h->source_short, "default") && h->def->unconfirmed)
		status = HA_WARN;
	if (status == HA_FAIL && h->policy_empty)
		status = HA_WARN; /* what Windows does with an empty policy is not documented */
	return status;
}

/* observed: "policy list: 3 TLS 1.2 suites offered (A, B, C); Azure
 * accepts 1 (current policy 0); removed: ..." */
static void write_observed(struct hostrun *h)
{
	struct ha_buf *o = &h->r->obs;

	ha_buf_printf(o, "%s list: %zu TLS 1.2 suite%s offered", h->source_short, h->eff.n,
	              h->eff.n == 1 ? "" : "s");
	if (h->eff.n) {
		ha_buf_puts(o, " (");
		put_names(o, &h->eff, 5);
		ha_buf_puts(o, ")");
	}
	ha_buf_printf(o, "; Azure accepts %zu (current policy %zu)", h->ok_any.n, h->ok_cur.n);
	if (h->removed.len || h->dflt.len)
		ha_buf_printf(o, "; removed: %s%s%s", ha_buf_cstr(&h->removed),
		              h->removed.len && h->dflt.len ? "; " : "", ha_buf_cstr(&h->dflt));
}

/* The one sentence, then what the sources leave open. */
static void write_reason(struct hostrun *h, int status)
{
	const struct suites *su = h->su;
	const char *cur = su->current_name ? su->current_name : "current";
	const char *compat = su->compat_name ? su->compat_name : "compatibility";
	struct ha_buf *w = &h->r->why;
	char src[64];

	snprintf(src, sizeof src, "%s", h->source);
	if (src[0] >= 'a' && src[0] <= 'z')
		src[0] = (char)(src[0] - 'a' + 'A');
	if (!h->eff.n) {
		ha_buf_printf(w, "%s leaves no TLS 1.2 cipher suite", src);
		if (h->removed.len)
			ha_buf_printf(w, " once %s", ha_buf_cstr(&h->removed));
		ha_buf_puts(w, ", so the client cannot negotiate TLS 1.2 at all.");
	} else if (status == HA_PASS) {
		ha_buf_printf(w,
		              "%s offers %zu TLS 1.2 suite%s, %zu of which Azure's current policy "
		              "(%s) accepts, first %s.",
		              src, h->eff.n, h->eff.n == 1 ? "" : "s", h->ok_cur.n, cur,
		              h->ok_cur.v[0]);
	} else {
		ha_buf_printf(w, "%s leaves %s", src, h->eff.n <= 3 ? "only " : "");
		put_names(w, &h->eff, 3);
		if (h->removed.len)
			ha_buf_printf(w, " (%s)", ha_buf_cstr(&h->removed));
		if (h->ok_any.n)
			ha_buf_printf(w,
			              ", which Azure accepts only under its older compatibility "
			              "policy (%s), not its current default (%s).",
			              compat, cur);
		else
			ha_buf_printf(
			        w,
			        ", which Azure's current policy (%s) does not accept, nor its "
			        "compatibility policy (%s).",
			        cur, compat);
	}
	if (status == HA_WARN && !h->ok_any.n)
		ha_buf_puts(w, " WARN, not FAIL: the removal that decides it is not confirmed by "
		               "the sources.");
	if (h->ignored.n) {
		ha_buf_puts(w, " Names Windows does not know, ignored (unconfirmed): ");
		put_names_more(w, &h->ignored, 5, h->ignored_more);
		ha_buf_putc(w, '.');
	}
	if (h->unsupported.n) {
		ha_buf_printf(
		        w, " Not supported on %s, so not offered: ", ha_ev_facts(h->x)->os_family);
		put_names(w, &h->unsupported, 5);
		ha_buf_putc(w, '.');
	}
	if (h->policy_empty)
		ha_buf_puts(w, " The policy value is empty; whether Windows then uses no suite or "
		               "falls back to the local list is unconfirmed, so this is WARN, not "
		               "FAIL.");
	if (h->policy_long)
		ha_buf_puts(w, " The policy string is longer than 1,023 characters; how Windows "
		               "treats the rest is unconfirmed.");
	if (h->unconf.len)
		ha_buf_printf(w, " %s", ha_buf_cstr(&h->unconf));
	if (!strcmp(h->source_short, "default") && h->def->unconfirmed)
		ha_buf_printf(w, " Default list: %s (unconfirmed: %s).", h->def->why,
		              h->def->unconfirmed);
	if (status != HA_PASS)
		ha_buf_puts(w, " Azure Backup does not publish its endpoints' suites; the accepted "
		               "sets are Azure Front Door's published policies.");
}

/* The derived rows the reports read (report/suites.c). */
static void write_rows(struct hostrun *h, int status)
{
	static const char what[] = "effective TLS 1.2 client cipher suites";
	struct ha_buf list;
	size_t i;

	ha_buf_init(&list, 1 << 20);
	put_names(&list, &h->eff, h->eff.n);
	ha_ev_evidence_note(h->x, what, "offered", "suite list", ha_buf_cstr(&list), h->source);
	ha_buf_truncate(&list, 0);
	for (i = 0; i < h->ok_any.n; i++)
		ha_buf_printf(&list, "%s%s%s", i ? ", " : "", h->ok_any.v[i],
		              slist_find(&h->ok_cur, h->ok_any.v[i]) >= 0 ? ""
		                                                          : " (compatibility)");
	ha_ev_evidence_note(h->x, what, "accepted by Azure", "suite list", ha_buf_cstr(&list),
	                    h->su->current_name);
	if (status != HA_PASS) {
		ha_buf_truncate(&list, 0);
		build_fragment(h, &list);
		if (list.len)
			ha_ev_evidence_note(h->x, what, "remediation", "reg fragment",
			                    ha_buf_cstr(&list),
			                    "what remediate writes for this host");
	}
	if (ha_buf_status(&list))
		h->nomem = 1;
	ha_buf_free(&list);
}

/* A readable but untrusted hive that the check read makes it UNKNOWN,
 * keeping what the stored data gives (eval.c's trust_note says it). */
static void apply_hive_trust(struct hostrun *h)
{
	const struct suites *su = h->su;
	struct res *r = h->r;
	int role;

	for (role = 0; role < HA_NROLES; role++) {
		const struct ha_roleinfo *ri = &ha_ev_snapshot(h->x)->role[role];

		if (role != su->sch_hive && role != su->local_hive && role != su->policy_hive)
			continue;
		if (r->status != HA_PASS && r->status != HA_FAIL && r->status != HA_WARN &&
		    !(r->status == HA_UNKNOWN && r->untrusted))
			continue;
		if (!ha_hive_status_readable(ri->status) || ha_hive_status_trusted(ri->status))
			continue;
		if (!r->untrusted)
			r->stored = r->status;
		r->untrusted |= 1u << role;
		r->status = HA_UNKNOWN;
	}
}

static void suites_eval(struct eval_ctx *x, const struct check *c, struct res *r)
{
	const struct suites *su = c->priv;
	struct hostrun h;
	size_t i;

	memset(&h, 0, sizeof h);
	h.x = x;
	h.su = su;
	h.r = r;
	ha_buf_init(&h.removed, 1 << 16);
	ha_buf_init(&h.dflt, 1 << 16);
	ha_buf_init(&h.unconf, 1 << 16);
	ha_buf_printf(&r->exp, "%s: at least one suite Azure accepts (%s: ",
	              c->label ? c->label : "TLS 1.2 client cipher suites",
	              su->current_name ? su->current_name : "current policy");
	put_names(&r->exp, &su->current, 4);
	ha_buf_puts(&r->exp, ")");
	if (!(h.def = pick_default(&h)))
		goto out;
	if (pick_list(&h) || (!h.unknown && pick_curves(&h))) {
		h.nomem = 1;
		goto out;
	}
	if (h.unknown)
		goto out;
	if (!(h.why_removed = calloc(h.list.n + 1, sizeof *h.why_removed))) {
		h.nomem = 1;
		goto out;
	}
	for (i = 0; i < h.list.n; i++)
		h.why_removed[i] = -1;
	if (apply_removals(&h))
		goto out;
	apply_curves(&h);
	r->status = judge(&h);
	write_observed(&h);
	write_reason(&h, r->status);
	write_rows(&h, r->status);
out:
	apply_hive_trust(&h);
	if (h.nomem || ha_buf_status(&h.removed) || ha_buf_status(&h.dflt) ||
	    ha_buf_status(&h.unconf))
		ha_ev_nomem(x);
	hostrun_free(&h);
}

const struct check_kind_ops ha_kind_suites = {"suites",    CK_OTHER,        suites_parse,
                                              suites_eval, suites_requests, suites_free};
