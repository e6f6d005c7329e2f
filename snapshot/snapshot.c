/* snapshot.c: the host snapshot's containers, lookups, value decoding and
 * request sets.  Pure data handling: no I/O. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ha_snapshot.h"

static const char *const role_names[HA_NROLES] = {"SYSTEM", "SOFTWARE"};

const char *ha_role_name(int role)
{
	return (role >= 0 && role < HA_NROLES) ? role_names[role] : "?";
}

static const char *const kind_names[HA_FK_COUNT] = {
        "unknown hive", "SYSTEM",          "SOFTWARE", "SAM", "SECURITY", "NTUSER.DAT",
        "UsrClass.dat", "COMPONENTS",      "DEFAULT",  "BCD", "DRIVERS",  "other hive",
        "not a hive",   "transaction log",
};

const char *ha_file_kind_name(int kind)
{
	return (kind >= 0 && kind < HA_FK_COUNT) ? kind_names[kind] : "?";
}

static const char *const status_names[HA_HS_COUNT] = {
        "ok",         "degraded",   "dirty",   "replayed", "unreadable",
        "not_a_hive", "wrong_kind", "missing", "conflict", "skipped",
};

const char *ha_hive_status_name(int status)
{
	return (status >= 0 && status < HA_HS_COUNT) ? status_names[status] : "?";
}

int ha_hive_status_from_name(const char *name)
{
	int i;

	for (i = 0; name && i < HA_HS_COUNT; i++)
		if (!strcmp(name, status_names[i]))
			return i;
	return -1;
}

int ha_hive_status_readable(int status)
{
	return status == HA_HS_OK || status == HA_HS_DEGRADED || status == HA_HS_DIRTY ||
	       status == HA_HS_REPLAYED;
}

int ha_hive_status_trusted(int status)
{
	return status == HA_HS_OK || status == HA_HS_REPLAYED;
}

const char *ha_reg_type_name(uint32_t type, char buf[24])
{
	switch (type) {
	case HA_REG_NONE: return "REG_NONE";
	case HA_REG_SZ: return "REG_SZ";
	case HA_REG_EXPAND_SZ: return "REG_EXPAND_SZ";
	case HA_REG_BINARY: return "REG_BINARY";
	case HA_REG_DWORD: return "REG_DWORD";
	case HA_REG_DWORD_BE: return "REG_DWORD_BIG_ENDIAN";
	case HA_REG_LINK: return "REG_LINK";
	case HA_REG_MULTI_SZ: return "REG_MULTI_SZ";
	case 8: return "REG_RESOURCE_LIST";
	case 9: return "REG_FULL_RESOURCE_DESCRIPTOR";
	case 10: return "REG_RESOURCE_REQUIREMENTS_LIST";
	case HA_REG_QWORD: return "REG_QWORD";
	default: snprintf(buf, 24, "type 0x%x", type); return buf;
	}
}

/* ------------------------------------------------------------ lifecycle */

void ha_snapshot_init(struct ha_snapshot *s)
{
	int r;

	memset(s, 0, sizeof *s);
	for (r = 0; r < HA_NROLES; r++) {
		s->role[r].file = -1;
		s->role[r].cand = -1;
		s->role[r].status = HA_HS_MISSING;
	}
}

