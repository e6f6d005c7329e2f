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
	HA_REPORT_CSV = 1, /* findings.csv, hosts.csv, changes.csv (when there is an earlier run) */
	HA_REPORT_HTML = 2, /* report.html */
	HA_REPORT_JSON = 4, /* findings.jsonl */
};

/* The report files' names inside the output folder. */
#define HA_REPORT_FINDINGS_CSV "findings.csv"
#define HA_REPORT_CHANGES_CSV  "changes.csv"
#define HA_REPORT_HOSTS_CSV    "hosts.csv"
#define HA_REPORT_HTML_NAME    "report.html"
#define HA_REPORT_JSONL        "findings.jsonl"

/* Writes the reports in `formats` of run `run_id` into the folder `dir`, in
 * this order: findings.csv, hosts.csv, changes.csv, report.html,
 * findings.jsonl.  Each
 * is whole or absent (ha_out_*).  First removes the temporaries that a
 * process killed while writing reports here left (as
 * ha_report_remove_stale).  When `stop` (may be NULL) is non-zero before
 * a file, stops with HA_ERR_INTERRUPTED; the files already written stay.  Any other error is the
 * first file's that failed. */
HA_MUST_CHECK int ha_report_write_all(struct ha_store *st, int64_t run_id, const char *dir,
                                      unsigned formats, volatile sig_atomic_t *stop,
                                      struct ha_err *err);

/* Removes "<report>.tmp-<pid>" files in `dir` whose process no longer
 * exists; best effort (an unreadable folder is left alone). */
void ha_report_remove_stale(const char *dir);

/* ------------------------------------------------------ evidence text */

/* The forms of an evidence row's text (evidence.c renders all of them). */
enum ha_evidence_style {
	/* One line, unescaped (the caller's format escapes it):
	 * "ROLE KEY\VALUE: TYPE DATA", "(Default)" for the unnamed value, no
	 * "\VALUE" for a key.  findings.csv's evidence column, the diff,
	 * report.html. */
	HA_EVIDENCE_LINE,
	/* `hiveaudit explain`'s block: "      evidence: ROLE KEY\VALUE = TYPE
	 * DATA  (key written T)" and the note, control set and hive file on
	 * lines of their own, escaped for a terminal, ending in a newline. */
	HA_EVIDENCE_TERMINAL,
};

/* Appends the text of evidence row e in `style` to b. */
void ha_evidence_render(struct ha_buf *b, const struct ha_evidence_row *e,
                        enum ha_evidence_style style);
/* Appends rows e[0..n) in the one-line form, joined by " | ": findings.csv's
 * evidence column. */
void ha_evidence_render_list(struct ha_buf *b, const struct ha_evidence_row *e, size_t n);

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

/* ------------------------------------------------ drift between two runs */

/* What changed between two stored runs (report/diff.c explains how hosts
 * are matched and what "regressed" means). */
enum ha_diff_change {
	HA_CHG_NEW = 0, /* host only in the later run */
	HA_CHG_GONE,    /* host only in the earlier run */
	HA_CHG_RENAMED, /* (changes.csv only) the host's label changed */
	HA_CHG_REGRESSED,
	HA_CHG_FIXED,
	HA_CHG_CHANGED, /* different, neither better nor worse */
};
enum ha_diff_match { HA_MATCH_LABEL = 0, HA_MATCH_NAME_HIVE };
enum ha_diff_format { HA_DIFF_TEXT = 0, HA_DIFF_CSV, HA_DIFF_JSON };

/* A host with something to report.  old_* are NULL for a new host, the
 * others NULL for a gone one. */
struct ha_diff_host {
	char *label, *old_label, *computer_name, *old_computer_name;
	char *verdict, *old_verdict, *dir, *old_dir;
	int64_t id, old_id; /* host_id in the later and the earlier run, or 0 */
	int match;          /* enum ha_diff_match, -1 for a new or gone host */
	int change;         /* enum ha_diff_change of the verdict, -1 when it is the same */
	size_t order;
};
/* A (host, rule) whose status changed; the evidence fields hold only the
 * items that differ (" | "-separated, as findings.csv writes them). */
