/* ingest_internal.h: declarations shared inside ingest/ only. */
#ifndef HA_INGEST_INTERNAL_H
#define HA_INGEST_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "ha_ingest.h"

#define HA_BASEBLOCK_SIZE 4096u

uint32_t ha_bb_checksum(const uint8_t *p);
int ha_bb_is_log(const struct ha_baseblock *bb);
const char *ha_bb_name_tail(const struct ha_baseblock *bb);

/* The kind a file name suggests ("SYSTEM", "ntuser.dat", ...), or
 * HA_FK_UNKNOWN. */
int ha_kind_from_name(const char *name);

/* ------------------------------------------------------ registry reader */

/* An open hive: hivex for structure (open-time validation, subkey and value
 * lists, value data) plus our own bounds-checked view of the same bytes for
 * names and timestamps (hivex decodes names through iconv, fails a whole
 * lookup on one bad sibling name, matches "zero" against "zero\0key", and
 * over-reads undersized cells; reference/hivex.md 5.3-5.4). */
struct ha_hive;

/* Node and value handles are hivex's: the file offset of the cell. */
typedef size_t ha_node;
typedef size_t ha_vnode;

/* Opens the bytes of `fd` (which must stay open) whose content is also
 * mapped at map/size.  On a structural refusal retries in hivex's recovery
 * mode and sets *degraded.  On failure err holds a one-line reason
 * (HA_ERR_HIVE, or HA_ERR_NOMEM).  On HA_OK err->msg is "" for a clean open,
 * and says what hivex refused first when *degraded is set (err->code is
 * HA_OK then). */
HA_MUST_CHECK int ha_hive_open(int fd, const uint8_t *map, size_t size, int capture,
                               struct ha_hive **out, int *degraded, struct ha_err *err);
void ha_hive_close(struct ha_hive *hv);
ha_node ha_hive_root(const struct ha_hive *hv);

/* Name of a key, UTF-8, embedded NULs shown as U+2400; appended to out. */
HA_MUST_CHECK int ha_hive_node_name(const struct ha_hive *hv, ha_node n, struct ha_buf *out);
HA_MUST_CHECK int ha_hive_node_time(const struct ha_hive *hv, ha_node n, int64_t *ft);
/* The subkeys of n: malloc'd array (free it) and count. */
HA_MUST_CHECK int ha_hive_children(struct ha_hive *hv, ha_node n, ha_node **kids, size_t *count,
                                   struct ha_err *err);
/* Finds the child called `name` (ASCII case-insensitive, exact length).
 * *child is 0 when absent.  Siblings whose names cannot be read are skipped,
 * not fatal. */
HA_MUST_CHECK int ha_hive_child(struct ha_hive *hv, ha_node n, const char *name, ha_node *child,
                                struct ha_err *err);
HA_MUST_CHECK int ha_hive_values(struct ha_hive *hv, ha_node n, ha_vnode **vals, size_t *count,
                                 struct ha_err *err);
HA_MUST_CHECK int ha_hive_value_name(const struct ha_hive *hv, ha_vnode v, struct ha_buf *out);
/* Reads a value's type and data (malloc'd; NULL when empty).  Data larger
 * than max is refused with HA_ERR_LIMIT. */
HA_MUST_CHECK int ha_hive_value_data(struct ha_hive *hv, ha_vnode v, size_t max, uint32_t *type,
                                     uint8_t **data, uint32_t *len, struct ha_err *err);

/* The second backend: a parsed .reg export (regtext.c).  The hive takes a
 * reference on rt and serves the tree of `role`; names, lists and data come
 * from memory, key times are HA_FT_NOT_RECORDED. */
HA_MUST_CHECK int ha_hive_open_export(struct ha_regtext *rt, int role, struct ha_hive **out);
/* 1 when the hive can tell what is at the hive-relative path `ppath`; 0
 * (with err) when it cannot: a path outside the sub-trees an export holds.
 * Always 1 for hive files. */
int ha_hive_path_covered(const struct ha_hive *hv, const char *ppath, struct ha_err *err);
/* The export behind hv, or NULL for a hive file (borrowed). */
const struct ha_regtext *ha_hive_export(const struct ha_hive *hv);

struct ha_regtext *ha_regtext_ref(struct ha_regtext *rt);
ha_node ha_rt_root(const struct ha_regtext *rt, int role);
int ha_rt_node_name(const struct ha_regtext *rt, ha_node n, struct ha_buf *out);
int ha_rt_children(const struct ha_regtext *rt, ha_node n, ha_node **kids, size_t *count);
ha_node ha_rt_child(const struct ha_regtext *rt, ha_node n, const char *name);
int ha_rt_values(const struct ha_regtext *rt, ha_node n, ha_vnode **vals, size_t *count);
int ha_rt_value_name(const struct ha_regtext *rt, ha_vnode v, struct ha_buf *out);
int ha_rt_value_data(const struct ha_regtext *rt, ha_vnode v, size_t max, uint32_t *type,
                     uint8_t **data, uint32_t *len, struct ha_err *err);

/* ------------------------------------------------------------ log replay */

/* Copies a replayed image into a new anonymous memory file, seals it
 * against writes and resizing, and maps it read-only, so the reader opens
 * it through /proc/self/fd/N like any hive and the evidence file is never
 * touched.  On HA_OK the caller owns *fd (close) and *map (munmap, n bytes);
 * on failure err says what failed. */
HA_MUST_CHECK int ha_image_memfd(const uint8_t *img, size_t n, int *fd, const uint8_t **map,
                                 struct ha_err *err);

/* --------------------------------------------------------- containers */

/* Opens a file to read for the reader and the log reader: a member of a
 * container staged by the worker (container.c) is opened from its memory
 * file, anything else with open(path, flags).  Returns the descriptor or -1
 * with errno set. */
int ha_input_open(const char *path, int flags);
/* 1, with the SHA-256 in hex, when `path` is a member the worker hashed
 * while extracting it (so the reader need not hash it again); 0 else. */
int ha_input_sha256(const char *path, char hex[65]);

#endif
