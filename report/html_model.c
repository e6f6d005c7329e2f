/* html_model.c: the data island's tables and their spilling.
 *
 * Owns struct html_model: the string table, the deduplicated evidence and
 * finding records, and the host records, and the unnamed temporary files
 * they go to whenever a table holds more than table_cap bytes of keys
 * (see "MEMORY" in html.c).  Also owns the island's JSON encoding
 * (struct html_sink): strings through jansson with the element-breaking
 * characters escaped, records as lists of integers. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "html_internal.h"

void html_model_init(struct html_model *m, const char *path, struct ha_err *err)
{
	const char *t = getenv("HIVEAUDIT_TEST_HTML_CAP");
	uint64_t v;

	memset(m, 0, sizeof *m);
	m->err = err;
	m->path = path;
	m->table_cap = TABLE_CAP;
	if (t && ha_parse_u64(t, &v) == HA_OK && v > 0 && v < TABLE_CAP)
		m->table_cap = (size_t)v;
	intern_init(&m->str);
	intern_init(&m->ev);
	intern_init(&m->fnd);
	ha_buf_init(&m->b, (size_t)256 << 20);
}

void html_model_free(struct html_model *m)
{
	intern_free(&m->str);
	intern_free(&m->ev);
	intern_free(&m->fnd);
	if (m->sp_str.f)
		fclose(m->sp_str.f);
	if (m->sp_ev.f)
		fclose(m->sp_ev.f);
	if (m->sp_fnd.f)
		fclose(m->sp_fnd.f);
	if (m->hosts_f)
		fclose(m->hosts_f);
	ha_buf_free(&m->b);
}

/* Moves what s->b holds to its file, or to the page. */
int html_sink_drain(struct html_sink *s)
{
	if (!s->f)
		return ha_out_write(s->out, s->b, s->err);
	if (ha_buf_status(s->b))
		return html_fail(s->err, ha_buf_status(s->b));
	if (s->b->len && fwrite(s->b->data, 1, s->b->len, s->f) != s->b->len)
		return ha_err_sys(s->err, HA_ERR_IO, errno,
		                  "report.html: cannot write a temporary file");
	ha_buf_truncate(s->b, 0);
	return HA_OK;
}

/* Writes the entries of string table t (global ids from `from`) as the
 * island's JSON. */
int html_put_strings(struct html_sink *s, const struct intern *t, uint32_t from)
{
	uint32_t i;
	size_t len;
	int rc;

	for (i = 0; i < t->n; i++) {
		const char *k = intern_key(t, i, &len);
		uint32_t g = from + i;

		if (g)
			ha_buf_puts(s->b, g % 8 ? "," : ",\n");
		if ((rc = html_json_string(s->b, k, len, s->err)) != HA_OK)
			return rc;
		if (s->b->len >= FLUSH_AT && (rc = html_sink_drain(s)) != HA_OK)
			return rc;
	}
	return HA_OK;
}

/* The same for a table of int32 records. */
int html_put_records(struct html_sink *s, const struct intern *t, uint32_t from)
{
	uint32_t i;
	size_t k, len;
	int rc;

	for (i = 0; i < t->n; i++) {
		const char *key = intern_key(t, i, &len);

		ha_buf_puts(s->b, from + i ? ",\n[" : "[");
		for (k = 0; k < len / sizeof(int32_t); k++) {
			int32_t v;

			memcpy(&v, key + k * sizeof v, sizeof v);
			if (k)
				ha_buf_putc(s->b, ',');
			html_put_int(s->b, v);
		}
		ha_buf_putc(s->b, ']');
		if (s->b->len >= FLUSH_AT && (rc = html_sink_drain(s)) != HA_OK)
			return rc;
	}
	return HA_OK;
}

/* An unnamed temporary file beside the report (whose file system must
 * hold the page anyway), or in the system's temporary folder.  NULL with
 * errno set when neither can be made. */
