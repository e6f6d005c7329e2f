/* rules_internal.h: the compiled form of rule files, shared by the loader
 * (load.c) and the evaluator (eval.c).  Nothing outside rules/ sees it. */
#ifndef HA_RULES_INTERNAL_H
#define HA_RULES_INTERNAL_H

#include "ha_rules.h"

/* Tri-state logic for conditions on facts that may be unknown. */
enum { C_FALSE = 0, C_TRUE = 1, C_UNKNOWN = 2 };

/* A condition on host facts ("when", "applies"). */
struct cond {
	int set; /* any field given */
	int nt_min[2], nt_max[2];
	int has_nt_min, has_nt_max;
	long build_min, build_max; /* -1 = unset */
	int sp_min, sp_max;        /* -1 = unset */
	unsigned products;         /* bit per enum ha_product; 0 = any */
	unsigned arches;           /* bit per enum ha_arch; 0 = any */
	struct cond *any;          /* alternatives, OR'ed */
	size_t nany;
	char *describe;
};

/* A comparison applied to a value. */
enum test_op { T_EXISTS, T_NONZERO, T_EQ, T_NE, T_BITS, T_ONEOF, T_GE, T_LE };
struct test {
	enum test_op op;
	int is_str;
	uint64_t num;
	char *str;
	uint64_t *nums;
	char **strs;
	size_t nlist;
};

/* What an absent (or wrongly typed) value means. */
enum outcome_kind { O_STATUS, O_DEFAULT, O_AS_ABSENT };
struct outcome {
	enum outcome_kind kind;
	int status;
	char *why;
	const struct table *table; /* O_DEFAULT */
};

/* A per-OS table of defaults: first row whose condition holds. */
struct table_row {
	struct cond when;
	int unknown; /* the default is not known for these hosts */
	uint64_t value;
	char *why;
};
struct table {
	char *name;
	struct table_row *rows;
	size_t nrows;
};

/* Type masks for value checks. */
enum {
	TY_DWORD = 1u << 0,
	TY_QWORD = 1u << 1,
	TY_SZ = 1u << 2,
	TY_MULTI = 1u << 3,
	TY_BINARY = 1u << 4,
	TY_ANY = 0xFFu,
};

/* The built-in kinds that code outside their own functions tells apart
 * (combinations, and the evaluator's summary of a `none`).  A kind added in
 * its own file uses CK_OTHER and is known by its `ops`. */
enum check_kind {
	CK_ALL,
	CK_ANY,
	CK_NONE,
	CK_VALUE,
	CK_KEY,
	CK_SUBKEYS,
	CK_CERT,
	CK_OS,
	CK_HIVES,
	CK_CASES,
	CK_OTHER
};

struct check_kind_ops;

struct state_row {
	struct test test;
	int status;
	char *label;
	char *note;
};

struct os_row {
	struct cond when;
	int status;
	char *why;
};

struct check {
	enum check_kind kind;
	const struct check_kind_ops *ops; /* the table row of its kind */
	void *priv;                       /* a kind's own compiled data (freed by ops->free) */
	char *label;
	char *meaning; /* what "holds" means for this check ("offered"), for none */
	int line;
	/* CK_ALL, CK_ANY, CK_NONE, CK_CASES (kids[i] guarded by conds[i]) */
	struct check *kids;
	struct cond *conds;
	size_t nkids;
	/* CK_VALUE, CK_KEY, CK_SUBKEYS */
	int hive;
	char *path; /* hive-relative, logical */
	char *name; /* value name */
	char *note; /* CK_VALUE: said after the reason when the test does not hold */
	unsigned types;
	struct test test;
	struct outcome absent, wrong_type, present;
	char **show; /* CK_KEY: values to report */
	size_t nshow;
	/* CK_SUBKEYS */
	char *match;
	struct state_row *states;
	size_t nstates;
	struct state_row other;
	struct outcome none;
	/* CK_CERT */
	char thumb[41];
	char *cert_name;
	int64_t expires; /* 0 = unknown */
	int missing, missing_no_autoupdate;
	/* CK_OS */
	struct os_row *rows;
	size_t nrows;
	/* CK_HIVES */
	unsigned roles;
};

/* A registry key under HKLM named by its hive and its path inside it: a
 * certificate store (trusted, disallowed) or the root auto-update policy
 * key. */
struct hklm_key {
	int hive;
	char *path;
};

