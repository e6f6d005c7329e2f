/* html.c: report.html, one self-contained page for auditors, compliance
 * owners and forensic reviewers.
 *
 * (Over 2,000 lines: the page's concerns, intern tables, the page model and its
 * spilling, store reading, markup and SVG, and assembly, still share this
 * file; splitting it by concern, one context struct each, is the next step.)
 *
 * What the page is made of, in order:
 *   - the fleet summary, rendered here: hosts audited, ready, not ready,
 *     unknown and why, the causes of "not ready", the rules table, and two
 *     inline SVG charts (statuses per rule, OS families by readiness).  It
 *     needs no script, so a browser with scripts off still shows it;
 *   - the host table and per-host details, rendered by report/assets/report.js
 *     from a JSON data island, with textContent only (never markup built
 *     from data), so a 10,000-host fleet costs one JSON.parse and the page
 *     stays responsive.
 *
 * Nothing is fetched: the style and the script are inline and allowed by
 * their SHA-256 in a Content-Security-Policy that forbids everything else
 * (no 'unsafe-inline', no network).
 *
 * Escaping.  Every string that came from a hive, a file name, a rule file
 * or the store goes through ha_escape_html in the markup written here.  In
 * the data island every string is encoded by jansson, and then '<', '>',
 * '&', U+2028 and U+2029 (and DEL) are written as \u003c, \u003e, \u0026,
 * \u2028, \u2029 (\u007f): these can only occur inside JSON strings, so the
 * escaped text is the same JSON, and "</script>" or "<!--" can never appear
 * in the element.
 *
 * THE DATA ISLAND (<script type="application/json" id="ha-data">)
 *
 * Strings and repeated records are stored once and referred to by index,
 * which keeps a large fleet small (most hosts share their findings and
 * evidence records word for word).
 *
 *   v  format version, 1
 *   s  the string table; s[0] is ""
 *   r  rules, in load order: [id, title, severity, category, source, applies,
 *      remedy, reg, origin] as string indexes, then counts (1 when the rule
 *      decides readiness), then PASS, FAIL, WARN, NOT_APPLICABLE, UNKNOWN
 *      host counts
 *   e  evidence records: [role, file, control_set, key_path, value_name,
 *      value_type, data, last_write, note]: strings, except file, an index
 *      into the host's file list (-1 for none), and value_name, -1 when the
 *      evidence is a key rather than a value
 *   f  findings: [rule_id, status, severity, title, category, observed,
 *      expected, reason, evidence...]: status is 0..4 (PASS, FAIL, WARN,
 *      NOT_APPLICABLE, UNKNOWN), evidence indexes into e follow
 *   h  hosts, in label order: [label, dir, computer_name, hostname, domain,
 *      os_family, product_name, nt_version, installation_type, edition,
 *      product_type, product, architecture, control_set_source,
 *      verdict_reason, note] as strings, then build, ubr, service_pack,
 *      control_set (-1 when unknown), verdict (0 ready, 1 not ready,
 *      2 unknown, 3 ready with waivers), reused (1 when re-evaluated from a saved snapshot),
 *      hives (a flat list of HIVE_FIELDS-tuples: role, kind, kind_why, path,
 *      status, reason, sha256, embedded_name, last_written, logs, replay as
 *      strings, then size, seq_primary, seq_secondary, checksum_ok, dirty,
 *      degraded, then container, container_sha256, inner_path as strings),
 *      files (flat [path, sha256] pairs that evidence refers to),
 *      findings (indexes into f), the narrative: the plain-text output of
 *      ha_report_narrative() for a host with the same pattern of findings
 *      (see narratives() below) as a string index, 0 for ready hosts, and
 *      [SYSTEM status, SOFTWARE status] as strings.
 *
 * report.js reads these positions by name from one table of constants; a
 * change here changes it there.
 *
 * MEMORY.  The page is written in one pass over the store, host by host,
 * and its memory does not depend on the number of hosts: each host's record
 * goes to a temporary file as soon as its findings are read, and the
 * string, evidence and finding tables go to theirs whenever they hold more
 * than TABLE_CAP bytes, starting again empty (a string seen before and
 * after that is stored twice, which costs bytes, never correctness).  The
 * summary needs only counts and the rules' and notes' own texts, kept
 * apart.  At the end the page is the summary, then the island copied from
 * the temporary files (unnamed, beside the report: O_TMPFILE).  HIVEAUDIT_TEST_HTML_CAP=BYTES
 * lowers TABLE_CAP so that the tests can prove a spilled page says the same as a whole one; nothing
 * else reads it. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ha_report.h"

/* The page's style and script, compiled in from report/assets/. */
extern const unsigned char ha_report_css[];
extern const size_t ha_report_css_len;
extern const unsigned char ha_report_js[];
extern const size_t ha_report_js_len;

#define FLUSH_AT (1u << 16)
/* Bytes of keys a string or record table holds before it is written to
 * its temporary file and emptied, which bounds the memory of the report
 * whatever the fleet's size (see "MEMORY" above). */
#define TABLE_CAP   ((size_t)4 << 20)
#define SIG_CAP     4096
#define HIVE_FIELDS 20
/* Chart bounds: a custom rule pack or an odd fleet must not make a chart
 * that nobody can read; the rest is summed up in one line. */
#define MAX_CHART_RULES 60
#define MAX_CHART_OS    12
#define MAX_CAUSES      10 /* rows of "why not ready"; all are in the rules table */

enum { V_READY, V_NOT_READY, V_UNKNOWN, V_WAIVED, V_N };

static const char *const verdict_names[V_N] = {"ready", "not_ready", "unknown",
                                               "ready_with_waivers"};
static const char *const verdict_titles[V_N] = {"Ready", "Not ready", "Unknown",
                                                "Ready with waivers"};
/* Status order in charts and counts: problems first, the way a reader scans. */
static const int chart_status_order[HA_NSTATUS] = {HA_FAIL, HA_UNKNOWN, HA_WARN, HA_PASS,
                                                   HA_NOT_APPLICABLE};

/* ------------------------------------------------------------ containers */

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

static uint64_t hash_bytes(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= s[i];
		h *= 1099511628211ULL;
	}
	return h ^ (h >> 29);
}

static void intern_init(struct intern *t)
{
	memset(t, 0, sizeof *t);
	ha_buf_init(&t->keys, 0);
}

static void intern_free(struct intern *t)
{
	ha_buf_free(&t->keys);
	free(t->off);
	free(t->len);
	free(t->slot);
	memset(t, 0, sizeof *t);
}

static const char *intern_key(const struct intern *t, uint32_t id, size_t *len)
{
	if (len)
		*len = t->len[id];
	return t->keys.data + t->off[id];
}

static int intern_grow(struct intern *t)
{
	uint32_t nslot = t->nslot ? t->nslot * 2 : 1024, i;
	uint32_t *slot;

	if (nslot < t->nslot || nslot > (UINT32_MAX >> 2))
		return HA_ERR_LIMIT;
	slot = calloc(nslot, sizeof *slot);
	if (!slot)
		return HA_ERR_NOMEM;
	for (i = 0; i < t->n; i++) {
		uint32_t h =
		        (uint32_t)hash_bytes(t->keys.data + t->off[i], t->len[i]) & (nslot - 1);

		while (slot[h])
			h = (h + 1) & (nslot - 1);
		slot[h] = i + 1;
	}
	free(t->slot);
	t->slot = slot;
	t->nslot = nslot;
	return HA_OK;
}

/* The id of `key`, adding it when new.  0, HA_ERR_NOMEM or HA_ERR_LIMIT. */
HA_MUST_CHECK static int intern_add(struct intern *t, const void *key, size_t len, uint32_t *id)
{
	uint32_t h;
	int rc;

	if (len > UINT32_MAX - 1)
		return HA_ERR_LIMIT;
	if ((size_t)(t->n + 1) * 2 >= t->nslot && (rc = intern_grow(t)) != HA_OK)
		return rc;
	h = (uint32_t)hash_bytes(key, len) & (t->nslot - 1);
	while (t->slot[h]) {
		uint32_t i = t->slot[h] - 1;

		if (t->len[i] == len && !memcmp(t->keys.data + t->off[i], key, len)) {
			*id = i;
			return HA_OK;
		}
		h = (h + 1) & (t->nslot - 1);
	}
	if (t->n == t->cap) {
		uint32_t cap = t->cap ? t->cap * 2 : 256;
		size_t *off;
		uint32_t *l;

		if (cap < t->cap)
			return HA_ERR_LIMIT;
		off = realloc(t->off, (size_t)cap * sizeof *off);
		if (!off)
			return HA_ERR_NOMEM;
		t->off = off;
		l = realloc(t->len, (size_t)cap * sizeof *l);
		if (!l)
			return HA_ERR_NOMEM;
		t->len = l;
		t->cap = cap;
	}
	t->off[t->n] = t->keys.len;
	t->len[t->n] = (uint32_t)len;
	ha_buf_add(&t->keys, key, len);
	ha_buf_putc(&t->keys, '\0');
	if ((rc = ha_buf_status(&t->keys)) != HA_OK)
		return rc;
	t->slot[h] = t->n + 1;
	*id = t->n++;
	return HA_OK;
}

/* A growable array of integers. */
struct vec {
	int64_t *v;
	size_t n, cap;
};

HA_MUST_CHECK static int vec_push(struct vec *a, int64_t x)
{
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 256;
		int64_t *v;

		if (cap > SIZE_MAX / sizeof *v)
			return HA_ERR_LIMIT;
		v = realloc(a->v, cap * sizeof *v);
		if (!v)
			return HA_ERR_NOMEM;
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n++] = x;
	return HA_OK;
}

/* ------------------------------------------------------------- the model */

/* The string fields of a host, in the order of the island's host record. */
enum hstr {
	H_LABEL,
	H_DIR,
	H_CN,
	H_HOSTNAME,
	H_DOMAIN,
	H_OS,
	H_PRODUCT_NAME,
	H_NT,
	H_INSTALL,
	H_EDITION,
	H_PTYPE,
	H_PRODUCT,
	H_ARCH,
	H_CS_SOURCE,
	H_VREASON,
	H_NOTE,
	H_NSTR
};

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

enum rstr { R_ID, R_TITLE, R_SEV, R_CAT, R_SOURCE, R_APPLIES, R_REMEDY, R_REG, R_ORIGIN, R_NSTR };

struct rrec {
	uint32_t s[R_NSTR];
	char *text[R_NSTR]; /* the same strings, for the summary */
	int counts;
	long by_status[HA_NSTATUS];
	long not_ready_hosts; /* not-ready hosts on which it fails */
	long undetermined;    /* unknown hosts, hives readable, on which it is UNKNOWN */
};

/* A table's entries already written to a temporary file: ids below base. */
struct spill {
	FILE *f;
	uint32_t base;
};

struct hctx {
	struct ha_store *st;
	struct ha_err *err;
	int64_t run_id;

	struct intern str;   /* the string table */
	struct intern ev;    /* evidence records */
	struct intern fnd;   /* finding records */
	struct intern sig;   /* patterns of findings, for sharing narratives */
	struct vec sig_narr; /* per pattern: the narrative's string id */
	struct vec pool;     /* host hives, files and findings */
	struct vec rec;      /* scratch: the record being built */