static FILE *scratch_file(const struct html_model *m)
{
	const char *slash = strrchr(m->path, '/');
	char *dir = slash ? ha_strndup(m->path, slash == m->path ? 1 : (size_t)(slash - m->path))
	                  : ha_strdup(".");
	int fd = dir ? open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600) : -1;
	FILE *f = fd >= 0 ? fdopen(fd, "w+b") : NULL;

	free(dir);
	if (!f && fd >= 0)
		close(fd);
	return f ? f : tmpfile();
}

/* When table t has grown past table_cap, writes it out and empties it. */
static int maybe_spill(struct html_model *m, struct intern *t, struct spill *sp, int strings)
{
	struct html_sink s = {&m->b, NULL, NULL, m->err};
	int rc;

	if (t->keys.len < m->table_cap)
		return HA_OK;
	if (!sp->f && !(sp->f = scratch_file(m)))
		return ha_err_sys(m->err, HA_ERR_IO, errno,
		                  "report.html: cannot create a temporary file");
	s.f = sp->f;
	rc = strings ? html_put_strings(&s, t, sp->base) : html_put_records(&s, t, sp->base);
	if (!rc)
		rc = html_sink_drain(&s);
	if (rc)
		return rc;
	if ((uint64_t)sp->base + t->n > INT32_MAX)
		return html_fail(m->err, HA_ERR_LIMIT);
	sp->base += t->n;
	intern_free(t);
	intern_init(t);
	return HA_OK;
}

/* The global id of a key in a spilling table. */
static int spill_add(struct html_model *m, struct intern *t, struct spill *sp, int strings,
                     const void *key, size_t len, uint32_t *id)
{
	uint32_t local;
	int rc = maybe_spill(m, t, sp, strings);

	if (rc)
		return rc;
	if ((rc = intern_add(t, key, len, &local)) != HA_OK)
		return html_fail(m->err, rc);
	if ((uint64_t)sp->base + local > INT32_MAX)
		return html_fail(m->err, HA_ERR_LIMIT);
	*id = sp->base + local;
	return HA_OK;
}

int html_model_str(struct html_model *m, const char *s, uint32_t *id)
{
	return spill_add(m, &m->str, &m->sp_str, 1, s ? s : "", s ? strlen(s) : 0, id);
}

/* Interns record rec (as int32s) into `t`: its global id. */
static int add_record(struct html_model *m, struct intern *t, struct spill *sp,
                      const struct vec *rec, uint32_t *id)
{
	int32_t stack[64] = {0}, *v = stack;
	size_t i;
	int rc;

	if (rec->n > sizeof stack / sizeof stack[0]) {
		v = malloc(rec->n * sizeof *v);
		if (!v)
			return html_nomem(m->err);
	}
	for (i = 0; i < rec->n; i++)
		v[i] = (int32_t)rec->v[i];
	rc = spill_add(m, t, sp, 0, v, rec->n * sizeof *v, id);
	if (v != stack)
		free(v);
	return rc;
}

int html_model_evidence(struct html_model *m, const struct vec *rec, uint32_t *id)
{
	return add_record(m, &m->ev, &m->sp_ev, rec, id);
}

int html_model_finding(struct html_model *m, const struct vec *rec, uint32_t *id)
{
	return add_record(m, &m->fnd, &m->sp_fnd, rec, id);
}

static void put_list(struct ha_buf *b, const int64_t *v, size_t n)
{
	ha_buf_putc(b, '[');
	html_put_ints(b, v, n);
	ha_buf_putc(b, ']');
}

