/* waivers.c: accepted exceptions (`scan --waivers FILE`).
 *
 * A waiver file is YAML, one document:
 *
 *   waivers:
 *     - hosts: [web01, "lab-*", SRV2019]   # labels, glob patterns or computer names
 *       rules: [WINHTTP-TLS12]             # rule ids (globs allowed)
 *       reason: Legacy agent, isolated VLAN until the migration
 *       approver: J. Smith (CISO)
 *       expires: 2026-06-30                # last day it counts
 *       ticket: CHG-1234                   # optional
 *
 * `hosts` and `rules` take one string or a list.  Every other field is one
 * string; every field but `ticket` is required, and an unknown field is an
 * error, so a typo never silently widens or drops a waiver.  Errors name
 * the file, line and column, like rule files.  A rule id without a wildcard
 * must be a loaded rule (ha_waivers_check).
 *
 * The file is input from a user, so it is bounded like a rule file: its
 * size, its nesting depth (checked on the events before libyaml builds a
 * document), the number of waivers and of names visited (aliases let a
 * small file name the same long list many times).
 *
 * What a waiver does (ha_waivers_apply): a FAIL finding of a named host and
 * rule keeps its status and is marked waived; once the waiver has expired
 * (the audit date is after `expires`) it is marked expired and counts as
 * any FAIL.  Other statuses are never waived. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "ha_rules.h"
#include "yamlerr.h"

#define MAX_FILE       ((size_t)4 << 20)
#define MAX_YAML_DEPTH 16
#define MAX_WAIVERS    100000
#define MAX_VISITS     1000000
#define MAX_TEXT       4096

struct wl {
	yaml_document_t *doc;
	const char *name;
	struct ha_err *err;
	long visits;
};

/* Whether the finding's rule judges the evidence (its category says). */
static int integrity_rule(const struct ha_finding *f)
{
	const struct ha_category *c = ha_category_find(f->category);

	return c && c->integrity;
}

static int fail(struct wl *l, const yaml_node_t *n, const char *fmt, ...) HA_PRINTF(3, 4);
static int fail(struct wl *l, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = ha_yaml_vfail_at(l->err, l->name, n ? &n->start_mark : NULL, fmt, ap);
	va_end(ap);
	return rc;
}

/* A libyaml failure as "file:line:column: what". */
static int yaml_fail(const char *name, const yaml_parser_t *p, struct ha_err *err)
{
	if (p->error == YAML_MEMORY_ERROR)
		return ha_err_set(err, HA_ERR_NOMEM, "%s: out of memory while parsing", name);
	if (p->error == YAML_READER_ERROR)
		return ha_err_set(err, HA_ERR_RULES,
		                  "%s: byte %zu: %s; a waiver file is UTF-8 text", name,
		                  p->problem_offset, p->problem ? p->problem : "unreadable");
	return ha_yaml_fail_at(err, name, &p->problem_mark, "YAML syntax error: %s",
	                       p->problem ? p->problem : "unknown");
}

