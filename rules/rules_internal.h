/* rules_internal.h: the compiled form of rule files, shared by the loader
 * (load.c) and the evaluator (eval.c).  Nothing outside rules/ sees it. */
#ifndef HA_RULES_INTERNAL_H
#define HA_RULES_INTERNAL_H

#include "ha_rules.h"

/* Tri-state logic for conditions on facts that may be unknown. */
enum { C_FALSE = 0, C_TRUE = 1, C_UNKNOWN = 2 };

/* A condition on host facts ("when", "applies"). */
struct cond {
	int set;               /* any field given */
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
	int unknown;         /* the default is not known for these hosts */
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

enum check_kind {
	CK_ALL, CK_ANY, CK_NONE, CK_VALUE, CK_KEY, CK_SUBKEYS, CK_CERT, CK_OS, CK_HIVES, CK_CASES
};

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
	char *label;
	char *meaning;  /* what "holds" means for this check ("offered"), for none */
	int line;
	/* CK_ALL, CK_ANY, CK_NONE, CK_CASES (kids[i] guarded by conds[i]) */
	struct check *kids;
	struct cond *conds;
	size_t nkids;
	/* CK_VALUE, CK_KEY, CK_SUBKEYS */
	int hive;
	char *path;     /* hive-relative, logical */
	char *name;     /* value name */
	unsigned types;
	struct test test;
	struct outcome absent, wrong_type, present;
	char **show;    /* CK_KEY: values to report */
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

struct store_path {
	int hive;
	char *path;
};

struct rule {
	struct ha_rule_info info;
	char *id, *title, *severity, *category, *source, *applies_text, *remedy, *reg, *origin;
	struct cond applies;
	int fail_status;  /* what FAIL becomes (informational rules: WARN) */
	int view;         /* 0 native, 1 32-bit view */
	struct check check;
};

struct ha_ruleset {
	struct rule **rules;
	size_t nrules;
	struct table **tables;
	size_t ntables;
	/* certificate stores */
	struct store_path *trusted, *disallowed;
	size_t ntrusted, ndisallowed;
	int has_autoupdate;
	struct store_path autoupdate;
	char *autoupdate_name;
	uint64_t autoupdate_disabled;
	struct ha_buf sources; /* concatenated rule file texts, for the digest */
	char digest[65];
};

void ha_rule_free(struct rule *r);
void ha_table_free(struct table *t);

/* eval.c */
int ha_cond_eval(const struct cond *c, const struct ha_facts *f);
/* Appends the condition in words: its `describe`, else its fields ("NT 6.1
 * to 6.2, servers"), "all hosts" for an empty condition. */
void ha_cond_describe(struct ha_buf *b, const struct cond *c);

#endif