int html_model_host(struct html_model *m, const struct hrec *h, const int64_t *pool)
{
	struct html_sink s = {&m->b, NULL, NULL, m->err};
	int j;

	if (!m->hosts_f && !(m->hosts_f = scratch_file(m)))
		return ha_err_sys(m->err, HA_ERR_IO, errno,
		                  "report.html: cannot create a temporary file");
	s.f = m->hosts_f;
	ha_buf_puts(&m->b, m->nhosts ? ",\n[" : "[");
	for (j = 0; j < H_N; j++) {
		if (j)
			ha_buf_putc(&m->b, ',');
		if (j < H_NSTR) {
			html_put_int(&m->b, h->s[j]);
			continue;
		}
		switch (j) {
		case H_BUILD: html_put_int(&m->b, h->build); break;
		case H_UBR: html_put_int(&m->b, h->ubr); break;
		case H_SP: html_put_int(&m->b, h->sp); break;
		case H_CS: html_put_int(&m->b, h->cs); break;
		case H_VERDICT: html_put_int(&m->b, h->verdict); break;
		case H_REUSED: html_put_int(&m->b, h->reused); break;
		case H_HIVES: put_list(&m->b, pool + h->hv_off, h->hv_n); break;
		case H_FILES: put_list(&m->b, pool + h->fl_off, h->fl_n); break;
		case H_FINDINGS: put_list(&m->b, pool + h->f_off, h->f_n); break;
		case H_NARRATIVE: html_put_int(&m->b, h->narrative); break;
		case H_HSTAT:
			ha_buf_printf(&m->b, "[%u,%u]", h->hstat[HA_SYSTEM], h->hstat[HA_SOFTWARE]);
			break;
		default: return ha_err_set(m->err, HA_ERR_INTERNAL, "island: host field %d", j);
		}
	}
	ha_buf_putc(&m->b, ']');
	m->nhosts++;
	/* m->b must be empty again: the tables spill through it too (stdio
	 * buffers the file). */
	return html_sink_drain(&s);
}

/* A JSON string of the island: jansson encodes it (at most
 * HA_HTML_TEXT_MAX characters, invalid UTF-8 bytes shown as \xNN, U+0000
 * from C0 80: see ha_text_for_json), then the element-breaking characters
 * are escaped (see the file comment). */
int html_json_string(struct ha_buf *b, const char *s, size_t n, struct ha_err *err)
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
			return html_nomem(err);
		}
		s = clean.data;
		n = clean.len;
	}
	j = json_stringn(s, n);
	ha_buf_free(&clean);
	if (!j)
		return html_nomem(err);
	len = json_dumpb(j, stackbuf, sizeof stackbuf, JSON_ENCODE_ANY);
	if (len > sizeof stackbuf) {
		out = malloc(len);
		if (!out) {
			json_decref(j);
			return html_nomem(err);
		}
		len = json_dumpb(j, out, len, JSON_ENCODE_ANY);
	}
	json_decref(j);
	if (!len) {
		if (out != stackbuf)
			free(out);
		return ha_err_set(err, HA_ERR_INTERNAL, "cannot encode a string as JSON");
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
		ha_buf_add(b, out + start, i - start);
		ha_buf_puts(b, rep);
		i += skip - 1;
		start = i + 1;
	}
	ha_buf_add(b, out + start, len - start);
	if (out != stackbuf)
		free(out);
	return HA_OK;
}

void html_put_int(struct ha_buf *b, int64_t v)
{
	char t[24];
	int n = snprintf(t, sizeof t, "%" PRId64, v);

	ha_buf_add(b, t, (size_t)n);
}

void html_put_ints(struct ha_buf *b, const int64_t *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (i)
			ha_buf_putc(b, ',');
		html_put_int(b, v[i]);
	}
}

int html_copy_file(struct html_sink *s, FILE *f)
{
	char buf[65536];
	size_t n;
	int rc;

	if (!f)
		return HA_OK;
	if (fflush(f) != 0 || fseek(f, 0, SEEK_SET) != 0)
		return ha_err_sys(s->err, HA_ERR_IO, errno,
		                  "report.html: cannot read a temporary file");
	while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
		ha_buf_add(s->b, buf, n);
		if ((s->b->len >= FLUSH_AT || ha_buf_status(s->b)) &&
		    (rc = ha_out_write(s->out, s->b, s->err)) != HA_OK)
			return rc;
	}
	if (ferror(f))
		return ha_err_sys(s->err, HA_ERR_IO, errno,
		                  "report.html: cannot read a temporary file");
	return HA_OK;
}