/* Depth and document count on the events, before a document is built. */
static int prescan(const char *name, const char *text, size_t len, struct ha_err *err)
{
	yaml_parser_t p;
	yaml_event_t ev;
	int depth = 0, docs = 0, rc = HA_OK, done = 0;

	if (!yaml_parser_initialize(&p))
		return ha_err_nomem(err);
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	while (!done && !rc) {
		if (!yaml_parser_parse(&p, &ev)) {
			rc = yaml_fail(name, &p, err);
			break;
		}
		if (ev.type == YAML_DOCUMENT_START_EVENT && ++docs > 1)
			rc = ha_yaml_fail_at(err, name, &ev.start_mark,
			                     "a second YAML document starts here; a waiver "
			                     "file holds one");
		else if ((ev.type == YAML_SEQUENCE_START_EVENT ||
		          ev.type == YAML_MAPPING_START_EVENT) &&
		         ++depth > MAX_YAML_DEPTH)
			rc = ha_yaml_fail_at(err, name, &ev.start_mark,
			                     "nested more than %d levels deep", MAX_YAML_DEPTH);
		else if (ev.type == YAML_SEQUENCE_END_EVENT || ev.type == YAML_MAPPING_END_EVENT)
			depth--;
		else if (ev.type == YAML_STREAM_END_EVENT)
			done = 1;
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	return rc;
}

static yaml_node_t *node(struct wl *l, int id)
{
	return yaml_document_get_node(l->doc, id);
}

/* A non-empty scalar, copied; `what` names the field in messages. */
static int scalar(struct wl *l, yaml_node_t *n, const char *what, char **out)
{
	size_t len;

	if (++l->visits > MAX_VISITS)
		return fail(l, n, "too many names (more than %d)", MAX_VISITS);
	if (n->type != YAML_SCALAR_NODE)
		return fail(l, n, "%s must be a string", what);
	len = n->data.scalar.length;
	if (len == 0)
		return fail(l, n, "%s must not be empty", what);
	if (len > MAX_TEXT)
		return fail(l, n, "%s is longer than %d bytes", what, MAX_TEXT);
	if (memchr(n->data.scalar.value, '\0', len))
		return fail(l, n, "%s holds a NUL character", what);
	*out = ha_strndup((const char *)n->data.scalar.value, len);
	return *out ? HA_OK : ha_err_nomem(l->err);
}

/* One string or a list of strings. */
static int names(struct wl *l, yaml_node_t *n, const char *what, char ***out, size_t *nout)
{
	yaml_node_item_t *it;
	size_t cnt;
	int rc;

	if (n->type == YAML_SCALAR_NODE) {
		*out = calloc(1, sizeof **out);
		if (!*out)
			return ha_err_nomem(l->err);
		*nout = 1;
		return scalar(l, n, what, &(*out)[0]);
	}
	if (n->type != YAML_SEQUENCE_NODE)
		return fail(l, n, "%s must be a string or a list of strings", what);
	cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (!cnt)
		return fail(l, n, "%s must name at least one", what);
	*out = calloc(cnt, sizeof **out);
	if (!*out)
		return ha_err_nomem(l->err);
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		yaml_node_t *v = node(l, *it);

		if (!v)
			return fail(l, n, "%s: broken list", what);
		rc = scalar(l, v, what, &(*out)[*nout]);
		if (rc)
			return rc;
		(*nout)++;
	}
	return HA_OK;
}

static int one_waiver(struct wl *l, yaml_node_t *n, struct ha_waiver *w)
{
	static const char *const keys[] = {"hosts",   "rules",  "reason", "approver",
	                                   "expires", "ticket", NULL};
	yaml_node_pair_t *pr;
	yaml_node_t *seen[6] = {0};
	int rc = HA_OK, k;
	int64_t t;

	w->line = (int)n->start_mark.line + 1;
	if (n->type != YAML_MAPPING_NODE)
		return fail(l, n,
		            "a waiver is a mapping (hosts, rules, reason, approver, expires)");
	for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
		yaml_node_t *key = node(l, pr->key), *v = node(l, pr->value);
		const char *ks;

		if (!key || !v || key->type != YAML_SCALAR_NODE)
			return fail(l, key ? key : n, "a field name must be a string");
		ks = (const char *)key->data.scalar.value;
		for (k = 0; keys[k] && strcmp(keys[k], ks); k++)
			;
		if (!keys[k])
			return fail(
			        l, key,
			        "unknown field '%.60s' (hosts, rules, reason, approver, expires, "
			        "ticket)",
			        ks);
		if (seen[k])
			return fail(l, key, "field '%s' given twice", keys[k]);
		seen[k] = v;
	}
	for (k = 0; k < 5; k++)
		if (!seen[k])
			return fail(l, n, "the waiver has no '%s'", keys[k]);
	rc = names(l, seen[0], "hosts", &w->hosts, &w->nhosts);
	if (!rc)
		rc = names(l, seen[1], "rules", &w->rules, &w->nrules);
	if (!rc)
		rc = scalar(l, seen[2], "reason", &w->reason);
	if (!rc)
		rc = scalar(l, seen[3], "approver", &w->approver);
	if (!rc)
		rc = scalar(l, seen[4], "expires", &w->expires);
	if (!rc && seen[5])
		rc = scalar(l, seen[5], "ticket", &w->ticket);
	if (rc)
		return rc;
	if (strlen(w->expires) != 10 || ha_parse_date(w->expires, &t) != HA_OK)
		return fail(l, seen[4], "expires must be a date YYYY-MM-DD, not '%.40s'",
		            w->expires);
	w->expires_end = t + 86400; /* the whole day counts */
	w->line = (int)n->start_mark.line + 1;
	return HA_OK;
}

static void waiver_free(struct ha_waiver *w)
{
	size_t i;

	for (i = 0; i < w->nhosts; i++)
		free(w->hosts[i]);
	for (i = 0; i < w->nrules; i++)
		free(w->rules[i]);
	free(w->hosts);
	free(w->rules);
	free(w->reason);
	free(w->approver);
	free(w->expires);
	free(w->ticket);
}

void ha_waivers_free(struct ha_waivers *ws)
{
	size_t i;

	if (!ws)
		return;
	for (i = 0; i < ws->n; i++)
		waiver_free(&ws->v[i]);
	free(ws->v);
	free(ws->name);
	free(ws);
}