	struct spill sp_str, sp_ev, sp_fnd; /* what str, ev and fnd wrote out */
	FILE *hosts_f;                      /* the host records, written */
	size_t table_cap;                   /* TABLE_CAP, or the tests' */
	const char *path;                   /* the report's */
	size_t nhosts;
	struct rrec *rules;
	size_t nrules;
	char **notes;
	size_t nnotes;

	/* the host being read */
	struct hrec cur;
	struct vec files;    /* its (path, sha256) string id pairs */
	struct ha_buf fkeys; /* the same pairs as text, each NUL-terminated */
	struct ha_buf pat;   /* its findings' (rule, status, category), as text */

	/* the run */
	char *started, *finished, *status, *tool_version, *as_of, *paths;
	long hosts_total;

	/* the summary */
	long verdicts[V_N];
	struct intern os; /* os_family string id -> dense index */
	long (*os_count)[V_N];
	struct intern hp; /* (role, status) -> dense index */
	long *hp_all, *hp_unknown;
	long unknown_hive, unknown_rule;

	/* since the last audit (NULL when there is no earlier run), and the
	 * verdict counts of the runs of the same paths, oldest first */
	struct ha_diff *diff;
	struct trend *trend;
	size_t ntrend;

	/* the output */
	struct ha_out out;
	struct ha_buf b;
};

#define MAX_TREND   24 /* runs in the trend chart: two years of monthly audits */
#define MAX_CHANGES 50 /* hosts per list of "Since the last audit"; all are in changes.csv */

struct trend {
	int64_t run;
	char as_of[11];
	long v[HA_RUNV_N];
};

static int nomem(struct hctx *c)
{
	return ha_err_set(c->err, HA_ERR_NOMEM, "out of memory");
}

/* Translates a container failure (HA_ERR_NOMEM or HA_ERR_LIMIT) into the
 * error. */
static int fail_code(struct hctx *c, int rc)
{
	if (rc == HA_ERR_NOMEM)
		return nomem(c);
	return ha_err_set(c->err, HA_ERR_LIMIT, "report.html: too many distinct records");
}

HA_MUST_CHECK static int push(struct hctx *c, struct vec *a, int64_t x)
{
	int rc = vec_push(a, x);

	return rc ? fail_code(c, rc) : HA_OK;
}

static int put_json_string(struct hctx *c, const char *s, size_t n);
static void put_int(struct ha_buf *b, int64_t v);

/* Moves c->b (nothing else is in it while the model is read) to f. */
static int spill_buf(struct hctx *c, FILE *f)
{
	if (ha_buf_status(&c->b))
		return fail_code(c, ha_buf_status(&c->b));
	if (c->b.len && fwrite(c->b.data, 1, c->b.len, f) != c->b.len)
		return ha_err_sys(c->err, HA_ERR_IO, errno,
		                  "report.html: cannot write a temporary file");
	ha_buf_truncate(&c->b, 0);
	return HA_OK;
}

/* Writes the entries of string table t (global ids from `from`) as the
 * island's JSON, into c->b. */
static int put_strings(struct hctx *c, const struct intern *t, uint32_t from, FILE *f)
{
	uint32_t i;
	size_t len;
	int rc;

	for (i = 0; i < t->n; i++) {
		const char *k = intern_key(t, i, &len);
		uint32_t g = from + i;

		if (g)
			ha_buf_puts(&c->b, g % 8 ? "," : ",\n");
		if ((rc = put_json_string(c, k, len)) != HA_OK)
			return rc;
		if (f && c->b.len >= FLUSH_AT && (rc = spill_buf(c, f)) != HA_OK)
			return rc;
		if (!f && c->b.len >= FLUSH_AT && (rc = ha_out_write(&c->out, &c->b, c->err)))
			return rc;
	}
	return HA_OK;
}

/* The same for a table of int32 records. */
static int put_records(struct hctx *c, const struct intern *t, uint32_t from, FILE *f)
{
	uint32_t i;
	size_t k, len;
	int rc;

	for (i = 0; i < t->n; i++) {
		const char *key = intern_key(t, i, &len);

		ha_buf_puts(&c->b, from + i ? ",\n[" : "[");
		for (k = 0; k < len / sizeof(int32_t); k++) {
			int32_t v;

			memcpy(&v, key + k * sizeof v, sizeof v);
			if (k)
				ha_buf_putc(&c->b, ',');
			put_int(&c->b, v);
		}
		ha_buf_putc(&c->b, ']');
		if (f && c->b.len >= FLUSH_AT && (rc = spill_buf(c, f)) != HA_OK)
			return rc;
		if (!f && c->b.len >= FLUSH_AT && (rc = ha_out_write(&c->out, &c->b, c->err)))
			return rc;
	}
	return HA_OK;
}

/* An unnamed temporary file beside the report (whose file system must
 * hold the page anyway), or in the system's temporary folder.  NULL with
 * errno set when neither can be made. */
static FILE *scratch_file(struct hctx *c)
{
	const char *slash = strrchr(c->path, '/');
	char *dir = slash ? ha_strndup(c->path, slash == c->path ? 1 : (size_t)(slash - c->path))
	                  : ha_strdup(".");
	int fd = dir ? open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600) : -1;
	FILE *f = fd >= 0 ? fdopen(fd, "w+b") : NULL;

	free(dir);
	if (!f && fd >= 0)
		close(fd);
	return f ? f : tmpfile();
}

/* When table t has grown past TABLE_CAP, writes it out and empties it. */
static int maybe_spill(struct hctx *c, struct intern *t, struct spill *sp, int strings)
{
	int rc;

	if (t->keys.len < c->table_cap)
		return HA_OK;
	if (!sp->f && !(sp->f = scratch_file(c)))
		return ha_err_sys(c->err, HA_ERR_IO, errno,
		                  "report.html: cannot create a temporary file");
	rc = strings ? put_strings(c, t, sp->base, sp->f) : put_records(c, t, sp->base, sp->f);
	if (!rc)
		rc = spill_buf(c, sp->f);
	if (rc)
		return rc;
	if ((uint64_t)sp->base + t->n > INT32_MAX)
		return fail_code(c, HA_ERR_LIMIT);
	sp->base += t->n;
	intern_free(t);
	intern_init(t);
	return HA_OK;
}

/* The global id of a key in a spilling table. */
static int spill_add(struct hctx *c, struct intern *t, struct spill *sp, int strings,
                     const void *key, size_t len, uint32_t *id)
{
	uint32_t local;
	int rc = maybe_spill(c, t, sp, strings);

	if (rc)
		return rc;
	if ((rc = intern_add(t, key, len, &local)) != HA_OK)
		return fail_code(c, rc);
	if ((uint64_t)sp->base + local > INT32_MAX)
		return fail_code(c, HA_ERR_LIMIT);
	*id = sp->base + local;
	return HA_OK;
}

HA_MUST_CHECK static int str_id(struct hctx *c, const char *s, uint32_t *id)
{
	return spill_add(c, &c->str, &c->sp_str, 1, s ? s : "", s ? strlen(s) : 0, id);
}

static int verdict_code(const char *v)
{
	int i;

	for (i = 0; i < V_N; i++)
		if (!strcmp(v, verdict_names[i]))
			return i;
	return -1;
}

static int hive_ok(const char *status)
{
	return !strcmp(status, "ok") || !strcmp(status, "replayed");
}

/* ------------------------------------------------------------- reading */

static int run_cb(void *ctx, const struct ha_run_row *r)
{
	struct hctx *c = ctx;

	c->started = ha_strdup(r->started_at);
	c->finished = ha_strdup(r->finished_at);
	c->status = ha_strdup(r->status);
	c->tool_version = ha_strdup(r->tool_version);
	c->as_of = ha_strdup(r->as_of);
	c->paths = ha_strdup(r->paths);
	c->hosts_total = r->hosts_total;
	if (!c->started || !c->finished || !c->status || !c->tool_version || !c->as_of || !c->paths)
		return nomem(c);
	return HA_OK;
}

static int rule_cb(void *ctx, const struct ha_rule_row *r)
{
	struct hctx *c = ctx;
	const char *s[R_NSTR];
	struct rrec *v, *x;
	int i, rc;

	v = realloc(c->rules, (c->nrules + 1) * sizeof *v);
	if (!v)
		return nomem(c);
	c->rules = v;
	x = &v[c->nrules];
	memset(x, 0, sizeof *x);
	s[R_ID] = r->id;
	s[R_TITLE] = r->title;
	s[R_SEV] = r->severity;
	s[R_CAT] = r->category;
	s[R_SOURCE] = r->source;
	s[R_APPLIES] = r->applies;
	s[R_REMEDY] = r->remedy;
	s[R_REG] = r->reg;
	s[R_ORIGIN] = r->origin;
	c->nrules++; /* freed with the others from here on */
	for (i = 0; i < R_NSTR; i++) {
		if ((rc = str_id(c, s[i], &x->s[i])) != HA_OK)
			return rc;
		if (!(x->text[i] = ha_strdup(s[i] ? s[i] : "")))
			return nomem(c);
	}
	x->counts = r->counts;
	for (i = 0; i < HA_NSTATUS; i++)
		x->by_status[i] = r->counts_by_status[i] > 0 ? r->counts_by_status[i] : 0;
	return HA_OK;
}

static int note_cb(void *ctx, const char *text)
{
	struct hctx *c = ctx;
	char **v = realloc(c->notes, (c->nnotes + 1) * sizeof *v);

	if (!v)
		return nomem(c);
	c->notes = v;
	if (!(v[c->nnotes] = ha_strdup(text ? text : "")))
		return nomem(c);
	c->nnotes++;
	return HA_OK;
}

static int hive_cb(void *ctx, const struct ha_hive_row *h)
{
	struct hctx *c = ctx;
	const char *s[] = {h->role,         h->kind,   h->kind_why, h->path,
	                   h->status,       h->reason, h->sha256,   h->embedded_name,
	                   h->last_written, h->logs,   h->replay};
	int64_t n[] = {h->size, h->seq1, h->seq2, h->checksum_ok, h->dirty, h->degraded};
	const char *cs[] = {h->container, h->container_sha256, h->inner_path};
	size_t i;
	uint32_t id = 0;
	int rc = HA_OK;

	_Static_assert(sizeof s / sizeof s[0] + sizeof n / sizeof n[0] + sizeof cs / sizeof cs[0] ==
	                       HIVE_FIELDS,
	               "a hive record has HIVE_FIELDS fields (report.js HV.N)");

	for (i = 0; !rc && i < sizeof s / sizeof s[0]; i++)
		if (!(rc = str_id(c, s[i], &id)))
			rc = push(c, &c->pool, id);
	for (i = 0; !rc && i < sizeof n / sizeof n[0]; i++)
		rc = push(c, &c->pool, n[i]);
	for (i = 0; !rc && i < sizeof cs / sizeof cs[0]; i++)
		if (!(rc = str_id(c, cs[i], &id)))
			rc = push(c, &c->pool, id);
	return rc;
}

/* One problem hive (role, status) seen on a host: counted for the "why
 * unknown" box. */
static int count_hive_problem(struct hctx *c, int role, const char *status, int unknown)
{
	char key[80];
	uint32_t id, before = c->hp.n;
	int rc;

	/* role, then the status's text (statuses are short names) */
	snprintf(key, sizeof key, "%c%.70s", '0' + role, status ? status : "");
	rc = intern_add(&c->hp, key, strlen(key), &id);

	if (rc)
		return fail_code(c, rc);
	if (c->hp.n != before) {
		long *a = realloc(c->hp_all, c->hp.n * sizeof *a);
		long *u;

		if (!a)
			return nomem(c);
		c->hp_all = a;
		u = realloc(c->hp_unknown, c->hp.n * sizeof *u);
		if (!u)
			return nomem(c);
		c->hp_unknown = u;
		a[id] = u[id] = 0;
	}
	c->hp_all[id]++;
	if (unknown)
		c->hp_unknown[id]++;
	return HA_OK;
}

