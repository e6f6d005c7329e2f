/* ha_common.h: hiveaudit's shared toolkit: one error type, one growable
 * buffer, a bounds-checked byte cursor, text decoding and escaping, hashing,
 * time formatting and the certificate-blob parser.
 *
 * Nothing here knows about hives, rules or the store; every other module
 * builds on it.  Ownership: unless a function says otherwise, pointers passed
 * in are borrowed for the duration of the call, and anything returned that
 * must be freed says so. */
#ifndef HA_COMMON_H
#define HA_COMMON_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define HA_MUST_CHECK   __attribute__((warn_unused_result))
#define HA_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* ------------------------------------------------------------------ errors */

/* Error codes only ever grow; numbers are never reused (they reach the
 * store and the worker protocol). */
enum ha_code {
	HA_OK = 0,
	HA_ERR_NOMEM = -1,        /* allocation failed */
	HA_ERR_IO = -2,           /* a system call on a file failed */
	HA_ERR_FORMAT = -3,       /* input bytes are malformed */
	HA_ERR_USAGE = -4,        /* the caller or the command line is wrong */
	HA_ERR_LIMIT = -5,        /* input exceeds a configured bound */
	HA_ERR_NOTFOUND = -6,     /* a thing that was looked up does not exist */
	HA_ERR_STORE = -7,        /* the SQLite store failed */
	HA_ERR_CRYPTO = -8,       /* libcrypto failed */
	HA_ERR_INTERNAL = -9,     /* our bug */
	HA_ERR_INTERRUPTED = -10, /* a signal asked us to stop */
	HA_ERR_RULES = -11,       /* a rule file is invalid */
	HA_ERR_HIVE = -12,        /* the registry reader refused a hive */
	HA_ERR_BUSY = -13,        /* a resource is held by another process */
};

/* One error travels from where it happened to whoever reports it.  Context
 * is prefixed on the way up; the code is never replaced. */
struct ha_err {
	int code;
	int sys_errno; /* errno at the failing call, or 0 */
	char msg[512];
};

/* Sets code and message; returns code so callers can `return ha_err_set(..)`.
 * err may be NULL (the error is then dropped on purpose). */
int ha_err_set(struct ha_err *err, int code, const char *fmt, ...) HA_PRINTF(3, 4);
/* As ha_err_set, with ": <strerror(errnum)>" appended and errnum kept. */
int ha_err_sys(struct ha_err *err, int code, int errnum, const char *fmt, ...) HA_PRINTF(4, 5);
/* Prepends "<context>: " to the message; returns the existing code. */
int ha_err_prefix(struct ha_err *err, const char *fmt, ...) HA_PRINTF(2, 3);
/* The one way an allocation failure is reported: HA_ERR_NOMEM with the
 * message "out of memory" (sys_errno ENOMEM); returns HA_ERR_NOMEM.  Callers
 * that know what they were building add it with ha_err_prefix. */
int ha_err_nomem(struct ha_err *err);
void ha_err_clear(struct ha_err *err);
/* A stable lower-case name for a code ("format", "io", ...). */
const char *ha_code_name(int code);

/* ---------------------------------------------------------- growable buffer */

/* A byte buffer that is always NUL-terminated, refuses to grow past `limit`
 * and remembers its first failure, so that a run of appends is checked once
 * with ha_buf_status(). */
struct ha_buf {
	char *data;
	size_t len;
	size_t cap;
	size_t limit;
	int failed; /* 0, HA_ERR_NOMEM or HA_ERR_LIMIT */
};

#define HA_BUF_DEFAULT_LIMIT ((size_t)1 << 30)

void ha_buf_init(struct ha_buf *b, size_t limit);
void ha_buf_add(struct ha_buf *b, const void *p, size_t n);
void ha_buf_puts(struct ha_buf *b, const char *s);
void ha_buf_putc(struct ha_buf *b, char c);
void ha_buf_printf(struct ha_buf *b, const char *fmt, ...) HA_PRINTF(2, 3);
void ha_buf_vprintf(struct ha_buf *b, const char *fmt, va_list ap) HA_PRINTF(2, 0);
/* Little-endian integers and length-prefixed byte strings (worker protocol). */
void ha_buf_u32(struct ha_buf *b, uint32_t v);
void ha_buf_u64(struct ha_buf *b, uint64_t v);
void ha_buf_lstr(struct ha_buf *b, const void *p, size_t n);
/* HA_OK, or the sticky failure. */
HA_MUST_CHECK int ha_buf_status(const struct ha_buf *b);
/* The contents as a C string, valid until the next append; never NULL. */
const char *ha_buf_cstr(const struct ha_buf *b);
/* Hands the storage to the caller (free() it); the buffer is reset.  Returns
 * NULL if the buffer had failed.  *len may be NULL. */
