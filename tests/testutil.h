/* testutil.h: helpers shared by the tests: temporary folders, running the
 * built program, reading files, and a small RFC 4180 CSV reader. */
#ifndef HA_TESTUTIL_H
#define HA_TESTUTIL_H

#include <stddef.h>

/* A new empty folder under $TMPDIR (or /tmp); malloc'd path. */
char *tu_tempdir(const char *tag);
/* rm -rf */
void tu_rmtree(const char *path);
/* Writes a file (creating parent folders). 0 or -1. */
int tu_write(const char *path, const void *data, size_t len);
/* Reads a whole file (NUL-terminated, malloc'd); NULL on error. */
char *tu_read(const char *path, size_t *len);
/* Copies a file. 0 or -1. */
int tu_copy(const char *from, const char *to);

/* Runs argv (argv[0] is a path) with stdout and stderr captured; returns
 * the exit status, or 128+signal.  *out and *err (may be NULL) receive the
 * captured text (malloc'd).  `env` adds "NAME=value" entries (may be NULL). */
int tu_run(char *const argv[], const char *const *env, char **out, char **err);
/* Runs the built hiveaudit with the arguments that follow (NULL-terminated)
 * in samples/ as working directory, so that the paths it records are the
 * same on every machine ("fleet/..."); as tu_run, -1 if samples/ cannot be
 * entered or left. */
int tu_run_in_samples(char **out, char **err, ...);

/* A parsed CSV file: rows of fields. */
struct tu_csv {
	size_t nrows;
	size_t *nfields;
	char ***rows;
};
/* Parses RFC 4180 text; returns -1 on malformed input (unbalanced quotes). */
int tu_csv_parse(const char *text, struct tu_csv *out);
void tu_csv_free(struct tu_csv *c);
/* Index of the column named `name` in row 0, or -1. */
int tu_csv_col(const struct tu_csv *c, const char *name);

/* Paths baked in at build time. */
const char *tu_source_dir(void);
const char *tu_binary_dir(void);
const char *tu_hiveaudit(void);
/* The third-party corpus folder, or NULL when it is absent. */
const char *tu_corpus_dir(void);
/* Decompresses corpus file REL (without .xz) into dir; malloc'd path or NULL. */
char *tu_corpus_file(const char *rel, const char *dir);

/* SQL that turns a store of the current schema back into what schema 1
 * was (each later migration undone), for the tests that a store written by
 * an older hiveaudit is migrated in place.  A new migration adds its undo
 * here. */
extern const char tu_store_undo_to_v1[];

#endif