static void free_strv(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void free_key(struct ha_key *k)
{
	size_t i;

	free(k->lpath);
	free(k->ppath);
	free(k->match);
	free(k->error);
	for (i = 0; i < k->nvalues; i++) {
		free(k->values[i].name);
		free(k->values[i].data);
		free(k->values[i].error);
	}
	free(k->values);
	free_strv(k->sub, k->nsub);
}

void ha_snapshot_free(struct ha_snapshot *s)
{
	size_t i;
	int r;

	if (!s)
		return;
	free(s->label);
	free(s->dir);
	for (i = 0; i < s->nfiles; i++) {
		struct ha_hivefile *f = &s->files[i];

		free(f->path);
		free(f->kind_why);
		free(f->reason);
		free_strv(f->logs, f->nlogs);
		free(f->replay);
	}
	free(s->files);
	for (r = 0; r < HA_NROLES; r++)
		free(s->role[r].reason);
	free(s->ccs_source);
	for (i = 0; i < s->nkeys; i++)
		free_key(&s->keys[i]);
	free(s->keys);
	free(s->note);
	ha_snapshot_init(s);
}

/* Grows an array of `size`-byte elements by one zeroed element. */
static void *grow1(void **arr, size_t *n, size_t size)
{
	size_t bytes;
	char *p;

	if (ha_size_mul(*n + 1, size, &bytes))
		return NULL;
	p = realloc(*arr, bytes);
	if (!p)
		return NULL;
	*arr = p;
	memset(p + *n * size, 0, size);
	return p + (*n)++ * size;
}

struct ha_hivefile *ha_snapshot_add_file(struct ha_snapshot *s)
{
	struct ha_hivefile *f = grow1((void **)&s->files, &s->nfiles, sizeof *f);

	if (f) {
		f->role = -1;
		f->claim = -1;
	}
	return f;
}

struct ha_key *ha_snapshot_add_key(struct ha_snapshot *s)
{
	return grow1((void **)&s->keys, &s->nkeys, sizeof(struct ha_key));
}

struct ha_value *ha_key_add_value(struct ha_key *k)
{
	return grow1((void **)&k->values, &k->nvalues, sizeof(struct ha_value));
}

int ha_key_add_sub(struct ha_key *k, const char *name)
{
	char **slot;
	char *copy = ha_strdup(name);

	if (!copy)
		return HA_ERR_NOMEM;
	slot = grow1((void **)&k->sub, &k->nsub, sizeof(char *));
	if (!slot) {
		free(copy);
		return HA_ERR_NOMEM;
	}
	*slot = copy;
	return HA_OK;
}

/* ---------------------------------------------------------------- lookup */

static int same_opt(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return ha_ascii_caseeq(a, b);
}

const struct ha_key *ha_snapshot_key(const struct ha_snapshot *s, int hive, const char *lpath)
{
	return ha_snapshot_enum(s, hive, lpath, NULL);
}

const struct ha_key *ha_snapshot_enum(const struct ha_snapshot *s, int hive, const char *lpath,
                                      const char *match)
{
	size_t i;

	for (i = 0; i < s->nkeys; i++) {
		const struct ha_key *k = &s->keys[i];

		if (k->hive == hive && ha_ascii_caseeq(k->lpath, lpath) &&
		    same_opt(k->match, match))
			return k;
	}
	return NULL;
}

const struct ha_value *ha_key_value(const struct ha_key *k, const char *name)
{
	size_t i;

	if (!k)
		return NULL;
	for (i = 0; i < k->nvalues; i++)
		if (ha_ascii_caseeq(k->values[i].name, name))
			return &k->values[i];
	return NULL;
}

/* -------------------------------------------------------- value decoding */

int ha_value_dword(const struct ha_value *v, uint32_t *out)
{
	if (v->error || v->len < 4)
		return HA_ERR_FORMAT;
	if (v->type == HA_REG_DWORD) {
		*out = ha_le32(v->data);
		return HA_OK;
	}
	if (v->type == HA_REG_DWORD_BE) {
		const uint8_t *p = v->data;

		*out = ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) |
		       p[3];
		return HA_OK;
	}
	return HA_ERR_FORMAT;
}

int ha_value_qword(const struct ha_value *v, uint64_t *out)
{
	if (v->error || v->type != HA_REG_QWORD || v->len < 8)
		return HA_ERR_FORMAT;
	*out = ha_le64(v->data);
	return HA_OK;
}

int ha_value_string(const struct ha_value *v, char **out)
{
	struct ha_buf b;

	if (v->error ||
	    (v->type != HA_REG_SZ && v->type != HA_REG_EXPAND_SZ && v->type != HA_REG_LINK))
		return HA_ERR_FORMAT;
	ha_buf_init(&b, 0);
	ha_utf16le_to_utf8(&b, v->data, v->len, HA_U16_STOP_AT_NUL);
	*out = ha_buf_detach(&b, NULL);
	return *out ? HA_OK : HA_ERR_NOMEM;
}