static int count_os(struct hctx *c, const char *os, int verdict)
{
	uint32_t id, before = c->os.n;
	int rc = intern_add(&c->os, os, strlen(os), &id);

	if (rc)
		return fail_code(c, rc);
	if (c->os.n != before) {
		long(*a)[V_N] = realloc(c->os_count, c->os.n * sizeof *a);

		if (!a)
			return nomem(c);
		c->os_count = a;
		memset(a[id], 0, sizeof a[id]);
	}
	c->os_count[id][verdict]++;
	return HA_OK;
}

static int finding_cb(void *ctx, const struct ha_finding_row *f);
static int close_host(struct hctx *c);
static int narrative(struct hctx *c);
static int write_host(struct hctx *c);

static int host_cb(void *ctx, const struct ha_host_row *h)
{
	struct hctx *c = ctx;
	const char *s[H_NSTR];
	struct hrec *x = &c->cur;
	int i, rc;

	memset(x, 0, sizeof *x);
	c->pool.n = 0;
	c->files.n = 0;
	ha_buf_truncate(&c->pat, 0);
	ha_buf_truncate(&c->fkeys, 0);
	x->host_id = h->host_id;
	s[H_LABEL] = h->label;
	s[H_DIR] = h->dir;
	s[H_CN] = h->computer_name;
	s[H_HOSTNAME] = h->hostname;
	s[H_DOMAIN] = h->domain;
	s[H_OS] = *h->os_family ? h->os_family : "Unknown";
	s[H_PRODUCT_NAME] = h->product_name;
	s[H_NT] = h->nt_version;
	s[H_INSTALL] = h->installation_type;
	s[H_EDITION] = h->edition;
	s[H_PTYPE] = h->product_type;
	s[H_PRODUCT] = h->product;
	s[H_ARCH] = h->arch;
	s[H_CS_SOURCE] = h->control_set_source;
	s[H_VREASON] = h->verdict_reason;
	s[H_NOTE] = h->note;
	for (i = 0; i < H_NSTR; i++)
		if ((rc = str_id(c, s[i], &x->s[i])) != HA_OK)
			return rc;
	x->build = h->build;
	x->ubr = h->ubr;
	x->sp = h->sp;
	x->cs = h->control_set;
	x->reused = h->reused_from != 0;
	x->verdict = verdict_code(h->verdict);
	if (x->verdict < 0)
		return ha_err_set(c->err, HA_ERR_FORMAT, "host '%s': unknown verdict in the store",
		                  h->label);
	for (i = 0; i < HA_NROLES; i++) {
		if ((rc = str_id(c, h->hive_status[i], &x->hstat[i])) != HA_OK)
			return rc;
		if (!hive_ok(h->hive_status[i]))
			x->hive_problem = 1;
	}
	for (i = 0; i < HA_NROLES; i++)
		if (!hive_ok(h->hive_status[i]) &&
		    (rc = count_hive_problem(c, i, h->hive_status[i], x->verdict == V_UNKNOWN)) !=
		            HA_OK)
			return rc;
	if (x->verdict == V_UNKNOWN && x->hive_problem)
		c->unknown_hive++;
	else if (x->verdict == V_UNKNOWN)
		c->unknown_rule++;
	c->verdicts[x->verdict]++;
	if ((rc = count_os(c, s[H_OS], x->verdict)) != HA_OK)
		return rc;
	x->hv_off = c->pool.n;
	rc = ha_store_each_hive(c->st, h->host_id, hive_cb, c, c->err);
	if (rc)
		return rc;
	x->hv_n = c->pool.n - x->hv_off;
	x->f_off = c->pool.n;
	rc = ha_store_each_finding(c->st, c->run_id, h->host_id, finding_cb, c, c->err);
	if (!rc)
		rc = close_host(c);
	if (!rc)
		rc = narrative(c);
	if (!rc)
		rc = write_host(c);
	if (!rc)
		c->nhosts++;
	return rc;
}

/* The current host's findings are complete: keep its file list. */
static int close_host(struct hctx *c)
{
	struct hrec *x = &c->cur;
	size_t i;
	int rc;

	x->f_n = c->pool.n - x->f_off;
	x->fl_off = c->pool.n;
	for (i = 0; i < c->files.n; i++)
		if ((rc = push(c, &c->pool, c->files.v[i])) != HA_OK)
			return rc;
	x->fl_n = c->files.n;
	c->files.n = 0;
	return HA_OK;
}

/* The index of (path, sha256) in the current host's file list. */
static int file_slot(struct hctx *c, const char *path, const char *sha, int64_t *slot)
{
	uint32_t p, s;
	const char *k;
	size_t i;
	int rc;

	if (!*path) {
		*slot = -1;
		return HA_OK;
	}
	/* Compared by text: a string's id changes when its table spills. */
	sha = sha ? sha : "";
	for (i = 0, k = c->fkeys.data; i < c->files.n / 2; i++) {
		size_t pl = strlen(k), sl = strlen(k + pl + 1);

		if (!strcmp(k, path) && !strcmp(k + pl + 1, sha)) {
			*slot = (int64_t)i;
			return HA_OK;
		}
		k += pl + sl + 2;
	}
	if ((rc = str_id(c, path, &p)) != HA_OK || (rc = str_id(c, sha, &s)) != HA_OK)
		return rc;
	ha_buf_add(&c->fkeys, path, strlen(path) + 1);
	ha_buf_add(&c->fkeys, sha, strlen(sha) + 1);
	if (ha_buf_status(&c->fkeys))
		return fail_code(c, ha_buf_status(&c->fkeys));
	*slot = (int64_t)(c->files.n / 2);
	if ((rc = push(c, &c->files, p)) != HA_OK)
		return rc;
	return push(c, &c->files, s);
}

/* Interns the record in c->rec (as int32s) into `t`: its global id. */
static int intern_rec(struct hctx *c, struct intern *t, struct spill *sp, uint32_t *id)
{
	int32_t stack[64] = {0}, *v = stack;
	size_t i;
	int rc;

	if (c->rec.n > sizeof stack / sizeof stack[0]) {
		v = malloc(c->rec.n * sizeof *v);
		if (!v)
			return nomem(c);
	}
	for (i = 0; i < c->rec.n; i++)
		v[i] = (int32_t)c->rec.v[i];
	rc = spill_add(c, t, sp, 0, v, c->rec.n * sizeof *v, id);
	if (v != stack)
		free(v);
	return rc;
}

struct evctx {
	struct hctx *c;
	struct vec ids; /* evidence record ids of the finding */
};

static int ev_cb(void *ctx, const struct ha_evidence_row *e)
{
	struct evctx *x = ctx;
	struct hctx *c = x->c;
	const char *s[] = {e->role,       e->control_set, e->key_path,   e->value_name,
	                   e->value_type, e->data,        e->last_write, e->note};
	int64_t slot = -1;
	uint32_t id;
	size_t i;
	int rc;

	c->rec.n = 0;
	if ((rc = file_slot(c, e->hive_path, e->hive_sha256, &slot)) != HA_OK)
		return rc;
	for (i = 0; i < sizeof s / sizeof s[0]; i++) {
		int64_t v = -1;

		if (s[i]) { /* value_name is NULL when the evidence is a key */
			if ((rc = str_id(c, s[i], &id)) != HA_OK)
				return rc;
			v = id;
		}
		if ((rc = push(c, &c->rec, v)) != HA_OK)
			return rc;
		if (i == 0 && (rc = push(c, &c->rec, slot)) != HA_OK)
			return rc;
	}
	if ((rc = intern_rec(c, &c->ev, &c->sp_ev, &id)) != HA_OK)
		return rc;
	return id > INT32_MAX ? fail_code(c, HA_ERR_LIMIT) : push(c, &x->ids, id);
}

static int rule_index(const struct hctx *c, const char *rule_id)
{
	size_t i;

	for (i = 0; i < c->nrules; i++)
		if (!strcmp(c->rules[i].text[R_ID], rule_id))
			return (int)i;
	return -1;
}

static int finding_cb(void *ctx, const struct ha_finding_row *f)
{
	struct hctx *c = ctx;
	struct evctx ex = {c, {NULL, 0, 0}};
	const char *s[] = {f->severity, f->title, f->category, f->observed, f->expected, f->reason};
	struct hrec *h = &c->cur;
	uint32_t rid, id;
	size_t i;
	int status = ha_status_from_name(f->status), r, rc;
	char *waived = NULL;

	/* A waived finding says so in its reason, where the host's details
	 * show it (the record's layout stays as documented above). */
	if (f->waived[0]) {
		waived = ha_asprintf(
		        "%s %s %s by %s%s%s: %s", f->reason,
		        !strcmp(f->waived, "yes") ? "Waived until" : "Waiver EXPIRED on",
		        f->waiver_expires, f->waiver_approver,
		        f->waiver_ticket[0] ? ", ticket " : "", f->waiver_ticket, f->waiver_reason);
		if (!waived)
			return nomem(c);
		s[5] = waived;
	}

	if (status < 0)
		return ha_err_set(c->err, HA_ERR_FORMAT,
		                  "host '%s', rule '%s': unknown status '%s'", f->label, f->rule_id,
		                  f->status);
	rc = ha_store_each_evidence(c->st, f->finding_id, ev_cb, &ex, c->err);
	if (rc) {
		free(ex.ids.v);
		free(waived);
		return rc;
	}
	c->rec.n = 0;
	rc = str_id(c, f->rule_id, &rid);
	if (!rc && !(rc = push(c, &c->rec, rid)))
		rc = push(c, &c->rec, status);
	for (i = 0; !rc && i < sizeof s / sizeof s[0]; i++) {
		if (!(rc = str_id(c, s[i], &id)))
			rc = push(c, &c->rec, id);
	}
	free(waived);
	/* the pattern of findings that selects the host's narrative, as text
	 * (ids change when the string table spills) */
	if (!rc) {
		ha_buf_printf(&c->pat, "%s%c%d%s%c", f->rule_id, 0, status,
		              f->category ? f->category : "", 0);
		if (ha_buf_status(&c->pat))
			rc = fail_code(c, ha_buf_status(&c->pat));
	}
	for (i = 0; !rc && i < ex.ids.n; i++)
		rc = push(c, &c->rec, ex.ids.v[i]);
	free(ex.ids.v);
	if (rc)
		return rc;
	if ((rc = intern_rec(c, &c->fnd, &c->sp_fnd, &id)) != HA_OK)
		return rc;
	if ((rc = push(c, &c->pool, id)) != HA_OK)
		return rc;
	r = rule_index(c, f->rule_id);
	if (r >= 0 && c->rules[r].counts) {
		if (h->verdict == V_NOT_READY && status == HA_FAIL)
			c->rules[r].not_ready_hosts++;
		if (h->verdict == V_UNKNOWN && !h->hive_problem && status == HA_UNKNOWN)
			c->rules[r].undetermined++;
	}
	return HA_OK;
}

