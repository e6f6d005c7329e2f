/* eval.c: rules applied to one host's snapshot.  A pure function: it reads
 * the snapshot, the derived facts and the audit date, and writes findings.
 *
 * (Over 1,000 lines: the evaluation of each check primitive together with
 * the evidence every finding carries; the kinds table is in kinds.c.)
 *
 * Three-valued logic runs through everything: a condition on an unknown fact
 * is UNKNOWN, not false, and a value read from a hive that cannot be trusted
 * (dirty and not replayed, or readable only in recovery mode) yields UNKNOWN
 * with the verdict the stored data would have given, so an auditor sees both
 * what the file says and why it is not conclusive (CONTRACT.md "Statuses").
 *
 * Combining statuses:
 *   all:  FAIL if any child fails, else UNKNOWN, else WARN, else PASS
 *   any:  PASS if any child passes, else WARN, else UNKNOWN, else FAIL
 *   none: PASS if no child holds (all FAIL), FAIL if any child PASSes
 * NOT_APPLICABLE children are ignored; all of them N/A makes N/A.
 *
 * Trust is tracked beside the status: a leaf that read an untrusted hive
 * keeps what the stored data gives (`stored`) and marks the hive; the same
 * combinations run over the stored verdicts, and the rule says once, at
 * the end of its reason, which hive was not trusted and what the stored
 * data would have given. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_internal.h"

struct eval_ctx {
	struct ha_cert_cache *certs;
	const struct ha_ruleset *rs;
	const struct ha_snapshot *s;
	const struct ha_facts *f;
	int64_t as_of;
	struct ha_finding *fd;
	struct ha_err *err;
	int nomem;
};

static void res_init(struct res *r)
{
	r->status = HA_PASS;
	r->stored = HA_PASS;
	r->untrusted = 0;
	ha_buf_init(&r->obs, 1 << 20);
	ha_buf_init(&r->exp, 1 << 20);
	ha_buf_init(&r->why, 1 << 20);
}

static void res_free(struct res *r)
{
	ha_buf_free(&r->obs);
	ha_buf_free(&r->exp);
	ha_buf_free(&r->why);
}

static int res_failed(const struct res *r)
{
	return ha_buf_status(&r->obs) || ha_buf_status(&r->exp) || ha_buf_status(&r->why);
}

/* ------------------------------------------------------------ conditions */

int ha_cond_eval(const struct cond *c, const struct ha_facts *f)
{
	int unknown = 0;
	size_t i;

	if (!c->set)
		return C_TRUE;
	if (c->has_nt_min || c->has_nt_max || c->build_min >= 0 || c->build_max >= 0 ||
	    c->sp_min >= 0 || c->sp_max >= 0) {
		if (!f->os_known)
			unknown = 1;
		else {
			if (c->has_nt_min &&
			    ha_nt_cmp(f->nt_major, f->nt_minor, c->nt_min[0], c->nt_min[1]) < 0)
				return C_FALSE;
			if (c->has_nt_max &&
			    ha_nt_cmp(f->nt_major, f->nt_minor, c->nt_max[0], c->nt_max[1]) > 0)
				return C_FALSE;
			if (c->build_min >= 0 || c->build_max >= 0) {
				if (f->build < 0)
					unknown = 1;
				else if ((c->build_min >= 0 && f->build < c->build_min) ||
				         (c->build_max >= 0 && f->build > c->build_max))
					return C_FALSE;
			}
			if (c->sp_min >= 0 && f->sp < c->sp_min)
				return C_FALSE;
			if (c->sp_max >= 0 && f->sp > c->sp_max)
				return C_FALSE;
		}
	}
	if (c->products) {
		if (f->product == HA_PRODUCT_UNKNOWN)
			unknown = 1;
		else if (!(c->products & (1u << f->product)))
			return C_FALSE;
	}
	if (c->arches) {
		if (f->arch == HA_ARCH_UNKNOWN)
			unknown = 1;
		else if (!(c->arches & (1u << f->arch)))
			return C_FALSE;
	}
	if (c->nany) {
		int any_unknown = 0, hit = 0;

		for (i = 0; i < c->nany && !hit; i++) {
			int r = ha_cond_eval(&c->any[i], f);

			if (r == C_TRUE)
				hit = 1;
			else if (r == C_UNKNOWN)
				any_unknown = 1;
		}
		if (!hit) {
			if (!any_unknown)
				return C_FALSE;
			unknown = 1;
		}
	}
	return unknown ? C_UNKNOWN : C_TRUE;
}

/* Why a fact needed by a condition is unknown, for UNKNOWN findings. */
static const char *facts_gap(const struct eval_ctx *x)
{
	const struct ha_roleinfo *sw = &x->s->role[HA_SOFTWARE];
	const struct ha_roleinfo *sy = &x->s->role[HA_SYSTEM];

	if (!x->f->os_known)
		return ha_hive_status_readable(sw->status)
		               ? "the OS version is not recorded in the SOFTWARE hive"
		               : "the OS version could not be read: the SOFTWARE hive is not "
		                 "readable";
	if (x->f->product == HA_PRODUCT_UNKNOWN || x->f->arch == HA_ARCH_UNKNOWN)
		return ha_hive_status_readable(sy->status)
		               ? "the product type or architecture is not recorded"
		               : "the product type or architecture could not be read: the SYSTEM "
		                 "hive is "
		                 "not readable";
	return "a fact this rule needs is unknown";
}

/* ---------------------------------------------------------- formatting */

static void fmt_num(struct ha_buf *b, uint64_t v)
{
	if (v < 10)
		ha_buf_printf(b, "%llu", (unsigned long long)v);
	else
		ha_buf_printf(b, "0x%llX (%llu)", (unsigned long long)v, (unsigned long long)v);
}

static void fmt_test(struct ha_buf *b, const struct test *t)
{
	size_t i;

	switch (t->op) {
	case T_EXISTS: ha_buf_puts(b, "present"); break;
	case T_NONZERO: ha_buf_puts(b, "non-zero"); break;
	case T_EQ:
		if (t->is_str)
			ha_buf_printf(b, "\"%s\"", t->str);
		else
			fmt_num(b, t->num);
		break;
	case T_NE:
		ha_buf_puts(b, "not ");
		if (t->is_str)
			ha_buf_printf(b, "\"%s\"", t->str);
		else
			fmt_num(b, t->num);
		break;
	case T_BITS: ha_buf_printf(b, "bits 0x%llX set", (unsigned long long)t->num); break;
	case T_GE:
		ha_buf_puts(b, "at least ");
		fmt_num(b, t->num);
		break;
	case T_LE:
		ha_buf_puts(b, "at most ");
		fmt_num(b, t->num);
		break;
	case T_ONEOF:
		ha_buf_puts(b, "one of ");
		for (i = 0; i < t->nlist; i++) {
			if (i)
				ha_buf_puts(b, ", ");
			if (t->is_str)
				ha_buf_printf(b, "\"%s\"", t->strs[i]);
			else
				fmt_num(b, t->nums[i]);
		}
		break;
	}
}

/* "REG_DWORD", "REG_DWORD or REG_QWORD"; nothing for "any type". */
static void fmt_types(struct ha_buf *b, unsigned types)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {{TY_DWORD, "REG_DWORD"},
	             {TY_QWORD, "REG_QWORD"},
	             {TY_SZ, "REG_SZ"},
	             {TY_MULTI, "REG_MULTI_SZ"},
	             {TY_BINARY, "REG_BINARY"}};
	size_t i, n = 0, k = 0;

	if ((types & TY_ANY) == TY_ANY)
		return;
	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		n += (types & names[i].bit) != 0;
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (!(types & names[i].bit))
			continue;
		if (k++)
			ha_buf_puts(b, k == n ? " or " : ", ");
		ha_buf_puts(b, names[i].name);
	}
}

/* How a value misses the types a check accepts, as the middle of a
 * sentence: 'REG_SZ "1", not REG_DWORD', or, for a number too short for
 * its type, 'a REG_DWORD of only 2 bytes (hex(2 bytes):01,00)'. */
static void fmt_mismatch(struct ha_buf *b, const struct ha_value *v, const char *shown,
                         unsigned types)
{
	char tb[24];

	if ((v->type == HA_REG_DWORD && (types & TY_DWORD)) ||
	    (v->type == HA_REG_QWORD && (types & TY_QWORD))) {
		ha_buf_printf(b, "a %s of only %u byte%s (%s), too short to hold a number",
		              ha_reg_type_name(v->type, tb), v->len, v->len == 1 ? "" : "s", shown);
		return;
	}
	ha_buf_printf(b, "%s %s, not ", ha_reg_type_name(v->type, tb), shown);
	fmt_types(b, types);
}

