/* ha_snapshot.h: what the reader learned about one host, in memory.
 *
 * A snapshot is the only thing that crosses from reading to evaluating: the
 * hive files seen in the host folder with their base-block facts and status,
 * the control set chosen, and the registry keys and values that the loaded
 * rules asked for, each with its type, raw data and last-write time.  Host
 * facts (OS, build, architecture, ...) are derived from it by a pure function.
 *
 * The snapshot has a binary encoding: workers send it to the parent through a
 * pipe and the store keeps it, so that a later run can re-evaluate an
 * unchanged host without reading its hives again.  The decoder treats its
 * input as hostile (a worker reads hostile hives).
 *
 * Ownership: a snapshot owns every string and array it points to;
 * ha_snapshot_free() releases them.  Lookup functions return borrowed
 * pointers valid until the snapshot is freed. */
#ifndef HA_SNAPSHOT_H
#define HA_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "ha_common.h"

/* The two hives the audit needs, and their index in per-role arrays. */
enum ha_role { HA_SYSTEM = 0, HA_SOFTWARE = 1, HA_NROLES = 2 };
const char *ha_role_name(int role); /* "SYSTEM", "SOFTWARE" */

/* What a file in a host folder was recognised as. */
enum ha_file_kind {
	HA_FK_UNKNOWN = 0, /* a regf hive whose kind could not be told */
	HA_FK_SYSTEM,
	HA_FK_SOFTWARE,
	HA_FK_SAM,
	HA_FK_SECURITY,
	HA_FK_NTUSER,
	HA_FK_USRCLASS,
	HA_FK_COMPONENTS,
	HA_FK_DEFAULT,
	HA_FK_BCD,
	HA_FK_DRIVERS,
	HA_FK_OTHER,    /* another hive (ELAM, BBI, Amcache, ...) */
	HA_FK_NOT_HIVE, /* named like a hive but not a regf file */
	HA_FK_LOG,      /* a transaction log */
	HA_FK_COUNT
};
const char *ha_file_kind_name(int kind);

/* Per-hive status vocabulary, stored and reported. */
enum ha_hive_status {
	HA_HS_OK = 0,     /* clean and fully readable */
	HA_HS_DEGRADED,   /* readable only in hivex's recovery mode: parts may be lost */
	HA_HS_DIRTY,      /* sequence numbers differ and the logs were not replayed */
	HA_HS_REPLAYED,   /* dirty, transaction logs replayed into a private copy */
	HA_HS_UNREADABLE, /* could not be opened or read (reason says why) */
	HA_HS_NOT_HIVE,   /* not a registry hive at all */
	HA_HS_WRONG_KIND, /* a hive, but not the kind its name claims */
	HA_HS_MISSING,    /* the host has no such hive */
	HA_HS_CONFLICT,   /* two hives of the same kind in one host folder */
	HA_HS_SKIPPED,    /* recognised and deliberately not audited */
	HA_HS_COUNT
};
const char *ha_hive_status_name(int status); /* "ok", ...; "?" out of range */
/* HA_HS_OK.. from its name (exact); -1 when unknown. */
int ha_hive_status_from_name(const char *name);
/* Evidence from a hive in this status is readable at all. */
int ha_hive_status_readable(int status);
/* Evidence from a hive in this status can be trusted (clean or replayed). */
int ha_hive_status_trusted(int status);

/* Base block facts, parsed by our own code (ingest/baseblock.c). */
struct ha_baseblock {
	uint32_t seq1, seq2;
	uint32_t checksum_stored, checksum_computed;
	int checksum_ok;
	uint32_t major, minor, type, format;
	uint32_t root_offset, hbins_size, clustering, flags;
	int64_t last_written; /* FILETIME */
	char name[200];       /* embedded file name, UTF-8 */
};

struct ha_hivefile {
	char *path;     /* as discovered (absolute or as given) */
	int kind;       /* enum ha_file_kind */
	char *kind_why; /* how the kind was decided */
	int role;       /* HA_SYSTEM, HA_SOFTWARE or -1 */
	int claim;      /* the role its file name claims (SYSTEM, SOFTWARE), or -1 */
	int status;     /* enum ha_hive_status */
	char *reason;   /* one line; never NULL after reading */
	uint64_t size;
	int64_t mtime_ns;
	char sha256[65]; /* "" when the file could not be read */
	int bb_valid;    /* base block parsed (magic regf, 4096 bytes) */
	struct ha_baseblock bb;
	int dirty;    /* sequence numbers differ or checksum wrong */
	int degraded; /* opened with HIVEX_OPEN_UNSAFE */
	size_t nlogs;
	char **logs;  /* transaction log paths beside it */
	char *replay; /* what log replay did, or NULL */
};