struct rule {
	struct ha_rule_info info;
	char *id, *title, *severity, *category, *source, *applies_text, *remedy, *reg, *origin;
	struct cond applies;
	int fail_status; /* what FAIL becomes (informational rules: WARN) */
	int view;        /* 0 native, 1 32-bit view */
	struct check check;
};

struct ha_ruleset {
	struct rule **rules;
	size_t nrules;
	struct table **tables;
	size_t ntables;
	/* certificate stores: the keys whose subkeys are certificates */
	struct hklm_key *trusted, *disallowed;
	size_t ntrusted, ndisallowed;
	int has_autoupdate;
	struct hklm_key autoupdate;
	char *autoupdate_name;
	uint64_t autoupdate_disabled;
	struct ha_buf sources; /* concatenated rule file texts, for the digest */
	char digest[65];
};

/* ------------------------------------------------------- check kinds
 *
 * A check kind is one row of ha_check_kinds (kinds.c): the word that names
 * it in a rule file and four functions.  A new kind is a file that defines
 * its `struct check_kind_ops` and one row in the table; nothing else in
 * load.c or eval.c changes.  The functions below give such a file the
 * loader's and the evaluator's common pieces. */
struct ld;          /* load.c: one rule file being compiled */
struct yaml_node_s; /* libyaml's node */
struct eval_ctx;    /* eval.c: one host being evaluated */

/* The result of one check on one host: status, observed and expected text
 * and the reason, with the trust bookkeeping of eval.c's header comment. */
struct res {
	int status;
	int stored;         /* the verdict of the stored data, when untrusted != 0 */
	unsigned untrusted; /* bit per role whose hive was read but is not trusted */
	struct ha_buf obs, exp, why;
};

struct check_kind_ops {
	const char *name;     /* the key in a rule file */
	enum check_kind kind; /* CK_OTHER unless the kind is one of the built-ins */
	/* Compiles the kind's node `n` into `c` (c->kind and c->ops are set). */
	int (*parse)(struct ld *l, const struct yaml_node_s *n, struct check *c, int depth);
	/* Evaluates `c` on the host; fills `r` (initialised, status PASS). */
	void (*eval)(struct eval_ctx *x, const struct check *c, struct res *r);
	/* Adds to `req` what `c` reads; NULL when it reads only host facts. */
	int (*requests)(const struct ha_ruleset *rs, const struct check *c, struct ha_reqset *req,
	                struct ha_err *err);
	/* Frees c->priv; NULL when the kind keeps nothing there. */
	void (*free)(struct check *c);
};

/* The table, NULL-terminated, and lookup by name (NULL when unknown). */
extern const struct check_kind_ops *const ha_check_kinds[];
const struct check_kind_ops *ha_check_kind_named(const char *name);

/* The kinds (parse in load.c, eval and requests in eval.c, the suite list
 * kind in suites.c). */
int ha_ck_list_parse(struct ld *l, const struct yaml_node_s *n, struct check *c, int depth);
int ha_ck_value_parse(struct ld *l, const struct yaml_node_s *n, struct check *c, int depth);
int ha_ck_key_parse(struct ld *l, const struct yaml_node_s *n, struct check *c, int depth);
int ha_ck_subkeys_parse(struct ld *l, const struct yaml_node_s *n, struct check *c, int depth);
int ha_ck_cert_parse(struct ld *l, const struct yaml_node_s *n, struct check *c, int depth);
int ha_ck_os_parse(struct ld *l, const struct yaml_node_s *n, struct check *c, int depth);
int ha_ck_hives_parse(struct ld *l, const struct yaml_node_s *n, struct check *c, int depth);
int ha_ck_cases_parse(struct ld *l, const struct yaml_node_s *n, struct check *c, int depth);
void ha_ck_combo_eval(struct eval_ctx *x, const struct check *c, struct res *r);
void ha_ck_value_eval(struct eval_ctx *x, const struct check *c, struct res *r);
void ha_ck_key_eval(struct eval_ctx *x, const struct check *c, struct res *r);
void ha_ck_subkeys_eval(struct eval_ctx *x, const struct check *c, struct res *r);
void ha_ck_cert_eval(struct eval_ctx *x, const struct check *c, struct res *r);
void ha_ck_os_eval(struct eval_ctx *x, const struct check *c, struct res *r);
void ha_ck_hives_eval(struct eval_ctx *x, const struct check *c, struct res *r);
void ha_ck_cases_eval(struct eval_ctx *x, const struct check *c, struct res *r);
int ha_ck_kids_requests(const struct ha_ruleset *rs, const struct check *c, struct ha_reqset *req,
                        struct ha_err *err);