/* "TLS 1.2\Client\Enabled" from a path and a value name. */
static void leaf_label(struct ha_buf *b, const struct check *c, const char *name)
{
	const char *p, *last = NULL, *prev = NULL;

	if (c->label) {
		ha_buf_puts(b, c->label);
		return;
	}
	for (p = c->path; *p; p++) {
		if (*p == '\\') {
			prev = last;
			last = p;
		}
	}
	ha_buf_puts(b, prev ? prev + 1 : c->path);
	if (name)
		ha_buf_printf(b, "\\%s", *name ? name : "(Default)");
}

static void sep(struct ha_buf *b, const char *s)
{
	if (b->len)
		ha_buf_puts(b, s);
}

/* sep() for text appended after position `start`. */
static void sep_from(struct ha_buf *b, size_t start, const char *s)
{
	if (b->len > start)
		ha_buf_puts(b, s);
}

/* --------------------------------------------------------------- evidence */

static char *dup_or_empty(struct eval_ctx *x, const char *s)
{
	char *p = ha_strdup(s ? s : "");

	if (!p)
		x->nomem = 1;
	return p;
}

static struct ha_evidence *evidence(struct eval_ctx *x, int role, const struct ha_key *k)
{
	struct ha_evidence *e = ha_finding_add_evidence(x->fd);
	const struct ha_roleinfo *ri;
	char iso[32];

	if (!e) {
		x->nomem = 1;
		return NULL;
	}
	e->role = role;
	if (role >= 0) {
		int fi;

		ri = &x->s->role[role];
		fi = ri->file >= 0 ? ri->file : ri->cand;
		if (fi >= 0) {
			const struct ha_hivefile *hf = &x->s->files[fi];

			e->hive_path = dup_or_empty(x, hf->path);
			e->hive_sha256 = dup_or_empty(x, hf->sha256);
		}
		if (role == HA_SYSTEM && k &&
		    ha_ascii_ncasecmp(k->lpath, "CurrentControlSet", 17) == 0) {
			if (x->s->ccs)
				e->control_set =
				        ha_asprintf("ControlSet%03d (%s)", x->s->ccs,
				                    x->s->ccs_source ? x->s->ccs_source : "");
			else
				e->control_set = dup_or_empty(x, x->s->ccs_source);
			if (!e->control_set)
				x->nomem = 1;
		}
	}
	if (k) {
		e->key_path = dup_or_empty(x, k->ppath ? k->ppath : k->lpath);
		ha_filetime_iso(k->state == HA_KEY_PRESENT ? k->last_write : 0, iso);
		if (k->state == HA_KEY_PRESENT && k->last_write == HA_FT_NOT_RECORDED)
			snprintf(iso, sizeof iso, "not recorded in an export");
		e->last_write = dup_or_empty(x, iso);
	}
	return e;
}

static void evidence_value(struct eval_ctx *x, int role, const struct ha_key *k, const char *name,
                           const struct ha_value *v, const char *note)
{
	struct ha_evidence *e = evidence(x, role, k);
	char tb[24];

	if (!e)
		return;
	if (!name) {
		/* Key-level evidence. */
		e->value_type = dup_or_empty(x, !k                           ? "not read"
		                                : k->state == HA_KEY_PRESENT ? "key"
		                                : k->state == HA_KEY_ABSENT  ? "key absent"
		                                                             : "not read");
		e->data = dup_or_empty(x, "");
		e->note = dup_or_empty(x, note ? note
		                               : (k && k->state != HA_KEY_PRESENT ? k->error : ""));
		return;
	}
	e->value_name = dup_or_empty(x, name);
	if (v) {
		e->value_type = dup_or_empty(x, ha_reg_type_name(v->type, tb));
		e->data = ha_value_render(v);
		if (!e->data)
			x->nomem = 1;
	} else {
		e->value_type = dup_or_empty(x, k && k->state == HA_KEY_PRESENT  ? "absent"
		                                : k && k->state == HA_KEY_ABSENT ? "key absent"
		                                                                 : "not read");
		e->data = dup_or_empty(x, "");
	}
	e->note = dup_or_empty(x, note ? note : (k && k->state != HA_KEY_PRESENT ? k->error : ""));
}

/* A readable but untrusted hive turns a verdict into UNKNOWN, keeping what
 * the stored data would have said (the rule explains it, see trust_note). */
static void apply_trust(struct eval_ctx *x, int role, struct res *r)
{
	const struct ha_roleinfo *ri = &x->s->role[role];

	if (r->status != HA_PASS && r->status != HA_FAIL && r->status != HA_WARN)
		return;
	if (!ha_hive_status_readable(ri->status) || ha_hive_status_trusted(ri->status))
		return;
	r->stored = r->status;
	r->untrusted |= 1u << role;
	r->status = HA_UNKNOWN;
}

/* What a result would be had every hive been trusted. */
static int stored_of(const struct res *r)
{
	return r->untrusted ? r->stored : r->status;
}

/* " Not conclusive: the SOFTWARE hive is dirty (why); as stored this gives
 * PASS." */
static void trust_note(struct eval_ctx *x, struct res *r, int stored)
{
	int role, n = 0;

	if (r->status != HA_UNKNOWN || !r->untrusted ||
	    (stored != HA_PASS && stored != HA_FAIL && stored != HA_WARN))
		return;
	sep(&r->why, " ");
	ha_buf_puts(&r->why, "Not conclusive: ");
	for (role = 0; role < HA_NROLES; role++) {
		const struct ha_roleinfo *ri = &x->s->role[role];

		if (!(r->untrusted & (1u << role)))
			continue;
		ha_buf_printf(&r->why, "%sthe %s hive is %s%s%s%s", n++ ? " and " : "",
		              ha_role_name(role), ha_hive_status_name(ri->status),
		              ri->reason && *ri->reason ? " (" : "", ri->reason ? ri->reason : "",
		              ri->reason && *ri->reason ? ")" : "");
	}
	ha_buf_printf(&r->why, "; as stored this gives %s.", ha_status_name(stored));
}

/* ------------------------------------------------------------- tables */

/* The OS default from a table: 0 found, 1 unknown (why in *why). */
static int table_lookup(const struct eval_ctx *x, const struct table *t, uint64_t *value,
                        const char **why)
{
	size_t i;

	for (i = 0; i < t->nrows; i++) {
		int c = ha_cond_eval(&t->rows[i].when, x->f);

		if (c == C_UNKNOWN) {
			*why = facts_gap(x);
			return 1;
		}
		if (c == C_TRUE) {
			*why = t->rows[i].why;
			if (t->rows[i].unknown)
				return 1;
			*value = t->rows[i].value;
			return 0;
		}
	}
	*why = "no default is known for this OS";
	return 1;
}

/* ------------------------------------------------------------- values */

static int test_num(const struct test *t, uint64_t v)
{
	size_t i;

	switch (t->op) {
	case T_EXISTS: return 1;
	case T_NONZERO: return v != 0;
	case T_EQ: return v == t->num;
	case T_NE: return v != t->num;
	case T_BITS: return (v & t->num) == t->num;
	case T_GE: return v >= t->num;
	case T_LE: return v <= t->num;
	case T_ONEOF:
		for (i = 0; i < t->nlist; i++)
			if (t->nums && v == t->nums[i])
				return 1;
		return 0;
	}
	return 0;
}

static int test_str(const struct test *t, const char *s)
{
	size_t i;

	switch (t->op) {
	case T_EXISTS: return 1;
	case T_EQ: return t->str && ha_ascii_caseeq(s, t->str);
	case T_NE: return !t->str || !ha_ascii_caseeq(s, t->str);
	case T_ONEOF:
		for (i = 0; i < t->nlist; i++)
			if (t->strs && ha_ascii_caseeq(s, t->strs[i]))
				return 1;
		return 0;
	default: return 0;
	}
}

/* The type class of a value, or 0 when its data does not fit its type. */
static unsigned value_class(const struct ha_value *v)
{
	switch (v->type) {
	case HA_REG_DWORD: return v->len >= 4 ? TY_DWORD : 0;
	case HA_REG_QWORD: return v->len >= 8 ? TY_QWORD : 0;
	case HA_REG_SZ:
	case HA_REG_EXPAND_SZ: return TY_SZ;
	case HA_REG_MULTI_SZ: return TY_MULTI;
	case HA_REG_BINARY: return TY_BINARY;
	default: return 0;
	}
}

/* Applies c->test to a value whose type class is acceptable: 1/0. */
static int test_value(const struct check *c, const struct ha_value *v, const struct test *t)
{
	uint32_t d;
	uint64_t q;
	char *s = NULL;
	int ok;

	if (t->op == T_EXISTS)
		return 1;
	if (t->is_str) {
		if (ha_value_string(v, &s) != HA_OK)
			return 0;
		ok = test_str(t, s);
		free(s);
		return ok;
	}
	(void)c;
	if (ha_value_dword(v, &d) == HA_OK && v->type == HA_REG_DWORD)
		return test_num(t, d);
	if (ha_value_qword(v, &q) == HA_OK)
		return test_num(t, q);
	return 0;
}

