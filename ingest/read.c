/* read.c: reading one host's hives into a snapshot.
 *
 * (Over 1,000 lines: opening one hive safely is many steps, each with its
 * status and reason: signature before mapping, base block, log replay,
 * degraded hives, exports, control sets.)
 *
 * For every file of the host folder: open it without following links,
 * map it read-only, hash it (SHA-256 over exactly the bytes we parse),
 * parse the base block ourselves, open it with hivex, and tell its kind from
 * its root keys.  Then assign the SYSTEM and SOFTWARE roles, choose the
 * control set, and fetch what the requests ask for.
 *
 * A .reg text export is read the same way through the reader's second
 * backend (read_export): parsed once, it provides the SYSTEM and the
 * SOFTWARE part it holds.
 *
 * Nothing a hive contains can make this fail: problems become the file's
 * status and reason, or a key's state.  Crashes inside hivex are the worker
 * pool's business (worker.c). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ingest_internal.h"

#define DEFAULT_MAX_VALUE   ((size_t)1 << 20)
#define DEFAULT_MAX_MATCHES 512
#define MAX_ROOT_KIDS       4096

struct open_file {
	int fd;
	const uint8_t *map;
	size_t size;
	struct ha_hive *hive;
	struct stat st;
	/* After log replay the hive is read from a sealed memory file holding
	 * the recovered image (img_fd is open only while img_map is set). */
	int img_fd;
	const uint8_t *img_map;
	size_t img_size;
};

static int set_str(char **dst, const char *s)
{
	free(*dst);
	*dst = ha_strdup(s);
	return *dst ? HA_OK : HA_ERR_NOMEM;
}

static int set_fmt(char **dst, const char *fmt, ...) HA_PRINTF(2, 3);
static int set_fmt(char **dst, const char *fmt, ...)
{
	struct ha_buf b;
	va_list ap;

	ha_buf_init(&b, 0);
	va_start(ap, fmt);
	ha_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	free(*dst);
	*dst = ha_buf_detach(&b, NULL);
	return *dst ? HA_OK : HA_ERR_NOMEM;
}

/* --------------------------------------------------------- classification */

struct rootkeys {
	int select, controlset, microsoft, classes, policies, control_panel, environment, appevents,
	        console, software, sam, policy, rxact, cache, canonical, derived, objects,
	        description, driverdb, clsid, star, local_settings;
	size_t count;
};

static int is_controlset_name(const char *s)
{
	return ha_ascii_ncasecmp(s, "ControlSet", 10) == 0 && s[10] >= '0' && s[10] <= '9' &&
	       s[11] >= '0' && s[11] <= '9' && s[12] >= '0' && s[12] <= '9' && s[13] == '\0';
}

/* Notes which marker keys the root holds.  -1 (with herr) when the root's
 * own subkey list cannot be read: then nothing in the hive can. */
static int scan_root(struct ha_hive *hv, struct rootkeys *rk, struct ha_err *herr)
{
	static const struct {
		const char *name;
		size_t off;
	} marks[] = {
	        {"Select", offsetof(struct rootkeys, select)},
	        {"Microsoft", offsetof(struct rootkeys, microsoft)},
	        {"Classes", offsetof(struct rootkeys, classes)},
	        {"Policies", offsetof(struct rootkeys, policies)},
	        {"Control Panel", offsetof(struct rootkeys, control_panel)},
	        {"Environment", offsetof(struct rootkeys, environment)},
	        {"AppEvents", offsetof(struct rootkeys, appevents)},
	        {"Console", offsetof(struct rootkeys, console)},
	        {"Software", offsetof(struct rootkeys, software)},
	        {"SAM", offsetof(struct rootkeys, sam)},
	        {"Policy", offsetof(struct rootkeys, policy)},
	        {"RXACT", offsetof(struct rootkeys, rxact)},
	        {"Cache", offsetof(struct rootkeys, cache)},
	        {"CanonicalData", offsetof(struct rootkeys, canonical)},
	        {"DerivedData", offsetof(struct rootkeys, derived)},
	        {"Objects", offsetof(struct rootkeys, objects)},
	        {"Description", offsetof(struct rootkeys, description)},
	        {"DriverDatabase", offsetof(struct rootkeys, driverdb)},
	        {"CLSID", offsetof(struct rootkeys, clsid)},
	        {"*", offsetof(struct rootkeys, star)},
	        {"Local Settings", offsetof(struct rootkeys, local_settings)},
	};
	ha_node *kids = NULL;
	size_t n = 0, i, j;
	struct ha_buf nb;

	memset(rk, 0, sizeof *rk);
	if (ha_hive_children(hv, ha_hive_root(hv), &kids, &n, herr) != HA_OK)
		return -1;
	rk->count = n;
	ha_buf_init(&nb, 4096);
	for (i = 0; i < n && i < MAX_ROOT_KIDS; i++) {
		ha_buf_truncate(&nb, 0);
		if (ha_hive_node_name(hv, kids[i], &nb) != HA_OK) {
			nb.failed = 0;
			continue;
		}
		if (is_controlset_name(ha_buf_cstr(&nb)))
			rk->controlset = 1;
		for (j = 0; j < sizeof marks / sizeof marks[0]; j++)
			if (ha_ascii_caseeq(ha_buf_cstr(&nb), marks[j].name))
				*(int *)((char *)rk + marks[j].off) = 1;
	}
	ha_buf_free(&nb);
	free(kids);
	return 0;
}

/* The kind the root keys prove, or HA_FK_UNKNOWN. */
static int kind_from_root(const struct rootkeys *rk, int hint, const char **why)
{
	int user = rk->control_panel || rk->appevents || rk->environment || rk->console;

	if (rk->select && rk->controlset) {
		*why = "root keys Select and ControlSetNNN";
		return HA_FK_SYSTEM;
	}
	if (rk->microsoft && !user) {
		*why = rk->classes ? "root keys Microsoft and Classes" : "root key Microsoft";
		return HA_FK_SOFTWARE;
	}
	if (user || (rk->software && !rk->microsoft)) {
		*why = "root keys of a user profile (Control Panel, Environment, Software)";
		return hint == HA_FK_DEFAULT ? HA_FK_DEFAULT : HA_FK_NTUSER;
	}
	if (rk->policy && (rk->rxact || rk->cache || rk->sam)) {
		*why = "root keys Policy and RXACT/Cache";
		return HA_FK_SECURITY;
	}
	if (rk->sam && rk->count <= 2) {
		*why = "root key SAM";
		return HA_FK_SAM;
	}
	if (rk->canonical || rk->derived) {
		*why = "root keys CanonicalData/DerivedData";
		return HA_FK_COMPONENTS;
	}
	if (rk->objects && rk->description) {
		*why = "root keys Objects and Description";
		return HA_FK_BCD;
	}
	if (rk->driverdb) {
		*why = "root key DriverDatabase";
		return HA_FK_DRIVERS;
	}
	if (rk->clsid || rk->star || rk->local_settings) {
		*why = "root keys of a user class hive (CLSID, *, Local Settings)";
		return HA_FK_USRCLASS;
	}
	*why = NULL;
	return HA_FK_UNKNOWN;
}

/* ------------------------------------------------------------ one file */

static void close_file(struct open_file *of)
{
	ha_hive_close(of->hive);
	of->hive = NULL;
	if (of->img_map) {
		munmap((void *)of->img_map, of->img_size);
		close(of->img_fd);
	}
	of->img_map = NULL;
	if (of->map && of->size)
		munmap((void *)of->map, of->size);
	of->map = NULL;
	if (of->fd >= 0)
		close(of->fd);
	of->fd = -1;
}

