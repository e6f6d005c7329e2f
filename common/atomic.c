/* atomic.c: files that are either whole under their name or absent (see
 * ha_common.h, "atomic files").
 *
 * The bytes go to a temporary file created afresh beside the destination
 * (mkstemp: O_EXCL, so never written through a link someone put there),
 * which is synced, given its mode, renamed over the destination, and then
 * the folder is synced so that the rename itself survives a crash.  A
 * rename replaces the destination's directory entry: a symbolic link or a
 * hard link at the destination is replaced, never written through, so the
 * file it pointed to keeps its bytes.  On any failure before the rename the
 * temporary file is removed and the destination is left as it was.
 *
 * The temporary file's name is random by default; HA_ATOMIC_PID_TEMP makes
 * it carry the writer's pid instead, for folders swept of the temporaries
 * that a killed writer left (the reports, report/out.c).
 *
 * What this does not do: decide whether a destination may be replaced at
 * all (evidence files, say); callers check that first. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ha_common.h"

/* The folder holding `path`, malloc'd ("." for a bare name). */
static char *parent_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return ha_strdup(".");
	return ha_strndup(path, slash == path ? 1 : (size_t)(slash - path));
}

/* Creates "<path>.tmp-<pid>" afresh: O_EXCL and O_NOFOLLOW, so neither a
 * file nor a link put there is written through; a leftover of an earlier
 * process that had our pid is removed once.  The descriptor, or -1 with
 * errno set. */
static int open_pid_temp(const char *tmp)
{
	int fd = -1, attempt, e = 0;

	for (attempt = 0; attempt < 2 && fd < 0; attempt++) {
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		e = errno;
		if (fd < 0 && (e != EEXIST || unlink(tmp) != 0))
			break;
	}
	errno = e;
	return fd;
}

int ha_atomic_open_flags(struct ha_atomic *a, const char *path, unsigned mode, unsigned flags,
                         struct ha_err *err)
{
	int e;

	memset(a, 0, sizeof *a);
	a->fd = -1;
	a->mode = mode & 07777u;
	a->flags = flags;
	a->path = ha_strdup(path);
	a->tmp = flags & HA_ATOMIC_PID_TEMP ? ha_asprintf("%s.tmp-%ld", path, (long)getpid())
	                                    : ha_asprintf("%s.tmp.XXXXXX", path);
	if (!a->path || !a->tmp) {
		ha_atomic_abort(a);
		return ha_err_nomem(err);
	}
	a->fd = flags & HA_ATOMIC_PID_TEMP ? open_pid_temp(a->tmp) : mkostemp(a->tmp, O_CLOEXEC);
	if (a->fd < 0) {
		e = errno;
		free(a->tmp);
		a->tmp = NULL; /* nothing of ours to remove */
		ha_atomic_abort(a);
		return ha_err_sys(err, HA_ERR_IO, e, "cannot write '%s'", path);
	}
	return HA_OK;
}

int ha_atomic_open(struct ha_atomic *a, const char *path, unsigned mode, struct ha_err *err)
{
	return ha_atomic_open_flags(a, path, mode, 0, err);
}

int ha_atomic_write(struct ha_atomic *a, const void *p, size_t n, struct ha_err *err)
{
	const uint8_t *q = p;

	if (a->err_no)
		return ha_err_sys(err, HA_ERR_IO, a->err_no, "cannot write '%s'", a->path);
	while (n) {
		ssize_t w = write(a->fd, q, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			a->err_no = w < 0 ? errno : ENOSPC;
			return ha_err_sys(err, HA_ERR_IO, a->err_no, "cannot write '%s'", a->path);
		}
		q += w;
		n -= (size_t)w;
	}
	return HA_OK;
}

int ha_atomic_commit(struct ha_atomic *a, struct ha_err *err)
{
	char *dir = NULL;
	mode_t um;
	int e = a->err_no, dfd;

	/* The umask applies as it would to open(2); reading it means setting
	 * it, so it is put back at once. */
	um = umask(0);
	umask(um);
	if (!e && fchmod(a->fd, (mode_t)a->mode & ~um) != 0)
		e = errno;
	if (!e && fsync(a->fd) != 0)
		e = errno;
	if (close(a->fd) != 0 && !e)
		e = errno;
	a->fd = -1;
	if (!e && rename(a->tmp, a->path) != 0)
		e = errno;
	if (e) {
		int rc = ha_err_sys(err, HA_ERR_IO, e, "cannot write '%s'", a->path);

		ha_atomic_abort(a);
		return rc;
	}
	free(a->tmp);
	a->tmp = NULL; /* renamed: no longer ours to remove */

	/* Without this the rename may be lost in a crash although the data
	 * was synced.  File systems that cannot sync a folder say EINVAL. */
	dir = parent_of(a->path);
	if (!dir && (a->flags & HA_ATOMIC_DIR_SYNC_BEST_EFFORT)) {
		ha_atomic_abort(a);
		return HA_OK;
	}
	if (!dir) {
		ha_atomic_abort(a);
		return ha_err_nomem(err);
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || (fsync(dfd) != 0 && errno != EINVAL))
		e = errno;
	if (dfd >= 0)
		close(dfd);
	free(dir);
	if (e && !(a->flags & HA_ATOMIC_DIR_SYNC_BEST_EFFORT)) {
		int rc = ha_err_sys(err, HA_ERR_IO, e, "wrote '%s' but cannot sync its folder",
		                    a->path);

		ha_atomic_abort(a);
		return rc;
	}
	ha_atomic_abort(a); /* releases the names; nothing left to remove */
	return HA_OK;
}

void ha_atomic_abort(struct ha_atomic *a)
{
	if (a->fd >= 0)
		close(a->fd);
	if (a->tmp)
		unlink(a->tmp);
	free(a->tmp);
	free(a->path);
	memset(a, 0, sizeof *a);
	a->fd = -1;
}

int ha_atomic_write_file(const char *path, const void *p, size_t n, unsigned mode,
                         struct ha_err *err)
{
	struct ha_atomic a;
	int rc;

	rc = ha_atomic_open(&a, path, mode, err);
	if (rc)
		return rc;
	rc = ha_atomic_write(&a, p, n, err);
	if (rc) {
		ha_atomic_abort(&a);
		return rc;
	}
	return ha_atomic_commit(&a, err);
}

int ha_mkdirs(const char *path, struct ha_err *err)
{
	char *p = ha_strdup(path), *q;
	struct stat st;

	if (!p)
		return ha_err_nomem(err);
	for (q = p + 1;; q++) {
		if (*q == '/' || *q == '\0') {
			char c = *q;

			*q = '\0';
			if (mkdir(p, 0755) != 0 && errno != EEXIST) {
				int e = errno;

				free(p);
				return ha_err_sys(err, HA_ERR_IO, e, "cannot create folder '%s'",
				                  path);
			}
			*q = c;
			if (!c)
				break;
		}
	}
	free(p);
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		return ha_err_set(err, HA_ERR_IO, "'%s' is not a folder", path);
	return HA_OK;
}