char *ha_value_render(const struct ha_value *v)
{
	struct ha_buf b;
	uint32_t d;
	uint64_t q;
	size_t i;

	ha_buf_init(&b, 0);
	if (v->error) {
		ha_buf_printf(&b, "(unreadable: %s)", v->error);
	} else if (ha_value_dword(v, &d) == HA_OK) {
		ha_buf_printf(&b, "0x%08x (%u)", d, d);
	} else if (ha_value_qword(v, &q) == HA_OK) {
		ha_buf_printf(&b, "0x%016llx (%llu)", (unsigned long long)q, (unsigned long long)q);
	} else if (v->type == HA_REG_SZ || v->type == HA_REG_EXPAND_SZ || v->type == HA_REG_LINK) {
		/* The data as read: what follows an embedded U+0000 is shown too
		 * (carried as C0 80, see HA_U16_NUL_MODIFIED); only the NULs
		 * that end the data, the terminator and its padding, are not
		 * (an odd length is not text Windows wrote: all of it is shown). */
		size_t n = v->len;

		while (!(v->len & 1) && n >= 2 && v->data[n - 2] == 0 && v->data[n - 1] == 0)
			n -= 2;
		ha_buf_putc(&b, '"');
		ha_utf16le_to_utf8(&b, v->data, n, HA_U16_NUL_MODIFIED);
		ha_buf_putc(&b, '"');
	} else if (v->type == HA_REG_MULTI_SZ) {
		/* Strings up to the empty string that ends the list; junk after
		 * the terminator is not shown as more strings (hivex would). */
		size_t start = 0, count = 0;
		int ended = 0;

		ha_buf_putc(&b, '[');
		for (i = 0; i + 1 < v->len; i += 2) {
			if (v->data[i] != 0 || v->data[i + 1] != 0)
				continue;
			if (i == start) {
				ended = 1;
				break;
			}
			if (count++)
				ha_buf_puts(&b, ", ");
			ha_utf16le_to_utf8(&b, v->data + start, i - start, 0);
			start = i + 2;
		}
		/* An unterminated last string, even a single stray byte (shown as
		 * U+FFFD: something is there). */
		if (!ended && start < v->len) {
			if (count++)
				ha_buf_puts(&b, ", ");
			ha_utf16le_to_utf8(&b, v->data + start, v->len - start, 0);
		}
		ha_buf_putc(&b, ']');
	} else {
		size_t show = v->len < 64 ? v->len : 64;

		ha_buf_printf(&b, "hex(%u bytes):", v->len);
		for (i = 0; i < show; i++)
			ha_buf_printf(&b, "%s%02x", i ? "," : "", v->data[i]);
		if (show < v->len)
			ha_buf_puts(&b, ",...");
	}
	return ha_buf_detach(&b, NULL);
}

int ha_subkey_matches(const char *match, const char *name)
{
	const char *kb, *p;
	size_t n;

	if (ha_ascii_ncasecmp(match, "kb:", 3) != 0)
		return ha_glob_match(match, name);
	kb = match + 3;
	n = strlen(kb);
	if (!n)
		return 0;
	for (p = name; (p = strchr(p, '_')) != NULL; p++) {
		if (ha_ascii_ncasecmp(p, "_for_", 5) != 0)
			continue;
		if (ha_ascii_ncasecmp(p + 5, kb, n) != 0)
			continue;
		if (p[5 + n] == '\0' || p[5 + n] == '~' || p[5 + n] == '_')
			return 1;
	}
	return 0;
}

/* -------------------------------------------------------------- requests */

void ha_reqset_init(struct ha_reqset *rs)
{
	rs->n = 0;
	rs->v = NULL;
}

void ha_reqset_free(struct ha_reqset *rs)
{
	size_t i;

	for (i = 0; i < rs->n; i++) {
		free(rs->v[i].path);
		free(rs->v[i].match);
		free_strv(rs->v[i].names, rs->v[i].nnames);
	}
	free(rs->v);
	ha_reqset_init(rs);
}