static void eval_absent(struct eval_ctx *x, const struct check *c, const struct outcome *o,
                        const char *label, const char *what, struct res *r)
{
	if (o->kind == O_DEFAULT) {
		uint64_t dv = 0;
		const char *why = NULL;

		if (table_lookup(x, o->table, &dv, &why)) {
			r->status = HA_UNKNOWN;
			ha_buf_printf(&r->obs, "%s: %s, OS default unknown", label, what);
			ha_buf_printf(&r->why, "%s is %s and its OS default is not known here: %s.",
			              label, what, why);
			return;
		}
		r->status = test_num(&c->test, dv) ? HA_PASS : HA_FAIL;
		ha_buf_printf(&r->obs, "%s: %s, OS default ", label, what);
		fmt_num(&r->obs, dv);
		ha_buf_printf(&r->why, "%s is %s; on %s the default is ", label, what,
		              x->f->os_family);
		fmt_num(&r->why, dv);
		ha_buf_printf(&r->why, " (%s)%s.", why,
		              r->status == HA_PASS ? ", which meets the requirement"
		                                   : ", which does not meet the requirement");
		return;
	}
	r->status = o->status;
	ha_buf_printf(&r->obs, "%s: %s", label, what);
	if (o->why)
		ha_buf_printf(&r->why, "%s is %s: %s.", label, what, o->why);
	else
		ha_buf_printf(&r->why, "%s is %s.", label, what);
}

void ha_ck_value_eval(struct eval_ctx *x, const struct check *c, struct res *r)
{
	const struct ha_key *k = ha_snapshot_key(x->s, c->hive, c->path);
	const struct ha_value *v;
	struct ha_buf label;
	char tb[24];

	ha_buf_init(&label, 4096);
	leaf_label(&label, c, c->name);
	ha_buf_printf(&r->exp, "%s: ", ha_buf_cstr(&label));
	{
		size_t before = r->exp.len;

		fmt_types(&r->exp, c->types);
		if (r->exp.len > before)
			ha_buf_putc(&r->exp, ' ');
	}
	fmt_test(&r->exp, &c->test);

	if (!k || k->state == HA_KEY_UNAVAILABLE || k->state == HA_KEY_ERROR) {
		r->status = HA_UNKNOWN;
		ha_buf_printf(&r->obs, "%s: not readable", ha_buf_cstr(&label));
		ha_buf_printf(&r->why, "%s could not be read: %s.", ha_buf_cstr(&label),
		              k && k->error ? k->error : "not requested");
		if (k)
			evidence_value(x, c->hive, k, c->name, NULL, NULL);
		ha_buf_free(&label);
		return;
	}
	v = k->state == HA_KEY_PRESENT ? ha_key_value(k, c->name) : NULL;
	if (v && v->error) {
		r->status = HA_UNKNOWN;
		ha_buf_printf(&r->obs, "%s: unreadable", ha_buf_cstr(&label));
		ha_buf_printf(&r->why, "%s could not be read: %s.", ha_buf_cstr(&label), v->error);
		evidence_value(x, c->hive, k, c->name, v, NULL);
		ha_buf_free(&label);
		return;
	}
	if (v && !(value_class(v) & c->types)) {
		char *shown = ha_value_render(v);
		const struct outcome *o = &c->wrong_type;
		struct ha_buf what;

		if (!shown)
			x->nomem = 1;
		ha_buf_init(&what, 1 << 16);
		fmt_mismatch(&what, v, shown ? shown : "", c->types);
		if (o->kind == O_AS_ABSENT) {
			ha_buf_puts(&what, ", which counts as absent");
			eval_absent(x, c, &c->absent, ha_buf_cstr(&label), ha_buf_cstr(&what), r);
		} else {
			r->status = o->status;
			ha_buf_printf(&r->obs, "%s: %s %s", ha_buf_cstr(&label),
			              ha_reg_type_name(v->type, tb), shown ? shown : "");
			ha_buf_printf(&r->why, "%s is %s%s%s.", ha_buf_cstr(&label),
			              ha_buf_cstr(&what), o->why ? ": " : "", o->why ? o->why : "");
		}
		if (ha_buf_status(&what))
			x->nomem = 1;
		ha_buf_free(&what);
		evidence_value(x, c->hive, k, c->name, v, "wrong type");
		free(shown);
		apply_trust(x, c->hive, r);
		ha_buf_free(&label);
		return;
	}
	if (!v) {
		eval_absent(x, c, &c->absent, ha_buf_cstr(&label),
		            k->state == HA_KEY_PRESENT ? "absent"
		                                       : "absent (its key does not exist)",
		            r);
		evidence_value(x, c->hive, k, c->name, NULL, NULL);
		apply_trust(x, c->hive, r);
		ha_buf_free(&label);
		return;
	}
	{
		char *shown = ha_value_render(v);

		if (!shown)
			x->nomem = 1;
		r->status = test_value(c, v, &c->test) ? HA_PASS : HA_FAIL;
		ha_buf_printf(&r->obs, "%s: %s", ha_buf_cstr(&label), shown ? shown : "");
		ha_buf_printf(&r->why, "%s is %s; ", ha_buf_cstr(&label), shown ? shown : "");
		if (r->status == HA_PASS)
			ha_buf_puts(&r->why, "meets the requirement (");
		else
			ha_buf_puts(&r->why, "expected ");
		fmt_test(&r->why, &c->test);
		ha_buf_puts(&r->why, r->status == HA_PASS ? ")." : ".");
		if (r->status == HA_FAIL && c->note)
			ha_buf_printf(&r->why, " %s", c->note);
		free(shown);
	}
	evidence_value(x, c->hive, k, c->name, v, NULL);
	apply_trust(x, c->hive, r);
	ha_buf_free(&label);
}

/* -------------------------------------------------------------- keys */

void ha_ck_key_eval(struct eval_ctx *x, const struct check *c, struct res *r)
{
	const struct ha_key *k = ha_snapshot_key(x->s, c->hive, c->path);
	const struct outcome *o;
	struct ha_buf label;
	size_t i;

	ha_buf_init(&label, 4096);
	leaf_label(&label, c, NULL);
	ha_buf_printf(&r->exp, "%s: key present", ha_buf_cstr(&label));
	if (!k || k->state == HA_KEY_UNAVAILABLE || k->state == HA_KEY_ERROR) {
		r->status = HA_UNKNOWN;
		ha_buf_printf(&r->obs, "%s: not readable", ha_buf_cstr(&label));
		ha_buf_printf(&r->why, "%s could not be read: %s.", ha_buf_cstr(&label),
		              k && k->error ? k->error : "not requested");
		if (k)
			evidence_value(x, c->hive, k, NULL, NULL, NULL);
		ha_buf_free(&label);
		return;
	}
	o = k->state == HA_KEY_PRESENT ? &c->present : &c->absent;
	r->status = o->status;
	ha_buf_printf(&r->obs, "%s: key %s", ha_buf_cstr(&label),
	              k->state == HA_KEY_PRESENT ? "present" : "absent");
	ha_buf_printf(&r->why, "%s is %s%s%s.", ha_buf_cstr(&label),
	              k->state == HA_KEY_PRESENT ? "present" : "absent", o->why ? ": " : "",
	              o->why ? o->why : "");
	if (k->state == HA_KEY_PRESENT && c->nshow) {
		for (i = 0; i < c->nshow; i++) {
			const struct ha_value *v = ha_key_value(k, c->show[i]);

			evidence_value(x, c->hive, k, c->show[i], v, NULL);
			if (v) {
				char *s = ha_value_render(v);

				if (!s)
					x->nomem = 1;
				ha_buf_printf(&r->obs, ", %s = %s", c->show[i], s ? s : "");
				free(s);
			}
		}
	} else {
		struct ha_evidence *e = evidence(x, c->hive, k);

		if (e) {
			e->value_type =
			        dup_or_empty(x, k->state == HA_KEY_PRESENT ? "key" : "key absent");
			e->note = dup_or_empty(x, k->state == HA_KEY_PRESENT ? "" : k->error);
		}
	}
	apply_trust(x, c->hive, r);
	ha_buf_free(&label);
}

/* ----------------------------------------------------------- subkeys */

static int rank(int status)
{
	switch (status) {
	case HA_PASS: return 4;
	case HA_WARN: return 3;
	case HA_UNKNOWN: return 2;
	case HA_FAIL: return 1;
	default: return 0;
	}
}

