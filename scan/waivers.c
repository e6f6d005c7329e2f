/* waivers.c: `scan --waivers FILE` around the pipeline: the waivers are
 * recorded with the run, applied to each host as it is stored, and the ones
 * that expired or matched nothing become run notes (and messages for the
 * caller).  Loading and matching are the rules module's (rules/waivers.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scan_internal.h"

static char *lines(char *const *v, size_t n)
{
	struct ha_buf b;
	size_t i;
	char *s;

	ha_buf_init(&b, 1 << 24);
	for (i = 0; i < n; i++) {
		if (i)
			ha_buf_putc(&b, '\n');
		ha_buf_puts(&b, v[i]);
	}
	s = ha_buf_status(&b) ? NULL : ha_strdup(ha_buf_cstr(&b));
	ha_buf_free(&b);
	return s;
}

int scan_waivers_begin(struct scan_waivers *w, struct ha_waivers *ws, int64_t as_of,
                       struct ha_store *st, int64_t run_id, struct ha_err *err)
{
	size_t i;
	int rc = HA_OK;

	memset(w, 0, sizeof *w);
	w->ws = ws;
	w->as_of = as_of;
	if (ws) {
		w->ids = calloc(ws->n ? ws->n : 1, sizeof *w->ids);
		if (!w->ids)
			return ha_err_nomem(err);
	}
	for (i = 0; w->ws && !rc && i < w->ws->n; i++) {
		const struct ha_waiver *x = &w->ws->v[i];
		char *hosts = lines(x->hosts, x->nhosts), *rules = lines(x->rules, x->nrules);
		struct ha_store_waiver sw = {w->ws->name, x->line,   hosts,
		                             rules,       x->reason, x->approver,
		                             x->expires,  x->ticket, w->as_of >= x->expires_end};

		rc = hosts && rules ? ha_store_put_waiver(st, run_id, &sw, &w->ids[i], err)
		                    : ha_err_nomem(err);
		free(hosts);
		free(rules);
	}
	return rc;
}

int scan_waivers_host(struct scan_waivers *w, struct ha_store *st, const struct ha_ruleset *rs,
                      int64_t host_id, const char *label, const char *computer_name,
                      const struct ha_findings *fs, long *fails, int *waived_ready,
                      struct ha_err *err)
{
	struct ha_waived_host wh;
	struct ha_waived *v;
	size_t i;
	int rc;

	*waived_ready = 0;
	if (!w->ws) {
		for (*fails = 0, i = 0; i < fs->n; i++)
			*fails += fs->v[i].status == HA_FAIL;
		return HA_OK;
	}
	v = calloc(fs->n ? fs->n : 1, sizeof *v);
	if (!v)
		return ha_err_nomem(err);
	rc = ha_waivers_apply(w->ws, rs, label, computer_name, fs, w->as_of, v, &wh, err);
	for (i = 0; !rc && i < fs->n; i++)
		if (v[i].waiver >= 0)
			rc = ha_store_put_waived(st, host_id, fs->v[i].rule_id, w->ids[v[i].waiver],
			                         v[i].expired, err);
	if (!rc && wh.changed)
		rc = ha_store_put_waived_verdict(st, host_id, wh.verdict, wh.reason, err);
	if (!rc) {
		*fails = wh.fails;
		*waived_ready = wh.changed && wh.verdict == HA_READY_WITH_WAIVERS;
	}
	free(wh.reason);
	free(v);
	return rc;
}

int scan_waivers_end(struct scan_waivers *w, struct ha_store *st, int64_t run_id,
                     ha_scan_message_fn say, void *ctx, struct ha_err *err)
{
	size_t i;
	int rc = HA_OK;

	for (i = 0; w->ws && !rc && i < w->ws->n; i++) {
		const struct ha_waiver *x = &w->ws->v[i];
		char *note = NULL;

		if (!x->matched)
			note = ha_asprintf("waiver %s:%d (%s) is stale: it matches no failing "
			                   "finding of this run",
			                   w->ws->name, x->line, x->reason);
		else if (w->as_of >= x->expires_end)
			note = ha_asprintf("waiver %s:%d (%s) expired on %s: the %ld failing "
			                   "finding%s it names count again",
			                   w->ws->name, x->line, x->reason, x->expires, x->matched,
			                   x->matched == 1 ? "" : "s");
		else
			continue;
		if (!note)
			return ha_err_nomem(err);
		if (say)
			say(ctx, note);
		rc = ha_store_put_note(st, run_id, note, err);
		free(note);
	}
	return rc;
}

void scan_waivers_free(struct scan_waivers *w)
{
	free(w->ids);
	memset(w, 0, sizeof *w);
}
