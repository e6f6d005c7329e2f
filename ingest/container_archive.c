/* container_archive.c: archives through libarchive (its only home).
 *
 * Formats: zip (zip64; WinZip AES and ZipCrypto with the configured
 * passwords), tar (plain, or gzip/xz/bzip2/zstd compressed), 7z.  What
 * libarchive 3.6 cannot do, and what we say instead of failing silently:
 * Deflate64 (method 9, which Windows Explorer writes for zips over 2 GB),
 * encrypted 7z ("Crypto codec not supported"), seeking inside zip or 7z
 * entries.  So a member is always decompressed whole into a memory file
 * (memfd_create: nothing lands on disk, and nothing survives a kill -9),
 * under a size limit and a compression-ratio limit that stop zip bombs.
 *
 * An archive or image inside an archive (Velociraptor's encrypted
 * data.zip, a KAPE zip holding a VHDX) is spooled into a memory file too,
 * up to max_nested bytes and max_depth levels, and opened in turn; a memory
 * file is a regular file, so libarchive reads the inner zip's central
 * directory by seeking. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container.h"

#define HEAD        4096
#define MAX_META    ((size_t)1 << 20) /* client_info.json and the like */
#define MAX_ENTRIES 1000000
#define MAX_RECORD  ((size_t)64 << 20) /* Uploads.json, CopyLog.csv */

static struct archive *open_fd(int fd, char *why, size_t wl)
{
	const struct ha_container_opts *o = ha_container_opts_get();
	struct archive *a = archive_read_new();
	size_t i;