int ha_reqset_add(struct ha_reqset *rs, int hive, const char *path, const char *match,
                  const char *name, struct ha_err *err)
{
	struct ha_request *r = NULL;
	size_t i;

	if (hive < 0 || hive >= HA_NROLES)
		return ha_err_set(err, HA_ERR_INTERNAL, "request for unknown hive %d", hive);
	for (i = 0; i < rs->n; i++) {
		if (rs->v[i].hive == hive && ha_ascii_caseeq(rs->v[i].path, path) &&
		    same_opt(rs->v[i].match, match)) {
			r = &rs->v[i];
			break;
		}
	}
	if (!r) {
		r = grow1((void **)&rs->v, &rs->n, sizeof *r);
		if (!r)
			return ha_err_nomem(err);
		r->hive = hive;
		r->path = ha_strdup(path);
		r->match = match ? ha_strdup(match) : NULL;
		if (!r->path || (match && !r->match)) {
			/* Take the half-made request back: later lookups compare
			 * every path. */
			free(r->path);
			free(r->match);
			rs->n--;
			return ha_err_nomem(err);
		}
	}
	if (name) {
		char **slot;
		char *copy;

		for (i = 0; i < r->nnames; i++)
			if (ha_ascii_caseeq(r->names[i], name))
				return HA_OK;
		copy = ha_strdup(name);
		slot = copy ? grow1((void **)&r->names, &r->nnames, sizeof(char *)) : NULL;
		if (!slot) {
			free(copy);
			return ha_err_nomem(err);
		}
		*slot = copy;
	}
	return HA_OK;
}

int ha_parse_hklm_path(const char *full, int *hive, char **rel, struct ha_err *err)
{
	static const char *const roots[] = {"HKLM\\", "HKEY_LOCAL_MACHINE\\"};
	const char *p = NULL;
	size_t i;

	for (i = 0; i < sizeof roots / sizeof roots[0]; i++) {
		size_t n = strlen(roots[i]);

		if (ha_ascii_ncasecmp(full, roots[i], n) == 0) {
			p = full + n;
			break;
		}
	}
	if (!p)
		return ha_err_set(err, HA_ERR_FORMAT,
		                  "path '%s' does not start with HKLM\\SYSTEM or HKLM\\SOFTWARE",
		                  full);
	if (ha_ascii_ncasecmp(p, "SYSTEM", 6) == 0 && (p[6] == '\\' || p[6] == '\0')) {
		*hive = HA_SYSTEM;
		p += 6;
	} else if (ha_ascii_ncasecmp(p, "SOFTWARE", 8) == 0 && (p[8] == '\\' || p[8] == '\0')) {
		*hive = HA_SOFTWARE;
		p += 8;
	} else {
		return ha_err_set(err, HA_ERR_FORMAT,
		                  "path '%s': only HKLM\\SYSTEM and HKLM\\SOFTWARE are read", full);
	}
	/* "HKLM\SYSTEM" names the hive itself; after a separator every
	 * component must be non-empty ("HKLM\SYSTEM\\X", "...\X\" are typos
	 * that would otherwise name another key). */
	if (*p == '\\' && (p[1] == '\0' || p[1] == '\\'))
		return ha_err_set(err, HA_ERR_FORMAT, "path '%s' has an empty component", full);
	if (*p == '\\')
		p++;
	if (strstr(p, "\\\\") || (*p && p[strlen(p) - 1] == '\\'))
		return ha_err_set(err, HA_ERR_FORMAT, "path '%s' has an empty component", full);
	*rel = ha_strdup(p);
	if (!*rel)
		return ha_err_nomem(err);
	return HA_OK;
}

int ha_reqset_digest(const struct ha_reqset *rs, char hex[65], struct ha_err *err)
{
	struct ha_buf b;
	size_t i, j;
	int rc;

	/* Order-independent would be nicer, but rules load in a fixed order, so
	 * the same rules give the same sequence of requests. */
	ha_buf_init(&b, 0);
	for (i = 0; i < rs->n; i++) {
		const struct ha_request *r = &rs->v[i];

		ha_buf_printf(&b, "%d|%s|%s|", r->hive, r->path, r->match ? r->match : "");
		for (j = 0; j < r->nnames; j++)
			ha_buf_printf(&b, "%s;", r->names[j]);
		ha_buf_putc(&b, '\n');
	}
	if (ha_buf_status(&b)) {
		ha_buf_free(&b);
		return ha_err_nomem(err);
	}
	rc = ha_sha256_hex(b.data ? b.data : "", b.len, hex, err);
	ha_buf_free(&b);
	return rc;
}

