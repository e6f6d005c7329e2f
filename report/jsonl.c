/* jsonl.c: findings as JSON Lines for SIEM ingestion, encoded by jansson.
 * One object per finding: host, rule, status and the evidence array. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "ha_report.h"

struct jctx {
	struct ha_out out;
	struct ha_buf b;
	struct ha_err *err;
	const char *as_of;
	int64_t run_id;
	json_t *ev;
	int rc;
};

/* jansson refuses invalid UTF-8, and file names from disk can be anything:
 * their stray bytes are written as \xNN text.  U+0000 inside data (carried
 * as C0 80) becomes a real one, which jansson writes as \u0000. */
static json_t *jstr(const char *s)
{
	struct ha_buf b;
	json_t *j;

	if (ha_utf8_valid(s, strlen(s)))
		return json_string(s);
	ha_buf_init(&b, 0);
	ha_text_for_json(&b, s, strlen(s), 0);
	j = ha_buf_status(&b) ? NULL : json_stringn(b.data, b.len);
	ha_buf_free(&b);
	return j;
}

static int set(json_t *o, const char *k, const char *v)
{
	json_t *s = jstr(v ? v : "");

	return s ? json_object_set_new(o, k, s) : -1;
}

static int ev_cb(void *ctx, const struct ha_evidence_row *e)
{
	struct jctx *c = ctx;
	json_t *o = json_object();
	int bad = !o;

	if (o) {
		bad |= set(o, "hive", e->role);
		bad |= set(o, "hive_file", e->hive_path);
		bad |= set(o, "hive_sha256", e->hive_sha256);
		bad |= set(o, "control_set", e->control_set);
		bad |= set(o, "key", e->key_path);
		if (e->value_name)
			bad |= set(o, "value", e->value_name);
		bad |= set(o, "type", e->value_type);
		bad |= set(o, "data", e->data);
		bad |= set(o, "key_last_write", e->last_write);
		bad |= set(o, "note", e->note);
		bad |= json_array_append_new(c->ev, o);
	}
	return bad ? ha_err_nomem(c->err) : 0;
}

static int finding_cb(void *ctx, const struct ha_finding_row *f)
{
	struct jctx *c = ctx;
	json_t *o = json_object();
	char *line;
	int bad = !o, rc = 0;
	size_t i;

	c->ev = json_array();
	if (!c->ev || bad) {
		json_decref(o);
		json_decref(c->ev);
		return ha_err_nomem(c->err);
	}
	for (i = 0; i < f->nevidence && !rc; i++)
		rc = ev_cb(c, &f->evidence[i]);
	if (rc) {
		json_decref(o);
		json_decref(c->ev);
		return rc;
	}
	bad |= json_object_set_new(o, "run_id", json_integer(c->run_id));
	bad |= set(o, "as_of", c->as_of);
	bad |= set(o, "host", f->label);
	bad |= set(o, "computer_name", f->computer_name);
	bad |= set(o, "host_dir", f->dir);
	bad |= set(o, "rule_id", f->rule_id);
	bad |= set(o, "status", ha_status_name(f->status));
	bad |= set(o, "severity", f->severity);
	bad |= set(o, "category", f->category);
	bad |= set(o, "title", f->title);
	bad |= set(o, "observed", f->observed);
	bad |= set(o, "expected", f->expected);
	bad |= set(o, "reason", f->reason);
	bad |= json_object_set_new(o, "evidence", c->ev);
	c->ev = NULL;
	if (f->waived[0]) { /* only on waived findings: other lines are as before */
		json_t *w = json_object();

		bad |= !w;
		if (w) {
			bad |= set(w, "state", !strcmp(f->waived, "yes") ? "waived" : "expired");
			bad |= set(w, "reason", f->waiver_reason);
			bad |= set(w, "approver", f->waiver_approver);
			bad |= set(w, "expires", f->waiver_expires);
			bad |= set(w, "ticket", f->waiver_ticket);
			bad |= set(w, "file", f->waiver_file);
			bad |= json_object_set_new(w, "line", json_integer(f->waiver_line));
			bad |= json_object_set_new(o, "waiver", w);
		}
	}
	line = bad ? NULL : json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (!line)
		return ha_err_nomem(c->err);
	ha_buf_puts(&c->b, line);
	ha_buf_putc(&c->b, '\n');
	free(line);
	/* A line the buffer refused must fail the report now: the buffer may
	 * be empty, and an empty buffer is never written. */
	if (c->b.len >= (1u << 16) || ha_buf_status(&c->b))
		return ha_out_write(&c->out, &c->b, c->err);
	return 0;
}

static int run_cb(void *ctx, const struct ha_run_row *r)
{
	char **as_of = ctx;

	*as_of = ha_strdup(r->as_of);
	return 0;
}

int ha_report_jsonl(struct ha_store *st, int64_t run_id, const char *path, struct ha_err *err)
{
	struct jctx c;
	char *as_of = NULL;
	int rc;

	memset(&c, 0, sizeof c);
	c.err = err;
	c.run_id = run_id;
	rc = ha_store_get_run(st, run_id, run_cb, &as_of, err);
	if (rc)
		return rc;
	c.as_of = as_of;
	ha_buf_init(&c.b, 64u << 20);
	rc = ha_out_open(&c.out, path, err);
	if (!rc) {
		rc = ha_store_each_finding(st, run_id, 0, finding_cb, &c, err);
		if (!rc && (c.b.len || ha_buf_status(&c.b)))
			rc = ha_out_write(&c.out, &c.b, err);
		if (!rc)
			rc = ha_out_commit(&c.out, err);
		else
			ha_out_abort(&c.out);
	}
	ha_buf_free(&c.b);
	free(as_of);
	return rc;
}