static const char *log_summary(const struct ha_hivefile *f, char *buf, size_t len)
{
	size_t i, used = 0;

	if (!f->nlogs) {
		snprintf(buf, len, "no transaction logs beside it");
		return buf;
	}
	used = (size_t)snprintf(buf, len, "logs present (");
	for (i = 0; i < f->nlogs && used < len; i++) {
		const char *b = strrchr(f->logs[i], '/');

		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
		                         b ? b + 1 : f->logs[i]);
	}
	if (used < len)
		snprintf(buf + used, len - used, ")");
	return buf;
}

/* Replays the logs beside a dirty hive into a sealed memory file and opens
 * that with hivex in strict mode.  On success of->hive reads the recovered
 * image and f->replay says what was applied; the evidence file is only
 * read, and its SHA-256 stays the one recorded.  On refusal `refused` holds
 * the one-line reason and `of` is as it was.  Only allocation failure is an
 * error. */
static int try_replay(const struct ha_job_file *jf, const struct ha_read_opts *opts,
                      struct ha_hivefile *f, struct open_file *of, char *refused, size_t rlen,
                      struct ha_err *err)
{
	struct ha_replay_log logs[HA_REPLAY_MAX_LOGS];
	uint8_t *data[HA_REPLAY_MAX_LOGS] = {NULL};
	struct ha_replay_result res;
	struct ha_hive *hv = NULL;
	const uint8_t *map = NULL;
	size_t i, n = 0;
	struct ha_err e;
	int rc = HA_OK, degraded = 0, fd = -1;

	refused[0] = '\0';
	memset(&res, 0, sizeof res);
	if (jf->nlogs > HA_REPLAY_MAX_LOGS) {
		snprintf(refused, rlen, "%zu logs beside the hive, at most %d are read", jf->nlogs,
		         HA_REPLAY_MAX_LOGS);
		return HA_OK;
	}
	for (i = 0; i < jf->nlogs; i++) {
		const char *b = strrchr(jf->logs[i], '/');

		ha_err_clear(&e);
		rc = ha_replay_read_log(jf->logs[i], 0, &data[n], &logs[n].size, &e);
		if (rc) {
			snprintf(refused, rlen, "%s: %s", b ? b + 1 : jf->logs[i], e.msg);
			goto out;
		}
		logs[n].name = b ? b + 1 : jf->logs[i];
		logs[n].data = data[n];
		n++;
	}
	ha_err_clear(&e);
	rc = ha_replay(of->map, of->size, logs, n, NULL, &res, &e);
	if (rc) {
		snprintf(refused, rlen, "%s", e.msg);
		goto out;
	}
	ha_err_clear(&e);
	rc = ha_image_memfd(res.image, res.size, &fd, &map, &e);
	if (!rc)
		rc = ha_hive_open(fd, map, res.size, opts->capture_messages, &hv, &degraded, &e);
	if (!rc && degraded)
		rc = HA_ERR_HIVE; /* Windows would not have loaded it either */
	if (rc) {
		snprintf(refused, rlen, "the replayed hive does not open: %s", e.msg);
		ha_hive_close(hv);
		if (map)
			munmap((void *)map, res.size);
		if (fd >= 0)
			close(fd);
		goto out;
	}
	if (set_str(&f->replay, res.summary)) {
		ha_hive_close(hv);
		munmap((void *)map, res.size);
		close(fd);
		rc = HA_ERR_NOMEM;
		goto out;
	}
	of->hive = hv;
	of->img_fd = fd;
	of->img_map = map;
	of->img_size = res.size;
	/* The original is hashed; only its descriptor is still needed (to
	 * notice a change while reading). */
	munmap((void *)of->map, of->size);
	of->map = NULL;
out:
	ha_replay_result_free(&res);
	for (i = 0; i < n; i++)
		free(data[i]);
	if (rc == HA_ERR_NOMEM)
		return ha_err_nomem(err);
	return HA_OK;
}

/* A file without the "regf" signature: not a hive (not_a_hive), unless a
 * hive bin follows its first 4096 bytes and a log beside it restores the
 * base block, as for a wrong checksum.  On success of->hive is open on the
 * recovered image; otherwise f says not_a_hive, with what the logs said
 * when they were tried.  Only allocation failure is an error. */
static int replay_unsigned(const struct ha_job_file *jf, const struct ha_read_opts *opts,
                           struct ha_hivefile *f, struct open_file *of, char *refused, size_t rlen,
                           struct ha_err *err)
{
	char logs[300];
	int rc;

	if (of->size >= HA_BASEBLOCK_SIZE + 32 &&
	    memcmp(of->map + HA_BASEBLOCK_SIZE, "hbin", 4) == 0 && jf->nlogs && !opts->no_replay) {
		rc = try_replay(jf, opts, f, of, refused, rlen, err);
		if (rc || of->hive)
			return rc;
	}
	f->status = HA_HS_NOT_HIVE;
	if (jf->hint == HA_FK_UNKNOWN)
		f->kind = HA_FK_NOT_HIVE;
	if (refused[0])
		return set_fmt(&f->reason,
		               "no regf signature: not a registry hive, or one whose base block "
		               "is damaged (a hive bin follows it); %s; logs refused: %s",
		               log_summary(f, logs, sizeof logs), refused)
		               ? ha_err_nomem(err)
		               : HA_OK;
	return set_str(&f->reason, "no regf signature: not a registry hive") ? ha_err_nomem(err)
	                                                                     : HA_OK;
}

/* Reads up to 4 bytes from the start of fd; 0 or an errno. */
static int read_signature(int fd, uint8_t sig[4], size_t *n)
{
	*n = 0;
	while (*n < 4) {
		ssize_t r = pread(fd, sig + *n, 4 - *n, (off_t)*n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return errno ? errno : EIO;
		if (r == 0)
			break;
		*n += (size_t)r;
	}
	return 0;
}

/* A file without the regf signature: hashed by reading it in chunks (its
 * evidence is the same as any other file's, whatever its size), never
 * mapped; with --hash none not read past its signature at all. */
static int not_a_hive(const struct ha_job_file *jf, const struct ha_read_opts *opts,
                      struct ha_hivefile *f, struct open_file *of, struct ha_err *err)
{
	const size_t csize = (size_t)1 << 20;
	uint8_t *chunk;
	struct ha_sha256 sh;
	uint64_t done = 0;
	int rc, cut = 0;

	if (opts->no_hash) {
		snprintf(f->sha256, sizeof f->sha256, "%s", HA_HASH_NOT_COMPUTED);
		chunk = NULL;
		rc = HA_OK;
		goto out;
	}
	chunk = malloc(csize);
	if (!chunk)
		return ha_err_nomem(err);
	rc = ha_sha256_init(&sh, err);
	if (rc)
		goto out;
	while (done < f->size) {
		size_t want = f->size - done < csize ? (size_t)(f->size - done) : csize;
		ssize_t r = pread(of->fd, chunk, want, (off_t)done);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			int e = r < 0 ? errno : 0;

			ha_sha256_abort(&sh);
			f->status = HA_HS_UNREADABLE;
			cut = 1;
			rc = e ? set_fmt(&f->reason, "cannot read: %s", strerror(e))
			       : set_str(&f->reason, "changed while read: the file shrank");
			goto out;
		}
		rc = ha_sha256_update(&sh, chunk, (size_t)r, err);
		if (rc) {
			ha_sha256_abort(&sh);
			goto out;
		}
		done += (uint64_t)r;
	}
	rc = ha_sha256_final(&sh, f->sha256, err);
out:
	free(chunk);
	if (rc || cut)
		return rc;
	f->status = HA_HS_NOT_HIVE;
	if (jf->hint == HA_FK_UNKNOWN)
		f->kind = HA_FK_NOT_HIVE;
	return set_str(&f->reason, "no regf signature: not a registry hive");
}