void ha_ck_subkeys_eval(struct eval_ctx *x, const struct check *c, struct res *r)
{
	const struct ha_key *k = ha_snapshot_enum(x->s, c->hive, c->path, c->match);
	const char *what = ha_ascii_ncasecmp(c->match, "kb:", 3) == 0 ? c->match + 3 : c->match;
	struct ha_buf label, childpath, notes, best_text;
	int best = -1;
	size_t i;

	ha_buf_init(&label, 4096);
	ha_buf_init(&childpath, 65536);
	if (c->label)
		ha_buf_puts(&label, c->label);
	else
		ha_buf_printf(&label, "%s", what);
	ha_buf_printf(&r->exp, "%s: %s ", ha_buf_cstr(&label), c->name);
	for (i = 0; i < c->nstates; i++) {
		if (c->states[i].status != HA_PASS)
			continue;
		if (best == 0)
			ha_buf_puts(&r->exp, " or ");
		ha_buf_puts(&r->exp, c->states[i].label ? c->states[i].label : "");
		ha_buf_puts(&r->exp, " (");
		fmt_test(&r->exp, &c->states[i].test);
		ha_buf_puts(&r->exp, ")");
		best = 0;
	}
	best = -1;
	if (!k || k->state == HA_KEY_UNAVAILABLE || k->state == HA_KEY_ERROR) {
		r->status = HA_UNKNOWN;
		ha_buf_printf(&r->obs, "%s: not readable", ha_buf_cstr(&label));
		ha_buf_printf(&r->why, "%s could not be looked up: %s.", ha_buf_cstr(&label),
		              k && k->error ? k->error : "not requested");
		if (k)
			evidence_value(x, c->hive, k, NULL, NULL, NULL);
		goto done;
	}
	ha_buf_init(&notes, 1 << 16);
	ha_buf_init(&best_text, 4096);
	for (i = 0; i < k->nsub; i++) {
		const struct ha_key *ck;
		const struct ha_value *v;
		const struct state_row *row = NULL;
		char *shown;
		size_t j;
		int st;

		ha_buf_truncate(&childpath, 0);
		ha_buf_printf(&childpath, "%s\\%s", c->path, k->sub[i]);
		ck = ha_snapshot_key(x->s, c->hive, ha_buf_cstr(&childpath));
		v = ck ? ha_key_value(ck, c->name) : NULL;
		if (v && (value_class(v) & c->types)) {
			for (j = 0; j < c->nstates && !row; j++)
				if (test_value(c, v, &c->states[j].test))
					row = &c->states[j];
		}
		if (!row)
			row = &c->other;
		st = v && !(value_class(v) & c->types) ? HA_UNKNOWN : row->status;
		if (!v)
			st = c->other.status;
		shown = v ? ha_value_render(v) : NULL;
		if (v && !shown)
			x->nomem = 1;
		sep(&r->obs, "; ");
		ha_buf_printf(&r->obs, "%s: %s = %s%s%s%s", k->sub[i], c->name,
		              shown ? shown : "absent", row->label ? " (" : "",
		              row->label ? row->label : "", row->label ? ")" : "");
		if (row->note)
			ha_buf_printf(&notes, " %s: %s.", k->sub[i], row->note);
		if (rank(st) > rank(best)) {
			/* "Package_for_KB...~6.1.1.0 has CurrentState 0x00000070 (112), Installed"
			 */
			best = st;
			ha_buf_truncate(&best_text, 0);
			if (!v) {
				ha_buf_printf(&best_text, "%s has no %s", k->sub[i], c->name);
			} else if (!(value_class(v) & c->types)) {
				ha_buf_printf(&best_text, "%s has a %s that is ", k->sub[i],
				              c->name);
				fmt_mismatch(&best_text, v, shown ? shown : "", c->types);
			} else {
				ha_buf_printf(&best_text, "%s has %s %s", k->sub[i], c->name,
				              shown ? shown : "");
				if (row->label)
					ha_buf_printf(&best_text, ", %s", row->label);
			}
		}
		free(shown);
		if (ck)
			evidence_value(x, c->hive, ck, c->name, v, row->label);
	}
	if (!k->nsub || k->state != HA_KEY_PRESENT) {
		r->status = c->none.status;
		ha_buf_printf(&r->obs, "%s: not found", ha_buf_cstr(&label));
		if (c->none.why)
			ha_buf_printf(&r->why, "%s.", c->none.why);
		else if (k->state == HA_KEY_PRESENT)
			ha_buf_printf(&r->why, "%s: no subkey of %s matches \"%s\".",
			              ha_buf_cstr(&label), k->ppath ? k->ppath : c->path, c->match);
		else
			ha_buf_printf(&r->why, "%s: %s does not exist.", ha_buf_cstr(&label),
			              k->ppath ? k->ppath : c->path);
		evidence_value(x, c->hive, k, NULL, NULL,
		               k->state == HA_KEY_PRESENT ? "no matching subkey" : k->error);
	} else {
		r->status = best;
		sep(&r->why, " ");
		ha_buf_printf(&r->why, "%s: %s", ha_buf_cstr(&label), ha_buf_cstr(&best_text));
		if (k->nsub > 1)
			ha_buf_printf(&r->why, " (the best of %zu matching subkeys%s)", k->nsub,
			              k->sub_truncated ? ", list truncated" : "");
		else if (k->sub_truncated)
			ha_buf_puts(&r->why, " (list truncated)");
		ha_buf_putc(&r->why, '.');
		ha_buf_puts(&r->why, ha_buf_cstr(&notes));
	}
	if (ha_buf_status(&notes) || ha_buf_status(&best_text))
		x->nomem = 1;
	ha_buf_free(&notes);
	ha_buf_free(&best_text);
	apply_trust(x, c->hive, r);
done:
	ha_buf_free(&label);
	ha_buf_free(&childpath);
}

/* ------------------------------------------------------- certificates */

#define CERT_CACHE_SLOTS    1024 /* a power of two */
#define CERT_CACHE_MAX_BLOB (64u << 10)

struct cert_entry {
	uint8_t *blob; /* NULL: empty slot */
	size_t len;
	uint64_t hash;
	int rc;
	struct ha_cert_info info;
	char msg[200];
};

struct ha_cert_cache {
	struct cert_entry slot[CERT_CACHE_SLOTS];
	size_t used;
};

int ha_cert_cache_new(struct ha_cert_cache **out, struct ha_err *err)
{
	*out = calloc(1, sizeof **out);
	return *out ? HA_OK : ha_err_nomem(err);
}

void ha_cert_cache_free(struct ha_cert_cache *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < CERT_CACHE_SLOTS; i++)
		free(c->slot[i].blob);
	free(c);
}

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

/* ha_certblob_parse through the memo (the whole blob is compared, so a
 * hash collision cannot return another blob's answer). */
static int parse_blob(struct eval_ctx *x, const uint8_t *p, size_t n, struct ha_cert_info *ci,
                      struct ha_err *e)
{
	struct ha_cert_cache *c = x->certs;
	struct cert_entry *en;
	uint64_t h;
	size_t i, probe;
	int rc;

	if (!c || n > CERT_CACHE_MAX_BLOB)
		return ha_certblob_parse(p, n, ci, e);
	h = fnv1a(p, n);
	for (probe = 0, i = (size_t)h & (CERT_CACHE_SLOTS - 1); probe < CERT_CACHE_SLOTS;
	     probe++, i = (i + 1) & (CERT_CACHE_SLOTS - 1)) {
		en = &c->slot[i];
		if (!en->blob)
			break;
		if (en->hash == h && en->len == n && memcmp(en->blob, p, n) == 0) {
			*ci = en->info;
			if (en->rc)
				return ha_err_set(e, en->rc, "%s", en->msg);
			return HA_OK;
		}
	}
	rc = ha_certblob_parse(p, n, ci, e);
	if (rc == HA_ERR_NOMEM || c->used * 2 >= CERT_CACHE_SLOTS)
		return rc; /* keep the table sparse; a full memo just stops growing */
	en = &c->slot[i];
	en->blob = malloc(n ? n : 1);
	if (!en->blob)
		return rc;
	memcpy(en->blob, p, n);
	en->len = n;
	en->hash = h;
	en->rc = rc;
	en->info = *ci;
	snprintf(en->msg, sizeof en->msg, "%.190s", rc ? e->msg : "");
	c->used++;
	return rc;
}

/* A store key that could not be read at all (its hive, or a broken cell on
 * the way to it). */
static int key_unreadable(const struct ha_key *k)
{
	return !k || k->state == HA_KEY_UNAVAILABLE || k->state == HA_KEY_ERROR;
}

/* A root is trusted when a copy that hashes to its thumbprint sits in one of
 * the trusted stores and the thumbprint is in no Disallowed store
 * (CONTRACT.md).  Order of verdicts: distrusted, found, cannot tell, expired,
 * missing (WARN or FAIL by the auto-update policy). */