/* The status of a role (SYSTEM or SOFTWARE) for this host. */
struct ha_roleinfo {
	int file;   /* index into files, or -1 */
	int cand;   /* the file that explains the status (used, or the bad one), or -1 */
	int status; /* enum ha_hive_status (MISSING / CONFLICT when file is -1) */
	char *reason;
};

enum ha_key_state {
	HA_KEY_PRESENT = 0,
	HA_KEY_ABSENT,      /* the key (or a parent) does not exist */
	HA_KEY_ERROR,       /* reading failed part-way (reason in error) */
	HA_KEY_UNAVAILABLE, /* the hive it lives in could not be read */
};

/* Registry value types. */
enum {
	HA_REG_NONE = 0,
	HA_REG_SZ = 1,
	HA_REG_EXPAND_SZ = 2,
	HA_REG_BINARY = 3,
	HA_REG_DWORD = 4,
	HA_REG_DWORD_BE = 5,
	HA_REG_LINK = 6,
	HA_REG_MULTI_SZ = 7,
	HA_REG_QWORD = 11,
};
/* "REG_DWORD", or "type 0x..." written into buf for unknown types. */
const char *ha_reg_type_name(uint32_t type, char buf[24]);

/* A key's last-write time when its source keeps none (a .reg export). */
#define HA_FT_NOT_RECORDED ((int64_t)-1)

struct ha_value {
	char *name; /* real case as stored; "" is the default value */
	uint32_t type;
	uint32_t len;  /* bytes in data */
	uint8_t *data; /* raw bytes (may be NULL when len is 0) */
	char *error;   /* the data could not be read: why (data then empty) */
};

struct ha_key {
	int hive;    /* HA_SYSTEM or HA_SOFTWARE */
	char *lpath; /* logical path as requested, e.g. CurrentControlSet\Control\X */
	char *ppath; /* physical path as found, real case, e.g. ControlSet001\Control\X */
	char *match; /* subkey pattern for enumeration requests, else NULL */
	int state;   /* enum ha_key_state */
	char *error;
	int64_t last_write; /* FILETIME of the key; HA_FT_NOT_RECORDED from a .reg export */
	size_t nvalues;
	struct ha_value *values;
	size_t nsub; /* enumeration: matching subkey names (real case) */
	char **sub;
	int sub_truncated; /* more subkeys matched than were kept */
};

struct ha_snapshot {
	char *label; /* host label (CONTRACT.md "Hosts") */
	char *dir;   /* host folder */
	size_t nfiles;
	struct ha_hivefile *files;
	struct ha_roleinfo role[HA_NROLES];
	int ccs;          /* control set number used, 0 when none */
	char *ccs_source; /* how it was chosen ("Select\\Current = 1", ...) */
	size_t nkeys;
	struct ha_key *keys;
	char *note; /* host-level problem (worker crash, ...), or NULL */
};

void ha_snapshot_init(struct ha_snapshot *s);
void ha_snapshot_free(struct ha_snapshot *s);

/* Appends a new zeroed element and returns it (NULL on allocation failure). */
struct ha_hivefile *ha_snapshot_add_file(struct ha_snapshot *s);
struct ha_key *ha_snapshot_add_key(struct ha_snapshot *s);
struct ha_value *ha_key_add_value(struct ha_key *k);
HA_MUST_CHECK int ha_key_add_sub(struct ha_key *k, const char *name);

/* The key recorded for (hive, logical path), compared ASCII
 * case-insensitively; NULL when the rules never asked for it. */
const struct ha_key *ha_snapshot_key(const struct ha_snapshot *s, int hive, const char *lpath);
/* The enumeration record for (hive, path, match); NULL if not requested. */
const struct ha_key *ha_snapshot_enum(const struct ha_snapshot *s, int hive, const char *lpath,
                                      const char *match);
