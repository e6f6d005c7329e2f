/* reuse.c: the incremental-scan policy, all of it.
 *
 * A host whose files did not change since a saved snapshot is not read
 * again: its saved snapshot is re-evaluated with today's rules and date,
 * and stored as a new host row that records where it came from.  The plan
 * is made here from the store (scan_reuse_plan), the files are checked
 * here, inside the worker (scan_reuse_unchanged, handed to the pool), and
 * the saved snapshot is found here when the worker says "unchanged"
 * (scan_reuse_source).
 *
 * What "did not change" means: the snapshot was taken with the same
 * requests (the rules ask for the same keys), the host folder holds the
 * same files, and every file that was read has the same size, modification
 * time and SHA-256 as then.  A dirty hive whose logs were found is always
 * read again, because its answer depends on the logs too; files that were
 * recorded without reading (backups) match by path alone. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scan_internal.h"

/* Matches the job's files against the saved snapshot's: fills fp (one per
 * job file) and returns 1 when every file has a usable fingerprint. */
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
			} else if (f->sha256[0] && !(f->dirty && f->nlogs) && f->nlogs == jf->nlogs) {
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

int scan_reuse_plan(struct ha_store *st, const struct ha_fleet *fleet, const char *requests_digest,
		    int rescan, struct scan_reuse *r, struct ha_err *err)
{
	size_t i;
	int rc = HA_OK;

	memset(r, 0, sizeof *r);
	r->nhosts = fleet->nhosts;
	r->prev = calloc(fleet->nhosts ? fleet->nhosts : 1, sizeof *r->prev);
	r->files = calloc(fleet->nhosts ? fleet->nhosts : 1, sizeof *r->files);
	if (!r->prev || !r->files) {
		scan_reuse_free(r);
		return ha_err_set(err, HA_ERR_NOMEM, "out of memory");
	}
	for (i = 0; !rescan && !rc && i < fleet->nhosts; i++) {
		const struct ha_host_job *h = &fleet->hosts[i];
		struct ha_scan_fingerprint *fp;
		struct ha_snapshot s;
		int64_t id = 0;

		ha_snapshot_init(&s);
		rc = ha_store_previous(st, h->dir, requests_digest, &id, &s, err);
		if (!rc && id) {
			fp = calloc(h->nfiles ? h->nfiles : 1, sizeof *fp);
			if (!fp)
				rc = ha_err_set(err, HA_ERR_NOMEM, "out of memory");
			else if (match_files(h, &s, fp)) {
				r->prev[i] = id;
				r->files[i] = fp;
			} else
				free(fp);
		}
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
	free(r->prev);
	memset(r, 0, sizeof *r);
}

int64_t scan_reuse_source(const struct scan_reuse *r, size_t host)
{
	return host < r->nhosts ? r->prev[host] : 0;
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

int scan_reuse_reusable(void *ctx, size_t host)
{
	const struct scan_reuse *r = ctx;

	return host < r->nhosts && r->prev[host] && r->files[host];
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