void ha_ck_cert_eval(struct eval_ctx *x, const struct check *c, struct res *r)
{
	const struct ha_ruleset *rs = x->rs;
	struct ha_buf kp, notes;
	int found = 0, tampered = 0, expired = 0, disallowed = 0, autoupd_off = -1;
	const char *unreadable = NULL, *dis_unreadable = NULL, *au_why = NULL;
	char date[32], found_in[512] = "";
	size_t i;
	int64_t not_after = 0;
	const struct ha_key *au_key = NULL;
	const struct ha_value *au_val = NULL;

	ha_buf_init(&kp, 65536);
	ha_buf_init(&notes, 1 << 16);
	ha_buf_printf(&r->exp, "%s (%s) trusted", c->cert_name, c->thumb);

	/* Root auto-update policy: decides how bad a missing root is.  A
	 * value of another type than REG_DWORD is as undecided here as in
	 * the rule on the policy itself. */
	if (rs->has_autoupdate) {
		const struct ha_key *k =
		        ha_snapshot_key(x->s, rs->autoupdate.hive, rs->autoupdate.path);
		const struct ha_value *v = k && k->state == HA_KEY_PRESENT
		                                   ? ha_key_value(k, rs->autoupdate_name)
		                                   : NULL;
		uint32_t d;

		if (key_unreadable(k)) {
			au_why = k && k->error ? k->error : "its key was not read";
		} else if (!v) {
			autoupd_off = 0;
		} else if (v->error) {
			au_why = v->error;
		} else if (v->type == HA_REG_DWORD && ha_value_dword(v, &d) == HA_OK) {
			autoupd_off = d == rs->autoupdate_disabled;
		} else {
			au_why = "the policy value is not a REG_DWORD";
		}
		au_key = k;
		au_val = v;
	} else {
		autoupd_off = 0; /* no policy named by the rules: "missing" applies */
	}

	for (i = 0; i < rs->ntrusted; i++) {
		const struct ha_key *k;
		const struct ha_value *blob;
		struct ha_cert_info ci;
		struct ha_err e;

		ha_buf_truncate(&kp, 0);
		ha_buf_printf(&kp, "%s\\%s", rs->trusted[i].path, c->thumb);
		k = ha_snapshot_key(x->s, rs->trusted[i].hive, ha_buf_cstr(&kp));
		if (key_unreadable(k)) {
			if (!unreadable)
				unreadable = k && k->error ? k->error : "not read";
			if (k)
				evidence_value(x, rs->trusted[i].hive, k, NULL, NULL, NULL);
			continue;
		}
		if (k->state != HA_KEY_PRESENT) {
			evidence_value(x, rs->trusted[i].hive, k, NULL, NULL, "not in this store");
			continue;
		}
		blob = ha_key_value(k, "Blob");
		if (!blob || blob->error || blob->type != HA_REG_BINARY) {
			evidence_value(x, rs->trusted[i].hive, k, "Blob", blob,
			               "certificate key without a usable Blob: does not count");
			ha_buf_printf(&notes, " A key in %s has no usable Blob.",
			              rs->trusted[i].path);
			continue;
		}
		if (parse_blob(x, blob->data, blob->len, &ci, &e) != HA_OK) {
			if (e.code == HA_ERR_NOMEM)
				x->nomem = 1;
			evidence_value(x, rs->trusted[i].hive, k, "Blob", blob, e.msg);
			ha_buf_printf(&notes, " The Blob in %s does not parse (%s).",
			              rs->trusted[i].path, e.msg);
			continue;
		}
		if (strcmp(ci.thumbprint, c->thumb) != 0) {
			char note[200];

			tampered = 1;
			snprintf(note, sizeof note,
			         "tampered: the certificate hashes to %s, not to its key name",
			         ci.thumbprint);
			evidence_value(x, rs->trusted[i].hive, k, "Blob", blob, note);
			ha_buf_printf(&notes,
			              " The copy in %s is tampered (its content hashes to %s).",
			              rs->trusted[i].path, ci.thumbprint);
			continue;
		}
		{
			char note[400];

			ha_unix_iso(ci.not_after, date);
			snprintf(note, sizeof note, "%s; valid until %s", ci.subject, date);
			evidence_value(x, rs->trusted[i].hive, k, "Blob", blob, note);
		}
		if (ci.not_after < x->as_of) {
			expired = 1;
			not_after = ci.not_after;
			continue;
		}
		if (!found) {
			snprintf(found_in, sizeof found_in, "%s", rs->trusted[i].path);
			not_after = ci.not_after;
		}
		found = 1;
	}
	for (i = 0; i < rs->ndisallowed; i++) {
		const struct ha_key *k;

		ha_buf_truncate(&kp, 0);
		ha_buf_printf(&kp, "%s\\%s", rs->disallowed[i].path, c->thumb);
		k = ha_snapshot_key(x->s, rs->disallowed[i].hive, ha_buf_cstr(&kp));
		if (key_unreadable(k)) {
			if (!dis_unreadable)
				dis_unreadable = k && k->error ? k->error : "not read";
			if (k)
				evidence_value(x, rs->disallowed[i].hive, k, NULL, NULL, NULL);
		} else if (k->state == HA_KEY_PRESENT) {
			struct ha_evidence *e = evidence(x, rs->disallowed[i].hive, k);

			disallowed = 1;
			if (e) {
				e->value_type = dup_or_empty(x, "key");
				e->data = dup_or_empty(x, "");
				e->note = dup_or_empty(
				        x, "listed as Disallowed (explicitly distrusted)");
			}
		}
	}

	if (disallowed) {
		r->status = HA_FAIL;
		ha_buf_printf(&r->obs, "%s: in a Disallowed store", c->cert_name);
		ha_buf_printf(
		        &r->why,
		        "%s is explicitly distrusted: its thumbprint is in a Disallowed store.",
		        c->cert_name);
	} else if (found && dis_unreadable) {
		r->status = HA_UNKNOWN;
		ha_buf_printf(&r->obs, "%s: present in %s, Disallowed store not readable",
		              c->cert_name, found_in);
		ha_buf_printf(&r->why,
		              "%s is in %s, but whether it is distrusted cannot be told: a "
		              "Disallowed store could not be read (%s).",
		              c->cert_name, found_in, dis_unreadable);
	} else if (found) {
		ha_unix_iso(not_after, date);
		r->status = HA_PASS;
		ha_buf_printf(&r->obs, "%s: present in %s, valid until %s", c->cert_name, found_in,
		              date);
		ha_buf_printf(&r->why,
		              "%s is in %s, hashes to its thumbprint and is valid until %s.",
		              c->cert_name, found_in, date);
	} else if (unreadable) {
		r->status = HA_UNKNOWN;
		ha_buf_printf(&r->obs, "%s: stores not readable", c->cert_name);
		ha_buf_printf(&r->why,
		              "%s was not found, and a certificate store could not be read (%s).",
		              c->cert_name, unreadable);
	} else if (expired || (c->expires && c->expires < x->as_of)) {
		ha_unix_iso(expired ? not_after : c->expires, date);
		r->status = HA_WARN;
		ha_buf_printf(&r->obs, "%s: %s", c->cert_name,
		              expired ? "present but expired" : "not present");
		ha_buf_printf(&r->why,
		              "%s %s; it expired on %s and no longer satisfies trust (newer roots "
		              "are checked by their own rules).",
		              c->cert_name, expired ? "is present" : "is not present", date);
	} else {
		int st = autoupd_off == 1 ? c->missing_no_autoupdate : c->missing;

		if (au_key)
			evidence_value(x, rs->autoupdate.hive, au_key, rs->autoupdate_name, au_val,
			               "root auto-update policy");

		r->status = autoupd_off < 0 ? HA_UNKNOWN : st;
		ha_buf_printf(&r->obs, "%s: %s", c->cert_name,
		              tampered ? "only a tampered copy" : "not present");
		ha_buf_printf(&r->why, "%s is not in any machine root store%s", c->cert_name,
		              tampered ? " (a copy whose content does not match its thumbprint "
		                         "does not count)"
		                       : "");
		if (autoupd_off == 1)
			ha_buf_puts(&r->why,
			            ", and automatic root update is disabled by policy, so Windows "
			            "will not fetch it.");
		else if (autoupd_off == 0 && rs->has_autoupdate)
			ha_buf_puts(
			        &r->why,
			        "; automatic root update is allowed, so Windows can fetch it on "
			        "demand if the host reaches ctldl.windowsupdate.com.");
		else if (autoupd_off == 0)
			ha_buf_putc(&r->why, '.');
		else if (au_why)
			ha_buf_printf(&r->why,
			              "; whether automatic root update is allowed is unknown (%s).",
			              au_why);
		else
			ha_buf_puts(&r->why,
			            "; whether automatic root update is allowed is unknown.");
	}
	ha_buf_puts(&r->why, ha_buf_cstr(&notes));
	if (ha_buf_status(&notes))
		x->nomem = 1;
	apply_trust(x, HA_SOFTWARE, r);
	ha_buf_free(&kp);
	ha_buf_free(&notes);
}

