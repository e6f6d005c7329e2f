/* html_internal.h: what the files of report.html share, and nothing else
 * includes.  One file per concern, each with its own context:
 *
 *   html_intern.c  interned byte strings and integer vectors (struct intern,
 *                  struct vec): the containers the rest is built from
 *   html_model.c   the data island's tables and their spilling to temporary
 *                  files (struct html_model), and the island's JSON encoding
 *                  (struct html_sink)
 *   html_read.c    reading one run from the store into the model and the
 *                  fleet summary (struct html_reader, struct html_fleet)
 *   html_markup.c  the server-rendered markup: masthead, summary, "why"
 *                  boxes, rules table, run details, host shell, changes
 *                  (struct html_writer)
 *   html_svg.c     the inline SVG charts
 *   html.c         the page's assembly: head, island, script, and
 *                  ha_report_html itself; its opening comment describes the
 *                  page and the island's layout (html_layout.h)
 */
#ifndef HA_HTML_INTERNAL_H
#define HA_HTML_INTERNAL_H

#include <stdint.h>
#include <stdio.h>

#include "ha_report.h"
#include "html_layout.h"

#define FLUSH_AT (1u << 16)
/* Bytes of keys a string or record table holds before it is written to
 * its temporary file and emptied, which bounds the memory of the report
 * whatever the fleet's size (see "MEMORY" in html.c). */
#define TABLE_CAP ((size_t)4 << 20)
#define SIG_CAP   4096
/* Chart bounds: a custom rule pack or an odd fleet must not make a chart
 * that nobody can read; the rest is summed up in one line. */
#define MAX_CHART_RULES 60
#define MAX_CHART_OS    12
#define MAX_CAUSES      10 /* rows of "why not ready"; all are in the rules table */
#define MAX_TREND       24 /* runs in the trend chart: two years of monthly audits */
#define MAX_CHANGES     50 /* hosts per list of "Since the last audit"; all are in changes.csv */

enum { V_READY, V_NOT_READY, V_UNKNOWN, V_WAIVED, V_N };

extern const char *const html_verdict_names[V_N];
extern const char *const html_verdict_titles[V_N];
/* Status order in charts and counts: problems first, the way a reader scans. */
extern const int html_chart_status_order[HA_NSTATUS];

/* ------------------------------------------------------ html_intern.c */

/* Interned byte strings: each distinct key gets a dense id, in order of
 * first sight.  Used for the string table and for deduplicating records
 * (whose keys are arrays of int32). */
struct intern {
	struct ha_buf keys; /* every key, each followed by a NUL */
	size_t *off;
	uint32_t *len;
	uint32_t n, cap;
	uint32_t *slot; /* id + 1, or 0 when free */
	uint32_t nslot; /* a power of two, more than twice n */
};

void intern_init(struct intern *t);
void intern_free(struct intern *t);
const char *intern_key(const struct intern *t, uint32_t id, size_t *len);
/* The id of `key`, adding it when new.  0, HA_ERR_NOMEM or HA_ERR_LIMIT. */
HA_MUST_CHECK int intern_add(struct intern *t, const void *key, size_t len, uint32_t *id);

/* A growable array of integers. */
struct vec {
	int64_t *v;
	size_t n, cap;
};

/* 0, HA_ERR_NOMEM or HA_ERR_LIMIT. */
HA_MUST_CHECK int vec_push(struct vec *a, int64_t x);

/* Translates a container failure (HA_ERR_NOMEM or HA_ERR_LIMIT) into err. */
int html_fail(struct ha_err *err, int rc);
int html_nomem(struct ha_err *err);

/* ------------------------------------------------------- html_model.c */

/* A host record's string fields are H_LABEL..H_NOTE (html_layout.h). */
#define H_NSTR H_BUILD

/* One host's record, as the island writes it. */
struct hrec {
	int64_t host_id;
	uint32_t s[H_NSTR];
	long build, ubr, sp, cs;
	int verdict, reused;
	int hive_problem;          /* the SYSTEM or SOFTWARE hive is not ok */
	uint32_t hstat[HA_NROLES]; /* their statuses, as string ids */
	size_t hv_off, hv_n;       /* hive fields in the pool */
	size_t fl_off, fl_n;       /* file fields (path, sha256 pairs) */
	size_t f_off, f_n;         /* finding ids */
	uint32_t narrative;
};

/* A table's entries already written to a temporary file: ids below base. */
struct spill {
	FILE *f;
	uint32_t base;
};

/* The island's tables: the string table, the evidence and finding records
 * (deduplicated), and the host records, each spilled to an unnamed
 * temporary file when it grows past table_cap. */
struct html_model {
	struct ha_err *err;
	const char *path;  /* the report's: temporary files go beside it */
	size_t table_cap;  /* TABLE_CAP, or the tests' */
	struct intern str; /* the string table */
	struct intern ev;  /* evidence records */
	struct intern fnd; /* finding records */
	struct spill sp_str, sp_ev, sp_fnd;
	FILE *hosts_f;   /* the host records, written */
	size_t nhosts;   /* host records written */
	struct ha_buf b; /* what is on its way to a temporary file */
};

/* Where the island's JSON goes: into b, drained to f (a temporary file)
 * or, when f is NULL, to the page, whenever b holds FLUSH_AT bytes. */
