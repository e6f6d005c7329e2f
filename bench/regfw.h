/* regfw.h: a compact writer of registry hive files for the benchmark fleet.
 *
 * A tree of keys and values is built in memory, then laid out and written in
 * one pass: base block, hive bins, and nk, vk, value-list, lh/ri and data
 * cells, with one shared security (sk) cell.  hivex's own writer copies a
 * key's whole subkey list on every insertion (O(N^2) for wide keys such as
 * Component Based Servicing\Packages), which makes realistic 60 MiB hives
 * take minutes; this one takes a fraction of a second.
 *
 * It writes trusted data only and is not a parser.  Limits it does not lift:
 * value data must stay under 16 KiB (no big-data 'db' records), names are
 * ASCII (stored as Latin-1), and a key holds at most 65 535 values.
 *
 * Ownership: the hive owns every key and every copied name and data; key
 * pointers stay valid until rw_free(). */
#ifndef HA_BENCH_REGFW_H
#define HA_BENCH_REGFW_H

#include <stddef.h>
#include <stdint.h>

/* Registry value types used by the generator. */
enum {
	RW_SZ = 1,
	RW_EXPAND_SZ = 2,
	RW_BINARY = 3,
	RW_DWORD = 4,
	RW_MULTI_SZ = 7,
	RW_QWORD = 11,
};

/* The largest value data kept in one cell (Windows moves longer data to
 * big-data records, which this writer does not produce). */
#define RW_MAX_DATA 16344

struct rw_hive;
struct rw_key;

/* A new hive holding only its root key, named `root_name`; NULL when out of
 * memory.  `filetime` becomes every key's last-write time unless changed. */
struct rw_hive *rw_new(const char *root_name, int64_t filetime);
void rw_free(struct rw_hive *h);

struct rw_key *rw_root(struct rw_hive *h);

/* Adds a child without looking for one of the same name: the caller
 * guarantees uniqueness (rw_write reports a duplicate as an error).  This is
 * the fast path for wide keys.  NULL when out of memory or the name is not
 * 1-255 ASCII characters without a backslash. */
struct rw_key *rw_add(struct rw_hive *h, struct rw_key *parent, const char *name);

/* The key at `path` ("A\B\C") below `from`, each missing component created;
 * names compare ASCII case-insensitively.  NULL on failure. */
struct rw_key *rw_path(struct rw_hive *h, struct rw_key *from, const char *path);

/* Sets the key's last-write time (FILETIME). */
void rw_set_time(struct rw_key *k, int64_t filetime);

/* Appends a value without looking for one of the same name (fast path). */
int rw_add_value(struct rw_hive *h, struct rw_key *k, const char *name, uint32_t type,
                 const void *data, size_t len);
/* Sets a value, replacing one of the same name.  0, or -1 (out of memory,
 * data longer than RW_MAX_DATA, bad name). */
int rw_set(struct rw_hive *h, struct rw_key *k, const char *name, uint32_t type, const void *data,
           size_t len);
/* REG_SZ or REG_EXPAND_SZ from ASCII/UTF-8 text (BMP only), with its NUL. */
int rw_set_sz(struct rw_hive *h, struct rw_key *k, const char *name, uint32_t type,
              const char *text);
int rw_set_dword(struct rw_hive *h, struct rw_key *k, const char *name, uint32_t v);
int rw_set_qword(struct rw_hive *h, struct rw_key *k, const char *name, uint64_t v);
/* REG_MULTI_SZ from `n` strings. */
int rw_set_multi(struct rw_hive *h, struct rw_key *k, const char *name, const char *const *s,
                 size_t n);

/* Bytes the hive file will have, within a few hundred bytes per hive bin
 * (the free space at the end of each bin is not known before layout). */
uint64_t rw_estimate(const struct rw_hive *h);

struct rw_header {
	const char *embedded_name; /* the tail of the path Windows loaded it from */
	int64_t filetime;          /* base block's last-written time */
	uint32_t sequence;         /* primary = secondary = this, unless dirty */
	int dirty;                 /* primary = sequence + 1: a hive not flushed cleanly */
};

struct rw_stats {
	uint64_t bytes, keys, values, bins;
};

/* Lays the tree out and writes it to `path` (through a temporary name and a
 * rename).  0, or -1 with a reason in err.  Children are sorted by upper-case
 * name as Windows keeps them; two children of one name are an error. */
int rw_write(struct rw_hive *h, const char *path, const struct rw_header *hdr,
             struct rw_stats *stats, char *err, size_t errlen);

#endif