/* -------------------------------------------------------------- findings */

static const char *const st_names[HA_NSTATUS] = {"PASS", "FAIL", "WARN", "NOT_APPLICABLE",
                                                 "UNKNOWN"};

const char *ha_status_name(int status)
{
	return (status >= 0 && status < HA_NSTATUS) ? st_names[status] : "?";
}

int ha_status_from_name(const char *name)
{
	int i;

	for (i = 0; i < HA_NSTATUS; i++)
		if (ha_ascii_caseeq(name, st_names[i]))
			return i;
	return -1;
}

static const struct ha_category categories[] = {
        {"os", 1, 0, "The operating system",
         "TLS 1.2 cannot be negotiated at all, so Azure Backup resets the "
         "connection: backups and restores fail with error 10054."},
        {"update", 1, 0, "A required update",
         "Without it the stack offers only SSL 3.0 / TLS 1.0 and Azure "
         "Backup resets the connection (error 10054)."},
        {"schannel", 1, 0, "SChannel",
         "Applications that use the system defaults do not offer TLS 1.2; the "
         "service resets them (error 10054, \"An existing connection was forcibly "
         "closed by the remote host\")."},
        {"netfx", 1, 0, ".NET Framework",
         "The backup agent is a .NET application: without these settings it "
         "offers old protocols and its connections are reset (error 10054)."},
        {"roots", 1, 0, "Certificate trust",
         "This shows up as \"The root of the certificate chain is not a "
         "trusted root authority\", not as error 10054."},
        {"integrity", 0, 1, NULL, NULL},
        {"info", 0, 0, NULL, NULL},
};

const struct ha_category *ha_categories(size_t *n)
{
	*n = sizeof categories / sizeof categories[0];
	return categories;
}

const struct ha_category *ha_category_find(const char *name)
{
	size_t i;

	for (i = 0; name && i < sizeof categories / sizeof categories[0]; i++)
		if (!strcmp(name, categories[i].name))
			return &categories[i];
	return NULL;
}

static const char *const verdict_names[HA_NVERDICTS] = {"ready", "not_ready", "unknown",
                                                        "ready_with_waivers"};

const char *ha_verdict_name(int verdict)
{
	return (verdict >= 0 && verdict < HA_NVERDICTS) ? verdict_names[verdict] : "unknown";
}

int ha_verdict_from_name(const char *name)
{
	int i;

	for (i = 0; name && i < HA_NVERDICTS; i++)
		if (!strcmp(name, verdict_names[i]))
			return i;
	return -1;
}

void ha_findings_init(struct ha_findings *f)
{
	memset(f, 0, sizeof *f);
}

void ha_findings_free(struct ha_findings *f)
{
	size_t i, j;

	if (!f)
		return;
	for (i = 0; i < f->n; i++) {
		struct ha_finding *x = &f->v[i];

		free(x->rule_id);
		free(x->severity);
		free(x->title);
		free(x->category);
		free(x->observed);
		free(x->expected);
		free(x->reason);
		for (j = 0; j < x->nev; j++) {
			struct ha_evidence *e = &x->ev[j];

			free(e->hive_path);
			free(e->hive_sha256);
			free(e->control_set);
			free(e->key_path);
			free(e->value_name);
			free(e->value_type);
			free(e->data);
			free(e->last_write);
			free(e->note);
		}
		free(x->ev);
	}
	free(f->v);
	free(f->verdict_reason);
	ha_findings_init(f);
}

struct ha_finding *ha_findings_add(struct ha_findings *f)
{
	return grow1((void **)&f->v, &f->n, sizeof(struct ha_finding));
}

struct ha_evidence *ha_finding_add_evidence(struct ha_finding *f)
{
	struct ha_evidence *e = grow1((void **)&f->ev, &f->nev, sizeof(struct ha_evidence));

	if (e)
		e->role = -1;
	return e;
}
