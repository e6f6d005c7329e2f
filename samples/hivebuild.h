/* hivebuild.h: builds registry hive files from nothing, for the sample
 * fleet and for tests.
 *
 * A tree of keys and values is assembled in memory, then written in one go:
 * our own code writes an empty hive (base block, one hive bin, a root key
 * with a security cell; hivex cannot create a hive), and hivex's write API
 * adds the keys and sets each key's values in a single call (hivex rewrites
 * all values of a key on every set).  Keys are created in a fixed order, so
 * the same tree always gives the same bytes.
 *
 * Trusted input only: this is a test-data writer, not a parser. */
#ifndef HA_HIVEBUILD_H
#define HA_HIVEBUILD_H

#include <stddef.h>
#include <stdint.h>

struct hb_tree;

struct hb_tree *hb_new(void);
void hb_free(struct hb_tree *t);

/* Creates the key at `path` ("A\B\C") and its parents. 0 or -1. */
int hb_key(struct hb_tree *t, const char *path);
/* Sets a value (creating the key); a value of the same name is replaced
 * (names compare ASCII case-insensitively, as the registry does). */
int hb_set(struct hb_tree *t, const char *path, const char *name, uint32_t type, const void *data,
           size_t len);
int hb_set_sz(struct hb_tree *t, const char *path, const char *name, const char *s);
int hb_set_dword(struct hb_tree *t, const char *path, const char *name, uint32_t v);
int hb_set_qword(struct hb_tree *t, const char *path, const char *name, uint64_t v);
/* Removes a value, or the whole key when name is NULL. */
int hb_delete(struct hb_tree *t, const char *path, const char *name);

/* Writes the empty hive that hivex's write API starts from. */
int hb_write_empty(const char *file, const char *embedded_name, int64_t filetime);
/* Writes the tree as a hive file. */
int hb_write(const struct hb_tree *t, const char *file, const char *embedded_name, int64_t filetime,
             char *err, size_t errlen);

/* Damage helpers for test data, applied to a written file. */
int hb_corrupt_checksum(const char *file);
int hb_make_dirty(const char *file);         /* primary != secondary sequence */
int hb_truncate(const char *file, long cut); /* removes `cut` bytes from the end */

#endif