char *ha_buf_detach(struct ha_buf *b, size_t *len);
void ha_buf_truncate(struct ha_buf *b, size_t len);
void ha_buf_free(struct ha_buf *b);

/* --------------------------------------------------------- bounded cursor */

/* Reads little-endian integers from untrusted bytes.  Every read checks the
 * remaining length first and fails with HA_ERR_FORMAT, leaving the position
 * unchanged. */
struct ha_cur {
	const uint8_t *p;
	size_t len;
	size_t pos;
};

static inline void ha_cur_init(struct ha_cur *c, const void *p, size_t len)
{
	c->p = p;
	c->len = len;
	c->pos = 0;
}
static inline size_t ha_cur_left(const struct ha_cur *c)
{
	return c->len - c->pos;
}
HA_MUST_CHECK int ha_cur_u8(struct ha_cur *c, uint8_t *v);
HA_MUST_CHECK int ha_cur_u16(struct ha_cur *c, uint16_t *v);
HA_MUST_CHECK int ha_cur_u32(struct ha_cur *c, uint32_t *v);
HA_MUST_CHECK int ha_cur_u64(struct ha_cur *c, uint64_t *v);
HA_MUST_CHECK int ha_cur_bytes(struct ha_cur *c, size_t n, const uint8_t **out);
HA_MUST_CHECK int ha_cur_skip(struct ha_cur *c, size_t n);
/* A u32 length followed by that many bytes (the inverse of ha_buf_lstr). */
HA_MUST_CHECK int ha_cur_lstr(struct ha_cur *c, const uint8_t **out, uint32_t *n);

/* Plain little-endian loads for code that has already checked bounds. */
static inline uint16_t ha_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}
static inline uint32_t ha_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}
static inline uint64_t ha_le64(const uint8_t *p)
{
	return (uint64_t)ha_le32(p) | ((uint64_t)ha_le32(p + 4) << 32);
}
static inline void ha_put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* Overflow-checked size arithmetic: 0 on success, HA_ERR_LIMIT on overflow. */
HA_MUST_CHECK int ha_size_add(size_t a, size_t b, size_t *out);
HA_MUST_CHECK int ha_size_mul(size_t a, size_t b, size_t *out);
/* Makes room in a growable array `*v` of `*cap` elements of `size` bytes
 * for one more when `n` are used: doubles it (from `first`), overflow
 * checked.  HA_OK, or HA_ERR_NOMEM / HA_ERR_LIMIT with `*v` and `*cap`
 * unchanged. */
HA_MUST_CHECK int ha_array_grow(void *v, size_t *cap, size_t n, size_t size, size_t first);

/* ------------------------------------------------------------------- text */

enum {
	HA_U16_STOP_AT_NUL = 1,  /* stop at the first U+0000 (REG_SZ semantics) */
	HA_U16_NUL_VISIBLE = 2,  /* show an embedded U+0000 as U+2400 (names) */
	HA_U16_NUL_MODIFIED = 4, /* write U+0000 as the bytes C0 80 (data kept whole) */
};
/* Appends UTF-16LE text as UTF-8.  Unpaired surrogates and a trailing odd
 * byte become U+FFFD: forensic output shows that something was there rather
 * than dropping it or failing the whole value. */
void ha_utf16le_to_utf8(struct ha_buf *out, const uint8_t *p, size_t n, unsigned flags);
/* Appends Latin-1 (compressed registry names) as UTF-8; NUL handled as above. */
void ha_latin1_to_utf8(struct ha_buf *out, const uint8_t *p, size_t n, unsigned flags);
/* Appends p as UTF-8 with every invalid sequence replaced by U+FFFD. */
void ha_utf8_sanitize(struct ha_buf *out, const char *p, size_t n);
int ha_utf8_valid(const char *p, size_t n);
/* Appends UTF-8 text as UTF-16LE with a terminating NUL (hive writing). */
void ha_utf8_to_utf16le(struct ha_buf *out, const char *s);

/* ASCII-only case folding, as the registry does for the names we look up
 * (all rule paths are ASCII).  Locale-independent on purpose: strcasecmp
 * follows LC_CTYPE and breaks in a Turkish locale. */
