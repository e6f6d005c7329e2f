/* reuse.c: the incremental-scan policy, all of it.
 *
 * A host whose files did not change since a saved snapshot is not read
 * again: its saved snapshot is re-evaluated with today's rules and date,
 * and stored as a new host row that records where it came from.  The plan
 * is made here from the store and the files' metadata (scan_reuse_plan),
 * and after each host is stored the identities of its files are recorded
 * here (scan_reuse_record).
 *
 * What "did not change" means.  The snapshot was taken with the same
 * requests (the rules ask for the same keys), the host folder holds the
 * same files, no file is a dirty hive whose logs were found (its answer
 * depends on the logs too), and every file that was read has the same
 * identity as then: device, inode, size, modification and change time, as
 * git's index records them (a write moves the change time, and a file
 * replaced by another has another inode).  Such a host is not read at all,
 * and keeps its stored SHA-256.  With --hash sha256, a stored "not
 * computed" hash is no reason to skip reading: the file is read and hashed.
 * Files recorded without reading (backups) match by path alone.
 *
 * A host read from a collection container (archive, disk image) is
 * reused in the same way, with the container file's identity standing for
 * each of its files (their paths name the container and the path inside,
 * so the same paths mean the same members): an unchanged container is not
 * opened by a worker at all.  There is no hash comparison for them (that
 * would mean extracting every member again): a container without a
 * recorded identity is read.  Every host from a container also gets the
 * container, its SHA-256 and each hive's path inside recorded with its
 * hives (scan_reuse_record).
 *
 * A store written before identities were recorded has none: then, with
 * hashing on, the worker compares size, time and SHA-256 as before
 * (scan_reuse_unchanged) and the identities are recorded for next time.
 *
 * --verify reads and hashes every host, and compares each fresh SHA-256
 * with the stored one where the identity did not change: a difference
 * means the bytes changed behind the metadata's back (a tool that restores
 * times, a file system that does not keep them), and is said in the
 * hive's reason and in a note of the run. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scan_internal.h"

/* The identity of the file at `path` now; 0 when it cannot be had. */
static int identity_now(const char *path, struct ha_file_identity *id)
{
	struct stat st;

	if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return 0;
	id->dev = (uint64_t)st.st_dev;
	id->ino = (uint64_t)st.st_ino;
	id->size = (uint64_t)st.st_size;
	id->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
	id->ctime_ns = (int64_t)st.st_ctim.tv_sec * 1000000000LL + st.st_ctim.tv_nsec;
	return 1;
}

/* The file whose identity stands for job file j: the file itself, or for
 * a host in a container the container file. */
static const char *file_of(const struct ha_host_job *h, size_t j)
{
	return h->container ? ha_job_container_file(h) : h->files[j].path;
}

static int same_identity(const struct ha_file_identity *a, const struct ha_file_identity *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime_ns == b->mtime_ns && a->ctime_ns == b->ctime_ns;
}

/* 64 lower-case hex digits: a hash that was computed. */
static int is_hash(const char *h)
{
	size_t i;

	for (i = 0; i < 64; i++)
		if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f')))
			return 0;
	return h[64] == '\0';
}

/* Matches the job's files against the saved snapshot's: fills fp (one per
 * job file) and returns 1 when the files are the same and none is a
 * dirty hive with logs. */
static int match_files(const struct ha_host_job *h, const struct ha_snapshot *s,
                       struct ha_scan_fingerprint *fp)
{
	size_t j, k;

	if (s->nfiles != h->nfiles)
		return 0;
	for (j = 0; j < h->nfiles; j++) {
		const struct ha_job_file *jf = &h->files[j];
		int found = 0;

		for (k = 0; k < s->nfiles; k++) {
			const struct ha_hivefile *f = &s->files[k];

			if (strcmp(f->path, jf->path) != 0)
				continue;
			if (jf->skip_status) {
				fp[j].skipped = 1;
				found = 1;
			} else if (f->sha256[0] && !(f->dirty && f->nlogs) &&
			           f->nlogs == jf->nlogs) {
				fp[j].size = f->size;
				fp[j].mtime_ns = f->mtime_ns;
				memcpy(fp[j].sha256, f->sha256, sizeof fp[j].sha256);
				found = 1;
			}
			break;
		}
		if (!found)
			return 0;
	}
	return 1;
}

/* Decides how host i may be reused, from its saved snapshot `s` (host
 * row `id`) and the fingerprints with their current identities. */
static int plan_host(struct ha_store *st, const struct ha_host_job *h, int64_t id,
                     const struct ha_snapshot *s, const struct scan_reuse_opts *o,
                     struct ha_scan_fingerprint *fp, int *how, struct ha_err *err)
{
	int by_identity = 1, by_hash = !o->no_hash;
	size_t j;