/* The narrative of every host that is not ready, from narrative.c itself,
 * so the page and `hiveaudit explain` tell the same story.
 *
 * Which causes a narrative lists, in which order, with which heading and
 * symptom, depends only on the (rule, status, category) of the host's
 * findings: only the reason sentences are the host's own.  So it is asked
 * for once per distinct pattern (a fleet has few), and report.js shows
 * each item with the reason of the host's own finding for that rule.
 * One narrative query per host would not scale: it reads the run's
 * findings each time. */
static int narrative(struct hctx *c)
{
	struct hrec *h = &c->cur;
	struct ha_buf nb;
	uint32_t sid, nid;
	int rc;

	if (h->verdict == V_READY || !h->f_n)
		return HA_OK;
	if (c->sig.n >= SIG_CAP) { /* a fleet has few patterns; a hostile one, bounded */
		intern_free(&c->sig);
		intern_init(&c->sig);
		c->sig_narr.n = 0;
	}
	rc = intern_add(&c->sig, c->pat.data, c->pat.len, &sid);
	if (rc)
		return fail_code(c, rc);
	if (sid < c->sig_narr.n) {
		h->narrative = (uint32_t)c->sig_narr.v[sid];
		return HA_OK;
	}
	ha_buf_init(&nb, (size_t)16 << 20);
	rc = ha_report_narrative(c->st, c->run_id, h->host_id, 0, &nb, c->err);
	if (!rc && !(rc = str_id(c, ha_buf_cstr(&nb), &nid))) {
		h->narrative = nid;
		rc = push(c, &c->sig_narr, nid);
	}
	ha_buf_free(&nb);
	return rc;
}

static void put_ints(struct ha_buf *b, const int64_t *v, size_t n);

/* The current host's record, to the hosts' temporary file. */
static int write_host(struct hctx *c)
{
	const struct hrec *h = &c->cur;
	int j;

	if (!c->hosts_f && !(c->hosts_f = scratch_file(c)))
		return ha_err_sys(c->err, HA_ERR_IO, errno,
		                  "report.html: cannot create a temporary file");
	ha_buf_puts(&c->b, c->nhosts ? ",\n[" : "[");
	for (j = 0; j < H_NSTR; j++) {
		put_int(&c->b, h->s[j]);
		ha_buf_putc(&c->b, ',');
	}
	ha_buf_printf(&c->b, "%ld,%ld,%ld,%ld,%d,%d,[", h->build, h->ubr, h->sp, h->cs, h->verdict,
	              h->reused);
	put_ints(&c->b, c->pool.v + h->hv_off, h->hv_n);
	ha_buf_puts(&c->b, "],[");
	put_ints(&c->b, c->pool.v + h->fl_off, h->fl_n);
	ha_buf_puts(&c->b, "],[");
	put_ints(&c->b, c->pool.v + h->f_off, h->f_n);
	ha_buf_printf(&c->b, "],%u,[%u,%u]]", h->narrative, h->hstat[HA_SYSTEM],
	              h->hstat[HA_SOFTWARE]);
	/* c->b must be empty again: the tables spill through it too (stdio
	 * buffers the file). */
	return spill_buf(c, c->hosts_f);
}

/* ------------------------------------------------------------- writing */

static void esc(struct hctx *c, const char *s)
{
	ha_escape_html(&c->b, s ? s : "");
}

static int flush(struct hctx *c)
{
	if (c->b.len >= FLUSH_AT || ha_buf_status(&c->b))
		return ha_out_write(&c->out, &c->b, c->err);
	return HA_OK;
}

/* A count with thousands separators: 10,000 reads faster than 10000. */
static void put_count(struct ha_buf *b, long v)
{
	char d[32], out[48];
	int n = snprintf(d, sizeof d, "%ld", v < 0 ? 0 : v), i, k = 0;

	for (i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0)
			out[k++] = ',';
		out[k++] = d[i];
	}
	out[k] = '\0';
	ha_buf_puts(b, out);
}

static void put_plural(struct ha_buf *b, long v, const char *one, const char *many)
{
	put_count(b, v);
	ha_buf_putc(b, ' ');
	ha_buf_puts(b, v == 1 ? one : many);
}

/* A fragment parameter value, percent-encoded: the result is plain ASCII
 * that is also safe inside an HTML attribute. */
static void put_frag(struct ha_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.' || *p == '~') {
			ha_buf_putc(b, (char)*p);
		} else {
			ha_buf_putc(b, '%');
			ha_buf_putc(b, hex[*p >> 4]);
			ha_buf_putc(b, hex[*p & 15]);
		}
	}
}

/* Escaped text cut to at most `max` characters (not bytes), with an
 * ellipsis when cut: chart labels must fit their column. */
static void esc_cut(struct hctx *c, const char *s, size_t max)
{
	size_t chars = 0, i;
	char *cut;

	for (i = 0; s[i]; i++) {
		if (((unsigned char)s[i] & 0xC0) != 0x80 && ++chars > max)
			break;
	}
	if (!s[i]) {
		esc(c, s);
		return;
	}
	cut = ha_strndup(s, i);
	if (!cut) {
		c->b.failed = HA_ERR_NOMEM;
		return;
	}
	esc(c, cut);
	ha_buf_puts(&c->b, "\xe2\x80\xa6");
	free(cut);
}

static void status_word(struct ha_buf *b, int st)
{
	static const char *const words[HA_NSTATUS] = {"PASS", "FAIL", "WARN", "N/A", "UNKNOWN"};

	ha_buf_puts(b, words[st]);
}

/* Hive statuses are identifiers (not_a_hive); the page shows words. */
static void hive_status_words(struct hctx *c, const char *s)
{
	char *w = ha_strdup(s), *p;

	if (!w) {
		c->b.failed = HA_ERR_NOMEM;
		return;
	}
	for (p = w; *p; p++)
		if (*p == '_')
			*p = ' ';
	esc(c, w);
	free(w);
}

