/* ha_rules.h: rules as data, and the evaluator.
 *
 * Rules are written in YAML (see docs/rules.md and rules/tls12.yaml, which
 * is compiled into the binary).  Loading validates a rule file completely
 * and reports the first problem as "file:line:column: what is wrong".  The
 * evaluator is a pure function of a snapshot, its derived facts and an
 * audit date: no I/O, no hivex, so every rule is testable on snapshots built
 * in memory.
 *
 * Ownership: a ruleset owns its rules; the `ha_rule_info` pointers it hands
 * out live as long as the ruleset.  Findings are owned by the caller
 * (ha_findings_free). */
#ifndef HA_RULES_H
#define HA_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "ha_common.h"
#include "ha_snapshot.h"

struct ha_ruleset;

/* What a rule says about itself (for listings, the store and reports). */
struct ha_rule_info {
	const char *id;
	const char *title;
	const char *severity; /* critical, high, medium, low, info */
	const char *category; /* os, update, schannel, netfx, roots, integrity, info */
	const char *source;   /* article section, KB */
	const char *applies;  /* human summary of where it applies */
	const char *remedy;   /* one sentence */
	const char *reg;      /* .reg fragment, may be "" */
	const char *origin;   /* rule file it came from ("built-in" for the pack) */
	int decides;          /* 1 if its FAIL or UNKNOWN decides the host verdict */
	int integrity;        /* 1 if it judges the evidence: its FAIL makes the verdict unknown */
};

/* An empty ruleset. */
HA_MUST_CHECK int ha_rules_new(struct ha_ruleset **out, struct ha_err *err);
void ha_rules_free(struct ha_ruleset *rs);

enum { HA_RULES_ADD = 0, HA_RULES_REPLACE = 1 };
/* Loads the built-in TLS 1.2 pack. */
HA_MUST_CHECK int ha_rules_load_builtin(struct ha_ruleset *rs, struct ha_err *err);
/* Loads a rule file.  ADD: its rules are added, and a rule with an id that
 * is already loaded replaces that rule.  REPLACE: all loaded rules are
 * dropped first.  Nothing changes when the file has an error. */
HA_MUST_CHECK int ha_rules_load_file(struct ha_ruleset *rs, const char *path, int mode,
                                     struct ha_err *err);
/* The same from memory; `name` is used in messages. */
HA_MUST_CHECK int ha_rules_load_buffer(struct ha_ruleset *rs, const char *name, const char *text,
                                       size_t len, int mode, struct ha_err *err);

size_t ha_rules_count(const struct ha_ruleset *rs);
const struct ha_rule_info *ha_rules_info(const struct ha_ruleset *rs, size_t i);
/* A digest of the loaded rules (their source text), for the store. */
const char *ha_rules_digest(const struct ha_ruleset *rs);

/* Adds to `req` every key and value the loaded rules read. */
HA_MUST_CHECK int ha_rules_requests(const struct ha_ruleset *rs, struct ha_reqset *req,
                                    struct ha_err *err);

/* A memo of parsed certificate blobs.  Fleets carry the same root
 * certificates on every host; parsing each distinct blob once per run
 * (X.509 decoding, SHA-1) instead of once per host keeps the parent's work
 * per host flat.  Results are identical with or without it. */
struct ha_cert_cache;
HA_MUST_CHECK int ha_cert_cache_new(struct ha_cert_cache **out, struct ha_err *err);
void ha_cert_cache_free(struct ha_cert_cache *c);

struct ha_eval_opts {
	int64_t as_of;               /* audit date, Unix seconds (certificate expiry) */
	struct ha_cert_cache *certs; /* optional memo, owned by the caller */
};

/* Evaluates every rule on one host, in load order, and sets the host
 * verdict.  `out` must be initialised and empty. */
HA_MUST_CHECK int ha_rules_evaluate(const struct ha_ruleset *rs, const struct ha_snapshot *s,
                                    const struct ha_facts *facts, const struct ha_eval_opts *opts,
                                    struct ha_findings *out, struct ha_err *err);

/* ------------------------------------------------------------- waivers */

/* Accepted exceptions, loaded from a waiver file (rules/waivers.c has the
 * format).  A waiver owns its strings; the set owns its waivers. */
struct ha_waiver {
	char **hosts; /* labels, glob patterns or computer names */
	size_t nhosts;
	char **rules; /* rule ids or glob patterns */
	size_t nrules;
	char *reason, *approver, *expires, *ticket; /* expires: YYYY-MM-DD; ticket may be NULL */
	int64_t expires_end;                        /* Unix seconds of the end of the expiry day */
	int line;                                   /* where the waiver starts in its file */
	long matched; /* FAIL findings it named so far (0: stale), set by apply */
};
struct ha_waivers {
	char *name; /* the file, for messages and the store */
	size_t n;
	struct ha_waiver *v;
};

/* Loads and validates a waiver file; errors are HA_ERR_RULES with
 * "file:line:column: what", HA_ERR_USAGE for a missing file. */
HA_MUST_CHECK int ha_waivers_load_file(const char *path, struct ha_waivers **out,
                                       struct ha_err *err);
HA_MUST_CHECK int ha_waivers_load_buffer(const char *name, const char *text, size_t len,
                                         struct ha_waivers **out, struct ha_err *err);
void ha_waivers_free(struct ha_waivers *ws);
/* Every rule id without a wildcard must name a loaded rule. */
HA_MUST_CHECK int ha_waivers_check(const struct ha_waivers *ws, const struct ha_ruleset *rs,
                                   struct ha_err *err);

/* Which waiver covers a finding: an index into the set, or -1. */
struct ha_waived {
	long waiver;
	int expired; /* the waiver had expired at the audit date: the FAIL counts */
};
/* A host after waivers. */
struct ha_waived_host {
	int changed;             /* waivers change the verdict (every deciding FAIL waived) */
	enum ha_verdict verdict; /* then HA_READY_WITH_WAIVERS or HA_VERDICT_UNKNOWN */
	char *reason;            /* the verdict's sentence then (malloc'd), else NULL */
	long fails;              /* FAIL findings that count (not waived, or expired) */
	long waived_fails;       /* FAIL findings an unexpired waiver covers */
};
/* Applies the waivers to one host's findings (fs from ha_rules_evaluate
 * with rs): out[i] for every finding; counts each waiver's matches. */
HA_MUST_CHECK int ha_waivers_apply(struct ha_waivers *ws, const struct ha_ruleset *rs,
                                   const char *label, const char *computer_name,
                                   const struct ha_findings *fs, int64_t as_of,
                                   struct ha_waived *out, struct ha_waived_host *host,
                                   struct ha_err *err);

#endif