const struct ha_value *ha_key_value(const struct ha_key *k, const char *name);

/* Value decoding helpers.  Each returns HA_OK or HA_ERR_FORMAT (wrong type
 * or size); strings are returned malloc'd (caller frees). */
HA_MUST_CHECK int ha_value_dword(const struct ha_value *v, uint32_t *out);
HA_MUST_CHECK int ha_value_qword(const struct ha_value *v, uint64_t *out);
HA_MUST_CHECK int ha_value_string(const struct ha_value *v, char **out);
/* A human rendering of any value for evidence: "0x00000001 (1)", a string,
 * "[a, b]" for MULTI_SZ, hex (capped) for binary. malloc'd.  A string is
 * shown whole, past an embedded U+0000, which is written as the bytes C0 80
 * (the escapers in common/ show it as \x00, JSON as \u0000). */
char *ha_value_render(const struct ha_value *v);

/* Subkey name matching for enumeration requests.  `match` is a glob ('*',
 * '?') or "kb:KB1234567", which matches update package names that carry
 * exactly that KB number ("_for_KB1234567" followed by '~', '_' or the end),
 * so that KB5000 does not match KB5000802. */
int ha_subkey_matches(const char *match, const char *name);

/* ------------------------------------------------------------- requests */

/* What the reader must fetch: a key (and some of its values), or the
 * subkeys of a key that match a pattern (and some of their values). */
struct ha_request {
	int hive;
	char *path;  /* logical, hive-relative; "CurrentControlSet\..." allowed */
	char *match; /* NULL, or a subkey pattern (see ha_subkey_matches) */
	size_t nnames;
	char **names; /* value names wanted ("" = default value) */
};

struct ha_reqset {
	size_t n;
	struct ha_request *v;
};

void ha_reqset_init(struct ha_reqset *rs);
void ha_reqset_free(struct ha_reqset *rs);
/* Adds (hive, path, match) wanting value `name` (NULL: the key only).
 * Requests are merged, so asking twice costs nothing. */
HA_MUST_CHECK int ha_reqset_add(struct ha_reqset *rs, int hive, const char *path, const char *match,
                                const char *name, struct ha_err *err);
/* Splits "HKLM\SYSTEM\..." / "HKEY_LOCAL_MACHINE\SOFTWARE\..." into a role
 * and a hive-relative path (malloc'd; "" for the hive itself).  HA_ERR_FORMAT
 * for other roots and for empty components ("HKLM\SYSTEM\\X", "...\X\"). */
HA_MUST_CHECK int ha_parse_hklm_path(const char *full, int *hive, char **rel, struct ha_err *err);

/* The keys that host facts are derived from. */
HA_MUST_CHECK int ha_facts_requests(struct ha_reqset *rs, struct ha_err *err);

/* A digest of a request set, so a store can tell whether a saved snapshot
 * answers the current rules. */
HA_MUST_CHECK int ha_reqset_digest(const struct ha_reqset *rs, char hex[65], struct ha_err *err);

/* ------------------------------------------------------------------ facts */

enum ha_arch { HA_ARCH_UNKNOWN = 0, HA_ARCH_X86, HA_ARCH_X64, HA_ARCH_IA64, HA_ARCH_ARM64 };
const char *ha_arch_name(int arch);

enum ha_product { HA_PRODUCT_UNKNOWN = 0, HA_PRODUCT_CLIENT, HA_PRODUCT_SERVER, HA_PRODUCT_DC };
const char *ha_product_name(int product);

struct ha_facts {
	char *computer_name;     /* SYSTEM ComputerName, or NULL */
	char *hostname, *domain; /* Tcpip\Parameters */
	char *product_name;      /* as stored (Windows 11 still says "Windows 10") */
	char *edition, *installation_type, *csd_version, *product_type_raw;
	int nt_major, nt_minor; /* -1 unknown */
	char *nt_source;        /* which values gave the version */
	long build;             /* -1 unknown */
	long ubr;               /* -1 unknown */
	int sp;                 /* service pack number, 0 none, -1 unknown */
	int product;            /* enum ha_product */
	char *product_source;
	int arch; /* enum ha_arch */
	char *arch_source;
	char *os_family; /* "Windows Server 2008 R2 SP1", "Unknown" */
	int os_known;    /* NT version known */
};