int ha_ascii_casecmp(const char *a, const char *b);
int ha_ascii_ncasecmp(const char *a, const char *b, size_t n);
static inline int ha_ascii_caseeq(const char *a, const char *b)
{
	return ha_ascii_casecmp(a, b) == 0;
}
/* Matches a glob with '*' and '?', ASCII case-insensitively. */
int ha_glob_match(const char *pattern, const char *s);

/* Escapers append to out; a NULL s is the empty string.  What every one
 * of them shows instead of the character itself:
 *   - bytes that are not valid UTF-8 as \xNN (never U+FFFD: two file names
 *     differing only there must not look alike), the pair C0 80 (U+0000 in
 *     text, see HA_U16_NUL_MODIFIED) as \x00;
 *   - C0 controls and DEL as \xNN, C1 controls (U+0080..U+009F) and the
 *     Bidi_Control characters (U+061C, U+200E, U+200F, U+202A..U+202E,
 *     U+2066..U+2069) as \uNNNN, so that a string from a hive cannot drive a
 *     terminal or reorder the text around it.
 * HTML also escapes &<>"' and keeps tab and newline; at most
 * HA_HTML_TEXT_MAX characters are written.  The terminal escaper keeps no
 * control character at all (newline neither). */
#define HA_HTML_TEXT_MAX ((size_t)16384)
void ha_escape_html(struct ha_buf *out, const char *s);
void ha_escape_terminal(struct ha_buf *out, const char *s);
/* One CSV field per RFC 4180: always quoted, quotes doubled, and a leading
 * '=', '+', '-', '@', tab or CR defused with a leading apostrophe.  Tab, CR
 * and LF are kept; everything else as the escapers above.  A cell holds at
 * most HA_CSV_CELL_MAX characters (UTF-16 units, Excel's limit): a longer
 * one is cut and ends with "\u2026 (N bytes)", N the length of s. */
#define HA_CSV_CELL_MAX ((size_t)32767)
void ha_csv_field(struct ha_buf *out, const char *s);
/* Appends s (n bytes) as valid UTF-8 for a JSON encoder: the pair C0 80
 * becomes a real U+0000 byte (the encoder writes \u0000; use a length, not
 * strlen, on the result), other invalid bytes \xNN as above; control and
 * bidi characters are kept (JSON is read by programs).  With max_units, cut
 * as ha_csv_field does; 0 keeps everything. */
void ha_text_for_json(struct ha_buf *out, const char *s, size_t n, size_t max_units);

/* malloc'd copies; NULL only when allocation fails (or s is NULL). */
char *ha_strdup(const char *s);
char *ha_strndup(const char *s, size_t n);
char *ha_asprintf(const char *fmt, ...) HA_PRINTF(1, 2);

/* Parses an unsigned decimal or 0x-hex integer, whole string, no sign. */
HA_MUST_CHECK int ha_parse_u64(const char *s, uint64_t *out);
/* Parses a shard "K/N" (decimal, 1 <= K <= N <= 1,000,000, nothing else):
 * HA_OK, or HA_ERR_FORMAT.  What scan --shard takes and runs.shard holds. */
HA_MUST_CHECK int ha_parse_shard(const char *s, unsigned *k, unsigned *n);

/* ----------------------------------------------------------------- hashing */

struct ha_sha256 {
	void *ctx; /* EVP_MD_CTX */
};
HA_MUST_CHECK int ha_sha256_init(struct ha_sha256 *h, struct ha_err *err);
HA_MUST_CHECK int ha_sha256_update(struct ha_sha256 *h, const void *p, size_t n,
                                   struct ha_err *err);
/* Writes 64 lower-case hex digits and a NUL; frees the context. */
HA_MUST_CHECK int ha_sha256_final(struct ha_sha256 *h, char hex[65], struct ha_err *err);
void ha_sha256_abort(struct ha_sha256 *h);
HA_MUST_CHECK int ha_sha256_hex(const void *p, size_t n, char hex[65], struct ha_err *err);
/* Base64 of a SHA-256 digest (for Content-Security-Policy hashes). */
HA_MUST_CHECK int ha_sha256_b64(const void *p, size_t n, char b64[45], struct ha_err *err);
HA_MUST_CHECK int ha_sha1(const void *p, size_t n, uint8_t out[20], struct ha_err *err);
/* Writes 2n hex digits and a NUL. */
void ha_hex(const uint8_t *p, size_t n, char *out, int upper);

/* -------------------------------------------------------------------- time */

/* Windows FILETIME (100 ns since 1601-01-01 UTC) as "YYYY-MM-DDTHH:MM:SSZ";
 * writes "" when the value is 0 or out of range. */