	*how = SCAN_REUSE_NONE;
	if (!match_files(h, s, fp))
		return HA_OK;
	for (j = 0; j < h->nfiles; j++) {
		int rc;

		if (fp[j].skipped)
			continue;
		rc = h->container
		             ? ha_store_get_container_identity(
		                       st, id, h->files[j].path, ha_job_container_file(h),
		                       &fp[j].saved, fp[j].saved_sha256, &fp[j].have_saved, err)
		             : ha_store_get_identity(st, id, h->files[j].path, &fp[j].saved,
		                                     fp[j].saved_sha256, &fp[j].have_saved, err);
		if (rc)
			return rc;
		if (!fp[j].have_saved || !fp[j].have_now ||
		    !same_identity(&fp[j].saved, &fp[j].now) ||
		    (!o->no_hash && !is_hash(fp[j].sha256)))
			by_identity = 0;
		if (!is_hash(fp[j].sha256) || h->container)
			by_hash = 0; /* members have no file of their own to hash */
	}
	if (o->verify)
		*how = SCAN_REUSE_VERIFY;
	else if (by_identity)
		*how = SCAN_REUSE_IDENTITY;
	else if (by_hash)
		*how = SCAN_REUSE_HASH;
	return HA_OK;
}

int scan_reuse_plan(struct ha_store *st, const struct ha_fleet *fleet, const char *requests_digest,
                    const struct scan_reuse_opts *o, struct scan_reuse *r, struct ha_err *err)
{
	size_t n = fleet->nhosts ? fleet->nhosts : 1, i, j;
	int rc = HA_OK;

	memset(r, 0, sizeof *r);
	r->nhosts = fleet->nhosts;
	r->prev = calloc(n, sizeof *r->prev);
	r->how = calloc(n, sizeof *r->how);
	r->files = calloc(n, sizeof *r->files);
	if (!r->prev || !r->how || !r->files) {
		scan_reuse_free(r);
		return ha_err_nomem(err);
	}
	for (i = 0; !rc && i < fleet->nhosts; i++) {
		const struct ha_host_job *h = &fleet->hosts[i];
		struct ha_scan_fingerprint *fp = calloc(h->nfiles ? h->nfiles : 1, sizeof *fp);
		struct ha_snapshot s;
		int64_t id = 0;

		if (!fp) {
			rc = ha_err_nomem(err);
			break;
		}
		r->files[i] = fp;
		/* Taken before anything is read: an identity is recorded only if
		 * the file still has it after reading (scan_reuse_record). */
		for (j = 0; j < h->nfiles; j++)
			fp[j].have_now =
			        !h->files[j].skip_status && identity_now(file_of(h, j), &fp[j].now);
		if (o->rescan)
			continue;
		ha_snapshot_init(&s);
		rc = ha_store_previous(st, h->dir, requests_digest, &id, &s, err);
		if (!rc && id)
			rc = plan_host(st, h, id, &s, o, fp, &r->how[i], err);
		if (!rc && r->how[i] != SCAN_REUSE_NONE)
			r->prev[i] = id;
		ha_snapshot_free(&s);
	}
	if (rc)
		scan_reuse_free(r);
	return rc;
}

void scan_reuse_free(struct scan_reuse *r)
{
	size_t i;

	if (r->files)
		for (i = 0; i < r->nhosts; i++)
			free(r->files[i]);
	free(r->files);
	free(r->how);
	free(r->prev);
	memset(r, 0, sizeof *r);
}

int scan_reuse_without_reading(const struct scan_reuse *r, size_t host)
{
	return host < r->nhosts && r->how[host] == SCAN_REUSE_IDENTITY;
}

int64_t scan_reuse_source(const struct scan_reuse *r, size_t host)
{
	if (host >= r->nhosts || r->how[host] == SCAN_REUSE_VERIFY)
		return 0;
	return r->prev[host];
}

int scan_reuse_reusable(void *ctx, size_t host)
{
	const struct scan_reuse *r = ctx;

	return host < r->nhosts && r->how[host] == SCAN_REUSE_HASH && r->prev[host];
}