static void write_head(struct hctx *c, const char *csp_style, const char *csp_script)
{
	ha_buf_puts(&c->b,
	            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
	/* Only the two inline blocks may run or style; nothing may be fetched. */
	ha_buf_printf(&c->b,
	              "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	              "style-src 'sha256-%s'; script-src 'sha256-%s'; base-uri 'none'; "
	              "form-action 'none'\">\n"
	              "<meta name=\"referrer\" content=\"no-referrer\">\n"
	              "<meta name=\"generator\" content=\"hiveaudit ",
	              csp_style, csp_script);
	esc(c, c->tool_version);
	ha_buf_puts(
	        &c->b,
	        "\">\n<title>TLS 1.2 readiness for Azure Backup \xe2\x80\x94 hiveaudit</title>\n"
	        "<style>");
	ha_buf_add(&c->b, ha_report_css, ha_report_css_len);
	ha_buf_puts(&c->b, "</style>\n</head>\n<body>\n");
}

static void write_masthead(struct hctx *c)
{
	long total = (long)c->nhosts;

	ha_buf_puts(&c->b, "<header class=\"masthead\"><div class=\"wrap\">"
	                   "<p class=\"kicker\">hiveaudit report</p>"
	                   "<h1>TLS 1.2 readiness for Azure Backup</h1>"
	                   "<dl class=\"runmeta\"><div><dt>Audit date</dt><dd id=\"as-of\">");
	esc(c, c->as_of);
	ha_buf_puts(&c->b, "</dd></div><div><dt>Run</dt><dd id=\"run-id\">");
	ha_buf_printf(&c->b, "%" PRId64, c->run_id);
	ha_buf_puts(&c->b, "</dd></div><div><dt>Started</dt><dd>");
	esc(c, c->started);
	ha_buf_puts(&c->b, "</dd></div><div><dt>Finished</dt><dd>");
	esc(c, *c->finished ? c->finished : "\xe2\x80\x94");
	ha_buf_puts(&c->b, "</dd></div><div><dt>Hosts</dt><dd>");
	put_count(&c->b, total);
	ha_buf_puts(&c->b, "</dd></div><div><dt>Program</dt><dd>hiveaudit ");
	esc(c, c->tool_version);
	ha_buf_puts(&c->b, "</dd></div></dl></div></header>\n<main class=\"wrap\">\n");
	if (strcmp(c->status, "complete")) {
		ha_buf_puts(&c->b, "<p class=\"banner\" id=\"run-incomplete\">This run is <b>");
		esc(c, c->status);
		ha_buf_puts(&c->b, "</b>: the report covers ");
		put_count(&c->b, total);
		ha_buf_puts(&c->b, " of ");
		put_plural(&c->b, c->hosts_total > total ? c->hosts_total : total, "host", "hosts");
		ha_buf_puts(&c->b, " found. Run the scan again to finish it.</p>\n");
	}
}

static void write_card(struct hctx *c, const char *cls, const char *id, const char *title, long n,
                       long total, const char *frag)
{
	ha_buf_printf(&c->b,
	              "<a class=\"card %s\" href=\"#%s\"><span class=\"card-title\">%s</span>"
	              "<span class=\"card-num\" id=\"%s\">",
	              cls, frag, title, id);
	ha_buf_printf(&c->b, "%ld", n);
	ha_buf_puts(&c->b, "</span><span class=\"card-sub\">");
	if (total > 0)
		ha_buf_printf(&c->b, "%ld%% of hosts", (n * 100 + total / 2) / total);
	ha_buf_puts(&c->b, "</span></a>\n");
}

/* "Why not ready": how many not-ready hosts fail each deciding rule. */
static void write_causes(struct hctx *c)
{
	size_t i, *order, n = 0, k;

	ha_buf_puts(&c->b,
	            "<div class=\"panel why\" id=\"why-not-ready\"><h3>Why hosts are not ready"
	            "</h3>");
	order = malloc((c->nrules + 1) * sizeof *order);
	if (!order) {
		c->b.failed = HA_ERR_NOMEM;
		return;
	}
	for (i = 0; i < c->nrules; i++) {
		if (!c->rules[i].not_ready_hosts)
			continue;
		/* insertion sort by count, most common first; ties keep rule order */
		for (k = n;
		     k > 0 && c->rules[order[k - 1]].not_ready_hosts < c->rules[i].not_ready_hosts;
		     k--)
			order[k] = order[k - 1];
		order[k] = i;
		n++;
	}
	if (!n) {
		ha_buf_puts(&c->b, "<p class=\"muted\">No host fails a requirement.</p>");
	} else {
		ha_buf_puts(&c->b,
		            "<p class=\"muted\">Hosts failing each requirement (a host can fail "
		            "several). Backups and restores from these hosts fail with error "
		            "10054, &ldquo;An existing connection was forcibly closed by the "
		            "remote host&rdquo;, or a certificate chain error.</p>"
		            "<table class=\"causes\"><tbody>");
		for (k = 0; k < n && k < MAX_CAUSES; k++) {
			const struct rrec *r = &c->rules[order[k]];

			ha_buf_puts(&c->b, "<tr><td><a href=\"#verdict=not_ready&amp;rule=");
			put_frag(&c->b, r->text[R_ID]);
			ha_buf_puts(&c->b, "&amp;status=FAIL\"><code>");
			esc(c, r->text[R_ID]);
			ha_buf_puts(&c->b, "</code></a><span class=\"cause-title\">");
			esc(c, r->text[R_TITLE]);
			ha_buf_puts(&c->b, "</span></td><td class=\"num\">");
			put_count(&c->b, r->not_ready_hosts);
			ha_buf_puts(&c->b, "</td></tr>");
		}
		ha_buf_puts(&c->b, "</tbody></table>");
		if (n > MAX_CAUSES) {
			ha_buf_puts(&c->b, "<p class=\"muted more\">");
			put_plural(&c->b, (long)(n - MAX_CAUSES), "more requirement fails",
			           "more requirements fail");
			ha_buf_puts(&c->b,
			            " on fewer hosts: see the <a href=\"#rules\">rules table</a>."
			            "</p>");
		}
	}
	ha_buf_puts(&c->b, "</div>\n");
	free(order);
}

/* "Why unknown": hive problems first (they explain most unknowns), then
 * deciding rules that could not be evaluated on readable hives. */
static void write_unknowns(struct hctx *c)
{
	uint32_t i;
	size_t r;
	int any = 0;

	ha_buf_puts(&c->b,
	            "<div class=\"panel why\" id=\"why-unknown\"><h3>Why hosts are unknown</h3>");
	if (!c->verdicts[V_UNKNOWN] && !c->hp.n) {
		ha_buf_puts(&c->b,
		            "<p class=\"muted\">Every host could be decided, and every SYSTEM "
		            "and SOFTWARE hive was read cleanly.</p></div>\n");
		return;
	}
	ha_buf_puts(&c->b, "<p class=\"muted\">");
	put_plural(&c->b, c->unknown_hive, "unknown host has", "unknown hosts have");
	ha_buf_puts(&c->b, " a missing or damaged hive; ");
	put_count(&c->b, c->unknown_rule);
	ha_buf_puts(&c->b,
	            " had readable hives but a deciding value could not be interpreted. "
	            "Collect the hives again (with their .LOG files) or check on the host.</p>"
	            "<table class=\"causes\"><thead><tr><th>Cause</th><th class=\"num\">"
	            "Unknown hosts</th><th class=\"num\">All hosts</th></tr></thead><tbody>");
	for (i = 0; i < c->hp.n; i++) {
		const char *k, *role, *status;

		k = intern_key(&c->hp, i, NULL);
		role = ha_role_name(k[0] - '0');
		status = k + 1;
		ha_buf_puts(&c->b, "<tr><td><a href=\"#hive=");
		put_frag(&c->b, role);
		ha_buf_putc(&c->b, ':');
		put_frag(&c->b, status);
		ha_buf_puts(&c->b, "\">");
		esc(c, role);
		ha_buf_puts(&c->b, " hive ");
		hive_status_words(c, status);
		ha_buf_puts(&c->b, "</a></td><td class=\"num\">");
		put_count(&c->b, c->hp_unknown[i]);
		ha_buf_puts(&c->b, "</td><td class=\"num\">");
		put_count(&c->b, c->hp_all[i]);
		ha_buf_puts(&c->b, "</td></tr>");
		any = 1;
	}
	for (r = 0; r < c->nrules; r++) {
		const struct rrec *x = &c->rules[r];

		if (!x->undetermined)
			continue;
		ha_buf_puts(&c->b, "<tr><td><a href=\"#verdict=unknown&amp;rule=");
		put_frag(&c->b, x->text[R_ID]);
		ha_buf_puts(&c->b, "&amp;status=UNKNOWN\">Hives readable; undetermined: <code>");
		esc(c, x->text[R_ID]);
		ha_buf_puts(&c->b, "</code></a></td><td class=\"num\">");
		put_count(&c->b, x->undetermined);
		ha_buf_puts(&c->b, "</td><td class=\"num\">\xe2\x80\x94</td></tr>");
		any = 1;
	}
	if (!any)
		ha_buf_puts(&c->b,
		            "<tr><td colspan=\"3\" class=\"muted\">No cause recorded.</td></tr>");
	ha_buf_puts(&c->b, "</tbody></table></div>\n");
}

static void write_summary(struct hctx *c)
{
	long total = (long)c->nhosts;

	ha_buf_puts(&c->b, "<section id=\"summary\" aria-label=\"Fleet summary\">\n"
	                   "<h2>Fleet summary</h2>\n<div class=\"cards\">\n");
	ha_buf_puts(&c->b, "<a class=\"card total\" href=\"#\"><span class=\"card-title\">Hosts "
	                   "audited</span><span class=\"card-num\" id=\"n-hosts\">");
	ha_buf_printf(&c->b, "%ld", total);
	ha_buf_puts(&c->b, "</span><span class=\"card-sub\">");
	put_plural(&c->b, (long)c->nrules, "rule", "rules");
	ha_buf_puts(&c->b, " each</span></a>\n");
	write_card(c, "v-ready", "n-ready", "Ready for TLS 1.2", c->verdicts[V_READY], total,
	           "verdict=ready");
	write_card(c, "v-not_ready", "n-not-ready", "Not ready", c->verdicts[V_NOT_READY], total,
	           "verdict=not_ready");
	write_card(c, "v-unknown", "n-unknown", "Unknown", c->verdicts[V_UNKNOWN], total,
	           "verdict=unknown");
	if (c->verdicts[V_WAIVED]) /* only where waivers were given */
		write_card(c, "v-ready_with_waivers", "n-waived", "Ready with waivers",
		           c->verdicts[V_WAIVED], total, "verdict=ready_with_waivers");
	ha_buf_puts(&c->b, "</div>\n");
	if (total) {
		/* One bar for the whole fleet, as a quick read of the three numbers. */
		int v;
		double x = 0;

		ha_buf_puts(&c->b,
		            "<svg class=\"fleetbar\" viewBox=\"0 0 1000 14\" "
		            "preserveAspectRatio=\"none\" role=\"img\" aria-label=\"Hosts by "
		            "verdict\">");
		for (v = 0; v < V_N; v++) {
			double w = 1000.0 * (double)c->verdicts[v] / (double)total;

			if (!c->verdicts[v])
				continue;
			ha_buf_printf(&c->b,
			              "<rect class=\"v-%s\" x=\"%.2f\" y=\"0\" width=\"%.2f\" "
			              "height=\"14\"><title>%s: %ld</title></rect>",
			              verdict_names[v], x, w, verdict_titles[v], c->verdicts[v]);
			x += w;
		}
		ha_buf_puts(&c->b, "</svg>\n");
	}
	ha_buf_puts(&c->b, "<div class=\"grid2\">\n");
	write_causes(c);
	write_unknowns(c);
	ha_buf_puts(&c->b, "</div>\n</section>\n");
}

/* Layout of the horizontal stacked-bar charts, in viewBox units. */
#define CH_W     640
#define CH_LABEL 200
#define CH_BAR   380
#define CH_ROW   22
#define CH_GAP   7
#define CH_TOP   8

static void chart_open(struct hctx *c, const char *id, const char *label, size_t rows)
{
	ha_buf_printf(&c->b,
	              "<svg class=\"chart\" id=\"%s\" viewBox=\"0 0 %d %zu\" role=\"img\" "
	              "aria-label=\"%s\">",
	              id, CH_W, CH_TOP * 2 + rows * (CH_ROW + CH_GAP), label);
}

/* One bar: segments[i] of class cls[i], each linked to its filter. */
static void chart_row(struct hctx *c, size_t row, const char *label, size_t label_max,
                      const long *seg, const char *const *cls, const char *const *names, int nseg,
                      const char *const *hrefs, long scale)
{
	double x = CH_LABEL, y = CH_TOP + (double)row * (CH_ROW + CH_GAP);
	long total = 0;
	int i;

	for (i = 0; i < nseg; i++)
		total += seg[i];
	ha_buf_printf(&c->b, "<g><text class=\"lbl\" x=\"%d\" y=\"%.1f\"><title>", CH_LABEL - 8,
	              y + CH_ROW / 2.0 + 4);
	esc(c, label);
	ha_buf_puts(&c->b, "</title>");
	esc_cut(c, label, label_max);
	ha_buf_puts(&c->b, "</text>");
	ha_buf_printf(&c->b,
	              "<rect class=\"track\" x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%d\"/>",
	              CH_LABEL, y, CH_BAR, CH_ROW);
	for (i = 0; scale > 0 && i < nseg; i++) {
		double w = (double)CH_BAR * (double)seg[i] / (double)scale;

		if (!seg[i])
			continue;
		ha_buf_puts(&c->b, "<a href=\"#");
		ha_buf_puts(&c->b, hrefs[i]);
		ha_buf_printf(&c->b,
		              "\"><rect class=\"%s\" x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" "
		              "height=\"%d\"><title>",
		              cls[i], x, y, w, CH_ROW);
		esc(c, label);
		ha_buf_printf(&c->b, ": %ld %s</title></rect>", seg[i], names[i]);
		if (w >= 26)
			ha_buf_printf(&c->b,
			              "<text class=\"seg %s\" x=\"%.1f\" y=\"%.1f\">%ld</text>",
			              cls[i], x + w / 2, y + CH_ROW / 2.0 + 4, seg[i]);
		ha_buf_puts(&c->b, "</a>");
		x += w;
	}
	ha_buf_printf(&c->b, "<text class=\"tot\" x=\"%d\" y=\"%.1f\">%ld</text></g>",
	              CH_LABEL + CH_BAR + 8, y + CH_ROW / 2.0 + 4, total);
}

static void legend(struct hctx *c, const char *const *cls, const char *const *names, int n)
{
	int i;

	ha_buf_puts(&c->b, "<ul class=\"legend\">");
	for (i = 0; i < n; i++)
		ha_buf_printf(&c->b, "<li><span class=\"sw %s\"></span>%s</li>", cls[i], names[i]);
	ha_buf_puts(&c->b, "</ul>");
}

static void write_rule_chart(struct hctx *c)
{
	static const char *const cls[HA_NSTATUS] = {"s-FAIL", "s-UNKNOWN", "s-WARN", "s-PASS",
	                                            "s-NOT_APPLICABLE"};
	static const char *const names[HA_NSTATUS] = {"FAIL", "UNKNOWN", "WARN", "PASS",
	                                              "NOT_APPLICABLE"};
	static const char *const words[HA_NSTATUS] = {"FAIL", "UNKNOWN", "WARN", "PASS",
	                                              "N/A (not applicable)"};
	size_t i, shown = c->nrules < MAX_CHART_RULES ? c->nrules : MAX_CHART_RULES;
	struct ha_buf hb[HA_NSTATUS];
	const char *hrefs[HA_NSTATUS];
	long seg[HA_NSTATUS];
	int k;

	ha_buf_puts(&c->b, "<figure class=\"panel chartbox\"><figcaption><h3>Findings per rule</h3>"
	                   "<p class=\"muted\">Hosts by status of each rule; select a segment to "
	                   "list those hosts.</p></figcaption>");
	legend(c, cls, words, HA_NSTATUS);
	chart_open(c, "chart-rules", "Findings per rule, by status", shown);
	for (k = 0; k < HA_NSTATUS; k++)
		ha_buf_init(&hb[k], 4096);
	for (i = 0; i < shown; i++) {
		const struct rrec *r = &c->rules[i];

		for (k = 0; k < HA_NSTATUS; k++) {
			seg[k] = r->by_status[chart_status_order[k]];
			ha_buf_truncate(&hb[k], 0);
			ha_buf_puts(&hb[k], "rule=");
			put_frag(&hb[k], r->text[R_ID]);
			ha_buf_puts(&hb[k], "&amp;status=");
			ha_buf_puts(&hb[k], names[k]);
			hrefs[k] = ha_buf_cstr(&hb[k]);
		}
		chart_row(c, i, r->text[R_ID], 28, seg, cls, words, HA_NSTATUS, hrefs,
		          (long)c->nhosts);
	}
	for (k = 0; k < HA_NSTATUS; k++) {
		if (ha_buf_status(&hb[k]))
			c->b.failed = ha_buf_status(&hb[k]);
		ha_buf_free(&hb[k]);
	}
	ha_buf_puts(&c->b, "</svg>");
	if (shown < c->nrules) {
		ha_buf_puts(&c->b, "<p class=\"muted\">");
		put_count(&c->b, (long)(c->nrules - shown));
		ha_buf_puts(&c->b, " more rules are in the table below.</p>");
	}
	ha_buf_puts(&c->b, "</figure>\n");
}

static void write_os_chart(struct hctx *c)
{
	static const char *const cls[V_N] = {"v-ready", "v-not_ready", "v-unknown",
	                                     "v-ready_with_waivers"};
	static const char *const names[V_N] = {"ready", "not ready", "unknown",
	                                       "ready with waivers"};
	uint32_t *order = NULL, i, k, n = c->os.n, shown;
	long other[V_N] = {0}, maxv = 1;
	const char *hrefs[V_N];
	struct ha_buf hb[V_N];
	int v;

	ha_buf_puts(&c->b, "<figure class=\"panel chartbox\"><figcaption><h3>Operating systems</h3>"
	                   "<p class=\"muted\">Hosts per OS family, coloured by readiness.</p>"
	                   "</figcaption>");
	legend(c, cls, names, V_N);
	if (n)
		order = malloc(n * sizeof *order);
	if (n && !order) {
		c->b.failed = HA_ERR_NOMEM;
		return;
	}
	/* most hosts first */
	for (i = 0; i < n; i++) {
		long ti = c->os_count[i][0] + c->os_count[i][1] + c->os_count[i][2];

		for (k = i; k > 0; k--) {
			const long *o = c->os_count[order[k - 1]];

			if (o[0] + o[1] + o[2] >= ti)
				break;
			order[k] = order[k - 1];
		}
		order[k] = i;
	}
	shown = n > MAX_CHART_OS ? MAX_CHART_OS - 1 : n;
	for (i = shown; i < n; i++)
		for (v = 0; v < V_N; v++)
			other[v] += c->os_count[order[i]][v];
	for (i = 0; i < shown; i++) {
		const long *o = c->os_count[order[i]];

		if (o[0] + o[1] + o[2] > maxv)
			maxv = o[0] + o[1] + o[2];
	}
	if (other[0] + other[1] + other[2] > maxv)
		maxv = other[0] + other[1] + other[2];
	chart_open(c, "chart-os", "Hosts per OS family, by verdict", n ? shown + (shown < n) : 1);
	for (v = 0; v < V_N; v++)
		ha_buf_init(&hb[v], 4096);
	for (i = 0; i < shown; i++) {
		const char *os = intern_key(&c->os, order[i], NULL);

		for (v = 0; v < V_N; v++) {
			ha_buf_truncate(&hb[v], 0);
			ha_buf_puts(&hb[v], "os=");
			put_frag(&hb[v], os);
			ha_buf_puts(&hb[v], "&amp;verdict=");
			ha_buf_puts(&hb[v], verdict_names[v]);
			hrefs[v] = ha_buf_cstr(&hb[v]);
		}
		chart_row(c, i, os, 30, c->os_count[order[i]], cls, names, V_N, hrefs, maxv);
	}
	if (shown < n) {
		char label[64];

		snprintf(label, sizeof label, "Other (%u families)", n - shown);
		for (v = 0; v < V_N; v++) {
			ha_buf_truncate(&hb[v], 0);
			ha_buf_printf(&hb[v], "verdict=%s", verdict_names[v]);
			hrefs[v] = ha_buf_cstr(&hb[v]);
		}
		chart_row(c, shown, label, 30, other, cls, names, V_N, hrefs, maxv);
	}
	for (v = 0; v < V_N; v++) {
		if (ha_buf_status(&hb[v]))
			c->b.failed = ha_buf_status(&hb[v]);
		ha_buf_free(&hb[v]);
	}
	if (!n)
		ha_buf_puts(&c->b, "<text class=\"tot\" x=\"10\" y=\"24\">No hosts.</text>");
	ha_buf_puts(&c->b, "</svg></figure>\n");
	free(order);
}

static void write_rules_table(struct hctx *c)
{
	size_t i;
	int k;

	ha_buf_puts(&c->b,
	            "<section id=\"rules\" class=\"panel\"><h2>Rules</h2>"
	            "<div class=\"table-wrap\"><table class=\"rules\"><thead><tr><th>Rule</th>"
	            "<th>Requirement</th><th>Severity</th>");
	for (k = 0; k < HA_NSTATUS; k++) {
		ha_buf_puts(&c->b, "<th class=\"num\">");
		status_word(&c->b, chart_status_order[k]);
		ha_buf_puts(&c->b, "</th>");
	}
	ha_buf_puts(&c->b, "</tr></thead><tbody>");
	for (i = 0; i < c->nrules; i++) {
		const struct rrec *r = &c->rules[i];

		ha_buf_puts(&c->b, "<tr><td><code>");
		esc(c, r->text[R_ID]);
		ha_buf_puts(&c->b, "</code>");
		if (!r->counts)
			ha_buf_puts(&c->b, "<span class=\"tag\">does not decide readiness</span>");
		ha_buf_puts(&c->b, "</td><td>");
		esc(c, r->text[R_TITLE]);
		ha_buf_puts(&c->b, "<span class=\"src\">");
		esc(c, r->text[R_SOURCE]);
		ha_buf_puts(&c->b, "</span></td><td><span class=\"sev sev-");
		esc(c, r->text[R_SEV]);
		ha_buf_puts(&c->b, "\">");
		esc(c, r->text[R_SEV]);
		ha_buf_puts(&c->b, "</span></td>");
		for (k = 0; k < HA_NSTATUS; k++) {
			int st = chart_status_order[k];
			long n = r->by_status[st];

			if (!n) {
				ha_buf_puts(&c->b, "<td class=\"num zero\">0</td>");
				continue;
			}
			ha_buf_puts(&c->b, "<td class=\"num\"><a href=\"#rule=");
			put_frag(&c->b, r->text[R_ID]);
			ha_buf_printf(&c->b, "&amp;status=%s\">", ha_status_name(st));
			put_count(&c->b, n);
			ha_buf_puts(&c->b, "</a></td>");
		}
		ha_buf_puts(&c->b, "</tr>\n");
	}
	ha_buf_puts(&c->b, "</tbody></table></div></section>\n");
}

static void write_run_details(struct hctx *c)
{
	size_t i;

	ha_buf_puts(&c->b, "<details class=\"panel rundetails\" id=\"run-details\"><summary>Run "
	                   "details</summary><dl class=\"facts\"><dt>Scanned paths</dt><dd><pre>");
	esc(c, c->paths);
	ha_buf_puts(&c->b, "</pre></dd><dt>Run status</dt><dd>");
	esc(c, c->status);
	ha_buf_puts(&c->b, "</dd><dt>Hosts stored</dt><dd>");
	put_count(&c->b, (long)c->nhosts);
	ha_buf_puts(&c->b, "</dd></dl>");
	if (c->nnotes) {
		ha_buf_puts(&c->b, "<h3>Notes</h3><ul class=\"notes\">");
		for (i = 0; i < c->nnotes; i++) {
			ha_buf_puts(&c->b, "<li>");
			esc(c, c->notes[i]);
			ha_buf_puts(&c->b, "</li>");
		}
		ha_buf_puts(&c->b, "</ul>");
	}
	ha_buf_puts(&c->b, "</details>\n");
}

/* The host section: empty controls and table that report.js fills and
 * shows; without scripts only the note is visible. */
static void write_host_shell(struct hctx *c)
{
	static const char *const cols[][2] = {
	        {"label", "Host"},  {"cn", "Computer name"}, {"os", "OS family"},
	        {"build", "Build"}, {"arch", "Arch"},        {"verdict", "Verdict"},
	        {"fail", "FAIL"},   {"unknown", "UNKNOWN"},  {"warn", "WARN"},
	        {"hives", "Hives"}, {"reason", "Reason"},
	};
	size_t i;

	ha_buf_puts(
	        &c->b,
	        "<section id=\"hosts\" class=\"panel\" aria-label=\"Hosts\"><h2>Hosts</h2>\n"
	        "<noscript><p class=\"note\" id=\"noscript-note\">The host table and the per-host "
	        "details (facts, hive statuses, findings with their evidence, remediation) need "
	        "JavaScript, which is off in this browser. The same data is in hosts.csv and "
	        "findings.csv beside this file, and <code>hiveaudit explain HOST</code> shows one "
	        "host with its evidence.</p></noscript>\n"
	        "<div id=\"ha-app\" hidden>\n"
	        "<form class=\"filters\" id=\"ha-filters\" autocomplete=\"off\" role=\"search\">"
	        "<label class=\"grow\">Search<input type=\"search\" id=\"f-q\" placeholder=\"Host, "
	        "computer name, folder, OS, domain\"></label>"
	        "<label>Verdict<select id=\"f-verdict\"><option value=\"\">All</option>"
	        "<option value=\"ready\">Ready</option><option value=\"not_ready\">Not ready"
	        "</option><option value=\"unknown\">Unknown</option><option "
	        "value=\"ready_with_waivers\">Ready with waivers</option></select></label>"
	        "<label>Rule<select id=\"f-rule\"><option value=\"\">Any rule</option></select>"
	        "</label>"
	        "<label>Status<select id=\"f-status\"><option value=\"\">Any status</option>"
	        "</select></label>"
	        "<label>OS family<select id=\"f-os\"><option value=\"\">All</option></select>"
	        "</label>"
	        "<label>Hive status<select id=\"f-hive\"><option value=\"\">Any</option>"
	        "</select></label>"
	        "<button type=\"button\" id=\"f-reset\" class=\"btn\">Reset</button></form>\n"
	        "<div class=\"tablebar\"><p id=\"ha-count\" class=\"count\" aria-live=\"polite\">"
	        "</p><div class=\"pager\" id=\"ha-pager\"></div></div>\n"
	        "<div class=\"table-wrap\"><table class=\"hosts\" id=\"ha-table\"><thead><tr>");
	for (i = 0; i < sizeof cols / sizeof cols[0]; i++)
		ha_buf_printf(&c->b,
		              "<th scope=\"col\" data-col=\"%s\"><button type=\"button\" "
		              "class=\"sort\" data-sort=\"%s\">%s</button></th>",
		              cols[i][0], cols[i][0], cols[i][1]);
	ha_buf_puts(&c->b, "</tr></thead><tbody id=\"ha-rows\"></tbody></table></div>\n"
	                   "<div class=\"tablebar bottom\"><span></span><div class=\"pager\" "
	                   "id=\"ha-pager2\"></div></div>\n"
	                   "</div>\n<div id=\"ha-print\" class=\"print-only\"></div>\n"
	                   "<p id=\"ha-error\" class=\"banner\" hidden></p>\n</section>\n");
}

/* A JSON string of the island: jansson encodes it (at most
 * HA_HTML_TEXT_MAX characters, invalid UTF-8 bytes shown as \xNN, U+0000
 * from C0 80: see ha_text_for_json), then the element-breaking characters
 * are escaped (see the file comment). */
static int put_json_string(struct hctx *c, const char *s, size_t n)
{
	struct ha_buf clean;
	char stackbuf[1024], *out = stackbuf;
	json_t *j;
	size_t len, i, start;
	const unsigned char *p;

	ha_buf_init(&clean, 0);
	if (n > HA_HTML_TEXT_MAX || !ha_utf8_valid(s, n)) {
		ha_text_for_json(&clean, s, n, HA_HTML_TEXT_MAX);
		if (ha_buf_status(&clean)) {
			ha_buf_free(&clean);
			return nomem(c);
		}
		s = clean.data;
		n = clean.len;
	}
	j = json_stringn(s, n);
	ha_buf_free(&clean);
	if (!j)
		return nomem(c);
	len = json_dumpb(j, stackbuf, sizeof stackbuf, JSON_ENCODE_ANY);
	if (len > sizeof stackbuf) {
		out = malloc(len);
		if (!out) {
			json_decref(j);
			return nomem(c);
		}
		len = json_dumpb(j, out, len, JSON_ENCODE_ANY);
	}
	json_decref(j);
	if (!len) {
		if (out != stackbuf)
			free(out);
		return ha_err_set(c->err, HA_ERR_INTERNAL, "cannot encode a string as JSON");
	}
	p = (const unsigned char *)out;
	for (i = start = 0; i < len; i++) {
		const char *rep = NULL;
		size_t skip = 1;

		if (p[i] == '<')
			rep = "\\u003c";
		else if (p[i] == '>')
			rep = "\\u003e";
		else if (p[i] == '&')
			rep = "\\u0026";
		else if (p[i] == 0x7F) /* valid JSON, but a control byte in the page */
			rep = "\\u007f";
		else if (p[i] == 0xE2 && i + 2 < len && p[i + 1] == 0x80 &&
		         (p[i + 2] == 0xA8 || p[i + 2] == 0xA9)) {
			rep = p[i + 2] == 0xA8 ? "\\u2028" : "\\u2029";
			skip = 3;
		}
		if (!rep)
			continue;
		ha_buf_add(&c->b, out + start, i - start);
		ha_buf_puts(&c->b, rep);
		i += skip - 1;
		start = i + 1;
	}
	ha_buf_add(&c->b, out + start, len - start);
	if (out != stackbuf)
		free(out);
	return HA_OK;
}

static void put_int(struct ha_buf *b, int64_t v)
{
	char t[24];
	int n = snprintf(t, sizeof t, "%" PRId64, v);

	ha_buf_add(b, t, (size_t)n);
}

static void put_ints(struct ha_buf *b, const int64_t *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (i)
			ha_buf_putc(b, ',');
		put_int(b, v[i]);
	}
}

