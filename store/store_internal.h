/* store_internal.h: what the store's own files share and nothing else sees.
 *
 * The SQLite handle stays inside store/: merge.c needs it to ATTACH shard
 * stores and copy their rows in SQL, which is far faster than rows through
 * the callback API and copies columns added by later migrations without
 * being taught about them. */
#ifndef HA_STORE_INTERNAL_H
#define HA_STORE_INTERNAL_H

#include <sqlite3.h>

#include "ha_store.h"

/* The connection behind st (borrowed: lives as long as st). */
sqlite3 *ha_store_sqlite(struct ha_store *st);

/* Translates a SQLite failure on st into our error (as every store call
 * does): HA_ERR_BUSY, HA_ERR_IO for a full disk, else HA_ERR_STORE. */
int ha_store_sqlfail(struct ha_store *st, int rc, struct ha_err *err, const char *what);

/* The schema version this build creates and reads. */
int ha_store_schema_latest(void);

#endif