struct ha_diff_finding {
	size_t host; /* index into hosts */
	char *rule_id, *status, *old_status, *observed, *old_observed, *evidence, *old_evidence;
	int change; /* HA_CHG_REGRESSED, HA_CHG_FIXED or HA_CHG_CHANGED */
};
struct ha_diff {
	int64_t from, to;
	char *from_as_of, *to_as_of, *from_paths, *to_paths, *from_status, *to_status;
	long from_hosts, to_hosts;
	size_t nhosts, caphosts, nfindings, capfindings;
	struct ha_diff_host *hosts;       /* by label */
	struct ha_diff_finding *findings; /* grouped by host, in host order */
	long n_new, n_gone, n_renamed, n_regressed, n_fixed, n_changed;
	long n_finding_regressed, n_finding_fixed, n_finding_changed;
	int regressed; /* a verdict or a finding regressed */
};

/* Which runs to compare.  *to 0 picks the newest complete run; *from 0
 * the newest complete run before *to over the same paths.  HA_ERR_NOTFOUND
 * (with a message) when there is no such run. */
HA_MUST_CHECK int ha_diff_pick_runs(struct ha_store *st, int64_t *from, int64_t *to,
                                    struct ha_err *err);
/* Compares two runs; *out is freed with ha_diff_free. */
HA_MUST_CHECK int ha_diff_runs(struct ha_store *st, int64_t from, int64_t to, struct ha_diff **out,
                               struct ha_err *err);
void ha_diff_free(struct ha_diff *d);
/* Appends the diff as text (terminal-escaped), CSV (the columns of
 * changes.csv) or one JSON document. */
HA_MUST_CHECK int ha_diff_write(const struct ha_diff *d, int format, struct ha_buf *out,
                                struct ha_err *err);
const char *ha_diff_change_name(int change); /* "new", "gone", "regressed", ... */
const char *ha_diff_match_name(int match);   /* "label", "computer name and hive" */
/* changes.csv: run_id against the newest complete run before it over the
 * same paths.  When there is none nothing is written and *written is 0. */
HA_MUST_CHECK int ha_report_changes_csv(struct ha_store *st, int64_t run_id, const char *path,
                                        int *written, struct ha_err *err);

/* The effective TLS 1.2 cipher suites of one host, as recorded by the
 * SCHANNEL-CIPHER-SUITES finding (report/suites.c says how).  `found` 0:
 * the host has no such finding; `have_lists` 0: the rule could not work the
 * list out (UNKNOWN, NOT_APPLICABLE).  Lists are comma-separated. */
#define HA_SUITES_RULE "SCHANNEL-CIPHER-SUITES"
struct ha_suites_view {
	int found, have_lists;
	char *status, *reason, *observed;
	char *offered;  /* effective list, in order */
	char *accepted; /* accepted by Azure; " (compatibility)" after 2022-only ones */
	char *source;   /* "the Group Policy list", "the local list", "the default list" */
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

/* A report file on top of common/atomic.c (struct ha_atomic) with the
 * temporary name "<path>.tmp-<pid>" that ha_report_remove_stale judges,
 * written from a struct ha_buf.  After open, exactly one of commit or
 * abort must follow; both release everything. */
struct ha_out {
	struct ha_atomic a;
	int failed; /* a write failed or its buffer had: commit refuses */
};

HA_MUST_CHECK int ha_out_open(struct ha_out *o, const char *path, struct ha_err *err);
/* Appends the buffer's contents and empties it. */
HA_MUST_CHECK int ha_out_write(struct ha_out *o, struct ha_buf *b, struct ha_err *err);
/* Flushes, syncs and renames into place. */
HA_MUST_CHECK int ha_out_commit(struct ha_out *o, struct ha_err *err);
void ha_out_abort(struct ha_out *o);

#endif