/* ------------------------------------------------------------ OS rows */

static void os_evidence(struct eval_ctx *x)
{
	static const char *const names[] = {"ProductName",
	                                    "CurrentVersion",
	                                    "CurrentMajorVersionNumber",
	                                    "CurrentMinorVersionNumber",
	                                    "CurrentBuildNumber",
	                                    "CSDVersion"};
	const struct ha_key *k =
	        ha_snapshot_key(x->s, HA_SOFTWARE, "Microsoft\\Windows NT\\CurrentVersion");
	const struct ha_key *po =
	        ha_snapshot_key(x->s, HA_SYSTEM, "CurrentControlSet\\Control\\ProductOptions");
	size_t i;

	if (k) {
		for (i = 0; i < sizeof names / sizeof names[0]; i++) {
			const struct ha_value *v = ha_key_value(k, names[i]);

			if (v || i < 2)
				evidence_value(x, HA_SOFTWARE, k, names[i], v, NULL);
		}
	}
	if (po)
		evidence_value(x, HA_SYSTEM, po, "ProductType", ha_key_value(po, "ProductType"),
		               NULL);
}

static void arch_evidence(struct eval_ctx *x)
{
	const struct ha_key *k = ha_snapshot_key(
	        x->s, HA_SYSTEM, "CurrentControlSet\\Control\\Session Manager\\Environment");
	const struct ha_key *wow = ha_snapshot_key(x->s, HA_SOFTWARE, "Wow6432Node");

	if (k)
		evidence_value(x, HA_SYSTEM, k, "PROCESSOR_ARCHITECTURE",
		               ha_key_value(k, "PROCESSOR_ARCHITECTURE"), x->f->arch_source);
	if (wow && x->f->arch_source && strstr(x->f->arch_source, "inferred"))
		evidence_value(x, HA_SOFTWARE, wow, NULL, NULL, x->f->arch_source);
}

static void subst_why(struct ha_buf *b, const char *why, const struct ha_facts *f)
{
	const char *p;

	while ((p = strstr(why, "{os}"))) {
		ha_buf_add(b, why, (size_t)(p - why));
		ha_buf_puts(b, f->os_family);
		why = p + 4;
	}
	ha_buf_puts(b, why);
}

void ha_ck_os_eval(struct eval_ctx *x, const struct check *c, struct res *r)
{
	size_t i;

	ha_buf_puts(&r->exp, "an OS that supports TLS 1.2");
	os_evidence(x);
	if (!x->f->os_known) {
		r->status = HA_UNKNOWN;
		ha_buf_puts(&r->obs, "OS unknown");
		ha_buf_printf(&r->why, "Cannot tell the operating system: %s.", facts_gap(x));
		return;
	}
	ha_buf_printf(&r->obs, "%s (NT %d.%d, build %ld)", x->f->os_family, x->f->nt_major,
	              x->f->nt_minor, x->f->build);
	for (i = 0; i < c->nrows; i++) {
		int m = ha_cond_eval(&c->rows[i].when, x->f);

		if (m == C_UNKNOWN) {
			r->status = HA_UNKNOWN;
			ha_buf_printf(&r->why, "Cannot tell which row of the OS table applies: %s.",
			              facts_gap(x));
			return;
		}
		if (m == C_TRUE) {
			r->status = c->rows[i].status;
			subst_why(&r->why, c->rows[i].why, x->f);
			if (r->why.len && r->why.data[r->why.len - 1] != '.')
				ha_buf_putc(&r->why, '.');
			apply_trust(x, HA_SOFTWARE, r);
			return;
		}
	}
	r->status = HA_UNKNOWN;
	ha_buf_printf(&r->why, "No row of the OS table covers %s.", x->f->os_family);
}

/* --------------------------------------------------------------- hives */

void ha_ck_hives_eval(struct eval_ctx *x, const struct check *c, struct res *r)
{
	int role, worst = HA_PASS;

	for (role = 0; role < HA_NROLES; role++) {
		const struct ha_roleinfo *ri = &x->s->role[role];
		struct ha_evidence *e;
		int st;

		if (!(c->roles & (1u << role)))
			continue;
		switch (ri->status) {
		case HA_HS_OK:
		case HA_HS_REPLAYED: st = HA_PASS; break;
		case HA_HS_DIRTY:
		case HA_HS_DEGRADED: st = HA_WARN; break;
		default: st = HA_FAIL;
		}
		if (rank(st) < rank(worst))
			worst = st;
		sep(&r->obs, "; ");
		ha_buf_printf(&r->obs, "%s: %s", ha_role_name(role),
		              ha_hive_status_name(ri->status));
		sep(&r->exp, "; ");
		ha_buf_printf(&r->exp, "%s: ok or replayed", ha_role_name(role));
		sep(&r->why, " ");
		ha_buf_printf(&r->why, "%s hive %s%s%s.", ha_role_name(role),
		              ha_hive_status_name(ri->status), ri->reason ? ": " : "",
		              ri->reason ? ri->reason : "");
		e = evidence(x, role, NULL);
		if (e) {
			char note[160];
			int fi = ri->file >= 0 ? ri->file : ri->cand;

			e->key_path = dup_or_empty(x, fi >= 0 ? x->s->files[fi].path : "(no file)");
			if (fi >= 0 && x->s->files[fi].bb_valid) {
				const struct ha_hivefile *hf = &x->s->files[fi];

				snprintf(note, sizeof note, "sequence %u/%u, checksum %s",
				         hf->bb.seq1, hf->bb.seq2,
				         hf->bb.checksum_ok ? "ok" : "wrong");
				e->data = dup_or_empty(x, note);
			} else {
				e->data = dup_or_empty(x, "");
			}
			e->value_type = dup_or_empty(x, ha_hive_status_name(ri->status));
			e->note = dup_or_empty(x, ri->reason);
		}
	}
	r->status = worst;
}

/* -------------------------------------------------------- combinations */

static void eval_check(struct eval_ctx *x, const struct check *c, struct res *r);

static void join_child(struct res *r, const struct res *k, int kind)
{
	if (k->obs.len) {
		sep(&r->obs, "; ");
		ha_buf_puts(&r->obs, ha_buf_cstr(&k->obs));
	}
	if (k->exp.len && kind != CK_NONE) {
		sep(&r->exp, kind == CK_ANY ? " or " : "; ");
		ha_buf_puts(&r->exp, ha_buf_cstr(&k->exp));
	}
}

/* The status of a combination from how many children have each status. */
static int combine(int kind, const int have[HA_NSTATUS])
{
	if (kind == CK_ALL)
		return have[HA_FAIL]      ? HA_FAIL
		       : have[HA_UNKNOWN] ? HA_UNKNOWN
		       : have[HA_WARN]    ? HA_WARN
		                          : HA_PASS;
	if (kind == CK_ANY)
		return have[HA_PASS]      ? HA_PASS
		       : have[HA_WARN]    ? HA_WARN
		       : have[HA_UNKNOWN] ? HA_UNKNOWN
		                          : HA_FAIL;
	/* CK_NONE: each child is a predicate that should not hold */
	return (have[HA_PASS] || have[HA_WARN]) ? HA_FAIL : have[HA_UNKNOWN] ? HA_UNKNOWN : HA_PASS;
}