int ha_waivers_load_buffer(const char *name, const char *text, size_t len, struct ha_waivers **out,
                           struct ha_err *err)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root, *list = NULL;
	yaml_node_pair_t *pr;
	yaml_node_item_t *it;
	struct ha_waivers *ws;
	struct wl l;
	size_t cnt;
	int rc;

	*out = NULL;
	if (len > MAX_FILE)
		return ha_err_set(err, HA_ERR_RULES, "%s: larger than %zu bytes", name, MAX_FILE);
	if ((rc = prescan(name, text, len, err)) != HA_OK)
		return rc;
	if (!yaml_parser_initialize(&parser))
		return ha_err_nomem(err);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		rc = yaml_fail(name, &parser, err);
		yaml_parser_delete(&parser);
		return rc;
	}
	memset(&l, 0, sizeof l);
	l.doc = &doc;
	l.name = name;
	l.err = err;
	ws = calloc(1, sizeof *ws);
	if (!ws || !(ws->name = ha_strdup(name))) {
		rc = ha_err_nomem(err);
		goto done;
	}
	root = yaml_document_get_root_node(&doc);
	if (!root || root->type != YAML_MAPPING_NODE) {
		rc = fail(&l, root, "a waiver file is a mapping with one field, 'waivers'");
		goto done;
	}
	for (pr = root->data.mapping.pairs.start; pr < root->data.mapping.pairs.top; pr++) {
		yaml_node_t *key = node(&l, pr->key);

		if (!key || key->type != YAML_SCALAR_NODE ||
		    strcmp((const char *)key->data.scalar.value, "waivers") != 0) {
			rc = fail(&l, key ? key : root,
			          "unknown field (a waiver file has 'waivers')");
			goto done;
		}
		if (list) {
			rc = fail(&l, key, "field 'waivers' given twice");
			goto done;
		}
		list = node(&l, pr->value);
	}
	if (!list || list->type != YAML_SEQUENCE_NODE) {
		rc = fail(&l, list ? list : root, "'waivers' must be a list of waivers");
		goto done;
	}
	cnt = (size_t)(list->data.sequence.items.top - list->data.sequence.items.start);
	if (cnt > MAX_WAIVERS) {
		rc = fail(&l, list, "more than %d waivers", MAX_WAIVERS);
		goto done;
	}
	ws->v = calloc(cnt ? cnt : 1, sizeof *ws->v);
	if (!ws->v) {
		rc = ha_err_nomem(err);
		goto done;
	}
	for (it = list->data.sequence.items.start; !rc && it < list->data.sequence.items.top;
	     it++) {
		yaml_node_t *n = node(&l, *it);

		ws->n++;
		rc = n ? one_waiver(&l, n, &ws->v[ws->n - 1]) : fail(&l, list, "broken list");
	}
done:
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	if (rc) {
		ha_waivers_free(ws);
		return rc;
	}
	*out = ws;
	return HA_OK;
}

int ha_waivers_load_file(const char *path, struct ha_waivers **out, struct ha_err *err)
{
	struct ha_buf b;
	char chunk[65536];
	FILE *f;
	size_t n;
	int rc;

	*out = NULL;
	f = fopen(path, "rb");
	if (!f)
		return ha_err_sys(err, errno == ENOENT ? HA_ERR_USAGE : HA_ERR_IO, errno,
		                  "cannot read waiver file '%s'", path);
	ha_buf_init(&b, MAX_FILE + 1);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		ha_buf_add(&b, chunk, n);
	if (ferror(f)) {
		rc = ha_err_sys(err, HA_ERR_IO, errno, "cannot read waiver file '%s'", path);
		fclose(f);
		ha_buf_free(&b);
		return rc;
	}
	fclose(f);
	if (ha_buf_status(&b)) {
		ha_buf_free(&b);
		return ha_err_set(err, HA_ERR_RULES, "%s: larger than %zu bytes", path, MAX_FILE);
	}
	rc = ha_waivers_load_buffer(path, ha_buf_cstr(&b), b.len, out, err);
	ha_buf_free(&b);
	return rc;
}

static int has_wildcard(const char *s)
{
	return strchr(s, '*') || strchr(s, '?');
}