int ha_ck_value_requests(const struct ha_ruleset *rs, const struct check *c, struct ha_reqset *req,
                         struct ha_err *err);
int ha_ck_key_requests(const struct ha_ruleset *rs, const struct check *c, struct ha_reqset *req,
                       struct ha_err *err);
int ha_ck_subkeys_requests(const struct ha_ruleset *rs, const struct check *c,
                           struct ha_reqset *req, struct ha_err *err);
int ha_ck_cert_requests(const struct ha_ruleset *rs, const struct check *c, struct ha_reqset *req,
                        struct ha_err *err);
extern const struct check_kind_ops ha_kind_suites; /* suites.c */

/* The loader's pieces for a kind's parse (load.c). */
int ha_ld_fail(struct ld *l, const struct yaml_node_s *n, const char *fmt, ...) HA_PRINTF(3, 4);
int ha_ld_nomem(struct ld *l);
int ha_ld_visit(struct ld *l, const struct yaml_node_s *n, int depth);
/* The value node of `key` in mapping `map`, or NULL. */
const struct yaml_node_s *ha_ld_get(struct ld *l, const struct yaml_node_s *map, const char *key);
/* Refuses keys outside the NULL-terminated `allowed`, and duplicates. */
int ha_ld_only_keys(struct ld *l, const struct yaml_node_s *map, const char *const *allowed);
/* Optional or required text field, validated as the loader does (*out NULL
 * when absent). */
int ha_ld_text(struct ld *l, const struct yaml_node_s *map, const char *key, int required,
               char **out);
/* A registry path field (`key`) into hive and logical path; the 32-bit
 * variant's SOFTWARE paths gain Wow6432Node as for value checks. */
int ha_ld_path(struct ld *l, const struct yaml_node_s *map, const char *key, int *hive,
               char **path);
int ha_ld_cond(struct ld *l, const struct yaml_node_s *n, struct cond *c, int depth);
void ha_ld_cond_init(struct cond *c);
void ha_ld_cond_free(struct cond *c);
/* Sequence access: number of items and item i (a node), scalar text. */
int ha_ld_is_seq(const struct yaml_node_s *n);
int ha_ld_is_map(const struct yaml_node_s *n);
size_t ha_ld_seq_len(const struct yaml_node_s *n);
const struct yaml_node_s *ha_ld_seq_item(struct ld *l, const struct yaml_node_s *n, size_t i);
/* The text of a scalar without a NUL in it, else NULL. */
const char *ha_ld_scalar(const struct yaml_node_s *n);
/* The key and value nodes of pair i of a mapping. */
size_t ha_ld_map_len(const struct yaml_node_s *n);
const struct yaml_node_s *ha_ld_map_key(struct ld *l, const struct yaml_node_s *n, size_t i);
const struct yaml_node_s *ha_ld_map_value(struct ld *l, const struct yaml_node_s *n, size_t i);

/* The evaluator's pieces for a kind's eval (eval.c). */
const struct ha_snapshot *ha_ev_snapshot(const struct eval_ctx *x);
const struct ha_facts *ha_ev_facts(const struct eval_ctx *x);
/* Why a fact a condition needs is unknown. */
const char *ha_ev_facts_gap(const struct eval_ctx *x);
void ha_ev_nomem(struct eval_ctx *x);
/* Evidence for a value (`name` NULL: the key itself); `v` NULL: absent. */
void ha_ev_evidence_value(struct eval_ctx *x, int role, const struct ha_key *k, const char *name,
                          const struct ha_value *v, const char *note);
/* A derived evidence row (role -1): what, a name, a type word, the data. */
void ha_ev_evidence_note(struct eval_ctx *x, const char *what, const char *name, const char *type,
                         const char *data, const char *note);
/* Records the OS facts that decided something as evidence. */
void ha_ev_os_evidence(struct eval_ctx *x);
/* Makes `r` UNKNOWN when the hive of `role` was read but is not trusted. */
void ha_ev_apply_trust(struct eval_ctx *x, int role, struct res *r);

void ha_rule_free(struct rule *r);
void ha_table_free(struct table *t);

/* eval.c */
int ha_cond_eval(const struct cond *c, const struct ha_facts *f);
/* Appends the condition in words: its `describe`, else its fields ("NT 6.1
 * to 6.2, servers"), "all hosts" for an empty condition. */
void ha_cond_describe(struct ha_buf *b, const struct cond *c);

#endif