void ha_ck_combo_eval(struct eval_ctx *x, const struct check *c, struct res *r)
{
	struct res *kids;
	size_t i, napplicable = 0;
	int have[HA_NSTATUS] = {0}, have_stored[HA_NSTATUS] = {0};

	kids = calloc(c->nkids, sizeof *kids);
	if (!kids) {
		x->nomem = 1;
		r->status = HA_UNKNOWN;
		return;
	}
	for (i = 0; i < c->nkids; i++) {
		res_init(&kids[i]);
		eval_check(x, &c->kids[i], &kids[i]);
		if (kids[i].status != HA_NOT_APPLICABLE) {
			napplicable++;
			have[kids[i].status]++;
			have_stored[stored_of(&kids[i])]++;
			r->untrusted |= kids[i].untrusted;
			join_child(r, &kids[i], c->kind);
		}
	}
	if (!napplicable) {
		r->status = HA_NOT_APPLICABLE;
	} else {
		r->status = combine(c->kind, have);
		r->stored = combine(c->kind, have_stored);
	}
	/* The reason: the children that decided the outcome. */
	for (i = 0; i < c->nkids; i++) {
		const struct res *k = &kids[i];
		int decisive;

		if (k->status == HA_NOT_APPLICABLE)
			continue;
		if (c->kind == CK_NONE)
			decisive = r->status == HA_FAIL
			                   ? (k->status == HA_PASS || k->status == HA_WARN)
			           : r->status == HA_UNKNOWN ? k->status == HA_UNKNOWN
			                                     : 1;
		else
			decisive = r->status == HA_PASS && c->kind == CK_ALL
			                   ? 1
			                   : k->status == r->status;
		if (!decisive || !k->why.len)
			continue;
		sep(&r->why, " ");
		if (c->kind == CK_NONE) {
			/* Each child is a predicate; say which hold, with their
			 * observed values (the full reasoning is in evidence). */
			const char *m = c->kids[i].meaning ? c->kids[i].meaning : "met";

			ha_buf_printf(&r->why, "%s is %s%s (%s).",
			              c->kids[i].label ? c->kids[i].label : "?",
			              k->status == HA_PASS || k->status == HA_WARN ? ""
			              : k->status == HA_FAIL                       ? "not "
			                                                           : "perhaps ",
			              m, ha_buf_cstr(&k->obs));
			continue;
		}
		ha_buf_puts(&r->why, ha_buf_cstr(&k->why));
	}
	if (c->kind == CK_NONE) {
		ha_buf_puts(&r->exp, "none of: ");
		for (i = 0; i < c->nkids; i++)
			ha_buf_printf(&r->exp, "%s%s", i ? ", " : "",
			              c->kids[i].label ? c->kids[i].label : "?");
	}
	/* Observed, in the rule's own words ("offered by the client: SSL 3.0,
	 * TLS 1.0"); the children of one `none` share a meaning in practice,
	 * the first one's is used. */
	if (c->kind == CK_NONE && (r->status == HA_FAIL || r->status == HA_PASS)) {
		const char *m = c->nkids && c->kids[0].meaning ? c->kids[0].meaning : "met";
		struct ha_buf list;

		ha_buf_init(&list, 4096);
		for (i = 0; i < c->nkids; i++)
			if (kids[i].status == HA_PASS || kids[i].status == HA_WARN) {
				sep(&list, ", ");
				ha_buf_puts(&list, c->kids[i].label ? c->kids[i].label : "?");
			}
		ha_buf_truncate(&r->obs, 0);
		if (r->status == HA_FAIL)
			ha_buf_printf(&r->obs, "%s: %s", m, ha_buf_cstr(&list));
		else
			ha_buf_printf(&r->obs, "none %s", m);
		if (ha_buf_status(&list))
			x->nomem = 1;
		ha_buf_free(&list);
	}
	for (i = 0; i < c->nkids; i++) {
		if (res_failed(&kids[i]))
			x->nomem = 1;
		res_free(&kids[i]);
	}
	free(kids);
}

void ha_ck_cases_eval(struct eval_ctx *x, const struct check *c, struct res *r)
{
	size_t i;

	for (i = 0; i < c->nkids; i++) {
		int m = ha_cond_eval(&c->conds[i], x->f);

		if (m == C_UNKNOWN) {
			r->status = HA_UNKNOWN;
			ha_buf_puts(&r->obs, "OS unknown");
			ha_buf_printf(&r->why, "Cannot tell which case of the rule applies: %s.",
			              facts_gap(x));
			os_evidence(x);
			return;
		}
		if (m == C_TRUE) {
			eval_check(x, &c->kids[i], r);
			return;
		}
	}
	r->status = HA_NOT_APPLICABLE;
	ha_buf_puts(&r->obs, x->f->os_family);
	ha_buf_printf(&r->why, "No case of this rule covers %s.", x->f->os_family);
	os_evidence(x);
}

static void eval_check(struct eval_ctx *x, const struct check *c, struct res *r)
{
	c->ops->eval(x, c, r);
}

/* ---------------------------------------------------------------- rules */

/* A condition in words, for rules without `describe`: "NT 6.1 to 6.2,
 * servers, x64". */
void ha_cond_describe(struct ha_buf *b, const struct cond *c)
{
	static const char *const products[] = {"", "clients", "servers", "domain controllers"};
	static const char *const arches[] = {"", "x86", "x64", "IA64", "ARM64"};
	size_t start = b->len, i;
	int k;

	if (c->describe) {
		ha_buf_puts(b, c->describe);
		return;
	}
	if (c->has_nt_min && c->has_nt_max && c->nt_min[0] == c->nt_max[0] &&
	    c->nt_min[1] == c->nt_max[1])
		ha_buf_printf(b, "NT %d.%d", c->nt_min[0], c->nt_min[1]);
	else if (c->has_nt_min && c->has_nt_max)
		ha_buf_printf(b, "NT %d.%d to %d.%d", c->nt_min[0], c->nt_min[1], c->nt_max[0],
		              c->nt_max[1]);
	else if (c->has_nt_min)
		ha_buf_printf(b, "NT %d.%d and later", c->nt_min[0], c->nt_min[1]);
	else if (c->has_nt_max)
		ha_buf_printf(b, "NT %d.%d and earlier", c->nt_max[0], c->nt_max[1]);
	if (c->build_min >= 0 && c->build_max >= 0) {
		sep_from(b, start, ", ");
		ha_buf_printf(b, "builds %ld to %ld", c->build_min, c->build_max);
	} else if (c->build_min >= 0) {
		sep_from(b, start, ", ");
		ha_buf_printf(b, "build %ld and later", c->build_min);
	} else if (c->build_max >= 0) {
		sep_from(b, start, ", ");
		ha_buf_printf(b, "build %ld and earlier", c->build_max);
	}
	if (c->sp_min >= 0) {
		sep_from(b, start, ", ");
		ha_buf_printf(b, "service pack %d or later", c->sp_min);
	}
	if (c->sp_max >= 0) {
		sep_from(b, start, ", ");
		ha_buf_printf(b, "service pack %d or earlier", c->sp_max);
	}
	/* "server" sets the domain-controller bit too: name the widest word. */
	if (c->products) {
		sep_from(b, start, ", ");
		for (k = HA_PRODUCT_CLIENT, i = 0; k <= HA_PRODUCT_DC; k++) {
			if (!(c->products & (1u << k)) ||
			    (k == HA_PRODUCT_DC && (c->products & (1u << HA_PRODUCT_SERVER))))
				continue;
			ha_buf_printf(b, "%s%s", i++ ? " and " : "", products[k]);
		}
	}
	if (c->arches == ((1u << HA_ARCH_X64) | (1u << HA_ARCH_IA64) | (1u << HA_ARCH_ARM64))) {
		sep_from(b, start, ", ");
		ha_buf_puts(b, "64-bit");
	} else if (c->arches) {
		sep_from(b, start, ", ");
		for (k = HA_ARCH_X86, i = 0; k <= HA_ARCH_ARM64; k++)
			if (c->arches & (1u << k))
				ha_buf_printf(b, "%s%s", i++ ? " or " : "", arches[k]);
	}
	if (c->nany) {
		sep_from(b, start, ", ");
		ha_buf_puts(b, "one of: ");
		for (i = 0; i < c->nany; i++) {
			if (i)
				ha_buf_puts(b, "; ");
			ha_cond_describe(b, &c->any[i]);
		}
	}
	if (b->len == start)
		ha_buf_puts(b, "all hosts");
}