	if (!a) {
		snprintf(why, wl, "out of memory");
		return NULL;
	}
	archive_read_support_filter_all(a);
	archive_read_support_format_zip(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_gnutar(a);
	archive_read_support_format_7zip(a);
	for (i = 0; i < o->npasswords; i++)
		archive_read_add_passphrase(a, o->passwords[i]);
	if (lseek(fd, 0, SEEK_SET) < 0 || archive_read_open_fd(a, fd, 1 << 16) != ARCHIVE_OK) {
		const char *m = archive_error_string(a);

		snprintf(why, wl, "not a readable archive: %s", m ? m : "unknown format");
		archive_read_free(a);
		return NULL;
	}
	return a;
}

/* Says why reading an entry's data failed, in the user's terms. */
static void data_problem(struct archive *a, struct archive_entry *e, char *why, size_t wl)
{
	const struct ha_container_opts *o = ha_container_opts_get();
	const char *m = archive_error_string(a);

	if (!m)
		m = "unknown error";
	if (strstr(m, "deflation-64") || strstr(m, "method (9"))
		snprintf(why, wl,
		         "compressed with Deflate64 (zip method 9), which cannot be read here; "
		         "re-pack it with Deflate");
	else if (strstr(m, "Crypto codec not supported") ||
	         (archive_format(a) == ARCHIVE_FORMAT_7ZIP &&
	          (archive_entry_is_encrypted(e) || strstr(m, "encrypted"))))
		snprintf(why, wl, "an encrypted 7z entry, which cannot be read here");
	else if (strstr(m, "Passphrase required") || strstr(m, "passphrase required"))
		snprintf(why, wl,
		         "encrypted, and no password was given (--password, --password-file or "
		         "HIVEAUDIT_PASSWORD)");
	else if (strstr(m, "ncorrect passphrase") ||
	         (archive_entry_is_encrypted(e) && o->npasswords))
		snprintf(why, wl, "encrypted, and the password%s given %s not open it (%s)",
		         o->npasswords > 1 ? "s" : "", o->npasswords > 1 ? "do" : "does", m);
	else
		snprintf(why, wl, "cannot be decompressed: %s", m);
}

/* Copies the rest of the current entry (after `head`, already read) into
 * fd, up to `limit` bytes and the configured ratio, and feeds every byte
 * (head included) to sh unless it is NULL: one pass.  0, or -1 with why
 * (HA_ERR_NOMEM is never the case here: the copy uses a fixed buffer). */
static int copy_entry(struct archive *a, struct archive_entry *e, const uint8_t *head, size_t nhead,
                      int fd, uint64_t limit, struct ha_sha256 *sh, char *why, size_t wl)
{
	struct ha_err he;
	const struct ha_container_opts *o = ha_container_opts_get();
	static uint8_t buf[1 << 16];
	int64_t in0 = archive_filter_bytes(a, -1);
	uint64_t total = nhead;
	ssize_t n;

	ha_err_clear(&he);
	if (nhead && write(fd, head, nhead) != (ssize_t)nhead) {
		snprintf(why, wl, "cannot write the memory file: %s", strerror(errno));
		return -1;
	}
	if (nhead && sh && ha_sha256_update(sh, head, nhead, &he)) {
		snprintf(why, wl, "cannot be hashed: %.300s", he.msg);
		return -1;
	}
	for (;;) {
		n = archive_read_data(a, buf, sizeof buf);
		if (n == 0)
			break;
		if (n < 0) {
			if (n == ARCHIVE_WARN || n == ARCHIVE_RETRY)
				continue;
			data_problem(a, e, why, wl);
			return -1;
		}
		total += (uint64_t)n;
		if (total > limit) {
			snprintf(why, wl,
			         "larger than the %llu MiB limit for one member (a zip bomb?)",
			         (unsigned long long)(limit >> 20));
			return -1;
		}
		if (total > o->ratio_floor) {
			int64_t in = archive_filter_bytes(a, -1) - in0 + (int64_t)nhead;

			if (in > 0 && total / (uint64_t)in > o->max_ratio) {
				snprintf(why, wl,
				         "compression ratio above %u:1 after %llu MiB (a zip "
				         "bomb?); "
				         "not extracted",
				         o->max_ratio, (unsigned long long)(total >> 20));
				return -1;
			}
		}
		if (write(fd, buf, (size_t)n) != n) {
			snprintf(why, wl, "cannot write the memory file: %s", strerror(errno));
			return -1;
		}
		if (sh && ha_sha256_update(sh, buf, (size_t)n, &he)) {
			snprintf(why, wl, "cannot be hashed: %.300s", he.msg);
			return -1;
		}
	}
	if (archive_entry_size_is_set(e) && (uint64_t)archive_entry_size(e) != total) {
		snprintf(why, wl, "the archive declares %lld bytes, %llu were read (truncated?)",
		         (long long)archive_entry_size(e), (unsigned long long)total);
		return -1;
	}
	return 0;
}

/* Reads up to HEAD bytes of the current entry.  Returns the count, or -1
 * with why. */
static ssize_t read_head(struct archive *a, struct archive_entry *e, uint8_t *head, char *why,
                         size_t wl)
{
	size_t got = 0;

	while (got < HEAD) {
		ssize_t n = archive_read_data(a, head + got, HEAD - got);

		if (n == 0)
			break;
		if (n < 0) {
			if (n == ARCHIVE_WARN || n == ARCHIVE_RETRY)
				continue;
			data_problem(a, e, why, wl);
			return -1;
		}
		got += (size_t)n;
	}
	return (ssize_t)got;
}

static int entry_type(struct archive_entry *e)
{
	if (archive_entry_hardlink(e))
		return HA_CE_HARDLINK;
	switch (archive_entry_filetype(e)) {
	case AE_IFREG: return HA_CE_FILE;
	case AE_IFDIR: return HA_CE_DIR;
	case AE_IFLNK: return HA_CE_SYMLINK;
	default: return HA_CE_OTHER;
	}
}

struct level {
	const char *file;
	const char **chain;
	size_t nchain;
	unsigned depth;
};

static int discover_level(const struct level *lv, int fd, const char *shown, const char *label,
                          struct ha_fleet *fleet, struct ha_err *err);

/* An archive or image met inside a level: spooled, hashed, opened. */
static int discover_nested(const struct level *lv, struct archive *a, struct archive_entry *e,
                           const char *name, const uint8_t *head, size_t nhead, int kind,
                           const char *shown, const char *plabel, struct ha_fleet *fleet,
                           struct ha_err *err)
{
	const struct ha_container_opts *o = ha_container_opts_get();
	struct level sub = *lv;
	const char **chain;
	struct ha_sha256 sh;
	char why[512], hex[65] = "", *inner_shown, *lab;
	int fd, rc;