/* Derives facts from a snapshot; pure, never fails except on allocation. */
HA_MUST_CHECK int ha_facts_derive(const struct ha_snapshot *s, struct ha_facts *f,
                                  struct ha_err *err);
void ha_facts_free(struct ha_facts *f);
/* Compares NT versions: <0, 0, >0 like strcmp. */
int ha_nt_cmp(int amaj, int amin, int bmaj, int bmin);

/* --------------------------------------------------------------- findings */

/* Finding statuses (CONTRACT.md "Statuses"). */
enum ha_status { HA_PASS = 0, HA_FAIL, HA_WARN, HA_NOT_APPLICABLE, HA_UNKNOWN, HA_NSTATUS };
const char *ha_status_name(int status); /* "PASS", ... */
/* HA_PASS.. from a name (case-insensitive); -1 when unknown. */
int ha_status_from_name(const char *name);

/* Rule categories (a rule's `category` in a rule file) and what each means
 * for the verdict and the narrative: the one place that gives a category
 * its meaning (snapshot.c, table `categories`).  The loader accepts only
 * these names. */
struct ha_category {
	const char *name;
	int decides;   /* a FAIL or UNKNOWN of its rules decides the verdict */
	int integrity; /* its rules judge the evidence itself: a FAIL makes the
	                * verdict unknown, and the narrative puts it last */
	/* The narrative's heading and symptom for a failing rule of it; NULL
	 * for a category that is not a cause of a failed connection. */
	const char *cause, *symptom;
};
/* The categories, causes first in the order in which they break a
 * connection; `n` gets their number. */
const struct ha_category *ha_categories(size_t *n);
/* The category of that name, or NULL. */
const struct ha_category *ha_category_find(const char *name);

/* One piece of evidence behind a finding: what was read, where. */
struct ha_evidence {
	int role;        /* HA_SYSTEM, HA_SOFTWARE, or -1 (host facts) */
	char *hive_path; /* file the value came from, or NULL */
	char *hive_sha256;
	char *control_set; /* "ControlSet001 (Select\Current = 1)" for SYSTEM paths */
	char *key_path;    /* physical path as found (or where the chain broke) */
	char *value_name;  /* NULL for key-level evidence */
	char *value_type;  /* "REG_DWORD", "absent", ... */
	char *data;        /* rendered data */
	char *last_write;  /* key last-write time, ISO 8601, or "" */
	char *note;
};

/* The verdict of one rule on one host. */
struct ha_finding {
	char *rule_id;
	int status; /* enum ha_status */
	char *severity;
	char *title;
	char *category;
	char *observed;
	char *expected;
	char *reason; /* one sentence a person understands */
	size_t nev;
	struct ha_evidence *ev;
};

/* Host verdicts (CONTRACT.md).  The evaluator gives the first three;
 * HA_READY_WITH_WAIVERS is the verdict after waivers (rules/waivers.c). */
enum ha_verdict {
	HA_READY = 0,
	HA_NOT_READY,
	HA_VERDICT_UNKNOWN,
	HA_READY_WITH_WAIVERS,
	HA_NVERDICTS
};
/* "ready", "not_ready", "unknown", "ready_with_waivers"; "unknown" out of range. */
const char *ha_verdict_name(int verdict);
/* HA_READY.. from its name (exact); -1 when unknown. */
int ha_verdict_from_name(const char *name);

struct ha_findings {
	size_t n;
	struct ha_finding *v;
	int verdict; /* enum ha_verdict */
	char *verdict_reason;
};

void ha_findings_init(struct ha_findings *f);
void ha_findings_free(struct ha_findings *f);
struct ha_finding *ha_findings_add(struct ha_findings *f);
struct ha_evidence *ha_finding_add_evidence(struct ha_finding *f);

/* --------------------------------------------------------------- encoding */

HA_MUST_CHECK int ha_snapshot_encode(const struct ha_snapshot *s, struct ha_buf *out);
/* Decodes into an initialised, empty snapshot.  On error the snapshot holds
 * whatever was decoded so far and must still be freed. */
HA_MUST_CHECK int ha_snapshot_decode(const uint8_t *p, size_t n, struct ha_snapshot *s,
                                     struct ha_err *err);

#endif