/* Opens, hashes, pre-flights and (if it is a hive) opens one file with
 * hivex.  Fills f; leaves `of` open only when the hive is readable. */
static int read_file(const struct ha_job_file *jf, const struct ha_read_opts *opts,
                     struct ha_hivefile *f, struct open_file *of, struct ha_err *err)
{
	char logs[300], refused[1024] = "", truncated[160] = "";
	struct ha_err herr; /* what the registry reader said of this hive */
	struct ha_sha256 sh;
	const char *kwhy = NULL;
	struct rootkeys rk;
	int degraded = 0, kind, rc, no_magic = 0, unsigned_candidate = 0;
	uint8_t sig[4], bin[4];
	size_t nsig = 0;

	ha_err_clear(&herr);
	of->fd = ha_input_open(jf->path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (of->fd < 0) {
		f->status = HA_HS_UNREADABLE;
		return set_fmt(&f->reason, "cannot open: %s", strerror(errno));
	}
	if (fstat(of->fd, &of->st) != 0 || !S_ISREG(of->st.st_mode)) {
		f->status = HA_HS_UNREADABLE;
		return set_str(&f->reason, "not a regular file");
	}
	f->size = (uint64_t)of->st.st_size;
	f->mtime_ns = (int64_t)of->st.st_mtim.tv_sec * 1000000000LL + of->st.st_mtim.tv_nsec;
	if (of->st.st_size == 0) {
		f->status = HA_HS_NOT_HIVE;
		f->kind = jf->hint == HA_FK_UNKNOWN ? HA_FK_NOT_HIVE : f->kind;
		return set_str(&f->reason, "empty file");
	}
	/* The signature is checked before mapping: a file that is not a hive
	 * is never mapped, so its size (a sparse 4 GiB file of zeros) cannot
	 * make it "unreadable" under the worker's address-space limit. */
	rc = read_signature(of->fd, sig, &nsig);
	if (rc) {
		f->status = HA_HS_UNREADABLE;
		return set_fmt(&f->reason, "cannot read: %s", strerror(rc));
	}
	if (nsig < 4 || memcmp(sig, "regf", 4) != 0) {
		/* Mapped only when it may be a hive whose base block a log can
		 * restore: a hive bin right after it, and logs to take it from. */
		unsigned_candidate = jf->nlogs && !opts->no_replay &&
		                     of->st.st_size >= HA_BASEBLOCK_SIZE + 32 &&
		                     pread(of->fd, bin, 4, HA_BASEBLOCK_SIZE) == 4 &&
		                     memcmp(bin, "hbin", 4) == 0;
		if (!unsigned_candidate)
			return not_a_hive(jf, opts, f, of, err);
	}
	if ((uint64_t)of->st.st_size > (uint64_t)SIZE_MAX / 2) {
		f->status = HA_HS_UNREADABLE;
		return set_str(&f->reason, "file too large to map");
	}
	of->size = (size_t)of->st.st_size;
	of->map = mmap(NULL, of->size, PROT_READ, MAP_SHARED, of->fd, 0);
	if (of->map == MAP_FAILED) {
		of->map = NULL;
		f->status = HA_HS_UNREADABLE;
		return set_fmt(&f->reason, "cannot map: %s", strerror(errno));
	}
	madvise((void *)of->map, of->size, MADV_SEQUENTIAL);
	if (opts->no_hash) {
		/* Said plainly wherever a hash would be shown, never "". */
		snprintf(f->sha256, sizeof f->sha256, "%s", HA_HASH_NOT_COMPUTED);
	} else if (ha_input_sha256(jf->path, f->sha256)) {
		/* A container's member, hashed while it was extracted. */
	} else {
		rc = ha_sha256_init(&sh, err);
		if (!rc)
			rc = ha_sha256_update(&sh, of->map, of->size, err);
		if (!rc)
			rc = ha_sha256_final(&sh, f->sha256, err);
		else
			ha_sha256_abort(&sh);
		if (rc)
			return rc;
	}

	if (of->size < 4 || memcmp(of->map, "regf", 4) != 0) {
		if (!unsigned_candidate) {
			/* Rewritten between the check and the map. */
			f->status = HA_HS_UNREADABLE;
			return set_str(&f->reason, "changed while read: its signature is gone");
		}
		rc = replay_unsigned(jf, opts, f, of, refused, sizeof refused, err);
		if (rc || !of->hive)
			return rc;
		no_magic = 1;
	}
	if (!no_magic && ha_baseblock_parse(of->map, of->size, &f->bb) != HA_OK) {
		f->status = HA_HS_UNREADABLE;
		return set_fmt(&f->reason,
		               "truncated: %zu bytes, shorter than the 4096-byte base block",
		               of->size);
	}
	f->bb_valid = !no_magic;
	f->dirty = no_magic || ha_baseblock_dirty(&f->bb);
	/* The header says how much hive bins data follows it; a shorter file
	 * lost its end (a copy cut short).  hivex may still open what is left
	 * when the cut falls on a bin boundary, but keys may be missing. */
	if ((uint64_t)HA_BASEBLOCK_SIZE + f->bb.hbins_size > f->size)
		snprintf(
		        truncated, sizeof truncated,
		        "truncated: the header declares %u bytes of hive bins, the file holds %llu",
		        f->bb.hbins_size,
		        (unsigned long long)(f->size > HA_BASEBLOCK_SIZE
		                                     ? f->size - HA_BASEBLOCK_SIZE
		                                     : 0));
	if (ha_bb_is_log(&f->bb) && (jf->hint == HA_FK_SYSTEM || jf->hint == HA_FK_SOFTWARE)) {
		f->status = HA_HS_UNREADABLE;
		return set_fmt(&f->reason,
		               "%s, but its header says it is a transaction log (file type %u), "
		               "not a primary hive",
		               jf->hint_why ? jf->hint_why : "named as a hive", f->bb.type);
	}
	if (ha_bb_is_log(&f->bb)) {
		f->status = HA_HS_SKIPPED;
		f->kind = HA_FK_LOG;
		return set_fmt(&f->reason, "a transaction log (file type %u), not a primary hive",
		               f->bb.type);
	}

	/* A dirty hive is read as Windows would recover it, from its logs;
	 * a wrong header checksum (hivex refuses the file) is recovered the same
	 * way when a log's base block allows. */
	if (f->dirty && !of->hive && !opts->no_replay && jf->nlogs) {
		rc = try_replay(jf, opts, f, of, refused, sizeof refused, err);
		if (rc)
			return rc;
	}
	rc = of->hive ? HA_OK
	              : ha_hive_open(of->fd, of->map, of->size, opts->capture_messages, &of->hive,
	                             &degraded, &herr);
	if (rc == HA_ERR_NOMEM)
		return ha_err_nomem(err);
	if (rc) {
		f->status = HA_HS_UNREADABLE;
		if (!f->bb.checksum_ok)
			return set_fmt(&f->reason,
			               "header checksum wrong (stored 0x%08x, computed 0x%08x); "
			               "%s; %s%s%s",
			               f->bb.checksum_stored, f->bb.checksum_computed, herr.msg,
			               log_summary(f, logs, sizeof logs),
			               refused[0] ? "; logs refused: " : "", refused);
		if (truncated[0])
			return set_fmt(&f->reason, "%s; %s", truncated, herr.msg)
			               ? ha_err_nomem(err)
			               : HA_OK;
		return set_str(&f->reason, herr.msg);
	}
	if (truncated[0] && !f->replay) {
		/* Readable, but not whole: what was in the lost part is unknown. */
		char both[sizeof herr.msg];

		snprintf(both, sizeof both, "%.200s%s%.300s", truncated, herr.msg[0] ? "; " : "",
		         herr.msg);
		memcpy(herr.msg, both, sizeof both);
		degraded = 1;
	}
	f->degraded = degraded;

	if (scan_root(of->hive, &rk, &herr) != 0) {
		f->status = HA_HS_UNREADABLE;
		return set_fmt(&f->reason, "the root key's subkeys cannot be read (%s)%s%s",
		               herr.msg, truncated[0] ? "; " : "", truncated)
		               ? ha_err_nomem(err)
		               : HA_OK;
	}
	kind = kind_from_root(&rk, jf->hint, &kwhy);
	if (kind != HA_FK_UNKNOWN) {
		f->kind = kind;
		if (set_str(&f->kind_why, kwhy))
			return ha_err_nomem(err);
	} else if (jf->hint != HA_FK_UNKNOWN) {
		f->kind = jf->hint;
		if (set_fmt(&f->kind_why, "root keys inconclusive; %s",
		            jf->hint_why ? jf->hint_why : "named so"))
			return ha_err_nomem(err);
	}

	if (f->kind != HA_FK_SYSTEM && f->kind != HA_FK_SOFTWARE &&
	    !(jf->hint == HA_FK_SYSTEM || jf->hint == HA_FK_SOFTWARE)) {
		/* SAM, SECURITY, user hives...: recognised, not audited. */
		f->status = HA_HS_SKIPPED;
		ha_hive_close(of->hive);
		of->hive = NULL;
		if (f->kind == HA_FK_UNKNOWN)
			return set_str(&f->reason,
			               "a registry hive of unknown kind (its root keys are "
			               "neither SYSTEM's nor SOFTWARE's); not audited")
			               ? ha_err_nomem(err)
			               : HA_OK;
		return set_fmt(&f->reason, "a %s hive (%s); not used by this audit",
		               ha_file_kind_name(f->kind), f->kind_why ? f->kind_why : "")
		               ? ha_err_nomem(err)
		               : HA_OK;
	}
	if ((jf->hint == HA_FK_SYSTEM || jf->hint == HA_FK_SOFTWARE) && kind != HA_FK_UNKNOWN &&
	    kind != jf->hint) {
		if (kind == HA_FK_SYSTEM || kind == HA_FK_SOFTWARE) {
			/* Named SYSTEM, holding SOFTWARE (or the reverse): the content
			 * decides, and the evidence says the name was wrong. */
			char *w = f->kind_why;

			f->kind_why = ha_asprintf("%s; its %s is wrong", w ? w : "",
			                          jf->hint_why ? jf->hint_why : "name");
			free(w);
			if (!f->kind_why)
				return ha_err_nomem(err);
		} else {
			f->status = HA_HS_WRONG_KIND;
			f->claim = jf->hint == HA_FK_SYSTEM ? HA_SYSTEM : HA_SOFTWARE;
			return set_fmt(&f->reason, "%s, but its content is a %s hive (%s)",
			               jf->hint_why ? jf->hint_why : "named as a hive",
			               ha_file_kind_name(kind), kwhy)
			               ? ha_err_nomem(err)
			               : HA_OK;
		}
	}
	if (f->dirty && f->replay) {
		/* HIVE-INTEGRITY quotes this reason: it says what was replayed. */
		char seq[80] = "", sum[80] = "";

		f->status = HA_HS_REPLAYED;
		if (no_magic) {
			rc = set_fmt(&f->reason,
			             "base block damaged (no regf signature; a hive bin follows "
			             "it); %s",
			             f->replay);
			return rc ? ha_err_nomem(err) : HA_OK;
		}
		if (f->bb.seq1 != f->bb.seq2)
			snprintf(seq, sizeof seq,
			         "sequence numbers differ: primary %u, secondary %u", f->bb.seq1,
			         f->bb.seq2);
		if (!f->bb.checksum_ok)
			snprintf(sum, sizeof sum,
			         "header checksum wrong: stored 0x%08x, computed 0x%08x",
			         f->bb.checksum_stored, f->bb.checksum_computed);
		rc = set_fmt(&f->reason, "dirty (%s%s%s); %s", seq, seq[0] && sum[0] ? "; " : "",
		             sum, f->replay);
		return rc ? ha_err_nomem(err) : HA_OK;
	}
	if (f->dirty) {
		f->status = HA_HS_DIRTY;
		if (refused[0])
			rc = set_fmt(&f->reason, "dirty: %s; %s; logs refused: %s%s%s",
			             f->bb.seq1 != f->bb.seq2 ? "sequence numbers differ"
			                                      : "checksum wrong",
			             log_summary(f, logs, sizeof logs), refused,
			             degraded ? "; " : "", degraded ? herr.msg : "");
		else
			rc = set_fmt(&f->reason, "dirty: %s; %s; not replayed%s%s",
			             f->bb.seq1 != f->bb.seq2 ? "sequence numbers differ"
			                                      : "checksum wrong",
			             log_summary(f, logs, sizeof logs), degraded ? "; " : "",
			             degraded ? herr.msg : "");
		if (f->bb.seq1 != f->bb.seq2 && !rc) {
			char *r = f->reason;

			f->reason = NULL;
			rc = set_fmt(&f->reason, "%s (primary %u, secondary %u)", r, f->bb.seq1,
			             f->bb.seq2);
			free(r);
		}
		return rc ? ha_err_nomem(err) : HA_OK;
	}
	if (degraded) {
		f->status = HA_HS_DEGRADED;
		return set_str(&f->reason, herr.msg) ? ha_err_nomem(err) : HA_OK;
	}
	f->status = HA_HS_OK;
	return set_str(&f->reason, "clean") ? ha_err_nomem(err) : HA_OK;
}

/* ------------------------------------------------------------ exports */

/* A .reg export is listed twice in a host's files (its SYSTEM part and its
 * SOFTWARE part, see ha_job_file.is_export); it is read, hashed and parsed
 * once, for the first, and this keeps the result for the second. */
struct export_cache {
	const char *path; /* borrowed from the job; NULL: empty */
	int fd;           /* kept to notice a change while the host is read */
	struct stat st;
	struct ha_regtext *rt; /* NULL when the file did not parse */
	int status;            /* the file's status then */
	char *reason;
	char sha256[65];
	char head[120]; /* "a .reg text export (format, encoding)" */
};

static void export_cache_reset(struct export_cache *c)
{
	ha_regtext_free(c->rt);
	free(c->reason);
	if (c->fd >= 0)
		close(c->fd);
	memset(c, 0, sizeof *c);
	c->fd = -1;
}

/* Opens, hashes and parses the export into the cache.  Problems become
 * c->status and c->reason; only allocation failure is an error. */
static int export_load(const struct ha_job_file *jf, struct export_cache *c, struct ha_err *err)
{
	struct ha_sha256 sh;
	struct ha_err pe;
	const uint8_t *map;
	size_t size;
	int rc;

	c->path = jf->path;
	c->status = HA_HS_UNREADABLE;
	snprintf(c->head, sizeof c->head, "a .reg text export");
	c->fd = open(jf->path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (c->fd < 0)
		return set_fmt(&c->reason, "cannot open: %s", strerror(errno));
	if (fstat(c->fd, &c->st) != 0 || !S_ISREG(c->st.st_mode))
		return set_str(&c->reason, "not a regular file");
	if (c->st.st_size == 0) {
		c->status = HA_HS_NOT_HIVE;
		return set_str(&c->reason, "empty file");
	}
	if ((uint64_t)c->st.st_size > (uint64_t)SIZE_MAX / 4)
		return set_str(&c->reason, "file too large to map");
	size = (size_t)c->st.st_size;
	map = mmap(NULL, size, PROT_READ, MAP_SHARED, c->fd, 0);
	if (map == MAP_FAILED)
		return set_fmt(&c->reason, "cannot map: %s", strerror(errno));
	madvise((void *)map, size, MADV_SEQUENTIAL);
	rc = ha_sha256_init(&sh, err);
	if (!rc)
		rc = ha_sha256_update(&sh, map, size, err);
	if (!rc)
		rc = ha_sha256_final(&sh, c->sha256, err);
	else
		ha_sha256_abort(&sh);
	if (rc) {
		munmap((void *)map, size);
		return rc;
	}
	ha_err_clear(&pe);
	rc = ha_regtext_parse(map, size, NULL, &c->rt, &pe);
	munmap((void *)map, size);
	if (rc == HA_ERR_NOMEM)
		/* The worker's memory limit, as "cannot map" is for a hive. */
		return set_fmt(&c->reason,
		               "a .reg text export of %zu bytes that does not fit in "
		               "memory (%s)",
		               size, pe.msg);
	if (rc)
		return set_fmt(&c->reason, "a .reg text export that cannot be read: %s", pe.msg);
	{
		const struct ha_regtext_info *in = ha_regtext_info(c->rt);

		snprintf(c->head, sizeof c->head, "a .reg text export (%s, %s)",
		         in->format == 4 ? "REGEDIT4" : "Windows Registry Editor Version 5.00",
		         in->encoding);
	}
	c->status = HA_HS_OK;
	return HA_OK;
}

/* One part (SYSTEM or SOFTWARE, from jf->hint) of an export: the file's
 * facts from the cache, and a hive handle on that part's tree in of. */
static int read_export(const struct ha_job_file *jf, struct ha_hivefile *f, struct open_file *of,
                       struct export_cache *c, struct ha_err *err)
{
	int role = jf->hint == HA_FK_SOFTWARE ? HA_SOFTWARE : HA_SYSTEM;
	int rc;

	if (!c->path || strcmp(c->path, jf->path) != 0) {
		export_cache_reset(c);
		rc = export_load(jf, c, err);
		if (rc)
			return rc;
	}
	if (c->fd >= 0) {
		f->size = (uint64_t)c->st.st_size;
		f->mtime_ns = (int64_t)c->st.st_mtim.tv_sec * 1000000000LL + c->st.st_mtim.tv_nsec;
		of->fd = fcntl(c->fd, F_DUPFD_CLOEXEC, 0);
		of->st = c->st;
	}
	memcpy(f->sha256, c->sha256, sizeof f->sha256);
	f->kind = role == HA_SYSTEM ? HA_FK_SYSTEM : HA_FK_SOFTWARE;
	if (set_fmt(&f->kind_why, "%s holding HKEY_LOCAL_MACHINE\\%s keys", c->head,
	            ha_role_name(role)))
		return ha_err_nomem(err);
	if (!c->rt) {
		f->status = c->status;
		return set_str(&f->reason, c->reason ? c->reason : "unreadable") ? ha_err_nomem(err)
		                                                                 : HA_OK;
	}
	if (!ha_regtext_has(c->rt, role)) {
		f->status = HA_HS_MISSING;
		return set_fmt(&f->reason, "the export holds no HKEY_LOCAL_MACHINE\\%s keys",
		               ha_role_name(role))
		               ? ha_err_nomem(err)
		               : HA_OK;
	}
	if (of->fd < 0) {
		f->status = HA_HS_UNREADABLE;
		return set_fmt(&f->reason, "cannot duplicate the descriptor: %s", strerror(errno))
		               ? ha_err_nomem(err)
		               : HA_OK;
	}
	free(f->reason);
	f->reason = ha_regtext_describe(c->rt, role);
	if (!f->reason || ha_hive_open_export(c->rt, role, &of->hive))
		return ha_err_nomem(err);
	f->status = HA_HS_OK;
	return HA_OK;
}

/* ---------------------------------------------------------------- roles */

static int role_of_kind(int kind)
{
	return kind == HA_FK_SYSTEM ? HA_SYSTEM : kind == HA_FK_SOFTWARE ? HA_SOFTWARE : -1;
}

int ha_assign_roles(struct ha_snapshot *s, struct ha_err *err)
{
	int r;

	for (r = 0; r < HA_NROLES; r++) {
		size_t i, nread = 0, nbad = 0;
		int first_read = -1, first_bad = -1, second_read = -1, first_skipped = -1;

		free(s->role[r].reason);
		s->role[r].reason = NULL;
		s->role[r].file = -1;
		s->role[r].cand = -1;
		for (i = 0; i < s->nfiles; i++) {
			struct ha_hivefile *f = &s->files[i];

			if (role_of_kind(f->kind) != r &&
			    !(f->status == HA_HS_WRONG_KIND && f->claim == r))
				continue;
			if (ha_hive_status_readable(f->status)) {
				if (nread == 1)
					second_read = (int)i;
				if (!nread++)
					first_read = (int)i;
			} else if (f->status != HA_HS_SKIPPED) {
				if (!nbad++)
					first_bad = (int)i;
			} else if (first_skipped < 0) {
				first_skipped = (int)i;
			}
		}
		if (nread == 1) {
			struct ha_hivefile *f = &s->files[first_read];

			s->role[r].file = first_read;
			s->role[r].cand = first_read;
			s->role[r].status = f->status;
			f->role = r;
			if (set_str(&s->role[r].reason, f->reason))
				return ha_err_nomem(err);
		} else if (nread > 1) {
			size_t i2;

			s->role[r].status = HA_HS_CONFLICT;
			s->role[r].cand = first_read;
			if (set_fmt(&s->role[r].reason,
			            "%zu %s hives in one host folder (%s, %s%s); none is used",
			            nread, ha_role_name(r), s->files[first_read].path,
			            s->files[second_read].path, nread > 2 ? ", ..." : ""))
				return ha_err_nomem(err);
			for (i2 = 0; i2 < s->nfiles; i2++) {
				struct ha_hivefile *f = &s->files[i2];

				if (role_of_kind(f->kind) == r &&
				    ha_hive_status_readable(f->status)) {
					f->status = HA_HS_CONFLICT;
					if (set_fmt(&f->reason,
					            "another %s hive is in the same folder",
					            ha_role_name(r)))
						return ha_err_nomem(err);
				}
			}
		} else if (nbad) {
			struct ha_hivefile *f = &s->files[first_bad];

			s->role[r].cand = first_bad;
			s->role[r].status = f->status;
			if (set_fmt(&s->role[r].reason, "%s: %s", f->path,
			            f->reason ? f->reason : "?"))
				return ha_err_nomem(err);
		} else {
			const struct ha_hivefile *k =
			        first_skipped >= 0 ? &s->files[first_skipped] : NULL;

			/* A skipped file says why the role is empty (a backup, a
			 * link to another host's hive). */
			s->role[r].status = HA_HS_MISSING;
			if (set_fmt(&s->role[r].reason, "no %s hive in the host folder%s%s%s%s",
			            ha_role_name(r), k ? " (" : "", k ? k->path : "",
			            k ? " skipped: " : "",
			            k ? (k->reason ? k->reason : "skipped") : "") ||
			    (k && set_fmt(&s->role[r].reason, "%s)", s->role[r].reason)))
				return ha_err_nomem(err);
		}
	}
	return HA_OK;
}

/* ------------------------------------------------------------ control set */

static int select_value(struct ha_hive *hv, ha_node sel, const char *name, uint32_t *out)
{
	ha_vnode *vals = NULL;
	size_t n = 0, i;
	struct ha_buf nb;
	struct ha_err e; /* a Select value that cannot be read is only unusable */
	int found = -1;

	if (ha_hive_values(hv, sel, &vals, &n, &e) != HA_OK)
		return -1;
	ha_buf_init(&nb, 4096);
	for (i = 0; i < n && found < 0; i++) {
		uint32_t type, len;
		uint8_t *data;

		ha_buf_truncate(&nb, 0);
		if (ha_hive_value_name(hv, vals[i], &nb) != HA_OK) {
			nb.failed = 0;
			continue;
		}
		if (!ha_ascii_caseeq(ha_buf_cstr(&nb), name))
			continue;
		if (ha_hive_value_data(hv, vals[i], 64, &type, &data, &len, &e) == HA_OK) {
			/* Only integers count, as in mature parsers. */
			if (type == HA_REG_DWORD && len >= 4) {
				*out = ha_le32(data);
				found = 0;
			}
			free(data);
		}
		break;
	}
	ha_buf_free(&nb);
	free(vals);
	return found;
}

static int choose_control_set(struct ha_hive *hv, struct ha_snapshot *s, struct ha_err *err)
{
	static const char *const order[] = {"Current", "Default", "LastKnownGood"};
	char name[32], tried[300] = "";
	struct ha_err e; /* a key that cannot be read counts as absent here */
	ha_node root = ha_hive_root(hv), sel = 0, cs;
	ha_node *kids = NULL;
	size_t n = 0, i, used = 0;
	unsigned lowest = 0, count = 0;
	struct ha_buf nb;

	if (ha_hive_child(hv, root, "Select", &sel, &e) == HA_OK && sel) {
		for (i = 0; i < 3; i++) {
			uint32_t v;

			if (select_value(hv, sel, order[i], &v) != 0) {
				used += (size_t)snprintf(tried + used, sizeof tried - used,
				                         "%sSelect\\%s unusable", used ? "; " : "",
				                         order[i]);
				continue;
			}
			if (v == 0 || v > 999) {
				used += (size_t)snprintf(tried + used, sizeof tried - used,
				                         "%sSelect\\%s = %u out of range",
				                         used ? "; " : "", order[i], v);
				continue;
			}
			snprintf(name, sizeof name, "ControlSet%03u", v);
			if (ha_hive_child(hv, root, name, &cs, &e) == HA_OK && cs) {
				s->ccs = (int)v;
				if (i == 0)
					return set_fmt(&s->ccs_source, "Select\\Current = %u", v)
					               ? ha_err_nomem(err)
					               : HA_OK;
				return set_fmt(&s->ccs_source, "%s; fell back to Select\\%s = %u",
				               tried, order[i], v)
				               ? ha_err_nomem(err)
				               : HA_OK;
			}
			used += (size_t)snprintf(tried + used, sizeof tried - used,
			                         "%sSelect\\%s = %u but %s does not exist",
			                         used ? "; " : "", order[i], v, name);
			if (used >= sizeof tried)
				used = sizeof tried - 1;
		}
	} else {
		snprintf(tried, sizeof tried, "no Select key");
	}
	/* Fallback: the ControlSetNNN keys that exist. */
	if (ha_hive_children(hv, root, &kids, &n, &e) == HA_OK) {
		ha_buf_init(&nb, 4096);
		for (i = 0; i < n; i++) {
			ha_buf_truncate(&nb, 0);
			if (ha_hive_node_name(hv, kids[i], &nb) != HA_OK) {
				nb.failed = 0;
				continue;
			}
			if (is_controlset_name(ha_buf_cstr(&nb))) {
				unsigned v = (unsigned)((ha_buf_cstr(&nb)[10] - '0') * 100 +
				                        (ha_buf_cstr(&nb)[11] - '0') * 10 +
				                        (ha_buf_cstr(&nb)[12] - '0'));

				if (v && (!lowest || v < lowest))
					lowest = v;
				if (v)
					count++;
			}
		}
		ha_buf_free(&nb);
		free(kids);
	}
	if (count == 1) {
		s->ccs = (int)lowest;
		return set_fmt(&s->ccs_source, "%s; the only control set, ControlSet%03u, was used",
		               tried, lowest)
		               ? ha_err_nomem(err)
		               : HA_OK;
	}
	if (count > 1) {
		s->ccs = (int)lowest;
		return set_fmt(&s->ccs_source,
		               "%s; %u control sets exist, the lowest, ControlSet%03u, was used "
		               "(the one in use cannot be proven)",
		               tried, count, lowest)
		               ? ha_err_nomem(err)
		               : HA_OK;
	}
	s->ccs = 0;
	return set_fmt(&s->ccs_source, "%s; no ControlSetNNN key exists", tried) ? ha_err_nomem(err)
	                                                                         : HA_OK;
}

/* ------------------------------------------------------------- requests */

/* Structural damage met below the root of one hive while answering the
 * requests: a subkey or value list, a name or a value's data that hivex
 * cannot read.  (A value longer than we keep is not damage.) */
struct damage {
	size_t n;
	char first[420];
};

static void damage_note(struct damage *d, const char *lpath, const char *why)
{
	if (!d->n++)
		snprintf(d->first, sizeof d->first, "the first under '%.150s': %.230s", lpath, why);
}

/* Walks `ppath` from the root. *node is 0 when a component is missing
 * (herr says which, HA_ERR_NOTFOUND, and HA_OK is returned); `found`
 * receives the path with real case for the part that exists.  Other
 * errors are the registry reader's, in herr. */
static int walk(struct ha_hive *hv, const char *ppath, ha_node *node, struct ha_buf *found,
                struct ha_err *herr)
{
	ha_node cur = ha_hive_root(hv), next;
	const char *p = ppath;
	struct ha_buf comp, nb;
	int rc = HA_OK;

	ha_buf_init(&comp, 4096);
	ha_buf_init(&nb, 4096);
	while (*p) {
		const char *e = strchr(p, '\\');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		ha_buf_truncate(&comp, 0);
		ha_buf_add(&comp, p, len);
		rc = ha_hive_child(hv, cur, ha_buf_cstr(&comp), &next, herr);
		if (rc)
			break;
		if (!next) {
			ha_err_set(herr, HA_ERR_NOTFOUND, "no subkey '%s' under '%s'",
			           ha_buf_cstr(&comp), found->len ? ha_buf_cstr(found) : "(root)");
			cur = 0;
			break;
		}
		ha_buf_truncate(&nb, 0);
		if (ha_hive_node_name(hv, next, &nb) != HA_OK) {
			nb.failed = 0;
			ha_buf_puts(&nb, ha_buf_cstr(&comp));
		}
		if (found->len)
			ha_buf_putc(found, '\\');
		ha_buf_puts(found, ha_buf_cstr(&nb));
		cur = next;
		p = e ? e + 1 : p + len;
	}
	ha_buf_free(&comp);
	ha_buf_free(&nb);
	*node = cur;
	return rc;
}

static int read_values(struct ha_hive *hv, ha_node node, const struct ha_request *rq,
                       const struct ha_read_opts *opts, struct ha_key *k, struct damage *d,
                       struct ha_err *err)
{
	ha_vnode *vals = NULL;
	size_t n = 0, i, j;
	struct ha_buf nb;
	struct ha_err herr; /* a list or value that cannot be read is the key's error */

	if (!rq->nnames)
		return HA_OK;
	if (ha_hive_values(hv, node, &vals, &n, &herr) != HA_OK) {
		damage_note(d, k->lpath, herr.msg);
		k->state = HA_KEY_ERROR;
		return set_str(&k->error, herr.msg) ? ha_err_nomem(err) : HA_OK;
	}
	ha_buf_init(&nb, 65536);
	for (i = 0; i < n; i++) {
		struct ha_value *v;
		int rc;

		ha_buf_truncate(&nb, 0);
		if (ha_hive_value_name(hv, vals[i], &nb) != HA_OK) {
			nb.failed = 0;
			damage_note(d, k->lpath, "a value's name is unreadable");
			continue;
		}
		for (j = 0; j < rq->nnames; j++)
			if (nb.len == strlen(rq->names[j]) &&
			    ha_ascii_caseeq(ha_buf_cstr(&nb), rq->names[j]))
				break;
		if (j == rq->nnames || ha_key_value(k, ha_buf_cstr(&nb)))
			continue; /* not wanted, or a duplicate name (first one wins, as lookups do)
			           */
		v = ha_key_add_value(k);
		if (!v || !(v->name = ha_strdup(ha_buf_cstr(&nb)))) {
			ha_buf_free(&nb);
			free(vals);
			return ha_err_nomem(err);
		}
		rc = ha_hive_value_data(hv, vals[i],
		                        opts->max_value ? opts->max_value : DEFAULT_MAX_VALUE,
		                        &v->type, &v->data, &v->len, &herr);
		if (rc && rc != HA_ERR_LIMIT)
			damage_note(d, k->lpath, herr.msg);
		if (rc && set_str(&v->error, herr.msg)) {
			ha_buf_free(&nb);
			free(vals);
			return ha_err_nomem(err);
		}
	}
	ha_buf_free(&nb);
	free(vals);
	return HA_OK;
}

/* Replaces a leading "CurrentControlSet" with "ControlSetNNN". */
static char *physical_path(const char *lpath, int ccs, int *needs_ccs)
{
	*needs_ccs = 0;
	if (ha_ascii_ncasecmp(lpath, "CurrentControlSet", 17) == 0 &&
	    (lpath[17] == '\\' || lpath[17] == '\0')) {
		*needs_ccs = 1;
		if (!ccs)
			return NULL;
		return ha_asprintf("ControlSet%03d%s", ccs, lpath + 17);
	}
	return ha_strdup(lpath);
}

static int read_request(struct ha_hive *hv, struct ha_snapshot *s, const struct ha_request *rq,
                        const struct ha_read_opts *opts, struct damage *d, struct ha_err *err)
{
	struct ha_key *k = ha_snapshot_add_key(s);
	struct ha_buf found;
	ha_node node = 0;
	struct ha_err herr; /* why the key is unavailable, absent or unreadable */
	char *ppath;
	int needs, rc;

	ha_err_clear(&herr);
	if (!k)
		return ha_err_nomem(err);
	k->hive = rq->hive;
	k->lpath = ha_strdup(rq->path);
	k->match = rq->match ? ha_strdup(rq->match) : NULL;
	if (!k->lpath || (rq->match && !k->match))
		return ha_err_nomem(err);
	ppath = physical_path(rq->path, s->ccs, &needs);
	if (!ppath) {
		if (!needs)
			return ha_err_nomem(err);
		k->state = HA_KEY_UNAVAILABLE;
		return set_fmt(&k->error, "no control set could be chosen (%s)",
		               s->ccs_source ? s->ccs_source : "?")
		               ? ha_err_nomem(err)
		               : HA_OK;
	}
	if (!ha_hive_path_covered(hv, ppath, &herr)) {
		/* A .reg export of a sub-tree: what lies outside it is unknown. */
		k->state = HA_KEY_UNAVAILABLE;
		k->ppath = ppath;
		return set_str(&k->error, herr.msg) ? ha_err_nomem(err) : HA_OK;
	}
	ha_buf_init(&found, 65536);
	rc = walk(hv, ppath, &node, &found, &herr);
	if (rc) {
		damage_note(d, rq->path, herr.msg);
		k->state = HA_KEY_ERROR;
		k->ppath = ppath;
		ha_buf_free(&found);
		return set_str(&k->error, herr.msg) ? ha_err_nomem(err) : HA_OK;
	}
	if (!node) {
		k->state = HA_KEY_ABSENT;
		k->ppath = ppath;
		ha_buf_free(&found);
		return set_str(&k->error, herr.msg) ? ha_err_nomem(err) : HA_OK;
	}
	free(ppath);
	k->ppath = ha_buf_detach(&found, NULL);
	if (!k->ppath)
		return ha_err_nomem(err);
	k->state = HA_KEY_PRESENT;
	if (ha_hive_node_time(hv, node, &k->last_write) != HA_OK)
		k->last_write = 0;

	if (!rq->match)
		return read_values(hv, node, rq, opts, k, d, err);

	/* Enumeration: the matching subkeys, each read as a key of its own. */
	{
		size_t max = opts->max_matches ? opts->max_matches : DEFAULT_MAX_MATCHES;
		ha_node *kids = NULL;
		size_t n = 0, i;
		struct ha_buf nb;
		size_t kidx = (size_t)(k - s->keys);

		if (ha_hive_children(hv, node, &kids, &n, &herr) != HA_OK) {
			damage_note(d, rq->path, herr.msg);
			k->state = HA_KEY_ERROR;
			return set_str(&k->error, herr.msg) ? ha_err_nomem(err) : HA_OK;
		}
		ha_buf_init(&nb, 4096);
		for (i = 0; i < n; i++) {
			struct ha_key *ck;
			const char *ppar;

			ha_buf_truncate(&nb, 0);
			if (ha_hive_node_name(hv, kids[i], &nb) != HA_OK) {
				nb.failed = 0;
				damage_note(d, rq->path, "a subkey's name is unreadable");
				continue;
			}
			if (!ha_subkey_matches(rq->match, ha_buf_cstr(&nb)))
				continue;
			k = &s->keys[kidx]; /* the array may have moved */
			if (k->nsub >= max) {
				k->sub_truncated = 1;
				break;
			}
			if (ha_key_add_sub(k, ha_buf_cstr(&nb)))
				goto nomem;
			ppar = k->ppath;
			ck = ha_snapshot_add_key(s);
			if (!ck)
				goto nomem;
			k = &s->keys[kidx];
			ppar = k->ppath;
			ck->hive = rq->hive;
			ck->lpath = ha_asprintf("%s\\%s", rq->path, ha_buf_cstr(&nb));
			ck->ppath = ha_asprintf("%s\\%s", ppar, ha_buf_cstr(&nb));
			if (!ck->lpath || !ck->ppath)
				goto nomem;
			ck->state = HA_KEY_PRESENT;
			if (ha_hive_node_time(hv, kids[i], &ck->last_write) != HA_OK)
				ck->last_write = 0;
			rc = read_values(hv, kids[i], rq, opts, ck, d, err);
			if (rc) {
				ha_buf_free(&nb);
				free(kids);
				return rc;
			}
		}
		ha_buf_free(&nb);
		free(kids);
		return HA_OK;
	nomem:
		ha_buf_free(&nb);
		free(kids);
		return ha_err_nomem(err);
	}
}

/* Records a request that cannot be answered because its hive is unusable. */
static int unavailable(struct ha_snapshot *s, const struct ha_request *rq, struct ha_err *err)
{
	struct ha_key *k = ha_snapshot_add_key(s);
	const struct ha_roleinfo *ri = &s->role[rq->hive];

	if (!k)
		return ha_err_nomem(err);
	k->hive = rq->hive;
	k->lpath = ha_strdup(rq->path);
	k->match = rq->match ? ha_strdup(rq->match) : NULL;
	k->state = HA_KEY_UNAVAILABLE;
	k->error = ha_asprintf("%s hive %s: %s", ha_role_name(rq->hive),
	                       ha_hive_status_name(ri->status), ri->reason ? ri->reason : "");
	if (!k->lpath || !k->error || (rq->match && !k->match))
		return ha_err_nomem(err);
	return HA_OK;
}

/* A hive that opened cleanly can still be damaged below its root.  The
 * keys concerned are in error already; the hive is no longer clean either,
 * since what the damage hides (a key that looks absent, a value not listed)
 * cannot be told from what is really absent.  It becomes degraded, with a
 * count and the first error, so that HIVE-INTEGRITY fails and the findings
 * drawn from it are not trusted.  HA_OK or HA_ERR_NOMEM. */
static int mark_damaged(struct ha_snapshot *s, const struct damage *dmg)
{
	int r;

	for (r = 0; r < HA_NROLES; r++) {
		struct ha_hivefile *f;
		int had = 0;
		char *reason;

		if (s->role[r].file < 0 || !dmg[r].n)
			continue;
		f = &s->files[s->role[r].file];
		if (f->status != HA_HS_OK && f->status != HA_HS_DEGRADED)
			continue;
		had = f->status == HA_HS_DEGRADED && f->reason && *f->reason;
		reason = ha_asprintf("%s%sdamaged below the root: %zu read error%s, %s",
		                     had ? f->reason : "", had ? "; " : "", dmg[r].n,
		                     dmg[r].n == 1 ? "" : "s", dmg[r].first);
		if (!reason)
			return HA_ERR_NOMEM;
		free(f->reason);
		f->reason = reason;
		f->status = HA_HS_DEGRADED;
		/* The role uses this file: it says the same. */
		s->role[r].status = f->status;
		if (set_str(&s->role[r].reason, f->reason))
			return HA_ERR_NOMEM;
	}
	return HA_OK;
}

/* ------------------------------------------------------------ the host */

static int copy_job(const struct ha_host_job *job, struct ha_snapshot *out, struct ha_err *err)
{
	size_t i, j;

	out->label = ha_strdup(job->label);
	out->dir = ha_strdup(job->dir);
	if (!out->label || !out->dir)
		return ha_err_nomem(err);
	if (job->note && !(out->note = ha_strdup(job->note)))
		return ha_err_nomem(err);
	for (i = 0; i < job->nfiles; i++) {
		const struct ha_job_file *jf = &job->files[i];
		struct ha_hivefile *f = ha_snapshot_add_file(out);

		if (!f || !(f->path = ha_strdup(jf->path)))
			return ha_err_nomem(err);
		f->kind = jf->hint;
		if (jf->hint_why && !(f->kind_why = ha_strdup(jf->hint_why)))
			return ha_err_nomem(err);
		if (jf->nlogs) {
			f->logs = calloc(jf->nlogs, sizeof *f->logs);
			if (!f->logs)
				return ha_err_nomem(err);
			for (j = 0; j < jf->nlogs; j++) {
				if (!(f->logs[j] = ha_strdup(jf->logs[j])))
					return ha_err_nomem(err);
				f->nlogs++;
			}
		}
		if (jf->skip_status) {
			f->status = jf->skip_status;
			if (set_str(&f->reason, jf->skip_reason ? jf->skip_reason : "skipped"))
				return ha_err_nomem(err);
		}
	}
	return HA_OK;
}

int ha_snapshot_from_job(const struct ha_host_job *job, struct ha_snapshot *out, struct ha_err *err)
{
	return copy_job(job, out, err);
}

int ha_read_host(const struct ha_host_job *job, const struct ha_reqset *req,
                 const struct ha_read_opts *opts, ha_read_progress_fn progress, void *ctx,
                 struct ha_snapshot *out, struct ha_err *err)
{
	struct ha_read_opts defaults;
	struct damage dmg[HA_NROLES];
	struct open_file *of;
	struct export_cache xc;
	size_t i;
	int rc, r;

	if (!opts) {
		memset(&defaults, 0, sizeof defaults);
		opts = &defaults;
	}
	memset(dmg, 0, sizeof dmg);
	rc = copy_job(job, out, err);
	if (rc)
		return rc;
	of = calloc(job->nfiles ? job->nfiles : 1, sizeof *of);
	if (!of)
		return ha_err_nomem(err);
	for (i = 0; i < job->nfiles; i++)
		of[i].fd = -1;
	memset(&xc, 0, sizeof xc);
	xc.fd = -1;

	for (i = 0; i < job->nfiles && !rc; i++) {
		if (job->files[i].skip_status)
			continue;
		if (progress)
			progress(ctx, i);
		if (job->files[i].is_export)
			rc = read_export(&job->files[i], &out->files[i], &of[i], &xc, err);
		else
			rc = read_file(&job->files[i], opts, &out->files[i], &of[i], err);
		if (!of[i].hive)
			close_file(&of[i]);
	}
	if (!rc)
		rc = ha_assign_roles(out, err);
	if (!rc && out->role[HA_SYSTEM].file >= 0) {
		const struct ha_hive *sh = of[out->role[HA_SYSTEM].file].hive;

		rc = choose_control_set(of[out->role[HA_SYSTEM].file].hive, out, err);
		if (!rc && ha_hive_export(sh) && ha_regtext_info(ha_hive_export(sh))->ccs_mapped) {
			char *cs = out->ccs_source;

			out->ccs_source =
			        ha_asprintf("%s; %s", cs ? cs : "",
			                    ha_regtext_info(ha_hive_export(sh))->ccs_note);
			free(cs);
			if (!out->ccs_source)
				rc = ha_err_nomem(err);
		}
	} else if (!rc) {
		rc = set_str(&out->ccs_source, "no readable SYSTEM hive") ? ha_err_nomem(err)
		                                                          : HA_OK;
	}
	for (i = 0; i < req->n && !rc; i++) {
		const struct ha_request *rq = &req->v[i];
		int fi = out->role[rq->hive].file;

		if (fi < 0) {
			rc = unavailable(out, rq, err);
			continue;
		}
		if (progress)
			progress(ctx, (size_t)fi);
		rc = read_request(of[fi].hive, out, rq, opts, &dmg[rq->hive], err);
	}
	if (!rc)
		rc = mark_damaged(out, dmg);
	/* A file that changed while we read it gives no trustworthy answers. */
	for (r = 0; r < HA_NROLES && !rc; r++) {
		int fi = out->role[r].file;
		struct stat st;

		if (fi < 0)
			continue;
		if (fstat(of[fi].fd, &st) != 0 || st.st_size != of[fi].st.st_size ||
		    st.st_mtim.tv_sec != of[fi].st.st_mtim.tv_sec ||
		    st.st_mtim.tv_nsec != of[fi].st.st_mtim.tv_nsec) {
			struct ha_hivefile *f = &out->files[fi];
			size_t k;

			f->status = HA_HS_UNREADABLE;
			rc = set_str(&f->reason, "the file changed while it was being read");
			for (k = 0; k < out->nkeys && !rc; k++) {
				if (out->keys[k].hive != r)
					continue;
				out->keys[k].state = HA_KEY_UNAVAILABLE;
				rc = set_str(&out->keys[k].error,
				             "the hive changed while it was being read");
			}
			if (!rc)
				rc = ha_assign_roles(out, err);
		}
	}
	for (i = 0; i < job->nfiles; i++)
		close_file(&of[i]);
	free(of);
	export_cache_reset(&xc);
	return rc == HA_ERR_NOMEM ? ha_err_nomem(err) : rc;
}