/* The file at `path` still has size, time and SHA-256 of fp. */
static int file_unchanged(const char *path, const struct ha_scan_fingerprint *fp)
{
	struct ha_sha256 sh;
	struct stat st;
	char hex[65];
	uint8_t buf[1 << 16];
	ssize_t n;
	int fd, ok = 1;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size != fp->size ||
	    (int64_t)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec != fp->mtime_ns ||
	    ha_sha256_init(&sh, NULL)) {
		close(fd);
		return 0;
	}
	while ((n = read(fd, buf, sizeof buf)) > 0)
		if (ha_sha256_update(&sh, buf, (size_t)n, NULL)) {
			ok = 0;
			break;
		}
	close(fd);
	if (n < 0 || !ok) {
		ha_sha256_abort(&sh);
		return 0;
	}
	return ha_sha256_final(&sh, hex, NULL) == HA_OK && strcmp(hex, fp->sha256) == 0;
}

int scan_reuse_unchanged(void *ctx, size_t host, const struct ha_host_job *job)
{
	const struct scan_reuse *r = ctx;
	const struct ha_scan_fingerprint *fp;
	size_t i;

	if (!scan_reuse_reusable(ctx, host))
		return 0;
	fp = r->files[host];
	for (i = 0; i < job->nfiles; i++) {
		if (fp[i].skipped)
			continue; /* never read, so it cannot change the answer */
		if (!file_unchanged(job->files[i].path, &fp[i]))
			return 0;
	}
	return 1;
}

/* The job file index of `path`, or -1. */
static long job_file(const struct ha_host_job *h, const char *path)
{
	size_t j;

	for (j = 0; j < h->nfiles; j++)
		if (strcmp(h->files[j].path, path) == 0)
			return (long)j;
	return -1;
}

int scan_reuse_verify(const struct scan_reuse *r, size_t host, const struct ha_host_job *h,
                      struct ha_snapshot *snap, struct ha_buf *notes, long *changed,
                      struct ha_err *err)
{
	size_t k;

	if (host >= r->nhosts || r->how[host] != SCAN_REUSE_VERIFY)
		return HA_OK;
	for (k = 0; k < snap->nfiles; k++) {
		struct ha_hivefile *f = &snap->files[k];
		long j = job_file(h, f->path);
		const struct ha_scan_fingerprint *fp;
		char *reason;

		if (j < 0)
			continue;
		fp = &r->files[host][j];
		if (fp->skipped || !fp->have_saved || !fp->have_now ||
		    !same_identity(&fp->saved, &fp->now) || !is_hash(fp->saved_sha256) ||
		    !is_hash(f->sha256) || strcmp(fp->saved_sha256, f->sha256) == 0)
			continue;
		reason = ha_asprintf(
		        "%s%sthe bytes changed under an unchanged identity (device, inode, "
		        "size, times): SHA-256 was %s, now %s",
		        f->reason && *f->reason ? f->reason : "",
		        f->reason && *f->reason ? "; " : "", fp->saved_sha256, f->sha256);
		if (!reason)
			return ha_err_nomem(err);
		free(f->reason);
		f->reason = reason;
		if (notes->len)
			ha_buf_putc(notes, '\n');
		ha_buf_printf(
		        notes,
		        "--verify: '%s' changed under an unchanged identity (device, inode, size, "
		        "times): SHA-256 was %s, now %s",
		        f->path, fp->saved_sha256, f->sha256);
		(*changed)++;
	}
	return ha_buf_status(notes) ? ha_err_nomem(err) : HA_OK;
}

int scan_reuse_record(struct ha_store *st, const struct scan_reuse *r, size_t host,
                      const struct ha_host_job *h, const struct ha_snapshot *snap, int64_t host_id,
                      struct ha_err *err)
{
	size_t k;
	int rc = HA_OK;

	if (host >= r->nhosts)
		return HA_OK;
	for (k = 0; !rc && k < snap->nfiles; k++) {
		const struct ha_hivefile *f = &snap->files[k];
		const struct ha_scan_fingerprint *fp;
		struct ha_file_identity after;
		long j = job_file(h, f->path);
		int kept;

		if (j < 0)
			continue;
		fp = &r->files[host][j];
		/* The identity from before reading, if the file still has it and
		 * it describes the bytes that were read (ha_store_set_identity
		 * checks size and time against the stored row). */
		kept = !fp->skipped && fp->have_now &&
		       identity_now(file_of(h, (size_t)j), &after) &&
		       same_identity(&after, &fp->now) && f->sha256[0];
		if (h->container) {
			struct ha_hive_container c;

			c.file = ha_job_container_file(h);
			c.sha256 = ha_job_container_sha256(h);
			c.inner = ha_job_inner_path(h, f->path);
			c.id = kept ? &fp->now : NULL;
			rc = ha_store_set_container(st, host_id, f->path, &c, err);
		} else if (kept) {
			rc = ha_store_set_identity(st, host_id, f->path, &fp->now, err);
		}
	}
	return rc;
}