/* Copies what a temporary file holds to the page. */
static int copy_spill(struct hctx *c, FILE *f)
{
	char buf[65536];
	size_t n;
	int rc;

	if (!f)
		return HA_OK;
	if (fflush(f) != 0 || fseek(f, 0, SEEK_SET) != 0)
		return ha_err_sys(c->err, HA_ERR_IO, errno,
		                  "report.html: cannot read a temporary file");
	while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
		ha_buf_add(&c->b, buf, n);
		if ((rc = flush(c)) != HA_OK)
			return rc;
	}
	if (ferror(f))
		return ha_err_sys(c->err, HA_ERR_IO, errno,
		                  "report.html: cannot read a temporary file");
	return HA_OK;
}

static int write_island(struct hctx *c)
{
	size_t k;
	int rc, j;

	ha_buf_puts(&c->b, "<script type=\"application/json\" id=\"ha-data\">{\"v\":1,\n\"s\":[");
	if ((rc = copy_spill(c, c->sp_str.f)) != HA_OK ||
	    (rc = put_strings(c, &c->str, c->sp_str.base, NULL)) != HA_OK)
		return rc;
	ha_buf_puts(&c->b, "],\n\"r\":[");
	for (k = 0; k < c->nrules; k++) {
		const struct rrec *r = &c->rules[k];

		ha_buf_puts(&c->b, k ? ",\n[" : "[");
		for (j = 0; j < R_NSTR; j++) {
			put_int(&c->b, r->s[j]);
			ha_buf_putc(&c->b, ',');
		}
		put_int(&c->b, r->counts);
		for (j = 0; j < HA_NSTATUS; j++) {
			ha_buf_putc(&c->b, ',');
			put_int(&c->b, r->by_status[j]);
		}
		ha_buf_putc(&c->b, ']');
	}
	ha_buf_puts(&c->b, "],\n\"e\":[");
	if ((rc = copy_spill(c, c->sp_ev.f)) != HA_OK ||
	    (rc = put_records(c, &c->ev, c->sp_ev.base, NULL)) != HA_OK)
		return rc;
	ha_buf_puts(&c->b, "],\n\"f\":[");
	if ((rc = copy_spill(c, c->sp_fnd.f)) != HA_OK ||
	    (rc = put_records(c, &c->fnd, c->sp_fnd.base, NULL)) != HA_OK)
		return rc;
	ha_buf_puts(&c->b, "],\n\"h\":[");
	if ((rc = copy_spill(c, c->hosts_f)) != HA_OK)
		return rc;
	ha_buf_puts(&c->b, "]}</script>\n");
	return flush(c);
}