static int eval_rule(struct eval_ctx *x, const struct rule *rl, struct ha_finding *fd)
{
	struct res r;
	int app = ha_cond_eval(&rl->applies, x->f);

	res_init(&r);
	x->fd = fd;
	if (app != C_TRUE)
		os_evidence(x); /* the facts that decided applicability */
	if (app == C_FALSE) {
		r.status = HA_NOT_APPLICABLE;
		ha_buf_puts(&r.why, "Applies to ");
		ha_cond_describe(&r.why, &rl->applies);
		ha_buf_printf(&r.why, "; this host is %s.", x->f->os_family);
		ha_buf_printf(&r.obs, "%s", x->f->os_family);
	} else if (app == C_UNKNOWN) {
		r.status = HA_UNKNOWN;
		ha_buf_printf(&r.why, "Cannot tell whether the rule applies: %s.", facts_gap(x));
		ha_buf_puts(&r.obs, "OS unknown");
	} else if (rl->view && x->f->arch == HA_ARCH_X86) {
		arch_evidence(x);
		r.status = HA_NOT_APPLICABLE;
		ha_buf_puts(&r.why,
		            "A 32-bit OS has no separate 32-bit registry view (Wow6432Node).");
		ha_buf_puts(&r.obs, "x86");
	} else if (rl->view && x->f->arch == HA_ARCH_UNKNOWN) {
		arch_evidence(x);
		r.status = HA_UNKNOWN;
		ha_buf_printf(&r.why, "Cannot tell whether the host is 64-bit: %s.", facts_gap(x));
		ha_buf_puts(&r.obs, "architecture unknown");
	} else {
		int stored;

		eval_check(x, &rl->check, &r);
		stored = stored_of(&r);
		if (r.status == HA_FAIL)
			r.status = rl->fail_status;
		if (stored == HA_FAIL)
			stored = rl->fail_status;
		trust_note(x, &r, stored);
	}
	/* Evidence read from a replayed hive says so: the value came from the
	 * logs' recovery, not from the file as stored. */
	{
		size_t i;

		for (i = 0; i < fd->nev; i++) {
			struct ha_evidence *e = &fd->ev[i];
			int fi;
			char *note;

			if (e->role < 0)
				continue;
			fi = x->s->role[e->role].file;
			if (fi < 0 || x->s->files[fi].status != HA_HS_REPLAYED)
				continue;
			note = ha_asprintf("%s%sread after replaying the hive's logs (%s)",
			                   e->note ? e->note : "", e->note && *e->note ? "; " : "",
			                   x->s->files[fi].replay ? x->s->files[fi].replay : "");
			if (!note) {
				x->nomem = 1;
				break;
			}
			free(e->note);
			e->note = note;
		}
	}
	fd->rule_id = ha_strdup(rl->id);
	fd->severity = ha_strdup(rl->severity);
	fd->title = ha_strdup(rl->title);
	fd->category = ha_strdup(rl->category);
	fd->status = r.status;
	fd->observed = ha_strdup(ha_buf_cstr(&r.obs));
	fd->expected = ha_strdup(ha_buf_cstr(&r.exp));
	fd->reason = ha_strdup(ha_buf_cstr(&r.why));
	if (res_failed(&r) || !fd->rule_id || !fd->severity || !fd->title || !fd->category ||
	    !fd->observed || !fd->expected || !fd->reason)
		x->nomem = 1;
	res_free(&r);
	return x->nomem ? HA_ERR_NOMEM : HA_OK;
}

static void set_verdict(const struct ha_ruleset *rs, struct ha_findings *out)
{
	struct ha_buf failing, unknown;
	size_t i;
	int integrity_bad = 0;

	ha_buf_init(&failing, 1 << 16);
	ha_buf_init(&unknown, 1 << 16);
	for (i = 0; i < out->n; i++) {
		const struct ha_finding *f = &out->v[i];

		if (rs->rules[i]->info.decides) {
			if (f->status == HA_FAIL) {
				sep(&failing, ", ");
				ha_buf_puts(&failing, f->rule_id);
			} else if (f->status == HA_UNKNOWN) {
				sep(&unknown, ", ");
				ha_buf_puts(&unknown, f->rule_id);
			}
		} else if (rs->rules[i]->info.integrity && f->status == HA_FAIL) {
			integrity_bad = 1;
		}
	}
	if (failing.len) {
		out->verdict = HA_NOT_READY;
		out->verdict_reason = ha_asprintf("failing: %s", ha_buf_cstr(&failing));
	} else if (unknown.len || integrity_bad) {
		out->verdict = HA_VERDICT_UNKNOWN;
		out->verdict_reason = ha_asprintf(
		        "undetermined: %s", unknown.len ? ha_buf_cstr(&unknown)
		                                        : "the hives are missing or unreadable");
	} else {
		out->verdict = HA_READY;
		out->verdict_reason = ha_strdup("every prerequisite is met");
	}
	ha_buf_free(&failing);
	ha_buf_free(&unknown);
}

int ha_rules_evaluate(const struct ha_ruleset *rs, const struct ha_snapshot *s,
                      const struct ha_facts *facts, const struct ha_eval_opts *opts,
                      struct ha_findings *out, struct ha_err *err)
{
	struct eval_ctx x;
	size_t i;

	memset(&x, 0, sizeof x);
	x.rs = rs;
	x.s = s;
	x.f = facts;
	x.as_of = opts ? opts->as_of : 0;
	x.certs = opts ? opts->certs : NULL;
	x.err = err;
	for (i = 0; i < rs->nrules; i++) {
		struct ha_finding *fd = ha_findings_add(out);

		if (!fd || eval_rule(&x, rs->rules[i], fd) != HA_OK)
			return ha_err_nomem(err);
	}
	set_verdict(rs, out);
	if (!out->verdict_reason)
		return ha_err_nomem(err);
	return HA_OK;
}

/* ------------------------------------------------------------- requests */

static int check_requests(const struct ha_ruleset *rs, const struct check *c, struct ha_reqset *req,
                          struct ha_err *err)
{
	return c->ops->requests ? c->ops->requests(rs, c, req, err) : HA_OK;
}

int ha_ck_kids_requests(const struct ha_ruleset *rs, const struct check *c, struct ha_reqset *req,
                        struct ha_err *err)
{
	size_t i;
	int rc = HA_OK;

	for (i = 0; i < c->nkids && !rc; i++)
		rc = check_requests(rs, &c->kids[i], req, err);
	return rc;
}

int ha_ck_value_requests(const struct ha_ruleset *rs, const struct check *c, struct ha_reqset *req,
                         struct ha_err *err)
{
	(void)rs;
	return ha_reqset_add(req, c->hive, c->path, NULL, c->name, err);
}

int ha_ck_key_requests(const struct ha_ruleset *rs, const struct check *c, struct ha_reqset *req,
                       struct ha_err *err)
{
	size_t i;
	int rc;

	(void)rs;
	rc = ha_reqset_add(req, c->hive, c->path, NULL, NULL, err);
	for (i = 0; i < c->nshow && !rc; i++)
		rc = ha_reqset_add(req, c->hive, c->path, NULL, c->show[i], err);
	return rc;
}

int ha_ck_subkeys_requests(const struct ha_ruleset *rs, const struct check *c,
                           struct ha_reqset *req, struct ha_err *err)
{
	(void)rs;
	return ha_reqset_add(req, c->hive, c->path, c->match, c->name, err);
}

int ha_ck_cert_requests(const struct ha_ruleset *rs, const struct check *c, struct ha_reqset *req,
                        struct ha_err *err)
{
	struct ha_buf kp;
	size_t i;
	int rc = HA_OK;

	ha_buf_init(&kp, 65536);
	for (i = 0; i < rs->ntrusted && !rc; i++) {
		ha_buf_truncate(&kp, 0);
		ha_buf_printf(&kp, "%s\\%s", rs->trusted[i].path, c->thumb);
		rc = ha_reqset_add(req, rs->trusted[i].hive, ha_buf_cstr(&kp), NULL, "Blob", err);
	}
	for (i = 0; i < rs->ndisallowed && !rc; i++) {
		ha_buf_truncate(&kp, 0);
		ha_buf_printf(&kp, "%s\\%s", rs->disallowed[i].path, c->thumb);
		rc = ha_reqset_add(req, rs->disallowed[i].hive, ha_buf_cstr(&kp), NULL, NULL, err);
	}
	ha_buf_free(&kp);
	if (!rc && rs->has_autoupdate)
		rc = ha_reqset_add(req, rs->autoupdate.hive, rs->autoupdate.path, NULL,
		                   rs->autoupdate_name, err);
	return rc;
}

int ha_rules_requests(const struct ha_ruleset *rs, struct ha_reqset *req, struct ha_err *err)
{
	size_t i;
	int rc = ha_facts_requests(req, err);

	for (i = 0; i < rs->nrules && !rc; i++)
		rc = check_requests(rs, &rs->rules[i]->check, req, err);
	return rc;
}

/* -------------------------------- shared with kinds in their own files */

const struct ha_snapshot *ha_ev_snapshot(const struct eval_ctx *x)
{
	return x->s;
}
const struct ha_facts *ha_ev_facts(const struct eval_ctx *x)
{
	return x->f;
}
const char *ha_ev_facts_gap(const struct eval_ctx *x)
{
	return facts_gap(x);
}
void ha_ev_nomem(struct eval_ctx *x)
{
	x->nomem = 1;
}
void ha_ev_os_evidence(struct eval_ctx *x)
{
	os_evidence(x);
}

void ha_ev_evidence_value(struct eval_ctx *x, int role, const struct ha_key *k, const char *name,
                          const struct ha_value *v, const char *note)
{
	evidence_value(x, role, k, name, v, note);
}

void ha_ev_evidence_note(struct eval_ctx *x, const char *what, const char *name, const char *type,
                         const char *data, const char *note)
{
	struct ha_evidence *e = evidence(x, -1, NULL);

	if (!e)
		return;
	e->key_path = dup_or_empty(x, what);
	e->value_name = dup_or_empty(x, name);
	e->value_type = dup_or_empty(x, type);
	e->data = dup_or_empty(x, data);
	e->last_write = dup_or_empty(x, "");
	e->note = dup_or_empty(x, note);
}

void ha_ev_apply_trust(struct eval_ctx *x, int role, struct res *r)
{
	apply_trust(x, role, r);
}