	if (lv->depth + 1 >= o->max_depth)
		return ha_fleet_note(fleet, err,
		                     "%s%s%s: a container nested deeper than %u levels, "
		                     "not opened",
		                     shown, HA_CONT_SEP, name, o->max_depth);
	fd = memfd_create("hiveaudit-nested", MFD_CLOEXEC);
	if (fd < 0)
		return ha_fleet_note(fleet, err, "%s%s%s: cannot make a memory file: %s", shown,
		                     HA_CONT_SEP, name, strerror(errno));
	rc = o->no_hash ? HA_OK : ha_sha256_init(&sh, err);
	if (rc) {
		close(fd);
		return rc;
	}
	if (copy_entry(a, e, head, nhead, fd, o->max_nested, o->no_hash ? NULL : &sh, why,
	               sizeof why)) {
		if (!o->no_hash)
			ha_sha256_abort(&sh);
		close(fd);
		return ha_fleet_note(fleet, err, "%s%s%s: %s", shown, HA_CONT_SEP, name, why);
	}
	rc = o->no_hash ? HA_OK : ha_sha256_final(&sh, hex, err);
	if (rc) {
		close(fd);
		return rc;
	}
	inner_shown = ha_asprintf("%s%s%s", shown, HA_CONT_SEP, name);
	chain = malloc((lv->nchain + 1) * sizeof *chain);
	lab = ha_container_label(name);
	if (!inner_shown || !chain || !lab) {
		free(inner_shown);
		free(chain);
		free(lab);
		close(fd);
		return ha_err_nomem(err);
	}
	if (lv->nchain)
		memcpy(chain, lv->chain, lv->nchain * sizeof *chain);
	chain[lv->nchain] = name;
	sub.chain = chain;
	sub.nchain = lv->nchain + 1;
	sub.depth = lv->depth + 1;
	rc = ha_fleet_note(fleet, err, "%s: %s inside, sha256 %s", inner_shown,
	                   kind == HA_CONT_IMAGE ? "disk image" : "archive",
	                   o->no_hash ? "not computed (--hash none)" : hex);
	/* "data.zip" (Velociraptor's encrypted payload) says nothing of the
	 * host: the outer container's name does. */
	if (!rc) {
		const char *use = (!strcmp(lab, "data") || !lab[0]) ? plabel : lab;

		if (kind == HA_CONT_IMAGE)
			rc = ha_image_discover(lv->file, chain, sub.nchain, fd, inner_shown, use,
			                       fleet, err);
		else
			rc = discover_level(&sub, fd, inner_shown, use, fleet, err);
	}
	close(fd);
	free(inner_shown);
	free(chain);
	free(lab);
	return rc;
}

static int is_meta(const char *name, int *velo)
{
	static const char *const meta[] = {"uploads.json",     "collection_context.json",
	                                   "requests.json",    "log.json",
	                                   "client_info.json", "info.json"};
	size_t i;

	for (i = 0; i < sizeof meta / sizeof meta[0]; i++)
		if (!strcmp(name, meta[i])) {
			*velo = 1;
			return !strcmp(name, "client_info.json") || !strcmp(name, "info.json");
		}
	return 0;
}

/* 1: Velociraptor's upload results (results/...Uploads.json, JSON Lines
 * with SourceFileSha256); 2: KAPE's *_CopyLog.csv (SourceFileSha1). */
static int hash_record(const char *name)
{
	size_t n = strlen(name);
	const char *b = strrchr(name, '/');

	b = b ? b + 1 : name;
	if (!strncmp(name, "results/", 8) && n > 12 &&
	    ha_ascii_caseeq(name + n - 12, "Uploads.json"))
		return 1;
	if (strlen(b) > 12 && ha_ascii_caseeq(b + strlen(b) - 12, "_CopyLog.csv"))
		return 2;
	return 0;
}

/* A host name from a collector's record, if it is one we can print. */
static char *sane_hostname(char *h)
{
	size_t i, n;

	if (!h)
		return NULL;
	n = strlen(h);
	for (i = 0; i < n; i++)
		if ((unsigned char)h[i] < 0x20 || h[i] == 0x7F || h[i] == '/' || h[i] == '\\')
			break;
	if (!n || n > 255 || i < n) {
		free(h);
		return NULL;
	}
	return h;
}

static int discover_level(const struct level *lv, int fd, const char *shown, const char *label,
                          struct ha_fleet *fleet, struct ha_err *err)
{
	struct ha_clist l;
	struct archive *a;
	struct archive_entry *e;
	char why[512];
	int rc = HA_OK, r;