static void write_footer(struct hctx *c)
{
	ha_buf_puts(&c->b,
	            "<footer class=\"foot\"><p>Statuses: <b>PASS</b> the requirement is met, "
	            "with evidence; <b>FAIL</b> it is not; <b>WARN</b> met only conditionally, or "
	            "a risk that does not by itself break TLS 1.2; <b>N/A</b> the rule does not "
	            "apply to this host; <b>UNKNOWN</b> the evidence could not be read or "
	            "trusted. A host is <b>not ready</b> when a deciding rule fails, "
	            "<b>unknown</b> when none fails but one could not be decided.</p>"
	            "<p>Written by hiveaudit ");
	esc(c, c->tool_version);
	ha_buf_printf(&c->b,
	              " from run %" PRId64 " of its store; the reports beside this file "
	              "(hosts.csv, findings.csv) hold the same results.</p></footer>\n</main>\n",
	              c->run_id);
}

static void write_changes(struct hctx *c);

static int write_page(struct hctx *c, const char *csp_style, const char *csp_script)
{
	int rc;

	write_head(c, csp_style, csp_script);
	write_masthead(c);
	write_summary(c);
	write_changes(c);
	if ((rc = flush(c)) != HA_OK)
		return rc;
	ha_buf_puts(&c->b, "<section id=\"charts\" class=\"grid2\" aria-label=\"Charts\">\n");
	write_rule_chart(c);
	write_os_chart(c);
	ha_buf_puts(&c->b, "</section>\n");
	write_rules_table(c);
	write_run_details(c);
	if ((rc = flush(c)) != HA_OK)
		return rc;
	write_host_shell(c);
	if ((rc = write_island(c)) != HA_OK)
		return rc;
	write_footer(c);
	ha_buf_puts(&c->b, "<script>");
	ha_buf_add(&c->b, ha_report_js, ha_report_js_len);
	ha_buf_puts(&c->b, "</script>\n</body>\n</html>\n");
	return ha_out_write(&c->out, &c->b, c->err);
}

/* The assets are ours, but a stray "</script" in the script (or "</style"
 * in the style) would end the element early and break the page and its
 * hash: refuse to write such a page. */
static int check_asset(const unsigned char *p, size_t n, const char *end, struct ha_err *err)
{
	size_t i, m = strlen(end);

	for (i = 0; i + m <= n; i++)
		if (!ha_ascii_ncasecmp((const char *)p + i, end, m))
			return ha_err_set(err, HA_ERR_INTERNAL, "report asset contains '%s'", end);
	return HA_OK;
}

/* ------------------------------------------------- since the last audit */

struct trendctx {
	struct hctx *c;
	struct trend *v;
	size_t n;
	int nomem;
};

static int trend_cb(void *ctx, const struct ha_run_summary *r)
{
	struct trendctx *t = ctx;
	struct trend *e;

	if (r->run_id > t->c->run_id || strcmp(r->paths, t->c->paths) != 0 ||
	    (r->run_id != t->c->run_id && strcmp(r->status, "complete") != 0))
		return 0;
	if (t->n == MAX_TREND) { /* keep the newest */
		memmove(t->v, t->v + 1, (MAX_TREND - 1) * sizeof *t->v);
		t->n--;
	}
	e = &t->v[t->n++];
	e->run = r->run_id;
	snprintf(e->as_of, sizeof e->as_of, "%.10s", r->as_of);
	memcpy(e->v, r->verdicts, sizeof e->v);
	return 0;
}

/* The comparison with the previous run over the same paths, and the
 * trend: both from the store, like everything else on the page. */
static int load_changes(struct hctx *c)
{
	struct trendctx t;
	int64_t from = 0, to = c->run_id;
	int rc;

	rc = ha_diff_pick_runs(c->st, &from, &to, c->err);
	if (rc == HA_ERR_NOTFOUND) {
		ha_err_clear(c->err);
		return HA_OK; /* the first audit of these paths */
	}
	if (!rc)
		rc = ha_diff_runs(c->st, from, to, &c->diff, c->err);
	if (rc)
		return rc;
	memset(&t, 0, sizeof t);
	t.c = c;
	t.v = calloc(MAX_TREND, sizeof *t.v);
	if (!t.v)
		return nomem(c);
	rc = ha_store_each_run(c->st, trend_cb, &t, c->err);
	c->trend = t.v;
	c->ntrend = t.n;
	return rc;
}

/* Which list of "Since the last audit" host i belongs to: its verdict's
 * change, else (verdict unchanged) regressed when one of its findings
 * regressed, else its findings' change.  findings[first..end) are its. */
static int host_kind(const struct ha_diff *d, size_t i, size_t first, size_t end)
{
	int kind = d->hosts[i].change;

	if (kind >= 0 && kind != HA_CHG_CHANGED)
		return kind;
	kind = -1;
	for (; first < end; first++)
		if (kind < 0 || d->findings[first].change == HA_CHG_REGRESSED)
			kind = d->findings[first].change;
	return kind;
}

