/* ha_report.h: outputs written from the store alone (never from memory of
 * the scan), so a report can be regenerated from any saved store.
 *
 * Every file is written to a temporary name beside its destination, flushed
 * and renamed into place: a reader never sees a half-written report, and a
 * failed write (disk full) leaves the previous file, if any, untouched.
 * Strings from hives are escaped for each format at the point of writing:
 * HTML-escaped, RFC 4180-quoted with spreadsheet formulas defused, or JSON
 * encoded by jansson. */
#ifndef HA_REPORT_H
#define HA_REPORT_H

#include <stdint.h>

#include "ha_common.h"
#include "ha_store.h"

/* findings.csv: one row per (host, rule); columns in README.md. */
HA_MUST_CHECK int ha_report_findings_csv(struct ha_store *st, int64_t run_id, const char *path,
					 struct ha_err *err);
/* hosts.csv: one row per host with facts, verdict and counts. */
HA_MUST_CHECK int ha_report_hosts_csv(struct ha_store *st, int64_t run_id, const char *path,
				      struct ha_err *err);
/* findings.jsonl: one JSON object per finding, with its evidence. */
HA_MUST_CHECK int ha_report_jsonl(struct ha_store *st, int64_t run_id, const char *path,
				  struct ha_err *err);
/* report.html: one self-contained page. */
HA_MUST_CHECK int ha_report_html(struct ha_store *st, int64_t run_id, const char *path,
				 struct ha_err *err);

/* The .reg remediation for one host: the fragments of its failing rules
 * (never NOT_APPLICABLE or UNKNOWN ones), with a comment header.  Returns
 * HA_ERR_NOTFOUND when the host has nothing to remediate. */
HA_MUST_CHECK int ha_report_remediation(struct ha_store *st, int64_t run_id, int64_t host_id,
					struct ha_buf *out, struct ha_err *err);

/* The forensic narrative for one host: "why TLS 1.2 would fail here", its
 * causes in the order they matter (OS or service pack, missing update,
 * SChannel, .NET, roots, stale evidence), each tied to the symptom users
 * see.  Plain text, or HTML (escaped, as <li> items) when `html`. */
HA_MUST_CHECK int ha_report_narrative(struct ha_store *st, int64_t run_id, int64_t host_id,
				      int html, struct ha_buf *out, struct ha_err *err);

/* The effective TLS 1.2 cipher suites of one host, as recorded by the
 * SCHANNEL-CIPHER-SUITES finding (report/suites.c says how).  `found` 0:
 * the host has no such finding; `have_lists` 0: the rule could not work the
 * list out (UNKNOWN, NOT_APPLICABLE).  Lists are comma-separated. */
#define HA_SUITES_RULE "SCHANNEL-CIPHER-SUITES"
struct ha_suites_view {
	int found, have_lists;
	char *status, *reason, *observed;
	char *offered;   /* effective list, in order */
	char *accepted;  /* accepted by Azure; " (compatibility)" after 2022-only ones */
	char *source;    /* "the Group Policy list", "the local list", "the default list" */
	size_t n_offered, n_accepted;
};
HA_MUST_CHECK int ha_report_suites(struct ha_store *st, int64_t run_id, int64_t host_id,
				   struct ha_suites_view *v, struct ha_err *err);
void ha_suites_view_free(struct ha_suites_view *v);
/* Item i of a comma-separated list into buf: 1, or 0 past the end. */
int ha_suites_item(const char *list, size_t i, char *buf, size_t len);
/* The .reg fragment the rule computed for the host (where the damage is:
 * policy or local list, SCHANNEL keys, curves), or *out NULL.  malloc'd. */
HA_MUST_CHECK int ha_report_suites_fragment(struct ha_store *st, int64_t finding_id, char **out,
					    struct ha_err *err);
/* 1 accepted by Azure's current policy, 2 only by its compatibility one, 0. */
int ha_suites_accepted(const struct ha_suites_view *v, const char *name);

/* ---------------------------------------------------- atomic output files */

struct ha_out {
	int fd;
	char *tmp;
	char *path;
	int failed;
	int err_no;
};

HA_MUST_CHECK int ha_out_open(struct ha_out *o, const char *path, struct ha_err *err);
/* Appends the buffer's contents and empties it. */
HA_MUST_CHECK int ha_out_write(struct ha_out *o, struct ha_buf *b, struct ha_err *err);
/* Flushes, syncs and renames into place. */
HA_MUST_CHECK int ha_out_commit(struct ha_out *o, struct ha_err *err);
void ha_out_abort(struct ha_out *o);

#endif