struct html_sink {
	struct ha_buf *b;
	FILE *f;
	struct ha_out *out;
	struct ha_err *err;
};

void html_model_init(struct html_model *m, const char *path, struct ha_err *err);
void html_model_free(struct html_model *m);
/* The string table's id of s (NULL is ""). */
HA_MUST_CHECK int html_model_str(struct html_model *m, const char *s, uint32_t *id);
/* The id of the record rec (int32 values) in the evidence or finding table. */
HA_MUST_CHECK int html_model_evidence(struct html_model *m, const struct vec *rec, uint32_t *id);
HA_MUST_CHECK int html_model_finding(struct html_model *m, const struct vec *rec, uint32_t *id);
/* Writes host h (whose hives, files and findings are in pool) to the hosts'
 * temporary file. */
HA_MUST_CHECK int html_model_host(struct html_model *m, const struct hrec *h, const int64_t *pool);

HA_MUST_CHECK int html_sink_drain(struct html_sink *s);
HA_MUST_CHECK int html_put_strings(struct html_sink *s, const struct intern *t, uint32_t from);
HA_MUST_CHECK int html_put_records(struct html_sink *s, const struct intern *t, uint32_t from);
/* Copies what a temporary file holds to the page. */
HA_MUST_CHECK int html_copy_file(struct html_sink *s, FILE *f);
HA_MUST_CHECK int html_json_string(struct ha_buf *b, const char *s, size_t n, struct ha_err *err);
void html_put_int(struct ha_buf *b, int64_t v);
void html_put_ints(struct ha_buf *b, const int64_t *v, size_t n);

/* -------------------------------------------------------- html_read.c */

/* A rule record's string fields are R_ID..R_ORIGIN (html_layout.h). */
#define R_NSTR R_COUNTS
_Static_assert(R_N_FAIL == R_N_PASS + HA_FAIL && R_N_WARN == R_N_PASS + HA_WARN &&
                       R_N_NOT_APPLICABLE == R_N_PASS + HA_NOT_APPLICABLE &&
                       R_N_UNKNOWN == R_N_PASS + HA_UNKNOWN && R_N == R_N_PASS + HA_NSTATUS,
               "a rule record's counts follow the statuses' order");

struct rrec {
	uint32_t s[R_NSTR];
	char *text[R_NSTR]; /* the same strings, for the summary */
	int decides;
	long by_status[HA_NSTATUS];
	long not_ready_hosts; /* not-ready hosts on which it fails */
	long undetermined;    /* unknown hosts, hives readable, on which it is UNKNOWN */
};

struct trend {
	int64_t run;
	char as_of[11];
	long v[HA_NVERDICTS];
};

/* What the server-rendered part of the page says: the run, its rules and
 * notes, and the counts of the summary. */
struct html_fleet {
	int64_t run_id;
	char *started, *finished, *status, *tool_version, *as_of, *paths;
	int run_state; /* enum ha_run_state; status is its name */
	long hosts_total;
	size_t nhosts;
	struct rrec *rules;
	size_t nrules;
	char **notes;
	size_t nnotes;

	long verdicts[V_N];
	struct intern os; /* os_family -> dense index */
	long (*os_count)[V_N];
	struct intern hp; /* (role, status) -> dense index */
	long *hp_all, *hp_unknown;
	long unknown_hive, unknown_rule;

	/* since the last audit (NULL when there is no earlier run), and the
	 * verdict counts of the runs of the same paths, oldest first */
	struct ha_diff *diff;
	struct trend *trend;
	size_t ntrend;
};

void html_fleet_init(struct html_fleet *f, int64_t run_id);
void html_fleet_free(struct html_fleet *f);

/* Reads run fl->run_id of st into the model m and the summary fl. */
HA_MUST_CHECK int html_read(struct ha_store *st, struct html_model *m, struct html_fleet *fl,
                            struct ha_err *err);

/* ------------------------------------------- html_markup.c, html_svg.c */

/* The page being written. */
struct html_writer {
	struct ha_buf b;
	struct ha_out out;
	struct ha_err *err;
};

void html_esc(struct html_writer *w, const char *s);
/* Escaped text cut to at most `max` characters, with an ellipsis when cut. */
void html_esc_cut(struct html_writer *w, const char *s, size_t max);
HA_MUST_CHECK int html_flush(struct html_writer *w);
void html_put_count(struct ha_buf *b, long v);
void html_put_plural(struct ha_buf *b, long v, const char *one, const char *many);
void html_put_frag(struct ha_buf *b, const char *s);

void html_write_masthead(struct html_writer *w, const struct html_fleet *f);
void html_write_summary(struct html_writer *w, const struct html_fleet *f);
void html_write_changes(struct html_writer *w, const struct html_fleet *f);
void html_write_rules_table(struct html_writer *w, const struct html_fleet *f);
void html_write_run_details(struct html_writer *w, const struct html_fleet *f);
void html_write_host_shell(struct html_writer *w);
void html_write_footer(struct html_writer *w, const struct html_fleet *f);

void html_write_fleet_bar(struct html_writer *w, const struct html_fleet *f);
void html_write_rule_chart(struct html_writer *w, const struct html_fleet *f);
void html_write_os_chart(struct html_writer *w, const struct html_fleet *f);
void html_write_trend(struct html_writer *w, const struct html_fleet *f);

#endif