/* One list of "Since the last audit": the hosts whose change is `kind`. */
static void write_change_list(struct hctx *c, const char *id, const char *title, int kind)
{
	const struct ha_diff *d = c->diff;
	size_t i, k, first, shown = 0, total = 0;

	for (i = 0, k = 0; i < d->nhosts; i++) {
		for (first = k; k < d->nfindings && d->findings[k].host == i; k++)
			;
		total += host_kind(d, i, first, k) == kind;
	}
	ha_buf_printf(&c->b, "<div class=\"panel changes\" id=\"%s\"><h3>%s <span class=\"muted\">",
	              id, title);
	put_count(&c->b, (long)total);
	ha_buf_puts(&c->b, "</span></h3>");
	if (!total) {
		ha_buf_puts(&c->b, "<p class=\"muted\">None.</p></div>\n");
		return;
	}
	ha_buf_puts(&c->b, "<ul class=\"changes\">");
	for (i = 0, k = 0; i < d->nhosts; i++) {
		const struct ha_diff_host *h = &d->hosts[i];

		for (first = k; k < d->nfindings && d->findings[k].host == i; k++)
			;
		if (host_kind(d, i, first, k) != kind || shown >= MAX_CHANGES)
			continue;
		shown++;
		ha_buf_puts(&c->b, "<li>");
		if (h->label) {
			/* A host of this run: the link opens it in the host table. */
			ha_buf_puts(&c->b, "<a class=\"host\" href=\"#host=");
			put_frag(&c->b, h->label);
			ha_buf_puts(&c->b, "\">");
			esc(c, h->label);
			ha_buf_puts(&c->b, "</a>");
		} else {
			ha_buf_puts(&c->b, "<span class=\"host\">");
			esc(c, h->old_label);
			ha_buf_puts(&c->b, "</span>");
		}
		if (h->label && h->old_label && strcmp(h->label, h->old_label) != 0) {
			ha_buf_puts(&c->b, " <span class=\"muted\">(was ");
			esc(c, h->old_label);
			ha_buf_puts(&c->b, ")</span>");
		}
		ha_buf_puts(&c->b, " <span class=\"muted\">");
		if (h->change == HA_CHG_GONE) {
			ha_buf_puts(&c->b, "was ");
			esc(c, h->old_verdict);
		} else if (h->change >= 0 && h->change != HA_CHG_NEW) {
			esc(c, h->old_verdict);
			ha_buf_puts(&c->b, " &rarr; ");
			esc(c, h->verdict);
		} else { /* new, or the verdict did not change */
			esc(c, h->verdict);
		}
		ha_buf_puts(&c->b, "</span>");
		for (; first < k; first++) {
			const struct ha_diff_finding *f = &d->findings[first];

			ha_buf_puts(&c->b, "<span class=\"chg\"><code>");
			esc(c, f->rule_id);
			ha_buf_puts(&c->b, "</code> ");
			esc(c, f->old_status);
			ha_buf_puts(&c->b, " &rarr; ");
			esc(c, f->status);
			ha_buf_puts(&c->b, "</span>");
		}
		ha_buf_puts(&c->b, "</li>");
	}
	ha_buf_puts(&c->b, "</ul>");
	if (shown < total) {
		ha_buf_puts(&c->b, "<p class=\"muted\">");
		put_count(&c->b, (long)(total - shown));
		ha_buf_puts(&c->b, " more in changes.csv.</p>");
	}
	ha_buf_puts(&c->b, "</div>\n");
}

/* Stacked columns, one per run: ready, with waivers, unknown, not ready. */
static void write_trend(struct hctx *c)
{
	static const char *const cls[HA_RUNV_N] = {"v-ready", "v-not_ready", "v-unknown",
	                                           "v-ready_with_waivers"};
	static const char *const names[HA_RUNV_N] = {"ready", "not ready", "unknown",
	                                             "ready with waivers"};
	static const int order[HA_RUNV_N] = {HA_RUNV_READY, HA_RUNV_WAIVED, HA_RUNV_UNKNOWN,
	                                     HA_RUNV_NOT_READY};
	const double W = 640, H = 180, top = 10, base = 150, left = 40;
	double colw, bw;
	long maxv = 1;
	size_t i;
	int k;

	for (i = 0; i < c->ntrend; i++) {
		long t = 0;

		for (k = 0; k < HA_RUNV_N; k++)
			t += c->trend[i].v[k];
		if (t > maxv)
			maxv = t;
	}
	colw = (W - left) / (double)(c->ntrend ? c->ntrend : 1);
	bw = colw * 0.6 > 48 ? 48 : colw * 0.6;
	ha_buf_puts(&c->b,
	            "<figure class=\"panel chartbox\" id=\"trend\"><figcaption><h3>Trend</h3>"
	            "<p class=\"muted\">Hosts by verdict in each audit of these paths kept "
	            "in the store (up to the last ");
	put_count(&c->b, MAX_TREND);
	ha_buf_puts(&c->b, ").</p></figcaption><ul class=\"legend\">");
	for (k = 0; k < HA_RUNV_N; k++)
		ha_buf_printf(&c->b, "<li><span class=\"sw %s\"></span>%s</li>", cls[order[k]],
		              names[order[k]]);
	ha_buf_puts(&c->b, "</ul>");
	ha_buf_printf(&c->b,
	              "<svg class=\"chart\" id=\"chart-trend\" viewBox=\"0 0 %.0f %.0f\" "
	              "role=\"img\" aria-label=\"Hosts by verdict per audit\">"
	              "<text class=\"lbl\" x=\"%.0f\" y=\"%.1f\">%ld</text>"
	              "<text class=\"lbl\" x=\"%.0f\" y=\"%.1f\">0</text>"
	              "<rect class=\"track\" x=\"%.0f\" y=\"%.1f\" width=\"%.0f\" height=\"1\"/>",
	              W, H, left - 6, top + 4, maxv, left - 6, base, left, base, W - left);
	for (i = 0; i < c->ntrend; i++) {
		const struct trend *t = &c->trend[i];
		double x = left + colw * (double)i + (colw - bw) / 2, y = base;

		ha_buf_printf(&c->b, "<g class=\"run\" data-run=\"%lld\">", (long long)t->run);
		for (k = 0; k < HA_RUNV_N; k++) {
			long v = t->v[order[k]];
			double h = (base - top) * (double)v / (double)maxv;

			if (!v)
				continue;
			y -= h;
			ha_buf_printf(&c->b,
			              "<rect class=\"%s\" x=\"%.1f\" y=\"%.2f\" width=\"%.1f\" "
			              "height=\"%.2f\"><title>Run %lld (as of ",
			              cls[order[k]], x, y, bw, h, (long long)t->run);
			esc(c, t->as_of);
			ha_buf_printf(&c->b, "): %ld %s</title></rect>", v, names[order[k]]);
		}
		ha_buf_printf(&c->b, "<text class=\"tlbl\" x=\"%.1f\" y=\"%.0f\">", x + bw / 2,
		              base + 14);
		esc(c, t->as_of);
		ha_buf_printf(
		        &c->b,
		        "</text><text class=\"tlbl\" x=\"%.1f\" y=\"%.0f\">run %lld</text></g>",
		        x + bw / 2, base + 27, (long long)t->run);
	}
	ha_buf_puts(&c->b, "</svg></figure>\n");
}

static void write_changes(struct hctx *c)
{
	const struct ha_diff *d = c->diff;

	if (!d)
		return;
	ha_buf_puts(&c->b, "<section id=\"changes\" aria-label=\"Since the last audit\">"
	                   "<h2>Since the last audit</h2><p class=\"muted\" id=\"changes-from\">");
	ha_buf_printf(&c->b, "Compared with run %lld (as of ", (long long)d->from);
	esc(c, d->from_as_of);
	ha_buf_puts(&c->b, "): ");
	put_plural(&c->b, d->from_hosts, "host", "hosts");
	ha_buf_puts(&c->b, " then, ");
	put_plural(&c->b, d->to_hosts, "host", "hosts");
	ha_buf_puts(&c->b, " now; ");
	put_plural(&c->b, d->n_finding_regressed, "finding", "findings");
	ha_buf_puts(&c->b, " regressed, ");
	put_plural(&c->b, d->n_finding_fixed, "finding", "findings");
	ha_buf_puts(&c->b, " fixed. Every change is in changes.csv; "
	                   "<code>hiveaudit diff</code> prints it with the evidence.</p>\n"
	                   "<div class=\"grid2\">\n");
	write_change_list(c, "changes-regressed", "Regressed", HA_CHG_REGRESSED);
	write_change_list(c, "changes-fixed", "Fixed", HA_CHG_FIXED);
	write_change_list(c, "changes-new", "New", HA_CHG_NEW);
	write_change_list(c, "changes-gone", "Gone", HA_CHG_GONE);
	ha_buf_puts(&c->b, "</div>\n");
	if (c->ntrend >= 2)
		write_trend(c);
	ha_buf_puts(&c->b, "</section>\n");
}

static void hctx_free(struct hctx *c)
{
	size_t i;
	int j;

	ha_diff_free(c->diff);
	free(c->trend);

	intern_free(&c->str);
	intern_free(&c->ev);
	intern_free(&c->fnd);
	intern_free(&c->sig);
	intern_free(&c->os);
	intern_free(&c->hp);
	free(c->sig_narr.v);
	free(c->pool.v);
	free(c->rec.v);
	free(c->files.v);
	ha_buf_free(&c->pat);
	ha_buf_free(&c->fkeys);
	for (i = 0; i < c->nnotes; i++)
		free(c->notes[i]);
	free(c->notes);
	for (i = 0; i < c->nrules; i++)
		for (j = 0; j < R_NSTR; j++)
			free(c->rules[i].text[j]);
	free(c->rules);
	if (c->sp_str.f)
		fclose(c->sp_str.f);
	if (c->sp_ev.f)
		fclose(c->sp_ev.f);
	if (c->sp_fnd.f)
		fclose(c->sp_fnd.f);
	if (c->hosts_f)
		fclose(c->hosts_f);
	free(c->os_count);
	free(c->hp_all);
	free(c->hp_unknown);
	free(c->started);
	free(c->finished);
	free(c->status);
	free(c->tool_version);
	free(c->as_of);
	free(c->paths);
	ha_buf_free(&c->b);
}

int ha_report_html(struct ha_store *st, int64_t run_id, const char *path, struct ha_err *err)
{
	struct hctx c;
	char csp_style[45], csp_script[45];
	uint32_t empty;
	int rc;

	memset(&c, 0, sizeof c);
	c.table_cap = TABLE_CAP;
	c.path = path;
	{
		const char *t = getenv("HIVEAUDIT_TEST_HTML_CAP");
		uint64_t v;

		if (t && ha_parse_u64(t, &v) == HA_OK && v > 0 && v < TABLE_CAP)
			c.table_cap = (size_t)v;
	}
	c.st = st;
	c.err = err;
	c.run_id = run_id;
	intern_init(&c.str);
	intern_init(&c.ev);
	intern_init(&c.fnd);
	intern_init(&c.sig);
	intern_init(&c.os);
	intern_init(&c.hp);
	ha_buf_init(&c.b, (size_t)256 << 20);
	ha_buf_init(&c.fkeys, (size_t)16 << 20);
	ha_buf_init(&c.pat, (size_t)16 << 20);

	rc = check_asset(ha_report_js, ha_report_js_len, "</script", err);
	if (!rc)
		rc = check_asset(ha_report_css, ha_report_css_len, "</style", err);
	if (!rc)
		rc = ha_sha256_b64(ha_report_css, ha_report_css_len, csp_style, err);
	if (!rc)
		rc = ha_sha256_b64(ha_report_js, ha_report_js_len, csp_script, err);
	if (!rc)
		rc = str_id(&c, "", &empty); /* string 0 is "" */
	if (!rc)
		rc = ha_store_get_run(st, run_id, run_cb, &c, err);
	if (!rc && !c.status)
		rc = ha_err_set(err, HA_ERR_NOTFOUND, "no run %" PRId64 " in the store", run_id);
	if (!rc)
		rc = ha_store_each_rule(st, run_id, rule_cb, &c, err);
	if (!rc)
		rc = ha_store_each_note(st, run_id, note_cb, &c, err);
	if (!rc)
		rc = ha_store_each_host(st, run_id, NULL, host_cb, &c, err);
	if (!rc && c.hosts_f)
		rc = spill_buf(&c, c.hosts_f);
	if (!rc)
		rc = load_changes(&c);
	if (!rc)
		rc = ha_out_open(&c.out, path, err);
	if (rc) {
		hctx_free(&c);
		return rc;
	}
	rc = write_page(&c, csp_style, csp_script);
	if (!rc)
		rc = ha_out_commit(&c.out, err);
	else
		ha_out_abort(&c.out);
	hctx_free(&c);
	return rc;
}