int ha_waivers_check(const struct ha_waivers *ws, const struct ha_ruleset *rs, struct ha_err *err)
{
	size_t i, j, k, n = ha_rules_count(rs);

	for (i = 0; i < ws->n; i++) {
		const struct ha_waiver *w = &ws->v[i];

		for (j = 0; j < w->nrules; j++) {
			if (has_wildcard(w->rules[j]))
				continue;
			for (k = 0; k < n; k++)
				if (ha_ascii_caseeq(ha_rules_info(rs, k)->id, w->rules[j]))
					break;
			if (k == n)
				return ha_err_set(err, HA_ERR_RULES,
				                  "%s:%d: the waiver names rule '%.80s', which is "
				                  "not loaded",
				                  ws->name, w->line, w->rules[j]);
		}
	}
	return HA_OK;
}

static int names_host(const struct ha_waiver *w, const char *label, const char *cn)
{
	size_t i;

	for (i = 0; i < w->nhosts; i++)
		if (ha_glob_match(w->hosts[i], label) ||
		    (cn && *cn && ha_glob_match(w->hosts[i], cn)))
			return 1;
	return 0;
}

static int names_rule(const struct ha_waiver *w, const char *rule_id)
{
	size_t i;

	for (i = 0; i < w->nrules; i++)
		if (ha_glob_match(w->rules[i], rule_id))
			return 1;
	return 0;
}

int ha_waivers_apply(struct ha_waivers *ws, const struct ha_ruleset *rs, const char *label,
                     const char *computer_name, const struct ha_findings *fs, int64_t as_of,
                     struct ha_waived *out, struct ha_waived_host *host, struct ha_err *err)
{
	struct ha_buf waived, failing, unknown;
	size_t i, j;
	int integrity_bad = 0, rc = HA_OK;

	memset(host, 0, sizeof *host);
	host->changed = 0;
	host->verdict = HA_VERDICT_UNKNOWN;
	ha_buf_init(&waived, 1 << 16);
	ha_buf_init(&failing, 1 << 16);
	ha_buf_init(&unknown, 1 << 16);
	for (i = 0; i < fs->n; i++) {
		const struct ha_finding *f = &fs->v[i];
		const struct ha_rule_info *ri = ha_rules_info(rs, i);
		int decides = ri && !strcmp(ri->id, f->rule_id) ? ri->decides : 0;

		out[i].waiver = -1;
		out[i].expired = 0;
		if (f->status == HA_FAIL) {
			long expired = -1;

			/* The first unexpired waiver that names it; else the
			 * first expired one, so that the report can say it
			 * expired.  Every waiver that names it has matched (none
			 * of them is stale). */
			for (j = 0; j < ws->n; j++) {
				struct ha_waiver *w = &ws->v[j];

				if (!names_rule(w, f->rule_id) ||
				    !names_host(w, label, computer_name))
					continue;
				w->matched++;
				if (as_of < w->expires_end) {
					if (out[i].waiver < 0)
						out[i].waiver = (long)j;
				} else if (expired < 0) {
					expired = (long)j;
				}
			}
			if (out[i].waiver < 0 && expired >= 0) {
				out[i].waiver = expired;
				out[i].expired = 1;
			}
			if (out[i].waiver >= 0 && !out[i].expired)
				host->waived_fails++;
			else
				host->fails++;
		}
		if (decides && f->status == HA_FAIL) {
			struct ha_buf *b =
			        out[i].waiver >= 0 && !out[i].expired ? &waived : &failing;

			if (b->len)
				ha_buf_puts(b, ", ");
			ha_buf_puts(b, f->rule_id);
		} else if (decides && f->status == HA_UNKNOWN) {
			if (unknown.len)
				ha_buf_puts(&unknown, ", ");
			ha_buf_puts(&unknown, f->rule_id);
		} else if (!decides && f->status == HA_FAIL && integrity_rule(f)) {
			integrity_bad = 1;
		}
	}
	if (ha_buf_status(&waived) || ha_buf_status(&failing) || ha_buf_status(&unknown)) {
		rc = ha_err_nomem(err);
	} else if (waived.len && !failing.len) {
		/* Every deciding FAIL is waived: the verdict the host would
		 * have without them. */
		if (unknown.len || integrity_bad) {
			host->changed = 1;
			host->verdict = HA_VERDICT_UNKNOWN;
			host->reason =
			        ha_asprintf("undetermined: %s; waived: %s",
			                    unknown.len ? ha_buf_cstr(&unknown)
			                                : "the hives are missing or unreadable",
			                    ha_buf_cstr(&waived));
		} else {
			host->changed = 1;
			host->verdict = HA_READY_WITH_WAIVERS;
			host->reason =
			        ha_asprintf("every prerequisite is met or waived; waived: %s",
			                    ha_buf_cstr(&waived));
		}
		if (!host->reason)
			rc = ha_err_nomem(err);
	}
	ha_buf_free(&waived);
	ha_buf_free(&failing);
	ha_buf_free(&unknown);
	return rc;
}