	memset(&l, 0, sizeof l);
	a = open_fd(fd, why, sizeof why);
	if (!a)
		return ha_fleet_note(fleet, err, "%s: %s", shown, why);
	while (!rc && (r = archive_read_next_header(a, &e)) != ARCHIVE_EOF) {
		const char *name;
		struct ha_centry *ce;
		uint8_t head[HEAD];
		ssize_t got;
		int type, kind;

		if (r == ARCHIVE_WARN || r == ARCHIVE_RETRY) {
			if (r == ARCHIVE_RETRY)
				continue;
		} else if (r != ARCHIVE_OK) {
			const char *m = archive_error_string(a);

			rc = ha_fleet_note(
			        fleet, err, "%s: listing stopped after %zu entries: %s%s", shown,
			        l.n, m ? m : "damaged archive",
			        l.n ? " (truncated or damaged; the entries before it are used)"
			            : "");
			break;
		}
		if (l.n >= MAX_ENTRIES) {
			rc = ha_fleet_note(fleet, err,
			                   "%s: more than %d entries; the rest is not read", shown,
			                   MAX_ENTRIES);
			break;
		}
		name = archive_entry_pathname_utf8(e);
		if (!name)
			name = archive_entry_pathname(e);
		if (!name || !name[0]) {
			rc = ha_fleet_note(fleet, err,
			                   "%s: an entry whose name cannot be decoded, skipped",
			                   shown);
			continue;
		}
		ce = ha_clist_add(&l, name);
		if (!ce) {
			rc = ha_err_nomem(err);
			break;
		}
		type = entry_type(e);
		ce->type = type;
		ce->size = archive_entry_size_is_set(e) ? (uint64_t)archive_entry_size(e) : 0;
		if (type != HA_CE_FILE)
			continue;
		got = read_head(a, e, head, why, sizeof why);
		if (got < 0) {
			char *lab = ha_container_label(name);

			ce->problem = ha_strdup(why);
			if (!ce->problem || !lab)
				rc = ha_err_nomem(err);
			/* A hive gets the problem as its status (the layout);
			 * a container inside (data.zip) gets a note. */
			else if (strlen(lab) < strlen(strrchr(name, '/') ? strrchr(name, '/') + 1
			                                                 : name) &&
			         ++l.nnested)
				rc = ha_fleet_note(fleet, err, "%s%s%s: %s", shown, HA_CONT_SEP,
				                   name, why);
			free(lab);
			continue;
		}
		if (is_meta(name, &l.velociraptor) || hash_record(name)) {
			struct ha_buf b;

			ha_buf_init(&b, hash_record(name) ? MAX_RECORD : MAX_META);
			ha_buf_add(&b, head, (size_t)got);
			while ((size_t)got == HEAD && !ha_buf_status(&b)) {
				uint8_t more[HEAD];
				ssize_t m = archive_read_data(a, more, sizeof more);

				if (m <= 0)
					break;
				ha_buf_add(&b, more, (size_t)m);
			}
			if (hash_record(name)) {
				/* Cut short by the limit: the rows read still count. */
				rc = ha_clist_read_hashes(&l, (const char *)b.data, b.len,
				                          hash_record(name) == 2);
				if (rc)
					rc = ha_err_nomem(err);
			} else if (!ha_buf_status(&b) && !l.hostname) {
				l.hostname = sane_hostname(ha_json_top_string((const char *)b.data,
				                                              b.len, "Hostname"));
			}
			ha_buf_free(&b);
			continue;
		}
		if (got >= 4 && !memcmp(head, "regf", 4)) {
			struct ha_baseblock bb;

			ce->is_regf = 1;
			if (got == HEAD && ha_baseblock_parse(head, HEAD, &bb) == HA_OK) {
				ce->bb_log = ha_bb_is_log(&bb);
				ce->bb_kind = ha_kind_from_name(ha_bb_name_tail(&bb));
			}
			continue;
		}
		kind = ha_container_sniff(head, (size_t)got, name);
		if (kind) {
			ce->nested = kind;
			l.nnested++;
			rc = discover_nested(lv, a, e, ce->name, head, (size_t)got, kind, shown,
			                     l.hostname ? l.hostname : label, fleet, err);
		}
	}
	archive_read_free(a);
	if (!rc) {
		char *lab = l.hostname ? l.hostname : (char *)label;

		rc = ha_container_add_hosts(lv->file, lv->chain, lv->nchain, shown, "", lab, &l,
		                            fleet, err);
	}
	ha_clist_free(&l);
	return rc;
}

int ha_archive_discover(const char *path, struct ha_fleet *fleet, struct ha_err *err)
{
	struct level lv = {path, NULL, 0, 0};
	char *label;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return ha_fleet_note(fleet, err, "%s: cannot open: %s", path, strerror(errno));
	label = ha_container_label(path);
	if (!label) {
		close(fd);
		return ha_err_nomem(err);
	}
	rc = discover_level(&lv, fd, path, label, fleet, err);
	free(label);
	close(fd);
	return rc;
}

/* ------------------------------------------------------------ staging */

static void all_why(const struct ha_container_job *cj, char **why, const char *s)
{
	size_t i;

	for (i = 0; i < cj->nmembers; i++)
		if (!why[i])
			why[i] = ha_strdup(s);
}

/* The member's bytes against the hash its collector recorded ("sha256:HEX"
 * or "sha1:HEX"; NULL: nothing recorded).  0 when they agree or nothing
 * was recorded; -1 with why when they differ. */
static int check_recorded(int fd, const char *expect, const char *streamed, char *why, size_t wl)
{
	struct ha_err e;
	char hex[65];
	off_t size;
	void *m;
	int sha1, rc;

	if (!expect)
		return 0;
	sha1 = !strncmp(expect, "sha1:", 5);
	if (!sha1 && streamed && streamed[0]) {
		/* Hashed while extracted: no second pass. */
		snprintf(hex, sizeof hex, "%s", streamed);
		goto compare;
	}
	size = lseek(fd, 0, SEEK_END);
	if (size <= 0)
		m = NULL;
	else if ((m = mmap(NULL, (size_t)size, PROT_READ, MAP_SHARED, fd, 0)) == MAP_FAILED)
		return 0; /* the reader reports what it cannot map */
	ha_err_clear(&e);
	if (sha1) {
		uint8_t d[20];
		size_t i;

		rc = ha_sha1(m ? m : "", m ? (size_t)size : 0, d, &e);
		for (i = 0; !rc && i < 20; i++)
			snprintf(hex + 2 * i, 3, "%02x", d[i]);
	} else {
		struct ha_sha256 sh;

		rc = ha_sha256_init(&sh, &e);
		if (!rc)
			rc = ha_sha256_update(&sh, m ? m : "", m ? (size_t)size : 0, &e);
		if (!rc)
			rc = ha_sha256_final(&sh, hex, &e);
	}
	if (m)
		munmap(m, (size_t)size);
	if (rc)
		return 0;
compare:
	if (!strcmp(hex, strchr(expect, ':') + 1))
		return 0;
	snprintf(why, wl,
	         "the collector recorded %s %s for this file, its bytes hash to %s: changed or "
	         "damaged after collection",
	         sha1 ? "SHA-1" : "SHA-256", strchr(expect, ':') + 1, hex);
	return -1;
}

/* Finds `name` in the archive at fd and copies it into a new memory file;
 * -1 with why when it cannot. */
static int fetch_one(int fd, const char *name, uint64_t limit, int *out, char *why, size_t wl)
{
	struct archive *a = open_fd(fd, why, wl);
	struct archive_entry *e;
	int r, mfd;

	*out = -1;
	if (!a)
		return -1;
	while ((r = archive_read_next_header(a, &e)) != ARCHIVE_EOF) {
		const char *n;

		if (r == ARCHIVE_RETRY)
			continue;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			snprintf(why, wl, "the archive cannot be read: %s",
			         archive_error_string(a));
			archive_read_free(a);
			return -1;
		}
		n = archive_entry_pathname_utf8(e);
		if (!n)
			n = archive_entry_pathname(e);
		if (!n || strcmp(n, name))
			continue;
		mfd = memfd_create("hiveaudit-nested", MFD_CLOEXEC);
		if (mfd < 0) {
			snprintf(why, wl, "cannot make a memory file: %s", strerror(errno));
			archive_read_free(a);
			return -1;
		}
		if (copy_entry(a, e, NULL, 0, mfd, limit, NULL, why, wl)) {
			close(mfd);
			archive_read_free(a);
			return -1;
		}
		archive_read_free(a);
		*out = mfd;
		return 0;
	}
	snprintf(why, wl, "\"%s\" is no longer in the archive (it changed since it was listed)",
	         name);
	archive_read_free(a);
	return -1;
}

