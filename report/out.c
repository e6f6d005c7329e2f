/* out.c: atomic output files (see ha_report.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ha_report.h"

int ha_out_open(struct ha_out *o, const char *path, struct ha_err *err)
{
	memset(o, 0, sizeof *o);
	o->fd = -1;
	o->path = ha_strdup(path);
	o->tmp = ha_asprintf("%s.tmp-%ld", path, (long)getpid());
	if (!o->path || !o->tmp) {
		ha_out_abort(o);
		return ha_err_set(err, HA_ERR_NOMEM, "out of memory");
	}
	o->fd = open(o->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (o->fd < 0) {
		int e = errno;

		free(o->tmp);
		o->tmp = NULL;
		ha_out_abort(o);
		return ha_err_sys(err, HA_ERR_IO, e, "cannot write '%s'", path);
	}
	return HA_OK;
}

int ha_out_write(struct ha_out *o, struct ha_buf *b, struct ha_err *err)
{
	const char *p = b->data;
	size_t left = b->len;

	if (ha_buf_status(b)) {
		o->failed = 1;
		return ha_err_set(err, ha_buf_status(b), "'%s': output too large or out of memory",
				  o->path);
	}
	while (left && !o->failed) {
		ssize_t n = write(o->fd, p, left);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			o->failed = 1;
			o->err_no = n < 0 ? errno : EIO;
			break;
		}
		p += n;
		left -= (size_t)n;
	}
	ha_buf_truncate(b, 0);
	if (o->failed)
		return ha_err_sys(err, HA_ERR_IO, o->err_no, "cannot write '%s'", o->path);
	return HA_OK;
}

int ha_out_commit(struct ha_out *o, struct ha_err *err)
{
	int rc = HA_OK;

	if (o->failed)
		rc = ha_err_sys(err, HA_ERR_IO, o->err_no, "cannot write '%s'", o->path);
	else if (fsync(o->fd) != 0)
		rc = ha_err_sys(err, HA_ERR_IO, errno, "cannot write '%s'", o->path);
	else if (close(o->fd) != 0) {
		o->fd = -1;
		rc = ha_err_sys(err, HA_ERR_IO, errno, "cannot write '%s'", o->path);
	} else {
		o->fd = -1;
		if (rename(o->tmp, o->path) != 0)
			rc = ha_err_sys(err, HA_ERR_IO, errno, "cannot write '%s'", o->path);
	}
	if (rc) {
		ha_out_abort(o);
		return rc;
	}
	free(o->tmp);
	free(o->path);
	memset(o, 0, sizeof *o);
	o->fd = -1;
	return HA_OK;
}

void ha_out_abort(struct ha_out *o)
{
	if (o->fd >= 0)
		close(o->fd);
	if (o->tmp)
		unlink(o->tmp);
	free(o->tmp);
	free(o->path);
	memset(o, 0, sizeof *o);
	o->fd = -1;
}
