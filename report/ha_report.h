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

#include <signal.h>
#include <stdint.h>

#include "ha_common.h"
#include "ha_store.h"

/* ------------------------------------------------------ the report set */

/* Which reports to write (bits). */
enum {
	HA_REPORT_CSV = 1,  /* findings.csv and hosts.csv */
	HA_REPORT_HTML = 2, /* report.html */
	HA_REPORT_JSON = 4, /* findings.jsonl */
};

/* The report files' names inside the output folder. */
#define HA_REPORT_FINDINGS_CSV "findings.csv"
#define HA_REPORT_HOSTS_CSV "hosts.csv"
#define HA_REPORT_HTML_NAME "report.html"
#define HA_REPORT_JSONL "findings.jsonl"

/* Writes the reports in `formats` of run `run_id` into the folder `dir`, in
 * this order: findings.csv, hosts.csv, report.html, findings.jsonl.  Each
 * is whole or absent (ha_out_*).  First removes the temporaries that a
 * process killed while writing reports here left (as
 * ha_report_remove_stale).  When `stop` (may be NULL) is non-zero before
 * a file, stops with HA_ERR_INTERRUPTED; the files already written stay.  Any other error is the first file's that failed. */
HA_MUST_CHECK int ha_report_write_all(struct ha_store *st, int64_t run_id, const char *dir,
				      unsigned formats, volatile sig_atomic_t *stop,
				      struct ha_err *err);

/* Removes "<report>.tmp-<pid>" files in `dir` whose process no longer
 * exists; best effort (an unreadable folder is left alone). */
void ha_report_remove_stale(const char *dir);

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