/* Extracts the current entry into a new memory file (*out), hashing it
 * on the way (into hex) unless --hash none and nothing recorded needs its
 * SHA-256, and checks what the collector recorded.  -1 with msg. */
static int extract_member(struct archive *a, struct archive_entry *e, const char *expect, int *out,
                          char *hex, char *msg, size_t ml)
{
	const struct ha_container_opts *o = ha_container_opts_get();
	int hashing = !o->no_hash || (expect && !strncmp(expect, "sha256:", 7));
	struct ha_sha256 sh;
	struct ha_err he;
	int mfd;

	*out = -1;
	hex[0] = '\0';
	ha_err_clear(&he);
	if (hashing && ha_sha256_init(&sh, &he)) {
		snprintf(msg, ml, "cannot be hashed: %.300s", he.msg);
		return -1;
	}
	mfd = memfd_create("hiveaudit-member", MFD_CLOEXEC);
	if (mfd < 0) {
		snprintf(msg, ml, "cannot make a memory file: %s", strerror(errno));
		if (hashing)
			ha_sha256_abort(&sh);
		return -1;
	}
	if (copy_entry(a, e, NULL, 0, mfd, o->max_member, hashing ? &sh : NULL, msg, ml)) {
		if (hashing)
			ha_sha256_abort(&sh);
		close(mfd);
		return -1;
	}
	if (hashing && ha_sha256_final(&sh, hex, &he)) {
		snprintf(msg, ml, "cannot be hashed: %.300s", he.msg);
		close(mfd);
		return -1;
	}
	if (check_recorded(mfd, expect, hex, msg, ml)) {
		close(mfd);
		return -1;
	}
	*out = mfd;
	return 0;
}