void ha_filetime_iso(int64_t ft, char out[32]);
/* Unix seconds as the same ISO form. */
void ha_unix_iso(int64_t t, char out[32]);
int64_t ha_filetime_to_unix(int64_t ft);
/* Parses "YYYY-MM-DD" (as UTC midnight) or "YYYY-MM-DDTHH:MM:SSZ", years
 * 1970 to 9999; impossible dates (2021-02-31) and leap seconds are
 * HA_ERR_FORMAT. */
HA_MUST_CHECK int ha_parse_date(const char *s, int64_t *unix_out);

/* ----------------------------------------------------------- atomic files */

/* A file that is whole under its name or absent (atomic.c): written to a
 * new temporary file beside `path`, synced, renamed over it, and the folder
 * synced.  A link at `path` is replaced, never written through.  Callers
 * decide beforehand whether `path` may be replaced.  `mode` is applied less
 * the umask.  After open, exactly one of commit or abort must follow; both
 * release everything, and abort removes the temporary file. */
struct ha_atomic {
	int fd;
	unsigned mode;
	unsigned flags; /* HA_ATOMIC_* */
	int err_no;     /* a write failed: commit refuses */
	char *path;
	char *tmp; /* our temporary file, until it is renamed */
};
/* Flags of ha_atomic_open_flags(). */
enum {
	/* The temporary file is "<path>.tmp-<pid>" instead of a random
	 * "<path>.tmp.XXXXXX", so that a sweep of stale temporaries can tell
	 * whether its writer is still alive (report/out.c).  A leftover of an
	 * earlier process with our pid is removed once; a link there is never
	 * written through. */
	HA_ATOMIC_PID_TEMP = 1u << 0,
	/* A folder that cannot be synced after the rename is not an error
	 * (the file is whole under its name already). */
	HA_ATOMIC_DIR_SYNC_BEST_EFFORT = 1u << 1,
};
HA_MUST_CHECK int ha_atomic_open(struct ha_atomic *a, const char *path, unsigned mode,
                                 struct ha_err *err);
/* As ha_atomic_open, with HA_ATOMIC_* flags (0 is ha_atomic_open). */
HA_MUST_CHECK int ha_atomic_open_flags(struct ha_atomic *a, const char *path, unsigned mode,
                                       unsigned flags, struct ha_err *err);
HA_MUST_CHECK int ha_atomic_write(struct ha_atomic *a, const void *p, size_t n, struct ha_err *err);
HA_MUST_CHECK int ha_atomic_commit(struct ha_atomic *a, struct ha_err *err);
void ha_atomic_abort(struct ha_atomic *a);
/* The three steps for bytes already in memory. */
HA_MUST_CHECK int ha_atomic_write_file(const char *path, const void *p, size_t n, unsigned mode,
                                       struct ha_err *err);

/* ------------------------------------------------------ certificate blobs */

/* What one stored certificate says about itself.  Parsed from the value
 * `Blob` of SystemCertificates\<store>\Certificates\<THUMBPRINT>: a sequence
 * of property records {u32 id; u32 reserved=1; u32 size; data}, where id
 * 0x20 holds the DER certificate. */
struct ha_cert_info {
	char thumbprint[41]; /* SHA-1 over the DER, upper-case hex */
	char subject[256];   /* RFC 2253, truncated */
	int64_t not_before;  /* Unix seconds */
	int64_t not_after;
	int has_hash_prop;  /* property 3 (SHA-1 hash) present */
	char hash_prop[41]; /* its value in hex, when present */
	size_t der_len;
};
/* Returns HA_OK, HA_ERR_FORMAT with the reason (record truncated, no
 * certificate record, DER does not parse) or HA_ERR_CRYPTO. */
HA_MUST_CHECK int ha_certblob_parse(const uint8_t *blob, size_t n, struct ha_cert_info *out,
                                    struct ha_err *err);

/* Creates a folder and its parents (mode 0755); HA_ERR_IO when a part
 * cannot be made or the path is not a folder at the end, HA_ERR_NOMEM. */
HA_MUST_CHECK int ha_mkdirs(const char *path, struct ha_err *err);

/* ------------------------------------------------------- process limits */

/* Limits the calling process's address space (RLIMIT_AS) to what it maps
 * now plus `budget` bytes (limits.c says why); 0 leaves it unlimited.
 * Returns setrlimit's result.  For worker processes, right after fork. */
int ha_limit_address_space(uint64_t budget);

#endif