int ha_archive_stage(const struct ha_container_job *cj, char **why, struct ha_err *err)
{
	const struct ha_container_opts *o = ha_container_opts_get();
	struct archive *a;
	struct archive_entry *e;
	char msg[512];
	size_t i, nchain = cj->nchain;
	int fd, r, rc = HA_OK;

	fd = open(cj->file, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		snprintf(msg, sizeof msg, "cannot open the container: %s", strerror(errno));
		all_why(cj, why, msg);
		return HA_OK;
	}
	/* Every link of the chain is fetched: nested archives, and for an
	 * image inside an archive, the image itself. */
	for (i = 0; i < nchain; i++) {
		int next;

		if (fetch_one(fd, cj->chain[i], o->max_nested, &next, msg, sizeof msg)) {
			close(fd);
			all_why(cj, why, msg);
			return HA_OK;
		}
		close(fd);
		fd = next;
	}
	if (cj->final == HA_CJ_IMAGE) {
		rc = ha_image_stage(cj, fd, why, err);
		close(fd);
		return rc;
	}
	a = open_fd(fd, msg, sizeof msg);
	if (!a) {
		close(fd);
		all_why(cj, why, msg);
		return HA_OK;
	}
	while ((r = archive_read_next_header(a, &e)) != ARCHIVE_EOF) {
		const char *n;

		if (r == ARCHIVE_RETRY)
			continue;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			const char *m = archive_error_string(a);

			snprintf(msg, sizeof msg, "the archive cannot be read past this point: %s",
			         m ? m : "damaged");
			all_why(cj, why, msg);
			break;
		}
		n = archive_entry_pathname_utf8(e);
		if (!n)
			n = archive_entry_pathname(e);
		if (!n || archive_entry_filetype(e) != AE_IFREG || archive_entry_hardlink(e))
			continue;
		for (i = 0; i < cj->nmembers; i++) {
			char hex[65] = "";
			int mfd;

			if (why[i] || strcmp(cj->inner[i], n))
				continue;
			if (extract_member(a, e, cj->expect ? cj->expect[i] : NULL, &mfd, hex, msg,
			                   sizeof msg)) {
				why[i] = ha_strdup(msg);
			} else {
				rc = ha_member_register(cj->display[i], mfd,
				                        o->no_hash ? NULL : hex);
				if (rc) {
					archive_read_free(a);
					close(fd);
					return ha_err_set(err, rc, "out of memory");
				}
				why[i] = ha_strdup(""); /* done */
			}
			if (!why[i]) {
				archive_read_free(a);
				close(fd);
				return ha_err_nomem(err);
			}
			break;
		}
	}
	archive_read_free(a);
	close(fd);
	all_why(cj, why, "not found in the archive any more (it changed since it was listed)");
	return HA_OK;
}
